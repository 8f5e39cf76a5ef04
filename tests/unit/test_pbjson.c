/* test_pbjson: the JSON <-> protobuf-c converter behind skillbasectl's input
 * files and --json output. Each test names the behaviour it proves; run
 * under the sanitizer build, the error cases also prove that half-built
 * messages are freed completely by protobuf_c_message_free_unpacked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pbjson.h"
#include "skillbase.pb-c.h"

static const char form_text[] =
    "{\"unit\": {\"name\": \"杭州精工机械有限公司\", \"credit_code\": \"91350100M000100Y43\","
    "  \"type\": \"enterprise\", \"district\": \"西湖区\", \"legal_person\": true},"
    " \"contact\": {\"name\": \"王建国\", \"phone\": \"0571-88001234\", \"email\": \"a@b.cn\"},"
    " \"base_name\": \"精工机械\","
    " \"projects\": [{\"occupation\": \"电工\", \"level\": \"高级工\"},"
    "              {\"occupation\": \"数控车工\", \"level\": \"技师\"}],"
    " \"site\": {\"owned\": true, \"area_m2\": 1200.5, \"equipment_value_cny\": 3500000,"
    "          \"office_owned\": true},"
    " \"staff\": {\"full_time_managers\": 2, \"teachers\": 12},"
    " \"materials\": {\"application_form\": \"DOC-2026-0001\", \"license\": \"DOC-2026-0002\","
    "   \"staff_credentials\": \"DOC-2026-0003\", \"management_rules\": \"DOC-2026-0004\"}}";

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);

    if (!j)
        fail_msg("test JSON does not parse: %s", e.text);
    return j;
}

/* Convert text to a message of `desc`; NULL and the error in err. */
static ProtobufCMessage *convert(const ProtobufCMessageDescriptor *desc, const char *text,
                                 char *err, size_t len)
{
    json_t *j = parse(text);
    ProtobufCMessage *m = pbjson_to_message(desc, j, err, len);

    json_decref(j);
    return m;
}

static void expect_error(const ProtobufCMessageDescriptor *desc, const char *text, const char *want)
{
    char err[512];
    ProtobufCMessage *m = convert(desc, text, err, sizeof err);

    if (m)
        protobuf_c_message_free_unpacked(m, NULL);
    assert_null(m);
    assert_string_equal(err, want);
}

static void application_form_roundtrips_through_the_wire(void **state)
{
    char err[256];
    json_t *in = parse(form_text), *out;
    ProtobufCMessage *m =
        pbjson_to_message(&skillbase__application_form__descriptor, in, err, sizeof err);
    Skillbase__ApplicationForm *f = (Skillbase__ApplicationForm *)m, *back;
    uint8_t *buf;
    size_t len;

    (void)state;
    assert_non_null(m);
    assert_string_equal(f->unit->credit_code, "91350100M000100Y43");
    assert_int_equal(f->unit->type, SKILLBASE__UNIT_TYPE__ENTERPRISE);
    assert_true(f->unit->legal_person);
    assert_int_equal(f->n_projects, 2);
    assert_string_equal(f->projects[1]->occupation, "数控车工");
    assert_true(f->site->area_m2 == 1200.5);
    assert_int_equal(f->site->equipment_value_cny, 3500000);
    assert_int_equal(f->staff->teachers, 12);

    /* Through the wire and back: the JSON must be what went in. */
    len = protobuf_c_message_get_packed_size(m);
    buf = malloc(len);
    protobuf_c_message_pack(m, buf);
    back = skillbase__application_form__unpack(NULL, len, buf);
    assert_non_null(back);
    out = pbjson_from_message(&back->base);
    assert_true(json_equal(in, out));

    json_decref(out);
    skillbase__application_form__free_unpacked(back, NULL);
    free(buf);
    protobuf_c_message_free_unpacked(m, NULL);
    json_decref(in);
}

static void wrong_types_name_the_field_path(void **state)
{
    const ProtobufCMessageDescriptor *form = &skillbase__application_form__descriptor;

    (void)state;
    expect_error(form, "{\"unit\": {\"name\": \"x\", \"credit_code\": 91350100}}",
                 "unit.credit_code: expected a string");
    expect_error(form,
                 "{\"projects\": [{\"occupation\": \"电工\", \"level\": \"高级工\"},"
                 " {\"occupation\": \"钳工\", \"level\": 3}]}",
                 "projects[1].level: expected a string");
    expect_error(form, "{\"site\": {\"area_m2\": \"1200\"}}", "site.area_m2: expected a number");
    expect_error(form, "{\"unit\": {\"legal_person\": \"yes\"}}",
                 "unit.legal_person: expected true or false");
    expect_error(form, "{\"unit\": \"杭州\"}", "unit: expected an object");
    expect_error(form, "{\"projects\": {\"occupation\": \"电工\"}}", "projects: expected an array");
    expect_error(form, "{\"projects\": [\"电工\"]}", "projects[0]: expected an object");
}

