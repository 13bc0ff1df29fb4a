/*
 * sink.c - delivering outreach messages to a directory, an SMTP server or
 * an HTTP SMS gateway (contract in sink.h).
 *
 * Data structure: a sink_t holds the parsed spec, a libcurl easy handle
 * (reused, so connections are kept between messages) and a scratch buffer
 * for the request it builds.
 *
 * Invariants:
 *   1. dir: a message file appears whole or not at all (written to
 *      .tmp-<id>, renamed to msg-<id>.json); the same message written again
 *      replaces the file with the same bytes, so a repeat is harmless.
 *   2. SMTP and HTTP repeats carry the same id (Message-ID,
 *      Idempotency-Key).
 *
 * Thread model: one thread per sink_t. curl_global_init is called once
 * (pthread_once) before the first handle.
 */
#define _GNU_SOURCE
#include "outreach/sink.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"

typedef enum { K_DIR, K_SMTP, K_HTTP } sink_kind_t;

struct sink {
    sink_kind_t kind;
    char target[1024]; /* dir path or URL */
    char from[256];
    long timeout_ms;
    int dirfd;
    CURL *curl;
    tw_buf_t req;
    size_t req_off; /* SMTP upload position */
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int mkdirs(const char *path)
{
    char tmp[1024];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            tmp[i] = c;
        }
    }
    return 0;
}

tw_err_t sink_open(const char *spec, const sink_opts_t *opts, sink_t **out, tw_errinfo_t *ei)
{
    sink_t *s = calloc(1, sizeof *s);
    tw_err_t err = TW_OK;

    *out = NULL;
    if (!s)
        return TW_ENOMEM;
    s->dirfd = -1;
    buf_init(&s->req, 1024 * 1024);
    snprintf(s->from, sizeof s->from, "%s", opts && opts->from ? opts->from : "tipwatch@localhost");
    s->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : 30000;
    tw_errinfo_field(ei, "--sink");
    if (strncmp(spec, "dir:", 4) == 0 && spec[4]) {
        s->kind = K_DIR;
        if (snprintf(s->target, sizeof s->target, "%s", spec + 4) >= (int)sizeof s->target) {
            err = tw_errinfo_set(ei, TW_EINPUT, "directory path too long");
            goto out;
        }
        if (mkdirs(s->target) != 0 ||
            (s->dirfd = open(s->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            err = tw_errinfo_set(ei, TW_EIO, "cannot create or open the directory %s: %s",
                                 s->target, strerror(errno));
            goto out;
        }
    } else if (strncmp(spec, "smtp://", 7) == 0 || strncmp(spec, "smtps://", 8) == 0 ||
               strncmp(spec, "http://", 7) == 0 || strncmp(spec, "https://", 8) == 0) {
        s->kind = spec[0] == 's' ? K_SMTP : K_HTTP;
        const char *host = strstr(spec, "://") + 3;
        if (!*host || *host == '/' || *host == ':') {
            err = tw_errinfo_set(ei, TW_EINPUT, "'%s' names no host", spec);
            goto out;
        }
        if (snprintf(s->target, sizeof s->target, "%s", spec) >= (int)sizeof s->target) {
            err = tw_errinfo_set(ei, TW_EINPUT, "URL too long");
            goto out;
        }
        pthread_once(&curl_once, curl_init);
        if (curl_init_rc != CURLE_OK || !(s->curl = curl_easy_init())) {
            err = tw_errinfo_set(ei, TW_EINTERNAL, "libcurl did not start");
            goto out;
        }
    } else {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "'%s' is not a sink: dir:PATH, smtp://HOST:PORT or "
                             "http(s)://HOST[:PORT]/PATH", spec);
        goto out;
    }
    tw_errinfo_clear(ei);
    *out = s;
    s = NULL;
out:
    sink_close(s);
    return err;
}

void sink_close(sink_t *s)
{
    if (!s)
        return;
    if (s->dirfd >= 0)
        close(s->dirfd);
    if (s->curl)
        curl_easy_cleanup(s->curl);
    buf_free(&s->req);
    free(s);
}

int sink_accepts(const sink_t *s, const char *channel)
{
    switch (s->kind) {
    case K_DIR: return 1;
    case K_SMTP: return strcmp(channel, "email") == 0;
    case K_HTTP: return strcmp(channel, "sms") == 0;
    }
    return 0;
}

const char *sink_kind(const sink_t *s)
{
    return s->kind == K_DIR ? "dir" : s->kind == K_SMTP ? "smtp" : "http";
}

/* The JSON document of a message: the dir file and the HTTP body. */
static tw_err_t msg_json(tw_buf_t *b, const sink_msg_t *m)
{
    tw_err_t err;
#define STR(name, v)                                                                        \
    do {                                                                                    \
        if ((err = buf_adds(b, ",\"" name "\":")) != TW_OK ||                               \
            (err = json_str(b, (v) ? (v) : "", strlen((v) ? (v) : ""))) != TW_OK)           \
            return err;                                                                     \
    } while (0)
    if ((err = buf_printf(b, "{\"message_id\":%lld", (long long)m->id)) != TW_OK)
        return err;
    STR("worker_key", m->worker_key);
    STR("event", m->event);
    STR("channel", m->channel);
    STR("address", m->address);
    STR("language", m->language);
    STR("template", m->template_id);
    STR("subject", m->subject);
    STR("body", m->body);
#undef STR
    return buf_adds(b, "}\n");
}

static sink_result_t deliver_dir(sink_t *s, const sink_msg_t *m, char *why, size_t cap)
{
    char tmp[64], name[64];
    int fd;
    tw_err_t err;

    buf_reset(&s->req);
    if ((err = msg_json(&s->req, m)) != TW_OK) {
        snprintf(why, cap, "message too large for the sink (%s)", tw_strerror(err));
        return SINK_PERM;
    }
    snprintf(tmp, sizeof tmp, ".tmp-%lld", (long long)m->id);
    snprintf(name, sizeof name, "msg-%012lld.json", (long long)m->id);
    fd = openat(s->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, cap, "cannot create %s/%s: %s", s->target, tmp, strerror(errno));
        return SINK_TEMP;
    }
    size_t off = 0;
    while (off < s->req.len) {
        ssize_t w = write(fd, s->req.p + off, s->req.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(why, cap, "cannot write %s/%s: %s", s->target, tmp, strerror(errno));
            close(fd);
            unlinkat(s->dirfd, tmp, 0);
            return SINK_TEMP;
        }
        off += (size_t)w;
    }
    if (close(fd) != 0 || renameat(s->dirfd, tmp, s->dirfd, name) != 0) {
        snprintf(why, cap, "cannot finish %s/%s: %s", s->target, name, strerror(errno));
        unlinkat(s->dirfd, tmp, 0);
        return SINK_TEMP;
    }
    return SINK_OK;
}

