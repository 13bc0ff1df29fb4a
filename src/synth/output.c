/*
 * output.c - the files of the synthetic register and synth_run(), the entry
 * point (synth.h).
 *
 * Records: a fixed pool of field buffers (rec_t) filled by the generators
 * and written by synth_write_rec() with RFC 4180 quoting; one writer per
 * register row kind (synth_emit_app for permits, synth_cross /
 * synth_border_background for crossings, synth_emit_inspection,
 * synth_emit_report, synth_emit_outcome, synth_emit_truth). Files are
 * opened as DIR/.NAME.tmp, written through 1 MB buffers, and renamed when
 * the whole run succeeded (removed otherwise); manifest.csv counts them.
 * synth_run() checks the options, plans the units, builds the pool,
 * generates the units in their shuffled order and closes the files.
 *
 * Invariants: the ones of synth_int.h, in particular 2 (write_rec refuses a
 * field with CR or LF, TW_EINTERNAL) and sticky errors (ctx->err; the first
 * failure is reported with its path in ei->file). Thread model:
 * single-threaded, no global state. synth_run() frees everything it
 * allocated before it returns.
 */
#include "synth/synth_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

const char *const synth_file_names[NFILES] = {
    "permits.csv", "border_crossings.csv", "inspections.csv", "reports.csv",
    "outcomes.csv", "truth.csv", "persons.csv", "bad_rows.csv", "manifest.csv"};

static const char *const permit_cols[P_NCOLS] = {
    "application_id", "submitted_at", "decision", "decided_at", "permit_no", "valid_from",
    "valid_to", "previous_application_id", "worker_doc_no", "worker_doc_country",
    "worker_family_name", "worker_given_name", "worker_sex", "worker_birth_date",
    "worker_citizenship", "worker_phone", "worker_email", "worker_address",
    "worker_region", "employer_tin", "employer_name", "employer_sector",
    "employer_registered_on", "employer_declared_employees", "workplace_address",
    "workplace_region", "occupation_isco", "position_title", "monthly_salary_amd",
    "weekly_hours", "contract_start", "contract_end", "intermediary_id",
    "intermediary_name", "submitted_by"};

static const char *const border_cols[B_NCOLS] = {
    "crossing_id", "crossed_at", "direction", "crossing_point", "doc_no", "doc_country",
    "family_name", "given_name", "sex", "birth_date", "citizenship", "purpose"};

static const char *const insp_cols[I_NCOLS] = {"inspection_id", "employer_tin",
                                               "inspected_on", "workers_found",
                                               "undeclared_workers", "violations"};

static const char *const report_cols[R_NCOLS] = {
    "report_id", "received_at", "channel", "subject_name", "subject_birth_date",
    "subject_citizenship", "employer_tin", "employer_name", "address", "phone",
    "category", "summary"};

static const char *const outcome_cols[O_NCOLS] = {"entity_type", "entity_key", "outcome",
                                                  "decided_on"};

static const char *const truth_cols[] = {"scheme_id", "typology", "entity_type", "entity_key",
                                         "role"};

static const char *const person_cols[] = {"record", "person_id"};
static const char *const bad_cols[] = {"file", "line", "column", "reason"};

static const char *const manifest_cols[] = {"file", "rows", "bad_rows"};

const char *const *const synth_file_cols[NFILES] = {
    permit_cols, border_cols, insp_cols, report_cols, outcome_cols, truth_cols, person_cols,
    bad_cols, manifest_cols};

static const int file_ncols[NFILES] = {P_NCOLS, B_NCOLS, I_NCOLS, R_NCOLS, O_NCOLS, 5, 2, 4, 3};

static void set_err(ctx_t *c, tw_err_t err, const char *what, const char *path)
{
    if (c->err != TW_OK)
        return;
    c->err = err;
    tw_errinfo_set(c->ei, err, "%s %s: %s", what, path, errno ? strerror(errno) : "failed");
    if (c->ei)
        snprintf(c->ei->file, sizeof(c->ei->file), "%s", path);
}

/* ---- records -------------------------------------------------------------- */

void synth_rec_begin(rec_t *r, int nf)
{
    int i;
    r->used = 0;
    r->nf = nf;
    r->overflow = 0;
    for (i = 0; i < nf; i++) {
        r->f[i] = "";
        r->len[i] = 0;
    }
}

static void fld_begin(rec_t *r, sb_t *s)
{
    static char dummy[1];
    if (r->used + 2 >= REC_POOL) {
        r->overflow = 1;
        sb_init(s, dummy, 1);
        return;
    }
    sb_init(s, r->pool + r->used, REC_POOL - r->used);
}

static void fld_end(rec_t *r, int i, sb_t *s)
{
    if (s->over)
        r->overflow = 1;
    if (s->cap <= 1)
        return;
    r->f[i] = s->p;
    r->len[i] = s->n;
    r->used += s->n + 1;
}

void synth_rec_set(rec_t *r, int i, const char *x, size_t n)
{
    sb_t s;
    fld_begin(r, &s);
    sb_add(&s, x, n);
    fld_end(r, i, &s);
}

void synth_rec_sets(rec_t *r, int i, const char *x)
{
    synth_rec_set(r, i, x, strlen(x));
}

static void rec_setu(rec_t *r, int i, uint64_t v)
{
    sb_t s;
    fld_begin(r, &s);
    sb_addu(&s, v, 0);
    fld_end(r, i, &s);
}

static void rec_setdate(rec_t *r, int i, int32_t day)
{
    sb_t s;
    fld_begin(r, &s);
    sb_date(&s, day);
    fld_end(r, i, &s);
}

static void rec_setts(rec_t *r, int i, int32_t day, int32_t sec, int zone)
{
    sb_t s;
    fld_begin(r, &s);
    sb_ts(&s, day, sec, zone);
    fld_end(r, i, &s);
}

