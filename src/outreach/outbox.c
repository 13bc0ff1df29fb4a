/*
 * outbox.c - permit events to information messages, the outbox and its
 * delivery (contract in outbox.h).
 *
 * Data structure: planning loads the current version of every permit
 * application into a flat array (`app_t`, strings in one arena, a strmap
 * from application id to index), and three per-entity arrays indexed by
 * store id: the last entry crossing of each worker, and the owner of each
 * phone (a worker id, or -1 when shared or named in a report). E-mail
 * owners are a strmap from the lower-cased address. Existing messages are a
 * strmap of "application_id\x1fevent". Then one pass decides the events and
 * inserts their messages in one transaction.
 *
 * Invariants:
 *   1. One message per (application, event): the table's UNIQUE key, and
 *      the strmap of existing messages, so a second plan adds nothing.
 *   2. A message is marked sent only after the sink took it and, for a
 *      directory, after the files were synced (sink_flush).
 *   3. A claimed message (state sending) has attempts counted before any
 *      delivery starts, so a run that dies mid-batch leaves messages that
 *      are retried after their lease, never lost.
 *   4. Every planning run and every delivered batch writes one audit entry
 *      in the same transaction as its rows.
 *
 * Thread model: the caller's store_t, one thread.
 */
#include "outreach/outbox.h"

#include <ctype.h>
#include <stdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "access/audit.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/strmap.h"

#define NO_DAY INT32_MIN
/* Messages claimed, delivered and recorded together. A directory sink syncs
 * once per batch (the costly part: one syncfs), so its batches are larger;
 * a network sink's batch bounds what a stopped run leaves in 'sending'. */
#define SEND_BATCH_NET 2000
#define SEND_BATCH_DIR 20000
#define ENTRY_LOOKBACK_DAYS 180

/* ---- dates and times ---------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static void civil_from_days(int32_t z, char out[16])
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int y = yoe + era * 400;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    y += m <= 2;
    snprintf(out, 16, "%04d-%02d-%02d", (y % 10000 + 10000) % 10000, (m % 100 + 100) % 100,
             (d % 100 + 100) % 100);
}

/* The day of a "YYYY-MM-DD..." text; NO_DAY when it is not one. */
static int32_t day_of(const char *s, size_t len)
{
    if (!s || len < 10)
        return NO_DAY;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return NO_DAY;
        } else if (!isdigit((unsigned char)s[i])) {
            return NO_DAY;
        }
    }
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > 31)
        return NO_DAY;
    return days_from_civil(y, m, d);
}

static int64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* "YYYY-MM-DDTHH:MM:SS.uuuuuuZ": sorts as text in time order. */
static void iso_us(int64_t us, char out[48])
{
    time_t t = (time_t)(us / 1000000);
    struct tm tm;
    char base[32];
    gmtime_r(&t, &tm);
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 48, "%s.%06dZ", base, (int)(us % 1000000));
}

/* ---- language and work -------------------------------------------------- */

const char *outreach_language_of(const char *c)
{
    static const char *const ru[] = {"RUS", "BLR", "UKR", "KAZ", "KGZ", "TJK", "UZB",
                                     "MDA", "AZE", "GEO", "TKM", NULL};
    static const char *const ar[] = {"SYR", "IRQ", "LBN", "EGY", "JOR", "SAU", "ARE", "KWT",
                                     "QAT", "BHR", "OMN", "YEM", "PSE", "LBY", "TUN", "DZA",
                                     "MAR", "SDN", "MRT", NULL};
    if (!c)
        return "en";
    if (strcmp(c, "ARM") == 0)
        return "hy";
    if (strcmp(c, "IND") == 0)
        return "hi";
    if (strcmp(c, "IRN") == 0 || strcmp(c, "AFG") == 0)
        return "fa";
    for (int i = 0; ru[i]; i++)
        if (strcmp(c, ru[i]) == 0)
            return "ru";
    for (int i = 0; ar[i]; i++)
        if (strcmp(c, ar[i]) == 0)
            return "ar";
    return "en";
}

/* Domestic work: households as employers (ISIC 97), domestic cleaners and
 * helpers (ISCO 9111), housekeepers (5152), home-based personal care (5322).
 * Entertainment: creative arts and entertainment (ISIC 90), amusement and
 * recreation (93), performing artists (ISCO 2652 musicians and singers,
 * 2653 dancers, 2655 actors). */
static tpl_work_t work_of(const char *sector, const char *isco)
{
    if (sector && strcmp(sector, "97") == 0)
        return TPL_WORK_DOMESTIC;
    if (isco && (strcmp(isco, "9111") == 0 || strcmp(isco, "5152") == 0 ||
                 strcmp(isco, "5322") == 0))
        return TPL_WORK_DOMESTIC;
    if (sector && (strcmp(sector, "90") == 0 || strcmp(sector, "93") == 0))
        return TPL_WORK_ENTERTAINMENT;
    if (isco && (strcmp(isco, "2652") == 0 || strcmp(isco, "2653") == 0 ||
                 strcmp(isco, "2655") == 0))
        return TPL_WORK_ENTERTAINMENT;
    return TPL_WORK_OTHER;
}

/* A well-formed address: one '@', something before it, a dotted domain,
 * no spaces or controls. Lower-cases into out; 0 when not well-formed. */
static int email_norm(const char *s, size_t len, char *out, size_t cap)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len < 5 || len > 254 || len >= cap)
        return 0;
    const char *at = memchr(s, '@', len);
    if (!at || at == s || memchr(at + 1, '@', len - (size_t)(at - s) - 1))
        return 0;
    const char *dom = at + 1;
    size_t dlen = len - (size_t)(dom - s);
    const char *dot = memchr(dom, '.', dlen);
    if (!dot || dot == dom || dom[dlen - 1] == '.' || dom[0] == '-')
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';')
            return 0;
        out[i] = (char)tolower(c);
    }
    out[len] = '\0';
    return 1;
}

