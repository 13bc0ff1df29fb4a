/*
 * mapping.c - mapping files for real register exports; the contract and the
 * file syntax are in mapping.h, the design in docs/internals/mapping.md.
 *
 * Data structure: two string maps from a folded name to an entry_t (the
 * canonical text and the line that said it):
 *   columns: fold(source header)                    -> canonical column or "-"
 *   values:  canonical column '\0' fold(source value) -> canonical spelling
 * fold() is NFKC + Unicode case folding (utf8proc), then the surrounding
 * spaces trimmed: "  GENDER " and "gender" are one key, and so are
 * "ԱՆՈՒՆ" and "անուն". ASCII input takes a fast path with the same result.
 *
 * Invariants:
 *   1. Every key in the maps is the fold of a name in the file, and each
 *      key appears once: a second spelling of it is a duplicate error.
 *   2. Every string handed out (entry texts, register) lives in m->arena,
 *      or is static (date_format); none moves or dies before mapping_free().
 *   3. After mapping_parse() returns, nothing in the mapping is written:
 *      lookups only read, so threads may share one mapping.
 * Lookups allocate nothing unless a folded name exceeds LOOKUP_STACK bytes.
 */
#include "ingest/mapping.h"


#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <utf8proc.h>

#include "base/arena.h"
#include "base/buf.h"
#include "ingest/norm.h"
#include "base/strmap.h"

#define MAX_LINE ((size_t)4096)
#define MAX_FILE ((size_t)1024 * 1024)
#define LOOKUP_STACK 512
#define FOLD_OPTIONS                                                                 \
    (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |      \
     UTF8PROC_IGNORE)

typedef struct {
    const char *to; /* canonical column, "-", or canonical value */
    long line;      /* where the file said it, for duplicate errors */
} entry_t;

struct mapping {
    arena_t arena;
    strmap_t columns;
    strmap_t values;
    const char *reg;
    const char *date_format;
    long reg_line, date_format_line;
};

static const char *const date_formats[] = {
    "YYYY-MM-DD", "DD.MM.YYYY", "DD/MM/YYYY", "MM/DD/YYYY", NULL,
};

/* ---- folding ---------------------------------------------------------- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
    while (*len > 0 && is_blank(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && is_blank((*s)[*len - 1]))
        (*len)--;
}

/*
 * Writes the matching form of s[0..len) to out[0..cap): see the top comment.
 * *need is set to a size of `out` that is always enough for this input.
 * TW_ETOOBIG when cap is smaller than that (nothing useful in out then),
 * TW_EINPUT for invalid UTF-8, TW_ENOMEM.
 */
static tw_err_t fold(const char *s, size_t len, char *out, size_t cap, size_t *outlen,
                     size_t *need)
{
    utf8proc_int32_t stack[128], *cps = stack;
    utf8proc_ssize_t n, i;
    tw_err_t err = TW_OK;
    size_t k, o = 0;
    int ascii = 1;

    trim(&s, &len);
    for (k = 0; k < len; k++)
        if ((unsigned char)s[k] >= 0x80) {
            ascii = 0;
            break;
        }
    if (ascii) {
        /* ASCII is NFKC already, and case folding only lowers A-Z. */
        *need = len;
        if (len > cap)
            return TW_ETOOBIG;
        for (k = 0; k < len; k++)
            out[k] = (s[k] >= 'A' && s[k] <= 'Z') ? (char)(s[k] - 'A' + 'a') : s[k];
        *outlen = len;
        return TW_OK;
    }
    if (len > (size_t)PTRDIFF_MAX / 32) /* utf8proc counts in a signed type */
        return TW_ETOOBIG;
    n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cps,
                           (utf8proc_ssize_t)(sizeof(stack) / sizeof(stack[0])),
                           FOLD_OPTIONS);
    if (n > (utf8proc_ssize_t)(sizeof(stack) / sizeof(stack[0]))) {
        cps = malloc((size_t)n * sizeof(*cps));
        if (!cps)
            return TW_ENOMEM;
        n = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, cps, n,
                               FOLD_OPTIONS);
    }
    if (n < 0) {
        err = n == UTF8PROC_ERROR_NOMEM ? TW_ENOMEM : TW_EINPUT;
        goto out;
    }
    n = utf8proc_normalize_utf32(cps, n, FOLD_OPTIONS);
    if (n < 0) {
        err = TW_EINPUT;
        goto out;
    }
    *need = (size_t)n * 4;
    if (*need > cap) {
        err = TW_ETOOBIG;
        goto out;
    }
    for (i = 0; i < n; i++)
        o += (size_t)utf8proc_encode_char(cps[i], (utf8proc_uint8_t *)out + o);
    /* NFKC turned no-break and other wide spaces into ' ': trim again. */
    k = 0;
    while (k < o && is_blank(out[k]))
        k++;
    while (o > k && is_blank(out[o - 1]))
        o--;
    if (k > 0)
        memmove(out, out + k, o - k);
    *outlen = o - k;
