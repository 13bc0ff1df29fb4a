/*
 * alerts.c - the alert table: apply a screening run, list, explain, export
 * (contract in alerts.h).
 *
 * Data structure: table `alert` with a partial unique index on
 * (entity_type, entity_key) WHERE closed = 0 (one open alert per entity),
 * `alert_event` for history. A screening run gets a run number (the largest
 * screened_run + 1); every alert it touches is stamped with it, so alerts it
 * did not touch are found with one query at the end.
 *
 * The evidence is rendered twice at apply time, from the same data: as JSON
 * (for export and the API) and as a plain-language explanation (for
 * `alerts show`), so nothing has to parse JSON back.
 *
 * Invariants:
 *   1. At most one open alert per entity (enforced by the index).
 *   2. Every change of an alert's score, level, indicators or status has an
 *      alert_event row written in the same transaction.
 */
#include "engine/alerts.h"

#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/csvout.h"
#include "base/json.h"
#include "base/strmap.h"
#include "ingest/value.h"

static const char *const rec_register[] = {"permits", "border_crossings", "inspections",
                                           "reports"};

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A whole number below a million in magnitude as printf's %g and %.6g
 * print it (decimal digits, no point, no exponent), into out[16]; 0 for
 * any other value (the caller then prints it with printf). Wages, hours
 * and counts are most of the numbers in the evidence, and printf's
 * floating point conversion was most of rendering it. */
static int whole_g(double v, char out[16])
{
    char tmp[16];
    long long i;
    int n = 0, k = 0;
    if (!(v > -1e6 && v < 1e6) || v != floor(v) || (v == 0 && signbit(v)))
        return 0;
    i = (long long)v;
    if (i < 0) {
        out[k++] = '-';
        i = -i;
    }
    do {
        tmp[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
    return 1;
}

/* json_num(), and "%g" into text, with whole_g()'s shortcut. */
static tw_err_t jnum(tw_buf_t *b, double v)
{
    char w[16];
    return whole_g(v, w) ? buf_adds(b, w) : json_num(b, v);
}

static tw_err_t gnum(tw_buf_t *b, double v)
{
    char w[16];
    return whole_g(v, w) ? buf_adds(b, w) : buf_printf(b, "%g", v);
}

static const char *record_key(const eng_index_t *ix, const ind_record_t *r)
{
    switch (r->kind) {
    case IR_APPLICATION: return r->index < ix->napps ? eng_str(ix, ix->apps[r->index].key) : "";
    case IR_CROSSING:
        return r->index < ix->ncrossings ? eng_str(ix, ix->crossings[r->index].key) : "";
    case IR_INSPECTION:
        return r->index < ix->ninspections ? eng_str(ix, ix->inspections[r->index].key) : "";
    case IR_REPORT: return r->index < ix->nreports ? eng_str(ix, ix->reports[r->index].key) : "";
    }
    return "";
}

static const store_entity_t kind_entity[IK_COUNT] = {
    [IK_WORKER] = ENT_WORKER,       [IK_EMPLOYER] = ENT_EMPLOYER,
    [IK_INTERMEDIARY] = ENT_INTERMEDIARY, [IK_ADDRESS] = ENT_ADDRESS,
    [IK_PHONE] = ENT_PHONE};

/* The connection is opened without SQLite's mutex. apply() renders the
 * evidence on two threads while it writes the alerts of the batch before:
 * the render threads' only use of the connection is the entity key lookup
 * below, the writer's is its statements, and each holds this mutex while
 * it uses the connection. */
static pthread_mutex_t conn_mu = PTHREAD_MUTEX_INITIALIZER;

/* The entity's key as in DESIGN.md: application_id, COUNTRY:DOCNO, TIN,
 * intermediary id, normalised address, E.164 phone. */
static tw_err_t entity_key(store_t *st, const eng_index_t *ix, uint8_t kind, uint32_t entity,
                           char *out, size_t cap)
{
    if (kind == IK_APPLICATION) {
        const char *k = entity < ix->napps ? eng_str(ix, ix->apps[entity].key) : "";
        size_t n = strlen(k);
        if (n >= cap)
            return TW_ETOOBIG;
        memcpy(out, k, n + 1);
        return TW_OK;
    }
    if (ix->global_id[kind_entity[kind]]) { /* a neighbourhood index (live.c) */
        if (entity >= ix->nentities[kind_entity[kind]])
            return TW_ENOTFOUND;
        entity = ix->global_id[kind_entity[kind]][entity];
    }
    {
        tw_err_t err;
        pthread_mutex_lock(&conn_mu);
        err = store_entity_key(st, kind_entity[kind], entity, out, cap);
        pthread_mutex_unlock(&conn_mu);
        return err;
    }
}

/* Entities one step from the alert's entity in the graph the applications
 * draw (at most REL_MAX, in application order, each once): an analyst's
 * next places to look. Workers of an employer or an address are left out:
 * the records list them. */
#define REL_MAX 12
typedef struct {
    uint8_t kind[REL_MAX];
    uint32_t id[REL_MAX];
    int n;
} related_t;

static void rel_add(related_t *r, ind_kind_t kind, uint32_t id)
{
    int i;
    if (!id || r->n >= REL_MAX)
        return;
    for (i = 0; i < r->n; i++)
        if (r->kind[i] == kind && r->id[i] == id)
            return;
    r->kind[r->n] = (uint8_t)kind;
    r->id[r->n] = id;
    r->n++;
}

static void rel_app(related_t *r, const eng_app_t *a, ind_kind_t self)
{
    if (self != IK_WORKER)
        rel_add(r, IK_WORKER, a->worker);
    if (self != IK_EMPLOYER)
        rel_add(r, IK_EMPLOYER, a->employer);
    if (self != IK_INTERMEDIARY)
        rel_add(r, IK_INTERMEDIARY, a->intermediary);
    if (self != IK_ADDRESS) {
        rel_add(r, IK_ADDRESS, a->res_addr);
        rel_add(r, IK_ADDRESS, a->work_addr);
    }
    if (self != IK_PHONE)
        rel_add(r, IK_PHONE, a->phone);
}

static void related_of(const eng_index_t *ix, const score_entity_t *se, related_t *r)
{
    const eng_postings_t *lists[2] = {NULL, NULL};
    int l;
    uint32_t j;

    r->n = 0;
    switch (se->kind) {
    case IK_APPLICATION:
        if (se->entity < ix->napps)
            rel_app(r, &ix->apps[se->entity], IK_APPLICATION);
        return;
    case IK_WORKER: lists[0] = &ix->apps_by_worker; break;
    case IK_EMPLOYER: lists[0] = &ix->apps_by_employer; break;
    case IK_INTERMEDIARY: lists[0] = &ix->apps_by_intermediary; break;
    case IK_ADDRESS:
        lists[0] = &ix->apps_by_res_addr;
        lists[1] = &ix->apps_by_work_addr;
        break;
    case IK_PHONE: lists[0] = &ix->apps_by_phone; break;
    default: return;
    }
    for (l = 0; l < 2 && lists[l]; l++) {
        const eng_postings_t *p = lists[l];
        if (!p->off || se->entity >= p->n)
            continue;
        for (j = p->off[se->entity]; j < p->off[se->entity + 1] && r->n < REL_MAX; j++) {
            const eng_app_t *a = &ix->apps[p->items[j]];
            if (se->kind == IK_WORKER) {
                rel_app(r, a, IK_WORKER);
            } else {
                /* an owner or a shared value: who is behind it */
                if (se->kind != IK_EMPLOYER)
                    rel_add(r, IK_EMPLOYER, a->employer);
                if (se->kind != IK_INTERMEDIARY)
                    rel_add(r, IK_INTERMEDIARY, a->intermediary);
                if (se->kind == IK_EMPLOYER)
                    rel_add(r, IK_ADDRESS, a->work_addr);
            }
        }
    }
}

/* ---- the facts of carried evidence ---------------------------------------
 *
 * A hit carried to an employer or an intermediary (roll-up) holds counts:
 * value = how many of its live applications have the indicator, threshold =
 * how many it has. A hit carried to a worker (roll-down) holds a copy of the
 * strongest hit among its applications, their residence and phone and their
 * employers, which may itself be such a count. Neither is a wage, hours or
 * days, so the evidence says where a carried hit came from and shows that
 * source's own facts: the applications with their own values, or the
 * employer's count. A lookup of hits by (indicator, kind, entity), built
 * once per screening, finds the sources. */
typedef struct {
    uint16_t ind;
    uint8_t kind;
    uint32_t entity;
    uint32_t ref; /* as score_hit() takes it */
} hitkey_t;

typedef struct {
    hitkey_t *k;
    size_t n;
} hitix_t;

static int cmp_hitkey(const void *a, const void *b)
{
    const hitkey_t *x = a, *y = b;
    if (x->ind != y->ind)
        return x->ind < y->ind ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->entity != y->entity)
        return x->entity < y->entity ? -1 : 1;
    return x->ref < y->ref ? -1 : x->ref > y->ref;
}

static tw_err_t hitix_build(const ind_hits_t *hits, const score_result_t *sr, hitix_t *x)
{
    size_t i, n = hits->n + sr->rolled.n;
    x->n = 0;
    x->k = malloc((n ? n : 1) * sizeof(*x->k));
    if (!x->k)
        return TW_ENOMEM;
    for (i = 0; i < n; i++) {
        const ind_hit_t *h = i < hits->n ? &hits->hits[i] : &sr->rolled.hits[i - hits->n];
        x->k[i].ind = h->indicator;
        x->k[i].kind = h->kind;
        x->k[i].entity = h->entity;
        x->k[i].ref = (uint32_t)i;
    }
    x->n = n;
    if (n)
        qsort(x->k, n, sizeof(*x->k), cmp_hitkey);
    return TW_OK;
}

/* The first hit of (ind, kind, entity), or UINT32_MAX. */
static uint32_t hitix_find(const hitix_t *x, uint16_t ind, uint8_t kind, uint32_t entity)
{
    size_t lo = 0, hi = x->n;
    hitkey_t want = {ind, kind, entity, 0};
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_hitkey(&x->k[mid], &want) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->n && x->k[lo].ind == ind && x->k[lo].kind == kind && x->k[lo].entity == entity)
        return x->k[lo].ref;
    return UINT32_MAX;
}

static int same_hit(const ind_hit_t *a, const ind_hit_t *b)
{
    return a->strength == b->strength && a->value == b->value && a->threshold == b->threshold;
}

/* Where a worker's carried hit h came from: the first of its applications
 * whose own hit, residence's, phone's or employer's hit is the one copied
 * (roll_down copies the strongest). *app receives the application; returns
 * the source's ref, or UINT32_MAX when none is found (the evidence then
 * says only that it was carried). */
static uint32_t worker_source(const eng_index_t *ix, const hitix_t *x, const ind_hits_t *hits,
                              const score_result_t *sr, const ind_hit_t *h,
                              const ind_record_t *recs, uint8_t *kind_out, uint32_t *app)
{
    static const uint8_t order[] = {IK_APPLICATION, IK_ADDRESS, IK_PHONE, IK_EMPLOYER};
    uint32_t r, k;
    for (r = 0; r < h->nrecords; r++) {
        const ind_record_t *rc = &recs[h->rec_off + r];
        const eng_app_t *ap;
        if (rc->kind != IR_APPLICATION || rc->index >= ix->napps)
            continue;
        ap = &ix->apps[rc->index];
        for (k = 0; k < sizeof(order); k++) {
            uint32_t ent = order[k] == IK_APPLICATION ? rc->index
                           : order[k] == IK_ADDRESS   ? ap->res_addr
                           : order[k] == IK_PHONE     ? ap->phone
                                                      : ap->employer;
            uint32_t ref;
            if (!ent && order[k] != IK_APPLICATION)
                continue;
            ref = hitix_find(x, h->indicator, order[k], ent);
            if (ref != UINT32_MAX && same_hit(score_hit(sr, hits, ref), h)) {
                *kind_out = order[k];
                *app = rc->index;
                return ref;
            }
        }
    }
    return UINT32_MAX;
}

#define TEXT_APPS 5 /* applications the explanation's text names; the JSON has all kept */

/* The applications of a roll-up hit (its records) with their own values:
 * ,"applications":[{"key":..,"value":..,"threshold":..}] into json and
 * " (A1: 50000 against 75000; A2: ...)" into text. */
static tw_err_t carried_apps(const eng_index_t *ix, const hitix_t *x, const ind_hits_t *hits,
                             const score_result_t *sr, const ind_hit_t *h,
                             const ind_record_t *recs, tw_buf_t *json, tw_buf_t *text)
{
    uint32_t r;
    int shown = 0;
    tw_err_t err = buf_adds(json, ",\"applications\":[");
    for (r = 0; r < h->nrecords && !err; r++) {
        const ind_record_t *rc = &recs[h->rec_off + r];
        const char *key;
        uint32_t ref;
        if (rc->kind != IR_APPLICATION || rc->index >= ix->napps)
            continue;
        key = eng_str(ix, ix->apps[rc->index].key);
        ref = hitix_find(x, h->indicator, IK_APPLICATION, rc->index);
        if ((err = buf_adds(json, shown ? ",{\"key\":" : "{\"key\":")) ||
            (err = json_str(json, key, strlen(key))))
            break;
        if (ref != UINT32_MAX && ref < hits->n) {
            const ind_hit_t *own = score_hit(sr, hits, ref);
            if ((err = buf_adds(json, ",\"value\":")) || (err = jnum(json, own->value)) ||
                (err = buf_adds(json, ",\"threshold\":")) ||
                (err = jnum(json, own->threshold)))
                break;
            if (text && shown < TEXT_APPS &&
                !(err = buf_adds(text, shown ? "; " : " (")) && !(err = buf_adds(text, key)) &&
                !(err = buf_adds(text, ": ")) && !(err = gnum(text, own->value)) &&
                !(err = buf_adds(text, " against ")))
                err = gnum(text, own->threshold);
        } else if (text && shown < TEXT_APPS) {
            err = buf_printf(text, "%s%s", shown ? "; " : " (", key);
        }
        if (!err)
            err = buf_addc(json, '}');
        shown++;
    }
    if (!err)
        err = buf_addc(json, ']');
    if (!err && text && shown)
        err = h->nrecords_total > TEXT_APPS
                  ? buf_printf(text, "; and %u more)", h->nrecords_total - TEXT_APPS)
                  : buf_addc(text, ')');
    return err;
}

