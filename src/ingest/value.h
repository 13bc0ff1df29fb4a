/*
 * value.h - parsing and checking of one register value: dates, timestamps,
 * integers, country and region codes, ISIC divisions, ISCO unit groups,
 * TINs, identifiers. Pure functions, no allocation, thread-safe.
 *
 * Each parser takes the field bytes s[0..len) (not necessarily
 * NUL-terminated; surrounding spaces are NOT trimmed - the caller trims) and
 * returns TW_OK or TW_EINPUT. On TW_EINPUT, when `why` is not NULL it points
 * to a static, human-readable reason ("month 13 is out of range",
 * "not an ISO 3166-1 alpha-3 country code", ...).
 */
#ifndef TW_VALUE_H
#define TW_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* YYYY-MM-DD, a real calendar date, year 1900..2100.
 * *days = days since 1970-01-01 (may be negative). */
tw_err_t value_date(const char *s, size_t len, int32_t *days, const char **why);

/* YYYY-MM-DDTHH:MM:SS with an optional zone: Z, +HH:MM or -HH:MM.
 * Without a zone the time is Armenian local time (UTC+04:00).
 * *utc = seconds since 1970-01-01T00:00:00Z. */
tw_err_t value_timestamp(const char *s, size_t len, int64_t *utc, const char **why);

/* Writes "YYYY-MM-DD" (11 bytes with NUL) / "YYYY-MM-DDTHH:MM:SSZ" (21 bytes). */
void value_format_date(int32_t days, char out[11]);
void value_format_timestamp(int64_t utc, char out[21]);

/* Non-negative decimal integer, digits only, at most `max`. */
tw_err_t value_uint(const char *s, size_t len, int64_t max, int64_t *out, const char **why);

/* ISO 3166-1 alpha-3, the full officially assigned list (249 codes), case-
 * insensitive. up[4] receives the upper-case code. */
tw_err_t value_country(const char *s, size_t len, char up[4], const char **why);

/* ISO 3166-2:AM region (AM-ER, AM-AG, AM-AR, AM-AV, AM-GR, AM-KT, AM-LO,
 * AM-SH, AM-SU, AM-TV, AM-VD), case-insensitive. up[6] receives it upper-case. */
tw_err_t value_region(const char *s, size_t len, char up[6], const char **why);

/* ISIC Rev.4 division: two digits naming a real division (01-03, 05-09,
 * 10-33, 35-39, 41-43, 45-47, 49-53, 55-56, 58-63, 64-66, 68, 69-75, 77-82,
 * 84, 85, 86-88, 90-93, 94-96, 97-98, 99). */
tw_err_t value_isic_division(const char *s, size_t len, const char **why);

/* ISCO-08 unit group: four digits, in one of the ten major groups (0-9)
 * and not 0000. */
tw_err_t value_isco(const char *s, size_t len, const char **why);

/* Armenian taxpayer identification number: exactly 8 digits. */
tw_err_t value_tin(const char *s, size_t len, const char **why);

/* A register identifier: 1..64 bytes of printable ASCII without spaces
 * or commas... precisely: bytes 0x21-0x7E except '"' and ',', and not
 * beginning with '=', '+', '-' or '@' (a spreadsheet formula). */
tw_err_t value_ident(const char *s, size_t len, const char **why);

/* Case-insensitive match of s against a NULL-terminated list of allowed
 * lower-case words; *index receives the position in `allowed`. */
tw_err_t value_enum(const char *s, size_t len, const char *const *allowed, int *index,
                    const char **why);

/* A plausible e-mail address: one '@', non-empty local part, a domain with a
 * dot, no spaces or control characters, at most 254 bytes. */
tw_err_t value_email(const char *s, size_t len, const char **why);

#endif
