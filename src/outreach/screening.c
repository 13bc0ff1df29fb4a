/*
 * screening.c - the frontline screening questionnaire: answers to an ILO
 * indicator profile and a recommendation; a case or a report from it
 * (contract in screening.h).
 *
 * Data structure: one static table of questions (id, ILO bit, danger).
 * Invariants:
 *   1. A profile is computed only from a complete set of answers (every
 *      question once), so two screenings with the same answers always give
 *      the same recommendation.
 *   2. screening_submit writes its audit entry after the case or report it
 *      made, naming its id (a report and its entry in one transaction; a
 *      case's functions run their own, so its entry follows them); the
 *      answers themselves go only into the case (sealed, as an attachment)
 *      or the report's summary (indicator codes).
 * Thread model: the caller's store; the table is read-only.
 */
#include "outreach/screening.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "access/audit.h"
#include "engine/indicators.h"
#include "ingest/import.h"
#include "ingest/norm.h"

static const screening_question_t questions[] = {
    {"promised_different", ILO_DECEPTION, 0},     /* job, pay or conditions not as promised */
    {"papers_unreadable", ILO_DECEPTION, 0},      /* signed papers they could not read */
    {"owes_recruiter", ILO_DEBT, 0},              /* owes for the job, travel or housing */
    {"debt_keeps_here", ILO_DEBT, 0},             /* cannot leave until a debt is paid */
    {"documents_held", ILO_DOCUMENTS, 0},         /* someone else keeps the passport */
    {"wages_withheld", ILO_WAGES, 0},             /* pay held back, late, to someone else */
    {"cannot_leave", ILO_MOVEMENT, 0},            /* stopped from leaving when not working */
    {"locked_or_watched", ILO_MOVEMENT, 1},       /* locked in or watched */
    {"cut_off", ILO_ISOLATION, 0},                /* kept from family, phone taken */
    {"violence", ILO_VIOLENCE, 1},                /* hit, hurt or sexually abused */
    {"threats", ILO_INTIMIDATION, 0},             /* threatened: violence, police, deportation */
    {"long_hours", ILO_OVERTIME, 0},              /* more than 48 hours, no day off */
    {"forced_overtime", ILO_OVERTIME, 0},         /* extra hours that cannot be refused */
    {"housing", ILO_CONDITIONS, 0},               /* crowded or unsafe housing, at the workplace */
    {"unsafe_work", ILO_CONDITIONS, 0},           /* dangerous work, no medical care */
    {"depends_on_employer", ILO_VULNERABILITY, 0} /* stay, housing, food depend on the employer */
};
#define NQ (sizeof questions / sizeof questions[0])

#define INVOLUNTARY (ILO_DECEPTION | ILO_DEBT | ILO_MOVEMENT | ILO_ISOLATION | ILO_OVERTIME | \
                     ILO_CONDITIONS | ILO_VULNERABILITY)
#define PENALTY (ILO_VIOLENCE | ILO_INTIMIDATION | ILO_DOCUMENTS | ILO_WAGES | ILO_DEBT)

const screening_question_t *screening_questions(size_t *n)
{
    *n = NQ;
    return questions;
}

const char *screening_reco_name(screening_reco_t r)
{
    switch (r) {
    case SCREEN_INFORMATION_ONLY: return "information_only";
    case SCREEN_REFER_WITH_CONSENT: return "refer_with_consent";
    case SCREEN_REFER_NOW: return "refer_now";
    }
    return "unknown";
}

static int popcount32(uint32_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

tw_err_t screening_assess(const char *const *ids, const char *const *answers, size_t n,
                          screening_profile_t *out, tw_errinfo_t *ei)
{
    int seen[NQ] = {0};
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        size_t q;
        for (q = 0; q < NQ; q++)
            if (strcmp(ids[i], questions[q].id) == 0)
                break;
        tw_errinfo_field(ei, ids[i]);
        if (q == NQ)
            return tw_errinfo_set(ei, TW_EINPUT, "answers: no question '%.60s'", ids[i]);
        if (seen[q]++)
            return tw_errinfo_set(ei, TW_EINPUT, "answers: question '%s' answered twice", ids[i]);
        const char *a = answers[i] ? answers[i] : "";
        if (strcmp(a, "yes") == 0) {
            out->answer[q] = SCREEN_ANSWER_YES;
            out->ilo |= questions[q].ilo;
            out->yes++;
            if (questions[q].danger)
                out->danger = 1;
        } else if (strcmp(a, "no") == 0) {
            out->answer[q] = SCREEN_ANSWER_NO;
        } else if (strcmp(a, "unknown") == 0) {
            out->answer[q] = SCREEN_ANSWER_UNKNOWN;
            out->unknown++;
        } else {
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "answers: '%s' is answered yes, no or unknown, not '%.20s'",
                                  ids[i], a);
        }
        out->answered++;
    }
    for (size_t q = 0; q < NQ; q++)
        if (!seen[q]) {
            tw_errinfo_field(ei, questions[q].id);
            return tw_errinfo_set(ei, TW_EINPUT, "answers: question '%s' has no answer "
                                  "(yes, no or unknown)", questions[q].id);
        }
    tw_errinfo_clear(ei);
    out->involuntary = (out->ilo & INVOLUNTARY) != 0;
    out->penalty = (out->ilo & PENALTY) != 0;
    if (out->danger)
        out->reco = SCREEN_REFER_NOW;
    else if (out->involuntary && out->penalty && popcount32(out->ilo) >= 2)
        out->reco = SCREEN_REFER_WITH_CONSENT;
    else
        out->reco = SCREEN_INFORMATION_ONLY;
    return TW_OK;
}

