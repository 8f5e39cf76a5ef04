/* sb_broker, the job side (broker_jobs.h): the broker's transactions,
 * what it sends, the leases, handing out due jobs and the timers that do
 * it. broker.c holds the socket, start and stop; broker_worker.c the
 * messages workers send.
 */
#include "broker_jobs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "jobq.h"
#include "jobs.h"
#include "privacy.h"
#include "sb_clock.h"
#include "sb_error.h"
#include "sb_log.h"
#include "sb_protocol.h"

uint64_t sb_broker__real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t next_random(sb_broker *b)
{
    /* xorshift64*: jitter only, nothing secret */
    b->rng ^= b->rng >> 12;
    b->rng ^= b->rng << 25;
    b->rng ^= b->rng >> 27;
    return (uint32_t)((b->rng * 2685821657736338717ull) >> 32);
}

/* See broker_jobs.h. */

int sb_broker__txn(sb_broker *b, txn_fn fn, void *arg)
{
    int rc;
    for (int tries = 0;; tries++) {
        sb_txn *t = NULL;
        sb_arena_reset(&b->txn);
        rc = sb_store_begin(b->store, true, &t);
        if (rc)
            break;
        rc = fn(b, t, arg);
        if (rc == 0)
            rc = sb_store_commit(&t);
        else
            sb_store_abort(&t);
        if (rc != SB_E(SB_STORE_FULL) || tries == 16 || sb_store_out_of_space(b->store))
            break;
        if (sb_store_grow(b->store)) {
            sb_log(SB_LOG_ERROR, "store full: raise [daemon] map_max_mb");
            break;
        }
    }
    if (rc)
        sb_log(SB_LOG_ERROR, "jobs: a change was not committed: %s", sb_error_name(rc));
    return rc;
}

/* ------------------------------------------------------------ sending */

