#include "bench_load.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "sb_drive.h"

/* A reply slower than this means the daemon is stuck: the run fails. */
#define REPLY_TIMEOUT_NS (60ull * 1000000000u)
#define REFUSALS_SHOWN 5
/* Applications a client keeps waiting for their publicity to end. */
#define PENDING_MAX 32
#define DAY_MS (86400ull * 1000)

/* An application in publicity, waiting for the clock. */
typedef struct {
    char app_id[48];
    bench_step last;      /* CLOSE or ASSESS */
    uint64_t close_at_ms; /* closable once the test clock has reached this */
} pending;

typedef struct {
    void *sock;
    unsigned index;
    int busy;        /* a request is in flight */
    int done;        /* preload: no more applications to make */
    int fresh;       /* the next request starts a new application */
    bench_step step; /* the step in flight or next */
    bench_step last; /* last step of the current application */
    char app_id[48], base_id[48];
    char ccode[SB_DRIVE_CCODE_LEN + 1];
    char request_id[48];
    uint64_t seq;
    uint64_t rng; /* --random-keys */
    uint64_t sent_ns;
    pending pend[PENDING_MAX]; /* a ring, oldest at pend_head */
    unsigned pend_head, pend_n;
} client;

/* What the threads of one run share. */
typedef struct {
    const bench_load_options *o;
    void *zctx;
    uint64_t t_start, t_end; /* measured window (timed run) */
    _Atomic uint64_t records_claimed;
    _Atomic uint64_t records_created;
    _Atomic uint64_t apps;
    _Atomic int refusals_shown;
    _Atomic uint64_t clock_now_ms; /* the test clock's time, once its file says so */
    _Atomic int stop;              /* a thread failed: everyone stops */
    _Atomic unsigned running;      /* threads still working */
} shared;

typedef struct {
    shared *sh;
    client *clients;
    unsigned n;
    bench_load_result res;
    pthread_t tid;
} worker;

/* Take up the oldest application whose publicity has ended, if any:
 * returns 1 with c on its close_publicity. */
static int take_pending(worker *w, client *c)
{
    if (!c->pend_n)
        return 0;
    pending *p = &c->pend[c->pend_head];
    if (w->sh->o->clock_path && p->close_at_ms > atomic_load(&w->sh->clock_now_ms))
        return 0;
    memcpy(c->app_id, p->app_id, sizeof c->app_id);
    c->last = p->last;
    c->step = BENCH_STEP_CLOSE;
    c->fresh = 0;
    c->pend_head = (c->pend_head + 1) % PENDING_MAX;
    c->pend_n--;
    return 1;
}

/* Evaluate passed: c's application waits for the clock to pass the end of
 * its window (close_at_ms from the reply; 0, not said: one step on). */
static void put_pending(worker *w, client *c, uint64_t close_at_ms)
{
    pending *p = &c->pend[(c->pend_head + c->pend_n) % PENDING_MAX];
    memcpy(p->app_id, c->app_id, sizeof p->app_id);
    p->last = c->last;
    p->close_at_ms = close_at_ms ? close_at_ms : atomic_load(&w->sh->clock_now_ms) + 1;
    c->pend_n++;
}

/* Begin a new application: claim it (preload), pick its last step and a
 * fresh credit code. Returns 0, or 1 when the preload has enough (the
 * client is done once nothing waits in its queue). */
static int start_application(worker *w, client *c)
{
    shared *sh = w->sh;
    const bench_load_options *o = sh->o;
    c->last = BENCH_STEP_ASSESS;
    if (o->preload_records) {
        if (atomic_load(&sh->records_claimed) >= o->preload_records) {
            c->done = !c->pend_n;
            return 1;
        }
        uint64_t a = atomic_fetch_add(&sh->apps, 1);
        static const bench_step plan[4] = {BENCH_STEP_APPLY, BENCH_STEP_EVALUATE, BENCH_STEP_CLOSE,
                                           BENCH_STEP_ASSESS};
        c->last = plan[a % 4];
        uint64_t records = c->last >= BENCH_STEP_CLOSE ? 2 : 1;
        if (atomic_fetch_add(&sh->records_claimed, records) >= o->preload_records) {
            c->done = !c->pend_n;
            return 1;
        }
    }
    sb_drive_ccode_make(BENCH_CCODE_PREFIX, atomic_fetch_add(o->ccode_next, 1), c->ccode);
    c->step = BENCH_STEP_APPLY;
    c->fresh = 0;
    return 0;
}

