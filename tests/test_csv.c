/*
 * test_csv.c - the CSV reader's contract (src/ingest/csv.h) as cmocka tests.
 *
 * Every test states the exact outcome a caller sees: the fields, the
 * physical lines and columns, the error position and message, the raw
 * bytes, and that reading goes on after a bad record. The fd reader is
 * tested on temporary files and pipes, with small limits (its read chunk is
 * min(max_row, 256 KiB)) so records cross refills, and with files larger
 * than one 256 KiB chunk at the default limits.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/csvout.h"
#include "ingest/csv.h"

/* ---- helpers ---------------------------------------------------------- */

/* The fd reader's read chunk at the default limits (csv.c). */
#define TEST_CHUNK ((size_t)256 * 1024)

static csv_reader_t *open_mem_lim(const char *s, size_t len, size_t max_field,
                                  size_t max_row, size_t max_fields)
{
    csv_limits_t lim = {max_field, max_row, max_fields};
    csv_reader_t *r = NULL;

    assert_int_equal(csv_open_mem(&r, s, len, &lim), TW_OK);
    assert_non_null(r);
    return r;
}

/* A memory reader over a string literal (its length without the NUL). */
#define OPEN(s) open_mem_lim((s), sizeof(s) - 1, 0, 0, 0)
#define OPEN_LIM(s, f, row, n) open_mem_lim((s), sizeof(s) - 1, (f), (row), (n))

/* Reads the next record, which must be good, starting on `line` and ending
 * on `end_line`, with exactly the `n` fields given. */
static void expect_row(csv_reader_t *r, long line, long end_line, size_t n, ...)
{
    csv_row_t row;
    va_list ap;
    size_t i;
    tw_err_t err = csv_next(r, &row);

    if (err != TW_OK)
        fail_msg("expected a record at line %ld, got %s (%s)", line, tw_strerror(err),
                 err == TW_EINPUT ? csv_last_error(r)->msg : "");
    assert_int_equal(row.line, line);
    assert_int_equal(row.end_line, end_line);
    assert_int_equal(row.nfields, n);
    va_start(ap, n);
    for (i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);
        assert_string_equal(row.field[i], want);
        assert_int_equal(row.len[i], strlen(want));
    }
    va_end(ap);
}

/* Reads the next record, which must be malformed, with the error at
 * line:col, a message containing `msg`, and the raw bytes `raw`. */
static void expect_bad(csv_reader_t *r, long line, long col, const char *msg,
                       const char *raw)
{
    csv_row_t row;
    const csv_error_t *e;
    tw_err_t err = csv_next(r, &row);

    if (err != TW_EINPUT)
        fail_msg("expected a malformed record (line %ld), got %s", line, tw_strerror(err));
    e = csv_last_error(r);
    if (e->line != line || e->column != col || !strstr(e->msg, msg))
        fail_msg("expected %ld:%ld '%s', got %ld:%ld '%s'", line, col, msg, e->line,
                 e->column, e->msg);
    assert_int_equal(row.nfields, 0);
    if (raw) {
        assert_int_equal(row.raw_len, strlen(raw));
        assert_memory_equal(row.raw, raw, row.raw_len);
    }
}

static void expect_eof(csv_reader_t *r)
{
    csv_row_t row;

    assert_int_equal(csv_next(r, &row), TW_EOF);
    assert_int_equal(row.nfields, 0);
    /* and it stays at the end */
    assert_int_equal(csv_next(r, &row), TW_EOF);
}

