/* The daemon's side of the deadlines, without sockets: requests through
 * sb_dispatch into a real LMDB store with a clock the test moves. The
 * publicity clock kept on the application (start, objection, dismissal),
 * the schedule_publicity and assessment_reminder commands, and the jobs
 * they leave in the outbox. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_clock.h"
#include "sb_error.h"
#include "sb_publicity.h"
#include "store_jobs.h"

/* Set the clock to a Hangzhou time "YYYY-MM-DDTHH:MM". */
static void at(sb_tk_daemon *d, const char *when)
{
    assert_int_equal(sb_clock_parse(when, &d->now_ms), 0);
}

static int setup(void **state)
{
    uint64_t start;
    assert_int_equal(sb_clock_parse("2025-09-26T10:00", &start), 0);
    *state = sb_tk_daemon_new(NULL, start);
    return 0;
}

static Skillbase__Reply *move(sb_tk_daemon *d, Skillbase__Request__CommandCase c, const char *id,
                              uint64_t expect)
{
    return sb_tk_transition(d, c, id, "because", expect);
}

static void move_ok(sb_tk_daemon *d, Skillbase__Request__CommandCase c, const char *id)
{
    sb_tk_assert_ok_free(move(d, c, id, 0));
}

/* An application in publicity since the clock's day: app-000001. */
static void in_publicity(sb_tk_daemon *d)
{
    char id[SB_TK_ID_MAX];
    sb_tk_application_to(d, SB_TK_CREDIT_CODE, SKILLBASE__STATE__IN_PUBLICITY, id);
    assert_string_equal(id, "app-000001");
}

/* Queued jobs of a type, oldest first (free with sb_store_jobs_free). */
static Skillbase__Job **queued(sb_tk_daemon *d, const char *type, size_t *n)
{
    sb_txn *t;
    Skillbase__Job **jobs;
    bool more;
    assert_int_equal(sb_store_begin(d->store, false, &t), 0);
    assert_int_equal(
        sb_store_jobs_list(t, SKILLBASE__JOB_STATE__QUEUED, type, NULL, 100, NULL, &jobs, n, &more),
        0);
    sb_store_abort(&t);
    return jobs;
}

static Skillbase__Reply *schedule(sb_tk_daemon *d, uint32_t generation, const char *ends_on,
                                  uint64_t close_at, uint32_t used, uint64_t expect)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SchedulePublicity sp = SKILLBASE__SCHEDULE_PUBLICITY__INIT;
    sp.id = "app-000001";
    sp.generation = generation;
    sp.ends_on = (char *)ends_on;
    sp.close_at_ms = close_at;
    sp.days_used = used;
    sp.explanation = "counted by the test";
    req.command_case = SKILLBASE__REQUEST__COMMAND_SCHEDULE_PUBLICITY;
    req.schedule_publicity = &sp;
    req.expected_version = expect;
    req.actor = "worker:test";
    return sb_tk_send_as(d, SB_ROLE_WORKER, NULL, &req);
}

static uint64_t end_of(const char *date)
{
    sb_date d;
    assert_int_equal(sb_date_parse(date, &d), 0);
    return sb_publicity_day_end_ms(d);
}

/* ------------------------------------------------------------ tests */

static void entering_publicity_starts_the_clock_and_asks_for_a_schedule(void **state)
{
    sb_tk_daemon *d = *state;
    in_publicity(d);
    Skillbase__Reply *r = sb_tk_show(d, "app-000001");
    const Skillbase__Application *a = r->record->application;
    assert_int_equal(a->publicity_generation, 1);
    assert_int_equal(a->publicity_working_days, 5);
    assert_int_equal(a->publicity_days_used, 0);
    /* the daemon counts the end itself (国庆节 skipped, 调休 Sunday counted) */
    assert_string_equal(a->publicity_ends_on, "2025-10-10");
    assert_string_equal(a->publicity_started_on, "2025-09-26");
    skillbase__reply__free_unpacked(r, NULL);
    size_t n;
    Skillbase__Job **jobs = queued(d, "publicity.schedule", &n);
    assert_int_equal(n, 1);
    assert_non_null(jobs[0]->event);
    assert_string_equal(jobs[0]->event->topic, "application.in_publicity");
    assert_string_equal(jobs[0]->entity_id, "app-000001");
    assert_int_equal(jobs[0]->event->record->application->publicity_generation, 1);
    sb_store_jobs_free(jobs, n, NULL);
}

