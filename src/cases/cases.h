/*
 * cases.h - National Referral Mechanism (NRM) cases: one case per presumed
 * victim of trafficking, its stages, services, referrals to other
 * organisations under the person's consent, attachments, retention and
 * statistics. Design: docs/internals/cases.md; for users: docs/nrm.md.
 *
 * Rules, each enforced in one place in cases.c / referral.c:
 *   1. Stages move only along the table cases_stage_allowed() (docs/nrm.md);
 *      every move is a case_event with who, when and why.
 *   2. Deadlines come from a cases_policy_t (cases_policy_default()):
 *      pre-identification decided within preid_days of entering
 *      presumed_victim (overdue cases are listed first); a reflection and
 *      recovery period of reflection_days from the presumption date during
 *      which nothing depends on cooperating_with_police (no function reads
 *      that flag to allow or refuse anything); closed cases are purged of
 *      personal data after retention_days.
 *   3. Services are offered -> accepted | declined, accepted -> delivered,
 *      each by a providing organisation; the state payment only once per
 *      case and only after the case was identified.
 *   4. Coded fields use the HTCDS v2.0 / CTDC value lists (cases_codes());
 *      an unknown code is TW_EINPUT naming the field and the value.
 *   5. Who may read or write a case is decided by cases_access() and by
 *      nothing else: the owning organisation; an organisation a referral
 *      was sent to while a consent is in force (only the consented data
 *      categories) or under an emergency referral; nobody else. "No access"
 *      and "no such case" are the same TW_ENOTFOUND with the same message.
 *      Statisticians (and every role with stats.read) see only
 *      cases_aggregate().
 *   6. An emergency referral (life at risk) needs authz action
 *      case.emergency, a written reason, and is listed for review until an
 *      admin or auditor (case.review) marks it reviewed: the auditor every
 *      organisation's, an admin only those its organisation sent or
 *      received.
 *   7. Every update names the version it was based on; a stale one is
 *      TW_ECONFLICT and the current state comes back (never last-write-wins).
 *   8. Names, contacts, birth date, narrative, document numbers, the copied
 *      alert evidence, free-text reasons and attachments are stored only as
 *      vault blobs bound to "<table>.<column>:<row id>"; names and document
 *      numbers are searchable only through vault_blind() of their normal
 *      form. cases_reseal() re-seals everything with the current key. A
 *      write that would seal with a vault whose current key is older than
 *      the store's (recorded by `tipwatch keys rotate`, keys.h) is
 *      TW_ECONFLICT "restart: the keys were rotated" and changes nothing.
 *   9. Every read and write is in the audit log (audit_append), in the same
 *      transaction as the write, naming the case and what was read or
 *      changed, never the personal data itself. A read's entry is written
 *      before any data is unsealed or handed out, and committed even when
 *      handing it out fails part-way.
 *
 * Calling convention: every function below that writes or audits is called
 * OUTSIDE a transaction (TW_EINTERNAL "called inside a transaction"
 * otherwise), except cases_reseal(), which runs inside the caller's when
 * there is one (keys rotate: the re-seal and the new current key commit
 * together): each runs its own, so a refusal and a read's audit entry are
 * committed whatever the caller does next (inside the caller's
 * transaction they would be a savepoint, undone by its rollback).
 * cases_access() alone may be called anywhere. Ids of new rows come back
 * only after the commit (left as they were on failure). Every function
 * takes the store, the vault (NULL where
 * no personal data is touched), the policy where deadlines or limits apply
 * (NULL: cases_policy_default()), the actor (who, from where, when) and an
 * errinfo; results come back through out-parameters or callbacks. Strings
 * handed to callbacks are valid only during the callback. A cases_case_t is
 * owned by the caller and freed with cases_case_free().
 *
 * Tables (store.c, migration 6; written only by the files of this module:
 * cases.c, case_view.c, case_services.c, referral.c, case_admin.c):
 * nrm_case, case_event, case_service, case_referral, case_consent,
 * case_attachment, case_stat; case_offender (migration 16, case_offenders.c).
 *
 * Who is the actor: every call on cases needs a signed-in principal
 * (act->who with user_id != 0; otherwise TW_EPERM), except the whole-store
 * jobs cases_aggregate(), cases_purge() and cases_reseal(), which the
 * system may run with act->who NULL (CLI, retention job).
 *
 * Thread model: the caller's store_t (one per thread) and a shared
 * read-only vault_t.
 */
#ifndef TW_CASES_H
#define TW_CASES_H

#include <stddef.h>
#include <stdint.h>

#include "access/auth.h"
#include "engine/config.h"
#include "base/err.h"
#include "store/store.h"
#include "cases/vault.h"
#include "link/persons.h"

/* ---- who, from where, when ------------------------------------------ */