/* Writes the record as one CSV line, quoting only where RFC 4180 needs it. */
void synth_write_rec(ctx_t *c, int file, const rec_t *r)
{
    outfile_t *o = &c->out[file];
    char *L = c->line;
    size_t n = 0;
    int i;

    if (c->err != TW_OK)
        return;
    if (r->overflow) {
        c->err = tw_errinfo_set(c->ei, TW_EINTERNAL, "synth: a %s row overflowed its buffer",
                                synth_file_names[file]);
        return;
    }
    for (i = 0; i < r->nf; i++) {
        const char *f = r->f[i];
        size_t len = r->len[i], j;
        int quote = 0;
        for (j = 0; j < len; j++) {
            char ch = f[j];
            if (ch == '\n' || ch == '\r') {
                c->err = tw_errinfo_set(c->ei, TW_EINTERNAL,
                                        "synth: a line break in %s column %d", synth_file_names[file],
                                        i + 1);
                return;
            }
            if (ch == ',' || ch == '"')
                quote = 1;
        }
        if (i)
            L[n++] = ',';
        if (!quote) {
            memcpy(L + n, f, len);
            n += len;
        } else {
            L[n++] = '"';
            for (j = 0; j < len; j++) {
                if (f[j] == '"')
                    L[n++] = '"';
                L[n++] = f[j];
            }
            L[n++] = '"';
        }
    }
    L[n++] = '\n';
    if (c->dry) {
        o->rows++;
        return;
    }
    if (fwrite(L, 1, n, o->fp) != n) {
        set_err(c, TW_EIO, "cannot write", o->tmp);
        return;
    }
    o->rows++;
}

static void write_header(ctx_t *c, int file)
{
    rec_t *r = &c->rec;
    int i;
    synth_rec_begin(r, file_ncols[file]);
    for (i = 0; i < file_ncols[file]; i++)
        synth_rec_sets(r, i, synth_file_cols[file][i]);
    synth_write_rec(c, file, r);
    c->out[file].rows = 0;
}

static const char *const decision_names[] = {"pending", "approved", "rejected", "withdrawn",
                                             "revoked"};

/* persons.csv: the record `reg:id` concerns person `pid`. Only for rows the
 * importer keeps (a row made bad is not a record of the store). */
static void emit_person(ctx_t *c, const char *reg, const char *id, uint64_t pid)
{
    rec_t *rec = &c->rec;
    sb_t s;
    if (c->err != TW_OK)
        return;
    synth_rec_begin(rec, 2);
    fld_begin(rec, &s);
    sb_adds(&s, reg);
    sb_addc(&s, ':');
    sb_adds(&s, id);
    fld_end(rec, 0, &s);
    fld_begin(rec, &s);
    sb_addc(&s, 'P');
    sb_addu(&s, pid, 9);
    fld_end(rec, 1, &s);
    synth_write_rec(c, F_PERSONS, rec);
}

int32_t synth_min_wage(int32_t day)
{
    return year_of(day) >= 2023 ? 75000 : 68000;
}

/* A background wage for occupation `occ` at an employer paying wage_pm, in
 * a world paying wage_level; never below the minimum + 7,000 (+ 0-5 steps). */
uint32_t synth_wage_for(const ctx_t *c, rng_t *r, int occ, const employer_t *e,
                        int32_t day)
{
    double x = (double)synth_occs[occ].median * (e ? e->wage_pm / 1000.0 : 1.0) *
               det_exp(0.22 * rng_normal(r));
    double yr = 1.0 + 0.06 * (year_of(day) - 2022);
    uint32_t w;
    uint32_t step = rng_chance(r, 0.6) ? 5000 : 1000;
    x *= yr;
    x *= c->world.wage_level; /* 1 in the default world: x unchanged */
    w = (uint32_t)(x / step + 0.5) * step;
    if (w < (uint32_t)synth_min_wage(day) + 7000)
        w = (uint32_t)synth_min_wage(day) + 7000 + step * rng_below(r, 6);
    if (rng_chance(r, 0.0005))
        w /= 10; /* a typing slip: a zero lost */
    return w;
}

int synth_hours_background(rng_t *r, int sector)
{
    double u = rng_unit(r);
    if (sector == S62)
        return u < 0.90 ? 40 : u < 0.95 ? 45 : 48;
    if (u < 0.80)
        return 40;
    if (u < 0.84)
        return 44;
    if (u < 0.87)
        return 45;
    if (u < 0.945)
        return 48;
    if (u < 0.955)
        return 36;
    if (u < 0.975)
        return rng_chance(r, 0.5) ? 20 : 30;
    if (u < 0.980)
        return rng_int(r, 50, 56);
    return 0;
}

/* Decision, its day and the validity, for a submission on a->sub. */
static void app_decide(ctx_t *c, rng_t *r, app_t *a)
{
    int32_t proc = (int32_t)rng_int(r, 4, 28);
    double u = rng_unit(r);
    int dec = a->want;

    if (dec < 0)
        dec = u < 0.885 ? D_APPROVED : u < 0.955 ? D_REJECTED : u < 0.985 ? D_WITHDRAWN
              : D_REVOKED;
    if (dec == D_WITHDRAWN)
        proc = (int32_t)rng_int(r, 2, 20);
    a->dec_day = a->sub + proc;
    a->vfrom = a->vto = 0;
    if (a->dec_day > c->d_end) {
        a->dec = D_PENDING;
        return;
    }
    a->dec = dec;
    if (dec == D_APPROVED || dec == D_REVOKED) {
        a->vfrom = a->dec_day + (int32_t)rng_int(r, 0, 10);
        a->vto = add_months(a->vfrom, a->months > 0 ? a->months : 12) - 1;
        if (dec == D_REVOKED) {
            int32_t rv = a->revoke_on ? a->revoke_on : a->vfrom + (int32_t)rng_int(r, 30, 200);
            if (rv <= a->vfrom)
                rv = a->vfrom + 1;
            if (rv > c->d_end || rv >= a->vto)
                a->dec = D_APPROVED;
            else
                a->dec_day = rv;
        }
    }
}

