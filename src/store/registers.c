/*
 * registers.c - the canonical register definitions (see registers.h).
 *
 * Column order follows shared/formats/registry.md. Text limits are
 * generous for what a register holds; a longer value is a row error, so an
 * export with a runaway field never fills the store.
 */
#include "store/registers.h"

#include <string.h>
#include <strings.h>

static const char *const decisions[] = {"pending", "approved", "rejected", "withdrawn",
                                        "revoked", NULL};
static const char *const sexes[] = {"F", "M", "X", NULL}; /* stored upper-case */
static const char *const directions[] = {"in", "out", NULL};
static const char *const channels[] = {"hotline", "ngo", "police", "labour_inspection",
                                       "consulate", "self", "other", NULL};
static const char *const categories[] = {"forced_labour", "sexual_exploitation",
                                         "domestic_servitude", "forced_begging",
                                         "forced_criminality", "other", NULL};
static const char *const violations[] = {"wage_arrears", "excessive_hours", "no_contract",
                                         "documents_withheld", "unsafe_housing",
                                         "child_labour", "other", NULL};
static const char *const entity_types[] = {"application", "worker", "employer",
                                           "intermediary", NULL};
static const char *const outcomes[] = {"confirmed", "cleared", NULL};

#define ID(n) {n, COL_IDENT, 1, 64, NULL}
#define REQ(n, t, m) {n, t, 1, m, NULL}
#define OPT(n, t, m) {n, t, 0, m, NULL}
#define ENUMR(n, v) {n, COL_ENUM, 1, 0, v}
#define ENUMO(n, v) {n, COL_ENUM, 0, 0, v}

static const reg_column_t permit_cols[] = {
    ID("application_id"),
    REQ("submitted_at", COL_TIMESTAMP, 0),
    ENUMR("decision", decisions),
    OPT("decided_at", COL_TIMESTAMP, 0),
    OPT("permit_no", COL_TEXT, 64),
    OPT("valid_from", COL_DATE, 0),
    OPT("valid_to", COL_DATE, 0),
    {"previous_application_id", COL_IDENT, 0, 64, NULL},
    REQ("worker_doc_no", COL_DOCNO, 32),
    REQ("worker_doc_country", COL_COUNTRY, 0),
    REQ("worker_family_name", COL_NAME, 200),
    REQ("worker_given_name", COL_NAME, 200),
    ENUMR("worker_sex", sexes),
    REQ("worker_birth_date", COL_DATE, 0),
    REQ("worker_citizenship", COL_COUNTRY, 0),
    OPT("worker_phone", COL_PHONE, 64),
    OPT("worker_email", COL_EMAIL, 254),
    OPT("worker_address", COL_ADDRESS, 500),
    OPT("worker_region", COL_REGION, 0),
    REQ("employer_tin", COL_TIN, 0),
    REQ("employer_name", COL_NAME, 300),
    OPT("employer_sector", COL_ISIC, 0),
    OPT("employer_registered_on", COL_DATE, 0),
    OPT("employer_declared_employees", COL_UINT, 10000000),
    OPT("workplace_address", COL_ADDRESS, 500),
    OPT("workplace_region", COL_REGION, 0),
    OPT("occupation_isco", COL_ISCO, 0),
    OPT("position_title", COL_TEXT, 200),
    OPT("monthly_salary_amd", COL_UINT, 100000000),
    OPT("weekly_hours", COL_UINT, 168),
    OPT("contract_start", COL_DATE, 0),
    OPT("contract_end", COL_DATE, 0),
    {"intermediary_id", COL_IDENT, 0, 64, NULL},
    OPT("intermediary_name", COL_NAME, 300),
    {"submitted_by", COL_IDENT, 0, 64, NULL},
};

static const reg_column_t border_cols[] = {
    ID("crossing_id"),
    REQ("crossed_at", COL_TIMESTAMP, 0),
    ENUMR("direction", directions),
    REQ("crossing_point", COL_TEXT, 100),
    REQ("doc_no", COL_DOCNO, 32),
    REQ("doc_country", COL_COUNTRY, 0),
    REQ("family_name", COL_NAME, 200),
    REQ("given_name", COL_NAME, 200),
    ENUMO("sex", sexes),
    REQ("birth_date", COL_DATE, 0),
    REQ("citizenship", COL_COUNTRY, 0),
    OPT("purpose", COL_TEXT, 50),
};

