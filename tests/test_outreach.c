/*
 * test_outreach.c - information messages to workers: which permit events
 * get a message, through which channel and in which language and wording;
 * planning twice adds nothing; opt-out stops a queued message; the
 * directory sink writes one JSON file per message; templates with an
 * unknown placeholder or a missing section are refused when loaded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "engine/indicators.h"
#include "outreach/outbox.h"
#include "outreach/screening.h"
#include "outreach/sink.h"
#include "outreach/template.h"
#include "twtest.h"

static char dir[256], dbpath[300], tdir[512];
static store_t *st;
static tpl_set_t *tpl;

#define H "application_id,submitted_at,decision,decided_at,permit_no,valid_from,valid_to," \
          "previous_application_id,worker_doc_no,worker_doc_country,worker_family_name,"   \
          "worker_given_name,worker_sex,worker_birth_date,worker_citizenship,worker_phone," \
          "worker_email,employer_tin,employer_name,employer_sector,occupation_isco\n"
#define R(id, sub, dec, decd, vf, vt, prev, doc, c, sex, ph, em, tin, sector, isco)           \
    id "," sub "T10:00:00+04:00," dec "," decd "T10:00:00+04:00,P-" id "," vf "," vt "," prev \
       "," doc "," c ",Family,Given," sex ",1990-01-01," c "," ph "," em "," tin              \
       ",Employer " tin "," sector "," isco "\n"

static const char permits[] =
    H
    /* own phone, domestic work, a woman: sms in Russian, the women's paragraph */
    R("A1", "2025-05-01", "approved", "2025-05-10", "2025-05-12", "2026-05-11", "", "100000001",
      "RUS", "F", "+37491000001", "", "10000001", "97", "9111")
    /* phone shared with A3's worker, own e-mail, never entered: e-mail, no_entry */
    R("A2", "2025-01-02", "approved", "2025-01-10", "2025-01-12", "2026-01-11", "", "K1000002",
      "IND", "M", "+37491000002", "Raj.K@Example.org", "10000002", "41", "7112")
    R("A3", "2025-01-05", "approved", "2025-01-15", "2025-01-16", "2026-01-15", "", "E1000003",
      "IRN", "M", "+37491000002", "", "10000002", "41", "7112")
    /* revoked; its phone is named in a report */
    R("A4", "2025-03-01", "revoked", "2025-05-20", "2025-03-10", "2026-03-09", "", "N1000004",
      "SYR", "M", "+37491000004", "", "10000004", "56", "5120")
    /* renewal by the same employer; the renewed one would expire soon */
    R("A6", "2024-05-01", "approved", "2024-06-10", "2024-06-21", "2025-06-20", "", "E1000005",
      "CHN", "M", "+37491000005", "", "10000005", "41", "7112")
    R("A5", "2025-05-01", "approved", "2025-05-25", "2025-06-21", "2026-06-20", "A6", "E1000005",
      "CHN", "M", "+37491000005", "", "10000005", "41", "7112")
    /* transfer to another employer */
    R("A8", "2024-03-01", "approved", "2024-03-10", "2024-03-11", "2025-12-31", "", "200000007",
      "RUS", "M", "+37491000007", "", "10000008", "41", "7112")
    R("A7", "2025-04-01", "approved", "2025-04-10", "2025-04-11", "2026-04-10", "A8", "200000007",
      "RUS", "M", "+37491000007", "", "10000007", "41", "7112")
    /* expires within 30 days, nothing follows it */
    R("A9", "2025-01-20", "approved", "2025-02-01", "2025-02-01", "2025-06-20", "", "K1000009",
      "IND", "F", "+37491000009", "", "10000009", "56", "5120")
    /* an unreadable phone, no e-mail */
    R("A10", "2025-02-01", "approved", "2025-02-10", "2025-02-11", "2026-02-10", "", "P1000010",
      "UKR", "M", "12", "", "10000010", "41", "7112")
    /* entertainment: a woman and a man */
    R("A11", "2025-02-01", "approved", "2025-02-10", "2025-02-11", "2026-02-10", "", "P1000011",
      "PHL", "F", "+37491000011", "", "10000011", "93", "2653")
    R("A12", "2025-02-01", "approved", "2025-02-10", "2025-02-11", "2026-02-10", "", "P1000012",
      "PHL", "M", "+37491000012", "", "10000011", "93", "2653");

