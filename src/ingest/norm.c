/*
 * norm.c - comparable forms of names, addresses, phones and document numbers.
 *
 * Names and addresses go through two stages (docs/internals/norm.md):
 *
 *   stage 1 (script): the input is cut into chunks at ASCII separators. A
 *     pure-ASCII chunk is lower-cased and becomes one token without touching
 *     utf8proc or ICU. Any other chunk is looked up in the per-norm_t cache;
 *     on a miss it is validated, NFKC + case folded (utf8proc), transliterated
 *     (ICU, see TRANSLIT_RULES) and cut into [a-z0-9] tokens, and the result
 *     is cached under the chunk's raw bytes.
 *   stage 2 (words): name tokens pass the spelling rules and the variant
 *     table; address tokens pass the address-word table, the ending rules and
 *     a reordering of street types; then the tokens are written to the
 *     caller's buffer joined by one space.
 *
 * Invariants:
 *   1. Every chunk in the cache was valid UTF-8, so a cache hit needs no
 *      validation; chunks never contain an ASCII separator, so splitting the
 *      input at ASCII separators and validating each non-ASCII chunk
 *      validates the whole input.
 *   2. A cached value is a tokval_t in n->vals, tokens already joined by one
 *      space, no leading or trailing space, only [a-z0-9 ].
 *   3. VARIANTS is sorted by key (memcmp order), every key and every value is
 *      a fixed point of name_rules(), and no value is also a key. norm_open()
 *      checks this and fails with TW_EINTERNAL otherwise; so does ADDRWORDS's
 *      sort order.
 *   4. The ASCII path and a cache hit allocate nothing once the scratch
 *      buffers have grown to the largest input seen.
 *
 * Thread model: a norm_t belongs to one thread. norm_phone(), norm_docno()
 * and norm_utf8_valid() are pure and thread-safe. Outputs go to the caller's
 * buffer; nothing returned is owned by this module.
 */
#include "ingest/norm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>
#include <unicode/utypes.h>
#include <utf8proc.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/strmap.h"

/* Largest name or address accepted, in bytes; and the most bytes the tokens
 * of one input may take after transliteration. */
#define NORM_MAX_INPUT (1u << 20)
#define NORM_MAX_TEXT (4u << 20)
/* The cache is emptied when it holds this many chunks (memory bound, about
 * 100 bytes per entry). */
#define NORM_CACHE_MAX (1u << 18)
/* Chunks longer than this are transliterated every time, never cached. */
#define NORM_CACHE_KEY_MAX 256
/* Name rules and tables apply to tokens up to this length. */
#define NORM_WORD_MAX 48

/* NFKC + case folding + removal of default-ignorable code points (soft
 * hyphen, zero-width joiners), as utf8proc_map() would with these flags. */
#define NFKC_CF_OPTIONS                                                        \
    (UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | \
     UTF8PROC_IGNORE)

/*
 * The main transliterator. Its input is already NFKC + case folded, so only
 * lower case matters.
 *
 * Armenian-Latin/BGN is right for Armenian except in two places, both fixed
 * by the rule block in front of it:
 *   - ICU matches a rule's left context against text it has already
 *     transliterated, and BGN writes the aspirates թ փ չ ք ց with an
 *     apostrophe (t’ p’ ch’ k’ ts’). The apostrophe is not a letter, so the
 *     next ո is taken as word-initial and becomes "vo": Քոչարյան ->
 *     "K’voch’aryan", փողոց -> "p’voghots’". We turn such ո into "o" first
 *     (ու stays a digraph).
 *   - ռ becomes "rr" (Ռուբեն -> "Rruben"); Armenian passports and every Latin
 *     register write "r" (Ruben), so ռ is mapped to ր first.
 * Russian-Latin/BGN must come before Any-Latin: Any-Latin's Cyrillic is the
 * scholarly system (й -> j, х -> h, ж -> ž), which is not how Russian names
 * are written in Latin. Any-Latin then takes what is left (Georgian, Greek,
 * Arabic, Indic, CJK...). The hard and soft signs (ʺ ʹ, also what the
 * Ukrainian pass makes of an apostrophe) are deleted before Latin-ASCII would
 * turn them into '"' and '\''.
 */
static const char TRANSLIT_RULES[] =
    "ո } ւ → ո ;\n"
    "[թփչքց] { ո → o ;\n"
    "ռ → ր ;\n"
    ":: Armenian-Latin/BGN ;\n"
    ":: Russian-Latin/BGN ;\n"
    ":: Any-Latin ;\n"
    "[ʹʺ] → ;\n"
    ":: Latin-ASCII ;\n";

/* Ukrainian and Belarusian words are recognised by letters Russian lacks
 * (і ї є ґ; ў). Such a chunk first passes the matching BGN transliterator
 * (г -> h, и -> y as Ukrainian passports have it), then the main one. */
static const char TRANSLIT_UK[] = "Ukrainian-Latin/BGN";
static const char TRANSLIT_BE[] = "Belarusian-Latin/BGN";

typedef struct {
    uint32_t len;
    char s[];
} tokval_t;

typedef struct {
    uint32_t off;  /* into n->txt */
    uint32_t len;
    uint8_t seg;   /* 1: an address segment (",", ";", newline...) starts here */
    uint8_t kind;  /* address stage: TK_* */
    const char *s; /* address stage: replacement text, or NULL for txt[off] */
} tok_t;

struct norm {
    UTransliterator *tr_main;
    UTransliterator *tr_uk;
    UTransliterator *tr_be;
    strmap_t cache; /* raw chunk -> (uintptr_t)tokval_t* */
    arena_t vals;
    /* scratch, grown on demand and kept */
    int32_t *cp;
    size_t cpcap;
    UChar *u16;
    size_t u16cap;
    tw_buf_t tmp; /* one chunk's tokens */
    char *txt;    /* token text of the current input, not NUL-terminated */
    size_t txtcap, txtlen;
    tok_t *tok;
    size_t tokcap, ntok;
    /* quick rejection before the binary searches: bit L of mask[c - 'a']
     * is set when a key of length L starts with c */
    uint64_t vmask[26], amask[26];
    uint64_t smask[26]; /* the same for the region seats' forms (tok_is_seat) */
    uint8_t cls[256]; /* BC_* of each byte */
};

/* Byte classes of the stage 1 scanner. */
enum {
    BC_SEP = 0,  /* ASCII separator */
    BC_SEG,      /* ASCII separator that also starts an address segment */
    BC_ALNUM,    /* A-Z a-z 0-9 */
    BC_APOS,     /* ' ` : deleted inside a word */
    BC_HIGH      /* a byte of a non-ASCII character */
};

/* ---------------------------------------------------------------- UTF-8 */