/* ---- planning ----------------------------------------------------------- */

enum { D_OTHER = 0, D_APPROVED, D_REVOKED, D_PENDING };

typedef struct {
    const char *app_id, *prev_id, *permit_no, *valid_from, *valid_to, *given, *family,
        *employer_name, *citizenship, *email, *e164, *sector, *isco;
    int64_t worker, employer, phone;
    int32_t decided, submitted, valid_to_day;
    char decision, sex, has_successor;
} app_t;

typedef struct {
    arena_t ar;
    strmap_t by_id;
    app_t *apps;
    size_t napps, cap;
    int64_t *phone_owner; /* [phone id]: worker id, -1 shared or in a report, 0 none */
    int64_t nphones;
    int32_t *last_in;     /* [worker id]: day of the latest entry crossing */
    int64_t nworkers;
    strmap_t email_owner; /* lower-cased address -> worker id, UINT64_MAX shared */
    tw_err_t err;
} plan_t;

static const char *cell_dup(plan_t *p, const store_cell_t *c)
{
    if (c->null || !c->text)
        return NULL;
    char *s = arena_strndup(&p->ar, c->text, c->len);
    if (!s)
        p->err = TW_ENOMEM;
    return s;
}

static const char *const permit_cols[] = {
    "row_key",          "decision",         "decided_at_utc",     "submitted_at_utc",
    "permit_no",        "valid_from",       "valid_to",           "previous_application_id",
    "worker_ref",       "employer_ref",     "worker_phone_ref",   "worker_phone_e164",
    "worker_email",     "worker_sex",       "worker_citizenship", "worker_given_name",
    "worker_family_name", "employer_name",  "employer_sector",    "occupation_isco",
    NULL};
enum {
    PC_KEY, PC_DECISION, PC_DECIDED, PC_SUBMITTED, PC_PERMIT_NO, PC_VALID_FROM, PC_VALID_TO,
    PC_PREV, PC_WORKER, PC_EMPLOYER, PC_PHONE, PC_E164, PC_EMAIL, PC_SEX, PC_CITIZENSHIP,
    PC_GIVEN, PC_FAMILY, PC_EMPLOYER_NAME, PC_SECTOR, PC_ISCO
};

static tw_err_t own_phone(plan_t *p, int64_t phone, int64_t worker)
{
    if (phone <= 0 || phone >= p->nphones || worker <= 0)
        return TW_OK;
    if (p->phone_owner[phone] == 0)
        p->phone_owner[phone] = worker;
    else if (p->phone_owner[phone] != worker)
        p->phone_owner[phone] = -1;
    return TW_OK;
}

static tw_err_t own_email(plan_t *p, const store_cell_t *c, int64_t worker)
{
    char e[256];
    uint64_t *slot;
    int added;
    tw_err_t err;
    if (c->null || worker <= 0 || !email_norm(c->text, c->len, e, sizeof e))
        return TW_OK;
    err = strmap_put(&p->email_owner, e, strlen(e), (uint64_t)worker, &slot, &added, NULL);
    if (err != TW_OK)
        return err;
    if (!added && *slot != (uint64_t)worker)
        *slot = UINT64_MAX;
    return TW_OK;
}

static tw_err_t permit_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    plan_t *p = ctx;
    uint64_t *slot;
    int added;
    tw_err_t err;
    (void)row_id;
    (void)n;

    int64_t worker = c[PC_WORKER].null ? 0 : c[PC_WORKER].num;
    int64_t phone = c[PC_PHONE].null ? 0 : c[PC_PHONE].num;
    /* every version counts for who gives which contact */
    if ((err = own_phone(p, phone, worker)) != TW_OK ||
        (err = own_email(p, &c[PC_EMAIL], worker)) != TW_OK)
        return err;
    if (c[PC_KEY].null)
        return TW_OK;
    err = strmap_put(&p->by_id, c[PC_KEY].text, c[PC_KEY].len, p->napps, &slot, &added, NULL);
    if (err != TW_OK)
        return err;
    if (added) {
        if (p->napps == p->cap) {
            size_t nc = p->cap ? p->cap * 2 : 4096;
            app_t *na = realloc(p->apps, nc * sizeof *na);
            if (!na)
                return TW_ENOMEM;
            p->apps = na;
            p->cap = nc;
        }
        p->napps++;
    }
    /* a later version (the scan is in insertion order) replaces the earlier */
    app_t *a = &p->apps[*slot];
    const char *d = c[PC_DECISION].null ? "" : c[PC_DECISION].text;
    memset(a, 0, sizeof *a);
    a->decision = (char)(strcmp(d, "approved") == 0  ? D_APPROVED
                         : strcmp(d, "revoked") == 0 ? D_REVOKED
                         : strcmp(d, "pending") == 0 ? D_PENDING
                                                     : D_OTHER);
    a->worker = worker;
    a->employer = c[PC_EMPLOYER].null ? 0 : c[PC_EMPLOYER].num;
    a->phone = phone;
    a->decided = c[PC_DECIDED].null ? NO_DAY : day_of(c[PC_DECIDED].text, c[PC_DECIDED].len);
    a->submitted =
        c[PC_SUBMITTED].null ? NO_DAY : day_of(c[PC_SUBMITTED].text, c[PC_SUBMITTED].len);
    a->valid_to_day =
        c[PC_VALID_TO].null ? NO_DAY : day_of(c[PC_VALID_TO].text, c[PC_VALID_TO].len);
    a->sex = c[PC_SEX].null || !c[PC_SEX].len ? 0 : c[PC_SEX].text[0];
    a->app_id = cell_dup(p, &c[PC_KEY]);
    a->prev_id = cell_dup(p, &c[PC_PREV]);
    a->permit_no = cell_dup(p, &c[PC_PERMIT_NO]);
    a->valid_from = cell_dup(p, &c[PC_VALID_FROM]);
    a->valid_to = cell_dup(p, &c[PC_VALID_TO]);
    a->given = cell_dup(p, &c[PC_GIVEN]);
    a->family = cell_dup(p, &c[PC_FAMILY]);
    a->employer_name = cell_dup(p, &c[PC_EMPLOYER_NAME]);
    a->citizenship = cell_dup(p, &c[PC_CITIZENSHIP]);
    a->email = cell_dup(p, &c[PC_EMAIL]);
    a->e164 = cell_dup(p, &c[PC_E164]);
    a->sector = cell_dup(p, &c[PC_SECTOR]);
    a->isco = cell_dup(p, &c[PC_ISCO]);
    return p->err;
}

