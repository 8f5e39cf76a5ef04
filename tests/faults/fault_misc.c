#include "fault_misc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "fault_load.h"
#include "fault_wire.h"
#include "sb_clock.h"
#include "sb_drive.h"
#include "sb_protocol.h"
#include "skillbase_client.h"
#include "skillbase_follow.h"

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* A status request as `rid` on sock, answered within timeout_ms. Returns
 * the answer's code (0 OK), or -1 when none came. */
static int ask_status(void *sock, const char *rid, int timeout_ms)
{
    sb_example_request m;
    Skillbase__Request *req = sb_example_status(&m);
    req->request_id = (char *)rid;
    req->actor = (char *)"fault-load";
    Skillbase__Reply *r = sb_drive_call(sock, req, timeout_ms);
    int code = r ? (int)r->code : -1;
    if (r)
        skillbase__reply__free_unpacked(r, NULL);
    return code;
}

static uint64_t last_seq(const char *endpoint);

/* ---------------------------------------------------------------- churn */

typedef struct {
    void *ctx;
    const char *endpoint;
    atomic_int stop;
    uint64_t asked, answered, missing, refused;
    double max_ms;
} canary;

static void *canary_main(void *arg)
{
    canary *c = arg;
    void *sock = fw_dealer(c->ctx, c->endpoint);
    if (!sock) {
        c->missing++;
        return NULL;
    }
    while (!atomic_load(&c->stop)) {
        char rid[48];
        snprintf(rid, sizeof rid, "canary-%llu", (unsigned long long)c->asked);
        uint64_t t0 = fw_now_us();
        int code = ask_status(sock, rid, 10000);
        c->asked++;
        double ms = (double)(fw_now_us() - t0) / 1000.0;
        if (code < 0) {
            c->missing++;
            zmq_close(sock); /* Lazy Pirate: start afresh */
            sock = fw_dealer(c->ctx, c->endpoint);
            if (!sock)
                break;
        } else if (code) {
            c->refused++;
        } else {
            c->answered++;
            c->max_ms = ms > c->max_ms ? ms : c->max_ms;
        }
        sleep_ms(20);
    }
    if (sock)
        zmq_close(sock);
    return NULL;
}

/* A DEALER that is connected for sure: the monitor saw the connection
 * made. NULL when it was not within 10 s. */
static void *connected_dealer(void *ctx, const char *endpoint, unsigned i)
{
    char addr[64];
    int linger = 200;
    void *s = zmq_socket(ctx, ZMQ_DEALER), *mon = NULL, *ok = NULL;
    snprintf(addr, sizeof addr, "inproc://churn-monitor-%u", i);
    if (!s || zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_socket_monitor(s, addr, ZMQ_EVENT_CONNECTED) || !(mon = zmq_socket(ctx, ZMQ_PAIR)) ||
        zmq_connect(mon, addr) || zmq_connect(s, endpoint))
        goto out;
    zmq_pollitem_t it = {.socket = mon, .events = ZMQ_POLLIN};
    if (zmq_poll(&it, 1, 10000) == 1) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, mon, 0) >= 0 && zmq_msg_more(&m)) {
            zmq_msg_t rest;
            zmq_msg_init(&rest);
            zmq_msg_recv(&rest, mon, 0);
            zmq_msg_close(&rest);
            ok = s;
        }
        zmq_msg_close(&m);
    }
out:
    if (s)
        zmq_socket_monitor(s, NULL, 0);
    if (mon)
        zmq_close(mon);
    if (!ok && s)
        zmq_close(s);
    return ok;
}

/* Connect to the ipc socket underneath and send the first bytes of a ZMTP
 * greeting, then hang up: a peer gone in the middle of the handshake. */
static int half_greeting(const char *endpoint)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    static const char greeting[10] = {(char)0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f};
    if (strncmp(endpoint, "ipc://", 6) || strlen(endpoint + 6) >= sizeof sa.sun_path)
        return 0; /* not an ipc endpoint: nothing to do */
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", endpoint + 6);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 1;
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa) || write(fd, greeting, 5) != 5;
    close(fd);
    return rc;
}

/* One client that comes and goes; kind picks how. Returns 0, or 1 when it
 * could not connect or an answer it waited for did not come. */
static int churn_one(void *ctx, const char *endpoint, unsigned i, unsigned kind)
{
    char rid[48], key[40], cc[19];
    fw_bytes req = {0};
    int rc = 0;
    if (kind == 3)
        return half_greeting(endpoint);
    void *s = connected_dealer(ctx, endpoint, i);
    if (!s)
        return 1;
    snprintf(rid, sizeof rid, "churn-%u", i);
    switch (kind) {
    case 0: /* connect and leave */
        break;
    case 1: /* ask, wait for the answer, leave */
        if (ask_status(s, rid, 10000) != 0)
            rc = 1;
        break;
    case 2: /* send a write and vanish before its answer (linger flushes it) */
        fw_new_key(key);
        fw_credit_code(0x40000000u + i, cc);
        if (fw_apply(cc, rid, key, &req) == 0)
            fw_send(s, &req);
        break;
    }
    fw_bytes_free(&req);
    zmq_close(s);
    return rc;
}

