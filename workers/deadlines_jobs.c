#include "deadlines_jobs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sb_protocol.h"
#include "sb_publicity.h"

#define TYPE_SCHEDULE "publicity.schedule"
#define TYPE_CLOSE "publicity.close"
#define TYPE_REMINDER "assessment.reminder"
#define TYPE_ACTIVITY "activity.reminder"

const char *const sb_deadlines_jobs_types[] = {TYPE_SCHEDULE, TYPE_CLOSE, TYPE_REMINDER,
                                               TYPE_ACTIVITY, NULL};

/* A bounded string builder over a fixed buffer: appends stop at the end and
 * mark the text as cut. */
typedef struct {
    char *buf;
    size_t len, cap;
    bool cut;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(text *t, const char *fmt, ...)
{
    if (t->cut)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - t->len) {
        t->buf[t->len] = '\0'; /* drop the partial piece */
        t->cut = true;
        return;
    }
    t->len += (size_t)n;
}

/* The days a window skipped or counted on a weekend, consecutive days with
 * the same reason as one range: "2025-10-01..2025-10-08 国庆节 holiday". */
static void explain_notes(text *t, const sb_calendar_sum *sum)
{
    for (size_t i = 0; i < sum->n_notes;) {
        const sb_calendar_note *first = &sum->notes[i];
        size_t j = i + 1;
        while (j < sum->n_notes && sum->notes[j].kind == first->kind &&
               strcmp(sum->notes[j].name, first->name) == 0 &&
               sb_date_to_days(sum->notes[j].date) == sb_date_to_days(sum->notes[j - 1].date) + 1)
            j++;
        char a[SB_DATE_STRLEN], b[SB_DATE_STRLEN], why[160];
        sb_calendar_note_reason(first, why, sizeof why);
        if (j - i > 1)
            add(t, "; %s..%s %s", sb_date_format(first->date, a),
                sb_date_format(sum->notes[j - 1].date, b), why);
        else
            add(t, "; %s %s%s", sb_date_format(first->date, a), why,
                first->kind == SB_DAY_MAKEUP ? " counted" : "");
        i = j;
    }
}

static Skillbase__Request *new_request(sb_arena *arena)
{
    Skillbase__Request *req = sb_arena_alloc(arena, sizeof *req);
    if (req) {
        skillbase__request__init(req);
        req->protocol = SB_PROTOCOL_VERSION;
    }
    return req;
}

