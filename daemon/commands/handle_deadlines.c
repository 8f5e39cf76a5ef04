/* Handlers of the deadlines (docs/deadlines.md): the publicity clock kept on
 * the application (公示, policy 二(三)2), the commands skillbase-deadlines
 * sends, and the reminders of the biennial assessment (五(一)) scheduled
 * when a sub-base is certified or assessed.
 *
 * The publicity clock in three steps:
 *  1. entering in_publicity (evaluate --pass, or a dismissed objection)
 *     bumps publicity_generation; the event "application.in_publicity"
 *     causes a "publicity.schedule" job (outbox_rules.c);
 *  2. the worker counts the working days and answers schedule_publicity:
 *     the end date is recorded, the event "application.publicity_scheduled"
 *     appended, and a "publicity.close" job enqueued, due at 24:00 of the
 *     last day;
 *  3. that job's delivery makes the worker send close_publicity with the
 *     version the window was recorded at, so anything that happened in
 *     between (an objection, a withdrawal) makes it a harmless refusal.
 * An objection stops the clock here, in its own transaction: the days used
 * so far are counted on the daemon's calendar and kept in a suspension.
 */
#include <stdio.h>
#include <string.h>

#include "activity_private.h"
#include "deadline_config.h"
#include "handlers_private.h"
#include "jobs.h"
#include "sb_error.h"
#include "sb_log.h"
#include "sb_publicity.h"

#define JOB_PUBLICITY_CLOSE "publicity.close"
#define JOB_ASSESSMENT_REMINDER "assessment.reminder"
#define DAY_MS (86400ULL * 1000)

/* 00:00 Hangzhou at the start of day d. */
static uint64_t day_start_ms(sb_date d)
{
    return sb_publicity_day_end_ms(sb_date_add_days(d, -1));
}

/* Append an event that changes no state (from = to), topic "<kind>.<what>",
 * through the outbox so workers see it; the record is written first when
 * `old` is non-NULL (it changed). */
static int append_event(sb_call *call, Skillbase__Record *rec, const Skillbase__Record *old,
                        const char *action, const char *what, const char *reason)
{
    Skillbase__Event *ev = sb_call_event(call, rec, what, action, reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    if (old) {
        int rc = sb_store_record_put(call->txn, rec, old);
        if (rc)
            return rc;
    }
    return sb_call_append_event(call, ev, true);
}

/* Pack a job's params into the arena. */
static int pack_params(sb_call *call, const ProtobufCMessage *m, ProtobufCBinaryData *ret)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = sb_arena_alloc(call->arena, len ? len : 1);
    if (!buf)
        return SB_E(SB_INTERNAL);
    protobuf_c_message_pack(m, buf);
    ret->data = buf;
    ret->len = len;
    return 0;
}

/* ------------------------------------------------------------ the clock */

/* Close the open suspension (the last one) on resumption: copy the array
 * and the element, as the record is a shallow copy of the stored one. */
static int resume_suspension(sb_call *call, Skillbase__Application *app)
{
    size_t n = app->n_publicity_suspensions;
    if (!n || (app->publicity_suspensions[n - 1]->resumed_on &&
               app->publicity_suspensions[n - 1]->resumed_on[0]))
        return 0;
    Skillbase__PublicitySuspension **list = sb_arena_alloc(call->arena, n * sizeof *list);
    Skillbase__PublicitySuspension *last = sb_arena_alloc(call->arena, sizeof *last);
    if (!list || !last)
        return SB_E(SB_INTERNAL);
    memcpy(list, app->publicity_suspensions, n * sizeof *list);
    *last = *list[n - 1];
    last->resumed_on = sb_handler_today(call);
    list[n - 1] = last;
    app->publicity_suspensions = list;
    return last->resumed_on ? 0 : SB_E(SB_INTERNAL);
}

