/*
 * buf.c - bounded growable buffer; see buf.h for the invariants.
 */
#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void buf_init(tw_buf_t *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void buf_free(tw_buf_t *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reset(tw_buf_t *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

static tw_err_t ensure(tw_buf_t *b, size_t extra)
{
    size_t need, cap;
    char *np;

    if (extra > b->max || b->len > b->max - extra)
        return TW_ETOOBIG;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return TW_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > (SIZE_MAX / 2) ? need : cap * 2;
    if (cap > b->max + 1)
        cap = b->max + 1;
    np = realloc(b->p, cap);
    if (!np)
        return TW_ENOMEM;
    b->p = np;
    b->cap = cap;
    return TW_OK;
}

tw_err_t buf_add(tw_buf_t *b, const void *data, size_t len)
{
    tw_err_t err = ensure(b, len);
    if (err)
        return err;
    if (len)
        memcpy(b->p + b->len, data, len);
    b->len += len;
    b->p[b->len] = '\0';
    return TW_OK;
}

tw_err_t buf_addc(tw_buf_t *b, char c)
{
    /* the common case (room for it) without ensure() and memcpy(): JSON
     * and text rendering add most of their punctuation a byte at a time */
    if (b->len + 1 < b->cap && b->len < b->max) {
        b->p[b->len++] = c;
        b->p[b->len] = '\0';
        return TW_OK;
    }
    return buf_add(b, &c, 1);
}

tw_err_t buf_adds(tw_buf_t *b, const char *s)
{
    return buf_add(b, s, strlen(s));
}

tw_err_t buf_printf(tw_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    tw_err_t err;

    /* one pass when the text fits the room already there (the usual case
     * once a buffer has grown); else measured, grown and printed again */
    if (b->p && b->cap > b->len) {
        size_t room = b->cap - b->len; /* with the terminator */
        if (room > b->max - b->len + 1)
            room = b->max - b->len + 1;
        va_start(ap, fmt);
        n = vsnprintf(b->p + b->len, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->p[b->len] = '\0';
            return TW_EINTERNAL;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return TW_OK;
        }
        b->p[b->len] = '\0'; /* truncated: the buffer stays as it was */
    } else {
        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return TW_EINTERNAL;
    }
    err = ensure(b, (size_t)n);
    if (err)
        return err;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return TW_OK;
}

const char *buf_str(const tw_buf_t *b)
{
    return b->p ? b->p : "";
}

tw_err_t buf_read_file(tw_buf_t *b, const char *path, int *sys_errno)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    tw_err_t err = TW_OK;
    ssize_t n;

    if (fd < 0) {
        if (sys_errno)
            *sys_errno = errno;
        return errno == ENOENT ? TW_ENOTFOUND : TW_EIO;
    }
    while (b->len < b->max) {
        size_t want = b->max - b->len < 65536 ? b->max - b->len : 65536;
        if ((err = ensure(b, want)) != TW_OK)
            break;
        n = read(fd, b->p + b->len, want);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (sys_errno)
                *sys_errno = errno;
            err = TW_EIO;
            break;
        }
        if (n == 0)
            break;
        b->len += (size_t)n;
        b->p[b->len] = '\0';
    }
    close(fd);
    return err;
}
