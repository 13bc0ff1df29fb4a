/*
 * api_int.h - the pieces of api.c that the other handler files of
 * /api/v1/... (api_cases.c) share: JSON building, body members, the audit
 * entry of a request and the alert check. Internal to the api module; the
 * contract of each is the static function of api.c it wraps.
 * Thread model: http.c's (one store per thread).
 */
#ifndef TW_API_INT_H
#define TW_API_INT_H

#include <jansson.h>

#include "server/http.h"

/* A JSON string of s (JSON null for NULL); NULL only when out of memory. */
json_t *api_jstr(const char *s);
/* Adds v (stolen) to an object / an array; *oom is set when anything failed. */
void api_put(json_t *o, const char *k, json_t *v, int *oom);
void api_push(json_t *a, json_t *v, int *oom);
/* One audit entry for the request (detail stolen, may be NULL). */
tw_err_t api_audit(http_req_t *req, const char *action, const char *object, json_t *detail,
                   tw_errinfo_t *ei);
/* A string member of a body: TW_EINPUT naming it when missing (required),
 * not a string, or longer than max bytes. *out is NULL when absent. */
tw_err_t api_body_str(json_t *body, const char *name, int required, size_t max,
                      const char **out, tw_errinfo_t *ei);
/* TW_EINPUT naming the first member of body not in `allowed` (NULL-ended). */
tw_err_t api_body_check(json_t *body, const char *const *allowed, tw_errinfo_t *ei);
/* Hands j to the reply with `status`; TW_ENOMEM (j freed) when oom or !j. */
tw_err_t api_reply_json(http_reply_t *rep, int status, json_t *j, int oom);
/* A query parameter; empty counts as absent (NULL). */
const char *api_param(const http_req_t *req, const char *name);
/* TW_OK when the caller may read alert `id` (alert.read on its owner);
 * else TW_ENOTFOUND "no alert N", the same for an alert out of reach
 * (audited as alert.read.denied) and for one that does not exist. */
tw_err_t api_alert_readable(http_req_t *req, long long id, tw_errinfo_t *ei);

/* Whether the caller may read entity (type, key) as the entity page
 * decides it (entity.read: scope all, or the entity's open alert within
 * the caller's scope; docs/authz.md), into *readable. With deny, a refusal
 * is answered as the entity page answers it: TW_EPERM, audited
 * (entity.read.denied), the same for an entity that does not exist. */
tw_err_t api_entity_guard(http_req_t *req, const char *type, const char *key, int deny,
                          int *readable, tw_errinfo_t *ei);

#endif
