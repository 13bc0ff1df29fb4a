/*
 * fuzz_http.c - libFuzzer target for the HTTP request path (src/server/):
 * libmicrohttpd's parsing as configured by http.c, then routing, limits,
 * authentication, CSRF, authorisation, body reading and the handlers.
 *
 * One server runs in the process for every input (127.0.0.1, a free port,
 * a store in a temporary directory with an analyst account, a bearer token
 * and a few alerts). Each input is sent as raw bytes on a new connection
 * ("@TOKEN@" in it is replaced by the account's token, so the fuzzer reaches
 * the signed-in routes), the writing side is closed, and the answer is read
 * until the server closes. Checked: an answer, when there is one, starts
 * with "HTTP/1."; no answer is 500 (a handler's internal error); the server
 * answers or closes within 20 s (a hang is a finding), and still answers
 * GET /healthz after every 256 inputs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "access/auth.h"
#include "server/http.h"
#include "store/store.h"

#define CHECK(c)                                                                      \
    do {                                                                              \
        if (!(c)) {                                                                   \
            fprintf(stderr, "fuzz_http: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                  \
        }                                                                             \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static http_server_t *srv;
static unsigned port;
static char token[AUTH_TOKEN_LEN + 1];
static char dir[64] = "/tmp/tw-fuzz-http-XXXXXX", db[128];
static unsigned long runs;

static void stop(void)
{
    char cmd[200];
    http_stop(srv);
    srv = NULL;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "fuzz_http: could not remove %s\n", dir);
}

static void start(void)
{
    http_opts_t o;
    store_t *st = NULL;
    tw_errinfo_t ei;

    CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof(db), "%s/f.db", dir);
    tw_errinfo_clear(&ei);
    CHECK(store_open(db, &st, &ei) == TW_OK);
    CHECK(auth_user_add(st, "ana", "MCS", ROLE_ANALYST, "ana-password-1", &ei) == TW_OK);
    CHECK(auth_token_create(st, "ana", NULL, token, &ei) == TW_OK);
    CHECK(sqlite3_exec(store_sqlite(st),
                       "INSERT INTO alert(id, entity_type, entity_key, score, level, indicators,"
                       " evidence, explanation, config_version, created_at, updated_at)"
                       " VALUES (1, 'application', 'A1', 91.5, 'high', 'wage_below_minimum',"
                       " '{}', '{}', 'v1', '2025-03-01T00:00:00Z', '2025-03-01T00:00:00Z')",
                       NULL, NULL, NULL) == 0);
    store_close(st);
    http_opts_default(&o);
    o.db_path = db;
    o.listen = "127.0.0.1:0";
    o.threads = 2;
    o.access_log = 0;
    o.timeout_s = 5;
    o.header_timeout_s = 5;
    o.max_json_body = 65536;
    o.max_csv_body = 1 << 20;
    CHECK(http_start(&o, &srv, &ei) == TW_OK);
    port = http_port(srv);
    atexit(stop);
}

/* Sends len bytes on a new connection, closes the writing side, reads the
 * answer into out (NUL-ended, truncated to cap - 1). */
static size_t exchange(const void *req, size_t len, char *out, size_t cap)
{
    struct sockaddr_in sa;
    struct timeval tv = {20, 0};
    size_t got = 0, off = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    CHECK(fd >= 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    while (off < len && (n = send(fd, (const char *)req + off, len - off, MSG_NOSIGNAL)) > 0)
        off += (size_t)n;
    shutdown(fd, SHUT_WR);
    out[0] = '\0';
    for (;;) {
        char sink[4096];
        char *to = got + 1 < cap ? out + got : sink;
        size_t room = got + 1 < cap ? cap - 1 - got : sizeof(sink);
        n = recv(fd, to, room, 0);
        if (n == 0)
            break;
        if (n < 0) {
            /* a reset is an answer (the server refused early); a timeout is a hang */
            CHECK(errno != EAGAIN && errno != EWOULDBLOCK);
            break;
        }
        if (to == out + got) {
            got += (size_t)n;
            out[got] = '\0';
        }
    }
    close(fd);
    return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char ans[65536];
    static const char tag[] = "@TOKEN@";
    char *req;
    size_t i, n = 0, got;

    if (!srv)
        start();
    if (size > (1u << 20))
        return 0;
    req = malloc(size * (AUTH_TOKEN_LEN + 1) / (sizeof(tag) - 1) + size + 1);
    CHECK(req != NULL);
    for (i = 0; i < size;) {
        if (size - i >= sizeof(tag) - 1 && memcmp(data + i, tag, sizeof(tag) - 1) == 0) {
            memcpy(req + n, token, AUTH_TOKEN_LEN);
            n += AUTH_TOKEN_LEN;
            i += sizeof(tag) - 1;
        } else {
            req[n++] = (char)data[i++];
        }
    }
    got = exchange(req, n, ans, sizeof(ans));
    free(req);
    if (got > 0) {
        CHECK(strncmp(ans, "HTTP/1.", 7) == 0);
        CHECK(got < 12 || strncmp(ans + 8, " 500", 4) != 0);
    }
    if (++runs % 256 == 0) {
        static const char hz[] = "GET /healthz HTTP/1.1\r\nHost: f\r\nConnection: close\r\n\r\n";
        got = exchange(hz, sizeof(hz) - 1, ans, sizeof(ans));
        CHECK(got > 0 && strncmp(ans, "HTTP/1.1 200", 12) == 0);
    }
    return 0;
}
