/*
 * engine.h - the screening engine's working indexes, built in memory from
 * the store (see docs/internals/engine.md).
 *
 * engine_load() reads the current version of every register row through
 * store_scan() and lays it out in flat arrays indexed by integer ids, with
 * CSR postings from each entity to its records, so that indicators run as
 * tight loops over arrays with no allocation and no SQL.
 *
 * Invariants:
 *   1. Entity ids are the store's ids (dense from 1); 0 means "none". Every
 *      array indexed by an entity kind has max_id + 1 entries.
 *   2. A postings list p has p.off[k]..p.off[k+1] as the range of p.items
 *      for key k; items are record indexes in ascending order.
 *   3. Only the current (latest) version of a row is indexed.
 *   4. Dates are days since 1970-01-01; ENG_NODAY when unknown. Numbers are
 *      -1 when unknown.
 * The index is read-only after engine_load(), so indicators may run on
 * several threads at once. engine_free() releases everything.
 */
#ifndef TW_ENGINE_H
#define TW_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/store.h"

#define ENG_NODAY INT32_MIN

typedef enum {
    ENG_PENDING = 0,
    ENG_APPROVED,
    ENG_REJECTED,
    ENG_WITHDRAWN,
    ENG_REVOKED
} eng_decision_t;

/* One current permit application. */
typedef struct {
    int64_t row_id;        /* the store row of this version */
    uint32_t key;          /* offset of application_id in eng_index_t.strings */
    uint32_t prev;         /* index + 1 of the previous application; 0 none */
    uint32_t worker, employer, intermediary, res_addr, work_addr, phone;
    int32_t submitted, decided, valid_from, valid_to, contract_start, contract_end;
    int32_t birth, employer_registered;
    int32_t salary, hours, declared_employees;
    uint16_t isco;         /* 0 unknown */
    uint16_t citizenship;  /* index into the country list + 1; 0 unknown */
    uint8_t sector;        /* ISIC division; 0 unknown (division 00 does not exist) */
    uint8_t decision;      /* eng_decision_t */
    char sex;              /* 'F', 'M', 'X' */
    uint8_t res_region, work_region; /* 1..11 in ISO 3166-2:AM order; 0 unknown */
} eng_app_t;

typedef struct {
    int64_t row_id;
    uint32_t key;          /* crossing_id */
    uint32_t worker;
    int32_t day;
    char direction;        /* 'i' in, 'o' out */
} eng_crossing_t;

typedef struct {
    int64_t row_id;
    uint32_t key;          /* inspection_id */
    uint32_t employer;
    int32_t day;
    int32_t workers_found, undeclared;
    uint32_t violations;   /* bit i set: violation code i of registers.c */
} eng_inspection_t;

typedef struct {
    int64_t row_id;
    uint32_t key;          /* report_id */
    uint32_t employer, address, phone;
    uint32_t worker;       /* the worker standing for the report's person; 0 none */
    int32_t day;
    uint8_t category;      /* index + 1 in registers.c's list; 0 none */
    uint8_t channel;
} eng_report_t;

typedef struct {
    uint32_t *off;   /* n + 1 entries */
    uint32_t *items;
    uint32_t n;      /* number of keys */
} eng_postings_t;

/* What changed after a watermark (engine_load_since): the records whose
 * current version was written after it, and the versions they replaced, so
 * that an incremental screening can find everything the change touches. */
typedef struct {
    int active;                  /* 0: loaded without a watermark */
    uint32_t *recs[4];           /* record indexes per eng_reg_t (may repeat) */
    uint32_t nrecs[4];
    size_t cap_recs[4];
    eng_app_t *old_apps;         /* replaced versions, as they were */
    uint32_t nold_apps;
    size_t cap_old_apps;
    eng_crossing_t *old_crossings;
    uint32_t nold_crossings;
    size_t cap_old_crossings;
    eng_inspection_t *old_inspections;
    uint32_t nold_inspections;
    size_t cap_old_inspections;
    eng_report_t *old_reports;
    uint32_t nold_reports;
    size_t cap_old_reports;
} eng_delta_t;

/* The registers the engine reads, in watermark order. */
typedef enum { ENG_PERMITS = 0, ENG_CROSSINGS, ENG_INSPECTIONS, ENG_REPORTS } eng_reg_t;

