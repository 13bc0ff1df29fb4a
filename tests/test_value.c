/*
 * test_value.c - unit tests for src/ingest/value.c: one register value at a time.
 *
 * Every call goes through a heap copy of exactly `len` bytes with no NUL
 * after it, so an ASan build catches any read past the field. Every failure
 * is checked for the exact TW_EINPUT and the exact `why`; every success for
 * the exact result and an untouched `why`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/value.h"

/* ---- helpers ----------------------------------------------------------- */

static char *dup_exact(const char *s, size_t len)
{
    char *p = malloc(len ? len : 1);

    assert_non_null(p);
    if (len)
        memcpy(p, s, len);
    return p;
}

/* Checks one outcome; `what` names the call and its input for the report. */
static void check(const char *what, tw_err_t got, tw_err_t want, const char *why,
                  const char *want_why)
{
    if (got != want)
        fail_msg("%s: returned %d, want %d (why: %s)", what, (int)got, (int)want,
                 why ? why : "(null)");
    if (want == TW_OK) {
        if (why != NULL)
            fail_msg("%s: succeeded but set why to \"%s\"", what, why);
        return;
    }
    if (why == NULL)
        fail_msg("%s: failed without a reason", what);
    if (strcmp(why, want_why) != 0)
        fail_msg("%s: why is \"%s\", want \"%s\"", what, why, want_why);
}

static tw_err_t date_n(const char *s, size_t len, int32_t *days, const char **why)
{
    char *p = dup_exact(s, len);
    tw_err_t e = value_date(p, len, days, why);

    free(p);
    return e;
}

static void date_ok(const char *s, int32_t want)
{
    int32_t d = INT32_MIN;
    const char *why = NULL;
    tw_err_t e;
    char what[128];

    snprintf(what, sizeof(what), "value_date(\"%s\")", s);
    e = date_n(s, strlen(s), &d, &why);
    check(what, e, TW_OK, why, NULL);
    if (d != want)
        fail_msg("%s: days %ld, want %ld", what, (long)d, (long)want);
}

static void date_bad(const char *s, const char *want_why)
{
    int32_t d = 4242;
    const char *why = NULL;
    tw_err_t e;
    char what[128];

    snprintf(what, sizeof(what), "value_date(\"%s\")", s);
    e = date_n(s, strlen(s), &d, &why);
    check(what, e, TW_EINPUT, why, want_why);
    assert_int_equal(d, 4242); /* out-param untouched on failure */
    /* A NULL why is allowed and gives the same answer. */
    assert_int_equal(date_n(s, strlen(s), &d, NULL), TW_EINPUT);
}

static tw_err_t ts_n(const char *s, size_t len, int64_t *utc, const char **why)
{
    char *p = dup_exact(s, len);
    tw_err_t e = value_timestamp(p, len, utc, why);

    free(p);
    return e;
}

static void ts_ok(const char *s, int64_t want)
{
    int64_t t = INT64_MIN;
    const char *why = NULL;
    tw_err_t e;
    char what[128];

    snprintf(what, sizeof(what), "value_timestamp(\"%s\")", s);
    e = ts_n(s, strlen(s), &t, &why);
    check(what, e, TW_OK, why, NULL);
    if (t != want)
        fail_msg("%s: utc %lld, want %lld", what, (long long)t, (long long)want);
}

static void ts_bad(const char *s, const char *want_why)
{
    int64_t t = 4242;
    const char *why = NULL;
    tw_err_t e;
    char what[128];

    snprintf(what, sizeof(what), "value_timestamp(\"%s\")", s);
    e = ts_n(s, strlen(s), &t, &why);
    check(what, e, TW_EINPUT, why, want_why);
    assert_int_equal(t, 4242);
    assert_int_equal(ts_n(s, strlen(s), &t, NULL), TW_EINPUT);
}

static tw_err_t uint_n(const char *s, size_t len, int64_t max, int64_t *out, const char **why)
{
    char *p = dup_exact(s, len);
    tw_err_t e = value_uint(p, len, max, out, why);

    free(p);
    return e;
}

static void uint_ok(const char *s, int64_t max, int64_t want)
{
    int64_t v = -1;
    const char *why = NULL;
    tw_err_t e;
    char what[160];

    snprintf(what, sizeof(what), "value_uint(\"%s\", max %lld)", s, (long long)max);
    e = uint_n(s, strlen(s), max, &v, &why);
    check(what, e, TW_OK, why, NULL);
    if (v != want)
        fail_msg("%s: %lld, want %lld", what, (long long)v, (long long)want);
}

static void uint_bad_n(const char *s, size_t len, int64_t max, const char *want_why)
{
    int64_t v = 4242;
    const char *why = NULL;
    tw_err_t e;
    char what[160];

    snprintf(what, sizeof(what), "value_uint(\"%.*s\", max %lld)", (int)len, s, (long long)max);
    e = uint_n(s, len, max, &v, &why);
    check(what, e, TW_EINPUT, why, want_why);
    assert_int_equal(v, 4242);
    assert_int_equal(uint_n(s, len, max, &v, NULL), TW_EINPUT);
}

static void uint_bad(const char *s, int64_t max, const char *want_why)
{
    uint_bad_n(s, strlen(s), max, want_why);
}

/* Generic wrapper for the parsers that only accept or reject. */
typedef tw_err_t (*check_fn)(const char *s, size_t len, const char **why);

static void plain_n(check_fn fn, const char *name, const char *s, size_t len,
                    const char *want_why)
{
    char *p = dup_exact(s, len);
    const char *why = NULL;
    char what[160];
    tw_err_t e = fn(p, len, &why);

    snprintf(what, sizeof(what), "%s(\"%.*s\", %zu)", name, (int)(len > 80 ? 80 : len), s,
             len);
    check(what, e, want_why ? TW_EINPUT : TW_OK, why, want_why);
    assert_int_equal(fn(p, len, NULL), want_why ? TW_EINPUT : TW_OK);
    free(p);
}

#define PLAIN_OK(fn, s) plain_n(fn, #fn, s, strlen(s), NULL)
#define PLAIN_BAD(fn, s, msg) plain_n(fn, #fn, s, strlen(s), msg)
#define PLAIN_BAD_N(fn, s, len, msg) plain_n(fn, #fn, s, len, msg)

