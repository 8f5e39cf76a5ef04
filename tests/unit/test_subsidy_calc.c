/* Subsidy statements: the rules file (strict loading, version in force by
 * date, rate by kind and level) and the computation (per person-time, per
 * hour, per person-hour, rounding down to a fen, the yearly cap, and the
 * exclusions of policy 六(二)). Pure: no daemon, no clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sb_subsidy.h"
#include "subsidy_calc.h"
#include "subsidy_rules.h"

#define OWN_CC "91330100MA0000015W"
#define CLIENT_CC "91330100MA0000023P"

/* Two versions: from 2024-01-20 (cap 300,000 yuan) and from 2026-01-01
 * (cap 500,000 yuan, training per person-hour). */
static const char RULES[] =
    "{\"versions\": ["
    " {\"version\": \"v2024\", \"effective_from\": \"2024-01-20\", \"yearly_cap_fen\": 30000000,"
    "  \"cap_example\": true, \"rates\": ["
    "  {\"kind\": \"training\", \"level\": \"高级工\", \"unit\": \"per_person_time\","
    "   \"rate_fen\": 20000, \"example\": true},"
    "  {\"kind\": \"training\", \"level\": \"技师\", \"unit\": \"per_person_time\","
    "   \"rate_fen\": 30000, \"example\": false},"
    "  {\"kind\": \"skill_assessment\", \"level\": \"*\", \"unit\": \"per_person_time\","
    "   \"rate_fen\": 5000, \"example\": true},"
    "  {\"kind\": \"competition\", \"level\": \"*\", \"unit\": \"per_hour\","
    "   \"rate_fen\": 50000, \"example\": true}]},"
    " {\"version\": \"v2026\", \"effective_from\": \"2026-01-01\", \"yearly_cap_fen\": 50000000,"
    "  \"cap_example\": false, \"rates\": ["
    "  {\"kind\": \"training\", \"level\": \"高级工\", \"unit\": \"per_person_hour\","
    "   \"rate_fen\": 2500, \"example\": false},"
    "  {\"kind\": \"competition\", \"level\": \"*\", \"unit\": \"per_hour\","
    "   \"rate_fen\": 333, \"example\": false}]}"
    "]}";

static sb_subsidy_rules *rules_from(const char *text, char *err, size_t len)
{
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    sb_subsidy_rules *r = NULL;
    int rc = sb_subsidy_rules_from_json(doc, "rules.json", &r, err, len);
    json_decref(doc);
    return rc == 0 ? r : NULL;
}

static sb_subsidy_rules *rules(void)
{
    char err[512] = "";
    sb_subsidy_rules *r = rules_from(RULES, err, sizeof err);
    if (!r)
        fail_msg("rules: %s", err);
    return r;
}

static Skillbase__Base base_certified(const char *on)
{
    Skillbase__Base b = SKILLBASE__BASE__INIT;
    b.id = (char *)"base-000001";
    b.name = (char *)"杭州市公共实训基地示例分基地";
    b.credit_code = (char *)OWN_CC;
    b.certified_on = (char *)on;
    return b;
}

static Skillbase__ServiceRecord rec(const char *id, const char *date, Skillbase__ServiceKind kind,
                                    const char *level, uint32_t trainees, uint32_t tenths)
{
    Skillbase__ServiceRecord r = SKILLBASE__SERVICE_RECORD__INIT;
    r.id = (char *)id;
    r.base_id = (char *)"base-000001";
    r.date = (char *)date;
    r.client_name = (char *)"某职业技术学院";
    r.client_credit_code = (char *)CLIENT_CC;
    r.kind = kind;
    r.occupation = (char *)"电工";
    r.level = (char *)level;
    r.trainees = trainees;
    r.hours_tenths = tenths;
    return r;
}

