/*
 * exercise.h - simulation exercises for the front line: a training register
 * with planted schemes (synth_run), one store per team ready for trainees
 * (screened, with accounts and a key file for NRM cases), the truth sealed
 * for the trainer, and the scoring of what each team decided against it.
 *
 * An exercise directory:
 *   README.txt                   how to start a team's server (for everyone)
 *   teams/TEAM/exercise.db       the team's store: the permit, border,
 *                                inspection and report registers and the
 *                                alerts of a screening; never the truth,
 *                                never the outcomes register
 *   teams/TEAM/exercise.db.key   its key file (0600)
 *   trainer/                     0700, the trainer's only:
 *     truth.csv                  synth's planted schemes and look-alikes (0600)
 *     accounts.csv               every account and its password (0600)
 *     exercise.conf              seed, size, teams, the schemes scored
 *     register/                  the generated registers
 *     debrief.html               written by exercise_score (0600)
 *
 * Scoring a team (its store, through alerts.h, audit.h and cases.h):
 *   schemes found    planted schemes (of the scored typologies) with an
 *                    entity whose alert the team escalated or confirmed, or
 *                    a worker for whom it opened an NRM case
 *   victims reached  planted workers with an NRM case opened by the team
 *   false leads      alerts escalated or confirmed, and cases opened, on
 *                    entities no scheme planted (look-alikes included)
 *   first action     seconds from the team's first sign-in to its first
 *                    alert move, assignment or case
 *   referrals with consent  cases where the team recorded the person's
 *                    consent and sent a referral
 * The trainer reads the team's cases with the team's trainer account (an
 * admin of the team's organisation); those reads are in the team's audit
 * log like any other.
 *
 * Thread model: one thread; each call opens and closes its stores.
 */
#ifndef TW_TRAINING_EXERCISE_H
#define TW_TRAINING_EXERCISE_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

typedef struct {
    const char *out_dir;     /* must not exist, or be empty */
    uint64_t applications;   /* at least 100 */
    uint64_t seed;
    const char *teams;       /* comma-separated team names (default "red,blue") */
    const char *schemes;     /* comma-separated typologies scored; NULL: all */
    const char *world;       /* a synth world file (synth_world_load); NULL: the default */
    int quiet;
} exercise_opts_t;

/* Creates the exercise; prints where things are (unless quiet) on out. */
tw_err_t exercise_create(const exercise_opts_t *o, FILE *out, tw_errinfo_t *ei);

/* Scores every team against the truth: a summary on out and
 * trainer/debrief.html (planted schemes next to each team's decisions). A
 * truth file that group or others may read is refused (TW_EPERM). */
tw_err_t exercise_score(const char *dir, FILE *out, tw_errinfo_t *ei);

/* A team's decisions in the order they were made (team NULL: every team),
 * each beside what the truth says of its entity. */
tw_err_t exercise_replay(const char *dir, const char *team, FILE *out, tw_errinfo_t *ei);

#endif
