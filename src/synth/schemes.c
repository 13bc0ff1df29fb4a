/*
 * schemes.c - the planted trafficking schemes of the synthetic register and
 * the plan that gives every scheme and look-alike its quota of rows.
 *
 * Five typologies, one generator each: synth_gen_debt (debt bondage),
 * synth_gen_sexual (sexual exploitation), synth_gen_domestic (domestic
 * servitude), synth_gen_shell (shell employers), synth_gen_agri (seasonal
 * agriculture). A generator writes exactly u->quota permit rows with role
 * ROLE_PLANTED through synth_emit_app(), its workers' crossings, its
 * inspections, reports and outcome labels, and its truth rows through
 * synth_emit_truth(). Shared helpers: scheme ids, truth rows of a worker,
 * an address or phone spelled again by a report (synth_spell_again,
 * synth_phone_again, synth_planted_phone). synth_plan_special() fixes the
 * number and sizes of schemes and look-alikes before anything is written.
 *
 * Invariants: the ones of synth_int.h; a scheme's workers live in
 * ctx->group (MAXGROUP), never on the heap. Thread model: single-threaded.
 */
#include "synth/synth_int.h"

#include <stdio.h>
#include <string.h>

void synth_scheme_id(ctx_t *c, int planted, char out[16])
{
    sb_t s;
    sb_init(&s, out, 16);
    sb_addc(&s, planted ? 'S' : 'L');
    sb_addu(&s, planted ? ++c->scheme_no : ++c->look_no, 4);
}

void synth_truth_app_worker(ctx_t *c, const char *sid, int kind, const app_t *a,
                            int first, int role)
{
    char key[48];
    synth_emit_truth(c, sid, kind, "application", a->id, role);
    if (first) {
        synth_worker_key(a->w, key, sizeof(key));
        synth_emit_truth(c, sid, kind, "worker", key, role);
    }
}

/* Same place, spelled as the first row did (prob `same`) or another way. */
void synth_spell_again(rng_t *r, const place_t *p, const char *first, double same,
                       char *out, size_t cap)
{
    sb_t s;
    sb_init(&s, out, cap);
    if (rng_chance(r, same))
        sb_adds(&s, first);
    else
        synth_render_place(p, synth_pick_style(r), r, &s);
}

/* Like spell_again(), but the first call (*used == 0) writes `first` exactly:
 * truth.csv names an address as the first planted row wrote it. */
void synth_spell_first(rng_t *r, const place_t *p, const char *first, int *used, double same,
                       char *out, size_t cap)
{
    synth_spell_again(r, p, first, *used ? same : 1.0, out, cap);
    *used = 1;
}

/* The phone `e164` as this row writes it: E.164 the first time. */
void synth_phone_again(rng_t *r, const char *e164, int *used, char *out, size_t cap)
{
    if (!*used || rng_chance(r, 0.5)) {
        snprintf(out, cap, "%s", e164);
    } else {
        synth_respell_am_phone(e164, (int)rng_int(r, 1, 5), out, cap);
    }
    *used = 1;
}

/* Vague background reports, each with the category a clerk would most
 * likely pick for it. */
/* A scheme's shared phone in a worker's row; the first use writes it in
 * E.164 and names it in truth.csv, so every truth phone is really used. */
static void planted_phone(ctx_t *c, rng_t *r, const char *sid, int kind, const char *e164,
                          int *used, char *out, size_t cap)
{
    if (!*used)
        synth_emit_truth(c, sid, kind, "phone", e164, ROLE_PLANTED);
    synth_phone_again(r, e164, used, out, cap);
}

/* ---- planted schemes -------------------------------------------------------------- */

static const char *const debt_summaries[] = {
    ("Workers from abroad say the agent keeps their passports and they have not been paid "
     "for months; they owe him about USD 1,500 for the trip."),
    ("Hotline call: about twenty men live in one flat and work 12 hours a day on a building "
     "site; the salary goes to the agent."),
    ("Рабочие жалуются: паспорта у посредника, зарплату не платят, требуют вернуть долг за "
     "дорогу."),
    ("NGO outreach: construction workers of @ say they cannot leave until they repay the "
     "recruitment fee."),
    "Caller: my brother works for @, the agent took his passport at the airport.",
};

static const char *const debt_violations[] = {
    "wage_arrears;documents_withheld", "wage_arrears", "documents_withheld;unsafe_housing",
    "wage_arrears;excessive_hours;documents_withheld", "unsafe_housing;no_contract",
    "wage_arrears;documents_withheld;unsafe_housing"};

static const char *const sex_summaries[] = {
    ("Young women brought as dancers are made to sit with clients; passports are held by "
     "the administrator."),
    "Девушек заставляют работать с клиентами, паспорта у администратора, выходить нельзя.",
    ("Police: a woman working at @ asked for help, says she was told she owes money for the "
     "ticket."),
    "NGO: waitresses live above the premises and are not allowed out alone.",
    "Anonymous: girls from abroad at @ work every night until 6 am.",
};

static const char *const dom_summaries[] = {
    ("Housemaid not allowed to leave the house, works from 6 am to midnight, the employer "
     "keeps her passport."),
    ("Consulate: a domestic worker says she has not been paid for five months and sleeps in "
     "the kitchen."),
    "Neighbour: a foreign woman cleans the house every day and is never seen outside alone.",
    "Домработница говорит, что ей не платят и не отдают паспорт.",
};

static const char *const shell_summaries[] = {
    ("Company suspected of selling work permits; the workers were never seen at the "
     "registered address."),
    ("Police: foreign nationals with permits from @ stopped at the border on their way to "
     "the EU."),
    "The office at the registered address is closed; nobody in the building knows @.",
};

static const char *const agri_summaries[] = {
    ("Seasonal workers on a farm say they work 12 hours a day and sleep in a barn; the pay "
     "goes to the brigadier."),
    "Работники фермы жалуются на долг перед посредником и отсутствие оплаты.",
    "NGO: farm workers' documents are kept by the intermediary, they cannot go home.",
    "Hotline: workers picking apricots at @ have not been paid since June.",
};

static const char *const agri_violations[] = {
    "wage_arrears;excessive_hours;unsafe_housing", "excessive_hours;unsafe_housing",
    "wage_arrears;documents_withheld", "unsafe_housing", "wage_arrears;excessive_hours"};

void synth_canonical_wp(const employer_t *e, char *out, size_t cap)
{
    rng_t fixed;
    sb_t s;
    rng_init(&fixed, e->seed, 7);
    sb_init(&s, out, cap);
    synth_render_place(&e->place, e->wp_style, &fixed, &s);
}

