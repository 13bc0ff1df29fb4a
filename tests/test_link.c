/*
 * test_link.c - record linkage: comparison levels, the linker (blocking,
 * EM, clustering and its guard, constraints), the files mode, and persons
 * across the registers with stable ids (src/link/).
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

#include "engine/config.h"
#include "engine/engine.h"
#include "engine/indicators.h"
#include "link/compare.h"
#include "link/files.h"
#include "link/link.h"
#include "link/persons.h"
#include "store/store.h"
#include "twtest.h"

#define S(x) x, strlen(x)

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-link-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- comparison levels ---- */

static void test_jaro_winkler(void **state)
{
    (void)state;
    assert_true(link_jaro_winkler(S("martha"), S("marhta")) > 0.96);
    assert_true(link_jaro_winkler(S("martha"), S("marhta")) < 0.962);
    assert_true(link_jaro_winkler(S("dixon"), S("dicksonx")) > 0.81);
    assert_true(link_jaro_winkler(S("abc"), S("xyz")) == 0.0);
    assert_true(link_jaro_winkler(S(""), S("")) == 1.0);
    /* symmetric, also where greedy matching could differ */
    assert_true(link_jaro_winkler(S("aab"), S("aba")) == link_jaro_winkler(S("aba"), S("aab")));
}

static void test_one_edit(void **state)
{
    (void)state;
    assert_true(link_one_edit(S("1234567"), S("1234567")));
    assert_true(link_one_edit(S("1234567"), S("1234557")));
    assert_true(link_one_edit(S("1234567"), S("1243567"))); /* transposition */
    assert_true(link_one_edit(S("1234567"), S("123567")));  /* deletion */
    assert_true(link_one_edit(S("123567"), S("1234567")));  /* insertion */
    assert_false(link_one_edit(S("1234567"), S("1235577")));
    assert_false(link_one_edit(S("12"), S("1234")));
}

static void test_names(void **state)
{
    char k1[16], k2[16];
    (void)state;
    /* transliteration variants share a key */
    link_sound_key(S("oleksandr"), k1, sizeof k1);
    link_sound_key(S("aleksandr"), k2, sizeof k2);
    assert_string_equal(k1, k2);
    link_sound_key(S("khachatryan"), k1, sizeof k1);
    link_sound_key(S("hachatrian"), k2, sizeof k2);
    assert_string_equal(k1, k2);
    link_sound_key(S("olga"), k1, sizeof k1);
    link_sound_key(S("olha"), k2, sizeof k2);
    assert_string_equal(k1, k2);
    link_sound_key(S("ivanov"), k1, sizeof k1);
    link_sound_key(S("petrov"), k2, sizeof k2);
    assert_string_not_equal(k1, k2);

    assert_int_equal(link_cmp_name(S("olga"), S("petrenko"), S("olga"), S("petrenko")),
                     LINK_NAME_EXACT);
    assert_int_equal(link_cmp_name(S("olga"), S("petrenko"), S("olha"), S("petrenko")),
                     LINK_NAME_VARIANT);
    assert_int_equal(link_cmp_name(S("martha"), S(""), S("marhta"), S("")), LINK_NAME_JW92);
    assert_int_equal(link_cmp_name(S("olga"), S("petrenko"), S("petrenko"), S("olga")),
                     LINK_NAME_SWAPPED);
    /* one side knows one name, the other side's other part (a report
     * that names "Petrenko" only, held in the given-name slot) */
    assert_int_equal(link_cmp_name(S("petrenko"), S(""), S("olga"), S("petrenko")),
                     LINK_NAME_SWAPPED);
    assert_int_equal(link_cmp_name(S("olga"), S("petrenko"), S("petrenko"), S("")),
                     LINK_NAME_SWAPPED);
    assert_int_equal(link_cmp_name(S("petrenko"), S(""), S("olga"), S("ivanova")),
                     LINK_NAME_DIFFERENT);
    assert_int_equal(link_cmp_name(S("o"), S(""), S("olga"), S("")), LINK_NAME_INITIAL);
    assert_int_equal(link_cmp_name(S("olga"), S(""), S("mehdi"), S("")), LINK_NAME_DIFFERENT);
    assert_int_equal(link_cmp_name(S(""), S(""), S("mehdi"), S("")), LINK_NAME_MISSING);
}

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(link_cmp_date(S("19980312"), S("19980312")), LINK_DATE_EXACT);
    assert_int_equal(link_cmp_date(S("19980312"), S("19981203")), LINK_DATE_SWAPPED);
    assert_int_equal(link_cmp_date(S("19980312"), S("19980313")), LINK_DATE_ONE_OFF);
    assert_int_equal(link_cmp_date(S("19980312"), S("19980721")), LINK_DATE_YEAR);
    assert_int_equal(link_cmp_date(S("1998"), S("19980721")), LINK_DATE_YEAR);
    assert_int_equal(link_cmp_date(S("19980312"), S("19750101")), LINK_DATE_DIFFERENT);
    assert_int_equal(link_cmp_date(S("19450493"), S("19450483")), LINK_DATE_ONE_OFF);
    assert_int_equal(link_cmp_date(S(""), S("19750101")), LINK_DATE_MISSING);
}

