/*
 * noise.c - data-quality noise in the synthetic register: how a value is
 * spelled and how a row is made bad.
 *
 * Spellings: addresses in eight styles and three scripts (synth_render_place),
 * names as the permit writes them and as the passport's machine-readable
 * zone has them (synth_name_permit, synth_name_passport, synth_sb_mrz),
 * document numbers (synth_sb_doc) and Armenian phones (synth_respell_am_phone)
 * in their usual variants. Bad rows: the kinds of invalid value per file and
 * column (the table in docs/internals/synth.md) and synth_finish_row(), which
 * decides whether a background row is made bad, breaks exactly one rule in
 * one column and logs it to bad_rows.csv.
 *
 * Invariants: the ones of synth_int.h, in particular 4 (one rule, one
 * column, a unique id; never a planted or look-alike row). Every spelling
 * imports without an error. Thread model: single-threaded; no allocation.
 */
#include "synth/synth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint16_t style_w[NSTYLE] = {40, 14, 10, 8, 10, 5, 6, 7};

void synth_sb_part(sb_t *s, const char *list, unsigned k)
{
    const char *p;
    size_t n;
    part_of(list, strlen(list), k, &p, &n);
    sb_add(s, p, n);
}

void synth_sb_upper_ascii(sb_t *s, const char *x)
{
    for (; *x; x++) {
        char c = *x;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        sb_addc(s, c);
    }
}

/* Writes one spelling of place `p`. The small choices (st. or str., apt or
 * flat) come from `r`, so the same place reads differently across rows. */
