/*
 * import.c - one register file into the store (see import.h).
 *
 * Two stages, each on its own thread, handing over chunks of 512 records:
 *
 *   reader (a thread of its own): csv_next -> map source columns to
 *     canonical ones -> per column: trim, value spelling from the mapping,
 *     date format from the mapping, validate (value.c), normalise (norm.c)
 *     -> content digest. Bad records are marked rejected with their issues.
 *   writer (the calling thread, the only one that touches the store):
 *     decide new / new version / unchanged -> entity ids -> store_row_insert,
 *     rejects into the store and FILE.rejects.csv, a commit every
 *     batch_rows records; or, on the bulk path (decided on the first chunk,
 *     use_bulk()), the whole file in one store_bulk_begin() ..
 *     store_bulk_commit() transaction: the same records, decisions and
 *     writes, only the transaction and the indexes differ.
 *
 * Data structures:
 *   - colmap[source column] = canonical column index, COL_EXTRA (kept in the
 *     row's `extra` JSON) or COL_DROP (the mapping said "-").
 *   - chunks: a ring of NCHUNKS chunk_t; the reader fills chunk head % N,
 *     the writer drains chunk tail % N; head and tail only grow and are
 *     guarded by `mu`. A chunk's records live in the chunk's own arena, reset
 *     when the reader takes the chunk again, so the hot loop does not call
 *     malloc once each arena has grown to its steady size.
 *   - latest: row_key -> index into `heads` (writer only): per row, the
 *     latest stored version, the import batch that wrote it, and the
 *     digests of the versions that batch wrote (its "tail", at most
 *     HEAD_TAIL). A record adds nothing when its content equals the latest
 *     version, or equals a version in the tail of an earlier batch: so a
 *     file holding the same id twice (two versions) adds nothing when it is
 *     imported again, while content that changes back in a later file (A,
 *     then B, then A again) is a new version, because the latest export is
 *     what the register says now.
 *
 * Invariants:
 *   1. A record is either inserted whole, counted unchanged, or rejected
 *      with at least one reason; never half-written.
 *   2. The rejects, the rows and the batch counters of one run of
 *      `batch_rows` records (on the bulk path: of the file) are committed
 *      in the same transaction.
 *   3. Only the writer thread uses the store_t; only the reader uses the
 *      CSV reader and the normaliser.
 */
#include "ingest/import.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/csvout.h"
#include "base/privfile.h"
#include "ingest/csv.h"
#include "base/json.h"
#include "ingest/mapping.h"
#include "ingest/norm.h"
#include "base/strmap.h"
#include "ingest/value.h"

#define COL_EXTRA (-1)
#define COL_DROP (-2)
#define MAX_ISSUES 32
#define RAW_KEEP 2000 /* bytes of a rejected record kept with its reject */

/* Columns the importer needs by role, resolved once per file. */
enum {
    R_ID, R_ETYPE, R_EKEY, R_DOC_COUNTRY, R_DOC_NO, R_EMPLOYER, R_INTERMEDIARY,
    R_ADDRESS, R_ADDRESS2, R_PHONE, R_VALID_FROM, R_VALID_TO, R_CONTRACT_START,
    R_CONTRACT_END, R_SUBMITTED, R_DECIDED, R_COUNT
};

static const char *const role_columns[REG_COUNT][R_COUNT] = {
    [REG_PERMITS] = {"application_id", NULL, NULL, "worker_doc_country", "worker_doc_no",
                     "employer_tin", "intermediary_id", "worker_address", "workplace_address",
                     "worker_phone", "valid_from", "valid_to", "contract_start", "contract_end",
                     "submitted_at", "decided_at"},
    [REG_BORDER] = {"crossing_id", NULL, NULL, "doc_country", "doc_no"},
    [REG_INSPECTIONS] = {"inspection_id", NULL, NULL, NULL, NULL, "employer_tin"},
    [REG_REPORTS] = {"report_id", NULL, NULL, NULL, NULL, "employer_tin", NULL, "address",
                     NULL, "phone"},
    [REG_OUTCOMES] = {NULL, "entity_type", "entity_key"},
};

typedef struct {
    int col;          /* canonical column index, or -1 for the whole row */
    long csv_column;  /* 1-based source column, 0 for the whole row */
    int warning;
    char reason[192];
} issue_t;

/* One record as prepared by the reader thread for the writer: every pointer
 * is into the chunk's arena, so it outlives the CSV reader's buffers. */
typedef struct {
    long line;
    int rejected;             /* 1: at least one error; nothing is stored */
    int repeated;             /* 1: its key comes again later in the file */
    size_t nissues;
    issue_t *issues;          /* MAX_ISSUES slots, allocated on the first issue */
    const char *raw;          /* the record, truncated to RAW_KEEP; only with issues */
    size_t raw_len;
    uint64_t raw_hash;        /* of the whole record */
    store_value_t *vals;      /* def->ncols values */
    const char *key;          /* row_key */
    size_t key_len;
    uint64_t content;         /* digest of the canonical values */
    const char *extra;        /* JSON object of unknown columns, or NULL */
} rec_t;

/* A batch of records handed from the reader to the writer. */
#define CHUNK_RECS 512
typedef struct {
    rec_t recs[CHUNK_RECS];
    size_t n;
    arena_t arena;
    unsigned long long bytes; /* CSV bytes consumed after the last record */
    int eof;                  /* no records follow this chunk */
    int cancelled;            /* ... because the import was cancelled, not at the end */
    tw_err_t err;             /* reader failure after the last record */
    tw_errinfo_t ei;
} chunk_t;

#define NCHUNKS 4

/* The latest stored version of a row and the versions its batch wrote. */
#define HEAD_TAIL 4
typedef struct {
    int64_t version;
    int64_t batch;
    uint64_t tail[HEAD_TAIL]; /* digests of the latest batch's versions, newest last */
    uint8_t ntail;
} head_t;

static void head_push(head_t *h, int64_t version, uint64_t content, int64_t batch)
{
    if (h->batch != batch)
        h->ntail = 0;
    if (h->ntail == HEAD_TAIL) {
        memmove(h->tail, h->tail + 1, (HEAD_TAIL - 1) * sizeof(h->tail[0]));
        h->ntail--;
    }
    h->tail[h->ntail++] = content;
    h->version = version;
    h->batch = batch;
}

/* The record's content is already what the store says for this row. */
static int head_has(const head_t *h, uint64_t content, int64_t current_batch)
{
    size_t k;
    if (h->ntail && h->tail[h->ntail - 1] == content)
        return 1; /* the latest version */
    if (h->batch == current_batch)
        return 0; /* this file's own history: every change is a version */
    for (k = 0; k + 1 < h->ntail; k++) {
        if (h->tail[k] == content)
            return 1;
    }
    return 0;
}

typedef struct {
    store_t *st;
    const import_opts_t *opts;
    const reg_def_t *def;
    mapping_t *map;
    norm_t *norm;
    csv_reader_t *csv;
    int fd;
    const char *path;
    FILE *rejects;
    /* header */
    size_t nsrc;
    int *colmap;       /* nsrc entries */
    char **src_names;  /* nsrc header names (for extra JSON) */
    int *src_of;       /* def->ncols entries: source column or -1 */
    int role[R_COUNT]; /* canonical column index of each role, or -1 */
    int date_fmt;      /* 0 ISO, 1 DD.MM.YYYY, 2 DD/MM/YYYY, 3 MM/DD/YYYY */
    int has_extra;
    /* state */
    strmap_t latest;  /* row_key -> index into heads */
    strmap_t last;    /* row_key -> line of its last record in this file (scan_repeats) */
    head_t *heads;
    size_t nheads, cap_heads;
    /* reader side */
    arena_t *arena;  /* the arena of the chunk being filled */
    rec_t *cur;      /* the record being prepared */
    tw_buf_t extra;
    tw_err_t fatal;  /* a system failure met while checking a value */
    /* hand-over between the reader thread and the writer */
    chunk_t *chunks; /* NCHUNKS */
    size_t head, tail; /* chunks filled / chunks consumed, monotonic */
    int stop;          /* the writer failed: the reader must stop */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int64_t batch_id;
    store_batch_counts_t counts;
    long long rows_repeated; /* of counts.rows_rejected: a key repeated later */
    /* progress */
    off_t file_size;
    unsigned long long bytes_done; /* CSV bytes behind the records applied */
    struct timespec t0, last_report;
    int bar;
    /* one record given field by field (import_record_*): entities are
     * resolved in SQL (store_entity_resolve), created only when `create` */
    int direct, create;
} importer_t;

