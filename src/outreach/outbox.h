/*
 * outbox.h - information messages to workers at permit events: which events
 * are due, in which language and through which channel, the outbox that
 * holds them, and their delivery.
 *
 * Events, from the current version of each permit application and the
 * border register (dates are the UTC date of the register's timestamps):
 *   approved     decision approved, no previous application
 *   renewed      approved, renewing an application of the same employer
 *   transferred  approved, following an application of another employer
 *   revoked      decision revoked
 *   expiry_30d   approved and valid_to within the next 30 days
 *   no_entry     a first approval `no_entry_days` days old whose worker has
 *                no entry ("in") crossing since 180 days before submission
 * Approval events of a permit that has already expired are not sent.
 *
 * Channel: "sms" to the worker's phone, else "email", else "in_person". A
 * phone or e-mail is used only when it is the worker's own: readable (an
 * E.164 form, a well-formed address), given by no other worker in the
 * permit register, and named in no hotline/NGO/police report (where phones
 * are those of employers and places). Anything else is listed for delivery
 * in person at the border or the service centre.
 *
 * Language: the worker's override (outreach_set_language), else from
 * citizenship (ARM hy; RUS BLR UKR KAZ KGZ TJK UZB MDA AZE GEO ru; IND hi;
 * IRN AFG fa; Arab League countries ar), else en; a language without a
 * template file falls back to en.
 *
 * Tables (migration 13, written only here): outreach_message,
 * outreach_optout, outreach_language. The messages never mention an alert:
 * this module reads no alert.
 *
 * Every write is audited with the CLI as its actor (these are commands of
 * the operators who run the outbox).
 *
 * Thread model: the caller's store_t, one thread.
 */
#ifndef TW_OUTREACH_OUTBOX_H
#define TW_OUTREACH_OUTBOX_H

#include <signal.h>
#include <stdint.h>

#include "base/err.h"
#include "outreach/sink.h"
#include "outreach/template.h"
#include "store/store.h"

typedef struct {
    const char *asof;   /* YYYY-MM-DD: the day the plan is for; NULL: today (UTC) */
    const char *since;  /* YYYY-MM-DD: events dated before are not planned; NULL: all */
    int no_entry_days;  /* 0: 60 */
} outreach_plan_opts_t;

typedef struct {
    long long events;                          /* due events seen */
    long long planned;                         /* new messages queued or listed */
    long long already;                         /* events that already had their message */
    long long by_event[OUTREACH_EVENT_COUNT];  /* new messages per event */
    long long sms, email, in_person, opted_out;
    long long fallback_en;                     /* languages without a template file */
    char languages[256];                       /* "ru 120, en 80, ..." of the new messages */
} outreach_plan_result_t;

/* Queues the messages of the events due on opts->asof that have none yet,
 * all in one transaction with one audit entry (action "outreach.plan").
 * Running it again with the same registers adds nothing. */
tw_err_t outreach_plan(store_t *st, const tpl_set_t *tpl, const outreach_plan_opts_t *opts,
                       outreach_plan_result_t *res, tw_errinfo_t *ei);

typedef struct {
    int max_attempts;    /* 0: 8; then the message is failed */
    long retry_base_ms;  /* 0: 60000; the n-th retry waits base * 2^(n-1), at most 1 day */
    long lease_ms;       /* 0: 600000; a message left "sending" by a stopped run is
                            retried after this */
    int linger_s;        /* wait for due retries up to this many seconds; 0: one pass */
    long long limit;     /* at most this many deliveries; 0: all */
    volatile sig_atomic_t *stop; /* polled; non-zero stops after the current batch */
} outreach_send_opts_t;

typedef struct {
    long long sent, retry, failed, opted_out, attempts;
} outreach_send_result_t;

/* Delivers the due messages the sink accepts, in batches: each batch is
 * claimed (state sending, attempts + 1, a lease) and committed before any
 * is delivered, then delivered, flushed and its outcomes committed with an
 * audit entry ("outreach.send") naming the message ids and counts. */
tw_err_t outreach_send(store_t *st, sink_t *sink, const outreach_send_opts_t *opts,
                       outreach_send_result_t *res, tw_errinfo_t *ei);

/* Opt-out (undo = 0) or back in (undo = 1) for one worker key
 * ("COUNTRY:DOCNO"); queued messages of an opted-out worker are not sent.
 * Audited ("outreach.optout", "outreach.optin"). */
tw_err_t outreach_optout(store_t *st, const char *worker_key, const char *reason, int undo,
                         tw_errinfo_t *ei);

/* The worker's language from now on (lang "" removes the override). Only
 * for messages planned after. Audited ("outreach.language"). */
tw_err_t outreach_set_language(store_t *st, const tpl_set_t *tpl, const char *worker_key,
                               const char *lang, tw_errinfo_t *ei);

/* An in-person message handed over; TW_ENOTFOUND, TW_ECONFLICT when it is
 * not an in_person one still waiting. Audited ("outreach.delivered"). */
tw_err_t outreach_mark_delivered(store_t *st, int64_t id, tw_errinfo_t *ei);

/* One message for outreach_list; valid during the callback. */
typedef struct {
    int64_t id;
    const char *application_id, *event, *event_date, *worker_key, *channel, *address,
        *language, *template_id, *subject, *body, *state, *last_error;
    int attempts;
} outreach_msg_t;
typedef tw_err_t (*outreach_msg_fn)(void *ctx, const outreach_msg_t *m);
/* Messages in `state` (NULL: any), oldest first, at most limit (0: all). */
tw_err_t outreach_list(store_t *st, const char *state, long long limit, outreach_msg_fn fn,
                       void *ctx);
/* Counts per state, "queued 3, sent 10, ..." into out. */
tw_err_t outreach_counts(store_t *st, char *out, size_t cap);

/* The language for citizenship (ISO 3166-1 alpha-3); "en" when none. */
const char *outreach_language_of(const char *citizenship);

#endif
