/*
 * json.h - the little JSON writing tipwatch needs (strings with escapes,
 * numbers), appended to a bounded buffer. Reading JSON is not done here.
 */
#ifndef TW_JSON_H
#define TW_JSON_H

#include <stddef.h>

#include "base/buf.h"

/* Appends s[0..len) as a JSON string with its quotes: '"' and '\\' escaped,
 * \n \r \t short forms, other control bytes as \u00XX. Bytes >= 0x80 are
 * copied as they are (the caller passes valid UTF-8). */
tw_err_t json_str(tw_buf_t *b, const char *s, size_t len);
/* A finite double with up to 6 significant decimals; non-finite as null. */
tw_err_t json_num(tw_buf_t *b, double v);

#endif
