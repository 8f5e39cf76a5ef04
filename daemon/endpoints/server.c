#include "server.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "batch.h"
#include "dispatch.h"
#include "handlers.h"
#include "request_stats.h"
#include "sb_arena.h"
#include "sb_error.h"
#include "sb_log.h"
#include "sb_zmsg.h"
#include "sb_zreader.h"
#include "security.h"
#include "reply_queue.h"
#include "shed.h"

/* A request held until its batch commits. */
typedef struct {
    zmq_msg_t identity;
    zmq_msg_t body;
    sb_caller caller;     /* who sent it (security.h); points into body's metadata */
    int delimited;        /* the sender (REQ/DEALER) put an empty frame first */
    uint64_t received_us; /* when it was read (metrics: request latency) */
    sb_batch_item req;    /* what the batch made of it: reply, code (batch.h) */
} pending;

struct sb_server {
    uv_loop_t *loop;
    const sb_config *config;
    sb_store *store;
    void *zctx;
    void *router;
    sb_zreader *reader;    /* the ROUTER in the loop (sb_zreader.h) */
    uv_check_t check;      /* between iterations: the pipeline, checkpoints */
    uv_timer_t checkpoint; /* the commit log's checkpoints when idle */
    sb_dispatch_ctx dispatch;
    sb_arena arena;
    sb_batch group; /* group commit of the batch (batch.h) */
    pending *batch;
    size_t batch_n;
    uint64_t batch_ticket; /* what its replies wait for (sb_store_wait) */
    /* The batch committed before it, whose log sync runs while this one is
     * applied; its replies go out once that sync is done (pipeline). */
    pending *flight;
    size_t flight_n;
    uint64_t flight_ticket;
    bool hooks_due;      /* a batch committed since the commit hooks ran */
    uint64_t drained_us; /* when the pipeline last drained */
    /* Requests read ahead, waiting for a batch: a ring of max_queue. With
     * the batch they are what the daemon holds unanswered; beyond
     * max_queue a request is answered BUSY at once (shed.h). */
    pending *queue;
    size_t queue_head, queue_n;
    sb_server_stats stats;
    int closing;
    struct {
        sb_server_commit_fn fn;
        void *arg;
    } hooks[8];
    int n_hooks;
    sb_request_stats *rstats; /* NULL: not counted */
    /* replies libzmq would not take at once, bounded per connection */
    sb_reply_queue *replies;
    /* the connections of the batch and their requests in it: one takes at
     * most conn_queue places of a batch, the rest of its requests wait
     * in the queue for the next (fair to the others, nothing refused) */
    struct {
        const void *id;
        size_t len;
        uint32_t n;
    } * bconn;
    size_t n_bconn;
    bool queue_scanned; /* the queue was looked through for this batch */
    uv_timer_t flush_timer;
};

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Read one message as [identity][optional empty][body]. Returns 1 when a
 * request was queued, 0 when a malformed message was dropped, -1 when
 * nothing is left to read. Messages of more frames are dropped whole
 * (TECH-NOTES trap 4). */
static int receive_one(sb_server *s, pending *p)
{
    zmq_msg_t frames[3];
    bool cut;
    int n = sb_zmsg_recv(s->router, frames, 3, &cut);
    if (n < 0)
        return -1;
    int ok = !cut && (n == 2 || (n == 3 && zmq_msg_size(&frames[1]) == 0));
    if (!ok) {
        for (int i = 0; i < n; i++)
            zmq_msg_close(&frames[i]);
        s->stats.dropped_frames++;
        sb_log(SB_LOG_DEBUG, "dropped a message of unexpected shape");
        return 0;
    }
    memset(p, 0, sizeof *p);
    zmq_msg_init(&p->identity);
    zmq_msg_move(&p->identity, &frames[0]);
    zmq_msg_close(&frames[0]);
    p->delimited = n == 3;
    zmq_msg_init(&p->body);
    zmq_msg_move(&p->body, &frames[n - 1]);
    zmq_msg_close(&frames[n - 1]);
    if (n == 3)
        zmq_msg_close(&frames[1]);
    sb_security_caller(&p->body, SB_ENDPOINT_COMMAND, &p->caller);
    return 1;
}

