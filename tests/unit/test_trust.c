/* The pure parts of the trust boundaries (docs/security.md, "Threats and
 * what stops them"): the job type -> command table (job_commands.h), actor
 * names as one person's (actor_name.h) and who may see personal data
 * (privacy.h). The attacks themselves are the end-to-end tests
 * tests/e2e/test_trust_*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "actor_name.h"
#include "job_commands.h"
#include "privacy.h"
#include "sb_arena.h"

/* A job of `type` about `entity` whose params are `params` (packed). */
static Skillbase__Job job_of(const char *type, const char *entity, const ProtobufCMessage *params,
                             uint8_t *buf)
{
    Skillbase__Job j = SKILLBASE__JOB__INIT;
    j.id = (char *)"job-00000007";
    j.type = (char *)type;
    j.entity_id = (char *)entity;
    if (params) {
        j.params.len = protobuf_c_message_pack(params, buf);
        j.params.data = buf;
    }
    return j;
}

static void each_job_type_allows_its_one_command_about_its_record(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    uint8_t buf[256];
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition tr = SKILLBASE__TRANSITION__INIT;
    tr.id = (char *)"app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
    req.close_publicity = &tr;

    /* notify carries no command */
    Skillbase__Job j = job_of("notify", "app-000001", NULL, buf);
    const char *why = sb_job_command_refusal(&a, &j, &req);
    assert_non_null(why);
    assert_non_null(strstr(why, "a notify job may finish with no command (close_publicity sent)"));

    /* publicity.close: its application at the recorded version only */
    Skillbase__PublicityCloseJob pc = SKILLBASE__PUBLICITY_CLOSE_JOB__INIT;
    pc.id = (char *)"app-000001";
    pc.version = 4;
    j = job_of("publicity.close", "app-000001", &pc.base, buf);
    req.expected_version = 4;
    assert_null(sb_job_command_refusal(&a, &j, &req));
    req.expected_version = 0; /* "any version" would let a stale window certify */
    assert_non_null(strstr(sb_job_command_refusal(&a, &j, &req), "expected_version must be 4"));
    req.expected_version = 4;
    tr.id = (char *)"app-000002";
    assert_non_null(strstr(sb_job_command_refusal(&a, &j, &req), "concerns app-000001 only"));

    /* publicity.schedule may not certify */
    j = job_of("publicity.schedule", "app-000001", NULL, buf);
    tr.id = (char *)"app-000001";
    assert_non_null(strstr(sb_job_command_refusal(&a, &j, &req),
                           "may finish only with schedule_publicity, not close_publicity"));

    /* subsidy.statement: its sub-base and year */
    Skillbase__SubsidyJob sj = SKILLBASE__SUBSIDY_JOB__INIT;
    sj.base_id = (char *)"base-000001";
    sj.year = 2026;
    j = job_of("subsidy.statement", "base-000001", &sj.base, buf);
    Skillbase__SubsidyStatement st = SKILLBASE__SUBSIDY_STATEMENT__INIT;
    Skillbase__RecordStatement rs = SKILLBASE__RECORD_STATEMENT__INIT;
    rs.statement = &st;
    st.base_id = (char *)"base-000001";
    st.year = 2026;
    req.command_case = SKILLBASE__REQUEST__COMMAND_RECORD_STATEMENT;
    req.record_statement = &rs;
    assert_null(sb_job_command_refusal(&a, &j, &req));
    st.year = 2025;
    assert_non_null(
        strstr(sb_job_command_refusal(&a, &j, &req), "but job job-00000007 is for 2026"));
    st.year = 2026;
    st.base_id = (char *)"base-000002";
    assert_non_null(sb_job_command_refusal(&a, &j, &req));

    /* activity.reminder: exactly the reminder the daemon queued (a worker
     * cannot turn a due-soon reminder into an overdue one, or move it) */
    Skillbase__ActivityReminderJob aj = SKILLBASE__ACTIVITY_REMINDER_JOB__INIT;
    aj.id = (char *)"base-000001";
    aj.year = 2026;
    aj.due_on = (char *)"2027-03-31";
    aj.days_before = 7;
    j = job_of("activity.reminder", "base-000001", &aj.base, buf);
    Skillbase__ActivityReminder ar = SKILLBASE__ACTIVITY_REMINDER__INIT;
    ar.id = (char *)"base-000001";
    ar.year = 2026;
    ar.due_on = (char *)"2027-03-31";
    ar.days_before = 7;
    req.command_case = SKILLBASE__REQUEST__COMMAND_ACTIVITY_REMINDER;
    req.activity_reminder = &ar;
    assert_null(sb_job_command_refusal(&a, &j, &req));
    ar.overdue = true;
    assert_non_null(strstr(sb_job_command_refusal(&a, &j, &req), "must be the job's"));
    ar.overdue = false;
    ar.due_on = (char *)"2026-12-06";
    assert_non_null(strstr(sb_job_command_refusal(&a, &j, &req), "must be the job's"));
    ar.due_on = (char *)"2027-03-31";
    ar.id = (char *)"base-000002";
    assert_non_null(sb_job_command_refusal(&a, &j, &req));
    sb_arena_destroy(&a);
}

