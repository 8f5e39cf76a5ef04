/* sb_jobq: the job life cycle (jobq.h). Each change loads the job once in
 * a local arena, keeps that version intact for the store's index
 * maintenance, changes a shallow copy (fields are only ever replaced, never
 * changed in place) and writes the copy with sb_store_job_put. */
#include "jobq.h"

#include <stdio.h>
#include <string.h>

#include "sb_arena.h"
#include "sb_error.h"
#include "sb_log.h"

/* A set of job states, for the states a change applies to. */
#define IN(s) (1u << (s))

uint64_t sb_jobq_backoff_ms(const sb_jobq_policy *p, uint32_t attempt, uint32_t random)
{
    uint64_t delay = p->backoff_base_ms;
    for (uint32_t i = 1; i < attempt && delay < p->backoff_max_ms; i++)
        delay *= 2;
    if (delay > p->backoff_max_ms)
        delay = p->backoff_max_ms;
    uint64_t half = delay / 2;
    return (delay - half) + ((half * (uint64_t)random) >> 32);
}

/* Begin a change: the job as stored (*old) and a copy to change (*cur),
 * both in `a` (initialised here; job_end destroys it), refused with
 * SB_E(SB_WRONG_STATE) unless its state is in `states`. */
static int job_begin(sb_txn *t, sb_arena *a, const char *id, unsigned states, Skillbase__Job **old,
                     Skillbase__Job **cur)
{
    sb_arena_init(a, 0);
    int r = sb_store_job_get(t, id, &a->pb, old);
    if (r < 0)
        return r;
    if (!(states & IN((*old)->state)))
        return SB_E(SB_WRONG_STATE);
    if (!(*cur = sb_arena_alloc(a, sizeof **cur)))
        return SB_E(SB_INTERNAL);
    **cur = **old;
    return 0;
}

/* End a change begun with job_begin: when r is 0, write cur and (ret not
 * NULL) load the job as written for the caller, with its allocator. */
static int job_end(sb_txn *t, sb_arena *a, int r, const Skillbase__Job *cur,
                   const Skillbase__Job *old, ProtobufCAllocator *alloc, Skillbase__Job **ret)
{
    if (r == 0)
        r = sb_store_job_put(t, cur, old);
    if (r == 0 && ret)
        r = sb_store_job_get(t, cur->id, alloc, ret);
    sb_arena_destroy(a);
    return r;
}

int sb_jobq_enqueue(sb_txn *t, Skillbase__Job *job, const sb_jobq_policy *p, uint64_t now_ms,
                    char *ret_id)
{
    if (!t || !job || !ret_id)
        return SB_E(SB_INVALID);
    int r = sb_store_job_next_id(t, ret_id, 32);
    if (r < 0)
        return r;
    job->id = ret_id;
    job->state = SKILLBASE__JOB_STATE__QUEUED;
    job->attempt = 0;
    job->created_ms = job->updated_ms = now_ms;
    job->lease_until_ms = 0;
    job->retry_at_ms = 0;
    if (!job->max_attempts)
        job->max_attempts = p->max_attempts ? p->max_attempts : 1;
    return sb_store_job_put(t, job, NULL);
}

int sb_jobq_lease(sb_txn *t, const char *id, const char *worker, const sb_jobq_policy *p,
                  uint64_t now_ms, uint64_t real_ms, ProtobufCAllocator *alloc,
                  Skillbase__Job **ret)
{
    sb_arena a;
    Skillbase__Job *old = NULL, *cur = NULL;
    int r = job_begin(t, &a, id, IN(SKILLBASE__JOB_STATE__QUEUED), &old, &cur);
    if (r == 0) {
        cur->state = SKILLBASE__JOB_STATE__LEASED;
        cur->attempt++;
        cur->worker = (char *)worker;
        cur->lease_until_ms = real_ms + p->lease_ms;
        cur->retry_at_ms = 0;
        cur->updated_ms = now_ms;
    }
    return job_end(t, &a, r, cur, old, alloc, ret);
}

int sb_jobq_done(sb_txn *t, const char *id, const Skillbase__JobResult *result, const char *worker,
                 uint64_t now_ms)
{
    sb_arena a;
    Skillbase__Job *old = NULL, *cur = NULL;
    int r = job_begin(
        t, &a, id, IN(SKILLBASE__JOB_STATE__QUEUED) | IN(SKILLBASE__JOB_STATE__LEASED), &old, &cur);
    if (r == 0) {
        cur->state = SKILLBASE__JOB_STATE__DONE;
        cur->result = (Skillbase__JobResult *)result;
        if (worker && *worker)
            cur->worker = (char *)worker;
        cur->lease_until_ms = 0;
        cur->retry_at_ms = 0;
        cur->updated_ms = now_ms;
    }
    return job_end(t, &a, r, cur, old, NULL, NULL);
}

