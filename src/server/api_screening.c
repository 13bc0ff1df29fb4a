/*
 * api_screening.c - the handlers of /api/v1/screening: the questionnaire's
 * questions (ids and the ILO indicator each points at; the words are in the
 * web UI's translation files) and a submitted screening, assessed and, as
 * the user chose, turned into an NRM case with the answers attached or a
 * report in the reports register (src/outreach/screening.h).
 *
 * Bodies: {"answers": {"QUESTION": "yes"|"no"|"unknown", ...},
 *          "action": "none"|"case"|"report", "language": "hy"|"ru"|"en",
 *          "consent": true|false, "person": {"name", "worker_key", "sex",
 *          "citizenship", "phone", "employer_tin", "employer_name", "place"}}
 * Answer: 201 {"recommendation", "ilo": [...], "involuntary", "penalty",
 *          "danger", "recorded": true, "case_id"?, "report_id"?}; with
 *          ?dry_run=true 200 and the same assessment, nothing recorded or
 *          audited (the page shows the result before the user chooses what
 *          to do with it).
 * Thread model: http.c's (one store per thread).
 */
#include <jansson.h>
#include <string.h>

#include "engine/indicators.h"
#include "outreach/screening.h"
#include "server/api.h"
#include "server/api_int.h"

tw_err_t api_screening_questions(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    size_t n;
    const screening_question_t *q = screening_questions(&n);
    json_t *o = json_object(), *a = json_array();
    int oom = !o || !a;
    char ilo[128];
    (void)req;
    (void)ei;
    for (size_t i = 0; i < n && !oom; i++) {
        ind_ilo_names(q[i].ilo, ilo, sizeof ilo);
        api_push(a, json_pack("{s:s,s:s,s:b}", "id", q[i].id, "ilo", ilo, "danger",
                              q[i].danger),
                 &oom);
    }
    api_put(o, "questions", a, &oom);
    return api_reply_json(rep, 200, o, oom);
}

static tw_err_t person_from(json_t *pj, screening_person_t *p, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"name",         "worker_key",    "sex",
                                          "citizenship",  "phone",         "employer_tin",
                                          "employer_name", "place",        NULL};
    tw_err_t err;
    if (!pj || json_is_null(pj))
        return TW_OK;
    if (!json_is_object(pj)) {
        tw_errinfo_field(ei, "person");
        return tw_errinfo_set(ei, TW_EINPUT, "person: must be an object");
    }
    if ((err = api_body_check(pj, allowed, ei)) != TW_OK ||
        (err = api_body_str(pj, "name", 0, 200, &p->name, ei)) != TW_OK ||
        (err = api_body_str(pj, "worker_key", 0, 64, &p->worker_key, ei)) != TW_OK ||
        (err = api_body_str(pj, "sex", 0, 1, &p->sex, ei)) != TW_OK ||
        (err = api_body_str(pj, "citizenship", 0, 3, &p->citizenship, ei)) != TW_OK ||
        (err = api_body_str(pj, "phone", 0, 40, &p->phone, ei)) != TW_OK ||
        (err = api_body_str(pj, "employer_tin", 0, 16, &p->employer_tin, ei)) != TW_OK ||
        (err = api_body_str(pj, "employer_name", 0, 200, &p->employer_name, ei)) != TW_OK ||
        (err = api_body_str(pj, "place", 0, 300, &p->place, ei)) != TW_OK)
        return err;
    if (p->sex && p->sex[0] && strcmp(p->sex, "F") && strcmp(p->sex, "M") &&
        strcmp(p->sex, "X")) {
        tw_errinfo_field(ei, "person.sex");
        return tw_errinfo_set(ei, TW_EINPUT, "person.sex: F, M or X");
    }
    return TW_OK;
}

