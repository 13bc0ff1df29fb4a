/*
 * csvout.h - writing one CSV cell that is safe to open in a spreadsheet.
 *
 * Every CSV file tipwatch writes (alerts export, the hits file of a
 * screening, FILE.rejects.csv of an import) writes its text cells through
 * csvout_cell(): RFC 4180 quoting (a cell holding a comma, a double quote,
 * CR or LF is quoted, quotes doubled), and a cell that begins with '=', '+',
 * '-', '@', TAB or CR, which Excel, LibreOffice and Google Sheets would run
 * as a formula ("spreadsheet formula injection", OWASP "CSV Injection"), is
 * written with a single quote in front, inside double quotes: the
 * spreadsheet shows the text, and a reader of the file sees that a quote was
 * added. A cell that is only a signed decimal number ("+37491234567", an
 * E.164 phone, or "-5") runs nothing and is written as it is. Numbers
 * tipwatch formats itself (scores, line numbers) are not
 * cells of this kind and are written as they are.
 *
 * Thread model: no state; the caller's FILE.
 */
#ifndef TW_CSVOUT_H
#define TW_CSVOUT_H

#include <stddef.h>
#include <stdio.h>

/* 1 when a cell of these bytes would be taken for a formula. */
int csvout_is_formula(const char *s, size_t len);

/* Writes the cell (len bytes of s; s NULL writes nothing) to f. */
void csvout_cell(FILE *f, const char *s, size_t len);

#endif
