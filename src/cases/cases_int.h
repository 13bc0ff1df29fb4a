/*
 * cases_int.h - what cases.c and referral.c share; private to the cases
 * module (nothing else includes it). The contract is in cases.h.
 */
#ifndef TW_CASES_INT_H
#define TW_CASES_INT_H

#include <sqlite3.h>

#include "base/buf.h"
#include "cases/cases.h"

/* Armenia is UTC+04:00 all year: "today" for deadlines and consent dates is
 * the Armenian calendar day. */
#define CASES_TZ_OFFSET (4 * 3600)

/* Longest name and document number accepted, in a case and in a search. */
#define CASES_NAME_MAX_BYTES 512
#define CASES_DOCNO_MAX_BYTES 128

int64_t cases_now(const cases_actor_t *act);
/* Days since 1970-01-01 of the Armenian calendar day at `now`. */
int32_t cases_day(int64_t now);
void cases_iso(int64_t now, char out[32]);
void cases_date(int32_t day, char out[11]);
const char *cases_actor_name(const cases_actor_t *act);
const char *cases_actor_org(const cases_actor_t *act);

tw_err_t cases_db_err(store_t *st, tw_errinfo_t *ei, const char *what);
tw_err_t cases_prep(store_t *st, const char *sql, sqlite3_stmt **s, tw_errinfo_t *ei);
/* Column text or "" for NULL. */
const char *cases_col(sqlite3_stmt *s, int i);

/* Every public call that writes or audits runs its own transactions, so a
 * refusal and a read's audit entry commit whatever the caller does next
 * (cases.h, "Calling convention"): TW_EINTERNAL "called inside a
 * transaction" when the connection has one open. */
tw_err_t cases_outside_tx(store_t *st, tw_errinfo_t *ei);
/* case_stats.c: a statistics read's checks, transaction and audit entry */
tw_err_t cases_stats_begin(store_t *st, const cases_actor_t *act, const char *action,
                           tw_errinfo_t *ei);

/* Plaintext of personal data is wiped before it is freed: a string (NULL
 * is fine) and a buffer's bytes. */
void cases_wipe_str(char *s);
void cases_wipe_buf(tw_buf_t *b);

/* What a write or read needs of the actor. */
typedef enum {
    NEED_READ = 0,  /* any access */
    NEED_WRITE,     /* any access + case.write */
    NEED_OWNER      /* owner + case.write */
} cases_need_t;

/* Inside the caller's transaction: cases_access() plus the need. On
 * TW_ENOTFOUND the caller rolls back and calls cases_denied(). */
tw_err_t cases_guard(store_t *st, const cases_actor_t *act, int64_t case_id, cases_need_t need,
                     const char *what, cases_access_t *acc, tw_errinfo_t *ei);
/* Audits a refused access ("case.access.denied") in its own transaction,
 * then returns `err` (the caller's error, kept in *ei). */
tw_err_t cases_denied(store_t *st, const cases_actor_t *act, const char *object,
                      const char *what, tw_err_t err);

/* audit_append with the actor's principal and remote; object "case:N". */
tw_err_t cases_audit(store_t *st, const cases_actor_t *act, const char *action, int64_t case_id,
                     const char *detail, tw_errinfo_t *ei);

/* Appends a case_event; reason (may be NULL) is sealed in reason_blob. */
tw_err_t cases_event(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t case_id,
                     const char *kind, const char *from, const char *to, const char *detail,
                     const char *reason, tw_errinfo_t *ei);

/* Seals data into <table>.<col> of row id (AD "<table>.<col>:<id>"); data
 * NULL stores SQL NULL. */
tw_err_t cases_seal(store_t *st, const vault_t *v, const char *table, const char *col, int64_t id,
                    const void *data, size_t len, tw_errinfo_t *ei);
/* Opens column i of s (a blob of <table>.<col>:<id>) as a NUL-terminated
 * malloc'd string into *out (NULL for SQL NULL). */
tw_err_t cases_unseal(const vault_t *v, const char *table, const char *col, int64_t id,
                      sqlite3_stmt *s, int i, char **out, tw_errinfo_t *ei);

