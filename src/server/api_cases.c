/*
 * api_cases.c - the handlers of /api/v1/cases, /services, /referrals,
 * /consents, /emergencies and /attachments: the NRM case module (cases.h)
 * over HTTP. Reference: docs/api.md, "NRM cases".
 *
 * Data structure: none of its own; each handler turns a request into one
 * call of cases.h and the result into a jansson tree.
 *
 * Invariants:
 *   1. Who may see or change a case is decided by cases.h (cases_access(),
 *      the one rule), never here: a handler only passes the caller as the
 *      actor. The route's authz action (http.c) is checked before.
 *   2. Every read and write is audited by cases.h, in its own transaction;
 *      the handlers add nothing to the log and answer only after it.
 *   3. Errors are the module's tw_err_t, turned into statuses in one place
 *      (http.c's reply_from_err(), err.c's tables); the 409 answers that
 *      carry the current state build on the same status and code.
 *   4. Without a vault (no key file at start) every handler answers 503
 *      before it touches the store.
 *   5. Each call into cases.h runs under http_write_lock(): the module's
 *      reads write their audit entry too.
 *
 * Ownership: every json_t built here goes to the reply or is freed;
 * decrypted text lives in cases_case_t and the callbacks' strings, wiped
 * and freed by cases.h. Thread model: http.c's worker threads, each with
 * its own store; the vault is shared read-only.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "server/api.h"
#include "server/api_int.h"
#include "cases/cases.h"
#include "cases/keyring.h"

#define CASE_TEXT_MAX ((size_t)256 * 1024) /* a narrative; the module checks each field */
#define CASE_CODES_MAX 1024                /* a joined ';' list of codes */
#define CASES_CURSOR_SORT 100              /* api_cursor_* tag of a case listing */
#define CASES_LIST_DEEPEST 5000            /* cases_list()'s own cap */

/* ---- common --------------------------------------------------------------- */

/* Invariant 4: 1 when the key file was opened; else the 503 is in rep. */
static int ready(http_req_t *req, http_reply_t *rep)
{
    const http_opts_t *o = http_req_opts(req);
    tw_errinfo_t ei;
    if (o->vault) {
        /* a rotation since the server started: no case read or write with
         * the old keys (a read would say "no such case", a search "no
         * match"); the operator restarts the server */
        tw_errinfo_clear(&ei);
        if (keyring_reader_check(http_req_store(req), o->vault, &ei) == TW_OK)
            return 1;
        http_reply_error(rep, 503, "unavailable", "%s",
                         ei.msg[0] ? ei.msg : "the case data cannot be read now");
        return 0;
    }
    http_reply_error(rep, 503, "unavailable",
                     "NRM cases need a key file: %s could not be read when the server started "
                     "(tipwatch keys init creates it; then restart tipwatch serve)",
                     o->key_path && o->key_path[0] ? o->key_path : "(no path)");
    return 0;
}

static const vault_t *vault_of(http_req_t *req)
{
    return http_req_opts(req)->vault;
}

static const cases_policy_t *policy_of(http_req_t *req)
{
    return &http_req_opts(req)->cases;
}

static void actor_of(http_req_t *req, cases_actor_t *a)
{
    a->who = http_req_principal(req);
    a->remote = http_req_remote(req);
    a->now = 0;
}

static tw_err_t parse_obj_id(const char *s, const char *noun, int64_t *id, tw_errinfo_t *ei)
{
    char *end;
    long long v;
    *id = 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || s[0] == '+')
        return tw_errinfo_set(ei, TW_EINPUT, "%s id must be a positive whole number, not '%.40s'",
                              noun, s);
    *id = (int64_t)v;
    return TW_OK;
}

/* A whole-number member (version, alert_id): TW_EINPUT naming it when it is
 * missing (and required), not a whole number, or below min. */
static tw_err_t body_int(json_t *body, const char *name, int required, long long min,
                         int64_t *out, int *present, tw_errinfo_t *ei)
{
    json_t *v = json_object_get(body, name);
    if (present)
        *present = 0;
    if (!v) {
        if (required)
            return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%s\" is required", name);
        return TW_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "request body: \"%s\" must be a whole number of at least %lld", name,
                              min);
    *out = (int64_t)json_integer_value(v);
    if (present)
        *present = 1;
    return TW_OK;
}

static tw_err_t body_bool(json_t *body, const char *name, int *out, tw_errinfo_t *ei)
{
    json_t *v = json_object_get(body, name);
    if (!v)
        return TW_OK;
    if (!json_is_boolean(v))
        return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%s\" must be true or false", name);
    *out = json_is_true(v) ? 1 : 0;
    return TW_OK;
}

/* An array of codes joined with ';' into out (malloc'd, the caller frees;
 * NULL when absent). [] gives "". TW_EINPUT naming the member for anything
 * but an array of non-empty strings without ';'. */
static tw_err_t body_codes(json_t *body, const char *name, int required, char **out,
                           tw_errinfo_t *ei)
{
    json_t *v = json_object_get(body, name), *e;
    size_t i, len = 0;
    char *s;

    *out = NULL;
    if (!v) {
        if (required)
            return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%s\" is required", name);
        return TW_OK;
    }
    if (!json_is_array(v))
        return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%s\" must be an array of codes",
                              name);
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0 ||
            strchr(json_string_value(e), ';'))
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "request body: \"%s\" item %zu must be a code (a non-empty "
                                  "string without ';')",
                                  name, i + 1);
        len += json_string_length(e) + 1;
    }
    if (len > CASE_CODES_MAX)
        return tw_errinfo_set(ei, TW_EINPUT, "request body: \"%s\" is longer than %d bytes",
                              name, CASE_CODES_MAX);
    if (!(s = malloc(len + 1)))
        return TW_ENOMEM;
    s[0] = '\0';
    len = 0;
    json_array_foreach(v, i, e) {
        size_t n = json_string_length(e);
        if (i)
            s[len++] = ';';
        memcpy(s + len, json_string_value(e), n);
        len += n;
        s[len] = '\0';
    }
    *out = s;
    return TW_OK;
}

/* A ';'-separated list as a JSON array ("" and NULL: []). */
static json_t *codes_json(const char *s, int *oom)
{
    json_t *a = json_array();
    if (!a) {
        *oom = 1;
        return NULL;
    }
    while (s && *s) {
        size_t n = strcspn(s, ";");
        if (n)
            api_push(a, json_stringn(s, n), oom);
        s += n + (s[n] == ';');
    }
    return a;
}

static json_t *categories_json(unsigned cat, int *oom)
{
    const char *const *names = cases_codes(CASES_CODE_CATEGORY);
    json_t *a = json_array();
    size_t i;
    if (!a) {
        *oom = 1;
        return NULL;
    }
    for (i = 0; names[i]; i++)
        if (cat & (1u << i))
            api_push(a, json_string(names[i]), oom);
    return a;
}

/* A date or time column: "" is JSON null. */
static json_t *jopt(const char *s)
{
    return s && s[0] ? api_jstr(s) : json_null();
}

