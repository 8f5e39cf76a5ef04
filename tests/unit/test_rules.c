/* sb_rules: problems, credit code, districts, text, rubric, scoring,
 * grades, naming. The eligibility of a form: test_rules_form.c. */
#include "sb_testkit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "sb_error.h"

/* ------------------------------------------------------------ problems */

static void problems_past_the_maximum_are_counted_as_dropped(void **state)
{
    (void)state;
    sb_problems p = {0};
    for (int i = 0; i < SB_PROBLEMS_MAX + 8; i++)
        sb_problems_add(&p, "problem %d", i);
    assert_int_equal(p.count, SB_PROBLEMS_MAX);
    assert_int_equal(p.dropped, 8);
    assert_string_equal(p.text[SB_PROBLEMS_MAX - 1], "problem 31");
}

static void long_problem_is_cut_on_a_character_boundary(void **state)
{
    (void)state;
    char name[400] = "";
    for (int i = 0; i < 100; i++)
        strcat(name, "杭");
    sb_problems p = {0};
    sb_problems_add(&p, "x: %s", name);
    assert_int_equal(p.count, 1);
    assert_true(strlen(p.text[0]) < SB_PROBLEM_LEN);
    assert_true(strlen(p.text[0]) > SB_PROBLEM_LEN - 4);
    assert_true(sb_rules_text_ok(p.text[0]));
}

/* ------------------------------------------------------------ credit code */

static void valid_credit_codes_are_accepted(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_true(sb_rules_credit_code_valid("91350100M000100Y43", &p));
    assert_true(sb_rules_credit_code_valid("91330100799655058B", &p));
    assert_int_equal(p.count, 0);
}

static void check_value_31_is_written_as_0(void **state)
{
    (void)state;
    assert_true(sb_rules_credit_code_valid("123300000024001710", NULL));
}

static void credit_code_with_wrong_check_character_is_refused(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("91350100M000100Y44", &p));
    sb_tk_assert_only_problem(&p, "unit.credit_code: check character is 4, expected 3");
}

static void credit_code_of_wrong_length_is_refused(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("91350100M000100Y4", &p));
    assert_false(sb_rules_credit_code_valid("91350100M000100Y431", &p));
    assert_int_equal(p.count, 2);
    assert_string_equal(p.text[0], "unit.credit_code: has 17 characters, expected 18");
    assert_string_equal(p.text[1], "unit.credit_code: has 19 characters, expected 18");
}

static void empty_credit_code_is_missing(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("", &p));
    assert_false(sb_rules_credit_code_valid(NULL, &p));
    assert_int_equal(p.count, 2);
    assert_string_equal(p.text[0], "unit.credit_code: missing");
}

static void credit_code_with_letter_outside_the_alphabet_is_refused(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("91350100I000100Y43", &p));
    sb_tk_assert_only_problem(&p, "unit.credit_code: character 9 ('I') is not in the GB 32100-2015 "
                                  "alphabet (digits and upper-case letters except I, O, S, V, Z)");
}

/* GB 11714-1997: characters 9-17 are an organisation code whose last
 * character is its check digit. */
static void credit_code_with_wrong_organisation_check_digit_is_refused(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("91330100MA27XK9W1P", &p));
    sb_tk_assert_only_problem(&p, "unit.credit_code: organisation code MA27XK9W1 (characters "
                                  "9-17) has check digit 1, expected 0 (GB 11714-1997)");
    assert_int_equal(sb_rules_gb11714_check("MA27XK9W"), '0');
    assert_int_equal(sb_rules_gb11714_check("79965505"), '8');
    assert_int_equal(sb_rules_gb11714_check("MA2H4G7K"), 'X');
}

/* GB 32100-2015 表1: 9 (market regulation) registers 1-3 only. */
static void credit_code_with_invalid_registration_pair_is_refused(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("94330100MA27XK9W0B", &p));
    assert_non_null(
        strstr(p.text[0], "registration authority 94 (characters 1-2) is not a valid pair"));
    sb_problems q = {0};
    assert_false(sb_rules_credit_code_valid("9133A100MA27XK9W0G", &q));
    assert_non_null(strstr(
        q.text[0], "administrative-division code 33A100 (characters 3-8) is not six digits"));
}

