/*
 * http.c - `tipwatch serve`: libmicrohttpd setup, the routing table, the
 * request pipeline (route, limits, authentication, CSRF, authorisation,
 * body, handler), JSON errors, security headers, static files, the access
 * log and metrics (contract in http.h; design in docs/internals/http.md).
 *
 * Data structure: one http_server_t (the daemon, the options, the stores
 * opened by the worker threads, atomic counters for metrics) and one
 * http_req_t per request, made on libmicrohttpd's first call for the
 * request and freed in its completion callback.
 *
 * Invariants:
 *   1. Every response leaves through send_reply() or serve_static(), which
 *      add the security headers; every error body is
 *      {"error":{"code","message"[,"field","reason"]}} made by http_reply_error().
 *   2. Authentication, CSRF and the route's authorisation are decided
 *      before any byte of the body is read and before the handler runs; a
 *      refused request reaches no handler and writes nothing.
 *   3. A request body never grows past its route's limit (tw_buf_t max).
 *   4. A store_t is used only by the thread that opened it; the server
 *      closes them all after the last worker thread has ended.
 *   5. A 5xx answer never carries internal detail (SQL, paths); the detail
 *      goes to the server's log.
 *   6. X-Forwarded-For is read only on connections from the trusted proxy
 *      (--trusted-proxy), and then only its last entry.
 *   7. A stop waits at most drain_s for the requests in flight; a request
 *      body still arriving is not waited for at all.
 *
 * Thread model: MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL with a pool
 * of `threads` workers; a request is handled by one worker from first call
 * to completion. Counters are C11 atomics. The main thread only starts,
 * waits for a signal and stops.
 */
#include "server/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/api.h"
#include "base/buf.h"

/* ---- the routing table -------------------------------------------------- */

static const http_route_t routes[] = {
    {"GET", "/healthz", api_healthz, HTTP_PUBLIC, AUTHZ_ACTION_COUNT, 0},
    {"GET", "/api/v1/healthz", api_healthz, HTTP_PUBLIC, AUTHZ_ACTION_COUNT, 0},
    {"GET", "/api/v1/metrics", api_metrics, HTTP_ACTION, AUTHZ_METRICS_READ, 0},
    {"POST", "/api/v1/login", api_login, HTTP_PUBLIC, AUTHZ_ACTION_COUNT, 0},
    {"POST", "/api/v1/logout", api_logout, HTTP_SIGNED_IN, AUTHZ_ACTION_COUNT, 0},
    {"GET", "/api/v1/me", api_me, HTTP_SIGNED_IN, AUTHZ_ACTION_COUNT, 0},
    {"GET", "/api/v1/directory", api_directory, HTTP_SIGNED_IN, AUTHZ_ACTION_COUNT, 0},
    {"GET", "/api/v1/alerts", api_alerts_list, HTTP_ACTION, AUTHZ_ALERT_READ, 0},
    {"GET", "/api/v1/alerts/{id}", api_alert_get, HTTP_ACTION, AUTHZ_ALERT_READ, 0},
    {"POST", "/api/v1/alerts/{id}/transition", api_alert_transition, HTTP_ACTION,
     AUTHZ_ALERT_WRITE, 0},
    {"POST", "/api/v1/alerts/{id}/assign", api_alert_assign, HTTP_ACTION, AUTHZ_ALERT_WRITE, 0},
    {"POST", "/api/v1/alerts/{id}/suppress", api_alert_suppress, HTTP_ACTION, AUTHZ_ALERT_WRITE,
     0},
    {"GET", "/api/v1/entities/{type}/{key*}", api_entity_get, HTTP_ACTION, AUTHZ_ENTITY_READ, 0},
    {"POST", "/api/v1/import", api_import, HTTP_ACTION, AUTHZ_IMPORT, HTTP_ROUTE_CSV_BODY},
    /* a screening after an import (api_screen.c): who may import may screen */
    {"POST", "/api/v1/screen-runs", api_screen_run, HTTP_ACTION, AUTHZ_IMPORT, 0},
    {"GET", "/api/v1/stats/summary", api_stats_summary, HTTP_ACTION, AUTHZ_STATS_READ, 0},
    {"GET", "/api/v1/stats/patterns", api_stats_patterns, HTTP_ACTION, AUTHZ_STATS_READ, 0},
    {"GET", "/api/v1/stats/quality", api_stats_quality, HTTP_ACTION, AUTHZ_STATS_READ, 0},
    {"GET", "/api/v1/stats/glotip", api_stats_glotip, HTTP_ACTION, AUTHZ_STATS_READ, 0},
    {"GET", "/api/v1/stats/sdg", api_stats_sdg, HTTP_ACTION, AUTHZ_STATS_READ, 0},
    {"POST", "/api/v1/score", api_score, HTTP_ACTION, AUTHZ_SCORE, 0},
    {"GET", "/api/v1/watchlist", api_watchlist, HTTP_ACTION, AUTHZ_ENTITY_READ, 0},
    {"GET", "/api/v1/configs", api_configs_list, HTTP_ACTION, AUTHZ_CONFIG_ADMIN, 0},
    {"POST", "/api/v1/configs", api_config_propose, HTTP_ACTION, AUTHZ_CONFIG_ADMIN, 0},
    {"POST", "/api/v1/configs/rollback", api_config_rollback, HTTP_ACTION, AUTHZ_CONFIG_ADMIN,
     0},
    {"GET", "/api/v1/configs/{id}", api_config_get, HTTP_ACTION, AUTHZ_CONFIG_ADMIN, 0},
    {"POST", "/api/v1/configs/{id}/approve", api_config_approve, HTTP_ACTION,
     AUTHZ_CONFIG_ADMIN, 0},
    {"POST", "/api/v1/configs/{id}/reject", api_config_reject, HTTP_ACTION, AUTHZ_CONFIG_ADMIN,
     0},
    /* NRM cases: the route says the action; cases_access() then decides on
     * the case itself (cases.h, rule 5). /cases/codes and /cases/stats come
     * before /cases/{id}: the first match wins. */
    {"GET", "/api/v1/cases", api_cases_list, HTTP_ACTION, AUTHZ_CASE_READ, 0},
    {"POST", "/api/v1/cases", api_case_open, HTTP_ACTION, AUTHZ_CASE_WRITE, 0},
    {"GET", "/api/v1/cases/codes", api_cases_codes, HTTP_ACTION, AUTHZ_CASE_READ, 0},
    {"GET", "/api/v1/cases/stats", api_cases_stats, HTTP_ACTION, AUTHZ_STATS_READ, 0},
    {"GET", "/api/v1/cases/{id}", api_case_get, HTTP_ACTION, AUTHZ_CASE_READ, 0},
    {"POST", "/api/v1/cases/{id}", api_case_update, HTTP_ACTION, AUTHZ_CASE_WRITE, 0},
    {"POST", "/api/v1/cases/{id}/transition", api_case_transition, HTTP_ACTION,
     AUTHZ_CASE_WRITE, 0},
    {"GET", "/api/v1/cases/{id}/offenders", api_case_offenders, HTTP_ACTION, AUTHZ_CASE_READ,
     0},
    {"POST", "/api/v1/cases/{id}/offenders", api_case_offender_add, HTTP_ACTION,
     AUTHZ_CASE_WRITE, 0},
    {"POST", "/api/v1/cases/{id}/services", api_case_service_offer, HTTP_ACTION,
     AUTHZ_CASE_WRITE, 0},
    {"POST", "/api/v1/cases/{id}/referrals", api_referral_create, HTTP_ACTION, AUTHZ_CASE_WRITE,
     0},
    {"POST", "/api/v1/cases/{id}/emergency", api_case_emergency, HTTP_ACTION,
     AUTHZ_CASE_EMERGENCY, 0},
    {"POST", "/api/v1/cases/{id}/attachments", api_attachment_add, HTTP_ACTION,
     AUTHZ_CASE_WRITE, HTTP_ROUTE_FILE_BODY},
    {"POST", "/api/v1/services/{id}", api_service_set, HTTP_ACTION, AUTHZ_CASE_WRITE, 0},
    {"GET", "/api/v1/referrals", api_referrals_inbox, HTTP_ACTION, AUTHZ_CASE_READ, 0},
    {"POST", "/api/v1/referrals/{id}/consent", api_consent_record, HTTP_ACTION, AUTHZ_CASE_WRITE,
     0},
    {"POST", "/api/v1/referrals/{id}/send", api_referral_send, HTTP_ACTION, AUTHZ_CASE_WRITE, 0},
    {"POST", "/api/v1/referrals/{id}/act", api_referral_act, HTTP_ACTION, AUTHZ_CASE_WRITE, 0},
    {"POST", "/api/v1/consents/{id}/withdraw", api_consent_withdraw, HTTP_ACTION,
     AUTHZ_CASE_WRITE, 0},
    {"GET", "/api/v1/emergencies", api_emergencies_list, HTTP_ACTION, AUTHZ_CASE_REVIEW, 0},
    {"POST", "/api/v1/emergencies/{id}/review", api_emergency_review, HTTP_ACTION,
     AUTHZ_CASE_REVIEW, 0},
    {"GET", "/api/v1/attachments/{id}", api_attachment_get, HTTP_ACTION, AUTHZ_CASE_READ, 0},
    /* persons (tipwatch link): /persons/review before /persons/{id} */
    {"GET", "/api/v1/persons/review", api_persons_review, HTTP_ACTION, AUTHZ_PERSON_REVIEW, 0},
    {"POST", "/api/v1/persons/review", api_persons_dispute, HTTP_ACTION, AUTHZ_PERSON_REVIEW, 0},
    {"POST", "/api/v1/persons/review/{id}", api_persons_decide, HTTP_ACTION,
     AUTHZ_PERSON_REVIEW, 0},
    {"GET", "/api/v1/persons/{id}", api_person_get, HTTP_ACTION, AUTHZ_PERSON_READ, 0},
    /* the person on the entity page and on the NRM case page, within the
     * caller's scope (api_persons.c) */
    {"GET", "/api/v1/workers/{key}/person", api_worker_person, HTTP_ACTION, AUTHZ_ENTITY_READ,
     0},
    {"GET", "/api/v1/cases/{id}/person", api_case_person, HTTP_ACTION, AUTHZ_CASE_READ, 0},
    /* frontline screening (api_screening.c); a case from it also needs
     * case.write, checked by cases_open() */
    {"GET", "/api/v1/screening/questions", api_screening_questions, HTTP_ACTION,
     AUTHZ_SCREENING, 0},
    {"POST", "/api/v1/screenings", api_screening_submit, HTTP_ACTION, AUTHZ_SCREENING, 0},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

const http_route_t *http_routes(size_t *n)
{
    *n = NROUTES;
    return routes;
}

/* ---- metrics ------------------------------------------------------------ */

#define SLOT_STATIC NROUTES        /* static files */
#define SLOT_NONE (NROUTES + 1)    /* no route: 404, 405, 503 before routing */
#define NSLOTS (NROUTES + 2)
static const int metric_statuses[] = {200, 201, 204, 304, 400, 401, 403, 404, 422,
                                      405, 409, 413, 415, 429, 431, 500, 503};
#define NSTATUS (sizeof(metric_statuses) / sizeof(metric_statuses[0]) + 1) /* + other */
static const double metric_buckets[] = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,   1,    2.5,   5,    10};
#define NBUCKETS (sizeof(metric_buckets) / sizeof(metric_buckets[0]))