/* The "carried" member of a carried hit, and its value and threshold as
 * they are meant: a roll-up's count goes into "carried" and value and
 * threshold are null (no single wage or hours stand for N applications).
 * `line` receives the explanation's words for the CLI. */
static tw_err_t carried_json(store_t *st, const eng_index_t *ix, const hitix_t *x,
                             const ind_hits_t *hits, const score_result_t *sr,
                             const score_entity_t *se, const ind_hit_t *h,
                             const ind_record_t *recs, tw_buf_t *json, tw_buf_t *line)
{
    tw_err_t err;
    char key[1024];

    if (se->kind == IK_EMPLOYER || se->kind == IK_INTERMEDIARY) {
        if ((err = buf_printf(json, ",\"value\":null,\"threshold\":null,\"carried\":{"
                                    "\"from\":\"applications\",\"count\":%.0f,\"of\":%.0f",
                              h->value, h->threshold)))
            return err;
        if ((err = buf_printf(line, "in %.0f of its %.0f applications", h->value, h->threshold)))
            return err;
        if ((err = carried_apps(ix, x, hits, sr, h, recs, json, line)))
            return err;
        return buf_addc(json, '}');
    }
    {
        uint8_t kind = 0;
        uint32_t app = 0, ref = worker_source(ix, x, hits, sr, h, recs, &kind, &app);
        const ind_hit_t *src;
        const ind_record_t *srecs;
        const char *akey;
        if (ref == UINT32_MAX) {
            if ((err = buf_adds(json, ",\"value\":null,\"threshold\":null,\"carried\":{\"from\":null}")))
                return err;
            return buf_adds(line, "carried from the applications below, their employer, residence or phone");
        }
        src = score_hit(sr, hits, ref);
        srecs = ref < hits->n ? hits->records : sr->rolled.records;
        akey = eng_str(ix, ix->apps[app].key);
        if (kind == IK_EMPLOYER && ref >= hits->n) {
            /* the employer's own roll-up: a count, never a wage */
            if ((err = entity_key(st, ix, IK_EMPLOYER, src->entity, key, sizeof(key))))
                return err;
            if ((err = buf_adds(json, ",\"value\":null,\"threshold\":null,\"carried\":{"
                                      "\"from\":\"employer\",\"entity_key\":")) ||
                (err = json_str(json, key, strlen(key))) ||
                (err = buf_adds(json, ",\"application\":")) ||
                (err = json_str(json, akey, strlen(akey))) ||
                (err = buf_printf(json, ",\"count\":%.0f,\"of\":%.0f", src->value,
                                  src->threshold)))
                return err;
            if ((err = buf_printf(line, "carried from employer %s (application %s): in %.0f of its %.0f applications",
                                  key, akey, src->value, src->threshold)))
                return err;
            if ((err = carried_apps(ix, x, hits, sr, src, srecs, json, line)))
                return err;
            return buf_addc(json, '}');
        }
        /* a hit of its own kind: the application's own wage, the
         * residence's count of workers, the employer's inspections... */
        if ((err = buf_adds(json, ",\"value\":")) || (err = jnum(json, src->value)) ||
            (err = buf_adds(json, ",\"threshold\":")) || (err = jnum(json, src->threshold)) ||
            (err = buf_printf(json, ",\"carried\":{\"from\":\"%s\",\"application\":",
                              kind == IK_APPLICATION ? "application"
                              : kind == IK_ADDRESS   ? "residence"
                              : kind == IK_PHONE     ? "phone"
                                                     : "employer")) ||
            (err = json_str(json, akey, strlen(akey))))
            return err;
        if (kind != IK_APPLICATION) {
            if ((err = entity_key(st, ix, kind, src->entity, key, sizeof(key))) ||
                (err = buf_adds(json, ",\"entity_key\":")) ||
                (err = json_str(json, key, strlen(key))))
                return err;
        }
        if ((err = buf_addc(json, '}')))
            return err;
        if (kind == IK_APPLICATION)
            return buf_printf(line, "carried from application %s (observed %g, threshold %g)", akey,
                              src->value, src->threshold);
        return buf_printf(line, "carried from the %s %s of application %s (observed %g, threshold %g)",
                          kind == IK_ADDRESS ? "residence" : kind == IK_PHONE ? "phone" : "employer",
                          key, akey, src->value, src->threshold);
    }
}

/* Indicators, evidence JSON and explanation of one scored entity. */
static tw_err_t render(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                       const score_result_t *sr, const hitix_t *hx,
                       const score_entity_t *se, const config_t *cfg, const char *etype,
                       const char *ekey, tw_buf_t *inds, tw_buf_t *json, tw_buf_t *text)
{
    size_t ncat;
    const ind_def_t *cat = ind_catalogue(&ncat);
    double prior = score_prior(cfg, (ind_kind_t)se->kind);
    uint32_t k, r;
    tw_buf_t line; /* a carried hit's source, in words */
    tw_err_t err = TW_OK;

    buf_reset(inds);
    buf_reset(json);
    buf_reset(text);
    buf_init(&line, 1 << 14);
#define TRY(x)                                                                                 \
    do {                                                                                       \
        if ((err = (x)) != TW_OK)                                                              \
            goto done;                                                                         \
    } while (0)
    TRY(buf_adds(json, "{\"entity_type\":"));
    TRY(json_str(json, etype, strlen(etype)));
    TRY(buf_adds(json, ",\"entity_key\":"));
    TRY(json_str(json, ekey, strlen(ekey)));
    TRY(buf_adds(json, ",\"score\":"));
    TRY(json_num(json, se->score));
    TRY(buf_adds(json, ",\"logit\":"));
    TRY(json_num(json, se->logit));
    TRY(buf_adds(json, ",\"prior\":"));
    TRY(json_num(json, prior));
    TRY(buf_adds(json, ",\"vulnerability_factor\":"));
    TRY(json_num(json, se->vulnerability));
    TRY(buf_adds(json, ",\"config_version\":"));
    TRY(json_str(json, config_version(cfg), strlen(config_version(cfg))));
    TRY(buf_adds(json, ",\"indicators\":["));

    TRY(buf_printf(text, "What drove this score: log-odds %.2f = prior %.2f + evidence %.2f",
                   se->logit, prior, se->logit - prior));
    if (se->vulnerability > 1)
        TRY(buf_printf(text, " (evidence multiplied by %.2f for vulnerability)",
                       se->vulnerability));
    TRY(buf_adds(text, "\n"));

    for (k = 0; k < se->nhits; k++) {
        uint32_t ref = sr->order[se->first + k];
        const ind_hit_t *h = score_hit(sr, hits, ref);
        const ind_def_t *d = &cat[h->indicator];
        const ind_record_t *recs = ref < hits->n ? hits->records : sr->rolled.records;
        int rolled = ref >= hits->n;
        double c = sr->contribution[se->first + k];
        char ilo[256];

        ind_ilo_names(d->ilo, ilo, sizeof(ilo));
        /* indicators list: each id once, in rank order */
        {
            const char *p = buf_str(inds);
            size_t idl = strlen(d->id);
            int dup = 0;
            while (*p && !dup) {
                const char *e = strchr(p, ';');
                size_t l = e ? (size_t)(e - p) : strlen(p);
                dup = l == idl && memcmp(p, d->id, l) == 0;
                p = e ? e + 1 : p + l;
            }
            if (!dup) {
                if (inds->len)
                    TRY(buf_addc(inds, ';'));
                TRY(buf_adds(inds, d->id));
            }
        }
        if (k)
            TRY(buf_addc(json, ','));
        TRY(buf_adds(json, "{\"id\":"));
        TRY(json_str(json, d->id, strlen(d->id)));
        TRY(buf_adds(json, ",\"text\":"));
        TRY(json_str(json, d->text, strlen(d->text)));
        TRY(buf_adds(json, ",\"ilo\":"));
        TRY(json_str(json, ilo, strlen(ilo)));
        TRY(buf_printf(json,
                       ",\"applies_to\":\"%s\",\"rolled_up\":%s,\"vulnerability\":%s,"
                       "\"suppressed\":%s,",
                       ind_kind_name(d->kind), rolled ? "true" : "false",
                       d->vulnerability ? "true" : "false",
                       sr->suppressed[se->first + k] ? "true" : "false"));
        TRY(buf_adds(json, "\"strength\":"));
        TRY(json_num(json, h->strength));
        TRY(buf_adds(json, ",\"contribution\":"));
        TRY(json_num(json, c));
        buf_reset(&line);
        if (rolled) {
            TRY(carried_json(st, ix, hx, hits, sr, se, h, recs, json, &line));
        } else {
            char det[256]; /* an indicator's own detail (employer_peer_anomaly) */
            TRY(buf_adds(json, ",\"value\":"));
            TRY(jnum(json, h->value));
            TRY(buf_adds(json, ",\"threshold\":"));
            TRY(jnum(json, h->threshold));
            if (ind_hit_detail(h, det, sizeof(det)) > 0) {
                TRY(buf_adds(json, ",\"detail\":"));
                TRY(json_str(json, det, strlen(det)));
                TRY(buf_printf(&line, "%s", det));
            }
        }
        TRY(buf_printf(json, ",\"records_total\":%u,\"records\":[", h->nrecords_total));

        if (sr->suppressed[se->first + k])
            TRY(buf_printf(text, "  %d. (suppressed by an analyst, not scored) %s: %s\n",
                           (int)k + 1, d->id, d->text));
        else if (d->vulnerability)
            TRY(buf_printf(text, "  %d. (x) %s: %s [vulnerability: raises the weight of the "
                                 "evidence above, never an alert by itself]\n",
                           (int)k + 1, d->id, d->text));
        else if (rolled && (se->kind == IK_EMPLOYER || se->kind == IK_INTERMEDIARY))
            TRY(buf_printf(text, "  %d. +%.2f %s, %s: %s\n", (int)k + 1, c, d->id, buf_str(&line),
                           d->text));
        else if (rolled)
            TRY(buf_printf(text, "  %d. +%.2f %s (%s): %s\n", (int)k + 1, c, d->id,
                           buf_str(&line), d->text));
        else
            TRY(buf_printf(text, "  %d. +%.2f %s: %s (observed %g, threshold %g%s%s)\n",
                           (int)k + 1, c, d->id, d->text, h->value, h->threshold,
                           line.len ? "; " : "", buf_str(&line)));
        TRY(buf_printf(text, "       ILO indicators: %s\n", ilo));
        if (h->nrecords)
            TRY(buf_adds(text, "       records:"));
        for (r = 0; r < h->nrecords; r++) {
            const ind_record_t *rc = &recs[h->rec_off + r];
            const char *key = record_key(ix, rc);
            int same = r && recs[h->rec_off + r - 1].kind == rc->kind;
            if (r)
                TRY(buf_addc(json, ','));
            /* buf_adds, not buf_printf: these are most of the evidence */
            TRY(buf_adds(json, "{\"register\":\""));
            TRY(buf_adds(json, rec_register[rc->kind]));
            TRY(buf_adds(json, "\",\"key\":"));
            TRY(json_str(json, key, strlen(key)));
            TRY(buf_addc(json, '}'));
            /* "permits A, B; inspections C" */
            if (same) {
                TRY(buf_adds(text, ", "));
            } else {
                TRY(buf_adds(text, r ? "; " : " "));
                TRY(buf_adds(text, rec_register[rc->kind]));
                TRY(buf_addc(text, ' '));
            }
            TRY(buf_adds(text, key));
        }
        if (h->nrecords) {
            if (h->nrecords_total > h->nrecords)
                TRY(buf_printf(text, " (and %u more)", h->nrecords_total - h->nrecords));
            TRY(buf_addc(text, '\n'));
        }
        TRY(buf_adds(json, "]}"));
    }
    TRY(buf_adds(json, "]"));
    {
        related_t rel;
        char rkey[1024];
        int i, shown = 0;
        related_of(ix, se, &rel);
        TRY(buf_adds(json, ",\"related\":["));
        for (i = 0; i < rel.n; i++) {
            const char *rt = ind_kind_name((ind_kind_t)rel.kind[i]);
            if ((err = entity_key(st, ix, rel.kind[i], rel.id[i], rkey, sizeof(rkey))) ==
                TW_ENOTFOUND)
                continue;
            if (err != TW_OK)
                goto done;
            TRY(buf_printf(json, "%s{\"entity_type\":\"%s\",\"entity_key\":",
                           shown ? "," : "", rt));
            TRY(json_str(json, rkey, strlen(rkey)));
            TRY(buf_addc(json, '}'));
            TRY(buf_printf(text, "%s %s %s", shown ? ";" : "Related:", rt, rkey));
            shown++;
        }
        if (shown)
            TRY(buf_addc(text, '\n'));
        TRY(buf_adds(json, "]}"));
    }
#undef TRY
done:
    buf_free(&line);
    return err;
}

tw_err_t alerts_evidence(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                         const score_result_t *sr, const score_entity_t *se,
                         const config_t *cfg, tw_buf_t *json, tw_buf_t *text)
{
    const char *etype = ind_kind_name((ind_kind_t)se->kind);
    char key[1024];
    tw_buf_t inds;
    hitix_t hx = {NULL, 0};
    tw_err_t err;

    if ((err = entity_key(st, ix, se->kind, se->entity, key, sizeof(key))) != TW_OK)
        return err;
    buf_init(&inds, 1 << 16);
    if ((err = hitix_build(hits, sr, &hx)) == TW_OK)
        err = render(st, ix, hits, sr, &hx, se, cfg, etype, key, &inds, json, text);
    free(hx.k);
    buf_free(&inds);
    return err;
}

/* Lowers one open alert to level none with a 'lowered' event, as the full
 * run's set-based statements do for every alert it did not reach. */
