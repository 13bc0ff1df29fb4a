/*
 * exercise.c - creating, scoring and replaying simulation exercises
 * (contract in exercise.h).
 *
 * Data structure: the truth is loaded into a strmap from "type:key" to the
 * index of its truth row (scheme, typology, role); each scheme has a slot
 * per team for what the team did about it. A team's decisions are read
 * from its store: alerts (alerts_scan, alerts_get for their history), the
 * audit log (sign-ins, moves, cases, consents, referrals) and its cases
 * (cases_get as the team's trainer account).
 *
 * Invariants:
 *   1. Nothing under teams/ holds or names the truth: the team stores are
 *      built from the registers alone (no outcomes), and truth.csv lives
 *      only in trainer/ (0700 directory, 0600 file).
 *   2. Scoring only reads a team store, except the trainer's sign-in and
 *      case reads, which are audited there like any other.
 *
 * Thread model: one thread.
 */
#include "training/exercise.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access/audit.h"
#include "access/auth.h"
#include "base/buf.h"
#include "base/strmap.h"
#include "cases/cases.h"
#include "cases/keys.h"
#include "cases/vault.h"
#include "engine/alerts.h"
#include "engine/config.h"
#include "engine/screen.h"
#include "ingest/import.h"
#include "store/store.h"
#include "synth/synth.h"

#define MAX_TEAMS 16
#define PATHMAX 1024

/* ---- small helpers ------------------------------------------------------ */

static tw_err_t pathf(char *out, size_t cap, tw_errinfo_t *ei, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static tw_err_t pathf(char *out, size_t cap, tw_errinfo_t *ei, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap)
        return tw_errinfo_set(ei, TW_EINPUT, "path too long");
    return TW_OK;
}

static int team_name_ok(const char *s, size_t n)
{
    if (n == 0 || n > 24)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* Splits "a,b,c" into names[] (copies into buf). */
static tw_err_t split_list(const char *s, char *buf, size_t cap, const char **names, size_t max,
                           size_t *n)
{
    *n = 0;
    if (snprintf(buf, cap, "%s", s) >= (int)cap)
        return TW_ETOOBIG;
    char *p = buf;
    while (*p) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        if (*p) {
            if (*n == max)
                return TW_ETOOBIG;
            names[(*n)++] = p;
        }
        if (!c)
            break;
        p = c + 1;
    }
    return TW_OK;
}

static tw_err_t write_text(const char *path, const char *text, mode_t mode, tw_errinfo_t *ei)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    size_t len = strlen(text), off = 0;
    if (fd < 0) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_EIO, "cannot write: %s", strerror(errno));
    }
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w <= 0) {
            close(fd);
            tw_errinfo_file(ei, path);
            return tw_errinfo_set(ei, TW_EIO, "cannot write: %s", strerror(errno));
        }
        off += (size_t)w;
    }
    fchmod(fd, mode);
    if (fsync(fd) != 0 || close(fd) != 0) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_EIO, "cannot write: %s", strerror(errno));
    }
    return TW_OK;
}

static tw_err_t copy_file(const char *from, const char *to, tw_errinfo_t *ei)
{
    char buf[65536];
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1;
    tw_err_t err = TW_OK;
    ssize_t r;
    if (in < 0 || (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        tw_errinfo_file(ei, in < 0 ? from : to);
        err = tw_errinfo_set(ei, TW_EIO, "cannot copy: %s", strerror(errno));
        goto out;
    }
    while ((r = read(in, buf, sizeof buf)) > 0) {
        ssize_t off = 0;
        while (off < r) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w <= 0) {
                tw_errinfo_file(ei, to);
                err = tw_errinfo_set(ei, TW_EIO, "cannot copy: %s", strerror(errno));
                goto out;
            }
            off += w;
        }
    }
    if (r < 0 || fsync(out) != 0) {
        tw_errinfo_file(ei, to);
        err = tw_errinfo_set(ei, TW_EIO, "cannot copy: %s", strerror(errno));
    }
out:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && err == TW_OK)
        err = TW_EIO;
    return err;
}

/* A password of 22 characters from 16 random bytes (URL-safe base64). */
static void new_password(char out[32])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, 32, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* ---- the truth ---------------------------------------------------------- */

typedef struct {
    char scheme[32], typology[48], type[16], key[160];
    int planted; /* 0: look-alike */
} truth_row_t;

typedef struct {
    char id[32], typology[48];
    int planted, scored, workers;
    /* per team: found (1), how (first decision that found it), victims reached */
    int found[MAX_TEAMS];
    char how[MAX_TEAMS][160];
    int victims[MAX_TEAMS];
} scheme_t;

typedef struct {
    truth_row_t *rows;
    size_t nrows;
    scheme_t *schemes;
    size_t nschemes;
    strmap_t by_entity; /* "type:key" -> row index + 1 */
    strmap_t by_scheme; /* scheme id -> scheme index */
} truth_t;

static void truth_free(truth_t *t)
{
    free(t->rows);
    free(t->schemes);
    strmap_free(&t->by_entity);
    strmap_free(&t->by_scheme);
}

/* Reads trainer/truth.csv (synth's: scheme_id,typology,entity_type,
 * entity_key,role; no field holds a comma or a quote). */