/* Compute for base b and year from the records; fails the test on error. */
static Skillbase__SubsidyStatement *compute(sb_arena *a, const sb_subsidy_rules *r,
                                            const Skillbase__Base *b, uint32_t year,
                                            Skillbase__ServiceRecord *recs, size_t n)
{
    Skillbase__ServiceRecord *ptrs[16];
    char err[256] = "";
    for (size_t i = 0; i < n; i++)
        ptrs[i] = &recs[i];
    Skillbase__SubsidyStatement *st = NULL;
    if (sb_subsidy_compute(r, b, year, ptrs, n, n, 1000, a, &st, err, sizeof err))
        fail_msg("compute: %s", err);
    return st;
}

/* ------------------------------------------------------------ arithmetic */

static void line_amounts_are_integer_fen_rounded_down(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(
        sb_subsidy_line_amount(SKILLBASE__RATE_UNIT__PER_PERSON_TIME, 20000, 20, 80, &v), 0);
    assert_int_equal(v, 400000); /* 200 yuan x 20 person-times; hours do not count */
    assert_int_equal(sb_subsidy_line_amount(SKILLBASE__RATE_UNIT__PER_HOUR, 50000, 20, 75, &v), 0);
    assert_int_equal(v, 375000); /* 500 yuan x 7.5 h; trainees do not count */
    assert_int_equal(sb_subsidy_line_amount(SKILLBASE__RATE_UNIT__PER_PERSON_HOUR, 2500, 3, 15, &v),
                     0);
    assert_int_equal(v, 11250); /* 25 yuan x 3 x 1.5 h */
    /* 3.33 yuan x 0.5 h = 1.665 yuan: the half fen is dropped */
    assert_int_equal(sb_subsidy_line_amount(SKILLBASE__RATE_UNIT__PER_HOUR, 333, 1, 5, &v), 0);
    assert_int_equal(v, 166);
    assert_int_equal(sb_subsidy_line_amount(SKILLBASE__RATE_UNIT__PER_HOUR, 333, 1, 9, &v), 0);
    assert_int_equal(v, 299); /* 299.7 -> 299 */
    /* the bounds keep the largest product inside 64 bits */
    assert_int_equal(sb_subsidy_line_amount(SKILLBASE__RATE_UNIT__PER_PERSON_HOUR,
                                            SB_SUBSIDY_RATE_FEN_MAX, SB_SUBSIDY_TRAINEES_MAX,
                                            SB_SUBSIDY_HOURS_TENTHS_MAX, &v),
                     0);
    assert_int_equal(v, 100000000000000000ull);
    assert_int_equal(sb_subsidy_line_amount(SKILLBASE__RATE_UNIT__PER_HOUR,
                                            SB_SUBSIDY_RATE_FEN_MAX + 1, 1, 1, &v),
                     -1);
    assert_int_equal(
        sb_subsidy_line_amount(SKILLBASE__RATE_UNIT__RATE_UNIT_UNSPECIFIED, 1, 1, 1, &v), -1);
    assert_false(sb_subsidy_add(UINT64_MAX, 1, &v));
}

static void yuan_text_has_two_decimals(void **state)
{
    (void)state;
    char buf[SB_YUAN_STRLEN];
    assert_string_equal(sb_subsidy_yuan(0, buf), "0.00");
    assert_string_equal(sb_subsidy_yuan(5, buf), "0.05");
    assert_string_equal(sb_subsidy_yuan(70, buf), "0.70");
    assert_string_equal(sb_subsidy_yuan(123456, buf), "1234.56");
    assert_string_equal(sb_subsidy_yuan(UINT64_MAX, buf), "184467440737095516.15");
    assert_string_equal(sb_subsidy_hours(75, buf), "7.5");
    assert_string_equal(sb_subsidy_hours(80, buf), "8.0");
}

/* ------------------------------------------------------------ rules */

static void version_in_force_follows_the_date(void **state)
{
    (void)state;
    sb_subsidy_rules *r = rules();
    assert_null(sb_subsidy_rules_at(r, (sb_date){2024, 1, 19}));
    assert_string_equal(sb_subsidy_rules_at(r, (sb_date){2024, 1, 20})->name, "v2024");
    assert_string_equal(sb_subsidy_rules_at(r, (sb_date){2025, 12, 31})->name, "v2024");
    assert_string_equal(sb_subsidy_rules_at(r, (sb_date){2026, 1, 1})->name, "v2026");
    assert_string_equal(sb_subsidy_rules_at(r, (sb_date){2099, 6, 1})->name, "v2026");
    sb_subsidy_rules_free(&r);
    assert_null(r);
}