/* A temporary file holding data[0..len), opened for reading; unlinked. */
static int temp_fd(const void *data, size_t len)
{
    char path[] = "/tmp/tw_test_csv_XXXXXX";
    int fd = mkstemp(path);
    const char *p = data;
    ssize_t n;

    assert_true(fd >= 0);
    unlink(path);
    while (len > 0) {
        n = write(fd, p, len);
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

/* A digest of every outcome a caller sees, to compare two readers. */
static uint64_t digest_all(csv_reader_t *r, unsigned long long *nrec, unsigned long long *nbad)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    csv_row_t row;
    tw_err_t err;
    size_t i;

#define MIX(p, n)                                                                 \
    do {                                                                          \
        const unsigned char *b_ = (const unsigned char *)(p);                     \
        size_t k_;                                                                \
        for (k_ = 0; k_ < (n); k_++)                                              \
            h = (h ^ b_[k_]) * 0x100000001b3ULL;                                  \
    } while (0)
#define MIXV(v)                                                                   \
    do {                                                                          \
        long v_ = (long)(v);                                                      \
        MIX(&v_, sizeof(v_));                                                     \
    } while (0)
    *nrec = *nbad = 0;
    while ((err = csv_next(r, &row)) != TW_EOF) {
        assert_true(err == TW_OK || err == TW_EINPUT);
        MIXV(err);
        MIXV(row.line);
        MIXV(row.end_line);
        MIX(row.raw, row.raw_len);
        MIXV(csv_bytes_read(r));
        if (err == TW_EINPUT) {
            const csv_error_t *e = csv_last_error(r);
            MIXV(e->line);
            MIXV(e->column);
            MIX(e->msg, strlen(e->msg));
            (*nbad)++;
            continue;
        }
        (*nrec)++;
        for (i = 0; i < row.nfields; i++) {
            MIX(row.field[i], row.len[i] + 1);
            MIXV(row.field_line[i]);
            MIXV(row.field_col[i]);
        }
    }
#undef MIX
#undef MIXV
    return h;
}

/* ---- records, quoting, line ends -------------------------------------- */

static void test_simple_lf(void **state)
{
    csv_reader_t *r = OPEN("id,name,city\n1,Aram,Yerevan\n2,Ani,Gyumri\n");
    (void)state;
    expect_row(r, 1, 1, 3, "id", "name", "city");
    expect_row(r, 2, 2, 3, "1", "Aram", "Yerevan");
    expect_row(r, 3, 3, 3, "2", "Ani", "Gyumri");
    expect_eof(r);
    csv_close(r);
}

static void test_crlf(void **state)
{
    csv_reader_t *r = OPEN("a,b\r\n1,2\r\n3,4\r\n");
    csv_row_t row;
    (void)state;
    assert_int_equal(csv_next(r, &row), TW_OK);
    /* raw excludes the line end, the CR included */
    assert_int_equal(row.raw_len, 3);
    assert_memory_equal(row.raw, "a,b", 3);
    assert_string_equal(row.field[1], "b");
    expect_row(r, 2, 2, 2, "1", "2");
    expect_row(r, 3, 3, 2, "3", "4");
    expect_eof(r);
    csv_close(r);
}

/* Decision: a lone CR ends a line (old Mac exports), outside quotes it ends
 * the record; CR CR LF is a record end plus one empty line. */
static void test_lone_cr_is_line_end(void **state)
{
    csv_reader_t *r = OPEN("a,b\r1,2\r3,4");
    csv_reader_t *r2 = OPEN("a\r\r\nb\n");
    (void)state;
    expect_row(r, 1, 1, 2, "a", "b");
    expect_row(r, 2, 2, 2, "1", "2");
    expect_row(r, 3, 3, 2, "3", "4");
    expect_eof(r);
    csv_close(r);
    expect_row(r2, 1, 1, 1, "a");
    expect_row(r2, 3, 3, 1, "b");
    expect_eof(r2);
    csv_close(r2);
}

static void test_mixed_line_ends(void **state)
{
    csv_reader_t *r = OPEN("a\nb\r\nc\rd\n\re");
    (void)state;
    expect_row(r, 1, 1, 1, "a");
    expect_row(r, 2, 2, 1, "b");
    expect_row(r, 3, 3, 1, "c");
    expect_row(r, 4, 4, 1, "d");
    /* "\n\r": the LF ends line 4, the CR is an empty line 5 */
    expect_row(r, 6, 6, 1, "e");
    expect_eof(r);
    csv_close(r);
}

static void test_bom(void **state)
{
    csv_reader_t *r = OPEN("\xEF\xBB\xBFid,name\n1,x\n");
    csv_row_t row;
    (void)state;
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_string_equal(row.field[0], "id");
    assert_int_equal(row.field_col[0], 1); /* the BOM is not a column */
    assert_int_equal(row.field_col[1], 4);
    assert_int_equal(row.raw_len, 7);
    assert_memory_equal(row.raw, "id,name", 7);
    expect_row(r, 2, 2, 2, "1", "x");
    expect_eof(r);
    assert_int_equal(csv_bytes_read(r), 15);
    csv_close(r);
}

static void test_bom_only_and_partial_bom(void **state)
{
    csv_reader_t *r = OPEN("\xEF\xBB\xBF");
    csv_reader_t *r2 = OPEN("\xEF\xBB,x\n");
    csv_reader_t *r3 = OPEN("a\n\xEF\xBB\xBF" "b\n");
    (void)state;
    expect_eof(r);
    csv_close(r);
    /* not a whole BOM: data */
    expect_row(r2, 1, 1, 2, "\xEF\xBB", "x");
    expect_eof(r2);
    csv_close(r2);
    /* a BOM after the start is data */
    expect_row(r3, 1, 1, 1, "a");
    expect_row(r3, 2, 2, 1, "\xEF\xBB\xBF" "b");
    csv_close(r3);
}

static void test_quoted_comma_and_quotes(void **state)
{
    csv_reader_t *r =
        OPEN("\"Yerevan, Abovyan 12\",\"He said \"\"stop\"\"\",\"\",\"\"\"\"\n");
    (void)state;
    expect_row(r, 1, 1, 4, "Yerevan, Abovyan 12", "He said \"stop\"", "", "\"");
    expect_eof(r);
    csv_close(r);
}

static void test_quoted_newline_lines(void **state)
{
    csv_reader_t *r = OPEN("id,note,x\n"
                           "1,\"line one\nline two\nline three\",after\n"
                           "2,\"crlf\r\ninside\",y\r\n"
                           "3,\"cr\rinside\",z\n"
                           "4,last,w\n");
    csv_row_t row;
    (void)state;
    expect_row(r, 1, 1, 3, "id", "note", "x");
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.line, 2);
    assert_int_equal(row.end_line, 4);
    assert_string_equal(row.field[1], "line one\nline two\nline three");
    assert_int_equal(row.field_line[1], 2);
    assert_int_equal(row.field_col[1], 3);
    /* "after" starts on line 4, after `line three",` */
    assert_int_equal(row.field_line[2], 4);
    assert_int_equal(row.field_col[2], 13);
    /* the CRLF inside quotes is kept verbatim and is one line break */
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.line, 5);
    assert_int_equal(row.end_line, 6);
    assert_string_equal(row.field[1], "crlf\r\ninside");
    assert_int_equal(row.field_line[2], 6);
    assert_int_equal(row.field_col[2], 9);
    /* so is a lone CR */
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.line, 7);
    assert_int_equal(row.end_line, 8);
    assert_string_equal(row.field[1], "cr\rinside");
    expect_row(r, 9, 9, 3, "4", "last", "w");
    expect_eof(r);
    csv_close(r);
}

