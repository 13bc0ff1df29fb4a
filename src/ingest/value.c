/*
 * value.c - parsing and checking of one register value (see value.h).
 *
 * Every function reads the field bytes s[0..len) once, left to right, and
 * never past len (fields are slices of a CSV buffer, not C strings). No
 * allocation, no locale (character classes are explicit ASCII byte ranges),
 * no time zone database, no libc time functions: dates are converted with
 * Howard Hinnant's days-from-civil / civil-from-days algorithms on the
 * proleptic Gregorian calendar.
 *
 * Invariants:
 *  1. On TW_EINPUT, `why` (when not NULL) points to a string literal, so the
 *     caller may keep the pointer for as long as it likes. On TW_OK, `why` is
 *     left untouched.
 *  2. countries[] is sorted in strcmp order and holds exactly the 249
 *     officially assigned ISO 3166-1 alpha-3 codes (checked at compile time
 *     for the count, by tests/test_value.c for the order and the content).
 *     Kosovo's user-assigned XKX is accepted as well, on purpose: see
 *     docs/internals/value.md.
 *  3. A date or timestamp is accepted only if its written calendar date is in
 *     1900..2100; a timestamp's UTC instant may therefore fall a few hours
 *     outside that range (1900-01-01T00:00:00+04:00 is 1899-12-31T20:00Z).
 *
 * Thread model: pure functions over read-only static tables; thread-safe.
 * Ownership: nothing is returned that needs freeing.
 */
#include "ingest/value.h"

#include <string.h>

/* ---- character classes (ASCII only, no locale) ------------------------- */

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_upper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static unsigned char to_upper(unsigned char c)
{
    return (c >= 'a' && c <= 'z') ? (unsigned char)(c - 'a' + 'A') : c;
}

static unsigned char to_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Value of two ASCII digits at p (the caller has checked they are digits). */
static int two_digits(const unsigned char *p)
{
    return (p[0] - '0') * 10 + (p[1] - '0');
}

static tw_err_t fail(const char **why, const char *msg)
{
    if (why)
        *why = msg;
    return TW_EINPUT;
}

/* ---- reasons that name the offending number ---------------------------- */

/* Tables indexed by the two-digit value, so that the reason can say "month
 * 13" while still being a string literal (invariant 1). Entries for values
 * that are in range are never used. */
#define TW_R2(pre, a, b, post) pre #a #b post
#define TW_R10(pre, a, post)                                                  \
    TW_R2(pre, a, 0, post), TW_R2(pre, a, 1, post), TW_R2(pre, a, 2, post),   \
        TW_R2(pre, a, 3, post), TW_R2(pre, a, 4, post),                       \
        TW_R2(pre, a, 5, post), TW_R2(pre, a, 6, post),                       \
        TW_R2(pre, a, 7, post), TW_R2(pre, a, 8, post), TW_R2(pre, a, 9, post)
#define TW_R100(pre, post)                                                    \
    TW_R10(pre, 0, post), TW_R10(pre, 1, post), TW_R10(pre, 2, post),         \
        TW_R10(pre, 3, post), TW_R10(pre, 4, post), TW_R10(pre, 5, post),     \
        TW_R10(pre, 6, post), TW_R10(pre, 7, post), TW_R10(pre, 8, post),     \
        TW_R10(pre, 9, post)

static const char *const month_out_of_range[100] = {
    TW_R100("month ", " is out of range 01-12")
};
static const char *const day_out_of_range[100] = {
    TW_R100("day ", " is out of range 01-31")
};
#undef TW_R100
#undef TW_R10
#undef TW_R2

/* "day 31 does not exist in April": [day - 29][month - 1], NULL when the
 * day exists in that month (February 29 is decided separately). */
static const char *const day_not_in_month[3][12] = {
    { NULL, "day 29 does not exist in February of a non-leap year", NULL, NULL,
      NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL },
    { NULL, "day 30 does not exist in February", NULL, NULL, NULL, NULL, NULL,
      NULL, NULL, NULL, NULL, NULL },
    { NULL, "day 31 does not exist in February", NULL,
      "day 31 does not exist in April", NULL, "day 31 does not exist in June",
      NULL, NULL, "day 31 does not exist in September", NULL,
      "day 31 does not exist in November", NULL },
};

