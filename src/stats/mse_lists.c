/*
 * mse_lists.c - capture histories per person from the NRM cases, the
 * confirmed alerts and the reports (mse_lists.h).
 *
 * Data: a growing array of (person, list bit) memberships, sorted by person
 * at the end and OR-ed into one history per person, then counted per
 * history. Person ids come from the linkage (positive); a case whose
 * worker is not linked (or that names no worker) is a person of its own,
 * given a negative id (two cases naming the same unlinked key are one).
 * Invariants:
 *   1. A person counts once per history, whatever the number of its
 *      records on a list (a worker's three confirmed alerts are one
 *      membership of "alerts").
 *   2. Nothing but counts of histories leaves this file: no key, no id.
 * Thread model: the caller's store_t; everything allocated is freed here.
 */
#include "stats/mse_lists.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "engine/alerts.h"
#include "link/persons.h"

#define MAX_ORGS 256

typedef struct {
    int64_t person;
    unsigned list; /* during the walk: the list's slot; after: a bit */
} member_t;

typedef struct {
    store_t *st;
    member_t *m;
    size_t n, cap;
    int64_t *worker_person; /* by worker entity id; 0: not linked */
    int64_t nworkers;
    strmap_t own;      /* unlinked case keys -> their negative id */
    int64_t next_own;  /* -1, -2, ... */
    int64_t org_id[MAX_ORGS];
    char org_name[MAX_ORGS][64];
    long long org_count[MAX_ORGS];
    int norgs;
    mse_lists_info_t *info;
    tw_errinfo_t *ei;
} walk_t;

/* list slots during the walk: organisations 0..MAX_ORGS-1, then these */
#define SLOT_ALERTS MAX_ORGS
#define SLOT_REPORTS (MAX_ORGS + 1)

static tw_err_t add(walk_t *w, int64_t person, unsigned slot)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 1024;
        member_t *m = realloc(w->m, cap * sizeof(*m));
        if (!m)
            return tw_errinfo_set(w->ei, TW_ENOMEM, "out of memory");
        w->m = m;
        w->cap = cap;
    }
    w->m[w->n].person = person;
    w->m[w->n].list = slot;
    w->n++;
    return TW_OK;
}

static tw_err_t worker_cb(void *ctx, int64_t worker_id, int64_t person_id)
{
    walk_t *w = ctx;
    if (worker_id > 0 && worker_id <= w->nworkers)
        w->worker_person[worker_id] = person_id;
    return TW_OK;
}

/* The person of worker key "COUNTRY:DOCNO", 0 when not linked. */
static int64_t person_of_worker(walk_t *w, const char *key)
{
    int64_t id;
    if (!*key || store_entity_find(w->st, ENT_WORKER, key, strlen(key), &id) != TW_OK)
        return 0;
    return id > 0 && id <= w->nworkers ? w->worker_person[id] : 0;
}

static tw_err_t case_cb(void *ctx, const cases_member_t *c)
{
    walk_t *w = ctx;
    int64_t person = person_of_worker(w, c->worker_key);
    int o;
    tw_err_t err;

    w->info->cases++;
    w->info->cases_unreadable += c->unreadable;
    for (o = 0; o < w->norgs && w->org_id[o] != c->org; o++)
        ;
    if (o == w->norgs) {
        if (w->norgs == MAX_ORGS)
            return tw_errinfo_set(w->ei, TW_EINPUT, "more than %d organisations have cases",
                                  MAX_ORGS);
        w->org_id[o] = c->org;
        snprintf(w->org_name[o], sizeof(w->org_name[o]), "%s", c->org_name);
        w->norgs++;
    }
    if (!person) {
        w->info->cases_own++;
        if (*c->worker_key) {
            uint64_t *slot;
            int added;
            if ((err = strmap_put(&w->own, c->worker_key, strlen(c->worker_key),
                                  (uint64_t)(-w->next_own), &slot, &added, NULL)) != TW_OK)
                return tw_errinfo_set(w->ei, err, "out of memory");
            if (added)
                w->next_own--;
            person = -(int64_t)*slot;
        } else {
            person = w->next_own--;
        }
    }
    return add(w, person, (unsigned)o);
}

static tw_err_t alert_cb(void *ctx, const alerts_item_t *it)
{
    walk_t *w = ctx;
    int64_t person = 0;
    if (strcmp(it->status, "confirmed") != 0)
        return TW_OK;
    if (strcmp(it->entity_type, "worker") == 0) {
        person = person_of_worker(w, it->entity_key);
    } else if (strcmp(it->entity_type, "application") == 0) {
        char rec[160];
        snprintf(rec, sizeof(rec), "permits:%s", it->entity_key);
        if (persons_of_record(w->st, rec, &person) != TW_OK)
            person = 0;
    } else {
        w->info->alerts_other++;
        return TW_OK;
    }
    if (!person) {
        w->info->alerts_unlinked++;
        return TW_OK;
    }
    w->info->alerts++;
    return add(w, person, SLOT_ALERTS);
}

static tw_err_t report_cb(void *ctx, const char *id, size_t len, int64_t person_id)
{
    walk_t *w = ctx;
    (void)id;
    (void)len;
    w->info->reports++;
    return add(w, person_id, SLOT_REPORTS);
}