tw_err_t api_screening_submit(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei)
{
    static const char *const allowed[] = {"answers", "action", "language", "consent", "person",
                                          NULL};
    json_t *body = NULL, *answers, *cj, *o = NULL, *ilo_a = NULL;
    const char *ids[32], *vals[32], *action_s = NULL, *lang = NULL;
    screening_profile_t prof;
    screening_person_t person;
    screening_outcome_t outc;
    screening_action_t action = SCREEN_ACTION_NONE;
    cases_actor_t act;
    size_t n = 0;
    tw_err_t err;
    int oom = 0;

    static const char *const query[] = {"dry_run", NULL};
    const char *dry_s;
    int dry = 0;

    memset(&person, 0, sizeof person);
    if ((err = http_req_query_check(req, query, ei)) != TW_OK)
        return err;
    if ((dry_s = api_param(req, "dry_run")) != NULL) {
        if (strcmp(dry_s, "true") == 0 || strcmp(dry_s, "1") == 0)
            dry = 1;
        else if (strcmp(dry_s, "false") != 0 && strcmp(dry_s, "0") != 0)
            return tw_errinfo_set(ei, TW_EINPUT, "parameter dry_run: must be true or false");
    }
    if ((err = http_req_json(req, &body, ei)) != TW_OK)
        return err;
    if ((err = api_body_check(body, allowed, ei)) != TW_OK)
        goto out;
    answers = json_object_get(body, "answers");
    if (!json_is_object(answers)) {
        tw_errinfo_field(ei, "answers");
        err = tw_errinfo_set(ei, TW_EINPUT, "answers: an object of question -> yes/no/unknown");
        goto out;
    }
    const char *k;
    json_t *v;
    json_object_foreach(answers, k, v) {
        if (n == 32) {
            err = tw_errinfo_set(ei, TW_EINPUT, "answers: too many");
            goto out;
        }
        if (!json_is_string(v)) {
            tw_errinfo_field(ei, k);
            err = tw_errinfo_set(ei, TW_EINPUT, "answers: '%.60s' must be yes, no or unknown", k);
            goto out;
        }
        ids[n] = k;
        vals[n++] = json_string_value(v);
    }
    if ((err = screening_assess(ids, vals, n, &prof, ei)) != TW_OK)
        goto out;
    if ((err = api_body_str(body, "action", 0, 16, &action_s, ei)) != TW_OK ||
        (err = api_body_str(body, "language", 0, 8, &lang, ei)) != TW_OK)
        goto out;
    if (action_s && strcmp(action_s, "case") == 0) {
        action = SCREEN_ACTION_CASE;
    } else if (action_s && strcmp(action_s, "report") == 0) {
        action = SCREEN_ACTION_REPORT;
    } else if (action_s && strcmp(action_s, "none") != 0) {
        tw_errinfo_field(ei, "action");
        err = tw_errinfo_set(ei, TW_EINPUT, "action: none, case or report");
        goto out;
    }
    if (lang && strcmp(lang, "hy") && strcmp(lang, "ru") && strcmp(lang, "en")) {
        tw_errinfo_field(ei, "language");
        err = tw_errinfo_set(ei, TW_EINPUT, "language: hy, ru or en");
        goto out;
    }
    person.language = lang ? lang : "en";
    cj = json_object_get(body, "consent");
    if (cj && !json_is_boolean(cj) && !json_is_null(cj)) {
        tw_errinfo_field(ei, "consent");
        err = tw_errinfo_set(ei, TW_EINPUT, "consent: true or false");
        goto out;
    }
    person.consent = json_is_true(cj);
    if ((err = person_from(json_object_get(body, "person"), &person, ei)) != TW_OK)
        goto out;
    if (action == SCREEN_ACTION_CASE && !http_req_opts(req)->vault) {
        err = http_reply_error(rep, 503, "unavailable",
                               "NRM cases need a key file: %s could not be read when the "
                               "server started",
                               http_req_opts(req)->key_path ? http_req_opts(req)->key_path
                                                            : "(no path)");
        goto out;
    }
    act.who = http_req_principal(req);
    act.remote = http_req_remote(req);
    act.now = 0;
    memset(&outc, 0, sizeof outc);
    if (!dry) {
        if (action != SCREEN_ACTION_CASE)
            http_write_lock(req); /* cases_* take their own turns */
        err = screening_submit(http_req_store(req), http_req_opts(req)->vault,
                               &http_req_opts(req)->cases, &act, &prof, action, &person, &outc,
                               ei);
        if (action != SCREEN_ACTION_CASE)
            http_write_unlock(req);
        if (err != TW_OK)
            goto out;
    }
    o = json_object();
    ilo_a = json_array();
    oom = !o || !ilo_a;
    for (int b = 0; b < 11 && !oom; b++)
        if (prof.ilo & (1u << b)) {
            char nm[64];
            ind_ilo_names(1u << b, nm, sizeof nm);
            api_push(ilo_a, json_string(nm), &oom);
        }
    api_put(o, "recommendation", json_string(screening_reco_name(prof.reco)), &oom);
    api_put(o, "ilo", ilo_a, &oom);
    ilo_a = NULL;
    api_put(o, "involuntary", json_boolean(prof.involuntary), &oom);
    api_put(o, "penalty", json_boolean(prof.penalty), &oom);
    api_put(o, "danger", json_boolean(prof.danger), &oom);
    if (outc.case_id)
        api_put(o, "case_id", json_integer(outc.case_id), &oom);
    if (outc.report_id[0])
        api_put(o, "report_id", json_string(outc.report_id), &oom);
    api_put(o, "recorded", json_boolean(!dry), &oom);
    err = api_reply_json(rep, dry ? 200 : 201, o, oom);
    o = NULL;
out:
    json_decref(ilo_a);
    json_decref(o);
    json_decref(body);
    return err;
}
