/*
 * cmd_link.c - tipwatch link (persons across the registers, or any CSV
 * files) and tipwatch persons (export, show).
 * Conventions (exit statuses, --help, stdout/stderr): cli_int.h.
 */
#include "cli/cli_int.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "link/files.h"
#include "link/persons.h"

static const char link_help[] =
    "usage: tipwatch link [--db FILE] [--config FILE] [--full] [--quiet]\n"
    "       tipwatch link --files A.csv [--files B.csv] --id COLUMN --fields SPEC\n"
    "                     --out PAIRS.csv [--threshold W] [--block-cap N] [--seed S]\n"
    "\n"
    "Links the records of the permit, border-crossing and report registers into\n"
    "persons (Fellegi-Sunter, parameters estimated on the data by EM). Person ids\n"
    "are stable: a person keeps its id across runs, a merge keeps the older id and\n"
    "records the other as merged into it, a split is recorded. After the first run\n"
    "only new and changed records are compared (--full compares all again and\n"
    "re-estimates the model). 'tipwatch persons' shows the result.\n"
    "\n"
    "With --files: links any CSV files instead. One file: deduplication; two:\n"
    "linkage of the first to the second. SPEC is column:kind[:format],... with kinds\n"
    "given, family, date (formats YYYY-MM-DD, YYYYMMDD, DD.MM.YYYY, DD/MM/YYYY,\n"
    "YYYY), id, postcode, number, address, place, region, code, phone. Writes\n"
    "left,right,weight,probability for every linked pair.\n"
    "\n"
    "  --db FILE        database (default tipwatch.db)\n"
    "  --config FILE    the [link] section: threshold, review_low, veto, block_cap\n"
    "  --full           compare every record again and re-estimate the model\n"
    "  --threshold W    match weight that links (default 4.25, probability 0.95)\n"
    "  --block-cap N    records in one block at most (default 500); larger blocks\n"
    "                   are reported and not compared\n"
    "  --seed S         seed of the random pairs the u probabilities come from\n"
    "  --quiet          no summary\n";

static int parse_double(const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    return end != s && *end == '\0' ? 0 : -1;
}

int cmd_link(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},        {"config", required_argument, NULL, 'c'},
        {"files", required_argument, NULL, 'f'},     {"id", required_argument, NULL, 'i'},
        {"fields", required_argument, NULL, 'F'},    {"out", required_argument, NULL, 'o'},
        {"threshold", required_argument, NULL, 't'}, {"block-cap", required_argument, NULL, 'b'},
        {"seed", required_argument, NULL, 's'},      {"full", no_argument, NULL, 'A'},
        {"quiet", no_argument, NULL, 'q'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config = NULL, *files[2] = {NULL, NULL};
    const char *id = NULL, *spec = NULL, *out = NULL;
    link_opts_t lo;
    tw_errinfo_t ei;
    unsigned long long v;
    int c, nfiles = 0, quiet = 0, full = 0, have_threshold = 0, have_cap = 0;
    tw_err_t err;

    link_opts_default(&lo);
    tw_errinfo_clear(&ei);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'c':
            config = optarg;
            break;
        case 'f':
            if (nfiles == 2)
                return cli_usage_error("link", "at most two --files (%s)", optarg);
            files[nfiles++] = optarg;
            break;
        case 'i':
            id = optarg;
            break;
        case 'F':
            spec = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 't':
            if (parse_double(optarg, &lo.threshold) != 0)
                return cli_usage_error("link", "--threshold: '%s' is not a number", optarg);
            have_threshold = 1;
            break;
        case 'b':
            if (cli_parse_u64(optarg, 2, 100000000, &v) != 0)
                return cli_usage_error("link", "--block-cap: '%s' is not in 2..100000000",
                                       optarg);
            lo.block_cap = (size_t)v;
            have_cap = 1;
            break;
        case 's':
            if (cli_parse_u64(optarg, 0, UINT64_MAX, &v) != 0)
                return cli_usage_error("link", "--seed: '%s' is not a number", optarg);
            lo.seed = v;
            break;
        case 'A':
            full = 1;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'h':
            fputs(link_help, stdout);
            return 0;
        default:
            return cli_usage_error("link", "%s", "unknown option");
        }
    }
    if (optind < argc) {
        /* `link --files A.csv B.csv`: a second file named without --files */
        if (nfiles == 1 && optind + 1 == argc)
            files[nfiles++] = argv[optind];
        else
            return cli_usage_error("link", "unexpected argument '%s'", argv[optind]);
    }
    if (nfiles > 0) {
        link_files_opts_t fo;
        if (!id || !spec || !out)
            return cli_usage_error("link", "%s", "--files needs --id, --fields and --out");
        memset(&fo, 0, sizeof fo);
        fo.files[0] = files[0];
        fo.files[1] = files[1];
        fo.id_column = id;
        fo.spec = spec;
        fo.out = out;
        fo.opts = lo;
        fo.log = quiet ? NULL : stderr;
        err = link_files_run(&fo, &ei);
        return err ? cli_report(err, &ei) : 0;
    }
    if (id || spec || out)
        return cli_usage_error("link", "%s", "--id, --fields and --out go with --files");
    {
        persons_opts_t po;
        persons_opts_default(&po);
        po.link = lo;
        po.have_threshold = have_threshold;
        po.have_block_cap = have_cap;
        po.full = full;
        po.config_path = config;
        po.log = quiet ? NULL : stderr;
        err = persons_link(db, &po, &ei);
        return err ? cli_report(err, &ei) : 0;
    }
}

