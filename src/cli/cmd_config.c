/*
 * cmd_config.c - tipwatch config: four-eyes adoption of a config
 * (engine/adopt.h) - propose, show, approve, reject, rollback, list - and
 * cli_load_config_db(), which makes the adopted config the one in force.
 * Conventions (exit statuses, --help): cli_int.h.
 *
 * Who acts: an admin account, proved by one of its API tokens (the
 * TIPWATCH_TOKEN environment variable, or --token-file FILE), so that the
 * second pair of eyes is another account, not another shell.
 */
#include "cli/cli_int.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "access/auth.h"
#include "base/buf.h"
#include "engine/adopt.h"
#include "engine/config.h"
#include "engine/indicators.h"

tw_err_t cli_load_config_db(const char *path, const char *db, config_t **cfg, tw_errinfo_t *ei)
{
    struct stat sb;
    store_t *st = NULL;
    tw_err_t err;

    if (path || !db || stat(db, &sb) != 0)
        return cli_load_config(path, cfg, ei);
    if ((err = store_open(db, &st, ei)) != TW_OK)
        return err;
    err = adopt_active(st, cfg, ei);
    store_close(st);
    if (err == TW_ENOTFOUND)
        return cli_load_config(NULL, cfg, ei);
    return err;
}

static const char config_help[] =
    "usage: tipwatch config propose [--db FILE] --file NEW.conf [--note TEXT]\n"
    "       tipwatch config show [--db FILE] ID [--text]\n"
    "       tipwatch config approve [--db FILE] ID\n"
    "       tipwatch config reject [--db FILE] ID --reason TEXT\n"
    "       tipwatch config rollback [--db FILE] [--reason TEXT]\n"
    "       tipwatch config list [--db FILE]\n"
    "\n"
    "Four-eyes adoption of a config. propose checks NEW.conf, screens the store in\n"
    "memory under it and under the config in force (the shadow run: alerts that\n"
    "would appear, disappear or change level) and backtests it against the outcome\n"
    "labels; both are stored with the proposal and shown by 'config show'. approve\n"
    "makes it the config in force; only an admin other than the one who proposed\n"
    "it may approve. The config it replaces is kept: rollback makes it active again.\n"
    "Every step is in the audit log.\n"
    "\n"
    "The config in force, for screen, score, backtest, rank and serve without\n"
    "--config, is the active one in the store, else tipwatch.conf here, else the\n"
    "built-in one.\n"
    "\n"
    "propose, approve, reject and rollback act as the admin whose API token is in\n"
    "TIPWATCH_TOKEN or in --token-file FILE ('tipwatch token create').\n";

static tw_err_t principal(store_t *st, const char *token_file, auth_principal_t *who,
                          tw_errinfo_t *ei)
{
    char buf[512];
    const char *tok = getenv("TIPWATCH_TOKEN");
    size_t n;

    if (token_file) {
        FILE *f = fopen(token_file, "r");
        if (!f)
            return tw_errinfo_set(ei, TW_EINPUT, "%s: %s", token_file, strerror(errno));
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = 0;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
            buf[--n] = 0;
        tok = buf;
    }
    if (!tok || !*tok)
        return tw_errinfo_set(ei, TW_EPERM, "%s",
                              "who is acting? set TIPWATCH_TOKEN to an admin's API token or "
                              "give --token-file FILE");
    if (auth_bearer(st, tok, who, ei) != TW_OK || who->user_id == 0)
        return tw_errinfo_set(ei, TW_EPERM, "%s", "the API token is not valid");
    return TW_OK;
}

static tw_err_t list_row(void *ctx, const adopt_row_t *r)
{
    (void)ctx;
    printf("%-5lld %-12s %-40s %-16s %-20s %-16s %-20s %s\n", r->id, r->status, r->version,
           r->proposed_by, r->proposed_at, r->decided_by[0] ? r->decided_by : "-",
           r->decided_at[0] ? r->decided_at : "-", r->note);
    return TW_OK;
}

