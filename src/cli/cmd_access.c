/*
 * cmd_access.c - tipwatch user, token, audit and authz: accounts, API tokens, the audit log
 * and the authorisation table.
 * Conventions (exit statuses, --help, stdout/stderr): cli_int.h.
 */
#include "cli/cli_int.h"

#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "access/audit.h"
#include "access/auth.h"
#include "access/authz.h"
#include "base/json.h"
#include "store/store.h"

/* ---- user, token, audit ------------------------------------------------- */

static const char user_help[] =
    "usage: tipwatch user add NAME --org ORG --role ROLE --password-stdin [--db FILE]\n"
    "       tipwatch user list [--db FILE]\n"
    "       tipwatch user disable NAME [--db FILE]\n"
    "\n"
    "Accounts for the web UI and the API. add creates the organisation when it is\n"
    "new and reads the password (10 to 1024 bytes) as one line from standard input,\n"
    "so it never shows in the process list or the shell history. ROLE is one of\n"
    "admin, analyst, inspector, case_worker, statistician, auditor (what each may\n"
    "do: docs/authz.md). list shows name, organisation, role, when created, state\n"
    "and live API tokens; never password hashes. disable ends a user's sessions and\n"
    "stops its sign-ins and tokens. Every change is written to the audit log.\n";

static const char token_help[] =
    "usage: tipwatch token create NAME [--label L] [--db FILE]\n"
    "       tipwatch token list [NAME] [--db FILE]\n"
    "       tipwatch token revoke ID [--db FILE]\n"
    "\n"
    "Bearer tokens for API clients (Authorization: Bearer TOKEN). create prints a\n"
    "new token for user NAME once, on standard output; only its hash is stored, so\n"
    "it cannot be shown again. list shows ids, owners, labels and state, never the\n"
    "tokens. revoke stops a token at once. Every change is written to the audit log.\n";

static const char audit_help[] =
    "usage: tipwatch audit verify [--anchor ID:HASH] [--db FILE]\n"
    "       tipwatch audit list [--limit N] [--db FILE]\n"
    "       tipwatch audit head [--db FILE]\n"
    "\n"
    "The audit log: who did what, to what, from where and when; append-only, each\n"
    "entry hash-chained to the one before. verify checks the whole chain and its\n"
    "recorded head: exit 0 and 'audit: N entries, chain intact', or exit 1 naming\n"
    "the first bad entry (changed, removed, reordered, put in, or the end cut off).\n"
    "head verifies, then prints ID:HASH of the newest entry: keep it outside this\n"
    "machine, and a later 'verify --anchor ID:HASH' also shows whether the log up to\n"
    "there was rewritten wholesale. list shows the newest N entries (default 50).\n";

/* Reads one line (the password) from standard input into buf (cap bytes);
 * from a terminal, without echo. 0 on success; else says why and returns 1. */
