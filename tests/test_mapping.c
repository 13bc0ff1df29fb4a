/*
 * test_mapping.c - mapping files (src/ingest/mapping.h) as cmocka tests: what each
 * line means, how lookups match, and every error with its line and column.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ingest/mapping.h"

/* ---- helpers ---------------------------------------------------------- */

static mapping_t *parse_ok(const char *text)
{
    mapping_t *m = NULL;
    tw_errinfo_t ei;
    tw_err_t err = mapping_parse(text, strlen(text), "test.map", &m, &ei);

    if (err != TW_OK)
        fail_msg("mapping_parse: %s at %ld:%ld: %s", tw_strerror(err), ei.line, ei.column,
                 ei.msg);
    assert_non_null(m);
    return m;
}

/* The text must fail with TW_EINPUT at line:col with `msg` in the message. */
static void parse_bad_len(const char *text, size_t len, long line, long col, const char *msg)
{
    mapping_t *m = (mapping_t *)&m; /* must be reset to NULL */
    tw_errinfo_t ei;
    tw_err_t err = mapping_parse(text, len, "bad.map", &m, &ei);

    if (err != TW_EINPUT || ei.line != line || ei.column != col || !strstr(ei.msg, msg))
        fail_msg("expected TW_EINPUT at %ld:%ld '%s', got %s at %ld:%ld '%s'", line, col, msg,
                 tw_strerror(err), ei.line, ei.column, ei.msg);
    assert_null(m);
    assert_string_equal(ei.file, "bad.map");
}

static void parse_bad(const char *text, long line, long col, const char *msg)
{
    parse_bad_len(text, strlen(text), line, col, msg);
}

static const char *col(const mapping_t *m, const char *header)
{
    return mapping_column(m, header, strlen(header));
}

static const char *val(const mapping_t *m, const char *column, const char *value)
{
    return mapping_value(m, column, value, strlen(value));
}

/* The example of mapping.h, word for word. */
static const char example[] =
    "# comments start with '#' or ';' (whole lines only)\n"
    "register = permits              # optional: which register this is\n"
    "date_format = DD.MM.YYYY        # optional: YYYY-MM-DD (default),\n"
    "                                #   DD.MM.YYYY, DD/MM/YYYY, MM/DD/YYYY\n"
    "[columns]\n"
    "Application No = application_id # source header = canonical column\n"
    "\"Gender, M/F\" = worker_sex      # quote a name holding '=', '#' or ','\n"
    "Internal Ref = -                # '-' : drop this column silently\n"
    "[values worker_sex]             # value spellings for one canonical column\n"
    "Male = M\n"
    "Female = F\n";

/* ---- what a file means ------------------------------------------------ */

static void test_header_example(void **state)
{
    mapping_t *m = parse_ok(example);
    (void)state;
    assert_string_equal(mapping_register(m), "permits");
    assert_string_equal(mapping_date_format(m), "DD.MM.YYYY");
    assert_string_equal(col(m, "Application No"), "application_id");
    assert_string_equal(col(m, "Gender, M/F"), "worker_sex");
    assert_string_equal(col(m, "Internal Ref"), "-");
    assert_null(col(m, "Something Else"));
    assert_string_equal(val(m, "worker_sex", "Male"), "M");
    assert_string_equal(val(m, "worker_sex", "Female"), "F");
    assert_null(val(m, "worker_sex", "Other"));
    assert_null(val(m, "decision", "Male"));
    mapping_free(m);
}

static void test_empty_file(void **state)
{
    mapping_t *m = parse_ok("");
    mapping_t *m2 = parse_ok("# only a comment\n\n   \n; and another\n");
    (void)state;
    assert_null(mapping_register(m));
    assert_null(mapping_date_format(m));
    assert_null(col(m, "x"));
    assert_null(val(m, "worker_sex", "x"));
    mapping_free(m);
    assert_null(mapping_register(m2));
    mapping_free(m2);
}

