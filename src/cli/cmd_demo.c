/*
 * cmd_demo.c - tipwatch demo: a synthetic register generated, imported and screened, with
 * demo accounts and NRM cases, then served.
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

#include "engine/alerts.h"
#include "access/audit.h"
#include "access/auth.h"
#include "engine/config.h"
#include "server/http.h"
#include "cases/keys.h"
#include "store/store.h"
#include "cases/vault.h"

#define DEMO_USER "demo"
#define DEMO_ORG "Demo"
#define DEMO_PASSWORD "tipwatch-demo"

#define DEMO_CASE_USER "demo-cases"
#define DEMO_CASE_ORG "MCS"
#define DEMO_CASES 3

/* a second organisation, an NGO, so that a referral with consent can be
 * tried from the web UI: MCS refers, the NGO accepts */
#define DEMO_NGO_USER "demo-ngo"
#define DEMO_NGO_ORG "Hope Shelter"

/* The account and its audit entry in one transaction, as 'user add'.
 * *existed = 1 when an earlier run into this DIR made it. */
static tw_err_t demo_account(store_t *st, const char *user, const char *org, auth_role_t role,
                             int *existed, tw_errinfo_t *ei)
{
    char detail[160], object[96];
    tw_err_t err;

    *existed = 0;
    snprintf(object, sizeof(object), "user:%s", user);
    snprintf(detail, sizeof(detail), "{\"org\":\"%s\",\"role\":\"%s\",\"by\":\"demo\"}", org,
             auth_role_name(role));
    if ((err = cli_begin(st, ei)) != TW_OK)
        return err;
    if ((err = auth_user_add(st, user, org, role, DEMO_PASSWORD, ei)) == TW_OK)
        err = audit_append(st, NULL, "user.add", object, "cli", detail, ei);
    err = cli_finish(st, err, ei);
    if (err == TW_ECONFLICT) {
        *existed = 1; /* made by an earlier run into this DIR */
        tw_errinfo_clear(ei);
        return TW_OK;
    }
    return err;
}

typedef struct {
    long long id[DEMO_CASES];
    char key[DEMO_CASES][128];
    char level[DEMO_CASES][16];
    size_t n;
} demo_alerts_t;

static tw_err_t on_demo_alert(void *ctx, const alerts_item_t *it)
{
    demo_alerts_t *d = ctx;
    size_t i;
    for (i = 0; i < d->n; i++)
        if (d->id[i] == it->id)
            return TW_OK;
    if (d->n < DEMO_CASES) {
        d->id[d->n] = it->id;
        snprintf(d->key[d->n], sizeof(d->key[0]), "%s", it->entity_key);
        snprintf(d->level[d->n], sizeof(d->level[0]), "%s", it->level);
        d->n++;
    }
    return TW_OK;
}

typedef struct {
    char name[160];
} demo_names_t;

static tw_err_t on_demo_app(void *ctx, const store_app_t *app)
{
    demo_names_t *d = ctx;
    if (!d->name[0] && app->worker_given_name && app->worker_family_name)
        snprintf(d->name, sizeof(d->name), "%s %s", app->worker_given_name,
                 app->worker_family_name);
    return TW_OK;
}

static tw_err_t on_demo_case(void *ctx, const cases_item_t *it)
{
    (void)it;
    (*(long long *)ctx)++;
    return TW_OK;
}

/*
 * `demo` step: the key file (created when absent, at the path every command
 * finds by default), a case-worker account of the MCS, and a few NRM cases
 * opened by it from the highest worker alerts (escalated first), so the
 * web UI has cases to show. Cases of an earlier run into DIR are kept.
 */