/* An objection stops the clock: count the days used and keep them. */
static int suspend(sb_call *call, const Skillbase__Application *before, Skillbase__Application *app)
{
    const sb_calendar *cal = sb_deadline_config_calendar(call->config);
    if (!cal)
        return sb_call_fail(call, SB_INTERNAL,
                            "the holiday calendar %s cannot be read (see the daemon log); "
                            "nothing was changed",
                            call->config->calendar);
    uint32_t used = app->publicity_days_used;
    sb_date started;
    if (before->publicity_started_on &&
        sb_date_parse(before->publicity_started_on, &started) == 0) {
        bool uncovered = false;
        used = sb_publicity_days_used(cal, started, used, call->today, app->publicity_working_days,
                                      &uncovered);
        if (uncovered)
            sb_log(SB_LOG_WARN,
                   "%s: publicity days counted past the holiday calendar (it ends with %d): "
                   "weekends only",
                   app->id, sb_calendar_last_year(cal));
    }
    size_t n = app->n_publicity_suspensions;
    Skillbase__PublicitySuspension **list = sb_arena_alloc(call->arena, (n + 1) * sizeof *list);
    Skillbase__PublicitySuspension *s = sb_arena_alloc(call->arena, sizeof *s);
    if (!list || !s)
        return SB_E(SB_INTERNAL);
    if (n)
        memcpy(list, app->publicity_suspensions, n * sizeof *list);
    skillbase__publicity_suspension__init(s);
    s->suspended_on = sb_handler_today(call);
    s->days_used = used;
    list[n] = s;
    app->publicity_suspensions = list;
    app->n_publicity_suspensions = n + 1;
    app->publicity_days_used = used;
    return s->suspended_on ? 0 : SB_E(SB_INTERNAL);
}

/* The holiday calendar, or a refusal naming it (nothing is changed). */
static const sb_calendar *calendar_or_fail(sb_call *call, int *ret_rc)
{
    const sb_calendar *cal = sb_deadline_config_calendar(call->config);
    if (!cal)
        *ret_rc = sb_call_fail(call, SB_INTERNAL,
                               "the holiday calendar %s cannot be read (see the daemon log); "
                               "nothing was changed",
                               call->config->calendar);
    return cal;
}

/* The daemon's own computation of the window `a` is in (二(三)2): from the
 * day publicity (last) began, with the working days already used, on the
 * calendar the daemon loads. Returns 0 and *ret, or a refusal. */
static int own_window(sb_call *call, const Skillbase__Application *a, sb_publicity_window *ret)
{
    int rc = 0;
    const sb_calendar *cal = calendar_or_fail(call, &rc);
    if (!cal)
        return rc;
    sb_date started;
    uint32_t total = a->publicity_working_days ? a->publicity_working_days
                                               : call->config->publicity_working_days;
    if (!a->publicity_started_on || sb_date_parse(a->publicity_started_on, &started) ||
        sb_publicity_plan(cal, started, a->publicity_days_used, total, ret))
        return sb_call_fail(call, SB_WRONG_STATE,
                            "application %s has no valid publicity start date (\"%s\"); "
                            "nothing was changed",
                            a->id, a->publicity_started_on ? a->publicity_started_on : "");
    return 0;
}

int sb_handler_publicity_check_over(sb_call *call, const Skillbase__Application *a)
{
    sb_publicity_window w;
    int rc = own_window(call, a, &w);
    if (rc)
        return rc;
    if (call->now_ms >= w.close_at_ms)
        return 0;
    /* working days of the window still to run, today included once it
     * counts (the day publicity began does not) */
    const sb_calendar *cal = sb_deadline_config_calendar(call->config);
    sb_date started, after = sb_date_add_days(call->today, -1);
    if (sb_date_parse(a->publicity_started_on, &started) == 0 && sb_date_cmp(after, started) < 0)
        after = started;
    uint32_t left = sb_calendar_count_between(cal, after, sb_date_add_days(w.ends_on, 1), NULL);
    char ends[SB_DATE_STRLEN];
    const char *left_text =
        left ? sb_arena_printf(call->arena, "%u working day%s left", left, left == 1 ? "" : "s")
             : "no working day left but the rest of today";
    return sb_call_fail(call, SB_WRONG_STATE,
                        "publicity of %s ends on %s at 24:00 Hangzhou time, %s: it must run "
                        "its course before certification (二(三)2 经公示无异议后); "
                        "skillbase-deadlines certifies it when the window ends. Nothing was "
                        "changed",
                        a->id, sb_date_format(w.ends_on, ends), left_text ? left_text : "");
}

