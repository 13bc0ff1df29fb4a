/*
 * test_norm.c - the normalised forms the importer stores beside the
 * original: names, addresses, phones, document numbers (src/ingest/norm.h).
 *
 * The real examples are the point: one person written in Armenian, Cyrillic
 * and Latin script by different registers must get one form, and different
 * names must keep different forms.
 *
 * TW_BENCH=1 ./test_norm also prints ns per call (docs/internals/norm.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/norm.h"

typedef tw_err_t (*normfn_t)(norm_t *, const char *, size_t, char *, size_t, size_t *);

static int setup(void **state)
{
    norm_t *n = NULL;
    if (norm_open(&n) != TW_OK)
        return -1;
    *state = n;
    return 0;
}

static int teardown(void **state)
{
    norm_close(*state);
    return 0;
}

/* Runs fn and returns its result in a static buffer (one at a time). */
static const char *run(norm_t *n, normfn_t fn, const char *in, tw_err_t want_err)
{
    static char out[512];
    size_t len = 12345;
    tw_err_t err = fn(n, in, strlen(in), out, sizeof(out), &len);
    if (err != want_err)
        fail_msg("\"%s\": got %s, want %s", in, tw_strerror(err), tw_strerror(want_err));
    assert_int_equal(len, strlen(out));
    return out;
}

static void check_name(norm_t *n, const char *in, const char *want)
{
    const char *got = run(n, norm_name, in, TW_OK);
    if (strcmp(got, want) != 0)
        fail_msg("name \"%s\": got \"%s\", want \"%s\"", in, got, want);
}

static void check_addr(norm_t *n, const char *in, const char *want)
{
    const char *got = run(n, norm_address, in, TW_OK);
    if (strcmp(got, want) != 0)
        fail_msg("address \"%s\": got \"%s\", want \"%s\"", in, got, want);
}

/* Every spelling in a NULL-terminated group normalises to `want`. */
static void check_group(norm_t *n, normfn_t fn, const char *want, const char *const *group)
{
    for (; *group; group++) {
        const char *got = run(n, fn, *group, TW_OK);
        if (strcmp(got, want) != 0)
            fail_msg("\"%s\": got \"%s\", want \"%s\"", *group, got, want);
    }
}

static void check_differ(norm_t *n, const char *a, const char *b)
{
    char first[512];
    snprintf(first, sizeof(first), "%s", run(n, norm_name, a, TW_OK));
    if (strcmp(first, run(n, norm_name, b, TW_OK)) == 0)
        fail_msg("\"%s\" and \"%s\" must stay different, both gave \"%s\"", a, b, first);
}

/* ------------------------------------------------------------------ names */

static void test_name_armenian_cyrillic_latin(void **state)
{
    norm_t *n = *state;
    static const char *const hovhannes[] = {"Հովհաննես", "ՀՈՎՀԱՆՆԵՍ", "Оганес", "Ованес",
                                            "Ohannes",   "Hovhannes", "Hovannes",
                                            "HOVANES",   "ovanes",    NULL};
    static const char *const petrosyan[] = {"Պետրոսյան", "Петросян", "Petrosyan",
                                            "Petrosian", "PETROSJAN", NULL};
    static const char *const kocharyan[] = {"Քոչարյան", "Кочарян", "Kocharyan",
                                            "Kocharian", "K'ocharyan", NULL};
    static const char *const hovhannisyan[] = {"Հովհաննիսյան", "Оганесян", "Ованесян",
                                               "Hovhannisyan", "Hovannisian", NULL};
    static const char *const gevorgyan[] = {"Գևորգյան", "Գեւորգյան", "Геворгян",
                                            "Геворкян", "Gevorgyan", "Kevorkian", NULL};
    static const char *const hakobyan[] = {"Հակոբյան", "Акопян", "Hakobyan", "Hagopian",
                                           NULL};

    check_name(n, "Հովհաննես Պետրոսյան", "hovhannes petrosyan");
    check_name(n, "Григорий Петросян", "grigor petrosyan");
    check_name(n, "Ованес", "hovhannes");
    check_group(n, norm_name, "hovhannes", hovhannes);
    check_group(n, norm_name, "petrosyan", petrosyan);
    /* BGN alone gives k'voch'aryan: the rule in front of it fixes that */
    check_group(n, norm_name, "kocharyan", kocharyan);
    check_group(n, norm_name, "hovhannisyan", hovhannisyan);
    check_group(n, norm_name, "gevorgyan", gevorgyan);
    check_group(n, norm_name, "hakobyan", hakobyan);
    /* ռ is r, as in passports (BGN alone: rr) */
    check_name(n, "Ռուբեն", "ruben");
    check_name(n, "Рубен", "ruben");
    check_name(n, "Երևան", "erevan"); /* ye- -> e- as for Yelena */
    check_name(n, "Խաչատրյան Մկրտչյան Ղազարյան", "khachatryan mkrtchyan ghazaryan");
    check_name(n, "Եղիազարյան", "eghiazaryan");
    check_name(n, "Yeghiazaryan", "eghiazaryan");
    check_name(n, "Ոսկանյան", "voskanyan");
    check_name(n, "Ծատուրյան Ժիրայր", "tsaturyan zhirayr");
    check_name(n, "Թադևոսյան", "tadevosyan");
}

