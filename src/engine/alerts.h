/*
 * alerts.h - alerts: one open alert per entity, with its evidence and its
 * history; written by a screening run, read by analysts.
 *
 * alerts_apply() takes a screening result (hits and scores) and brings the
 * alert table in line with it:
 *   - an entity at level low or above with no open alert gets a new one
 *     (status "new", event "raised");
 *   - an open alert whose score, level or indicators changed is updated
 *     (event "updated": old and new score, level, indicators, config);
 *   - an open alert whose entity no longer reaches level low keeps its
 *     status but drops to level "none" (event "lowered"), so an analyst
 *     never loses a case they are working on;
 *   - an entity whose last alert was closed (dismissed or confirmed) gets a
 *     new alert only when its level or indicators differ from that alert's:
 *     a reviewed case is not raised again for the same evidence;
 *   - an unchanged alert is left alone (no event).
 * Every alert stores its evidence as JSON: each indicator with its text, the
 * ILO indicators, weight, strength, contribution, observed value, threshold
 * and the records that show it, ranked by contribution, and the config
 * version it was raised under.
 *
 * The alert tables (alert, alert_event) are created by store.c's
 * migrations and written only here. Thread model: the caller's store_t.
 */
#ifndef TW_ALERTS_H
#define TW_ALERTS_H

#include <stdio.h>

#include "base/buf.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/indicators.h"
#include "engine/score.h"
#include "store/store.h"

typedef struct {
    long long raised, updated, unchanged, lowered;
    long long open_by_level[4]; /* after the run: none, low, medium, high */
    long long considered;       /* entities the run was allowed to change */
} alerts_summary_t;

/* A screening run as recorded in table `screening`: the watermark an
 * incremental run starts from. */
typedef struct {
    int incremental;          /* 0 full, 1 incremental */
    char config_version[128];
    uint64_t config_digest;
    int32_t horizon;          /* ENG_NODAY when unknown */
    int64_t watermark[4];     /* ix->max_row of the run, per eng_reg_t */
} alerts_screening_t;

/* Brings the alerts in line with a screening result (see above) and records
 * the run in `screening`, in one transaction. With `scope` (NULL: every
 * entity) only marked entities are touched: their alerts are raised,
 * updated or lowered as a full run would; all others are left as they are. */
tw_err_t alerts_apply(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                      const score_result_t *sr, const config_t *cfg, const ind_marks_t *scope,
                      const char *actor, alerts_summary_t *sum, tw_errinfo_t *ei);

/* The same for a live score (live.c, POST /api/v1/score): `ix` is the
 * application's neighbourhood, whose scores of the marked entities (the
 * application, its worker and employer) equal a full screening's, so their
 * alerts are raised, updated or lowered as an incremental screening would;
 * nothing else is touched and no screening run is recorded (its watermark
 * would be the neighbourhood's). The event's reason says "live score". */
tw_err_t alerts_apply_live(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                           const score_result_t *sr, const config_t *cfg,
                           const ind_marks_t *scope, const char *actor, alerts_summary_t *sum,
                           tw_errinfo_t *ei);

/* The evidence JSON and the plain-language explanation an alert of entity
 * `se` would store (the same text as alerts_apply() writes), into json and
 * text (reset first). */
tw_err_t alerts_evidence(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                         const score_result_t *sr, const score_entity_t *se,
                         const config_t *cfg, tw_buf_t *json, tw_buf_t *text);

/* The latest screening run; *found = 0 when there has been none. */
tw_err_t alerts_last_screening(store_t *st, alerts_screening_t *out, int *found,
                               tw_errinfo_t *ei);

