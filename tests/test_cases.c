/*
 * test_cases.c - NRM cases (src/cases/cases.h): the stage table (code, this
 * file's copy and docs/nrm.md agree cell by cell, and every allowed and
 * every forbidden move is tried on a real case), reasons and decision dates,
 * deadlines at a fixed clock, the services state machine and the one-time
 * state payment, consent gating of referrals (none, refused, expired,
 * withdrawn), the receiver's and the sender's steps, organisation isolation
 * with guessed ids, statisticians' aggregates only, emergency referrals and
 * their review, stale versions, HTCDS codes, encryption at rest (no
 * plaintext in the .db or -wal bytes), blind-index search, retention purge,
 * re-sealing after a key rotation, and the audit entry of every call.
 *
 * Each test gets a fresh store in a mkdtemp directory and a fresh key file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "cases/cases.h"
#include "store/store.h"
#include "ingest/value.h"
#include "twcase.h"
#include "cases/vault.h"

#define DAY 86400
/* cases_int.h's CASES_NAME_MAX_BYTES: the longest name searched for */
#define CASES_NAME_MAX_BYTES_T 512
/* 2025-03-03 08:00 UTC = 12:00 in Yerevan */
#define T0 ((int64_t)1740988800)

static char dir[256], dbpath[320], kpath[320];
static store_t *st;
static vault_t *vt;
static auth_principal_t pa, pb, pc, pstat, padmin, paud, panalyst, padmin_b, padmin_c;
static int64_t org_a, org_b, org_c, org_d;

/* ---- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-cases-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(dbpath, sizeof(dbpath), "%s/cases.db", dir);
    snprintf(kpath, sizeof(kpath), "%s/tipwatch.key", dir);
    if (vault_key_file_create(kpath, &ei) != TW_OK || vault_open(kpath, &vt, &ei) != TW_OK)
        return -1;
    if (store_open(dbpath, &st, &ei) != TW_OK)
        return -1;
    org_a = twc_add_org(st, "Anti-Trafficking Unit");
    org_b = twc_add_org(st, "Hope Shelter NGO");
    org_c = twc_add_org(st, "Third Org");
    org_d = twc_add_org(st, "Oversight");
    twc_principal(&pa, 1, "anna", org_a, "Anti-Trafficking Unit", ROLE_CASE_WORKER);
    twc_principal(&pb, 2, "bella", org_b, "Hope Shelter NGO", ROLE_CASE_WORKER);
    twc_principal(&pc, 3, "carl", org_c, "Third Org", ROLE_CASE_WORKER);
    twc_principal(&pstat, 4, "stan", org_a, "Anti-Trafficking Unit", ROLE_STATISTICIAN);
    twc_principal(&padmin, 5, "ada", org_a, "Anti-Trafficking Unit", ROLE_ADMIN);
    twc_principal(&paud, 6, "otto", org_d, "Oversight", ROLE_AUDITOR);
    twc_principal(&panalyst, 7, "ana", org_a, "Anti-Trafficking Unit", ROLE_ANALYST);
    twc_principal(&padmin_b, 8, "bob", org_b, "Hope Shelter NGO", ROLE_ADMIN);
    twc_principal(&padmin_c, 9, "cid", org_c, "Third Org", ROLE_ADMIN);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    store_close(st);
    st = NULL;
    vault_close(vt);
    vt = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- helpers ---------------------------------------------------------------- */

static cases_actor_t actor(const auth_principal_t *p, int64_t now)
{
    cases_actor_t a;
    a.who = p;
    a.remote = "192.0.2.7";
    a.now = now;
    return a;
}

/* The Armenian calendar date `days` after T0's. */
static void date_at(int64_t now, char out[11])
{
    value_format_date((int32_t)((now + 4 * 3600) / DAY), out);
}

static int64_t open_named(const cases_actor_t *a, const char *name, const char *worker_key)
{
    cases_fields_t f;
    tw_errinfo_t ei;
    int64_t id = 0;
    tw_err_t err;
    memset(&f, 0, sizeof(f));
    f.name = name;
    f.worker_key = worker_key;
    f.sex = "Female";
    f.exploitation = "ForcedLabour";
    f.cooperating_with_police = -1;
    err = cases_open(st, vt, NULL, a, &f, 0, &id, &ei);
    if (err != TW_OK)
        print_error("cases_open: %s\n", ei.msg);
    assert_int_equal(err, TW_OK);
    assert_true(id > 0);
    return id;
}

static int64_t open_case(int64_t now)
{
    cases_actor_t a = actor(&pa, now);
    return open_named(&a, "Lusine Hakobyan", NULL);
}

static int64_t version_of(int64_t id)
{
    sqlite3_stmt *s;
    int64_t v = -1;
    sqlite3_prepare_v2(store_sqlite(st), "SELECT version FROM nrm_case WHERE id = ?", -1, &s,
                       NULL);
    sqlite3_bind_int64(s, 1, id);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static long long count_sql(const char *sql, int64_t arg)
{
    sqlite3_stmt *s;
    long long n = -1;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_bind_parameter_count(s) > 0)
        sqlite3_bind_int64(s, 1, arg);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* The newest audit entry is `action` on `object` (object NULL: any). */
static void last_audit_is(const char *action, const char *object)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                        "SELECT action, object FROM audit_log ORDER BY id DESC"
                                        " LIMIT 1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (strcmp((const char *)sqlite3_column_text(s, 0), action) != 0 ||
        (object && strcmp((const char *)sqlite3_column_text(s, 1), object) != 0))
        fail_msg("last audit entry is %s %s, expected %s %s", sqlite3_column_text(s, 0),
                 sqlite3_column_text(s, 1), action, object ? object : "*");
    sqlite3_finalize(s);
}

static long long audit_rows(void)
{
    return count_sql("SELECT count(*) FROM audit_log", 0);
}

static tw_err_t move(int64_t id, int64_t now, cases_stage_t to, const char *reason,
                     const char *date, tw_errinfo_t *ei)
{
    cases_actor_t a = actor(&pa, now);
    int64_t nv = 0;
    return cases_transition(st, vt, NULL, &a, id, version_of(id), to, reason, date, &nv, NULL,
                            ei);
}

static void move_ok(int64_t id, int64_t now, cases_stage_t to)
{
    tw_errinfo_t ei;
    char d[11];
    tw_err_t err;
    date_at(now, d);
    err = move(id, now, to, "decided on the evidence", d, &ei);
    if (err != TW_OK)
        print_error("move to %s: %s\n", cases_stage_name(to), ei.msg);
    assert_int_equal(err, TW_OK);
}

static cases_stage_t stage_of(int64_t id)
{
    cases_actor_t a = actor(&pa, T0);
    cases_case_t c;
    tw_errinfo_t ei;
    cases_stage_t s;
    assert_int_equal(cases_get(st, vt, &a, id, &c, &ei), TW_OK);
    s = c.stage;
    cases_case_free(&c);
    return s;
}

/* A referral of case id from org A to org B for shelter, with a consent
 * (categories, until) recorded, sent. Returns the referral id. */
static int64_t refer_with_consent(int64_t id, int64_t now, const char *cats, const char *until,
                                  int64_t *consent_id)
{
    cases_actor_t a = actor(&pa, now);
    cases_consent_in_t c = {1, cats, "placement in a shelter", until};
    tw_errinfo_t ei;
    int64_t rid = 0, cid = 0, cur = 0;
    assert_int_equal(cases_referral_create(st, &a, id, "Hope Shelter NGO", "shelter", &rid, &ei),
                     TW_OK);
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &c, &cid, &ei), TW_OK);
    assert_int_equal(cases_referral_send(st, &a, rid, 1, &cur, &ei), TW_OK);
    assert_int_equal(cur, 2);
    if (consent_id)
        *consent_id = cid;
    return rid;
}

/* ---- the stage table ------------------------------------------------------- */

#define PV CASE_PRESUMED_VICTIM
#define RC CASE_REFERRED_TO_COMMISSION
#define ID CASE_IDENTIFIED
#define NI CASE_NOT_IDENTIFIED
#define AS CASE_ASSISTANCE
#define RE CASE_REINTEGRATION
#define VR CASE_VOLUNTARY_RETURN
#define OR CASE_ONWARD_REFERRAL
#define CL CASE_CLOSED
/* The specification, pinned here as well as in docs/nrm.md. */
static const int spec[CASE_STAGE_COUNT][CASE_STAGE_COUNT] = {
    [PV] = {[RC] = 1, [CL] = 1},
    [RC] = {[ID] = 1, [NI] = 1, [CL] = 1},
    [ID] = {[AS] = 1, [CL] = 1},
    [NI] = {[AS] = 1, [RC] = 1, [CL] = 1},
    [AS] = {[RE] = 1, [VR] = 1, [OR] = 1, [CL] = 1},
    [RE] = {[AS] = 1, [CL] = 1},
    [VR] = {[CL] = 1},
    [OR] = {[CL] = 1},
    [CL] = {[PV] = 1},
};

static int split_row(char *line, char **cells, int max)
{
    int n = 0;
    char *p = line, *bar;
    if (*p != '|')
        return 0;
    p++;
    while ((bar = strchr(p, '|')) != NULL && n < max) {
        char *a = p, *b = bar;
        while (a < b && (*a == ' ' || *a == '`'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '`'))
            b--;
        *b = '\0';
        cells[n++] = a;
        p = bar + 1;
    }
    return n;
}

static void test_stage_table_matches_spec_and_docs(void **state)
{
    char path[1024], line[2048], *cells[16];
    int from, to, col[16], rows = 0, in_table = 0, n, i;
    const char *src = getenv("TW_SRCDIR");
    static const char self[] = "tests/test_cases.c";
    const char *file = __FILE__;
    size_t fl = strlen(file), sl = sizeof(self) - 1;
    FILE *f;
    (void)state;

    for (from = 0; from < CASE_STAGE_COUNT; from++)
        for (to = 0; to < CASE_STAGE_COUNT; to++)
            if (cases_stage_allowed((cases_stage_t)from, (cases_stage_t)to) != spec[from][to])
                fail_msg("code says %s -> %s is %d", cases_stage_name((cases_stage_t)from),
                         cases_stage_name((cases_stage_t)to), spec[from][to] ? 0 : 1);
    assert_int_equal(cases_stage_allowed(CASE_STAGE_COUNT, PV), 0);
    assert_int_equal(cases_stage_allowed(PV, CASE_STAGE_COUNT), 0);

    if (src && src[0])
        snprintf(path, sizeof(path), "%s/docs/nrm.md", src);
    else if (fl >= sl && strcmp(file + fl - sl, self) == 0)
        snprintf(path, sizeof(path), "%.*sdocs/nrm.md", (int)(fl - sl), file);
    else
        fail_msg("set TW_SRCDIR to the source tree");
    f = fopen(path, "r");
    if (!f)
        fail_msg("cannot open %s", path);
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        n = split_row(line, cells, 16);
        if (!in_table) {
            if (n == CASE_STAGE_COUNT + 1 && strcmp(cells[0], "from \\ to") == 0) {
                for (i = 1; i < n; i++) {
                    cases_stage_t s;
                    if (cases_stage_parse(cells[i], &s) != TW_OK)
                        fail_msg("docs/nrm.md: unknown stage '%s'", cells[i]);
                    col[i] = (int)s;
                }
                in_table = 1;
            }
            continue;
        }
        if (n == 0)
            break;
        if (cells[0][0] == '-')
            continue;
        {
            cases_stage_t s;
            if (cases_stage_parse(cells[0], &s) != TW_OK)
                fail_msg("docs/nrm.md: unknown stage '%s'", cells[0]);
            from = (int)s;
        }
        assert_int_equal(n, CASE_STAGE_COUNT + 1);
        for (i = 1; i < n; i++) {
            int yes = strcmp(cells[i], "yes") == 0;
            if (!yes && strcmp(cells[i], "") != 0 && strcmp(cells[i], "-") != 0)
                fail_msg("docs/nrm.md: cell '%s'", cells[i]);
            if (yes != spec[from][col[i]])
                fail_msg("docs/nrm.md says %s -> %s is %d", cases_stage_name((cases_stage_t)from),
                         cases_stage_name((cases_stage_t)col[i]), yes);
        }
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, CASE_STAGE_COUNT);

    /* reasons and dates (docs/nrm.md) */
    for (to = 0; to < CASE_STAGE_COUNT; to++) {
        int r = to == ID || to == NI || to == CL || to == PV;
        int d = to == ID || to == NI;
        assert_int_equal(cases_stage_needs_reason((cases_stage_t)to), r);
        assert_int_equal(cases_stage_needs_date((cases_stage_t)to), d);
    }
}

/* A path of moves from presumed_victim to `target` along spec (BFS). */
static int path_to(int target, int out[CASE_STAGE_COUNT])
{
    int prev[CASE_STAGE_COUNT], q[CASE_STAGE_COUNT], seen[CASE_STAGE_COUNT] = {0};
    int qh = 0, qt = 0, n = 0, s, t, rev[CASE_STAGE_COUNT];
    q[qt++] = PV;
    seen[PV] = 1;
    prev[PV] = -1;
    while (qh < qt) {
        s = q[qh++];
        for (t = 0; t < CASE_STAGE_COUNT; t++)
            if (spec[s][t] && !seen[t]) {
                seen[t] = 1;
                prev[t] = s;
                q[qt++] = t;
            }
    }
    assert_true(seen[target]);
    for (s = target; s != PV; s = prev[s])
        rev[n++] = s;
    for (t = 0; t < n; t++)
        out[t] = rev[n - 1 - t];
    return n;
}

static int64_t case_at(int stage)
{
    int p[CASE_STAGE_COUNT], n = path_to(stage, p), i;
    int64_t id = open_case(T0);
    for (i = 0; i < n; i++)
        move_ok(id, T0, (cases_stage_t)p[i]);
    assert_int_equal(stage_of(id), stage);
    return id;
}

/* The newest history entry of case id is the move from -> to, by anna,
 * with a (sealed) reason. */
static void last_event_is(int64_t id, int from, int to)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                        "SELECT kind, from_stage, to_stage, actor, actor_org,"
                                        " reason_blob IS NOT NULL, at FROM case_event"
                                        " WHERE case_id = ? ORDER BY id DESC LIMIT 1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, id);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "stage");
    assert_string_equal((const char *)sqlite3_column_text(s, 1),
                        cases_stage_name((cases_stage_t)from));
    assert_string_equal((const char *)sqlite3_column_text(s, 2),
                        cases_stage_name((cases_stage_t)to));
    assert_string_equal((const char *)sqlite3_column_text(s, 3), "anna");
    assert_string_equal((const char *)sqlite3_column_text(s, 4), "Anti-Trafficking Unit");
    assert_int_equal(sqlite3_column_int(s, 5), 1);
    assert_string_equal((const char *)sqlite3_column_text(s, 6), "2025-03-03T08:00:00Z");
    sqlite3_finalize(s);
}

