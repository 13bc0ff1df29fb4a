/*
 * persons.c - persons across the registers with stable ids (contract in
 * persons.h; the method in link.h; the reasoning in
 * docs/internals/link.md).
 *
 * A run:
 *   1. reads the current version of every permit, border-crossing and
 *      report row through store_scan (a first scan finds the rows that have
 *      later versions, the second adds each row once, at its latest
 *      version), gives it its linkage values and their hash; adds the NRM
 *      cases its caller handed over (persons_opts_t.cases) in the same
 *      normal forms, their hash the owner's keyed change token;
 *   2. reads what the last runs left: person_record (record -> person,
 *      hash), the model of the last run, the clerical decisions;
 *   3. full mode (first run, --full): EM on all records, every candidate
 *      pair compared. Incremental: the stored model, the stored persons as
 *      seeds, only pairs with a new or changed record compared;
 *   4. gives each cluster a person id (invariants 2 and 3 of persons.h)
 *      and writes persons, records, events, joins with their evidence, the
 *      review band, the workers whose person changed (for the screening)
 *      and the run's counts, in one transaction; case records the run did
 *      not read follow their merged person, or are forgotten when the
 *      cases were read and they are gone.
 * Data: recs_t holds, per record, its key ("permits:ID", in the strmap's
 * arena) and its old person and hash; the linker holds the values.
 * Thread model: one run per store at a time (the write transaction
 * serialises two processes); the linker's threads only compare.
 */
#include "link/persons.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "base/strmap.h"
#include "ingest/norm.h"
#include "link/link_config.h"

enum { F_GIVEN, F_FAMILY, F_DATE, F_DOC, F_CITIZEN, F_SEX, F_PHONE, F_EMPLOYER, F_ADDRESS, NF };

static const link_field_t person_fields[NF] = {
    {"given name", LINK_KIND_GIVEN},     {"family name", LINK_KIND_FAMILY},
    {"birth date", LINK_KIND_DATE},      {"document", LINK_KIND_ID},
    {"citizenship", LINK_KIND_CODE},     {"sex", LINK_KIND_CODE},
    {"phone", LINK_KIND_PHONE},          {"employer", LINK_KIND_CODE},
    {"address", LINK_KIND_ADDRESS}};

/* The fields' codes in the evidence's JSON form (the web UI translates
 * them: link.field.CODE, link.level.KIND.LEVEL). */
static const char *const field_codes[NF] = {"given", "family", "date", "document", "citizenship",
                                            "sex", "phone", "employer", "address"};

static tw_err_t detail_json(const link_explain_t *e, tw_buf_t *b)
{
    size_t i;
    tw_err_t err = buf_printf(b, "{\"prior\":%.2f,\"total\":%.2f,\"items\":[", e->prior, e->total);
    for (i = 0; err == TW_OK && i < e->n; i++) {
        int f = e->item[i].field_index;
        err = buf_printf(b, "%s[\"%s\",%d,%.2f]", i ? "," : "",
                         f >= 0 && f < NF ? field_codes[f] : "?", e->item[i].level_index,
                         e->item[i].weight);
    }
    if (err == TW_OK)
        err = buf_adds(b, "]}");
    return err;
}

void persons_opts_default(persons_opts_t *o)
{
    memset(o, 0, sizeof *o);
    link_opts_default(&o->link);
}

/* ---- the records ---- */

typedef struct {
    strmap_t idx;          /* record key -> record number */
    const char **key;      /* record number -> key (the map's copy) */
    int64_t *old_pid;      /* 0: not linked before */
    uint64_t *hash;        /* of the linkage values now */
    uint64_t *old_hash;
    int64_t *worker;       /* worker entity of the record; 0: none */
    size_t n, cap;
} recs_t;

static void recs_free(recs_t *r)
{
    strmap_free(&r->idx);
    free((void *)r->key);
    free(r->old_pid);
    free(r->hash);
    free(r->old_hash);
    free(r->worker);
}

static tw_err_t recs_add(recs_t *r, const char *key, size_t len, uint64_t hash)
{
    const char *k;
    int added;
    tw_err_t err;

    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 1024;
        void *a;
        if (!(a = realloc((void *)r->key, nc * sizeof *r->key)))
            return TW_ENOMEM;
        r->key = a;
        if (!(a = realloc(r->old_pid, nc * sizeof *r->old_pid)))
            return TW_ENOMEM;
        r->old_pid = a;
        if (!(a = realloc(r->hash, nc * sizeof *r->hash)))
            return TW_ENOMEM;
        r->hash = a;
        if (!(a = realloc(r->old_hash, nc * sizeof *r->old_hash)))
            return TW_ENOMEM;
        r->old_hash = a;
        if (!(a = realloc(r->worker, nc * sizeof *r->worker)))
            return TW_ENOMEM;
        r->worker = a;
        r->cap = nc;
    }
    if ((err = strmap_put(&r->idx, key, len, r->n, NULL, &added, &k)) != TW_OK)
        return err;
    if (!added)
        return TW_ECONFLICT; /* one record twice: the caller's bug */
    r->key[r->n] = k;
    r->old_pid[r->n] = 0;
    r->old_hash[r->n] = 0;
    r->hash[r->n] = hash;
    r->worker[r->n] = 0;
    r->n++;
    return TW_OK;
}

/* One register as the linkage sees it. */
typedef struct {
    reg_id_t reg;
    const char *prefix;
    const char *cols[NF + 2]; /* row_key, version, then per field (NULL: none) */
} source_t;

/* Column order of the scan: 0 row_key, 1 version, then the ones below. */
enum {
    C_KEY,
    C_VERSION,
    C_GIVEN,
    C_FAMILY,
    C_DATE,
    C_DOC,
    C_DOCCOUNTRY,
    C_CITIZEN,
    C_SEX,
    C_PHONE,
    C_EMPLOYER,
    C_ADDRESS,
    C_COUNT
};

static const char *const permit_cols[] = {
    "row_key",           "version",          "worker_given_name_norm", "worker_family_name_norm",
    "worker_birth_date", "worker_doc_no_norm", "worker_doc_country",   "worker_citizenship",
    "worker_sex",        "worker_phone_e164", "employer_tin",          "worker_address_norm",
    "worker_ref",        NULL};
static const char *const border_cols[] = {
    "row_key", "version",     "given_name_norm", "family_name_norm", "birth_date", "doc_no_norm",
    "doc_country", "citizenship", "sex", "worker_ref", NULL};
static const char *const report_cols[] = {
    "row_key", "version", "subject_name_norm", "subject_birth_date", "subject_citizenship",
    "phone_e164", "employer_tin", "address_norm", NULL};

/* How often each normalised name is written as a given and as a family
 * name in the registers that have both fields: a report's one name field
 * is split the way these counts make likelier. */
typedef struct {
    strmap_t given, family;
} name_freq_t;

typedef struct {
    link_t *l;
    recs_t *recs;
    name_freq_t *freq;
    strmap_t later;  /* row_key -> latest version, for rows with several */
    const char *prefix;
    reg_id_t reg;
    size_t added;
    char keybuf[512];
} scan_ctx_t;

static tw_err_t versions_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    scan_ctx_t *s = ctx;
    uint64_t *slot;
    int added;
    tw_err_t err;
    (void)row_id;
    (void)n;
    if (c[1].num <= 1 || c[0].null)
        return TW_OK;
    if ((err = strmap_put(&s->later, c[0].text, c[0].len, (uint64_t)c[1].num, &slot, &added,
                          NULL)) != TW_OK)
        return err;
    if ((uint64_t)c[1].num > *slot)
        *slot = (uint64_t)c[1].num;
    return TW_OK;
}

static void cell(const store_cell_t *c, const char **s, size_t *len)
{
    if (c->null || !c->text) {
        *s = "";
        *len = 0;
    } else {
        *s = c->text;
        *len = c->len;
    }
}

/* "YYYY-MM-DD" -> "YYYYMMDD"; other text: its digits (at most 8). */
static size_t date_digits(const char *s, size_t len, char out[8])
{
    size_t n = 0, i;
    for (i = 0; i < len && n < 8; i++)
        if (s[i] >= '0' && s[i] <= '9')
            out[n++] = s[i];
    return n;
}

static tw_err_t freq_add(strmap_t *m, const char *s, size_t len)
{
    uint64_t *slot;
    tw_err_t err = strmap_put(m, s, len, 0, &slot, NULL, NULL);
    if (err == TW_OK)
        (*slot)++;
    return err;
}

static double freq_of(const strmap_t *m, const char *s, size_t len)
{
    const uint64_t *v = len ? strmap_get(m, s, len) : NULL;
    return v ? (double)*v : 0.0;
}

/* How well (given, family) reads as a given and a family name: the log
 * odds of each part being used in that role rather than the other. An
 * initial ("k") reads as a given name. */
