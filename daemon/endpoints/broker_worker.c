/* sb_broker, the workers' side: Hello, JobDone (with the job's command
 * applied in the same transaction), JobFailed, heartbeats and Goodbye, and
 * the drain of the ROUTER (broker.h, docs/jobs.md). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "broker_worker.h"
#include "handlers.h"
#include "job_commands.h"
#include "rules.h"
#include "sb_clock.h"
#include "sb_error.h"
#include "sb_log.h"
#include "sb_zmsg.h"
#include "sb_protocol.h"
#include "security.h"
#include "validate.h"

/* An authenticated worker (security.h) takes only the job types its key
 * lists, under a name that starts with its key's name (the actor of its
 * commands is "worker:<name>"). NULL when it may, else why not. */
static const char *key_refusal(sb_broker *b, const sb_caller *c, const Skillbase__WorkerHello *h)
{
    if (!c->name)
        return NULL;
    size_t kl = strlen(c->name);
    if (!h->name || strncmp(h->name, c->name, kl) != 0 || (h->name[kl] && h->name[kl] != '-')) {
        const char *m = sb_arena_printf(&b->work,
                                        "a worker's name must be its key's name %s, "
                                        "or start with \"%s-\"",
                                        c->name, c->name);
        return m ? m : "the worker's name does not match its key";
    }
    for (size_t i = 0; i < h->n_types; i++) {
        bool ok = false;
        for (size_t k = 0; k < c->n_types; k++)
            ok |= strcmp(c->types[k], "*") == 0 || strcmp(c->types[k], h->types[i]) == 0;
        if (!ok) {
            const char *m = sb_arena_printf(&b->work,
                                            "job type %s is not among the types of "
                                            "key %s",
                                            h->types[i], c->name);
            return m ? m : "a job type is not among the key's types";
        }
    }
    return NULL;
}

static void on_hello(sb_broker *b, const void *ident, size_t len, const Skillbase__WorkerHello *h,
                     const sb_caller *caller)
{
    const char *why = sb_peers_check_hello(h);
    if (!why)
        why = key_refusal(b, caller, h);
    if (why) {
        sb_peer tmp = {.ident_len = len <= SB_PEER_IDENT_MAX ? len : 0};
        memcpy(tmp.ident, ident, tmp.ident_len);
        tmp.name = (char *)"?";
        sb_log(SB_LOG_WARN, "worker refused: %s", why);
        sb_broker__refuse(b, &tmp, SB_INVALID, why);
        return;
    }
    /* the same connection saying Hello again, or the same worker (by name)
     * on a new connection: its leases carry over if it still has them */
    sb_peer *old = sb_peers_find(&b->peers, ident, len);
    if (!old)
        old = sb_peers_find_name(&b->peers, h->name);
    sb_peer *w = sb_peers_add(&b->peers, ident, len, h, uv_now(b->loop));
    if (!w) {
        sb_log(SB_LOG_ERROR, "out of memory for worker %s", h->name);
        return;
    }
    size_t n_lost = 0;
    sb_lease **lost = NULL;
    if (old) {
        size_t n = 0;
        for (sb_lease *l = b->peers.leases; l; l = l->next)
            n += l->w == old;
        lost = sb_arena_alloc(&b->work, (n ? n : 1) * sizeof *lost);
        for (sb_lease *l = b->peers.leases; l && lost; l = l->next) {
            if (l->w != old)
                continue;
            bool in_hand = false;
            for (size_t i = 0; i < h->n_jobs_in_hand; i++)
                in_hand |= strcmp(h->jobs_in_hand[i], l->id) == 0;
            if (in_hand)
                sb_peers_lease_move(l, w);
            else
                lost[n_lost++] = l; /* sent but never received: not counted */
        }
        sb_peers_remove(&b->peers, old);
    }
    for (size_t i = 0; i < h->n_jobs_in_hand; i++) {
        sb_lease *l = sb_peers_lease_find(&b->peers, h->jobs_in_hand[i]);
        if (!l || l->w != w)
            sb_peer_phantom_add(w, h->jobs_in_hand[i]);
    }
    sb_broker__fail_leases(b, lost, n_lost, SB_JOBQ_HANDED_BACK, "lost on the way to the worker");

    Skillbase__DaemonMessage m = SKILLBASE__DAEMON_MESSAGE__INIT;
    Skillbase__WorkerWelcome wel = SKILLBASE__WORKER_WELCOME__INIT;
    wel.heartbeat_ms = b->config->worker_heartbeat_ms;
    wel.liveness = b->config->worker_liveness;
    wel.lease_ms = b->policy.lease_ms;
    wel.version = (char *)SB_VERSION;
    m.body_case = SKILLBASE__DAEMON_MESSAGE__BODY_WELCOME;
    m.welcome = &wel;
    sb_broker__send(b, w, &m);
    sb_log(SB_LOG_INFO, "worker %s %s: %zu type(s) starting with %s, capacity %u", w->name,
           old ? "reconnected" : "connected", w->n_types, w->types[0], w->capacity);
}