/* 二(一) 杭州市内: Hangzhou divisions (merged districts' old codes too), or
 * the provincial or national registry; Fuzhou (3501xx) is refused. */
static void applying_units_must_be_registered_in_hangzhou(void **state)
{
    (void)state;
    static const char *const ok[] = {"91330100MA27XK9W0L", "91330103MA27XK9W00",
                                     "91330104MA27XK9W0E", "52330000MA27XK9W0G",
                                     "91100000MA27XK9W0M"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sb_problems p = {0};
        assert_true(sb_rules_credit_code_valid(ok[i], &p));
        assert_true(sb_rules_credit_code_in_hangzhou(ok[i], &p));
        assert_int_equal(p.count, 0);
    }
    sb_problems p = {0};
    assert_true(sb_rules_credit_code_valid("91350100MA27XK9W0W", &p));        /* a valid code ... */
    assert_false(sb_rules_credit_code_in_hangzhou("91350100MA27XK9W0W", &p)); /* ... from Fuzhou */
    sb_tk_assert_only_problem(
        &p, "unit.credit_code: administrative-division code 350100 "
            "(characters 3-8) is not in Hangzhou (3301xx) nor the provincial "
            "or national registry (330000, 100000): units 杭州市内 only (二(一))");
}

/* A declared district that disagrees with a district-level division code
 * is a warning: 下城区 (330103) merged into 拱墅区, 江干区 (330104) divided. */
static void district_disagreement_is_a_warning(void **state)
{
    (void)state;
    char w[SB_PROBLEM_LEN];
    assert_false(sb_rules_district_disagrees("91330103MA27XK9W00", "拱墅区", w, sizeof w));
    assert_true(sb_rules_district_disagrees("91330103MA27XK9W00", "西湖区", w, sizeof w));
    assert_string_equal(w, "unit.district: 西湖区 is declared, but the credit code's division "
                           "330103 is 拱墅区");
    assert_false(sb_rules_district_disagrees("91330104MA27XK9W0E", "钱塘区", w, sizeof w));
    assert_true(sb_rules_district_disagrees("91330104MA27XK9W0E", "西湖区", w, sizeof w));
    assert_non_null(strstr(w, "is 上城区 or 钱塘区"));
    /* the city-level code carries no district */
    assert_false(sb_rules_district_disagrees("91330100MA27XK9W0L", "西湖区", w, sizeof w));
}

static void lower_case_credit_code_is_refused(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("91350100m000100y43", &p));
    sb_tk_assert_only_problem(&p,
                              "unit.credit_code: character 9 is 'm'; letters must be upper-case");
}

static void credit_code_with_full_width_digit_is_refused_at_its_position(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("９1350100M000100Y43", &p));
    sb_tk_assert_only_problem(&p, "unit.credit_code: character 1 is not in the GB 32100-2015 "
                                  "alphabet (digits and upper-case letters except I, O, S, V, Z)");
}

/* ------------------------------------------------------------ districts */

static void every_district_is_known_by_its_chinese_name(void **state)
{
    (void)state;
    static const char *const names[] = {"上城区", "拱墅区", "西湖区", "滨江区", "萧山区",
                                        "余杭区", "临平区", "钱塘区", "富阳区", "临安区",
                                        "桐庐县", "淳安县", "建德市"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *d = sb_rules_district(names[i]);
        assert_non_null(d);
        assert_string_equal(d, names[i]);
    }
}

static void district_pinyin_gives_the_chinese_name_in_any_case(void **state)
{
    (void)state;
    assert_string_equal(sb_rules_district("xihu"), "西湖区");
    assert_string_equal(sb_rules_district("XiHu"), "西湖区");
    assert_string_equal(sb_rules_district("BINJIANG"), "滨江区");
    assert_string_equal(sb_rules_district("linan"), "临安区");
    assert_string_equal(sb_rules_district("chunan"), "淳安县");
    assert_string_equal(sb_rules_district("jiande"), "建德市");
}