static void test_every_transition(void **state)
{
    char today[11], msg[200];
    tw_errinfo_t ei;
    int from, to;
    (void)state;
    date_at(T0, today);
    for (from = 0; from < CASE_STAGE_COUNT; from++) {
        int64_t stay = case_at(from);
        for (to = 0; to < CASE_STAGE_COUNT; to++) {
            if (spec[from][to]) {
                int64_t id = case_at(from), v0 = version_of(id);
                char obj[32];
                snprintf(obj, sizeof(obj), "case:%lld", (long long)id);
                assert_int_equal(move(id, T0, (cases_stage_t)to, "why", today, &ei), TW_OK);
                last_audit_is("case.transition", obj);
                last_event_is(id, from, to);
                assert_int_equal(stage_of(id), to);
                assert_int_equal(version_of(id), v0 + 1);
            } else {
                int64_t v0 = version_of(stay);
                tw_err_t err = move(stay, T0, (cases_stage_t)to, "why", today, &ei);
                assert_int_equal(err, TW_ECONFLICT);
                snprintf(msg, sizeof(msg), "cannot move from %s to %s",
                         cases_stage_name((cases_stage_t)from), cases_stage_name((cases_stage_t)to));
                assert_non_null(strstr(ei.msg, msg));
                assert_int_equal(version_of(stay), v0);
                assert_int_equal(stage_of(stay), from);
            }
        }
    }
}

static void test_reasons_and_dates_required(void **state)
{
    char today[11], tomorrow[11];
    tw_errinfo_t ei;
    int64_t id;
    (void)state;
    date_at(T0, today);
    date_at(T0 + DAY, tomorrow);

    id = case_at(RC);
    /* identified needs a reason and a date, not in the future */
    assert_int_equal(move(id, T0, ID, NULL, today, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "reason");
    assert_int_equal(move(id, T0, ID, "   ", today, &ei), TW_EINPUT);
    assert_int_equal(move(id, T0, ID, "commission decision 12/2025", NULL, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "decision_date");
    assert_int_equal(move(id, T0, ID, "commission decision 12/2025", "2025-02-30", &ei),
                     TW_EINPUT);
    assert_int_equal(move(id, T0, ID, "commission decision 12/2025", tomorrow, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "decision_date");
    assert_int_equal(stage_of(id), RC);
    assert_int_equal(move(id, T0, NI, "no indicators", NULL, &ei), TW_EINPUT);
    assert_int_equal(move(id, T0, ID, "commission decision 12/2025", "2025-03-01", &ei), TW_OK);
    {
        cases_actor_t a = actor(&pa, T0);
        cases_case_t c;
        assert_int_equal(cases_get(st, vt, &a, id, &c, &ei), TW_OK);
        assert_string_equal(c.decision, "identified");
        assert_string_equal(c.decision_date, "2025-03-01");
        assert_string_equal(c.preid_due, "");
        cases_case_free(&c);
    }
    /* closing needs a reason; referring to the commission does not */
    assert_int_equal(move(id, T0, CL, NULL, NULL, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "reason");
    id = open_case(T0);
    assert_int_equal(move(id, T0, RC, NULL, NULL, &ei), TW_OK);
    assert_int_equal(move(id, T0, CL, "moved abroad", NULL, &ei), TW_OK);
    /* reopening needs a reason */
    assert_int_equal(move(id, T0, PV, NULL, NULL, &ei), TW_EINPUT);
    assert_int_equal(move(id, T0, PV, "came back", NULL, &ei), TW_OK);
    /* an out-of-range stage */
    assert_int_equal(move(id, T0, CASE_STAGE_COUNT, "x", NULL, &ei), TW_EINPUT);
}

/* ---- deadlines ------------------------------------------------------------------- */

typedef struct {
    int64_t ids[16];
    int overdue[16];
    const char *names[16];
    char namebuf[16][64];
    int n;
} listed_t;

static tw_err_t on_item(void *ctx, const cases_item_t *it)
{
    listed_t *l = ctx;
    if (l->n < 16) {
        l->ids[l->n] = it->id;
        l->overdue[l->n] = it->overdue;
        if (it->name) {
            snprintf(l->namebuf[l->n], 64, "%s", it->name);
            l->names[l->n] = l->namebuf[l->n];
        } else {
            l->names[l->n] = NULL;
        }
    }
    l->n++;
    return TW_OK;
}

static void test_deadlines(void **state)
{
    cases_policy_t pol;
    cases_case_t c;
    cases_actor_t a;
    cases_fields_t f;
    cases_filter_t flt = {-1, 1, NULL, NULL, 0, NULL};
    listed_t l;
    tw_errinfo_t ei;
    int64_t early, late, decided, id;
    (void)state;

    early = open_case(T0);
    late = open_case(T0 + 3 * DAY);
    decided = open_case(T0);
    move_ok(decided, T0 + DAY, RC);

    /* day 10: due today, not overdue */
    a = actor(&pa, T0 + 10 * DAY);
    assert_int_equal(cases_get(st, vt, &a, early, &c, &ei), TW_OK);
    assert_string_equal(c.preid_due, "2025-03-13");
    assert_string_equal(c.presumed_on, "2025-03-03");
    assert_string_equal(c.reflection_until, "2025-04-02");
    assert_int_equal(c.overdue, 0);
    assert_int_equal(c.in_reflection, 1);
    cases_case_free(&c);
    /* day 11: overdue, and listed first among the overdue */
    a = actor(&pa, T0 + 11 * DAY);
    assert_int_equal(cases_get(st, vt, &a, early, &c, &ei), TW_OK);
    assert_int_equal(c.overdue, 1);
    cases_case_free(&c);
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], early);
    last_audit_is("case.list", "");
    a = actor(&pa, T0 + 14 * DAY);
    memset(&l, 0, sizeof(l));
    flt.overdue_only = 0;
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.ids[0], early); /* oldest deadline first */
    assert_int_equal(l.ids[1], late);
    assert_int_equal(l.overdue[1], 1);
    assert_int_equal(l.ids[2], decided);
    assert_int_equal(l.overdue[2], 0);
    /* a decided case has no pre-identification deadline */
    assert_int_equal(cases_get(st, vt, &a, decided, &c, &ei), TW_OK);
    assert_string_equal(c.preid_due, "");
    assert_int_equal(c.overdue, 0);
    cases_case_free(&c);

    /* reflection period: day 30 is the last day */
    a = actor(&pa, T0 + 30 * DAY);
    assert_int_equal(cases_get(st, vt, &a, early, &c, &ei), TW_OK);
    assert_int_equal(c.in_reflection, 1);
    cases_case_free(&c);
    a = actor(&pa, T0 + 31 * DAY);
    assert_int_equal(cases_get(st, vt, &a, early, &c, &ei), TW_OK);
    assert_int_equal(c.in_reflection, 0);
    cases_case_free(&c);

    /* from the policy (config), and the presumption date given */
    cases_policy_default(&pol);
    assert_int_equal(pol.preid_days, 10);
    assert_int_equal(pol.reflection_days, 30);
    assert_int_equal(pol.state_payment_amd, 250000);
    pol.preid_days = 5;
    pol.reflection_days = 45;
    a = actor(&pa, T0);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.presumed_on = "2025-03-01";
    assert_int_equal(cases_open(st, vt, &pol, &a, &f, 0, &id, &ei), TW_OK);
    assert_int_equal(cases_get(st, vt, &a, id, &c, &ei), TW_OK);
    assert_string_equal(c.preid_due, "2025-03-08");
    assert_string_equal(c.reflection_until, "2025-04-15");
    cases_case_free(&c);
    f.presumed_on = "2025-03-04"; /* in the future */
    assert_int_equal(cases_open(st, vt, &pol, &a, &f, 0, &id, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "presumed_on");
    pol.reflection_days = 29;
    assert_int_equal(cases_policy_check(&pol, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "reflection_days");
    cases_policy_default(&pol);
    pol.preid_days = 0;
    assert_int_equal(cases_policy_check(&pol, &ei), TW_EINPUT);
    cases_policy_default(&pol);
    pol.attachment_max = 0;
    assert_int_equal(cases_policy_check(&pol, &ei), TW_EINPUT);
    cases_policy_default(&pol);
    assert_int_equal(cases_policy_check(&pol, &ei), TW_OK);
}

/* ---- services ---------------------------------------------------------------- */

static void test_services(void **state)
{
    cases_actor_t a = actor(&pa, T0);
    tw_errinfo_t ei;
    int64_t id = open_case(T0), sid = 0, pay = 0, cur = 0;
    (void)state;

    assert_int_equal(cases_service_offer(st, NULL, &a, id, "shelter", NULL, &sid, &ei), TW_OK);
    last_audit_is("case.service.offer", NULL);
    /* offered -> delivered is not a move */
    assert_int_equal(cases_service_set(st, &a, sid, 1, SERVICE_DELIVERED, &cur, &ei),
                     TW_ECONFLICT);
    assert_int_equal(cases_service_set(st, &a, sid, 1, SERVICE_ACCEPTED, &cur, &ei), TW_OK);
    assert_int_equal(cur, 2);
    last_audit_is("case.service.update", NULL);
    /* stale */
    assert_int_equal(cases_service_set(st, &a, sid, 1, SERVICE_DELIVERED, &cur, &ei),
                     TW_ECONFLICT);
    assert_int_equal(cur, 2);
    assert_int_equal(cases_service_set(st, &a, sid, 2, SERVICE_DECLINED, &cur, &ei),
                     TW_ECONFLICT);
    assert_int_equal(cases_service_set(st, &a, sid, 2, SERVICE_DELIVERED, &cur, &ei), TW_OK);
    assert_int_equal(cases_service_set(st, &a, sid, 3, SERVICE_ACCEPTED, &cur, &ei),
                     TW_ECONFLICT);
    /* declined is final */
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "medical", NULL, &sid, &ei), TW_OK);
    assert_int_equal(cases_service_set(st, &a, sid, 1, SERVICE_DECLINED, &cur, &ei), TW_OK);
    assert_int_equal(cases_service_set(st, &a, sid, 2, SERVICE_ACCEPTED, &cur, &ei),
                     TW_ECONFLICT);
    /* unknown service, two at once */
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "massage", NULL, &sid, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "service");
    assert_non_null(strstr(ei.msg, "massage"));
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "shelter;medical", NULL, &sid, &ei),
                     TW_EINPUT);
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "legal_aid", "No Such Org", &sid, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "provider");

    /* the state payment: not before identification (cooperation with the
     * police plays no part either way) */
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "state_payment", NULL, &pay, &ei),
                     TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "identified"));
    move_ok(id, T0, RC);
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "state_payment", NULL, &pay, &ei),
                     TW_ECONFLICT);
    {
        char today[11];
        date_at(T0, today);
        assert_int_equal(move(id, T0, NI, "no indicators", today, &ei), TW_OK);
        assert_int_equal(cases_service_offer(st, NULL, &a, id, "state_payment", NULL, &pay, &ei),
                         TW_ECONFLICT);
        assert_int_equal(move(id, T0, RC, "new evidence", today, &ei), TW_OK);
        assert_int_equal(move(id, T0, ID, "commission decision", today, &ei), TW_OK);
    }
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "state_payment", NULL, &pay, &ei),
                     TW_OK);
    assert_int_equal(count_sql("SELECT amount_amd FROM case_service WHERE id = ?", pay), 250000);
    /* only once */
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "state_payment", NULL, &sid, &ei),
                     TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "once"));
    /* a declined offer may be made again; a delivered one never */
    assert_int_equal(cases_service_set(st, &a, pay, 1, SERVICE_DECLINED, &cur, &ei), TW_OK);
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "state_payment", NULL, &pay, &ei),
                     TW_OK);
    assert_int_equal(cases_service_set(st, &a, pay, 1, SERVICE_ACCEPTED, &cur, &ei), TW_OK);
    assert_int_equal(cases_service_set(st, &a, pay, 2, SERVICE_DELIVERED, &cur, &ei), TW_OK);
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "state_payment", NULL, &sid, &ei),
                     TW_ECONFLICT);
    assert_int_equal(count_sql("SELECT count(*) FROM case_service WHERE case_id = ? AND service"
                               " = 'state_payment' AND status <> 'declined'",
                               id),
                     1);
    /* the state payment works the same for someone not cooperating */
    {
        cases_fields_t f;
        int64_t nv;
        memset(&f, 0, sizeof(f));
        f.cooperating_with_police = 1;
        assert_int_equal(cases_update(st, vt, NULL, &a, id, version_of(id), &f, &nv, NULL, &ei),
                         TW_OK);
        assert_int_equal(count_sql("SELECT cooperating_with_police FROM nrm_case WHERE id = ?",
                                   id),
                         1);
        /* services are offered and accepted alike, cooperating or not */
        assert_int_equal(cases_service_offer(st, NULL, &a, id, "psychological", NULL, &sid, &ei),
                         TW_OK);
        assert_int_equal(cases_service_set(st, &a, sid, 1, SERVICE_ACCEPTED, &cur, &ei), TW_OK);
        f.cooperating_with_police = 0;
        assert_int_equal(cases_update(st, vt, NULL, &a, id, version_of(id), &f, &nv, NULL, &ei),
                         TW_OK);
        assert_int_equal(cases_service_offer(st, NULL, &a, id, "interpretation", NULL, &sid,
                                             &ei),
                         TW_OK);
        assert_int_equal(cases_service_set(st, &a, sid, 1, SERVICE_ACCEPTED, &cur, &ei), TW_OK);
        assert_int_equal(count_sql("SELECT count(*) FROM case_service WHERE case_id = ? AND"
                                   " service IN ('psychological','interpretation') AND status ="
                                   " 'accepted'",
                                   id),
                         2);
        /* and the delivered state payment stays delivered */
        assert_int_equal(count_sql("SELECT count(*) FROM case_service WHERE case_id = ? AND"
                                   " service = 'state_payment' AND status = 'delivered'",
                                   id),
                         1);
    }
}

