/*
 * sink.h - where outreach messages are delivered: a directory (one JSON
 * file per message), an SMTP server (e-mail), or an HTTP(S) SMS gateway
 * (a JSON POST per message). SMTP and HTTP go through libcurl.
 *
 * SINK spec:
 *   dir:PATH                 every channel; PATH/msg-<id>.json, written to a
 *                            temporary name and renamed, the directory
 *                            synced by sink_flush() (the outbox marks a
 *                            message sent only after that)
 *   smtp://HOST:PORT         e-mail messages; From: is opts.from
 *   http://... https://...   SMS messages; header Idempotency-Key:
 *                            tipwatch-<id> so a gateway drops a repeat of a
 *                            message whose answer was lost
 *
 * A delivery ends in one of three ways: SINK_OK (the receiver took it),
 * SINK_TEMP (try again later: refused connection, time-out, SMTP 4xx,
 * HTTP 408/425/429/5xx) or SINK_PERM (the receiver will never take it:
 * SMTP 5xx, HTTP 4xx). A receiver that took a message but whose answer
 * never arrived looks like SINK_TEMP: the repeat carries the same message
 * id (SMTP Message-ID, HTTP Idempotency-Key) so the receiver can drop it.
 *
 * Thread model: a sink is used by one thread at a time.
 */
#ifndef TW_OUTREACH_SINK_H
#define TW_OUTREACH_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef enum { SINK_OK = 0, SINK_TEMP, SINK_PERM } sink_result_t;

typedef struct {
    const char *from;  /* SMTP envelope and From: address; NULL: tipwatch@localhost */
    long timeout_ms;   /* per delivery (connect + transfer); 0: 30000 */
} sink_opts_t;

/* One message as handed to a sink; strings are NUL-terminated. */
typedef struct {
    int64_t id;
    const char *worker_key, *event, *channel, *address, *language, *template_id;
    const char *subject, *body;
} sink_msg_t;

typedef struct sink sink_t;

/* TW_EINPUT naming the spec when it is not one of the forms above. */
tw_err_t sink_open(const char *spec, const sink_opts_t *opts, sink_t **out, tw_errinfo_t *ei);
void sink_close(sink_t *s);
/* 1 when the sink delivers messages of `channel` ("sms", "email", "in_person"). */
int sink_accepts(const sink_t *s, const char *channel);
/* "dir", "smtp" or "http": what the outbox records as the message's sink. */
const char *sink_kind(const sink_t *s);
/* Delivers one message; why[] says what went wrong for TEMP and PERM. */
sink_result_t sink_deliver(sink_t *s, const sink_msg_t *m, char *why, size_t why_cap);
/* Makes the deliveries since the last flush durable (dir: fsync of the
 * files and the directory). TW_EIO when it cannot: the caller must not
 * mark them sent. */
tw_err_t sink_flush(sink_t *s, tw_errinfo_t *ei);

#endif