static tw_err_t truth_load(const char *path, const char *schemes, truth_t *t, tw_errinfo_t *ei)
{
    struct stat sb;
    tw_buf_t b;
    tw_err_t err;
    char lbuf[1024];
    const char *want[64];
    size_t nwant = 0;

    memset(t, 0, sizeof *t);
    strmap_init(&t->by_entity);
    strmap_init(&t->by_scheme);
    if (stat(path, &sb) != 0) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_ENOTFOUND, "no truth file: is this an exercise directory?");
    }
    if (sb.st_mode & 077) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_EPERM,
                              "the truth file may be read by others (mode %03o); it must be "
                              "the trainer's only: chmod 600",
                              (unsigned)(sb.st_mode & 0777));
    }
    if (schemes && schemes[0] &&
        split_list(schemes, lbuf, sizeof lbuf, want, 64, &nwant) != TW_OK)
        return tw_errinfo_set(ei, TW_EINPUT, "too many schemes");
    buf_init(&b, (size_t)1 << 30);
    if ((err = buf_read_file(&b, path, NULL)) != TW_OK) {
        tw_errinfo_file(ei, path);
        tw_errinfo_set(ei, err, "cannot read the truth");
        goto out;
    }
    size_t cap = 1024;
    t->rows = calloc(cap, sizeof *t->rows);
    t->schemes = calloc(cap, sizeof *t->schemes);
    if (!t->rows || !t->schemes) {
        err = TW_ENOMEM;
        goto out;
    }
    size_t scap = cap;
    const char *p = buf_str(&b), *end = b.p + b.len;
    long line = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        char row[512];
        const char *f[5];
        size_t nf = 0;
        line++;
        if (len == 0 || len >= sizeof row || line == 1) {
            p = nl ? nl + 1 : end;
            continue;
        }
        memcpy(row, p, len);
        row[len] = '\0';
        if (len && row[len - 1] == '\r')
            row[len - 1] = '\0';
        char *q = row;
        f[nf++] = q;
        while ((q = strchr(q, ',')) && nf < 5) {
            *q++ = '\0';
            f[nf++] = q;
        }
        p = nl ? nl + 1 : end;
        if (nf != 5)
            continue;
        if (t->nrows == cap) {
            truth_row_t *nr = realloc(t->rows, cap * 2 * sizeof *nr);
            if (!nr) {
                err = TW_ENOMEM;
                goto out;
            }
            t->rows = nr;
            cap *= 2;
        }
        truth_row_t *r = &t->rows[t->nrows];
        snprintf(r->scheme, sizeof r->scheme, "%.31s", f[0]);
        snprintf(r->typology, sizeof r->typology, "%.47s", f[1]);
        snprintf(r->type, sizeof r->type, "%.15s", f[2]);
        snprintf(r->key, sizeof r->key, "%.159s", f[3]);
        r->planted = strcmp(f[4], "planted") == 0;
        uint64_t *si = strmap_get(&t->by_scheme, r->scheme, strlen(r->scheme));
        if (!si) {
            if (t->nschemes == scap) {
                scheme_t *ns = realloc(t->schemes, scap * 2 * sizeof *ns);
                if (!ns) {
                    err = TW_ENOMEM;
                    goto out;
                }
                t->schemes = ns;
                scap *= 2;
            }
            scheme_t *s = &t->schemes[t->nschemes];
            memset(s, 0, sizeof *s);
            snprintf(s->id, sizeof s->id, "%s", r->scheme);
            snprintf(s->typology, sizeof s->typology, "%s", r->typology);
            s->planted = r->planted;
            s->scored = s->planted && nwant == 0;
            for (size_t i = 0; i < nwant; i++)
                if (s->planted && strcmp(want[i], r->typology) == 0)
                    s->scored = 1;
            if ((err = strmap_put(&t->by_scheme, s->id, strlen(s->id), t->nschemes, NULL, NULL,
                                  NULL)) != TW_OK)
                goto out;
            t->nschemes++;
        }
        si = strmap_get(&t->by_scheme, r->scheme, strlen(r->scheme));
        if (r->planted && strcmp(r->type, "worker") == 0)
            t->schemes[*si].workers++;
        char k[200];
        int kn = snprintf(k, sizeof k, "%s:%s", r->type, r->key);
        if (kn > 0 && (size_t)kn < sizeof k) {
            uint64_t *slot;
            int added;
            if ((err = strmap_put(&t->by_entity, k, (size_t)kn, t->nrows + 1, &slot, &added,
                                  NULL)) != TW_OK)
                goto out;
            /* an entity both planted and look-alike counts as planted */
            if (!added && r->planted)
                *slot = t->nrows + 1;
        }
        t->nrows++;
    }
    err = TW_OK;
out:
    buf_free(&b);
    return err;
}

static const truth_row_t *truth_of(const truth_t *t, const char *type, const char *key)
{
    char k[200];
    int n = snprintf(k, sizeof k, "%s:%s", type, key);
    if (n < 0 || (size_t)n >= sizeof k)
        return NULL;
    uint64_t *v = strmap_get(&t->by_entity, k, (size_t)n);
    return v ? &t->rows[*v - 1] : NULL;
}

static scheme_t *scheme_of(truth_t *t, const truth_row_t *r)
{
    uint64_t *v = r ? strmap_get(&t->by_scheme, r->scheme, strlen(r->scheme)) : NULL;
    return v ? &t->schemes[*v] : NULL;
}

/* ---- exercise.conf ------------------------------------------------------ */

typedef struct {
    char teams_buf[512];
    const char *teams[MAX_TEAMS];
    size_t nteams;
    char schemes[512];
    char created[40];
    unsigned long long seed, applications;
} conf_t;

static tw_err_t conf_load(const char *dir, conf_t *c, tw_errinfo_t *ei)
{
    char path[PATHMAX];
    tw_buf_t b;
    tw_err_t err;
    memset(c, 0, sizeof *c);
    if ((err = pathf(path, sizeof path, ei, "%s/trainer/exercise.conf", dir)) != TW_OK)
        return err;
    buf_init(&b, 64 * 1024);
    if ((err = buf_read_file(&b, path, NULL)) != TW_OK) {
        buf_free(&b);
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, err, "cannot read the exercise's settings: is %s an "
                              "exercise directory?", dir);
    }
    char *p = b.p;
    while (p && *p) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        char *eq = strstr(p, " = ");
        if (eq) {
            *eq = '\0';
            const char *v = eq + 3;
            if (strcmp(p, "teams") == 0)
                snprintf(c->teams_buf, sizeof c->teams_buf, "%s", v);
            else if (strcmp(p, "schemes") == 0)
                snprintf(c->schemes, sizeof c->schemes, "%s", v);
            else if (strcmp(p, "created") == 0)
                snprintf(c->created, sizeof c->created, "%s", v);
            else if (strcmp(p, "seed") == 0)
                c->seed = strtoull(v, NULL, 10);
            else if (strcmp(p, "applications") == 0)
                c->applications = strtoull(v, NULL, 10);
        }
        p = nl ? nl + 1 : NULL;
    }
    buf_free(&b);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", c->teams_buf);
    if (split_list(tmp, c->teams_buf, sizeof c->teams_buf, c->teams, MAX_TEAMS, &c->nteams) !=
            TW_OK ||
        c->nteams == 0) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_EINPUT, "no teams in the exercise's settings");
    }
    return TW_OK;
}

