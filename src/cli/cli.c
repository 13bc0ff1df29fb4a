/*
 * cli.c - the `tipwatch` command line: parses arguments, calls the
 * modules, prints results, and turns errors into exit statuses.
 *
 * Exit status: 0 success; 1 user error, with one line on stderr naming the
 * file, line and field; 2 internal error (store, I/O, memory).
 * Every command accepts --help. Output meant for people goes to stdout;
 * progress, warnings and errors to stderr.
 */
#include "cli/cli.h"

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
#include "access/authz.h"
#include "engine/backtest.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "server/http.h"
#include "ingest/import.h"
#include "engine/indicators.h"
#include "base/json.h"
#include "cases/keys.h"
#include "engine/live.h"
#include "engine/score.h"
#include "engine/screen.h"
#include "store/store.h"
#include "synth/synth.h"
#include "cases/vault.h"

#define DEFAULT_DB "tipwatch.db"
#define DEFAULT_CONFIG "tipwatch.conf"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int report(tw_err_t err, const tw_errinfo_t *ei)
{
    char line[1024];
    if (err == TW_OK)
        return 0;
    if (ei && (ei->msg[0] || ei->file[0])) {
        tw_errinfo_format(ei, line, sizeof(line));
        fprintf(stderr, "tipwatch: %s\n", line);
    } else {
        fprintf(stderr, "tipwatch: %s\n", tw_strerror(err));
    }
    return tw_err_exit_code(err);
}

static int usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "tipwatch %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'tipwatch %s --help')\n", cmd);
    return 1;
}

/* Whole positive number within [lo, hi]; 0 on success. */
static int parse_u64(const char *s, unsigned long long lo, unsigned long long hi,
                     unsigned long long *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* ---- import ------------------------------------------------------------- */

static const char import_help[] =
    "usage: tipwatch import [--db FILE] [--register NAME] [--mapping FILE]\n"
    "                       [--rejects FILE] [--batch-rows N] [--progress MODE]\n"
    "                       [--strict] [--quiet] [--screen] FILE...\n"
    "\n"
    "Imports register exports (CSV) into the store. The register (permits,\n"
    "border_crossings, inspections, reports, outcomes) is inferred from the header\n"
    "unless --register or the mapping file names it. Bad rows are rejected alone,\n"
    "with line, column and reason, into the store and into FILE.rejects.csv.\n"
    "Importing a file again adds nothing; a changed row becomes a new version.\n"
    "\n"
    "  --db FILE         database (default tipwatch.db)\n"
    "  --register NAME   which register the files are\n"
    "  --mapping FILE    header and value mapping for a non-canonical export\n"
    "  --rejects FILE    where to write rejected rows (one FILE only; '' for none)\n"
    "  --batch-rows N    rows per transaction (default 20000)\n"
    "  --progress MODE   auto (default), bar, plain or none\n"
    "  --strict          exit 1 when any row was rejected\n"
    "  --quiet           no per-file summary, no extra-column warnings\n"
    "  --screen          then screen what the new rows touch (screen --incremental)\n";

static int run_screen(const char *db, const char *config_path, const char *hits_path,
                      int incremental, int quiet);

static int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},       {"register", required_argument, NULL, 'r'},
        {"mapping", required_argument, NULL, 'm'},  {"rejects", required_argument, NULL, 'j'},
        {"batch-rows", required_argument, NULL, 'b'}, {"progress", required_argument, NULL, 'p'},
        {"strict", no_argument, NULL, 's'},         {"quiet", no_argument, NULL, 'q'},
        {"screen", no_argument, NULL, 'S'},         {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB;
    import_opts_t opts;
    store_t *st = NULL;
    tw_errinfo_t ei;
    int c, i, strict = 0, rc = 0, any_rejected = 0, screen = 0;
    unsigned long long n;
    tw_err_t err;

    memset(&opts, 0, sizeof(opts));
    opts.progress = IMPORT_PROGRESS_AUTO;
    opts.cancel = &interrupted;
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': opts.register_name = optarg; break;
        case 'm': opts.mapping_path = optarg; break;
        case 'j': opts.rejects_path = optarg; break;
        case 'b':
            if (parse_u64(optarg, 1, 10000000, &n))
                return usage_error("import", "--batch-rows must be 1..10000000, not '%s'",
                                   optarg);
            opts.batch_rows = (size_t)n;
            break;
        case 'p':
            if (strcmp(optarg, "auto") == 0)
                opts.progress = IMPORT_PROGRESS_AUTO;
            else if (strcmp(optarg, "bar") == 0)
                opts.progress = IMPORT_PROGRESS_BAR;
            else if (strcmp(optarg, "plain") == 0)
                opts.progress = IMPORT_PROGRESS_PLAIN;
            else if (strcmp(optarg, "none") == 0)
                opts.progress = IMPORT_PROGRESS_NONE;
            else
                return usage_error("import", "unknown --progress mode '%s'", optarg);
            break;
        case 's': strict = 1; break;
        case 'q': opts.quiet = 1; break;
        case 'S': screen = 1; break;
        case 'h': fputs(import_help, stdout); return 0;
        default: return usage_error("import", "%s", "bad option");
        }
    }
    if (optind >= argc)
        return usage_error("import", "%s", "no FILE to import");
    if (opts.register_name && !reg_by_name(opts.register_name))
        return usage_error("import", "unknown register '%s'", opts.register_name);
    if (opts.rejects_path && opts.rejects_path[0] && argc - optind > 1)
        return usage_error("import", "%s", "--rejects FILE takes one input file only");

    tw_errinfo_clear(&ei);
    if ((err = store_open(db, &st, &ei)) != TW_OK)
        return report(err, &ei);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    for (i = optind; i < argc && !interrupted; i++) {
        import_result_t res;
        err = import_file(st, argv[i], &opts, &res, &ei);
        if (err != TW_OK) {
            int code = report(err, &ei);
            if (code > rc)
                rc = code;
            continue;
        }
        if (res.counts.rows_rejected)
            any_rejected = 1;
        if (!opts.quiet) {
            double rate = res.seconds > 0 ? (double)res.counts.rows_read / res.seconds : 0;
            printf("%s: %s: %lld read, %lld new, %lld new versions, %lld unchanged, "
                   "%lld rejected, %lld warnings in %.2f s (%.0f rows/s)\n",
                   argv[i], reg_get(res.reg)->name, res.counts.rows_read, res.counts.rows_new,
                   res.counts.rows_versioned, res.counts.rows_unchanged,
                   res.counts.rows_rejected, res.counts.warnings, res.seconds, rate);
            if ((res.counts.rows_rejected || res.counts.warnings) && res.rejects_path[0])
                printf("%s: rejected rows and warnings are listed in %s\n", argv[i],
                       res.rejects_path);
        }
        if (res.cancelled) {
            fprintf(stderr, "tipwatch: %s: interrupted after %lld rows; committed rows are "
                            "kept, run the same import again to complete it\n",
                    argv[i], res.counts.rows_read);
            rc = rc > 1 ? rc : 1;
        }
    }
    store_close(st);
    if (screen && !interrupted) {
        /* rows committed by the files that did import are screened even
         * when another file failed */
        int src = run_screen(db, NULL, NULL, 1, opts.quiet);
        if (src > rc)
            rc = src;
    }
    if (rc == 0 && strict && any_rejected) {
        fprintf(stderr, "tipwatch: import: rows were rejected (--strict)\n");
        rc = 1;
    }
    return rc;
}

/* ---- synth -------------------------------------------------------------- */

static const char synth_help[] =
    "usage: tipwatch synth --out DIR [--applications N] [--seed S] [--bad-rate R]\n"
    "\n"
    "Writes a synthetic register: permits.csv, border_crossings.csv,\n"
    "inspections.csv, reports.csv and outcomes.csv in the canonical format, with\n"
    "planted trafficking schemes and benign look-alikes (truth.csv), deliberately\n"
    "bad rows (bad_rows.csv) and row counts (manifest.csv). The same options\n"
    "always give the same files.\n"
    "\n"
    "  --out DIR          output directory (created if missing)\n"
    "  --applications N   permit applications (default 10000, at least 100)\n"
    "  --seed S           random seed (default 1)\n"
    "  --bad-rate R       fraction of rows made invalid (default 0.001)\n";

