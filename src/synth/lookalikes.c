/*
 * lookalikes.c - the benign look-alikes of the synthetic register: employers
 * and people that show one signal of a scheme for an innocent reason (a
 * company dormitory, long hours in IT, a couple sharing a phone, a family
 * restaurant, a live-in nanny, the large legitimate agency).
 *
 * synth_gen_lookalike() writes exactly u->quota permit rows with role
 * ROLE_LOOKALIKE, their crossings, inspections and `cleared` outcomes, and
 * truth rows with role "lookalike", so a screening can be scored on how
 * many innocents it alerts.
 *
 * Invariants: the ones of synth_int.h. Thread model: single-threaded; no
 * allocation.
 */
#include "synth/synth_int.h"

#include <stdio.h>
#include <string.h>

/* ---- benign look-alikes -------------------------------------------------------------- */

/* A well-behaved worker at `e` with the given pay and hours; renews while
 * the quota allows. `home` (may be NULL) is the residence as written the
 * first time, `hp` its place. Returns applications written. */
static uint32_t normal_worker(ctx_t *c, rng_t *r, const char *sid, int kind, const employer_t *e,
                              person_t *w, int occ, uint32_t salary, int hours, int32_t sub,
                              uint32_t left, bstate_t *bs)
{
    char prev[24] = "";
    uint32_t used = 0;
    int first = 1;
    while (used < left && c->err == TW_OK) {
        app_t a;
        int renew;
        memset(&a, 0, sizeof(a));
        a.w = w;
        a.e = e;
        a.occ = occ;
        a.salary = salary;
        a.hours = hours;
        a.sub = sub;
        a.months = 12;
        a.prev = prev;
        a.want = rng_chance(r, 0.95) ? D_APPROVED : -1;
        a.role = ROLE_LOOKALIKE;
        synth_emit_app(c, r, &a);
        used++;
        synth_truth_app_worker(c, sid, kind, &a, first, ROLE_LOOKALIKE);
        first = 0;
        sub = a.vto - (int32_t)rng_int(r, 10, 50);
        renew = a.dec == D_APPROVED && used < left && sub <= c->d_end - 5 && rng_chance(r, 0.6);
        synth_border_background(c, r, w, bs, &a, !renew, ROLE_LOOKALIKE);
        if (!renew)
            break;
        snprintf(prev, sizeof(prev), "%s", a.id);
        salary = synth_round_to(salary + salary / 20, 1000);
    }
    return used;
}

