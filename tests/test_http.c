/*
 * test_http.c - the pieces of the HTTP server that can be checked without a
 * client: route matching, the JSON depth guard, static path safety, content
 * types, listing cursors, X-Forwarded-For, the nested transaction an API
 * write relies on and the rollback of all of it; then real servers on a free
 * port: a start, requests and a graceful stop; a stop that a client
 * trickling a body cannot hold up; the trusted proxy; and a store error in
 * the middle of an entity page answered as one.
 * The endpoints themselves are tested over HTTP by tests/http/run.mjs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/alerts.h"
#include "server/api.h"
#include "access/auth.h"
#include "server/http.h"
#include "ingest/import.h"
#include "store/store.h"
#include "synth/synth.h"

static char dir[256], dbpath[300];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/tw-test-http-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(dbpath, sizeof(dbpath), "%s/t.db", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[400];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_route_match(void **state)
{
    char p[HTTP_MAX_PATH_PARAMS][HTTP_PARAM_MAX];
    size_t n;
    (void)state;
    assert_true(http_route_match("/api/v1/alerts", "/api/v1/alerts", p, &n));
    assert_int_equal(n, 0);
    assert_false(http_route_match("/api/v1/alerts", "/api/v1/alerts/", p, &n));
    assert_false(http_route_match("/api/v1/alerts", "/api/v1/alert", p, &n));
    assert_true(http_route_match("/api/v1/alerts/{id}", "/api/v1/alerts/42", p, &n));
    assert_int_equal(n, 1);
    assert_string_equal(p[0], "42");
    assert_false(http_route_match("/api/v1/alerts/{id}", "/api/v1/alerts/", p, &n));
    assert_false(http_route_match("/api/v1/alerts/{id}", "/api/v1/alerts/4/x", p, &n));
    assert_true(http_route_match("/api/v1/alerts/{id}/assign", "/api/v1/alerts/7/assign", p,
                                 &n));
    assert_string_equal(p[0], "7");
    /* a key may hold slashes (an address): the last parameter takes the rest */
    assert_true(http_route_match("/api/v1/entities/{type}/{key*}",
                                 "/api/v1/entities/address/12/3 abovyan st", p, &n));
    assert_int_equal(n, 2);
    assert_string_equal(p[0], "address");
    assert_string_equal(p[1], "12/3 abovyan st");
    assert_false(http_route_match("/api/v1/entities/{type}/{key*}", "/api/v1/entities/worker",
                                  p, &n));
}

static void test_route_table(void **state)
{
    size_t n, i, j;
    const http_route_t *r = http_routes(&n);
    (void)state;
    assert_true(n >= 12);
    for (i = 0; i < n; i++) {
        assert_true(strcmp(r[i].method, "GET") == 0 || strcmp(r[i].method, "POST") == 0);
        assert_non_null(r[i].handler);
        if (r[i].auth == HTTP_ACTION)
            assert_true(r[i].action < AUTHZ_ACTION_COUNT);
        for (j = 0; j < i; j++) /* no two routes for one method and pattern */
            assert_false(strcmp(r[i].method, r[j].method) == 0 &&
                         strcmp(r[i].pattern, r[j].pattern) == 0);
    }
}

/* The route a request gets: the first one of the table whose pattern and
 * method match, as http.c's router walks it. */
static const http_route_t *route_for(const char *method, const char *path)
{
    char p[HTTP_MAX_PATH_PARAMS][HTTP_PARAM_MAX];
    size_t n, i, np;
    const http_route_t *r = http_routes(&n);
    for (i = 0; i < n; i++)
        if (strcmp(r[i].method, method) == 0 && http_route_match(r[i].pattern, path, p, &np))
            return &r[i];
    return NULL;
}