static int run_synth(const char *dir, unsigned long long apps, unsigned long long seed,
                     double bad_rate, int quiet)
{
    synth_opts_t so;
    synth_summary_t sum;
    tw_errinfo_t ei;
    tw_err_t err;

    memset(&so, 0, sizeof(so));
    so.out_dir = dir;
    so.applications = apps;
    so.seed = seed;
    /* synth reads 0 as "the default"; on the command line 0 means none */
    so.bad_row_rate = bad_rate > 0 ? bad_rate : -1.0;
    tw_errinfo_clear(&ei);
    if ((err = synth_run(&so, &sum, &ei)) != TW_OK)
        return report(err, &ei);
    if (!quiet)
        printf("synth: %s: %llu permits, %llu border crossings, %llu inspections, "
               "%llu reports, %llu outcomes; %llu planted entities in %llu schemes\n",
               dir, (unsigned long long)sum.rows[0], (unsigned long long)sum.rows[1],
               (unsigned long long)sum.rows[2], (unsigned long long)sum.rows[3],
               (unsigned long long)sum.rows[4], (unsigned long long)sum.planted_entities,
               (unsigned long long)sum.schemes);
    return 0;
}

static int cmd_synth(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},      {"applications", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},     {"bad-rate", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *out = NULL;
    unsigned long long apps = 10000, seed = 1;
    double bad = 0.001;
    char *end;
    int c;

    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'n':
            if (parse_u64(optarg, 100, 100000000ULL, &apps))
                return usage_error("synth", "--applications must be 100..100000000, not '%s'",
                                   optarg);
            break;
        case 's':
            if (parse_u64(optarg, 0, ~0ULL, &seed))
                return usage_error("synth", "--seed must be a whole number, not '%s'", optarg);
            break;
        case 'b':
            errno = 0;
            bad = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(bad >= 0 && bad <= 0.5))
                return usage_error("synth", "--bad-rate must be 0..0.5, not '%s'", optarg);
            break;
        case 'h': fputs(synth_help, stdout); return 0;
        default: return usage_error("synth", "%s", "bad option");
        }
    }
    if (!out)
        return usage_error("synth", "%s", "--out DIR is required");
    if (optind < argc)
        return usage_error("synth", "unexpected argument '%s'", argv[optind]);
    return run_synth(out, apps, seed, bad, 0);
}

/* ---- stats -------------------------------------------------------------- */

static const char stats_help[] =
    "usage: tipwatch stats [--db FILE]\n"
    "\n"
    "Counts per register (rows, stored versions, rejected records, warnings),\n"
    "entities (workers, employers, intermediaries, addresses, phones), import\n"
    "batches, and the most frequent kinds of rejected rows and warnings (register,\n"
    "field, severity, count, one example reason).\n";

static tw_err_t print_reject_group(void *ctx, const char *reg, const char *field,
                                   const char *severity, long long count, const char *example)
{
    int *n = ctx;
    if ((*n)++ == 0)
        printf("\n%-18s %-28s %-8s %8s  %s\n", "register", "field", "severity", "rows",
               "for example");
    printf("%-18s %-28s %-8s %8lld  %s\n", reg, field[0] ? field : "(whole row)", severity,
           count, example);
    return TW_OK;
}

static int print_stats(const char *db)
{
    static const char *const ent_names[ENT_COUNT] = {"workers", "employers", "intermediaries",
                                                     "addresses", "phones"};
    store_t *st = NULL;
    store_stats_t s;
    tw_errinfo_t ei;
    tw_err_t err;
    int i;

    tw_errinfo_clear(&ei);
    if ((err = store_open(db, &st, &ei)) != TW_OK)
        return report(err, &ei);
    err = store_stats(st, &s);
    if (err != TW_OK) {
        fprintf(stderr, "tipwatch: stats: %s\n", store_errmsg(st));
        store_close(st);
        return 2;
    }
    printf("%-18s %10s %10s %10s %10s\n", "register", "rows", "versions", "rejected",
           "warnings");
    for (i = 0; i < REG_COUNT; i++)
        printf("%-18s %10lld %10lld %10lld %10lld\n", reg_get((reg_id_t)i)->name, s.rows[i],
               s.versions[i], s.rejected[i], s.warnings[i]);
    printf("\n%-18s %10s\n", "entity", "count");
    for (i = 0; i < ENT_COUNT; i++)
        printf("%-18s %10lld\n", ent_names[i], s.entities[i]);
    printf("\nimport batches: %lld (%lld interrupted)\n", s.batches, s.batches_interrupted);
    {
        int groups = 0;
        if (store_reject_groups(st, 15, print_reject_group, &groups) != TW_OK) {
            fprintf(stderr, "tipwatch: stats: %s\n", store_errmsg(st));
            store_close(st);
            return 2;
        }
    }
    store_close(st);
    return 0;
}

static int cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB;
    int c;
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': fputs(stats_help, stdout); return 0;
        default: return usage_error("stats", "%s", "bad option");
        }
    }
    if (optind < argc)
        return usage_error("stats", "unexpected argument '%s'", argv[optind]);
    return print_stats(db);
}


/* ---- screen ------------------------------------------------------------- */

static const char screen_help[] =
    "usage: tipwatch screen [--db FILE] [--config FILE] [--incremental] [--hits FILE] [--quiet]\n"
    "       tipwatch screen [--db FILE] --config NEW --shadow [--show N]\n"
    "\n"
    "Rescreens everything: builds the engine's indexes from the store, computes\n"
    "every indicator, scores each entity and brings the alerts in line (new\n"
    "alerts raised, changed ones updated with history, ones no longer supported\n"
    "lowered to level none). The configuration is --config, else tipwatch.conf in\n"
    "the current directory when there is one, else the built-in defaults\n"
    "(docs/tipwatch.conf).\n"
    "\n"
    "--incremental lets only the alerts change that the rows imported since the\n"
    "last screening can have touched (the same alerts a full screening gives);\n"
    "it screens fully when there was no earlier screening or the config changed.\n"
    "\n"
    "--hits FILE also writes every indicator hit, before roll-up and\n"
    "suppressions, as CSV (indicator,entity_type,entity_key,strength,value,\n"
    "threshold).\n"
    "\n"
    "--shadow tries a candidate config before it is adopted: it screens under the\n"
    "config in force (tipwatch.conf here, else the built-in one) and under NEW,\n"
    "and reports which alerts would appear, disappear or change level (the N\n"
    "largest changes, default 20), without touching the alerts.\n";

/* --config, ./tipwatch.conf, or the defaults. */
static tw_err_t load_config(const char *path, config_t **cfg, tw_errinfo_t *ei)
{
    struct stat sb;
    if (path)
        return config_load_file(path, ind_ids(), cfg, ei);
    if (stat(DEFAULT_CONFIG, &sb) == 0)
        return config_load_file(DEFAULT_CONFIG, ind_ids(), cfg, ei);
    return config_default(cfg);
}

static int run_screen(const char *db, const char *config_path, const char *hits_path,
                      int incremental, int quiet)
{
    store_t *st = NULL;
    config_t *cfg = NULL;
    screen_opts_t o;
    screen_summary_t sum;
    tw_errinfo_t ei;
    tw_err_t err;
    int rc = 0;

    tw_errinfo_clear(&ei);
    memset(&o, 0, sizeof(o));
    o.incremental = incremental;
    o.hits_path = hits_path;
    o.actor = "screen";
    if ((err = load_config(config_path, &cfg, &ei)) != TW_OK ||
        (err = store_open(db, &st, &ei)) != TW_OK ||
        (err = screen_run(st, cfg, &o, &sum, &ei)) != TW_OK)
        rc = report(err, &ei);
    else if (!quiet)
        screen_print(&sum, cfg, stdout);
    store_close(st);
    config_free(cfg);
    return rc;
}