typedef struct {
    const auth_principal_t *who; /* NULL: the system (CLI, retention job) */
    const char *remote;          /* client address for the audit log; NULL: "cli" */
    int64_t now;                 /* seconds since 1970 (UTC); 0: the clock */
} cases_actor_t;

/* ---- policy ------------------------------------------------------------ */

typedef struct {
    int preid_days;           /* pre-identification decided within (10) */
    int reflection_days;      /* reflection and recovery period, >= 30 (30) */
    int retention_days;       /* closed cases keep personal data this long (1826) */
    long long state_payment_amd; /* the one-time state payment (250000) */
    size_t attachment_max;    /* bytes per attachment (10 MiB) */
} cases_policy_t;

void cases_policy_default(cases_policy_t *p);
/* TW_EINPUT naming the member when a value is out of range (reflection < 30,
 * preid < 1, retention < 1, attachment_max 0 or above 64 MiB). */
tw_err_t cases_policy_check(const cases_policy_t *p, tw_errinfo_t *ei);
/* The defaults overridden by the config's [cases] section (config.h; its
 * parser has checked each value's range already). `cfg` may be NULL. */
void cases_policy_from_config(const config_t *cfg, cases_policy_t *p);

/* ---- stages ------------------------------------------------------------ */

typedef enum {
    CASE_PRESUMED_VICTIM = 0,
    CASE_REFERRED_TO_COMMISSION,
    CASE_IDENTIFIED,
    CASE_NOT_IDENTIFIED,
    CASE_ASSISTANCE,
    CASE_REINTEGRATION,
    CASE_VOLUNTARY_RETURN,
    CASE_ONWARD_REFERRAL,
    CASE_CLOSED,
    CASE_STAGE_COUNT
} cases_stage_t;

/* "presumed_victim", ...; "unknown" out of range. Static. */
const char *cases_stage_name(cases_stage_t s);
/* TW_EINPUT for an unknown name. */
tw_err_t cases_stage_parse(const char *s, cases_stage_t *out);
/* 1 when the table allows from -> to (the one transition table). */
int cases_stage_allowed(cases_stage_t from, cases_stage_t to);
/* 1 when entering `to` needs a written reason (decisions, closing, reopening). */
int cases_stage_needs_reason(cases_stage_t to);
/* 1 when entering `to` needs a decision date (identified, not_identified). */
int cases_stage_needs_date(cases_stage_t to);

/* ---- coded fields (HTCDS v2.0 / CTDC value lists) ------------------------ */

typedef enum {
    CASES_CODE_SEX = 0,          /* HTCDS prs_Gender */
    CASES_CODE_AGE_GROUP,        /* CTDC ageBroad */
    CASES_CODE_EXPLOITATION,     /* HTCDS vic_TypeOfExploitation (multi) */
    CASES_CODE_MEANS_OF_CONTROL, /* HTCDS vic_MethodsOfControl (multi) */
    CASES_CODE_RECRUITER,        /* CTDC recruiterRelation* (multi) */
    CASES_CODE_LABOUR_SECTOR,    /* HTCDS vic_TypeOfLabourExploitation (multi) */
    CASES_CODE_SERVICE,          /* services of the NRM */
    CASES_CODE_CATEGORY,         /* data categories of a consent (multi) */
    CASES_CODE_COUNT
} cases_code_list_t;

/* The NULL-terminated list of allowed codes, and its field name. Static. */
const char *const *cases_codes(cases_code_list_t l);
const char *cases_code_field(cases_code_list_t l);
/* Checks one code, or a ';'-separated set for multi lists (no repeats).
 * TW_EINPUT naming the field and the bad value. */
tw_err_t cases_code_check(cases_code_list_t l, const char *value, tw_errinfo_t *ei);

/* Data categories a consent covers (bit i = cases_codes(CASES_CODE_CATEGORY)[i]):
 *   profile     sex, age group, citizenship, exploitation and the other codes
 *   identity    name, birth date, document number, the alert evidence
 *   contact     phone, e-mail, address
 *   narrative   narrative and the written reasons in the history
 *   services    the services and their providers
 *   attachments the attached files
 * An owner sees all; a receiver only what a consent in force names (an
 * emergency referral: profile, identity, contact). The stage timeline
 * (without reasons) and the receiver's own referral are always visible to a
 * receiver. */
#define CASES_CAT_PROFILE 0x01u
#define CASES_CAT_IDENTITY 0x02u
#define CASES_CAT_CONTACT 0x04u
#define CASES_CAT_NARRATIVE 0x08u
#define CASES_CAT_SERVICES 0x10u
#define CASES_CAT_ATTACHMENTS 0x20u
#define CASES_CAT_ALL 0x3fu
#define CASES_CAT_EMERGENCY (CASES_CAT_PROFILE | CASES_CAT_IDENTITY | CASES_CAT_CONTACT)

