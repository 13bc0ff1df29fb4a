/*
 * test_http.c - the pieces of the HTTP server that can be checked without a
 * client: route matching, the JSON depth guard, static path safety, content
 * types, listing cursors, the nested transaction an API write relies on,
 * and one real start, request and graceful stop on a free port.
 * The endpoints themselves are tested over HTTP by tests/http/run.mjs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "alerts.h"
#include "api.h"
#include "http.h"
#include "store.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_match),
        cmocka_unit_test(test_route_table),
        cmocka_unit_test(test_json_depth),
        cmocka_unit_test(test_static_paths),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test_setup_teardown(test_nested_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_request_stop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