void synth_render_new(rng_t *r, const place_t *p, char *out, size_t cap)
{
    sb_t s;
    sb_init(&s, out, cap);
    synth_render_place(p, synth_pick_style(r), r, &s);
}

uint32_t synth_round_to(uint32_t x, uint32_t step)
{
    return (x + step / 2) / step * step;
}

/* A report about a scheme: the day, channel and category; the caller sets
 * the rest field by field (one draw per statement: see cross()). */
static void scheme_report_init(report_t *rp, rng_t *r, int32_t day, const uint16_t *chw)
{
    memset(rp, 0, sizeof(*rp));
    rp->day = day;
    rp->channel = (int)pick_w(r, chw, 7);
    rp->with_tin = rng_chance(r, 0.4);
    rp->category = CAT_NONE;
    rp->role = ROLE_PLANTED;
}

/* (1) Debt bondage: one agent, 15-40 South Asian men, a construction site. */
void synth_gen_debt(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_IND, N_NPL, N_BGD, N_LKA};
    static const uint16_t natw[] = {45, 25, 20, 10};
    rng_t r;
    employer_t local;
    const employer_t *e;
    agency_t ag;
    char sid[16], flat_str[TXT], flat2_str[TXT], key[48], tmp[TXT];
    place_t flat, flat2;
    int has_flat2, flat_used = 0, flat2_used = 0, nat1, nat2, nw, wage_mode, hours_lo, hours_hi;
    int phone_used = 0, labelled, nmem = 0, k;
    double p_phone, p_flat;
    int32_t start, wave_day[4], wave_in[4], wave_sec[4], label_day, last_day;
    uint32_t left = u->quota, renewals, first_quota;

    rng_init(&r, c->seed, u->no);
    synth_scheme_id(c, 1, sid);
    c->schemes++;
    start = synth_day_between(&r, c->d_start + 30, c->d_end - 330);
    if (u->emp >= 0) {
        e = &c->emp[u->emp];
        if (e->registered && start < e->registered + 60)
            start = e->registered + 60;
    } else {
        int sec = rng_chance(&r, 0.7) ? S41 : S43;
        int32_t reg = start - (int32_t)rng_int(&r, 2 * 365, 12 * 365);
        synth_employer_new(c, &r, &local, sec, reg);
        local.declared = (uint32_t)rng_int(&r, 12, 60);
        local.flags |= EF_SCHEME;
        e = &local;
    }
    if (start > c->d_end - 200)
        start = c->d_end - 200;
    synth_agency_new(c, &r, &ag);
    synth_place_random(&r, &flat, rng_chance(&r, 0.75) ? 0 : e->place.town, 1);
    if (synth_towns[flat.town].village)
        synth_place_random(&r, &flat, 0, 1);
    synth_render_new(&r, &flat, flat_str, sizeof(flat_str));
    has_flat2 = rng_chance(&r, 0.4);
    synth_place_random(&r, &flat2, 0, 1);
    synth_render_new(&r, &flat2, flat2_str, sizeof(flat2_str));
    nat1 = synth_pick_nat_list(&r, natl, natw, 4);
    nat2 = rng_chance(&r, 0.3) ? synth_pick_nat_list(&r, natl, natw, 4) : nat1;
    nw = rng_int(&r, 2, 4);
    for (k = 0; k < nw; k++) {
        wave_day[k] = start + k * (int32_t)rng_int(&r, 20, 60);
        wave_sec[k] = (int32_t)rng_int(&r, 2 * 3600, 5 * 3600);
        wave_in[k] = 0;
    }
    wage_mode = (int)rng_below(&r, 10);
    k = (int)rng_below(&r, 10);
    hours_lo = k < 3 ? 40 : k < 5 ? 48 : 54;
    hours_hi = k < 3 ? 40 : k < 5 ? 48 : 60;
    p_phone = rng_chance(&r, 0.8) ? 0.3 + 0.3 * rng_unit(&r) : 0.0;
    p_flat = 0.5 + 0.4 * rng_unit(&r);
    label_day = start + (int32_t)rng_int(&r, 300, 500);
    labelled = rng_chance(&r, 0.7) && label_day <= c->d_end;

    synth_emit_truth(c, sid, u->kind, "employer", e->tin, ROLE_PLANTED);
    synth_emit_truth(c, sid, u->kind, "intermediary", ag.id, ROLE_PLANTED);
    synth_emit_truth(c, sid, u->kind, "address", flat_str, ROLE_PLANTED);

    renewals = (start + 420 < c->d_end) ? left * 3 / 10 : 0;
    first_quota = left - renewals;
    last_day = start;
    while (left > renewals && nmem < MAXGROUP && c->err == TW_OK) {
        member_t *m = &c->group[nmem];
        int wave = (int)((uint32_t)nmem * (uint32_t)nw / first_quota), occ;
        app_t a;
        double x = rng_unit(&r);

        if (wave >= nw)
            wave = nw - 1;
        memset(m, 0, sizeof(*m));
        k = rng_chance(&r, 0.7) ? nat1 : nat2;
        synth_person_new(c, &r, &m->w, k, 'M', 20, 40, wave_day[wave]);
        if (rng_chance(&r, p_phone))
            planted_phone(c, &r, sid, u->kind, ag.phone, &phone_used, m->w.phone,
                          sizeof(m->w.phone));
        else if (rng_chance(&r, 0.4))
            synth_new_am_phone(c, &r, (int)pick_w(&r, synth_am_phone_style_w, 9), m->w.phone,
                               sizeof(m->w.phone));
        if (rng_chance(&r, p_flat) || !flat_used) {
            synth_spell_first(&r, &flat, flat_str, &flat_used, 0.7, m->w.home, sizeof(m->w.home));
            m->w.home_region = synth_towns[flat.town].region;
        } else if (has_flat2 && rng_chance(&r, 0.6)) {
            if (!flat2_used)
                synth_emit_truth(c, sid, u->kind, "address", flat2_str, ROLE_PLANTED);
            synth_spell_first(&r, &flat2, flat2_str, &flat2_used, 0.7, m->w.home, sizeof(m->w.home));
            m->w.home_region = synth_towns[flat2.town].region;
        } else if (rng_chance(&r, 0.5)) {
            place_t p;
            synth_place_random(&r, &p, 0, 1);
            synth_person_home(&r, &m->w, &p, synth_pick_style(&r));
        }
        occ = x < 0.6 ? O_LABOURER : x < 0.85 ? O_BRICKLAYER : x < 0.93 ? O_CARPENTER : O_WELDER;
        m->occ = occ;
        if (wage_mode < 5)
            m->salary = (uint32_t)synth_min_wage(wave_day[wave]);
        else if (wage_mode < 7)
            m->salary = (uint32_t)synth_min_wage(wave_day[wave]) - 1000 * rng_below(&r, 16) - 5000;
        else if (wage_mode < 9)
            m->salary = synth_round_to((uint32_t)(synth_occs[occ].median * (0.40 + 0.15 * rng_unit(&r))), 5000);
        else
            m->salary = synth_wage_for(c, &r, occ, e, wave_day[wave]);
        if (m->salary < 30000)
            m->salary = 30000;
        m->hours = rng_int(&r, hours_lo, hours_hi);
        memset(&a, 0, sizeof(a));
        a.w = &m->w;
        a.e = e;
        a.ag = &ag;
        a.occ = occ;
        a.salary = m->salary;
        a.hours = m->hours;
        a.sub = wave_day[wave] + (int32_t)rng_below(&r, 3);
        a.months = 12;
        a.prev = "";
        a.want = rng_chance(&r, 0.92) ? D_APPROVED : -1;
        a.agency_submits = rng_chance(&r, 0.85);
        a.role = ROLE_PLANTED;
        synth_emit_app(c, &r, &a);
        left--;
        synth_truth_app_worker(c, sid, u->kind, &a, 1, ROLE_PLANTED);
        snprintf(m->app, sizeof(m->app), "%s", a.id);
        m->dec = a.dec;
        m->vfrom = a.vfrom;
        m->vto = a.vto;
        if (a.dec == D_APPROVED || a.dec == D_REVOKED) {
            if (!wave_in[wave])
                wave_in[wave] = a.vfrom - (int32_t)rng_int(&r, 1, 7);
            int32_t sec = wave_sec[wave] + (int32_t)rng_below(&r, 1500);
            const char *purpose = rng_chance(&r, 0.8) ? "work" : "tourism";
            synth_cross(c, &r, &m->w, &m->bs, wave_in[wave], sec, 1, PT_ZVARTNOTS, purpose,
                        ROLE_PLANTED);
            if (rng_chance(&r, 0.15))
                synth_cross(c, &r, &m->w, &m->bs, a.vfrom + (int32_t)rng_int(&r, 60, 250),
                            -1, 0, PT_ZVARTNOTS, "", ROLE_PLANTED);
        }
        if (a.sub > last_day)
            last_day = a.sub;
        if (labelled && rng_chance(&r, 0.45)) {
            synth_worker_key(&m->w, key, sizeof(key));
            synth_emit_outcome(c, &r, "worker", key, 1, label_day, ROLE_PLANTED);
        }
        nmem++;
    }
    for (k = 0; left > 0 && nmem > 0 && c->err == TW_OK; k++) {
        member_t *m = &c->group[k % nmem];
        app_t a;
        memset(&a, 0, sizeof(a));
        a.w = &m->w;
        a.e = e;
        a.ag = &ag;
        a.occ = m->occ;
        a.salary = m->salary;
        a.hours = m->hours;
        a.sub = m->vto ? m->vto - (int32_t)rng_int(&r, 10, 40) : last_day + 30;
        if (a.sub > c->d_end - 5)
            a.sub = c->d_end - 5;
        a.months = 12;
        a.prev = m->dec == D_APPROVED ? m->app : "";
        a.want = D_APPROVED;
        a.agency_submits = rng_chance(&r, 0.85);
        a.role = ROLE_PLANTED;
        synth_emit_app(c, &r, &a);
        left--;
        synth_truth_app_worker(c, sid, u->kind, &a, 0, ROLE_PLANTED);
        snprintf(m->app, sizeof(m->app), "%s", a.id);
        m->dec = a.dec;
        if (a.dec == D_APPROVED)
            m->vto = a.vto;
        if (a.sub > last_day)
            last_day = a.sub;
    }
    for (k = 0; k < nmem; k++) {
        member_t *m = &c->group[k];
        if (m->bs.inside && m->vto && rng_chance(&r, 0.3))
            synth_cross(c, &r, &m->w, &m->bs, m->vto + (int32_t)rng_int(&r, -20, 30),
                        -1, 0, PT_ZVARTNOTS, "", ROLE_PLANTED);
    }
    if (nmem > 0 && rng_chance(&r, 0.7)) {
        int found = nmem / 2 + (int)rng_below(&r, (uint32_t)nmem / 2 + 1);
        int32_t day = start + (int32_t)rng_int(&r, 120, 300);
        int undeclared = rng_int(&r, 0, 4);
        synth_emit_inspection(c, &r, e, day, found, undeclared,
                              debt_violations[rng_below(&r, NELEM(debt_violations))], ROLE_PLANTED);
    }
    for (k = 0; k < 2 && nmem > 0; k++) {
        char ph[40];
        if (!rng_chance(&r, k == 0 ? 0.6 : 0.3))
            break;
        synth_respell_am_phone(ag.phone, (int)rng_int(&r, 0, 5), ph, sizeof(ph));
        synth_spell_again(&r, &flat, flat_str, 0.2, tmp, sizeof(tmp));
        {
            static const uint16_t chw[7] = {50, 30, 10, 0, 10, 0, 0};
            report_t rp;
            scheme_report_init(&rp, &r, start + (int32_t)rng_int(&r, 60, 420), chw);
            rp.category = rng_chance(&r, 0.85) ? CAT_FORCED : CAT_NONE;
            rp.subject = rng_chance(&r, 0.7) ? &c->group[rng_below(&r, (uint32_t)nmem)].w : NULL;
            rp.e = rng_chance(&r, 0.8) ? e : NULL;
            rp.address = rng_chance(&r, 0.6) ? tmp : NULL;
            rp.phone = rng_chance(&r, 0.7) ? ph : NULL;
            rp.summary = debt_summaries[rng_below(&r, NELEM(debt_summaries))];
            synth_emit_report(c, &r, &rp);
        }
    }
    if (labelled) {
        synth_emit_outcome(c, &r, "employer", e->tin, 1, label_day, ROLE_PLANTED);
        if (rng_chance(&r, 0.85))
            synth_emit_outcome(c, &r, "intermediary", ag.id, 1, label_day, ROLE_PLANTED);
    }
}