static int run_shadow(const char *db, const char *config_path, size_t show)
{
    store_t *st = NULL;
    config_t *cur = NULL, *cand = NULL;
    engine_t *e = NULL;
    ind_hits_t h1, h2;
    score_result_t s1, s2;
    score_suppressions_t sup = {NULL, 0};
    alerts_shadow_t sum;
    tw_errinfo_t ei;
    tw_err_t err;
    int rc = 0;

    ind_hits_init(&h1);
    ind_hits_init(&h2);
    memset(&s1, 0, sizeof(s1));
    memset(&s2, 0, sizeof(s2));
    tw_errinfo_clear(&ei);
    if ((err = load_config(NULL, &cur, &ei)) != TW_OK ||
        (err = load_config(config_path, &cand, &ei)) != TW_OK ||
        (err = store_open(db, &st, &ei)) != TW_OK || (err = engine_load(st, &e, &ei)) != TW_OK) {
        rc = report(err, &ei);
        goto out;
    }
    if ((err = alerts_load_suppressions(st, engine_index(e), &sup, &ei)) != TW_OK) {
        rc = report(err, &ei);
        goto out;
    }
    if ((err = ind_compute_all(engine_index(e), cur, &h1)) != TW_OK ||
        (err = score_compute_suppressed(engine_index(e), &h1, cur, &sup, &s1)) != TW_OK ||
        (err = ind_compute_all(engine_index(e), cand, &h2)) != TW_OK ||
        (err = score_compute_suppressed(engine_index(e), &h2, cand, &sup, &s2)) != TW_OK) {
        tw_errinfo_set(&ei, err, "screening: %s", tw_strerror(err));
        rc = report(err, &ei);
        goto out;
    }
    printf("shadow: config in force %s, candidate %s (%s)\n", config_version(cur),
           config_version(cand), config_path);
    if ((err = alerts_shadow(st, engine_index(e), &s1, &s2, show, stdout, &sum)) != TW_OK) {
        tw_errinfo_set(&ei, err, "comparing: %s", tw_strerror(err));
        rc = report(err, &ei);
    }
out:
    free(sup.items);
    score_free(&s1);
    score_free(&s2);
    ind_hits_free(&h1);
    ind_hits_free(&h2);
    engine_free(e);
    store_close(st);
    config_free(cur);
    config_free(cand);
    return rc;
}

static int cmd_screen(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"quiet", no_argument, NULL, 'q'},
                                             {"shadow", no_argument, NULL, 's'},
                                             {"show", required_argument, NULL, 'n'},
                                             {"hits", required_argument, NULL, 'H'},
                                             {"incremental", no_argument, NULL, 'i'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config_path = NULL, *hits_path = NULL;
    unsigned long long show = 20;
    int c, quiet = 0, shadow = 0, incremental = 0;
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config_path = optarg; break;
        case 'q': quiet = 1; break;
        case 's': shadow = 1; break;
        case 'i': incremental = 1; break;
        case 'H': hits_path = optarg; break;
        case 'n':
            if (parse_u64(optarg, 0, 1000000, &show))
                return usage_error("screen", "--show must be 0..1000000, not '%s'", optarg);
            break;
        case 'h': fputs(screen_help, stdout); return 0;
        default: return usage_error("screen", "%s", "bad option");
        }
    }
    if (optind < argc)
        return usage_error("screen", "unexpected argument '%s'", argv[optind]);
    if (shadow && incremental)
        return usage_error("screen", "%s", "--shadow compares whole screenings: no --incremental");
    if (shadow) {
        if (!config_path)
            return usage_error("screen", "%s", "--shadow needs --config NEW");
        return run_shadow(db, config_path, (size_t)show);
    }
    return run_screen(db, config_path, hits_path, incremental, quiet);
}

/* ---- score (live) -------------------------------------------------------- */

static const char score_help[] =
    "usage: tipwatch score [--db FILE] [--config FILE] APPLICATION_ID...\n"
    "       tipwatch score [--db FILE] [--config FILE] --sample N [--seed S]\n"
    "\n"
    "Scores applications the way a new one is scored as it arrives: against\n"
    "the index held in memory, within the application's neighbourhood (its\n"
    "worker, employer, intermediary, addresses and phone, with their records),\n"
    "by the same indicators and scoring as a screening. Nothing is written.\n"
    "With IDs, each stored application is scored as if it had just arrived\n"
    "(its stored version left out) and its score, level and evidence printed.\n"
    "With --sample N, N applications drawn at random are scored that way and\n"
    "the latency percentiles and the agreement of the levels with a full\n"
    "screening of the same index are printed (the benchmark of live scoring).\n";