static void test_case_routes(void **state)
{
    const http_route_t *r;
    (void)state;
    /* the fixed names under /cases/ are not taken for a case id */
    assert_non_null(r = route_for("GET", "/api/v1/cases/stats"));
    assert_ptr_equal(r->handler, api_cases_stats);
    assert_int_equal(r->action, AUTHZ_STATS_READ);
    assert_non_null(r = route_for("GET", "/api/v1/cases/codes"));
    assert_ptr_equal(r->handler, api_cases_codes);
    assert_non_null(r = route_for("GET", "/api/v1/cases/12"));
    assert_ptr_equal(r->handler, api_case_get);
    assert_int_equal(r->action, AUTHZ_CASE_READ);
    /* each case write needs case.write, the emergency its own action */
    assert_non_null(r = route_for("POST", "/api/v1/cases/12/transition"));
    assert_int_equal(r->action, AUTHZ_CASE_WRITE);
    assert_non_null(r = route_for("POST", "/api/v1/cases/12/emergency"));
    assert_int_equal(r->action, AUTHZ_CASE_EMERGENCY);
    assert_non_null(r = route_for("POST", "/api/v1/emergencies/3/review"));
    assert_int_equal(r->action, AUTHZ_CASE_REVIEW);
    /* an upload is bounded by the attachment limit, not the JSON one */
    assert_non_null(r = route_for("POST", "/api/v1/cases/12/attachments"));
    assert_true(r->flags & HTTP_ROUTE_FILE_BODY);
    assert_null(route_for("DELETE", "/api/v1/cases/12"));
}

static void test_json_depth(void **state)
{
    char deep[200];
    size_t at = 0;
    int i;
    (void)state;
    assert_true(http_json_depth_ok("{\"a\":[1,{\"b\":2}]}", 17, 3, &at));
    assert_false(http_json_depth_ok("{\"a\":[1,{\"b\":[2]}]}", 19, 3, &at));
    assert_int_equal(at, 13);
    /* brackets inside strings, escaped quotes, do not count */
    assert_true(http_json_depth_ok("{\"a\":\"[[[[\\\"{{{{\"}", 18, 1, &at));
    for (i = 0; i < 33; i++)
        deep[i] = '[';
    for (; i < 66; i++)
        deep[i] = ']';
    assert_false(http_json_depth_ok(deep, 66, 32, &at));
    assert_int_equal(at, 32);
    assert_true(http_json_depth_ok(deep + 1, 64, 32, &at));
}