static void test_ids_phones(void **state)
{
    (void)state;
    assert_int_equal(link_cmp_id(S("UKR\x1f" "FE123456"), S("UKR\x1f" "FE123456")),
                     LINK_ID_EXACT);
    assert_int_equal(link_cmp_id(S("UKR\x1f" "FE123456"), S("UKR\x1f" "FE123465")),
                     LINK_ID_ONE_EDIT);
    assert_int_equal(link_cmp_id(S("UKR\x1f" "FE123456"), S("RUS\x1f" "FE123456")),
                     LINK_ID_COUNTRY_DIFFERS);
    assert_int_equal(link_cmp_id(S("UKR\x1f" "FE123456"), S("UKR\x1f" "AB999999")),
                     LINK_ID_DIFFERENT);
    assert_int_equal(link_cmp_id(S("5304218"), S("5304218")), LINK_ID_EXACT);
    assert_int_equal(link_cmp_phone(S("+37491234567"), S("+37491234567")), LINK_PHONE_EXACT);
    assert_int_equal(link_cmp_phone(S("+37491234567"), S("091234567")), LINK_PHONE_LAST7);
    assert_int_equal(link_cmp_phone(S("+37491234567"), S("+37491000000")),
                     LINK_PHONE_DIFFERENT);
}

/* ---- the linker ---- */

static const link_field_t fields4[] = {{"given name", LINK_KIND_GIVEN},
                                       {"family name", LINK_KIND_FAMILY},
                                       {"birth date", LINK_KIND_DATE},
                                       {"document", LINK_KIND_ID}};

/* A population of `n` distinct people with one noisy copy each (every
 * seventh with given and family swapped, every fifth with a document typo),
 * plus records that have neither name nor document. */
static const char *const giv[] = {"anna", "olga", "mehdi", "fatema", "arsen", "tigran",
                                  "maria", "ivan", "ali", "narek", "lilit", "sona"};
static const char *const fam[] = {"petrenko", "hosseini", "uddin", "sargsyan", "ivanova",
                                  "khan", "melikyan", "bondar", "rahman", "karimi",
                                  "grigoryan", "popescu", "novak"};

static void person_values(int i, int copy, char g[32], char f[32], char d[16], char doc[16])
{
    snprintf(g, 32, "%s", giv[i % 12]);
    snprintf(f, 32, "%s", fam[(i / 12) % 13]);
    snprintf(d, 16, "19%02d%02d%02d", 60 + i % 40, 1 + (i / 40) % 12, 1 + (i / 480) % 28);
    snprintf(doc, 16, "P%07d", 1000 + i * 37);
    if (copy && i % 7 == 0) {
        char t[32];
        memcpy(t, g, 32);
        memcpy(g, f, 32);
        memcpy(f, t, 32);
    }
    if (copy && i % 5 == 0)
        doc[3] = doc[3] == '9' ? '0' : (char)(doc[3] + 1);
}

static link_t *build(int n, link_opts_t *o)
{
    link_t *l;
    int i, c;
    assert_int_equal(link_new(fields4, 4, o, &l), TW_OK);
    for (c = 0; c < 2; c++) {
        for (i = 0; i < n; i++) {
            char g[32], f[32], d[16], doc[16];
            const char *v[4] = {g, f, d, doc};
            size_t len[4];
            person_values(i, c, g, f, d, doc);
            len[0] = strlen(g);
            len[1] = strlen(f);
            len[2] = strlen(d);
            len[3] = strlen(doc);
            assert_int_equal(link_add(l, o->sources == 2 ? c : 0, v, len, NULL), TW_OK);
        }
    }
    return l;
}

static void test_linker_dedup(void **state)
{
    link_opts_t o;
    link_t *l;
    link_stats_t s;
    const int n = 600;
    int i;
    (void)state;
    link_opts_default(&o);
    l = build(n, &o);
    /* and two records with no name and no document: alone, counted */
    {
        const char *v[4] = {"", "", "19700101", ""};
        size_t len[4] = {0, 0, 8, 0};
        assert_int_equal(link_add(l, 0, v, len, NULL), TW_OK);
        assert_int_equal(link_add(l, 0, v, len, NULL), TW_OK);
    }
    assert_int_equal(link_run(l), TW_OK);
    link_stats(l, &s);
    assert_int_equal(s.isolated, 2);
    assert_int_equal(s.records, 2 * n + 2);
    for (i = 0; i < n; i++)
        assert_int_equal(link_cluster(l, (uint32_t)i), link_cluster(l, (uint32_t)(n + i)));
    /* distinct people stay apart: exactly n + 2 persons */
    assert_int_equal(s.clusters, (size_t)n + 2);
    assert_int_not_equal(link_cluster(l, 2 * n), link_cluster(l, 2 * n + 1));
    assert_true(s.lambda > 0 && s.lambda < 0.01);
    link_free(l);
}

