/*
 * cmd_link.c - tipwatch link (persons across the registers, or any CSV
 * files) and tipwatch persons (export, show).
 * Conventions (exit statuses, --help, stdout/stderr): cli_int.h.
 */
#include "cli/cli_int.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "base/csvout.h"
#include "access/audit.h"
#include "cases/cases.h"
#include "cases/vault.h"
#include "link/files.h"
#include "link/persons.h"

static const char link_help[] =
    "usage: tipwatch link [--db FILE] [--config FILE] [--key-file FILE] [--full] [--quiet]\n"
    "       tipwatch link --files A.csv [--files B.csv] --id COLUMN --fields SPEC\n"
    "                     --out PAIRS.csv [--threshold W] [--block-cap N] [--seed S]\n"
    "\n"
    "Links the records of the permit, border-crossing and report registers, and\n"
    "the NRM cases that have a name, into persons (Fellegi-Sunter, parameters\n"
    "estimated on the data by EM). The cases' names are encrypted at rest: they are\n"
    "opened with the key file for the run and nothing of them is stored by the\n"
    "linkage; without a key file the cases are skipped (said on stderr) and keep\n"
    "the persons of earlier runs. Person ids\n"
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
    "  --key-file FILE  the key file of the NRM cases (default: $TIPWATCH_KEY_FILE,\n"
    "                   else the database path + .key, when it exists)\n"
    "  --full           compare every record again and re-estimate the model\n"
    "  --threshold W    match weight that links (default 4.25, probability 0.95)\n"
    "  --block-cap N    records in one block at most (default 500); larger blocks\n"
    "                   are reported and not compared\n"
    "  --seed S         seed of the random pairs the u probabilities come from\n"
    "  --quiet          no summary\n";

/* The cases' identities for one run, copied out of cases_link_records()'s
 * callback (its plaintext is wiped when the callback returns), wiped and
 * freed by cases_buf_free(). */
typedef struct {
    persons_case_t *c;
    size_t n, cap;
} cases_buf_t;

static void wipe_free(const char *s)
{
    if (s) {
        sodium_memzero((void *)s, strlen(s));
        free((void *)s);
    }
}

static void cases_buf_free(cases_buf_t *b)
{
    size_t i;
    for (i = 0; i < b->n; i++) {
        wipe_free(b->c[i].name);
        wipe_free(b->c[i].birth_date);
        wipe_free(b->c[i].document);
        wipe_free(b->c[i].phone);
        wipe_free(b->c[i].sex);
        wipe_free(b->c[i].citizenship);
    }
    free(b->c);
    memset(b, 0, sizeof *b);
}

static tw_err_t case_copy(void *ctx, const persons_case_t *c)
{
    cases_buf_t *b = ctx;
    persons_case_t *d;
    if (b->n == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        persons_case_t *p = realloc(b->c, nc * sizeof *p);
        if (!p)
            return TW_ENOMEM;
        b->c = p;
        b->cap = nc;
    }
    d = &b->c[b->n];
    memset(d, 0, sizeof *d);
    d->id = c->id;
    d->change_token = c->change_token;
    b->n++; /* counted before the copies, so cases_buf_free() frees them all */
    if (!(d->name = strdup(c->name ? c->name : "")) ||
        !(d->birth_date = strdup(c->birth_date ? c->birth_date : "")) ||
        !(d->document = strdup(c->document ? c->document : "")) ||
        !(d->phone = strdup(c->phone ? c->phone : "")) ||
        !(d->sex = strdup(c->sex ? c->sex : "")) ||
        !(d->citizenship = strdup(c->citizenship ? c->citizenship : "")))
        return TW_ENOMEM;
    return TW_OK;
}

/* Links db with its NRM cases when there is a key file: key_opt (--key-file:
 * it must open), else $TIPWATCH_KEY_FILE or DB.key when it exists. Without
 * one the cases are skipped, said on stderr (unless quiet), and the case
 * records of earlier runs keep their persons. */