int sb_jobq_fail(sb_txn *t, const char *id, uint32_t attempt, const char *error,
                 sb_jobq_failure how, const sb_jobq_policy *p, uint32_t random, uint64_t now_ms,
                 uint64_t real_ms, Skillbase__JobState *ret_state)
{
    sb_arena a;
    Skillbase__Job *old = NULL, *cur = NULL;
    int r = job_begin(t, &a, id, IN(SKILLBASE__JOB_STATE__LEASED), &old, &cur);
    if (r == 0 && attempt && old->attempt != attempt)
        r = SB_E(SB_WRONG_STATE);
    Skillbase__JobState state = 0;
    if (r == 0) {
        cur->lease_until_ms = 0;
        cur->updated_ms = now_ms;
        if (error && *error)
            cur->last_error = (char *)error;
        if (how == SB_JOBQ_HANDED_BACK) {
            cur->state = SKILLBASE__JOB_STATE__QUEUED;
            cur->attempt = cur->attempt ? cur->attempt - 1 : 0;
            cur->retry_at_ms = 0;
        } else if (how == SB_JOBQ_FATAL || cur->attempt >= cur->max_attempts) {
            cur->state = SKILLBASE__JOB_STATE__PARKED;
            cur->retry_at_ms = 0;
        } else {
            cur->state = SKILLBASE__JOB_STATE__QUEUED;
            cur->retry_at_ms = real_ms + sb_jobq_backoff_ms(p, cur->attempt, random);
        }
        state = cur->state;
    }
    r = job_end(t, &a, r, cur, old, NULL, NULL);
    if (r == 0 && ret_state)
        *ret_state = state;
    return r;
}

int sb_jobq_retry(sb_txn *t, const char *id, const char *note, uint64_t now_ms,
                  ProtobufCAllocator *alloc, Skillbase__Job **ret)
{
    sb_arena a;
    Skillbase__Job *old = NULL, *cur = NULL;
    int r = job_begin(t, &a, id, IN(SKILLBASE__JOB_STATE__PARKED), &old, &cur);
    if (r == 0) {
        cur->state = SKILLBASE__JOB_STATE__QUEUED;
        cur->attempt = 0;
        cur->retry_at_ms = 0;
        cur->due_ms = 0;
        cur->updated_ms = now_ms;
        if (note && *note)
            cur->last_error = sb_arena_printf(&a, "%s (before: %s)", note,
                                              old->last_error[0] ? old->last_error : "no error");
    }
    return job_end(t, &a, r, cur, old, alloc, ret);
}

int sb_jobq_cancel(sb_txn *t, const char *id, const char *note, uint64_t now_ms,
                   ProtobufCAllocator *alloc, Skillbase__Job **ret)
{
    sb_arena a;
    Skillbase__Job *old = NULL, *cur = NULL;
    Skillbase__JobResult result = SKILLBASE__JOB_RESULT__INIT;
    int r = job_begin(t, &a, id,
                      IN(SKILLBASE__JOB_STATE__QUEUED) | IN(SKILLBASE__JOB_STATE__LEASED) |
                          IN(SKILLBASE__JOB_STATE__PARKED),
                      &old, &cur);
    if (r == 0) {
        cur->state = SKILLBASE__JOB_STATE__CANCELLED;
        cur->lease_until_ms = 0;
        cur->retry_at_ms = 0;
        cur->updated_ms = now_ms;
        result.summary = (char *)(note && *note ? note : "cancelled");
        cur->result = &result;
    }
    return job_end(t, &a, r, cur, old, alloc, ret);
}

int sb_jobq_requeue_leased(sb_txn *t, uint64_t now_ms, size_t *ret_n)
{
    sb_arena a;
    size_t total = 0;
    int r = 0;
    sb_arena_init(&a, 0);
    for (;;) {
        Skillbase__Job **jobs;
        size_t n;
        bool more;
        sb_arena_reset(&a);
        /* always from the start: each pass moves what it found out of LEASED */
        r = sb_store_jobs_list(t, SKILLBASE__JOB_STATE__LEASED, NULL, NULL, 1000, &a.pb, &jobs, &n,
                               &more);
        if (r < 0 || n == 0)
            break;
        for (size_t i = 0; i < n && r == 0; i++) {
            const Skillbase__Job *old = jobs[i];
            Skillbase__Job *cur = sb_arena_alloc(&a, sizeof *cur);
            if (!cur) {
                r = SB_E(SB_INTERNAL);
                break;
            }
            *cur = *old;
            cur->state = SKILLBASE__JOB_STATE__QUEUED;
            cur->attempt = cur->attempt ? cur->attempt - 1 : 0;
            cur->lease_until_ms = 0;
            cur->retry_at_ms = 0;
            cur->updated_ms = now_ms;
            r = sb_store_job_put(t, cur, old);
            total++;
        }
        if (r < 0 || !more)
            break;
    }
    sb_arena_destroy(&a);
    if (r == 0 && ret_n)
        *ret_n = total;
    return r;
}