typedef struct {
    sb_peer *w;
    const Skillbase__JobDone *done;
    bool leased;         /* w holds the job's lease now */
    bool phantom;        /* w still works on it with no lease (one ran out, a restart) */
    const char *summary; /* out: as recorded */
    bool ignored;        /* out: unknown or finished job */
    const char *refused; /* out: not w's to finish (nothing written) */
} done_op;

/* Whether w may report the job done: it holds the lease, or it held the
 * last one, which ran out (or the daemon restarted) with no other worker
 * holding the job since; and the job is of a type w took (its key's). NULL
 * when it may, else why not. */
static const char *done_refusal(sb_broker *b, const done_op *op, const Skillbase__Job *job)
{
    const char *who = op->w->name;
    const char *m = NULL;
    if (!sb_peer_takes(op->w, job->type))
        m = sb_arena_printf(&b->txn, "%s is a %s job; worker %s does not take that type", job->id,
                            job->type, who);
    else if (!op->leased && !(op->phantom && job->state == SKILLBASE__JOB_STATE__QUEUED &&
                              job->worker && strcmp(job->worker, who) == 0))
        m = sb_arena_printf(&b->txn, "%s is not leased to worker %s%s%s", job->id, who,
                            job->state == SKILLBASE__JOB_STATE__LEASED ? " but to " : "",
                            job->state == SKILLBASE__JOB_STATE__LEASED && job->worker ? job->worker
                                                                                      : "");
    else
        return NULL;
    return m ? m : "not this worker's job";
}

/* Apply a job's command in the transaction that marks it done; say in the
 * summary what became of it. */
static int apply_command(sb_broker *b, sb_txn *t, done_op *op, const Skillbase__Request *cmd,
                         const char **summary)
{
    char *key = sb_arena_printf(&b->txn, "job:%s", op->done->job_id);
    char *actor = sb_arena_printf(&b->txn, "worker:%s", op->w->name);
    if (!key || !actor)
        return SB_E(SB_INTERNAL);
    Skillbase__Request req = *cmd;
    req.protocol = SB_PROTOCOL_VERSION;
    req.request_id = key;
    req.idempotency_key = key;
    req.actor = actor;
    size_t len = skillbase__request__get_packed_size(&req);
    uint8_t *frame = sb_arena_alloc(&b->txn, len ? len : 1);
    if (!frame)
        return SB_E(SB_INTERNAL);
    skillbase__request__pack(&req, frame);
    sb_dispatch_result r;
    sb_arena_reset(&b->cmd_arena);
    int rc = sb_dispatch(&b->dispatch, t, SB_ROLE_WORKER, frame, len, &b->cmd_arena, &r);
    if (rc)
        return rc;
    Skillbase__Reply *reply = skillbase__reply__unpack(&b->cmd_arena.pb, r.len, r.reply);
    const char *name = r.command ? r.command : "command";
    const char *what;
    if (reply && reply->code == SB_OK)
        what = sb_arena_printf(&b->txn, "%s applied (event %llu)%s", name,
                               (unsigned long long)reply->seq, reply->replayed ? ", earlier" : "");
    else
        what = sb_arena_printf(&b->txn, "%s refused: %s: %s%s%s%s", name, sb_error_name(r.code),
                               reply && reply->message ? reply->message : "",
                               reply && reply->n_details ? " (" : "",
                               reply && reply->n_details ? reply->details[0] : "",
                               reply && reply->n_details > 1 ? "; ...)"
                               : reply && reply->n_details   ? ")"
                                                             : "");
    if (!what)
        return SB_E(SB_INTERNAL);
    *summary = (*summary)[0] ? sb_arena_printf(&b->txn, "%s; %s", *summary, what) : what;
    return *summary ? 0 : SB_E(SB_INTERNAL);
}