static int by_person(const void *pa, const void *pb)
{
    const member_t *a = pa, *b = pb;
    return a->person < b->person ? -1 : a->person > b->person;
}

static int by_count_desc(const void *pa, const void *pb, const long long *counts)
{
    int a = *(const int *)pa, b = *(const int *)pb;
    if (counts[a] != counts[b])
        return counts[a] > counts[b] ? -1 : 1;
    return a - b;
}

tw_err_t mse_lists_load(store_t *st, const vault_t *v, const cases_actor_t *act,
                        mse_data_t *d, mse_lists_info_t *info, tw_errinfo_t *ei)
{
    walk_t w;
    tw_err_t err;
    size_t i, j;
    int order[MAX_ORGS], nkeep, o, slot_bit[MAX_ORGS + 2], have_alerts = 0, have_reports = 0;
    int merged_bit = -1;
    long long linked_workers = 0;

    memset(d, 0, sizeof(*d));
    memset(info, 0, sizeof(*info));
    memset(&w, 0, sizeof(w));
    w.st = st;
    w.info = info;
    w.ei = ei;
    w.next_own = -1;
    strmap_init(&w.own);
    if ((err = store_entity_max_id(st, ENT_WORKER, &w.nworkers)) != TW_OK) {
        tw_errinfo_set(ei, err, "reading the workers");
        goto out;
    }
    if (!(w.worker_person = calloc((size_t)w.nworkers + 1, sizeof(int64_t)))) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
        goto out;
    }
    if ((err = persons_each_worker(st, worker_cb, &w)) != TW_OK) {
        tw_errinfo_set(ei, err, "reading the persons");
        goto out;
    }
    for (int64_t k = 1; k <= w.nworkers; k++)
        linked_workers += w.worker_person[k] != 0;
    if (w.nworkers > 0 && linked_workers == 0) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "the registers are not linked into persons: run `tipwatch link` "
                             "first (the estimate counts persons)");
        goto out;
    }
    if ((err = cases_members(st, v, act, case_cb, &w, ei)) != TW_OK)
        goto out;
    if ((err = alerts_scan(st, alert_cb, &w)) != TW_OK) {
        if (err != TW_ENOMEM && err != TW_EINPUT)
            tw_errinfo_set(ei, err, "reading the alerts");
        goto out;
    }
    if ((err = persons_each_record(st, "reports:", report_cb, &w)) != TW_OK) {
        if (err != TW_ENOMEM)
            tw_errinfo_set(ei, err, "reading the persons of the reports");
        goto out;
    }

    /* which lists: organisations by size, the smallest merged */
    for (i = 0; i < w.n; i++)
        if (w.m[i].list < MAX_ORGS)
            w.org_count[w.m[i].list]++;
        else if (w.m[i].list == SLOT_ALERTS)
            have_alerts = 1;
        else
            have_reports = 1;
    for (o = 0; o < w.norgs; o++)
        order[o] = o;
    for (o = 1; o < w.norgs; o++) /* insertion sort: few organisations */
        for (int q = o; q > 0 && by_count_desc(&order[q], &order[q - 1], w.org_count) < 0; q--) {
            int tmp = order[q];
            order[q] = order[q - 1];
            order[q - 1] = tmp;
        }
    nkeep = MSE_MAX_LISTS - have_alerts - have_reports;
    if (w.norgs > nkeep)
        nkeep--; /* one slot for nrm:other */
    info->orgs = w.norgs;
    for (o = 0; o < w.norgs; o++) {
        int org = order[o];
        if (o < nkeep) {
            slot_bit[org] = d->k;
            snprintf(d->names[d->k], sizeof(d->names[0]), "nrm:%.27s", w.org_name[org]);
            d->k++;
        } else {
            if (merged_bit < 0) {
                merged_bit = d->k;
                snprintf(d->names[d->k], sizeof(d->names[0]), "nrm:other");
                d->k++;
            }
            slot_bit[org] = merged_bit;
            info->orgs_merged++;
        }
    }
    if (have_alerts) {
        slot_bit[SLOT_ALERTS] = d->k;
        snprintf(d->names[d->k++], sizeof(d->names[0]), "alerts_confirmed");
    }
    if (have_reports) {
        slot_bit[SLOT_REPORTS] = d->k;
        snprintf(d->names[d->k++], sizeof(d->names[0]), "reports");
    }
    for (i = 0; i < w.n; i++)
        w.m[i].list = 1u << slot_bit[w.m[i].list];
    if (w.n > 1)
        qsort(w.m, w.n, sizeof(*w.m), by_person);
    for (i = 0; i < w.n; i = j) { /* invariant 1 */
        unsigned h = 0;
        for (j = i; j < w.n && w.m[j].person == w.m[i].person; j++)
            h |= w.m[j].list;
        d->count[h] += 1;
        info->persons++;
    }
    if (d->k < 2)
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "multiple systems estimation needs at least two lists with persons "
                             "on them; %d found (NRM cases per organisation, confirmed alerts, "
                             "reports)",
                             d->k);
out:
    strmap_free(&w.own);
    free(w.worker_person);
    free(w.m);
    return err;
}