static const char persons_help[] =
    "usage: tipwatch persons export [--db FILE] [--format csv|json] [--out FILE]\n"
    "       tipwatch persons show [--db FILE] ID\n"
    "       tipwatch persons history [--db FILE]\n"
    "\n"
    "export: one row per linked record, record,person_id, with record\n"
    "permits:APPLICATION_ID, border:CROSSING_ID or reports:REPORT_ID.\n"
    "show: the person's records across the registers and the evidence of each link\n"
    "(comparison levels and their weights, the prior, the total). An id that was\n"
    "merged into another shows where it went.\n"
    "history: the merges and splits of person ids, oldest first.\n"
    "\n"
    "  --db FILE        database (default tipwatch.db)\n"
    "  --format F       csv (default) or json\n"
    "  --out FILE       write there instead of stdout\n";

int cmd_persons(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'}, {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *format = "csv", *outp = NULL, *sub;
    tw_errinfo_t ei;
    FILE *out = stdout;
    int c, rc;
    tw_err_t err;

    tw_errinfo_clear(&ei);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(persons_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    optind = 2;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            outp = optarg;
            break;
        case 'h':
            fputs(persons_help, stdout);
            return 0;
        default:
            return cli_usage_error("persons", "%s", "unknown option");
        }
    }
    if (strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
        return cli_usage_error("persons", "--format: '%s' is not csv or json", format);
    if (outp && !(out = fopen(outp, "w"))) {
        fprintf(stderr, "tipwatch persons: %s: cannot write\n", outp);
        return 1;
    }
    if (strcmp(sub, "export") == 0) {
        err = persons_export(db, strcmp(format, "json") == 0, out, &ei);
    } else if (strcmp(sub, "show") == 0) {
        unsigned long long pid;
        if (optind + 1 != argc || cli_parse_u64(argv[optind], 1, INT64_MAX, &pid) != 0) {
            rc = cli_usage_error("persons", "show needs one person id (%s)",
                                 optind < argc ? argv[optind] : "none given");
            goto done;
        }
        err = persons_show(db, (int64_t)pid, out, &ei);
    } else if (strcmp(sub, "history") == 0) {
        err = persons_history(db, out, &ei);
    } else {
        rc = cli_usage_error("persons", "unknown subcommand '%s' (export, show, history)", sub);
        goto done;
    }
    rc = err ? cli_report(err, &ei) : 0;
done:
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "tipwatch persons: %s: write failed\n", outp);
        rc = 2;
    }
    return rc;
}

int cli_link_persons(const char *db, int quiet)
{
    persons_opts_t po;
    tw_errinfo_t ei;
    tw_err_t err;

    persons_opts_default(&po);
    po.log = quiet ? NULL : stderr;
    tw_errinfo_clear(&ei);
    if ((err = persons_link(db, &po, &ei)) != TW_OK)
        return cli_report(err, &ei);
    return 0;
}
