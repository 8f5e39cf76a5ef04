/* fault_misc: the fault suite's misbehaving peers (docs/faults.md).
 *
 *   churn        clients that come and go: connect and close, ask and
 *                leave, send a write and vanish before the answer, hang up
 *                in the middle of the handshake; while a canary client keeps
 *                asking. The daemon's descriptors and anonymous memory
 *                must come back to where they were, and the canary must
 *                get every answer.
 *   stall-sub    a subscriber that stops reading (receive high-water mark
 *                1, never reads) until a wake file appears; then it catches
 *                up from the log (skillbase_follow) and checks that it got
 *                every event 1..last once, in order.
 *   hung-worker  a worker that says hello, takes a job and then hangs:
 *                no heartbeat, no answer; the daemon must give the job to
 *                another worker. Repeated with a fresh socket per round.
 */
#ifndef FAULT_MISC_H
#define FAULT_MISC_H

#include <stdint.h>

typedef struct {
    const char *endpoint;
    long pid;                    /* the daemon */
    unsigned cycles;             /* default 1000 */
    int max_fd_growth;           /* default 4 */
    uint64_t max_anon_growth_kb; /* default 16384 */
} fault_churn_options;

/* Returns the exit status (0 held, 1 not). */
int fault_churn(const fault_churn_options *o);

typedef struct {
    const char *endpoint;       /* command endpoint (catching up) */
    const char *event_endpoint; /* the daemon's PUB */
    const char *wake_file;      /* start reading once this exists */
    const char *ready_file;     /* created once subscribed (may be NULL) */
} fault_stall_options;

int fault_stall_sub(const fault_stall_options *o);

typedef struct {
    const char *endpoint;  /* the worker endpoint */
    const char *type;      /* job type to take (default "notify") */
    unsigned rounds;       /* default 3 */
    unsigned hold_ms;      /* silence after taking a job (default 5000) */
    const char *jobs_file; /* the ids of the jobs held, one a line (may be NULL) */
} fault_hung_options;

int fault_hung_worker(const fault_hung_options *o);

#endif