static int done_fn(sb_broker *b, sb_txn *t, void *arg)
{
    done_op *op = arg;
    Skillbase__Job *job;
    op->ignored = false;
    int rc = sb_store_job_get(t, op->done->job_id, &b->txn.pb, &job);
    if (rc == SB_E(SB_NOT_FOUND) || rc == SB_E(SB_INVALID) ||
        (rc == 0 && job->state != SKILLBASE__JOB_STATE__QUEUED &&
         job->state != SKILLBASE__JOB_STATE__LEASED)) {
        op->ignored = true;
        return 0;
    }
    if (rc)
        return rc;
    if ((op->refused = done_refusal(b, op, job)))
        return 0; /* the job untouched */
    Skillbase__JobResult res = SKILLBASE__JOB_RESULT__INIT;
    if (op->done->result)
        res = *op->done->result;
    const char *summary = res.summary ? res.summary : "";
    if (res.command) {
        /* only the command of the job's type, about the job's own record */
        const char *why = sb_job_command_refusal(&b->txn, job, res.command);
        if (why) {
            sb_log(SB_LOG_WARN, "job %s (%s) from worker %s: command refused: %s", job->id,
                   job->type, op->w->name, why);
            b->stats.refused++;
            const char *what = sb_arena_printf(&b->txn, "command refused: forbidden: %s", why);
            summary = !what        ? "command refused"
                      : summary[0] ? sb_arena_printf(&b->txn, "%s; %s", summary, what)
                                   : what;
            if (!summary)
                return SB_E(SB_INTERNAL);
        } else if ((rc = apply_command(b, t, op, res.command, &summary))) {
            return rc;
        }
    }
    res.summary = (char *)summary;
    rc = sb_jobq_done(t, op->done->job_id, &res, op->w->name, sb_clock_now_ms());
    op->summary = summary;
    return rc;
}

static void on_done(sb_broker *b, sb_peer *w, const Skillbase__JobDone *d)
{
    if (!d->job_id || !d->job_id[0] || strlen(d->job_id) >= SB_JOB_ID_MAX) {
        sb_broker__refuse(b, w, SB_INVALID, "done: job_id missing or too long");
        return;
    }
    sb_lease *held = sb_peers_lease_find(&b->peers, d->job_id);
    done_op op = {.w = w, .done = d, .leased = held && held->w == w};
    for (size_t i = 0; !held && i < w->n_phantoms; i++)
        op.phantom |= strcmp(w->phantoms[i], d->job_id) == 0;
    if (sb_broker__txn(b, done_fn, &op))
        return; /* not acknowledged: the worker sends it again after a reconnect */
    if (op.refused) {
        /* logged and counted; the job and its lease are untouched, and the
         * worker is told it may forget the report */
        sb_log(SB_LOG_WARN, "done for %s from worker %s refused: %s", d->job_id, w->name,
               op.refused);
        b->stats.refused++;
        sb_peer_phantom_drop(w, d->job_id);
        sb_broker__ack(b, w, d->job_id, d->attempt);
        return;
    }
    sb_lease *l = sb_peers_lease_find(&b->peers, d->job_id);
    if (l)
        sb_peers_lease_drop(&b->peers, l);
    sb_peer_phantom_drop(w, d->job_id);
    if (op.ignored) {
        sb_log(SB_LOG_DEBUG, "done for %s from %s ignored: unknown or finished", d->job_id,
               w->name);
    } else {
        b->stats.completed++;
        sb_log(SB_LOG_INFO, "job %s done by %s (attempt %u)%s%s", d->job_id, w->name, d->attempt,
               op.summary[0] ? ": " : "", op.summary);
    }
    sb_broker__ack(b, w, d->job_id, d->attempt);
}

static void on_failed(sb_broker *b, sb_peer *w, const Skillbase__JobFailed *f)
{
    if (!f->job_id || !f->job_id[0] || strlen(f->job_id) >= SB_JOB_ID_MAX) {
        sb_broker__refuse(b, w, SB_INVALID, "failed: job_id missing or too long");
        return;
    }
    sb_lease *l = sb_peers_lease_find(&b->peers, f->job_id);
    if (l && l->w == w && l->attempt == f->attempt) {
        const char *error = f->error && f->error[0] && sb_rules_text_ok(f->error)
                                ? f->error
                                : "failed (no valid reason given)";
        sb_jobq_failure how = f->handed_back ? SB_JOBQ_HANDED_BACK
                              : f->retryable ? SB_JOBQ_RETRYABLE
                                             : SB_JOBQ_FATAL;
        if (how != SB_JOBQ_HANDED_BACK)
            sb_log(SB_LOG_INFO, "job %s failed on %s (attempt %u%s): %s", f->job_id, w->name,
                   f->attempt, how == SB_JOBQ_FATAL ? ", not retryable" : "", error);
        sb_lease *one[1] = {l};
        sb_broker__fail_leases(b, one, 1, how, error);
        if (sb_peers_lease_find(&b->peers, f->job_id) == l)
            return; /* not committed: no ack */
    } else {
        sb_peer_phantom_drop(w, f->job_id);
        sb_log(SB_LOG_DEBUG, "failure of %s from %s ignored: not its lease any more", f->job_id,
               w->name);
    }
    sb_broker__ack(b, w, f->job_id, f->attempt);
}