static sb_job_outcome schedule(const sb_calendar *cal, const Skillbase__Job *job, sb_arena *arena,
                               Skillbase__JobResult *result, char *error, size_t error_len,
                               bool *ret_uncovered)
{
    const Skillbase__Event *ev = job->event;
    if (!ev || !ev->record || ev->record->record_case != SKILLBASE__RECORD__RECORD_APPLICATION) {
        snprintf(error, error_len, "%s job %s carries no application event", job->type, job->id);
        return SB_JOB_FAIL;
    }
    const Skillbase__Application *a = ev->record->application;
    if (a->state != SKILLBASE__STATE__IN_PUBLICITY) {
        result->summary = sb_arena_printf(arena,
                                          "%s: event %s is not in publicity; nothing to "
                                          "schedule",
                                          a->id, ev->topic);
        return result->summary ? SB_JOB_DONE : SB_JOB_RETRY;
    }
    sb_date started;
    if (!a->publicity_started_on || sb_date_parse(a->publicity_started_on, &started)) {
        snprintf(error, error_len, "%s: publicity_started_on \"%s\" is not a date", a->id,
                 a->publicity_started_on ? a->publicity_started_on : "");
        return SB_JOB_FAIL;
    }
    uint32_t total = a->publicity_working_days;
    if (total == 0 || total > SB_CALENDAR_MAX_DAYS) {
        snprintf(error, error_len, "%s: publicity_working_days %u is not a usable length", a->id,
                 total);
        return SB_JOB_FAIL;
    }
    uint32_t remaining = a->publicity_days_used >= total ? 0 : total - a->publicity_days_used;
    sb_calendar_sum sum;
    if (sb_calendar_add_working_days(cal, started, remaining, &sum)) {
        snprintf(error, error_len, "%s: cannot count %u working days from %s", a->id, remaining,
                 a->publicity_started_on);
        return SB_JOB_FAIL;
    }
    char ends_on[SB_DATE_STRLEN];
    sb_date_format(sum.result, ends_on);
    uint64_t close_at_ms = sb_publicity_day_end_ms(sum.result);

    char *buf = sb_arena_alloc(arena, SB_DEADLINES_EXPLANATION_MAX + 1);
    Skillbase__Request *req = new_request(arena);
    Skillbase__SchedulePublicity *sp = sb_arena_alloc(arena, sizeof *sp);
    if (!buf || !req || !sp) {
        sb_calendar_sum_free(&sum);
        snprintf(error, error_len, "out of memory");
        return SB_JOB_RETRY;
    }
    text t = {buf, 0, SB_DEADLINES_EXPLANATION_MAX + 1, false};
    buf[0] = '\0';
    add(&t, "%u of %u working days counted from the day after %s (%u used before)", remaining,
        total, a->publicity_started_on, a->publicity_days_used);
    if (sum.uncovered) {
        add(&t, "; WARNING: past the holiday calendar (it ends with %d), weekends only",
            sb_calendar_last_year(cal));
        if (ret_uncovered)
            *ret_uncovered = true;
    }
    explain_notes(&t, &sum);
    if (t.cut) {
        t.cut = false;
        add(&t, "; ...");
    }
    sb_calendar_sum_free(&sum);

    skillbase__schedule_publicity__init(sp);
    sp->id = a->id;
    sp->generation = a->publicity_generation;
    sp->ends_on = sb_arena_strdup(arena, ends_on);
    sp->close_at_ms = close_at_ms;
    sp->days_used = a->publicity_days_used;
    sp->explanation = buf;
    req->command_case = SKILLBASE__REQUEST__COMMAND_SCHEDULE_PUBLICITY;
    req->schedule_publicity = sp;
    req->expected_version = a->version;
    result->command = req;
    result->summary = sb_arena_printf(arena, "%s: publicity ends on %s (%u of %u working days)",
                                      a->id, ends_on, remaining, total);
    if (!sp->ends_on || !result->summary) {
        snprintf(error, error_len, "out of memory");
        return SB_JOB_RETRY;
    }
    return SB_JOB_DONE;
}

static sb_job_outcome close_window(const Skillbase__Job *job, sb_arena *arena,
                                   Skillbase__JobResult *result, char *error, size_t error_len)
{
    Skillbase__PublicityCloseJob *p =
        skillbase__publicity_close_job__unpack(NULL, job->params.len, job->params.data);
    if (!p || !p->id[0] || !p->version) {
        if (p)
            skillbase__publicity_close_job__free_unpacked(p, NULL);
        snprintf(error, error_len, "%s job %s: params are not a PublicityCloseJob", job->type,
                 job->id);
        return SB_JOB_FAIL;
    }
    Skillbase__Request *req = new_request(arena);
    Skillbase__Transition *tr = sb_arena_alloc(arena, sizeof *tr);
    char *id = sb_arena_strdup(arena, p->id);
    char *reason =
        sb_arena_printf(arena, "publicity ended on %s at 24:00 with no open objection", p->ends_on);
    char *summary =
        sb_arena_printf(arena, "%s: close publicity (window ended %s)", p->id, p->ends_on);
    uint64_t version = p->version;
    skillbase__publicity_close_job__free_unpacked(p, NULL);
    if (!req || !tr || !id || !reason || !summary) {
        snprintf(error, error_len, "out of memory");
        return SB_JOB_RETRY;
    }
    skillbase__transition__init(tr);
    tr->id = id;
    tr->reason = reason;
    req->command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
    req->close_publicity = tr;
    /* anything since the window was recorded makes this a stale refusal */
    req->expected_version = version;
    result->command = req;
    result->summary = summary;
    return SB_JOB_DONE;
}