static void test_case_and_spaces(void **state)
{
    mapping_t *m = parse_ok("[columns]\n  Application No   =   application_id  \n"
                            "[values worker_sex]\nMale=M\n");
    (void)state;
    assert_string_equal(col(m, "application no"), "application_id");
    assert_string_equal(col(m, "APPLICATION NO"), "application_id");
    assert_string_equal(col(m, "  aPPlication nO \t"), "application_id");
    /* inner spaces are part of the name */
    assert_null(col(m, "Application  No"));
    assert_null(col(m, "ApplicationNo"));
    /* a length, not a C string: the header may be a slice */
    assert_string_equal(mapping_column(m, "Application No, and more", 14), "application_id");
    assert_string_equal(val(m, "worker_sex", " MALE "), "M");
    /* the canonical column of a [values] section matches exactly */
    assert_null(val(m, "Worker_Sex", "Male"));
    mapping_free(m);
}

static void test_unicode_case_folding(void **state)
{
    mapping_t *m = parse_ok("[columns]\n"
                            "ԱՆՈՒՆ = worker_given_name\n"
                            "Фамилия = worker_family_name\n"
                            "Straße = worker_address\n"
                            "[values worker_sex]\n"
                            "Արական = M\n"
                            "Женский = F\n");
    (void)state;
    assert_string_equal(col(m, "Անուն"), "worker_given_name");
    assert_string_equal(col(m, "անուն"), "worker_given_name");
    assert_string_equal(col(m, "ФАМИЛИЯ"), "worker_family_name");
    /* full case folding: ß and SS are one */
    assert_string_equal(col(m, "STRASSE"), "worker_address");
    /* NFKC: no-break spaces around the name are spaces, and trimmed */
    assert_string_equal(col(m, "\xC2\xA0" "фамилия\xC2\xA0"), "worker_family_name");
    assert_string_equal(val(m, "worker_sex", "ԱՐԱԿԱՆ"), "M");
    assert_string_equal(val(m, "worker_sex", "женский"), "F");
    /* NFKC: full-width letters match their ASCII forms */
    assert_string_equal(col(m, "ＳＴＲＡＳＳＥ"), "worker_address");
    /* invalid UTF-8 never matches, and never crashes */
    assert_null(col(m, "\xD4\xB1\xFF"));
    mapping_free(m);
}

static void test_quoted_names(void **state)
{
    mapping_t *m = parse_ok("[columns]\n"
                            "\"a = b\" = x1\n"
                            "\"# not a comment\" = x2\n"
                            "\"He said \"\"no\"\"\" = x3\n"
                            "\"\" = x4\n"
                            "\"  padded  \" = x5\n"
                            "[values x1]\n"
                            "\"Yes, confirmed\" = \"yes\"\n"
                            "\"N/A\" = \"\"\n"
                            "unknown = \"\"   # empty means unknown\n");
    (void)state;
    assert_string_equal(col(m, "A = B"), "x1");
    assert_string_equal(col(m, "# not a comment"), "x2");
    assert_string_equal(col(m, "he said \"no\""), "x3");
    assert_string_equal(col(m, ""), "x4");
    assert_string_equal(col(m, "   "), "x4");
    /* surrounding spaces are ignored even inside quotes */
    assert_string_equal(col(m, "padded"), "x5");
    assert_string_equal(val(m, "x1", "yes, CONFIRMED"), "yes");
    assert_string_equal(val(m, "x1", "n/a"), "");
    assert_string_equal(val(m, "x1", "Unknown"), "");
    mapping_free(m);
}

static void test_comments(void **state)
{
    mapping_t *m = parse_ok("; semicolon comment\n"
                            "  # indented comment\n"
                            "[columns] # trailing comment\n"
                            "A;B = x1 # ';' inside a name is data\n"
                            "C = x2#no space needed\n"
                            "\t; indented ; comment = not_an_entry\n");
    (void)state;
    assert_string_equal(col(m, "a;b"), "x1");
    assert_string_equal(col(m, "c"), "x2");
    assert_null(col(m, "; indented ; comment"));
    mapping_free(m);
}