static void one_person_however_the_name_is_spelt(void **state)
{
    (void)state;
    assert_true(sb_actor_same("alice", "alice"));
    assert_true(sb_actor_same("alice", "Alice"));
    assert_true(sb_actor_same("alice", "ALICE"));
    assert_true(sb_actor_same(
        "alice", "\xef\xbc\xa1\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85")); /* Ａｌｉｃｅ */
    assert_true(sb_actor_same("Stra\xc3\x9f"
                              "e",
                              "STRASSE")); /* ß folds to ss */
    assert_true(sb_actor_same("王建国", "王建国"));
    assert_false(sb_actor_same("alice", "bob"));
    assert_false(sb_actor_same("alice", "alice2"));
    assert_false(sb_actor_same("alice", ""));
    assert_false(sb_actor_same("a\xff", "A\xff")); /* not UTF-8: byte for byte */
    assert_true(sb_actor_same(NULL, ""));
}

static void personal_data_for_operators_and_the_notify_worker(void **state)
{
    (void)state;
    char *notify[] = {(char *)"notify"}, *deadlines[] = {(char *)"publicity.close"};
    sb_caller op = {.role = SB_ROLE_OPERATOR, .name = "alice"};
    sb_caller nw = {
        .role = SB_ROLE_WORKER, .name = "skillbase-notify", .types = notify, .n_types = 1};
    sb_caller dw = {
        .role = SB_ROLE_WORKER, .name = "skillbase-deadlines", .types = deadlines, .n_types = 1};
    sb_caller rev = {.role = SB_ROLE_REVIEWER, .name = "wang"};
    sb_caller svc = {.role = SB_ROLE_SERVICE, .name = "market-registry"};
    assert_true(sb_privacy_entitled(&op));
    assert_true(sb_privacy_entitled(&nw));
    assert_false(sb_privacy_entitled(&dw));
    assert_false(sb_privacy_entitled(&rev));
    assert_false(sb_privacy_entitled(&svc));

    sb_arena a;
    sb_arena_init(&a, 0);
    Skillbase__Contact c = SKILLBASE__CONTACT__INIT;
    c.name = (char *)"王建国";
    c.phone = (char *)"0571-88001234";
    c.email = (char *)"a@b.cn";
    Skillbase__ApplicationForm f = SKILLBASE__APPLICATION_FORM__INIT;
    f.contact = &c;
    Skillbase__Application app = SKILLBASE__APPLICATION__INIT;
    app.form = &f;
    Skillbase__Record rec = SKILLBASE__RECORD__INIT;
    rec.record_case = SKILLBASE__RECORD__RECORD_APPLICATION;
    rec.application = &app;
    Skillbase__Event ev = SKILLBASE__EVENT__INIT;
    ev.record = &rec;
    assert_int_equal(0, sb_privacy_redact_event(&a, &ev));
    const Skillbase__Contact *out = ev.record->application->form->contact;
    assert_string_equal(out->phone, "");
    assert_string_equal(out->email, "");
    assert_string_equal(out->name, "");
    assert_true(out->withheld);
    /* the caller's objects are untouched */
    assert_string_equal(c.phone, "0571-88001234");
    assert_false(c.withheld);
    sb_arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_job_type_allows_its_one_command_about_its_record),
        cmocka_unit_test(one_person_however_the_name_is_spelt),
        cmocka_unit_test(personal_data_for_operators_and_the_notify_worker),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