static void places_outside_hangzhou_are_unknown(void **state)
{
    (void)state;
    assert_null(sb_rules_district("北京"));
    assert_null(sb_rules_district("鄞州区"));
    assert_null(sb_rules_district("xihuqu"));
    assert_null(sb_rules_district("西湖")); /* the suffix is part of the name */
    assert_null(sb_rules_district(""));
    assert_null(sb_rules_district(NULL));
}

/* ------------------------------------------------------------ text */

static void well_formed_text_is_ok(void **state)
{
    (void)state;
    assert_true(sb_rules_text_ok(NULL));
    assert_true(sb_rules_text_ok(""));
    assert_true(sb_rules_text_ok("杭州市公共实训基地\tok"));
    assert_true(sb_rules_text_ok("\xF0\x9F\x98\x80")); /* U+1F600 */
    assert_true(sb_rules_text_ok("\xF4\x8F\xBF\xBF")); /* U+10FFFF */
    assert_true(sb_rules_text_ok("\xEF\xBF\xBD"));     /* U+FFFD */
    assert_true(sb_rules_text_ok("\xE0\xA0\x80"));     /* U+0800 */
}

static void overlong_encodings_are_refused(void **state)
{
    (void)state;
    assert_false(sb_rules_text_ok("\xC0\xAF"));
    assert_false(sb_rules_text_ok("\xC1\xBF"));
    assert_false(sb_rules_text_ok("\xE0\x80\xAF"));
    assert_false(sb_rules_text_ok("\xE0\x9F\xBF"));
    assert_false(sb_rules_text_ok("\xF0\x80\x80\xAF"));
    assert_false(sb_rules_text_ok("\xF0\x8F\xBF\xBF"));
}

static void surrogates_are_refused(void **state)
{
    (void)state;
    assert_false(sb_rules_text_ok("\xED\xA0\x80"));
    assert_false(sb_rules_text_ok("\xED\xBF\xBF"));
    assert_true(sb_rules_text_ok("\xED\x9F\xBF")); /* U+D7FF */
}

static void code_points_above_10ffff_are_refused(void **state)
{
    (void)state;
    assert_false(sb_rules_text_ok("\xF4\x90\x80\x80"));
    assert_false(sb_rules_text_ok("\xF5\x80\x80\x80"));
    assert_false(sb_rules_text_ok("\xFF"));
}

static void truncated_and_stray_bytes_are_refused(void **state)
{
    (void)state;
    assert_false(sb_rules_text_ok("\xE6\x9D"));
    assert_false(sb_rules_text_ok("ab\xE6"));
    assert_false(sb_rules_text_ok("\x80"));
    assert_false(sb_rules_text_ok("\xE6\x9D\xAD\xAD"));
}

static void control_characters_other_than_tab_are_refused(void **state)
{
    (void)state;
    assert_false(sb_rules_text_ok("\x01"));
    assert_false(sb_rules_text_ok("line\nbreak"));
    assert_false(sb_rules_text_ok("carriage\r"));
    assert_false(sb_rules_text_ok("\x1B[31mred"));
}

/* ------------------------------------------------------------ rubric */

static void default_rubric_is_the_shipped_split_and_valid(void **state)
{
    (void)state;
    sb_rubric r;
    sb_rubric_default(&r);
    const uint32_t want[SB_RUBRIC_ITEMS] = {25, 20, 25, 30, 10, 10};
    for (int i = 0; i < SB_RUBRIC_ITEMS; i++)
        assert_int_equal(r.max[i], want[i]);
    sb_problems p = {0};
    assert_true(sb_rubric_valid(&r, &p));
    assert_int_equal(p.count, 0);
}

