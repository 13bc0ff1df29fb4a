/*
 * cli_int.h - what the command files of src/cli/ share (private to the
 * folder). One file per command family (cmd_<family>.c); each command is
 * `int cmd_<name>(int argc, char **argv)` with argv[0] the command's name,
 * registered in the table of cli.c.
 *
 * Exit status of every command: 0 success; 1 user error, with one line on
 * stderr naming the file, line and field; 2 internal error (store, I/O,
 * memory). Every command accepts --help. Output meant for people goes to
 * stdout; progress, warnings and errors to stderr.
 */
#ifndef TW_CLI_INT_H
#define TW_CLI_INT_H

#include <signal.h>
#include <stdio.h>

#include "base/err.h"
#include "engine/config.h"
#include "store/store.h"

#define DEFAULT_DB "tipwatch.db"
#define DEFAULT_CONFIG "tipwatch.conf"

/* Set by cli_on_signal() (SIGINT, SIGTERM); long commands poll it. */
extern volatile sig_atomic_t cli_interrupted;
void cli_on_signal(int sig);

/* Prints ei (or err's message) on stderr; returns the exit status for err. */
int cli_report(tw_err_t err, const tw_errinfo_t *ei);
/* "tipwatch CMD: <fmt with arg>" and the hint to --help; returns 1. */
int cli_usage_error(const char *cmd, const char *fmt, const char *arg);
/* A whole decimal number in [lo, hi]; 0 on success, -1 otherwise. */
int cli_parse_u64(const char *s, unsigned long long lo, unsigned long long hi,
                  unsigned long long *out);

/* The config at path (NULL: the built-in one); the caller frees *cfg. */
tw_err_t cli_load_config(const char *path, config_t **cfg, tw_errinfo_t *ei);
/* A full (or incremental) screening of db, as `tipwatch screen`. */
int cli_run_screen(const char *db, const char *config_path, const char *hits_path,
                   int incremental, int quiet);
/* A synthetic register into dir, as `tipwatch synth`. */
int cli_run_synth(const char *dir, unsigned long long apps, unsigned long long seed,
                  double bad_rate, int quiet);
/* Links the store's records into persons with the default options, as
 * `tipwatch link` (progress on stderr unless quiet); an exit status.
 * cmd_link.c. */
int cli_link_persons(const char *db, int quiet);
/* What the store holds, as `tipwatch stats`. */
int cli_print_stats(const char *db);
/* Opens a store that must already exist (never creates one). */
tw_err_t cli_open_existing(const char *db, store_t **st, tw_errinfo_t *ei);
/* One accounts change and its audit entry in one transaction. */
tw_err_t cli_begin(store_t *st, tw_errinfo_t *ei);
tw_err_t cli_finish(store_t *st, tw_err_t err, tw_errinfo_t *ei);

/* The commands, by family. */
int cmd_import(int argc, char **argv); /* cmd_import.c */
int cmd_synth(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_screen(int argc, char **argv); /* cmd_screen.c */
int cmd_score(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_backtest(int argc, char **argv);
int cmd_link(int argc, char **argv); /* cmd_link.c */
int cmd_persons(int argc, char **argv);
int cmd_demo(int argc, char **argv);   /* cmd_demo.c */
int cmd_user(int argc, char **argv);   /* cmd_access.c */
int cmd_token(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_authz(int argc, char **argv);
int cmd_keys(int argc, char **argv);   /* cmd_cases.c */
int cmd_cases(int argc, char **argv);
int cmd_serve(int argc, char **argv);  /* cmd_serve.c */
int cmd_report(int argc, char **argv); /* cmd_report.c */
int cmd_export(int argc, char **argv);
int cmd_calibrate(int argc, char **argv); /* cmd_calibrate.c */
int cmd_rank(int argc, char **argv);      /* cmd_rank.c */
int cmd_config(int argc, char **argv);    /* cmd_config.c */
/* The config in force for a store: --config (path), else the one adopted in
 * the store (tipwatch config), else cli_load_config(NULL). cmd_config.c. */
tw_err_t cli_load_config_db(const char *path, const char *db, config_t **cfg, tw_errinfo_t *ei);
int cmd_outreach(int argc, char **argv); /* cmd_outreach.c */
int cmd_exercise(int argc, char **argv); /* cmd_exercise.c */

#endif
