/*
 * indicators.h - the catalogue of early-warning indicators and their
 * computation over the engine's indexes (docs/internals/engine.md).
 *
 * Each indicator is one entry of a static table: a stable id, a sentence a
 * person understands, the ILO forced-labour indicators it points to, the
 * kind of entity it attaches to, whether it is evidence or only a
 * vulnerability trait, and a compute function. compute() reads the
 * read-only index and the config and appends hits: which entity, how strong
 * (0..1), the observed value, the threshold it was compared with, and the
 * records that show it.
 *
 * Vulnerability indicators (nationality, sex, age traits) never raise an
 * alert alone: the scorer multiplies an entity's evidence by them and
 * ignores them when there is no evidence (score.c enforces this).
 *
 * Thread model: compute functions are pure over (index, config); several may
 * run at once on different ind_hits_t.
 */
#ifndef TW_INDICATORS_H
#define TW_INDICATORS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/config.h"
#include "engine/engine.h"
#include "base/err.h"

/* The ILO indicators of forced labour. */
enum {
    ILO_VULNERABILITY = 1u << 0,  /* abuse of vulnerability */
    ILO_DECEPTION = 1u << 1,
    ILO_MOVEMENT = 1u << 2,       /* restriction of movement */
    ILO_ISOLATION = 1u << 3,
    ILO_VIOLENCE = 1u << 4,       /* physical and sexual violence */
    ILO_INTIMIDATION = 1u << 5,   /* intimidation and threats */
    ILO_DOCUMENTS = 1u << 6,      /* retention of identity documents */
    ILO_WAGES = 1u << 7,          /* withholding of wages */
    ILO_DEBT = 1u << 8,           /* debt bondage */
    ILO_CONDITIONS = 1u << 9,     /* abusive working and living conditions */
    ILO_OVERTIME = 1u << 10       /* excessive overtime */
};

typedef enum {
    IK_APPLICATION = 0, /* entity = application record index */
    IK_WORKER,          /* entity = worker id */
    IK_EMPLOYER,
    IK_INTERMEDIARY,
    IK_ADDRESS,
    IK_PHONE,
    IK_COUNT
} ind_kind_t;

/* A record that shows a hit. */
typedef enum { IR_APPLICATION = 0, IR_CROSSING, IR_INSPECTION, IR_REPORT } ind_rec_kind_t;

typedef struct {
    uint8_t kind;   /* ind_rec_kind_t */
    uint32_t index; /* into the engine's apps / crossings / inspections / reports */
} ind_record_t;

#define IND_MAX_RECORDS 20 /* records kept per hit; nrecords_total counts all */

typedef struct {
    uint16_t indicator; /* index in the catalogue */
    uint8_t kind;       /* ind_kind_t */
    uint32_t entity;
    float strength;     /* (0, 1]: 1 at or beyond full strength */
    uint32_t aux;       /* an indicator's own compact detail (ind_hit_detail); 0 none */
    double value;       /* what was observed (wage, hours, workers at the address ...) */
    double threshold;   /* what it was compared with */
    uint32_t rec_off;   /* first record in ind_hits_t.records */
    uint32_t nrecords;  /* records kept (at most IND_MAX_RECORDS) */
    uint32_t nrecords_total;
} ind_hit_t;

typedef struct {
    ind_hit_t *hits;
    size_t n, cap;
    ind_record_t *records;
    size_t nrecords, cap_records;
} ind_hits_t;

typedef struct ind_def ind_def_t;
typedef tw_err_t (*ind_compute_fn)(const ind_def_t *def, uint16_t self,
                                   const eng_index_t *ix, const config_t *cfg, ind_hits_t *out);

struct ind_def {
    const char *id;
    const char *text;   /* one sentence for an analyst */
    uint32_t ilo;       /* ILO_* bits */
    ind_kind_t kind;
    int vulnerability;  /* 1: only scales other evidence */
    ind_compute_fn compute;
};

/* The catalogue, in a fixed order; *n receives its length. */
const ind_def_t *ind_catalogue(size_t *n);
/* Index of an id in the catalogue, or -1. */
int ind_find(const char *id);
/* NULL-terminated list of every id (for config validation). */
const char *const *ind_ids(void);
/* "entity kind" name: application, worker, employer, intermediary, address, phone. */
const char *ind_kind_name(ind_kind_t k);
/* Comma-separated ILO indicator names of a bit set into out (always NUL-terminated). */
void ind_ilo_names(uint32_t ilo, char *out, size_t cap);

