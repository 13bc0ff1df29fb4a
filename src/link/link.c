/*
 * link.c - the Fellegi-Sunter linker (contract and method in link.h; the
 * reasoning in docs/internals/link.md).
 *
 * Data:
 *   - one dictionary per field: distinct values interned to ids from 1
 *     (0 = missing), with how many profiles hold each (term frequencies)
 *     and, for names, the phonetic key;
 *   - profiles: nf value ids each plus the source; records point at their
 *     profile (rec_prof) and the records of a profile are chained
 *     (prof_first, rec_next);
 *   - blocking: per rule a key per profile (keys[r * np + p], 0 = none) and
 *     the profiles sorted by that key (order[r]), built once per run;
 *   - results: scored profile pairs at or above review_low (edges), the
 *     cluster of each profile, the joins that made each cluster.
 *
 * Invariants:
 *   1. A value id is < dict.n; a profile's ids never change once added.
 *   2. keys[r * np + p] == 0 for a profile that is not linkable (no name and
 *      no identifier) and for every profile of a block over the cap, so
 *      such a block neither produces pairs nor counts as "already compared"
 *      for a later rule.
 *   3. Threads only read the link_t during a pass; each writes its own
 *      pass_t, merged after the join.
 */
#include "link/link.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"
#include "link/compare.h"

#define VAL_MAX 256
#define LEVELS_MAX 8
#define RULES_MAX 24
#define SOUND_CAP 12

typedef struct {
    strmap_t map;
    const char **s;
    uint32_t *len;
    uint32_t *count;
    char (*sound)[SOUND_CAP];
    size_t nsound; /* entries of sound */
    float *tfadj;
    size_t n, cap;
} dict_t;

enum { T_EXACT, T_NUMBER, T_SOUND, T_YEAR, T_YEARMONTH, T_INITIAL, T_SOUNDPAIR };

typedef struct {
    char name[96];
    int nparts;
    int field[2];
    int how[2];
} rule_t;

typedef struct {
    uint32_t p, q;
    float w;
} edge_t;

typedef struct {
    char rule[96];
    char key[160];
    size_t size;
} capped_t;

struct link {
    link_opts_t o;
    size_t nf;
    char fname[LINK_MAX_FIELDS][64];
    link_kind_t kind[LINK_MAX_FIELDS];
    int other[LINK_MAX_FIELDS];
    int nlev[LINK_MAX_FIELDS];
    dict_t dict[LINK_MAX_FIELDS];

    uint32_t *rec_prof, *rec_next;
    size_t nrec, rec_cap;

    uint32_t *pv;
    uint8_t *psrc, *pnew, *plinkable;
    uint32_t *prof_first, *prof_last;
    size_t np, pcap;
    strmap_t pmap;
    int only_new;
    size_t isolated;

    uint32_t *seeds, *must, *cannot; /* record pairs */
    size_t nseeds, nmust, ncannot, seeds_cap, must_cap, cannot_cap;
    strmap_t cannot_set; /* profile pairs */

    int have_model;
    double lambda;
    double m[LINK_MAX_FIELDS][LEVELS_MAX], u[LINK_MAX_FIELDS][LEVELS_MAX];
    double w[LINK_MAX_FIELDS][LEVELS_MAX];
    int em_iter;

    rule_t rules[RULES_MAX];
    int nrules;
    uint64_t *keys;
    uint32_t *order[RULES_MAX];
    size_t norder[RULES_MAX];
    capped_t *capped;
    size_t ncapped, capped_cap;

    edge_t *edges;
    size_t nedges;
    edge_t *joins;
    size_t njoins;
    uint32_t *pcluster;
    size_t nclusters;
    size_t pairs_compared, chains_refused;
    int ran;
    int prepared; /* blocks built for the records and marks as they are */
};

/* ---- small helpers ---- */

