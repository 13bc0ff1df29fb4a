/*
 * backtest.h - how well the indicators and the score separate the known
 * outcomes (outcomes.csv: entities confirmed as exploitation, or cleared).
 *
 * A backtest screens the store in memory (no alert is written) under a
 * config and compares with the current outcome labels:
 *   - per indicator: among labelled entities of the indicator's kind, how
 *     many confirmed ones it hits (recall), how many of the labelled ones it
 *     hits are confirmed (precision), and how many entities it hits in all
 *     (alert volume);
 *   - overall, per entity type and together: the same for "score at or above
 *     the low level";
 *   - with a sweep: the same overall figures for every score threshold from
 *     5 to 95 in steps of 5, so thresholds are tuned on evidence.
 * Only outcome labels are used, never synth's ground truth.
 */
#ifndef TW_BACKTEST_H
#define TW_BACKTEST_H

#include <stdio.h>

#include "engine/config.h"
#include "store/store.h"

typedef enum { BACKTEST_TABLE = 0, BACKTEST_CSV } backtest_format_t;

tw_err_t backtest_run(store_t *st, const config_t *cfg, int sweep, backtest_format_t fmt,
                      FILE *out, tw_errinfo_t *ei);

#endif
