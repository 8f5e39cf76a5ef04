/* sb_text: what text may hold, and escaping for terminals and line files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sb_text.h"

static const char *fault(const char *s, size_t len)
{
    static char buf[64];
    return sb_text_fault(s, len, buf, sizeof buf);
}

static void plain_text_and_tab_pass(void **state)
{
    (void)state;
    const char *ok[] = {"",
                        "abc",
                        "a\tb",
                        "杭州市西湖区",
                        "emoji \xf0\x9f\x98\x80",
                        "U+00A0 \xc2\xa0",
                        "ZWJ \xe2\x80\x8d",
                        "LRM \xe2\x80\x8e"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_null(fault(ok[i], strlen(ok[i])));
    assert_true(sb_text_ok(NULL));
}

static void every_refused_class_is_named(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
        const char *why;
    } cases[] = {
        {"ab\0cd", 5, "contains a NUL byte (byte 3)"},
        {"a\nb", 3, "contains a control character (U+000A)"},
        {"a\rb", 3, "contains a control character (U+000D)"},
        {"a\x7f", 2, "contains a control character (U+007F)"},
        {"a\xc2\x85", 3, "contains a control character (U+0085)"},
        {"a\xc2\x9b", 3, "contains a control character (U+009B)"},
        {"\xe2\x80\xaa", 3, "contains a bidirectional control (U+202A)"},
        {"\xe2\x80\xae", 3, "contains a bidirectional control (U+202E)"},
        {"\xe2\x81\xa6", 3, "contains a bidirectional control (U+2066)"},
        {"\xe2\x81\xa9", 3, "contains a bidirectional control (U+2069)"},
        {"\xe2\x80\xa8", 3, "contains a line or paragraph separator (U+2028)"},
        {"\xe2\x80\xa9", 3, "contains a line or paragraph separator (U+2029)"},
        {"a\xc0\xaf", 3, "not valid UTF-8 text (byte 2)"},
        {"\xed\xa0\x80", 3, "not valid UTF-8 text (byte 1)"},
        {"\xf4\x90\x80\x80", 4, "not valid UTF-8 text (byte 1)"},
        {"\xe6\x9d", 2, "not valid UTF-8 text (byte 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = fault(cases[i].s, cases[i].len);
        assert_non_null(got);
        assert_string_equal(got, cases[i].why);
    }
    assert_false(sb_text_ok("a\xe2\x80\xae"
                            "b"));
}

static void escape_shows_what_is_there(void **state)
{
    (void)state;
    char buf[128];
    assert_string_equal(sb_text_escape("plain 西湖", buf, sizeof buf), "plain 西湖");
    assert_string_equal(sb_text_escape("a\nb\tc", buf, sizeof buf), "a\\x0Ab\tc");
    assert_string_equal(sb_text_escape("x\xe2\x80\xae"
                                       "y",
                                       buf, sizeof buf),
                        "x\\u{202E}y");
    assert_string_equal(sb_text_escape("\xc2\x85|\xe2\x80\xa8", buf, sizeof buf),
                        "\\u{0085}|\\u{2028}");
    assert_string_equal(sb_text_escape("bad\xff", buf, sizeof buf), "bad\\xFF");
    assert_string_equal(sb_text_escape("a\\b", buf, sizeof buf), "a\\\\b");
    assert_string_equal(sb_text_escape(NULL, buf, sizeof buf), "");
    /* cut at a whole piece, always terminated */
    char small[6];
    assert_string_equal(sb_text_escape("ab\ncd", small, sizeof small), "ab");
    assert_string_equal(sb_text_escape("西湖区", small, sizeof small), "西");
}

static void repair_makes_any_bytes_utf8(void **state)
{
    (void)state;
    char cut[] = "date: \"\xe4\xba\x8c\xe3\x80\" is not a date";
    assert_false(sb_text_utf8(cut, strlen(cut)));
    sb_text_repair(cut);
    assert_true(sb_text_utf8(cut, strlen(cut)));
    assert_string_equal(cut, "date: \"\xe4\xba\x8c??\" is not a date");
    char fine[] = "西湖区 ok";
    sb_text_repair(fine);
    assert_string_equal(fine, "西湖区 ok");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_text_and_tab_pass),
        cmocka_unit_test(every_refused_class_is_named),
        cmocka_unit_test(escape_shows_what_is_there),
        cmocka_unit_test(repair_makes_any_bytes_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