typedef struct {
    atomic_ullong requests[NSLOTS][NSTATUS];
    atomic_ullong le[NSLOTS][NBUCKETS + 1]; /* per bucket, not cumulative; last: +Inf */
    atomic_ullong micros[NSLOTS];
    atomic_ullong count[NSLOTS];
} metrics_t;

/* ---- server and request ------------------------------------------------- */

/* One open connection as the guard sees it (guard_mu). */
typedef struct {
    struct MHD_Connection *conn; /* NULL: a free slot */
    int fd;
    struct timespec since; /* when its request line + headers began (accept, or the
                              end of its previous request) */
    int pending;           /* reading a request line + headers, or idle between requests */
    int authed;            /* one of its requests was authenticated */
    int closing;           /* shut down by the guard; MHD closes it */
} guard_slot_t;

struct http_server {
    struct MHD_Daemon *daemon;
    http_opts_t o;
    char db_path[PATH_MAX];
    char web_real[PATH_MAX]; /* realpath of the web directory; "" for none */
    char host[256];
    char proxy[INET6_ADDRSTRLEN]; /* --trusted-proxy, normalised; "" for none */
    unsigned port;
    pthread_mutex_t lock;  /* guards stores */
    pthread_mutex_t wlock; /* http_write_lock() */
    store_t **stores;
    size_t nstores, capstores;
    /* the checkpointer: request connections do not checkpoint (a commit
     * that did would make every request behind it wait); this thread
     * copies the WAL back (see checkpointer()) */
    pthread_t ckpt_thread;
    store_t *ckpt_store;
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cond;
    int ckpt_started, ckpt_stop;
    /* what the checkpointer did (GET /metrics): WAL resets and truncations
     * done or given up (readers still in the WAL), and how long it held
     * this server's writers off in all and at most */
    atomic_ullong wal_resets[2], wal_truncations[2]; /* [0] done, [1] in use */
    atomic_ullong wal_hold_micros, wal_hold_max_micros;
    atomic_int active;      /* requests between first call and completion */
    atomic_int connections; /* open connections */
    /* the connection guard (slow clients): one slot per open connection */
    pthread_mutex_t guard_mu;
    guard_slot_t *guard;
    size_t nguard;
    unsigned anon_cap; /* connections not (yet) authenticated, at most */
    atomic_ullong closed_deadline, closed_reserve;
    /* storage health (http_storage_ok) */
    pthread_mutex_t probe_mu;
    struct timespec probe_at;
    int probe_done, probe_ok;
    char probe_why[128];
    volatile sig_atomic_t stopping;
    metrics_t m;
};

struct http_req {
    http_server_t *srv;
    struct MHD_Connection *conn;
    char method[8];
    char *path;
    size_t slot; /* metrics slot: route index, SLOT_STATIC or SLOT_NONE */
    const http_route_t *route;
    char params[HTTP_MAX_PATH_PARAMS][HTTP_PARAM_MAX];
    size_t nparams;
    tw_buf_t body;
    tw_err_t body_err; /* TW_ETOOBIG past the route's limit, TW_ENOMEM */
    int responded;
    auth_principal_t who;
    char csrf[AUTH_TOKEN_LEN + 1];
    char session[AUTH_TOKEN_LEN + 1];
    int has_session;
    char remote[INET6_ADDRSTRLEN];
    struct timespec t0;
    int status;
    size_t bytes;
    int close; /* the answer closes the connection (its framing is in doubt) */
};

static _Thread_local store_t *tls_store;

static void guard_mark(http_server_t *s, struct MHD_Connection *conn, int pending, int authed);

void http_opts_default(http_opts_t *o)
{
    memset(o, 0, sizeof(*o));
    o->db_path = "tipwatch.db";
    o->listen = HTTP_DEFAULT_LISTEN;
    o->max_json_body = HTTP_MAX_JSON_BODY;
    o->max_csv_body = HTTP_MAX_CSV_BODY;
    o->max_header_bytes = HTTP_MAX_HEADER_BYTES;
    o->json_depth = HTTP_MAX_JSON_DEPTH;
    o->timeout_s = HTTP_TIMEOUT_SECONDS;
    o->max_connections = HTTP_MAX_CONNECTIONS;
    o->max_per_ip = HTTP_MAX_PER_IP;
    o->access_log = 1;
    o->drain_s = HTTP_DRAIN_SECONDS;
    o->header_timeout_s = HTTP_HEADER_SECONDS;
    o->reserve = 0;
    o->trusted_proxy = NULL;
    cases_policy_default(&o->cases);
}

/* One line on stderr, written with one write(2) so that lines of several
 * threads never interleave. */
static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void log_line(const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    if (write(STDERR_FILENO, line, (size_t)n) < 0)
        return; /* nowhere left to report it */
}

static tw_err_t thread_store(http_server_t *s, store_t **out, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    tw_err_t err;

    if (tls_store) {
        *out = tls_store;
        return TW_OK;
    }
    if ((err = store_open(s->db_path, &st, ei)) != TW_OK)
        return err;
    store_autocheckpoint(st, 0); /* the checkpointer's job */
    pthread_mutex_lock(&s->lock);
    if (s->nstores == s->capstores) {
        size_t ncap = s->capstores ? s->capstores * 2 : 8;
        store_t **ns = realloc(s->stores, ncap * sizeof(*ns));
        if (!ns) {
            pthread_mutex_unlock(&s->lock);
            store_close(st);
            return tw_errinfo_set(ei, TW_ENOMEM, "no memory for a store");
        }
        s->stores = ns;
        s->capstores = ncap;
    }
    s->stores[s->nstores++] = st;
    pthread_mutex_unlock(&s->lock);
    tls_store = st;
    *out = st;
    return TW_OK;
}

/* ---- pieces with unit tests --------------------------------------------- */

int http_route_match(const char *pattern, const char *path,
                     char params[HTTP_MAX_PATH_PARAMS][HTTP_PARAM_MAX], size_t *n)
{
    const char *p = pattern, *u = path;

    *n = 0;
    while (*p) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            int rest = close && close > p && close[-1] == '*';
            size_t len;
            if (!close || *n >= HTTP_MAX_PATH_PARAMS)
                return 0;
            len = rest ? strlen(u) : strcspn(u, "/");
            if (len == 0 || len >= HTTP_PARAM_MAX)
                return 0;
            memcpy(params[*n], u, len);
            params[*n][len] = '\0';
            (*n)++;
            u += len;
            p = close + 1;
            continue;
        }
        if (*p != *u)
            return 0;
        p++;
        u++;
    }
    return *u == '\0';
}