static tw_err_t lower_one(store_t *st, sqlite3_stmt *ev, sqlite3_stmt *upd, long long id,
                          const char *now, const char *actor, const config_t *cfg,
                          long long run, tw_errinfo_t *ei, const char *why)
{
    int rc;
    sqlite3_bind_int64(ev, 1, id);
    sqlite3_bind_text(ev, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(ev, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(ev, 4, "lowered", -1, SQLITE_STATIC);
    sqlite3_bind_null(ev, 5);
    sqlite3_bind_null(ev, 6);
    sqlite3_bind_double(ev, 7, 0);
    sqlite3_bind_text(ev, 8, "none", -1, SQLITE_STATIC);
    sqlite3_bind_text(ev, 9, "", -1, SQLITE_STATIC);
    sqlite3_bind_text(ev, 10, config_version(cfg), -1, SQLITE_STATIC);
    sqlite3_bind_text(ev, 11, why, -1, SQLITE_STATIC);
    rc = sqlite3_step(ev);
    sqlite3_reset(ev);
    if (rc != SQLITE_DONE)
        return store_db_error(st, ei, "lowering an alert");
    sqlite3_bind_text(upd, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(upd, 2, run);
    sqlite3_bind_int64(upd, 3, id);
    rc = sqlite3_step(upd);
    sqlite3_reset(upd);
    return rc == SQLITE_DONE ? TW_OK : store_db_error(st, ei, "lowering an alert");
}

tw_err_t alerts_last_screening(store_t *st, alerts_screening_t *out, int *found,
                               tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    int rc, r;

    memset(out, 0, sizeof(*out));
    out->horizon = ENG_NODAY;
    *found = 0;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT mode, config_version, config_digest, horizon, permit_row,"
                           " crossing_row, inspection_row, report_row FROM screening"
                           " ORDER BY id DESC LIMIT 1",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, ei, "reading the last screening");
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 1);
        *found = 1;
        out->incremental = strcmp((const char *)sqlite3_column_text(s, 0), "incremental") == 0;
        snprintf(out->config_version, sizeof(out->config_version), "%s", v ? v : "");
        out->config_digest = strtoull((const char *)sqlite3_column_text(s, 2), NULL, 16);
        if (sqlite3_column_type(s, 3) != SQLITE_NULL)
            out->horizon = (int32_t)sqlite3_column_int64(s, 3);
        for (r = 0; r < 4; r++)
            out->watermark[r] = sqlite3_column_int64(s, 4 + r);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? TW_OK
                                                 : store_db_error(st, ei, "reading the last screening");
}

static tw_err_t apply(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                      const score_result_t *sr, const config_t *cfg, const ind_marks_t *scope,
                      int record_run, const char *actor, alerts_summary_t *sum,
                      tw_errinfo_t *ei);

tw_err_t alerts_apply(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                      const score_result_t *sr, const config_t *cfg, const ind_marks_t *scope,
                      const char *actor, alerts_summary_t *sum, tw_errinfo_t *ei)
{
    return apply(st, ix, hits, sr, cfg, scope, 1, actor, sum, ei);
}

tw_err_t alerts_apply_live(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                           const score_result_t *sr, const config_t *cfg,
                           const ind_marks_t *scope, const char *actor, alerts_summary_t *sum,
                           tw_errinfo_t *ei)
{
    if (!scope)
        return tw_errinfo_set(ei, TW_EINTERNAL, "a live alert update needs a scope");
    return apply(st, ix, hits, sr, cfg, scope, 0, actor, sum, ei);
}

/* ---- rendering in batches, on two threads ------------------------------
 *
 * Rendering the evidence (JSON and text) is most of an alert update's CPU,
 * and it reads only the index, the hits, the scores and the entity keys;
 * the SQL that writes the rows is serial. So apply() renders a batch of
 * alerts on two threads into one slot each, then writes the batch in
 * order on its own thread: the rows, their ids and their history are
 * those of rendering one by one. While it writes a batch, the next one
 * renders on a second thread (render_ahead); when the writing is done,
 * this thread helps finish it (render_finish). */
#define RENDER_BATCH 1024

typedef struct {
    uint32_t ent;       /* index in sr->ents */
    tw_err_t err;
    char key[1024];
    tw_buf_t inds, json, text;
} slot_t;

typedef struct {
    store_t *st;
    const eng_index_t *ix;
    const ind_hits_t *hits;
    const score_result_t *sr;
    const hitix_t *hx;
    const config_t *cfg;
    slot_t *slots;
    uint32_t n;
    uint32_t next;      /* the next slot to take (atomic) */
} batch_t;

static void render_slot(batch_t *b, slot_t *sl)
{
    const score_entity_t *se = &b->sr->ents[sl->ent];
    const char *etype = ind_kind_name((ind_kind_t)se->kind);
    if ((sl->err = entity_key(b->st, b->ix, se->kind, se->entity, sl->key, sizeof(sl->key))) !=
        TW_OK)
        return;
    sl->err = render(b->st, b->ix, b->hits, b->sr, b->hx, se, b->cfg, etype, sl->key, &sl->inds,
                     &sl->json, &sl->text);
}

static void *render_worker(void *arg)
{
    batch_t *b = arg;
    uint32_t i;
    while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->n)
        render_slot(b, &b->slots[i]);
    return NULL;
}

/* Renders b->slots[0..n) on this thread and one more (on this thread
 * alone when a second cannot start or the batch is small). */
static void render_batch(batch_t *b)
{
    pthread_t t;
    int two;
    b->next = 0;
    two = b->n >= 16 && pthread_create(&t, NULL, render_worker, b) == 0;
    render_worker(b);
    if (two)
        pthread_join(t, NULL);
}

/* Slots [0, n) of b for todo[first..first+n). */
static void batch_fill(batch_t *b, slot_t *slots, const uint32_t *todo, size_t first, size_t n)
{
    size_t j;
    b->slots = slots;
    b->n = (uint32_t)n;
    b->next = 0;
    for (j = 0; j < n; j++) {
        slots[j].ent = todo[first + j];
        slots[j].err = TW_OK;
        slots[j].key[0] = '\0';
    }
}

/* A batch rendering on a second thread while this one writes. */
typedef struct {
    pthread_t thread;
    int running;
} ahead_t;

/* Starts rendering b on a second thread (on this one, now, when a thread
 * cannot start). */
static void render_ahead(batch_t *b, ahead_t *a)
{
    b->next = 0;
    a->running = pthread_create(&a->thread, NULL, render_worker, b) == 0;
    if (!a->running)
        render_worker(b);
}

/* Renders what is left of b on this thread and waits for the second. */
static void render_finish(batch_t *b, ahead_t *a)
{
    render_worker(b);
    if (a->running)
        pthread_join(a->thread, NULL);
    a->running = 0;
}

/* What apply() writes an alert with: its statements and the run. */
typedef struct {
    store_t *st;
    sqlite3_stmt *sel, *ins, *upd, *stamp, *ev;
    const score_result_t *sr;
    const config_t *cfg;
    const char *now, *actor;
    long long run;
    int record_run;
    int any;  /* 0: the table was empty, no alert to look up */
    long long *raised_by_level; /* [4], counted here */
} writer_t;

/* Raises, updates, stamps or leaves the alert of one rendered slot, with
 * its history; the caller holds conn_mu. */
