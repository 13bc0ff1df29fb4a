/*
 * twcase.h - the fixture the NRM case tests share (test_cases, test_keys):
 * organisations, accounts and principals written straight into a store.
 * Include after <cmocka.h>.
 */
#ifndef TW_TWCASE_H
#define TW_TWCASE_H

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "access/auth.h"
#include "store/store.h"

/* A new organisation called `name`; its id. */
static inline int64_t twc_add_org(store_t *st, const char *name)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                        "INSERT INTO org(name, created_at) VALUES (?, '2025-01-01')",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    return sqlite3_last_insert_rowid(store_sqlite(st));
}

/* An account row (for the ownership rule of alerts: docs/authz.md). */
static inline void twc_add_user(store_t *st, int64_t uid, const char *name, int64_t org,
                                const char *role)
{
    char sql[300];
    snprintf(sql, sizeof(sql),
             "INSERT INTO app_user(id, name, org_id, role, password_hash, created_at)"
             " VALUES (%lld, '%s', %lld, '%s', 'x', '2025-01-01')",
             (long long)uid, name, (long long)org, role);
    assert_int_equal(sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* A signed-in principal as the HTTP layer would make it. */
static inline void twc_principal(auth_principal_t *p, int64_t uid, const char *user, int64_t org,
                                 const char *orgname, auth_role_t role)
{
    memset(p, 0, sizeof(*p));
    p->user_id = uid;
    p->org_id = org;
    p->role = role;
    snprintf(p->user, sizeof(p->user), "%s", user);
    snprintf(p->org, sizeof(p->org), "%s", orgname);
}

#endif