void synth_render_place(const place_t *p, int style, rng_t *r, sb_t *s)
{
    const town_t *t = &synth_towns[p->town % NTOWN];
    unsigned tv = rng_chance(r, 0.85) ? 0 : rng_below(r, 3);
    int ave;
    const street_t *st;

    if (t->village) {
        switch (style % 5) {
        case 0:
            synth_sb_part(s, t->lat, tv);
            sb_adds(s, " village, ");
            sb_addu(s, p->street, 0);
            sb_adds(s, rng_chance(r, 0.5) ? " street, house " : " st. ");
            sb_addu(s, p->house, 0);
            break;
        case 1:
            sb_adds(s, "v. ");
            synth_sb_part(s, t->lat, tv);
            sb_adds(s, ", ");
            sb_addu(s, p->street, 0);
            sb_adds(s, p->street == 1   ? "st"
                       : p->street == 2 ? "nd"
                       : p->street == 3 ? "rd"
                                        : "th");
            sb_adds(s, " street ");
            sb_addu(s, p->house, 0);
            break;
        case 2:
            sb_adds(s, "с. ");
            sb_adds(s, t->cyr);
            sb_adds(s, ", ");
            sb_addu(s, p->street, 0);
            sb_adds(s, "-я улица, д. ");
            sb_addu(s, p->house, 0);
            break;
        case 3:
            sb_adds(s, t->arm);
            sb_adds(s, " գյուղ, ");
            sb_addu(s, p->street, 0);
            sb_adds(s, "-րդ փողոց, տուն ");
            sb_addu(s, p->house, 0);
            break;
        default: {
            const char *q;
            size_t n;
            char tmp[64];
            part_of(t->lat, strlen(t->lat), tv, &q, &n);
            if (n >= sizeof(tmp))
                n = sizeof(tmp) - 1;
            memcpy(tmp, q, n);
            tmp[n] = '\0';
            synth_sb_upper_ascii(s, tmp);
            sb_adds(s, " VILLAGE ");
            sb_addu(s, p->street, 0);
            sb_adds(s, " ST ");
            sb_addu(s, p->house, 0);
            break;
        }
        }
        return;
    }

    st = synth_place_street(p);
    ave = st->type == 'A';
    switch (style) {
    case AS_EN_SHORT:
        sb_adds(s, st->lat);
        sb_addc(s, ' ');
        synth_sb_part(s, ave ? "ave.|ave|av." : "st.|str.|st", rng_below(r, 3));
        sb_addc(s, ' ');
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            synth_sb_part(s, ", apt |, apt. |, flat |, app. ", rng_below(r, 4));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            synth_sb_part(s, ", office |, of. |, suite ", rng_below(r, 3));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", dormitory ");
            sb_addu(s, p->flat, 0);
        }
        if (rng_chance(r, 0.7)) {
            sb_adds(s, ", ");
            synth_sb_part(s, t->lat, tv);
        }
        break;
    case AS_EN_LONG:
        synth_sb_part(s, t->lat, tv);
        sb_adds(s, ", ");
        sb_adds(s, st->lat);
        sb_adds(s, ave ? " avenue " : " street ");
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            synth_sb_part(s, " flat | apartment | apt ", rng_below(r, 3));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, " office ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", dormitory no. ");
            sb_addu(s, p->flat, 0);
        }
        break;
    case AS_ARM_LAT:
        sb_adds(s, st->lat);
        sb_adds(s, ave ? " poghota " : " poghots ");
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            synth_sb_part(s, " bn. | bn ", rng_below(r, 2));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, " grasenyak ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, " hanrakatsaran ");
            sb_addu(s, p->flat, 0);
        }
        if (rng_chance(r, 0.4)) {
            sb_adds(s, ", ");
            synth_sb_part(s, t->lat, tv);
        }
        break;
    case AS_RU_LAT:
        synth_sb_part(s, t->lat, 1);
        sb_adds(s, ", ");
        synth_sb_part(s, ave ? "pr. |prospekt |pr-t " : "ul. |ulitsa |ul ", rng_below(r, 3));
        sb_adds(s, st->lat);
        sb_addc(s, ' ');
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            synth_sb_part(s, ", kv. | kv ", rng_below(r, 2));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, ", of. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", obshchezhitie ");
            sb_addu(s, p->flat, 0);
        }
        break;
    case AS_CYR:
        if (p->town != 0 || rng_chance(r, 0.4)) {
            sb_adds(s, "г. ");
            sb_adds(s, t->cyr);
            sb_adds(s, ", ");
        }
        sb_adds(s, ave ? "пр. " : "ул. ");
        sb_adds(s, st->cyr);
        sb_addc(s, ' ');
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_adds(s, ", кв. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, ", оф. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", общежитие ");
            sb_addu(s, p->flat, 0);
        }
        break;
    case AS_ARM:
        sb_adds(s, t->arm);
        sb_adds(s, ", ");
        sb_adds(s, st->arm);
        sb_adds(s, ave ? " պողոտա " : " փողոց ");
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_adds(s, ", բն. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, ", գրասենյակ ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", հանրակացարան ");
            sb_addu(s, p->flat, 0);
        }
        break;
    case AS_CAPS:
        synth_sb_upper_ascii(s, st->lat);
        sb_adds(s, ave ? " AVE " : " STR ");
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_addc(s, rng_chance(r, 0.5) ? '-' : '/');
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, " OFFICE ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, " DORMITORY ");
            sb_addu(s, p->flat, 0);
        }
        if (rng_chance(r, 0.5)) {
            const char *q;
            size_t n;
            char tmp[64];
            part_of(t->lat, strlen(t->lat), 0, &q, &n);
            if (n >= sizeof(tmp))
                n = sizeof(tmp) - 1;
            memcpy(tmp, q, n);
            tmp[n] = '\0';
            sb_adds(s, ", ");
            synth_sb_upper_ascii(s, tmp);
        }
        break;
    default: /* AS_NUM_FIRST */
        sb_addu(s, p->house, 0);
        sb_addc(s, ' ');
        sb_adds(s, st->lat);
        sb_adds(s, ave ? " Ave." : " Street");
        if (p->unit == UNIT_APT) {
            sb_adds(s, ", Apt. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, ", Office ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", Dormitory ");
            sb_addu(s, p->flat, 0);
        }
        sb_adds(s, ", ");
        synth_sb_part(s, t->lat, tv);
        break;
    }
}

int synth_pick_style(rng_t *r)
{
    return (int)pick_w(r, style_w, NSTYLE);
}

/* ---- rendering: names ----------------------------------------------------- */

/* seg 0: Latin variants, 1: Cyrillic, 2: Armenian. n = 0 when absent. */
void synth_entry_seg(const char *e, int seg, const char **p, size_t *n)
{
    const char *start = e, *q;
    int i;
    for (i = 0; i < seg; i++) {
        q = strchr(start, '=');
        if (!q) {
            *p = e;
            *n = 0;
            return;
        }
        start = q + 1;
    }
    q = strchr(start, '=');
    *p = start;
    *n = q ? (size_t)(q - start) : strlen(start);
}

static int ends_with(const char *p, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(p + n - k, suf, k) == 0;
}

