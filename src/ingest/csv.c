/*
 * csv.c - streaming RFC 4180 reader; the contract is in csv.h, the design in
 * docs/internals/csv.md.
 *
 * Data structure: a window win[0..end) over the input. For a memory reader
 * the window is the caller's block itself (nothing is copied, eof is set
 * from the start). For an fd reader it is the owned buffer `buf` of
 * max_row + chunk + 2 bytes, refilled by refill(), which first moves the
 * unfinished record to the front. Fields are unquoted into `fbuf`
 * (max_row + 2 + SCAN_SLACK bytes) and described by four arrays of
 * max_fields entries.
 * Nothing is allocated after open.
 *
 * A record is parsed in one pass by parse_record(). When the window ends
 * before the record does, parse_record() returns P_MORE having changed
 * nothing; csv_next() refills and parses the record again from its start.
 * Because a refill adds at least one chunk, a record is parsed at most
 * max_row / chunk + 2 times; a record that spans no boundary, once.
 *
 * Invariants:
 *   1. Between calls pos is at a record boundary: the start of a physical
 *      line, or the LF of a CRLF whose CR ended the last record
 *      (pending_cr says so).
 *   2. abs_end is the stream offset of win[end]. Every window offset i at
 *      or after the last refill's kept prefix has stream offset
 *      abs_end - (end - i); the kept prefix of a skipped over-long record
 *      (row->raw) may be followed by a gap.
 *   3. line is the physical line of pos and ls the stream offset where that
 *      line starts, so the column of offset i is abs(i) - ls + 1. A line
 *      ends at LF, CRLF or a lone CR, inside quotes or not.
 *   4. parse_record() scans at most max_row + 1 bytes and keeps at most
 *      (bytes scanned) + 1 bytes in fbuf, so max_row + 2 bytes suffice.
 *      scan_copy()'s 16-byte stores run past the kept bytes, but only while
 *      16 input bytes are left, so they stay inside that bound too;
 *      SCAN_SLACK more bytes are allocated as a margin.
 *   5. A lone CR outside quotes ends a record (old Mac files); inside
 *      quotes it is data, like LF.
 * Thread model: one reader per thread; no global state.
 */
#include "ingest/csv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Bytes read per refill (at most; less when max_row is smaller, see open). */
#define CSV_CHUNK ((size_t)256 * 1024)

/* Byte classes. In an unquoted field only C_DATA is plain data; in a quoted
 * one C_COMMA is data too, so "class <= C_COMMA" is the quoted-run test. */
enum { C_DATA = 0, C_COMMA, C_QUOTE, C_CR, C_LF, C_NUL };

static const unsigned char cls[256] = {
    [0] = C_NUL, ['\n'] = C_LF, ['\r'] = C_CR, ['"'] = C_QUOTE, [','] = C_COMMA,
};

/*
 * scan_copy(p, lim, quoted, out): copies the plain data at p to out and
 * returns the first byte in [p, lim) that is not plain data, or lim.
 * Unquoted, the specials are NUL LF CR '"' ','; quoted, ',' is data. With
 * SSE2 (always there on x86-64) 16 bytes are tested and stored per step, so
 * up to 15 bytes past the copied run may be written (invariant 4 says why
 * that stays inside fbuf); elsewhere, and for the last 15 bytes, the class
 * table is used. Fusing the copy into the scan saves a memcpy call per field, which
 * was a quarter of the time for register-like rows of short fields.
 */
#define SCAN_SLACK 16

static inline const unsigned char *scan_tail(const unsigned char *p,
                                             const unsigned char *lim, int quoted,
                                             char *out)
{
    if (quoted)
        while (p < lim && cls[*p] <= C_COMMA)
            *out++ = (char)*p++;
    else
        while (p < lim && cls[*p] == C_DATA)
            *out++ = (char)*p++;
    return p;
}

#if defined(__SSE2__)
#include <emmintrin.h>

static inline const unsigned char *scan_copy(const unsigned char *p,
                                             const unsigned char *lim, int quoted,
                                             char *out)
{
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    const __m128i qu = _mm_set1_epi8('"');
    const __m128i co = quoted ? qu : _mm_set1_epi8(',');
    const __m128i zero = _mm_setzero_si128();
    __m128i v, m;
    unsigned mask;

    while (lim - p >= 16) {
        v = _mm_loadu_si128((const __m128i *)(const void *)p);
        _mm_storeu_si128((__m128i *)(void *)out, v);
        m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)),
                         _mm_or_si128(_mm_cmpeq_epi8(v, qu), _mm_cmpeq_epi8(v, co)));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, zero));
        mask = (unsigned)_mm_movemask_epi8(m);
        if (mask)
            return p + __builtin_ctz(mask);
        p += 16;
        out += 16;
    }
    return scan_tail(p, lim, quoted, out);
}
#else
static inline const unsigned char *scan_copy(const unsigned char *p,
                                             const unsigned char *lim, int quoted,
                                             char *out)
{
    return scan_tail(p, lim, quoted, out);
}
#endif