int sb_handler_publicity_track(sb_call *call, const Skillbase__Application *before,
                               Skillbase__Application *app, sb_action action)
{
    bool entering = app->state == SKILLBASE__STATE__IN_PUBLICITY &&
                    before->state != SKILLBASE__STATE__IN_PUBLICITY;
    bool objection = action == SB_ACT_FILE_OBJECTION;
    if (!entering && !objection)
        return 0;
    app->publicity_generation++;
    app->publicity_ends_on = (char *)"";
    /* the bureau's choice ([publicity] objection_suspends): off, the clock
     * runs on through an objection — nothing is suspended, and a dismissal
     * returns to the window as it was, from its first day */
    if (objection)
        return call->config->objection_suspends ? suspend(call, before, app) : 0;
    if (!call->config->objection_suspends && action != SB_ACT_EVALUATE_PASS &&
        before->publicity_started_on && before->publicity_started_on[0])
        app->publicity_started_on = before->publicity_started_on;
    if (action == SB_ACT_EVALUATE_PASS) {
        app->publicity_days_used = 0;
        app->n_publicity_suspensions = 0;
        app->publicity_suspensions = NULL;
    }
    /* the length is fixed when publicity first begins (a record from before
     * this field existed takes today's setting) */
    if (action == SB_ACT_EVALUATE_PASS || !app->publicity_working_days)
        app->publicity_working_days = call->config->publicity_working_days;
    int rc = resume_suspension(call, app);
    if (rc)
        return rc;
    /* the end of the window, as the daemon counts it (show tells it; the
     * worker's schedule_publicity must agree) */
    sb_publicity_window w;
    rc = own_window(call, app, &w);
    if (rc)
        return rc;
    char ends[SB_DATE_STRLEN];
    app->publicity_ends_on = sb_arena_strdup(call->arena, sb_date_format(w.ends_on, ends));
    return app->publicity_ends_on ? 0 : SB_E(SB_INTERNAL);
}