static tw_err_t link_with_cases(const char *db, persons_opts_t *po, const char *key_opt,
                                int quiet, tw_errinfo_t *ei)
{
    char key_path[4096];
    struct stat sb;
    store_t *st = NULL;
    vault_t *v = NULL;
    cases_buf_t cb = {NULL, 0, 0};
    cases_actor_t sys = {NULL, NULL, 0};
    long long handed = 0;
    tw_err_t err;

    if ((err = cli_open_existing(db, &st, ei)) != TW_OK)
        return err;
    if ((err = vault_key_path(key_opt, db, key_path, sizeof key_path, ei)) != TW_OK)
        goto out;
    if (!key_opt && stat(key_path, &sb) != 0 && errno == ENOENT) {
        if (!quiet)
            fprintf(stderr,
                    "link: no key file (%s): NRM cases are not linked this run; their "
                    "earlier links are kept (give --key-file to link them)\n",
                    key_path);
    } else {
        if ((err = vault_open(key_path, &v, ei)) != TW_OK) {
            if (!ei->file[0])
                tw_errinfo_file(ei, key_path);
            goto out;
        }
        if ((err = cases_keys_verify(st, v, ei)) != TW_OK ||
            (err = cases_link_records(st, v, &sys, case_copy, &cb, &handed, ei)) != TW_OK)
            goto out;
        po->cases = cb.c;
        po->ncases = cb.n;
        po->cases_read = 1;
    }
    err = persons_link_store(st, po, ei);
out:
    po->cases = NULL;
    po->ncases = 0;
    cases_buf_free(&cb);
    vault_close(v);
    store_close(st);
    return err;
}

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
        {"key-file", required_argument, NULL, 'K'},  {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *config = NULL, *files[2] = {NULL, NULL}, *key = NULL;
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
        case 'K':
            key = optarg;
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
        err = link_with_cases(db, &po, key, quiet, &ei);
        return err ? cli_report(err, &ei) : 0;
    }
}

static const char persons_help[] =
    "usage: tipwatch persons export [--db FILE] [--format csv|json] [--out FILE]\n"
    "       tipwatch persons show [--db FILE] ID\n"
    "       tipwatch persons history [--db FILE]\n"
    "       tipwatch persons review [--db FILE] [--limit N] [--decided] [--format csv|json]\n"
    "       tipwatch persons decide [--db FILE] PAIR_ID same|not-same|unsure --reason TEXT\n"
    "                               [--user NAME]\n"
    "       tipwatch persons dispute [--db FILE] RECORD_A RECORD_B [--user NAME]\n"
    "\n"
    "export: one row per linked record, record,person_id, with record\n"
    "permits:APPLICATION_ID, border:CROSSING_ID, reports:REPORT_ID or cases:CASE_ID.\n"
    "show: the person's records across the registers and the evidence of each link\n"
    "(comparison levels and their weights, the prior, the total). An id that was\n"
    "merged into another shows where it went.\n"
    "history: the merges and splits of person ids, oldest first.\n"
    "review: the clerical review queue, disputed links and then the pairs of\n"
    "records the model is least sure of first: the two records side by side, their\n"
    "values as the registers hold them (an NRM case's are sealed) and how each\n"
    "field compared (csv: pair_id,record_a,record_b,weight,probability,name_a,\n"
    "name_b,birth_date_a,birth_date_b,document_a,document_b,citizenship_a,\n"
    "citizenship_b,sex_a,sex_b,evidence,decision,decided_by,decided_at,note; json:\n"
    "one object per pair, each value as [a, b], the evidence item by item).\n"
    "--decided lists the pairs already decided too.\n"
    "decide: records a reviewer's decision on pair PAIR_ID: the two records are the\n"
    "same person, not the same, or the reviewer is unsure. It is written to the\n"
    "audit log, outlives every later run, overrides the model, and applies at the\n"
    "next 'tipwatch link' (a 'not-same' on two records of one person splits it,\n"
    "and the next incremental screening checks its workers again).\n"
    "dispute: puts a link of a person (two records 'persons show' lists as joined,\n"
    "e.g. permits:WP-1 border:BC-7) into the review queue, so that a join the model\n"
    "made can be answered 'not-same'; prints the pair id. A pair already decided\n"
    "is reopened: its decision is cleared and it is back at the head of the queue.\n"
    "\n"
    "  --db FILE        database (default tipwatch.db)\n"
    "  --format F       csv (default) or json\n"
    "  --out FILE       write there instead of stdout\n"
    "  --limit N        review: at most N pairs (default 50, at most 100000)\n"
    "  --decided        review: the decided pairs too, after the pending ones\n"
    "  --reason TEXT    decide: why (at most 1000 bytes; required)\n"
    "  --user NAME      decide: who decides (default $USER)\n";

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
/* A register's value in a CSV cell: csvout's quoting and formula
 * neutralisation (a name such as "=HYPERLINK(...)" reaches a reviewer's
 * spreadsheet as text). */