static const char border[] =
    "crossing_id,crossed_at,direction,crossing_point,doc_no,doc_country,family_name,given_name,"
    "birth_date,citizenship\n"
    "B1,2025-01-20T08:00:00+04:00,in,EVN,E1000003,IRN,Family,Given,1990-01-01,IRN\n"
    "B2,2025-02-05T08:00:00+04:00,in,EVN,K1000009,IND,Family,Given,1990-01-01,IND\n"
    "B3,2025-02-15T08:00:00+04:00,in,EVN,P1000010,UKR,Family,Given,1990-01-01,UKR\n"
    "B4,2025-02-15T08:00:00+04:00,in,EVN,P1000011,PHL,Family,Given,1990-01-01,PHL\n"
    "B5,2025-02-15T08:00:00+04:00,in,EVN,P1000012,PHL,Family,Given,1990-01-01,PHL\n"
    /* an exit is not an entry */
    "B6,2025-02-15T08:00:00+04:00,out,EVN,K1000002,IND,Family,Given,1990-01-01,IND\n";

static const char reports[] = "report_id,received_at,channel,phone,category\n"
                              "R1,2025-05-01T09:00:00+04:00,hotline,+37491000004,other\n";

static int setup(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tw-test-outreach-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(dbpath, sizeof dbpath, "%s/t.db", dir);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    snprintf(tdir, sizeof tdir, "%s/docs/outreach/templates", getenv("TW_SRCDIR"));
    tw_err_t err = tpl_set_load(tdir, &tpl, &ei);
    if (err != TW_OK)
        fprintf(stderr, "%s:%ld:%ld: %s\n", ei.file, ei.line, ei.column, ei.msg);
    assert_int_equal(err, TW_OK);
    twt_import_text(st, dir, "permits.csv", permits);
    twt_import_text(st, dir, "border_crossings.csv", border);
    twt_import_text(st, dir, "reports.csv", reports);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    store_close(st);
    tpl_set_free(tpl);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

#define MAXM 64
typedef struct {
    char key[64], channel[16], address[64], language[8], state[16], body[4096], subject[256];
} got_t;
static got_t got[MAXM];
static int ngot;

static tw_err_t collect(void *ctx, const outreach_msg_t *m)
{
    (void)ctx;
    assert_true(ngot < MAXM);
    got_t *g = &got[ngot++];
    snprintf(g->key, sizeof g->key, "%s/%s", m->application_id, m->event);
    snprintf(g->channel, sizeof g->channel, "%s", m->channel);
    snprintf(g->address, sizeof g->address, "%s", m->address ? m->address : "");
    snprintf(g->language, sizeof g->language, "%s", m->language);
    snprintf(g->state, sizeof g->state, "%s", m->state);
    snprintf(g->body, sizeof g->body, "%s", m->body);
    snprintf(g->subject, sizeof g->subject, "%s", m->subject);
    return TW_OK;
}

static void reload(void)
{
    ngot = 0;
    assert_int_equal(outreach_list(st, NULL, 0, collect, NULL), TW_OK);
}

static const got_t *find(const char *key)
{
    for (int i = 0; i < ngot; i++)
        if (strcmp(got[i].key, key) == 0)
            return &got[i];
    return NULL;
}

static void plan(outreach_plan_result_t *res)
{
    outreach_plan_opts_t o = {.asof = "2025-06-01", .since = "2025-01-01"};
    tw_errinfo_t ei;
    tw_errinfo_clear(&ei);
    tw_err_t err = outreach_plan(st, tpl, &o, res, &ei);
    if (err != TW_OK)
        fprintf(stderr, "plan: %s\n", ei.msg);
    assert_int_equal(err, TW_OK);
}

static void test_events_channels_languages(void **state)
{
    outreach_plan_result_t res;
    (void)state;
    plan(&res);
    reload();
    static const char *const want[] = {"A1/approved", "A2/approved",    "A2/no_entry",
                                       "A3/approved", "A4/revoked",     "A5/renewed",
                                       "A7/transferred", "A9/approved", "A9/expiry_30d",
                                       "A10/approved", "A11/approved",  "A12/approved"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!find(want[i]))
            fail_msg("no message for %s", want[i]);
    /* A6 and A8 were approved before --since; A6 is followed by its renewal
     * so gets no expiry notice; A3, A9, A10-A12 were seen entering */
    if (ngot != 12)
        for (int i = 0; i < ngot; i++)
            fprintf(stderr, "got %s %s\n", got[i].key, got[i].channel);
    assert_int_equal(ngot, 12);
    assert_int_equal(res.planned, 12);
    assert_null(find("A6/expiry_30d"));
    assert_null(find("A3/no_entry"));

    const got_t *g = find("A1/approved");
    assert_string_equal(g->channel, "sms");
    assert_string_equal(g->address, "+37491000001");
    assert_string_equal(g->language, "ru");
    assert_string_equal(g->state, "queued");
    assert_non_null(strstr(g->body, "запирается изнутри")); /* the women's paragraph */
    /* shared phone: the e-mail, which is the worker's own, lower-cased */
    g = find("A2/no_entry");
    assert_string_equal(g->channel, "email");
    assert_string_equal(g->address, "raj.k@example.org");
    assert_string_equal(g->language, "hi");
    g = find("A3/approved");
    assert_string_equal(g->channel, "in_person");
    assert_string_equal(g->state, "in_person");
    assert_string_equal(g->language, "fa");
    g = find("A4/revoked");
    assert_string_equal(g->channel, "in_person"); /* a report names the phone */
    assert_string_equal(g->language, "ar");
    g = find("A10/approved");
    assert_string_equal(g->channel, "in_person"); /* no readable phone */
    assert_string_equal(g->language, "ru");
    g = find("A7/transferred");
    assert_non_null(strstr(g->body, "Employer 10000007"));
    g = find("A11/approved");
    assert_string_equal(g->language, "en");
    assert_non_null(strstr(g->body, "have sex with anyone"));
    g = find("A12/approved");
    assert_non_null(strstr(g->body, "stay with clients"));
    assert_null(strstr(g->body, "have sex"));
    g = find("A5/renewed");
    assert_non_null(strstr(g->subject, "renewed"));
    /* no message speaks of an alert or a suspicion, or leaves a placeholder */
    for (int i = 0; i < ngot; i++) {
        assert_null(strstr(got[i].body, "alert"));
        assert_null(strstr(got[i].body, "suspic"));
        assert_null(strstr(got[i].body, "{"));
        assert_null(strstr(got[i].body, "(null)"));
    }
    /* again: nothing new */
    plan(&res);
    assert_int_equal(res.planned, 0);
    assert_int_equal(res.already, 12);
    reload();
    assert_int_equal(ngot, 12);
}

static int count_files(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int n = 0;
    if (!d)
        return -1;
    while ((de = readdir(d)) != NULL)
        if (strncmp(de->d_name, "msg-", 4) == 0)
            n++;
    closedir(d);
    return n;
}

static void test_optout_and_dir_sink(void **state)
{
    outreach_send_result_t res;
    outreach_plan_result_t pres;
    tw_errinfo_t ei;
    sink_t *sink;
    char spec[400], path[600];
    (void)state;
    plan(&pres);
    tw_errinfo_clear(&ei);
    assert_int_equal(outreach_optout(st, "RUS:100000001", "asked at the border", 0, &ei), TW_OK);
    assert_int_equal(outreach_optout(st, "not a key", NULL, 0, &ei), TW_EINPUT);
    snprintf(spec, sizeof spec, "dir:%s/out", dir);
    assert_int_equal(sink_open(spec, NULL, &sink, &ei), TW_OK);
    assert_int_equal(outreach_send(st, sink, NULL, &res, &ei), TW_OK);
    /* queued: A1 (opted out), A2 x2 email, A5 A7 A9 x2 A11 A12 sms */
    assert_int_equal(res.opted_out, 1);
    assert_int_equal(res.sent, 8);
    assert_int_equal(res.failed, 0);
    snprintf(path, sizeof path, "%s/out", dir);
    assert_int_equal(count_files(path), 8);
    /* a second send has nothing to do */
    assert_int_equal(outreach_send(st, sink, NULL, &res, &ei), TW_OK);
    assert_int_equal(res.sent + res.attempts, 0);
    sink_close(sink);
    reload();
    assert_string_equal(find("A1/approved")->state, "opted_out");
    assert_string_equal(find("A2/no_entry")->state, "sent");
    assert_string_equal(find("A3/approved")->state, "in_person");
    /* one file, with the members a gateway reads */
    tw_buf_t b;
    buf_init(&b, 1 << 20);
    DIR *d = opendir(path);
    struct dirent *de;
    int seen_email = 0;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "msg-", 4) != 0)
            continue;
        char f[900];
        snprintf(f, sizeof f, "%s/%s", path, de->d_name);
        buf_reset(&b);
        assert_int_equal(buf_read_file(&b, f, NULL), TW_OK);
        static const char *const members[] = {"\"message_id\":", "\"worker_key\":",
                                              "\"event\":",      "\"channel\":",
                                              "\"address\":",    "\"language\":",
                                              "\"template\":",   "\"subject\":",
                                              "\"body\":"};
        for (size_t i = 0; i < sizeof members / sizeof members[0]; i++)
            assert_non_null(strstr(buf_str(&b), members[i]));
        if (strstr(buf_str(&b), "\"channel\":\"email\""))
            seen_email++;
        assert_null(strstr(buf_str(&b), "RUS:100000001")); /* the opted-out worker */
    }
    closedir(d);
    buf_free(&b);
    assert_int_equal(seen_email, 2);
    /* in person, handed over; a second time is refused */
    int64_t id = 0;
    for (int i = 0; i < ngot; i++)
        if (strcmp(got[i].key, "A3/approved") == 0)
            id = i + 1; /* ids follow the list order */
    assert_int_equal(outreach_mark_delivered(st, id, &ei), TW_OK);
    assert_int_equal(outreach_mark_delivered(st, id, &ei), TW_ENOTFOUND);
}

