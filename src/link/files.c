/*
 * files.c - `tipwatch link --files`: the linker over arbitrary CSV files
 * (contract in files.h).
 *
 * Data: the parsed SPEC (column, kind, date format per field), the id of
 * every record (in an arena, in record order) and the link_t. Each row is
 * read, its fields trimmed and normalised into one scratch buffer, and
 * handed to link_add(); nothing per row outlives the call but its id.
 * Invariant: ids[i] is the --id value of link record i; records of the
 * first file come first, so in linkage mode a pair (a, b) with a < b has
 * a in the first file.
 * Thread model: one call per thread (the norm_t is the call's own).
 */
#include "link/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "ingest/csv.h"
#include "ingest/norm.h"

enum { FMT_ISO, FMT_YYYYMMDD, FMT_DMY_DOT, FMT_DMY_SLASH, FMT_YEAR };

typedef struct {
    char column[64];
    char label[64];
    link_kind_t kind;
    int fmt;
    int col[2]; /* index in each file's header */
} spec_field_t;

typedef struct {
    spec_field_t f[LINK_MAX_FIELDS];
    size_t n;
} spec_t;

static tw_err_t parse_spec(const char *spec, spec_t *s, tw_errinfo_t *ei)
{
    const char *p = spec;
    memset(s, 0, sizeof *s);
    while (*p) {
        const char *end = strchr(p, ','), *c1, *c2;
        size_t len = end ? (size_t)(end - p) : strlen(p), i;
        spec_field_t *f;
        int k;

        if (s->n == LINK_MAX_FIELDS)
            return tw_errinfo_set(ei, TW_EINPUT, "--fields: more than %d fields",
                                  LINK_MAX_FIELDS);
        f = &s->f[s->n];
        c1 = memchr(p, ':', len);
        if (!c1 || c1 == p)
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "--fields: '%.*s' is not column:kind[:format]", (int)len, p);
        if ((size_t)(c1 - p) >= sizeof f->column)
            return tw_errinfo_set(ei, TW_EINPUT, "--fields: column name too long");
        memcpy(f->column, p, (size_t)(c1 - p));
        c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p));
        k = link_kind_parse(c1 + 1, (size_t)((c2 ? c2 : p + len) - (c1 + 1)));
        if (k < 0)
            return tw_errinfo_set(ei, TW_EINPUT,
                                  "--fields: unknown kind '%.*s' for column %s (given, family, "
                                  "date, id, postcode, number, address, place, region, code, "
                                  "phone)",
                                  (int)((c2 ? c2 : p + len) - (c1 + 1)), c1 + 1, f->column);
        f->kind = (link_kind_t)k;
        f->fmt = FMT_ISO;
        if (c2) {
            size_t fl = len - (size_t)(c2 + 1 - p);
            static const struct {
                const char *name;
                int fmt;
            } fmts[] = {{"YYYY-MM-DD", FMT_ISO}, {"YYYYMMDD", FMT_YYYYMMDD},
                        {"DD.MM.YYYY", FMT_DMY_DOT}, {"DD/MM/YYYY", FMT_DMY_SLASH},
                        {"YYYY", FMT_YEAR}};
            if (f->kind != LINK_KIND_DATE)
                return tw_errinfo_set(ei, TW_EINPUT, "--fields: a format is for dates only (%s)",
                                      f->column);
            for (i = 0; i < sizeof fmts / sizeof fmts[0]; i++)
                if (strlen(fmts[i].name) == fl && memcmp(fmts[i].name, c2 + 1, fl) == 0)
                    break;
            if (i == sizeof fmts / sizeof fmts[0])
                return tw_errinfo_set(ei, TW_EINPUT,
                                      "--fields: unknown date format '%.*s' (YYYY-MM-DD, "
                                      "YYYYMMDD, DD.MM.YYYY, DD/MM/YYYY, YYYY)",
                                      (int)fl, c2 + 1);
            f->fmt = fmts[i].fmt;
        }
        memcpy(f->label, f->column, sizeof f->label);
        s->n++;
        p += len;
        if (*p == ',')
            p++;
    }
    if (s->n == 0)
        return tw_errinfo_set(ei, TW_EINPUT, "--fields: no field");
    return TW_OK;
}

static void trim(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' || (*s)[*len - 1] == '\r'))
        (*len)--;
}

/* Digits of s in the order of the format, as YYYYMMDD (or YYYY); when the
 * text does not fit the format, whatever digits it holds (at most 8). */