/* ---- create ------------------------------------------------------------- */

static tw_err_t add_account(store_t *st, const char *user, const char *org, auth_role_t role,
                            tw_buf_t *accounts, const char *team, tw_errinfo_t *ei)
{
    char pw[32], object[128], detail[160];
    tw_err_t err;
    new_password(pw);
    if ((err = store_begin(st)) != TW_OK)
        return err;
    snprintf(object, sizeof object, "user:%s", user);
    snprintf(detail, sizeof detail, "{\"org\":\"%s\",\"role\":\"%s\",\"by\":\"exercise create\"}",
             org, auth_role_name(role));
    if ((err = auth_user_add(st, user, org, role, pw, ei)) != TW_OK ||
        (err = audit_append(st, NULL, "user.add", object, "cli", detail, ei)) != TW_OK) {
        store_rollback(st);
        return err;
    }
    if ((err = store_commit(st)) != TW_OK)
        return err;
    return buf_printf(accounts, "%s,%s,%s,%s\n", team, user, auth_role_name(role), pw);
}

tw_err_t exercise_create(const exercise_opts_t *o, FILE *out, tw_errinfo_t *ei)
{
    char dir[PATHMAX], trainer[PATHMAX], reg[PATHMAX], base[PATHMAX], path[PATHMAX],
        path2[PATHMAX], teams_buf[512], created[40];
    const char *teams[MAX_TEAMS];
    size_t nteams = 0;
    tw_buf_t accounts, conf;
    store_t *st = NULL;
    config_t *cfg = NULL;
    tw_err_t err;
    struct stat sb;
    synth_world_t world;

    buf_init(&accounts, 1 << 20);
    buf_init(&conf, 1 << 16);
    if ((err = auth_init()) != TW_OK)
        goto out;
    snprintf(dir, sizeof dir, "%s", o->out_dir);
    if (split_list(o->teams && o->teams[0] ? o->teams : "red,blue", teams_buf, sizeof teams_buf,
                   teams, MAX_TEAMS, &nteams) != TW_OK ||
        nteams == 0) {
        tw_errinfo_field(ei, "--teams");
        err = tw_errinfo_set(ei, TW_EINPUT, "one to %d team names", MAX_TEAMS);
        goto out;
    }
    for (size_t i = 0; i < nteams; i++) {
        if (!team_name_ok(teams[i], strlen(teams[i]))) {
            tw_errinfo_field(ei, "--teams");
            err = tw_errinfo_set(ei, TW_EINPUT,
                                 "team '%.30s': 1 to 24 of a-z, 0-9 and '-'", teams[i]);
            goto out;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(teams[i], teams[j]) == 0) {
                tw_errinfo_field(ei, "--teams");
                err = tw_errinfo_set(ei, TW_EINPUT, "team '%s' named twice", teams[i]);
                goto out;
            }
    }
    /* everything that can be refused before anything is written */
    if (o->world) {
        synth_world_default(&world);
        if ((err = synth_world_load(&world, o->world, ei)) != TW_OK ||
            (err = synth_world_check(&world, ei)) != TW_OK)
            goto out;
    }
    if (stat(dir, &sb) == 0) {
        if (rmdir(dir) != 0) { /* only an empty directory may be taken over */
            tw_errinfo_file(ei, dir);
            err = tw_errinfo_set(ei, TW_ECONFLICT,
                                 "already exists and is not empty: an exercise is never "
                                 "written over another");
            goto out;
        }
    }
    if (mkdir(dir, 0755) != 0 ||
        (err = pathf(trainer, sizeof trainer, ei, "%s/trainer", dir)) != TW_OK ||
        mkdir(trainer, 0700) != 0 ||
        (err = pathf(reg, sizeof reg, ei, "%s/register", trainer)) != TW_OK ||
        (err = pathf(path, sizeof path, ei, "%s/teams", dir)) != TW_OK || mkdir(path, 0755) != 0) {
        if (err == TW_OK) {
            tw_errinfo_file(ei, dir);
            err = tw_errinfo_set(ei, TW_EIO, "cannot create: %s", strerror(errno));
        }
        goto out;
    }
    chmod(trainer, 0700);

    /* the world */
    synth_opts_t so;
    synth_summary_t ss;
    memset(&so, 0, sizeof so);
    so.world = o->world ? &world : NULL;
    so.out_dir = reg;
    so.applications = o->applications;
    so.seed = o->seed;
    if ((err = synth_run(&so, &ss, ei)) != TW_OK)
        goto out;
    if (chmod(reg, 0700) != 0) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot restrict %s", reg);
        goto out;
    }
    /* the truth, the trainer's only; checked against --schemes */
    if ((err = pathf(path, sizeof path, ei, "%s/truth.csv", reg)) != TW_OK ||
        (err = pathf(path2, sizeof path2, ei, "%s/truth.csv", trainer)) != TW_OK)
        goto out;
    if (rename(path, path2) != 0 || chmod(path2, 0600) != 0) {
        tw_errinfo_file(ei, path2);
        err = tw_errinfo_set(ei, TW_EIO, "cannot seal the truth: %s", strerror(errno));
        goto out;
    }
    if (o->schemes && o->schemes[0]) {
        truth_t t;
        const char *want[64];
        char wbuf[512];
        size_t nwant = 0;
        if ((err = truth_load(path2, NULL, &t, ei)) != TW_OK)
            goto out;
        if (split_list(o->schemes, wbuf, sizeof wbuf, want, 64, &nwant) != TW_OK)
            nwant = 0;
        for (size_t i = 0; i < nwant && err == TW_OK; i++) {
            int known = 0;
            for (size_t s = 0; s < t.nschemes && !known; s++)
                known = t.schemes[s].planted && strcmp(t.schemes[s].typology, want[i]) == 0;
            if (!known) {
                char list[512] = "";
                size_t off = 0;
                for (size_t s = 0; s < t.nschemes; s++)
                    if (t.schemes[s].planted && !strstr(list, t.schemes[s].typology) &&
                        off < sizeof list)
                        off += (size_t)snprintf(list + off, sizeof list - off, "%s%s",
                                                off ? ", " : "", t.schemes[s].typology);
                tw_errinfo_field(ei, "--schemes");
                err = tw_errinfo_set(ei, TW_EINPUT,
                                     "no scheme of typology '%.40s' in this register (it has: "
                                     "%.160s)",
                                     want[i], list);
            }
        }
        truth_free(&t);
        if (err != TW_OK)
            goto out;
    }

    /* the base store: registers (never outcomes: they are part of the truth), screened */
    if ((err = pathf(base, sizeof base, ei, "%s/base.db", trainer)) != TW_OK ||
        (err = store_open(base, &st, ei)) != TW_OK)
        goto out;
    static const char *const files[] = {"permits.csv", "border_crossings.csv", "inspections.csv",
                                        "reports.csv"};
    for (size_t f = 0; f < 4; f++) {
        import_opts_t io;
        import_result_t ir;
        memset(&io, 0, sizeof io);
        io.progress = IMPORT_PROGRESS_NONE;
        io.quiet = 1;
        io.rejects_path = "";
        if ((err = pathf(path, sizeof path, ei, "%s/%s", reg, files[f])) != TW_OK ||
            (err = import_file(st, path, &io, &ir, ei)) != TW_OK)
            goto out;
    }
    screen_opts_t sco;
    screen_summary_t sum;
    memset(&sco, 0, sizeof sco);
    sco.actor = "screen";
    if ((err = config_default(&cfg)) != TW_OK || (err = screen_run(st, cfg, &sco, &sum, ei)) != TW_OK)
        goto out;
    store_close(st);
    st = NULL;

    /* one store per team */
    for (size_t i = 0; i < nteams; i++) {
        char org[64], user[64], keyp[PATHMAX];
        if ((err = pathf(path, sizeof path, ei, "%s/teams/%s", dir, teams[i])) != TW_OK)
            goto out;
        if (mkdir(path, 0755) != 0) {
            tw_errinfo_file(ei, path);
            err = tw_errinfo_set(ei, TW_EIO, "cannot create: %s", strerror(errno));
            goto out;
        }
        if ((err = pathf(path2, sizeof path2, ei, "%s/exercise.db", path)) != TW_OK ||
            (err = pathf(keyp, sizeof keyp, ei, "%s/exercise.db.key", path)) != TW_OK ||
            (err = copy_file(base, path2, ei)) != TW_OK ||
            (err = store_open(path2, &st, ei)) != TW_OK ||
            (err = keys_init(st, keyp, ei)) != TW_OK)
            goto out;
        snprintf(org, sizeof org, "Team %s", teams[i]);
        snprintf(user, sizeof user, "%s-analyst", teams[i]);
        if ((err = add_account(st, user, org, ROLE_ANALYST, &accounts, teams[i], ei)) != TW_OK)
            goto out;
        snprintf(user, sizeof user, "%s-cw", teams[i]);
        if ((err = add_account(st, user, org, ROLE_CASE_WORKER, &accounts, teams[i], ei)) != TW_OK)
            goto out;
        snprintf(user, sizeof user, "%s-trainer", teams[i]);
        if ((err = add_account(st, user, org, ROLE_ADMIN, &accounts, teams[i], ei)) != TW_OK)
            goto out;
        store_close(st);
        st = NULL;
    }
    unlink(base);

    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
    buf_printf(&conf,
               "# tipwatch exercise: written by `tipwatch exercise create`\n"
               "created = %s\nseed = %llu\napplications = %llu\nteams = %s\nschemes = %s\n"
               "world = %s\n",
               created, (unsigned long long)o->seed, (unsigned long long)o->applications,
               o->teams && o->teams[0] ? o->teams : "red,blue", o->schemes ? o->schemes : "",
               o->world ? o->world : "default");
    if ((err = pathf(path, sizeof path, ei, "%s/exercise.conf", trainer)) != TW_OK ||
        (err = write_text(path, buf_str(&conf), 0600, ei)) != TW_OK)
        goto out;
    buf_reset(&conf);
    buf_printf(&conf, "team,user,role,password\n%s", buf_str(&accounts));
    if ((err = pathf(path, sizeof path, ei, "%s/accounts.csv", trainer)) != TW_OK ||
        (err = write_text(path, buf_str(&conf), 0600, ei)) != TW_OK)
        goto out;
    buf_reset(&conf);
    buf_printf(&conf,
               "A tipwatch simulation exercise.\n\n"
               "Each team works in its own store, in the normal web UI:\n"
               "  tipwatch serve --db teams/TEAM/exercise.db --listen 127.0.0.1:8080\n"
               "and signs in with the accounts the trainer hands out (TEAM-analyst triages\n"
               "alerts, TEAM-cw opens NRM cases and refers them).\n"
               "trainer/ is the trainer's: do not give it to the teams.\n");
    if ((err = pathf(path, sizeof path, ei, "%s/README.txt", dir)) != TW_OK ||
        (err = write_text(path, buf_str(&conf), 0644, ei)) != TW_OK)
        goto out;
    if (!o->quiet && out) {
        fprintf(out, "exercise: %llu applications, %llu planted schemes (seed %llu) in %s\n",
                (unsigned long long)ss.rows[0], (unsigned long long)ss.schemes,
                (unsigned long long)o->seed, dir);
        fprintf(out, "  %lld alerts raised by the screening\n", sum.alerts.raised);
        for (size_t i = 0; i < nteams; i++)
            fprintf(out, "  team %s: %s/teams/%s/exercise.db\n", teams[i], dir, teams[i]);
        fprintf(out, "  accounts (trainer only): %s/trainer/accounts.csv\n", dir);
        fprintf(out, "  truth (trainer only): %s/trainer/truth.csv\n", dir);
    }
    err = TW_OK;