static double elapsed_us(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e6 + (double)(b->tv_nsec - a->tv_nsec) / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void live_print(const live_result_t *r, const char *id, double us, FILE *out)
{
    size_t ncat;
    const ind_def_t *cat = ind_catalogue(&ncat);
    uint32_t j;
    fprintf(out, "%s: score %.1f, %s (%zu applications in its neighbourhood, %.0f us)\n", id,
            r->score, score_level_name(r->level), r->neighbourhood, us);
    for (j = 0; r->app && j < r->app->nhits; j++) {
        uint32_t ref = r->sr.order[r->app->first + j];
        const ind_hit_t *h = score_hit(&r->sr, &r->hits, ref);
        fprintf(out, "  %-28s %s  strength %.2f  contribution %+.2f\n",
                h->indicator < ncat ? cat[h->indicator].id : "?",
                ref < r->hits.n ? "own    " : "carried", (double)h->strength,
                r->sr.contribution[r->app->first + j]);
    }
}

static tw_err_t score_ids(live_t *lv, char **ids, int n, tw_errinfo_t *ei)
{
    const eng_index_t *ix = live_index(lv);
    uint32_t i;
    int k;
    tw_err_t err = TW_OK;

    for (k = 0; k < n && err == TW_OK; k++) {
        live_input_t in;
        live_result_t r;
        struct timespec t0, t1;
        for (i = 0; i < ix->napps && strcmp(eng_str(ix, ix->apps[i].key), ids[k]); i++)
            ;
        if (i == ix->napps) {
            tw_errinfo_field(ei, "application_id");
            return tw_errinfo_set(ei, TW_ENOTFOUND, "no current application '%s'", ids[k]);
        }
        memset(&in, 0, sizeof(in));
        in.app = ix->apps[i];
        in.application_id = ids[k];
        in.replaces = i + 1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        err = live_score(lv, &in, &r, ei);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (err == TW_OK)
            live_print(&r, ids[k], elapsed_us(&t0, &t1), stdout);
        live_result_free(&r);
    }
    return err;
}

/* The benchmark: n applications drawn at random, each scored live as if it
 * had just arrived; latency percentiles and agreement with a full screen. */
static tw_err_t score_sample(live_t *lv, const config_t *cfg, unsigned long long n,
                             unsigned long long seed, tw_errinfo_t *ei)
{
    const eng_index_t *ix = live_index(lv);
    static const ind_kind_t kinds[3] = {IK_APPLICATION, IK_WORKER, IK_EMPLOYER};
    static const char *const kind_names[3] = {"application", "worker", "employer"};
    ind_hits_t hits;
    score_result_t full;
    uint8_t *level[3] = {NULL, NULL, NULL};
    double *fscore[3] = {NULL, NULL, NULL}, diff[3] = {0, 0, 0};
    double *us = NULL, *cpu = NULL, prior = 100.0 / (1.0 + exp(-config_score(cfg, "prior", -4.0)));
    size_t *hood = NULL, i, same[3] = {0, 0, 0}, higher[3] = {0, 0, 0}, lower[3] = {0, 0, 0};
    int k;
    uint64_t x = seed * 2862933555777941757ull + 3037000493ull;
    tw_err_t err;

    ind_hits_init(&hits);
    memset(&full, 0, sizeof(full));
    if (ix->napps == 0)
        return tw_errinfo_set(ei, TW_EINPUT, "no applications in the store");
    us = malloc(n * sizeof(*us));
    cpu = malloc(n * sizeof(*cpu));
    hood = malloc(n * sizeof(*hood));
    if (!us || !cpu || !hood) {
        err = TW_ENOMEM;
        goto out;
    }
    for (k = 0; k < 3; k++) {
        size_t ne = k == 0 ? ix->napps : ix->nentities[k == 1 ? ENT_WORKER : ENT_EMPLOYER];
        level[k] = calloc(ne ? ne : 1, 1);
        fscore[k] = malloc((ne ? ne : 1) * sizeof(double));
        if (!level[k] || !fscore[k]) {
            err = TW_ENOMEM;
            goto out;
        }
        for (i = 0; i < ne; i++)
            fscore[k][i] = prior;
    }
    if ((err = ind_compute_all(ix, cfg, &hits)) != TW_OK ||
        (err = score_compute(ix, &hits, cfg, &full)) != TW_OK)
        goto out;
    for (i = 0; i < full.n; i++) {
        for (k = 0; k < 3; k++) {
            if (full.ents[i].kind == kinds[k]) {
                level[k][full.ents[i].entity] = full.ents[i].level;
                fscore[k][full.ents[i].entity] = full.ents[i].score;
            }
        }
    }
    for (i = 0; i < n; i++) {
        live_input_t in;
        live_result_t r;
        struct timespec t0, t1, c0, c1;
        uint32_t a;
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        a = (uint32_t)((x >> 33) % ix->napps);
        memset(&in, 0, sizeof(in));
        in.app = ix->apps[a];
        in.application_id = eng_str(ix, ix->apps[a].key);
        in.replaces = a + 1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        err = live_score(lv, &in, &r, ei);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        if (err != TW_OK)
            goto out;
        us[i] = elapsed_us(&t0, &t1);
        cpu[i] = elapsed_us(&c0, &c1);
        hood[i] = r.neighbourhood;
        for (k = 0; k < 3; k++) {
            const eng_app_t *ap = &ix->apps[a];
            uint32_t e = k == 0 ? a : k == 1 ? ap->worker : ap->employer;
            double sc;
            score_level_t lv_k;
            live_entity_score(lv, &r, kinds[k], &sc, &lv_k);
            if (k > 0 && e == 0)
                continue;
            if ((uint8_t)lv_k == level[k][e])
                same[k]++;
            else if ((uint8_t)lv_k > level[k][e])
                higher[k]++;
            else
                lower[k]++;
            diff[k] += fabs(sc - fscore[k][e]);
        }
        live_result_free(&r);
    }
    qsort(us, n, sizeof(*us), cmp_double);
    qsort(cpu, n, sizeof(*cpu), cmp_double);
    printf("score: %llu applications scored live against an index of %u\n", n,
           (unsigned)ix->napps);
    /* wall clock, and the thread's CPU time: the same unless other work
     * took the core meanwhile */
    printf("score: latency p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
           us[n / 2], us[(size_t)((double)n * 0.9)], us[(size_t)((double)n * 0.99)],
           us[n - 1]);
    printf("score: cpu time p50 %.0f us, p90 %.0f us, p99 %.0f us, max %.0f us\n",
           cpu[n / 2], cpu[(size_t)((double)n * 0.9)], cpu[(size_t)((double)n * 0.99)],
           cpu[n - 1]);
    {
        size_t hmax = 0;
        for (i = 0; i < n; i++)
            hmax = hood[i] > hmax ? hood[i] : hmax;
        printf("score: neighbourhood up to %zu applications\n", hmax);
    }
    for (k = 0; k < 3; k++) {
        size_t m = same[k] + higher[k] + lower[k];
        printf("score: %s level as in a full screening for %.1f%% (same %zu, higher %zu,"
               " lower %zu); mean |score difference| %.3f\n",
               kind_names[k], m ? 100.0 * (double)same[k] / (double)m : 100.0, same[k],
               higher[k], lower[k], m ? diff[k] / (double)m : 0.0);
    }
out:
    score_free(&full);
    ind_hits_free(&hits);
    for (k = 0; k < 3; k++) {
        free(level[k]);
        free(fscore[k]);
    }
    free(us);
    free(cpu);
    free(hood);
    return err;
}

static int cmd_score(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"sample", required_argument, NULL, 'n'},
                                             {"seed", required_argument, NULL, 's'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config_path = NULL;
    unsigned long long sample = 0, seed = 1;
    store_t *st = NULL;
    config_t *cfg = NULL;
    live_t *lv = NULL;
    tw_errinfo_t ei;
    tw_err_t err;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config_path = optarg; break;
        case 'n':
            if (parse_u64(optarg, 1, 10000000, &sample))
                return usage_error("score", "--sample must be 1..10000000, not '%s'", optarg);
            break;
        case 's':
            if (parse_u64(optarg, 0, UINT32_MAX, &seed))
                return usage_error("score", "--seed must be a whole number, not '%s'", optarg);
            break;
        case 'h': fputs(score_help, stdout); return 0;
        default: return usage_error("score", "%s", "bad option");
        }
    }
    if (!sample && optind >= argc)
        return usage_error("score", "%s", "give APPLICATION_IDs or --sample N");
    if (sample && optind < argc)
        return usage_error("score", "unexpected argument '%s' with --sample", argv[optind]);
    tw_errinfo_clear(&ei);
    if ((err = load_config(config_path, &cfg, &ei)) == TW_OK &&
        (err = store_open(db, &st, &ei)) == TW_OK && (err = live_open(st, cfg, &lv, &ei)) == TW_OK)
        err = sample ? score_sample(lv, cfg, sample, seed, &ei)
                     : score_ids(lv, argv + optind, argc - optind, &ei);
    live_close(lv);
    store_close(st);
    config_free(cfg);
    return report(err, &ei);
}

/* ---- alerts ------------------------------------------------------------- */

static const char alerts_help[] =
    "usage: tipwatch alerts list [--db FILE] [FILTERS] [--limit N]\n"
    "       tipwatch alerts show [--db FILE] ID\n"
    "       tipwatch alerts export [--db FILE] [--format csv|json] [--out FILE] [FILTERS]\n"
    "       tipwatch alerts transition [--db FILE] ID STATUS [--reason TEXT] [--as NAME]\n"
    "       tipwatch alerts assign [--db FILE] ID NAME|- [--as NAME]\n"
    "       tipwatch alerts suppress [--db FILE] ID INDICATOR --until DATE --reason TEXT\n"
    "       tipwatch alerts unsuppress [--db FILE] ID INDICATOR --reason TEXT\n"
    "\n"
    "FILTERS: --level low|medium|high (at least), --status STATUS, --type ENTITY,\n"
    "         --indicator ID\n"
    "\n"
    "list shows open alerts, highest score first. show explains one alert: what\n"
    "drove its score, indicator by indicator, with the records and thresholds,\n"
    "and its history. export writes every alert (csv: alert_id,entity_type,\n"
    "entity_key,score,level,indicators,created_at,status,updated_at,\n"
    "config_version; json: one object per line with the evidence).\n"
    "transition moves an alert through its lifecycle (new, in_review, escalated,\n"
    "dismissed, confirmed; dismissing, confirming and reopening need --reason);\n"
    "assign gives it to a person ('-' for nobody). Both are recorded in the\n"
    "alert's history with who (--as, default $USER), when and why.\n"
    "suppress stops one indicator from counting for the alert's entity until DATE\n"
    "(at most 180 days ahead), after review and with a reason; the evidence is\n"
    "still shown. unsuppress lifts it.\n";