static void test_line_ends_and_bom(void **state)
{
    mapping_t *m = parse_ok("\xEF\xBB\xBF" "register = permits\r\n[columns]\r\n"
                            "A = x1\rB = x2\n\n\r\nC = x3");
    (void)state;
    assert_string_equal(mapping_register(m), "permits");
    assert_string_equal(col(m, "A"), "x1");
    assert_string_equal(col(m, "B"), "x2");
    assert_string_equal(col(m, "C"), "x3");
    mapping_free(m);
    /* line numbers count CRLF, LF and CR alike */
    parse_bad("[columns]\r\nA = x\r\n\nB = x\rBad Name = Not Ok\n", 5, 12,
              "not a canonical column name");
}

static void test_date_formats(void **state)
{
    static const char *const ok[] = {"YYYY-MM-DD", "DD.MM.YYYY", "DD/MM/YYYY", "MM/DD/YYYY"};
    char text[64];
    size_t i;
    mapping_t *m;
    (void)state;
    for (i = 0; i < 4; i++) {
        snprintf(text, sizeof(text), "date_format = %s\n", ok[i]);
        m = parse_ok(text);
        assert_string_equal(mapping_date_format(m), ok[i]);
        mapping_free(m);
    }
    /* the keyword is case-insensitive; the value is given back canonical */
    m = parse_ok("DATE_FORMAT = dd/mm/yyyy\n");
    assert_string_equal(mapping_date_format(m), "DD/MM/YYYY");
    mapping_free(m);
    parse_bad("date_format = YYYY/MM/DD\n", 1, 15, "unknown date_format 'YYYY/MM/DD'");
    parse_bad("date_format = DD.MM.YY\n", 1, 15, "unknown date_format");
    parse_bad("date_format =\n", 1, 14, "unknown date_format ''");
    parse_bad("date_format = YYYY-MM-DD\ndate_format = YYYY-MM-DD\n", 2, 1,
              "date_format is set twice (first at line 1)");
}

static void test_register_key(void **state)
{
    mapping_t *m = parse_ok("Register = border_crossings\n");
    (void)state;
    assert_string_equal(mapping_register(m), "border_crossings");
    mapping_free(m);
    parse_bad("register = Border Crossings\n", 1, 12, "register must be a plain name");
    parse_bad("register =\n", 1, 11, "register must be a plain name");
    parse_bad("register = permits\n\nregister = reports\n", 3, 1,
              "register is set twice (first at line 1)");
    /* after [columns] it is an ordinary header named "register" */
    m = parse_ok("[columns]\nregister = register_name\n");
    assert_null(mapping_register(m));
    assert_string_equal(col(m, "Register"), "register_name");
    mapping_free(m);
}

static void test_sections_repeat_and_merge(void **state)
{
    mapping_t *m = parse_ok("[columns]\nA = x1\n[values x1]\nyes = y\n"
                            "[ columns ]\nB = x2\n[values   x1]\nno = n\n"
                            "[values x2]\nyes = 1\n[VALUES x3]\n");
    (void)state;
    assert_string_equal(col(m, "a"), "x1");
    assert_string_equal(col(m, "b"), "x2");
    assert_string_equal(val(m, "x1", "yes"), "y");
    assert_string_equal(val(m, "x1", "no"), "n");
    /* the same spelling in another column is another entry */
    assert_string_equal(val(m, "x2", "yes"), "1");
    mapping_free(m);
}