static void rubric_items_are_named_in_scores_field_order(void **state)
{
    (void)state;
    static const char *const want[SB_RUBRIC_ITEMS] = {
        "basic_construction", "system_construction", "training_management",
        "public_service",     "competition_hosting", "other_public_service",
    };
    for (int i = 0; i < SB_RUBRIC_ITEMS; i++)
        assert_string_equal(sb_rubric_item_name(i), want[i]);
    assert_null(sb_rubric_item_name(-1));
    assert_null(sb_rubric_item_name(SB_RUBRIC_ITEMS));
}

static void rubric_whose_base_is_not_100_is_refused(void **state)
{
    (void)state;
    sb_rubric r = {{25, 20, 25, 25, 10, 10}};
    sb_problems p = {0};
    assert_false(sb_rubric_valid(&r, &p));
    sb_tk_assert_only_problem(&p,
                              "rubric: the base items (basic_construction, system_construction, "
                              "training_management, public_service) sum to 95, must be 100");
}

static void rubric_whose_bonus_is_not_20_is_refused(void **state)
{
    (void)state;
    sb_rubric r = {{25, 20, 25, 30, 10, 15}};
    sb_problems p = {0};
    assert_false(sb_rubric_valid(&r, &p));
    sb_tk_assert_only_problem(&p, "rubric: the bonus items (competition_hosting, "
                                  "other_public_service) sum to 25, must be 20");
}

static void rubric_with_both_parts_wrong_names_both(void **state)
{
    (void)state;
    sb_rubric r = {{UINT32_MAX, 20, 25, 30, 0, 0}};
    sb_problems p = {0};
    assert_false(sb_rubric_valid(&r, &p));
    assert_int_equal(p.count, 2);
}

/* ------------------------------------------------------------ scoring */

static Skillbase__Scores scores_of(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t e,
                                   uint32_t f)
{
    Skillbase__Scores s = SKILLBASE__SCORES__INIT;
    s.basic_construction = a;
    s.system_construction = b;
    s.training_management = c;
    s.public_service = d;
    s.competition_hosting = e;
    s.other_public_service = f;
    return s;
}

static void every_item_at_its_maximum_scores_120(void **state)
{
    (void)state;
    sb_rubric r;
    sb_rubric_default(&r);
    Skillbase__Scores s = scores_of(25, 20, 25, 30, 10, 10);
    sb_problems p = {0};
    sb_score got;
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), 0);
    assert_int_equal(got.base_total, 100);
    assert_int_equal(got.bonus_total, 20);
    assert_int_equal(got.total, 120);
    assert_int_equal(got.grade, SKILLBASE__GRADE__EXCELLENT);
    assert_int_equal(p.count, 0);
}

static void typical_scores_are_summed_and_graded(void **state)
{
    (void)state;
    sb_rubric r;
    sb_rubric_default(&r);
    Skillbase__Scores s = scores_of(20, 15, 18, 22, 5, 3);
    sb_problems p = {0};
    sb_score got;
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), 0);
    assert_int_equal(got.base_total, 75);
    assert_int_equal(got.bonus_total, 8);
    assert_int_equal(got.total, 83);
    assert_int_equal(got.grade, SKILLBASE__GRADE__GOOD);
}

static void one_point_above_a_maximum_is_refused(void **state)
{
    (void)state;
    sb_rubric r;
    sb_rubric_default(&r);
    Skillbase__Scores s = scores_of(25, 20, 25, 31, 10, 10);
    sb_problems p = {0};
    sb_score got = {0};
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), SB_E(SB_INVALID));
    sb_tk_assert_only_problem(&p, "scores.public_service: 31 is above the maximum of 30");
    assert_int_equal(got.total, 0); /* untouched */
}