static int cmd_alerts(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},       {"level", required_argument, NULL, 'l'},
        {"status", required_argument, NULL, 's'},   {"type", required_argument, NULL, 't'},
        {"indicator", required_argument, NULL, 'i'}, {"limit", required_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'f'},   {"out", required_argument, NULL, 'o'},
        {"reason", required_argument, NULL, 'r'},   {"as", required_argument, NULL, 'a'},
        {"until", required_argument, NULL, 'u'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    static const char *const levels[] = {"low", "medium", "high", NULL};
    static const char *const statuses[] = {"new", "in_review", "escalated", "dismissed",
                                           "confirmed", NULL};
    const char *db = DEFAULT_DB, *format = "csv", *outpath = NULL, *sub, *reason = NULL;
    const char *until = NULL;
    const char *actor = getenv("USER") && getenv("USER")[0] ? getenv("USER") : "cli";
    alerts_filter_t f;
    store_t *st = NULL;
    tw_errinfo_t ei;
    FILE *out = stdout;
    unsigned long long n;
    tw_err_t err = TW_OK;
    int c, rc = 0;
    size_t i;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(alerts_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "export") != 0 &&
        strcmp(sub, "transition") != 0 && strcmp(sub, "assign") != 0 &&
        strcmp(sub, "suppress") != 0 && strcmp(sub, "unsuppress") != 0)
        return usage_error("alerts", "unknown subcommand '%s'", sub);
    memset(&f, 0, sizeof(f));
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l':
            for (i = 0; levels[i] && strcmp(levels[i], optarg) != 0; i++)
                ;
            if (!levels[i])
                return usage_error("alerts", "--level must be low, medium or high, not '%s'",
                                   optarg);
            f.level = optarg;
            break;
        case 's':
            for (i = 0; statuses[i] && strcmp(statuses[i], optarg) != 0; i++)
                ;
            if (!statuses[i])
                return usage_error("alerts", "unknown --status '%s'", optarg);
            f.status = optarg;
            break;
        case 't': f.entity_type = optarg; break;
        case 'i':
            if (ind_find(optarg) < 0)
                return usage_error("alerts", "unknown --indicator '%s'", optarg);
            f.indicator = optarg;
            break;
        case 'n':
            if (parse_u64(optarg, 1, 100000000ULL, &n))
                return usage_error("alerts", "--limit must be a positive number, not '%s'",
                                   optarg);
            f.limit = (long)n;
            break;
        case 'f':
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0)
                return usage_error("alerts", "--format must be csv or json, not '%s'", optarg);
            format = optarg;
            break;
        case 'o': outpath = optarg; break;
        case 'r': reason = optarg; break;
        case 'a': actor = optarg; break;
        case 'u': until = optarg; break;
        case 'h': fputs(alerts_help, stdout); return 0;
        default: return usage_error("alerts", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    tw_errinfo_clear(&ei);
    if ((err = store_open(db, &st, &ei)) != TW_OK)
        return report(err, &ei);
    if (strcmp(sub, "show") == 0 || strcmp(sub, "transition") == 0 ||
        strcmp(sub, "assign") == 0 || strcmp(sub, "suppress") == 0 ||
        strcmp(sub, "unsuppress") == 0) {
        long long id;
        char *end;
        int needs = strcmp(sub, "show") == 0 ? 1 : 2;
        if (argc - optind != needs) {
            store_close(st);
            return usage_error("alerts", "%s",
                               needs == 1 ? "show needs an alert ID"
                                          : "transition needs ID STATUS, assign ID NAME, "
                                            "suppress and unsuppress ID INDICATOR");
        }
        errno = 0;
        id = strtoll(argv[optind], &end, 10);
        if (errno || *end || id <= 0) {
            store_close(st);
            return usage_error("alerts", "not an alert ID: '%s'", argv[optind]);
        }
        if (strcmp(sub, "show") == 0) {
            err = alerts_show(st, id, stdout);
            if (err == TW_ENOTFOUND) {
                fprintf(stderr, "tipwatch: alerts show: no alert %lld\n", id);
                rc = 1;
            }
        } else {
            const char *arg = argv[optind + 1];
            if (strcmp(sub, "transition") == 0) {
                for (i = 0; statuses[i] && strcmp(statuses[i], arg) != 0; i++)
                    ;
                if (!statuses[i]) {
                    store_close(st);
                    return usage_error("alerts", "unknown status '%s'", arg);
                }
                err = alerts_transition(st, id, arg, actor, reason, &ei);
            } else if (strcmp(sub, "assign") == 0) {
                err = alerts_assign(st, id, strcmp(arg, "-") == 0 ? NULL : arg, actor, &ei);
            } else if (strcmp(sub, "suppress") == 0) {
                if (!until) {
                    store_close(st);
                    return usage_error("alerts", "%s", "suppress needs --until DATE");
                }
                err = alerts_suppress(st, id, arg, until, reason, actor, &ei);
            } else {
                err = alerts_unsuppress(st, id, arg, reason, actor, &ei);
            }
            if (err != TW_OK) {
                rc = report(err, &ei);
                err = TW_OK;
            } else if (strcmp(sub, "suppress") == 0 || strcmp(sub, "unsuppress") == 0) {
                printf("alert %lld: %s %s%s%s (from the next screening on)\n", id, arg,
                       sub[0] == 's' ? "suppressed until " : "counts again",
                       sub[0] == 's' ? until : "", "");
            } else {
                printf("alert %lld: %s %s\n", id,
                       strcmp(sub, "transition") == 0 ? "now" : "assigned to",
                       strcmp(arg, "-") == 0 ? "nobody" : arg);
            }
        }
    } else if (strcmp(sub, "list") == 0) {
        err = alerts_list(st, &f, stdout);
    } else {
        if (outpath && !(out = fopen(outpath, "w"))) {
            fprintf(stderr, "tipwatch: %s: cannot write: %s\n", outpath, strerror(errno));
            store_close(st);
            return 1;
        }
        err = alerts_export(st, &f, format, out);
        if (out != stdout && fclose(out) != 0 && err == TW_OK)
            err = TW_EIO;
    }
    if (err != TW_OK && rc == 0) {
        fprintf(stderr, "tipwatch: alerts %s: %s%s%s\n", sub, tw_strerror(err),
                err == TW_EDB ? ": " : "", err == TW_EDB ? store_errmsg(st) : "");
        rc = tw_err_exit_code(err);
    }
    store_close(st);
    return rc;
}


/* ---- backtest ----------------------------------------------------------- */

static const char backtest_help[] =
    "usage: tipwatch backtest [--db FILE] [--config FILE] [--sweep] [--format table|csv]\n"
    "\n"
    "Screens the store in memory (no alert is written) and compares with the\n"
    "known outcomes (the outcomes register: confirmed or cleared entities): for\n"
    "each indicator and for the score, true and false positives, false negatives,\n"
    "precision, recall and alert volume at the configured low level; --sweep\n"
    "repeats the score rows for thresholds 5, 10, ... 95.\n";

static int cmd_backtest(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"sweep", no_argument, NULL, 's'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config_path = NULL;
    backtest_format_t fmt = BACKTEST_TABLE;
    store_t *st = NULL;
    config_t *cfg = NULL;
    tw_errinfo_t ei;
    tw_err_t err;
    int c, sweep = 0, rc = 0;

    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config_path = optarg; break;
        case 's': sweep = 1; break;
        case 'f':
            if (strcmp(optarg, "table") == 0)
                fmt = BACKTEST_TABLE;
            else if (strcmp(optarg, "csv") == 0)
                fmt = BACKTEST_CSV;
            else
                return usage_error("backtest", "--format must be table or csv, not '%s'", optarg);
            break;
        case 'h': fputs(backtest_help, stdout); return 0;
        default: return usage_error("backtest", "%s", "bad option");
        }
    }
    if (optind < argc)
        return usage_error("backtest", "unexpected argument '%s'", argv[optind]);
    tw_errinfo_clear(&ei);
    if ((err = load_config(config_path, &cfg, &ei)) != TW_OK ||
        (err = store_open(db, &st, &ei)) != TW_OK ||
        (err = backtest_run(st, cfg, sweep, fmt, stdout, &ei)) != TW_OK)
        rc = report(err, &ei);
    store_close(st);
    config_free(cfg);
    return rc;
}

/* ---- demo --------------------------------------------------------------- */

/* The demo account: a published password, fit only for the synthetic
 * register the demo makes (docs/ui.md); it is the same on every run, so a
 * second run into the same DIR finds the account of the first. */
#define DEMO_USER "demo"
#define DEMO_ORG "Demo"
#define DEMO_PASSWORD "tipwatch-demo"

#define DEMO_CASE_USER "demo-cases"
#define DEMO_CASE_ORG "MCS"
#define DEMO_CASES 3

static tw_err_t cli_begin(store_t *st, tw_errinfo_t *ei);
static tw_err_t cli_finish(store_t *st, tw_err_t err, tw_errinfo_t *ei);

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
    cases_filter_t flt = {-1, 0, NULL, NULL, 0};
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
        (err = load_config(NULL, &cfg, &ei)) != TW_OK || (err = store_open(db, &st, &ei)) != TW_OK)
        goto out;
    cases_policy_from_config(cfg, &pol);
    if (stat(key_path, &sb) != 0) {
        if ((err = keys_init(st, key_path, &ei)) != TW_OK)
            goto out;
        printf("created the key file %s (mode 0600) for the case data at rest\n", key_path);
    } else {
        printf("using the key file %s\n", key_path);
    }
    if ((err = vault_open(key_path, &v, &ei)) != TW_OK)
        goto out;
    if ((err = demo_account(st, DEMO_CASE_USER, DEMO_CASE_ORG, ROLE_CASE_WORKER, &existed,
                            &ei)) != TW_OK)
        goto out;
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
        return report(err, &ei);
    printf("Demo case-worker account%s: user %s, password %s (role case_worker, organisation "
           "%s): it owns these cases, which the analyst account " DEMO_USER " cannot read\n",
           existed ? " (from an earlier run)" : "", DEMO_CASE_USER, DEMO_PASSWORD,
           DEMO_CASE_ORG);
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