static tw_err_t write_one(const writer_t *w, const slot_t *sl, alerts_summary_t *sum,
                          tw_errinfo_t *ei)
{
    tw_err_t err;
    int rc;
    const score_entity_t *se = &w->sr->ents[sl->ent];
    const char *etype = ind_kind_name((ind_kind_t)se->kind);
    const char *level = score_level_name((score_level_t)se->level);
    const char *akey = sl->key;
    const tw_buf_t *inds = &sl->inds, *json = &sl->json, *text = &sl->text;
    long long id = -1, closed_id = -1;
    int changed = 0;

    if (sl->err != TW_OK) {
        err = sl->err;
        if (!akey[0])
            tw_errinfo_set(ei, err, "no key for %s %u", etype, se->entity);
        else
            tw_errinfo_set(ei, err, "rendering the evidence of %s %s", etype, akey);
        return err;
    }
    if (!w->any) {
        rc = SQLITE_DONE;
    } else {
        sqlite3_bind_text(w->sel, 1, etype, -1, SQLITE_STATIC);
        sqlite3_bind_text(w->sel, 2, akey, -1, SQLITE_STATIC);
        rc = sqlite3_step(w->sel);
    }
    if (rc == SQLITE_ROW) {
        int same_case = strcmp((const char *)sqlite3_column_text(w->sel, 2), level) == 0 &&
                        strcmp((const char *)sqlite3_column_text(w->sel, 3),
                               buf_str(inds)) == 0;
        if (sqlite3_column_int(w->sel, 4)) {
            /* dismissed or confirmed after review: raise again only on
             * new evidence (another level or other indicators) */
            closed_id = sqlite3_column_int64(w->sel, 0);
            if (same_case) {
                sqlite3_reset(w->sel);
                sum->unchanged++;
                return TW_OK;
            }
        } else {
            id = sqlite3_column_int64(w->sel, 0);
            changed = fabs(sqlite3_column_double(w->sel, 1) - se->score) > 0.05 || !same_case;
        }
    } else if (rc != SQLITE_DONE) {
        sqlite3_reset(w->sel);
        err = store_db_error(w->st, ei, "reading an alert");
        return err;
    }
    sqlite3_reset(w->sel);

    if (id < 0) {
        sqlite3_bind_text(w->ins, 1, etype, -1, SQLITE_STATIC);
        sqlite3_bind_text(w->ins, 2, akey, -1, SQLITE_STATIC);
        sqlite3_bind_double(w->ins, 3, se->score);
        sqlite3_bind_text(w->ins, 4, level, -1, SQLITE_STATIC);
        sqlite3_bind_text(w->ins, 5, buf_str(inds), -1, SQLITE_STATIC);
        sqlite3_bind_text(w->ins, 6, buf_str(json), -1, SQLITE_STATIC);
        sqlite3_bind_text(w->ins, 7, buf_str(text), -1, SQLITE_STATIC);
        sqlite3_bind_text(w->ins, 8, config_version(w->cfg), -1, SQLITE_STATIC);
        sqlite3_bind_text(w->ins, 9, w->now, -1, SQLITE_STATIC);
        sqlite3_bind_text(w->ins, 10, w->now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(w->ins, 11, w->run);
        rc = sqlite3_step(w->ins);
        sqlite3_reset(w->ins);
        if (rc != SQLITE_DONE) {
            err = store_db_error(w->st, ei, "raising an alert");
            return err;
        }
        id = sqlite3_last_insert_rowid(store_sqlite(w->st));
        sum->raised++;
        w->raised_by_level[se->level & 3]++;
    } else if (changed) {
        sqlite3_bind_double(w->upd, 1, se->score);
        sqlite3_bind_text(w->upd, 2, level, -1, SQLITE_STATIC);
        sqlite3_bind_text(w->upd, 3, buf_str(inds), -1, SQLITE_STATIC);
        sqlite3_bind_text(w->upd, 4, buf_str(json), -1, SQLITE_STATIC);
        sqlite3_bind_text(w->upd, 5, buf_str(text), -1, SQLITE_STATIC);
        sqlite3_bind_text(w->upd, 6, config_version(w->cfg), -1, SQLITE_STATIC);
        sqlite3_bind_text(w->upd, 7, w->now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(w->upd, 8, w->run);
        sqlite3_bind_int64(w->upd, 9, id);
        rc = sqlite3_step(w->upd);
        sqlite3_reset(w->upd);
        if (rc != SQLITE_DONE) {
            err = store_db_error(w->st, ei, "updating an alert");
            return err;
        }
        sum->updated++;
    } else {
        sqlite3_bind_int64(w->stamp, 1, w->run);
        sqlite3_bind_int64(w->stamp, 2, id);
        rc = sqlite3_step(w->stamp);
        sqlite3_reset(w->stamp);
        if (rc != SQLITE_DONE) {
            err = store_db_error(w->st, ei, "stamping an alert");
            return err;
        }
        sum->unchanged++;
        return TW_OK;
    }
    sqlite3_bind_int64(w->ev, 1, id);
    sqlite3_bind_text(w->ev, 2, w->now, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->ev, 3, w->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->ev, 4, changed ? "updated" : "raised", -1, SQLITE_STATIC);
    sqlite3_bind_null(w->ev, 5);
    sqlite3_bind_null(w->ev, 6);
    sqlite3_bind_double(w->ev, 7, se->score);
    sqlite3_bind_text(w->ev, 8, level, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->ev, 9, buf_str(inds), -1, SQLITE_STATIC);
    sqlite3_bind_text(w->ev, 10, config_version(w->cfg), -1, SQLITE_STATIC);
    if (closed_id > 0) {
        char why[96];
        snprintf(why, sizeof(why), "new evidence since alert %lld was closed", closed_id);
        sqlite3_bind_text(w->ev, 11, why, -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_text(w->ev, 11,
                          changed ? (w->record_run ? "new evidence on rescreen"
                                                : "new evidence from a live score")
                                  : (w->record_run ? "screening" : "live score"),
                          -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(w->ev);
    sqlite3_reset(w->ev);
    if (rc != SQLITE_DONE) {
        err = store_db_error(w->st, ei, "recording alert history");
        return err;
    }
    return TW_OK;
}

static tw_err_t apply(store_t *st, const eng_index_t *ix, const ind_hits_t *hits,
                      const score_result_t *sr, const config_t *cfg, const ind_marks_t *scope,
                      int record_run, const char *actor, alerts_summary_t *sum,
                      tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *sel = NULL, *ins = NULL, *upd = NULL, *ev = NULL, *stamp = NULL,
                 *low = NULL, *cnt = NULL, *one = NULL;
    ind_marks_t seen;
    hitix_t hx = {NULL, 0};
    char key[1024], now[32];
    long long run = 0;
    uint32_t *todo = NULL;
    slot_t *slots = NULL;
    batch_t bt[2];
    ahead_t ahead = {0};
    writer_t w;
    long long raised_by_level[4] = {0, 0, 0, 0};
    size_t i, ntodo = 0, nslots = 0, nalloc = 0, b0;
    int tx = 0, rc, any = 1, checks_off = 0;
    tw_err_t err = TW_OK;

    memset(sum, 0, sizeof(*sum));
    memset(&seen, 0, sizeof(seen));
    now_iso(now);
    if (scope && (err = ind_marks_init(&seen, ix)) != TW_OK) {
        tw_errinfo_set(ei, err, "%s", "no memory for the screening scope");
        goto out;
    }
    if ((err = store_begin(st)) != TW_OK) {
        err = store_db_error(st, ei, "starting the alert update");
        goto out;
    }
    tx = 1;
    /* kept prepared per connection: a live score applies one entity's
     * alert per request */
#define PREP(stmt, sql)                                                                        \
    do {                                                                                       \
        if (store_prepare_cached(st, sql, &stmt) != TW_OK) {                                   \
            err = store_db_error(st, ei, "preparing alert statements");                                \
            goto out;                                                                          \
        }                                                                                      \
    } while (0)
    PREP(sel, "SELECT coalesce(max(screened_run), 0) + 1 FROM alert");
    if (sqlite3_step(sel) == SQLITE_ROW)
        run = sqlite3_column_int64(sel, 0);
    store_release_cached(st, sel);
    sel = NULL;
    PREP(ins, "INSERT INTO alert(entity_type, entity_key, score, level, indicators, evidence,"
              " explanation, config_version, created_at, updated_at, screened_run)"
              " VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    PREP(upd, "UPDATE alert SET score=?, level=?, indicators=?, evidence=?, explanation=?,"
              " config_version=?, updated_at=?, screened_run=? WHERE id=?");
    PREP(stamp, "UPDATE alert SET screened_run=? WHERE id=?");
    PREP(ev, "INSERT INTO alert_event(alert_id, at, actor, kind, from_status, to_status, score,"
             " level, indicators, config_version, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?)");

    /* the entities whose alert this run writes, in score order */
    if (!(todo = malloc((sr->n ? sr->n : 1) * sizeof(*todo)))) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "%s", "no memory for the alert update");
        goto out;
    }
    for (i = 0; i < sr->n; i++) {
        const score_entity_t *se = &sr->ents[i];
        if (se->level == LEVEL_NONE)
            continue;
        if (scope) {
            if (!ind_marked(scope, (ind_kind_t)se->kind, se->entity))
                continue;
            ind_mark(&seen, (ind_kind_t)se->kind, se->entity);
        }
        todo[ntodo++] = (uint32_t)i;
    }
    if (ntodo) {
        nslots = ntodo < RENDER_BATCH ? ntodo : RENDER_BATCH;
        nalloc = ntodo > nslots ? 2 * nslots : nslots; /* a second set to render ahead */
        if ((err = hitix_build(hits, sr, &hx)) != TW_OK ||
            !(slots = calloc(nalloc, sizeof(*slots)))) {
            err = tw_errinfo_set(ei, TW_ENOMEM, "%s", "no memory for the evidence lookup");
            goto out;
        }
        for (b0 = 0; b0 < nalloc; b0++) {
            buf_init(&slots[b0].inds, 1 << 16);
            buf_init(&slots[b0].json, 1 << 22);
            buf_init(&slots[b0].text, 1 << 20);
        }
    }
    /* an empty table (a first screening) has no alert to look up */
    PREP(sel, "SELECT EXISTS (SELECT 1 FROM alert)");
    if (sqlite3_step(sel) == SQLITE_ROW)
        any = sqlite3_column_int(sel, 0);
    store_release_cached(st, sel);
    sel = NULL;
    /* the open alert of the entity, else its latest closed one */
    PREP(sel, "SELECT id, score, level, indicators, closed FROM alert"
              " WHERE entity_type=? AND entity_key=? ORDER BY closed, id DESC LIMIT 1");
    memset(bt, 0, sizeof(bt));
    for (i = 0; i < 2; i++) {
        bt[i].st = st;
        bt[i].ix = ix;
        bt[i].hits = hits;
        bt[i].sr = sr;
        bt[i].hx = &hx;
        bt[i].cfg = cfg;
    }
    w.st = st;
    w.sel = sel;
    w.ins = ins;
    w.upd = upd;
    w.stamp = stamp;
    w.ev = ev;
    w.sr = sr;
    w.cfg = cfg;
    w.now = now;
    w.actor = actor;
    w.run = run;
    w.record_run = record_run;
    w.any = any;
    w.raised_by_level = raised_by_level;
    /* batch k+1 renders (on a second thread, and on this one once it is
     * done writing) while batch k is written: two sets of slots */
    /* alert's CHECK constraints (entity_type, level and status IN lists)
     * are run by building three small temporary tables per INSERT: a
     * fifth of the writer's CPU on a screening. The values come from the
     * engine's own names (ind_kind_name, score_level_name, the default
     * status), so a screening writes its alerts with the checks off. Not
     * for a live score: the pragma expires the connection's prepared
     * statements. */
    checks_off = record_run && ntodo >= 64;
    if (checks_off)
        sqlite3_exec(db, "PRAGMA ignore_check_constraints=1", NULL, NULL, NULL);
    for (b0 = 0; b0 < ntodo; b0 += nslots) {
        slot_t *cur = slots + (b0 / nslots % 2) * nslots;
        size_t nb = ntodo - b0 < nslots ? ntodo - b0 : nslots, j;
        if (b0 == 0) {
            batch_fill(&bt[0], cur, todo, b0, nb);
            render_batch(&bt[0]);
        } else {
            render_finish(&bt[b0 / nslots % 2], &ahead);
        }
        if (b0 + nslots < ntodo) {
            size_t n2 = ntodo - b0 - nslots < nslots ? ntodo - b0 - nslots : nslots;
            batch_t *nx = &bt[(b0 / nslots + 1) % 2];
            batch_fill(nx, slots + ((b0 / nslots + 1) % 2) * nslots, todo, b0 + nslots, n2);
            render_ahead(nx, &ahead);
        }
        for (j = 0; j < nb; j++) {
            pthread_mutex_lock(&conn_mu);
            err = write_one(&w, &cur[j], sum, ei);
            pthread_mutex_unlock(&conn_mu);
            if (err != TW_OK)
                goto out;
        }
    }

    if (checks_off)
        sqlite3_exec(db, "PRAGMA ignore_check_constraints=0", NULL, NULL, NULL);
    checks_off = 0;
    if (scope) {
        /* marked entities below the low threshold now: lower their open alert */
        int k;
        PREP(one, "SELECT id FROM alert WHERE entity_type=? AND entity_key=? AND closed=0"
                  " AND level<>'none'");
        PREP(low, "UPDATE alert SET level='none', score=0, indicators='', updated_at=?1,"
                  " screened_run=?2 WHERE id=?3");
        for (k = 0; k < IK_COUNT; k++) {
            uint32_t id;
            for (id = 0; id < scope->n[k]; id++) {
                long long aid;
                if (!scope->m[k][id])
                    continue;
                sum->considered++;
                if (ind_marked(&seen, (ind_kind_t)k, id))
                    continue;
                if ((err = entity_key(st, ix, (uint8_t)k, id, key, sizeof(key))) != TW_OK) {
                    if (err == TW_ENOTFOUND) {
                        err = TW_OK; /* an id with no entity row: nothing to lower */
                        continue;
                    }
                    tw_errinfo_set(ei, err, "no key for %s %u", ind_kind_name((ind_kind_t)k), id);
                    goto out;
                }
                sqlite3_bind_text(one, 1, ind_kind_name((ind_kind_t)k), -1, SQLITE_STATIC);
                sqlite3_bind_text(one, 2, key, -1, SQLITE_STATIC);
                rc = sqlite3_step(one);
                aid = rc == SQLITE_ROW ? sqlite3_column_int64(one, 0) : -1;
                sqlite3_reset(one);
                if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                    err = store_db_error(st, ei, "reading an alert");
                    goto out;
                }
                if (aid < 0)
                    continue;
                if ((err = lower_one(st, ev, low, aid, now, actor, cfg, run, ei,
                                     record_run ? "below the low threshold on rescreen"
                                                : "below the low threshold on a live score")) !=
                    TW_OK)
                    goto out;
                sum->lowered++;
            }
        }
    } else if (any) {
        /* open alerts this run did not reach: below threshold now (both
         * statements read every open alert's row to its end: skipped when
         * the table was empty, as every alert in it is this run's) */
        PREP(low, "INSERT INTO alert_event(alert_id, at, actor, kind, score, level, indicators,"
                  " config_version, reason)"
                  " SELECT id, ?1, ?2, 'lowered', 0, 'none', '', ?3,"
                  " 'below the low threshold on rescreen' FROM alert"
                  " WHERE closed=0 AND screened_run<>?4 AND level<>'none'");
        sqlite3_bind_text(low, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(low, 2, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(low, 3, config_version(cfg), -1, SQLITE_STATIC);
        sqlite3_bind_int64(low, 4, run);
        if (sqlite3_step(low) != SQLITE_DONE) {
            err = store_db_error(st, ei, "lowering alerts");
            goto out;
        }
        sum->lowered = sqlite3_changes(db);
        store_release_cached(st, low);
        low = NULL;
        PREP(low, "UPDATE alert SET level='none', score=0, indicators='', updated_at=?1,"
                  " screened_run=?2 WHERE closed=0 AND screened_run<>?2 AND level<>'none'");
        sqlite3_bind_text(low, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_int64(low, 2, run);
        if (sqlite3_step(low) != SQLITE_DONE) {
            err = store_db_error(st, ei, "lowering alerts");
            goto out;
        }
    }
    /* the open alerts by level, for a screening's summary (a live score
     * does not report them: a count of every open alert per request) */
    if (record_run && !any) /* every alert is one this run raised */
        memcpy(sum->open_by_level, raised_by_level, sizeof(raised_by_level));
    else if (record_run)
        PREP(cnt, "SELECT level, count(*) FROM alert WHERE closed=0 GROUP BY level");
    while (cnt && sqlite3_step(cnt) == SQLITE_ROW) {
        const char *l = (const char *)sqlite3_column_text(cnt, 0);
        int li = strcmp(l, "low") == 0 ? 1 : strcmp(l, "medium") == 0 ? 2
                                         : strcmp(l, "high") == 0     ? 3
                                                                      : 0;
        sum->open_by_level[li] = sqlite3_column_int64(cnt, 1);
    }
    store_release_cached(st, one);
    one = NULL;
    if (!scope)
        sum->considered = (long long)sr->n;
    if (record_run) {
    PREP(one, "INSERT INTO screening(at, actor, mode, config_version, config_digest, horizon,"
              " permit_row, crossing_row, inspection_row, report_row, considered, raised,"
              " updated, lowered) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    {
        char digest[17];
        int r;
        snprintf(digest, sizeof(digest), "%016llx", (unsigned long long)config_digest(cfg));
        sqlite3_bind_text(one, 1, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(one, 2, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(one, 3, scope ? "incremental" : "full", -1, SQLITE_STATIC);
        sqlite3_bind_text(one, 4, config_version(cfg), -1, SQLITE_STATIC);
        sqlite3_bind_text(one, 5, digest, -1, SQLITE_TRANSIENT);
        if (ix->horizon == ENG_NODAY)
            sqlite3_bind_null(one, 6);
        else
            sqlite3_bind_int64(one, 6, ix->horizon);
        for (r = 0; r < 4; r++)
            sqlite3_bind_int64(one, 7 + r, ix->max_row[r]);
        sqlite3_bind_int64(one, 11, sum->considered);
        sqlite3_bind_int64(one, 12, sum->raised);
        sqlite3_bind_int64(one, 13, sum->updated);
        sqlite3_bind_int64(one, 14, sum->lowered);
        if (sqlite3_step(one) != SQLITE_DONE) {
            err = store_db_error(st, ei, "recording the screening run");
            goto out;
        }
    }
    }
#undef PREP
    if ((err = store_commit(st)) != TW_OK) {
        err = store_db_error(st, ei, "committing the alert update");
        goto out;
    }
    tx = 0;
out:
    if (ahead.running) /* a failed write: the batch ahead still renders */
        pthread_join(ahead.thread, NULL);
    if (checks_off)
        sqlite3_exec(db, "PRAGMA ignore_check_constraints=0", NULL, NULL, NULL);
    if (tx)
        store_rollback(st);
    store_release_cached(st, sel);
    store_release_cached(st, ins);
    store_release_cached(st, upd);
    store_release_cached(st, stamp);
    store_release_cached(st, ev);
    store_release_cached(st, low);
    store_release_cached(st, cnt);
    store_release_cached(st, one);
    ind_marks_free(&seen);
    free(hx.k);
    for (b0 = 0; slots && b0 < nalloc; b0++) {
        buf_free(&slots[b0].inds);
        buf_free(&slots[b0].json);
        buf_free(&slots[b0].text);
    }
    free(slots);
    free(todo);
    return err;
}

/* ---- reading ------------------------------------------------------------ */

static int level_rank(const char *l)
{
    if (!l)
        return 0;
    return strcmp(l, "high") == 0 ? 3 : strcmp(l, "medium") == 0 ? 2 : strcmp(l, "low") == 0;
}

/* WHERE clause for a filter; parameters bound by bind_filter in this order. */
static tw_err_t filter_sql(const alerts_filter_t *f, int open_only, tw_buf_t *sql)
{
    tw_err_t err = buf_adds(sql, open_only ? " WHERE a.closed=0" : " WHERE 1");
    if (!err && f->level)
        err = buf_adds(sql, " AND (CASE a.level WHEN 'high' THEN 3 WHEN 'medium' THEN 2"
                            " WHEN 'low' THEN 1 ELSE 0 END) >= :lvl");
    if (!err && f->status)
        err = buf_adds(sql, " AND a.status = :status");
    if (!err && f->entity_type)
        err = buf_adds(sql, " AND a.entity_type = :etype");
    if (!err && f->indicator)
        err = buf_adds(sql, " AND (';' || a.indicators || ';') LIKE '%;' || :ind || ';%'");
    if (!err)
        err = buf_adds(sql, " ORDER BY a.score DESC, a.id");
    if (!err && f->limit > 0)
        err = buf_printf(sql, " LIMIT %ld", f->limit);
    return err;
}

static void bind_filter(sqlite3_stmt *s, const alerts_filter_t *f)
{
    int i;
    if ((i = sqlite3_bind_parameter_index(s, ":lvl")) > 0)
        sqlite3_bind_int(s, i, level_rank(f->level));
    if ((i = sqlite3_bind_parameter_index(s, ":status")) > 0)
        sqlite3_bind_text(s, i, f->status, -1, SQLITE_STATIC);
    if ((i = sqlite3_bind_parameter_index(s, ":etype")) > 0)
        sqlite3_bind_text(s, i, f->entity_type, -1, SQLITE_STATIC);
    if ((i = sqlite3_bind_parameter_index(s, ":ind")) > 0)
        sqlite3_bind_text(s, i, f->indicator, -1, SQLITE_STATIC);
}

static tw_err_t prepare_filtered(store_t *st, const char *select, const alerts_filter_t *f,
                                 int open_only, sqlite3_stmt **s)
{
    tw_buf_t sql;
    tw_err_t err;
    buf_init(&sql, 1 << 14);
    if ((err = buf_adds(&sql, select)) == TW_OK && (err = filter_sql(f, open_only, &sql)) == TW_OK &&
        sqlite3_prepare_v2(store_sqlite(st), buf_str(&sql), -1, s, NULL) != SQLITE_OK)
        err = TW_EDB;
    buf_free(&sql);
    if (err == TW_OK)
        bind_filter(*s, f);
    return err;
}

static const char *list_select(void);

/* Writes s padded or cut to `width` characters (not bytes: names are in
 * three scripts), "-" for NULL or empty. */
static void put_cell(FILE *out, const char *s, int width)
{
    int n = 0;
    const char *p;
    if (!s || !*s)
        s = "-";
    for (p = s; *p && n < width; n++) {
        const char *q = p + 1;
        while ((*q & 0xC0) == 0x80)
            q++;
        if (n == width - 1 && *q) { /* one more would not fit: mark the cut */
            fputs("~", out);
            p = q;
            n++;
            break;
        }
        fwrite(p, 1, (size_t)(q - p), out);
        p = q;
    }
    for (; n < width; n++)
        fputc(' ', out);
}

tw_err_t alerts_list(store_t *st, const alerts_filter_t *f, FILE *out)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc, n = 0;

    if ((err = prepare_filtered(st, list_select(), f, 1, &s)) != TW_OK)
        return err;
    fprintf(out, "%6s  %-6s %5s  %-9s %-12s %-24s %-28s %s\n", "id", "level", "score", "status",
            "entity", "key", "name", "indicators");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        fprintf(out, "%6lld  %-6s %5s  %-9s %-12s %-24s ", (long long)sqlite3_column_int64(s, 0),
                sqlite3_column_text(s, 1), sqlite3_column_text(s, 2), sqlite3_column_text(s, 3),
                sqlite3_column_text(s, 4), sqlite3_column_text(s, 5));
        put_cell(out, (const char *)sqlite3_column_text(s, 8), 28);
        fprintf(out, " %s\n", sqlite3_column_text(s, 6));
        n++;
    }
    fprintf(out, "(%d alert%s)\n", n, n == 1 ? "" : "s");
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? TW_OK : TW_EDB;
}

tw_err_t alerts_show(store_t *st, long long id, FILE *out)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "SELECT entity_type, entity_key, printf('%.1f', score), level, status,"
                           " coalesce(assignee, 'nobody'), config_version, created_at,"
                           " updated_at, explanation FROM alert WHERE id=?",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return TW_ENOTFOUND;
    }
    fprintf(out, "Alert %lld: %s %s\n", id, sqlite3_column_text(s, 0), sqlite3_column_text(s, 1));
    fprintf(out, "Score %s (%s), status %s, assigned to %s\n", sqlite3_column_text(s, 2),
            sqlite3_column_text(s, 3), sqlite3_column_text(s, 4), sqlite3_column_text(s, 5));
    fprintf(out, "Raised %s, updated %s, under config %s\n\n", sqlite3_column_text(s, 7),
            sqlite3_column_text(s, 8), sqlite3_column_text(s, 6));
    fputs((const char *)sqlite3_column_text(s, 9), out);
    sqlite3_finalize(s);

    if (sqlite3_prepare_v2(db,
                           "SELECT s.indicator, s.until, s.created_by, s.reason FROM suppression s"
                           " JOIN alert a ON a.entity_type=s.entity_type AND"
                           " a.entity_key=s.entity_key WHERE a.id=? AND s.revoked_at IS NULL"
                           " ORDER BY s.id",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fprintf(out, "  suppressed: %s until %s by %s: %s\n", sqlite3_column_text(s, 0),
                sqlite3_column_text(s, 1), sqlite3_column_text(s, 2),
                sqlite3_column_text(s, 3));
    sqlite3_finalize(s);
    if (sqlite3_prepare_v2(db,
                           "SELECT at, actor, kind, coalesce(from_status, ''),"
                           " coalesce(to_status, ''), printf('%.1f', coalesce(score, 0)),"
                           " coalesce(level, ''), coalesce(indicators, ''),"
                           " coalesce(reason, '') FROM alert_event WHERE alert_id=? ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_int64(s, 1, id);
    fprintf(out, "\nHistory:\n");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *from = (const char *)sqlite3_column_text(s, 3);
        fprintf(out, "  %s  %-10s %-8s", sqlite3_column_text(s, 0), sqlite3_column_text(s, 1),
                sqlite3_column_text(s, 2));
        if (from[0] && strcmp(from, (const char *)sqlite3_column_text(s, 4)) != 0)
            fprintf(out, " %s -> %s", from, sqlite3_column_text(s, 4));
        else if (from[0])
            ; /* an assignment: the reason says it all */
        else
            fprintf(out, " score %s (%s) %s", sqlite3_column_text(s, 5),
                    sqlite3_column_text(s, 6), sqlite3_column_text(s, 7));
        fprintf(out, ": %s\n", sqlite3_column_text(s, 8));
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

static void csv_field(FILE *out, const char *s)
{
    if (s)
        csvout_cell(out, s, strlen(s));
}

tw_err_t alerts_export(store_t *st, const alerts_filter_t *f, const char *format, FILE *out)
{
    sqlite3_stmt *s = NULL;
    int json = strcmp(format, "json") == 0, rc;
    tw_err_t err;

    if (!json && strcmp(format, "csv") != 0)
        return TW_EINPUT;
    if ((err = prepare_filtered(st,
                                "SELECT id, entity_type, entity_key, printf('%.2f', score), level,"
                                " indicators, created_at, status, updated_at, config_version,"
                                " evidence FROM alert a",
                                f, 0, &s)) != TW_OK)
        return err;
    if (!json)
        fputs("alert_id,entity_type,entity_key,score,level,indicators,created_at,status,"
              "updated_at,config_version\n",
              out);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int c;
        if (json) {
            tw_buf_t b;
            buf_init(&b, 1 << 24);
            buf_printf(&b, "{\"alert_id\":%lld,\"entity_type\":",
                       (long long)sqlite3_column_int64(s, 0));
            json_str(&b, (const char *)sqlite3_column_text(s, 1),
                     (size_t)sqlite3_column_bytes(s, 1));
            buf_adds(&b, ",\"entity_key\":");
            json_str(&b, (const char *)sqlite3_column_text(s, 2),
                     (size_t)sqlite3_column_bytes(s, 2));
            buf_printf(&b, ",\"score\":%s,\"level\":\"%s\",\"indicators\":",
                       sqlite3_column_text(s, 3), sqlite3_column_text(s, 4));
            json_str(&b, (const char *)sqlite3_column_text(s, 5),
                     (size_t)sqlite3_column_bytes(s, 5));
            buf_printf(&b, ",\"created_at\":\"%s\",\"status\":\"%s\",\"updated_at\":\"%s\","
                           "\"config_version\":",
                       sqlite3_column_text(s, 6), sqlite3_column_text(s, 7),
                       sqlite3_column_text(s, 8));
            json_str(&b, (const char *)sqlite3_column_text(s, 9),
                     (size_t)sqlite3_column_bytes(s, 9));
            buf_adds(&b, ",\"evidence\":");
            buf_add(&b, sqlite3_column_text(s, 10), (size_t)sqlite3_column_bytes(s, 10));
            buf_adds(&b, "}\n");
            fwrite(b.p, 1, b.len, out);
            buf_free(&b);
            continue;
        }
        for (c = 0; c < 10; c++) {
            if (c)
                fputc(',', out);
            csv_field(out, (const char *)sqlite3_column_text(s, c));
        }
        fputc('\n', out);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? TW_OK : TW_EDB;
}

tw_err_t alerts_write_hits(store_t *st, const eng_index_t *ix, const ind_hits_t *hits, FILE *out)
{
    size_t ncat, i;
    const ind_def_t *cat = ind_catalogue(&ncat);
    char key[1024];
    tw_err_t err;

    fputs("indicator,entity_type,entity_key,strength,value,threshold\n", out);
    for (i = 0; i < hits->n; i++) {
        const ind_hit_t *h = &hits->hits[i];
        if (h->indicator >= ncat || h->kind >= IK_COUNT)
            return TW_EINTERNAL;
        if ((err = entity_key(st, ix, h->kind, h->entity, key, sizeof(key))) != TW_OK)
            return err;
        fprintf(out, "%s,%s,", cat[h->indicator].id, ind_kind_name((ind_kind_t)h->kind));
        csv_field(out, key);
        fprintf(out, ",%.4f,%.6g,%.6g\n", (double)h->strength, h->value, h->threshold);
    }
    return ferror(out) ? TW_EIO : TW_OK;
}

/* ---- lifecycle ---------------------------------------------------------- */

static int allowed(const char *from, const char *to)
{
    static const char *const moves[][2] = {
        {"new", "in_review"},       {"new", "escalated"},       {"new", "dismissed"},
        {"new", "confirmed"},       {"in_review", "escalated"}, {"in_review", "dismissed"},
        {"in_review", "confirmed"}, {"in_review", "new"},       {"escalated", "in_review"},
        {"escalated", "dismissed"}, {"escalated", "confirmed"}, {"dismissed", "in_review"},
        {"confirmed", "in_review"}};
    size_t i;
    for (i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
        if (strcmp(moves[i][0], from) == 0 && strcmp(moves[i][1], to) == 0)
            return 1;
    }
    return 0;
}

static tw_err_t add_event(sqlite3 *db, long long id, const char *actor, const char *kind,
                          const char *from, const char *to, const char *reason)
{
    sqlite3_stmt *s = NULL;
    char now[32];
    int rc;
    now_iso(now);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO alert_event(alert_id, at, actor, kind, from_status,"
                           " to_status, reason) VALUES (?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, to, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, reason ? reason : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? TW_OK : TW_EDB;
}

tw_err_t alerts_note_case(store_t *st, long long id, const char *actor, const char *org)
{
    return add_event(store_sqlite(st), id, actor, "case_opened", NULL, NULL, org);
}

/* The fields of an alert the lifecycle functions need. */
typedef struct {
    char type[32];
    char key[1024];
    char status[32];
    char assignee[256];
} alert_row_t;

/* Starts a write transaction and reads alert `id` in it. On failure the
 * transaction is rolled back and *ei says why ("no alert N" for an unknown
 * id); `what` names the operation in messages. */
static tw_err_t begin_on_alert(store_t *st, long long id, const char *what, alert_row_t *row,
                               tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_ENOTFOUND;

    if (store_begin(st) != TW_OK)
        return tw_errinfo_set(ei, TW_EDB, "starting %s: %s", what, store_errmsg(st));
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT entity_type, entity_key, status, coalesce(assignee, '')"
                           " FROM alert WHERE id=?",
                           -1, &s, NULL) != SQLITE_OK) {
        err = tw_errinfo_set(ei, TW_EDB, "reading alert %lld: %s", id, store_errmsg(st));
        goto out;
    }
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW) {
        snprintf(row->type, sizeof(row->type), "%s", (const char *)sqlite3_column_text(s, 0));
        snprintf(row->key, sizeof(row->key), "%s", (const char *)sqlite3_column_text(s, 1));
        snprintf(row->status, sizeof(row->status), "%s",
                 (const char *)sqlite3_column_text(s, 2));
        snprintf(row->assignee, sizeof(row->assignee), "%s",
                 (const char *)sqlite3_column_text(s, 3));
        err = TW_OK;
    } else {
        tw_errinfo_set(ei, err, "no alert %lld", id);
    }
out:
    sqlite3_finalize(s);
    if (err != TW_OK)
        store_rollback(st);
    return err;
}

tw_err_t alerts_transition(store_t *st, long long id, const char *to_status, const char *actor,
                           const char *reason, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    alert_row_t row;
    const char *from = row.status;
    char now[32];
    int rc;
    tw_err_t err;

    if ((err = begin_on_alert(st, id, "the transition", &row, ei)) != TW_OK)
        return err;
    if (!allowed(from, to_status)) {
        err = tw_errinfo_set(ei, TW_ECONFLICT, "alert %lld is %s; it cannot move to %s", id,
                             from, to_status);
        goto fail;
    }
    /* escalating hands the alert on: whoever receives it reads why */
    if ((!reason || !reason[0]) &&
        (strcmp(to_status, "dismissed") == 0 || strcmp(to_status, "confirmed") == 0 ||
         strcmp(to_status, "escalated") == 0 || strcmp(from, "dismissed") == 0 ||
         strcmp(from, "confirmed") == 0)) {
        tw_errinfo_field(ei, "reason");
        tw_errinfo_reason(ei, "reason_required");
        err = tw_errinfo_set(ei, TW_EINPUT, "moving alert %lld from %s to %s needs a reason", id,
                             from, to_status);
        goto fail;
    }
    now_iso(now);
    /* dismissed and confirmed close the alert (a rescreen raises a new one
     * only on new evidence); reopening needs the entity to have no other
     * open alert meanwhile */
    if (sqlite3_prepare_v2(db,
                           "UPDATE alert SET status=?1, updated_at=?2,"
                           " closed=(?1 IN ('dismissed','confirmed')) WHERE id=?3",
                           -1, &s, NULL) != SQLITE_OK) {
        err = store_db_error(st, ei, "preparing the transition");
        goto fail;
    }
    sqlite3_bind_text(s, 1, to_status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, id);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        err = tw_errinfo_set(ei, TW_ECONFLICT,
                             "alert %lld cannot be reopened: its entity has a newer open alert",
                             id);
        goto fail;
    }
    if (rc != SQLITE_DONE ||
        (err = add_event(db, id, actor, "transition", from, to_status, reason)) != TW_OK) {
        err = store_db_error(st, ei, "recording the transition");
        goto fail;
    }
    if ((err = store_commit(st)) != TW_OK)
        return store_db_error(st, ei, "committing the transition");
    return TW_OK;
fail:
    store_rollback(st);
    return err;
}

tw_err_t alerts_assign(store_t *st, long long id, const char *assignee, const char *actor,
                       tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    alert_row_t row;
    const char *status = row.status, *who = row.assignee;
    char now[32], reason[300];
    int rc;
    tw_err_t err;

    if ((err = begin_on_alert(st, id, "the assignment", &row, ei)) != TW_OK)
        return err;
    now_iso(now);
    if (sqlite3_prepare_v2(db, "UPDATE alert SET assignee=?, updated_at=? WHERE id=?", -1, &s,
                           NULL) != SQLITE_OK) {
        err = store_db_error(st, ei, "preparing the assignment");
        goto fail;
    }
    if (assignee && assignee[0])
        sqlite3_bind_text(s, 1, assignee, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, id);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    snprintf(reason, sizeof(reason), "assigned to %s (was %s)",
             assignee && assignee[0] ? assignee : "nobody", who[0] ? who : "nobody");
    if (rc != SQLITE_DONE ||
        (err = add_event(db, id, actor, "assigned", status, status, reason)) != TW_OK) {
        err = store_db_error(st, ei, "recording the assignment");
        goto fail;
    }
    if ((err = store_commit(st)) != TW_OK)
        return store_db_error(st, ei, "committing the assignment");
    return TW_OK;
fail:
    store_rollback(st);
    return err;
}

tw_err_t alerts_assign_org(store_t *st, long long id, long long org_id, const char *org_name,
                           const char *actor, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    alert_row_t row;
    char now[32];
    int rc;
    tw_err_t err;

    if (org_id <= 0 || !org_name || !org_name[0])
        return tw_errinfo_set(ei, TW_EINPUT, "no organisation to escalate alert %lld to", id);
    if ((err = begin_on_alert(st, id, "the escalation", &row, ei)) != TW_OK)
        return err;
    now_iso(now);
    if (sqlite3_prepare_v2(db,
                           "UPDATE alert SET assignee = NULL, assigned_org = ?1, updated_at = ?2"
                           " WHERE id = ?3",
                           -1, &s, NULL) != SQLITE_OK) {
        err = store_db_error(st, ei, "preparing the escalation");
        goto fail;
    }
    sqlite3_bind_int64(s, 1, org_id);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, id);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    /* the history says to which organisation, and whom it was taken from */
    if (rc != SQLITE_DONE ||
        (err = add_event(db, id, actor, "assign_org", row.assignee[0] ? row.assignee : NULL,
                         NULL, org_name)) != TW_OK) {
        err = store_db_error(st, ei, "recording the escalation");
        goto fail;
    }
    if ((err = store_commit(st)) != TW_OK)
        return store_db_error(st, ei, "committing the escalation");
    return TW_OK;
fail:
    store_rollback(st);
    return err;
}

/* ---- shadow ------------------------------------------------------------- */

typedef struct {
    uint8_t kind;
    uint32_t entity;
    double before, after;
    uint8_t lb, la;
} shadow_row_t;

static int cmp_shadow_entity(const void *x, const void *y)
{
    const shadow_row_t *a = x, *b = y;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return a->entity < b->entity ? -1 : a->entity > b->entity;
}

static int cmp_shadow_delta(const void *x, const void *y)
{
    const shadow_row_t *a = x, *b = y;
    double da = fabs(a->after - a->before), db = fabs(b->after - b->before);
    if (da != db)
        return da > db ? -1 : 1;
    return cmp_shadow_entity(x, y);
}

tw_err_t alerts_shadow(store_t *st, const eng_index_t *ix, const score_result_t *now,
                       const score_result_t *cand, size_t max_lines, FILE *out,
                       alerts_shadow_t *sum)
{
    size_t n = 0, i, j, k, shown = 0;
    shadow_row_t *rows = malloc((now->n + cand->n + 1) * sizeof(*rows)), *merged;
    char key[1024];
    tw_err_t err = TW_OK;

    memset(sum, 0, sizeof(*sum));
    if (!rows)
        return TW_ENOMEM;
    /* every scored entity of both runs, so a disappearing alert shows the
     * score it would have; entities at level none in both are left out below */
    for (i = 0; i < now->n; i++) {
        rows[n].kind = now->ents[i].kind;
        rows[n].entity = now->ents[i].entity;
        rows[n].before = now->ents[i].score;
        rows[n].lb = now->ents[i].level;
        rows[n].after = 0;
        rows[n].la = 0;
        n++;
    }
    for (i = 0; i < cand->n; i++) {
        rows[n].kind = cand->ents[i].kind;
        rows[n].entity = cand->ents[i].entity;
        rows[n].after = cand->ents[i].score;
        rows[n].la = cand->ents[i].level;
        rows[n].before = -1; /* marks a candidate row */
        rows[n].lb = 0;
        n++;
    }
    qsort(rows, n, sizeof(*rows), cmp_shadow_entity);
    /* merge the (at most two) rows of each entity */
    merged = rows;
    for (i = 0, k = 0; i < n; i = j) {
        shadow_row_t m = {rows[i].kind, rows[i].entity, 0, 0, 0, 0};
        for (j = i; j < n && rows[j].kind == rows[i].kind && rows[j].entity == rows[i].entity;
             j++) {
            if (rows[j].before < 0) {
                m.after = rows[j].after;
                m.la = rows[j].la;
            } else {
                m.before = rows[j].before;
                m.lb = rows[j].lb;
            }
        }
        if (!m.la && !m.lb)
            continue;
        if (m.la && !m.lb)
            sum->appear++;
        else if (m.lb && !m.la)
            sum->disappear++;
        else if (m.la > m.lb)
            sum->level_up++;
        else if (m.la < m.lb)
            sum->level_down++;
        else
            sum->same++;
        merged[k++] = m;
    }
    qsort(merged, k, sizeof(*merged), cmp_shadow_delta);
    fprintf(out, "shadow: %lld alerts would appear, %lld disappear, %lld go up a level, %lld go "
                 "down, %lld keep their level\n",
            sum->appear, sum->disappear, sum->level_up, sum->level_down, sum->same);
    for (i = 0; i < k && shown < max_lines; i++) {
        const shadow_row_t *m = &merged[i];
        if (m->la == m->lb)
            continue;
        if ((err = entity_key(st, ix, m->kind, m->entity, key, sizeof(key))) != TW_OK)
            break;
        fprintf(out, "  %-12s %-24s %6s %5.1f -> %-6s %5.1f\n",
                ind_kind_name((ind_kind_t)m->kind), key,
                score_level_name((score_level_t)m->lb), m->before,
                score_level_name((score_level_t)m->la), m->after);
        shown++;
    }
    free(rows);
    return err;
}

/* ---- suppressions ------------------------------------------------------- */

static void today_iso(char out[11])
{
    time_t t = time(NULL) + 4 * 3600; /* Armenian date */
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}


tw_err_t alerts_suppress(store_t *st, long long id, const char *indicator, const char *until,
                         const char *reason, const char *actor, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    alert_row_t row;
    const char *type = row.type, *key = row.key;
    char now[32], today[11], why[400];
    int32_t d_until, d_today;
    int rc;
    tw_err_t err;

    if (ind_find(indicator) < 0)
        return tw_errinfo_set(ei, TW_EINPUT, "unknown indicator '%s'", indicator);
    if (!reason || !reason[0])
        return tw_errinfo_set(ei, TW_EINPUT, "a suppression needs a reason");
    today_iso(today);
    if (value_date(until, strlen(until), &d_until, NULL) != TW_OK ||
        value_date(today, 10, &d_today, NULL) != TW_OK)
        return tw_errinfo_set(ei, TW_EINPUT, "'%s' is not a date (YYYY-MM-DD)", until);
    if (d_until <= d_today || d_until > d_today + 180)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "a suppression ends after today and at most 180 days from now "
                              "(%s is outside that)",
                              until);
    if ((err = begin_on_alert(st, id, "the suppression", &row, ei)) != TW_OK)
        return err;
    now_iso(now);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO suppression(entity_type, entity_key, indicator, reason,"
                           " until, created_by, created_at) VALUES (?,?,?,?,?,?,?)",
                           -1, &s, NULL) != SQLITE_OK) {
        err = store_db_error(st, ei, "preparing the suppression");
        goto fail;
    }
    sqlite3_bind_text(s, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, indicator, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, until, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    snprintf(why, sizeof(why), "suppressed %s until %s: %s", indicator, until, reason);
    if (rc != SQLITE_DONE || (err = add_event(db, id, actor, "suppressed", NULL, NULL, why))) {
        err = store_db_error(st, ei, "recording the suppression");
        goto fail;
    }
    if ((err = store_commit(st)) != TW_OK)
        return store_db_error(st, ei, "committing the suppression");
    return TW_OK;
fail:
    store_rollback(st);
    return err;
}

tw_err_t alerts_unsuppress(store_t *st, long long id, const char *indicator,
                           const char *reason, const char *actor, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    alert_row_t row;
    const char *type = row.type, *key = row.key;
    char now[32], why[400];
    int changed;
    tw_err_t err;

    if (!reason || !reason[0])
        return tw_errinfo_set(ei, TW_EINPUT, "lifting a suppression needs a reason");
    if ((err = begin_on_alert(st, id, "lifting the suppression", &row, ei)) != TW_OK)
        return err;
    now_iso(now);
    if (sqlite3_prepare_v2(db,
                           "UPDATE suppression SET revoked_at=?, revoked_by=?, revoke_reason=?"
                           " WHERE entity_type=? AND entity_key=? AND indicator=?"
                           " AND revoked_at IS NULL",
                           -1, &s, NULL) != SQLITE_OK) {
        err = store_db_error(st, ei, "preparing the change");
        goto fail;
    }
    sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, indicator, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) {
        sqlite3_finalize(s);
        err = store_db_error(st, ei, "lifting the suppression");
        goto fail;
    }
    sqlite3_finalize(s);
    changed = sqlite3_changes(db);
    if (!changed) {
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "alert %lld has no suppression of %s", id,
                             indicator);
        goto fail;
    }
    snprintf(why, sizeof(why), "suppression of %s lifted: %s", indicator, reason);
    if ((err = add_event(db, id, actor, "unsuppressed", NULL, NULL, why)) != TW_OK) {
        err = store_db_error(st, ei, "recording the change");
        goto fail;
    }
    if ((err = store_commit(st)) != TW_OK)
        return store_db_error(st, ei, "committing the change");
    return TW_OK;
fail:
    store_rollback(st);
    return err;
}

static tw_err_t load_suppressions(store_t *st, const eng_index_t *ix, int all,
                                  score_suppressions_t *sup, tw_errinfo_t *ei);

tw_err_t alerts_load_suppressions(store_t *st, const eng_index_t *ix,
                                  score_suppressions_t *sup, tw_errinfo_t *ei)
{
    return load_suppressions(st, ix, 0, sup, ei);
}

tw_err_t alerts_load_all_suppressions(store_t *st, const eng_index_t *ix,
                                      score_suppressions_t *sup, tw_errinfo_t *ei)
{
    return load_suppressions(st, ix, 1, sup, ei);
}

static tw_err_t load_suppressions(store_t *st, const eng_index_t *ix, int all,
                                  score_suppressions_t *sup, tw_errinfo_t *ei)
{
    static const char *const types[IK_COUNT] = {"application", "worker", "employer",
                                                "intermediary", "address", "phone"};
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    strmap_t apps;
    char today[11];
    size_t cap = 0;
    int rc, apps_loaded = 0;
    tw_err_t err = TW_OK;

    sup->items = NULL;
    sup->n = 0;
    strmap_init(&apps);
    today_iso(today);
    if (sqlite3_prepare_v2(db,
                           all ? "SELECT entity_type, entity_key, indicator FROM suppression"
                                 " WHERE ? IS NOT NULL"
                               : "SELECT entity_type, entity_key, indicator FROM suppression"
                                 " WHERE revoked_at IS NULL AND until >= ?",
                           -1, &s, NULL) != SQLITE_OK) {
        err = store_db_error(st, ei, "reading suppressions");
        goto out;
    }
    sqlite3_bind_text(s, 1, today, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(s, 0);
        const char *key = (const char *)sqlite3_column_text(s, 1);
        size_t klen = (size_t)sqlite3_column_bytes(s, 1);
        int ind = ind_find((const char *)sqlite3_column_text(s, 2));
        int kind;
        int64_t id = -1;

        for (kind = 0; kind < IK_COUNT && strcmp(types[kind], type) != 0; kind++)
            ;
        if (kind == IK_COUNT || ind < 0)
            continue; /* an indicator since removed from the catalogue */
        if (kind == IK_APPLICATION) {
            uint64_t *v;
            uint32_t i;
            if (!apps_loaded) {
                for (i = 0; i < ix->napps; i++) {
                    const char *k = eng_str(ix, ix->apps[i].key);
                    if ((err = strmap_put(&apps, k, strlen(k), i, NULL, NULL, NULL)) != TW_OK)
                        goto out;
                }
                apps_loaded = 1;
            }
            if ((v = strmap_get(&apps, key, klen)) != NULL)
                id = (int64_t)*v;
        } else {
            err = store_entity_find(st, kind_entity[kind], key, klen, &id);
            if (err == TW_ENOTFOUND)
                err = TW_OK;
            else if (err != TW_OK)
                goto out;
        }
        if (id < 0)
            continue;
        if (sup->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            score_suppression_t *ni = realloc(sup->items, ncap * sizeof(*ni));
            if (!ni) {
                err = TW_ENOMEM;
                goto out;
            }
            sup->items = ni;
            cap = ncap;
        }
        sup->items[sup->n].kind = (uint8_t)kind;
        sup->items[sup->n].entity = (uint32_t)id;
        sup->items[sup->n].indicator = (uint16_t)ind;
        sup->n++;
    }
    if (rc != SQLITE_DONE)
        err = store_db_error(st, ei, "reading suppressions");
    score_sort_suppressions(sup);
out:
    sqlite3_finalize(s);
    strmap_free(&apps);
    if (err != TW_OK) {
        free(sup->items);
        sup->items = NULL;
        sup->n = 0;
    }
    return err;
}

/* ---- reads for the HTTP API --------------------------------------------- */

/* The id of the latest permit application of the alert's entity (alias a):
 * what region, employer and nationality are read from. Reads the store's
 * register tables (never writes them). The unary + strips the affinity of
 * the entity id, so that the comparison with a <role>_ref column (declared
 * without a type) can use its index (migration 5) instead of a scan. */
#define LATEST_PERMIT                                                                          \
    "CASE a.entity_type"                                                                       \
    " WHEN 'application' THEN (SELECT max(p.id) FROM permit p WHERE p.row_key = a.entity_key)" \
    " WHEN 'worker' THEN (SELECT max(p.id) FROM permit p WHERE p.worker_ref ="                 \
    "  +(SELECT id FROM worker WHERE key = a.entity_key))"                                     \
    " WHEN 'employer' THEN (SELECT max(p.id) FROM permit p WHERE p.employer_ref ="             \
    "  +(SELECT id FROM employer WHERE key = a.entity_key))"                                   \
    " WHEN 'intermediary' THEN (SELECT max(p.id) FROM permit p WHERE p.intermediary_ref ="     \
    "  +(SELECT id FROM intermediary WHERE key = a.entity_key))"                               \
    " WHEN 'address' THEN max(coalesce((SELECT max(p.id) FROM permit p"                        \
    "  WHERE p.worker_address_ref = +(SELECT id FROM address WHERE key = a.entity_key)), 0),"  \
    "  coalesce((SELECT max(p.id) FROM permit p WHERE p.workplace_address_ref ="               \
    "  +(SELECT id FROM address WHERE key = a.entity_key)), 0))"                               \
    " WHEN 'phone' THEN (SELECT max(p.id) FROM permit p WHERE p.worker_phone_ref ="            \
    "  +(SELECT id FROM phone WHERE key = a.entity_key))"                                      \
    " END"

#define LABEL_REGION "coalesce(lp.workplace_region, lp.worker_region)"
#define LABEL_EMPLOYER "CASE WHEN a.entity_type = 'intermediary' THEN NULL ELSE lp.employer_tin END"
#define LABEL_NATIONALITY                                                                      \
    "CASE WHEN a.entity_type IN ('application', 'worker') THEN lp.worker_citizenship END"
/* the names people know beside the keys: the person's, the employer's or
 * the agent's as the latest permit writes them, and the employer's name */
#define LABEL_NAMES                                                                            \
    "CASE a.entity_type WHEN 'employer' THEN lp.employer_name"                                 \
    " WHEN 'intermediary' THEN lp.intermediary_name"                                          \
    " WHEN 'address' THEN NULL WHEN 'phone' THEN NULL"                                          \
    " ELSE nullif(trim(coalesce(lp.worker_given_name, '') || ' ' ||"                           \
    " coalesce(lp.worker_family_name, '')), '') END,"                                           \
    " CASE WHEN a.entity_type = 'intermediary' THEN NULL ELSE lp.employer_name END"

#define ITEM_COLUMNS                                                                           \
    "a.id, a.entity_type, a.entity_key, a.score, a.level, a.status, a.indicators,"            \
    " a.assignee, a.created_at, a.updated_at"

/* alerts_list()'s columns: the row, then the name people know beside the
 * key (as the web UI shows it), from the entity's latest permit. */
static const char *list_select(void)
{
    return "SELECT a.id, a.level, printf('%.1f', a.score), a.status, a.entity_type,"
           " a.entity_key, a.indicators, coalesce(a.assignee, '-'), " LABEL_NAMES
           " FROM alert a LEFT JOIN permit lp ON lp.id = (" LATEST_PERMIT ")";
}

static const char *col_text(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

/* Reads ITEM_COLUMNS at column 0 (and, with labels, region, employer,
 * nationality, name and employer name after them). */
static void read_item(sqlite3_stmt *s, int labels, alerts_item_t *it)
{
    const char *t;
    memset(it, 0, sizeof(*it));
    it->id = sqlite3_column_int64(s, 0);
    it->entity_type = col_text(s, 1);
    it->entity_key = col_text(s, 2);
    it->score = sqlite3_column_double(s, 3);
    it->level = col_text(s, 4);
    it->status = col_text(s, 5);
    it->indicators = (t = col_text(s, 6)) ? t : "";
    it->assignee = col_text(s, 7);
    it->created_at = col_text(s, 8);
    it->updated_at = col_text(s, 9);
    if (labels) {
        it->region = col_text(s, 10);
        it->employer = col_text(s, 11);
        it->nationality = col_text(s, 12);
        it->name = col_text(s, 13);
        it->employer_name = col_text(s, 14);
    }
}

static tw_err_t check_day(const char *name, const char *v, tw_errinfo_t *ei)
{
    int32_t d;
    if (!v)
        return TW_OK;
    if (strlen(v) != 10 || value_date(v, 10, &d, NULL) != TW_OK)
        return tw_errinfo_set(ei, TW_EINPUT, "parameter %s: '%.40s' is not a date (YYYY-MM-DD)",
                              name, v);
    return TW_OK;
}

/* Checks q's parameters (the same for a page, a count and the groups). */
static tw_err_t query_check(const alerts_query_t *q, tw_errinfo_t *ei)
{
    static const char *const statuses[] = {"new", "in_review", "escalated", "dismissed",
                                           "confirmed", NULL};
    int i;
    if ((unsigned)q->sort > ALERTS_SORT_UPDATED_ASC)
        return tw_errinfo_set(ei, TW_EINPUT, "unknown sort order");
    if (q->limit < 1 || q->limit > 10000)
        return tw_errinfo_set(ei, TW_EINPUT, "parameter limit: must be 1..10000, not %ld",
                              q->limit);
    if (q->level && !level_rank(q->level))
        return tw_errinfo_set(ei, TW_EINPUT,
                              "parameter level: must be low, medium or high, not '%.40s'",
                              q->level);
    if (q->status && strcmp(q->status, "all") != 0) {
        for (i = 0; statuses[i] && strcmp(statuses[i], q->status) != 0; i++)
            ;
        if (!statuses[i])
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "parameter status: must be new, in_review, escalated, "
                                  "dismissed, confirmed or all, not '%.40s'",
                                  q->status);
    }
    if (q->indicator && ind_find(q->indicator) < 0)
        return tw_errinfo_set(ei, TW_EINPUT, "parameter indicator: unknown indicator '%.60s'",
                              q->indicator);
    return check_day("since", q->since, ei) != TW_OK ? TW_EINPUT
                                                     : check_day("until", q->until, ei);
}

/* The caller's scope as a condition on `alert a` (docs/authz.md "Who owns
 * what"): assigned to one of q->scope_assignees, or to nobody in particular
 * and escalated to the organisation q->scope_org. */
static tw_err_t scope_sql(const alerts_query_t *q, tw_buf_t *sql)
{
    size_t k;
    tw_err_t err = buf_adds(sql, " AND (");
    if (!err)
        err = buf_adds(sql, q->nscope ? "a.assignee COLLATE NOCASE IN (" : "0");
    for (k = 0; !err && k < q->nscope; k++)
        err = buf_printf(sql, "%s:scope%zu", k ? "," : "", k);
    if (!err && q->nscope)
        err = buf_adds(sql, ")");
    if (!err && q->scope_org > 0)
        err = buf_adds(sql, " OR (a.assignee IS NULL AND a.assigned_org = :scope_org)");
    return err ? err : buf_adds(sql, ")");
}

/* Binds what scope_sql() names. */
static void scope_bind(sqlite3_stmt *s, const alerts_query_t *q)
{
    size_t k;
    int i;
    for (k = 0; k < q->nscope; k++) {
        char name[32];
        snprintf(name, sizeof(name), ":scope%zu", k);
        if ((i = sqlite3_bind_parameter_index(s, name)) > 0)
            sqlite3_bind_text(s, i, q->scope_assignees[k], -1, SQLITE_STATIC);
    }
    if ((i = sqlite3_bind_parameter_index(s, ":scope_org")) > 0)
        sqlite3_bind_int64(s, i, q->scope_org);
}

/* Appends q's filter (not its cursor) as a condition on `alert a`. */
static tw_err_t query_where(const alerts_query_t *q, tw_buf_t *sql)
{
    tw_err_t err = buf_adds(sql, !q->status ? "a.closed = 0"
                                 : strcmp(q->status, "all") == 0 ? "1" : "a.status = :status");
    if (!err && q->level)
        err = buf_adds(sql, " AND (CASE a.level WHEN 'high' THEN 3 WHEN 'medium' THEN 2"
                            " WHEN 'low' THEN 1 ELSE 0 END) >= :lvl");
    if (!err && q->entity_type)
        err = buf_adds(sql, " AND a.entity_type = :etype");
    if (!err && q->indicator)
        err = buf_adds(sql, " AND (';' || a.indicators || ';') LIKE '%;' || :ind || ';%'");
    if (!err && q->assignee)
        err = buf_adds(sql, " AND a.assignee = :assignee");
    if (!err && q->scoped)
        err = scope_sql(q, sql);
    if (!err && q->since)
        err = buf_adds(sql, " AND a.created_at >= :since");
    if (!err && q->until)
        err = buf_adds(sql, " AND a.created_at < date(:until, '+1 day')");
    if (!err && q->region)
        err = buf_adds(sql, " AND (SELECT coalesce(workplace_region, worker_region) FROM permit"
                            " WHERE id = (" LATEST_PERMIT ")) = :region");
    if (!err && q->employer)
        err = buf_adds(sql, " AND a.entity_type <> 'intermediary' AND (SELECT employer_tin"
                            " FROM permit WHERE id = (" LATEST_PERMIT ")) = :employer");
    return err;
}

/* Binds what query_where() and the cursor condition name. */
static void query_bind(sqlite3_stmt *s, const alerts_query_t *q)
{
    int i;
#define BIND_TEXT(name, v)                                                                     \
    do {                                                                                       \
        if ((i = sqlite3_bind_parameter_index(s, name)) > 0)                                   \
            sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);                                     \
    } while (0)
    BIND_TEXT(":status", q->status);
    BIND_TEXT(":etype", q->entity_type);
    BIND_TEXT(":ind", q->indicator);
    BIND_TEXT(":assignee", q->assignee);
    if (q->scoped)
        scope_bind(s, q);
    BIND_TEXT(":since", q->since);
    BIND_TEXT(":until", q->until);
    BIND_TEXT(":region", q->region);
    BIND_TEXT(":employer", q->employer);
#undef BIND_TEXT
    if ((i = sqlite3_bind_parameter_index(s, ":lvl")) > 0)
        sqlite3_bind_int(s, i, level_rank(q->level));
    if ((i = sqlite3_bind_parameter_index(s, ":after")) > 0) {
        if (q->sort <= ALERTS_SORT_SCORE_ASC)
            sqlite3_bind_double(s, i, q->after_num);
        else
            sqlite3_bind_text(s, i, q->after_text ? q->after_text : "", -1, SQLITE_STATIC);
    }
    if ((i = sqlite3_bind_parameter_index(s, ":after_id")) > 0)
        sqlite3_bind_int64(s, i, q->after_id);
}