/* The daemon's descriptors once connections have wound down: wait up to
 * 10 s for them to fall to `want` or below. */
static int settle(long pid, unsigned want, sb_drive_proc *ret)
{
    for (int i = 0; i < 100; i++) {
        if (sb_drive_proc_read((pid_t)pid, ret))
            return -1;
        if (ret->fds <= want)
            return 0;
        sleep_ms(100);
    }
    return 0;
}

int fault_churn(const fault_churn_options *opts)
{
    fault_churn_options o = *opts;
    static const char *const kinds[] = {"connected and left", "asked and left",
                                        "sent a write and vanished",
                                        "hung up in the middle of the handshake"};
    unsigned counts[4] = {0}, unanswered = 0;
    if (!o.cycles)
        o.cycles = 1000;
    if (!o.max_fd_growth)
        o.max_fd_growth = 4;
    if (!o.max_anon_growth_kb)
        o.max_anon_growth_kb = 16384;
    void *ctx = zmq_ctx_new();
    if (!ctx || !o.pid)
        return 2;
    canary c = {.ctx = ctx, .endpoint = o.endpoint};
    pthread_t th;
    if (pthread_create(&th, NULL, canary_main, &c))
        return 1;
    /* warm up: every kind once in a while, so lazily made things exist */
    for (unsigned i = 0; i < 40; i++)
        unanswered += (unsigned)churn_one(ctx, o.endpoint, 1000000u + i, i % 4);
    sb_drive_proc before, after;
    sleep_ms(1000);
    if (sb_drive_proc_read((pid_t)o.pid, &before)) {
        fprintf(stderr, "sb_fault: churn: no process %ld\n", o.pid);
        return 1;
    }
    uint64_t seq0 = last_seq(o.endpoint), t0 = sb_clock_mono_ms();
    for (unsigned i = 0; i < o.cycles && !fl_stop; i++) {
        unanswered += (unsigned)churn_one(ctx, o.endpoint, i, i % 4);
        counts[i % 4]++;
    }
    double secs = (double)(sb_clock_mono_ms() - t0) / 1000.0;
    settle(o.pid, before.fds, &after);
    sleep_ms(500);
    sb_drive_proc_read((pid_t)o.pid, &after);
    uint64_t applied = last_seq(o.endpoint) - seq0;
    atomic_store(&c.stop, 1);
    pthread_join(th, NULL);
    zmq_ctx_term(ctx);

    fprintf(stderr, "sb_fault: churn: %u clients in %.1f s:", o.cycles, secs);
    for (int k = 0; k < 4; k++)
        fprintf(stderr, "%s %u %s", k ? "," : "", counts[k], kinds[k]);
    fprintf(stderr, "\n");
    fprintf(stderr,
            "sb_fault: churn: %llu of the %u writes whose clients vanished reached the "
            "daemon and were applied (answered to no one)\n",
            (unsigned long long)applied, counts[2]);
    long dfd = (long)after.fds - (long)before.fds;
    long danon = (long)after.anon_kb - (long)before.anon_kb;
    fprintf(stderr,
            "sb_fault: churn: daemon descriptors %u -> %u (%+ld, limit %+d), anonymous memory "
            "%llu -> %llu KiB (%+ld, limit +%llu), threads %u -> %u\n",
            before.fds, after.fds, dfd, o.max_fd_growth, (unsigned long long)before.anon_kb,
            (unsigned long long)after.anon_kb, danon, (unsigned long long)o.max_anon_growth_kb,
            before.threads, after.threads);
    fprintf(stderr,
            "sb_fault: churn: canary asked %llu times meanwhile: %llu answered (slowest %.0f ms), "
            "%llu refused, %llu unanswered; %u churning clients' answers missing\n",
            (unsigned long long)c.asked, (unsigned long long)c.answered, c.max_ms,
            (unsigned long long)c.refused, (unsigned long long)c.missing, unanswered);
    int bad = !applied || dfd > o.max_fd_growth || danon > (long)o.max_anon_growth_kb ||
              c.missing || c.refused || !c.answered || unanswered ||
              after.threads != before.threads;
    fprintf(stderr, "sb_fault: churn: %s\n", bad ? "FAIL" : "no leak, no effect on others");
    return bad;
}

/* ---------------------------------------------------------------- stall-sub */