static void test_name_russian_passport_and_bgn(void **state)
{
    norm_t *n = *state;
    /* BGN (what ICU makes of Cyrillic), the ICAO passport scheme, and the
     * usual Latin spellings of the same Russian names */
    static const char *const yulia[] = {"Юлия", "Yuliya", "Iuliia", "Yulia", NULL};
    static const char *const natalia[] = {"Наталья", "Наталия", "Natalya", "Nataliya",
                                          "Natalia", "Nataliia", NULL};
    static const char *const elena[] = {"Елена", "Yelena", "Elena", "Олена", NULL};
    static const char *const dmitry[] = {"Дмитрий", "Dmitrii", "Dmitriy", "Dmitry",
                                         "Dmitri", "Дмитро", NULL};
    static const char *const yury[] = {"Юрий", "Iurii", "Yuriy", "Yuri", "Yury", "Юрій",
                                       NULL};
    static const char *const sergey[] = {"Сергей", "Sergei", "Sergey", "Sergej", "Сергій",
                                         "Serhii", "Serhiy", NULL};
    static const char *const aleksandr[] = {"Александр", "Aleksandr", "Alexander",
                                            "Alexandr", "Олександр", "Oleksandr", NULL};
    static const char *const evgeny[] = {"Евгений", "Yevgeniy", "Evgenii", "Evgeny",
                                         "Yevgeny", "Євген", NULL};
    static const char *const grigor[] = {"Григорий", "Grigoriy", "Grigorii", "Grigory",
                                         "Գրիգոր", "Grigor", NULL};
    static const char *const grigorev[] = {"Григорьев", "Grigoryev", "Grigoriev",
                                           "Grigorev", NULL};
    static const char *const ivanov[] = {"Иванов", "Ivanov", "IVANOFF", NULL};
    static const char *const vishnevski[] = {"Вишневский", "Vishnevskiy", "Vishnevskii",
                                             "Vishnevsky", NULL};
    static const char *const tatiana[] = {"Татьяна", "Tatyana", "Tatiana", "Тетяна",
                                          "Tetiana", NULL};
    static const char *const ekaterina[] = {"Екатерина", "Yekaterina", "Ekaterina", NULL};
    static const char *const nikolay[] = {"Николай", "Nikolai", "Nikolay", "Микола", NULL};
    static const char *const aliev[] = {"Алиев", "Aliyev", "Aliev", NULL};

    check_group(n, norm_name, "yulia", yulia);
    check_group(n, norm_name, "natalia", natalia);
    check_group(n, norm_name, "elena", elena);
    check_group(n, norm_name, "dmitry", dmitry);
    check_group(n, norm_name, "yury", yury);
    check_group(n, norm_name, "sergey", sergey);
    check_group(n, norm_name, "aleksandr", aleksandr);
    check_group(n, norm_name, "evgeny", evgeny);
    check_group(n, norm_name, "grigor", grigor);
    check_group(n, norm_name, "grigorev", grigorev);
    check_group(n, norm_name, "ivanov", ivanov);
    check_group(n, norm_name, "vishnevski", vishnevski);
    check_group(n, norm_name, "tatiana", tatiana);
    check_group(n, norm_name, "ekaterina", ekaterina);
    check_group(n, norm_name, "nikolay", nikolay);
    check_group(n, norm_name, "alev", aliev);
    check_name(n, "Пётр Щукин", "petr shchukin");
    check_name(n, "Иван Ильич", "ivan ilich");
}

static void test_name_other_scripts(void **state)
{
    norm_t *n = *state;
    static const char *const mohammed[] = {"Muhammad", "Mohammad", "Mohamed", "MUHAMMED",
                                           "Mukhammad", "Мухаммад", "محمد", NULL};
    static const char *const hossein[] = {"Hossein", "Hussein", "Husain", "Гусейн", "حسین",
                                          NULL};

    check_group(n, norm_name, "mohammed", mohammed);
    check_group(n, norm_name, "hossein", hossein);
    check_name(n, "Müller", "muller");
    check_name(n, "ŞAHİN", "sahin");
    check_name(n, "Şahin", "sahin");
    check_name(n, "Łukasz Wójcik", "lukasz wojcik");
    check_name(n, "Straße", "strasse");
    check_name(n, "Ελένη", "elene");
    /* Georgian through Any-Latin */
    check_name(n, "ქეთევან გიორგაძე", "ketevan giorgadze");
    /* Ukrainian: г is h, и is y */
    check_name(n, "Ігор Шевченко", "igor shevchenko");
    check_name(n, "Олег", "oleg");
    check_name(n, "Fatma", "fatima");
    check_name(n, "Maryam", "mariam");
    check_name(n, "Arthur", "artur");
}

static void test_name_distinct_names_stay_distinct(void **state)
{
    norm_t *n = *state;
    /* equivalents in another language are the linker's call, not a spelling */
    check_differ(n, "Mikhail", "Michael");
    check_differ(n, "Hakob", "Яков");
    check_differ(n, "Gevorg", "Георгий");
    check_differ(n, "Mariam", "Miriam");
    check_differ(n, "Mariam", "Мария");
    check_differ(n, "Anna", "Hanna");
    check_differ(n, "Khachatryan", "Khachaturyan");
    check_differ(n, "Hovhannes", "Hovhannisyan");
    check_differ(n, "Ivanov", "Ivanova");
}