static double name_score(const name_freq_t *f, const char *g, size_t gl, const char *fa,
                         size_t fl)
{
    double sg, sf;
    if (!f)
        return 0;
    sg = log((freq_of(&f->given, g, gl) + 0.5) / (freq_of(&f->family, g, gl) + 0.5));
    sf = log((freq_of(&f->family, fa, fl) + 0.5) / (freq_of(&f->given, fa, fl) + 0.5));
    if (gl == 1)
        sg += 2;
    if (fl == 1)
        sf -= 2;
    return sg + sf;
}

/* One name field, in either order ("Olga Petrenko", "Petrenko Olga",
 * "UDDIN K."), as a report or a case writes it: the split into given name
 * (one token) and family name (the rest) that the permit and border
 * registers make likelier - the first token as the given name, or the
 * last one; a single name goes to the part it is used as more often. */
static void split_name(const name_freq_t *freq, const char *nm, size_t nl, const char **g,
                       size_t *gl, const char **f, size_t *fl)
{
    size_t sp, lp;
    for (sp = 0; sp < nl && nm[sp] != ' '; sp++)
        ;
    for (lp = nl; lp > 0 && nm[lp - 1] != ' '; lp--)
        ;
    *g = nm;
    *gl = sp;
    *f = "";
    *fl = 0;
    if (sp == nl && nl > 1 && name_score(freq, "", 0, nm, nl) > 0) {
        /* one name only: the part the registers use it as more often
         * ("Lebedev" a family name, "Olga" a given one) */
        *f = nm;
        *fl = nl;
        *g = "";
        *gl = 0;
    } else if (sp < nl) {
        double first = name_score(freq, nm, sp, nm + sp + 1, nl - sp - 1);
        double last = name_score(freq, nm + lp, nl - lp, nm, lp - 1);
        if (last > first) {
            *g = nm + lp;
            *gl = nl - lp;
            *f = nm;
            *fl = lp - 1;
        } else {
            *f = nm + sp + 1;
            *fl = nl - sp - 1;
        }
    }
}

static tw_err_t record_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    scan_ctx_t *s = ctx;
    const char *v[NF];
    size_t len[NF], i, kl;
    char date[8], doc[160];
    uint64_t h;
    uint64_t *latest;
    tw_err_t err;
    const store_cell_t *cg, *cf, *cd, *cdoc = NULL, *cdc = NULL, *cc, *csx = NULL, *cph = NULL,
                                                   *cem = NULL, *cad = NULL;
    (void)row_id;
    (void)n;
    if (c[0].null || c[0].len == 0)
        return TW_OK;
    latest = strmap_get(&s->later, c[0].text, c[0].len);
    if (latest && (uint64_t)c[1].num != *latest)
        return TW_OK; /* an earlier version */
    for (i = 0; i < NF; i++) {
        v[i] = "";
        len[i] = 0;
    }
    if (s->reg == REG_REPORTS) {
        const char *nm;
        size_t nl;
        cell(&c[2], &nm, &nl);
        split_name(s->freq, nm, nl, &v[F_GIVEN], &len[F_GIVEN], &v[F_FAMILY], &len[F_FAMILY]);
        cd = &c[3];
        cc = &c[4];
        cph = &c[5];
        cem = &c[6];
        cad = &c[7];
    } else {
        cg = &c[2];
        cf = &c[3];
        cd = &c[4];
        cdoc = &c[5];
        cdc = &c[6];
        cc = &c[7];
        csx = &c[8];
        cell(cg, &v[F_GIVEN], &len[F_GIVEN]);
        cell(cf, &v[F_FAMILY], &len[F_FAMILY]);
        if (s->reg == REG_PERMITS) {
            cph = &c[9];
            cem = &c[10];
            cad = &c[11];
        }
    }
    {
        const char *ds;
        size_t dl;
        cell(cd, &ds, &dl);
        v[F_DATE] = date;
        len[F_DATE] = date_digits(ds, dl, date);
    }
    if (cdoc) {
        const char *dn, *dc;
        size_t dnl, dcl;
        cell(cdoc, &dn, &dnl);
        cell(cdc, &dc, &dcl);
        if (dnl > 0 && dnl + dcl + 1 < sizeof doc) {
            memcpy(doc, dc, dcl);
            doc[dcl] = 0x1f;
            memcpy(doc + dcl + 1, dn, dnl);
            v[F_DOC] = doc;
            len[F_DOC] = dcl + 1 + dnl;
        }
    }
    cell(cc, &v[F_CITIZEN], &len[F_CITIZEN]);
    if (csx)
        cell(csx, &v[F_SEX], &len[F_SEX]);
    if (cph)
        cell(cph, &v[F_PHONE], &len[F_PHONE]);
    if (cem)
        cell(cem, &v[F_EMPLOYER], &len[F_EMPLOYER]);
    if (cad)
        cell(cad, &v[F_ADDRESS], &len[F_ADDRESS]);
    if (s->reg != REG_REPORTS && s->freq &&
        ((len[F_GIVEN] && (err = freq_add(&s->freq->given, v[F_GIVEN], len[F_GIVEN]))) ||
         (len[F_FAMILY] && (err = freq_add(&s->freq->family, v[F_FAMILY], len[F_FAMILY])))))
        return err;
    h = 0x9e3779b97f4a7c15ULL;
    for (i = 0; i < NF; i++)
        h = strmap_mix64(h ^ strmap_hash(v[i], len[i]) ^ (uint64_t)i);
    kl = (size_t)snprintf(s->keybuf, sizeof s->keybuf, "%s:%.*s", s->prefix, (int)c[0].len,
                          c[0].text);
    if (kl >= sizeof s->keybuf)
        return TW_OK; /* ids are at most 64 bytes (value_ident): never here */
    if ((err = recs_add(s->recs, s->keybuf, kl, h & INT64_MAX)) != TW_OK)
        return err;
    if ((err = link_add(s->l, 0, v, len, NULL)) != TW_OK)
        return err;
    if (s->reg == REG_PERMITS && !c[12].null)
        s->recs->worker[s->recs->n - 1] = c[12].num;
    else if (s->reg == REG_BORDER && !c[9].null)
        s->recs->worker[s->recs->n - 1] = c[9].num;
    s->added++;
    return TW_OK;
}

static tw_err_t load_register(store_t *st, reg_id_t reg, const char *prefix,
                              const char *const *cols, link_t *l, recs_t *recs,
                              name_freq_t *freq, size_t *count)
{
    static const char *const vcols[] = {"row_key", "version", NULL};
    scan_ctx_t s;
    tw_err_t err;

    memset(&s, 0, sizeof s);
    s.l = l;
    s.recs = recs;
    s.prefix = prefix;
    s.reg = reg;
    s.freq = freq;
    strmap_init(&s.later);
    if ((err = store_scan(st, reg, vcols, versions_row, &s)) == TW_OK)
        err = store_scan(st, reg, cols, record_row, &s);
    strmap_free(&s.later);
    *count = s.added;
    return err;
}

/* ---- the tables ---- */


static tw_err_t exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? TW_OK : TW_EDB;
}

static tw_err_t prep(sqlite3 *db, const char *sql, sqlite3_stmt **s)
{
    return sqlite3_prepare_v2(db, sql, -1, s, NULL) == SQLITE_OK ? TW_OK : TW_EDB;
}

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- NRM cases (handed over by their owner; nothing of them is kept) ---- */

/* The cases' identities as the registers' normal forms, added as records
 * "cases:ID" with the owner's change token as their hash. A value that
 * does not normalise (a phone that is no phone) is left out, not the case. */
