/* The notice renderer: placeholders, fallbacks, escapes, array indexes,
 * value formatting, missing values, and malformed templates refused with
 * the line named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notify_render.h"

static json_t *ctx(void)
{
    json_error_t e;
    json_t *j = json_loads("{\"base\": {\"name\": \"杭州市公共实训基地精工机械分基地\","
                           " \"total\": 85, \"plaque_withdrawn\": false, \"empty\": \"\","
                           " \"gone\": null, \"ratio\": 0.5,"
                           " \"assessments\": [{\"total\": 70}, {\"total\": 85}],"
                           " \"contact\": {\"email\": \"a@b.cn\"}},"
                           " \"event\": {\"seq\": 12, \"topic\": \"base.certified\"}}",
                           0, &e);
    assert_non_null(j);
    return j;
}

/* Render and return the text (freed by the caller), asserting success. */
static char *render(const json_t *c, const char *tmpl, size_t *missing)
{
    char *out = NULL, err[256];
    size_t m = 99;
    assert_int_equal(0, sb_render(tmpl, c, &out, &m, err, sizeof err));
    assert_non_null(out);
    if (missing)
        *missing = m;
    return out;
}

static void expect(const json_t *c, const char *tmpl, const char *want)
{
    size_t missing;
    char *got = render(c, tmpl, &missing);
    assert_string_equal(want, got);
    free(got);
}

static void test_plain_text_is_copied(void **state)
{
    (void)state;
    json_t *c = ctx();
    expect(c, "尊敬的用户：\n没有占位符。\n", "尊敬的用户：\n没有占位符。\n");
    expect(c, "", "");
    json_decref(c);
}

static void test_paths_are_replaced(void **state)
{
    (void)state;
    json_t *c = ctx();
    expect(c, "认定为{base.name}。", "认定为杭州市公共实训基地精工机械分基地。");
    expect(c, "{base.contact.email} / {event.topic}", "a@b.cn / base.certified");
    expect(c, "{base.name}{base.total}", "杭州市公共实训基地精工机械分基地85");
    json_decref(c);
}

static void test_values_are_formatted(void **state)
{
    (void)state;
    json_t *c = ctx();
    expect(c, "seq={event.seq} total={base.total}", "seq=12 total=85");
    expect(c, "{base.plaque_withdrawn}", "false");
    expect(c, "{base.ratio}", "0.5");
    expect(c, "{base.contact}", "{\"email\":\"a@b.cn\"}");
    json_decref(c);
}

static void test_array_indexes_count_from_either_end(void **state)
{
    (void)state;
    json_t *c = ctx();
    expect(c, "{base.assessments.0.total}", "70");
    expect(c, "{base.assessments.1.total}", "85");
    expect(c, "{base.assessments.-1.total}", "85");
    expect(c, "{base.assessments.-2.total}", "70");
    expect(c, "[{base.assessments.2.total|none}]", "[none]");
    expect(c, "[{base.assessments.-3.total|none}]", "[none]");
    json_decref(c);
}

static void test_fallback_is_used_only_when_absent_or_empty(void **state)
{
    (void)state;
    json_t *c = ctx();
    expect(c, "{base.name|无}", "杭州市公共实训基地精工机械分基地");
    expect(c, "{base.missing|未注明}", "未注明");
    expect(c, "{base.empty|未注明}", "未注明");
    expect(c, "{base.gone|null counts as absent}", "null counts as absent");
    expect(c, "[{base.missing|}]", "[]");
    expect(c, "{base.total|0}", "85");
    json_decref(c);
}

static void test_missing_values_are_counted_and_named(void **state)
{
    (void)state;
    json_t *c = ctx();
    char *out = NULL, err[256];
    size_t missing = 0;
    assert_int_equal(0, sb_render("a{base.nope}b{event.nope}c{base.empty}d{x|y}", c, &out, &missing,
                                  err, sizeof err));
    assert_string_equal("abcdy", out);
    assert_int_equal(2, missing); /* an empty string is a value, not missing */
    assert_non_null(strstr(err, "{base.nope}"));
    free(out);
    json_decref(c);
}

static void test_lookup_through_non_objects_is_absent(void **state)
{
    (void)state;
    json_t *c = ctx();
    assert_null(sb_render_lookup(c, "base.total.deeper"));
    assert_null(sb_render_lookup(c, "base.name.0"));
    assert_null(sb_render_lookup(c, "base.assessments.x"));
    assert_null(sb_render_lookup(c, "nothing"));
    assert_non_null(sb_render_lookup(c, "base"));
    assert_int_equal(85, json_integer_value(sb_render_lookup(c, "base.total")));
    json_decref(c);
}

static void test_double_brace_is_a_literal_brace(void **state)
{
    (void)state;
    json_t *c = ctx();
    expect(c, "{{base.name}}", "{base.name}}");
    expect(c, "JSON: {{\"a\": 1}", "JSON: {\"a\": 1}");
    json_decref(c);
}

static void refused(const char *tmpl, const char *why)
{
    char err[256], *out = (char *)"untouched";
    json_t *c = ctx();
    assert_int_equal(-1, sb_render_check(tmpl, err, sizeof err));
    assert_non_null(strstr(err, why));
    assert_int_equal(-1, sb_render(tmpl, c, &out, NULL, err, sizeof err));
    assert_string_equal("untouched", out);
    json_decref(c);
}

static void test_malformed_placeholders_are_refused_with_the_line(void **state)
{
    (void)state;
    refused("line one\n{base.name", "line 2");
    refused("a { b", "does not open a placeholder");
    refused("{}", "does not open a placeholder");
    refused("{base name}", "does not open a placeholder");
    refused("{base..name}", "malformed path");
    refused("{.base}", "malformed path");
    refused("{base.}", "malformed path");
    refused("x\ny\n{base.name|fallback\n}", "line 3");
    refused("{base.name|a{b}", "not closed");
    char err[256];
    assert_int_equal(0, sb_render_check("{a.b|c} {{ {d.-1.e}", err, sizeof err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_text_is_copied),
        cmocka_unit_test(test_paths_are_replaced),
        cmocka_unit_test(test_values_are_formatted),
        cmocka_unit_test(test_array_indexes_count_from_either_end),
        cmocka_unit_test(test_fallback_is_used_only_when_absent_or_empty),
        cmocka_unit_test(test_missing_values_are_counted_and_named),
        cmocka_unit_test(test_lookup_through_non_objects_is_absent),
        cmocka_unit_test(test_double_brace_is_a_literal_brace),
        cmocka_unit_test(test_malformed_placeholders_are_refused_with_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
