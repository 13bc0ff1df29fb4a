/*
 * template.c - loading, checking and rendering the outreach message texts
 * (contract in template.h).
 *
 * Data structure: a tpl_set_t holds one tpl_lang_t per language file, each
 * with its TPL_NSECTIONS section texts (heap copies, trailing blank lines
 * trimmed), plus the contacts' values. Everything is checked at load:
 * rendering cannot meet an unknown placeholder or a missing section.
 *
 * Invariants:
 *   1. Every section of every loaded language is present and holds only
 *      known placeholders (checked by check_text() at load).
 *   2. Every contact key is set.
 *
 * Thread model: a loaded set is read-only.
 */
#include "outreach/template.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strmap.h"

#define TPL_FILE_MAX (256 * 1024)
#define TPL_MAX_LANGS 32

static const char *const event_names[OUTREACH_EVENT_COUNT] = {
    "approved", "renewed", "transferred", "revoked", "expiry_30d", "no_entry"};

const char *outreach_event_name(outreach_event_t ev)
{
    return (unsigned)ev < OUTREACH_EVENT_COUNT ? event_names[ev] : "unknown";
}

int outreach_event_parse(const char *name)
{
    for (int i = 0; i < OUTREACH_EVENT_COUNT; i++)
        if (strcmp(name, event_names[i]) == 0)
            return i;
    return -1;
}

/* Sections: subject.EVENT (0..5), body.EVENT (6..11), then the shared ones. */
enum {
    SEC_SUBJECT = 0,
    SEC_BODY = OUTREACH_EVENT_COUNT,
    SEC_RIGHTS = 2 * OUTREACH_EVENT_COUNT,
    SEC_DOMESTIC,
    SEC_DOMESTIC_F,
    SEC_ENTERTAINMENT,
    SEC_ENTERTAINMENT_F,
    SEC_FOOTER,
    TPL_NSECTIONS
};

static const char *const shared_sections[] = {"rights", "rights.domestic", "rights.domestic.f",
                                              "rights.entertainment",
                                              "rights.entertainment.f", "footer"};

/* Placeholders; the first TPL_NVALUES come from tpl_values_t, the rest from
 * contacts.txt. */
enum {
    PH_GIVEN_NAME,
    PH_FAMILY_NAME,
    PH_APPLICATION_ID,
    PH_PERMIT_NO,
    PH_VALID_FROM,
    PH_VALID_TO,
    PH_EMPLOYER_NAME,
    TPL_NVALUES,
    PH_HOTLINE = TPL_NVALUES,
    PH_EMERGENCY,
    PH_NGO,
    PH_MIN_WAGE,
    PH_MAX_HOURS,
    TPL_NPLACEHOLDERS
};
static const char *const ph_names[TPL_NPLACEHOLDERS] = {
    "given_name", "family_name", "application_id", "permit_no", "valid_from",
    "valid_to",   "employer_name", "hotline",      "emergency", "ngo",
    "min_wage_amd", "max_weekly_hours"};

typedef struct {
    char code[8];
    long version;
    char id[64]; /* "ru v3 #0123abcd" */
    char *sec[TPL_NSECTIONS];
} tpl_lang_t;

struct tpl_set {
    tpl_lang_t langs[TPL_MAX_LANGS];
    size_t nlangs;
    char *contact[TPL_NPLACEHOLDERS]; /* [TPL_NVALUES..) used */
    char languages[TPL_MAX_LANGS * 8];
};

static void section_name(int s, char *out, size_t cap)
{
    if (s < SEC_BODY)
        snprintf(out, cap, "subject.%s", event_names[s]);
    else if (s < SEC_RIGHTS)
        snprintf(out, cap, "body.%s", event_names[s - SEC_BODY]);
    else
        snprintf(out, cap, "%s", shared_sections[s - SEC_RIGHTS]);
}