/* Lifecycle. Allowed moves (anything else is TW_ECONFLICT):
 *   new        -> in_review, escalated, dismissed, confirmed
 *   in_review  -> escalated, dismissed, confirmed, new
 *   escalated  -> in_review, dismissed, confirmed
 *   dismissed  -> in_review            (reopened)
 *   confirmed  -> in_review            (reopened)
 * A reason is required for escalated, dismissed, confirmed and a reopening
 * (TW_EINPUT without one). Dismissed and confirmed close the alert (it leaves
 * `alerts list`); reopening one whose entity has a newer open alert is
 * TW_ECONFLICT. Every move and assignment is an alert_event with
 * who, when and why. TW_ENOTFOUND for an unknown id. */
tw_err_t alerts_transition(store_t *st, long long id, const char *to_status, const char *actor,
                           const char *reason, tw_errinfo_t *ei);
/* Records in alert `id`'s history that an NRM case was opened from it
 * (kind "case_opened", the actor, reason = the organisation that opened
 * it; never the case's id, which stays sealed with the case, cases.h rule
 * 8). Runs inside the caller's transaction (cases_open()'s). TW_EDB. */
tw_err_t alerts_note_case(store_t *st, long long id, const char *actor, const char *org);
/* assignee NULL or "" unassigns. */
tw_err_t alerts_assign(store_t *st, long long id, const char *assignee, const char *actor,
                       tw_errinfo_t *ei);
/* Hands alert `id` to organisation org_id (org.id; its name for the
 * history) without naming a person in it: the assignee is cleared and the
 * alert is in that organisation's queue (alerts_query_t.scope_org) until
 * one of its people takes it. Recorded in the history ("assign_org", the
 * previous assignee in from_status, the organisation's name in reason).
 * The caller checks that the organisation exists. */
tw_err_t alerts_assign_org(store_t *st, long long id, long long org_id, const char *org_name,
                           const char *actor, tw_errinfo_t *ei);

/* Suppresses one indicator for the entity of alert `id` until `until`
 * (YYYY-MM-DD, after today and at most 180 days ahead), with a reason: the
 * evidence is still shown but no longer scored from the next screening on.
 * Recorded in the alert's history; reversible with alerts_unsuppress().
 * TW_EINPUT for a bad date, a missing reason or an unknown indicator. */
tw_err_t alerts_suppress(store_t *st, long long id, const char *indicator, const char *until,
                         const char *reason, const char *actor, tw_errinfo_t *ei);
tw_err_t alerts_unsuppress(store_t *st, long long id, const char *indicator,
                           const char *reason, const char *actor, tw_errinfo_t *ei);
/* The suppressions in force today, resolved to the index's entities and
 * sorted; free sup->items with free(). */
tw_err_t alerts_load_suppressions(store_t *st, const eng_index_t *ix,
                                  score_suppressions_t *sup, tw_errinfo_t *ei);
/* Every suppression ever recorded, in force or not (an incremental
 * screening rescores these entities: one may have expired or been lifted). */
tw_err_t alerts_load_all_suppressions(store_t *st, const eng_index_t *ix,
                                      score_suppressions_t *sup, tw_errinfo_t *ei);

/* Shadow comparison of two screenings of the same index (the config in force
 * and a candidate): which entities would get an alert, lose it, or change
 * level. Prints a summary and up to `max_lines` changes, largest score
 * change first. Touches no alert. */
typedef struct {
    long long appear, disappear, level_up, level_down, same;
} alerts_shadow_t;

tw_err_t alerts_shadow(store_t *st, const eng_index_t *ix, const score_result_t *now,
                       const score_result_t *cand, size_t max_lines, FILE *out,
                       alerts_shadow_t *sum);

typedef struct {
    const char *level;       /* NULL: any; else minimum level "low", "medium", "high" */
    const char *status;      /* NULL: any */
    const char *entity_type; /* NULL: any */
    const char *indicator;   /* NULL: any; else alerts whose indicators include it */
    long limit;              /* 0: no limit */
} alerts_filter_t;

/* A table of open alerts, highest score first. */
tw_err_t alerts_list(store_t *st, const alerts_filter_t *f, FILE *out);
/* A readable explanation of one alert: what drove its score, the evidence
 * records, its history. TW_ENOTFOUND for an unknown id. */