out:
    if (st)
        store_close(st);
    config_free(cfg);
    buf_free(&accounts);
    buf_free(&conf);
    return err;
}

/* ---- reading a team's decisions ----------------------------------------- */

typedef struct {
    char at[40], actor[64], what[48], object[200], truth[160];
} decision_t;

typedef struct {
    const char *team;
    int ti;
    truth_t *t;
    store_t *st;
    decision_t *d;
    size_t nd, capd;
    char first_login[40], first_action[40];
    int escalated, dismissed_planted, false_leads, cases, victims, consents_sent;
    strmap_t consented;  /* case ids with a consent recorded */
    strmap_t referred;   /* case ids referred with a consent before */
    strmap_t case_ids;   /* case ids opened */
    long long alerts_with_history[4096];
    size_t nhist;
} team_t;

static int is_team_user(const team_t *tm, const char *actor)
{
    size_t n = strlen(tm->team);
    return actor && strncmp(actor, tm->team, n) == 0 && actor[n] == '-' &&
           strcmp(actor + n + 1, "trainer") != 0;
}

static tw_err_t add_decision(team_t *tm, const char *at, const char *actor, const char *what,
                             const char *object, const char *truth)
{
    if (tm->nd == tm->capd) {
        size_t nc = tm->capd ? tm->capd * 2 : 64;
        decision_t *nd = realloc(tm->d, nc * sizeof *nd);
        if (!nd)
            return TW_ENOMEM;
        tm->d = nd;
        tm->capd = nc;
    }
    decision_t *d = &tm->d[tm->nd++];
    snprintf(d->at, sizeof d->at, "%s", at ? at : "");
    snprintf(d->actor, sizeof d->actor, "%s", actor ? actor : "");
    snprintf(d->what, sizeof d->what, "%s", what);
    snprintf(d->object, sizeof d->object, "%s", object);
    snprintf(d->truth, sizeof d->truth, "%s", truth);
    return TW_OK;
}