static void csv_field(FILE *out, const char *s)
{
    if (s)
        csvout_cell(out, s, strlen(s));
}

/* What a reviewer compares, for one record of a pair: the values as the
 * register holds them (a case's are sealed: not shown here). */
enum { SIDE_NAME, SIDE_BIRTH, SIDE_DOC, SIDE_CITIZEN, SIDE_SEX, SIDE_N };
static const char *const side_names[SIDE_N] = {"name", "birth_date", "document", "citizenship",
                                               "sex"};
typedef struct {
    char v[SIDE_N][256];
    char given[128], family[128], doc_no[64], doc_country[8];
} side_t;

static void cell_copy(char *dst, size_t cap, const store_cell_t *c)
{
    snprintf(dst, cap, "%.*s", c->null || !c->text ? 0 : (int)c->len, c->text ? c->text : "");
}

static tw_err_t side_row(void *ctx, const store_record_t *rec)
{
    side_t *d = ctx;
    size_t i;
    for (i = 0; i < rec->n; i++) {
        const char *n = rec->names[i];
        const store_cell_t *c = &rec->cells[i];
        if (strcmp(n, "worker_given_name") == 0 || strcmp(n, "given_name") == 0)
            cell_copy(d->given, sizeof d->given, c);
        else if (strcmp(n, "worker_family_name") == 0 || strcmp(n, "family_name") == 0)
            cell_copy(d->family, sizeof d->family, c);
        else if (strcmp(n, "subject_name") == 0)
            cell_copy(d->v[SIDE_NAME], sizeof d->v[SIDE_NAME], c);
        else if (strcmp(n, "worker_birth_date") == 0 || strcmp(n, "birth_date") == 0 ||
                 strcmp(n, "subject_birth_date") == 0)
            cell_copy(d->v[SIDE_BIRTH], sizeof d->v[SIDE_BIRTH], c);
        else if (strcmp(n, "worker_doc_no") == 0 || strcmp(n, "doc_no") == 0)
            cell_copy(d->doc_no, sizeof d->doc_no, c);
        else if (strcmp(n, "worker_doc_country") == 0 || strcmp(n, "doc_country") == 0)
            cell_copy(d->doc_country, sizeof d->doc_country, c);
        else if (strcmp(n, "worker_citizenship") == 0 || strcmp(n, "citizenship") == 0 ||
                 strcmp(n, "subject_citizenship") == 0)
            cell_copy(d->v[SIDE_CITIZEN], sizeof d->v[SIDE_CITIZEN], c);
        else if (strcmp(n, "worker_sex") == 0 || strcmp(n, "sex") == 0)
            cell_copy(d->v[SIDE_SEX], sizeof d->v[SIDE_SEX], c);
    }
    if (d->given[0] || d->family[0])
        snprintf(d->v[SIDE_NAME], sizeof d->v[SIDE_NAME], "%s%s%s", d->given,
                 d->given[0] && d->family[0] ? " " : "", d->family);
    if (d->doc_no[0])
        snprintf(d->v[SIDE_DOC], sizeof d->v[SIDE_DOC], "%s:%s", d->doc_country, d->doc_no);
    return TW_OK;
}

/* The values of record "permits:ID", "border:ID" or "reports:ID" into d
 * (all "" when the row is gone); a case's: "(sealed)". */
static tw_err_t side_of(store_t *st, const char *record, side_t *d)
{
    static const struct {
        const char *prefix;
        reg_id_t reg;
    } regs[] = {{"permits:", REG_PERMITS}, {"border:", REG_BORDER}, {"reports:", REG_REPORTS}};
    size_t i;
    memset(d, 0, sizeof *d);
    for (i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        size_t pl = strlen(regs[i].prefix);
        if (strncmp(record, regs[i].prefix, pl) == 0)
            return store_record_get(st, regs[i].reg, record + pl, side_row, d);
    }
    if (strncmp(record, "cases:", 6) == 0)
        for (i = 0; i < SIDE_N; i++)
            snprintf(d->v[i], sizeof d->v[i], "(sealed)");
    return TW_OK;
}

