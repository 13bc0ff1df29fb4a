/*
 * http.h - the HTTP server of `tipwatch serve`: libmicrohttpd underneath,
 * a routing table, authentication, authorisation, limits, JSON errors,
 * security headers, the access log, metrics and the static web UI.
 *
 * The handlers of /api/v1/... live in api.c; they see a request through the
 * http_req_* accessors below and answer by filling an http_reply_t. What
 * every request goes through, in order (docs/internals/http.md):
 *   1. route: the path against the table (404 unknown path, 405 known path
 *      with another method; /api paths only, the rest is the static UI);
 *   2. limits: Content-Length against the route's body limit (413), the
 *      header size (431, by libmicrohttpd);
 *   3. authentication: a bearer token or the tw_session cookie (401);
 *   4. CSRF: a write through a browser session needs X-CSRF-Token (403);
 *   5. authorisation: authz_check() with the route's action (403);
 *   6. the body, bounded, then the handler; its error becomes JSON here.
 *
 * Thread model: a pool of libmicrohttpd threads (one per core by default),
 * each with its own store_t opened on first use; a request is handled on
 * one thread from start to end. Ownership: an http_req_t and what its
 * accessors return belong to the server and live until the reply is sent.
 */
#ifndef TW_HTTP_H
#define TW_HTTP_H

#include <jansson.h>
#include <signal.h>
#include <stddef.h>

#include "access/auth.h"
#include "access/authz.h"
#include "cases/cases.h"
#include "base/err.h"
#include "store/store.h"

/* Limits; each can be changed with a `tipwatch serve` option. */
#define HTTP_DEFAULT_LISTEN "127.0.0.1:8080"
#define HTTP_MAX_JSON_BODY ((size_t)1 << 20)   /* --max-body: JSON request bodies */
#define HTTP_MAX_CSV_BODY ((size_t)64 << 20)   /* --max-upload: CSV uploads */
#define HTTP_MAX_HEADER_BYTES ((size_t)32 << 10) /* --max-header: request line + headers */
#define HTTP_MAX_JSON_DEPTH 32                 /* nesting of [ and { in a body */
#define HTTP_TIMEOUT_SECONDS 30                /* --timeout: idle connection */
#define HTTP_MAX_CONNECTIONS 512               /* --max-connections */
#define HTTP_MAX_PER_IP 64                     /* --max-per-ip */
#define HTTP_DRAIN_SECONDS 10                  /* --drain: at a stop, for requests in flight */
#define HTTP_HEADER_SECONDS 10                 /* --header-timeout: request line + headers, in all */
#define HTTP_MAX_PATH_PARAMS 4
#define HTTP_PARAM_MAX 1024                    /* bytes of one path parameter */

typedef struct {
    const char *db_path;
    const char *listen;  /* "ADDR:PORT" or "[v6]:PORT"; port 0 picks a free one */
    const char *web_dir; /* static files; NULL: none are served */
    unsigned threads;    /* 0: one per core */
    size_t max_json_body, max_csv_body, max_header_bytes;
    unsigned timeout_s, max_connections, max_per_ip;
    /* slow clients (docs/internals/http.md, "Slow clients"): a request line
     * and headers must arrive within header_timeout_s in all, however
     * steadily they trickle; `reserve` of max_connections are kept for
     * connections that have made an authenticated request (0: an eighth) */
    unsigned header_timeout_s, reserve;
    int json_depth;
    int access_log; /* 1: one line per request on stderr */
    unsigned drain_s; /* at a stop: how long requests in flight may take to finish */
    /* a reverse proxy's address ("10.0.0.5", "::1"): from that peer only,
     * the client's address is the last one in X-Forwarded-For; NULL: none */
    const char *trusted_proxy;
    /* the warm index POST /api/v1/score scores against (owned by the
     * caller, stopped after the server); NULL: scoring answers 503 */
    struct live_holder *live;
    /* the config in force (owned by the caller, freed after the server):
     * what a screening started from the web UI runs with
     * (POST /api/v1/screen-runs); NULL: that answers 503 */
    const struct config *config;
    /* serve --config FILE: its [link] section is what the link step of
     * POST /api/v1/screen-runs runs with; NULL: the defaults */
    const char *config_path;
    /* NRM cases (api_cases.c): the key file's keys, opened once before the
     * server starts and shared read-only by every thread (owned by the
     * caller, closed after the server); NULL: every case endpoint answers
     * 503 naming key_path. */
    const vault_t *vault;
    const char *key_path; /* where the key file was looked for */
    cases_policy_t cases; /* deadlines and limits; attachment_max bounds uploads */
    /* SDG 16.2.2's population table (serve --population); NULL: the
     * endpoint refuses naming it */
    const char *population_path;
} http_opts_t;