static void test_static_paths(void **state)
{
    (void)state;
    assert_true(http_static_path_ok("/"));
    assert_true(http_static_path_ok("/index.html"));
    assert_true(http_static_path_ok("/js/app.js"));
    assert_true(http_static_path_ok("/js/"));
    assert_false(http_static_path_ok(""));
    assert_false(http_static_path_ok("index.html"));
    assert_false(http_static_path_ok("/../etc/passwd"));
    assert_false(http_static_path_ok("/js/../../etc/passwd"));
    assert_false(http_static_path_ok("/js/.."));
    assert_false(http_static_path_ok("/./index.html"));
    assert_false(http_static_path_ok("/.env"));
    assert_false(http_static_path_ok("/js/.git/config"));
    assert_false(http_static_path_ok("//etc/passwd"));
    assert_false(http_static_path_ok("/a\\..\\b"));
    assert_false(http_static_path_ok("/a\nb"));
    /* npm's side of the web directory is not the UI */
    assert_false(http_static_path_ok("/node_modules/chart.js/dist/chart.umd.js"));
    assert_false(http_static_path_ok("/js/node_modules/x.js"));
    assert_false(http_static_path_ok("/node_modules"));
    assert_false(http_static_path_ok("/node_modules/"));
    assert_false(http_static_path_ok("/package.json"));
    assert_false(http_static_path_ok("/package-lock.json"));
    assert_false(http_static_path_ok("/vendor/package.json"));
    assert_true(http_static_path_ok("/vendor/chart.umd.min.js"));
    assert_true(http_static_path_ok("/node_modules_notes.txt"));
    assert_true(http_static_path_ok("/package.json.txt"));
    assert_true(http_static_path_ok("/package.json/"));
    assert_string_equal(http_content_type("/index.html"), "text/html; charset=utf-8");
    assert_string_equal(http_content_type("app.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(http_content_type("x.css"), "text/css; charset=utf-8");
    assert_string_equal(http_content_type("x.svg"), "image/svg+xml");
    assert_string_equal(http_content_type("README"), "application/octet-stream");
    assert_string_equal(http_content_type("a.d/b"), "application/octet-stream");
}

static void test_cursor(void **state)
{
    char c[200], key[64];
    long long id;
    (void)state;
    api_cursor_encode(ALERTS_SORT_SCORE_DESC, "99.979657302194482", 19, c, sizeof(c));
    assert_true(strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                strlen(c));
    assert_int_equal(api_cursor_decode(c, ALERTS_SORT_SCORE_DESC, key, sizeof(key), &id), TW_OK);
    assert_string_equal(key, "99.979657302194482");
    assert_int_equal(id, 19);
    /* a cursor of another sort order, damaged or made up is refused */
    assert_int_equal(api_cursor_decode(c, ALERTS_SORT_CREATED_ASC, key, sizeof(key), &id),
                     TW_EINPUT);
    c[3] = c[3] == 'A' ? 'B' : 'A';
    assert_int_equal(api_cursor_decode(c, ALERTS_SORT_SCORE_DESC, key, sizeof(key), &id),
                     TW_EINPUT);
    assert_int_equal(api_cursor_decode("", 0, key, sizeof(key), &id), TW_EINPUT);
    assert_int_equal(api_cursor_decode("zz!z", 0, key, sizeof(key), &id), TW_EINPUT);
    assert_int_equal(api_cursor_decode("MHwxfDA", 0, key, sizeof(key), &id), TW_EINPUT); /* id 0 */
    api_cursor_encode(ALERTS_SORT_CREATED_ASC, "2024-01-02T03:04:05Z", 7, c, sizeof(c));
    assert_int_equal(api_cursor_decode(c, ALERTS_SORT_CREATED_ASC, key, sizeof(key), &id), TW_OK);
    assert_string_equal(key, "2024-01-02T03:04:05Z");
    assert_int_equal(id, 7);
    assert_int_equal(api_cursor_decode(c, ALERTS_SORT_CREATED_ASC, key, 5, &id), TW_EINPUT);
}

static void test_forwarded_client(void **state)
{
    char a[64];
    (void)state;
    assert_true(http_forwarded_client("203.0.113.7", a, sizeof(a)));
    assert_string_equal(a, "203.0.113.7");
    /* the last entry is the one the trusted proxy added; the rest is the
     * client's to make up */
    assert_true(http_forwarded_client("10.0.0.1, 198.51.100.2 ,203.0.113.7 ", a, sizeof(a)));
    assert_string_equal(a, "203.0.113.7");
    assert_true(http_forwarded_client("1.2.3.4,2001:DB8:0:0::1", a, sizeof(a)));
    assert_string_equal(a, "2001:db8::1");
    assert_true(http_forwarded_client("::ffff:192.0.2.1", a, sizeof(a)));
    assert_string_equal(a, "192.0.2.1");
    assert_true(http_forwarded_client("203.0.113.7:5123", a, sizeof(a)));
    assert_string_equal(a, "203.0.113.7");
    assert_true(http_forwarded_client("[2001:db8::2]:443", a, sizeof(a)));
    assert_string_equal(a, "2001:db8::2");
    assert_true(http_forwarded_client("[2001:db8::3]", a, sizeof(a)));
    assert_string_equal(a, "2001:db8::3");
    /* not an address: refused (the caller keeps the proxy's) */
    assert_false(http_forwarded_client("unknown", a, sizeof(a)));
    assert_false(http_forwarded_client("203.0.113.7, ", a, sizeof(a)));
    assert_false(http_forwarded_client("", a, sizeof(a)));
    assert_false(http_forwarded_client(NULL, a, sizeof(a)));
    assert_false(http_forwarded_client("203.0.113.7, evil.example", a, sizeof(a)));
    assert_false(http_forwarded_client("203.0.113.256", a, sizeof(a)));
    assert_false(http_forwarded_client("203.0.113.7:", a, sizeof(a)));
    assert_false(http_forwarded_client("203.0.113.7:80x", a, sizeof(a)));
    assert_false(http_forwarded_client("[2001:db8::1", a, sizeof(a)));
    assert_false(http_forwarded_client("[2001:db8::1]x", a, sizeof(a)));
    assert_false(http_forwarded_client("2001:db8::1:80:", a, sizeof(a)));
}

static long long count_rows(store_t *st, const char *sql)
{
    sqlite3_stmt *s;
    long long n = -1;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st), sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* A write that opens its own transaction, called inside the caller's: its
 * rollback undoes only its part, its commit makes nothing durable until the
 * caller commits, and the caller's rollback undoes it all. */
static void test_nested_transaction(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    sqlite3 *db;
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    db = store_sqlite(st);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);

    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_begin(st), TW_OK); /* inner, e.g. alerts_transition */
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (2)", NULL, NULL, NULL), SQLITE_OK);
    store_rollback(st); /* inner failure */
    assert_false(sqlite3_get_autocommit(db));
    assert_int_equal(count_rows(st, "SELECT count(*) FROM t"), 1);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (3)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_commit(st), TW_OK); /* inner success: still open */
    assert_false(sqlite3_get_autocommit(db));
    assert_int_equal(store_commit(st), TW_OK);
    assert_true(sqlite3_get_autocommit(db));
    assert_int_equal(count_rows(st, "SELECT count(*) FROM t"), 2);

    /* the caller's rollback takes the inner commit with it */
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (4)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_commit(st), TW_OK);
    store_rollback(st);
    assert_true(sqlite3_get_autocommit(db));
    assert_int_equal(count_rows(st, "SELECT count(*) FROM t"), 2);
    /* and a plain transaction still works after all that */
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_commit(st), TW_OK);
    store_close(st);
}