/* (2) Sexual exploitation behind dancer and waitress permits. */
void synth_gen_sexual(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_UKR, N_RUS, N_BLR, N_UZB, N_KGZ};
    static const uint16_t natw[] = {30, 25, 15, 15, 15};
    rng_t r;
    employer_t e;
    char sid[16], wp[TXT], res_str[TXT], mgr[24], key[48], tmp[TXT];
    place_t res;
    int club, at_work, nat1, nat2, minor, occ, months, labelled, hours_lo, hours_hi, k;
    int phone_used = 0, res_used = 0, nmem = 0, pb0 = 0, pb1 = 0, pay_mode;
    double p_mgr;
    int32_t start, bday, label_day;
    uint32_t left = u->quota;

    rng_init(&r, c->seed, u->no);
    synth_scheme_id(c, 1, sid);
    c->schemes++;
    start = synth_day_between(&r, c->d_start + 30, c->d_end - 240);
    club = rng_chance(&r, 0.6);
    synth_employer_new(c, &r, &e, club ? S93 : S56, start - (int32_t)rng_int(&r, 2 * 365, 12 * 365));
    synth_make_company_name(&r, club ? "Night Club|Show Bar|Cabaret|Lounge|Club|Dance Club"
                               : "Restaurant|Lounge Restaurant|Bar & Grill|Restaurant Complex",
                      e.name, sizeof(e.name));
    k = rng_chance(&r, 0.8) ? 0 : rng_chance(&r, 0.5) ? 4 : 13; /* Yerevan, Tsaghkadzor, Gyumri */
    synth_place_random(&r, &e.place, k, 0);
    e.declared = (uint32_t)rng_int(&r, 8, 25);
    e.flags |= EF_SCHEME;
    synth_canonical_wp(&e, wp, sizeof(wp));
    at_work = rng_chance(&r, 0.5);
    if (at_work) {
        res = e.place;
        snprintf(res_str, sizeof(res_str), "%s", wp);
    } else {
        synth_place_random(&r, &res, e.place.town, 1);
        synth_render_new(&r, &res, res_str, sizeof(res_str));
    }
    p_mgr = rng_chance(&r, 0.35) ? 0.4 + 0.3 * rng_unit(&r) : 0.0;
    synth_new_am_phone(c, &r, 0, mgr, sizeof(mgr));
    nat1 = synth_pick_nat_list(&r, natl, natw, 5);
    nat2 = rng_chance(&r, 0.4) ? synth_pick_nat_list(&r, natl, natw, 5) : nat1;
    minor = rng_chance(&r, 0.2);
    occ = club ? (rng_chance(&r, 0.8) ? O_DANCER : O_ARTIST)
               : (rng_chance(&r, 0.85) ? O_WAITER : O_BARTENDER);
    months = rng_chance(&r, 0.5) ? 3 : 6;
    k = (int)rng_below(&r, 10);
    hours_lo = k < 7 ? 54 : 40;
    hours_hi = k < 7 ? 72 : 40;
    pay_mode = (int)rng_below(&r, 10);
    label_day = start + (int32_t)rng_int(&r, 200, 450);
    labelled = rng_chance(&r, 0.65) && label_day <= c->d_end;

    synth_emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_PLANTED);
    synth_emit_truth(c, sid, u->kind, "address", res_str, ROLE_PLANTED);

    bday = start;
    while (left > 0 && c->err == TW_OK) {
        uint32_t bsize = (uint32_t)rng_int(&r, 4, 8), done = 0;
        int j, nb0 = nmem;
        if (bsize > left)
            bsize = left;
        if (bday > c->d_end - 20)
            bday = c->d_end - 20;
        for (j = pb0; j < pb1 && done < bsize; j++) {
            member_t *m = &c->group[j];
            if (m->dec == D_APPROVED && rng_chance(&r, 0.25) && nmem < MAXGROUP) {
                /* she comes back for another season: same person, new permit */
                member_t *n = &c->group[nmem++];
                *n = *m; /* n->app is her last application: the renewal links it */
                n->dec = -1; /* marks a returner */
                done++;
            }
        }
        while (done < bsize && nmem < MAXGROUP) {
            member_t *m = &c->group[nmem++];
            int age = (minor && nmem == 1) ? 17 : rng_int(&r, 18, 24);
            memset(m, 0, sizeof(*m));
            synth_person_new(c, &r, &m->w, rng_chance(&r, 0.7) ? nat1 : nat2, 'F', age, age, bday);
            if (age == 17)
                m->w.birth = bday - 17 * 365 - (int32_t)rng_below(&r, 300);
            if (rng_chance(&r, p_mgr))
                planted_phone(c, &r, sid, u->kind, mgr, &phone_used, m->w.phone,
                              sizeof(m->w.phone));
            else if (rng_chance(&r, 0.5))
                synth_new_foreign_phone(c, &r, m->w.nat, m->w.phone, sizeof(m->w.phone));
            if (rng_chance(&r, 0.3))
                synth_make_email(&r, &m->w, m->w.email, sizeof(m->w.email));
            synth_spell_first(&r, &res, res_str, &res_used, 0.7, m->w.home, sizeof(m->w.home));
            m->w.home_region = synth_towns[res.town].region;
            m->app[0] = '\0';
            m->dec = -2; /* new */
            done++;
        }
        if (done == 0)
            break;
        for (j = nb0; j < nmem && left > 0 && c->err == TW_OK; j++) {
            member_t *m = &c->group[j];
            app_t a;
            int returner = m->dec == -1;
            memset(&a, 0, sizeof(a));
            a.w = &m->w;
            a.e = &e;
            a.occ = occ;
            a.salary = pay_mode < 5 ? (uint32_t)synth_min_wage(bday)
                       : pay_mode < 8 ? (uint32_t)rng_int(&r, 16, 20) * 5000
                                      : (uint32_t)rng_int(&r, 40, 50) * 5000;
            a.hours = rng_int(&r, hours_lo, hours_hi);
            a.sub = bday + (int32_t)rng_below(&r, 4);
            a.months = months;
            a.prev = returner ? m->app : "";
            a.want = rng_chance(&r, 0.93) ? D_APPROVED : -1;
            a.wp = rng_chance(&r, 0.8) ? wp : NULL;
            a.role = ROLE_PLANTED;
            synth_emit_app(c, &r, &a);
            left--;
            synth_truth_app_worker(c, sid, u->kind, &a, !returner, ROLE_PLANTED);
            snprintf(m->app, sizeof(m->app), "%s", a.id);
            m->dec = a.dec;
            m->vfrom = a.vfrom;
            m->vto = a.vto;
            if (a.dec == D_APPROVED) {
                int pt = synth_pick_point(&r, m->w.nat);
                int32_t in_day = a.vfrom - (int32_t)rng_int(&r, 0, 5);
                const char *purpose =
                    rng_chance(&r, 0.5) ? "work" : rng_chance(&r, 0.6) ? "tourism" : "private";
                synth_cross(c, &r, &m->w, &m->bs, in_day, -1, 1, pt, purpose, ROLE_PLANTED);
                if (rng_chance(&r, 0.2)) { /* a visa run */
                    int32_t d = a.vfrom + (int32_t)rng_int(&r, 20, 45);
                    synth_cross(c, &r, &m->w, &m->bs, d, -1, 0, PT_BAGRATASHEN, "",
                                ROLE_PLANTED);
                    synth_cross(c, &r, &m->w, &m->bs, d + 1, -1, 1, PT_BAGRATASHEN,
                                "tourism", ROLE_PLANTED);
                }
                if (rng_chance(&r, 0.8))
                    synth_cross(c, &r, &m->w, &m->bs, a.vto + (int32_t)rng_int(&r, -5, 3),
                                -1, 0, pt, "", ROLE_PLANTED);
            }
            if (labelled && !returner && rng_chance(&r, 0.4)) {
                synth_worker_key(&m->w, key, sizeof(key));
                synth_emit_outcome(c, &r, "worker", key, 1, label_day, ROLE_PLANTED);
            }
        }
        pb0 = nb0;
        pb1 = nmem;
        bday += months * 30 + (int32_t)rng_int(&r, -20, 40);
        if (nmem >= MAXGROUP)
            break;
    }
    if (nmem > 0 && rng_chance(&r, 0.7)) {
        synth_spell_again(&r, &res, res_str, 0.3, tmp, sizeof(tmp));
        static const uint16_t chw[7] = {30, 40, 30, 0, 0, 0, 0};
        report_t rp;
        scheme_report_init(&rp, &r, start + (int32_t)rng_int(&r, 30, 300), chw);
        rp.category = rng_chance(&r, 0.8) ? CAT_SEXUAL : rng_chance(&r, 0.5) ? CAT_OTHER : CAT_NONE;
        rp.subject = &c->group[rng_below(&r, (uint32_t)nmem)].w;
        rp.e = &e;
        rp.address = rng_chance(&r, 0.6) ? tmp : NULL;
        rp.phone = p_mgr > 0 ? mgr : NULL;
        rp.summary = sex_summaries[rng_below(&r, NELEM(sex_summaries))];
        synth_emit_report(c, &r, &rp);
    }
    if (rng_chance(&r, 0.25)) {
        int32_t day = start + (int32_t)rng_int(&r, 60, 300);
        int found = rng_int(&r, 2, 8);
        const char *v = rng_chance(&r, 0.4) ? ""
                        : rng_chance(&r, 0.5) ? "excessive_hours" : "no_contract;excessive_hours";
        synth_emit_inspection(c, &r, &e, day, found, 0, v, ROLE_PLANTED);
    }
    if (labelled)
        synth_emit_outcome(c, &r, "employer", e.tin, 1, label_day, ROLE_PLANTED);
}