void synth_gen_lookalike(ctx_t *c, const unit_t *u)
{
    rng_t r;
    employer_t e;
    char sid[16], addr[TXT], key[48];
    place_t pl;
    uint32_t left = u->quota;
    int32_t label_day;
    int addr_used = 0;

    rng_init(&r, c->seed, u->no);
    synth_scheme_id(c, 0, sid);
    switch (u->kind) {
    case U_L_DORM: {
        static const int natl[] = {N_CHN, N_IND, N_TUR, N_UZB};
        static const uint16_t natw[] = {50, 25, 15, 10};
        int main_nat = synth_pick_nat_list(&r, natl, natw, 4);
        int sec = rng_chance(&r, 0.6) ? S41 : S42;
        synth_employer_new(c, &r, &e, sec, days_from_civil(1998, 1, 1) + (int32_t)rng_below(&r, 6000));
        e.declared = (uint32_t)rng_int(&r, 800, 2000);
        e.flags |= EF_SCHEME;
        synth_place_random(&r, &pl, 0, 0);
        pl.unit = UNIT_DORM;
        pl.flat = (uint16_t)rng_int(&r, 1, 3);
        synth_render_new(&r, &pl, addr, sizeof(addr));
        synth_emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_LOOKALIKE);
        synth_emit_truth(c, sid, u->kind, "address", addr, ROLE_LOOKALIKE);
        while (left > 0 && c->err == TW_OK) {
            person_t w;
            bstate_t bs = {0, 0, 0};
            int occ = synth_pick_occ(&r, e.sector), age = synth_age_background(&r);
            int32_t sub = synth_pick_day(c, &r, c->d_start);
            int nat = rng_chance(&r, 0.75) ? main_nat : synth_pick_nat_list(&r, natl, natw, 4);
            synth_person_new(c, &r, &w, nat, 'M', age, age, sub);
            synth_person_contacts(c, &r, &w, 0.75);
            if (rng_chance(&r, 0.9) || !addr_used) {
                synth_spell_first(&r, &pl, addr, &addr_used, 0.8, w.home, sizeof(w.home));
                w.home_region = R_ER;
            }
            uint32_t pay = synth_round_to(synth_wage_for(c, &r, occ, &e, sub) * 13 / 10, 5000);
            int hours = rng_chance(&r, 0.6) ? 40 : rng_chance(&r, 0.5) ? 44 : 48;
            left -= normal_worker(c, &r, sid, u->kind, &e, &w, occ, pay, hours, sub, left, &bs);
        }
        if (rng_chance(&r, 0.5)) {
            int32_t day = synth_day_between(&r, c->d_start + 200, c->d_end);
            synth_emit_inspection(c, &r, &e, day, rng_int(&r, 30, 90), 0, "", ROLE_LOOKALIKE);
        }
        label_day = synth_day_between(&r, c->d_start + 400, c->d_end);
        if (rng_chance(&r, 0.4))
            synth_emit_outcome(c, &r, "employer", e.tin, 0, label_day, ROLE_LOOKALIKE);
        break;
    }
    case U_L_IT: {
        static const int natl[] = {N_RUS, N_BLR, N_UKR, N_IND};
        static const uint16_t natw[] = {50, 20, 15, 15};
        synth_employer_new(c, &r, &e, S62, days_from_civil(2008, 1, 1) + (int32_t)rng_below(&r, 4500));
        e.declared = (uint32_t)rng_int(&r, 50, 400);
        e.flags |= EF_SCHEME;
        synth_place_random(&r, &e.place, 0, 0);
        synth_emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_LOOKALIKE);
        while (left > 0 && c->err == TW_OK) {
            person_t w;
            bstate_t bs = {0, 0, 0};
            int occ = synth_pick_occ(&r, S62), age = rng_int(&r, 23, 45);
            int32_t sub = synth_pick_day(c, &r, e.registered + 30);
            int nat = synth_pick_nat_list(&r, natl, natw, 4);
            char sx = rng_chance(&r, 0.2) ? 'F' : 'M';
            uint32_t pay;
            int hours;
            synth_person_new(c, &r, &w, nat, sx, age, age, sub);
            synth_person_contacts(c, &r, &w, 0.9);
            {
                place_t p;
                synth_place_random(&r, &p, 0, 1);
                synth_person_home(&r, &w, &p, synth_pick_style(&r));
            }
            pay = (uint32_t)rng_int(&r, 160, 360) * 5000;
            hours = rng_chance(&r, 0.7) ? rng_int(&r, 45, 48) : 40;
            left -= normal_worker(c, &r, sid, u->kind, &e, &w, occ, pay, hours, sub, left, &bs);
        }
        if (rng_chance(&r, 0.3))
            synth_emit_outcome(c, &r, "employer", e.tin, 0, synth_day_between(&r, c->d_start + 300, c->d_end),
                               ROLE_LOOKALIKE);
        break;
    }
    case U_L_COUPLE: {
        static const int natl[] = {N_RUS, N_IRN, N_IND, N_SYR, N_UKR, N_GEO};
        static const uint16_t natw[] = {35, 20, 15, 10, 10, 10};
        while (left > 0 && c->err == TW_OK) {
            person_t h, wf;
            bstate_t bh = {0, 0, 0}, bw = {0, 0, 0};
            char phone[24];
            int nat = synth_pick_nat_list(&r, natl, natw, 6), phone_used = 0;
            int32_t sub;
            const employer_t *eh, *ew;
            uint32_t idx;
            idx = c->nemp ? rng_below(&r, c->nemp) : 0;
            eh = &c->emp[idx];
            ew = rng_chance(&r, 0.5) ? eh : &c->emp[rng_below(&r, c->nemp)];
            sub = synth_pick_day(c, &r, (eh->registered > ew->registered ? eh->registered
                                                                   : ew->registered) + 30);
            synth_person_new(c, &r, &h, nat, 'M', 26, 50, sub);
            synth_person_new(c, &r, &wf, nat, 'F', 24, 48, sub);
            wf.fam = h.fam; /* married: one family name */
            wf.fam_gendered = h.fam_gendered;
            wf.fam_var = h.fam_var;
            synth_new_am_phone(c, &r, 0, phone, sizeof(phone));
            synth_phone_again(&r, phone, &phone_used, h.phone, sizeof(h.phone));
            synth_phone_again(&r, phone, &phone_used, wf.phone, sizeof(wf.phone));
            synth_place_random(&r, &pl, eh->place.town, 1);
            synth_person_home(&r, &h, &pl, synth_pick_style(&r));
            synth_spell_again(&r, &pl, h.home, 0.7, wf.home, sizeof(wf.home));
            wf.home_region = h.home_region;
            synth_emit_truth(c, sid, u->kind, "phone", phone, ROLE_LOOKALIKE);
            {
                int occ = synth_pick_occ(&r, eh->sector);
                uint32_t pay = synth_wage_for(c, &r, occ, eh, sub);
                int hours = synth_hours_background(&r, eh->sector);
                left -= normal_worker(c, &r, sid, u->kind, eh, &h, occ, pay, hours, sub, 1, &bh);
            }
            if (left > 0) {
                int occ = synth_pick_occ(&r, ew->sector);
                uint32_t pay = synth_wage_for(c, &r, occ, ew, sub);
                int hours = synth_hours_background(&r, ew->sector);
                int32_t sub2 = sub + (int32_t)rng_below(&r, 20);
                left -= normal_worker(c, &r, sid, u->kind, ew, &wf, occ, pay, hours, sub2, 1, &bw);
            }
        }
        break;
    }
    case U_L_FAMREST: {
        static const int natl[] = {N_SYR, N_IRN, N_LBN, N_IRQ};
        static const uint16_t natw[] = {40, 25, 20, 15};
        int nat = synth_pick_nat_list(&r, natl, natw, 4);
        char wp[TXT];
        const char *fam = NULL;
        synth_employer_new(c, &r, &e, S56, days_from_civil(2012, 1, 1) + (int32_t)rng_below(&r, 3000));
        synth_make_company_name(&r, "Family Restaurant|Kitchen|Cafe|Grill|Bakery", e.name,
                                sizeof(e.name));
        e.declared = (uint32_t)rng_int(&r, 4, 10);
        e.flags |= EF_SCHEME;
        synth_canonical_wp(&e, wp, sizeof(wp));
        pl = e.place;
        if (rng_chance(&r, 0.5)) {
            pl.unit = UNIT_APT;
            pl.flat = (uint16_t)rng_int(&r, 1, 4);
            synth_render_new(&r, &pl, addr, sizeof(addr));
        } else {
            snprintf(addr, sizeof(addr), "%s", wp);
        }
        synth_emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_LOOKALIKE);
        synth_emit_truth(c, sid, u->kind, "address", addr, ROLE_LOOKALIKE);
        while (left > 0 && c->err == TW_OK) {
            person_t w;
            bstate_t bs = {0, 0, 0};
            int occ = rng_chance(&r, 0.5) ? O_COOK : O_WAITER, age = rng_int(&r, 22, 55);
            int32_t sub = synth_pick_day(c, &r, e.registered + 30);
            synth_person_new(c, &r, &w, nat, synth_sex_for(&r, occ), age, age, sub);
            if (fam) {
                w.fam = fam;
                w.fam_gendered = 0;
            }
            fam = w.fam;
            synth_person_contacts(c, &r, &w, 0.8);
            synth_spell_first(&r, &pl, addr, &addr_used, 0.7, w.home, sizeof(w.home));
            w.home_region = synth_towns[pl.town].region;
            left -= normal_worker(c, &r, sid, u->kind, &e, &w, occ,
                                  (uint32_t)rng_int(&r, 30, 44) * 5000, 48, sub, left, &bs);
        }
        if (rng_chance(&r, 0.4))
            synth_emit_outcome(c, &r, "employer", e.tin, 0, synth_day_between(&r, c->d_start + 300, c->d_end),
                               ROLE_LOOKALIKE);
        break;
    }
    default: { /* U_L_NANNY */
        static const int natl[] = {N_PHL, N_GEO, N_RUS, N_UKR};
        static const uint16_t natw[] = {40, 20, 20, 20};
        int32_t sub = synth_day_between(&r, c->d_start, c->d_end - 100);
        person_t w;
        bstate_t bs = {0, 0, 0};
        int occ = rng_chance(&r, 0.6) ? O_CHILDCARE : O_DOMESTIC, age = rng_int(&r, 25, 55);
        synth_employer_new(c, &r, &e, S97, 0);
        e.flags |= EF_SCHEME;
        synth_place_random(&r, &e.place, 0, 1);
        synth_person_new(c, &r, &w, synth_pick_nat_list(&r, natl, natw, 4), 'F', age, age, sub);
        synth_person_contacts(c, &r, &w, 0.9);
        synth_canonical_wp(&e, addr, sizeof(addr));
        synth_spell_again(&r, &e.place, addr, 0.5, w.home, sizeof(w.home));
        w.home_region = synth_towns[e.place.town].region;
        synth_emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_LOOKALIKE);
        synth_emit_truth(c, sid, u->kind, "address", w.home, ROLE_LOOKALIKE);
        {
            uint32_t pay = (uint32_t)rng_int(&r, 40, 60) * 5000;
            int hours = rng_chance(&r, 0.5) ? 40 : 48;
            left -= normal_worker(c, &r, sid, u->kind, &e, &w, occ, pay, hours, sub, left, &bs);
        }
        while (left > 0 && c->err == TW_OK) { /* a second household, same pattern */
            employer_t e2;
            person_t w2;
            bstate_t b2 = {0, 0, 0};
            synth_employer_new(c, &r, &e2, S97, 0);
            e2.flags |= EF_SCHEME;
            sub = synth_day_between(&r, c->d_start, c->d_end - 100);
            synth_person_new(c, &r, &w2, synth_pick_nat_list(&r, natl, natw, 4), 'F', age, age, sub);
            synth_person_home(&r, &w2, &e2.place, synth_pick_style(&r));
            synth_emit_truth(c, sid, u->kind, "employer", e2.tin, ROLE_LOOKALIKE);
            left -= normal_worker(c, &r, sid, u->kind, &e2, &w2, occ,
                                  (uint32_t)rng_int(&r, 40, 60) * 5000, 40, sub, left, &b2);
        }
        if (rng_chance(&r, 0.3)) {
            synth_worker_key(&w, key, sizeof(key));
            synth_emit_outcome(c, &r, "worker", key, 0, synth_day_between(&r, sub, c->d_end), ROLE_LOOKALIKE);
        }
        break;
    }
    }
}
