#include "fault_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "sb_clock.h"
#include "sb_drive.h"

volatile sig_atomic_t fl_stop;

/* The steps of one lane's lifecycle. */
typedef enum {
    ST_APPLY,
    ST_REVIEW,
    ST_EVALUATE,
    ST_OBJECT,  /* ingest objection.filed */
    ST_DISMISS, /* ingest objection.dismissed */
    ST_CLOSE,   /* close_publicity: application and sub-base certified */
    ST_COMPETE, /* ingest competition.hosted on the sub-base */
    ST_SERVICE, /* ingest service.delivered: a service record (and a statement job) */
    ST_ASSESS,
    ST_READ,  /* not a step: a read between two steps */
    ST_FETCH, /* a read: the application skillbase-deadlines certified first */
} step;

/* Events each step causes (close_publicity: the application's and the new
 * sub-base's). */
static const unsigned step_events[] = {1, 1, 1, 1, 1, 2, 1, 1, 1, 0, 0};
static const char *const step_names[] = {
    "apply",       "review",  "evaluate", "objection", "dismissal", "close_publicity",
    "competition", "service", "assess",   "read",      "fetch"};

typedef struct {
    unsigned client, lane;
    uint64_t serial; /* requests made */
    uint64_t codes;  /* credit codes used */
    step next;       /* the next step of the lifecycle */
    unsigned apps;   /* applications finished */
    step doing;      /* the request in flight */
    char app_id[32], base_id[32];
    /* the request in flight (req.data NULL: none) */
    fw_bytes req;
    char rid[64];
    uint64_t first_us, sent_us, resend_at_us;
    unsigned tries, busy, timeouts;
    uint64_t close_at_ms; /* close_publicity once the test clock has reached this */
} lane;

typedef struct {
    void *sock;
    lane *lanes;
    bool reopen;
} client;

typedef struct {
    const fl_options *o;
    fl_result *r;
    void *ctx;
    client *clients;
    uint64_t start_us, next_token_us;
    /* latencies of the current window, microseconds */
    uint64_t *win;
    size_t win_n, win_cap;
    uint64_t next_sample_us;
    unsigned lanes_done; /* counted by each tend() */
    /* the daemon's test clock, moved on while lanes certify (sb_drive.h) */
    const char *clock_path;
    uint64_t clock_ms, next_clock_us;
} run;

static void lane_clear(lane *l)
{
    fw_bytes_free(&l->req);
    l->resend_at_us = 0;
}

/* Build the lane's next request into l->req. Returns 0 or -1. */
static int lane_build(run *rn, lane *l)
{
    const fl_options *o = rn->o;
    char key[40], cc[19], eid[64];
    l->serial++;
    snprintf(l->rid, sizeof l->rid, "f%08x-%u-%u-%llu", fw_nonce(), l->client, l->lane,
             (unsigned long long)l->serial);
    if (o->reads_every && l->serial % o->reads_every == 0) {
        l->doing = ST_READ;
        return l->app_id[0] ? fw_show(l->app_id, l->rid, &l->req) : fw_status(l->rid, &l->req);
    }
    l->doing = l->next;
    fw_new_key(key);
    snprintf(eid, sizeof eid, "%s", l->rid);
    switch (l->next) {
    case ST_APPLY:
        fw_credit_code(((uint64_t)l->client << 24) + ((uint64_t)l->lane << 16) + ++l->codes, cc);
        return fw_apply(cc, l->rid, key, &l->req);
    case ST_REVIEW:
        return fw_transition(SKILLBASE__REQUEST__COMMAND_REVIEW, l->app_id, l->rid, key, &l->req);
    case ST_EVALUATE:
        return fw_transition(SKILLBASE__REQUEST__COMMAND_EVALUATE, l->app_id, l->rid, key, &l->req);
    case ST_OBJECT:
        return fw_ingest("objection.filed", l->app_id, eid, l->rid, &l->req);
    case ST_DISMISS:
        return fw_ingest("objection.dismissed", l->app_id, eid, l->rid, &l->req);
    case ST_CLOSE:
        return fw_transition(SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, l->app_id, l->rid, key,
                             &l->req);
    case ST_COMPETE:
        return fw_ingest("competition.hosted", l->base_id, eid, l->rid, &l->req);
    case ST_SERVICE:
        return fw_ingest("service.delivered", l->base_id, eid, l->rid, &l->req);
    case ST_ASSESS:
        return fw_transition(SKILLBASE__REQUEST__COMMAND_ASSESS, l->base_id, l->rid, key, &l->req);
    case ST_FETCH:
        return fw_show(l->app_id, l->rid, &l->req);
    default:
        return -1;
    }
}

