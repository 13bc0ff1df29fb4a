/*
 * mse.h - multiple systems estimation: how many victims the lists that
 * identify them have not found, from the overlaps of those lists.
 *
 * Input: capture histories (which lists a person is on, and how many
 * persons have that history). Method: Poisson log-linear models of the
 * 2^k - 1 observed cells with every list's main effect and any set of
 * two-way interactions, fitted by iteratively reweighted least squares;
 * the model with the least AIC (or BIC) is chosen; the unobserved cell is
 * exp(intercept), with a 95 % profile-likelihood interval (Cormack 1992)
 * and the Wald one beside it. Assumptions and refusals:
 * docs/internals/stats.md ("Multiple systems estimation").
 *
 * The histories must count persons linked across the lists: mse_lists.h
 * builds them from the store (NRM cases per organisation, confirmed alerts,
 * reports, through the person linkage); mse_load() reads them from a file
 * for lists linked elsewhere.
 *
 * Pure computation, no global state; thread-safe.
 */
#ifndef TW_MSE_H
#define TW_MSE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "stats/stats.h"

#define MSE_MAX_LISTS 6

/* A refusal below these: persons seen on two or more lists in all, and a
 * list's persons also seen on another list. */
#define MSE_MIN_OVERLAP 10
#define MSE_MIN_LIST_OVERLAP 1

typedef struct {
    int k;                                  /* lists, 2..MSE_MAX_LISTS */
    char names[MSE_MAX_LISTS][32];
    double count[1 << MSE_MAX_LISTS];       /* index: bit i = on list i; [0] unused */
} mse_data_t;

/* Reads a CSV of capture histories: one 0/1 column per list (its name the
 * header) and a `count` column; a history may repeat (added up). TW_EINPUT
 * with the file, line and field for a bad row; an all-zero history is
 * refused (those persons are the unknown). */
tw_err_t mse_load(const char *path, mse_data_t *out, tw_errinfo_t *ei);

typedef enum { MSE_AIC = 0, MSE_BIC } mse_criterion_t;

typedef struct {
    mse_criterion_t criterion; /* models ranked by (MSE_AIC) */
    int profile_models;        /* profile-likelihood intervals for the first N (20) */
} mse_opts_t;

void mse_opts_default(mse_opts_t *o);

/* Fits the models and returns them as a table ranked by the criterion (the
 * first row is the chosen model, `selected` 1): rank, model, parameters,
 * aic, bic, criterion, delta (of the criterion), observed, unobserved,
 * total, total_low, total_high (95 % profile-likelihood interval of the
 * total; empty past profile_models or when a bound cannot be found),
 * wald_low, wald_high (Wald, log scale), selected. opts NULL: defaults.
 * TW_EINPUT naming why when the overlaps are too thin to estimate. The
 * caller frees *out. */
tw_err_t mse_estimate(const mse_data_t *d, const mse_opts_t *opts, stats_table_t **out,
                      tw_errinfo_t *ei);

/* The capture histories themselves, one row per history seen: a 0/1
 * column per list (its name) and count, so a reader sees the overlaps the
 * estimate rests on. The caller frees *out. */
tw_err_t mse_histories(const mse_data_t *d, stats_table_t **out, tw_errinfo_t *ei);

#endif
