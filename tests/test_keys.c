/*
 * test_keys.c - the key lifecycle (src/cases/keys.h): init never overwrites and
 * refuses a database that already holds sealed values; a rotation over cases
 * holding every kind of sealed value (case fields, alert evidence, a stage
 * reason, a referral's rejection reason, a consent's purpose, an
 * attachment's name and bytes) leaves everything readable and searchable
 * with the new key only, archives the old key (or destroys it), records the
 * store's current key and audits it; rotations that fail (an injected
 * database failure, a key file that is not this database's, a key missing
 * from the file) change nothing in the database and keep every key; a
 * process holding the old keys is refused writes after a rotation; status
 * counts; the purge's dry run counts what the real one removes.
 *
 * Each test gets a fresh store and key file in a mkdtemp directory.
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
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "cases/cases.h"
#include "cases/keyring.h"
#include "cases/keys.h"
#include "store/store.h"
#include "twcase.h"
#include "cases/vault.h"

#define DAY 86400
/* 2025-03-03 08:00 UTC = 12:00 in Yerevan */
#define T0 ((int64_t)1740988800)

#define S_NAME "Lusine Hakobyan"
#define S_NARR "recruited by an agent who kept her passport"
#define S_DOC "ZX9876543"
#define S_ATT "ATTACHMENTBYTES-777-scan"

static char dir[256], dbpath[320], kpath[320];
static store_t *st;
static vault_t *vt;
static auth_principal_t pa, pb;
static cases_actor_t sys = {NULL, NULL, T0};

/* ---- fixture ----------------------------------------------------------------- */

static int setup(void **state)
{
    tw_errinfo_t ei;
    int64_t a, b;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-keys-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(dbpath, sizeof(dbpath), "%s/cases.db", dir);
    snprintf(kpath, sizeof(kpath), "%s/tipwatch.key", dir);
    if (keys_init(NULL, kpath, &ei) != TW_OK || vault_open(kpath, &vt, &ei) != TW_OK)
        return -1;
    if (store_open(dbpath, &st, &ei) != TW_OK)
        return -1;
    a = twc_add_org(st, "Anti-Trafficking Unit");
    b = twc_add_org(st, "Hope Shelter NGO");
    twc_principal(&pa, 1, "anna", a, "Anti-Trafficking Unit", ROLE_CASE_WORKER);
    twc_principal(&pb, 2, "bella", b, "Hope Shelter NGO", ROLE_CASE_WORKER);
    /* anna as an account: the alert a case is opened from is assigned to
     * her, and cases_open checks she may read it */
    twc_add_user(st, 1, "anna", a, "case_worker");
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

/* ---- helpers ------------------------------------------------------------------- */

static cases_actor_t actor(const auth_principal_t *p)
{
    cases_actor_t a;
    a.who = p;
    a.remote = "192.0.2.7";
    a.now = T0;
    return a;
}

static long long count_sql(const char *sql)
{
    sqlite3_stmt *s;
    long long n = -1;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static int64_t version_of(int64_t id)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "SELECT version FROM nrm_case WHERE id = %lld", (long long)id);
    return count_sql(sql);
}

static void last_audit_is(const char *action)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                        "SELECT action FROM audit_log ORDER BY id DESC LIMIT 1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), action);
    sqlite3_finalize(s);
}

static int file_mode(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0)
        return -1;
    return (int)(sb.st_mode & 07777);
}

static int file_has(const char *path, const char *needle)
{
    tw_buf_t b;
    int found;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_read_file(&b, path, NULL), TW_OK);
    found = b.len && strstr(buf_str(&b), needle) != NULL;
    buf_free(&b);
    return found;
}

/* The ids the key file holds, as "1,2". */
static void file_ids(const char *path, char *out, size_t cap)
{
    vault_t *v;
    tw_errinfo_t ei;
    size_t i, len = 0;
    assert_int_equal(vault_open(path, &v, &ei), TW_OK);
    out[0] = '\0';
    for (i = 0; i < vault_key_count(v); i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%lu", i ? "," : "",
                                (unsigned long)vault_key_id(v, i));
    vault_close(v);
}

/* Sealed values per key, from keys_status: "1:14,2:0" (keys of the file and in use). */
static void usage(const char *path, char *out, size_t cap, long long *total)
{
    keys_status_t ks;
    tw_errinfo_t ei;
    size_t i, len = 0;
    assert_int_equal(keys_status(st, path, &ks, &ei), TW_OK);
    out[0] = '\0';
    for (i = 0; i < ks.n; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%lu:%lld", i ? "," : "",
                                (unsigned long)ks.keys[i].key_id, ks.keys[i].blobs);
    if (total)
        *total = ks.blobs;
    keys_status_free(&ks);
}

typedef struct {
    int n;
    char reason[4][64];
} refs_t;

