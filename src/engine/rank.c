/*
 * rank.c - the watch list: every entity of a kind by score (rank.h).
 *
 * Data: one (score, level, entity, first hit) tuple per entity of the kind,
 * from score_compute()'s per-entity results; entities without any hit get
 * the prior's score. Sorted once; keys are looked up only for the entries
 * returned (applications from the index, other kinds from the store).
 * Read-only over the store; single-threaded.
 */
#include "engine/rank.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/csvout.h"
#include "base/json.h"
#include "engine/engine.h"
#include "engine/score.h"

typedef struct {
    double score;
    uint32_t entity;
    int32_t se; /* index into score_result_t.ents, -1 none */
} slot_t;

static int cmp_slot(const void *a, const void *b)
{
    const slot_t *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->entity < y->entity ? -1 : x->entity > y->entity;
}

int rank_kind_parse(const char *name)
{
    int k;
    for (k = 0; k < IK_COUNT; k++)
        if (strcmp(name, ind_kind_name((ind_kind_t)k)) == 0)
            return k;
    return -1;
}

void rank_list_free(rank_list_t *l)
{
    size_t i;
    for (i = 0; i < l->n; i++) {
        free(l->items[i].key);
        free(l->items[i].indicators);
    }
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static const store_entity_t ent_of[IK_COUNT] = {ENT_COUNT,        ENT_WORKER,  ENT_EMPLOYER,
                                                ENT_INTERMEDIARY, ENT_ADDRESS, ENT_PHONE};

tw_err_t rank_compute(store_t *st, const config_t *cfg, ind_kind_t kind, size_t top,
                      rank_list_t *out, tw_errinfo_t *ei)
{
    size_t ncat, i, nslots = 0;
    const ind_def_t *cat = ind_catalogue(&ncat);
    engine_t *eng = NULL;
    const eng_index_t *ix;
    ind_hits_t hits;
    score_result_t sr;
    slot_t *slots = NULL;
    int32_t *where = NULL;
    uint32_t nent, first, e;
    double prior_score = 100.0 / (1.0 + exp(-score_prior(cfg, kind)));
    double lo = config_level_low(cfg), mid = config_level_medium(cfg),
           hi = config_level_high(cfg);
    tw_err_t err;

    memset(out, 0, sizeof(*out));
    memset(&sr, 0, sizeof(sr));
    ind_hits_init(&hits);
    snprintf(out->config_version, sizeof(out->config_version), "%s", config_version(cfg));
    if (kind >= IK_COUNT)
        return tw_errinfo_set(ei, TW_EINPUT, "unknown kind of entity");
    if ((err = engine_load(st, &eng, ei)) != TW_OK)
        goto out;
    ix = engine_index(eng);
    if ((err = ind_compute_all(ix, cfg, &hits)) != TW_OK ||
        (err = score_compute(ix, &hits, cfg, &sr)) != TW_OK) {
        tw_errinfo_set(ei, err, "screening: %s", tw_strerror(err));
        goto out;
    }
    nent = kind == IK_APPLICATION ? ix->napps : ix->nentities[ent_of[kind]];
    first = kind == IK_APPLICATION ? 0 : 1;
    where = malloc((nent ? nent : 1) * sizeof(*where));
    slots = malloc((nent ? nent : 1) * sizeof(*slots));
    if (!where || !slots) {
        err = TW_ENOMEM;
        goto out;
    }
    for (e = 0; e < nent; e++)
        where[e] = -1;
    for (i = 0; i < sr.n; i++)
        if (sr.ents[i].kind == kind && sr.ents[i].entity < nent)
            where[sr.ents[i].entity] = (int32_t)i;
    for (e = first; e < nent; e++) {
        slots[nslots].entity = e;
        slots[nslots].se = where[e];
        slots[nslots].score = where[e] >= 0 ? sr.ents[where[e]].score : prior_score;
        nslots++;
    }
    qsort(slots, nslots, sizeof(*slots), cmp_slot);
    out->total = nslots;
    if (top == 0 || top > nslots)
        top = nslots;
    out->items = calloc(top ? top : 1, sizeof(*out->items));
    if (!out->items) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i < top; i++) {
        rank_entry_t *it = &out->items[i];
        const slot_t *s = &slots[i];
        char key[1024], inds[256] = "";
        size_t used = 0;
        if (kind == IK_APPLICATION) {
            snprintf(key, sizeof(key), "%s", eng_str(ix, ix->apps[s->entity].key));
        } else if ((err = store_entity_key(st, ent_of[kind], s->entity, key, sizeof(key))) !=
                   TW_OK) {
            tw_errinfo_set(ei, err, "the key of %s %u: %s", ind_kind_name(kind), s->entity,
                           tw_strerror(err));
            goto out;
        }
        if (s->se >= 0) {
            const score_entity_t *se = &sr.ents[s->se];
            uint32_t q, shown = 0;
            for (q = se->first; q < se->first + se->nhits && shown < 3; q++) {
                const ind_hit_t *h = score_hit(&sr, &hits, sr.order[q]);
                int w;
                if (sr.contribution[q] <= 0)
                    continue;
                w = snprintf(inds + used, sizeof(inds) - used, "%s%s", shown ? ";" : "",
                             cat[h->indicator].id);
                if (w < 0 || (size_t)w >= sizeof(inds) - used)
                    break;
                used += (size_t)w;
                shown++;
            }
        }
        it->score = s->score;
        it->level = s->score >= hi ? LEVEL_HIGH : s->score >= mid ? LEVEL_MEDIUM
                    : s->score >= lo ? LEVEL_LOW : LEVEL_NONE;
        it->key = strdup(key);
        it->indicators = strdup(inds);
        out->n = i + 1;
        if (!it->key || !it->indicators) {
            err = TW_ENOMEM;
            goto out;
        }
    }
out:
    if (err)
        rank_list_free(out);
    free(where);
    free(slots);
    score_free(&sr);
    ind_hits_free(&hits);
    engine_free(eng);
    return err;
}