static size_t norm_date(const char *s, size_t len, int fmt, char *out)
{
    char d[16];
    size_t n = 0, i;
    for (i = 0; i < len && n < sizeof d; i++)
        if (s[i] >= '0' && s[i] <= '9')
            d[n++] = s[i];
    if (n == 8 && (fmt == FMT_DMY_DOT || fmt == FMT_DMY_SLASH)) {
        memcpy(out, d + 4, 4);
        memcpy(out + 4, d + 2, 2);
        memcpy(out + 6, d, 2);
        return 8;
    }
    if (n > 8)
        n = 8;
    memcpy(out, d, n);
    return n;
}

/* Lower-case letters and digits only. */
static size_t norm_code(const char *s, size_t len, char *out, size_t cap)
{
    size_t n = 0, i;
    for (i = 0; i < len && n < cap; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
            out[n++] = c;
    }
    return n;
}

static size_t norm_field(norm_t *nm, const spec_field_t *f, const char *s, size_t len,
                         char *out, size_t cap)
{
    size_t n = 0;
    if (len == 0)
        return 0;
    switch (f->kind) {
    case LINK_KIND_GIVEN:
    case LINK_KIND_FAMILY:
    case LINK_KIND_PLACE:
        if (norm_name(nm, s, len, out, cap, &n) != TW_OK)
            n = norm_code(s, len, out, cap);
        return n;
    case LINK_KIND_ADDRESS:
        if (norm_address(nm, s, len, out, cap, &n) != TW_OK)
            n = norm_code(s, len, out, cap);
        return n;
    case LINK_KIND_DATE:
        return norm_date(s, len, f->fmt, out);
    case LINK_KIND_PHONE:
        if (norm_phone(s, len, out, cap, &n) != TW_OK)
            n = norm_code(s, len, out, cap);
        return n;
    default:
        return norm_code(s, len, out, cap);
    }
}

typedef struct {
    FILE *out;
    const char *const *ids;
    tw_err_t err;
} out_ctx_t;

static tw_err_t write_pair(void *ctx, uint32_t a, uint32_t b, double w)
{
    out_ctx_t *o = ctx;
    if (fprintf(o->out, "%s,%s,%.3f,%.6f\n", o->ids[a], o->ids[b], w, link_probability(w)) < 0)
        return TW_EIO;
    return TW_OK;
}

static tw_err_t log_capped(void *ctx, const char *rule, const char *key, size_t size)
{
    fprintf((FILE *)ctx, "link: block over the cap, not compared: %s = '%s' (%zu records)\n",
            rule, key, size);
    return TW_OK;
}

/* Reads one file into the linker. */
static tw_err_t read_file(const char *path, int source, spec_t *sp, const char *idcol,
                          norm_t *nm, link_t *l, arena_t *ar, const char ***ids, size_t *nids,
                          size_t *idcap, FILE *log, tw_errinfo_t *ei)
{
    csv_reader_t *r = NULL;
    csv_row_t row;
    int fd = open(path, O_RDONLY), idi = -1;
    char *scratch = NULL;
    size_t i, j, scap = 6 * 512 + 16;
    tw_err_t err;

    if (fd < 0) {
        tw_errinfo_file(ei, path);
        return tw_errinfo_set(ei, errno == ENOENT ? TW_ENOTFOUND : TW_EIO, "%s",
                              strerror(errno));
    }
    scratch = malloc(scap * LINK_MAX_FIELDS);
    if (!scratch) {
        err = TW_ENOMEM;
        goto out;
    }
    if ((err = csv_open_fd(&r, fd, NULL)) != TW_OK)
        goto out;
    err = csv_next(r, &row);
    if (err != TW_OK) {
        tw_errinfo_file(ei, path);
        err = tw_errinfo_set(ei, TW_EINPUT, "no header row");
        goto out;
    }
    for (j = 0; j < sp->n; j++)
        sp->f[j].col[source] = -1;
    for (i = 0; i < row.nfields; i++) {
        const char *h = row.field[i];
        size_t hl = row.len[i];
        trim(&h, &hl);
        if (strlen(idcol) == hl && memcmp(idcol, h, hl) == 0)
            idi = (int)i;
        for (j = 0; j < sp->n; j++)
            if (strlen(sp->f[j].column) == hl && memcmp(sp->f[j].column, h, hl) == 0)
                sp->f[j].col[source] = (int)i;
    }
    tw_errinfo_file(ei, path);
    ei->line = 1;
    if (idi < 0) {
        tw_errinfo_field(ei, idcol);
        err = tw_errinfo_set(ei, TW_EINPUT, "no column '%s' (--id)", idcol);
        goto out;
    }
    for (j = 0; j < sp->n; j++) {
        if (sp->f[j].col[source] < 0) {
            tw_errinfo_field(ei, sp->f[j].column);
            err = tw_errinfo_set(ei, TW_EINPUT, "no column '%s' (--fields)", sp->f[j].column);
            goto out;
        }
    }
    tw_errinfo_clear(ei);
    for (;;) {
        const char *vals[LINK_MAX_FIELDS];
        size_t lens[LINK_MAX_FIELDS];
        const char *id;
        size_t idl;

        err = csv_next(r, &row);
        if (err == TW_EOF) {
            err = TW_OK;
            break;
        }
        if (err == TW_EINPUT) {
            if (log)
                fprintf(log, "%s:%ld: skipped: %s\n", path, csv_last_error(r)->line,
                        csv_last_error(r)->msg);
            continue;
        }
        if (err)
            goto out;
        if ((size_t)idi >= row.nfields) {
            if (log)
                fprintf(log, "%s:%ld: skipped: %zu fields, no id\n", path, row.line,
                        row.nfields);
            continue;
        }
        id = row.field[idi];
        idl = row.len[idi];
        trim(&id, &idl);
        if (idl == 0) {
            if (log)
                fprintf(log, "%s:%ld: skipped: empty id\n", path, row.line);
            continue;
        }
        for (j = 0; j < sp->n; j++) {
            int c = sp->f[j].col[source];
            const char *s = c < (int)row.nfields ? row.field[c] : "";
            size_t sl = c < (int)row.nfields ? row.len[c] : 0;
            trim(&s, &sl);
            if (sl > 512)
                sl = 512;
            vals[j] = scratch + j * scap;
            lens[j] = norm_field(nm, &sp->f[j], s, sl, scratch + j * scap, scap);
        }
        if ((err = link_add(l, source, vals, lens, NULL)) != TW_OK)
            goto out;
        if (*nids == *idcap) {
            size_t nc = *idcap ? *idcap * 2 : 1024;
            const char **n2 = realloc((void *)*ids, nc * sizeof *n2);
            if (!n2) {
                err = TW_ENOMEM;
                goto out;
            }
            *ids = n2;
            *idcap = nc;
        }
        (*ids)[*nids] = arena_strndup(ar, id, idl);
        if (!(*ids)[*nids]) {
            err = TW_ENOMEM;
            goto out;
        }
        (*nids)++;
    }
out:
    csv_close(r);
    free(scratch);
    close(fd);
    return err;
}