static tw_err_t on_ref(void *ctx, const cases_referral_t *r)
{
    refs_t *x = ctx;
    if (x->n < 4)
        snprintf(x->reason[x->n++], 64, "%s", r->reason ? r->reason : "");
    return TW_OK;
}

typedef struct {
    int n;
    char purpose[4][64];
} consents_t;

static tw_err_t on_consent(void *ctx, const cases_consent_t *c)
{
    consents_t *x = ctx;
    if (x->n < 4)
        snprintf(x->purpose[x->n++], 64, "%s", c->purpose ? c->purpose : "");
    return TW_OK;
}

typedef struct {
    int n, reasons;
} events_t;

static tw_err_t on_event(void *ctx, const cases_event_t *e)
{
    events_t *x = ctx;
    x->n++;
    if (e->reason && strcmp(e->reason, "decided on the evidence") == 0)
        x->reasons++;
    return TW_OK;
}

static tw_err_t on_item(void *ctx, const cases_item_t *it)
{
    (void)it;
    (*(int *)ctx)++;
    return TW_OK;
}

/*
 * A case holding every kind of sealed value: the case's fields and the
 * evidence of the alert it was opened from, a stage reason, a referral
 * rejected with a reason, a consent's purpose, an attachment. *aid = the
 * attachment. Returns the case id.
 */
static int64_t full_case(int64_t *aid)
{
    cases_actor_t a = actor(&pa), b = actor(&pb);
    cases_consent_in_t c = {1, "profile", "placement in a shelter", "2025-12-31"};
    cases_fields_t f;
    tw_errinfo_t ei;
    int64_t id = 0, rid = 0, cid = 0, cur = 0, nv = 0;
    static const char *const cols[] = {
        "nrm_case.name_blob",       "nrm_case.birth_date_blob", "nrm_case.worker_key_blob",
        "nrm_case.evidence_blob",   "nrm_case.phone_blob",      "nrm_case.email_blob",
        "nrm_case.address_blob",    "nrm_case.narrative_blob",  "case_event.reason_blob",
        "case_referral.reason_blob", "case_consent.purpose_blob", "case_attachment.name_blob",
        "case_attachment.data_blob", NULL};
    char sql[160];
    int i;

    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "INSERT INTO alert(id, entity_type, entity_key, score, level,"
                                  " assignee, indicators, evidence, explanation, config_version,"
                                  " created_at, updated_at) VALUES (41, 'worker', 'IND:" S_DOC "',"
                                  " 98.2, 'high', 'anna', 'shared_phone',"
                                  " '{\"records\":[\"EVIDENCE\"]}',"
                                  " '{}', 'v1', '2025-03-01T00:00:00Z', '2025-03-01T00:00:00Z')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = 0;
    f.name = S_NAME;
    f.narrative = S_NARR;
    f.phone = "+37491555123";
    f.email = "lusine.h@example.am";
    f.address = "12 Abovyan Street";
    f.birth_date = "2001-05-14";
    f.sex = "Female";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 41, &id, &ei), TW_OK);
    assert_int_equal(cases_transition(st, vt, NULL, &a, id, version_of(id),
                                      CASE_REFERRED_TO_COMMISSION, "decided on the evidence",
                                      NULL, &nv, NULL, &ei),
                     TW_OK);
    assert_int_equal(cases_attachment_add(st, vt, NULL, &a, id, "scan.pdf", "application/pdf",
                                          S_ATT, strlen(S_ATT), aid, &ei),
                     TW_OK);
    assert_int_equal(cases_referral_create(st, &a, id, "Hope Shelter NGO", "shelter", &rid, &ei),
                     TW_OK);
    assert_int_equal(cases_consent_record(st, vt, &a, rid, &c, &cid, &ei), TW_OK);
    assert_int_equal(cases_referral_send(st, &a, rid, 1, &cur, &ei), TW_OK);
    assert_int_equal(cases_referral_act(st, vt, &b, rid, cur, REFERRAL_REJECT, "no beds", &cur,
                                        &ei),
                     TW_OK);
    for (i = 0; cols[i]; i++) {
        const char *dot = strchr(cols[i], '.');
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %.*s WHERE %s IS NOT NULL",
                 (int)(dot - cols[i]), cols[i], dot + 1);
        if (count_sql(sql) < 1)
            fail_msg("no sealed value in %s", cols[i]);
    }
    return id;
}

