/*
 * fuzz_mapping.c - libFuzzer target for mapping files (src/ingest/mapping.c).
 *
 * Parses the input as a mapping file. A failure must be TW_EINPUT with a
 * position and a message, and no mapping. A success is then looked up with
 * every line of the input as a header and as a value, checking what the
 * contract promises: matching ignores ASCII case and surrounding spaces,
 * and ASCII names give the same answer through the fast path as through
 * utf8proc (a no-break space around the name forces the latter).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/mapping.h"

#define CHECK(c)                                                                        \
    do {                                                                                \
        if (!(c)) {                                                                     \
            fprintf(stderr, "fuzz_mapping: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void probe(const mapping_t *m, const char *s, size_t len)
{
    static char buf[4200];
    const char *c = mapping_column(m, s, len);
    const char *v = mapping_value(m, "worker_sex", s, len);
    const char *v2 = c && strcmp(c, "-") != 0 ? mapping_value(m, c, s, len) : NULL;
    size_t k;
    int ascii = 1;

    (void)v2;
    if (c)
        CHECK(strlen(c) > 0);
    if (len + 6 > sizeof(buf))
        return;
    for (k = 0; k < len; k++) {
        unsigned char ch = (unsigned char)s[k];
        if (ch >= 0x80)
            ascii = 0;
        buf[k + 2] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
    }
    /* upper case and padded with spaces: the same entry */
    buf[0] = ' ';
    buf[1] = '\t';
    buf[len + 2] = ' ';
    CHECK(same(mapping_column(m, buf, len + 3), c));
    CHECK(same(mapping_value(m, "worker_sex", buf, len + 3), v));
    if (!ascii)
        return;
    /* NBSP padding takes the utf8proc path: same answer for ASCII names */
    buf[0] = '\xC2';
    buf[1] = '\xA0';
    buf[len + 2] = '\xC2';
    buf[len + 3] = '\xA0';
    CHECK(same(mapping_column(m, buf, len + 4), c));
    CHECK(same(mapping_value(m, "worker_sex", buf, len + 4), v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    mapping_t *m = (mapping_t *)&m;
    tw_errinfo_t ei;
    tw_err_t err;
    size_t pos = 0, eol, eq;

    err = mapping_parse(text, size, "fuzz.map", &m, &ei);
    if (err != TW_OK) {
        CHECK(err == TW_EINPUT);
        CHECK(m == NULL);
        CHECK(ei.line >= 0 && ei.column >= 0 && ei.msg[0] != '\0');
        CHECK(strcmp(ei.file, "fuzz.map") == 0);
        return 0;
    }
    CHECK(m != NULL);
    if (mapping_date_format(m))
        CHECK(strlen(mapping_date_format(m)) == 10);
    if (mapping_register(m))
        CHECK(strlen(mapping_register(m)) > 0);
    probe(m, "", 0);
    probe(m, "Male", 4);
    while (pos < size) {
        for (eol = pos; eol < size && text[eol] != '\n' && text[eol] != '\r'; eol++)
            ;
        probe(m, text + pos, eol - pos);
        for (eq = pos; eq < eol && text[eq] != '='; eq++)
            ;
        if (eq < eol)
            probe(m, text + pos, eq - pos); /* the name before '=' */
        pos = eol + 1;
    }
    mapping_free(m);
    return 0;
}
