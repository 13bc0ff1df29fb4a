/*
 * score.h - combining indicator hits into one score per entity.
 *
 * Weighted log-odds (docs/internals/engine.md, "Scores"):
 *
 *     E     = sum over the entity's evidence hits of weight * strength
 *     V     = the largest vulnerability factor among its vulnerability hits,
 *             capped by [score] vulnerability_max_factor; 1 when none
 *     logit = prior + E * V            (V applies only when E > 0)
 *     score = 100 / (1 + exp(-logit))
 *
 * so a vulnerability trait alone leaves an entity at the prior: it can raise
 * the weight of evidence, never raise an alert by itself (invariant 1).
 *
 * Propagation through the entity graph, bounded to two steps (a hit
 * travels from where it was observed to an owner, then to the people):
 *
 * Roll-up: an employer, and likewise an intermediary, receives for each
 * application-level evidence indicator a hit of strength = (its live
 * applications hit) / (its live applications), when at least
 * `rollup_min_applications` (config [score], default 2) of them are hit,
 * weighted by [score] rollup_weight (default 1.0) times the indicator's
 * weight. This carries a scheme's many small signals up to the employer
 * and the recruiter behind them, bounded by the share, so one bad
 * application cannot colour a large employer (invariant 2).
 *
 * Roll-down: a worker receives, per indicator, the strongest hit among what
 * its live applications carry (their own hits, and those of the worker's
 * residence address and phone) and its employers' hits (native or rolled
 * up), weighted by rollup_weight like a roll-up, so the people inside a
 * scheme are found even when their own application looks clean. An
 * employer's vulnerability traits come down too, as multipliers only.
 *
 * Per kind of entity: [indicator ID] weight_KIND and [score] prior_KIND, when
 * the config sets them (a calibrated config, calibrate.h), replace weight and
 * prior for entities of that kind.
 *
 * Levels: score >= [levels] high / medium / low thresholds.
 * Invariants:
 *   1. An entity with no evidence hit has logit == prior.
 *   2. A roll-up strength never exceeds 1 and needs at least
 *      rollup_min_applications hit applications.
 *   3. Within an entity, hits are ranked by contribution, largest first.
 *   4. A roll-down takes the maximum per indicator, never the sum.
 *   5. Evidence moves at most two steps from the entity it was observed on
 *      (application -> employer -> worker); addresses and phones reach
 *      only the workers who live or answer there.
 * The result owns its arrays; free with score_free().
 */
#ifndef TW_SCORE_H
#define TW_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/indicators.h"

typedef enum { LEVEL_NONE = 0, LEVEL_LOW, LEVEL_MEDIUM, LEVEL_HIGH } score_level_t;

/* An analyst's suppression of one indicator for one entity: the hit is still
 * shown, with contribution 0. Sorted by (kind, entity, indicator). */
typedef struct {
    uint8_t kind;
    uint32_t entity;
    uint16_t indicator;
} score_suppression_t;

typedef struct {
    score_suppression_t *items;
    size_t n;
} score_suppressions_t;

typedef struct {
    uint8_t kind;       /* ind_kind_t */
    uint32_t entity;
    double logit;
    double score;       /* 0..100 */
    uint8_t level;      /* score_level_t */
    double vulnerability; /* the factor V applied */
    uint32_t first;     /* into score_result_t.order */
    uint32_t nhits;
} score_entity_t;

typedef struct {
    score_entity_t *ents; /* sorted by score, highest first */
    size_t n;
    ind_hits_t rolled;    /* the roll-up hits made by score_compute */
    /* order[first .. first+nhits) of an entity: references to its hits,
     * ranked by contribution; a reference r < hits->n is hits->hits[r], else
     * rolled.hits[r - hits->n] */
    uint32_t *order;
    double *contribution; /* parallel to order */
    unsigned char *suppressed; /* parallel to order: 1 when an analyst suppressed it */
    size_t norder;
} score_result_t;

const char *score_level_name(score_level_t l);
/* The prior log-odds of an entity of `kind`: [score] prior_KIND when the
 * config sets it (a calibrated config), else prior (default -4). */
double score_prior(const config_t *cfg, ind_kind_t kind);

tw_err_t score_compute(const eng_index_t *ix, const ind_hits_t *hits, const config_t *cfg,
                       score_result_t *out);
/* The same, with suppressions (NULL: none); `sup` must be sorted. */
tw_err_t score_compute_suppressed(const eng_index_t *ix, const ind_hits_t *hits,
                                  const config_t *cfg, const score_suppressions_t *sup,
                                  score_result_t *out);
/* The same, without suppressions, for the entities marked in `only`
 * alone (and what their scores read: the roll-ups of the employers of a
 * marked worker's applications): their scores, hits and evidence are
 * those score_compute() gives them; no other entity is scored. Live
 * scoring reads three entities of a neighbourhood. */
tw_err_t score_compute_only(const eng_index_t *ix, const ind_hits_t *hits, const config_t *cfg,
                            const ind_marks_t *only, score_result_t *out);
/* Sorts a suppression list for score_compute_suppressed. */
void score_sort_suppressions(score_suppressions_t *sup);
/* The hit a reference in `order` names. */
const ind_hit_t *score_hit(const score_result_t *r, const ind_hits_t *hits, uint32_t ref);
void score_free(score_result_t *r);

/* Incremental screening, step 2: extends marks of entities whose native hits
 * may differ (ind_dirty) along the propagation above, to every entity whose
 * score may differ: a marked application's employer and intermediary
 * (roll-up), and the workers of marked applications, of marked residences
 * and phones, and of marked employers (roll-down). */
void score_dirty(const eng_index_t *ix, ind_marks_t *mk);

#endif