/* Everything of full_case() opens with vault v, and the blind indexes find it. */
static void all_readable(const vault_t *v, int64_t id, int64_t aid)
{
    cases_actor_t a = actor(&pa);
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    cases_visitor_t vis;
    cases_case_t cs;
    tw_errinfo_t ei;
    refs_t r;
    consents_t c;
    events_t e;
    char nm[256], mt[128];
    tw_buf_t data;
    tw_err_t err;
    int n = 0;

    memset(&vis, 0, sizeof(vis));
    memset(&r, 0, sizeof(r));
    memset(&c, 0, sizeof(c));
    memset(&e, 0, sizeof(e));
    vis.referral = on_ref;
    err = cases_view(st, v, &a, id, &cs, &vis, &r, &ei);
    if (err != TW_OK)
        fail_msg("cases_view: %s", ei.msg);
    assert_string_equal(cs.name, S_NAME);
    assert_string_equal(cs.narrative, S_NARR);
    assert_string_equal(cs.worker_key, "IND:" S_DOC);
    assert_string_equal(cs.birth_date, "2001-05-14");
    assert_string_equal(cs.email, "lusine.h@example.am");
    assert_non_null(strstr(cs.evidence, "EVIDENCE"));
    cases_case_free(&cs);
    assert_int_equal(r.n, 1);
    assert_string_equal(r.reason[0], "no beds");
    memset(&vis, 0, sizeof(vis));
    vis.consent = on_consent;
    assert_int_equal(cases_view(st, v, &a, id, &cs, &vis, &c, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.purpose[0], "placement in a shelter");
    memset(&vis, 0, sizeof(vis));
    vis.event = on_event;
    assert_int_equal(cases_view(st, v, &a, id, &cs, &vis, &e, &ei), TW_OK);
    cases_case_free(&cs);
    assert_int_equal(e.reasons, 1);
    buf_init(&data, 1 << 20);
    assert_int_equal(cases_attachment_get(st, v, &a, aid, nm, mt, &data, &ei), TW_OK);
    assert_int_equal(data.len, strlen(S_ATT));
    assert_memory_equal(data.p, S_ATT, strlen(S_ATT));
    assert_string_equal(nm, "scan.pdf");
    buf_free(&data);
    /* blind search, by name and by document number */
    flt.name = "lusine  HAKOBYAN";
    assert_int_equal(cases_list(st, v, &a, &flt, on_item, &n, &ei), TW_OK);
    assert_int_equal(n, 1);
    flt.name = NULL;
    flt.docno = "zx 9876543";
    n = 0;
    assert_int_equal(cases_list(st, v, &a, &flt, on_item, &n, &ei), TW_OK);
    assert_int_equal(n, 1);
}

/* ---- init ------------------------------------------------------------------------- */

static void test_init(void **state)
{
    char other[400], ids[64];
    tw_errinfo_t ei;
    int64_t aid;
    (void)state;

    /* setup made it: 0600, key 1 */
    assert_int_equal(file_mode(kpath), 0600);
    file_ids(kpath, ids, sizeof(ids));
    assert_string_equal(ids, "1");
    /* never over an existing file, which stays as it was */
    assert_true(file_has(kpath, "tipwatch-key 1 "));
    assert_int_equal(keys_init(NULL, kpath, &ei), TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "never overwritten"));
    assert_int_equal(keys_init(st, kpath, &ei), TW_ECONFLICT);
    file_ids(kpath, ids, sizeof(ids));
    assert_string_equal(ids, "1");
    /* a database without sealed values may get a new key file */
    snprintf(other, sizeof(other), "%s/other.key", dir);
    assert_int_equal(keys_init(st, other, &ei), TW_OK);
    assert_int_equal(file_mode(other), 0600);
    assert_int_equal(unlink(other), 0);
    /* once it holds sealed values, a fresh key file could not open them */
    full_case(&aid);
    assert_int_equal(keys_init(st, other, &ei), TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "key 1"));
    assert_non_null(strstr(ei.msg, "restore the key file"));
    assert_int_equal(file_mode(other), -1); /* not created */
}

/* ---- rotation ----------------------------------------------------------------------- */

