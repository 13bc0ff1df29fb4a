/*
 * rank.h - every entity of one kind ranked by its score, alerted or not:
 * the watch list an inspectorate plans its visits from.
 *
 * A ranking screens the store in memory under a config (nothing is
 * written) and lists every entity of the kind: applications by record,
 * workers, employers, intermediaries, addresses and phones by entity id,
 * those without evidence at the prior's score. Order: score, highest
 * first; ties by key. Each entry names its strongest indicators (up to
 * three, by contribution).
 * The list owns its strings; free with rank_list_free().
 */
#ifndef TW_RANK_H
#define TW_RANK_H

#include <stddef.h>
#include <stdio.h>

#include "engine/config.h"
#include "engine/indicators.h"
#include "store/store.h"

typedef struct {
    char *key;        /* the entity's key (application_id, TIN, document ...) */
    double score;     /* 0..100 */
    int level;        /* score_level_t */
    char *indicators; /* up to three ids, ';'-separated, strongest first; "" none */
} rank_entry_t;

typedef struct {
    rank_entry_t *items;
    size_t n;
    size_t total;     /* entities of the kind (n is at most the limit asked) */
    char config_version[65];
} rank_list_t;

/* "employer" -> IK_EMPLOYER; -1 for an unknown name. */
int rank_kind_parse(const char *name);
/* The `top` highest (0: every entity) of `kind` under cfg. */
tw_err_t rank_compute(store_t *st, const config_t *cfg, ind_kind_t kind, size_t top,
                      rank_list_t *out, tw_errinfo_t *ei);
void rank_list_free(rank_list_t *l);

typedef enum { RANK_CSV = 0, RANK_JSON } rank_format_t;
/* CSV with header entity_key,score,level,top_indicators; or one JSON object
 * per line with those members. */
tw_err_t rank_write(const rank_list_t *l, rank_format_t fmt, FILE *out);

#endif
