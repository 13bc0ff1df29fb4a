/*
 * nrm_stats.h - the statistics the country reports from its NRM cases:
 * SDG indicator 16.2.2 (victims per 100,000 population, with a population
 * file), UNODC GLOTIP-style tables of victims detected, both with
 * small-cell and complementary suppression, and the k-anonymous case-level
 * extract in the CTDC / HTCDS v2.0 shape with its checker. Definitions:
 * docs/internals/stats.md ("National statistics").
 *
 * Cases are read only through cases_profiles() (cases.h): coded fields and
 * years, never a person's data. Thread model: the caller's store_t.
 */
#ifndef TW_NRM_STATS_H
#define TW_NRM_STATS_H

#include "cases/cases.h"
#include "stats/stats.h"

typedef cases_actor_t nrm_actor_t;

/* Cells counting 1 .. NRM_SUPPRESS_BELOW-1 are suppressed. */
#define NRM_SUPPRESS_BELOW 5
#define NRM_CTDC_K_DEFAULT 11

typedef struct nrm_population nrm_population_t;

/* Reads the population file (CSV: year,sex,age_group,population; sex all,
 * Female or Male; age_group all, child (0-17) or adult (18+)). path NULL
 * or missing: TW_EINPUT naming the file SDG 16.2.2 needs. A bad row:
 * TW_EINPUT with the file, line and field. out may be NULL (only checks);
 * free with nrm_population_free(). */
tw_err_t nrm_population_load(const char *path, nrm_population_t **out, tw_errinfo_t *ei);
void nrm_population_free(nrm_population_t *p);

/* SDG 16.2.2 over identified victims, by the year of the identification
 * decision (year 0: every year). The caller frees *out. */
tw_err_t nrm_sdg_1622(store_t *st, const nrm_actor_t *act, const char *population_path, int year,
                      stats_table_t **out, tw_errinfo_t *ei);
/* GLOTIP: victims detected (every case registered, by year of
 * registration) by sex and age (women, men, girls, boys), form of
 * exploitation and citizenship. */
tw_err_t nrm_glotip(store_t *st, const nrm_actor_t *act, int year, stats_table_t **out,
                    tw_errinfo_t *ei);
/* GLOTIP: suspected offenders detected (cases.h "suspected offenders", by
 * the year recorded) by sex and age (women, men, girls, boys), the case's
 * forms of exploitation and citizenship, with the same suppression; the
 * count column is `offenders`. */
tw_err_t nrm_glotip_offenders(store_t *st, const nrm_actor_t *act, int year,
                              stats_table_t **out, tw_errinfo_t *ei);

typedef struct {
    long long cases, rows, rows_suppressed, generalised, values_suppressed;
    int level; /* the generalisation level reached (0: none) */
} nrm_ctdc_loss_t;

/* The k-anonymous extract as a table (columns: the CTDC names of the
 * quasi-identifiers); k in 2..1000. The caller frees *out. */
tw_err_t nrm_ctdc_table(store_t *st, const nrm_actor_t *act, int k, stats_table_t **out,
                        nrm_ctdc_loss_t *loss, tw_errinfo_t *ei);
/* The same written as CSV to path. */
tw_err_t nrm_ctdc_export(store_t *st, const nrm_actor_t *act, int k, const char *path,
                         nrm_ctdc_loss_t *loss, tw_errinfo_t *ei);

typedef struct {
    long long rows, classes, min_count;
} nrm_kcheck_t;

/* Checks that every combination of all columns of the CSV file at path is
 * present at least k times: TW_EINPUT naming the file, the line of the
 * first row of the rarest combination, the combination and its count
 * otherwise. */
tw_err_t nrm_ctdc_check(const char *path, int k, nrm_kcheck_t *res, tw_errinfo_t *ei);

#endif