static int section_parse(const char *name, size_t len)
{
    char nm[64];
    for (int s = 0; s < TPL_NSECTIONS; s++) {
        section_name(s, nm, sizeof nm);
        if (strlen(nm) == len && memcmp(nm, name, len) == 0)
            return s;
    }
    return -1;
}

static int placeholder_parse(const char *name, size_t len)
{
    for (int i = 0; i < TPL_NPLACEHOLDERS; i++)
        if (strlen(ph_names[i]) == len && memcmp(ph_names[i], name, len) == 0)
            return i;
    return -1;
}

/* Checks the placeholders of text that starts at `line` of file. */
static tw_err_t check_text(const char *text, const char *file, long line, tw_errinfo_t *ei)
{
    long col = 1;
    for (const char *p = text; *p; p++, col++) {
        if (*p == '\n') {
            line++;
            col = 0;
            continue;
        }
        if (*p != '{')
            continue;
        if (p[1] == '{') {
            p++;
            col++;
            continue;
        }
        const char *q = p + 1;
        while (*q && *q != '}' && *q != '\n' && *q != '{')
            q++;
        tw_errinfo_file(ei, file);
        if (ei) {
            ei->line = line;
            ei->column = col;
        }
        if (*q != '}')
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "a placeholder opened with '{' is not closed on its line "
                                  "(write '{{' for a brace)");
        if (placeholder_parse(p + 1, (size_t)(q - p - 1)) < 0)
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "unknown placeholder {%.*s}; known: given_name, "
                                  "family_name, application_id, permit_no, valid_from, "
                                  "valid_to, employer_name, hotline, emergency, ngo, "
                                  "min_wage_amd, max_weekly_hours",
                                  (int)(q - p - 1 > 40 ? 40 : q - p - 1), p + 1);
        col += (long)(q - p);
        p = q;
    }
    return TW_OK;
}

static char *dup_trimmed(const char *s, size_t len)
{
    while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' ' ||
                   s[len - 1] == '\t'))
        len--;
    while (len && (*s == '\n' || *s == '\r')) {
        s++;
        len--;
    }
    char *d = malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

static void lang_free(tpl_lang_t *l)
{
    for (int s = 0; s < TPL_NSECTIONS; s++) {
        free(l->sec[s]);
        l->sec[s] = NULL;
    }
}

