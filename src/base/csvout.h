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
 * added. That includes signed numbers: an E.164 phone "+37491234567" is
 * written "'+37491234567", so a spreadsheet keeps it as the text it is
 * (read as a number it would lose its '+' and, past 15 digits, its last
 * digits), and "-5" as "'-5"; OWASP's rule has no exception, and a value
 * that is a number in one cell can be a formula in the next ("-1+1").
 *
 * Reading the value back (a program, not a spreadsheet): after the usual
 * CSV unquoting, a cell that begins with a single quote followed by one of
 * = + - @ TAB CR had that quote added here; drop the first character. No
 * other cell is changed, and tipwatch never writes a value that itself
 * begins with "'" followed by one of those (such a value is written with a
 * second quote, which the same rule removes). Numbers tipwatch formats
 * itself (scores, line numbers, counts) are not cells of this kind and are
 * written as they are.
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