/* The defaults above; db_path "tipwatch.db", web_dir NULL, no vault,
 * cases_policy_default(). */
void http_opts_default(http_opts_t *o);

typedef struct http_server http_server_t;

/* Starts listening. TW_EINPUT for a bad --listen, TW_EIO when the address
 * cannot be bound, errors of store_open() for the database. */
tw_err_t http_start(const http_opts_t *o, http_server_t **out, tw_errinfo_t *ei);
/* The port actually bound (the one picked for port 0). */
unsigned http_port(const http_server_t *s);
/* Graceful stop: no new connections; new requests on kept-alive connections
 * get 503, and so do requests still sending their body; the handlers running
 * finish. After drain_s seconds whatever is left (a client trickling a body,
 * an idle connection) is closed; then every thread's store is closed. */
void http_stop(http_server_t *s);
/* http_start, the "serve: listening on http://ADDR:PORT" line on stdout,
 * then waits for SIGTERM or SIGINT and stops gracefully. */
tw_err_t http_serve(const http_opts_t *o, tw_errinfo_t *ei);

/* ---- what handlers see ---- */

typedef struct http_req http_req_t;

typedef struct {
    int status;               /* 200 unless set */
    json_t *json;             /* body, owned by the reply; NULL for none */
    char *text;               /* or a text body (malloc'd, owned) */
    size_t text_len;
    const char *content_type; /* of text; static */
    char content_type_buf[128]; /* of text when content_type is NULL; "" for text/plain */
    char disposition[640];    /* a Content-Disposition value, "" for none */
    char set_cookie[256];     /* a Set-Cookie value, "" for none */
    unsigned retry_after;     /* seconds for a Retry-After header; 0 for none */
    const char *allow;        /* an Allow header (405); NULL for none; static */
} http_reply_t;

typedef tw_err_t (*http_handler_fn)(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);

/* Who may call a route. */
typedef enum {
    HTTP_PUBLIC = 0, /* anyone, no credentials read */
    HTTP_SIGNED_IN,  /* any authenticated principal */
    HTTP_ACTION      /* authz_check() with the route's action */
} http_auth_t;

#define HTTP_ROUTE_CSV_BODY 1u  /* body up to the CSV upload limit */
#define HTTP_ROUTE_FILE_BODY 2u /* body up to the case policy's attachment_max */

typedef struct {
    const char *method;  /* "GET" (also answers HEAD) or "POST" */
    const char *pattern; /* "/api/v1/alerts/{id}"; a last "{name*}" takes the rest */
    http_handler_fn handler;
    http_auth_t auth;
    authz_action_t action; /* with HTTP_ACTION */
    unsigned flags;
} http_route_t;

/* The routing table (the one place that says which action each endpoint
 * needs). */
const http_route_t *http_routes(size_t *n);

/* Path parameter i (0-based, in pattern order), decoded; "" when absent. */
const char *http_req_param(const http_req_t *r, size_t i);
/* A query-string argument, decoded; NULL when absent. */
const char *http_req_query(const http_req_t *r, const char *name);
/* TW_EINPUT naming the first query argument not in `allowed` (NULL-ended). */
tw_err_t http_req_query_check(const http_req_t *r, const char *const *allowed,
                              tw_errinfo_t *ei);
