/*
 * table.c - the one table shape every report has (stats.h), its writers
 * (CSV, JSON, HTML) and the date helpers of periods.
 *
 * Data: column names and a flat array of cells, row-major; text of cells
 * lives in the table's arena.
 * Invariants:
 *   1. ncells == nrows * ncols once a row is closed (stats_row() or a
 *      writer pads the last row with empty cells).
 *   2. Text is copied on put; the caller's strings are never kept.
 * Thread model: a table is built by one thread; once built it is read-only.
 */
#include "stats/stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/csvout.h"
#include "base/json.h"

struct stats_table {
    char name[48];
    char **cols;
    size_t ncols;
    stats_cell_t *cells;
    size_t ncells, cap;
    arena_t arena;
};

tw_err_t stats_table_new(const char *name, const char *const *cols, stats_table_t **out)
{
    stats_table_t *t = calloc(1, sizeof(*t));
    size_t n = 0, i;
    *out = NULL;
    if (!t)
        return TW_ENOMEM;
    arena_init(&t->arena, 16384);
    snprintf(t->name, sizeof(t->name), "%s", name);
    while (cols[n])
        n++;
    t->cols = arena_alloc(&t->arena, (n ? n : 1) * sizeof(char *));
    if (!t->cols)
        goto oom;
    for (i = 0; i < n; i++)
        if (!(t->cols[i] = arena_strndup(&t->arena, cols[i], strlen(cols[i]))))
            goto oom;
    t->ncols = n;
    *out = t;
    return TW_OK;
oom:
    stats_table_free(t);
    return TW_ENOMEM;
}

void stats_table_free(stats_table_t *t)
{
    if (!t)
        return;
    free(t->cells);
    arena_free(&t->arena);
    free(t);
}

static tw_err_t put(stats_table_t *t, const stats_cell_t *c)
{
    if (t->ncells == t->cap) {
        size_t ncap = t->cap ? 2 * t->cap : 256;
        stats_cell_t *nv = realloc(t->cells, ncap * sizeof(*nv));
        if (!nv)
            return TW_ENOMEM;
        t->cells = nv;
        t->cap = ncap;
    }
    t->cells[t->ncells++] = *c;
    return TW_OK;
}

static tw_err_t pad(stats_table_t *t)
{
    static const stats_cell_t empty = {STATS_NULL, 0, 0, NULL};
    tw_err_t err = TW_OK;
    while (err == TW_OK && t->ncols && t->ncells % t->ncols)
        err = put(t, &empty);
    return err;
}

tw_err_t stats_row(stats_table_t *t)
{
    return pad(t);
}

tw_err_t stats_put_int(stats_table_t *t, long long v)
{
    stats_cell_t c = {STATS_INT, v, 0, NULL};
    return put(t, &c);
}

tw_err_t stats_put_real(stats_table_t *t, double v)
{
    stats_cell_t c = {isfinite(v) ? STATS_REAL : STATS_NULL, 0, v, NULL};
    return put(t, &c);
}

tw_err_t stats_put_text(stats_table_t *t, const char *s)
{
    stats_cell_t c = {STATS_NULL, 0, 0, NULL};
    if (s && *s) {
        c.kind = STATS_TEXT;
        if (!(c.s = arena_strndup(&t->arena, s, strlen(s))))
            return TW_ENOMEM;
    }
    return put(t, &c);
}

tw_err_t stats_put_null(stats_table_t *t)
{
    stats_cell_t c = {STATS_NULL, 0, 0, NULL};
    return put(t, &c);
}

const char *stats_table_name(const stats_table_t *t)
{
    return t->name;
}

size_t stats_table_ncols(const stats_table_t *t)
{
    return t->ncols;
}

size_t stats_table_nrows(const stats_table_t *t)
{
    return t->ncols ? (t->ncells + t->ncols - 1) / t->ncols : 0;
}

const char *stats_table_col(const stats_table_t *t, size_t c)
{
    return c < t->ncols ? t->cols[c] : "";
}

int stats_table_find(const stats_table_t *t, const char *col)
{
    size_t i;
    for (i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i], col) == 0)
            return (int)i;
    return -1;
}

const stats_cell_t *stats_table_cell(const stats_table_t *t, size_t row, size_t col)
{
    static const stats_cell_t empty = {STATS_NULL, 0, 0, NULL};
    size_t i = row * t->ncols + col;
    return col < t->ncols && i < t->ncells ? &t->cells[i] : &empty;
}

tw_err_t stats_format_parse(const char *s, stats_format_t *out, tw_errinfo_t *ei)
{
    if (s && strcmp(s, "csv") == 0)
        *out = STATS_CSV;
    else if (s && strcmp(s, "json") == 0)
        *out = STATS_JSON;
    else if (s && strcmp(s, "html") == 0)
        *out = STATS_HTML;
    else {
        tw_errinfo_set(ei, TW_EINPUT, "--format must be csv, json or html, not '%s'",
                       s ? s : "");
        tw_errinfo_field(ei, "--format");
        return TW_EINPUT;
    }
    return TW_OK;
}

