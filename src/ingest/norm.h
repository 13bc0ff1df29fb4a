/*
 * norm.h - normalised, comparable forms of names, addresses, phones and
 * document numbers. The original is never changed; these forms are stored
 * beside it.
 *
 * Names and addresses: NFKC + Unicode case folding (utf8proc), then
 * transliteration of Armenian and Cyrillic to Latin with ICU
 * ("Armenian-Latin/BGN; Russian-Latin/BGN; ...; Latin-ASCII; Lower"), then
 * only [a-z0-9] tokens separated by one space. Name tokens then pass a table
 * of variant spellings (oganes, ohannes -> hovhannes; grigory -> grigor;
 * muhammad, mohamed -> mohammed ...). Address tokens have their street-type
 * words unified (poghots, ulitsa, ul, str, street -> st ...); house and flat
 * numbers are kept.
 *
 * Phones: E.164 ("+37491234567"); Armenian national forms (0XX XXXXXX,
 * 374XXXXXXXX, 8 national digits) are completed with +374, a Russian
 * 8 9XX XXX XX XX becomes +79XXXXXXXXX.
 * Document numbers: upper-case ASCII letters and digits only.
 *
 * A norm_t holds the ICU transliterator and a cache from token to normalised
 * token, so the cost of ICU is paid once per distinct non-ASCII word.
 * Thread model: one norm_t per thread. Outputs are written into the caller's
 * buffer and are always NUL-terminated.
 */
#ifndef TW_NORM_H
#define TW_NORM_H

#include <stddef.h>

#include "base/err.h"

typedef struct norm norm_t;

/* TW_ENOMEM, or TW_EINTERNAL when ICU lacks a transform. Free with norm_close(). */
tw_err_t norm_open(norm_t **out);
void norm_close(norm_t *n);

/* For every function below: `in` is UTF-8 of `len` bytes (need not be
 * NUL-terminated); the result goes to out[0..cap) with *outlen set to its
 * length (outlen may be NULL).
 * TW_EINPUT: the input is not valid UTF-8, or (phone) cannot be read as a
 * phone number, or (document number) holds a character other than ASCII
 * letters, digits, separators and Cyrillic look-alikes, or nothing at all;
 * out is "" then. TW_ETOOBIG: the result does not fit `cap` (out is ""), or
 * a name or address is longer than 1 MiB. A name, address or phone with
 * nothing comparable in it (only punctuation) gives "" and TW_OK.
 * 6 * len + 16 bytes of out are enough for every input we know of (worst:
 * U+FDFA, 5.67 bytes per input byte); see docs/internals/norm.md. */
tw_err_t norm_name(norm_t *n, const char *in, size_t len, char *out, size_t cap,
                   size_t *outlen);
tw_err_t norm_address(norm_t *n, const char *in, size_t len, char *out, size_t cap,
                      size_t *outlen);
/* norm_address() of an address known to be in `region` (ISO 3166-2:AM,
 * "AM-SH"; NULL or an unknown code: not known, and an address that names
 * a region's seat is read as in that region): the region's seat is
 * written once, in front, wherever the address named it or when it names
 * no other place, and "<region> marz" is dropped (Yerevan: its name is
 * dropped, as always), so "Gyumri, Abovyan 5" and "Abovyan 5" in AM-SH are
 * one address and still not the "Abovyan 5" of another region
 * (docs/internals/norm.md, "The region's seat"). norm_address() is this
 * with region NULL. */
tw_err_t norm_address_in(norm_t *n, const char *in, size_t len, const char *region, char *out,
                         size_t cap, size_t *outlen);
tw_err_t norm_phone(const char *in, size_t len, char *out, size_t cap, size_t *outlen);
tw_err_t norm_docno(const char *in, size_t len, char *out, size_t cap, size_t *outlen);

/* 1 when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int norm_utf8_valid(const char *s, size_t len);
/* The length of the longest valid UTF-8 prefix of s[0..len): the offset of
 * the first bad byte, or len. */
size_t norm_utf8_prefix(const char *s, size_t len);

#endif
