/*
 * test_persons_cases.c - NRM cases linked into persons (link/persons.h,
 * cases_link_records() in src/cases/case_link.c): a case with a name joins
 * the person of her permit and border crossing across scripts; nothing of
 * a case's identity is stored by the linkage (no name, no unkeyed hash);
 * the read is audited; a run without the key keeps the cases' persons; a
 * case opened or edited later is linked by the next incremental run; a
 * case that is gone (purged) is forgotten with its review pairs and
 * decisions; only the system may hand the cases out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cases/cases.h"
#include "cases/vault.h"
#include "link/persons.h"
#include "store/store.h"
#include "twcase.h"
#include "twtest.h"

static char dir[256], dbpath[320], kpath[320];
static store_t *st;
static vault_t *vt;
static auth_principal_t pa;
static int64_t org_a;

static const char permits_hdr[] =
    "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
    "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
    "worker_citizenship,employer_tin,employer_name\n";
static const char border_hdr[] =
    "crossing_id,crossed_at,direction,crossing_point,doc_no,doc_country,family_name,"
    "given_name,sex,birth_date,citizenship\n";
static const char *const giv[] = {"anna", "olga", "mehdi", "fatema", "arsen", "tigran",
                                  "svetlana", "maria", "ravi", "li"};
static const char *const fam[] = {"petrenko", "hosseini", "uddin", "sargsyan", "ivanova",
                                  "kumar", "wang", "melnyk", "bondar", "karimova", "tkachenko"};

static int setup(void **state)
{
    tw_errinfo_t ei;
    tw_buf_t p, b;
    int i;
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tw-test-pcases-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(dbpath, sizeof dbpath, "%s/p.db", dir);
    snprintf(kpath, sizeof kpath, "%s/p.key", dir);
    if (vault_key_file_create(kpath, &ei) != TW_OK || vault_open(kpath, &vt, &ei) != TW_OK ||
        store_open(dbpath, &st, &ei) != TW_OK)
        return -1;
    org_a = twc_add_org(st, "Anti-Trafficking Unit");
    twc_principal(&pa, 1, "anna", org_a, "Anti-Trafficking Unit", ROLE_CASE_WORKER);
    /* a background population the model learns from: a permit and a
     * crossing each, names drawn from small lists */
    buf_init(&p, 1 << 20);
    buf_init(&b, 1 << 20);
    buf_adds(&p, permits_hdr);
    buf_adds(&b, border_hdr);
    for (i = 0; i < 400; i++) {
        const char *g = giv[i % 10], *f = fam[(i / 10) % 11];
        int y = 1970 + i % 30, m = 1 + i % 12, d = 1 + (i * 7) % 28;
        buf_printf(&p,
                   "WP-%d,2024-01-02T10:00:00,approved,FX%06d,UKR,%s,%s,F,%04d-%02d-%02d,UKR,"
                   "1234567%d,Employer LLC\n",
                   i, i, f, g, y, m, d, i % 10);
        buf_printf(&b, "BC-%d,2024-01-01T10:00:00,in,Zvartnots,FX%06d,UKR,%s,%s,F,"
                       "%04d-%02d-%02d,UKR\n",
                   i, i, f, g, y, m, d);
    }
    /* Kateryna: Cyrillic on her permit, Latin at the border */
    buf_adds(&p, "WP-KAT,2024-02-01T10:00:00,approved,FE111222,UKR,Шевчук,Катерина,F,"
                 "1998-03-12,UKR,12345670,Employer LLC\n");
    buf_adds(&b, "BC-KAT,2024-01-20T10:00:00,in,Zvartnots,FE111222,UKR,SHEVCHUK,KATERYNA,F,"
                 "1998-03-12,UKR\n");
    /* Lusine, who will be named in a case only after the first run */
    buf_adds(&p, "WP-LUS,2024-02-01T10:00:00,approved,AM777111,ARM,Hakobyan,Lusine,F,"
                 "1995-07-30,ARM,12345671,Employer LLC\n");
    twt_import_text(st, dir, "permits.csv", buf_str(&p));
    twt_import_text(st, dir, "border.csv", buf_str(&b));
    buf_free(&p);
    buf_free(&b);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    store_close(st);
    vault_close(vt);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int64_t open_case(const char *name, const char *birth, const char *worker_key,
                         const char *phone)
{
    cases_fields_t f;
    cases_actor_t a = {&pa, "192.0.2.7", 0};
    tw_errinfo_t ei;
    int64_t id = 0;
    memset(&f, 0, sizeof f);
    f.name = name;
    f.birth_date = birth;
    f.worker_key = worker_key;
    f.phone = phone;
    f.sex = "Female";
    f.citizenship = "UKR";
    f.exploitation = "ForcedLabour";
    f.cooperating_with_police = -1;
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_OK);
    return id;
}

