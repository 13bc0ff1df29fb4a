/*
 * api_directory.c - GET /api/v1/directory: the organisations and the people
 * a signed-in user chooses from (docs/api.md): an alert's assignee or the
 * person it is escalated to, a referral's receiving organisation, a
 * service's provider. Lists rather than typed names, so a misspelt
 * organisation never reaches the server.
 *
 * Contract: {"organisations": [{"name", "people"}], "people": [{"user",
 * "org", "role"}]} of the active accounts (a disabled one is not offered),
 * organisations by name, people by organisation and name. Names, roles and
 * organisations only: no contact data, nothing about cases. Every signed-in
 * user may read it (HTTP_SIGNED_IN): the people one works with are not a
 * secret inside the deployment.
 *
 * Data structure: none of its own; auth_user_list() walks the accounts.
 * Thread model: http.c's (one store per thread).
 */
#include "server/api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access/auth.h"
#include "server/api_int.h"

typedef struct {
    json_t *people;
    int oom;
} dir_ctx_t;

static tw_err_t dir_user(void *ctx, const auth_user_info_t *u)
{
    dir_ctx_t *c = ctx;
    json_t *p;
    if (u->disabled_at)
        return TW_OK;
    p = json_object();
    api_put(p, "user", api_jstr(u->name), &c->oom);
    api_put(p, "org", api_jstr(u->org), &c->oom);
    api_put(p, "role", api_jstr(u->role), &c->oom);
    api_push(c->people, p, &c->oom);
    return c->oom ? TW_ENOMEM : TW_OK;
}

static const char *member(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int cmp_person(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int c = strcasecmp(member(x, "org"), member(y, "org"));
    return c ? c : strcasecmp(member(x, "user"), member(y, "user"));
}

tw_err_t api_directory(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    dir_ctx_t c = {json_array(), 0};
    json_t *out = json_object(), *orgs = json_array(), *sorted = json_array(), *org = NULL;
    json_t **list = NULL;
    size_t i, np;
    tw_err_t err;

    if (!c.people || !out || !orgs || !sorted) {
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = auth_user_list(http_req_store(req), dir_user, &c, ei)) != TW_OK)
        goto out;
    /* auth_user_list walks by name; the screen groups by organisation */
    np = json_array_size(c.people);
    if (np && !(list = malloc(np * sizeof(*list)))) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i < np; i++)
        list[i] = json_array_get(c.people, i);
    if (np)
        qsort(list, np, sizeof(*list), cmp_person);
    for (i = 0; i < np; i++) {
        api_push(sorted, json_incref(list[i]), &c.oom);
        if (!org || strcasecmp(member(org, "name"), member(list[i], "org")) != 0) {
            org = json_object();
            api_put(org, "name", api_jstr(member(list[i], "org")), &c.oom);
            api_put(org, "people", json_integer(0), &c.oom);
            api_push(orgs, org, &c.oom);
        }
        api_put(org, "people", json_integer(json_integer_value(json_object_get(org, "people")) + 1),
                &c.oom);
    }
    api_put(out, "organisations", orgs, &c.oom);
    orgs = NULL;
    api_put(out, "people", sorted, &c.oom);
    sorted = NULL;
    free(list);
    json_decref(c.people);
    return api_reply_json(rep, 200, out, c.oom);
out:
    free(list);
    json_decref(c.people);
    json_decref(out);
    json_decref(orgs);
    json_decref(sorted);
    return err;
}