/* The id of organisation `name` (field names the input for the error).
 * TW_EINPUT "no organisation X" when unknown. */
tw_err_t cases_org_id(store_t *st, const char *name, const char *field, int64_t *id,
                      tw_errinfo_t *ei);
/* Text that must be present: non-empty after spaces, valid UTF-8, <= max. */
tw_err_t cases_text_check(const char *s, size_t max, const char *field, tw_errinfo_t *ei);
/* Canonical form of a ';'-set of codes of list l into out (list order). */
tw_err_t cases_code_canon(cases_code_list_t l, const char *value, char *out, size_t cap,
                          unsigned *bits, tw_errinfo_t *ei);
/* ';'-joined names of the category bits into out. */
void cases_categories_text(unsigned bits, char *out, size_t cap);

/* Runs one statement; fmt gives the parameters: 'i' an int64_t (callers
 * pass int64_t, never a plain int), 't' text (NULL binds NULL). */
tw_err_t cases_run(store_t *st, tw_errinfo_t *ei, const char *sql, const char *fmt, ...);
void cases_copy(char *dst, size_t cap, const char *src);
/* TW_EINPUT "FIELD WHY" with ei->field set. */
tw_err_t cases_bad_field(tw_errinfo_t *ei, const char *field, const char *why);
const cases_policy_t *cases_policy_or_default(const cases_policy_t *pol, cases_policy_t *tmp);

/* Opens the call's transaction and checks access to case_id in it; on
 * failure nothing is open and a refusal is audited. */
tw_err_t cases_begin_guarded(store_t *st, const cases_actor_t *act, int64_t case_id,
                             cases_need_t need, const char *what, cases_access_t *acc,
                             tw_errinfo_t *ei);
/* The same for an object of a case (row obj_id of `table`, which has a
 * case_id column): "no <noun> N" for a missing object and for one the actor
 * may not reach alike. */
tw_err_t cases_begin_on(store_t *st, const cases_actor_t *act, const char *table,
                        const char *noun, int64_t obj_id, cases_need_t need, const char *what,
                        int64_t *case_id, cases_access_t *acc, tw_errinfo_t *ei);
/* Rolls back the open transaction and answers "no <noun> N" (audited). */
tw_err_t cases_hide(store_t *st, const cases_actor_t *act, const char *noun, int64_t obj_id,
                    const char *what, tw_errinfo_t *ei);
/* Commits (err == TW_OK) or rolls back; returns the outcome. */
tw_err_t cases_finish(store_t *st, tw_err_t err, tw_errinfo_t *ei);
/* Ends a read whose audit entry is already written: commits whatever err
 * is, so the entry stays even when handing the data out failed part-way;
 * returns err, or the commit's error. */
tw_err_t cases_finish_read(store_t *st, tw_err_t err, tw_errinfo_t *ei);

/* Loads case id as acc allows (the caller has checked access). */
tw_err_t cases_load(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t id,
                    const cases_access_t *acc, cases_case_t *out, tw_errinfo_t *ei);

/* Blind indexes: vault_blind_with_key() of the normal form (norm_name() for
 * a name, norm_docno() for a document number) under key `key_id` (0: the
 * current key); "" when the value has no normal form (a name of punctuation
 * only, an empty document number). The normal form is wiped after use.
 * TW_EINPUT (field "docno") for something that is not a document number;
 * TW_ENOTFOUND when key_id is not loaded. */
tw_err_t cases_blind_name(const vault_t *v, uint32_t key_id, const char *name,
                          char out[VAULT_BLIND_HEX + 1], tw_errinfo_t *ei);
tw_err_t cases_blind_docno(const vault_t *v, uint32_t key_id, const char *docno,
                           char out[VAULT_BLIND_HEX + 1], tw_errinfo_t *ei);
/* Search tokens (docs/internals/cases.md, "Search"): the blind index of
 * one word (or prefix) of a name's normal form, domain "case.name.part";
 * of a phone's E.164 form, domain "case.phone" ("" for an empty phone;
 * TW_EINPUT, field "phone", for one that is not a phone). */