#define MSG_DATE_FORM "not a date in YYYY-MM-DD form"
#define MSG_YEAR_RANGE "year out of range 1900-2100"
#define MSG_TS_FORM "not a timestamp in YYYY-MM-DDTHH:MM:SS form (optionally followed by Z, +HH:MM or -HH:MM)"

/* ---- calendar ---------------------------------------------------------- */

enum { YEAR_MIN = 1900, YEAR_MAX = 2100 };

/* value_format_* write years 0000..9999; outside that they write a fixed
 * invalid date. days_from_civil(0, 1, 1) and days_from_civil(9999, 12, 31): */
#define FORMAT_DAYS_MIN (-719528)
#define FORMAT_DAYS_MAX 2932896

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30,
                                           31, 31, 30, 31, 30, 31 };
    return (m == 2 && is_leap(y)) ? 29 : dim[m - 1];
}

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m in 1..12,
 * d in 1..31). Hinnant, "chrono-Compatible Low-Level Date Algorithms". */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);                          /* [0, 399] */
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;    /* [0, 365] */
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              /* [0, 146096] */
    return era * 146097 + (int64_t)doe - 719468;
}

/* Inverse of days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);                              /* [0, 146096] */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;     /* [0, 399] */
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                   /* [0, 365] */
    mp = (5 * doy + 2) / 153;                                        /* [0, 11] */
    *d = doy - (153 * mp + 2) / 5 + 1;                               /* [1, 31] */
    *m = mp < 10 ? mp + 3 : mp - 9;                                  /* [1, 12] */
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* Parses the 10 bytes at s as YYYY-MM-DD. Returns 0 and sets *days on
 * success; 1 if the bytes do not have the shape; 2 for a calendar error, with
 * *msg set to the reason. */
static int parse_ymd(const unsigned char *s, int32_t *days, const char **msg)
{
    int y, m, d, i;

    for (i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return 1;
        } else if (!is_digit(s[i])) {
            return 1;
        }
    }
    y = two_digits(s) * 100 + two_digits(s + 2);
    m = two_digits(s + 5);
    d = two_digits(s + 8);
    if (y < YEAR_MIN || y > YEAR_MAX) {
        *msg = MSG_YEAR_RANGE;
        return 2;
    }
    if (m < 1 || m > 12) {
        *msg = month_out_of_range[m];
        return 2;
    }
    if (d < 1 || d > 31) {
        *msg = day_out_of_range[d];
        return 2;
    }
    if (d > days_in_month(y, m)) {
        *msg = day_not_in_month[d - 29][m - 1];
        return 2;
    }
    *days = (int32_t)days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

tw_err_t value_date(const char *s, size_t len, int32_t *days, const char **why)
{
    const char *msg = MSG_DATE_FORM;
    int32_t v;

    if (len != 10)
        return fail(why, MSG_DATE_FORM);
    switch (parse_ymd((const unsigned char *)s, &v, &msg)) {
    case 0:
        *days = v;
        return TW_OK;
    case 1:
        return fail(why, MSG_DATE_FORM);
    default:
        return fail(why, msg);
    }
}

/*
 * Accepted shapes (byte offsets):
 *   0         1         2
 *   0123456789012345678901234
 *   YYYY-MM-DDTHH:MM:SS            len 19, Armenian time (+04:00)
 *   YYYY-MM-DDTHH:MM:SSZ           len 20, UTC
 *   YYYY-MM-DDTHH:MM:SS+HH:MM      len 25, explicit offset (also '-')
 * Fractional seconds, a lower-case 't' or 'z', a space separator, a leap
 * second and the basic forms (+0400, +04) are rejected with their own reason.
 */
