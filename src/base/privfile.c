/*
 * privfile.c - files with personal data, mode 0600 (contract in
 * privfile.h). Invariant: no file is ever created here with a mode wider
 * than 0600, independent of the process umask. Thread model: none.
 */
#include "base/privfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

FILE *privfile_create(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f;
    int e;

    if (fd < 0)
        return NULL;
    /* an existing file keeps its mode through O_TRUNC: narrow it (a file
     * we may not chmod, e.g. /dev/stdout, is written as it is) */
    (void)fchmod(fd, 0600);
    f = fdopen(fd, "w");
    if (!f) {
        e = errno;
        close(fd);
        errno = e;
    }
    return f;
}

int privfile_touch(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? 0 : -1;
    return close(fd);
}
