/*
 * test_config.c - tipwatch.conf (src/engine/config.h) as cmocka tests: the default
 * and docs/tipwatch.conf, every error with its line, column and key, the
 * dated minimum wage around each boundary, the mismatch table, parameter
 * lookups and the digest.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/config.h"
#include "engine/indicators.h"
#include "ingest/value.h"

/* ---- helpers ---------------------------------------------------------- */

/* The smallest valid file: 7 lines, so appended text starts at line 8. */
#define HEAD "version = t1\n[minimum_wage]\n1900-01-01 = 55000\n"
#define LEVELS "[levels]\nlow = 30\nmedium = 60\nhigh = 85\n"
#define MIN HEAD LEVELS
#define MIN_LEN (sizeof(MIN) - 1)

static const char *const known_ids[] = { "wage_below_minimum", "minor_worker", NULL };
static const char *const no_ids[] = { NULL };

static config_t *parse_ok_len(const char *text, size_t len, const char *const *known)
{
    config_t *c = NULL;
    tw_errinfo_t ei;
    tw_err_t err = config_parse(text, len, "test.conf", known, &c, &ei);

    if (err != TW_OK)
        fail_msg("config_parse: %s at %ld:%ld (%s): %s", tw_strerror(err), ei.line, ei.column,
                 ei.field, ei.msg);
    assert_non_null(c);
    return c;
}

static config_t *parse_ok(const char *text)
{
    return parse_ok_len(text, strlen(text), NULL);
}

/* Must fail with TW_EINPUT at line:col, naming `field`, `msg` in the message. */
static void bad_len(const char *text, size_t len, const char *const *known, long line, long col,
                    const char *field, const char *msg)
{
    config_t *c = (config_t *)&c; /* must be reset to NULL */
    tw_errinfo_t ei;
    tw_err_t err = config_parse(text, len, "bad.conf", known, &c, &ei);

    if (err != TW_EINPUT || ei.line != line || ei.column != col ||
        strcmp(ei.field, field) != 0 || !strstr(ei.msg, msg))
        fail_msg("input:\n%.300s\nexpected TW_EINPUT at %ld:%ld field '%s' '%s',\n"
                 "got %s at %ld:%ld field '%s' '%s'",
                 len > (size_t)MIN_LEN ? text + MIN_LEN : text, line, col, field, msg,
                 tw_strerror(err), ei.line, ei.column, ei.field, ei.msg);
    assert_null(c);
    assert_string_equal(ei.file, "bad.conf");
}

static void bad(const char *text, long line, long col, const char *field, const char *msg)
{
    bad_len(text, strlen(text), NULL, line, col, field, msg);
}

static int32_t day(const char *iso)
{
    int32_t d = 0;

    assert_int_equal(value_date(iso, strlen(iso), &d, NULL), TW_OK);
    return d;
}

static uint64_t digest_of(const char *text)
{
    config_t *c = parse_ok(text);
    uint64_t h = config_digest(c);

    config_free(c);
    return h;
}

/* ---- the default and the documented file ------------------------------ */

typedef struct {
    const char *ind, *key;
    double v;
} expect_t;

/* The values the brief and docs/tipwatch.conf give, one by one. */
static const expect_t default_params[] = {
    { "wage_below_minimum", "weight", 2.5 },
    { "wage_far_below_peers", "weight", 1.5 },
    { "wage_far_below_peers", "ratio", 0.6 },
    { "wage_far_below_peers", "min_peers", 20 },
    { "hours_over_legal", "weight", 0.5 },
    { "hours_over_legal", "hours", 40 },
    { "hours_excessive", "weight", 1.5 },
    { "hours_excessive", "hours", 48 },
    { "crowded_residence", "weight", 2.0 },
    { "crowded_residence", "min_workers", 8 },
    { "residence_is_workplace", "weight", 1.0 },
    { "shared_employer_address", "weight", 1.0 },
    { "shared_employer_address", "min_employers", 3 },
    { "shared_phone", "weight", 1.5 },
    { "shared_phone", "min_workers", 3 },
    { "phone_across_employers", "weight", 1.0 },
    { "phone_across_employers", "min_employers", 2 },
    { "intermediary_share", "weight", 1.0 },
    { "intermediary_share", "share", 0.8 },
    { "intermediary_share", "min_applications", 10 },
    { "intermediary_spike", "weight", 1.0 },
    { "intermediary_spike", "factor", 5 },
    { "intermediary_spike", "window_days", 30 },
    { "permits_over_headcount", "weight", 1.5 },
    { "permits_over_headcount", "ratio", 3 },
    { "new_employer_many_permits", "weight", 1.5 },
    { "new_employer_many_permits", "days", 180 },
    { "new_employer_many_permits", "min_applications", 10 },
    { "occupation_sector_mismatch", "weight", 1.5 },
    { "minor_worker", "weight", 3.0 },
    { "young_one_sex_entertainment", "weight", 0 },
    { "young_one_sex_entertainment", "factor", 1.3 },
    { "young_one_sex_entertainment", "max_age", 25 },
    { "young_one_sex_entertainment", "share", 0.8 },
    { "rapid_transfers", "weight", 1.0 },
    { "rapid_transfers", "employers", 3 },
    { "rapid_transfers", "days", 365 },
    { "never_entered", "weight", 1.0 },
    { "never_entered", "grace_days", 90 },
    { "exit_reentry", "weight", 0.5 },
    { "exit_reentry", "cycles", 2 },
    { "prior_violations", "weight", 2.0 },
    { "reports_touching_employer", "weight", 2.0 },
    { "reports_touching_address", "weight", 2.0 },
    { "reports_touching_phone", "weight", 2.0 },
    { "employer_peer_anomaly", "weight", 0 },
    { "employer_peer_anomaly", "min_peers", 20 },
    { "employer_peer_anomaly", "feature_z", 2 },
    { "employer_peer_anomaly", "min_features", 2 },
    { "employer_peer_anomaly", "z", 4 },
};

