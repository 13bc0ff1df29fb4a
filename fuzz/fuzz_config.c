/*
 * fuzz_config.c - libFuzzer target for tipwatch.conf (src/engine/config.c).
 *
 * Parses the input twice: without a list of known indicators and with the
 * engine.md catalogue. A failure must be TW_EINPUT with a message, a
 * position inside the input (line 0 and column 0 only for whole-file
 * errors) and no config. A success is checked against the contract: levels
 * increase within 0..100, the version is well-formed, lookups answer without
 * crashing for names taken from the input, and a parse that passes the known
 * list passes without it with the same digest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/config.h"

#define CHECK(c)                                                                       \
    do {                                                                               \
        if (!(c)) {                                                                    \
            fprintf(stderr, "fuzz_config: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                   \
        }                                                                              \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const catalogue[] = {
    "wage_below_minimum", "wage_far_below_peers", "hours_over_legal", "hours_excessive",
    "crowded_residence", "residence_is_workplace", "shared_employer_address", "shared_phone",
    "phone_across_employers", "intermediary_share", "intermediary_spike",
    "permits_over_headcount", "new_employer_many_permits", "occupation_sector_mismatch",
    "minor_worker", "young_one_sex_entertainment", "rapid_transfers", "never_entered",
    "exit_reentry", "prior_violations", "reports_touching", NULL,
};

static void check_failure(tw_err_t err, const config_t *c, const tw_errinfo_t *ei,
                          size_t lines)
{
    CHECK(err == TW_EINPUT);
    CHECK(c == NULL);
    CHECK(ei->msg[0] != '\0');
    CHECK(strcmp(ei->file, "fuzz.conf") == 0);
    CHECK(ei->line >= 0 && (size_t)ei->line <= lines);
    CHECK(ei->column >= 0 && ei->column <= 4097);
    CHECK((ei->line == 0) == (ei->column == 0));
}

/* Lookups with names cut from the input: must not crash, must be sane. */
static void probe(const config_t *c, const char *s, size_t len)
{
    char name[80];
    double w;
    int e;

    if (len >= sizeof(name))
        len = sizeof(name) - 1;
    memcpy(name, s, len);
    name[len] = '\0';
    w = config_indicator_param(c, name, "weight", -1.0);
    CHECK(w == -1.0 || (w >= 0.0 && w <= 10.0));
    e = config_indicator_enabled(c, name);
    CHECK(e == 0 || e == 1);
    (void)config_indicator_param(c, "wage_below_minimum", name, 0.0);
    (void)config_score(c, name, 0.0);
    if (len >= 6) {
        char sector[3] = { name[0], name[1], '\0' };
        CHECK(config_mismatch(c, sector, name + 2) == 0 || len == 6);
    }
}

static void check_success(const config_t *c, const char *text, size_t size)
{
    const char *v = config_version(c);
    size_t pos = 0, eol;
    int32_t d;
    int64_t prev;

    CHECK(v != NULL && v[0] != '\0' && strlen(v) <= 64);
    CHECK(config_level_low(c) >= 0.0 && config_level_low(c) < config_level_medium(c));
    CHECK(config_level_medium(c) < config_level_high(c) && config_level_high(c) <= 100.0);
    CHECK(config_min_wage(c, INT32_MIN) == -1);
    CHECK(config_min_wage(c, INT32_MAX) == -1 || config_min_wage(c, INT32_MAX) >= 1);
    /* dates are in 1900..2100: -25567 is 1900-01-01, 47482 is 2100-12-31 */
    CHECK(config_min_wage(c, -25568) == -1);
    for (d = -25567, prev = -1; d <= 47482; d += 97) {
        int64_t w = config_min_wage(c, d);
        CHECK(w == -1 || (w >= 1 && w <= 1000000000));
        CHECK(prev == -1 || w != -1); /* once in force, always some wage */
        prev = w;
    }
    CHECK(config_score(c, "prior", 0.0) >= -20.0 && config_score(c, "prior", 0.0) <= 20.0);
    probe(c, "", 0);
    while (pos < size) {
        for (eol = pos; eol < size && text[eol] != '\n' && text[eol] != '\r'; eol++)
            ;
        probe(c, text + pos, eol - pos);
        pos = eol + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    config_t *a = (config_t *)&a, *b = (config_t *)&b, *again = NULL;
    tw_errinfo_t ei;
    tw_err_t ea, eb;
    size_t lines = 1, k;

    for (k = 0; k < size; k++)
        if (text[k] == '\n' || (text[k] == '\r' && (k + 1 == size || text[k + 1] != '\n')))
            lines++;

    ea = config_parse(text, size, "fuzz.conf", NULL, &a, &ei);
    if (ea != TW_OK)
        check_failure(ea, a, &ei, lines);
    eb = config_parse(text, size, "fuzz.conf", catalogue, &b, &ei);
    if (eb != TW_OK)
        check_failure(eb, b, &ei, lines);
    /* the known list only takes away */
    if (eb == TW_OK)
        CHECK(ea == TW_OK && config_digest(a) == config_digest(b));
    if (ea == TW_OK) {
        CHECK(a != NULL);
        check_success(a, text, size);
        /* parsing is deterministic */
        CHECK(config_parse(text, size, NULL, NULL, &again, NULL) == TW_OK);
        CHECK(config_digest(again) == config_digest(a));
        CHECK(strcmp(config_version(again), config_version(a)) == 0);
    }
    config_free(again);
    config_free(a);
    config_free(b);
    return 0;
}