/* ---- writers ---------------------------------------------------------------- */

static tw_err_t num(tw_buf_t *b, double v)
{
    char tmp[64];
    /* up to 6 significant decimals, no exponent for the magnitudes reports have */
    if (fabs(v) >= 1e15 || (v != 0 && fabs(v) < 1e-6))
        snprintf(tmp, sizeof(tmp), "%.6g", v);
    else {
        char *e;
        snprintf(tmp, sizeof(tmp), "%.6f", v);
        e = tmp + strlen(tmp) - 1;
        while (e > tmp && *e == '0')
            *e-- = '\0';
        if (*e == '.')
            *e = '\0';
    }
    return buf_adds(b, tmp);
}

static tw_err_t cell_text(tw_buf_t *b, const stats_cell_t *c)
{
    switch (c->kind) {
    case STATS_INT: return buf_printf(b, "%lld", c->i);
    case STATS_REAL: return num(b, c->r);
    case STATS_TEXT: return buf_adds(b, c->s);
    default: return TW_OK;
    }
}

/* RFC 4180, and spreadsheet-safe as base/csvout.h says (a recruiter's
 * name beginning with '=' is shown as text, with a quote in front). */
static tw_err_t csv_field(tw_buf_t *b, const char *s)
{
    tw_err_t err;
    int formula = csvout_is_formula(s, strlen(s));
    if (!formula && !strpbrk(s, ",\"\r\n"))
        return buf_adds(b, s);
    err = buf_addc(b, '"');
    if (err == TW_OK && formula)
        err = buf_addc(b, '\'');
    for (; err == TW_OK && *s; s++)
        err = *s == '"' ? buf_add(b, "\"\"", 2) : buf_addc(b, *s);
    return err == TW_OK ? buf_addc(b, '"') : err;
}

static tw_err_t html_text(tw_buf_t *b, const char *s)
{
    tw_err_t err = TW_OK;
    for (; err == TW_OK && *s; s++) {
        switch (*s) {
        case '<': err = buf_adds(b, "&lt;"); break;
        case '>': err = buf_adds(b, "&gt;"); break;
        case '&': err = buf_adds(b, "&amp;"); break;
        case '"': err = buf_adds(b, "&quot;"); break;
        default: err = buf_addc(b, *s);
        }
    }
    return err;
}

static tw_err_t write_csv(const stats_table_t *t, tw_buf_t *b)
{
    size_t r, c, nrows = stats_table_nrows(t);
    tw_err_t err = TW_OK;
    for (c = 0; err == TW_OK && c < t->ncols; c++) {
        if (c)
            err = buf_addc(b, ',');
        if (err == TW_OK)
            err = csv_field(b, t->cols[c]);
    }
    if (err == TW_OK)
        err = buf_addc(b, '\n');
    for (r = 0; err == TW_OK && r < nrows; r++) {
        for (c = 0; err == TW_OK && c < t->ncols; c++) {
            const stats_cell_t *x = stats_table_cell(t, r, c);
            if (c)
                err = buf_addc(b, ',');
            if (err != TW_OK)
                break;
            if (x->kind == STATS_TEXT)
                err = csv_field(b, x->s);
            else
                err = cell_text(b, x);
        }
        if (err == TW_OK)
            err = buf_addc(b, '\n');
    }
    return err;
}

static tw_err_t write_json(const stats_table_t *t, tw_buf_t *b)
{
    size_t r, c, nrows = stats_table_nrows(t);
    tw_err_t err = buf_adds(b, "{\"table\":");
    if (err == TW_OK)
        err = json_str(b, t->name, strlen(t->name));
    if (err == TW_OK)
        err = buf_adds(b, ",\"columns\":[");
    for (c = 0; err == TW_OK && c < t->ncols; c++) {
        if (c)
            err = buf_addc(b, ',');
        if (err == TW_OK)
            err = json_str(b, t->cols[c], strlen(t->cols[c]));
    }
    if (err == TW_OK)
        err = buf_adds(b, "],\"rows\":[");
    for (r = 0; err == TW_OK && r < nrows; r++) {
        err = buf_adds(b, r ? ",[" : "[");
        for (c = 0; err == TW_OK && c < t->ncols; c++) {
            const stats_cell_t *x = stats_table_cell(t, r, c);
            if (c)
                err = buf_addc(b, ',');
            if (err != TW_OK)
                break;
            if (x->kind == STATS_TEXT)
                err = json_str(b, x->s, strlen(x->s));
            else if (x->kind == STATS_NULL)
                err = buf_adds(b, "null");
            else
                err = cell_text(b, x);
        }
        if (err == TW_OK)
            err = buf_addc(b, ']');
    }
    if (err == TW_OK)
        err = buf_adds(b, "]}\n");
    return err;
}