static void test_service_provider_steps(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0), c = actor(&pc, T0);
    tw_errinfo_t ei;
    int64_t id = open_case(T0), sid = 0, cur = 0;
    (void)state;

    assert_int_equal(cases_service_offer(st, NULL, &a, id, "shelter", "Hope Shelter NGO", &sid,
                                         &ei),
                     TW_OK);
    /* the provider without a referral has no access */
    assert_int_equal(cases_service_set(st, &b, sid, 1, SERVICE_ACCEPTED, &cur, &ei),
                     TW_ENOTFOUND);
    refer_with_consent(id, T0, "profile", "2025-12-31", NULL);
    assert_int_equal(cases_service_set(st, &b, sid, 1, SERVICE_ACCEPTED, &cur, &ei), TW_OK);
    assert_int_equal(cases_service_set(st, &c, sid, 2, SERVICE_DELIVERED, &cur, &ei),
                     TW_ENOTFOUND);
    assert_string_equal(ei.msg, "no service 1");
    assert_int_equal(cases_service_set(st, &b, sid, 2, SERVICE_DELIVERED, &cur, &ei), TW_OK);
    /* a receiver may not offer services (owner only) */
    assert_int_equal(cases_service_offer(st, NULL, &b, id, "medical", NULL, &sid, &ei), TW_EPERM);
}

/* ---- referrals and consent -------------------------------------------------------- */

typedef struct {
    int n;
    int64_t ids[8];
    int in_force[8], emergency[8], reviewed[8];
    char status[8][16];
    char reason[8][64];
} refs_t;

static tw_err_t on_ref(void *ctx, const cases_referral_t *r)
{
    refs_t *x = ctx;
    if (x->n < 8) {
        x->ids[x->n] = r->id;
        x->in_force[x->n] = r->in_force;
        x->emergency[x->n] = r->emergency;
        x->reviewed[x->n] = r->reviewed;
        snprintf(x->status[x->n], 16, "%s", r->status);
        snprintf(x->reason[x->n], 64, "%s", r->reason ? r->reason : "");
    }
    x->n++;
    return TW_OK;
}

static void test_consent_gating(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0);
    cases_consent_in_t refused = {0, NULL, NULL, NULL};
    cases_consent_in_t past = {1, "profile;identity", "shelter placement", "2025-03-02"};
    cases_consent_in_t ok = {1, "profile;identity", "shelter placement", "2025-03-10"};
    cases_consent_in_t bad = {1, "profile;secrets", "shelter placement", "2025-03-10"};
    cases_case_t cs;
    tw_errinfo_t ei;
    int64_t id = open_case(T0), rid = 0, cid = 0, cid2 = 0, cur = 0, ver = 1;
    listed_t l;
    (void)state;

    assert_int_equal(cases_referral_create(st, &a, id, "Hope Shelter NGO", "shelter;medical",
                                           &rid, &ei),
                     TW_OK);
    last_audit_is("case.referral.create", NULL);
    /* a draft gives no access */
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_ENOTFOUND);
    /* no consent: not sent */
    assert_int_equal(cases_referral_send(st, &a, rid, ver, &cur, &ei), TW_EPERM);
    assert_non_null(strstr(ei.msg, "consent"));
    last_audit_is("case.access.denied", NULL);
    /* refused consent: not sent */
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &refused, &cid, &ei), TW_OK);
    last_audit_is("case.consent.record", NULL);
    assert_int_equal(cases_referral_send(st, &a, rid, ver, &cur, &ei), TW_EPERM);
    /* a refusal cannot be withdrawn */
    assert_int_equal(cases_consent_withdraw(st, vt, &a, cid, NULL, &ei), TW_ECONFLICT);
    /* a consent already past its date, an unknown category */
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &past, &cid, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "until");
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &bad, &cid, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "categories");
    assert_non_null(strstr(ei.msg, "secrets"));
    {
        cases_consent_in_t nopurpose = {1, "profile", NULL, "2025-03-10"};
        assert_int_equal(cases_consent_record(st, vt, &a, rid, &nopurpose, &cid, &ei),
                         TW_EINPUT);
        assert_string_equal(ei.field, "purpose");
    }
    /* the receiver cannot record consent (before sending it has no access at all) */
    assert_int_equal(cases_consent_record(st, vt, &b, rid, &ok, &cid, &ei), TW_ENOTFOUND);
    assert_string_equal(ei.msg, "no referral 1");
    /* given, in force: sent */
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &ok, &cid, &ei), TW_OK);
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &ok, &cid2, &ei), TW_ECONFLICT);
    assert_int_equal(cases_referral_send(st, &a, rid, ver, &cur, &ei), TW_OK);
    last_audit_is("case.referral.send", NULL);
    assert_int_equal(cur, 2);
    assert_int_equal(cases_referral_send(st, &a, rid, cur, &cur, &ei), TW_ECONFLICT);

    /* the receiver sees the consented categories only */
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_OK);
    assert_int_equal(cs.access, CASES_ACCESS_RECEIVER);
    assert_int_equal(cs.categories, CASES_CAT_PROFILE | CASES_CAT_IDENTITY);
    assert_string_equal(cs.name, "Lusine Hakobyan");
    assert_string_equal(cs.sex, "Female");
    assert_null(cs.narrative);
    assert_null(cs.phone);
    cases_case_free(&cs);
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, NULL, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], id);
    /* but may not change it */
    {
        cases_fields_t f;
        int64_t nv;
        memset(&f, 0, sizeof(f));
        f.cooperating_with_police = -1;
        f.narrative = "changed";
        assert_int_equal(cases_update(st, vt, NULL, &b, id, version_of(id), &f, &nv, NULL, &ei),
                         TW_EPERM);
        assert_int_equal(move(id, T0, RC, NULL, NULL, &ei), TW_OK); /* owner can */
    }

    /* expiry: the last day is still in force, the day after is not */
    b = actor(&pb, T0 + 7 * DAY); /* 2025-03-10 */
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_OK);
    cases_case_free(&cs);
    b = actor(&pb, T0 + 8 * DAY);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_ENOTFOUND);
    {
        refs_t r;
        memset(&r, 0, sizeof(r));
        assert_int_equal(cases_inbox(st, &b, on_ref, &r, &ei), TW_OK);
        assert_int_equal(r.n, 0);
    }

    /* withdrawal removes access at once */
    b = actor(&pb, T0);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(cases_consent_withdraw(st, vt, &b, cid, NULL, &ei), TW_EPERM);
    assert_int_equal(cases_consent_withdraw(st, vt, &a, cid, "the person asked", &ei), TW_OK);
    last_audit_is("case.consent.withdraw", NULL);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_ENOTFOUND);
    {
        char expect[64];
        snprintf(expect, sizeof(expect), "no case %lld", (long long)id);
        assert_string_equal(ei.msg, expect);
    }
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, NULL, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 0);
    assert_int_equal(cases_consent_withdraw(st, vt, &a, cid, NULL, &ei), TW_ECONFLICT);
    /* a new consent restores it */
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &ok, &cid2, &ei), TW_OK);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_OK);
    cases_case_free(&cs);
    /* another receiver of the same case cannot reach this referral or consent */
    {
        cases_actor_t c = actor(&pc, T0);
        char expect[64];
        int64_t cur2;
        cases_consent_in_t okc = {1, "profile", "legal aid", "2025-03-10"};
        int64_t rc = 0, cc = 0;
        assert_int_equal(cases_referral_create(st, &a, id, "Third Org", "legal_aid", &rc, &ei),
                         TW_OK);
        assert_int_equal(cases_consent_record(st, vt, &a, rc, &okc, &cc, &ei), TW_OK);
        assert_int_equal(cases_referral_send(st, &a, rc, 1, &cur2, &ei), TW_OK);
        assert_int_equal(cases_get(st, vt, &c, id, &cs, &ei), TW_OK);
        cases_case_free(&cs);
        snprintf(expect, sizeof(expect), "no consent %lld", (long long)cid2);
        assert_int_equal(cases_consent_withdraw(st, vt, &c, cid2, NULL, &ei), TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        snprintf(expect, sizeof(expect), "no referral %lld", (long long)rid);
        assert_int_equal(cases_referral_send(st, &c, rid, 2, &cur2, &ei), TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        assert_int_equal(cases_referral_act(st, vt, &c, rid, 2, REFERRAL_ACCEPT, NULL, &cur2,
                                            &ei),
                         TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        assert_int_equal(cases_consent_withdraw(st, vt, &c, cc, NULL, &ei), TW_EPERM);
    }
}

static void test_referral_steps(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0), c = actor(&pc, T0);
    cases_case_t cs;
    tw_errinfo_t ei;
    refs_t r;
    int64_t id = open_case(T0), rid, rid2, rid3, cur = 0;
    (void)state;

    /* bad input */
    assert_int_equal(cases_referral_create(st, &a, id, "Nobody", "shelter", &rid, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "to");
    assert_int_equal(cases_referral_create(st, &a, id, "Anti-Trafficking Unit", "shelter", &rid,
                                           &ei),
                     TW_EINPUT);
    assert_int_equal(cases_referral_create(st, &a, id, "Hope Shelter NGO", "", &rid, &ei),
                     TW_EINPUT);
    assert_int_equal(cases_referral_create(st, &a, id, "Hope Shelter NGO", "spa", &rid, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "service");

    rid = refer_with_consent(id, T0, "profile;services", "2025-12-31", NULL);
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_inbox(st, &b, on_ref, &r, &ei), TW_OK);
    last_audit_is("case.inbox", "");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ids[0], rid);
    assert_string_equal(r.status[0], "pending");
    assert_int_equal(r.in_force[0], 1);
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_inbox(st, &c, on_ref, &r, &ei), TW_OK);
    assert_int_equal(r.n, 0);

    /* the sender cannot accept, the receiver cannot revoke, a stranger nothing */
    assert_int_equal(cases_referral_act(st, vt, &a, rid, 2, REFERRAL_ACCEPT, NULL, &cur, &ei),
                     TW_EPERM);
    assert_int_equal(cases_referral_act(st, vt, &b, rid, 2, REFERRAL_REVOKE, "x", &cur, &ei),
                     TW_EPERM);
    assert_int_equal(cases_referral_act(st, vt, &c, rid, 2, REFERRAL_ACCEPT, NULL, &cur, &ei),
                     TW_ENOTFOUND);
    assert_string_equal(ei.msg, "no referral 1");
    /* complete before accept; stale accept */
    assert_int_equal(cases_referral_act(st, vt, &b, rid, 2, REFERRAL_COMPLETE, NULL, &cur, &ei),
                     TW_ECONFLICT);
    assert_int_equal(cases_referral_act(st, vt, &b, rid, 1, REFERRAL_ACCEPT, NULL, &cur, &ei),
                     TW_ECONFLICT);
    assert_int_equal(cur, 2);
    assert_int_equal(cases_referral_act(st, vt, &b, rid, 2, REFERRAL_ACCEPT, NULL, &cur, &ei),
                     TW_OK);
    last_audit_is("case.referral.accept", NULL);
    assert_int_equal(cur, 3);
    assert_int_equal(cases_referral_act(st, vt, &b, rid, 3, REFERRAL_REJECT, "full", &cur, &ei),
                     TW_ECONFLICT);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(cases_referral_act(st, vt, &b, rid, 3, REFERRAL_COMPLETE, NULL, &cur, &ei),
                     TW_OK);
    last_audit_is("case.referral.complete", NULL);
    /* completed: no more access, no more steps */
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_ENOTFOUND);
    assert_int_equal(cases_referral_act(st, vt, &a, rid, 4, REFERRAL_REVOKE, "late", &cur, &ei),
                     TW_ECONFLICT);

    /* reject needs a reason */
    rid2 = refer_with_consent(id, T0, "profile", "2025-12-31", NULL);
    assert_int_equal(cases_referral_act(st, vt, &b, rid2, 2, REFERRAL_REJECT, NULL, &cur, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "reason");
    assert_int_equal(cases_referral_act(st, vt, &b, rid2, 2, REFERRAL_REJECT, "no beds free",
                                        &cur, &ei),
                     TW_OK);
    last_audit_is("case.referral.reject", NULL);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_ENOTFOUND);

    /* the sender revokes (with a reason): access ends at once */
    rid3 = refer_with_consent(id, T0, "profile", "2025-12-31", NULL);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(cases_referral_act(st, vt, &a, rid3, 2, REFERRAL_REVOKE, NULL, &cur, &ei),
                     TW_EINPUT);
    assert_int_equal(cases_referral_act(st, vt, &a, rid3, 2, REFERRAL_REVOKE, "placed elsewhere",
                                        &cur, &ei),
                     TW_OK);
    last_audit_is("case.referral.revoke", NULL);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_ENOTFOUND);
    /* a draft can be revoked too */
    assert_int_equal(cases_referral_create(st, &a, id, "Third Org", "legal_aid", &rid, &ei), TW_OK);
    assert_int_equal(cases_referral_act(st, vt, &a, rid, 1, REFERRAL_REVOKE, "not needed", &cur,
                                        &ei),
                     TW_OK);

    /* the owner's view lists every referral with its reason */
    {
        cases_visitor_t vis;
        memset(&vis, 0, sizeof(vis));
        vis.referral = on_ref;
        memset(&r, 0, sizeof(r));
        assert_int_equal(cases_view(st, vt, &a, id, &cs, &vis, &r, &ei), TW_OK);
        cases_case_free(&cs);
        assert_int_equal(r.n, 4);
        assert_string_equal(r.status[0], "completed");
        assert_string_equal(r.status[1], "rejected");
        assert_string_equal(r.reason[1], "no beds free");
        assert_string_equal(r.status[2], "revoked");
        assert_string_equal(r.reason[2], "placed elsewhere");
    }
}

/* ---- isolation ---------------------------------------------------------------- */