static void test_language_override(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    tw_errinfo_clear(&ei);
    assert_int_equal(outreach_set_language(st, tpl, "IRN:E1000003", "xx", &ei), TW_EINPUT);
    assert_int_equal(outreach_set_language(st, tpl, "IRN:E1000003", "ru", &ei), TW_OK);
    outreach_plan_result_t res;
    plan(&res);
    reload();
    assert_string_equal(find("A3/approved")->language, "ru");
    assert_non_null(strstr(find("A3/approved")->body, "Здравствуйте"));
    assert_string_equal(find("A2/approved")->language, "hi"); /* the others unchanged */
}

/* ---- templates refused at load ----------------------------------------- */

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A copy of en.txt with `from` replaced by `to`, alone in a directory. */
static tw_err_t load_variant(const char *from, const char *to, tw_errinfo_t *ei)
{
    char src[700], d[400], p[500], cmd[1200];
    tw_buf_t b, out;
    tpl_set_t *set = NULL;
    snprintf(src, sizeof src, "%s/en.txt", tdir);
    snprintf(d, sizeof d, "%s/tpl-XXXXXX", dir);
    assert_non_null(mkdtemp(d));
    snprintf(cmd, sizeof cmd, "cp '%s/contacts.txt' '%s/'", tdir, d);
    assert_int_equal(system(cmd), 0);
    buf_init(&b, 1 << 20);
    buf_init(&out, 1 << 20);
    assert_int_equal(buf_read_file(&b, src, NULL), TW_OK);
    const char *at = strstr(buf_str(&b), from);
    assert_non_null(at);
    buf_add(&out, b.p, (size_t)(at - b.p));
    buf_adds(&out, to);
    buf_adds(&out, at + strlen(from));
    snprintf(p, sizeof p, "%s/en.txt", d);
    write_file(p, buf_str(&out));
    tw_errinfo_clear(ei);
    tw_err_t err = tpl_set_load(d, &set, ei);
    tpl_set_free(set);
    buf_free(&b);
    buf_free(&out);
    return err;
}

