/*
 * case_link.c - the identity of every NRM case, opened for one run of the
 * record linkage (persons across the registers, link/persons.h). Contract
 * in cases.h (cases_link_records()).
 *
 * Cases sit above link in the layers, and link never reads their tables:
 * this file opens each case's name, birth date, document and phone with
 * the vault and hands them to the caller, who gives them to
 * persons_link() for the run. What link keeps of a case is its record
 * name, its person and the change token computed here: a keyed hash
 * (vault_blind, domain "case.link") of the values, so a copy of the
 * database without the key file cannot test a guessed name against it
 * (docs/internals/link.md, "NRM cases").
 *
 * Invariants:
 *   1. Only the system reads this (act->who NULL: `tipwatch link`): it
 *      crosses every organisation's cases, as purge and reseal do.
 *   2. The read is audited (case.link, with the number of cases) before
 *      the first case is handed out, in the same transaction.
 *   3. Plaintext lives during the callback only and is wiped after it.
 *   4. A case with neither a name nor a document is not handed out; a
 *      value that does not open (damaged, or a key the file lacks) is left
 *      out of its case, which is still handed out with the rest.
 * Thread model: the caller's store_t and vault_t.
 */
#include "cases/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cases/cases_int.h"

/* The registers' sex codes (store/registers.c: F, M, X) of the cases'. */
static const char *register_sex(const char *code)
{
    if (strcmp(code, "Female") == 0)
        return "F";
    if (strcmp(code, "Male") == 0)
        return "M";
    return "";
}

static uint64_t token_of(const char *hex)
{
    uint64_t t = 0;
    int i;
    for (i = 0; i < 16 && hex[i]; i++) {
        char c = hex[i];
        t = (t << 4) | (uint64_t)(c >= '0' && c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return t;
}

tw_err_t cases_link_records(store_t *st, const vault_t *v, const cases_actor_t *act,
                            cases_link_fn fn, void *ctx, long long *handed,
                            tw_errinfo_t *ei)
{
    sqlite3_stmt *s = NULL;
    /* the token's input in a fixed array: a growing buffer would realloc
     * and free its older block with the values in it, unwiped */
    char tok[8192];
    char detail[64], blind[VAULT_BLIND_HEX + 1];
    long long total = 0, n = 0;
    tw_err_t err;
    int rc = SQLITE_DONE;

    if (handed)
        *handed = 0;
    if (act && act->who)
        return tw_errinfo_set(ei, TW_EPERM,
                              "linking the cases reads every organisation's: the system only");
    if (!v)
        return tw_errinfo_set(ei, TW_EINTERNAL, "no key file open: cannot read the cases");
    if ((err = cases_outside_tx(st, ei)) != TW_OK)
        return err;
    if (store_begin(st) != TW_OK)
        return cases_db_err(st, ei, "starting a transaction");
    if ((err = cases_prep(st,
                          "SELECT count(*) FROM nrm_case WHERE name_blob IS NOT NULL OR "
                          "worker_key_blob IS NOT NULL",
                          &s, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    if (sqlite3_step(s) == SQLITE_ROW)
        total = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    s = NULL;
    snprintf(detail, sizeof detail, "{\"cases\":%lld}", total);
    if ((err = cases_audit(st, act, "case.link", 0, detail, ei)) != TW_OK)
        return cases_finish(st, err, ei);
    err = cases_prep(st,
                     "SELECT id, name_blob, birth_date_blob, worker_key_blob, phone_blob, sex,"
                     " citizenship FROM nrm_case WHERE name_blob IS NOT NULL OR"
                     " worker_key_blob IS NOT NULL ORDER BY id",
                     &s, ei);
    while (err == TW_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        char *name = NULL, *birth = NULL, *wk = NULL, *phone = NULL;
        int bad = 0, tl;
        persons_case_t c;
        if ((err = cases_unseal_row(v, "nrm_case", "name_blob", id, s, 1, &name, &bad, ei)) ||
            (err = cases_unseal_row(v, "nrm_case", "birth_date_blob", id, s, 2, &birth, &bad,
                                    ei)) ||
            (err = cases_unseal_row(v, "nrm_case", "worker_key_blob", id, s, 3, &wk, &bad,
                                    ei)) ||
            (err = cases_unseal_row(v, "nrm_case", "phone_blob", id, s, 4, &phone, &bad, ei)))
            goto next;
        if ((!name || !name[0]) && (!wk || !wk[0]))
            goto next;
        memset(&c, 0, sizeof c);
        c.id = id;
        c.name = name ? name : "";
        c.birth_date = birth ? birth : "";
        c.document = wk ? wk : "";
        c.phone = phone ? phone : "";
        c.sex = register_sex(cases_col(s, 5));
        c.citizenship = cases_col(s, 6);
        /* the token: every value handed out, apart from each other */
        tl = snprintf(tok, sizeof tok, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", c.name, c.birth_date,
                      c.document, c.phone, c.sex, c.citizenship);
        if (tl < 0 || (size_t)tl >= sizeof tok) {
            err = TW_ETOOBIG;
            goto next;
        }
        if ((err = vault_blind(v, "case.link", tok, (size_t)tl, blind)) != TW_OK)
            goto next;
        c.change_token = token_of(blind);
        err = fn(ctx, &c);
        n++;
    next:
        sodium_memzero(tok, sizeof tok);
        sodium_memzero(blind, sizeof blind);
        cases_wipe_str(name);
        cases_wipe_str(birth);
        cases_wipe_str(wk);
        cases_wipe_str(phone);
    }
    if (err == TW_OK && rc != SQLITE_DONE)
        err = cases_db_err(st, ei, "reading the cases to link");
    sqlite3_finalize(s);
    if (handed)
        *handed = n;
    return cases_finish_read(st, err, ei);
}
