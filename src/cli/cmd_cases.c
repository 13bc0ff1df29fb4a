/*
 * cmd_cases.c - tipwatch keys and cases: the keys of the case data at rest and the retention
 * purge of NRM cases.
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
#include "cases/keys.h"
#include "store/store.h"
#include "cases/vault.h"

static const char keys_help[] =
    "usage: tipwatch keys init [--key-file FILE] [--db FILE]\n"
    "       tipwatch keys rotate [--db FILE] [--key-file FILE] [--destroy-old]\n"
    "       tipwatch keys status [--db FILE] [--key-file FILE]\n"
    "\n"
    "The key file holds the master keys of the NRM case data encrypted at rest.\n"
    "It is --key-file, else $TIPWATCH_KEY_FILE, else the database path + .key\n"
    "(tipwatch.db.key); keep it outside the database's directory and its backups,\n"
    "mode 0600, and back it up apart from the database.\n"
    "\n"
    "init creates it with one key (never over an existing file, and not for a\n"
    "database that already holds sealed values: restore that one's key file).\n"
    "rotate adds a new key, re-seals every sealed value and recomputes every\n"
    "blind index under it in one transaction, records it as the database's\n"
    "current key, then retires the older keys from the key file into\n"
    "FILE.retired-YYYYMMDDTHHMMSS (mode 0600; keep it offline while backups from\n"
    "before the rotation exist), or drops them for good with --destroy-old.\n"
    "Stop 'tipwatch serve' first, or restart it after: until then its writes of\n"
    "case data are refused ('restart: the keys were rotated').\n"
    "status shows the key ids in the file, the database's current key and how\n"
    "many sealed values each key holds (never key material); exit 1 when some\n"
    "are under a key the file does not hold.\n"
    "\n"
    "  --db FILE        database (default tipwatch.db)\n"
    "  --key-file FILE  the key file (default: see above)\n"
    "  --destroy-old    rotate: do not archive the retired keys\n";

static const char cases_help[] =
    "usage: tipwatch cases purge [--db FILE] [--config FILE] [--key-file FILE] [--dry-run]\n"
    "\n"
    "purge deletes the personal data of NRM cases closed more than retention_days\n"
    "ago (config [cases], default 1826: five years): each such case, its history,\n"
    "services, referrals, consents and attachments, keeping a de-identified row for\n"
    "the statistics. One transaction, written to the audit log. --dry-run only\n"
    "counts the cases that would go. The configuration is --config, else\n"
    "tipwatch.conf here, else the built-in defaults. Purging opens no sealed value,\n"
    "so it needs no key file; --key-file is accepted (and not read) so that the\n"
    "same options serve every keys and cases command.\n"
    "\n"
    "  --db FILE        database (default tipwatch.db)\n"
    "  --config FILE    configuration with the [cases] retention policy\n"
    "  --dry-run        count, change nothing\n";

static void print_key_list(const keys_status_t *ks, char *out, size_t cap, int retired_only,
                           uint32_t below)
{
    size_t i, len = 0;
    out[0] = '\0';
    for (i = 0; i < ks->n && len + 16 < cap; i++) {
        int n;
        if (!ks->keys[i].in_file || (retired_only && ks->keys[i].key_id >= below))
            continue;
        n = snprintf(out + len, cap - len, "%s%lu", len ? ", " : "",
                     (unsigned long)ks->keys[i].key_id);
        if (n > 0)
            len += (size_t)n;
    }
}

int cmd_keys(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"key-file", required_argument, NULL, 'k'},
                                             {"destroy-old", no_argument, NULL, 'D'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *key_opt = NULL, *sub;
    char key_path[4096], ids[256];
    keys_rotate_opts_t ro = {0};
    keys_rotation_t rot;
    keys_status_t ks;
    cases_actor_t sys = {NULL, NULL, 0};
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;
    struct stat sb;
    int c, rc = 0;
    size_t i;

    memset(&ks, 0, sizeof(ks));
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(keys_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    sub = argv[1];
    if (strcmp(sub, "init") != 0 && strcmp(sub, "rotate") != 0 && strcmp(sub, "status") != 0)
        return cli_usage_error("keys", "unknown subcommand '%s'", sub);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'k': key_opt = optarg; break;
        case 'D': ro.destroy_old = 1; break;
        case 'h': fputs(keys_help, stdout); return 0;
        default: return cli_usage_error("keys", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    if (optind < argc)
        return cli_usage_error("keys", "unexpected argument '%s'", argv[optind]);
    if (ro.destroy_old && strcmp(sub, "rotate") != 0)
        return cli_usage_error("keys", "%s", "--destroy-old is for 'keys rotate'");
    tw_errinfo_clear(&ei);
    if ((err = vault_key_path(key_opt, db, key_path, sizeof(key_path), &ei)) != TW_OK)
        return cli_report(err, &ei);

    if (strcmp(sub, "init") == 0) {
        /* a database that exists is checked for sealed values; none is made */
        if (stat(db, &sb) == 0 && (err = store_open(db, &st, &ei)) != TW_OK)
            goto out;
        if ((err = keys_init(st, key_path, &ei)) != TW_OK)
            goto out;
        printf("keys: created %s with key 1 (mode 0600)\n", key_path);
        printf("keys: keep it outside the database's directory and back it up apart from the\n"
               "      database: without it the encrypted case data cannot be read\n");
        goto out;
    }
    if ((err = cli_open_existing(db, &st, &ei)) != TW_OK)
        goto out;
    if (strcmp(sub, "status") == 0) {
        if ((err = keys_status(st, key_path, &ks, &ei)) != TW_OK)
            goto out;
        printf("key file: %s (current key %lu)\n", key_path, (unsigned long)ks.file_current);
        if (ks.store_current)
            printf("database: %s (current key %lu, rotated %s)\n", db,
                   (unsigned long)ks.store_current, ks.rotated_at);
        else
            printf("database: %s (no rotation recorded)\n", db);
        printf("%-10s %-8s %-14s %s\n", "key", "in file", "sealed values", "e.g.");
        for (i = 0; i < ks.n; i++) {
            if (ks.keys[i].key_id == 0)
                printf("%-10s %-8s %-14lld %s\n", "not-sealed", "-", ks.keys[i].blobs,
                       ks.keys[i].example);
            else
                printf("%-10lu %-8s %-14lld %s\n", (unsigned long)ks.keys[i].key_id,
                       ks.keys[i].in_file ? "yes" : "MISSING", ks.keys[i].blobs,
                       ks.keys[i].example);
        }
        printf("sealed values: %lld; under the current key %lu: %lld; under older keys: %lld\n",
               ks.blobs, (unsigned long)ks.file_current, ks.blobs - ks.not_current,
               ks.not_current - ks.unreadable);
        if (ks.store_current > ks.file_current)
            printf("warning: the database's current key %lu is newer than the key file's: "
                   "this is not the key file of the last rotation\n",
                   (unsigned long)ks.store_current);
        for (i = 0; i < ks.n; i++)
            if (!ks.keys[i].in_file && ks.keys[i].blobs > 0) {
                fprintf(stderr,
                        "tipwatch: %s: %lld sealed values (e.g. %s) are under key %lu, which "
                        "is not in the key file\n",
                        key_path, ks.keys[i].blobs, ks.keys[i].example,
                        (unsigned long)ks.keys[i].key_id);
                rc = 1;
            }
        if (ks.mismatch[0]) {
            fprintf(stderr, "tipwatch: %s: %s\n", key_path, ks.mismatch);
            rc = 1;
        }
        goto out;
    }
    /* rotate: the system acts (the audit log records the OS user via cli) */
    if ((err = keys_status(st, key_path, &ks, &ei)) != TW_OK)
        goto out;
    err = keys_rotate(st, key_path, &ro, &sys, &rot, &ei);
    if (err != TW_OK && rot.key_id == 0)
        goto out;
    print_key_list(&ks, ids, sizeof(ids), 1, rot.key_id);
    printf("keys: key %lu is now current (was %lu): %lld sealed values re-sealed and every "
           "blind index recomputed under it, in one transaction\n",
           (unsigned long)rot.key_id, (unsigned long)rot.previous, rot.resealed);
    if (err != TW_OK)
        goto out; /* retiring failed: the message says what state it left */
    if (rot.retired == 0)
        printf("keys: no older key to retire\n");
    else if (rot.archive[0])
        printf("keys: retired key %s from %s into %s (mode 0600): keep that file offline as "
               "long as database backups from before this rotation are kept\n",
               ids, key_path, rot.archive);
    else
        printf("keys: retired key %s from %s and destroyed it (--destroy-old): backups from "
               "before this rotation can no longer be read\n",
               ids, key_path);
    printf("keys: restart any 'tipwatch serve' of this database now: it still holds the old "
           "keys, and its writes of case data are refused until it restarts\n");