int sb_handler_schedule_publicity(sb_call *call)
{
    const Skillbase__SchedulePublicity *c = call->req->schedule_publicity;
    Skillbase__Record *old;
    int rc = sb_call_load(call, c->id, &old);
    if (rc)
        return rc;
    if (old->record_case != SKILLBASE__RECORD__RECORD_APPLICATION)
        return sb_call_fail(call, SB_INVALID, "id: %s is not an application", c->id);
    const Skillbase__Application *a = old->application;
    rc = sb_call_check_version(call, c->id, a->version);
    if (rc)
        return rc;
    if (a->state != SKILLBASE__STATE__IN_PUBLICITY || a->objection_open)
        return sb_call_fail(call, SB_WRONG_STATE,
                            "application %s is %s: no publicity window to schedule", c->id,
                            sb_state_name(a->state));
    if (c->generation != a->publicity_generation || c->days_used != a->publicity_days_used)
        return sb_call_fail(call, SB_STALE_VERSION,
                            "publicity of %s is at generation %u with %u days used, not %u with "
                            "%u; nothing was changed",
                            c->id, a->publicity_generation, a->publicity_days_used, c->generation,
                            c->days_used);
    sb_date ends, started;
    if (!c->ends_on || sb_date_parse(c->ends_on, &ends))
        return sb_call_fail(call, SB_INVALID, "ends_on: not a date (YYYY-MM-DD)");
    if (a->publicity_started_on && sb_date_parse(a->publicity_started_on, &started) == 0 &&
        sb_date_cmp(ends, started) < 0)
        return sb_call_fail(call, SB_INVALID, "ends_on: %s is before publicity began on %s",
                            c->ends_on, a->publicity_started_on);
    if (c->close_at_ms != sb_publicity_day_end_ms(ends))
        return sb_call_fail(call, SB_INVALID,
                            "close_at_ms: must be 24:00 Hangzhou at the end of ends_on (%llu)",
                            (unsigned long long)sb_publicity_day_end_ms(ends));
    /* the worker proposes, the daemon verifies on its own calendar */
    sb_publicity_window own;
    rc = own_window(call, a, &own);
    if (rc)
        return rc;
    if (sb_date_cmp(ends, own.ends_on) != 0) {
        char want[SB_DATE_STRLEN];
        return sb_call_fail(call, SB_INVALID,
                            "ends_on: %s is not the end of %s's publicity window, which the "
                            "daemon counts as %s (%u working days from %s, %u used before); "
                            "nothing was changed",
                            c->ends_on, c->id, sb_date_format(own.ends_on, want),
                            a->publicity_working_days, a->publicity_started_on,
                            a->publicity_days_used);
    }
    rc = sb_call_check_reason(call, c->explanation, false, "schedule_publicity");
    if (rc)
        return rc;

    Skillbase__Record *rec = sb_call_revise(call, old);
    if (!rec)
        return SB_E(SB_INTERNAL);
    Skillbase__Application *app = rec->application;
    app->publicity_ends_on = sb_arena_strdup(call->arena, c->ends_on);
    const char *reason =
        c->explanation && c->explanation[0]
            ? sb_arena_printf(call->arena, "publicity ends on %s at 24:00: %s", c->ends_on,
                              c->explanation)
            : sb_arena_printf(call->arena, "publicity ends on %s at 24:00", c->ends_on);
    if (!app->publicity_ends_on || !reason)
        return SB_E(SB_INTERNAL);
    rc = append_event(call, rec, old, "schedule_publicity", "publicity_scheduled", reason);
    if (rc)
        return rc;

    Skillbase__PublicityCloseJob params = SKILLBASE__PUBLICITY_CLOSE_JOB__INIT;
    params.id = app->id;
    params.version = app->version;
    params.generation = app->publicity_generation;
    params.ends_on = app->publicity_ends_on;
    sb_job_spec spec = {
        .type = JOB_PUBLICITY_CLOSE, .entity_id = app->id, .due_ms = c->close_at_ms};
    rc = pack_params(call, &params.base, &spec.params);
    if (rc)
        return rc;
    rc = sb_call_enqueue_job(call, &spec, NULL);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* ------------------------------------------------------------ assessments */

static int enqueue_reminder(sb_call *call, const Skillbase__Base *b, uint32_t days_before,
                            bool overdue, uint64_t due_ms)
{
    Skillbase__AssessmentReminderJob params = SKILLBASE__ASSESSMENT_REMINDER_JOB__INIT;
    params.id = b->id;
    params.due_on = b->next_assessment_due;
    params.days_before = days_before;
    params.overdue = overdue;
    sb_job_spec spec = {.type = JOB_ASSESSMENT_REMINDER, .entity_id = b->id, .due_ms = due_ms};
    int rc = pack_params(call, &params.base, &spec.params);
    if (rc)
        return rc;
    return sb_call_enqueue_job(call, &spec, NULL);
}

int sb_handler_assessment_schedule(sb_call *call, const Skillbase__Base *b)
{
    sb_date due;
    if (!b->next_assessment_due || sb_date_parse(b->next_assessment_due, &due))
        return 0; /* revoked: nothing is due */
    for (uint32_t i = 0; i < call->config->n_remind_days; i++) {
        sb_date on = sb_date_add_days(due, -(int)call->config->remind_days[i]);
        uint64_t at = day_start_ms(on);
        if (at + DAY_MS <= call->now_ms)
            continue; /* that reminder's day is already over */
        int rc = enqueue_reminder(call, b, call->config->remind_days[i], false, at);
        if (rc)
            return rc;
    }
    /* overdue from the day after the due date */
    int rc = enqueue_reminder(call, b, 0, true, sb_publicity_day_end_ms(due));
    if (rc)
        return rc;
    /* and the yearly activity filing's reminders (handle_activity.c) */
    return sb_handler_activity_schedule(call, b, 0);
}

int sb_handler_assessment_reminder(sb_call *call)
{
    const Skillbase__AssessmentReminder *c = call->req->assessment_reminder;
    Skillbase__Record *old;
    int rc = sb_call_load(call, c->id, &old);
    if (rc)
        return rc;
    if (old->record_case != SKILLBASE__RECORD__RECORD_SUB_BASE)
        return sb_call_fail(call, SB_INVALID, "id: %s is not a sub-base", c->id);
    sb_date due;
    if (!c->due_on || sb_date_parse(c->due_on, &due))
        return sb_call_fail(call, SB_INVALID, "due_on: not a date (YYYY-MM-DD)");
    if (!c->overdue && (c->days_before < 1 || c->days_before > 365))
        return sb_call_fail(call, SB_INVALID, "days_before: 1 to 365 for a due-soon reminder");
    const Skillbase__Base *b = old->sub_base;
    sb_call_reply_record(call, old);
    /* assessed again since (a new due date), revoked or exited: nothing to
     * remind */
    if (b->state == SKILLBASE__STATE__REVOKED || b->state == SKILLBASE__STATE__EXITED ||
        !b->next_assessment_due || strcmp(b->next_assessment_due, c->due_on) != 0)
        return 0;
    int64_t left = sb_date_to_days(due) - sb_date_to_days(call->today);
    long long days = c->overdue ? -left : left;
    const char *reason = sb_arena_printf(call->arena,
                                         c->overdue ? "assessment was due on %s: %lld day%s overdue"
                                                    : "assessment due on %s: %lld day%s left",
                                         c->due_on, days, days == 1 || days == -1 ? "" : "s");
    if (!reason)
        return SB_E(SB_INTERNAL);
    return append_event(call, old, NULL, "assessment_reminder",
                        c->overdue ? "assessment_overdue" : "assessment_due_soon", reason);
}