static int cmd_demo(int argc, char **argv)
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
            if (parse_u64(optarg, 100, 100000000ULL, &apps))
                return usage_error("demo", "--applications must be 100..100000000, not '%s'",
                                   optarg);
            break;
        case 's':
            if (parse_u64(optarg, 0, ~0ULL, &seed))
                return usage_error("demo", "--seed must be a whole number, not '%s'", optarg);
            break;
        case 'l': listen = optarg; break;
        case 'S': serve = 0; break;
        case 'h': fputs(demo_help, stdout); return 0;
        default: return usage_error("demo", "%s", "bad option");
        }
    }
    if ((size_t)snprintf(db, sizeof(db), "%s/tipwatch.db", dir) >= sizeof(db))
        return usage_error("demo", "directory name too long: '%s'", dir);
    steps = serve ? 7 : 6;
    printf("== 1/%d synthesising %llu applications (seed %llu) into %s/\n", steps, apps, seed,
           dir);
    if ((rc = run_synth(dir, apps, seed, 0.001, 0)) != 0)
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
    if ((rc = print_stats(db)) != 0)
        return rc;
    printf("\n== 4/%d screening\n", steps);
    if ((rc = run_screen(db, NULL, NULL, 0, 0)) != 0)
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
            return report(err, &ei);
        err = alerts_list(st, &f, stdout);
        store_close(st);
        if (err != TW_OK)
            return tw_err_exit_code(err);
    }
    printf("\n== 6/%d NRM cases for the web UI, from the highest worker alerts\n", steps);
    if ((rc = demo_cases(db)) != 0)
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
            return report(err, &ei);
        err = demo_account(st, DEMO_USER, DEMO_ORG, ROLE_ANALYST, &existed, &ei);
        store_close(st);
        if (err != TW_OK)
            return report(err, &ei);
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
            err = http_serve(&o, &ei);
            vault_close(vault);
            if (err != TW_OK)
                return report(err, &ei);
        }
    }
    return 0;
}

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
static tw_err_t cli_begin(store_t *st, tw_errinfo_t *ei)
{
    if (store_begin(st) != TW_OK)
        return tw_errinfo_set(ei, TW_EDB, "cannot start a transaction: %s", store_errmsg(st));
    return TW_OK;
}

static tw_err_t cli_finish(store_t *st, tw_err_t err, tw_errinfo_t *ei)
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

