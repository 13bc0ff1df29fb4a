/*
 * csvout.c - one spreadsheet-safe CSV cell (contract in csvout.h).
 * Invariant: the bytes of the value always follow, unchanged but for the
 * doubling of double quotes; only a leading single quote is ever added.
 * Thread model: none (the caller's FILE).
 */
#include "base/csvout.h"

#include <string.h>

/* The first byte a spreadsheet would run: OWASP's list, with no exception
 * for signed numbers (csvout.h says why). A value that begins with a single
 * quote and then one of them would read back without its quote (the rule of
 * csvout.h), so it is prefixed too. */
static int runs(char c)
{
    return c != '\0' && strchr("=+-@\t\r", c) != NULL;
}

int csvout_is_formula(const char *s, size_t len)
{
    return s && len > 0 && (runs(s[0]) || (len > 1 && s[0] == '\'' && runs(s[1])));
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
