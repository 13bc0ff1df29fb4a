/*
 * cmd_rank.c - tipwatch rank: the watch list, every entity of one kind by
 * its score, alerted or not (engine/rank.h). Conventions: cli_int.h.
 */
#include "cli/cli_int.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "engine/config.h"
#include "engine/rank.h"

static const char rank_help[] =
    "usage: tipwatch rank [--db FILE] [--config FILE]\n"
    "                     --entity application|worker|employer|intermediary|address|phone\n"
    "                     [--top N] [--format csv|json]\n"
    "\n"
    "Screens the store in memory (nothing is written) and lists every entity of the\n"
    "kind by its score, highest first, alerted or not: the watch list an inspectorate\n"
    "plans its visits from. Columns entity_key, score, level, top_indicators (up to\n"
    "three, strongest first, separated by ';'). --top N keeps the first N (default:\n"
    "all). CSV by default; json writes one object per line. The config is --config,\n"
    "else the one adopted in the store ('tipwatch config'), else tipwatch.conf here,\n"
    "else the built-in one.\n";

int cmd_rank(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"entity", required_argument, NULL, 'e'},
                                             {"top", required_argument, NULL, 't'},
                                             {"format", required_argument, NULL, 'f'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config_path = NULL;
    rank_format_t fmt = RANK_CSV;
    unsigned long long top = 0;
    int kind = -1, c, rc = 0;
    config_t *cfg = NULL;
    store_t *st = NULL;
    rank_list_t l;
    tw_errinfo_t ei;
    tw_err_t err;

    memset(&l, 0, sizeof(l));
    optind = 0;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config_path = optarg; break;
        case 'e':
            if ((kind = rank_kind_parse(optarg)) < 0)
                return cli_usage_error("rank",
                                       "--entity must be application, worker, employer, "
                                       "intermediary, address or phone, not '%s'",
                                       optarg);
            break;
        case 't':
            if (cli_parse_u64(optarg, 1, 100000000, &top) != 0)
                return cli_usage_error("rank", "--top must be a whole number from 1, not '%s'",
                                       optarg);
            break;
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                fmt = RANK_CSV;
            else if (strcmp(optarg, "json") == 0)
                fmt = RANK_JSON;
            else
                return cli_usage_error("rank", "--format must be csv or json, not '%s'", optarg);
            break;
        case 'h': fputs(rank_help, stdout); return 0;
        default: return cli_usage_error("rank", "%s", "bad option");
        }
    }
    if (optind < argc)
        return cli_usage_error("rank", "unexpected argument '%s'", argv[optind]);
    if (kind < 0)
        return cli_usage_error("rank", "%s", "--entity KIND is required");
    tw_errinfo_clear(&ei);
    if ((err = cli_load_config_db(config_path, db, &cfg, &ei)) != TW_OK ||
        (err = cli_open_existing(db, &st, &ei)) != TW_OK ||
        (err = rank_compute(st, cfg, (ind_kind_t)kind, (size_t)top, &l, &ei)) != TW_OK ||
        (err = rank_write(&l, fmt, stdout)) != TW_OK)
        rc = cli_report(err, &ei);
    rank_list_free(&l);
    store_close(st);
    config_free(cfg);
    return rc;
}