static tw_err_t load_cases(const persons_opts_t *o, link_t *l, recs_t *recs,
                           const name_freq_t *freq, size_t *count)
{
    norm_t *nm = NULL;
    char name[4096], doc[160], phone[64], date[8], key[64], cit[4], sex[2];
    size_t i;
    tw_err_t err;

    *count = 0;
    if (o->ncases == 0)
        return TW_OK;
    if ((err = norm_open(&nm)) != TW_OK)
        return err;
    for (i = 0; i < o->ncases; i++) {
        const persons_case_t *c = &o->cases[i];
        const char *v[NF];
        size_t len[NF], j, nl = 0, kl;
        for (j = 0; j < NF; j++) {
            v[j] = "";
            len[j] = 0;
        }
        if (c->name && c->name[0] &&
            norm_name(nm, c->name, strlen(c->name), name, sizeof name, &nl) == TW_OK && nl)
            split_name(freq, name, nl, &v[F_GIVEN], &len[F_GIVEN], &v[F_FAMILY],
                       &len[F_FAMILY]);
        if (c->birth_date) {
            v[F_DATE] = date;
            len[F_DATE] = date_digits(c->birth_date, strlen(c->birth_date), date);
        }
        if (c->document && c->document[0]) {
            const char *colon = strchr(c->document, ':');
            size_t cl = colon ? (size_t)(colon - c->document) : 0, dl = 0;
            const char *dn = colon ? colon + 1 : c->document;
            if (cl < 8) {
                for (j = 0; j < cl; j++)
                    doc[j] = (char)(c->document[j] >= 'a' && c->document[j] <= 'z'
                                        ? c->document[j] - 32
                                        : c->document[j]);
                doc[cl] = 0x1f;
                if (norm_docno(dn, strlen(dn), doc + cl + 1, sizeof doc - cl - 1, &dl) ==
                        TW_OK &&
                    dl > 0) {
                    v[F_DOC] = doc;
                    len[F_DOC] = cl + 1 + dl;
                }
            }
        }
        if (c->citizenship && strlen(c->citizenship) == 3) {
            for (j = 0; j < 3; j++)
                cit[j] = (char)(c->citizenship[j] >= 'a' && c->citizenship[j] <= 'z'
                                    ? c->citizenship[j] - 32
                                    : c->citizenship[j]);
            cit[3] = '\0';
            v[F_CITIZEN] = cit;
            len[F_CITIZEN] = 3;
        }
        if (c->sex && (strcmp(c->sex, "F") == 0 || strcmp(c->sex, "M") == 0)) {
            sex[0] = c->sex[0];
            sex[1] = '\0';
            v[F_SEX] = sex;
            len[F_SEX] = 1;
        }
        if (c->phone && c->phone[0]) {
            size_t pl = 0;
            if (norm_phone(c->phone, strlen(c->phone), phone, sizeof phone, &pl) == TW_OK) {
                v[F_PHONE] = phone;
                len[F_PHONE] = pl;
            }
        }
        kl = (size_t)snprintf(key, sizeof key, "cases:%lld", (long long)c->id);
        if ((err = recs_add(recs, key, kl, (c->change_token & INT64_MAX) | 1)) != TW_OK ||
            (err = link_add(l, 0, v, len, NULL)) != TW_OK)
            break;
        (*count)++;
    }
    /* the plaintext's copies in this frame: explicit_bzero, which the
     * compiler cannot drop as it may a memset of locals about to die; the
     * normaliser wipes its caches when closed */
    explicit_bzero(name, sizeof name);
    explicit_bzero(doc, sizeof doc);
    explicit_bzero(phone, sizeof phone);
    explicit_bzero(date, sizeof date);
    explicit_bzero(cit, sizeof cit);
    explicit_bzero(sex, sizeof sex);
    norm_close(nm);
    return err;
}

/* Case records of earlier runs that this run did not read. Without the
 * cases (no key file) they stay, following their person into the one it
 * was merged into; with them, one that is gone (purged) is forgotten. */
static tw_err_t carry_cases(store_t *st, const recs_t *r, int cases_read)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc, hops;

    if (!cases_read) {
        for (hops = 0; hops < 64; hops++) {
            if ((err = exec(db, "UPDATE person_record SET person_id = (SELECT p.merged_into "
                                "FROM person p WHERE p.id = person_record.person_id) WHERE "
                                "person_id IN (SELECT id FROM person WHERE status = 'merged')")))
                return err;
            if (sqlite3_changes(db) == 0)
                break;
        }
        return TW_OK;
    }
    if ((err = prep(db, "SELECT record FROM person_record WHERE record >= 'cases:' AND "
                        "record < 'cases;'",
                    &s)))
        return err;
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        char gone[64];
        if (!k || strmap_get(&r->idx, k, (size_t)sqlite3_column_bytes(s, 0)))
            continue;
        snprintf(gone, sizeof gone, "%s", k);
        sqlite3_reset(s); /* the delete below changes the table being read */
        err = persons_forget(st, gone);
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

/* The stored state: old persons of the records, the last model. */
static tw_err_t load_old(sqlite3 *db, recs_t *r, char **model, size_t *nold)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;

    *model = NULL;
    *nold = 0;
    if ((err = prep(db, "SELECT record, person_id, content_hash FROM person_record", &s)))
        return err;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(s, 0);
        uint64_t *i = k ? strmap_get(&r->idx, k, (size_t)sqlite3_column_bytes(s, 0)) : NULL;
        if (!i)
            continue; /* a record no longer in the registers */
        r->old_pid[*i] = sqlite3_column_int64(s, 1);
        r->old_hash[*i] = (uint64_t)sqlite3_column_int64(s, 2);
        (*nold)++;
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    if (err)
        return err;
    if ((err = prep(db, "SELECT model FROM link_run WHERE model IS NOT NULL AND finished_at "
                        "IS NOT NULL ORDER BY id DESC LIMIT 1",
                    &s)))
        return err;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0)) {
        *model = strdup((const char *)sqlite3_column_text(s, 0));
        if (!*model)
            err = TW_ENOMEM;
    }
    sqlite3_finalize(s);
    return err;
}