/* ---- small helpers ------------------------------------------------------ */

/* Index of a new head in im->heads (grown by doubling). */
static tw_err_t new_head(importer_t *im, int64_t version, uint64_t content, int64_t batch,
                         uint64_t *idx)
{
    if (im->nheads == im->cap_heads) {
        size_t ncap = im->cap_heads ? im->cap_heads * 2 : 4096;
        head_t *nh = realloc(im->heads, ncap * sizeof(*nh));
        if (!nh)
            return TW_ENOMEM;
        im->heads = nh;
        im->cap_heads = ncap;
    }
    memset(&im->heads[im->nheads], 0, sizeof(im->heads[0]));
    head_push(&im->heads[im->nheads], version, content, batch);
    *idx = im->nheads++;
    return TW_OK;
}

static void trim(const char **s, size_t *len)
{
    while (*len && ((*s)[0] == ' ' || (*s)[0] == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

static double elapsed(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void add_issue(importer_t *im, int col, int warning, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_issue(importer_t *im, int col, int warning, const char *fmt, ...)
{
    rec_t *r = im->cur;
    issue_t *is;
    va_list ap;

    if (!warning)
        r->rejected = 1;
    if (!r->issues) {
        r->issues = arena_alloc(im->arena, MAX_ISSUES * sizeof(*r->issues));
        if (!r->issues) {
            im->fatal = TW_ENOMEM;
            return;
        }
    }
    if (r->nissues >= MAX_ISSUES)
        return;
    is = &r->issues[r->nissues++];
    is->col = col;
    is->csv_column = (col >= 0 && im->src_of[col] >= 0) ? im->src_of[col] + 1 : 0;
    is->warning = warning;
    va_start(ap, fmt);
    vsnprintf(is->reason, sizeof(is->reason), fmt, ap);
    va_end(ap);
}

/* ---- rejects file ------------------------------------------------------- */

/* Writer side: a record's rejects and warnings into the store and the file. */
static tw_err_t record_issues(importer_t *im, const rec_t *r)
{
    long line = r->line;
    size_t i;
    tw_err_t err;

    for (i = 0; i < r->nissues; i++) {
        const issue_t *is = &r->issues[i];
        const char *field = is->col >= 0 ? im->def->cols[is->col].name : "";
        store_reject_t rj = {im->batch_id, im->def->id, line, is->csv_column, field,
                             is->warning, is->reason, r->raw, r->raw_len, r->raw_hash};
        if ((err = store_reject_add(im->st, &rj)) != TW_OK)
            return err;
        if (im->rejects) {
            fprintf(im->rejects, "%ld,%ld,%s,%s,", line, is->csv_column, field,
                    is->warning ? "warning" : "error");
            csvout_cell(im->rejects, is->reason, strlen(is->reason));
            fputc(',', im->rejects);
            csvout_cell(im->rejects, r->raw, r->raw_len);
            fputc('\n', im->rejects);
        }
        if (is->warning)
            im->counts.warnings++;
    }
    return TW_OK;
}

/* ---- header ------------------------------------------------------------- */

tw_err_t import_infer_register(const char *const *names, const size_t *lens, size_t n,
                               reg_id_t *reg, tw_errinfo_t *ei)
{
    int best = -1, best_score = -1, closest = 0, closest_score = -1;
    int r;
    size_t i, c;

    for (r = 0; r < REG_COUNT; r++) {
        const reg_def_t *def = reg_get((reg_id_t)r);
        int score = 0, complete = 1;
        for (c = 0; c < def->ncols; c++) {
            int found = 0;
            for (i = 0; i < n && !found; i++)
                found = strlen(def->cols[c].name) == lens[i] &&
                        strncasecmp(def->cols[c].name, names[i], lens[i]) == 0;
            if (found)
                score++;
            else if (def->cols[c].required)
                complete = 0;
        }
        if (complete && score > best_score) {
            best = r;
            best_score = score;
        }
        if (score > closest_score) {
            closest = r;
            closest_score = score;
        }
    }
    if (best >= 0) {
        *reg = (reg_id_t)best;
        return TW_OK;
    }
    {
        const reg_def_t *def = reg_get((reg_id_t)closest);
        char missing[200] = "";
        size_t used = 0;
        for (c = 0; c < def->ncols; c++) {
            int found = 0;
            if (!def->cols[c].required)
                continue;
            for (i = 0; i < n && !found; i++)
                found = strlen(def->cols[c].name) == lens[i] &&
                        strncasecmp(def->cols[c].name, names[i], lens[i]) == 0;
            if (!found && used < sizeof(missing)) {
                int w = snprintf(missing + used, sizeof(missing) - used, "%s%s",
                                 used ? ", " : "", def->cols[c].name);
                if (w > 0)
                    used += (size_t)w;
            }
        }
        if (ei)
            ei->line = 1;
        return tw_errinfo_set(ei, TW_EINPUT,
                              "cannot tell which register this is: the header lacks the "
                              "required columns of %s (%s); use --register or a mapping",
                              def->name, missing);
    }
}

static tw_err_t read_header(importer_t *im, tw_errinfo_t *ei)
{
    csv_row_t row;
    const char **canon = NULL;
    size_t *clen = NULL, i, c;
    tw_err_t err;
    reg_id_t reg;

    err = csv_next(im->csv, &row);
    if (err == TW_EOF) {
        ei->line = 1;
        return tw_errinfo_set(ei, TW_EINPUT, "the file is empty: no header row");
    }
    if (err == TW_EINPUT) {
        ei->line = csv_last_error(im->csv)->line;
        ei->column = csv_last_error(im->csv)->column;
        return tw_errinfo_set(ei, TW_EINPUT, "unreadable header: %s",
                              csv_last_error(im->csv)->msg);
    }
    if (err)
        return tw_errinfo_set(ei, err, "cannot read the header: %s", tw_strerror(err));

    im->nsrc = row.nfields;
    im->colmap = calloc(im->nsrc, sizeof(*im->colmap));
    im->src_names = calloc(im->nsrc, sizeof(*im->src_names));
    canon = calloc(im->nsrc, sizeof(*canon));
    clen = calloc(im->nsrc, sizeof(*clen));
    if (!im->colmap || !im->src_names || !canon || !clen) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i < im->nsrc; i++) {
        const char *h = row.field[i];
        size_t hl = row.len[i];
        const char *m;
        trim(&h, &hl);
        im->src_names[i] = strndup(h, hl);
        if (!im->src_names[i]) {
            err = TW_ENOMEM;
            goto out;
        }
        m = im->map ? mapping_column(im->map, h, hl) : NULL;
        canon[i] = m ? m : im->src_names[i];
        clen[i] = strlen(canon[i]);
    }

    if (im->opts->register_name) {
        const reg_def_t *d = reg_by_name(im->opts->register_name);
        if (!d) {
            err = tw_errinfo_set(ei, TW_EINPUT,
                                 "unknown register '%s' (permits, border_crossings, "
                                 "inspections, reports, outcomes)",
                                 im->opts->register_name);
            ei->file[0] = '\0';
            snprintf(ei->field, sizeof(ei->field), "--register");
            goto out;
        }
        reg = d->id;
    } else if (im->map && mapping_register(im->map)) {
        const reg_def_t *d = reg_by_name(mapping_register(im->map));
        if (!d) {
            err = tw_errinfo_set(ei, TW_EINPUT, "the mapping names an unknown register '%s'",
                                 mapping_register(im->map));
            goto out;
        }
        reg = d->id;
    } else if ((err = import_infer_register(canon, clen, im->nsrc, &reg, ei)) != TW_OK) {
        goto out;
    }
    im->def = reg_get(reg);
    im->src_of = malloc(im->def->ncols * sizeof(*im->src_of));
    if (!im->src_of) {
        err = TW_ENOMEM;
        goto out;
    }
    for (c = 0; c < im->def->ncols; c++)
        im->src_of[c] = -1;
    for (c = 0; c < R_COUNT; c++) {
        const char *rn = role_columns[reg][c];
        im->role[c] = rn ? reg_column_index(im->def, rn, strlen(rn)) : -1;
    }
    for (i = 0; i < im->nsrc; i++) {
        int idx;
        if (strcmp(canon[i], "-") == 0) {
            im->colmap[i] = COL_DROP;
            continue;
        }
        idx = reg_column_index(im->def, canon[i], clen[i]);
        if (idx < 0) {
            if (clen[i] == 0) {
                ei->line = 1;
                ei->column = (long)i + 1;
                err = tw_errinfo_set(ei, TW_EINPUT, "header column %zu has no name", i + 1);
                goto out;
            }
            im->colmap[i] = COL_EXTRA;
            im->has_extra = 1;
            if (!im->opts->quiet)
                fprintf(stderr,
                        "tipwatch: %s:1:%zu: warning: column '%s' is not in the %s register; "
                        "kept as an extra attribute\n",
                        im->path, i + 1, im->src_names[i], im->def->name);
            continue;
        }
        if (im->src_of[idx] >= 0) {
            ei->line = 1;
            ei->column = (long)i + 1;
            tw_errinfo_field(ei, im->def->cols[idx].name);
            err = tw_errinfo_set(ei, TW_EINPUT, "column given twice (columns %d and %zu)",
                                 im->src_of[idx] + 1, i + 1);
            goto out;
        }
        im->src_of[idx] = (int)i;
        im->colmap[i] = idx;
    }
    for (c = 0; c < im->def->ncols; c++) {
        if (im->def->cols[c].required && im->src_of[c] < 0) {
            ei->line = 1;
            tw_errinfo_field(ei, im->def->cols[c].name);
            err = tw_errinfo_set(ei, TW_EINPUT, "required column missing from the %s header",
                                 im->def->name);
            goto out;
        }
    }
    err = TW_OK;
out:
    free(canon);
    free(clen);
    return err;
}

/* ---- one value ---------------------------------------------------------- */

/* Rewrites a date in the mapping's format to YYYY-MM-DD (in scratch). Leaves
 * anything that does not have the declared shape alone, so value_date()
 * reports it. */
static void convert_date(importer_t *im, const char **s, size_t *len)
{
    const char *p = *s;
    char *out;
    const char *d, *m, *y;
    char sep;

    if (im->date_fmt == 0 || *len < 10)
        return;
    sep = im->date_fmt == 1 ? '.' : '/';
    if (p[2] != sep || p[5] != sep)
        return;
    if (im->date_fmt == 3) {
        m = p;
        d = p + 3;
    } else {
        d = p;
        m = p + 3;
    }
    y = p + 6;
    out = arena_alloc(im->arena, *len + 1);
    if (!out)
        return;
    memcpy(out, y, 4);
    out[4] = '-';
    memcpy(out + 5, m, 2);
    out[7] = '-';
    memcpy(out + 8, d, 2);
    if (*len > 10) {
        memcpy(out + 10, p + 10, *len - 10);
        if (out[10] == ' ')
            out[10] = 'T';
    }
    out[*len] = '\0';
    *s = out;
}

static tw_err_t norm_into(importer_t *im, int kind, const char *s, size_t len,
                          store_value_t *v)
{
    size_t cap = len * 3 + 16, n = 0;
    char *out;
    tw_err_t err;

    for (;;) {
        out = arena_alloc(im->arena, cap);
        if (!out)
            return TW_ENOMEM;
        switch (kind) {
        case COL_NAME: err = norm_name(im->norm, s, len, out, cap, &n); break;
        case COL_ADDRESS: err = norm_address(im->norm, s, len, out, cap, &n); break;
        case COL_PHONE: err = norm_phone(s, len, out, cap, &n); break;
        default: err = norm_docno(s, len, out, cap, &n); break;
        }
        if (err != TW_ETOOBIG || cap > (size_t)1 << 20)
            break;
        cap *= 4;
    }
    if (err == TW_OK) {
        v->norm = out;
        v->norm_len = n;
        v->has_norm = 1;
    }
    return err;
}

/* An address whose row names its region ("worker_address" and
 * "worker_region", "workplace_address" and "workplace_region"): normalised
 * again knowing the region, so the region's seat is read as norm.h says
 * (norm_address_in). After the row's values are checked. */
static tw_err_t address_regions(importer_t *im)
{
    const reg_def_t *def = im->def;
    size_t c;
    for (c = 0; c < def->ncols; c++) {
        const char *name = def->cols[c].name, *suffix;
        store_value_t *v = &im->cur->vals[c], *rv;
        char rname[64], region[6];
        size_t cap, n = 0, base;
        char *out;
        int rc;
        tw_err_t err;

        if (def->cols[c].type != COL_ADDRESS || !v->present || !v->has_norm)
            continue;
        suffix = strstr(name, "_address");
        if (!suffix || suffix[8] != '\0')
            continue;
        base = (size_t)(suffix - name);
        snprintf(rname, sizeof(rname), "%.*s_region", (int)base, name);
        rc = reg_column_index(def, rname, strlen(rname));
        if (rc < 0 || def->cols[rc].type != COL_REGION)
            continue;
        rv = &im->cur->vals[rc];
        if (!rv->present || rv->text_len != 5)
            continue;
        memcpy(region, rv->text, 5);
        region[5] = '\0';
        cap = v->text_len * 3 + 64;
        for (;;) {
            if (!(out = arena_alloc(im->arena, cap)))
                return TW_ENOMEM;
            err = norm_address_in(im->norm, v->text, v->text_len, region, out, cap, &n);
            if (err != TW_ETOOBIG || cap > (size_t)1 << 20)
                break;
            cap *= 4;
        }
        if (err != TW_OK) /* it normalised without the region: keep that */
            continue;
        v->norm = out;
        v->norm_len = n;
    }
    return TW_OK;
}

static void check_value(importer_t *im, int c, const char *s, size_t len)
{
    const reg_column_t *col = &im->def->cols[c];
    store_value_t *v = &im->cur->vals[c];
    const char *why = NULL;
    char *up;
    tw_err_t err = TW_OK;

    v->text = s;
    v->text_len = len;
    v->present = 1;
    v->has_norm = 0;
    if (!norm_utf8_valid(s, len)) {
        add_issue(im, c, 0, "not valid UTF-8");
        return;
    }
    switch (col->type) {
    case COL_IDENT:
        if (value_ident(s, len, &why) != TW_OK)
            add_issue(im, c, 0, "%s", why);
        break;
    case COL_TEXT:
    case COL_NAME:
    case COL_ADDRESS:
    case COL_PHONE:
    case COL_EMAIL:
    case COL_DOCNO:
        if (col->max > 0 && (int64_t)len > col->max) {
            add_issue(im, c, 0, "longer than %lld bytes", (long long)col->max);
            break;
        }
        if (col->type == COL_NAME || col->type == COL_ADDRESS) {
            err = norm_into(im, col->type, s, len, v);
            if (err == TW_ENOMEM || err == TW_EINTERNAL)
                im->fatal = err; /* not the row's fault: stop the import */
            else if (err != TW_OK)
                add_issue(im, c, 1, "cannot be normalised: %s", tw_strerror(err));
        } else if (col->type == COL_PHONE) {
            if (norm_into(im, COL_PHONE, s, len, v) != TW_OK)
                add_issue(im, c, 1, "not a phone number that can be read; kept as written");
        } else if (col->type == COL_DOCNO) {
            if (norm_into(im, COL_DOCNO, s, len, v) != TW_OK || v->norm_len == 0)
                add_issue(im, c, 0, "not a document number (letters and digits)");
        } else if (col->type == COL_EMAIL) {
            if (value_email(s, len, &why) != TW_OK)
                add_issue(im, c, 1, "%s; kept as written", why);
        }
        break;
    case COL_DATE: {
        int32_t days;
        convert_date(im, &s, &len);
        v->text = s;
        v->text_len = len;
        if (value_date(s, len, &days, &why) != TW_OK)
            add_issue(im, c, 0, "%s", why);
        break;
    }
    case COL_TIMESTAMP: {
        int64_t t;
        char *utc;
        convert_date(im, &s, &len);
        v->text = s;
        v->text_len = len;
        if (value_timestamp(s, len, &t, &why) != TW_OK) {
            add_issue(im, c, 0, "%s", why);
            break;
        }
        utc = arena_alloc(im->arena, 21);
        if (!utc) {
            add_issue(im, c, 0, "out of memory");
            break;
        }
        value_format_timestamp(t, utc);
        v->norm = utc;
        v->norm_len = 20;
        v->has_norm = 1;
        break;
    }
    case COL_ENUM: {
        int idx;
        if (value_enum(s, len, col->values, &idx, &why) != TW_OK) {
            add_issue(im, c, 0, "'%.*s' is not one of the allowed values", (int)(len > 40 ? 40 : len), s);
            break;
        }
        v->text = col->values[idx]; /* the canonical spelling */
        v->text_len = strlen(v->text);
        break;
    }
    case COL_ENUM_LIST: {
        /* ';'-separated; each item checked; stored canonical, ';'-joined */
        tw_buf_t b;
        size_t i = 0;
        char *copy;
        buf_init(&b, 4096);
        while (i <= len) {
            size_t j = i, n;
            const char *item;
            int idx;
            while (j < len && s[j] != ';')
                j++;
            item = s + i;
            n = j - i;
            trim(&item, &n);
            if (n > 0) {
                if (value_enum(item, n, col->values, &idx, &why) != TW_OK) {
                    add_issue(im, c, 0, "'%.*s' is not a known code", (int)(n > 40 ? 40 : n),
                              item);
                    break;
                }
                if ((b.len && buf_addc(&b, ';') != TW_OK) ||
                    buf_adds(&b, col->values[idx]) != TW_OK) {
                    add_issue(im, c, 0, "list too long");
                    break;
                }
            }
            i = j + 1;
        }
        copy = arena_strndup(im->arena, buf_str(&b), b.len);
        buf_free(&b);
        if (copy) {
            v->text = copy;
            v->text_len = strlen(copy);
        }
        if (v->text_len == 0)
            v->present = 0;
        break;
    }
    case COL_COUNTRY:
        up = arena_alloc(im->arena, 4);
        if (!up || value_country(s, len, up, &why) != TW_OK) {
            add_issue(im, c, 0, "%s", why ? why : "out of memory");
            break;
        }
        v->text = up;
        v->text_len = 3;
        break;
    case COL_REGION:
        up = arena_alloc(im->arena, 6);
        if (!up || value_region(s, len, up, &why) != TW_OK) {
            add_issue(im, c, 0, "%s", why ? why : "out of memory");
            break;
        }
        v->text = up;
        v->text_len = 5;
        break;
    case COL_UINT:
        if (value_uint(s, len, col->max, &v->num, &why) != TW_OK)
            add_issue(im, c, 0, "%s", why);
        break;
    case COL_TIN:
        if (value_tin(s, len, &why) != TW_OK)
            add_issue(im, c, 0, "%s", why);
        break;
    case COL_ISIC:
        if (value_isic_division(s, len, &why) != TW_OK)
            add_issue(im, c, 0, "%s", why);
        break;
    case COL_ISCO:
        if (value_isco(s, len, &why) != TW_OK)
            add_issue(im, c, 0, "%s", why);
        break;
    }
}

/* Cross-field checks: warnings only, the row is kept. */
static void check_row(importer_t *im)
{
    static const int pairs[][2] = {{R_VALID_FROM, R_VALID_TO},
                                   {R_CONTRACT_START, R_CONTRACT_END},
                                   {R_SUBMITTED, R_DECIDED}};
    size_t p;
    for (p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
        int ia = im->role[pairs[p][0]], ib = im->role[pairs[p][1]];
        const store_value_t *a, *b;
        if (ia < 0 || ib < 0 || !im->cur->vals[ia].present || !im->cur->vals[ib].present)
            continue;
        a = &im->cur->vals[ia];
        b = &im->cur->vals[ib];
        if (im->def->cols[ia].type == COL_TIMESTAMP) {
            /* both in UTC "YYYY-MM-DDTHH:MM:SSZ": byte order is time order */
            if (a->has_norm && b->has_norm && strcmp(b->norm, a->norm) < 0)
                add_issue(im, ib, 1, "%s is before %s", im->def->cols[ib].name,
                          im->def->cols[ia].name);
        } else if (a->text_len == 10 && b->text_len == 10 && memcmp(b->text, a->text, 10) < 0) {
            add_issue(im, ib, 1, "%s is before %s", im->def->cols[ib].name,
                      im->def->cols[ia].name);
        }
    }
}

/* ---- one record --------------------------------------------------------- */

/* ---- reader side: one record prepared ---------------------------------- */

/* Fills im->cur from a CSV record. Everything the writer needs is copied
 * into the chunk's arena. Returns a system error only (TW_ENOMEM,
 * TW_EINTERNAL); a bad record is marked rejected with its issues. */
static tw_err_t prepare_record(importer_t *im, const csv_row_t *row)
{
    const reg_def_t *def = im->def;
    rec_t *r = im->cur;
    size_t i, c;
    uint64_t content = 0x6a09e667f3bcc908ULL;

    memset(r, 0, sizeof(*r));
    r->line = row->line;
    r->vals = arena_alloc(im->arena, def->ncols * sizeof(*r->vals));
    if (!r->vals)
        return TW_ENOMEM;
    memset(r->vals, 0, def->ncols * sizeof(*r->vals));

    if (row->nfields != im->nsrc) {
        add_issue(im, -1, 0, "the record has %zu fields, the header has %zu", row->nfields,
                  im->nsrc);
        goto issues;
    }
    for (c = 0; c < def->ncols; c++) {
        const char *s;
        size_t len;
        int src = im->src_of[c];
        if (src < 0)
            continue;
        s = row->field[src];
        len = row->len[src];
        trim(&s, &len);
        if (im->map && len) {
            const char *m = mapping_value(im->map, def->cols[c].name, s, len);
            if (m) {
                s = m;
                len = strlen(m);
            }
        }
        if (len == 0) {
            if (def->cols[c].required)
                add_issue(im, (int)c, 0, "required field is empty");
            continue;
        }
        if (!(s = arena_strndup(im->arena, s, len)))
            return TW_ENOMEM;
        check_value(im, (int)c, s, len);
    }
    if (im->fatal)
        return im->fatal;
    if (r->rejected)
        goto issues;
    if (address_regions(im) != TW_OK)
        return TW_ENOMEM;
    check_row(im);

    /* unknown columns, kept as a JSON object */
    buf_reset(&im->extra);
    if (im->has_extra) {
        for (i = 0; i < im->nsrc; i++) {
            if (im->colmap[i] != COL_EXTRA || row->len[i] == 0)
                continue;
            if (!norm_utf8_valid(row->field[i], row->len[i])) {
                add_issue(im, -1, 0, "extra column '%s' is not valid UTF-8", im->src_names[i]);
                goto issues;
            }
            if (buf_addc(&im->extra, im->extra.len ? ',' : '{') ||
                json_str(&im->extra, im->src_names[i], strlen(im->src_names[i])) ||
                buf_addc(&im->extra, ':') ||
                json_str(&im->extra, row->field[i], row->len[i])) {
                add_issue(im, -1, 0, "extra columns too long");
                goto issues;
            }
        }
        if (im->extra.len) {
            if (buf_addc(&im->extra, '}') != TW_OK) {
                add_issue(im, -1, 0, "extra columns too long");
                goto issues;
            }
            if (!(r->extra = arena_strndup(im->arena, im->extra.p, im->extra.len)))
                return TW_ENOMEM;
        }
    }

    /* content digest over the canonical values */
    for (c = 0; c < def->ncols; c++) {
        const store_value_t *v = &r->vals[c];
        uint64_t h = v->present ? strmap_hash(v->text, v->text_len) : 0x51ed27;
        content = strmap_mix64(content ^ (h + c));
    }
    if (r->extra)
        content = strmap_mix64(content ^ strmap_hash(im->extra.p, im->extra.len));
    r->content = content;

    /* the row's key; within one file the last record of a key wins */
    if (def->id_column) {
        const store_value_t *v = &r->vals[im->role[R_ID]];
        r->key = v->text;
        r->key_len = v->text_len;
    } else {
        const store_value_t *t = &r->vals[im->role[R_ETYPE]], *k = &r->vals[im->role[R_EKEY]];
        char *kb = arena_alloc(im->arena, t->text_len + k->text_len + 2);
        if (!kb)
            return TW_ENOMEM;
        memcpy(kb, t->text, t->text_len);
        kb[t->text_len] = ':';
        memcpy(kb + t->text_len + 1, k->text, k->text_len);
        kb[t->text_len + k->text_len + 1] = '\0';
        r->key = kb;
        r->key_len = t->text_len + k->text_len + 1;
    }
    {
        const uint64_t *last = strmap_get(&im->last, r->key, r->key_len);
        if (last && (long)*last > r->line) {
            r->repeated = 1;
            add_issue(im, def->id_column ? im->role[R_ID] : im->role[R_EKEY], 0,
                      IMPORT_REPEATED_FMT, (long)*last);
        }
    }

issues:
    if (r->nissues) {
        r->raw_hash = strmap_hash(row->raw, row->raw_len);
        r->raw_len = row->raw_len < RAW_KEEP ? row->raw_len : RAW_KEEP;
        if (!(r->raw = arena_strndup(im->arena, row->raw, r->raw_len)))
            return TW_ENOMEM;
    }
    return im->fatal;
}

/* A record the CSV reader could not parse. */
static tw_err_t prepare_malformed(importer_t *im, const csv_row_t *row)
{
    const csv_error_t *ce = csv_last_error(im->csv);
    rec_t *r = im->cur;

    memset(r, 0, sizeof(*r));
    r->line = row->line;
    add_issue(im, -1, 0, "malformed CSV at line %ld column %ld: %s", ce->line, ce->column,
              ce->msg);
    r->raw_hash = strmap_hash(row->raw, row->raw_len);
    r->raw_len = row->raw_len < RAW_KEEP ? row->raw_len : RAW_KEEP;
    if (!(r->raw = arena_strndup(im->arena, row->raw, r->raw_len)))
        return TW_ENOMEM;
    return im->fatal;
}

/* Reads up to CHUNK_RECS records into `ch`. Sets ch->eof at the end of the
 * file (or on cancel) and ch->err on a failure. */
static void fill_chunk(importer_t *im, chunk_t *ch)
{
    csv_row_t row;
    tw_err_t rerr, err;

    arena_reset(&ch->arena);
    im->arena = &ch->arena;
    ch->n = 0;
    ch->eof = 0;
    ch->cancelled = 0;
    ch->err = TW_OK;
    tw_errinfo_clear(&ch->ei);
    while (ch->n < CHUNK_RECS) {
        if (im->opts->cancel && *im->opts->cancel) {
            ch->eof = ch->cancelled = 1;
            break;
        }
        rerr = csv_next(im->csv, &row);
        if (rerr == TW_EOF) {
            ch->eof = 1;
            break;
        }
        im->cur = &ch->recs[ch->n];
        if (rerr == TW_EINPUT) {
            err = prepare_malformed(im, &row);
        } else if (rerr != TW_OK) {
            ch->err = rerr;
            ch->ei.line = row.line;
            tw_errinfo_set(&ch->ei, rerr, "read failed after line %ld", row.line);
            break;
        } else {
            err = prepare_record(im, &row);
        }
        if (err != TW_OK) {
            ch->err = err;
            ch->ei.line = row.line;
            tw_errinfo_set(&ch->ei, err, "%s", tw_strerror(err));
            break;
        }
        ch->n++;
    }
    ch->bytes = csv_bytes_read(im->csv);
    if (ch->err)
        ch->eof = 1;
}

/* ---- writer side: one record stored ------------------------------------ */

static tw_err_t entity(importer_t *im, store_entity_t kind, const char *key, size_t len,
                       int64_t *id)
{
    tw_err_t err;
    *id = 0;
    if (!key || len == 0)
        return TW_OK;
    if (!im->direct)
        return store_entity_id(im->st, kind, key, len, id);
    err = store_entity_resolve(im->st, kind, key, len, im->create, id);
    if (err == TW_ENOTFOUND) { /* not known yet: no link */
        *id = 0;
        return TW_OK;
    }
    return err;
}

/* The value of a role's column, or NULL when absent or empty. */
static const store_value_t *val(const importer_t *im, const rec_t *r, int role)
{
    int i = im->role[role];
    return (i >= 0 && r->vals[i].present) ? &r->vals[i] : NULL;
}

/* Entity keyed by a column's normal form (address, phone). */
static tw_err_t norm_entity(importer_t *im, const rec_t *r, store_entity_t kind, int role,
                            int64_t *id)
{
    const store_value_t *v = val(im, r, role);
    *id = 0;
    if (!v || !v->has_norm || v->norm_len == 0) /* nothing comparable: no link */
        return TW_OK;
    return entity(im, kind, v->norm, v->norm_len, id);
}

/* Entity keyed by a column as stored (TIN, intermediary id). */
static tw_err_t text_entity(importer_t *im, const rec_t *r, store_entity_t kind, int role,
                            int64_t *id)
{
    const store_value_t *v = val(im, r, role);
    *id = 0;
    return v ? entity(im, kind, v->text, v->text_len, id) : TW_OK;
}

/* Worker "COUNTRY:DOCNO" from the document's country and normalised number. */
static tw_err_t worker_entity(importer_t *im, const rec_t *r, int64_t *id)
{
    const store_value_t *c = val(im, r, R_DOC_COUNTRY), *d = val(im, r, R_DOC_NO);
    char key[128];
    size_t n;
    *id = 0;
    if (!c || !d || !d->has_norm)
        return TW_OK;
    /* built by hand: snprintf's "%.*s" was a measurable part of the
     * writer thread's time per row */
    n = c->text_len + 1 + d->norm_len;
    if (n >= sizeof(key)) /* as snprintf's truncation check: no link */
        return TW_OK;
    memcpy(key, c->text, c->text_len);
    key[c->text_len] = ':';
    memcpy(key + c->text_len + 1, d->norm, d->norm_len);
    return entity(im, ENT_WORKER, key, n, id);
}

/* Roles a register does not have resolve to -1, so one sequence serves all. */
static tw_err_t link_entities(importer_t *im, const rec_t *r, store_links_t *l)
{
    tw_err_t err;
    memset(l, 0, sizeof(*l));
    if ((err = worker_entity(im, r, &l->worker)) ||
        (err = text_entity(im, r, ENT_EMPLOYER, R_EMPLOYER, &l->employer)) ||
        (err = text_entity(im, r, ENT_INTERMEDIARY, R_INTERMEDIARY, &l->intermediary)) ||
        (err = norm_entity(im, r, ENT_ADDRESS, R_ADDRESS, &l->address)) ||
        (err = norm_entity(im, r, ENT_ADDRESS, R_ADDRESS2, &l->address2)) ||
        (err = norm_entity(im, r, ENT_PHONE, R_PHONE, &l->phone)))
        return err;
    return TW_OK;
}

/* Decides new / new version / unchanged, links entities, inserts. The
 * row_key is looked up and, when new, entered in one probe of `latest`
 * (most keys of a first load are new): its head starts empty (version 0,
 * no tail), which decides exactly as an absent key does, so a failure
 * before the insert leaves nothing wrong behind. */
static tw_err_t apply_record(importer_t *im, const rec_t *r)
{
    uint64_t *slot;
    head_t *head;
    store_row_t out;
    int added;
    tw_err_t err;

    im->counts.rows_read++;
    if (r->rejected) {
        im->counts.rows_rejected++;
        if (r->repeated)
            im->rows_repeated++;
        return record_issues(im, r);
    }
    if (im->nheads == im->cap_heads) {
        size_t ncap = im->cap_heads ? im->cap_heads * 2 : 4096;
        head_t *nh = realloc(im->heads, ncap * sizeof(*nh));
        if (!nh)
            return TW_ENOMEM;
        im->heads = nh;
        im->cap_heads = ncap;
    }
    if ((err = strmap_put(&im->latest, r->key, r->key_len, im->nheads, &slot, &added, NULL)) !=
        TW_OK)
        return err;
    if (added)
        memset(&im->heads[im->nheads++], 0, sizeof(im->heads[0]));
    head = &im->heads[*slot];
    if (head_has(head, r->content, im->batch_id)) {
        im->counts.rows_unchanged++;
        return r->nissues ? record_issues(im, r) : TW_OK;
    }
    memset(&out, 0, sizeof(out));
    out.version = head->version + 1;
    out.reg = im->def->id;
    out.row_key = r->key;
    out.row_key_len = r->key_len;
    out.content_hash = r->content;
    out.batch_id = im->batch_id;
    out.line = r->line;
    out.vals = r->vals;
    out.extra_json = r->extra;
    if ((err = link_entities(im, r, &out.links)) != TW_OK)
        return err;
    if ((err = store_row_insert(im->st, &out)) != TW_OK)
        return err;
    head_push(head, out.version, r->content, im->batch_id);
    if (out.version > 1)
        im->counts.rows_versioned++;
    else
        im->counts.rows_new++;
    return r->nissues ? record_issues(im, r) : TW_OK;
}

/* ---- progress ----------------------------------------------------------- */

static void progress(importer_t *im, int final)
{
    struct timespec now;
    double secs, since, rate, frac, eta;
    unsigned long long done;

    if (im->opts->progress == IMPORT_PROGRESS_NONE)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    since = elapsed(&im->last_report, &now);
    if (!final && since < (im->bar ? 0.25 : 5.0))
        return;
    im->last_report = now;
    secs = elapsed(&im->t0, &now);
    rate = secs > 0 ? (double)im->counts.rows_read / secs : 0;
    done = im->bytes_done;
    frac = im->file_size > 0 ? (double)done / (double)im->file_size : 0;
    if (frac > 1)
        frac = 1;
    eta = (frac > 0 && secs > 0) ? secs / frac - secs : 0;
    if (im->bar) {
        char bar[31];
        int k, filled = (int)(frac * 30);
        for (k = 0; k < 30; k++)
            bar[k] = k < filled ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%% %lld rows %.0f rows/s ETA %.0fs ", im->def->name, bar,
                (int)(frac * 100), im->counts.rows_read, rate, eta);
        if (final)
            fputc('\n', stderr);
    } else {
        fprintf(stderr, "tipwatch: %s: %lld rows, %d%%, %.0f rows/s\n", im->path,
                im->counts.rows_read, (int)(frac * 100), rate);
    }
    fflush(stderr);
}

/* ---- the driver --------------------------------------------------------- */

static tw_err_t load_state_cb(void *ctx, const char *key, size_t len, int64_t version,
                              uint64_t content, int64_t batch)
{
    importer_t *im = ctx;
    uint64_t *slot, idx;
    tw_err_t err;

    /* rows come in insertion order, so versions of a key come oldest first */
    if ((slot = strmap_get(&im->latest, key, len)) != NULL) {
        head_push(&im->heads[*slot], version, content, batch);
        return TW_OK;
    }
    if ((err = new_head(im, version, content, batch, &idx)) != TW_OK)
        return err;
    return strmap_put(&im->latest, key, len, idx, NULL, NULL, NULL);
}

static tw_err_t open_rejects(importer_t *im, import_result_t *res, tw_errinfo_t *ei)
{
    const char *rp = im->opts->rejects_path;
    if (rp && !rp[0]) {
        res->rejects_path[0] = '\0';
        return TW_OK;
    }
    if (rp)
        snprintf(res->rejects_path, sizeof(res->rejects_path), "%s", rp);
    else if ((size_t)snprintf(res->rejects_path, sizeof(res->rejects_path), "%s.rejects.csv",
                              im->path) >= sizeof(res->rejects_path))
        return tw_errinfo_set(ei, TW_EINPUT, "file name too long");
    im->rejects = privfile_create(res->rejects_path);
    if (!im->rejects) {
        tw_errinfo_file(ei, res->rejects_path);
        return tw_errinfo_set(ei, TW_EIO, "cannot write the rejects file: %s", strerror(errno));
    }
    fputs("line,column,field,severity,reason,record\n", im->rejects);
    return TW_OK;
}

/* One part of a record's key as prepare_record() makes it: trimmed, the
 * mapping's spelling, an enumeration's canonical spelling. 0 when the part
 * is empty or not a value of its enumeration (the record is rejected then). */
static int key_part(const importer_t *im, int c, const csv_row_t *row, const char **s,
                    size_t *len)
{
    const reg_column_t *col = &im->def->cols[c];
    int src = im->src_of[c], idx;
    const char *why;

    if (src < 0)
        return 0;
    *s = row->field[src];
    *len = row->len[src];
    trim(s, len);
    if (im->map && *len) {
        const char *m = mapping_value(im->map, col->name, *s, *len);
        if (m) {
            *s = m;
            *len = strlen(m);
        }
    }
    if (*len == 0)
        return 0;
    if (col->type == COL_ENUM) {
        if (value_enum(*s, *len, col->values, &idx, &why) != TW_OK)
            return 0;
        *s = col->values[idx];
        *len = strlen(*s);
    }
    return 1;
}

/* Before the import: reads the file once for its keys alone and keeps, per
 * key, the line of its last record (im->last). A record whose key comes
 * again later in the file is rejected (prepare_record), so within one file
 * the last record of a key wins and a second import of the same file adds
 * nothing. Only a regular file can be read twice; any other input (a pipe)
 * is read once and keeps every record. */
static tw_err_t scan_repeats(importer_t *im, tw_errinfo_t *ei)
{
    csv_reader_t *csv = NULL;
    csv_row_t row;
    struct stat sb;
    char kb[512];
    int fd;
    tw_err_t err, rerr;

    if (fstat(im->fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return TW_OK;
    if ((fd = open(im->path, O_RDONLY | O_CLOEXEC)) < 0)
        return tw_errinfo_set(ei, TW_EIO, "cannot open: %s", strerror(errno));
    if ((err = csv_open_fd(&csv, fd, NULL)) != TW_OK) {
        close(fd);
        return err;
    }
    rerr = csv_next(csv, &row); /* the header, read already */
    while (rerr != TW_EOF) {
        const char *a, *b = NULL;
        size_t al, bl = 0, n;
        uint64_t *slot;
        int added;

        if (im->opts->cancel && *im->opts->cancel)
            break;
        if ((rerr = csv_next(csv, &row)) == TW_EOF)
            break;
        if (rerr == TW_EINPUT)
            continue; /* malformed: rejected, its key unknown */
        if (rerr != TW_OK) {
            err = tw_errinfo_set(ei, rerr, "read failed after line %ld", row.line);
            goto out;
        }
        if (row.nfields != im->nsrc)
            continue;
        if (im->def->id_column) {
            if (!key_part(im, im->role[R_ID], &row, &a, &al))
                continue;
            n = al;
        } else {
            if (!key_part(im, im->role[R_ETYPE], &row, &a, &al) ||
                !key_part(im, im->role[R_EKEY], &row, &b, &bl) || al + bl + 1 > sizeof(kb))
                continue;
            memcpy(kb, a, al);
            kb[al] = ':';
            memcpy(kb + al + 1, b, bl);
            a = kb;
            n = al + bl + 1;
        }
        if ((err = strmap_put(&im->last, a, n, (uint64_t)row.line, &slot, &added, NULL)) !=
            TW_OK)
            goto out;
        if (!added)
            *slot = (uint64_t)row.line;
    }
    err = TW_OK;
out:
    csv_close(csv);
    close(fd);
    return err;
}

/* The reader thread: fills chunks until the end of the file, a failure,
 * or the writer's stop. */
static void *reader_main(void *arg)
{
    importer_t *im = arg;
    chunk_t *ch;

    for (;;) {
        pthread_mutex_lock(&im->mu);
        while (im->head - im->tail >= NCHUNKS && !im->stop)
            pthread_cond_wait(&im->cond, &im->mu);
        if (im->stop) {
            pthread_mutex_unlock(&im->mu);
            return NULL;
        }
        ch = &im->chunks[im->head % NCHUNKS];
        pthread_mutex_unlock(&im->mu);
        fill_chunk(im, ch);
        pthread_mutex_lock(&im->mu);
        im->head++;
        pthread_cond_broadcast(&im->cond);
        pthread_mutex_unlock(&im->mu);
        if (ch->eof)
            return NULL;
    }
}

/* Writer side: the next filled chunk (waiting for the reader), or, with one
 * thread, fills it here. */
static chunk_t *next_chunk(importer_t *im, int threaded)
{
    chunk_t *ch;
    if (!threaded) {
        fill_chunk(im, &im->chunks[0]);
        return &im->chunks[0];
    }
    pthread_mutex_lock(&im->mu);
    while (im->tail == im->head)
        pthread_cond_wait(&im->cond, &im->mu);
    ch = &im->chunks[im->tail % NCHUNKS];
    pthread_mutex_unlock(&im->mu);
    return ch;
}

static void release_chunk(importer_t *im, int threaded)
{
    if (!threaded)
        return;
    pthread_mutex_lock(&im->mu);
    im->tail++;
    pthread_cond_broadcast(&im->cond);
    pthread_mutex_unlock(&im->mu);
}

static void stop_reader(importer_t *im)
{
    pthread_mutex_lock(&im->mu);
    im->stop = 1;
    pthread_cond_broadcast(&im->cond);
    pthread_mutex_unlock(&im->mu);
}

/* The bulk path pays for building the register table's indexes over all
 * its rows again; it wins when the file brings at least as many rows as
 * the store holds (IMPORT_BULK_MIN_BYTES: below that, row by row is as
 * fast). The file's row count is estimated from the first chunk's bytes
 * per record. */
static int use_bulk(const importer_t *im, const chunk_t *first)
{
    unsigned long long est;
    if (im->opts->bulk != IMPORT_BULK_AUTO)
        return im->opts->bulk == IMPORT_BULK_ON;
    if (im->file_size < IMPORT_BULK_MIN_BYTES || first->n == 0 || first->bytes == 0)
        return 0;
    est = (unsigned long long)im->file_size / (first->bytes / first->n + 1);
    return (unsigned long long)im->nheads * 2 <= est;
}

tw_err_t import_file(store_t *st, const char *path, const import_opts_t *opts,
                     import_result_t *res, tw_errinfo_t *ei)
{
    importer_t im;
    struct stat sb;
    struct timespec t1;
    size_t batch_rows = opts->batch_rows ? opts->batch_rows : 20000, in_tx = 0, i;
    int tx = 0, threaded = opts->threads != 1, started = 0, eof = 0, bulk = 0, decided = 0;
    pthread_t reader;
    tw_err_t err;

    memset(&im, 0, sizeof(im));
    memset(res, 0, sizeof(*res));
    tw_errinfo_clear(ei);
    tw_errinfo_file(ei, path);
    im.st = st;
    im.opts = opts;
    im.path = path;
    im.fd = -1;
    strmap_init(&im.latest);
    strmap_init(&im.last);
    buf_init(&im.extra, 1 << 20);
    pthread_mutex_init(&im.mu, NULL);
    pthread_cond_init(&im.cond, NULL);
    im.chunks = calloc(NCHUNKS, sizeof(*im.chunks));
    if (!im.chunks) {
        err = TW_ENOMEM;
        goto out;
    }
    for (i = 0; i < NCHUNKS; i++)
        arena_init(&im.chunks[i].arena, 1 << 20);
    clock_gettime(CLOCK_MONOTONIC, &im.t0);
    im.last_report = im.t0;

    if (opts->mapping_path) {
        if ((err = mapping_load_file(opts->mapping_path, &im.map, ei)) != TW_OK)
            goto out;
        tw_errinfo_file(ei, path);
        if (mapping_date_format(im.map)) {
            const char *f = mapping_date_format(im.map);
            im.date_fmt = strcmp(f, "DD.MM.YYYY") == 0   ? 1
                          : strcmp(f, "DD/MM/YYYY") == 0 ? 2
                          : strcmp(f, "MM/DD/YYYY") == 0 ? 3
                                                         : 0;
        }
    }
    im.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (im.fd < 0) {
        err = tw_errinfo_set(ei, errno == ENOENT ? TW_ENOTFOUND : TW_EIO, "cannot open: %s",
                             strerror(errno));
        goto out;
    }
    if (fstat(im.fd, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            err = tw_errinfo_set(ei, TW_EINPUT, "is a directory, not a CSV file");
            goto out;
        }
        im.file_size = sb.st_size;
    }
    if ((err = csv_open_fd(&im.csv, im.fd, NULL)) != TW_OK)
        goto out;
    if ((err = norm_open(&im.norm)) != TW_OK) {
        tw_errinfo_set(ei, err, "cannot set up name normalisation (ICU)");
        goto out;
    }
    if ((err = read_header(&im, ei)) != TW_OK)
        goto out;
    res->reg = im.def->id;
    if ((err = scan_repeats(&im, ei)) != TW_OK)
        goto out;
    if ((err = open_rejects(&im, res, ei)) != TW_OK)
        goto out;
    im.bar = opts->progress == IMPORT_PROGRESS_BAR ||
             (opts->progress == IMPORT_PROGRESS_AUTO && isatty(STDERR_FILENO));

    if ((err = store_row_states(st, im.def->id, load_state_cb, &im)) != TW_OK ||
        (err = store_batch_start(st, im.def->id, path, opts->mapping_path, &im.batch_id)) !=
            TW_OK) {
        tw_errinfo_set(ei, err, "store: %s", store_errmsg(st));
        goto out;
    }
    res->batch_id = im.batch_id;

    if (threaded) {
        if (pthread_create(&reader, NULL, reader_main, &im) != 0) {
            err = tw_errinfo_set(ei, TW_EINTERNAL, "cannot start the reader thread");
            goto fail;
        }
        started = 1;
    }
    while (!eof) {
        chunk_t *ch = next_chunk(&im, threaded);
        if (!decided) {
            /* the bulk path or not: decided on the first chunk, whose
             * records tell how many rows the file holds */
            decided = 1;
            if (use_bulk(&im, ch)) {
                if ((err = store_bulk_begin(st, im.def->id)) != TW_OK) {
                    tw_errinfo_set(ei, err, "store: cannot start the bulk load: %s",
                                   store_errmsg(st));
                    release_chunk(&im, threaded);
                    goto fail;
                }
                res->bulk = bulk = 1;
            }
        }
        for (i = 0; i < ch->n; i++) {
            if (!tx && !bulk) {
                if ((err = store_begin(st)) != TW_OK) {
                    tw_errinfo_set(ei, err, "store: %s", store_errmsg(st));
                    goto fail;
                }
                tx = 1;
                in_tx = 0;
            }
            if ((err = apply_record(&im, &ch->recs[i])) != TW_OK) {
                ei->line = ch->recs[i].line;
                tw_errinfo_set(ei, err, "%s%s", err == TW_EDB ? "store: " : "",
                               err == TW_EDB ? store_errmsg(st) : tw_strerror(err));
                goto fail;
            }
            if (!bulk && ++in_tx >= batch_rows) {
                im.counts.bytes = (long long)ch->bytes;
                if ((err = store_batch_update(st, im.batch_id, &im.counts, NULL)) != TW_OK ||
                    (err = store_commit(st)) != TW_OK) {
                    tw_errinfo_set(ei, err, "store: %s", store_errmsg(st));
                    goto fail;
                }
                tx = 0;
                if (im.rejects)
                    fflush(im.rejects);
            }
        }
        im.bytes_done = ch->bytes;
        progress(&im, 0);
        eof = ch->eof;
        if (ch->cancelled)
            res->cancelled = 1;
        if (ch->err) {
            err = ch->err;
            ei->line = ch->ei.line;
            tw_errinfo_set(ei, err, "%s", ch->ei.msg);
            release_chunk(&im, threaded);
            goto fail;
        }
        release_chunk(&im, threaded);
    }
    if (started) {
        pthread_join(reader, NULL);
        started = 0;
    }
    /* a signal that came after the last record was read interrupts
     * nothing: the file is complete */
    im.counts.bytes = (long long)im.bytes_done;
    if (!tx && !bulk && (err = store_begin(st)) != TW_OK) {
        tw_errinfo_set(ei, err, "store: %s", store_errmsg(st));
        goto fail;
    }
    tx = !bulk;
    if ((err = store_batch_update(st, im.batch_id, &im.counts,
                                  res->cancelled ? "interrupted" : "done")) != TW_OK) {
        tw_errinfo_set(ei, err, "store: %s", store_errmsg(st));
        goto fail;
    }
    if ((err = bulk ? store_bulk_commit(st) : store_commit(st)) != TW_OK) {
        tw_errinfo_set(ei, err, "store: %s", store_errmsg(st));
        if (bulk) /* a failed bulk commit has rolled back */
            memset(&im.counts, 0, sizeof(im.counts));
        im.rows_repeated = 0;
        bulk = 0;
        goto fail;
    }
    tx = bulk = 0;
    progress(&im, 1);
    err = TW_OK;
    goto out;

fail:
    if (started) {
        stop_reader(&im);
        pthread_join(reader, NULL);
    }
    if (tx)
        store_rollback(st);
    if (bulk) {
        store_bulk_rollback(st);
        /* nothing of the file is stored: the counters say so */
        memset(&im.counts, 0, sizeof(im.counts));
        im.rows_repeated = 0;
    }
    if (im.batch_id && store_batch_update(st, im.batch_id, &im.counts, "failed") != TW_OK)
        fprintf(stderr, "tipwatch: could not mark batch %lld failed: %s\n",
                (long long)im.batch_id, store_errmsg(st));
out:
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = elapsed(&im.t0, &t1);
    res->counts = im.counts;
    res->rows_repeated = im.rows_repeated;
    if (im.rejects && fclose(im.rejects) != 0 && err == TW_OK)
        err = tw_errinfo_set(ei, TW_EIO, "cannot write the rejects file");
    csv_close(im.csv);
    if (im.fd >= 0)
        close(im.fd);
    norm_close(im.norm);
    mapping_free(im.map);
    if (im.src_names) {
        for (i = 0; i < im.nsrc; i++)
            free(im.src_names[i]);
    }
    free(im.src_names);
    free(im.colmap);
    free(im.src_of);
    free(im.heads);
    strmap_free(&im.latest);
    strmap_free(&im.last);
    if (im.chunks) {
        for (i = 0; i < NCHUNKS; i++)
            arena_free(&im.chunks[i].arena);
    }
    free(im.chunks);
    pthread_mutex_destroy(&im.mu);
    pthread_cond_destroy(&im.cond);
    buf_free(&im.extra);
    return err;
}

long import_reason_repeated(const char *reason)
{
    static const char head[] = "the key is repeated at line ";
    char *end;
    long line;

    if (!reason || strncmp(reason, head, sizeof(head) - 1) != 0)
        return 0;
    errno = 0;
    line = strtol(reason + sizeof(head) - 1, &end, 10);
    if (errno || line <= 0 || strcmp(end, " of this file; the later row is kept") != 0)
        return 0;
    return line;
}

/* ---- one record given field by field ------------------------------------ */

struct import_record {
    importer_t im;
    rec_t rec;
    arena_t arena;
    char **names; /* the given names, for the raw text of a reject */
};

void import_record_free(import_record_t *r)
{
    if (!r)
        return;
    free(r->im.src_of);
    free(r->im.heads);
    strmap_free(&r->im.latest);
    strmap_free(&r->im.last);
    buf_free(&r->im.extra);
    arena_free(&r->arena);
    free(r);
}

tw_err_t import_record_check(reg_id_t reg, norm_t *norm, const char *const *names,
                             const char *const *values, size_t n, import_record_t **out,
                             tw_errinfo_t *ei)
{
    import_record_t *r;
    importer_t *im;
    const char **field = NULL;
    size_t *len = NULL, i, c;
    csv_row_t row;
    tw_buf_t raw;
    tw_err_t err = TW_OK;

    *out = NULL;
    if (!(r = calloc(1, sizeof(*r))))
        return TW_ENOMEM;
    im = &r->im;
    arena_init(&r->arena, 1 << 14);
    strmap_init(&im->latest);
    strmap_init(&im->last);
    buf_init(&im->extra, 1 << 16);
    buf_init(&raw, 1 << 20);
    im->def = reg_get(reg);
    im->norm = norm;
    im->arena = &r->arena;
    im->cur = &r->rec;
    im->direct = 1;
    im->nsrc = n;
    if (!im->def || !(im->src_of = malloc(im->def->ncols * sizeof(*im->src_of))) ||
        !(field = calloc(n + 1, sizeof(*field))) || !(len = calloc(n + 1, sizeof(*len)))) {
        err = TW_ENOMEM;
        goto out;
    }
    for (c = 0; c < im->def->ncols; c++)
        im->src_of[c] = -1;
    for (c = 0; c < R_COUNT; c++) {
        const char *rn = role_columns[reg][c];
        im->role[c] = rn ? reg_column_index(im->def, rn, strlen(rn)) : -1;
    }
    for (i = 0; i < n; i++) {
        int idx = reg_column_index(im->def, names[i], strlen(names[i]));
        if (idx < 0) {
            tw_errinfo_field(ei, names[i]);
            err = tw_errinfo_set(ei, TW_EINPUT, "'%s' is not a column of the %s register",
                                 names[i], im->def->name);
            goto out;
        }
        if (im->src_of[idx] >= 0) {
            tw_errinfo_field(ei, names[i]);
            err = tw_errinfo_set(ei, TW_EINPUT, "'%s' is given twice", names[i]);
            goto out;
        }
        im->src_of[idx] = (int)i;
        field[i] = values[i] ? values[i] : "";
        len[i] = strlen(field[i]);
        /* the raw text kept with an issue: name=value pairs */
        if ((raw.len && buf_addc(&raw, ',') != TW_OK) || buf_adds(&raw, names[i]) != TW_OK ||
            buf_addc(&raw, '=') != TW_OK || buf_add(&raw, field[i], len[i]) != TW_OK) {
            err = tw_errinfo_set(ei, TW_ETOOBIG, "the record is longer than 1 MiB");
            goto out;
        }
    }
    for (c = 0; c < im->def->ncols; c++) {
        if (im->def->cols[c].required && im->src_of[c] < 0) {
            tw_errinfo_field(ei, im->def->cols[c].name);
            err = tw_errinfo_set(ei, TW_EINPUT, "required field missing");
            goto out;
        }
    }
    memset(&row, 0, sizeof(row));
    row.nfields = n;
    row.field = field;
    row.len = len;
    row.line = 1;
    row.end_line = 1;
    row.raw = raw.len ? raw.p : "";
    row.raw_len = raw.len;
    err = prepare_record(im, &row);
out:
    free(field);
    free(len);
    buf_free(&raw);
    if (err != TW_OK) {
        import_record_free(r);
        if (!ei || ei->msg[0] == '\0')
            tw_errinfo_set(ei, err, "%s", tw_strerror(err));
        return err;
    }
    *out = r;
    return TW_OK;
}

int import_record_rejected(const import_record_t *r)
{
    return r->rec.rejected;
}

size_t import_record_issues(const import_record_t *r)
{
    return r->rec.nissues;
}

void import_record_issue(const import_record_t *r, size_t i, const char **field,
                         int *warning, const char **reason)
{
    const issue_t *is = &r->rec.issues[i];
    *field = is->col >= 0 ? r->im.def->cols[is->col].name : "";
    *warning = is->warning;
    *reason = is->reason;
}

const char *import_record_key(const import_record_t *r)
{
    return r->rec.key ? r->rec.key : "";
}

const store_value_t *import_record_values(const import_record_t *r)
{
    return r->rec.vals;
}

tw_err_t import_record_links(store_t *st, import_record_t *r, store_links_t *links)
{
    r->im.st = st;
    r->im.create = 0;
    return link_entities(&r->im, &r->rec, links);
}

tw_err_t import_record_store(store_t *st, import_record_t *r, const char *source,
                             import_stored_t *res, tw_errinfo_t *ei)
{
    importer_t *im = &r->im;
    head_t *head = NULL;
    uint64_t *slot;
    int tx = 0;
    tw_err_t err;

    memset(res, 0, sizeof(*res));
    if (r->rec.rejected)
        return tw_errinfo_set(ei, TW_EINPUT, "the record was rejected; nothing is stored");
    im->st = st;
    im->create = 1;
    if ((err = store_begin(st)) != TW_OK)
        goto fail;
    tx = 1;
    if ((err = store_row_versions(st, im->def->id, r->rec.key, r->rec.key_len, load_state_cb,
                                  im)) != TW_OK ||
        (err = store_batch_start(st, im->def->id, source, NULL, &im->batch_id)) != TW_OK)
        goto fail;
    res->batch_id = im->batch_id;
    memset(&im->counts, 0, sizeof(im->counts));
    if ((err = apply_record(im, &r->rec)) != TW_OK)
        goto fail;
    /* looked up after apply_record, which may move the heads */
    if ((slot = strmap_get(&im->latest, r->rec.key, r->rec.key_len)) != NULL)
        head = &im->heads[*slot];
    res->status = im->counts.rows_new        ? IMPORT_STORED_NEW
                  : im->counts.rows_versioned ? IMPORT_STORED_VERSION
                                              : IMPORT_STORED_UNCHANGED;
    res->version = head ? head->version : 1;
    /* the links of the row as stored (also when unchanged: the entities
     * exist, and a caller scoring the record needs them) */
    if ((err = link_entities(im, &r->rec, &res->links)) != TW_OK ||
        (err = store_batch_update(st, im->batch_id, &im->counts, "done")) != TW_OK)
        goto fail;
    if ((err = store_commit(st)) != TW_OK)
        goto fail;
    return TW_OK;
fail:
    if (tx)
        store_rollback(st);
    return tw_errinfo_set(ei, err, "storing the record: %s",
                          err == TW_EDB ? store_errmsg(st) : tw_strerror(err));
}
