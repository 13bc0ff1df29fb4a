/*
 * nrm_stats.c - SDG 16.2.2, GLOTIP tables and the k-anonymous CTDC extract
 * from the NRM cases' coded profiles (nrm_stats.h; definitions in
 * docs/internals/stats.md, "National statistics").
 *
 * Data: the profiles (cases_profiles(), codes and years only) copied into
 * fixed-size rows; counts per cell; the population file as a small list.
 * Invariants:
 *   1. No count 1..4 is ever shown, nor one that follows from a total minus
 *      the cells shown (complementary suppression within each breakdown).
 *   2. The CTDC extract has no combination of its columns present fewer
 *      than k times (rows still rare after generalising are suppressed),
 *      and nrm_ctdc_check() verifies any such file.
 * Thread model: the caller's store_t; no global state.
 */
#include "stats/nrm_stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* ---- profiles ------------------------------------------------------------------ */

enum { Q_YEAR, Q_SEX, Q_AGE, Q_CIT, Q_COUNTRY, Q_EXPL, Q_CONTROL, Q_RECRUITER, Q_SECTOR, Q_N };

typedef struct {
    char q[Q_N][160];
    char decision[16], decision_year[8];
} prof_t;

typedef struct {
    prof_t *v;
    size_t n, cap;
} profs_t;

static void copy(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s ? s : "");
}

static tw_err_t prof_add(void *ctx, const cases_profile_t *p)
{
    profs_t *x = ctx;
    prof_t *r;
    if (x->n == x->cap) {
        size_t ncap = x->cap ? 2 * x->cap : 64;
        prof_t *nv = realloc(x->v, ncap * sizeof(*nv));
        if (!nv)
            return TW_ENOMEM;
        x->v = nv;
        x->cap = ncap;
    }
    r = &x->v[x->n++];
    copy(r->q[Q_YEAR], sizeof(r->q[0]), p->year);
    copy(r->q[Q_SEX], sizeof(r->q[0]), p->sex);
    copy(r->q[Q_AGE], sizeof(r->q[0]), p->age_group);
    copy(r->q[Q_CIT], sizeof(r->q[0]), p->citizenship);
    copy(r->q[Q_COUNTRY], sizeof(r->q[0]), p->country_of_exploitation);
    copy(r->q[Q_EXPL], sizeof(r->q[0]), p->exploitation);
    copy(r->q[Q_CONTROL], sizeof(r->q[0]), p->means_of_control);
    copy(r->q[Q_RECRUITER], sizeof(r->q[0]), p->recruiter);
    copy(r->q[Q_SECTOR], sizeof(r->q[0]), p->labour_sector);
    copy(r->decision, sizeof(r->decision), p->decision);
    copy(r->decision_year, sizeof(r->decision_year), p->decision_year);
    return TW_OK;
}

static tw_err_t load_profiles(store_t *st, const nrm_actor_t *act, profs_t *x, tw_errinfo_t *ei)
{
    tw_err_t err;
    x->v = NULL;
    x->n = x->cap = 0;
    err = cases_profiles(st, act, prof_add, x, ei);
    if (err == TW_ENOMEM && !ei->msg[0])
        tw_errinfo_set(ei, err, "out of memory reading case profiles");
    return err;
}

static int is_child(const char *age)
{
    return strcmp(age, "0--8") == 0 || strcmp(age, "09--17") == 0;
}

static const char *age_broad(const char *age)
{
    return !age[0] ? "unknown" : is_child(age) ? "child" : "adult";
}

/* ---- cells and suppression ------------------------------------------------------- */

typedef struct {
    char dim[24], val[64];
    int year;
    long long n;
    int suppressed;
} ncell_t;

typedef struct {
    ncell_t *v;
    size_t n, cap;
} ncells_t;

static tw_err_t ncell_add(ncells_t *c, int year, const char *dim, const char *val)
{
    size_t i;
    for (i = 0; i < c->n; i++)
        if (c->v[i].year == year && strcmp(c->v[i].dim, dim) == 0 &&
            strcmp(c->v[i].val, val) == 0) {
            c->v[i].n++;
            return TW_OK;
        }
    if (c->n == c->cap) {
        size_t ncap = c->cap ? 2 * c->cap : 64;
        ncell_t *nv = realloc(c->v, ncap * sizeof(*nv));
        if (!nv)
            return TW_ENOMEM;
        c->v = nv;
        c->cap = ncap;
    }
    memset(&c->v[c->n], 0, sizeof(c->v[0]));
    copy(c->v[c->n].dim, sizeof(c->v[0].dim), dim);
    copy(c->v[c->n].val, sizeof(c->v[0].val), val[0] ? val : "unknown");
    c->v[c->n].year = year;
    c->v[c->n].n = 1;
    c->n++;
    return TW_OK;
}

