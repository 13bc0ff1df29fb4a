/*
 * cmd_exercise.c - tipwatch exercise: simulation exercises (create, score,
 * replay). The work is in src/training/exercise.h; this file parses
 * options. Conventions: cli_int.h.
 */
#include "cli/cli_int.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "training/exercise.h"

static const char exercise_help[] =
    "usage: tipwatch exercise create --out DIR [--applications N] [--seed S]\n"
    "                                [--teams red,blue] [--schemes TYPOLOGY,...]\n"
    "                                [--world FILE]\n"
    "       tipwatch exercise score --dir DIR\n"
    "       tipwatch exercise replay --dir DIR [--team TEAM]\n"
    "\n"
    "A training register with planted schemes and one store per team, ready\n"
    "for trainees to work in the normal web UI (tipwatch serve --db\n"
    "DIR/teams/TEAM/exercise.db): screened, with accounts TEAM-analyst and\n"
    "TEAM-cw and a key file for NRM cases. The truth (which schemes were\n"
    "planted) and the accounts' passwords stay in DIR/trainer/, readable by\n"
    "the trainer only; no team store holds them. --schemes limits scoring to\n"
    "those typologies (the register still holds every scheme).\n"
    "score compares each team's decisions with the truth: schemes found,\n"
    "victims reached (NRM cases for planted workers), false leads, time from\n"
    "first sign-in to first action, referrals with consent; writes\n"
    "DIR/trainer/debrief.html. replay lists a team's decisions in order, each\n"
    "beside what the truth says of it.\n"
    "\n"
    "  --applications N  permit applications in the register (default 2000)\n"
    "  --seed S          the register's seed (default 1)\n"
    "  --world FILE      a synth world file (nationality mix, wages, sizes, ...;\n"
    "                    tipwatch synth --help), so exercises differ in more than the seed\n";

int cmd_exercise(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"out", required_argument, NULL, 'o'},     {"dir", required_argument, NULL, 'd'},
        {"applications", required_argument, NULL, 'a'},
        {"seed", required_argument, NULL, 's'},    {"teams", required_argument, NULL, 't'},
        {"schemes", required_argument, NULL, 'S'}, {"team", required_argument, NULL, 'T'},
        {"quiet", no_argument, NULL, 'q'},         {"help", no_argument, NULL, 'h'},
        {"world", required_argument, NULL, 'w'},
        {NULL, 0, NULL, 0}};
    exercise_opts_t o;
    const char *sub, *dir = NULL, *team = NULL;
    unsigned long long n;
    tw_errinfo_t ei;
    tw_err_t err;
    int c;

    memset(&o, 0, sizeof o);
    o.applications = 2000;
    o.seed = 1;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(exercise_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    optind = 0;
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': o.out_dir = optarg; break;
        case 'd': dir = optarg; break;
        case 'a':
            if (cli_parse_u64(optarg, 100, 100000000ULL, &n))
                return cli_usage_error("exercise", "--applications must be 100..100000000, not '%s'",
                                       optarg);
            o.applications = n;
            break;
        case 's':
            if (cli_parse_u64(optarg, 0, UINT64_MAX, &n))
                return cli_usage_error("exercise", "--seed must be a whole number, not '%s'", optarg);
            o.seed = n;
            break;
        case 't': o.teams = optarg; break;
        case 'S': o.schemes = optarg; break;
        case 'T': team = optarg; break;
        case 'q': o.quiet = 1; break;
        case 'w': o.world = optarg; break;
        case 'h': fputs(exercise_help, stdout); return 0;
        default: return cli_usage_error("exercise", "%s", "bad option");
        }
    }
    if (optind + 1 < argc)
        return cli_usage_error("exercise", "unexpected argument '%s'", argv[optind + 1]);
    tw_errinfo_clear(&ei);
    if (strcmp(sub, "create") == 0) {
        if (!o.out_dir)
            return cli_usage_error("exercise", "%s", "create needs --out DIR");
        err = exercise_create(&o, stdout, &ei);
    } else if (strcmp(sub, "score") == 0 || strcmp(sub, "replay") == 0) {
        if (!dir)
            return cli_usage_error("exercise", "%s needs --dir DIR", sub);
        err = sub[0] == 's' ? exercise_score(dir, stdout, &ei)
                            : exercise_replay(dir, team, stdout, &ei);
    } else {
        return cli_usage_error("exercise", "unknown subcommand '%s'", sub);
    }
    return err == TW_OK ? 0 : cli_report(err, &ei);
}