struct csv_reader {
    const unsigned char *win; /* the window: buf, or the caller's block */
    unsigned char *buf;       /* owned window of an fd reader, else NULL */
    size_t cap;               /* bytes in buf */
    size_t pos, end;          /* unread input is win[pos..end) */
    size_t chunk;             /* at least this much is read per refill */
    unsigned long long abs_end; /* stream offset of win[end] (invariant 2) */
    int fd;                   /* -1 for a memory reader */
    int eof;                  /* nothing follows win[end] */
    int ioerr;                /* read() failed; sticky */
    int pending_cr;           /* invariant 1 */
    int started;              /* the BOM check is done */
    long line;                /* invariant 3 */
    unsigned long long ls;
    csv_limits_t lim;
    char *fbuf;               /* unquoted fields, NUL-separated */
    const char **fields;
    size_t *lens;
    long *flines, *fcols;
    csv_error_t err;
};

/* What parse_record() found. */
typedef enum {
    P_RECORD,   /* a good record */
    P_MORE,     /* the window ended first; nothing was changed */
    P_BAD_LINE, /* syntax error: skip to the end of the physical line */
    P_BAD_REC,  /* limit or NUL: skip to the end of the record */
    P_BAD_EOF   /* quoted field open at end of input: all of it is consumed */
} pres_t;

typedef struct {
    size_t nf;          /* fields (P_RECORD) */
    size_t stop;        /* P_RECORD: the line end (or end); errors: where to skip from */
    int in_quote;       /* P_BAD_REC: quote state at stop */
    long line;          /* line and line start at stop */
    unsigned long long ls;
} pstate_t;

static void set_err(csv_reader_t *r, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The messages are short and fixed; a truncated one (it cannot happen with
 * the formats below and 160 bytes) would still be a valid string. */
static void set_err(csv_reader_t *r, long line, long col, const char *fmt, ...)
{
    va_list ap;

    r->err.line = line;
    r->err.column = col;
    va_start(ap, fmt);
    vsnprintf(r->err.msg, sizeof(r->err.msg), fmt, ap);
    va_end(ap);
}

/* Stream offset of window offset i (invariant 2). */
static unsigned long long abs_of(const csv_reader_t *r, size_t i)
{
    return r->abs_end - (unsigned long long)(r->end - i);
}

/*
 * Moves win[from..end) to the front, keeping at most max_row bytes of it
 * (more is only ever there when skipping an over-long record, whose tail has
 * been scanned and is not needed), then reads until the buffer is full or the
 * input ends. pos becomes 0; callers recompute their offsets from `end`
 * before the call. A memory reader has nothing to read.
 */
static tw_err_t refill(csv_reader_t *r, size_t from)
{
    size_t keep = r->end - from;
    ssize_t n;

    if (r->eof)
        return TW_OK;
    if (keep > r->lim.max_row)
        keep = r->lim.max_row;
    if (from > 0 && keep > 0)
        memmove(r->buf, r->buf + from, keep);
    r->pos = 0;
    r->end = keep;
    while (r->end < r->cap) {
        n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            r->ioerr = 1;
            set_err(r, r->line, 0, "read failed: %s", strerror(errno));
            return TW_EIO;
        }
        if (n == 0) {
            r->eof = 1;
            break;
        }
        r->end += (size_t)n;
        r->abs_end += (unsigned long long)n;
    }
    return TW_OK;
}

/*
 * Parses the record at win[pos..]: the hot loop. Commits nothing to the
 * reader except the field arrays, fbuf and (on errors) r->err.
 */