out:
    if (err != TW_OK)
        rc = cli_report(err, &ei);
    keys_status_free(&ks);
    store_close(st);
    return rc;
}

int cmd_cases(int argc, char **argv)
{
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"config", required_argument, NULL, 'c'},
                                             {"key-file", required_argument, NULL, 'k'},
                                             {"dry-run", no_argument, NULL, 'n'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config_path = NULL;
    cases_actor_t sys = {NULL, NULL, 0};
    cases_policy_t pol;
    config_t *cfg = NULL;
    keys_purge_t res;
    store_t *st = NULL;
    tw_errinfo_t ei;
    tw_err_t err = TW_OK;
    int c, rc = 0, dry = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(cases_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    if (strcmp(argv[1], "purge") != 0)
        return cli_usage_error("cases", "unknown subcommand '%s'", argv[1]);
    optind = 0; /* glibc: 0 re-initialises getopt fully */
    while ((c = getopt_long(argc - 1, argv + 1, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'c': config_path = optarg; break;
        case 'k': break; /* accepted, not needed: purging opens no sealed value */
        case 'n': dry = 1; break;
        case 'h': fputs(cases_help, stdout); return 0;
        default: return cli_usage_error("cases", "%s", "bad option");
        }
    }
    optind++; /* argv was shifted by one */
    if (optind < argc)
        return cli_usage_error("cases", "unexpected argument '%s'", argv[optind]);
    tw_errinfo_clear(&ei);
    if ((err = cli_load_config(config_path, &cfg, &ei)) != TW_OK)
        goto out;
    cases_policy_from_config(cfg, &pol);
    if ((err = cli_open_existing(db, &st, &ei)) != TW_OK)
        goto out;
    if ((err = keys_purge(st, &pol, dry, &sys, &res, &ei)) != TW_OK)
        goto out;
    if (dry)
        printf("cases: %lld cases closed before %s (retention %d days) would be purged; nothing "
               "was "
               "changed (--dry-run)\n",
               res.cases, res.closed_before, pol.retention_days);
    else
        printf("cases: purged %lld cases closed before %s (retention %d days): their personal "
               "data is deleted, a de-identified row of each kept for the statistics\n",
               res.cases, res.closed_before, pol.retention_days);
out:
    if (err != TW_OK)
        rc = cli_report(err, &ei);
    store_close(st);
    config_free(cfg);
    return rc;
}

/* ---- serve -------------------------------------------------------------- */