static void test_name_shape(void **state)
{
    norm_t *n = *state;

    check_name(n, "  HOVHANNES    PETROSYAN  ", "hovhannes petrosyan");
    check_name(n, "Ter-Petrosyan", "ter petrosyan");
    check_name(n, "Տեր-Պետրոսյան", "ter petrosyan");
    check_name(n, "Тер-Петросян", "ter petrosyan");
    check_name(n, "Petrosyan,Armen", "petrosyan armen");
    check_name(n, "Petrosyan\tArmen\r\n", "petrosyan armen");
    check_name(n, "«Петросян»", "petrosyan");
    check_name(n, "Петросян\xc2\xa0Армен", "petrosyan armen"); /* no-break space */
    check_name(n, "Петросян—Армен", "petrosyan armen");        /* em dash */
    check_name(n, "Anna-Maria 2nd", "anna maria 2nd");
    /* apostrophes and modifier letters vanish without splitting the word */
    check_name(n, "Ilʹich", "ilich");
    check_name(n, "Il'ich", "ilich");
    check_name(n, "Ilʼich", "ilich");
    check_name(n, "O'Brien", "obrien");
    check_name(n, "O’Brien", "obrien");
    check_name(n, "p'ogh'ots'", "poghots");
    check_name(n, "Объедков", "obyedkov"); /* ъ (BGN ʺ) is deleted */
    /* combining marks and fullwidth forms reach the same form as ASCII */
    check_name(n, "Mu\xcc\x88ller", "muller");
    check_name(n, "Ｐｅｔｒｏｓｙａｎ", "petrosyan");
    check_name(n, "Petro\xc2\xadsyan", "petrosyan"); /* soft hyphen */
    check_name(n, "", "");
    check_name(n, " - , . ", "");
    check_name(n, "“”", "");
}

static void test_name_errors(void **state)
{
    norm_t *n = *state;
    static const char *const bad[] = {
        "Pet\xd0",             /* truncated */
        "\xc0\xaf",            /* overlong '/' */
        "\xe0\x80\xaf",        /* overlong */
        "\xed\xa0\x80",        /* surrogate U+D800 */
        "\xf4\x90\x80\x80",    /* above U+10FFFF */
        "\x80 Armen",          /* lone continuation byte */
        "Armen \xff",
        "Петросян \xd0\xd0",
        NULL,
    };
    char out[64];
    size_t len = 99;
    size_t i;

    for (i = 0; bad[i]; i++) {
        memset(out, 'x', sizeof(out));
        assert_int_equal(norm_name(n, bad[i], strlen(bad[i]), out, sizeof(out), &len),
                         TW_EINPUT);
        assert_string_equal(out, "");
        assert_int_equal(len, 0);
        assert_int_equal(norm_address(n, bad[i], strlen(bad[i]), out, sizeof(out), NULL),
                         TW_EINPUT);
        assert_string_equal(out, "");
    }
    /* a bad byte after good words is still found, even when a cached chunk
     * came first */
    assert_int_equal(norm_name(n, "Петросян Петросян\xc3", 34, out, sizeof(out), NULL),
                     TW_EINPUT);

    /* exactly fits / one byte short / nothing */
    assert_int_equal(norm_name(n, "Petrosyan Armen", 15, out, 16, &len), TW_OK);
    assert_string_equal(out, "petrosyan armen");
    assert_int_equal(norm_name(n, "Petrosyan Armen", 15, out, 15, &len), TW_ETOOBIG);
    assert_string_equal(out, "");
    assert_int_equal(len, 0);
    assert_int_equal(norm_name(n, "Петросян", strlen("Петросян"), out, 9, &len), TW_ETOOBIG);
    assert_int_equal(norm_name(n, "Петросян", strlen("Петросян"), out, 10, &len), TW_OK);
    assert_string_equal(out, "petrosyan");
    assert_int_equal(norm_name(n, "Oganes", 6, out, 9, &len), TW_ETOOBIG); /* hovhannes */
    assert_int_equal(norm_name(n, "", 0, out, 0, &len), TW_ETOOBIG);
    assert_int_equal(norm_name(n, "", 0, out, 1, &len), TW_OK);
    assert_string_equal(out, "");
    /* invalid input wins over a small buffer */
    assert_int_equal(norm_name(n, "Petrosyan\xff", 10, out, 2, NULL), TW_EINPUT);
    /* `in` need not be NUL-terminated; embedded NUL is a separator */
    assert_int_equal(norm_name(n, "Armenxyz", 5, out, sizeof(out), NULL), TW_OK);
    assert_string_equal(out, "armen");
    assert_int_equal(norm_name(n, "Ann\0Lee", 7, out, sizeof(out), NULL), TW_OK);
    assert_string_equal(out, "ann lee");

    /* more than 1 MiB of name is refused, whatever the buffer */
    {
        size_t big = (1u << 20) + 1;
        char *huge = malloc(big), *hout = malloc(big + 1);
        assert_non_null(huge);
        assert_non_null(hout);
        memset(huge, 'a', big);
        assert_int_equal(norm_name(n, huge, big, hout, big + 1, NULL), TW_ETOOBIG);
        assert_int_equal(norm_name(n, huge, big - 1, hout, big + 1, &len), TW_OK);
        assert_int_equal(len, big - 1);
        free(huge);
        free(hout);
    }
}

/* Transliterating word by word (what the cache does) gives what the whole
 * string gives, and the cached answer equals the first one. */
