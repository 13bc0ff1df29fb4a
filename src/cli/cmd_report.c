/*
 * cmd_report.c - `tipwatch report` (patterns of labour migration and
 * recruitment, data quality, SDG 16.2.2, GLOTIP tables) and `tipwatch
 * export` (the k-anonymous CTDC extract and its checker). The numbers come
 * from src/stats/ (definitions in docs/internals/stats.md); this file parses
 * options, opens the store and writes the tables.
 *
 * Output goes to stdout or --out; errors to stderr with the exit statuses
 * of cli_int.h. Nothing is written to the store except the audit entries the
 * case aggregates write.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_int.h"
#include "stats/mse.h"
#include "cases/vault.h"
#include "stats/mse_lists.h"
#include "stats/nrm_stats.h"
#include "stats/stats.h"

static const char report_help[] =
    "usage: tipwatch report patterns [--db FILE] [--from DATE] [--to DATE]\n"
    "                       --table NAME [--format csv|json|html] [--out FILE]\n"
    "       tipwatch report quality [--db FILE] [--from DATE] [--to DATE] [--trend]\n"
    "                       [--format csv|json|html] [--out FILE]\n"
    "       tipwatch report sdg --population FILE [--db FILE] [--year YYYY]\n"
    "                       [--format csv|json|html] [--out FILE]\n"
    "       tipwatch report glotip [--db FILE] [--year YYYY] [--table victims|offenders]\n"
    "                       [--format csv|json|html] [--out FILE]\n"
    "       tipwatch report mse [--db FILE] [--key-file FILE] [--histories FILE]\n"
    "                       [--criterion aic|bic] [--format csv|json|html] [--out FILE]\n"
    "\n"
    "Patterns of labour migration and recruitment from the registers, the\n"
    "data-quality report per register, and the statistics the country reports\n"
    "from the NRM cases. Every column is defined in docs/internals/stats.md. A\n"
    "period with no data gives the tables' headers and no rows.\n"
    "\n"
    "  --table NAME      corridors, recruitment, concentration, wages, flows,\n"
    "                    trends, or all (json and html only: one printable report);\n"
    "                    glotip: victims (default) or offenders (suspected\n"
    "                    offenders recorded on the cases)\n"
    "  --from, --to DATE the period (YYYY-MM-DD, inclusive; default: everything)\n"
    "  --trend           quality: the trend by month instead of the summary\n"
    "  --population FILE sdg: population per year, sex and age group (CSV,\n"
    "                    docs/internals/stats.md, \"Population file\")\n"
    "  --year YYYY       sdg, glotip: one year (default: every year with cases)\n"
    "  mse               how many victims no list has found: the NRM cases per\n"
    "                    organisation, the confirmed alerts and the reports,\n"
    "                    counted per person (run `tipwatch link` first; the key\n"
    "                    file opens the cases' worker keys); log-linear models\n"
    "                    ranked by AIC or BIC, the first chosen, with a 95 %\n"
    "                    profile-likelihood interval; refuses thin overlaps;\n"
    "                    json and html add the capture histories themselves\n"
    "  --histories FILE  mse: capture histories from elsewhere instead (CSV: one\n"
    "                    0/1 column per list and count)\n"
    "  --criterion C     mse: aic (default) or bic\n"
    "  --key-file FILE   mse: the key file (default $TIPWATCH_KEY_FILE, else the\n"
    "                    database path + .key)\n"
    "  --format F        csv (default), json or html\n"
    "  --out FILE        write there instead of stdout\n";

static const char export_help[] =
    "usage: tipwatch export ctdc [--db FILE] [--k K] --out FILE.csv\n"
    "       tipwatch export check [--k K] FILE.csv\n"
    "\n"
    "ctdc: one row per NRM case in the CTDC / HTCDS v2.0 shape, k-anonymous over\n"
    "its quasi-identifiers (year of registration, sex, age group, citizenship,\n"
    "country of exploitation, forms of exploitation and of control, recruiter\n"
    "relation, labour sector): every combination present at least K times\n"
    "(default 11), by generalising and suppressing; the loss is reported on\n"
    "stderr. check: verifies that a file has no combination present fewer than\n"
    "K times; exits 1 naming the rarest combination otherwise.\n"
    "\n"
    "  --k K        the least count of a combination (2..1000, default 11)\n"
    "  --out FILE   where the extract goes\n";

static tw_err_t write_out(const char *path, const tw_buf_t *b, tw_errinfo_t *ei)
{
    FILE *f = path ? fopen(path, "wb") : stdout;
    if (!f) {
        tw_errinfo_set(ei, TW_EIO, "cannot write %s", path);
        tw_errinfo_file(ei, path);
        return TW_EIO;
    }
    if (b->len && fwrite(b->p, 1, b->len, f) != b->len) {
        if (path)
            fclose(f);
        tw_errinfo_file(ei, path ? path : "stdout");
        return tw_errinfo_set(ei, TW_EIO, "writing failed");
    }
    if (path && fclose(f) != 0) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_EIO, "writing failed");
    }
    if (!path)
        fflush(stdout);
    return TW_OK;
}

/* Writes the tables: one (any format), several as one JSON array or one
 * printable HTML page titled `title`. */