static void test_rotate(void **state)
{
    keys_rotation_t rot;
    keys_rotate_opts_t destroy = {1};
    vault_t *nv = NULL;
    tw_errinfo_t ei;
    char ids[64], use[128];
    long long total = 0, audits;
    int64_t id, aid;
    uint32_t cur = 0;
    (void)state;

    id = full_case(&aid);
    all_readable(vt, id, aid);
    usage(kpath, use, sizeof(use), &total);
    assert_true(total >= 13);
    assert_int_equal(keyring_current(st, &cur, NULL, &ei), TW_OK);
    assert_int_equal(cur, 0);

    assert_int_equal(keys_rotate(st, kpath, NULL, &sys, &rot, &ei), TW_OK);
    assert_int_equal(rot.key_id, 2);
    assert_int_equal(rot.previous, 1);
    assert_int_equal(rot.retired, 1);
    assert_int_equal(rot.resealed, total);
    last_audit_is("keys.rotate");
    assert_int_equal(count_sql("SELECT count(*) FROM audit_log WHERE action = 'keys.rotate' AND"
                               " detail LIKE '%\"key\":2%'"),
                     1);
    /* the store's current key */
    assert_int_equal(keyring_current(st, &cur, NULL, &ei), TW_OK);
    assert_int_equal(cur, 2);
    /* the key file holds key 2 only; key 1 is in the archive, 0600 */
    file_ids(kpath, ids, sizeof(ids));
    assert_string_equal(ids, "2");
    assert_true(strncmp(rot.archive, kpath, strlen(kpath)) == 0);
    assert_non_null(strstr(rot.archive, ".retired-20"));
    assert_int_equal(file_mode(rot.archive), 0600);
    file_ids(rot.archive, ids, sizeof(ids));
    assert_string_equal(ids, "1");
    assert_false(file_has(rot.archive, "tipwatch-key 2 "));
    /* no value under key 1 is left in the database */
    usage(kpath, use, sizeof(use), NULL);
    snprintf(ids, sizeof(ids), "2:%lld", total);
    assert_string_equal(use, ids);
    /* everything opens with the new key file alone, and is found */
    assert_int_equal(vault_open(kpath, &nv, &ei), TW_OK);
    assert_int_equal(vault_key_count(nv), 1);
    all_readable(nv, id, aid);

    /* again, with --destroy-old: key 3, nothing archived */
    audits = count_sql("SELECT count(*) FROM audit_log");
    assert_int_equal(keys_rotate(st, kpath, &destroy, &sys, &rot, &ei), TW_OK);
    assert_int_equal(rot.key_id, 3);
    assert_int_equal(rot.retired, 1);
    assert_string_equal(rot.archive, "");
    assert_true(count_sql("SELECT count(*) FROM audit_log") > audits);
    file_ids(kpath, ids, sizeof(ids));
    assert_string_equal(ids, "3");
    usage(kpath, use, sizeof(use), NULL);
    snprintf(ids, sizeof(ids), "3:%lld", total);
    assert_string_equal(use, ids);
    assert_int_equal(count_sql("SELECT count(*) FROM key_rotation"), 2);
    assert_int_equal(count_sql("SELECT max(key_id) FROM key_rotation"), 3);
    vault_close(nv);
    assert_int_equal(vault_open(kpath, &nv, &ei), TW_OK);
    all_readable(nv, id, aid);
    vault_close(nv);
}

/* A process that loaded the keys before the rotation may not write with them. */
static void test_old_process_refused(void **state)
{
    cases_actor_t a = actor(&pa);
    cases_fields_t f;
    cases_case_t cs;
    keys_rotation_t rot;
    tw_errinfo_t ei;
    vault_t *nv = NULL;
    int64_t id, aid, v0, nid = 0, bid = 0;
    char use[128];
    long long total = 0;
    (void)state;

    id = full_case(&aid);
    usage(kpath, use, sizeof(use), &total);
    assert_int_equal(keyring_writer_check(st, vt, NULL, NULL, &ei), TW_OK); /* nothing recorded yet */
    assert_int_equal(keys_rotate(st, kpath, NULL, &sys, &rot, &ei), TW_OK);
    /* vt still holds key 1 only, like a server started before */
    assert_int_equal(keyring_writer_check(st, vt, NULL, NULL, &ei), TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "restart: the keys were rotated"));
    v0 = version_of(id);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.narrative = "a new narrative";
    assert_int_equal(cases_update(st, vt, NULL, &a, id, v0, &f, NULL, NULL, &ei), TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "restart: the keys were rotated"));
    assert_int_equal(version_of(id), v0);
    assert_int_equal(cases_attachment_add(st, vt, NULL, &a, id, "b.txt", "text/plain", "x", 1,
                                          &bid, &ei),
                     TW_ECONFLICT);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.name = "Someone Else";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &nid, &ei), TW_ECONFLICT);
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case"), 1);
    /* still: nothing under key 1 */
    usage(kpath, use, sizeof(use), NULL);
    assert_null(strstr(use, "1:"));
    /* and its reads say why */
    assert_int_equal(cases_get(st, vt, &a, id, &cs, &ei), TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "key 2"));
    assert_non_null(strstr(ei.msg, "restart"));
    /* restarted: writes go through, under key 2 */
    assert_int_equal(vault_open(kpath, &nv, &ei), TW_OK);
    assert_int_equal(keyring_writer_check(st, nv, NULL, NULL, &ei), TW_OK);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.narrative = "a new narrative";
    assert_int_equal(cases_update(st, nv, NULL, &a, id, v0, &f, NULL, NULL, &ei), TW_OK);
    usage(kpath, use, sizeof(use), NULL);
    assert_null(strstr(use, "1:"));
    vault_close(nv);
}