static void test_isolation_guessed_ids(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0), c = actor(&pc, T0),
                  ab = actor(&padmin_b, T0);
    cases_fields_t f;
    cases_case_t cs;
    tw_errinfo_t ei;
    listed_t l;
    char expect[64], tname[256], tmt[128];
    int64_t ids[5], k, x, sid, aid, nv;
    long long denied0;
    tw_buf_t data;
    (void)state;

    for (k = 0; k < 5; k++)
        ids[k] = open_case(T0);
    assert_int_equal(cases_service_offer(st, NULL, &a, ids[1], "medical", NULL, &sid, &ei),
                     TW_OK);
    assert_int_equal(cases_attachment_add(st, vt, NULL, &a, ids[1], "scan.pdf",
                                          "application/pdf", "%PDF-1", 6, &aid, &ei),
                     TW_OK);
    refer_with_consent(ids[1], T0, "profile;attachments", "2025-12-31", NULL);

    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.narrative = "overwrite";
    denied0 = count_sql("SELECT count(*) FROM audit_log WHERE action = 'case.access.denied'", 0);
    /* the third organisation: every id, existing or not, is the same "no case N" */
    for (x = 1; x <= 8; x++) {
        snprintf(expect, sizeof(expect), "no case %lld", (long long)x);
        assert_int_equal(cases_get(st, vt, &c, x, &cs, &ei), TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        assert_string_equal(ei.field, "");
        assert_int_equal(cases_update(st, vt, NULL, &c, x, 1, &f, &nv, NULL, &ei), TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        assert_int_equal(cases_transition(st, vt, NULL, &c, x, 1, CASE_CLOSED, "x", NULL, &nv,
                                          NULL, &ei),
                         TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        assert_int_equal(cases_service_offer(st, NULL, &c, x, "shelter", NULL, &nv, &ei),
                         TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        assert_int_equal(cases_referral_create(st, &c, x, "Third Org", "shelter", &nv, &ei),
                         TW_ENOTFOUND);
        assert_int_equal(cases_referral_emergency(st, vt, &c, x, "Hope Shelter NGO", "shelter",
                                                  "life at risk", &nv, &ei),
                         TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        assert_int_equal(cases_attachment_add(st, vt, NULL, &c, x, "a.txt", "text/plain", "x", 1,
                                              &nv, &ei),
                         TW_ENOTFOUND);
        /* objects of cases by guessed id */
        snprintf(expect, sizeof(expect), "no service %lld", (long long)x);
        assert_int_equal(cases_service_set(st, &c, x, 1, SERVICE_ACCEPTED, &nv, &ei),
                         TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        snprintf(expect, sizeof(expect), "no attachment %lld", (long long)x);
        buf_init(&data, 1 << 20);
        assert_int_equal(cases_attachment_get(st, vt, &c, x, tname, tmt, &data, &ei),
                         TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        buf_free(&data);
        snprintf(expect, sizeof(expect), "no referral %lld", (long long)x);
        assert_int_equal(cases_referral_act(st, vt, &c, x, 1, REFERRAL_ACCEPT, NULL, &nv, &ei),
                         TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        assert_int_equal(cases_referral_send(st, &c, x, 1, &nv, &ei), TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
        snprintf(expect, sizeof(expect), "no consent %lld", (long long)x);
        assert_int_equal(cases_consent_withdraw(st, vt, &c, x, NULL, &ei), TW_ENOTFOUND);
        assert_string_equal(ei.msg, expect);
    }
    /* every refusal is in the audit log */
    assert_true(count_sql("SELECT count(*) FROM audit_log WHERE action = 'case.access.denied'",
                          0) >= denied0 + 8 * 12);
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &c, NULL, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 0);
    /* nothing changed */
    for (k = 0; k < 5; k++)
        assert_int_equal(version_of(ids[k]), 1);

    /* the receiver sees the referred case only, and its attachment */
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, NULL, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], ids[1]);
    assert_null(l.names[0]); /* identity not consented */
    for (k = 0; k < 5; k++) {
        tw_err_t err = cases_get(st, vt, &b, ids[k], &cs, &ei);
        assert_int_equal(err, k == 1 ? TW_OK : TW_ENOTFOUND);
        if (err == TW_OK) {
            assert_null(cs.name);
            cases_case_free(&cs);
        }
    }
    buf_init(&data, 1 << 20);
    assert_int_equal(cases_attachment_get(st, vt, &b, aid, tname, tmt, &data, &ei), TW_OK);
    assert_int_equal(data.len, 6);
    buf_free(&data);
    /* the admin of the receiving organisation sees what it was referred, no more */
    assert_int_equal(cases_get(st, vt, &ab, ids[0], &cs, &ei), TW_ENOTFOUND);
    /* the owner's admin sees the organisation's cases */
    a = actor(&padmin, T0);
    assert_int_equal(cases_get(st, vt, &a, ids[0], &cs, &ei), TW_OK);
    cases_case_free(&cs);
    /* a non-existent id: the same for the owner */
    assert_int_equal(cases_get(st, vt, &a, 999, &cs, &ei), TW_ENOTFOUND);
    assert_string_equal(ei.msg, "no case 999");
}

static tw_err_t on_cell(void *ctx, const cases_cell_t *c)
{
    tw_buf_t *b = ctx;
    return buf_printf(b, "%s=%s:%s:%lld\n", c->dimension, c->value, c->shown, c->count);
}

/* In every dimension either no cell is suppressed or at least two are, so
 * no suppressed count follows from a total minus the cells shown. */
static void no_cell_by_subtraction(const char *out)
{
    char dims[16][32];
    int n[16], ndim = 0, i;
    const char *line = out;
    while (line && *line) {
        const char *eq = strchr(line, '='), *nl = strchr(line, '\n');
        size_t dl = eq ? (size_t)(eq - line) : 0;
        if (!eq || dl >= 32)
            fail_msg("bad cell line %s", line);
        for (i = 0; i < ndim; i++)
            if (strlen(dims[i]) == dl && memcmp(dims[i], line, dl) == 0)
                break;
        if (i == ndim) {
            assert_true(ndim < 16);
            memcpy(dims[ndim], line, dl);
            dims[ndim][dl] = '\0';
            n[ndim++] = 0;
        }
        if (strstr(eq, ":suppressed:") && (!nl || strstr(eq, ":suppressed:") < nl))
            n[i]++;
        line = nl ? nl + 1 : NULL;
    }
    for (i = 0; i < ndim; i++)
        if (n[i] == 1)
            fail_msg("dimension %s has a single suppressed cell: %s", dims[i], out);
}

static void test_statistician_aggregates_only(void **state)
{
    cases_actor_t s = actor(&pstat, T0), an = actor(&panalyst, T0), a = actor(&pa, T0);
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    cases_case_t cs;
    cases_fields_t f;
    tw_errinfo_t ei;
    tw_buf_t b;
    listed_t l;
    refs_t r;
    int64_t id = 0, k, nv;
    (void)state;

    for (k = 0; k < 6; k++)
        id = open_case(T0);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.sex = "Male";
    f.exploitation = "ForcedLabour;SexualExploitation";
    f.citizenship = "IND";
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 1, &f, &nv, NULL, &ei), TW_OK);

    for (k = 1; k <= 7; k++) {
        assert_int_equal(cases_get(st, vt, &s, k, &cs, &ei), TW_EPERM);
        assert_int_equal(cases_get(st, vt, &an, k, &cs, &ei), TW_EPERM);
    }
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &s, &flt, on_item, &l, &ei), TW_EPERM);
    assert_int_equal(l.n, 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_inbox(st, &s, on_ref, &r, &ei), TW_EPERM);
    assert_int_equal(cases_update(st, vt, NULL, &s, 1, 1, &f, &nv, NULL, &ei), TW_EPERM);
    assert_int_equal(cases_open(st, vt, NULL, &s, &f, 0, &nv, &ei), TW_EPERM);
    last_audit_is("case.access.denied", NULL);

    buf_init(&b, 1 << 16);
    assert_int_equal(cases_aggregate(st, &s, on_cell, &b, &ei), TW_OK);
    last_audit_is("case.aggregate", "");
    assert_non_null(strstr(buf_str(&b), "stage=presumed_victim:6:6\n"));
    assert_non_null(strstr(buf_str(&b), "year=2025:6:6\n"));
    /* year=2025 is 6, so Female 5 beside a Male "<5" would say Male = 1:
     * the next smallest cell of a dimension with one small cell is
     * suppressed too, and every suppressed cell is shown alike */
    assert_non_null(strstr(buf_str(&b), "sex=Female:suppressed:-1\n"));
    assert_non_null(strstr(buf_str(&b), "sex=Male:suppressed:-1\n"));
    assert_non_null(strstr(buf_str(&b), "exploitation=ForcedLabour:suppressed:-1\n"));
    assert_non_null(strstr(buf_str(&b), "exploitation=SexualExploitation:suppressed:-1\n"));
    assert_non_null(strstr(buf_str(&b), "citizenship=IND:suppressed:-1\n"));
    assert_non_null(strstr(buf_str(&b), "citizenship=unknown:suppressed:-1\n"));
    assert_null(strstr(buf_str(&b), ":5:5\n"));
    assert_null(strstr(buf_str(&b), ":1:1\n"));
    no_cell_by_subtraction(buf_str(&b));
    /* sorted by dimension then value */
    assert_true(strstr(buf_str(&b), "age_group=") < strstr(buf_str(&b), "citizenship="));
    assert_true(strstr(buf_str(&b), "sex=Female") < strstr(buf_str(&b), "sex=Male"));
    /* no personal data in it */
    assert_null(strstr(buf_str(&b), "Lusine"));
    buf_free(&b);
    /* nobody signed in: refused */
    {
        auth_principal_t anon;
        cases_actor_t x;
        memset(&anon, 0, sizeof(anon));
        x = actor(&anon, T0);
        buf_init(&b, 1 << 16);
        assert_int_equal(cases_aggregate(st, &x, on_cell, &b, &ei), TW_EPERM);
        assert_int_equal(cases_get(st, vt, &x, 1, &cs, &ei), TW_EPERM);
        buf_free(&b);
    }
}

/* ---- emergencies ------------------------------------------------------------------ */

static void test_emergency_referral(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0), ad = actor(&padmin, T0),
                  au = actor(&paud, T0);
    cases_case_t cs;
    tw_errinfo_t ei;
    refs_t r;
    int64_t id = 0, rid = 0, nv;
    (void)state;

    {
        cases_fields_t f;
        memset(&f, 0, sizeof(f));
        f.cooperating_with_police = -1;
        f.name = "Lusine Hakobyan";
        f.narrative = "held in a flat";
        f.phone = "091 555 123";
        assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_OK);
    }
    /* a reason is required */
    assert_int_equal(cases_referral_emergency(st, vt, &a, id, "Hope Shelter NGO", "medical", NULL,
                                              &rid, &ei),
                     TW_EINPUT);
    assert_string_equal(ei.field, "reason");
    assert_int_equal(cases_referral_emergency(st, vt, &a, id, "Hope Shelter NGO", "medical", " ",
                                              &rid, &ei),
                     TW_EINPUT);
    /* the permission is required: an admin of the owner has none */
    assert_int_equal(cases_referral_emergency(st, vt, &ad, id, "Hope Shelter NGO", "medical",
                                              "life at risk", &rid, &ei),
                     TW_EPERM);
    last_audit_is("case.access.denied", NULL);
    /* before the emergency referral the other organisation does not see it */
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_ENOTFOUND);
    assert_int_equal(cases_referral_emergency(st, vt, &a, id, "Hope Shelter NGO", "medical",
                                              "injured, needs a hospital tonight", &rid, &ei),
                     TW_OK);
    last_audit_is("case.referral.emergency", NULL);
    /* the receiver has the emergency categories at once, without consent */
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_OK);
    assert_int_equal(cs.categories, CASES_CAT_EMERGENCY);
    assert_string_equal(cs.name, "Lusine Hakobyan");
    assert_string_equal(cs.phone, "+37491555123");
    assert_null(cs.narrative);
    cases_case_free(&cs);
    /* a receiver cannot refer onwards */
    {
        cases_actor_t bb = actor(&pb, T0);
        int64_t x;
        assert_int_equal(cases_referral_emergency(st, vt, &bb, id, "Third Org", "medical",
                                                  "life at risk", &x, &ei),
                         TW_EPERM);
    }

    /* review: case.review only (admin, auditor) */
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_emergency_list(st, vt, &a, 1, on_ref, &r, &ei), TW_EPERM);
    assert_int_equal(cases_emergency_review(st, vt, &a, rid, NULL, &ei), TW_EPERM);
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_emergency_list(st, vt, &au, 1, on_ref, &r, &ei), TW_OK);
    last_audit_is("case.emergency.list", "");
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ids[0], rid);
    assert_int_equal(r.emergency[0], 1);
    assert_int_equal(r.reviewed[0], 0);
    assert_string_equal(r.reason[0], "injured, needs a hospital tonight");
    /* a non-emergency referral is not reviewable */
    {
        int64_t plain = refer_with_consent(id, T0, "profile", "2025-12-31", NULL);
        assert_int_equal(cases_emergency_review(st, vt, &au, plain, NULL, &ei), TW_ENOTFOUND);
    }
    assert_int_equal(cases_emergency_review(st, vt, &au, rid, "justified: hospital admission",
                                            &ei),
                     TW_OK);
    last_audit_is("case.emergency.review", NULL);
    assert_int_equal(cases_emergency_review(st, vt, &ad, rid, NULL, &ei), TW_ECONFLICT);
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_emergency_list(st, vt, &ad, 1, on_ref, &r, &ei), TW_OK);
    assert_int_equal(r.n, 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_emergency_list(st, vt, &ad, 0, on_ref, &r, &ei), TW_OK);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.reviewed[0], 1);
    /* the receiving organisation's admin sees it too, with its reason */
    {
        cases_actor_t abx = actor(&padmin_b, T0);
        memset(&r, 0, sizeof(r));
        assert_int_equal(cases_emergency_list(st, vt, &abx, 0, on_ref, &r, &ei), TW_OK);
        assert_int_equal(r.n, 1);
        assert_string_equal(r.reason[0], "injured, needs a hospital tonight");
    }
    (void)nv;
}

/* An admin of an organisation that neither sent nor received an emergency
 * referral: not listed, no reason unsealed, cannot review it or write into
 * the case; the same answer as for no referral at all, audited. */
static void test_emergency_other_admin(void **state)
{
    cases_actor_t a = actor(&pa, T0), ac = actor(&padmin_c, T0), au = actor(&paud, T0);
    tw_errinfo_t ei, ei2;
    refs_t r;
    int64_t id = open_case(T0), rid = 0;
    long long events;
    char obj[48];
    (void)state;

    assert_int_equal(cases_referral_emergency(st, vt, &a, id, "Hope Shelter NGO", "medical",
                                              "injured, needs a hospital tonight", &rid, &ei),
                     TW_OK);
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_emergency_list(st, vt, &ac, 0, on_ref, &r, &ei), TW_OK);
    assert_int_equal(r.n, 0);
    last_audit_is("case.emergency.list", "");
    assert_int_equal(count_sql("SELECT count(*) FROM audit_log WHERE action ="
                               " 'case.emergency.list' AND detail LIKE '%\"count\":0%'",
                               0),
                     1);
    events = count_sql("SELECT count(*) FROM case_event WHERE case_id = ?", id);
    assert_int_equal(cases_emergency_review(st, vt, &ac, rid, "looks fine", &ei), TW_ENOTFOUND);
    snprintf(obj, sizeof(obj), "referral:%lld", (long long)rid);
    last_audit_is("case.access.denied", obj);
    assert_int_equal(cases_emergency_review(st, vt, &ac, rid + 100, NULL, &ei2), TW_ENOTFOUND);
    assert_non_null(strstr(ei.msg, "no emergency referral"));
    assert_non_null(strstr(ei2.msg, "no emergency referral"));
    assert_int_equal(count_sql("SELECT count(*) FROM case_event WHERE case_id = ?", id), events);
    assert_int_equal(count_sql("SELECT count(*) FROM case_referral WHERE reviewed_at IS NOT NULL",
                               0),
                     0);
    /* the auditor, nationwide */
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_emergency_list(st, vt, &au, 1, on_ref, &r, &ei), TW_OK);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.reason[0], "injured, needs a hospital tonight");
    assert_int_equal(cases_emergency_review(st, vt, &au, rid, NULL, &ei), TW_OK);
}