tw_err_t value_timestamp(const char *s, size_t len, int64_t *utc, const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    const char *msg = MSG_TS_FORM;
    int32_t days;
    int hh, mi, ss, offset = 4 * 3600;
    static const unsigned char time_digits[6] = { 11, 12, 14, 15, 17, 18 };
    int i;

    if (len < 19) {
        if (len == 10 && parse_ymd(p, &days, &msg) != 1)
            return fail(why, "a date without a time of day (expected YYYY-MM-DDTHH:MM:SS)");
        return fail(why, MSG_TS_FORM);
    }
    switch (parse_ymd(p, &days, &msg)) {
    case 0:
        break;
    case 1:
        return fail(why, MSG_TS_FORM);
    default:
        return fail(why, msg);
    }
    if (p[10] != 'T') {
        if (p[10] == 't' || p[10] == ' ')
            return fail(why, "date and time must be separated by an upper-case 'T'");
        return fail(why, MSG_TS_FORM);
    }
    for (i = 0; i < 6; i++)
        if (!is_digit(p[time_digits[i]]))
            return fail(why, MSG_TS_FORM);
    if (p[13] != ':' || p[16] != ':')
        return fail(why, MSG_TS_FORM);
    hh = two_digits(p + 11);
    mi = two_digits(p + 14);
    ss = two_digits(p + 17);
    if (hh > 23)
        return fail(why, "hour out of range 00-23");
    if (mi > 59)
        return fail(why, "minute out of range 00-59");
    if (ss == 60)
        return fail(why, "second 60 (a leap second) is not accepted");
    if (ss > 59)
        return fail(why, "second out of range 00-59");

    if (len > 19) {
        unsigned char z = p[19];

        if (z == '.' || z == ',')
            return fail(why, "fractional seconds are not accepted");
        if (len == 20 && z == 'Z') {
            offset = 0;
        } else if (len == 25 && (z == '+' || z == '-') && is_digit(p[20]) &&
                   is_digit(p[21]) && p[22] == ':' && is_digit(p[23]) &&
                   is_digit(p[24])) {
            int oh = two_digits(p + 20), om = two_digits(p + 23);

            if (oh > 14 || om > 59)
                return fail(why, "zone offset out of range (hours 00-14, minutes 00-59)");
            offset = (oh * 3600 + om * 60) * (z == '-' ? -1 : 1);
        } else {
            return fail(why, "zone must be Z, +HH:MM or -HH:MM");
        }
    }
    *utc = (int64_t)days * 86400 + hh * 3600 + mi * 60 + ss - offset;
    return TW_OK;
}

/* ---- formatting -------------------------------------------------------- */

static void put2(char *out, unsigned v)
{
    out[0] = (char)('0' + v / 10);
    out[1] = (char)('0' + v % 10);
}

/* Writes "YYYY-MM-DD" (10 bytes, no NUL); days within the format range. */
static void put_date(char *out, int64_t days)
{
    int64_t y;
    unsigned m, d;

    civil_from_days(days, &y, &m, &d);
    put2(out, (unsigned)(y / 100));
    put2(out + 2, (unsigned)(y % 100));
    out[4] = '-';
    put2(out + 5, m);
    out[7] = '-';
    put2(out + 8, d);
}

void value_format_date(int32_t days, char out[11])
{
    if (days < FORMAT_DAYS_MIN || days > FORMAT_DAYS_MAX)
        memcpy(out, "0000-00-00", 10);
    else
        put_date(out, days);
    out[10] = '\0';
}

void value_format_timestamp(int64_t utc, char out[21])
{
    int64_t days = utc / 86400, secs = utc % 86400;

    if (secs < 0) {
        secs += 86400;
        days -= 1;
    }
    if (days < FORMAT_DAYS_MIN || days > FORMAT_DAYS_MAX) {
        memcpy(out, "0000-00-00T00:00:00Z", 21);
        return;
    }
    put_date(out, days);
    out[10] = 'T';
    put2(out + 11, (unsigned)(secs / 3600));
    out[13] = ':';
    put2(out + 14, (unsigned)(secs / 60 % 60));
    out[16] = ':';
    put2(out + 17, (unsigned)(secs % 60));
    out[19] = 'Z';
    out[20] = '\0';
}

/* ---- numbers ----------------------------------------------------------- */