static void rate_by_kind_and_level_with_wildcard(void **state)
{
    (void)state;
    sb_subsidy_rules *r = rules();
    const sb_subsidy_version *v = sb_subsidy_rules_at(r, (sb_date){2025, 6, 1});
    const sb_subsidy_rate *rt =
        sb_subsidy_version_rate(v, SKILLBASE__SERVICE_KIND__TRAINING, "技师");
    assert_non_null(rt);
    assert_int_equal(rt->rate_fen, 30000);
    assert_false(rt->example);
    /* training has no "*" rate: an unknown level has none */
    assert_null(sb_subsidy_version_rate(v, SKILLBASE__SERVICE_KIND__TRAINING, "初级工"));
    assert_null(sb_subsidy_version_rate(v, SKILLBASE__SERVICE_KIND__TRAINING, ""));
    /* assessment: every level takes the "*" rate */
    rt = sb_subsidy_version_rate(v, SKILLBASE__SERVICE_KIND__SKILL_ASSESSMENT, "高级技师");
    assert_non_null(rt);
    assert_int_equal(rt->rate_fen, 5000);
    assert_non_null(sb_subsidy_version_rate(v, SKILLBASE__SERVICE_KIND__SKILL_ASSESSMENT, ""));
    sb_subsidy_rules_free(&r);
}

/* Each broken file is refused with the path of what is wrong. */
static void bad_rules_files_are_refused_naming_the_path(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"[]", "must be a JSON object"},
        {"{\"versions\": []}", "versions: must be a non-empty array"},
        {"{\"versions\": [], \"rates\": 1}", "rates: unknown key"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-01-01\", "
         "\"yearly_cap_fen\": 100.5, \"cap_example\": true, \"rates\": []}]}",
         "versions[0].yearly_cap_fen: must be a whole number of fen"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-02-30\", "
         "\"yearly_cap_fen\": 100, \"cap_example\": true, \"rates\": []}]}",
         "versions[0].effective_from: \"2024-02-30\" is not a date"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-01-01\", "
         "\"yearly_cap_fen\": 100, \"rates\": []}]}",
         "versions[0].cap_example: missing"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-01-01\", "
         "\"yearly_cap_fen\": 100, \"cap_example\": true, \"rates\": [{\"kind\": \"training\", "
         "\"level\": \"*\", \"unit\": \"per_person_time\", \"rate_fen\": 100}]}]}",
         "versions[0].rates[0].example: missing"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-01-01\", "
         "\"yearly_cap_fen\": 100, \"cap_example\": true, \"rates\": [{\"kind\": \"training\", "
         "\"level\": \"*\", \"unit\": \"per_person_time\", \"rate_fen\": -5, \"example\": "
         "true}]}]}",
         "versions[0].rates[0].rate_fen: must be a whole number of fen"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-01-01\", "
         "\"yearly_cap_fen\": 100, \"cap_example\": true, \"rates\": [{\"kind\": \"teaching\", "
         "\"level\": \"*\", \"unit\": \"per_person_time\", \"rate_fen\": 5, \"example\": "
         "true}]}]}",
         "versions[0].rates[0].kind: \"teaching\" is not one of"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-01-01\", "
         "\"yearly_cap_fen\": 100, \"cap_example\": true, \"rates\": [{\"kind\": \"training\", "
         "\"level\": \"*\", \"unit\": \"per_day\", \"rate_fen\": 5, \"example\": true}]}]}",
         "versions[0].rates[0].unit: \"per_day\" is not one of"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-01-01\", "
         "\"yearly_cap_fen\": 100, \"cap_example\": true, \"rates\": [{\"kind\": \"training\", "
         "\"level\": \"*\", \"unit\": \"per_hour\", \"rate_fen\": 5, \"example\": true}, "
         "{\"kind\": \"training\", \"level\": \"*\", \"unit\": \"per_hour\", \"rate_fen\": 6, "
         "\"example\": true}]}]}",
         "versions[0].rates[1]: a second rate for the same kind and level"},
        {"{\"versions\": [{\"version\": \"a\", \"effective_from\": \"2024-01-01\", "
         "\"yearly_cap_fen\": 100, \"cap_example\": true, \"rates\": [{\"kind\": \"training\", "
         "\"level\": \"*\", \"unit\": \"per_hour\", \"rate_fen\": 5, \"example\": true}]}, "
         "{\"version\": \"b\", \"effective_from\": \"2024-01-01\", \"yearly_cap_fen\": 100, "
         "\"cap_example\": true, \"rates\": [{\"kind\": \"training\", \"level\": \"*\", "
         "\"unit\": \"per_hour\", \"rate_fen\": 5, \"example\": true}]}]}",
         "versions[1].effective_from: versions[0] takes effect on the same day"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[512] = "";
        sb_subsidy_rules *r = rules_from(cases[i].text, err, sizeof err);
        if (r)
            fail_msg("case %zu was accepted", i);
        if (!strstr(err, cases[i].expect) || strncmp(err, "rules.json: ", 12) != 0)
            fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].expect, err);
    }
}

