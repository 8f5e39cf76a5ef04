/* sb_rules_check_form: the eligibility of an application form (二(二) and
 * 二(三)1) — every failed condition reported, missing sub-messages, text
 * that is not UTF-8, lengths, projects, area and e-mail. Each test breaks one
 * part of a valid form (sb_testkit.h). */
#include "sb_testkit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"

static void fully_valid_form_has_no_problems(void **state)
{
    (void)state;
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
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
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
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
        "unit.legal_person: the unit must be an independent legal person (二(二)1; condition "
        "legal_person "
        "may be waived with a reason)",
        "site.owned: the training site must be owned, not leased (二(二)2; condition site_owned "
        "may be waived with a reason)",
        "site.area_m2: must be greater than 0",
        "site.equipment_value_cny: the unit must own its training equipment (value > 0) (二(二)2; "
        "condition equipment_owned "
        "may be waived with a reason)",
        "site.office_owned: the unit must have its own office space (二(二)2; condition "
        "office_owned "
        "may be waived with a reason)",
        "staff.full_time_managers: at least one full-time manager is required (二(二)2; condition "
        "full_time_managers "
        "may be waived with a reason)",
        "staff.teachers: at least one teacher is required (二(二)2; condition teachers "
        "may be waived with a reason)",
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
        sb_tk_assert_problem(&p, want[i]);
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
    sb_tk_assert_problem(&p, "unit.name: missing");
    sb_tk_assert_problem(&p, "unit.credit_code: missing");
    sb_tk_assert_problem(&p, "unit.district: missing");
    sb_tk_assert_problem(&p, "unit.legal_person: the unit must be an independent legal person "
                             "(二(二)1; condition legal_person "
                             "may be waived with a reason)");
    sb_tk_assert_problem(
        &p,
        "site.owned: the training site must be owned, not leased (二(二)2; condition site_owned "
        "may be waived with a reason)");
    sb_tk_assert_problem(
        &p, "staff.teachers: at least one teacher is required (二(二)2; condition teachers "
            "may be waived with a reason)");
    sb_tk_assert_problem(&p, "materials.license: missing");
    sb_tk_assert_problem(&p, "contact.email: missing");
    assert_int_equal(p.count, 19);
}

static void null_form_reports_every_field(void **state)
{
    (void)state;
    sb_problems p = {0};
    sb_rules_check_form(NULL, &p);
    sb_tk_assert_problem(&p, "base_name: missing");
    sb_tk_assert_problem(&p, "projects: at least one training project is required");
    assert_int_equal(p.count, 20);
}

static void one_null_sub_message_reports_only_its_fields(void **state)
{
    (void)state;
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
    f.form.site = NULL;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_int_equal(p.count, 4);
    sb_tk_assert_problem(&p, "site.area_m2: must be greater than 0");
}

static void malformed_text_is_reported_per_field(void **state)
{
    (void)state;
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
    f.unit.name = "bad \xC0\xAF name";
    f.contact.name = "王\n芳";
    f.project[1].level = "\xED\xA0\x80";
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    assert_int_equal(p.count, 3);
    sb_tk_assert_problem(&p, "unit.name: not valid UTF-8 text (byte 5)");
    sb_tk_assert_problem(&p, "contact.name: contains a control character (U+000A)");
    sb_tk_assert_problem(&p, "projects[1].level: not valid UTF-8 text (byte 1)");
}

static void overlong_fields_are_too_long(void **state)
{
    (void)state;
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
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
    sb_tk_assert_problem(&p, "base_name: too long (101 bytes, at most 100)");
    sb_tk_assert_problem(&p, "unit.name: too long (201 bytes, at most 200)");

    base[100] = '\0';
    name[200] = '\0';
    sb_problems ok = {0};
    sb_rules_check_form(&f.form, &ok);
    assert_int_equal(ok.count, 0);
}

static void more_than_100_projects_are_refused(void **state)
{
    (void)state;
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
    Skillbase__Project *many[101];
    for (int i = 0; i < 101; i++)
        many[i] = &f.project[0];
    f.form.projects = many;
    f.form.n_projects = 101;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    sb_tk_assert_only_problem(&p, "projects: 101 projects, at most 100");
    f.form.n_projects = 100;
    sb_problems ok = {0};
    sb_rules_check_form(&f.form, &ok);
    assert_int_equal(ok.count, 0);
}

static void project_without_occupation_is_named_by_index(void **state)
{
    (void)state;
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
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
        sb_tk_form f;
        sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
        f.site.area_m2 = bad[i];
        sb_problems p = {0};
        sb_rules_check_form(&f.form, &p);
        sb_tk_assert_only_problem(&p, "site.area_m2: must be a finite number greater than 0");
    }
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
    f.site.area_m2 = 0;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    sb_tk_assert_only_problem(&p, "site.area_m2: must be greater than 0");
}

static void email_needs_one_at_with_text_both_sides(void **state)
{
    (void)state;
    static const char *const bad[] = {"a@b@c", "@example.com", "wang@", "@"};
    for (size_t i = 0; i < 4; i++) {
        sb_tk_form f;
        sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
        f.contact.email = (char *)bad[i];
        sb_problems p = {0};
        sb_rules_check_form(&f.form, &p);
        sb_tk_assert_only_problem(
            &p, "contact.email: not an e-mail address (must contain one @ with text both sides)");
    }
}

static void district_pinyin_and_every_unit_type_are_eligible(void **state)
{
    (void)state;
    for (int t = SKILLBASE__UNIT_TYPE__ENTERPRISE; t <= SKILLBASE__UNIT_TYPE__OTHER; t++) {
        sb_tk_form f;
        sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
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
    sb_tk_form f;
    sb_tk_form_init(&f, SB_TK_CREDIT_CODE);
    f.unit.type = SKILLBASE__UNIT_TYPE__UNIT_TYPE_UNSPECIFIED;
    sb_problems p = {0};
    sb_rules_check_form(&f.form, &p);
    sb_tk_assert_only_problem(&p, "unit.type: unknown unit type (expected enterprise, university, "
                                  "vocational_college, technical_school or other)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