static int ncell_cmp(const void *pa, const void *pb)
{
    const ncell_t *a = pa, *b = pb;
    int d;
    if (a->year != b->year)
        return a->year < b->year ? -1 : 1;
    if ((d = strcmp(a->dim, b->dim)) != 0)
        return d;
    return strcmp(a->val, b->val);
}

/* Suppression of the cells [from, to) of one breakdown of one year.
 * Primary: every count 1..4. Complementary: while exactly one cell is
 * suppressed, or the suppressed cells add up to less than the threshold
 * (so each could be read back from the total), the smallest cell still
 * shown is suppressed too. A breakdown whose total is suppressed is
 * suppressed whole. */
static void suppress(ncell_t *c, size_t from, size_t to, int whole)
{
    size_t i;
    for (i = from; i < to; i++)
        if (whole || (c[i].n > 0 && c[i].n < NRM_SUPPRESS_BELOW))
            c[i].suppressed = 1;
    for (;;) {
        long long nsup = 0, sum = 0;
        size_t best = to;
        for (i = from; i < to; i++) {
            if (c[i].suppressed) {
                nsup++;
                sum += c[i].n;
            } else if (best == to || c[i].n < c[best].n) {
                best = i;
            }
        }
        if (nsup == 0 || (nsup > 1 && sum >= NRM_SUPPRESS_BELOW) || best == to)
            break;
        c[best].suppressed = 1;
    }
}

static void suppress_all(ncells_t *c)
{
    size_t i, j;
    if (c->n > 1)
        qsort(c->v, c->n, sizeof(c->v[0]), ncell_cmp);
    for (i = 0; i < c->n; i = j) {
        int whole = 0;
        size_t t;
        for (j = i; j < c->n && c->v[j].year == c->v[i].year && strcmp(c->v[j].dim, c->v[i].dim) == 0;
             j++)
            ;
        /* the year's total suppressed: every breakdown of that year too */
        for (t = 0; t < c->n; t++)
            if (c->v[t].year == c->v[i].year && strcmp(c->v[t].dim, "total") == 0 &&
                c->v[t].n < NRM_SUPPRESS_BELOW)
                whole = 1;
        suppress(c->v, i, j, whole);
    }
}

/* Splits a ';'-set and adds each code once ("unknown" when empty). */
static tw_err_t add_set(ncells_t *c, int year, const char *dim, const char *set)
{
    char code[64];
    tw_err_t err = TW_OK;
    if (!set[0])
        return ncell_add(c, year, dim, "");
    while (set[0] && err == TW_OK) {
        const char *e = strchr(set, ';');
        size_t len = e ? (size_t)(e - set) : strlen(set);
        snprintf(code, sizeof(code), "%.*s", (int)(len < sizeof(code) ? len : sizeof(code) - 1),
                 set);
        err = ncell_add(c, year, dim, code);
        set += len + (e ? 1 : 0);
    }
    return err;
}

/* ---- population ------------------------------------------------------------------ */

typedef struct {
    int year;
    char sex[8], age[8];
    long long pop;
} pop_row_t;

struct nrm_population {
    pop_row_t *v;
    size_t n;
};

void nrm_population_free(nrm_population_t *p)
{
    if (!p)
        return;
    free(p->v);
    free(p);
}

static tw_err_t pop_bad(tw_errinfo_t *ei, const char *path, long line, const char *field,
                        const char *why)
{
    tw_errinfo_set(ei, TW_EINPUT, "%s", why);
    tw_errinfo_file(ei, path);
    ei->line = line;
    tw_errinfo_field(ei, field);
    return TW_EINPUT;
}