static void pending_clear(pending *p)
{
    zmq_msg_close(&p->identity);
    zmq_msg_close(&p->body);
    sb_batch_item_clear(&p->req);
    memset(p, 0, sizeof *p);
}

/* Move a held request (its messages and fields) from src to dst. */
static void pending_move(pending *dst, pending *src)
{
    *dst = *src;
    zmq_msg_init(&dst->identity);
    zmq_msg_move(&dst->identity, &src->identity);
    zmq_msg_init(&dst->body);
    zmq_msg_move(&dst->body, &src->body);
    memset(src, 0, sizeof *src);
}

/* Most requests in one batch: batch_max, and never more than the daemon
 * may hold at all. */
static size_t batch_limit(const sb_server *s)
{
    return s->config->batch_max < s->config->max_queue ? s->config->batch_max
                                                       : s->config->max_queue;
}

/* Fill the batch, up to its limit: first with the requests read ahead
 * (oldest first), then with what has arrived since. Returns how many were
 * added. */
static bool admit(sb_server *s, pending *p);

/* Requests p's connection has in the batch (and a slot to count them). */
static uint32_t *batch_count(sb_server *s, pending *p)
{
    const void *id = zmq_msg_data(&p->identity);
    size_t len = zmq_msg_size(&p->identity);
    for (size_t i = 0; i < s->n_bconn; i++)
        if (s->bconn[i].len == len && memcmp(s->bconn[i].id, id, len) == 0)
            return &s->bconn[i].n;
    return NULL;
}

/* Put p (from the queue or the socket) into the batch. */
static void batch_add(sb_server *s, pending *p)
{
    pending *b = &s->batch[s->batch_n++];
    pending_move(b, p);
    uint32_t *n = batch_count(s, b);
    if (n) {
        (*n)++;
    } else {
        s->bconn[s->n_bconn].id = zmq_msg_data(&b->identity);
        s->bconn[s->n_bconn].len = zmq_msg_size(&b->identity);
        s->bconn[s->n_bconn++].n = 1;
    }
}

/* Whether p's connection already has conn_queue requests in the batch. */
static bool conn_full(sb_server *s, pending *p)
{
    uint32_t *n = batch_count(s, p);
    return n && *n >= s->config->conn_queue;
}

static size_t receive_more(sb_server *s)
{
    size_t before = s->batch_n;
    if (!s->batch_n) {
        s->n_bconn = 0;
        s->queue_scanned = false;
    }
    /* the queue, oldest first, once per batch: what does not fit (the
     * batch is full, or its connection has conn_queue in it) stays, in
     * order; a connection found not reading gets nothing applied */
    if (!s->queue_scanned) {
        size_t n = s->queue_n, kept = 0, mq = s->config->max_queue;
        for (size_t i = 0; i < n; i++) {
            pending *q = &s->queue[(s->queue_head + i) % mq];
            if (!admit(s, q))
                continue; /* answered busy (or dropped) and cleared */
            if (s->batch_n < batch_limit(s) && !conn_full(s, q)) {
                batch_add(s, q);
            } else {
                if (kept != i)
                    pending_move(&s->queue[(s->queue_head + kept) % mq], q);
                kept++;
            }
        }
        s->queue_n = kept;
        s->queue_scanned = true;
    }
    while (!s->queue_n && s->batch_n < batch_limit(s)) {
        pending p;
        int r = receive_one(s, &p);
        if (r < 0)
            break;
        if (r == 0)
            continue;
        p.received_us = mono_us();
        if (!admit(s, &p))
            continue;
        if (!conn_full(s, &p)) {
            batch_add(s, &p);
        } else { /* for the next batch */
            pending_move(&s->queue[s->queue_head], &p);
            s->queue_n = 1;
        }
    }
    return s->batch_n - before;
}