static const reg_column_t inspection_cols[] = {
    ID("inspection_id"),
    REQ("employer_tin", COL_TIN, 0),
    REQ("inspected_on", COL_DATE, 0),
    OPT("workers_found", COL_UINT, 1000000),
    OPT("undeclared_workers", COL_UINT, 1000000),
    {"violations", COL_ENUM_LIST, 0, 0, violations},
};

static const reg_column_t report_cols[] = {
    ID("report_id"),
    REQ("received_at", COL_TIMESTAMP, 0),
    ENUMR("channel", channels),
    OPT("subject_name", COL_NAME, 300),
    OPT("subject_birth_date", COL_DATE, 0),
    OPT("subject_citizenship", COL_COUNTRY, 0),
    OPT("employer_tin", COL_TIN, 0),
    OPT("employer_name", COL_NAME, 300),
    OPT("address", COL_ADDRESS, 500),
    OPT("phone", COL_PHONE, 64),
    ENUMO("category", categories),
    OPT("summary", COL_TEXT, 20000),
};

static const reg_column_t outcome_cols[] = {
    ENUMR("entity_type", entity_types),
    REQ("entity_key", COL_TEXT, 200),
    ENUMR("outcome", outcomes),
    OPT("decided_on", COL_DATE, 0),
};

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static const reg_def_t defs[REG_COUNT] = {
    {REG_PERMITS, "permits", "permit", "application_id", permit_cols, NCOLS(permit_cols)},
    {REG_BORDER, "border_crossings", "border_crossing", "crossing_id", border_cols,
     NCOLS(border_cols)},
    {REG_INSPECTIONS, "inspections", "inspection", "inspection_id", inspection_cols,
     NCOLS(inspection_cols)},
    {REG_REPORTS, "reports", "report", "report_id", report_cols, NCOLS(report_cols)},
    {REG_OUTCOMES, "outcomes", "outcome", NULL, outcome_cols, NCOLS(outcome_cols)},
};

const reg_def_t *reg_get(reg_id_t id)
{
    if ((int)id < 0 || id >= REG_COUNT)
        return NULL;
    return &defs[id];
}

const reg_def_t *reg_by_name(const char *name)
{
    static const struct {
        const char *alias;
        reg_id_t id;
    } aliases[] = {
        {"permits", REG_PERMITS},       {"permit", REG_PERMITS},
        {"border_crossings", REG_BORDER}, {"border", REG_BORDER},
        {"crossings", REG_BORDER},      {"inspections", REG_INSPECTIONS},
        {"inspection", REG_INSPECTIONS}, {"reports", REG_REPORTS},
        {"report", REG_REPORTS},        {"outcomes", REG_OUTCOMES},
        {"outcome", REG_OUTCOMES},
    };
    size_t i;
    for (i = 0; i < NCOLS(aliases); i++) {
        if (strcasecmp(name, aliases[i].alias) == 0)
            return &defs[aliases[i].id];
    }
    return NULL;
}

int reg_column_index(const reg_def_t *def, const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < def->ncols; i++) {
        if (strlen(def->cols[i].name) == len && strncasecmp(def->cols[i].name, name, len) == 0)
            return (int)i;
    }
    return -1;
}

int reg_column_has_norm(const reg_column_t *col)
{
    switch (col->type) {
    case COL_NAME:
    case COL_ADDRESS:
    case COL_PHONE:
    case COL_DOCNO:
    case COL_TIMESTAMP:
        return 1;
    default:
        return 0;
    }
}

const char *reg_column_norm_suffix(const reg_column_t *col)
{
    switch (col->type) {
    case COL_PHONE: return "_e164";
    case COL_TIMESTAMP: return "_utc";
    case COL_NAME:
    case COL_ADDRESS:
    case COL_DOCNO: return "_norm";
    default: return NULL;
    }
}