static int32_t office_seconds(rng_t *r)
{
    if (rng_chance(r, 0.85))
        return (int32_t)rng_int(r, 9 * 3600, 18 * 3600 + 3599);
    return (int32_t)rng_int(r, 7 * 3600, 23 * 3600 + 3599);
}

/* Writes one permit row; fills a->id, a->dec and the validity. */
void synth_emit_app(ctx_t *c, rng_t *r, app_t *a)
{
    rec_t *rec = &c->rec;
    const person_t *w = a->w;
    const employer_t *e = a->e;
    const occ_t *o = &synth_occs[a->occ];
    sb_t s;
    int32_t cstart = 0, cend = 0;
    int bg = a->role == ROLE_BG;

    if (c->err != TW_OK)
        return;
    if (a->sub < c->d_start)
        a->sub = c->d_start;
    if (a->sub > c->d_end)
        a->sub = c->d_end;
    if (weekday(a->sub) == 6 && rng_chance(r, 0.75) && a->sub + 2 <= c->d_end)
        a->sub += 2;
    else if (weekday(a->sub) == 0 && rng_chance(r, 0.75) && a->sub + 1 <= c->d_end)
        a->sub += 1;
    app_decide(c, r, a);
    synth_new_app_id(c, a->sub, a->id);

    synth_rec_begin(rec, P_NCOLS);
    synth_rec_sets(rec, P_APPLICATION_ID, a->id);
    rec_setts(rec, P_SUBMITTED_AT, a->sub, office_seconds(r), TZ_PLUS4);
    if (bg && rng_chance(r, 0.01)) {
        char d[16];
        snprintf(d, sizeof(d), "%s", decision_names[a->dec]);
        d[0] = (char)(d[0] - 'a' + 'A');
        synth_rec_sets(rec, P_DECISION, d);
    } else {
        synth_rec_sets(rec, P_DECISION, decision_names[a->dec]);
    }
    if (a->dec != D_PENDING)
        rec_setts(rec, P_DECIDED_AT, a->dec_day, office_seconds(r), TZ_PLUS4);
    if (a->dec == D_APPROVED || a->dec == D_REVOKED) {
        int yi = synth_year_index(a->vfrom);
        fld_begin(rec, &s);
        sb_adds(&s, "AM-WP-");
        sb_addu(&s, (uint64_t)(2020 + yi), 4);
        sb_addc(&s, '-');
        sb_addu(&s, ++c->permit_ctr[yi], 6);
        fld_end(rec, P_PERMIT_NO, &s);
        rec_setdate(rec, P_VALID_FROM, a->vfrom);
        rec_setdate(rec, P_VALID_TO, a->vto);
        cstart = rng_chance(r, 0.75) ? a->vfrom : a->vfrom + (int32_t)rng_int(r, 1, 14);
    } else {
        cstart = a->sub + (int32_t)rng_int(r, 20, 50);
    }
    { /* a contract may run longer than the permit it asks for */
        int cm = a->months > 0 ? a->months : 12;
        if (cm == 12 && rng_chance(r, 0.1))
            cm = 24;
        cend = add_months(cstart, cm) - 1;
    }
    synth_rec_sets(rec, P_PREVIOUS_APPLICATION_ID, a->prev ? a->prev : "");

    fld_begin(rec, &s);
    synth_sb_doc(&s, w->doc, w->docstyle);
    fld_end(rec, P_WORKER_DOC_NO, &s);
    synth_rec_sets(rec, P_WORKER_DOC_COUNTRY, synth_nats[w->nat].iso);
    fld_begin(rec, &s);
    synth_name_permit(w, 1, &s);
    fld_end(rec, P_WORKER_FAMILY_NAME, &s);
    fld_begin(rec, &s);
    synth_name_permit(w, 0, &s);
    fld_end(rec, P_WORKER_GIVEN_NAME, &s);
    {
        char sx[2] = {w->sex, 0};
        if (bg && rng_chance(r, 0.01))
            sx[0] = (char)(sx[0] - 'A' + 'a');
        synth_rec_sets(rec, P_WORKER_SEX, sx);
    }
    rec_setdate(rec, P_WORKER_BIRTH_DATE, w->birth);
    synth_rec_sets(rec, P_WORKER_CITIZENSHIP, synth_nats[w->nat].iso);
    synth_rec_sets(rec, P_WORKER_PHONE, w->phone);
    synth_rec_sets(rec, P_WORKER_EMAIL, w->email);
    synth_rec_sets(rec, P_WORKER_ADDRESS, w->home);
    if (w->home[0] && w->home_region >= 0 && !(bg && rng_chance(r, 0.05)))
        synth_rec_sets(rec, P_WORKER_REGION, synth_region_code[w->home_region]);

    synth_rec_sets(rec, P_EMPLOYER_TIN, e->tin);
    synth_rec_sets(rec, P_EMPLOYER_NAME, e->name);
    if (!(bg && rng_chance(r, 0.02)))
        synth_rec_sets(rec, P_EMPLOYER_SECTOR, synth_sectors[e->sector].isic);
    if (e->registered && !(bg && rng_chance(r, 0.04)))
        rec_setdate(rec, P_EMPLOYER_REGISTERED_ON, e->registered);
    if (e->declared && !(bg && rng_chance(r, 0.04)))
        rec_setu(rec, P_EMPLOYER_DECLARED_EMPLOYEES, e->declared);
    if (!(bg && rng_chance(r, 0.03))) {
        fld_begin(rec, &s);
        if (a->wp)
            sb_adds(&s, a->wp);
        else
            synth_sb_workplace(e, r, &s);
        fld_end(rec, P_WORKPLACE_ADDRESS, &s);
        if (!(bg && rng_chance(r, 0.04)))
            synth_rec_sets(rec, P_WORKPLACE_REGION, synth_region_code[synth_towns[e->place.town].region]);
    }
    if (!(bg && rng_chance(r, 0.02)))
        synth_rec_sets(rec, P_OCCUPATION_ISCO, o->isco);
    if (!(bg && rng_chance(r, 0.05))) {
        fld_begin(rec, &s);
        synth_sb_part(&s, o->titles, rng_chance(r, 0.6) ? 0 : rng_below(r, 8));
        fld_end(rec, P_POSITION_TITLE, &s);
    }
    if (a->salary)
        rec_setu(rec, P_MONTHLY_SALARY_AMD, a->salary);
    if (a->hours)
        rec_setu(rec, P_WEEKLY_HOURS, (uint64_t)a->hours);
    if (!(bg && rng_chance(r, 0.06))) {
        if (bg && rng_chance(r, 0.0003)) { /* swapped: a warning, not an error */
            int32_t t = cstart;
            cstart = cend;
            cend = t;
        }
        rec_setdate(rec, P_CONTRACT_START, cstart);
        if (!(bg && rng_chance(r, 0.05)))
            rec_setdate(rec, P_CONTRACT_END, cend);
    }
    if (a->ag) {
        if (a->ag == &c->ag[0])
            c->big_agency_apps++;
        synth_rec_sets(rec, P_INTERMEDIARY_ID, a->ag->id);
        synth_rec_sets(rec, P_INTERMEDIARY_NAME, a->ag->name);
    }
    if (!(bg && rng_chance(r, 0.02))) {
        fld_begin(rec, &s);
        synth_sb_account(&s, a->shared_account ? (uint32_t)a->shared_account
                       : (a->ag && a->agency_submits) ? a->ag->account : e->account);
        fld_end(rec, P_SUBMITTED_BY, &s);
    }
    if (!synth_finish_row(c, r, F_PERMITS, bg))
        emit_person(c, "permits", a->id, w->pid);
}

