/*
 * calibrate.h - the engine learns from the outcomes a country has recorded
 * (outcomes.csv: entities confirmed as exploitation, or cleared).
 *
 * Per kind of labelled entity (application, worker, employer,
 * intermediary) a logistic model is fitted on the features the score
 * already sums: per evidence indicator, the strength of its hit on the
 * entity (native, rolled up or rolled down, times rollup_weight when
 * carried, times the entity's vulnerability factor), so that the learnt
 * weights are exactly [indicator ID] weight_KIND and the intercept
 * [score] prior_KIND of a config score.c runs unchanged
 * (docs/internals/calibrate.md).
 *
 *  - Weights are monotone: between 0 and 10, so evidence can only raise a
 *    score; an L2 penalty pulls each toward the base config's weight, so
 *    few labels move it little.
 *  - Classes are balanced by weight. Cleared entities are known
 *    negatives; entities without a label are unlabelled, not cleared: they
 *    weigh as negatives only in total as much as the positives, and the
 *    report says whether cleared labels existed (positive and negative
 *    labels) or not (positive-unlabelled).
 *  - k-fold cross-validation, folds chosen by a hash of the employer an
 *    application or worker belongs to (the entity itself for employers and
 *    intermediaries), so no scheme is on both sides of a fold.
 *  - A kind is fitted only with at least `epv` confirmed labels per feature
 *    in use (and one per fold); otherwise its weights stay those of the
 *    base config, and the report says how many labels it needs.
 *  - Labels that contradict each other (confirmed and cleared versions for
 *    one entity) and labels naming no entity of the registers are counted,
 *    reported and left out.
 * Nothing is written to the store.
 */
#ifndef TW_CALIBRATE_H
#define TW_CALIBRATE_H

#include <stdio.h>

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/indicators.h"
#include "engine/score.h"
#include "store/store.h"

typedef struct {
    const config_t *base;   /* the config to start from (its weights, thresholds) */
    const char *base_text;  /* its text, rewritten into the new config */
    size_t base_len;
    double recall;          /* the share of confirmed labels level low must reach
                               in cross-validation; 0: level low alerts as many
                               entities as under the base config */
    unsigned folds;         /* 0: 5 */
    double epv;             /* confirmed labels needed per feature; 0: 10 */
    const char *version;    /* the new config's version; NULL: derived from the base */
    int fit_thresholds;     /* 1: first fit a few indicators' thresholds (a grid
                               each, judged by cross-validated PR-AUC) */
    double keep;            /* 0..1: no weight falls below keep x its base weight
                               (labels hold only the schemes found so far; an
                               indicator of a kind never found keeps that much) */
} calibrate_opts_t;

/* Fits, prints the report to `report` and, when at least one kind was
 * fitted, gives the complete new config's text in *text (malloc'd, the
 * caller frees; parsed and checked before it is returned). TW_EINPUT with
 * *ei saying how many labels were needed when no kind could be fitted
 * (*text NULL). */
tw_err_t calibrate_run(store_t *st, const calibrate_opts_t *o, FILE *report, char **text,
                       size_t *len, tw_errinfo_t *ei);

/* The measures calibrate reports, for a config as it is (no fitting): per
 * labelled kind, labelled counts, PR-AUC and ROC-AUC, precision and recall
 * at the three levels and calibration by decile, from a screening the
 * caller made (backtest.c). */
tw_err_t calibrate_print_measures(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                                  const score_result_t *sr, const config_t *cfg, FILE *out,
                                  tw_errinfo_t *ei);

#endif