size_t norm_utf8_prefix(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    uint64_t w;

    while (p < end) {
        unsigned c = *p;
        size_t left;

        if (c < 0x80) {
            /* skip ASCII eight bytes at a time */
            while ((size_t)(end - p) >= 8) {
                memcpy(&w, p, 8);
                if (w & 0x8080808080808080ULL)
                    break;
                p += 8;
            }
            while (p < end && *p < 0x80)
                p++;
            continue;
        }
        left = (size_t)(end - p);
        if (c >= 0xC2 && c <= 0xDF) {
            if (left < 2 || (p[1] & 0xC0) != 0x80)
                return (size_t)(p - (const unsigned char *)s);
            p += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (left < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
                return (size_t)(p - (const unsigned char *)s);
            if (c == 0xE0 && p[1] < 0xA0) /* overlong */
                return (size_t)(p - (const unsigned char *)s);
            if (c == 0xED && p[1] > 0x9F) /* surrogate */
                return (size_t)(p - (const unsigned char *)s);
            p += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (left < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
                (p[3] & 0xC0) != 0x80)
                return (size_t)(p - (const unsigned char *)s);
            if (c == 0xF0 && p[1] < 0x90) /* overlong */
                return (size_t)(p - (const unsigned char *)s);
            if (c == 0xF4 && p[1] > 0x8F) /* above U+10FFFF */
                return (size_t)(p - (const unsigned char *)s);
            p += 4;
        } else {
            return (size_t)(p - (const unsigned char *)s); /* continuation byte, C0, C1, F5..FF */
        }
    }
    return len;
}

int norm_utf8_valid(const char *s, size_t len)
{
    return norm_utf8_prefix(s, len) == len;
}

/* Decodes one code point of valid UTF-8 at *p. */
static uint32_t utf8_next(const unsigned char **pp)
{
    const unsigned char *p = *pp;
    uint32_t c = p[0];

    if (c < 0x80) {
        *pp = p + 1;
    } else if (c < 0xE0) {
        c = ((c & 0x1F) << 6) | (p[1] & 0x3F);
        *pp = p + 2;
    } else if (c < 0xF0) {
        c = ((c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        *pp = p + 3;
    } else {
        c = ((c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
            ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
        *pp = p + 4;
    }
    return c;
}

/* ---------------------------------------------------------------- helpers */

static int is_alnum(unsigned c)
{
    return (c - 'a' < 26u) || (c - 'A' < 26u) || (c - '0' < 10u);
}

static int is_digit(unsigned c)
{
    return c - '0' < 10u;
}

static unsigned char lower(unsigned c)
{
    return (unsigned char)(c - 'A' < 26u ? c + 32 : c);
}

/* ASCII characters deleted inside a word instead of splitting it. */
static int is_apos(unsigned c)
{
    return c == '\'' || c == '`';
}

/* ASCII characters that end an address segment. */
static int is_segbreak(unsigned c)
{
    return c == ',' || c == ';' || c == '\n' || c == '\r' || c == '|' || c == '(' ||
           c == ')';
}

/* Non-ASCII code points deleted inside a word: combining marks, modifier
 * letters and symbols (ʹ ʼ ʻ ʿ ...), typographic apostrophes, and the
 * Armenian apostrophe, emphasis, exclamation, question and abbreviation
 * marks, which are written on top of a word's letters. */
static int is_wordmark(UChar32 c)
{
    int8_t t;

    if (c == 0x2018 || c == 0x2019 || c == 0x055A || c == 0x055B || c == 0x055C ||
        c == 0x055E || c == 0x055F)
        return 1;
    t = u_charType(c);
    return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK ||
           t == U_COMBINING_SPACING_MARK || t == U_MODIFIER_LETTER ||
           t == U_MODIFIER_SYMBOL;
}

static tw_err_t grow_array(void **p, size_t *cap, size_t need, size_t elsize)
{
    size_t ncap = *cap ? *cap : 64;
    void *np;

    if (need <= *cap)
        return TW_OK;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elsize)
        return TW_ETOOBIG;
    np = realloc(*p, ncap * elsize);
    if (!np)
        return TW_ENOMEM;
    *p = np;
    *cap = ncap;
    return TW_OK;
}

/* Records the token txt[off..off+len). */
static tw_err_t push_token(norm_t *n, size_t off, size_t len, int seg)
{
    tok_t *t;
    tw_err_t err;

    if (n->ntok == n->tokcap) {
        err = grow_array((void **)&n->tok, &n->tokcap, n->ntok + 1, sizeof(*n->tok));
        if (err)
            return err;
    }
    t = &n->tok[n->ntok++];
    t->off = (uint32_t)off;
    t->len = (uint32_t)len;
    t->seg = (uint8_t)seg;
    t->kind = 0;
    t->s = NULL;
    return TW_OK;
}

static const char *tok_str(const norm_t *n, const tok_t *t)
{
    return t->s ? t->s : n->txt + t->off;
}

/* ------------------------------------------------------- transliteration */

static tw_err_t icu_err(UErrorCode st)
{
    return st == U_MEMORY_ALLOCATION_ERROR ? TW_ENOMEM : TW_EINTERNAL;
}

/* Runs `t` over n->u16[0..*ulen). TW_ETOOBIG with *ulen = the length needed
 * when n->u16 is too small; n->u16 is garbage then. */
static tw_err_t run_trans(norm_t *n, UTransliterator *t, int32_t *ulen)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t len = *ulen, limit = *ulen;
    int32_t cap = n->u16cap > INT32_MAX ? INT32_MAX : (int32_t)n->u16cap;

    utrans_transUChars(t, n->u16, &len, cap, 0, &limit, &st);
    *ulen = len;
    if (st == U_BUFFER_OVERFLOW_ERROR)
        return TW_ETOOBIG;
    if (U_FAILURE(st))
        return icu_err(st);
    return TW_OK;
}

/* Cuts the ICU result (or the NFKC text when ICU was not needed) into
 * tokens in n->tmp: ASCII alnum lower-cased, apostrophes and word marks
 * deleted, anything else a separator. */
static tw_err_t tokenise_u16(norm_t *n, const UChar *u, int32_t ulen)
{
    int32_t i = 0;
    int sep = 0;
    UChar32 c;
    tw_err_t err;

    buf_reset(&n->tmp);
    while (i < ulen) {
        U16_NEXT(u, i, ulen, c);
        if (c < 0x80 && is_alnum((unsigned)c)) {
            if (sep && n->tmp.len) {
                err = buf_addc(&n->tmp, ' ');
                if (err)
                    return err;
            }
            sep = 0;
            err = buf_addc(&n->tmp, (char)lower((unsigned)c));
            if (err)
                return err;
        } else if (c < 0x80 ? is_apos((unsigned)c) : is_wordmark(c)) {
            continue;
        } else {
            sep = 1;
        }
    }
    return TW_OK;
}

/* NFKC + case fold + transliterate one chunk of valid UTF-8 into n->tmp. */
static tw_err_t transliterate(norm_t *n, const char *s, size_t len)
{
    utf8proc_ssize_t ncp;
    size_t i, need;
    int32_t ulen;
    int ascii, uk, be;
    tw_err_t err;

    if (len > NORM_MAX_INPUT)
        return TW_ETOOBIG;
    /* NFKC can turn one code point into up to 18 (U+FDFA), so utf8proc
     * says how many it needs when the buffer is short, and we retry. */
    for (;;) {
        ncp = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len,
                                 n->cp, (utf8proc_ssize_t)n->cpcap, NFKC_CF_OPTIONS);
        if (ncp < 0)
            return ncp == UTF8PROC_ERROR_NOMEM        ? TW_ENOMEM
                   : ncp == UTF8PROC_ERROR_INVALIDUTF8 ? TW_EINPUT
                                                       : TW_EINTERNAL;
        if ((size_t)ncp <= n->cpcap)
            break;
        err = grow_array((void **)&n->cp, &n->cpcap, (size_t)ncp, sizeof(*n->cp));
        if (err)
            return err;
    }
    ncp = utf8proc_normalize_utf32(n->cp, ncp, NFKC_CF_OPTIONS);
    if (ncp < 0)
        return TW_EINTERNAL;

    ascii = 1;
    uk = be = 0;
    for (i = 0; i < (size_t)ncp; i++) {
        int32_t c = n->cp[i];
        if (c >= 0x80)
            ascii = 0;
        if (c == 0x0456 || c == 0x0457 || c == 0x0454 || c == 0x0491)
            uk = 1;
        else if (c == 0x045E)
            be = 1;
    }

    /* Room for the text as UTF-16 and for what transliteration adds
     * (щ -> shch, 東 -> "dong "); grown and redone if ICU says so. */
    need = (size_t)ncp * 6 + 32;
    for (;;) {
        if (need > (size_t)INT32_MAX)
            return TW_ETOOBIG;
        err = grow_array((void **)&n->u16, &n->u16cap, need, sizeof(*n->u16));
        if (err)
            return err;
        ulen = 0;
        for (i = 0; i < (size_t)ncp; i++) {
            UChar32 c = n->cp[i];
            U16_APPEND_UNSAFE(n->u16, ulen, c);
        }
        if (ascii)
            break;
        err = TW_OK;
        if (be)
            err = run_trans(n, n->tr_be, &ulen);
        else if (uk)
            err = run_trans(n, n->tr_uk, &ulen);
        if (!err)
            err = run_trans(n, n->tr_main, &ulen);
        if (!err)
            break;
        if (err != TW_ETOOBIG)
            return err;
        need = (size_t)ulen * 2 + 32;
    }
    return tokenise_u16(n, n->u16, ulen);
}

/* The tokens of a non-ASCII chunk: from the cache, or transliterated and
 * cached. *res stays valid until the next call. */
static tw_err_t chunk_tokens(norm_t *n, const char *s, size_t len, const char **res,
                             size_t *reslen)
{
    uint64_t *v = strmap_get(&n->cache, s, len);
    tokval_t *tv;
    tw_err_t err;

    if (v) {
        tv = (tokval_t *)(uintptr_t)*v;
        *res = tv->s;
        *reslen = tv->len;
        return TW_OK;
    }
    if (!norm_utf8_valid(s, len))
        return TW_EINPUT;
    err = transliterate(n, s, len);
    if (err)
        return err;
    *res = buf_str(&n->tmp);
    *reslen = n->tmp.len;
    if (len > NORM_CACHE_KEY_MAX)
        return TW_OK;
    if (n->cache.count >= NORM_CACHE_MAX) {
        strmap_free(&n->cache);
        strmap_init(&n->cache);
        arena_free(&n->vals);
    }
    tv = arena_alloc(&n->vals, sizeof(*tv) + n->tmp.len + 1);
    if (!tv)
        return TW_ENOMEM;
    tv->len = (uint32_t)n->tmp.len;
    memcpy(tv->s, buf_str(&n->tmp), n->tmp.len + 1);
    err = strmap_put(&n->cache, s, len, (uint64_t)(uintptr_t)tv, NULL, NULL, NULL);
    if (err)
        return err;
    *res = tv->s;
    return TW_OK;
}

/* Stage 1: the input as tokens in n->tok / n->txt. */
static tw_err_t split_tokens(norm_t *n, const char *in, size_t len)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + len, *c0;
    int seg = 1, ascii;
    tw_err_t err;

    if (len > NORM_MAX_INPUT)
        return TW_ETOOBIG;
    n->ntok = 0;
    n->txtlen = 0;
    /* ASCII chunks never grow, so this is enough for all of them */
    err = grow_array((void **)&n->txt, &n->txtcap, len + 1, 1);
    if (err)
        return err;
    while (p < end) {
        unsigned cl = n->cls[*p];
        if (cl <= BC_SEG) {
            seg |= cl == BC_SEG;
            p++;
            continue;
        }
        /* a chunk: ASCII alnum, apostrophes, and any non-ASCII byte */
        c0 = p;
        ascii = 1;
        while (p < end && (cl = n->cls[*p]) > BC_SEG) {
            ascii &= cl != BC_HIGH;
            p++;
        }
        if (ascii) {
            size_t off = n->txtlen;
            char *w = n->txt + off;
            const unsigned char *q;
            for (q = c0; q < p; q++) {
                if (n->cls[*q] == BC_ALNUM)
                    *w++ = (char)lower(*q);
            }
            if (w > n->txt + off) {
                n->txtlen = (size_t)(w - n->txt);
                err = push_token(n, off, n->txtlen - off, seg);
                if (err)
                    return err;
                seg = 0;
            }
        } else {
            const char *r;
            size_t rl, i, j;
            err = chunk_tokens(n, (const char *)c0, (size_t)(p - c0), &r, &rl);
            if (err)
                return err;
            if (n->txtlen + rl + (size_t)(end - p) + 1 > NORM_MAX_TEXT)
                return TW_ETOOBIG;
            /* room for these tokens and for the ASCII rest of the input */
            err = grow_array((void **)&n->txt, &n->txtcap,
                             n->txtlen + rl + (size_t)(end - p) + 1, 1);
            if (err)
                return err;
            for (i = 0; i < rl; i = j + 1) {
                for (j = i; j < rl && r[j] != ' '; j++)
                    ;
                memcpy(n->txt + n->txtlen, r + i, j - i);
                err = push_token(n, n->txtlen, j - i, seg);
                if (err)
                    return err;
                n->txtlen += j - i;
                seg = 0;
            }
        }
    }
    return TW_OK;
}

/* ------------------------------------------------------------------ names */

/*
 * Spelling rules, applied to every all-letter name token until nothing
 * changes; they merge the systematic differences between BGN (what ICU
 * gives for Cyrillic and Armenian script), the ICAO passport scheme
 * (Russian passports since 2013: е -> e, й -> i, я -> ia, ю -> iu) and
 * common Latin spellings. Each one only ever merges spellings of one name,
 * so applying it to every token is safe even where it looks odd (Julian ->
 * julyan). Lengths are minimums for the whole token.
 *   ye-   -> e-     4  Yelena/Elena, Yeghiazaryan/Eghiazaryan, Yevgeny
 *   iu- ia- -> yu- ya-  4  Iurii/Yuriy, Iakov/Yakov, Iana/Yana
 *   -ian -jan -> -yan   6  Petrosian/Petrosjan/Petrosyan
 *   -off -eff -> -ov -ev 6  Ivanoff/Ivanov
 *   -(i|y|j)+ev(a) -> -ev(a), stem of 2 or more: Grigoryev/Grigoriev/Grigorev
 *   -skiy -skii -skij -sky -> -ski   6
 *   -ii -iy -ij -> -y   5  Dmitrii/Dmitriy/Dmitrij/Dmitry
 *   -ai -ei -oi -aj -ej -oj -> -ay -ey -oy  5  Sergei/Sergej/Sergey, Nikolai
 *   -(i|y|j)+a -> -ia   5  Natalya/Nataliya/Nataliia/Natalia, Darya/Daria
 */
static size_t name_rules(char *w, size_t len)
{
    int changed = 1, rounds = 0;
    size_t i, r;

    while (changed && rounds++ < 8) {
        changed = 0;
        if (len >= 4 && w[0] == 'y' && w[1] == 'e') {
            memmove(w, w + 1, --len);
            changed = 1;
        }
        if (len >= 4 && w[0] == 'i' && (w[1] == 'u' || w[1] == 'a')) {
            w[0] = 'y';
            changed = 1;
        }
        if (len >= 6 && w[len - 1] == 'n' && w[len - 2] == 'a' &&
            (w[len - 3] == 'i' || w[len - 3] == 'j')) {
            w[len - 3] = 'y';
            changed = 1;
        }
        if (len >= 6 && w[len - 1] == 'f' && w[len - 2] == 'f' &&
            (w[len - 3] == 'o' || w[len - 3] == 'e')) {
            w[len - 2] = 'v';
            len--;
            changed = 1;
        }
        /* -(i|y|j)+ev, -(i|y|j)+eva */
        i = len;
        if (i >= 1 && w[i - 1] == 'a')
            i--;
        if (i >= 2 && w[i - 1] == 'v' && w[i - 2] == 'e') {
            size_t e = i - 2; /* index of the 'e' */
            r = e;
            while (r > 0 && (w[r - 1] == 'i' || w[r - 1] == 'y' || w[r - 1] == 'j'))
                r--;
            if (r < e && r >= 2) {
                memmove(w + r, w + e, len - e);
                len -= e - r;
                changed = 1;
            }
        }
        if (len >= 6 && w[len - 3] == 's' && w[len - 2] == 'k' && w[len - 1] == 'y') {
            w[len - 1] = 'i';
            changed = 1;
        } else if (len >= 7 && w[len - 4] == 's' && w[len - 3] == 'k' &&
                   w[len - 2] == 'i' &&
                   (w[len - 1] == 'y' || w[len - 1] == 'i' || w[len - 1] == 'j')) {
            len--;
            changed = 1;
        } else if (len >= 5 && w[len - 2] == 'i' &&
                   (w[len - 1] == 'i' || w[len - 1] == 'y' || w[len - 1] == 'j')) {
            w[len - 2] = 'y';
            len--;
            changed = 1;
        } else if (len >= 5 && (w[len - 1] == 'i' || w[len - 1] == 'j') &&
                   (w[len - 2] == 'a' || w[len - 2] == 'e' || w[len - 2] == 'o')) {
            w[len - 1] = 'y';
            changed = 1;
        }
        /* -(i|y|j)+a -> -ia */
        if (len >= 5 && w[len - 1] == 'a') {
            r = len - 1;
            while (r > 0 && (w[r - 1] == 'i' || w[r - 1] == 'y' || w[r - 1] == 'j'))
                r--;
            if (r < len - 1 && r >= 2 && !(len - 1 - r == 1 && w[r] == 'i')) {
                w[r] = 'i';
                w[r + 1] = 'a';
                len = r + 2;
                changed = 1;
            }
        }
    }
    return len;
}

typedef struct {
    const char *key;
    const char *val;
    uint8_t klen, vlen;
} wordmap_t;

#define WM(k, v) {k, v, (uint8_t)(sizeof(k) - 1), (uint8_t)(sizeof(v) - 1)}

/*
 * Variant spellings of one name -> the spelling used to compare. Keys are
 * as they look after name_rules() (so "grigoriy", "grigorii" and "grigory"
 * need the one key "grigory"). Only spellings of the SAME name are here:
 * transliterations (Оганес oganes, western Armenian hagop, kevork), the
 * Ukrainian form of an East Slavic name (Олександр oleksandr), which the
 * same person carries in Ukrainian and Russian documents, and script-bound
 * renderings of ICU (Arabic without vowels mhmd, Devanagari with the
 * inherent final a). Equivalents in another language (Mikhail/Michael,
 * Hakob/Yakov, Gevorg/Georgiy, Mariam/Miriam, Anna/Hanna) stay distinct:
 * deciding that two people with such names are one is the linker's job.
 * Sorted by key (checked by norm_open).
 */
static const wordmap_t VARIANTS[] = {
    WM("agop", "hakob"),
    WM("ahmad", "ahmed"),
    WM("ahmet", "ahmed"),
    WM("akhmad", "ahmed"),
    WM("akhmed", "ahmed"),
    WM("akop", "hakob"),
    WM("akopyan", "hakobyan"),
    WM("aleksander", "aleksandr"),
    WM("alexander", "aleksandr"),
    WM("alexandr", "aleksandr"),
    WM("alexey", "aleksey"),
    WM("ambartsumyan", "hambardzumyan"),
    WM("arthur", "artur"),
    WM("arutyun", "harutyun"),
    WM("arutyunyan", "harutyunyan"),
    WM("asmik", "hasmik"),
    WM("ayk", "hayk"),
    WM("ayrapetyan", "hayrapetyan"),
    WM("dmitri", "dmitry"),
    WM("dmitro", "dmitry"),
    WM("dmytro", "dmitry"),
    WM("evgeni", "evgeny"),
    WM("evhen", "evgeny"),
    WM("fatimah", "fatima"),
    WM("fatma", "fatima"),
    WM("fatmh", "fatima"),
    WM("gasan", "hassan"),
    WM("gevork", "gevorg"),
    WM("gevorkyan", "gevorgyan"),
    WM("grigori", "grigor"),
    WM("grigory", "grigor"),
    WM("guseyn", "hossein"),
    WM("hagop", "hakob"),
    WM("hagopyan", "hakobyan"),
    WM("hakop", "hakob"),
    WM("hakopyan", "hakobyan"),
    WM("hambartsumyan", "hambardzumyan"),
    WM("harutiun", "harutyun"),
    WM("harutiunyan", "harutyunyan"),
    WM("hasan", "hassan"),
    WM("hosein", "hossein"),
    WM("hossain", "hossein"),
    WM("hovanes", "hovhannes"),
    WM("hovanesyan", "hovhannisyan"),
    WM("hovanisyan", "hovhannisyan"),
    WM("hovannes", "hovhannes"),
    WM("hovannisyan", "hovhannisyan"),
    WM("hovhanes", "hovhannes"),
    WM("hovhanesyan", "hovhannisyan"),
    WM("hovhanisyan", "hovhannisyan"),
    WM("hsyn", "hossein"),
    WM("husain", "hossein"),
    WM("husayn", "hossein"),
    WM("husein", "hossein"),
    WM("huseyn", "hossein"),
    WM("hussain", "hossein"),
    WM("hussein", "hossein"),
    WM("ihor", "igor"),
    WM("iryna", "irina"),
    WM("kateryna", "ekaterina"),
    WM("kevork", "gevorg"),
    WM("kevorkyan", "gevorgyan"),
    WM("kumara", "kumar"),
    WM("mahammad", "mohammed"),
    WM("mariyam", "mariam"),
    WM("maryam", "mariam"),
    WM("mhmd", "mohammed"),
    WM("michail", "mikhail"),
    WM("mikhaylo", "mikhail"),
    WM("mikola", "nikolay"),
    WM("mohamad", "mohammed"),
    WM("mohamed", "mohammed"),
    WM("mohammad", "mohammed"),
    WM("mohammada", "mohammed"),
    WM("muhamad", "mohammed"),
    WM("muhammad", "mohammed"),
    WM("muhammed", "mohammed"),
    WM("mukhammad", "mohammed"),
    WM("mukhammed", "mohammed"),
    WM("mykhailo", "mikhail"),
    WM("mykhaylo", "mikhail"),
    WM("mykola", "nikolay"),
    WM("oganes", "hovhannes"),
    WM("oganesyan", "hovhannisyan"),
    WM("oganisyan", "hovhannisyan"),
    WM("ohanes", "hovhannes"),
    WM("ohanesyan", "hovhannisyan"),
    WM("ohannes", "hovhannes"),
    WM("oleh", "oleg"),
    WM("oleksandr", "aleksandr"),
    WM("oleksy", "aleksey"),
    WM("olena", "elena"),
    WM("olha", "olga"),
    WM("ovanes", "hovhannes"),
    WM("ovanesyan", "hovhannisyan"),
    WM("ovannes", "hovhannes"),
    WM("ovannisyan", "hovhannisyan"),
    WM("ovsepyan", "hovsepyan"),
    WM("rajesa", "rajesh"),
    WM("ripsime", "hripsime"),
    WM("sarkis", "sargis"),
    WM("sarkissyan", "sargsyan"),
    WM("sarkisyan", "sargsyan"),
    WM("sergy", "sergey"),
    WM("serhy", "sergey"),
    WM("tatyana", "tatiana"),
    WM("tetiana", "tatiana"),
    WM("tetyana", "tatiana"),
    WM("vartan", "vardan"),
    WM("vartanyan", "vardanyan"),
    WM("victor", "viktor"),
    WM("volodimir", "vladimir"),
    WM("volodymyr", "vladimir"),
    WM("yuri", "yury"),
};

/* memcmp order; a loop, because the words are short and differ early. */
static int wordcmp(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i, n = alen < blen ? alen : blen;

    for (i = 0; i < n; i++) {
        if (a[i] != b[i])
            return (unsigned char)a[i] < (unsigned char)b[i] ? -1 : 1;
    }
    return alen < blen ? -1 : alen > blen;
}

static const wordmap_t *wordmap_find(const wordmap_t *tab, size_t ntab, const char *w,
                                     size_t len)
{
    size_t lo = 0, hi = ntab;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = wordcmp(w, len, tab[mid].key, tab[mid].klen);
        if (c == 0)
            return &tab[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int all_letters(const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if ((unsigned)s[i] - 'a' >= 26u)
            return 0;
    }
    return 1;
}

/* Appends s[0..len) to out at *pos, with a space before unless first. */
static tw_err_t emit(char *out, size_t cap, size_t *pos, const char *s, size_t len)
{
    size_t need = len + (*pos ? 1 : 0);

    if (need >= cap - *pos) /* keep one byte for the NUL */
        return TW_ETOOBIG;
    if (*pos)
        out[(*pos)++] = ' ';
    memcpy(out + *pos, s, len);
    *pos += len;
    return TW_OK;
}

/* 1 when mask says a table may hold the word w[0..len) of [a-z0-9]. */
static int mask_maybe(const uint64_t mask[26], const char *w, size_t len)
{
    unsigned c = (unsigned char)w[0] - 'a';
    return len < 64 && c < 26u && (mask[c] >> len & 1u);
}

static void mask_add(uint64_t mask[26], const char *key, size_t len)
{
    mask[(unsigned char)key[0] - 'a'] |= (uint64_t)1 << len;
}

/* The comparable form of one name token into w (NORM_WORD_MAX bytes);
 * returns the text to emit (w or a table value) and its length. */
static const char *name_word(const norm_t *n, const char *t, size_t len, char *w,
                             size_t *outlen)
{
    const wordmap_t *m = NULL;

    if (len >= NORM_WORD_MAX || !all_letters(t, len)) {
        *outlen = len;
        return t;
    }
    memcpy(w, t, len);
    len = name_rules(w, len);
    if (mask_maybe(n->vmask, w, len))
        m = wordmap_find(VARIANTS, sizeof(VARIANTS) / sizeof(VARIANTS[0]), w, len);
    if (m) {
        *outlen = m->vlen;
        return m->val;
    }
    *outlen = len;
    return w;
}

/* -------------------------------------------------------------- addresses */

enum {
    TK_WORD = 0, /* a name: street, city, district... */
    TK_NUM,      /* starts with a digit: house, flat, postcode */
    TK_STREET,   /* st ave ln dist: may be written before or after its name */
    TK_UNIT,     /* apt bld: written before their number in every language */
    TK_DROP      /* says nothing the other tokens do not */
};

typedef struct {
    const char *key;
    const char *val; /* NULL: keep the key */
    uint8_t klen;
    uint8_t kind;        /* TK_* */
    uint8_t kind_if_num; /* if not 0: the kind, and val applies, only when
                            the next token is a number */
} addrword_t;

#define AW(k, v, kind, ifnum) {k, v, (uint8_t)(sizeof(k) - 1), kind, ifnum}

/*
 * Address words, as they come out of stage 1 (BGN for Armenian and Russian:
 * փողոց -> poghots, փ. -> p, պողոտա -> poghota, պող. -> pogh, ул. -> ul,
 * пр-т -> "pr t"; Latin-script Armenian as typed: poxoc, shenq). Settlement
 * markers (г., ք., city), house markers (д., տ., house) and the country are
 * dropped; "k" is корпус before a number and ք. (city) otherwise. "str" is
 * a street here (Latin usage), not Russian стр. (строение). Sorted by key.
 */
static const addrword_t ADDRWORDS[] = {
    AW("apartment", "apt", TK_UNIT, 0),
    AW("app", "apt", TK_UNIT, 0),
    AW("apt", NULL, TK_UNIT, 0),
    AW("armenia", NULL, TK_DROP, 0),
    AW("armeniya", NULL, TK_DROP, 0),
    AW("av", "ave", TK_STREET, 0),
    AW("ave", NULL, TK_STREET, 0),
    AW("avenue", "ave", TK_STREET, 0),
    AW("bld", NULL, TK_UNIT, 0),
    AW("bldg", "bld", TK_UNIT, 0),
    AW("bn", "apt", TK_UNIT, 0),
    AW("bnakaran", "apt", TK_UNIT, 0),
    AW("building", "bld", TK_UNIT, 0),
    AW("city", NULL, TK_DROP, 0),
    AW("d", NULL, TK_WORD, TK_DROP),
    AW("dist", NULL, TK_STREET, 0),
    AW("distr", "dist", TK_STREET, 0),
    AW("district", "dist", TK_STREET, 0),
    AW("dom", NULL, TK_DROP, 0),
    AW("echmiadzin", "ejmiatsin", TK_WORD, 0),
    AW("ejmiadzin", "ejmiatsin", TK_WORD, 0),
    AW("erevan", "yerevan", TK_WORD, 0),
    AW("etchmiadzin", "ejmiatsin", TK_WORD, 0),
    AW("flat", "apt", TK_UNIT, 0),
    AW("g", NULL, TK_DROP, 0),
    AW("gorod", NULL, TK_DROP, 0),
    AW("gyugh", NULL, TK_DROP, 0),
    AW("gyux", NULL, TK_DROP, 0),
    AW("h", NULL, TK_WORD, TK_DROP),
    AW("hanrapetutyun", NULL, TK_DROP, 0),
    AW("hayastan", NULL, TK_DROP, 0),
    AW("hh", NULL, TK_DROP, 0),
    AW("house", NULL, TK_DROP, 0),
    AW("k", "bld", TK_DROP, TK_UNIT),
    AW("kaghak", NULL, TK_DROP, 0),
    AW("korp", "bld", TK_UNIT, 0),
    AW("korpus", "bld", TK_UNIT, 0),
    AW("kv", "apt", TK_UNIT, 0),
    AW("kvartira", "apt", TK_UNIT, 0),
    AW("lane", "ln", TK_STREET, 0),
    AW("ln", NULL, TK_STREET, 0),
    AW("marz", NULL, TK_WORD, 0),
    AW("n", NULL, TK_WORD, TK_DROP),
    AW("no", NULL, TK_WORD, TK_DROP),
    AW("nrb", "ln", TK_STREET, 0),
    AW("nrbantsk", "ln", TK_STREET, 0),
    AW("obl", "marz", TK_WORD, 0),
    AW("oblast", "marz", TK_WORD, 0),
    AW("of", NULL, TK_DROP, 0),
    AW("p", "st", TK_STREET, 0),
    AW("per", "ln", TK_STREET, 0),
    AW("pereulok", "ln", TK_STREET, 0),
    AW("pogh", "ave", TK_STREET, 0),
    AW("poghoc", "st", TK_STREET, 0),
    AW("poghota", "ave", TK_STREET, 0),
    AW("poghots", "st", TK_STREET, 0),
    AW("poselok", NULL, TK_DROP, 0),
    AW("poxoc", "st", TK_STREET, 0),
    AW("poxota", "ave", TK_STREET, 0),
    AW("pr", "ave", TK_STREET, 0),
    AW("prosp", "ave", TK_STREET, 0),
    AW("prospect", "ave", TK_STREET, 0),
    AW("prospekt", "ave", TK_STREET, 0),
    AW("province", "marz", TK_WORD, 0),
    AW("q", NULL, TK_DROP, 0),
    AW("qaghaq", NULL, TK_DROP, 0),
    AW("ra", NULL, TK_DROP, 0),
    AW("raion", "dist", TK_STREET, 0),
    AW("rajon", "dist", TK_STREET, 0),
    AW("rayon", "dist", TK_STREET, 0),
    AW("region", "marz", TK_WORD, 0),
    AW("republic", NULL, TK_DROP, 0),
    AW("respublika", NULL, TK_DROP, 0),
    AW("selo", NULL, TK_DROP, 0),
    AW("sh", "bld", TK_WORD, TK_UNIT),
    AW("shenk", "bld", TK_UNIT, 0),
    AW("shenq", "bld", TK_UNIT, 0),
    AW("st", NULL, TK_STREET, 0),
    AW("str", "st", TK_STREET, 0),
    AW("street", "st", TK_STREET, 0),
    AW("t", NULL, TK_WORD, TK_DROP),
    AW("tagh", "dist", TK_STREET, 0),
    AW("taghamas", "dist", TK_STREET, 0),
    AW("taxamas", "dist", TK_STREET, 0),
    AW("town", NULL, TK_DROP, 0),
    AW("tun", NULL, TK_DROP, 0),
    AW("ul", "st", TK_STREET, 0),
    AW("ulica", "st", TK_STREET, 0),
    AW("ulitsa", "st", TK_STREET, 0),
    AW("village", NULL, TK_DROP, 0),
};

#define NADDRWORDS (sizeof(ADDRWORDS) / sizeof(ADDRWORDS[0]))

static const addrword_t *addrword_find(const norm_t *n, const char *w, size_t len)
{
    size_t lo = 0, hi = NADDRWORDS;

    if (!mask_maybe(n->amask, w, len))
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = wordcmp(w, len, ADDRWORDS[mid].key, ADDRWORDS[mid].klen);
        if (c == 0)
            return &ADDRWORDS[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static int ends_with(const char *w, size_t len, const char *suf, size_t slen)
{
    return len >= slen && memcmp(w + len - slen, suf, slen) == 0;
}

/*
 * Endings of address words that are not in ADDRWORDS, in place; returns the
 * new length:
 *   1. Russian adjective endings -skaya -skiy -skii -sky -skoy -skoye -skoe
 *      are cut when 3 letters remain (Арабкирский р-н -> arabkir dist,
 *      Котайкская обл. -> kotayk marz).
 *   2. Final a, i, y and j are cut while more than 3 letters remain: the
 *      Armenian genitive (Կոմիտասի պողոտա, komitasi) and the Russian ones
 *      (проспект Комитаса komitasa, улица Саят-Новы novy) of a street name
 *      lose their ending (komitas, nov), and Malatia, Малатия (malatiya)
 *      meet as malat. Applied to every word, so equal words stay equal, and
 *      cutting the whole run keeps the form idempotent.
 */
static size_t addr_rules(char *w, size_t len)
{
    static const struct {
        const char *s;
        size_t len;
    } adj[] = {{"skaya", 5}, {"skaia", 5}, {"skoye", 5}, {"skiy", 4}, {"skii", 4},
               {"skij", 4},  {"skoy", 4},  {"skoe", 4},  {"sky", 3}};
    size_t i, before;

    do { /* until neither rule applies: the form must be idempotent */
        before = len;
        for (i = 0; len >= 6 && i < sizeof(adj) / sizeof(adj[0]); i++) {
            if (w[len - 1] == adj[i].s[adj[i].len - 1] && len >= adj[i].len + 3 &&
                ends_with(w, len, adj[i].s, adj[i].len)) {
                len -= adj[i].len;
                break;
            }
        }
        while (len > 3 && (w[len - 1] == 'a' || w[len - 1] == 'i' ||
                           w[len - 1] == 'y' || w[len - 1] == 'j'))
            len--;
    } while (len != before);
    return len;
}

/* Token t is the one- or two-letter word s. */
static int tok_is(const norm_t *n, const tok_t *t, const char *s)
{
    const char *w = tok_str(n, t);
    return s[1] ? t->len == 2 && w[0] == s[0] && w[1] == s[1]
                : t->len == 1 && w[0] == s[0];
}

/* Classifies and rewrites the tokens of n->tok in place, then removes the
 * dropped ones. Rewritten words are written over their own text in n->txt
 * (rules only shorten) or point at a table string. */
static void addr_classify(norm_t *n)
{
    size_t i, j;
    int seg = 0;

    for (i = 0; i < n->ntok; i++) {
        tok_t *t = &n->tok[i], *next = i + 1 < n->ntok ? &n->tok[i + 1] : NULL;
        const char *s = tok_str(n, t);
        int next_num = next && !next->seg && is_digit((unsigned char)tok_str(n, next)[0]);
        const addrword_t *aw;

        if (is_digit((unsigned char)s[0])) {
            t->kind = TK_NUM;
            continue;
        }
        /* two-token abbreviations: пр-т, р-н */
        if (next && !next->seg &&
            ((tok_is(n, t, "pr") && tok_is(n, next, "t")) ||
             (tok_is(n, t, "r") && tok_is(n, next, "n")))) {
            t->kind = TK_STREET;
            t->s = s[0] == 'p' ? "ave" : "dist";
            t->len = (uint32_t)strlen(t->s);
            next->kind = TK_DROP;
            next->len = 0;
            i++;
            continue;
        }
        /* the table; else the ending rules, then the table again, so that
         * a word the rules turn into a table key ("stra" -> "str") is
         * treated as that key, as it would be on a second pass */
        t->kind = TK_WORD;
        aw = addrword_find(n, s, t->len);
        if (!aw && all_letters(s, t->len)) {
            t->len = (uint32_t)addr_rules(n->txt + t->off, t->len);
            aw = addrword_find(n, s, t->len);
        }
        if (aw) {
            /* an entry with kind_if_num is rewritten only before a number */
            int cond = aw->kind_if_num != 0;
            t->kind = cond && next_num ? aw->kind_if_num : aw->kind;
            if (aw->val && (!cond || next_num)) {
                t->s = aw->val;
                t->len = (uint32_t)strlen(aw->val);
            }
        }
    }
    /* Yerevan is a region of its own (AM-ER) and the city it is: an address
     * there names the city or leaves it out, and both must be one address
     * ("hovsep emin st 51" = "hovsep emin st 51 yerevan"). The city is
     * dropped (Yerevanyan, the street of other towns, is another word).
     * That also fixes the reading of "Ереван ул. Туманяна 5", whose street
     * type followed the city. */
    for (i = 0; i < n->ntok; i++) {
        tok_t *t = &n->tok[i];
        if (t->kind == TK_WORD && t->len == 7 && memcmp(tok_str(n, t), "yerevan", 7) == 0)
            t->kind = TK_DROP;
    }
    /* drop, keeping segment starts */
    for (i = j = 0; i < n->ntok; i++) {
        if (n->tok[i].kind == TK_DROP) {
            seg |= n->tok[i].seg;
            continue;
        }
        n->tok[j] = n->tok[i];
        n->tok[j].seg |= (uint8_t)seg;
        seg = 0;
        j++;
    }
    n->ntok = j;
}

/* Moves tok[from] to position to-1, shifting tok[from+1..to) left. */
static void rotate_left(tok_t *tok, size_t from, size_t to)
{
    tok_t t = tok[from];
    uint8_t seg = tok[from].seg;

    memmove(tok + from, tok + from + 1, (to - from - 1) * sizeof(*tok));
    tok[to - 1] = t;
    /* the segment start stays on the first token */
    tok[to - 1].seg = 0;
    tok[from].seg = seg;
}

/*
 * Street types go after their name, as Armenian and English write them.
 * Within one segment:
 *   - a street type written before its name (ул. Туманяна, пр. Комитаса)
 *     moves behind the words that follow it. It counts as written before
 *     its name when it starts the segment or follows a number, a unit or
 *     another type; after a word it is taken to close that word's name
 *     ("Arabkir dist Komitas 12"), which keeps an already normalised form
 *     as it is;
 *   - "12 Komitas Avenue" (number, words, type, then nothing or no number)
 *     becomes "Komitas Avenue 12".
 */
static void addr_reorder(norm_t *n)
{
    size_t s = 0, e, i, j;

    while (s < n->ntok) {
        for (e = s + 1; e < n->ntok && !n->tok[e].seg; e++)
            ;
        for (i = s; i < e; i++) {
            if (n->tok[i].kind != TK_STREET || i + 1 >= e ||
                n->tok[i + 1].kind != TK_WORD || (i > s && n->tok[i - 1].kind == TK_WORD))
                continue;
            for (j = i + 1; j < e && n->tok[j].kind == TK_WORD; j++)
                ;
            rotate_left(n->tok, i, j);
            i = j - 1;
        }
        if (n->tok[s].kind == TK_NUM && s + 1 < e && n->tok[s + 1].kind == TK_WORD) {
            for (j = s + 1; j < e && n->tok[j].kind == TK_WORD; j++)
                ;
            if (j < e && n->tok[j].kind == TK_STREET &&
                (j + 1 == e || n->tok[j + 1].kind != TK_NUM))
                rotate_left(n->tok, s, j + 1);
        }
        s = e;
    }
}

/* Writes the address tokens to out; a number directly followed by a
 * one-letter word is one token (12 a, 12-a, 12ա -> 12a). */
static tw_err_t addr_emit(const norm_t *n, char *out, size_t cap, size_t *pos)
{
    size_t i;
    tw_err_t err;

    for (i = 0; i < n->ntok; i++) {
        const tok_t *t = &n->tok[i];
        err = emit(out, cap, pos, tok_str(n, t), t->len);
        if (err)
            return err;
        if (t->kind == TK_NUM && i + 1 < n->ntok && !n->tok[i + 1].seg &&
            n->tok[i + 1].kind == TK_WORD && n->tok[i + 1].len == 1) {
            if (*pos + 1 >= cap)
                return TW_ETOOBIG;
            out[(*pos)++] = tok_str(n, &n->tok[i + 1])[0];
            i++;
        }
    }
    return TW_OK;
}

/* --------------------------------------------------------------- public */

/* Invariant 3 of the module comment. */
static int tables_ok(void)
{
    size_t i, nv = sizeof(VARIANTS) / sizeof(VARIANTS[0]);
    char w[NORM_WORD_MAX];

    for (i = 0; i < nv; i++) {
        const wordmap_t *v = &VARIANTS[i];
        if (i > 0 && wordcmp(VARIANTS[i - 1].key, VARIANTS[i - 1].klen, v->key,
                             v->klen) >= 0)
            return 0;
        if (v->klen >= NORM_WORD_MAX || v->vlen >= NORM_WORD_MAX)
            return 0;
        memcpy(w, v->key, v->klen);
        if (name_rules(w, v->klen) != v->klen || memcmp(w, v->key, v->klen) != 0)
            return 0;
        memcpy(w, v->val, v->vlen);
        if (name_rules(w, v->vlen) != v->vlen || memcmp(w, v->val, v->vlen) != 0)
            return 0;
        if (wordmap_find(VARIANTS, nv, v->val, v->vlen))
            return 0;
    }
    for (i = 1; i < NADDRWORDS; i++) {
        if (wordcmp(ADDRWORDS[i - 1].key, ADDRWORDS[i - 1].klen, ADDRWORDS[i].key,
                    ADDRWORDS[i].klen) >= 0)
            return 0;
    }
    return 1;
}

static tw_err_t open_trans(UTransliterator **out, const char *id, const char *rules)
{
    UChar uid[64], *urules = NULL;
    int32_t rlen = 0;
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe;
    tw_err_t err = TW_OK;

    u_strFromUTF8(uid, (int32_t)(sizeof(uid) / sizeof(uid[0])), NULL, id, -1, &st);
    if (U_FAILURE(st))
        return TW_EINTERNAL;
    if (rules) {
        u_strFromUTF8(NULL, 0, &rlen, rules, -1, &st);
        st = U_ZERO_ERROR; /* preflight reports overflow */
        urules = malloc(((size_t)rlen + 1) * sizeof(*urules));
        if (!urules)
            return TW_ENOMEM;
        u_strFromUTF8(urules, rlen + 1, NULL, rules, -1, &st);
        if (U_FAILURE(st)) {
            err = TW_EINTERNAL;
            goto out;
        }
    }
    *out = utrans_openU(uid, -1, UTRANS_FORWARD, urules, rules ? rlen : 0, &pe, &st);
    if (U_FAILURE(st)) {
        *out = NULL;
        err = icu_err(st);
    }
out:
    free(urules);
    return err;
}

static void seat_mask_fill(uint64_t mask[26]);

tw_err_t norm_open(norm_t **out)
{
    norm_t *n;
    size_t i;
    tw_err_t err;

    *out = NULL;
    if (!tables_ok())
        return TW_EINTERNAL;
    n = calloc(1, sizeof(*n));
    if (!n)
        return TW_ENOMEM;
    for (i = 0; i < sizeof(VARIANTS) / sizeof(VARIANTS[0]); i++)
        mask_add(n->vmask, VARIANTS[i].key, VARIANTS[i].klen);
    for (i = 0; i < NADDRWORDS; i++)
        mask_add(n->amask, ADDRWORDS[i].key, ADDRWORDS[i].klen);
    seat_mask_fill(n->smask);
    for (i = 0; i < 256; i++) {
        n->cls[i] = i >= 0x80              ? BC_HIGH
                    : is_alnum((unsigned)i) ? BC_ALNUM
                    : is_apos((unsigned)i)  ? BC_APOS
                    : is_segbreak((unsigned)i) ? BC_SEG
                                               : BC_SEP;
    }
    strmap_init(&n->cache);
    arena_init(&n->vals, 1 << 16);
    buf_init(&n->tmp, NORM_MAX_TEXT);
    err = open_trans(&n->tr_main, "tw-norm-Latin", TRANSLIT_RULES);
    if (!err)
        err = open_trans(&n->tr_uk, TRANSLIT_UK, NULL);
    if (!err)
        err = open_trans(&n->tr_be, TRANSLIT_BE, NULL);
    if (err) {
        norm_close(n);
        return err;
    }
    *out = n;
    return TW_OK;
}

void norm_close(norm_t *n)
{
    if (!n)
        return;
    if (n->tr_main)
        utrans_close(n->tr_main);
    if (n->tr_uk)
        utrans_close(n->tr_uk);
    if (n->tr_be)
        utrans_close(n->tr_be);
    /* the names and addresses it saw (NRM cases' for a link run) are
     * wiped, not only freed */
    strmap_wipe_free(&n->cache);
    arena_wipe_free(&n->vals);
    if (n->tmp.p)
        explicit_bzero(n->tmp.p, n->tmp.len);
    if (n->txt)
        explicit_bzero(n->txt, n->txtcap);
    if (n->cp)
        explicit_bzero(n->cp, n->cpcap * sizeof *n->cp);
    if (n->u16)
        explicit_bzero(n->u16, n->u16cap * sizeof *n->u16);
    buf_free(&n->tmp);
    free(n->cp);
    free(n->u16);
    free(n->txt);
    free(n->tok);
    free(n);
}

/* Common ending of the four normalisers: "" on error, NUL, *outlen. */
static tw_err_t finish(tw_err_t err, char *out, size_t cap, size_t pos, size_t *outlen)
{
    if (!err && pos >= cap)
        err = TW_ETOOBIG;
    if (err)
        pos = 0;
    if (cap)
        out[pos] = '\0';
    if (outlen)
        *outlen = pos;
    return err;
}

tw_err_t norm_name(norm_t *n, const char *in, size_t len, char *out, size_t cap,
                   size_t *outlen)
{
    char w[NORM_WORD_MAX];
    size_t pos = 0, i, wl;
    const char *s;
    tw_err_t err;

    err = split_tokens(n, in, len);
    if (err)
        goto out;
    for (i = 0; i < n->ntok; i++) {
        s = name_word(n, tok_str(n, &n->tok[i]), n->tok[i].len, w, &wl);
        err = emit(out, cap, &pos, s, wl);
        if (err)
            goto out;
    }
out:
    return finish(err, out, cap, pos, outlen);
}

tw_err_t norm_address(norm_t *n, const char *in, size_t len, char *out, size_t cap,
                      size_t *outlen)
{
    return norm_address_in(n, in, len, NULL, out, cap, outlen);
}

/*
 * The seat of each region of Armenia (ISO 3166-2:AM) and the words its
 * name and the region's name become in the normal form, from every script
 * and the usual Latin spellings (tests/test_norm.c holds each). Yerevan is
 * both region and city: its word is dropped from every address (above).
 * For the other regions, an address known to be in the region is written
 * with the seat's word in front, wherever the writer put it, or when it
 * names no other place (a segment of words only), and "<region> marz" is
 * dropped: "Gyumri, Abovyan 5", "Abovyan 5, Гюмри" and "Abovyan 5" (all in
 * AM-SH) are one address, "gyumr abovyan 5", and still another than
 * "Abovyan 5" in Vanadzor (AM-LO), "vanadzor abovyan 5"; "Artik, Abovyan
 * 5" stays as written. Dropping the seat without a trace would make
 * Gyumri's and Vanadzor's one address (a street name and a house number
 * are shared by many towns), and a false shared address is a false link.
 */
typedef struct {
    const char *code;              /* "AM-SH" */
    const char *seat;              /* its word in the normal form; NULL: Yerevan */
    const char *const *seat_forms; /* words read as the seat, NULL-terminated */
    const char *const *names;      /* the region's name before "marz" (may be two words) */
} region_seat_t;

#define WORDS(...) ((const char *const[]){__VA_ARGS__, NULL})
static const region_seat_t REGION_SEATS[] = {
    {"AM-AG", "ashtarak", WORDS("ashtarak"), WORDS("aragatsotn")},
    {"AM-AR", "artashat", WORDS("artashat"), WORDS("ararat")},
    {"AM-AV", "armavir", WORDS("armavir"), WORDS("armavir")},
    {"AM-ER", NULL, WORDS("yerevan"), WORDS("yerevan")},
    {"AM-GR", "gavar", WORDS("gavar", "gavarr"),
     WORDS("gegharkunik", "gegarkunik")},
    {"AM-KT", "hrazdan", WORDS("hrazdan", "razdan", "khrazdan", "grazdan"), WORDS("kotayk")},
    {"AM-LO", "vanadzor", WORDS("vanadzor", "kirovakan"), WORDS("lor", "loru")},
    {"AM-SH", "gyumr", WORDS("gyumr", "giumr", "gyumry", "kumayr", "leninakan"),
     WORDS("shirak")},
    {"AM-SU", "kapan", WORDS("kapan", "ghapan", "qapan"), WORDS("syunik", "siunik")},
    {"AM-TV", "ijevan", WORDS("ijevan", "idzhevan", "idjevan", "ijewan"), WORDS("tavush")},
    {"AM-VD", "yeghegnadzor", WORDS("yeghegnadzor", "yegegnadzor", "eghegnadzor"),
     WORDS("vayots dzor", "vayotsdzor")},
};
#undef WORDS

/* 1 when the words at w[i..] spell `form` (one or more words); *nw: how many. */
static int words_are(const char *const *w, const size_t *wl, size_t nw, size_t i,
                     const char *form, size_t *used)
{
    size_t k = i;
    const char *f = form;
    while (*f) {
        const char *sp = strchr(f, ' ');
        size_t fl = sp ? (size_t)(sp - f) : strlen(f);
        if (k >= nw || wl[k] != fl || memcmp(w[k], f, fl) != 0)
            return 0;
        k++;
        f += fl;
        if (*f == ' ')
            f++;
    }
    *used = k - i;
    return 1;
}

/* strncmp stops at the form's end, so no strlen per form per token (it
 * was a tenth of the reader thread's time); a token never holds a NUL. */
static int in_forms(const char *const *forms, const char *w, size_t len)
{
    for (; *forms; forms++)
        if (len && (*forms)[0] == w[0] && strncmp(*forms, w, len) == 0 && (*forms)[len] == '\0')
            return 1;
    return 0;
}

/* The region's seat and name in an address normal form already in out:
 * rewritten in place as the comment of REGION_SEATS says; the seat is put
 * in front when the address named it, or when `add` (it names no other
 * place). */
static tw_err_t addr_region(const region_seat_t *rs, int add, char *out, size_t cap,
                            size_t *pos)
{
    enum { MAXW = 256 };
    const char *w[MAXW];
    size_t wl[MAXW], nw = 0, i, used, o = 0;
    unsigned char drop[MAXW];
    char *tmp;
    const char *p = out, *end = out + *pos;

    while (p < end && nw < MAXW) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        size_t l = sp ? (size_t)(sp - p) : (size_t)(end - p);
        if (l) {
            w[nw] = p;
            wl[nw++] = l;
        }
        p += l + 1;
    }
    if (p < end) /* more words than we look at: leave it as it is */
        return TW_OK;
    memset(drop, 0, sizeof(drop));
    for (i = 0; i < nw; i++) {
        const char *const *f;
        /* "<region> marz" */
        for (f = rs->names; *f; f++) {
            if (words_are(w, wl, nw, i, *f, &used) && i + used < nw && wl[i + used] == 4 &&
                memcmp(w[i + used], "marz", 4) == 0) {
                memset(drop + i, 1, used + 1);
                break;
            }
        }
        /* the seat, unless it names a street ("Gyumri st") */
        if (!drop[i] && in_forms(rs->seat_forms, w[i], wl[i]) &&
            !(i + 1 < nw && ((wl[i + 1] == 2 && (memcmp(w[i + 1], "st", 2) == 0 ||
                                                  memcmp(w[i + 1], "ln", 2) == 0)) ||
                             (wl[i + 1] == 3 && memcmp(w[i + 1], "ave", 3) == 0))))
            drop[i] = 1;
    }
    for (i = 0; i < nw && !add; i++)
        add = drop[i] && in_forms(rs->seat_forms, w[i], wl[i]);
    if (!(tmp = malloc(*pos + 64)))
        return TW_ENOMEM;
    if (rs->seat && add) {
        memcpy(tmp, rs->seat, strlen(rs->seat));
        o = strlen(rs->seat);
    }
    for (i = 0; i < nw; i++) {
        if (drop[i])
            continue;
        if (o)
            tmp[o++] = ' ';
        memcpy(tmp + o, w[i], wl[i]);
        o += wl[i];
    }
    if (o + 1 > cap) {
        free(tmp);
        return TW_ETOOBIG;
    }
    memcpy(out, tmp, o);
    out[o] = '\0';
    *pos = o;
    free(tmp);
    return TW_OK;
}

/* smask: bit L of mask[c - 'a'] for every seat form of length L starting
 * with c; a form that does not fit that shape (none does today) fills the
 * mask, so the check lets everything through rather than miss a seat. */
static void seat_mask_fill(uint64_t mask[26])
{
    size_t i, k;
    for (i = 0; i < sizeof(REGION_SEATS) / sizeof(REGION_SEATS[0]); i++) {
        for (k = 0; REGION_SEATS[i].seat_forms[k]; k++) {
            const char *f = REGION_SEATS[i].seat_forms[k];
            size_t len = strlen(f);
            if (len == 0 || len >= 64 || f[0] < 'a' || f[0] > 'z') {
                memset(mask, 0xff, 26 * sizeof(mask[0]));
                return;
            }
            mask_add(mask, f, len);
        }
    }
}

/* 1 when token t names the seat of rs (not a street named after it:
 * "Gyumri st"). Called for every token and seat of an address with no
 * region: the mask turns most tokens away before the forms are read. */
static int tok_is_seat(const norm_t *n, size_t i, const region_seat_t *rs)
{
    const tok_t *t = &n->tok[i];
    if (!rs->seat || t->len == 0 || !mask_maybe(n->smask, tok_str(n, t), t->len) ||
        !in_forms(rs->seat_forms, tok_str(n, t), t->len))
        return 0;
    return !(i + 1 < n->ntok && !n->tok[i + 1].seg && n->tok[i + 1].kind == TK_STREET);
}

/* 1 when a segment of the address is a place of its own (only words: no
 * number, street type or unit) that is neither the seat nor "<region>
 * marz": another town or village of the region, whose address the seat
 * must not be put in front of. */
static int other_place(const norm_t *n, const region_seat_t *rs)
{
    size_t i = 0, j, k;
    while (i < n->ntok) {
        int words = 1, seat_or_marz = 0;
        for (j = i + 1; j < n->ntok && !n->tok[j].seg; j++)
            ;
        for (k = i; k < j; k++) {
            const tok_t *t = &n->tok[k];
            if (t->kind != TK_WORD)
                words = 0;
            if (tok_is_seat(n, k, rs) || (t->len == 4 && memcmp(tok_str(n, t), "marz", 4) == 0))
                seat_or_marz = 1;
        }
        if (words && !seat_or_marz)
            return 1;
        i = j;
    }
    return 0;
}

tw_err_t norm_address_in(norm_t *n, const char *in, size_t len, const char *region, char *out,
                         size_t cap, size_t *outlen)
{
    const size_t nseats = sizeof(REGION_SEATS) / sizeof(REGION_SEATS[0]);
    const region_seat_t *rs = NULL;
    size_t pos = 0, i, k;
    int add = 0;
    tw_err_t err;

    err = split_tokens(n, in, len);
    if (err)
        goto out;
    addr_classify(n);
    addr_reorder(n);
    for (i = 0; region && i < nseats && !rs; i++)
        if (strcmp(REGION_SEATS[i].code, region) == 0)
            rs = &REGION_SEATS[i];
    if (!rs)
        region = NULL; /* a code that is no region of Armenia says nothing */
    /* no region said: the seat the address names, if it names one (a
     * report's address, a permit without its region) */
    for (i = 0; !region && i < nseats && !rs; i++)
        for (k = 0; k < n->ntok && !rs; k++)
            if (tok_is_seat(n, k, &REGION_SEATS[i]))
                rs = &REGION_SEATS[i];
    /* a region said and no place named: the seat is where it is */
    if (rs && region)
        add = !other_place(n, rs);
    err = addr_emit(n, out, cap, &pos);
    /* an address with nothing comparable stays "" whatever its region */
    if (err == TW_OK && rs && pos > 0)
        err = addr_region(rs, add, out, cap, &pos);
out:
    return finish(err, out, cap, pos, outlen);
}

/* ----------------------------------------------------------------- phones */

/* Non-ASCII characters read as a separator in phone and document numbers:
 * no-break and thin spaces, Unicode hyphens and dashes. Returns the byte
 * length of the separator at p, or 0. */
static size_t unicode_sep(const unsigned char *p, const unsigned char *end)
{
    if (end - p >= 2 && p[0] == 0xC2 && p[1] == 0xA0) /* U+00A0 */
        return 2;
    if (end - p >= 3 && p[0] == 0xE2 && p[1] == 0x80 &&
        ((p[2] >= 0x90 && p[2] <= 0x95) || /* U+2010..2015 hyphens, dashes */
         p[2] == 0x89 || p[2] == 0xAF))   /* U+2009 thin, U+202F narrow nbsp */
        return 3;
    return 0;
}

/*
 * Rules (docs/internals/norm.md has the table):
 *   - separators: space, tab, - . / ( ) and the Unicode ones above; any
 *     other character makes the input unreadable (TW_EINPUT);
 *   - "+" (only before the first digit) or a leading "00": international;
 *   - a "(0)" after the first digits is the trunk zero and is skipped, as is
 *     a 0 right after +374 (+374 091 234567);
 *   - national: 0 + 8 digits and 8 digits not starting with 0 are Armenian
 *     (+374); 374 + 8 digits is +374; 11 digits starting 89 is Russian
 *     8 9xx (+79...); anything else is unreadable;
 *   - the result has 8..15 digits and does not start with 0; +374 numbers
 *     have exactly 11 digits and +7 numbers exactly 11.
 * No digits at all (empty, spaces) gives "" and TW_OK.
 */
tw_err_t norm_phone(const char *in, size_t len, char *out, size_t cap, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + len;
    char d[24], e[24];
    size_t nd = 0, ne = 0, pos = 0, k;
    int plus = 0;
    tw_err_t err = TW_OK;

    while (p < end) {
        unsigned c = *p;
        if (is_digit(c)) {
            if (nd == sizeof(d)) {
                err = TW_EINPUT;
                goto out;
            }
            d[nd++] = (char)c;
            p++;
        } else if (c == '+') {
            if (plus || nd) {
                err = TW_EINPUT;
                goto out;
            }
            plus = 1;
            p++;
        } else if (c == '(' && nd > 0 && end - p >= 3 && p[1] == '0' && p[2] == ')') {
            p += 3;
        } else if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/' || c == '(' ||
                   c == ')') {
            p++;
        } else if ((k = unicode_sep(p, end)) > 0) {
            p += k;
        } else {
            err = TW_EINPUT;
            goto out;
        }
    }
    if (nd == 0) {
        if (plus)
            err = TW_EINPUT;
        goto out;
    }

    if (plus || (nd > 2 && d[0] == '0' && d[1] == '0')) {
        k = plus ? 0 : 2;
        memcpy(e, d + k, nd - k);
        ne = nd - k;
    } else if (nd == 9 && d[0] == '0') {
        memcpy(e, "374", 3);
        memcpy(e + 3, d + 1, 8);
        ne = 11;
    } else if (nd == 11 && memcmp(d, "374", 3) == 0) {
        memcpy(e, d, 11);
        ne = 11;
    } else if (nd == 8 && d[0] != '0') {
        memcpy(e, "374", 3);
        memcpy(e + 3, d, 8);
        ne = 11;
    } else if (nd == 11 && d[0] == '8' && d[1] == '9') {
        e[0] = '7';
        memcpy(e + 1, d + 1, 10);
        ne = 11;
    } else {
        err = TW_EINPUT;
        goto out;
    }

    if (ne == 12 && memcmp(e, "3740", 4) == 0) { /* +374 0XX: trunk zero */
        memmove(e + 3, e + 4, 8);
        ne = 11;
    }
    if (ne < 8 || ne > 15 || e[0] == '0') {
        err = TW_EINPUT;
        goto out;
    }
    if ((memcmp(e, "374", 3) == 0 && (ne != 11 || e[3] == '0')) || (e[0] == '7' && ne != 11)) {
        err = TW_EINPUT;
        goto out;
    }
    if (ne + 2 > cap) {
        err = TW_ETOOBIG;
        goto out;
    }
    out[pos++] = '+';
    memcpy(out + pos, e, ne);
    pos += ne;
out:
    return finish(err, out, cap, pos, outlen);
}

/* ------------------------------------------------------- document numbers */

/* Cyrillic letters that look like Latin capitals, in both cases, and the
 * Ukrainian/Belarusian і: a document number typed on a Cyrillic keyboard. */
static char cyrillic_lookalike(uint32_t c)
{
    static const struct {
        uint16_t cp;
        char latin;
    } map[] = {
        {0x0406, 'I'}, {0x0410, 'A'}, {0x0412, 'B'}, {0x0415, 'E'}, {0x041A, 'K'},
        {0x041C, 'M'}, {0x041D, 'H'}, {0x041E, 'O'}, {0x0420, 'P'}, {0x0421, 'C'},
        {0x0422, 'T'}, {0x0423, 'Y'}, {0x0425, 'X'}, {0x0430, 'A'}, {0x0432, 'B'},
        {0x0435, 'E'}, {0x043A, 'K'}, {0x043C, 'M'}, {0x043D, 'H'}, {0x043E, 'O'},
        {0x0440, 'P'}, {0x0441, 'C'}, {0x0442, 'T'}, {0x0443, 'Y'}, {0x0445, 'X'},
        {0x0456, 'I'},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (map[i].cp == c)
            return map[i].latin;
    }
    return 0;
}

/*
 * ASCII letters upper-cased, digits kept; space, tab, - . / and the Unicode
 * separators of unicode_sep() removed; Cyrillic look-alikes mapped to
 * Latin. Anything else, or nothing left, is TW_EINPUT.
 */
tw_err_t norm_docno(const char *in, size_t len, char *out, size_t cap, size_t *outlen)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + len;
    size_t pos = 0, k;
    int full = 0; /* out is full: keep reading, a bad character wins */
    tw_err_t err = TW_OK;

    if (!norm_utf8_valid(in, len)) {
        err = TW_EINPUT;
        goto out;
    }
    while (p < end) {
        unsigned c = *p;
        char ch = 0;
        if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '/') {
            p++;
            continue;
        }
        if ((k = unicode_sep(p, end)) > 0) {
            p += k;
            continue;
        }
        if (c < 0x80) {
            if (!is_alnum(c)) {
                err = TW_EINPUT;
                goto out;
            }
            ch = (char)(c - 'a' < 26u ? c - 32 : c);
            p++;
        } else {
            ch = cyrillic_lookalike(utf8_next(&p));
            if (!ch) {
                err = TW_EINPUT;
                goto out;
            }
        }
        if (pos + 1 >= cap)
            full = 1;
        else
            out[pos++] = ch;
    }
    if (pos == 0 && !full)
        err = TW_EINPUT;
    else if (full)
        err = TW_ETOOBIG;
out:
    return finish(err, out, cap, pos, outlen);
}
