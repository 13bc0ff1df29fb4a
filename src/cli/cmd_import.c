/*
 * cmd_import.c - tipwatch import, synth and stats: registers in (CSV files into the store,
 * the synthetic register, what the store holds).
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

#include "engine/config.h"
#include "ingest/import.h"
#include "store/store.h"
#include "synth/synth.h"

static const char import_help[] =
    "usage: tipwatch import [--db FILE] [--register NAME] [--mapping FILE]\n"
    "                       [--rejects FILE] [--batch-rows N] [--bulk MODE]\n"
    "                       [--progress MODE] [--strict] [--quiet] [--screen] FILE...\n"
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
    "  --bulk MODE       auto (default), on or off: load the file in one\n"
    "                    transaction and build the register's indexes after\n"
    "                    the rows (auto: files of 32 MiB or more, when the store\n"
    "                    holds at most half as many rows of the register as the\n"
    "                    file); a killed bulk import leaves the store as it was\n"
    "  --progress MODE   auto (default), bar, plain or none\n"
    "  --strict          exit 1 when any row was rejected\n"
    "  --quiet           no per-file summary, no extra-column warnings\n"
    "  --screen          then link the new rows into persons (tipwatch link) and\n"
    "                    screen what they touch (screen --incremental)\n";

int cli_run_screen(const char *db, const char *config_path, const char *hits_path,
                      int incremental, int quiet);

int cmd_import(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},       {"register", required_argument, NULL, 'r'},
        {"mapping", required_argument, NULL, 'm'},  {"rejects", required_argument, NULL, 'j'},
        {"batch-rows", required_argument, NULL, 'b'}, {"progress", required_argument, NULL, 'p'},
        {"strict", no_argument, NULL, 's'},         {"quiet", no_argument, NULL, 'q'},
        {"screen", no_argument, NULL, 'S'},         {"help", no_argument, NULL, 'h'},
        {"bulk", required_argument, NULL, 'B'},
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
    opts.cancel = &cli_interrupted;
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': opts.register_name = optarg; break;
        case 'm': opts.mapping_path = optarg; break;
        case 'j': opts.rejects_path = optarg; break;
        case 'b':
            if (cli_parse_u64(optarg, 1, 10000000, &n))
                return cli_usage_error("import", "--batch-rows must be 1..10000000, not '%s'",
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
                return cli_usage_error("import", "unknown --progress mode '%s'", optarg);
            break;
        case 'B':
            if (strcmp(optarg, "auto") == 0)
                opts.bulk = IMPORT_BULK_AUTO;
            else if (strcmp(optarg, "on") == 0)
                opts.bulk = IMPORT_BULK_ON;
            else if (strcmp(optarg, "off") == 0)
                opts.bulk = IMPORT_BULK_OFF;
            else
                return cli_usage_error("import", "--bulk must be auto, on or off, not '%s'",
                                       optarg);
            break;
        case 's': strict = 1; break;
        case 'q': opts.quiet = 1; break;
        case 'S': screen = 1; break;
        case 'h': fputs(import_help, stdout); return 0;
        default: return cli_usage_error("import", "%s", "bad option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("import", "%s", "no FILE to import");
    if (opts.register_name && !reg_by_name(opts.register_name))
        return cli_usage_error("import", "unknown register '%s'", opts.register_name);
    if (opts.rejects_path && opts.rejects_path[0] && argc - optind > 1)
        return cli_usage_error("import", "%s", "--rejects FILE takes one input file only");

    tw_errinfo_clear(&ei);
    if ((err = store_open(db, &st, &ei)) != TW_OK)
        return cli_report(err, &ei);
    signal(SIGINT, cli_on_signal);
    signal(SIGTERM, cli_on_signal);
    for (i = optind; i < argc && !cli_interrupted; i++) {
        import_result_t res;
        err = import_file(st, argv[i], &opts, &res, &ei);
        if (err != TW_OK) {
            int code = cli_report(err, &ei);
            if (code > rc)
                rc = code;
            continue;
        }
        if (res.counts.rows_rejected)
            any_rejected = 1;
        if (!opts.quiet) {
            double rate = res.seconds > 0 ? (double)res.counts.rows_read / res.seconds : 0;
            printf("%s: %s: %lld read, %lld new, %lld new versions, %lld unchanged, "
                   "%lld rejected, %lld warnings in %.2f s (%.0f rows/s%s)\n",
                   argv[i], reg_get(res.reg)->name, res.counts.rows_read, res.counts.rows_new,
                   res.counts.rows_versioned, res.counts.rows_unchanged,
                   res.counts.rows_rejected, res.counts.warnings, res.seconds, rate,
                   res.bulk ? ", bulk" : "");
            if (res.rows_repeated)
                printf("%s: %lld of the rejected rows have a key that comes again later in the "
                       "file (the last row of a key is the one kept)\n",
                       argv[i], res.rows_repeated);
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
    if (screen && !cli_interrupted) {
        /* rows committed by the files that did import are linked into
         * persons and screened even when another file failed */
        int src = cli_link_persons(db, opts.quiet);
        if (src > rc)
            rc = src;
        src = cli_run_screen(db, NULL, NULL, 1, opts.quiet);
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
    "                      [--world FILE] [world options]\n"
    "\n"
    "Writes a synthetic register: permits.csv, border_crossings.csv,\n"
    "inspections.csv, reports.csv and outcomes.csv in the canonical format, with\n"
    "planted trafficking schemes and benign look-alikes (truth.csv), the person\n"
    "behind each record (persons.csv), deliberately bad rows (bad_rows.csv) and\n"
    "row counts (manifest.csv). The same options\n"
    "always give the same files.\n"
    "\n"
    "  --out DIR          output directory (created if missing)\n"
    "  --applications N   permit applications (default 10000, at least 100)\n"
    "  --seed S           random seed (default 1)\n"
    "  --bad-rate R       fraction of rows made invalid (default 0.001)\n"
    "\n"
    "World options (check a result on worlds other than the default one). A\n"
    "--world FILE holds `key = value` lines with the same names (underscores:\n"
    "wage_level = 0.6); a flag overrides the file.\n"
    "  --world FILE                 read world parameters from FILE\n"
    "  --nationality-mix SPEC       background share per citizenship, e.g.\n"
    "                               IND=40,NPL=20,RUS=10 (others 0; default: the\n"
    "                               built-in mix, RUS 30 %, IND 20 %, ...)\n"
    "  --wage-level X               multiply background wages (default 1; 0.2..5;\n"
    "                               below 1 many pay sits near the minimum)\n"
    "  --employer-tail A            Pareto tail index of employer sizes (default\n"
    "                               1.15; 0.5..4; lower: more large employers)\n"
    "  --apps-per-employer K        mean applications per employer (default 11.5;\n"
    "                               2..500)\n"
    "  --intermediary-share S       expected share of background applications\n"
    "                               through an intermediary (default: about 0.11;\n"
    "                               0..0.95)\n"
    "  --scheme-prevalence X        multiply the number of planted schemes\n"
    "                               (default 1: one per ~3,000 applications; 0.1..20)\n"
    "  --label-share F              keep this fraction of the outcome labels\n"
    "                               (default 1; 0..1)\n"
    "  --label-noise Q              flip this fraction of the recorded labels,\n"
    "                               confirmed <-> cleared (default 0; 0..0.5)\n"
    "  --confirmed-only             write only confirmed outcomes\n"
    "                               (positive-unlabelled)\n";