tw_err_t link_files_run(const link_files_opts_t *o, tw_errinfo_t *ei)
{
    spec_t sp;
    link_field_t fields[LINK_MAX_FIELDS];
    link_opts_t lo = o->opts;
    link_t *l = NULL;
    norm_t *nm = NULL;
    arena_t ar;
    const char **ids = NULL;
    size_t nids = 0, idcap = 0, i;
    out_ctx_t oc = {0};
    tw_err_t err;

    arena_init(&ar, 1 << 16);
    if ((err = parse_spec(o->spec, &sp, ei)) != TW_OK)
        goto out;
    for (i = 0; i < sp.n; i++) {
        fields[i].name = sp.f[i].label;
        fields[i].kind = sp.f[i].kind;
    }
    lo.sources = o->files[1] ? 2 : 1;
    if ((err = link_new(fields, sp.n, &lo, &l)) != TW_OK)
        goto out;
    if ((err = norm_open(&nm)) != TW_OK)
        goto out;
    for (i = 0; i < (size_t)lo.sources; i++)
        if ((err = read_file(o->files[i], (int)i, &sp, o->id_column, nm, l, &ar, &ids, &nids,
                             &idcap, o->log, ei)) != TW_OK)
            goto out;
    if ((err = link_run(l)) != TW_OK)
        goto out;
    oc.out = fopen(o->out, "w");
    if (!oc.out) {
        tw_errinfo_file(ei, o->out);
        err = tw_errinfo_set(ei, TW_EIO, "%s", strerror(errno));
        goto out;
    }
    oc.ids = ids;
    fputs("left,right,weight,probability\n", oc.out);
    err = link_each_pair(l, o->have_min_weight ? o->min_weight : lo.threshold, write_pair, &oc);
    if (fclose(oc.out) != 0 && err == TW_OK)
        err = TW_EIO;
    if (err)
        goto out;
    if (o->log) {
        link_stats_t s;
        link_stats(l, &s);
        fprintf(o->log,
                "link: %zu records (%zu distinct), %zu without a name or identifier left "
                "alone; %zu pairs compared, %zu linked, %zu in the review band; %zu "
                "clusters; %zu blocks over the cap; %zu joins refused by the chain guard; "
                "EM: lambda %.4g after %d iterations\n",
                s.records, s.profiles, s.isolated, s.pairs_compared, s.pairs_linked,
                s.pairs_review, s.clusters, s.blocks_capped, s.chains_refused, s.lambda,
                s.em_iterations);
        link_each_capped(l, log_capped, o->log);
    }
out:
    link_free(l);
    norm_close(nm);
    free((void *)ids);
    arena_free(&ar);
    return err;
}
