/* Command handlers for the job outbox: list_jobs, show_job, retry_job,
 * cancel_job, and the job counts of status. */
#include <string.h>

#include "handlers_private.h"
#include "jobq.h"
#include "jobs.h"
#include "sb_error.h"
#include "store_jobs.h"

#define NOTE_MAX 2000

static int check_job_id(sb_call *call, const char *id)
{
    if (!id || !id[0])
        return sb_call_fail(call, SB_INVALID, "id: missing");
    if (strlen(id) > 64 || strncmp(id, "job-", 4) != 0 || !sb_rules_text_ok(id))
        return sb_call_fail(call, SB_INVALID, "id: \"%s\" is not a job id (job-NNNNNNNN)", id);
    return 0;
}

static int reply_job(sb_call *call, Skillbase__Job *job)
{
    if (sb_handler_withhold_events(call, &job->event, job->event ? 1 : 0))
        return SB_E(SB_INTERNAL);
    call->reply->result_case = SKILLBASE__REPLY__RESULT_JOB;
    call->reply->job = job;
    return 0;
}

/* "parked": the lower-case name, as the CLI and JSON spell it. */
static const char *state_name(sb_call *call, Skillbase__JobState s)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&skillbase__job_state__descriptor, (int)s);
    char *name = v ? sb_arena_strdup(call->arena, v->name) : NULL;
    for (char *p = name; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return name ? name : "?";
}

int sb_handler_list_jobs(sb_call *call)
{
    const Skillbase__ListJobs *q = call->req->list_jobs;
    if (q->state > SKILLBASE__JOB_STATE__CANCELLED)
        return sb_call_fail(call, SB_INVALID, "state: unknown job state %d", (int)q->state);
    if (q->type && q->type[0] && !sb_jobs_type_ok(q->type))
        return sb_call_fail(call, SB_INVALID,
                            "type: \"%s\" is not a job type (lower-case letters, digits, _ - .; "
                            "at most %d)",
                            q->type, SB_JOB_TYPE_MAX);
    if (q->after && q->after[0] && check_job_id(call, q->after))
        return SB_E(SB_INVALID);
    Skillbase__JobPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__job_page__init(page);
    size_t n;
    bool more;
    int rc = sb_store_jobs_list(call->txn, q->state, q->type, q->after,
                                sb_handler_page_limit(call, q->limit), &call->arena->pb,
                                &page->jobs, &n, &more);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (page->jobs[i]->event && sb_handler_withhold_events(call, &page->jobs[i]->event, 1))
            return SB_E(SB_INTERNAL);
    size_t fit = sb_handler_page_fit(call, (void *const *)page->jobs, n);
    more = more || fit < n;
    n = fit;
    page->n_jobs = n;
    if (more && n)
        page->next = page->jobs[n - 1]->id;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_JOBS;
    call->reply->jobs = page;
    return 0;
}

static int load_job(sb_call *call, const char *id, Skillbase__Job **ret)
{
    int rc = check_job_id(call, id);
    if (rc)
        return rc;
    rc = sb_store_job_get(call->txn, id, &call->arena->pb, ret);
    if (rc == SB_E(SB_NOT_FOUND))
        return sb_call_fail(call, SB_NOT_FOUND, "no job with id %s", id);
    return rc;
}

int sb_handler_show_job(sb_call *call)
{
    Skillbase__Job *job;
    int rc = load_job(call, call->req->show_job->id, &job);
    return rc ? rc : reply_job(call, job);
}

/* "retried by alice: smtp fixed" */
static const char *note(sb_call *call, const char *verb, const char *reason)
{
    if (reason && reason[0])
        return sb_arena_printf(call->arena, "%s by %s: %s", verb, call->actor, reason);
    return sb_arena_printf(call->arena, "%s by %s", verb, call->actor);
}

int sb_handler_retry_job(sb_call *call)
{
    const Skillbase__JobRef *q = call->req->retry_job;
    Skillbase__Job *job;
    int rc = load_job(call, q->id, &job);
    if (rc)
        return rc;
    rc = sb_call_check_reason(call, q->reason, false, "retry_job");
    if (rc)
        return rc;
    if (job->state != SKILLBASE__JOB_STATE__PARKED)
        return sb_call_fail(call, SB_WRONG_STATE, "%s is %s; only a parked job can be retried",
                            job->id, state_name(call, job->state));
    rc = sb_jobq_retry(call->txn, q->id, note(call, "retried", q->reason), call->now_ms,
                       &call->arena->pb, &job);
    return rc ? rc : reply_job(call, job);
}

int sb_handler_cancel_job(sb_call *call)
{
    const Skillbase__JobRef *q = call->req->cancel_job;
    Skillbase__Job *job;
    int rc = load_job(call, q->id, &job);
    if (rc)
        return rc;
    rc = sb_call_check_reason(call, q->reason, false, "cancel_job");
    if (rc)
        return rc;
    if (job->state == SKILLBASE__JOB_STATE__DONE || job->state == SKILLBASE__JOB_STATE__CANCELLED)
        return sb_call_fail(call, SB_WRONG_STATE,
                            "%s is %s already; only a queued, leased or parked job can be "
                            "cancelled",
                            job->id, state_name(call, job->state));
    rc = sb_jobq_cancel(call->txn, q->id, note(call, "cancelled", q->reason), call->now_ms,
                        &call->arena->pb, &job);
    return rc ? rc : reply_job(call, job);
}

int sb_handler_status_jobs(sb_call *call, Skillbase__StatusInfo *st)
{
    uint64_t counts[SB_JOB_STATES];
    int rc = sb_store_job_counts(call->txn, counts);
    if (rc)
        return rc;
    st->job_counts = sb_arena_alloc(call->arena, SB_JOB_STATES * sizeof *st->job_counts);
    if (!st->job_counts)
        return SB_E(SB_INTERNAL);
    st->n_job_counts = 0;
    for (int s = SKILLBASE__JOB_STATE__QUEUED; s <= SKILLBASE__JOB_STATE__CANCELLED; s++) {
        if (!counts[s])
            continue;
        Skillbase__JobCount *c = sb_arena_alloc(call->arena, sizeof *c);
        if (!c)
            return SB_E(SB_INTERNAL);
        skillbase__job_count__init(c);
        c->state = s;
        c->count = counts[s];
        st->job_counts[st->n_job_counts++] = c;
    }
    return 0;
}