/* (3) Live-in domestic servitude: households with one domestic worker each. */
void synth_gen_domestic(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_PHL, N_LKA, N_ETH, N_IND};
    static const uint16_t natw[] = {40, 25, 20, 15};
    rng_t r;
    agency_t ag;
    int use_ag, ag_said = 0, ag_labelled = 0;
    char sid[16], key[48], wp[TXT], tmp[TXT];
    uint32_t left = u->quota;

    rng_init(&r, c->seed, u->no);
    synth_scheme_id(c, 1, sid);
    c->schemes++;
    use_ag = rng_chance(&r, 0.5);
    synth_agency_new(c, &r, &ag);
    while (left > 0 && c->err == TW_OK) {
        employer_t e;
        person_t w;
        bstate_t bs = {0, 0, 0};
        int32_t sub = synth_day_between(&r, c->d_start + 30, c->d_end - 150), label_day;
        int occ, hours, labelled, nat, first = 1;
        uint32_t salary;
        double x = rng_unit(&r);
        char prev[24] = "";
        int32_t vto = 0;

        synth_employer_new(c, &r, &e, S97,
                           rng_chance(&r, 0.4) ? sub - (int32_t)rng_int(&r, 300, 5000) : 0);
        e.flags |= EF_SCHEME;
        if (rng_chance(&r, 0.7)) {
            synth_place_random(&r, &e.place, 0, 1);
        } else {
            synth_place_random(&r, &e.place, 1 + (int)rng_below(&r, 3), 0); /* a house in Kotayk */
        }
        synth_canonical_wp(&e, wp, sizeof(wp));
        nat = synth_pick_nat_list(&r, natl, natw, 4);
        synth_person_new(c, &r, &w, nat, rng_chance(&r, 0.9) ? 'F' : 'M', 25, 50, sub);
        if (rng_chance(&r, 0.5))
            synth_new_am_phone(c, &r, (int)pick_w(&r, synth_am_phone_style_w, 9), w.phone, sizeof(w.phone));
        synth_spell_again(&r, &e.place, wp, 0.5, w.home, sizeof(w.home));
        w.home_region = synth_towns[e.place.town].region;
        occ = x < 0.55 ? O_DOMESTIC : x < 0.8 ? O_CHILDCARE : O_HOMECARE;
        hours = rng_chance(&r, 0.8) ? rng_int(&r, 60, 80) : 48;
        x = rng_unit(&r);
        salary = x < 0.6 ? (uint32_t)rng_int(&r, 6, 12) * 5000
                 : x < 0.85 ? (uint32_t)synth_min_wage(sub) : (uint32_t)rng_int(&r, 18, 22) * 5000;
        label_day = sub + (int32_t)rng_int(&r, 200, 500);
        labelled = rng_chance(&r, 0.65) && label_day <= c->d_end;
        synth_emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_PLANTED);
        synth_emit_truth(c, sid, u->kind, "address", w.home, ROLE_PLANTED);
        if (use_ag && !ag_said) {
            synth_emit_truth(c, sid, u->kind, "intermediary", ag.id, ROLE_PLANTED);
            ag_said = 1;
        }
        while (left > 0 && c->err == TW_OK) {
            app_t a;
            memset(&a, 0, sizeof(a));
            a.w = &w;
            a.e = &e;
            a.ag = use_ag ? &ag : NULL;
            a.occ = occ;
            a.salary = salary;
            a.hours = hours;
            a.sub = sub;
            a.months = 12;
            a.prev = prev;
            a.want = D_APPROVED;
            a.agency_submits = use_ag && rng_chance(&r, 0.5);
            a.wp = rng_chance(&r, 0.8) ? wp : NULL;
            a.role = ROLE_PLANTED;
            synth_emit_app(c, &r, &a);
            left--;
            synth_truth_app_worker(c, sid, u->kind, &a, first, ROLE_PLANTED);
            first = 0;
            if (a.dec == D_APPROVED) {
                synth_cross(c, &r, &w, &bs, a.vfrom - (int32_t)rng_int(&r, 0, 15), -1,
                            1, -1, "work", ROLE_PLANTED);
                vto = a.vto;
            }
            snprintf(prev, sizeof(prev), "%s", a.id);
            sub = a.vto - (int32_t)rng_int(&r, 10, 40);
            if (a.dec != D_APPROVED || sub > c->d_end - 5 || !rng_chance(&r, 0.6))
                break;
        }
        if (vto && rng_chance(&r, 0.15))
            synth_cross(c, &r, &w, &bs, vto + (int32_t)rng_int(&r, 0, 20), -1, 0,
                        PT_ZVARTNOTS, "", ROLE_PLANTED);
        if (rng_chance(&r, 0.4)) {
            synth_spell_again(&r, &e.place, wp, 0.4, tmp, sizeof(tmp));
            static const uint16_t chw[7] = {40, 30, 0, 0, 30, 0, 0};
            report_t rp;
            scheme_report_init(&rp, &r, label_day - (int32_t)rng_int(&r, 30, 150), chw);
            rp.category = rng_chance(&r, 0.85) ? CAT_DOMESTIC : CAT_OTHER;
            rp.subject = &w;
            rp.e = rng_chance(&r, 0.6) ? &e : NULL;
            rp.address = tmp;
            rp.summary = dom_summaries[rng_below(&r, NELEM(dom_summaries))];
            synth_emit_report(c, &r, &rp);
        }
        if (rng_chance(&r, 0.08))
            synth_emit_inspection(c, &r, &e, sub + (int32_t)rng_int(&r, -200, -30), 1, 0,
                                  "excessive_hours;wage_arrears", ROLE_PLANTED);
        if (labelled) {
            synth_worker_key(&w, key, sizeof(key));
            synth_emit_outcome(c, &r, "worker", key, 1, label_day, ROLE_PLANTED);
            if (rng_chance(&r, 0.85))
                synth_emit_outcome(c, &r, "employer", e.tin, 1, label_day, ROLE_PLANTED);
            if (use_ag && !ag_labelled && rng_chance(&r, 0.85)) {
                synth_emit_outcome(c, &r, "intermediary", ag.id, 1, label_day, ROLE_PLANTED);
                ag_labelled = 1;
            }
        }
    }
}

