/*
 * cmd_screen.c - tipwatch screen, score, alerts and backtest: the engine over the store (full
 * and shadow screenings, live scores, the alert lifecycle, backtests).
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

#include "base/privfile.h"
#include "engine/alerts.h"
#include "engine/backtest.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/indicators.h"
#include "engine/live.h"
#include "engine/score.h"
#include "engine/screen.h"
#include "store/store.h"

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
tw_err_t cli_load_config(const char *path, config_t **cfg, tw_errinfo_t *ei)
{
    struct stat sb;
    if (path)
        return config_load_file(path, ind_ids(), cfg, ei);
    if (stat(DEFAULT_CONFIG, &sb) == 0)
        return config_load_file(DEFAULT_CONFIG, ind_ids(), cfg, ei);
    return config_default(cfg);
}

int cli_run_screen(const char *db, const char *config_path, const char *hits_path,
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
    if ((err = cli_load_config_db(config_path, db, &cfg, &ei)) != TW_OK ||
        (err = cli_open_existing(db, &st, &ei)) != TW_OK ||
        (err = screen_run(st, cfg, &o, &sum, &ei)) != TW_OK)
        rc = cli_report(err, &ei);
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
    if ((err = cli_load_config_db(NULL, db, &cur, &ei)) != TW_OK ||
        (err = cli_load_config(config_path, &cand, &ei)) != TW_OK ||
        (err = cli_open_existing(db, &st, &ei)) != TW_OK || (err = engine_load(st, &e, &ei)) != TW_OK) {
        rc = cli_report(err, &ei);
        goto out;
    }
    if ((err = alerts_load_suppressions(st, engine_index(e), &sup, &ei)) != TW_OK) {
        rc = cli_report(err, &ei);
        goto out;
    }
    if ((err = ind_compute_all(engine_index(e), cur, &h1)) != TW_OK ||
        (err = score_compute_suppressed(engine_index(e), &h1, cur, &sup, &s1)) != TW_OK ||
        (err = ind_compute_all(engine_index(e), cand, &h2)) != TW_OK ||
        (err = score_compute_suppressed(engine_index(e), &h2, cand, &sup, &s2)) != TW_OK) {
        tw_errinfo_set(&ei, err, "screening: %s", tw_strerror(err));
        rc = cli_report(err, &ei);
        goto out;
    }
    printf("shadow: config in force %s, candidate %s (%s)\n", config_version(cur),
           config_version(cand), config_path);
    if ((err = alerts_shadow(st, engine_index(e), &s1, &s2, show, stdout, &sum)) != TW_OK) {
        tw_errinfo_set(&ei, err, "comparing: %s", tw_strerror(err));
        rc = cli_report(err, &ei);
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

int cmd_screen(int argc, char **argv)
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
            if (cli_parse_u64(optarg, 0, 1000000, &show))
                return cli_usage_error("screen", "--show must be 0..1000000, not '%s'", optarg);
            break;
        case 'h': fputs(screen_help, stdout); return 0;
        default: return cli_usage_error("screen", "%s", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("screen", "unexpected argument '%s'", argv[optind]);
    if (shadow && incremental)
        return cli_usage_error("screen", "%s", "--shadow compares whole screenings: no --incremental");
    if (shadow) {
        if (!config_path)
            return cli_usage_error("screen", "%s", "--shadow needs --config NEW");
        return run_shadow(db, config_path, (size_t)show);
    }
    return cli_run_screen(db, config_path, hits_path, incremental, quiet);
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

/* The largest employers' applications, measured apart: their
 * neighbourhoods are the largest, so a random sample rarely shows them.
 * Up to n / 10 (at least 100) applications drawn at random from the 10
 * employers with the most applications, each scored in place of itself;
 * CPU time percentiles. */
