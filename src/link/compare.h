/*
 * compare.h - the comparison functions of record linkage: how alike two
 * values of one kind are, as a small ordered set of levels.
 *
 * Every function takes two values already in their normal form (names and
 * addresses as norm.h makes them: lower-case ASCII tokens; dates as eight
 * digits YYYYMMDD, or four digits YYYY when only the year is known;
 * documents as "COUNTRY<US>DOCNO" with US = 0x1f, or just "DOCNO"), each as
 * a pointer and a length (need not be NUL-terminated, may hold any byte),
 * and returns a level. Level 0 is always "missing" (either side empty) and
 * carries no evidence; level 1 is the strongest agreement; the last level
 * is "different". The model (link.h) learns an m and a u probability for
 * each level of each field.
 *
 * Invariants:
 *   1. Symmetric: compare(a, b) == compare(b, a) for every function.
 *   2. Total: any bytes of any length give a level in [0, levels); nothing
 *      is read outside [p, p+len); strings past LINK_CMP_MAX bytes are
 *      compared on their first LINK_CMP_MAX bytes (a name is never that
 *      long; a hostile field must not cost quadratic time).
 *   3. No allocation, no global state: callable from any thread.
 * fuzz/fuzz_compare.c drives every function with arbitrary bytes.
 */
#ifndef TW_LINK_COMPARE_H
#define TW_LINK_COMPARE_H

#include <stddef.h>
#include <stdint.h>

#define LINK_CMP_MAX 64

/* Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4). */
double link_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen);

/* 1 when a and b differ by at most one edit (insertion, deletion,
 * substitution, or transposition of two adjacent characters). */
int link_one_edit(const char *a, size_t alen, const char *b, size_t blen);

/* A phonetic key of a normalised (Latin) name for comparing transliteration
 * variants: vowels after the first letter dropped, letters that sound alike
 * folded (k/c/q/g-h, v/w/f, s/z/ts, j/y/i, ...), doubled letters collapsed;
 * at most 8 letters into out[0..cap). Returns its length (0 for an empty
 * or letter-less name). A multi-token name is keyed on its first token. */
size_t link_sound_key(const char *s, size_t len, char *out, size_t cap);

/* Names (given or family). a2/b2 are the *other* name part of each record
 * (the family name when a/b are given names), used for the swapped level;
 * they may be empty. */
enum {
    LINK_NAME_MISSING = 0,
    LINK_NAME_EXACT,
    LINK_NAME_VARIANT,  /* same phonetic key: a transliteration variant */
    LINK_NAME_JW92,     /* Jaro-Winkler >= 0.92 */
    LINK_NAME_JW80,     /* Jaro-Winkler >= 0.80 */
    LINK_NAME_INITIAL,  /* one side is the initial of the other */
    LINK_NAME_SWAPPED,  /* equals the other record's other name part */
    LINK_NAME_DIFFERENT,
    LINK_NAME_LEVELS
};
int link_cmp_name(const char *a, size_t alen, const char *a2, size_t a2len, const char *b,
                  size_t blen, const char *b2, size_t b2len);
/* The same for a caller that has already found the two names neither equal
 * nor of one phonetic key (it keeps the keys): the levels from JW92 on. */
int link_cmp_name_rest(const char *a, size_t alen, const char *a2, size_t a2len,
                       const char *b, size_t blen, const char *b2, size_t b2len);

/* Dates: YYYYMMDD, or YYYY (year only). Anything else of eight digits
 * (a corrupted 19450493) is still compared digit by digit. */
enum {
    LINK_DATE_MISSING = 0,
    LINK_DATE_EXACT,
    LINK_DATE_SWAPPED,  /* day and month exchanged */
    LINK_DATE_ONE_OFF,  /* one digit different, or one edit */
    LINK_DATE_YEAR,     /* same year only (or one side knows only the year) */
    LINK_DATE_DIFFERENT,
    LINK_DATE_LEVELS
};
int link_cmp_date(const char *a, size_t alen, const char *b, size_t blen);

/* Identifiers (document, social security number, postcode): exact, one
 * edit, else. With a country part (documents), the same number under a
 * different issuing country is its own level. */
enum {
    LINK_ID_MISSING = 0,
    LINK_ID_EXACT,
    LINK_ID_ONE_EDIT,
    LINK_ID_COUNTRY_DIFFERS,
    LINK_ID_DIFFERENT,
    LINK_ID_LEVELS
};
int link_cmp_id(const char *a, size_t alen, const char *b, size_t blen);

/* Free text in a normal form (addresses, places): exact, Jaro-Winkler
 * >= 0.92, >= 0.80, else. */
enum {
    LINK_TEXT_MISSING = 0,
    LINK_TEXT_EXACT,
    LINK_TEXT_JW92,
    LINK_TEXT_JW80,
    LINK_TEXT_DIFFERENT,
    LINK_TEXT_LEVELS
};
int link_cmp_text(const char *a, size_t alen, const char *b, size_t blen);

/* Codes (region, sex, citizenship, house number): exact or not. */
enum { LINK_CODE_MISSING = 0, LINK_CODE_EXACT, LINK_CODE_DIFFERENT, LINK_CODE_LEVELS };
int link_cmp_code(const char *a, size_t alen, const char *b, size_t blen);

/* Phones in E.164: exact, the same last seven digits, else. */
enum {
    LINK_PHONE_MISSING = 0,
    LINK_PHONE_EXACT,
    LINK_PHONE_LAST7,
    LINK_PHONE_DIFFERENT,
    LINK_PHONE_LEVELS
};
int link_cmp_phone(const char *a, size_t alen, const char *b, size_t blen);

#endif