static const char *const border_cols[] = {"direction", "crossed_at_utc", "worker_ref", NULL};

static tw_err_t border_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    plan_t *p = ctx;
    (void)row_id;
    (void)n;
    if (c[0].null || c[0].len != 2 || memcmp(c[0].text, "in", 2) != 0 || c[2].null)
        return TW_OK;
    int64_t w = c[2].num;
    int32_t d = c[1].null ? NO_DAY : day_of(c[1].text, c[1].len);
    if (w > 0 && w < p->nworkers && d != NO_DAY && d > p->last_in[w])
        p->last_in[w] = d;
    return TW_OK;
}

static const char *const report_cols[] = {"phone_ref", NULL};

static tw_err_t report_row(void *ctx, int64_t row_id, const store_cell_t *c, size_t n)
{
    plan_t *p = ctx;
    (void)row_id;
    (void)n;
    if (!c[0].null && c[0].num > 0 && c[0].num < p->nphones)
        p->phone_owner[c[0].num] = -1;
    return TW_OK;
}

/* Loads a two-column query's rows into a strmap: key = col0 [+ "\x1f" +
 * col1 when both], value = index into `vals` (an arena copy of col1) when
 * vals is non-NULL. */
static tw_err_t load_keys(store_t *st, const char *sql, strmap_t *m, arena_t *ar,
                          int join_two)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    char key[1024];
    int rc;
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *a = (const char *)sqlite3_column_text(s, 0);
        const char *b = (const char *)sqlite3_column_text(s, 1);
        uint64_t val = 0;
        int n;
        if (!a || !b)
            continue;
        if (join_two) {
            n = snprintf(key, sizeof key, "%s\x1f%s", a, b);
        } else {
            n = snprintf(key, sizeof key, "%s", a);
            char *v = arena_strndup(ar, b, strlen(b));
            if (!v) {
                err = TW_ENOMEM;
                break;
            }
            val = (uint64_t)(uintptr_t)v;
        }
        if (n < 0 || (size_t)n >= sizeof key)
            continue;
        if ((err = strmap_put(m, key, (size_t)n, val, NULL, NULL, NULL)) != TW_OK)
            break;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

static void plan_free(plan_t *p)
{
    arena_free(&p->ar);
    strmap_free(&p->by_id);
    strmap_free(&p->email_owner);
    free(p->apps);
    free(p->phone_owner);
    free(p->last_in);
}

typedef struct {
    store_t *st;
    const tpl_set_t *tpl;
    sqlite3_stmt *ins;
    strmap_t existing, optout, lang;
    arena_t ar;
    tw_buf_t subject, body;
    char planned_at[48];
    outreach_plan_result_t *res;
    long long lang_count[16];
    const char *lang_code[16];
    int nlang;
} emit_t;

static void count_lang(emit_t *e, const char *lang)
{
    for (int i = 0; i < e->nlang; i++)
        if (strcmp(e->lang_code[i], lang) == 0) {
            e->lang_count[i]++;
            return;
        }
    if (e->nlang < 16) {
        e->lang_code[e->nlang] = lang;
        e->lang_count[e->nlang++] = 1;
    }
}