typedef struct {
    FILE *out;
    store_t *st;
    int json;
    long long n;
} review_out_t;

static tw_err_t review_row(void *ctx, const persons_review_t *r)
{
    review_out_t *c = ctx;
    side_t sa, sb;
    size_t i;
    tw_err_t err;
    if ((err = side_of(c->st, r->a ? r->a : "", &sa)) != TW_OK ||
        (err = side_of(c->st, r->b ? r->b : "", &sb)) != TW_OK)
        return err;
    if (c->json) {
        json_t *o = json_object(), *det = r->detail ? json_loads(r->detail, 0, NULL) : NULL;
        char *text;
        json_object_set_new(o, "pair_id", json_integer((json_int_t)r->id));
        json_object_set_new(o, "record_a", json_string(r->a ? r->a : ""));
        json_object_set_new(o, "record_b", json_string(r->b ? r->b : ""));
        json_object_set_new(o, "weight", json_real(r->weight));
        json_object_set_new(o, "probability", json_real(r->probability));
        for (i = 0; i < SIDE_N; i++) {
            json_t *pair = json_array();
            json_array_append_new(pair, json_string(sa.v[i]));
            json_array_append_new(pair, json_string(sb.v[i]));
            json_object_set_new(o, side_names[i], pair);
        }
        json_object_set_new(o, "evidence", json_string(r->evidence ? r->evidence : ""));
        json_object_set_new(o, "detail", det ? det : json_null());
        json_object_set_new(o, "decision", r->decision ? json_string(r->decision) : json_null());
        json_object_set_new(o, "decided_by",
                            r->decided_by ? json_string(r->decided_by) : json_null());
        json_object_set_new(o, "decided_at",
                            r->decided_at ? json_string(r->decided_at) : json_null());
        json_object_set_new(o, "note", r->note ? json_string(r->note) : json_null());
        text = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
        json_decref(o);
        if (!text)
            return TW_ENOMEM;
        fprintf(c->out, "%s\n%s", c->n ? "," : "", text);
        free(text);
    } else {
        fprintf(c->out, "%lld,", (long long)r->id);
        csv_field(c->out, r->a);
        fputc(',', c->out);
        csv_field(c->out, r->b);
        fprintf(c->out, ",%.2f,%.4f,", r->weight, r->probability);
        for (i = 0; i < SIDE_N; i++) {
            csv_field(c->out, sa.v[i]);
            fputc(',', c->out);
            csv_field(c->out, sb.v[i]);
            fputc(',', c->out);
        }
        csv_field(c->out, r->evidence);
        fputc(',', c->out);
        csv_field(c->out, r->decision);
        fputc(',', c->out);
        csv_field(c->out, r->decided_by);
        fputc(',', c->out);
        csv_field(c->out, r->decided_at);
        fputc(',', c->out);
        csv_field(c->out, r->note);
        fputc('\n', c->out);
    }
    c->n++;
    return ferror(c->out) ? TW_EIO : TW_OK;
}

static tw_err_t persons_review_cli(const char *db, size_t limit, int decided, int json,
                                   FILE *out, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    review_out_t c = {out, NULL, json, 0};
    long long pending = 0;
    tw_err_t err;

    if ((err = cli_open_existing(db, &st, ei)) != TW_OK)
        return err;
    c.st = st;
    fputs(json ? "[" : "pair_id,record_a,record_b,weight,probability,name_a,name_b,"
                       "birth_date_a,birth_date_b,document_a,document_b,citizenship_a,"
                       "citizenship_b,sex_a,sex_b,evidence,decision,decided_by,decided_at,"
                       "note\n",
          out);
    err = persons_review_list(st, limit, decided, NULL, review_row, &c, &pending);
    if (err == TW_OK) {
        /* reading the queue discloses which records may be one person */
        err = audit_append(st, NULL, "person.review.read", "link_review", "cli", NULL, ei);
    }
    if (json)
        fputs(c.n ? "\n]\n" : "]\n", out);
    if (err == TW_OK)
        fprintf(stderr, "persons review: %lld pairs pending%s\n", pending,
                (long long)c.n < pending && !decided ? " (raise --limit to see more)" : "");
    else if (err == TW_EDB && !ei->msg[0])
        store_db_error(st, ei, "persons review");
    store_close(st);
    return err;
}