/* ---- access (rule 5) ----------------------------------------------------- */

typedef enum { CASES_ACCESS_NONE = 0, CASES_ACCESS_RECEIVER, CASES_ACCESS_OWNER } cases_access_kind_t;

typedef struct {
    cases_access_kind_t kind;
    unsigned categories; /* CASES_CAT_* the actor may read */
    int64_t owner_org;
} cases_access_t;

/* What the actor may do with case `id` at act->now: the one access rule.
 * TW_ENOTFOUND ("no case N") for a case that does not exist AND for one the
 * actor may not see (the two are indistinguishable); TW_EPERM only when the
 * actor's role has no case.read at all or nobody is signed in. Read-only;
 * does not audit (the callers do). */
tw_err_t cases_access(store_t *st, const cases_actor_t *act, int64_t id, cases_access_t *out,
                      tw_errinfo_t *ei);

/* ---- a case ---------------------------------------------------------------- */

/* Input for cases_open / cases_update. For an update, NULL leaves a field
 * unchanged and "" clears it; cooperating_with_police -1 leaves it. Multi
 * fields are ';'-separated codes. */
typedef struct {
    const char *name, *birth_date, *phone, *email, *address, *narrative;
    const char *worker_key; /* "COUNTRY:DOCNO" as in the registers */
    const char *sex, *age_group, *citizenship, *country_of_exploitation;
    const char *exploitation, *means_of_control, *recruiter, *labour_sector;
    const char *presumed_on; /* YYYY-MM-DD the person was presumed a victim; open: default today */
    int cooperating_with_police; /* 0, 1; -1 unchanged (open: 0) */
    /* open only: why a second case is opened for a person (the document
     * number) who has an open one; without it cases_open() refuses */
    const char *duplicate_reason;
} cases_fields_t;

/* One case as the actor may see it. Text the actor may not see, or that is
 * empty, is NULL; codes are "" when unknown. Free with cases_case_free(). */
typedef struct {
    int64_t id, version, owner_org;
    int64_t alert_id; /* the alert it was opened from: the owner only (sealed with the
                         evidence); 0 otherwise */
    char owner_org_name[64];
    cases_stage_t stage;
    cases_access_kind_t access;
    unsigned categories;
    char opened_at[32], opened_by[64], updated_at[32];
    char presumed_on[11];      /* reflection period starts */
    char reflection_until[11]; /* last day of the reflection period */
    char preid_due[11];        /* pre-identification decision due ("" once decided) */
    int overdue;               /* still presumed_victim after preid_due */
    int in_reflection;         /* today <= reflection_until */
    char decision[16];         /* "", "identified", "not_identified" */
    char decision_date[11];
    char closed_at[32];
    int cooperating_with_police;
    /* profile */
    char sex[32], age_group[8], citizenship[4], country_of_exploitation[4];
    char exploitation[256], means_of_control[512], recruiter[96], labour_sector[256];
    /* identity, contact, narrative (sealed at rest) */
    char *name, *birth_date, *worker_key, *evidence;
    char *phone, *email, *address;
    char *narrative;
    /* the sealed fields the actor may read that do not open (damaged, or
     * under a key the key file lacks): left NULL, named here ("name",
     * "birth_date", "worker_key", "evidence", "phone", "email", "address",
     * "narrative"), the rest of the case read as usual */
    const char *unreadable[8];
    int nunreadable;
} cases_case_t;

void cases_case_free(cases_case_t *c);

/* Opens a case owned by the actor's organisation (needs case.write), at
 * stage presumed_victim. The deadlines are fixed from `pol` when a case
 * enters presumed_victim (preid_due = that day + preid_days) or its
 * presumption date is set (reflection_until = presumed_on + reflection_days). alert_id > 0: opened from that alert; its entity
 * key (when a worker) becomes worker_key unless f->worker_key is given, and
 * its evidence is copied, sealed together with the alert id (never in the
 * clear, in the audit log or in the history). cases_open() checks that the
 * actor may read the alert (alert.read on its owner: the assignee and the
 * assignee's organisation, docs/authz.md "Who owns what"); an unknown alert
 * and one out of scope are the same TW_ENOTFOUND "no alert N" (field
 * alert_id, audited). TW_EINPUT naming the field for a bad value. *id is
 * set only once the case is committed. */
tw_err_t cases_open(store_t *st, const vault_t *v, const cases_policy_t *pol,
                    const cases_actor_t *act, const cases_fields_t *f, int64_t alert_id,
                    int64_t *id, tw_errinfo_t *ei);

/* Reads case `id` (audited as case.read with the categories shown, before
 * anything is unsealed). A blob
 * whose key is not in the key file: TW_ENOTFOUND naming the key id. */
tw_err_t cases_get(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t id,
                   cases_case_t *out, tw_errinfo_t *ei);