static tw_err_t emit(emit_t *e, const plan_t *p, const app_t *a, outreach_event_t ev,
                     int32_t day)
{
    char key[1024], wkey[512], date[16], email[256];
    const char *ename = outreach_event_name(ev);
    tw_err_t err;
    int n;

    e->res->events++;
    n = snprintf(key, sizeof key, "%s\x1f%s", a->app_id, ename);
    if (n < 0 || (size_t)n >= sizeof key)
        return TW_OK;
    if (strmap_get(&e->existing, key, (size_t)n)) {
        e->res->already++;
        return TW_OK;
    }
    if (a->worker <= 0 || store_entity_key(e->st, ENT_WORKER, a->worker, wkey, sizeof wkey) !=
                              TW_OK)
        return TW_OK; /* no worker to write to */

    const char *channel = "in_person", *address = NULL;
    if (a->phone > 0 && a->phone < p->nphones && p->phone_owner[a->phone] == a->worker &&
        a->e164 && a->e164[0] == '+') {
        channel = "sms";
        address = a->e164;
    } else if (a->email && email_norm(a->email, strlen(a->email), email, sizeof email)) {
        uint64_t *o = strmap_get(&p->email_owner, email, strlen(email));
        if (o && *o == (uint64_t)a->worker) {
            channel = "email";
            address = email;
        }
    }

    uint64_t *ov = strmap_get(&e->lang, wkey, strlen(wkey));
    const char *lang = ov ? (const char *)(uintptr_t)*ov : outreach_language_of(a->citizenship);
    if (!tpl_set_has(e->tpl, lang)) {
        lang = "en";
        e->res->fallback_en++;
    }
    const char *state = strmap_get(&e->optout, wkey, strlen(wkey)) ? "opted_out"
                        : strcmp(channel, "in_person") == 0       ? "in_person"
                                                                  : "queued";
    tpl_values_t v = {a->given,    a->family,   a->app_id,       a->permit_no,
                      a->valid_from, a->valid_to, a->employer_name};
    const char *tid = NULL;
    buf_reset(&e->subject);
    buf_reset(&e->body);
    err = tpl_render(e->tpl, lang, ev, a->sex, work_of(a->sector, a->isco), &v, &e->subject,
                     &e->body, &tid);
    if (err != TW_OK)
        return err;
    civil_from_days(day, date);
    sqlite3_stmt *s = e->ins;
    sqlite3_bind_text(s, 1, a->app_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, ename, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, date, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, wkey, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, channel, -1, SQLITE_STATIC);
    if (address)
        sqlite3_bind_text(s, 6, address, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, 6);
    sqlite3_bind_text(s, 7, lang, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, tid, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, buf_str(&e->subject), (int)e->subject.len, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, buf_str(&e->body), (int)e->body.len, SQLITE_STATIC);
    sqlite3_bind_text(s, 11, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 12, e->planned_at, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    int changed = sqlite3_changes(store_sqlite(e->st));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE)
        return TW_EDB;
    if (!changed) {
        e->res->already++;
        return TW_OK;
    }
    if ((err = strmap_put(&e->existing, key, (size_t)n, 1, NULL, NULL, NULL)) != TW_OK)
        return err;
    e->res->planned++;
    e->res->by_event[ev]++;
    if (strcmp(state, "opted_out") == 0)
        e->res->opted_out++;
    else if (strcmp(channel, "sms") == 0)
        e->res->sms++;
    else if (strcmp(channel, "email") == 0)
        e->res->email++;
    else
        e->res->in_person++;
    count_lang(e, lang);
    return TW_OK;
}

static int32_t today(void)
{
    char d[48];
    iso_us(now_us(), d);
    return day_of(d, strlen(d));
}

static tw_err_t plan_events(emit_t *e, const plan_t *p, int32_t asof, int32_t since,
                            int no_entry_days)
{
    tw_err_t err = TW_OK;
    for (size_t i = 0; i < p->napps && err == TW_OK; i++) {
        const app_t *a = &p->apps[i];
        int32_t dday = a->decided != NO_DAY ? a->decided : a->submitted;
        int live = a->valid_to_day == NO_DAY || a->valid_to_day >= asof;
        if (a->decision == D_REVOKED) {
            if (dday != NO_DAY && dday <= asof && (since == NO_DAY || dday >= since))
                err = emit(e, p, a, OUTREACH_REVOKED, dday);
            continue;
        }
        if (a->decision != D_APPROVED || dday == NO_DAY)
            continue;
        /* approval, renewal or transfer */
        outreach_event_t ev = OUTREACH_APPROVED;
        if (a->prev_id && a->prev_id[0]) {
            uint64_t *pi = strmap_get(&p->by_id, a->prev_id, strlen(a->prev_id));
            ev = pi && p->apps[*pi].employer != a->employer ? OUTREACH_TRANSFERRED
                                                            : OUTREACH_RENEWED;
        }
        if (live && dday <= asof && (since == NO_DAY || dday >= since))
            err = emit(e, p, a, ev, dday);
        /* expiry within 30 days, unless a later application follows it */
        if (err == TW_OK && a->valid_to_day != NO_DAY && !a->has_successor &&
            asof >= a->valid_to_day - 30 && asof <= a->valid_to_day &&
            (since == NO_DAY || a->valid_to_day - 30 >= since))
            err = emit(e, p, a, OUTREACH_EXPIRY_30D, a->valid_to_day - 30);
        /* a first approval whose worker was not seen entering */
        int32_t ne = dday + no_entry_days;
        if (err == TW_OK && ev == OUTREACH_APPROVED && live && asof >= ne &&
            (since == NO_DAY || ne >= since) && a->worker > 0 && a->worker < p->nworkers &&
            a->submitted != NO_DAY && p->last_in[a->worker] < a->submitted - ENTRY_LOOKBACK_DAYS)
            err = emit(e, p, a, OUTREACH_NO_ENTRY, ne);
    }
    return err;
}

