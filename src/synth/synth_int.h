/*
 * synth_int.h - what the pieces of the synthetic register generator share;
 * private to src/synth/ (nothing else includes it). The public contract is
 * synth.h; the design is docs/internals/synth.md.
 *
 * The pieces, by what they write:
 *   population.c  the background world: name, nationality, occupation,
 *                 sector and place tables; people, employers, agencies,
 *                 identifiers; background employers and travellers; the
 *                 employer pool
 *   schemes.c     the planted trafficking schemes and the unit plan
 *   lookalikes.c  the benign look-alikes
 *   noise.c       data-quality noise: how names, addresses, documents and
 *                 phones are spelled, and the deliberately bad rows
 *   output.c      the files: records, permit / crossing / inspection /
 *                 report / outcome / truth rows, manifest, and synth_run()
 *
 * Invariants every piece keeps:
 *   1. Every output byte is a function of the options alone: xoshiro256**
 *      streams seeded with splitmix64 from (seed, unit number); integer and
 *      IEEE double arithmetic only (no libm, no locale, no clock, no rand()).
 *   2. No field ever holds CR or LF, so the physical line of a record is its
 *      row number + 1 (the header is line 1); synth_write_rec() enforces it.
 *   3. Ids are unique by construction: application and crossing ids carry
 *      their day and a per-day counter, permit numbers, inspection and report
 *      ids a per-year counter; TINs, document numbers and phone numbers come
 *      from counters through keyed Feistel permutations (perm_t).
 *   4. A bad row breaks exactly one importer rule in one column and keeps a
 *      unique id; planted and look-alike rows are never made bad.
 *   5. Memory: the employer, intermediary and unit pools (O(applications/11))
 *      plus fixed buffers; nothing is allocated per row.
 *   6. No expression holds two random draws whose order C leaves open
 *      (function arguments, operands of + - *): gcc and clang evaluate them
 *      in different orders, and the bytes must not depend on the compiler.
 *      Draws are hoisted into statements; synth_cross() draws its defaults
 *      itself.
 * Errors are sticky: the first failure is kept in ctx->err, later writes are
 * skipped, and the unit loop stops. Single-threaded; no global state.
 *
 * Small helpers (random numbers, calendar, the bounded string builder) are
 * static inline here; everything a piece exports is named synth_*.
 */
#ifndef TW_SYNTH_INT_H
#define TW_SYNTH_INT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "synth/synth.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define MAX_APPLICATIONS 100000000ULL /* ids keep their shape up to here */

#define IOBUF_SIZE ((size_t)1 << 20)

#define LINE_CAP 16384

#define REC_POOL 6000

#define REC_MAXF 36

#define TXT 192 /* buffer for one name, address, phone, title */

/* ---- deterministic random numbers ------------------------------------- */

typedef struct {
    uint64_t s[4];
} rng_t;

static inline uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void rng_init(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL) ^ 0x5851f42d4c957f2dULL;
    int i;
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_u64(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return res;
}

