/*
 * privfile.h - files that hold personal data are created readable and
 * writable by their owner only (mode 0600), whatever the umask: the store
 * (and so its -wal and -shm files, which SQLite creates with the store's
 * mode), every FILE.rejects.csv, alert exports and hits files. Key files
 * have their own rules (cases/vault.h). README, "Files and their modes".
 *
 * Thread model: no state.
 */
#ifndef TW_PRIVFILE_H
#define TW_PRIVFILE_H

#include <stdio.h>

/* Opens path for writing ("w" semantics: created or truncated) with mode
 * 0600; an existing file is set to 0600 too. NULL with errno on failure. */
FILE *privfile_create(const char *path);

/* Creates path empty with mode 0600 when it does not exist (for a file that
 * another library then opens, as SQLite the store). 0, or -1 with errno;
 * an existing file is left as it is. */
int privfile_touch(const char *path);

#endif