static size_t upload_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    sink_t *s = ud;
    size_t room = size * nmemb, left = s->req.len - s->req_off;
    size_t n = left < room ? left : room;
    memcpy(ptr, s->req.p + s->req_off, n);
    s->req_off += n;
    return n;
}

static size_t discard_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    (void)ptr;
    (void)ud;
    return size * nmemb;
}

/* RFC 2047 encoded-word of a UTF-8 header value, split in chunks of 45
 * bytes (60 base64 characters) so each encoded word stays under 75. */
static tw_err_t header_encoded(tw_buf_t *b, const char *v)
{
    size_t n = strlen(v), off = 0;
    tw_err_t err;
    char enc[128];
    int ascii = 1;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] >= 0x80 || v[i] == '\r' || v[i] == '\n')
            ascii = 0;
    if (ascii && n < 900)
        return buf_adds(b, v);
    while (off < n) {
        size_t take = n - off > 45 ? 45 : n - off;
        /* do not cut a UTF-8 sequence */
        while (off + take < n && take > 1 && ((unsigned char)v[off + take] & 0xC0) == 0x80)
            take--;
        sodium_bin2base64(enc, sizeof enc, (const unsigned char *)v + off, take,
                          sodium_base64_VARIANT_ORIGINAL);
        if ((err = buf_printf(b, "%s=?UTF-8?B?%s?=", off ? "\r\n " : "", enc)) != TW_OK)
            return err;
        off += take;
    }
    return TW_OK;
}

static tw_err_t smtp_message(tw_buf_t *b, const sink_t *s, const sink_msg_t *m)
{
    char date[64], enc[100];
    time_t t = time(NULL);
    struct tm tm;
    tw_err_t err;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    if ((err = buf_printf(b,
                          "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\n"
                          "Message-ID: <tipwatch-outreach-%lld@%s>\r\nSubject: ",
                          date, s->from, m->address, (long long)m->id,
                          strchr(s->from, '@') ? strchr(s->from, '@') + 1 : "localhost")) !=
        TW_OK)
        return err;
    if ((err = header_encoded(b, m->subject)) != TW_OK)
        return err;
    if ((err = buf_printf(b, "\r\nContent-Language: %s\r\nMIME-Version: 1.0\r\n"
                             "Content-Type: text/plain; charset=UTF-8\r\n"
                             "Content-Transfer-Encoding: base64\r\n\r\n",
                          m->language)) != TW_OK)
        return err;
    /* base64 of the body in lines of 76 characters (57 bytes) */
    size_t n = strlen(m->body);
    for (size_t off = 0; off < n; off += 57) {
        size_t take = n - off > 57 ? 57 : n - off;
        sodium_bin2base64(enc, sizeof enc, (const unsigned char *)m->body + off, take,
                          sodium_base64_VARIANT_ORIGINAL);
        if ((err = buf_printf(b, "%s\r\n", enc)) != TW_OK)
            return err;
    }
    return TW_OK;
}

