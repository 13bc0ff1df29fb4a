/*
 * config.c - tipwatch.conf: parsing, checking, the built-in default, and the
 * lookups the engine makes in its hot loops. The contract and the syntax by
 * example are in config.h; every rule is in docs/internals/config.md.
 *
 * Data structure: flat arrays built once by config_parse(), all in c->arena:
 *   wages[nwages]    {day, amount}, day strictly increasing: binary search
 *   params[nparams]  {indicator, key, value} sorted by (indicator, key);
 *                    `enabled` is stored as a parameter worth 1 or 0
 *   inds[ninds]      {id, first, n} sorted by id: the run of params of one
 *                    indicator; binary search, then binary search in the run
 *   mismatch[100]    per ISIC division, NULL or a 10000-bit set of the ISCO
 *                    unit groups listed, prefixes expanded ("93" sets
 *                    9300..9399): one bit test per lookup
 *
 * Invariants:
 *   1. A config_t that leaves this file passed every check: version set;
 *      wage days strictly increasing; 0 <= low < medium < high <= 100;
 *      every number finite, never -0.0, and within its key's range.
 *   2. Nothing is written after config_parse() returns: lookups only read and
 *      allocate nothing, so threads may share one config.
 *   3. c->digest is computed once, from the version and the arrays above
 *      (never the text), over exactly what the getters can observe: two
 *      configs with one digest answer every lookup alike.
 * Ownership: the config owns everything it points to; config_free() frees it.
 */
#include "engine/config.h"

#include <pthread.h>


#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "ingest/norm.h"
#include "base/strmap.h"
#include "ingest/value.h"

#define MAX_LINE ((size_t)4096)
#define MAX_FILE ((size_t)1024 * 1024)
#define MAX_NAME ((size_t)63) /* identifiers fit tw_errinfo_t.field */
#define MAX_VERSION ((size_t)64)
#define SECNAME_CAP (MAX_NAME + 16) /* "indicator " + an id, NUL */
#define NDIV 100
#define ISCO_BYTES (10000 / 8)
#define MAX_WEIGHT 10.0
#define MAX_PARAM 1e9 /* so a caller may cast any parameter to int32_t */
#define MAX_WAGE ((int64_t)1000000000)
/* More entries than a 1 MiB file can hold (each line takes >= 4 bytes). */
#define MAX_ENTRIES (MAX_FILE / 4 + 1)

typedef struct {
    int32_t day;
    int64_t amount;
} wage_t;

typedef struct {
    const char *ind;
    const char *key;
    double v;
} param_t;

typedef struct {
    const char *id;
    size_t first, n;
} ind_t;

enum { LOW, MEDIUM, HIGH, NLEVELS };
static const char *const level_keys[NLEVELS] = { "low", "medium", "high" };

typedef struct {
    const char *key;
    double min, max;
} score_key_t;

/* The keys score.c reads. vulnerability_max_factor: score.c caps the factor
 * at 1.5 whatever the file says (engine.md); refusing more here turns a
 * silent cap into an error. rollup_weight damps what an employer inherits
 * from its applications, so it stays at most 1. */
static const score_key_t score_keys[] = {
    { "prior", -20.0, 20.0 },
    { "vulnerability_max_factor", 1.0, 1.5 },
    { "rollup_weight", 0.0, 1.0 },
    { "rollup_min_applications", 1.0, 1e6 },
    /* per entity kind (calibrate.c): the prior of that kind's entities;
     * absent, `prior` applies. Hashed into the digest only when present, so
     * a config without them keeps the digest it had before they existed. */
    { "prior_application", -20.0, 20.0 },
    { "prior_worker", -20.0, 20.0 },
    { "prior_employer", -20.0, 20.0 },
    { "prior_intermediary", -20.0, 20.0 },
    { "prior_address", -20.0, 20.0 },
    { "prior_phone", -20.0, 20.0 },
};
#define NSCORE_V1 4 /* the keys that existed before the per-kind priors */
#define NSCORE (sizeof(score_keys) / sizeof(score_keys[0]))

/* [cases]: the NRM case policy (cases.h, cases_policy_t); whole numbers. Not
 * part of the screening digest: alerts do not depend on it. */
static const score_key_t cases_keys[] = {
    { "preid_days", 1.0, 365.0 },
    { "reflection_days", 30.0, 3650.0 },
    { "retention_days", 1.0, 36500.0 },
    { "state_payment_amd", 1.0, 1e9 },
    { "attachment_max_bytes", 1.0, 64.0 * 1024 * 1024 },
};
#define NCASES (sizeof(cases_keys) / sizeof(cases_keys[0]))

struct config {
    arena_t arena;
    char version[MAX_VERSION + 1];
    const wage_t *wages;
    size_t nwages;
    double level[NLEVELS];
    double score[NSCORE];
    unsigned char has_score[NSCORE];
    double cases[NCASES];
    unsigned char has_cases[NCASES];
    const param_t *params;
    size_t nparams;
    const ind_t *inds;
    size_t ninds;
    const unsigned char *mismatch[NDIV];
    uint64_t digest;
};

/* ---- lookups (hot: no allocation, O(log n) or O(1)) ------------------- */

const char *config_version(const config_t *c)
{
    return c->version;
}

uint64_t config_digest(const config_t *c)
{
    return c->digest;
}