/* The shipped example file loads, and every amount in it says EXAMPLE. */
static void shipped_example_rules_mark_every_amount_an_example(void **state)
{
    (void)state;
    char err[512] = "";
    sb_subsidy_rules *r = NULL;
    if (sb_subsidy_rules_load(SB_EXAMPLE_RULES, &r, err, sizeof err))
        fail_msg("%s", err);
    assert_true(r->n_versions >= 2);
    for (size_t i = 0; i < r->n_versions; i++) {
        assert_true(r->versions[i].cap_example);
        for (size_t j = 0; j < r->versions[i].n_rates; j++)
            assert_true(r->versions[i].rates[j].example);
    }
    assert_true(sb_subsidy_rules_have_examples(r));
    sb_subsidy_rules_free(&r);
    /* and the raw file says it in every rate's note too */
    json_t *doc = json_load_file(SB_EXAMPLE_RULES, 0, NULL);
    assert_non_null(doc);
    size_t i, j;
    json_t *v, *rate;
    json_array_foreach(json_object_get(doc, "versions"), i, v)
    {
        json_array_foreach(json_object_get(v, "rates"), j, rate)
        {
            const char *note = json_string_value(json_object_get(rate, "note"));
            assert_non_null(note);
            assert_non_null(strstr(note, "EXAMPLE"));
        }
    }
    json_decref(doc);
}

/* ------------------------------------------------------------ statements */

static void statement_lines_by_kind_level_and_unit(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    sb_subsidy_rules *r = rules();
    Skillbase__Base b = base_certified("2025-03-01");
    Skillbase__ServiceRecord recs[] = {
        /* given out of order: the statement is in (date, id) order */
        rec("svc-000003", "2025-06-01", SKILLBASE__SERVICE_KIND__COMPETITION, "", 40, 75),
        rec("svc-000001", "2025-04-01", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 20, 80),
        rec("svc-000002", "2025-04-01", SKILLBASE__SERVICE_KIND__SKILL_ASSESSMENT, "技师", 12, 30),
        rec("svc-000004", "2025-07-01", SKILLBASE__SERVICE_KIND__TRAINING, "技师", 2, 10),
    };
    Skillbase__SubsidyStatement *st = compute(&a, r, &b, 2025, recs, 4);
    assert_string_equal(st->base_id, "base-000001");
    assert_int_equal(st->year, 2025);
    assert_int_equal(st->n_lines, 4);
    assert_int_equal(st->n_exclusions, 0);
    assert_string_equal(st->lines[0]->service_id, "svc-000001");
    assert_int_equal(st->lines[0]->amount_fen, 400000); /* 20 x 200.00 */
    assert_int_equal(st->lines[0]->unit, SKILLBASE__RATE_UNIT__PER_PERSON_TIME);
    assert_string_equal(st->lines[1]->service_id, "svc-000002");
    assert_int_equal(st->lines[1]->amount_fen, 60000); /* 12 x 50.00, "*" level */
    assert_string_equal(st->lines[2]->service_id, "svc-000003");
    assert_int_equal(st->lines[2]->amount_fen, 375000); /* 7.5 h x 500.00 */
    assert_int_equal(st->lines[2]->unit, SKILLBASE__RATE_UNIT__PER_HOUR);
    assert_int_equal(st->lines[3]->amount_fen, 60000); /* 2 x 300.00 */
    assert_false(st->lines[3]->example_rate);
    assert_true(st->lines[0]->example_rate);
    assert_int_equal(st->gross_fen, 895000);
    assert_int_equal(st->cap_fen, 30000000);
    assert_false(st->capped);
    assert_int_equal(st->total_fen, 895000);
    assert_true(st->example_rates);
    assert_int_equal(st->n_rule_versions, 1);
    assert_string_equal(st->rule_versions[0], "v2024");
    assert_string_equal(st->cap_rule_version, "v2024");
    assert_int_equal(st->input_version, 4);
    assert_int_equal(st->computed_ms, 1000);
    sb_subsidy_rules_free(&r);
    sb_arena_destroy(&a);
}