/* Move the lifecycle on after an OK answer to step `done`. */
static int lane_step(run *rn, lane *l, const Skillbase__Reply *rep);

static int lane_advance(run *rn, lane *l, const Skillbase__Reply *rep)
{
    int rc = lane_step(rn, l, rep);
    if (!rc && l->doing != ST_READ && l->doing != ST_FETCH &&
        (l->doing == ST_ASSESS ||
         (rn->o->last_step && strcmp(rn->o->last_step, step_names[l->doing]) == 0))) {
        l->apps++;
        l->next = ST_APPLY;
        l->app_id[0] = l->base_id[0] = '\0';
    }
    return rc;
}

/* The reply that (re)started l's publicity: no close before the test clock
 * has passed the window's end it names (one step on when it names none). */
static void lane_wait_for_window(const run *rn, lane *l, const Skillbase__Reply *rep)
{
    const Skillbase__Application *a =
        rep->result_case == SKILLBASE__REPLY__RESULT_RECORD ? rep->record->application : NULL;
    l->close_at_ms = a ? sb_drive_publicity_close_at_ms(a->publicity_ends_on) : 0;
    if (!l->close_at_ms)
        l->close_at_ms = rn->clock_ms + 1;
}

static int lane_step(run *rn, lane *l, const Skillbase__Reply *rep)
{
    bool ingest = rn->o->ingest;
    switch (l->doing) {
    case ST_READ:
        return 0;
    case ST_FETCH:
        /* certified by skillbase-deadlines at the window's end: go on with
         * its sub-base */
        if (rep->result_case != SKILLBASE__REPLY__RESULT_RECORD || !rep->record->application ||
            !rep->record->application->base_id || !*rep->record->application->base_id)
            return -1;
        snprintf(l->base_id, sizeof l->base_id, "%s", rep->record->application->base_id);
        l->next = ingest ? ST_COMPETE : ST_ASSESS;
        return 0;
    case ST_APPLY:
        if (rep->result_case != SKILLBASE__REPLY__RESULT_RECORD || !rep->record->application)
            return -1;
        snprintf(l->app_id, sizeof l->app_id, "%s", rep->record->application->id);
        l->next = ST_REVIEW;
        return 0;
    case ST_REVIEW:
        l->next = ST_EVALUATE;
        return 0;
    case ST_EVALUATE:
        l->next = ingest ? ST_OBJECT : ST_CLOSE;
        lane_wait_for_window(rn, l, rep); /* publicity runs its course */
        return 0;
    case ST_OBJECT:
        l->next = ST_DISMISS;
        return 0;
    case ST_DISMISS:
        l->next = ST_CLOSE;
        lane_wait_for_window(rn, l, rep); /* what remains of it, likewise */
        return 0;
    case ST_CLOSE:
        if (rep->result_case != SKILLBASE__REPLY__RESULT_RECORD || !rep->record->application ||
            !rep->record->application->base_id || !*rep->record->application->base_id)
            return -1;
        snprintf(l->base_id, sizeof l->base_id, "%s", rep->record->application->base_id);
        l->next = ingest ? ST_COMPETE : ST_ASSESS;
        return 0;
    case ST_COMPETE:
        l->next = ST_SERVICE;
        return 0;
    case ST_SERVICE:
        l->next = ST_ASSESS;
        return 0;
    case ST_ASSESS:
        l->next = ST_APPLY;
        l->app_id[0] = l->base_id[0] = '\0';
        return 0;
    }
    return -1;
}