static int demo_cases(const char *db)
{
    static const char *const statuses[] = {"escalated", NULL};
    char key_path[4096], session[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
    cases_filter_t flt = {-1, 0, NULL, NULL, 0, NULL};
    cases_policy_t pol;
    cases_actor_t act;
    auth_principal_t who;
    demo_alerts_t found;
    config_t *cfg = NULL;
    store_t *st = NULL;
    vault_t *v = NULL;
    tw_errinfo_t ei;
    tw_err_t err;
    struct stat sb;
    long long have = 0;
    int existed = 0, more = 0, logged_in = 0;
    size_t i, pass;

    memset(&who, 0, sizeof(who));
    memset(&found, 0, sizeof(found));
    session[0] = csrf[0] = '\0';
    tw_errinfo_clear(&ei);
    if ((err = vault_key_path(NULL, db, key_path, sizeof(key_path), &ei)) != TW_OK ||
        (err = cli_load_config(NULL, &cfg, &ei)) != TW_OK || (err = store_open(db, &st, &ei)) != TW_OK)
        goto out;
    cases_policy_from_config(cfg, &pol);
    if (stat(key_path, &sb) != 0) {
        if ((err = keys_init(st, key_path, &ei)) != TW_OK)
            goto out;
        printf("created the key file %s (mode 0600) for the case data at rest\n", key_path);
    } else {
        printf("using the key file %s\n", key_path);
    }
    if ((err = vault_open(key_path, &v, &ei)) != TW_OK ||
        (err = cases_keys_verify(st, v, &ei)) != TW_OK) {
        tw_errinfo_file(&ei, key_path);
        goto out;
    }
    if ((err = demo_account(st, DEMO_CASE_USER, DEMO_CASE_ORG, ROLE_CASE_WORKER, &existed,
                            &ei)) != TW_OK)
        goto out;
    {
        int ngo_existed;
        if ((err = demo_account(st, DEMO_NGO_USER, DEMO_NGO_ORG, ROLE_CASE_WORKER, &ngo_existed,
                                &ei)) != TW_OK)
            goto out;
    }
    /* the case worker signs in like anyone else, and out again below */
    if ((err = auth_login(st, DEMO_CASE_USER, DEMO_PASSWORD, "cli", session, csrf, &who, &ei)) !=
            TW_OK ||
        (err = audit_append(st, &who, "login", "user:" DEMO_CASE_USER, "cli",
                            "{\"by\":\"demo\"}", &ei)) != TW_OK)
        goto out;
    logged_in = 1;
    act.who = &who;
    act.remote = "cli";
    act.now = 0;
    if ((err = cases_list(st, v, &act, &flt, on_demo_case, &have, &ei)) != TW_OK)
        goto out;
    if (have > 0) {
        printf("%lld NRM cases of %s from an earlier run into this directory\n", have,
               DEMO_CASE_ORG);
        goto out;
    }
    /* escalated high worker alerts first, then the highest open ones */
    for (pass = 0; pass < 3 && found.n < DEMO_CASES; pass++) {
        alerts_query_t q;
        memset(&q, 0, sizeof(q));
        q.entity_type = "worker";
        q.level = pass < 2 ? "high" : NULL;
        q.status = pass == 0 ? statuses[0] : NULL;
        q.limit = DEMO_CASES;
        if ((err = alerts_query(st, &q, on_demo_alert, &found, &more, &ei)) != TW_OK)
            goto out;
    }
    if (found.n == 0)
        printf("no worker alerts to open NRM cases from\n");
    for (i = 0; i < found.n; i++) {
        cases_fields_t f;
        cases_case_t cs;
        demo_names_t nm;
        char narrative[200], citizenship[4] = "";
        int64_t wid = 0, cid = 0;
        int trunc = 0;
        const char *colon = strchr(found.key[i], ':');

        memset(&f, 0, sizeof(f));
        memset(&nm, 0, sizeof(nm));
        if (store_entity_find(st, ENT_WORKER, found.key[i], strlen(found.key[i]), &wid) ==
            TW_OK)
            (void)store_entity_applications(st, ENT_WORKER, wid, NULL, 1, on_demo_app, &nm,
                                            &trunc);
        if (colon && colon - found.key[i] == 3)
            memcpy(citizenship, found.key[i], 3);
        snprintf(narrative, sizeof(narrative),
                 "Opened by `tipwatch demo` from alert %lld of the synthetic register.",
                 found.id[i]);
        f.name = nm.name[0] ? nm.name : NULL;
        f.citizenship = citizenship[0] ? citizenship : NULL;
        f.country_of_exploitation = "ARM";
        f.exploitation = "ForcedLabour";
        f.narrative = narrative;
        f.cooperating_with_police = -1;
        /* the analyst hands the alert to the case worker, who may then open
         * a case from it (cases_open checks the alert is within reach) */
        if ((err = alerts_assign(st, found.id[i], DEMO_CASE_USER, DEMO_USER, &ei)) != TW_OK)
            goto out;
        err = cases_open(st, v, &pol, &act, &f, found.id[i], &cid, &ei);
        if (err == TW_EINPUT && f.citizenship) { /* a code the case lists do not know */
            f.citizenship = NULL;
            err = cases_open(st, v, &pol, &act, &f, found.id[i], &cid, &ei);
        }
        if (err != TW_OK)
            goto out;
        if ((err = cases_get(st, v, &act, cid, &cs, &ei)) != TW_OK)
            goto out;
        printf("case %lld opened from alert %lld (%s alert on worker %s): stage %s, "
               "pre-identification due %s, reflection period until %s\n",
               (long long)cid, found.id[i], found.level[i], found.key[i],
               cases_stage_name(cs.stage), cs.preid_due, cs.reflection_until);
        cases_case_free(&cs);
    }
out:
    if (logged_in) {
        tw_errinfo_t e2;
        auth_logout(st, session);
        (void)audit_append(st, &who, "logout", "user:" DEMO_CASE_USER, "cli", NULL, &e2);
    }
    explicit_bzero(session, sizeof(session));
    explicit_bzero(csrf, sizeof(csrf));
    vault_close(v);
    store_close(st);
    config_free(cfg);
    if (err != TW_OK)
        return cli_report(err, &ei);
    printf("Demo case-worker account%s: user %s, password %s (role case_worker, organisation "
           "%s): it owns these cases, which the analyst account " DEMO_USER " cannot read\n",
           existed ? " (from an earlier run)" : "", DEMO_CASE_USER, DEMO_PASSWORD,
           DEMO_CASE_ORG);
    printf("Demo NGO account: user %s, password %s (role case_worker, organisation %s): refer "
           "a case to %s as %s, with the person's consent, then sign in as %s to accept it\n",
           DEMO_NGO_USER, DEMO_PASSWORD, DEMO_NGO_ORG, DEMO_NGO_ORG, DEMO_CASE_USER,
           DEMO_NGO_USER);
    return 0;
}

static const char demo_help[] =
    "usage: tipwatch demo [--dir DIR] [--applications N] [--seed S]\n"
    "                     [--listen ADDR:PORT | --no-serve]\n"
    "\n"
    "Synthesises a register into DIR (default demo/), imports its five files\n"
    "into DIR/tipwatch.db, prints what was imported, screens it and lists the\n"
    "highest alerts. It creates the key file of the case data (DIR/tipwatch.db.key\n"
    "unless $TIPWATCH_KEY_FILE names one) when there is none, adds a case-worker\n"
    "account of the MCS (user " DEMO_CASE_USER ") and opens a few NRM cases, at stage\n"
    "presumed_victim, from the highest worker alerts (escalated ones first).\n"
    "Then it adds the demo account (user " DEMO_USER ", role analyst; both accounts\n"
    "have the password " DEMO_PASSWORD ": synthetic data only) and serves the web UI\n"
    "on ADDR:PORT (default " HTTP_DEFAULT_LISTEN ") until Ctrl-C; --no-serve stops\n"
    "after the cases.\n";

int cmd_demo(int argc, char **argv)
{
    static const char *const files[] = {"permits.csv", "border_crossings.csv",
                                        "inspections.csv", "reports.csv", "outcomes.csv"};
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'o'},      {"applications", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},     {"help", no_argument, NULL, 'h'},
        {"listen", required_argument, NULL, 'l'},   {"no-serve", no_argument, NULL, 'S'},
        {NULL, 0, NULL, 0}};
    const char *dir = "demo", *listen = HTTP_DEFAULT_LISTEN;
    int serve = 1, steps;
    unsigned long long apps = 20000, seed = 1;
    char db[4096], path[4096];
    char *args[8];
    int c, rc;
    size_t i;

    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'n':
            if (cli_parse_u64(optarg, 100, 100000000ULL, &apps))
                return cli_usage_error("demo", "--applications must be 100..100000000, not '%s'",
                                   optarg);
            break;
        case 's':
            if (cli_parse_u64(optarg, 0, ~0ULL, &seed))
                return cli_usage_error("demo", "--seed must be a whole number, not '%s'", optarg);
            break;
        case 'l': listen = optarg; break;
        case 'S': serve = 0; break;
        case 'h': fputs(demo_help, stdout); return 0;
        default: return cli_usage_error("demo", "%s", "bad option");
        }
    }
    if ((size_t)snprintf(db, sizeof(db), "%s/tipwatch.db", dir) >= sizeof(db))
        return cli_usage_error("demo", "directory name too long: '%s'", dir);
    steps = serve ? 7 : 6;
    printf("== 1/%d synthesising %llu applications (seed %llu) into %s/\n", steps, apps, seed,
           dir);
    if ((rc = cli_run_synth(dir, apps, seed, 0.001, 0)) != 0)
        return rc;
    printf("\n== 2/%d importing into %s\n", steps, db);
    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        args[0] = "import";
        args[1] = "--db";
        args[2] = db;
        args[3] = "--progress";
        args[4] = "plain";
        args[5] = path;
        args[6] = NULL;
        if ((rc = cmd_import(6, args)) != 0)
            return rc;
    }
    printf("\n== 3/%d what the store holds\n", steps);
    if ((rc = cli_print_stats(db)) != 0)
        return rc;
    printf("\n== 4/%d persons across the registers, then screening\n", steps);
    /* as `import --screen`: the engine reads persons, and the web UI's
     * person pages and review queue have something to show */
    if ((rc = cli_link_persons(db, 0)) != 0 || (rc = cli_run_screen(db, NULL, NULL, 0, 0)) != 0)
        return rc;
    printf("\n== 5/%d the ten highest alerts ('tipwatch alerts show ID --db %s' explains one)\n",
           steps, db);
    {
        store_t *st = NULL;
        tw_errinfo_t ei;
        alerts_filter_t f;
        tw_err_t err;
        memset(&f, 0, sizeof(f));
        f.limit = 10;
        tw_errinfo_clear(&ei);
        if ((err = store_open(db, &st, &ei)) != TW_OK)
            return cli_report(err, &ei);
        err = alerts_list(st, &f, stdout);
        store_close(st);
        if (err != TW_OK)
            return tw_err_exit_code(err);
    }
    printf("\n== 6/%d NRM cases for the web UI, from the highest worker alerts\n", steps);
    if ((rc = demo_cases(db)) != 0)
        return rc;
    /* the cases into their persons, for the person panel of the case page
     * (an incremental run: the new cases only) */
    if ((rc = cli_link_persons(db, 1)) != 0)
        return rc;
    if (!serve)
        return 0;
    printf("\n== 7/7 the web UI (Ctrl-C stops it)\n");
    {
        /* the account and its audit entry in one transaction, as 'user add' */
        store_t *st = NULL;
        tw_errinfo_t ei;
        http_opts_t o;
        struct stat sb;
        tw_err_t err;
        int existed = 0;
        tw_errinfo_clear(&ei);
        if ((err = store_open(db, &st, &ei)) != TW_OK)
            return cli_report(err, &ei);
        err = demo_account(st, DEMO_USER, DEMO_ORG, ROLE_ANALYST, &existed, &ei);
        store_close(st);
        if (err != TW_OK)
            return cli_report(err, &ei);
        http_opts_default(&o);
        o.db_path = db;
        o.listen = listen;
#ifdef TW_WEBDIR
        if (stat(TW_WEBDIR, &sb) == 0 && S_ISDIR(sb.st_mode))
            o.web_dir = TW_WEBDIR;
        if (stat(TW_WEBDIR "/vendor/chart.umd.min.js", &sb) != 0)
            printf("warning: %s/vendor/ is missing: run scripts/web-deps.sh (make demo does)\n",
                   TW_WEBDIR);
#else
        (void)sb;
#endif
        if (!o.web_dir)
            printf("warning: no web/ directory to serve; the API alone answers\n");
        printf("Demo account%s: user %s, password %s (role analyst; for this synthetic\n"
               "register only: the password is published)\n",
               existed ? " (from an earlier run)" : "", DEMO_USER, DEMO_PASSWORD);
        if (strncmp(listen, "127.", 4) != 0 && strncmp(listen, "[::1]", 5) != 0 &&
            strncmp(listen, "localhost:", 10) != 0)
            printf("warning: %s is not a loopback address: anyone who can reach it can sign in\n",
                   listen);
        /* NRM cases when a key file is next to the demo database (tipwatch
         * keys init makes one); else their endpoints answer 503 */
        {
            static char key_path[PATH_MAX];
            vault_t *vault = NULL;
            if (vault_key_path(NULL, db, key_path, sizeof(key_path), &ei) == TW_OK) {
                o.key_path = key_path;
                if (vault_open(key_path, &vault, &ei) != TW_OK)
                    vault = NULL;
            }
            o.vault = vault;
            fflush(stdout);
            /* what the key file's reading left in ei is not the subject of
             * a listening error */
            tw_errinfo_clear(&ei);
            err = http_serve(&o, &ei);
            vault_close(vault);
            if (err != TW_OK)
                return cli_report(err, &ei);
        }
    }
    return 0;
}