static int cmd_user(int argc, char **argv)
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
        return usage_error("user", "unknown subcommand '%s'", sub);
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
        default: return usage_error("user", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    npos = argc - optind;
    if (strcmp(sub, "add") != 0 && (org || role_arg || pw_stdin))
        return usage_error("user", "%s", "--org, --role and --password-stdin are for 'user add'");
    if (strcmp(sub, "list") == 0) {
        if (npos != 0)
            return usage_error("user", "unexpected argument '%s'", argv[optind]);
    } else {
        if (npos != 1)
            return usage_error("user", "%s", npos == 0 ? "NAME is missing" : "one NAME only");
        name = argv[optind];
    }
    if (strcmp(sub, "add") == 0) {
        if (!org)
            return usage_error("user", "%s", "--org ORG is required");
        if (!role_arg)
            return usage_error("user", "%s", "--role ROLE is required");
        if (!pw_stdin)
            return usage_error("user", "%s",
                               "--password-stdin is required: the password is read from "
                               "standard input, never from the command line");
        if (read_password(pw, sizeof(pw)))
            return 1;
    }

    tw_errinfo_clear(&ei);
    buf_init(&detail, 4096);
    if ((err = store_open(db, &st, &ei)) != TW_OK)
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
        rc = report(err, &ei);
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

static int cmd_token(int argc, char **argv)
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
        return usage_error("token", "unknown subcommand '%s'", sub);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': label = optarg; break;
        case 'h': fputs(token_help, stdout); return 0;
        default: return usage_error("token", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    npos = argc - optind;
    if (label && strcmp(sub, "create") != 0)
        return usage_error("token", "%s", "--label is for 'token create'");
    if (npos > 1 || (npos == 0 && strcmp(sub, "list") != 0))
        return usage_error("token", "%s",
                           strcmp(sub, "revoke") == 0 ? "revoke needs one token ID"
                                                      : "one user NAME is needed");
    if (strcmp(sub, "revoke") == 0 && parse_u64(argv[optind], 1, INT64_MAX, &id))
        return usage_error("token", "not a token ID: '%s'", argv[optind]);

    token[0] = '\0';
    tw_errinfo_clear(&ei);
    buf_init(&detail, 4096);
    if ((err = store_open(db, &st, &ei)) != TW_OK)
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
        rc = report(err, &ei);
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

static int cmd_audit(int argc, char **argv)
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
        return usage_error("audit", "unknown subcommand '%s'", sub);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'n':
            if (parse_u64(optarg, 1, 100000000ULL, &limit))
                return usage_error("audit", "--limit must be a positive number, not '%s'",
                                   optarg);
            have_limit = 1;
            break;
        case 'a': anchor = optarg; break;
        case 'h': fputs(audit_help, stdout); return 0;
        default: return usage_error("audit", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    if (optind < argc)
        return usage_error("audit", "unexpected argument '%s'", argv[optind]);
    if (have_limit && strcmp(sub, "list") != 0)
        return usage_error("audit", "%s", "--limit is for 'audit list'");
    if (anchor) {
        const char *colon = strchr(anchor, ':');
        size_t len = colon ? (size_t)(colon - anchor) : 0;
        if (strcmp(sub, "verify") != 0)
            return usage_error("audit", "%s", "--anchor is for 'audit verify'");
        if (!colon || len == 0 || len >= sizeof(idbuf))
            return usage_error("audit", "--anchor must be ID:HASH (from 'audit head'), not '%s'",
                               anchor);
        memcpy(idbuf, anchor, len);
        idbuf[len] = '\0';
        if (parse_u64(idbuf, 1, INT64_MAX, &anchor_id) ||
            audit_hash_parse(colon + 1, anchor_hash) != TW_OK)
            return usage_error("audit", "--anchor must be ID:HASH (from 'audit head'), not '%s'",
                               anchor);
    }

    tw_errinfo_clear(&ei);
    if ((err = store_open(db, &st, &ei)) != TW_OK)
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
        rc = report(err, &ei);
    store_close(st);
    return rc;
}

/* ---- keys, cases ---------------------------------------------------------- */

static const char keys_help[] =
    "usage: tipwatch keys init [--key-file FILE] [--db FILE]\n"
    "       tipwatch keys rotate [--db FILE] [--key-file FILE] [--destroy-old]\n"
    "       tipwatch keys status [--db FILE] [--key-file FILE]\n"
    "\n"
    "The key file holds the master keys of the NRM case data encrypted at rest.\n"
    "It is --key-file, else $TIPWATCH_KEY_FILE, else the database path + .key\n"
    "(tipwatch.db.key); keep it outside the database's directory and its backups,\n"
    "mode 0600, and back it up apart from the database.\n"
    "\n"
    "init creates it with one key (never over an existing file, and not for a\n"
    "database that already holds sealed values: restore that one's key file).\n"
    "rotate adds a new key, re-seals every sealed value and recomputes every\n"
    "blind index under it in one transaction, records it as the database's\n"
    "current key, then retires the older keys from the key file into\n"
    "FILE.retired-YYYYMMDDTHHMMSS (mode 0600; keep it offline while backups from\n"
    "before the rotation exist), or drops them for good with --destroy-old.\n"
    "Stop 'tipwatch serve' first, or restart it after: until then its writes of\n"
    "case data are refused ('restart: the keys were rotated').\n"
    "status shows the key ids in the file, the database's current key and how\n"
    "many sealed values each key holds (never key material); exit 1 when some\n"
    "are under a key the file does not hold.\n"
    "\n"
    "  --db FILE        database (default tipwatch.db)\n"
    "  --key-file FILE  the key file (default: see above)\n"
    "  --destroy-old    rotate: do not archive the retired keys\n";

static const char cases_help[] =
    "usage: tipwatch cases purge [--db FILE] [--config FILE] [--key-file FILE] [--dry-run]\n"
    "\n"
    "purge deletes the personal data of NRM cases closed more than retention_days\n"
    "ago (config [cases], default 1826: five years): each such case, its history,\n"
    "services, referrals, consents and attachments, keeping a de-identified row for\n"
    "the statistics. One transaction, written to the audit log. --dry-run only\n"
    "counts the cases that would go. The configuration is --config, else\n"
    "tipwatch.conf here, else the built-in defaults. Purging opens no sealed value,\n"
    "so it needs no key file; --key-file is accepted (and not read) so that the\n"
    "same options serve every keys and cases command.\n"
    "\n"
    "  --db FILE        database (default tipwatch.db)\n"
    "  --config FILE    configuration with the [cases] retention policy\n"
    "  --dry-run        count, change nothing\n";

/* Opens a database that must exist already (the keys and cases commands
 * never create one). */
static tw_err_t open_existing(const char *db, store_t **st, tw_errinfo_t *ei)
{
    struct stat sb;
    tw_errinfo_clear(ei);
    if (stat(db, &sb) != 0) {
        tw_errinfo_file(ei, db);
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no such database (name one with --db)");
    }
    return store_open(db, st, ei);
}

static void print_key_list(const keys_status_t *ks, char *out, size_t cap, int retired_only,
                           uint32_t below)
{
    size_t i, len = 0;
    out[0] = '\0';
    for (i = 0; i < ks->n && len + 16 < cap; i++) {
        int n;
        if (!ks->keys[i].in_file || (retired_only && ks->keys[i].key_id >= below))
            continue;
        n = snprintf(out + len, cap - len, "%s%lu", len ? ", " : "",
                     (unsigned long)ks->keys[i].key_id);
        if (n > 0)
            len += (size_t)n;
    }
}

static int cmd_keys(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"key-file", required_argument, NULL, 'k'},
                                             {"destroy-old", no_argument, NULL, 'D'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *key_opt = NULL, *sub;
    char key_path[4096], ids[256];
    keys_rotate_opts_t ro = {0};
    keys_rotation_t rot;
    keys_status_t ks;
    cases_actor_t sys = {NULL, NULL, 0};
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;
    struct stat sb;
    int c, rc = 0;
    size_t i;

    memset(&ks, 0, sizeof(ks));
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(keys_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "init") != 0 && strcmp(sub, "rotate") != 0 && strcmp(sub, "status") != 0)
        return usage_error("keys", "unknown subcommand '%s'", sub);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'k': key_opt = optarg; break;
        case 'D': ro.destroy_old = 1; break;
        case 'h': fputs(keys_help, stdout); return 0;
        default: return usage_error("keys", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    if (optind < argc)
        return usage_error("keys", "unexpected argument '%s'", argv[optind]);
    if (ro.destroy_old && strcmp(sub, "rotate") != 0)
        return usage_error("keys", "%s", "--destroy-old is for 'keys rotate'");
    tw_errinfo_clear(&ei);
    if ((err = vault_key_path(key_opt, db, key_path, sizeof(key_path), &ei)) != TW_OK)
        return report(err, &ei);

    if (strcmp(sub, "init") == 0) {
        /* a database that exists is checked for sealed values; none is made */
        if (stat(db, &sb) == 0 && (err = store_open(db, &st, &ei)) != TW_OK)
            goto out;
        if ((err = keys_init(st, key_path, &ei)) != TW_OK)
            goto out;
        printf("keys: created %s with key 1 (mode 0600)\n", key_path);
        printf("keys: keep it outside the database's directory and back it up apart from the\n"
               "      database: without it the encrypted case data cannot be read\n");
        goto out;
    }
    if ((err = open_existing(db, &st, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "status") == 0) {
        if ((err = keys_status(st, key_path, &ks, &ei)) != TW_OK)
            goto out;
        printf("key file: %s (current key %lu)\n", key_path, (unsigned long)ks.file_current);
        if (ks.store_current)
            printf("database: %s (current key %lu, rotated %s)\n", db,
                   (unsigned long)ks.store_current, ks.rotated_at);
        else
            printf("database: %s (no rotation recorded)\n", db);
        printf("%-10s %-8s %-14s %s\n", "key", "in file", "sealed values", "e.g.");
        for (i = 0; i < ks.n; i++) {
            if (ks.keys[i].key_id == 0)
                printf("%-10s %-8s %-14lld %s\n", "not-sealed", "-", ks.keys[i].blobs,
                       ks.keys[i].example);
            else
                printf("%-10lu %-8s %-14lld %s\n", (unsigned long)ks.keys[i].key_id,
                       ks.keys[i].in_file ? "yes" : "MISSING", ks.keys[i].blobs,
                       ks.keys[i].example);
        }
        printf("sealed values: %lld; under the current key %lu: %lld; under older keys: %lld\n",
               ks.blobs, (unsigned long)ks.file_current, ks.blobs - ks.not_current,
               ks.not_current - ks.unreadable);
        if (ks.store_current > ks.file_current)
            printf("warning: the database's current key %lu is newer than the key file's: "
                   "this is not the key file of the last rotation\n",
                   (unsigned long)ks.store_current);
        for (i = 0; i < ks.n; i++)
            if (!ks.keys[i].in_file && ks.keys[i].blobs > 0) {
                fprintf(stderr,
                        "tipwatch: %s: %lld sealed values (e.g. %s) are under key %lu, which "
                        "is not in the key file\n",
                        key_path, ks.keys[i].blobs, ks.keys[i].example,
                        (unsigned long)ks.keys[i].key_id);
                rc = 1;
            }
        goto out;
    }
    /* rotate: the system acts (the audit log records the OS user via cli) */
    if ((err = keys_status(st, key_path, &ks, &ei)) != TW_OK)
        goto out;
    err = keys_rotate(st, key_path, &ro, &sys, &rot, &ei);
    if (err != TW_OK && rot.key_id == 0)
        goto out;
    print_key_list(&ks, ids, sizeof(ids), 1, rot.key_id);
    printf("keys: key %lu is now current (was %lu): %lld sealed values re-sealed and every "
           "blind index recomputed under it, in one transaction\n",
           (unsigned long)rot.key_id, (unsigned long)rot.previous, rot.resealed);
    if (err != TW_OK)
        goto out; /* retiring failed: the message says what state it left */
    if (rot.retired == 0)
        printf("keys: no older key to retire\n");
    else if (rot.archive[0])
        printf("keys: retired key %s from %s into %s (mode 0600): keep that file offline as "
               "long as database backups from before this rotation are kept\n",
               ids, key_path, rot.archive);
    else
        printf("keys: retired key %s from %s and destroyed it (--destroy-old): backups from "
               "before this rotation can no longer be read\n",
               ids, key_path);
    printf("keys: restart any 'tipwatch serve' of this database now: it still holds the old "
           "keys, and its writes of case data are refused until it restarts\n");
out:
    if (err != TW_OK)
        rc = report(err, &ei);
    keys_status_free(&ks);
    store_close(st);
    return rc;
}

static int cmd_cases(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"key-file", required_argument, NULL, 'k'},
                                             {"dry-run", no_argument, NULL, 'n'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config_path = NULL;
    cases_actor_t sys = {NULL, NULL, 0};
    cases_policy_t pol;
    config_t *cfg = NULL;
    keys_purge_t res;
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;
    int c, rc = 0, dry = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(cases_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    if (strcmp(argv[1], "purge") != 0)
        return usage_error("cases", "unknown subcommand '%s'", argv[1]);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config_path = optarg; break;
        case 'k': break; /* accepted, not needed: purging opens no sealed value */
        case 'n': dry = 1; break;
        case 'h': fputs(cases_help, stdout); return 0;
        default: return usage_error("cases", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    if (optind < argc)
        return usage_error("cases", "unexpected argument '%s'", argv[optind]);
    tw_errinfo_clear(&ei);
    if ((err = load_config(config_path, &cfg, &ei)) != TW_OK)
        goto out;
    cases_policy_from_config(cfg, &pol);
    if ((err = open_existing(db, &st, &ei)) != TW_OK)
        goto out;
    if ((err = keys_purge(st, &pol, dry, &sys, &res, &ei)) != TW_OK)
        goto out;
    if (dry)
        printf("cases: %lld cases closed before %s (retention %d days) would be purged; nothing "
               "was "
               "changed (--dry-run)\n",
               res.cases, res.closed_before, pol.retention_days);
    else
        printf("cases: purged %lld cases closed before %s (retention %d days): their personal "
               "data is deleted, a de-identified row of each kept for the statistics\n",
               res.cases, res.closed_before, pol.retention_days);
out:
    if (err != TW_OK)
        rc = report(err, &ei);
    store_close(st);
    config_free(cfg);
    return rc;
}

/* ---- serve -------------------------------------------------------------- */

static const char serve_help[] =
    "usage: tipwatch serve [--db FILE] [--listen ADDR:PORT] [--web DIR] [--threads N]\n"
    "                      [--max-body BYTES] [--max-upload BYTES] [--max-header BYTES]\n"
    "                      [--timeout SECONDS] [--max-connections N] [--max-per-ip N]\n"
    "                      [--drain SECONDS] [--trusted-proxy ADDR] [--config FILE]\n"
    "                      [--index-check SECONDS] [--key-file FILE] [--quiet]\n"
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
    "  --drain SECONDS      at SIGTERM, how long requests in flight may take before\n"
    "                       their connections are closed (default 10)\n"
    "  --trusted-proxy ADDR the reverse proxy in front: from that address only, the\n"
    "                       client's address is the last X-Forwarded-For entry (for\n"
    "                       the sign-in limit and the audit log)\n"
    "  --config FILE        scoring configuration for POST /api/v1/score (default:\n"
    "                       tipwatch.conf here, else the built-in one)\n"
    "  --index-check SECONDS how often the warm scoring index looks for new rows in\n"
    "                       the store and reloads (default 60; at once after an\n"
    "                       import or a stored arrival through the API)\n"
    "  --key-file FILE      the key file of the NRM cases' encryption at rest\n"
    "                       (default: $TIPWATCH_KEY_FILE, else the database path +\n"
    "                       .key); read once at start. Without it the server still\n"
    "                       starts and every case endpoint answers 503 (tipwatch keys\n"
    "                       init creates it); a key file that is malformed or readable\n"
    "                       by others stops the server. The [cases] section of\n"
    "                       --config sets the case deadlines and the attachment limit\n"
    "  --quiet              no access log\n"
    "  --routes             print the routing table as CSV (method,path,auth,action)\n";

static int cmd_serve(int argc, char **argv)
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
        {NULL, 0, NULL, 0}};
    http_opts_t o;
    tw_errinfo_t ei;
    unsigned long long n;
    int c, routes = 0, rc;
    unsigned index_check = 60;
    const char *config_path = NULL, *key_file = NULL;
    char key_path[PATH_MAX];
    vault_t *vault = NULL;
    config_t *cfg = NULL;
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
                return usage_error("serve", "--web: '%s' is not a directory", optarg);
            o.web_dir = optarg;
            break;
        case 't':
            if (parse_u64(optarg, 1, 1024, &n))
                return usage_error("serve", "--threads must be 1..1024, not '%s'", optarg);
            o.threads = (unsigned)n;
            break;
        case 'b':
            if (parse_u64(optarg, 64, (1ULL << 30), &n))
                return usage_error("serve", "--max-body must be 64..1073741824, not '%s'",
                                   optarg);
            o.max_json_body = (size_t)n;
            break;
        case 'u':
            if (parse_u64(optarg, 64, (1ULL << 34), &n))
                return usage_error("serve", "--max-upload must be 64..17179869184, not '%s'",
                                   optarg);
            o.max_csv_body = (size_t)n;
            break;
        case 'H':
            if (parse_u64(optarg, 4096, (1ULL << 24), &n))
                return usage_error("serve", "--max-header must be 4096..16777216, not '%s'",
                                   optarg);
            o.max_header_bytes = (size_t)n;
            break;
        case 'T':
            if (parse_u64(optarg, 1, 86400, &n))
                return usage_error("serve", "--timeout must be 1..86400 seconds, not '%s'",
                                   optarg);
            o.timeout_s = (unsigned)n;
            break;
        case 'c':
            if (parse_u64(optarg, 1, 1000000, &n))
                return usage_error("serve", "--max-connections must be 1..1000000, not '%s'",
                                   optarg);
            o.max_connections = (unsigned)n;
            break;
        case 'p':
            if (parse_u64(optarg, 1, 1000000, &n))
                return usage_error("serve", "--max-per-ip must be 1..1000000, not '%s'",
                                   optarg);
            o.max_per_ip = (unsigned)n;
            break;
        case 'D':
            if (parse_u64(optarg, 0, 3600, &n))
                return usage_error("serve", "--drain must be 0..3600 seconds, not '%s'",
                                   optarg);
            o.drain_s = (unsigned)n;
            break;
        case 'P': o.trusted_proxy = optarg; break; /* checked by http_start() */
        case 'C': config_path = optarg; break;
        case 'I':
            if (parse_u64(optarg, 1, 86400, &n))
                return usage_error("serve", "--index-check must be 1..86400 seconds, not '%s'",
                                   optarg);
            index_check = (unsigned)n;
            break;
        case 'K': key_file = optarg; break;
        case 'q': o.access_log = 0; break;
        case 'r': routes = 1; break;
        case 'h': fputs(serve_help, stdout); return 0;
        default: return usage_error("serve", "%s", "bad option");
        }
    }
    if (optind < argc)
        return usage_error("serve", "unexpected argument '%s'", argv[optind]);
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
    if ((err = load_config(config_path, &cfg, &ei)) != TW_OK)
        return report(err, &ei);
    cases_policy_from_config(cfg, &o.cases);
    /* the NRM cases' keys: read once, shared read-only by every thread */
    if ((err = vault_key_path(key_file, o.db_path, key_path, sizeof(key_path), &ei)) != TW_OK) {
        config_free(cfg);
        return report(err, &ei);
    }
    o.key_path = key_path;
    if ((err = vault_open(key_path, &vault, &ei)) == TW_ENOTFOUND) {
        fprintf(stderr,
                "serve: warning: no key file %s: the NRM case endpoints answer 503 until it "
                "exists (tipwatch keys init creates it) and the server is restarted\n",
                key_path);
    } else if (err != TW_OK) {
        config_free(cfg);
        return report(err, &ei);
    }
    o.vault = vault;
    /* the warm index loads on its own thread while the server starts */
    if ((err = live_holder_start(o.db_path, cfg, index_check, &o.live)) != TW_OK) {
        vault_close(vault);
        config_free(cfg);
        return report(tw_errinfo_set(&ei, err, "cannot start the scoring index"), &ei);
    }
    rc = report(http_serve(&o, &ei), &ei);
    live_holder_stop(o.live);
    vault_close(vault);
    config_free(cfg);
    return rc;
}

/* ---- authz (hidden) ----------------------------------------------------- */

/* `tipwatch authz matrix`: role,action,scope for every role and action, as
 * authz_scope() decides them; tests/http/ compares the server against it. */
static int cmd_authz(int argc, char **argv)
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

static const char main_help[] =
    "usage: tipwatch <command> [options]\n"
    "\n"
    "commands:\n"
    "  import   load register exports (CSV) into the store\n"
    "  synth    write a synthetic register with planted schemes\n"
    "  stats    what the store holds: rows, rejects, entities\n"
    "  screen   compute every indicator, score entities, raise and update alerts\n"
    "  score    score applications as they arrive, against the index in memory\n"
    "  alerts   list, show (explain), export, transition and assign alerts\n"
    "  backtest precision, recall and volume of each indicator against outcomes\n"
    "  demo     synthesise, import and summarise in one go\n"
    "  user     add, list and disable accounts for the web UI and the API\n"
    "  token    create, list and revoke API tokens for API clients\n"
    "  audit    verify and list the hash-chained audit log\n"
    "  keys     create, rotate and report the keys of the case data at rest\n"
    "  cases    purge NRM cases past their retention\n"
    "  serve    the JSON API and the web UI over HTTP\n"
    "\n"
    "'tipwatch <command> --help' for a command's options; 'man tipwatch' for more.\n";

int cli_main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"import", cmd_import}, {"synth", cmd_synth},   {"stats", cmd_stats},
                {"screen", cmd_screen}, {"score", cmd_score},   {"alerts", cmd_alerts},
                {"backtest", cmd_backtest}, {"demo", cmd_demo}, {"user", cmd_user},
                {"token", cmd_token},   {"audit", cmd_audit},   {"serve", cmd_serve},
                {"authz", cmd_authz},   {"keys", cmd_keys},     {"cases", cmd_cases}};
    size_t i;

    if (argc < 2) {
        fputs(main_help, stderr);
        return 1;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(main_help, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("tipwatch %s\n", TW_VERSION);
        return 0;
    }
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "tipwatch: unknown command '%s' (see 'tipwatch --help')\n", argv[1]);
    return 1;
}
