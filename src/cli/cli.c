/*
 * cli.c - the `tipwatch` command line: the table of commands, the main
 * help, and what every command file shares (error reports, number
 * parsing, the interrupt flag). The commands live one family per file,
 * cmd_<family>.c; conventions in cli_int.h.
 */
#include "cli/cli.h"
#include "cli/cli_int.h"
#include "store/store.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

volatile sig_atomic_t cli_interrupted;

void cli_on_signal(int sig)
{
    (void)sig;
    cli_interrupted = 1;
}

int cli_report(tw_err_t err, const tw_errinfo_t *ei)
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

/* Opens a database that must exist already: read commands never create
 * one (cli_int.h). */
tw_err_t cli_open_existing(const char *db, store_t **st, tw_errinfo_t *ei)
{
    struct stat sb;
    tw_errinfo_clear(ei);
    if (stat(db, &sb) != 0) {
        tw_errinfo_file(ei, db);
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no such database (name one with --db)");
    }
    return store_open(db, st, ei);
}

int cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "tipwatch %s: ", cmd);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see 'tipwatch %s --help')\n", cmd);
    return 1;
}

/* Whole positive number within [lo, hi]; 0 on success. */
int cli_parse_u64(const char *s, unsigned long long lo, unsigned long long hi,
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
    "  calibrate learn the score's weights from the outcome labels, write a config\n"
    "  rank     every entity of a kind by its score, alerted or not (the watch list)\n"
    "  config   propose, approve (four eyes), roll back and list adopted configs\n"
    "  demo     synthesise, import and summarise in one go\n"
    "  user     add, list and disable accounts for the web UI and the API\n"
    "  token    create, list and revoke API tokens for API clients\n"
    "  audit    verify and list the hash-chained audit log\n"
    "  keys     create, rotate and report the keys of the case data at rest\n"
    "  cases    purge NRM cases past their retention\n"
    "  report   patterns of migration and recruitment, data quality, SDG 16.2.2, GLOTIP\n"
    "  export   the k-anonymous CTDC extract of the NRM cases, and its checker\n"
    "  serve    the JSON API and the web UI over HTTP\n"
    "  link     link the registers' records into persons (or any CSV files)\n"
    "  persons  export and show persons and the evidence of their links\n"
    "  outreach information messages to workers at permit events: plan, send\n"
    "  exercise simulation exercises: create, score, replay\n"
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
                {"authz", cmd_authz},   {"keys", cmd_keys},     {"cases", cmd_cases},
                {"report", cmd_report}, {"export", cmd_export},
                {"link", cmd_link},     {"persons", cmd_persons},
                {"calibrate", cmd_calibrate}, {"rank", cmd_rank}, {"config", cmd_config},
                {"outreach", cmd_outreach}, {"exercise", cmd_exercise}};
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
        printf("tipwatch %s (SQLite %s)\n", TW_VERSION, store_sqlite_version());
        return 0;
    }
    for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "tipwatch: unknown command '%s' (see 'tipwatch --help')\n", argv[1]);
    return 1;
}

