/*
 * test_authz.c - the authorisation matrix is what docs/authz.md says: the
 * test reads the table in that file, checks authz_scope() against it cell by
 * cell, then walks every role x every action x every kind of object (the
 * asker's own, their organisation's, someone else's, nobody's, the whole
 * collection) and checks each decision of authz_check() against the scope
 * the table gives. A few cells are also pinned here, so that the document
 * cannot quietly grant personal data to a role that should not have it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/authz.h"

static authz_scope_t doc[ROLE_COUNT][AUTHZ_ACTION_COUNT];

/* Splits a markdown table row "| a | b |" into trimmed cells. */
static int split_row(char *line, char **cells, int max)
{
    int n = 0;
    char *p = line, *bar;
    if (*p != '|')
        return 0;
    p++;
    while ((bar = strchr(p, '|')) != NULL && n < max) {
        char *a = p, *b = bar;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        *b = '\0';
        cells[n++] = a;
        p = bar + 1;
    }
    return n;
}

static authz_scope_t parse_scope(const char *s)
{
    if (strcmp(s, "none") == 0)
        return AUTHZ_NONE;
    if (strcmp(s, "own") == 0)
        return AUTHZ_OWN;
    if (strcmp(s, "org") == 0)
        return AUTHZ_ORG;
    if (strcmp(s, "all") == 0)
        return AUTHZ_ALL;
    fail_msg("docs/authz.md: unknown scope '%s'", s);
    return AUTHZ_NONE;
}

/* Where docs/authz.md is: under TW_SRCDIR when it is set (ctest sets it),
 * else in the source tree this test was compiled from, which __FILE__
 * names (CMake compiles by absolute path: ".../tests/test_authz.c"). */
static int doc_path(char *out, size_t cap)
{
    static const char self[] = "tests/test_authz.c";
    const char *src = getenv("TW_SRCDIR");
    const char *file = __FILE__;
    size_t n = strlen(file), m = sizeof(self) - 1;

    if (src && src[0])
        return snprintf(out, cap, "%s/docs/authz.md", src) < (int)cap;
    if (n >= m && strcmp(file + n - m, self) == 0)
        return snprintf(out, cap, "%.*sdocs/authz.md", (int)(n - m), file) < (int)cap;
    return 0;
}

/* Reads the matrix table of docs/authz.md into doc[][]; every role and
 * every action must appear exactly once. */
static int load_doc(void **state)
{
    char path[1024], line[1024], *cells[32];
    int col_action[32], seen_role[ROLE_COUNT] = {0}, seen_action[AUTHZ_ACTION_COUNT] = {0};
    int in_table = 0, ncols = 0, rows = 0, n, i, a;
    FILE *f;
    (void)state;

    if (!doc_path(path, sizeof(path))) {
        fprintf(stderr, "test_authz: cannot tell where docs/authz.md is (compiled as '%s'); "
                        "set TW_SRCDIR to the source tree\n", __FILE__);
        return -1;
    }
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "test_authz: cannot open %s: the matrix this test checks is there; "
                        "set TW_SRCDIR to the source tree\n", path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!in_table) {
            if (strncmp(line, "| role ", 7) != 0)
                continue;
            ncols = split_row(line, cells, 32);
            for (i = 1; i < ncols; i++) {
                col_action[i] = -1;
                for (a = 0; a < AUTHZ_ACTION_COUNT; a++)
                    if (strcmp(cells[i], authz_action_name((authz_action_t)a)) == 0)
                        col_action[i] = a;
                if (col_action[i] < 0 || seen_action[col_action[i]]++) {
                    fprintf(stderr, "docs/authz.md: unknown or repeated action '%s'\n",
                            cells[i]);
                    fclose(f);
                    return -1;
                }
            }
            in_table = 1;
            continue;
        }
        if (line[0] != '|')
            break;
        if (strncmp(line, "|--", 3) == 0)
            continue;
        n = split_row(line, cells, 32);
        {
            auth_role_t r;
            if (n != ncols || auth_role_parse(cells[0], &r) != TW_OK || seen_role[r]++) {
                fprintf(stderr, "docs/authz.md: bad row '%s'\n", line);
                fclose(f);
                return -1;
            }
            for (i = 1; i < n; i++)
                doc[r][col_action[i]] = parse_scope(cells[i]);
            rows++;
        }
    }
    fclose(f);
    for (a = 0; a < AUTHZ_ACTION_COUNT; a++)
        if (!seen_action[a]) {
            fprintf(stderr, "docs/authz.md: no column for %s\n",
                    authz_action_name((authz_action_t)a));
            return -1;
        }
    if (rows != ROLE_COUNT) {
        fprintf(stderr, "docs/authz.md: %d role rows, expected %d\n", rows, ROLE_COUNT);
        return -1;
    }
    return 0;
}