/* The safety net after a handler: whatever it left open, however deep its
 * savepoints, is rolled back, and the store works as before. One rollback
 * would undo only the innermost level and keep the write lock. */
static void test_store_reset(void **state)
{
    store_t *st;
    tw_errinfo_t ei;
    sqlite3 *db;
    (void)state;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    db = store_sqlite(st);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(http_store_reset(st), 0); /* nothing open: nothing done */
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (1)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (2)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(http_store_reset(st), 3);
    assert_true(sqlite3_get_autocommit(db));
    assert_int_equal(count_rows(st, "SELECT count(*) FROM t"), 0);
    /* a raw savepoint on top (auth.c's, audit.c's) goes too */
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(sqlite3_exec(db, "SAVEPOINT tw_audit", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (3)", NULL, NULL, NULL), SQLITE_OK);
    assert_true(http_store_reset(st) >= 1);
    assert_true(sqlite3_get_autocommit(db));
    assert_int_equal(count_rows(st, "SELECT count(*) FROM t"), 0);
    /* and the store's own nesting is back at the start */
    assert_int_equal(store_begin(st), TW_OK);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO t VALUES (4)", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(store_commit(st), TW_OK);
    assert_true(sqlite3_get_autocommit(db));
    assert_int_equal(count_rows(st, "SELECT count(*) FROM t"), 1);
    store_close(st);
}

/* One request over a socket: the whole answer (the server closes). */
static void http_get(unsigned port, const char *path, char *out, size_t cap)
{
    struct sockaddr_in sa;
    char req[256];
    size_t got = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    while (got + 1 < cap && (n = read(fd, out + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    out[got] = '\0';
    close(fd);
}

/* One raw request over a socket; the whole answer (the request must say
 * Connection: close). */
static void http_raw(unsigned port, const char *req, char *out, size_t cap)
{
    struct sockaddr_in sa;
    size_t got = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    while (got + 1 < cap && (n = read(fd, out + got, cap - 1 - got)) > 0)
        got += (size_t)n;
    out[got] = '\0';
    close(fd);
}

static void start_server(const char *trusted_proxy, unsigned drain_s, http_server_t **s)
{
    http_opts_t o;
    tw_errinfo_t ei;
    http_opts_default(&o);
    o.db_path = dbpath;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.access_log = 0;
    o.drain_s = drain_s;
    o.trusted_proxy = trusted_proxy;
    tw_errinfo_clear(&ei);
    if (http_start(&o, s, &ei) != TW_OK)
        fail_msg("http_start: %s", ei.msg);
}

/* A client that sends a body one byte at a time and never finishes it. */
typedef struct {
    unsigned port;
    int total;          /* bytes it is willing to send */
    atomic_int sent;
    int cut;            /* the server ended it before it was done */
    char answer[1024];
} trickle_t;

static void *trickler(void *arg)
{
    static const char head[] = "POST /api/v1/login HTTP/1.1\r\nHost: t\r\n"
                               "Content-Type: application/json\r\n"
                               "Content-Length: 1000000\r\n\r\n{\"user\":\"";
    trickle_t *t = arg;
    struct sockaddr_in sa;
    size_t got = 0;
    int fd = socket(AF_INET, SOCK_STREAM, 0), i;

    if (fd < 0)
        return NULL;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)t->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        send(fd, head, sizeof(head) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(head) - 1)) {
        close(fd);
        return NULL;
    }
    for (i = 0; i < t->total; i++) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 20) > 0) { /* an answer, or the end, before the body's */
            t->cut = 1;
            break;
        }
        if (send(fd, "x", 1, MSG_NOSIGNAL) != 1) {
            t->cut = 1;
            break;
        }
        atomic_fetch_add(&t->sent, 1);
    }
    for (;;) {
        ssize_t n;
        struct pollfd p = {fd, POLLIN, 0};
        if (got + 1 >= sizeof(t->answer) || poll(&p, 1, 100) <= 0)
            break;
        if ((n = recv(fd, t->answer + got, sizeof(t->answer) - 1 - got, 0)) <= 0)
            break;
        got += (size_t)n;
    }
    t->answer[got] = '\0';
    close(fd);
    return NULL;
}

