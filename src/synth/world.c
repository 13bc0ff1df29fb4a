/*
 * world.c - the parameters of a synthetic world (synth_world_t, synth.h):
 * defaults, range checks, and reading them from text (`--world FILE`
 * lines and command-line flags).
 *
 * Data: a table of the keys with their ranges; the nationality codes come
 * from population.c's synth_nats. How each parameter acts on the output is
 * in the piece that writes it (population.c: nationality mix, wages,
 * employer sizes, intermediaries; schemes.c: prevalence; output.c: labels)
 * and in docs/internals/synth.md.
 *
 * Invariants: a rejected value leaves the world unchanged; every message
 * names the key and the accepted range. No allocation survives a call
 * (synth_world_load frees its buffer). Pure functions of their arguments;
 * thread-safe.
 */
#include "synth/synth_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

_Static_assert(NNAT <= SYNTH_NAT_MAX, "SYNTH_NAT_MAX in synth.h is too small");

#define WORLD_FILE_MAX (64 * 1024)

enum { K_MIX, K_WAGE, K_TAIL, K_APE, K_AGENCY, K_SCHEMES, K_LSHARE, K_LNOISE, K_CONFIRMED,
       NKEYS };

static const struct {
    const char *key;
    double lo, hi;
} keys[NKEYS] = {
    {"nationality_mix", 0, 0},     {"wage_level", 0.2, 5.0},
    {"employer_tail", 0.5, 4.0},   {"apps_per_employer", 2.0, 500.0},
    {"intermediary_share", 0, 0.95}, {"scheme_prevalence", 0.1, 20.0},
    {"label_share", 0, 1.0},       {"label_noise", 0, 0.5},
    {"confirmed_only", 0, 1},
};

void synth_world_default(synth_world_t *w)
{
    memset(w, 0, sizeof(*w));
    w->wage_level = 1.0;
    w->employer_tail = 1.15;
    w->apps_per_employer = 11.5;
    w->intermediary_share = -1.0;
    w->scheme_prevalence = 1.0;
    w->label_share = 1.0;
    w->label_noise = 0.0;
    w->confirmed_only = 0;
}

const char *synth_world_nat_code(int i)
{
    return i >= 0 && i < NNAT ? synth_nats[i].iso : NULL;
}

static double *field_of(synth_world_t *w, int k)
{
    switch (k) {
    case K_WAGE: return &w->wage_level;
    case K_TAIL: return &w->employer_tail;
    case K_APE: return &w->apps_per_employer;
    case K_AGENCY: return &w->intermediary_share;
    case K_SCHEMES: return &w->scheme_prevalence;
    case K_LSHARE: return &w->label_share;
    case K_LNOISE: return &w->label_noise;
    default: return NULL;
    }
}

static tw_err_t bad(tw_errinfo_t *ei, int k, const char *fmt, const char *what)
{
    tw_errinfo_set(ei, TW_EINPUT, fmt, keys[k].key, what);
    tw_errinfo_field(ei, keys[k].key);
    return TW_EINPUT;
}

static tw_err_t range_err(tw_errinfo_t *ei, int k, double v)
{
    tw_errinfo_set(ei, TW_EINPUT, "synth world: %s must be %g..%g, not %g", keys[k].key,
                   keys[k].lo, keys[k].hi, v);
    tw_errinfo_field(ei, keys[k].key);
    return TW_EINPUT;
}