/* One header line "key: value"; returns the value's bounds. */
static int header_value(const char *line, size_t len, const char *key, const char **v,
                        size_t *vlen)
{
    size_t k = strlen(key);
    if (len <= k || memcmp(line, key, k) != 0 || line[k] != ':')
        return 0;
    const char *p = line + k + 1;
    const char *e = line + len;
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    while (e > p && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    *v = p;
    *vlen = (size_t)(e - p);
    return 1;
}

/* Parses a language file's text (b: NUL-terminated, b->len bytes) named
 * `path` for errors. */
static tw_err_t lang_parse(tpl_lang_t *l, const tw_buf_t *bb, const char *path,
                           const char *code, tw_errinfo_t *ei)
{
    tw_buf_t b = *bb; /* read only: a view of the caller's buffer */
    tw_err_t err;
    long line = 0, sec_line = 0;
    int cur = -1;
    const char *sec_start = NULL;
    int have_lang = 0;

    memset(l, 0, sizeof *l);
    l->version = -1;
    if (b.len > TPL_FILE_MAX) {
        tw_errinfo_file(ei, path);
        err = tw_errinfo_set(ei, TW_ETOOBIG, "a template file is at most %d bytes",
                             TPL_FILE_MAX);
        goto out;
    }
    if (b.len && memchr(b.p, '\0', b.len)) {
        tw_errinfo_file(ei, path);
        err = tw_errinfo_set(ei, TW_EINPUT, "a template file is text; this one has a NUL byte");
        goto out;
    }
    snprintf(l->code, sizeof l->code, "%s", code);
    const char *p = buf_str(&b), *end = p + b.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - p);
        line++;
        if (len >= 3 && memcmp(p, "== ", 3) == 0) {
            if (cur >= 0) {
                l->sec[cur] = dup_trimmed(sec_start, (size_t)(p - sec_start));
                if (!l->sec[cur]) {
                    err = TW_ENOMEM;
                    goto out;
                }
                err = check_text(l->sec[cur], path, sec_line, ei);
                if (err != TW_OK)
                    goto out;
            }
            const char *nm = p + 3;
            size_t nlen = len - 3;
            while (nlen && (nm[nlen - 1] == ' ' || nm[nlen - 1] == '\r'))
                nlen--;
            cur = section_parse(nm, nlen);
            tw_errinfo_file(ei, path);
            if (ei)
                ei->line = line;
            if (cur < 0) {
                err = tw_errinfo_set(ei, TW_EINPUT, "unknown section '%.*s'",
                                     (int)(nlen > 60 ? 60 : nlen), nm);
                goto out;
            }
            if (l->sec[cur]) {
                err = tw_errinfo_set(ei, TW_EINPUT, "section '%.*s' appears twice",
                                     (int)nlen, nm);
                goto out;
            }
            sec_start = nl ? nl + 1 : end;
            sec_line = line + 1;
        } else if (cur < 0) {
            const char *v;
            size_t vlen;
            if (len == 0 || p[0] == '#' || (len == 1 && p[0] == '\r')) {
                /* blank or comment */
            } else if (header_value(p, len, "language", &v, &vlen)) {
                if (vlen != strlen(code) || memcmp(v, code, vlen) != 0) {
                    tw_errinfo_file(ei, path);
                    if (ei)
                        ei->line = line;
                    err = tw_errinfo_set(ei, TW_EINPUT,
                                         "the file says language '%.*s' but is named %s.txt",
                                         (int)(vlen > 16 ? 16 : vlen), v, code);
                    goto out;
                }
                have_lang = 1;
            } else if (header_value(p, len, "version", &v, &vlen)) {
                char num[24];
                char *ep;
                snprintf(num, sizeof num, "%.*s", (int)(vlen > 20 ? 20 : vlen), v);
                long n = strtol(num, &ep, 10);
                if (vlen == 0 || *ep || n < 1 || n > 1000000) {
                    tw_errinfo_file(ei, path);
                    if (ei)
                        ei->line = line;
                    err = tw_errinfo_set(ei, TW_EINPUT,
                                         "version must be a whole number from 1");
                    goto out;
                }
                l->version = n;
            } else if (header_value(p, len, "reviewed", &v, &vlen)) {
                /* who reviewed the text and when: kept for people, not used */
            } else {
                tw_errinfo_file(ei, path);
                if (ei)
                    ei->line = line;
                err = tw_errinfo_set(ei, TW_EINPUT,
                                     "before the first '== section' only comments and the "
                                     "language:, version: and reviewed: lines");
                goto out;
            }
        }
        p = nl ? nl + 1 : end;
    }
    if (cur >= 0) {
        l->sec[cur] = dup_trimmed(sec_start, (size_t)(end - sec_start));
        if (!l->sec[cur]) {
            err = TW_ENOMEM;
            goto out;
        }
        err = check_text(l->sec[cur], path, sec_line, ei);
        if (err != TW_OK)
            goto out;
    }
    tw_errinfo_file(ei, path);
    if (!have_lang || l->version < 0) {
        err = tw_errinfo_set(ei, TW_EINPUT, "the file needs a 'language: %s' and a "
                             "'version: N' line before its sections", code);
        goto out;
    }
    for (int s = 0; s < TPL_NSECTIONS; s++) {
        if (!l->sec[s] || !l->sec[s][0]) {
            char nm[64];
            section_name(s, nm, sizeof nm);
            err = tw_errinfo_set(ei, TW_EINPUT, "section '%s' is missing or empty", nm);
            goto out;
        }
        if (s < SEC_BODY && strchr(l->sec[s], '\n')) {
            char nm[64];
            section_name(s, nm, sizeof nm);
            err = tw_errinfo_set(ei, TW_EINPUT, "section '%s' is a subject: one line", nm);
            goto out;
        }
    }
    snprintf(l->id, sizeof l->id, "%s v%ld #%08llx", code, l->version,
             (unsigned long long)(strmap_hash(b.p, b.len) & 0xffffffffu));
    tw_errinfo_clear(ei);
    err = TW_OK;