static tw_err_t country_n(const char *s, size_t len, char up[4], const char **why)
{
    char *p = dup_exact(s, len);
    tw_err_t e = value_country(p, len, up, why);

    free(p);
    return e;
}

static void country_ok(const char *s, const char *want_up)
{
    char up[4] = "???";
    const char *why = NULL;
    tw_err_t e;
    char what[64];

    snprintf(what, sizeof(what), "value_country(\"%s\")", s);
    e = country_n(s, strlen(s), up, &why);
    check(what, e, TW_OK, why, NULL);
    assert_string_equal(up, want_up);
}

static void country_bad_n(const char *s, size_t len, const char *want_why)
{
    char up[4] = "???";
    const char *why = NULL;
    tw_err_t e;
    char what[64];

    snprintf(what, sizeof(what), "value_country(\"%.*s\", %zu)", (int)len, s, len);
    e = country_n(s, len, up, &why);
    check(what, e, TW_EINPUT, why, want_why);
    assert_string_equal(up, ""); /* cleared on failure */
    assert_int_equal(country_n(s, len, up, NULL), TW_EINPUT);
}

static void country_bad(const char *s, const char *want_why)
{
    country_bad_n(s, strlen(s), want_why);
}

static tw_err_t region_n(const char *s, size_t len, char up[6], const char **why)
{
    char *p = dup_exact(s, len);
    tw_err_t e = value_region(p, len, up, why);

    free(p);
    return e;
}

static tw_err_t enum_n(const char *s, size_t len, const char *const *allowed, int *index,
                       const char **why)
{
    char *p = dup_exact(s, len);
    tw_err_t e = value_enum(p, len, allowed, index, why);

    free(p);
    return e;
}

#define MSG_DATE_FORM "not a date in YYYY-MM-DD form"
#define MSG_YEAR "year out of range 1900-2100"
#define MSG_TS_FORM                                                                      \
    "not a timestamp in YYYY-MM-DDTHH:MM:SS form (optionally followed by Z, +HH:MM or " \
    "-HH:MM)"
#define MSG_TS_SEP "date and time must be separated by an upper-case 'T'"
#define MSG_TS_DATEONLY "a date without a time of day (expected YYYY-MM-DDTHH:MM:SS)"
#define MSG_TS_FRAC "fractional seconds are not accepted"
#define MSG_TS_ZONE "zone must be Z, +HH:MM or -HH:MM"
#define MSG_TS_OFFSET "zone offset out of range (hours 00-14, minutes 00-59)"
#define MSG_NOT_UINT "not a non-negative whole number"
#define MSG_TOO_BIG "larger than the allowed maximum"
#define MSG_CC_FORM "a country code must be 3 letters (ISO 3166-1 alpha-3)"
#define MSG_CC_UNKNOWN "not an ISO 3166-1 alpha-3 country code"

/* The 249 officially assigned ISO 3166-1 alpha-3 codes, typed independently
 * of src/ingest/value.c (checked against Debian's iso-codes package when written). */
static const char *const iso3166_official =
    "ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE "
    "BDI BEL BEN BES BFA BGD BGR BHR BHS BIH BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA "
    "CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB CUW CXR CYM CYP CZE "
    "DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM "
    "GAB GBR GEO GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY "
    "HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN IRQ ISL ISR ITA JAM JEY JOR JPN "
    "KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA "
    "MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS "
    "MWI MYS MYT NAM NCL NER NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN "
    "PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU RUS RWA "
    "SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ "
    "SXM SYC SYR TCA TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA "
    "UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT WLF WSM YEM ZAF ZMB ZWE";

/* ---- value_date -------------------------------------------------------- */

static void test_date_valid(void **state)
{
    (void)state;
    date_ok("1970-01-01", 0);
    date_ok("1969-12-31", -1);
    date_ok("1970-01-02", 1);
    date_ok("1900-01-01", -25567);
    date_ok("2100-12-31", 47846);
    date_ok("2000-02-29", 11016); /* divisible by 400: leap */
    date_ok("2000-03-01", 11017);
    date_ok("2024-02-29", 19782); /* divisible by 4: leap */
    date_ok("2024-03-01", 19783);
    date_ok("2023-02-28", 19416);
    date_ok("2023-03-01", 19417);
    /* The last day of every month of 2023. */
    date_ok("2023-01-31", 19388);
    date_ok("2023-04-30", 19477);
    date_ok("2023-06-30", 19538);
    date_ok("2023-09-30", 19630);
    date_ok("2023-11-30", 19691);
    date_ok("2023-12-31", 19722);
}