static pres_t parse_record(csv_reader_t *r, pstate_t *st)
{
    const unsigned char *const win = r->win;
    const unsigned char *const s = win + r->pos;
    const size_t max_row = r->lim.max_row, max_field = r->lim.max_field;
    const size_t max_fields = r->lim.max_fields;
    /* Scan at most max_row + 1 bytes: reaching `lim` with more than max_row
     * bytes behind means the record is too long (invariant 4). */
    const unsigned char *const lim =
        r->end - r->pos > max_row ? s + max_row + 1 : win + r->end;
    const unsigned long long base = r->abs_end - r->end; /* stream offset of win[0] */
    const int final = r->eof;
    const unsigned char *p = s, *q;
    char *out = r->fbuf, *fstart;
    long line = r->line;
    unsigned long long ls = r->ls;
    size_t nf = 0, run;
    unsigned c;
    pres_t res;
    int in_quote = 0;

#define COL(ptr) ((long)(base + (unsigned long long)((ptr) - win) - ls) + 1)
    for (;;) {
        if (nf == max_fields) {
            set_err(r, line, COL(p), "more than %zu fields", max_fields);
            goto bad_rec;
        }
        fstart = out;
        r->fields[nf] = out;
        r->flines[nf] = line;
        r->fcols[nf] = COL(p);
        if (p < lim && *p == '"') {
            in_quote = 1;
            p++;
            for (;;) {
                q = scan_copy(p, lim, 1, out);
                run = (size_t)(q - p);
                if ((size_t)(out - fstart) + run > max_field)
                    goto field_too_long;
                out += run;
                p = q;
                if (p == lim) {
                    if ((size_t)(p - s) > max_row)
                        goto rec_too_long;
                    if (!final)
                        return P_MORE;
                    set_err(r, r->flines[nf], r->fcols[nf],
                            "quoted field not closed at end of file");
                    res = P_BAD_EOF;
                    goto done;
                }
                c = *p;
                if (c == '"') {
                    if (p + 1 == lim) {
                        if ((size_t)(p + 1 - s) > max_row)
                            goto rec_too_long;
                        if (!final)
                            return P_MORE;
                        p++;
                        break;
                    }
                    if (p[1] != '"') {
                        p++;
                        break;
                    }
                    if ((size_t)(out - fstart) + 1 > max_field)
                        goto field_too_long;
                    *out++ = '"';
                    p += 2;
                    continue;
                }
                if (c == 0) {
                    set_err(r, line, COL(p), "NUL byte");
                    p++;
                    goto bad_rec;
                }
                /* CR or LF: data, and a physical line break (invariant 3);
                 * p[-1] exists, it is at least the opening quote. */
                if ((size_t)(out - fstart) + 1 > max_field)
                    goto field_too_long;
                if (c == '\r' || p[-1] != '\r')
                    line++;
                ls = base + (unsigned long long)(p - win) + 1;
                *out++ = (char)c;
                p++;
            }
            in_quote = 0;
            /* p == lim here only when the closing quote was the last byte of
             * the input (the p + 1 == lim case above): that ends the record. */
            c = p == lim ? C_LF : cls[*p];
            if (c == C_DATA || c == C_QUOTE) {
                set_err(r, line, COL(p), "text after the closing quote of a field");
                res = P_BAD_LINE;
                goto done;
            }
        } else {
            q = scan_copy(p, lim, 0, out);
            run = (size_t)(q - p);
            if (run > max_field)
                goto field_too_long;
            out += run;
            p = q;
            if (p == lim) {
                if ((size_t)(p - s) > max_row)
                    goto rec_too_long;
                if (!final)
                    return P_MORE;
                c = C_LF;
            } else {
                c = cls[*p];
                if (c == C_QUOTE) {
                    set_err(r, line, COL(p), "'\"' inside an unquoted field");
                    res = P_BAD_LINE;
                    goto done;
                }
            }
        }
        if (c == C_NUL) {
            set_err(r, line, COL(p), "NUL byte");
            p++;
            goto bad_rec;
        }
        *out++ = '\0';
        r->lens[nf] = (size_t)(out - 1 - fstart);
        nf++;
        if (c != C_COMMA)
            break;
        p++;
    }
#undef COL
    st->nf = nf;
    res = P_RECORD;
    goto done;

field_too_long:
    set_err(r, r->flines[nf], r->fcols[nf], "field %zu longer than %zu bytes", nf + 1,
            max_field);
    goto bad_rec;
rec_too_long:
    if (in_quote)
        set_err(r, r->line, 1,
                "record longer than %zu bytes (in the quoted field opened at line %ld, "
                "column %ld)",
                max_row, r->flines[nf], r->fcols[nf]);
    else
        set_err(r, r->line, 1, "record longer than %zu bytes", max_row);
bad_rec:
    res = P_BAD_REC;
done:
    st->stop = (size_t)(p - win);
    st->in_quote = in_quote;
    st->line = line;
    st->ls = ls;
    return res;
}