out:
    if (err != TW_OK)
        lang_free(l);
    return err;
}

static tw_err_t lang_load(tpl_lang_t *l, const char *path, const char *code,
                          tw_errinfo_t *ei)
{
    tw_buf_t b;
    int sys = 0;
    tw_err_t err;
    memset(l, 0, sizeof *l);
    buf_init(&b, TPL_FILE_MAX + 1);
    err = buf_read_file(&b, path, &sys);
    if (err != TW_OK) {
        tw_errinfo_file(ei, path);
        tw_errinfo_set(ei, err, "cannot read the template file");
    } else {
        err = lang_parse(l, &b, path, code, ei);
    }
    buf_free(&b);
    return err;
}

static tw_err_t contacts_load(tpl_set_t *set, const char *path, tw_errinfo_t *ei)
{
    tw_buf_t b;
    int sys = 0;
    long line = 0;
    tw_err_t err;

    buf_init(&b, 64 * 1024 + 1);
    err = buf_read_file(&b, path, &sys);
    if (err != TW_OK) {
        tw_errinfo_file(ei, path);
        tw_errinfo_set(ei, err, "cannot read the contacts file the messages quote");
        goto out;
    }
    const char *p = buf_str(&b), *end = p + b.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        line++;
        const char *s = p;
        while (s < le && (*s == ' ' || *s == '\t'))
            s++;
        if (s < le && *s != '#' && *s != '\r') {
            const char *eq = memchr(s, '=', (size_t)(le - s));
            const char *ke = eq, *v, *ve = le;
            tw_errinfo_file(ei, path);
            if (ei)
                ei->line = line;
            if (!eq) {
                err = tw_errinfo_set(ei, TW_EINPUT, "expected 'key = value'");
                goto out;
            }
            while (ke > s && (ke[-1] == ' ' || ke[-1] == '\t'))
                ke--;
            v = eq + 1;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
                ve--;
            int ph = placeholder_parse(s, (size_t)(ke - s));
            if (ph < TPL_NVALUES) {
                err = tw_errinfo_set(ei, TW_EINPUT,
                                     "unknown contact '%.*s'; known: hotline, emergency, ngo, "
                                     "min_wage_amd, max_weekly_hours",
                                     (int)(ke - s > 40 ? 40 : ke - s), s);
                goto out;
            }
            if (ve == v) {
                err = tw_errinfo_set(ei, TW_EINPUT, "contact '%s' has no value", ph_names[ph]);
                goto out;
            }
            free(set->contact[ph]);
            set->contact[ph] = dup_trimmed(v, (size_t)(ve - v));
            if (!set->contact[ph]) {
                err = TW_ENOMEM;
                goto out;
            }
        }
        p = nl ? nl + 1 : end;
    }
    for (int i = TPL_NVALUES; i < TPL_NPLACEHOLDERS; i++)
        if (!set->contact[i]) {
            tw_errinfo_file(ei, path);
            err = tw_errinfo_set(ei, TW_EINPUT, "contact '%s' is not set", ph_names[i]);
            goto out;
        }
    err = TW_OK;
out:
    buf_free(&b);
    return err;
}

static int cmp_lang(const void *a, const void *b)
{
    return strcmp(((const tpl_lang_t *)a)->code, ((const tpl_lang_t *)b)->code);
}