typedef struct {
    eng_app_t *apps;
    uint32_t napps;
    /* Records [napps - napps_carried, napps) are carried: a live
     * neighbourhood (live.c) holds them for what their groups add up to
     * (an employer's counts and roll-ups, an address's or a phone's
     * members), and application-level indicators do not judge them (their
     * hits are the full screening's, which live.c adds). 0 for a loaded
     * index: every record is judged. See eng_judged(). */
    uint32_t napps_carried;
    eng_crossing_t *crossings;
    uint32_t ncrossings;
    /* crossings in the whole border register: ncrossings for a loaded
     * index; a live neighbourhood keeps the full index's count, so "no
     * crossing of this worker" is not taken for "no border register" */
    uint32_t register_crossings;
    eng_inspection_t *inspections;
    uint32_t ninspections;
    eng_report_t *reports;
    uint32_t nreports;

    uint32_t nentities[ENT_COUNT]; /* max id + 1 per entity kind */

    eng_postings_t apps_by_employer, apps_by_worker, apps_by_res_addr, apps_by_work_addr,
        apps_by_phone, apps_by_intermediary;
    eng_postings_t crossings_by_worker;
    eng_postings_t inspections_by_employer;
    eng_postings_t reports_by_employer, reports_by_address, reports_by_phone;
    eng_postings_t reports_by_worker;
    /* Persons (link/persons.h), when the store has been linked: a person's
     * documents are one worker to the indicators. worker_rep[w] is the
     * worker (document) that stands for w's person: the one of the
     * person's latest application, else of its latest crossing; w itself
     * for a worker of no known person. apps_by_worker and
     * crossings_by_worker are keyed by it, so a worker alert is keyed by
     * the person's latest document and its evidence holds the records of
     * every other one. NULL: no persons (never linked, or a hand-built
     * index); a live neighbourhood (live.c) of a linked index has its
     * own, in local ids. nentities[ENT_WORKER] entries. Owned by the
     * index. */
    uint32_t *worker_rep;

    char *strings;   /* NUL-terminated record keys, addressed by offset */
    size_t strings_len;
    int32_t horizon; /* the latest day seen in any register */
    int64_t max_row[4]; /* the largest store row id read, per eng_reg_t */
    eng_delta_t delta;  /* what changed after the watermark (engine_load_since) */
    size_t bytes;    /* memory held by the index */
    /* NULL for an index of the whole store. A neighbourhood index (live.c)
     * holds a few records only, so indicators that compare with the whole
     * register (wage peers) read these figures of the full index instead;
     * owned by whoever built the index. */
    const struct ind_peer_ref *peer_ref;
    /* NULL: entity ids are the store's. A neighbourhood index numbers its
     * entities from 1 by itself; global_id[kind][local id] is then the
     * store's id (0 for 0), so that what it finds can be named (alerts.c).
     * Owned by the index. */
    uint32_t *global_id[ENT_COUNT];
} eng_index_t;

typedef struct engine engine_t;

/* Builds the index from the store. Free with engine_free(). */
tw_err_t engine_load(store_t *st, engine_t **out, tw_errinfo_t *ei);
/* A full load of a store with at least this many permit rows splits the
 * permit scan by row id over both threads (default 100,000; the index is
 * the same either way). Returns the previous value. For tests; not
 * thread-safe. */
int64_t engine_set_split_min(int64_t rows);
/* The same, and records in ix->delta every record whose current version has
 * a store row id above since[r] (the max_row of an earlier load), with the
 * versions it replaced. */
tw_err_t engine_load_since(store_t *st, const int64_t since[4], engine_t **out,
                           tw_errinfo_t *ei);
void engine_free(engine_t *e);

/* For indexes built by hand (live.c's neighbourhoods, tests): builds every
 * postings list of an index whose records and nentities are filled in, and
 * adds them to ix->bytes. */
tw_err_t engine_index_build(eng_index_t *ix);
/* Frees everything an index holds (records, postings, strings, delta) and
 * zeroes it; for indexes built by hand. */
void engine_index_release(eng_index_t *ix);
/* One application as engine_load() would hold it, from a permit's checked
 * values (reg_get(REG_PERMITS)->ncols entries, as import_record_values()
 * gives them) and its entity links; key, prev and row_id are left 0.
 * TW_EINPUT for a link id out of range. */
tw_err_t engine_app_from_values(const store_value_t *vals, const store_links_t *links,
                                eng_app_t *a);
/* Read-only view; valid until engine_free(). */
const eng_index_t *engine_index(const engine_t *e);

/* The records application-level indicators judge: [0, eng_judged(ix)). */
static inline uint32_t eng_judged(const eng_index_t *ix)
{
    return ix->napps_carried < ix->napps ? ix->napps - ix->napps_carried : 0;
}

/* A record key (application_id, crossing_id, ...) from its offset. */
static inline const char *eng_str(const eng_index_t *ix, uint32_t off)
{
    return ix->strings + off;
}

#endif