static void test_long_names_take_the_heap_path(void **state)
{
    char *text = malloc(8192), *name = malloc(4096), *upper = malloc(4096);
    mapping_t *m;
    size_t i, n;
    (void)state;
    assert_non_null(text);
    assert_non_null(name);
    assert_non_null(upper);
    /* 1500 ASCII bytes: more than the 512-byte lookup stack */
    for (i = 0; i < 1500; i++) {
        name[i] = (char)('a' + i % 26);
        upper[i] = (char)('A' + i % 26);
    }
    name[1500] = upper[1500] = '\0';
    snprintf(text, 8192, "[columns]\n%s = long_ascii\n", name);
    m = parse_ok(text);
    assert_string_equal(col(m, upper), "long_ascii");
    upper[1499] = '!';
    assert_null(col(m, upper));
    mapping_free(m);
    /* 300 Armenian letters: more code points than fold()'s stack */
    n = 0;
    for (i = 0; i < 300; i++) {
        memcpy(name + n, "ա", 2);
        memcpy(upper + n, "Ա", 2);
        n += 2;
    }
    name[n] = upper[n] = '\0';
    snprintf(text, 8192, "[values c]\n%s = long_armenian\n", name);
    m = parse_ok(text);
    assert_string_equal(val(m, "c", upper), "long_armenian");
    mapping_free(m);
    /* U+FDFA folds to 18 letters: 1300 of them (3900 bytes, a legal line)
     * fold to more than the parser's 16 KiB buffer */
    n = 0;
    for (i = 0; i < 1300; i++) {
        memcpy(text + 10 + n, "\xEF\xB7\xBA", 3);
        n += 3;
    }
    memcpy(text, "[columns]\n", 10);
    memcpy(text + 10 + n, " = ligatures\n", sizeof(" = ligatures\n"));
    m = parse_ok(text);
    memcpy(name, text + 10, n);
    name[n] = '\0';
    assert_string_equal(col(m, name), "ligatures");
    mapping_free(m);
    /* a [values] column name longer than the lookup stack */
    for (i = 0; i < 700; i++)
        name[i] = (char)('a' + i % 26);
    name[700] = '\0';
    snprintf(text, 8192, "[values %s]\nYes = y\n", name);
    m = parse_ok(text);
    assert_string_equal(val(m, name, "YES"), "y");
    assert_null(val(m, name, "no"));
    assert_null(val(m, name, "")); /* regression: overflowed the stack key */
    mapping_free(m);
    snprintf(text, 8192, "[values %s]\n\"\" = empty\n", name);
    m = parse_ok(text);
    assert_string_equal(val(m, name, ""), "empty");
    assert_string_equal(val(m, name, "  "), "empty");
    mapping_free(m);
    free(text);
    free(name);
    free(upper);
}

/* ---- every error, with its line and column ------------------------------ */

static void test_error_unknown_section(void **state)
{
    (void)state;
    parse_bad("register = permits\n[colums]\n", 2, 2, "unknown section [colums]");
    parse_bad("[ values_x ]\n", 1, 3, "unknown section [values_x]");
    parse_bad("[]\n", 1, 2, "unknown section []");
}

static void test_error_section_syntax(void **state)
{
    (void)state;
    parse_bad("[columns\nA = b\n", 1, 9, "expected ']'");
    parse_bad("[columns] extra\n", 1, 11, "unexpected text after the section header");
    parse_bad("[columns x]\n", 1, 10, "expected ']'");
    parse_bad("[values]\n", 1, 8, "[values] needs the canonical column");
    parse_bad("[values Worker-Sex]\n", 1, 9, "'Worker-Sex' is not a canonical column name");
    parse_bad("[values a b]\n", 1, 11, "expected ']'");
}

static void test_error_missing_equals(void **state)
{
    (void)state;
    parse_bad("[columns]\nApplication No application_id\n", 2, 30, "missing '=' after the name");
    parse_bad("[columns]\nApplication No # = x\n", 2, 16, "missing '=' after the name");
    parse_bad("[columns]\n\"quoted\"\n", 2, 9, "missing '=' after the name");
    parse_bad("[columns]\n  = application_id\n", 2, 3, "missing name before '='");
}

static void test_error_duplicate_source_name(void **state)
{
    (void)state;
    parse_bad("[columns]\nGender = worker_sex\n# x\n  GENDER  = worker_sex\n", 4, 3,
              "duplicate source column 'GENDER' (first at line 2)");
    parse_bad("[columns]\nФамилия = a\nФАМИЛИЯ = b\n", 3, 1, "duplicate source column");
    parse_bad("[columns]\n\"A\" = x\n[columns]\na = y\n", 4, 1, "(first at line 2)");
    parse_bad("[values worker_sex]\nMale = M\nFemale = F\nmale = F\n", 4, 1,
              "duplicate value 'male' for column worker_sex (first at line 2)");
}