tw_err_t tpl_set_load(const char *dir, tpl_set_t **out, tw_errinfo_t *ei)
{
    tpl_set_t *set = calloc(1, sizeof *set);
    DIR *d = NULL;
    struct dirent *de;
    char path[4096];
    tw_err_t err = TW_OK;

    *out = NULL;
    if (!set)
        return TW_ENOMEM;
    d = opendir(dir);
    if (!d) {
        tw_errinfo_file(ei, dir);
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "cannot open the templates directory");
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        size_t len = strlen(n);
        if (len < 5 || strcmp(n + len - 4, ".txt") != 0 || strcmp(n, "contacts.txt") == 0)
            continue;
        char code[8];
        size_t cl = len - 4;
        int ok = cl >= 2 && cl <= 3;
        for (size_t i = 0; ok && i < cl; i++)
            ok = n[i] >= 'a' && n[i] <= 'z';
        if (!ok) {
            tw_errinfo_file(ei, n);
            err = tw_errinfo_set(ei, TW_EINPUT,
                                 "a language file is named by its ISO 639-1 code (ru.txt)");
            goto out;
        }
        if (set->nlangs == TPL_MAX_LANGS) {
            err = tw_errinfo_set(ei, TW_ETOOBIG, "at most %d languages", TPL_MAX_LANGS);
            goto out;
        }
        snprintf(code, sizeof code, "%.*s", (int)cl, n);
        if (snprintf(path, sizeof path, "%s/%s", dir, n) >= (int)sizeof path) {
            err = tw_errinfo_set(ei, TW_EINPUT, "templates path too long");
            goto out;
        }
        err = lang_load(&set->langs[set->nlangs], path, code, ei);
        if (err != TW_OK)
            goto out;
        set->nlangs++;
    }
    if (set->nlangs == 0) {
        tw_errinfo_file(ei, dir);
        err = tw_errinfo_set(ei, TW_ENOTFOUND, "no language file (LANG.txt) in the directory");
        goto out;
    }
    qsort(set->langs, set->nlangs, sizeof set->langs[0], cmp_lang);
    if (snprintf(path, sizeof path, "%s/contacts.txt", dir) >= (int)sizeof path) {
        err = tw_errinfo_set(ei, TW_EINPUT, "templates path too long");
        goto out;
    }
    err = contacts_load(set, path, ei);
    if (err != TW_OK)
        goto out;
    size_t off = 0;
    for (size_t i = 0; i < set->nlangs; i++)
        off += (size_t)snprintf(set->languages + off, sizeof set->languages - off, "%s%s",
                                i ? "," : "", set->langs[i].code);
    *out = set;
    set = NULL;
out:
    if (d)
        closedir(d);
    tpl_set_free(set);
    return err;
}

void tpl_set_free(tpl_set_t *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->nlangs; i++)
        lang_free(&set->langs[i]);
    for (int i = 0; i < TPL_NPLACEHOLDERS; i++)
        free(set->contact[i]);
    free(set);
}

static const tpl_lang_t *find_lang(const tpl_set_t *set, const char *lang)
{
    for (size_t i = 0; i < set->nlangs; i++)
        if (strcmp(set->langs[i].code, lang) == 0)
            return &set->langs[i];
    return NULL;
}

int tpl_set_has(const tpl_set_t *set, const char *lang)
{
    return find_lang(set, lang) != NULL;
}

const char *tpl_set_languages(const tpl_set_t *set)
{
    return set->languages;
}

static tw_err_t render_text(const tpl_set_t *set, const char *text, const tpl_values_t *v,
                            tw_buf_t *b)
{
    const char *vals[TPL_NPLACEHOLDERS] = {v->given_name, v->family_name, v->application_id,
                                           v->permit_no, v->valid_from, v->valid_to,
                                           v->employer_name};
    tw_err_t err;
    for (int i = TPL_NVALUES; i < TPL_NPLACEHOLDERS; i++)
        vals[i] = set->contact[i];
    const char *p = text;
    while (*p) {
        const char *br = strchr(p, '{');
        if (!br)
            return buf_adds(b, p);
        if ((err = buf_add(b, p, (size_t)(br - p))) != TW_OK)
            return err;
        if (br[1] == '{') {
            if ((err = buf_addc(b, '{')) != TW_OK)
                return err;
            p = br + 2;
            continue;
        }
        const char *q = strchr(br, '}'); /* present: checked at load */
        int ph = q ? placeholder_parse(br + 1, (size_t)(q - br - 1)) : -1;
        if (ph < 0)
            return TW_EINTERNAL;
        if (vals[ph] && (err = buf_adds(b, vals[ph])) != TW_OK)
            return err;
        p = q + 1;
    }
    return TW_OK;
}

