/*
 * link.h - probabilistic record linkage: which records are one person.
 *
 * The linker knows nothing about registers: a caller declares the fields
 * (a name for the evidence and a comparison kind each), adds records whose
 * values are already in their normal form, and runs it. persons.h feeds it
 * the permit, border and report registers; the CLI's `link --files` feeds it
 * any CSV. docs/internals/link.md says why each choice was made.
 *
 * The method (Fellegi and Sunter 1969, as Splink and fastLink do it):
 *   1. Profiles. Records whose compared values are all equal (a worker's
 *      twenty border crossings under one passport) are one profile; only
 *      profiles are compared, and every record of a profile is one person.
 *   2. Blocking. Several rules, derived from the field kinds (document
 *      number; birth date; the two names' phonetic keys as an unordered
 *      pair; family or given phonetic key with the birth year; phone;
 *      postcode with the family name's initial), each give a key per
 *      profile; the candidate pairs are the union over the rules of the
 *      pairs that share a key. A pair is produced once: by the first rule
 *      whose keys it shares (Splink's rule). A block holding more than
 *      `block_cap` profiles (a dormitory address, a very common name) is
 *      not compared at all; it is reported with its rule and key.
 *   3. Comparison. Each field gives a level (compare.h): names exact,
 *      transliteration variant, Jaro-Winkler >= 0.92, swapped with the
 *      other name part, >= 0.80, initial, different; dates exact, day/month
 *      swapped, one digit off, year only; identifiers exact, one edit,
 *      country differs; phones, addresses, codes.
 *   4. Parameters. u (the chance of each level among non-matches) from
 *      random pairs; m (among matches) and the share of matches among the
 *      candidate pairs by expectation-maximisation over the comparison
 *      patterns, u held fixed. No labels are needed.
 *   5. Weights. A pair's match weight is log2(lambda/(1-lambda)) plus, per
 *      field, log2(m/u) of its level; the exact level of a name is adjusted
 *      by the name's frequency (a common family name weighs less). A
 *      context field (not a name, date or identifier: phone, address,
 *      employer) adds its agreement only when the identity fields sum
 *      above 0 (people who share a flat are not one person for that).
 *      probability = 2^w / (1 + 2^w).
 *   6. Clusters. Pairs at or above `threshold` are joined strongest first
 *      (connected components), with a guard against chains: two groups
 *      already holding more than one profile between them are joined only
 *      when no pair across them weighs below `veto` with fields that
 *      disagree by 5 bits or more (checked by comparing every pair across,
 *      up to LINK_GUARD_PAIRS; a pair merely too sparse to tell does not
 *      block) and no clerical decision says two of them are different
 *      people. Pairs in [review_low,
 *      threshold) are the clerical review band.
 *
 * Invariants:
 *   1. Records are numbered 0.. in the order added; profiles likewise.
 *   2. A record with no value in any name or identifier field is never
 *      blocked: it stays a person of its own (counted in stats.isolated).
 *   3. Runs are deterministic for the same records, options and seed.
 *   4. A constraint "same" always joins; "not same" always keeps apart
 *      (it wins over a seed and over any weight).
 * Thread model: a link_t is used from one thread; link_run() may use
 * `threads` worker threads internally. Everything a link_t returns is owned
 * by it and valid until link_free().
 */
#ifndef TW_LINK_H
#define TW_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

typedef struct link link_t;

typedef enum {
    LINK_KIND_GIVEN = 0, /* given name(s) */
    LINK_KIND_FAMILY,    /* family name */
    LINK_KIND_DATE,      /* birth date: YYYYMMDD or YYYY */
    LINK_KIND_ID,        /* document or personal number; "COUNTRY\x1fNO" */
    LINK_KIND_POSTCODE,  /* exact / one edit */
    LINK_KIND_NUMBER,    /* house number and other short codes: exact */
    LINK_KIND_ADDRESS,   /* normal form of an address */
    LINK_KIND_PLACE,     /* town, suburb */
    LINK_KIND_CODE,      /* region, sex, citizenship: exact */
    LINK_KIND_PHONE,     /* E.164 */
    LINK_KIND_COUNT
} link_kind_t;

/* "given", "family", "date", "id", "postcode", "number", "address",
 * "place", "region" (= code), "code", "phone"; -1 when unknown. */
int link_kind_parse(const char *s, size_t len);
const char *link_kind_name(link_kind_t k);

#define LINK_MAX_FIELDS 16
#define LINK_GUARD_PAIRS 4096

typedef struct {
    const char *name; /* in the evidence: "birth date"; copied */
    link_kind_t kind;
} link_field_t;