static int addr_ok(const char *a)
{
    /* what goes between < > in SMTP and a header: no spaces, controls, <> */
    if (!a || !*a || strlen(a) > 254)
        return 0;
    for (const char *p = a; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f)
            return 0;
    return 1;
}

static sink_result_t curl_result(sink_t *s, CURLcode rc, char *why, size_t cap)
{
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    if (s->kind == K_SMTP) {
        if (rc == CURLE_OK)
            return SINK_OK;
        if (code >= 500 && code < 600) {
            snprintf(why, cap, "SMTP server refused the message for good (%ld)", code);
            return SINK_PERM;
        }
        snprintf(why, cap, "SMTP: %s%s%ld", curl_easy_strerror(rc), code ? ", reply " : "",
                 code);
        return SINK_TEMP;
    }
    if (rc != CURLE_OK) {
        snprintf(why, cap, "HTTP: %s", curl_easy_strerror(rc));
        return SINK_TEMP;
    }
    if (code >= 200 && code < 300)
        return SINK_OK;
    snprintf(why, cap, "HTTP gateway answered %ld", code);
    if (code == 408 || code == 425 || code == 429 || code >= 500)
        return SINK_TEMP;
    return SINK_PERM;
}

static sink_result_t deliver_curl(sink_t *s, const sink_msg_t *m, char *why, size_t cap)
{
    struct curl_slist *rcpt = NULL, *hdr = NULL;
    char line[320];
    CURLcode rc;
    tw_err_t err;
    sink_result_t res;

    if (!addr_ok(m->address)) {
        snprintf(why, cap, "the address is not one a %s sink can use", sink_kind(s));
        return SINK_PERM;
    }
    curl_easy_reset(s->curl);
    buf_reset(&s->req);
    s->req_off = 0;
    curl_easy_setopt(s->curl, CURLOPT_URL, s->target);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT_MS, s->timeout_ms);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "http,https,smtp,smtps");
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard_cb);
    if (s->kind == K_SMTP) {
        if ((err = smtp_message(&s->req, s, m)) != TW_OK) {
            snprintf(why, cap, "message too large (%s)", tw_strerror(err));
            return SINK_PERM;
        }
        snprintf(line, sizeof line, "<%s>", s->from);
        curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, line);
        rcpt = curl_slist_append(NULL, m->address);
        curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
        curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, upload_cb);
        curl_easy_setopt(s->curl, CURLOPT_READDATA, s);
        curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
    } else {
        if ((err = msg_json(&s->req, m)) != TW_OK) {
            snprintf(why, cap, "message too large (%s)", tw_strerror(err));
            return SINK_PERM;
        }
        hdr = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
        snprintf(line, sizeof line, "Idempotency-Key: tipwatch-outreach-%lld", (long long)m->id);
        hdr = curl_slist_append(hdr, line);
        curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, hdr);
        curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, s->req.p);
        curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE, (long)s->req.len);
    }
    rc = curl_easy_perform(s->curl);
    res = curl_result(s, rc, why, cap);
    curl_slist_free_all(rcpt);
    curl_slist_free_all(hdr);
    return res;
}

sink_result_t sink_deliver(sink_t *s, const sink_msg_t *m, char *why, size_t why_cap)
{
    if (why_cap)
        why[0] = '\0';
    if (!sink_accepts(s, m->channel)) {
        snprintf(why, why_cap, "a %s sink does not deliver %s messages", sink_kind(s),
                 m->channel);
        return SINK_PERM;
    }
    return s->kind == K_DIR ? deliver_dir(s, m, why, why_cap) : deliver_curl(s, m, why, why_cap);
}

tw_err_t sink_flush(sink_t *s, tw_errinfo_t *ei)
{
    if (s->kind != K_DIR)
        return TW_OK;
    /* one syncfs for the batch instead of an fsync per file: the files and
     * their names reach the disk before the outbox says "sent" */
    if (syncfs(s->dirfd) != 0 || fsync(s->dirfd) != 0)
        return tw_errinfo_set(ei, TW_EIO, "cannot sync %s: %s", s->target, strerror(errno));
    return TW_OK;
}