static void test_date_not_a_date(void **state)
{
    static const char *const bad[] = {
        "",           "2024-1-01",   "2024-01-1",   "2024/01/01", "24-01-01",
        "20240101",   "2024-01-01 ", " 2024-01-01", "2024-01-0a", "2024-0a-01",
        "2a24-01-01", "+024-01-01",  "-024-01-01",  "2024--1-01", "2024-01--1",
        "2024-01-01T00:00:00",       "01-01-2024",  "2024.01.01", "2024_01_01",
        "\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4-01-01", /* Arabic-Indic digits */
        "2024-01-01\n", "2024-01",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        date_bad(bad[i], MSG_DATE_FORM);
}

static void test_date_calendar_errors(void **state)
{
    (void)state;
    date_bad("2024-13-01", "month 13 is out of range 01-12");
    date_bad("2024-00-10", "month 00 is out of range 01-12");
    date_bad("2024-99-01", "month 99 is out of range 01-12");
    date_bad("2024-01-00", "day 00 is out of range 01-31");
    date_bad("2024-01-32", "day 32 is out of range 01-31");
    date_bad("2024-12-99", "day 99 is out of range 01-31");
    date_bad("2023-02-29", "day 29 does not exist in February of a non-leap year");
    date_bad("1900-02-29", "day 29 does not exist in February of a non-leap year");
    date_bad("2100-02-29", "day 29 does not exist in February of a non-leap year");
    date_bad("2024-02-30", "day 30 does not exist in February");
    date_bad("2024-02-31", "day 31 does not exist in February");
    date_bad("2024-04-31", "day 31 does not exist in April");
    date_bad("2024-06-31", "day 31 does not exist in June");
    date_bad("2024-09-31", "day 31 does not exist in September");
    date_bad("2024-11-31", "day 31 does not exist in November");
    date_bad("1899-12-31", MSG_YEAR);
    date_bad("2101-01-01", MSG_YEAR);
    date_bad("0000-01-01", MSG_YEAR);
    date_bad("9999-12-31", MSG_YEAR);
    date_bad("1800-13-45", MSG_YEAR); /* the year is reported first */
    date_bad("2024-13-45", "month 13 is out of range 01-12");
}

static void test_date_reads_only_len_bytes(void **state)
{
    const char buf[] = "2024-02-29T10:00:00Z, more";
    int32_t d = 0;
    const char *why = NULL;

    (void)state;
    assert_int_equal(value_date(buf, 10, &d, &why), TW_OK);
    assert_int_equal(d, 19782);
    assert_null(why);
    assert_int_equal(value_date(buf, 9, &d, &why), TW_EINPUT);
    assert_string_equal(why, MSG_DATE_FORM);
    /* An embedded NUL is a byte like any other. */
    assert_int_equal(date_n("2024-02\0002", 10, &d, &why), TW_EINPUT);
    assert_string_equal(why, MSG_DATE_FORM);
}

static int naive_days_in_month(int y, int m)
{
    static const int dim[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

/* Walks every day from 1900-01-01 to 2100-12-31 with a naive calendar and
 * checks both directions against it. */
static void test_date_every_day_round_trip(void **state)
{
    int y = 1900, m = 1, d = 1;
    int32_t day, parsed, count = 0;
    char want[48], out[11];
    const char *why = NULL;

    (void)state;
    for (day = -25567; day <= 47846; day++, count++) {
        snprintf(want, sizeof(want), "%04d-%02d-%02d", y, m, d);
        memset(out, 'x', sizeof(out));
        value_format_date(day, out);
        if (strcmp(out, want) != 0)
            fail_msg("value_format_date(%ld) = \"%s\", want \"%s\"", (long)day, out, want);
        parsed = INT32_MIN;
        if (value_date(want, 10, &parsed, &why) != TW_OK || parsed != day)
            fail_msg("value_date(\"%s\") = %ld, want %ld", want, (long)parsed, (long)day);
        if (++d > naive_days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_null(why);
    assert_int_equal(count, 73414); /* 201 years, 49 of them leap */
    assert_int_equal(y, 2101);
    /* One past the end formats fine but does not parse. */
    value_format_date(47847, out);
    assert_string_equal(out, "2101-01-01");
    date_bad(out, MSG_YEAR);
    value_format_date(-25568, out);
    assert_string_equal(out, "1899-12-31");
    date_bad(out, MSG_YEAR);
}

static void test_format_date_limits(void **state)
{
    char out[11];

    (void)state;
    value_format_date(0, out);
    assert_string_equal(out, "1970-01-01");
    value_format_date(-1, out);
    assert_string_equal(out, "1969-12-31");
    value_format_date(-719528, out);
    assert_string_equal(out, "0000-01-01");
    value_format_date(2932896, out);
    assert_string_equal(out, "9999-12-31");
    /* Outside years 0000..9999 the output is a fixed, unparseable date. */
    value_format_date(-719529, out);
    assert_string_equal(out, "0000-00-00");
    value_format_date(2932897, out);
    assert_string_equal(out, "0000-00-00");
    value_format_date(INT32_MIN, out);
    assert_string_equal(out, "0000-00-00");
    value_format_date(INT32_MAX, out);
    assert_string_equal(out, "0000-00-00");
}

/* ---- value_timestamp --------------------------------------------------- */

static void test_timestamp_valid(void **state)
{
    (void)state;
    ts_ok("1970-01-01T00:00:00Z", 0);
    ts_ok("1970-01-01T04:00:00", 0); /* no zone: Armenia, UTC+04:00 */
    ts_ok("1970-01-01T04:00:00+04:00", 0);
    ts_ok("1969-12-31T23:00:00-01:00", 0);
    ts_ok("1970-01-01T00:00:00-00:00", 0);
    ts_ok("1970-01-01T00:00:00+00:00", 0);
    ts_ok("2024-03-15T10:30:00+04:00", 1710484200);
    ts_ok("2024-03-15T10:30:00", 1710484200);
    ts_ok("2024-03-15T06:30:00Z", 1710484200);
    ts_ok("2023-12-31T23:59:59-09:30", 1704101399);
    ts_ok("2024-02-29T23:59:59Z", 1709251199);
    ts_ok("1900-01-01T00:00:00+04:00", -2209003200LL); /* UTC is in 1899 */
    ts_ok("1900-01-01T00:00:00", -2209003200LL);
    ts_ok("2100-12-31T23:59:59Z", 4133980799LL);
    ts_ok("2100-12-31T23:59:59-14:00", 4134031199LL); /* UTC is in 2101 */
    ts_ok("2024-01-01T00:00:00+14:59", 1704067200LL - 14 * 3600 - 59 * 60);
    ts_ok("2024-01-01T00:00:00-14:59", 1704067200LL + 14 * 3600 + 59 * 60);
}

static void test_timestamp_bad_form(void **state)
{
    (void)state;
    ts_bad("", MSG_TS_FORM);
    ts_bad("2024-03-15", MSG_TS_DATEONLY);
    ts_bad("2024-13-15", MSG_TS_DATEONLY);
    ts_bad("2024-3-15", MSG_TS_FORM);
    ts_bad("2024-03-15T10:30", MSG_TS_FORM);
    ts_bad("2024-03-15T10:30:0", MSG_TS_FORM);
    ts_bad("2024/03/15T10:30:00", MSG_TS_FORM);
    ts_bad("2024-03-15T1a:30:00", MSG_TS_FORM);
    ts_bad("2024-03-15T10-30-00", MSG_TS_FORM);
    ts_bad("2024-03-15T10:30-00", MSG_TS_FORM);
    ts_bad("2024-03-15_10:30:00", MSG_TS_FORM);
    ts_bad("15.03.2024 10:30:00", MSG_TS_FORM);
    ts_bad("2024-03-15t10:30:00", MSG_TS_SEP);
    ts_bad("2024-03-15 10:30:00", MSG_TS_SEP);
    ts_bad("2024-03-15T10:30:00.123Z", MSG_TS_FRAC);
    ts_bad("2024-03-15T10:30:00.5", MSG_TS_FRAC);
    ts_bad("2024-03-15T10:30:00,5+04:00", MSG_TS_FRAC);
    ts_bad("2024-03-15T10:30:00z", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00+0400", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00+04", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00+4:00", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00 +04:00", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00+04:00 ", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00Z ", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00ZZ", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00UTC", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00+04-00", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00+0a:00", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00*04:00", MSG_TS_ZONE);
    ts_bad("2024-03-15T10:30:00 ", MSG_TS_ZONE);
}

static void test_timestamp_range_errors(void **state)
{
    (void)state;
    ts_bad("2024-03-15T24:00:00", "hour out of range 00-23");
    ts_bad("2024-03-15T99:00:00Z", "hour out of range 00-23");
    ts_bad("2024-03-15T23:60:00", "minute out of range 00-59");
    ts_bad("2024-12-31T23:59:60Z", "second 60 (a leap second) is not accepted");
    ts_bad("2024-03-15T10:30:61", "second out of range 00-59");
    ts_bad("2024-03-15T10:30:00+15:00", MSG_TS_OFFSET);
    ts_bad("2024-03-15T10:30:00-15:00", MSG_TS_OFFSET);
    ts_bad("2024-03-15T10:30:00+14:60", MSG_TS_OFFSET);
    ts_bad("2024-03-15T10:30:00+99:99", MSG_TS_OFFSET);
    ts_bad("2024-13-15T10:30:00", "month 13 is out of range 01-12");
    ts_bad("2023-02-29T10:30:00Z", "day 29 does not exist in February of a non-leap year");
    ts_bad("2024-04-31T10:30:00Z", "day 31 does not exist in April");
    ts_bad("2024-01-32T10:30:00Z", "day 32 is out of range 01-31");
    ts_bad("1899-12-31T23:59:59Z", MSG_YEAR);
    ts_bad("2101-01-01T00:00:00-04:00", MSG_YEAR);
}

static void test_timestamp_reads_only_len_bytes(void **state)
{
    const char buf[] = "2024-03-15T10:30:00+04:00";
    int64_t t = 0;
    const char *why = NULL;

    (void)state;
    /* The first 19 bytes alone are a local time, the first 20 are not. */
    assert_int_equal(value_timestamp(buf, 19, &t, &why), TW_OK);
    assert_int_equal(t, 1710484200);
    assert_int_equal(value_timestamp(buf, 20, &t, &why), TW_EINPUT);
    assert_string_equal(why, MSG_TS_ZONE);
}

static void test_format_timestamp(void **state)
{
    char out[21];

    (void)state;
    value_format_timestamp(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    value_format_timestamp(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    value_format_timestamp(1710484200, out);
    assert_string_equal(out, "2024-03-15T06:30:00Z");
    value_format_timestamp(-2209003200LL, out);
    assert_string_equal(out, "1899-12-31T20:00:00Z");
    value_format_timestamp(4134031199LL, out);
    assert_string_equal(out, "2101-01-01T13:59:59Z");
    value_format_timestamp(-62167219200LL, out);
    assert_string_equal(out, "0000-01-01T00:00:00Z");
    value_format_timestamp(253402300799LL, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    value_format_timestamp(-62167219201LL, out);
    assert_string_equal(out, "0000-00-00T00:00:00Z");
    value_format_timestamp(253402300800LL, out);
    assert_string_equal(out, "0000-00-00T00:00:00Z");
    value_format_timestamp(INT64_MIN, out);
    assert_string_equal(out, "0000-00-00T00:00:00Z");
    value_format_timestamp(INT64_MAX, out);
    assert_string_equal(out, "0000-00-00T00:00:00Z");
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t xorshift64(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_timestamp_round_trip_random(void **state)
{
    const int64_t lo = -2208988800LL; /* 1900-01-01T00:00:00Z */
    const int64_t hi = 4133980799LL;  /* 2100-12-31T23:59:59Z */
    char out[21], date[11], want_time[16], local[32];
    const char *why = NULL;
    int i;

    (void)state;
    for (i = 0; i < 200000; i++) {
        int64_t t = lo + (int64_t)(xorshift64() % (uint64_t)(hi - lo + 1));
        int64_t back = INT64_MIN, days, secs;

        if (i == 0)
            t = lo;
        else if (i == 1)
            t = hi;
        days = t / 86400;
        secs = t % 86400;
        if (secs < 0) {
            secs += 86400;
            days--;
        }
        value_format_timestamp(t, out);
        /* The date part is the (separately verified) day, the time part the
         * seconds of that day. */
        value_format_date((int32_t)days, date);
        snprintf(want_time, sizeof(want_time), "T%02d:%02d:%02dZ", (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60));
        if (strncmp(out, date, 10) != 0 || strcmp(out + 10, want_time) != 0)
            fail_msg("value_format_timestamp(%lld) = \"%s\"", (long long)t, out);
        if (value_timestamp(out, 20, &back, &why) != TW_OK || back != t)
            fail_msg("value_timestamp(\"%s\") = %lld, want %lld", out, (long long)back,
                     (long long)t);
        /* Without the Z the same wall-clock time is Armenian, 4 hours ahead
         * of UTC; with an explicit offset it is shifted by that offset. */
        memcpy(local, out, 19);
        if (value_timestamp(local, 19, &back, &why) != TW_OK || back != t - 4 * 3600)
            fail_msg("value_timestamp(\"%.19s\") = %lld", local, (long long)back);
        memcpy(local + 19, "-05:30", 6);
        if (value_timestamp(local, 25, &back, &why) != TW_OK ||
            back != t + 5 * 3600 + 30 * 60)
            fail_msg("value_timestamp(\"%.25s\") = %lld", local, (long long)back);
    }
    assert_null(why);
}

/* ---- value_uint -------------------------------------------------------- */

static void test_uint_valid(void **state)
{
    (void)state;
    uint_ok("0", 100, 0);
    uint_ok("7", 100, 7);
    uint_ok("007", 100, 7);
    uint_ok("100", 100, 100);
    uint_ok("0", 0, 0);
    uint_ok("450000", 100000000, 450000);
    uint_ok("9223372036854775807", INT64_MAX, INT64_MAX);
    uint_ok("0009223372036854775807", INT64_MAX, INT64_MAX);
    uint_ok("0000000000000000000000000000000000000042", 42, 42);
    uint_ok("00000000000000000000000", 5, 0);
}

static void test_uint_bad(void **state)
{
    static const char *const not_numbers[] = {
        "", "-1", "+1", " 1", "1 ", "1.5", "1,000", "1 000", "1e3", "0x10", "12a", "a",
        "-0", "\xd9\xa1" /* Arabic-Indic one */, "99999999999999999999999x",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(not_numbers) / sizeof(not_numbers[0]); i++)
        uint_bad(not_numbers[i], INT64_MAX, MSG_NOT_UINT);
    uint_bad_n("1\0002", 3, INT64_MAX, MSG_NOT_UINT);
    uint_bad("101", 100, MSG_TOO_BIG);
    uint_bad("0101", 100, MSG_TOO_BIG);
    uint_bad("1", 0, MSG_TOO_BIG);
    uint_bad("0", -1, MSG_TOO_BIG);
    uint_bad("9223372036854775808", INT64_MAX, MSG_TOO_BIG);
    uint_bad("18446744073709551615", INT64_MAX, MSG_TOO_BIG); /* UINT64_MAX */
    uint_bad("18446744073709551616", INT64_MAX, MSG_TOO_BIG); /* wraps to 0 */
    uint_bad("99999999999999999999", INT64_MAX, MSG_TOO_BIG);
    uint_bad("99999999999999999999999999999999999999999", INT64_MAX, MSG_TOO_BIG);
}

/* ---- value_country ----------------------------------------------------- */

static void test_country_spot_checks(void **state)
{
    static const char *const codes[] = {
        "ARM", "RUS", "IND", "IRN", "UKR", "BLR", "GEO", "CHN", "SYR", "IRQ", "LBN", "NPL",
        "BGD", "PHL", "LKA", "UZB", "TJK", "KGZ", "KAZ", "TUR", "EGY", "PAK", "USA", "FRA",
        "AFG", "ALA", "ALB", "ABW", "ZWE", "ATA", "BES", "SSD",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        country_ok(codes[i], codes[i]);
    country_ok("arm", "ARM");
    country_ok("Ind", "IND");
    country_ok("iRn", "IRN");
    country_ok("zwe", "ZWE");
}

static void test_country_kosovo(void **state)
{
    (void)state;
    /* User-assigned, not official, but used by the registers: accepted. */
    country_ok("XKX", "XKX");
    country_ok("xkx", "XKX");
    /* Other user-assigned or ICAO-only codes are not. */
    country_bad("RKS", MSG_CC_UNKNOWN);
    country_bad("XXA", MSG_CC_UNKNOWN);
    country_bad("UNK", MSG_CC_UNKNOWN);
}

static void test_country_rejects(void **state)
{
    (void)state;
    country_bad("XXX", MSG_CC_UNKNOWN);
    country_bad("AAA", MSG_CC_UNKNOWN);
    country_bad("ZZZ", MSG_CC_UNKNOWN);
    country_bad("SUN", MSG_CC_UNKNOWN); /* Soviet Union: withdrawn */
    country_bad("YUG", MSG_CC_UNKNOWN); /* Yugoslavia: withdrawn */
    country_bad("ANT", MSG_CC_UNKNOWN); /* Netherlands Antilles: withdrawn */
    country_bad("AR", MSG_CC_FORM);
    country_bad("am", MSG_CC_FORM);
    country_bad("ARME", MSG_CC_FORM);
    country_bad("", MSG_CC_FORM);
    country_bad("123", MSG_CC_FORM);
    country_bad("A1M", MSG_CC_FORM);
    country_bad("AR ", MSG_CC_FORM);
    country_bad(" AR", MSG_CC_FORM);
    country_bad("AR-", MSG_CC_FORM);
    country_bad("AR@", MSG_CC_FORM); /* '@' is 'A' - 1 */
    country_bad("AR[", MSG_CC_FORM); /* '[' is 'Z' + 1 */
    country_bad("AR`", MSG_CC_FORM); /* '`' is 'a' - 1 */
    country_bad("AR{", MSG_CC_FORM); /* '{' is 'z' + 1 */
    country_bad("\xc3\x85R", MSG_CC_FORM);
    country_bad_n("AR\0", 3, MSG_CC_FORM);
}

/* Exactly the official 249 codes and XKX are accepted, out of all 17,576
 * three-letter combinations; this also proves the table is sorted, since a
 * binary search over an unsorted table misses entries. */
static void test_country_exact_set(void **state)
{
    char code[4] = "AAA", lower[4], up[4];
    const char *why = NULL;
    int a, b, c, accepted = 0, official = 0;
    const char *p;
    char prev[4] = "";

    (void)state;
    for (p = iso3166_official; *p; p += (p[3] == ' ') ? 4 : 3) {
        assert_true(strncmp(prev, p, 3) < 0); /* the expected list is sorted */
        memcpy(prev, p, 3);
        prev[3] = '\0';
        official++;
    }
    assert_int_equal(official, 249);

    for (a = 0; a < 26; a++)
        for (b = 0; b < 26; b++)
            for (c = 0; c < 26; c++) {
                int in_list;
                tw_err_t e;

                code[0] = (char)('A' + a);
                code[1] = (char)('A' + b);
                code[2] = (char)('A' + c);
                lower[0] = (char)('a' + a);
                lower[1] = (char)('a' + b);
                lower[2] = (char)('a' + c);
                lower[3] = '\0';
                in_list = strstr(iso3166_official, code) != NULL ||
                          strcmp(code, "XKX") == 0;
                e = value_country(code, 3, up, &why);
                if (in_list != (e == TW_OK))
                    fail_msg("value_country(\"%s\") = %d", code, (int)e);
                if (e == TW_OK) {
                    accepted++;
                    assert_string_equal(up, code);
                    assert_int_equal(value_country(lower, 3, up, NULL), TW_OK);
                    assert_string_equal(up, code);
                } else {
                    assert_string_equal(why, MSG_CC_UNKNOWN);
                }
            }
    assert_int_equal(accepted, 249 + 1);
}

/* Cross-check against Debian's iso-codes package when it is installed. */
static void test_country_matches_iso_codes_package(void **state)
{
    static const char path[] = "/usr/share/iso-codes/json/iso_3166-1.json";
    static const char key[] = "\"alpha_3\": \"";
    FILE *f = fopen(path, "rb");
    char *buf, *p, up[4];
    long size;
    int n = 0;

    (void)state;
    if (!f) {
        print_message("%s not installed: cross-check skipped\n", path);
        skip();
        return;
    }
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size > 0 && size < 10 * 1024 * 1024);
    rewind(f);
    buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    for (p = strstr(buf, key); p; p = strstr(p + 1, key)) {
        const char *code = p + sizeof(key) - 1;

        if (value_country(code, 3, up, NULL) != TW_OK)
            fail_msg("iso-codes lists %.3s, value_country rejects it", code);
        assert_true(strncmp(code, "XKX", 3) != 0);
        n++;
    }
    free(buf);
    /* 249 distinct codes all accepted, and test_country_exact_set shows that
     * exactly 249 official codes are: the two sets are the same. */
    assert_int_equal(n, 249);
}

/* ---- value_region ------------------------------------------------------ */

static void test_region(void **state)
{
    static const char *const codes[] = { "AM-ER", "AM-AG", "AM-AR", "AM-AV",
                                         "AM-GR", "AM-KT", "AM-LO", "AM-SH",
                                         "AM-SU", "AM-TV", "AM-VD" };
    static const char *const bad_form[] = { "", "ER", "AMER", "AM_ER", "AM ER", "AZ-ER",
                                            "AM-E", "AM-ERR", " AM-ER", "AM-ER ",
                                            "US-CA", "AM--ER" };
    static const char *const not_region[] = { "AM-XX", "AM-EE", "AM-YE", "AM-12",
                                              "AM-E1", "AM-RE", "am-xx" };
    const char *msg_form = "not an ISO 3166-2:AM region code (AM-XX)";
    const char *msg_region = "not a region of Armenia (AM-ER, AM-AG, AM-AR, AM-AV, AM-GR, "
                             "AM-KT, AM-LO, AM-SH, AM-SU, AM-TV, AM-VD)";
    char up[6];
    const char *why = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        char lower[6];
        size_t j;

        assert_int_equal(region_n(codes[i], 5, up, &why), TW_OK);
        assert_string_equal(up, codes[i]);
        for (j = 0; j < 6; j++)
            lower[j] = (codes[i][j] >= 'A' && codes[i][j] <= 'Z')
                           ? (char)(codes[i][j] - 'A' + 'a')
                           : codes[i][j];
        memset(up, 'x', sizeof(up));
        assert_int_equal(region_n(lower, 5, up, &why), TW_OK);
        assert_string_equal(up, codes[i]);
    }
    assert_int_equal(region_n("Am-vD", 5, up, &why), TW_OK);
    assert_string_equal(up, "AM-VD");
    assert_null(why);

    for (i = 0; i < sizeof(bad_form) / sizeof(bad_form[0]); i++) {
        why = NULL;
        if (region_n(bad_form[i], strlen(bad_form[i]), up, &why) != TW_EINPUT)
            fail_msg("value_region(\"%s\") accepted", bad_form[i]);
        assert_string_equal(why, msg_form);
        assert_string_equal(up, "");
        assert_int_equal(region_n(bad_form[i], strlen(bad_form[i]), up, NULL), TW_EINPUT);
    }
    for (i = 0; i < sizeof(not_region) / sizeof(not_region[0]); i++) {
        why = NULL;
        if (region_n(not_region[i], 5, up, &why) != TW_EINPUT)
            fail_msg("value_region(\"%s\") accepted", not_region[i]);
        assert_string_equal(why, msg_region);
        assert_string_equal(up, "");
    }
}

/* ---- value_isic_division ----------------------------------------------- */

static void test_isic_division(void **state)
{
    /* The divisions of ISIC Rev.4, as ranges (from value.h). */
    static const int ranges[][2] = { { 1, 3 },   { 5, 9 },   { 10, 33 }, { 35, 39 },
                                     { 41, 43 }, { 45, 47 }, { 49, 53 }, { 55, 56 },
                                     { 58, 63 }, { 64, 66 }, { 68, 68 }, { 69, 75 },
                                     { 77, 82 }, { 84, 84 }, { 85, 85 }, { 86, 88 },
                                     { 90, 93 }, { 94, 96 }, { 97, 98 }, { 99, 99 } };
    const char *msg_form = "an ISIC Rev.4 division must be two digits";
    int v, n_ok = 0;

    (void)state;
    for (v = 0; v < 100; v++) {
        char s[3];
        int real = 0;
        size_t r;

        for (r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++)
            real |= v >= ranges[r][0] && v <= ranges[r][1];
        s[0] = (char)('0' + v / 10);
        s[1] = (char)('0' + v % 10);
        s[2] = '\0';
        if (real) {
            PLAIN_OK(value_isic_division, s);
            n_ok++;
        } else {
            PLAIN_BAD(value_isic_division, s, "not an ISIC Rev.4 division");
        }
    }
    assert_int_equal(n_ok, 88); /* ISIC Rev.4 has 88 divisions */
    /* The sectors named in the register format. */
    PLAIN_OK(value_isic_division, "41");
    PLAIN_OK(value_isic_division, "56");
    PLAIN_OK(value_isic_division, "01");
    PLAIN_OK(value_isic_division, "97");
    PLAIN_OK(value_isic_division, "93");
    PLAIN_BAD(value_isic_division, "", msg_form);
    PLAIN_BAD(value_isic_division, "1", msg_form);
    PLAIN_BAD(value_isic_division, "001", msg_form);
    PLAIN_BAD(value_isic_division, "410", msg_form);
    PLAIN_BAD(value_isic_division, "4a", msg_form);
    PLAIN_BAD(value_isic_division, " 1", msg_form);
    PLAIN_BAD(value_isic_division, "+1", msg_form);
    PLAIN_BAD(value_isic_division, "F", msg_form);
    PLAIN_BAD_N(value_isic_division, "4\0", 2, msg_form);
}

/* ---- value_isco -------------------------------------------------------- */

static void test_isco(void **state)
{
    const char *msg_form = "an ISCO-08 unit group must be four digits";

    (void)state;
    PLAIN_OK(value_isco, "0110"); /* commissioned armed forces officers */
    PLAIN_OK(value_isco, "0310");
    PLAIN_OK(value_isco, "1111");
    PLAIN_OK(value_isco, "7112"); /* bricklayers */
    PLAIN_OK(value_isco, "9313"); /* building construction labourers */
    PLAIN_OK(value_isco, "9629");
    PLAIN_OK(value_isco, "9999");
    PLAIN_BAD(value_isco, "0000", "0000 is not an ISCO-08 unit group");
    PLAIN_BAD(value_isco, "", msg_form);
    PLAIN_BAD(value_isco, "711", msg_form);
    PLAIN_BAD(value_isco, "71120", msg_form);
    PLAIN_BAD(value_isco, "71a2", msg_form);
    PLAIN_BAD(value_isco, " 711", msg_form);
    PLAIN_BAD(value_isco, "-711", msg_form);
    PLAIN_BAD(value_isco, "7112 ", msg_form);
    PLAIN_BAD_N(value_isco, "711\0", 4, msg_form);
}

/* ---- value_tin --------------------------------------------------------- */

static void test_tin(void **state)
{
    const char *msg_len = "a TIN must be exactly 8 digits";
    const char *msg_digits = "a TIN must contain digits only";

    (void)state;
    PLAIN_OK(value_tin, "02612345");
    PLAIN_OK(value_tin, "00000000");
    PLAIN_OK(value_tin, "99999999");
    PLAIN_BAD(value_tin, "", msg_len);
    PLAIN_BAD(value_tin, "1234567", msg_len);
    PLAIN_BAD(value_tin, "123456789", msg_len);
    PLAIN_BAD(value_tin, " 12345678", msg_len);
    PLAIN_BAD(value_tin, "1234567a", msg_digits);
    PLAIN_BAD(value_tin, "1234 678", msg_digits);
    PLAIN_BAD(value_tin, "-1234567", msg_digits);
    PLAIN_BAD(value_tin, "+1234567", msg_digits);
    PLAIN_BAD(value_tin, "1234567/", msg_digits); /* '/' is '0' - 1 */
    PLAIN_BAD(value_tin, "1234567:", msg_digits); /* ':' is '9' + 1 */
    PLAIN_BAD_N(value_tin, "1234567\0", 8, msg_digits);
}

/* ---- value_ident ------------------------------------------------------- */

static void test_ident(void **state)
{
    char s64[65], s65[66];

    (void)state;
    PLAIN_OK(value_ident, "A");
    PLAIN_OK(value_ident, "APP-2024/000123");
    PLAIN_OK(value_ident, "!~#$%&'()*+-./:;<=>?@[\\]^_`{|}");
    memset(s64, '!', 64); /* 0x21, the lowest byte allowed */
    s64[64] = '\0';
    PLAIN_OK(value_ident, s64);
    memset(s64, '~', 64); /* 0x7E, the highest */
    PLAIN_OK(value_ident, s64);
    memset(s65, 'a', 65);
    s65[65] = '\0';
    PLAIN_BAD(value_ident, s65, "identifier longer than 64 bytes");
    PLAIN_BAD(value_ident, "", "empty identifier");
    /* spreadsheet formulas (OWASP CSV injection) */
    PLAIN_BAD(value_ident, "=cmd|'/Ccalc'!A0", "identifier begins with '=', '+', '-' or '@' (a spreadsheet would take it for a formula)");
    PLAIN_BAD(value_ident, "=1+2", "identifier begins with '=', '+', '-' or '@' (a spreadsheet would take it for a formula)");
    PLAIN_BAD(value_ident, "@SUM(1+1)", "identifier begins with '=', '+', '-' or '@' (a spreadsheet would take it for a formula)");
    PLAIN_BAD(value_ident, "-1+1", "identifier begins with '=', '+', '-' or '@' (a spreadsheet would take it for a formula)");
    PLAIN_BAD(value_ident, "+1", "identifier begins with '=', '+', '-' or '@' (a spreadsheet would take it for a formula)");
    PLAIN_OK(value_ident, "A=1+2");
    PLAIN_BAD(value_ident, "a b", "identifier contains a space");
    PLAIN_BAD(value_ident, " a", "identifier contains a space");
    PLAIN_BAD(value_ident, "a,b", "identifier contains a comma");
    PLAIN_BAD(value_ident, "a\"b", "identifier contains a double quote");
    PLAIN_BAD(value_ident, "a\tb", "identifier contains a control or non-ASCII byte");
    PLAIN_BAD(value_ident, "a\r", "identifier contains a control or non-ASCII byte");
    PLAIN_BAD(value_ident, "a\x7f", "identifier contains a control or non-ASCII byte");
    PLAIN_BAD(value_ident, "\xd0\x90" "1", "identifier contains a control or non-ASCII byte");
    PLAIN_BAD_N(value_ident, "a\0b", 3, "identifier contains a control or non-ASCII byte");
}

/* ---- value_enum -------------------------------------------------------- */

static void test_enum(void **state)
{
    static const char *const decisions[] = { "pending", "approved", "rejected",
                                             "withdrawn", "revoked", NULL };
    static const char *const sexes[] = { "F", "M", "X", NULL };
    static const char *const directions[] = { "in", "out", NULL };
    static const char *const none[] = { NULL };
    static const char *const bad[] = { "", "approve", "approvedx", " approved",
                                       "approved ", "pend", "revoke", "in" };
    const char *msg = "not one of the allowed values";
    const char *why = NULL;
    int idx = 99;
    size_t i;

    (void)state;
    assert_int_equal(enum_n("pending", 7, decisions, &idx, &why), TW_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(enum_n("APPROVED", 8, decisions, &idx, &why), TW_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(enum_n("Rejected", 8, decisions, &idx, &why), TW_OK);
    assert_int_equal(idx, 2);
    assert_int_equal(enum_n("revoked", 7, decisions, &idx, &why), TW_OK);
    assert_int_equal(idx, 4);
    assert_int_equal(enum_n("x", 1, sexes, &idx, &why), TW_OK);
    assert_int_equal(idx, 2);
    assert_int_equal(enum_n("out", 3, directions, &idx, &why), TW_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(enum_n("IN", 2, directions, NULL, &why), TW_OK); /* index optional */
    assert_null(why);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        idx = 99;
        why = NULL;
        if (enum_n(bad[i], strlen(bad[i]), decisions, &idx, &why) != TW_EINPUT)
            fail_msg("value_enum(\"%s\") accepted", bad[i]);
        assert_string_equal(why, msg);
        assert_int_equal(idx, -1);
    }
    why = NULL;
    assert_int_equal(enum_n("pending\0", 8, decisions, &idx, &why), TW_EINPUT);
    assert_string_equal(why, msg);
    why = NULL;
    assert_int_equal(enum_n("i", 1, directions, &idx, &why), TW_EINPUT);
    assert_string_equal(why, msg);
    why = NULL;
    assert_int_equal(enum_n("inn", 3, directions, &idx, &why), TW_EINPUT);
    assert_string_equal(why, msg);
    why = NULL;
    assert_int_equal(enum_n("f", 1, none, &idx, &why), TW_EINPUT);
    assert_string_equal(why, msg);
    assert_int_equal(idx, -1);
    assert_int_equal(enum_n("", 0, none, NULL, NULL), TW_EINPUT);
}

/* ---- value_email ------------------------------------------------------- */

static void test_email(void **state)
{
    char big[300];
    size_t i;

    (void)state;
    PLAIN_OK(value_email, "a@b.am");
    PLAIN_OK(value_email, "worker.name+tag@mail.example.am");
    PLAIN_OK(value_email, "ivan@\xd0\xbf\xd0\xbe\xd1\x87\xd1\x82\xd0\xb0.\xd1\x80\xd1\x84");
    PLAIN_OK(value_email, "o'brien@example.co.uk");

    /* 64-byte local part, 189-byte domain: 254 bytes, the limit. */
    memset(big, 'a', 64);
    big[64] = '@';
    for (i = 0; i < 189; i++)
        big[65 + i] = (i % 10 == 9) ? '.' : 'b';
    big[254] = '\0';
    PLAIN_OK(value_email, big);
    plain_n(value_email, "value_email", big, 253, NULL); /* one shorter: fine too */
    big[254] = 'b';
    big[255] = '\0';
    PLAIN_BAD(value_email, big, "e-mail address longer than 254 bytes");
    memset(big, 'a', 65);
    memcpy(big + 65, "@b.am", 6);
    PLAIN_BAD(value_email, big, "e-mail local part longer than 64 bytes");

    PLAIN_BAD(value_email, "", "e-mail address must contain exactly one '@'");
    PLAIN_BAD(value_email, "ab.am", "e-mail address must contain exactly one '@'");
    PLAIN_BAD(value_email, "a@@b.am", "e-mail address must contain exactly one '@'");
    PLAIN_BAD(value_email, "a@b@c.am", "e-mail address must contain exactly one '@'");
    PLAIN_BAD(value_email, "@b.am", "e-mail address has nothing before the '@'");
    PLAIN_BAD(value_email, "a@bam", "e-mail domain has no dot");
    PLAIN_BAD(value_email, "a@", "e-mail domain has no dot");
    PLAIN_BAD(value_email, "a@.am", "e-mail domain has an empty label");
    PLAIN_BAD(value_email, "a@b.am.", "e-mail domain has an empty label");
    PLAIN_BAD(value_email, "a@b..am", "e-mail domain has an empty label");
    PLAIN_BAD(value_email, "a@.", "e-mail domain has an empty label");
    PLAIN_BAD(value_email, "a b@c.am", "e-mail address contains a space or control character");
    PLAIN_BAD(value_email, " a@b.am", "e-mail address contains a space or control character");
    PLAIN_BAD(value_email, "a@b.am\n", "e-mail address contains a space or control character");
    PLAIN_BAD(value_email, "a\t@b.am", "e-mail address contains a space or control character");
    PLAIN_BAD(value_email, "a\x7f@b.am", "e-mail address contains a space or control character");
    PLAIN_BAD_N(value_email, "a@b.am\0", 7,
                "e-mail address contains a space or control character");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_valid),
        cmocka_unit_test(test_date_not_a_date),
        cmocka_unit_test(test_date_calendar_errors),
        cmocka_unit_test(test_date_reads_only_len_bytes),
        cmocka_unit_test(test_date_every_day_round_trip),
        cmocka_unit_test(test_format_date_limits),
        cmocka_unit_test(test_timestamp_valid),
        cmocka_unit_test(test_timestamp_bad_form),
        cmocka_unit_test(test_timestamp_range_errors),
        cmocka_unit_test(test_timestamp_reads_only_len_bytes),
        cmocka_unit_test(test_format_timestamp),
        cmocka_unit_test(test_timestamp_round_trip_random),
        cmocka_unit_test(test_uint_valid),
        cmocka_unit_test(test_uint_bad),
        cmocka_unit_test(test_country_spot_checks),
        cmocka_unit_test(test_country_kosovo),
        cmocka_unit_test(test_country_rejects),
        cmocka_unit_test(test_country_exact_set),
        cmocka_unit_test(test_country_matches_iso_codes_package),
        cmocka_unit_test(test_region),
        cmocka_unit_test(test_isic_division),
        cmocka_unit_test(test_isco),
        cmocka_unit_test(test_tin),
        cmocka_unit_test(test_ident),
        cmocka_unit_test(test_enum),
        cmocka_unit_test(test_email),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