static void unsigned_fields_refuse_negative_fractional_and_too_large(void **state)
{
    const ProtobufCMessageDescriptor *form = &skillbase__application_form__descriptor;
    char err[256];
    ProtobufCMessage *m;

    (void)state;
    expect_error(form, "{\"staff\": {\"teachers\": -1}}",
                 "staff.teachers: expected a non-negative integer");
    expect_error(form, "{\"staff\": {\"teachers\": 1.5}}",
                 "staff.teachers: expected a non-negative integer");
    expect_error(form, "{\"staff\": {\"teachers\": \"12\"}}",
                 "staff.teachers: expected a non-negative integer");
    expect_error(form, "{\"staff\": {\"teachers\": 4294967296}}",
                 "staff.teachers: 4294967296 is out of range (at most 4294967295)");
    expect_error(form, "{\"site\": {\"equipment_value_cny\": 1e20}}",
                 "site.equipment_value_cny: 100000000000000000000 is out of range "
                 "(at most 18446744073709551615)");

    /* The edges themselves are fine; a whole number written as 12.0 too. */
    m = convert(form, "{\"staff\": {\"teachers\": 4294967295, \"full_time_managers\": 12.0}}", err,
                sizeof err);
    assert_non_null(m);
    assert_int_equal(((Skillbase__ApplicationForm *)m)->staff->teachers, UINT32_MAX);
    assert_int_equal(((Skillbase__ApplicationForm *)m)->staff->full_time_managers, 12);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void unknown_fields_are_refused(void **state)
{
    (void)state;
    expect_error(&skillbase__application_form__descriptor, "{\"colour\": \"red\"}",
                 "colour: unknown field");
    expect_error(&skillbase__application_form__descriptor,
                 "{\"unit\": {\"name\": \"x\", \"nmae\": \"y\"}}", "unit.nmae: unknown field");
    expect_error(&skillbase__application_form__descriptor, "[1, 2]", "expected a JSON object");
}

static void unknown_enum_values_list_the_valid_ones(void **state)
{
    (void)state;
    expect_error(&skillbase__application_form__descriptor, "{\"unit\": {\"type\": \"factory\"}}",
                 "unit.type: unknown value \"factory\" (expected enterprise, university, "
                 "vocational_college, technical_school or other)");
    expect_error(&skillbase__application_form__descriptor, "{\"unit\": {\"type\": 9}}",
                 "unit.type: unknown value 9 (expected enterprise, university, "
                 "vocational_college, technical_school or other)");
    expect_error(&skillbase__application_form__descriptor, "{\"unit\": {\"type\": true}}",
                 "unit.type: expected a string");
}

static void enums_are_read_by_name_in_any_case_or_by_number(void **state)
{
    static const struct {
        const char *text;
        int want;
    } cases[] = {
        {"{\"type\": \"enterprise\"}", SKILLBASE__UNIT_TYPE__ENTERPRISE},
        {"{\"type\": \"UNIVERSITY\"}", SKILLBASE__UNIT_TYPE__UNIVERSITY},
        {"{\"type\": \"Vocational_College\"}", SKILLBASE__UNIT_TYPE__VOCATIONAL_COLLEGE},
        {"{\"type\": 4}", SKILLBASE__UNIT_TYPE__TECHNICAL_SCHOOL},
    };
    char err[256], buf[32];
    int v;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ProtobufCMessage *m = convert(&skillbase__unit__descriptor, cases[i].text, err, sizeof err);
        assert_non_null(m);
        assert_int_equal(((Skillbase__Unit *)m)->type, cases[i].want);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    assert_string_equal(pbjson_enum_name(&skillbase__state__descriptor,
                                         SKILLBASE__STATE__IN_PUBLICITY, buf, sizeof buf),
                        "in_publicity");
    assert_null(pbjson_enum_name(&skillbase__state__descriptor, 99, buf, sizeof buf));
    assert_int_equal(pbjson_enum_parse(&skillbase__cause__descriptor, "Major_Safety_Accident", &v),
                     0);
    assert_int_equal(v, SKILLBASE__CAUSE__MAJOR_SAFETY_ACCIDENT);
    assert_int_equal(pbjson_enum_parse(&skillbase__cause__descriptor, "2", &v), 0);
    assert_int_equal(v, SKILLBASE__CAUSE__UNIT_DEREGISTERED);
    assert_int_equal(pbjson_enum_parse(&skillbase__cause__descriptor, "arson", &v), -1);
    assert_int_equal(pbjson_enum_parse(&skillbase__cause__descriptor, "77", &v), -1);
    assert_int_equal(pbjson_enum_parse(&skillbase__cause__descriptor, "", &v), -1);
}

static void record_oneof_sets_its_case_and_emits_only_the_chosen_member(void **state)
{
    char err[256];
    Skillbase__Record *r;
    json_t *out;
    ProtobufCMessage *m = convert(
        &skillbase__record__descriptor,
        "{\"sub_base\": {\"id\": \"base-000001\", \"state\": \"certified\"}}", err, sizeof err);
    Skillbase__Record empty = SKILLBASE__RECORD__INIT;

    (void)state;
    assert_non_null(m);
    r = (Skillbase__Record *)m;
    assert_int_equal(r->record_case, SKILLBASE__RECORD__RECORD_SUB_BASE);
    assert_string_equal(r->sub_base->id, "base-000001");
    out = pbjson_from_message(m);
    assert_non_null(json_object_get(out, "sub_base"));
    assert_null(json_object_get(out, "application"));
    assert_int_equal(json_object_size(out), 1);
    json_decref(out);
    protobuf_c_message_free_unpacked(m, NULL);

    /* An unset oneof is left out altogether. */
    out = pbjson_from_message(&empty.base);
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);

    expect_error(&skillbase__record__descriptor,
                 "{\"application\": {\"id\": \"app-000001\"}, \"sub_base\": {}}",
                 "sub_base: conflicts with application (only one of them may be set)");
    /* The member's own errors still name the path, and the chosen member
     * is freed even when it fails half-way. */
    expect_error(&skillbase__record__descriptor,
                 "{\"application\": {\"id\": \"app-000001\", \"version\": -2}}",
                 "application.version: expected a non-negative integer");
}

