/*
 * fuzz_keyfile.c - libFuzzer target for the key file parser
 * (src/cases/vault.c, vault_open). The input is written to a file of mode
 * 0600 and opened. A failure must be TW_EINPUT (malformed, with a message)
 * and no vault; a success must give a vault whose keys are in ascending
 * order, the highest current, that seals and unseals a value and gives
 * every key a check value.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases/vault.h"

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_keyfile: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    vault_t *v = NULL;
    tw_errinfo_t ei;
    tw_err_t err;
    int fd;

    if (!path[0]) {
        snprintf(path, sizeof(path), "/tmp/tw-fuzz-key-%ld", (long)getpid());
    }
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0);
    CHECK(write(fd, data, size) == (ssize_t)size);
    close(fd);
    err = vault_open(path, &v, &ei);
    unlink(path);
    if (err != TW_OK) {
        CHECK(err == TW_EINPUT || err == TW_ENOMEM);
        CHECK(v == NULL);
        CHECK(ei.msg[0] != '\0');
        return 0;
    }
    {
        size_t i, n = vault_key_count(v);
        tw_buf_t b, p;
        char h[VAULT_BLIND_HEX + 1];
        CHECK(n >= 1);
        for (i = 0; i < n; i++) {
            CHECK(i == 0 || vault_key_id(v, i) > vault_key_id(v, i - 1));
            CHECK(vault_key_check(v, vault_key_id(v, i), h) == TW_OK);
            CHECK(strlen(h) == VAULT_BLIND_HEX);
        }
        CHECK(vault_current_key(v) == vault_key_id(v, n - 1));
        buf_init(&b, 1 << 16);
        buf_init(&p, 1 << 16);
        CHECK(vault_seal(v, "t.c:1", "secret", 6, &b) == TW_OK);
        CHECK(vault_unseal(v, "t.c:1", b.p, b.len, &p) == TW_OK);
        CHECK(p.len == 6 && memcmp(p.p, "secret", 6) == 0);
        CHECK(vault_unseal(v, "t.c:2", b.p, b.len, &p) == TW_EINPUT);
        buf_free(&b);
        buf_free(&p);
    }
    vault_close(v);
    return 0;
}