static tw_err_t grow(void **p, size_t *cap, size_t need, size_t elem)
{
    size_t nc;
    void *np;
    if (need <= *cap)
        return TW_OK;
    nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    np = realloc(*p, nc * elem);
    if (!np)
        return TW_ENOMEM;
    *p = np;
    *cap = nc;
    return TW_OK;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static const char *const kind_names[LINK_KIND_COUNT] = {
    "given", "family", "date", "id", "postcode", "number", "address", "place", "code", "phone"};

int link_kind_parse(const char *s, size_t len)
{
    int k;
    if (len == 6 && memcmp(s, "region", 6) == 0)
        return LINK_KIND_CODE;
    for (k = 0; k < LINK_KIND_COUNT; k++)
        if (strlen(kind_names[k]) == len && memcmp(kind_names[k], s, len) == 0)
            return k;
    return -1;
}

const char *link_kind_name(link_kind_t k)
{
    return (unsigned)k < LINK_KIND_COUNT ? kind_names[k] : "?";
}

static int kind_levels(link_kind_t k)
{
    switch (k) {
    case LINK_KIND_GIVEN:
    case LINK_KIND_FAMILY:
        return LINK_NAME_LEVELS;
    case LINK_KIND_DATE:
        return LINK_DATE_LEVELS;
    case LINK_KIND_ID:
    case LINK_KIND_POSTCODE:
        return LINK_ID_LEVELS;
    case LINK_KIND_ADDRESS:
    case LINK_KIND_PLACE:
        return LINK_TEXT_LEVELS;
    case LINK_KIND_PHONE:
        return LINK_PHONE_LEVELS;
    default:
        return LINK_CODE_LEVELS;
    }
}

static const char *level_name(link_kind_t k, int lv)
{
    static const char *const name[] = {"missing", "exact", "transliteration variant",
                                       "similar (Jaro-Winkler >= 0.92)",
                                       "similar (Jaro-Winkler >= 0.80)", "initial only",
                                       "swapped with the other name", "different"};
    static const char *const date[] = {"missing", "exact", "day and month swapped",
                                       "one digit off", "same year only", "different"};
    static const char *const id[] = {"missing", "exact", "one edit apart",
                                     "same number, other country", "different"};
    static const char *const text[] = {"missing", "exact", "similar (Jaro-Winkler >= 0.92)",
                                       "similar (Jaro-Winkler >= 0.80)", "different"};
    static const char *const phone[] = {"missing", "exact", "same last seven digits",
                                        "different"};
    static const char *const code[] = {"missing", "same", "different"};
    if (lv < 0 || lv >= kind_levels(k))
        return "?";
    switch (k) {
    case LINK_KIND_GIVEN:
    case LINK_KIND_FAMILY:
        return name[lv];
    case LINK_KIND_DATE:
        return date[lv];
    case LINK_KIND_ID:
    case LINK_KIND_POSTCODE:
        return id[lv];
    case LINK_KIND_ADDRESS:
    case LINK_KIND_PLACE:
        return text[lv];
    case LINK_KIND_PHONE:
        return phone[lv];
    default:
        return code[lv];
    }
}

double link_probability(double weight)
{
    if (weight > 60)
        return 1.0;
    if (weight < -60)
        return 0.0;
    return pow(2.0, weight) / (1.0 + pow(2.0, weight));
}

void link_opts_default(link_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->sources = 1;
    o->block_cap = 500;
    o->threshold = 4.25;
    o->review_low = 0.0;
    o->veto = 0.0;
    o->u_pairs = 300000;
    o->em_pairs = 4000000;
    o->em_iterations = 50;
    o->seed = 1;
    o->threads = 2;
}

/* ---- construction ---- */

static void add_rule(link_t *l, const char *name, int f0, int h0, int f1, int h1)
{
    rule_t *r;
    if (l->nrules >= RULES_MAX)
        return;
    r = &l->rules[l->nrules++];
    snprintf(r->name, sizeof r->name, "%s", name);
    r->nparts = f1 < 0 ? 1 : 2;
    r->field[0] = f0;
    r->how[0] = h0;
    r->field[1] = f1;
    r->how[1] = h1;
}

static int first_of(const link_t *l, link_kind_t k)
{
    size_t i;
    for (i = 0; i < l->nf; i++)
        if (l->kind[i] == k)
            return (int)i;
    return -1;
}

static void derive_rules(link_t *l)
{
    char name[96];
    size_t i;
    int g = first_of(l, LINK_KIND_GIVEN), f = first_of(l, LINK_KIND_FAMILY);
    int d = first_of(l, LINK_KIND_DATE), pc = first_of(l, LINK_KIND_POSTCODE);

    for (i = 0; i < l->nf; i++) {
        if (l->kind[i] == LINK_KIND_ID) {
            snprintf(name, sizeof name, "%s", l->fname[i]);
            add_rule(l, name, (int)i, T_NUMBER, -1, 0);
        }
    }
    /* a birth date alone is too coarse a block at 10^6 records (a hundred
     * people a day): with an initial of either name */
    for (i = 0; i < l->nf; i++) {
        if (l->kind[i] != LINK_KIND_DATE)
            continue;
        if (f >= 0) {
            snprintf(name, sizeof name, "%s + %s initial", l->fname[i], l->fname[f]);
            add_rule(l, name, (int)i, T_EXACT, f, T_INITIAL);
        }
        if (g >= 0) {
            snprintf(name, sizeof name, "%s + %s initial", l->fname[i], l->fname[g]);
            add_rule(l, name, (int)i, T_EXACT, g, T_INITIAL);
        }
        if (f < 0 && g < 0) {
            snprintf(name, sizeof name, "%s", l->fname[i]);
            add_rule(l, name, (int)i, T_EXACT, -1, 0);
        }
    }
    if (g >= 0 && f >= 0) {
        snprintf(name, sizeof name, "%s + %s (sound)", l->fname[g], l->fname[f]);
        add_rule(l, name, g, T_SOUNDPAIR, f, T_SOUNDPAIR);
    }
    /* a typo in the day: a name's sound and the birth month */
    if (f >= 0 && d >= 0) {
        snprintf(name, sizeof name, "%s (sound) + %s month", l->fname[f], l->fname[d]);
        add_rule(l, name, f, T_SOUND, d, T_YEARMONTH);
    }
    if (g >= 0 && d >= 0) {
        snprintf(name, sizeof name, "%s (sound) + %s month", l->fname[g], l->fname[d]);
        add_rule(l, name, g, T_SOUND, d, T_YEARMONTH);
    }
    if (f >= 0 && d < 0 && g < 0) {
        snprintf(name, sizeof name, "%s (sound)", l->fname[f]);
        add_rule(l, name, f, T_SOUND, -1, 0);
    }
    for (i = 0; i < l->nf; i++) {
        if (l->kind[i] == LINK_KIND_PHONE) {
            snprintf(name, sizeof name, "%s", l->fname[i]);
            add_rule(l, name, (int)i, T_EXACT, -1, 0);
        }
    }
    /* a sparse record (a report: a name, no birth date, no document) is
     * found through a code or an address it shares (an employer, the
     * household of a domestic worker): a name's sound with each code and
     * address field (build_blocks drops the codes that are too coarse to
     * block on, citizenship and sex) */
    for (i = 0; i < l->nf; i++) {
        if (l->kind[i] != LINK_KIND_CODE && l->kind[i] != LINK_KIND_ADDRESS)
            continue;
        if (f >= 0) {
            snprintf(name, sizeof name, "%s (sound) + %s", l->fname[f], l->fname[i]);
            add_rule(l, name, f, T_SOUND, (int)i, T_EXACT);
        }
        if (g >= 0) {
            snprintf(name, sizeof name, "%s (sound) + %s", l->fname[g], l->fname[i]);
            add_rule(l, name, g, T_SOUND, (int)i, T_EXACT);
        }
    }
    if (pc >= 0 && f >= 0) {
        snprintf(name, sizeof name, "%s + %s initial", l->fname[pc], l->fname[f]);
        add_rule(l, name, pc, T_EXACT, f, T_INITIAL);
    }
    if (pc >= 0 && g >= 0) {
        snprintf(name, sizeof name, "%s + %s initial", l->fname[pc], l->fname[g]);
        add_rule(l, name, pc, T_EXACT, g, T_INITIAL);
    }
}

tw_err_t link_new(const link_field_t *fields, size_t nfields, const link_opts_t *opts,
                  link_t **out)
{
    link_t *l;
    size_t i;
    int g = -1, f = -1;

    *out = NULL;
    if (nfields == 0 || nfields > LINK_MAX_FIELDS || !opts ||
        (opts->sources != 1 && opts->sources != 2))
        return TW_EINPUT;
    for (i = 0; i < nfields; i++)
        if ((unsigned)fields[i].kind >= LINK_KIND_COUNT || !fields[i].name)
            return TW_EINPUT;
    l = calloc(1, sizeof *l);
    if (!l)
        return TW_ENOMEM;
    l->o = *opts;
    if (l->o.block_cap < 2)
        l->o.block_cap = 2;
    if (l->o.threads < 1)
        l->o.threads = 1;
    if (l->o.threads > 16)
        l->o.threads = 16;
    l->nf = nfields;
    for (i = 0; i < nfields; i++) {
        snprintf(l->fname[i], sizeof l->fname[i], "%s", fields[i].name);
        l->kind[i] = fields[i].kind;
        l->nlev[i] = kind_levels(fields[i].kind);
        l->other[i] = -1;
        strmap_init(&l->dict[i].map);
        l->dict[i].n = 1; /* id 0 = missing */
        if (fields[i].kind == LINK_KIND_GIVEN && g < 0)
            g = (int)i;
        if (fields[i].kind == LINK_KIND_FAMILY && f < 0)
            f = (int)i;
    }
    if (g >= 0 && f >= 0) {
        l->other[g] = f;
        l->other[f] = g;
    }
    strmap_init(&l->pmap);
    strmap_init(&l->cannot_set);
    derive_rules(l);
    *out = l;
    return TW_OK;
}

static void free_results(link_t *l)
{
    int r;
    free(l->keys);
    l->keys = NULL;
    for (r = 0; r < RULES_MAX; r++) {
        free(l->order[r]);
        l->order[r] = NULL;
        l->norder[r] = 0;
    }
    free(l->capped);
    l->capped = NULL;
    l->ncapped = l->capped_cap = 0;
    free(l->edges);
    l->edges = NULL;
    l->nedges = 0;
    free(l->joins);
    l->joins = NULL;
    l->njoins = 0;
    free(l->pcluster);
    l->pcluster = NULL;
}

void link_free(link_t *l)
{
    size_t i;
    if (!l)
        return;
    for (i = 0; i < l->nf; i++) {
        dict_t *d = &l->dict[i];
        /* the values in the clear, NRM cases' among them (persons.c):
         * wiped, not only freed */
        strmap_wipe_free(&d->map);
        if (d->sound)
            explicit_bzero(d->sound, d->nsound * sizeof *d->sound);
        free(d->s);
        free(d->len);
        free(d->count);
        free(d->sound);
        free(d->tfadj);
    }
    free_results(l);
    free(l->rec_prof);
    free(l->rec_next);
    free(l->pv);
    free(l->psrc);
    free(l->pnew);
    free(l->plinkable);
    free(l->prof_first);
    free(l->prof_last);
    strmap_free(&l->pmap);
    strmap_free(&l->cannot_set);
    free(l->seeds);
    free(l->must);
    free(l->cannot);
    free(l);
}

static tw_err_t dict_intern(link_t *l, size_t f, const char *s, size_t len, uint32_t *id)
{
    dict_t *d = &l->dict[f];
    uint64_t *slot;
    int added;
    const char *key;
    tw_err_t err;

    if (len == 0) {
        *id = 0;
        return TW_OK;
    }
    err = strmap_put(&d->map, s, len, d->n, &slot, &added, &key);
    if (err)
        return err;
    if (!added) {
        *id = (uint32_t)*slot;
        return TW_OK;
    }
    if (d->n >= d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 256;
        const char **ns = realloc(d->s, nc * sizeof *ns);
        uint32_t *nl, *ncnt;
        if (!ns)
            return TW_ENOMEM;
        d->s = ns;
        nl = realloc(d->len, nc * sizeof *nl);
        if (!nl)
            return TW_ENOMEM;
        d->len = nl;
        ncnt = realloc(d->count, nc * sizeof *ncnt);
        if (!ncnt)
            return TW_ENOMEM;
        d->count = ncnt;
        if (d->cap == 0) {
            d->s[0] = "";
            d->len[0] = 0;
            d->count[0] = 0;
        }
        d->cap = nc;
    }
    d->s[d->n] = key;
    d->len[d->n] = (uint32_t)len;
    d->count[d->n] = 0;
    *id = (uint32_t)d->n++;
    return TW_OK;
}

static int is_name(link_kind_t k)
{
    return k == LINK_KIND_GIVEN || k == LINK_KIND_FAMILY;
}

tw_err_t link_add(link_t *l, int source, const char *const *values, const size_t *lens,
                  uint32_t *rec)
{
    uint32_t vid[LINK_MAX_FIELDS];
    unsigned char key[1 + 4 * LINK_MAX_FIELDS];
    size_t i;
    int linkable = 0, added = 1;
    uint64_t *slot = NULL;
    uint32_t p;
    tw_err_t err;

    if (source < 0 || source >= l->o.sources)
        return TW_EINPUT;
    l->prepared = 0;
    for (i = 0; i < l->nf; i++) {
        size_t n = lens[i] > VAL_MAX ? VAL_MAX : lens[i];
        if ((err = dict_intern(l, i, values[i], n, &vid[i])) != TW_OK)
            return err;
        if (vid[i] && (is_name(l->kind[i]) || l->kind[i] == LINK_KIND_ID))
            linkable = 1;
    }
    if (l->nrec + 1 > l->rec_cap) {
        size_t cap = l->rec_cap;
        if ((err = grow((void **)&l->rec_prof, &cap, l->nrec + 1, sizeof *l->rec_prof)) != TW_OK)
            return err;
        cap = l->rec_cap;
        if ((err = grow((void **)&l->rec_next, &cap, l->nrec + 1, sizeof *l->rec_next)) != TW_OK)
            return err;
        l->rec_cap = cap;
    }
    key[0] = (unsigned char)source;
    memcpy(key + 1, vid, 4 * l->nf);
    if (linkable) {
        if ((err = strmap_put(&l->pmap, (const char *)key, 1 + 4 * l->nf, l->np, &slot, &added,
                              NULL)) != TW_OK)
            return err;
    } else {
        l->isolated++;
    }
    if (added) {
        size_t cap = l->pcap;
        p = (uint32_t)l->np;
        if (l->np + 1 > l->pcap) {
            size_t nc = cap ? cap * 2 : 256;
            void *a;
#define GROW_P(ptr, n)                                                                         \
    do {                                                                                       \
        a = realloc(ptr, (n) * sizeof *(ptr));                                                 \
        if (!a)                                                                                \
            return TW_ENOMEM;                                                                  \
        ptr = a;                                                                               \
    } while (0)
            GROW_P(l->pv, nc * l->nf);
            GROW_P(l->psrc, nc);
            GROW_P(l->pnew, nc);
            GROW_P(l->plinkable, nc);
            GROW_P(l->prof_first, nc);
            GROW_P(l->prof_last, nc);
#undef GROW_P
            l->pcap = nc;
        }
        memcpy(l->pv + (size_t)p * l->nf, vid, 4 * l->nf);
        l->psrc[p] = (uint8_t)source;
        l->pnew[p] = 0;
        l->plinkable[p] = (uint8_t)linkable;
        l->prof_first[p] = (uint32_t)l->nrec;
        l->prof_last[p] = (uint32_t)l->nrec;
        l->np++;
        for (i = 0; i < l->nf; i++)
            if (vid[i])
                l->dict[i].count[vid[i]]++;
    } else {
        p = (uint32_t)*slot;
        l->rec_next[l->prof_last[p]] = (uint32_t)l->nrec;
        l->prof_last[p] = (uint32_t)l->nrec;
    }
    l->rec_prof[l->nrec] = p;
    l->rec_next[l->nrec] = UINT32_MAX;
    if (rec)
        *rec = (uint32_t)l->nrec;
    l->nrec++;
    return TW_OK;
}

size_t link_record_count(const link_t *l)
{
    return l->nrec;
}

void link_only_new(link_t *l)
{
    l->only_new = 1;
}

void link_mark_new(link_t *l, uint32_t rec)
{
    if (rec < l->nrec)
        l->pnew[l->rec_prof[rec]] = 1;
}

static tw_err_t add_pair(uint32_t **arr, size_t *n, size_t *cap, uint32_t a, uint32_t b)
{
    tw_err_t err = grow((void **)arr, cap, 2 * (*n + 1), sizeof **arr);
    if (err)
        return err;
    (*arr)[2 * *n] = a;
    (*arr)[2 * *n + 1] = b;
    (*n)++;
    return TW_OK;
}

tw_err_t link_seed(link_t *l, uint32_t a, uint32_t b)
{
    if (a >= l->nrec || b >= l->nrec)
        return TW_EINPUT;
    return add_pair(&l->seeds, &l->nseeds, &l->seeds_cap, a, b);
}

tw_err_t link_constrain(link_t *l, uint32_t a, uint32_t b, int same)
{
    if (a >= l->nrec || b >= l->nrec)
        return TW_EINPUT;
    if (same)
        return add_pair(&l->must, &l->nmust, &l->must_cap, a, b);
    return add_pair(&l->cannot, &l->ncannot, &l->cannot_cap, a, b);
}

/* ---- comparison ---- */

static void value(const link_t *l, size_t f, uint32_t p, const char **s, size_t *len)
{
    uint32_t id = l->pv[(size_t)p * l->nf + f];
    *s = l->dict[f].s[id];
    *len = l->dict[f].len[id];
}

static int compare_field(const link_t *l, size_t f, uint32_t p, uint32_t q)
{
    const char *a, *b, *a2 = "", *b2 = "";
    size_t al, bl, a2l = 0, b2l = 0;
    uint32_t ia = l->pv[(size_t)p * l->nf + f], ib = l->pv[(size_t)q * l->nf + f];

    if (ia == 0 || ib == 0)
        return 0;
    if (ia == ib)
        return 1; /* level 1 is "exact" for every kind */
    value(l, f, p, &a, &al);
    value(l, f, q, &b, &bl);
    switch (l->kind[f]) {
    case LINK_KIND_GIVEN:
    case LINK_KIND_FAMILY: {
        const dict_t *d = &l->dict[f];
        if (d->sound && d->sound[ia][0] && strcmp(d->sound[ia], d->sound[ib]) == 0)
            return LINK_NAME_VARIANT;
        if (l->other[f] >= 0) {
            value(l, (size_t)l->other[f], p, &a2, &a2l);
            value(l, (size_t)l->other[f], q, &b2, &b2l);
        }
        if (!d->sound)
            return link_cmp_name(a, al, a2, a2l, b, bl, b2, b2l);
        return link_cmp_name_rest(a, al, a2, a2l, b, bl, b2, b2l);
    }
    case LINK_KIND_DATE:
        return link_cmp_date(a, al, b, bl);
    case LINK_KIND_ID:
    case LINK_KIND_POSTCODE:
        return link_cmp_id(a, al, b, bl);
    case LINK_KIND_ADDRESS:
    case LINK_KIND_PLACE:
        return link_cmp_text(a, al, b, bl);
    case LINK_KIND_PHONE:
        return link_cmp_phone(a, al, b, bl);
    default:
        return link_cmp_code(a, al, b, bl);
    }
}

static uint64_t compare_pattern(const link_t *l, uint32_t p, uint32_t q)
{
    uint64_t pat = 0;
    size_t f;
    for (f = 0; f < l->nf; f++)
        pat |= (uint64_t)compare_field(l, f, p, q) << (4 * f);
    return pat;
}

static double name_tf(const link_t *l, size_t f, uint32_t p)
{
    const dict_t *d = &l->dict[f];
    return d->tfadj ? d->tfadj[l->pv[(size_t)p * l->nf + f]] : 0.0;
}

static int is_identity(link_kind_t k)
{
    return is_name(k) || k == LINK_KIND_DATE || k == LINK_KIND_ID;
}

/* Each field's weight for comparison pattern `pat` (profile p's names
 * give the frequency adjustment) into fw[], and the total with the prior.
 * Context fields (phone, address, employer, any field that is not a name,
 * a date or an identifier) are shared by people who live or work
 * together: their agreement counts for one person only when the identity
 * fields, on their own, lean towards one person (their weights sum above
 * 0). Without this a flat, an agent's phone and an employer, all exact,
 * outweigh two different names (+40 bits against -13). (Switching context
 * off whenever any identity field is "different" is better still on the
 * synthetic register, where people share flats and employers, but loses
 * 3 % of FEBRL4's matches, whose addresses are personal.) */
static double field_weights(const link_t *l, uint64_t pat, uint32_t p, double *fw)
{
    double w = log2(l->lambda / (1.0 - l->lambda)), ident = 0;
    size_t f;
    for (f = 0; f < l->nf; f++) {
        int lv = (int)((pat >> (4 * f)) & 15);
        fw[f] = 0;
        if (lv == 0)
            continue;
        fw[f] = l->w[f][lv];
        if (lv == 1 && is_name(l->kind[f]))
            fw[f] += name_tf(l, f, p);
        if (is_identity(l->kind[f]))
            ident += fw[f];
    }
    for (f = 0; f < l->nf; f++) {
        if (ident <= 0 && !is_identity(l->kind[f]) && fw[f] > 0)
            fw[f] = 0;
        w += fw[f];
    }
    return w;
}

static double pattern_weight(const link_t *l, uint64_t pat, uint32_t p)
{
    double fw[LINK_MAX_FIELDS];
    return field_weights(l, pat, p, fw);
}

static double pair_weight(const link_t *l, uint32_t p, uint32_t q)
{
    return pattern_weight(l, compare_pattern(l, p, q), p);
}

/* The chain guard's test: p and q look like two people, not merely like
 * records too sparse to tell (a report with a name and no birth date
 * against a border crossing says little either way). A pair conflicts
 * when its weight is below the veto and some of its fields disagree by
 * at least GUARD_AGAINST bits between them. */
#define GUARD_AGAINST 5.0
static int pair_conflicts(const link_t *l, uint32_t p, uint32_t q)
{
    uint64_t pat = compare_pattern(l, p, q);
    double against = 0;
    size_t f;
    if (pattern_weight(l, pat, p) >= l->o.veto)
        return 0;
    for (f = 0; f < l->nf; f++) {
        int lv = (int)((pat >> (4 * f)) & 15);
        if (lv != 0 && l->w[f][lv] < 0)
            against += l->w[f][lv];
    }
    return against <= -GUARD_AGAINST;
}

/* ---- blocking ---- */

static size_t key_part(const link_t *l, const rule_t *r, int i, uint32_t p, char *out,
                       size_t cap)
{
    int f = r->field[i];
    const char *s, *us;
    size_t len, n;
    uint32_t id = l->pv[(size_t)p * l->nf + (size_t)f];

    if (id == 0)
        return 0;
    value(l, (size_t)f, p, &s, &len);
    switch (r->how[i]) {
    case T_NUMBER:
        us = memchr(s, 0x1f, len);
        if (us) {
            len -= (size_t)(us + 1 - s);
            s = us + 1;
        }
        break;
    case T_SOUND:
        s = l->dict[f].sound ? l->dict[f].sound[id] : s;
        len = strlen(s);
        break;
    case T_YEAR:
        if (len < 4)
            return 0;
        len = 4;
        break;
    case T_YEARMONTH:
        if (len < 6)
            return 0;
        len = 6;
        break;
    case T_INITIAL:
        len = 1;
        break;
    default:
        break;
    }
    n = len < cap ? len : cap;
    memcpy(out, s, n);
    return n;
}

/* The key of rule r for profile p as text (for reports) into out; its hash
 * is the return value (0: no key). */
static uint64_t rule_key(const link_t *l, const rule_t *r, uint32_t p, char *out, size_t cap)
{
    char a[80], b[80];
    size_t na, nb, n;

    na = key_part(l, r, 0, p, a, sizeof a);
    if (na == 0)
        return 0;
    nb = 0;
    if (r->nparts == 2) {
        nb = key_part(l, r, 1, p, b, sizeof b);
        if (nb == 0)
            return 0;
        if (r->how[0] == T_SOUNDPAIR) {
            /* the sound keys of the two names, as an unordered pair */
            const char *sa = l->dict[r->field[0]].sound[l->pv[(size_t)p * l->nf +
                                                               (size_t)r->field[0]]];
            const char *sb = l->dict[r->field[1]].sound[l->pv[(size_t)p * l->nf +
                                                               (size_t)r->field[1]]];
            if (!sa[0] || !sb[0])
                return 0;
            if (strcmp(sa, sb) > 0) {
                const char *t = sa;
                sa = sb;
                sb = t;
            }
            n = (size_t)snprintf(out, cap, "%s|%s", sa, sb);
            return strmap_hash(out, n < cap ? n : cap - 1) | 1;
        }
    }
    n = (size_t)snprintf(out, cap, "%.*s%s%.*s", (int)na, a, nb ? "|" : "", (int)nb, b);
    if (n >= cap)
        n = cap - 1;
    return strmap_hash(out, n) | 1;
}

typedef struct {
    uint64_t key;
    uint32_t p;
} keyed_t;

static int cmp_keyed(const void *x, const void *y)
{
    const keyed_t *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->p < b->p ? -1 : a->p > b->p;
}

/* A rule on a code field whose values are each held by more than
 * COARSE_CODE profiles on average (citizenship, sex) would make blocks
 * of thousands: it is not used. An employer (about ten people each) is. */
#define COARSE_CODE 50
static int coarse_code_rule(const link_t *l, const rule_t *r)
{
    int i;
    for (i = 0; i < r->nparts; i++) {
        const dict_t *d = &l->dict[r->field[i]];
        double held = 0;
        size_t v;
        if (l->kind[r->field[i]] != LINK_KIND_CODE)
            continue;
        for (v = 1; v < d->n; v++)
            held += d->count[v];
        if (d->n <= 1 || held / (double)(d->n - 1) > COARSE_CODE)
            return 1;
    }
    return 0;
}

static tw_err_t build_blocks(link_t *l)
{
    keyed_t *arr = NULL;
    char kb[160];
    int r;
    size_t p, i, j, n, t;
    tw_err_t err = TW_OK;

    l->keys = calloc((size_t)l->nrules * (l->np ? l->np : 1), sizeof *l->keys);
    arr = malloc((l->np ? l->np : 1) * sizeof *arr);
    if (!l->keys || !arr) {
        err = TW_ENOMEM;
        goto out;
    }
    for (r = 0; r < l->nrules; r++) {
        uint64_t *k = l->keys + (size_t)r * l->np;
        n = 0;
        if (coarse_code_rule(l, &l->rules[r]))
            continue; /* no keys: no pairs, nothing "already compared" */
        for (p = 0; p < l->np; p++) {
            if (!l->plinkable[p])
                continue;
            k[p] = rule_key(l, &l->rules[r], (uint32_t)p, kb, sizeof kb);
            if (k[p]) {
                arr[n].key = k[p];
                arr[n].p = (uint32_t)p;
                n++;
            }
        }
        qsort(arr, n, sizeof *arr, cmp_keyed);
        l->order[r] = malloc((n ? n : 1) * sizeof *l->order[r]);
        if (!l->order[r]) {
            err = TW_ENOMEM;
            goto out;
        }
        for (i = 0; i < n; i = j) {
            for (j = i + 1; j < n && arr[j].key == arr[i].key; j++)
                ;
            if (j - i > l->o.block_cap) {
                capped_t *c;
                if ((err = grow((void **)&l->capped, &l->capped_cap, l->ncapped + 1,
                                sizeof *l->capped)) != TW_OK)
                    goto out;
                c = &l->capped[l->ncapped++];
                snprintf(c->rule, sizeof c->rule, "%s", l->rules[r].name);
                rule_key(l, &l->rules[r], arr[i].p, c->key, sizeof c->key);
                c->size = j - i;
                for (t = i; t < j; t++)
                    k[arr[t].p] = 0; /* invariant 2 */
                continue;
            }
            for (t = i; t < j; t++)
                l->order[r][l->norder[r]++] = arr[t].p;
        }
    }
out:
    free(arr);
    return err;
}

/* ---- passes over the candidate pairs ---- */

enum { PASS_COUNT, PASS_EM, PASS_SCORE };

typedef struct {
    const link_t *l;
    int part, nparts, mode;
    int rule; /* -1: every rule, each pair once; r: the pairs sharing r's key */
    uint64_t sample_mod;
    size_t count;
    strmap_t pats;
    edge_t *edges;
    size_t nedges, cap;
    tw_err_t err;
} pass_t;

static int covered(const link_t *l, int r, uint32_t p, uint32_t q)
{
    int e;
    for (e = 0; e < r; e++) {
        uint64_t kp = l->keys[(size_t)e * l->np + p];
        if (kp && kp == l->keys[(size_t)e * l->np + q])
            return 1;
    }
    return 0;
}

static void pass_pair(pass_t *ps, uint32_t p, uint32_t q)
{
    const link_t *l = ps->l;
    uint64_t pat, *slot;
    int added;
    double w;

    ps->count++;
    switch (ps->mode) {
    case PASS_COUNT:
        return;
    case PASS_EM:
        if (ps->sample_mod > 1 &&
            strmap_mix64(((uint64_t)p << 32 | q) ^ l->o.seed) % ps->sample_mod != 0)
            return;
        pat = compare_pattern(l, p, q);
        if (strmap_put(&ps->pats, (const char *)&pat, sizeof pat, 0, &slot, &added, NULL) !=
            TW_OK) {
            ps->err = TW_ENOMEM;
            return;
        }
        (*slot)++;
        return;
    default:
        w = pair_weight(l, p, q);
        if (w < l->o.review_low)
            return;
        if (grow((void **)&ps->edges, &ps->cap, ps->nedges + 1, sizeof *ps->edges) != TW_OK) {
            ps->err = TW_ENOMEM;
            return;
        }
        ps->edges[ps->nedges].p = p;
        ps->edges[ps->nedges].q = q;
        ps->edges[ps->nedges].w = (float)w;
        ps->nedges++;
    }
}

static void *pass_run(void *arg)
{
    pass_t *ps = arg;
    const link_t *l = ps->l;
    uint64_t group = 0;
    int r;

    for (r = 0; r < l->nrules && ps->err == TW_OK; r++) {
        const uint64_t *k = l->keys + (size_t)r * l->np;
        if (ps->rule >= 0 && r != ps->rule)
            continue;
        const uint32_t *ord = l->order[r];
        size_t n = l->norder[r], i, j, a, b;
        for (i = 0; i < n; i = j) {
            for (j = i + 1; j < n && k[ord[j]] == k[ord[i]]; j++)
                ;
            if (group++ % (uint64_t)ps->nparts != (uint64_t)ps->part)
                continue;
            for (a = i; a < j; a++) {
                for (b = a + 1; b < j; b++) {
                    uint32_t p = ord[a], q = ord[b];
                    if (l->o.sources == 2 && l->psrc[p] == l->psrc[q])
                        continue;
                    if (ps->rule < 0 && l->only_new && !l->pnew[p] && !l->pnew[q])
                        continue;
                    if (p > q) {
                        uint32_t t = p;
                        p = q;
                        q = t;
                    }
                    if (ps->rule < 0 && covered(l, r, p, q))
                        continue;
                    pass_pair(ps, p, q);
                }
            }
        }
    }
    return NULL;
}

/* Runs a pass on `threads` threads; ps[0..threads) are filled. */
static tw_err_t run_pass(const link_t *l, int mode, uint64_t sample_mod, int rule, pass_t *ps,
                         int threads)
{
    pthread_t th[16];
    int t, started = 0;
    tw_err_t err = TW_OK;

    for (t = 0; t < threads; t++) {
        memset(&ps[t], 0, sizeof ps[t]);
        ps[t].l = l;
        ps[t].part = t;
        ps[t].nparts = threads;
        ps[t].mode = mode;
        ps[t].sample_mod = sample_mod;
        ps[t].rule = rule;
        strmap_init(&ps[t].pats);
    }
    for (t = 1; t < threads; t++) {
        if (pthread_create(&th[t], NULL, pass_run, &ps[t]) != 0)
            break;
        started = t;
    }
    if (started < threads - 1) {
        /* could not start them all: do the rest here, one after another */
        for (t = started + 1; t < threads; t++)
            pass_run(&ps[t]);
    }
    pass_run(&ps[0]);
    for (t = 1; t <= started; t++)
        pthread_join(th[t], NULL);
    for (t = 0; t < threads; t++)
        if (ps[t].err)
            err = ps[t].err;
    return err;
}

static void pass_free(pass_t *ps, int threads)
{
    int t;
    for (t = 0; t < threads; t++) {
        strmap_free(&ps[t].pats);
        free(ps[t].edges);
    }
}

/* ---- the model ---- */

static tw_err_t prepare_sound(link_t *l)
{
    size_t f, i;
    for (f = 0; f < l->nf; f++) {
        dict_t *d = &l->dict[f];
        if (!is_name(l->kind[f]))
            continue;
        if (d->sound)
            explicit_bzero(d->sound, d->nsound * sizeof *d->sound);
        free(d->sound);
        d->nsound = 0;
        d->sound = calloc(d->n, sizeof *d->sound);
        if (!d->sound)
            return TW_ENOMEM;
        d->nsound = d->n;
        for (i = 1; i < d->n; i++)
            link_sound_key(d->s[i], d->len[i], d->sound[i], SOUND_CAP);
    }
    return TW_OK;
}

/* The name-frequency adjustment of the exact level (Splink's term
 * frequency adjustment): log2(u_exact / tf(value)), tf counted over
 * profiles, clamped to +-6 bits. */
static tw_err_t prepare_tf(link_t *l)
{
    size_t f, i;
    for (f = 0; f < l->nf; f++) {
        dict_t *d = &l->dict[f];
        double total = 0;
        if (!is_name(l->kind[f]))
            continue;
        for (i = 1; i < d->n; i++)
            total += d->count[i];
        free(d->tfadj);
        d->tfadj = calloc(d->n, sizeof *d->tfadj);
        if (!d->tfadj)
            return TW_ENOMEM;
        if (total <= 0)
            continue;
        for (i = 1; i < d->n; i++) {
            double tf = d->count[i] / total, a;
            if (tf < 1.0 / total)
                tf = 1.0 / total;
            a = log2(l->u[f][1] / tf);
            d->tfadj[i] = (float)(a > 6 ? 6 : a < -6 ? -6 : a);
        }
    }
    return TW_OK;
}

static void model_weights(link_t *l)
{
    size_t f;
    int lv;
    for (f = 0; f < l->nf; f++)
        for (lv = 0; lv < l->nlev[f]; lv++)
            l->w[f][lv] = lv == 0 ? 0.0 : log2(l->m[f][lv] / l->u[f][lv]);
}

static void model_default_m(link_t *l)
{
    size_t f;
    int lv;
    for (f = 0; f < l->nf; f++) {
        int n = l->nlev[f];
        for (lv = 1; lv < n; lv++) {
            if (lv == 1)
                l->m[f][lv] = 0.8;
            else if (lv == n - 1)
                l->m[f][lv] = 0.05;
            else
                l->m[f][lv] = 0.15 / (n - 3 > 0 ? n - 3 : 1);
        }
    }
}

/* u from random pairs of profiles (of the two sources when linking). */
static tw_err_t estimate_u(link_t *l)
{
    double cnt[LINK_MAX_FIELDS][LEVELS_MAX];
    uint32_t *src[2] = {NULL, NULL};
    size_t nsrc[2] = {0, 0}, p, s, f;
    uint64_t rng = l->o.seed ^ 0x5eed;
    tw_err_t err = TW_OK;
    int lv;

    memset(cnt, 0, sizeof cnt);
    for (s = 0; s < 2; s++) {
        src[s] = malloc((l->np ? l->np : 1) * sizeof *src[s]);
        if (!src[s]) {
            err = TW_ENOMEM;
            goto out;
        }
    }
    for (p = 0; p < l->np; p++) {
        if (!l->plinkable[p])
            continue;
        s = l->o.sources == 2 ? l->psrc[p] : 0;
        src[s][nsrc[s]++] = (uint32_t)p;
    }
    if (l->o.sources == 1) {
        src[1] = memcpy(src[1], src[0], nsrc[0] * sizeof *src[0]);
        nsrc[1] = nsrc[0];
    }
    if (nsrc[0] > 0 && nsrc[1] > 0 && nsrc[0] + nsrc[1] > 2) {
        size_t i;
        for (i = 0; i < l->o.u_pairs; i++) {
            uint32_t a = src[0][splitmix(&rng) % nsrc[0]];
            uint32_t b = src[1][splitmix(&rng) % nsrc[1]];
            if (a == b)
                continue;
            for (f = 0; f < l->nf; f++)
                cnt[f][compare_field(l, f, a, b)] += 1;
        }
    }
    for (f = 0; f < l->nf; f++) {
        double tot = 0;
        for (lv = 1; lv < l->nlev[f]; lv++)
            tot += cnt[f][lv];
        for (lv = 1; lv < l->nlev[f]; lv++) {
            /* half a count of smoothing: a level never seen among random
             * pairs is rare, not impossible */
            l->u[f][lv] = (cnt[f][lv] + 0.5) / (tot + 0.5 * (l->nlev[f] - 1));
        }
    }
out:
    free(src[0]);
    free(src[1]);
    return err;
}

typedef struct {
    uint64_t pat;
    double n;
} patcount_t;

/* EM over comparison patterns with u held fixed: the match share lambda
 * and m of every field not in `mask` (fields a blocking rule fixed carry
 * no information about the pairs it found). */
static int em(const link_t *l, const patcount_t *pc, size_t npc, uint32_t mask, double *lambda,
              double m[][LEVELS_MAX])
{
    double sm[LINK_MAX_FIELDS][LEVELS_MAX], tot[LINK_MAX_FIELDS];
    int it, lv, iters = 0;
    size_t i, f;

    *lambda = 0.1;
    for (it = 0; it < l->o.em_iterations; it++) {
        double sg = 0, sn = 0, delta = 0, nl;
        memset(sm, 0, sizeof sm);
        memset(tot, 0, sizeof tot);
        for (i = 0; i < npc; i++) {
            double pm = *lambda, pu = 1.0 - *lambda, g;
            for (f = 0; f < l->nf; f++) {
                lv = (int)((pc[i].pat >> (4 * f)) & 15);
                if (lv == 0 || (mask >> f & 1))
                    continue;
                pm *= m[f][lv];
                pu *= l->u[f][lv];
            }
            g = pm + pu > 0 ? pm / (pm + pu) : 0;
            sg += g * pc[i].n;
            sn += pc[i].n;
            for (f = 0; f < l->nf; f++) {
                lv = (int)((pc[i].pat >> (4 * f)) & 15);
                if (lv == 0 || (mask >> f & 1))
                    continue;
                sm[f][lv] += g * pc[i].n;
                tot[f] += g * pc[i].n;
            }
        }
        if (sn <= 0)
            break;
        nl = sg / sn;
        if (nl < 1e-9)
            nl = 1e-9;
        if (nl > 1 - 1e-9)
            nl = 1 - 1e-9;
        delta = fabs(nl - *lambda);
        *lambda = nl;
        for (f = 0; f < l->nf; f++) {
            if (tot[f] <= 0 || (mask >> f & 1))
                continue;
            for (lv = 1; lv < l->nlev[f]; lv++) {
                double v = sm[f][lv] / tot[f];
                /* a level never seen among the matches is rare, not
                 * impossible: a floor bounds the evidence against */
                if (v < 1e-4)
                    v = 1e-4;
                delta = fmax(delta, fabs(v - m[f][lv]));
                m[f][lv] = v;
            }
        }
        iters = it + 1;
        if (delta < 1e-6)
            break;
    }
    return iters;
}

static uint32_t rule_mask(const rule_t *r)
{
    uint32_t mask = 0;
    int i;
    for (i = 0; i < r->nparts; i++)
        mask |= 1u << r->field[i];
    return mask;
}

/* P(a matching pair shares rule r's key), from m. */
static double rule_recall(const link_t *l, const rule_t *r)
{
    double rec = 1.0;
    int i;
    for (i = 0; i < r->nparts; i++) {
        int f = r->field[i];
        const double *m = l->m[f];
        switch (r->how[i]) {
        case T_SOUND:
        case T_SOUNDPAIR:
            rec *= m[1] + m[LINK_NAME_VARIANT];
            break;
        case T_YEAR:
            rec *= m[LINK_DATE_EXACT] + m[LINK_DATE_SWAPPED] + m[LINK_DATE_YEAR];
            break;
        case T_YEARMONTH:
            rec *= m[LINK_DATE_EXACT] + 0.5 * m[LINK_DATE_ONE_OFF];
            break;
        case T_INITIAL:
            rec *= 1.0 - m[l->nlev[f] - 1];
            break;
        default:
            rec *= m[1];
        }
    }
    return rec;
}

static tw_err_t rule_patterns(const link_t *l, int r, pass_t *ps, int threads,
                              patcount_t **out, size_t *nout, size_t *npairs)
{
    size_t total = 0, npc = 0, i;
    uint64_t mod = 1;
    strmap_t all;
    patcount_t *pc = NULL;
    int t;
    tw_err_t err;

    *out = NULL;
    *nout = *npairs = 0;
    if ((err = run_pass(l, PASS_COUNT, 1, r, ps, threads)) != TW_OK)
        goto out_pass;
    for (t = 0; t < threads; t++)
        total += ps[t].count;
    pass_free(ps, threads);
    *npairs = total;
    if (total == 0)
        return TW_OK;
    if (total > l->o.em_pairs && l->o.em_pairs > 0)
        mod = (total + l->o.em_pairs - 1) / l->o.em_pairs;
    if ((err = run_pass(l, PASS_EM, mod, r, ps, threads)) != TW_OK)
        goto out_pass;
    strmap_init(&all);
    for (t = 0; t < threads && err == TW_OK; t++) {
        for (i = 0; i < ps[t].pats.nslots; i++) {
            const strmap_slot_t *s = &ps[t].pats.slots[i];
            uint64_t *slot;
            if (!s->key)
                continue;
            if ((err = strmap_put(&all, s->key, s->len, 0, &slot, NULL, NULL)) != TW_OK)
                break;
            *slot += s->val;
        }
    }
    pc = malloc((all.count ? all.count : 1) * sizeof *pc);
    if (!pc && err == TW_OK)
        err = TW_ENOMEM;
    for (i = 0; err == TW_OK && i < all.nslots; i++) {
        if (!all.slots[i].key)
            continue;
        memcpy(&pc[npc].pat, all.slots[i].key, sizeof pc[npc].pat);
        pc[npc].n = (double)all.slots[i].val * (double)mod;
        npc++;
    }
    strmap_free(&all);
    if (err) {
        free(pc);
        pc = NULL;
        npc = 0;
    }
    *out = pc;
    *nout = npc;
out_pass:
    pass_free(ps, threads);
    return err;
}

static tw_err_t prepare(link_t *l)
{
    tw_err_t err;
    if (l->prepared)
        return TW_OK;
    free_results(l);
    l->ran = 0;
    if ((err = prepare_sound(l)) != TW_OK)
        return err;
    if ((err = build_blocks(l)) != TW_OK)
        return err;
    l->prepared = 1;
    return TW_OK;
}

/* Whether the match class EM found on one rule's pairs can be "same
 * person": among matches, every identifying field the rule left free
 * (names, birth date, documents) agrees exactly at least 30 % of the time
 * when it is known (fastLink's ordering constraint, loosened). */
#define PLAUSIBLE_DIFFERENT 0.1
static int plausible(const link_t *l, uint32_t mask, double m[][LEVELS_MAX])
{
    size_t f;
    for (f = 0; f < l->nf; f++) {
        link_kind_t k = l->kind[f];
        if (mask >> f & 1)
            continue;
        if ((is_name(k) || k == LINK_KIND_DATE || k == LINK_KIND_ID) && m[f][1] < 0.3)
            return 0;
        /* and a name or a birth date disagrees outright in at most one
         * match in ten: pairs sharing a phone or a flat (an agent's phone,
         * a dormitory) put in one class people who share nothing else */
        if ((is_name(k) || k == LINK_KIND_DATE) && m[f][l->nlev[f] - 1] > PLAUSIBLE_DIFFERENT)
            return 0;
    }
    return 1;
}

/* The model, as Splink trains it: u from random pairs; then per blocking
 * rule, EM over the pairs that share its key with the rule's own fields
 * left out, m of each field averaged over the rules that leave it free;
 * the number of matching pairs from each rule's match share divided by
 * the rule's recall (median over the rules); lambda, the chance that two
 * random records match, from that number over all pairs. */
static tw_err_t train(link_t *l)
{
    pass_t ps[16];
    double msum[LINK_MAX_FIELDS][LEVELS_MAX], mw[LINK_MAX_FIELDS];
    double mr[LINK_MAX_FIELDS][LEVELS_MAX], lam_r[RULES_MAX], pairs_r[RULES_MAX];
    double matches[RULES_MAX], allpairs, n0 = 0, n1 = 0;
    int r, lv, nm = 0, iters = 0;
    size_t f, p;
    tw_err_t err = TW_OK;

    if ((err = estimate_u(l)) != TW_OK)
        return err;
    model_default_m(l);
    memset(msum, 0, sizeof msum);
    memset(mw, 0, sizeof mw);
    for (r = 0; r < l->nrules; r++) {
        patcount_t *pc = NULL;
        size_t npc = 0, npairs = 0;
        uint32_t mask = rule_mask(&l->rules[r]);
        lam_r[r] = 0;
        pairs_r[r] = 0;
        if ((err = rule_patterns(l, r, ps, l->o.threads, &pc, &npc, &npairs)) != TW_OK)
            return err;
        if (npc == 0) {
            free(pc);
            continue;
        }
        memcpy(mr, l->m, sizeof mr);
        iters += em(l, pc, npc, mask, &lam_r[r], mr);
        free(pc);
        if (!plausible(l, mask, mr)) {
            /* the class EM found is not "same person" (coworkers sharing
             * an employer, an address and a phone form one too): this
             * rule says nothing about m or lambda */
            lam_r[r] = 0;
            continue;
        }
        pairs_r[r] = (double)npairs;
        for (f = 0; f < l->nf; f++) {
            double wgt = lam_r[r] * (double)npairs;
            if (mask >> f & 1)
                continue;
            for (lv = 1; lv < l->nlev[f]; lv++)
                msum[f][lv] += wgt * mr[f][lv];
            mw[f] += wgt;
        }
    }
    for (f = 0; f < l->nf; f++)
        if (mw[f] > 0)
            for (lv = 1; lv < l->nlev[f]; lv++)
                l->m[f][lv] = msum[f][lv] / mw[f];
    for (r = 0; r < l->nrules; r++) {
        double rec = rule_recall(l, &l->rules[r]);
        if (pairs_r[r] > 0 && rec > 0.05)
            matches[nm++] = lam_r[r] * pairs_r[r] / rec;
    }
    for (p = 0; p < l->np; p++) {
        if (l->o.sources == 2 && l->psrc[p] == 1)
            n1 += 1;
        else
            n0 += 1;
    }
    allpairs = l->o.sources == 2 ? n0 * n1 : n0 * (n0 - 1) / 2;
    if (nm > 0 && allpairs > 0) {
        /* the median over the rules */
        int i, j;
        for (i = 1; i < nm; i++)
            for (j = i; j > 0 && matches[j - 1] > matches[j]; j--) {
                double t = matches[j];
                matches[j] = matches[j - 1];
                matches[j - 1] = t;
            }
        l->lambda = (nm % 2 ? matches[nm / 2] : (matches[nm / 2 - 1] + matches[nm / 2]) / 2) /
                    allpairs;
    } else {
        l->lambda = allpairs > 0 ? 1.0 / allpairs : 1e-6;
    }
    if (l->lambda < 1e-12)
        l->lambda = 1e-12;
    if (l->lambda > 0.5)
        l->lambda = 0.5;
    l->em_iter = iters;
    model_weights(l);
    l->have_model = 1;
    return TW_OK;
}

tw_err_t link_train(link_t *l)
{
    tw_err_t err = prepare(l);
    if (err)
        return err;
    return train(l);
}

/* ---- clustering ---- */

typedef struct {
    uint32_t *parent, *size, *next, *tail;
} uf_t;

static uint32_t uf_find(uf_t *u, uint32_t x)
{
    while (u->parent[x] != x) {
        u->parent[x] = u->parent[u->parent[x]];
        x = u->parent[x];
    }
    return x;
}

static uint64_t pair_key(uint32_t a, uint32_t b)
{
    return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

/* Whether clusters ra and rb may be joined: no "not same" decision across
 * them, and (guard) no pair across weighing below the veto. */
static int join_allowed(link_t *l, uf_t *u, uint32_t ra, uint32_t rb, int guard)
{
    uint32_t x, y;
    size_t n = 0;
    if (l->cannot_set.count == 0 && (!guard || u->size[ra] + u->size[rb] <= 2))
        return 1;
    for (x = ra; x != UINT32_MAX; x = u->next[x]) {
        for (y = rb; y != UINT32_MAX; y = u->next[y]) {
            if (l->cannot_set.count) {
                uint64_t k = pair_key(x, y);
                if (strmap_get(&l->cannot_set, (const char *)&k, sizeof k))
                    return 0;
            }
            if (guard && u->size[ra] + u->size[rb] > 2 && n < LINK_GUARD_PAIRS) {
                n++;
                if (pair_conflicts(l, x < y ? x : y, x < y ? y : x))
                    return 0;
            }
        }
    }
    return 1;
}

static void uf_union(uf_t *u, uint32_t ra, uint32_t rb)
{
    if (u->size[ra] < u->size[rb]) {
        uint32_t t = ra;
        ra = rb;
        rb = t;
    }
    u->parent[rb] = ra;
    u->size[ra] += u->size[rb];
    u->next[u->tail[ra]] = rb;
    u->tail[ra] = u->tail[rb];
}

static int cmp_edge(const void *x, const void *y)
{
    const edge_t *a = x, *b = y;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    if (a->p != b->p)
        return a->p < b->p ? -1 : 1;
    return a->q < b->q ? -1 : a->q > b->q;
}

static tw_err_t add_join(link_t *l, uint32_t p, uint32_t q, float w, size_t *cap)
{
    tw_err_t err = grow((void **)&l->joins, cap, l->njoins + 1, sizeof *l->joins);
    if (err)
        return err;
    l->joins[l->njoins].p = p;
    l->joins[l->njoins].q = q;
    l->joins[l->njoins].w = w;
    l->njoins++;
    return TW_OK;
}

static tw_err_t cluster(link_t *l)
{
    uf_t u = {0};
    size_t i, jcap = 0;
    uint32_t *rootid = NULL;
    tw_err_t err = TW_OK;

    u.parent = malloc((l->np ? l->np : 1) * sizeof *u.parent);
    u.size = malloc((l->np ? l->np : 1) * sizeof *u.size);
    u.next = malloc((l->np ? l->np : 1) * sizeof *u.next);
    u.tail = malloc((l->np ? l->np : 1) * sizeof *u.tail);
    rootid = malloc((l->np ? l->np : 1) * sizeof *rootid);
    l->pcluster = malloc((l->np ? l->np : 1) * sizeof *l->pcluster);
    if (!u.parent || !u.size || !u.next || !u.tail || !rootid || !l->pcluster) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i < l->np; i++) {
        u.parent[i] = (uint32_t)i;
        u.size[i] = 1;
        u.next[i] = UINT32_MAX;
        u.tail[i] = (uint32_t)i;
    }
    strmap_free(&l->cannot_set);
    strmap_init(&l->cannot_set);
    for (i = 0; i < l->ncannot; i++) {
        uint64_t k = pair_key(l->rec_prof[l->cannot[2 * i]], l->rec_prof[l->cannot[2 * i + 1]]);
        if ((err = strmap_put(&l->cannot_set, (const char *)&k, sizeof k, 1, NULL, NULL,
                              NULL)) != TW_OK)
            goto out;
    }
    /* clerical "same" first, then what earlier runs joined, then the model */
    for (i = 0; i < l->nmust + l->nseeds; i++) {
        const uint32_t *pr = i < l->nmust ? &l->must[2 * i] : &l->seeds[2 * (i - l->nmust)];
        uint32_t p = l->rec_prof[pr[0]], q = l->rec_prof[pr[1]];
        uint32_t ra = uf_find(&u, p), rb = uf_find(&u, q);
        if (ra == rb)
            continue;
        if (!join_allowed(l, &u, ra, rb, 0))
            continue;
        uf_union(&u, ra, rb);
        if ((err = add_join(l, p, q, i < l->nmust ? INFINITY : NAN, &jcap)) != TW_OK)
            goto out;
    }
    if (l->nedges)
        qsort(l->edges, l->nedges, sizeof *l->edges, cmp_edge);
    for (i = 0; i < l->nedges && l->edges[i].w >= l->o.threshold; i++) {
        uint32_t ra = uf_find(&u, l->edges[i].p), rb = uf_find(&u, l->edges[i].q);
        if (ra == rb)
            continue;
        if (!join_allowed(l, &u, ra, rb, 1)) {
            l->chains_refused++;
            continue;
        }
        uf_union(&u, ra, rb);
        if ((err = add_join(l, l->edges[i].p, l->edges[i].q, l->edges[i].w, &jcap)) != TW_OK)
            goto out;
    }
    for (i = 0; i < l->np; i++)
        rootid[i] = UINT32_MAX;
    l->nclusters = 0;
    for (i = 0; i < l->np; i++) {
        uint32_t r = uf_find(&u, (uint32_t)i);
        if (rootid[r] == UINT32_MAX)
            rootid[r] = (uint32_t)l->nclusters++;
        l->pcluster[i] = rootid[r];
    }
out:
    free(u.parent);
    free(u.size);
    free(u.next);
    free(u.tail);
    free(rootid);
    return err;
}

tw_err_t link_run(link_t *l)
{
    pass_t ps[16];
    int t, threads = l->o.threads;
    size_t n = 0;
    tw_err_t err;

    if ((err = prepare(l)) != TW_OK)
        return err;
    if (!l->have_model && (err = train(l)) != TW_OK)
        return err;
    if ((err = prepare_tf(l)) != TW_OK)
        return err;
    free(l->edges);
    free(l->joins);
    free(l->pcluster);
    l->edges = l->joins = NULL;
    l->pcluster = NULL;
    l->nedges = l->njoins = 0;
    l->ran = 0;
    l->chains_refused = 0;
    if ((err = run_pass(l, PASS_SCORE, 1, -1, ps, threads)) != TW_OK)
        goto out;
    l->pairs_compared = 0;
    for (t = 0; t < threads; t++) {
        n += ps[t].nedges;
        l->pairs_compared += ps[t].count;
    }
    l->edges = malloc((n ? n : 1) * sizeof *l->edges);
    if (!l->edges) {
        err = TW_ENOMEM;
        goto out;
    }
    for (t = 0; t < threads; t++) {
        if (ps[t].nedges)
            memcpy(l->edges + l->nedges, ps[t].edges, ps[t].nedges * sizeof *l->edges);
        l->nedges += ps[t].nedges;
    }
    err = cluster(l);
    l->ran = err == TW_OK;
out:
    pass_free(ps, threads);
    return err;
}

/* ---- results ---- */

void link_stats(const link_t *l, link_stats_t *o)
{
    size_t i;
    memset(o, 0, sizeof *o);
    o->records = l->nrec;
    o->profiles = l->np;
    o->isolated = l->isolated;
    o->pairs_compared = l->pairs_compared;
    for (i = 0; i < l->nedges; i++) {
        if (l->edges[i].w >= l->o.threshold)
            o->pairs_linked++;
        else
            o->pairs_review++;
    }
    o->blocks_capped = l->ncapped;
    o->chains_refused = l->chains_refused;
    o->clusters = l->nclusters;
    o->lambda = l->lambda;
    o->em_iterations = l->em_iter;
}

tw_err_t link_each_capped(const link_t *l, link_capped_fn fn, void *ctx)
{
    size_t i;
    tw_err_t err;
    for (i = 0; i < l->ncapped; i++)
        if ((err = fn(ctx, l->capped[i].rule, l->capped[i].key, l->capped[i].size)) != TW_OK)
            return err;
    return TW_OK;
}

uint32_t link_cluster(const link_t *l, uint32_t rec)
{
    if (!l->ran || rec >= l->nrec)
        return UINT32_MAX;
    return l->pcluster[l->rec_prof[rec]];
}

tw_err_t link_each_pair(const link_t *l, double min_weight, link_pair_fn fn, void *ctx)
{
    size_t i, p;
    uint32_t a, b;
    tw_err_t err;

    if (!l->ran)
        return TW_EINTERNAL;
    for (i = 0; i < l->nedges; i++) {
        if (l->edges[i].w < min_weight)
            continue;
        for (a = l->prof_first[l->edges[i].p]; a != UINT32_MAX; a = l->rec_next[a])
            for (b = l->prof_first[l->edges[i].q]; b != UINT32_MAX; b = l->rec_next[b])
                if ((err = fn(ctx, a < b ? a : b, a < b ? b : a, l->edges[i].w)) != TW_OK)
                    return err;
    }
    for (p = 0; p < l->np; p++) {
        double w;
        if (l->prof_first[p] == l->prof_last[p])
            continue;
        w = pair_weight(l, (uint32_t)p, (uint32_t)p);
        if (w < min_weight)
            continue;
        for (a = l->prof_first[p]; a != UINT32_MAX; a = l->rec_next[a])
            for (b = l->rec_next[a]; b != UINT32_MAX; b = l->rec_next[b])
                if ((err = fn(ctx, a, b, w)) != TW_OK)
                    return err;
    }
    return TW_OK;
}

tw_err_t link_each_review(const link_t *l, link_pair_fn fn, void *ctx)
{
    size_t i;
    tw_err_t err;
    if (!l->ran)
        return TW_EINTERNAL;
    for (i = 0; i < l->nedges; i++) {
        const edge_t *e = &l->edges[i];
        if (e->w >= l->o.threshold)
            continue;
        if ((err = fn(ctx, l->prof_first[e->p], l->prof_first[e->q], e->w)) != TW_OK)
            return err;
    }
    return TW_OK;
}

tw_err_t link_each_join(const link_t *l, link_pair_fn fn, void *ctx)
{
    size_t i, p;
    uint32_t a;
    tw_err_t err;
    if (!l->ran)
        return TW_EINTERNAL;
    for (i = 0; i < l->njoins; i++)
        if ((err = fn(ctx, l->prof_first[l->joins[i].p], l->prof_first[l->joins[i].q],
                      l->joins[i].w)) != TW_OK)
            return err;
    for (p = 0; p < l->np; p++) {
        double w;
        if (l->prof_first[p] == l->prof_last[p])
            continue;
        w = pair_weight(l, (uint32_t)p, (uint32_t)p);
        for (a = l->rec_next[l->prof_first[p]]; a != UINT32_MAX; a = l->rec_next[a])
            if ((err = fn(ctx, l->prof_first[p], a, w)) != TW_OK)
                return err;
    }
    return TW_OK;
}

tw_err_t link_explain(const link_t *l, uint32_t a, uint32_t b, link_explain_t *out)
{
    double fw[LINK_MAX_FIELDS];
    uint64_t pat = 0;
    uint32_t p, q;
    size_t f;

    memset(out, 0, sizeof *out);
    if (a >= l->nrec || b >= l->nrec || !l->have_model)
        return TW_EINPUT;
    p = l->rec_prof[a];
    q = l->rec_prof[b];
    out->prior = log2(l->lambda / (1.0 - l->lambda));
    for (f = 0; f < l->nf; f++) {
        int lv = p == q ? (l->pv[(size_t)p * l->nf + f] ? 1 : 0) : compare_field(l, f, p, q);
        pat |= (uint64_t)lv << (4 * f);
    }
    out->total = field_weights(l, pat, p, fw);
    for (f = 0; f < l->nf; f++) {
        int lv = (int)((pat >> (4 * f)) & 15);
        double w = fw[f];
        out->item[out->n].field = l->fname[f];
        out->item[out->n].level = level_name(l->kind[f], lv);
        out->item[out->n].weight = w;
        out->item[out->n].field_index = (int)f;
        out->item[out->n].level_index = lv;
        out->item[out->n].kind = l->kind[f];
        out->n++;
    }
    out->probability = link_probability(out->total);
    return TW_OK;
}

tw_err_t link_explain_text(const link_explain_t *e, tw_buf_t *out)
{
    size_t i;
    tw_err_t err = TW_OK;
    for (i = 0; i < e->n && err == TW_OK; i++)
        err = buf_printf(out, "%s%s %s %+.1f", i ? ", " : "", e->item[i].field,
                         e->item[i].level, e->item[i].weight);
    if (err == TW_OK)
        err = buf_printf(out, "; prior %+.1f; total %+.1f (probability %.3f)", e->prior,
                         e->total, e->probability);
    return err;
}

/* ---- the model as JSON ---- */

tw_err_t link_model_json(const link_t *l, tw_buf_t *b)
{
    size_t f;
    int lv;
    tw_err_t err;

    if (!l->have_model)
        return TW_EINPUT;
    if ((err = buf_printf(b, "{\"version\":1,\"lambda\":%.17g,\"fields\":[", l->lambda)) != TW_OK)
        return err;
    for (f = 0; f < l->nf; f++) {
        err = buf_printf(b, "%s{\"name\":\"%s\",\"kind\":\"%s\",\"m\":[", f ? "," : "",
                         l->fname[f], link_kind_name(l->kind[f]));
        for (lv = 1; err == TW_OK && lv < l->nlev[f]; lv++)
            err = buf_printf(b, "%s%.17g", lv > 1 ? "," : "", l->m[f][lv]);
        if (err == TW_OK)
            err = buf_adds(b, "],\"u\":[");
        for (lv = 1; err == TW_OK && lv < l->nlev[f]; lv++)
            err = buf_printf(b, "%s%.17g", lv > 1 ? "," : "", l->u[f][lv]);
        if (err == TW_OK)
            err = buf_adds(b, "]}");
        if (err)
            return err;
    }
    return buf_adds(b, "]}");
}

tw_err_t link_model_load(link_t *l, const char *text, size_t len, tw_errinfo_t *ei)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je), *fields, *lam;
    tw_err_t err = TW_OK;
    size_t f;
    int lv;

    if (!root)
        return tw_errinfo_set(ei, TW_EINPUT, "link model: %s (line %d)", je.text, je.line);
    fields = json_object_get(root, "fields");
    lam = json_object_get(root, "lambda");
    if (!json_is_array(fields) || json_array_size(fields) != l->nf || !json_is_number(lam)) {
        err = tw_errinfo_set(ei, TW_EINPUT, "link model: does not describe these %zu fields",
                             l->nf);
        goto out;
    }
    l->lambda = json_number_value(lam);
    if (!(l->lambda > 0 && l->lambda < 1)) {
        err = tw_errinfo_set(ei, TW_EINPUT, "link model: lambda must be in (0, 1)");
        goto out;
    }
    for (f = 0; f < l->nf; f++) {
        json_t *fo = json_array_get(fields, f);
        json_t *m = json_object_get(fo, "m"), *u = json_object_get(fo, "u");
        const char *kind = json_string_value(json_object_get(fo, "kind"));
        if (!kind || strcmp(kind, link_kind_name(l->kind[f])) != 0 || !json_is_array(m) ||
            !json_is_array(u) || json_array_size(m) != (size_t)(l->nlev[f] - 1) ||
            json_array_size(u) != (size_t)(l->nlev[f] - 1)) {
            err = tw_errinfo_set(ei, TW_EINPUT, "link model: field %zu (%s) does not fit", f,
                                 l->fname[f]);
            goto out;
        }
        for (lv = 1; lv < l->nlev[f]; lv++) {
            double mv = json_number_value(json_array_get(m, (size_t)lv - 1));
            double uv = json_number_value(json_array_get(u, (size_t)lv - 1));
            if (!(mv > 0 && mv <= 1) || !(uv > 0 && uv <= 1)) {
                err = tw_errinfo_set(ei, TW_EINPUT,
                                     "link model: field %s: probabilities must be in (0, 1]",
                                     l->fname[f]);
                goto out;
            }
            l->m[f][lv] = mv;
            l->u[f][lv] = uv;
        }
    }
    model_weights(l);
    l->have_model = 1;
out:
    json_decref(root);
    return err;
}