static void test_name_word_by_word(void **state)
{
    norm_t *n = *state, *fresh = NULL;
    static const char *const inputs[] = {
        "Հովհաննես Պետրոսյան Երևանցի",  "Елена Евгеньевна Ёлкина",
        "Юрий Ерёмин",                  "Ерванд Ոսկանյան",
        "Քոչարյան Քոչար",               "Сергій Євгенович Їжаченко",
        "ქეთევან გიორგაძე",             "Müller Şahin Øre",
        "Ованес Ter-Петросян",          "Ալեքսանդր Ալեքսանդրի",
    };
    char whole[512], joined[512], word[256], again[512];
    size_t i;

    assert_int_equal(norm_open(&fresh), TW_OK);
    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        const char *p = inputs[i], *q;
        size_t jl = 0;

        /* a fresh norm_t: nothing cached */
        assert_int_equal(norm_name(fresh, p, strlen(p), whole, sizeof(whole), NULL), TW_OK);
        joined[0] = '\0';
        while (*p) {
            size_t wl;
            for (q = p; *q && *q != ' '; q++)
                ;
            assert_int_equal(norm_name(n, p, (size_t)(q - p), word, sizeof(word), &wl),
                             TW_OK);
            if (wl) {
                jl += (size_t)snprintf(joined + jl, sizeof(joined) - jl, "%s%s",
                                       jl ? " " : "", word);
            }
            p = *q ? q + 1 : q;
        }
        assert_string_equal(whole, joined);
        /* cached now */
        assert_int_equal(norm_name(n, inputs[i], strlen(inputs[i]), again, sizeof(again),
                                   NULL),
                         TW_OK);
        assert_string_equal(whole, again);
    }
    norm_close(fresh);
}

/* The normalised form of a normalised form is itself. */
static void test_name_idempotent(void **state)
{
    norm_t *n = *state;
    static const char *const inputs[] = {
        "Hovhannes Petrosian", "Оганесян",   "Grigoriy Grigoryev", "Iuliia Aliyeva",
        "Ivanoff Vishnevskii", "Natalya",    "Yevgeniy",           "Serhii",
        "Kovalskaya",          "Mukhammad",  "Юрий",               "Ohanian",
        "Sergeeva",            "Andrei",     "Ekaterina",          "Iakov",
    };
    char first[256], second[256];
    size_t i;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        assert_int_equal(norm_name(n, inputs[i], strlen(inputs[i]), first, sizeof(first),
                                   NULL),
                         TW_OK);
        assert_int_equal(norm_name(n, first, strlen(first), second, sizeof(second), NULL),
                         TW_OK);
        assert_string_equal(first, second);
    }
}

/* -------------------------------------------------------------- addresses */

/* The normalised form of a normalised address is itself. */
static void test_address_idempotent(void **state)
{
    norm_t *n = *state;
    static const char *const inputs[] = {
        "г. Ереван, пр. Комитаса 12, кв. 5",      "ք. Երևան, Կոմիտասի պող. 12, բն. 5",
        "Котайкская обл., ул. Ленина 3",          "Malatia-Sebastia, Stra 4",
        "Yerevan, 12 Komitas Avenue",             "ул. Абовяна, 5 к. 2",
        "Ереван, Арабкирский р-н, Комитаса 12/3", "Komitas ave., Yerevan",
        "0010 Yerevan Komitas ave 12",            "Yerevan, Tumanyan st. 5, apt. 12",
    };
    char first[256], second[256];
    size_t i;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        assert_int_equal(norm_address(n, inputs[i], strlen(inputs[i]), first,
                                      sizeof(first), NULL),
                         TW_OK);
        assert_int_equal(norm_address(n, first, strlen(first), second, sizeof(second),
                                      NULL),
                         TW_OK);
        assert_string_equal(first, second);
    }
}

static void test_address_same_place(void **state)
{
    norm_t *n = *state;
    static const char *const komitas[] = {
        "Yerevan, Komitas ave. 12, apt 5",
        "ք. Երևան, Կոմիտասի պող. 12, բն. 5",
        "ք.Երևան, Կոմիտասի պողոտա 12, բնակարան 5",
        "г. Ереван, пр. Комитаса 12, кв. 5",
        "г.Ереван, пр-т Комитаса, д.12, кв.5",
        "YEREVAN KOMITAS AVENUE 12 FLAT 5",
        "Yerevan, 12 Komitas Avenue, Apartment 5",
        "Erevan, Komitasi poghota 12, bn. 5",
        "Republic of Armenia, Yerevan, Komitas Ave, house 12, apt. 5",
        NULL,
    };
    static const char *const tumanyan[] = {
        "г. Ереван, ул. Туманяна, д. 5, кв. 12",
        "Yerevan, Tumanyan st. 5, apt. 12",
        "Yerevan, Tumanyan Street 5, Flat 12",
        "ք. Երևան, Թումանյան փ., տ. 5, բն. 12",
        "Երևան, Թումանյան փողոց 5, բն. 12",
        "Erevan, Tumanyan poxoc 5 bnakaran 12",
        NULL,
    };
    static const char *const arabkir[] = {
        "Ереван, Арабкирский р-н, Комитаса 12/3",
        "Yerevan, Arabkir district, Komitas 12-3",
        "Երևան, Արաբկիր թաղամաս, Կոմիտասի 12/3",
        NULL,
    };
    static const char *const mashtots[] = {
        "г. Ереван, пр-т Маштоца, д.12а, кв.7",
        "Yerevan, Mashtots ave. 12a, apt 7",
        "Yerevan, Mashtots ave. 12 A, apt 7",
        "ք. Երևան, Մաշտոցի պող. 12ա, բն. 7",
        NULL,
    };
    static const char *const abovyan[] = {
        "Котайкская обл., г. Абовян, ул. Ленина 3, корп. 2",
        "Kotayk marz, Abovyan, Lenin st. 3, bld 2",
        "Կոտայքի մարզ, ք. Աբովյան, Լենինի փ. 3, շ. 2",
        "Kotayk region, Abovyan city, Lenin street 3, building 2",
        NULL,
    };

    check_group(n, norm_address, "komitas ave 12 apt 5", komitas);
    check_group(n, norm_address, "tumanyan st 5 apt 12", tumanyan);
    check_group(n, norm_address, "arabkir dist komitas 12 3", arabkir);
    check_group(n, norm_address, "mashtots ave 12a apt 7", mashtots);
    check_group(n, norm_address, "kotayk marz abovyan lenin st 3 bld 2", abovyan);
}

