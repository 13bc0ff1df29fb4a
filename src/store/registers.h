/*
 * registers.h - the five canonical registers as data: their columns, the
 * type and rules of each column, and which entity a column names.
 *
 * This table is the single description of shared/formats/registry.md inside
 * the program: the importer validates against it, register inference reads
 * it, the store's schema test checks its tables against it. Read-only,
 * static, thread-safe.
 */
#ifndef TW_REGISTERS_H
#define TW_REGISTERS_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    REG_PERMITS = 0,
    REG_BORDER,
    REG_INSPECTIONS,
    REG_REPORTS,
    REG_OUTCOMES,
    REG_COUNT
} reg_id_t;

typedef enum {
    COL_IDENT,     /* register identifier (value_ident) */
    COL_TEXT,      /* free text, valid UTF-8, at most max bytes */
    COL_NAME,      /* person or organisation name: text + normalised form */
    COL_ADDRESS,   /* free-text address: text + normalised form */
    COL_PHONE,     /* text + E.164 (unreadable: warning, no E.164) */
    COL_EMAIL,     /* text (malformed: warning) */
    COL_DOCNO,     /* travel document number: text + normalised form */
    COL_DATE,      /* YYYY-MM-DD */
    COL_TIMESTAMP, /* YYYY-MM-DDTHH:MM:SS[zone]: text + UTC form */
    COL_ENUM,      /* one of `values`, stored in canonical spelling */
    COL_ENUM_LIST, /* ';'-separated list of `values` */
    COL_COUNTRY,   /* ISO 3166-1 alpha-3 */
    COL_REGION,    /* ISO 3166-2:AM */
    COL_UINT,      /* non-negative integer at most `max` */
    COL_TIN,       /* 8 digits */
    COL_ISIC,      /* ISIC Rev.4 division */
    COL_ISCO       /* ISCO-08 unit group */
} col_type_t;

typedef struct {
    const char *name;          /* canonical column name */
    col_type_t type;
    int required;
    int64_t max;               /* COL_UINT: largest value; text types: max bytes */
    const char *const *values; /* COL_ENUM(_LIST): canonical spellings */
} reg_column_t;

typedef struct {
    reg_id_t id;
    const char *name;      /* "permits", "border_crossings", ... */
    const char *table;     /* store table holding its rows */
    const char *id_column; /* unique id of a row; NULL for outcomes */
    const reg_column_t *cols;
    size_t ncols;
} reg_def_t;

/* Never NULL for a valid id. */
const reg_def_t *reg_get(reg_id_t id);
/* By name ("permits", also "permit", "border", "inspections", ...); NULL if unknown. */
const reg_def_t *reg_by_name(const char *name);
/* Index of a canonical column in `def`, or -1. */
int reg_column_index(const reg_def_t *def, const char *name, size_t len);
/* True when the column has a normalised form stored beside it
 * (name, address, phone, doc number, timestamp). */
int reg_column_has_norm(const reg_column_t *col);
/* The suffix of that form's store column: "_norm", "_e164" or "_utc". */
const char *reg_column_norm_suffix(const reg_column_t *col);

#endif