static void test_linker_explain(void **state)
{
    link_opts_t o;
    link_t *l;
    link_explain_t e;
    tw_buf_t b;
    (void)state;
    link_opts_default(&o);
    l = build(300, &o);
    assert_int_equal(link_run(l), TW_OK);
    /* record 7 and its copy 307: names swapped, document differs by one */
    assert_int_equal(link_explain(l, 7, 307, &e), TW_OK);
    assert_int_equal(e.n, 4);
    assert_string_equal(e.item[0].field, "given name");
    assert_string_equal(e.item[0].level, "swapped with the other name");
    assert_string_equal(e.item[2].level, "exact");
    assert_true(e.item[2].weight > 5);
    assert_true(e.total > o.threshold);
    buf_init(&b, 4096);
    assert_int_equal(link_explain_text(&e, &b), TW_OK);
    assert_non_null(strstr(buf_str(&b), "birth date exact +"));
    assert_non_null(strstr(buf_str(&b), "; prior -"));
    buf_free(&b);
    link_free(l);
}

static void test_linker_block_cap(void **state)
{
    link_opts_t o;
    link_t *l;
    link_stats_t s;
    int i;
    (void)state;
    link_opts_default(&o);
    o.block_cap = 20;
    assert_int_equal(link_new(fields4, 4, &o, &l), TW_OK);
    /* 30 different people born the same day, family names with one
     * initial: a block over the cap */
    for (i = 0; i < 30; i++) {
        char g[32], f[32], doc[16];
        const char *v[4] = {g, f, "19900101", doc};
        size_t len[4];
        snprintf(g, sizeof g, "%s", giv[i % 12]);
        snprintf(f, sizeof f, "k%s%c", fam[i % 13], 'a' + i);
        snprintf(doc, sizeof doc, "D%06d", i * 1000);
        len[0] = strlen(g);
        len[1] = strlen(f);
        len[2] = 8;
        len[3] = strlen(doc);
        assert_int_equal(link_add(l, 0, v, len, NULL), TW_OK);
    }
    assert_int_equal(link_run(l), TW_OK);
    link_stats(l, &s);
    assert_int_equal(s.blocks_capped, 1);
    assert_int_equal(s.clusters, 30);
    link_free(l);
}

static tw_err_t capped_key(void *ctx, const char *rule, const char *key, size_t size)
{
    snprintf(ctx, 128, "%s=%s:%zu", rule, key, size);
    return TW_OK;
}

static void test_linker_capped_reported(void **state)
{
    link_opts_t o;
    link_t *l;
    char got[128] = "";
    int i;
    (void)state;
    link_opts_default(&o);
    o.block_cap = 5;
    assert_int_equal(link_new(fields4, 4, &o, &l), TW_OK);
    for (i = 0; i < 6; i++) {
        char doc[16], f[32];
        const char *v[4] = {giv[i], f, "19900101", doc};
        size_t len[4] = {strlen(giv[i]), 0, 8, 0};
        snprintf(f, sizeof f, "k%s", fam[i]);
        len[1] = strlen(f);
        snprintf(doc, sizeof doc, "D%d", i);
        len[3] = strlen(doc);
        assert_int_equal(link_add(l, 0, v, len, NULL), TW_OK);
    }
    assert_int_equal(link_run(l), TW_OK);
    assert_int_equal(link_each_capped(l, capped_key, got), TW_OK);
    assert_string_equal(got, "birth date + family name initial=19900101|k:6");
    link_free(l);
}

static void test_linker_constraints(void **state)
{
    link_opts_t o;
    link_t *l;
    const int n = 300;
    (void)state;
    link_opts_default(&o);
    l = build(n, &o);
    /* a reviewer says 10 and its copy (a document typo) are different
     * people, and 4 is 5 */
    assert_int_equal(link_constrain(l, 10, (uint32_t)(n + 10), 0), TW_OK);
    assert_int_equal(link_constrain(l, 4, 5, 1), TW_OK);
    assert_int_equal(link_run(l), TW_OK);
    assert_int_not_equal(link_cluster(l, 10), link_cluster(l, (uint32_t)(n + 10)));
    assert_int_equal(link_cluster(l, 4), link_cluster(l, 5));
    link_free(l);
}

/* The chain guard: A and C are clearly two people (other birth dates,
 * other documents); a record B that resembles both (a name and a year)
 * does not join them. */
/* People who share a phone, a flat and an employer (coworkers brought by
 * one agent) but not a name are not one person, however strong the
 * shared context; a record with a name and an employer only (a report)
 * is found through the employer and joins its person. */