/* RFC 4180 and spreadsheet-safe (base/csvout.h): an entity key such as an
 * E.164 phone or an agent's name beginning with '=' is shown as text. */
static void csv_field(FILE *out, const char *s)
{
    csvout_cell(out, s, strlen(s));
}

tw_err_t rank_write(const rank_list_t *l, rank_format_t fmt, FILE *out)
{
    tw_buf_t b;
    size_t i;
    tw_err_t err = TW_OK;

    if (fmt == RANK_CSV) {
        fputs("entity_key,score,level,top_indicators\n", out);
        for (i = 0; i < l->n; i++) {
            csv_field(out, l->items[i].key);
            fprintf(out, ",%.4f,%s,%s\n", l->items[i].score,
                    score_level_name((score_level_t)l->items[i].level), l->items[i].indicators);
        }
        return ferror(out) ? TW_EIO : TW_OK;
    }
    buf_init(&b, 1u << 20);
    for (i = 0; i < l->n && !err; i++) {
        const rank_entry_t *it = &l->items[i];
        buf_reset(&b);
        if ((err = buf_adds(&b, "{\"entity_key\":")) == TW_OK &&
            (err = json_str(&b, it->key, strlen(it->key))) == TW_OK &&
            (err = buf_adds(&b, ",\"score\":")) == TW_OK &&
            (err = json_num(&b, round(it->score * 1e4) / 1e4)) == TW_OK &&
            (err = buf_printf(&b, ",\"level\":\"%s\",\"top_indicators\":",
                              score_level_name((score_level_t)it->level))) == TW_OK &&
            (err = json_str(&b, it->indicators, strlen(it->indicators))) == TW_OK &&
            (err = buf_adds(&b, "}\n")) == TW_OK)
            fwrite(b.p, 1, b.len, out);
    }
    buf_free(&b);
    if (!err && ferror(out))
        err = TW_EIO;
    return err;
}