/* Changes fields (owner only; a receiver gets TW_EPERM) based on version
 * `base`: a stale base is TW_ECONFLICT with the current case in *cur (when
 * cur is not NULL; free it with cases_case_free; zeroed when it cannot be
 * read) - a read, audited as case.read ("conflict") in a transaction of its
 * own; *new_version (may be NULL) = the version after the change. */
tw_err_t cases_update(store_t *st, const vault_t *v, const cases_policy_t *pol,
                      const cases_actor_t *act, int64_t id, int64_t base,
                      const cases_fields_t *f, int64_t *new_version, cases_case_t *cur,
                      tw_errinfo_t *ei);

/* Moves the case to `to` (owner only) based on version `base` (stale:
 * TW_ECONFLICT with *cur as above). A move the table does not allow is
 * TW_ECONFLICT naming both stages; a missing reason or decision date is
 * TW_EINPUT. decision_date: YYYY-MM-DD, not after today. */
tw_err_t cases_transition(store_t *st, const vault_t *v, const cases_policy_t *pol,
                          const cases_actor_t *act, int64_t id, int64_t base, cases_stage_t to,
                          const char *reason, const char *decision_date, int64_t *new_version,
                          cases_case_t *cur, tw_errinfo_t *ei);

/* ---- history, services, referrals, consents, attachments (the case view) -- */

typedef struct {
    int64_t id;
    const char *at, *actor, *actor_org, *kind; /* kind: opened, stage, update, service,
                                                  referral, consent, attachment, review */
    const char *from_stage, *to_stage; /* NULL when not a move */
    const char *detail;                /* codes and ids only (JSON), may be NULL */
    const char *reason;                /* NULL unless narrative is visible */
    int unreadable; /* its sealed text does not open (damaged): shown without it */
} cases_event_t;

typedef enum {
    SERVICE_OFFERED = 0,
    SERVICE_ACCEPTED,
    SERVICE_DECLINED,
    SERVICE_DELIVERED,
    SERVICE_STATUS_COUNT
} cases_service_status_t;
const char *cases_service_status_name(cases_service_status_t s);
tw_err_t cases_service_status_parse(const char *s, cases_service_status_t *out);

typedef struct {
    int64_t id, case_id, version, provider_org;
    const char *service, *status, *provider, *offered_at, *updated_at;
    long long amount_amd; /* the state payment; 0 otherwise */
} cases_service_t;

typedef struct {
    int64_t id, case_id, version, from_org, to_org;
    const char *from, *to, *services, *status; /* status: draft, pending, accepted,
                                                 rejected, completed, revoked */
    int emergency, reviewed;
    const char *created_at, *created_by, *updated_at;
    const char *sent_at; /* when it was sent (an emergency: created); NULL while a draft */
    const char *reason; /* reject/revoke/emergency reason; NULL unless allowed */
    int in_force;       /* gives its receiver access now */
    int unreadable; /* its sealed text does not open (damaged): shown without it */
} cases_referral_t;

typedef struct {
    int64_t id, referral_id, case_id, recipient_org;
    int given;                           /* 1 given, 0 refused */
    const char *categories, *purpose;    /* purpose: NULL unless narrative is visible */
    const char *until, *recorded_at, *recorded_by;
    const char *withdrawn_at;            /* NULL while not withdrawn */
    int in_force;
    int unreadable; /* its sealed text does not open (damaged): shown without it */
} cases_consent_t;

typedef struct {
    int64_t id, case_id;
    const char *name;       /* NULL unless attachments are visible */
    const char *media_type, *added_at, *added_by;
    long long size;
    int unreadable; /* its sealed text does not open (damaged): shown without it */
} cases_attachment_info_t;

typedef struct {
    tw_err_t (*event)(void *ctx, const cases_event_t *e);
    tw_err_t (*service)(void *ctx, const cases_service_t *s);
    tw_err_t (*referral)(void *ctx, const cases_referral_t *r);
    tw_err_t (*consent)(void *ctx, const cases_consent_t *c);
    tw_err_t (*attachment)(void *ctx, const cases_attachment_info_t *a);
} cases_visitor_t;

/* The case view: the case into *out (like cases_get), then its history in
 * order, services, referrals, consents and attachments as the actor may see
 * them (a receiver: services only with that category, its own referrals and
 * their consents only, attachments only with that category). Any visitor
 * member may be NULL. One audit entry (case.read). */
tw_err_t cases_view(store_t *st, const vault_t *v, const cases_actor_t *act, int64_t id,
                    cases_case_t *out, const cases_visitor_t *vis, void *ctx,
                    tw_errinfo_t *ei);

/* ---- listing ------------------------------------------------------------ */