int cmd_config(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"file", required_argument, NULL, 'f'},
                                             {"note", required_argument, NULL, 'n'},
                                             {"reason", required_argument, NULL, 'r'},
                                             {"token-file", required_argument, NULL, 't'},
                                             {"text", no_argument, NULL, 'x'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *file = NULL, *note = NULL, *reason = NULL, *token_file = NULL;
    const char *sub;
    store_t *st = NULL;
    config_t *cur = NULL;
    auth_principal_t who;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;
    unsigned long long id = 0;
    int c, rc = 0, show_text = 0;
    tw_buf_t text;

    buf_init(&text, (size_t)1 << 20 | 1);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(config_help, argc < 2 ? stderr : stdout);
        return argc < 2;
    }
    sub = argv[1];
    optind = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': file = optarg; break;
        case 'n': note = optarg; break;
        case 'r': reason = optarg; break;
        case 't': token_file = optarg; break;
        case 'x': show_text = 1; break;
        case 'h': fputs(config_help, stdout); return 0;
        default: return cli_usage_error("config", "%s", "bad option");
        }
    }
    if (strcmp(sub, "show") == 0 || strcmp(sub, "approve") == 0 || strcmp(sub, "reject") == 0) {
        if (optind + 1 >= argc || cli_parse_u64(argv[optind + 1], 1, (1ull << 62), &id) != 0)
            return cli_usage_error("config", "give the config version's ID, not '%s'",
                                   optind + 1 < argc ? argv[optind + 1] : "");
        optind++;
    }
    if (optind + 1 < argc)
        return cli_usage_error("config", "unexpected argument '%s'", argv[optind + 1]);
    tw_errinfo_clear(&ei);
    memset(&who, 0, sizeof(who));
    if (strcmp(sub, "propose") == 0) {
        long long nid;
        int sys = 0;
        if (!file)
            return cli_usage_error("config", "%s", "propose needs --file NEW.conf");
        if ((err = buf_read_file(&text, file, &sys)) != TW_OK) {
            err = tw_errinfo_set(&ei, err, "%s: %s", file,
                                 err == TW_ENOTFOUND ? "no such file" : strerror(sys));
        } else if (text.len > (size_t)1 << 20) {
            err = tw_errinfo_set(&ei, TW_EINPUT, "%s: larger than 1 MiB", file);
        } else if ((err = cli_open_existing(db, &st, &ei)) == TW_OK &&
                   (err = principal(st, token_file, &who, &ei)) == TW_OK) {
            store_close(st);
            st = NULL;
            if ((err = cli_load_config_db(NULL, db, &cur, &ei)) == TW_OK &&
                (err = cli_open_existing(db, &st, &ei)) == TW_OK &&
                (err = adopt_propose(st, &who, text.p, text.len, file, note, cur, stdout, &nid,
                                     &ei)) == TW_OK)
                printf("\nproposed: config version %lld (%s) by %s; it becomes active when "
                       "another admin runs 'tipwatch config approve %lld'\n",
                       nid, file, who.user, nid);
        }
    } else if (strcmp(sub, "approve") == 0) {
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK &&
            (err = principal(st, token_file, &who, &ei)) == TW_OK &&
            (err = adopt_approve(st, &who, (long long)id, &ei)) == TW_OK)
            printf("approved: config version %llu is now in force (approved by %s); "
                   "'tipwatch config rollback' restores the previous one\n",
                   id, who.user);
    } else if (strcmp(sub, "reject") == 0) {
        if (!reason)
            return cli_usage_error("config", "%s", "reject needs --reason TEXT");
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK &&
            (err = principal(st, token_file, &who, &ei)) == TW_OK &&
            (err = adopt_reject(st, &who, (long long)id, reason, &ei)) == TW_OK)
            printf("rejected: config version %llu\n", id);
    } else if (strcmp(sub, "rollback") == 0) {
        long long now = 0;
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK &&
            (err = principal(st, token_file, &who, &ei)) == TW_OK &&
            (err = adopt_rollback(st, &who, reason, &now, &ei)) == TW_OK) {
            if (now)
                printf("rolled back: config version %lld is in force again\n", now);
            else
                printf("rolled back: no adopted config is active; tipwatch.conf here or the "
                       "built-in config is in force\n");
        }
    } else if (strcmp(sub, "list") == 0) {
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK) {
            printf("%-5s %-12s %-40s %-16s %-20s %-16s %-20s %s\n", "id", "status", "version",
                   "proposed by", "at", "decided by", "at", "note");
            err = adopt_list(st, list_row, NULL, &ei);
        }
    } else if (strcmp(sub, "show") == 0) {
        adopt_row_t r;
        char *t = NULL, *rv = NULL;
        if ((err = cli_open_existing(db, &st, &ei)) == TW_OK &&
            (err = adopt_get(st, (long long)id, &r, &t, &rv, &ei)) == TW_OK) {
            printf("config version %lld: %s, %s (digest %s)\nproposed by %s at %s%s%s\n", r.id,
                   r.version, r.status, r.digest, r.proposed_by, r.proposed_at,
                   r.note[0] ? "; note: " : "", r.note);
            if (r.decided_by[0])
                printf("decided by %s at %s\n", r.decided_by, r.decided_at);
            printf("\n%s", show_text ? t : rv);
        }
        free(t);
        free(rv);
    } else {
        buf_free(&text);
        return cli_usage_error("config",
                               "unknown subcommand '%s' (propose, show, approve, reject, "
                               "rollback, list)",
                               sub);
    }
    if (err)
        rc = cli_report(err, &ei);
    buf_free(&text);
    config_free(cur);
    store_close(st);
    return rc;
}
