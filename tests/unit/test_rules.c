/* sb_rules: eligibility, credit code, districts, rubric, grades, naming. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "sb_error.h"

/* ------------------------------------------------------------ helpers */

static bool has_problem(const sb_problems *p, const char *text)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->text[i], text) == 0)
            return true;
    return false;
}

static void assert_problem(const sb_problems *p, const char *text)
{
    if (has_problem(p, text))
        return;
    for (size_t i = 0; i < p->count; i++)
        print_message("  problem %zu: %s\n", i, p->text[i]);
    fail_msg("no problem \"%s\"", text);
}

static void assert_only_problem(const sb_problems *p, const char *text)
{
    if (p->count != 1) {
        for (size_t i = 0; i < p->count; i++)
            print_message("  problem %zu: %s\n", i, p->text[i]);
        fail_msg("%zu problems, expected only \"%s\"", p->count, text);
    }
    assert_string_equal(p->text[0], text);
}

/* A complete, eligible application; tests break one part at a time. */
typedef struct {
    Skillbase__Unit unit;
    Skillbase__Contact contact;
    Skillbase__Site site;
    Skillbase__Staff staff;
    Skillbase__Materials materials;
    Skillbase__Project project[2];
    Skillbase__Project *projects[2];
    Skillbase__ApplicationForm form;
} form_parts;

static void valid_form(form_parts *f)
{
    static const Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    static const Skillbase__Contact contact = SKILLBASE__CONTACT__INIT;
    static const Skillbase__Site site = SKILLBASE__SITE__INIT;
    static const Skillbase__Staff staff = SKILLBASE__STAFF__INIT;
    static const Skillbase__Materials materials = SKILLBASE__MATERIALS__INIT;
    static const Skillbase__Project project = SKILLBASE__PROJECT__INIT;
    static const Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;

    f->unit = unit;
    f->unit.name = "杭州某某智能制造有限公司";
    f->unit.credit_code = "91350100M000100Y43";
    f->unit.type = SKILLBASE__UNIT_TYPE__ENTERPRISE;
    f->unit.district = "西湖区";
    f->unit.legal_person = true;

    f->contact = contact;
    f->contact.name = "王芳";
    f->contact.phone = "0571-87911962";
    f->contact.email = "wangfang@example.com";

    f->site = site;
    f->site.owned = true;
    f->site.area_m2 = 1200.5;
    f->site.equipment_value_cny = 3500000;
    f->site.office_owned = true;

    f->staff = staff;
    f->staff.full_time_managers = 2;
    f->staff.teachers = 8;

    f->materials = materials;
    f->materials.application_form = "DOC-2024-001";
    f->materials.license = "DOC-2024-002";
    f->materials.staff_credentials = "DOC-2024-003";
    f->materials.management_rules = "DOC-2024-004";

    for (int i = 0; i < 2; i++) {
        f->project[i] = project;
        f->projects[i] = &f->project[i];
    }
    f->project[0].occupation = "电工";
    f->project[0].level = "高级工";
    f->project[1].occupation = "工业机器人系统运维员";
    f->project[1].level = "技师";

    f->form = form;
    f->form.unit = &f->unit;
    f->form.contact = &f->contact;
    f->form.base_name = "西湖智能制造";
    f->form.n_projects = 2;
    f->form.projects = f->projects;
    f->form.site = &f->site;
    f->form.staff = &f->staff;
    f->form.materials = &f->materials;
}

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
    assert_true(sb_rules_credit_code_valid("123300000024989720", NULL));
}

static void credit_code_with_wrong_check_character_is_refused(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("91350100M000100Y44", &p));
    assert_only_problem(&p, "unit.credit_code: check character is 4, expected 3");
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
    assert_only_problem(&p, "unit.credit_code: character 9 ('I') is not in the GB 32100-2015 "
                            "alphabet (digits and upper-case letters except I, O, S, V, Z)");
}

static void lower_case_credit_code_is_refused(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("91350100m000100y43", &p));
    assert_only_problem(&p, "unit.credit_code: character 9 is 'm'; letters must be upper-case");
}