static int event_seq(zmq_msg_t *topic, zmq_msg_t *body, uint64_t *ret)
{
    if (zmq_msg_size(topic) == 9 && memcmp(zmq_msg_data(topic), "heartbeat", 9) == 0)
        return 1;
    Skillbase__Event *e = skillbase__event__unpack(NULL, zmq_msg_size(body), zmq_msg_data(body));
    if (!e)
        return -1;
    *ret = e->seq;
    skillbase__event__free_unpacked(e, NULL);
    return 0;
}

/* Read one [topic][body] message; 0, or -1 when none within wait_ms. */
static int sub_recv(void *sub, int wait_ms, zmq_msg_t *topic, zmq_msg_t *body)
{
    zmq_pollitem_t it = {.socket = sub, .events = ZMQ_POLLIN};
    if (wait_ms && zmq_poll(&it, 1, wait_ms) <= 0)
        return -1;
    zmq_msg_init(topic);
    zmq_msg_init(body);
    if (zmq_msg_recv(topic, sub, ZMQ_DONTWAIT) < 0 || !zmq_msg_more(topic) ||
        zmq_msg_recv(body, sub, 0) < 0) {
        zmq_msg_close(topic);
        zmq_msg_close(body);
        return -1;
    }
    return 0;
}

static uint64_t last_seq(const char *endpoint)
{
    sb_client *c;
    sb_client_options co = {.endpoint = endpoint, .timeout_ms = 10000};
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    Skillbase__Reply *r = NULL;
    uint64_t seq = 0;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    if (sb_client_new(&co, &c))
        return 0;
    if (sb_client_call(c, &req, &r) == 0) {
        if (r->code == 0 && r->result_case == SKILLBASE__REPLY__RESULT_STATUS)
            seq = r->status->last_seq;
        skillbase__reply__free_unpacked(r, NULL);
    }
    sb_client_destroy(&c);
    return seq;
}