void ind_hits_init(ind_hits_t *h);
void ind_hits_free(ind_hits_t *h);
/* Appends a hit; `records` (n of them, n may exceed IND_MAX_RECORDS: only
 * the first IND_MAX_RECORDS are kept, nrecords_total = n) may be NULL when
 * n == 0. A strength above 1 is stored as 1. TW_EINTERNAL (nothing
 * appended) for a strength <= 0 or NaN, an indicator outside the catalogue,
 * a kind >= IK_COUNT or NULL records with n > 0; TW_ENOMEM. */
tw_err_t ind_hits_add(ind_hits_t *h, uint16_t indicator, ind_kind_t kind, uint32_t entity,
                      double strength, double value, double threshold,
                      const ind_record_t *records, uint32_t n);

/* A hit's own detail in words into out (always NUL-terminated when cap >
 * 0), for the indicators that keep one (employer_peer_anomaly: which
 * features, how many robust z from the peers); returns its length, 0 for
 * the others. */
size_t ind_hit_detail(const ind_hit_t *h, char *out, size_t cap);

/* 1 for the occupations (ISCO) whose workers young_one_sex_entertainment
 * counts at an employer: the only employer-level indicator that reads who
 * the workers are (live.c keeps them on an employer's carried records). */
int ind_entertainment(uint16_t isco);

/* Runs every enabled indicator of the catalogue over the index, in
 * catalogue order, appending to `out`. On error `out` is left as it was. */
tw_err_t ind_compute_all(const eng_index_t *ix, const config_t *cfg, ind_hits_t *out);
/* The same for the indicators of some entity kinds only: bit (1u << kind)
 * of `kinds` set for each ind_kind_t wanted (live.c leaves out what no
 * score it reads off needs). */
tw_err_t ind_compute_kinds(const eng_index_t *ix, const config_t *cfg, unsigned kinds,
                           ind_hits_t *out);

/* The wage peer groups of a full index (group, median salary, size),
 * sorted by group, and the employer peer groups (employer_peer_anomaly),
 * for neighbourhood indexes (eng_index_t.peer_ref): those indicators then
 * compare with these instead of the few peers a neighbourhood holds. Free with ind_peer_ref_free(). */
#define IND_REL_KINDS 4 /* indicator keys that can be relative (indicators.c) */
typedef struct ind_peer_ref {
    struct ind_peer_group *groups;
    size_t n, cap;
    struct ind_emp_group *emp; /* employer_peer_anomaly's peer groups, by key */
    size_t nemp;
    /* the relative thresholds `cfg` sets (config_indicator_rel), per group */
    struct ind_rel_group *rel[IND_REL_KINDS];
    size_t nrel[IND_REL_KINDS];
} ind_peer_ref_t;

/* `cfg`: the config whose relative thresholds the neighbourhoods will read
 * (the one they are screened under). */
tw_err_t ind_peer_ref_build(const eng_index_t *ix, const config_t *cfg, ind_peer_ref_t *out);
void ind_peer_ref_free(ind_peer_ref_t *ref);

/* Entity marks, one byte per entity of each kind (applications by record
 * index, the others by entity id), for incremental screening. */
typedef struct {
    unsigned char *m[IK_COUNT];
    uint32_t n[IK_COUNT];
} ind_marks_t;

/* Sized for the index, all clear. TW_ENOMEM. */
tw_err_t ind_marks_init(ind_marks_t *mk, const eng_index_t *ix);
void ind_marks_free(ind_marks_t *mk);
/* Sets a mark; ids outside the index and 0 (none) for entities are ignored. */
void ind_mark(ind_marks_t *mk, ind_kind_t kind, uint32_t id);
static inline int ind_marked(const ind_marks_t *mk, ind_kind_t kind, uint32_t id)
{
    return id < mk->n[kind] && mk->m[kind][id];
}

/* Incremental screening, step 1 (docs/internals/engine.md, "Incremental
 * screening"): marks every entity whose native hits can differ from those of
 * the screening that saw the index up to ix->delta's watermark with horizon
 * `old_horizon`: the entities named by a changed record or by the version
 * it replaced, the applications of workers whose crossings changed, every
 * application of a wage peer group that gained or lost a member, and the
 * approved permits whose never_entered ramp the horizon's move crosses.
 * Each rule mirrors what a compute function reads; a new indicator that
 * reads further must extend it (the e2e property test catches a miss). */
void ind_dirty(const eng_index_t *ix, const config_t *cfg, int32_t old_horizon,
               ind_marks_t *mk);

#endif