/* (4) Shell employers: new companies asking for dozens of permits. */
void synth_gen_shell(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_IND, N_BGD, N_PAK, N_NPL, N_EGY, N_SYR, N_IRN, N_LKA};
    static const uint16_t natw[] = {25, 20, 15, 10, 10, 8, 6, 6};
    static const int shell_sec[] = {S46, S47, S41, S43, S56, S10};
    static const int misfit[] = {O_BRICKLAYER, O_LABOURER, O_WELDER, O_COOK, O_SALES,
                                 O_DRIVER, O_FREIGHT};
    rng_t r;
    char sid[16], office_str[TXT], org_phone[24], key[48];
    place_t office;
    int ncomp, k, shared_office, phone_used = 0;
    uint32_t shared_acct, left = u->quota;
    double p_phone;
    int32_t start;

    rng_init(&r, c->seed, u->no);
    synth_scheme_id(c, 1, sid);
    c->schemes++;
    ncomp = 1 + (int)rng_below(&r, 3);
    if ((uint32_t)ncomp > left / 5)
        ncomp = left / 5 > 0 ? (int)(left / 5) : 1;
    shared_acct = rng_chance(&r, 0.7) ? synth_new_account(c) : 0;
    shared_office = rng_chance(&r, 0.5);
    synth_place_random(&r, &office, 0, 0);
    office.street = (uint8_t)(rng_chance(&r, 0.5) ? 30 : rng_below(&r, NYSTREET));
    office.unit = UNIT_OFFICE;
    office.flat = (uint16_t)rng_int(&r, 1, 40);
    synth_render_new(&r, &office, office_str, sizeof(office_str));
    p_phone = rng_chance(&r, 0.4) ? 0.3 + 0.4 * rng_unit(&r) : 0.0;
    synth_new_am_phone(c, &r, 0, org_phone, sizeof(org_phone));
    start = synth_day_between(&r, c->d_start + 60, c->d_end - 250);
    if (shared_office)
        synth_emit_truth(c, sid, u->kind, "address", office_str, ROLE_PLANTED);

    for (k = 0; k < ncomp && c->err == TW_OK; k++) {
        employer_t e;
        uint32_t q = left / (uint32_t)(ncomp - k), j;
        int32_t sk = start + k * (int32_t)rng_int(&r, 10, 60), burst = (int32_t)rng_int(&r, 30, 90);
        int32_t insp_day = sk + (int32_t)rng_int(&r, 120, 240);
        int inspected = rng_chance(&r, 0.45) && insp_day <= c->d_end;
        int revoke = inspected && rng_chance(&r, 0.6);
        uint32_t fixed_wage = rng_chance(&r, 0.6) ? (uint32_t)rng_int(&r, 20, 30) * 5000 : 0;
        char wp[TXT];
        int32_t label_day = insp_day + (int32_t)rng_int(&r, 30, 120);
        int labelled = rng_chance(&r, 0.65) && label_day <= c->d_end;

        int sec = shell_sec[rng_below(&r, NELEM(shell_sec))];
        synth_employer_new(c, &r, &e, sec, sk - (int32_t)rng_int(&r, 7, 60));
        e.declared = (uint32_t)rng_int(&r, 1, 3);
        e.flags |= EF_SCHEME;
        if (shared_office) {
            e.place = office;
            snprintf(wp, sizeof(wp), "%s", office_str);
        } else {
            synth_canonical_wp(&e, wp, sizeof(wp));
        }
        synth_emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_PLANTED);
        for (j = 0; j < q && left > 0 && c->err == TW_OK; j++) {
            person_t w;
            bstate_t bs = {0, 0, 0};
            app_t a;
            int nat = synth_pick_nat_list(&r, natl, natw, NELEM(natl));
            int occ = rng_chance(&r, 0.5) ? misfit[rng_below(&r, NELEM(misfit))]
                                          : synth_pick_occ(&r, e.sector);
            int32_t sub = sk + (int32_t)rng_below(&r, (uint32_t)burst);
            synth_person_new(c, &r, &w, nat, rng_chance(&r, 0.92) ? 'M' : 'F', 20, 45, sub);
            if (rng_chance(&r, p_phone))
                planted_phone(c, &r, sid, u->kind, org_phone, &phone_used, w.phone,
                              sizeof(w.phone));
            else if (rng_chance(&r, 0.5))
                synth_new_foreign_phone(c, &r, nat, w.phone, sizeof(w.phone));
            {
                double x = rng_unit(&r);
                if (x < 0.2) {
                    synth_spell_again(&r, &e.place, wp, 0.8, w.home, sizeof(w.home));
                    w.home_region = R_ER;
                } else if (x < 0.5) {
                    place_t p;
                    synth_place_random(&r, &p, 0, 1);
                    synth_person_home(&r, &w, &p, synth_pick_style(&r));
                }
            }
            memset(&a, 0, sizeof(a));
            a.w = &w;
            a.e = &e;
            a.occ = occ;
            a.salary = fixed_wage ? fixed_wage : (uint32_t)synth_min_wage(sub);
            a.hours = 40;
            a.sub = sub;
            a.months = 12;
            a.prev = "";
            {
                double x = rng_unit(&r);
                a.want = x < 0.85 ? D_APPROVED : x < 0.95 ? D_REJECTED : D_WITHDRAWN;
            }
            if (a.want == D_APPROVED && revoke && rng_chance(&r, 0.5)) {
                a.want = D_REVOKED;
                a.revoke_on = insp_day + (int32_t)rng_int(&r, 10, 60);
            }
            a.shared_account = (int)shared_acct;
            a.wp = wp;
            a.role = ROLE_PLANTED;
            synth_emit_app(c, &r, &a);
            left--;
            synth_truth_app_worker(c, sid, u->kind, &a, 1, ROLE_PLANTED);
            if ((a.dec == D_APPROVED || a.dec == D_REVOKED) && rng_chance(&r, 0.35)) {
                int pt = synth_pick_point(&r, nat);
                synth_cross(c, &r, &w, &bs, a.vfrom - (int32_t)rng_int(&r, 0, 10), -1,
                            1, pt, NULL, ROLE_PLANTED);
                if (rng_chance(&r, 0.5)) {
                    int32_t d = a.vfrom + (int32_t)rng_int(&r, 14, 60);
                    int out_pt = rng_chance(&r, 0.5) ? PT_BAGRATASHEN : pt;
                    synth_cross(c, &r, &w, &bs, d, -1, 0, out_pt, "", ROLE_PLANTED);
                }
            }
            if (labelled && rng_chance(&r, 0.2)) {
                synth_worker_key(&w, key, sizeof(key));
                synth_emit_outcome(c, &r, "application", a.id, 1, label_day, ROLE_PLANTED);
            }
        }
        if (inspected)
            synth_emit_inspection(c, &r, &e, insp_day, 0, 0, rng_chance(&r, 0.6) ? "other" : "",
                                  ROLE_PLANTED);
        if (rng_chance(&r, 0.25)) {
            static const uint16_t chw[7] = {0, 0, 1, 0, 0, 0, 0};
            report_t rp;
            scheme_report_init(&rp, &r, sk + (int32_t)rng_int(&r, 90, 400), chw);
            rp.category = rng_chance(&r, 0.5) ? CAT_OTHER : CAT_NONE;
            rp.e = &e;
            rp.address = rng_chance(&r, 0.5) ? wp : NULL;
            rp.summary = shell_summaries[rng_below(&r, NELEM(shell_summaries))];
            synth_emit_report(c, &r, &rp);
        }
        if (labelled)
            synth_emit_outcome(c, &r, "employer", e.tin, 1, label_day, ROLE_PLANTED);
    }
}