int64_t config_min_wage(const config_t *c, int32_t day)
{
    size_t lo = 0, hi = c->nwages, mid;

    /* first entry with wages[].day > day */
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        if (c->wages[mid].day <= day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? -1 : c->wages[lo - 1].amount;
}

double config_level_low(const config_t *c)
{
    return c->level[LOW];
}

double config_level_medium(const config_t *c)
{
    return c->level[MEDIUM];
}

double config_level_high(const config_t *c)
{
    return c->level[HIGH];
}

double config_score(const config_t *c, const char *key, double def)
{
    size_t k;

    if (!key)
        return def;
    for (k = 0; k < NSCORE; k++)
        if (strcmp(key, score_keys[k].key) == 0)
            return c->has_score[k] ? c->score[k] : def;
    return def;
}

int64_t config_cases(const config_t *c, const char *key, int64_t def)
{
    size_t k;

    if (!key)
        return def;
    for (k = 0; k < NCASES; k++)
        if (strcmp(key, cases_keys[k].key) == 0)
            return c->has_cases[k] ? (int64_t)c->cases[k] : def;
    return def;
}

static const ind_t *find_ind(const config_t *c, const char *id)
{
    size_t lo = 0, hi = c->ninds, mid;
    int cmp;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        cmp = strcmp(id, c->inds[mid].id);
        if (cmp == 0)
            return &c->inds[mid];
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

double config_indicator_param(const config_t *c, const char *indicator, const char *key,
                              double def)
{
    const ind_t *in;
    size_t lo, hi, mid;
    int cmp;

    if (!indicator || !key || (in = find_ind(c, indicator)) == NULL)
        return def;
    lo = in->first;
    hi = in->first + in->n;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        cmp = strcmp(key, c->params[mid].key);
        if (cmp == 0)
            return c->params[mid].v;
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return def;
}

int config_indicator_rel(const config_t *c, const char *indicator, const char *key,
                         double *pct, unsigned *dims)
{
    char k[96];
    double v;
    if (!key || snprintf(k, sizeof(k), "%s.rel", key) >= (int)sizeof(k))
        return 0;
    v = config_indicator_param(c, indicator, k, -1);
    if (v < 0)
        return 0;
    *dims = (unsigned)(v / 1000.0);
    *pct = v - 1000.0 * *dims;
    return 1;
}

int config_indicator_enabled(const config_t *c, const char *indicator)
{
    return config_indicator_param(c, indicator, "enabled", 1.0) != 0.0;
}

static int is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

int config_mismatch(const config_t *c, const char *sector, const char *isco)
{
    const unsigned char *bits;
    int div, code, k;

    if (!sector || !isco || !is_digit(sector[0]) || !is_digit(sector[1]) || sector[2])
        return 0;
    div = (sector[0] - '0') * 10 + (sector[1] - '0');
    if ((bits = c->mismatch[div]) == NULL)
        return 0;
    code = 0;
    for (k = 0; k < 4; k++) {
        if (!is_digit(isco[k]))
            return 0;
        code = code * 10 + (isco[k] - '0');
    }
    if (isco[4])
        return 0;
    return (bits[code >> 3] >> (code & 7)) & 1;
}

void config_free(config_t *c)
{
    if (!c)
        return;
    arena_free(&c->arena);
    free(c);
}

/* ---- digest ----------------------------------------------------------- */

/* FNV-1a, 64 bits, fed with fixed-width little-endian integers so the value
 * is the same on every platform. Not cryptographic: it tells configs apart,
 * it does not prove that nobody tampered with one. */
#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;

    while (n--) {
        h ^= *p++;
        h *= FNV_PRIME;
    }
    return h;
}

static uint64_t fnv_u64(uint64_t h, uint64_t v)
{
    unsigned char b[8];
    int k;

    for (k = 0; k < 8; k++)
        b[k] = (unsigned char)(v >> (8 * k));
    return fnv(h, b, 8);
}

static uint64_t fnv_f64(uint64_t h, double d)
{
    uint64_t u;

    memcpy(&u, &d, sizeof(u)); /* -0.0 never gets here (invariant 1) */
    return fnv_u64(h, u);
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
    return fnv(h, s, strlen(s) + 1);
}

/* `enabled = 1` is what an absent `enabled` means: leave it out (invariant 3). */
static int observable(const param_t *p)
{
    return !(strcmp(p->key, "enabled") == 0 && p->v != 0.0);
}

/* Observable parameters of one indicator. */
static size_t observable_params(const config_t *c, const ind_t *in)
{
    size_t k, n = 0;

    for (k = in->first; k < in->first + in->n; k++)
        n += (size_t)observable(&c->params[k]);
    return n;
}

/* Every variable-length part is preceded by its count and every string ends
 * in its NUL, so two different configs never serialise to the same bytes. */
static uint64_t digest(const config_t *c)
{
    uint64_t h = fnv_str(FNV_OFFSET, "tipwatch.conf/1");
    size_t i, k, n;

    h = fnv_str(h, c->version);
    h = fnv_u64(h, c->nwages);
    for (i = 0; i < c->nwages; i++) {
        h = fnv_u64(h, (uint64_t)(int64_t)c->wages[i].day);
        h = fnv_u64(h, (uint64_t)c->wages[i].amount);
    }
    for (k = 0; k < NLEVELS; k++)
        h = fnv_f64(h, c->level[k]);
    for (k = 0; k < NSCORE; k++) {
        if (k >= NSCORE_V1 && !c->has_score[k])
            continue;
        if (k >= NSCORE_V1)
            h = fnv_u64(h, (uint64_t)k);
        h = fnv(h, &c->has_score[k], 1);
        if (c->has_score[k])
            h = fnv_f64(h, c->score[k]);
    }
    for (n = 0, i = 0; i < c->ninds; i++)
        n += (size_t)(observable_params(c, &c->inds[i]) > 0);
    h = fnv_u64(h, n);
    for (i = 0; i < c->ninds; i++) {
        const ind_t *in = &c->inds[i];
        if ((n = observable_params(c, in)) == 0)
            continue; /* an empty section answers like no section */
        h = fnv_str(h, in->id);
        h = fnv_u64(h, n);
        for (k = in->first; k < in->first + in->n; k++) {
            if (!observable(&c->params[k]))
                continue;
            h = fnv_str(h, c->params[k].key);
            h = fnv_f64(h, c->params[k].v);
        }
    }
    for (n = 0, k = 0; k < NDIV; k++)
        n += (size_t)(c->mismatch[k] != NULL);
    h = fnv_u64(h, n);
    for (k = 0; k < NDIV; k++) {
        if (!c->mismatch[k])
            continue;
        h = fnv_u64(h, k);
        h = fnv(h, c->mismatch[k], ISCO_BYTES);
    }
    return h;
}

/* ---- parsing ---------------------------------------------------------- */

typedef enum {
    SEC_TOP,
    SEC_WAGE,
    SEC_LEVELS,
    SEC_SCORE,
    SEC_INDICATOR,
    SEC_MISMATCH,
    SEC_CASES,
    SEC_LINK
} section_t;

typedef struct {
    config_t *c;
    tw_errinfo_t *ei;
    const char *const *known;
    const char *s; /* the current line, without its line end */
    size_t len;
    long line;
    const char *field; /* what ei->field names on an error, or NULL */
    size_t field_len;
    section_t sec;
    const char *ind; /* id of the open [indicator] section, in c->arena */
    char secname[SECNAME_CAP];
    size_t secname_len;
    strmap_t seen;   /* "[section" and "section\0key" -> line first seen */
    tw_buf_t wages;  /* wage_t, in file order (= increasing) */
    tw_buf_t params; /* param_t, in file order */
    locale_t cloc;   /* "C", so that strtod reads '.' whatever the locale */
    int have_version;
    long levels_line;
    long level_line[NLEVELS]; /* 0 while the key is missing */
    size_t level_col[NLEVELS];
    char tmp[SECNAME_CAP + 1 + MAX_LINE]; /* keys of `seen` */
} parser_t;

static tw_err_t perr_at(parser_t *ps, long line, size_t col, const char *fmt, va_list ap)
{
    char field[MAX_NAME + 1];
    size_t n;

    if (!ps->ei)
        return TW_EINPUT;
    ps->ei->line = line;
    ps->ei->column = line > 0 ? (long)col + 1 : 0;
    /* a cut message is still a message: truncation is harmless here */
    vsnprintf(ps->ei->msg, sizeof(ps->ei->msg), fmt, ap);
    if (ps->field) {
        n = ps->field_len < MAX_NAME ? ps->field_len : MAX_NAME;
        while (n < ps->field_len && n > 0 && ((unsigned char)ps->field[n] & 0xC0) == 0x80)
            n--; /* cut on a UTF-8 boundary */
        memcpy(field, ps->field, n);
        field[n] = '\0';
        tw_errinfo_field(ps->ei, field);
    }
    return TW_EINPUT;
}

static tw_err_t perr(parser_t *ps, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static tw_err_t perr_line(parser_t *ps, long line, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* An error on the current line; col is 0-based. */
static tw_err_t perr(parser_t *ps, size_t col, const char *fmt, ...)
{
    va_list ap;
    tw_err_t err;

    va_start(ap, fmt);
    err = perr_at(ps, ps->line, col, fmt, ap);
    va_end(ap);
    return err;
}

/* An error found after the fact: on `line` (0: about the whole file). */
static tw_err_t perr_line(parser_t *ps, long line, size_t col, const char *fmt, ...)
{
    va_list ap;
    tw_err_t err;

    va_start(ap, fmt);
    err = perr_at(ps, line, col, fmt, ap);
    va_end(ap);
    return err;
}

static void set_field(parser_t *ps, const char *s, size_t len)
{
    ps->field = s;
    ps->field_len = len;
}

/* At most 60 bytes of s, cut on a UTF-8 boundary, for messages. */
static int clip(const char *s, size_t len)
{
    size_t n = len > 60 ? 60 : len;

    while (n < len && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return (int)n;
}

static int is_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static int is_comment(char ch)
{
    return ch == '#' || ch == ';';
}

static size_t skip_blanks(const parser_t *ps, size_t i)
{
    while (i < ps->len && is_blank(ps->s[i]))
        i++;
    return i;
}


/* [a-z][a-z0-9_]*, at most MAX_NAME bytes: section ids and keys. */
static int is_name(const char *s, size_t len)
{
    size_t k;

    if (len == 0 || len > MAX_NAME || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (k = 1; k < len; k++)
        if (!((s[k] >= 'a' && s[k] <= 'z') || is_digit(s[k]) || s[k] == '_'))
            return 0;
    return 1;
}

static int eq(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(s, word, len) == 0;
}

/*
 * Remembers `name` under the current section (`brackets`: a section header)
 * and fails when it was seen before; *first receives that line.
 */
static tw_err_t remember(parser_t *ps, const char *name, size_t len, int brackets,
                         long *first, int *dup)
{
    size_t n = 0;
    uint64_t *slot;
    int added;
    tw_err_t err;

    if (brackets) {
        ps->tmp[n++] = '[';
    } else {
        memcpy(ps->tmp, ps->secname, ps->secname_len);
        n = ps->secname_len;
        ps->tmp[n++] = '\0';
    }
    memcpy(ps->tmp + n, name, len); /* len <= MAX_LINE: fits (see tmp) */
    n += len;
    if ((err = strmap_put(&ps->seen, ps->tmp, n, (uint64_t)ps->line, &slot, &added, NULL)) !=
        TW_OK)
        return err;
    *dup = !added;
    *first = (long)*slot;
    return TW_OK;
}

/* A key seen twice in one section is an error at the key. */
static tw_err_t check_dup(parser_t *ps, const char *key, size_t klen, size_t kcol)
{
    long first;
    int dup;
    tw_err_t err;

    if ((err = remember(ps, key, klen, 0, &first, &dup)) != TW_OK)
        return err;
    if (!dup)
        return TW_OK;
    if (ps->sec == SEC_TOP)
        return perr(ps, kcol, "duplicate key '%.*s' (first at line %ld)", clip(key, klen), key,
                    first);
    return perr(ps, kcol, "duplicate key '%.*s' in [%s] (first at line %ld)", clip(key, klen),
                key, ps->secname, first);
}

/*
 * A decimal number: [+-]digits[.digits][(e|E)[+-]digits], finite. The
 * grammar is checked here, so strtod (under the "C" locale) only converts.
 */
static tw_err_t parse_number(parser_t *ps, const char *s, size_t len, size_t col, double *out)
{
    char buf[MAX_LINE + 1], *end;
    size_t k = 0, d;
    locale_t old;
    double v;

    if (k < len && (s[k] == '+' || s[k] == '-'))
        k++;
    for (d = k; k < len && is_digit(s[k]); k++)
        ;
    if (k == d)
        goto bad;
    if (k < len && s[k] == '.') {
        for (d = ++k; k < len && is_digit(s[k]); k++)
            ;
        if (k == d)
            goto bad;
    }
    if (k < len && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        if (k < len && (s[k] == '+' || s[k] == '-'))
            k++;
        for (d = k; k < len && is_digit(s[k]); k++)
            ;
        if (k == d)
            goto bad;
    }
    if (k != len || len > MAX_LINE)
        goto bad;
    memcpy(buf, s, len);
    buf[len] = '\0';
    old = uselocale(ps->cloc);
    v = strtod(buf, &end);
    uselocale(old);
    if (end != buf + len)
        goto bad;
    if (!isfinite(v))
        return perr(ps, col, "'%.*s' is not a finite number", clip(s, len), s);
    *out = v == 0.0 ? 0.0 : v; /* no -0.0 (invariant 1) */
    return TW_OK;
bad:
    return perr(ps, col, "'%.*s' is not a number (expected a decimal such as 2.5 or 40)",
                clip(s, len), s);
}

/* A number within [min, max]; `what` names it in the message. */
static tw_err_t parse_ranged(parser_t *ps, const char *s, size_t len, size_t col, double min,
                             double max, const char *what, double *out)
{
    tw_err_t err = parse_number(ps, s, len, col, out);

    if (err != TW_OK)
        return err;
    if (*out < min || *out > max)
        return perr(ps, col, "%s must be between %g and %g, not %.*s", what, min, max,
                    clip(s, len), s);
    return TW_OK;
}

static tw_err_t add_param(parser_t *ps, const char *key, size_t klen, double v)
{
    param_t p;

    p.ind = ps->ind;
    p.key = arena_strndup(&ps->c->arena, key, klen);
    p.v = v;
    if (!p.key)
        return TW_ENOMEM;
    return buf_add(&ps->params, &p, sizeof(p));
}

static tw_err_t entry_top(parser_t *ps, const char *k, size_t klen, size_t kcol,
                          const char *v, size_t vlen, size_t vcol)
{
    size_t i;
    tw_err_t err;

    if (!eq(k, klen, "version"))
        return perr(ps, kcol, "unknown key '%.*s' before the first section (only version "
                              "goes there)",
                    clip(k, klen), k);
    if ((err = check_dup(ps, k, klen, kcol)) != TW_OK)
        return err;
    if (vlen > MAX_VERSION)
        return perr(ps, vcol, "version longer than %zu bytes", MAX_VERSION);
    for (i = 0; i < vlen; i++) {
        char ch = v[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) ||
              ch == '.' || ch == '-' || ch == '_' || ch == '+' || ch == ':'))
            return perr(ps, vcol + i, "a version holds letters, digits and . - _ + : only");
    }
    memcpy(ps->c->version, v, vlen);
    ps->c->version[vlen] = '\0';
    ps->have_version = 1;
    return TW_OK;
}

static tw_err_t entry_wage(parser_t *ps, const char *k, size_t klen, size_t kcol,
                           const char *v, size_t vlen, size_t vcol)
{
    const wage_t *w = (const wage_t *)(const void *)ps->wages.p;
    size_t n = ps->wages.len / sizeof(wage_t);
    const char *why = "";
    char last[11];
    wage_t e;
    tw_err_t err;

    if (value_date(k, klen, &e.day, &why) != TW_OK)
        return perr(ps, kcol, "'%.*s' is not a date: %s (expected YYYY-MM-DD)", clip(k, klen), k,
                    why);
    if ((err = check_dup(ps, k, klen, kcol)) != TW_OK)
        return err;
    if (n > 0 && e.day <= w[n - 1].day) {
        value_format_date(w[n - 1].day, last);
        return perr(ps, kcol, "dates in [minimum_wage] must increase: %.*s comes after %s",
                    clip(k, klen), k, last);
    }
    if (value_uint(v, vlen, MAX_WAGE, &e.amount, &why) != TW_OK || e.amount < 1)
        return perr(ps, vcol,
                    "a minimum wage is a whole number of AMD from 1 to %lld, not '%.*s'",
                    (long long)MAX_WAGE, clip(v, vlen), v);
    return buf_add(&ps->wages, &e, sizeof(e));
}

static tw_err_t entry_levels(parser_t *ps, const char *k, size_t klen, size_t kcol,
                             const char *v, size_t vlen, size_t vcol)
{
    size_t i;
    tw_err_t err;

    for (i = 0; i < NLEVELS; i++)
        if (eq(k, klen, level_keys[i]))
            break;
    if (i == NLEVELS)
        return perr(ps, kcol, "unknown key '%.*s' in [levels] (expected low, medium or high)",
                    clip(k, klen), k);
    if ((err = check_dup(ps, k, klen, kcol)) != TW_OK ||
        (err = parse_ranged(ps, v, vlen, vcol, 0.0, 100.0, level_keys[i],
                            &ps->c->level[i])) != TW_OK)
        return err;
    ps->level_line[i] = ps->line;
    ps->level_col[i] = vcol;
    return TW_OK;
}

static tw_err_t entry_score(parser_t *ps, const char *k, size_t klen, size_t kcol,
                            const char *v, size_t vlen, size_t vcol)
{
    size_t i;
    tw_err_t err;

    for (i = 0; i < NSCORE; i++)
        if (eq(k, klen, score_keys[i].key))
            break;
    if (i == NSCORE)
        return perr(ps, kcol,
                    "unknown key '%.*s' in [score] (expected prior, vulnerability_max_factor, "
                    "rollup_weight, rollup_min_applications or prior_KIND for a kind of "
                    "entity: application, worker, employer, intermediary, address, phone)",
                    clip(k, klen), k);
    if ((err = check_dup(ps, k, klen, kcol)) != TW_OK ||
        (err = parse_ranged(ps, v, vlen, vcol, score_keys[i].min, score_keys[i].max,
                            score_keys[i].key, &ps->c->score[i])) != TW_OK)
        return err;
    ps->c->has_score[i] = 1;
    return TW_OK;
}

/* `KEY = pP [within DIM,DIM...]`: the P-th percentile (0..100) of the
 * register's own distribution of what KEY bounds, within groups of the
 * dimensions named (sector, region, year; each once; none: the whole
 * register). Stored as the parameter "KEY.rel" (a name no file can write)
 * worth P + 1000 x the dimension bits (config_indicator_rel), so it
 * enters the digest like any parameter. weight, enabled and the
 * counts-as-threshold keys that are not numbers of the register cannot be
 * relative: the indicator says which keys it reads so (engine.md). */
static tw_err_t entry_relative(parser_t *ps, const char *k, size_t klen, const char *v,
                               size_t vlen, size_t vcol)
{
    static const char *const dim_names[3] = {"sector", "region", "year"};
    char key[MAX_NAME + 8];
    size_t i = 1, j;
    unsigned dims = 0;
    double pct;
    tw_err_t err;

    if (eq(k, klen, "weight") || (klen > 7 && memcmp(k, "weight_", 7) == 0))
        return perr(ps, vcol, "%.*s cannot be a percentile (it is a log-odds, not a threshold)",
                    clip(k, klen), k);
    while (i < vlen && v[i] != ' ' && v[i] != '\t')
        i++;
    if ((err = parse_number(ps, v + 1, i - 1, vcol + 1, &pct)) != TW_OK)
        return err;
    if (pct < 0 || pct > 100)
        return perr(ps, vcol + 1, "a percentile must be between 0 and 100, not %.*s",
                    clip(v + 1, i - 1), v + 1);
    while (i < vlen && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (i < vlen) {
        if (vlen - i < 7 || memcmp(v + i, "within", 6) != 0 || (v[i + 6] != ' ' && v[i + 6] != '\t'))
            return perr(ps, vcol + i,
                        "after the percentile: 'within' and dimensions (sector, region, year), "
                        "not '%.*s'",
                        clip(v + i, vlen - i), v + i);
        i += 6;
        for (;;) {
            size_t s0;
            int d = -1;
            while (i < vlen && (v[i] == ' ' || v[i] == '\t'))
                i++;
            for (s0 = i; i < vlen && v[i] != ',' && v[i] != ' ' && v[i] != '\t'; i++)
                ;
            for (j = 0; j < 3; j++)
                if (eq(v + s0, i - s0, dim_names[j]))
                    d = (int)j;
            if (d < 0)
                return perr(ps, vcol + s0,
                            "'%.*s' is not a dimension (sector, region or year)",
                            clip(v + s0, i - s0), v + s0);
            if (dims & (1u << d))
                return perr(ps, vcol + s0, "%s is named twice", dim_names[d]);
            dims |= 1u << d;
            while (i < vlen && (v[i] == ' ' || v[i] == '\t'))
                i++;
            if (i == vlen)
                break;
            if (v[i] != ',')
                return perr(ps, vcol + i, "dimensions are separated by commas, not '%c'", v[i]);
            i++;
        }
    }
    snprintf(key, sizeof(key), "%.*s.rel", (int)klen, k);
    return add_param(ps, key, strlen(key), pct + 1000.0 * dims);
}

static tw_err_t entry_indicator(parser_t *ps, const char *k, size_t klen, size_t kcol,
                                const char *v, size_t vlen, size_t vcol)
{
    double x;
    tw_err_t err;

    if (!is_name(k, klen))
        return perr(ps, kcol,
                    "'%.*s' is not a parameter name (a lower-case letter, then letters, "
                    "digits or '_', at most %zu)",
                    clip(k, klen), k, MAX_NAME);
    if ((err = check_dup(ps, k, klen, kcol)) != TW_OK)
        return err;
    if (eq(k, klen, "enabled")) {
        if (eq(v, vlen, "true"))
            x = 1.0;
        else if (eq(v, vlen, "false"))
            x = 0.0;
        else
            return perr(ps, vcol, "enabled must be true or false, not '%.*s'", clip(v, vlen),
                        v);
        return add_param(ps, k, klen, x);
    }
    if (vlen > 0 && v[0] == 'p') /* relative: "p05 within sector,region,year" */
        return entry_relative(ps, k, klen, v, vlen, vcol);
    if ((err = parse_number(ps, v, vlen, vcol, &x)) != TW_OK)
        return err;
    if (x < 0.0)
        return perr(ps, vcol, "%.*s must not be negative, not %.*s", clip(k, klen), k,
                    clip(v, vlen), v);
    if ((eq(k, klen, "weight") || (klen > 7 && memcmp(k, "weight_", 7) == 0)) &&
        x > MAX_WEIGHT)
        return perr(ps, vcol, "%.*s must be at most %g (log-odds), not %.*s", clip(k, klen), k,
                    MAX_WEIGHT, clip(v, vlen), v);
    if (x > MAX_PARAM)
        return perr(ps, vcol, "%.*s must be at most %g, not %.*s", clip(k, klen), k, MAX_PARAM,
                    clip(v, vlen), v);
    return add_param(ps, k, klen, x);
}

/* "2653, 5131, 93": ISCO unit groups (4 digits) or their prefixes (1-3). */
static tw_err_t entry_mismatch(parser_t *ps, const char *k, size_t klen, size_t kcol,
                               const char *v, size_t vlen, size_t vcol)
{
    /* one bit per possible code of each length: 10 + 100 + 1000 + 10000 */
    static const int base[5] = { 0, 0, 10, 110, 1110 };
    static const int span[5] = { 0, 1000, 100, 10, 1 };
    unsigned char listed[(11110 + 7) / 8];
    unsigned char *bits;
    const char *why = "";
    size_t pos = 0, a, b, end, j;
    int div, code, idx, from, to;
    tw_err_t err;

    if (value_isic_division(k, klen, &why) != TW_OK)
        return perr(ps, kcol, "'%.*s' is not a 2-digit ISIC division: %s", clip(k, klen), k,
                    why);
    if ((err = check_dup(ps, k, klen, kcol)) != TW_OK)
        return err;
    div = (k[0] - '0') * 10 + (k[1] - '0');
    if ((bits = arena_alloc(&ps->c->arena, ISCO_BYTES)) == NULL)
        return TW_ENOMEM;
    memset(bits, 0, ISCO_BYTES);
    memset(listed, 0, sizeof(listed));
    for (;;) {
        for (end = pos; end < vlen && v[end] != ','; end++)
            ;
        for (a = pos; a < end && is_blank(v[a]); a++)
            ;
        for (b = end; b > a && is_blank(v[b - 1]); b--)
            ;
        if (a == b)
            return perr(ps, vcol + a, "empty item in the list of ISCO codes");
        for (j = a; j < b && is_digit(v[j]); j++)
            ;
        if (j < b || b - a > 4)
            return perr(ps, vcol + a, "'%.*s' is not an ISCO-08 code or prefix (1 to 4 digits)",
                        clip(v + a, b - a), v + a);
        if (b - a == 4 && value_isco(v + a, 4, &why) != TW_OK)
            return perr(ps, vcol + a, "'%.*s': %s", clip(v + a, b - a), v + a, why);
        for (code = 0, j = a; j < b; j++)
            code = code * 10 + (v[j] - '0');
        idx = base[b - a] + code;
        if (listed[idx >> 3] & (1u << (idx & 7)))
            return perr(ps, vcol + a, "'%.*s' is listed twice for division %02d",
                        clip(v + a, b - a), v + a, div);
        listed[idx >> 3] = (unsigned char)(listed[idx >> 3] | (1u << (idx & 7)));
        from = code * span[b - a];
        for (to = from + span[b - a]; from < to; from++)
            bits[from >> 3] = (unsigned char)(bits[from >> 3] | (1u << (from & 7)));
        if (end == vlen)
            break;
        pos = end + 1;
    }
    ps->c->mismatch[div] = bits;
    return TW_OK;
}

static int is_known(const char *const *known, const char *id, size_t len)
{
    for (; *known; known++)
        if (eq(id, len, *known))
            return 1;
    return 0;
}

static tw_err_t entry_cases(parser_t *ps, const char *k, size_t klen, size_t kcol,
                            const char *v, size_t vlen, size_t vcol)
{
    size_t i;
    double d;
    tw_err_t err;

    for (i = 0; i < NCASES; i++)
        if (eq(k, klen, cases_keys[i].key))
            break;
    if (i == NCASES)
        return perr(ps, kcol,
                    "unknown key '%.*s' in [cases] (expected preid_days, reflection_days, "
                    "retention_days, state_payment_amd or attachment_max_bytes)",
                    clip(k, klen), k);
    if ((err = check_dup(ps, k, klen, kcol)) != TW_OK ||
        (err = parse_ranged(ps, v, vlen, vcol, cases_keys[i].min, cases_keys[i].max,
                            cases_keys[i].key, &d)) != TW_OK)
        return err;
    if (d != (double)(int64_t)d)
        return perr(ps, vcol, "%s is a whole number, not %.*s", cases_keys[i].key,
                    clip(v, vlen), v);
    ps->c->cases[i] = d;
    ps->c->has_cases[i] = 1;
    return TW_OK;
}

/* [link]: the linker's options, read by `tipwatch link --config` through
 * link/link_config.c, so that one deployment file holds both. The engine
 * neither keeps nor hashes them (alerts depend on the persons stored, not on
 * the options that made them); it checks the key and that the value is a
 * number, so a typo fails here as it would there. The ranges are
 * link_config.c's to check. */
static tw_err_t entry_link(parser_t *ps, const char *k, size_t klen, size_t kcol,
                           const char *v, size_t vlen, size_t vcol)
{
    static const char *const keys[] = {"threshold", "review_low", "veto", "block_cap"};
    size_t i;
    double d;
    tw_err_t err;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (eq(k, klen, keys[i]))
            break;
    if (i == sizeof(keys) / sizeof(keys[0]))
        return perr(ps, kcol,
                    "unknown key '%.*s' in [link] (expected threshold, review_low, veto "
                    "or block_cap)",
                    clip(k, klen), k);
    if ((err = check_dup(ps, k, klen, kcol)) != TW_OK)
        return err;
    return parse_number(ps, v, vlen, vcol, &d);
}

/* [minimum_wage], [levels], [score], [mismatch], [cases], [link] or [indicator ID];
 * s[i] == '['. */
static tw_err_t parse_section(parser_t *ps, size_t i)
{
    size_t wstart, wlen, istart = 0, ilen = 0, n;
    section_t sec;
    long first;
    int dup;
    tw_err_t err;

    i = skip_blanks(ps, i + 1);
    wstart = i;
    while (i < ps->len && !is_blank(ps->s[i]) && ps->s[i] != ']')
        i++;
    wlen = i - wstart;
    set_field(ps, ps->s + wstart, wlen);
    i = skip_blanks(ps, i);
    if (eq(ps->s + wstart, wlen, "minimum_wage")) {
        sec = SEC_WAGE;
    } else if (eq(ps->s + wstart, wlen, "levels")) {
        sec = SEC_LEVELS;
    } else if (eq(ps->s + wstart, wlen, "score")) {
        sec = SEC_SCORE;
    } else if (eq(ps->s + wstart, wlen, "mismatch")) {
        sec = SEC_MISMATCH;
    } else if (eq(ps->s + wstart, wlen, "cases")) {
        sec = SEC_CASES;
    } else if (eq(ps->s + wstart, wlen, "link")) {
        sec = SEC_LINK;
    } else if (eq(ps->s + wstart, wlen, "indicator")) {
        sec = SEC_INDICATOR;
        istart = i;
        while (i < ps->len && !is_blank(ps->s[i]) && ps->s[i] != ']')
            i++;
        ilen = i - istart;
        if (ilen == 0)
            return perr(ps, istart, "[indicator] needs the indicator id, as in "
                                    "[indicator wage_below_minimum]");
        set_field(ps, ps->s + istart, ilen);
        if (!is_name(ps->s + istart, ilen))
            return perr(ps, istart,
                        "'%.*s' is not an indicator id (a lower-case letter, then letters, "
                        "digits or '_', at most %zu)",
                        clip(ps->s + istart, ilen), ps->s + istart, MAX_NAME);
        if (ps->known && !is_known(ps->known, ps->s + istart, ilen))
            return perr(ps, istart, "unknown indicator '%.*s'", clip(ps->s + istart, ilen),
                        ps->s + istart);
        i = skip_blanks(ps, i);
    } else {
        return perr(ps, wstart,
                    "unknown section [%.*s] (expected minimum_wage, levels, score, "
                    "mismatch, cases, link or indicator ID)",
                    clip(ps->s + wstart, wlen), ps->s + wstart);
    }
    if (i == ps->len || ps->s[i] != ']')
        return perr(ps, i, "expected ']'");
    i = skip_blanks(ps, i + 1);
    if (i < ps->len && !is_comment(ps->s[i]))
        return perr(ps, i, "unexpected text after the section header");

    /* the canonical name: "levels", "indicator wage_below_minimum" */
    n = wlen; /* both parts are checked names: at most 12 + 1 + MAX_NAME bytes */
    memcpy(ps->secname, ps->s + wstart, wlen);
    if (sec == SEC_INDICATOR) {
        ps->secname[n++] = ' ';
        memcpy(ps->secname + n, ps->s + istart, ilen);
        n += ilen;
    }
    ps->secname[n] = '\0';
    ps->secname_len = n;
    if ((err = remember(ps, ps->secname, n, 1, &first, &dup)) != TW_OK)
        return err;
    set_field(ps, ps->secname, n);
    if (dup)
        return perr(ps, wstart, "section [%s] appears twice (first at line %ld)", ps->secname,
                    first);
    ps->sec = sec;
    if (sec == SEC_INDICATOR &&
        (ps->ind = arena_strndup(&ps->c->arena, ps->s + istart, ilen)) == NULL)
        return TW_ENOMEM;
    if (sec == SEC_LEVELS)
        ps->levels_line = ps->line;
    return TW_OK;
}

/* KEY = VALUE [comment]; s[i] is the first non-blank, not '[' or a comment. */
static tw_err_t parse_entry(parser_t *ps, size_t i)
{
    size_t kstart = i, klen, vstart, vlen;
    const char *k, *v;

    while (i < ps->len && !is_blank(ps->s[i]) && ps->s[i] != '=' && !is_comment(ps->s[i]))
        i++;
    k = ps->s + kstart;
    klen = i - kstart;
    if (klen == 0)
        return perr(ps, kstart, "missing key before '='");
    set_field(ps, k, klen);
    i = skip_blanks(ps, i);
    if (i == ps->len || ps->s[i] != '=')
        return perr(ps, i, "expected '=' after '%.*s'", clip(k, klen), k);
    vstart = i = skip_blanks(ps, i + 1);
    while (i < ps->len && !is_comment(ps->s[i]))
        i++;
    v = ps->s + vstart;
    vlen = i - vstart;
    while (vlen > 0 && is_blank(v[vlen - 1]))
        vlen--;
    if (vlen == 0)
        return perr(ps, vstart, "missing value after '='");
    switch (ps->sec) {
    case SEC_TOP: return entry_top(ps, k, klen, kstart, v, vlen, vstart);
    case SEC_WAGE: return entry_wage(ps, k, klen, kstart, v, vlen, vstart);
    case SEC_LEVELS: return entry_levels(ps, k, klen, kstart, v, vlen, vstart);
    case SEC_SCORE: return entry_score(ps, k, klen, kstart, v, vlen, vstart);
    case SEC_INDICATOR: return entry_indicator(ps, k, klen, kstart, v, vlen, vstart);
    case SEC_MISMATCH: return entry_mismatch(ps, k, klen, kstart, v, vlen, vstart);
    case SEC_CASES: return entry_cases(ps, k, klen, kstart, v, vlen, vstart);
    case SEC_LINK: return entry_link(ps, k, klen, kstart, v, vlen, vstart);
    }
    return TW_EINTERNAL;
}

static tw_err_t parse_line(parser_t *ps)
{
    const char *nul;
    size_t bad, i;

    ps->field = NULL;
    if (ps->len > MAX_LINE)
        return perr(ps, MAX_LINE, "line longer than %zu bytes", MAX_LINE);
    if ((nul = memchr(ps->s, '\0', ps->len)) != NULL)
        return perr(ps, (size_t)(nul - ps->s), "NUL byte");
    if ((bad = norm_utf8_prefix(ps->s, ps->len)) < ps->len)
        return perr(ps, bad, "invalid UTF-8");
    i = skip_blanks(ps, 0);
    if (i == ps->len || is_comment(ps->s[i]))
        return TW_OK;
    if (ps->s[i] == '[')
        return parse_section(ps, i);
    return parse_entry(ps, i);
}

/* What only the whole file can tell: required parts, level order. The
 * [minimum_wage] table is optional, as config.h has it: without it
 * config_min_wage() answers -1 and no wage is compared. */
static tw_err_t check_file(parser_t *ps)
{
    size_t k, a, b, later;

    if (!ps->have_version) {
        set_field(ps, "version", 7);
        return perr_line(ps, 0, 0, "version is required, before the first section "
                                   "(as in version = 2026-11-23.1)");
    }
    for (k = 0; k < NLEVELS; k++) {
        if (ps->level_line[k])
            continue;
        if (!ps->levels_line) {
            set_field(ps, "levels", 6);
            return perr_line(ps, 0, 0, "the [levels] section is required (low, medium, high)");
        }
        set_field(ps, level_keys[k], strlen(level_keys[k]));
        return perr_line(ps, ps->levels_line, 0, "[levels] has no %s", level_keys[k]);
    }
    for (a = 0, b = 1; b < NLEVELS; a++, b++) {
        if (ps->c->level[a] < ps->c->level[b])
            continue;
        later = ps->level_line[a] > ps->level_line[b] ? a : b;
        set_field(ps, level_keys[later], strlen(level_keys[later]));
        return perr_line(ps, ps->level_line[later], ps->level_col[later],
                         "levels must increase: %s %g is not below %s %g", level_keys[a],
                         ps->c->level[a], level_keys[b], ps->c->level[b]);
    }
    return TW_OK;
}

static int param_cmp(const void *x, const void *y)
{
    const param_t *p = x, *q = y;
    int cmp = strcmp(p->ind, q->ind);

    return cmp ? cmp : strcmp(p->key, q->key);
}

/* Copies the collected arrays into the arena, sorted and indexed. */
static tw_err_t finish(parser_t *ps)
{
    config_t *c = ps->c;
    param_t *params;
    ind_t *inds;
    wage_t *wages;
    size_t i, n, ninds;

    c->nwages = ps->wages.len / sizeof(wage_t);
    if ((wages = arena_alloc(&c->arena, c->nwages ? ps->wages.len : 1)) == NULL)
        return TW_ENOMEM;
    if (c->nwages)
        memcpy(wages, ps->wages.p, ps->wages.len);
    c->wages = wages;

    n = ps->params.len / sizeof(param_t);
    params = arena_alloc(&c->arena, n ? ps->params.len : 1);
    if (!params)
        return TW_ENOMEM;
    if (n)
        memcpy(params, ps->params.p, ps->params.len);
    qsort(params, n, sizeof(*params), param_cmp);
    for (ninds = 0, i = 0; i < n; i++)
        ninds += (size_t)(i == 0 || strcmp(params[i - 1].ind, params[i].ind) != 0);
    if ((inds = arena_alloc(&c->arena, (ninds ? ninds : 1) * sizeof(*inds))) == NULL)
        return TW_ENOMEM;
    for (ninds = 0, i = 0; i < n; i++) {
        if (i == 0 || strcmp(params[i - 1].ind, params[i].ind) != 0) {
            inds[ninds].id = params[i].ind;
            inds[ninds].first = i;
            inds[ninds].n = 0;
            ninds++;
        }
        inds[ninds - 1].n++;
    }
    c->params = params;
    c->nparams = n;
    c->inds = inds;
    c->ninds = ninds;
    c->digest = digest(c);
    return TW_OK;
}

tw_err_t config_parse(const char *text, size_t len, const char *name,
                      const char *const *known, config_t **out, tw_errinfo_t *ei)
{
    config_t *c = NULL;
    parser_t *ps = NULL;
    size_t pos = 0, eol;
    tw_err_t err = TW_ENOMEM;

    *out = NULL;
    tw_errinfo_clear(ei);
    tw_errinfo_file(ei, name);
    if (len > MAX_FILE)
        return tw_errinfo_set(ei, TW_EINPUT, "config file larger than %zu bytes", MAX_FILE);
    c = calloc(1, sizeof(*c));
    ps = calloc(1, sizeof(*ps)); /* ~8 KiB of buffers: off the stack */
    if (!c || !ps)
        goto out;
    arena_init(&c->arena, 16 * 1024);
    strmap_init(&ps->seen);
    buf_init(&ps->wages, MAX_ENTRIES * sizeof(wage_t));
    buf_init(&ps->params, MAX_ENTRIES * sizeof(param_t));
    if ((ps->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0)) == (locale_t)0)
        goto out;
    ps->c = c;
    ps->ei = ei;
    ps->known = known;
    ps->sec = SEC_TOP;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    /* lines end at LF, CRLF or a lone CR, as in csv.c and mapping.c */
    while (pos < len) {
        for (eol = pos; eol < len && text[eol] != '\n' && text[eol] != '\r'; eol++)
            ;
        ps->line++;
        ps->s = text + pos;
        ps->len = eol - pos;
        if ((err = parse_line(ps)) != TW_OK)
            goto out;
        pos = eol;
        if (pos < len && text[pos++] == '\r' && pos < len && text[pos] == '\n')
            pos++;
    }
    if ((err = check_file(ps)) != TW_OK || (err = finish(ps)) != TW_OK)
        goto out;
    *out = c;
    c = NULL;
out:
    if (err == TW_ENOMEM || err == TW_ETOOBIG) {
        err = TW_ENOMEM; /* TW_ETOOBIG: a buffer limit the file limit keeps out of reach */
        tw_errinfo_set(ei, err, "out of memory");
    }
    if (ps) {
        strmap_free(&ps->seen);
        buf_free(&ps->wages);
        buf_free(&ps->params);
        if (ps->cloc != (locale_t)0)
            freelocale(ps->cloc);
        free(ps);
    }
    config_free(c);
    return err;
}

tw_err_t config_load_file(const char *path, const char *const *known, config_t **out,
                          tw_errinfo_t *ei)
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
        tw_errinfo_set(ei, err, "cannot read the config file: %s", strerror(sys_errno));
    } else if (err != TW_OK) {
        tw_errinfo_set(ei, err, "out of memory");
    } else {
        err = config_parse(buf_str(&b), b.len, path, known, out, ei);
    }
    buf_free(&b);
    return err;
}

/* ---- the built-in configuration --------------------------------------- */

/*
 * The same values as docs/tipwatch.conf, which explains each of them;
 * tests/test_config.c checks that both give one digest. Parsing this text
 * rather than filling the struct by hand puts the default through every
 * check a file goes through.
 */
static const char default_text[] =
    "version = 2026-12-07.1\n"
    "[minimum_wage]\n"
    "1900-01-01 = 55000\n"
    "2020-01-01 = 68000\n"
    "2023-01-01 = 75000\n"
    "[levels]\n"
    "low = 25\n"
    "medium = 60\n"
    "high = 85\n"
    "[score]\n"
    "prior = -4.0\n"
    "vulnerability_max_factor = 1.5\n"
    "rollup_weight = 1.0\n"
    "rollup_min_applications = 2\n"
    "[indicator wage_below_minimum]\n"
    "weight = 2.5\n"
    "[indicator wage_far_below_peers]\n"
    "weight = 1.5\nratio = 0.6\nmin_peers = 20\n"
    "[indicator hours_over_legal]\n"
    "weight = 0.5\nhours = 40\n"
    "[indicator hours_excessive]\n"
    "weight = 1.5\nhours = 48\n"
    "[indicator crowded_residence]\n"
    "weight = 2.0\nmin_workers = 8\n"
    "[indicator residence_is_workplace]\n"
    "weight = 1.0\n"
    "[indicator shared_employer_address]\n"
    "weight = 1.0\nmin_employers = 3\n"
    "[indicator shared_phone]\n"
    "weight = 1.5\nmin_workers = 3\n"
    "[indicator phone_across_employers]\n"
    "weight = 1.0\nmin_employers = 2\n"
    "[indicator intermediary_share]\n"
    "weight = 1.0\nshare = 0.8\nmin_applications = 10\n"
    "[indicator intermediary_spike]\n"
    "weight = 1.0\nfactor = 5\nwindow_days = 30\n"
    "[indicator permits_over_headcount]\n"
    "weight = 1.5\nratio = 3\n"
    "[indicator new_employer_many_permits]\n"
    "weight = 1.5\ndays = 180\nmin_applications = 10\n"
    "[indicator occupation_sector_mismatch]\n"
    "weight = 1.5\n"
    "[indicator minor_worker]\n"
    "weight = 3.0\n"
    "[indicator young_one_sex_entertainment]\n"
    "weight = 0\nfactor = 1.3\nmax_age = 25\nshare = 0.8\n"
    "[indicator rapid_transfers]\n"
    "weight = 1.0\nemployers = 3\ndays = 365\n"
    "[indicator never_entered]\n"
    "weight = 1.0\ngrace_days = 90\n"
    "[indicator exit_reentry]\n"
    "weight = 0.5\ncycles = 2\n"
    "[indicator prior_violations]\n"
    "weight = 2.0\n"
    "[indicator reports_touching_employer]\n"
    "weight = 2.0\n"
    "[indicator reports_touching_address]\n"
    "weight = 2.0\n"
    "[indicator reports_touching_phone]\n"
    "weight = 2.0\n"
    "[indicator reports_touching_worker]\n"
    "weight = 2.0\n"
    "[indicator employer_peer_anomaly]\n"
    "weight = 0.0\n"
    "min_peers = 20\n"
    "feature_z = 2\n"
    "min_features = 2\n"
    "z = 4\n"
    "[mismatch]\n"
    "01 = 2653\n"
    "41 = 2653, 5142, 5169\n"
    "42 = 2653, 5142, 5169\n"
    "43 = 2653, 5142, 5169\n"
    "62 = 9313, 2653\n"
    "86 = 2653\n"
    "97 = 9313, 7112, 2653\n"
    "[cases]\n"
    "preid_days = 10\n"
    "reflection_days = 30\n"
    "retention_days = 1826\n"
    "state_payment_amd = 250000\n"
    "attachment_max_bytes = 10485760\n";

static config_t *builtin;
static tw_err_t builtin_err;

static void parse_builtin(void)
{
    builtin_err = config_default(&builtin);
}

const char *config_builtin_text(size_t *len)
{
    *len = sizeof(default_text) - 1;
    return default_text;
}

const config_t *config_builtin(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, parse_builtin);
    return builtin_err == TW_OK ? builtin : NULL;
}

tw_err_t config_default(config_t **out)
{
    tw_errinfo_t ei;
    tw_err_t err = config_parse(default_text, sizeof(default_text) - 1, "built-in default",
                                NULL, out, &ei);

    /* The text above is ours: a parse error in it is a bug, not user input. */
    return err == TW_EINPUT ? TW_EINTERNAL : err;
}
