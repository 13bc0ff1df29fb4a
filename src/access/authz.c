/*
 * authz.c - role x action -> scope, and the check of one request against it
 * (contract in authz.h; the matrix and its reasons in docs/authz.md).
 *
 * Data structure: one constant table `matrix[ROLE_COUNT][AUTHZ_ACTION_COUNT]`.
 * tests/test_authz.c reads the table in docs/authz.md and checks that this
 * one says the same, cell by cell, and then walks every decision.
 *
 * Invariants:
 *   1. Deny unless the table says otherwise: a role or action out of range,
 *      an unauthenticated principal, and an object outside the scope are
 *      refused.
 *   2. Scopes nest: all allows every object, org allows the principal's own
 *      objects and those of their organisation, own only their own. An
 *      object owned by nobody (0) is only reachable with scope all.
 *
 * Thread model: pure functions; thread-safe.
 */
#include "access/authz.h"

#include <string.h>
#include <strings.h>

#define N AUTHZ_NONE
#define O AUTHZ_OWN
#define G AUTHZ_ORG
#define A AUTHZ_ALL

/* Columns: alert.read alert.write score entity.read import stats.read
 *          audit.read user.admin metrics.read case.read case.write
 *          case.emergency case.review person.read person.review config.admin
 *          screening
 * case.read, case.write and case.emergency never go above org: an
 * organisation sees its own cases and what was referred to it (src/cases/cases.c,
 * cases_access()), nobody all. case.review (the emergency referrals and
 * their reasons) is org for an admin (what its organisation sent or
 * received) and all only for the auditor, who reads no case and changes
 * nothing but the review mark. */
static const authz_scope_t matrix[ROLE_COUNT][AUTHZ_ACTION_COUNT] = {
    [ROLE_ADMIN] = {A, A, A, A, A, A, A, A, A, G, G, N, G, A, A, A, A},
    [ROLE_ANALYST] = {A, A, A, A, A, A, N, N, N, N, N, N, N, A, A, N, N},
    [ROLE_INSPECTOR] = {O, O, N, O, N, A, N, N, N, N, N, N, N, N, N, N, O},
    [ROLE_CASE_WORKER] = {G, G, N, G, N, A, N, N, N, G, G, G, N, N, N, N, G},
    [ROLE_STATISTICIAN] = {N, N, N, N, N, A, N, N, N, N, N, N, N, N, N, N, N},
    [ROLE_AUDITOR] = {N, N, N, N, N, A, A, N, A, N, N, N, A, N, N, N, N},
};

#undef N
#undef O
#undef G
#undef A

static const char *const action_names[AUTHZ_ACTION_COUNT] = {
    [AUTHZ_ALERT_READ] = "alert.read",   [AUTHZ_ALERT_WRITE] = "alert.write",
    [AUTHZ_SCORE] = "score",             [AUTHZ_ENTITY_READ] = "entity.read",
    [AUTHZ_IMPORT] = "import",           [AUTHZ_STATS_READ] = "stats.read",
    [AUTHZ_AUDIT_READ] = "audit.read",   [AUTHZ_USER_ADMIN] = "user.admin",
    [AUTHZ_METRICS_READ] = "metrics.read", [AUTHZ_CASE_READ] = "case.read",
    [AUTHZ_CASE_WRITE] = "case.write",   [AUTHZ_CASE_EMERGENCY] = "case.emergency",
    [AUTHZ_CASE_REVIEW] = "case.review", [AUTHZ_PERSON_READ] = "person.read",
    [AUTHZ_PERSON_REVIEW] = "person.review", [AUTHZ_CONFIG_ADMIN] = "config.admin",
    [AUTHZ_SCREENING] = "screening"};

const char *authz_action_name(authz_action_t a)
{
    return (unsigned)a < AUTHZ_ACTION_COUNT ? action_names[a] : "unknown";
}

const char *authz_scope_name(authz_scope_t s)
{
    switch (s) {
    case AUTHZ_NONE: return "none";
    case AUTHZ_OWN: return "own";
    case AUTHZ_ORG: return "org";
    case AUTHZ_ALL: return "all";
    }
    return "unknown";
}

authz_scope_t authz_scope(auth_role_t r, authz_action_t a)
{
    if ((unsigned)r >= ROLE_COUNT || (unsigned)a >= AUTHZ_ACTION_COUNT)
        return AUTHZ_NONE;
    return matrix[r][a];
}

tw_err_t authz_check(const auth_principal_t *p, authz_action_t a, const authz_object_t *obj,
                     tw_errinfo_t *ei)
{
    authz_scope_t sc;
    int own, org;

    if (!p || p->user_id == 0)
        return tw_errinfo_set(ei, TW_EPERM, "sign in first: %s needs an account",
                              authz_action_name(a));
    sc = authz_scope(p->role, a);
    if (sc == AUTHZ_NONE)
        return tw_errinfo_set(ei, TW_EPERM, "role %s may not %s", auth_role_name(p->role),
                              authz_action_name(a));
    if (!obj || sc == AUTHZ_ALL)
        return TW_OK;
    own = obj->owner_user != 0 && obj->owner_user == p->user_id;
    org = obj->owner_org != 0 && obj->owner_org == p->org_id;
    if (own || (sc == AUTHZ_ORG && org))
        return TW_OK;
    if (sc == AUTHZ_OWN)
        return tw_errinfo_set(ei, TW_EPERM,
                              "role %s may %s only what is assigned to %s; this is not",
                              auth_role_name(p->role), authz_action_name(a), p->user);
    return tw_errinfo_set(ei, TW_EPERM,
                          "role %s may %s only what is assigned to %s or to its organisation "
                          "%s; this is not",
                          auth_role_name(p->role), authz_action_name(a), p->user, p->org);
}

void authz_owner_of_user(const auth_user_info_t *u, authz_object_t *obj)
{
    obj->owner_user = u->id;
    obj->owner_org = u->org_id;
}

typedef struct {
    const char *name;
    int found;
    authz_object_t obj;
} owner_find_t;

static tw_err_t owner_find_cb(void *ctx, const auth_user_info_t *u)
{
    owner_find_t *f = ctx;
    if (!f->found && strcasecmp(u->name, f->name) == 0) {
        f->found = 1;
        authz_owner_of_user(u, &f->obj);
    }
    return TW_OK;
}

tw_err_t authz_owner_of(store_t *st, const char *assignee, authz_object_t *obj,
                        tw_errinfo_t *ei)
{
    owner_find_t f;
    tw_err_t err;

    obj->owner_user = 0;
    obj->owner_org = 0;
    if (!assignee || !assignee[0])
        return TW_OK;
    memset(&f, 0, sizeof(f));
    f.name = assignee;
    if ((err = auth_user_list(st, owner_find_cb, &f, ei)) != TW_OK)
        return err;
    if (f.found) {
        *obj = f.obj;
    } else {
        obj->owner_user = -1;
        obj->owner_org = -1;
    }
    return TW_OK;
}

tw_err_t authz_owner_of_alert(store_t *st, const char *assignee, int64_t org_id,
                              authz_object_t *obj, tw_errinfo_t *ei)
{
    tw_err_t err = authz_owner_of(st, assignee, obj, ei);
    if (err == TW_OK && (!assignee || !assignee[0]) && org_id > 0) {
        obj->owner_user = 0;
        obj->owner_org = org_id;
    }
    return err;
}