/* Uniform in [0, n); 0 when n == 0 (Lemire's method, unbiased). */
static inline uint32_t rng_below(rng_t *r, uint32_t n)
{
    uint64_t m;
    uint32_t l;
    if (n == 0)
        return 0;
    m = (rng_u64(r) >> 32) * (uint64_t)n;
    l = (uint32_t)m;
    if (l < n) {
        uint32_t t = (uint32_t)(0u - n) % n;
        while (l < t) {
            m = (rng_u64(r) >> 32) * (uint64_t)n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* Uniform integer in [lo, hi]. */
static inline int rng_int(rng_t *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

static inline double rng_unit(rng_t *r)
{
    return (double)(rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline int rng_chance(rng_t *r, double p)
{
    return rng_unit(r) < p;
}

/* Approximately standard normal (Irwin-Hall of 12 uniforms): no libm. */
static inline double rng_normal(rng_t *r)
{
    double s = 0;
    int i;
    for (i = 0; i < 12; i++)
        s += rng_unit(r);
    return s - 6.0;
}

/* Index drawn with integer weights w[0..n). */
static inline uint32_t pick_w(rng_t *r, const uint16_t *w, size_t n)
{
    uint32_t total = 0, x;
    size_t i;
    for (i = 0; i < n; i++)
        total += w[i];
    x = rng_below(r, total);
    for (i = 0; i < n; i++) {
        if (x < w[i])
            return (uint32_t)i;
        x -= w[i];
    }
    return 0;
}

/* exp() and log() from + - * / only, so results do not depend on libm. */
static inline double det_exp(double x)
{
    const double ln2 = 0.69314718055994530942;
    double t = x / ln2, y, term, sum;
    int k = (int)(t < 0 ? t - 0.5 : t + 0.5), i;
    if (x > 700)
        x = 700;
    y = x - (double)k * ln2;
    term = 1.0;
    sum = 1.0;
    for (i = 1; i < 24; i++) {
        term *= y / (double)i;
        sum += term;
    }
    for (; k > 0; k--)
        sum *= 2.0;
    for (; k < 0; k++)
        sum *= 0.5;
    return sum;
}

static inline double det_log(double x)
{
    const double ln2 = 0.69314718055994530942;
    double e = 0, z, z2, term, sum;
    int i;
    if (x <= 0)
        return -745.0;
    while (x >= 2.0) {
        x *= 0.5;
        e += 1;
    }
    while (x < 1.0) {
        x *= 2.0;
        e -= 1;
    }
    z = (x - 1.0) / (x + 1.0);
    z2 = z * z;
    term = z;
    sum = 0;
    for (i = 1; i < 60; i += 2) {
        sum += term / (double)i;
        term *= z2;
    }
    return 2.0 * sum + e * ln2;
}

/* ---- calendar ---------------------------------------------------------- */

static inline int32_t days_from_civil(int y, int m, int d)
{
    int era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static inline void civil_from_days(int32_t z0, int *y, int *m, int *d)
{
    int z = z0 + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static inline int year_of(int32_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return y;
}

/* 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
static inline int weekday(int32_t day)
{
    int w = (int)((day + 4) % 7);
    return w < 0 ? w + 7 : w;
}

static inline int32_t add_months(int32_t day, int n)
{
    int y, m, d, mm;
    civil_from_days(day, &y, &m, &d);
    mm = (m - 1) + n;
    y += mm >= 0 ? mm / 12 : (mm - 11) / 12;
    mm = ((mm % 12) + 12) % 12;
    if (d > 28)
        d = 28;
    return days_from_civil(y, mm + 1, d);
}

/* ---- small bounded string builder --------------------------------------
 * A piece that does not fit is dropped whole (never cut inside a UTF-8
 * sequence) and `over` is set. */

typedef struct {
    char *p;
    size_t n, cap;
    int over;
} sb_t;

static inline void sb_init(sb_t *s, char *buf, size_t cap)
{
    s->p = buf;
    s->n = 0;
    s->cap = cap;
    s->over = 0;
    buf[0] = '\0';
}

static inline void sb_add(sb_t *s, const char *x, size_t len)
{
    if (s->n + len >= s->cap) {
        s->over = 1;
        return;
    }
    memcpy(s->p + s->n, x, len);
    s->n += len;
    s->p[s->n] = '\0';
}

static inline void sb_adds(sb_t *s, const char *x)
{
    sb_add(s, x, strlen(x));
}

static inline void sb_addc(sb_t *s, char c)
{
    sb_add(s, &c, 1);
}

/* Decimal, zero-padded to `width` digits (0: no padding). */
static inline void sb_addu(sb_t *s, uint64_t v, int width)
{
    char tmp[24];
    int n = 0, i;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (n < width && n < 20)
        tmp[n++] = '0';
    for (i = 0; i < n / 2; i++) {
        char t = tmp[i];
        tmp[i] = tmp[n - 1 - i];
        tmp[n - 1 - i] = t;
    }
    sb_add(s, tmp, (size_t)n);
}

static inline void sb_date(sb_t *s, int32_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    sb_addu(s, (uint64_t)y, 4);
    sb_addc(s, '-');
    sb_addu(s, (uint64_t)m, 2);
    sb_addc(s, '-');
    sb_addu(s, (uint64_t)d, 2);
}

enum { TZ_NONE, TZ_PLUS4, TZ_UTC };

/* Local Armenian time `day` + `sec`, written with the chosen zone form. */
static inline void sb_ts(sb_t *s, int32_t day, int32_t sec, int zone)
{
    if (zone == TZ_UTC) {
        sec -= 4 * 3600;
        if (sec < 0) {
            sec += 86400;
            day--;
        }
    }
    sb_date(s, day);
    sb_addc(s, 'T');
    sb_addu(s, (uint64_t)(sec / 3600), 2);
    sb_addc(s, ':');
    sb_addu(s, (uint64_t)(sec / 60 % 60), 2);
    sb_addc(s, ':');
    sb_addu(s, (uint64_t)(sec % 60), 2);
    if (zone == TZ_PLUS4)
        sb_adds(s, "+04:00");
    else if (zone == TZ_UTC)
        sb_addc(s, 'Z');
}

/* The k-th (mod count) '|'-separated part of s[0..len). */
static inline void part_of(const char *s, size_t len, unsigned k, const char **p, size_t *n)
{
    unsigned count = 1, i;
    size_t j, start = 0;
    for (j = 0; j < len; j++)
        if (s[j] == '|')
            count++;
    k %= count;
    for (i = 0, j = 0; j <= len; j++) {
        if (j == len || s[j] == '|') {
            if (i == k) {
                *p = s + start;
                *n = j - start;
                return;
            }
            i++;
            start = j + 1;
        }
    }
    *p = s;
    *n = 0;
}

static inline unsigned count_parts(const char *s, size_t len)
{
    unsigned count = 1;
    size_t j;
    for (j = 0; j < len; j++)
        if (s[j] == '|')
            count++;
    return count;
}

typedef struct {
    const char *const *v;
    uint16_t n;
    uint8_t gendered;
} pool_t;

#define POOL(a, g) {a, (uint16_t)NELEM(a), g}

enum {
    PL_ARM_FAM, PL_ARM_M, PL_ARM_F, PL_RU_FAM, PL_RU_M, PL_RU_F, PL_UA_FAM, PL_UA_M,
    PL_UA_F, PL_IN_FAM, PL_IN_M, PL_IN_F, PL_NP_FAM, PL_NP_M, PL_NP_F, PL_BD_FAM,
    PL_BD_M, PL_BD_F, PL_PK_FAM, PL_PK_M, PL_PK_F, PL_LK_FAM, PL_LK_M, PL_LK_F,
    PL_PH_FAM, PL_PH_M, PL_PH_F, PL_ET_FAM, PL_ET_M, PL_ET_F, PL_IR_FAM, PL_IR_M,
    PL_IR_F, PL_CN_FAM, PL_CN_M, PL_CN_F, PL_AR_FAM, PL_AR_M, PL_AR_F, PL_TR_FAM,
    PL_TR_M, PL_TR_F, PL_GE_FAM, PL_GE_M, PL_GE_F, PL_CA_FAM, PL_UZ_M, PL_UZ_F,
    PL_TJ_M, PL_TJ_F, PL_KG_FAM, PL_KG_M, PL_KG_F, PL_KZ_FAM, PL_KZ_M, PL_KZ_F,
    PL_US_FAM, PL_US_M, PL_US_F, PL_FR_FAM, PL_FR_M, PL_FR_F
};

/* ---- nationalities -------------------------------------------------------- */

enum {
    N_RUS, N_IND, N_IRN, N_CHN, N_SYR, N_IRQ, N_LBN, N_UKR, N_BLR, N_GEO, N_TUR, N_EGY,
    N_PAK, N_NPL, N_BGD, N_LKA, N_PHL, N_UZB, N_TJK, N_KGZ, N_KAZ, N_USA, N_FRA, N_ETH,
    NNAT
};

enum { CYR_NONE, CYR_RU, CYR_UA }; /* how the passport transliterates Cyrillic */

enum { BP_AIR, BP_GEO, BP_IRN };   /* border point profile */

typedef struct {
    const char *iso;
    const char *name_en;  /* what a careless clerk types instead of the code */
    uint16_t share;       /* background permit share, per mille */
    uint16_t tourist;     /* share among unrelated travellers, per mille */
    const char *docfmt;   /* passport number: L letter, D digit, other literal */
    const char *cc;       /* phone country code */
    const char *mobile;   /* national mobile number pattern */
    uint8_t fam, male, female; /* name pools */
    uint8_t arm_pct;      /* percent with Armenian-origin names (diaspora) */
    uint8_t cyr;
    uint8_t visa_free;
    uint8_t border;
    const char *mail;     /* '|'-separated e-mail domains */
} nat_t;

/* ---- occupations (ISCO-08) and sectors (ISIC Rev.4 divisions) ----------- */

typedef struct {
    const char *isco;
    const char *titles; /* '|'-separated spellings seen in position_title */
    uint32_t median;    /* monthly gross AMD */
    uint8_t female_pct;
} occ_t;

enum {
    O_BRICKLAYER, O_LABOURER, O_CARPENTER, O_WELDER, O_CONCRETE, O_PLUMBER,
    O_ELECTRICIAN, O_CIVILTECH, O_CIVILENG, O_PLANTOP, O_TRUCKDRV, O_DRIVER, O_WAITER,
    O_COOK, O_CHEF, O_KITCHENHELP, O_BARTENDER, O_HOUSEKEEPSUP, O_CLEANER, O_RECEPTION,
    O_FARMLAB, O_GROWER, O_LIVESTOCK, O_DOMESTIC, O_CHILDCARE, O_HOMECARE, O_DANCER,
    O_MUSICIAN, O_ARTIST, O_COACH, O_SWDEV, O_APPPROG, O_SYSANALYST, O_DBDESIGN,
    O_ICTSUPPORT, O_ICTMGR, O_SALES, O_CASHIER, O_RETAILMGR, O_BAKER, O_FOODOP,
    O_MANUFLAB, O_NURSE, O_DOCTOR, O_LANGTEACHER, O_UNITEACHER, O_PRIMTEACHER,
    O_MINER, O_CLERK, O_DIRECTOR, O_FREIGHT, NOCC
};

enum {
    S41, S42, S43, S56, S55, S01, S97, S93, S62, S47, S10, S86, S85, S49, S07, S46, NSEC
};

enum { RP_DEFAULT, RP_AGRI, RP_MINING, RP_IT, RP_HOTEL };

typedef struct {
    const char *isic;
    uint8_t occ[8];
    uint8_t occw[8];
    uint8_t region_profile;
    const char *words; /* '|'-separated words for employer names */
} sector_t;

/* ---- places: regions, towns, streets -------------------------------------- */

enum { R_ER, R_AG, R_AR, R_AV, R_GR, R_KT, R_LO, R_SH, R_SU, R_TV, R_VD, NREG };

typedef struct {
    const char *lat; /* '|'-separated spellings */
    const char *cyr;
    const char *arm;
    uint8_t region;
    uint8_t village;
} town_t;

#define NTOWN 28 /* NELEM(synth_towns), checked in population.c */

typedef struct {
    const char *lat; /* as written in Latin: "Komitas" */
    const char *cyr; /* genitive as used after ул./пр.: "Комитаса" */
    const char *arm; /* as used before փողոց/պողոտա: "Կոմիտասի" */
    char type;       /* 'S' street, 'A' avenue */
} street_t;

#define NYSTREET 44 /* NELEM(synth_yerevan_streets), checked in population.c */

#define NTSTREET 14 /* NELEM(synth_town_streets), checked in population.c */

enum { UNIT_NONE, UNIT_APT, UNIT_OFFICE, UNIT_DORM, UNIT_FLOOR };

typedef struct {
    uint8_t town;
    uint8_t street; /* index into yerevan_streets / town_streets; village: street no. */
    uint8_t unit;
    uint16_t house;
    uint16_t flat;
} place_t;

/* ---- rendering: addresses ------------------------------------------------- */

enum { AS_EN_SHORT, AS_EN_LONG, AS_ARM_LAT, AS_RU_LAT, AS_CYR, AS_ARM, AS_CAPS,
       AS_NUM_FIRST, NSTYLE };

/* ---- people ----------------------------------------------------------------- */

enum { SCR_LATIN, SCR_CYR, SCR_ARM, SCR_MRZ_TITLE, SCR_MRZ_CAPS };

typedef struct {
    uint8_t nat;
    char sex;        /* 'F', 'M', 'X' */
    uint8_t script;  /* how the permit writes the name */
    uint8_t fam_var, giv_var;   /* Latin variants in permits */
    uint8_t pfam_var, pgiv_var; /* Latin variants in the passport */
    uint8_t docstyle;
    const char *fam, *giv;      /* name table entries */
    uint8_t fam_gendered;
    int32_t birth;
    char doc[20];    /* canonical: upper-case letters and digits */
    char phone[40];  /* as written in permits, "" when none */
    char email[80];
    char home[TXT];  /* residence as written, "" when none */
    int home_region; /* -1 when not given */
    uint64_t pid;    /* the person's ground-truth id (persons.csv), never 0 */
} person_t;

/* ---- output files and records ------------------------------------------ */

enum { F_PERMITS, F_BORDER, F_INSPECT, F_REPORTS, F_OUTCOMES, F_TRUTH, F_PERSONS, F_BAD,
       F_MANIFEST, NFILES };

enum {
    P_APPLICATION_ID, P_SUBMITTED_AT, P_DECISION, P_DECIDED_AT, P_PERMIT_NO, P_VALID_FROM,
    P_VALID_TO, P_PREVIOUS_APPLICATION_ID, P_WORKER_DOC_NO, P_WORKER_DOC_COUNTRY,
    P_WORKER_FAMILY_NAME, P_WORKER_GIVEN_NAME, P_WORKER_SEX, P_WORKER_BIRTH_DATE,
    P_WORKER_CITIZENSHIP, P_WORKER_PHONE, P_WORKER_EMAIL, P_WORKER_ADDRESS,
    P_WORKER_REGION, P_EMPLOYER_TIN, P_EMPLOYER_NAME, P_EMPLOYER_SECTOR,
    P_EMPLOYER_REGISTERED_ON, P_EMPLOYER_DECLARED_EMPLOYEES, P_WORKPLACE_ADDRESS,
    P_WORKPLACE_REGION, P_OCCUPATION_ISCO, P_POSITION_TITLE, P_MONTHLY_SALARY_AMD,
    P_WEEKLY_HOURS, P_CONTRACT_START, P_CONTRACT_END, P_INTERMEDIARY_ID,
    P_INTERMEDIARY_NAME, P_SUBMITTED_BY, P_NCOLS
};

enum { B_CROSSING_ID, B_CROSSED_AT, B_DIRECTION, B_CROSSING_POINT, B_DOC_NO, B_DOC_COUNTRY,
       B_FAMILY_NAME, B_GIVEN_NAME, B_SEX, B_BIRTH_DATE, B_CITIZENSHIP, B_PURPOSE,
       B_NCOLS };

enum { I_INSPECTION_ID, I_EMPLOYER_TIN, I_INSPECTED_ON, I_WORKERS_FOUND,
       I_UNDECLARED_WORKERS, I_VIOLATIONS, I_NCOLS };

enum { R_REPORT_ID, R_RECEIVED_AT, R_CHANNEL, R_SUBJECT_NAME, R_SUBJECT_BIRTH_DATE,
       R_SUBJECT_CITIZENSHIP, R_EMPLOYER_TIN, R_EMPLOYER_NAME, R_ADDRESS, R_PHONE,
       R_CATEGORY, R_SUMMARY, R_NCOLS };

enum { O_ENTITY_TYPE, O_ENTITY_KEY, O_OUTCOME, O_DECIDED_ON, O_NCOLS };

/* The rules a bad row breaks; the reason column of bad_rows.csv starts with
 * the rule's name. */
enum { BR_REQUIRED, BR_DATE, BR_TIMESTAMP, BR_COUNTRY, BR_REGION, BR_ENUM, BR_UINT,
       BR_TIN, BR_ISIC, BR_ISCO, BR_ID, BR_UTF8 };

typedef struct {
    uint8_t rule;
    uint8_t col;
} badkind_t;

typedef struct {
    FILE *fp;
    char *iobuf;
    uint64_t rows;     /* data rows written */
    uint64_t bad;      /* of those, made bad */
    uint64_t next_bad; /* row index of the next bad row */
    char path[PATH_MAX];
    char tmp[PATH_MAX];
} outfile_t;

typedef struct {
    char pool[REC_POOL];
    size_t used;
    const char *f[REC_MAXF];
    size_t len[REC_MAXF];
    int nf;
    int overflow;
} rec_t;

/* ---- pools -------------------------------------------------------------------- */

enum { EF_SCHEME = 1, EF_NOLABEL = 2, EF_HOUSEHOLD = 4 };

typedef struct {
    char tin[12];
    char name[96];
    place_t place;
    int32_t registered; /* 0: not given */
    uint32_t declared;  /* 0: not given */
    uint32_t account;
    uint32_t seed;      /* fixes the usual spelling of the workplace address */
    int32_t agency;     /* -1: none */
    uint16_t wage_pm;   /* pay level against peers, per mille */
    uint8_t sector;
    uint8_t dom_nat;
    uint8_t wp_style;
    uint8_t agency_pct;
    uint8_t flags;
} employer_t;

typedef struct {
    char id[12];
    char name[96];
    char phone[24];
    uint32_t account;
} agency_t;

enum {
    U_BG, U_DEBT, U_SEX, U_DOMESTIC, U_SHELL, U_AGRI, /* planted */
    U_L_DORM, U_L_IT, U_L_COUPLE, U_L_FAMREST, U_L_NANNY, U_L_AGENCY, NUNITKIND
};

typedef struct {
    uint32_t quota; /* permit rows this unit writes */
    int32_t emp;    /* pool employer, or -1 */
    uint32_t no;    /* stream number for its random numbers */
    uint8_t kind;
} unit_t;

#define NDAYS 2200 /* 2021-01-01 .. 2026-12-31 */

#define NYEARS 8   /* 2020 .. 2027 */

#define MAXGROUP 160

/* A keyed permutation of [0, m): a 4-round Feistel network on the smallest
 * even number of bits holding m, cycle-walked back into range. Counters go
 * in, scattered unique numbers come out. */
typedef struct {
    uint64_t m;
    unsigned half;
    uint64_t key[4];
} perm_t;

/* Where a person is as far as the border register knows. */
typedef struct {
    int inside;
    int32_t last_day, last_sec;
} bstate_t;

/* One worker of a planted scheme, kept while the scheme is generated. */
typedef struct {
    person_t w;
    bstate_t bs;
    char app[24]; /* latest application id */
    int32_t vfrom, vto;
    int dec;      /* its decision; -1 returner, -2 new (before the first row) */
    int occ;
    uint32_t salary;
    int hours;
} member_t;

typedef struct {
    const synth_opts_t *opts;
    tw_errinfo_t *ei;
    tw_err_t err;
    uint64_t seed;
    double bad_rate;
    outfile_t out[NFILES];
    char line[LINE_CAP];
    rec_t rec;

    employer_t *emp;
    uint32_t nemp;
    uint32_t sec_first[NSEC], sec_count[NSEC];
    agency_t *ag;
    uint32_t nag;
    uint32_t ag_total_w;
    unit_t *units;
    uint32_t nunits;

    int32_t d0, d_start, d_end, d_border0;
    uint32_t app_ctr[NDAYS], cross_ctr[NDAYS];
    uint32_t permit_ctr[NYEARS], insp_ctr[NYEARS], rep_ctr[NYEARS];
    uint64_t tin_ctr, acct_ctr, amph_ctr, doc_ctr[NNAT], fph_ctr[NNAT];
    perm_t tin_map, acct_map, amph_map, doc_map[NNAT], fph_map[NNAT];
    uint32_t nat_given_sec[NSEC][NNAT]; /* weight of nationality given sector */
    uint32_t tourist_w[NNAT];
    uint32_t scheme_no, look_no;
    uint64_t planted, schemes;
    uint64_t big_agency_apps; /* rows through the large legitimate agency */
    member_t group[MAXGROUP]; /* scheme scratch: the workers of one scheme */

    /* the world (synth_world_t); the default one unless opts->world says */
    synth_world_t world;
    int labels_default;      /* label_share 1, no noise, cleared labels too */
    rng_t lab_rng;           /* label thinning and noise: the units' streams stay as
                                in the default world */
    uint32_t nat_share[NNAT]; /* background weight per citizenship */
    uint64_t nat_scale;      /* its multiplier in P(nationality | sector) */
    uint64_t extra_units;    /* room for the schemes a higher prevalence adds */
    int dry;                 /* synth_write_rec counts rows but writes nothing */
    uint64_t person_ctr;     /* last person id given (persons.csv) */
    outfile_t shadow;        /* outcomes.csv as the default world writes it (dry) */
} ctx_t;

/* ---- permits ------------------------------------------------------------------ */

enum { D_PENDING, D_APPROVED, D_REJECTED, D_WITHDRAWN, D_REVOKED };

enum { ROLE_BG, ROLE_PLANTED, ROLE_LOOKALIKE };

typedef struct {
    person_t *w;
    const employer_t *e;
    const agency_t *ag;    /* NULL: direct */
    int occ;
    uint32_t salary;       /* 0: not given */
    int hours;             /* 0: not given */
    int32_t sub;           /* submission day */
    int months;            /* validity */
    const char *prev;      /* previous application id, "" for none */
    const char *wp;        /* workplace as written, NULL: the employer's own */
    int want;              /* decision wanted, -1: drawn */
    int32_t revoke_on;     /* day of revocation when want == D_REVOKED */
    int agency_submits;    /* submitted_by is the agency's account */
    int shared_account;    /* non-zero: submitted_by this account instead */
    uint8_t role;
    /* results */
    char id[24];
    int dec;
    int32_t dec_day, vfrom, vto;
} app_t;

/* ---- border crossings ------------------------------------------------------ */

enum { PT_ZVARTNOTS, PT_SHIRAK, PT_BAGRATASHEN, PT_BAVRA, PT_GOGAVAN, PT_MEGHRI, NPOINT };

/* ---- inspections, reports, outcomes, truth --------------------------------- */

enum { CH_HOTLINE, CH_NGO, CH_POLICE, CH_LABOUR, CH_CONSULATE, CH_SELF, CH_OTHER };

enum { CAT_NONE = -1, CAT_FORCED, CAT_SEXUAL, CAT_DOMESTIC, CAT_BEGGING, CAT_CRIMINAL,
       CAT_OTHER };

typedef struct {
    int32_t day;
    int channel;
    int category;
    const person_t *subject; /* may be NULL */
    const employer_t *e;     /* may be NULL */
    int with_tin;            /* write e->tin */
    const char *address;     /* may be NULL */
    const char *phone;       /* may be NULL */
    const char *summary;     /* '@' is replaced with the employer's name */
    int role;
} report_t;

/* ---- population.c ---- */
extern const pool_t synth_pools[];
extern const nat_t synth_nats[NNAT];
extern const occ_t synth_occs[NOCC];
extern const sector_t synth_sectors[NSEC];
extern const char *const synth_region_code[NREG];
extern const town_t synth_towns[];
extern const street_t synth_yerevan_streets[];
extern const street_t synth_town_streets[];
extern const char *const synth_unit_typology[NUNITKIND];
const street_t *synth_place_street(const place_t *p);
int synth_day_index(const ctx_t *c, int32_t day);
int synth_year_index(int32_t day);
void synth_new_app_id(ctx_t *c, int32_t day, char out[24]);
uint32_t synth_new_account(ctx_t *c);
void synth_sb_account(sb_t *s, uint32_t acct);
void synth_new_am_phone(ctx_t *c, rng_t *r, int style, char *out, size_t cap);
void synth_new_foreign_phone(ctx_t *c, rng_t *r, int nat, char *out, size_t cap);
void synth_make_email(rng_t *r, const person_t *w, char *out, size_t cap);
void synth_person_new(ctx_t *c, rng_t *r, person_t *w, int nat, char sex, int age_lo,
                      int age_hi, int32_t ref);
void synth_person_contacts(ctx_t *c, rng_t *r, person_t *w, double p_phone);
void synth_place_random(rng_t *r, place_t *p, int town, int flat);
int synth_town_in_region(rng_t *r, int region, int allow_village);
void synth_person_home(rng_t *r, person_t *w, const place_t *p, int style);
void synth_make_company_name(rng_t *r, const char *words, char *out, size_t cap);
void synth_employer_new(ctx_t *c, rng_t *r, employer_t *e, int sector, int32_t registered);
void synth_sb_workplace(const employer_t *e, rng_t *r, sb_t *s);
int synth_pick_occ(rng_t *r, int sector);
int synth_pick_nat_list(rng_t *r, const int *list, const uint16_t *w, size_t n);
int32_t synth_pick_day(ctx_t *c, rng_t *r, int32_t lo);
int32_t synth_day_between(rng_t *r, int32_t lo, int32_t hi);
int synth_age_background(rng_t *r);
char synth_sex_for(rng_t *r, int occ);
void synth_agency_new(ctx_t *c, rng_t *r, agency_t *a);
void synth_gen_background(ctx_t *c, const unit_t *u);
void synth_init_tables(ctx_t *c);
tw_err_t synth_build_pool(ctx_t *c, rng_t *r, uint64_t bg);
void synth_gen_tourists(ctx_t *c, rng_t *r, uint64_t trips);

/* ---- noise.c ---- */
extern const uint16_t synth_am_phone_style_w[9];
void synth_sb_part(sb_t *s, const char *list, unsigned k);
void synth_sb_upper_ascii(sb_t *s, const char *x);
void synth_render_place(const place_t *p, int style, rng_t *r, sb_t *s);
int synth_pick_style(rng_t *r);
void synth_entry_seg(const char *e, int seg, const char **p, size_t *n);
void synth_sb_mrz(sb_t *s, const char *p, size_t n, int cyr_mode);
void synth_name_passport(const person_t *w, int family, sb_t *s);
void synth_name_permit(const person_t *w, int family, sb_t *s);
int synth_finish_row(ctx_t *c, rng_t *r, int file, int eligible);
int32_t synth_birth_swapped(int32_t day);
int32_t synth_birth_year_off(int32_t day);
void synth_misread_doc(rng_t *r, char *doc);
void synth_report_name(rng_t *r, const person_t *w, sb_t *s);
void synth_sb_doc(sb_t *s, const char *doc, int style);
void synth_respell_am_phone(const char *e164, int style, char *out, size_t cap);

/* ---- schemes.c ---- */
void synth_scheme_id(ctx_t *c, int planted, char out[16]);
void synth_truth_app_worker(ctx_t *c, const char *sid, int kind, const app_t *a,
                            int first, int role);
void synth_spell_again(rng_t *r, const place_t *p, const char *first, double same,
                       char *out, size_t cap);
void synth_spell_first(rng_t *r, const place_t *p, const char *first, int *used, double same,
                       char *out, size_t cap);
void synth_phone_again(rng_t *r, const char *e164, int *used, char *out, size_t cap);
void synth_canonical_wp(const employer_t *e, char *out, size_t cap);
void synth_render_new(rng_t *r, const place_t *p, char *out, size_t cap);
uint32_t synth_round_to(uint32_t x, uint32_t step);
void synth_gen_debt(ctx_t *c, const unit_t *u);
void synth_gen_sexual(ctx_t *c, const unit_t *u);
void synth_gen_domestic(ctx_t *c, const unit_t *u);
void synth_gen_shell(ctx_t *c, const unit_t *u);
void synth_gen_agri(ctx_t *c, const unit_t *u);
uint64_t synth_plan_special(ctx_t *c, rng_t *r, uint64_t napps, unit_t *out, uint32_t max,
                            uint32_t *nout);

/* ---- lookalikes.c ---- */
void synth_gen_lookalike(ctx_t *c, const unit_t *u);

/* ---- output.c ---- */
extern const char *const synth_file_names[NFILES];
extern const char *const *const synth_file_cols[NFILES];
void synth_rec_begin(rec_t *r, int nf);
void synth_rec_set(rec_t *r, int i, const char *x, size_t n);
void synth_rec_sets(rec_t *r, int i, const char *x);
void synth_write_rec(ctx_t *c, int file, const rec_t *r);
int32_t synth_min_wage(int32_t day);
uint32_t synth_wage_for(const ctx_t *c, rng_t *r, int occ, const employer_t *e,
                        int32_t day);
int synth_hours_background(rng_t *r, int sector);
void synth_emit_app(ctx_t *c, rng_t *r, app_t *a);
int synth_pick_point(rng_t *r, int nat);
void synth_cross(ctx_t *c, rng_t *r, const person_t *w, bstate_t *bs, int32_t day,
                 int32_t sec, int in, int point, const char *purpose, int role);
void synth_border_background(ctx_t *c, rng_t *r, const person_t *w, bstate_t *bs,
                             const app_t *a, int last, int role);
void synth_emit_inspection(ctx_t *c, rng_t *r, const employer_t *e, int32_t day,
                           int found, int undeclared, const char *violations, int role);
void synth_emit_report(ctx_t *c, rng_t *r, const report_t *p);
void synth_emit_outcome(ctx_t *c, rng_t *r, const char *type, const char *key,
                        int confirmed, int32_t day, int role);
void synth_emit_truth(ctx_t *c, const char *scheme, int kind, const char *type,
                      const char *key, int role);
void synth_worker_key(const person_t *w, char *out, size_t cap);

#endif
