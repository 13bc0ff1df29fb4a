/*
 * config.h - tipwatch.conf: the versioned thresholds, weights and tables the
 * screening engine runs under.
 *
 * Format (INI-like, UTF-8, '#' or ';' starts a comment line):
 *
 *     version = 2026-11-23.1            # required; recorded with every alert
 *
 *     [minimum_wage]                    # dated table, AMD per month
 *     1900-01-01 = 55000
 *     2020-01-01 = 68000
 *     2023-01-01 = 75000
 *
 *     [levels]                          # score thresholds, 0..100, increasing
 *     low = 30
 *     medium = 60
 *     high = 85
 *
 *     [score]
 *     prior = -4.0                      # log-odds with no evidence
 *     vulnerability_max_factor = 1.5    # cap on what vulnerability can multiply
 *     prior_worker = -5.2               # optional, per kind of entity (calibrate)
 *
 *     [indicator wage_below_minimum]    # one section per indicator
 *     enabled = true
 *     weight = 2.5                      # log-odds added at full strength
 *     weight_employer = 1.8             # optional: the weight for one kind (calibrate)
 *     ratio = 0.6                       # any other numeric parameter
 *
 *     [mismatch]                        # occupation that does not fit the sector:
 *     41 = 2653, 5131                   #   ISIC division = ISCO codes or prefixes
 *     97 = 9313, 7112                   #   ("93" matches every 93xx)
 *
 *     [cases]                           # NRM case policy (cases.h); optional
 *     preid_days = 10                   # pre-identification decided within
 *     reflection_days = 30              # reflection and recovery, >= 30
 *     retention_days = 1826             # personal data kept after closing
 *     state_payment_amd = 250000        # the one-time state payment
 *     attachment_max_bytes = 10485760   # per attachment, <= 64 MiB
 *
 * Every value is checked: numbers are finite decimals within the range the
 * key allows, dates are ISO, the minimum-wage dates increase, level
 * thresholds increase, indicator sections name known indicators only when
 * the caller passes the list of known ids. Any error is TW_EINPUT with file,
 * line, column and key in *ei; a config with an error is never half-used.
 *
 * Defaults: config_default() gives the built-in configuration (the same
 * values as docs/tipwatch.conf), so a missing file is not an error for the
 * caller that chooses to fall back.
 *
 * Ownership: a config_t owns all its strings; read-only after load, so it may
 * be shared between threads. Free with config_free().
 */
#ifndef TW_CONFIG_H
#define TW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct config config_t;

/* Parses text[0..len); `name` is used in error messages (may be NULL).
 * `known` is a NULL-terminated list of indicator ids, or NULL to accept any
 * [indicator ID] section. */
tw_err_t config_parse(const char *text, size_t len, const char *name,
                      const char *const *known, config_t **out, tw_errinfo_t *ei);
tw_err_t config_load_file(const char *path, const char *const *known, config_t **out,
                          tw_errinfo_t *ei);
/* The built-in configuration. */
tw_err_t config_default(config_t **out);
/* The built-in configuration, parsed once per process and shared, read-only
 * (NULL only when out of memory). For code that asks for default values on
 * a hot path (score_compute) instead of parsing the text each time. */
const config_t *config_builtin(void);
void config_free(config_t *c);
/* The text config_default() parses (for writing a complete config from the
 * built-in one, calibrate.c); static, not NUL-terminated within *len. */
const char *config_builtin_text(size_t *len);

const char *config_version(const config_t *c);
/* 64-bit digest of the parsed content (not the text), for comparing configs. */
uint64_t config_digest(const config_t *c);

/* Minimum monthly wage in AMD in force on `day` (days since 1970-01-01);
 * -1 when the table has no entry that early. */
int64_t config_min_wage(const config_t *c, int32_t day);

/* Level thresholds (0..100). */
double config_level_low(const config_t *c);
double config_level_medium(const config_t *c);
double config_level_high(const config_t *c);

/* [score] values; `def` when absent. */
double config_score(const config_t *c, const char *key, double def);
/* [cases] KEY (a whole number checked against its range), or `def` when the
 * file does not set it or the key is unknown. Not in config_digest(). */
int64_t config_cases(const config_t *c, const char *key, int64_t def);

/* An indicator's parameter (weight, ratio, min_workers ...): the configured
 * value, or `def` when the section or the key is absent. */
double config_indicator_param(const config_t *c, const char *indicator, const char *key,
                              double def);
/* A threshold set relative to the register (`KEY = p05 within sector,
 * region,year`): 1 with the percentile (0..100) in *pct and the dimensions
 * in *dims (CONFIG_REL_SECTOR | CONFIG_REL_REGION | CONFIG_REL_YEAR; 0 the
 * whole register); 0 when KEY is absent or a plain number. */
#define CONFIG_REL_SECTOR 1u
#define CONFIG_REL_REGION 2u
#define CONFIG_REL_YEAR 4u
int config_indicator_rel(const config_t *c, const char *indicator, const char *key,
                         double *pct, unsigned *dims);
/* 0 when the section says enabled = false; 1 otherwise. */
int config_indicator_enabled(const config_t *c, const char *indicator);

/* 1 when occupation `isco` (4 digits) is listed as not fitting ISIC division
 * `sector` (2 digits) in [mismatch]. */
int config_mismatch(const config_t *c, const char *sector, const char *isco);

#endif
