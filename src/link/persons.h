/*
 * persons.h - persons across the registers, with stable ids.
 *
 * persons_link() reads the current rows of the permit, border-crossing and
 * report registers through the store's scan, gives each record its normal
 * forms for linkage (link.h fields: given name, family name, birth date,
 * document "COUNTRY<US>NUMBER", citizenship, sex, phone), links them, and
 * writes the persons into the tables of migration 10 (person,
 * person_record, person_worker, person_event, person_join, link_run,
 * link_capped, link_review, link_decision), which this module alone owns.
 *
 * Records are named `permits:APPLICATION_ID`, `border:CROSSING_ID`,
 * `reports:REPORT_ID` and `cases:CASE_ID`. NRM cases sit above link in the
 * layers and keep their names sealed: link never reads their tables. Their
 * owner (cases_link_records(), through the CLI) hands each case's identity
 * in the clear for one run (persons_case_t); link brings it to the normal
 * forms the registers have, compares it, and keeps nothing of it but the
 * record name, its person and the owner's keyed change token
 * (docs/internals/link.md, "NRM cases").
 *
 * Stable ids (invariants):
 *   1. A person id is never reused (AUTOINCREMENT).
 *   2. After a run, every record that was in person P before is in P or in
 *      the person P was merged into, unless P was split; of a split person,
 *      the part holding most of its records (ties: the oldest record) keeps
 *      the id, the others get new ids with a 'split' event naming P.
 *   3. When clusters join persons P < Q, the survivor is P (the older);
 *      Q's row stays with status 'merged' and merged_into = P, and a
 *      'merged' event is written.
 *   4. A clerical decision (link_decision) outlives every run: "same"
 *      joins, "not same" separates, whatever the model says.
 * Incremental: the first run (and --full) estimates the model by EM and
 * compares every record; later runs reuse the stored model, seed the
 * clusters with the stored persons and compare only pairs with a new or
 * changed record (content hash differs from the one stored).
 * Thread model: one call at a time per store; they open their own store.
 */
#ifndef TW_LINK_PERSONS_H
#define TW_LINK_PERSONS_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "link/link.h"
#include "store/store.h"

/* One NRM case as linkage sees it, in the clear, valid during the run
 * only. Text as the case holds it (any script, any order of the name
 * parts); NULL or "" for unknown. */
typedef struct {
    int64_t id;              /* record "cases:ID" */
    const char *name;        /* the full name, one field */
    const char *birth_date;  /* YYYY-MM-DD, or YYYY */
    const char *document;    /* "COUNTRY:DOCNO", as a worker key */
    const char *citizenship; /* ISO 3166 alpha-3 */
    const char *sex;         /* "F", "M" (the registers' codes) or "" */
    const char *phone;
    /* Changes whenever one of the values above does, and tells nothing
     * of them without the case owner's key (a keyed hash): stored as the
     * record's content hash, it finds the changed cases of an incremental
     * run. */
    uint64_t change_token;
} persons_case_t;

typedef struct {
    link_opts_t link;
    /* The NRM cases that have a name (NULL, 0 with cases_read 0: the cases
     * were not read - no key file - and the case records of earlier runs
     * stay with their persons, following merges). With cases_read 1 the
     * array is every case there is: a case record of an earlier run that
     * is not in it (purged) is forgotten. */
    const persons_case_t *cases;
    size_t ncases;
    int cases_read;
    int have_threshold, have_block_cap;
    int full;                /* re-estimate and compare everything */
    const char *config_path; /* [link] section; NULL: none */
    FILE *log;               /* summary; NULL: quiet */
    /* NULL (the command line): the run is one write transaction. Set (a
     * server): the records are read in a read transaction, compared
     * outside any, and only the writing holds write_lock(lock_ctx, 1) ..
     * write_lock(lock_ctx, 0) and a write transaction, after checking that
     * no decision, link run or person record changed meanwhile
     * (TW_ECONFLICT otherwise, nothing written: run it again). The
     * server's other writers wait for the writing only. */
    void (*write_lock)(void *ctx, int on);
    void *lock_ctx;
} persons_opts_t;

void persons_opts_default(persons_opts_t *o);

/* Links the store at db_path. TW_EINPUT for a bad [link] config. */
tw_err_t persons_link(const char *db_path, const persons_opts_t *o, tw_errinfo_t *ei);
/* The same on an open store (the import's --screen path). */
tw_err_t persons_link_store(store_t *st, const persons_opts_t *o, tw_errinfo_t *ei);

/* record,person_id rows (csv) or a JSON array of {"record","person_id"}. */
tw_err_t persons_export(const char *db_path, int json, FILE *out, tw_errinfo_t *ei);
/* A person's records and the evidence of each join; TW_ENOTFOUND. */
tw_err_t persons_show(const char *db_path, int64_t person_id, FILE *out, tw_errinfo_t *ei);
/* Merges and splits, oldest first. */
tw_err_t persons_history(const char *db_path, FILE *out, tw_errinfo_t *ei);

/* For the engine: every worker entity (store id) with its person, as the
 * last run left them (nothing when the store was never linked). */
typedef tw_err_t (*persons_worker_fn)(void *ctx, int64_t worker_id, int64_t person_id);
tw_err_t persons_each_worker(store_t *st, persons_worker_fn fn, void *ctx);
/* Workers whose person changed in a link run (a merge, a split, a
 * clerical decision, a record that moved between persons) and that no
 * screening has checked since: fn once per queued row (a worker may come
 * more than once), oldest first; *upto = the last row read (0: none). The
 * screening calls it BEFORE it loads the store (a run committed meanwhile
 * stays queued) and, once its alerts are written, clears what it read
 * with persons_changed_workers_done(st, upto). A full screening clears
 * them too. Live scoring neither reads nor clears them. */
