/* sb_broker: the worker endpoint (broker.h) — the socket, the heartbeat
 * tick, start and stop. The leases, handing out jobs and their timers are
 * in broker_jobs.c; the messages workers send in broker_worker.c.
 *
 * In memory: the connected workers and the leases out with them. In the
 * store: every job. A change of a job is one short write transaction
 * (jobq.h) committed before the message that tells of it is sent; what is
 * in memory changes only after the commit, so a failed commit leaves both
 * as they were.
 */
#include "broker.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "broker_jobs.h"
#include "broker_worker.h"
#include "privacy.h"
#include "rules.h"
#include "dispatch.h"
#include "handlers.h"
#include "jobq.h"
#include "jobs.h"
#include "sb_arena.h"
#include "sb_clock.h"
#include "sb_error.h"
#include "sb_log.h"
#include "sb_zreader.h"
#include "security.h"
#include "sb_protocol.h"

void sb_broker_kick(void *arg)
{
    sb_broker *b = arg;
    if (b && !b->closing)
        sb_broker__pump(b);
}

/* Every heartbeat interval: bury silent workers, heartbeat the others. */
static void on_tick(uv_timer_t *h)
{
    sb_broker *b = h->data;
    uint64_t now = uv_now(b->loop);
    uint64_t hb = b->config->worker_heartbeat_ms;
    uint64_t dead_after = hb * b->config->worker_liveness;
    for (sb_peer *w = b->peers.workers, *next; w; w = next) {
        next = w->next;
        if (now - w->last_heard > dead_after) {
            char why[64];
            snprintf(why, sizeof why, "sent nothing for %llu ms", (unsigned long long)dead_after);
            sb_broker__drop_worker(b, w, SB_JOBQ_LEASE_LOST, why);
        } else if (now - w->last_sent >= hb) {
            sb_broker__heartbeat(b, w);
        }
    }
    sb_broker__pump(b);
}

/* ------------------------------------------------------------ start, stop */

static int requeue_fn(sb_broker *b, sb_txn *t, void *arg)
{
    (void)b;
    return sb_jobq_requeue_leased(t, sb_clock_now_ms(), arg);
}

int sb_broker_start(uv_loop_t *loop, void *zctx, const sb_config *config, sb_store *store,
                    uint64_t started_ms, sb_broker **ret)
{
    sb_broker *b = calloc(1, sizeof *b);
    if (!b)
        return SB_E(SB_INTERNAL);
    b->loop = loop;
    b->config = config;
    b->store = store;
    b->dispatch = (sb_dispatch_ctx){.store = store, .config = config, .started_ms = started_ms};
    sb_jobs_policy(config, &b->policy);
    b->rng = sb_broker__real_ms() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)b;
    if (!b->rng)
        b->rng = 1;
    sb_arena_init(&b->msg_arena, 0);
    sb_arena_init(&b->txn, 0);
    sb_arena_init(&b->work, 0);
    sb_arena_init(&b->cmd_arena, 0);
    size_t requeued = 0;
    if (sb_broker__txn(b, requeue_fn, &requeued))
        goto fail;
    if (requeued)
        sb_log(SB_LOG_INFO, "%zu job(s) leased before the restart are queued again", requeued);
    b->router = zmq_socket(zctx, ZMQ_ROUTER);
    if (!b->router)
        goto fail;
    int one = 1, linger = 1000;
    /* a JobDone carries a Request: the same bound as the command endpoint,
     * plus room for the envelope */
    int64_t maxmsg = (int64_t)config->max_request_bytes + 64 * 1024;
    zmq_setsockopt(b->router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(b->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    zmq_setsockopt(b->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    /* tcp://: CURVE with ZAP, before the bind (security.h) */
    if (sb_security_server_socket(b->router, config->worker_endpoint, SB_ENDPOINT_WORKER))
        goto fail;
    if (zmq_bind(b->router, config->worker_endpoint)) {
        sb_log(SB_LOG_ERROR, "cannot bind the worker endpoint %s: %s", config->worker_endpoint,
               zmq_strerror(errno));
        goto fail;
    }
    /* DRAIN_MAX messages a turn, then the jobs they freed go out */
    sb_zreader_options ro = {.sock = b->router,
                             .name = "worker endpoint",
                             .on_message = sb_broker__on_message,
                             .after = sb_broker__after_messages,
                             .arg = b,
                             .max_per_turn = DRAIN_MAX};
    if (sb_zreader_start(loop, &ro, &b->reader))
        goto fail;
    uv_timer_init(loop, &b->tick);
    uv_timer_init(loop, &b->lease_timer);
    uv_timer_init(loop, &b->due_timer);
    b->tick.data = b->lease_timer.data = b->due_timer.data = b;
    uv_timer_start(&b->tick, on_tick, config->worker_heartbeat_ms, config->worker_heartbeat_ms);
    sb_log(SB_LOG_INFO, "workers connect to %s", config->worker_endpoint);
    *ret = b;
    return 0;
fail:
    if (b->router)
        zmq_close(b->router);
    sb_arena_destroy(&b->msg_arena);
    sb_arena_destroy(&b->txn);
    sb_arena_destroy(&b->work);
    sb_arena_destroy(&b->cmd_arena);
    free(b);
    return SB_E(SB_INTERNAL);
}

static void free_on_close(uv_handle_t *h)
{
    sb_broker *b = h->data;
    if (--b->closing == 0) {
        sb_peers_clear(&b->peers);
        sb_arena_destroy(&b->msg_arena);
        sb_arena_destroy(&b->txn);
        sb_arena_destroy(&b->work);
        sb_arena_destroy(&b->cmd_arena);
        free(b);
    }
}

void sb_broker_stop(sb_broker **bp)
{
    sb_broker *b = *bp;
    if (!b)
        return;
    *bp = NULL;
    sb_zreader_turn(b->reader); /* record outcomes that have arrived */
    b->closing = 3;
    sb_zreader_stop(&b->reader);
    uv_close((uv_handle_t *)&b->tick, free_on_close);
    uv_close((uv_handle_t *)&b->lease_timer, free_on_close);
    uv_close((uv_handle_t *)&b->due_timer, free_on_close);
    zmq_close(b->router);
    b->router = NULL;
}

void sb_broker_stats_get(const sb_broker *b, sb_broker_stats *ret)
{
    memset(ret, 0, sizeof *ret);
    ret->delivered = b->stats.delivered;
    ret->completed = b->stats.completed;
    ret->failed = b->stats.failed;
    ret->refused = b->stats.refused;
    for (const sb_peer *w = b->peers.workers; w; w = w->next)
        ret->workers++;
    for (const sb_lease *l = b->peers.leases; l; l = l->next)
        ret->leases++;
}