/* The i-th request of the batch, for the group commit: its frame where
 * it lies now (a small message's bytes move with it). */
static sb_batch_item *batch_item(void *arg, size_t i)
{
    sb_server *s = arg;
    pending *p = &s->batch[i];
    p->req.body = zmq_msg_data(&p->body);
    p->req.len = zmq_msg_size(&p->body);
    p->req.caller = &p->caller;
    return &p->req;
}

/* Requests that arrived while the batch was applied join it. */
static size_t batch_more(void *arg)
{
    return receive_more(arg);
}

/* Keep sending what the reply queue holds while it holds anything. */
static void on_flush(uv_timer_t *h)
{
    sb_server *s = h->data;
    if (!sb_reply_queue_flush(s->replies))
        uv_timer_stop(&s->flush_timer);
}

/* Send one reply, or hold it (reply_queue.h); false when it was dropped. */
static bool send_reply(sb_server *s, zmq_msg_t *ident, bool delimited, const void *body, size_t len)
{
    sb_rq_result r = sb_reply_queue_send(s->replies, zmq_msg_data(ident), zmq_msg_size(ident),
                                         delimited, body, len);
    if (r == SB_RQ_HELD && !uv_is_active((uv_handle_t *)&s->flush_timer))
        uv_timer_start(&s->flush_timer, on_flush, 2, 2);
    if (r == SB_RQ_DROPPED)
        s->stats.replies_undelivered++;
    return r != SB_RQ_DROPPED;
}

static void send_replies(sb_server *s)
{
    for (size_t i = 0; i < s->batch_n; i++) {
        pending *p = &s->batch[i];
        if (!p->req.reply)
            continue;
        /* ROUTER_MANDATORY: a peer that has gone fails with EHOSTUNREACH
         * instead of blocking; its answer is in the idempotency store. */
        send_reply(s, &p->identity, p->delimited, p->req.reply, p->req.reply_len);
    }
}

/* Send the replies of the batch in flight once its writes are durable. */
static void finish_flight(sb_server *s)
{
    if (!s->flight_n)
        return;
    uint64_t t0 = mono_us();
    if (sb_store_wait(s->store, s->flight_ticket)) {
        /* Its writes are in LMDB's open transaction and may or may not be
         * in the log: neither answer would be true. Stop unanswered, like
         * a crash; a restart replays what reached the disk, and clients
         * resend with their idempotency keys. */
        sb_log(SB_LOG_ERROR,
               "the commit log cannot be written: stopping with %zu requests "
               "unanswered (a restart replays what reached the disk)",
               s->flight_n);
        _exit(74);
    }
    s->stats.commit_us += mono_us() - t0;
    pending *keep = s->batch;
    size_t keep_n = s->batch_n;
    s->batch = s->flight;
    s->batch_n = s->flight_n;
    send_replies(s);
    if (s->rstats) {
        uint64_t now = mono_us();
        for (size_t i = 0; i < s->batch_n; i++)
            sb_request_stats_observe(s->rstats, s->batch[i].req.command, s->batch[i].req.code,
                                     now - s->batch[i].received_us);
    }
    for (size_t i = 0; i < s->batch_n; i++)
        pending_clear(&s->batch[i]);
    s->flight = s->batch;
    s->flight_n = 0;
    s->batch = keep;
    s->batch_n = keep_n;
}