/* The cases as `tipwatch link` collects them (cmd_link.c does the same). */
typedef struct {
    persons_case_t c[16];
    char text[16][6][128];
    size_t n;
} coll_t;

static tw_err_t collect(void *ctx, const persons_case_t *c)
{
    coll_t *k = ctx;
    size_t i = k->n++;
    assert_true(i < 16);
    k->c[i] = *c;
    snprintf(k->text[i][0], 128, "%s", c->name);
    snprintf(k->text[i][1], 128, "%s", c->birth_date);
    snprintf(k->text[i][2], 128, "%s", c->document);
    snprintf(k->text[i][3], 128, "%s", c->phone);
    snprintf(k->text[i][4], 128, "%s", c->sex);
    snprintf(k->text[i][5], 128, "%s", c->citizenship);
    k->c[i].name = k->text[i][0];
    k->c[i].birth_date = k->text[i][1];
    k->c[i].document = k->text[i][2];
    k->c[i].phone = k->text[i][3];
    k->c[i].sex = k->text[i][4];
    k->c[i].citizenship = k->text[i][5];
    return TW_OK;
}

static void run_link(int with_cases, coll_t *k)
{
    persons_opts_t po;
    tw_errinfo_t ei;
    cases_actor_t sys = {NULL, NULL, 0};
    long long handed = -1;
    persons_opts_default(&po);
    memset(k, 0, sizeof *k);
    if (with_cases) {
        assert_int_equal(cases_link_records(st, vt, &sys, collect, k, &handed, &ei), TW_OK);
        assert_int_equal(handed, (long long)k->n);
        po.cases = k->c;
        po.ncases = k->n;
        po.cases_read = 1;
    }
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
}

static int64_t person_of(const char *rec)
{
    int64_t pid = 0;
    if (persons_of_record(st, rec, &pid) != TW_OK)
        return 0;
    return pid;
}

static long long count(const char *sql)
{
    sqlite3_stmt *s;
    long long n;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static void test_cases_linked(void **state)
{
    coll_t k;
    int64_t kat, c1, c2, c3, lus;
    char rec[40];
    (void)state;
    /* Kateryna's case in Latin letters, family name first, no document */
    c1 = open_case("Shevchuk Kateryna", "1998-03-12", NULL, "+380 67 123 4567");
    /* somebody in no register */
    c2 = open_case("Oksana Unknown-Person", "1961-11-02", NULL, NULL);
    /* a case with a name and a document, no birth date (the document
     * written in lower case, as a case worker might), and one whose name
     * is punctuation */
    c3 = open_case("Tigran Petrenko", NULL, "ukr:fx000005", NULL);
    (void)open_case("--", NULL, NULL, NULL);
    run_link(1, &k);
    assert_int_equal(k.n, 4);
    kat = person_of("permits:WP-KAT");
    assert_true(kat > 0);
    snprintf(rec, sizeof rec, "cases:%lld", (long long)c1);
    assert_int_equal(person_of(rec), kat);
    snprintf(rec, sizeof rec, "cases:%lld", (long long)c2);
    assert_true(person_of(rec) > 0);
    assert_int_not_equal(person_of(rec), kat);
    snprintf(rec, sizeof rec, "cases:%lld", (long long)c3);
    assert_int_equal(person_of(rec), person_of("permits:WP-5"));

    /* nothing of a case's identity in the linkage's tables: no name in any
     * form, and its content hash is not the registers' unkeyed one */
    assert_int_equal(count("SELECT count(*) FROM person_record WHERE record LIKE 'cases:%' AND "
                           "record NOT GLOB 'cases:[0-9]*'"),
                     0);
    assert_int_equal(count("SELECT count(*) FROM (SELECT evidence || detail AS t FROM "
                           "person_join UNION ALL SELECT evidence || detail FROM link_review "
                           "UNION ALL SELECT key FROM link_capped UNION ALL SELECT "
                           "coalesce(model, '') FROM link_run) WHERE lower(t) LIKE '%shevch%' "
                           "OR lower(t) LIKE '%oksana%' OR t LIKE '%1998%' OR t LIKE '%380%'"),
                     0);
    /* the read is audited once per run, with the number of cases */
    assert_int_equal(count("SELECT count(*) FROM audit_log WHERE action = 'case.link' AND "
                           "json_extract(detail, '$.cases') = 4"),
                     1);

    /* a run without the key: the cases keep their persons */
    run_link(0, &k);
    snprintf(rec, sizeof rec, "cases:%lld", (long long)c1);
    assert_int_equal(person_of(rec), kat);
    assert_int_equal(count("SELECT count(*) FROM person_record WHERE record LIKE 'cases:%'"), 4);

    /* a case opened later is linked by the next (incremental) run */
    lus = open_case("Lusine Hakobyan", "1995-07-30", NULL, NULL);
    run_link(1, &k);
    assert_int_equal(count("SELECT mode = 'incremental' FROM link_run ORDER BY id DESC"), 1);
    assert_int_equal(count("SELECT new_records FROM link_run ORDER BY id DESC"), 1);
    snprintf(rec, sizeof rec, "cases:%lld", (long long)lus);
    assert_int_equal(person_of(rec), person_of("permits:WP-LUS"));

    /* an edited case: its new values are compared again */
    {
        cases_fields_t f;
        cases_actor_t a = {&pa, "192.0.2.7", 0};
        tw_errinfo_t ei;
        int64_t nv = 0;
        memset(&f, 0, sizeof f);
        f.name = "Lusine Hakobyan";
        f.birth_date = "1961-11-02";
        f.cooperating_with_police = -1;
        assert_int_equal(cases_update(st, vt, NULL, &a, c2, 1, &f, &nv, NULL, &ei), TW_OK);
    }
    run_link(1, &k);
    assert_int_equal(count("SELECT new_records FROM link_run ORDER BY id DESC"), 1);

    /* a case that is gone is forgotten with its review pairs and decisions */
    snprintf(rec, sizeof rec, "cases:%lld", (long long)c1);
    {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "INSERT INTO link_decision VALUES('%s','permits:WP-1','not_same','x',"
                 "'2025-01-01T00:00:00Z',NULL)",
                 rec);
        assert_int_equal(sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL), SQLITE_OK);
    }
    {
        persons_opts_t po;
        tw_errinfo_t ei;
        size_t i, j = 0;
        run_link(1, &k);
        persons_opts_default(&po);
        for (i = 0; i < k.n; i++) /* the run sees every case but c1 */
            if (k.c[i].id != c1)
                k.c[j++] = k.c[i];
        po.cases = k.c;
        po.ncases = j;
        po.cases_read = 1;
        assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    }
    assert_int_equal(person_of(rec), 0);
    assert_int_equal(count("SELECT count(*) FROM link_decision WHERE a LIKE 'cases:%' OR b LIKE "
                           "'cases:%'"),
                     0);
    {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM person_join WHERE a = '%s' OR b = '%s'", rec, rec);
        assert_int_equal(count(sql), 0);
    }
    /* the other cases are still linked */
    assert_int_equal(count("SELECT count(*) FROM person_record WHERE record LIKE 'cases:%'"), 4);
}