typedef struct {
    int64_t id, version, owner_org;
    const char *owner, *stage, *opened_at, *preid_due, *updated_at;
    int overdue;
    cases_access_kind_t access;
    const char *name; /* NULL unless identity is visible and a vault was given */
    int unreadable;   /* the name is sealed but does not open (damaged, or under a key
                         the key file lacks): listed without it, never dropped */
} cases_item_t;
typedef tw_err_t (*cases_item_fn)(void *ctx, const cases_item_t *it);

typedef struct {
    int stage;          /* -1: any; else a cases_stage_t */
    int overdue_only;
    /* NULL: any; else cases whose name has every word of this one, in any
     * order, each word whole or as the beginning of one of its words
     * (search tokens, docs/internals/cases.md "Search") */
    const char *name;
    const char *docno;  /* NULL: any; else cases whose document number matches */
    long limit;         /* 0: 500 */
    const char *phone;  /* NULL: any; else cases with this phone (any writing of it) */
} cases_filter_t;

/* The cases the actor may see (own organisation's and those referred to it
 * under a consent in force), overdue first (oldest deadline first), then
 * newest opened first; at most f->limit of them (0: 500; cut to 5000),
 * counted after the access rule. A name search matches its words in any
 * order and in part (f->name above), a document number or phone search
 * the exact normal form (norm_docno, norm_phone), under any key the vault
 * holds (the first search indexes the cases opened before migration 15), and only cases whose identity the actor may see; a search string
 * over 512 (name) or 128 (docno) bytes is TW_EINPUT. f NULL: no filter. One
 * audit entry (case.list) naming the ids and, for a search, which keys were
 * searched (never the value), written before any row is handed out; a role
 * without case.read is TW_EPERM (audited as case.access.denied). */
tw_err_t cases_list(store_t *st, const vault_t *v, const cases_actor_t *act,
                    const cases_filter_t *f, cases_item_fn fn, void *ctx, tw_errinfo_t *ei);

/* Referrals to the actor's organisation that give access now (pending or
 * accepted under a consent in force, or emergency), newest first, without
 * reasons (no vault). Needs case.read (TW_EPERM otherwise). Audited
 * (case.inbox, the referral ids). Strings of r valid during the callback. */
typedef tw_err_t (*cases_referral_fn)(void *ctx, const cases_referral_t *r);
/* cases_inbox() with the vault: an emergency referral's reason (why it is
 * urgent) comes with it, unsealed for its receiver. */
tw_err_t cases_inbox_vault(store_t *st, const vault_t *v, const cases_actor_t *act,
                           cases_referral_fn fn, void *ctx, tw_errinfo_t *ei);
tw_err_t cases_inbox(store_t *st, const cases_actor_t *act, cases_referral_fn fn, void *ctx,
                     tw_errinfo_t *ei);

/* ---- services ------------------------------------------------------------ */

/* Offers `service` (cases_codes(CASES_CODE_SERVICE)) by organisation
 * `provider` (a name; NULL: the owner) (owner only). The state payment:
 * only once the case was identified and only once per case (a declined
 * offer may be made again), for policy->state_payment_amd. Never depends
 * on cooperating_with_police. */
tw_err_t cases_service_offer(store_t *st, const cases_policy_t *pol, const cases_actor_t *act,
                             int64_t case_id, const char *service, const char *provider,
                             int64_t *service_id, tw_errinfo_t *ei);
/* Moves a service offered -> accepted | declined, accepted -> delivered,
 * based on its version `base` (stale: TW_ECONFLICT, *cur_version = the
 * current one). The owner or the providing organisation (while it has
 * access) may do it. */
tw_err_t cases_service_set(store_t *st, const cases_actor_t *act, int64_t service_id,
                           int64_t base, cases_service_status_t to, int64_t *cur_version,
                           tw_errinfo_t *ei);

/* ---- referrals and consent (referral.c) ----------------------------------- */

/* A draft referral of case_id to organisation `to` (a name, not the owner)
 * for `services` (';'-separated service codes) (owner only). Nothing is
 * visible to `to` until it is sent. */
tw_err_t cases_referral_create(store_t *st, const cases_actor_t *act, int64_t case_id,
                               const char *to, const char *services, int64_t *referral_id,
                               tw_errinfo_t *ei);

typedef struct {
    int given;              /* 1 given, 0 refused */
    const char *categories; /* ';'-separated data categories (given: at least one) */
    const char *purpose;    /* why the data goes to the recipient (required when given) */
    const char *until;      /* YYYY-MM-DD, today or later (required when given) */
} cases_consent_in_t;

/* Records the person's consent (or refusal) for a referral (owner only;
 * the receiver gets TW_EPERM, another organisation "no referral N"); the
 * recipient is the referral's receiver. Refused: c->given 0, the rest may
 * be NULL (a purpose is kept when given). The referral must be draft,
 * pending or accepted (TW_ECONFLICT otherwise). A referral has at most one
 * consent in force: recording another while one is in force is
 * TW_ECONFLICT (withdraw it first). `until` is the last day in force
 * (inclusive, Armenian calendar day). */
