/*
 * cmd_serve.c - tipwatch serve: the JSON API and the web UI over HTTP.
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

#include "access/auth.h"
#include "access/authz.h"
#include "engine/config.h"
#include "server/http.h"
#include "base/json.h"
#include "engine/live.h"
#include "cases/cases.h"
#include "cases/vault.h"

static const char serve_help[] =
    "usage: tipwatch serve [--db FILE] [--listen ADDR:PORT] [--web DIR] [--threads N]\n"
    "                      [--max-body BYTES] [--max-upload BYTES] [--max-header BYTES]\n"
    "                      [--timeout SECONDS] [--max-connections N] [--max-per-ip N]\n"
    "                      [--drain SECONDS] [--trusted-proxy ADDR] [--config FILE]\n"
    "                      [--header-timeout SECONDS] [--reserve N]\n"
    "                      [--index-check SECONDS] [--key-file FILE] [--population FILE]\n"
    "                      [--quiet]\n"
    "       tipwatch serve --routes\n"
    "\n"
    "Serves the JSON API (/api/v1/, reference in docs/api.md) and the web UI until\n"
    "SIGTERM or SIGINT, then finishes the requests in flight and exits 0. Prints\n"
    "'serve: listening on http://ADDR:PORT' when ready; port 0 picks a free port.\n"
    "Plain HTTP: put a TLS-terminating proxy in front of it for anything but\n"
    "localhost. One line per request on stderr (route, status, bytes, time; never\n"
    "a path's personal data).\n"
    "\n"
    "  --db FILE            database (default tipwatch.db)\n"
    "  --listen ADDR:PORT   address to listen on (default " HTTP_DEFAULT_LISTEN ")\n"
    "  --web DIR            static files of the web UI (default: the web/ directory\n"
    "                       of the source tree this binary was built from)\n"
    "  --threads N          worker threads (default: one per core)\n"
    "  --max-body BYTES     largest JSON request body (default 1 MiB)\n"
    "  --max-upload BYTES   largest CSV upload (default 64 MiB)\n"
    "  --max-header BYTES   largest request line + headers (default 32 KiB)\n"
    "  --timeout SECONDS    idle connection timeout (default 30)\n"
    "  --max-connections N  open connections at most (default 512)\n"
    "  --max-per-ip N       open connections per client address (default 64)\n"
    "  --header-timeout SECONDS  a request line and its headers must arrive within\n"
    "                       this time in all, however slowly they trickle (default\n"
    "                       10); connections of signed-in users are exempt\n"
    "  --reserve N          connections kept for those that made a signed-in request:\n"
    "                       the others hold --max-connections - N at most, the\n"
    "                       slowest ended first (default an eighth)\n"
    "  --drain SECONDS      at SIGTERM, how long requests in flight may take before\n"
    "                       their connections are closed (default 10)\n"
    "  --trusted-proxy ADDR the reverse proxy in front: from that address only, the\n"
    "                       client's address is the last X-Forwarded-For entry (for\n"
    "                       the sign-in limit and the audit log)\n"
    "  --config FILE        scoring configuration for POST /api/v1/score (default:\n"
    "                       the adopted config in force, followed while serving: an\n"
    "                       approval or a rollback is served within 5 s, no restart;\n"
    "                       none adopted: tipwatch.conf here, else the built-in one)\n"
    "  --index-check SECONDS how often the warm scoring index looks for new rows in\n"
    "                       the store and reloads (default 60; at once after an\n"
    "                       import or a stored arrival through the API)\n"
    "  --population FILE    population per year, sex and age group for SDG 16.2.2\n"
    "                       (GET /api/v1/stats/sdg; docs/internals/stats.md); read\n"
    "                       at each request; without it that endpoint refuses\n"
    "  --key-file FILE      the key file of the NRM cases' encryption at rest\n"
    "                       (default: $TIPWATCH_KEY_FILE, else the database path +\n"
    "                       .key); read once at start. Without it the server still\n"
    "                       starts and every case endpoint answers 503 (tipwatch keys\n"
    "                       init creates it); a key file that is malformed or readable\n"
    "                       by others stops the server. The [cases] section of\n"
    "                       --config sets the case deadlines and the attachment limit\n"
    "  --quiet              no access log\n"
    "  --routes             print the routing table as CSV (method,path,auth,action)\n";

/* The key file's keys against the store's record of them
 * (cases_keys_verify()); a store that does not exist yet has none. */