static void truth_label(const truth_row_t *r, char *out, size_t cap)
{
    if (!r)
        snprintf(out, cap, "not planted");
    else if (!r->planted)
        snprintf(out, cap, "look-alike of %s (%s)", r->typology, r->scheme);
    else
        snprintf(out, cap, "planted: %s (%s)", r->typology, r->scheme);
}

/* A positive decision on a planted entity marks its scheme found. */
static void credit(team_t *tm, const truth_row_t *r, const char *how, int victim)
{
    scheme_t *s = scheme_of(tm->t, r);
    if (!s || !r->planted || !s->scored)
        return;
    if (!s->found[tm->ti])
        snprintf(s->how[tm->ti], sizeof s->how[tm->ti], "%s", how);
    s->found[tm->ti] = 1;
    if (victim)
        s->victims[tm->ti]++;
}

typedef struct {
    team_t *tm;
    long long id;
    const char *type, *key; /* point into the buffers below */
    char type_buf[16], key_buf[160];
} alert_ctx_t;

static tw_err_t alert_event(void *ctx, const alerts_event_t *e)
{
    alert_ctx_t *a = ctx;
    team_t *tm = a->tm;
    char obj[200], label[160], what[48];
    if (!is_team_user(tm, e->actor))
        return TW_OK;
    const truth_row_t *r = truth_of(tm->t, a->type, a->key);
    truth_label(r, label, sizeof label);
    snprintf(obj, sizeof obj, "alert %lld (%s %s)", a->id, a->type, a->key);
    if (e->to_status)
        snprintf(what, sizeof what, "alert -> %s", e->to_status);
    else
        snprintf(what, sizeof what, "alert %s", e->kind ? e->kind : "change");
    if (e->to_status && (strcmp(e->to_status, "escalated") == 0 ||
                         strcmp(e->to_status, "confirmed") == 0)) {
        char how[160];
        snprintf(how, sizeof how, "%.100s %.16s by %.30s", obj, e->to_status, e->actor);
        credit(tm, r, how, 0);
    }
    return add_decision(tm, e->at, e->actor, what, obj, label);
}

static tw_err_t alert_detail(void *ctx, const alerts_detail_t *d)
{
    alert_ctx_t *a = ctx;
    snprintf(a->type_buf, sizeof a->type_buf, "%s", d->item.entity_type);
    snprintf(a->key_buf, sizeof a->key_buf, "%s", d->item.entity_key);
    a->type = a->type_buf;
    a->key = a->key_buf;
    return TW_OK;
}

static tw_err_t alert_item(void *ctx, const alerts_item_t *it)
{
    team_t *tm = ctx;
    const truth_row_t *r = truth_of(tm->t, it->entity_type, it->entity_key);
    int positive = strcmp(it->status, "escalated") == 0 || strcmp(it->status, "confirmed") == 0;
    if (positive) {
        tm->escalated++;
        if (!r || !r->planted)
            tm->false_leads++;
    }
    if (strcmp(it->status, "dismissed") == 0 && r && r->planted)
        tm->dismissed_planted++;
    /* alerts someone of the team touched: their history, later */
    if ((strcmp(it->status, "new") != 0 || it->assignee) &&
        tm->nhist < sizeof tm->alerts_with_history / sizeof tm->alerts_with_history[0])
        tm->alerts_with_history[tm->nhist++] = it->id;
    return TW_OK;
}