static tw_err_t write_html(const stats_table_t *t, tw_buf_t *b)
{
    size_t r, c, nrows = stats_table_nrows(t);
    tw_err_t err = buf_adds(b, "<table class=\"stats\" id=\"t-");
    if (err == TW_OK)
        err = html_text(b, t->name);
    if (err == TW_OK)
        err = buf_adds(b, "\"><caption>");
    if (err == TW_OK)
        err = html_text(b, t->name);
    if (err == TW_OK)
        err = buf_adds(b, "</caption>\n<thead><tr>");
    for (c = 0; err == TW_OK && c < t->ncols; c++) {
        err = buf_adds(b, "<th>");
        if (err == TW_OK)
            err = html_text(b, t->cols[c]);
        if (err == TW_OK)
            err = buf_adds(b, "</th>");
    }
    if (err == TW_OK)
        err = buf_adds(b, "</tr></thead>\n<tbody>\n");
    for (r = 0; err == TW_OK && r < nrows; r++) {
        err = buf_adds(b, "<tr>");
        for (c = 0; err == TW_OK && c < t->ncols; c++) {
            const stats_cell_t *x = stats_table_cell(t, r, c);
            err = buf_adds(b, x->kind == STATS_TEXT || x->kind == STATS_NULL ? "<td>"
                                                                              : "<td class=\"n\">");
            if (err == TW_OK)
                err = x->kind == STATS_TEXT ? html_text(b, x->s) : cell_text(b, x);
            if (err == TW_OK)
                err = buf_adds(b, "</td>");
        }
        if (err == TW_OK)
            err = buf_adds(b, "</tr>\n");
    }
    if (err == TW_OK)
        err = buf_adds(b, "</tbody></table>\n");
    return err;
}

tw_err_t stats_table_write(const stats_table_t *t, stats_format_t f, tw_buf_t *out)
{
    switch (f) {
    case STATS_CSV: return write_csv(t, out);
    case STATS_JSON: return write_json(t, out);
    default: return write_html(t, out);
    }
}

tw_err_t stats_html_begin(tw_buf_t *b, const char *title, const char *subtitle)
{
    tw_err_t err = buf_adds(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    if (err == TW_OK)
        err = html_text(b, title);
    if (err == TW_OK)
        err = buf_adds(
            b, "</title>\n<style>body{font:12px sans-serif;margin:1.5em}"
               "table.stats{border-collapse:collapse;margin:1em 0;page-break-inside:auto}"
               "table.stats td,table.stats th{border:1px solid #999;padding:2px 5px}"
               "td.n{text-align:right}caption{font-weight:bold;text-align:left}"
               "tr{page-break-inside:avoid}</style></head><body>\n<h1>");
    if (err == TW_OK)
        err = html_text(b, title);
    if (err == TW_OK)
        err = buf_adds(b, "</h1>\n<p>");
    if (err == TW_OK)
        err = html_text(b, subtitle ? subtitle : "");
    if (err == TW_OK)
        err = buf_adds(b, "</p>\n");
    return err;
}

tw_err_t stats_html_end(tw_buf_t *b)
{
    return buf_adds(b, "</body></html>\n");
}

/* ---- days ---------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int32_t days_from_civil(int y, int m, int d)
{
    int era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

void stats_day_str(int32_t z, char out[11])
{
    int era, doe, yoe, doy, mp, d, m, y;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    y = y < 0 ? 0 : y % 10000;
    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = '-';
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10);
    out[9] = (char)('0' + d % 10);
    out[10] = '\0';
}

int32_t stats_day(const char *s, size_t len, int *ok)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, i;
    *ok = 0;
    if (!s || len < 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    if (len > 10 && s[10] != 'T' && s[10] != ' ')
        return -1;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return -1;
    *ok = 1;
    return days_from_civil(y, m, d);
}

tw_err_t stats_period_parse(const char *from, const char *to, stats_period_t *p,
                            tw_errinfo_t *ei)
{
    int ok;
    p->from = INT32_MIN;
    p->to = INT32_MAX;
    if (from && *from) {
        p->from = stats_day(from, strlen(from), &ok);
        if (!ok || strlen(from) != 10) {
            tw_errinfo_set(ei, TW_EINPUT, "--from must be a date YYYY-MM-DD, not '%s'", from);
            tw_errinfo_field(ei, "--from");
            return TW_EINPUT;
        }
    }
    if (to && *to) {
        p->to = stats_day(to, strlen(to), &ok);
        if (!ok || strlen(to) != 10) {
            tw_errinfo_set(ei, TW_EINPUT, "--to must be a date YYYY-MM-DD, not '%s'", to);
            tw_errinfo_field(ei, "--to");
            return TW_EINPUT;
        }
    }
    if (p->from > p->to) {
        tw_errinfo_set(ei, TW_EINPUT, "--from %s is after --to %s", from, to);
        tw_errinfo_field(ei, "--from");
        return TW_EINPUT;
    }
    return TW_OK;
}