static void test_address_details(void **state)
{
    norm_t *n = *state;
    char out[8];

    check_addr(n, "0010, Yerevan", "0010");
    check_addr(n, "Gyumri, Shirak marz", "gyumr");
    check_addr(n, "ՀՀ, Գյումրի, Շիրակի մարզ", "gyumr");
    check_addr(n, "ул. Абовяна, 5 к. 2", "abovyan st 5 bld 2");
    /* k without a number is ք. (city), not корпус */
    check_addr(n, "k. Vanadzor", "vanadzor");
    check_addr(n, "Echmiadzin", "ejmiatsin");
    /* genitive endings: Armenian -i, Russian -a and -y */
    check_addr(n, "ул. Саят-Новы 3", "sayat nov st 3");
    check_addr(n, "Sayat-Nova st. 3", "sayat nov st 3");
    check_addr(n, "Սայաթ-Նովայի պող. 3", "sayat nov ave 3");
    check_addr(n, "Малатия-Себастия", "malat sebast");
    check_addr(n, "Malatia-Sebastia", "malat sebast");
    check_addr(n, "Էջմիածին", "ejmiatsin");
    /* a street type followed by a name moves after it only within its
     * segment: "Komitas ave., Yerevan" keeps its order */
    check_addr(n, "Komitas ave., Yerevan", "komitas ave");
    /* a type after a word closes that word's name; without the commas the
     * Russian order was read that way too, until the city was dropped */
    check_addr(n, "Ереван, ул. Туманяна 5", "tumanyan st 5");
    check_addr(n, "Ереван ул. Туманяна 5", "tumanyan st 5");
    check_addr(n, "0010 Yerevan Komitas ave 12", "0010 komitas ave 12");
    check_addr(n, "Komitas 12, ул. Туманяна 5", "komitas 12 tumanyan st 5");
    /* Yerevan is its own region: named or not, one address (issue 18:
     * "hovsep emin st 51" and "hovsep emin st 51 yerevan" were two) */
    check_addr(n, "Hovsep Emin st 51, Yerevan", "hovsep emin st 51");
    check_addr(n, "hovsep emin st 51 yerevan", "hovsep emin st 51");
    check_addr(n, "Hovsep Emin st 51", "hovsep emin st 51");
    check_addr(n, "ք. Երևան, Հովսեփ Էմինի փ. 51", "hovsep emin st 51");
    /* other cities stay, in front when they are a region's seat: they tell
     * apart streets of the same name */
    check_addr(n, "Abovyan st 5, Gyumri", "gyumr abovyan st 5");
    check_addr(n, "Yerevanyan st 71, Gyumri", "gyumr yerevanyan st 71");
    check_addr(n, "Abovyan st 5, Artik", "abovyan st 5 artik");
    check_addr(n, "", "");
    check_addr(n, ", , ;", "");
    assert_int_equal(norm_address(n, "Yerevan, Komitas 12", 19, out, sizeof(out), NULL),
                     TW_ETOOBIG);
    assert_string_equal(out, "");
}

/* The seat of every region of Armenia, in Latin, Cyrillic and Armenian
 * script: an address known to be in the region is one address whether it
 * names the seat (first or last, any script) or not, and "<region> marz" is
 * dropped; the same street and number in another region's seat stays
 * another address (issue 18). */
static const char *addr_in(norm_t *n, const char *in, const char *region)
{
    static char out[1024];
    size_t len = 0;
    tw_err_t err = norm_address_in(n, in, strlen(in), region, out, sizeof(out), &len);
    if (err != TW_OK)
        fail_msg("address \"%s\" in %s: error %d", in, region ? region : "(none)", (int)err);
    assert_int_equal(len, strlen(out));
    return out;
}

