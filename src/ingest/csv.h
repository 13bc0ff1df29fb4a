/*
 * csv.h - streaming RFC 4180 reader.
 *
 * Reads records from a file descriptor or a memory block through a fixed
 * input window, without an allocation per field or per row: the reader owns
 * one input buffer (at most `max_row` + one read chunk) and one field buffer
 * (at most `max_row`), allocated at open and reused.
 *
 * Accepted: UTF-8 with an optional leading BOM (skipped), comma separator,
 * '"' quoting with "" as an escaped quote, quoted fields holding commas,
 * quotes, CR and LF; records ended by CRLF, LF, or end of file (a final
 * record without a line end is a record). A completely empty line is
 * skipped (it is not a record of one empty field).
 *
 * Rejected, as a malformed record (csv_next returns TW_EINPUT; the reader has
 * already moved to the start of the next record, so the caller can go on):
 *   - a '"' inside an unquoted field, or text after a closing quote;
 *   - a field longer than max_field, a record longer than max_row, more
 *     fields than max_fields;
 *   - a NUL byte;
 *   - a quoted field still open at end of file (the rest of the file is that
 *     one bad record; nothing after it can be read).
 *
 * Invariants:
 *   1. Every field handed out is NUL-terminated, and its len excludes the NUL.
 *   2. csv_row_t pointers stay valid until the next csv_next() or csv_close().
 *   3. `line` counts physical lines from 1, so a quoted newline advances it:
 *      error positions are what a text editor shows.
 * Thread model: one reader per thread.
 */
#ifndef TW_CSV_H
#define TW_CSV_H

#include <stddef.h>

#include "base/err.h"

typedef struct csv_reader csv_reader_t;

typedef struct {
    size_t max_field;  /* bytes in one field, after unquoting */
    size_t max_row;    /* bytes in one raw record */
    size_t max_fields; /* fields in one record */
} csv_limits_t;

/* Defaults: 64 KiB per field, 1 MiB per record, 512 fields. */
#define CSV_DEFAULT_MAX_FIELD ((size_t)64 * 1024)
#define CSV_DEFAULT_MAX_ROW ((size_t)1024 * 1024)
#define CSV_DEFAULT_MAX_FIELDS ((size_t)512)

typedef struct {
    size_t nfields;
    const char *const *field; /* field[i] is NUL-terminated, unquoted */
    const size_t *len;        /* len[i] = strlen-like length of field[i] */
    const long *field_line;   /* physical line where field i starts */
    const long *field_col;    /* 1-based byte column where field i starts */
    long line;                /* physical line where the record starts */
    long end_line;            /* physical line where the record ends */
    const char *raw;          /* the record's bytes as read, without its line end */
    size_t raw_len;           /* (truncated to max_row for an over-long record) */
} csv_row_t;

typedef struct {
    long line;   /* where the problem is */
    long column; /* 1-based byte column on that line */
    char msg[160];
} csv_error_t;

/* `lim` may be NULL for the defaults. The reader does not close `fd`.
 * Free with csv_close(). */
tw_err_t csv_open_fd(csv_reader_t **out, int fd, const csv_limits_t *lim);
/* Reads from data[0..len), which must outlive the reader. */
tw_err_t csv_open_mem(csv_reader_t **out, const char *data, size_t len,
                      const csv_limits_t *lim);
void csv_close(csv_reader_t *r);

/* Next record into *row.
 * TW_OK: a record. TW_EOF: no more records. TW_EINPUT: a malformed record,
 * skipped; csv_last_error() says where and why, and row->line/raw describe
 * it. TW_EIO: read() failed. TW_ENOMEM never happens after open. */
tw_err_t csv_next(csv_reader_t *r, csv_row_t *row);
const csv_error_t *csv_last_error(const csv_reader_t *r);
/* Bytes consumed so far (for progress reporting). */
unsigned long long csv_bytes_read(const csv_reader_t *r);

#endif