tw_err_t outreach_plan(store_t *st, const tpl_set_t *tpl, const outreach_plan_opts_t *opts,
                       outreach_plan_result_t *res, tw_errinfo_t *ei)
{
    plan_t p;
    emit_t e;
    tw_err_t err;
    int32_t asof, since = NO_DAY;
    int in_tx = 0;

    memset(res, 0, sizeof *res);
    memset(&p, 0, sizeof p);
    memset(&e, 0, sizeof e);
    arena_init(&p.ar, 1 << 20);
    strmap_init(&p.by_id);
    strmap_init(&p.email_owner);
    strmap_init(&e.existing);
    strmap_init(&e.optout);
    strmap_init(&e.lang);
    arena_init(&e.ar, 64 * 1024);
    buf_init(&e.subject, 4096);
    buf_init(&e.body, 64 * 1024);

    asof = opts && opts->asof ? day_of(opts->asof, strlen(opts->asof)) : today();
    if (asof == NO_DAY || (opts && opts->asof && strlen(opts->asof) != 10)) {
        tw_errinfo_field(ei, "--asof");
        err = tw_errinfo_set(ei, TW_EINPUT, "'%s' is not a date YYYY-MM-DD", opts->asof);
        goto out;
    }
    if (opts && opts->since) {
        since = day_of(opts->since, strlen(opts->since));
        if (since == NO_DAY || strlen(opts->since) != 10) {
            tw_errinfo_field(ei, "--since");
            err = tw_errinfo_set(ei, TW_EINPUT, "'%s' is not a date YYYY-MM-DD", opts->since);
            goto out;
        }
    }
    if (!tpl_set_has(tpl, "en")) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "the templates have no en.txt, the language every worker "
                             "without a file of their own falls back to");
        goto out;
    }
    int no_entry_days = opts && opts->no_entry_days > 0 ? opts->no_entry_days : 60;

    /* one snapshot for everything read */
    if ((err = store_begin_read(st)) != TW_OK)
        goto out;
    in_tx = 1;
    if ((err = store_entity_max_id(st, ENT_PHONE, &p.nphones)) != TW_OK ||
        (err = store_entity_max_id(st, ENT_WORKER, &p.nworkers)) != TW_OK)
        goto out;
    p.nphones++;
    p.nworkers++;
    p.phone_owner = calloc((size_t)p.nphones, sizeof *p.phone_owner);
    p.last_in = malloc((size_t)p.nworkers * sizeof *p.last_in);
    if (!p.phone_owner || !p.last_in) {
        err = TW_ENOMEM;
        goto out;
    }
    for (int64_t i = 0; i < p.nworkers; i++)
        p.last_in[i] = NO_DAY;
    if ((err = store_scan(st, REG_PERMITS, permit_cols, permit_row, &p)) != TW_OK ||
        (err = store_scan(st, REG_BORDER, border_cols, border_row, &p)) != TW_OK ||
        (err = store_scan(st, REG_REPORTS, report_cols, report_row, &p)) != TW_OK)
        goto out;
    /* an application followed by another (approved or pending) needs no
     * expiry notice */
    for (size_t i = 0; i < p.napps; i++) {
        const app_t *a = &p.apps[i];
        if (a->prev_id && a->prev_id[0] &&
            (a->decision == D_APPROVED || a->decision == D_PENDING)) {
            uint64_t *pi = strmap_get(&p.by_id, a->prev_id, strlen(a->prev_id));
            if (pi)
                p.apps[*pi].has_successor = 1;
        }
    }
    if ((err = load_keys(st, "SELECT application_id, event FROM outreach_message", &e.existing,
                         NULL, 1)) != TW_OK ||
        (err = load_keys(st, "SELECT worker_key, at FROM outreach_optout", &e.optout, &e.ar,
                         0)) != TW_OK ||
        (err = load_keys(st, "SELECT worker_key, language FROM outreach_language", &e.lang,
                         &e.ar, 0)) != TW_OK)
        goto out;
    store_end_read(st);
    in_tx = 0;

    if ((err = store_begin(st)) != TW_OK)
        goto out;
    in_tx = 2;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "INSERT OR IGNORE INTO outreach_message(application_id, event, "
                           "event_date, worker_key, channel, address, language, template, "
                           "subject, body, state, planned_at, next_attempt_at) "
                           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?12)",
                           -1, &e.ins, NULL) != SQLITE_OK) {
        err = TW_EDB;
        goto out;
    }
    e.st = st;
    e.tpl = tpl;
    e.res = res;
    iso_us(now_us(), e.planned_at);
    if ((err = plan_events(&e, &p, asof, since, no_entry_days)) != TW_OK)
        goto out;
    size_t off = 0;
    for (int i = 0; i < e.nlang && off < sizeof res->languages; i++)
        off += (size_t)snprintf(res->languages + off, sizeof res->languages - off, "%s%s %lld",
                                i ? ", " : "", e.lang_code[i], e.lang_count[i]);
    {
        char detail[512], asof_s[16];
        civil_from_days(asof, asof_s);
        snprintf(detail, sizeof detail,
                 "{\"asof\":\"%s\",\"since\":\"%s\",\"events\":%lld,\"planned\":%lld,"
                 "\"already\":%lld,\"sms\":%lld,\"email\":%lld,\"in_person\":%lld,"
                 "\"opted_out\":%lld}",
                 asof_s, opts && opts->since ? opts->since : "", res->events, res->planned,
                 res->already, res->sms, res->email, res->in_person, res->opted_out);
        if ((err = audit_append(st, NULL, "outreach.plan", "outreach:outbox", "cli", detail,
                                ei)) != TW_OK)
            goto out;
    }
    sqlite3_finalize(e.ins);
    e.ins = NULL;
    err = store_commit(st);
    in_tx = 0;
out:
    if (e.ins)
        sqlite3_finalize(e.ins);
    if (in_tx == 1)
        store_end_read(st);
    else if (in_tx == 2)
        store_rollback(st);
    if (err == TW_EDB && ei && !ei->msg[0])
        tw_errinfo_set(ei, err, "store: %s", store_errmsg(st));
    plan_free(&p);
    strmap_free(&e.existing);
    strmap_free(&e.optout);
    strmap_free(&e.lang);
    arena_free(&e.ar);
    buf_free(&e.subject);
    buf_free(&e.body);
    return err;
}

/* ---- sending ------------------------------------------------------------ */

typedef struct {
    int64_t id;
    int attempts;
    sink_msg_t m;
    sink_result_t r;
    char why[256];
} claimed_t;

static tw_err_t exec_sql(store_t *st, const char *sql, int *changes)
{
    if (sqlite3_exec(store_sqlite(st), sql, NULL, NULL, NULL) != SQLITE_OK)
        return TW_EDB;
    if (changes)
        *changes = sqlite3_changes(store_sqlite(st));
    return TW_OK;
}

/* Claims up to `max` due messages: copies them into cl (strings in ar) and
 * marks them sending with a lease, in one committed transaction. */