tw_err_t cases_consent_record(store_t *st, const vault_t *v, const cases_actor_t *act,
                              int64_t referral_id, const cases_consent_in_t *c,
                              int64_t *consent_id, tw_errinfo_t *ei);
/* Withdraws a consent (owner only): the receiver loses access at once (the
 * next call's cases_access()). reason may be NULL (sealed in the history).
 * TW_ECONFLICT for a refusal or a consent already withdrawn. */
tw_err_t cases_consent_withdraw(store_t *st, const vault_t *v, const cases_actor_t *act,
                                int64_t consent_id, const char *reason, tw_errinfo_t *ei);

/* Sends a draft referral (owner only, base = referral version; not a
 * draft: TW_ECONFLICT). TW_EPERM unless a consent is given and in force
 * (not refused, withdrawn or past its date); the refusal is audited. */
tw_err_t cases_referral_send(store_t *st, const cases_actor_t *act, int64_t referral_id,
                             int64_t base, int64_t *cur_version, tw_errinfo_t *ei);

typedef enum {
    REFERRAL_ACCEPT = 0, /* receiver: pending -> accepted */
    REFERRAL_REJECT,     /* receiver: pending -> rejected (reason) */
    REFERRAL_COMPLETE,   /* receiver: accepted -> completed */
    REFERRAL_REVOKE      /* sender: draft|pending|accepted -> revoked (reason) */
} cases_referral_op_t;

/* One step of a referral by the side allowed to take it, based on the
 * referral's version (stale: TW_ECONFLICT, *cur_version current). The
 * other side gets TW_EPERM; a step the status does not allow is
 * TW_ECONFLICT naming the status; reject and revoke need a reason
 * (TW_EINPUT, sealed). A receiver loses access to a case when its referral
 * is rejected, completed or revoked. */
tw_err_t cases_referral_act(store_t *st, const vault_t *v, const cases_actor_t *act,
                            int64_t referral_id, int64_t base, cases_referral_op_t op,
                            const char *reason, int64_t *cur_version, tw_errinfo_t *ei);

/* Emergency referral without consent when a life is at risk: needs
 * case.emergency and the actor's organisation owning the case, a written
 * reason; sent at once (status pending) with CASES_CAT_EMERGENCY, flagged
 * for review. */
tw_err_t cases_referral_emergency(store_t *st, const vault_t *v, const cases_actor_t *act,
                                  int64_t case_id, const char *to, const char *services,
                                  const char *reason, int64_t *referral_id, tw_errinfo_t *ei);

/* Emergency referrals for review (case.review): unreviewed only or all,
 * oldest first, with their reasons (audited: case.emergency.list). Scope
 * all (the auditor): every organisation's; scope org (an admin): those its
 * organisation sent or received. */
tw_err_t cases_emergency_list(store_t *st, const vault_t *v, const cases_actor_t *act,
                              int unreviewed_only, cases_referral_fn fn, void *ctx,
                              tw_errinfo_t *ei);
/* Marks one reviewed (case.review), with an optional note (sealed in the
 * case's history as an event of kind "review"). TW_ENOTFOUND "no emergency
 * referral N" when it is not one, or is one of organisations outside the
 * actor's scope (as for cases_emergency_list; audited); TW_ECONFLICT when
 * already reviewed. */
tw_err_t cases_emergency_review(store_t *st, const vault_t *v, const cases_actor_t *act,
                                int64_t referral_id, const char *note, tw_errinfo_t *ei);

/* ---- attachments --------------------------------------------------------- */

/* Adds a file (owner only): name 1..255 bytes of UTF-8, media type
 * "type/subtype", 1..policy->attachment_max bytes (TW_ETOOBIG beyond). */
tw_err_t cases_attachment_add(store_t *st, const vault_t *v, const cases_policy_t *pol,
                              const cases_actor_t *act, int64_t case_id, const char *name,
                              const char *media_type, const void *data, size_t len,
                              int64_t *attachment_id, tw_errinfo_t *ei);
/* Reads an attachment (needs the attachments category): its bytes are
 * appended to *data (max: the policy's limit), the name and media type to
 * name[256] / media_type[128]. Audited (case.attachment.read). */
tw_err_t cases_attachment_get(store_t *st, const vault_t *v, const cases_actor_t *act,
                              int64_t attachment_id, char name[256], char media_type[128],
                              tw_buf_t *data, tw_errinfo_t *ei);

/* ---- statistics, retention, keys ------------------------------------------ */