static void test_template_refused(void **state)
{
    tw_errinfo_t ei;
    (void)state;
    /* an unknown placeholder: refused at load with its line and column */
    assert_int_equal(load_variant("valid from {valid_from}", "valid from {salary}", &ei),
                     TW_EINPUT);
    assert_non_null(strstr(ei.msg, "unknown placeholder {salary}"));
    assert_true(ei.line > 5);
    assert_true(ei.column > 1);
    assert_non_null(strstr(ei.file, "en.txt"));
    /* unclosed */
    assert_int_equal(load_variant("{permit_no} in Armenia is approved",
                                  "{permit_no in Armenia is approved", &ei),
                     TW_EINPUT);
    /* a literal brace is fine */
    assert_int_equal(load_variant("Your rights in Armenia:", "Your rights {{in} Armenia:", &ei),
                     TW_OK);
    /* a missing section */
    assert_int_equal(load_variant("== footer", "== footer.x", &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "unknown section"));
    assert_int_equal(load_variant("== subject.revoked\nYour work permit in Armenia has ended\n",
                                  "", &ei),
                     TW_EINPUT);
    assert_non_null(strstr(ei.msg, "subject.revoked"));
    /* a subject is one line */
    assert_int_equal(load_variant("Your work permit in Armenia is renewed\n",
                                  "Your work permit\nin Armenia is renewed\n", &ei),
                     TW_EINPUT);
    /* the language line must match the file */
    assert_int_equal(load_variant("language: en", "language: ru", &ei), TW_EINPUT);
    /* no version */
    assert_int_equal(load_variant("version: 1", "", &ei), TW_EINPUT);
}