int http_json_depth_ok(const char *s, size_t len, int max, size_t *at)
{
    int depth = 0, in_str = 0;
    size_t i;

    for (i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++; /* the escaped byte cannot end the string */
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"') {
            in_str = 1;
        } else if (c == '[' || c == '{') {
            if (++depth > max) {
                *at = i;
                return 0;
            }
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return 1;
}

int http_static_path_ok(const char *path)
{
    const char *seg;
    size_t n = strlen(path), i;

    if (n == 0 || n > 1024 || path[0] != '/')
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (c < 0x20 || c == 0x7f || c == '\\')
            return 0;
    }
    for (seg = path + 1; *seg; ) {
        size_t len = strcspn(seg, "/");
        if (seg[0] == '.' || (len == 0 && seg[len] == '/'))
            return 0; /* ".", "..", hidden files, "//" */
        /* npm's side of the web directory: the libraries as installed and
         * their manifests are not the UI (it loads copies from vendor/) */
        if ((len == 12 && strncmp(seg, "node_modules", 12) == 0) ||
            (seg[len] == '\0' &&
             (strcmp(seg, "package.json") == 0 || strcmp(seg, "package-lock.json") == 0)))
            return 0;
        seg += len;
        if (*seg == '/')
            seg++;
    }
    return 1;
}

/* The text form of an IPv4 or IPv6 address in s[0..n) (an IPv4-mapped IPv6
 * address as IPv4); 0 when it is not one. */
static int ip_normal(const char *s, size_t n, char *out, size_t cap)
{
    char tmp[INET6_ADDRSTRLEN];
    struct in_addr a4;
    struct in6_addr a6;
    if (n == 0 || n >= sizeof(tmp))
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (inet_pton(AF_INET, tmp, &a4) == 1)
        return inet_ntop(AF_INET, &a4, out, (socklen_t)cap) != NULL;
    if (inet_pton(AF_INET6, tmp, &a6) != 1)
        return 0;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        memcpy(&a4, &a6.s6_addr[12], 4);
        return inet_ntop(AF_INET, &a4, out, (socklen_t)cap) != NULL;
    }
    return inet_ntop(AF_INET6, &a6, out, (socklen_t)cap) != NULL;
}

int http_forwarded_client(const char *xff, char *out, size_t cap)
{
    const char *last, *end;
    size_t n;

    if (!xff)
        return 0;
    last = strrchr(xff, ',');
    last = last ? last + 1 : xff;
    while (*last == ' ' || *last == '\t')
        last++;
    end = last + strlen(last);
    while (end > last && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    n = (size_t)(end - last);
    if (n > 0 && last[0] == '[') { /* [v6] or [v6]:port */
        const char *close = memchr(last, ']', n);
        if (!close || (close + 1 != end && close[1] != ':'))
            return 0;
        return ip_normal(last + 1, (size_t)(close - last - 1), out, cap);
    }
    if (ip_normal(last, n, out, cap))
        return 1;
    /* a.b.c.d:port */
    {
        const char *colon = memchr(last, ':', n);
        if (colon && !memchr(colon + 1, ':', (size_t)(end - colon - 1)) &&
            strspn(colon + 1, "0123456789") == (size_t)(end - colon - 1) && colon + 1 < end)
            return ip_normal(last, (size_t)(colon - last), out, cap) && !strchr(out, ':');
    }
    return 0;
}

int http_store_reset(store_t *st)
{
    int n = 0;
    /* each call ends one level (a savepoint, or the transaction); the bound
     * only guards against a connection that refuses to roll back */
    while (!sqlite3_get_autocommit(store_sqlite(st)) && n < 1000) {
        store_rollback(st);
        n++;
    }
    return n;
}

const char *http_content_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".mjs", "text/javascript; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".json", "application/json; charset=utf-8"},
                 {".map", "application/json; charset=utf-8"},
                 {".svg", "image/svg+xml"},
                 {".png", "image/png"},
                 {".jpg", "image/jpeg"},
                 {".ico", "image/x-icon"},
                 {".woff2", "font/woff2"},
                 {".txt", "text/plain; charset=utf-8"}};
    const char *dot = strrchr(name, '.');
    size_t i;
    if (dot && !strchr(dot, '/')) {
        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcasecmp(dot, types[i].ext) == 0)
                return types[i].type;
    }
    return "application/octet-stream";
}

/* ---- replies ------------------------------------------------------------ */

tw_err_t http_reply_error(http_reply_t *rep, int status, const char *code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_decref(rep->json);
    rep->json = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
    rep->status = status;
    return TW_OK;
}

/* The one mapping of a handler's tw_err_t to an answer (statuses and codes
 * from err.c). 5xx details are logged, not sent (invariant 5). */
static void reply_from_err(http_req_t *r, http_reply_t *rep, tw_err_t err,
                           const tw_errinfo_t *ei)
{
    char msg[1024];
    int status = tw_err_http_status(err);

    if (ei && (ei->msg[0] || ei->field[0]))
        tw_errinfo_format(ei, msg, sizeof(msg));
    else
        snprintf(msg, sizeof(msg), "%s", tw_strerror(err));
    json_decref(rep->json);
    rep->json = NULL;
    free(rep->text);
    rep->text = NULL;
    if (status >= 500) {
        log_line("serve: error: %s %s: %s: %s", r->method,
                 r->route ? r->route->pattern : "-", tw_strerror(err), msg);
        http_reply_error(rep, status, tw_err_code_name(err), "%s",
                         status == 503 ? "the server is short of memory; try again later"
                                       : "internal error; the server's log has the details");
        return;
    }
    http_reply_error(rep, status, tw_err_code_name(err), "%s", msg);
    /* what a client needs to say it in its own words: the field and the
     * stable reason (the UI's catalogues map code, reason and field) */
    if (ei && rep->json) {
        json_t *e = json_object_get(rep->json, "error");
        if (e && ei->field[0])
            json_object_set_new(e, "field", json_string(ei->field));
        if (e && ei->reason[0])
            json_object_set_new(e, "reason", json_string(ei->reason));
        if (e && ei->ref[0])
            json_object_set_new(e, "ref", json_string(ei->ref));
    }
}

static void add_security_headers(struct MHD_Response *resp, int api)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Content-Security-Policy", "default-src 'self'");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", api ? "no-store" : "no-cache");
}

static enum MHD_Result send_reply(http_req_t *r, http_reply_t *rep)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char *body = NULL;
    size_t len = 0;
    const char *ctype = NULL;

    if (rep->json) {
        body = json_dumps(rep->json, JSON_COMPACT | JSON_REAL_PRECISION(10));
        if (!body) {
            rep->status = 503;
            body = strdup("{\"error\":{\"code\":\"unavailable\",\"message\":\"out of memory\"}}");
        }
        len = body ? strlen(body) : 0;
        ctype = "application/json; charset=utf-8";
    } else if (rep->text) {
        body = rep->text;
        rep->text = NULL;
        len = rep->text_len;
        ctype = rep->content_type      ? rep->content_type
                : rep->content_type_buf[0] ? rep->content_type_buf
                                           : "text/plain; charset=utf-8";
    }
    resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    if (ctype)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    add_security_headers(resp, 1);
    if (rep->set_cookie[0])
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, rep->set_cookie);
    if (rep->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", rep->disposition);
    if (rep->status == 401)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Bearer realm=\"tipwatch\"");
    if (rep->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rep->allow);
    if (rep->retry_after) {
        char v[24];
        snprintf(v, sizeof(v), "%u", rep->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, v);
    }
    if (r->srv->stopping || r->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    ret = MHD_queue_response(r->conn, (unsigned)rep->status, resp);
    MHD_destroy_response(resp);
    r->status = rep->status;
    r->bytes = len;
    r->responded = 1;
    json_decref(rep->json);
    rep->json = NULL;
    return ret;
}