static void test_error_canonical_not_identifier(void **state)
{
    (void)state;
    parse_bad("[columns]\nName = Worker Name\n", 2, 8,
              "'Worker Name' is not a canonical column name");
    parse_bad("[columns]\nName = WorkerName\n", 2, 8, "not a canonical column name");
    parse_bad("[columns]\nName = 1st\n", 2, 8, "not a canonical column name");
    parse_bad("[columns]\nName = worker-name\n", 2, 8, "not a canonical column name");
    parse_bad("[columns]\nName =\n", 2, 7, "'' is not a canonical column name");
    parse_bad("[columns]\nName = --\n", 2, 8, "not a canonical column name");
}

static void test_error_unterminated_quote(void **state)
{
    (void)state;
    parse_bad("[columns]\n\"Gender = worker_sex\n", 2, 1, "unterminated quote in name");
    parse_bad("[values a]\nx = \"yes\n", 2, 5, "unterminated quote in value");
    /* a quote cannot span lines */
    parse_bad("[columns]\n\"a\nb\" = x\n", 2, 1, "unterminated quote");
}

static void test_error_unquoted_specials(void **state)
{
    (void)state;
    parse_bad("[columns]\nGender, M/F = worker_sex\n", 2, 7,
              "a name holding ',' must be quoted");
    parse_bad("[columns]\nFoo \"bar\" = x\n", 2, 5, "'\"' inside an unquoted name");
    parse_bad("[values a]\nx = b = c\n", 2, 7, "a value holding '=' must be quoted");
    parse_bad("[values a]\nx = b, c\n", 2, 6, "a value holding ',' must be quoted");
    parse_bad("[columns]\n\"a\" b = x\n", 2, 5, "unexpected text after the closing quote");
    parse_bad("[values a]\nx = \"y\" z\n", 2, 9, "unexpected text after the closing quote");
}

static void test_error_values_section_entries(void **state)
{
    (void)state;
    parse_bad("[values worker_sex]\nUnknown = -\n", 2, 11, "'-' drops columns, not values");
    parse_bad("[values worker_sex]\nUnknown =\n", 2, 10, "missing value after '='");
    parse_bad("[values worker_sex]\nUnknown = # nothing\n", 2, 11, "missing value");
}

static void test_error_unknown_setting(void **state)
{
    (void)state;
    parse_bad("# settings first\nApplication No = application_id\n", 2, 1,
              "unknown setting 'Application No'");
    parse_bad("\"register\" = permits\n", 1, 1, "unknown setting 'register'");
}

static void test_error_line_too_long(void **state)
{
    static char text[5000];
    (void)state;
    memcpy(text, "[columns]\n", 10);
    memset(text + 10, 'a', 4096);
    memcpy(text + 10 + 4096, "\n", 2);
    parse_bad(text, 2, 4097, "missing '='"); /* 4096 bytes: an allowed length */
    memset(text + 10, 'a', 4097);
    memcpy(text + 10 + 4097, "\n", 2);
    parse_bad(text, 2, 4097, "line longer than 4096 bytes");
}

static void test_error_file_too_big(void **state)
{
    size_t n = 1024 * 1024 + 1, i;
    char *text = malloc(n);
    mapping_t *m = NULL;
    tw_errinfo_t ei;
    (void)state;
    assert_non_null(text);
    for (i = 0; i < n; i++)
        text[i] = (i % 64 == 63) ? '\n' : '#';
    assert_int_equal(mapping_parse(text, n, "big.map", &m, &ei), TW_EINPUT);
    assert_null(m);
    assert_string_equal(ei.file, "big.map");
    assert_int_equal(ei.line, 0);
    assert_non_null(strstr(ei.msg, "larger than 1048576 bytes"));
    /* exactly 1 MiB of comments is fine */
    assert_int_equal(mapping_parse(text, n - 1, "big.map", &m, &ei), TW_OK);
    mapping_free(m);
    free(text);
}

static void test_error_nul_and_utf8(void **state)
{
    static const char nul[] = "[columns]\nab\0c = x\n";
    (void)state;
    parse_bad_len(nul, sizeof(nul) - 1, 2, 3, "NUL byte");
    parse_bad("[columns]\nab\xC3(c = x\n", 2, 3, "invalid UTF-8");
    parse_bad("[columns]\nok = x\n\xED\xA0\x80 = y\n", 3, 1, "invalid UTF-8"); /* surrogate */
    parse_bad("[columns]\n\xC0\xAF = y\n", 2, 1, "invalid UTF-8");                 /* overlong */
}