/* (5) Seasonal agricultural forced labour: a farm, an agent, May to October. */
void synth_gen_agri(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_UZB, N_TJK, N_KGZ, N_IND};
    static const uint16_t natw[] = {35, 25, 20, 20};
    rng_t r;
    employer_t local;
    const employer_t *e;
    agency_t ag;
    char sid[16], farm[TXT], key[48], tmp[TXT];
    int use_ag, seasons, y0, s, nmem = 0, pb0 = 0, pb1 = 0, wage_mode, hours_lo, hours_hi;
    int phone_used = 0, farm_used = 0, labelled;
    uint32_t left = u->quota;
    int32_t label_day, insp_day = 0;

    rng_init(&r, c->seed, u->no);
    synth_scheme_id(c, 1, sid);
    c->schemes++;
    if (u->emp >= 0) {
        e = &c->emp[u->emp];
    } else {
        synth_employer_new(c, &r, &local, S01, days_from_civil(2005, 1, 1) +
                                             (int32_t)rng_below(&r, 5000));
        synth_place_random(&r, &local.place, synth_town_in_region(&r, rng_chance(&r, 0.5) ? R_AR : R_AV, 1),
                           0);
        local.declared = (uint32_t)rng_int(&r, 5, 30);
        local.flags |= EF_SCHEME;
        e = &local;
    }
    use_ag = rng_chance(&r, 0.8);
    synth_agency_new(c, &r, &ag);
    synth_canonical_wp(e, farm, sizeof(farm));
    seasons = (left >= 30 && rng_chance(&r, 0.4)) ? 2 : 1;
    y0 = 2022 + (int)rng_below(&r, (uint32_t)(5 - seasons));
    while (e->registered && days_from_civil(y0, 3, 1) < e->registered + 60 &&
           y0 + seasons - 1 < 2025)
        y0++;
    wage_mode = (int)rng_below(&r, 10);
    hours_lo = rng_chance(&r, 0.7) ? 55 : 48;
    hours_hi = hours_lo == 55 ? 70 : 48;
    label_day = days_from_civil(y0 + seasons - 1, 11, 1) + (int32_t)rng_int(&r, 30, 200);
    labelled = rng_chance(&r, 0.65) && label_day <= c->d_end;

    synth_emit_truth(c, sid, u->kind, "employer", e->tin, ROLE_PLANTED);
    synth_emit_truth(c, sid, u->kind, "address", farm, ROLE_PLANTED);
    if (use_ag) {
        synth_emit_truth(c, sid, u->kind, "intermediary", ag.id, ROLE_PLANTED);
    }
    for (s = 0; s < seasons && c->err == TW_OK; s++) {
        int year = y0 + s, j, nb0 = nmem;
        uint32_t qs = left / (uint32_t)(seasons - s), done = 0;
        int32_t sub0 = days_from_civil(year, 3, 15), arrive = days_from_civil(year, 4, 28);
        int32_t arrive_sec = (int32_t)rng_int(&r, 6 * 3600, 20 * 3600);
        int32_t season_end = days_from_civil(year, 10, 31);
        for (j = pb0; j < pb1 && done < qs && nmem < MAXGROUP; j++) {
            member_t *m = &c->group[j];
            if (m->dec == D_APPROVED && rng_chance(&r, 0.5)) {
                member_t *n = &c->group[nmem++];
                *n = *m;
                n->dec = -1;
                done++;
            }
        }
        while (done < qs && nmem < MAXGROUP) {
            member_t *m = &c->group[nmem++];
            int nat = synth_pick_nat_list(&r, natl, natw, 4);
            memset(m, 0, sizeof(*m));
            synth_person_new(c, &r, &m->w, nat, rng_chance(&r, 0.85) ? 'M' : 'F', 19, 50, sub0);
            if (use_ag && rng_chance(&r, 0.4))
                planted_phone(c, &r, sid, u->kind, ag.phone, &phone_used, m->w.phone,
                              sizeof(m->w.phone));
            else if (rng_chance(&r, 0.4))
                synth_new_foreign_phone(c, &r, nat, m->w.phone, sizeof(m->w.phone));
            if (rng_chance(&r, 0.8) || !farm_used) {
                synth_spell_first(&r, &e->place, farm, &farm_used, 0.7, m->w.home, sizeof(m->w.home));
                m->w.home_region = synth_towns[e->place.town].region;
            }
            m->occ = rng_chance(&r, 0.85) ? O_FARMLAB : O_GROWER;
            m->dec = -2;
            done++;
        }
        for (j = nb0; j < nmem && left > 0 && c->err == TW_OK; j++) {
            member_t *m = &c->group[j];
            app_t a;
            int returner = m->dec == -1;
            memset(&a, 0, sizeof(a));
            a.w = &m->w;
            a.e = e;
            a.ag = use_ag ? &ag : NULL;
            a.occ = m->occ;
            a.salary = wage_mode < 6 ? (uint32_t)rng_int(&r, 9, 13) * 5000
                                     : (uint32_t)synth_min_wage(sub0);
            a.hours = rng_int(&r, hours_lo, hours_hi);
            a.sub = sub0 + (int32_t)rng_below(&r, 20);
            a.months = 6;
            a.prev = returner ? m->app : "";
            a.want = D_APPROVED;
            a.agency_submits = use_ag && rng_chance(&r, 0.7);
            a.role = ROLE_PLANTED;
            synth_emit_app(c, &r, &a);
            left--;
            synth_truth_app_worker(c, sid, u->kind, &a, !returner, ROLE_PLANTED);
            snprintf(m->app, sizeof(m->app), "%s", a.id);
            m->dec = a.dec;
            if (a.dec == D_APPROVED) {
                int32_t sec = arrive_sec + (int32_t)rng_below(&r, 2400);
                const char *purpose = rng_chance(&r, 0.6) ? "work" : "private";
                synth_cross(c, &r, &m->w, &m->bs, arrive, sec, 1, PT_BAGRATASHEN, purpose,
                            ROLE_PLANTED);
                if (rng_chance(&r, 0.4)) { /* a quick exit and return to reset the stay */
                    int32_t d = days_from_civil(year, 7, 1) + (int32_t)rng_below(&r, 60);
                    synth_cross(c, &r, &m->w, &m->bs, d, -1, 0, PT_BAGRATASHEN, "",
                                ROLE_PLANTED);
                    synth_cross(c, &r, &m->w, &m->bs, d + (int32_t)rng_below(&r, 3), -1,
                                1, PT_BAGRATASHEN, "private", ROLE_PLANTED);
                }
                if (rng_chance(&r, 0.8))
                    synth_cross(c, &r, &m->w, &m->bs, season_end + (int32_t)rng_below(&r, 10),
                                -1, 0, PT_BAGRATASHEN, "", ROLE_PLANTED);
            }
            if (labelled && !returner && rng_chance(&r, 0.4)) {
                synth_worker_key(&m->w, key, sizeof(key));
                synth_emit_outcome(c, &r, "worker", key, 1, label_day, ROLE_PLANTED);
            }
        }
        if (!insp_day && rng_chance(&r, 0.5))
            insp_day = days_from_civil(year, 7, 1) + (int32_t)rng_below(&r, 80);
        pb0 = nb0;
        pb1 = nmem;
    }
    if (insp_day) {
        int undeclared = rng_int(&r, 0, 6);
        synth_emit_inspection(c, &r, e, insp_day, nmem / 2 + 1, undeclared,
                              agri_violations[rng_below(&r, NELEM(agri_violations))], ROLE_PLANTED);
    }
    if (nmem > 0 && rng_chance(&r, 0.4)) {
        synth_spell_again(&r, &e->place, farm, 0.3, tmp, sizeof(tmp));
        static const uint16_t chw[7] = {45, 45, 10, 0, 0, 0, 0};
        report_t rp;
        scheme_report_init(&rp, &r, days_from_civil(y0, 8, 1) + (int32_t)rng_below(&r, 120), chw);
        rp.category = rng_chance(&r, 0.8) ? CAT_FORCED : CAT_NONE;
        rp.subject = &c->group[rng_below(&r, (uint32_t)nmem)].w;
        rp.e = e;
        rp.address = tmp;
        rp.phone = use_ag && rng_chance(&r, 0.6) ? ag.phone : NULL;
        rp.summary = agri_summaries[rng_below(&r, NELEM(agri_summaries))];
        synth_emit_report(c, &r, &rp);
    }
    if (labelled) {
        synth_emit_outcome(c, &r, "employer", e->tin, 1, label_day, ROLE_PLANTED);
        if (use_ag && rng_chance(&r, 0.85))
            synth_emit_outcome(c, &r, "intermediary", ag.id, 1, label_day, ROLE_PLANTED);
    }
}