static tw_err_t audit_entry(void *ctx, const audit_entry_t *e)
{
    team_t *tm = ctx;
    if (!is_team_user(tm, e->actor))
        return TW_OK;
    if (strcmp(e->action, "login") == 0 && !tm->first_login[0])
        snprintf(tm->first_login, sizeof tm->first_login, "%s", e->at);
    int action = strcmp(e->action, "alert.transition") == 0 ||
                 strcmp(e->action, "alert.assign") == 0 || strcmp(e->action, "case.open") == 0;
    if (action && !tm->first_action[0])
        snprintf(tm->first_action, sizeof tm->first_action, "%s", e->at);
    const char *obj = e->object ? e->object : "";
    if (strncmp(obj, "case:", 5) == 0) {
        const char *id = obj + 5;
        size_t n = strlen(id);
        if (strcmp(e->action, "case.open") == 0)
            return strmap_put(&tm->case_ids, id, n, 0, NULL, NULL, NULL);
        if (strcmp(e->action, "case.consent.record") == 0)
            return strmap_put(&tm->consented, id, n, 0, NULL, NULL, NULL);
        if (strcmp(e->action, "case.referral.send") == 0 && strmap_get(&tm->consented, id, n))
            return strmap_put(&tm->referred, id, n, 0, NULL, NULL, NULL);
    }
    return TW_OK;
}

static int parse_ts(const char *s, struct tm *t)
{
    memset(t, 0, sizeof *t);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &t->tm_year, &t->tm_mon, &t->tm_mday, &t->tm_hour,
               &t->tm_min, &t->tm_sec) != 6)
        return 0;
    t->tm_year -= 1900;
    t->tm_mon -= 1;
    return 1;
}

static double seconds_between(const char *a, const char *b)
{
    struct tm ta, tb;
    if (!parse_ts(a, &ta) || !parse_ts(b, &tb))
        return -1;
    return difftime(timegm(&tb), timegm(&ta));
}

static tw_err_t password_of(const char *dir, const char *user, char pw[64], tw_errinfo_t *ei)
{
    char path[PATHMAX], line[256];
    tw_err_t err;
    if ((err = pathf(path, sizeof path, ei, "%s/trainer/accounts.csv", dir)) != TW_OK)
        return err;
    FILE *f = fopen(path, "r");
    if (!f) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_ENOTFOUND, "cannot read the accounts");
    }
    err = TW_ENOTFOUND;
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL,
             *c3 = c2 ? strchr(c2 + 1, ',') : NULL;
        if (!c3)
            continue;
        *c2 = '\0';
        if (strcmp(c1 + 1, user) == 0) {
            c3[strcspn(c3, "\r\n")] = '\0';
            snprintf(pw, 64, "%s", c3 + 1);
            err = TW_OK;
            break;
        }
    }
    fclose(f);
    if (err != TW_OK)
        tw_errinfo_set(ei, err, "no account %s in the exercise", user);
    return err;
}

/* The team's cases, read as its trainer: whose they are. */
static tw_err_t read_cases(const char *dir, team_t *tm, tw_errinfo_t *ei)
{
    char keyp[PATHMAX], user[64], pw[64], session[AUTH_TOKEN_LEN + 1], csrf[AUTH_TOKEN_LEN + 1];
    vault_t *v = NULL;
    auth_principal_t who;
    cases_actor_t act;
    tw_err_t err;

    if (tm->case_ids.count == 0)
        return TW_OK;
    snprintf(user, sizeof user, "%s-trainer", tm->team);
    if ((err = pathf(keyp, sizeof keyp, ei, "%s/teams/%s/exercise.db.key", dir, tm->team)) !=
            TW_OK ||
        (err = password_of(dir, user, pw, ei)) != TW_OK ||
        (err = vault_open(keyp, &v, ei)) != TW_OK)
        return err;
    memset(&who, 0, sizeof who);
    if ((err = auth_login(tm->st, user, pw, "exercise score", session, csrf, &who, ei)) != TW_OK)
        goto out;
    act.who = &who;
    act.remote = "exercise score";
    act.now = 0;
    for (size_t i = 0; i < tm->case_ids.nslots; i++) {
        const strmap_slot_t *sl = &tm->case_ids.slots[i];
        if (!sl->key)
            continue;
        char idb[32];
        snprintf(idb, sizeof idb, "%.*s", (int)sl->len, sl->key);
        int64_t id = strtoll(idb, NULL, 10);
        cases_case_t c;
        memset(&c, 0, sizeof c);
        if (cases_get(tm->st, v, &act, id, &c, ei) != TW_OK) {
            tw_errinfo_clear(ei);
            continue;
        }
        tm->cases++;
        char obj[200], label[160], how[160];
        const truth_row_t *r = c.worker_key ? truth_of(tm->t, "worker", c.worker_key) : NULL;
        truth_label(r, label, sizeof label);
        snprintf(obj, sizeof obj, "case %lld (worker %s)", (long long)id,
                 c.worker_key ? c.worker_key : "not named");
        if (r && r->planted) {
            tm->victims++;
            snprintf(how, sizeof how, "NRM case %lld opened for %s", (long long)id, c.worker_key);
            credit(tm, r, how, 1);
        } else {
            tm->false_leads++;
        }
        err = add_decision(tm, c.opened_at, c.opened_by, "NRM case opened", obj, label);
        cases_case_free(&c);
        if (err != TW_OK)
            goto out;
    }
    err = TW_OK;
out:
    vault_close(v);
    return err;
}

static int cmp_decision(const void *a, const void *b)
{
    return strcmp(((const decision_t *)a)->at, ((const decision_t *)b)->at);
}

