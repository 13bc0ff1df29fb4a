/*
 * replay.c - runs a libFuzzer entry point over every file of a corpus
 * directory (or over the files named on the command line). Linked with one
 * fuzz_*.c target so CTest replays the corpus and the crash regressions on any
 * compiler. Exit 0 when every input ran; a crash aborts the process.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char *data = NULL;
    long n;
    int rc = 1;

    if (!f)
        return 1;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    data = malloc((size_t)n + 1);
    if (!data || fread(data, 1, (size_t)n, f) != (size_t)n)
        goto out;
    LLVMFuzzerTestOneInput(data, (size_t)n);
    rc = 0;
out:
    free(data);
    fclose(f);
    return rc;
}

int main(int argc, char **argv)
{
    int i, runs = 0, fails = 0;

    for (i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: not found\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            DIR *d = opendir(argv[i]);
            struct dirent *e;
            char path[4096];
            if (!d)
                return 1;
            while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                if (snprintf(path, sizeof(path), "%s/%s", argv[i], e->d_name) >= (int)sizeof(path))
                    continue;
                fails += run_file(path);
                runs++;
            }
            closedir(d);
        } else {
            fails += run_file(argv[i]);
            runs++;
        }
    }
    printf("replay: %d inputs, %d unreadable\n", runs, fails);
    return (fails || runs == 0) ? 1 : 0;
}