static tw_err_t score_largest(live_t *lv, unsigned long long n, uint64_t *x, tw_errinfo_t *ei)
{
    const eng_index_t *ix = live_index(lv);
    const eng_postings_t *P = &ix->apps_by_employer;
    uint32_t top[10] = {0}, e, total = 0;
    size_t m = n / 10 < 100 ? 100 : (size_t)(n / 10), i, hmax = 0;
    double *cpu = NULL;
    int k, ntop = 0;
    tw_err_t err = TW_OK;

    for (e = 1; P->off && e < P->n; e++) {
        uint32_t sz = P->off[e + 1] - P->off[e];
        if (!sz || (ntop == 10 && sz <= P->off[top[9] + 1] - P->off[top[9]]))
            continue;
        for (k = ntop < 10 ? ntop++ : 9; k > 0 && P->off[top[k - 1] + 1] - P->off[top[k - 1]] < sz;
             k--)
            top[k] = top[k - 1];
        top[k] = e;
    }
    if (ntop == 0)
        return TW_OK;
    for (k = 0; k < ntop; k++)
        total += P->off[top[k] + 1] - P->off[top[k]];
    if (!(cpu = malloc(m * sizeof(*cpu))))
        return TW_ENOMEM;
    for (i = 0; i < m; i++) {
        live_input_t in;
        live_result_t r;
        struct timespec c0, c1;
        uint32_t pick, a;
        *x = *x * 6364136223846793005ull + 1442695040888963407ull;
        pick = (uint32_t)((*x >> 33) % total);
        for (k = 0; pick >= P->off[top[k] + 1] - P->off[top[k]]; k++)
            pick -= P->off[top[k] + 1] - P->off[top[k]];
        a = P->items[P->off[top[k]] + pick];
        memset(&in, 0, sizeof(in));
        in.app = ix->apps[a];
        in.application_id = eng_str(ix, ix->apps[a].key);
        in.replaces = a + 1;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
        err = live_score(lv, &in, &r, ei);
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
        if (err != TW_OK)
            break;
        cpu[i] = elapsed_us(&c0, &c1);
        hmax = r.neighbourhood > hmax ? r.neighbourhood : hmax;
        live_result_free(&r);
    }
    if (err == TW_OK) {
        qsort(cpu, m, sizeof(*cpu), cmp_double);
        printf("score: largest employers (%d, %u to %u applications): %zu scored, cpu time p50 "
               "%.0f us, p90 %.0f us, p99 %.0f us, max %.0f us; neighbourhood up to %zu "
               "applications\n",
               ntop, P->off[top[ntop - 1] + 1] - P->off[top[ntop - 1]],
               P->off[top[0] + 1] - P->off[top[0]], m, cpu[m / 2],
               cpu[(size_t)((double)m * 0.9)], cpu[(size_t)((double)m * 0.99)], cpu[m - 1],
               hmax);
    }
    free(cpu);
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
            /* a worker is scored as its person (engine.h, worker_rep) */
            uint32_t e = k == 0   ? a
                         : k == 1 ? (ix->worker_rep && ap->worker ? ix->worker_rep[ap->worker]
                                                                  : ap->worker)
                                  : ap->employer;
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
    if ((err = score_largest(lv, n, &x, ei)) != TW_OK)
        goto out;
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

int cmd_score(int argc, char **argv)
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
            if (cli_parse_u64(optarg, 1, 10000000, &sample))
                return cli_usage_error("score", "--sample must be 1..10000000, not '%s'", optarg);
            break;
        case 's':
            if (cli_parse_u64(optarg, 0, UINT32_MAX, &seed))
                return cli_usage_error("score", "--seed must be a whole number, not '%s'", optarg);
            break;
        case 'h': fputs(score_help, stdout); return 0;
        default: return cli_usage_error("score", "%s", "bad option");
        }
    }
    if (!sample && optind >= argc)
        return cli_usage_error("score", "%s", "give APPLICATION_IDs or --sample N");
    if (sample && optind < argc)
        return cli_usage_error("score", "unexpected argument '%s' with --sample", argv[optind]);
    tw_errinfo_clear(&ei);
    if ((err = cli_load_config_db(config_path, db, &cfg, &ei)) == TW_OK &&
        (err = cli_open_existing(db, &st, &ei)) == TW_OK && (err = live_open(st, cfg, &lv, &ei)) == TW_OK)
        err = sample ? score_sample(lv, cfg, sample, seed, &ei)
                     : score_ids(lv, argv + optind, argc - optind, &ei);
    live_close(lv);
    store_close(st);
    config_free(cfg);
    return cli_report(err, &ei);
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