static void test_address_region_seats(void **state)
{
    norm_t *n = *state;
    static const struct {
        const char *region, *lat, *cyr, *arm, *marz, *want;
    } seats[] = {
        {"AM-AG", "Ashtarak", "Аштарак", "Աշտարակ", "Aragatsotn marz", "ashtarak abovyan st 5"},
        {"AM-AR", "Artashat", "Арташат", "Արտաշատ", "Արարատի մարզ", "artashat abovyan st 5"},
        {"AM-AV", "Armavir", "Армавир", "Արմավիր", "Армавирская область", "armavir abovyan st 5"},
        {"AM-GR", "Gavar", "Гавар", "Գավառ", "Gegharkunik marz", "gavar abovyan st 5"},
        {"AM-KT", "Hrazdan", "Раздан", "Հրազդան", "Котайкская обл.", "hrazdan abovyan st 5"},
        {"AM-LO", "Vanadzor", "Ванадзор", "Վանաձոր", "Lori marz", "vanadzor abovyan st 5"},
        {"AM-SH", "Gyumri", "Гюмри", "Գյումրի", "Շիրակի մարզ", "gyumr abovyan st 5"},
        {"AM-SU", "Kapan", "Капан", "Կապան", "Syunik marz", "kapan abovyan st 5"},
        {"AM-TV", "Ijevan", "Иджеван", "Իջևան", "Тавушская обл.", "ijevan abovyan st 5"},
        {"AM-VD", "Yeghegnadzor", "Егегнадзор", "Եղեգնաձոր", "Վայոց Ձորի մարզ",
         "yeghegnadzor abovyan st 5"},
        {"AM-ER", "Yerevan", "Ереван", "Երևան", "Yerevan", "abovyan st 5"},
    };
    size_t i, j;
    char buf[256], first[11][64];

    for (i = 0; i < sizeof(seats) / sizeof(seats[0]); i++) {
        const char *city[3] = {seats[i].lat, seats[i].cyr, seats[i].arm};
        const char *want = seats[i].want, *got;
        for (j = 0; j < 3; j++) {
            snprintf(buf, sizeof(buf), "%s, Abovyan st. 5", city[j]);
            if (strcmp((got = addr_in(n, buf, seats[i].region)), want) != 0)
                fail_msg("%s \"%s\": got \"%s\", want \"%s\"", seats[i].region, buf, got, want);
            snprintf(buf, sizeof(buf), "Abovyan st 5, %s", city[j]);
            if (strcmp((got = addr_in(n, buf, seats[i].region)), want) != 0)
                fail_msg("%s \"%s\": got \"%s\", want \"%s\"", seats[i].region, buf, got, want);
            snprintf(buf, sizeof(buf), "%s, %s, ул. Абовяна 5", seats[i].marz, city[j]);
            if (strcmp((got = addr_in(n, buf, seats[i].region)), want) != 0)
                fail_msg("%s \"%s\": got \"%s\", want \"%s\"", seats[i].region, buf, got, want);
        }
        /* the seat left out: the same address */
        if (strcmp((got = addr_in(n, "Աբովյան փ. 5", seats[i].region)), want) != 0)
            fail_msg("%s without the city: got \"%s\", want \"%s\"", seats[i].region, got, want);
        snprintf(first[i], sizeof(first[i]), "%s", want);
    }
    /* eleven regions, eleven addresses: the seat tells them apart */
    for (i = 0; i < 11; i++)
        for (j = i + 1; j < 11; j++)
            assert_string_not_equal(first[i], first[j]);
    /* another town or village of the region stays as it is written: the
     * seat is not put in front of it, so a row without its region is the
     * same address */
    assert_string_equal(addr_in(n, "Artik, Abovyan 5", "AM-SH"), "artik abovyan 5");
    assert_string_equal(addr_in(n, "Artik, Abovyan 5", NULL), "artik abovyan 5");
    assert_string_equal(addr_in(n, "Abovyan st 5, Vagharshapat", "AM-AV"),
                        "abovyan st 5 vagharshapat");
    /* a street named after the seat is a street */
    assert_string_equal(addr_in(n, "Gyumri st 7, Gyumri", "AM-SH"), "gyumr gyumr st 7");
    /* another region's seat is another place: left as written */
    assert_string_equal(addr_in(n, "Abovyan st 5, Gyumri", "AM-LO"), "abovyan st 5 gyumr");
    /* no region (or a code that is none): the seat it names says it, so a
     * report's address and a permit's are one */
    assert_string_equal(addr_in(n, "Abovyan st 5, Gyumri", NULL), "gyumr abovyan st 5");
    assert_string_equal(addr_in(n, "Abovyan st 5, Гюмри", "XX-YY"), "gyumr abovyan st 5");
    assert_string_equal(addr_in(n, "Abovyan st 5", NULL), "abovyan st 5");
    /* nothing comparable stays nothing */
    assert_string_equal(addr_in(n, ", ;", "AM-SH"), "");
    /* idempotent with the region */
    assert_string_equal(addr_in(n, "gyumr abovyan st 5", "AM-SH"), "gyumr abovyan st 5");
    {
        char small[16]; /* "abovyan 5" fits, with its seat in front it does not */
        assert_int_equal(norm_address_in(n, "Abovyan 5", 9, "AM-VD", small, sizeof(small), NULL),
                         TW_ETOOBIG);
        assert_string_equal(small, "");
    }
}

/* ----------------------------------------------------------------- phones */

static tw_err_t phone(norm_t *n, const char *in, size_t len, char *out, size_t cap,
                      size_t *outlen)
{
    (void)n;
    return norm_phone(in, len, out, cap, outlen);
}

static tw_err_t docno(norm_t *n, const char *in, size_t len, char *out, size_t cap,
                      size_t *outlen)
{
    (void)n;
    return norm_docno(in, len, out, cap, outlen);
}

static void check_phone(const char *in, const char *want)
{
    const char *got = run(NULL, phone, in, TW_OK);
    if (strcmp(got, want) != 0)
        fail_msg("phone \"%s\": got \"%s\", want \"%s\"", in, got, want);
}