/* A failed rotation: the database as it was, every key kept, all readable. */
static void test_rotate_failures(void **state)
{
    keys_rotation_t rot;
    keys_status_t ks;
    tw_errinfo_t ei;
    vault_t *nv = NULL;
    char ids[64], use[128], before[128], expect[128], other[400], archive[4096];
    long long total = 0, audits;
    int64_t id, aid;
    uint32_t cur = 9;
    (void)state;

    id = full_case(&aid);
    usage(kpath, before, sizeof(before), &total);
    audits = count_sql("SELECT count(*) FROM audit_log");

    /* 1. a failure injected in the middle of the re-seal (a trigger refuses
     * the attachment's new blob, after the case's were re-sealed) */
    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "CREATE TRIGGER boom BEFORE UPDATE OF data_blob ON"
                                  " case_attachment BEGIN SELECT RAISE(ABORT, 'injected');"
                                  " END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(keys_rotate(st, kpath, NULL, &sys, &rot, &ei), TW_EDB);
    assert_non_null(strstr(ei.msg, "injected"));
    usage(kpath, use, sizeof(use), NULL);
    snprintf(expect, sizeof(expect), "1:%lld", total);
    assert_string_equal(use, expect); /* every value still under key 1 */
    assert_int_equal(count_sql("SELECT count(*) FROM audit_log"), audits);
    assert_int_equal(count_sql("SELECT count(*) FROM key_rotation"), 0);
    assert_int_equal(keyring_current(st, &cur, NULL, &ei), TW_OK);
    assert_int_equal(cur, 0);
    file_ids(kpath, ids, sizeof(ids));
    assert_string_equal(ids, "1"); /* the key file as it was: the new key taken back */
    snprintf(archive, sizeof(archive), "%s.retired-*", kpath);
    {
        char cmd[4200];
        snprintf(cmd, sizeof(cmd), "ls %s >/dev/null 2>&1", archive);
        assert_int_not_equal(system(cmd), 0); /* no archive written */
    }
    all_readable(vt, id, aid);
    assert_int_equal(vault_open(kpath, &nv, &ei), TW_OK);
    all_readable(nv, id, aid);
    vault_close(nv);
    assert_int_equal(sqlite3_exec(store_sqlite(st), "DROP TRIGGER boom", NULL, NULL, NULL),
                     SQLITE_OK);

    /* 2. a key file of another database (key 1 with other material): the
     * re-seal cannot open the blobs; nothing changes */
    snprintf(other, sizeof(other), "%s/other.key", dir);
    assert_int_equal(keys_init(NULL, other, &ei), TW_OK);
    assert_int_equal(keys_rotate(st, other, NULL, &sys, &rot, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "does not match this database"));
    assert_non_null(strstr(ei.msg, "nothing was written"));
    file_ids(other, ids, sizeof(ids));
    assert_string_equal(ids, "1"); /* refused before a key was added */
    usage(kpath, use, sizeof(use), NULL);
    assert_string_equal(use, expect);
    assert_int_equal(count_sql("SELECT count(*) FROM key_rotation"), 0);
    all_readable(vt, id, aid);

    /* now a good rotation: key 1 retires, 2 is current */
    assert_int_equal(keys_rotate(st, kpath, NULL, &sys, &rot, &ei), TW_OK);
    assert_int_equal(rot.key_id, 2);
    assert_int_equal(rot.retired, 1);
    file_ids(rot.archive, ids, sizeof(ids));
    assert_string_equal(ids, "1");
    snprintf(archive, sizeof(archive), "%s", rot.archive);

    /* 3. the archive (key 1) used as the key file: the data is under
     * key 2, which it lacks: refused before anything is added, naming it */
    assert_int_equal(keys_rotate(st, archive, NULL, &sys, &rot, &ei), TW_ENOTFOUND);
    assert_non_null(strstr(ei.msg, "key 2"));
    assert_non_null(strstr(ei.msg, "nothing was changed"));
    file_ids(archive, ids, sizeof(ids));
    assert_string_equal(ids, "1");
    assert_int_equal(keys_status(st, archive, &ks, &ei), TW_OK);
    assert_int_equal(ks.unreadable, total);
    assert_int_equal(ks.store_current, 2);
    assert_non_null(strstr(ks.mismatch, "lacks key 2"));
    keys_status_free(&ks);

    /* 4. the key file's errors: missing, readable by others */
    assert_int_equal(keys_rotate(st, "/nonexistent/dir/x.key", NULL, &sys, &rot, &ei),
                     TW_ENOTFOUND);
    assert_non_null(strstr(ei.msg, "keys init"));
    assert_int_equal(chmod(kpath, 0644), 0);
    assert_int_equal(keys_rotate(st, kpath, NULL, &sys, &rot, &ei), TW_EPERM);
    assert_non_null(strstr(ei.msg, "chmod 600"));
    assert_int_equal(keys_status(st, kpath, &ks, &ei), TW_EPERM);
    assert_int_equal(chmod(kpath, 0600), 0);
    file_ids(kpath, ids, sizeof(ids));
    assert_string_equal(ids, "2");
    assert_int_equal(count_sql("SELECT count(*) FROM key_rotation"), 1);

    /* 5. a user without user.admin may not rotate (the re-seal refuses) */
    {
        cases_actor_t a = actor(&pa);
        assert_int_equal(keys_rotate(st, kpath, NULL, &a, &rot, &ei), TW_EPERM);
        assert_int_equal(count_sql("SELECT count(*) FROM key_rotation"), 1);
    }
}