static void check_default_values(const config_t *c)
{
    size_t i;

    assert_string_equal(config_version(c), "2026-12-07.1");
    assert_int_equal(config_min_wage(c, day("1900-01-01")), 55000);
    assert_int_equal(config_min_wage(c, day("2020-01-01")), 68000);
    assert_int_equal(config_min_wage(c, day("2023-01-01")), 75000);
    assert_true(config_level_low(c) == 25.0);
    assert_true(config_level_medium(c) == 60.0);
    assert_true(config_level_high(c) == 85.0);
    assert_true(config_score(c, "prior", 0) == -4.0);
    assert_true(config_score(c, "vulnerability_max_factor", 0) == 1.5);
    assert_true(config_score(c, "rollup_weight", 0) == 1.0);
    assert_true(config_score(c, "rollup_min_applications", 0) == 2.0);
    for (i = 0; i < sizeof(default_params) / sizeof(default_params[0]); i++) {
        const expect_t *e = &default_params[i];
        double got = config_indicator_param(c, e->ind, e->key, -99);
        if (got != e->v)
            fail_msg("[indicator %s] %s: expected %g, got %g", e->ind, e->key, e->v, got);
        assert_int_equal(config_indicator_enabled(c, e->ind), 1);
    }
    /* a parameter the default does not set */
    assert_true(config_indicator_param(c, "wage_below_minimum", "ratio", -99) == -99);
    /* mismatch: construction, households, agriculture, IT, health */
    assert_int_equal(config_mismatch(c, "41", "2653"), 1);
    assert_int_equal(config_mismatch(c, "42", "5142"), 1);
    assert_int_equal(config_mismatch(c, "43", "5169"), 1);
    assert_int_equal(config_mismatch(c, "41", "5131"), 0); /* waiters: site canteen */
    assert_int_equal(config_mismatch(c, "97", "9313"), 1);
    assert_int_equal(config_mismatch(c, "97", "7112"), 1);
    assert_int_equal(config_mismatch(c, "97", "2653"), 1);
    assert_int_equal(config_mismatch(c, "01", "2653"), 1);
    assert_int_equal(config_mismatch(c, "62", "9313"), 1);
    assert_int_equal(config_mismatch(c, "62", "2653"), 1);
    assert_int_equal(config_mismatch(c, "86", "2653"), 1);
    assert_int_equal(config_mismatch(c, "86", "2221"), 0); /* nurses at a clinic */
    assert_int_equal(config_mismatch(c, "56", "2653"), 0); /* dancers at a restaurant */
}

static void test_default(void **state)
{
    config_t *c = NULL;

    (void)state;
    assert_int_equal(config_default(&c), TW_OK);
    assert_non_null(c);
    check_default_values(c);
    config_free(c);
}