static tw_err_t claim(store_t *st, sink_t *sink, int64_t now, long lease_ms, size_t max,
                      arena_t *ar, claimed_t *cl, size_t *n, long long *opted_out)
{
    sqlite3_stmt *sel = NULL, *upd = NULL;
    char now_s[48], lease_s[48];
    tw_err_t err;
    int rc, changes = 0;

    *n = 0;
    iso_us(now, now_s);
    iso_us(now_us() + (int64_t)lease_ms * 1000, lease_s);
    if ((err = store_begin(st)) != TW_OK)
        return err;
    /* an opt-out after planning still stops the message */
    if ((err = exec_sql(st,
                        "UPDATE outreach_message SET state = 'opted_out' "
                        "WHERE state IN ('queued','sending') AND worker_key IN "
                        "(SELECT worker_key FROM outreach_optout)",
                        &changes)) != TW_OK)
        goto out;
    *opted_out += changes;
    const char *chan = sink_accepts(sink, "sms") && sink_accepts(sink, "email") ? "'sms','email'"
                       : sink_accepts(sink, "sms")                             ? "'sms'"
                                                                               : "'email'";
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT id, worker_key, event, channel, address, language, template, subject, "
             "body, attempts FROM outreach_message WHERE state IN ('queued','sending') "
             "AND next_attempt_at <= ?1 AND channel IN (%s) ORDER BY state, next_attempt_at, "
             "id LIMIT ?2",
             chan);
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(store_sqlite(st),
                           "UPDATE outreach_message SET state = 'sending', attempts = "
                           "attempts + 1, next_attempt_at = ?2 WHERE id = ?1",
                           -1, &upd, NULL) != SQLITE_OK) {
        err = TW_EDB;
        goto out;
    }
    sqlite3_bind_text(sel, 1, now_s, -1, SQLITE_STATIC);
    sqlite3_bind_int64(sel, 2, (sqlite3_int64)max);
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        claimed_t *c = &cl[*n];
        const char **dst[] = {&c->m.worker_key, &c->m.event,       &c->m.channel,
                              &c->m.address,    &c->m.language,    &c->m.template_id,
                              &c->m.subject,    &c->m.body};
        memset(c, 0, sizeof *c);
        c->id = sqlite3_column_int64(sel, 0);
        c->m.id = c->id;
        for (int i = 0; i < 8; i++) {
            const char *t = (const char *)sqlite3_column_text(sel, i + 1);
            *dst[i] = arena_strndup(ar, t ? t : "", t ? (size_t)sqlite3_column_bytes(sel, i + 1)
                                                      : 0);
            if (!*dst[i]) {
                err = TW_ENOMEM;
                goto out;
            }
        }
        c->attempts = sqlite3_column_int(sel, 9) + 1;
        (*n)++;
    }
    if (rc != SQLITE_DONE) {
        err = TW_EDB;
        goto out;
    }
    for (size_t i = 0; i < *n; i++) {
        sqlite3_bind_int64(upd, 1, cl[i].id);
        sqlite3_bind_text(upd, 2, lease_s, -1, SQLITE_STATIC);
        if (sqlite3_step(upd) != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
        sqlite3_reset(upd);
    }
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    if (err == TW_OK)
        return store_commit(st);
    store_rollback(st);
    *n = 0;
    return err;
}

static tw_err_t record(store_t *st, sink_t *sink, claimed_t *cl, size_t n, int max_attempts,
                       long base_ms, outreach_send_result_t *res, tw_errinfo_t *ei)
{
    sqlite3_stmt *ok = NULL, *retry = NULL, *fail = NULL;
    char now_s[48], next_s[48], detail[512];
    long long sent = 0, again = 0, failed = 0;
    int64_t now = now_us();
    tw_err_t err;

    iso_us(now, now_s);
    if ((err = store_begin(st)) != TW_OK)
        return err;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "UPDATE outreach_message SET state = 'sent', sent_at = ?2, sink = ?3, "
                           "last_error = NULL WHERE id = ?1 AND state = 'sending'",
                           -1, &ok, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(store_sqlite(st),
                           "UPDATE outreach_message SET state = 'queued', next_attempt_at = ?2, "
                           "last_error = ?3 WHERE id = ?1 AND state = 'sending'",
                           -1, &retry, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(store_sqlite(st),
                           "UPDATE outreach_message SET state = 'failed', last_error = ?2 "
                           "WHERE id = ?1 AND state = 'sending'",
                           -1, &fail, NULL) != SQLITE_OK) {
        err = TW_EDB;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        claimed_t *c = &cl[i];
        sqlite3_stmt *s;
        if (c->r == SINK_OK) {
            s = ok;
            sqlite3_bind_text(s, 2, now_s, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 3, sink_kind(sink), -1, SQLITE_STATIC);
            sent++;
        } else if (c->r == SINK_TEMP && c->attempts < max_attempts) {
            int64_t wait_ms = base_ms;
            for (int k = 1; k < c->attempts && wait_ms < 86400000; k++)
                wait_ms *= 2;
            if (wait_ms > 86400000)
                wait_ms = 86400000;
            iso_us(now + wait_ms * 1000, next_s);
            s = retry;
            sqlite3_bind_text(s, 2, next_s, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(s, 3, c->why, -1, SQLITE_STATIC);
            again++;
        } else {
            s = fail;
            sqlite3_bind_text(s, 2, c->why, -1, SQLITE_STATIC);
            failed++;
        }
        sqlite3_bind_int64(s, 1, c->id);
        if (sqlite3_step(s) != SQLITE_DONE) {
            err = TW_EDB;
            goto out;
        }
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }
    snprintf(detail, sizeof detail,
             "{\"sink\":\"%s\",\"messages\":%zu,\"first_id\":%lld,\"last_id\":%lld,"
             "\"sent\":%lld,\"retry\":%lld,\"failed\":%lld}",
             sink_kind(sink), n, (long long)cl[0].id, (long long)cl[n - 1].id, sent, again,
             failed);
    if ((err = audit_append(st, NULL, "outreach.send", "outreach:outbox", "cli", detail, ei)) !=
        TW_OK)
        goto out;
out:
    sqlite3_finalize(ok);
    sqlite3_finalize(retry);
    sqlite3_finalize(fail);
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    if ((err = store_commit(st)) != TW_OK)
        return err;
    res->sent += sent;
    res->retry += again;
    res->failed += failed;
    return TW_OK;
}

/* The earliest next attempt of a waiting message the sink takes, in us;
 * 0 when none waits. */
static tw_err_t next_due(store_t *st, sink_t *sink, int64_t *due)
{
    sqlite3_stmt *s = NULL;
    *due = 0;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT channel, min(next_attempt_at) FROM outreach_message "
                           "WHERE state IN ('queued','sending') GROUP BY channel",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *ch = (const char *)sqlite3_column_text(s, 0);
        const char *t = (const char *)sqlite3_column_text(s, 1);
        if (!ch || !t || !sink_accepts(sink, ch) || strlen(t) < 26)
            continue;
        int32_t d = day_of(t, strlen(t));
        long h = strtol(t + 11, NULL, 10), mi = strtol(t + 14, NULL, 10),
             se = strtol(t + 17, NULL, 10), us = strtol(t + 20, NULL, 10);
        int64_t v = ((((int64_t)d * 24 + h) * 60 + mi) * 60 + se) * 1000000 + us;
        if (*due == 0 || v < *due)
            *due = v;
    }
    sqlite3_finalize(s);
    return TW_OK;
}