static tw_err_t team_read(const char *dir, team_t *tm, tw_errinfo_t *ei)
{
    char path[PATHMAX];
    tw_err_t err;
    struct stat sb;
    if ((err = pathf(path, sizeof path, ei, "%s/teams/%s/exercise.db", dir, tm->team)) != TW_OK)
        return err;
    if (stat(path, &sb) != 0) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, TW_ENOTFOUND, "the team's store is missing");
    }
    if ((err = store_open(path, &tm->st, ei)) != TW_OK ||
        (err = alerts_scan(tm->st, alert_item, tm)) != TW_OK)
        return err;
    for (size_t i = 0; i < tm->nhist; i++) {
        alert_ctx_t a;
        memset(&a, 0, sizeof a);
        a.tm = tm;
        a.id = tm->alerts_with_history[i];
        a.type = a.key = "";
        alerts_visitor_t v = {alert_detail, alert_event, NULL};
        if ((err = alerts_get(tm->st, a.id, &v, &a, ei)) != TW_OK)
            return err;
    }
    if ((err = audit_list(tm->st, 0, audit_entry, tm, ei)) != TW_OK ||
        (err = read_cases(dir, tm, ei)) != TW_OK)
        return err;
    tm->consents_sent = (int)tm->referred.count;
    if (tm->nd > 1)
        qsort(tm->d, tm->nd, sizeof *tm->d, cmp_decision);
    return TW_OK;
}

static void team_free(team_t *tm)
{
    if (tm->st)
        store_close(tm->st);
    free(tm->d);
    strmap_free(&tm->consented);
    strmap_free(&tm->referred);
    strmap_free(&tm->case_ids);
}

static tw_err_t html_text(tw_buf_t *b, const char *s)
{
    tw_err_t err = TW_OK;
    for (; *s && err == TW_OK; s++) {
        switch (*s) {
        case '<': err = buf_adds(b, "&lt;"); break;
        case '>': err = buf_adds(b, "&gt;"); break;
        case '&': err = buf_adds(b, "&amp;"); break;
        case '"': err = buf_adds(b, "&quot;"); break;
        case '\'': err = buf_adds(b, "&#39;"); break;
        default: err = buf_addc(b, *s);
        }
    }
    return err;
}

/* Loads the settings, the truth and every team (or one). */
static tw_err_t load_all(const char *dir, const char *only, conf_t *c, truth_t *t, team_t *teams,
                         size_t *n, tw_errinfo_t *ei)
{
    char path[PATHMAX];
    tw_err_t err;
    *n = 0;
    if ((err = auth_init()) != TW_OK || (err = conf_load(dir, c, ei)) != TW_OK ||
        (err = pathf(path, sizeof path, ei, "%s/trainer/truth.csv", dir)) != TW_OK ||
        (err = truth_load(path, c->schemes, t, ei)) != TW_OK)
        return err;
    for (size_t i = 0; i < c->nteams; i++) {
        if (only && strcmp(only, c->teams[i]) != 0)
            continue;
        team_t *tm = &teams[*n];
        memset(tm, 0, sizeof *tm);
        tm->team = c->teams[i];
        tm->ti = (int)i;
        tm->t = t;
        strmap_init(&tm->consented);
        strmap_init(&tm->referred);
        strmap_init(&tm->case_ids);
        (*n)++;
        if ((err = team_read(dir, tm, ei)) != TW_OK)
            return err;
    }
    if (only && *n == 0) {
        tw_errinfo_field(ei, "--team");
        return tw_errinfo_set(ei, TW_EINPUT, "no team '%.30s' in this exercise", only);
    }
    return TW_OK;
}