static enum MHD_Result send_error(http_req_t *r, int status, const char *code, const char *allow,
                                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static enum MHD_Result send_error(http_req_t *r, int status, const char *code, const char *allow,
                                  const char *fmt, ...)
{
    http_reply_t rep;
    char msg[512];
    va_list ap;

    memset(&rep, 0, sizeof(rep));
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    http_reply_error(&rep, status, code, "%s", msg);
    rep.allow = allow;
    if (status == 401 && r->has_session)
        snprintf(rep.set_cookie, sizeof(rep.set_cookie),
                 "tw_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    return send_reply(r, &rep);
}

/* ---- static files ------------------------------------------------------- */

static enum MHD_Result serve_static(http_req_t *r)
{
    http_server_t *s = r->srv;
    char want[PATH_MAX + 1100], real[PATH_MAX];
    const char *path = r->path;
    struct MHD_Response *resp;
    struct stat sb;
    size_t wl = strlen(s->web_real);
    int fd;

    r->slot = SLOT_STATIC;
    if (!s->web_real[0])
        return send_error(r, 404, "not_found", NULL, "no web UI is served (--web DIR)");
    if (!http_static_path_ok(path))
        return send_error(r, 404, "not_found", NULL, "no such file");
    snprintf(want, sizeof(want), "%s%s%s", s->web_real, path,
             path[strlen(path) - 1] == '/' ? "index.html" : "");
    /* symlinks are resolved; whatever they point at must still be inside
     * the web directory, and a regular file */
    if (!realpath(want, real) || strncmp(real, s->web_real, wl) != 0 || real[wl] != '/')
        return send_error(r, 404, "not_found", NULL, "no such file");
    fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return send_error(r, 404, "not_found", NULL, "no such file");
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return send_error(r, 404, "not_found", NULL, "no such file");
    }
    resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, http_content_type(real));
    add_security_headers(resp, 0);
    if (s->stopping)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    r->status = 200;
    r->bytes = (size_t)sb.st_size;
    r->responded = 1;
    {
        enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
        MHD_destroy_response(resp);
        return ret;
    }
}

/* ---- the pipeline ------------------------------------------------------- */

static int is_api_path(const char *p)
{
    return strncmp(p, "/api/", 5) == 0 || strcmp(p, "/api") == 0 || strcmp(p, "/healthz") == 0;
}

/* Step 3: a bearer token or the session cookie. 1 with r->who set, else 0
 * when a 401 (or 5xx) has been queued and *ret says how that went. */
static int authenticate(http_req_t *r, enum MHD_Result *ret)
{
    const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_AUTHORIZATION);
    const char *cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "tw_session");
    store_t *st;
    tw_errinfo_t ei;
    tw_err_t err;

    tw_errinfo_clear(&ei);
    if ((err = thread_store(r->srv, &st, &ei)) != TW_OK) {
        log_line("serve: error: opening the store: %s", ei.msg);
        *ret = send_error(r, 503, "unavailable", NULL, "the store cannot be opened");
        return 0;
    }
    if (h) {
        const char *tok;
        if (strncasecmp(h, "Bearer ", 7) != 0) {
            *ret = send_error(r, 401, "unauthorized", NULL,
                              "Authorization: only 'Bearer TOKEN' is accepted");
            return 0;
        }
        for (tok = h + 7; *tok == ' '; tok++)
            ;
        if (strlen(tok) != AUTH_TOKEN_LEN)
            err = TW_EPERM;
        else
            err = auth_bearer(st, tok, &r->who, &ei);
        if (err == TW_EPERM) {
            *ret = send_error(r, 401, "unauthorized", NULL,
                              "the bearer token is unknown or revoked");
            return 0;
        }
    } else if (cookie) {
        r->has_session = 1;
        if (strlen(cookie) != AUTH_TOKEN_LEN) {
            err = TW_EPERM;
        } else {
            snprintf(r->session, sizeof(r->session), "%s", cookie);
            http_write_lock(r); /* it moves the session's idle timer */
            err = auth_session(st, cookie, &r->who, r->csrf, &ei);
            http_write_unlock(r);
        }
        if (err == TW_EPERM) {
            *ret = send_error(r, 401, "unauthorized", NULL,
                              "the session has ended or is unknown; sign in again");
            return 0;
        }
    } else {
        *ret = send_error(r, 401, "unauthorized", NULL,
                          "sign in first: send 'Authorization: Bearer TOKEN' or the session "
                          "cookie from POST /api/v1/login");
        return 0;
    }
    if (err != TW_OK) {
        log_line("serve: error: authentication: %s: %s", tw_strerror(err), ei.msg);
        *ret = send_error(r, 500, "internal", NULL,
                          "internal error; the server's log has the details");
        return 0;
    }
    return 1;
}

/* How a request's body is framed: the Content-Length and Transfer-Encoding
 * headers it has. */
typedef struct {
    int cl, te;
    const char *first_cl;
    int cl_differ;
} framing_t;

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    framing_t *f = cls;
    (void)kind;
    if (!key)
        return MHD_YES;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->cl++ == 0)
            f->first_cl = value;
        else if (!value || !f->first_cl || strcmp(value, f->first_cl) != 0)
            f->cl_differ = 1;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->te++;
    }
    return MHD_YES;
}

/* Step 0 (RFC 9112, 6.3): a request with both Content-Length and
 * Transfer-Encoding, or with Content-Length headers that differ, could be
 * framed one way here and another way by a proxy in front ("request
 * smuggling"): refused with 400 and the connection closed, before
 * anything else. 1 to go on. */
static int framing_ok(http_req_t *r, enum MHD_Result *ret)
{
    framing_t f;
    memset(&f, 0, sizeof(f));
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, count_framing, &f);
    if (!(f.cl && f.te) && !f.cl_differ)
        return 1;
    r->close = 1;
    *ret = send_error(r, 400, "bad_input", NULL,
                      f.te ? "a request may not have both Content-Length and Transfer-Encoding"
                           : "a request may not have two different Content-Length headers");
    return 0;
}

/* Steps 1 to 5, on libmicrohttpd's first call for a request (headers read,
 * no body yet). Returns 1 to go on reading the body, 0 when an answer has
 * been queued (*ret). */
static int start_request(http_req_t *r, enum MHD_Result *ret)
{
    http_server_t *s = r->srv;
    int get = strcmp(r->method, "GET") == 0 || strcmp(r->method, "HEAD") == 0;
    char allow[64] = "";
    const char *cl;
    size_t i, limit;

    r->slot = SLOT_NONE;
    if (!framing_ok(r, ret))
        return 0;
    if (s->stopping) {
        *ret = send_error(r, 503, "unavailable", NULL, "the server is stopping");
        return 0;
    }
    if (!is_api_path(r->path)) {
        if (!get) {
            *ret = send_error(r, 405, "method_not_allowed", "GET, HEAD",
                              "%s is not allowed here: static files are only read", r->method);
            return 0;
        }
        *ret = serve_static(r);
        return 0;
    }
    for (i = 0; i < NROUTES; i++) {
        const http_route_t *rt = &routes[i];
        size_t np;
        if (!http_route_match(rt->pattern, r->path, r->params, &np))
            continue;
        if (strcmp(rt->method, r->method) == 0 ||
            (strcmp(r->method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0)) {
            r->route = rt;
            r->slot = i;
            r->nparams = np;
            break;
        }
        if (!strstr(allow, rt->method))
            snprintf(allow + strlen(allow), sizeof(allow) - strlen(allow), "%s%s",
                     allow[0] ? ", " : "", strcmp(rt->method, "GET") == 0 ? "GET, HEAD"
                                                                         : rt->method);
    }
    if (!r->route) {
        if (allow[0]) {
            *ret = send_error(r, 405, "method_not_allowed", allow,
                              "%s is not allowed on this path; allowed: %s", r->method, allow);
        } else {
            *ret = send_error(r, 404, "not_found", NULL, "no such endpoint");
        }
        return 0;
    }
    /* step 2: the body limit, from Content-Length before any byte is read */
    limit = (r->route->flags & HTTP_ROUTE_CSV_BODY)    ? s->o.max_csv_body
            : (r->route->flags & HTTP_ROUTE_FILE_BODY) ? s->o.cases.attachment_max
                                                       : s->o.max_json_body;
    cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        unsigned long long v;
        errno = 0;
        v = strtoull(cl, &end, 10);
        if (errno || end == cl || *end || cl[0] == '-') {
            *ret = send_error(r, 400, "bad_input", NULL, "Content-Length: not a number");
            return 0;
        }
        if (v > limit) {
            *ret = send_error(r, 413, "too_large", NULL,
                              "the body is %llu bytes; this endpoint takes at most %zu", v,
                              limit);
            return 0;
        }
    }
    buf_init(&r->body, limit);
    if (r->route->auth == HTTP_PUBLIC)
        return 1;
    /* step 3 */
    if (!authenticate(r, ret))
        return 0;
    /* step 4: a browser session writes only with its CSRF token */
    if (r->who.via_session && !get) {
        const char *t = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
        if (!t || !auth_token_equal(t, r->csrf)) {
            *ret = send_error(r, 403, "csrf",
                              NULL, "a write through a browser session needs the header "
                                    "X-CSRF-Token with the token from sign-in or GET /api/v1/me");
            return 0;
        }
    }
    /* step 5 */
    if (r->route->auth == HTTP_ACTION) {
        tw_errinfo_t ei;
        tw_errinfo_clear(&ei);
        if (authz_check(&r->who, r->route->action, NULL, &ei) != TW_OK) {
            *ret = send_error(r, 403, "forbidden", NULL, "%s", ei.msg);
            return 0;
        }
    }
    return 1;
}