/* vault_key_retire_to(): the archive first, never over an existing file. */
static void test_retire_archive(void **state)
{
    char archive[400], ids[64];
    tw_errinfo_t ei;
    uint32_t id2 = 0;
    FILE *f;
    (void)state;

    assert_int_equal(vault_key_add(kpath, &id2, &ei), TW_OK);
    snprintf(archive, sizeof(archive), "%s/taken.retired", dir);
    f = fopen(archive, "w");
    assert_non_null(f);
    fputs("someone's file\n", f);
    fclose(f);
    assert_int_equal(vault_key_retire_to(kpath, 2, archive, &ei), TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "never overwritten"));
    assert_true(file_has(archive, "someone's file"));
    file_ids(kpath, ids, sizeof(ids));
    assert_string_equal(ids, "1,2"); /* nothing retired without its archive */
    assert_int_equal(unlink(archive), 0);
    assert_int_equal(vault_key_retire_to(kpath, 2, archive, &ei), TW_OK);
    assert_int_equal(file_mode(archive), 0600);
    file_ids(archive, ids, sizeof(ids));
    assert_string_equal(ids, "1");
    assert_true(file_has(archive, "# tipwatch retired keys"));
    file_ids(kpath, ids, sizeof(ids));
    assert_string_equal(ids, "2");
    /* nothing left to retire: no file is written */
    assert_int_equal(unlink(archive), 0);
    assert_int_equal(vault_key_retire_to(kpath, 2, archive, &ei), TW_OK);
    assert_int_equal(file_mode(archive), -1);
}

/* ---- status -------------------------------------------------------------------------- */

static void test_status(void **state)
{
    keys_status_t ks;
    tw_errinfo_t ei;
    uint32_t id2 = 0;
    int64_t aid;
    size_t i;
    (void)state;

    assert_int_equal(keys_status(st, kpath, &ks, &ei), TW_OK);
    assert_int_equal(ks.n, 1);
    assert_int_equal(ks.blobs, 0);
    assert_int_equal(ks.file_current, 1);
    assert_int_equal(ks.store_current, 0);
    keys_status_free(&ks);
    full_case(&aid);
    assert_int_equal(vault_key_add(kpath, &id2, &ei), TW_OK);
    assert_int_equal(keys_status(st, kpath, &ks, &ei), TW_OK);
    assert_int_equal(ks.n, 2);
    assert_int_equal(ks.file_current, 2);
    assert_int_equal(ks.keys[0].key_id, 1);
    assert_true(ks.keys[0].in_file);
    assert_true(ks.keys[0].blobs >= 13);
    assert_string_equal(ks.keys[0].example, "nrm_case.name_blob:1");
    assert_int_equal(ks.keys[1].key_id, 2);
    assert_int_equal(ks.keys[1].blobs, 0);
    assert_int_equal(ks.not_current, ks.blobs);
    assert_int_equal(ks.unreadable, 0);
    for (i = 0; i < ks.n; i++) /* no key material anywhere in it */
        assert_null(strchr(ks.keys[i].example, '='));
    keys_status_free(&ks);
    assert_int_equal(keys_status(st, "/nonexistent/x.key", &ks, &ei), TW_ENOTFOUND);
}

/* ---- purge ----------------------------------------------------------------------------- */