/* One cell of the aggregates: dimension "stage", "sex", "age_group",
 * "exploitation", "citizenship" or "year"; value the code ("unknown" when
 * not recorded); count, or -1 when suppressed (shown "suppressed"): a
 * count of 1..4, and complementary cells so that none of those follows
 * from a total minus the cells shown (docs/internals/cases.md,
 * "Aggregates"); shown the text. */
typedef struct {
    const char *dimension, *value, *shown;
    long long count;
    const char *release; /* the release period the answer is of, "YYYY-MM" */
} cases_cell_t;
typedef tw_err_t (*cases_cell_fn)(void *ctx, const cases_cell_t *c);

/* Counts over every case (live and purged), by dimension, cells sorted by
 * dimension then value; needs stats.read (no per-case data), or the system
 * (act->who NULL). "exploitation" counts each form of a case once. Audited
 * (case.aggregate). A release schedule: the answer is computed at the first
 * call of a calendar month (UTC, of act->now), stored (case_stat_release)
 * and given unchanged for the rest of that month, so that two answers of a
 * month cannot be differenced to single out one case opened or changed
 * between them (docs/internals/cases.md, "Aggregates"). */
tw_err_t cases_aggregate(store_t *st, const cases_actor_t *act, cases_cell_fn fn, void *ctx,
                         tw_errinfo_t *ei);

/* Removes the personal data of cases closed more than pol->retention_days
 * before act->now: the case row with its blobs, blind indexes, evidence and
 * alert link, and its history (reasons), services, attachments, referrals
 * and consents are deleted, and a de-identified row is written to
 * case_stat for the aggregates (codes and months, no days; no means of
 * control or recruiter) (the case is then "no case N"; its id is never
 * reused). Runs with PRAGMA secure_delete on (restored after) and
 * truncates the WAL when it can. For the system (act->who NULL: CLI,
 * retention job) or a
 * principal with user.admin (TW_EPERM otherwise). One transaction; audited
 * (case.purge, the ids). *purged (may be NULL) = how many. */
tw_err_t cases_purge(store_t *st, const cases_policy_t *pol, const cases_actor_t *act,
                     long long *purged, tw_errinfo_t *ei);
/* How many cases cases_purge() would remove at act->now under `pol`, and
 * the cutoff (ISO time: cases closed before it go) into closed_before. The
 * same who-may as cases_purge(); reads counts only, writes nothing (not
 * audited). For `tipwatch cases purge --dry-run`. */
tw_err_t cases_purge_due(store_t *st, const cases_policy_t *pol, const cases_actor_t *act,
                         long long *due, char closed_before[32], tw_errinfo_t *ei);

/* Re-seals every blob with the vault's current key and recomputes every
 * blind index (for `tipwatch keys rotate`: the vault holds the old and the
 * new key). For the system (act->who NULL) or user.admin. One transaction:
 * a blob whose key is not loaded fails the whole call (TW_ENOTFOUND naming
 * the key) and changes nothing. Audited (case.reseal). *blobs (may be NULL)
 * = how many were re-sealed (blobs already of the current key are left;
 * a second run re-seals 0). */
tw_err_t cases_reseal(store_t *st, const vault_t *v, const cases_actor_t *act,
                      long long *blobs, tw_errinfo_t *ei);

/* How many sealed values (blobs) each key id sealed, over every column
 * cases_reseal() walks: fn(ctx, key_id, blobs, example) once per key id in
 * ascending order, `example` naming one of them as "table.column:row id"
 * (no personal data). A value that is not a sealed blob counts under key 0.
 * Reads the key ids in the blobs' headers only (nothing is unsealed, no key
 * is needed); not audited. For `tipwatch keys status` and the checks of
 * `keys rotate` (keys.c). fn's error stops the walk and is returned. */
typedef tw_err_t (*cases_key_fn)(void *ctx, uint32_t key_id, long long blobs,
                                 const char *example);
tw_err_t cases_key_usage(store_t *st, cases_key_fn fn, void *ctx, tw_errinfo_t *ei);

/* The key file's vault against the store's record of its keys
 * (keyring_verify(), with a probe that opens a value sealed under a key the
 * store has not recorded yet): TW_EINPUT "the key file does not match this
 * database ..." before anything is written. serve, keys and the demo call it
 * once after vault_open(); every seal checks the current key again. */
tw_err_t cases_keys_verify(store_t *st, const vault_t *v, tw_errinfo_t *ei);

/* ---- linkage: the cases into persons (case_link.c) ------------------------- */

/* Every case that has a name or a document, its identity opened for one
 * run of `tipwatch link` (link/persons.h: persons_case_t, the sex as the
 * registers' F/M, the change token a keyed hash of the values handed out,
 * domain "case.link"): fn(ctx, c) once per case in id order, plaintext
 * valid during the call only (wiped after). For the system only (act NULL
 * or act->who NULL; TW_EPERM otherwise): it crosses organisations. Audited
 * (case.link, the number of cases) before the first case is handed out. A
 * value that does not open is left out of its case. *handed (may be NULL)
 * = how many. Its own transaction (cases.h calling convention). */