tw_err_t outreach_send(store_t *st, sink_t *sink, const outreach_send_opts_t *opts,
                       outreach_send_result_t *res, tw_errinfo_t *ei)
{
    outreach_send_opts_t o = opts ? *opts : (outreach_send_opts_t){0};
    claimed_t *cl = NULL;
    arena_t ar;
    tw_err_t err = TW_OK;
    int64_t deadline;

    memset(res, 0, sizeof *res);
    if (o.max_attempts <= 0)
        o.max_attempts = 8;
    if (o.retry_base_ms <= 0)
        o.retry_base_ms = 60000;
    if (o.lease_ms <= 0)
        o.lease_ms = 600000;
    int64_t started = now_us();
    deadline = started + (int64_t)o.linger_s * 1000000;
    arena_init(&ar, 1 << 20);
    size_t batch = strcmp(sink_kind(sink), "dir") == 0 ? SEND_BATCH_DIR : SEND_BATCH_NET;
    cl = calloc(batch, sizeof *cl);
    if (!cl) {
        err = TW_ENOMEM;
        goto out;
    }
    for (;;) {
        size_t n = 0, max = batch;
        if (o.stop && *o.stop)
            break;
        if (o.limit > 0) {
            if (res->attempts >= o.limit)
                break;
            if ((long long)max > o.limit - res->attempts)
                max = (size_t)(o.limit - res->attempts);
        }
        arena_reset(&ar);
        /* without linger, one pass: what was due when the run started */
        err = claim(st, sink, o.linger_s > 0 ? now_us() : started, o.lease_ms, max, &ar, cl, &n,
                    &res->opted_out);
        if (err != TW_OK)
            goto out;
        if (n == 0) {
            int64_t due, now = now_us();
            if (o.linger_s <= 0 || now >= deadline)
                break;
            if ((err = next_due(st, sink, &due)) != TW_OK)
                goto out;
            if (due == 0 || due > deadline)
                break;
            int64_t wait = due - now;
            if (wait > 0) {
                if (wait > 200000)
                    wait = 200000; /* poll the stop flag */
                struct timespec ts = {(time_t)(wait / 1000000), (long)(wait % 1000000) * 1000};
                nanosleep(&ts, NULL);
            }
            continue;
        }
        for (size_t i = 0; i < n; i++)
            cl[i].r = sink_deliver(sink, &cl[i].m, cl[i].why, sizeof cl[i].why);
        res->attempts += (long long)n;
        tw_errinfo_t fe;
        tw_errinfo_clear(&fe);
        if (sink_flush(sink, &fe) != TW_OK)
            for (size_t i = 0; i < n; i++)
                if (cl[i].r == SINK_OK) {
                    cl[i].r = SINK_TEMP;
                    snprintf(cl[i].why, sizeof cl[i].why, "%s", fe.msg);
                }
        if ((err = record(st, sink, cl, n, o.max_attempts, o.retry_base_ms, res, ei)) != TW_OK)
            goto out;
    }
out:
    if (err == TW_EDB && ei && !ei->msg[0])
        tw_errinfo_set(ei, err, "store: %s", store_errmsg(st));
    free(cl);
    arena_free(&ar);
    return err;
}

/* ---- opt-out, language, in-person delivery, listing --------------------- */

static tw_err_t worker_key_ok(const char *k, tw_errinfo_t *ei)
{
    const char *c = k ? strchr(k, ':') : NULL;
    tw_errinfo_field(ei, "--worker");
    if (!k || !c || c - k != 3 || !c[1] || strlen(k) > 200)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "a worker is named COUNTRY:DOCNO (RUS:123456789), not '%s'",
                              k ? k : "");
    tw_errinfo_clear(ei);
    return TW_OK;
}