static void test_purge(void **state)
{
    cases_actor_t a = actor(&pa), later = {NULL, NULL, T0 + (int64_t)400 * DAY};
    cases_policy_t pol;
    keys_purge_t res;
    tw_errinfo_t ei;
    int64_t id, aid, nv = 0, young = 0;
    cases_fields_t f;
    (void)state;

    cases_policy_default(&pol);
    pol.retention_days = 365;
    id = full_case(&aid);
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.name = "Open Case";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &young, &ei), TW_OK);
    assert_int_equal(cases_transition(st, vt, NULL, &a, id, version_of(id), CASE_CLOSED,
                                      "assistance completed", NULL, &nv, NULL, &ei),
                     TW_OK);
    /* dry run: counts, changes nothing, audits nothing */
    {
        long long audits = count_sql("SELECT count(*) FROM audit_log");
        assert_int_equal(keys_purge(st, &pol, 1, &later, &res, &ei), TW_OK);
        assert_int_equal(res.cases, 1);
        assert_string_equal(res.closed_before, "2025-04-07T08:00:00Z"); /* 400 - 365 days after T0 */
        assert_int_equal(count_sql("SELECT count(*) FROM nrm_case"), 2);
        assert_int_equal(count_sql("SELECT count(*) FROM audit_log"), audits);
    }
    /* before the retention has passed: nothing is due */
    assert_int_equal(keys_purge(st, &pol, 1, &sys, &res, &ei), TW_OK);
    assert_int_equal(res.cases, 0);
    /* the real one removes what the dry run counted */
    assert_int_equal(keys_purge(st, &pol, 0, &later, &res, &ei), TW_OK);
    assert_int_equal(res.cases, 1);
    last_audit_is("case.purge");
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case"), 1);
    assert_int_equal(count_sql("SELECT count(*) FROM case_attachment"), 0);
    assert_int_equal(count_sql("SELECT count(*) FROM case_stat"), 1);
    assert_int_equal(keys_purge(st, &pol, 1, &later, &res, &ei), TW_OK);
    assert_int_equal(res.cases, 0);
    /* a signed-in case worker may not purge */
    assert_int_equal(keys_purge(st, &pol, 0, &a, &res, &ei), TW_EPERM);
    /* a bad policy is named */
    pol.retention_days = 0;
    assert_int_equal(keys_purge(st, &pol, 1, &later, &res, &ei), TW_EINPUT);
}


/* Items of a listing, with their names and whether each was readable. */
typedef struct {
    int n, unreadable;
    int64_t unreadable_id;
    int named;
} listing_t;

static tw_err_t on_listed(void *ctx, const cases_item_t *it)
{
    listing_t *l = ctx;
    l->n++;
    if (it->unreadable) {
        l->unreadable++;
        l->unreadable_id = it->id;
    }
    if (it->name && it->name[0])
        l->named++;
    return TW_OK;
}

/* A key file of another database (same key id, other key): refused by the
 * check before anything is written, by every case call, by rotate; a store
 * from before the check values (nothing recorded) is probed by opening one
 * of its values, so the wrong file is not enrolled there either. */
static void test_wrong_key_file(void **state)
{
    cases_actor_t a = actor(&pa);
    cases_fields_t f;
    keys_rotation_t rot;
    keys_status_t ks;
    tw_errinfo_t ei;
    vault_t *other = NULL;
    char opath[400], ids[64];
    int64_t id, aid, nid = 0;
    long long cases0;
    (void)state;

    id = full_case(&aid);
    (void)id;
    assert_int_equal(count_sql("SELECT count(*) FROM vault_key"), 1); /* key 1, by its seal */
    snprintf(opath, sizeof(opath), "%s/other.key", dir);
    assert_int_equal(keys_init(NULL, opath, &ei), TW_OK);
    assert_int_equal(vault_open(opath, &other, &ei), TW_OK);
    /* the check serve and keys run at start */
    assert_int_equal(cases_keys_verify(st, other, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "does not match this database"));
    assert_non_null(strstr(ei.msg, "key 1"));
    assert_int_equal(cases_keys_verify(st, vt, &ei), TW_OK);
    /* a case call with the wrong vault: nothing written */
    cases0 = count_sql("SELECT count(*) FROM nrm_case");
    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.name = "Someone Else";
    assert_int_equal(cases_open(st, other, NULL, &a, &f, 0, &nid, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "does not match"));
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case"), cases0);
    assert_int_equal(count_sql("SELECT count(*) FROM vault_key"), 1);
    /* keys rotate and keys status with it: refused / reported, file unchanged */
    assert_int_equal(keys_rotate(st, opath, NULL, &sys, &rot, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "does not match"));
    file_ids(opath, ids, sizeof(ids));
    assert_string_equal(ids, "1");
    assert_int_equal(keys_status(st, opath, &ks, &ei), TW_OK);
    assert_non_null(strstr(ks.mismatch, "does not match"));
    keys_status_free(&ks);
    assert_int_equal(keys_status(st, kpath, &ks, &ei), TW_OK);
    assert_string_equal(ks.mismatch, "");
    keys_status_free(&ks);
    /* keys init over a store whose keys are recorded: refused */
    assert_int_equal(unlink(opath), 0);
    vault_close(other);
    other = NULL;

    /* a store from before migration 12: nothing recorded yet; the wrong
     * key does not open its values, so it is refused and not enrolled */
    assert_int_equal(sqlite3_exec(store_sqlite(st), "DELETE FROM vault_key", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(keys_init(NULL, opath, &ei), TW_OK);
    assert_int_equal(vault_open(opath, &other, &ei), TW_OK);
    assert_int_equal(cases_keys_verify(st, other, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "does not match"));
    assert_int_equal(count_sql("SELECT count(*) FROM vault_key"), 0);
    assert_int_equal(cases_open(st, other, NULL, &a, &f, 0, &nid, &ei), TW_EINPUT);
    assert_int_equal(count_sql("SELECT count(*) FROM nrm_case"), cases0);
    /* the right one opens them and is enrolled */
    assert_int_equal(cases_keys_verify(st, vt, &ei), TW_OK);
    assert_int_equal(count_sql("SELECT count(*) FROM vault_key"), 1);
    assert_int_equal(cases_keys_verify(st, other, &ei), TW_EINPUT);
    vault_close(other);
}

/* keys init for a store whose keys are recorded (no sealed value left, the
 * key file lost): refused, a new key 1 would be another key 1. */
static void test_init_recorded(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    assert_int_equal(cases_keys_verify(st, vt, &ei), TW_OK);
    assert_int_equal(count_sql("SELECT count(*) FROM vault_key"), 1);
    assert_int_equal(unlink(kpath), 0);
    assert_int_equal(keys_init(st, kpath, &ei), TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "restore that key file"));
}

/* One value that does not open does not break the listing: its row is
 * listed as unreadable, the others with their names. */
static void test_unreadable_row_listed(void **state)
{
    cases_actor_t a = actor(&pa);
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    cases_fields_t f;
    listing_t l;
    tw_errinfo_t ei;
    int64_t id1 = 0, id2 = 0, id3 = 0;
    char sql[200];
    (void)state;

    memset(&f, 0, sizeof(f));
    f.cooperating_with_police = -1;
    f.name = "First Person";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id1, &ei), TW_OK);
    f.name = "Second Person";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id2, &ei), TW_OK);
    f.name = "Third Person";
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id3, &ei), TW_OK);
    /* damage one blob's last byte (its tag) */
    snprintf(sql, sizeof(sql),
             "UPDATE nrm_case SET name_blob = substr(name_blob, 1, length(name_blob) - 1) ||"
             " x'00' WHERE id = %lld",
             (long long)id2);
    assert_int_equal(sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL), SQLITE_OK);
    memset(&l, 0, sizeof(l));
    assert_int_equal(cases_list(st, vt, &a, &flt, on_listed, &l, &ei), TW_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.unreadable, 1);
    assert_int_equal(l.unreadable_id, id2);
    assert_int_equal(l.named, 2);
    /* the case itself opens too: the rest of it, and the name said to be
     * unreadable (it was TW_EINTERNAL, a 500, for the whole case) */
    {
        cases_case_t cs;
        assert_int_equal(cases_get(st, vt, &a, id2, &cs, &ei), TW_OK);
        assert_null(cs.name);
        assert_int_equal(cs.nunreadable, 1);
        assert_string_equal(cs.unreadable[0], "name");
        assert_int_equal(cs.id, id2);
        cases_case_free(&cs);
        assert_int_equal(cases_get(st, vt, &a, id1, &cs, &ei), TW_OK);
        assert_string_equal(cs.name, "First Person");
        assert_int_equal(cs.nunreadable, 0);
        cases_case_free(&cs);
    }
}