tw_err_t exercise_score(const char *dir, FILE *out, tw_errinfo_t *ei)
{
    conf_t c;
    truth_t t;
    team_t *teams = calloc(MAX_TEAMS, sizeof *teams);
    size_t n = 0, scored = 0, workers = 0;
    tw_buf_t h;
    tw_err_t err;
    char path[PATHMAX];

    memset(&t, 0, sizeof t);
    buf_init(&h, (size_t)64 << 20);
    if (!teams)
        return TW_ENOMEM;
    if ((err = load_all(dir, NULL, &c, &t, teams, &n, ei)) != TW_OK)
        goto out;
    for (size_t s = 0; s < t.nschemes; s++)
        if (t.schemes[s].scored) {
            scored++;
            workers += (size_t)t.schemes[s].workers;
        }
    fprintf(out, "exercise %s (seed %llu, %llu applications): %zu planted schemes scored, %zu "
                 "planted workers%s%s\n",
            dir, c.seed, c.applications, scored, workers, c.schemes[0] ? "; typologies: " : "",
            c.schemes);
    buf_printf(&h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                   "<title>Exercise debrief</title><style>"
                   "body{font-family:sans-serif;margin:1.5rem;color:#1d2733}"
                   "table{border-collapse:collapse;margin:1rem 0}"
                   "th,td{border:1px solid #c9d1da;padding:.3rem .6rem;text-align:left;"
                   "vertical-align:top}th{background:#eef2f6}.found{background:#e3f4ea}"
                   ".missed{background:#fde8e8}.muted{color:#5b6775}</style></head><body>\n"
                   "<h1>Exercise debrief</h1>\n<p>Register of %llu applications, seed %llu, "
                   "created %s. %zu planted schemes scored, %zu planted workers.</p>\n",
               c.applications, c.seed, c.created, scored, workers);
    buf_printf(&h, "<h2>Teams</h2>\n<table><thead><tr><th scope=\"col\">Team</th>"
                   "<th scope=\"col\">Schemes found</th><th scope=\"col\">Victims reached</th>"
                   "<th scope=\"col\">False leads</th><th scope=\"col\">Planted leads "
                   "dismissed</th><th scope=\"col\">First action</th><th scope=\"col\">"
                   "Referrals with consent</th><th scope=\"col\">Decisions</th></tr></thead>"
                   "<tbody>\n");
    for (size_t i = 0; i < n; i++) {
        team_t *tm = &teams[i];
        int found = 0;
        for (size_t s = 0; s < t.nschemes; s++)
            found += t.schemes[s].scored && t.schemes[s].found[tm->ti];
        char first[64] = "no action yet";
        if (tm->first_action[0]) {
            double sec = tm->first_login[0] ? seconds_between(tm->first_login, tm->first_action)
                                            : -1;
            if (sec >= 0)
                snprintf(first, sizeof first, "%.0f s after first sign-in", sec);
            else
                snprintf(first, sizeof first, "at %s", tm->first_action);
        }
        fprintf(out,
                "  team %s: schemes found %d of %zu, victims reached %d of %zu, false leads %d, "
                "planted leads dismissed %d, first action %s, referrals with consent %d "
                "(%zu decisions)\n",
                tm->team, found, scored, tm->victims, workers, tm->false_leads,
                tm->dismissed_planted, first, tm->consents_sent, tm->nd);
        buf_adds(&h, "<tr><th scope=\"row\">");
        html_text(&h, tm->team);
        buf_printf(&h, "</th><td>%d of %zu</td><td>%d of %zu</td><td>%d</td><td>%d</td><td>",
                   found, scored, tm->victims, workers, tm->false_leads, tm->dismissed_planted);
        html_text(&h, first);
        buf_printf(&h, "</td><td>%d</td><td>%zu</td></tr>\n", tm->consents_sent, tm->nd);
    }
    buf_adds(&h, "</tbody></table>\n<h2>Planted schemes and what each team did</h2>\n<table>"
                 "<thead><tr><th scope=\"col\">Scheme</th><th scope=\"col\">Typology</th>"
                 "<th scope=\"col\">Planted workers</th>");
    for (size_t i = 0; i < n; i++) {
        buf_adds(&h, "<th scope=\"col\">");
        html_text(&h, teams[i].team);
        buf_adds(&h, "</th>");
    }
    buf_adds(&h, "</tr></thead><tbody>\n");
    for (size_t s = 0; s < t.nschemes; s++) {
        scheme_t *sc = &t.schemes[s];
        if (!sc->scored)
            continue;
        buf_adds(&h, "<tr><th scope=\"row\">");
        html_text(&h, sc->id);
        buf_adds(&h, "</th><td>");
        html_text(&h, sc->typology);
        buf_printf(&h, "</td><td>%d</td>", sc->workers);
        for (size_t i = 0; i < n; i++) {
            int ti = teams[i].ti;
            if (sc->found[ti]) {
                buf_adds(&h, "<td class=\"found\">found: ");
                html_text(&h, sc->how[ti]);
                if (sc->victims[ti])
                    buf_printf(&h, "; %d victim%s reached", sc->victims[ti],
                               sc->victims[ti] == 1 ? "" : "s");
                buf_adds(&h, "</td>");
            } else {
                buf_adds(&h, "<td class=\"missed\">not found</td>");
            }
        }
        buf_adds(&h, "</tr>\n");
    }
    buf_adds(&h, "</tbody></table>\n");
    for (size_t i = 0; i < n; i++) {
        team_t *tm = &teams[i];
        buf_adds(&h, "<h2>Decisions of team ");
        html_text(&h, tm->team);
        buf_adds(&h, "</h2>\n");
        if (!tm->nd) {
            buf_adds(&h, "<p class=\"muted\">No decision.</p>\n");
            continue;
        }
        buf_adds(&h, "<table><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Who</th>"
                     "<th scope=\"col\">What</th><th scope=\"col\">On</th>"
                     "<th scope=\"col\">The truth</th></tr></thead><tbody>\n");
        for (size_t k = 0; k < tm->nd; k++) {
            const decision_t *d = &tm->d[k];
            const char *cells[] = {d->at, d->actor, d->what, d->object, d->truth};
            buf_adds(&h, "<tr>");
            for (int j = 0; j < 5; j++) {
                buf_adds(&h, "<td>");
                html_text(&h, cells[j]);
                buf_adds(&h, "</td>");
            }
            buf_adds(&h, "</tr>\n");
        }
        buf_adds(&h, "</tbody></table>\n");
    }
    if ((err = buf_adds(&h, "</body></html>\n")) != TW_OK)
        goto out;
    if ((err = pathf(path, sizeof path, ei, "%s/trainer/debrief.html", dir)) != TW_OK ||
        (err = write_text(path, buf_str(&h), 0600, ei)) != TW_OK)
        goto out;
    fprintf(out, "  debrief (trainer only): %s\n", path);
out:
    for (size_t i = 0; i < n; i++)
        team_free(&teams[i]);
    free(teams);
    truth_free(&t);
    buf_free(&h);
    return err;
}

tw_err_t exercise_replay(const char *dir, const char *team, FILE *out, tw_errinfo_t *ei)
{
    conf_t c;
    truth_t t;
    team_t *teams = calloc(MAX_TEAMS, sizeof *teams);
    size_t n = 0;
    tw_err_t err;

    memset(&t, 0, sizeof t);
    if (!teams)
        return TW_ENOMEM;
    if ((err = load_all(dir, team, &c, &t, teams, &n, ei)) != TW_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        team_t *tm = &teams[i];
        fprintf(out, "team %s: %zu decisions%s%s\n", tm->team, tm->nd,
                tm->first_login[0] ? ", first sign-in " : "", tm->first_login);
        for (size_t k = 0; k < tm->nd; k++)
            fprintf(out, "  %s  %-12s %-22s %s  [%s]\n", tm->d[k].at, tm->d[k].actor,
                    tm->d[k].what, tm->d[k].object, tm->d[k].truth);
    }
out:
    for (size_t i = 0; i < n; i++)
        team_free(&teams[i]);
    free(teams);
    truth_free(&t);
    return err;
}