static tw_err_t keys_match(const char *db, const vault_t *v, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    struct stat sb;
    tw_err_t err;

    if (stat(db, &sb) != 0)
        return TW_OK;
    if ((err = store_open(db, &st, ei)) != TW_OK)
        return err;
    err = cases_keys_verify(st, v, ei);
    store_close(st);
    return err;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},         {"listen", required_argument, NULL, 'l'},
        {"web", required_argument, NULL, 'w'},        {"threads", required_argument, NULL, 't'},
        {"max-body", required_argument, NULL, 'b'},   {"max-upload", required_argument, NULL, 'u'},
        {"max-header", required_argument, NULL, 'H'}, {"timeout", required_argument, NULL, 'T'},
        {"max-connections", required_argument, NULL, 'c'},
        {"max-per-ip", required_argument, NULL, 'p'}, {"quiet", no_argument, NULL, 'q'},
        {"routes", no_argument, NULL, 'r'},           {"help", no_argument, NULL, 'h'},
        {"drain", required_argument, NULL, 'D'},
        {"trusted-proxy", required_argument, NULL, 'P'},
        {"config", required_argument, NULL, 'C'},
        {"index-check", required_argument, NULL, 'I'},
        {"key-file", required_argument, NULL, 'K'},
        {"population", required_argument, NULL, 'O'},
        {"header-timeout", required_argument, NULL, 'E'},
        {"reserve", required_argument, NULL, 'R'},
        {NULL, 0, NULL, 0}};
    http_opts_t o;
    tw_errinfo_t ei;
    unsigned long long n;
    int c, routes = 0, rc;
    unsigned index_check = 60;
    const char *config_path = NULL, *key_file = NULL;
    char key_path[PATH_MAX];
    vault_t *vault = NULL;
    config_t *cfg = NULL, *own_cfg = NULL;
    struct stat sb;
    tw_err_t err;

    http_opts_default(&o);
    o.db_path = DEFAULT_DB;
#ifdef TW_WEBDIR
    if (stat(TW_WEBDIR, &sb) == 0 && S_ISDIR(sb.st_mode))
        o.web_dir = TW_WEBDIR;