static void test_empty_lines_skipped(void **state)
{
    csv_reader_t *r = OPEN("\n\r\na,b\n\n\n1,2\r\n\r\n\r\n3,4\n\n");
    (void)state;
    expect_row(r, 3, 3, 2, "a", "b");
    expect_row(r, 6, 6, 2, "1", "2");
    expect_row(r, 9, 9, 2, "3", "4");
    expect_eof(r);
    csv_close(r);
}

static void test_only_empty_lines_and_empty_input(void **state)
{
    csv_reader_t *r = OPEN("\n\r\n\r\n");
    csv_reader_t *r2 = NULL;
    (void)state;
    expect_eof(r);
    csv_close(r);
    assert_int_equal(csv_open_mem(&r2, NULL, 0, NULL), TW_OK);
    expect_eof(r2);
    assert_int_equal(csv_bytes_read(r2), 0);
    csv_close(r2);
}

static void test_final_record_without_newline(void **state)
{
    csv_reader_t *r = OPEN("a,b\n1,\"two\"");
    csv_reader_t *r2 = OPEN("x,");
    (void)state;
    expect_row(r, 1, 1, 2, "a", "b");
    expect_row(r, 2, 2, 2, "1", "two");
    expect_eof(r);
    csv_close(r);
    expect_row(r2, 1, 1, 2, "x", "");
    expect_eof(r2);
    csv_close(r2);
}

static void test_empty_fields(void **state)
{
    csv_reader_t *r = OPEN(",\n,,\n\"\"\n a , b \n");
    (void)state;
    expect_row(r, 1, 1, 2, "", "");
    expect_row(r, 2, 2, 3, "", "", "");
    /* a quoted empty field is a record, unlike an empty line */
    expect_row(r, 3, 3, 1, "");
    /* spaces are data */
    expect_row(r, 4, 4, 2, " a ", " b ");
    expect_eof(r);
    csv_close(r);
}

static void test_field_columns(void **state)
{
    csv_reader_t *r = OPEN("ab,\"c\",,d\n");
    csv_row_t row;
    (void)state;
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.nfields, 4);
    assert_int_equal(row.field_col[0], 1);
    assert_int_equal(row.field_col[1], 4); /* the opening quote */
    assert_int_equal(row.field_col[2], 8);
    assert_int_equal(row.field_col[3], 9);
    assert_int_equal(row.field_line[3], 1);
    csv_close(r);
}

static void test_utf8_passes_through(void **state)
{
    csv_reader_t *r = OPEN("Արամ,Иван\n\"Մարի, Анна\",x\n");
    csv_row_t row;
    (void)state;
    expect_row(r, 1, 1, 2, "Արամ", "Иван");
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_string_equal(row.field[0], "Մարի, Анна");
    /* columns count bytes: "Մարի, Анна" is 18 bytes, + 2 quotes + comma */
    assert_int_equal(row.field_col[1], 22);
    csv_close(r);
}

/* ---- malformed records and recovery ----------------------------------- */

static void test_stray_quote(void **state)
{
    csv_reader_t *r = OPEN("id,name\n1,Ar\"am,x\n2,ok\n");
    (void)state;
    expect_row(r, 1, 1, 2, "id", "name");
    expect_bad(r, 2, 5, "'\"' inside an unquoted field", "1,Ar\"am,x");
    expect_row(r, 3, 3, 2, "2", "ok");
    expect_eof(r);
    csv_close(r);
}

static void test_space_before_quote_is_stray(void **state)
{
    csv_reader_t *r = OPEN("a, \"b\"\nc,d\n");
    (void)state;
    expect_bad(r, 1, 4, "inside an unquoted field", "a, \"b\"");
    expect_row(r, 2, 2, 2, "c", "d");
    csv_close(r);
}

/* A stray quote skips to the end of its physical line, quotes or not:
 * a bad quote never swallows the records after it. */
static void test_stray_quote_skips_physical_line(void **state)
{
    csv_reader_t *r = OPEN("\"multi\nline\",x\"y,\"open\n2,ok\n");
    csv_row_t row;
    (void)state;
    expect_bad(r, 2, 8, "inside an unquoted field", "\"multi\nline\",x\"y,\"open");
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.line, 3);
    assert_string_equal(row.field[1], "ok");
    expect_eof(r);
    csv_close(r);
}

