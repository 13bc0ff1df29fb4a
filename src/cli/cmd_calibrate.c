/*
 * cmd_calibrate.c - tipwatch calibrate: weights and priors learnt from the
 * outcome labels in the store, written as a complete new config
 * (engine/calibrate.h). Conventions (exit statuses, --help): cli_int.h.
 */
#include "cli/cli_int.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/calibrate.h"
#include "engine/config.h"
#include "engine/indicators.h"

static const char calibrate_help[] =
    "usage: tipwatch calibrate [--db FILE] [--config BASE] --out NEW.conf\n"
    "                          [--recall R] [--folds K] [--labels-per-feature N]\n"
    "                          [--version V] [--keep-weights F] [--fit-thresholds]\n"
    "\n"
    "Learns the score's weights from the outcome labels in the store (outcomes.csv:\n"
    "confirmed and cleared entities): per kind of labelled entity (application,\n"
    "worker, employer, intermediary) a logistic model on the indicator strengths the\n"
    "score sums, weights between 0 and 10 (evidence only raises a score) pulled\n"
    "toward BASE's, classes balanced, checked by K-fold cross-validation with folds\n"
    "chosen by employer (default 5). Entities without a label are unlabelled, not\n"
    "cleared; the report says whether cleared labels existed.\n"
    "\n"
    "Prints per kind the labelled counts, PR-AUC and ROC-AUC, precision and recall\n"
    "at the three levels and the calibration by decile, before (BASE) and after\n"
    "(cross-validated), then writes NEW.conf: BASE with [score] prior_KIND and\n"
    "[indicator ID] weight_KIND added, and a new version (--version, else BASE's\n"
    "with a digest). Level low is placed so that each kind has as many entities\n"
    "at level low or above as under BASE on this register (the same workload,\n"
    "better ranked); with --recall R, where cross-validation reaches R of the\n"
    "confirmed labels instead (labels are the cases found so far, often the\n"
    "easier ones: R of them is usually less of all cases).\n"
    "\n"
    "--keep-weights F keeps every weight at least F times BASE's (default 0):\n"
    "labels hold only the schemes found so far, and an indicator of a kind of\n"
    "scheme never found would otherwise be learnt away.\n"
    "\n"
    "--fit-thresholds first fits a few indicators' thresholds (wage_far_below_peers\n"
    "ratio, permits_over_headcount ratio, intermediary_share share,\n"
    "crowded_residence min_workers, new_employer_many_permits min_applications,\n"
    "employer_peer_anomaly z), one at a time over a short grid, each value judged\n"
    "by the mean cross-validated PR-AUC of the kinds with enough labels; a value\n"
    "replaces BASE's only when it gains at least 0.01. The report lists every\n"
    "value tried; the weights are then fitted on the thresholds chosen.\n"
    "\n"
    "A kind is fitted only with at least N confirmed labels per feature in use\n"
    "(default 10); otherwise it keeps BASE's weights. When no kind can be fitted\n"
    "nothing is written and the exit status is 1. BASE is --config, else\n"
    "tipwatch.conf here, else the built-in config. Labels that contradict each\n"
    "other or name no entity are counted in the report and left out.\n";

/* The base config and its text: --config, ./tipwatch.conf, or built in. */
static tw_err_t load_base(const char *path, config_t **cfg, char **text, size_t *len,
                          tw_errinfo_t *ei)
{
    struct stat sb;
    FILE *f;
    size_t n;

    *text = NULL;
    if (!path && stat(DEFAULT_CONFIG, &sb) == 0)
        path = DEFAULT_CONFIG;
    if (!path) {
        const char *t = config_builtin_text(len);
        if ((*text = malloc(*len + 1)) == NULL)
            return TW_ENOMEM;
        memcpy(*text, t, *len);
        (*text)[*len] = 0;
        return config_default(cfg);
    }
    if ((f = fopen(path, "rb")) == NULL)
        return tw_errinfo_set(ei, errno == ENOENT ? TW_ENOTFOUND : TW_EIO, "%s: %s", path,
                              strerror(errno));
    if ((*text = malloc((1u << 20) + 1)) == NULL) {
        fclose(f);
        return TW_ENOMEM;
    }
    n = fread(*text, 1, (1u << 20) + 1, f);
    fclose(f);
    if (n > (1u << 20)) {
        free(*text);
        *text = NULL;
        return tw_errinfo_set(ei, TW_EINPUT, "%s: larger than 1 MiB", path);
    }
    *len = n;
    return config_parse(*text, n, path, ind_ids(), cfg, ei);
}