static void test_cases_system_only(void **state)
{
    coll_t k;
    tw_errinfo_t ei;
    cases_actor_t a = {&pa, "192.0.2.7", 0};
    (void)state;
    memset(&k, 0, sizeof k);
    (void)open_case("Anna Petrenko", "1970-01-01", NULL, NULL);
    assert_int_equal(cases_link_records(st, vt, &a, collect, &k, NULL, &ei), TW_EPERM);
    assert_int_equal(k.n, 0);
    assert_int_equal(cases_link_records(st, NULL, NULL, collect, &k, NULL, &ei), TW_EINTERNAL);
    assert_int_equal(k.n, 0);
}

/* Purging a closed case past its retention removes its person link too. */
static void test_purge_forgets(void **state)
{
    coll_t k;
    tw_errinfo_t ei;
    cases_policy_t pol;
    int64_t t0 = 1740988800, id, nv = 0; /* 2025-03-03 */
    cases_actor_t a = {&pa, "192.0.2.7", t0}, sys = {NULL, NULL, t0 + 10 * 86400};
    cases_fields_t f;
    long long n = 0;
    char rec[40];
    (void)state;
    memset(&f, 0, sizeof f);
    f.name = "Shevchuk Kateryna";
    f.birth_date = "1998-03-12";
    f.sex = "Female";
    f.cooperating_with_police = -1;
    assert_int_equal(cases_open(st, vt, NULL, &a, &f, 0, &id, &ei), TW_OK);
    run_link(1, &k);
    snprintf(rec, sizeof rec, "cases:%lld", (long long)id);
    assert_int_equal(person_of(rec), person_of("permits:WP-KAT"));
    a.now = t0 + 86400;
    assert_int_equal(cases_transition(st, vt, NULL, &a, id, 1, CASE_CLOSED, "moved away",
                                      NULL, &nv, NULL, &ei),
                     TW_OK);
    cases_policy_default(&pol);
    pol.retention_days = 1;
    assert_int_equal(cases_purge(st, &pol, &sys, &n, &ei), TW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(person_of(rec), 0);
    assert_int_equal(count("SELECT count(*) FROM person_join WHERE a LIKE 'cases:%' OR b LIKE "
                           "'cases:%'"),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cases_linked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cases_system_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_forgets, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