static tw_err_t persons_decide_cli(const char *db, int64_t id, const char *decision,
                                   const char *user, const char *reason, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    char a[256], b[256], object[64];
    json_t *detail;
    char *dtext = NULL;
    tw_err_t err;

    if ((err = cli_open_existing(db, &st, ei)) != TW_OK)
        return err;
    if ((err = store_begin(st)) != TW_OK) {
        store_db_error(st, ei, "persons decide");
        goto out;
    }
    /* the same module function as POST /api/v1/persons/review/{id}, and
     * the same audit entry, in the decision's transaction */
    err = persons_review_decide(st, id, decision, user, reason, a, b, sizeof a, ei);
    if (err == TW_OK) {
        detail = json_object();
        json_object_set_new(detail, "a", json_string(a));
        json_object_set_new(detail, "b", json_string(b));
        json_object_set_new(detail, "decision", json_string(decision));
        json_object_set_new(detail, "by", json_string(user));
        dtext = json_dumps(detail, JSON_COMPACT);
        json_decref(detail);
        snprintf(object, sizeof object, "link_review:%lld", (long long)id);
        err = dtext ? audit_append(st, NULL, "person.review", object, "cli", dtext, ei)
                    : TW_ENOMEM;
    }
    if (err == TW_OK) {
        if ((err = store_commit(st)) != TW_OK)
            store_db_error(st, ei, "persons decide");
    } else {
        store_rollback(st);
        if (err == TW_EDB && !ei->msg[0])
            store_db_error(st, ei, "persons decide");
    }
    if (err == TW_OK)
        printf("pair %lld: %s = %s: %s (by %s; applies at the next tipwatch link)\n",
               (long long)id, a, b,
               strcmp(decision, "same") == 0       ? "the same person"
               : strcmp(decision, "not_same") == 0 ? "not the same person"
                                                   : "unsure",
               user);
out:
    free(dtext);
    store_close(st);
    return err;
}

static tw_err_t persons_dispute_cli(const char *db, const char *a, const char *b,
                                    const char *user, tw_errinfo_t *ei)
{
    store_t *st = NULL;
    char object[64], was[16];
    json_t *detail;
    char *dtext = NULL;
    int64_t id = 0;
    tw_err_t err;

    if ((err = cli_open_existing(db, &st, ei)) != TW_OK)
        return err;
    if ((err = store_begin(st)) != TW_OK) {
        store_db_error(st, ei, "persons dispute");
        goto out;
    }
    err = persons_review_add(st, a, b, &id, was, sizeof was, ei);
    if (err == TW_OK) {
        detail = json_pack("{s:s,s:s,s:s}", "a", a, "b", b, "by", user);
        if (detail && was[0] && json_object_set_new(detail, "reopened", json_string(was)) != 0) {
            json_decref(detail);
            detail = NULL;
        }
        dtext = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
        json_decref(detail);
        snprintf(object, sizeof object, "link_review:%lld", (long long)id);
        err = dtext ? audit_append(st, NULL, "person.review.add", object, "cli", dtext, ei)
                    : TW_ENOMEM;
    }
    if (err == TW_OK) {
        if ((err = store_commit(st)) != TW_OK)
            store_db_error(st, ei, "persons dispute");
    } else {
        store_rollback(st);
        if (err == TW_EDB && !ei->msg[0])
            store_db_error(st, ei, "persons dispute");
    }
    if (err == TW_OK && was[0])
        printf("pair %lld: %s = %s is reopened: its decision (%s) is cleared and it is back "
               "at the head of the review queue (tipwatch persons decide %lld "
               "same|not-same|unsure --reason TEXT)\n",
               (long long)id, a, b, strcmp(was, "not_same") == 0 ? "not-same" : was,
               (long long)id);
    else if (err == TW_OK)
        printf("pair %lld: %s = %s is in the review queue (tipwatch persons decide %lld "
               "same|not-same|unsure --reason TEXT)\n",
               (long long)id, a, b, (long long)id);
out:
    free(dtext);
    store_close(st);
    return err;
}