static void every_item_above_its_maximum_is_reported(void **state)
{
    (void)state;
    sb_rubric r;
    sb_rubric_default(&r);
    Skillbase__Scores s = scores_of(26, 21, 26, 31, 11, 4000000000u);
    sb_problems p = {0};
    sb_score got;
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), SB_E(SB_INVALID));
    assert_int_equal(p.count, 6);
    assert_string_equal(p.text[0], "scores.basic_construction: 26 is above the maximum of 25");
    assert_string_equal(p.text[1], "scores.system_construction: 21 is above the maximum of 20");
    assert_string_equal(p.text[2], "scores.training_management: 26 is above the maximum of 25");
    assert_string_equal(p.text[3], "scores.public_service: 31 is above the maximum of 30");
    assert_string_equal(p.text[4], "scores.competition_hosting: 11 is above the maximum of 10");
    assert_string_equal(p.text[5],
                        "scores.other_public_service: 4000000000 is above the maximum of 10");
}

static void missing_scores_count_as_zero_and_fail(void **state)
{
    (void)state;
    sb_rubric r;
    sb_rubric_default(&r);
    sb_problems p = {0};
    sb_score got;
    assert_int_equal(sb_rules_score(&r, NULL, &p, &got), 0);
    assert_int_equal(got.total, 0);
    assert_int_equal(got.grade, SKILLBASE__GRADE__FAIL);
}

static void scoring_against_a_broken_rubric_is_refused(void **state)
{
    (void)state;
    sb_rubric r = {{50, 50, 50, 50, 10, 10}};
    Skillbase__Scores s = scores_of(50, 50, 50, 50, 10, 10);
    sb_problems p = {0};
    sb_score got;
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), SB_E(SB_INVALID));
    assert_int_equal(p.count, 1);
}

/* ------------------------------------------------------------ grades */

static void grade_boundaries_follow_the_policy(void **state)
{
    (void)state;
    assert_int_equal(sb_rules_grade(0), SKILLBASE__GRADE__FAIL);
    assert_int_equal(sb_rules_grade(59), SKILLBASE__GRADE__FAIL);
    assert_int_equal(sb_rules_grade(60), SKILLBASE__GRADE__PASS);
    assert_int_equal(sb_rules_grade(79), SKILLBASE__GRADE__PASS);
    assert_int_equal(sb_rules_grade(80), SKILLBASE__GRADE__GOOD);
    assert_int_equal(sb_rules_grade(89), SKILLBASE__GRADE__GOOD);
    assert_int_equal(sb_rules_grade(90), SKILLBASE__GRADE__EXCELLENT);
    assert_int_equal(sb_rules_grade(120), SKILLBASE__GRADE__EXCELLENT);
}

static void only_a_failing_grade_loses_the_base(void **state)
{
    (void)state;
    assert_true(sb_rules_grade_passes(SKILLBASE__GRADE__EXCELLENT));
    assert_true(sb_rules_grade_passes(SKILLBASE__GRADE__GOOD));
    assert_true(sb_rules_grade_passes(SKILLBASE__GRADE__PASS));
    assert_false(sb_rules_grade_passes(SKILLBASE__GRADE__FAIL));
    assert_false(sb_rules_grade_passes(SKILLBASE__GRADE__GRADE_UNSPECIFIED));
}

/* ------------------------------------------------------------ naming */

static void official_name_wraps_the_base_name(void **state)
{
    (void)state;
    char buf[128];
    assert_int_equal(sb_rules_official_name("西湖区", buf, sizeof buf), 0);
    assert_string_equal(buf, "杭州市公共实训基地西湖区分基地");
}

static void official_name_that_does_not_fit_is_refused(void **state)
{
    (void)state;
    const char *want = "杭州市公共实训基地滨江分基地";
    size_t need = strlen(want) + 1;
    char buf[64];
    memset(buf, 'x', sizeof buf);
    assert_int_equal(sb_rules_official_name("滨江", buf, need - 1), SB_E(SB_INVALID));
    assert_int_equal(buf[0], 'x');
    assert_int_equal(sb_rules_official_name("滨江", buf, need), 0);
    assert_string_equal(buf, want);
    assert_int_equal(sb_rules_official_name("", buf, sizeof buf), SB_E(SB_INVALID));
}

