/*
 * csvout.c - one spreadsheet-safe CSV cell (contract in csvout.h).
 * Invariant: the bytes of the value always follow, unchanged but for the
 * doubling of double quotes; only a leading single quote is ever added.
 * Thread model: none (the caller's FILE).
 */
#include "base/csvout.h"

#include <string.h>

/* A signed decimal number, nothing else ("+37491234567", "-5", "-1.5"): a
 * spreadsheet reads it as a number and runs nothing, so it is written as it
 * is (an E.164 phone must stay comparable with the register's). */
static int plain_number(const char *s, size_t len)
{
    size_t i = 1, digits = 0, dots = 0;
    if (len < 2 || (s[0] != '+' && s[0] != '-'))
        return 0;
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] == '.' && dots == 0 && digits > 0)
            dots++;
        else
            return 0;
    }
    return digits > 0 && s[len - 1] != '.';
}

int csvout_is_formula(const char *s, size_t len)
{
    return s && len > 0 && s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL &&
           !plain_number(s, len);
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