/* Stored JSON text (an event's detail, the alert evidence) as JSON. */
static json_t *jparsed(const char *s)
{
    json_t *j;
    if (!s || !s[0])
        return json_null();
    j = json_loads(s, JSON_DECODE_ANY, NULL);
    return j ? j : api_jstr(s);
}

/* A 409 that also says what is current (invariant 3): the error as http.c
 * would make it, plus `name` = cur (stolen). */
static tw_err_t reply_conflict(http_reply_t *rep, tw_err_t err, const tw_errinfo_t *ei,
                               const char *name, json_t *cur)
{
    char msg[1024];
    tw_errinfo_format(ei, msg, sizeof(msg));
    http_reply_error(rep, tw_err_http_status(err), tw_err_code_name(err), "%s", msg);
    if (!rep->json || !cur || json_object_set_new(rep->json, name, cur) != 0) {
        json_decref(cur);
        return TW_ENOMEM;
    }
    return TW_OK;
}

/* ---- the case view ---------------------------------------------------------- */

typedef struct {
    json_t *timeline, *services, *referrals, *attachments;
    int oom;
} view_t;

static tw_err_t view_event(void *ctx, const cases_event_t *e)
{
    view_t *v = ctx;
    json_t *o = json_object();
    api_put(o, "id", json_integer(e->id), &v->oom);
    api_put(o, "at", api_jstr(e->at), &v->oom);
    api_put(o, "actor", api_jstr(e->actor), &v->oom);
    api_put(o, "actor_org", api_jstr(e->actor_org), &v->oom);
    api_put(o, "kind", api_jstr(e->kind), &v->oom);
    api_put(o, "from_stage", jopt(e->from_stage), &v->oom);
    api_put(o, "to_stage", jopt(e->to_stage), &v->oom);
    api_put(o, "detail", jparsed(e->detail), &v->oom);
    api_put(o, "reason", api_jstr(e->reason), &v->oom);
    if (e->unreadable)
        api_put(o, "unreadable", json_true(), &v->oom);
    api_push(v->timeline, o, &v->oom);
    return v->oom ? TW_ENOMEM : TW_OK;
}

static json_t *service_json(const cases_service_t *s, int *oom)
{
    json_t *o = json_object();
    api_put(o, "id", json_integer(s->id), oom);
    api_put(o, "case_id", json_integer(s->case_id), oom);
    api_put(o, "version", json_integer(s->version), oom);
    api_put(o, "service", api_jstr(s->service), oom);
    api_put(o, "status", api_jstr(s->status), oom);
    api_put(o, "provider", api_jstr(s->provider), oom);
    api_put(o, "provider_org", json_integer(s->provider_org), oom);
    api_put(o, "amount_amd", json_integer(s->amount_amd), oom);
    api_put(o, "offered_at", jopt(s->offered_at), oom);
    api_put(o, "updated_at", jopt(s->updated_at), oom);
    return o;
}

static tw_err_t view_service(void *ctx, const cases_service_t *s)
{
    view_t *v = ctx;
    if (!v->services)
        v->services = json_array();
    api_push(v->services, service_json(s, &v->oom), &v->oom);
    return v->oom ? TW_ENOMEM : TW_OK;
}

static json_t *referral_json(const cases_referral_t *r, int *oom)
{
    json_t *o = json_object();
    api_put(o, "id", json_integer(r->id), oom);
    api_put(o, "case_id", json_integer(r->case_id), oom);
    api_put(o, "version", json_integer(r->version), oom);
    api_put(o, "from", api_jstr(r->from), oom);
    api_put(o, "to", api_jstr(r->to), oom);
    api_put(o, "from_org", json_integer(r->from_org), oom);
    api_put(o, "to_org", json_integer(r->to_org), oom);
    api_put(o, "services", codes_json(r->services, oom), oom);
    api_put(o, "status", api_jstr(r->status), oom);
    api_put(o, "emergency", json_boolean(r->emergency), oom);
    api_put(o, "reviewed", json_boolean(r->reviewed), oom);
    api_put(o, "created_at", jopt(r->created_at), oom);
    api_put(o, "sent_at", jopt(r->sent_at), oom);
    api_put(o, "created_by", api_jstr(r->created_by), oom);
    api_put(o, "updated_at", jopt(r->updated_at), oom);
    api_put(o, "reason", api_jstr(r->reason), oom);
    if (r->unreadable)
        api_put(o, "unreadable", json_true(), oom);
    api_put(o, "in_force", json_boolean(r->in_force), oom);
    return o;
}

static tw_err_t view_referral(void *ctx, const cases_referral_t *r)
{
    view_t *v = ctx;
    json_t *o = referral_json(r, &v->oom);
    api_put(o, "consents", json_array(), &v->oom);
    api_push(v->referrals, o, &v->oom);
    return v->oom ? TW_ENOMEM : TW_OK;
}

static json_t *consent_json(const cases_consent_t *c, int *oom)
{
    json_t *o = json_object();
    api_put(o, "id", json_integer(c->id), oom);
    api_put(o, "referral_id", json_integer(c->referral_id), oom);
    api_put(o, "given", json_boolean(c->given), oom);
    api_put(o, "categories", codes_json(c->categories, oom), oom);
    api_put(o, "purpose", api_jstr(c->purpose), oom);
    if (c->unreadable)
        api_put(o, "unreadable", json_true(), oom);
    api_put(o, "until", jopt(c->until), oom);
    api_put(o, "recorded_at", jopt(c->recorded_at), oom);
    api_put(o, "recorded_by", api_jstr(c->recorded_by), oom);
    api_put(o, "withdrawn_at", jopt(c->withdrawn_at), oom);
    api_put(o, "in_force", json_boolean(c->in_force), oom);
    return o;
}

/* A consent goes under its referral (the referrals come first). */
static tw_err_t view_consent(void *ctx, const cases_consent_t *c)
{
    view_t *v = ctx;
    size_t i;
    json_t *r;
    json_array_foreach(v->referrals, i, r) {
        if (json_integer_value(json_object_get(r, "id")) == c->referral_id) {
            api_push(json_object_get(r, "consents"), consent_json(c, &v->oom), &v->oom);
            break;
        }
    }
    return v->oom ? TW_ENOMEM : TW_OK;
}

static tw_err_t view_attachment(void *ctx, const cases_attachment_info_t *a)
{
    view_t *v = ctx;
    json_t *o = json_object();
    if (!v->attachments)
        v->attachments = json_array();
    api_put(o, "id", json_integer(a->id), &v->oom);
    api_put(o, "name", api_jstr(a->name), &v->oom);
    if (a->unreadable)
        api_put(o, "unreadable", json_true(), &v->oom);
    api_put(o, "media_type", api_jstr(a->media_type), &v->oom);
    api_put(o, "size", json_integer(a->size), &v->oom);
    api_put(o, "added_at", jopt(a->added_at), &v->oom);
    api_put(o, "added_by", api_jstr(a->added_by), &v->oom);
    api_push(v->attachments, o, &v->oom);
    return v->oom ? TW_ENOMEM : TW_OK;
}