static const char *const point_names[NPOINT] = {
    "Zvartnots|EVN|Zvartnots Airport", "Shirak|LWN|Shirak Airport", "Bagratashen",
    "Bavra", "Gogavan", "Meghri|Agarak-Meghri"};

static const uint16_t point_w[3][NPOINT] = {
    {88, 7, 5, 0, 0, 0}, {25, 0, 50, 15, 10, 0}, {40, 0, 0, 0, 0, 60}};

int synth_pick_point(rng_t *r, int nat)
{
    return (int)pick_w(r, point_w[synth_nats[nat].border], NPOINT);
}

static int32_t crossing_seconds(rng_t *r)
{
    if (rng_chance(r, 0.4))
        return (int32_t)rng_int(r, 1 * 3600, 6 * 3600 + 3599);
    return (int32_t)rng_int(r, 7 * 3600, 23 * 3600 + 3599);
}

/* One MRZ-style name with rare reading slips: a doubled or dropped letter. */
static void sb_border_name(rng_t *r, const person_t *w, int family, sb_t *s)
{
    char tmp[TXT];
    sb_t t;
    size_t n;
    sb_init(&t, tmp, sizeof(tmp));
    if (rng_chance(r, 0.04)) {
        char lat[TXT];
        sb_t l;
        person_t v = *w;
        v.script = SCR_LATIN;
        sb_init(&l, lat, sizeof(lat));
        synth_name_permit(&v, family, &l);
        synth_sb_mrz(&t, lat, l.n, CYR_NONE);
    } else {
        synth_name_passport(w, family, &t);
    }
    n = t.n;
    if (n > 4 && rng_chance(r, 0.02)) {
        size_t at = 1 + rng_below(r, (uint32_t)(n - 2));
        if (rng_chance(r, 0.5)) {
            memmove(tmp + at, tmp + at + 1, n - at);
            n--;
        } else if (n + 1 < sizeof(tmp)) {
            memmove(tmp + at + 1, tmp + at, n - at + 1);
            n++;
        }
        tmp[n] = '\0';
    }
    sb_add(s, tmp, n);
}

static void emit_cross(ctx_t *c, rng_t *r, const person_t *w, int32_t day, int32_t sec,
                       int in, int point, const char *purpose, int role)
{
    rec_t *rec = &c->rec;
    sb_t s;
    double u;
    char id[32], doc[20];
    int32_t birth;
    if (c->err != TW_OK || day < c->d_border0 || day > c->d_end)
        return;
    synth_rec_begin(rec, B_NCOLS);
    sb_init(&s, id, sizeof(id));
    sb_adds(&s, "BC");
    {
        int y, m, d;
        civil_from_days(day, &y, &m, &d);
        sb_addu(&s, (uint64_t)y, 4);
        sb_addu(&s, (uint64_t)m, 2);
        sb_addu(&s, (uint64_t)d, 2);
    }
    sb_addc(&s, '-');
    sb_addu(&s, ++c->cross_ctr[synth_day_index(c, day)], 6);
    synth_rec_sets(rec, B_CROSSING_ID, id);
    rec_setts(rec, B_CROSSED_AT, day, sec, TZ_NONE);
    synth_rec_sets(rec, B_DIRECTION, in ? "in" : "out");
    fld_begin(rec, &s);
    synth_sb_part(&s, point_names[point], rng_chance(r, 0.8) ? 0 : rng_below(r, 3));
    fld_end(rec, B_CROSSING_POINT, &s);
    fld_begin(rec, &s);
    u = rng_unit(r);
    snprintf(doc, sizeof(doc), "%s", w->doc);
    if (rng_chance(r, 0.003))
        synth_misread_doc(r, doc); /* the reader took one character for another */
    synth_sb_doc(&s, doc, u < 0.95 ? 0 : u < 0.97 ? 2 : u < 0.99 ? 1 : 4);
    fld_end(rec, B_DOC_NO, &s);
    synth_rec_sets(rec, B_DOC_COUNTRY, synth_nats[w->nat].iso);
    fld_begin(rec, &s);
    sb_border_name(r, w, 1, &s);
    fld_end(rec, B_FAMILY_NAME, &s);
    fld_begin(rec, &s);
    sb_border_name(r, w, 0, &s);
    fld_end(rec, B_GIVEN_NAME, &s);
    if (rng_chance(r, 0.96)) {
        char sx[2] = {w->sex, 0};
        synth_rec_sets(rec, B_SEX, sx);
    }
    u = rng_unit(r);
    birth = u < 0.012 ? synth_birth_swapped(w->birth) /* day and month swapped */
            : u < 0.015 ? w->birth + 1 : u < 0.017 ? synth_birth_year_off(w->birth)
                                                   : w->birth;
    rec_setdate(rec, B_BIRTH_DATE, birth);
    synth_rec_sets(rec, B_CITIZENSHIP, synth_nats[w->nat].iso);
    synth_rec_sets(rec, B_PURPOSE, purpose);
    if (!synth_finish_row(c, r, F_BORDER, role == ROLE_BG))
        emit_person(c, "border", id, w->pid);
}

