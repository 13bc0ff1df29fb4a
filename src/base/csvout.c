/*
 * csvout.c - one spreadsheet-safe CSV cell (contract in csvout.h).
 * Invariant: the bytes of the value always follow, unchanged but for the
 * doubling of double quotes; only a leading single quote is ever added.
 * Thread model: none (the caller's FILE).
 */
#include "base/csvout.h"

#include <string.h>

int csvout_is_formula(const char *s, size_t len)
{
    return s && len > 0 && strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
}

void csvout_cell(FILE *f, const char *s, size_t len)
{
    size_t i;
    int formula, quote = 0;

    if (!s)
        return;
    formula = csvout_is_formula(s, len);
    for (i = 0; i < len && !quote; i++)
        quote = s[i] == '"' || s[i] == ',' || s[i] == '\n' || s[i] == '\r';
    if (!quote && !formula) {
        fwrite(s, 1, len, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (i = 0; i < len; i++) {
        if (s[i] == '"')
            fputc('"', f);
        fputc(s[i], f);
    }
    fputc('"', f);
}
