/* sb_worker: the worker runtime (sb_worker.h).
 *
 * The main thread owns the DEALER to the daemon and an inproc PULL that the
 * handler threads push their packed outcomes to; it polls both plus a
 * self-pipe that SIGTERM, SIGINT and sb_worker_stop write to. Jobs go to the
 * handler threads through a mutex-protected queue. Outcomes are kept until
 * the daemon acknowledges them, and resent after every Welcome.
 */
#include "sb_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "sb_log.h"
#include "sb_text.h"
#include "sb_zmsg.h"

#ifndef SB_DEFAULT_STATE_DIR
#define SB_DEFAULT_STATE_DIR "var"
#endif

#define PROTOCOL_VERSION 1
#define MAX_FRAME (64u * 1024 * 1024)

/* A job the worker holds: waiting for a thread or running. */
typedef struct held {
    struct held *next;
    char *id;
    uint32_t attempt;
    Skillbase__Job *job; /* set while waiting for a thread; the thread takes it */
    bool running;
} held;

/* An outcome not yet acknowledged by the daemon. */
typedef struct outcome {
    struct outcome *next;
    char *id;
    uint32_t attempt;
    uint8_t *bytes; /* packed WorkerMessage */
    size_t len;
} outcome;

typedef struct {
    const sb_worker_options *o;
    sb_worker_options opts; /* o points here */
    char name[256];
    void *zctx;
    void *dealer; /* NULL while waiting to reconnect */
    void *pull;
    char inproc[64];
    /* the handler threads and what they share */
    pthread_t *threads;
    uint32_t n_threads;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    held *held;        /* guarded by lock */
    bool threads_stop; /* guarded by lock */
    outcome *unacked;
    /* timing, on the monotonic clock */
    uint32_t heartbeat_ms, liveness;
    uint64_t last_heard, next_beat, reconnect_at, last_hello;
    uint32_t backoff_ms;
    bool welcomed;
    sb_client_curve curve; /* CURVE for tcp:// (security) */
    bool has_curve;
} worker;

static int stop_pipe[2] = {-1, -1};
static volatile sig_atomic_t stopping;
static _Thread_local sb_arena *current_arena;

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

sb_arena *sb_worker_arena(void)
{
    return current_arena;
}

/* Ask a running sb_worker_run to shut down gracefully, as SIGTERM does.
 * Async-signal-safe; callable from any thread. */
static void sb_worker_stop(void)
{
    int saved = errno;
    stopping = 1;
    if (stop_pipe[1] >= 0) {
        ssize_t r = write(stop_pipe[1], "x", 1);
        (void)r;
    }
    errno = saved;
}

static void on_signal(int signum)
{
    (void)signum;
    sb_worker_stop();
}

/* ------------------------------------------------------------ sending */

static int send_bytes(worker *w, const uint8_t *buf, size_t len)
{
    if (!w->dealer)
        return -1;
    if (zmq_send(w->dealer, buf, len, ZMQ_DONTWAIT) < 0) {
        sb_log(SB_LOG_DEBUG, "send to the daemon failed: %s", zmq_strerror(errno));
        return -1;
    }
    w->next_beat = mono_ms() + w->heartbeat_ms;
    return 0;
}

static int send_message(worker *w, Skillbase__WorkerMessage *m)
{
    m->protocol = PROTOCOL_VERSION;
    size_t len = skillbase__worker_message__get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    skillbase__worker_message__pack(m, buf);
    int rc = send_bytes(w, buf, len);
    free(buf);
    return rc;
}