static void run_batch(sb_server *s)
{
    /* receive_more (batch_more) adds to s->batch_n itself; the batch
     * counts the same requests in n */
    size_t n = s->batch_n;
    int committed = sb_batch_run(&s->group, &n, &s->batch_ticket);
    assert(n == s->batch_n);
    s->stats.batches++;
    s->stats.requests += s->batch_n;
    s->stats.batch_sizes[sb_server_batch_bucket(s->batch_n)]++;
    if (s->batch_n > s->stats.largest_batch)
        s->stats.largest_batch = s->batch_n;
    /* More requests waiting: the log's writer thread syncs this batch
     * while the next is applied. Otherwise the sync runs on this thread
     * when the replies wait for it (no hand-over for a lone client). */
    if (s->batch_ticket && (s->queue_n || sb_zmsg_readable(s->router)))
        sb_store_kick(s->store);
    /* the batch before: its sync ran while this one was applied */
    finish_flight(s);
    pending *t = s->flight;
    s->flight = s->batch;
    s->flight_n = s->batch_n;
    s->flight_ticket = s->batch_ticket;
    s->batch = t;
    s->batch_n = 0;
    if (committed)
        s->hooks_due = true;
}

/* Pipeline drained: the last batch's replies, then what runs after
 * commits (the event stream, the broker: they must see durable writes
 * only, so never while a batch is in flight), and a checkpoint if due —
 * after the replies, so the clients are not kept waiting by it. */
static void drain_pipeline(sb_server *s)
{
    finish_flight(s);
    if (s->hooks_due) {
        s->hooks_due = false;
        for (int i = 0; i < s->n_hooks; i++)
            s->hooks[i].fn(s->hooks[i].arg);
    }
    if (sb_store_checkpoint_due(s->store))
        sb_store_checkpoint(s->store);
    s->drained_us = mono_us();
}

int sb_server_on_commit(sb_server *s, sb_server_commit_fn fn, void *arg)
{
    if (s->n_hooks == (int)(sizeof s->hooks / sizeof s->hooks[0]))
        return SB_E(SB_INTERNAL);
    s->hooks[s->n_hooks].fn = fn;
    s->hooks[s->n_hooks].arg = arg;
    s->n_hooks++;
    return 0;
}

/* Why a request is answered BUSY without being applied. */
typedef enum {
    SHED_QUEUE, /* the daemon already holds max_queue requests */
    SHED_UNREAD /* its connection does not read its replies */
} shed_why;

/* Answer a request BUSY at once, without applying it. Returns whether the
 * answer could be queued for the client. */
static bool shed(sb_server *s, pending *p, shed_why why)
{
    uint64_t held = s->flight_n + s->batch_n + s->queue_n;
    uint32_t after = sb_shed_retry_after_ms(held, (uint32_t)batch_limit(s), s->group.batch_us);
    uint8_t *buf;
    size_t len;
    bool sent = false;
    sb_arena_reset(&s->arena);
    s->arena.budget = 0;
    const char *msg =
        why == SHED_QUEUE
            ? sb_arena_printf(&s->arena,
                              "busy: %llu requests are waiting ([daemon] max_queue %u); "
                              "nothing was done: send the same request again after %u ms",
                              (unsigned long long)held, s->config->max_queue, after)
            : sb_arena_printf(&s->arena,
                              "busy: this connection leaves its replies unread ([daemon] "
                              "conn_reply_kb %zu held for it); nothing was done: read them, "
                              "then send the same request again",
                              s->config->conn_reply_bytes / 1024);
    if (msg && sb_shed_reply(&s->arena, zmq_msg_data(&p->body), zmq_msg_size(&p->body), msg, after,
                             &buf, &len) == 0)
        sent = send_reply(s, &p->identity, p->delimited, buf, len);
    if (why == SHED_QUEUE)
        s->stats.shed++;
    else
        s->stats.shed_conn++;
    if (s->rstats)
        sb_request_stats_observe(s->rstats, NULL, SB_BUSY, mono_us() - p->received_us);
    pending_clear(p);
    return sent;
}

/* Whether to hold request p (else it is answered BUSY, or dropped, and
 * cleared): a connection that does not read its replies gets nothing
 * applied (its answer could not be delivered), only a BUSY answer if that
 * can be queued, which means it reads again. */
static bool admit(sb_server *s, pending *p)
{
    if (sb_reply_queue_unread(s->replies, zmq_msg_data(&p->identity), zmq_msg_size(&p->identity))) {
        shed(s, p, SHED_UNREAD);
        return false;
    }
    return true;
}