/* Step 6: the handler, on the last call (the whole body is in). */
static enum MHD_Result finish_request(http_req_t *r)
{
    http_reply_t rep;
    tw_errinfo_t ei;
    store_t *st;
    tw_err_t err;

    if (r->body_err == TW_ETOOBIG)
        return send_error(r, 413, "too_large", NULL, "the body is larger than %zu bytes",
                          r->body.max);
    if (r->body_err != TW_OK)
        return send_error(r, tw_err_http_status(r->body_err), tw_err_code_name(r->body_err),
                          NULL, "the server is short of memory; try again later");
    if (r->srv->stopping) /* the body came in after the stop began: no new work */
        return send_error(r, 503, "unavailable", NULL, "the server is stopping");
    memset(&rep, 0, sizeof(rep));
    rep.status = 200;
    tw_errinfo_clear(&ei);
    if ((err = thread_store(r->srv, &st, &ei)) != TW_OK) {
        log_line("serve: error: opening the store: %s", ei.msg);
        return send_error(r, 503, "unavailable", NULL, "the store cannot be opened");
    }
    err = r->route->handler(r, &rep, &ei);
    if (!sqlite3_get_autocommit(store_sqlite(st))) {
        /* a handler must end what it began; never leave a write lock held,
         * nor a savepoint that would fold the next request's writes into it */
        log_line("serve: error: %s left a transaction open; rolled back", r->route->pattern);
        http_store_reset(st);
        if (err == TW_OK)
            err = TW_EINTERNAL;
    }
    if (err != TW_OK)
        reply_from_err(r, &rep, err, &ei);
    if (!rep.json && !rep.text && rep.status != 204)
        rep.json = json_object();
    return send_reply(r, &rep);
}

/* The last X-Forwarded-For header of a request (a proxy that adds its own
 * line rather than extending the client's puts it last). */
static enum MHD_Result last_xff(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0)
        *(const char **)cls = value;
    return MHD_YES;
}

/* The peer's address (an IPv4-mapped IPv6 one as IPv4); when the peer is the
 * trusted proxy, the client's address it forwarded, if it gave a valid one
 * (else the proxy's own: a health check from the proxy has none). */
static void remote_address(const http_server_t *s, struct MHD_Connection *c, char *out,
                           size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char peer[INET6_ADDRSTRLEN] = "";
    const char *xff = NULL;

    snprintf(out, cap, "unknown");
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr,
                  peer, sizeof(peer));
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)(const void *)ci->client_addr)->sin6_addr, peer,
                  sizeof(peer));
    if (!peer[0] || !ip_normal(peer, strlen(peer), out, cap))
        return;
    if (!s->proxy[0] || strcmp(out, s->proxy) != 0)
        return;
    MHD_get_connection_values(c, MHD_HEADER_KIND, last_xff, (void *)&xff);
    if (xff)
        http_forwarded_client(xff, out, cap); /* leaves out alone when it fails */
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    http_server_t *s = cls;
    http_req_t *r = *con_cls;
    enum MHD_Result ret = MHD_YES;

    (void)version;
    if (!r) {
        r = calloc(1, sizeof(*r));
        if (!r)
            return MHD_NO;
        *con_cls = r;
        atomic_fetch_add(&s->active, 1);
        r->srv = s;
        r->conn = conn;
        clock_gettime(CLOCK_MONOTONIC, &r->t0);
        snprintf(r->method, sizeof(r->method), "%s", method);
        r->path = strdup(url);
        buf_init(&r->body, 0);
        remote_address(s, conn, r->remote, sizeof(r->remote));
        guard_mark(s, conn, 0, 0); /* its headers are in */
        if (!r->path)
            return MHD_NO;
        if (!start_request(r, &ret))
            return ret;
        return MHD_YES;
    }
    if (r->responded) {
        *upload_data_size = 0; /* an answer is queued; the rest is dropped */
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (s->stopping) {
            /* a body still coming in when the stop begins is not waited for:
             * 503 now when libmicrohttpd takes an answer mid-body, else the
             * connection is closed (its handler never ran: nothing written) */
            if (send_error(r, 503, "unavailable", NULL, "the server is stopping") == MHD_YES)
                return MHD_YES;
            log_line("serve: stopping: closed a connection whose request body was still "
                     "arriving");
            r->responded = 0; /* nothing went out: the access log says it ended early */
            return MHD_NO;
        }
        if (r->body_err == TW_OK) /* after an error: read on and drop; answered at the end */
            r->body_err = buf_add(&r->body, upload_data, n);
        return MHD_YES;
    }
    return finish_request(r);
}

static void record_metrics(http_server_t *s, const http_req_t *r, double secs)
{
    size_t st, b;
    for (st = 0; st + 1 < NSTATUS && metric_statuses[st] != r->status; st++)
        ;
    for (b = 0; b < NBUCKETS && secs > metric_buckets[b]; b++)
        ;
    atomic_fetch_add(&s->m.requests[r->slot][st], 1);
    atomic_fetch_add(&s->m.le[r->slot][b], 1);
    atomic_fetch_add(&s->m.micros[r->slot], (unsigned long long)(secs * 1e6));
    atomic_fetch_add(&s->m.count[r->slot], 1);
}

/* The access log names the route pattern, never the path or the query: a
 * path can hold a passport number or an address, and the log is not where
 * personal data belongs. Static paths are logged (they hold none). */
static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server_t *s = cls;
    http_req_t *r = *con_cls;
    struct timespec t1;
    double secs;

    if (!r)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - r->t0.tv_sec) + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e9;
    if (!r->responded)
        r->status = 0; /* the client went away, or the connection failed */
    record_metrics(s, r, secs);
    if (s->o.access_log) {
        char when[32], what[160];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (r->slot == SLOT_STATIC) {
            size_t i, n = 0;
            for (i = 0; r->path && r->path[i] && n + 1 < sizeof(what); i++) {
                unsigned char c = (unsigned char)r->path[i];
                what[n++] = (c > 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
            }
            what[n] = '\0';
        } else {
            snprintf(what, sizeof(what), "%s", r->route ? r->route->pattern : "(no route)");
        }
        log_line("%s %s %s \"%s %s\" %d %zu %.1fms%s", when, r->remote,
                 r->who.user_id ? r->who.user : "-", r->method, what, r->status, r->bytes,
                 secs * 1e3,
                 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection ended early)");
    }
    /* the next request's headers are awaited from now; a connection that
     * made an authenticated request is one of the reserve's */
    guard_mark(s, conn, 1, r->who.user_id != 0 && r->status > 0 && r->status < 400);
    buf_free(&r->body);
    free(r->path);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->active, 1);
}

/* ---- the connection guard: slow clients --------------------------------
 *
 * libmicrohttpd's timeout is an idle timeout: a client sending one header
 * byte every few seconds keeps a connection for ever, and enough of them
 * (each address under --max-per-ip) fill --max-connections so that nobody
 * else is answered. The guard keeps one slot per connection (made and
 * freed by on_connection(); libmicrohttpd notifies the close before it
 * closes the socket, so a slot's fd is the connection's while the slot is
 * in use) and ends a connection by shutdown(2) of its socket, which
 * libmicrohttpd then sees as the client going away:
 *   - the deadline: a connection that is not authenticated and has spent
 *     more than header_timeout_s on one request line + headers (counted
 *     from its accept, or from the end of its previous request) is ended
 *     (guard_sweep(), four times a second);
 *   - the reserve: connections that never made an authenticated request
 *     may hold max_connections - reserve at most; a new one past that
 *     ends the oldest of them still reading its headers (a slow one: a
 *     normal client sends them at once), or itself when there is none.
 * Connections that made an authenticated request keep the idle timeout
 * only: a signed-in user's keep-alive connection is never taken. */

static double since_s(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void guard_end(http_server_t *s, guard_slot_t *g, atomic_ullong *counter)
{
    (void)s;
    if (g->closing)
        return;
    g->closing = 1;
    shutdown(g->fd, SHUT_RDWR);
    atomic_fetch_add(counter, 1);
}

/* Over the cap of connections without authentication: end the oldest one
 * still reading headers, else `self`. Under guard_mu. */
static void guard_reserve(http_server_t *s, guard_slot_t *self)
{
    size_t i, anon = 0;
    guard_slot_t *oldest = NULL;
    for (i = 0; i < s->nguard; i++) {
        guard_slot_t *g = &s->guard[i];
        if (!g->conn || g->authed || g->closing)
            continue;
        anon++;
        if (g->pending && g != self && (!oldest || since_s(&g->since, &oldest->since) > 0))
            oldest = g;
    }
    if (anon <= s->anon_cap)
        return;
    guard_end(s, oldest ? oldest : self, &s->closed_reserve);
}

static void guard_sweep(http_server_t *s)
{
    struct timespec now;
    size_t i;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&s->guard_mu);
    for (i = 0; i < s->nguard; i++) {
        guard_slot_t *g = &s->guard[i];
        if (g->conn && g->pending && !g->authed && !g->closing &&
            since_s(&g->since, &now) > (double)s->o.header_timeout_s)
            guard_end(s, g, &s->closed_deadline);
    }
    pthread_mutex_unlock(&s->guard_mu);
}