static void schedule_records_the_end_and_queues_the_close_at_midnight(void **state)
{
    sb_tk_daemon *d = *state;
    in_publicity(d);
    /* a stale or malformed plan changes nothing */
    Skillbase__Reply *r = schedule(d, 7, "2025-10-10", end_of("2025-10-10"), 0, 3);
    assert_int_equal(r->code, SB_STALE_VERSION);
    skillbase__reply__free_unpacked(r, NULL);
    r = schedule(d, 1, "2025-10-10", end_of("2025-10-10") - 1, 0, 3);
    assert_int_equal(r->code, SB_INVALID);
    skillbase__reply__free_unpacked(r, NULL);
    r = schedule(d, 1, "2025-09-01", end_of("2025-09-01"), 0, 3);
    assert_int_equal(r->code, SB_INVALID);
    skillbase__reply__free_unpacked(r, NULL);
    /* the worker proposes, the daemon verifies: a shorter window (0 days:
     * the day publicity began) or a longer one is refused */
    r = schedule(d, 1, "2025-09-26", end_of("2025-09-26"), 0, 3);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "the daemon counts as 2025-10-10"));
    skillbase__reply__free_unpacked(r, NULL);
    r = schedule(d, 1, "2025-10-13", end_of("2025-10-13"), 0, 3);
    assert_int_equal(r->code, SB_INVALID);
    skillbase__reply__free_unpacked(r, NULL);
    r = schedule(d, 1, "2025-10-10", end_of("2025-10-10"), 0, 2); /* old version */
    assert_int_equal(r->code, SB_STALE_VERSION);
    skillbase__reply__free_unpacked(r, NULL);

    r = schedule(d, 1, "2025-10-10", end_of("2025-10-10"), 0, 3);
    sb_tk_assert_ok(r);
    const Skillbase__Application *a = r->record->application;
    assert_string_equal(a->publicity_ends_on, "2025-10-10");
    assert_int_equal(a->version, 4);
    assert_int_equal(a->state, SKILLBASE__STATE__IN_PUBLICITY);
    skillbase__reply__free_unpacked(r, NULL);

    size_t n;
    Skillbase__Job **jobs = queued(d, "publicity.close", &n);
    assert_int_equal(n, 1);
    assert_int_equal(jobs[0]->due_ms, end_of("2025-10-10"));
    Skillbase__PublicityCloseJob *p =
        skillbase__publicity_close_job__unpack(NULL, jobs[0]->params.len, jobs[0]->params.data);
    assert_non_null(p);
    assert_string_equal(p->id, "app-000001");
    assert_int_equal(p->version, 4);
    assert_int_equal(p->generation, 1);
    skillbase__publicity_close_job__free_unpacked(p, NULL);
    sb_store_jobs_free(jobs, n, NULL);

    /* the notice worker hears of it: a non-transition event */
    jobs = queued(d, "notify", &n);
    assert_true(n >= 1);
    const Skillbase__Event *ev = jobs[n - 1]->event;
    assert_string_equal(ev->topic, "application.publicity_scheduled");
    assert_int_equal(ev->from_state, SKILLBASE__STATE__IN_PUBLICITY);
    assert_int_equal(ev->to_state, SKILLBASE__STATE__IN_PUBLICITY);
    assert_non_null(strstr(ev->reason, "publicity ends on 2025-10-10"));
    sb_store_jobs_free(jobs, n, NULL);

    /* only workers send it */
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SchedulePublicity sp = SKILLBASE__SCHEDULE_PUBLICITY__INIT;
    sp.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_SCHEDULE_PUBLICITY;
    req.schedule_publicity = &sp;
    r = sb_tk_send_as(d, SB_ROLE_OPERATOR, NULL, &req);
    assert_int_equal(r->code, SB_FORBIDDEN);
    skillbase__reply__free_unpacked(r, NULL);
}

/* Started Fri 2025-09-26; objection Tue 30 September (Sun 28 调休 and Mon
 * 29 used); dismissed Thu 9 October: the same 5-day window resumes. */