static int run_synth(const char *dir, unsigned long long apps, unsigned long long seed,
                     double bad_rate, const synth_world_t *world, int quiet)
{
    synth_opts_t so;
    synth_summary_t sum;
    tw_errinfo_t ei;
    tw_err_t err;

    memset(&so, 0, sizeof(so));
    so.out_dir = dir;
    so.applications = apps;
    so.seed = seed;
    so.world = world;
    /* synth reads 0 as "the default"; on the command line 0 means none */
    so.bad_row_rate = bad_rate > 0 ? bad_rate : -1.0;
    tw_errinfo_clear(&ei);
    if ((err = synth_run(&so, &sum, &ei)) != TW_OK)
        return cli_report(err, &ei);
    if (!quiet)
        printf("synth: %s: %llu permits, %llu border crossings, %llu inspections, "
               "%llu reports, %llu outcomes; %llu planted entities in %llu schemes\n",
               dir, (unsigned long long)sum.rows[0], (unsigned long long)sum.rows[1],
               (unsigned long long)sum.rows[2], (unsigned long long)sum.rows[3],
               (unsigned long long)sum.rows[4], (unsigned long long)sum.planted_entities,
               (unsigned long long)sum.schemes);
    return 0;
}

int cli_run_synth(const char *dir, unsigned long long apps, unsigned long long seed,
                     double bad_rate, int quiet)
{
    return run_synth(dir, apps, seed, bad_rate, NULL, quiet);
}

