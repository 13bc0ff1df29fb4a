/*
 * test_synth_world.c - the world parameters of the synthetic register
 * (synth_world_t): each moves what it says, measured in the files a user
 * reads; the default world is byte-identical to no world; label options
 * leave every register but outcomes.csv unchanged; bad values are refused
 * with a message naming the parameter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synth/synth.h"

#define NAPPS 6000
#define SEED 77ULL

static char root[256];

/* ---- reading the files back ---------------------------------------------- */

typedef struct {
    char *buf;    /* all fields, NUL-separated */
    char **f;     /* nrows * ncols field pointers, header excluded */
    size_t nrows;
    int ncols;
    char **head;  /* ncols header names */
} table_t;

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[512];
    FILE *f;
    char *buf;
    long n;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len)
            *len = (size_t)n;
    }
    return buf;
}

/* RFC 4180, LF line ends, no line break inside a field (synth's promise). */
static void table_load(table_t *t, const char *dir, const char *name)
{
    size_t len, nf = 0, cap = 1024, o = 0;
    char *src = slurp(dir, name, &len), *p;
    char **f = malloc(cap * sizeof(*f));
    int col = 0, ncols = 0;
    assert_non_null(src);
    assert_non_null(f);
    t->buf = malloc(len + 1);
    assert_non_null(t->buf);
    p = src;
    while (*p) {
        if (nf == cap) {
            cap *= 2;
            f = realloc(f, cap * sizeof(*f));
            assert_non_null(f);
        }
        f[nf++] = t->buf + o;
        if (*p == '"') {
            p++;
            while (*p && !(*p == '"' && p[1] != '"')) {
                t->buf[o++] = *p;
                p += *p == '"' ? 2 : 1;
            }
            if (*p == '"')
                p++;
        } else {
            while (*p && *p != ',' && *p != '\n')
                t->buf[o++] = *p++;
        }
        t->buf[o++] = '\0';
        col++;
        if (*p == ',') {
            p++;
        } else {
            if (ncols == 0)
                ncols = col;
            assert_int_equal(col, ncols); /* every row has the header's columns */
            col = 0;
            if (*p == '\n')
                p++;
        }
    }
    free(src);
    t->ncols = ncols;
    t->head = f;
    t->f = f + ncols;
    t->nrows = (nf - (size_t)ncols) / (size_t)ncols;
}

static void table_free(table_t *t)
{
    free(t->head);
    free(t->buf);
}

static int table_col(const table_t *t, const char *name)
{
    int i;
    for (i = 0; i < t->ncols; i++)
        if (strcmp(t->head[i], name) == 0)
            return i;
    fail_msg("no column %s", name);
    return -1;
}

static const char *cell(const table_t *t, size_t row, int col)
{
    return t->f[row * (size_t)t->ncols + (size_t)col];
}

static double share_equal(const table_t *t, const char *colname, const char *value)
{
    int c = table_col(t, colname);
    size_t i, k = 0;
    for (i = 0; i < t->nrows; i++)
        k += strcmp(cell(t, i, c), value) == 0;
    return (double)k / (double)t->nrows;
}