static int send_next(worker *w, client *c)
{
    const bench_load_options *o = w->sh->o;
    uint8_t buf[2048];
    char key[96];
    size_t len;
    /* an application whose publicity has ended first; a new one while
     * there is room to keep it waiting */
    if (c->fresh && !take_pending(w, c) && (c->pend_n == PENDING_MAX || start_application(w, c)))
        return 0;
    c->seq++;
    snprintf(c->request_id, sizeof c->request_id, "c%u-%llu", c->index, (unsigned long long)c->seq);
    if (o->random_keys) {
        /* xorshift over the client's own state: spread over the key space */
        uint64_t x = c->rng ? c->rng : (c->index + 1) * 0x9e3779b97f4a7c15ull;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        c->rng = x;
        snprintf(key, sizeof key, "%016llx-%s-c%u-%llu", (unsigned long long)x, o->key_prefix,
                 c->index, (unsigned long long)c->seq);
    } else {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        uint64_t ms = (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
        snprintf(key, sizeof key, "%012llx-%s-c%u-%llu", (unsigned long long)ms, o->key_prefix,
                 c->index, (unsigned long long)c->seq);
    }
    const char *target = c->step == BENCH_STEP_APPLY    ? c->ccode
                         : c->step == BENCH_STEP_ASSESS ? c->base_id
                                                        : c->app_id;
    if (bench_request_pack(c->step, target, c->request_id, key, buf, sizeof buf, &len)) {
        fprintf(stderr, "skillbase-bench: cannot pack %s\n", bench_step_name(c->step));
        return -1;
    }
    c->sent_ns = bench_now_ns();
    if (sb_drive_send(c->sock, buf, len, 0)) {
        fprintf(stderr, "skillbase-bench: send: %s\n", zmq_strerror(errno));
        return -1;
    }
    c->busy = 1;
    return 0;
}

static void note_refusal(worker *w, client *c, const bench_reply *r)
{
    shared *sh = w->sh;
    w->res.refusals++;
    w->res.refusals_by_code[(unsigned)r->code < 16 ? r->code : 15]++;
    /* A unit whose code was taken (another daemon user, an earlier run):
     * the next application gets a fresh code. Anything else is a finding. */
    if (!(c->step == BENCH_STEP_APPLY && r->code == SKILLBASE__ERROR_CODE__CONFLICT) &&
        atomic_fetch_add(&sh->refusals_shown, 1) < REFUSALS_SHOWN)
        fprintf(stderr, "skillbase-bench: %s refused (code %d): %s\n", bench_step_name(c->step),
                r->code, r->message);
    c->fresh = 1;
}

/* Handle one reply frame of client c. Returns 0 or -1 (the run fails). */
static int on_reply(worker *w, client *c, const uint8_t *frame, size_t len, int measuring)
{
    bench_reply r;
    uint64_t now = bench_now_ns();
    if (bench_reply_parse(frame, len, c->step, &r)) {
        fprintf(stderr, "skillbase-bench: undecodable reply to %s\n", bench_step_name(c->step));
        return -1;
    }
    if (!c->busy || strcmp(r.request_id, c->request_id) != 0)
        return 0; /* not the answer we wait for */
    c->busy = 0;
    w->res.requests++;
    if (r.code != SKILLBASE__ERROR_CODE__OK) {
        note_refusal(w, c, &r);
        return 0;
    }
    shared *sh = w->sh;
    if (measuring && now >= sh->t_start && now <= sh->t_end) {
        uint64_t lat = now - c->sent_ns;
        w->res.transitions++;
        w->res.by_step_count[c->step]++;
        bench_samples_add(&w->res.all, lat);
        bench_samples_add(&w->res.by_step[c->step], lat);
    }
    if (c->step == BENCH_STEP_APPLY) {
        memcpy(c->app_id, r.id, sizeof c->app_id);
        atomic_fetch_add(&sh->records_created, 1);
    } else if (c->step == BENCH_STEP_CLOSE) {
        memcpy(c->base_id, r.id, sizeof c->base_id);
        atomic_fetch_add(&sh->records_created, 1);
    }
    if (c->step == c->last) {
        c->fresh = 1;
    } else if (c->step == BENCH_STEP_EVALUATE) {
        put_pending(w, c, r.publicity_close_at_ms); /* publicity runs its course meanwhile */
        c->fresh = 1;
    } else {
        c->step++;
    }
    return 0;
}

/* Read every message waiting on c's socket: [empty][Reply]. */
static int drain(worker *w, client *c, int measuring)
{
    for (;;) {
        zmq_msg_t body;
        int k = sb_drive_recv(c->sock, &body);
        if (k < 0)
            return errno == EAGAIN ? 0 : -1;
        if (k)
            continue; /* not of the client library's shape */
        int rc = on_reply(w, c, zmq_msg_data(&body), zmq_msg_size(&body), measuring);
        zmq_msg_close(&body);
        if (rc)
            return rc;
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    int measuring = sh->o->preload_records == 0;
    zmq_pollitem_t *items = calloc(w->n, sizeof *items);
    if (!items) {
        w->res.failed = 1;
        return NULL;
    }
    for (unsigned i = 0; i < w->n; i++)
        items[i] = (zmq_pollitem_t){w->clients[i].sock, 0, ZMQ_POLLIN, 0};
    int stopping = 0;
    for (;;) {
        uint64_t now = bench_now_ns();
        if (atomic_load(&sh->stop))
            break;
        if (measuring && now >= sh->t_end)
            stopping = 1;
        unsigned busy = 0, live = 0;
        for (unsigned i = 0; i < w->n; i++) {
            client *c = &w->clients[i];
            if (!c->busy && !c->done && !stopping && send_next(w, c))
                goto fail;
            if (c->busy) {
                busy++;
                if (now > c->sent_ns && now - c->sent_ns > REPLY_TIMEOUT_NS) {
                    fprintf(stderr, "skillbase-bench: no reply to %s within %llu s\n",
                            bench_step_name(c->step),
                            (unsigned long long)(REPLY_TIMEOUT_NS / 1000000000u));
                    goto fail;
                }
            }
            live += !c->done;
        }
        if (!busy && (stopping || !live))
            break;
        long wait_ms = 50;
        if (measuring && !stopping && sh->t_end > now) {
            uint64_t left = (sh->t_end - now) / 1000000u + 1;
            if ((uint64_t)wait_ms > left)
                wait_ms = (long)left;
        }
        if (zmq_poll(items, (int)w->n, wait_ms) < 0 && errno != EINTR) {
            fprintf(stderr, "skillbase-bench: zmq_poll: %s\n", zmq_strerror(errno));
            goto fail;
        }
        for (unsigned i = 0; i < w->n; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            if (drain(w, &w->clients[i], measuring))
                goto fail;
            client *c = &w->clients[i];
            /* answer at once rather than after the next poll */
            if (!c->busy && !c->done && !stopping && (!measuring || bench_now_ns() < sh->t_end) &&
                send_next(w, c))
                goto fail;
        }
    }
    free(items);
    atomic_fetch_sub(&sh->running, 1);
    return NULL;
fail:
    w->res.failed = 1;
    atomic_store(&sh->stop, 1);
    free(items);
    atomic_fetch_sub(&sh->running, 1);
    return NULL;
}

static void merge(bench_load_result *dst, const bench_load_result *src)
{
    dst->transitions += src->transitions;
    dst->refusals += src->refusals;
    dst->requests += src->requests;
    dst->failed |= src->failed;
    for (int i = 0; i < 16; i++)
        dst->refusals_by_code[i] += src->refusals_by_code[i];
    bench_samples_merge(&dst->all, &src->all);
    for (int s = 0; s < BENCH_STEP_COUNT; s++) {
        dst->by_step_count[s] += src->by_step_count[s];
        bench_samples_merge(&dst->by_step[s], &src->by_step[s]);
    }
}

int bench_load_run(void *zctx, const bench_load_options *o, bench_load_result *ret)
{
    unsigned nthreads = o->threads ? o->threads : 1;
    if (nthreads > o->clients)
        nthreads = o->clients;
    memset(ret, 0, sizeof *ret);
    if (!o->clients)
        return -1;
    shared sh = {.o = o, .zctx = zctx};
    if (o->clock_path)
        atomic_store(&sh.clock_now_ms, *o->clock_ms);
    client *clients = calloc(o->clients, sizeof *clients);
    worker *workers = calloc(nthreads, sizeof *workers);
    unsigned opened = 0, started = 0;
    int rc = -1;
    if (!clients || !workers)
        goto out;
    for (; opened < o->clients; opened++) {
        client *c = &clients[opened];
        c->index = opened;
        c->fresh = 1;
        c->sock = bench_dealer_open(zctx, o->endpoint, 0);
        if (!c->sock)
            goto out;
    }
    uint64_t t0 = bench_now_ns();
    sh.t_start = t0 + (uint64_t)(o->warmup_s * 1e9);
    sh.t_end = sh.t_start + (uint64_t)(o->seconds * 1e9);
    for (unsigned i = 0; i < nthreads; i++) {
        worker *w = &workers[i];
        unsigned from = o->clients * i / nthreads, to = o->clients * (i + 1) / nthreads;
        w->sh = &sh;
        w->clients = clients + from;
        w->n = to - from;
        atomic_fetch_add(&sh.running, 1);
        if (pthread_create(&w->tid, NULL, worker_main, w)) {
            fprintf(stderr, "skillbase-bench: cannot start a client thread\n");
            atomic_fetch_sub(&sh.running, 1);
            atomic_store(&sh.stop, 1);
            break;
        }
        started++;
    }
    /* Wait, calling tick now and then and moving the test clock on. */
    uint64_t next_step = bench_now_ns() + SB_DRIVE_CLOCK_STEP_MS * 1000000ull;
    while (atomic_load(&sh.running)) {
        struct timespec ts = {0, 20 * 1000000};
        static const uint64_t tick_ns = 100 * 1000000;
        uint64_t next_tick = bench_now_ns() + tick_ns;
        while (atomic_load(&sh.running) && bench_now_ns() < next_tick)
            nanosleep(&ts, NULL);
        if (o->tick)
            o->tick(o->tick_arg, atomic_load(&sh.records_created));
        if (o->clock_path && bench_now_ns() >= next_step) {
            /* the file first: a close sent after the count moved sees it */
            *o->clock_ms += SB_DRIVE_CLOCK_STEP_DAYS * DAY_MS;
            if (sb_drive_clock_write(o->clock_path, *o->clock_ms) == 0)
                atomic_store(&sh.clock_now_ms, *o->clock_ms);
            next_step = bench_now_ns() + SB_DRIVE_CLOCK_STEP_MS * 1000000ull;
        }
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(workers[i].tid, NULL);
    uint64_t t1 = bench_now_ns();
    for (unsigned i = 0; i < started; i++) {
        merge(ret, &workers[i].res);
        bench_load_result_free(&workers[i].res);
    }
    ret->records_created = atomic_load(&sh.records_created);
    if (o->preload_records)
        ret->elapsed_s = (double)(t1 - t0) / 1e9;
    else
        ret->elapsed_s = (double)(sh.t_end - sh.t_start) / 1e9;
    rc = started == nthreads && !ret->failed ? 0 : -1;
    if (started != nthreads)
        ret->failed = 1;
out:
    for (unsigned i = 0; i < opened; i++)
        zmq_close(clients[i].sock);
    free(clients);
    free(workers);
    return rc;
}

void bench_load_result_free(bench_load_result *r)
{
    bench_samples_free(&r->all);
    for (int s = 0; s < BENCH_STEP_COUNT; s++)
        bench_samples_free(&r->by_step[s]);
}