tw_err_t tpl_render(const tpl_set_t *set, const char *lang, outreach_event_t ev, char sex,
                    tpl_work_t work, const tpl_values_t *v, tw_buf_t *subject, tw_buf_t *body,
                    const char **template_id)
{
    const tpl_lang_t *l = find_lang(set, lang);
    tw_err_t err;
    if (!l)
        return TW_ENOTFOUND;
    if ((unsigned)ev >= OUTREACH_EVENT_COUNT)
        return TW_EINPUT;
    int secs[4], n = 0;
    secs[n++] = SEC_BODY + (int)ev;
    secs[n++] = SEC_RIGHTS;
    if (work == TPL_WORK_DOMESTIC)
        secs[n++] = sex == 'F' ? SEC_DOMESTIC_F : SEC_DOMESTIC;
    else if (work == TPL_WORK_ENTERTAINMENT)
        secs[n++] = sex == 'F' ? SEC_ENTERTAINMENT_F : SEC_ENTERTAINMENT;
    secs[n++] = SEC_FOOTER;
    if ((err = render_text(set, l->sec[SEC_SUBJECT + (int)ev], v, subject)) != TW_OK)
        return err;
    for (int i = 0; i < n; i++) {
        if (i && (err = buf_adds(body, "\n\n")) != TW_OK)
            return err;
        if ((err = render_text(set, l->sec[secs[i]], v, body)) != TW_OK)
            return err;
    }
    if (template_id)
        *template_id = l->id;
    return TW_OK;
}

tw_err_t tpl_lang_check(const char *text, size_t len, const char *code, tw_errinfo_t *ei)
{
    tpl_set_t *set = calloc(1, sizeof *set);
    tw_buf_t b, subj, body;
    tw_err_t err;
    static const char *const contacts[] = {"911", "112", "NGO", "75,000", "40"};

    if (!set)
        return TW_ENOMEM;
    buf_init(&b, TPL_FILE_MAX + 2);
    buf_init(&subj, 1 << 16);
    buf_init(&body, 1 << 20);
    if ((err = buf_add(&b, text, len)) != TW_OK) {
        if (err == TW_ETOOBIG)
            err = tw_errinfo_set(ei, TW_ETOOBIG, "a template file is at most %d bytes",
                                 TPL_FILE_MAX);
        goto out;
    }
    if ((err = lang_parse(&set->langs[0], &b, "input", code, ei)) != TW_OK)
        goto out;
    set->nlangs = 1;
    for (int i = TPL_NVALUES; i < TPL_NPLACEHOLDERS; i++)
        if (!(set->contact[i] = dup_trimmed(contacts[i - TPL_NVALUES],
                                            strlen(contacts[i - TPL_NVALUES])))) {
            err = TW_ENOMEM;
            goto out;
        }
    /* every event, sex and kind of work renders */
    tpl_values_t v = {"Given", "Family", "A1", "P1", "2025-01-01", "2026-01-01", "Employer"};
    static const char sexes[] = {'F', 'M', 'X', 0};
    for (int ev = 0; ev < OUTREACH_EVENT_COUNT && err == TW_OK; ev++)
        for (int sx = 0; sx < 4 && err == TW_OK; sx++)
            for (int w = 0; w < 3 && err == TW_OK; w++) {
                buf_reset(&subj);
                buf_reset(&body);
                err = tpl_render(set, code, (outreach_event_t)ev, sexes[sx], (tpl_work_t)w, &v,
                                 &subj, &body, NULL);
            }
out:
    tpl_set_free(set);
    buf_free(&b);
    buf_free(&subj);
    buf_free(&body);
    return err;
}