static void test_docs_file(void **state)
{
    const char *srcdir = getenv("TW_SRCDIR");
    config_t *c = NULL, *d = NULL;
    tw_errinfo_t ei;
    char path[4096];
    int n;

    (void)state;
    if (!srcdir) {
        skip();
        return;
    }
    n = snprintf(path, sizeof(path), "%s/docs/tipwatch.conf", srcdir);
    assert_true(n > 0 && (size_t)n < sizeof(path));
    /* an empty known list rejects the first indicator section */
    assert_int_equal(config_load_file(path, no_ids, &c, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "wage_below_minimum");
    if (config_load_file(path, NULL, &c, &ei) != TW_OK)
        fail_msg("%s:%ld:%ld: %s", path, ei.line, ei.column, ei.msg);
    assert_int_equal(config_default(&d), TW_OK);
    check_default_values(c);
    assert_true(config_digest(c) == config_digest(d));
    assert_string_equal(config_version(c), config_version(d));
    config_free(c);
    config_free(d);
}

/* The example in config.h, word for word, must parse. */
static void test_header_example(void **state)
{
    static const char text[] =
        "    version = 2026-11-23.1            # required; recorded with every alert\n"
        "\n"
        "    [minimum_wage]                    # dated table, AMD per month\n"
        "    1900-01-01 = 55000\n"
        "    2020-01-01 = 68000\n"
        "    2023-01-01 = 75000\n"
        "\n"
        "    [levels]                          # score thresholds, 0..100, increasing\n"
        "    low = 30\n"
        "    medium = 60\n"
        "    high = 85\n"
        "\n"
        "    [score]\n"
        "    prior = -4.0                      # log-odds with no evidence\n"
        "    vulnerability_max_factor = 1.5    # cap on what vulnerability can multiply\n"
        "\n"
        "    [indicator wage_below_minimum]    # one section per indicator\n"
        "    enabled = true\n"
        "    weight = 2.5                      # log-odds added at full strength\n"
        "    ratio = 0.6                       # any other numeric parameter\n"
        "\n"
        "    [mismatch]                        # occupation that does not fit the sector:\n"
        "    41 = 2653, 5131                   #   ISIC division = ISCO codes or prefixes\n"
        "    97 = 9313, 7112                   #   (\"93\" matches every 93xx)\n";
    config_t *c = parse_ok(text);

    (void)state;
    assert_string_equal(config_version(c), "2026-11-23.1");
    assert_true(config_indicator_param(c, "wage_below_minimum", "ratio", 0) == 0.6);
    assert_true(config_indicator_param(c, "wage_below_minimum", "enabled", -1) == 1.0);
    assert_int_equal(config_mismatch(c, "41", "5131"), 1);
    assert_int_equal(config_mismatch(c, "97", "7112"), 1);
    config_free(c);
}

static void test_default_known_ids(void **state)
{
    /* every id of the catalogue, and only those */
    const char *const *all = ind_ids();
    const char *srcdir = getenv("TW_SRCDIR");
    config_t *c = NULL;
    tw_errinfo_t ei;
    char path[4096];

    (void)state;
    if (!srcdir) {
        skip();
        return;
    }
    assert_true((size_t)snprintf(path, sizeof(path), "%s/docs/tipwatch.conf", srcdir) <
                sizeof(path));
    /* the documented file names the engine.md catalogue, nothing else */
    if (config_load_file(path, all, &c, &ei) != TW_OK)
        fail_msg("%s:%ld:%ld: %s", path, ei.line, ei.column, ei.msg);
    config_free(c);
}

/* ---- syntax ----------------------------------------------------------- */

static void test_comments_blanks_line_ends(void **state)
{
    config_t *c;

    (void)state;
    c = parse_ok("\xEF\xBB\xBF# BOM, then a comment\r\n"
                 "; another comment\r\n"
                 "\t version\t=\tv.2 ; trailing\r\n"
                 "\r\n"
                 "  [ minimum_wage ]   # spaced header\r"
                 "1900-01-01=55000\n"
                 "[levels]\nlow=30#c\nmedium = 60;c\n  high   =   85   \n"
                 "[ indicator   x ] ; c\nweight = 1\n");
    assert_string_equal(config_version(c), "v.2");
    assert_int_equal(config_min_wage(c, 0), 55000);
    assert_true(config_level_medium(c) == 60.0);
    assert_true(config_level_high(c) == 85.0);
    assert_true(config_indicator_param(c, "x", "weight", 0) == 1.0);
    config_free(c);
    /* no final line end */
    c = parse_ok(MIN "[score]\nprior = -1");
    assert_true(config_score(c, "prior", 0) == -1.0);
    config_free(c);
}

static void test_numbers(void **state)
{
    config_t *c;

    (void)state;
    c = parse_ok(MIN "[indicator a]\nw1 = 2.50\nw2 = 1e1\nw3 = +3\nw4 = -0\nw5 = 0.000\n"
                     "w6 = 1000000000\nw7 = 1E-2\nw8 = 1e-400\n");
    assert_true(config_indicator_param(c, "a", "w1", 0) == 2.5);
    assert_true(config_indicator_param(c, "a", "w2", 0) == 10.0);
    assert_true(config_indicator_param(c, "a", "w3", 0) == 3.0);
    assert_true(config_indicator_param(c, "a", "w4", 1) == 0.0);
    assert_true(config_indicator_param(c, "a", "w5", 1) == 0.0);
    assert_true(config_indicator_param(c, "a", "w6", 0) == 1e9);
    assert_true(config_indicator_param(c, "a", "w7", 0) == 0.01);
    assert_true(config_indicator_param(c, "a", "w8", 1) == 0.0); /* underflow is 0 */
    config_free(c);
}

typedef struct {
    const char *text;
    long line, col;
    const char *field, *msg;
} bad_t;

static void run_bad(const bad_t *cases, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        bad(cases[i].text, cases[i].line, cases[i].col, cases[i].field, cases[i].msg);
}

static void test_syntax_errors(void **state)
{
    static const bad_t cases[] = {
        /* missing '=' */
        { MIN "[score]\nprior -4\n", 9, 7, "prior", "expected '=' after 'prior'" },
        { MIN "[score]\nprior\n", 9, 6, "prior", "expected '='" },
        { MIN "[score]\nprior # = 4\n", 9, 7, "prior", "expected '='" },
        { MIN "[score]\n  = 4\n", 9, 3, "", "missing key before '='" },
        { MIN "[score]\nprior =   # nothing\n", 9, 11, "prior", "missing value" },
        { MIN "[score]\nprior =\n", 9, 8, "prior", "missing value" },
        /* sections */
        { MIN "[levles]\n", 8, 2, "levles", "unknown section [levles]" },
        { MIN "[Score]\n", 8, 2, "Score", "unknown section" },
        { MIN "[]\n", 8, 2, "", "unknown section []" },
        { MIN "[score\n", 8, 7, "score", "expected ']'" },
        { MIN "[score] x\n", 8, 9, "score", "unexpected text after the section header" },
        { MIN "[indicator]\n", 8, 11, "indicator", "needs the indicator id" },
        { MIN "[indicator a b]\n", 8, 14, "a", "expected ']'" },
        { MIN "[indicator Wage]\n", 8, 12, "Wage", "not an indicator id" },
        { MIN "[indicator 9a]\n", 8, 12, "9a", "not an indicator id" },
        { MIN "[score]\n[score]\n", 9, 2, "score", "section [score] appears twice (first at "
                                                   "line 8)" },
        { MIN "[indicator a]\n[indicator  a]\n", 9, 2, "indicator a",
          "section [indicator a] appears twice" },
        { HEAD "[levels]\nlow = 30\n[minimum_wage]\n", 6, 2, "minimum_wage", "appears twice" },
        /* top level */
        { "verison = 1\n", 1, 1, "verison", "unknown key 'verison' before the first section" },
        { "version = 1\nversion = 2\n", 2, 1, "version", "duplicate key 'version' (first at "
                                                         "line 1)" },
        { "version = a b\n", 1, 12, "version", "letters, digits" },
        { "version = \"1\"\n", 1, 11, "version", "letters, digits" },
        { "version = 12345678901234567890123456789012345678901234567890123456789012345\n", 1,
          11, "version", "longer than 64" },
        /* [levels] */
        { HEAD "[levels]\nlow = 30\nmediun = 60\n", 6, 1, "mediun",
          "unknown key 'mediun' in [levels]" },
        { HEAD "[levels]\nlow = 30\nlow = 40\n", 6, 1, "low",
          "duplicate key 'low' in [levels] (first at line 5)" },
        { HEAD "[levels]\nlow = -1\n", 5, 7, "low", "between 0 and 100" },
        { HEAD "[levels]\nlow = 30\nmedium = 60\nhigh = 100.5\n", 7, 8, "high",
          "between 0 and 100" },
        { HEAD "[levels]\nlow = 60\nmedium = 30\nhigh = 85\n", 6, 10, "medium",
          "levels must increase: low 60 is not below medium 30" },
        { HEAD "[levels]\nlow = 30\nmedium = 30\nhigh = 85\n", 6, 10, "medium",
          "low 30 is not below medium 30" },
        { HEAD "[levels]\nhigh = 85\nmedium = 90\nlow = 30\n", 6, 10, "medium",
          "medium 90 is not below high 85" },
        { HEAD "[levels]\nmedium = 10\nhigh = 85\nlow = 30\n", 7, 7, "low",
          "low 30 is not below medium 10" },
        { HEAD "[levels]\nlow = 30\nmedium = 60\n", 4, 1, "high", "[levels] has no high" },
        { HEAD, 0, 0, "levels", "the [levels] section is required" },
        /* [score] */
        { MIN "[score]\npriors = 1\n", 9, 1, "priors", "unknown key 'priors' in [score]" },
        { MIN "[score]\nweight = 1\n", 9, 1, "weight", "unknown key" },
        { MIN "[score]\nprior = 1\nprior = 2\n", 10, 1, "prior",
          "duplicate key 'prior' in [score] (first at line 9)" },
        { MIN "[score]\nprior = 21\n", 9, 9, "prior", "between -20 and 20" },
        { MIN "[score]\nvulnerability_max_factor = 2\n", 9, 28, "vulnerability_max_factor",
          "between 1 and 1.5" },
        { MIN "[score]\nvulnerability_max_factor = 0.9\n", 9, 28, "vulnerability_max_factor",
          "between 1 and 1.5" },
        { MIN "[score]\nrollup_weight = 1.2\n", 9, 17, "rollup_weight", "between 0 and 1" },
        { MIN "[score]\nrollup_min_applications = 0\n", 9, 27, "rollup_min_applications",
          "between 1 and 1e+06" },
        /* numbers */
        { MIN "[score]\nprior = nan\n", 9, 9, "prior", "'nan' is not a number" },
        { MIN "[score]\nprior = NaN\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = inf\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = -infinity\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = 1e999\n", 9, 9, "prior", "'1e999' is not a finite number" },
        { MIN "[indicator a]\nx = 1e999\n", 9, 5, "x", "is not a finite number" },
        { MIN "[indicator a]\nx = -1e999\n", 9, 5, "x", "is not a finite number" },
        { MIN "[score]\nprior = 0x10\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = 1,5\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = 1.\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = .5\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = --1\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = 1e\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = 1 2\n", 9, 9, "prior", "is not a number" },
        { MIN "[score]\nprior = four\n", 9, 9, "prior", "'four' is not a number" },
        /* [indicator ID] */
        { MIN "[indicator a]\nweight = -0.5\n", 9, 10, "weight", "weight must not be negative" },
        { MIN "[indicator a]\nweight = -1e-300\n", 9, 10, "weight", "must not be negative" },
        { MIN "[indicator a]\nweight = 10.5\n", 9, 10, "weight", "at most 10" },
        { MIN "[indicator a]\nratio = -1\n", 9, 9, "ratio", "ratio must not be negative" },
        { MIN "[indicator a]\ndays = 2e9\n", 9, 8, "days", "days must be at most 1e+09" },
        { MIN "[indicator a]\nweight = 1\nweight = 2\n", 10, 1, "weight",
          "duplicate key 'weight' in [indicator a] (first at line 9)" },
        { MIN "[indicator a]\nWeight = 1\n", 9, 1, "Weight", "not a parameter name" },
        { MIN "[indicator a]\nenabled = yes\n", 9, 11, "enabled", "true or false" },
        { MIN "[indicator a]\nenabled = 1\n", 9, 11, "enabled", "true or false" },
        /* [minimum_wage] */
        { HEAD "2020-01-01 = 68000\n2019-06-01 = 60000\n" LEVELS, 5, 1, "2019-06-01",
          "dates in [minimum_wage] must increase: 2019-06-01 comes after 2020-01-01" },
        { HEAD "2020-01-01 = 68000\n2020-01-01 = 60000\n" LEVELS, 5, 1, "2020-01-01",
          "duplicate key '2020-01-01' in [minimum_wage] (first at line 4)" },
        { HEAD "2020-01-01 = 68000\n1900-01-01 = 60000\n" LEVELS, 5, 1, "1900-01-01",
          "duplicate key" },
        { HEAD "2020-13-01 = 68000\n", 4, 1, "2020-13-01", "not a date" },
        { HEAD "2020-02-30 = 68000\n", 4, 1, "2020-02-30", "not a date" },
        { HEAD "2020-1-1 = 68000\n", 4, 1, "2020-1-1", "not a date" },
        { HEAD "01.01.2020 = 68000\n", 4, 1, "01.01.2020", "expected YYYY-MM-DD" },
        { HEAD "1899-12-31 = 68000\n", 4, 1, "1899-12-31", "not a date" },
        { HEAD "2020-01-01 = 68000.5\n", 4, 14, "2020-01-01", "whole number of AMD" },
        { HEAD "2020-01-01 = 0\n", 4, 14, "2020-01-01", "whole number of AMD from 1" },
        { HEAD "2020-01-01 = -5\n", 4, 14, "2020-01-01", "whole number" },
        { HEAD "2020-01-01 = 1000000001\n", 4, 14, "2020-01-01", "whole number" },
        { HEAD "2020-01-01 = lots\n", 4, 14, "2020-01-01", "'lots'" },
        /* version */
        { "[minimum_wage]\n1900-01-01 = 1\n" LEVELS, 0, 0, "version", "version is required" },
        { "", 0, 0, "version", "version is required" },
        { "[minimum_wage]\nversion = 1\n", 2, 1, "version", "not a date" },
        /* [mismatch] */
        { MIN "[mismatch]\n4 = 2653\n", 9, 1, "4", "'4' is not a 2-digit ISIC division" },
        { MIN "[mismatch]\n410 = 2653\n", 9, 1, "410", "not a 2-digit ISIC division" },
        { MIN "[mismatch]\nab = 2653\n", 9, 1, "ab", "not a 2-digit ISIC division" },
        { MIN "[mismatch]\n00 = 2653\n", 9, 1, "00", "not an ISIC Rev.4 division" },
        { MIN "[mismatch]\n41 = 26531\n", 9, 6, "41", "'26531' is not an ISCO-08 code or "
                                                    "prefix (1 to 4 digits)" },
        { MIN "[mismatch]\n41 = 2653, 26a3\n", 9, 12, "41", "'26a3' is not an ISCO-08 code" },
        { MIN "[mismatch]\n41 = 2653, -1\n", 9, 12, "41", "not an ISCO-08 code" },
        { MIN "[mismatch]\n41 = 26 53\n", 9, 6, "41", "'26 53' is not an ISCO-08 code" },
        { MIN "[mismatch]\n41 = 2653,,5131\n", 9, 11, "41", "empty item" },
        { MIN "[mismatch]\n41 = 2653, \n", 9, 11, "41", "empty item" },
        { MIN "[mismatch]\n41 = ,2653\n", 9, 6, "41", "empty item" },
        { MIN "[mismatch]\n41 = 0000\n", 9, 6, "41", "0000 is not an ISCO-08 unit group" },
        { MIN "[mismatch]\n41 = 2653, 93, 2653\n", 9, 16, "41",
          "'2653' is listed twice for division 41" },
        { MIN "[mismatch]\n41 = 2653\n41 = 5131\n", 10, 1, "41",
          "duplicate key '41' in [mismatch] (first at line 9)" },
    };

    (void)state;
    run_bad(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_known_indicators(void **state)
{
    config_t *c;

    (void)state;
    bad_len(MIN "[indicator wage_belw_minimum]\nweight = 1\n",
            strlen(MIN "[indicator wage_belw_minimum]\nweight = 1\n"), known_ids, 8, 12,
            "wage_belw_minimum", "unknown indicator 'wage_belw_minimum'");
    bad_len(MIN "[indicator minor_worke]\n", strlen(MIN "[indicator minor_worke]\n"), known_ids,
            8, 12, "minor_worke", "unknown indicator");
    bad_len(MIN "[indicator minor_worker_]\n", strlen(MIN "[indicator minor_worker_]\n"),
            known_ids, 8, 12, "minor_worker_", "unknown indicator");
    c = parse_ok_len(MIN "[indicator minor_worker]\nweight = 3\n[indicator wage_below_minimum]\n",
                     strlen(MIN "[indicator minor_worker]\nweight = 3\n"
                                "[indicator wage_below_minimum]\n"),
                     known_ids);
    assert_true(config_indicator_param(c, "minor_worker", "weight", 0) == 3.0);
    config_free(c);
    /* without a list any well-formed id goes */
    c = parse_ok(MIN "[indicator wage_belw_minimum]\nweight = 1\n");
    assert_true(config_indicator_param(c, "wage_belw_minimum", "weight", 0) == 1.0);
    config_free(c);
}

/* ---- limits and encoding ---------------------------------------------- */

static void test_line_too_long(void **state)
{
    size_t n = strlen(MIN), len = n + 4098;
    char *text = malloc(len + 1);

    (void)state;
    assert_non_null(text);
    memcpy(text, MIN, n);
    memcpy(text + n, "# ", 2);
    memset(text + n + 2, 'x', 4094); /* the comment line is exactly 4096 bytes */
    text[n + 4096] = '\n';
    config_free(parse_ok_len(text, n + 4097, NULL));
    text[n + 4096] = 'x'; /* now 4097 */
    text[n + 4097] = '\n';
    bad_len(text, len, NULL, 8, 4097, "", "line longer than 4096 bytes");
    free(text);
}

static void test_file_too_big(void **state)
{
    size_t n = strlen(MIN), cap = (size_t)1024 * 1024 + 1;
    char *text = malloc(cap);

    (void)state;
    assert_non_null(text);
    memcpy(text, MIN, n);
    memset(text + n, '\n', cap - n); /* blank lines */
    config_free(parse_ok_len(text, cap - 1, NULL));
    bad_len(text, cap, NULL, 0, 0, "", "larger than 1048576 bytes");
    free(text);
}

static void test_encoding_errors(void **state)
{
    (void)state;
    bad(MIN "# caf\xC3\n", 8, 6, "", "invalid UTF-8");
    bad(MIN "# \xC0\xAF overlong\n", 8, 3, "", "invalid UTF-8");
    bad(MIN "# \xED\xA0\x80 surrogate\n", 8, 3, "", "invalid UTF-8");
    bad(MIN "# \xF4\x90\x80\x80 past U+10FFFF\n", 8, 3, "", "invalid UTF-8");
    bad(MIN "[indicator a]\nweight = 1\xFF\n", 9, 11, "", "invalid UTF-8");
    bad_len(MIN "# a\0b\n", strlen(MIN) + 6, NULL, 8, 4, "", "NUL byte");
    /* valid UTF-8 in a comment is fine; in a key it is named, cut cleanly */
    config_free(parse_ok(MIN "# Երևան, минимальная зарплата\n"));
    bad(MIN "[score]\nпорог = 1\n", 9, 1, "порог", "unknown key 'порог'");
    bad(MIN "[indicator a]\nаааааааааааааааааааааааааааааааааааааааа = 1\n", 9, 1,
        "ааааааааааааааааааааааааааааааа", "not a parameter name");
}

/* ---- lookups ---------------------------------------------------------- */

static void test_min_wage_boundaries(void **state)
{
    config_t *c = NULL;

    (void)state;
    assert_int_equal(config_default(&c), TW_OK);
    assert_int_equal(config_min_wage(c, day("1900-01-01") - 1), -1);
    assert_int_equal(config_min_wage(c, INT32_MIN), -1);
    assert_int_equal(config_min_wage(c, day("1900-01-01")), 55000);
    assert_int_equal(config_min_wage(c, day("1900-01-02")), 55000);
    assert_int_equal(config_min_wage(c, day("2019-12-31")), 55000);
    assert_int_equal(config_min_wage(c, day("2020-01-01")), 68000);
    assert_int_equal(config_min_wage(c, day("2020-01-02")), 68000);
    assert_int_equal(config_min_wage(c, day("2022-12-31")), 68000);
    assert_int_equal(config_min_wage(c, day("2023-01-01")), 75000);
    assert_int_equal(config_min_wage(c, day("2023-01-02")), 75000);
    assert_int_equal(config_min_wage(c, day("2026-11-23")), 75000);
    assert_int_equal(config_min_wage(c, INT32_MAX), 75000);
    config_free(c);

    /* no table, or an empty one: no minimum wage on any day */
    c = parse_ok("version = 1\n" LEVELS);
    assert_int_equal(config_min_wage(c, day("2023-01-01")), -1);
    assert_int_equal(config_min_wage(c, INT32_MAX), -1);
    config_free(c);
    c = parse_ok("version = 1\n[minimum_wage]\n" LEVELS);
    assert_int_equal(config_min_wage(c, day("2023-01-01")), -1);
    config_free(c);

    /* a table that starts late, with one entry */
    c = parse_ok("version = 1\n[minimum_wage]\n2020-01-01 = 68000\n" LEVELS);
    assert_int_equal(config_min_wage(c, day("2019-12-31")), -1);
    assert_int_equal(config_min_wage(c, day("2020-01-01")), 68000);
    assert_int_equal(config_min_wage(c, INT32_MAX), 68000);
    config_free(c);
}

static void test_min_wage_many(void **state)
{
    char text[8192];
    size_t n;
    int32_t d0 = day("2000-01-01"), k;
    config_t *c;

    (void)state;
    /* 100 entries, every 30 days; amount = 1000 + index */
    n = (size_t)snprintf(text, sizeof(text), "version = 1\n" LEVELS "[minimum_wage]\n");
    for (k = 0; k < 100; k++) {
        char iso[11];
        value_format_date(d0 + 30 * k, iso);
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s = %d\n", iso, 1000 + k);
        assert_true(n < sizeof(text));
    }
    c = parse_ok(text);
    assert_int_equal(config_min_wage(c, d0 - 1), -1);
    for (k = 0; k < 100; k++) {
        assert_int_equal(config_min_wage(c, d0 + 30 * k), 1000 + k);
        assert_int_equal(config_min_wage(c, d0 + 30 * k + 29), 1000 + k);
        if (k > 0)
            assert_int_equal(config_min_wage(c, d0 + 30 * k - 1), 1000 + k - 1);
    }
    config_free(c);
}

static void test_mismatch_codes_and_prefixes(void **state)
{
    config_t *c = parse_ok(MIN "[mismatch]\n41 = 93, 7, 2653, 514\n97 = 9313\n");

    (void)state;
    /* exact code */
    assert_int_equal(config_mismatch(c, "41", "2653"), 1);
    assert_int_equal(config_mismatch(c, "41", "2654"), 0);
    assert_int_equal(config_mismatch(c, "41", "2652"), 0);
    /* two-digit prefix: every 93xx and nothing else */
    assert_int_equal(config_mismatch(c, "41", "9300"), 1);
    assert_int_equal(config_mismatch(c, "41", "9313"), 1);
    assert_int_equal(config_mismatch(c, "41", "9399"), 1);
    assert_int_equal(config_mismatch(c, "41", "9299"), 0);
    assert_int_equal(config_mismatch(c, "41", "9400"), 0);
    /* one- and three-digit prefixes */
    assert_int_equal(config_mismatch(c, "41", "7000"), 1);
    assert_int_equal(config_mismatch(c, "41", "7999"), 1);
    assert_int_equal(config_mismatch(c, "41", "6999"), 0);
    assert_int_equal(config_mismatch(c, "41", "8000"), 0);
    assert_int_equal(config_mismatch(c, "41", "5140"), 1);
    assert_int_equal(config_mismatch(c, "41", "5149"), 1);
    assert_int_equal(config_mismatch(c, "41", "5150"), 0);
    /* the list belongs to its division only */
    assert_int_equal(config_mismatch(c, "97", "9313"), 1);
    assert_int_equal(config_mismatch(c, "97", "9312"), 0);
    assert_int_equal(config_mismatch(c, "97", "2653"), 0);
    assert_int_equal(config_mismatch(c, "42", "2653"), 0);
    assert_int_equal(config_mismatch(c, "01", "9313"), 0);
    /* arguments that are not a division and a unit group */
    assert_int_equal(config_mismatch(c, "4", "2653"), 0);
    assert_int_equal(config_mismatch(c, "410", "2653"), 0);
    assert_int_equal(config_mismatch(c, "4a", "2653"), 0);
    assert_int_equal(config_mismatch(c, "", "2653"), 0);
    assert_int_equal(config_mismatch(c, "41", "93"), 0);
    assert_int_equal(config_mismatch(c, "41", "265"), 0);
    assert_int_equal(config_mismatch(c, "41", "26531"), 0);
    assert_int_equal(config_mismatch(c, "41", "26a3"), 0);
    assert_int_equal(config_mismatch(c, "41", ""), 0);
    assert_int_equal(config_mismatch(c, NULL, "2653"), 0);
    assert_int_equal(config_mismatch(c, "41", NULL), 0);
    config_free(c);

    /* no [mismatch] at all */
    c = parse_ok(MIN);
    assert_int_equal(config_mismatch(c, "41", "2653"), 0);
    config_free(c);
}

static void test_indicator_lookups(void **state)
{
    config_t *c = parse_ok(MIN "[indicator b]\nweight = 2\nratio = 0.5\n"
                               "[indicator a]\nenabled = false\nweight = 1\n"
                               "[indicator c]\nenabled = true\n"
                               "[indicator d]\n");

    (void)state;
    assert_true(config_indicator_param(c, "b", "weight", -1) == 2.0);
    assert_true(config_indicator_param(c, "b", "ratio", -1) == 0.5);
    assert_true(config_indicator_param(c, "b", "min_workers", -1) == -1.0); /* key absent */
    assert_true(config_indicator_param(c, "a", "weight", -1) == 1.0);
    assert_true(config_indicator_param(c, "a", "ratio", -1) == -1.0);
    assert_true(config_indicator_param(c, "zz", "weight", 7.5) == 7.5); /* section absent */
    assert_true(config_indicator_param(c, "", "weight", 7.5) == 7.5);
    assert_true(config_indicator_param(c, "d", "weight", 7.5) == 7.5); /* empty section */
    assert_true(config_indicator_param(c, NULL, "weight", 7.5) == 7.5);
    assert_true(config_indicator_param(c, "b", NULL, 7.5) == 7.5);
    /* enabled: explicit false, explicit true, absent key, absent section */
    assert_int_equal(config_indicator_enabled(c, "a"), 0);
    assert_int_equal(config_indicator_enabled(c, "c"), 1);
    assert_int_equal(config_indicator_enabled(c, "b"), 1);
    assert_int_equal(config_indicator_enabled(c, "d"), 1);
    assert_int_equal(config_indicator_enabled(c, "zz"), 1);
    assert_int_equal(config_indicator_enabled(c, NULL), 1);
    assert_true(config_indicator_param(c, "a", "enabled", -1) == 0.0);
    assert_true(config_indicator_param(c, "b", "enabled", -1) == -1.0);
    /* [score] keys are optional; unknown ones give the default */
    assert_true(config_score(c, "prior", -3.5) == -3.5);
    assert_true(config_score(c, "vulnerability_max_factor", 1.25) == 1.25);
    assert_true(config_score(c, "rollup_weight", 0.75) == 0.75);
    assert_true(config_score(c, "nonsense", 2.0) == 2.0);
    assert_true(config_score(c, NULL, 2.0) == 2.0);
    config_free(c);
}

static void test_many_indicators(void **state)
{
    /* enough sections and keys that a binary search has to be right */
    static char text[200000];
    size_t n = 0;
    int i, k;
    config_t *c;

    (void)state;
    n += (size_t)snprintf(text, sizeof(text), "%s", MIN);
    for (i = 299; i >= 0; i--) { /* reverse order in the file */
        n += (size_t)snprintf(text + n, sizeof(text) - n, "[indicator i%03d]\n", i);
        for (k = 0; k < 7; k++)
            n += (size_t)snprintf(text + n, sizeof(text) - n, "p%d = %d\n", (k * 3) % 7,
                                  i * 10 + (k * 3) % 7);
        assert_true(n < sizeof(text));
    }
    c = parse_ok(text);
    for (i = 0; i < 300; i++) {
        char id[16];
        snprintf(id, sizeof(id), "i%03d", i);
        for (k = 0; k < 7; k++) {
            char key[16];
            snprintf(key, sizeof(key), "p%d", k);
            assert_true(config_indicator_param(c, id, key, -1) == (double)(i * 10 + k));
        }
        assert_true(config_indicator_param(c, id, "p7", -1) == -1.0);
        assert_true(config_indicator_param(c, id, "p", -1) == -1.0);
    }
    assert_true(config_indicator_param(c, "i300", "p0", -1) == -1.0);
    assert_true(config_indicator_param(c, "i", "p0", -1) == -1.0);
    config_free(c);
}

/* ---- digest ----------------------------------------------------------- */

/* Relative thresholds: `KEY = pP [within DIMS]`; what is read back, the
 * digest, and each kind of bad value with its column. */
static void test_relative_thresholds(void **state)
{
    double pct = -1;
    unsigned dims = 99;
    config_t *c = parse_ok(MIN "[indicator a]\nsalary = p05 within sector,region,year\n"
                               "ratio = p99.5 within year, sector\nmin_applications = p90\n"
                               "weight = 2\n");
    config_t *c2, *c3;

    (void)state;
    assert_int_equal(config_indicator_rel(c, "a", "salary", &pct, &dims), 1);
    assert_true(pct == 5.0);
    assert_int_equal(dims, CONFIG_REL_SECTOR | CONFIG_REL_REGION | CONFIG_REL_YEAR);
    assert_int_equal(config_indicator_rel(c, "a", "ratio", &pct, &dims), 1);
    assert_true(pct == 99.5);
    assert_int_equal(dims, CONFIG_REL_SECTOR | CONFIG_REL_YEAR);
    assert_int_equal(config_indicator_rel(c, "a", "min_applications", &pct, &dims), 1);
    assert_true(pct == 90.0);
    assert_int_equal(dims, 0);
    /* a plain number or an absent key is not relative; the plain lookup of a
     * relative key answers the caller's default */
    assert_int_equal(config_indicator_rel(c, "a", "weight", &pct, &dims), 0);
    assert_int_equal(config_indicator_rel(c, "a", "hours", &pct, &dims), 0);
    assert_int_equal(config_indicator_rel(c, "b", "salary", &pct, &dims), 0);
    assert_true(config_indicator_param(c, "a", "salary", -7) == -7);
    /* the digest sees the percentile and the dimensions, not their spelling */
    c2 = parse_ok(MIN "[indicator a]\nsalary = p5 within year,region,sector\n"
                      "ratio = p99.50 within sector,year\nmin_applications = p90\n"
                      "weight = 2\n");
    c3 = parse_ok(MIN "[indicator a]\nsalary = p5 within sector,region\n"
                      "ratio = p99.5 within sector,year\nmin_applications = p90\n"
                      "weight = 2\n");
    assert_true(config_digest(c) == config_digest(c2));
    assert_true(config_digest(c) != config_digest(c3));
    config_free(c);
    config_free(c2);
    config_free(c3);
    bad(MIN "[indicator a]\nsalary = p101\n", 9, 11, "salary", "between 0 and 100");
    bad(MIN "[indicator a]\nsalary = p-1\n", 9, 11, "salary", "between 0 and 100");
    bad(MIN "[indicator a]\nsalary = p\n", 9, 11, "salary", "is not a number");
    bad(MIN "[indicator a]\nsalary = pfive\n", 9, 11, "salary", "is not a number");
    bad(MIN "[indicator a]\nsalary = p5 among sector\n", 9, 13, "salary", "'within'");
    bad(MIN "[indicator a]\nsalary = p5 within\n", 9, 13, "salary", "'within'");
    bad(MIN "[indicator a]\nsalary = p5 within town\n", 9, 20, "salary",
        "'town' is not a dimension");
    bad(MIN "[indicator a]\nsalary = p5 within sector,sector\n", 9, 27, "salary",
        "sector is named twice");
    bad(MIN "[indicator a]\nsalary = p5 within sector/year\n", 9, 20, "salary",
        "is not a dimension");
    bad(MIN "[indicator a]\nsalary = p5 within sector year\n", 9, 27, "salary",
        "separated by commas");
    bad(MIN "[indicator a]\nweight = p50\n", 9, 10, "weight", "cannot be a percentile");
    bad(MIN "[indicator a]\nweight_worker = p50\n", 9, 17, "weight_worker",
        "cannot be a percentile");
    bad(MIN "[indicator a]\nsalary = p5\nsalary = 3\n", 10, 1, "salary", "");
}

static void test_digest_same_content(void **state)
{
    static const char a[] = "version = v1\n"
                            "[minimum_wage]\n1900-01-01 = 55000\n2020-01-01 = 68000\n"
                            "[levels]\nlow = 30\nmedium = 60\nhigh = 85\n"
                            "[score]\nprior = -4.0\n"
                            "[indicator x]\nweight = 2.5\nratio = 0.6\n"
                            "[indicator y]\nweight = 1\n"
                            "[mismatch]\n41 = 2653, 93\n97 = 9313\n";
    /* comments, spacing, line ends, key and section order, number spellings,
     * the order inside a list, an explicit enabled = true, an empty section */
    static const char b[] = "# the same, written differently\r\n"
                            "version=v1\r\n"
                            "[levels]\r\nhigh = 85.0\r\nlow=3e1\r\nmedium = +60 ; c\r\n"
                            "[mismatch]\r\n97 = 9313\r\n41 = 93 ,2653\r\n"
                            "[indicator y]\r\nenabled = true\r\nweight = 1.000\r\n"
                            "[indicator z]\r\n"
                            "[score]\r\n   prior   =   -4   # log-odds\r\n"
                            "[indicator x]\r\nratio = 0.60\r\nweight = 2.5\r\n"
                            "[minimum_wage]\r\n1900-01-01 = 055000\r\n2020-01-01 = 68000\r\n";
    uint64_t da = digest_of(a);
    config_t *c = NULL;

    (void)state;
    assert_true(da == digest_of(b));
    /* the version is part of the content */
    {
        char v2[sizeof(a)];
        memcpy(v2, a, sizeof(a));
        v2[11] = '2'; /* "version = v2" */
        assert_true(da != digest_of(v2));
    }
    /* the default digest is stable across calls */
    assert_int_equal(config_default(&c), TW_OK);
    assert_true(config_digest(c) != 0);
    {
        config_t *d = NULL;
        assert_int_equal(config_default(&d), TW_OK);
        assert_true(config_digest(c) == config_digest(d));
        config_free(d);
    }
    config_free(c);
}

static void test_digest_changes(void **state)
{
    static const char base[] = "version = v1\n"
                               "[minimum_wage]\n1900-01-01 = 55000\n"
                               "[levels]\nlow = 30\nmedium = 60\nhigh = 85\n";
    static const char *const extra[] = {
        "",
        "[score]\nprior = -4\n",
        "[score]\nprior = -4.01\n",
        "[score]\nvulnerability_max_factor = 1.5\n",
        "[indicator x]\nweight = 2.5\n",
        "[indicator x]\nweight = 2.6\n",
        "[indicator x]\nweight = 2.5\nratio = 0.6\n",
        "[indicator x]\nweight = 2.5\nenabled = false\n",
        "[indicator y]\nweight = 2.5\n",
        "[indicator x]\nwieght = 2.5\n",
        "[indicator x]\nenabled = false\n",
        "[indicator y]\nenabled = false\n",
        "[mismatch]\n41 = 2653\n",
        "[mismatch]\n41 = 2654\n",
        "[mismatch]\n42 = 2653\n",
        "[mismatch]\n41 = 265\n",
        "[mismatch]\n41 = 2653, 9313\n",
    };
    static const char *const whole[] = {
        "version = v1\n[minimum_wage]\n1900-01-01 = 55001\n"
        "[levels]\nlow = 30\nmedium = 60\nhigh = 85\n",
        "version = v1\n[minimum_wage]\n1900-01-02 = 55000\n"
        "[levels]\nlow = 30\nmedium = 60\nhigh = 85\n",
        "version = v1\n[minimum_wage]\n1900-01-01 = 55000\n2020-01-01 = 68000\n"
        "[levels]\nlow = 30\nmedium = 60\nhigh = 85\n",
        "version = v1\n[minimum_wage]\n1900-01-01 = 55000\n"
        "[levels]\nlow = 31\nmedium = 60\nhigh = 85\n",
        "version = v1\n[minimum_wage]\n1900-01-01 = 55000\n"
        "[levels]\nlow = 30\nmedium = 60.5\nhigh = 85\n",
        "version = v1\n[minimum_wage]\n1900-01-01 = 55000\n"
        "[levels]\nlow = 30\nmedium = 60\nhigh = 84.999\n",
    };
    uint64_t seen[64];
    size_t n = 0, i, j;
    char text[1024];

    (void)state;
    for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
        assert_true((size_t)snprintf(text, sizeof(text), "%s%s", base, extra[i]) <
                    sizeof(text));
        seen[n++] = digest_of(text);
    }
    for (i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
        seen[n++] = digest_of(whole[i]);
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (seen[i] == seen[j])
                fail_msg("variants %zu and %zu have one digest", i, j);
}

/* ---- files ------------------------------------------------------------ */

static void test_load_file(void **state)
{
    char path[] = "/tmp/test_config_XXXXXX";
    const char *text = MIN "[score]\nprior = nan\n";
    config_t *c = (config_t *)&c;
    tw_errinfo_t ei;
    int fd;

    (void)state;
    assert_int_equal(config_load_file("/nonexistent/tipwatch.conf", NULL, &c, &ei),
                     TW_ENOTFOUND);
    assert_null(c);
    assert_string_equal(ei.file, "/nonexistent/tipwatch.conf");

    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(config_load_file(path, NULL, &c, &ei), TW_EINPUT);
    assert_null(c);
    assert_string_equal(ei.file, path);
    assert_int_equal(ei.line, 9);
    assert_int_equal(ei.column, 9);

    fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, MIN, strlen(MIN)), (ssize_t)strlen(MIN));
    close(fd);
    assert_int_equal(config_load_file(path, NULL, &c, &ei), TW_OK);
    assert_string_equal(config_version(c), "t1");
    config_free(c);
    unlink(path);

    /* a NULL errinfo is allowed */
    assert_int_equal(config_parse("x", 1, NULL, NULL, &c, NULL), TW_EINPUT);
    assert_null(c);
    config_free(NULL);
}

/* [cases]: whole numbers within their ranges, not in the digest; a
 * reflection period under the law's 30 days, a fraction, an unknown key are
 * errors at the value or key. */
static void test_cases_section(void **state)
{
    config_t *c;
    (void)state;

    c = parse_ok(MIN "[cases]\npreid_days = 5\nreflection_days = 45\nretention_days = 365\n"
                     "state_payment_amd = 300000\nattachment_max_bytes = 1048576\n");
    assert_int_equal(config_cases(c, "preid_days", 0), 5);
    assert_int_equal(config_cases(c, "reflection_days", 0), 45);
    assert_int_equal(config_cases(c, "retention_days", 0), 365);
    assert_int_equal(config_cases(c, "state_payment_amd", 0), 300000);
    assert_int_equal(config_cases(c, "attachment_max_bytes", 0), 1048576);
    assert_int_equal(config_cases(c, "no_such_key", 7), 7);
    config_free(c);
    c = parse_ok(MIN);
    assert_int_equal(config_cases(c, "preid_days", 10), 10);
    config_free(c);
    assert_true(digest_of(MIN) == digest_of(MIN "[cases]\npreid_days = 3\n"));
    bad(MIN "[cases]\nreflection_days = 29\n", 9, 19, "reflection_days",
        "reflection_days must be between 30 and 3650, not 29");
    bad(MIN "[cases]\npreid_days = 2.5\n", 9, 14, "preid_days",
        "preid_days is a whole number, not 2.5");
    bad(MIN "[cases]\nshelter = 1\n", 9, 1, "shelter", "unknown key 'shelter' in [cases]");
}

/* [link] belongs to `tipwatch link` (link/link_config.c): the engine's
 * parser accepts it so that one deployment file holds both, checks its keys
 * and numbers, and leaves it out of the digest (alerts do not depend on it). */
static void test_link_section(void **state)
{
    config_t *c;
    (void)state;

    c = parse_ok(MIN "[link]\nthreshold = 5.5\nreview_low = -2\nveto = -10\nblock_cap = 800\n"
                     "[cases]\npreid_days = 5\n");
    assert_int_equal(config_cases(c, "preid_days", 0), 5);
    config_free(c);
    assert_true(digest_of(MIN) == digest_of(MIN "[link]\nthreshold = 7\n"));
    bad(MIN "[link]\nthreshhold = 5\n", 9, 1, "threshhold", "unknown key 'threshhold' in [link]");
    bad(MIN "[link]\nveto = low\n", 9, 8, "veto", "'low' is not a number");
    bad(MIN "[link]\nveto = 1\nveto = 2\n", 10, 1, "veto", "first at line 9");
    bad(MIN "[link]\n[link]\n", 9, 2, "link", "appears twice");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_docs_file),
        cmocka_unit_test(test_header_example),
        cmocka_unit_test(test_default_known_ids),
        cmocka_unit_test(test_comments_blanks_line_ends),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_known_indicators),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_file_too_big),
        cmocka_unit_test(test_encoding_errors),
        cmocka_unit_test(test_min_wage_boundaries),
        cmocka_unit_test(test_min_wage_many),
        cmocka_unit_test(test_mismatch_codes_and_prefixes),
        cmocka_unit_test(test_indicator_lookups),
        cmocka_unit_test(test_relative_thresholds),
        cmocka_unit_test(test_many_indicators),
        cmocka_unit_test(test_digest_same_content),
        cmocka_unit_test(test_digest_changes),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_cases_section),
        cmocka_unit_test(test_link_section),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
