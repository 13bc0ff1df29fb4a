/*
 * compare.c - comparison levels of record linkage (contract in compare.h).
 *
 * Jaro-Winkler is the classic one (Winkler 1990): matching characters
 * within half the longer length, transpositions halved, a bonus of 0.1 per
 * common prefix character up to four. Strings are clipped to LINK_CMP_MAX
 * bytes first, so the flags live on the stack and the cost is bounded.
 *
 * The phonetic key is ours, made for the transliteration variants the three
 * scripts produce (kh/h/x, zh/dzh/j, ts/tz/c, shch/sch/sh, v/w/ff, g/h as
 * Russian and Ukrainian write the same letter): it folds the letters that
 * transliteration tables disagree on and keeps the consonant skeleton.
 * Thread model: pure functions.
 */
#include "link/compare.h"

#include <string.h>

static size_t clip(size_t n)
{
    return n > LINK_CMP_MAX ? LINK_CMP_MAX : n;
}

double link_jaro_winkler(const char *a, size_t alen, const char *b, size_t blen)
{
    unsigned char am[LINK_CMP_MAX], bm[LINK_CMP_MAX];
    size_t i, j, k, m = 0, t = 0, window, prefix = 0;
    double jaro;

    alen = clip(alen);
    blen = clip(blen);
    /* The greedy matching depends on which side leads: a canonical order
     * keeps the function symmetric (invariant 1). */
    if (blen < alen || (blen == alen && memcmp(b, a, alen) < 0)) {
        const char *tp = a;
        size_t tl = alen;
        a = b;
        alen = blen;
        b = tp;
        blen = tl;
    }
    if (alen == 0 && blen == 0)
        return 1.0;
    if (alen == 0 || blen == 0)
        return 0.0;
    window = (alen > blen ? alen : blen) / 2;
    window = window > 0 ? window - 1 : 0;
    memset(am, 0, sizeof am);
    memset(bm, 0, sizeof bm);
    for (i = 0; i < alen; i++) {
        size_t lo = i > window ? i - window : 0;
        size_t hi = i + window + 1 < blen ? i + window + 1 : blen;
        for (j = lo; j < hi; j++) {
            if (!bm[j] && a[i] == b[j]) {
                am[i] = bm[j] = 1;
                m++;
                break;
            }
        }
    }
    if (m == 0)
        return 0.0;
    for (i = 0, k = 0; i < alen; i++) {
        if (!am[i])
            continue;
        while (k < blen && !bm[k])
            k++;
        if (k < blen && a[i] != b[k])
            t++;
        k++;
    }
    jaro = ((double)m / (double)alen + (double)m / (double)blen +
            ((double)m - (double)t / 2.0) / (double)m) /
           3.0;
    while (prefix < 4 && prefix < alen && prefix < blen && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

int link_one_edit(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i = 0, d;

    alen = clip(alen);
    blen = clip(blen);
    d = alen > blen ? alen - blen : blen - alen;
    if (d > 1)
        return 0;
    while (i < alen && i < blen && a[i] == b[i])
        i++;
    if (i == alen && i == blen)
        return 1;
    if (alen == blen) {
        /* substitution, or transposition of a[i], a[i+1] */
        if (memcmp(a + i + 1, b + i + 1, alen - i - 1) == 0)
            return 1;
        return i + 1 < alen && a[i] == b[i + 1] && a[i + 1] == b[i] &&
               memcmp(a + i + 2, b + i + 2, alen - i - 2) == 0;
    }
    if (alen > blen) /* deletion from a */
        return memcmp(a + i + 1, b + i, alen - i - 1) == 0;
    return memcmp(a + i, b + i + 1, blen - i - 1) == 0;
}

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' || c == 'j';
}

static int starts(const char *s, size_t len, size_t i, const char *w)
{
    size_t n = strlen(w);
    return i + n <= len && memcmp(s + i, w, n) == 0;
}

size_t link_sound_key(const char *s, size_t len, char *out, size_t cap)
{
    size_t i = 0, n = 0;
    char last = 0;

    if (cap == 0)
        return 0;
    len = clip(len);
    while (i < len && !(s[i] >= 'a' && s[i] <= 'z'))
        i++;
    while (i < len && n + 1 < cap && n < 8) {
        char c = s[i], code;
        size_t step = 1;

        if (!(c >= 'a' && c <= 'z'))
            break; /* first token only */
        if (starts(s, len, i, "shch")) {
            code = 'S';
            step = 4;
        } else if (starts(s, len, i, "dzh")) {
            code = 'Z';
            step = 3;
        } else if (starts(s, len, i, "sch") || starts(s, len, i, "sh")) {
            code = 'S';
            step = s[i + 1] == 'c' ? 3 : 2;
        } else if (starts(s, len, i, "tch") || starts(s, len, i, "ch")) {
            code = 'C';
            step = s[i] == 't' ? 3 : 2;
        } else if (starts(s, len, i, "zh") || starts(s, len, i, "dj")) {
            code = 'Z';
            step = 2;
        } else if (starts(s, len, i, "kh") || starts(s, len, i, "gh")) {
            code = 'h';
            step = 2;
        } else if (starts(s, len, i, "ts") || starts(s, len, i, "tz")) {
            code = 'c';
            step = 2;
        } else if (starts(s, len, i, "ph")) {
            code = 'f';
            step = 2;
        } else if (starts(s, len, i, "th")) {
            code = 't';
            step = 2;
        } else if (starts(s, len, i, "ck")) {
            code = 'k';
            step = 2;
        } else if (c == 'x') {
            /* ks: emit k now and s next */
            if (last != 'k' && n + 1 < cap && n < 8)
                out[n++] = 'k';
            last = 'k';
            code = 's';
        } else if (c == 'c') {
            char d = i + 1 < len ? s[i + 1] : 0;
            code = (d == 'e' || d == 'i' || d == 'y') ? 's' : 'k';
        } else if (c == 'q') {
            code = 'k';
        } else if (c == 'g') {
            code = 'h';
        } else if (c == 'v' || c == 'w') {
            code = 'f';
        } else if (c == 'z') {
            code = 's';
        } else if (is_vowel(c)) {
            code = n == 0 ? 'a' : 0;
        } else {
            code = c;
        }
        i += step;
        if (code == 0) {
            last = 0;
            continue;
        }
        if (code != last && n + 1 < cap && n < 8)
            out[n++] = code;
        last = code;
    }
    out[n < cap ? n : cap - 1] = '\0';
    return n;
}

int link_cmp_name(const char *a, size_t alen, const char *a2, size_t a2len, const char *b,
                  size_t blen, const char *b2, size_t b2len)
{
    char ka[16], kb[16];
    size_t na, nb;

    if (alen == 0 || blen == 0)
        return LINK_NAME_MISSING;
    if (alen == blen && memcmp(a, b, alen) == 0)
        return LINK_NAME_EXACT;
    na = link_sound_key(a, alen, ka, sizeof ka);
    nb = link_sound_key(b, blen, kb, sizeof kb);
    if (na > 0 && na == nb && memcmp(ka, kb, na) == 0)
        return LINK_NAME_VARIANT;
    return link_cmp_name_rest(a, alen, a2, a2len, b, blen, b2, b2len);
}

int link_cmp_name_rest(const char *a, size_t alen, const char *a2, size_t a2len,
                       const char *b, size_t blen, const char *b2, size_t b2len)
{
    double jw;

    if (alen == 0 || blen == 0)
        return LINK_NAME_MISSING;
    jw = link_jaro_winkler(a, alen, b, blen);
    if (jw >= 0.92)
        return LINK_NAME_JW92;
    if (a2len > 0 && b2len > 0 && link_jaro_winkler(a, alen, b2, b2len) >= 0.92 &&
        link_jaro_winkler(b, blen, a2, a2len) >= 0.92)
        return LINK_NAME_SWAPPED;
    /* one side knows one name only ("Lebedev", in a report), and it is
     * the other side's other part */
    if ((a2len == 0 && b2len > 0 && link_jaro_winkler(a, alen, b2, b2len) >= 0.92) ||
        (b2len == 0 && a2len > 0 && link_jaro_winkler(b, blen, a2, a2len) >= 0.92))
        return LINK_NAME_SWAPPED;
    if (jw >= 0.80)
        return LINK_NAME_JW80;
    if ((alen == 1 && a[0] == b[0]) || (blen == 1 && a[0] == b[0]))
        return LINK_NAME_INITIAL;
    return LINK_NAME_DIFFERENT;
}

static int all_digits(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int link_cmp_date(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i, diff = 0;

    if (alen == 0 || blen == 0)
        return LINK_DATE_MISSING;
    if (alen == 8 && blen == 8 && all_digits(a, 8) && all_digits(b, 8)) {
        if (memcmp(a, b, 8) == 0)
            return LINK_DATE_EXACT;
        if (memcmp(a, b, 4) == 0 && memcmp(a + 4, b + 6, 2) == 0 &&
            memcmp(a + 6, b + 4, 2) == 0)
            return LINK_DATE_SWAPPED;
        for (i = 0; i < 8; i++)
            diff += a[i] != b[i];
        if (diff <= 1 || link_one_edit(a, 8, b, 8))
            return LINK_DATE_ONE_OFF;
        if (memcmp(a, b, 4) == 0)
            return LINK_DATE_YEAR;
        return LINK_DATE_DIFFERENT;
    }
    if ((alen == 4 || blen == 4) && alen >= 4 && blen >= 4 && all_digits(a, 4) &&
        all_digits(b, 4))
        return memcmp(a, b, 4) == 0 ? LINK_DATE_YEAR : LINK_DATE_DIFFERENT;
    if (alen == blen && memcmp(a, b, alen) == 0)
        return LINK_DATE_EXACT;
    if (link_one_edit(a, alen, b, blen))
        return LINK_DATE_ONE_OFF;
    return LINK_DATE_DIFFERENT;
}

/* Splits "COUNTRY<US>NUMBER" into its parts; no US: country empty. */
static void split_doc(const char *s, size_t len, const char **c, size_t *clen, const char **n,
                      size_t *nlen)
{
    const char *us = memchr(s, 0x1f, len);
    if (!us) {
        *c = s;
        *clen = 0;
        *n = s;
        *nlen = len;
        return;
    }
    *c = s;
    *clen = (size_t)(us - s);
    *n = us + 1;
    *nlen = len - *clen - 1;
}

int link_cmp_id(const char *a, size_t alen, const char *b, size_t blen)
{
    const char *ac, *an, *bc, *bn;
    size_t acl, anl, bcl, bnl;
    int same_country;

    split_doc(a, alen, &ac, &acl, &an, &anl);
    split_doc(b, blen, &bc, &bcl, &bn, &bnl);
    if (anl == 0 || bnl == 0)
        return LINK_ID_MISSING;
    same_country = acl == 0 || bcl == 0 || (acl == bcl && memcmp(ac, bc, acl) == 0);
    if (anl == bnl && memcmp(an, bn, anl) == 0)
        return same_country ? LINK_ID_EXACT : LINK_ID_COUNTRY_DIFFERS;
    if (same_country && link_one_edit(an, anl, bn, bnl))
        return LINK_ID_ONE_EDIT;
    return LINK_ID_DIFFERENT;
}

int link_cmp_text(const char *a, size_t alen, const char *b, size_t blen)
{
    double jw;

    if (alen == 0 || blen == 0)
        return LINK_TEXT_MISSING;
    if (alen == blen && memcmp(a, b, alen) == 0)
        return LINK_TEXT_EXACT;
    jw = link_jaro_winkler(a, alen, b, blen);
    if (jw >= 0.92)
        return LINK_TEXT_JW92;
    if (jw >= 0.80)
        return LINK_TEXT_JW80;
    return LINK_TEXT_DIFFERENT;
}

int link_cmp_code(const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen == 0 || blen == 0)
        return LINK_CODE_MISSING;
    return alen == blen && memcmp(a, b, alen) == 0 ? LINK_CODE_EXACT : LINK_CODE_DIFFERENT;
}

/* The last seven digits of s into out; 0 when fewer than seven. */
static int last7(const char *s, size_t len, char out[7])
{
    int n = 0;
    size_t i = len;
    while (i > 0 && n < 7) {
        char c = s[--i];
        if (c >= '0' && c <= '9')
            out[6 - n++] = c;
    }
    return n == 7;
}

int link_cmp_phone(const char *a, size_t alen, const char *b, size_t blen)
{
    char la[7], lb[7];

    if (alen == 0 || blen == 0)
        return LINK_PHONE_MISSING;
    if (alen == blen && memcmp(a, b, alen) == 0)
        return LINK_PHONE_EXACT;
    if (last7(a, alen, la) && last7(b, blen, lb) && memcmp(la, lb, 7) == 0)
        return LINK_PHONE_LAST7;
    return LINK_PHONE_DIFFERENT;
}