tw_err_t synth_world_check(const synth_world_t *w, tw_errinfo_t *ei)
{
    synth_world_t t = *w;
    int k, n;

    for (n = 0; n < SYNTH_NAT_MAX; n++) {
        double x = w->nat_weight[n];
        if (!(x >= 0 && x <= 1e9) || (x > 0 && n >= NNAT)) {
            tw_errinfo_set(ei, TW_EINPUT,
                           "synth world: nationality_mix weight %d must be 0..1e9 and name "
                           "a known citizenship",
                           n);
            tw_errinfo_field(ei, "nationality_mix");
            return TW_EINPUT;
        }
    } /* all zero is the default mix */
    for (k = 0; k < NKEYS; k++) {
        double *f = field_of(&t, k);
        if (!f)
            continue;
        if (k == K_AGENCY && *f < 0 && *f == *f)
            continue; /* the default world's share */
        if (!(*f >= keys[k].lo && *f <= keys[k].hi))
            return range_err(ei, k, *f);
    }
    if (w->confirmed_only != 0 && w->confirmed_only != 1) {
        tw_errinfo_set(ei, TW_EINPUT, "synth world: confirmed_only must be 0 or 1, not %d",
                       w->confirmed_only);
        tw_errinfo_field(ei, "confirmed_only");
        return TW_EINPUT;
    }
    return TW_OK;
}

/* A whole finite number, nothing after it but blanks. */
static int parse_num(const char *s, double *out)
{
    char *end;
    double v;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!*s)
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s)
        return -1;
    while (*end == ' ' || *end == '\t')
        end++;
    if (*end || v != v || v > 1e300 || v < -1e300)
        return -1;
    *out = v;
    return 0;
}

static tw_err_t parse_mix(synth_world_t *w, const char *v, tw_errinfo_t *ei)
{
    double wt[SYNTH_NAT_MAX];
    double sum = 0;
    const char *p = v;

    memset(wt, 0, sizeof(wt));
    while (*p) {
        char code[8], num[64];
        size_t n = 0, m = 0;
        int i, found = -1;
        double x;
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        while (*p && *p != '=' && *p != ':' && *p != ',' && n < sizeof(code) - 1)
            code[n++] = *p++;
        code[n] = '\0';
        while (n > 0 && (code[n - 1] == ' ' || code[n - 1] == '\t'))
            code[--n] = '\0';
        if (*p != '=' && *p != ':')
            return bad(ei, K_MIX, "synth world: %s: expected CODE=WEIGHT, as in "
                                  "IND=40,RUS=20, near '%s'", p[0] ? p : code);
        p++;
        while (*p && *p != ',' && m < sizeof(num) - 1)
            num[m++] = *p++;
        num[m] = '\0';
        for (i = 0; i < NNAT; i++)
            if (strcmp(synth_nats[i].iso, code) == 0)
                found = i;
        if (found < 0) {
            char known[4 * SYNTH_NAT_MAX + 1];
            sb_t kb;
            sb_init(&kb, known, sizeof(known));
            for (i = 0; i < NNAT; i++) {
                sb_adds(&kb, synth_nats[i].iso);
                if (i + 1 < NNAT)
                    sb_addc(&kb, ' ');
            }
            tw_errinfo_set(ei, TW_EINPUT,
                           "synth world: nationality_mix: unknown citizenship '%s' (known: %s)",
                           code, known);
            tw_errinfo_field(ei, "nationality_mix");
            return TW_EINPUT;
        }
        if (parse_num(num, &x) != 0 || !(x >= 0 && x <= 1e9))
            return bad(ei, K_MIX, "synth world: %s: the weight of %s must be a number 0..1e9",
                       code);
        if (wt[found] > 0)
            return bad(ei, K_MIX, "synth world: %s: %s is given twice", code);
        wt[found] = x;
        sum += x;
    }
    if (!(sum > 0))
        return bad(ei, K_MIX, "synth world: %s: %s",
                   "the weights must name at least one citizenship with a weight above 0");
    memcpy(w->nat_weight, wt, sizeof(wt));
    return TW_OK;
}