tw_err_t nrm_population_load(const char *path, nrm_population_t **out, tw_errinfo_t *ei)
{
    static const char *const need[] = {"year", "sex", "age_group", "population"};
    nrm_population_t *p = NULL;
    char line[512];
    int pos[4] = {-1, -1, -1, -1};
    long no = 0, no_header = 1;
    int have_header = 0;
    FILE *f;
    tw_err_t err = TW_OK;

    if (out)
        *out = NULL;
    if (!path || !*path) {
        tw_errinfo_set(ei, TW_EINPUT,
                       "SDG 16.2.2 needs the population table: --population FILE, a CSV "
                       "year,sex,age_group,population (docs/internals/stats.md, example "
                       "docs/examples/population.csv)");
        tw_errinfo_field(ei, "--population");
        return TW_EINPUT;
    }
    if (!(f = fopen(path, "r"))) {
        tw_errinfo_set(ei, TW_EINPUT,
                       "SDG 16.2.2 needs the population table %s: %s (a CSV "
                       "year,sex,age_group,population, docs/internals/stats.md)",
                       path, strerror(errno));
        tw_errinfo_file(ei, path);
        tw_errinfo_field(ei, "--population");
        return TW_EINPUT;
    }
    if (!(p = calloc(1, sizeof(*p)))) {
        fclose(f);
        return tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
    }
    while (err == TW_OK && fgets(line, sizeof(line), f)) {
        char *fields[8], *s = line, *e;
        int nf = 0, i;
        no++;
        if (!strchr(line, '\n') && !feof(f)) {
            err = pop_bad(ei, path, no, "", "line longer than 510 bytes");
            break;
        }
        line[strcspn(line, "\r\n")] = '\0';
        if (no == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
            (unsigned char)s[2] == 0xBF)
            s += 3;
        if ((!*s && no > 1) || *s == '#') /* blank lines and # comments (the source) */
            continue;
        if (!have_header)
            no_header = no;
        while (nf < 8) {
            fields[nf++] = s;
            if (!(e = strchr(s, ',')))
                break;
            *e = '\0';
            s = e + 1;
        }
        if (!have_header) {
            have_header = 1;
            for (i = 0; i < nf; i++)
                for (int q = 0; q < 4; q++)
                    if (strcmp(fields[i], need[q]) == 0)
                        pos[q] = i;
            for (int q = 0; q < 4; q++)
                if (pos[q] < 0) {
                    err = pop_bad(ei, path, no_header, need[q],
                                  "the header has no column of this name");
                    break;
                }
            continue;
        }
        {
            pop_row_t r;
            char *end;
            long long v;
            size_t ncap;
            pop_row_t *nv;
            for (int q = 0; q < 4; q++)
                if (pos[q] >= nf) {
                    err = pop_bad(ei, path, no, need[q], "missing value");
                    break;
                }
            if (err != TW_OK)
                break;
            errno = 0;
            v = strtoll(fields[pos[0]], &end, 10);
            if (errno || *end || v < 1900 || v > 9999) {
                err = pop_bad(ei, path, no, "year", "not a year YYYY");
                break;
            }
            r.year = (int)v;
            if (strcmp(fields[pos[1]], "all") && strcmp(fields[pos[1]], "Female") &&
                strcmp(fields[pos[1]], "Male")) {
                err = pop_bad(ei, path, no, "sex", "must be all, Female or Male");
                break;
            }
            if (strcmp(fields[pos[2]], "all") && strcmp(fields[pos[2]], "child") &&
                strcmp(fields[pos[2]], "adult")) {
                err = pop_bad(ei, path, no, "age_group", "must be all, child or adult");
                break;
            }
            copy(r.sex, sizeof(r.sex), fields[pos[1]]);
            copy(r.age, sizeof(r.age), fields[pos[2]]);
            errno = 0;
            v = strtoll(fields[pos[3]], &end, 10);
            if (errno || *end || !fields[pos[3]][0] || v < 1 || v > 10000000000LL) {
                err = pop_bad(ei, path, no, "population", "must be a whole number above 0");
                break;
            }
            r.pop = v;
            for (size_t q = 0; q < p->n; q++)
                if (p->v[q].year == r.year && !strcmp(p->v[q].sex, r.sex) &&
                    !strcmp(p->v[q].age, r.age))
                    err = pop_bad(ei, path, no, "year", "a second row for this year, sex and age");
            if (err != TW_OK)
                break;
            ncap = p->n + 1;
            if (!(nv = realloc(p->v, ncap * sizeof(*nv)))) {
                err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
                break;
            }
            p->v = nv;
            p->v[p->n++] = r;
        }
    }
    if (err == TW_OK && !have_header)
        err = pop_bad(ei, path, 1, "year", "empty file: the header year,sex,age_group,population "
                                           "and one row per year are needed");
    fclose(f);
    if (err != TW_OK || !out) {
        nrm_population_free(p);
        return err;
    }
    *out = p;
    return TW_OK;
}

