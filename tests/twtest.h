/*
 * twtest.h - helpers shared by the tests that drive the import: write a CSV
 * into the test's directory and import it, expecting no rejected row.
 * Include after <cmocka.h>.
 */
#ifndef TW_TWTEST_H
#define TW_TWTEST_H

#include <stdio.h>
#include <string.h>

#include "ingest/import.h"
#include "synth/synth.h"

/* Writes `content` to DIR/NAME and imports it into `st` (register from the
 * header, no progress, no rejects file); fails the test on any rejected row. */
static inline void twt_import_text(store_t *st, const char *dir, const char *name,
                                   const char *content)
{
    char path[400];
    FILE *f;
    import_opts_t o;
    import_result_t res;
    tw_errinfo_t ei;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    memset(&o, 0, sizeof(o));
    o.progress = IMPORT_PROGRESS_NONE;
    o.quiet = 1;
    o.rejects_path = "";
    assert_int_equal(import_file(st, path, &o, &res, &ei), TW_OK);
    assert_int_equal(res.counts.rows_rejected, 0);
}

/* Writes a synthetic register of `apps` applications in world `w` (NULL:
 * synth's default world) into DIR and imports its permits, crossings,
 * inspections and reports into `st` (its bad rows are rejected as
 * designed); `sum` (may be NULL) gets synth's counts. */
static inline void twt_synth_import_world(store_t *st, const char *dir, uint64_t apps,
                                          uint64_t seed, const synth_world_t *w,
                                          synth_summary_t *sum)
{
    static const char *const files[] = {"permits.csv", "border_crossings.csv",
                                        "inspections.csv", "reports.csv"};
    synth_opts_t so;
    synth_summary_t local;
    tw_errinfo_t ei;
    char path[520];
    size_t f;

    memset(&so, 0, sizeof(so));
    so.out_dir = dir;
    so.applications = apps;
    so.seed = seed;
    so.world = w;
    assert_int_equal(synth_run(&so, sum ? sum : &local, &ei), TW_OK);
    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        import_opts_t o;
        import_result_t res;
        snprintf(path, sizeof(path), "%s/%s", dir, files[f]);
        memset(&o, 0, sizeof(o));
        o.progress = IMPORT_PROGRESS_NONE;
        o.quiet = 1;
        o.rejects_path = "";
        assert_int_equal(import_file(st, path, &o, &res, &ei), TW_OK);
    }
}

/* twt_synth_import_world() in synth's default world. */
static inline void twt_synth_import(store_t *st, const char *dir, uint64_t apps, uint64_t seed,
                                    synth_summary_t *sum)
{
    twt_synth_import_world(st, dir, apps, seed, NULL, sum);
}

#endif