static void test_phone(void **state)
{
    static const char *const bad[] = {
        "12345",          /* too short for anything */
        "0912345",        /* 0 + 6 digits */
        "01234567",       /* 8 digits starting with 0 */
        "1234567890",     /* 10 digits: no national rule */
        "80912345678",    /* 8 0XX is not a thing */
        "+374 91 23456",  /* +374 needs 8 more digits */
        "+374 91 2345678",
        "+7 916 123 45 6",
        "+1234567",       /* 7 digits */
        "+1234567890123456",
        "+0123456789",
        "91 23 45 67 +",  /* + after digits */
        "++37491234567",
        "091-234-567 ext 2",
        "tel. 091234567",
        "+",
        "091\xff" "234567",
        NULL,
    };
    char out[32];
    size_t len, i;
    (void)state;

    /* international */
    check_phone("+37491234567", "+37491234567");
    check_phone("+374 91 234567", "+37491234567");
    check_phone("(+374) 91-23-45-67", "+37491234567");
    check_phone("+374 (0) 91 234567", "+37491234567");
    check_phone("+374 091 234567", "+37491234567");
    check_phone("0037491234567", "+37491234567");
    check_phone("00 7 916 123-45-67", "+79161234567");
    check_phone("+7 (916) 123-45-67", "+79161234567");
    check_phone("+91 98765 43210", "+919876543210");
    check_phone("+98 912 345 6789", "+989123456789");
    check_phone("+44 (0) 20 7946 0958", "+442079460958");
    /* Armenian national forms */
    check_phone("091 234567", "+37491234567");
    check_phone("091-23-45-67", "+37491234567");
    check_phone("(091) 23.45.67", "+37491234567");
    check_phone("010 123456", "+37410123456");
    check_phone("37491234567", "+37491234567");
    check_phone("91234567", "+37491234567");
    check_phone("91 23 45 67", "+37491234567");
    check_phone("091/234567", "+37491234567");
    check_phone("091\xc2\xa0" "234\xe2\x80\x93" "567", "+37491234567"); /* nbsp, en dash */
    /* Russian 8 9xx */
    check_phone("8 916 123-45-67", "+79161234567");
    check_phone("8(916)1234567", "+79161234567");
    /* nothing to read */
    check_phone("", "");
    check_phone("  ", "");

    for (i = 0; bad[i]; i++) {
        const char *got = run(NULL, phone, bad[i], TW_EINPUT);
        if (*got)
            fail_msg("phone \"%s\": want \"\" on error, got \"%s\"", bad[i], got);
    }
    assert_int_equal(norm_phone("091234567", 9, out, 13, &len), TW_OK);
    assert_string_equal(out, "+37491234567");
    assert_int_equal(norm_phone("091234567", 9, out, 12, &len), TW_ETOOBIG);
    assert_string_equal(out, "");
    assert_int_equal(norm_phone("091234567", 9, out, 0, NULL), TW_ETOOBIG);
}

/* ------------------------------------------------------- document numbers */

static void check_docno(const char *in, const char *want)
{
    const char *got = run(NULL, docno, in, TW_OK);
    if (strcmp(got, want) != 0)
        fail_msg("docno \"%s\": got \"%s\", want \"%s\"", in, got, want);
}

static void test_docno(void **state)
{
    static const char *const bad[] = {
        "",  " - ", "AN#1234567", "AN_1234567", "Ա1234567", "ДП1234567", "AN 12\xff",
        "N°123", "AB,123", NULL,
    };
    char out[16];
    size_t i;
    (void)state;

    check_docno("AN1234567", "AN1234567");
    check_docno("an 1234567", "AN1234567");
    check_docno("AN-123.45/67", "AN1234567");
    check_docno(" P 123 456 ", "P123456");
    /* Cyrillic look-alikes, both cases: АР typed on a Russian keyboard */
    check_docno("АР1234567", "AP1234567");
    check_docno("ар 1234567", "AP1234567");
    check_docno("ВЕКМНОРСТУХ", "BEKMHOPCTYX");
    check_docno("АN\xc2\xa0" "1234567", "AN1234567");
    check_docno("І123", "I123");
    for (i = 0; bad[i]; i++)
        run(NULL, docno, bad[i], TW_EINPUT);
    assert_int_equal(norm_docno("AN1234567", 9, out, 10, NULL), TW_OK);
    assert_int_equal(norm_docno("AN1234567", 9, out, 9, NULL), TW_ETOOBIG);
    assert_string_equal(out, "");
    /* a bad character after the buffer is full is still a bad input */
    assert_int_equal(norm_docno("AN1234567#", 10, out, 4, NULL), TW_EINPUT);
}

/* ------------------------------------------------------------------ UTF-8 */

static void test_utf8_valid(void **state)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"", 1},
        {"plain ASCII, long enough to take the eight-byte path", 1},
        {"Петросян Հովհաննես ქეთევან", 1},
        {"\xc2\x80", 1},             /* U+0080 */
        {"\xdf\xbf", 1},             /* U+07FF */
        {"\xe0\xa0\x80", 1},         /* U+0800 */
        {"\xed\x9f\xbf", 1},         /* U+D7FF */
        {"\xee\x80\x80", 1},         /* U+E000 */
        {"\xef\xbf\xbf", 1},         /* U+FFFF */
        {"\xf0\x90\x80\x80", 1},     /* U+10000 */
        {"\xf4\x8f\xbf\xbf", 1},     /* U+10FFFF */
        {"\x80", 0},
        {"\xbf", 0},
        {"\xc0\x80", 0},             /* overlong NUL */
        {"\xc1\xbf", 0},
        {"\xe0\x9f\xbf", 0},         /* overlong U+07FF */
        {"\xed\xa0\x80", 0},         /* U+D800 */
        {"\xed\xbf\xbf", 0},         /* U+DFFF */
        {"\xf0\x8f\xbf\xbf", 0},     /* overlong U+FFFF */
        {"\xf4\x90\x80\x80", 0},     /* U+110000 */
        {"\xf5\x80\x80\x80", 0},
        {"\xff", 0},
        {"\xc2", 0},                 /* truncated */
        {"\xe2\x82", 0},
        {"\xf0\x9f\x98", 0},
        {"\xe2\x28\xa1", 0},         /* bad continuation */
        {"abcdefgh\xc3", 0},         /* after the fast path */
        {"abcdefghijklmnop\x80qrst", 0},
    };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (norm_utf8_valid(cases[i].s, strlen(cases[i].s)) != cases[i].ok)
            fail_msg("case %zu: want %d", i, cases[i].ok);
    }
    /* an embedded NUL is valid UTF-8; the length is what counts */
    assert_int_equal(norm_utf8_valid("a\0b", 3), 1);
    assert_int_equal(norm_utf8_valid("\xc3\xa9", 1), 0);
}

