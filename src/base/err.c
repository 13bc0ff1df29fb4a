/*
 * err.c - messages, exit codes and HTTP statuses for tw_err_t.
 *
 * The only place where an error code is turned into something a person or a
 * client sees. Pure functions; thread-safe.
 */
#include "base/err.h"

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

const char *tw_err_code_name(tw_err_t err)
{
    switch (err) {
    case TW_OK:
    case TW_EOF: return "ok";
    case TW_EINPUT: return "bad_input";
    case TW_ENOTFOUND: return "not_found";
    case TW_EPERM: return "forbidden";
    case TW_ECONFLICT: return "conflict";
    case TW_ETOOBIG: return "too_large";
    case TW_ENOMEM: return "unavailable";
    case TW_EIO:
    case TW_EDB:
    case TW_EINTERNAL: return "internal";
    }
    return "internal";
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

static void copy_trunc(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void tw_errinfo_file(tw_errinfo_t *ei, const char *path)
{
    if (ei)
        copy_trunc(ei->file, sizeof(ei->file), path ? path : "");
}

void tw_errinfo_field(tw_errinfo_t *ei, const char *field)
{
    if (ei)
        copy_trunc(ei->field, sizeof(ei->field), field ? field : "");
}

void tw_errinfo_reason(tw_errinfo_t *ei, const char *reason)
{
    if (ei)
        copy_trunc(ei->reason, sizeof(ei->reason), reason ? reason : "");
}

void tw_errinfo_format(const tw_errinfo_t *ei, char *out, size_t cap)
{
    char line[24] = "", col[24] = "";
    int n;

    if (cap == 0)
        return;
    if (ei->line > 0)
        snprintf(line, sizeof(line), "%ld:", ei->line);
    if (ei->column > 0)
        snprintf(col, sizeof(col), "%ld:", ei->column);
    n = snprintf(out, cap, "%s%s%s%s%s%s%s%s", ei->file, ei->file[0] ? ":" : "", line, col,
                 (ei->file[0] || line[0] || col[0]) ? " " : "", ei->field[0] ? "field " : "",
                 ei->field, ei->field[0] ? ": " : "");
    if (n < 0 || (size_t)n >= cap)
        return; /* truncated: the position alone fills the line */
    snprintf(out + n, cap - (size_t)n, "%s", ei->msg[0] ? ei->msg : "error");
}