static void test_error_format_and_null_ei(void **state)
{
    mapping_t *m = NULL;
    tw_errinfo_t ei;
    char line[512];
    static const char text[] = "[columns]\nA = b\na = c\n";
    (void)state;
    assert_int_equal(mapping_parse(text, sizeof(text) - 1, "exports/permits.map", &m, &ei),
                     TW_EINPUT);
    tw_errinfo_format(&ei, line, sizeof(line));
    assert_string_equal(line, "exports/permits.map:3:1: duplicate source column 'a' "
                              "(first at line 2)");
    /* ei may be NULL, name may be NULL */
    assert_int_equal(mapping_parse(text, sizeof(text) - 1, NULL, &m, NULL), TW_EINPUT);
    assert_null(m);
    assert_int_equal(mapping_parse(text, 16, NULL, &m, &ei), TW_OK);
    assert_string_equal(ei.file, "");
    mapping_free(m);
    mapping_free(NULL);
}

/* ---- mapping_load_file ---------------------------------------------------- */

static void test_load_file(void **state)
{
    char path[] = "/tmp/tw_test_mapping_XXXXXX";
    int fd = mkstemp(path);
    mapping_t *m = NULL;
    tw_errinfo_t ei;
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, example, sizeof(example) - 1), (ssize_t)(sizeof(example) - 1));
    close(fd);
    assert_int_equal(mapping_load_file(path, &m, &ei), TW_OK);
    assert_string_equal(col(m, "application no"), "application_id");
    mapping_free(m);
    /* an error names the file */
    fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "[bad]\n", 6), 6);
    close(fd);
    assert_int_equal(mapping_load_file(path, &m, &ei), TW_EINPUT);
    assert_null(m);
    assert_string_equal(ei.file, path);
    assert_int_equal(ei.line, 12);
    assert_int_equal(ei.column, 2);
    unlink(path);
    assert_int_equal(mapping_load_file(path, &m, &ei), TW_ENOTFOUND);
    assert_null(m);
    assert_string_equal(ei.file, path);
    assert_non_null(strstr(ei.msg, "cannot read the mapping file"));
}

static void test_load_file_too_big(void **state)
{
    char path[] = "/tmp/tw_test_mapping_XXXXXX";
    int fd = mkstemp(path);
    char block[4096];
    mapping_t *m = NULL;
    tw_errinfo_t ei;
    int i;
    (void)state;
    assert_true(fd >= 0);
    memset(block, '#', sizeof(block));
    block[sizeof(block) - 1] = '\n';
    for (i = 0; i < 256; i++)
        assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
    assert_int_equal(write(fd, "#", 1), 1);
    close(fd);
    assert_int_equal(mapping_load_file(path, &m, &ei), TW_EINPUT);
    assert_null(m);
    assert_non_null(strstr(ei.msg, "larger than"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_example),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_case_and_spaces),
        cmocka_unit_test(test_unicode_case_folding),
        cmocka_unit_test(test_quoted_names),
        cmocka_unit_test(test_comments),
        cmocka_unit_test(test_line_ends_and_bom),
        cmocka_unit_test(test_date_formats),
        cmocka_unit_test(test_register_key),
        cmocka_unit_test(test_sections_repeat_and_merge),
        cmocka_unit_test(test_long_names_take_the_heap_path),
        cmocka_unit_test(test_error_unknown_section),
        cmocka_unit_test(test_error_section_syntax),
        cmocka_unit_test(test_error_missing_equals),
        cmocka_unit_test(test_error_duplicate_source_name),
        cmocka_unit_test(test_error_canonical_not_identifier),
        cmocka_unit_test(test_error_unterminated_quote),
        cmocka_unit_test(test_error_unquoted_specials),
        cmocka_unit_test(test_error_values_section_entries),
        cmocka_unit_test(test_error_unknown_setting),
        cmocka_unit_test(test_error_line_too_long),
        cmocka_unit_test(test_error_file_too_big),
        cmocka_unit_test(test_error_nul_and_utf8),
        cmocka_unit_test(test_error_format_and_null_ei),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_load_file_too_big),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