static const char *worker_purpose(rng_t *r)
{
    double u = rng_unit(r);
    return u < 0.66 ? "work" : u < 0.80 ? "private" : u < 0.90 ? "tourism" : u < 0.93 ? "Work"
           : u < 0.95 ? "business" : "";
}

/* Crosses if the direction makes sense; keeps crossings of one person in
 * time order. sec < 0: a usual time of day; point < 0: the person's usual
 * crossing point; purpose NULL: a worker's declared purpose. They are drawn
 * here, in this order, so callers never put two draws in one argument list
 * (C leaves the order of argument evaluation unspecified, and gcc and clang
 * differ: the output would depend on the compiler). */
void synth_cross(ctx_t *c, rng_t *r, const person_t *w, bstate_t *bs, int32_t day,
                 int32_t sec, int in, int point, const char *purpose, int role)
{
    if (sec < 0)
        sec = crossing_seconds(r);
    if (point < 0)
        point = synth_pick_point(r, w->nat);
    if (!purpose)
        purpose = worker_purpose(r);
    if (in == bs->inside)
        return;
    if (day < bs->last_day || (day == bs->last_day && sec <= bs->last_sec)) {
        day = bs->last_day;
        sec = bs->last_sec + (int32_t)rng_int(r, 1800, 7200);
        if (sec >= 86400) {
            sec -= 86400;
            day++;
        }
    }
    bs->inside = in;
    bs->last_day = day;
    bs->last_sec = sec;
    emit_cross(c, r, w, day, sec, in, point, purpose, role);
}

/* Background border behaviour around one application: entry before the
 * permit (or before submission for visa-free nationals), home visits,
 * exit at the end when `last`. */
void synth_border_background(ctx_t *c, rng_t *r, const person_t *w, bstate_t *bs,
                             const app_t *a, int last, int role)
{
    int point = synth_pick_point(r, w->nat);
    if (a->dec == D_APPROVED || a->dec == D_REVOKED) {
        int32_t end = a->dec == D_REVOKED ? a->dec_day : a->vto;
        if (!bs->inside) {
            int32_t in_day = synth_nats[w->nat].visa_free && rng_chance(r, 0.4)
                                 ? a->sub - (int32_t)rng_int(r, 3, 60)
                                 : a->vfrom - (int32_t)rng_int(r, 0, 20);
            synth_cross(c, r, w, bs, in_day, -1, 1, point, NULL, role);
        }
        if (rng_chance(r, 0.28)) {
            int32_t span = end - a->vfrom;
            if (span > 90) {
                int32_t out = a->vfrom + 30 + (int32_t)rng_below(r, (uint32_t)(span - 60));
                synth_cross(c, r, w, bs, out, -1, 0, -1, "", role);
                synth_cross(c, r, w, bs, out + (int32_t)rng_int(r, 5, 30), -1, 1,
                            -1, NULL, role);
            }
        }
        if (rng_chance(r, 0.04)) {
            synth_cross(c, r, w, bs, a->vfrom + (int32_t)rng_int(r, 20, 150), -1, 0,
                        point, "", role);
        } else if (last && rng_chance(r, 0.65)) {
            synth_cross(c, r, w, bs, end + (int32_t)rng_int(r, -30, 10), -1, 0,
                        point, "", role);
        }
    } else if (bs->inside && (a->dec == D_REJECTED || a->dec == D_WITHDRAWN) &&
               rng_chance(r, 0.7)) {
        synth_cross(c, r, w, bs, a->dec_day + (int32_t)rng_int(r, 5, 60), -1, 0,
                    point, "", role);
    }
}

/* ---- inspections, reports, outcomes, truth --------------------------------- */

void synth_emit_inspection(ctx_t *c, rng_t *r, const employer_t *e, int32_t day,
                           int found, int undeclared, const char *violations, int role)
{
    rec_t *rec = &c->rec;
    sb_t s;
    int yi;
    if (c->err != TW_OK || day > c->d_end || day < c->d_start)
        return;
    yi = synth_year_index(day);
    synth_rec_begin(rec, I_NCOLS);
    fld_begin(rec, &s);
    sb_adds(&s, "LI-");
    sb_addu(&s, (uint64_t)(2020 + yi), 4);
    sb_addc(&s, '-');
    sb_addu(&s, ++c->insp_ctr[yi], 5);
    fld_end(rec, I_INSPECTION_ID, &s);
    synth_rec_sets(rec, I_EMPLOYER_TIN, e->tin);
    rec_setdate(rec, I_INSPECTED_ON, day);
    if (found >= 0 && !(role == ROLE_BG && rng_chance(r, 0.1)))
        rec_setu(rec, I_WORKERS_FOUND, (uint64_t)found);
    if (undeclared >= 0 && !(role == ROLE_BG && rng_chance(r, 0.1)))
        rec_setu(rec, I_UNDECLARED_WORKERS, (uint64_t)undeclared);
    synth_rec_sets(rec, I_VIOLATIONS, violations);
    synth_finish_row(c, r, F_INSPECT, role == ROLE_BG);
}