/* The case with its parts, as docs/api.md shows it. */
static json_t *case_json(const cases_case_t *c, view_t *v, int *oom)
{
    static const char *const multi[4] = {"exploitation", "means_of_control", "recruiter",
                                         "labour_sector"};
    const char *const multi_val[4] = {c->exploitation, c->means_of_control, c->recruiter,
                                      c->labour_sector};
    int profile = (c->categories & CASES_CAT_PROFILE) != 0;
    int owner = c->access == CASES_ACCESS_OWNER;
    json_t *o = json_object(), *moves;
    int s;
    size_t i;

    api_put(o, "id", json_integer(c->id), oom);
    api_put(o, "version", json_integer(c->version), oom);
    api_put(o, "stage", json_string(cases_stage_name(c->stage)), oom);
    api_put(o, "access", json_string(owner ? "owner" : "receiver"), oom);
    api_put(o, "categories", categories_json(c->categories, oom), oom);
    api_put(o, "owner_org", api_jstr(c->owner_org_name), oom);
    api_put(o, "alert_id", c->alert_id > 0 ? json_integer(c->alert_id) : json_null(), oom);
    api_put(o, "opened_at", jopt(c->opened_at), oom);
    api_put(o, "opened_by", jopt(c->opened_by), oom);
    api_put(o, "updated_at", jopt(c->updated_at), oom);
    api_put(o, "presumed_on", jopt(c->presumed_on), oom);
    api_put(o, "reflection_until", jopt(c->reflection_until), oom);
    api_put(o, "in_reflection", json_boolean(c->in_reflection), oom);
    api_put(o, "preid_due", jopt(c->preid_due), oom);
    api_put(o, "overdue", json_boolean(c->overdue), oom);
    api_put(o, "decision", jopt(c->decision), oom);
    api_put(o, "decision_date", jopt(c->decision_date), oom);
    api_put(o, "closed_at", jopt(c->closed_at), oom);
    api_put(o, "cooperating_with_police",
            profile ? json_boolean(c->cooperating_with_police) : json_null(), oom);
    api_put(o, "sex", profile ? api_jstr(c->sex) : json_null(), oom);
    api_put(o, "age_group", profile ? api_jstr(c->age_group) : json_null(), oom);
    api_put(o, "citizenship", profile ? api_jstr(c->citizenship) : json_null(), oom);
    api_put(o, "country_of_exploitation", profile ? api_jstr(c->country_of_exploitation)
                                                  : json_null(),
            oom);
    for (i = 0; i < 4; i++)
        api_put(o, multi[i], profile ? codes_json(multi_val[i], oom) : json_null(), oom);
    api_put(o, "name", api_jstr(c->name), oom);
    api_put(o, "birth_date", api_jstr(c->birth_date), oom);
    api_put(o, "worker_key", api_jstr(c->worker_key), oom);
    api_put(o, "evidence", jparsed(c->evidence), oom);
    api_put(o, "phone", api_jstr(c->phone), oom);
    api_put(o, "email", api_jstr(c->email), oom);
    api_put(o, "address", api_jstr(c->address), oom);
    api_put(o, "narrative", api_jstr(c->narrative), oom);
    {
        /* the fields that do not open with this key file: null above and
         * named here, so the page says so instead of "not recorded" */
        json_t *bad = json_array();
        for (i = 0; i < (size_t)c->nunreadable; i++)
            api_push(bad, json_string(c->unreadable[i]), oom);
        api_put(o, "unreadable", bad, oom);
    }
    moves = json_array();
    for (s = 0; owner && s < CASE_STAGE_COUNT; s++) {
        if (!cases_stage_allowed(c->stage, (cases_stage_t)s))
            continue;
        api_push(moves,
                 json_pack("{s:s,s:b,s:b}", "to", cases_stage_name((cases_stage_t)s),
                           "needs_reason", cases_stage_needs_reason((cases_stage_t)s),
                           "needs_date", cases_stage_needs_date((cases_stage_t)s)),
                 oom);
    }
    api_put(o, "allowed_moves", moves, oom);
    api_put(o, "timeline", v->timeline, oom);
    v->timeline = NULL;
    /* services: every one with the category; a provider without it sees its own */
    if (!v->services && (c->categories & CASES_CAT_SERVICES))
        v->services = json_array();
    api_put(o, "services", v->services ? v->services : json_null(), oom);
    v->services = NULL;
    api_put(o, "referrals", v->referrals, oom);
    v->referrals = NULL;
    if (!v->attachments && (c->categories & CASES_CAT_ATTACHMENTS))
        v->attachments = json_array();
    api_put(o, "attachments", v->attachments ? v->attachments : json_null(), oom);
    v->attachments = NULL;
    return o;
}

static void view_free(view_t *v)
{
    json_decref(v->timeline);
    json_decref(v->services);
    json_decref(v->referrals);
    json_decref(v->attachments);
}

/* Reads case `id` as the caller may see it (one case.read audit entry)
 * into *out. */
static tw_err_t load_case(http_req_t *req, int64_t id, json_t **out, tw_errinfo_t *ei)
{
    cases_visitor_t vis = {view_event, view_service, view_referral, view_consent,
                           view_attachment};
    cases_actor_t act;
    cases_case_t c;
    view_t v;
    tw_err_t err;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    memset(&v, 0, sizeof(v));
    v.timeline = json_array();
    v.referrals = json_array();
    if (!v.timeline || !v.referrals) {
        view_free(&v);
        return TW_ENOMEM;
    }
    actor_of(req, &act);
    http_write_lock(req);
    err = cases_view(http_req_store(req), vault_of(req), &act, id, &c, &vis, &v, ei);
    http_write_unlock(req);
    if (err == TW_OK) {
        *out = case_json(&c, &v, &v.oom);
        if (v.oom) {
            json_decref(*out);
            *out = NULL;
            err = TW_ENOMEM;
        }
    }
    cases_case_free(&c);
    view_free(&v);
    return err;
}

/* Answers the case view with `status`, or, after a conflict, the 409 with
 * it as "current". */
static tw_err_t reply_case(http_req_t *req, http_reply_t *rep, int status, int64_t id,
                           tw_err_t conflict, const tw_errinfo_t *cei, tw_errinfo_t *ei)
{
    json_t *j;
    tw_err_t err = load_case(req, id, &j, ei);
    if (err != TW_OK)
        return err;
    if (conflict != TW_OK)
        return reply_conflict(rep, conflict, cei, "current", j);
    return api_reply_json(rep, status, j, 0);
}

/* ---- case fields from a body ------------------------------------------------- */

static const struct {
    const char *name;
    size_t off;
} text_members[] = {
    {"name", offsetof(cases_fields_t, name)},
    {"birth_date", offsetof(cases_fields_t, birth_date)},
    {"phone", offsetof(cases_fields_t, phone)},
    {"email", offsetof(cases_fields_t, email)},
    {"address", offsetof(cases_fields_t, address)},
    {"narrative", offsetof(cases_fields_t, narrative)},
    {"worker_key", offsetof(cases_fields_t, worker_key)},
    {"sex", offsetof(cases_fields_t, sex)},
    {"age_group", offsetof(cases_fields_t, age_group)},
    {"citizenship", offsetof(cases_fields_t, citizenship)},
    {"country_of_exploitation", offsetof(cases_fields_t, country_of_exploitation)},
    {"presumed_on", offsetof(cases_fields_t, presumed_on)},
};
#define NTEXT (sizeof(text_members) / sizeof(text_members[0]))