out:
    if (cps != stack)
        free(cps);
    return err;
}

/*
 * Looks up `prefix` (may be empty) followed by fold(s) in `map`. The key is
 * built on the stack, or on the heap when it does not fit there.
 */
static const entry_t *lookup(const strmap_t *map, const char *prefix, size_t plen,
                             const char *s, size_t len)
{
    char stack[LOOKUP_STACK], *buf = stack;
    size_t flen = 0, need = 0;
    const entry_t *e = NULL;
    uint64_t *v;
    tw_err_t err = TW_ETOOBIG;

    if (plen < sizeof(stack)) {
        memcpy(buf, prefix, plen);
        err = fold(s, len, buf + plen, sizeof(stack) - plen, &flen, &need);
    } else {
        /* The prefix alone does not fit: fold only to learn `need` (it may
         * succeed, for a value that folds to nothing), then use the heap. */
        if ((err = fold(s, len, buf, 0, &flen, &need)) == TW_OK)
            err = TW_ETOOBIG;
    }
    if (err == TW_ETOOBIG) {
        if (need > SIZE_MAX - plen || (buf = malloc(plen + need)) == NULL)
            return NULL;
        memcpy(buf, prefix, plen);
        err = fold(s, len, buf + plen, need, &flen, &need);
    }
    if (err == TW_OK && (v = strmap_get(map, buf, plen + flen)) != NULL)
        e = (const entry_t *)(uintptr_t)*v;
    if (buf != stack)
        free(buf);
    return e;
}

const char *mapping_column(const mapping_t *m, const char *header, size_t len)
{
    const entry_t *e = lookup(&m->columns, "", 0, header, len);
    return e ? e->to : NULL;
}

const char *mapping_value(const mapping_t *m, const char *column, const char *value,
                          size_t len)
{
    const entry_t *e;

    if (m->values.count == 0)
        return NULL;
    /* the key is "column\0value": the NUL is part of the prefix */
    e = lookup(&m->values, column, strlen(column) + 1, value, len);
    return e ? e->to : NULL;
}

const char *mapping_register(const mapping_t *m)
{
    return m->reg;
}

const char *mapping_date_format(const mapping_t *m)
{
    return m->date_format;
}

void mapping_free(mapping_t *m)
{
    if (!m)
        return;
    strmap_free(&m->columns);
    strmap_free(&m->values);
    arena_free(&m->arena);
    free(m);
}

/* ---- parsing ---------------------------------------------------------- */

typedef enum { SEC_TOP, SEC_COLUMNS, SEC_VALUES } section_t;

typedef struct {
    mapping_t *m;
    tw_errinfo_t *ei;
    const char *s; /* the current line, without its line end */
    size_t len;
    size_t i;      /* cursor in s */
    long line;
    section_t sec;
    const char *values_col; /* canonical column of the [values] section */
    char tmp[MAX_LINE * 4]; /* folded names (4 bytes per code point) */
} parser_t;

/* A piece of text on the line: unquoted contents and 0-based column. */
typedef struct {
    const char *p; /* into the line, or into `unq` for a quoted one */
    size_t len;
    size_t col;
    int quoted;
    char unq[MAX_LINE];
} text_t;