/* ---- versions, codes ------------------------------------------------------------- */

static void test_stale_version(void **state)
{
    cases_actor_t a = actor(&pa, T0), a2 = actor(&padmin, T0);
    cases_fields_t f;
    cases_case_t cur;
    tw_errinfo_t ei;
    int64_t id = open_case(T0), nv = 0;
    (void)state;

    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.narrative = "first editor's text";
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 1, &f, &nv, NULL, &ei), TW_OK);
    assert_int_equal(nv, 2);
    last_audit_is("case.update", NULL);
    f.narrative = "second editor's text";
    memset(&cur, 0, sizeof(cur));
    assert_int_equal(cases_update(st, vt, NULL, &a2, id, 1, &f, &nv, &cur, &ei), TW_ECONFLICT);
    assert_int_equal(cur.version, 2);
    assert_string_equal(cur.narrative, "first editor's text");
    cases_case_free(&cur);
    /* a stale transition too */
    memset(&cur, 0, sizeof(cur));
    assert_int_equal(cases_transition(st, vt, NULL, &a2, id, 1, CASE_REFERRED_TO_COMMISSION, NULL,
                                      NULL, &nv, &cur, &ei),
                     TW_ECONFLICT);
    assert_int_equal(cur.version, 2);
    assert_int_equal(cur.stage, CASE_PRESUMED_VICTIM);
    cases_case_free(&cur);
    /* from the current version it goes through */
    assert_int_equal(cases_update(st, vt, NULL, &a2, id, 2, &f, &nv, NULL, &ei), TW_OK);
    assert_int_equal(nv, 3);
    /* "" clears, NULL keeps */
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.name = "";
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 3, &f, &nv, NULL, &ei), TW_OK);
    assert_int_equal(cases_get(st, vt, &a, id, &cur, &ei), TW_OK);
    assert_null(cur.name);
    assert_string_equal(cur.narrative, "second editor's text");
    cases_case_free(&cur);
}

static void test_htcds_codes(void **state)
{
    cases_actor_t a = actor(&pa, T0);
    cases_fields_t f;
    cases_case_t c;
    tw_errinfo_t ei;
    int64_t id = 0, nv;
    const char *const *codes;
    (void)state;

    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.sex = "Mle";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "sex");
    assert_non_null(strstr(ei.msg, "'Mle'"));
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case", 0), 0);
    f.sex = "Female";
    f.exploitation = "ForcedLabour;Bogus";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "exploitation");
    assert_non_null(strstr(ei.msg, "'Bogus'"));
    f.exploitation = "ForcedLabour;ForcedLabour";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_EINPUT);
    f.exploitation = "SexualExploitation;ForcedLabour"; /* canonical order */
    f.means_of_control = "WithholdsDocuments;DebtBondage";
    f.labour_sector = "Construction";
    f.recruiter = "Friend";
    f.age_group = "18--20";
    f.citizenship = "ind";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_OK);
    assert_int_equal(cases_get(st, vt, &a, id, &c, &ei), TW_OK);
    assert_string_equal(c.exploitation, "ForcedLabour;SexualExploitation");
    assert_string_equal(c.means_of_control, "DebtBondage;WithholdsDocuments");
    assert_string_equal(c.citizenship, "IND");
    cases_case_free(&c);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.age_group = "20-25";
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 1, &f, &nv, NULL, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "age_group");
    f.age_group = NULL;
    f.labour_sector = "Fishing";
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 1, &f, &nv, NULL, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "labour_sector");
    f.labour_sector = NULL;
    f.citizenship = "XX1";
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 1, &f, &nv, NULL, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "citizenship");
    assert_int_equal(version_of(id), 1);
    /* the lists */
    codes = cases_codes(CASES_CODE_SERVICE);
    assert_string_equal(codes[5], "state_payment");
    assert_string_equal(cases_code_field(CASES_CODE_MEANS_OF_CONTROL), "means_of_control");
    assert_int_equal(cases_code_check(CASES_CODE_SEX, "Male;Female", &ei), TW_EINPUT);
    assert_int_equal(cases_code_check(CASES_CODE_CATEGORY, "profile;identity", &ei), TW_OK);
    assert_int_equal(cases_code_check(CASES_CODE_CATEGORY, "profile;", &ei), TW_EINPUT);
}

/* ---- encryption at rest ------------------------------------------------------------ */

#define S_NAME "Lusine Hakobyan"
#define S_NARR "recruited by an agent who kept XQZNARRATIVE her passport"
#define S_DOC "ZX9876543"
#define S_PHONE "+37491555123"
#define S_MAIL "lusine.h@example.am"
#define S_ADDR "12 Abovyan Street, flat 7"
#define S_REASON "REASONSECRET the commission heard her"
#define S_PURPOSE "PURPOSESECRET shelter placement"
#define S_ATT "ATTACHMENTBYTES-777-scan"
#define S_ATTNAME "passport-LH-scan.pdf"

static int64_t open_full(const cases_actor_t *a)
{
    cases_fields_t f;
    tw_errinfo_t ei;
    int64_t id = 0;
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = 0;
    f.name = S_NAME;
    f.narrative = S_NARR;
    f.worker_key = "IND:" S_DOC;
    f.phone = S_PHONE;
    f.email = S_MAIL;
    f.address = S_ADDR;
    f.birth_date = "2001-05-14";
    f.sex = "Female";
    assert_int_equal(cases_open(st, vt, NULL, a, &f, 0, &id, &ei), TW_OK);
    return id;
}

static int contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle), i;
    for (i = 0; m && i + m <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return 1;
    return 0;
}

static void file_lacks(const char *path, const char *const *needles)
{
    tw_buf_t b;
    size_t i;
    buf_init(&b, (size_t)256 << 20);
    if (buf_read_file(&b, path, NULL) != TW_OK) {
        buf_free(&b);
        return; /* no such file (an empty WAL after a checkpoint may be gone) */
    }
    for (i = 0; needles[i]; i++)
        if (b.len && contains(b.p, b.len, needles[i]))
            fail_msg("%s holds '%s' in the clear", path, needles[i]);
    buf_free(&b);
}

static void add_alert(int64_t id, const char *key, const char *assignee)
{
    char sql[700];
    snprintf(sql, sizeof(sql),
             "INSERT INTO alert(id, entity_type, entity_key, score, level, assignee, indicators,"
             " evidence, explanation, config_version, created_at, updated_at) VALUES (%lld,"
             " 'worker', '%s', 98.2, 'high', %s%s%s, 'shared_phone',"
             " '{\"records\":[\"EVIDENCESECRET\"]}', '{}', 'v1', '2025-03-01T00:00:00Z',"
             " '2025-03-01T00:00:00Z')",
             (long long)id, key, assignee ? "'" : "", assignee ? assignee : "NULL",
             assignee ? "'" : "");
    assert_int_equal(sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL), SQLITE_OK);
}

/* 1 when some value of column `col` of `table` holds the bytes of needle. */
static int column_holds(const char *table, const char *col, const char *needle)
{
    char sql[200];
    sqlite3_stmt *s;
    int found = 0;
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s", col, table);
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW) {
        const void *p = sqlite3_column_blob(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        if (p && contains(p, n, needle))
            found = 1;
    }
    sqlite3_finalize(s);
    return found;
}

static void test_encryption_at_rest(void **state)
{
    static const char *const secrets[] = {S_NAME, "Hakobyan", S_NARR, "XQZNARRATIVE", S_DOC,
                                          S_PHONE, "91555123", S_MAIL, S_ADDR, "Abovyan",
                                          "2001-05-14", S_REASON, "REASONSECRET", S_PURPOSE,
                                          "PURPOSESECRET", S_ATT, "ATTACHMENTBYTES", S_ATTNAME,
                                          "hakobyan", "lusine", "EVIDENCESECRET", "PA6299345",
                                          NULL};
    cases_actor_t a = actor(&pa, T0);
    cases_consent_in_t c = {1, "profile", S_PURPOSE, "2025-12-31"};
    cases_case_t cs;
    tw_errinfo_t ei;
    char wal[400], nm[256], mt[128], today[11];
    int64_t id, aid, rid, cid;
    tw_buf_t data;
    (void)state;

    id = open_full(&a);
    /* a case opened from an alert: its evidence and worker key sealed */
    twc_add_user(st, 1, "anna", org_a, "case_worker");
    {
        cases_fields_t f;
        int64_t x;
        /* the alert's own row belongs to the register, outside the vault:
         * it is kept in a temporary table (in memory) that shadows the
         * store's, so what reaches the file is only what cases_open() copies */
        assert_int_equal(sqlite3_exec(store_sqlite(st),
                                      "PRAGMA temp_store = MEMORY; CREATE TEMP TABLE alert AS"
                                      " SELECT * FROM main.alert WHERE 0;"
                                      /* and its history, where the case's opening is noted */
                                      " CREATE TEMP TABLE alert_event AS"
                                      " SELECT * FROM main.alert_event WHERE 0",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
        add_alert(41, "NPL:PA6299345", "anna");
        memset(&f, 0, sizeof(f));
        f.cooperating_with_police = -1;
        assert_int_equal(cases_open(st, vt, NULL, &a, &f, 41, &x, &ei), TW_OK);
        assert_int_equal(cases_get(st, vt, &a, x, &cs, &ei), TW_OK);
        assert_string_equal(cs.worker_key, "NPL:PA6299345");
        assert_non_null(strstr(cs.evidence, "EVIDENCESECRET"));
        cases_case_free(&cs);
        assert_int_equal(sqlite3_exec(store_sqlite(st), "DROP TABLE temp.alert; DROP TABLE temp.alert_event", NULL, NULL, NULL),
                         SQLITE_OK);
    }
    date_at(T0, today);
    move_ok(id, T0, RC);
    assert_int_equal(move(id, T0, ID, S_REASON, today, &ei), TW_OK);
    assert_int_equal(cases_attachment_add(st, vt, NULL, &a, id, S_ATTNAME, "application/pdf",
                                          S_ATT, strlen(S_ATT), &aid, &ei),
                     TW_OK);
    last_audit_is("case.attachment.add", NULL);
    assert_int_equal(cases_referral_create(st, &a, id, "Hope Shelter NGO", "shelter", &rid, &ei),
                     TW_OK);
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &c, &cid, &ei), TW_OK);

    /* round trip */
    assert_int_equal(cases_get(st, vt, &a, id, &cs, &ei), TW_OK);
    assert_string_equal(cs.name, S_NAME);
    assert_string_equal(cs.narrative, S_NARR);
    assert_string_equal(cs.worker_key, "IND:" S_DOC);
    assert_string_equal(cs.phone, S_PHONE);
    assert_string_equal(cs.email, S_MAIL);
    assert_string_equal(cs.address, S_ADDR);
    assert_string_equal(cs.birth_date, "2001-05-14");
    assert_string_equal(cs.age_group, "21--23"); /* from the birth date */
    cases_case_free(&cs);
    buf_init(&data, 1 << 20);
    assert_int_equal(cases_attachment_get(st, vt, &a, aid, nm, mt, &data, &ei), TW_OK);
    last_audit_is("case.attachment.read", NULL);
    assert_string_equal(nm, S_ATTNAME);
    assert_string_equal(mt, "application/pdf");
    assert_int_equal(data.len, strlen(S_ATT));
    assert_memory_equal(data.p, S_ATT, strlen(S_ATT));
    buf_free(&data);
    /* when and by whom, as text (a wrong parameter format once stored a
     * pointer here) */
    {
        sqlite3_stmt *s;
        assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                            "SELECT typeof(added_at), added_at, added_by"
                                            " FROM case_attachment WHERE id = ?",
                                            -1, &s, NULL),
                         SQLITE_OK);
        sqlite3_bind_int64(s, 1, aid);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_string_equal((const char *)sqlite3_column_text(s, 0), "text");
        assert_int_equal(strlen((const char *)sqlite3_column_text(s, 1)), 20);
        assert_string_equal((const char *)sqlite3_column_text(s, 2), pa.user);
        sqlite3_finalize(s);
    }
    /* too big */
    {
        cases_policy_t pol;
        int64_t x;
        cases_policy_default(&pol);
        pol.attachment_max = 4;
        assert_int_equal(cases_attachment_add(st, vt, &pol, &a, id, "b.txt", "text/plain",
                                              "12345", 5, &x, &ei),
                         TW_ETOOBIG);
        assert_int_equal(cases_attachment_add(st, vt, &pol, &a, id, "b.txt", "textplain", "1", 1,
                                              &x, &ei),
                         TW_EINPUT);
    }

    /* the bytes on disk: first the WAL as written, then the database after
     * a checkpoint */
    snprintf(wal, sizeof(wal), "%s-wal", dbpath);
    file_lacks(wal, secrets);
    file_lacks(dbpath, secrets);
    assert_int_equal(sqlite3_wal_checkpoint_v2(store_sqlite(st), NULL,
                                               SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
                     SQLITE_OK);
    file_lacks(dbpath, secrets);
    file_lacks(wal, secrets);
    /* every sealed column is a blob of the vault */
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case WHERE id = ? AND"
                               " (typeof(name_blob) <> 'blob' OR typeof(narrative_blob) <> 'blob')",
                               id),
                     0);
    /* a blob moved to another row does not open there */
    {
        int64_t other = open_case(T0);
        char sql[200];
        snprintf(sql, sizeof(sql),
                 "UPDATE nrm_case SET narrative_blob = (SELECT narrative_blob FROM nrm_case"
                 " WHERE id = %lld) WHERE id = %lld",
                 (long long)id, (long long)other);
        assert_int_equal(sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL), SQLITE_OK);
        /* the case is read without it, and says which field did not open */
        assert_int_equal(cases_get(st, vt, &a, other, &cs, &ei), TW_OK);
        assert_null(cs.narrative);
        assert_int_equal(cs.nunreadable, 1);
        assert_string_equal(cs.unreadable[0], "narrative");
        assert_string_equal(cs.name, "Lusine Hakobyan");
        cases_case_free(&cs);
    }
}