/* A request header; NULL when absent. */
const char *http_req_header(const http_req_t *r, const char *name);
/* The request body (NUL-terminated; may contain NULs). */
const char *http_req_body(const http_req_t *r, size_t *len);
/* The body as a JSON object: Content-Type application/json, at most the
 * configured nesting depth, well-formed, no duplicate keys. TW_EINPUT with a
 * message naming the line, column and byte position otherwise. The caller
 * owns *out (json_decref). */
tw_err_t http_req_json(const http_req_t *r, json_t **out, tw_errinfo_t *ei);
/* The authenticated principal (user_id 0 on public routes). */
const auth_principal_t *http_req_principal(const http_req_t *r);
/* The session's CSRF token ("" unless signed in through a session). */
const char *http_req_csrf(const http_req_t *r);
/* The session cookie value (NULL unless signed in through a session). */
const char *http_req_session(const http_req_t *r);
/* This thread's store. */
store_t *http_req_store(http_req_t *r);
/* The client's address ("127.0.0.1", "::1"): the peer's, or, when the peer
 * is the trusted proxy, the one the proxy put in X-Forwarded-For. */
const char *http_req_remote(const http_req_t *r);
/* Set when the server is stopping (long handlers stop early). */
volatile sig_atomic_t *http_req_cancel(http_req_t *r);
/* The server's options. */
const http_opts_t *http_req_opts(const http_req_t *r);
/* Storage health: 1 when a probe file beside the store can be written and
 * synced (created 0600, 4 KiB, fsync, removed), else 0 with the reason in
 * why (e.g. "No space left on device"). Probed at most once a second; the
 * last result is reused in between. /healthz and /metrics report it. */
int http_storage_ok(http_req_t *r, char *why, size_t cap);
/* Serialise this process's short write transactions (an audit entry, an
 * alert change, a sign-in). SQLite's busy handler sleeps and backs off, up
 * to 100 ms a try, while another connection holds the write lock; threads
 * queued on a mutex take their turn at once instead. Other processes (a CLI
 * import) still meet the busy timeout; a long import is not wrapped. */
void http_write_lock(http_req_t *r);
void http_write_unlock(http_req_t *r);
/* Metrics in the Prometheus text format into *out (malloc'd, caller frees). */
tw_err_t http_metrics_text(http_req_t *r, const long long open_by_level[4], char **out,
                           size_t *len);

/* Fills rep with {"error":{"code":CODE,"message":MSG}} and status; returns
 * TW_OK so a handler can `return http_reply_error(...)`. */
tw_err_t http_reply_error(http_reply_t *rep, int status, const char *code, const char *fmt,
                          ...) __attribute__((format(printf, 4, 5)));

/* ---- pieces with unit tests ---- */

/* 1 when `path` matches `pattern`; then params[0..*n) hold the parameters. */
int http_route_match(const char *pattern, const char *path,
                     char params[HTTP_MAX_PATH_PARAMS][HTTP_PARAM_MAX], size_t *n);
/* 1 when no [ or { in s[0..len) outside strings nests deeper than max;
 * else 0 and *at = the byte offset where it does. */
int http_json_depth_ok(const char *s, size_t len, int max, size_t *at);
/* 1 when a URL path is safe to look up under the web directory: starts
 * with '/', no "." or ".." segment, no segment starting with '.', no
 * segment "node_modules", not a "package.json" or "package-lock.json" (the
 * web directory is also where npm installs the UI's libraries; only the
 * copies in vendor/ are served), no backslash, no control byte, at most
 * 1024 bytes. */
int http_static_path_ok(const char *path);
/* The Content-Type for a file name by its extension. Static. */
const char *http_content_type(const char *name);
/* The client address in an X-Forwarded-For value: its last entry (the one
 * the trusted proxy added), an IPv4 or IPv6 address, optionally with a port
 * ("203.0.113.7:5123", "[2001:db8::1]:443"), written in the form inet_ntop()
 * gives (an IPv4-mapped IPv6 address as IPv4). 0 when the last entry is not
 * an address. */
int http_forwarded_client(const char *xff, char *out, size_t cap);
/* Rolls back every transaction level open on st (a handler's nested
 * savepoints included); returns how many store_rollback() calls it took. */
int http_store_reset(store_t *st);

#endif