static void test_text_after_closing_quote(void **state)
{
    csv_reader_t *r = OPEN("1,\"Aram\"x,y\r\n2,\"a\"\"b\"\"c\n3,ok\n");
    (void)state;
    expect_bad(r, 1, 9, "text after the closing quote", "1,\"Aram\"x,y");
    /* unbalanced: "a""b""c -> closes after c? no: ""c keeps it open; the
     * quote never closes, the record runs to the end of the input */
    expect_bad(r, 2, 3, "not closed at end of file", "2,\"a\"\"b\"\"c\n3,ok\n");
    expect_eof(r);
    csv_close(r);
}

static void test_quote_after_closing_quote(void **state)
{
    csv_reader_t *r = OPEN("\"He said \"hi\" there\",z\nnext\n");
    (void)state;
    expect_bad(r, 1, 11, "text after the closing quote", "\"He said \"hi\" there\",z");
    expect_row(r, 2, 2, 1, "next");
    csv_close(r);
}

static void test_nul_unquoted(void **state)
{
    static const char in[] = "a,b\n1,x\0y,z\n2,ok\n";
    csv_reader_t *r = open_mem_lim(in, sizeof(in) - 1, 0, 0, 0);
    (void)state;
    expect_row(r, 1, 1, 2, "a", "b");
    expect_bad(r, 2, 4, "NUL byte", NULL);
    expect_row(r, 3, 3, 2, "2", "ok");
    expect_eof(r);
    csv_close(r);
}

/* A NUL inside a quoted field: the rest of that record is skipped with its
 * quotes respected, so the quoted newline does not start a record. */
static void test_nul_quoted_multiline(void **state)
{
    static const char in[] = "1,\"x\0y\nstill quoted, \"\"q\"\"\",z\n2,ok\n";
    csv_reader_t *r = open_mem_lim(in, sizeof(in) - 1, 0, 0, 0);
    csv_row_t row;
    (void)state;
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    assert_int_equal(csv_last_error(r)->line, 1);
    assert_int_equal(csv_last_error(r)->column, 5);
    assert_int_equal(row.line, 1);
    assert_int_equal(row.end_line, 2);
    assert_int_equal(row.raw_len, sizeof(in) - 1 - 6);
    expect_row(r, 3, 3, 2, "2", "ok");
    expect_eof(r);
    csv_close(r);
}

static void test_unterminated_quote_at_eof(void **state)
{
    csv_reader_t *r = OPEN("id,name\n1,ok\n2,\"never\nclosed,3\n4,x\n");
    csv_row_t row;
    (void)state;
    expect_row(r, 1, 1, 2, "id", "name");
    expect_row(r, 2, 2, 2, "1", "ok");
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    assert_int_equal(csv_last_error(r)->line, 3);
    assert_int_equal(csv_last_error(r)->column, 3); /* the opening quote */
    assert_non_null(strstr(csv_last_error(r)->msg, "not closed at end of file"));
    assert_int_equal(row.line, 3);
    assert_int_equal(row.end_line, 6);
    assert_int_equal(row.raw_len, strlen("2,\"never\nclosed,3\n4,x\n"));
    expect_eof(r);
    csv_close(r);
}

static void test_several_errors_in_a_row(void **state)
{
    static const char in[] = "a\"\nb\"\n\"c\"d\ne\0\nok\n";
    csv_reader_t *r = open_mem_lim(in, sizeof(in) - 1, 0, 0, 0);
    (void)state;
    expect_bad(r, 1, 2, "unquoted", "a\"");
    expect_bad(r, 2, 2, "unquoted", "b\"");
    expect_bad(r, 3, 4, "after the closing quote", "\"c\"d");
    expect_bad(r, 4, 2, "NUL", NULL);
    expect_row(r, 5, 5, 1, "ok");
    expect_eof(r);
    csv_close(r);
}

/* ---- limits ------------------------------------------------------------ */

static void test_max_field(void **state)
{
    /* max_field 4: "abcd" fits, "abcde" does not; "a""b" unquotes to 3 */
    csv_reader_t *r =
        OPEN_LIM("abcd,\"ab\"\"c\"\nx,abcde,y\n\"abcde\"\n\"a\"\"\"\"\"\"\"\"\"\nok\n", 4, 0, 0);
    (void)state;
    expect_row(r, 1, 1, 2, "abcd", "ab\"c");
    expect_bad(r, 2, 3, "field 2 longer than 4 bytes", "x,abcde,y");
    expect_bad(r, 3, 1, "field 1 longer than 4 bytes", "\"abcde\"");
    /* "a""""""""" is a"""" after unquoting, 5 bytes: an escape counts once */
    expect_bad(r, 4, 1, "field 1 longer than 4 bytes", "\"a\"\"\"\"\"\"\"\"\"");
    expect_row(r, 5, 5, 1, "ok");
    expect_eof(r);
    csv_close(r);
}

/* An over-long quoted field skips to the end of its record, quotes
 * respected: its quoted newlines and commas do not start records. */