static long long pop_of(const nrm_population_t *p, int year, const char *sex, const char *age)
{
    size_t i;
    for (i = 0; i < p->n; i++)
        if (p->v[i].year == year && !strcmp(p->v[i].sex, sex) && !strcmp(p->v[i].age, age))
            return p->v[i].pop;
    return -1;
}

/* ---- SDG 16.2.2 and GLOTIP --------------------------------------------------------------- */

static tw_err_t emit_cells(stats_table_t *t, const ncells_t *c, const nrm_population_t *pop)
{
    tw_err_t err = TW_OK;
    size_t i;
    for (i = 0; err == TW_OK && i < c->n; i++) {
        const ncell_t *x = &c->v[i];
        long long pn = -1;
        if ((err = stats_row(t)) || (err = stats_put_int(t, x->year)))
            break;
        if (pop) {
            const char *sex = "all", *age = "all", *expl = "all";
            if (!strcmp(x->dim, "sex"))
                sex = x->val;
            else if (!strcmp(x->dim, "age_group"))
                age = x->val;
            else if (!strcmp(x->dim, "exploitation"))
                expl = x->val;
            pn = pop_of(pop, x->year, !strcmp(x->dim, "exploitation") ? "all" : sex,
                        !strcmp(x->dim, "exploitation") ? "all" : age);
            if ((err = stats_put_text(t, sex)) || (err = stats_put_text(t, age)) ||
                (err = stats_put_text(t, expl)))
                break;
        } else if ((err = stats_put_text(t, x->dim)) || (err = stats_put_text(t, x->val))) {
            break;
        }
        if ((err = x->suppressed ? stats_put_null(t) : stats_put_int(t, x->n)))
            break;
        if (pop) {
            if ((err = pn > 0 ? stats_put_int(t, pn) : stats_put_null(t)))
                break;
            if (pn > 0 && !x->suppressed)
                err = stats_put_real(t, round(1e8 * (double)x->n / (double)pn) / 1e3);
            else
                err = stats_put_null(t);
            if (err)
                break;
        }
        err = stats_put_text(t, x->suppressed ? "suppressed" : NULL);
    }
    return err;
}

tw_err_t nrm_sdg_1622(store_t *st, const nrm_actor_t *act, const char *population_path, int year,
                      stats_table_t **out, tw_errinfo_t *ei)
{
    static const char *const cols[] = {"year", "sex", "age_group", "exploitation", "victims",
                                       "population", "per_100000", "note", NULL};
    nrm_population_t *pop = NULL;
    profs_t x = {NULL, 0, 0};
    ncells_t c = {NULL, 0, 0};
    stats_table_t *t = NULL;
    tw_err_t err;
    size_t i;

    *out = NULL;
    if ((err = nrm_population_load(population_path, &pop, ei)) != TW_OK)
        return err;
    if ((err = load_profiles(st, act, &x, ei)) != TW_OK)
        goto out;
    for (i = 0; err == TW_OK && i < x.n; i++) {
        const prof_t *p = &x.v[i];
        int y;
        if (strcmp(p->decision, "identified") != 0 || strlen(p->decision_year) != 4)
            continue;
        y = (int)strtol(p->decision_year, NULL, 10);
        if (year && y != year)
            continue;
        if ((err = ncell_add(&c, y, "total", "all")) ||
            (err = ncell_add(&c, y, "sex", !strcmp(p->q[Q_SEX], "Female") ||
                                                  !strcmp(p->q[Q_SEX], "Male")
                                              ? p->q[Q_SEX]
                                              : "")) ||
            (err = ncell_add(&c, y, "age_group", p->q[Q_AGE][0] ? age_broad(p->q[Q_AGE]) : "")))
            break;
        err = add_set(&c, y, "exploitation", p->q[Q_EXPL]);
    }
    if (err != TW_OK) {
        tw_errinfo_set(ei, err, "out of memory");
        goto out;
    }
    suppress_all(&c);
    if ((err = stats_table_new("sdg_16_2_2", cols, &t)) != TW_OK ||
        (err = emit_cells(t, &c, pop)) != TW_OK || (err = stats_row(t)) != TW_OK) {
        tw_errinfo_set(ei, err, "out of memory");
        goto out;
    }
    *out = t;
    t = NULL;
out:
    stats_table_free(t);
    free(c.v);
    free(x.v);
    nrm_population_free(pop);
    return err;
}