/* World flags: the long option name, the synth_world_set() key. */
static const char *const world_flags[][2] = {
    {"nationality-mix", "nationality_mix"},     {"wage-level", "wage_level"},
    {"employer-tail", "employer_tail"},         {"apps-per-employer", "apps_per_employer"},
    {"intermediary-share", "intermediary_share"}, {"scheme-prevalence", "scheme_prevalence"},
    {"label-share", "label_share"},             {"label-noise", "label_noise"},
    {"confirmed-only", "confirmed_only"}};
#define NWORLD_FLAGS ((int)(sizeof(world_flags) / sizeof(world_flags[0])))

int cmd_synth(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},      {"applications", required_argument, NULL, 'n'},
        {"seed", required_argument, NULL, 's'},     {"bad-rate", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},           {"world", required_argument, NULL, 'w'},
        {"nationality-mix", required_argument, NULL, 1000},
        {"wage-level", required_argument, NULL, 1001},
        {"employer-tail", required_argument, NULL, 1002},
        {"apps-per-employer", required_argument, NULL, 1003},
        {"intermediary-share", required_argument, NULL, 1004},
        {"scheme-prevalence", required_argument, NULL, 1005},
        {"label-share", required_argument, NULL, 1006},
        {"label-noise", required_argument, NULL, 1007},
        {"confirmed-only", no_argument, NULL, 1008},
        {NULL, 0, NULL, 0}};
    const char *out = NULL, *world_file = NULL;
    const char *wval[NWORLD_FLAGS] = {NULL};
    unsigned long long apps = 10000, seed = 1;
    double bad = 0.001;
    synth_world_t world;
    tw_errinfo_t ei;
    int any_world = 0;
    char *end;
    int c, i;

    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'n':
            if (cli_parse_u64(optarg, 100, 100000000ULL, &apps))
                return cli_usage_error("synth", "--applications must be 100..100000000, not '%s'",
                                   optarg);
            break;
        case 's':
            if (cli_parse_u64(optarg, 0, ~0ULL, &seed))
                return cli_usage_error("synth", "--seed must be a whole number, not '%s'", optarg);
            break;
        case 'b':
            errno = 0;
            bad = strtod(optarg, &end);
            if (errno || *end || end == optarg || !(bad >= 0 && bad <= 0.5))
                return cli_usage_error("synth", "--bad-rate must be 0..0.5, not '%s'", optarg);
            break;
        case 'w': world_file = optarg; break;
        case 'h': fputs(synth_help, stdout); return 0;
        default:
            if (c >= 1000 && c < 1000 + NWORLD_FLAGS) {
                wval[c - 1000] = c == 1008 ? "yes" : optarg;
                any_world = 1;
                break;
            }
            return cli_usage_error("synth", "%s", "bad option");
        }
    }
    if (!out)
        return cli_usage_error("synth", "%s", "--out DIR is required");
    if (optind < argc)
        return cli_usage_error("synth", "unexpected argument '%s'", argv[optind]);
    if (!world_file && !any_world)
        return run_synth(out, apps, seed, bad, NULL, 0);
    synth_world_default(&world);
    tw_errinfo_clear(&ei);
    if (world_file) {
        tw_err_t err = synth_world_load(&world, world_file, &ei);
        if (err != TW_OK)
            return cli_report(err, &ei);
    }
    for (i = 0; i < NWORLD_FLAGS; i++) {
        if (!wval[i])
            continue;
        if (synth_world_set(&world, world_flags[i][1], wval[i], &ei) != TW_OK) {
            char msg[sizeof(ei.msg) + 64];
            snprintf(msg, sizeof(msg), "--%s: %s", world_flags[i][0], ei.msg);
            return cli_usage_error("synth", "%s", msg);
        }
    }
    return run_synth(out, apps, seed, bad, &world, 0);
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

int cli_print_stats(const char *db)
{
    static const char *const ent_names[ENT_COUNT] = {"workers", "employers", "intermediaries",
                                                     "addresses", "phones"};
    store_t *st = NULL;
    store_stats_t s;
    tw_errinfo_t ei;
    tw_err_t err;
    int i;

    tw_errinfo_clear(&ei);
    /* a read: a database that does not exist is said so, never created */
    if ((err = cli_open_existing(db, &st, &ei)) != TW_OK)
        return cli_report(err, &ei);
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
    printf("\nimport batches: %lld (%lld interrupted, %lld running)\n", s.batches,
           s.batches_interrupted, s.batches_running);
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

int cmd_stats(int argc, char **argv)
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
        default: return cli_usage_error("stats", "%s", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("stats", "unexpected argument '%s'", argv[optind]);
    return cli_print_stats(db);
}