static void objection_suspends_and_dismissal_resumes(void **state)
{
    sb_tk_daemon *d = *state;
    in_publicity(d);
    Skillbase__Reply *r = schedule(d, 1, "2025-10-10", end_of("2025-10-10"), 0, 3);
    sb_tk_assert_ok(r);
    skillbase__reply__free_unpacked(r, NULL);

    at(d, "2025-09-30T15:00");
    move_ok(d, SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, "app-000001");
    r = sb_tk_show(d, "app-000001");
    const Skillbase__Application *a = r->record->application;
    assert_int_equal(a->state, SKILLBASE__STATE__UNDER_REVIEW);
    assert_int_equal(a->publicity_days_used, 2);
    assert_int_equal(a->publicity_generation, 2);
    assert_string_equal(a->publicity_ends_on, "");
    assert_int_equal(a->n_publicity_suspensions, 1);
    assert_string_equal(a->publicity_suspensions[0]->suspended_on, "2025-09-30");
    assert_string_equal(a->publicity_suspensions[0]->resumed_on, "");
    assert_int_equal(a->publicity_suspensions[0]->days_used, 2);
    skillbase__reply__free_unpacked(r, NULL);

    /* the close job of the old window is refused as stale */
    r = move(d, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", 4);
    assert_int_equal(r->code, SB_STALE_VERSION);
    skillbase__reply__free_unpacked(r, NULL);

    at(d, "2025-10-09T11:00");
    move_ok(d, SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION, "app-000001");
    r = sb_tk_show(d, "app-000001");
    a = r->record->application;
    assert_int_equal(a->state, SKILLBASE__STATE__IN_PUBLICITY);
    assert_int_equal(a->publicity_generation, 3);
    assert_int_equal(a->publicity_days_used, 2);
    assert_int_equal(a->publicity_working_days, 5);
    assert_string_equal(a->publicity_started_on, "2025-10-09");
    assert_string_equal(a->publicity_suspensions[0]->resumed_on, "2025-10-09");
    uint64_t version = a->version;
    skillbase__reply__free_unpacked(r, NULL);

    /* a second schedule job, carrying the days used */
    size_t n;
    Skillbase__Job **jobs = queued(d, "publicity.schedule", &n);
    assert_int_equal(n, 2);
    const Skillbase__Application *ja = jobs[1]->event->record->application;
    assert_int_equal(ja->publicity_days_used, 2);
    assert_int_equal(ja->publicity_generation, 3);
    sb_store_jobs_free(jobs, n, NULL);

    /* the old generation's plan is refused; the new one is recorded */
    r = schedule(d, 1, "2025-10-10", end_of("2025-10-10"), 0, 0);
    assert_int_equal(r->code, SB_STALE_VERSION);
    skillbase__reply__free_unpacked(r, NULL);
    r = schedule(d, 3, "2025-10-13", end_of("2025-10-13"), 2, version);
    sb_tk_assert_ok(r);
    assert_string_equal(r->record->application->publicity_ends_on, "2025-10-13");
    skillbase__reply__free_unpacked(r, NULL);
}

static void a_second_objection_adds_a_second_suspension(void **state)
{
    sb_tk_daemon *d = *state;
    in_publicity(d);
    at(d, "2025-09-30T15:00");
    move_ok(d, SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, "app-000001");
    at(d, "2025-10-09T11:00");
    move_ok(d, SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION, "app-000001");
    at(d, "2025-10-13T09:00"); /* Fri 10 and Sat 11 (调休) used: 4 */
    move_ok(d, SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, "app-000001");
    Skillbase__Reply *r = sb_tk_show(d, "app-000001");
    const Skillbase__Application *a = r->record->application;
    assert_int_equal(a->publicity_days_used, 4);
    assert_int_equal(a->n_publicity_suspensions, 2);
    assert_string_equal(a->publicity_suspensions[0]->resumed_on, "2025-10-09");
    assert_int_equal(a->publicity_suspensions[1]->days_used, 4);
    assert_string_equal(a->publicity_suspensions[1]->suspended_on, "2025-10-13");
    skillbase__reply__free_unpacked(r, NULL);
}

static Skillbase__Reply *reminder(sb_tk_daemon *d, const char *id, const char *due, uint32_t days,
                                  bool overdue)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__AssessmentReminder ar = SKILLBASE__ASSESSMENT_REMINDER__INIT;
    ar.id = (char *)id;
    ar.due_on = (char *)due;
    ar.days_before = days;
    ar.overdue = overdue;
    req.command_case = SKILLBASE__REQUEST__COMMAND_ASSESSMENT_REMINDER;
    req.assessment_reminder = &ar;
    req.actor = "worker:test";
    return sb_tk_send_as(d, SB_ROLE_WORKER, NULL, &req);
}