typedef struct {
    int sources;            /* 1: deduplicate; 2: link source 0 to source 1 */
    size_t block_cap;       /* profiles in one block (default 500) */
    double threshold;       /* match weight that links (default 4.25: p 0.95) */
    double review_low;      /* review band lower edge (default 0: p 0.5) */
    double veto;            /* chain guard (default 0) */
    size_t u_pairs;         /* random pairs for u (default 300,000) */
    size_t em_pairs;        /* candidate pairs EM reads at most (default 4M) */
    int em_iterations;      /* at most (default 50) */
    unsigned long long seed;
    int threads;            /* comparison threads (default 2) */
} link_opts_t;

void link_opts_default(link_opts_t *o);

/* Copies the fields. TW_EINPUT: no field, more than LINK_MAX_FIELDS, an
 * unknown kind, or sources not 1 or 2. Free with link_free(). */
tw_err_t link_new(const link_field_t *fields, size_t nfields, const link_opts_t *opts,
                  link_t **out);
void link_free(link_t *l);

/* Adds a record of `source` (0 or 1) with one value per field (values[i]
 * of lens[i] bytes, normal form; length 0 = missing; values longer than
 * 256 bytes are cut). *rec gets its number (may be NULL). */
tw_err_t link_add(link_t *l, int source, const char *const *values, const size_t *lens,
                  uint32_t *rec);
size_t link_record_count(const link_t *l);

/* Incremental runs: once link_only_new() is called, only pairs with at
 * least one record marked by link_mark_new() are compared. */
void link_only_new(link_t *l);
void link_mark_new(link_t *l, uint32_t rec);
/* Records a and b were one person before: join them unless a "not same"
 * constraint forbids it (no weight guard). */
tw_err_t link_seed(link_t *l, uint32_t a, uint32_t b);
/* A clerical decision: same (1) or not the same person (0). */
tw_err_t link_constrain(link_t *l, uint32_t a, uint32_t b, int same);

/* The model: estimated from the records (link_train) or loaded from its
 * JSON form (link_model_load; TW_EINPUT when it does not fit the fields). */
tw_err_t link_train(link_t *l);
tw_err_t link_model_load(link_t *l, const char *json, size_t len, tw_errinfo_t *ei);
tw_err_t link_model_json(const link_t *l, tw_buf_t *out);

/* Blocks, compares, scores and clusters (trains first when no model). */
tw_err_t link_run(link_t *l);

typedef struct {
    size_t records, profiles;
    size_t isolated;        /* records with no name and no identifier */
    size_t pairs_compared;  /* candidate profile pairs scored */
    size_t pairs_linked;    /* profile pairs at or above the threshold */
    size_t pairs_review;    /* in the review band */
    size_t blocks_capped;
    size_t chains_refused;  /* joins the guard refused */
    size_t clusters;        /* persons */
    double lambda;          /* share of matches among candidate pairs */
    int em_iterations;
} link_stats_t;
void link_stats(const link_t *l, link_stats_t *out);

/* Blocks over the cap: rule name, key as text, profiles in it. */
typedef tw_err_t (*link_capped_fn)(void *ctx, const char *rule, const char *key, size_t size);
tw_err_t link_each_capped(const link_t *l, link_capped_fn fn, void *ctx);

/* The cluster (person) of a record: dense numbers from 0. */
uint32_t link_cluster(const link_t *l, uint32_t rec);

/* Record pairs with weight >= threshold (min_weight: any other cut-off;
 * pass the threshold for the default), each once with a < b: pairs of
 * compared profiles, expanded to their records, and records of one
 * profile with each other. */
typedef tw_err_t (*link_pair_fn)(void *ctx, uint32_t a, uint32_t b, double weight);
tw_err_t link_each_pair(const link_t *l, double min_weight, link_pair_fn fn, void *ctx);
/* The review band: one representative record pair per profile pair. */
tw_err_t link_each_review(const link_t *l, link_pair_fn fn, void *ctx);
/* The links that joined each cluster (a spanning tree: one fewer than its
 * profiles, plus each record joined to its profile's first record). */
tw_err_t link_each_join(const link_t *l, link_pair_fn fn, void *ctx);

/* Why a and b are (not) one person. One item per field. */
typedef struct {
    const char *field; /* the field's name */
    const char *level; /* "exact", "transliteration variant", ... */
    double weight;     /* log2(m/u), with the name-frequency adjustment */
    int field_index;   /* in the fields given to link_new() */
    int level_index;   /* the compare.h level (0: missing) */
    link_kind_t kind;
} link_evidence_t;
typedef struct {
    double prior;      /* log2(lambda / (1 - lambda)) */
    double total;      /* prior + the items */
    double probability;
    size_t n;
    link_evidence_t item[LINK_MAX_FIELDS];
} link_explain_t;
tw_err_t link_explain(const link_t *l, uint32_t a, uint32_t b, link_explain_t *out);
/* The explanation as one line: "birth date exact +6.1, family name
 * transliteration variant +4.2, ...; prior -2.3; total +12.0". */
tw_err_t link_explain_text(const link_explain_t *e, tw_buf_t *out);

double link_probability(double weight);

#endif