static void test_linker_context(void **state)
{
    static const link_field_t fl[] = {{"given name", LINK_KIND_GIVEN},
                                      {"family name", LINK_KIND_FAMILY},
                                      {"birth date", LINK_KIND_DATE},
                                      {"document", LINK_KIND_ID},
                                      {"phone", LINK_KIND_PHONE},
                                      {"address", LINK_KIND_ADDRESS},
                                      {"employer", LINK_KIND_CODE}};
    static const char *const cg[] = {"rustam", "farrukh", "dilshod", "bekzod", "jasur"};
    static const char *const cf[] = {"aliev", "karimov", "rakhimov", "usmonov", "nazarov"};
    link_opts_t o;
    link_t *l;
    uint32_t cw[5], sparse, target;
    const int n = 400;
    int i, c;
    (void)state;
    link_opts_default(&o);
    assert_int_equal(link_new(fl, 7, &o, &l), TW_OK);
    for (c = 0; c < 2; c++) {
        for (i = 0; i < n; i++) {
            char g[32], f[32], d[16], doc[16], ph[16], ad[32], em[16];
            const char *v[7] = {g, f, d, doc, ph, ad, em};
            size_t len[7];
            int k;
            person_values(i, c, g, f, d, doc);
            snprintf(ph, sizeof ph, "+3749%07d", 1000 + i * 13);
            snprintf(ad, sizeof ad, "street %d flat %d", i % 97, i);
            snprintf(em, sizeof em, "E%05d", i / 4);
            for (k = 0; k < 7; k++)
                len[k] = strlen(v[k]);
            assert_int_equal(link_add(l, 0, v, len, NULL), TW_OK);
        }
    }
    for (i = 0; i < 5; i++) {
        const char *v[7] = {cg[i], cf[i], "", "", "+37491555555", "dormitory 7 room 2",
                            "E09999"};
        size_t len[7];
        int k;
        for (k = 0; k < 7; k++)
            len[k] = strlen(v[k]);
        assert_int_equal(link_add(l, 0, v, len, &cw[i]), TW_OK);
    }
    {
        /* her permit and her border crossing (no employer there), then
         * a report: her name and her employer */
        const char *vp[7] = {"zarina", "abdulloeva", "19910304", "TJ4410021", "+37493111222",
                             "street 5 flat 9", "E07777"};
        const char *vb[7] = {"zarina", "abdulloeva", "19910304", "TJ4410021", "", "", ""};
        const char *vr[7] = {"zarina", "abdulloeva", "", "", "", "", "E07777"};
        size_t len[7];
        int k;
        for (k = 0; k < 7; k++)
            len[k] = strlen(vp[k]);
        assert_int_equal(link_add(l, 0, vp, len, &target), TW_OK);
        for (k = 0; k < 7; k++)
            len[k] = strlen(vb[k]);
        assert_int_equal(link_add(l, 0, vb, len, NULL), TW_OK);
        for (k = 0; k < 7; k++)
            len[k] = strlen(vr[k]);
        assert_int_equal(link_add(l, 0, vr, len, &sparse), TW_OK);
    }
    assert_int_equal(link_run(l), TW_OK);
    for (i = 1; i < 5; i++)
        assert_int_not_equal(link_cluster(l, cw[0]), link_cluster(l, cw[i]));
    assert_int_equal(link_cluster(l, sparse), link_cluster(l, target));
    link_free(l);
}

static void test_linker_chain_guard(void **state)
{
    link_opts_t o;
    link_t *l;
    int i;
    uint32_t a, c;
    (void)state;
    link_opts_default(&o);
    l = build(400, &o);
    {
        const char *va[4] = {"kateryna", "shevchuk", "19980312", "UA100001"};
        size_t la[4] = {8, 8, 8, 8};
        const char *vc[4] = {"kateryna", "shevchuk", "19790926", "UA999999"};
        for (i = 0; i < 2; i++)
            assert_int_equal(link_add(l, 0, va, la, i ? NULL : &a), TW_OK);
        for (i = 0; i < 2; i++)
            assert_int_equal(link_add(l, 0, vc, la, i ? NULL : &c), TW_OK);
    }
    assert_int_equal(link_run(l), TW_OK);
    assert_int_not_equal(link_cluster(l, a), link_cluster(l, c));
    link_free(l);
}

static void test_linker_linkage_and_model(void **state)
{
    link_opts_t o;
    link_t *l, *l2;
    tw_buf_t b;
    tw_errinfo_t ei;
    const int n = 400;
    int i;
    (void)state;
    link_opts_default(&o);
    o.sources = 2;
    l = build(n, &o);
    assert_int_equal(link_run(l), TW_OK);
    for (i = 0; i < n; i++)
        assert_int_equal(link_cluster(l, (uint32_t)i), link_cluster(l, (uint32_t)(n + i)));
    /* the model round-trips through its JSON form */
    buf_init(&b, 1 << 16);
    assert_int_equal(link_model_json(l, &b), TW_OK);
    l2 = build(n, &o);
    assert_int_equal(link_model_load(l2, b.p, b.len, &ei), TW_OK);
    assert_int_equal(link_run(l2), TW_OK);
    for (i = 0; i < n; i++)
        assert_int_equal(link_cluster(l2, (uint32_t)i), link_cluster(l2, (uint32_t)(n + i)));
    /* a model of other fields is refused, saying why */
    assert_int_equal(link_model_load(l2, "{\"lambda\":0.1,\"fields\":[]}", 26, &ei),
                     TW_EINPUT);
    assert_non_null(strstr(ei.msg, "fields"));
    assert_int_equal(link_model_load(l2, "not json", 8, &ei), TW_EINPUT);
    buf_free(&b);
    link_free(l);
    link_free(l2);
}

