/*
 * live.h - scoring one application as it arrives, in process, against a
 * warm index (the permit portal's "score this now"; POST /api/v1/score).
 *
 * A full screening recomputes every indicator over the whole register; one
 * new application can only change what its own entities see. live_score()
 * builds a small index of the application's neighbourhood (every current
 * application of its worker, employer, residence, workplace and phone, and
 * of the employers, residences and phones of its worker's other
 * applications, with every application whose workplace is one of those
 * residences, the border crossings of the worker (its person) and the
 * inspections and reports of the entities involved), runs the same
 * indicators and the same scoring on it, and reads off the scores of the
 * application, its worker and its employer, with their evidence. Only the
 * application and its worker's other applications are judged there by
 * the application-level indicators; the others (an employer's thousands,
 * a residence's) come with the hits a screening of the full index found
 * on them when live_open() loaded it (they read nothing an arrival
 * changes), and an employer's applications outside the groups the scores
 * read bring only their employer and intermediary, not their workers,
 * addresses, phones or crossings. Intermediaries are not scored.
 * Comparisons with the whole register (wage peers) use figures of the full
 * index (ind_peer_ref_t). When the store is linked into persons, the worker
 * is its person, as in a full screening: the neighbourhood holds the
 * person's applications, crossings and reports under every document, and
 * the worker's score is the person's. See docs/internals/engine.md, "Live
 * scoring".
 *
 * That is everything those three scores read, so they are the scores a full
 * screening would give with the application added (test_live.c checks it
 * over a whole register). What it does not see, by design: the
 * intermediary's other applications (its score would be partial, and no
 * score above reads it) and suppressions. The next screening, full or
 * incremental, settles every alert; live_score() never writes.
 *
 * Thread model: a live_t is read-only after live_open(); live_score() may
 * run on several threads at once, each with its own live_result_t.
 */
#ifndef TW_LIVE_H
#define TW_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "engine/config.h"
#include "engine/engine.h"
#include "base/err.h"
#include "engine/indicators.h"
#include "engine/score.h"
#include "store/store.h"

typedef struct live live_t;

/* Loads the index from the store (engine_load) and the wage peers. `cfg`
 * must outlive the live_t. */
tw_err_t live_open(store_t *st, const config_t *cfg, live_t **out, tw_errinfo_t *ei);
void live_close(live_t *lv);
const eng_index_t *live_index(const live_t *lv);
const config_t *live_config(const live_t *lv);

typedef struct {
    /* The application: fields as the engine holds them (engine.h), entity
     * ids the store's, 0 for none; an id past the index (an entity stored
     * after it was loaded) is a new entity with no history in it. row_id,
     * key and prev are ignored. */
    eng_app_t app;
    const char *application_id; /* shown in the evidence */
    /* Record index + 1 of a current application this one replaces (a new
     * version of it), left out of the neighbourhood; 0: none. */
    uint32_t replaces;
} live_input_t;

typedef struct {
    double score;           /* 0..100 */
    score_level_t level;
    size_t neighbourhood;   /* applications in the neighbourhood, with this one */
    /* For evidence: the neighbourhood index (the application is record 0),
     * its hits and scores; score_result_t names the application's hits
     * through `app` (an entry of sr.ents, or NULL without evidence). */
    eng_index_t ix;
    ind_hits_t hits;
    score_result_t sr;
    const score_entity_t *app;
} live_result_t;

/* The score and level of one of the application's own entities as the
 * neighbourhood sees it: IK_APPLICATION, IK_WORKER, IK_EMPLOYER, IK_ADDRESS
 * (its residence), IK_PHONE. The prior and LEVEL_NONE for an entity with no
 * evidence or none at all. Not IK_INTERMEDIARY: an intermediary's other
 * applications are not in the neighbourhood (they change nothing above),
 * so its score there would be partial. */
void live_entity_score(const live_t *lv, const live_result_t *r, ind_kind_t kind,
                       double *score, score_level_t *level);

/* Scores one application. TW_EINPUT when an entity id is out of range of
 * the full index or `replaces` names no record. Free with live_result_free. */
tw_err_t live_score(const live_t *lv, const live_input_t *in, live_result_t *out,
                    tw_errinfo_t *ei);
void live_result_free(live_result_t *r);

/* The record index + 1 of the current application with this id in the
 * index; 0 when it has none. */
uint32_t live_find(const live_t *lv, const char *application_id);

/* ---- a warm index shared by a server's threads ----
 * A holder loads a live_t on a thread of its own (with its own store
 * connection), hands it to requests, and every `check_s` seconds, or at
 * once when poked (an import through the API, a stored arrival), checks
 * whether the store holds rows the index has not read; if so it loads a
 * new one and swaps it in. A request keeps the index it acquired until it
 * releases it; a replaced index is freed when the last request using it
 * releases it. Between loads, arrivals stored since do not see each
 * other (each is new to the index); the next load brings them in.
 * After a load the holder pauses for 4 times the load's length (at least
 * 1 s) before the next, whatever the pokes: a steady stream of arrivals
 * then costs at most a fifth of a core in reloads, and a stored arrival is
 * seen by others within about five load-lengths.
 * Memory: up to two indexes while one is being replaced. */
typedef struct live_holder live_holder_t;

typedef struct {
    int ready;              /* an index is loaded */
    unsigned long loads, failures;
    size_t applications, bytes;
    long long loaded_at;    /* time(NULL) of the last load */
    double load_seconds;
    char error[256];        /* the last failure, "" after a success */
    long long config_id;    /* the adopted config served (0: the holder's own) */
    char config_version[65];
} live_holder_info_t;

/* Starts the loading thread and returns at once. `cfg` must outlive the
 * holder. */
tw_err_t live_holder_start(const char *db_path, const config_t *cfg, unsigned check_s,
                           live_holder_t **out);
/* The same, following adoption (adopt.h): the holder also checks, when
 * poked and at least every LIVE_FOLLOW_S seconds, which config the store
 * marks active; when that changes (an approval or a rollback, from the
 * API or the CLI) it loads a new index under it and swaps it in as it
 * swaps a reloaded one: a request keeps the index and config it acquired.
 * With none active it serves under `cfg`. Each switch after the first
 * load writes the audit entry config.in_force. The store's new rows are
 * still looked for every check_s seconds or when poked. */
#define LIVE_FOLLOW_S 5
tw_err_t live_holder_start_following(const char *db_path, const config_t *cfg, unsigned check_s,
                                     live_holder_t **out);
/* Stops the thread and frees every index; call after the last request. */
void live_holder_stop(live_holder_t *h);
/* The current index (release it when done), or NULL before the first load. */
const live_t *live_holder_acquire(live_holder_t *h);
void live_holder_release(live_holder_t *h, const live_t *lv);
/* Check the store now rather than at the next tick. */
void live_holder_poke(live_holder_t *h);
/* Waits up to `seconds` for the first load; 1 when an index is ready. */
int live_holder_wait(live_holder_t *h, unsigned seconds);
void live_holder_info(live_holder_t *h, live_holder_info_t *out);

#endif