static const char *const channel_names[] = {"hotline", "ngo", "police", "labour_inspection",
                                            "consulate", "self", "other"};

static const char *const channel_prefix[] = {"HL", "NGO", "POL", "LIR", "CON", "SR", "OT"};

static const char *const category_names[] = {"forced_labour", "sexual_exploitation",
                                             "domestic_servitude", "forced_begging",
                                             "forced_criminality", "other"};

void synth_emit_report(ctx_t *c, rng_t *r, const report_t *p)
{
    rec_t *rec = &c->rec;
    sb_t s;
    int yi;
    const char *q;
    char id[32];
    if (c->err != TW_OK || p->day > c->d_end || p->day < c->d_start)
        return;
    yi = synth_year_index(p->day);
    synth_rec_begin(rec, R_NCOLS);
    sb_init(&s, id, sizeof(id));
    sb_adds(&s, channel_prefix[p->channel]);
    sb_addc(&s, '-');
    sb_addu(&s, (uint64_t)(2020 + yi), 4);
    sb_addc(&s, '-');
    sb_addu(&s, ++c->rep_ctr[yi], 5);
    synth_rec_sets(rec, R_REPORT_ID, id);
    rec_setts(rec, R_RECEIVED_AT, p->day, office_seconds(r),
              p->channel == CH_POLICE ? TZ_UTC : TZ_PLUS4);
    synth_rec_sets(rec, R_CHANNEL, channel_names[p->channel]);
    if (p->subject) {
        fld_begin(rec, &s);
        synth_report_name(r, p->subject, &s);
        fld_end(rec, R_SUBJECT_NAME, &s);
        {
            double u = rng_unit(r);
            if (u < 0.04) /* day and month swapped (the birth date itself when they cannot be) */
                rec_setdate(rec, R_SUBJECT_BIRTH_DATE, synth_birth_swapped(p->subject->birth));
            else if (u < 0.45)
                rec_setdate(rec, R_SUBJECT_BIRTH_DATE, p->subject->birth);
        }
        if (rng_chance(r, 0.6))
            synth_rec_sets(rec, R_SUBJECT_CITIZENSHIP, synth_nats[p->subject->nat].iso);
    }
    if (p->e) {
        if (p->with_tin)
            synth_rec_sets(rec, R_EMPLOYER_TIN, p->e->tin);
        if (rng_chance(r, 0.85))
            synth_rec_sets(rec, R_EMPLOYER_NAME, p->e->name);
    }
    if (p->address)
        synth_rec_sets(rec, R_ADDRESS, p->address);
    if (p->phone)
        synth_rec_sets(rec, R_PHONE, p->phone);
    if (p->category != CAT_NONE)
        synth_rec_sets(rec, R_CATEGORY, category_names[p->category]);
    fld_begin(rec, &s);
    for (q = p->summary; *q; q++) {
        if (*q == '@')
            sb_adds(&s, p->e ? p->e->name : "the employer");
        else
            sb_addc(&s, *q);
    }
    fld_end(rec, R_SUMMARY, &s);
    if (!synth_finish_row(c, r, F_REPORTS, p->role == ROLE_BG) && p->subject)
        emit_person(c, "reports", id, p->subject->pid);
}

void synth_emit_outcome(ctx_t *c, rng_t *r, const char *type, const char *key,
                        int confirmed, int32_t day, int role)
{
    rec_t *rec = &c->rec;
    int dated;
    if (c->err != TW_OK || day > c->d_end)
        return;
    if (c->labels_default) {
        synth_rec_begin(rec, O_NCOLS);
        synth_rec_sets(rec, O_ENTITY_TYPE, type);
        synth_rec_sets(rec, O_ENTITY_KEY, key);
        synth_rec_sets(rec, O_OUTCOME, confirmed ? "confirmed" : "cleared");
        if (rng_chance(r, 0.92))
            rec_setdate(rec, O_DECIDED_ON, day);
        synth_finish_row(c, r, F_OUTCOMES, role == ROLE_BG);
        return;
    }
    /* Thinned, noisy or confirmed-only labels. First the default world's row,
     * dry, against shadow counters: the unit's stream `r` advances exactly as
     * there (the date draw, and a bad row's draws). Every other decision comes
     * from lab_rng, so only outcomes.csv and its lines in bad_rows.csv
     * differ from the default world's files. */
    {
        outfile_t *o = &c->out[F_OUTCOMES];
        uint64_t rows = o->rows, bad = o->bad, next = o->next_bad;
        uint64_t bad_file_rows = c->out[F_BAD].rows;
        o->rows = c->shadow.rows;
        o->bad = c->shadow.bad;
        o->next_bad = c->shadow.next_bad;
        synth_rec_begin(rec, O_NCOLS);
        synth_rec_sets(rec, O_ENTITY_TYPE, type);
        synth_rec_sets(rec, O_ENTITY_KEY, key);
        synth_rec_sets(rec, O_OUTCOME, confirmed ? "confirmed" : "cleared");
        dated = rng_chance(r, 0.92);
        if (dated)
            rec_setdate(rec, O_DECIDED_ON, day);
        c->dry = 1;
        synth_finish_row(c, r, F_OUTCOMES, role == ROLE_BG);
        c->dry = 0;
        c->shadow.rows = o->rows;
        c->shadow.bad = o->bad;
        c->shadow.next_bad = o->next_bad;
        o->rows = rows;
        o->bad = bad;
        o->next_bad = next;
        c->out[F_BAD].rows = bad_file_rows;
    }
    if (!rng_chance(&c->lab_rng, c->world.label_share))
        return;
    if (c->world.label_noise > 0 && rng_chance(&c->lab_rng, c->world.label_noise))
        confirmed = !confirmed;
    if (c->world.confirmed_only && !confirmed)
        return;
    synth_rec_begin(rec, O_NCOLS);
    synth_rec_sets(rec, O_ENTITY_TYPE, type);
    synth_rec_sets(rec, O_ENTITY_KEY, key);
    synth_rec_sets(rec, O_OUTCOME, confirmed ? "confirmed" : "cleared");
    if (dated)
        rec_setdate(rec, O_DECIDED_ON, day);
    synth_finish_row(c, &c->lab_rng, F_OUTCOMES, role == ROLE_BG);
}