int cmd_calibrate(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"out", required_argument, NULL, 'o'},
                                             {"recall", required_argument, NULL, 'r'},
                                             {"folds", required_argument, NULL, 'k'},
                                             {"labels-per-feature", required_argument, NULL, 'e'},
                                             {"version", required_argument, NULL, 'v'},
                                             {"keep-weights", required_argument, NULL, 'w'},
                                             {"fit-thresholds", no_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config_path = NULL, *out_path = NULL;
    calibrate_opts_t o;
    config_t *base = NULL;
    char *base_text = NULL, *text = NULL, tmp[4096];
    size_t len = 0;
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_err_t err;
    unsigned long long u;
    char *end;
    int c, rc = 0;

    memset(&o, 0, sizeof(o));
    optind = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config_path = optarg; break;
        case 'o': out_path = optarg; break;
        case 'r':
            o.recall = strtod(optarg, &end);
            if (*end || end == optarg || !(o.recall > 0 && o.recall <= 1))
                return cli_usage_error("calibrate", "--recall must be a number in (0, 1], not '%s'",
                                       optarg);
            break;
        case 'k':
            if (cli_parse_u64(optarg, 2, 20, &u) != 0)
                return cli_usage_error("calibrate", "--folds must be 2 to 20, not '%s'", optarg);
            o.folds = (unsigned)u;
            break;
        case 'e':
            if (cli_parse_u64(optarg, 1, 1000, &u) != 0)
                return cli_usage_error("calibrate",
                                       "--labels-per-feature must be 1 to 1000, not '%s'", optarg);
            o.epv = (double)u;
            break;
        case 'v': o.version = optarg; break;
        case 't': o.fit_thresholds = 1; break;
        case 'w':
            o.keep = strtod(optarg, &end);
            if (*end || end == optarg || !(o.keep >= 0 && o.keep <= 1))
                return cli_usage_error("calibrate",
                                       "--keep-weights must be a number in [0, 1], not '%s'",
                                       optarg);
            break;
        case 'h': fputs(calibrate_help, stdout); return 0;
        default: return cli_usage_error("calibrate", "%s", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("calibrate", "unexpected argument '%s'", argv[optind]);
    if (!out_path)
        return cli_usage_error("calibrate", "%s", "--out NEW.conf is required");
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", out_path) >= (int)sizeof(tmp))
        return cli_usage_error("calibrate", "--out path too long: '%s'", out_path);
    tw_errinfo_clear(&ei);
    if ((err = load_base(config_path, &base, &base_text, &len, &ei)) != TW_OK ||
        (err = cli_open_existing(db, &st, &ei)) != TW_OK) {
        rc = cli_report(err, &ei);
        goto out;
    }
    o.base = base;
    o.base_text = base_text;
    o.base_len = len;
    if ((err = calibrate_run(st, &o, stdout, &text, &len, &ei)) != TW_OK) {
        fflush(stdout);
        rc = cli_report(err, &ei);
        goto out;
    }
    {
        FILE *f = fopen(tmp, "wb");
        if (!f || fwrite(text, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
            fprintf(stderr, "tipwatch calibrate: %s: %s\n", tmp, strerror(errno));
            if (f)
                fclose(f);
            unlink(tmp);
            rc = 2;
            goto out;
        }
        if (fclose(f) != 0 || rename(tmp, out_path) != 0) {
            fprintf(stderr, "tipwatch calibrate: %s: %s\n", out_path, strerror(errno));
            unlink(tmp);
            rc = 2;
            goto out;
        }
    }
    printf("written: %s\n", out_path);
out:
    free(text);
    free(base_text);
    config_free(base);
    store_close(st);
    return rc;
}