static const struct {
    const char *name;
    size_t off;
} code_members[] = {
    {"exploitation", offsetof(cases_fields_t, exploitation)},
    {"means_of_control", offsetof(cases_fields_t, means_of_control)},
    {"recruiter", offsetof(cases_fields_t, recruiter)},
    {"labour_sector", offsetof(cases_fields_t, labour_sector)},
};
#define NCODES (sizeof(code_members) / sizeof(code_members[0]))

typedef struct {
    cases_fields_t f;
    char *codes[NCODES];
} fields_in_t;

static void fields_free(fields_in_t *in)
{
    size_t i;
    for (i = 0; i < NCODES; i++)
        free(in->codes[i]);
}

/* The members of a case body into in->f. On an update (`update` 1) a null
 * is refused (absent leaves a field, "" clears it); on opening a null is
 * the same as absent. */
static tw_err_t fields_from(json_t *body, int update, fields_in_t *in, tw_errinfo_t *ei)
{
    size_t i;
    tw_err_t err;

    memset(in, 0, sizeof(*in));
    in->f.cooperating_with_police = -1;
    for (i = 0; i < NTEXT; i++) {
        json_t *v = json_object_get(body, text_members[i].name);
        const char *s = NULL;
        if (v && json_is_null(v)) {
            if (update)
                return tw_errinfo_set(ei, TW_EINPUT,
                                      "request body: \"%s\" is null: leave it out to keep the "
                                      "value, or send \"\" to clear it",
                                      text_members[i].name);
            continue;
        }
        if ((err = api_body_str(body, text_members[i].name, 0, CASE_TEXT_MAX, &s, ei)) != TW_OK)
            return err;
        *(const char **)(void *)((char *)&in->f + text_members[i].off) = s;
    }
    for (i = 0; i < NCODES; i++) {
        json_t *v = json_object_get(body, code_members[i].name);
        if (v && json_is_null(v)) {
            if (update)
                return tw_errinfo_set(ei, TW_EINPUT,
                                      "request body: \"%s\" is null: leave it out to keep the "
                                      "value, or send [] to clear it",
                                      code_members[i].name);
            continue;
        }
        if ((err = body_codes(body, code_members[i].name, 0, &in->codes[i], ei)) != TW_OK)
            return err;
        *(const char **)(void *)((char *)&in->f + code_members[i].off) = in->codes[i];
    }
    {
        json_t *v = json_object_get(body, "cooperating_with_police");
        if (v && !(json_is_null(v) && !update) &&
            (err = body_bool(body, "cooperating_with_police", &in->f.cooperating_with_police,
                             ei)) != TW_OK)
            return err;
    }
    return TW_OK;
}

#define FIELD_MEMBERS                                                                         \
    "name", "birth_date", "phone", "email", "address", "narrative", "worker_key", "sex",      \
        "age_group", "citizenship", "country_of_exploitation", "presumed_on", "exploitation", \
        "means_of_control", "recruiter", "labour_sector", "cooperating_with_police"

/* ---- cases ---------------------------------------------------------------------- */

typedef struct {
    json_t **items;
    int64_t *ids;
    size_t n, cap;
    int oom;
} collect_t;

static tw_err_t collect_item(void *ctx, const cases_item_t *it)
{
    collect_t *c = ctx;
    json_t *o;
    size_t i;
    for (i = 0; i < c->n; i++)
        if (c->ids[i] == it->id) /* found by both name and document number */
            return TW_OK;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        json_t **items = realloc(c->items, cap * sizeof(*items));
        int64_t *ids;
        if (!items)
            return TW_ENOMEM;
        c->items = items;
        if (!(ids = realloc(c->ids, cap * sizeof(*ids))))
            return TW_ENOMEM;
        c->ids = ids;
        c->cap = cap;
    }
    o = json_object();
    api_put(o, "id", json_integer(it->id), &c->oom);
    api_put(o, "version", json_integer(it->version), &c->oom);
    api_put(o, "stage", api_jstr(it->stage), &c->oom);
    api_put(o, "owner_org", api_jstr(it->owner), &c->oom);
    api_put(o, "access",
            json_string(it->access == CASES_ACCESS_OWNER ? "owner" : "receiver"), &c->oom);
    api_put(o, "name", api_jstr(it->name), &c->oom);
    api_put(o, "unreadable", json_boolean(it->unreadable), &c->oom);
    api_put(o, "opened_at", jopt(it->opened_at), &c->oom);
    api_put(o, "preid_due", jopt(it->preid_due), &c->oom);
    api_put(o, "overdue", json_boolean(it->overdue), &c->oom);
    api_put(o, "updated_at", jopt(it->updated_at), &c->oom);
    if (c->oom) {
        json_decref(o);
        return TW_ENOMEM;
    }
    c->items[c->n] = o;
    c->ids[c->n] = it->id;
    c->n++;
    return TW_OK;
}

