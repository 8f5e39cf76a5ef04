/* sb_jobs: the transactional outbox — how command handlers cause outside
 * work.
 *
 * A handler that needs a worker to do something (send a notice, count a
 * deadline, compute a statement) enqueues a job inside its own request
 * transaction: the job commits together with the change that called for it
 * or vanishes with it. The broker (broker.h) hands committed jobs to workers
 * after the batch commits. docs/jobs.md describes the whole protocol.
 *
 * Two ways in:
 *  - sb_jobs_enqueue (for a handler: sb_call_enqueue_job): one job of a
 *    given type, e.g. from a handler that
 *    knows it needs a deadline computed;
 *  - the outbox rules (outbox_rules.c): a table from event topic to job
 *    type. sb_jobs_for_event enqueues one job per matching row of an
 *    appended event, each carrying the event. sb_call_append_event calls it
 *    for every transition and for every event without a transition (same
 *    from and to state, e.g. topic "base.assessment_due_soon") that should
 *    reach the workers the same way.
 *
 * All memory is the caller's or the call's arena; nothing here keeps a
 * pointer after returning.
 */
#ifndef SB_JOBS_H
#define SB_JOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "store.h"
#include "jobq.h"
#include "outbox_rules.h"
#include "skillbase.pb-c.h"

/* "job-" and 8 digits and a NUL, with room to spare. */
#define SB_JOB_ID_MAX 32
/* Longest job type; types are lower-case ASCII letters, digits, '_', '-'
 * and '.'. */
#define SB_JOB_TYPE_MAX 32

/* What to enqueue. Everything is copied; the spec may be on the stack. */
typedef struct {
    const char *type;              /* required, e.g. "notify" */
    const char *entity_id;         /* record it concerns; NULL or "" for none */
    const Skillbase__Event *event; /* the event that caused it; NULL for none */
    ProtobufCBinaryData params;    /* type-specific input; {0, NULL} for none */
    uint64_t due_ms;               /* not before (sb_clock time); 0: at once */
    uint32_t max_attempts;         /* 0: [workers] max_attempts */
} sb_job_spec;

/* Enqueue one job in write transaction txn (c: the retry policy, now_ms:
 * the clock). Handlers use sb_call_enqueue_job (handler.h), which calls
 * this in the call's transaction. On success writes the new id into ret_id
 * (at least SB_JOB_ID_MAX bytes) unless ret_id is NULL.
 * Returns 0; SB_E(SB_INVALID) for a bad type (the spec is the caller's
 * bug; logged); SB_E(SB_STORE_FULL) or SB_E(SB_INTERNAL) from the store —
 * return these from the handler as they are. */
int sb_jobs_enqueue(sb_txn *txn, const sb_config *c, uint64_t now_ms, const sb_job_spec *spec,
                    char *ret_id);

/* Enqueue the jobs the outbox rules give for the topic of `ev`, an event
 * just appended in txn (its seq assigned), each carrying the event. Handlers append events with
 * sb_call_append_event (handler.h), which calls this. Returns 0 or a store error as above. */
int sb_jobs_for_event(sb_txn *txn, const sb_config *c, uint64_t now_ms, const Skillbase__Event *ev);

/* True when `type` is a well-formed job type (see SB_JOB_TYPE_MAX). */
bool sb_jobs_type_ok(const char *type);

/* The retry policy from the [workers] configuration. */
void sb_jobs_policy(const sb_config *c, sb_jobq_policy *ret);

#endif