static void test_names(void **state)
{
    static const char *const names[] = {
        "alert.read", "alert.write",  "score",     "entity.read",    "import",
        "stats.read", "audit.read",   "user.admin", "metrics.read",  "case.read",
        "case.write", "case.emergency", "case.review", "person.read", "person.review",
        "config.admin", "screening"};
    int a;
    (void)state;
    assert_int_equal(AUTHZ_ACTION_COUNT, 17);
    for (a = 0; a < AUTHZ_ACTION_COUNT; a++)
        assert_string_equal(authz_action_name((authz_action_t)a), names[a]);
    assert_string_equal(authz_action_name(AUTHZ_ACTION_COUNT), "unknown");
    assert_string_equal(authz_scope_name(AUTHZ_NONE), "none");
    assert_string_equal(authz_scope_name(AUTHZ_OWN), "own");
    assert_string_equal(authz_scope_name(AUTHZ_ORG), "org");
    assert_string_equal(authz_scope_name(AUTHZ_ALL), "all");
}

static void test_matrix_is_the_document(void **state)
{
    int r, a;
    (void)state;
    for (r = 0; r < ROLE_COUNT; r++)
        for (a = 0; a < AUTHZ_ACTION_COUNT; a++)
            if (authz_scope((auth_role_t)r, (authz_action_t)a) != doc[r][a])
                fail_msg("%s x %s: code says %s, docs/authz.md says %s",
                         auth_role_name((auth_role_t)r), authz_action_name((authz_action_t)a),
                         authz_scope_name(authz_scope((auth_role_t)r, (authz_action_t)a)),
                         authz_scope_name(doc[r][a]));
    /* out of range is nothing */
    assert_int_equal(authz_scope(ROLE_COUNT, AUTHZ_STATS_READ), AUTHZ_NONE);
    assert_int_equal(authz_scope(ROLE_ADMIN, AUTHZ_ACTION_COUNT), AUTHZ_NONE);
}

/* Cells that protect people: pinned here as well as in the document. */
static void test_pinned_cells(void **state)
{
    int r;
    (void)state;
    for (r = 0; r < ROLE_COUNT; r++) {
        if (r != ROLE_ADMIN)
            assert_int_equal(doc[r][AUTHZ_USER_ADMIN], AUTHZ_NONE);
        assert_int_equal(doc[r][AUTHZ_STATS_READ], AUTHZ_ALL);
    }
    assert_int_equal(doc[ROLE_STATISTICIAN][AUTHZ_ALERT_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_STATISTICIAN][AUTHZ_ENTITY_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_AUDITOR][AUTHZ_ALERT_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_AUDITOR][AUTHZ_ENTITY_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_AUDITOR][AUTHZ_AUDIT_READ], AUTHZ_ALL);
    assert_int_equal(doc[ROLE_ANALYST][AUTHZ_AUDIT_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_INSPECTOR][AUTHZ_ALERT_READ], AUTHZ_OWN);
    assert_int_equal(doc[ROLE_CASE_WORKER][AUTHZ_ALERT_READ], AUTHZ_ORG);
    assert_int_equal(doc[ROLE_CASE_WORKER][AUTHZ_IMPORT], AUTHZ_NONE);
    /* NRM cases: no role reads every organisation's cases; statisticians,
     * analysts, inspectors and auditors read none; only case workers refer
     * without consent */
    for (r = 0; r < ROLE_COUNT; r++) {
        assert_true(doc[r][AUTHZ_CASE_READ] <= AUTHZ_ORG);
        assert_true(doc[r][AUTHZ_CASE_WRITE] <= AUTHZ_ORG);
        if (r != ROLE_CASE_WORKER)
            assert_int_equal(doc[r][AUTHZ_CASE_EMERGENCY], AUTHZ_NONE);
    }
    assert_int_equal(doc[ROLE_STATISTICIAN][AUTHZ_CASE_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_ANALYST][AUTHZ_CASE_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_INSPECTOR][AUTHZ_CASE_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_AUDITOR][AUTHZ_CASE_READ], AUTHZ_NONE);
    assert_int_equal(doc[ROLE_CASE_WORKER][AUTHZ_CASE_READ], AUTHZ_ORG);
    assert_int_equal(doc[ROLE_AUDITOR][AUTHZ_CASE_REVIEW], AUTHZ_ALL);
    /* the emergency reasons of every organisation: the auditor only, who
     * reads no case; an admin reviews its own organisation's (never above
     * org, like every case action of a role that can read cases) */
    for (r = 0; r < ROLE_COUNT; r++)
        if (r != ROLE_AUDITOR)
            assert_true(doc[r][AUTHZ_CASE_REVIEW] <= AUTHZ_ORG);
    assert_int_equal(doc[ROLE_ADMIN][AUTHZ_CASE_REVIEW], AUTHZ_ORG);
}