static const char *sget(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* cases_list()'s order: overdue first, oldest deadline first, then newest
 * opened, then highest id. */
static int item_cmp(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int oa = json_is_true(json_object_get(a, "overdue"));
    int ob = json_is_true(json_object_get(b, "overdue"));
    int r;
    json_int_t ia, ib;
    if (oa != ob)
        return ob - oa;
    if (oa && (r = strcmp(sget(a, "preid_due"), sget(b, "preid_due"))) != 0)
        return r;
    if ((r = strcmp(sget(b, "opened_at"), sget(a, "opened_at"))) != 0)
        return r;
    ia = json_integer_value(json_object_get(a, "id"));
    ib = json_integer_value(json_object_get(b, "id"));
    return ia < ib ? 1 : ia > ib ? -1 : 0;
}

tw_err_t api_cases_list(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"stage", "overdue", "q", "limit", "cursor", NULL};
    const char *stage = api_param(req, "stage"), *overdue = api_param(req, "overdue");
    const char *q = api_param(req, "q"), *lim = api_param(req, "limit");
    const char *cursor = api_param(req, "cursor");
    cases_filter_t f;
    cases_actor_t act;
    collect_t c;
    json_t *out = NULL, *items;
    long long offset = 0, limit = API_LIST_DEFAULT;
    size_t i;
    int oom = 0;
    tw_err_t err;

    if (!ready(req, rep))
        return TW_OK;
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    memset(&f, 0, sizeof(f));
    memset(&c, 0, sizeof(c));
    f.stage = -1;
    if (stage) {
        cases_stage_t s;
        if (cases_stage_parse(stage, &s) != TW_OK)
            return tw_errinfo_set(ei, TW_EINPUT, "stage: unknown stage '%.40s'", stage);
        f.stage = (int)s;
    }
    if (overdue) {
        if (strcmp(overdue, "1") != 0 && strcmp(overdue, "0") != 0 &&
            strcmp(overdue, "true") != 0 && strcmp(overdue, "false") != 0)
            return tw_errinfo_set(ei, TW_EINPUT, "overdue: must be 1 or 0, not '%.20s'", overdue);
        f.overdue_only = overdue[0] == '1' || overdue[0] == 't';
    }
    if (lim) {
        char *end;
        errno = 0;
        limit = strtoll(lim, &end, 10);
        if (errno || *end || end == lim || limit < 1 || limit > API_LIST_MAX)
            return tw_errinfo_set(ei, TW_EINPUT, "limit: must be 1 to %d, not '%.20s'",
                                  API_LIST_MAX, lim);
    }
    if (cursor) {
        char key[16];
        if (api_cursor_decode(cursor, CASES_CURSOR_SORT, key, sizeof(key), &offset) != TW_OK ||
            strcmp(key, "cases") != 0 || offset >= CASES_LIST_DEEPEST)
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "cursor: not one this server gave for a case listing");
    }
    if (q && strlen(q) > 512)
        return tw_errinfo_set(ei, TW_EINPUT, "q: longer than 512 bytes");
    f.limit = (long)(offset + limit + 1);
    actor_of(req, &act);
    http_write_lock(req);
    if (!q) {
        err = cases_list(http_req_store(req), vault_of(req), &act, &f, collect_item, &c, ei);
    } else {
        /* a name, or a document number with or without its country */
        const char *colon = strchr(q, ':');
        f.name = q;
        err = cases_list(http_req_store(req), vault_of(req), &act, &f, collect_item, &c, ei);
        f.name = NULL;
        f.docno = colon ? colon + 1 : q;
        if (err == TW_OK) {
            tw_errinfo_t e2;
            tw_errinfo_clear(&e2);
            err = cases_list(http_req_store(req), vault_of(req), &act, &f, collect_item, &c,
                             &e2);
            if (err == TW_EINPUT) /* not shaped like a document number: a name only */
                err = TW_OK;
            else if (err != TW_OK)
                *ei = e2;
        }
        /* and a phone number, in any writing norm_phone() reads */
        f.docno = NULL;
        f.phone = q;
        if (err == TW_OK && strpbrk(q, "0123456789")) {
            tw_errinfo_t e2;
            tw_errinfo_clear(&e2);
            err = cases_list(http_req_store(req), vault_of(req), &act, &f, collect_item, &c,
                             &e2);
            if (err == TW_EINPUT) /* not a phone */
                err = TW_OK;
            else if (err != TW_OK)
                *ei = e2;
        }
    }
    http_write_unlock(req);
    if (err != TW_OK)
        goto out;
    if (c.n > 1)
        qsort(c.items, c.n, sizeof(*c.items), item_cmp);
    out = json_object();
    items = json_array();
    for (i = (size_t)offset; i < c.n && i < (size_t)(offset + limit); i++) {
        api_push(items, c.items[i], &oom);
        c.items[i] = NULL;
    }
    api_put(out, "items", items, &oom);
    if (c.n > (size_t)(offset + limit) && offset + limit < CASES_LIST_DEEPEST) {
        char next[160];
        api_cursor_encode(CASES_CURSOR_SORT, "cases", offset + limit, next, sizeof(next));
        api_put(out, "next_cursor", json_string(next), &oom);
    } else {
        api_put(out, "next_cursor", json_null(), &oom);
    }
    err = api_reply_json(rep, 200, out, oom);
    out = NULL;
out:
    for (i = 0; i < c.n; i++)
        json_decref(c.items[i]);
    free(c.items);
    free(c.ids);
    return err;
}

tw_err_t api_case_open(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {FIELD_MEMBERS, "alert_id", "duplicate_reason", NULL};
    json_t *body = NULL, *aj;
    fields_in_t in;
    cases_actor_t act;
    int64_t alert_id = 0, id = 0;
    tw_err_t err;

    memset(&in, 0, sizeof(in));
    if (!ready(req, rep))
        return TW_OK;
    if ((err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(body, allowed, ei)) != TW_OK)
        goto out;
    aj = json_object_get(body, "alert_id");
    if (aj && !json_is_null(aj) && (err = body_int(body, "alert_id", 0, 1, &alert_id, NULL, ei)) != TW_OK)
        goto out;
    if ((err = fields_from(body, 0, &in, ei)) != TW_OK)
        goto out;
    if ((err = api_body_str(body, "duplicate_reason", 0, 2000, &in.f.duplicate_reason, ei)) !=
        TW_OK)
        goto out;
    if (alert_id > 0 && (err = api_alert_readable(req, alert_id, ei)) != TW_OK)
        goto out;
    actor_of(req, &act);
    http_write_lock(req);
    err = cases_open(http_req_store(req), vault_of(req), policy_of(req), &act, &in.f, alert_id,
                     &id, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = reply_case(req, rep, 201, id, TW_OK, NULL, ei);
out:
    fields_free(&in);
    json_decref(body);
    return err;
}

tw_err_t api_case_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    int64_t id;
    tw_err_t err;
    if (!ready(req, rep))
        return TW_OK;
    if ((err = parse_obj_id(http_req_param(req, 0), "case", &id, ei)) != TW_OK)
        return err;
    return reply_case(req, rep, 200, id, TW_OK, NULL, ei);
}

/* The start every write on one object shares: the key file is there (else
 * the 503 answer is set and *answered = 1), path parameter 0 is a `kind`
 * id, the body is a JSON object with only `allowed` members (*body, freed
 * by the caller; NULL after a failure here), and the actor. */