static void test_max_field_quoted_multiline(void **state)
{
    csv_reader_t *r = OPEN_LIM("1,\"long,\nlong\nlong\",x\n2,ok\n", 6, 0, 0);
    csv_row_t row;
    (void)state;
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    assert_int_equal(csv_last_error(r)->line, 1);
    assert_int_equal(csv_last_error(r)->column, 3);
    assert_int_equal(row.end_line, 3);
    expect_row(r, 4, 4, 2, "2", "ok");
    csv_close(r);
}

static void test_max_row(void **state)
{
    /* max_row 5 counts the raw bytes without the line end */
    csv_reader_t *r = OPEN_LIM("a,b,c\r\n\"a\",bc\nab,cde\n1,2\n", 0, 5, 0);
    (void)state;
    expect_row(r, 1, 1, 3, "a", "b", "c");
    /* "a",bc is 6 raw bytes: too long though it unquotes to 3 */
    expect_bad(r, 2, 1, "record longer than 5 bytes", "\"a\",b");
    expect_bad(r, 3, 1, "record longer than 5 bytes", "ab,cd");
    expect_row(r, 4, 4, 2, "1", "2");
    expect_eof(r);
    csv_close(r);
}

static void test_max_row_final_record(void **state)
{
    csv_reader_t *r = OPEN_LIM("abcde", 0, 5, 0);
    csv_reader_t *r2 = OPEN_LIM("abcdef", 0, 5, 0);
    (void)state;
    expect_row(r, 1, 1, 1, "abcde");
    expect_eof(r);
    csv_close(r);
    expect_bad(r2, 1, 1, "record longer than 5 bytes", "abcde");
    expect_eof(r2);
    csv_close(r2);
}

static void test_max_row_inside_quotes(void **state)
{
    csv_reader_t *r = OPEN_LIM("x,\"0123456789\n0123456789\nabc\",y\nnext,1\n", 0, 16, 0);
    csv_row_t row;
    const csv_error_t *e;
    (void)state;
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    e = csv_last_error(r);
    assert_int_equal(e->line, 1);
    assert_int_equal(e->column, 1);
    assert_string_equal(e->msg, "record longer than 16 bytes (in the quoted field opened at "
                                "line 1, column 3)");
    assert_int_equal(row.line, 1);
    assert_int_equal(row.end_line, 3);
    assert_int_equal(row.raw_len, 16);
    assert_memory_equal(row.raw, "x,\"0123456789\n01", 16);
    expect_row(r, 4, 4, 2, "next", "1");
    expect_eof(r);
    csv_close(r);
}

static void test_max_fields(void **state)
{
    csv_reader_t *r = OPEN_LIM("a,b,c\na,b,c,d\n\"x\",\"y\",\"z\",\"w\nv\"\nok\n", 0, 0, 3);
    csv_row_t row;
    (void)state;
    expect_row(r, 1, 1, 3, "a", "b", "c");
    expect_bad(r, 2, 7, "more than 3 fields", "a,b,c,d");
    /* the extra field is quoted and holds a newline: skipped as a whole */
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    assert_int_equal(csv_last_error(r)->line, 3);
    assert_int_equal(csv_last_error(r)->column, 13);
    assert_int_equal(row.end_line, 4);
    expect_row(r, 5, 5, 1, "ok");
    expect_eof(r);
    csv_close(r);
}

static void test_zero_limits_take_defaults(void **state)
{
    static char big[70000];
    csv_limits_t lim = {0, 0, 0};
    csv_reader_t *r = NULL;
    csv_row_t row;
    (void)state;
    /* a 65537-byte field exceeds the default 64 KiB */
    memset(big, 'x', sizeof(big));
    big[65537] = '\n';
    assert_int_equal(csv_open_mem(&r, big, 65538, &lim), TW_OK);
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    assert_string_equal(csv_last_error(r)->msg, "field 1 longer than 65536 bytes");
    csv_close(r);
    assert_int_equal(csv_open_mem(&r, big, 65536, NULL), TW_OK);
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.len[0], 65536);
    csv_close(r);
}

static void test_default_max_fields(void **state)
{
    static char in[2 * 513 + 1];
    csv_reader_t *r = NULL;
    csv_row_t row;
    size_t i;
    (void)state;
    for (i = 0; i < 513; i++) {
        in[2 * i] = 'x';
        in[2 * i + 1] = ',';
    }
    in[2 * 511 + 1] = '\n'; /* 512 fields: fine */
    assert_int_equal(csv_open_mem(&r, in, 2 * 512, NULL), TW_OK);
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.nfields, 512);
    csv_close(r);
    in[2 * 511 + 1] = ','; /* 513 fields */
    in[2 * 512 + 1] = '\n';
    assert_int_equal(csv_open_mem(&r, in, 2 * 513, NULL), TW_OK);
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    assert_string_equal(csv_last_error(r)->msg, "more than 512 fields");
    assert_int_equal(csv_last_error(r)->column, 1025);
    csv_close(r);
}

/* ---- progress --------------------------------------------------------- */