static const char *glotip_person(const prof_t *p)
{
    int f = !strcmp(p->q[Q_SEX], "Female"), m = !strcmp(p->q[Q_SEX], "Male");
    if (!p->q[Q_AGE][0] || (!f && !m))
        return "";
    if (is_child(p->q[Q_AGE]))
        return f ? "girls" : "boys";
    return f ? "women" : "men";
}

/* One GLOTIP table from profile rows: per year, the total, sex and age,
 * each form of exploitation and citizenship, suppressed below 5 with
 * complementary suppression. Frees x's rows. */
static tw_err_t glotip_table(profs_t *x, int year, const char *name,
                             const char *const *cols, stats_table_t **out, tw_errinfo_t *ei)
{
    ncells_t c = {NULL, 0, 0};
    stats_table_t *t = NULL;
    tw_err_t err = TW_OK;
    size_t i;

    for (i = 0; err == TW_OK && i < x->n; i++) {
        const prof_t *p = &x->v[i];
        int y = (int)strtol(p->q[Q_YEAR], NULL, 10);
        if (year && y != year)
            continue;
        if ((err = ncell_add(&c, y, "total", "all")) ||
            (err = ncell_add(&c, y, "sex_age", glotip_person(p))) ||
            (err = add_set(&c, y, "exploitation", p->q[Q_EXPL])))
            break;
        err = ncell_add(&c, y, "citizenship", p->q[Q_CIT]);
    }
    if (err != TW_OK) {
        tw_errinfo_set(ei, err, "out of memory");
        goto out;
    }
    suppress_all(&c);
    if ((err = stats_table_new(name, cols, &t)) != TW_OK ||
        (err = emit_cells(t, &c, NULL)) != TW_OK || (err = stats_row(t)) != TW_OK) {
        tw_errinfo_set(ei, err, "out of memory");
        goto out;
    }
    *out = t;
    t = NULL;
out:
    stats_table_free(t);
    free(c.v);
    free(x->v);
    x->v = NULL;
    return err;
}

tw_err_t nrm_glotip(store_t *st, const nrm_actor_t *act, int year, stats_table_t **out,
                    tw_errinfo_t *ei)
{
    static const char *const cols[] = {"year", "dimension", "value", "victims", "note", NULL};
    profs_t x = {NULL, 0, 0};
    tw_err_t err;

    *out = NULL;
    if ((err = load_profiles(st, act, &x, ei)) != TW_OK)
        return err;
    return glotip_table(&x, year, "glotip_victims", cols, out, ei);
}

/* Suspected offenders: the same profile rows, from cases_offender_profiles()
 * (year recorded, sex, age group, citizenship, the case's forms). */
static tw_err_t offender_add(void *ctx, const cases_offender_t *o)
{
    cases_profile_t p;
    memset(&p, 0, sizeof(p));
    p.year = o->year;
    p.sex = o->sex;
    p.age_group = o->age_group;
    p.citizenship = o->citizenship;
    p.exploitation = o->exploitation;
    return prof_add(ctx, &p);
}

tw_err_t nrm_glotip_offenders(store_t *st, const nrm_actor_t *act, int year,
                              stats_table_t **out, tw_errinfo_t *ei)
{
    static const char *const cols[] = {"year", "dimension", "value", "offenders", "note", NULL};
    profs_t x = {NULL, 0, 0};
    tw_err_t err;

    *out = NULL;
    if ((err = cases_offender_profiles(st, act, offender_add, &x, ei)) != TW_OK) {
        if (err == TW_ENOMEM && !ei->msg[0])
            tw_errinfo_set(ei, err, "out of memory reading the suspected offenders");
        free(x.v);
        return err;
    }
    return glotip_table(&x, year, "glotip_offenders", cols, out, ei);
}

/* ---- the k-anonymous CTDC extract ----------------------------------------------------------- */

static const char *const ctdc_cols[] = {"yearOfRegistration", "gender", "ageBroad",
                                        "citizenship", "CountryOfExploitation",
                                        "typeOfExploitation", "meansOfControl",
                                        "recruiterRelation", "typeOfLabour", NULL};

typedef struct {
    prof_t *p;
    char key[Q_N * 161];
    int gone;
} krow_t;

static void row_key(krow_t *r)
{
    size_t off = 0;
    for (int q = 0; q < Q_N; q++) {
        size_t len = strlen(r->p->q[q]);
        memcpy(r->key + off, r->p->q[q], len);
        off += len;
        r->key[off++] = '\x1f';
    }
    r->key[off] = '\0';
}

