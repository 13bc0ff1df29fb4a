/*
 * test_buf.c - the bounded buffer (base/buf.h): appends keep the contents a
 * C string, growth keeps earlier bytes, and an append past the maximum
 * fails with TW_ETOOBIG and leaves the buffer as it was, whether it fits
 * the room already there or not (buf_printf() prints in one pass when it
 * fits, and measures first when it does not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"

static void test_printf_grows_and_keeps(void **state)
{
    tw_buf_t b;
    int i;
    char want[4096];
    size_t n = 0;
    (void)state;
    buf_init(&b, 1 << 20);
    /* each append first fits, then overflows the room of the last growth */
    for (i = 0; i < 300; i++) {
        assert_int_equal(buf_printf(&b, "%d:%s;", i, i % 7 ? "ab" : "a longer piece"), TW_OK);
        n += (size_t)snprintf(want + n, sizeof(want) - n, "%d:%s;", i, i % 7 ? "ab" : "a longer piece");
        assert_int_equal(b.len, n);
        assert_string_equal(buf_str(&b), want);
        assert_true(b.len < b.cap);
    }
    buf_free(&b);
}

static void test_printf_exact_room(void **state)
{
    tw_buf_t b;
    size_t room;
    char fill[256];
    (void)state;
    buf_init(&b, 1 << 20);
    assert_int_equal(buf_adds(&b, "x"), TW_OK);
    room = b.cap - b.len - 1; /* bytes that fit before the terminator */
    assert_true(room > 0 && room < sizeof(fill));
    memset(fill, 'y', room);
    fill[room] = '\0';
    assert_int_equal(buf_printf(&b, "%s", fill), TW_OK); /* fills it exactly */
    assert_int_equal(b.len, room + 1);
    assert_int_equal(b.p[b.len], '\0');
    assert_int_equal(buf_printf(&b, "%c", 'z'), TW_OK); /* one more: grows */
    assert_int_equal(b.len, room + 2);
    assert_int_equal(b.p[b.len - 1], 'z');
    assert_int_equal(b.p[b.len], '\0');
    buf_free(&b);
}

static void test_over_max_leaves_buffer(void **state)
{
    tw_buf_t b;
    (void)state;
    buf_init(&b, 10);
    assert_int_equal(buf_printf(&b, "%s", "abcdef"), TW_OK);
    /* fits the allocation (64 bytes) but not the maximum */
    assert_int_equal(buf_printf(&b, "%s", "ghijk"), TW_ETOOBIG);
    assert_int_equal(b.len, 6);
    assert_string_equal(buf_str(&b), "abcdef");
    assert_int_equal(buf_printf(&b, "%s", "ghij"), TW_OK); /* exactly the maximum */
    assert_string_equal(buf_str(&b), "abcdefghij");
    assert_int_equal(buf_addc(&b, 'k'), TW_ETOOBIG);
    assert_int_equal(buf_printf(&b, "%s", ""), TW_OK);
    assert_string_equal(buf_str(&b), "abcdefghij");
    buf_free(&b);
}

static void test_addc(void **state)
{
    tw_buf_t b;
    int i;
    (void)state;
    buf_init(&b, 1000);
    for (i = 0; i < 1000; i++)
        assert_int_equal(buf_addc(&b, (char)('a' + i % 26)), TW_OK);
    assert_int_equal(buf_addc(&b, 'x'), TW_ETOOBIG);
    assert_int_equal(b.len, 1000);
    assert_int_equal(b.p[999], (char)('a' + 999 % 26));
    assert_int_equal(b.p[1000], '\0');
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_printf_grows_and_keeps),
        cmocka_unit_test(test_printf_exact_room),
        cmocka_unit_test(test_over_max_leaves_buffer),
        cmocka_unit_test(test_addc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