int fault_stall_sub(const fault_stall_options *o)
{
    if (!o->event_endpoint || !o->wake_file)
        return 2;
    void *ctx = zmq_ctx_new();
    void *sub = zmq_socket(ctx, ZMQ_DEALER);
    int hwm = 1, rcvbuf = 4096, linger = 0;
    zmq_setsockopt(sub, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(sub, ZMQ_RCVBUF, &rcvbuf, sizeof rcvbuf);
    zmq_setsockopt(sub, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_connect(sub, o->event_endpoint)) {
        fprintf(stderr, "sb_fault: stall-sub: connect %s: %s\n", o->event_endpoint,
                zmq_strerror(errno));
        return 1;
    }
    /* every topic (docs/protocol.md, "Event stream"); never renewed */
    zmq_send(sub, "subscribe", 9, ZMQ_SNDMORE);
    zmq_send(sub, "", 0, 0);
    /* subscribed for real once something (a heartbeat) arrives */
    zmq_msg_t t, b;
    if (sub_recv(sub, 15000, &t, &b)) {
        fprintf(stderr, "sb_fault: stall-sub: nothing on %s within 15 s\n", o->event_endpoint);
        return 1;
    }
    zmq_msg_close(&t);
    zmq_msg_close(&b);
    if (o->ready_file) {
        FILE *f = fopen(o->ready_file, "w");
        if (f)
            fclose(f);
    }
    fprintf(stderr, "sb_fault: stall-sub: subscribed (receive high-water mark 1); not reading\n");
    while (access(o->wake_file, F_OK) != 0 && !fl_stop)
        sleep_ms(100);
    uint64_t target = last_seq(o->endpoint);
    /* what waited in the socket all along: a few messages, in order */
    uint64_t waiting = 0, first = 0, prev = 0, disorder = 0;
    while (sub_recv(sub, 0, &t, &b) == 0) {
        uint64_t seq;
        if (event_seq(&t, &b, &seq) == 0) {
            waiting++;
            if (!first)
                first = seq;
            if (seq <= prev)
                disorder++;
            prev = seq;
        }
        zmq_msg_close(&t);
        zmq_msg_close(&b);
    }
    zmq_close(sub);
    zmq_ctx_term(ctx);
    fprintf(stderr,
            "sb_fault: stall-sub: woke with %llu events waiting in the socket (seq %llu..%llu); "
            "the log has 1..%llu\n",
            (unsigned long long)waiting, (unsigned long long)first, (unsigned long long)prev,
            (unsigned long long)target);
    /* catch up from the log, then the stream: every event once, in order */
    sb_follow *f;
    sb_follow_options fo = {.endpoint = o->endpoint,
                            .event_endpoint = o->event_endpoint,
                            .from_seq = 1,
                            .timeout_ms = 10000};
    if (sb_follow_new(&fo, &f))
        return 1;
    uint64_t expect = 1, wrong = 0, t0 = sb_clock_mono_ms();
    while (expect <= target && sb_clock_mono_ms() - t0 < 180000) {
        Skillbase__Event *e;
        int rc = sb_follow_next(f, 1000, &e);
        if (rc < 0) {
            fprintf(stderr, "sb_fault: stall-sub: follow: %s\n", sb_follow_error(f));
            break;
        }
        if (rc)
            continue;
        if (e->seq != expect)
            wrong++;
        expect = e->seq + 1;
        skillbase__event__free_unpacked(e, NULL);
    }
    sb_follow_destroy(&f);
    int bad = expect <= target || wrong || disorder;
    fprintf(stderr,
            "sb_fault: stall-sub: caught up from the log in %.1f s: events 1..%llu delivered, "
            "%llu out of order or repeated%s\n",
            (double)(sb_clock_mono_ms() - t0) / 1000.0, (unsigned long long)(expect - 1),
            (unsigned long long)(wrong + disorder), bad ? " — FAIL" : "");
    return bad;
}

/* ---------------------------------------------------------------- hung-worker */

static int worker_send(void *s, Skillbase__WorkerMessage *m)
{
    m->protocol = SB_PROTOCOL_VERSION;
    size_t n = skillbase__worker_message__get_packed_size(m);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return -1;
    skillbase__worker_message__pack(m, buf);
    int rc = zmq_send(s, buf, n, ZMQ_DONTWAIT) < 0 ? -1 : 0;
    free(buf);
    return rc;
}

int fault_hung_worker(const fault_hung_options *opts)
{
    fault_hung_options o = *opts;
    if (!o.type)
        o.type = "notify";
    if (!o.rounds)
        o.rounds = 3;
    if (!o.hold_ms)
        o.hold_ms = 5000;
    void *ctx = zmq_ctx_new();
    FILE *jobs = o.jobs_file ? fopen(o.jobs_file, "a") : NULL;
    int bad = 0;
    for (unsigned r = 0; r < o.rounds && !fl_stop; r++) {
        void *s = sb_drive_dealer(ctx, o.endpoint, NULL);
        if (!s)
            return 1;
        char name[64];
        char *types[1] = {(char *)o.type};
        snprintf(name, sizeof name, "hung-%08x-%u", fw_nonce(), r);
        Skillbase__WorkerMessage m = SKILLBASE__WORKER_MESSAGE__INIT;
        Skillbase__WorkerHello h = SKILLBASE__WORKER_HELLO__INIT;
        h.name = name;
        h.types = types;
        h.n_types = 1;
        h.capacity = 1;
        m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_HELLO;
        m.hello = &h;
        worker_send(s, &m);
        /* wait for a job, heartbeating like a live worker until it comes */
        char job[64] = "";
        unsigned attempt = 0;
        uint64_t deadline = sb_clock_mono_ms() + 60000u, beat = 0;
        while (!job[0] && sb_clock_mono_ms() < deadline && !fl_stop) {
            if (sb_clock_mono_ms() >= beat) {
                Skillbase__WorkerMessage hb = SKILLBASE__WORKER_MESSAGE__INIT;
                Skillbase__WorkerHeartbeat hh = SKILLBASE__WORKER_HEARTBEAT__INIT;
                hb.body_case = SKILLBASE__WORKER_MESSAGE__BODY_HEARTBEAT;
                hb.heartbeat = &hh;
                worker_send(s, &hb);
                beat = sb_clock_mono_ms() + 200;
            }
            zmq_pollitem_t it = {.socket = s, .events = ZMQ_POLLIN};
            if (zmq_poll(&it, 1, 100) <= 0)
                continue;
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, s, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&msg);
                continue;
            }
            Skillbase__DaemonMessage *d =
                skillbase__daemon_message__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
            zmq_msg_close(&msg);
            if (d && d->body_case == SKILLBASE__DAEMON_MESSAGE__BODY_JOB && d->job->id) {
                snprintf(job, sizeof job, "%s", d->job->id);
                attempt = d->job->attempt;
            }
            if (d)
                skillbase__daemon_message__free_unpacked(d, NULL);
        }
        if (!job[0]) {
            fprintf(stderr, "sb_fault: hung-worker: %s got no %s job within 60 s\n", name, o.type);
            bad = 1;
            zmq_close(s);
            break;
        }
        fprintf(stderr, "sb_fault: hung-worker: %s took %s (attempt %u) and hangs for %u ms\n",
                name, job, attempt, o.hold_ms);
        if (jobs) {
            fprintf(jobs, "%s %u %s\n", job, attempt, name);
            fflush(jobs);
        }
        sleep_ms(o.hold_ms); /* no heartbeat, no answer, nothing read */
        zmq_close(s);
    }
    if (jobs)
        fclose(jobs);
    zmq_ctx_term(ctx);
    return bad;
}
