/*
 * learn.h - the statistics calibration rests on: a weighted logistic
 * regression with an L2 penalty toward prior weights and box constraints
 * (monotone: a weight may be bounded below by 0 so evidence only raises
 * risk), and the measures every report uses (PR-AUC, ROC-AUC, precision
 * and recall at a threshold, calibration by decile).
 *
 * Data: rows of sparse features (feature index, value), each with a class
 * (1 or 0) and a weight. A row may stand for many identical entities (its
 * weight counts them), which is how calibrate.c fits hundreds of thousands
 * of entities whose features are mostly zero in a few thousand rows.
 *
 * Pure functions over the caller's arrays; no global state, so several may
 * run at once. Nothing returned needs freeing except where said.
 */
#ifndef TW_LEARN_H
#define TW_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define LEARN_MAX_FEATURES 64

typedef struct {
    size_t nrows;
    uint32_t nfeat;        /* <= LEARN_MAX_FEATURES */
    const uint32_t *off;   /* nrows + 1: row r's features are fi/fv[off[r] .. off[r+1]) */
    const uint16_t *fi;
    const float *fv;
    const uint8_t *y;      /* 1 positive, 0 negative */
} learn_data_t;

typedef struct {
    double lambda;                      /* L2 penalty: lambda/2 * sum (b_j - prior_j)^2 */
    double prior[LEARN_MAX_FEATURES];   /* what the penalty pulls each weight toward */
    double lo[LEARN_MAX_FEATURES];      /* box: lo[j] <= b_j <= hi[j] */
    double hi[LEARN_MAX_FEATURES];
    int max_iter;                       /* Newton steps; 0: 50 */
} learn_fit_opts_t;

/* Fits beta[0] (intercept, unpenalised, unbounded) and beta[1 .. nfeat]
 * minimising sum_r w[r] * logloss(y[r], beta . x_r) + penalty, over the rows
 * listed in rows[0..n) (NULL: all) with weights w (indexed by row). Projected
 * Newton with a line search; *iters receives the steps taken (may be NULL).
 * TW_EINPUT when the rows hold no positive or no negative weight. */
tw_err_t learn_fit(const learn_data_t *d, const uint32_t *rows, size_t n, const double *w,
                   const learn_fit_opts_t *o, double *beta, int *iters);

/* beta . x_r (the linear predictor, log-odds). */
double learn_logit(const learn_data_t *d, size_t r, const double *beta);

/* Ranking quality of scores s[0..n) against classes y with row weights w
 * (NULL: 1 each; rows with w == 0 are left out): average precision (the
 * area under the precision-recall curve, tied scores taken as one step) and
 * ROC-AUC (ties count a half). -1 for either when a class is empty.
 * TW_ENOMEM. */
typedef struct {
    double pr_auc, roc_auc;
    double pos, neg;       /* weight of each class */
} learn_auc_t;
tw_err_t learn_auc(const double *s, const uint8_t *y, const double *w, size_t n,
                   learn_auc_t *out);

/* Reliability: rows ranked by predicted probability p, cut into 10 groups
 * of (as near as ties allow) equal weight; per group the mean predicted
 * probability, the observed rate of y = 1 and the weight. TW_ENOMEM. */
typedef struct {
    double pred[10], obs[10], weight[10];
} learn_deciles_t;
tw_err_t learn_deciles(const double *p, const uint8_t *y, const double *w, size_t n,
                       learn_deciles_t *out);

/* Confusion at "s >= t": weights of true positives, false positives and
 * false negatives. */
typedef struct {
    double tp, fp, fn, alerted;
} learn_confusion_t;
void learn_confusion(const double *s, const uint8_t *y, const double *w, size_t n, double t,
                     learn_confusion_t *out);

/* The threshold t among the scores such that the weight of positives with
 * s >= t is at least `recall` of all positives, as high as possible. */
double learn_threshold_for_recall(const double *s, const uint8_t *y, const double *w, size_t n,
                                  double recall);

/* The lowest threshold t among the scores such that the weight of rows
 * with s >= t is at most `volume` (the highest score when even its ties
 * exceed it). */
double learn_threshold_for_volume(const double *s, const double *w, size_t n, double volume);

#endif
