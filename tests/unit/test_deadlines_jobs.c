/* deadlines_jobs: what skillbase-deadlines answers for each of its jobs,
 * on the shipped calendar. */
#include "sb_testkit.h"

#include <stdio.h>
#include <string.h>

#include "deadlines_jobs.h"
#include "sb_publicity.h"

typedef struct {
    sb_calendar *cal;
    sb_arena arena;
} fixture;

static int setup(void **state)
{
    static fixture f;
    void *cal;
    if (sb_tk_calendar_setup(&cal))
        return -1;
    f.cal = cal;
    sb_arena_init(&f.arena, 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_calendar_free(&f->cal);
    sb_arena_destroy(&f->arena);
    return 0;
}

/* A "publicity.schedule" job for an application in publicity. */
typedef struct {
    Skillbase__Job job;
    Skillbase__Event ev;
    Skillbase__Record rec;
    Skillbase__Application app;
} schedule_job;

static void make_schedule(schedule_job *s, const char *started, uint32_t used, uint32_t total)
{
    skillbase__job__init(&s->job);
    skillbase__event__init(&s->ev);
    skillbase__record__init(&s->rec);
    skillbase__application__init(&s->app);
    s->app.id = "app-000007";
    s->app.version = 3;
    s->app.state = SKILLBASE__STATE__IN_PUBLICITY;
    s->app.publicity_started_on = (char *)started;
    s->app.publicity_days_used = used;
    s->app.publicity_working_days = total;
    s->app.publicity_generation = 2;
    s->rec.record_case = SKILLBASE__RECORD__RECORD_APPLICATION;
    s->rec.application = &s->app;
    s->ev.topic = "application.in_publicity";
    s->ev.record = &s->rec;
    s->job.id = "job-00000001";
    s->job.type = "publicity.schedule";
    s->job.event = &s->ev;
}

static sb_job_outcome run(fixture *f, const Skillbase__Job *job, Skillbase__JobResult *result,
                          char *error, bool *uncovered)
{
    skillbase__job_result__init(result);
    error[0] = '\0';
    sb_arena_reset(&f->arena);
    return sb_deadlines_jobs_handle(f->cal, job, &f->arena, result, error, 512, uncovered);
}

static void schedule_across_national_day_answers_with_the_end_date(void **state)
{
    fixture *f = *state;
    schedule_job s;
    make_schedule(&s, "2025-09-26", 0, 5);
    Skillbase__JobResult result;
    char error[512];
    bool uncovered = false;
    assert_int_equal(run(f, &s.job, &result, error, &uncovered), SB_JOB_DONE);
    assert_false(uncovered);
    const Skillbase__Request *req = result.command;
    assert_non_null(req);
    assert_int_equal(req->protocol, 1);
    assert_int_equal(req->command_case, SKILLBASE__REQUEST__COMMAND_SCHEDULE_PUBLICITY);
    assert_int_equal(req->expected_version, 3);
    const Skillbase__SchedulePublicity *sp = req->schedule_publicity;
    assert_string_equal(sp->id, "app-000007");
    assert_int_equal(sp->generation, 2);
    assert_string_equal(sp->ends_on, "2025-10-10");
    sb_date end = {2025, 10, 10};
    assert_int_equal(sp->close_at_ms, sb_publicity_day_end_ms(end));
    assert_int_equal(sp->days_used, 0);
    assert_non_null(strstr(sp->explanation, "5 of 5 working days"));
    assert_non_null(strstr(sp->explanation, "2025-09-27 weekend"));
    assert_non_null(
        strstr(sp->explanation, "2025-09-28 调休 working Sunday (国庆节、中秋节) counted"));
    assert_non_null(strstr(sp->explanation, "2025-10-01..2025-10-08 国庆节、中秋节 holiday"));
    assert_non_null(strstr(result.summary, "ends on 2025-10-10"));
}

static void schedule_after_a_suspension_counts_only_the_rest(void **state)
{
    fixture *f = *state;
    schedule_job s;
    make_schedule(&s, "2025-10-09", 2, 5);
    Skillbase__JobResult result;
    char error[512];
    assert_int_equal(run(f, &s.job, &result, error, NULL), SB_JOB_DONE);
    assert_string_equal(result.command->schedule_publicity->ends_on, "2025-10-13");
    assert_int_equal(result.command->schedule_publicity->days_used, 2);
    assert_non_null(strstr(result.command->schedule_publicity->explanation, "3 of 5"));
}

static void schedule_past_the_calendar_warns(void **state)
{
    fixture *f = *state;
    schedule_job s;
    make_schedule(&s, "2026-12-29", 0, 5);
    Skillbase__JobResult result;
    char error[512];
    bool uncovered = false;
    assert_int_equal(run(f, &s.job, &result, error, &uncovered), SB_JOB_DONE);
    assert_true(uncovered);
    assert_string_equal(result.command->schedule_publicity->ends_on, "2027-01-05");
    assert_non_null(strstr(result.command->schedule_publicity->explanation,
                           "WARNING: past the holiday calendar"));
}

static void schedule_of_a_broken_job_fails_for_good(void **state)
{
    fixture *f = *state;
    schedule_job s;
    Skillbase__JobResult result;
    char error[512];
    make_schedule(&s, "2025-09-26", 0, 5);
    s.job.event = NULL;
    assert_int_equal(run(f, &s.job, &result, error, NULL), SB_JOB_FAIL);
    assert_non_null(strstr(error, "carries no application event"));
    make_schedule(&s, "26.9.2025", 0, 5);
    assert_int_equal(run(f, &s.job, &result, error, NULL), SB_JOB_FAIL);
    make_schedule(&s, "2025-09-26", 0, 0);
    assert_int_equal(run(f, &s.job, &result, error, NULL), SB_JOB_FAIL);
    /* an event of something no longer in publicity: done, nothing sent */
    make_schedule(&s, "2025-09-26", 0, 5);
    s.app.state = SKILLBASE__STATE__WITHDRAWN;
    assert_int_equal(run(f, &s.job, &result, error, NULL), SB_JOB_DONE);
    assert_null(result.command);
}

static void close_answers_with_close_publicity_at_the_recorded_version(void **state)
{
    fixture *f = *state;
    Skillbase__PublicityCloseJob p = SKILLBASE__PUBLICITY_CLOSE_JOB__INIT;
    p.id = "app-000007";
    p.version = 4;
    p.generation = 2;
    p.ends_on = "2025-10-10";
    uint8_t buf[128];
    Skillbase__Job job = SKILLBASE__JOB__INIT;
    job.id = "job-00000002";
    job.type = "publicity.close";
    job.params.data = buf;
    job.params.len = skillbase__publicity_close_job__pack(&p, buf);
    Skillbase__JobResult result;
    char error[512];
    assert_int_equal(run(f, &job, &result, error, NULL), SB_JOB_DONE);
    const Skillbase__Request *req = result.command;
    assert_int_equal(req->command_case, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY);
    assert_string_equal(req->close_publicity->id, "app-000007");
    assert_int_equal(req->expected_version, 4);
    assert_non_null(strstr(req->close_publicity->reason, "2025-10-10"));

    job.params.len = 0;
    assert_int_equal(run(f, &job, &result, error, NULL), SB_JOB_FAIL);
    job.params.data = (uint8_t *)"\xff\xff\xff";
    job.params.len = 3;
    assert_int_equal(run(f, &job, &result, error, NULL), SB_JOB_FAIL);
}

static void reminder_answers_with_assessment_reminder(void **state)
{
    fixture *f = *state;
    Skillbase__AssessmentReminderJob p = SKILLBASE__ASSESSMENT_REMINDER_JOB__INIT;
    p.id = "base-000003";
    p.due_on = "2027-10-11";
    p.days_before = 30;
    uint8_t buf[128];
    Skillbase__Job job = SKILLBASE__JOB__INIT;
    job.id = "job-00000003";
    job.type = "assessment.reminder";
    job.params.data = buf;
    job.params.len = skillbase__assessment_reminder_job__pack(&p, buf);
    Skillbase__JobResult result;
    char error[512];
    assert_int_equal(run(f, &job, &result, error, NULL), SB_JOB_DONE);
    const Skillbase__AssessmentReminder *r = result.command->assessment_reminder;
    assert_int_equal(result.command->command_case, SKILLBASE__REQUEST__COMMAND_ASSESSMENT_REMINDER);
    assert_string_equal(r->id, "base-000003");
    assert_string_equal(r->due_on, "2027-10-11");
    assert_int_equal(r->days_before, 30);
    assert_false(r->overdue);
}

static void unknown_type_fails_for_good(void **state)
{
    fixture *f = *state;
    Skillbase__Job job = SKILLBASE__JOB__INIT;
    job.id = "job-00000004";
    job.type = "notify";
    Skillbase__JobResult result;
    char error[512];
    assert_int_equal(run(f, &job, &result, error, NULL), SB_JOB_FAIL);
    assert_non_null(strstr(error, "not a deadlines job"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schedule_across_national_day_answers_with_the_end_date),
        cmocka_unit_test(schedule_after_a_suspension_counts_only_the_rest),
        cmocka_unit_test(schedule_past_the_calendar_warns),
        cmocka_unit_test(schedule_of_a_broken_job_fails_for_good),
        cmocka_unit_test(close_answers_with_close_publicity_at_the_recorded_version),
        cmocka_unit_test(reminder_answers_with_assessment_reminder),
        cmocka_unit_test(unknown_type_fails_for_good),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