enum { OBJ_COLLECTION, OBJ_OWN, OBJ_OWN_OTHER_ORG, OBJ_ORG, OBJ_OTHER, OBJ_NOBODY, OBJ_COUNT };
static const char *const obj_names[OBJ_COUNT] = {"collection", "own", "own (other org)",
                                                 "org", "other", "nobody's"};

/* What the scope allows for each kind of object (scopes nest). */
static int expected(authz_scope_t sc, int kind)
{
    if (sc == AUTHZ_NONE)
        return 0;
    switch (kind) {
    case OBJ_COLLECTION: return 1;
    case OBJ_OWN:
    case OBJ_OWN_OTHER_ORG: return 1;
    case OBJ_ORG: return sc >= AUTHZ_ORG;
    default: return sc == AUTHZ_ALL;
    }
}

static void test_walk_every_decision(void **state)
{
    const int64_t me = 7, my_org = 3, other_user = 8, other_org = 4;
    const authz_object_t objs[OBJ_COUNT] = {
        [OBJ_COLLECTION] = {0, 0},        [OBJ_OWN] = {me, my_org},
        [OBJ_OWN_OTHER_ORG] = {me, other_org}, [OBJ_ORG] = {other_user, my_org},
        [OBJ_OTHER] = {other_user, other_org}, [OBJ_NOBODY] = {0, 0}};
    auth_principal_t p;
    tw_errinfo_t ei;
    int r, a, k, decisions = 0;
    (void)state;

    for (r = 0; r < ROLE_COUNT; r++) {
        memset(&p, 0, sizeof(p));
        p.user_id = me;
        p.org_id = my_org;
        p.role = (auth_role_t)r;
        snprintf(p.user, sizeof(p.user), "user7");
        snprintf(p.org, sizeof(p.org), "org3");
        for (a = 0; a < AUTHZ_ACTION_COUNT; a++) {
            for (k = 0; k < OBJ_COUNT; k++) {
                const authz_object_t *o = k == OBJ_COLLECTION ? NULL : &objs[k];
                int want = expected(doc[r][a], k);
                tw_err_t got;
                tw_errinfo_clear(&ei);
                got = authz_check(&p, (authz_action_t)a, o, &ei);
                if (got != (want ? TW_OK : TW_EPERM))
                    fail_msg("%s x %s x %s object: got %s, table says %s (%s)",
                             auth_role_name(p.role), authz_action_name((authz_action_t)a),
                             obj_names[k], got == TW_OK ? "allowed" : "refused",
                             want ? "allowed" : "refused", authz_scope_name(doc[r][a]));
                if (got != TW_OK) {
                    /* the refusal names the role and the action */
                    assert_non_null(strstr(ei.msg, auth_role_name(p.role)));
                    assert_non_null(strstr(ei.msg, authz_action_name((authz_action_t)a)));
                }
                /* nobody signed in: always refused */
                p.user_id = 0;
                assert_int_equal(authz_check(&p, (authz_action_t)a, o, &ei), TW_EPERM);
                p.user_id = me;
                decisions++;
            }
        }
    }
    assert_int_equal(decisions, ROLE_COUNT * AUTHZ_ACTION_COUNT * OBJ_COUNT);

    /* a null principal, a role out of range, an action out of range */
    assert_int_equal(authz_check(NULL, AUTHZ_STATS_READ, NULL, &ei), TW_EPERM);
    p.role = ROLE_COUNT;
    assert_int_equal(authz_check(&p, AUTHZ_STATS_READ, NULL, &ei), TW_EPERM);
    p.role = ROLE_ADMIN;
    assert_int_equal(authz_check(&p, AUTHZ_ACTION_COUNT, NULL, &ei), TW_EPERM);
    assert_int_equal(authz_check(&p, AUTHZ_ALERT_READ, NULL, NULL), TW_OK); /* ei optional */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_matrix_is_the_document),
        cmocka_unit_test(test_pinned_cells),
        cmocka_unit_test(test_walk_every_decision),
    };
    return cmocka_run_group_tests(tests, load_doc, NULL);
}
