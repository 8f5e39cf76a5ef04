/* sb_jobq: the job life cycle (jobq.h). Each change loads the job twice in
 * a local arena — the old version for the store's index maintenance, a copy
 * to change — and writes the copy with sb_store_job_put. */
#include "jobq.h"

#include <stdio.h>
#include <string.h>

#include "sb_arena.h"
#include "sb_error.h"
#include "sb_log.h"

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

/* The job as stored (old) and a copy to change (cur), both in `a`. */
static int load_pair(sb_txn *t, sb_arena *a, const char *id, Skillbase__Job **old,
                     Skillbase__Job **cur)
{
    int r = sb_store_job_get(t, id, &a->pb, old);
    if (r == 0)
        r = sb_store_job_get(t, id, &a->pb, cur);
    return r;
}

/* Reload the job with the caller's allocator for the caller. */
static int hand_out(sb_txn *t, const char *id, ProtobufCAllocator *alloc, Skillbase__Job **ret)
{
    return ret ? sb_store_job_get(t, id, alloc, ret) : 0;
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
    Skillbase__Job *old, *cur;
    sb_arena_init(&a, 0);
    int r = load_pair(t, &a, id, &old, &cur);
    if (r < 0)
        goto out;
    if (old->state != SKILLBASE__JOB_STATE__QUEUED) {
        r = SB_E(SB_WRONG_STATE);
        goto out;
    }
    cur->state = SKILLBASE__JOB_STATE__LEASED;
    cur->attempt++;
    cur->worker = (char *)worker;
    cur->lease_until_ms = real_ms + p->lease_ms;
    cur->retry_at_ms = 0;
    cur->updated_ms = now_ms;
    r = sb_store_job_put(t, cur, old);
    if (r == 0)
        r = hand_out(t, id, alloc, ret);
out:
    sb_arena_destroy(&a);
    return r;
}

int sb_jobq_done(sb_txn *t, const char *id, const Skillbase__JobResult *result, const char *worker,
                 uint64_t now_ms)
{
    sb_arena a;
    Skillbase__Job *old, *cur;
    sb_arena_init(&a, 0);
    int r = load_pair(t, &a, id, &old, &cur);
    if (r < 0)
        goto out;
    if (old->state != SKILLBASE__JOB_STATE__QUEUED && old->state != SKILLBASE__JOB_STATE__LEASED) {
        r = SB_E(SB_WRONG_STATE);
        goto out;
    }
    cur->state = SKILLBASE__JOB_STATE__DONE;
    cur->result = (Skillbase__JobResult *)result;
    if (worker && *worker)
        cur->worker = (char *)worker;
    cur->lease_until_ms = 0;
    cur->retry_at_ms = 0;
    cur->updated_ms = now_ms;
    r = sb_store_job_put(t, cur, old);
out:
    sb_arena_destroy(&a);
    return r;
}

int sb_jobq_fail(sb_txn *t, const char *id, uint32_t attempt, const char *error,
                 sb_jobq_failure how, const sb_jobq_policy *p, uint32_t random, uint64_t now_ms,
                 uint64_t real_ms, Skillbase__JobState *ret_state)
{
    sb_arena a;
    Skillbase__Job *old, *cur;
    sb_arena_init(&a, 0);
    int r = load_pair(t, &a, id, &old, &cur);
    if (r < 0)
        goto out;
    if (old->state != SKILLBASE__JOB_STATE__LEASED || (attempt && old->attempt != attempt)) {
        r = SB_E(SB_WRONG_STATE);
        goto out;
    }
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
    r = sb_store_job_put(t, cur, old);
    if (r == 0 && ret_state)
        *ret_state = cur->state;
out:
    sb_arena_destroy(&a);
    return r;
}

int sb_jobq_retry(sb_txn *t, const char *id, const char *note, uint64_t now_ms,
                  ProtobufCAllocator *alloc, Skillbase__Job **ret)
{
    sb_arena a;
    Skillbase__Job *old, *cur;
    sb_arena_init(&a, 0);
    int r = load_pair(t, &a, id, &old, &cur);
    if (r < 0)
        goto out;
    if (old->state != SKILLBASE__JOB_STATE__PARKED) {
        r = SB_E(SB_WRONG_STATE);
        goto out;
    }
    cur->state = SKILLBASE__JOB_STATE__QUEUED;
    cur->attempt = 0;
    cur->retry_at_ms = 0;
    cur->due_ms = 0;
    cur->updated_ms = now_ms;
    if (note && *note)
        cur->last_error = sb_arena_printf(&a, "%s (before: %s)", note,
                                          old->last_error[0] ? old->last_error : "no error");
    r = sb_store_job_put(t, cur, old);
    if (r == 0)
        r = hand_out(t, id, alloc, ret);
out:
    sb_arena_destroy(&a);
    return r;
}

int sb_jobq_cancel(sb_txn *t, const char *id, const char *note, uint64_t now_ms,
                   ProtobufCAllocator *alloc, Skillbase__Job **ret)
{
    sb_arena a;
    Skillbase__Job *old, *cur;
    Skillbase__JobResult result = SKILLBASE__JOB_RESULT__INIT;
    sb_arena_init(&a, 0);
    int r = load_pair(t, &a, id, &old, &cur);
    if (r < 0)
        goto out;
    if (old->state == SKILLBASE__JOB_STATE__DONE || old->state == SKILLBASE__JOB_STATE__CANCELLED) {
        r = SB_E(SB_WRONG_STATE);
        goto out;
    }
    cur->state = SKILLBASE__JOB_STATE__CANCELLED;
    cur->lease_until_ms = 0;
    cur->retry_at_ms = 0;
    cur->updated_ms = now_ms;
    result.summary = (char *)(note && *note ? note : "cancelled");
    cur->result = &result;
    r = sb_store_job_put(t, cur, old);
    if (r == 0)
        r = hand_out(t, id, alloc, ret);
out:
    sb_arena_destroy(&a);
    return r;
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
            Skillbase__Job *old, *cur = jobs[i];
            r = sb_store_job_get(t, cur->id, &a.pb, &old);
            if (r < 0)
                break;
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