static tw_err_t perr(parser_t *ps, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills *ei; col is 0-based on the current line. */
static tw_err_t perr(parser_t *ps, size_t col, const char *fmt, ...)
{
    va_list ap;

    if (ps->ei) {
        ps->ei->line = ps->line;
        ps->ei->column = (long)col + 1;
        va_start(ap, fmt);
        /* a cut message is still a message: truncation is harmless here */
        vsnprintf(ps->ei->msg, sizeof(ps->ei->msg), fmt, ap);
        va_end(ap);
    }
    return TW_EINPUT;
}

/* At most 60 bytes of s, cut on a UTF-8 boundary, for messages. */
static int clip(const char *s, size_t len)
{
    size_t n = len > 60 ? 60 : len;

    while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

static void skip_blanks(parser_t *ps)
{
    while (ps->i < ps->len && is_blank(ps->s[ps->i]))
        ps->i++;
}

static int at_end_or_comment(const parser_t *ps)
{
    return ps->i == ps->len || ps->s[ps->i] == '#';
}


/*
 * Reads a name or a value at the cursor: "quoted" (with "" for a quote) or
 * bare. Bare text ends at '=' (when stop_at_eq), '#' or the end of the line,
 * loses its trailing blanks, and may not hold '"' or ',' (or '=' when it is
 * a value): those need quotes. Leaves the cursor after the text.
 */
static tw_err_t read_text(parser_t *ps, text_t *t, int stop_at_eq, const char *what)
{
    size_t start = ps->i, o = 0;
    char c;

    t->col = start;
    t->quoted = 0;
    if (ps->i < ps->len && ps->s[ps->i] == '"') {
        t->quoted = 1;
        ps->i++;
        for (;;) {
            if (ps->i == ps->len)
                return perr(ps, start, "unterminated quote in %s", what);
            c = ps->s[ps->i++];
            if (c == '"') {
                if (ps->i < ps->len && ps->s[ps->i] == '"') {
                    ps->i++;
                } else {
                    break;
                }
            }
            t->unq[o++] = c; /* o < len <= MAX_LINE */
        }
        t->p = t->unq;
        t->len = o;
        return TW_OK;
    }
    while (ps->i < ps->len) {
        c = ps->s[ps->i];
        if (c == '#' || (c == '=' && stop_at_eq))
            break;
        if (c == '"')
            return perr(ps, ps->i, "'\"' inside an unquoted %s; quote the whole %s", what,
                        what);
        if (c == ',' || c == '=')
            return perr(ps, ps->i, "a %s holding '%c' must be quoted", what, c);
        ps->i++;
    }
    t->p = ps->s + start;
    t->len = ps->i - start;
    while (t->len > 0 && is_blank(t->p[t->len - 1]))
        t->len--;
    return TW_OK;
}

/* A plain identifier: [a-z_][a-z0-9_]*, like every canonical name. */
static int is_ident(const char *s, size_t len)
{
    size_t k;

    if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return 0;
    for (k = 1; k < len; k++)
        if (!((s[k] >= 'a' && s[k] <= 'z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '_'))
            return 0;
    return 1;
}

static int eq_nocase(const char *s, size_t len, const char *word)
{
    size_t k;

    for (k = 0; k < len; k++) {
        char c = s[k];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (word[k] == '\0' || c != word[k])
            return 0;
    }
    return word[len] == '\0';
}

/* [columns] or [values COLUMN], cursor on the '['. */
static tw_err_t parse_section(parser_t *ps)
{
    size_t wstart, wlen, cstart, clen;

    ps->i++;
    skip_blanks(ps);
    wstart = ps->i;
    while (ps->i < ps->len && !is_blank(ps->s[ps->i]) && ps->s[ps->i] != ']')
        ps->i++;
    wlen = ps->i - wstart;
    skip_blanks(ps);
    if (eq_nocase(ps->s + wstart, wlen, "columns")) {
        ps->sec = SEC_COLUMNS;
    } else if (eq_nocase(ps->s + wstart, wlen, "values")) {
        cstart = ps->i;
        while (ps->i < ps->len && !is_blank(ps->s[ps->i]) && ps->s[ps->i] != ']')
            ps->i++;
        clen = ps->i - cstart;
        if (clen == 0)
            return perr(ps, cstart, "[values] needs the canonical column it is for, "
                                    "as in [values worker_sex]");
        if (!is_ident(ps->s + cstart, clen))
            return perr(ps, cstart,
                        "'%.*s' is not a canonical column name (lower-case letters, "
                        "digits and '_')",
                        clip(ps->s + cstart, clen), ps->s + cstart);
        ps->values_col = arena_strndup(&ps->m->arena, ps->s + cstart, clen);
        if (!ps->values_col)
            return TW_ENOMEM;
        ps->sec = SEC_VALUES;
        skip_blanks(ps);
    } else {
        return perr(ps, wstart,
                    "unknown section [%.*s] (expected [columns] or [values COLUMN])",
                    clip(ps->s + wstart, wlen), ps->s + wstart);
    }
    if (ps->i == ps->len || ps->s[ps->i] != ']')
        return perr(ps, ps->i, "expected ']'");
    ps->i++;
    skip_blanks(ps);
    if (!at_end_or_comment(ps))
        return perr(ps, ps->i, "unexpected text after the section header");
    return TW_OK;
}

/* Settings before the first section. */
static tw_err_t parse_setting(parser_t *ps, const text_t *key, const text_t *val)
{
    mapping_t *m = ps->m;
    int k;

    if (!key->quoted && eq_nocase(key->p, key->len, "register")) {
        if (m->reg)
            return perr(ps, key->col, "register is set twice (first at line %ld)",
                        m->reg_line);
        if (!is_ident(val->p, val->len))
            return perr(ps, val->col,
                        "register must be a plain name such as permits, not '%.*s'",
                        clip(val->p, val->len), val->p);
        m->reg = arena_strndup(&m->arena, val->p, val->len);
        if (!m->reg)
            return TW_ENOMEM;
        m->reg_line = ps->line;
        return TW_OK;
    }
    if (!key->quoted && eq_nocase(key->p, key->len, "date_format")) {
        if (m->date_format)
            return perr(ps, key->col, "date_format is set twice (first at line %ld)",
                        m->date_format_line);
        for (k = 0; date_formats[k]; k++) {
            size_t n = strlen(date_formats[k]);
            if (val->len == n && strncasecmp(val->p, date_formats[k], n) == 0)
                break;
        }
        if (!date_formats[k])
            return perr(ps, val->col,
                        "unknown date_format '%.*s' (expected YYYY-MM-DD, DD.MM.YYYY, "
                        "DD/MM/YYYY or MM/DD/YYYY)",
                        clip(val->p, val->len), val->p);
        m->date_format = date_formats[k];
        m->date_format_line = ps->line;
        return TW_OK;
    }
    return perr(ps, key->col,
                "unknown setting '%.*s' (expected register or date_format; column "
                "names go under [columns])",
                clip(key->p, key->len), key->p);
}

/* One "name = text" line in [columns] or [values]. */
static tw_err_t parse_mapping(parser_t *ps, const text_t *name, const text_t *val)
{
    mapping_t *m = ps->m;
    strmap_t *map;
    size_t plen = 0, flen = 0, need = 0;
    char *key = ps->tmp, *heap = NULL;
    entry_t *e;
    uint64_t *slot;
    int added;
    tw_err_t err;

    if (ps->sec == SEC_COLUMNS) {
        if (!(val->len == 1 && val->p[0] == '-') && !is_ident(val->p, val->len))
            return perr(ps, val->col,
                        "'%.*s' is not a canonical column name (lower-case letters, "
                        "digits and '_') or '-'",
                        clip(val->p, val->len), val->p);
        map = &m->columns;
    } else {
        if (!val->quoted && val->len == 1 && val->p[0] == '-')
            return perr(ps, val->col, "'-' drops columns, not values; write \"\" for an "
                                      "empty (unknown) value");
        if (!val->quoted && val->len == 0)
            return perr(ps, val->col, "missing value after '=' (write \"\" for an empty "
                                      "value)");
        plen = strlen(ps->values_col) + 1;
        memcpy(ps->tmp, ps->values_col, plen); /* plen <= MAX_LINE */
        map = &m->values;
    }
    err = fold(name->p, name->len, ps->tmp + plen, sizeof(ps->tmp) - plen, &flen, &need);
    if (err == TW_ETOOBIG) {
        /* A few characters grow a lot under NFKC (U+FDFA is 18 letters). */
        if ((heap = malloc(plen + need)) == NULL)
            return TW_ENOMEM;
        memcpy(heap, ps->tmp, plen);
        key = heap;
        err = fold(name->p, name->len, key + plen, need, &flen, &need);
    }
    if (err != TW_OK) {
        /* the line is valid UTF-8 (checked), so this is TW_ENOMEM */
        if (err == TW_EINPUT)
            err = perr(ps, name->col, "invalid UTF-8");
        goto out;
    }
    err = TW_ENOMEM;
    if ((e = arena_alloc(&m->arena, sizeof(*e))) == NULL ||
        (e->to = arena_strndup(&m->arena, val->p, val->len)) == NULL)
        goto out;
    e->line = ps->line;
    err = strmap_put(map, key, plen + flen, (uint64_t)(uintptr_t)e, &slot, &added, NULL);
    if (err != TW_OK || added)
        goto out;
    if (ps->sec == SEC_COLUMNS)
        err = perr(ps, name->col, "duplicate source column '%.*s' (first at line %ld)",
                   clip(name->p, name->len), name->p,
                   ((const entry_t *)(uintptr_t)*slot)->line);
    else
        err = perr(ps, name->col, "duplicate value '%.*s' for column %s (first at line %ld)",
                   clip(name->p, name->len), name->p, ps->values_col,
                   ((const entry_t *)(uintptr_t)*slot)->line);
out:
    free(heap);
    return err;
}

static tw_err_t parse_line(parser_t *ps, text_t *name, text_t *val)
{
    const char *nul;
    size_t bad;
    tw_err_t err;

    if (ps->len > MAX_LINE)
        return perr(ps, MAX_LINE, "line longer than %zu bytes", MAX_LINE);
    if ((nul = memchr(ps->s, '\0', ps->len)) != NULL)
        return perr(ps, (size_t)(nul - ps->s), "NUL byte");
    if ((bad = norm_utf8_prefix(ps->s, ps->len)) < ps->len)
        return perr(ps, bad, "invalid UTF-8");
    ps->i = 0;
    skip_blanks(ps);
    if (ps->i == ps->len || ps->s[ps->i] == '#' || ps->s[ps->i] == ';')
        return TW_OK;
    if (ps->s[ps->i] == '[')
        return parse_section(ps);
    if (ps->s[ps->i] == '=')
        return perr(ps, ps->i, "missing name before '='");
    if ((err = read_text(ps, name, 1, "name")) != TW_OK)
        return err;
    skip_blanks(ps);
    if (ps->i == ps->len || ps->s[ps->i] != '=')
        return perr(ps, ps->i, name->quoted && !at_end_or_comment(ps)
                                   ? "unexpected text after the closing quote"
                                   : "missing '=' after the name");
    ps->i++;
    skip_blanks(ps);
    if ((err = read_text(ps, val, 0, "value")) != TW_OK)
        return err;
    skip_blanks(ps);
    if (!at_end_or_comment(ps))
        return perr(ps, ps->i, "unexpected text after the closing quote");
    if (ps->sec == SEC_TOP)
        return parse_setting(ps, name, val);
    return parse_mapping(ps, name, val);
}

tw_err_t mapping_parse(const char *text, size_t len, const char *name, mapping_t **out,
                       tw_errinfo_t *ei)
{
    mapping_t *m = NULL;
    parser_t *ps = NULL;
    text_t *t = NULL;
    size_t pos = 0, eol;
    tw_err_t err = TW_ENOMEM;

    *out = NULL;
    tw_errinfo_clear(ei);
    tw_errinfo_file(ei, name);
    if (len > MAX_FILE)
        return tw_errinfo_set(ei, TW_EINPUT, "mapping file larger than %zu bytes", MAX_FILE);
    m = calloc(1, sizeof(*m));
    ps = malloc(sizeof(*ps));
    t = malloc(2 * sizeof(*t)); /* name and value: 8 KiB, off the stack */
    if (!m || !ps || !t)
        goto out;
    arena_init(&m->arena, 16 * 1024);
    strmap_init(&m->columns);
    strmap_init(&m->values);
    ps->m = m;
    ps->ei = ei;
    ps->line = 0;
    ps->sec = SEC_TOP;
    ps->values_col = NULL;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    /* lines end at LF, CRLF or a lone CR, as in csv.c */
    while (pos < len) {
        for (eol = pos; eol < len && text[eol] != '\n' && text[eol] != '\r'; eol++)
            ;
        ps->line++;
        ps->s = text + pos;
        ps->len = eol - pos;
        if ((err = parse_line(ps, &t[0], &t[1])) != TW_OK)
            goto out;
        pos = eol;
        if (pos < len && text[pos++] == '\r' && pos < len && text[pos] == '\n')
            pos++;
    }
    *out = m;
    m = NULL;
    err = TW_OK;
out:
    if (err == TW_ENOMEM)
        tw_errinfo_set(ei, err, "out of memory");
    mapping_free(m);
    free(ps);
    free(t);
    return err;
}

tw_err_t mapping_load_file(const char *path, mapping_t **out, tw_errinfo_t *ei)
{
    tw_buf_t b;
    tw_err_t err;
    int sys_errno = 0;

    *out = NULL;
    tw_errinfo_clear(ei);
    /* one byte more than the limit, to tell "too big" from "exactly full" */
    buf_init(&b, MAX_FILE + 1);
    err = buf_read_file(&b, path, &sys_errno);
    if (err == TW_ENOTFOUND || err == TW_EIO) {
        tw_errinfo_file(ei, path);
        tw_errinfo_set(ei, err, "cannot read the mapping file: %s", strerror(sys_errno));
    } else if (err != TW_OK) {
        tw_errinfo_set(ei, err, "out of memory");
    } else {
        err = mapping_parse(buf_str(&b), b.len, path, out, ei);
    }
    buf_free(&b);
    return err;
}