static void win_add(run *rn, uint64_t us)
{
    if (rn->win_n == rn->win_cap) {
        size_t cap = rn->win_cap ? rn->win_cap * 2 : 4096;
        uint64_t *w = realloc(rn->win, cap * sizeof *w);
        if (!w)
            return;
        rn->win = w;
        rn->win_cap = cap;
    }
    rn->win[rn->win_n++] = us;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

static void sample_window(run *rn, uint64_t now)
{
    fl_window w = {0};
    if (rn->win_n)
        qsort(rn->win, rn->win_n, sizeof *rn->win, cmp_u64);
    w.t_s = (double)(now - rn->start_us) / 1e6;
    w.count = rn->win_n;
    w.p50_ms = pct_ms(rn->win, rn->win_n, 0.50);
    w.p90_ms = pct_ms(rn->win, rn->win_n, 0.90);
    w.p99_ms = pct_ms(rn->win, rn->win_n, 0.99);
    w.max_ms = rn->win_n ? (double)rn->win[rn->win_n - 1] / 1000.0 : 0;
    w.requests = rn->r->requests;
    w.busy = rn->r->busy;
    w.retries = rn->r->retries;
    rn->win_n = 0;
    rn->o->sample(rn->o->sample_arg, &w);
}

static int keep_write(run *rn, lane *l, fw_bytes *reply, const Skillbase__Reply *rep, uint64_t mark)
{
    fl_result *r = rn->r;
    if (r->n_acked == r->cap_acked) {
        size_t cap = r->cap_acked ? r->cap_acked * 2 : 1024;
        fl_write *a = realloc(r->acked, cap * sizeof *a);
        if (!a)
            return -1;
        r->acked = a;
        r->cap_acked = cap;
    }
    fl_write *w = &r->acked[r->n_acked++];
    memset(w, 0, sizeof *w);
    w->request = l->req;
    l->req = (fw_bytes){0};
    w->reply = *reply;
    *reply = (fw_bytes){0};
    snprintf(w->request_id, sizeof w->request_id, "%s", l->rid);
    w->events = step_events[l->doing];
    w->seq = rep->seq;
    w->tries = l->timeouts + 1;
    w->busy = l->busy;
    w->replayed = rep->replayed;
    w->mark = mark;
    return 0;
}

/* An answer for one of the client's lanes. */
static void on_reply(run *rn, client *c, fw_bytes *body)
{
    const fl_options *o = rn->o;
    fl_result *r = rn->r;
    /* read first: everything the daemon did before answering is counted */
    uint64_t mark = o->mark ? __atomic_load_n(o->mark, __ATOMIC_ACQUIRE) : 0;
    Skillbase__Reply *rep = fw_unpack(body);
    if (!rep) {
        fprintf(stderr, "sb_fault: an answer that does not decode (%zu bytes)\n", body->len);
        r->failed = 1;
        return;
    }
    lane *l = NULL;
    for (unsigned i = 0; i < o->lanes; i++)
        if (c->lanes[i].req.data && strcmp(c->lanes[i].rid, rep->request_id) == 0)
            l = &c->lanes[i];
    if (!l || l->resend_at_us) /* a late answer to an earlier try, or one already taken */
        goto out;
    uint64_t now = fw_now_us();
    int code = rep->code;
    if (code == SKILLBASE__ERROR_CODE__BUSY ||
        (code > 0 && code < 32 && (o->retry_codes & (1u << code)))) {
        if (code == SKILLBASE__ERROR_CODE__BUSY) {
            r->busy++;
            if (!rep->retry_after_ms || !rep->message || !strstr(rep->message, "busy"))
                r->busy_hint_missing++;
        } else if (code < 16) {
            r->retried_codes[code]++;
        }
        l->busy++;
        uint32_t after = rep->retry_after_ms > 50 ? rep->retry_after_ms : 50;
        l->resend_at_us = now + (uint64_t)after * 1000u;
        goto out;
    }
    /* With the deadlines worker running, the window's end may certify the
     * application before the lane's objection or its own close_publicity:
     * not an error, the lane reads the sub-base the worker made and goes on. */
    if (code == SKILLBASE__ERROR_CODE__WRONG_STATE && rn->clock_path &&
        (l->doing == ST_CLOSE || l->doing == ST_OBJECT || l->doing == ST_DISMISS) && rep->message &&
        strstr(rep->message, " is certified;")) {
        l->next = ST_FETCH;
        r->certified_by_worker++;
        lane_clear(l);
        goto out;
    }
    /* The unit already has a record in this store: an earlier run on the
     * same store drew the same two random digits for its credit codes. Not
     * the daemon's error: this run's codes move on and the lane applies
     * again as another unit. */
    if (code == SKILLBASE__ERROR_CODE__CONFLICT && l->doing == ST_APPLY && rep->message &&
        strstr(rep->message, " already has ")) {
        fprintf(stderr, "sb_fault: %s: %s; this run's credit codes move on\n", l->rid,
                rep->message);
        fw_credit_code_collided();
        l->next = ST_APPLY;
        lane_clear(l);
        goto out;
    }
    if (code != SKILLBASE__ERROR_CODE__OK) {
        fprintf(stderr, "sb_fault: %s %s (lane %u/%u, try %u) refused: %d %s\n",
                step_names[l->doing], l->rid, l->client, l->lane, l->tries, code,
                rep->message ? rep->message : "");
        r->failed = 1;
        goto out;
    }
    uint64_t lat = now - l->first_us;
    win_add(rn, lat);
    if ((double)lat / 1000.0 > r->max_latency_ms)
        r->max_latency_ms = (double)lat / 1000.0;
    r->requests++;
    if (l->timeouts)
        r->retried_requests++;
    if (l->timeouts && rep->replayed)
        r->retried_replayed++;
    if (l->doing != ST_READ && l->doing != ST_FETCH) {
        r->writes++;
        r->events += step_events[l->doing];
    }
    if (lane_advance(rn, l, rep)) {
        fprintf(stderr, "sb_fault: %s %s: the answer lacks what the next step needs\n",
                step_names[l->doing], l->rid);
        r->failed = 1;
    }
    if (o->keep_writes && l->doing != ST_READ && l->doing != ST_FETCH &&
        keep_write(rn, l, body, rep, mark))
        r->failed = 1;
    lane_clear(l);
out:
    skillbase__reply__free_unpacked(rep, NULL);
}

static int send_lane(run *rn, client *c, lane *l)
{
    (void)rn;
    l->sent_us = fw_now_us();
    l->tries++;
    if (fw_send(c->sock, &l->req) && errno != EAGAIN) {
        fprintf(stderr, "sb_fault: send: %s\n", zmq_strerror(errno));
        return -1;
    }
    return 0; /* EAGAIN: nothing connected yet; the timeout resends */
}

/* Lazy Pirate: a new socket, and every request in flight sent again. */
static int reopen(run *rn, client *c)
{
    zmq_close(c->sock);
    c->sock = fw_dealer(rn->ctx, rn->o->endpoint);
    c->reopen = false;
    if (!c->sock)
        return -1;
    rn->r->reconnects++;
    for (unsigned i = 0; i < rn->o->lanes; i++) {
        lane *l = &c->lanes[i];
        if (!l->req.data || l->resend_at_us)
            continue;
        rn->r->retries++;
        l->timeouts++;
        if (send_lane(rn, c, l))
            return -1;
    }
    return 0;
}

static bool stopping(run *rn, uint64_t now)
{
    const fl_options *o = rn->o;
    if (fl_stop)
        return true;
    if (o->seconds > 0 && (double)(now - rn->start_us) >= o->seconds * 1e6)
        return true;
    return o->stop_file && access(o->stop_file, F_OK) == 0;
}

/* Start, resend and time out what each lane needs. Returns the number of
 * requests in flight, or -1 on failure. */
static int tend(run *rn, uint64_t now, bool stop)
{
    const fl_options *o = rn->o;
    int flying = 0;
    rn->lanes_done = 0;
    for (unsigned ci = 0; ci < o->clients; ci++) {
        client *c = &rn->clients[ci];
        for (unsigned li = 0; li < o->lanes; li++) {
            lane *l = &c->lanes[li];
            if (!l->req.data && !stop && (!o->apps || l->apps < o->apps)) {
                /* no close before the clock has moved past the window */
                if (rn->clock_path && l->next == ST_CLOSE && rn->clock_ms < l->close_at_ms)
                    continue;
                if (o->rate > 0) {
                    if (now < rn->next_token_us)
                        continue;
                    rn->next_token_us += (uint64_t)(1e6 / o->rate);
                    if (rn->next_token_us + 1000000u < now)
                        rn->next_token_us = now - 1000000u; /* no burst after a stall */
                }
                if (lane_build(rn, l))
                    return -1;
                rn->r->started++;
                l->first_us = now;
                l->tries = l->busy = l->timeouts = 0;
                if (send_lane(rn, c, l))
                    return -1;
            }
            if (!l->req.data) {
                if (o->apps && l->apps >= o->apps)
                    rn->lanes_done++;
                continue;
            }
            flying++;
            if (now > l->first_us + (uint64_t)o->give_up_ms * 1000u) {
                fprintf(stderr, "sb_fault: %s %s unanswered after %d ms and %u tries\n",
                        step_names[l->doing], l->rid, o->give_up_ms, l->tries);
                return -1;
            }
            if (l->resend_at_us && now >= l->resend_at_us) {
                l->resend_at_us = 0;
                if (send_lane(rn, c, l))
                    return -1;
            } else if (!l->resend_at_us && now > l->sent_us + (uint64_t)o->timeout_ms * 1000u) {
                c->reopen = true;
            }
        }
        if (c->reopen && reopen(rn, c))
            return -1;
    }
    return flying;
}

int fl_run(void *ctx, const fl_options *opts, fl_result *ret)
{
    fl_options o = *opts;
    if (!o.clients)
        o.clients = 1;
    if (!o.lanes)
        o.lanes = 1;
    if (!o.timeout_ms)
        o.timeout_ms = 2000;
    if (!o.give_up_ms)
        o.give_up_ms = 120000;
    memset(ret, 0, sizeof *ret);
    run rn = {.o = &o, .r = ret, .ctx = ctx};
    zmq_pollitem_t *items = calloc(o.clients, sizeof *items);
    rn.clients = calloc(o.clients, sizeof *rn.clients);
    if (!items || !rn.clients)
        goto fail;
    for (unsigned ci = 0; ci < o.clients; ci++) {
        client *c = &rn.clients[ci];
        c->lanes = calloc(o.lanes, sizeof *c->lanes);
        c->sock = fw_dealer(ctx, o.endpoint);
        if (!c->lanes || !c->sock)
            goto fail;
        for (unsigned li = 0; li < o.lanes; li++)
            c->lanes[li] = (lane){.client = ci, .lane = li, .next = ST_APPLY};
    }
    /* Lanes that certify move the daemon's test clock, when it has one. */
    const char *clock = getenv("SKILLBASE_TEST_CLOCK");
    bool certifies =
        !o.last_step || (strcmp(o.last_step, "apply") != 0 && strcmp(o.last_step, "review") != 0 &&
                         strcmp(o.last_step, "evaluate") != 0);
    if (clock && *clock && certifies) {
        rn.clock_path = clock;
        rn.clock_ms = sb_clock_now_ms();
    }
    rn.start_us = rn.next_token_us = fw_now_us();
    rn.next_clock_us = rn.start_us + SB_DRIVE_CLOCK_STEP_MS * 1000u;
    rn.next_sample_us = rn.start_us + (uint64_t)o.sample_ms * 1000u;
    uint64_t next_note = rn.start_us + 5000000u;
    for (;;) {
        uint64_t now = fw_now_us();
        bool stop = stopping(&rn, now);
        if (rn.clock_path && now >= rn.next_clock_us) {
            /* the file first: a lane sees the time once the daemon does */
            uint64_t next = rn.clock_ms + SB_DRIVE_CLOCK_STEP_DAYS * 86400000ull;
            if (sb_drive_clock_write(rn.clock_path, next) == 0)
                rn.clock_ms = next;
            rn.next_clock_us = now + SB_DRIVE_CLOCK_STEP_MS * 1000u;
        }
        int flying = tend(&rn, now, stop);
        if (flying < 0 || ret->failed)
            goto fail;
        if ((stop || rn.lanes_done == o.clients * o.lanes) && flying == 0)
            break;
        if (o.sample && o.sample_ms && now >= rn.next_sample_us) {
            sample_window(&rn, now);
            rn.next_sample_us += (uint64_t)o.sample_ms * 1000u;
        }
        if (!o.quiet && now >= next_note) {
            fprintf(stderr,
                    "sb_fault: %.0f s: %llu answered, %llu retried, %llu busy, %d in flight\n",
                    (double)(now - rn.start_us) / 1e6, (unsigned long long)ret->requests,
                    (unsigned long long)ret->retries, (unsigned long long)ret->busy, flying);
            next_note += 5000000u;
        }
        for (unsigned ci = 0; ci < o.clients; ci++)
            items[ci] = (zmq_pollitem_t){.socket = rn.clients[ci].sock, .events = ZMQ_POLLIN};
        int wait_ms = o.rate > 0 ? 1 : 5;
        if (zmq_poll(items, (int)o.clients, wait_ms) < 0 && errno != EINTR)
            goto fail;
        for (unsigned ci = 0; ci < o.clients; ci++) {
            if (!(items[ci].revents & ZMQ_POLLIN))
                continue;
            fw_bytes body;
            int r;
            while ((r = fw_recv(rn.clients[ci].sock, &body)) >= 0) {
                if (r == 0) {
                    on_reply(&rn, &rn.clients[ci], &body);
                    fw_bytes_free(&body);
                }
            }
        }
    }
    if (o.sample && o.sample_ms && rn.win_n)
        sample_window(&rn, fw_now_us());
    ret->elapsed_s = (double)(fw_now_us() - rn.start_us) / 1e6;
    int rc = 0;
    goto out;
fail:
    ret->failed = 1;
    rc = -1;
out:
    for (unsigned ci = 0; rn.clients && ci < o.clients; ci++) {
        client *c = &rn.clients[ci];
        for (unsigned li = 0; c->lanes && li < o.lanes; li++)
            lane_clear(&c->lanes[li]);
        free(c->lanes);
        if (c->sock)
            zmq_close(c->sock);
    }
    free(rn.clients);
    free(items);
    free(rn.win);
    return rc;
}

void fl_result_free(fl_result *r)
{
    for (size_t i = 0; i < r->n_acked; i++) {
        fw_bytes_free(&r->acked[i].request);
        fw_bytes_free(&r->acked[i].reply);
    }
    free(r->acked);
    r->acked = NULL;
    r->n_acked = r->cap_acked = 0;
}

void fl_result_print(const char *what, const fl_result *r)
{
    fprintf(stderr,
            "sb_fault: %s: %.1f s, %llu requests answered (%llu writes, %llu events), "
            "%llu resends after timeouts (%llu requests retried, %llu of them committed before "
            "their answer was lost, %llu reconnects), %llu busy answers, slowest %.0f ms%s\n",
            what, r->elapsed_s, (unsigned long long)r->requests, (unsigned long long)r->writes,
            (unsigned long long)r->events, (unsigned long long)r->retries,
            (unsigned long long)r->retried_requests, (unsigned long long)r->retried_replayed,
            (unsigned long long)r->reconnects, (unsigned long long)r->busy, r->max_latency_ms,
            r->failed ? " — FAILED" : "");
}
