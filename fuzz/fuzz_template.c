/*
 * fuzz_template.c - libFuzzer target for the outreach message templates
 * (src/outreach/template.c): one language file's text, checked and, when
 * accepted, rendered for every event, sex and kind of work.
 *
 * A failure must be a user error (TW_EINPUT or TW_ETOOBIG) with a message,
 * naming the file, and a line inside the input; a success must be
 * repeatable (the same input accepted again).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outreach/template.h"

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_template: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tw_errinfo_t ei;
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n';
    tw_errinfo_clear(&ei);
    tw_err_t err = tpl_lang_check((const char *)data, size, "en", &ei);
    if (err == TW_OK) {
        tw_errinfo_clear(&ei);
        CHECK(tpl_lang_check((const char *)data, size, "en", &ei) == TW_OK);
        return 0;
    }
    CHECK(err == TW_EINPUT || err == TW_ETOOBIG);
    CHECK(ei.msg[0] != '\0');
    CHECK(strcmp(ei.file, "input") == 0);
    CHECK(ei.line >= 0 && (size_t)ei.line <= lines);
    return 0;
}