static void test_blind_search(void **state)
{
    cases_actor_t a = actor(&pa, T0), c = actor(&pc, T0);
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    listed_t l;
    tw_errinfo_t ei;
    int64_t one, two;
    (void)state;

    one = open_named(&a, "Lusine Hakobyan", "ARM:ab 123-4");
    two = open_named(&a, "Armen Sargsyan", "RUS:7700123456");
    open_named(&a, "Hakob Lusinyan", NULL);

    flt.name = "  LUSINE   hakobyan ";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], one);
    assert_string_equal(l.names[0], "Lusine Hakobyan");
    flt.name = "Lusine";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1); /* one word of the name is enough */
    assert_int_equal(l.ids[0], one);
    flt.name = NULL;
    flt.docno = "AB1234";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], one);
    flt.docno = "77 00-123456";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], two);
    flt.docno = "AB12345";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 0);
    /* the other organisation finds nothing */
    flt.docno = "AB1234";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &c, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 0);
    /* a worker key search also works when the document number changes */
    {
        cases_fields_t f;
        int64_t nv;
        memset(&f, 0, sizeof(f));
        f.cooperating_with_police = -1;
        f.worker_key = "ARM:CD-5678";
        assert_int_equal(cases_update(st, vt, NULL, &a, one, 1, &f, &nv, NULL, &ei), TW_OK);
        flt.docno = "cd5678";
        memset(&l, 0, sizeof(l));
        assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
        assert_int_equal(l.n, 1);
        flt.docno = "AB1234";
        memset(&l, 0, sizeof(l));
        assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
        assert_int_equal(l.n, 0);
    }
}

/* Case search by words in any order, by the beginning of a word, in
 * another script, and by phone; nothing of it in the clear. */
static int64_t count_tokens(int64_t id)
{
    return count_sql("SELECT count(*) FROM case_search WHERE case_id = ?", id);
}

static size_t search(const cases_actor_t *a, const char *name, const char *phone, listed_t *l)
{
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    tw_errinfo_t ei;
    flt.name = name;
    flt.phone = phone;
    memset(l, 0, sizeof(*l));
    assert_int_equal(cases_list(st, vt, a, &flt, on_item, l, &ei), TW_OK);
    return l->n;
}

static void test_search_words(void **state)
{
    cases_actor_t a = actor(&pa, T0), c = actor(&pc, T0);
    cases_fields_t f;
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    listed_t l;
    tw_errinfo_t ei;
    int64_t one, two, three, nv;
    (void)state;

    one = open_named(&a, "Lusine Hakobyan", NULL);
    two = open_named(&a, "Armen Sargsyan", NULL);
    three = open_named(&a, "Hakob Lusinyan", NULL);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.phone = "+374 91 234567";
    assert_int_equal(cases_update(st, vt, NULL, &a, two, 1, &f, &nv, NULL, &ei), TW_OK);
    assert_true(count_tokens(one) > 0);

    /* name order does not matter */
    assert_int_equal(search(&a, "Hakobyan Lusine", NULL, &l), 1);
    assert_int_equal(l.ids[0], one);
    assert_int_equal(search(&a, "HAKOBYAN,  lusine", NULL, &l), 1);
    /* part of a name: the beginning of a word, whole words of it */
    assert_int_equal(search(&a, "Sargs", NULL, &l), 1);
    assert_int_equal(l.ids[0], two);
    assert_int_equal(search(&a, "hakob", NULL, &l), 2); /* Hakobyan and Hakob */
    assert_int_equal(search(&a, "Hakob Lus", NULL, &l), 2);
    assert_int_equal(search(&a, "Lusiny", NULL, &l), 1);
    assert_int_equal(l.ids[0], three);
    /* every word must meet: a word of another name narrows to nothing */
    assert_int_equal(search(&a, "Lusine Sargsyan", NULL, &l), 0);
    /* the middle of a word is not its beginning */
    assert_int_equal(search(&a, "kobyan", NULL, &l), 0);
    /* in another script: the normal form is one for all three */
    assert_int_equal(search(&a, "Լուսինե", NULL, &l), 1);
    assert_int_equal(l.ids[0], one);
    assert_int_equal(search(&a, "Саргсян Армен", NULL, &l), 1);
    assert_int_equal(l.ids[0], two);
    /* nothing comparable matches nothing */
    assert_int_equal(search(&a, " ,. ", NULL, &l), 0);
    /* a phone in any writing of it */
    assert_int_equal(search(&a, NULL, "+37491234567", &l), 1);
    assert_int_equal(l.ids[0], two);
    assert_int_equal(search(&a, NULL, "091 23-45-67", &l), 1);
    assert_int_equal(search(&a, NULL, "+374 91 234568", &l), 0);
    /* a phone that is not one: TW_EINPUT naming the field */
    flt.phone = "call me";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_EINPUT);
    assert_string_equal(ei.field, "phone");
    /* another organisation finds none of them */
    assert_int_equal(search(&c, "Lusine", NULL, &l), 0);
    assert_int_equal(search(&c, NULL, "+37491234567", &l), 0);
    /* a changed name: the old words no longer find it, the new ones do */
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.name = "Ani Petrosyan";
    assert_int_equal(cases_update(st, vt, NULL, &a, three, 1, &f, &nv, NULL, &ei), TW_OK);
    assert_int_equal(search(&a, "Lusinyan", NULL, &l), 0);
    assert_int_equal(search(&a, "petros ani", NULL, &l), 1);
    assert_int_equal(l.ids[0], three);
    /* the tokens are keyed hashes: no word, prefix or phone in the clear */
    assert_int_equal(count_sql("SELECT count(*) FROM case_search WHERE blind LIKE '%lusin%'"
                               " OR blind LIKE '%hakob%' OR blind LIKE '%37491%' OR"
                               " length(blind) <> 32 OR ? = 0",
                               1),
                     0);
    /* a case indexed before the tokens existed (search_v NULL) is indexed by
     * the first search */
    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "DELETE FROM case_search; UPDATE nrm_case SET search_v = NULL",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(search(&a, "Sargsyan", NULL, &l), 1);
    assert_int_equal(l.ids[0], two);
    assert_int_equal(search(&a, NULL, "+37491234567", &l), 1);
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case WHERE search_v IS NULL AND ? = 1", 1),
                     0);
}

static void test_open_from_alert(void **state)
{
    cases_actor_t a = actor(&pa, T0), ad = actor(&padmin, T0), b = actor(&pb, T0);
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    cases_fields_t f;
    cases_case_t cs;
    tw_errinfo_t ei, ei2;
    listed_t l;
    int64_t id = 0, x = -7;
    long long cases0;
    (void)state;

    twc_add_user(st, 1, "anna", org_a, "case_worker");
    twc_add_user(st, 3, "carl", org_c, "case_worker");
    add_alert(41, "NPL:PA6299345", "ANNA"); /* names compared without case */
    add_alert(42, "NPL:PB1111111", "carl");
    add_alert(43, "NPL:PC2222222", NULL);
    add_alert(44, "NPL:PD3333333", "ghost");
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.name = "Ram Bahadur";
    /* no such alert, and alerts out of the case worker's scope (alert.read
     * org: another organisation's, nobody's, a non-user's): one answer,
     * nothing opened, the refusal audited */
    cases0 = count_sql("SELECT count(*) FROM nrm_case", 0);
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 999, &x, &ei), TW_ENOTFOUND);
    assert_string_equal(ei.field, "alert_id");
    assert_string_equal(ei.msg, "no alert 999");
    last_audit_is("case.access.denied", "alert:999");
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 42, &x, &ei2), TW_ENOTFOUND);
    assert_string_equal(ei2.field, "alert_id");
    assert_string_equal(ei2.msg, "no alert 42");
    last_audit_is("case.access.denied", "alert:42");
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 43, &x, &ei), TW_ENOTFOUND);
    assert_string_equal(ei.msg, "no alert 43");
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 44, &x, &ei), TW_ENOTFOUND);
    assert_int_equal(x, -7);
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case", 0), cases0);
    /* an admin's alert.read is all */
    assert_int_equal(cases_open(st, vt, NULL, &ad, &f, 42, &x, &ei), TW_OK);
    /* the case worker's own organisation's alert */
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 41, &id, &ei), TW_OK);
    assert_int_equal(cases_get(st, vt, &a, id, &cs, &ei), TW_OK);
    assert_int_equal(cs.alert_id, 41);
    assert_string_equal(cs.worker_key, "NPL:PA6299345");
    assert_string_equal(cs.evidence, "{\"records\":[\"EVIDENCESECRET\"]}");
    cases_case_free(&cs);
    /* the link to the alert is only sealed: no clear alert_id, and neither
     * the audit log nor the history names the alert */
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case WHERE alert_id IS NOT NULL", 0), 0);
    assert_false(column_holds("nrm_case", "evidence_blob", "EVIDENCESECRET"));
    assert_false(column_holds("nrm_case", "evidence_blob", "alert:41"));
    assert_int_equal(count_sql("SELECT count(*) FROM audit_log WHERE detail LIKE '%\"alert\"%'"
                               " OR detail LIKE '%41%'",
                               0),
                     0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_event WHERE detail LIKE '%\"alert\"%'"
                               " OR detail LIKE '%41%'",
                               0),
                     0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_event WHERE case_id = ? AND kind ="
                               " 'opened' AND detail LIKE '%\"from_alert\":true%'",
                               id),
                     1);
    flt.docno = "pa 6299345";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], id);
    /* a receiver, even with the identity category, never sees the alert id */
    refer_with_consent(id, T0, "profile;identity", "2025-12-31", NULL);
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_OK);
    assert_int_equal(cs.alert_id, 0);
    assert_string_equal(cs.evidence, "{\"records\":[\"EVIDENCESECRET\"]}");
    cases_case_free(&cs);
}

/* ---- retention ----------------------------------------------------------------- */

static void close_at(int64_t id, int64_t when)
{
    tw_errinfo_t ei;
    assert_int_equal(move(id, when, CASE_CLOSED, "assistance completed", NULL, &ei), TW_OK);
}

static int offenders_seen;
static tw_err_t offender_seen(void *ctx, const cases_offender_t *o)
{
    (void)ctx;
    assert_string_equal(o->sex, "Male");
    assert_string_equal(o->citizenship, "ARM");
    assert_string_equal(o->exploitation, "ForcedLabour");
    offenders_seen++;
    return TW_OK;
}

static void test_purge(void **state)
{
    cases_policy_t pol;
    cases_actor_t a = actor(&pa, T0), sys;
    cases_case_t cs;
    tw_errinfo_t ei;
    tw_buf_t b;
    long long n = -1;
    int64_t old, young, open_one, sid, aid, cur, fresh;
    int64_t later = T0 + (int64_t)400 * DAY;
    (void)state;

    cases_policy_default(&pol);
    pol.retention_days = 365;
    young = open_case(T0);
    close_at(young, T0 + 100 * DAY);
    open_one = open_case(T0);
    old = open_full(&a); /* the newest id: purging it must not free the id */
    assert_int_equal(cases_service_offer(st, NULL, &a, old, "shelter", NULL, &sid, &ei), TW_OK);
    assert_int_equal(cases_service_set(st, &a, sid, 1, SERVICE_ACCEPTED, &cur, &ei), TW_OK);
    assert_int_equal(cases_service_set(st, &a, sid, 2, SERVICE_DELIVERED, &cur, &ei), TW_OK);
    assert_int_equal(cases_attachment_add(st, vt, NULL, &a, old, "a.txt", "text/plain", "abc", 3,
                                          &aid, &ei),
                     TW_OK);
    refer_with_consent(old, T0, "profile", "2025-12-31", NULL);
    {
        cases_fields_t f;
        int64_t nv;
        memset(&f, 0, sizeof(f));
        f.cooperating_with_police = -1;
        f.means_of_control = "DebtBondage;WithholdsDocuments";
        f.recruiter = "Friend";
        f.exploitation = "ForcedLabour";
        assert_int_equal(cases_update(st, vt, NULL, &a, old, version_of(old), &f, &nv, NULL, &ei),
                         TW_OK);
    }
    {
        /* a suspected offender: codes only, kept for the statistics */
        cases_offender_t o;
        int64_t oid = 0;
        memset(&o, 0, sizeof(o));
        o.sex = "Male";
        o.age_group = "30--38";
        o.citizenship = "arm";
        assert_int_equal(cases_offender_add(st, &a, old, &o, &oid, &ei), TW_OK);
        assert_true(oid > 0);
        o.sex = "Man";
        assert_int_equal(cases_offender_add(st, &a, old, &o, NULL, &ei), TW_EINPUT);
        assert_string_equal(ei.field, "sex");
    }
    move_ok(old, T0 + DAY, RC);
    close_at(old, T0 + 2 * DAY);

    /* only the system or user.admin */
    {
        cases_actor_t w = actor(&pa, later);
        assert_int_equal(cases_purge(st, &pol, &w, &n, &ei), TW_EPERM);
    }
    sys.who = NULL;
    sys.remote = NULL;
    sys.now = later;
    assert_int_equal(cases_purge(st, &pol, &sys, &n, &ei), TW_OK);
    last_audit_is("case.purge", "");
    assert_int_equal(n, 1);
    /* the purged case's offender stays for GLOTIP, with the case's form */
    assert_int_equal(cases_offender_profiles(st, &sys, offender_seen, NULL, &ei), TW_OK);
    assert_int_equal(offenders_seen, 1);
    /* the old case's personal data is gone, with every row of it */
    a = actor(&pa, later);
    assert_int_equal(cases_get(st, vt, &a, old, &cs, &ei), TW_ENOTFOUND);
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case WHERE id = ?", old), 0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_event WHERE case_id = ?", old), 0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_service WHERE case_id = ?", old), 0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_attachment WHERE case_id = ?", old), 0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_referral WHERE case_id = ?", old), 0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_consent WHERE case_id = ?", old), 0);
    /* its de-identified row is kept */
    assert_int_equal(count_sql("SELECT count(*) FROM case_stat WHERE stage = 'closed' AND sex ="
                               " 'Female' AND services_delivered = 'shelter' AND stage_dates LIKE"
                               " '%referred_to_commission%' AND opened_on = '2025-03'",
                               0),
                     1);
    /* months, not days; no means of control or recruiter */
    assert_int_equal(count_sql("SELECT count(*) FROM case_stat WHERE closed_on = '2025-03' AND"
                               " length(purged_at) = 7 AND means_of_control = '' AND recruiter ="
                               " '' AND exploitation = 'ForcedLabour' AND stage_dates NOT GLOB"
                               " '*[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*'",
                               0),
                     1);
    /* younger and open cases untouched */
    assert_int_equal(cases_get(st, vt, &a, young, &cs, &ei), TW_OK);
    assert_string_equal(cs.name, "Lusine Hakobyan");
    cases_case_free(&cs);
    assert_int_equal(cases_get(st, vt, &a, open_one, &cs, &ei), TW_OK);
    cases_case_free(&cs);
    /* again: nothing more */
    assert_int_equal(cases_purge(st, &pol, &sys, &n, &ei), TW_OK);
    assert_int_equal(n, 0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_stat", 0), 1);
    /* the aggregates still count the purged case */
    buf_init(&b, 1 << 16);
    {
        cases_actor_t s = actor(&pstat, later);
        assert_int_equal(cases_aggregate(st, &s, on_cell, &b, &ei), TW_OK);
    }
    assert_non_null(strstr(buf_str(&b), "year=2025:suppressed:-1\n"));
    assert_non_null(strstr(buf_str(&b), "stage=closed:suppressed:-1\n"));
    buf_free(&b);
    /* a purged id is never reused */
    fresh = open_case(later);
    assert_true(fresh > old);
    /* later still, the young one goes too */
    sys.now = T0 + (int64_t)500 * DAY;
    assert_int_equal(cases_purge(st, &pol, &sys, &n, &ei), TW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(count_sql("SELECT count(*) FROM case_stat", 0), 2);
}

/* ---- re-sealing --------------------------------------------------------------- */

static long long blobs_not_of_key(uint32_t key)
{
    static const char *const q[] = {
        "SELECT name_blob FROM nrm_case",        "SELECT narrative_blob FROM nrm_case",
        "SELECT worker_key_blob FROM nrm_case",  "SELECT phone_blob FROM nrm_case",
        "SELECT email_blob FROM nrm_case",       "SELECT address_blob FROM nrm_case",
        "SELECT birth_date_blob FROM nrm_case",  "SELECT evidence_blob FROM nrm_case",
        "SELECT reason_blob FROM case_event",    "SELECT reason_blob FROM case_referral",
        "SELECT purpose_blob FROM case_consent", "SELECT name_blob FROM case_attachment",
        "SELECT data_blob FROM case_attachment", NULL};
    long long bad = 0, seen = 0;
    int i;
    for (i = 0; q[i]; i++) {
        sqlite3_stmt *s;
        assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), q[i], -1, &s, NULL), SQLITE_OK);
        while (sqlite3_step(s) == SQLITE_ROW) {
            uint32_t k = 0;
            if (sqlite3_column_type(s, 0) == SQLITE_NULL)
                continue;
            seen++;
            assert_int_equal(vault_blob_key(sqlite3_column_blob(s, 0),
                                            (size_t)sqlite3_column_bytes(s, 0), &k),
                             TW_OK);
            if (k != key)
                bad++;
        }
        sqlite3_finalize(s);
    }
    assert_true(seen >= 10);
    return bad;
}