tw_err_t synth_world_set(synth_world_t *w, const char *key, const char *value,
                         tw_errinfo_t *ei)
{
    int k;
    double x;
    if (!key || !value)
        return tw_errinfo_set(ei, TW_EINPUT, "synth world: a key and a value are required");
    for (k = 0; k < NKEYS; k++)
        if (strcmp(keys[k].key, key) == 0)
            break;
    if (k == NKEYS) {
        tw_errinfo_set(ei, TW_EINPUT,
                       "synth world: unknown parameter '%.64s' (known: nationality_mix, "
                       "wage_level, employer_tail, apps_per_employer, intermediary_share, "
                       "scheme_prevalence, label_share, label_noise, confirmed_only)",
                       key);
        tw_errinfo_field(ei, "world");
        return TW_EINPUT;
    }
    if (k == K_MIX)
        return parse_mix(w, value, ei);
    if (k == K_CONFIRMED) {
        static const char *const yes[] = {"1", "yes", "true", "on"};
        static const char *const no[] = {"0", "no", "false", "off"};
        size_t i;
        for (i = 0; i < NELEM(yes); i++) {
            if (strcmp(value, yes[i]) == 0) {
                w->confirmed_only = 1;
                return TW_OK;
            }
            if (strcmp(value, no[i]) == 0) {
                w->confirmed_only = 0;
                return TW_OK;
            }
        }
        return bad(ei, k, "synth world: %s must be yes or no, not '%.64s'", value);
    }
    if (parse_num(value, &x) != 0)
        return bad(ei, k, "synth world: %s must be a number, not '%.64s'", value);
    if (!(x >= keys[k].lo && x <= keys[k].hi))
        return range_err(ei, k, x);
    *field_of(w, k) = x;
    return TW_OK;
}

tw_err_t synth_world_load(synth_world_t *w, const char *path, tw_errinfo_t *ei)
{
    tw_buf_t b;
    synth_world_t t = *w;
    int seen[NKEYS] = {0}, sys = 0;
    long line = 0;
    char *p, *next;
    tw_err_t err;

    buf_init(&b, WORLD_FILE_MAX);
    err = buf_read_file(&b, path, &sys);
    if (err == TW_OK && b.len >= WORLD_FILE_MAX)
        err = TW_ETOOBIG;
    if (err != TW_OK) { /* the user named the file: a user error, unless memory ran out */
        tw_err_t ret = err == TW_ENOMEM ? TW_ENOMEM : TW_EINPUT;
        tw_errinfo_set(ei, ret, "synth world: cannot read %s: %s", path,
                       err == TW_ETOOBIG ? "larger than 64 KB"
                       : sys              ? strerror(sys)
                                          : tw_strerror(err));
        tw_errinfo_file(ei, path);
        buf_free(&b);
        return ret;
    }
    for (p = b.len ? b.p : (char *)""; *p; p = next) {
        char *eq, *k, *v, *e;
        int i;
        line++;
        next = strchr(p, '\n');
        if (next)
            *next++ = '\0';
        else
            next = p + strlen(p);
        if ((e = strchr(p, '#')) != NULL)
            *e = '\0';
        e = p + strlen(p);
        while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
            *--e = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            continue;
        if (!(eq = strchr(p, '='))) {
            tw_errinfo_set(ei, TW_EINPUT, "synth world: expected key = value");
            err = TW_EINPUT;
            break;
        }
        *eq = '\0';
        k = p;
        v = eq + 1;
        e = eq;
        while (e > k && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        while (*v == ' ' || *v == '\t')
            v++;
        for (i = 0; i < NKEYS; i++)
            if (strcmp(keys[i].key, k) == 0)
                break;
        if (i < NKEYS && seen[i]++) {
            tw_errinfo_set(ei, TW_EINPUT, "synth world: %s is given twice", k);
            err = TW_EINPUT;
            break;
        }
        if ((err = synth_world_set(&t, k, v, ei)) != TW_OK)
            break;
    }
    buf_free(&b);
    if (err != TW_OK) {
        if (ei) {
            tw_errinfo_file(ei, path);
            ei->line = line;
        }
        return err;
    }
    *w = t;
    return TW_OK;
}