static void test_bytes_read(void **state)
{
    csv_reader_t *r = OPEN("ab,c\r\n\r\n\"x\ny\"\nbad\"\nz");
    csv_row_t row;
    (void)state;
    assert_int_equal(csv_bytes_read(r), 0);
    assert_int_equal(csv_next(r, &row), TW_OK);
    /* the LF of a CRLF is consumed by the next call, so the count does not
     * depend on where the reads ended */
    assert_int_equal(csv_bytes_read(r), 5);
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(csv_bytes_read(r), 14);
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    assert_int_equal(csv_bytes_read(r), 19);
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(csv_bytes_read(r), 20);
    assert_int_equal(csv_next(r, &row), TW_EOF);
    assert_int_equal(csv_bytes_read(r), 20);
    csv_close(r);
}

/* ---- the fd reader ---------------------------------------------------- */

static const char *const tricky[] = {
    "id,name\r\n1,\"Aram, \"\"Ar\"\" A.\"\r\n\r\n2,\"multi\nline\r\nfield\",x\r\n",
    "\357\273\277a,b\r1,2\r\r\n\"q\rq\",3\n", /* BOM, in octal */
    "x\"y,1\n\"a\"b,2\n\"never,3\n",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa,b\nok,1\n\"longlonglonglonglong\nlong\nlong\",2\nok,3",
    "a,b,c,d,e,f,g\n1,2\n\"\",\"\"\"\"\n,,,\n",
    "\n\n\r\n\r\r\n\na\n\n",
    "\"a\"\"\",\"\"\"b\",\"c\"\"\"\"d\"\n\"e\r\n\r\n\r\nf\"\r\nlast",
};

/* The fd reader gives exactly what the memory reader gives, with every
 * max_row from 2 to 40 (the read chunk is min(max_row, 256 KiB), so the
 * records cross refills at every offset), for every tricky input. */
static void test_fd_equals_mem_small_chunks(void **state)
{
    size_t i, max_row;
    (void)state;
    for (i = 0; i < sizeof(tricky) / sizeof(tricky[0]); i++) {
        size_t len = strlen(tricky[i]);
        for (max_row = 2; max_row <= 40; max_row++) {
            csv_limits_t lim = {max_row / 2 + 1, max_row, 4};
            csv_reader_t *rm = NULL, *rf = NULL;
            unsigned long long nm, bm, nf, bf;
            uint64_t hm, hf;
            int fd = temp_fd(tricky[i], len);

            assert_int_equal(csv_open_mem(&rm, tricky[i], len, &lim), TW_OK);
            assert_int_equal(csv_open_fd(&rf, fd, &lim), TW_OK);
            hm = digest_all(rm, &nm, &bm);
            hf = digest_all(rf, &nf, &bf);
            if (hm != hf || nm != nf || bm != bf)
                fail_msg("input %zu, max_row %zu: mem %llu/%llu, fd %llu/%llu", i, max_row,
                         nm, bm, nf, bf);
            assert_int_equal(csv_bytes_read(rf), len);
            csv_close(rm);
            csv_close(rf);
            close(fd);
        }
    }
}

/* Exact outcomes through an 8-byte-chunk fd reader: a CRLF split across a
 * refill, a quoted newline across one, and an over-long record. */
static void test_fd_small_chunks_exact(void **state)
{
    static const char in[] = "abcdefg\r\n,\"1\n2\",y\r\n0123456789abcdef\nz\n";
    csv_limits_t lim = {16, 8, 4};
    csv_reader_t *r = NULL;
    csv_row_t row;
    int fd = temp_fd(in, sizeof(in) - 1);
    (void)state;
    assert_int_equal(csv_open_fd(&r, fd, &lim), TW_OK);
    expect_row(r, 1, 1, 1, "abcdefg");
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.line, 2);
    assert_int_equal(row.end_line, 3);
    assert_string_equal(row.field[1], "1\n2");
    assert_int_equal(row.field_line[2], 3);
    assert_int_equal(row.field_col[2], 4);
    expect_bad(r, 4, 1, "record longer than 8 bytes", "01234567");
    expect_row(r, 5, 5, 1, "z");
    expect_eof(r);
    assert_int_equal(csv_bytes_read(r), sizeof(in) - 1);
    csv_close(r);
    close(fd);
}

/* Appends to a growing heap string. */
typedef struct {
    char *p;
    size_t len, cap;
} sbuf_t;

static void sb_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_fmt(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(sbuf_t *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(tmp));
    sb_add(b, tmp, (size_t)n);
}

/* 3 MB at the default limits (256 KiB chunks): every record, with its
 * quoted newline, is read right across the chunk boundaries. */
