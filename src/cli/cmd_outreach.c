/*
 * cmd_outreach.c - tipwatch outreach: information messages to workers at
 * permit events (plan, send, list, optout, language, delivered, check).
 * The work is in src/outreach/ (outbox.h, sink.h, template.h); this file
 * parses options and prints. Conventions: cli_int.h.
 */
#include "cli/cli_int.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outreach/outbox.h"
#include "outreach/sink.h"
#include "outreach/template.h"

#ifndef TW_OUTREACH_TEMPLATES
#define TW_OUTREACH_TEMPLATES "docs/outreach/templates"
#endif

static const char outreach_help[] =
    "usage: tipwatch outreach plan [--db FILE] [--templates DIR] [--since DATE]\n"
    "                              [--asof DATE] [--no-entry-days N]\n"
    "       tipwatch outreach send --sink SINK [--db FILE] [--from ADDR]\n"
    "                              [--timeout-ms N] [--max-attempts N] [--retry-ms N]\n"
    "                              [--linger S] [--limit N]\n"
    "       tipwatch outreach list [--state STATE] [--limit N] [--bodies] [--db FILE]\n"
    "       tipwatch outreach optout --worker KEY [--reason TEXT] [--undo] [--db FILE]\n"
    "       tipwatch outreach language --worker KEY --lang CODE [--db FILE]\n"
    "       tipwatch outreach delivered --id N [--db FILE]\n"
    "       tipwatch outreach check [--templates DIR]\n"
    "\n"
    "Information messages to workers, never to employers, at permit events:\n"
    "approved, renewed, transferred, revoked, expiry_30d (permit ends within 30\n"
    "days) and no_entry (approved, no entry crossing seen). plan queues the\n"
    "messages due on --asof (default today) that have none yet: an event gets\n"
    "its message once. A message goes by SMS or e-mail only to a contact that is\n"
    "the worker's own (no other worker gives it, no report names it); otherwise\n"
    "it is listed for delivery in person (list --state in_person, then\n"
    "delivered --id N). send delivers the due ones:\n"
    "  dir:PATH           one JSON file per message (every channel)\n"
    "  smtp://HOST:PORT   e-mail messages\n"
    "  http(s)://URL      SMS messages, as a JSON POST to the gateway\n"
    "A refused connection, a time-out or a temporary refusal is retried with\n"
    "backoff (--retry-ms doubles per attempt) up to --max-attempts, then the\n"
    "message is failed. --linger S keeps sending retries that fall due within S\n"
    "seconds. Templates are DIR/LANG.txt and DIR/contacts.txt (default\n"
    "docs/outreach/templates); check loads them and reports what is wrong.\n"
    "Every plan, send batch, opt-out and in-person delivery is in the audit log.\n";

static int load_templates(const char *dir, tpl_set_t **tpl)
{
    tw_errinfo_t ei;
    tw_errinfo_clear(&ei);
    tw_err_t err = tpl_set_load(dir, tpl, &ei);
    if (err != TW_OK)
        return cli_report(err, &ei);
    return 0;
}

static tw_err_t print_msg(void *ctx, const outreach_msg_t *m)
{
    int bodies = *(int *)ctx;
    printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", (long long)m->id, m->state,
           m->event, m->event_date, m->application_id, m->worker_key, m->channel,
           m->address ? m->address : "", m->attempts, m->language);
    if (bodies)
        printf("  %s\n  %s\n\n", m->subject, m->body);
    return TW_OK;
}

