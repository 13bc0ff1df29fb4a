/*
 * err.h - the one way tipwatch fails.
 *
 * Every function that can fail returns tw_err_t; results come back through
 * out-parameters. A user error (bad input) carries a tw_errinfo_t naming the
 * file, line, column and field, filled by the function that found it, so the
 * CLI can print one line and the HTTP layer can return one JSON error.
 *
 * The three mappings (message, exit status, HTTP status) live in err.c and
 * nowhere else.
 */
#ifndef TW_ERR_H
#define TW_ERR_H

#include <stddef.h>

typedef enum {
    TW_OK = 0,
    TW_EOF,       /* end of a stream; not an error for the caller to report */
    TW_EINPUT,    /* bad input from the user: file, row, field, option */
    TW_ENOTFOUND, /* no such file, row, entity */
    TW_EPERM,     /* not allowed */
    TW_ECONFLICT, /* state changed underneath; stale version */
    TW_ETOOBIG,   /* a configured limit was exceeded */
    TW_ENOMEM,    /* allocation failed */
    TW_EIO,       /* operating-system I/O failed */
    TW_EDB,       /* the store failed */
    TW_EINTERNAL  /* a bug: an invariant did not hold */
} tw_err_t;

/* Where and why a user error happened. Any member may be empty/zero. */
typedef struct {
    char file[256];
    long line;      /* 1-based; 0 when not about a line */
    long column;    /* 1-based; 0 when not about a column */
    char field[64]; /* canonical column name, option name, ... */
    char msg[256];
    char reason[32]; /* a stable code of why, for clients that put the error
                      * into words themselves ("unknown_org"); may be empty */
    char ref[64];    /* what the reason refers to (the existing case's id of
                      * "case_exists"); may be empty */
} tw_errinfo_t;

/* Static, never NULL. */
const char *tw_strerror(tw_err_t err);
/* 0 for TW_OK, 1 for a user error, 2 for an internal one. */
int tw_err_exit_code(tw_err_t err);
/* 200 for TW_OK, else the HTTP status that fits the error. */
int tw_err_http_status(tw_err_t err);
/* The stable machine-readable name an API client sees in
 * {"error":{"code":...}}: "bad_input", "not_found", "forbidden",
 * "conflict", "too_large", "unavailable", "internal" ("ok" for TW_OK). */
const char *tw_err_code_name(tw_err_t err);

/* Reset to empty. */
void tw_errinfo_clear(tw_errinfo_t *ei);
/* Fill the message (printf-style, truncated to fit); returns `err` so a caller
 * can write `return tw_errinfo_set(ei, TW_EINPUT, "...")`. `ei` may be NULL. */
tw_err_t tw_errinfo_set(tw_errinfo_t *ei, tw_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets ei->file to `path` (truncated to fit); `ei` may be NULL. */
void tw_errinfo_file(tw_errinfo_t *ei, const char *path);
/* Sets ei->field to `field` (truncated to fit); `ei` may be NULL. */
void tw_errinfo_field(tw_errinfo_t *ei, const char *field);
/* Sets ei->reason to the stable code `reason` (truncated to fit); `ei` may
 * be NULL. The HTTP API sends it as {"error":{"reason":...}}. */
void tw_errinfo_reason(tw_errinfo_t *ei, const char *reason);
/* "FILE:LINE:COLUMN: field FIELD: MSG" with the empty parts left out.
 * Writes at most `cap` bytes into `out`, always NUL-terminated. */
void tw_errinfo_format(const tw_errinfo_t *ei, char *out, size_t cap);

#endif