static void yearly_cap_limits_the_total(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    sb_subsidy_rules *r = rules();
    Skillbase__Base b = base_certified("2025-01-02");
    /* 2 x 1000 x 200.00 = 400,000.00 yuan > the cap of 300,000.00 */
    Skillbase__ServiceRecord recs[] = {
        rec("svc-000001", "2025-02-01", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 1000, 10),
        rec("svc-000002", "2025-03-01", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 1000, 10),
    };
    Skillbase__SubsidyStatement *st = compute(&a, r, &b, 2025, recs, 2);
    assert_int_equal(st->gross_fen, 40000000);
    assert_int_equal(st->cap_fen, 30000000);
    assert_true(st->capped);
    assert_int_equal(st->total_fen, 30000000);
    /* exactly at the cap is not capped */
    recs[1].trainees = 500;
    st = compute(&a, r, &b, 2025, recs, 2);
    assert_int_equal(st->gross_fen, 30000000);
    assert_false(st->capped);
    assert_int_equal(st->total_fen, 30000000);
    sb_subsidy_rules_free(&r);
    sb_arena_destroy(&a);
}

/* 六(二): services to the sub-base's own institution, and services on days
 * it was not certified, earn nothing, each with its reason. */
static void own_institution_and_uncertified_days_are_excluded(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    sb_subsidy_rules *r = rules();
    Skillbase__Base b = base_certified("2025-03-01");
    b.revoked_on = (char *)"2025-10-15";
    Skillbase__ServiceRecord recs[] = {
        rec("svc-000001", "2025-02-28", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 10),
        rec("svc-000002", "2025-03-01", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 10),
        rec("svc-000003", "2025-05-01", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 10),
        rec("svc-000004", "2025-10-14", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 10),
        rec("svc-000005", "2025-10-15", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 10),
        rec("svc-000006", "2025-06-01", SKILLBASE__SERVICE_KIND__TRAINING, "初级工", 10, 10),
    };
    recs[2].client_credit_code = (char *)OWN_CC;
    recs[2].client_name = (char *)"本单位";
    Skillbase__SubsidyStatement *st = compute(&a, r, &b, 2025, recs, 6);
    assert_int_equal(st->n_lines, 2);
    assert_string_equal(st->lines[0]->service_id, "svc-000002"); /* the certification day counts */
    assert_string_equal(st->lines[1]->service_id, "svc-000004"); /* the day before revocation */
    assert_int_equal(st->total_fen, 400000);
    assert_int_equal(st->n_exclusions, 4);
    assert_string_equal(st->exclusions[0]->service_id, "svc-000001");
    assert_int_equal(st->exclusions[0]->reason, SKILLBASE__EXCLUSION_REASON__NOT_CERTIFIED);
    assert_non_null(strstr(st->exclusions[0]->detail, "before the sub-base was certified on "
                                                      "2025-03-01"));
    assert_string_equal(st->exclusions[1]->service_id, "svc-000003");
    assert_int_equal(st->exclusions[1]->reason, SKILLBASE__EXCLUSION_REASON__OWN_INSTITUTION);
    assert_non_null(strstr(st->exclusions[1]->detail, OWN_CC));
    assert_non_null(strstr(st->exclusions[1]->detail, "六(二)"));
    assert_string_equal(st->exclusions[2]->service_id, "svc-000006");
    assert_int_equal(st->exclusions[2]->reason, SKILLBASE__EXCLUSION_REASON__NO_RATE);
    assert_non_null(strstr(st->exclusions[2]->detail, "初级工"));
    assert_string_equal(st->exclusions[3]->service_id, "svc-000005");
    assert_int_equal(st->exclusions[3]->reason, SKILLBASE__EXCLUSION_REASON__NOT_CERTIFIED);
    assert_non_null(strstr(st->exclusions[3]->detail, "revoked on 2025-10-15"));
    /* own institution is named first even on an uncertified day */
    recs[0].client_credit_code = (char *)OWN_CC;
    st = compute(&a, r, &b, 2025, recs, 6);
    assert_int_equal(st->exclusions[0]->reason, SKILLBASE__EXCLUSION_REASON__OWN_INSTITUTION);
    sb_subsidy_rules_free(&r);
    sb_arena_destroy(&a);
}