static tw_err_t write_tables(stats_table_t *const *t, size_t n, stats_format_t fmt,
                             const char *title, const char *subtitle, tw_buf_t *b)
{
    tw_err_t err = TW_OK;
    size_t i;
    if (fmt == STATS_HTML)
        err = stats_html_begin(b, title, subtitle);
    else if (fmt == STATS_JSON && n != 1)
        err = buf_addc(b, '[');
    for (i = 0; err == TW_OK && i < n; i++) {
        if (fmt == STATS_JSON && n != 1 && i)
            err = buf_addc(b, ',');
        if (err == TW_OK)
            err = stats_table_write(t[i], fmt, b);
    }
    if (err == TW_OK && fmt == STATS_HTML)
        err = stats_html_end(b);
    else if (err == TW_OK && fmt == STATS_JSON && n != 1)
        err = buf_adds(b, "]\n");
    return err;
}

static void period_text(const char *from, const char *to, char *out, size_t cap)
{
    snprintf(out, cap, "Period: %s to %s", from && *from ? from : "the first record",
             to && *to ? to : "the last record");
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"from", required_argument, NULL, 'f'},
                                             {"to", required_argument, NULL, 't'},
                                             {"table", required_argument, NULL, 'T'},
                                             {"format", required_argument, NULL, 'F'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"trend", no_argument, NULL, 'r'},
                                             {"population", required_argument, NULL, 'p'},
                                             {"year", required_argument, NULL, 'y'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"histories", required_argument, NULL, 'H'},
                                             {"criterion", required_argument, NULL, 'C'},
                                             {"key-file", required_argument, NULL, 'K'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *histories = NULL, *key_file = NULL, *criterion = NULL;
    mse_opts_t mo;
    const char *db = DEFAULT_DB, *from = NULL, *to = NULL, *table = NULL, *format = "csv";
    const char *out = NULL, *population = NULL, *config_path = NULL, *sub;
    stats_table_t *tabs[STATS_PATTERN_COUNT + 2] = {NULL};
    size_t ntabs = 0, i;
    stats_format_t fmt;
    stats_period_t per;
    stats_data_t *d = NULL;
    config_t *cfg = NULL;
    store_t *st = NULL;
    tw_buf_t b;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;
    unsigned long long year = 0;
    int c, rc = 0, trend = 0;
    char subtitle[512];

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(report_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "patterns") && strcmp(sub, "quality") && strcmp(sub, "sdg") &&
        strcmp(sub, "glotip") && strcmp(sub, "mse"))
        return cli_usage_error("report", "unknown report '%s'", sub);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'f': from = optarg; break;
        case 't': to = optarg; break;
        case 'T': table = optarg; break;
        case 'F': format = optarg; break;
        case 'o': out = optarg; break;
        case 'r': trend = 1; break;
        case 'p': population = optarg; break;
        case 'c': config_path = optarg; break;
        case 'H': histories = optarg; break;
        case 'K': key_file = optarg; break;
        case 'C':
            criterion = optarg;
            if (strcmp(optarg, "aic") && strcmp(optarg, "bic"))
                return cli_usage_error("report", "--criterion must be aic or bic, not '%s'",
                                       optarg);
            break;
        case 'y':
            if (cli_parse_u64(optarg, 1900, 9999, &year) != 0)
                return cli_usage_error("report", "--year must be a year YYYY, not '%s'", optarg);
            break;
        case 'h': fputs(report_help, stdout); return 0;
        default: return cli_usage_error("report", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    if (optind < argc)
        return cli_usage_error("report", "unexpected argument '%s'", argv[optind]);
    tw_errinfo_clear(&ei);
    buf_init(&b, (size_t)1 << 30);
    if ((err = stats_format_parse(format, &fmt, &ei)) != TW_OK ||
        (err = stats_period_parse(from, to, &per, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "patterns") == 0) {
        stats_pattern_t p = STATS_CORRIDORS;
        int all = table && strcmp(table, "all") == 0;
        if (!table) {
            err = tw_errinfo_set(&ei, TW_EINPUT, "--table is required (corridors, recruitment, "
                                                 "concentration, wages, flows, trends or all)");
            tw_errinfo_field(&ei, "--table");
            goto out;
        }
        if (all && fmt == STATS_CSV) {
            err = tw_errinfo_set(&ei, TW_EINPUT, "--table all needs --format json or html");
            tw_errinfo_field(&ei, "--table");
            goto out;
        }
        if (!all && (err = stats_pattern_parse(table, &p, &ei)) != TW_OK)
            goto out;
        if ((err = cli_load_config(config_path, &cfg, &ei)) != TW_OK ||
            (err = cli_open_existing(db, &st, &ei)) != TW_OK ||
            (err = stats_data_load(st, cfg,
                                   all ? STATS_LOAD_CROSSINGS : stats_pattern_needs(p), &d,
                                   &ei)) != TW_OK)
            goto out;
        for (i = all ? 0 : (size_t)p; i < (all ? STATS_PATTERN_COUNT : (size_t)p + 1); i++)
            if ((err = stats_pattern(d, (stats_pattern_t)i, &per, &tabs[ntabs++], &ei)) != TW_OK)
                goto out;
        period_text(from, to, subtitle, sizeof(subtitle));
        err = write_tables(tabs, ntabs, fmt, "Patterns of labour migration and recruitment",
                           subtitle, &b);
    } else if (strcmp(sub, "quality") == 0) {
        if ((err = cli_open_existing(db, &st, &ei)) != TW_OK ||
            (err = stats_quality(st, &per, trend ? NULL : &tabs[0], trend ? &tabs[0] : NULL,
                                 &ei)) != TW_OK)
            goto out;
        ntabs = 1;
        period_text(from, to, subtitle, sizeof(subtitle));
        err = write_tables(tabs, ntabs, fmt, "Data quality of the registers", subtitle, &b);
    } else if (strcmp(sub, "mse") == 0) {
        mse_data_t md;
        mse_lists_info_t li;
        mse_opts_default(&mo);
        mo.criterion = criterion && strcmp(criterion, "bic") == 0 ? MSE_BIC : MSE_AIC;
        if (histories) {
            if ((err = mse_load(histories, &md, &ei)) != TW_OK)
                goto out;
            snprintf(subtitle, sizeof(subtitle),
                     "Capture histories from %s; assumptions in docs/internals/stats.md",
                     histories);
        } else {
            nrm_actor_t sys = {NULL, NULL, 0};
            char key_path[4096];
            vault_t *v = NULL;
            if ((err = cli_open_existing(db, &st, &ei)) != TW_OK ||
                (err = vault_key_path(key_file, db, key_path, sizeof(key_path), &ei)) != TW_OK)
                goto out;
            if ((err = vault_open(key_path, &v, &ei)) != TW_OK) {
                tw_errinfo_file(&ei, key_path);
                goto out;
            }
            err = mse_lists_load(st, v, &sys, &md, &li, &ei);
            vault_close(v);
            if (err != TW_OK)
                goto out;
            fprintf(stderr,
                    "mse: %lld persons on %d lists: %lld cases (%lld a person of their own, "
                    "%lld whose key did not open; %d organisations, %d merged into nrm:other), "
                    "%lld confirmed alerts on persons (%lld on other entities and %lld on "
                    "unlinked workers left out), %lld linked report records\n",
                    li.persons, md.k, li.cases, li.cases_own, li.cases_unreadable, li.orgs,
                    li.orgs_merged, li.alerts, li.alerts_other, li.alerts_unlinked, li.reports);
            snprintf(subtitle, sizeof(subtitle),
                     "%lld persons on the lists of this store, counted through the person "
                     "linkage; assumptions in docs/internals/stats.md",
                     li.persons);
        }
        if ((err = mse_estimate(&md, &mo, &tabs[0], &ei)) != TW_OK)
            goto out;
        ntabs = 1;
        /* json and html: the histories too, after the models */
        if (fmt != STATS_CSV && (err = mse_histories(&md, &tabs[ntabs++], &ei)) != TW_OK)
            goto out;
        err = write_tables(tabs, ntabs, fmt, "Multiple systems estimation", subtitle, &b);
    } else {
        nrm_actor_t sys = {NULL, NULL, 0};
        if (strcmp(sub, "glotip") == 0 && table && strcmp(table, "victims") &&
            strcmp(table, "offenders")) {
            err = tw_errinfo_set(&ei, TW_EINPUT, "glotip's --table is victims or offenders, not '%s'",
                                 table);
            tw_errinfo_field(&ei, "--table");
            goto out;
        }
        if (strcmp(sub, "sdg") == 0) {
            if ((err = nrm_population_load(population, NULL, &ei)) != TW_OK)
                goto out; /* refuses before the store is opened: names the file it needs */
        }
        if ((err = cli_open_existing(db, &st, &ei)) != TW_OK)
            goto out;
        if (strcmp(sub, "sdg") == 0)
            err = nrm_sdg_1622(st, &sys, population, (int)year, &tabs[0], &ei);
        else if (table && strcmp(table, "offenders") == 0)
            err = nrm_glotip_offenders(st, &sys, (int)year, &tabs[0], &ei);
        else
            err = nrm_glotip(st, &sys, (int)year, &tabs[0], &ei);
        if (err != TW_OK)
            goto out;
        ntabs = 1;
        if (year)
            snprintf(subtitle, sizeof(subtitle), "Year: %llu", year);
        else
            snprintf(subtitle, sizeof(subtitle), "Every year with cases");
        err = write_tables(tabs, ntabs, fmt,
                           strcmp(sub, "sdg") == 0 ? "SDG indicator 16.2.2"
                           : table && strcmp(table, "offenders") == 0
                               ? "Suspected offenders detected (GLOTIP)"
                               : "Victims detected (GLOTIP)",
                           subtitle, &b);
    }
    if (err != TW_OK) {
        tw_errinfo_set(&ei, err, "writing the report: %s", tw_strerror(err));
        goto out;
    }
    err = write_out(out, &b, &ei);
out:
    if (err != TW_OK)
        rc = cli_report(err, &ei);
    for (i = 0; i < ntabs; i++)
        stats_table_free(tabs[i]);
    buf_free(&b);
    stats_data_free(d);
    store_close(st);
    config_free(cfg);
    return rc;
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"k", required_argument, NULL, 'k'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *out = NULL, *sub;
    unsigned long long k = NRM_CTDC_K_DEFAULT;
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;
    int c, rc = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(export_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "ctdc") && strcmp(sub, "check"))
        return cli_usage_error("export", "unknown export '%s'", sub);
    optind = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': out = optarg; break;
        case 'k':
            if (cli_parse_u64(optarg, 2, 1000, &k) != 0)
                return cli_usage_error("export", "--k must be a whole number 2..1000, not '%s'",
                                       optarg);
            break;
        case 'h': fputs(export_help, stdout); return 0;
        default: return cli_usage_error("export", "%s", "bad option");
        }
    }
    optind++;
    tw_errinfo_clear(&ei);
    if (strcmp(sub, "check") == 0) {
        nrm_kcheck_t res;
        if (optind + 1 != argc)
            return cli_usage_error("export", "check needs one FILE.csv%s", "");
        err = nrm_ctdc_check(argv[optind], (int)k, &res, &ei);
        if (err == TW_OK)
            printf("export check: %s is %llu-anonymous: %lld rows, %lld combinations of the "
                   "quasi-identifiers, the rarest present %lld times\n",
                   argv[optind], k, res.rows, res.classes, res.min_count);
        goto done;
    }
    if (optind < argc)
        return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
    if (!out)
        return cli_usage_error("export", "ctdc needs --out FILE.csv%s", "");
    {
        nrm_actor_t sys = {NULL, NULL, 0};
        nrm_ctdc_loss_t loss;
        if ((err = cli_open_existing(db, &st, &ei)) != TW_OK ||
            (err = nrm_ctdc_export(st, &sys, (int)k, out, &loss, &ei)) != TW_OK)
            goto done;
        fprintf(stderr,
                "export ctdc: %lld cases, %lld rows written to %s (k = %llu); %lld rows "
                "suppressed whole, %lld values generalised, %lld values suppressed\n",
                loss.cases, loss.rows, out, k, loss.rows_suppressed, loss.generalised,
                loss.values_suppressed);
    }
done:
    if (err != TW_OK)
        rc = cli_report(err, &ei);
    store_close(st);
    return rc;
}