static tw_err_t write_start(http_req_t *req, http_reply_t *rep, const char *kind,
                            const char *const *allowed, int64_t *id, json_t **body,
                            cases_actor_t *act, int *answered, tw_errinfo_t *ei)
{
    tw_err_t err;

    *answered = 0;
    *body = NULL;
    if (!ready(req, rep)) {
        *answered = 1;
        return TW_OK;
    }
    if ((err = parse_obj_id(http_req_param(req, 0), kind, id, ei)) != TW_OK ||
        (err = http_req_json(req, body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(*body, allowed, ei)) != TW_OK) {
        json_decref(*body);
        *body = NULL;
        return err;
    }
    actor_of(req, act);
    return TW_OK;
}

tw_err_t api_case_update(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {FIELD_MEMBERS, "version", NULL};
    json_t *body = NULL;
    fields_in_t in;
    cases_actor_t act;
    int64_t id, base = 0;
    int answered;
    tw_err_t err;

    memset(&in, 0, sizeof(in));
    if ((err = write_start(req, rep, "case", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = body_int(body, "version", 1, 0, &base, NULL, ei)) != TW_OK ||
        (err = fields_from(body, 1, &in, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    err = cases_update(http_req_store(req), vault_of(req), policy_of(req), &act, id, base, &in.f,
                       NULL, NULL, ei);
    http_write_unlock(req);
    if (err == TW_OK || err == TW_ECONFLICT) {
        tw_errinfo_t cei = *ei;
        tw_errinfo_clear(ei);
        err = reply_case(req, rep, 200, id, err, &cei, ei);
    }
out:
    fields_free(&in);
    json_decref(body);
    return err;
}

tw_err_t api_case_transition(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"to", "reason", "decision_date", "version", NULL};
    const char *to = NULL, *reason = NULL, *date = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    cases_stage_t stage;
    int64_t id, base = 0;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "case", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "to", 1, 64, &to, ei)) != TW_OK ||
        (err = api_body_str(body, "reason", 0, CASE_TEXT_MAX, &reason, ei)) != TW_OK ||
        (err = api_body_str(body, "decision_date", 0, 32, &date, ei)) != TW_OK ||
        (err = body_int(body, "version", 1, 0, &base, NULL, ei)) != TW_OK)
        goto out;
    if (cases_stage_parse(to, &stage) != TW_OK) {
        tw_errinfo_field(ei, "to");
        err = tw_errinfo_set(ei, TW_EINPUT, "request body: \"to\" is not a stage: '%.40s'", to);
        goto out;
    }
    http_write_lock(req);
    err = cases_transition(http_req_store(req), vault_of(req), policy_of(req), &act, id, base,
                           stage, reason, date, NULL, NULL, ei);
    http_write_unlock(req);
    if (err == TW_OK || err == TW_ECONFLICT) {
        tw_errinfo_t cei = *ei;
        tw_errinfo_clear(ei);
        err = reply_case(req, rep, 200, id, err, &cei, ei);
    }
out:
    json_decref(body);
    return err;
}

/* ---- services ------------------------------------------------------------------ */

tw_err_t api_case_service_offer(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"service", "provider", NULL};
    const char *service = NULL, *provider = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    int64_t id, sid = 0;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "case", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "service", 1, 64, &service, ei)) != TW_OK ||
        (err = api_body_str(body, "provider", 0, 256, &provider, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    err = cases_service_offer(http_req_store(req), policy_of(req), &act, id, service, provider,
                              &sid, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = api_reply_json(rep, 201,
                             json_pack("{s:I,s:I,s:i,s:s,s:s}", "id", (json_int_t)sid, "case_id",
                                       (json_int_t)id, "version", 1, "service", service,
                                       "status", "offered"),
                             0);
out:
    json_decref(body);
    return err;
}

tw_err_t api_service_set(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"status", "version", NULL};
    const char *status = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    cases_service_status_t to;
    int64_t id, base = 0, cur = 0;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "service", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "status", 1, 32, &status, ei)) != TW_OK ||
        (err = body_int(body, "version", 1, 0, &base, NULL, ei)) != TW_OK)
        goto out;
    if (cases_service_status_parse(status, &to) != TW_OK) {
        tw_errinfo_field(ei, "status");
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "request body: \"status\" must be offered, accepted, declined or "
                             "delivered, not '%.40s'",
                             status);
        goto out;
    }
    http_write_lock(req);
    err = cases_service_set(http_req_store(req), &act, id, base, to, &cur, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = api_reply_json(rep, 200,
                             json_pack("{s:I,s:I,s:s}", "id", (json_int_t)id, "version",
                                       (json_int_t)cur, "status", status),
                             0);
    else if (err == TW_ECONFLICT && cur > 0 && cur != base) /* stale, not a bad move */
        err = reply_conflict(rep, err, ei, "current_version", json_integer(cur));
out:
    json_decref(body);
    return err;
}

/* ---- referrals and consent ---------------------------------------------------- */

/* The small answer of a referral write, from what the call returned:
 * {"id","version","status"}, with "case_id" when the case is known (0: not). */
static tw_err_t reply_referral(http_reply_t *rep, int status, int64_t id, int64_t case_id,
                               int64_t version, const char *st)
{
    json_t *o = json_pack("{s:I,s:I,s:s}", "id", (json_int_t)id, "version",
                          (json_int_t)version, "status", st);
    int oom = 0;
    if (case_id > 0)
        api_put(o, "case_id", json_integer(case_id), &oom);
    return api_reply_json(rep, status, o, oom);
}

tw_err_t api_referral_create(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"to", "services", NULL};
    const char *to = NULL;
    char *services = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    int64_t id, rid = 0;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "case", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "to", 1, 256, &to, ei)) != TW_OK ||
        (err = body_codes(body, "services", 1, &services, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    err = cases_referral_create(http_req_store(req), &act, id, to, services, &rid, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = reply_referral(rep, 201, rid, id, 1, "draft");
out:
    free(services);
    json_decref(body);
    return err;
}

tw_err_t api_consent_record(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"given", "categories", "purpose", "until", NULL};
    cases_consent_in_t c;
    char *categories = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    int64_t rid, cid = 0;
    int given = -1;
    tw_err_t err;

    memset(&c, 0, sizeof(c));
    if (!ready(req, rep))
        return TW_OK;
    if ((err = parse_obj_id(http_req_param(req, 0), "referral", &rid, ei)) != TW_OK)
        return err;
    if ((err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(body, allowed, ei)) != TW_OK ||
        (err = body_bool(body, "given", &given, ei)) != TW_OK ||
        (err = body_codes(body, "categories", 0, &categories, ei)) != TW_OK ||
        (err = api_body_str(body, "purpose", 0, 4096, &c.purpose, ei)) != TW_OK ||
        (err = api_body_str(body, "until", 0, 32, &c.until, ei)) != TW_OK)
        goto out;
    if (given < 0) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "request body: \"given\" is required (true: given, false: refused)");
        goto out;
    }
    c.given = given;
    c.categories = categories;
    actor_of(req, &act);
    http_write_lock(req);
    err = cases_consent_record(http_req_store(req), vault_of(req), &act, rid, &c, &cid, ei);
    http_write_unlock(req);
    if (err == TW_OK) {
        json_t *o = json_pack("{s:I,s:I,s:b,s:b}", "id", (json_int_t)cid, "referral_id",
                              (json_int_t)rid, "given", given, "in_force", given);
        err = api_reply_json(rep, 201, o, 0);
    }
out:
    free(categories);
    json_decref(body);
    return err;
}

tw_err_t api_consent_withdraw(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"reason", NULL};
    const char *reason = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    int64_t id;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "consent", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "reason", 0, 4096, &reason, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    err = cases_consent_withdraw(http_req_store(req), vault_of(req), &act, id, reason, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = api_reply_json(rep, 200,
                             json_pack("{s:I,s:b,s:b}", "id", (json_int_t)id, "withdrawn", 1,
                                       "in_force", 0),
                             0);
out:
    json_decref(body);
    return err;
}