static void send_hello(worker *w)
{
    Skillbase__WorkerMessage m = SKILLBASE__WORKER_MESSAGE__INIT;
    Skillbase__WorkerHello h = SKILLBASE__WORKER_HELLO__INIT;
    size_t n_types = 0, n_hand = 0;
    while (w->o->types[n_types])
        n_types++;
    h.name = w->name;
    h.types = (char **)w->o->types;
    h.n_types = n_types;
    h.capacity = w->n_threads;
    pthread_mutex_lock(&w->lock);
    for (held *x = w->held; x; x = x->next)
        n_hand++;
    char **ids = calloc(n_hand ? n_hand : 1, sizeof *ids);
    if (ids) {
        n_hand = 0;
        for (held *x = w->held; x; x = x->next)
            ids[n_hand++] = x->id;
        h.jobs_in_hand = ids;
        h.n_jobs_in_hand = n_hand;
    }
    pthread_mutex_unlock(&w->lock);
    m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_HELLO;
    m.hello = &h;
    send_message(w, &m);
    free(ids);
    w->last_hello = mono_ms();
}

static void send_goodbye(worker *w, const char *reason)
{
    Skillbase__WorkerMessage m = SKILLBASE__WORKER_MESSAGE__INIT;
    Skillbase__WorkerGoodbye g = SKILLBASE__WORKER_GOODBYE__INIT;
    g.reason = (char *)reason;
    m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_GOODBYE;
    m.goodbye = &g;
    send_message(w, &m);
}

static void send_heartbeat(worker *w)
{
    Skillbase__WorkerMessage m = SKILLBASE__WORKER_MESSAGE__INIT;
    Skillbase__WorkerHeartbeat hb = SKILLBASE__WORKER_HEARTBEAT__INIT;
    m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_HEARTBEAT;
    m.heartbeat = &hb;
    send_message(w, &m);
}

/* Pack a JobFailed for (id, attempt). Returns 0 and *ret (malloc'd). */
static int pack_failed(const char *id, uint32_t attempt, const char *error, bool retryable,
                       bool handed_back, uint8_t **ret, size_t *ret_len)
{
    Skillbase__WorkerMessage m = SKILLBASE__WORKER_MESSAGE__INIT;
    Skillbase__JobFailed f = SKILLBASE__JOB_FAILED__INIT;
    f.job_id = (char *)id;
    f.attempt = attempt;
    f.error = (char *)error;
    f.retryable = retryable;
    f.handed_back = handed_back;
    m.protocol = PROTOCOL_VERSION;
    m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_FAILED;
    m.failed = &f;
    size_t len = skillbase__worker_message__get_packed_size(&m);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    skillbase__worker_message__pack(&m, buf);
    *ret = buf;
    *ret_len = len;
    return 0;
}

/* Keep an outcome until acknowledged and send it now. Takes `bytes`. */
static void report(worker *w, const char *id, uint32_t attempt, uint8_t *bytes, size_t len)
{
    outcome *o = calloc(1, sizeof *o);
    if (!o || !(o->id = strdup(id))) {
        free(o);
        free(bytes);
        sb_log(SB_LOG_ERROR, "out of memory: the outcome of %s is lost (its lease will run out)",
               id);
        return;
    }
    o->attempt = attempt;
    o->bytes = bytes;
    o->len = len;
    o->next = w->unacked;
    w->unacked = o;
    if (w->welcomed)
        send_bytes(w, bytes, len);
}

static void drop_held(worker *w, const char *id, uint32_t attempt)
{
    pthread_mutex_lock(&w->lock);
    for (held **p = &w->held; *p; p = &(*p)->next) {
        held *x = *p;
        if (x->attempt == attempt && strcmp(x->id, id) == 0) {
            *p = x->next;
            if (x->job)
                skillbase__job__free_unpacked(x->job, NULL);
            free(x->id);
            free(x);
            break;
        }
    }
    pthread_mutex_unlock(&w->lock);
}