typedef tw_err_t (*persons_changed_fn)(void *ctx, int64_t worker_id);
tw_err_t persons_changed_workers(store_t *st, persons_changed_fn fn, void *ctx, int64_t *upto);
tw_err_t persons_changed_workers_done(store_t *st, int64_t upto);
/* Every linked record whose name starts with `prefix` ("reports:"), with
 * the rest of its name (the register's id; not NUL-terminated) and its
 * person. */
typedef tw_err_t (*persons_record_fn)(void *ctx, const char *id, size_t len,
                                      int64_t person_id);
tw_err_t persons_each_record(store_t *st, const char *prefix, persons_record_fn fn,
                             void *ctx);

/* ---- the person page and the clerical review (the API's) ---- */

/* Person `id` (a merged id is followed to its survivor: *resolved): its
 * records (group: records with one value of group hold the same compared
 * values) and its links with their evidence, as text and as JSON
 * ({"prior":P,"total":T,"items":[[FIELD,LEVEL,WEIGHT],...]}, FIELD one of
 * given, family, date, document, citizenship, sex, phone, employer,
 * address; LEVEL the compare.h level of its kind). TW_ENOTFOUND. */
typedef tw_err_t (*persons_rec_view_fn)(void *ctx, const char *record, int64_t group);
typedef tw_err_t (*persons_join_view_fn)(void *ctx, const char *a, const char *b,
                                         const char *how, double weight,
                                         const char *evidence, const char *detail);
tw_err_t persons_view(store_t *st, int64_t id, int64_t *resolved, persons_rec_view_fn rec_fn,
                      persons_join_view_fn join_fn, void *ctx, tw_errinfo_t *ei);

/* One pair of the review queue, with its decision when one was taken
 * (NULL otherwise). Valid during the callback. */
typedef struct {
    int64_t id;
    const char *a, *b;
    double weight, probability;
    const char *evidence;
    const char *decision, *decided_by, *decided_at, *note;
    const char *detail; /* the evidence as JSON: {"prior","total","items":[[FIELD,LEVEL,W]]} */
} persons_review_t;
typedef tw_err_t (*persons_review_fn)(void *ctx, const persons_review_t *r);
/* Whether the reader may see the pair (a and b are record names: an NRM
 * case the reader may not see hides its pairs); NULL: every pair. */
typedef int (*persons_visible_fn)(void *ctx, const char *a, const char *b);
/* The queue: the links reviewers disputed (persons_review_add) first, then
 * the most uncertain (weight nearest 0); with `decided` the pairs already
 * decided too, after the pending ones. Pairs `visible` refuses are left out
 * before the page is cut: fn is called for the first `limit` visible pairs,
 * and *total counts the visible pending pairs only. */
tw_err_t persons_review_list(store_t *st, size_t limit, int decided, persons_visible_fn visible,
                             persons_review_fn fn, void *ctx, long long *total);
/* Records the decision ("same", "not_same", "unsure") on review pair `id`
 * by `who`, with an optional note (at most 1000 bytes); it outlives every
 * run and the next `tipwatch link` applies it. Inside the caller's
 * transaction when there is one (the API adds its audit entry). The pair's
 * records into a/b (cap bytes each). TW_ENOTFOUND, TW_EINPUT. */
tw_err_t persons_review_decide(store_t *st, int64_t id, const char *decision, const char *who,
                               const char *note, char *a, char *b, size_t cap,
                               tw_errinfo_t *ei);

/* Forgets a record (a purged case: "cases:17") inside the caller's
 * transaction: its person_record row, the review pairs, decisions and
 * joins that name it. Its person keeps its id (a person left without
 * records is simply empty). TW_OK when it was never linked. */
tw_err_t persons_forget(store_t *st, const char *record);

/* The person of worker entity `worker_id` as the last run left it;
 * TW_ENOTFOUND when it has none (never linked). */
tw_err_t persons_of_worker(store_t *st, int64_t worker_id, int64_t *person_id);
/* The worker entities (documents) of person `person_id`: fn once each. */
typedef tw_err_t (*persons_id_fn)(void *ctx, int64_t id);
tw_err_t persons_workers_of(store_t *st, int64_t person_id, persons_id_fn fn, void *ctx);

/* Puts a link the person page shows (records a and b joined in one
 * person: a row of its links, person_join) into the review queue, so that
 * a reviewer can answer "not the same" to a join the model made above the
 * threshold; its weight and evidence are the link's. *id = the pair (the
 * one already queued when it is). Inside the caller's transaction when
 * there is one. TW_ENOTFOUND when a and b are not a link of one person;
 * TW_EINPUT when a equals b. Such a pair is stored with run 0 (a
 * reviewer's, not a run's) and listed first among the pending pairs: a
 * person asked about it. Pairs queued so are dropped, like the rest of the
 * queue, by a full run (`link --full`); decisions are kept. A pair already
 * in the queue, decided or not, is reopened: back at the head (run 0), its
 * decision cleared (the model decides again at the next run unless a
 * reviewer does); *was (wascap bytes, may be NULL) = the decision cleared,
 * "" when there was none, for the caller's audit entry. */
tw_err_t persons_review_add(store_t *st, const char *a, const char *b, int64_t *id, char *was,
                            size_t wascap, tw_errinfo_t *ei);

/* The person of a record ("permits:A-1"); TW_ENOTFOUND when unlinked. */
tw_err_t persons_of_record(store_t *st, const char *record, int64_t *person_id);

#endif