tw_err_t api_referral_send(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"version", NULL};
    json_t *body = NULL;
    cases_actor_t act;
    int64_t id, base = 0, cur = 0;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "referral", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = body_int(body, "version", 1, 0, &base, NULL, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    err = cases_referral_send(http_req_store(req), &act, id, base, &cur, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = reply_referral(rep, 200, id, 0, cur, "pending");
    else if (err == TW_ECONFLICT && cur > 0 && cur != base)
        err = reply_conflict(rep, err, ei, "current_version", json_integer(cur));
out:
    json_decref(body);
    return err;
}

tw_err_t api_referral_act(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"op", "version", "reason", NULL};
    static const struct {
        const char *op, *status;
        cases_referral_op_t code;
    } ops[] = {{"accept", "accepted", REFERRAL_ACCEPT},
               {"reject", "rejected", REFERRAL_REJECT},
               {"complete", "completed", REFERRAL_COMPLETE},
               {"revoke", "revoked", REFERRAL_REVOKE}};
    const char *op = NULL, *reason = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    int64_t id, base = 0, cur = 0;
    size_t k;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "referral", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "op", 1, 16, &op, ei)) != TW_OK ||
        (err = api_body_str(body, "reason", 0, 4096, &reason, ei)) != TW_OK ||
        (err = body_int(body, "version", 1, 0, &base, NULL, ei)) != TW_OK)
        goto out;
    for (k = 0; k < sizeof(ops) / sizeof(ops[0]) && strcmp(ops[k].op, op) != 0; k++)
        ;
    if (k == sizeof(ops) / sizeof(ops[0])) {
        tw_errinfo_field(ei, "op");
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "request body: \"op\" must be accept, reject, complete or revoke, "
                             "not '%.20s'",
                             op);
        goto out;
    }
    http_write_lock(req);
    err = cases_referral_act(http_req_store(req), vault_of(req), &act, id, base, ops[k].code,
                             reason, &cur, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = reply_referral(rep, 200, id, 0, cur, ops[k].status);
    else if (err == TW_ECONFLICT && cur > 0 && cur != base)
        err = reply_conflict(rep, err, ei, "current_version", json_integer(cur));
out:
    json_decref(body);
    return err;
}

