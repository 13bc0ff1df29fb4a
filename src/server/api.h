/*
 * api.h - the handlers of /api/v1/...: alerts, entities, import, statistics,
 * sign-in, health and metrics (api.c), and NRM cases (api_cases.c). Each is an http_handler_fn; the routing
 * table in http.c names the authorisation action each one needs, and the
 * request has passed authentication, CSRF and that check before a handler
 * runs. A handler checks the object (an alert assigned to the caller, ...)
 * and filters listings by the caller's scope, writes the audit log for every
 * write and every read of personal data, and answers JSON.
 * Reference: docs/api.md. Thread model: http.c's (one store per thread).
 */
#ifndef TW_API_H
#define TW_API_H

#include "server/http.h"

#define API_LIST_DEFAULT 50     /* alerts per page when limit is not given */
#define API_LIST_MAX 500        /* largest limit */
#define API_CLUSTER_NODES 200   /* cluster graph cap */
#define API_CLUSTER_APPS 500    /* applications read per entity when expanding */
#define API_RECORDS_MAX 200     /* records per register and link on an entity page */
#define API_IMPORT_REJECTS 1000 /* rejects listed in an import answer */
#define API_SCORE_FIELD_MAX 4096 /* bytes of one field of a scored application */
#define API_AUDIT_LIST_BYTES 8192 /* ids or keys listed in one audit entry; past it, a hash */

tw_err_t api_healthz(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_metrics(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_login(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_logout(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_me(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
/* GET /api/v1/directory: organisations and people to choose from (api_directory.c). */
tw_err_t api_directory(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_alerts_list(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_alert_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_alert_transition(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_alert_assign(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_alert_suppress(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_entity_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_import(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_stats_summary(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_score(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
/* The watch list (api_rank.c; docs/api.md "Watch list"). */
tw_err_t api_watchlist(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
/* Four-eyes adoption of configs (api_config.c; docs/api.md "Configs"). */
tw_err_t api_configs_list(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_config_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_config_propose(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_config_approve(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_config_reject(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_config_rollback(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);

/* Persons (api_persons.c; docs/api.md "Persons"). */
tw_err_t api_person_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_persons_review(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_persons_decide(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_persons_dispute(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
/* The person of a worker (the entity page) and of an NRM case (the case
 * page): its records within the caller's scope. */
tw_err_t api_worker_person(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_person(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);

/* NRM cases (api_cases.c; docs/api.md "NRM cases"). Each answers 503 when
 * the server has no key file (http_opts_t.vault NULL). */
tw_err_t api_cases_list(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_open(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_cases_codes(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_cases_stats(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
/* api_stats.c: the pattern tables, the quality report, the GLOTIP table */
tw_err_t api_stats_patterns(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_stats_quality(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_stats_glotip(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_stats_sdg(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_update(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_transition(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_service_offer(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_offender_add(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_offenders(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_service_set(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_referral_create(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_consent_record(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_consent_withdraw(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_referral_send(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_referral_act(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_case_emergency(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_referrals_inbox(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_emergencies_list(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_emergency_review(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_attachment_add(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_attachment_get(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);

/* ---- pieces with unit tests ---- */

/* The opaque cursor of an alert listing: base64url of "SORT|KEY|ID".
 * Encodes into out (at least 160 bytes). */
void api_cursor_encode(int sort, const char *key, long long id, char *out, size_t cap);
/* Decodes a cursor for listing order `sort`: TW_EINPUT when it is not one
 * this server made for that order. key gets up to keycap bytes. */
tw_err_t api_cursor_decode(const char *cursor, int sort, char *key, size_t keycap,
                           long long *id);

/* A screening of the store started from the web UI (api_screen.c;
 * docs/api.md "POST /api/v1/screen-runs"). */
tw_err_t api_screen_run(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
/* Frontline screening (api_screening.c; docs/api.md "Frontline screening"). */
tw_err_t api_screening_questions(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);
tw_err_t api_screening_submit(http_req_t *req, http_reply_t *rep, tw_errinfo_t *ei);

#endif