/*
 * Skips the rest of a malformed record that began at window offset `rec`,
 * from offset st->stop: to the next CR or LF when `by_line`, else to the
 * next CR or LF outside quotes, counting quotes from st->in_quote (every '"'
 * toggles, which is exact for "" escapes). Leaves st->stop at that line end
 * (or at the end of input) with st->line/ls updated, and sets *rec_out and
 * *raw_len to the record's first bytes kept in the window (at most max_row).
 */
static tw_err_t skip_bad(csv_reader_t *r, size_t rec, pstate_t *st, int by_line,
                         size_t *rec_out, size_t *raw_len)
{
    const unsigned long long rec_abs = abs_of(r, rec);
    size_t p = st->stop, kept;
    int in_quote = by_line ? 0 : st->in_quote;
    int prev_cr = p > rec && r->win[p - 1] == '\r';
    unsigned long long total;
    tw_err_t err;
    unsigned char c;

    for (;;) {
        for (; p < r->end; p++) {
            c = r->win[p];
            if (c == '\n' || c == '\r') {
                if (!in_quote)
                    goto found;
                if (c == '\r' || !prev_cr)
                    st->line++;
                st->ls = abs_of(r, p) + 1;
                prev_cr = c == '\r';
                continue;
            }
            prev_cr = 0;
            if (c == '"' && !by_line)
                in_quote = !in_quote;
        }
        if (r->eof)
            goto found;
        /* All of win[rec..end) is scanned: refill() keeps its first
         * max_row bytes for row->raw and appends new input after them. */
        kept = r->end - rec;
        if (kept > r->lim.max_row)
            kept = r->lim.max_row;
        if ((err = refill(r, rec)) != TW_OK)
            return err;
        rec = 0;
        p = kept;
    }
found:
    /* When a refill dropped part of the record, exactly max_row bytes of it
     * were kept, and total > max_row. */
    total = abs_of(r, p) - rec_abs;
    *raw_len = total > r->lim.max_row ? r->lim.max_row : (size_t)total;
    *rec_out = rec;
    st->stop = p;
    return TW_OK;
}

/* Consumes the line end at `stop` (nothing at the end of input) and makes
 * the position after it the reader's position. The LF of a CRLF is left for
 * the next call (pending_cr), even when it is already in the window, so that
 * csv_bytes_read() does not depend on where the reads happened to end. */
static void take_line_end(csv_reader_t *r, const pstate_t *st)
{
    size_t p = st->stop;

    r->line = st->line;
    r->ls = st->ls;
    if (p < r->end) {
        r->pending_cr = r->win[p] == '\r';
        r->line++;
        p++;
        r->ls = abs_of(r, p);
    }
    r->pos = p;
}

static void row_clear(csv_row_t *row)
{
    row->nfields = 0;
    row->field = NULL;
    row->len = NULL;
    row->field_line = NULL;
    row->field_col = NULL;
    row->line = 0;
    row->end_line = 0;
    row->raw = NULL;
    row->raw_len = 0;
}

/* Skips a leading BOM and then empty lines. TW_EOF when no record is left. */
static tw_err_t to_record(csv_reader_t *r)
{
    tw_err_t err;
    unsigned char c;

    if (!r->started) {
        while (r->end - r->pos < 3 && !r->eof)
            if ((err = refill(r, r->pos)) != TW_OK)
                return err;
        if (r->end - r->pos >= 3 && memcmp(r->win + r->pos, "\xEF\xBB\xBF", 3) == 0) {
            r->pos += 3;
            r->ls = abs_of(r, r->pos);
        }
        r->started = 1;
    }
    for (;;) {
        if (r->pos == r->end) {
            if (r->eof)
                return TW_EOF;
            if ((err = refill(r, r->pos)) != TW_OK)
                return err;
            continue;
        }
        c = r->win[r->pos];
        if (c != '\n' && c != '\r')
            break;
        if (c == '\r' || !r->pending_cr)
            r->line++;
        r->pending_cr = c == '\r';
        r->pos++;
        r->ls = abs_of(r, r->pos);
    }
    r->pending_cr = 0;
    return TW_OK;
}

