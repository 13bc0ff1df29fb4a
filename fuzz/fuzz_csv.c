/*
 * fuzz_csv.c - libFuzzer target for the CSV reader (src/ingest/csv.c).
 *
 * Each input is read four times: from memory and from a file descriptor
 * (a pipe, or a temporary file for big inputs), each with two sets of small limits so that the limit
 * paths and, for the fd reader, the refill of a window only max_row +
 * max_row + 2 bytes wide are reached constantly. Beyond "no crash", it checks
 * the contract of csv.h on every record (NUL-terminated fields without NULs,
 * limits respected, lines and columns in range, raw inside the input,
 * progress on every call) and that both readers give identical results.
 * A broken check calls abort(), which libFuzzer reports as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/csv.h"

#define CHECK(c)                                                                    \
    do {                                                                            \
        if (!(c)) {                                                                 \
            fprintf(stderr, "fuzz_csv: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                \
        }                                                                           \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A digest of everything a caller can see, to compare two readers. */
typedef struct {
    uint64_t h;
    unsigned long long records, errors;
} digest_t;

static void mix(digest_t *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    size_t i;

    for (i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 0x100000001b3ULL;
}

static void mix_long(digest_t *d, long v)
{
    mix(d, &v, sizeof(v));
}

/*
 * The naive reference: splits the raw bytes of a good record (no line end)
 * byte by byte and checks every field, its line and its column against what
 * the reader returned. Independent of the window, the refills and the SIMD
 * scan, so it catches what the mem/fd comparison cannot (a bug both share).
 */
static void check_against_reference(const csv_row_t *row)
{
    const char *raw = row->raw;
    size_t n = row->raw_len, i = 0, f = 0, k;
    long line = row->line, col = 1;

    for (;;) {
        CHECK(f < row->nfields);
        CHECK(row->field_line[f] == line && row->field_col[f] == col);
        k = 0;
        if (i < n && raw[i] == '"') {
            i++;
            col++;
            for (;;) {
                CHECK(i < n);
                if (raw[i] == '"') {
                    if (i + 1 < n && raw[i + 1] == '"') {
                        CHECK(k < row->len[f] && row->field[f][k] == '"');
                        k++;
                        i += 2;
                        col += 2;
                        continue;
                    }
                    i++;
                    col++;
                    break;
                }
                CHECK(k < row->len[f] && row->field[f][k] == raw[i]);
                k++;
                if (raw[i] == '\n' || (raw[i] == '\r' && !(i + 1 < n && raw[i + 1] == '\n'))) {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
                i++;
            }
        } else {
            while (i < n && raw[i] != ',') {
                CHECK(raw[i] != '"' && raw[i] != '\r' && raw[i] != '\n' && raw[i] != '\0');
                CHECK(k < row->len[f] && row->field[f][k] == raw[i]);
                k++;
                i++;
                col++;
            }
        }
        CHECK(k == row->len[f]);
        f++;
        if (i == n)
            break;
        CHECK(raw[i] == ',');
        i++;
        col++;
    }
    CHECK(f == row->nfields);
    CHECK(line == row->end_line);
}

static void run(csv_reader_t *r, const csv_limits_t *lim, const uint8_t *data, size_t size,
                int from_mem, digest_t *d)
{
    csv_row_t row;
    tw_err_t err;
    unsigned long long before, after;
    long last_line = 0;
    size_t i, total;

    d->h = 0xcbf29ce484222325ULL;
    d->records = d->errors = 0;
    for (;;) {
        before = csv_bytes_read(r);
        err = csv_next(r, &row);
        after = csv_bytes_read(r);
        mix_long(d, (long)err);
        mix_long(d, (long)after);
        if (err == TW_EOF) {
            CHECK(after == size);
            CHECK(csv_next(r, &row) == TW_EOF);
            break;
        }
        CHECK(err == TW_OK || err == TW_EINPUT);
        CHECK(after > before && after <= size); /* progress on every call */
        CHECK(row.line >= 1 && row.line > last_line && row.end_line >= row.line);
        last_line = row.end_line;
        CHECK(row.raw_len <= lim->max_row);
        CHECK(row.raw != NULL || row.raw_len == 0);
        if (from_mem && row.raw_len > 0)
            CHECK((const uint8_t *)row.raw >= data &&
                  (const uint8_t *)row.raw + row.raw_len <= data + size);
        mix_long(d, row.line);
        mix_long(d, row.end_line);
        mix(d, row.raw, row.raw_len);
        if (err == TW_EINPUT) {
            const csv_error_t *e = csv_last_error(r);
            CHECK(e->line >= row.line && e->line <= row.end_line && e->column >= 1);
            CHECK(memchr(e->msg, '\0', sizeof(e->msg)) != NULL && e->msg[0] != '\0');
            CHECK(row.nfields == 0);
            mix_long(d, e->line);
            mix_long(d, e->column);
            mix(d, e->msg, strlen(e->msg));
            d->errors++;
            continue;
        }
        d->records++;
        CHECK(row.nfields >= 1 && row.nfields <= lim->max_fields);
        total = 0;
        for (i = 0; i < row.nfields; i++) {
            CHECK(row.len[i] <= lim->max_field);
            CHECK(row.field[i][row.len[i]] == '\0');
            CHECK(memchr(row.field[i], '\0', row.len[i]) == NULL);
            CHECK(row.field_line[i] >= row.line && row.field_line[i] <= row.end_line);
            CHECK(row.field_col[i] >= 1);
            CHECK(i == 0 || row.field_line[i] > row.field_line[i - 1] ||
                  row.field_col[i] > row.field_col[i - 1]);
            mix(d, row.field[i], row.len[i] + 1); /* every byte, and the NUL */
            mix_long(d, row.field_line[i]);
            mix_long(d, row.field_col[i]);
            total += row.len[i];
        }
        CHECK(row.field_line[0] == row.line && row.field_col[0] == 1);
        CHECK(total <= row.raw_len); /* unquoting never adds bytes */
        check_against_reference(&row);
    }
}

/* A readable fd holding data[0..size): a pipe when it fits in the pipe's
 * buffer (fast, no file system), else a temporary file. -1 on failure. */
static int input_fd(const uint8_t *data, size_t size, FILE **tmp)
{
    int p[2];
    FILE *f;

    *tmp = NULL;
    if (size <= 32 * 1024 && pipe(p) == 0) {
        if (size == 0 || write(p[1], data, size) == (ssize_t)size) {
            close(p[1]);
            return p[0];
        }
        close(p[0]);
        close(p[1]);
    }
    f = tmpfile();
    if (!f)
        return -1;
    if ((size == 0 || fwrite(data, 1, size, f) == size) && fflush(f) == 0 &&
        lseek(fileno(f), 0, SEEK_SET) == 0) {
        *tmp = f;
        return fileno(f);
    }
    fclose(f);
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const csv_limits_t lims[2] = {{64, 256, 8}, {5, 17, 3}};
    digest_t dm, df;
    csv_reader_t *r;
    FILE *tmp;
    int k, fd;

    for (k = 0; k < 2; k++) {
        if (csv_open_mem(&r, (const char *)data, size, &lims[k]) != TW_OK)
            abort();
        run(r, &lims[k], data, size, 1, &dm);
        csv_close(r);

        /* The same input through the fd reader, whose window is only
         * 2 * max_row + 2 bytes: records cross refills all the time. */
        fd = input_fd(data, size, &tmp);
        if (fd < 0)
            continue;
        if (csv_open_fd(&r, fd, &lims[k]) != TW_OK)
            abort();
        run(r, &lims[k], data, size, 0, &df);
        csv_close(r);
        CHECK(dm.h == df.h && dm.records == df.records && dm.errors == df.errors);
        if (tmp)
            fclose(tmp);
        else
            close(fd);
    }
    return 0;
}