tw_err_t alerts_query(store_t *st, const alerts_query_t *q, alerts_item_fn fn, void *ctx,
                      int *more, tw_errinfo_t *ei)
{
    static const char *const keys[] = {"a.score", "a.score", "a.created_at", "a.created_at",
                                       "a.updated_at", "a.updated_at"};
    int desc = q->sort == ALERTS_SORT_SCORE_DESC || q->sort == ALERTS_SORT_CREATED_DESC ||
               q->sort == ALERTS_SORT_UPDATED_DESC;
    const char *key, *dir = desc ? "DESC" : "ASC", *cmp = desc ? "<" : ">";
    sqlite3_stmt *s = NULL;
    tw_buf_t sql;
    long n = 0;
    int rc;
    tw_err_t err = TW_OK;

    *more = 0;
    if ((err = query_check(q, ei)) != TW_OK)
        return err;
    key = keys[q->sort];

    buf_init(&sql, 1 << 16);
    /* inner: filter, order and cut on the alert table alone, carrying only
     * the listed columns (the sorter would otherwise copy every row's
     * evidence and explanation, KBs each); outer: label the page's rows from
     * their latest permit */
    err = buf_adds(&sql, "SELECT " ITEM_COLUMNS ", " LABEL_REGION ", " LABEL_EMPLOYER ", "
                         LABEL_NATIONALITY ", " LABEL_NAMES " FROM (SELECT " ITEM_COLUMNS
                         " FROM alert a WHERE ");
    if (!err)
        err = query_where(q, &sql);
    if (!err && q->after_id > 0)
        err = buf_printf(&sql, " AND (%s %s :after OR (%s = :after AND a.id %s :after_id))",
                         key, cmp, key, cmp);
    if (!err)
        err = buf_printf(&sql, " ORDER BY %s %s, a.id %s LIMIT %ld) a", key, dir, dir,
                         q->limit + 1);
    if (!err)
        err = buf_printf(&sql, " LEFT JOIN permit lp ON lp.id = (" LATEST_PERMIT ")"
                               " ORDER BY %s %s, a.id %s",
                         key, dir, dir);
    if (err)
        goto out;
    if (store_prepare_cached(st, buf_str(&sql), &s) != TW_OK) {
        err = store_db_error(st, ei, "preparing the alert query");
        goto out;
    }
    query_bind(s, q);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        alerts_item_t it;
        if (n++ == q->limit) {
            *more = 1;
            break;
        }
        read_item(s, 1, &it);
        if ((err = fn(ctx, &it)) != TW_OK)
            goto out;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = store_db_error(st, ei, "reading alerts");
out:
    store_release_cached(st, s);
    buf_free(&sql);
    return err;
}