tw_err_t api_case_emergency(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"to", "services", "reason", NULL};
    const char *to = NULL, *reason = NULL;
    char *services = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    int64_t id, rid = 0;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "case", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "to", 1, 256, &to, ei)) != TW_OK ||
        (err = body_codes(body, "services", 1, &services, ei)) != TW_OK ||
        (err = api_body_str(body, "reason", 0, 4096, &reason, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    err = cases_referral_emergency(http_req_store(req), vault_of(req), &act, id, to, services,
                                   reason, &rid, ei);
    http_write_unlock(req);
    if (err == TW_OK) /* sent at once: a new row, its first version */
        err = reply_referral(rep, 201, rid, id, 1, "pending");
out:
    free(services);
    json_decref(body);
    return err;
}

typedef struct {
    json_t *items;
    int oom;
} refs_t;

static tw_err_t collect_referral(void *ctx, const cases_referral_t *r)
{
    refs_t *c = ctx;
    api_push(c->items, referral_json(r, &c->oom), &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

tw_err_t api_referrals_inbox(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {NULL};
    cases_actor_t act;
    refs_t c;
    tw_err_t err;

    if (!ready(req, rep))
        return TW_OK;
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    c.items = json_array();
    c.oom = 0;
    actor_of(req, &act);
    http_write_lock(req);
    err = cases_inbox_vault(http_req_store(req), vault_of(req), &act, collect_referral, &c, ei);
    http_write_unlock(req);
    if (err != TW_OK) {
        json_decref(c.items);
        return err;
    }
    return api_reply_json(rep, 200, json_pack("{s:o}", "items", c.items), c.oom);
}

tw_err_t api_emergencies_list(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"all", NULL};
    const char *all = api_param(req, "all");
    cases_actor_t act;
    refs_t c;
    tw_err_t err;

    if (!ready(req, rep))
        return TW_OK;
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    if (all && strcmp(all, "1") != 0 && strcmp(all, "0") != 0)
        return tw_errinfo_set(ei, TW_EINPUT, "all: must be 1 or 0, not '%.20s'", all);
    c.items = json_array();
    c.oom = 0;
    actor_of(req, &act);
    http_write_lock(req);
    err = cases_emergency_list(http_req_store(req), vault_of(req), &act,
                               !(all && all[0] == '1'), collect_referral, &c, ei);
    http_write_unlock(req);
    if (err != TW_OK) {
        json_decref(c.items);
        return err;
    }
    return api_reply_json(rep, 200, json_pack("{s:o}", "items", c.items), c.oom);
}

tw_err_t api_emergency_review(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"note", NULL};
    const char *note = NULL;
    json_t *body = NULL;
    cases_actor_t act;
    int64_t id;
    int answered;
    tw_err_t err;

    if ((err = write_start(req, rep, "referral", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "note", 0, 4096, &note, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    err = cases_emergency_review(http_req_store(req), vault_of(req), &act, id, note, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = api_reply_json(rep, 200,
                             json_pack("{s:I,s:b}", "id", (json_int_t)id, "reviewed", 1), 0);
out:
    json_decref(body);
    return err;
}

/* ---- attachments ------------------------------------------------------------------ */

tw_err_t api_attachment_add(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"name", NULL};
    const char *name = http_req_query(req, "name");
    const char *ctype = http_req_header(req, "Content-Type");
    char media[128];
    const char *data;
    size_t len, n;
    cases_actor_t act;
    int64_t id, aid = 0;
    tw_err_t err;

    if (!ready(req, rep))
        return TW_OK;
    if ((err = parse_obj_id(http_req_param(req, 0), "case", &id, ei)) != TW_OK)
        return err;
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    if (!name || !name[0])
        return tw_errinfo_set(ei, TW_EINPUT,
                              "name: the file's name is required (?name=FILENAME, 1 to 255 "
                              "bytes)");
    /* the media type without its parameters ("text/plain; charset=utf-8") */
    if (!ctype || !ctype[0])
        ctype = "application/octet-stream";
    n = strcspn(ctype, "; \t");
    if (n == 0 || n >= sizeof(media))
        return tw_errinfo_set(ei, TW_EINPUT, "Content-Type: not a media type (type/subtype)");
    memcpy(media, ctype, n);
    media[n] = '\0';
    data = http_req_body(req, &len);
    actor_of(req, &act);
    http_write_lock(req);
    err = cases_attachment_add(http_req_store(req), vault_of(req), policy_of(req), &act, id, name,
                               media, data, len, &aid, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = api_reply_json(rep, 201,
                             json_pack("{s:I,s:I,s:s,s:s,s:I}", "id", (json_int_t)aid, "case_id",
                                       (json_int_t)id, "name", name, "media_type", media, "size",
                                       (json_int_t)len),
                             0);
    return err;
}

/* Content-Disposition for a stored name: an ASCII fallback (quotes,
 * backslashes, control and non-ASCII bytes as '_') and the exact name
 * percent-encoded in filename* (RFC 6266, RFC 5987). */
static void disposition(const char *name, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o, i;
    o = (size_t)snprintf(out, cap, "attachment; filename=\"");
    for (i = 0; name[i] && o + 2 < cap; i++) {
        unsigned char c = (unsigned char)name[i];
        out[o++] = (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '_' : (char)c;
    }
    if (o + 20 >= cap) {
        out[cap > 0 ? cap - 1 : 0] = '\0';
        return;
    }
    o += (size_t)snprintf(out + o, cap - o, "\"; filename*=UTF-8''");
    for (i = 0; name[i] && o + 4 < cap; i++) {
        unsigned char c = (unsigned char)name[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            strchr("!#$&+-.^_`|~", c)) {
            out[o++] = (char)c;
        } else {
            out[o++] = '%';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
}

tw_err_t api_attachment_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    char name[256], media[128];
    cases_actor_t act;
    tw_buf_t data;
    int64_t id;
    tw_err_t err;

    if (!ready(req, rep))
        return TW_OK;
    if ((err = parse_obj_id(http_req_param(req, 0), "attachment", &id, ei)) != TW_OK)
        return err;
    buf_init(&data, policy_of(req)->attachment_max);
    actor_of(req, &act);
    http_write_lock(req);
    err = cases_attachment_get(http_req_store(req), vault_of(req), &act, id, name, media, &data,
                               ei);
    http_write_unlock(req);
    if (err != TW_OK) {
        buf_free(&data);
        return err;
    }
    /* the bytes go to the reply; an empty file still needs a buffer */
    rep->text_len = data.len;
    rep->text = data.len ? data.p : malloc(1);
    if (!rep->text) {
        buf_free(&data);
        return TW_ENOMEM;
    }
    if (data.len)
        data.p = NULL; /* now the reply's */
    buf_free(&data);
    snprintf(rep->content_type_buf, sizeof(rep->content_type_buf), "%s", media);
    disposition(name, rep->disposition, sizeof(rep->disposition));
    rep->status = 200;
    return TW_OK;
}

/* ---- codes and aggregates -------------------------------------------------------- */

tw_err_t api_cases_codes(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {NULL};
    static const char *const sstatus[] = {"offered", "accepted", "declined", "delivered"};
    json_t *o, *a;
    int oom = 0, l, s;
    tw_err_t err;

    if (!ready(req, rep))
        return TW_OK;
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    o = json_object();
    a = json_array();
    for (s = 0; s < CASE_STAGE_COUNT; s++)
        api_push(a, json_string(cases_stage_name((cases_stage_t)s)), &oom);
    api_put(o, "stage", a, &oom);
    for (l = 0; l < CASES_CODE_COUNT; l++) {
        const char *const *codes = cases_codes((cases_code_list_t)l);
        size_t i;
        a = json_array();
        for (i = 0; codes[i]; i++)
            api_push(a, json_string(codes[i]), &oom);
        api_put(o, cases_code_field((cases_code_list_t)l), a, &oom);
    }
    a = json_array();
    for (s = 0; s < 4; s++)
        api_push(a, json_string(sstatus[s]), &oom);
    api_put(o, "service_status", a, &oom);
    return api_reply_json(rep, 200, o, oom);
}

typedef struct {
    json_t *dims;
    int oom;
    char release[8]; /* "YYYY-MM" */
} cells_t;

static tw_err_t collect_cell(void *ctx, const cases_cell_t *c)
{
    cells_t *x = ctx;
    if (c->release)
        snprintf(x->release, sizeof(x->release), "%s", c->release);
    json_t *a = json_object_get(x->dims, c->dimension);
    if (!a) {
        a = json_array();
        api_put(x->dims, c->dimension, a, &x->oom);
    }
    api_push(a,
             json_pack("{s:s,s:o,s:s}", "value", c->value, "count",
                       c->count < 0 ? json_null() : json_integer(c->count), "shown", c->shown),
             &x->oom);
    return x->oom ? TW_ENOMEM : TW_OK;
}

tw_err_t api_cases_stats(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {NULL};
    static const char *const dims[] = {"stage", "sex", "age_group", "exploitation",
                                       "citizenship", "year"};
    cases_actor_t act;
    cells_t x;
    size_t i;
    tw_err_t err;

    if (!ready(req, rep))
        return TW_OK;
    if ((err = http_req_query_check(req, allowed, ei)) != TW_OK)
        return err;
    x.dims = json_object();
    x.oom = 0;
    x.release[0] = '\0';
    for (i = 0; i < sizeof(dims) / sizeof(dims[0]); i++)
        api_put(x.dims, dims[i], json_array(), &x.oom);
    actor_of(req, &act);
    http_write_lock(req);
    err = cases_aggregate(http_req_store(req), &act, collect_cell, &x, ei);
    http_write_unlock(req);
    if (err != TW_OK) {
        json_decref(x.dims);
        return err;
    }
    /* the release the answer is of: it stays the same for the month */
    return api_reply_json(rep, 200,
                          json_pack("{s:o,s:s}", "dimensions", x.dims, "release", x.release),
                          x.oom);
}

/* ---- suspected offenders of a case (GLOTIP; cases.h) ---------------------- */

tw_err_t api_case_offender_add(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"sex", "age_group", "citizenship", NULL};
    cases_offender_t o;
    json_t *body = NULL;
    cases_actor_t act;
    int64_t id, oid = 0;
    int answered;
    tw_err_t err;

    memset(&o, 0, sizeof(o));
    if ((err = write_start(req, rep, "case", allowed, &id, &body, &act, &answered, ei)) !=
            TW_OK ||
        answered)
        return err;
    if ((err = api_body_str(body, "sex", 0, 64, &o.sex, ei)) != TW_OK ||
        (err = api_body_str(body, "age_group", 0, 16, &o.age_group, ei)) != TW_OK ||
        (err = api_body_str(body, "citizenship", 0, 16, &o.citizenship, ei)) != TW_OK)
        goto out;
    http_write_lock(req);
    err = cases_offender_add(http_req_store(req), &act, id, &o, &oid, ei);
    http_write_unlock(req);
    if (err == TW_OK)
        err = api_reply_json(rep, 201,
                             json_pack("{s:I,s:I}", "id", (json_int_t)oid, "case_id",
                                       (json_int_t)id),
                             0);
out:
    json_decref(body);
    return err;
}

static tw_err_t offender_json(void *ctx, const cases_offender_t *o)
{
    json_t *a = ctx;
    return json_array_append_new(
               a, json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)o->id, "sex",
                            o->sex, "age_group", o->age_group, "citizenship", o->citizenship,
                            "exploitation", o->exploitation, "recorded_at", o->recorded_at,
                            "recorded_by", o->recorded_by)) == 0
               ? TW_OK
               : TW_ENOMEM;
}

tw_err_t api_case_offenders(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    cases_actor_t act;
    json_t *a;
    int64_t id;
    tw_err_t err;

    if ((err = parse_obj_id(http_req_param(req, 0), "case", &id, ei)) != TW_OK)
        return err;
    if (!(a = json_array()))
        return tw_errinfo_set(ei, TW_ENOMEM, "out of memory");
    actor_of(req, &act);
    http_write_lock(req); /* the read is audited in its own transaction */
    err = cases_offender_list(http_req_store(req), &act, id, offender_json, a, ei);
    http_write_unlock(req);
    if (err != TW_OK) {
        json_decref(a);
        return err;
    }
    return api_reply_json(rep, 200, json_pack("{s:I,s:o}", "case_id", (json_int_t)id, "offenders", a),
                          0);
}
