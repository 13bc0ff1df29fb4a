/*
 * fuzz_import.c - libFuzzer target for the whole import path: the input is a
 * register file (header and rows) imported into an in-memory store, so CSV
 * parsing, header mapping, register inference, every value check, the
 * normalisers (ICU, utf8proc), version bookkeeping and rejects all see it.
 * One thread (deterministic), no rejects file, no progress output.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ingest/import.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    store_t *st = NULL;
    tw_errinfo_t ei;
    import_opts_t o;
    import_result_t res;
    char path[64];
    int fd;

    if (size > 1 << 16)
        return 0;
    fd = memfd_create("fuzz-import", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    if (store_open(":memory:", &st, &ei) == TW_OK) {
        memset(&o, 0, sizeof(o));
        o.progress = IMPORT_PROGRESS_NONE;
        o.quiet = 1;
        o.threads = 1;
        o.rejects_path = "";
        o.batch_rows = 7;
        /* twice: the second import must find everything unchanged */
        if (import_file(st, path, &o, &res, &ei) == TW_OK) {
            long long loaded = res.counts.rows_new + res.counts.rows_versioned;
            (void)loaded;
            if (import_file(st, path, &o, &res, &ei) == TW_OK &&
                res.counts.rows_new + res.counts.rows_versioned != 0)
                __builtin_trap(); /* a re-import must add nothing */
        }
        store_close(st);
    }
    close(fd);
    return 0;
}