static int krow_cmp(const void *pa, const void *pb)
{
    const krow_t *a = *(krow_t *const *)pa, *b = *(krow_t *const *)pb;
    return strcmp(a->key, b->key);
}

/* Marks rare[i] for rows in classes smaller than k; returns how many. */
static long long rare_rows(krow_t *rows, krow_t **ord, size_t n, int k, unsigned char *rare)
{
    size_t i, j, m = 0;
    long long count = 0;
    for (i = 0; i < n; i++) {
        if (rows[i].gone)
            continue;
        row_key(&rows[i]);
        ord[m++] = &rows[i];
    }
    if (m > 1)
        qsort(ord, m, sizeof(*ord), krow_cmp);
    memset(rare, 0, n);
    for (i = 0; i < m; i = j) {
        for (j = i; j < m && strcmp(ord[j]->key, ord[i]->key) == 0; j++)
            ;
        if ((long long)(j - i) < k)
            for (size_t q = i; q < j; q++) {
                rare[ord[q] - rows] = 1;
                count++;
            }
    }
    return count;
}

static void set_val(prof_t *p, int q, const char *v, nrm_ctdc_loss_t *loss)
{
    if (strcmp(p->q[q], v) == 0)
        return;
    if (!v[0]) {
        if (p->q[q][0])
            loss->values_suppressed++;
    } else {
        loss->generalised++;
    }
    copy(p->q[q], sizeof(p->q[q]), v);
}

static int multi(const char *s)
{
    return strchr(s, ';') != NULL;
}

/* Values of column q present in fewer than k rows become "Other". */
static void recode_rare(krow_t *rows, size_t n, int q, int k, nrm_ctdc_loss_t *loss)
{
    for (size_t i = 0; i < n; i++) {
        long long cnt = 0;
        if (rows[i].gone || !rows[i].p->q[q][0] || !strcmp(rows[i].p->q[q], "Other"))
            continue;
        for (size_t j = 0; j < n; j++)
            cnt += !rows[j].gone && !strcmp(rows[j].p->q[q], rows[i].p->q[q]);
        if (cnt < k) {
            char was[160];
            copy(was, sizeof(was), rows[i].p->q[q]);
            for (size_t j = 0; j < n; j++)
                if (!rows[j].gone && !strcmp(rows[j].p->q[q], was))
                    set_val(rows[j].p, q, "Other", loss);
        }
    }
}

/* One step up the generalisation ladder (docs/internals/stats.md, "CTDC"). */
static void generalise(krow_t *rows, size_t n, int level, int k, nrm_ctdc_loss_t *loss)
{
    size_t i;
    for (i = 0; i < n; i++) {
        prof_t *p = rows[i].p;
        if (rows[i].gone)
            continue;
        switch (level) {
        case 1: /* means of control: recorded or not; recruiter: known person or not */
            if (p->q[Q_CONTROL][0])
                set_val(p, Q_CONTROL, "Recorded", loss);
            if (strstr(p->q[Q_RECRUITER], "IntimatePartner") || strstr(p->q[Q_RECRUITER], "Friend") ||
                strstr(p->q[Q_RECRUITER], "Family"))
                set_val(p, Q_RECRUITER, "KnownPerson", loss);
            else if (multi(p->q[Q_RECRUITER]))
                set_val(p, Q_RECRUITER, "Other", loss);
            break;
        case 2: /* age: child or adult; several labour sectors: Multiple */
            if (p->q[Q_AGE][0])
                set_val(p, Q_AGE, is_child(p->q[Q_AGE]) ? "0--17" : "18+", loss);
            if (multi(p->q[Q_SECTOR]))
                set_val(p, Q_SECTOR, "Multiple", loss);
            break;
        case 3: /* two-year periods */
            if (strlen(p->q[Q_YEAR]) == 4) {
                long y = strtol(p->q[Q_YEAR], NULL, 10);
                char band[16];
                y -= y % 2;
                snprintf(band, sizeof(band), "%ld-%ld", y % 10000, (y + 1) % 10000);
                set_val(p, Q_YEAR, band, loss);
            }
            break;
        case 5: /* several forms: Multiple; control and sector dropped */
            if (multi(p->q[Q_EXPL]))
                set_val(p, Q_EXPL, "Multiple", loss);
            set_val(p, Q_CONTROL, "", loss);
            set_val(p, Q_SECTOR, "", loss);
            set_val(p, Q_RECRUITER, "", loss);
            break;
        default: break;
        }
    }
    if (level == 4) { /* rare citizenships and countries: Other */
        recode_rare(rows, n, Q_CIT, k, loss);
        recode_rare(rows, n, Q_COUNTRY, k, loss);
    }
}