/* The connection's slot (NULL when it has none). */
static guard_slot_t *guard_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? (guard_slot_t *)ci->socket_context : NULL;
}

/* A request's headers are in (pending 0), or it ended (pending 1 again,
 * authed when it was authenticated). */
static void guard_mark(http_server_t *s, struct MHD_Connection *conn, int pending, int authed)
{
    guard_slot_t *g = guard_of(conn);
    if (!g)
        return;
    pthread_mutex_lock(&s->guard_mu);
    if (g->conn == conn) {
        g->pending = pending;
        if (authed)
            g->authed = 1;
        if (pending)
            clock_gettime(CLOCK_MONOTONIC, &g->since);
    }
    pthread_mutex_unlock(&s->guard_mu);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    http_server_t *s = cls;
    guard_slot_t *g = NULL;
    size_t i;

    if (toe != MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_sub(&s->connections, 1);
        g = *socket_context;
        if (g) {
            pthread_mutex_lock(&s->guard_mu);
            g->conn = NULL;
            pthread_mutex_unlock(&s->guard_mu);
            *socket_context = NULL;
        }
        return;
    }
    atomic_fetch_add(&s->connections, 1);
    pthread_mutex_lock(&s->guard_mu);
    for (i = 0; i < s->nguard && !g; i++)
        if (!s->guard[i].conn)
            g = &s->guard[i];
    if (g) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        memset(g, 0, sizeof(*g));
        g->conn = conn;
        g->fd = ci ? (int)ci->connect_fd : -1;
        g->pending = 1;
        clock_gettime(CLOCK_MONOTONIC, &g->since);
        if (g->fd < 0)
            g->conn = NULL, g = NULL;
        else
            guard_reserve(s, g);
    }
    *socket_context = g;
    pthread_mutex_unlock(&s->guard_mu);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    const http_server_t *s = cls;
    char msg[512];
    size_t n;
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* while stopping, a connection whose body was still arriving is closed
     * on purpose (on_request says so); MHD calls that an internal error */
    if (s->stopping && strstr(msg, "Application reported internal error"))
        return;
    log_line("serve: libmicrohttpd: %s", msg);
}

/* ---- accessors ---------------------------------------------------------- */

const char *http_req_param(const http_req_t *r, size_t i)
{
    return i < r->nparams ? r->params[i] : "";
}

const char *http_req_query(const http_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

typedef struct {
    const char *const *allowed;
    char bad[80];
} query_check_t;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    query_check_t *q = cls;
    size_t i;
    (void)kind;
    (void)value;
    for (i = 0; q->allowed[i]; i++)
        if (strcmp(q->allowed[i], key) == 0)
            return MHD_YES;
    snprintf(q->bad, sizeof(q->bad), "%s", key);
    return MHD_NO;
}

tw_err_t http_req_query_check(const http_req_t *r, const char *const *allowed,
                              tw_errinfo_t *ei)
{
    query_check_t q;
    q.allowed = allowed;
    q.bad[0] = '\0';
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_arg, &q);
    if (q.bad[0])
        return tw_errinfo_set(ei, TW_EINPUT, "unknown query parameter '%s'", q.bad);
    return TW_OK;
}

const char *http_req_header(const http_req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_req_body(const http_req_t *r, size_t *len)
{
    *len = r->body.len;
    return buf_str(&r->body);
}

tw_err_t http_req_json(const http_req_t *r, json_t **out, tw_errinfo_t *ei)
{
    const char *ct = http_req_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    json_error_t jerr;
    size_t at;
    json_t *j;

    *out = NULL;
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
        (ct[16] && ct[16] != ';' && ct[16] != ' '))
        return tw_errinfo_set(ei, TW_EINPUT,
                              "request body: Content-Type must be application/json");
    if (r->body.len == 0)
        return tw_errinfo_set(ei, TW_EINPUT, "request body: a JSON object is required");
    if (!http_json_depth_ok(r->body.p, r->body.len, r->srv->o.json_depth, &at))
        return tw_errinfo_set(ei, TW_EINPUT,
                              "request body: JSON nested deeper than %d levels at byte %zu",
                              r->srv->o.json_depth, at);
    j = json_loadb(r->body.p, r->body.len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "request body: invalid JSON at line %d, column %d (byte %d): %s",
                              jerr.line, jerr.column, jerr.position, jerr.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return tw_errinfo_set(ei, TW_EINPUT, "request body: must be a JSON object");
    }
    *out = j;
    return TW_OK;
}

const auth_principal_t *http_req_principal(const http_req_t *r)
{
    return &r->who;
}

const char *http_req_csrf(const http_req_t *r)
{
    return r->who.via_session ? r->csrf : "";
}

const char *http_req_session(const http_req_t *r)
{
    return r->who.via_session ? r->session : NULL;
}

store_t *http_req_store(http_req_t *r)
{
    (void)r;
    return tls_store; /* opened by finish_request() before any handler */
}

const char *http_req_remote(const http_req_t *r)
{
    return r->remote;
}

volatile sig_atomic_t *http_req_cancel(http_req_t *r)
{
    return &r->srv->stopping;
}

const http_opts_t *http_req_opts(const http_req_t *r)
{
    return &r->srv->o;
}

void http_write_lock(http_req_t *r)
{
    pthread_mutex_lock(&r->srv->wlock);
}

void http_write_unlock(http_req_t *r)
{
    pthread_mutex_unlock(&r->srv->wlock);
}