tw_err_t cases_blind_part(const vault_t *v, uint32_t key_id, const char *word, size_t len,
                          char out[VAULT_BLIND_HEX + 1]);
tw_err_t cases_blind_phone(const vault_t *v, uint32_t key_id, const char *phone,
                           char out[VAULT_BLIND_HEX + 1], tw_errinfo_t *ei);
/* Each word (run of letters and digits) of name's normal form, handed to
 * fn; the normal form is wiped after. */
typedef tw_err_t (*cases_word_fn)(void *ctx, const char *word, size_t len);
tw_err_t cases_name_words(const char *name, cases_word_fn fn, void *ctx, tw_errinfo_t *ei);
/* Recomputes case id's rows of case_search with the current key: the name's
 * when name is not NULL, the phone's when phone is not NULL ("" clears);
 * marks the case indexed (search_v). Inside the caller's transaction. */
tw_err_t cases_index_search(store_t *st, const vault_t *v, int64_t id, const char *name,
                            const char *phone, tw_errinfo_t *ei);
/* Indexes every case not indexed yet (search_v NULL), in a transaction of
 * its own (case_admin.c); *n: how many. */
tw_err_t cases_search_backfill(store_t *st, const vault_t *v, long long *n, tw_errinfo_t *ei);
/* The document number of a worker key "CCC:DOCNO" (the part after the
 * colon; the whole string when there is none). Static into the argument. */
const char *cases_worker_docno(const char *worker_key);

/* Referral rows: ?1 is bound to today's day number; the columns are those
 * cases_referral_row() reads. */
#define CASES_REFERRAL_SELECT                                                                 \
    "SELECT r.id, r.case_id, r.version, r.from_org, r.to_org, fo.name, tor.name, r.services," \
    " r.status, r.emergency, r.reviewed_at IS NOT NULL, r.created_at, r.created_by,"        \
    " r.updated_at, r.reason_blob, (r.status IN ('pending','accepted') AND (r.emergency = 1" \
    " OR EXISTS (SELECT 1 FROM case_consent c WHERE c.referral_id = r.id AND c.given = 1"    \
    " AND c.withdrawn_at IS NULL AND c.until_day >= ?1))),"                                  \
    /* when it was sent: its move to pending, or its creation (emergency) */                \
    " (SELECT min(e.at) FROM case_event e WHERE e.case_id = r.case_id"                       \
    " AND e.kind = 'referral' AND json_extract(e.detail, '$.referral') = r.id"               \
    " AND (json_extract(e.detail, '$.to') = 'pending' OR r.emergency = 1))"                  \
    " FROM case_referral r"                                                                   \
    " JOIN org fo ON fo.id = r.from_org JOIN org tor ON tor.id = r.to_org"
/* Hands the current row of s to fn (the reason unsealed when with_reason). */
tw_err_t cases_referral_row(const vault_t *v, sqlite3_stmt *s, int with_reason,
                            cases_referral_fn fn, void *ctx, tw_errinfo_t *ei);

/* keyring_writer_check() with the module's probe (case_admin.c): the
 * check every seal makes inside its transaction. */
tw_err_t cases_keys_writer_check(store_t *st, const vault_t *v, tw_errinfo_t *ei);

/* TW_EINPUT naming `field` when a name holds a control character, a line
 * separator or a text-direction control (cases.c). */
tw_err_t cases_name_check(const char *s, const char *field, tw_errinfo_t *ei);

/* cases_unseal() for one row of a list or a view: a value that does not
 * open (damaged, or under a key the file lacks) gives *out NULL and
 * *unreadable 1 with TW_OK, so one bad row does not break the rest; a
 * rotation newer than v (TW_ECONFLICT) and running out of memory still
 * stop the call. */
tw_err_t cases_unseal_row(const vault_t *v, const char *table, const char *col, int64_t id,
                          sqlite3_stmt *s, int i, char **out, int *unreadable, tw_errinfo_t *ei);

#endif