static void check_readable(int64_t id, int64_t aid)
{
    cases_actor_t a = actor(&pa, T0);
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    cases_case_t cs;
    tw_errinfo_t ei;
    listed_t l;
    char nm[256], mt[128];
    tw_buf_t data;
    cases_visitor_t vis;
    refs_t r;

    memset(&vis, 0, sizeof(vis));
    vis.referral = on_ref;
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_view(st, vt, &a, id, &cs, &vis, &r, &ei), TW_OK);
    assert_string_equal(cs.name, S_NAME);
    assert_string_equal(cs.narrative, S_NARR);
    assert_string_equal(cs.phone, S_PHONE);
    cases_case_free(&cs);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.reason[0], "no beds");
    buf_init(&data, 1 << 20);
    assert_int_equal(cases_attachment_get(st, vt, &a, aid, nm, mt, &data, &ei), TW_OK);
    assert_memory_equal(data.p, S_ATT, strlen(S_ATT));
    buf_free(&data);
    flt.name = S_NAME;
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], id);
    flt.name = NULL;
    flt.docno = S_DOC;
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
}

static void test_reseal_after_rotation(void **state)
{
    cases_actor_t a = actor(&pa, T0), sys = {NULL, NULL, T0};
    cases_case_t cs;
    tw_errinfo_t ei;
    vault_t *old;
    uint32_t newid = 0;
    long long n = -1;
    int64_t id, aid, rid, cur;
    (void)state;

    id = open_full(&a);
    assert_int_equal(cases_attachment_add(st, vt, NULL, &a, id, S_ATTNAME, "application/pdf",
                                          S_ATT, strlen(S_ATT), &aid, &ei),
                     TW_OK);
    rid = refer_with_consent(id, T0, "profile", "2025-12-31", NULL);
    assert_int_equal(cases_referral_act(st, vt, &(cases_actor_t){&pb, NULL, T0}, rid, 2,
                                        REFERRAL_REJECT, "no beds", &cur, &ei),
                     TW_OK);
    check_readable(id, aid);
    assert_int_equal(blobs_not_of_key(1), 0);

    /* step 1: a new key; step 2: the vault holding both re-seals */
    assert_int_equal(vault_key_add(kpath, &newid, &ei), TW_OK);
    assert_int_equal(newid, 2);
    old = vt;
    assert_int_equal(vault_open(kpath, &vt, &ei), TW_OK);
    /* before re-sealing, the search still finds (indexes of the old key) */
    check_readable(id, aid);
    {
        cases_actor_t w = actor(&pa, T0);
        assert_int_equal(cases_reseal(st, vt, &w, &n, &ei), TW_EPERM);
    }
    assert_int_equal(cases_reseal(st, vt, &sys, &n, &ei), TW_OK);
    last_audit_is("case.reseal", "");
    assert_true(n >= 10);
    assert_int_equal(blobs_not_of_key(2), 0);
    check_readable(id, aid);
    /* a second run has nothing to do */
    assert_int_equal(cases_reseal(st, vt, &sys, &n, &ei), TW_OK);
    assert_int_equal(n, 0);

    /* the old vault (key 1 only) can no longer open them, and says which key */
    {
        vault_t *keep = vt;
        vt = old;
        assert_int_equal(cases_get(st, vt, &a, id, &cs, &ei), TW_ECONFLICT);
        assert_non_null(strstr(ei.msg, "key 2"));
        vt = keep;
    }
    vault_close(old);

    /* step 3: retire key 1; everything still opens and is found */
    assert_int_equal(vault_key_retire(kpath, 2, &ei), TW_OK);
    vault_close(vt);
    assert_int_equal(vault_open(kpath, &vt, &ei), TW_OK);
    assert_int_equal(vault_key_count(vt), 1);
    check_readable(id, aid);
}

/* ---- audit ------------------------------------------------------------------ */

static void test_every_call_audited(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0);
    cases_case_t cs;
    cases_visitor_t vis;
    tw_errinfo_t ei;
    long long before;
    int64_t id, nv, sid;
    char obj[32];
    refs_t r;
    listed_t l;
    (void)state;

    before = audit_rows();
    id = open_case(T0);
    snprintf(obj, sizeof(obj), "case:%lld", (long long)id);
    assert_int_equal(audit_rows(), before + 1);
    last_audit_is("case.open", obj);
    assert_int_equal(cases_get(st, vt, &a, id, &cs, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(audit_rows(), before + 2);
    last_audit_is("case.read", obj);
    memset(&vis, 0, sizeof(vis));
    assert_int_equal(cases_view(st, vt, &a, id, &cs, &vis, NULL, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(audit_rows(), before + 3);
    last_audit_is("case.read", obj);
    move_ok(id, T0, RC);
    assert_int_equal(audit_rows(), before + 4);
    assert_int_equal(
        count_sql("SELECT count(*) FROM audit_log WHERE action = 'case.transition'", 0), 1);
    assert_int_equal(cases_service_offer(st, NULL, &a, id, "legal_aid", NULL, &sid, &ei), TW_OK);
    last_audit_is("case.service.offer", obj);
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, NULL, on_item, &l, &ei), TW_OK);
    last_audit_is("case.list", "");
    /* a refused read is audited too */
    before = audit_rows();
    assert_int_equal(cases_get(st, vt, &b, id, &cs, &ei), TW_ENOTFOUND);
    assert_int_equal(audit_rows(), before + 1);
    last_audit_is("case.access.denied", obj);
    /* a stale write leaves no audit entry of a write and no change; when
     * it hands the current case back, that is a read and audited as one */
    before = audit_rows();
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 99, &(cases_fields_t){.sex = "Male",
                                                                             .cooperating_with_police = -1},
                                  &nv, NULL, &ei),
                     TW_ECONFLICT);
    assert_int_equal(audit_rows(), before);
    memset(&cs, 0, sizeof(cs));
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 99, &(cases_fields_t){.sex = "Male",
                                                                             .cooperating_with_police = -1},
                                  &nv, &cs, &ei),
                     TW_ECONFLICT);
    assert_string_equal(cs.name, "Lusine Hakobyan");
    assert_string_equal(cs.sex, "Female");
    cases_case_free(&cs);
    assert_int_equal(audit_rows(), before + 1);
    last_audit_is("case.read", obj);
    assert_int_equal(count_sql("SELECT count(*) FROM audit_log WHERE action = 'case.read' AND"
                               " detail LIKE '%\"conflict\":true%'",
                               0),
                     1);
    memset(&cs, 0, sizeof(cs));
    assert_int_equal(cases_transition(st, vt, NULL, &a, id, 99, CASE_CLOSED, "x", NULL, &nv, &cs,
                                      &ei),
                     TW_ECONFLICT);
    assert_int_equal(cs.stage, CASE_REFERRED_TO_COMMISSION);
    cases_case_free(&cs);
    assert_int_equal(audit_rows(), before + 2);
    last_audit_is("case.read", obj);
    memset(&r, 0, sizeof(r));
    assert_int_equal(cases_inbox(st, &b, on_ref, &r, &ei), TW_OK);
    last_audit_is("case.inbox", "");
    /* no audit entry carries personal data */
    assert_int_equal(count_sql("SELECT count(*) FROM audit_log WHERE detail LIKE '%Lusine%' OR"
                               " detail LIKE '%Hakobyan%'",
                               0),
                     0);
}

/* ---- the review's findings ------------------------------------------------ */

/* A receiver without the identity category cannot confirm a guessed name
 * or document number by the case coming back; with it, it can search. The
 * audit entry says that a search was made, never what was searched. */
static void test_receiver_search(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0);
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    listed_t l;
    tw_errinfo_t ei;
    int64_t one, two;
    (void)state;

    one = open_named(&a, "Lusine Hakobyan", "ARM:AB1234");
    two = open_named(&a, "Armen Sargsyan", "RUS:7700123456");
    refer_with_consent(one, T0, "profile", "2025-12-31", NULL);
    refer_with_consent(two, T0, "profile;identity", "2025-12-31", NULL);
    /* the receiver lists both without a search */
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, NULL, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 2);
    /* a guessed name or document number of the profile-only case: nothing */
    flt.name = "Lusine Hakobyan";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 0);
    last_audit_is("case.list", "");
    assert_int_equal(count_sql("SELECT count(*) FROM audit_log WHERE action = 'case.list' AND"
                               " detail LIKE '%\"filter\":{\"name\":true,\"docno\":false,\"phone\":false}%'",
                               0),
                     1);
    flt.name = NULL;
    flt.docno = "AB1234";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 0);
    /* the case with identity consented is found, with its name */
    flt.docno = NULL;
    flt.name = "armen sargsyan";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], two);
    assert_string_equal(l.names[0], "Armen Sargsyan");
    /* the owner finds its own */
    flt.name = "Lusine Hakobyan";
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    /* the searched values are in no audit entry */
    assert_int_equal(count_sql("SELECT count(*) FROM audit_log WHERE detail LIKE '%Lusine%' OR"
                               " detail LIKE '%armen%' OR detail LIKE '%AB1234%'",
                               0),
                     0);
    /* over-long search strings are refused before anything is done */
    {
        char big[CASES_NAME_MAX_BYTES_T + 2];
        memset(big, 'a', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        flt.name = big;
        flt.docno = NULL;
        assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_EINPUT);
        assert_string_equal(ei.field, "name");
        flt.name = NULL;
        big[200] = '\0';
        flt.docno = big;
        assert_int_equal(cases_list(st, vt, &a, &flt, on_item, &l, &ei), TW_EINPUT);
        assert_string_equal(ei.field, "docno");
    }
}

typedef struct {
    int n;
    char purpose[4][64];
    int has_purpose[4];
} consents_t;

static tw_err_t on_consent(void *ctx, const cases_consent_t *c)
{
    consents_t *x = ctx;
    if (x->n < 4) {
        x->has_purpose[x->n] = c->purpose != NULL;
        snprintf(x->purpose[x->n], 64, "%s", c->purpose ? c->purpose : "");
    }
    x->n++;
    return TW_OK;
}

/* The consent's purpose is narrative: a receiver without that category
 * does not see it; one with it and the owner do. */
static void test_purpose_visibility(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0);
    cases_visitor_t vis;
    cases_case_t cs;
    consents_t c;
    tw_errinfo_t ei;
    int64_t one = open_case(T0), two = open_case(T0);
    (void)state;

    refer_with_consent(one, T0, "profile", "2025-12-31", NULL);
    refer_with_consent(two, T0, "profile;narrative", "2025-12-31", NULL);
    memset(&vis, 0, sizeof(vis));
    vis.consent = on_consent;
    memset(&c, 0, sizeof(c));
    assert_int_equal(cases_view(st, vt, &b, one, &cs, &vis, &c, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.has_purpose[0], 0);
    memset(&c, 0, sizeof(c));
    assert_int_equal(cases_view(st, vt, &b, two, &cs, &vis, &c, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.purpose[0], "placement in a shelter");
    memset(&c, 0, sizeof(c));
    assert_int_equal(cases_view(st, vt, &a, one, &cs, &vis, &c, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.purpose[0], "placement in a shelter");
}

/* The list's limit counts the cases the actor may see, not candidates the
 * access rule then drops. */
static void test_list_limit_counts_visible(void **state)
{
    cases_actor_t a = actor(&pa, T0), b = actor(&pb, T0);
    cases_filter_t flt = {-1, 0, NULL, NULL, 1, NULL};
    listed_t l;
    tw_errinfo_t ei;
    int64_t ids[3], cids[3], k;
    (void)state;

    for (k = 0; k < 3; k++) {
        ids[k] = open_case(T0 + k * 60);
        refer_with_consent(ids[k], T0, "profile", "2025-12-31", &cids[k]);
    }
    /* the two newest lose their consent: still pending, no longer in force */
    assert_int_equal(cases_consent_withdraw(st, vt, &a, cids[2], NULL, &ei), TW_OK);
    assert_int_equal(cases_consent_withdraw(st, vt, &a, cids[1], NULL, &ei), TW_OK);
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.ids[0], ids[0]);
    flt.limit = 0;
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &b, &flt, on_item, &l, &ei), TW_OK);
    assert_int_equal(l.n, 1);
}