typedef tw_err_t (*cases_link_fn)(void *ctx, const persons_case_t *c);
tw_err_t cases_link_records(store_t *st, const vault_t *v, const cases_actor_t *act,
                            cases_link_fn fn, void *ctx, long long *handed,
                            tw_errinfo_t *ei);

/* ---- profiles for the national statistics (case_stats.c) ------------------- */

/* One case's codes: the year it was opened ("YYYY"), its stage and decision
 * with the decision's year, and the HTCDS / CTDC coded fields ("" when not
 * recorded; purged cases have no means of control nor recruiter). No id,
 * no personal data, no day or month. Strings valid during the callback. */
typedef struct {
    const char *year, *stage, *decision, *decision_year;
    const char *sex, *age_group, *citizenship, *country_of_exploitation;
    const char *exploitation, *means_of_control, *recruiter, *labour_sector;
} cases_profile_t;
typedef tw_err_t (*cases_profile_fn)(void *ctx, const cases_profile_t *p);

/* Every case's profile (live and purged), sorted by its codes (the order
 * says nothing of ids or dates), for src/stats/, which publishes only
 * aggregates with small-cell suppression or k-anonymous rows. Needs
 * stats.read, or the system (act->who NULL). Audited (case.profiles) before
 * the first row is handed out. fn's error stops the walk and is returned. */
tw_err_t cases_profiles(store_t *st, const cases_actor_t *act, cases_profile_fn fn, void *ctx,
                        tw_errinfo_t *ei);

/* ---- suspected offenders (case_offenders.c) -------------------------------- */

/* A suspected offender of a case (trafficker, recruiter, exploiter), as
 * GLOTIP counts them: codes only, never a name or a document. Input to
 * cases_offender_add(): sex (the sex list), age_group (the CTDC age list),
 * citizenship (ISO 3166-1 alpha-3); NULL or "" = not known. In the
 * callbacks every string is set ("" unknown); exploitation is the case's
 * forms ';'-separated; year (profiles only) the year recorded, id,
 * recorded_at and recorded_by (list only) else 0 / NULL. Strings valid
 * during the callback. */
typedef struct {
    int64_t id;
    const char *sex, *age_group, *citizenship;
    const char *exploitation, *year, *recorded_at, *recorded_by;
} cases_offender_t;
typedef tw_err_t (*cases_offender_fn)(void *ctx, const cases_offender_t *o);

/* Records a suspected offender on case_id (the owner, case.write). A bad
 * code: TW_EINPUT naming the field. Audited (case.offender.add) and in the
 * case's history. *offender_id once committed. */
tw_err_t cases_offender_add(store_t *st, const cases_actor_t *act, int64_t case_id,
                            const cases_offender_t *o, int64_t *offender_id, tw_errinfo_t *ei);
/* The case's suspected offenders, oldest first (any access to the case;
 * audited case.offender.read). TW_ENOTFOUND as for the case. */
tw_err_t cases_offender_list(store_t *st, const cases_actor_t *act, int64_t case_id,
                             cases_offender_fn fn, void *ctx, tw_errinfo_t *ei);
/* Every suspected offender's codes and year, sorted by them (no case id),
 * for the GLOTIP table; stats.read or the system; audited (case.offenders). */
tw_err_t cases_offender_profiles(store_t *st, const cases_actor_t *act, cases_offender_fn fn,
                                 void *ctx, tw_errinfo_t *ei);

/* ---- the NRM lists of multiple systems estimation (case_stats.c) ----------- */

/* One case as a member of the list of the organisation that opened it:
 * that organisation (id and name), the worker key the case names
 * ("COUNTRY:DOCNO" as in the registers; "" when none, or unreadable 1 when
 * its sealed value does not open with this key file), its decision ("",
 * "identified", "not_identified") and the year it was opened. Live cases
 * only (a purged case keeps no key). Strings valid during the callback. */
typedef struct {
    int64_t org;
    const char *org_name, *worker_key, *decision, *year;
    int unreadable;
} cases_member_t;
typedef tw_err_t (*cases_member_fn)(void *ctx, const cases_member_t *m);

/* Every live case's member row, by case id, for src/stats/'s multiple
 * systems estimation, which links the worker key to a person and publishes
 * only counts of capture histories. Unseals a document number: for the
 * system only (act->who NULL: the CLI with the key file; TW_EPERM for a
 * principal); v is required (TW_EINPUT). Audited (case.members) before the
 * first row. fn's error stops the walk and is returned. */
tw_err_t cases_members(store_t *st, const vault_t *v, const cases_actor_t *act,
                       cases_member_fn fn, void *ctx, tw_errinfo_t *ei);

#endif