tw_err_t alerts_show(store_t *st, long long id, FILE *out);
/* Every alert matching f: "csv" (alert_id,entity_type,entity_key,score,
 * level,indicators,created_at,status,updated_at,config_version) or "json"
 * (one object per line, with the evidence). */
tw_err_t alerts_export(store_t *st, const alerts_filter_t *f, const char *format, FILE *out);

/* Every native indicator hit (before roll-up, roll-down and suppressions)
 * as CSV: indicator,entity_type,entity_key,strength,value,threshold, in the
 * order computed. The SQL peers of bench/sql/ are checked against it. */
tw_err_t alerts_write_hits(store_t *st, const eng_index_t *ix, const ind_hits_t *hits, FILE *out);

/* ---- reads for the HTTP API ---- */

/* One alert as a list shows it. region, employer and nationality come from
 * the latest permit application of the alert's entity (region: the
 * workplace region, else the worker's; employer: its TIN, not for
 * intermediaries; nationality: the worker's citizenship, only for
 * application and worker alerts); NULL when unknown. Strings are valid only
 * during the callback. */
typedef struct {
    long long id;
    const char *entity_type, *entity_key;
    double score;
    const char *level, *status;
    const char *indicators; /* ';'-separated ids, ranked */
    const char *assignee;   /* NULL: nobody */
    const char *created_at, *updated_at;
    const char *region, *employer, *nationality;
    /* the entity's name as people know it (the person's given and family
     * name, the employer's or the agent's name; NULL for an address or a
     * phone or when unknown) and the employer's name, from the latest
     * permit like region and employer */
    const char *name, *employer_name;
} alerts_item_t;
typedef tw_err_t (*alerts_item_fn)(void *ctx, const alerts_item_t *it);

typedef enum {
    ALERTS_SORT_SCORE_DESC = 0, /* the default: highest score first */
    ALERTS_SORT_SCORE_ASC,
    ALERTS_SORT_CREATED_DESC,
    ALERTS_SORT_CREATED_ASC,
    ALERTS_SORT_UPDATED_DESC,
    ALERTS_SORT_UPDATED_ASC
} alerts_sort_t;

typedef struct {
    const char *level;       /* NULL: any; else at least "low", "medium", "high" */
    const char *status;      /* NULL: open alerts; "all": any; else that status */
    const char *indicator;   /* NULL: any; else alerts whose indicators include it */
    const char *entity_type; /* NULL: any */
    const char *region;      /* NULL: any; else region (ISO 3166-2:AM) as in alerts_item_t */
    const char *employer;    /* NULL: any; else employer TIN as in alerts_item_t */
    const char *assignee;    /* NULL: any; else assigned to this name */
    const char *since;       /* NULL or YYYY-MM-DD: created on or after (UTC) */
    const char *until;       /* NULL or YYYY-MM-DD: created on or before (UTC) */
    /* authorisation scope: with `scoped`, only alerts assigned to one of
     * scope_assignees[0..nscope) (compared without case); none when nscope
     * is 0 */
    int scoped;
    const char *const *scope_assignees;
    size_t nscope;
    /* with `scoped`: also the alerts nobody in particular has that were
     * escalated to this organisation (org.id; 0: none) */
    long long scope_org;
    alerts_sort_t sort;
    long limit;              /* rows to return, 1..10000 */
    /* keyset cursor: only rows after (after_num | after_text, after_id) in
     * the sort order; after_id 0 = from the start. after_num for score
     * sorts, after_text (created_at / updated_at) for the others. */
    long long after_id;
    double after_num;
    const char *after_text;
} alerts_query_t;

/* The alerts matching q, in q->sort order (ties by id in the same
 * direction), at most q->limit, each handed to fn. *more = 1 when there are
 * further rows after the last one returned. TW_EINPUT (with *ei naming the
 * parameter) for a bad date, level, status or limit. */