static void test_fd_large_file_default_limits(void **state)
{
    sbuf_t b = {NULL, 0, 0};
    csv_reader_t *r = NULL;
    csv_row_t row;
    long i, n = 40000, line = 1;
    char want[64];
    int fd;
    (void)state;
    sb_fmt(&b, "id,note,amount\r\n");
    for (i = 0; i < n; i++)
        sb_fmt(&b, "APP%06ld,\"note %ld, \"\"q\"\"\nsecond line %ld\",%ld%s\r\n", i, i, i,
               i * 7, i % 5 == 0 ? "\r\n" : "");
    assert_true(b.len > 3 * TEST_CHUNK);
    fd = temp_fd(b.p, b.len);
    assert_int_equal(csv_open_fd(&r, fd, NULL), TW_OK);
    expect_row(r, 1, 1, 3, "id", "note", "amount");
    line = 2;
    for (i = 0; i < n; i++) {
        assert_int_equal(csv_next(r, &row), TW_OK);
        assert_int_equal(row.line, line);
        assert_int_equal(row.end_line, line + 1);
        assert_int_equal(row.nfields, 3);
        snprintf(want, sizeof(want), "APP%06ld", i);
        assert_string_equal(row.field[0], want);
        snprintf(want, sizeof(want), "note %ld, \"q\"\nsecond line %ld", i, i);
        assert_string_equal(row.field[1], want);
        snprintf(want, sizeof(want), "%ld", i * 7);
        assert_string_equal(row.field[2], want);
        assert_int_equal(row.field_line[2], line + 1);
        line += i % 5 == 0 ? 3 : 2;
    }
    expect_eof(r);
    assert_int_equal(csv_bytes_read(r), b.len);
    csv_close(r);
    close(fd);
    free(b.p);
}

/* One record bigger than a whole 256 KiB chunk, then an over-long one
 * (skipped across several refills, raw = its first max_row bytes), then a
 * good one. */
static void test_fd_record_larger_than_chunk(void **state)
{
    const size_t big = 600 * 1024, max_row = 700 * 1024;
    csv_limits_t lim = {max_row, max_row, 8};
    sbuf_t b = {NULL, 0, 0};
    csv_reader_t *r = NULL;
    csv_row_t row;
    char *x = malloc(2 * max_row);
    size_t i;
    int fd;
    (void)state;
    assert_non_null(x);
    for (i = 0; i < 2 * max_row; i++)
        x[i] = (char)('a' + i % 26);
    sb_add(&b, "head\n\"", 6);
    sb_add(&b, x, big);
    sb_add(&b, "\",tail\n", 7);
    sb_add(&b, x, 2 * max_row); /* too long: 1.4 MB */
    sb_add(&b, "\nlast\n", 6);
    fd = temp_fd(b.p, b.len);
    assert_int_equal(csv_open_fd(&r, fd, &lim), TW_OK);
    expect_row(r, 1, 1, 1, "head");
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_int_equal(row.nfields, 2);
    assert_int_equal(row.len[0], big);
    assert_memory_equal(row.field[0], x, big);
    assert_string_equal(row.field[1], "tail");
    assert_int_equal(row.raw_len, big + 7);
    assert_int_equal(csv_next(r, &row), TW_EINPUT);
    assert_int_equal(csv_last_error(r)->line, 3);
    assert_int_equal(row.raw_len, max_row);
    assert_memory_equal(row.raw, x, max_row);
    expect_row(r, 4, 4, 1, "last");
    expect_eof(r);
    csv_close(r);
    close(fd);
    free(x);
    free(b.p);
}

/* A pipe delivers short reads; a child process writes 1-byte pieces at
 * first, then the rest in one go. */
