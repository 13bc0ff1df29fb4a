/*
 * template.h - the texts of the information messages to workers: one file
 * per language in a templates directory (docs/outreach/templates/ by
 * default), reviewed and versioned like the config, and one contacts file
 * with the values every language shares (hotline, NGOs, minimum wage).
 *
 * A language file (LANG.txt, LANG an ISO 639-1 code):
 *
 *     # comments before the first section
 *     language: ru
 *     version: 3
 *     == subject.approved
 *     text, several lines, with {placeholders}
 *     == body.approved
 *     ...
 *
 * Sections every file has (and no others): subject.EVENT and body.EVENT for
 * each event of outreach_event_name(), `rights` (what every worker may do),
 * `rights.domestic`, `rights.domestic.f`, `rights.entertainment`,
 * `rights.entertainment.f` (the paragraph for domestic work and
 * entertainment, the .f one written for women), and `footer` (where to get
 * help). Placeholders are {name} with name one of TPL_PLACEHOLDERS; `{{`
 * is a literal brace. A file with an unknown placeholder, an unknown or
 * missing section, or no language/version line is refused when it is
 * loaded, naming the file, line and column.
 *
 * contacts.txt: `key = value` lines for hotline, emergency, ngo,
 * min_wage_amd and max_weekly_hours; each must be set.
 *
 * Thread model: a loaded set is read-only; share it freely.
 */
#ifndef TW_OUTREACH_TEMPLATE_H
#define TW_OUTREACH_TEMPLATE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

typedef enum {
    OUTREACH_APPROVED = 0,
    OUTREACH_RENEWED,
    OUTREACH_TRANSFERRED,
    OUTREACH_REVOKED,
    OUTREACH_EXPIRY_30D,
    OUTREACH_NO_ENTRY,
    OUTREACH_EVENT_COUNT
} outreach_event_t;

/* "approved", "renewed", "transferred", "revoked", "expiry_30d", "no_entry". */
const char *outreach_event_name(outreach_event_t ev);
/* -1 when unknown. */
int outreach_event_parse(const char *name);

/* Work where the wording differs for women and men. */
typedef enum { TPL_WORK_OTHER = 0, TPL_WORK_DOMESTIC, TPL_WORK_ENTERTAINMENT } tpl_work_t;

/* The values a message is filled with; NULL or "" renders as "". */
typedef struct {
    const char *given_name, *family_name, *application_id, *permit_no;
    const char *valid_from, *valid_to, *employer_name;
} tpl_values_t;

typedef struct tpl_set tpl_set_t;

/* Loads every LANG.txt of dir and dir/contacts.txt. TW_EINPUT with
 * file/line/column for a bad file; TW_ENOTFOUND when dir has no language
 * file or no contacts file. Free with tpl_set_free(). */
tw_err_t tpl_set_load(const char *dir, tpl_set_t **out, tw_errinfo_t *ei);
void tpl_set_free(tpl_set_t *set);
/* 1 when the set has a file for language code `lang`. */
int tpl_set_has(const tpl_set_t *set, const char *lang);
/* The languages loaded, comma-separated, in name order. */
const char *tpl_set_languages(const tpl_set_t *set);

/* Renders the subject and body of event `ev` in `lang` for a worker of sex
 * `sex` ('F', 'M', 'X' or 0) in work `work`: body.EVENT, rights, the
 * work's paragraph (.f for women) when work is not OTHER, and footer.
 * *template_id gets "LANG vVERSION #HASH" (the file's content hash), valid
 * while the set lives. TW_ENOTFOUND for a language not loaded. */
tw_err_t tpl_render(const tpl_set_t *set, const char *lang, outreach_event_t ev, char sex,
                    tpl_work_t work, const tpl_values_t *v, tw_buf_t *subject, tw_buf_t *body,
                    const char **template_id);

/* Checks the text of one language file named LANG.txt (code LANG) as
 * tpl_set_load would, then renders every event for every sex and kind of
 * work with fixed contacts: TW_OK, or the error a load would give (file
 * "input"). For the fuzzer and tests. */
tw_err_t tpl_lang_check(const char *text, size_t len, const char *code, tw_errinfo_t *ei);

#endif