static double share_nonempty(const table_t *t, const char *colname)
{
    int c = table_col(t, colname);
    size_t i, k = 0;
    for (i = 0; i < t->nrows; i++)
        k += cell(t, i, c)[0] != '\0';
    return (double)k / (double)t->nrows;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t median_salary(const table_t *t)
{
    int c = table_col(t, "monthly_salary_amd");
    uint64_t *v = malloc(t->nrows * sizeof(*v)), m;
    size_t i, n = 0;
    assert_non_null(v);
    for (i = 0; i < t->nrows; i++) {
        const char *s = cell(t, i, c);
        char *end;
        unsigned long long x;
        if (!*s)
            continue;
        x = strtoull(s, &end, 10);
        if (*end == '\0')
            v[n++] = x;
    }
    qsort(v, n, sizeof(*v), cmp_u64);
    m = n ? v[n / 2] : 0;
    free(v);
    return m;
}

/* Distinct values of a column, and the share of rows whose value occurs at
 * least `big` times. */
static size_t distinct(const table_t *t, const char *colname, size_t big, double *big_share)
{
    int c = table_col(t, colname);
    const char **v = malloc(t->nrows * sizeof(*v));
    size_t i, j, n = 0, inbig = 0;
    assert_non_null(v);
    for (i = 0; i < t->nrows; i++)
        v[i] = cell(t, i, c);
    qsort(v, t->nrows, sizeof(*v), cmp_str);
    for (i = 0; i < t->nrows; i = j) {
        for (j = i; j < t->nrows && strcmp(v[i], v[j]) == 0; j++)
            ;
        n++;
        if (j - i >= big)
            inbig += j - i;
    }
    free(v);
    if (big_share)
        *big_share = (double)inbig / (double)t->nrows;
    return n;
}

/* ---- running ------------------------------------------------------------- */

static void dir_of(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", root, name);
}

static tw_err_t run_world(const char *name, const synth_world_t *w, uint64_t apps,
                          synth_summary_t *sum, tw_errinfo_t *ei)
{
    synth_opts_t o;
    char dir[320];
    dir_of(dir, sizeof(dir), name);
    memset(&o, 0, sizeof(o));
    o.out_dir = dir;
    o.applications = apps;
    o.seed = SEED;
    o.world = w;
    return synth_run(&o, sum, ei);
}

static void load(table_t *t, const char *name, const char *file)
{
    char dir[320];
    dir_of(dir, sizeof(dir), name);
    table_load(t, dir, file);
}

static int same_file(const char *a, const char *b, const char *file)
{
    char da[320], db[320];
    size_t la, lb;
    char *x, *y;
    int same;
    dir_of(da, sizeof(da), a);
    dir_of(db, sizeof(db), b);
    x = slurp(da, file, &la);
    y = slurp(db, file, &lb);
    assert_non_null(x);
    assert_non_null(y);
    same = la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static const char *const all_files[8] = {"permits.csv",  "border_crossings.csv", "inspections.csv",
                                         "reports.csv",  "outcomes.csv",         "truth.csv",
                                         "bad_rows.csv", "manifest.csv"};

static int setup(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    snprintf(root, sizeof(root), "/tmp/tw_synth_world_XXXXXX");
    if (!mkdtemp(root))
        return -1;
    /* the reference: no world at all */
    return run_world("none", NULL, NAPPS, NULL, &ei) == TW_OK ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- tests --------------------------------------------------------------- */

static void test_default_world_is_no_world(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    int i;
    (void)state;
    synth_world_default(&w);
    assert_int_equal(synth_world_check(&w, &ei), TW_OK);
    assert_int_equal(run_world("default", &w, NAPPS, NULL, &ei), TW_OK);
    for (i = 0; i < 8; i++)
        assert_true(same_file("none", "default", all_files[i]));
}

static void test_nationality_mix_followed(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    table_t t;
    (void)state;
    synth_world_default(&w);
    assert_int_equal(synth_world_set(&w, "nationality_mix", "IND=50, NPL=25,UZB=25", &ei), TW_OK);
    assert_int_equal(run_world("mix", &w, NAPPS, NULL, &ei), TW_OK);
    load(&t, "mix", "permits.csv");
    /* schemes bring their own nationalities (a few per cent of rows) */
    assert_true(share_equal(&t, "worker_citizenship", "IND") > 0.45);
    assert_true(share_equal(&t, "worker_citizenship", "IND") < 0.55);
    assert_true(share_equal(&t, "worker_citizenship", "NPL") > 0.21);
    assert_true(share_equal(&t, "worker_citizenship", "NPL") < 0.29);
    assert_true(share_equal(&t, "worker_citizenship", "UZB") > 0.20);
    assert_true(share_equal(&t, "worker_citizenship", "UZB") < 0.29);
    assert_true(share_equal(&t, "worker_citizenship", "RUS") < 0.02); /* 30 % by default */
    table_free(&t);
    load(&t, "none", "permits.csv");
    assert_true(share_equal(&t, "worker_citizenship", "RUS") > 0.25);
    table_free(&t);
}

static void test_wage_level_moves_wages(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    table_t t;
    uint64_t m0, m1;
    (void)state;
    synth_world_default(&w);
    w.wage_level = 0.6;
    assert_int_equal(run_world("lowpay", &w, NAPPS, NULL, &ei), TW_OK);
    load(&t, "none", "permits.csv");
    m0 = median_salary(&t);
    table_free(&t);
    load(&t, "lowpay", "permits.csv");
    m1 = median_salary(&t);
    table_free(&t);
    /* 0.6x, and never below the floor of minimum + 7,000 */
    assert_true(m1 < m0 * 7 / 10);
    assert_true(m1 > m0 * 5 / 10);
}

static void test_employer_sizes(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    table_t t;
    double big0, big1, big2;
    size_t n0, n2;
    (void)state;
    load(&t, "none", "permits.csv");
    n0 = distinct(&t, "employer_tin", 50, &big0);
    table_free(&t);

    synth_world_default(&w);
    w.employer_tail = 0.7; /* heavier tail: more rows at employers of 50+ */
    assert_int_equal(run_world("tail", &w, NAPPS, NULL, &ei), TW_OK);
    load(&t, "tail", "permits.csv");
    (void)distinct(&t, "employer_tin", 50, &big1);
    table_free(&t);
    assert_true(big1 > big0 + 0.05);

    synth_world_default(&w);
    w.apps_per_employer = 40; /* fewer, bigger employers */
    assert_int_equal(run_world("ape", &w, NAPPS, NULL, &ei), TW_OK);
    load(&t, "ape", "permits.csv");
    n2 = distinct(&t, "employer_tin", 50, &big2);
    table_free(&t);
    assert_true(n2 * 2 < n0);
    assert_true(big2 > big0);
}

static void test_intermediary_share(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    table_t t;
    double s0, s5, sz;
    (void)state;
    load(&t, "none", "permits.csv");
    s0 = share_nonempty(&t, "intermediary_id");
    table_free(&t);
    synth_world_default(&w);
    w.intermediary_share = 0.5;
    assert_int_equal(run_world("agency50", &w, NAPPS, NULL, &ei), TW_OK);
    load(&t, "agency50", "permits.csv");
    s5 = share_nonempty(&t, "intermediary_id");
    table_free(&t);
    w.intermediary_share = 0;
    assert_int_equal(run_world("agency0", &w, NAPPS, NULL, &ei), TW_OK);
    load(&t, "agency0", "permits.csv");
    sz = share_nonempty(&t, "intermediary_id");
    table_free(&t);
    assert_true(s0 > 0.06 && s0 < 0.18); /* the default world: about 0.11 */
    assert_true(s5 > 0.42 && s5 < 0.58);
    assert_true(sz < 0.04); /* only schemes still use an agent */
}

static void test_scheme_prevalence(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    synth_summary_t s0, s3;
    (void)state;
    synth_world_default(&w);
    assert_int_equal(run_world("prev1", &w, 30000, &s0, &ei), TW_OK);
    w.scheme_prevalence = 3;
    assert_int_equal(run_world("prev3", &w, 30000, &s3, &ei), TW_OK);
    assert_true(s0.schemes >= 8 && s0.schemes <= 12); /* one per ~3,000 */
    assert_true(s3.schemes >= 3 * s0.schemes - 3 && s3.schemes <= 3 * s0.schemes + 3);
    assert_int_equal(s3.rows[0], 30000);
}

/* outcome rows that disagree with truth.csv: confirmed but not planted, or
 * cleared but planted */
static size_t label_errors(const char *name, size_t *nconfirmed, size_t *ncleared)
{
    table_t o, t;
    size_t i, j, bad = 0;
    int ot, ok, oo, tt, tk, tr;
    load(&o, name, "outcomes.csv");
    load(&t, name, "truth.csv");
    ot = table_col(&o, "entity_type");
    ok = table_col(&o, "entity_key");
    oo = table_col(&o, "outcome");
    tt = table_col(&t, "entity_type");
    tk = table_col(&t, "entity_key");
    tr = table_col(&t, "role");
    *nconfirmed = *ncleared = 0;
    for (i = 0; i < o.nrows; i++) {
        int planted = 0, confirmed = strcmp(cell(&o, i, oo), "confirmed") == 0;
        for (j = 0; j < t.nrows; j++)
            if (strcmp(cell(&t, j, tr), "planted") == 0 &&
                strcmp(cell(&t, j, tt), cell(&o, i, ot)) == 0 &&
                strcmp(cell(&t, j, tk), cell(&o, i, ok)) == 0)
                planted = 1;
        if (confirmed)
            (*nconfirmed)++;
        else
            (*ncleared)++;
        bad += planted != confirmed;
    }
    table_free(&o);
    table_free(&t);
    return bad;
}

static void test_labels_share_noise_confirmed_only(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    size_t c0, k0, c1, k1, c2, k2, c3, k3, e0, e2, e3;
    int i;
    (void)state;
    /* 60,000 applications: about 250 labels, enough to see the shares */
    synth_world_default(&w);
    assert_int_equal(run_world("lab_default", &w, 60000, NULL, &ei), TW_OK);
    e0 = label_errors("lab_default", &c0, &k0);
    assert_int_equal(e0, 0); /* the default world's labels are all true */
    assert_true(c0 > 60 && k0 > 60);

    w.label_share = 0.5;
    assert_int_equal(run_world("lab_half", &w, 60000, NULL, &ei), TW_OK);
    (void)label_errors("lab_half", &c1, &k1);
    assert_true((c1 + k1) * 100 > (c0 + k0) * 38 && (c1 + k1) * 100 < (c0 + k0) * 62);
    /* only the labels changed: every other register is the same bytes */
    for (i = 0; i < 4; i++)
        assert_true(same_file("lab_default", "lab_half", all_files[i]));
    assert_true(same_file("lab_default", "lab_half", "truth.csv"));
    assert_true(same_file("lab_default", "lab_half", "persons.csv"));
    assert_false(same_file("lab_default", "lab_half", "outcomes.csv"));

    synth_world_default(&w);
    w.label_noise = 0.2;
    assert_int_equal(run_world("lab_noise", &w, 60000, NULL, &ei), TW_OK);
    e2 = label_errors("lab_noise", &c2, &k2);
    assert_int_equal(c2 + k2, c0 + k0); /* every label kept, a fifth flipped */
    assert_true(e2 * 100 > (c2 + k2) * 12 && e2 * 100 < (c2 + k2) * 28);

    synth_world_default(&w);
    w.confirmed_only = 1;
    assert_int_equal(run_world("lab_pu", &w, 60000, NULL, &ei), TW_OK);
    e3 = label_errors("lab_pu", &c3, &k3);
    assert_int_equal(k3, 0);
    assert_int_equal(c3, c0);
    assert_int_equal(e3, 0);
}

static void test_different_worlds_different_bytes(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    (void)state;
    synth_world_default(&w);
    w.wage_level = 1.3;
    assert_int_equal(run_world("w13", &w, NAPPS, NULL, &ei), TW_OK);
    assert_false(same_file("none", "w13", "permits.csv"));
    /* and a world is itself deterministic */
    assert_int_equal(run_world("w13b", &w, NAPPS, NULL, &ei), TW_OK);
    assert_true(same_file("w13", "w13b", "permits.csv"));
    assert_true(same_file("w13", "w13b", "border_crossings.csv"));
}

static void test_bad_values_refused(void **state)
{
    synth_world_t w, before;
    tw_errinfo_t ei;
    char path[320];
    FILE *f;
    (void)state;
    synth_world_default(&w);
    before = w;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(synth_world_set(&w, "wage_level", "9", &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "wage_level"));
    assert_non_null(strstr(ei.msg, "0.2..5"));
    assert_string_equal(ei.field, "wage_level");
    assert_int_equal(synth_world_set(&w, "wage_level", "abc", &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "number"));
    assert_int_equal(synth_world_set(&w, "wage_level", "", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "wage_level", "nan", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "label_noise", "0.7", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "label_share", "-0.1", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "intermediary_share", "1", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "confirmed_only", "maybe", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "nationality_mix", "XYZ=3", &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "XYZ"));
    assert_non_null(strstr(ei.msg, "IND")); /* the known codes are listed */
    assert_int_equal(synth_world_set(&w, "nationality_mix", "IND=-1", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "nationality_mix", "IND=0,RUS=0", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "nationality_mix", "IND=1,IND=2", &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "twice"));
    assert_int_equal(synth_world_set(&w, "nationality_mix", "IND", &ei), TW_EINPUT);
    assert_int_equal(synth_world_set(&w, "no_such_thing", "1", &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "no_such_thing"));
    assert_memory_equal(&w, &before, sizeof(w)); /* nothing half-applied */

    /* synth_run checks a world given directly */
    w.employer_tail = 0;
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(run_world("never", &w, 1000, NULL, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "employer_tail");

    /* a world file: the line of the mistake, a key given twice */
    snprintf(path, sizeof(path), "%s/bad.world", root);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("# a low-wage world\nwage_level = 0.5\n\nlabel_noise = 2\n", f);
    fclose(f);
    synth_world_default(&w);
    memset(&ei, 0, sizeof(ei));
    assert_int_equal(synth_world_load(&w, path, &ei), TW_EINPUT);
    assert_int_equal(ei.line, 4);
    assert_non_null(strstr(ei.msg, "label_noise"));
    assert_true(w.wage_level == 1.0); /* unchanged */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("wage_level = 0.5\nwage_level=0.6\n", f);
    fclose(f);
    assert_int_equal(synth_world_load(&w, path, &ei), TW_EINPUT);
    assert_int_equal(ei.line, 2);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("wage_level 0.5\n", f);
    fclose(f);
    assert_int_equal(synth_world_load(&w, path, &ei), TW_EINPUT);
    assert_int_equal(ei.line, 1);
    snprintf(path, sizeof(path), "%s/missing.world", root);
    assert_int_equal(synth_world_load(&w, path, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "cannot read"));
}

static void test_world_file_read(void **state)
{
    synth_world_t w;
    tw_errinfo_t ei;
    char path[320];
    FILE *f;
    (void)state;
    snprintf(path, sizeof(path), "%s/good.world", root);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("# robustness world 1\r\nnationality_mix = IND=3, NPL=1  # mostly South Asia\n"
          "wage_level=0.7\nemployer_tail = 0.9\napps_per_employer = 20\n"
          "intermediary_share = 0.3\nscheme_prevalence = 2\nlabel_share = 0.5\n"
          "label_noise = 0.05\nconfirmed_only = yes\n",
          f);
    fclose(f);
    synth_world_default(&w);
    assert_int_equal(synth_world_load(&w, path, &ei), TW_OK);
    assert_true(w.wage_level == 0.7);
    assert_true(w.employer_tail == 0.9);
    assert_true(w.apps_per_employer == 20);
    assert_true(w.intermediary_share == 0.3);
    assert_true(w.scheme_prevalence == 2);
    assert_true(w.label_share == 0.5);
    assert_true(w.label_noise == 0.05);
    assert_int_equal(w.confirmed_only, 1);
    assert_string_equal(synth_world_nat_code(1), "IND");
    assert_true(w.nat_weight[1] == 3.0);
    assert_null(synth_world_nat_code(SYNTH_NAT_MAX));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_world_is_no_world),
        cmocka_unit_test(test_nationality_mix_followed),
        cmocka_unit_test(test_wage_level_moves_wages),
        cmocka_unit_test(test_employer_sizes),
        cmocka_unit_test(test_intermediary_share),
        cmocka_unit_test(test_scheme_prevalence),
        cmocka_unit_test(test_labels_share_noise_confirmed_only),
        cmocka_unit_test(test_different_worlds_different_bytes),
        cmocka_unit_test(test_bad_values_refused),
        cmocka_unit_test(test_world_file_read),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