int cmd_outreach(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},       {"templates", required_argument, NULL, 't'},
        {"since", required_argument, NULL, 's'},    {"asof", required_argument, NULL, 'a'},
        {"no-entry-days", required_argument, NULL, 'n'},
        {"sink", required_argument, NULL, 'k'},     {"from", required_argument, NULL, 'f'},
        {"timeout-ms", required_argument, NULL, 'T'},
        {"max-attempts", required_argument, NULL, 'M'},
        {"retry-ms", required_argument, NULL, 'R'}, {"linger", required_argument, NULL, 'L'},
        {"limit", required_argument, NULL, 'l'},    {"state", required_argument, NULL, 'S'},
        {"bodies", no_argument, NULL, 'b'},         {"worker", required_argument, NULL, 'w'},
        {"reason", required_argument, NULL, 'r'},   {"undo", no_argument, NULL, 'u'},
        {"lang", required_argument, NULL, 'g'},     {"id", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *tdir = TW_OUTREACH_TEMPLATES, *sub, *spec = NULL,
               *state = NULL, *worker = NULL, *reason = NULL, *lang = NULL;
    outreach_plan_opts_t po;
    outreach_send_opts_t so;
    sink_opts_t ko;
    unsigned long long n, limit = 0, id = 0;
    int c, bodies = 0, undo = 0, rc = 0;
    store_t *st = NULL;
    tpl_set_t *tpl = NULL;
    sink_t *sink = NULL;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;

    memset(&po, 0, sizeof po);
    memset(&so, 0, sizeof so);
    memset(&ko, 0, sizeof ko);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(outreach_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    optind = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 't': tdir = optarg; break;
        case 's': po.since = optarg; break;
        case 'a': po.asof = optarg; break;
        case 'n':
            if (cli_parse_u64(optarg, 1, 3650, &n))
                return cli_usage_error("outreach", "--no-entry-days must be 1..3650, not '%s'",
                                       optarg);
            po.no_entry_days = (int)n;
            break;
        case 'k': spec = optarg; break;
        case 'f': ko.from = optarg; break;
        case 'T':
            if (cli_parse_u64(optarg, 1, 3600000, &n))
                return cli_usage_error("outreach", "--timeout-ms must be 1..3600000, not '%s'",
                                       optarg);
            ko.timeout_ms = (long)n;
            break;
        case 'M':
            if (cli_parse_u64(optarg, 1, 100, &n))
                return cli_usage_error("outreach", "--max-attempts must be 1..100, not '%s'",
                                       optarg);
            so.max_attempts = (int)n;
            break;
        case 'R':
            if (cli_parse_u64(optarg, 1, 86400000, &n))
                return cli_usage_error("outreach", "--retry-ms must be 1..86400000, not '%s'",
                                       optarg);
            so.retry_base_ms = (long)n;
            break;
        case 'L':
            if (cli_parse_u64(optarg, 0, 86400, &n))
                return cli_usage_error("outreach", "--linger must be 0..86400, not '%s'",
                                       optarg);
            so.linger_s = (int)n;
            break;
        case 'l':
            if (cli_parse_u64(optarg, 1, 1000000000ULL, &limit))
                return cli_usage_error("outreach", "--limit must be a positive number, not '%s'",
                                       optarg);
            break;
        case 'S': state = optarg; break;
        case 'b': bodies = 1; break;
        case 'w': worker = optarg; break;
        case 'r': reason = optarg; break;
        case 'u': undo = 1; break;
        case 'g': lang = optarg; break;
        case 'i':
            if (cli_parse_u64(optarg, 1, (unsigned long long)INT64_MAX, &id))
                return cli_usage_error("outreach", "--id must be a message number, not '%s'",
                                       optarg);
            break;
        case 'h': fputs(outreach_help, stdout); return 0;
        default: return cli_usage_error("outreach", "%s", "bad option");
        }
    }
    if (optind + 1 < argc)
        return cli_usage_error("outreach", "unexpected argument '%s'", argv[optind + 1]);
    tw_errinfo_clear(&ei);

    if (strcmp(sub, "check") == 0) {
        if ((rc = load_templates(tdir, &tpl)) != 0)
            return rc;
        printf("outreach: templates in %s load: languages %s\n", tdir, tpl_set_languages(tpl));
        tpl_set_free(tpl);
        return 0;
    }
    if (strcmp(sub, "plan") == 0) {
        if ((rc = load_templates(tdir, &tpl)) != 0)
            return rc;
        outreach_plan_result_t res;
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK)
            err = outreach_plan(st, tpl, &po, &res, &ei);
        if (err == TW_OK) {
            printf("outreach plan: %lld new messages (%lld events due, %lld already had "
                   "theirs)\n",
                   res.planned, res.events, res.already);
            printf("  events: approved %lld, renewed %lld, transferred %lld, revoked %lld, "
                   "expiry_30d %lld, no_entry %lld\n",
                   res.by_event[OUTREACH_APPROVED], res.by_event[OUTREACH_RENEWED],
                   res.by_event[OUTREACH_TRANSFERRED], res.by_event[OUTREACH_REVOKED],
                   res.by_event[OUTREACH_EXPIRY_30D], res.by_event[OUTREACH_NO_ENTRY]);
            printf("  channels: sms %lld, email %lld, in person %lld, opted out %lld\n",
                   res.sms, res.email, res.in_person, res.opted_out);
            printf("  languages: %s%s\n", res.languages[0] ? res.languages : "-",
                   res.fallback_en ? " (some in English: no template file in their language)"
                                   : "");
            if (res.fallback_en)
                printf("  in English for want of a template file: %lld\n", res.fallback_en);
        }
        goto done;
    }
    if (strcmp(sub, "send") == 0) {
        if (!spec)
            return cli_usage_error("outreach", "%s", "send needs --sink SINK");
        outreach_send_result_t res;
        memset(&res, 0, sizeof res);
        if ((err = sink_open(spec, &ko, &sink, &ei)) != TW_OK)
            goto done;
        if ((err = cli_open_existing(db, &st, &ei)) != TW_OK)
            goto done;
        signal(SIGINT, cli_on_signal);
        signal(SIGTERM, cli_on_signal);
        so.limit = (long long)limit;
        so.stop = &cli_interrupted;
        err = outreach_send(st, sink, &so, &res, &ei);
        if (err == TW_OK) {
            char counts[256];
            outreach_counts(st, counts, sizeof counts);
            printf("outreach send (%s): %lld sent, %lld to retry, %lld failed, %lld opted out "
                   "(%lld attempts)\n",
                   sink_kind(sink), res.sent, res.retry, res.failed, res.opted_out,
                   res.attempts);
            printf("  outbox: %s\n", counts);
        }
        goto done;
    }
    if (strcmp(sub, "list") == 0) {
        static const char *const states[] = {"queued",  "sending",   "sent", "failed",
                                             "in_person", "delivered", "opted_out", NULL};
        int ok = !state;
        for (int i = 0; !ok && states[i]; i++)
            ok = strcmp(states[i], state) == 0;
        if (!ok)
            return cli_usage_error("outreach", "unknown --state '%s' (queued, sending, sent, "
                                   "failed, in_person, delivered, opted_out)", state);
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK) {
            printf("id\tstate\tevent\tevent_date\tapplication_id\tworker\tchannel\taddress\t"
                   "attempts\tlanguage\n");
            err = outreach_list(st, state, (long long)limit, print_msg, &bodies);
        }
        goto done;
    }
    if (strcmp(sub, "optout") == 0) {
        if (!worker)
            return cli_usage_error("outreach", "%s", "optout needs --worker COUNTRY:DOCNO");
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK &&
            (err = outreach_optout(st, worker, reason, undo, &ei)) == TW_OK)
            printf("outreach: %s %s\n", worker,
                   undo ? "gets messages again" : "gets no more messages");
        goto done;
    }
    if (strcmp(sub, "language") == 0) {
        if (!worker || !lang)
            return cli_usage_error("outreach", "%s", "language needs --worker KEY --lang CODE");
        if ((rc = load_templates(tdir, &tpl)) != 0)
            return rc;
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK &&
            (err = outreach_set_language(st, tpl, worker, lang, &ei)) == TW_OK)
            printf("outreach: messages to %s from now on in '%s'\n", worker,
                   lang[0] ? lang : "the language of their citizenship");
        goto done;
    }
    if (strcmp(sub, "delivered") == 0) {
        if (!id)
            return cli_usage_error("outreach", "%s", "delivered needs --id N");
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK &&
            (err = outreach_mark_delivered(st, (int64_t)id, &ei)) == TW_OK)
            printf("outreach: message %llu delivered in person\n", id);
        goto done;
    }
    return cli_usage_error("outreach", "unknown subcommand '%s'", sub);
done:
    if (err != TW_OK)
        rc = cli_report(err, &ei);
    sink_close(sink);
    tpl_set_free(tpl);
    if (st)
        store_close(st);
    return rc;
}
