/*
 * fuzz_compare.c - libFuzzer target for the comparison functions of record
 * linkage (src/link/compare.c).
 *
 * The input is split at its first 0xff byte (or its middle) into two
 * values a and b, and a and b are split again at their first 0x1e into a
 * value and its "other name part". Every comparison function runs on
 * (a, b) and on (b, a), and the checks of compare.h hold: the level is in
 * range, the functions are symmetric, Jaro-Winkler is in [0, 1] and 1 for
 * equal strings, a value compared with itself is "exact" (or "missing"
 * when empty), the sound key is NUL-terminated and at most 8 letters.
 * A broken check calls abort(), which libFuzzer reports as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "link/compare.h"

#define CHECK(c)                                                                        \
    do {                                                                                \
        if (!(c)) {                                                                     \
            fprintf(stderr, "fuzz_compare: check failed at line %d: %s\n", __LINE__, #c); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void split(const char *s, size_t n, int sep, const char **a, size_t *an, const char **b,
                  size_t *bn)
{
    const char *p = memchr(s, sep, n);
    if (!p) {
        *a = s;
        *an = n;
        *b = s + n;
        *bn = 0;
        return;
    }
    *a = s;
    *an = (size_t)(p - s);
    *b = p + 1;
    *bn = n - *an - 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *a, *b, *a1, *a2, *b1, *b2;
    size_t an, bn, a1n, a2n, b1n, b2n, kn;
    char key[16];
    double jw;
    int l1, l2;

    if (memchr(s, 0xff, size))
        split(s, size, 0xff, &a, &an, &b, &bn);
    else {
        a = s;
        an = size / 2;
        b = s + an;
        bn = size - an;
    }
    split(a, an, 0x1e, &a1, &a1n, &a2, &a2n);
    split(b, bn, 0x1e, &b1, &b1n, &b2, &b2n);

    jw = link_jaro_winkler(a1, a1n, b1, b1n);
    CHECK(jw >= 0.0 && jw <= 1.0 + 1e-9);
    CHECK(jw == link_jaro_winkler(b1, b1n, a1, a1n));
    CHECK(link_jaro_winkler(a1, a1n, a1, a1n) >= 1.0 - 1e-9);
    CHECK(link_one_edit(a1, a1n, b1, b1n) == link_one_edit(b1, b1n, a1, a1n));
    CHECK(link_one_edit(a1, a1n, a1, a1n) == 1);

    kn = link_sound_key(a1, a1n, key, sizeof key);
    CHECK(kn <= 8 && strlen(key) == kn);
    kn = link_sound_key(a1, a1n, key, 3);
    CHECK(kn <= 2 && strlen(key) == kn);

    l1 = link_cmp_name(a1, a1n, a2, a2n, b1, b1n, b2, b2n);
    l2 = link_cmp_name(b1, b1n, b2, b2n, a1, a1n, a2, a2n);
    CHECK(l1 >= 0 && l1 < LINK_NAME_LEVELS && l1 == l2);
    CHECK(link_cmp_name(a1, a1n, a2, a2n, a1, a1n, a2, a2n) ==
          (a1n ? LINK_NAME_EXACT : LINK_NAME_MISSING));

    l1 = link_cmp_date(a, an, b, bn);
    CHECK(l1 >= 0 && l1 < LINK_DATE_LEVELS && l1 == link_cmp_date(b, bn, a, an));
    l1 = link_cmp_id(a, an, b, bn);
    CHECK(l1 >= 0 && l1 < LINK_ID_LEVELS && l1 == link_cmp_id(b, bn, a, an));
    l1 = link_cmp_text(a, an, b, bn);
    CHECK(l1 >= 0 && l1 < LINK_TEXT_LEVELS && l1 == link_cmp_text(b, bn, a, an));
    l1 = link_cmp_code(a, an, b, bn);
    CHECK(l1 >= 0 && l1 < LINK_CODE_LEVELS && l1 == link_cmp_code(b, bn, a, an));
    l1 = link_cmp_phone(a, an, b, bn);
    CHECK(l1 >= 0 && l1 < LINK_PHONE_LEVELS && l1 == link_cmp_phone(b, bn, a, an));
    return 0;
}