void synth_emit_truth(ctx_t *c, const char *scheme, int kind, const char *type,
                      const char *key, int role)
{
    rec_t *rec = &c->rec;
    if (c->err != TW_OK)
        return;
    synth_rec_begin(rec, 5);
    synth_rec_sets(rec, 0, scheme);
    synth_rec_sets(rec, 1, synth_unit_typology[kind]);
    synth_rec_sets(rec, 2, type);
    synth_rec_sets(rec, 3, key);
    synth_rec_sets(rec, 4, role == ROLE_PLANTED ? "planted" : "lookalike");
    synth_write_rec(c, F_TRUTH, rec);
    if (role == ROLE_PLANTED)
        c->planted++;
}

void synth_worker_key(const person_t *w, char *out, size_t cap)
{
    snprintf(out, cap, "%s:%s", synth_nats[w->nat].iso, w->doc);
}

/* ---- files -------------------------------------------------------------------------- */

static tw_err_t make_dirs(const char *dir, tw_errinfo_t *ei)
{
    char path[PATH_MAX];
    size_t n = strlen(dir), i;
    struct stat st;
    if (n == 0 || n >= sizeof(path))
        return tw_errinfo_set(ei, TW_EINPUT, "synth: output directory name is empty or too long");
    memcpy(path, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char save = path[i];
            path[i] = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                tw_errinfo_set(ei, TW_EIO, "synth: cannot create directory %s: %s", path,
                               strerror(errno));
                if (ei)
                    snprintf(ei->file, sizeof(ei->file), "%s", dir);
                return TW_EIO;
            }
            path[i] = save;
        }
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        tw_errinfo_set(ei, TW_EIO, "synth: %s is not a directory", dir);
        if (ei)
            snprintf(ei->file, sizeof(ei->file), "%s", dir);
        return TW_EIO;
    }
    return TW_OK;
}

static tw_err_t open_files(ctx_t *c, const char *dir)
{
    int f;
    for (f = 0; f < NFILES; f++) {
        outfile_t *o = &c->out[f];
        int n1 = snprintf(o->path, sizeof(o->path), "%s/%s", dir, synth_file_names[f]);
        int n2 = snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.tmp", dir, synth_file_names[f]);
        size_t bufsz = f <= F_REPORTS ? IOBUF_SIZE : IOBUF_SIZE / 8;
        if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(o->path) || (size_t)n2 >= sizeof(o->tmp))
            return tw_errinfo_set(c->ei, TW_EINPUT, "synth: output path too long");
        o->fp = fopen(o->tmp, "wb");
        if (!o->fp) {
            set_err(c, TW_EIO, "synth: cannot create", o->tmp);
            return TW_EIO;
        }
        o->iobuf = malloc(bufsz);
        if (o->iobuf)
            setvbuf(o->fp, o->iobuf, _IOFBF, bufsz);
        write_header(c, f);
    }
    return c->err;
}

static void close_files(ctx_t *c, int keep)
{
    int f;
    for (f = 0; f < NFILES; f++) {
        outfile_t *o = &c->out[f];
        if (o->fp) {
            if (fclose(o->fp) != 0 && keep)
                set_err(c, TW_EIO, "synth: cannot write", o->tmp);
            o->fp = NULL;
        }
        free(o->iobuf);
        o->iobuf = NULL;
    }
    for (f = 0; f < NFILES; f++) {
        outfile_t *o = &c->out[f];
        if (!o->tmp[0])
            continue;
        if (keep && c->err == TW_OK) {
            if (rename(o->tmp, o->path) != 0)
                set_err(c, TW_EIO, "synth: cannot rename", o->tmp);
        }
        if (!keep || c->err != TW_OK)
            unlink(o->tmp);
    }
}

static void write_manifest(ctx_t *c)
{
    int f;
    for (f = 0; f < F_MANIFEST; f++) {
        rec_t *rec = &c->rec;
        synth_rec_begin(rec, 3);
        synth_rec_sets(rec, 0, synth_file_names[f]);
        rec_setu(rec, 1, c->out[f].rows);
        rec_setu(rec, 2, c->out[f].bad);
        synth_write_rec(c, F_MANIFEST, rec);
    }
}

/* ---- entry point ---------------------------------------------------------------------- */