static void plaque_is_the_unified_one(void **state)
{
    (void)state;
    assert_string_equal(sb_rules_plaque(), "杭州市高技能人才公共实训基地");
}

/* The bureau's format ([certificate] number): {year} and {serial:N}. */
static void certificate_number_follows_the_bureaus_format(void **state)
{
    (void)state;
    char buf[64];
    assert_int_equal(
        sb_rules_certificate_format("HZPTB-{year}-{serial:3}", 2026, 7, buf, sizeof buf), 0);
    assert_string_equal(buf, "HZPTB-2026-007");
    assert_int_equal(sb_rules_certificate_format("HZ{serial:5}/{year}", 2027, 42, buf, sizeof buf),
                     0);
    assert_string_equal(buf, "HZ00042/2027");
    assert_int_equal(sb_rules_certificate_format("N{serial}-{year}", 2027, 1234, buf, sizeof buf),
                     0);
    assert_string_equal(buf, "N1234-2027");
    assert_int_equal(sb_rules_certificate_format("HZPTB-{year}-{serial:9}", 2026, 1, buf, 8),
                     SB_E(SB_INVALID));
    sb_problems p = {0};
    assert_true(sb_rules_certificate_format_ok("HZPTB-{year}-{serial:3}", &p));
    assert_false(sb_rules_certificate_format_ok("HZPTB-{serial}", &p));
    assert_non_null(strstr(p.text[0], "needs {year} once"));
    assert_false(sb_rules_certificate_format_ok("HZ {year}{serial}", &p));
    assert_false(sb_rules_certificate_format_ok("HZ-{year}-{serial}-{unit}", &p));
    assert_false(sb_rules_certificate_format_ok("{year}{year}{serial}", &p));
}

/* 五(二) does not say whether its bands apply to the total or to the base
 * part: the bureau's choice ([rubric] grade_on). Base 85 and bonus 10 are a
 * total of 95 (excellent) but a base of 85 (good); base 55 and bonus 10
 * pass on the total (65) and fail on the base. */
static void grade_bands_apply_to_the_base_part_when_the_bureau_says_so(void **state)
{
    (void)state;
    sb_rubric r;
    sb_rubric_default(&r);
    Skillbase__Scores s = SKILLBASE__SCORES__INIT;
    s.basic_construction = 25, s.system_construction = 20, s.training_management = 20;
    s.public_service = 20, s.competition_hosting = 10;
    sb_problems p = {0};
    sb_score got;
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), 0);
    assert_int_equal(got.grade, SKILLBASE__GRADE__EXCELLENT);
    r.grade_on_base = true;
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), 0);
    assert_int_equal(got.total, 95);
    assert_int_equal(got.grade, SKILLBASE__GRADE__GOOD);
    s.training_management = 5, s.public_service = 5;
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), 0);
    assert_int_equal(got.grade, SKILLBASE__GRADE__FAIL);
    r.grade_on_base = false;
    assert_int_equal(sb_rules_score(&r, &s, &p, &got), 0);
    assert_int_equal(got.grade, SKILLBASE__GRADE__PASS);
}

static void certificate_number_pads_the_serial_to_three_digits(void **state)
{
    (void)state;
    char buf[32];
    sb_rules_certificate_no(2024, 7, buf, sizeof buf);
    assert_string_equal(buf, "HZPTB-2024-007");
    sb_rules_certificate_no(2026, 1234, buf, sizeof buf);
    assert_string_equal(buf, "HZPTB-2026-1234");
}

static void next_assessment_is_two_years_on(void **state)
{
    (void)state;
    sb_date from = {2024, 2, 29};
    sb_date due = sb_rules_next_assessment(from);
    assert_int_equal(due.year, 2026);
    assert_int_equal(due.month, 2);
    assert_int_equal(due.day, 28);
    sb_date from2 = {2024, 1, 20};
    due = sb_rules_next_assessment(from2);
    assert_int_equal(due.year, 2026);
    assert_int_equal(due.month, 1);
    assert_int_equal(due.day, 20);
}