static int read_password(char *buf, size_t cap)
{
    struct termios old, quiet;
    int echo_off = 0;
    size_t n;

    if (isatty(STDIN_FILENO)) {
        fputs("password: ", stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &old) == 0) {
            quiet = old;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    if (!fgets(buf, (int)cap, stdin))
        buf[0] = '\0';
    if (echo_off) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    n = strlen(buf);
    if (n == cap - 1 && buf[n - 1] != '\n') {
        explicit_bzero(buf, cap);
        fprintf(stderr, "tipwatch user: the password on standard input is longer than %d "
                        "bytes\n", AUTH_PASSWORD_MAX);
        return 1;
    }
    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    if (n > 0 && buf[n - 1] == '\r')
        buf[--n] = '\0';
    if (n == 0) {
        fprintf(stderr, "tipwatch user: no password on standard input (--password-stdin "
                        "reads one line)\n");
        return 1;
    }
    return 0;
}

/* One accounts change and its audit entry go in one transaction: both or
 * neither. */
tw_err_t cli_begin(store_t *st, tw_errinfo_t *ei)
{
    if (store_begin(st) != TW_OK)
        return tw_errinfo_set(ei, TW_EDB, "cannot start a transaction: %s", store_errmsg(st));
    return TW_OK;
}

tw_err_t cli_finish(store_t *st, tw_err_t err, tw_errinfo_t *ei)
{
    if (err != TW_OK) {
        store_rollback(st);
        return err;
    }
    if (store_commit(st) != TW_OK)
        return tw_errinfo_set(ei, TW_EDB, "the store refused to commit: %s", store_errmsg(st));
    return TW_OK;
}

/* {"k1":"v1","k2":"v2"} (k2 NULL: one pair) into b. */
static tw_err_t detail_json(tw_buf_t *b, const char *k1, const char *v1, const char *k2,
                            const char *v2)
{
    tw_err_t err;
    if ((err = buf_addc(b, '{')) != TW_OK || (err = json_str(b, k1, strlen(k1))) != TW_OK ||
        (err = buf_addc(b, ':')) != TW_OK || (err = json_str(b, v1, strlen(v1))) != TW_OK)
        return err;
    if (k2 && ((err = buf_addc(b, ',')) != TW_OK ||
               (err = json_str(b, k2, strlen(k2))) != TW_OK ||
               (err = buf_addc(b, ':')) != TW_OK ||
               (err = json_str(b, v2, strlen(v2))) != TW_OK))
        return err;
    return buf_addc(b, '}');
}

static tw_err_t print_user(void *ctx, const auth_user_info_t *u)
{
    int *n = ctx;
    if ((*n)++ == 0)
        printf("%-24s %-24s %-13s %-20s %-8s %s\n", "name", "org", "role", "created", "state",
               "tokens");
    printf("%-24s %-24s %-13s %-20s %-8s %lld\n", u->name, u->org, u->role, u->created_at,
           u->disabled_at ? "disabled" : "active", u->tokens);
    return TW_OK;
}

int cmd_user(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},       {"org", required_argument, NULL, 'o'},
        {"role", required_argument, NULL, 'r'},     {"password-stdin", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *org = NULL, *role_arg = NULL, *sub, *name = NULL;
    char pw[AUTH_PASSWORD_MAX + 3], object[96];
    auth_role_t role = ROLE_ANALYST;
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_buf_t detail;
    tw_err_t err = TW_OK;
    int c, pw_stdin = 0, npos, rc = 0, n = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(user_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "add") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "disable") != 0)
        return cli_usage_error("user", "unknown subcommand '%s'", sub);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': org = optarg; break;
        case 'r':
            if (auth_role_parse(optarg, &role) != TW_OK) {
                fprintf(stderr, "tipwatch user: unknown role '%s' (one of %s)\n", optarg,
                        auth_role_list());
                return 1;
            }
            role_arg = optarg;
            break;
        case 'p': pw_stdin = 1; break;
        case 'h': fputs(user_help, stdout); return 0;
        default: return cli_usage_error("user", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    npos = argc - optind;
    if (strcmp(sub, "add") != 0 && (org || role_arg || pw_stdin))
        return cli_usage_error("user", "%s", "--org, --role and --password-stdin are for 'user add'");
    if (strcmp(sub, "list") == 0) {
        if (npos != 0)
            return cli_usage_error("user", "unexpected argument '%s'", argv[optind]);
    } else {
        if (npos != 1)
            return cli_usage_error("user", "%s", npos == 0 ? "NAME is missing" : "one NAME only");
        name = argv[optind];
    }
    if (strcmp(sub, "add") == 0) {
        if (!org)
            return cli_usage_error("user", "%s", "--org ORG is required");
        if (!role_arg)
            return cli_usage_error("user", "%s", "--role ROLE is required");
        if (!pw_stdin)
            return cli_usage_error("user", "%s",
                               "--password-stdin is required: the password is read from "
                               "standard input, never from the command line");
        if (read_password(pw, sizeof(pw)))
            return 1;
    }

    tw_errinfo_clear(&ei);
    buf_init(&detail, 4096);
    /* only 'user add' may start a database; the others read one */
    if ((err = strcmp(sub, "add") == 0 ? store_open(db, &st, &ei)
                                       : cli_open_existing(db, &st, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "list") == 0) {
        if ((err = auth_user_list(st, print_user, &n, &ei)) == TW_OK && n == 0)
            printf("no users yet ('tipwatch user add --help')\n");
        goto out;
    }
    snprintf(object, sizeof(object), "user:%s", name);
    if ((err = cli_begin(st, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "add") == 0) {
        if ((err = auth_user_add(st, name, org, role, pw, &ei)) == TW_OK &&
            (err = detail_json(&detail, "org", org, "role", auth_role_name(role))) == TW_OK)
            err = audit_append(st, NULL, "user.add", object, "cli", buf_str(&detail), &ei);
    } else {
        if ((err = auth_user_disable(st, name, &ei)) == TW_OK)
            err = audit_append(st, NULL, "user.disable", object, "cli", NULL, &ei);
    }
    if ((err = cli_finish(st, err, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "add") == 0)
        printf("user %s added: organisation %s, role %s\n", name, org, auth_role_name(role));
    else
        printf("user %s disabled: sessions ended, sign-ins and API tokens refused\n", name);
out:
    explicit_bzero(pw, sizeof(pw));
    if (err != TW_OK)
        rc = cli_report(err, &ei);
    buf_free(&detail);
    store_close(st);
    return rc;
}

static tw_err_t print_token(void *ctx, const auth_token_info_t *t)
{
    int *n = ctx;
    if ((*n)++ == 0)
        printf("%-6s %-24s %-20s %-28s %s\n", "id", "user", "created", "state", "label");
    printf("%-6lld %-24s %-20s %-8s%-20s %s\n", (long long)t->id, t->user, t->created_at,
           t->revoked_at ? "revoked " : "valid", t->revoked_at ? t->revoked_at : "", t->label);
    return TW_OK;
}

int cmd_token(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"label", required_argument, NULL, 'l'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *label = NULL, *sub;
    char token[AUTH_TOKEN_LEN + 1], object[96], owner[64];
    unsigned long long id = 0;
    int64_t tid = 0;
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_buf_t detail;
    tw_err_t err = TW_OK;
    int c, npos, rc = 0, n = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(token_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "revoke") != 0)
        return cli_usage_error("token", "unknown subcommand '%s'", sub);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': label = optarg; break;
        case 'h': fputs(token_help, stdout); return 0;
        default: return cli_usage_error("token", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    npos = argc - optind;
    if (label && strcmp(sub, "create") != 0)
        return cli_usage_error("token", "%s", "--label is for 'token create'");
    if (npos > 1 || (npos == 0 && strcmp(sub, "list") != 0))
        return cli_usage_error("token", "%s",
                           strcmp(sub, "revoke") == 0 ? "revoke needs one token ID"
                                                      : "one user NAME is needed");
    if (strcmp(sub, "revoke") == 0 && cli_parse_u64(argv[optind], 1, INT64_MAX, &id))
        return cli_usage_error("token", "not a token ID: '%s'", argv[optind]);

    token[0] = '\0';
    tw_errinfo_clear(&ei);
    buf_init(&detail, 4096);
    if ((err = cli_open_existing(db, &st, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "list") == 0) {
        if ((err = auth_token_list(st, npos ? argv[optind] : NULL, print_token, &n, &ei)) ==
                TW_OK &&
            n == 0)
            printf("no API tokens\n");
        goto out;
    }
    if ((err = cli_begin(st, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "create") == 0) {
        snprintf(object, sizeof(object), "user:%s", argv[optind]);
        if ((err = auth_token_create_id(st, argv[optind], label, token, &tid, &ei)) == TW_OK) {
            if ((err = buf_printf(&detail, "{\"token_id\":%lld,\"label\":", (long long)tid)) ==
                    TW_OK &&
                (err = json_str(&detail, label ? label : "", label ? strlen(label) : 0)) ==
                    TW_OK &&
                (err = buf_addc(&detail, '}')) == TW_OK)
                err = audit_append(st, NULL, "token.create", object, "cli", buf_str(&detail),
                                   &ei);
        }
    } else {
        if ((err = auth_token_revoke(st, (int64_t)id, owner, &ei)) == TW_OK) {
            snprintf(object, sizeof(object), "user:%s", owner);
            if ((err = buf_printf(&detail, "{\"token_id\":%llu}", id)) == TW_OK)
                err = audit_append(st, NULL, "token.revoke", object, "cli", buf_str(&detail),
                                   &ei);
        }
    }
    /* the token is printed only once it is stored for good */
    if ((err = cli_finish(st, err, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "create") == 0) {
        printf("%s\n", token);
        fflush(stdout);
        fprintf(stderr, "tipwatch: API token %lld for %s created; it is shown only this once. "
                        "Clients send 'Authorization: Bearer TOKEN'.\n",
                (long long)tid, argv[optind]);
    } else {
        printf("API token %llu of %s revoked\n", id, owner);
    }
out:
    explicit_bzero(token, sizeof(token));
    if (err != TW_OK)
        rc = cli_report(err, &ei);
    buf_free(&detail);
    store_close(st);
    return rc;
}

static tw_err_t print_audit(void *ctx, const audit_entry_t *e)
{
    char who[200];
    int *n = ctx;
    if ((*n)++ == 0)
        printf("%-6s %-27s %-36s %-9s %-18s %-28s %-15s %s\n", "id", "at", "actor", "via",
               "action", "object", "from", "detail");
    if (e->org && e->role)
        snprintf(who, sizeof(who), "%s (%s, %s)", e->actor, e->org, e->role);
    else
        snprintf(who, sizeof(who), "%s", e->actor);
    printf("%-6lld %-27s %-36s %-9s %-18s %-28s %-15s %s\n", e->id, e->at, who, e->via,
           e->action, e->object, e->remote, e->detail ? e->detail : "");
    return TW_OK;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"limit", required_argument, NULL, 'n'},
                                             {"anchor", required_argument, NULL, 'a'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *sub, *anchor = NULL;
    unsigned char anchor_hash[AUDIT_HASH_LEN];
    char hex[2 * AUDIT_HASH_LEN + 1], idbuf[24];
    unsigned long long limit = 50, anchor_id = 0;
    audit_report_t r;
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;
    int c, rc = 0, n = 0, have_limit = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(audit_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "verify") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "head") != 0)
        return cli_usage_error("audit", "unknown subcommand '%s'", sub);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'n':
            if (cli_parse_u64(optarg, 1, 100000000ULL, &limit))
                return cli_usage_error("audit", "--limit must be a positive number, not '%s'",
                                   optarg);
            have_limit = 1;
            break;
        case 'a': anchor = optarg; break;
        case 'h': fputs(audit_help, stdout); return 0;
        default: return cli_usage_error("audit", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    if (optind < argc)
        return cli_usage_error("audit", "unexpected argument '%s'", argv[optind]);
    if (have_limit && strcmp(sub, "list") != 0)
        return cli_usage_error("audit", "%s", "--limit is for 'audit list'");
    if (anchor) {
        const char *colon = strchr(anchor, ':');
        size_t len = colon ? (size_t)(colon - anchor) : 0;
        if (strcmp(sub, "verify") != 0)
            return cli_usage_error("audit", "%s", "--anchor is for 'audit verify'");
        if (!colon || len == 0 || len >= sizeof(idbuf))
            return cli_usage_error("audit", "--anchor must be ID:HASH (from 'audit head'), not '%s'",
                               anchor);
        memcpy(idbuf, anchor, len);
        idbuf[len] = '\0';
        if (cli_parse_u64(idbuf, 1, INT64_MAX, &anchor_id) ||
            audit_hash_parse(colon + 1, anchor_hash) != TW_OK)
            return cli_usage_error("audit", "--anchor must be ID:HASH (from 'audit head'), not '%s'",
                               anchor);
    }

    tw_errinfo_clear(&ei);
    if ((err = cli_open_existing(db, &st, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "list") == 0) {
        if ((err = audit_list(st, (long long)limit, print_audit, &n, &ei)) == TW_OK && n == 0)
            printf("the audit log is empty\n");
        goto out;
    }
    if ((err = audit_verify_report(st, (long long)anchor_id, anchor ? anchor_hash : NULL, &r,
                                   &ei)) != TW_OK)
        goto out;
    if (r.first_bad) {
        printf("audit: chain broken at entry %lld: %s (%lld %s before it intact)\n",
               r.first_bad, r.reason, r.entries, r.entries == 1 ? "entry" : "entries");
        rc = 1;
    } else if (strcmp(sub, "head") == 0) {
        audit_hash_hex(r.head_hash, hex);
        printf("%lld:%s\n", r.head_id, hex);
    } else {
        printf("audit: %lld entries, chain intact\n", r.entries);
    }
out:
    if (err != TW_OK)
        rc = cli_report(err, &ei);
    store_close(st);
    return rc;
}

/* ---- keys, cases ---------------------------------------------------------- */

int cmd_authz(int argc, char **argv)
{
    int r, a;
    if (argc != 2 || strcmp(argv[1], "matrix") != 0) {
        fprintf(stderr, "usage: tipwatch authz matrix\n");
        return 1;
    }
    printf("role,action,scope\n");
    for (r = 0; r < ROLE_COUNT; r++)
        for (a = 0; a < AUTHZ_ACTION_COUNT; a++)
            printf("%s,%s,%s\n", auth_role_name((auth_role_t)r),
                   authz_action_name((authz_action_t)a),
                   authz_scope_name(authz_scope((auth_role_t)r, (authz_action_t)a)));
    return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