/* A client trickling a body cannot hold the stop up: the server answers it
 * 503 (or, where libmicrohttpd takes no answer mid-body, closes it) long
 * before it has sent what it would, and http_stop() returns. Before the drain
 * deadline existed, the server waited for the body for as long as the
 * client kept sending. */
static void test_stop_slow_client(void **state)
{
    http_server_t *s;
    pthread_t th;
    trickle_t t;
    (void)state;
    start_server(NULL, 2, &s);
    memset(&t, 0, sizeof(t));
    t.port = http_port(s);
    t.total = 2500; /* 50 s at one byte per 20 ms */
    assert_int_equal(pthread_create(&th, NULL, trickler, &t), 0);
    while (atomic_load(&t.sent) < 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    http_stop(s);
    pthread_join(th, NULL);
    assert_true(t.cut);
    assert_true(atomic_load(&t.sent) < t.total);
    if (t.answer[0]) {
        assert_non_null(strstr(t.answer, "HTTP/1.1 503"));
        assert_non_null(strstr(t.answer, "\"code\":\"unavailable\""));
    }
}

static long long audit_count(const char *where)
{
    store_t *st;
    tw_errinfo_t ei;
    char sql[300];
    long long n;
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM audit_log WHERE %s", where);
    n = count_rows(st, sql);
    store_close(st);
    return n;
}

/* X-Forwarded-For counts only from the trusted proxy: the sign-in limit and
 * the audit log see the client behind it, and nobody else can claim to be
 * someone else. */
static void test_trusted_proxy(void **state)
{
    static const char req[] = "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                              "X-Forwarded-For: 198.51.100.1, 192.0.2.44\r\n"
                              "Content-Type: application/json\r\nContent-Length: 41\r\n\r\n"
                              "{\"user\":\"nobody\",\"password\":\"wrong-1234\"}";
    http_opts_t o;
    http_server_t *s;
    tw_errinfo_t ei;
    char resp[4096];
    (void)state;

    start_server("127.0.0.1", 2, &s);
    http_raw(http_port(s), req, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 401"));
    http_stop(s);
    assert_int_equal(audit_count("action = 'login.fail' AND remote = '192.0.2.44'"), 1);

    start_server("10.9.9.9", 2, &s); /* a proxy, but not this peer */
    http_raw(http_port(s), req, resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 401"));
    http_stop(s);
    assert_int_equal(audit_count("action = 'login.fail' AND remote = '127.0.0.1'"), 1);
    assert_int_equal(audit_count("remote = '198.51.100.1'"), 0);

    http_opts_default(&o);
    o.db_path = dbpath;
    o.listen = "127.0.0.1:0";
    o.trusted_proxy = "proxy.example";
    tw_errinfo_clear(&ei);
    assert_int_equal(http_start(&o, &s, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "--trusted-proxy"));
}

/* A store error in the middle of an entity page (the alerts of a node of
 * its network) is a store error: 500, the detail in the log, not "short of
 * memory". SQLite refuses, through an authorizer every connection of this
 * process gets, the second statement that reads the alerts table while the
 * test says so: the first reads the centre's alerts, the second a node's. */
static atomic_int deny_armed, alert_reads;

static int deny_auth(void *ud, int action, const char *a, const char *b, const char *db,
                     const char *trigger)
{
    (void)ud;
    (void)db;
    (void)trigger;
    if (action == SQLITE_READ && atomic_load(&deny_armed) && a && b &&
        strcmp(a, "alert") == 0 && strcmp(b, "indicators") == 0 &&
        atomic_fetch_add(&alert_reads, 1) + 1 > 1)
        return SQLITE_DENY;
    return SQLITE_OK;
}

static int deny_ext(sqlite3 *db, char **err, const struct sqlite3_api_routines *api)
{
    (void)err;
    (void)api;
    sqlite3_set_authorizer(db, deny_auth, NULL);
    return SQLITE_OK;
}

static void test_entity_store_error(void **state)
{
    char tok[AUTH_TOKEN_LEN + 1], resp[1 << 17], req[1024], key[64], path[400];
    synth_opts_t so;
    synth_summary_t sum;
    import_opts_t io;
    import_result_t res;
    http_server_t *s;
    store_t *st;
    tw_errinfo_t ei;
    sqlite3_stmt *q;
    (void)state;

    memset(&so, 0, sizeof(so));
    so.out_dir = dir;
    so.applications = 200;
    so.seed = 5;
    assert_int_equal(synth_run(&so, &sum, &ei), TW_OK);
    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    snprintf(path, sizeof(path), "%s/permits.csv", dir);
    memset(&io, 0, sizeof(io));
    io.progress = IMPORT_PROGRESS_NONE;
    io.quiet = 1;
    io.rejects_path = "";
    assert_int_equal(import_file(st, path, &io, &res, &ei), TW_OK);
    assert_int_equal(auth_user_add(st, "ana", "MCS", ROLE_ANALYST, "ana-password-1", &ei), TW_OK);
    assert_int_equal(auth_token_create(st, "ana", NULL, tok, &ei), TW_OK);
    /* an employer with several workers: a network with nodes */
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(st),
                                        "SELECT e.key FROM employer e JOIN permit p ON"
                                        " p.employer_ref = e.id GROUP BY e.id"
                                        " ORDER BY count(*) DESC LIMIT 1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    snprintf(key, sizeof(key), "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    store_close(st);

    assert_int_equal(sqlite3_auto_extension((void (*)(void))deny_ext), SQLITE_OK);
    start_server(NULL, 2, &s);
    snprintf(req, sizeof(req),
             "GET /api/v1/entities/employer/%s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             "Authorization: Bearer %s\r\n\r\n",
             key, tok);
    http_raw(http_port(s), req, resp, sizeof(resp)); /* unhindered first */
    if (!strstr(resp, "\"hop\":1"))
        fail_msg("%.300s", resp);
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_non_null(strstr(resp, "\"hop\":1"));
    atomic_store(&alert_reads, 0);
    atomic_store(&deny_armed, 1);
    http_raw(http_port(s), req, resp, sizeof(resp));
    atomic_store(&deny_armed, 0);
    http_stop(s);
    sqlite3_cancel_auto_extension((void (*)(void))deny_ext);
    assert_true(atomic_load(&alert_reads) >= 2);
    assert_non_null(strstr(resp, "HTTP/1.1 500"));
    assert_non_null(strstr(resp, "\"code\":\"internal\""));
    assert_null(strstr(resp, "short of memory"));
}

static void test_start_request_stop(void **state)
{
    http_opts_t o;
    http_server_t *s;
    tw_errinfo_t ei;
    char resp[8192];
    (void)state;
    http_opts_default(&o);
    o.db_path = dbpath;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.access_log = 0;
    tw_errinfo_clear(&ei);
    assert_int_equal(http_start(&o, &s, &ei), TW_OK);
    assert_true(http_port(s) > 0);
    http_get(http_port(s), "/healthz", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 200"));
    assert_non_null(strstr(resp, "X-Frame-Options: DENY"));
    assert_non_null(strstr(resp, "\"schema_version\":"));
    http_get(http_port(s), "/api/v1/alerts", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 401"));
    assert_non_null(strstr(resp, "\"code\":\"unauthorized\""));
    http_get(http_port(s), "/api/v1/nothing", resp, sizeof(resp));
    assert_non_null(strstr(resp, "HTTP/1.1 404"));
    http_get(http_port(s), "/index.html", resp, sizeof(resp)); /* no --web */
    assert_non_null(strstr(resp, "HTTP/1.1 404"));
    http_stop(s);

    o.listen = "127.0.0.1";
    assert_int_equal(http_start(&o, &s, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "--listen"));
    o.listen = "127.0.0.1:99999";
    assert_int_equal(http_start(&o, &s, &ei), TW_EINPUT);
}


/* A connected socket whose reads give up after `secs` (a bound on every
 * wait of the tests below: a failure names what it waited for). */
static int dial(unsigned port, int secs)
{
    struct sockaddr_in sa;
    struct timeval tv = {secs, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

/* Reads one answer of a keep-alive connection (up to its JSON body's end). */
static void read_answer(int fd, const char *what, char *out, size_t cap)
{
    size_t got = 0;
    ssize_t n;
    out[0] = '\0';
    while (got + 1 < cap) {
        const char *body;
        n = recv(fd, out + got, cap - 1 - got, 0);
        if (n <= 0)
            fail_msg("waiting for the answer to %s: %s", what,
                     n == 0 ? "the server closed the connection" : strerror(errno));
        got += (size_t)n;
        out[got] = '\0';
        if ((body = strstr(out, "\r\n\r\n")) && strrchr(body, '}'))
            return;
    }
}

/* 1 when the server ended the connection within `secs`. */
static int ended_within(int fd, int secs)
{
    struct pollfd p = {fd, POLLIN, 0};
    char c[256];
    ssize_t n;
    while (poll(&p, 1, secs * 1000) > 0) {
        n = recv(fd, c, sizeof(c), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
            return 1;
    }
    return 0;
}

/* Slow clients (issue: 600 connections trickling headers kept /healthz
 * unanswered): connections that have not finished their headers are ended
 * after --header-timeout however steadily they send; past max_connections -
 * reserve, a new connection ends the oldest slow one, so /healthz is
 * answered at once; a signed-in user's keep-alive connection is never
 * taken. Before the guard, the new client's request waited for the idle
 * timeout (here an hour). */
static void test_slow_headers(void **state)
{
    enum { SLOW = 24 };
    http_server_t *s;
    http_opts_t o;
    tw_errinfo_t ei;
    store_t *st;
    char tok[AUTH_TOKEN_LEN + 1], req[256], ans[4096];
    int slow[SLOW], authed, i, ended = 0;
    unsigned port;
    (void)state;

    assert_int_equal(store_open(dbpath, &st, &ei), TW_OK);
    assert_int_equal(auth_user_add(st, "ana", "MCS", ROLE_ANALYST, "ana-password-1", &ei), TW_OK);
    assert_int_equal(auth_token_create(st, "ana", NULL, tok, &ei), TW_OK);
    store_close(st);
    http_opts_default(&o);
    o.db_path = dbpath;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.access_log = 0;
    o.timeout_s = 3600; /* the idle timeout alone would keep them for an hour */
    o.max_connections = 16;
    o.reserve = 4;
    o.max_per_ip = 1000;
    o.header_timeout_s = 2;
    tw_errinfo_clear(&ei);
    assert_int_equal(http_start(&o, &s, &ei), TW_OK);
    port = http_port(s);

    /* a signed-in user's connection, kept alive */
    authed = dial(port, 30);
    snprintf(req, sizeof(req), "GET /api/v1/me HTTP/1.1\r\nHost: t\r\n"
                               "Authorization: Bearer %s\r\n\r\n", tok);
    assert_int_equal(send(authed, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    read_answer(authed, "GET /api/v1/me (before the slow clients)", ans, sizeof(ans));
    assert_non_null(strstr(ans, "HTTP/1.1 200"));

    /* more slow clients than there are connections: each sends a request
     * line and one header and never ends them */
    for (i = 0; i < SLOW; i++) {
        static const char part[] = "GET /healthz HTTP/1.1\r\nX-Slow: 1\r\n";
        slow[i] = dial(port, 30);
        assert_int_equal(send(slow[i], part, sizeof(part) - 1, MSG_NOSIGNAL),
                         (ssize_t)(sizeof(part) - 1));
    }
    /* someone else asks for /healthz: answered (bounded by the socket's
     * 30 s receive timeout; without the guard it would wait an hour) */
    {
        int fd = dial(port, 30);
        static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
        assert_int_equal(send(fd, hz, sizeof(hz) - 1, MSG_NOSIGNAL), (ssize_t)(sizeof(hz) - 1));
        read_answer(fd, "GET /healthz beside the slow clients", ans, sizeof(ans));
        assert_non_null(strstr(ans, "HTTP/1.1 200"));
        close(fd);
    }
    /* the signed-in user's connection still works */
    assert_int_equal(send(authed, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    read_answer(authed, "GET /api/v1/me (during the slow clients)", ans, sizeof(ans));
    assert_non_null(strstr(ans, "HTTP/1.1 200"));
    /* every slow one is ended: by the reserve, or by the deadline */
    for (i = 0; i < SLOW; i++) {
        ended += ended_within(slow[i], 30);
        close(slow[i]);
    }
    assert_int_equal(ended, SLOW);
    /* and the signed-in one, idle for longer than the header deadline, too:
     * not ended */
    assert_int_equal(send(authed, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    read_answer(authed, "GET /api/v1/me (after the header deadline)", ans, sizeof(ans));
    assert_non_null(strstr(ans, "HTTP/1.1 200"));
    close(authed);
    http_stop(s);
}

/* The guard's own limits are checked at start. */
static void test_guard_options(void **state)
{
    http_server_t *s = NULL;
    http_opts_t o;
    tw_errinfo_t ei;
    (void)state;
    http_opts_default(&o);
    o.db_path = dbpath;
    o.listen = "127.0.0.1:0";
    o.max_connections = 8;
    o.reserve = 8;
    assert_int_equal(http_start(&o, &s, &ei), TW_EINPUT);
    assert_non_null(strstr(ei.msg, "--reserve"));
}


/* Request smuggling (RFC 9112, 6.3): Content-Length with Transfer-Encoding,
 * or two different Content-Lengths, are refused with 400 and the connection
 * is closed; the same Content-Length twice is one length. */
static void test_framing(void **state)
{
    static const char *const bad[] = {
        "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
        "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}",
        NULL};
    http_server_t *s;
    char ans[4096];
    int i, fd;
    (void)state;
    start_server(NULL, 2, &s);
    for (i = 0; bad[i]; i++) {
        /* keep-alive asked for: the server closes it all the same */
        fd = dial(http_port(s), 30);
        assert_int_equal(send(fd, bad[i], strlen(bad[i]), MSG_NOSIGNAL), (ssize_t)strlen(bad[i]));
        read_answer(fd, "a request with a doubtful length", ans, sizeof(ans));
        assert_non_null(strstr(ans, "HTTP/1.1 400"));
        assert_non_null(strstr(ans, "a request may not have"));
        assert_non_null(strstr(ans, "Connection: close"));
        assert_true(ended_within(fd, 30));
        close(fd);
    }
    /* the same length twice: served as one (a bad sign-in, not a 400) */
    http_raw(http_port(s),
             "POST /api/v1/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
             "Content-Length: 2\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
             ans, sizeof(ans));
    assert_non_null(strstr(ans, "HTTP/1.1 "));
    assert_null(strstr(ans, "a request may not have"));
    http_stop(s);
}


/* /healthz reports storage health: a store whose directory takes no new
 * file (the probe's name taken by a directory here; a full disk in life)
 * answers 503 with the reason, not "ok", and recovers once writes work. */
static void test_healthz_storage(void **state)
{
    http_server_t *s;
    char ans[4096], probe[400];
    int i;
    (void)state;
    start_server(NULL, 2, &s);
    http_get(http_port(s), "/healthz", ans, sizeof(ans));
    assert_non_null(strstr(ans, "HTTP/1.1 200"));
    assert_non_null(strstr(ans, "\"storage\":\"ok\""));
    snprintf(probe, sizeof(probe), "%s.probe", dbpath);
    assert_int_equal(mkdir(probe, 0700), 0);
    /* the last probe is reused for up to a second: ask until it is redone
     * (at most 60 times 0.1 s) */
    for (i = 0; i < 60; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        http_get(http_port(s), "/healthz", ans, sizeof(ans));
        if (strstr(ans, "HTTP/1.1 503"))
            break;
        nanosleep(&ts, NULL);
    }
    if (i == 60)
        fail_msg("waited 6 s for /healthz to report the unwritable store: %s", ans);
    assert_non_null(strstr(ans, "\"status\":\"unavailable\""));
    assert_non_null(strstr(ans, "cannot create a file beside the store"));
    assert_int_equal(rmdir(probe), 0);
    for (i = 0; i < 60; i++) {
        struct timespec ts = {0, 100 * 1000 * 1000};
        http_get(http_port(s), "/healthz", ans, sizeof(ans));
        if (strstr(ans, "HTTP/1.1 200"))
            break;
        nanosleep(&ts, NULL);
    }
    if (i == 60)
        fail_msg("waited 6 s for /healthz to recover: %s", ans);
    http_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_match),
        cmocka_unit_test(test_route_table),
        cmocka_unit_test(test_case_routes),
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_static_paths),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_forwarded_client),
        cmocka_unit_test_setup_teardown(test_nested_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_request_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_slow_client, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slow_headers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_guard_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_framing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_healthz_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trusted_proxy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entity_store_error, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