static void certification_schedules_the_assessment_reminders(void **state)
{
    sb_tk_daemon *d = *state;
    in_publicity(d);
    at(d, "2025-10-11T00:00");
    move_ok(d, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001");
    Skillbase__Reply *r = sb_tk_show(d, "base-000001");
    assert_string_equal(r->record->sub_base->next_assessment_due, "2027-10-11");
    skillbase__reply__free_unpacked(r, NULL);

    size_t n;
    Skillbase__Job **jobs = queued(d, "assessment.reminder", &n);
    assert_int_equal(n, 4);
    static const char *const on[] = {"2027-08-12", "2027-09-11", "2027-10-04", "2027-10-12"};
    static const uint32_t before[] = {60, 30, 7, 0};
    for (size_t i = 0; i < n; i++) {
        char when[32];
        snprintf(when, sizeof when, "%sT00:00", on[i]);
        uint64_t ms;
        assert_int_equal(sb_clock_parse(when, &ms), 0);
        assert_int_equal(jobs[i]->due_ms, ms);
        Skillbase__AssessmentReminderJob *p = skillbase__assessment_reminder_job__unpack(
            NULL, jobs[i]->params.len, jobs[i]->params.data);
        assert_non_null(p);
        assert_string_equal(p->due_on, "2027-10-11");
        assert_int_equal(p->days_before, before[i]);
        assert_int_equal(p->overdue, i == 3);
        skillbase__assessment_reminder_job__free_unpacked(p, NULL);
    }
    sb_store_jobs_free(jobs, n, NULL);

    /* delivered at due-7: an event with the days left */
    at(d, "2027-10-04T00:00");
    r = reminder(d, "base-000001", "2027-10-11", 7, false);
    sb_tk_assert_ok(r);
    assert_true(r->seq > 0);
    skillbase__reply__free_unpacked(r, NULL);
    jobs = queued(d, "notify", &n);
    const Skillbase__Event *ev = jobs[n - 1]->event;
    assert_string_equal(ev->topic, "base.assessment_due_soon");
    assert_string_equal(ev->reason, "assessment due on 2027-10-11: 7 days left");
    assert_int_equal(ev->from_state, SKILLBASE__STATE__CERTIFIED);
    assert_int_equal(ev->to_state, SKILLBASE__STATE__CERTIFIED);
    sb_store_jobs_free(jobs, n, NULL);

    /* a reminder for another due date (assessed since) does nothing */
    r = reminder(d, "base-000001", "2027-01-01", 7, false);
    sb_tk_assert_ok(r);
    assert_int_equal(r->seq, 0);
    skillbase__reply__free_unpacked(r, NULL);

    at(d, "2027-10-12T00:00");
    r = reminder(d, "base-000001", "2027-10-11", 0, true);
    sb_tk_assert_ok(r);
    skillbase__reply__free_unpacked(r, NULL);
    jobs = queued(d, "notify", &n);
    assert_string_equal(jobs[n - 1]->event->topic, "base.assessment_overdue");
    assert_string_equal(jobs[n - 1]->event->reason,
                        "assessment was due on 2027-10-11: 1 day overdue");
    sb_store_jobs_free(jobs, n, NULL);
}

static void remind_days_parse_and_refuse(void **state)
{
    (void)state;
    sb_config c;
    char err[256];
    sb_config_defaults(&c);
    assert_int_equal(c.n_remind_days, 3);
    assert_int_equal(sb_config_set(&c, "deadlines", "remind_days", "7, 90,30", err, sizeof err), 0);
    assert_int_equal(c.n_remind_days, 3);
    assert_int_equal(c.remind_days[0], 90);
    assert_int_equal(c.remind_days[2], 7);
    assert_int_equal(sb_config_set(&c, "deadlines", "remind_days", "", err, sizeof err), 0);
    assert_int_equal(c.n_remind_days, 0);
    assert_int_equal(sb_config_set(&c, "deadlines", "remind_days", "7,7", err, sizeof err), -1);
    assert_non_null(strstr(err, "7 given twice"));
    assert_int_equal(sb_config_set(&c, "deadlines", "remind_days", "0", err, sizeof err), -1);
    assert_int_equal(sb_config_set(&c, "deadlines", "remind_days", "30,", err, sizeof err), -1);
    assert_int_equal(sb_config_set(&c, "deadlines", "remind_days", "400", err, sizeof err), -1);
    assert_int_equal(
        sb_config_set(&c, "deadlines", "calendar", "/nonexistent.tsv", err, sizeof err), 0);
    assert_int_equal(sb_config_finish(&c, err, sizeof err), -1);
    assert_non_null(strstr(err, "[deadlines] calendar: /nonexistent.tsv: cannot read"));
}

/* 二(三)2 经公示无异议后, checked by the daemon on its own calendar: no
 * close_publicity before 24:00 of the last working day, from an operator or
 * from a worker (whatever window it was told), with four eyes off. */
static void close_publicity_waits_for_the_end_of_the_window(void **state)
{
    sb_tk_daemon *d = *state;
    d->config.four_eyes_certify = false;
    in_publicity(d); /* 2025-09-26, ends 2025-10-10 */
    static const char *const early[] = {"2025-09-26T23:59", "2025-09-29T09:00", "2025-10-05T12:00",
                                        "2025-10-10T23:59"};
    for (size_t i = 0; i < sizeof early / sizeof early[0]; i++) {
        at(d, early[i]);
        Skillbase__Reply *r = move(d, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", 0);
        assert_int_equal(r->code, SB_WRONG_STATE);
        assert_non_null(strstr(r->message, "ends on 2025-10-10 at 24:00"));
        skillbase__reply__free_unpacked(r, NULL);
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
        t.id = "app-000001";
        req.command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
        req.close_publicity = &t;
        req.actor = "worker:test";
        r = sb_tk_send_as(d, SB_ROLE_WORKER, NULL, &req);
        assert_int_equal(r->code, SB_WRONG_STATE);
        skillbase__reply__free_unpacked(r, NULL);
    }
    /* the working days left: 29, 30 Sep, 9, 10 Oct on the 29th */
    at(d, "2025-09-29T09:00");
    Skillbase__Reply *r = move(d, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", 0);
    assert_non_null(strstr(r->message, "4 working days left"));
    skillbase__reply__free_unpacked(r, NULL);
    r = sb_tk_show(d, "app-000001");
    assert_int_equal(r->record->application->state, SKILLBASE__STATE__IN_PUBLICITY);
    assert_int_equal(r->record->application->version, 3);
    skillbase__reply__free_unpacked(r, NULL);
    at(d, "2025-10-11T00:00");
    move_ok(d, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001");
}

/* A sub-base that left of its own accord is not assessed again: its
 * reminders, already queued, do nothing. */
static void an_exited_base_gets_no_reminder(void **state)
{
    sb_tk_daemon *d = *state;
    in_publicity(d);
    at(d, "2025-10-11T00:00");
    move_ok(d, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001");
    d->caller = (sb_caller){.role = SB_ROLE_OPERATOR, .name = "alice"};
    Skillbase__Reply *r =
        sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_EXIT_BASE, "base-000001", "leaves", 0);
    sb_tk_assert_ok(r);
    assert_int_equal(r->record->sub_base->state, SKILLBASE__STATE__EXITED);
    assert_string_equal(r->record->sub_base->next_assessment_due, "");
    skillbase__reply__free_unpacked(r, NULL);
    at(d, "2027-10-04T00:00");
    r = reminder(d, "base-000001", "2027-10-11", 7, false);
    sb_tk_assert_ok(r);
    assert_int_equal(r->seq, 0);
    skillbase__reply__free_unpacked(r, NULL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, sb_tk_daemon_teardown)
    const struct CMUnitTest tests[] = {
        T(entering_publicity_starts_the_clock_and_asks_for_a_schedule),
        T(schedule_records_the_end_and_queues_the_close_at_midnight),
        T(objection_suspends_and_dismissal_resumes),
        T(a_second_objection_adds_a_second_suspension),
        T(certification_schedules_the_assessment_reminders),
        T(an_exited_base_gets_no_reminder),
        T(close_publicity_waits_for_the_end_of_the_window),
        cmocka_unit_test(remind_days_parse_and_refuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