tw_err_t value_uint(const char *s, size_t len, int64_t max, int64_t *out, const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t v = 0;
    size_t i = 0, sig;

    if (len == 0)
        return fail(why, "not a non-negative whole number");
    /* Leading zeros carry no value; skip them so that a long zero-padded
     * number does not look like an overflow. */
    while (i < len && p[i] == '0')
        i++;
    sig = len - i;
    for (; i < len; i++) {
        if (!is_digit(p[i]))
            return fail(why, "not a non-negative whole number");
        /* 19 digits always fit in uint64_t (< 1.9e19); more never fit in
         * int64_t, so stop accumulating but keep checking the bytes. */
        if (sig <= 19)
            v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (sig > 19 || max < 0 || v > (uint64_t)max)
        return fail(why, "larger than the allowed maximum");
    *out = (int64_t)v;
    return TW_OK;
}

/* ---- codes ------------------------------------------------------------- */

/* ISO 3166-1 alpha-3, officially assigned codes, sorted (invariant 2). */
static const char countries[][4] = {
    "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM",
    "ASM", "ATA", "ATF", "ATG", "AUS", "AUT", "AZE", "BDI", "BEL", "BEN",
    "BES", "BFA", "BGD", "BGR", "BHR", "BHS", "BIH", "BLM", "BLR", "BLZ",
    "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF", "CAN",
    "CCK", "CHE", "CHL", "CHN", "CIV", "CMR", "COD", "COG", "COK", "COL",
    "COM", "CPV", "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DEU",
    "DJI", "DMA", "DNK", "DOM", "DZA", "ECU", "EGY", "ERI", "ESH", "ESP",
    "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO", "FSM", "GAB", "GBR",
    "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC",
    "GRD", "GRL", "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV",
    "HTI", "HUN", "IDN", "IMN", "IND", "IOT", "IRL", "IRN", "IRQ", "ISL",
    "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM",
    "KIR", "KNA", "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE",
    "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF", "MAR", "MCO", "MDA",
    "MDG", "MDV", "MEX", "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG",
    "MNP", "MOZ", "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM",
    "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD", "NOR", "NPL", "NRU",
    "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL",
    "PRI", "PRK", "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS",
    "RWA", "SAU", "SDN", "SEN", "SGP", "SGS", "SHN", "SJM", "SLB", "SLE",
    "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN",
    "SWE", "SWZ", "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK",
    "TKL", "TKM", "TLS", "TON", "TTO", "TUN", "TUR", "TUV", "TWN", "TZA",
    "UGA", "UKR", "UMI", "URY", "USA", "UZB", "VAT", "VCT", "VEN", "VGB",
    "VIR", "VNM", "VUT", "WLF", "WSM", "YEM", "ZAF", "ZMB", "ZWE",
};
_Static_assert(sizeof(countries) / sizeof(countries[0]) == 249,
               "ISO 3166-1 has 249 officially assigned alpha-3 codes");

/* User-assigned codes accepted in addition to the official list. */
static const char extra_countries[][4] = {
    "XKX", /* Kosovo: user-assigned, widely used, and in the registers */
};

tw_err_t value_country(const char *s, size_t len, char up[4], const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    char code[3];
    size_t lo = 0, hi = sizeof(countries) / sizeof(countries[0]), i;

    up[0] = '\0';
    if (len != 3)
        return fail(why, "a country code must be 3 letters (ISO 3166-1 alpha-3)");
    for (i = 0; i < 3; i++) {
        unsigned char c = to_upper(p[i]);

        if (!is_upper(c))
            return fail(why, "a country code must be 3 letters (ISO 3166-1 alpha-3)");
        code[i] = (char)c;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(code, countries[mid], 3);

        if (c == 0)
            goto found;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (i = 0; i < sizeof(extra_countries) / sizeof(extra_countries[0]); i++)
        if (memcmp(code, extra_countries[i], 3) == 0)
            goto found;
    return fail(why, "not an ISO 3166-1 alpha-3 country code");
found:
    memcpy(up, code, 3);
    up[3] = '\0';
    return TW_OK;
}

tw_err_t value_region(const char *s, size_t len, char up[6], const char **why)
{
    static const char regions[][3] = { "AG", "AR", "AV", "ER", "GR", "KT",
                                       "LO", "SH", "SU", "TV", "VD" };
    const unsigned char *p = (const unsigned char *)s;
    unsigned char a, b;
    size_t i;

    up[0] = '\0';
    if (len != 5 || to_upper(p[0]) != 'A' || to_upper(p[1]) != 'M' || p[2] != '-')
        return fail(why, "not an ISO 3166-2:AM region code (AM-XX)");
    a = to_upper(p[3]);
    b = to_upper(p[4]);
    for (i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
        if ((unsigned char)regions[i][0] == a && (unsigned char)regions[i][1] == b) {
            memcpy(up, "AM-", 3);
            up[3] = (char)a;
            up[4] = (char)b;
            up[5] = '\0';
            return TW_OK;
        }
    }
    return fail(why, "not a region of Armenia (AM-ER, AM-AG, AM-AR, AM-AV, AM-GR, "
                     "AM-KT, AM-LO, AM-SH, AM-SU, AM-TV, AM-VD)");
}

tw_err_t value_isic_division(const char *s, size_t len, const char **why)
{
    /* Divisions 00..99 that ISIC Rev.4 does not define. */
    static const unsigned char gaps[] = { 0, 4, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89 };
    const unsigned char *p = (const unsigned char *)s;
    int v;
    size_t i;

    if (len != 2 || !is_digit(p[0]) || !is_digit(p[1]))
        return fail(why, "an ISIC Rev.4 division must be two digits");
    v = two_digits(p);
    for (i = 0; i < sizeof(gaps); i++)
        if (gaps[i] == v)
            return fail(why, "not an ISIC Rev.4 division");
    return TW_OK;
}

tw_err_t value_isco(const char *s, size_t len, const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i;

    if (len != 4)
        return fail(why, "an ISCO-08 unit group must be four digits");
    for (i = 0; i < 4; i++)
        if (!is_digit(p[i]))
            return fail(why, "an ISCO-08 unit group must be four digits");
    if (memcmp(p, "0000", 4) == 0)
        return fail(why, "0000 is not an ISCO-08 unit group");
    return TW_OK;
}

tw_err_t value_tin(const char *s, size_t len, const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i;

    if (len != 8)
        return fail(why, "a TIN must be exactly 8 digits");
    for (i = 0; i < 8; i++)
        if (!is_digit(p[i]))
            return fail(why, "a TIN must contain digits only");
    return TW_OK;
}

tw_err_t value_ident(const char *s, size_t len, const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i;

    if (len == 0)
        return fail(why, "empty identifier");
    if (len > 64)
        return fail(why, "identifier longer than 64 bytes");
    /* a spreadsheet would run it as a formula when a CSV of alerts or
     * rejects is opened (OWASP "CSV Injection"); no register numbers its
     * records like that */
    if (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@')
        return fail(why, "identifier begins with '=', '+', '-' or '@' (a spreadsheet would "
                         "take it for a formula)");
    for (i = 0; i < len; i++) {
        unsigned char c = p[i];

        if (c == ' ')
            return fail(why, "identifier contains a space");
        if (c == ',')
            return fail(why, "identifier contains a comma");
        if (c == '"')
            return fail(why, "identifier contains a double quote");
        if (c < 0x21 || c > 0x7e)
            return fail(why, "identifier contains a control or non-ASCII byte");
    }
    return TW_OK;
}

tw_err_t value_enum(const char *s, size_t len, const char *const *allowed, int *index,
                    const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    int n;

    if (index)
        *index = -1;
    for (n = 0; allowed && allowed[n]; n++) {
        const unsigned char *w = (const unsigned char *)allowed[n];
        size_t i;

        /* w is NUL-terminated, so a mismatch (w[i] == 0) ends the loop
         * before strlen(w) is ever needed. */
        for (i = 0; i < len && w[i] && to_lower(p[i]) == to_lower(w[i]); i++)
            ;
        if (i == len && w[i] == '\0') {
            if (index)
                *index = n;
            return TW_OK;
        }
    }
    return fail(why, "not one of the allowed values");
}

tw_err_t value_email(const char *s, size_t len, const char **why)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i, at = len, ats = 0, dots = 0;

    if (len > 254)
        return fail(why, "e-mail address longer than 254 bytes");
    for (i = 0; i < len; i++) {
        unsigned char c = p[i];

        if (c <= 0x20 || c == 0x7f)
            return fail(why, "e-mail address contains a space or control character");
        if (c == '@') {
            ats++;
            at = i;
        }
    }
    if (ats != 1)
        return fail(why, "e-mail address must contain exactly one '@'");
    if (at == 0)
        return fail(why, "e-mail address has nothing before the '@'");
    if (at > 64)
        return fail(why, "e-mail local part longer than 64 bytes");
    for (i = at + 1; i < len; i++) {
        if (p[i] != '.')
            continue;
        if (i == at + 1 || i == len - 1 || p[i - 1] == '.')
            return fail(why, "e-mail domain has an empty label");
        dots++;
    }
    if (dots == 0)
        return fail(why, "e-mail domain has no dot");
    return TW_OK;
}