typedef struct {
    int events, events_unreadable, attachments, attachments_unreadable;
} marks_t;

static tw_err_t mark_event(void *ctx, const cases_event_t *e)
{
    marks_t *m = ctx;
    m->events++;
    m->events_unreadable += e->unreadable;
    return TW_OK;
}

static tw_err_t mark_attachment(void *ctx, const cases_attachment_info_t *a)
{
    marks_t *m = ctx;
    m->attachments++;
    m->attachments_unreadable += a->unreadable;
    return TW_OK;
}

/* The case view's lists too: a damaged reason or attachment name is shown
 * as unreadable, the rest of the case is shown. */
static void test_unreadable_parts_of_a_view(void **state)
{
    cases_actor_t a = actor(&pa);
    cases_visitor_t vis;
    cases_case_t cs;
    marks_t m;
    tw_errinfo_t ei;
    int64_t id, aid;
    (void)state;

    id = full_case(&aid);
    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "UPDATE case_event SET reason_blob = substr(reason_blob, 1,"
                                  " length(reason_blob) - 1) || x'00' WHERE reason_blob IS NOT NULL;"
                                  "UPDATE case_attachment SET name_blob = substr(name_blob, 1,"
                                  " length(name_blob) - 1) || x'00'",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    memset(&vis, 0, sizeof(vis));
    vis.event = mark_event;
    vis.attachment = mark_attachment;
    memset(&m, 0, sizeof(m));
    assert_int_equal(cases_view(st, vt, &a, id, &cs, &vis, &m, &ei), TW_OK);
    assert_true(m.events >= 2);
    assert_true(m.events > m.events_unreadable);
    assert_int_equal(m.events_unreadable,
                     count_sql("SELECT count(*) FROM case_event WHERE reason_blob IS NOT NULL"));
    assert_int_equal(m.attachments, 1);
    assert_int_equal(m.attachments_unreadable, 1);
    cases_case_free(&cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_process_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retire_archive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_key_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_row_listed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_parts_of_a_view, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