/* Appends a family name in its feminine form where the language has one. */
static void sb_family(sb_t *s, const char *p, size_t n, int feminine)
{
    if (!feminine) {
        sb_add(s, p, n);
        return;
    }
    if (ends_with(p, n, "ский")) {
        sb_add(s, p, n - strlen("ий"));
        sb_adds(s, "ая");
    } else if (ends_with(p, n, "ов") || ends_with(p, n, "ев") || ends_with(p, n, "ёв") ||
               ends_with(p, n, "ин") || ends_with(p, n, "ын")) {
        sb_add(s, p, n);
        sb_adds(s, "а");
    } else if (ends_with(p, n, "skiy") || ends_with(p, n, "skii")) {
        sb_add(s, p, n - 2);
        sb_adds(s, "aya");
    } else if (ends_with(p, n, "sky")) {
        sb_add(s, p, n - 1);
        sb_adds(s, "aya");
    } else if (ends_with(p, n, "ov") || ends_with(p, n, "ev") || ends_with(p, n, "in") ||
               ends_with(p, n, "yn")) {
        sb_add(s, p, n);
        sb_addc(s, 'a');
    } else {
        sb_add(s, p, n);
    }
}

/* Decodes one UTF-8 sequence (input is our own valid tables). */
static uint32_t utf8_next(const char **pp, const char *end)
{
    const unsigned char *p = (const unsigned char *)*pp;
    uint32_t c = p[0];
    int k = 0;
    if (c >= 0xF0) {
        c &= 0x07;
        k = 3;
    } else if (c >= 0xE0) {
        c &= 0x0F;
        k = 2;
    } else if (c >= 0xC0) {
        c &= 0x1F;
        k = 1;
    }
    p++;
    while (k-- > 0 && (const char *)p < end)
        c = (c << 6) | (*p++ & 0x3F);
    *pp = (const char *)p;
    return c;
}

/* ICAO 9303 transliteration of Russian Cyrillic, lower-case index а..я. */
static const char *const icao_ru[32] = {
    "A", "B", "V", "G", "D", "E", "ZH", "Z", "I", "I", "K", "L", "M", "N", "O", "P",
    "R", "S", "T", "U", "F", "KH", "TS", "CH", "SH", "SHCH", "IE", "Y", "", "E", "IU", "IA"};

/* Upper-case ASCII for a machine-readable-zone style name. */
void synth_sb_mrz(sb_t *s, const char *p, size_t n, int cyr_mode)
{
    const char *end = p + n;
    int word_start = 1;
    while (p < end) {
        unsigned char b = (unsigned char)*p;
        if (b < 0x80) {
            p++;
            if (b >= 'a' && b <= 'z')
                sb_addc(s, (char)(b - 'a' + 'A'));
            else if ((b >= 'A' && b <= 'Z') || b == ' ')
                sb_addc(s, (char)b);
            else if (b == '-')
                sb_addc(s, ' ');
            word_start = b == ' ' || b == '-';
            continue;
        } else {
            uint32_t c = utf8_next(&p, end);
            const char *o = "";
            if (c >= 0x410 && c <= 0x42F)
                c += 0x20;
            if (c == 0x401)
                c = 0x451;
            if (c == 0x404 || c == 0x406 || c == 0x407 || c == 0x490)
                c += (c == 0x490) ? 1 : 0x50;
            if (c >= 0x430 && c <= 0x44F) {
                o = icao_ru[c - 0x430];
                if (cyr_mode == CYR_UA) {
                    if (c == 0x433)
                        o = "H";
                    else if (c == 0x438)
                        o = "Y";
                    else if (word_start && c == 0x439)
                        o = "Y";
                    else if (word_start && c == 0x44E)
                        o = "YU";
                    else if (word_start && c == 0x44F)
                        o = "YA";
                    else if (c == 0x44C)
                        o = "";
                }
            } else if (c == 0x451) {
                o = "E";
            } else if (c == 0x454) {
                o = word_start ? "YE" : "IE";
            } else if (c == 0x456) {
                o = "I";
            } else if (c == 0x457) {
                o = word_start ? "YI" : "I";
            } else if (c == 0x491) {
                o = "G";
            } else if (c == 0xE0 || c == 0xE1 || c == 0xE2 || c == 0xE4) {
                o = "A";
            } else if (c == 0xE7 || c == 0xC7) {
                o = "C";
            } else if ((c >= 0xE8 && c <= 0xEB) || c == 0xC9) {
                o = "E";
            } else if ((c >= 0xEC && c <= 0xEF) || c == 0x131 || c == 0x130) {
                o = "I";
            } else if (c == 0xF6 || c == 0xF4 || c == 0xD6) {
                o = "O";
            } else if (c == 0xFC || c == 0xFB || c == 0xDC) {
                o = "U";
            } else if (c == 0x15F || c == 0x15E) {
                o = "S";
            } else if (c == 0x11F || c == 0x11E) {
                o = "G";
            }
            sb_adds(s, o);
            word_start = 0;
        }
    }
}