/* HTCDS means of control for the indicators answered yes (';'-separated). */
static void means_of_control(uint32_t ilo, char *out, size_t cap)
{
    static const struct {
        uint32_t bit;
        const char *code;
    } map[] = {{ILO_DEBT, "DebtBondage"},         {ILO_WAGES, "TakesEarnings"},
               {ILO_INTIMIDATION, "Threats"},     {ILO_VIOLENCE, "PhysicalAbuse"},
               {ILO_MOVEMENT, "RestrictsMovement"}, {ILO_DECEPTION, "FalsePromises"},
               {ILO_OVERTIME, "ExcessiveWorkingHours"}, {ILO_DOCUMENTS, "WithholdsDocuments"},
               {ILO_CONDITIONS, "WithholdsNecessities"}, {ILO_ISOLATION, "PsychologicalAbuse"}};
    size_t off = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if ((ilo & map[i].bit) && off < cap)
            off += (size_t)snprintf(out + off, cap - off, "%s%s", off ? ";" : "", map[i].code);
}

static const char *sex_code(const char *s)
{
    if (!s || !*s)
        return NULL;
    if (strcmp(s, "F") == 0)
        return "Female";
    if (strcmp(s, "M") == 0)
        return "Male";
    return "Unknown";
}

/* The attachment: answers by question id, the profile, when and in which
 * language. Caller frees. */
static char *answers_json(const screening_profile_t *p, const screening_person_t *pe)
{
    static const char *const names[] = {"no", "yes", "unknown"};
    char ilo[512];
    json_t *o = json_object(), *a = json_object();
    char *s = NULL;
    if (!o || !a)
        goto out;
    for (size_t q = 0; q < NQ; q++)
        json_object_set_new(a, questions[q].id, json_string(names[p->answer[q]]));
    ind_ilo_names(p->ilo, ilo, sizeof ilo);
    json_object_set_new(o, "questionnaire", json_string("tipwatch-frontline-1"));
    json_object_set_new(o, "language", json_string(pe && pe->language ? pe->language : ""));
    json_object_set(o, "answers", a);
    json_object_set_new(o, "ilo_indicators", json_string(ilo));
    json_object_set_new(o, "recommendation", json_string(screening_reco_name(p->reco)));
    json_object_set_new(o, "consent", json_boolean(pe && pe->consent));
    s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
out:
    json_decref(a);
    json_decref(o);
    return s;
}

static tw_err_t file_report(store_t *st, const cases_actor_t *act, const screening_profile_t *p,
                            const screening_person_t *pe, char *report_id, size_t cap,
                            tw_errinfo_t *ei)
{
    char received[40], summary[768], ilo[512], rid[64];
    struct timeval tv;
    struct tm tm;
    norm_t *norm = NULL;
    import_record_t *rec = NULL;
    import_stored_t stored;
    tw_err_t err;

    gettimeofday(&tv, NULL);
    time_t t = tv.tv_sec;
    gmtime_r(&t, &tm);
    strftime(received, sizeof received, "%Y-%m-%dT%H:%M:%SZ", &tm);
    /* unique per screening: the second, the user and the microseconds */
    snprintf(rid, sizeof rid, "SCR-%04d%02d%02d-%lld-%06ld", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, (long long)(act->who ? act->who->user_id : 0), (long)tv.tv_usec);
    ind_ilo_names(p->ilo, ilo, sizeof ilo);
    snprintf(summary, sizeof summary,
             "Frontline screening (%s): recommendation %s; ILO indicators: %s; consent %s",
             pe->language ? pe->language : "", screening_reco_name(p->reco),
             ilo[0] ? ilo : "none", pe->consent ? "given" : "not given");
    const char *channel =
        act->who && act->who->role == ROLE_INSPECTOR ? "labour_inspection" : "ngo";
    const char *names[] = {"report_id", "received_at", "channel", "category", "summary",
                           "subject_name", "subject_citizenship", "employer_tin",
                           "employer_name", "address", "phone"};
    const char *values[] = {rid, received, channel,
                            p->reco == SCREEN_INFORMATION_ONLY ? "other" : "forced_labour",
                            summary, pe->name, pe->citizenship, pe->employer_tin,
                            pe->employer_name, pe->place, pe->phone};
    if ((err = norm_open(&norm)) != TW_OK)
        goto out;
    if ((err = import_record_check(REG_REPORTS, norm, names, values, 11, &rec, ei)) != TW_OK)
        goto out;
    if (import_record_rejected(rec)) {
        const char *field, *reason;
        int warning;
        for (size_t i = 0; i < import_record_issues(rec); i++) {
            import_record_issue(rec, i, &field, &warning, &reason);
            if (!warning) {
                tw_errinfo_field(ei, field);
                err = tw_errinfo_set(ei, TW_EINPUT, "%s: %s", field, reason);
                goto out;
            }
        }
        err = tw_errinfo_set(ei, TW_EINPUT, "the report was not accepted");
        goto out;
    }
    if ((err = import_record_store(st, rec, "screening", &stored, ei)) != TW_OK)
        goto out;
    snprintf(report_id, cap, "%s", rid);
out:
    import_record_free(rec);
    if (norm)
        norm_close(norm);
    return err;
}

