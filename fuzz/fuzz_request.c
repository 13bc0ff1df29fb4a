/*
 * fuzz_request.c - libFuzzer target for the small parsers of a request
 * (src/server/http.c): the route pattern match, the JSON nesting check, the
 * X-Forwarded-For parser and the static path check, and the identifier and
 * value checks an API body goes through (src/ingest/value.c). Each line of
 * the input is one value. Checked: the contracts' promises (a matched route
 * gives bounded parameters; a forwarded client is a normal address or the
 * output is untouched; an accepted static path has no "..", no NUL, no
 * backslash; an accepted identifier begins with no formula character).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/value.h"
#include "server/http.h"

#define CHECK(c)                                                                         \
    do {                                                                                 \
        if (!(c)) {                                                                      \
            fprintf(stderr, "fuzz_request: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                     \
        }                                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const char *s, size_t len)
{
    char params[HTTP_MAX_PATH_PARAMS][HTTP_PARAM_MAX], out[64] = "untouched";
    const http_route_t *rt;
    const char *why = NULL;
    size_t nr, i, np, at = 0;

    rt = http_routes(&nr);
    for (i = 0; i < nr; i++) {
        if (http_route_match(rt[i].pattern, s, params, &np)) {
            size_t k;
            CHECK(np <= HTTP_MAX_PATH_PARAMS);
            for (k = 0; k < np; k++)
                CHECK(strlen(params[k]) < HTTP_PARAM_MAX);
        }
    }
    (void)http_json_depth_ok(s, len, 4, &at);
    CHECK(at <= len);
    if (http_forwarded_client(s, out, sizeof(out)))
        CHECK(strlen(out) > 0 && strchr(out, ',') == NULL && strchr(out, ' ') == NULL);
    else
        CHECK(strcmp(out, "untouched") == 0);
    if (http_static_path_ok(s)) {
        const char *seg = s;
        CHECK(strchr(s, '\\') == NULL && len <= 1024);
        while (seg) { /* no segment is ".." */
            const char *end = strchr(seg, '/');
            size_t sl = end ? (size_t)(end - seg) : strlen(seg);
            CHECK(!(sl == 2 && seg[0] == '.' && seg[1] == '.'));
            seg = end ? end + 1 : NULL;
        }
    }
    if (value_ident(s, len, &why) == TW_OK) {
        CHECK(len >= 1 && len <= 64);
        CHECK(strchr("=+-@", s[0]) == NULL);
    } else {
        CHECK(why != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *p, *nl;
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (p = buf; p <= buf + size; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(buf + size - p));
        if (!nl)
            nl = buf + size;
        *nl = '\0';
        one(p, strlen(p));
        if (nl == buf + size)
            break;
    }
    free(buf);
    return 0;
}