/* Give back the jobs no thread has started (shutdown). */
static void hand_back_waiting(worker *w)
{
    for (;;) {
        char *id = NULL;
        uint32_t attempt = 0;
        pthread_mutex_lock(&w->lock);
        for (held *x = w->held; x; x = x->next) {
            if (!x->running) {
                id = strdup(x->id);
                attempt = x->attempt;
                break;
            }
        }
        pthread_mutex_unlock(&w->lock);
        if (!id)
            return;
        uint8_t *buf;
        size_t len;
        if (pack_failed(id, attempt, "worker stopping", true, true, &buf, &len) == 0)
            report(w, id, attempt, buf, len);
        drop_held(w, id, attempt);
        free(id);
    }
}

/* ------------------------------------------------------------ handler threads */

static void *thread_main(void *arg)
{
    worker *w = arg;
    void *push = zmq_socket(w->zctx, ZMQ_PUSH);
    int linger = 0;
    sb_arena arena;
    sb_arena_init(&arena, 0);
    if (!push || zmq_connect(push, w->inproc)) {
        sb_log(SB_LOG_ERROR, "handler thread: cannot reach the runtime: %s", zmq_strerror(errno));
        if (push)
            zmq_close(push);
        return NULL;
    }
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    for (;;) {
        pthread_mutex_lock(&w->lock);
        held *mine = NULL;
        while (!w->threads_stop) {
            for (held *x = w->held; x && !mine; x = x->next)
                if (!x->running && x->job)
                    mine = x;
            if (mine)
                break;
            pthread_cond_wait(&w->cond, &w->lock);
        }
        if (!mine) {
            pthread_mutex_unlock(&w->lock);
            break;
        }
        mine->running = true;
        Skillbase__Job *job = mine->job;
        mine->job = NULL;
        pthread_mutex_unlock(&w->lock);

        Skillbase__JobResult result = SKILLBASE__JOB_RESULT__INIT;
        char error[1024] = "", shown[1024];
        current_arena = &arena;
        sb_job_outcome out = w->o->handler(job, &result, error, sizeof error, w->o->arg);
        current_arena = NULL;

        Skillbase__WorkerMessage m = SKILLBASE__WORKER_MESSAGE__INIT;
        Skillbase__JobDone d = SKILLBASE__JOB_DONE__INIT;
        Skillbase__JobFailed f = SKILLBASE__JOB_FAILED__INIT;
        m.protocol = PROTOCOL_VERSION;
        if (out == SB_JOB_DONE) {
            d.job_id = job->id;
            d.attempt = job->attempt;
            d.result = &result;
            m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_DONE;
            m.done = &d;
            sb_log(SB_LOG_INFO, "%s %s (attempt %u): done%s%s", job->type, job->id, job->attempt,
                   result.summary && result.summary[0] ? ": " : "",
                   result.summary ? result.summary : "");
        } else {
            error[sizeof error - 1] = '\0';
            f.job_id = job->id;
            f.attempt = job->attempt;
            /* the daemon refuses control characters and bad UTF-8 (a
             * server's reply with its line ends, a message cut short):
             * escaped, as sb_text.h shows them */
            f.error = error[0] ? sb_text_escape(error, shown, sizeof shown)
                               : (char *)"failed (the handler gave no reason)";
            f.retryable = out == SB_JOB_RETRY;
            m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_FAILED;
            m.failed = &f;
            sb_log(SB_LOG_WARN, "%s %s (attempt %u): %s: %s", job->type, job->id, job->attempt,
                   f.retryable ? "failed, retryable" : "failed", f.error);
        }
        size_t len = skillbase__worker_message__get_packed_size(&m);
        zmq_msg_t msg;
        if (zmq_msg_init_size(&msg, len ? len : 1) == 0) {
            skillbase__worker_message__pack(&m, zmq_msg_data(&msg));
            if (zmq_msg_send(&msg, push, 0) < 0)
                zmq_msg_close(&msg);
        }
        sb_arena_reset(&arena);
        skillbase__job__free_unpacked(job, NULL);
    }
    sb_arena_destroy(&arena);
    zmq_close(push);
    return NULL;
}

