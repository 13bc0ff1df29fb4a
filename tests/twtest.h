/*
 * twtest.h - helpers shared by the tests that drive the import: write a CSV
 * into the test's directory and import it, expecting no rejected row.
 * Include after <cmocka.h>.
 */
#ifndef TW_TWTEST_H
#define TW_TWTEST_H

#include <stdio.h>
#include <string.h>

#include "import.h"

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

#endif
