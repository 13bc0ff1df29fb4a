/*
 * buf.h - a growable byte buffer with a hard maximum size.
 *
 * Invariants:
 *   1. len < cap whenever p != NULL, and p[len] == '\0': the contents are
 *      always a valid C string (binary data may contain NULs too).
 *   2. cap never exceeds max + 1; an append that would pass `max` fails with
 *      TW_ETOOBIG and leaves the buffer unchanged.
 * The buffer owns `p`; buf_free() releases it. Not thread-safe.
 */
#ifndef TW_BUF_H
#define TW_BUF_H

#include <stddef.h>

#include "base/err.h"

typedef struct {
    char *p;
    size_t len;
    size_t cap;
    size_t max;
} tw_buf_t;

void buf_init(tw_buf_t *b, size_t max);
void buf_free(tw_buf_t *b);
/* Empties the buffer, keeps its memory. */
void buf_reset(tw_buf_t *b);
tw_err_t buf_add(tw_buf_t *b, const void *data, size_t len);
tw_err_t buf_addc(tw_buf_t *b, char c);
tw_err_t buf_adds(tw_buf_t *b, const char *s);
tw_err_t buf_printf(tw_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends the contents of the file at `path`, stopping at the buffer's
 * maximum (a caller that needs to tell "too big" sets max one byte above
 * its limit). TW_ENOTFOUND, TW_EIO (*sys_errno says why) or TW_ENOMEM;
 * sys_errno may be NULL. */
tw_err_t buf_read_file(tw_buf_t *b, const char *path, int *sys_errno);
/* The contents as a C string; "" for an empty buffer. Valid until the next
 * call that changes the buffer. */
const char *buf_str(const tw_buf_t *b);

#endif