/* An outcome from a handler thread: forget the held job, report it. */
static void on_outcome(worker *w)
{
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, w->pull, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        size_t len = zmq_msg_size(&msg);
        Skillbase__WorkerMessage *m =
            skillbase__worker_message__unpack(NULL, len, zmq_msg_data(&msg));
        uint8_t *copy = malloc(len ? len : 1);
        if (m && copy) {
            const char *id = m->body_case == SKILLBASE__WORKER_MESSAGE__BODY_DONE
                                 ? m->done->job_id
                                 : m->failed->job_id;
            uint32_t attempt = m->body_case == SKILLBASE__WORKER_MESSAGE__BODY_DONE
                                   ? m->done->attempt
                                   : m->failed->attempt;
            memcpy(copy, zmq_msg_data(&msg), len);
            drop_held(w, id, attempt);
            report(w, id, attempt, copy, len);
            copy = NULL;
        }
        free(copy);
        if (m)
            skillbase__worker_message__free_unpacked(m, NULL);
        zmq_msg_close(&msg);
    }
}

/* ------------------------------------------------------------ the daemon side */

static int open_dealer(worker *w)
{
    w->dealer = zmq_socket(w->zctx, ZMQ_DEALER);
    if (!w->dealer)
        return -1;
    int linger = 2000;
    int64_t maxmsg = MAX_FRAME;
    zmq_setsockopt(w->dealer, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(w->dealer, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    if (w->has_curve && sb_client_curve_apply(w->dealer, &w->curve)) {
        sb_log(SB_LOG_ERROR, "worker: CURVE: %s", zmq_strerror(errno));
        zmq_close(w->dealer);
        w->dealer = NULL;
        return -1;
    }
    if (zmq_connect(w->dealer, w->o->endpoint)) {
        sb_log(SB_LOG_ERROR, "cannot connect to %s: %s", w->o->endpoint, zmq_strerror(errno));
        zmq_close(w->dealer);
        w->dealer = NULL;
        return -1;
    }
    uint64_t now = mono_ms();
    w->welcomed = false;
    w->last_heard = now;
    send_hello(w);
    return 0;
}

static void close_dealer(worker *w, int linger)
{
    if (!w->dealer)
        return;
    zmq_setsockopt(w->dealer, ZMQ_LINGER, &linger, sizeof linger);
    zmq_close(w->dealer);
    w->dealer = NULL;
    w->welcomed = false;
}

/* The daemon went silent: drop the connection and try again later. */
static void lost_daemon(worker *w)
{
    close_dealer(w, 0);
    w->reconnect_at = mono_ms() + w->backoff_ms;
    sb_log(SB_LOG_WARN, "no word from the daemon at %s; reconnecting in %u ms", w->o->endpoint,
           w->backoff_ms);
    w->backoff_ms =
        w->backoff_ms * 2 > w->o->reconnect_max_ms ? w->o->reconnect_max_ms : w->backoff_ms * 2;
}

static void take_job(worker *w, Skillbase__DaemonMessage *m)
{
    Skillbase__Job *job = m->job;
    if (!job || !job->id || !job->id[0]) {
        sb_log(SB_LOG_WARN, "the daemon sent a job without an id; ignored");
        return;
    }
    if (stopping) {
        uint8_t *buf;
        size_t len;
        if (pack_failed(job->id, job->attempt, "worker stopping", true, true, &buf, &len) == 0)
            report(w, job->id, job->attempt, buf, len);
        return;
    }
    held *x = calloc(1, sizeof *x);
    if (!x || !(x->id = strdup(job->id))) {
        free(x);
        return;
    }
    x->attempt = job->attempt;
    x->job = job;
    m->job = NULL; /* the thread frees it */
    m->body_case = SKILLBASE__DAEMON_MESSAGE__BODY__NOT_SET;
    sb_log(SB_LOG_DEBUG, "received %s %s (attempt %u)", job->type, x->id, x->attempt);
    pthread_mutex_lock(&w->lock);
    held **tail = &w->held;
    while (*tail)
        tail = &(*tail)->next;
    *tail = x;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

static void on_ack(worker *w, const Skillbase__JobAck *a)
{
    for (outcome **p = &w->unacked; *p; p = &(*p)->next) {
        outcome *o = *p;
        if (o->attempt == a->attempt && strcmp(o->id, a->job_id) == 0) {
            *p = o->next;
            free(o->id);
            free(o->bytes);
            free(o);
            return;
        }
    }
}

static void on_daemon(worker *w)
{
    /* the whole socket, each poll (sb_zmsg.h): the handler's sends below
     * may take ZMQ_FD's signal, zmq_poll's next look does not need it */
    while (sb_zmsg_readable(w->dealer)) {
        zmq_msg_t msg;
        bool cut;
        if (sb_zmsg_recv(w->dealer, &msg, 1, &cut) < 0)
            return;
        if (cut) { /* not ours: dropped whole */
            zmq_msg_close(&msg);
            continue;
        }
        w->last_heard = mono_ms();
        Skillbase__DaemonMessage *m =
            skillbase__daemon_message__unpack(NULL, zmq_msg_size(&msg), zmq_msg_data(&msg));
        zmq_msg_close(&msg);
        if (!m) {
            sb_log(SB_LOG_WARN, "undecodable message from the daemon; ignored");
            continue;
        }
        switch (m->body_case) {
        case SKILLBASE__DAEMON_MESSAGE__BODY_WELCOME:
            if (m->welcome->heartbeat_ms)
                w->heartbeat_ms = m->welcome->heartbeat_ms;
            if (m->welcome->liveness)
                w->liveness = m->welcome->liveness;
            /* the daemon's interval from now on, not the one in force at hello */
            if (w->next_beat > mono_ms() + w->heartbeat_ms)
                w->next_beat = mono_ms() + w->heartbeat_ms;
            if (!w->welcomed)
                sb_log(SB_LOG_INFO, "connected to skillbased %s at %s as %s", m->welcome->version,
                       w->o->endpoint, w->name);
            w->welcomed = true;
            w->backoff_ms = w->o->reconnect_min_ms;
            for (outcome *o = w->unacked; o; o = o->next)
                send_bytes(w, o->bytes, o->len);
            break;
        case SKILLBASE__DAEMON_MESSAGE__BODY_HEARTBEAT:
            break;
        case SKILLBASE__DAEMON_MESSAGE__BODY_JOB:
            take_job(w, m);
            break;
        case SKILLBASE__DAEMON_MESSAGE__BODY_ACK:
            on_ack(w, m->ack);
            break;
        case SKILLBASE__DAEMON_MESSAGE__BODY_REFUSAL:
            /* e.g. the daemon restarted and does not know us: say hello
             * again, at most once per heartbeat interval */
            sb_log(SB_LOG_INFO, "daemon: %s", m->refusal->message);
            w->welcomed = false;
            if (mono_ms() - w->last_hello >= w->heartbeat_ms)
                send_hello(w);
            break;
        default:
            break;
        }
        skillbase__daemon_message__free_unpacked(m, NULL);
    }
}

/* ------------------------------------------------------------ the loop */

static size_t count_held(worker *w)
{
    size_t n = 0;
    pthread_mutex_lock(&w->lock);
    for (held *x = w->held; x; x = x->next)
        n++;
    pthread_mutex_unlock(&w->lock);
    return n;
}

/* One pass of polling; returns after at most `max_wait_ms`. */
static void poll_once(worker *w, uint64_t max_wait_ms)
{
    uint64_t now = mono_ms();
    uint64_t wake = now + max_wait_ms;
    if (w->dealer && w->next_beat < wake)
        wake = w->next_beat;
    if (!w->dealer && w->reconnect_at < wake)
        wake = w->reconnect_at;
    zmq_pollitem_t items[3] = {
        {w->pull, 0, ZMQ_POLLIN, 0},
        {NULL, stop_pipe[0], ZMQ_POLLIN, 0},
        {w->dealer, 0, ZMQ_POLLIN, 0},
    };
    long timeout = wake > now ? (long)(wake - now) : 0;
    int n = zmq_poll(items, w->dealer ? 3 : 2, timeout);
    if (n < 0 && errno != EINTR)
        sb_log(SB_LOG_WARN, "poll: %s", zmq_strerror(errno));
    if (items[1].revents & ZMQ_POLLIN) {
        char buf[64];
        while (read(stop_pipe[0], buf, sizeof buf) > 0)
            ;
    }
    on_outcome(w);
    on_daemon(w);
    now = mono_ms();
    if (w->dealer) {
        if (now - w->last_heard > (uint64_t)w->heartbeat_ms * w->liveness)
            lost_daemon(w);
        else if (now >= w->next_beat)
            send_heartbeat(w);
    } else if (now >= w->reconnect_at) {
        open_dealer(w);
    }
}

const char *sb_worker_default_endpoint(void)
{
    const char *env = getenv("SKILLBASE_WORKER_ENDPOINT");
    return env && *env ? env : "ipc://" SB_DEFAULT_STATE_DIR "/worker.sock";
}

static int check_options(const sb_worker_options *in, sb_worker_options *o)
{
    *o = *in;
    if (!o->handler || !o->types || !o->types[0]) {
        sb_log(SB_LOG_ERROR, "worker: a handler and at least one job type are required");
        return -1;
    }
    if (!o->endpoint)
        o->endpoint = sb_worker_default_endpoint();
    if (!o->capacity)
        o->capacity = 1;
    if (o->capacity > 256)
        o->capacity = 256;
    if (!o->heartbeat_ms)
        o->heartbeat_ms = 1000;
    if (!o->liveness)
        o->liveness = 3;
    if (!o->reconnect_min_ms)
        o->reconnect_min_ms = 1000;
    if (!o->reconnect_max_ms)
        o->reconnect_max_ms = 30000;
    if (o->reconnect_max_ms < o->reconnect_min_ms)
        o->reconnect_max_ms = o->reconnect_min_ms;
    if (!o->shutdown_grace_ms)
        o->shutdown_grace_ms = 10000;
    return 0;
}

static void default_name(worker *w)
{
    if (w->o->name && w->o->name[0]) {
        snprintf(w->name, sizeof w->name, "%s", w->o->name);
        return;
    }
    char host[64] = "host";
    gethostname(host, sizeof host);
    host[sizeof host - 1] = '\0';
    extern char *program_invocation_short_name;
    snprintf(w->name, sizeof w->name, "%s-%s-%ld", program_invocation_short_name, host,
             (long)getpid());
}

static int install_signals(void)
{
    if (pipe(stop_pipe))
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(stop_pipe[i], F_SETFL, fcntl(stop_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(stop_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    return 0;
}

/* Stop the threads; `join` false leaves a thread stuck in a handler. */
static void stop_threads(worker *w, bool join)
{
    pthread_mutex_lock(&w->lock);
    w->threads_stop = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    for (uint32_t i = 0; i < w->n_threads; i++) {
        if (join)
            pthread_join(w->threads[i], NULL);
        else
            pthread_detach(w->threads[i]);
    }
}

static void shutdown_gracefully(worker *w)
{
    sb_log(SB_LOG_INFO, "stopping: handing back waiting jobs, finishing running ones");
    hand_back_waiting(w);
    uint64_t deadline = mono_ms() + w->o->shutdown_grace_ms;
    while (count_held(w) && mono_ms() < deadline)
        poll_once(w, 100);
    on_outcome(w);
    bool stuck = count_held(w) > 0;
    if (stuck) {
        /* still running after the grace period: the attempt counts */
        pthread_mutex_lock(&w->lock);
        for (held *x = w->held; x; x = x->next) {
            uint8_t *buf;
            size_t len;
            sb_log(SB_LOG_WARN, "%s still running after %u ms; giving it back", x->id,
                   w->o->shutdown_grace_ms);
            if (pack_failed(x->id, x->attempt, "worker stopped while the job ran", true, false,
                            &buf, &len) == 0) {
                send_bytes(w, buf, len);
                free(buf);
            }
        }
        pthread_mutex_unlock(&w->lock);
    }
    send_goodbye(w, "stopping");
    stop_threads(w, !stuck);
}

int sb_worker_run(const sb_worker_options *opts)
{
    /* on the heap: a handler thread stuck past the grace period keeps
     * pointing at it until the process exits */
    worker *w = calloc(1, sizeof *w);
    if (!w || !opts || check_options(opts, &w->opts)) {
        free(w);
        return -1;
    }
    w->o = &w->opts;
    /* CURVE: given, or from the environment (docs/security.md) */
    if (opts->curve) {
        w->curve = *opts->curve;
        w->has_curve = true;
    } else {
        char err[512];
        int cr = sb_client_curve_load(NULL, NULL, &w->curve, err, sizeof err);
        if (cr < 0) {
            sb_log(SB_LOG_ERROR, "worker: %s", err);
            free(w);
            return -1;
        }
        w->has_curve = cr > 0;
    }
    w->opts.curve = NULL;
    const sb_worker_options o = w->opts;
    default_name(w);
    w->heartbeat_ms = o.heartbeat_ms;
    w->liveness = o.liveness;
    w->backoff_ms = o.reconnect_min_ms;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    stopping = 0;
    int status = -1;
    if (install_signals()) {
        free(w);
        return -1;
    }
    w->zctx = zmq_ctx_new();
    snprintf(w->inproc, sizeof w->inproc, "inproc://sbworker-%p", (void *)w);
    w->pull = w->zctx ? zmq_socket(w->zctx, ZMQ_PULL) : NULL;
    if (!w->pull || zmq_bind(w->pull, w->inproc)) {
        sb_log(SB_LOG_ERROR, "worker: cannot set up: %s", zmq_strerror(errno));
        goto out;
    }
    /* handler threads never take SIGTERM/SIGINT: the main thread does */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    w->threads = calloc(o.capacity, sizeof *w->threads);
    for (; w->threads && w->n_threads < o.capacity; w->n_threads++)
        if (pthread_create(&w->threads[w->n_threads], NULL, thread_main, w))
            break;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (w->n_threads == 0) {
        sb_log(SB_LOG_ERROR, "worker: cannot start handler threads");
        goto out;
    }
    if (open_dealer(w)) {
        stop_threads(w, true);
        goto out;
    }
    sb_log(SB_LOG_INFO, "%s: taking %s%s (capacity %u) from %s", w->name, o.types[0],
           o.types[1] ? " and more" : "", w->n_threads, o.endpoint);
    while (!stopping)
        poll_once(w, w->heartbeat_ms);
    shutdown_gracefully(w);
    status = 0;
out:
    close_dealer(w, 2000);
    if (w->pull)
        zmq_close(w->pull);
    while (w->unacked) {
        outcome *next = w->unacked->next;
        free(w->unacked->id);
        free(w->unacked->bytes);
        free(w->unacked);
        w->unacked = next;
    }
    free(w->threads);
    bool stuck = w->held != NULL;
    while (!stuck && w->held) {
        held *next = w->held->next;
        if (w->held->job)
            skillbase__job__free_unpacked(w->held->job, NULL);
        free(w->held->id);
        free(w->held);
        w->held = next;
    }
    /* a thread stuck in a handler still has its socket: terminating the
     * context would wait for it forever; exit takes both */
    if (w->zctx && !stuck)
        zmq_ctx_term(w->zctx);
    close(stop_pipe[0]);
    close(stop_pipe[1]);
    stop_pipe[0] = stop_pipe[1] = -1;
    if (!stuck) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        free(w);
    }
    return status;
}