/* ------------------------------------------------------------------ cache */

/* More distinct words than the cache holds: it is emptied and refilled,
 * and answers stay right. */
static void test_cache_overflow(void **state)
{
    norm_t *n = *state;
    char in[64], out[64];
    long i;
    int len;

    for (i = 0; i < 270000; i++) {
        len = snprintf(in, sizeof(in), "Петросян%ld", i);
        assert_int_equal(norm_name(n, in, (size_t)len, out, sizeof(out), NULL), TW_OK);
        if (i % 50000 == 0) {
            char want[64];
            snprintf(want, sizeof(want), "petrosyan%ld", i);
            assert_string_equal(out, want);
        }
    }
    check_name(n, "Оганес Петросян", "hovhannes petrosyan");
}

/* -------------------------------------------------------------- benchmark */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* not the time others ran */
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Best of 5 runs of `iters` calls over `inputs`, in ns per call. */
static double bench(norm_t *n, normfn_t fn, const char *const *inputs, size_t ninputs,
                    long iters)
{
    char out[256];
    double best = 1e30;
    int r;

    for (r = 0; r < 5; r++) {
        double t0 = now_ns(), t;
        long i;
        for (i = 0; i < iters; i++) {
            const char *s = inputs[(size_t)i % ninputs];
            fn(n, s, strlen(s), out, sizeof(out), NULL);
        }
        t = (now_ns() - t0) / (double)iters;
        if (t < best)
            best = t;
    }
    return best;
}

static void test_bench(void **state)
{
    norm_t *n = *state;
    static const char *const ascii[] = {"PETROSYAN", "Hovhannes", "Ter-Petrosyan Armen",
                                        "MOHAMMED ALI", "Ivanova Natalia"};
    static const char *const nonascii[] = {"Петросян", "Оганес", "Григорий Петросян",
                                           "Наталья", "Հովհաննես Պետրոսյան"};
    static const char *const addr_ascii[] = {"Yerevan, Komitas ave. 12, apt 5"};
    static const char *const addr_cyr[] = {"г. Ереван, пр. Комитаса 12, кв. 5"};
    static const char *const bases[] = {"Петросян", "Հովհաննես", "Müller", "ქეთევან"};
    static const char *const phones[] = {"091 23-45-67"};
    static const char *const docnos[] = {"AN 1234567"};
    char in[64], out[64];
    double t0, best;
    size_t b;
    long i;
    int len;

    if (!getenv("TW_BENCH"))
        skip();
    printf("ascii name           %6.1f ns/call\n",
           bench(n, norm_name, ascii, 5, 1000000));
    printf("cached non-ascii     %6.1f ns/call\n",
           bench(n, norm_name, nonascii, 5, 1000000));
    printf("ascii address        %6.1f ns/call\n",
           bench(n, norm_address, addr_ascii, 1, 1000000));
    printf("cached cyr. address  %6.1f ns/call\n",
           bench(n, norm_address, addr_cyr, 1, 1000000));
    printf("phone                %6.1f ns/call\n", bench(NULL, phone, phones, 1, 1000000));
    printf("docno                %6.1f ns/call\n", bench(NULL, docno, docnos, 1, 1000000));
    for (b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
        best = 1e30;
        for (int r = 0; r < 3; r++) {
            t0 = now_ns();
            for (i = 0; i < 20000; i++) {
                /* a distinct word each time: every call misses the cache */
                len = snprintf(in, sizeof(in), "%s%ldx%d", bases[b], i, r);
                norm_name(n, in, (size_t)len, out, sizeof(out), NULL);
            }
            t0 = (now_ns() - t0) / 20000.0;
            if (t0 < best)
                best = t0;
        }
        printf("uncached %-11s %6.1f ns/call\n", bases[b], best);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_armenian_cyrillic_latin),
        cmocka_unit_test(test_name_russian_passport_and_bgn),
        cmocka_unit_test(test_name_other_scripts),
        cmocka_unit_test(test_name_distinct_names_stay_distinct),
        cmocka_unit_test(test_name_shape),
        cmocka_unit_test(test_name_errors),
        cmocka_unit_test(test_name_word_by_word),
        cmocka_unit_test(test_name_idempotent),
        cmocka_unit_test(test_address_same_place),
        cmocka_unit_test(test_address_details),
        cmocka_unit_test(test_address_region_seats),
        cmocka_unit_test(test_address_idempotent),
        cmocka_unit_test(test_phone),
        cmocka_unit_test(test_docno),
        cmocka_unit_test(test_utf8_valid),
        cmocka_unit_test(test_cache_overflow),
        cmocka_unit_test(test_bench),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