#endif
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': o.db_path = optarg; break;
        case 'l': o.listen = optarg; break;
        case 'w':
            if (stat(optarg, &sb) != 0 || !S_ISDIR(sb.st_mode))
                return cli_usage_error("serve", "--web: '%s' is not a directory", optarg);
            o.web_dir = optarg;
            break;
        case 't':
            if (cli_parse_u64(optarg, 1, 1024, &n))
                return cli_usage_error("serve", "--threads must be 1..1024, not '%s'", optarg);
            o.threads = (unsigned)n;
            break;
        case 'b':
            if (cli_parse_u64(optarg, 64, (1ULL << 30), &n))
                return cli_usage_error("serve", "--max-body must be 64..1073741824, not '%s'",
                                   optarg);
            o.max_json_body = (size_t)n;
            break;
        case 'u':
            if (cli_parse_u64(optarg, 64, (1ULL << 34), &n))
                return cli_usage_error("serve", "--max-upload must be 64..17179869184, not '%s'",
                                   optarg);
            o.max_csv_body = (size_t)n;
            break;
        case 'H':
            if (cli_parse_u64(optarg, 4096, (1ULL << 24), &n))
                return cli_usage_error("serve", "--max-header must be 4096..16777216, not '%s'",
                                   optarg);
            o.max_header_bytes = (size_t)n;
            break;
        case 'T':
            if (cli_parse_u64(optarg, 1, 86400, &n))
                return cli_usage_error("serve", "--timeout must be 1..86400 seconds, not '%s'",
                                   optarg);
            o.timeout_s = (unsigned)n;
            break;
        case 'c':
            if (cli_parse_u64(optarg, 1, 1000000, &n))
                return cli_usage_error("serve", "--max-connections must be 1..1000000, not '%s'",
                                   optarg);
            o.max_connections = (unsigned)n;
            break;
        case 'p':
            if (cli_parse_u64(optarg, 1, 1000000, &n))
                return cli_usage_error("serve", "--max-per-ip must be 1..1000000, not '%s'",
                                   optarg);
            o.max_per_ip = (unsigned)n;
            break;
        case 'D':
            if (cli_parse_u64(optarg, 0, 3600, &n))
                return cli_usage_error("serve", "--drain must be 0..3600 seconds, not '%s'",
                                   optarg);
            o.drain_s = (unsigned)n;
            break;
        case 'P': o.trusted_proxy = optarg; break; /* checked by http_start() */
        case 'C': config_path = optarg; break;
        case 'I':
            if (cli_parse_u64(optarg, 1, 86400, &n))
                return cli_usage_error("serve", "--index-check must be 1..86400 seconds, not '%s'",
                                   optarg);
            index_check = (unsigned)n;
            break;
        case 'K': key_file = optarg; break;
        case 'O': o.population_path = optarg; break;
        case 'E':
            if (cli_parse_u64(optarg, 1, 3600, &n))
                return cli_usage_error("serve", "--header-timeout must be 1..3600 seconds, not '%s'",
                                   optarg);
            o.header_timeout_s = (unsigned)n;
            break;
        case 'R':
            if (cli_parse_u64(optarg, 1, 1000000, &n))
                return cli_usage_error("serve", "--reserve must be 1..1000000, not '%s'", optarg);
            o.reserve = (unsigned)n;
            break;
        case 'q': o.access_log = 0; break;
        case 'r': routes = 1; break;
        case 'h': fputs(serve_help, stdout); return 0;
        default: return cli_usage_error("serve", "%s", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("serve", "unexpected argument '%s'", argv[optind]);
    if (routes) {
        static const char *const auth_names[] = {"public", "signed_in", "action"};
        size_t i, nr;
        const http_route_t *rt = http_routes(&nr);
        printf("method,path,auth,action\n");
        for (i = 0; i < nr; i++)
            printf("%s,%s,%s,%s\n", rt[i].method, rt[i].pattern, auth_names[rt[i].auth],
                   rt[i].auth == HTTP_ACTION ? authz_action_name(rt[i].action) : "");
        return 0;
    }
    tw_errinfo_clear(&ei);
    if ((err = cli_load_config_db(config_path, o.db_path, &cfg, &ei)) != TW_OK)
        return cli_report(err, &ei);
    cases_policy_from_config(cfg, &o.cases);
    o.config = cfg;
    o.config_path = config_path; /* its [link] section: the screen-runs' link step */
    /* the NRM cases' keys: read once, shared read-only by every thread */
    if ((err = vault_key_path(key_file, o.db_path, key_path, sizeof(key_path), &ei)) != TW_OK) {
        config_free(cfg);
        return cli_report(err, &ei);
    }
    o.key_path = key_path;
    if ((err = vault_open(key_path, &vault, &ei)) == TW_ENOTFOUND) {
        fprintf(stderr,
                "serve: warning: no key file %s: the NRM case endpoints answer 503 until it "
                "exists (tipwatch keys init creates it) and the server is restarted\n",
                key_path);
    } else if (err != TW_OK) {
        config_free(cfg);
        return cli_report(err, &ei);
    } else if ((err = keys_match(o.db_path, vault, &ei)) != TW_OK) {
        /* a key file that is not the store's own: refused before a case is
         * sealed with it (issue: wrong key file accepted) */
        tw_errinfo_file(&ei, key_path);
        vault_close(vault);
        config_free(cfg);
        return cli_report(err, &ei);
    }
    o.vault = vault;
    /* the warm index loads on its own thread while the server starts;
     * without --config it follows adoption: an approved or rolled-back
     * config is served within LIVE_FOLLOW_S seconds, no restart. When
     * none is active it serves tipwatch.conf here, else the built-in one. */
    if (!config_path && (err = cli_load_config(NULL, &own_cfg, &ei)) != TW_OK) {
        vault_close(vault);
        config_free(cfg);
        return cli_report(err, &ei);
    }
    err = config_path ? live_holder_start(o.db_path, cfg, index_check, &o.live)
                      : live_holder_start_following(o.db_path, own_cfg, index_check, &o.live);
    if (err != TW_OK) {
        config_free(own_cfg);
        vault_close(vault);
        config_free(cfg);
        return cli_report(tw_errinfo_set(&ei, err, "cannot start the scoring index"), &ei);
    }
    /* the key file named in ei by vault_open() is not the subject of an
     * error of the server (an address in use is about --listen) */
    tw_errinfo_clear(&ei);
    rc = cli_report(http_serve(&o, &ei), &ei);
    live_holder_stop(o.live);
    vault_close(vault);
    config_free(own_cfg);
    config_free(cfg);
    return rc;
}

/* ---- authz (hidden) ----------------------------------------------------- */

/* `tipwatch authz matrix`: role,action,scope for every role and action, as
 * authz_scope() decides them; tests/http/ compares the server against it. */