static tw_err_t load_decisions(sqlite3 *db, recs_t *r, link_t *l, size_t *n)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;

    *n = 0;
    if ((err = prep(db, "SELECT a, b, decision FROM link_decision WHERE decision != 'unsure'",
                    &s)))
        return err;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *a = (const char *)sqlite3_column_text(s, 0);
        const char *b = (const char *)sqlite3_column_text(s, 1);
        const char *d = (const char *)sqlite3_column_text(s, 2);
        uint64_t *ia = a ? strmap_get(&r->idx, a, strlen(a)) : NULL;
        uint64_t *ib = b ? strmap_get(&r->idx, b, strlen(b)) : NULL;
        if (!ia || !ib || !d)
            continue;
        if ((err = link_constrain(l, (uint32_t)*ia, (uint32_t)*ib, strcmp(d, "same") == 0)))
            break;
        (*n)++;
    }
    if (!err && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

/* ---- stable ids ---- */

typedef struct {
    int64_t pid;
    uint32_t best;   /* cluster keeping the id */
    uint32_t best_n; /* its records of this person */
} oldp_t;

typedef struct {
    sqlite3 *db;
    link_t *l;
    recs_t *r;
    int64_t run;
    int full;
    int64_t *cid;        /* cluster -> person id */
    uint8_t *touched;    /* cluster -> written this run */
    sqlite3_stmt *ins_join;
    tw_buf_t ev, det;
    size_t joins;
    size_t workers_queued; /* for the screening (person_worker_change) */
} write_ctx_t;

static tw_err_t write_join(void *ctx, uint32_t a, uint32_t b, double w)
{
    write_ctx_t *c = ctx;
    link_explain_t ex;
    uint32_t cl = link_cluster(c->l, a);
    const char *how;
    tw_err_t err;

    if (!c->touched[cl])
        return TW_OK;
    if (c->r->hash[a] == c->r->hash[b] && !isinf(w))
        return TW_OK; /* identical records: persons_show groups them by hash */
    how = isinf(w) ? "decision" : w != w ? "earlier" : "model";
    if ((err = link_explain(c->l, a, b, &ex)) != TW_OK)
        return err;
    buf_reset(&c->ev);
    buf_reset(&c->det);
    if ((err = link_explain_text(&ex, &c->ev)) != TW_OK || (err = detail_json(&ex, &c->det)))
        return err;
    sqlite3_bind_text(c->ins_join, 7, buf_str(&c->det), (int)c->det.len, SQLITE_STATIC);
    sqlite3_bind_int64(c->ins_join, 1, c->cid[cl]);
    sqlite3_bind_text(c->ins_join, 2, c->r->key[a], -1, SQLITE_STATIC);
    sqlite3_bind_text(c->ins_join, 3, c->r->key[b], -1, SQLITE_STATIC);
    sqlite3_bind_text(c->ins_join, 4, how, -1, SQLITE_STATIC);
    sqlite3_bind_double(c->ins_join, 5, ex.total);
    sqlite3_bind_text(c->ins_join, 6, buf_str(&c->ev), (int)c->ev.len, SQLITE_STATIC);
    if (sqlite3_step(c->ins_join) != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_reset(c->ins_join);
    c->joins++;
    return err;
}

typedef struct {
    sqlite3_stmt *ins;
    link_t *l;
    recs_t *r;
    int64_t run;
    tw_buf_t ev, det;
    size_t n;
} review_ctx_t;

static tw_err_t write_review(void *ctx, uint32_t a, uint32_t b, double w)
{
    review_ctx_t *c = ctx;
    link_explain_t ex;
    tw_err_t err;
    const char *ka = c->r->key[a], *kb = c->r->key[b];

    if (strcmp(ka, kb) > 0) {
        const char *t = ka;
        ka = kb;
        kb = t;
    }
    if ((err = link_explain(c->l, a, b, &ex)) != TW_OK)
        return err;
    buf_reset(&c->ev);
    buf_reset(&c->det);
    if ((err = link_explain_text(&ex, &c->ev)) != TW_OK || (err = detail_json(&ex, &c->det)))
        return err;
    sqlite3_bind_text(c->ins, 6, buf_str(&c->det), (int)c->det.len, SQLITE_STATIC);
    sqlite3_bind_text(c->ins, 1, ka, -1, SQLITE_STATIC);
    sqlite3_bind_text(c->ins, 2, kb, -1, SQLITE_STATIC);
    sqlite3_bind_double(c->ins, 3, w);
    sqlite3_bind_text(c->ins, 4, buf_str(&c->ev), (int)c->ev.len, SQLITE_STATIC);
    sqlite3_bind_int64(c->ins, 5, c->run);
    err = sqlite3_step(c->ins) == SQLITE_DONE ? TW_OK : TW_EDB;
    sqlite3_reset(c->ins);
    c->n++;
    return err;
}

typedef struct {
    sqlite3_stmt *ins;
    int64_t run;
} capped_ctx_t;

static tw_err_t write_capped(void *ctx, const char *rule, const char *key, size_t size)
{
    capped_ctx_t *c = ctx;
    tw_err_t err;
    sqlite3_bind_int64(c->ins, 1, c->run);
    sqlite3_bind_text(c->ins, 2, rule, -1, SQLITE_STATIC);
    sqlite3_bind_text(c->ins, 3, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(c->ins, 4, (int64_t)size);
    err = sqlite3_step(c->ins) == SQLITE_DONE ? TW_OK : TW_EDB;
    sqlite3_reset(c->ins);
    return err;
}

static tw_err_t set_add(strmap_t *m, int64_t v)
{
    return strmap_put(m, (const char *)&v, sizeof v, 0, NULL, NULL, NULL);
}

static int set_has(const strmap_t *m, int64_t v)
{
    return v != 0 && strmap_get(m, (const char *)&v, sizeof v) != NULL;
}

/* Queues worker `wk` for the screening (statement q: run, worker), once
 * per run: `queued` holds the workers already queued. */
static tw_err_t queue_worker(strmap_t *queued, sqlite3_stmt *q, int64_t run, int64_t wk)
{
    int added = 0;
    tw_err_t err = strmap_put(queued, (const char *)&wk, sizeof wk, 0, NULL, &added, NULL);
    if (err || !added)
        return err;
    sqlite3_bind_int64(q, 1, run);
    sqlite3_bind_int64(q, 2, wk);
    err = sqlite3_step(q) == SQLITE_DONE ? TW_OK : TW_EDB;
    sqlite3_reset(q);
    return err;
}

/* person_worker, written whole: each worker to the person of its first
 * record. Before it is replaced, the workers whose person changed are
 * queued for the screening (person_worker_change): every worker, before or
 * after, of a person that gained or lost a record of the registers in this
 * run (case records do not move what the engine reads). A split leaves
 * the id with the larger part, so "the same person id" is not "the same
 * records": the part that kept the id is queued too. */
static tw_err_t write_workers(write_ctx_t *w)
{
    sqlite3_stmt *s = NULL, *q = NULL;
    strmap_t moved, queued; /* persons that gained or lost; workers queued */
    tw_err_t err = TW_OK;
    size_t i;
    int rc;

    strmap_init(&moved);
    strmap_init(&queued);
    for (i = 0; i < w->r->n && err == TW_OK; i++) {
        int64_t now = w->cid[link_cluster(w->l, (uint32_t)i)];
        if (w->r->old_pid[i] == now || strncmp(w->r->key[i], "cases:", 6) == 0)
            continue;
        if (w->r->old_pid[i] != 0)
            err = set_add(&moved, w->r->old_pid[i]);
        if (err == TW_OK)
            err = set_add(&moved, now);
    }
    if (err)
        goto out;
    if ((err = prep(w->db, "INSERT INTO person_worker_change(run, worker_id) VALUES(?1, ?2)",
                    &q)))
        goto out;
    /* the workers of those persons as the last run left them */
    if ((err = prep(w->db, "SELECT worker_id, person_id FROM person_worker", &s)))
        goto out;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && err == TW_OK) {
        int64_t wk = sqlite3_column_int64(s, 0);
        if (!set_has(&moved, sqlite3_column_int64(s, 1)))
            continue;
        err = queue_worker(&queued, q, w->run, wk);
    }
    if (err == TW_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        err = TW_EDB;
    sqlite3_finalize(s);
    s = NULL;
    if (err)
        goto out;
    /* and as this run leaves them */
    for (i = 0; i < w->r->n && err == TW_OK; i++) {
        int64_t wk = w->r->worker[i];
        if (wk <= 0 || !set_has(&moved, w->cid[link_cluster(w->l, (uint32_t)i)]))
            continue;
        err = queue_worker(&queued, q, w->run, wk);
    }
    w->workers_queued = queued.count;
    if (err)
        goto out;
    if ((err = exec(w->db, "DELETE FROM person_worker")) ||
        (err = prep(w->db, "INSERT OR IGNORE INTO person_worker(worker_id, person_id) "
                           "VALUES(?1, ?2)",
                    &s)))
        goto out;
    for (i = 0; i < w->r->n && err == TW_OK; i++) {
        if (w->r->worker[i] <= 0)
            continue;
        sqlite3_bind_int64(s, 1, w->r->worker[i]);
        sqlite3_bind_int64(s, 2, w->cid[link_cluster(w->l, (uint32_t)i)]);
        if (sqlite3_step(s) != SQLITE_DONE)
            err = TW_EDB;
        sqlite3_reset(s);
    }
out:
    sqlite3_finalize(s);
    sqlite3_finalize(q);
    strmap_free(&moved);
    strmap_free(&queued);
    return err;
}

/* Gives every cluster its person id and writes the tables. */
static tw_err_t assign_and_write(write_ctx_t *w, size_t nclusters, size_t *merged,
                                 size_t *split, size_t *created)
{
    recs_t *r = w->r;
    strmap_t om; /* old pid -> index in op */
    oldp_t *op = NULL;
    size_t nop = 0, opcap = 0, i;
    strmap_t pc;
    sqlite3_stmt *ins_person = NULL, *upd_person = NULL, *merge_person = NULL, *ev = NULL,
                 *up_rec = NULL, *del_join = NULL;
    tw_err_t err = TW_OK;

    strmap_init(&om);
    strmap_init(&pc);
    *merged = *split = *created = 0;
    w->cid = calloc(nclusters ? nclusters : 1, sizeof *w->cid);
    w->touched = calloc(nclusters ? nclusters : 1, 1);
    if (!w->cid || !w->touched) {
        err = TW_ENOMEM;
        goto out;
    }
    /* which cluster holds most of each old person's records */
    for (i = 0; i < r->n; i++) {
        uint32_t c = link_cluster(w->l, (uint32_t)i);
        uint64_t *slot, *cs, key[2];
        int added;
        if (r->old_pid[i] == 0 || r->old_hash[i] != r->hash[i])
            w->touched[c] = 1;
        if (r->old_pid[i] == 0)
            continue;
        if ((err = strmap_put(&om, (const char *)&r->old_pid[i], sizeof r->old_pid[i], nop,
                              &slot, &added, NULL)))
            goto out;
        if (added) {
            if (nop == opcap) {
                size_t nc = opcap ? opcap * 2 : 1024;
                oldp_t *np = realloc(op, nc * sizeof *np);
                if (!np) {
                    err = TW_ENOMEM;
                    goto out;
                }
                op = np;
                opcap = nc;
            }
            op[nop].pid = r->old_pid[i];
            op[nop].best = c;
            op[nop].best_n = 0;
            nop++;
        }
        key[0] = (uint64_t)r->old_pid[i];
        key[1] = c;
        if ((err = strmap_put(&pc, (const char *)key, sizeof key, 0, &cs, NULL, NULL)))
            goto out;
        (*cs)++;
        if (*cs > op[*slot].best_n) {
            op[*slot].best_n = (uint32_t)*cs;
            op[*slot].best = c;
        }
    }
    /* the keeper of each cluster: the oldest (smallest) id it keeps */
    for (i = 0; i < nop; i++) {
        int64_t *id = &w->cid[op[i].best];
        if (*id == 0 || op[i].pid < *id)
            *id = op[i].pid;
    }
    if ((err = prep(w->db, "INSERT INTO person(created_run, updated_run) VALUES(?1, ?1)",
                    &ins_person)) ||
        (err = prep(w->db, "UPDATE person SET updated_run = ?2 WHERE id = ?1", &upd_person)) ||
        (err = prep(w->db,
                    "UPDATE person SET status = 'merged', merged_into = ?2, updated_run = ?3 "
                    "WHERE id = ?1",
                    &merge_person)) ||
        (err = prep(w->db,
                    "INSERT INTO person_event(run, kind, person_id, other_id, records) "
                    "VALUES(?1, ?2, ?3, ?4, ?5)",
                    &ev)) ||
        (err = prep(w->db,
                    "INSERT INTO person_record(record, person_id, content_hash, run) "
                    "VALUES(?1, ?2, ?3, ?4) ON CONFLICT(record) DO UPDATE SET "
                    "person_id = excluded.person_id, content_hash = excluded.content_hash, "
                    "run = excluded.run",
                    &up_rec)) ||
        (err = prep(w->db, "DELETE FROM person_join WHERE person_id = ?1", &del_join)))
        goto out;
    for (i = 0; i < nclusters; i++) {
        if (w->cid[i] != 0)
            continue;
        sqlite3_bind_int64(ins_person, 1, w->run);
        if (sqlite3_step(ins_person) != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
        sqlite3_reset(ins_person);
        w->cid[i] = sqlite3_last_insert_rowid(w->db);
        w->touched[i] = 1;
        (*created)++;
    }
    /* merges: an old person whose best cluster kept another id */
    for (i = 0; i < nop; i++) {
        int64_t keep = w->cid[op[i].best];
        w->touched[op[i].best] |= keep != op[i].pid;
        if (keep == op[i].pid)
            continue;
        sqlite3_bind_int64(merge_person, 1, op[i].pid);
        sqlite3_bind_int64(merge_person, 2, keep);
        sqlite3_bind_int64(merge_person, 3, w->run);
        sqlite3_bind_int64(ev, 1, w->run);
        sqlite3_bind_text(ev, 2, "merged", -1, SQLITE_STATIC);
        sqlite3_bind_int64(ev, 3, keep);
        sqlite3_bind_int64(ev, 4, op[i].pid);
        sqlite3_bind_int64(ev, 5, op[i].best_n);
        sqlite3_bind_int64(del_join, 1, op[i].pid);
        if (sqlite3_step(merge_person) != SQLITE_DONE || sqlite3_step(ev) != SQLITE_DONE ||
            sqlite3_step(del_join) != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
        sqlite3_reset(merge_person);
        sqlite3_reset(ev);
        sqlite3_reset(del_join);
        (*merged)++;
    }
    /* splits: records of an old person in a cluster that is not its best */
    for (i = 0; i < pc.nslots; i++) {
        const strmap_slot_t *s = &pc.slots[i];
        uint64_t key[2];
        uint64_t *oi;
        if (!s->key)
            continue;
        memcpy(key, s->key, sizeof key);
        oi = strmap_get(&om, (const char *)&key[0], sizeof(int64_t));
        if (!oi || op[*oi].best == (uint32_t)key[1])
            continue;
        w->touched[key[1]] = 1;
        sqlite3_bind_int64(ev, 1, w->run);
        sqlite3_bind_text(ev, 2, "split", -1, SQLITE_STATIC);
        sqlite3_bind_int64(ev, 3, w->cid[key[1]]);
        sqlite3_bind_int64(ev, 4, (int64_t)key[0]);
        sqlite3_bind_int64(ev, 5, (int64_t)s->val);
        if (sqlite3_step(ev) != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
        sqlite3_reset(ev);
        (*split)++;
    }
    /* records whose person or values changed */
    for (i = 0; i < r->n; i++) {
        uint32_t c = link_cluster(w->l, (uint32_t)i);
        if (r->old_pid[i] == w->cid[c] && r->old_hash[i] == r->hash[i])
            continue;
        sqlite3_bind_text(up_rec, 1, r->key[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(up_rec, 2, w->cid[c]);
        sqlite3_bind_int64(up_rec, 3, (int64_t)r->hash[i]);
        sqlite3_bind_int64(up_rec, 4, w->run);
        if (sqlite3_step(up_rec) != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
        sqlite3_reset(up_rec);
    }
    /* the joins of every cluster written this run, with their evidence */
    if (w->full) {
        if ((err = exec(w->db, "DELETE FROM person_join")))
            goto out;
        memset(w->touched, 1, nclusters);
    }
    for (i = 0; i < nclusters; i++) {
        if (!w->touched[i] || w->full)
            continue;
        sqlite3_bind_int64(del_join, 1, w->cid[i]);
        sqlite3_bind_int64(upd_person, 1, w->cid[i]);
        sqlite3_bind_int64(upd_person, 2, w->run);
        if (sqlite3_step(del_join) != SQLITE_DONE || sqlite3_step(upd_person) != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
        sqlite3_reset(del_join);
        sqlite3_reset(upd_person);
    }
    if ((err = prep(w->db,
                    "INSERT INTO person_join(person_id, a, b, how, weight, evidence, detail) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    &w->ins_join)))
        goto out;
    if ((err = link_each_join(w->l, write_join, w)) != TW_OK)
        goto out;
    err = write_workers(w);
out:
    sqlite3_finalize(ins_person);
    sqlite3_finalize(upd_person);
    sqlite3_finalize(merge_person);
    sqlite3_finalize(ev);
    sqlite3_finalize(up_rec);
    sqlite3_finalize(del_join);
    sqlite3_finalize(w->ins_join);
    w->ins_join = NULL;
    strmap_free(&om);
    strmap_free(&pc);
    free(op);
    return err;
}

/* ---- the run ---- */

static tw_err_t log_capped(void *ctx, const char *rule, const char *key, size_t size)
{
    fprintf((FILE *)ctx, "link: block over the cap, not compared: %s = '%s' (%zu records)\n",
            rule, key, size);
    return TW_OK;
}

/* What a link run read and a concurrent writer may change: the decisions
 * (how many, the latest time, which way: a decision changed within the
 * same second changes the sum), the link runs, the person records and the
 * disputed pairs. */
#define LINK_FINGERPRINT_SQL                                                                   \
    "SELECT (SELECT count(*) || '/' || coalesce(max(decided_at), '') || '/' || "                \
    "coalesce(sum(rowid * length(decision)), 0) FROM link_decision) || '/' || "                 \
    "(SELECT coalesce(max(id), 0) FROM link_run) || '/' || "                                     \
    "(SELECT count(*) FROM person_record) || '/' || (SELECT coalesce(max(run), 0) FROM "        \
    "person_record) || '/' || (SELECT count(*) FROM link_review WHERE run = 0)"

static tw_err_t fingerprint(sqlite3 *db, char *out, size_t cap)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    if ((err = prep(db, LINK_FINGERPRINT_SQL, &s)))
        return err;
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(out, cap, "%s", (const char *)sqlite3_column_text(s, 0));
    else
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t persons_link_store(store_t *st, const persons_opts_t *opts, tw_errinfo_t *ei)
{
    static const struct {
        reg_id_t reg;
        const char *prefix;
        const char *const *cols;
    } regs[] = {{REG_PERMITS, "permits", permit_cols},
                {REG_BORDER, "border", border_cols},
                {REG_REPORTS, "reports", report_cols}};
    persons_opts_t o = *opts;
    sqlite3 *db = store_sqlite(st);
    link_t *l = NULL;
    recs_t r;
    name_freq_t freq;
    char *model = NULL, started[32], finished[32];
    size_t nold = 0, ndec = 0, nnew = 0, i, counts[3] = {0, 0, 0}, ncases = 0;
    size_t merged = 0, split = 0, created = 0;
    int full, began = 0, locked = 0;
    int64_t run = 0;
    char fp_read[160] = "", fp_write[160] = "";
    link_stats_t ls;
    write_ctx_t w;
    review_ctx_t rv;
    capped_ctx_t cc = {0};
    tw_buf_t mj;
    sqlite3_stmt *s = NULL;
    tw_err_t err;

    memset(&r, 0, sizeof r);
    memset(&w, 0, sizeof w);
    memset(&rv, 0, sizeof rv);
    strmap_init(&r.idx);
    strmap_init(&freq.given);
    strmap_init(&freq.family);
    buf_init(&mj, (size_t)1 << 20);
    buf_init(&w.ev, (size_t)1 << 16);
    buf_init(&rv.ev, (size_t)1 << 16);
    buf_init(&w.det, (size_t)1 << 16);
    buf_init(&rv.det, (size_t)1 << 16);
    now_iso(started);
    if (o.config_path && (err = link_config_read(o.config_path, &o.link, o.have_threshold,
                                                  o.have_block_cap, ei)) != TW_OK)
        goto out;
    o.link.sources = 1;
    if ((err = link_new(person_fields, NF, &o.link, &l)) != TW_OK)
        goto out;
    /* with a write lock the records are read from one snapshot, without
     * holding the store's write lock while they are compared */
    if ((err = o.write_lock ? store_begin_read(st) : store_begin(st)) != TW_OK)
        goto out;
    began = 1;
    for (i = 0; i < 3; i++) /* reports last: they use the names' counts */
        if ((err = load_register(st, regs[i].reg, regs[i].prefix, regs[i].cols, l, &r, &freq,
                                 &counts[i])) != TW_OK)
            goto out;
    if ((err = load_cases(&o, l, &r, &freq, &ncases)) != TW_OK)
        goto out;
    strmap_free(&freq.given);
    strmap_free(&freq.family);
    strmap_init(&freq.given);
    strmap_init(&freq.family);
    if ((err = load_old(db, &r, &model, &nold)) != TW_OK)
        goto out;
    full = o.full || !model || nold == 0;
    if (!full) {
        tw_errinfo_t mei;
        tw_errinfo_clear(&mei);
        if (link_model_load(l, model, strlen(model), &mei) != TW_OK)
            full = 1; /* a model of other fields: estimate again */
    }
    /* seeds: what earlier runs joined, for unchanged records */
    {
        strmap_t first; /* old pid -> its first unchanged record */
        strmap_init(&first);
        for (i = 0; i < r.n; i++) {
            uint64_t *slot;
            int added;
            int changed = r.old_pid[i] == 0 || r.old_hash[i] != r.hash[i];
            if (changed) {
                link_mark_new(l, (uint32_t)i);
                nnew++;
                continue;
            }
            if (full)
                continue;
            if ((err = strmap_put(&first, (const char *)&r.old_pid[i], sizeof r.old_pid[i], i,
                                  &slot, &added, NULL)) != TW_OK)
                break;
            if (!added && (err = link_seed(l, (uint32_t)*slot, (uint32_t)i)) != TW_OK)
                break;
        }
        strmap_free(&first);
        if (err)
            goto out;
    }
    if (!full)
        link_only_new(l);
    if ((err = load_decisions(db, &r, l, &ndec)) != TW_OK)
        goto out;
    if (o.write_lock) {
        if ((err = fingerprint(db, fp_read, sizeof fp_read)) != TW_OK)
            goto out;
        store_end_read(st);
        began = 0;
    }
    if (full && (err = link_train(l)) != TW_OK)
        goto out;
    if ((err = link_run(l)) != TW_OK)
        goto out;
    if (o.write_lock) {
        o.write_lock(o.lock_ctx, 1);
        locked = 1;
        if ((err = store_begin(st)) != TW_OK)
            goto out;
        began = 1;
        if ((err = fingerprint(db, fp_write, sizeof fp_write)) != TW_OK)
            goto out;
        if (strcmp(fp_read, fp_write) != 0) {
            err = tw_errinfo_set(ei, TW_ECONFLICT,
                                 "the persons changed while they were being linked (a "
                                 "decision, a dispute or another link run): run it again");
            goto out;
        }
    }
    if ((err = prep(db, "INSERT INTO link_run(started_at, mode) VALUES(?1, ?2)", &s)))
        goto out;
    sqlite3_bind_text(s, 1, started, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, full ? "full" : "incremental", -1, SQLITE_STATIC);
    err = sqlite3_step(s) == SQLITE_DONE ? TW_OK : TW_EDB;
    sqlite3_finalize(s);
    s = NULL;
    if (err)
        goto out;
    run = sqlite3_last_insert_rowid(db);
    link_stats(l, &ls);
    w.db = db;
    w.l = l;
    w.r = &r;
    w.run = run;
    w.full = full;
    if ((err = assign_and_write(&w, ls.clusters, &merged, &split, &created)) != TW_OK ||
        (err = carry_cases(st, &r, o.cases_read)) != TW_OK)
        goto out;
    /* the review band */
    if (full && (err = exec(db, "DELETE FROM link_review")))
        goto out;
    if ((err = prep(db,
                    "INSERT INTO link_review(a, b, weight, evidence, run, detail) VALUES(?1, ?2, "
                    "?3, ?4, ?5, ?6) ON CONFLICT(a, b) DO UPDATE SET weight = excluded.weight, "
                    "evidence = excluded.evidence, detail = excluded.detail, run = excluded.run",
                    &rv.ins)))
        goto out;
    rv.l = l;
    rv.r = &r;
    rv.run = run;
    err = link_each_review(l, write_review, &rv);
    sqlite3_finalize(rv.ins);
    if (err)
        goto out;
    if ((err = prep(db, "INSERT INTO link_capped(run, rule, key, size) VALUES(?1,?2,?3,?4)",
                    &cc.ins)))
        goto out;
    cc.run = run;
    err = link_each_capped(l, write_capped, &cc);
    sqlite3_finalize(cc.ins);
    if (err)
        goto out;
    if (full) {
        if ((err = link_model_json(l, &mj)) != TW_OK)
            goto out;
    } else if ((err = buf_adds(&mj, model)) != TW_OK) {
        goto out;
    }
    now_iso(finished);
    if ((err = prep(db,
                    "UPDATE link_run SET finished_at = ?2, records = ?3, new_records = ?4, "
                    "persons = (SELECT count(DISTINCT person_id) FROM person_record), "
                    "pairs_compared = ?5, pairs_linked = ?6, review = ?7, isolated = ?8, "
                    "blocks_capped = ?9, chains_refused = ?10, merged = ?11, split = ?12, "
                    "model = ?13 WHERE id = ?1",
                    &s)))
        goto out;
    sqlite3_bind_int64(s, 1, run);
    sqlite3_bind_text(s, 2, finished, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, (int64_t)r.n);
    sqlite3_bind_int64(s, 4, (int64_t)nnew);
    sqlite3_bind_int64(s, 5, (int64_t)ls.pairs_compared);
    sqlite3_bind_int64(s, 6, (int64_t)ls.pairs_linked);
    sqlite3_bind_int64(s, 7, (int64_t)rv.n);
    sqlite3_bind_int64(s, 8, (int64_t)ls.isolated);
    sqlite3_bind_int64(s, 9, (int64_t)ls.blocks_capped);
    sqlite3_bind_int64(s, 10, (int64_t)ls.chains_refused);
    sqlite3_bind_int64(s, 11, (int64_t)merged);
    sqlite3_bind_int64(s, 12, (int64_t)split);
    sqlite3_bind_text(s, 13, buf_str(&mj), (int)mj.len, SQLITE_STATIC);
    err = sqlite3_step(s) == SQLITE_DONE ? TW_OK : TW_EDB;
    sqlite3_finalize(s);
    s = NULL;
    if (err)
        goto out;
    if ((err = store_commit(st)) != TW_OK)
        goto out;
    began = 0;
    if (locked) {
        o.write_lock(o.lock_ctx, 0);
        locked = 0;
    }
    if (o.log) {
        fprintf(o.log,
                "link: run %lld (%s): %zu records (permits %zu, border %zu, reports %zu, "
                "cases %zu), %zu "
                "new or changed; %zu pairs compared, %zu linked, %zu in the review band; "
                "%zu persons created, %zu merged, %zu split; %zu records without a name or "
                "document left alone; %zu blocks over the cap; %zu joins refused by the "
                "chain guard; %zu clerical decisions applied; %zu workers to screen again\n",
                (long long)run, full ? "full" : "incremental", r.n, counts[0], counts[1],
                counts[2], ncases, nnew, ls.pairs_compared, ls.pairs_linked, rv.n, created, merged,
                split, ls.isolated, ls.blocks_capped, ls.chains_refused, ndec,
                w.workers_queued);
        link_each_capped(l, log_capped, o.log);
    }
out:
    if (began && !locked && o.write_lock)
        store_end_read(st);
    else if (began)
        store_rollback(st);
    if (locked)
        o.write_lock(o.lock_ctx, 0);
    if (err == TW_EDB && ei && !ei->msg[0])
        tw_errinfo_set(ei, TW_EDB, "link: %s", store_errmsg(st));
    free(model);
    free(w.cid);
    free(w.touched);
    buf_free(&w.ev);
    buf_free(&rv.ev);
    buf_free(&w.det);
    buf_free(&rv.det);
    buf_free(&mj);
    link_free(l);
    recs_free(&r);
    strmap_free(&freq.given);
    strmap_free(&freq.family);
    return err;
}

static tw_err_t open_db(const char *path, store_t **st, tw_errinfo_t *ei)
{
    tw_err_t err = store_open(path, st, ei);
    if (err && ei && !ei->file[0])
        tw_errinfo_file(ei, path);
    return err;
}

tw_err_t persons_link(const char *db_path, const persons_opts_t *o, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    tw_err_t err = open_db(db_path, &st, ei);
    if (err)
        return err;
    err = persons_link_store(st, o, ei);
    store_close(st);
    return err;
}

/* ---- reading ---- */

tw_err_t persons_export(const char *db_path, int json, FILE *out, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    sqlite3_stmt *s = NULL;
    tw_buf_t b;
    tw_err_t err;
    int rc, first = 1;

    buf_init(&b, 4096);
    if ((err = open_db(db_path, &st, ei)) != TW_OK)
        return err;
    if ((err = prep(store_sqlite(st),
                    "SELECT record, person_id FROM person_record ORDER BY person_id, record",
                    &s)))
        goto out;
    fputs(json ? "[" : "record,person_id\n", out);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *rec = (const char *)sqlite3_column_text(s, 0);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        long long pid = sqlite3_column_int64(s, 1);
        if (json) {
            buf_reset(&b);
            if ((err = json_str(&b, rec, len)) != TW_OK)
                goto out;
            fprintf(out, "%s\n{\"record\":%s,\"person_id\":%lld}", first ? "" : ",",
                    buf_str(&b), pid);
        } else if (memchr(rec, ',', len) || memchr(rec, '"', len)) {
            size_t i;
            fputc('"', out);
            for (i = 0; i < len; i++) {
                if (rec[i] == '"')
                    fputc('"', out);
                fputc(rec[i], out);
            }
            fprintf(out, "\",%lld\n", pid);
        } else {
            fprintf(out, "%s,%lld\n", rec, pid);
        }
        first = 0;
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
    if (json)
        fputs(first ? "]\n" : "\n]\n", out);
    if (ferror(out))
        err = TW_EIO;
out:
    sqlite3_finalize(s);
    buf_free(&b);
    store_close(st);
    return err;
}

tw_err_t persons_show(const char *db_path, int64_t pid, FILE *out, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    sqlite3 *db;
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc, hops = 0;
    int64_t id = pid;
    long long last_hash = 0;

    if ((err = open_db(db_path, &st, ei)) != TW_OK)
        return err;
    db = store_sqlite(st);
    /* a merged id: follow it to the survivor */
    for (;;) {
        if ((err = prep(db, "SELECT status, merged_into, created_run FROM person WHERE id = ?1",
                        &s)))
            goto out;
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) != SQLITE_ROW) {
            err = tw_errinfo_set(ei, TW_ENOTFOUND, "no person %lld", (long long)id);
            goto out;
        }
        if (strcmp((const char *)sqlite3_column_text(s, 0), "merged") == 0 && hops < 64) {
            int64_t to = sqlite3_column_int64(s, 1);
            fprintf(out, "person %lld was merged into person %lld\n", (long long)id,
                    (long long)to);
            id = to;
            hops++;
            sqlite3_finalize(s);
            s = NULL;
            continue;
        }
        fprintf(out, "person %lld (created by link run %lld)\n", (long long)id,
                (long long)sqlite3_column_int64(s, 2));
        break;
    }
    sqlite3_finalize(s);
    s = NULL;
    if ((err = prep(db,
                    "SELECT record, content_hash FROM person_record WHERE person_id = ?1 "
                    "ORDER BY content_hash, record",
                    &s)))
        goto out;
    sqlite3_bind_int64(s, 1, id);
    fputs("records (records on one line hold the same compared values):\n", out);
    {
        int n = 0;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            long long h = sqlite3_column_int64(s, 1);
            if (n == 0 || h != last_hash)
                fprintf(out, "%s  %s", n ? "\n" : "", sqlite3_column_text(s, 0));
            else
                fprintf(out, ", %s", sqlite3_column_text(s, 0));
            last_hash = h;
            n++;
        }
        if (n)
            fputc('\n', out);
        if (rc != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
    }
    sqlite3_finalize(s);
    s = NULL;
    if ((err = prep(db,
                    "SELECT a, b, how, weight, evidence FROM person_join WHERE person_id = ?1 "
                    "ORDER BY weight DESC, a, b",
                    &s)))
        goto out;
    sqlite3_bind_int64(s, 1, id);
    fputs("links:\n", out);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *how = (const char *)sqlite3_column_text(s, 2);
        fprintf(out, "  %s = %s (%s): %s\n", sqlite3_column_text(s, 0),
                sqlite3_column_text(s, 1),
                strcmp(how, "model") == 0      ? "linked by the model"
                : strcmp(how, "decision") == 0 ? "a reviewer decided: same person"
                                               : "joined by an earlier run",
                sqlite3_column_text(s, 4));
    }
    if (rc != SQLITE_DONE)
        err = TW_EDB;
out:
    sqlite3_finalize(s);
    store_close(st);
    return err;
}

tw_err_t persons_history(const char *db_path, FILE *out, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;

    if ((err = open_db(db_path, &st, ei)) != TW_OK)
        return err;
    if ((err = prep(store_sqlite(st),
                    "SELECT run, kind, person_id, other_id, records FROM person_event ORDER "
                    "BY id",
                    &s)))
        goto out;
    fputs("run,event,person_id,other_id,records\n", out);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fprintf(out, "%lld,%s,%lld,%lld,%lld\n", (long long)sqlite3_column_int64(s, 0),
                sqlite3_column_text(s, 1), (long long)sqlite3_column_int64(s, 2),
                (long long)sqlite3_column_int64(s, 3), (long long)sqlite3_column_int64(s, 4));
    if (rc != SQLITE_DONE)
        err = TW_EDB;
out:
    sqlite3_finalize(s);
    store_close(st);
    return err;
}

/* A store linked before migration 10 existed has no rows: nothing to call. */
tw_err_t persons_each_worker(store_t *st, persons_worker_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;
    if ((err = prep(store_sqlite(st), "SELECT worker_id, person_id FROM person_worker", &s)))
        return err;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((err = fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1))) != TW_OK)
            break;
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t persons_changed_workers(store_t *st, persons_changed_fn fn, void *ctx, int64_t *upto)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;
    *upto = 0;
    if ((err = prep(store_sqlite(st),
                    "SELECT seq, worker_id FROM person_worker_change ORDER BY seq", &s)))
        return err;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *upto = sqlite3_column_int64(s, 0);
        if ((err = fn(ctx, sqlite3_column_int64(s, 1))) != TW_OK)
            break;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t persons_changed_workers_done(store_t *st, int64_t upto)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    if (upto <= 0)
        return TW_OK;
    if ((err = prep(store_sqlite(st), "DELETE FROM person_worker_change WHERE seq <= ?1", &s)))
        return err;
    sqlite3_bind_int64(s, 1, upto);
    err = sqlite3_step(s) == SQLITE_DONE ? TW_OK : TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t persons_each_record(store_t *st, const char *prefix, persons_record_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;
    size_t pl = strlen(prefix);
    if ((err = prep(store_sqlite(st),
                    "SELECT record, person_id FROM person_record WHERE record >= ?1 AND "
                    "record < ?1 || x'ff'",
                    &s)))
        return err;
    sqlite3_bind_text(s, 1, prefix, (int)pl, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *rec = (const char *)sqlite3_column_text(s, 0);
        size_t len = (size_t)sqlite3_column_bytes(s, 0);
        if (len < pl || memcmp(rec, prefix, pl) != 0)
            continue;
        if ((err = fn(ctx, rec + pl, len - pl, sqlite3_column_int64(s, 1))) != TW_OK)
            break;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

/* A pair already in the queue, disputed again: back at its head (run 0,
 * a reviewer's) with its decision cleared, which *was says. */
static tw_err_t reopen_pair(sqlite3 *db, int64_t id, const char *lo, const char *hi, char *was,
                            size_t wascap)
{
    static const char *const sql[] = {
        "SELECT decision FROM link_decision WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)",
        "DELETE FROM link_decision WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1)",
        "UPDATE link_review SET run = 0 WHERE id = ?3"};
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    size_t i;
    int rc;

    for (i = 0; i < sizeof sql / sizeof sql[0] && err == TW_OK; i++) {
        if ((err = prep(db, sql[i], &s)))
            break;
        if (sqlite3_bind_parameter_count(s) >= 2) {
            sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
        }
        if (sqlite3_bind_parameter_count(s) >= 3)
            sqlite3_bind_int64(s, 3, id);
        rc = sqlite3_step(s);
        if (i == 0 && rc == SQLITE_ROW) {
            if (was && wascap)
                snprintf(was, wascap, "%s", (const char *)sqlite3_column_text(s, 0));
            rc = SQLITE_DONE;
        }
        if (rc != SQLITE_DONE)
            err = TW_EDB;
        sqlite3_finalize(s);
    }
    return err;
}

/* The queue's id of the pair (lo, hi) into *id: SQLITE_ROW when it is in
 * the queue, SQLITE_DONE when not, else an error code (the one lookup of
 * persons_review_add(), before and after its insert). */
static int review_pair_id(sqlite3 *db, const char *lo, const char *hi, int64_t *id)
{
    sqlite3_stmt *s = NULL;
    int rc;

    if (prep(db, "SELECT id FROM link_review WHERE a = ?1 AND b = ?2", &s) != TW_OK)
        return SQLITE_ERROR;
    sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc;
}

tw_err_t persons_review_add(store_t *st, const char *a, const char *b, int64_t *id, char *was,
                            size_t wascap, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    const char *lo = a, *hi = b;
    tw_err_t err;
    int rc;

    *id = 0;
    if (was && wascap)
        was[0] = '\0';
    if (strcmp(a, b) == 0)
        return tw_errinfo_set(ei, TW_EINPUT, "a record is always the same person as itself");
    if (strcmp(lo, hi) > 0) {
        lo = b;
        hi = a;
    }
    /* already in the queue (decided or not): reopened */
    rc = review_pair_id(db, lo, hi, id);
    if (rc == SQLITE_ROW)
        return reopen_pair(db, *id, lo, hi, was, wascap);
    if (rc != SQLITE_DONE)
        return TW_EDB;
    if ((err = prep(db,
                    "INSERT INTO link_review(a, b, weight, evidence, detail, run) SELECT ?1, ?2, "
                    "weight, evidence, detail, 0 FROM "
                    "person_join WHERE (a = ?1 AND b = ?2) OR (a = ?2 AND b = ?1) LIMIT 1 "
                    "ON CONFLICT(a, b) DO NOTHING",
                    &s)))
        return err;
    sqlite3_bind_text(s, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return TW_EDB;
    rc = review_pair_id(db, lo, hi, id);
    if (rc == SQLITE_ROW)
        return TW_OK;
    if (rc != SQLITE_DONE)
        return TW_EDB;
    return tw_errinfo_set(ei, TW_ENOTFOUND,
                          "%.200s and %.200s are not a link of one person (the links of "
                          "'tipwatch persons show ID')",
                          a, b);
}

tw_err_t persons_forget(store_t *st, const char *record)
{
    static const char *const sql[] = {
        "DELETE FROM person_record WHERE record = ?1",
        "DELETE FROM person_join WHERE a = ?1 OR b = ?1",
        "DELETE FROM link_review WHERE a = ?1 OR b = ?1",
        "DELETE FROM link_decision WHERE a = ?1 OR b = ?1"};
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    size_t i;
    for (i = 0; i < sizeof sql / sizeof sql[0] && err == TW_OK; i++) {
        if ((err = prep(store_sqlite(st), sql[i], &s)))
            break;
        sqlite3_bind_text(s, 1, record, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            err = TW_EDB;
        sqlite3_finalize(s);
    }
    return err;
}

tw_err_t persons_of_worker(store_t *st, int64_t worker_id, int64_t *pid)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    if ((err = prep(store_sqlite(st), "SELECT person_id FROM person_worker WHERE worker_id = ?1",
                    &s)))
        return err;
    sqlite3_bind_int64(s, 1, worker_id);
    err = sqlite3_step(s) == SQLITE_ROW ? TW_OK : TW_ENOTFOUND;
    if (err == TW_OK)
        *pid = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return err;
}

tw_err_t persons_workers_of(store_t *st, int64_t person_id, persons_id_fn fn, void *ctx)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    int rc;
    if ((err = prep(store_sqlite(st),
                    "SELECT worker_id FROM person_worker WHERE person_id = ?1 ORDER BY worker_id",
                    &s)))
        return err;
    sqlite3_bind_int64(s, 1, person_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((err = fn(ctx, sqlite3_column_int64(s, 0))) != TW_OK)
            break;
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t persons_of_record(store_t *st, const char *record, int64_t *pid)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err;
    if ((err = prep(store_sqlite(st),
                    "SELECT person_id FROM person_record WHERE record = ?1", &s)))
        return err;
    sqlite3_bind_text(s, 1, record, -1, SQLITE_STATIC);
    err = sqlite3_step(s) == SQLITE_ROW ? TW_OK : TW_ENOTFOUND;
    if (err == TW_OK)
        *pid = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return err;
}

/* ---- the person page and the clerical review ---- */

tw_err_t persons_view(store_t *st, int64_t id, int64_t *resolved, persons_rec_view_fn rec_fn,
                      persons_join_view_fn join_fn, void *ctx, tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int hops = 0, rc;

    for (;;) {
        const char *status;
        if ((err = prep(db, "SELECT status, merged_into FROM person WHERE id = ?1", &s)))
            return err;
        sqlite3_bind_int64(s, 1, id);
        if (sqlite3_step(s) != SQLITE_ROW) {
            sqlite3_finalize(s);
            return tw_errinfo_set(ei, TW_ENOTFOUND, "no person %lld", (long long)id);
        }
        status = (const char *)sqlite3_column_text(s, 0);
        if (status && strcmp(status, "merged") == 0 && hops++ < 64) {
            id = sqlite3_column_int64(s, 1);
            sqlite3_finalize(s);
            continue;
        }
        sqlite3_finalize(s);
        break;
    }
    *resolved = id;
    if ((err = prep(db,
                    "SELECT record, content_hash FROM person_record WHERE person_id = ?1 "
                    "ORDER BY content_hash, record",
                    &s)))
        return err;
    sqlite3_bind_int64(s, 1, id);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        err = rec_fn(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1));
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    if (err)
        return err;
    if ((err = prep(db,
                    "SELECT a, b, how, weight, evidence, detail FROM person_join WHERE "
                    "person_id = ?1 ORDER BY weight DESC, a, b",
                    &s)))
        return err;
    sqlite3_bind_int64(s, 1, id);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
        err = join_fn(ctx, (const char *)sqlite3_column_text(s, 0),
                      (const char *)sqlite3_column_text(s, 1),
                      (const char *)sqlite3_column_text(s, 2), sqlite3_column_double(s, 3),
                      (const char *)sqlite3_column_text(s, 4),
                      (const char *)sqlite3_column_text(s, 5));
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t persons_review_list(store_t *st, size_t limit, int decided, persons_visible_fn visible,
                             persons_review_fn fn, void *ctx, long long *total)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    size_t shown = 0;
    tw_err_t err;
    int rc;

    *total = 0;
    /* one pass in queue order, every pending pair and the decided ones
     * while the page is not full: the pairs the reader may not see are
     * left out before the page is cut and from the count, so a page is
     * never short while more visible pairs wait */
    if ((err = prep(db,
                    "SELECT r.id, r.a, r.b, r.weight, r.evidence, d.decision, d.decided_by, "
                    "d.decided_at, d.note, r.detail FROM link_review r LEFT JOIN "
                    "link_decision d ON d.a = r.a AND d.b = r.b WHERE ?1 OR d.decision IS "
                    "NULL ORDER BY d.decision IS NOT NULL, r.run != 0, abs(r.weight), r.id",
                    &s)))
        return err;
    sqlite3_bind_int(s, 1, decided != 0);
    err = TW_OK;
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        persons_review_t r;
        int pending = sqlite3_column_type(s, 5) == SQLITE_NULL;
        if (!pending && shown >= limit) {
            rc = SQLITE_DONE; /* decided pairs come last: nothing more to count */
            break;
        }
        r.a = (const char *)sqlite3_column_text(s, 1);
        r.b = (const char *)sqlite3_column_text(s, 2);
        if (visible && !visible(ctx, r.a ? r.a : "", r.b ? r.b : ""))
            continue;
        if (pending)
            (*total)++;
        if (shown >= limit)
            continue;
        shown++;
        r.id = sqlite3_column_int64(s, 0);
        r.a = (const char *)sqlite3_column_text(s, 1);
        r.b = (const char *)sqlite3_column_text(s, 2);
        r.weight = sqlite3_column_double(s, 3);
        r.probability = link_probability(r.weight);
        r.evidence = (const char *)sqlite3_column_text(s, 4);
        r.decision = (const char *)sqlite3_column_text(s, 5);
        r.decided_by = (const char *)sqlite3_column_text(s, 6);
        r.decided_at = (const char *)sqlite3_column_text(s, 7);
        r.note = (const char *)sqlite3_column_text(s, 8);
        r.detail = (const char *)sqlite3_column_text(s, 9);
        err = fn(ctx, &r);
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t persons_review_decide(store_t *st, int64_t id, const char *decision, const char *who,
                               const char *note, char *a, char *b, size_t cap,
                               tw_errinfo_t *ei)
{
    sqlite3 *db = store_sqlite(st);
    sqlite3_stmt *s = NULL;
    char at[32];
    tw_err_t err;

    if (!decision || (strcmp(decision, "same") != 0 && strcmp(decision, "not_same") != 0 &&
                      strcmp(decision, "unsure") != 0)) {
        tw_errinfo_field(ei, "decision");
        return tw_errinfo_set(ei, TW_EINPUT, "decision: expected same, not_same or unsure");
    }
    if (note && strlen(note) > 1000) {
        tw_errinfo_field(ei, "note");
        return tw_errinfo_set(ei, TW_EINPUT, "note: at most 1000 bytes");
    }
    if ((err = prep(db, "SELECT a, b FROM link_review WHERE id = ?1", &s)))
        return err;
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no review pair %lld", (long long)id);
    }
    snprintf(a, cap, "%s", (const char *)sqlite3_column_text(s, 0));
    snprintf(b, cap, "%s", (const char *)sqlite3_column_text(s, 1));
    sqlite3_finalize(s);
    now_iso(at);
    if ((err = prep(db,
                    "INSERT INTO link_decision(a, b, decision, decided_by, decided_at, note) "
                    "VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(a, b) DO UPDATE SET "
                    "decision = excluded.decision, decided_by = excluded.decided_by, "
                    "decided_at = excluded.decided_at, note = excluded.note",
                    &s)))
        return err;
    sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, decision, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, who ? who : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, at, -1, SQLITE_STATIC);
    if (note && note[0])
        sqlite3_bind_text(s, 6, note, -1, SQLITE_STATIC);
    err = sqlite3_step(s) == SQLITE_DONE ? TW_OK : TW_EDB;
    sqlite3_finalize(s);
    return err;
}