#define CTDC_LEVELS 5
/* Rare rows at or below this share are suppressed rather than generalising further. */
#define CTDC_SUPPRESS_SHARE 0.05

tw_err_t nrm_ctdc_table(store_t *st, const nrm_actor_t *act, int k, stats_table_t **out,
                        nrm_ctdc_loss_t *loss, tw_errinfo_t *ei)
{
    profs_t x = {NULL, 0, 0};
    krow_t *rows = NULL, **ord = NULL;
    unsigned char *rare = NULL;
    stats_table_t *t = NULL;
    tw_err_t err;
    size_t i;
    long long nrare;

    *out = NULL;
    memset(loss, 0, sizeof(*loss));
    if (k < 2 || k > 1000) {
        tw_errinfo_set(ei, TW_EINPUT, "k must be 2..1000, not %d", k);
        tw_errinfo_field(ei, "--k");
        return TW_EINPUT;
    }
    if ((err = load_profiles(st, act, &x, ei)) != TW_OK)
        return err;
    loss->cases = (long long)x.n;
    rows = calloc(x.n ? x.n : 1, sizeof(*rows));
    ord = calloc(x.n ? x.n : 1, sizeof(*ord));
    rare = calloc(x.n ? x.n : 1, 1);
    if (!rows || !ord || !rare) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < x.n; i++)
        rows[i].p = &x.v[i];
    nrare = rare_rows(rows, ord, x.n, k, rare);
    while (nrare > 0 && (double)nrare > CTDC_SUPPRESS_SHARE * (double)x.n &&
           loss->level < CTDC_LEVELS) {
        loss->level++;
        generalise(rows, x.n, loss->level, k, loss);
        nrare = rare_rows(rows, ord, x.n, k, rare);
    }
    for (i = 0; i < x.n; i++)
        if (rare[i]) {
            rows[i].gone = 1;
            loss->rows_suppressed++;
        }
    if ((err = stats_table_new("ctdc", ctdc_cols, &t)) != TW_OK)
        goto oom;
    /* sorted rows: the order says nothing of the cases' order */
    nrare = rare_rows(rows, ord, x.n, k, rare);
    for (i = 0; i < x.n; i++) {
        if (rows[i].gone)
            continue;
        if ((err = stats_row(t)) != TW_OK)
            goto oom;
        for (int q = 0; q < Q_N && err == TW_OK; q++)
            err = stats_put_text(t, rows[i].p->q[q]);
        if (err != TW_OK)
            goto oom;
        loss->rows++;
    }
    if ((err = stats_row(t)) != TW_OK)
        goto oom;
    *out = t;
    t = NULL;
    goto out;
oom:
    tw_errinfo_set(ei, err, "out of memory");
out:
    stats_table_free(t);
    free(rows);
    free(ord);
    free(rare);
    free(x.v);
    return err;
}

tw_err_t nrm_ctdc_export(store_t *st, const nrm_actor_t *act, int k, const char *path,
                         nrm_ctdc_loss_t *loss, tw_errinfo_t *ei)
{
    stats_table_t *t = NULL;
    tw_buf_t b;
    FILE *f;
    tw_err_t err;

    if ((err = nrm_ctdc_table(st, act, k, &t, loss, ei)) != TW_OK)
        return err;
    buf_init(&b, (size_t)1 << 30);
    if ((err = stats_table_write(t, STATS_CSV, &b)) != TW_OK) {
        tw_errinfo_set(ei, err, "out of memory");
        goto out;
    }
    if (!(f = fopen(path, "wb")) || (b.len && fwrite(b.p, 1, b.len, f) != b.len) ||
        fclose(f) != 0) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot write the extract");
        tw_errinfo_file(ei, path);
    }
out:
    buf_free(&b);
    stats_table_free(t);
    return err;
}

/* ---- the checker ------------------------------------------------------------------------ */

typedef struct {
    char *key;
    long line;
} kline_t;

static int kline_cmp(const void *pa, const void *pb)
{
    const kline_t *a = pa, *b = pb;
    int d = strcmp(a->key, b->key);
    return d ? d : (a->line < b->line ? -1 : a->line > b->line);
}