static void operators_may_revoke_only_for_the_direct_fail_causes(void **state)
{
    (void)state;
    assert_true(sb_rules_revoke_cause_ok(SKILLBASE__CAUSE__REFUSED_ASSESSMENT));
    assert_true(sb_rules_revoke_cause_ok(SKILLBASE__CAUSE__UNIT_DEREGISTERED));
    assert_true(sb_rules_revoke_cause_ok(SKILLBASE__CAUSE__VERIFIED_COMPLAINT));
    assert_true(sb_rules_revoke_cause_ok(SKILLBASE__CAUSE__MAJOR_SAFETY_ACCIDENT));
    assert_true(sb_rules_revoke_cause_ok(SKILLBASE__CAUSE__VIOLATION));
    assert_false(sb_rules_revoke_cause_ok(SKILLBASE__CAUSE__CAUSE_UNSPECIFIED));
    assert_false(sb_rules_revoke_cause_ok(SKILLBASE__CAUSE__ASSESSMENT_FAILED));
    assert_false(sb_rules_revoke_cause_ok((Skillbase__Cause)42));
}

/* 五(一) 每两年: cycle N covers two years from certification; the day it
 * ends begins the next; 29 February certifications end on 28 February. */
static void assessment_cycles_count_two_years_from_certification(void **state)
{
    (void)state;
    sb_date cert, d;
    assert_int_equal(sb_date_parse("2026-04-09", &cert), 0);
    static const struct {
        const char *on;
        uint32_t cycle;
    } cases[] = {
        {"2026-04-09", 1}, {"2026-04-10", 1}, {"2028-04-08", 1},  {"2028-04-09", 2},
        {"2030-04-08", 2}, {"2030-04-09", 3}, {"2046-04-09", 11}, {"2025-01-01", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(sb_date_parse(cases[i].on, &d), 0);
        if (sb_rules_cycle(cert, d) != cases[i].cycle)
            fail_msg("%s: cycle %u, expected %u", cases[i].on, sb_rules_cycle(cert, d),
                     cases[i].cycle);
    }
    char buf[SB_DATE_STRLEN];
    assert_string_equal(sb_date_format(sb_rules_cycle_end(cert, 2), buf), "2030-04-09");
    assert_int_equal(sb_date_parse("2024-02-29", &cert), 0);
    assert_string_equal(sb_date_format(sb_rules_cycle_end(cert, 1), buf), "2026-02-28");
    assert_int_equal(sb_date_parse("2026-02-28", &d), 0);
    assert_int_equal(sb_rules_cycle(cert, d), 2);
}

/* Scores take one decimal; totals and grade boundaries are exact tenths. */
static void scores_in_tenths_are_exact(void **state)
{
    (void)state;
    sb_rubric r;
    sb_rubric_default(&r);
    Skillbase__Scores t = SKILLBASE__SCORES__INIT;
    sb_problems p = {0};
    sb_score s;
    t.basic_construction = 250;  /* 25 */
    t.system_construction = 200; /* 20 */
    t.training_management = 149; /* 14.9 */
    assert_int_equal(sb_rules_score_tenths(&r, &t, &p, &s), 0);
    assert_int_equal(s.total_tenths, 599);
    assert_int_equal(s.total, 59);
    assert_int_equal(s.grade, SKILLBASE__GRADE__FAIL); /* 59.9 fails */
    t.training_management = 150;
    assert_int_equal(sb_rules_score_tenths(&r, &t, &p, &s), 0);
    assert_int_equal(s.grade, SKILLBASE__GRADE__PASS); /* 60.0 passes */
    t.public_service = 299;                            /* 29.9: 89.9 */
    assert_int_equal(sb_rules_score_tenths(&r, &t, &p, &s), 0);
    assert_int_equal(s.total_tenths, 899);
    assert_int_equal(s.grade, SKILLBASE__GRADE__GOOD);
    assert_int_equal(sb_rules_grade_tenths(900), SKILLBASE__GRADE__EXCELLENT);
    assert_int_equal(sb_rules_grade_tenths(799), SKILLBASE__GRADE__PASS);
    t.system_construction = 205; /* 20.5 > 20 */
    assert_int_equal(sb_rules_score_tenths(&r, &t, &p, &s), SB_E(SB_INVALID));
    sb_tk_assert_only_problem(&p, "scores.system_construction: 20.5 is above the maximum of 20");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(problems_past_the_maximum_are_counted_as_dropped),
        cmocka_unit_test(long_problem_is_cut_on_a_character_boundary),
        cmocka_unit_test(valid_credit_codes_are_accepted),
        cmocka_unit_test(check_value_31_is_written_as_0),
        cmocka_unit_test(credit_code_with_wrong_check_character_is_refused),
        cmocka_unit_test(credit_code_of_wrong_length_is_refused),
        cmocka_unit_test(empty_credit_code_is_missing),
        cmocka_unit_test(credit_code_with_letter_outside_the_alphabet_is_refused),
        cmocka_unit_test(credit_code_with_wrong_organisation_check_digit_is_refused),
        cmocka_unit_test(credit_code_with_invalid_registration_pair_is_refused),
        cmocka_unit_test(applying_units_must_be_registered_in_hangzhou),
        cmocka_unit_test(district_disagreement_is_a_warning),
        cmocka_unit_test(assessment_cycles_count_two_years_from_certification),
        cmocka_unit_test(scores_in_tenths_are_exact),
        cmocka_unit_test(lower_case_credit_code_is_refused),
        cmocka_unit_test(credit_code_with_full_width_digit_is_refused_at_its_position),
        cmocka_unit_test(every_district_is_known_by_its_chinese_name),
        cmocka_unit_test(district_pinyin_gives_the_chinese_name_in_any_case),
        cmocka_unit_test(places_outside_hangzhou_are_unknown),
        cmocka_unit_test(well_formed_text_is_ok),
        cmocka_unit_test(overlong_encodings_are_refused),
        cmocka_unit_test(surrogates_are_refused),
        cmocka_unit_test(code_points_above_10ffff_are_refused),
        cmocka_unit_test(truncated_and_stray_bytes_are_refused),
        cmocka_unit_test(control_characters_other_than_tab_are_refused),
        cmocka_unit_test(default_rubric_is_the_shipped_split_and_valid),
        cmocka_unit_test(rubric_items_are_named_in_scores_field_order),
        cmocka_unit_test(rubric_whose_base_is_not_100_is_refused),
        cmocka_unit_test(rubric_whose_bonus_is_not_20_is_refused),
        cmocka_unit_test(rubric_with_both_parts_wrong_names_both),
        cmocka_unit_test(every_item_at_its_maximum_scores_120),
        cmocka_unit_test(typical_scores_are_summed_and_graded),
        cmocka_unit_test(one_point_above_a_maximum_is_refused),
        cmocka_unit_test(every_item_above_its_maximum_is_reported),
        cmocka_unit_test(missing_scores_count_as_zero_and_fail),
        cmocka_unit_test(scoring_against_a_broken_rubric_is_refused),
        cmocka_unit_test(grade_boundaries_follow_the_policy),
        cmocka_unit_test(only_a_failing_grade_loses_the_base),
        cmocka_unit_test(official_name_wraps_the_base_name),
        cmocka_unit_test(official_name_that_does_not_fit_is_refused),
        cmocka_unit_test(plaque_is_the_unified_one),
        cmocka_unit_test(certificate_number_pads_the_serial_to_three_digits),
        cmocka_unit_test(certificate_number_follows_the_bureaus_format),
        cmocka_unit_test(grade_bands_apply_to_the_base_part_when_the_bureau_says_so),
        cmocka_unit_test(next_assessment_is_two_years_on),
        cmocka_unit_test(operators_may_revoke_only_for_the_direct_fail_causes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