/* A call whose transaction is rolled back hands back no id of the row it
 * had inserted (a trigger makes the history write fail after the insert). */
static void test_no_id_of_rolled_back_row(void **state)
{
    cases_actor_t a = actor(&pa, T0);
    cases_fields_t f;
    tw_errinfo_t ei;
    int64_t id = open_case(T0), x = -7;
    (void)state;

    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "CREATE TEMP TRIGGER fail_event BEFORE INSERT ON case_event"
                                  " BEGIN SELECT RAISE(ABORT, 'history is full'); END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.name = "Ram Bahadur";
    assert_int_not_equal(cases_open(st, vt, NULL, &a, &f, 0, &x, &ei), TW_OK);
    assert_int_equal(x, -7);
    assert_int_not_equal(cases_service_offer(st, NULL, &a, id, "shelter", NULL, &x, &ei), TW_OK);
    assert_int_equal(x, -7);
    assert_int_not_equal(cases_attachment_add(st, vt, NULL, &a, id, "a.txt", "text/plain", "abc",
                                              3, &x, &ei),
                         TW_OK);
    assert_int_equal(x, -7);
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case", 0), 1);
    assert_int_equal(count_sql("SELECT count(*) FROM case_service", 0), 0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_attachment", 0), 0);
    assert_int_equal(sqlite3_exec(store_sqlite(st), "DROP TRIGGER temp.fail_event", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
}

/* Inside a caller's transaction a refusal's or a read's audit entry would
 * be undone with it: the case functions refuse to run there. */
static void test_outside_transaction_only(void **state)
{
    cases_actor_t a = actor(&pa, T0), c = actor(&pc, T0), sys = {NULL, NULL, T0};
    cases_case_t cs;
    listed_t l;
    tw_errinfo_t ei;
    tw_buf_t b;
    long long rows, n;
    int64_t id = open_case(T0), x;
    (void)state;

    rows = audit_rows();
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(cases_get(st, vt, &c, id, &cs, &ei), TW_EINTERNAL);
    assert_non_null(strstr(ei.msg, "inside a transaction"));
    assert_int_equal(cases_get(st, vt, &a, id, &cs, &ei), TW_EINTERNAL);
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, NULL, on_item, &l, &ei), TW_EINTERNAL);
    assert_int_equal(l.n, 0);
    assert_int_equal(cases_open(st, vt, NULL, &a, &(cases_fields_t){.cooperating_with_police = -1},
                                0, &x, &ei),
                     TW_EINTERNAL);
    assert_int_equal(cases_service_set(st, &c, 1, 1, SERVICE_ACCEPTED, &x, &ei), TW_EINTERNAL);
    buf_init(&b, 1 << 16);
    assert_int_equal(cases_aggregate(st, &sys, on_cell, &b, &ei), TW_EINTERNAL);
    buf_free(&b);
    assert_int_equal(cases_purge(st, NULL, &sys, &n, &ei), TW_EINTERNAL);
    store_rollback(st);
    assert_int_equal(audit_rows(), rows);
    /* outside one, the refusal is written and stays */
    assert_int_equal(cases_get(st, vt, &c, id, &cs, &ei), TW_ENOTFOUND);
    assert_int_equal(audit_rows(), rows + 1);
}

/* "No such case" and "not yours" run the same statements (the same work,
 * so the time does not tell them apart either). */
static int trace_sql(unsigned type, void *ctx, void *p, void *x)
{
    tw_buf_t *b = ctx;
    (void)x;
    if (type == SQLITE_TRACE_STMT)
        buf_printf(b, "%s\n", sqlite3_sql((sqlite3_stmt *)p));
    return 0;
}

static void statements_of(int which, int64_t arg, tw_buf_t *out)
{
    cases_actor_t c = actor(&pc, T0);
    cases_case_t cs;
    tw_errinfo_t ei;
    int64_t cur;
    sqlite3_trace_v2(store_sqlite(st), SQLITE_TRACE_STMT, trace_sql, out);
    if (which == 0)
        assert_int_equal(cases_get(st, vt, &c, arg, &cs, &ei), TW_ENOTFOUND);
    else
        assert_int_equal(cases_service_set(st, &c, arg, 1, SERVICE_ACCEPTED, &cur, &ei),
                         TW_ENOTFOUND);
    sqlite3_trace_v2(store_sqlite(st), 0, NULL, NULL);
}

static void test_not_found_same_work(void **state)
{
    cases_actor_t a = actor(&pa, T0);
    tw_errinfo_t ei;
    tw_buf_t missing, other;
    int64_t id = open_case(T0), sid;
    (void)state;

    assert_int_equal(cases_service_offer(st, NULL, &a, id, "shelter", NULL, &sid, &ei), TW_OK);
    buf_init(&missing, 1 << 16);
    buf_init(&other, 1 << 16);
    statements_of(0, id + 1000, &missing);
    statements_of(0, id, &other);
    assert_string_equal(buf_str(&missing), buf_str(&other));
    assert_non_null(strstr(buf_str(&other), "case_referral"));
    buf_free(&missing);
    buf_free(&other);
    buf_init(&missing, 1 << 16);
    buf_init(&other, 1 << 16);
    statements_of(1, sid + 1000, &missing);
    statements_of(1, sid, &other);
    assert_string_equal(buf_str(&missing), buf_str(&other));
    buf_free(&missing);
    buf_free(&other);
}

/* The purge overwrites what it deletes even on a connection where
 * secure_delete was off, and puts the setting back. */
static void test_purge_overwrites(void **state)
{
    cases_policy_t pol;
    cases_actor_t a = actor(&pa, T0), sys = {NULL, NULL, T0 + (int64_t)400 * DAY};
    tw_errinfo_t ei;
    char att[6000], needle[32];
    int64_t id, aid;
    long long n = 0;
    sqlite3_stmt *s;
    tw_buf_t f;
    size_t i;
    (void)state;

    assert_int_equal(sqlite3_exec(store_sqlite(st), "PRAGMA secure_delete = 0", NULL, NULL, NULL),
                     SQLITE_OK);
    for (i = 0; i < sizeof(att); i++)
        att[i] = (char)('a' + i % 26);
    id = open_full(&a);
    assert_int_equal(cases_attachment_add(st, vt, NULL, &a, id, "scan.txt", "text/plain", att,
                                          sizeof(att), &aid, &ei),
                     TW_OK);
    close_at(id, T0 + DAY);
    /* 32 bytes from the middle of the sealed attachment */
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                        "SELECT data_blob FROM case_attachment WHERE id = ?", -1,
                                        &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(s, 1, aid);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_true(sqlite3_column_bytes(s, 0) > 3000);
    memcpy(needle, (const char *)sqlite3_column_blob(s, 0) + 3000, sizeof(needle));
    sqlite3_finalize(s);
    cases_policy_default(&pol);
    pol.retention_days = 365;
    assert_int_equal(cases_purge(st, &pol, &sys, &n, &ei), TW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(count_sql("PRAGMA secure_delete", 0), 0);
    assert_int_equal(sqlite3_wal_checkpoint_v2(store_sqlite(st), NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                               NULL, NULL),
                     SQLITE_OK);
    buf_init(&f, (size_t)256 << 20);
    assert_int_equal(buf_read_file(&f, dbpath, NULL), TW_OK);
    for (i = 0; i + sizeof(needle) <= f.len; i++)
        if (memcmp(f.p + i, needle, sizeof(needle)) == 0)
            fail_msg("the purged attachment's bytes are still in %s at %zu", dbpath, i);
    buf_free(&f);
}

/* Complementary suppression where two small cells add up to less than 5:
 * knowing their sum would give both. */
static void test_complementary_suppression(void **state)
{
    cases_actor_t a = actor(&pa, T0), s = actor(&pstat, T0);
    cases_fields_t f;
    tw_errinfo_t ei;
    tw_buf_t b;
    int64_t id, nv;
    int k;
    (void)state;

    for (k = 0; k < 12; k++) {
        id = open_case(T0);
        memset(&f, 0, sizeof(f));
        f.cooperating_with_police = -1;
        f.sex = k == 0 ? "Male" : k == 1 ? "Transgender/NonConforming" : "Female";
        f.exploitation = k < 7 ? "ForcedLabour" : "SexualExploitation";
        assert_int_equal(cases_update(st, vt, NULL, &a, id, 1, &f, &nv, NULL, &ei), TW_OK);
    }
    buf_init(&b, 1 << 16);
    assert_int_equal(cases_aggregate(st, &s, on_cell, &b, &ei), TW_OK);
    assert_non_null(strstr(buf_str(&b), "year=2025:12:12\n"));
    assert_non_null(strstr(buf_str(&b), "sex=Male:suppressed:-1\n"));
    assert_non_null(strstr(buf_str(&b), "sex=Transgender/NonConforming:suppressed:-1\n"));
    assert_non_null(strstr(buf_str(&b), "sex=Female:suppressed:-1\n"));
    /* nothing small: nothing suppressed */
    assert_non_null(strstr(buf_str(&b), "exploitation=ForcedLabour:7:7\n"));
    assert_non_null(strstr(buf_str(&b), "exploitation=SexualExploitation:5:5\n"));
    no_cell_by_subtraction(buf_str(&b));
    buf_free(&b);
}


/* Names with control characters, line breaks or text-direction controls
 * are refused (a case's name, an attachment's): "scan<U+202E>fdp.exe" would
 * show as "scanexe.pdf"; a CR/LF would split a header or a line of a list. */
static void test_name_controls(void **state)
{
    static const char *const bad[] = {"Anna\r\nX-Injected: 1", "Anna\tB", "Anna\x7f",
                                      "A\xc2\x85" "B", "scan\xe2\x80\xae" "fdp.exe",
                                      "a\xe2\x81\xa6" "b", "a\xe2\x80\x8f" "b",
                                      "a\xe2\x80\xa8" "b", "a\xd8\x9c" "b", NULL};
    cases_actor_t a = actor(&pa, T0);
    cases_fields_t f;
    tw_errinfo_t ei;
    int64_t id = 0, aid = 0;
    int i;
    (void)state;

    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    for (i = 0; bad[i]; i++) {
        f.name = bad[i];
        assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_EINPUT);
        assert_string_equal(ei.field, "name");
        assert_non_null(strstr(ei.msg, "which a name may not hold"));
    }
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case", 0), 0);
    f.name = "\xd4\xbc\xd5\xb8\xd6\x82\xd5\xbd\xd5\xab\xd5\xb6\xd5\xa5 O'Neil-Smith"; /* Armenian + Latin */
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_OK);
    for (i = 0; bad[i]; i++) {
        assert_int_equal(cases_attachment_add(st, vt, NULL, &a, id, bad[i], "text/plain", "x", 1,
                                              &aid, &ei),
                         TW_EINPUT);
        assert_string_equal(ei.field, "attachment name");
    }
    assert_int_equal(count_sql("SELECT count(*) FROM case_attachment", 0), 0);
    assert_int_equal(cases_attachment_add(st, vt, NULL, &a, id, "scan 2025-03.pdf", "text/plain",
                                          "x", 1, &aid, &ei),
                     TW_OK);
}


/* The release schedule: two answers within one month are the same even when
 * a case was opened in between (differencing them would give that case's
 * profile); the next month's answer counts it. */
static void test_stats_release(void **state)
{
    cases_actor_t a = actor(&pa, T0), s = actor(&pstat, T0);
    cases_fields_t f;
    tw_errinfo_t ei;
    tw_buf_t b1, b2, b3;
    int64_t id, nv;
    int k;
    (void)state;

    for (k = 0; k < 10; k++) {
        id = open_case(T0);
        memset(&f, 0, sizeof(f));
        f.cooperating_with_police = -1;
        f.sex = "Female";
        f.exploitation = "ForcedLabour";
        assert_int_equal(cases_update(st, vt, NULL, &a, id, 1, &f, &nv, NULL, &ei), TW_OK);
    }
    buf_init(&b1, 1 << 16);
    assert_int_equal(cases_aggregate(st, &s, on_cell, &b1, &ei), TW_OK);
    assert_non_null(strstr(buf_str(&b1), "sex=Female:10:10\n"));
    /* one more case, a man, the same month */
    id = open_case(T0 + DAY);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.sex = "Male";
    f.exploitation = "SexualExploitation";
    assert_int_equal(cases_update(st, vt, NULL, &a, id, 1, &f, &nv, NULL, &ei), TW_OK);
    buf_init(&b2, 1 << 16);
    s.now = T0 + 2 * DAY;
    assert_int_equal(cases_aggregate(st, &s, on_cell, &b2, &ei), TW_OK);
    assert_string_equal(buf_str(&b2), buf_str(&b1)); /* nothing to difference */
    last_audit_is("case.aggregate", NULL);
    assert_int_equal(count_sql("SELECT count(*) FROM (SELECT detail FROM audit_log ORDER BY id"
                               " DESC LIMIT 1) WHERE detail LIKE '%\"made\":false%'", 0),
                     1);
    /* the next month: a new release, with the new case */
    buf_init(&b3, 1 << 16);
    s.now = T0 + 40 * DAY;
    assert_int_equal(cases_aggregate(st, &s, on_cell, &b3, &ei), TW_OK);
    assert_non_null(strstr(buf_str(&b3), "year=2025:11:11\n"));
    assert_int_equal(count_sql("SELECT count(*) FROM (SELECT detail FROM audit_log ORDER BY id"
                               " DESC LIMIT 1) WHERE detail LIKE '%\"made\":true%'", 0),
                     1);
    assert_int_equal(count_sql("SELECT count(DISTINCT period) FROM case_stat_release", 0), 2);
    buf_free(&b1);
    buf_free(&b2);
    buf_free(&b3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stage_table_matches_spec_and_docs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_transition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reasons_and_dates_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadlines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_services, setup, teardown),
        cmocka_unit_test_setup_teardown(test_service_provider_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consent_gating, setup, teardown),
        cmocka_unit_test_setup_teardown(test_referral_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_isolation_guessed_ids, setup, teardown),
        cmocka_unit_test_setup_teardown(test_statistician_aggregates_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emergency_referral, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_htcds_codes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_name_controls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_release, setup, teardown),
        cmocka_unit_test_setup_teardown(test_encryption_at_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_from_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reseal_after_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_call_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_emergency_other_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_receiver_search, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purpose_visibility, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_limit_counts_visible, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_id_of_rolled_back_row, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outside_transaction_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_same_work, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_overwrites, setup, teardown),
        cmocka_unit_test_setup_teardown(test_complementary_suppression, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