/* One CSV record's fields joined by 0x1f into *key (RFC 4180 quotes);
 * *nf = the field count. Returns the bytes consumed, 0 on a bad quote. */
static size_t csv_record(const char *s, size_t len, tw_buf_t *key, int *nf)
{
    size_t i = 0;
    int quoted = 0, at_start = 1;
    *nf = 1;
    buf_reset(key);
    while (i < len) {
        char c = s[i];
        if (quoted) {
            if (c == '"' && i + 1 < len && s[i + 1] == '"') {
                buf_addc(key, '"');
                i += 2;
                continue;
            }
            if (c == '"') {
                quoted = 0;
                i++;
                continue;
            }
            buf_addc(key, c);
            i++;
            continue;
        }
        if (c == '"' && at_start) {
            quoted = 1;
            at_start = 0;
            i++;
            continue;
        }
        if (c == '"')
            return 0;
        if (c == ',') {
            buf_addc(key, '\x1f');
            (*nf)++;
            at_start = 1;
            i++;
            continue;
        }
        if (c == '\n' || c == '\r') {
            i++;
            if (c == '\r' && i < len && s[i] == '\n')
                i++;
            return i;
        }
        buf_addc(key, c);
        at_start = 0;
        i++;
    }
    return quoted ? 0 : i;
}

tw_err_t nrm_ctdc_check(const char *path, int k, nrm_kcheck_t *res, tw_errinfo_t *ei)
{
    tw_buf_t file, key;
    kline_t *v = NULL;
    size_t n = 0, cap = 0, off = 0, i, j;
    int hdr_nf = 0, sys = 0;
    long line = 0;
    tw_err_t err;

    memset(res, 0, sizeof(*res));
    buf_init(&file, (size_t)1 << 30);
    buf_init(&key, 1 << 16);
    if ((err = buf_read_file(&file, path, &sys)) != TW_OK) {
        tw_errinfo_set(ei, err == TW_ENOMEM ? err : TW_EINPUT, "cannot read %s: %s", path,
                       sys ? strerror(sys) : tw_strerror(err));
        tw_errinfo_file(ei, path);
        err = err == TW_ENOMEM ? err : TW_EINPUT;
        goto out;
    }
    while (off < file.len) {
        int nf;
        size_t used = csv_record(file.p + off, file.len - off, &key, &nf);
        line++;
        if (used == 0) {
            err = tw_errinfo_set(ei, TW_EINPUT, "a malformed quoted field");
            tw_errinfo_file(ei, path);
            ei->line = line;
            goto out;
        }
        off += used;
        if (line == 1) {
            hdr_nf = nf;
            continue;
        }
        if (key.len == 0 && nf == 1)
            continue; /* an empty line */
        if (nf != hdr_nf) {
            err = tw_errinfo_set(ei, TW_EINPUT, "%d fields where the header has %d", nf, hdr_nf);
            tw_errinfo_file(ei, path);
            ei->line = line;
            goto out;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 256;
            kline_t *nv = realloc(v, ncap * sizeof(*nv));
            if (!nv) {
                err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
                goto out;
            }
            v = nv;
            cap = ncap;
        }
        if (!(v[n].key = strdup(buf_str(&key)))) {
            err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
            goto out;
        }
        v[n++].line = line;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), kline_cmp);
    res->rows = (long long)n;
    res->min_count = 0;
    {
        size_t worst = 0;
        long long worst_n = -1;
        for (i = 0; i < n; i = j) {
            for (j = i; j < n && strcmp(v[j].key, v[i].key) == 0; j++)
                ;
            res->classes++;
            if (worst_n < 0 || (long long)(j - i) < worst_n) {
                worst_n = (long long)(j - i);
                worst = i;
            }
        }
        res->min_count = worst_n < 0 ? 0 : worst_n;
        if (worst_n >= 0 && worst_n < k) {
            for (char *c = v[worst].key; *c; c++)
                if (*c == '\x1f')
                    *c = ',';
            err = tw_errinfo_set(ei, TW_EINPUT,
                                 "not %d-anonymous: the combination '%s' is present %lld time%s",
                                 k, v[worst].key, worst_n, worst_n == 1 ? "" : "s");
            tw_errinfo_file(ei, path);
            ei->line = v[worst].line;
        }
    }
out:
    for (i = 0; i < n; i++)
        free(v[i].key);
    free(v);
    buf_free(&file);
    buf_free(&key);
    return err;
}