static void test_fd_pipe(void **state)
{
    static const char in[] = "a,\"b\nc\"\r\n1,2\r\n\"x\"\"y\",\n";
    csv_limits_t lim = {16, 16, 4};
    csv_reader_t *r = NULL;
    csv_row_t row;
    int pfd[2], status;
    pid_t pid;
    size_t i;
    (void)state;
    assert_int_equal(pipe(pfd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(pfd[0]);
        for (i = 0; i < 8; i++) {
            if (write(pfd[1], in + i, 1) != 1)
                _exit(1);
            usleep(1000);
        }
        if (write(pfd[1], in + 8, sizeof(in) - 1 - 8) != (ssize_t)(sizeof(in) - 1 - 8))
            _exit(1);
        _exit(0);
    }
    close(pfd[1]);
    assert_int_equal(csv_open_fd(&r, pfd[0], &lim), TW_OK);
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_string_equal(row.field[1], "b\nc");
    assert_int_equal(row.end_line, 2);
    expect_row(r, 3, 3, 2, "1", "2");
    expect_row(r, 4, 4, 2, "x\"y", "");
    expect_eof(r);
    csv_close(r);
    close(pfd[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_fd_read_error_is_eio(void **state)
{
    csv_reader_t *r = NULL;
    csv_row_t row;
    int fd = open("/", O_RDONLY); /* read() on a directory fails: EISDIR */
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(csv_open_fd(&r, fd, NULL), TW_OK);
    assert_int_equal(csv_next(r, &row), TW_EIO);
    assert_non_null(strstr(csv_last_error(r)->msg, "read failed"));
    assert_int_equal(csv_next(r, &row), TW_EIO); /* sticky */
    csv_close(r);
    close(fd);
}

static void test_open_bad_arguments(void **state)
{
    static csv_reader_t *const junk = (csv_reader_t *)&junk;
    csv_reader_t *r = junk; /* an open that fails sets *out to NULL */
    csv_limits_t huge = {1, (size_t)-1, 1};
    (void)state;
    assert_int_equal(csv_open_fd(&r, -1, NULL), TW_EINPUT);
    assert_null(r);
    r = junk;
    assert_int_equal(csv_open_mem(&r, NULL, 5, NULL), TW_EINPUT);
    assert_null(r);
    r = junk;
    assert_int_equal(csv_open_mem(&r, "x", 1, &huge), TW_EINPUT);
    assert_null(r);
    csv_close(NULL);
}

/* Row pointers stay valid until the next call: fields of the fd reader
 * point into its own buffer, raw of the memory reader into the input. */
static void test_raw_points_into_memory_input(void **state)
{
    static const char in[] = "a,b\n\"c\",d\n";
    csv_reader_t *r = open_mem_lim(in, sizeof(in) - 1, 0, 0, 0);
    csv_row_t row;
    (void)state;
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_ptr_equal(row.raw, in);
    assert_int_equal(csv_next(r, &row), TW_OK);
    assert_ptr_equal(row.raw, in + 4);
    assert_int_equal(row.raw_len, 5);
    csv_close(r);
}


/* ---- writing: csvout_cell ------------------------------------------------ */

static void cell_is(const char *in, size_t len, const char *want)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    assert_non_null(m);
    csvout_cell(m, in, len);
    fclose(m);
    assert_string_equal(buf, want);
    free(buf);
}

/* OWASP's list: a cell beginning with = + - @ TAB CR is shown as text; the
 * bytes of the value follow unchanged; plain cells are untouched. */
static void test_cell_formula_neutralised(void **state)
{
    (void)state;
    cell_is("=cmd|'/Ccalc'!A0", 16, "\"'=cmd|'/Ccalc'!A0\"");
    cell_is("=1+2", 4, "\"'=1+2\"");
    cell_is("@SUM(1+1)", 9, "\"'@SUM(1+1)\"");
    cell_is("-1+1", 4, "\"'-1+1\"");
    cell_is("+1+1", 4, "\"'+1+1\"");
    cell_is("+", 1, "\"'+\"");
    cell_is("-1.", 3, "\"'-1.\"");
    /* signed numbers too (OWASP has no exception): an E.164 phone stays
     * the text it is in a spreadsheet, with its '+' */
    cell_is("+37491234567", 12, "\"'+37491234567\"");
    cell_is("-5", 2, "\"'-5\"");
    cell_is("-1.5", 4, "\"'-1.5\"");
    /* a value that already looks neutralised keeps its own quote on reading
     * back (the reader drops one) */
    cell_is("'=1", 3, "\"''=1\"");
    cell_is("'+374", 5, "\"''+374\"");
    cell_is("'a", 2, "'a");
    cell_is("it's", 4, "it's");
    cell_is("\tx", 2, "\"'\tx\"");
    cell_is("\rx", 2, "\"'\rx\"");
    cell_is("=a,\"b\"", 6, "\"'=a,\"\"b\"\"\"");
    cell_is("a=1", 3, "a=1");
    cell_is("APP-1", 5, "APP-1");
    cell_is("a,b", 3, "\"a,b\"");
    cell_is("", 0, "");
    assert_true(csvout_is_formula("=", 1));
    assert_false(csvout_is_formula("", 0));
    assert_false(csvout_is_formula("1", 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_formula_neutralised),
        cmocka_unit_test(test_simple_lf),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_lone_cr_is_line_end),
        cmocka_unit_test(test_mixed_line_ends),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_bom_only_and_partial_bom),
        cmocka_unit_test(test_quoted_comma_and_quotes),
        cmocka_unit_test(test_quoted_newline_lines),
        cmocka_unit_test(test_empty_lines_skipped),
        cmocka_unit_test(test_only_empty_lines_and_empty_input),
        cmocka_unit_test(test_final_record_without_newline),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_field_columns),
        cmocka_unit_test(test_utf8_passes_through),
        cmocka_unit_test(test_stray_quote),
        cmocka_unit_test(test_space_before_quote_is_stray),
        cmocka_unit_test(test_stray_quote_skips_physical_line),
        cmocka_unit_test(test_text_after_closing_quote),
        cmocka_unit_test(test_quote_after_closing_quote),
        cmocka_unit_test(test_nul_unquoted),
        cmocka_unit_test(test_nul_quoted_multiline),
        cmocka_unit_test(test_unterminated_quote_at_eof),
        cmocka_unit_test(test_several_errors_in_a_row),
        cmocka_unit_test(test_max_field),
        cmocka_unit_test(test_max_field_quoted_multiline),
        cmocka_unit_test(test_max_row),
        cmocka_unit_test(test_max_row_final_record),
        cmocka_unit_test(test_max_row_inside_quotes),
        cmocka_unit_test(test_max_fields),
        cmocka_unit_test(test_zero_limits_take_defaults),
        cmocka_unit_test(test_default_max_fields),
        cmocka_unit_test(test_bytes_read),
        cmocka_unit_test(test_fd_equals_mem_small_chunks),
        cmocka_unit_test(test_fd_small_chunks_exact),
        cmocka_unit_test(test_fd_large_file_default_limits),
        cmocka_unit_test(test_fd_record_larger_than_chunk),
        cmocka_unit_test(test_fd_pipe),
        cmocka_unit_test(test_fd_read_error_is_eio),
        cmocka_unit_test(test_open_bad_arguments),
        cmocka_unit_test(test_raw_points_into_memory_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