static void test_linker_bad_setup(void **state)
{
    link_opts_t o;
    link_t *l = NULL;
    link_field_t bad = {"x", (link_kind_t)99};
    (void)state;
    link_opts_default(&o);
    assert_int_equal(link_new(fields4, 0, &o, &l), TW_EINPUT);
    assert_int_equal(link_new(&bad, 1, &o, &l), TW_EINPUT);
    o.sources = 3;
    assert_int_equal(link_new(fields4, 4, &o, &l), TW_EINPUT);
    assert_null(l);
}

/* ---- files mode ---- */

static void write_file(const char *name, const char *text)
{
    char path[400];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_all(const char *name)
{
    char path[400];
    static char buf[1 << 16];
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_files_linkage(void **state)
{
    link_files_opts_t fo;
    tw_errinfo_t ei;
    char a[400], b[400], out[400], *text;
    tw_buf_t fa, fb;
    int i;
    (void)state;
    buf_init(&fa, 1 << 20);
    buf_init(&fb, 1 << 20);
    /* FEBRL's layout: ", " between fields, ids in their own column */
    buf_adds(&fa, "rec_id, given_name, surname, date_of_birth, soc_sec_id\r\n");
    buf_adds(&fb, "rec_id, given_name, surname, date_of_birth, soc_sec_id\n");
    for (i = 0; i < 300; i++) {
        char g[32], f[32], d[16], doc[16];
        person_values(i, 0, g, f, d, doc);
        buf_printf(&fa, "a%d, %s, %s, %s, %s\r\n", i, g, f, d, doc);
        person_values(i, 1, g, f, d, doc);
        buf_printf(&fb, "b%d, %s, %s, %s, %s\n", i, g, f, d, doc);
    }
    write_file("a.csv", buf_str(&fa));
    write_file("b.csv", buf_str(&fb));
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.csv", dir);
    snprintf(out, sizeof out, "%s/pairs.csv", dir);
    memset(&fo, 0, sizeof fo);
    fo.files[0] = a;
    fo.files[1] = b;
    fo.id_column = "rec_id";
    fo.spec = "given_name:given,surname:family,date_of_birth:date:YYYYMMDD,soc_sec_id:id";
    fo.out = out;
    link_opts_default(&fo.opts);
    assert_int_equal(link_files_run(&fo, &ei), TW_OK);
    text = read_all("pairs.csv");
    assert_true(strncmp(text, "left,right,weight,probability\n", 30) == 0);
    assert_non_null(strstr(text, "\na7,b7,"));
    assert_non_null(strstr(text, "\na0,b0,"));
    assert_null(strstr(text, "\na1,b2,"));
    /* exactly one pair per person */
    {
        int lines = 0;
        char *p;
        for (p = text; *p; p++)
            lines += *p == '\n';
        assert_int_equal(lines, 301);
    }
    /* bad SPEC and missing columns are named */
    fo.spec = "given_name:nonsense";
    assert_int_equal(link_files_run(&fo, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "unknown kind 'nonsense'"));
    fo.spec = "nickname:given";
    assert_int_equal(link_files_run(&fo, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "no column 'nickname'"));
    fo.spec = "date_of_birth:date:MM/DD";
    assert_int_equal(link_files_run(&fo, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "unknown date format"));
    buf_free(&fa);
    buf_free(&fb);
}

/* ---- persons across the registers ---- */

static const char permits_hdr[] =
    "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
    "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
    "worker_citizenship,employer_tin,employer_name\n";
static const char border_hdr[] =
    "crossing_id,crossed_at,direction,crossing_point,doc_no,doc_country,family_name,"
    "given_name,sex,birth_date,citizenship\n";

/* Background population so that the model has something to learn from:
 * a permit and a crossing each, and every tenth person crossing again
 * later under a renewed passport. */
static void background(tw_buf_t *p, tw_buf_t *b, int n)
{
    int i;
    buf_adds(p, permits_hdr);
    buf_adds(b, border_hdr);
    for (i = 0; i < n; i++) {
        char g[32], f[32], d[16], doc[16];
        person_values(i, 0, g, f, d, doc);
        buf_printf(p,
                   "WP-%d,2024-01-02T10:00:00,approved,%s,UKR,%s,%s,F,%.4s-%.2s-%.2s,UKR,"
                   "1234567%d,Employer LLC\n",
                   i, doc, f, g, d, d + 4, d + 6, i % 10);
        buf_printf(b, "BC-%d,2024-01-01T10:00:00,in,Zvartnots,%s,UKR,%s,%s,F,%.4s-%.2s-%.2s,UKR\n",
                   i, doc, f, g, d, d + 4, d + 6);
        if (i % 10 == 0)
            buf_printf(b,
                       "BC-R%d,2025-01-01T10:00:00,in,Zvartnots,N%s,UKR,%s,%s,F,"
                       "%.4s-%.2s-%.2s,UKR\n",
                       i, doc + 2, f, g, d, d + 4, d + 6);
    }
}

static int64_t person_of(store_t *st, const char *rec)
{
    int64_t pid = 0;
    assert_int_equal(persons_of_record(st, rec, &pid), TW_OK);
    return pid;
}

static long long count(store_t *st, const char *sql)
{
    sqlite3_stmt *s;
    long long n;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* persons_opts_t.write_lock: the comparison runs outside any transaction
 * (another connection writes, without waiting, when the lock is asked
 * for), only the writing holds the lock, and a decision that came
 * meanwhile makes the run refuse (TW_ECONFLICT) with nothing written. */
typedef struct {
    const char *db;
    int on, off, inject;
} lock_probe_t;

static void probe_lock(void *ctx, int on)
{
    lock_probe_t *lp = ctx;
    sqlite3 *d;
    if (!on) {
        lp->off++;
        return;
    }
    lp->on++;
    assert_int_equal(lp->on, lp->off + 1);
    assert_int_equal(sqlite3_open(lp->db, &d), SQLITE_OK);
    sqlite3_busy_timeout(d, 0); /* a write lock held by the run fails at once */
    assert_int_equal(sqlite3_exec(d, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS probe(x); "
                                     "INSERT INTO probe VALUES(1); COMMIT",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    if (lp->inject)
        assert_int_equal(sqlite3_exec(d,
                                      "INSERT INTO link_decision VALUES('permits:WP-1',"
                                      "'permits:WP-2','not_same','analyst1',"
                                      "'2025-01-01T00:00:00Z',NULL)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(d);
}

static void test_persons_link_holds_the_write_lock_only_to_write(void **state)
{
    char db[300];
    store_t *st;
    tw_errinfo_t ei;
    persons_opts_t po;
    tw_buf_t p, b;
    lock_probe_t lp = {NULL, 0, 0, 0};
    (void)state;
    snprintf(db, sizeof db, "%s/w.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    buf_init(&p, 1 << 20);
    buf_init(&b, 1 << 20);
    background(&p, &b, 200);
    twt_import_text(st, dir, "permits.csv", buf_str(&p));
    twt_import_text(st, dir, "border.csv", buf_str(&b));
    lp.db = db;
    persons_opts_default(&po);
    po.write_lock = probe_lock;
    po.lock_ctx = &lp;
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    assert_int_equal(lp.on, 1);
    assert_int_equal(lp.off, 1);
    assert_int_equal(count(st, "SELECT count(*) FROM probe"), 1);
    assert_int_equal(count(st, "SELECT count(*) FROM link_run"), 1);
    assert_int_equal(person_of(st, "permits:WP-1"), person_of(st, "border:BC-1"));

    /* a decision taken while the records were compared: refused, nothing
     * written, the lock given back */
    lp.inject = 1;
    po.full = 1;
    tw_errinfo_clear(&ei);
    assert_int_equal(persons_link_store(st, &po, &ei), TW_ECONFLICT);
    assert_non_null(strstr(ei.msg, "run it again"));
    assert_int_equal(lp.on, 2);
    assert_int_equal(lp.off, 2);
    assert_int_equal(count(st, "SELECT count(*) FROM link_run"), 1);
    assert_int_equal(count(st, "SELECT count(*) FROM link_decision"), 1);

    /* run again: it applies the decision */
    lp.inject = 0;
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    assert_int_equal(count(st, "SELECT count(*) FROM link_run"), 2);
    assert_int_equal(lp.on, 3);
    assert_int_equal(lp.off, 3);
    buf_free(&p);
    buf_free(&b);
    store_close(st);
}

static void test_persons_stable_ids(void **state)
{
    char db[300];
    store_t *st;
    tw_errinfo_t ei;
    persons_opts_t po;
    tw_buf_t p, b;
    int64_t p_kat, p_renewed, p_cyr;
    (void)state;
    snprintf(db, sizeof db, "%s/p.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    buf_init(&p, 1 << 20);
    buf_init(&b, 1 << 20);
    background(&p, &b, 400);
    /* Kateryna, in Cyrillic on her permit, in Latin at the border */
    buf_adds(&p, "WP-KAT,2024-02-01T10:00:00,approved,FE111222,UKR,Шевчук,Катерина,F,"
                 "1998-03-12,UKR,12345670,Employer LLC\n");
    buf_adds(&b, "BC-KAT,2024-01-20T10:00:00,in,Zvartnots,FE111222,UKR,SHEVCHUK,KATERYNA,F,"
                 "1998-03-12,UKR\n");
    twt_import_text(st, dir, "permits.csv", buf_str(&p));
    twt_import_text(st, dir, "border.csv", buf_str(&b));
    persons_opts_default(&po);
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    p_kat = person_of(st, "permits:WP-KAT");
    assert_int_equal(person_of(st, "border:BC-KAT"), p_kat);
    assert_int_equal(person_of(st, "permits:WP-1"), person_of(st, "border:BC-1"));
    assert_int_not_equal(person_of(st, "permits:WP-1"), person_of(st, "permits:WP-2"));
    assert_int_equal(count(st, "SELECT count(*) FROM person_join WHERE person_id = (SELECT "
                               "person_id FROM person_record WHERE record = 'border:BC-KAT') "
                               "AND evidence LIKE '%birth date exact +%'"),
                     1);

    /* A renewal: a crossing under a new passport, imported later */
    twt_import_text(st, dir, "border2.csv",
                    "crossing_id,crossed_at,direction,crossing_point,doc_no,doc_country,"
                    "family_name,given_name,sex,birth_date,citizenship\n"
                    "BC-KAT-2,2025-01-20T10:00:00,in,Zvartnots,FK999000,UKR,SHEVCHUK,"
                    "KATERINA,F,1998-03-12,UKR\n");
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    p_renewed = person_of(st, "border:BC-KAT-2");

    /* same names and birth date under a new document: the model joins her */
    assert_int_equal(p_renewed, p_kat);
    /* ids of everyone else did not move; the run was incremental */
    assert_int_equal(person_of(st, "permits:WP-KAT"), p_kat);
    assert_int_equal(count(st, "SELECT mode = 'incremental' FROM link_run ORDER BY id DESC"), 1);
    assert_int_equal(count(st, "SELECT new_records FROM link_run ORDER BY id DESC"), 1);

    /* A reviewer says the Cyrillic permit is not the same person as the
     * border crossings: a split, recorded, the larger part keeps the id */
    {
        sqlite3 *d = store_sqlite(st);
        assert_int_equal(sqlite3_exec(d,
                                      "INSERT INTO link_decision VALUES('border:BC-KAT',"
                                      "'permits:WP-KAT','not_same','analyst1',"
                                      "'2025-01-01T00:00:00Z',NULL);"
                                      "INSERT INTO link_decision VALUES('border:BC-KAT-2',"
                                      "'permits:WP-KAT','not_same','analyst1',"
                                      "'2025-01-01T00:00:00Z',NULL)",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    }
    po.full = 1;
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    p_cyr = person_of(st, "permits:WP-KAT");
    assert_int_equal(person_of(st, "border:BC-KAT"), p_kat);
    assert_int_equal(person_of(st, "border:BC-KAT-2"), p_kat);
    assert_int_not_equal(p_cyr, p_kat);
    assert_true(p_cyr > p_kat); /* a new id, never a reused one */
    assert_int_equal(count(st, "SELECT count(*) FROM person_event WHERE kind = 'split'"), 1);

    /* the decision is withdrawn ("unsure"): the two persons merge again,
     * the older id survives and the other is recorded as merged into it */
    assert_int_equal(sqlite3_exec(store_sqlite(st),
                                  "UPDATE link_decision SET decision = 'unsure'", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    assert_int_equal(person_of(st, "permits:WP-KAT"), p_kat);
    {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "SELECT merged_into FROM person WHERE id = %lld AND status = 'merged'",
                 (long long)p_cyr);
        assert_int_equal(count(st, sql), p_kat);
    }
    buf_free(&p);
    buf_free(&b);
    store_close(st);
}

static void test_persons_export(void **state)
{
    char db[300], path[400];
    store_t *st;
    tw_errinfo_t ei;
    persons_opts_t po;
    FILE *f;
    char *text;
    (void)state;
    snprintf(db, sizeof db, "%s/e.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    twt_import_text(st, dir, "p.csv",
                    "application_id,submitted_at,decision,worker_doc_no,worker_doc_country,"
                    "worker_family_name,worker_given_name,worker_sex,worker_birth_date,"
                    "worker_citizenship,employer_tin,employer_name\n"
                    "A-1,2024-01-02T10:00:00,approved,X1,IND,Kumar,Ravi,M,1990-01-01,IND,"
                    "12345678,E LLC\n"
                    "A-2,2024-01-02T10:00:00,approved,X1,IND,Kumar,Ravi,M,1990-01-01,IND,"
                    "12345678,E LLC\n");
    twt_import_text(st, dir, "r.csv",
                    "report_id,received_at,channel,subject_name,subject_birth_date\n"
                    "R-1,2024-03-01T10:00:00,hotline,,\n");
    persons_opts_default(&po);
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    store_close(st);
    snprintf(path, sizeof path, "%s/export.csv", dir);
    f = fopen(path, "w");
    assert_int_equal(persons_export(db, 0, f, &ei), TW_OK);
    fclose(f);
    text = read_all("export.csv");
    /* identical records are one person; a report with no name and no
     * document is a person of its own */
    assert_non_null(strstr(text, "record,person_id\n"));
    assert_non_null(strstr(text, "permits:A-1,1\npermits:A-2,1\nreports:R-1,2\n"));
    f = fopen(path, "w");
    assert_int_equal(persons_export(db, 1, f, &ei), TW_OK);
    fclose(f);
    text = read_all("export.csv");
    assert_non_null(strstr(text, "{\"record\":\"reports:R-1\",\"person_id\":2}"));
    f = fopen(path, "w");
    assert_int_equal(persons_show(db, 99, f, &ei), TW_ENOTFOUND);
    fclose(f);
}

/* The engine sees persons: a worker who changed passport between her
 * applications is one worker to rapid_transfers (three employers in a
 * year across two documents), keyed by her latest document; a report that
 * names her by name and birth date fires reports_touching_worker on it. */
static size_t count_hits(const ind_hits_t *h, const char *id, uint32_t entity)
{
    size_t i, n = 0;
    int k = ind_find(id);
    for (i = 0; i < h->n; i++)
        n += h->hits[i].indicator == (uint16_t)k && (entity == 0 || h->hits[i].entity == entity);
    return n;
}

static void test_engine_persons(void **state)
{
    char db[300];
    store_t *st;
    tw_errinfo_t ei;
    persons_opts_t po;
    tw_buf_t p, b;
    engine_t *e;
    const eng_index_t *ix;
    config_t *cfg;
    ind_hits_t h;
    int64_t w_new = 0, w_old = 0;
    (void)state;
    snprintf(db, sizeof db, "%s/eng.db", dir);
    assert_int_equal(store_open(db, &st, &ei), TW_OK);
    buf_init(&p, 1 << 20);
    buf_init(&b, 1 << 20);
    background(&p, &b, 400);
    buf_adds(&p, "WP-K1,2024-01-10T10:00:00,approved,FE111222,UKR,Шевчук,Катерина,F,"
                 "1998-03-12,UKR,22222221,Bar One LLC\n"
                 "WP-K2,2024-04-10T10:00:00,approved,FK999000,UKR,Шевчук,Катерина,F,"
                 "1998-03-12,UKR,22222222,Bar Two LLC\n"
                 "WP-K3,2024-07-10T10:00:00,approved,FK999000,UKR,Шевчук,Катерина,F,"
                 "1998-03-12,UKR,22222223,Bar Three LLC\n");
    buf_adds(&b, "BC-K1,2024-01-02T10:00:00,in,Zvartnots,FE111222,UKR,SHEVCHUK,KATERYNA,F,"
                 "1998-03-12,UKR\n");
    twt_import_text(st, dir, "permits.csv", buf_str(&p));
    twt_import_text(st, dir, "border.csv", buf_str(&b));
    twt_import_text(st, dir, "reports.csv",
                    "report_id,received_at,channel,subject_name,subject_birth_date,category\n"
                    "HL-1,2024-08-01T10:00:00,hotline,Катерина Шевчук,1998-03-12,"
                    "sexual_exploitation\n");
    assert_int_equal(config_default(&cfg), TW_OK);

    /* before linking: two documents, two workers, no hit */
    assert_int_equal(engine_load(st, &e, &ei), TW_OK);
    ind_hits_init(&h);
    assert_int_equal(ind_compute_all(engine_index(e), cfg, &h), TW_OK);
    assert_int_equal(count_hits(&h, "rapid_transfers", 0), 0);
    assert_int_equal(count_hits(&h, "reports_touching_worker", 0), 0);
    ind_hits_free(&h);
    engine_free(e);

    persons_opts_default(&po);
    assert_int_equal(persons_link_store(st, &po, &ei), TW_OK);
    assert_int_equal(person_of(st, "reports:HL-1"), person_of(st, "permits:WP-K1"));
    assert_int_equal(person_of(st, "permits:WP-K3"), person_of(st, "permits:WP-K1"));
    assert_int_equal(store_entity_find(st, ENT_WORKER, S("UKR:FK999000"), &w_new), TW_OK);
    assert_int_equal(store_entity_find(st, ENT_WORKER, S("UKR:FE111222"), &w_old), TW_OK);

    assert_int_equal(engine_load(st, &e, &ei), TW_OK);
    ix = engine_index(e);
    assert_non_null(ix->worker_rep);
    assert_int_equal(ix->worker_rep[w_old], w_new);
    ind_hits_init(&h);
    assert_int_equal(ind_compute_all(ix, cfg, &h), TW_OK);
    assert_int_equal(count_hits(&h, "rapid_transfers", (uint32_t)w_new), 1);
    assert_int_equal(count_hits(&h, "rapid_transfers", (uint32_t)w_old), 0);
    assert_int_equal(count_hits(&h, "reports_touching_worker", (uint32_t)w_new), 1);
    assert_int_equal(count_hits(&h, "reports_touching_worker", 0), 1);
    {
        /* the report is the evidence */
        size_t i;
        int k = ind_find("reports_touching_worker");
        for (i = 0; i < h.n; i++)
            if (h.hits[i].indicator == (uint16_t)k) {
                const ind_record_t *rec = &h.records[h.hits[i].rec_off];
                assert_int_equal(h.hits[i].nrecords, 1);
                assert_int_equal(rec->kind, IR_REPORT);
                assert_string_equal(eng_str(ix, ix->reports[rec->index].key), "HL-1");
            }
    }
    ind_hits_free(&h);
    engine_free(e);
    config_free(cfg);
    buf_free(&p);
    buf_free(&b);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jaro_winkler),
        cmocka_unit_test(test_one_edit),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_ids_phones),
        cmocka_unit_test(test_linker_dedup),
        cmocka_unit_test(test_linker_explain),
        cmocka_unit_test(test_linker_block_cap),
        cmocka_unit_test(test_linker_capped_reported),
        cmocka_unit_test(test_linker_constraints),
        cmocka_unit_test(test_linker_chain_guard),
        cmocka_unit_test(test_linker_context),
        cmocka_unit_test(test_linker_linkage_and_model),
        cmocka_unit_test(test_linker_bad_setup),
        cmocka_unit_test(test_files_linkage),
        cmocka_unit_test(test_persons_stable_ids),
        cmocka_unit_test(test_persons_link_holds_the_write_lock_only_to_write),
        cmocka_unit_test(test_persons_export),
        cmocka_unit_test(test_engine_persons),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