tw_err_t csv_next(csv_reader_t *r, csv_row_t *row)
{
    pstate_t st;
    pres_t res;
    tw_err_t err;
    size_t rec, raw_len;
    long rec_line;

    row_clear(row);
    if (r->ioerr)
        return TW_EIO;
    if ((err = to_record(r)) != TW_OK)
        return err;
    for (;;) {
        res = parse_record(r, &st);
        if (res != P_MORE)
            break;
        if ((err = refill(r, r->pos)) != TW_OK)
            return err;
    }
    rec = r->pos;
    rec_line = r->line;
    row->line = rec_line;
    if (res == P_RECORD) {
        row->nfields = st.nf;
        row->field = r->fields;
        row->len = r->lens;
        row->field_line = r->flines;
        row->field_col = r->fcols;
        row->end_line = st.line;
        row->raw = (const char *)r->win + rec;
        row->raw_len = st.stop - rec;
        take_line_end(r, &st);
        return TW_OK;
    }
    if (res == P_BAD_EOF) {
        raw_len = st.stop - rec;
    } else {
        err = skip_bad(r, rec, &st, res == P_BAD_LINE, &rec, &raw_len);
        if (err != TW_OK)
            return err;
    }
    row->end_line = st.line;
    row->raw = (const char *)r->win + rec;
    row->raw_len = raw_len;
    take_line_end(r, &st);
    return TW_EINPUT;
}

const csv_error_t *csv_last_error(const csv_reader_t *r)
{
    return &r->err;
}

unsigned long long csv_bytes_read(const csv_reader_t *r)
{
    return abs_of(r, r->pos);
}

void csv_close(csv_reader_t *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r->fbuf);
    free(r->fields);
    free(r->lens);
    free(r->flines);
    free(r->fcols);
    free(r);
}

/*
 * Common part of both opens. A zero member of *lim takes its default.
 * TW_EINPUT for limits whose buffers cannot be sized, TW_ENOMEM.
 */
static tw_err_t reader_new(csv_reader_t **out, const csv_limits_t *lim)
{
    csv_reader_t *r = NULL;
    tw_err_t err = TW_ENOMEM;
    size_t n;

    *out = NULL;
    r = calloc(1, sizeof(*r));
    if (!r)
        goto out;
    r->fd = -1;
    r->line = 1;
    r->lim.max_field = lim && lim->max_field ? lim->max_field : CSV_DEFAULT_MAX_FIELD;
    r->lim.max_row = lim && lim->max_row ? lim->max_row : CSV_DEFAULT_MAX_ROW;
    r->lim.max_fields = lim && lim->max_fields ? lim->max_fields : CSV_DEFAULT_MAX_FIELDS;
    /* A read chunk larger than a record buys nothing in progress and would
     * only grow the window; this also lets tests cross chunk boundaries
     * with small limits. */
    r->chunk = r->lim.max_row < CSV_CHUNK ? r->lim.max_row : CSV_CHUNK;
    n = r->lim.max_fields;
    if (r->lim.max_row > SIZE_MAX / 4 || n > SIZE_MAX / 4 / sizeof(size_t)) {
        err = TW_EINPUT;
        goto out;
    }
    r->fbuf = malloc(r->lim.max_row + 2 + SCAN_SLACK); /* invariant 4 */
    r->fields = malloc(n * sizeof(*r->fields));
    r->lens = malloc(n * sizeof(*r->lens));
    r->flines = malloc(n * sizeof(*r->flines));
    r->fcols = malloc(n * sizeof(*r->fcols));
    if (!r->fbuf || !r->fields || !r->lens || !r->flines || !r->fcols)
        goto out;
    *out = r;
    r = NULL;
    err = TW_OK;
out:
    csv_close(r);
    return err;
}

tw_err_t csv_open_fd(csv_reader_t **out, int fd, const csv_limits_t *lim)
{
    csv_reader_t *r = NULL;
    tw_err_t err;

    *out = NULL;
    if (fd < 0)
        return TW_EINPUT;
    if ((err = reader_new(&r, lim)) != TW_OK)
        goto out;
    r->fd = fd;
    r->cap = r->lim.max_row + r->chunk + 2;
    r->buf = malloc(r->cap);
    if (!r->buf) {
        err = TW_ENOMEM;
        goto out;
    }
    r->win = r->buf;
    *out = r;
    r = NULL;
out:
    csv_close(r);
    return err;
}

tw_err_t csv_open_mem(csv_reader_t **out, const char *data, size_t len,
                      const csv_limits_t *lim)
{
    csv_reader_t *r = NULL;
    tw_err_t err;

    *out = NULL;
    if (!data && len > 0)
        return TW_EINPUT;
    if ((err = reader_new(&r, lim)) != TW_OK)
        return err;
    r->win = data ? (const unsigned char *)data : (const unsigned char *)"";
    r->end = len;
    r->abs_end = len;
    r->eof = 1;
    *out = r;
    return TW_OK;
}
