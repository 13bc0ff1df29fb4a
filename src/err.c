/*
 * err.c - messages, exit codes and HTTP statuses for tw_err_t.
 *
 * The only place where an error code is turned into something a person or a
 * client sees. Pure functions; thread-safe.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *tw_strerror(tw_err_t err)
{
    switch (err) {
    case TW_OK: return "success";
    case TW_EOF: return "end of input";
    case TW_EINPUT: return "invalid input";
    case TW_ENOTFOUND: return "not found";
    case TW_EPERM: return "not permitted";
    case TW_ECONFLICT: return "conflict with the current state";
    case TW_ETOOBIG: return "limit exceeded";
    case TW_ENOMEM: return "out of memory";
    case TW_EIO: return "input/output error";
    case TW_EDB: return "store error";
    case TW_EINTERNAL: return "internal error";
    }
    return "unknown error";
}

int tw_err_exit_code(tw_err_t err)
{
    switch (err) {
    case TW_OK:
    case TW_EOF:
        return 0;
    case TW_EINPUT:
    case TW_ENOTFOUND:
    case TW_EPERM:
    case TW_ECONFLICT:
    case TW_ETOOBIG:
        return 1;
    case TW_ENOMEM:
    case TW_EIO:
    case TW_EDB:
    case TW_EINTERNAL:
        return 2;
    }
    return 2;
}

int tw_err_http_status(tw_err_t err)
{
    switch (err) {
    case TW_OK: return 200;
    case TW_EOF: return 200;
    case TW_EINPUT: return 400;
    case TW_ENOTFOUND: return 404;
    case TW_EPERM: return 403;
    case TW_ECONFLICT: return 409;
    case TW_ETOOBIG: return 413;
    case TW_ENOMEM: return 503;
    case TW_EIO:
    case TW_EDB:
    case TW_EINTERNAL:
        return 500;
    }
    return 500;
}

void tw_errinfo_clear(tw_errinfo_t *ei)
{
    if (ei)
        memset(ei, 0, sizeof(*ei));
}

tw_err_t tw_errinfo_set(tw_errinfo_t *ei, tw_err_t err, const char *fmt, ...)
{
    if (ei) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ei->msg, sizeof(ei->msg), fmt, ap);
        va_end(ap);
    }
    return err;
}

void tw_errinfo_format(const tw_errinfo_t *ei, char *out, size_t cap)
{
    size_t n = 0;
    int w;

    if (cap == 0)
        return;
    out[0] = '\0';
#define TW_APPEND(...)                                                      \
    do {                                                                    \
        if (n < cap) {                                                      \
            w = snprintf(out + n, cap - n, __VA_ARGS__);                    \
            if (w > 0)                                                      \
                n += (size_t)w < cap - n ? (size_t)w : cap - n - 1;        \
        }                                                                   \
    } while (0)
    if (ei->file[0])
        TW_APPEND("%s:", ei->file);
    if (ei->line > 0)
        TW_APPEND("%ld:", ei->line);
    if (ei->column > 0)
        TW_APPEND("%ld:", ei->column);
    if (n > 0)
        TW_APPEND(" ");
    if (ei->field[0])
        TW_APPEND("field %s: ", ei->field);
    TW_APPEND("%s", ei->msg[0] ? ei->msg : "error");
#undef TW_APPEND
}