/* Read what has arrived: into the queue while the daemon holds fewer than
 * max_queue requests, answered BUSY beyond. Reading it keeps what waits
 * bounded by max_queue (not by the number of peers times their high-water
 * mark) and tells the clients at once. It answers or drops at most
 * max_queue messages per call, so that clients resending as fast as they
 * are shed cannot keep the server from its batches. Returns 1 when it
 * stopped at that limit (more may be waiting), 0 when the socket is
 * drained. */
static int read_ahead(sb_server *s)
{
    for (uint32_t turned_away = 0; turned_away < s->config->max_queue;) {
        pending p;
        int r = receive_one(s, &p);
        if (r < 0)
            return 0;
        if (r == 0) {
            turned_away++;
            continue;
        }
        p.received_us = mono_us();
        if (!admit(s, &p)) {
            turned_away++;
            continue;
        }
        if (s->flight_n + s->batch_n + s->queue_n < s->config->max_queue) {
            size_t tail = (s->queue_head + s->queue_n) % s->config->max_queue;
            pending_move(&s->queue[tail], &p);
            s->queue_n++;
            s->queue_scanned = false;
            if (s->queue_n > s->stats.queue_max)
                s->stats.queue_max = s->queue_n;
        } else {
            shed(s, &p, SHED_QUEUE);
            turned_away++;
        }
    }
    return 1;
}

/* Read what has arrived and serve it in batches of at most batch_max,
 * until nothing is left (the socket drained; the reader looks again after
 * the replies: sb_zreader.h). */
static void serve(void *arg)
{
    sb_server *s = arg;
    for (;;) {
        int more = read_ahead(s);
        if (!s->queue_n) {
            if (!more)
                break;
            continue;
        }
        receive_more(s);
        run_batch(s);
        /* under steady load: events, jobs and checkpoints at least every 10 ms */
        if (mono_us() - s->drained_us > 10000)
            drain_pipeline(s);
    }
    drain_pipeline(s);
}

/* After every loop iteration, between serve()s (nothing in flight): a
 * checkpoint if one is due (drain_pipeline finds nothing else to do). */
static void on_check(uv_check_t *h)
{
    drain_pipeline(h->data);
}

/* Writes made between batches (the broker's, the deadlines') and the last
 * ones before a quiet spell reach LMDB within [store] checkpoint_ms. */
static void on_checkpoint(uv_timer_t *h)
{
    /* (between serve()s: nothing is in flight) */
    sb_server *s = h->data;
    if (sb_store_checkpoint_due(s->store))
        sb_store_checkpoint(s->store);
}