/* The employer an alert is grouped under: the one its list row shows
 * (LABEL_EMPLOYER), NULL for an intermediary and for an entity no permit
 * names. */
#define GROUP_EMPLOYER                                                                         \
    "CASE WHEN a.entity_type = 'intermediary' THEN NULL ELSE (SELECT employer_tin"             \
    " FROM permit WHERE id = (" LATEST_PERMIT ")) END"

tw_err_t alerts_query_count(store_t *st, const alerts_query_t *q, long long *alerts,
                            long long *groups, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_buf_t sql;
    tw_err_t err;

    *alerts = 0;
    if (groups)
        *groups = 0;
    if ((err = query_check(q, ei)) != TW_OK)
        return err;
    buf_init(&sql, 1 << 16);
    if (groups)
        err = buf_adds(&sql, "SELECT count(*), count(DISTINCT coalesce(g, '#' || id)) FROM"
                             " (SELECT a.id, " GROUP_EMPLOYER " AS g FROM alert a WHERE ");
    else
        err = buf_adds(&sql, "SELECT count(*), 0 FROM alert a WHERE ");
    if (!err)
        err = query_where(q, &sql);
    if (!err && groups)
        err = buf_adds(&sql, ")");
    if (err)
        goto out;
    if (store_prepare_cached(st, buf_str(&sql), &s) != TW_OK) {
        err = store_db_error(st, ei, "preparing the alert count");
        goto out;
    }
    query_bind(s, q);
    if (sqlite3_step(s) != SQLITE_ROW) {
        err = store_db_error(st, ei, "counting alerts");
        goto out;
    }
    *alerts = sqlite3_column_int64(s, 0);
    if (groups)
        *groups = sqlite3_column_int64(s, 1);
out:
    store_release_cached(st, s);
    buf_free(&sql);
    return err;
}

