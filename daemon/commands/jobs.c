/* sb_jobs: the outbox as handlers see it (jobs.h). */
#include "jobs.h"

#include <string.h>

#include "jobq.h"
#include "sb_error.h"
#include "sb_log.h"
#include "store.h"

void sb_jobs_policy(const sb_config *c, sb_jobq_policy *ret)
{
    ret->lease_ms = c->job_lease_ms;
    ret->max_attempts = c->job_max_attempts;
    ret->backoff_base_ms = c->job_backoff_base_ms;
    ret->backoff_max_ms = c->job_backoff_max_ms;
}

bool sb_jobs_type_ok(const char *type)
{
    size_t n = type ? strlen(type) : 0;
    if (n == 0 || n > SB_JOB_TYPE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = type[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
              ch == '.'))
            return false;
    }
    return true;
}

int sb_jobs_enqueue(sb_txn *txn, const sb_config *c, uint64_t now_ms, const sb_job_spec *spec,
                    char *ret_id)
{
    char id[SB_JOB_ID_MAX];
    if (!spec || !sb_jobs_type_ok(spec->type)) {
        sb_log(SB_LOG_ERROR, "jobs: refusing to enqueue a job of type \"%s\"",
               spec && spec->type ? spec->type : "(null)");
        return SB_E(SB_INVALID);
    }
    Skillbase__Job job = SKILLBASE__JOB__INIT;
    job.type = (char *)spec->type;
    job.entity_id = (char *)(spec->entity_id ? spec->entity_id
                             : spec->event   ? spec->event->entity_id
                                             : "");
    job.event = (Skillbase__Event *)spec->event;
    job.params = spec->params;
    job.due_ms = spec->due_ms;
    job.max_attempts = spec->max_attempts;
    sb_jobq_policy p;
    sb_jobs_policy(c, &p);
    int r = sb_jobq_enqueue(txn, &job, &p, now_ms, id);
    if (r < 0)
        return r;
    if (ret_id)
        memcpy(ret_id, id, strlen(id) + 1);
    return 0;
}

int sb_jobs_for_event(sb_txn *txn, const sb_config *c, uint64_t now_ms, const Skillbase__Event *ev)
{
    int r;
    size_t n;
    const sb_outbox_rule *rules = sb_outbox_rules(&n);
    for (size_t i = 0; i < n; i++) {
        if (!sb_outbox_topic_matches(rules[i].topic, ev->topic))
            continue;
        sb_job_spec spec = {
            .type = rules[i].type,
            .entity_id = ev->entity_id,
            .event = ev,
            .max_attempts = rules[i].max_attempts,
        };
        r = sb_jobs_enqueue(txn, c, now_ms, &spec, NULL);
        if (r < 0)
            return r;
    }
    return 0;
}