tw_err_t screening_submit(store_t *st, const vault_t *v, const cases_policy_t *pol,
                          const cases_actor_t *act, const screening_profile_t *prof,
                          screening_action_t action, const screening_person_t *person,
                          screening_outcome_t *out, tw_errinfo_t *ei)
{
    screening_person_t none;
    char control[512], ilo[512], object[96];
    tw_err_t err = TW_OK;
    char *json = NULL, *detail = NULL;
    json_t *d = NULL;
    int in_tx = 0;

    memset(out, 0, sizeof *out);
    if (!person) {
        memset(&none, 0, sizeof none);
        person = &none;
    }
    if (action == SCREEN_ACTION_CASE) {
        if (prof->reco != SCREEN_REFER_NOW && !person->consent) {
            tw_errinfo_field(ei, "consent");
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "consent: the person has not agreed to be referred; "
                                  "without it only a report can be filed (or a referral "
                                  "when they are in danger now)");
        }
        cases_fields_t f;
        memset(&f, 0, sizeof f);
        means_of_control(prof->ilo, control, sizeof control);
        f.name = person->name && person->name[0] ? person->name : NULL;
        f.worker_key = person->worker_key && person->worker_key[0] ? person->worker_key : NULL;
        f.sex = sex_code(person->sex);
        f.citizenship = person->citizenship && person->citizenship[0] ? person->citizenship
                                                                        : NULL;
        f.phone = person->phone && person->phone[0] ? person->phone : NULL;
        f.address = person->place && person->place[0] ? person->place : NULL;
        f.exploitation = "ForcedLabour";
        f.means_of_control = control[0] ? control : NULL;
        f.cooperating_with_police = 0;
        if ((err = cases_open(st, v, pol, act, &f, 0, &out->case_id, ei)) != TW_OK)
            return err;
        if (!(json = answers_json(prof, person)))
            return TW_ENOMEM;
        int64_t att = 0;
        err = cases_attachment_add(st, v, pol, act, out->case_id, "screening.json",
                                   "application/json", json, strlen(json), &att, ei);
        free(json);
        if (err != TW_OK)
            return err;
    } else if (action == SCREEN_ACTION_REPORT) {
        /* the report and its audit entry commit together (below) */
        if ((err = store_begin(st)) != TW_OK)
            return err;
        in_tx = 1;
        if ((err = file_report(st, act, prof, person, out->report_id, sizeof out->report_id,
                               ei)) != TW_OK)
            goto out;
    }
    ind_ilo_names(prof->ilo, ilo, sizeof ilo);
    d = json_pack("{s:s,s:s,s:s,s:b,s:i,s:i}", "recommendation",
                          screening_reco_name(prof->reco), "ilo", ilo, "action",
                          action == SCREEN_ACTION_CASE     ? "case"
                          : action == SCREEN_ACTION_REPORT ? "report"
                                                           : "none",
                          "consent", person->consent, "yes", prof->yes, "unknown", prof->unknown);
    if (!d) {
        err = TW_ENOMEM;
        goto out;
    }
    if (out->case_id)
        json_object_set_new(d, "case_id", json_integer(out->case_id));
    if (out->report_id[0])
        json_object_set_new(d, "report_id", json_string(out->report_id));
    detail = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
    if (!detail) {
        err = TW_ENOMEM;
        goto out;
    }
    if (out->case_id)
        snprintf(object, sizeof object, "case:%lld", (long long)out->case_id);
    else
        snprintf(object, sizeof object, "screening:%s",
                 out->report_id[0] ? out->report_id : "none");
    err = audit_append(st, act->who, "screening.submit", object, act->remote, detail, ei);
out:
    json_decref(d);
    free(detail);
    if (in_tx) {
        if (err == TW_OK)
            err = store_commit(st);
        else
            store_rollback(st);
        if (err != TW_OK)
            out->report_id[0] = '\0';
    }
    return err;
}