/* Title case of ASCII text ("DE SILVA" -> "De Silva"). */
static void title_case(char *x)
{
    int start = 1;
    for (; *x; x++) {
        char c = *x;
        if (c >= 'A' && c <= 'Z' && !start)
            *x = (char)(c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z' && start)
            *x = (char)(c - 'a' + 'A');
        start = c == ' ' || c == '-' || c == '\'';
    }
}

/* The name as the passport's machine-readable zone has it. */
void synth_name_passport(const person_t *w, int family, sb_t *s)
{
    const char *e = family ? w->fam : w->giv, *p;
    size_t n;
    int fem = family && w->fam_gendered && w->sex == 'F';
    char tmp[TXT];
    sb_t t;

    sb_init(&t, tmp, sizeof(tmp));
    synth_entry_seg(e, 1, &p, &n);
    if (synth_nats[w->nat].cyr != CYR_NONE && n > 0) {
        sb_family(&t, p, n, fem);
        synth_sb_mrz(s, t.p, t.n, synth_nats[w->nat].cyr);
        return;
    }
    synth_entry_seg(e, 0, &p, &n);
    part_of(p, n, family ? w->pfam_var : w->pgiv_var, &p, &n);
    sb_family(&t, p, n, fem);
    synth_sb_mrz(s, t.p, t.n, CYR_NONE);
}

/* The name as the permit application has it. */
void synth_name_permit(const person_t *w, int family, sb_t *s)
{
    const char *e = family ? w->fam : w->giv, *p;
    size_t n;
    int fem = family && w->fam_gendered && w->sex == 'F';
    int script = w->script;

    if (script == SCR_CYR) {
        synth_entry_seg(e, 1, &p, &n);
        if (n > 0) {
            sb_family(s, p, n, fem);
            return;
        }
        script = SCR_LATIN;
    }
    if (script == SCR_ARM) {
        synth_entry_seg(e, 2, &p, &n);
        if (n > 0) {
            sb_add(s, p, n);
            return;
        }
        script = SCR_LATIN;
    }
    if (script == SCR_MRZ_TITLE || script == SCR_MRZ_CAPS) {
        char tmp[TXT];
        sb_t t;
        sb_init(&t, tmp, sizeof(tmp));
        synth_name_passport(w, family, &t);
        if (script == SCR_MRZ_TITLE)
            title_case(tmp);
        sb_adds(s, tmp);
        return;
    }
    synth_entry_seg(e, 0, &p, &n);
    part_of(p, n, family ? w->fam_var : w->giv_var, &p, &n);
    sb_family(s, p, n, fem);
}

static const char *const rule_names[] = {
    "required_empty", "bad_date", "bad_timestamp", "bad_country", "bad_region", "bad_enum",
    "bad_uint", "bad_tin", "bad_isic", "bad_isco", "bad_id", "bad_utf8"};

static const badkind_t bad_permits[] = {
    {BR_REQUIRED, P_WORKER_DOC_NO},   {BR_DATE, P_WORKER_BIRTH_DATE},
    {BR_TIMESTAMP, P_SUBMITTED_AT},   {BR_COUNTRY, P_WORKER_CITIZENSHIP},
    {BR_REGION, P_WORKPLACE_REGION},  {BR_ENUM, P_WORKER_SEX},
    {BR_UINT, P_MONTHLY_SALARY_AMD},  {BR_TIN, P_EMPLOYER_TIN},
    {BR_ISIC, P_EMPLOYER_SECTOR},     {BR_ISCO, P_OCCUPATION_ISCO},
};

static const badkind_t bad_border[] = {
    {BR_ID, B_CROSSING_ID},   {BR_TIMESTAMP, B_CROSSED_AT}, {BR_ENUM, B_DIRECTION},
    {BR_REQUIRED, B_DOC_NO},  {BR_DATE, B_BIRTH_DATE},      {BR_COUNTRY, B_DOC_COUNTRY},
    {BR_UTF8, B_FAMILY_NAME}, {BR_ENUM, B_SEX},
};

static const badkind_t bad_insp[] = {
    {BR_ID, I_INSPECTION_ID},   {BR_TIN, I_EMPLOYER_TIN},
    {BR_DATE, I_INSPECTED_ON},  {BR_UINT, I_WORKERS_FOUND},
    {BR_ENUM, I_VIOLATIONS},    {BR_UINT, I_UNDECLARED_WORKERS},
};

static const badkind_t bad_reports[] = {
    {BR_ID, R_REPORT_ID},       {BR_TIMESTAMP, R_RECEIVED_AT},
    {BR_ENUM, R_CHANNEL},       {BR_ENUM, R_CATEGORY},
    {BR_DATE, R_SUBJECT_BIRTH_DATE}, {BR_COUNTRY, R_SUBJECT_CITIZENSHIP},
    {BR_TIN, R_EMPLOYER_TIN},   {BR_UTF8, R_SUMMARY},
};

static const badkind_t bad_outcomes[] = {
    {BR_ENUM, O_ENTITY_TYPE}, {BR_ENUM, O_OUTCOME}, {BR_DATE, O_DECIDED_ON},
    {BR_REQUIRED, O_ENTITY_KEY},
};

static const badkind_t *const file_bad[NFILES] = {bad_permits, bad_border, bad_insp,
                                                  bad_reports, bad_outcomes, NULL, NULL,
                                                  NULL, NULL};

static const unsigned file_nbad[NFILES] = {NELEM(bad_permits), NELEM(bad_border),
                                           NELEM(bad_insp), NELEM(bad_reports),
                                           NELEM(bad_outcomes), 0, 0, 0, 0};

/* ---- bad rows ---------------------------------------------------------------- */

static int parse_date10(const char *s, size_t n, int *y, int *m, int *d)
{
    size_t i;
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return 1;
}

static const char *enum_bad_values(int file, int col)
{
    if (file == F_PERMITS || (file == F_BORDER && col == B_SEX))
        return "male|female|W|unknown";
    if (file == F_BORDER)
        return "entry|exit|arrival|I";
    if (file == F_REPORTS && col == R_CHANNEL)
        return "phone|e-mail|walk-in|unknown";
    if (file == F_REPORTS)
        return "labour exploitation|trafficking|sexual|forced labour";
    if (file == F_INSPECT)
        return "wage_arrears;late_salary|wage arrears|documents_withheld;passport_kept|unpaid";
    if (col == O_ENTITY_TYPE)
        return "company|person|passport|agency";
    return "yes|true|victim|closed";
}

static uint64_t uint_max_of(int file, int col)
{
    if (file == F_PERMITS && col == P_MONTHLY_SALARY_AMD)
        return 100000000;
    if (file == F_PERMITS && col == P_WEEKLY_HOURS)
        return 168;
    if (file == F_PERMITS)
        return 10000000;
    return 1000000;
}

/* Replaces column k->col of the record with a value that breaks rule k->rule
 * and nothing else; the reason goes to `why`. */
static void mutate(ctx_t *c, rng_t *r, int file, const badkind_t *k, unsigned variant,
                   sb_t *why)
{
    rec_t *rec = &c->rec;
    const char *cur = rec->f[k->col];
    size_t n = rec->len[k->col];
    char v[TXT + 80];
    sb_t s;
    int y = 1990, m = 5, d = 12;

    sb_init(&s, v, sizeof(v));
    sb_adds(why, rule_names[k->rule]);
    sb_adds(why, ": ");
    switch (k->rule) {
    case BR_REQUIRED:
        sb_adds(why, "required field is empty");
        break;
    case BR_DATE:
        parse_date10(cur, n, &y, &m, &d);
        switch (variant % 6) {
        case 0:
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(&s, "-02-30");
            sb_adds(why, "not a real date (February 30)");
            break;
        case 1:
            sb_addu(&s, (uint64_t)d, 2);
            sb_addc(&s, '/');
            sb_addu(&s, (uint64_t)m, 2);
            sb_addc(&s, '/');
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(why, "not YYYY-MM-DD (DD/MM/YYYY)");
            break;
        case 2:
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(&s, "-13-");
            sb_addu(&s, (uint64_t)d, 2);
            sb_adds(why, "month 13");
            break;
        case 3:
            sb_addu(&s, (uint64_t)d, 2);
            sb_addc(&s, '.');
            sb_addu(&s, (uint64_t)m, 2);
            sb_addc(&s, '.');
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(why, "not YYYY-MM-DD (DD.MM.YYYY)");
            break;
        case 4:
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(&s, "-04-31");
            sb_adds(why, "not a real date (April 31)");
            break;
        default:
            sb_addu(&s, (uint64_t)y, 4);
            sb_addc(&s, '/');
            sb_addu(&s, (uint64_t)m, 2);
            sb_addc(&s, '/');
            sb_addu(&s, (uint64_t)d, 2);
            sb_adds(why, "not YYYY-MM-DD (YYYY/MM/DD)");
            break;
        }
        break;
    case BR_TIMESTAMP:
        if (n < 19)
            break;
        switch (variant % 4) {
        case 0:
            sb_add(&s, cur, 10);
            sb_addc(&s, ' ');
            sb_add(&s, cur + 11, n - 11);
            sb_adds(why, "space instead of T");
            break;
        case 1:
            sb_add(&s, cur + 8, 2);
            sb_addc(&s, '.');
            sb_add(&s, cur + 5, 2);
            sb_addc(&s, '.');
            sb_add(&s, cur, 4);
            sb_addc(&s, ' ');
            sb_add(&s, cur + 11, 5);
            sb_adds(why, "not ISO 8601 (DD.MM.YYYY HH:MM)");
            break;
        case 2:
            sb_add(&s, cur, 16);
            sb_adds(why, "seconds missing");
            break;
        default:
            sb_add(&s, cur, 5);
            sb_adds(&s, "02-30");
            sb_add(&s, cur + 10, n - 10);
            sb_adds(why, "not a real date (February 30)");
            break;
        }
        break;
    case BR_COUNTRY: {
        int i, found = -1;
        for (i = 0; i < NNAT; i++)
            if (n == 3 && memcmp(synth_nats[i].iso, cur, 3) == 0)
                found = i;
        switch (variant % 3) {
        case 0:
            sb_adds(&s, found >= 0 ? synth_nats[found].name_en : "Armenia");
            sb_adds(why, "a country name, not an ISO 3166-1 alpha-3 code");
            break;
        case 1:
            sb_adds(&s, "XXZ");
            sb_adds(why, "not an assigned ISO 3166-1 alpha-3 code");
            break;
        default:
            sb_add(&s, found >= 0 ? synth_nats[found].iso : "AM", 2);
            sb_adds(why, "two letters, not an alpha-3 code");
            break;
        }
        break;
    }
    case BR_REGION:
        synth_sb_part(&s, "Yerevan|AM-YR|AM-99|ER", variant);
        sb_adds(why, "not an ISO 3166-2:AM region code");
        break;
    case BR_ENUM:
        synth_sb_part(&s, enum_bad_values(file, k->col), variant);
        sb_adds(why, "value outside the allowed list");
        break;
    case BR_UINT: {
        uint64_t x = 0, mx = uint_max_of(file, k->col);
        size_t i;
        for (i = 0; i < n && cur[i] >= '0' && cur[i] <= '9'; i++)
            x = x * 10 + (uint64_t)(cur[i] - '0');
        if (n == 0)
            x = 12;
        switch (variant % 4) {
        case 0:
            sb_addc(&s, '-');
            sb_addu(&s, x, 0);
            sb_adds(why, "negative");
            break;
        case 1:
            sb_addu(&s, mx + 1 + rng_below(r, 1000), 0);
            sb_adds(why, "above the maximum");
            break;
        case 2:
            sb_addu(&s, x, 0);
            sb_adds(&s, ".5");
            sb_adds(why, "not an integer");
            break;
        default:
            if (x >= 1000) {
                sb_addu(&s, x / 1000, 0);
                sb_addc(&s, ' ');
                sb_addu(&s, x % 1000, 3);
                sb_adds(why, "thousands separator");
            } else {
                sb_adds(&s, "n/a");
                sb_adds(why, "not a number");
            }
            break;
        }
        break;
    }
    case BR_TIN: {
        char t[9];
        if (n == 8) {
            memcpy(t, cur, 8);
        } else {
            unsigned i;
            for (i = 0; i < 8; i++)
                t[i] = (char)('0' + rng_below(r, 10));
        }
        t[8] = '\0';
        switch (variant % 4) {
        case 0:
            sb_add(&s, t, 7);
            sb_adds(why, "7 digits, not 8");
            break;
        case 1:
            sb_add(&s, t, 8);
            sb_addc(&s, (char)('0' + rng_below(r, 10)));
            sb_adds(why, "9 digits, not 8");
            break;
        case 2:
            sb_add(&s, t, 2);
            sb_addc(&s, '-');
            sb_add(&s, t + 2, 6);
            sb_adds(why, "a dash inside the number");
            break;
        default:
            sb_addc(&s, 'A');
            sb_add(&s, t + 1, 7);
            sb_adds(why, "a letter inside the number");
            break;
        }
        break;
    }
    case BR_ISIC:
        synth_sb_part(&s, "04|99x|4|411|34", variant);
        sb_adds(why, "not an ISIC Rev.4 division");
        break;
    case BR_ISCO: {
        const char *base = n == 4 ? cur : "9313";
        switch (variant % 4) {
        case 0:
            sb_add(&s, base, 3);
            break;
        case 1:
            sb_add(&s, base, 4);
            sb_addc(&s, '0');
            break;
        case 2:
            sb_add(&s, base, 1);
            sb_addc(&s, 'X');
            sb_add(&s, base + 2, 2);
            break;
        default:
            sb_add(&s, base, 2);
            sb_addc(&s, ' ');
            sb_add(&s, base + 2, 2);
            break;
        }
        sb_adds(why, "not a 4-digit ISCO-08 unit group");
        break;
    }
    case BR_ID: {
        const char *dash = memchr(cur, '-', n);
        size_t at = dash ? (size_t)(dash - cur) : n / 2;
        switch (variant % 3) {
        case 0:
        case 1:
            sb_add(&s, cur, at);
            sb_addc(&s, variant % 3 == 0 ? ' ' : ',');
            if (at < n)
                sb_add(&s, cur + at + 1, n - at - 1);
            sb_adds(why, variant % 3 == 0 ? "a space inside the id" : "a comma inside the id");
            break;
        default:
            sb_add(&s, cur, n);
            while (s.n <= 70)
                sb_adds(&s, "-CORRECTION");
            sb_adds(why, "longer than 64 bytes");
            break;
        }
        break;
    }
    default: { /* BR_UTF8 */
        static const char *const junk[] = {"\xC3\x28", "\xFF", "\xD0", "\xC0\xAF",
                                           "\xED\xA0\x80"};
        sb_add(&s, cur, n);
        sb_adds(&s, junk[variant % NELEM(junk)]);
        sb_adds(why, "invalid UTF-8");
        break;
    }
    }
    synth_rec_set(rec, k->col, v, s.n);
}

/* Writes c->rec to `file`; when the row is due and `eligible` (background,
 * never planted or look-alike), breaks one rule first and logs it. */
int synth_finish_row(ctx_t *c, rng_t *r, int file, int eligible)
{
    outfile_t *o = &c->out[file];
    if (eligible && c->bad_rate > 0 && file_nbad[file] > 0 && o->rows >= o->next_bad) {
        unsigned nk = file_nbad[file];
        const badkind_t *k = &file_bad[file][o->bad % nk];
        unsigned variant = (unsigned)(o->bad / nk) + rng_below(r, 8);
        char why[160], num[24];
        sb_t w, ns;
        rec_t *br;
        double gap;
        uint64_t line = o->rows + 2;

        sb_init(&w, why, sizeof(why));
        mutate(c, r, file, k, variant, &w);
        synth_write_rec(c, file, &c->rec);
        o->bad++;
        gap = (1.0 / c->bad_rate) * (0.5 + rng_unit(r));
        o->next_bad = o->rows + (gap < 1.0 ? 0 : (uint64_t)gap);
        /* bad_rows.csv uses its own record: c->rec is done */
        br = &c->rec;
        synth_rec_begin(br, 4);
        synth_rec_sets(br, 0, synth_file_names[file]);
        sb_init(&ns, num, sizeof(num));
        sb_addu(&ns, line, 0);
        synth_rec_sets(br, 1, num);
        synth_rec_sets(br, 2, synth_file_cols[file][k->col]);
        synth_rec_sets(br, 3, why);
        synth_write_rec(c, F_BAD, br);
        return 1;
    }
    synth_write_rec(c, file, &c->rec);
    return 0;
}

/* A document number as typed: mostly canonical, sometimes with a space,
 * a dash or in lower case (all normalise to the same number). */
void synth_sb_doc(sb_t *s, const char *doc, int style)
{
    size_t n = strlen(doc), i;
    switch (style) {
    case 1:
        for (i = 0; i < n; i++)
            sb_addc(s, (doc[i] >= 'A' && doc[i] <= 'Z') ? (char)(doc[i] - 'A' + 'a') : doc[i]);
        break;
    case 2:
        sb_add(s, doc, 2);
        sb_addc(s, ' ');
        sb_adds(s, doc + 2);
        break;
    case 3:
        sb_add(s, doc, 2);
        sb_addc(s, '-');
        sb_adds(s, doc + 2);
        break;
    case 4:
        for (i = 0; i < n; i++) {
            if (i && i % 3 == 0)
                sb_addc(s, ' ');
            sb_addc(s, doc[i]);
        }
        break;
    default:
        sb_adds(s, doc);
        break;
    }
}

const uint16_t synth_am_phone_style_w[9] = {35, 15, 8, 7, 5, 15, 5, 5, 5};

/* Re-spells a phone written in E.164 (+374 and eight digits) in another style. */
void synth_respell_am_phone(const char *e164, int style, char *out, size_t cap)
{
    char op[3], digs[8];
    unsigned long six = 0;
    int i;
    sb_t s;
    if (strncmp(e164, "+374", 4) != 0 || strlen(e164) != 12) {
        snprintf(out, cap, "%s", e164);
        return;
    }
    memcpy(op, e164 + 4, 2);
    op[2] = '\0';
    memcpy(digs, e164 + 6, 6);
    digs[6] = '\0';
    for (i = 0; i < 6; i++)
        six = six * 10 + (unsigned long)(digs[i] - '0');
    sb_init(&s, out, cap);
    switch (style) {
    case 1:
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_add(&s, digs, 2);
        sb_addc(&s, ' ');
        sb_add(&s, digs + 2, 2);
        sb_addc(&s, ' ');
        sb_add(&s, digs + 4, 2);
        break;
    case 2:
        sb_adds(&s, "(0");
        sb_adds(&s, op);
        sb_adds(&s, ") ");
        sb_add(&s, digs, 3);
        sb_addc(&s, '-');
        sb_add(&s, digs + 3, 3);
        break;
    case 3:
        sb_adds(&s, "374 ");
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_adds(&s, digs);
        break;
    case 4:
        sb_adds(&s, "00374");
        sb_adds(&s, op);
        sb_adds(&s, digs);
        break;
    case 5:
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_adds(&s, digs);
        break;
    default:
        sb_adds(&s, e164);
        break;
    }
    (void)six;
}

/* ---- persons: how a record may get a person wrong ---------------------------- */

/* Day and month swapped, when both can be a month and they differ; else the
 * date itself. */
int32_t synth_birth_swapped(int32_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (d > 12 || d == m)
        return day;
    return days_from_civil(y, d, m);
}

/* One digit of the year off: the year before for an even day, after for an
 * odd one (29 February becomes the 28th). */
int32_t synth_birth_year_off(int32_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (m == 2 && d == 29)
        d = 28;
    return days_from_civil(d % 2 ? y + 1 : y - 1, m, d);
}

/* One digit of a canonical document number read as a look-alike digit. */
void synth_misread_doc(rng_t *r, char *doc)
{
    static const char look[] = "8795967120"; /* 0->8 1->7 2->9 ... 9->0 */
    size_t i, n = 0, k;
    for (i = 0; doc[i]; i++)
        n += doc[i] >= '0' && doc[i] <= '9';
    if (n == 0)
        return;
    k = rng_below(r, (uint32_t)n);
    for (i = 0; doc[i]; i++) {
        if (doc[i] >= '0' && doc[i] <= '9' && k-- == 0) {
            doc[i] = look[doc[i] - '0'];
            return;
        }
    }
}

/* Appends the first character (UTF-8) of x and a full stop. */
static void sb_initial(sb_t *s, const char *x)
{
    size_t n = 1;
    if (!*x)
        return;
    while (x[n] && ((unsigned char)x[n] & 0xC0) == 0x80)
        n++;
    sb_add(s, x, n);
    sb_addc(s, '.');
}

/* A person's name as a report gives it, without a document: heard on the
 * phone, written by a case worker or a consulate. Script: as the permit
 * writes it 40 %, a Latin spelling as heard (any transliteration variant)
 * 35 %, Cyrillic 15 % and Armenian script 10 % where the name has one (else
 * Latin). Form: given family 45 %, family given 25 %, given name only 15 %,
 * family name and initial 10 %, family name only 5 %. */
void synth_report_name(rng_t *r, const person_t *w, sb_t *s)
{
    person_t v = *w;
    char giv[TXT], fam[TXT];
    sb_t g, f;
    double u = rng_unit(r);
    if (u < 0.40) {
        /* as in the permit */
    } else if (u < 0.75) {
        v.script = SCR_LATIN;
        v.giv_var = (uint8_t)rng_below(r, 4);
        v.fam_var = (uint8_t)rng_below(r, 4);
    } else {
        v.script = u < 0.90 ? SCR_CYR : SCR_ARM;
    }
    sb_init(&g, giv, sizeof(giv));
    sb_init(&f, fam, sizeof(fam));
    synth_name_permit(&v, 0, &g);
    synth_name_permit(&v, 1, &f);
    u = rng_unit(r);
    if (u < 0.45) {
        sb_adds(s, giv);
        sb_addc(s, ' ');
        sb_adds(s, fam);
    } else if (u < 0.70) {
        sb_adds(s, fam);
        sb_addc(s, ' ');
        sb_adds(s, giv);
    } else if (u < 0.85) {
        sb_adds(s, giv);
    } else if (u < 0.95) {
        sb_adds(s, fam);
        sb_addc(s, ' ');
        sb_initial(s, giv);
    } else {
        sb_adds(s, fam);
    }
}