int sb_server_start(uv_loop_t *loop, void *zctx, const sb_config *config, sb_store *store,
                    uint64_t started_ms, sb_server **ret)
{
    sb_server *s = calloc(1, sizeof *s);
    if (!s)
        return SB_E(SB_INTERNAL);
    s->loop = loop;
    s->config = config;
    s->store = store;
    s->dispatch = (sb_dispatch_ctx){
        .store = store, .config = config, .started_ms = started_ms, .server_stats = &s->stats};
    sb_arena_init(&s->arena, 0);
    s->group = (sb_batch){.store = store,
                          .dispatch = &s->dispatch,
                          .arena = &s->arena,
                          .item = batch_item,
                          .more = batch_more,
                          .arg = s,
                          .stats = &s->stats};
    s->batch = calloc(config->batch_max, sizeof *s->batch);
    s->bconn = calloc(config->batch_max, sizeof *s->bconn);
    s->flight = calloc(config->batch_max, sizeof *s->flight);
    s->queue = calloc(config->max_queue, sizeof *s->queue);
    s->zctx = zctx;
    if (!s->batch || !s->queue || !s->bconn || !s->flight)
        goto fail;
    s->router = zmq_socket(s->zctx, ZMQ_ROUTER);
    if (!s->router)
        goto fail;
    int one = 1, linger = 1000;
    int64_t maxmsg = (int64_t)config->max_request_bytes + 1;
    zmq_setsockopt(s->router, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s->router, ZMQ_ROUTER_MANDATORY, &one, sizeof one);
    /* replies queued for one connection: conn_queue of at most
     * max_reply_kb each (pages end there); a send beyond fails (EAGAIN) */
    int hwm = (int)s->config->conn_queue;
    zmq_setsockopt(s->router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    /* a bigger frame is cut off by libzmq; the client sees a timeout, the
     * daemon keeps serving (the frame limit is documented) */
    zmq_setsockopt(s->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    /* tcp://: CURVE with ZAP, before the bind (security.h) */
    if (sb_security_server_socket(s->router, config->command_endpoint, SB_ENDPOINT_COMMAND))
        goto fail;
    if (zmq_bind(s->router, config->command_endpoint)) {
        sb_log(SB_LOG_ERROR, "cannot bind the command endpoint %s: %s", config->command_endpoint,
               zmq_strerror(errno));
        goto fail;
    }
    if (!(s->replies = sb_reply_queue_new(s->router, s->config->conn_reply_bytes)))
        goto fail;
    /* one serve() per turn: it drains the socket itself, in batches */
    sb_zreader_options ro = {.sock = s->router,
                             .name = "command endpoint",
                             .on_message = serve,
                             .arg = s,
                             .max_per_turn = 1};
    if (uv_check_init(loop, &s->check) || uv_timer_init(loop, &s->flush_timer) ||
        uv_timer_init(loop, &s->checkpoint) || sb_zreader_start(loop, &ro, &s->reader))
        goto fail;
    s->check.data = s;
    s->flush_timer.data = s;
    s->checkpoint.data = s;
    uv_check_start(&s->check, on_check);
    uint64_t every = config->checkpoint_ms > 1 ? config->checkpoint_ms / 2 : 1;
    uv_timer_start(&s->checkpoint, on_checkpoint, every, every);
    /* not a reason for the loop to keep running */
    uv_unref((uv_handle_t *)&s->checkpoint);
    *ret = s;
    return 0;
fail:
    sb_reply_queue_free(&s->replies);
    if (s->router)
        zmq_close(s->router);
    free(s->batch);
    free(s->bconn);
    free(s->flight);
    free(s->queue);
    free(s);
    return SB_E(SB_INTERNAL);
}

static void free_on_close(uv_handle_t *h)
{
    sb_server *s = h->data;
    if (--s->closing == 0) {
        sb_arena_destroy(&s->arena);
        sb_reply_queue_free(&s->replies);
        free(s->batch);
        free(s->bconn);
        free(s->flight);
        free(s->queue);
        free(s);
    }
}

void sb_server_stop(sb_server **sp)
{
    sb_server *s = *sp;
    if (!s)
        return;
    *sp = NULL;
    /* in-flight requests are answered before the socket goes */
    serve(s);
    sb_zreader_stop(&s->reader);
    uv_check_stop(&s->check);
    sb_reply_queue_flush(s->replies); /* what libzmq takes now goes out with its linger */
    uv_timer_stop(&s->flush_timer);
    uv_timer_stop(&s->checkpoint);
    s->closing = 3;
    uv_close((uv_handle_t *)&s->check, free_on_close);
    uv_close((uv_handle_t *)&s->flush_timer, free_on_close);
    uv_close((uv_handle_t *)&s->checkpoint, free_on_close);
    zmq_close(s->router);
    s->router = NULL;
}

void sb_server_stats_get(const sb_server *s, sb_server_stats *ret)
{
    *ret = s->stats;
}

void sb_server_set_documents(sb_server *s, struct sb_docs *docs)
{
    s->dispatch.docs = docs;
}

void sb_server_set_request_stats(sb_server *s, sb_request_stats *rs)
{
    s->rstats = rs;
}