int cmd_persons(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},     {"format", required_argument, NULL, 'f'},
        {"out", required_argument, NULL, 'o'},    {"limit", required_argument, NULL, 'l'},
        {"decided", no_argument, NULL, 'D'},      {"reason", required_argument, NULL, 'r'},
        {"user", required_argument, NULL, 'u'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *db = DEFAULT_DB, *format = "csv", *outp = NULL, *sub, *reason = NULL;
    const char *user = getenv("USER") && getenv("USER")[0] ? getenv("USER") : "cli";
    unsigned long long limit = 50;
    tw_errinfo_t ei;
    FILE *out = stdout;
    int c, rc, decided = 0;
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
        case 'l':
            if (cli_parse_u64(optarg, 1, 100000, &limit) != 0)
                return cli_usage_error("persons", "--limit: '%s' is not in 1..100000", optarg);
            break;
        case 'D':
            decided = 1;
            break;
        case 'r':
            reason = optarg;
            break;
        case 'u':
            user = optarg;
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
    if (strcmp(sub, "decide") == 0) {
        unsigned long long pid;
        const char *d;
        if (optind + 2 != argc)
            return cli_usage_error("persons", "%s",
                                   "decide needs PAIR_ID and same, not-same or unsure");
        if (cli_parse_u64(argv[optind], 1, INT64_MAX, &pid) != 0)
            return cli_usage_error("persons", "decide: '%s' is not a pair id (a whole "
                                              "number, see 'persons review')",
                                   argv[optind]);
        d = argv[optind + 1];
        if (strcmp(d, "same") == 0)
            d = "same";
        else if (strcmp(d, "not-same") == 0 || strcmp(d, "not_same") == 0)
            d = "not_same";
        else if (strcmp(d, "unsure") == 0)
            d = "unsure";
        else
            return cli_usage_error("persons", "decide: '%s' is not same, not-same or unsure",
                                   d);
        if (!reason || !reason[0])
            return cli_usage_error("persons", "%s", "decide needs --reason TEXT");
        if (strlen(reason) > 1000)
            return cli_usage_error("persons", "%s", "--reason: at most 1000 bytes");
        if (!user[0] || strlen(user) > 63)
            return cli_usage_error("persons", "%s", "--user: a name of 1 to 63 bytes");
        err = persons_decide_cli(db, (int64_t)pid, d, user, reason, &ei);
        return err ? cli_report(err, &ei) : 0;
    }
    if (strcmp(sub, "dispute") == 0) {
        if (optind + 2 != argc)
            return cli_usage_error("persons", "%s",
                                   "dispute needs two records, as 'persons show' names them");
        if (strlen(argv[optind]) > 200 || strlen(argv[optind + 1]) > 200)
            return cli_usage_error("persons", "%s", "dispute: a record name is at most 200 bytes");
        if (!user[0] || strlen(user) > 63)
            return cli_usage_error("persons", "%s", "--user: a name of 1 to 63 bytes");
        err = persons_dispute_cli(db, argv[optind], argv[optind + 1], user, &ei);
        return err ? cli_report(err, &ei) : 0;
    }
    if (outp && !(out = fopen(outp, "w"))) {
        fprintf(stderr, "tipwatch persons: %s: cannot write\n", outp);
        return 1;
    }
    if (strcmp(sub, "export") == 0) {
        err = persons_export(db, strcmp(format, "json") == 0, out, &ei);
    } else if (strcmp(sub, "review") == 0) {
        if (optind != argc) {
            rc = cli_usage_error("persons", "review: unexpected argument '%s'", argv[optind]);
            goto done;
        }
        err = persons_review_cli(db, (size_t)limit, decided, strcmp(format, "json") == 0, out,
                                 &ei);
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
        rc = cli_usage_error("persons",
                             "unknown subcommand '%s' (export, show, history, review, decide, "
                             "dispute)",
                             sub);
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
    if ((err = link_with_cases(db, &po, NULL, quiet, &ei)) != TW_OK)
        return cli_report(err, &ei);
    return 0;
}