tw_err_t http_metrics_text(http_req_t *r, const long long open_by_level[4], char **out,
                           size_t *len)
{
    static const char *const levels[4] = {"none", "low", "medium", "high"};
    http_server_t *s = r->srv;
    tw_buf_t b;
    size_t slot, i;
    tw_err_t err = TW_OK;

    buf_init(&b, (size_t)1 << 22);
#define P(...)                                                                                 \
    do {                                                                                       \
        if (err == TW_OK)                                                                      \
            err = buf_printf(&b, __VA_ARGS__);                                                 \
    } while (0)
    P("# HELP tipwatch_http_requests_total HTTP requests by route and status.\n"
      "# TYPE tipwatch_http_requests_total counter\n");
    for (slot = 0; slot < NSLOTS; slot++) {
        const char *name = slot < NROUTES ? routes[slot].pattern
                           : slot == SLOT_STATIC ? "static" : "none";
        const char *method = slot < NROUTES ? routes[slot].method : "";
        for (i = 0; i < NSTATUS; i++) {
            unsigned long long v = atomic_load(&s->m.requests[slot][i]);
            if (!v)
                continue;
            if (i + 1 < NSTATUS)
                P("tipwatch_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} "
                  "%llu\n", method, name, metric_statuses[i], v);
            else
                P("tipwatch_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} "
                  "%llu\n", method, name, v);
        }
    }
    P("# HELP tipwatch_http_request_duration_seconds Time from the request's headers to its "
      "completion.\n# TYPE tipwatch_http_request_duration_seconds histogram\n");
    for (slot = 0; slot < NSLOTS; slot++) {
        const char *name = slot < NROUTES ? routes[slot].pattern
                           : slot == SLOT_STATIC ? "static" : "none";
        unsigned long long cum = 0, n = atomic_load(&s->m.count[slot]);
        if (!n)
            continue;
        for (i = 0; i < NBUCKETS; i++) {
            cum += atomic_load(&s->m.le[slot][i]);
            P("tipwatch_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
              name, metric_buckets[i], cum);
        }
        cum += atomic_load(&s->m.le[slot][NBUCKETS]);
        P("tipwatch_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
          name, cum);
        P("tipwatch_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
          (double)atomic_load(&s->m.micros[slot]) / 1e6);
        P("tipwatch_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name, n);
    }
    P("# HELP tipwatch_http_open_connections Connections open now.\n"
      "# TYPE tipwatch_http_open_connections gauge\ntipwatch_http_open_connections %d\n",
      atomic_load(&s->connections));
    P("# HELP tipwatch_http_connections_ended_total Connections the server ended: a request "
      "line and headers slower than --header-timeout (deadline), or past the connections kept "
      "for signed-in users (reserve).\n"
      "# TYPE tipwatch_http_connections_ended_total counter\n"
      "tipwatch_http_connections_ended_total{reason=\"deadline\"} %llu\n"
      "tipwatch_http_connections_ended_total{reason=\"reserve\"} %llu\n",
      atomic_load(&s->closed_deadline), atomic_load(&s->closed_reserve));
    {
        char why[128];
        P("# HELP tipwatch_storage_writable 1 when a write beside the store can be made and "
          "synced (probed at most once a second).\n# TYPE tipwatch_storage_writable gauge\n"
          "tipwatch_storage_writable %d\n",
          http_storage_ok(r, why, sizeof(why)));
    }
    P("# HELP tipwatch_wal_resets_total Short steps that let the WAL start again from its "
      "beginning (done), or gave up because requests still read it (in_use).\n"
      "# TYPE tipwatch_wal_resets_total counter\n"
      "tipwatch_wal_resets_total{result=\"done\"} %llu\n"
      "tipwatch_wal_resets_total{result=\"in_use\"} %llu\n"
      "# HELP tipwatch_wal_truncations_total Long steps that emptied a WAL past 64 MiB.\n"
      "# TYPE tipwatch_wal_truncations_total counter\n"
      "tipwatch_wal_truncations_total{result=\"done\"} %llu\n"
      "tipwatch_wal_truncations_total{result=\"in_use\"} %llu\n"
      "# HELP tipwatch_wal_writer_hold_seconds_total Time the checkpointer held this "
      "server's writers off.\n# TYPE tipwatch_wal_writer_hold_seconds_total counter\n"
      "tipwatch_wal_writer_hold_seconds_total %.6f\n"
      "# HELP tipwatch_wal_writer_hold_max_seconds The longest such hold since the start.\n"
      "# TYPE tipwatch_wal_writer_hold_max_seconds gauge\n"
      "tipwatch_wal_writer_hold_max_seconds %.6f\n",
      atomic_load(&s->wal_resets[0]), atomic_load(&s->wal_resets[1]),
      atomic_load(&s->wal_truncations[0]), atomic_load(&s->wal_truncations[1]),
      (double)atomic_load(&s->wal_hold_micros) / 1e6,
      (double)atomic_load(&s->wal_hold_max_micros) / 1e6);
    P("# HELP tipwatch_alerts_open Open alerts by level.\n# TYPE tipwatch_alerts_open gauge\n");
    for (i = 0; i < 4; i++)
        P("tipwatch_alerts_open{level=\"%s\"} %lld\n", levels[i], open_by_level[i]);
#undef P
    if (err != TW_OK) {
        buf_free(&b);
        return err;
    }
    *len = b.len;
    *out = b.p; /* the buffer's memory passes to the caller */
    if (!*out)
        *out = strdup("");
    return *out ? TW_OK : TW_ENOMEM;
}

/* ---- storage health ------------------------------------------------------ */

/* One write probe: what a commit needs (space, a writable directory, a
 * working fsync) on the store's file system. */
static int probe_storage(const char *db_path, char *why, size_t cap)
{
    char path[PATH_MAX + 16];
    static const char block[4096];
    int fd, ok = 1;

    snprintf(path, sizeof(path), "%s.probe", db_path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, cap, "cannot create a file beside the store: %s", strerror(errno));
        return 0;
    }
    if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block)) {
        snprintf(why, cap, "cannot write beside the store: %s",
                 errno ? strerror(errno) : "short write");
        ok = 0;
    } else if (fsync(fd) != 0) {
        snprintf(why, cap, "cannot sync a write beside the store: %s", strerror(errno));
        ok = 0;
    }
    close(fd);
    unlink(path);
    return ok;
}

int http_storage_ok(http_req_t *r, char *why, size_t cap)
{
    http_server_t *s = r->srv;
    struct timespec now;
    int ok;

    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&s->probe_mu);
    if (!s->probe_done || since_s(&s->probe_at, &now) >= 1.0) {
        s->probe_why[0] = '\0';
        errno = 0;
        s->probe_ok = probe_storage(s->db_path, s->probe_why, sizeof(s->probe_why));
        s->probe_at = now;
        s->probe_done = 1;
    }
    ok = s->probe_ok;
    snprintf(why, cap, "%s", ok ? "" : s->probe_why);
    pthread_mutex_unlock(&s->probe_mu);
    return ok;
}

/* ---- start and stop ----------------------------------------------------- */

static tw_err_t parse_listen(const char *spec, struct sockaddr_storage *ss, char *host,
                             size_t hostcap, unsigned *port, int *v6, tw_errinfo_t *ei)
{
    struct addrinfo hints, *res = NULL;
    const char *colon, *h = spec;
    size_t hl;
    char *end;
    unsigned long p;
    int rc;

    if (spec[0] == '[') {
        const char *close = strchr(spec, ']');
        if (!close || close[1] != ':')
            goto bad;
        h = spec + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon)
            goto bad;
        hl = (size_t)(colon - spec);
    }
    if (hl == 0 || hl >= hostcap)
        goto bad;
    memcpy(host, h, hl);
    host[hl] = '\0';
    errno = 0;
    p = strtoul(colon + 1, &end, 10);
    if (errno || end == colon + 1 || *end || p > 65535 || colon[1] == '-' || colon[1] == '+')
        goto bad;
    *port = (unsigned)p;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0 || !res)
        return tw_errinfo_set(ei, TW_EINPUT, "--listen %s: %s", spec, gai_strerror(rc));
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *v6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return TW_OK;
bad:
    return tw_errinfo_set(ei, TW_EINPUT, "--listen must be ADDR:PORT or [V6ADDR]:PORT, not '%s'",
                          spec);
}

/* The checkpointer keeps the WAL bounded without making requests wait long.
 * Every CKPT_TICK_MS a PASSIVE checkpoint copies, without holding anyone
 * up, every frame no reader still needs. Under continuous reads and
 * writes that never lets the WAL start again from its beginning (some
 * request always holds a snapshot in it), so once the WAL is past
 * CKPT_RESET_PAGES a short reset step runs with this server's writers held
 * off (they queue on the write lock): a RESTART checkpoint copies the few
 * frames committed since the PASSIVE one and waits at most
 * CKPT_RESET_WAIT_MS for the readers of the WAL to finish (a request
 * reads for a millisecond or two); the next commit then writes the WAL
 * from its start. Readers are never held up. Should the readers outlast the
 * wait again and again, past CKPT_TRUNCATE_PAGES the older, longer step
 * empties the file (TRUNCATE, up to CKPT_TRUNCATE_WAIT_MS): the WAL stays
 * bounded whatever the load. Every audited request still commits its entry
 * before it answers; only where the WAL's frames go afterwards changed. */
#define CKPT_TICK_MS 50
/* 8,192 pages of 8 KiB: 64 MiB of WAL. The p99 counts how many requests
 * a stall delays, so resets are kept as rare as the truncations were
 * (about one every 10 s at 1,000 audited requests/s), each much shorter;
 * at 8 MiB the extra fsyncs under the write lock cost more p99 than the
 * smaller WAL saved (bench/RESULTS.md, "HTTP API under load"). */
#define CKPT_RESET_PAGES 8192
#define CKPT_RESET_WAIT_MS 4
/* after a reset that the readers outlasted, the writers run freely for
 * this many ticks before the next try (so a slow spell does not hold them
 * 4 ms of every 50) */
#define CKPT_RESET_BACKOFF_TICKS 4
/* 32,768 pages of 8 KiB: 256 MiB of WAL */
#define CKPT_TRUNCATE_PAGES 32768
/* how long it may hold the writers off waiting for readers; past it, the
 * next tick tries again */
#define CKPT_TRUNCATE_WAIT_MS 20
/* the slow-client sweep keeps its old pace: every 250 ms */
#define GUARD_SWEEP_TICKS (250 / CKPT_TICK_MS)

/* The checkpointer held the writers off from t0 to now: counted. */
static void note_hold(http_server_t *s, const struct timespec *t0)
{
    struct timespec t1;
    unsigned long long us, max;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    us = (unsigned long long)((t1.tv_sec - t0->tv_sec) * 1000000LL +
                              (t1.tv_nsec - t0->tv_nsec) / 1000);
    atomic_fetch_add(&s->wal_hold_micros, us);
    max = atomic_load(&s->wal_hold_max_micros);
    while (us > max && !atomic_compare_exchange_weak(&s->wal_hold_max_micros, &max, us))
        ;
}