static tw_err_t one_write(store_t *st, const char *sql, const char *a, const char *b,
                          const char *c, int *changes)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    if (sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    if (a)
        sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
    if (c)
        sqlite3_bind_text(s, 3, c, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        err = TW_EDB;
    else if (changes)
        *changes = sqlite3_changes(store_sqlite(st));
    sqlite3_finalize(s);
    return err;
}

tw_err_t outreach_optout(store_t *st, const char *worker_key, const char *reason, int undo,
                         tw_errinfo_t *ei)
{
    char now_s[48], object[256], detail[128];
    tw_err_t err;
    if ((err = worker_key_ok(worker_key, ei)) != TW_OK)
        return err;
    iso_us(now_us(), now_s);
    if ((err = store_begin(st)) != TW_OK)
        return err;
    if (undo)
        err = one_write(st, "DELETE FROM outreach_optout WHERE worker_key = ?1", worker_key,
                        NULL, NULL, NULL);
    else
        err = one_write(st,
                        "INSERT INTO outreach_optout(worker_key, at, reason) VALUES(?1,?2,?3) "
                        "ON CONFLICT(worker_key) DO NOTHING",
                        worker_key, now_s, reason ? reason : "", NULL);
    snprintf(object, sizeof object, "worker:%s", worker_key);
    snprintf(detail, sizeof detail, "{\"reason_given\":%s}",
             reason && reason[0] ? "true" : "false");
    if (err == TW_OK)
        err = audit_append(st, NULL, undo ? "outreach.optin" : "outreach.optout", object, "cli",
                           detail, ei);
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    return store_commit(st);
}

tw_err_t outreach_set_language(store_t *st, const tpl_set_t *tpl, const char *worker_key,
                               const char *lang, tw_errinfo_t *ei)
{
    char now_s[48], object[256], detail[64];
    tw_err_t err;
    if ((err = worker_key_ok(worker_key, ei)) != TW_OK)
        return err;
    if (lang[0] && !tpl_set_has(tpl, lang)) {
        tw_errinfo_field(ei, "--lang");
        return tw_errinfo_set(ei, TW_EINPUT, "no template file for language '%s' (have: %s)",
                              lang, tpl_set_languages(tpl));
    }
    iso_us(now_us(), now_s);
    if ((err = store_begin(st)) != TW_OK)
        return err;
    if (lang[0])
        err = one_write(st,
                        "INSERT INTO outreach_language(worker_key, language, at) "
                        "VALUES(?1,?2,?3) ON CONFLICT(worker_key) DO UPDATE SET "
                        "language = excluded.language, at = excluded.at",
                        worker_key, lang, now_s, NULL);
    else
        err = one_write(st, "DELETE FROM outreach_language WHERE worker_key = ?1", worker_key,
                        NULL, NULL, NULL);
    snprintf(object, sizeof object, "worker:%s", worker_key);
    snprintf(detail, sizeof detail, "{\"language\":\"%s\"}", lang);
    if (err == TW_OK)
        err = audit_append(st, NULL, "outreach.language", object, "cli", detail, ei);
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    return store_commit(st);
}

tw_err_t outreach_mark_delivered(store_t *st, int64_t id, tw_errinfo_t *ei)
{
    char now_s[48], object[64], ids[48];
    tw_err_t err;
    int changes = 0;
    iso_us(now_us(), now_s);
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    if ((err = store_begin(st)) != TW_OK)
        return err;
    err = one_write(st,
                    "UPDATE outreach_message SET state = 'delivered', sent_at = ?2, "
                    "sink = 'in_person' WHERE id = CAST(?1 AS INTEGER) AND state = 'in_person'",
                    ids, now_s, NULL, &changes);
    if (err == TW_OK && changes == 0)
        err = tw_errinfo_set(ei, TW_ENOTFOUND,
                             "message %lld is not one waiting for delivery in person",
                             (long long)id);
    snprintf(object, sizeof object, "outreach:%lld", (long long)id);
    if (err == TW_OK)
        err = audit_append(st, NULL, "outreach.delivered", object, "cli", NULL, ei);
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    return store_commit(st);
}

tw_err_t outreach_list(store_t *st, const char *state, long long limit, outreach_msg_fn fn,
                       void *ctx)
{
    sqlite3_stmt *s = NULL;
    tw_err_t err = TW_OK;
    int rc;
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT id, application_id, event, event_date, worker_key, channel, "
                           "address, language, template, subject, body, state, last_error, "
                           "attempts FROM outreach_message WHERE ?1 IS NULL OR state = ?1 "
                           "ORDER BY id LIMIT ?2",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    if (state)
        sqlite3_bind_text(s, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, limit > 0 ? limit : -1);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        outreach_msg_t m;
        const char **dst[] = {&m.application_id, &m.event,    &m.event_date,  &m.worker_key,
                              &m.channel,        &m.address,  &m.language,    &m.template_id,
                              &m.subject,        &m.body,     &m.state,       &m.last_error};
        m.id = sqlite3_column_int64(s, 0);
        for (int i = 0; i < 12; i++)
            *dst[i] = (const char *)sqlite3_column_text(s, i + 1);
        m.attempts = sqlite3_column_int(s, 13);
        if ((err = fn(ctx, &m)) != TW_OK)
            break;
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = TW_EDB;
    sqlite3_finalize(s);
    return err;
}

tw_err_t outreach_counts(store_t *st, char *out, size_t cap)
{
    sqlite3_stmt *s = NULL;
    size_t off = 0;
    if (cap)
        out[0] = '\0';
    if (sqlite3_prepare_v2(store_sqlite(st),
                           "SELECT state, count(*) FROM outreach_message GROUP BY state "
                           "ORDER BY state",
                           -1, &s, NULL) != SQLITE_OK)
        return TW_EDB;
    while (sqlite3_step(s) == SQLITE_ROW && off < cap)
        off += (size_t)snprintf(out + off, cap - off, "%s%s %lld", off ? ", " : "",
                                (const char *)sqlite3_column_text(s, 0),
                                (long long)sqlite3_column_int64(s, 1));
    sqlite3_finalize(s);
    return TW_OK;
}
