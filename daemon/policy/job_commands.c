/* The table of job types and the commands their workers may send
 * (job_commands.h). */
#include "job_commands.h"

#include <string.h>

#include "sb_subsidy.h"

static const char *same_id(sb_arena *a, const Skillbase__Job *job, const char *what, const char *id)
{
    if (id && job->entity_id && strcmp(id, job->entity_id) == 0)
        return NULL;
    const char *m = sb_arena_printf(
        a, "%s of %s: job %s concerns %s only", what, id && id[0] ? id : "(no id)", job->id,
        job->entity_id && job->entity_id[0] ? job->entity_id : "no record");
    return m ? m : "a job's command concerns the job's own record only";
}

static const char *check_close(sb_arena *a, const Skillbase__Job *job,
                               const Skillbase__Request *cmd)
{
    const char *why = same_id(a, job, "close_publicity", cmd->close_publicity->id);
    if (why)
        return why;
    Skillbase__PublicityCloseJob *p =
        skillbase__publicity_close_job__unpack(&a->pb, job->params.len, job->params.data);
    if (!p)
        return "publicity.close job without its params";
    if (cmd->expected_version != p->version) {
        const char *m = sb_arena_printf(a,
                                        "close_publicity of %s: expected_version must be %llu, "
                                        "the version its window was recorded at",
                                        p->id, (unsigned long long)p->version);
        return m ? m : "close_publicity: not the version the window was recorded at";
    }
    return NULL;
}

static const char *check_reminder(sb_arena *a, const Skillbase__Job *job,
                                  const Skillbase__Request *cmd)
{
    const Skillbase__AssessmentReminder *r = cmd->assessment_reminder;
    const char *why = same_id(a, job, "assessment_reminder", r->id);
    if (why)
        return why;
    Skillbase__AssessmentReminderJob *p =
        skillbase__assessment_reminder_job__unpack(&a->pb, job->params.len, job->params.data);
    if (!p)
        return "assessment.reminder job without its params";
    if (strcmp(p->due_on, r->due_on ? r->due_on : "") || p->overdue != r->overdue ||
        p->days_before != r->days_before)
        return "assessment_reminder: due_on, days_before and overdue must be the job's";
    return NULL;
}

static const char *check_statement(sb_arena *a, const Skillbase__Job *job,
                                   const Skillbase__Request *cmd)
{
    const Skillbase__SubsidyStatement *st = cmd->record_statement->statement;
    if (!st)
        return "record_statement: statement missing";
    const char *why = same_id(a, job, "record_statement", st->base_id);
    if (why)
        return why;
    Skillbase__SubsidyJob *p =
        skillbase__subsidy_job__unpack(&a->pb, job->params.len, job->params.data);
    if (!p)
        return "subsidy.statement job without its params";
    if (p->year != st->year) {
        const char *m = sb_arena_printf(a, "record_statement: year %u, but job %s is for %u",
                                        st->year, job->id, p->year);
        return m ? m : "record_statement: not the job's year";
    }
    return NULL;
}

static const char *check_activity_reminder(sb_arena *a, const Skillbase__Job *job,
                                           const Skillbase__Request *cmd)
{
    const Skillbase__ActivityReminder *r = cmd->activity_reminder;
    const char *why = same_id(a, job, "activity_reminder", r->id);
    if (why)
        return why;
    Skillbase__ActivityReminderJob *p =
        skillbase__activity_reminder_job__unpack(&a->pb, job->params.len, job->params.data);
    if (!p)
        return "activity.reminder job without its params";
    if (strcmp(p->due_on, r->due_on ? r->due_on : "") || p->overdue != r->overdue ||
        p->days_before != r->days_before || p->year != r->year)
        return "activity_reminder: year, due_on, days_before and overdue must be the job's";
    return NULL;
}

typedef const char *(*check_fn)(sb_arena *, const Skillbase__Job *, const Skillbase__Request *);

static const char *check_schedule(sb_arena *a, const Skillbase__Job *job,
                                  const Skillbase__Request *cmd)
{
    return same_id(a, job, "schedule_publicity", cmd->schedule_publicity->id);
}

/* job type -> the one command its worker sends, and what ties it to the job */
static const struct {
    const char *type;
    Skillbase__Request__CommandCase command;
    check_fn check;
} table[] = {
    {"publicity.schedule", SKILLBASE__REQUEST__COMMAND_SCHEDULE_PUBLICITY, check_schedule},
    {"publicity.close", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, check_close},
    {"assessment.reminder", SKILLBASE__REQUEST__COMMAND_ASSESSMENT_REMINDER, check_reminder},
    {SB_SUBSIDY_JOB_TYPE, SKILLBASE__REQUEST__COMMAND_RECORD_STATEMENT, check_statement},
    {"activity.reminder", SKILLBASE__REQUEST__COMMAND_ACTIVITY_REMINDER, check_activity_reminder},
};

static const char *command_name(Skillbase__Request__CommandCase c)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&skillbase__request__descriptor, (unsigned)c);
    return f ? f->name : "an unknown command";
}

const char *sb_job_command_refusal(sb_arena *arena, const Skillbase__Job *job,
                                   const Skillbase__Request *cmd)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        if (strcmp(job->type, table[i].type) != 0)
            continue;
        if (cmd->command_case == table[i].command)
            return table[i].check(arena, job, cmd);
        const char *m =
            sb_arena_printf(arena, "a %s job may finish only with %s, not %s", job->type,
                            command_name(table[i].command), command_name(cmd->command_case));
        return m ? m : "not the command of this job type";
    }
    const char *m = sb_arena_printf(arena, "a %s job may finish with no command (%s sent)",
                                    job->type, command_name(cmd->command_case));
    return m ? m : "this job type allows no command";
}