/* A voluntary exit ends the certification as a revocation does: services
 * from the day of the exit earn nothing, and the detail says it exited. */
static void services_after_an_exit_are_excluded(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    sb_subsidy_rules *r = rules();
    Skillbase__Base b = base_certified("2025-03-01");
    b.state = SKILLBASE__STATE__EXITED;
    b.exited_on = (char *)"2025-10-15";
    Skillbase__ServiceRecord recs[] = {
        rec("svc-000001", "2025-10-14", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 10),
        rec("svc-000002", "2025-10-15", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 10),
    };
    Skillbase__SubsidyStatement *st = compute(&a, r, &b, 2025, recs, 2);
    assert_int_equal(st->n_lines, 1);
    assert_string_equal(st->lines[0]->service_id, "svc-000001");
    assert_int_equal(st->n_exclusions, 1);
    assert_string_equal(st->exclusions[0]->service_id, "svc-000002");
    assert_int_equal(st->exclusions[0]->reason, SKILLBASE__EXCLUSION_REASON__NOT_CERTIFIED);
    assert_non_null(strstr(st->exclusions[0]->detail, "exited on 2025-10-15"));
    sb_subsidy_rules_free(&r);
    sb_arena_destroy(&a);
}

/* Each service is paid at the version in force on its date; the cap is
 * the version in force on 31 December. */