/* One labelled alert by a condition on `alert a` with one text or integer
 * parameter; *found = 0 when none. */
static tw_err_t item_where(store_t *st, const char *cond, const char *text, long long num,
                           const alerts_query_t *q, alerts_item_fn fn, void *ctx, int *found,
                           tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_buf_t sql;
    tw_err_t err;
    int rc;

    *found = 0;
    buf_init(&sql, 1 << 15);
    err = buf_printf(&sql,
                     "SELECT " ITEM_COLUMNS ", " LABEL_REGION ", " LABEL_EMPLOYER ", "
                     LABEL_NATIONALITY ", " LABEL_NAMES " FROM alert a LEFT JOIN permit lp"
                     " ON lp.id = (" LATEST_PERMIT ") WHERE %s",
                     cond);
    if (!err && q && q->scoped)
        err = scope_sql(q, &sql);
    if (!err)
        err = buf_adds(&sql, " LIMIT 1");
    if (err)
        goto out;
    if (store_prepare_cached(st, buf_str(&sql), &s) != TW_OK) {
        err = store_db_error(st, ei, "preparing an alert read");
        goto out;
    }
    if (q && q->scoped)
        scope_bind(s, q);
    if (text)
        sqlite3_bind_text(s, sqlite3_bind_parameter_index(s, ":v"), text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":v"), num);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        alerts_item_t it;
        read_item(s, 1, &it);
        *found = 1;
        err = fn(ctx, &it);
    } else if (rc != SQLITE_DONE) {
        err = store_db_error(st, ei, "reading an alert");
    }