/* One message from a worker: [identity][WorkerMessage]. */
static void on_message(sb_broker *b, zmq_msg_t *ident, zmq_msg_t *body)
{
    const void *id = zmq_msg_data(ident);
    size_t id_len = zmq_msg_size(ident);
    size_t len = zmq_msg_size(body);
    sb_arena_reset(&b->msg_arena);
    sb_arena_reset(&b->work);
    b->msg_arena.budget = len * 32 + 256 * 1024;
    Skillbase__WorkerMessage *m =
        skillbase__worker_message__unpack(&b->msg_arena.pb, len, zmq_msg_data(body));
    sb_peer *w = id_len <= SB_PEER_IDENT_MAX ? sb_peers_find(&b->peers, id, id_len) : NULL;
    sb_peer anon = {.ident_len = id_len <= SB_PEER_IDENT_MAX ? id_len : 0, .name = (char *)"?"};
    memcpy(anon.ident, id, anon.ident_len);
    /* who sent it (security.h): a key removed since it connected is refused */
    sb_caller caller;
    sb_security_caller(body, SB_ENDPOINT_WORKER, &caller);
    if (!(caller.role & SB_ROLE_WORKER)) {
        sb_broker__refuse(b, w ? w : &anon, SB_FORBIDDEN,
                          caller.refusal ? caller.refusal : "not a worker");
        return;
    }
    if (!m) {
        sb_broker__refuse(b, w ? w : &anon, SB_MALFORMED,
                          "not a decodable skillbase.WorkerMessage");
        return;
    }
    if (m->protocol < SB_PROTOCOL_MIN || m->protocol > SB_PROTOCOL_VERSION) {
        sb_broker__refuse(b, w ? w : &anon, SB_UNSUPPORTED_PROTOCOL,
                          "worker protocol version not served by this daemon");
        return;
    }
    /* every string as sent acceptable text (sb_text.h; a NUL inside is
     * seen only in the frame), every enum known: a worker's name, types,
     * job ids and reasons end up in records, logs and terminals */
    const char **problems;
    size_t n_problems;
    const char *bad = sb_validate_wire(&b->msg_arena, &skillbase__worker_message__descriptor,
                                       zmq_msg_data(body), len, &problems, &n_problems);
    if (!bad)
        bad = sb_validate_message(&b->msg_arena, &m->base);
    if (bad) {
        sb_log(SB_LOG_WARN, "worker message refused: %s", bad);
        sb_broker__refuse(b, w ? w : &anon, SB_INVALID, bad);
        return;
    }
    if (m->body_case == SKILLBASE__WORKER_MESSAGE__BODY_HELLO) {
        on_hello(b, id, id_len, m->hello, &caller);
        return;
    }
    if (!w) {
        /* e.g. the daemon restarted: the worker says Hello again */
        sb_broker__refuse(b, &anon, SB_INVALID, "unknown worker: say hello first");
        return;
    }
    w->last_heard = uv_now(b->loop);
    switch (m->body_case) {
    case SKILLBASE__WORKER_MESSAGE__BODY_HEARTBEAT:
        break;
    case SKILLBASE__WORKER_MESSAGE__BODY_DONE:
        on_done(b, w, m->done);
        break;
    case SKILLBASE__WORKER_MESSAGE__BODY_FAILED:
        on_failed(b, w, m->failed);
        break;
    case SKILLBASE__WORKER_MESSAGE__BODY_GOODBYE:
        sb_broker__drop_worker(b, w, SB_JOBQ_HANDED_BACK, "said goodbye");
        break;
    default:
        sb_broker__refuse(b, w, SB_INVALID, "message without a body");
        break;
    }
}

/* One message from a worker, [identity][body]; messages of other shapes
 * are dropped whole (TECH-NOTES 4). The reader (broker.c) calls it while
 * one is waiting. */
void sb_broker__on_message(void *arg)
{
    sb_broker *b = arg;
    if (b->closing)
        return;
    zmq_msg_t f[2];
    bool cut;
    int n = sb_zmsg_recv(b->router, f, 2, &cut);
    if (n == 2 && !cut)
        on_message(b, &f[0], &f[1]);
    for (int i = 0; i < n; i++)
        zmq_msg_close(&f[i]);
}

/* After a turn of messages: hand out the jobs they made room for. */
void sb_broker__after_messages(void *arg)
{
    sb_broker__pump(arg);
}