/* Scheme and look-alike units: kinds, quotas; returns the rows they take. */
uint64_t synth_plan_special(ctx_t *c, rng_t *r, uint64_t napps, unit_t *out, uint32_t max,
                            uint32_t *nout)
{
    static const double share[5] = {0.30, 0.20, 0.20, 0.15, 0.15};
    static const int lo[NUNITKIND] = {0, 18, 6, 1, 20, 20, 80, 8, 4, 2, 1, 0};
    static const int hi[NUNITKIND] = {0, 52, 24, 6, 60, 100, 150, 30, 8, 4, 3, 0};
    uint64_t cap = napps / 25 < 3 ? 3 : napps / 25, used = 0;
    uint32_t n = 0, k, j, count;

    for (k = U_DEBT; k < U_L_AGENCY; k++) {
        if (napps >= 1000) {
            if (k <= U_AGRI)
                count = (uint32_t)((double)napps * share[k - U_DEBT] *
                                       c->world.scheme_prevalence / 3000.0 + 0.5);
            else
                count = (uint32_t)(napps / (k == U_L_DORM ? 20000 : 8000));
            if (count < 1)
                count = 1;
        } else {
            count = (k == (uint32_t)(U_DEBT + c->seed % 5)) ||
                    (k == (uint32_t)(U_L_DORM + (c->seed / 5) % 5));
        }
        for (j = 0; j < count && n < max; j++) {
            uint64_t q = (uint64_t)rng_int(r, lo[k], hi[k]);
            if (q > cap)
                q = cap;
            out[n].kind = (uint8_t)k;
            out[n].quota = (uint32_t)q;
            out[n].emp = -1;
            used += q;
            n++;
        }
    }
    *nout = n;
    return used;
}
