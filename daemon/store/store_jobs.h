/* sb_store jobs: the durable job outbox in the store (store.h).
 *
 * Named databases (see docs/storage.md):
 *   jobs           id -> packed Skillbase__Job
 *   job_state_idx  state(1) | id -> ""                 every job
 *   job_due_idx    type NUL class(1) | time(u64 BE) | id -> ""
 *                  queued jobs only. Class 0: never delivered since it was
 *                  (re)queued without a backoff, time = due_ms on the
 *                  daemon's clock (sb_clock, which tests may set); class 1:
 *                  waiting out a retry backoff, time = retry_at_ms on the
 *                  real clock. Composite keys, no DUPSORT (TECH-NOTES 6).
 *   meta           "serial/job" (the id counter), "jobs/<state>" (counts)
 *
 * sb_store_job_put keeps both indexes and the counts in step with the job
 * it writes, so the life-cycle code (jobq.h) only ever writes whole jobs.
 * Same conventions as store.h: 0 or a negated sb_error; messages unpacked
 * with `alloc` (NULL: malloc).
 */
#ifndef SB_STORE_JOBS_H
#define SB_STORE_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Number of JobState values (counts arrays are indexed by state). */
#define SB_JOB_STATES 6

/* Allocate the next job id, "job-00000001", ... into buf (>= 32 bytes). */
int sb_store_job_next_id(sb_txn *t, char *buf, size_t len);

/* Load job `id`. Returns 0 and *ret (free with
 * skillbase__job__free_unpacked(j, alloc)), SB_E(SB_NOT_FOUND), or
 * SB_E(SB_INTERNAL) when the stored bytes do not decode. */
int sb_store_job_get(sb_txn *t, const char *id, ProtobufCAllocator *alloc, Skillbase__Job **ret);

/* Write `job` (id, type and state set) and update the indexes and counts;
 * `old` is the job as stored before (NULL for a new job). Returns 0,
 * SB_E(SB_INVALID) for a job without id or type, or a store error. */
int sb_store_job_put(sb_txn *t, const Skillbase__Job *job, const Skillbase__Job *old);

/* Jobs ordered by id, in `state` (0: any) and of `type` (NULL or "": any),
 * after id `after` (NULL or "": from the start), at most `limit` (0: 100,
 * capped at 1000). Returns 0 with *ret_jobs (free with
 * sb_store_jobs_free), *ret_n and *ret_more. */
int sb_store_jobs_list(sb_txn *t, Skillbase__JobState state, const char *type, const char *after,
                       uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Job ***ret_jobs,
                       size_t *ret_n, bool *ret_more);

/* Queued jobs of `type` that may be delivered now: retries whose
 * retry_at_ms <= real_ms first (oldest backoff first), then new jobs whose
 * due_ms <= now_ms (earliest first), at most `limit`. Same return contract
 * (without ret_more). */
int sb_store_jobs_due(sb_txn *t, const char *type, uint64_t now_ms, uint64_t real_ms,
                      uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Job ***ret_jobs,
                      size_t *ret_n);

/* The earliest queued job of `type` not yet due: *ret_due_ms (daemon
 * clock; UINT64_MAX when none waits on its due time) and *ret_retry_ms
 * (real clock; UINT64_MAX when none waits out a backoff). */
int sb_store_jobs_next_due(sb_txn *t, const char *type, uint64_t *ret_due_ms,
                           uint64_t *ret_retry_ms);

/* Jobs per state: counts[state] for state 1..5 (counts[0] is 0). */
int sb_store_job_counts(sb_txn *t, uint64_t counts[SB_JOB_STATES]);

void sb_store_jobs_free(Skillbase__Job **jobs, size_t n, ProtobufCAllocator *alloc);

#endif