tw_err_t alerts_query(store_t *st, const alerts_query_t *q, alerts_item_fn fn, void *ctx,
                      int *more, tw_errinfo_t *ei);

/* How many alerts match q's filters (its cursor and limit aside) into
 * *alerts, and, when groups is not NULL, into how many groups
 * alerts_query_groups() would list them. TW_EINPUT as alerts_query(). */
tw_err_t alerts_query_count(store_t *st, const alerts_query_t *q, long long *alerts,
                            long long *groups, tw_errinfo_t *ei);

/* The matching alerts grouped by employer: every alert whose list row
 * names an employer (alerts_item_t.employer: applications, workers, the
 * employer itself, addresses and phones through their latest permit) is in
 * that employer's group; any other alert (an intermediary's, or an entity
 * no permit names) is a group of its own. Strings and items are valid only
 * during the callback. */
typedef struct {
    const char *employer;      /* TIN; NULL for an alert alone */
    const char *employer_name; /* NULL when unknown */
    long long alerts;          /* matching alerts in the group */
    long long workers;         /* distinct workers among them with an alert */
    const alerts_item_t *top;  /* the group's highest matching alert */
    /* the employer's own open alert, whatever the filters (within the
     * caller's scope); NULL when it has none */
    const alerts_item_t *own;
} alerts_group_t;
typedef tw_err_t (*alerts_group_fn)(void *ctx, const alerts_group_t *g);

/* The groups of the alerts matching q, highest top score first (ties: the
 * top alert's larger id first), at most q->limit; q->sort must be
 * ALERTS_SORT_SCORE_DESC and the cursor is (top score, top alert id).
 * *more as alerts_query(). A group's members are the alerts of
 * alerts_query() with q->employer set to the group's employer. */
tw_err_t alerts_query_groups(store_t *st, const alerts_query_t *q, alerts_group_fn fn,
                             void *ctx, int *more, tw_errinfo_t *ei);

/* One alert with everything an analyst reads. evidence is the stored JSON
 * text. Valid only during the callback. */
typedef struct {
    alerts_item_t item;
    const char *evidence;
    const char *explanation;
    const char *config_version;
    int closed;
    long long assigned_org; /* org.id it was escalated to (alerts_assign_org); 0: none */
} alerts_detail_t;
typedef struct {
    long long id;
    const char *at, *actor, *kind;
    const char *from_status, *to_status; /* NULL when not a move */
    int has_score;
    double score;
    const char *level, *indicators, *config_version, *reason; /* NULL when absent */
} alerts_event_t;
typedef struct {
    const char *indicator, *until, *created_by, *created_at, *reason;
} alerts_suppression_t;
typedef struct {
    tw_err_t (*alert)(void *ctx, const alerts_detail_t *d);
    tw_err_t (*event)(void *ctx, const alerts_event_t *e);             /* NULL: skip */
    tw_err_t (*suppression)(void *ctx, const alerts_suppression_t *s); /* NULL: skip */
} alerts_visitor_t;

/* Alert `id`, then its history in order, then the suppressions in force on
 * its entity. TW_ENOTFOUND ("no alert N" in *ei) for an unknown id. */
tw_err_t alerts_get(store_t *st, long long id, const alerts_visitor_t *v, void *ctx,
                    tw_errinfo_t *ei);

/* Every alert of one entity, the open one first, then the closed ones,
 * newest first (region, employer, nationality are not filled). */
tw_err_t alerts_for_entity(store_t *st, const char *entity_type, const char *entity_key,
                           alerts_item_fn fn, void *ctx);

/* Every alert, open and closed, with region, employer and nationality
 * filled (for aggregate statistics). */
tw_err_t alerts_scan(store_t *st, alerts_item_fn fn, void *ctx);

/* Open alerts per level: none, low, medium, high. */
tw_err_t alerts_count_open(store_t *st, long long by_level[4]);

#endif