int sb_broker__send(sb_broker *b, const sb_peer *w, Skillbase__DaemonMessage *m)
{
    m->protocol = SB_PROTOCOL_VERSION;
    size_t len = skillbase__daemon_message__get_packed_size(m);
    zmq_msg_t body;
    if (zmq_msg_init_size(&body, len ? len : 1))
        return -1;
    skillbase__daemon_message__pack(m, zmq_msg_data(&body));
    /* ROUTER_MANDATORY: a peer that has gone fails with EHOSTUNREACH */
    if (zmq_send(b->router, w->ident, w->ident_len, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0 ||
        zmq_msg_send(&body, b->router, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&body);
        sb_log(SB_LOG_DEBUG, "to worker %s: %s", w->name ? w->name : "?", zmq_strerror(errno));
        return -1;
    }
    ((sb_peer *)w)->last_sent = uv_now(b->loop);
    return 0;
}

void sb_broker__refuse(sb_broker *b, const sb_peer *w, int code, const char *message)
{
    Skillbase__DaemonMessage m = SKILLBASE__DAEMON_MESSAGE__INIT;
    Skillbase__WorkerRefusal r = SKILLBASE__WORKER_REFUSAL__INIT;
    r.code = code;
    r.message = (char *)message;
    m.body_case = SKILLBASE__DAEMON_MESSAGE__BODY_REFUSAL;
    m.refusal = &r;
    sb_broker__send(b, w, &m);
}

void sb_broker__ack(sb_broker *b, const sb_peer *w, const char *id, uint32_t attempt)
{
    Skillbase__DaemonMessage m = SKILLBASE__DAEMON_MESSAGE__INIT;
    Skillbase__JobAck a = SKILLBASE__JOB_ACK__INIT;
    a.job_id = (char *)id;
    a.attempt = attempt;
    m.body_case = SKILLBASE__DAEMON_MESSAGE__BODY_ACK;
    m.ack = &a;
    sb_broker__send(b, w, &m);
}

void sb_broker__heartbeat(sb_broker *b, const sb_peer *w)
{
    Skillbase__DaemonMessage m = SKILLBASE__DAEMON_MESSAGE__INIT;
    Skillbase__WorkerHeartbeat hb = SKILLBASE__WORKER_HEARTBEAT__INIT;
    m.body_case = SKILLBASE__DAEMON_MESSAGE__BODY_HEARTBEAT;
    m.heartbeat = &hb;
    sb_broker__send(b, w, &m);
}

/* ------------------------------------------------------------ failing leases */

typedef struct {
    sb_lease **leases;
    size_t n;
    sb_jobq_failure how;
    const char *error;
} fail_set;

static int fail_fn(sb_broker *b, sb_txn *t, void *arg)
{
    fail_set *fs = arg;
    uint64_t now = sb_clock_now_ms(), real = sb_broker__real_ms();
    for (size_t i = 0; i < fs->n; i++) {
        Skillbase__JobState st;
        int rc = sb_jobq_fail(t, fs->leases[i]->id, fs->leases[i]->attempt, fs->error, fs->how,
                              &b->policy, next_random(b), now, real, &st);
        if (rc == SB_E(SB_WRONG_STATE) || rc == SB_E(SB_NOT_FOUND))
            continue; /* done or cancelled meanwhile */
        if (rc)
            return rc;
        if (st == SKILLBASE__JOB_STATE__PARKED)
            sb_log(SB_LOG_WARN, "job %s parked after attempt %u: %s", fs->leases[i]->id,
                   fs->leases[i]->attempt, fs->error);
    }
    return 0;
}

/* Put back (in one transaction) the given leases and forget them. */
void sb_broker__fail_leases(sb_broker *b, sb_lease **leases, size_t n, sb_jobq_failure how,
                            const char *error)
{
    if (!n)
        return;
    fail_set fs = {leases, n, how, error};
    if (sb_broker__txn(b, fail_fn, &fs))
        return; /* kept in memory: the lease timer tries again */
    if (how != SB_JOBQ_HANDED_BACK)
        b->stats.failed += n;
    for (size_t i = 0; i < n; i++)
        sb_peers_lease_drop(&b->peers, leases[i]);
}

/* Every lease of worker w (NULL: all), to fail as one. */
static size_t leases_of(sb_broker *b, const sb_peer *w, sb_lease ***ret)
{
    size_t n = 0;
    for (sb_lease *l = b->peers.leases; l; l = l->next)
        if (!w || l->w == w)
            n++;
    sb_lease **arr = sb_arena_alloc(&b->work, (n ? n : 1) * sizeof *arr);
    if (!arr)
        return 0;
    n = 0;
    for (sb_lease *l = b->peers.leases; l; l = l->next)
        if (!w || l->w == w)
            arr[n++] = l;
    *ret = arr;
    return n;
}

/* Forget a worker and put its jobs back in the queue. If that cannot be
 * committed the leases stay (without a worker) for the lease timer. */
void sb_broker__drop_worker(sb_broker *b, sb_peer *w, sb_jobq_failure how, const char *why)
{
    sb_lease **ls = NULL;
    size_t n = leases_of(b, w, &ls);
    char error[SB_PEER_NAME_MAX + 128];
    snprintf(error, sizeof error, "worker %s %s", w->name, why);
    sb_log(SB_LOG_INFO, "%s; %zu job(s) back in the queue", error, n);
    sb_broker__fail_leases(b, ls, n, how, error);
    sb_peers_remove(&b->peers, w);
}

/* ------------------------------------------------------------ handing out jobs */

typedef struct {
    sb_peer *w;
    Skillbase__Job *job;
} delivery;

typedef struct {
    delivery *d;
    size_t n, cap;
} pump_state;

static int pump_fn(sb_broker *b, sb_txn *t, void *arg)
{
    pump_state *ps = arg;
    uint64_t now = sb_clock_now_ms(), real = sb_broker__real_ms();
    ps->n = 0;
    for (sb_peer *w = b->peers.workers; w; w = w->next)
        w->pending = 0;
    for (sb_peer *w = b->peers.workers; w; w = w->next) {
        for (size_t i = 0; i < w->n_types; i++) {
            uint32_t free_slots = sb_peer_free(w);
            if (!free_slots)
                break;
            Skillbase__Job **jobs;
            size_t n;
            int rc =
                sb_store_jobs_due(t, w->types[i], now, real, free_slots, &b->txn.pb, &jobs, &n);
            if (rc)
                return rc;
            for (size_t k = 0; k < n && ps->n < ps->cap; k++) {
                Skillbase__Job *leased;
                rc = sb_jobq_lease(t, jobs[k]->id, w->name, &b->policy, now, real, &b->txn.pb,
                                   &leased);
                if (rc)
                    return rc;
                ps->d[ps->n++] = (delivery){w, leased};
                w->pending++;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------ timers */

static void on_lease_timer(uv_timer_t *h);
static void on_due_timer(uv_timer_t *h);

/* Earliest moment (uv_now) a queued job could go to a worker with room;
 * UINT64_MAX when none is waiting or nobody has room. */
static uint64_t next_due(sb_broker *b)
{
    uint64_t best = UINT64_MAX;
    sb_txn *t = NULL;
    if (sb_store_begin(b->store, false, &t))
        return best;
    uint64_t now = uv_now(b->loop), clock = sb_clock_now_ms(), real = sb_broker__real_ms();
    for (sb_peer *w = b->peers.workers; w; w = w->next) {
        if (!sb_peer_free(w))
            continue;
        for (size_t i = 0; i < w->n_types; i++) {
            uint64_t due, retry;
            if (sb_store_jobs_next_due(t, w->types[i], &due, &retry))
                continue;
            if (due != UINT64_MAX) {
                uint64_t at = now + (due > clock ? due - clock : 0);
                best = at < best ? at : best;
            }
            if (retry != UINT64_MAX) {
                uint64_t at = now + (retry > real ? retry - real : 0);
                best = at < best ? at : best;
            }
        }
    }
    sb_store_abort(&t);
    return best;
}

static void arm_timers(sb_broker *b)
{
    if (b->closing)
        return;
    uint64_t now = uv_now(b->loop);
    uint64_t expiry = sb_peers_next_expiry(&b->peers);
    if (expiry == UINT64_MAX)
        uv_timer_stop(&b->lease_timer);
    else
        uv_timer_start(&b->lease_timer, on_lease_timer, expiry > now ? expiry - now : 0, 0);
    /* the tick pumps every heartbeat anyway (and catches a test clock that
     * jumped); the due timer is for what comes sooner. At least 10 ms, so
     * a job that cannot be leased does not spin the loop. */
    uint64_t due = next_due(b);
    uint64_t delay = due > now ? due - now : 0;
    if (delay < 10)
        delay = 10;
    if (due == UINT64_MAX || delay >= b->config->worker_heartbeat_ms)
        uv_timer_stop(&b->due_timer);
    else
        uv_timer_start(&b->due_timer, on_due_timer, delay, 0);
}

/* Push due jobs to workers with room, then re-arm the timers. */
void sb_broker__pump(sb_broker *b)
{
    uint32_t room = 0;
    for (sb_peer *w = b->peers.workers; w; w = w->next)
        room += sb_peer_free(w);
    if (room) {
        pump_state ps = {.cap = room};
        ps.d = calloc(room, sizeof *ps.d);
        sb_lease **lost = calloc(room, sizeof *lost);
        size_t n_lost = 0;
        if (ps.d && lost && sb_broker__txn(b, pump_fn, &ps) == 0) {
            for (size_t i = 0; i < ps.n; i++) {
                delivery *d = &ps.d[i];
                Skillbase__DaemonMessage m = SKILLBASE__DAEMON_MESSAGE__INIT;
                m.body_case = SKILLBASE__DAEMON_MESSAGE__BODY_JOB;
                m.job = d->job;
                /* personal data only for the worker that writes to the
                 * applicant (privacy.h) */
                if (d->job->event && !sb_peer_takes(d->w, "notify") &&
                    sb_privacy_redact_event(&b->work, d->job->event))
                    continue; /* out of memory: leased in the store; a restart requeues it */
                sb_lease *l = sb_peers_lease_add(&b->peers, d->w, d->job->id, d->job->attempt,
                                                 uv_now(b->loop) + b->policy.lease_ms);
                if (!l)
                    continue; /* out of memory: leased in the store; a restart requeues it */
                if (sb_broker__send(b, d->w, &m) == 0) {
                    b->stats.delivered++;
                    sb_log(SB_LOG_DEBUG, "%s %s (attempt %u) to %s", d->job->type, d->job->id,
                           d->job->attempt, d->w->name);
                } else {
                    lost[n_lost++] = l;
                }
            }
        }
        for (sb_peer *w = b->peers.workers; w; w = w->next)
            w->pending = 0;
        /* never reached its worker: back at once, not counted */
        sb_broker__fail_leases(b, lost, n_lost, SB_JOBQ_HANDED_BACK,
                               "could not be sent to the worker");
        free(lost);
        free(ps.d);
        sb_peers_rotate(&b->peers);
    }
    arm_timers(b);
}

static void on_lease_timer(uv_timer_t *h)
{
    sb_broker *b = h->data;
    uint64_t now = uv_now(b->loop);
    size_t n = 0;
    for (sb_lease *l = b->peers.leases; l; l = l->next)
        n += l->expires <= now;
    sb_lease **ls = calloc(n ? n : 1, sizeof *ls);
    if (!ls)
        return;
    n = 0;
    for (sb_lease *l = b->peers.leases; l; l = l->next) {
        if (l->expires <= now) {
            ls[n++] = l;
            sb_log(SB_LOG_WARN, "job %s: lease of %u ms ran out (worker %s)", l->id,
                   b->policy.lease_ms, l->w ? l->w->name : "gone");
        }
    }
    /* a live worker is still busy with the job (a hung handler, say):
     * it keeps counting against its capacity until it reports */
    struct held_by {
        sb_peer *w;
        char id[SB_JOB_ID_MAX];
    } *held = calloc(n ? n : 1, sizeof *held);
    for (size_t i = 0; held && i < n; i++) {
        held[i].w = ls[i]->w;
        memcpy(held[i].id, ls[i]->id, sizeof held[i].id);
    }
    char error[64];
    snprintf(error, sizeof error, "lease of %u ms ran out", b->policy.lease_ms);
    sb_broker__fail_leases(b, ls, n, SB_JOBQ_LEASE_LOST, error);
    for (size_t i = 0; held && i < n; i++)
        if (held[i].w && !sb_peers_lease_find(&b->peers, held[i].id))
            sb_peer_phantom_add(held[i].w, held[i].id);
    free(held);
    free(ls);
    sb_broker__pump(b);
}

static void on_due_timer(uv_timer_t *h)
{
    sb_broker__pump(h->data);
}