int cmd_alerts(int argc, char **argv)
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
        return cli_usage_error("alerts", "unknown subcommand '%s'", sub);
    memset(&f, 0, sizeof(f));
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l':
            for (i = 0; levels[i] && strcmp(levels[i], optarg) != 0; i++)
                ;
            if (!levels[i])
                return cli_usage_error("alerts", "--level must be low, medium or high, not '%s'",
                                   optarg);
            f.level = optarg;
            break;
        case 's':
            for (i = 0; statuses[i] && strcmp(statuses[i], optarg) != 0; i++)
                ;
            if (!statuses[i])
                return cli_usage_error("alerts", "unknown --status '%s'", optarg);
            f.status = optarg;
            break;
        case 't': f.entity_type = optarg; break;
        case 'i':
            if (ind_find(optarg) < 0)
                return cli_usage_error("alerts", "unknown --indicator '%s'", optarg);
            f.indicator = optarg;
            break;
        case 'n':
            if (cli_parse_u64(optarg, 1, 100000000ULL, &n))
                return cli_usage_error("alerts", "--limit must be a positive number, not '%s'",
                                   optarg);
            f.limit = (long)n;
            break;
        case 'f':
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0)
                return cli_usage_error("alerts", "--format must be csv or json, not '%s'", optarg);
            format = optarg;
            break;
        case 'o': outpath = optarg; break;
        case 'r': reason = optarg; break;
        case 'a': actor = optarg; break;
        case 'u': until = optarg; break;
        case 'h': fputs(alerts_help, stdout); return 0;
        default: return cli_usage_error("alerts", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    tw_errinfo_clear(&ei);
    if ((err = cli_open_existing(db, &st, &ei)) != TW_OK)
        return cli_report(err, &ei);
    if (strcmp(sub, "show") == 0 || strcmp(sub, "transition") == 0 ||
        strcmp(sub, "assign") == 0 || strcmp(sub, "suppress") == 0 ||
        strcmp(sub, "unsuppress") == 0) {
        long long id;
        char *end;
        int needs = strcmp(sub, "show") == 0 ? 1 : 2;
        if (argc - optind != needs) {
            store_close(st);
            return cli_usage_error("alerts", "%s",
                               needs == 1 ? "show needs an alert ID"
                                          : "transition needs ID STATUS, assign ID NAME, "
                                            "suppress and unsuppress ID INDICATOR");
        }
        errno = 0;
        id = strtoll(argv[optind], &end, 10);
        if (errno || *end || id <= 0) {
            store_close(st);
            return cli_usage_error("alerts", "not an alert ID: '%s'", argv[optind]);
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
                    return cli_usage_error("alerts", "unknown status '%s'", arg);
                }
                err = alerts_transition(st, id, arg, actor, reason, &ei);
            } else if (strcmp(sub, "assign") == 0) {
                err = alerts_assign(st, id, strcmp(arg, "-") == 0 ? NULL : arg, actor, &ei);
            } else if (strcmp(sub, "suppress") == 0) {
                if (!until) {
                    store_close(st);
                    return cli_usage_error("alerts", "%s", "suppress needs --until DATE");
                }
                err = alerts_suppress(st, id, arg, until, reason, actor, &ei);
            } else {
                err = alerts_unsuppress(st, id, arg, reason, actor, &ei);
            }
            if (err != TW_OK) {
                rc = cli_report(err, &ei);
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
        if (outpath && !(out = privfile_create(outpath))) {
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

int cmd_backtest(int argc, char **argv)
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
                return cli_usage_error("backtest", "--format must be table or csv, not '%s'", optarg);
            break;
        case 'h': fputs(backtest_help, stdout); return 0;
        default: return cli_usage_error("backtest", "%s", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("backtest", "unexpected argument '%s'", argv[optind]);
    tw_errinfo_clear(&ei);
    if ((err = cli_load_config_db(config_path, db, &cfg, &ei)) != TW_OK ||
        (err = cli_open_existing(db, &st, &ei)) != TW_OK ||
        (err = backtest_run(st, cfg, sweep, fmt, stdout, &ei)) != TW_OK)
        rc = cli_report(err, &ei);
    store_close(st);
    config_free(cfg);
    return rc;
}

/* ---- demo --------------------------------------------------------------- */

/* The demo account: a published password, fit only for the synthetic
 * register the demo makes (docs/ui.md); it is the same on every run, so a
 * second run into the same DIR finds the account of the first. */