static void *checkpointer(void *arg)
{
    http_server_t *s = arg;
    store_t *st = s->ckpt_store;
    int wal = 0;
    unsigned ticks = 0, reset_after = 0;

    pthread_mutex_lock(&s->ckpt_mu);
    while (!s->ckpt_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += CKPT_TICK_MS * 1000L * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!s->ckpt_stop && pthread_cond_timedwait(&s->ckpt_cond, &s->ckpt_mu, &until) == 0)
            ;
        if (s->ckpt_stop)
            break;
        pthread_mutex_unlock(&s->ckpt_mu);
        if (++ticks % GUARD_SWEEP_TICKS == 0)
            guard_sweep(s); /* slow clients */
        if (store_checkpoint(st, &wal, NULL) != TW_OK)
            log_line("serve: checkpoint failed: %s", store_errmsg(st));
        if (wal > CKPT_TRUNCATE_PAGES) {
            tw_err_t e;
            struct timespec t0;
            pthread_mutex_lock(&s->wlock);
            clock_gettime(CLOCK_MONOTONIC, &t0);
            e = store_checkpoint_truncate(st, CKPT_TRUNCATE_WAIT_MS);
            note_hold(s, &t0);
            pthread_mutex_unlock(&s->wlock);
            atomic_fetch_add(&s->wal_truncations[e == TW_OK ? 0 : 1], 1);
            if (e != TW_OK)
                log_line("serve: emptying the WAL (%d pages) failed: %s", wal,
                         e == TW_ECONFLICT ? "still in use" : store_errmsg(st));
        } else if (wal > CKPT_RESET_PAGES && ticks >= reset_after) {
            tw_err_t e;
            struct timespec t0;
            pthread_mutex_lock(&s->wlock);
            clock_gettime(CLOCK_MONOTONIC, &t0);
            e = store_checkpoint_restart(st, CKPT_RESET_WAIT_MS);
            note_hold(s, &t0);
            pthread_mutex_unlock(&s->wlock);
            atomic_fetch_add(&s->wal_resets[e == TW_OK ? 0 : 1], 1);
            if (e == TW_ECONFLICT) /* readers outlasted the wait: let writers run a while */
                reset_after = ticks + CKPT_RESET_BACKOFF_TICKS;
            else if (e != TW_OK)
                log_line("serve: restarting the WAL failed: %s", store_errmsg(st));
        }
        pthread_mutex_lock(&s->ckpt_mu);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    store_checkpoint(st, NULL, NULL);
    return NULL;
}

tw_err_t http_start(const http_opts_t *o, http_server_t **out, tw_errinfo_t *ei)
{
    http_server_t *s;
    struct sockaddr_storage ss;
    store_t *st = NULL;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = o->threads ? o->threads : (cores > 0 ? (unsigned)cores : 2);
    const union MHD_DaemonInfo *di;
    int v6 = 0;
    tw_err_t err;

    *out = NULL;
    s = calloc(1, sizeof(*s));
    if (!s)
        return TW_ENOMEM;
    s->o = *o;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->wlock, NULL);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_cond_init(&s->ckpt_cond, NULL);
    pthread_mutex_init(&s->guard_mu, NULL);
    pthread_mutex_init(&s->probe_mu, NULL);
    if (s->o.max_connections < 2 || s->o.header_timeout_s < 1) {
        err = tw_errinfo_set(ei, TW_EINPUT, "--max-connections must be at least 2 and "
                                            "--header-timeout at least 1");
        goto fail;
    }
    if (s->o.reserve == 0)
        s->o.reserve = s->o.max_connections / 8 ? s->o.max_connections / 8 : 1;
    if (s->o.reserve >= s->o.max_connections) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "--reserve (%u) must be below --max-connections (%u)",
                             s->o.reserve, s->o.max_connections);
        goto fail;
    }
    s->anon_cap = s->o.max_connections - s->o.reserve;
    s->nguard = s->o.max_connections;
    s->guard = calloc(s->nguard, sizeof(*s->guard));
    if (!s->guard) {
        err = TW_ENOMEM;
        goto fail;
    }
    if ((err = parse_listen(o->listen, &ss, s->host, sizeof(s->host), &s->port, &v6, ei)) !=
        TW_OK)
        goto fail;
    if (snprintf(s->db_path, sizeof(s->db_path), "%s", o->db_path) >= (int)sizeof(s->db_path)) {
        err = tw_errinfo_set(ei, TW_EINPUT, "--db: path too long");
        goto fail;
    }
    s->o.db_path = s->db_path;
    if (o->trusted_proxy && o->trusted_proxy[0] &&
        !ip_normal(o->trusted_proxy, strlen(o->trusted_proxy), s->proxy, sizeof(s->proxy))) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "--trusted-proxy must be an IPv4 or IPv6 address, not '%.100s'",
                             o->trusted_proxy);
        goto fail;
    }
    s->o.trusted_proxy = NULL; /* s->proxy from here on */
    if (o->web_dir) {
        if (!realpath(o->web_dir, s->web_real)) {
            err = tw_errinfo_set(ei, TW_EINPUT, "--web %s: %s", o->web_dir, strerror(errno));
            goto fail;
        }
    }
    /* open (and migrate) once here so that a bad database fails at start;
     * this connection is the checkpointer's */
    if ((err = store_open(s->db_path, &st, ei)) != TW_OK)
        goto fail;
    s->ckpt_store = st;
    st = NULL;
    if ((err = auth_init()) != TW_OK) {
        tw_errinfo_set(ei, err, "cannot initialise libsodium");
        goto fail;
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
            (v6 ? MHD_USE_IPv6 : 0),
        (uint16_t)s->port, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
        MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&ss, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->max_header_bytes, MHD_OPTION_CONNECTION_TIMEOUT,
        o->timeout_s, MHD_OPTION_CONNECTION_LIMIT, o->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_per_ip, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
    if (!s->daemon) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot listen on %s (in use, or not an address of "
                                         "this machine?)",
                             o->listen);
        goto fail;
    }
    if (pthread_create(&s->ckpt_thread, NULL, checkpointer, s) != 0) {
        MHD_stop_daemon(s->daemon);
        err = tw_errinfo_set(ei, TW_ENOMEM, "cannot start the checkpoint thread");
        goto fail;
    }
    s->ckpt_started = 1;
    di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (di)
        s->port = di->port;
    *out = s;
    return TW_OK;
fail:
    store_close(s->ckpt_store);
    free(s->guard);
    pthread_mutex_destroy(&s->guard_mu);
    pthread_mutex_destroy(&s->probe_mu);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->wlock);
    pthread_mutex_destroy(&s->ckpt_mu);
    pthread_cond_destroy(&s->ckpt_cond);
    free(s);
    return err;
}

unsigned http_port(const http_server_t *s)
{
    return s->port;
}

void http_stop(http_server_t *s)
{
    struct timespec t0, t1;
    MHD_socket lsock;
    size_t i;

    if (!s)
        return;
    s->stopping = 1;
    lsock = MHD_quiesce_daemon(s->daemon); /* no new connections from here on */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* the requests in flight finish, but no slow client holds the stop up
     * for longer than the drain time: a body trickling in is cut off at its
     * next byte (on_request), and whatever is left at the deadline below */
    while (atomic_load(&s->active) > 0) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if ((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 >=
            (double)s->o.drain_s) {
            log_line("serve: %d request(s) still open after %u s; closing them",
                     atomic_load(&s->active), s->o.drain_s);
            break;
        }
        nanosleep(&ts, NULL);
    }
    /* joins the workers (a handler still running finishes first: an import
     * stops at its cancel flag), closes every connection left */
    MHD_stop_daemon(s->daemon);
    if (lsock != MHD_INVALID_SOCKET)
        close(lsock);
    if (s->ckpt_started) {
        pthread_mutex_lock(&s->ckpt_mu);
        s->ckpt_stop = 1;
        pthread_cond_broadcast(&s->ckpt_cond);
        pthread_mutex_unlock(&s->ckpt_mu);
        pthread_join(s->ckpt_thread, NULL);
    }
    for (i = 0; i < s->nstores; i++)
        store_close(s->stores[i]);
    store_close(s->ckpt_store);
    free(s->stores);
    free(s->guard);
    pthread_mutex_destroy(&s->guard_mu);
    pthread_mutex_destroy(&s->probe_mu);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->wlock);
    pthread_mutex_destroy(&s->ckpt_mu);
    pthread_cond_destroy(&s->ckpt_cond);
    free(s);
}

tw_err_t http_serve(const http_opts_t *o, tw_errinfo_t *ei)
{
    http_server_t *s = NULL;
    sigset_t set, old;
    tw_err_t err;
    int sig = 0;

    /* the workers inherit a mask with SIGINT and SIGTERM blocked; only
     * sigwait() below receives them */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    signal(SIGPIPE, SIG_IGN);
    if ((err = http_start(o, &s, ei)) != TW_OK) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return err;
    }
    if (strchr(s->host, ':'))
        printf("serve: listening on http://[%s]:%u\n", s->host, s->port);
    else
        printf("serve: listening on http://%s:%u\n", s->host, s->port);
    fflush(stdout);
    while (sigwait(&set, &sig) != 0)
        ;
    log_line("serve: %s: finishing the requests in flight, then stopping",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_stop(s);
    log_line("serve: stopped");
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return TW_OK;
}