tw_err_t synth_run(const synth_opts_t *opts, synth_summary_t *sum, tw_errinfo_t *ei)
{
    ctx_t *c = NULL;
    rng_t master;
    tw_err_t err = TW_OK;
    unit_t *special = NULL;
    uint32_t nspecial = 0, i;
    uint64_t napps, used, bg, nspecial_max;
    int ok = 0;

    tw_errinfo_clear(ei);
    if (!opts || !opts->out_dir || !opts->out_dir[0])
        return tw_errinfo_set(ei, TW_EINPUT, "synth: an output directory is required");
    if (opts->applications < 100 || opts->applications > MAX_APPLICATIONS) {
        tw_errinfo_set(ei, TW_EINPUT, "synth: applications must be 100..%llu, not %llu",
                       (unsigned long long)MAX_APPLICATIONS,
                       (unsigned long long)opts->applications);
        if (ei)
            snprintf(ei->field, sizeof(ei->field), "applications");
        return TW_EINPUT;
    }
    if (opts->world && (err = synth_world_check(opts->world, ei)) != TW_OK)
        return err;
    if (opts->bad_row_rate != opts->bad_row_rate || opts->bad_row_rate > 0.5) {
        tw_errinfo_set(ei, TW_EINPUT, "synth: bad_row_rate must be at most 0.5");
        if (ei)
            snprintf(ei->field, sizeof(ei->field), "bad_row_rate");
        return TW_EINPUT;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return tw_errinfo_set(ei, TW_ENOMEM, "synth: out of memory");
    c->opts = opts;
    if (opts->world)
        c->world = *opts->world;
    else
        synth_world_default(&c->world);
    c->labels_default = c->world.label_share == 1.0 && c->world.label_noise == 0.0 &&
                        !c->world.confirmed_only;
    rng_init(&c->lab_rng, opts->seed, 3);
    c->ei = ei;
    c->seed = opts->seed;
    c->bad_rate = opts->bad_row_rate == 0 ? 0.001 : opts->bad_row_rate < 0 ? 0 : opts->bad_row_rate;
    napps = opts->applications;

    err = make_dirs(opts->out_dir, ei);
    if (err != TW_OK)
        goto out;
    synth_init_tables(c);
    rng_init(&master, c->seed, 2);
    for (i = 0; i < NFILES; i++)
        c->out[i].next_bad = 10 + rng_below(&master, 90);
    c->shadow.next_bad = c->out[F_OUTCOMES].next_bad;
    err = open_files(c, opts->out_dir);
    if (err != TW_OK)
        goto out;

    nspecial_max = napps / 1000 + 64;
    if (c->world.scheme_prevalence > 1) {
        nspecial_max = (uint64_t)((double)napps * c->world.scheme_prevalence / 1000.0) + 64;
        c->extra_units = nspecial_max;
    }
    special = calloc((size_t)nspecial_max, sizeof(*special));
    if (!special) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "synth: out of memory");
        goto out;
    }
    used = synth_plan_special(c, &master, napps, special, (uint32_t)nspecial_max, &nspecial);
    if (used > napps / 2) {
        err = tw_errinfo_set(ei, TW_EINTERNAL, "synth: too many planted units");
        goto out;
    }
    bg = napps - used;
    err = synth_build_pool(c, &master, bg);
    if (err != TW_OK)
        goto out;
    for (i = 0; i < nspecial; i++) {
        unit_t *u = &special[i];
        int sec = u->kind == U_DEBT ? (rng_chance(&master, 0.5) ? S41 : S43) : S01;
        if ((u->kind == U_DEBT && rng_chance(&master, 0.6)) ||
            (u->kind == U_AGRI && rng_chance(&master, 0.5))) {
            if (c->sec_count[sec] > 0) {
                /* the biggest of three: an established employer, not a shell */
                uint32_t idx = c->sec_first[sec] + rng_below(&master, c->sec_count[sec]), t;
                for (t = 0; t < 2; t++) {
                    uint32_t j = c->sec_first[sec] + rng_below(&master, c->sec_count[sec]);
                    if (c->units[j].quota > c->units[idx].quota)
                        idx = j;
                }
                u->emp = (int32_t)idx;
                c->emp[idx].flags |= EF_NOLABEL;
            }
        }
        c->units[c->nunits++] = *u;
    }
    for (i = 0; i < c->nunits; i++)
        c->units[i].no = 1000 + i;
    for (i = c->nunits; i > 1; i--) { /* Fisher-Yates: schemes sit anywhere */
        uint32_t j = rng_below(&master, i);
        unit_t t = c->units[i - 1];
        c->units[i - 1] = c->units[j];
        c->units[j] = t;
    }
    for (i = 0; i < c->nunits && c->err == TW_OK; i++) {
        const unit_t *u = &c->units[i];
        switch (u->kind) {
        case U_BG: synth_gen_background(c, u); break;
        case U_DEBT: synth_gen_debt(c, u); break;
        case U_SEX: synth_gen_sexual(c, u); break;
        case U_DOMESTIC: synth_gen_domestic(c, u); break;
        case U_SHELL: synth_gen_shell(c, u); break;
        case U_AGRI: synth_gen_agri(c, u); break;
        default: synth_gen_lookalike(c, u); break;
        }
        { /* travellers with no permit, interleaved so they are not all at the end */
            rng_t tr;
            rng_init(&tr, c->seed, ((uint64_t)1 << 40) + u->no);
            synth_gen_tourists(c, &tr, u->quota / 2 + (u->quota % 2 ? rng_below(&tr, 2) : 0));
        }
    }
    if (c->big_agency_apps > 0) { /* the large legitimate agency, when it placed anyone */
        char sid[16];
        synth_scheme_id(c, 0, sid);
        synth_emit_truth(c, sid, U_L_AGENCY, "intermediary", c->ag[0].id, ROLE_LOOKALIKE);
        if (rng_chance(&master, 0.5))
            synth_emit_outcome(c, &master, "intermediary", c->ag[0].id, 0,
                               synth_day_between(&master, c->d_start + 365, c->d_end), ROLE_LOOKALIKE);
    }
    if (c->err == TW_OK && c->out[F_PERMITS].rows != napps)
        c->err = tw_errinfo_set(ei, TW_EINTERNAL, "synth: wrote %llu permit rows, not %llu",
                                (unsigned long long)c->out[F_PERMITS].rows,
                                (unsigned long long)napps);
    write_manifest(c);
    err = c->err;
    ok = err == TW_OK;
out:
    if (c) {
        close_files(c, ok);
        if (ok)
            err = c->err;
        if (err == TW_OK && sum) {
            memset(sum, 0, sizeof(*sum));
            for (i = 0; i < 5; i++) {
                sum->rows[i] = c->out[i].rows;
                sum->bad_rows[i] = c->out[i].bad;
            }
            sum->planted_entities = c->planted;
            sum->schemes = c->schemes;
        }
        free(special);
        free(c->emp);
        free(c->ag);
        free(c->units);
        free(c);
    }
    return err;
}
