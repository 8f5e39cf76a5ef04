/* sb_jobq: the life cycle of a job, over the store (store_jobs.h).
 *
 *   enqueue ──▶ QUEUED ──lease──▶ LEASED ──done──▶ DONE
 *                 ▲  ▲               │
 *                 │  └──fail, retryable, lease lost, attempts left (backoff)
 *                 │  └──handed back, daemon restart (at once, not counted)
 *                 │                  │ fail, not retryable, or last attempt
 *              retry (operator)      ▼
 *                 └─────────────── PARKED
 *   cancel (operator): QUEUED | LEASED | PARKED ──▶ CANCELLED
 *
 * Each function is one change of one job inside the caller's write
 * transaction; the broker (broker.h) calls them, commits, and only then
 * talks to workers. Clocks are passed in: now_ms is the daemon's clock
 * (sb_clock; dates and due times), real_ms the real wall clock (leases and
 * backoff, which tests never move). Returns 0 or a negated sb_error:
 * SB_E(SB_NOT_FOUND) for an unknown job, SB_E(SB_WRONG_STATE) when the job
 * is not in a state the change applies to (a stale message: ignore it).
 */
#ifndef SB_JOBQ_H
#define SB_JOBQ_H

#include <stdint.h>

#include "store.h"
#include "store_jobs.h"

/* The retry policy ([workers] in the configuration). */
typedef struct {
    uint32_t lease_ms;
    uint32_t max_attempts;    /* for jobs enqueued with 0 */
    uint32_t backoff_base_ms; /* delay before the 2nd attempt, before jitter */
    uint32_t backoff_max_ms;  /* cap, before jitter */
} sb_jobq_policy;

/* How an attempt ended without success. */
typedef enum {
    SB_JOBQ_RETRYABLE,   /* JobFailed retryable: counted, backoff */
    SB_JOBQ_FATAL,       /* JobFailed not retryable: parked at once */
    SB_JOBQ_LEASE_LOST,  /* lease ran out or the worker died: counted, backoff */
    SB_JOBQ_HANDED_BACK, /* the worker gave it back unstarted: not counted, at once */
} sb_jobq_failure;

/* The delay before the next delivery after `attempt` failed deliveries
 * (attempt >= 1): base * 2^(attempt-1), capped at max, then "equal jitter":
 * half of it fixed, the other half scaled by random / 2^32. Pure. */
uint64_t sb_jobq_backoff_ms(const sb_jobq_policy *p, uint32_t attempt, uint32_t random);

/* Store a new job: `job` has type (and entity_id, event, params, due_ms,
 * max_attempts as wanted) set; this sets id (copied into ret_id, >= 32
 * bytes), state QUEUED, attempt 0, created/updated, and max_attempts from
 * the policy when 0. job->id points at ret_id afterwards. */
int sb_jobq_enqueue(sb_txn *t, Skillbase__Job *job, const sb_jobq_policy *p, uint64_t now_ms,
                    char *ret_id);

/* QUEUED -> LEASED to `worker`: attempt + 1, lease until real_ms +
 * lease_ms. Returns 0 and *ret (the job as leased; free with
 * skillbase__job__free_unpacked(j, alloc)). */
int sb_jobq_lease(sb_txn *t, const char *id, const char *worker, const sb_jobq_policy *p,
                  uint64_t now_ms, uint64_t real_ms, ProtobufCAllocator *alloc,
                  Skillbase__Job **ret);

/* QUEUED or LEASED -> DONE with `result` (copied). A job that is not
 * leased to this delivery any more (requeued after its lease ran out) is
 * still done: the work was done. */
int sb_jobq_done(sb_txn *t, const char *id, const Skillbase__JobResult *result, const char *worker,
                 uint64_t now_ms);

/* LEASED (at `attempt`; 0: any) -> QUEUED with backoff, or PARKED after
 * its last attempt or a fatal failure. *ret_state (may be NULL) tells which.
 * `random` feeds the jitter. */
int sb_jobq_fail(sb_txn *t, const char *id, uint32_t attempt, const char *error,
                 sb_jobq_failure how, const sb_jobq_policy *p, uint32_t random, uint64_t now_ms,
                 uint64_t real_ms, Skillbase__JobState *ret_state);

/* PARKED -> QUEUED, due at once, attempts start again from 0. `note`
 * (e.g. "retried by alice: smtp fixed") goes into last_error. Returns the
 * job as it is now in *ret when ret is not NULL. */
int sb_jobq_retry(sb_txn *t, const char *id, const char *note, uint64_t now_ms,
                  ProtobufCAllocator *alloc, Skillbase__Job **ret);

/* QUEUED | LEASED | PARKED -> CANCELLED; `note` becomes the result's
 * summary. A worker's later outcome for it is ignored. */
int sb_jobq_cancel(sb_txn *t, const char *id, const char *note, uint64_t now_ms,
                   ProtobufCAllocator *alloc, Skillbase__Job **ret);

/* At daemon start: every LEASED job back to QUEUED at once, the attempt
 * not counted (the daemon, not the job, went away). *ret_n: how many. */
int sb_jobq_requeue_leased(sb_txn *t, uint64_t now_ms, size_t *ret_n);

#endif