static void credit_code_with_full_width_digit_is_refused_at_its_position(void **state)
{
    (void)state;
    sb_problems p = {0};
    assert_false(sb_rules_credit_code_valid("９1350100M000100Y43", &p));
    assert_only_problem(&p, "unit.credit_code: character 1 is not in the GB 32100-2015 "
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
    assert_true(sb_rules_text_ok("\xF0\x9F\x98\x80"));     /* U+1F600 */
    assert_true(sb_rules_text_ok("\xF4\x8F\xBF\xBF"));     /* U+10FFFF */
    assert_true(sb_rules_text_ok("\xEF\xBF\xBD"));         /* U+FFFD */
    assert_true(sb_rules_text_ok("\xE0\xA0\x80"));         /* U+0800 */
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

/* ------------------------------------------------------------ eligibility */

static void fully_valid_form_has_no_problems(void **state)
{
    (void)state;
    form_parts f;
    valid_form(&f);
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    for (size_t i = 0; i < p.count; i++)
        print_message("  problem %zu: %s\n", i, p.text[i]);
    assert_int_equal(p.count, 0);
    assert_int_equal(p.dropped, 0);
}

static void form_with_everything_wrong_reports_every_problem(void **state)
{
    (void)state;
    form_parts f;
    valid_form(&f);
    f.unit.name = "";
    f.unit.credit_code = "123";
    f.unit.type = (Skillbase__UnitType)99;
    f.unit.district = "北京";
    f.unit.legal_person = false;
    f.site.owned = false;
    f.site.area_m2 = -3;
    f.site.equipment_value_cny = 0;
    f.site.office_owned = false;
    f.staff.full_time_managers = 0;
    f.staff.teachers = 0;
    f.form.n_projects = 0;
    f.materials.application_form = "";
    f.materials.license = "";
    f.materials.staff_credentials = "  ";
    f.materials.management_rules = "";
    f.contact.name = "";
    f.contact.phone = "";
    f.contact.email = "nobody";
    f.form.base_name = "";

    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    static const char *const want[] = {
        "unit.name: missing",
        "unit.credit_code: has 3 characters, expected 18",
        ("unit.type: unknown unit type (expected enterprise, university, vocational_college, "
         "technical_school or other)"),
        "unit.district: \"北京\" is not a district, county or city of Hangzhou",
        "unit.legal_person: the unit must be an independent legal person (二(二))",
        "site.owned: the training site must be owned, not leased",
        "site.area_m2: must be greater than 0",
        "site.equipment_value_cny: the unit must own its training equipment (value > 0)",
        "site.office_owned: the unit must have its own office space",
        "staff.full_time_managers: at least one full-time manager is required",
        "staff.teachers: at least one teacher is required",
        "projects: at least one training project is required",
        "materials.application_form: missing",
        "materials.license: missing",
        "materials.staff_credentials: missing",
        "materials.management_rules: missing",
        "contact.name: missing",
        "contact.phone: missing",
        "contact.email: not an e-mail address (must contain one @ with text both sides)",
        "base_name: missing",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_problem(&p, want[i]);
    assert_int_equal(p.count, sizeof want / sizeof want[0]);
    assert_int_equal(p.dropped, 0);
}

static void null_sub_messages_count_as_all_fields_missing(void **state)
{
    (void)state;
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    form.base_name = "滨江";
    sb_problems p = {0};
    sb_rules_check_form(&form, &p);
    assert_problem(&p, "unit.name: missing");
    assert_problem(&p, "unit.credit_code: missing");
    assert_problem(&p, "unit.district: missing");
    assert_problem(&p, "unit.legal_person: the unit must be an independent legal person (二(二))");
    assert_problem(&p, "site.owned: the training site must be owned, not leased");
    assert_problem(&p, "staff.teachers: at least one teacher is required");
    assert_problem(&p, "materials.license: missing");
    assert_problem(&p, "contact.email: missing");
    assert_int_equal(p.count, 19);
}

static void null_form_reports_every_field(void **state)
{
    (void)state;
    sb_problems p = {0};
    sb_rules_check_form(NULL, &p);
    assert_problem(&p, "base_name: missing");
    assert_problem(&p, "projects: at least one training project is required");
    assert_int_equal(p.count, 20);
}

static void one_null_sub_message_reports_only_its_fields(void **state)
{
    (void)state;
    form_parts f;
    valid_form(&f);
    f.form.site = NULL;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_int_equal(p.count, 4);
    assert_problem(&p, "site.area_m2: must be greater than 0");
}

static void malformed_text_is_reported_per_field(void **state)
{
    (void)state;
    form_parts f;
    valid_form(&f);
    f.unit.name = "bad \xC0\xAF name";
    f.contact.name = "王\n芳";
    f.project[1].level = "\xED\xA0\x80";
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_int_equal(p.count, 3);
    assert_problem(&p, "unit.name: not valid UTF-8 text");
    assert_problem(&p, "contact.name: contains a control character");
    assert_problem(&p, "projects[1].level: not valid UTF-8 text");
}

static void overlong_fields_are_too_long(void **state)
{
    (void)state;
    form_parts f;
    valid_form(&f);
    char base[102], name[202];
    memset(base, 'b', 101);
    base[101] = '\0';
    memset(name, 'n', 201);
    name[201] = '\0';
    f.form.base_name = base;
    f.unit.name = name;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_int_equal(p.count, 2);
    assert_problem(&p, "base_name: too long (101 bytes, at most 100)");
    assert_problem(&p, "unit.name: too long (201 bytes, at most 200)");

    base[100] = '\0';
    name[200] = '\0';
    sb_problems ok = {0};
    sb_rules_check_form(&f.form, &ok);
    assert_int_equal(ok.count, 0);
}

static void more_than_100_projects_are_refused(void **state)
{
    (void)state;
    form_parts f;
    valid_form(&f);
    Skillbase__Project *many[101];
    for (int i = 0; i < 101; i++)
        many[i] = &f.project[0];
    f.form.projects = many;
    f.form.n_projects = 101;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_only_problem(&p, "projects: 101 projects, at most 100");
    f.form.n_projects = 100;
    sb_problems ok = {0};
    sb_rules_check_form(&f.form, &ok);
    assert_int_equal(ok.count, 0);
}

static void project_without_occupation_is_named_by_index(void **state)
{
    (void)state;
    form_parts f;
    valid_form(&f);
    f.project[1].occupation = "";
    f.project[1].level = "";
    f.projects[0] = NULL;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_int_equal(p.count, 2);
    assert_string_equal(p.text[0], "projects[0].occupation: missing");
    assert_string_equal(p.text[1], "projects[1].occupation: missing");
}

static void area_that_is_not_a_number_is_refused(void **state)
{
    (void)state;
    const double bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < 3; i++) {
        form_parts f;
        valid_form(&f);
        f.site.area_m2 = bad[i];
        sb_problems p = {0};
        sb_rules_check_form(&f.form, &p);
        assert_only_problem(&p, "site.area_m2: must be a finite number greater than 0");
    }
    form_parts f;
    valid_form(&f);
    f.site.area_m2 = 0;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_only_problem(&p, "site.area_m2: must be greater than 0");
}

static void email_needs_one_at_with_text_both_sides(void **state)
{
    (void)state;
    static const char *const bad[] = {"a@b@c", "@example.com", "wang@", "@"};
    for (size_t i = 0; i < 4; i++) {
        form_parts f;
        valid_form(&f);
        f.contact.email = (char *)bad[i];
        sb_problems p = {0};
        sb_rules_check_form(&f.form, &p);
        assert_only_problem(
            &p, "contact.email: not an e-mail address (must contain one @ with text both sides)");
    }
}

static void district_pinyin_and_every_unit_type_are_eligible(void **state)
{
    (void)state;
    for (int t = SKILLBASE__UNIT_TYPE__ENTERPRISE; t <= SKILLBASE__UNIT_TYPE__OTHER; t++) {
        form_parts f;
        valid_form(&f);
        f.unit.type = (Skillbase__UnitType)t;
        f.unit.district = "Xiaoshan";
        sb_problems p = {0};
        sb_rules_check_form(&f.form, &p);
        assert_int_equal(p.count, 0);
    }
}

static void unspecified_unit_type_is_refused(void **state)
{
    (void)state;
    form_parts f;
    valid_form(&f);
    f.unit.type = SKILLBASE__UNIT_TYPE__UNIT_TYPE_UNSPECIFIED;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_only_problem(&p, "unit.type: unknown unit type (expected enterprise, university, "
                            "vocational_college, technical_school or other)");
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
        "basic_construction",  "system_construction", "training_management",
        "public_service",      "competition_hosting", "other_public_service",
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
    assert_only_problem(&p, "rubric: the base items (basic_construction, system_construction, "
                            "training_management, public_service) sum to 95, must be 100");
}

static void rubric_whose_bonus_is_not_20_is_refused(void **state)
{
    (void)state;
    sb_rubric r = {{25, 20, 25, 30, 10, 15}};
    sb_problems p = {0};
    assert_false(sb_rubric_valid(&r, &p));
    assert_only_problem(&p, "rubric: the bonus items (competition_hosting, "
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
    assert_only_problem(&p, "scores.public_service: 31 is above the maximum of 30");
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
        cmocka_unit_test(fully_valid_form_has_no_problems),
        cmocka_unit_test(form_with_everything_wrong_reports_every_problem),
        cmocka_unit_test(null_sub_messages_count_as_all_fields_missing),
        cmocka_unit_test(null_form_reports_every_field),
        cmocka_unit_test(one_null_sub_message_reports_only_its_fields),
        cmocka_unit_test(malformed_text_is_reported_per_field),
        cmocka_unit_test(overlong_fields_are_too_long),
        cmocka_unit_test(more_than_100_projects_are_refused),
        cmocka_unit_test(project_without_occupation_is_named_by_index),
        cmocka_unit_test(area_that_is_not_a_number_is_refused),
        cmocka_unit_test(email_needs_one_at_with_text_both_sides),
        cmocka_unit_test(district_pinyin_and_every_unit_type_are_eligible),
        cmocka_unit_test(unspecified_unit_type_is_refused),
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
        cmocka_unit_test(next_assessment_is_two_years_on),
        cmocka_unit_test(operators_may_revoke_only_for_the_direct_fail_causes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
