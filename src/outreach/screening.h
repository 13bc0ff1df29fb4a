/*
 * screening.h - the frontline screening questionnaire (labour inspectors,
 * border officers, NGO outreach workers): questions in plain words, each
 * pointing at one of the eleven ILO forced-labour indicators the engine
 * uses (engine/indicators.h ILO_*), answers to an indicator profile and a
 * recommendation, and "refer": a presumed-victim NRM case with the answers
 * attached (cases.h) or a report into the reports register, as the user
 * chooses.
 *
 * The recommendation follows the ILO's reading of forced labour (work that
 * is both involuntary and under the menace of a penalty; ILO, Hard to see,
 * harder to count, 2012):
 *   refer_now           a danger question is yes (violence, locked in or
 *                       watched): the person may be at risk today
 *   refer_with_consent  at least one indicator of involuntariness
 *                       (deception, debt, restricted movement, isolation,
 *                       excessive overtime, abusive conditions, abused
 *                       vulnerability) and one of penalty (violence,
 *                       threats, documents kept, wages withheld, debt), two
 *                       different indicators in all
 *   information_only    otherwise
 * The questionnaire's words live in the web UI's translation files; this
 * module knows only ids and codes.
 *
 * Thread model: pure functions except screening_submit() (the caller's
 * store, one thread).
 */
#ifndef TW_OUTREACH_SCREENING_H
#define TW_OUTREACH_SCREENING_H

#include <stddef.h>
#include <stdint.h>

#include "access/auth.h"
#include "base/err.h"
#include "cases/cases.h"
#include "cases/vault.h"
#include "store/store.h"

typedef struct {
    const char *id;  /* "documents_held" */
    uint32_t ilo;    /* one ILO_* bit */
    int danger;      /* 1: yes means refer now */
} screening_question_t;

/* The questions, in the order they are asked. Static. */
const screening_question_t *screening_questions(size_t *n);

typedef enum {
    SCREEN_INFORMATION_ONLY = 0,
    SCREEN_REFER_WITH_CONSENT,
    SCREEN_REFER_NOW
} screening_reco_t;

/* "information_only", "refer_with_consent", "refer_now". */
const char *screening_reco_name(screening_reco_t r);

typedef enum { SCREEN_ANSWER_NO = 0, SCREEN_ANSWER_YES, SCREEN_ANSWER_UNKNOWN } screening_answer_t;

typedef struct {
    screening_answer_t answer[32]; /* by question index */
    uint32_t ilo;                  /* ILO_* bits answered yes */
    int involuntary, penalty, danger;
    int answered, yes, unknown;
    screening_reco_t reco;
} screening_profile_t;

/* Answers by question id: ids[i] = answers[i] ("yes", "no", "unknown"),
 * every question answered once. TW_EINPUT naming the question for an
 * unknown id, a repeated or missing one, or another answer. */
tw_err_t screening_assess(const char *const *ids, const char *const *answers, size_t n,
                          screening_profile_t *out, tw_errinfo_t *ei);

typedef enum { SCREEN_ACTION_NONE = 0, SCREEN_ACTION_CASE, SCREEN_ACTION_REPORT } screening_action_t;

/* What the person said about themselves and where (all optional). */
typedef struct {
    const char *name, *worker_key, *sex, *citizenship, *phone;
    const char *employer_tin, *employer_name, *place;
    const char *language; /* the questionnaire's language: hy, ru, en */
    int consent;          /* the person agreed to be referred */
} screening_person_t;

typedef struct {
    int64_t case_id;      /* > 0 when a case was opened */
    char report_id[64];   /* non-empty when a report was filed */
} screening_outcome_t;

/* Records a screening: with SCREEN_ACTION_CASE opens a presumed-victim case
 * owned by the actor's organisation (cases_open: needs case.write, checked
 * there) and attaches the answers and the profile as screening.json; with
 * SCREEN_ACTION_REPORT files a report (channel labour_inspection for an
 * inspector, ngo otherwise; category forced_labour unless information
 * only) into the reports register. A case without refer_now needs the
 * person's consent (TW_EINPUT "consent"). One audit entry
 * ("screening.submit") with the recommendation, the indicators and what
 * was done, never the answers' owner. v may be NULL unless opening a case. */
tw_err_t screening_submit(store_t *st, const vault_t *v, const cases_policy_t *pol,
                          const cases_actor_t *act, const screening_profile_t *prof,
                          screening_action_t action, const screening_person_t *person,
                          screening_outcome_t *out, tw_errinfo_t *ei);

#endif
