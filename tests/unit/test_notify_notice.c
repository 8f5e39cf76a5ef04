/* From an event to a notice: the rendering context (event, record, labels,
 * derived dates), the template chosen, the recipients (applicant contact,
 * operators, duplicates and unsafe addresses dropped), and every shipped
 * template rendering completely from a full record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "notify_notice.h"
#include "notify_render.h"
#include "pbjson.h"

/* 2026-03-02 10:00 in Hangzhou */
#define T0 "1772416800000"

#define FORM                                                                                       \
    "\"form\": {\"unit\": {\"name\": \"杭州精工机械有限公司\", \"credit_code\": "        \
    "\"91330100MA0000015W\", \"type\": \"enterprise\", \"district\": \"西湖区\"},"              \
    " \"contact\": {\"name\": \"王建国\", \"email\": \"training@jinggong.example.com\"},"       \
    " \"base_name\": \"精工机械\"}"

#define APP(extra)                                                                                 \
    "{\"application\": {\"id\": \"app-000001\", \"version\": 3, \"state\": "                       \
    "\"in_publicity\", " FORM ", \"publicity_started_on\": \"2026-03-02\"" extra "}}"

#define BASE(extra)                                                                                        \
    "{\"sub_base\": {\"id\": \"base-000001\", \"version\": 2, \"state\": \"assessed\","                    \
    " \"application_id\": \"app-000001\", \"name\": \"杭州市公共实训基地精工机械分基地\"," \
    " \"plaque\": \"杭州市高技能人才公共实训基地\", \"certificate_no\": \"HZPTB-2026-001\"," \
    " \"certified_on\": \"2026-03-02\", \"next_assessment_due\": \"2026-04-01\","                          \
    " \"unit_name\": \"杭州精工机械有限公司\", \"credit_code\": \"91330100MA0000015W\","         \
    " \"district\": \"西湖区\", \"contact\": {\"name\": \"王建国\","                                 \
    " \"email\": \"training@jinggong.example.com\"}, \"total\": 85, \"grade\": \"good\","                  \
    " \"assessments\": [{\"base_total\": 77, \"bonus_total\": 8, \"total\": 85, \"grade\": "               \
    "\"good\"}]" extra "}}"

static sb_templates *templates;