/* ---- the screening questionnaire's assessment ------------------------- */

static tw_err_t assess(const char *const *yes, const char *unknown, screening_profile_t *p,
                       tw_errinfo_t *ei)
{
    size_t n;
    const screening_question_t *q = screening_questions(&n);
    const char *ids[32], *vals[32];
    for (size_t i = 0; i < n; i++) {
        ids[i] = q[i].id;
        vals[i] = "no";
        for (size_t k = 0; yes && yes[k]; k++)
            if (strcmp(yes[k], q[i].id) == 0)
                vals[i] = "yes";
        if (unknown && strcmp(unknown, q[i].id) == 0)
            vals[i] = "unknown";
    }
    return screening_assess(ids, vals, n, p, ei);
}

static void test_screening_assess(void **state)
{
    screening_profile_t p;
    tw_errinfo_t ei;
    size_t n;
    (void)state;
    const screening_question_t *q = screening_questions(&n);
    /* every ILO indicator has a question */
    uint32_t all = 0;
    for (size_t i = 0; i < n; i++)
        all |= q[i].ilo;
    assert_int_equal(all, (1u << 11) - 1);

    assert_int_equal(assess(NULL, "threats", &p, &ei), TW_OK);
    assert_int_equal(p.reco, SCREEN_INFORMATION_ONLY);
    assert_int_equal(p.ilo, 0);
    assert_int_equal(p.unknown, 1);
    /* one indicator, twice: still information only */
    const char *const overtime[] = {"long_hours", "forced_overtime", NULL};
    assert_int_equal(assess(overtime, NULL, &p, &ei), TW_OK);
    assert_int_equal(p.reco, SCREEN_INFORMATION_ONLY);
    assert_int_equal(p.ilo, ILO_OVERTIME);
    /* debt alone is both involuntary and a penalty, but one indicator */
    const char *const debt[] = {"owes_recruiter", "debt_keeps_here", NULL};
    assert_int_equal(assess(debt, NULL, &p, &ei), TW_OK);
    assert_int_equal(p.reco, SCREEN_INFORMATION_ONLY);
    /* involuntary + penalty: refer with consent */
    const char *const dp[] = {"promised_different", "documents_held", NULL};
    assert_int_equal(assess(dp, NULL, &p, &ei), TW_OK);
    assert_int_equal(p.reco, SCREEN_REFER_WITH_CONSENT);
    assert_int_equal(p.ilo, ILO_DECEPTION | ILO_DOCUMENTS);
    /* two penalties, no involuntariness: information only */
    const char *const pp[] = {"threats", "wages_withheld", NULL};
    assert_int_equal(assess(pp, NULL, &p, &ei), TW_OK);
    assert_int_equal(p.reco, SCREEN_INFORMATION_ONLY);
    assert_true(p.penalty && !p.involuntary);
    /* danger: refer now, whatever else */
    const char *const v[] = {"violence", NULL};
    assert_int_equal(assess(v, NULL, &p, &ei), TW_OK);
    assert_int_equal(p.reco, SCREEN_REFER_NOW);
    const char *const locked[] = {"locked_or_watched", NULL};
    assert_int_equal(assess(locked, NULL, &p, &ei), TW_OK);
    assert_int_equal(p.reco, SCREEN_REFER_NOW);
    /* bad answers */
    const char *ids[2] = {"violence", "violence"}, *vals[2] = {"no", "no"};
    assert_int_equal(screening_assess(ids, vals, 2, &p, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "twice"));
    ids[1] = "threats";
    assert_int_equal(screening_assess(ids, vals, 2, &p, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "has no answer"));
    vals[0] = "maybe";
    assert_int_equal(screening_assess(ids, vals, 1, &p, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "yes, no or unknown"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_events_channels_languages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_optout_and_dir_sink, setup, teardown),
        cmocka_unit_test_setup_teardown(test_language_override, setup, teardown),
        cmocka_unit_test_setup_teardown(test_template_refused, setup, teardown),
        cmocka_unit_test(test_screening_assess),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
