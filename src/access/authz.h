/*
 * authz.h - the one place where tipwatch decides whether a principal may do
 * an action on an object: role x action -> scope (none, own, organisation,
 * all), the matrix in docs/authz.md.
 *
 * Scopes are nested: all > org > own > none. "Own" objects are those whose
 * owner_user is the principal (an alert assigned to them); "org" objects are
 * their own plus those whose owner_org is the principal's organisation (an
 * alert assigned to anyone of it). The caller says who owns the object
 * (api.c, one rule for single objects and listings; docs/authz.md, "Who owns
 * what"); authz does not read the store. For a listing (obj NULL) the caller asks
 * authz_scope() and filters rows by it.
 *
 * Pure functions over a constant table; thread-safe.
 */
#ifndef TW_AUTHZ_H
#define TW_AUTHZ_H

#include <stdint.h>

#include "access/auth.h"
#include "base/err.h"

typedef enum {
    AUTHZ_ALERT_READ,   /* list alerts, read one alert with its evidence (personal data) */
    AUTHZ_ALERT_WRITE,  /* transition, assign, suppress */
    AUTHZ_SCORE,        /* score one application (POST) */
    AUTHZ_ENTITY_READ,  /* entity profile: records, related entities, cluster (personal data) */
    AUTHZ_IMPORT,       /* upload a register CSV */
    AUTHZ_STATS_READ,   /* aggregate statistics for charts (no personal data) */
    AUTHZ_AUDIT_READ,   /* read / verify the audit log */
    AUTHZ_USER_ADMIN,   /* create users and tokens */
    AUTHZ_METRICS_READ, /* /metrics */
    AUTHZ_CASE_READ,    /* NRM cases: list, read (personal data; cases_access() narrows it) */
    AUTHZ_CASE_WRITE,   /* NRM cases: open, update, stages, services, referrals, consent */
    AUTHZ_CASE_EMERGENCY, /* refer a case without consent when a life is at risk */
    AUTHZ_CASE_REVIEW,  /* list emergency referrals and mark them reviewed */
    AUTHZ_PERSON_READ,  /* a person: records across registers, evidence of each link (personal data) */
    AUTHZ_PERSON_REVIEW, /* the clerical review queue of record pairs, and its decisions */
    AUTHZ_CONFIG_ADMIN, /* propose, approve, reject, roll back and read adopted configs */
    AUTHZ_SCREENING,    /* record a frontline screening, file its report */
    AUTHZ_ACTION_COUNT
} authz_action_t;

typedef enum { AUTHZ_NONE = 0, AUTHZ_OWN, AUTHZ_ORG, AUTHZ_ALL } authz_scope_t;

/* "alert.read", "alert.write", "score", "entity.read", "import", "stats.read",
 * "audit.read", "user.admin", "metrics.read", "case.read", "case.write",
 * "case.emergency", "case.review", "person.read", "person.review",
 * "config.admin"; "unknown" out of range. Static. */
const char *authz_action_name(authz_action_t a);
/* "none", "own", "org", "all"; "unknown" out of range. Static. */
const char *authz_scope_name(authz_scope_t s);

/* The widest scope role r has for action a (the matrix in docs/authz.md).
 * AUTHZ_NONE for a role or action out of range. */
authz_scope_t authz_scope(auth_role_t r, authz_action_t a);

/* The object an action is about; 0 = not owned by anyone in particular. "Own" means
 * owner_user == p->user_id (e.g. an alert assigned to p), "org" means owner_org == p->org_id. */
typedef struct {
    int64_t owner_user;
    int64_t owner_org;
} authz_object_t;

/* TW_OK or TW_EPERM (with a message naming the role and the action). obj may be NULL for
 * actions on the whole collection (then any scope other than NONE allows, and the caller
 * filters rows by authz_scope()). An unauthenticated principal (user_id 0) is always TW_EPERM. */
tw_err_t authz_check(const auth_principal_t *p, authz_action_t a, const authz_object_t *obj,
                     tw_errinfo_t *ei);

/* The one rule of ownership (docs/authz.md, "Who owns what"), for the API's
 * single reads and listings and for a case opened from an alert alike: what
 * is assigned to user u is owned by u and by u's organisation, whether or
 * not u is still active. authz_owner_of_user() for a user at hand;
 * authz_owner_of() for an object assigned to the user called `assignee`
 * (without case): nobody's (0, only scope "all" reaches it) when unassigned,
 * -1 (nobody's either, and never an organisation's) when no user has that
 * name. */
void authz_owner_of_user(const auth_user_info_t *u, authz_object_t *obj);
tw_err_t authz_owner_of(store_t *st, const char *assignee, authz_object_t *obj,
                        tw_errinfo_t *ei);
/* An alert: its assignee's, as authz_owner_of(); when nobody is assigned
 * and it was escalated to organisation org_id (> 0), that organisation's
 * (owner_user 0: "own" reaches it for nobody). */
tw_err_t authz_owner_of_alert(store_t *st, const char *assignee, int64_t org_id,
                              authz_object_t *obj, tw_errinfo_t *ei);

#endif