static int load_templates(void **state)
{
    (void)state;
    char err[512];
    if (sb_templates_load(SB_NOTICES_DIR, &templates, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int free_templates(void **state)
{
    (void)state;
    sb_templates_free(&templates);
    return 0;
}

static Skillbase__Event *event(const char *topic, const char *action, const char *to_state,
                               const char *kind, const char *record, const char *reason)
{
    char text[8192], err[256];
    snprintf(text, sizeof text,
             "{\"seq\": 42, \"time_ms\": " T0 ", \"entity_id\": \"%s\", \"entity_kind\": \"%s\","
             " \"topic\": \"%s\", \"action\": \"%s\", \"to_state\": \"%s\", \"actor\": \"alice\","
             " \"reason\": \"%s\", \"record\": %s}",
             strcmp(kind, "base") == 0 ? "base-000001" : "app-000001", kind, topic, action,
             to_state, reason, record);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    if (!j)
        fail_msg("bad test JSON: %s: %s", je.text, text);
    Skillbase__Event *ev =
        (Skillbase__Event *)pbjson_to_message(&skillbase__event__descriptor, j, err, sizeof err);
    json_decref(j);
    if (!ev)
        fail_msg("not an event: %s", err);
    return ev;
}

static void free_event(Skillbase__Event *ev)
{
    protobuf_c_message_free_unpacked(&ev->base, NULL);
}

static char *OPERATORS[] = {"ops@hrss.hangzhou.example.cn", "TRAINING@jinggong.example.com"};

static sb_notice_settings settings(void)
{
    return (sb_notice_settings){templates, OPERATORS, 2, true};
}

static sb_notice *build(const sb_notice_settings *s, Skillbase__Event *ev)
{
    sb_notice *n = NULL;
    char err[256] = "";
    int rc = sb_notice_build(s, ev, &n, err, sizeof err);
    if (rc != 1)
        fail_msg("expected a notice for %s, got %d (%s)", ev->topic, rc, err);
    return n;
}

static void contains(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("expected \"%s\" in:\n%s", want, text);
}

static void test_context_holds_event_record_labels_and_dates(void **state)
{
    (void)state;
    Skillbase__Event *ev = event("base.assessed", "assess", "assessed", "base", BASE(""), "ok");
    json_t *ctx = sb_notice_context(ev);
    assert_non_null(ctx);
    assert_string_equal("2026-03-02", json_string_value(sb_render_lookup(ctx, "event.date")));
    assert_int_equal(42, json_integer_value(sb_render_lookup(ctx, "event.seq")));
    assert_null(sb_render_lookup(ctx, "event.record"));
    assert_string_equal("HZPTB-2026-001",
                        json_string_value(sb_render_lookup(ctx, "base.certificate_no")));
    assert_string_equal("HZPTB-2026-001",
                        json_string_value(sb_render_lookup(ctx, "record.certificate_no")));
    assert_null(sb_render_lookup(ctx, "application"));
    assert_string_equal("良好", json_string_value(sb_render_lookup(ctx, "label.grade_zh")));
    assert_string_equal("good", json_string_value(sb_render_lookup(ctx, "label.grade_en")));
    assert_string_equal("已考核", json_string_value(sb_render_lookup(ctx, "label.state_zh")));
    assert_int_equal(30, json_integer_value(sb_render_lookup(ctx, "info.days_to_due")));
    assert_int_equal(0, json_integer_value(sb_render_lookup(ctx, "info.days_overdue")));
    assert_string_equal("王建国", json_string_value(sb_render_lookup(ctx, "info.contact_name")));
    assert_string_equal("杭州精工机械有限公司",
                        json_string_value(sb_render_lookup(ctx, "info.unit_name")));
    json_decref(ctx);
    free_event(ev);
}

static void test_overdue_days_are_counted_after_the_due_date(void **state)
{
    (void)state;
    Skillbase__Event *ev =
        event("base.assessment_overdue", "assessment_reminder", "certified", "base", BASE(""), "");
    free(ev->record->sub_base->next_assessment_due);
    ev->record->sub_base->next_assessment_due = strdup("2026-02-20");
    json_t *ctx = sb_notice_context(ev);
    assert_int_equal(-10, json_integer_value(sb_render_lookup(ctx, "info.days_to_due")));
    assert_int_equal(10, json_integer_value(sb_render_lookup(ctx, "info.days_overdue")));
    json_decref(ctx);
    sb_notice_settings s = settings();
    sb_notice *n = build(&s, ev);
    assert_string_equal("assessment_overdue", n->template_name);
    contains(n->body, "现已逾期 10 天");
    contains(n->body, "10 days overdue");
    sb_notice_free(&n);
    free_event(ev);
}

static void test_certified_notice_names_unit_official_name_and_plaque(void **state)
{
    (void)state;
    Skillbase__Event *ev = event("base.certified", "certify", "certified", "base", BASE(""),
                                 "publicity over, no objection");
    sb_notice_settings s = settings();
    sb_notice *n = build(&s, ev);
    assert_string_equal("certified", n->template_name);
    assert_string_equal("base.certified", n->topic);
    assert_string_equal("base-000001", n->entity_id);
    assert_int_equal(42, n->seq);
    contains(n->subject, "认定通知");
    contains(n->subject, "杭州市公共实训基地精工机械分基地");
    contains(n->body, "杭州精工机械有限公司");
    contains(n->body, "杭州市公共实训基地精工机械分基地");
    contains(n->body, "“杭州市高技能人才公共实训基地”铭牌");
    contains(n->body, "HZPTB-2026-001");
    contains(n->body, "2026-04-01");
    contains(n->body, "王建国");
    assert_int_equal(0, n->missing);
    /* applicant first; the operator spelled in capitals is the same mailbox */
    assert_int_equal(2, n->to_count);
    assert_string_equal("training@jinggong.example.com", n->to[0]);
    assert_string_equal("ops@hrss.hangzhou.example.cn", n->to[1]);
    assert_string_equal("", n->note);
    sb_notice_free(&n);
    assert_null(n);
    free_event(ev);
}

/* 六(五): the notice says whose sub-base it is, city or district */
static void test_notices_carry_the_level(void **state)
{
    (void)state;
    sb_notice_settings s = settings();
    Skillbase__Event *ev = event("base.certified", "certify", "certified", "base",
                                 BASE(", \"base_level\": \"district\""), "publicity over");
    sb_notice *n = build(&s, ev);
    contains(n->body, "级别：区、县（市）级（西湖区）");
    contains(n->body, "Level: district-level (西湖区)");
    assert_int_equal(0, n->missing);
    sb_notice_free(&n);
    free_event(ev);
    ev = event("base.certified", "certify", "certified", "base", BASE(""), "publicity over");
    n = build(&s, ev);
    contains(n->body, "级别：市级");
    contains(n->body, "Level: city-level");
    sb_notice_free(&n);
    free_event(ev);
}

static void test_events_without_a_template_give_no_notice(void **state)
{
    (void)state;
    sb_notice_settings s = settings();
    const char *topics[][2] = {{"application.certified", "close_publicity"},
                               {"application.withdrawn", "withdraw"},
                               {"base.competition_hosted", "competition_hosted"},
                               {"application.in_publicity", "dismiss_objection"}};
    for (size_t i = 0; i < 4; i++) {
        Skillbase__Event *ev =
            event(topics[i][0], topics[i][1], "certified", "application", APP(""), "");
        sb_notice *n = NULL;
        char err[128];
        assert_int_equal(0, sb_notice_build(&s, ev, &n, err, sizeof err));
        assert_null(n);
        free_event(ev);
    }
}

static void test_the_action_picks_review_or_objection(void **state)
{
    (void)state;
    sb_notice_settings s = settings();
    Skillbase__Event *ev =
        event("application.under_review", "review", "under_review", "application", APP(""), "");
    sb_notice *n = build(&s, ev);
    assert_string_equal("review_started", n->template_name);
    sb_notice_free(&n);
    free_event(ev);
    ev = event("application.under_review", "file_objection", "under_review", "application",
               APP(", \"objection_open\": true"), "场地系租赁");
    n = build(&s, ev);
    assert_string_equal("objection_filed", n->template_name);
    contains(n->body, "异议内容：场地系租赁");
    sb_notice_free(&n);
    free_event(ev);
}

static void test_publicity_notice_carries_the_end_date(void **state)
{
    (void)state;
    sb_notice_settings s = settings();
    Skillbase__Event *ev =
        event("application.publicity_scheduled", "schedule_publicity", "in_publicity",
              "application", APP(", \"publicity_ends_on\": \"2026-03-09\""), "");
    sb_notice *n = build(&s, ev);
    assert_string_equal("publicity_scheduled", n->template_name);
    contains(n->subject, "至 2026-03-09");
    contains(n->body, "自 2026-03-02");
    contains(n->body, "至 2026-03-09 止");
    assert_int_equal(0, n->missing);
    sb_notice_free(&n);
    free_event(ev);
}

static void test_revoked_notice_gives_the_cause_in_words(void **state)
{
    (void)state;
    sb_notice_settings s = settings();
    Skillbase__Event *ev =
        event("base.revoked", "revoke", "revoked", "base",
              BASE(", \"revoked_cause\": \"major_safety_accident\", \"revoked_on\": \"2026-03-02\","
                   " \"plaque_withdrawn\": true"),
              "2026-02-27 实训车间火灾");
    sb_notice *n = build(&s, ev);
    contains(n->body, "撤销原因：发生重大安全事故");
    contains(n->body, "Cause: a major safety accident");
    contains(n->body, "2026-02-27 实训车间火灾");
    sb_notice_free(&n);
    free_event(ev);
}

static void test_unsafe_or_absent_applicant_address_is_left_out(void **state)
{
    (void)state;
    sb_notice_settings s = settings();
    Skillbase__Event *ev = event("base.certified", "certify", "certified", "base", BASE(""), "");
    free(ev->record->sub_base->contact->email);
    ev->record->sub_base->contact->email = strdup("x@y.cn\r\nBcc: all@evil.example");
    sb_notice *n = build(&s, ev);
    assert_int_equal(2, n->to_count); /* both operators remain */
    assert_string_equal("ops@hrss.hangzhou.example.cn", n->to[0]);
    contains(n->note, "malformed");
    sb_notice_free(&n);

    free(ev->record->sub_base->contact->email);
    ev->record->sub_base->contact->email = strdup("");
    n = build(&s, ev);
    assert_int_equal(2, n->to_count);
    contains(n->note, "no contact e-mail");
    sb_notice_free(&n);

    s.notify_applicant = false;
    s.operator_count = 0;
    n = build(&s, ev);
    assert_int_equal(0, n->to_count);
    sb_notice_free(&n);
    free_event(ev);
}

static void test_address_check(void **state)
{
    (void)state;
    assert_true(sb_notice_address_ok("a@b.cn"));
    assert_true(sb_notice_address_ok("first.last+tag@sub.example.com"));
    assert_false(sb_notice_address_ok(NULL));
    assert_false(sb_notice_address_ok(""));
    assert_false(sb_notice_address_ok("no-at-sign"));
    assert_false(sb_notice_address_ok("@b.cn"));
    assert_false(sb_notice_address_ok("a@"));
    assert_false(sb_notice_address_ok("a@b@c"));
    assert_false(sb_notice_address_ok("a b@c.cn"));
    assert_false(sb_notice_address_ok("<a@b.cn>"));
    assert_false(sb_notice_address_ok("a@b.cn\r\nBcc: x@y"));
    assert_false(sb_notice_address_ok("a@b.cn,c@d.cn"));
    assert_false(sb_notice_address_ok("王@b.cn"));
    assert_false(sb_notice_address_ok("a@.cn"));
}

/* A full record of each kind: every shipped template renders with no
 * placeholder left without a value (catches typos in the data files). */
static void test_every_shipped_template_renders_completely(void **state)
{
    (void)state;
    sb_notice_settings s = settings();
    const char *full_app = APP(", \"publicity_ends_on\": \"2026-03-09\", \"objections\": 1");
    const char *full_base = BASE(", \"revoked_cause\": \"assessment_failed\","
                                 " \"revoked_on\": \"2026-03-02\"");
    for (size_t i = 0; i < sb_templates_count(templates); i++) {
        const sb_notice_template *t = sb_templates_get(templates, i);
        bool is_base = strncmp(t->topic, "base.", 5) == 0;
        Skillbase__Event *ev =
            event(t->topic, t->action_count ? t->actions[0] : "x", "certified",
                  is_base ? "base" : "application", is_base ? full_base : full_app,
                  "subsidy statement 2026: 1200.00 yuan, 3 service(s) counted, 1 excluded");
        sb_notice *n = build(&s, ev);
        assert_string_equal(t->name, n->template_name);
        if (n->missing)
            fail_msg("template %s: %s", t->name, n->first_missing);
        assert_non_null(strchr(n->body, '\n'));
        assert_null(strchr(n->subject, '\n'));
        contains(n->body, is_base ? "杭州市公共实训基地精工机械分基地" : "app-000001");
        sb_notice_free(&n);
        free_event(ev);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context_holds_event_record_labels_and_dates),
        cmocka_unit_test(test_overdue_days_are_counted_after_the_due_date),
        cmocka_unit_test(test_certified_notice_names_unit_official_name_and_plaque),
        cmocka_unit_test(test_notices_carry_the_level),
        cmocka_unit_test(test_events_without_a_template_give_no_notice),
        cmocka_unit_test(test_the_action_picks_review_or_objection),
        cmocka_unit_test(test_publicity_notice_carries_the_end_date),
        cmocka_unit_test(test_revoked_notice_gives_the_cause_in_words),
        cmocka_unit_test(test_unsafe_or_absent_applicant_address_is_left_out),
        cmocka_unit_test(test_address_check),
        cmocka_unit_test(test_every_shipped_template_renders_completely),
    };
    return cmocka_run_group_tests(tests, load_templates, free_templates);
}