static sb_job_outcome remind(const Skillbase__Job *job, sb_arena *arena,
                             Skillbase__JobResult *result, char *error, size_t error_len)
{
    Skillbase__AssessmentReminderJob *p =
        skillbase__assessment_reminder_job__unpack(NULL, job->params.len, job->params.data);
    if (!p || !p->id[0] || !p->due_on[0]) {
        if (p)
            skillbase__assessment_reminder_job__free_unpacked(p, NULL);
        snprintf(error, error_len, "%s job %s: params are not an AssessmentReminderJob", job->type,
                 job->id);
        return SB_JOB_FAIL;
    }
    Skillbase__Request *req = new_request(arena);
    Skillbase__AssessmentReminder *r = sb_arena_alloc(arena, sizeof *r);
    if (r)
        skillbase__assessment_reminder__init(r);
    char *id = sb_arena_strdup(arena, p->id), *due = sb_arena_strdup(arena, p->due_on);
    char *summary =
        p->overdue ? sb_arena_printf(arena, "%s: assessment overdue (due %s)", p->id, p->due_on)
                   : sb_arena_printf(arena, "%s: assessment due %s, %u-day reminder", p->id,
                                     p->due_on, p->days_before);
    bool overdue = p->overdue;
    uint32_t days = p->days_before;
    skillbase__assessment_reminder_job__free_unpacked(p, NULL);
    if (!req || !r || !id || !due || !summary) {
        snprintf(error, error_len, "out of memory");
        return SB_JOB_RETRY;
    }
    r->id = id;
    r->due_on = due;
    r->days_before = days;
    r->overdue = overdue;
    req->command_case = SKILLBASE__REQUEST__COMMAND_ASSESSMENT_REMINDER;
    req->assessment_reminder = r;
    result->command = req;
    result->summary = summary;
    return SB_JOB_DONE;
}

/* The yearly activity filing (docs/activity.md): the daemon decides
 * whether a reminder is still due (not filed, sub-base live); the worker
 * passes the job's facts on. */
static sb_job_outcome remind_activity(const Skillbase__Job *job, sb_arena *arena,
                                      Skillbase__JobResult *result, char *error, size_t error_len)
{
    Skillbase__ActivityReminderJob *p =
        skillbase__activity_reminder_job__unpack(NULL, job->params.len, job->params.data);
    if (!p || !p->id[0] || !p->due_on[0] || !p->year) {
        if (p)
            skillbase__activity_reminder_job__free_unpacked(p, NULL);
        snprintf(error, error_len, "%s job %s: params are not an ActivityReminderJob", job->type,
                 job->id);
        return SB_JOB_FAIL;
    }
    Skillbase__Request *req = new_request(arena);
    Skillbase__ActivityReminder *r = sb_arena_alloc(arena, sizeof *r);
    if (r)
        skillbase__activity_reminder__init(r);
    char *id = sb_arena_strdup(arena, p->id), *due = sb_arena_strdup(arena, p->due_on);
    char *summary = p->overdue
                        ? sb_arena_printf(arena, "%s: activity of %u overdue (due %s)", p->id,
                                          p->year, p->due_on)
                        : sb_arena_printf(arena, "%s: activity of %u due %s, %u-day reminder",
                                          p->id, p->year, p->due_on, p->days_before);
    bool overdue = p->overdue;
    uint32_t days = p->days_before, year = p->year;
    skillbase__activity_reminder_job__free_unpacked(p, NULL);
    if (!req || !r || !id || !due || !summary) {
        snprintf(error, error_len, "out of memory");
        return SB_JOB_RETRY;
    }
    r->id = id;
    r->year = year;
    r->due_on = due;
    r->days_before = days;
    r->overdue = overdue;
    req->command_case = SKILLBASE__REQUEST__COMMAND_ACTIVITY_REMINDER;
    req->activity_reminder = r;
    result->command = req;
    result->summary = summary;
    return SB_JOB_DONE;
}

sb_job_outcome sb_deadlines_jobs_handle(const sb_calendar *cal, const Skillbase__Job *job,
                                        sb_arena *arena, Skillbase__JobResult *result, char *error,
                                        size_t error_len, bool *ret_uncovered)
{
    if (strcmp(job->type, TYPE_SCHEDULE) == 0)
        return schedule(cal, job, arena, result, error, error_len, ret_uncovered);
    if (strcmp(job->type, TYPE_CLOSE) == 0)
        return close_window(job, arena, result, error, error_len);
    if (strcmp(job->type, TYPE_REMINDER) == 0)
        return remind(job, arena, result, error, error_len);
    if (strcmp(job->type, TYPE_ACTIVITY) == 0)
        return remind_activity(job, arena, result, error, error_len);
    snprintf(error, error_len, "job %s: type \"%s\" is not a deadlines job", job->id, job->type);
    return SB_JOB_FAIL;
}
