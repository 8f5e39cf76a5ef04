/* broker_jobs.h: the broker's state and its job side (broker_jobs.c: its
 * transactions, sends, leases, handing out jobs, timers), shared by
 * broker.c (the socket, start and stop) and broker_worker.c (the messages
 * workers send). Private to them; the API is broker.h. Helpers carry a
 * double underscore.
 */
#ifndef SB_BROKER_JOBS_H
#define SB_BROKER_JOBS_H

#include <stdint.h>
#include <uv.h>

#include "broker_peers.h"
#include "broker_stats.h"
#include "config.h"
#include "dispatch.h"
#include "jobq.h"
#include "sb_arena.h"
#include "store.h"

typedef struct sb_broker sb_broker; /* as in broker.h */

#define DRAIN_MAX 256 /* messages handled per turn before others get theirs */

struct sb_broker {
    uv_loop_t *loop;
    const sb_config *config;
    sb_store *store;
    void *router;
    struct sb_zreader *reader; /* the ROUTER in the loop (sb_zreader.h) */
    uv_timer_t tick, lease_timer, due_timer;
    sb_dispatch_ctx dispatch;
    sb_arena msg_arena; /* the message being handled */
    sb_arena txn;       /* what a transaction builds; reset as each begins */
    sb_arena work;      /* scratch of one event (message, timer); reset as it begins */
    sb_arena cmd_arena; /* sb_dispatch of a job's command */
    sb_jobq_policy policy;
    sb_peers peers;
    uint64_t rng;
    sb_broker_stats stats;
    int closing;
};

/* Run fn in one write transaction; grow the map and run it again when it
 * fills up. fn must not change memory outside the transaction and b->txn
 * (whose contents stay readable until the next sb_broker__txn). Returns 0
 * when committed, else the error (logged). */
typedef int (*txn_fn)(sb_broker *b, sb_txn *t, void *arg);
int sb_broker__txn(sb_broker *b, txn_fn fn, void *arg);

/* Send one DaemonMessage to worker w (protocol set here). Returns 0, or -1
 * when the worker is gone (EHOSTUNREACH) or out of memory. */
int sb_broker__send(sb_broker *b, const sb_peer *w, Skillbase__DaemonMessage *m);

/* Send a refusal, an ack. */
void sb_broker__refuse(sb_broker *b, const sb_peer *w, int code, const char *message);
void sb_broker__ack(sb_broker *b, const sb_peer *w, const char *id, uint32_t attempt);

/* Put the given leases' jobs back (jobq.h `how`, `error` recorded) in one
 * transaction and forget the leases; on a failed commit they stay. */
void sb_broker__fail_leases(sb_broker *b, sb_lease **leases, size_t n, sb_jobq_failure how,
                            const char *error);

/* Forget worker w; its leased jobs go back to the queue as `how`. */
void sb_broker__drop_worker(sb_broker *b, sb_peer *w, sb_jobq_failure how, const char *why);

/* Hand due jobs to workers with room, then re-arm the timers. */
void sb_broker__pump(sb_broker *b);

/* The wall clock in ms (seeds the jitter of retries). */
uint64_t sb_broker__real_ms(void);

/* Send worker w a heartbeat. */
void sb_broker__heartbeat(sb_broker *b, const sb_peer *w);

#endif