static void defaults_are_omitted_on_output(void **state)
{
    Skillbase__Application app = SKILLBASE__APPLICATION__INIT;
    Skillbase__Scores scores = SKILLBASE__SCORES__INIT;
    Skillbase__Assessment as = SKILLBASE__ASSESSMENT__INIT;
    json_t *out;

    (void)state;
    out = pbjson_from_message(&app.base);
    assert_int_equal(json_object_size(out), 0);
    json_decref(out);

    app.id = "app-000001";
    app.version = 1;
    app.state = SKILLBASE__STATE__APPLIED;
    out = pbjson_from_message(&app.base);
    assert_int_equal(json_object_size(out), 3);
    assert_string_equal(json_string_value(json_object_get(out, "state")), "applied");
    assert_int_equal(json_integer_value(json_object_get(out, "version")), 1);
    assert_null(json_object_get(out, "objection_open"));
    assert_null(json_object_get(out, "form"));
    json_decref(out);

    /* A sub-message that is set is written even when all of it is zero. */
    as.scores = &scores;
    out = pbjson_from_message(&as.base);
    assert_true(json_is_object(json_object_get(out, "scores")));
    assert_int_equal(json_object_size(json_object_get(out, "scores")), 0);
    json_decref(out);
}

static void nulls_are_not_given(void **state)
{
    char err[256];
    ProtobufCMessage *m =
        convert(&skillbase__unit__descriptor,
                "{\"name\": null, \"type\": null, \"credit_code\": \"X\"}", err, sizeof err);

    (void)state;
    assert_non_null(m);
    assert_string_equal(((Skillbase__Unit *)m)->name, "");
    assert_int_equal(((Skillbase__Unit *)m)->type, 0);
    protobuf_c_message_free_unpacked(m, NULL);
}

static void doubles_and_bad_utf8_still_give_valid_json(void **state)
{
    Skillbase__Site site = SKILLBASE__SITE__INIT;
    Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    json_t *out;
    char *text;

    (void)state;
    site.area_m2 = 1200;
    out = pbjson_from_message(&site.base);
    assert_true(json_is_integer(json_object_get(out, "area_m2")));
    json_decref(out);
    site.area_m2 = 0.25;
    out = pbjson_from_message(&site.base);
    assert_true(json_real_value(json_object_get(out, "area_m2")) == 0.25);
    json_decref(out);

    /* protobuf-c does not check UTF-8; the bad byte becomes U+FFFD. */
    unit.name = "ab\xff"
                "c\xe6\x9d\xad";
    out = pbjson_from_message(&unit.base);
    text = json_dumps(out, JSON_COMPACT);
    assert_string_equal(text, "{\"name\":\"ab\xef\xbf\xbd"
                              "c\xe6\x9d\xad\"}");
    free(text);
    json_decref(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(application_form_roundtrips_through_the_wire),
        cmocka_unit_test(wrong_types_name_the_field_path),
        cmocka_unit_test(unsigned_fields_refuse_negative_fractional_and_too_large),
        cmocka_unit_test(unknown_fields_are_refused),
        cmocka_unit_test(unknown_enum_values_list_the_valid_ones),
        cmocka_unit_test(enums_are_read_by_name_in_any_case_or_by_number),
        cmocka_unit_test(record_oneof_sets_its_case_and_emits_only_the_chosen_member),
        cmocka_unit_test(defaults_are_omitted_on_output),
        cmocka_unit_test(nulls_are_not_given),
        cmocka_unit_test(doubles_and_bad_utf8_still_give_valid_json),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