static void rule_version_is_chosen_by_service_date(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    char err[512];
    /* a version that starts mid-year */
    sb_subsidy_rules *r = rules_from(
        "{\"versions\": ["
        " {\"version\": \"old\", \"effective_from\": \"2024-01-01\", \"yearly_cap_fen\": 100000,"
        "  \"cap_example\": false, \"rates\": [{\"kind\": \"training\", \"level\": \"*\","
        "  \"unit\": \"per_person_time\", \"rate_fen\": 1000, \"example\": false}]},"
        " {\"version\": \"new\", \"effective_from\": \"2025-07-01\", \"yearly_cap_fen\": 900000,"
        "  \"cap_example\": false, \"rates\": [{\"kind\": \"training\", \"level\": \"*\","
        "  \"unit\": \"per_person_hour\", \"rate_fen\": 150, \"example\": false}]}]}",
        err, sizeof err);
    if (!r)
        fail_msg("%s", err);
    Skillbase__Base b = base_certified("2024-05-01");
    Skillbase__ServiceRecord recs[] = {
        rec("svc-000001", "2025-06-30", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 40),
        rec("svc-000002", "2025-07-01", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 40),
    };
    Skillbase__SubsidyStatement *st = compute(&a, r, &b, 2025, recs, 2);
    assert_int_equal(st->n_lines, 2);
    assert_string_equal(st->lines[0]->rule_version, "old");
    assert_int_equal(st->lines[0]->amount_fen, 10000); /* 10 x 10.00 */
    assert_string_equal(st->lines[1]->rule_version, "new");
    assert_int_equal(st->lines[1]->amount_fen, 6000); /* 10 x 4 h x 1.50 */
    assert_int_equal(st->n_rule_versions, 2);
    assert_string_equal(st->rule_versions[0], "old");
    assert_string_equal(st->rule_versions[1], "new");
    assert_string_equal(st->cap_rule_version, "new");
    assert_int_equal(st->cap_fen, 900000);
    assert_false(st->example_rates);
    sb_subsidy_rules_free(&r);

    /* a service before the first version: no rules, and no cap for a year
     * no version reaches */
    r = rules();
    Skillbase__Base early = base_certified("2023-01-01");
    Skillbase__ServiceRecord old[] = {
        rec("svc-000009", "2023-06-01", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 10, 10),
    };
    st = compute(&a, r, &early, 2023, old, 1);
    assert_int_equal(st->n_lines, 0);
    assert_int_equal(st->n_exclusions, 1);
    assert_int_equal(st->exclusions[0]->reason, SKILLBASE__EXCLUSION_REASON__NO_RULES);
    assert_non_null(strstr(st->exclusions[0]->detail, "2024-01-20"));
    assert_int_equal(st->cap_fen, 0);
    assert_string_equal(st->cap_rule_version, "");
    assert_int_equal(st->total_fen, 0);
    assert_false(st->capped);
    /* in 2026 the 2026 version's per-person-hour rate applies */
    Skillbase__ServiceRecord y26[] = {
        rec("svc-000010", "2026-02-01", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 3, 15),
    };
    st = compute(&a, r, &early, 2026, y26, 1);
    assert_int_equal(st->lines[0]->amount_fen, 11250);
    assert_string_equal(st->cap_rule_version, "v2026");
    assert_int_equal(st->cap_fen, 50000000);
    assert_false(st->example_rates); /* neither that rate nor that cap is an example */
    sb_subsidy_rules_free(&r);
    sb_arena_destroy(&a);
}

static void records_of_another_base_or_year_are_an_error(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    sb_subsidy_rules *r = rules();
    Skillbase__Base b = base_certified("2025-01-01");
    Skillbase__ServiceRecord x =
        rec("svc-000001", "2024-12-31", SKILLBASE__SERVICE_KIND__TRAINING, "高级工", 1, 1);
    Skillbase__ServiceRecord *p = &x;
    Skillbase__SubsidyStatement *st = NULL;
    char err[256];
    assert_int_equal(sb_subsidy_compute(r, &b, 2025, &p, 1, 1, 0, &a, &st, err, sizeof err), -1);
    assert_non_null(strstr(err, "svc-000001"));
    x.date = (char *)"2025-01-01";
    x.base_id = (char *)"base-000002";
    assert_int_equal(sb_subsidy_compute(r, &b, 2025, &p, 1, 1, 0, &a, &st, err, sizeof err), -1);
    b.certified_on = (char *)"";
    assert_int_equal(sb_subsidy_compute(r, &b, 2025, NULL, 0, 0, 0, &a, &st, err, sizeof err), -1);
    assert_non_null(strstr(err, "certification date"));
    sb_subsidy_rules_free(&r);
    sb_arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(line_amounts_are_integer_fen_rounded_down),
        cmocka_unit_test(yuan_text_has_two_decimals),
        cmocka_unit_test(version_in_force_follows_the_date),
        cmocka_unit_test(rate_by_kind_and_level_with_wildcard),
        cmocka_unit_test(bad_rules_files_are_refused_naming_the_path),
        cmocka_unit_test(shipped_example_rules_mark_every_amount_an_example),
        cmocka_unit_test(statement_lines_by_kind_level_and_unit),
        cmocka_unit_test(yearly_cap_limits_the_total),
        cmocka_unit_test(own_institution_and_uncertified_days_are_excluded),
        cmocka_unit_test(services_after_an_exit_are_excluded),
        cmocka_unit_test(rule_version_is_chosen_by_service_date),
        cmocka_unit_test(records_of_another_base_or_year_are_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