out:
    store_release_cached(st, s);
    buf_free(&sql);
    return err;
}

typedef struct {
    alerts_item_t *slot;
    char *strs; /* copies of the item's strings: valid after the statement is reset */
} keep_ctx_t;

static tw_err_t keep_item(void *ctx, const alerts_item_t *it)
{
    keep_ctx_t *k = ctx;
    const char **f[] = {&k->slot->entity_type, &k->slot->entity_key, &k->slot->level,
                        &k->slot->status,      &k->slot->indicators, &k->slot->assignee,
                        &k->slot->created_at,  &k->slot->updated_at, &k->slot->region,
                        &k->slot->employer,    &k->slot->nationality, &k->slot->name,
                        &k->slot->employer_name};
    size_t i, need = 0, off = 0;
    *k->slot = *it;
    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        need += *f[i] ? strlen(*f[i]) + 1 : 0;
    free(k->strs);
    if (!(k->strs = malloc(need ? need : 1)))
        return TW_ENOMEM;
    for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (*f[i]) {
            size_t n = strlen(*f[i]) + 1;
            memcpy(k->strs + off, *f[i], n);
            *f[i] = k->strs + off;
            off += n;
        }
    }
    return TW_OK;
}

tw_err_t alerts_query_groups(store_t *st, const alerts_query_t *q, alerts_group_fn fn,
                             void *ctx, int *more, tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    tw_buf_t sql;
    long n = 0;
    int rc;
    tw_err_t err;
    typedef struct {
        long long head, alerts, workers;
        char *employer;
    } row_t;
    row_t *rows = NULL;
    size_t nrows = 0, i;

    *more = 0;
    if ((err = query_check(q, ei)) != TW_OK)
        return err;
    if (q->sort != ALERTS_SORT_SCORE_DESC)
        return tw_errinfo_set(ei, TW_EINPUT, "parameter sort: groups are listed by their "
                                             "highest score only (-score)");
    buf_init(&sql, 1 << 16);
    /* m: the matching alerts with their group (the employer, or the alert
     * alone); c: each group's counts; h: each group's head, its highest
     * alert (ties by the larger id, as the list orders them) */
    err = buf_adds(&sql, "WITH m AS (SELECT a.id, a.entity_type, a.entity_key, a.score, "
                         GROUP_EMPLOYER " AS g FROM alert a WHERE ");
    if (!err)
        err = query_where(q, &sql);
    if (!err)
        err = buf_adds(&sql,
                       "), c AS (SELECT coalesce(g, '#' || id) AS gk, count(*) AS n,"
                       " count(DISTINCT CASE WHEN entity_type = 'worker' THEN entity_key END)"
                       " AS nw FROM m GROUP BY gk),"
                       " h AS (SELECT id, score, g, coalesce(g, '#' || id) AS gk, row_number()"
                       " OVER (PARTITION BY coalesce(g, '#' || id) ORDER BY score DESC, id DESC)"
                       " AS rn FROM m)"
                       " SELECT h.id, h.g, c.n, c.nw FROM h JOIN c ON c.gk = h.gk WHERE h.rn = 1");
    if (!err && q->after_id > 0)
        err = buf_adds(&sql, " AND (h.score < :after OR (h.score = :after AND h.id < :after_id))");
    if (!err)
        err = buf_printf(&sql, " ORDER BY h.score DESC, h.id DESC LIMIT %ld", q->limit + 1);
    if (err)
        goto out;
    if (store_prepare_cached(st, buf_str(&sql), &s) != TW_OK) {
        err = store_db_error(st, ei, "preparing the alert groups");
        goto out;
    }
    query_bind(s, q);
    /* the page's heads first: the statement is released before each group
     * is labelled with statements of its own */
    if (!(rows = calloc((size_t)q->limit + 1, sizeof(*rows)))) {
        err = TW_ENOMEM;
        goto out;
    }
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *g = col_text(s, 1);
        if (n++ == q->limit) {
            *more = 1;
            break;
        }
        rows[nrows].head = sqlite3_column_int64(s, 0);
        rows[nrows].alerts = sqlite3_column_int64(s, 2);
        rows[nrows].workers = sqlite3_column_int64(s, 3);
        if (g && !(rows[nrows].employer = strdup(g))) {
            err = TW_ENOMEM;
            goto out;
        }
        nrows++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        err = store_db_error(st, ei, "reading alert groups");
        goto out;
    }
    store_release_cached(st, s);
    s = NULL;
    for (i = 0; i < nrows && !err; i++) {
        alerts_group_t grp;
        alerts_item_t top, own;
        keep_ctx_t kt = {&top, NULL}, ko = {&own, NULL};
        int found = 0, has_own = 0;
        memset(&grp, 0, sizeof(grp));
        grp.employer = rows[i].employer;
        grp.alerts = rows[i].alerts;
        grp.workers = rows[i].workers;
        err = item_where(st, "a.id = :v", NULL, rows[i].head, NULL, keep_item, &kt, &found, ei);
        if (!err && !found)
            err = tw_errinfo_set(ei, TW_ECONFLICT, "alert %lld changed while listed",
                                 rows[i].head);
        /* the employer's own open alert, within the caller's scope, whatever
         * the other filters say: the group row shows it beside its workers */
        if (!err && grp.employer)
            err = item_where(st, "a.entity_type = 'employer' AND a.entity_key = :v AND "
                                 "a.closed = 0", grp.employer, 0, q, keep_item, &ko, &has_own,
                             ei);
        if (!err) {
            grp.top = &top;
            grp.own = has_own ? &own : NULL;
            /* the employer's name: its own alert's, else the top alert's */
            grp.employer_name = has_own && own.name ? own.name
                                : top.employer_name ? top.employer_name
                                                    : NULL;
            if (grp.employer && !has_own && top.entity_type &&
                strcmp(top.entity_type, "employer") == 0)
                grp.employer_name = top.name;
            err = fn(ctx, &grp);
        }
        free(kt.strs);
        free(ko.strs);
    }
out:
    store_release_cached(st, s);
    buf_free(&sql);
    for (i = 0; i < nrows; i++)
        free(rows[i].employer);
    free(rows);
    return err;
}

tw_err_t alerts_get(store_t *st, long long id, const alerts_visitor_t *v, void *ctx,
                    tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;

    if (sqlite3_prepare_v2(db,
                           "SELECT " ITEM_COLUMNS ", " LABEL_REGION ", " LABEL_EMPLOYER ", "
                           LABEL_NATIONALITY ", " LABEL_NAMES ", a.evidence, a.explanation,"
                           " a.config_version,"
                           " a.closed, coalesce(a.assigned_org, 0) FROM alert a"
                           " LEFT JOIN permit lp ON lp.id = ("
                           LATEST_PERMIT ") WHERE a.id = ?",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, ei, "reading an alert");
    sqlite3_bind_int64(s, 1, id);
    if ((rc = sqlite3_step(s)) != SQLITE_ROW) {
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return store_db_error(st, ei, "reading an alert");
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no alert %lld", id);
    }
    {
        alerts_detail_t d;
        read_item(s, 1, &d.item);
        d.evidence = col_text(s, 15);
        d.explanation = col_text(s, 16);
        d.config_version = col_text(s, 17);
        d.closed = sqlite3_column_int(s, 18);
        d.assigned_org = sqlite3_column_int64(s, 19);
        err = v->alert(ctx, &d);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (err != TW_OK || !v->event)
        goto suppressions;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, at, actor, kind, from_status, to_status, score, level,"
                           " indicators, config_version, reason FROM alert_event"
                           " WHERE alert_id = ? ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, ei, "reading an alert's history");
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        alerts_event_t e;
        e.id = sqlite3_column_int64(s, 0);
        e.at = col_text(s, 1);
        e.actor = col_text(s, 2);
        e.kind = col_text(s, 3);
        e.from_status = col_text(s, 4);
        e.to_status = col_text(s, 5);
        e.has_score = sqlite3_column_type(s, 6) != SQLITE_NULL;
        e.score = sqlite3_column_double(s, 6);
        e.level = col_text(s, 7);
        e.indicators = col_text(s, 8);
        e.config_version = col_text(s, 9);
        e.reason = col_text(s, 10);
        if ((err = v->event(ctx, &e)) != TW_OK)
            break;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = store_db_error(st, ei, "reading an alert's history");
    sqlite3_finalize(s);
    s = NULL;
suppressions:
    if (err != TW_OK || !v->suppression)
        return err;
    if (sqlite3_prepare_v2(db,
                           "SELECT s.indicator, s.until, s.created_by, s.created_at, s.reason"
                           " FROM suppression s JOIN alert a ON a.entity_type = s.entity_type"
                           " AND a.entity_key = s.entity_key WHERE a.id = ?"
                           " AND s.revoked_at IS NULL ORDER BY s.id",
                           -1, &s, NULL) != SQLITE_OK)
        return store_db_error(st, ei, "reading suppressions");
    sqlite3_bind_int64(s, 1, id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        alerts_suppression_t sp;
        sp.indicator = col_text(s, 0);
        sp.until = col_text(s, 1);
        sp.created_by = col_text(s, 2);
        sp.created_at = col_text(s, 3);
        sp.reason = col_text(s, 4);
        if ((err = v->suppression(ctx, &sp)) != TW_OK)
            break;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = store_db_error(st, ei, "reading suppressions");
    sqlite3_finalize(s);
    return err;
}

tw_err_t alerts_for_entity(store_t *st, const char *entity_type, const char *entity_key,
                           alerts_item_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;

    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT " ITEM_COLUMNS " FROM alert a WHERE a.entity_type = ?"
                           " AND a.entity_key = ? ORDER BY a.closed, a.id DESC",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    sqlite3_bind_text(s, 1, entity_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, entity_key, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        alerts_item_t it;
        read_item(s, 0, &it);
        if ((err = fn(ctx, &it)) != TW_OK)
            break;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t alerts_scan(store_t *st, alerts_item_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;

    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT " ITEM_COLUMNS ", " LABEL_REGION ", " LABEL_EMPLOYER ", "
                           LABEL_NATIONALITY ", " LABEL_NAMES " FROM alert a LEFT JOIN permit lp"
                           " ON lp.id = (" LATEST_PERMIT ") ORDER BY a.id",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        alerts_item_t it;
        read_item(s, 1, &it);
        if ((err = fn(ctx, &it)) != TW_OK)
            break;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t alerts_count_open(store_t *st, long long by_level[4])
{
    sqlite3_stmt *s = NULL;
    int rc;

    memset(by_level, 0, 4 * sizeof(by_level[0]));
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT level, count(*) FROM alert WHERE closed = 0 GROUP BY level",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        by_level[level_rank(col_text(s, 0))] = sqlite3_column_int64(s, 1);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? TW_OK : TW_EDB;
}
