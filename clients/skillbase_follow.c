/* skillbase_follow: catch up from the log, then follow the stream. See the
 * header for the contract and docs/protocol.md for the algorithm. */
#include "skillbase_follow.h"

#include "sb_error.h"
#include "skillbase_client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define PAGE 1000
#define HEARTBEAT_TOPIC "heartbeat"
#define MAX_FRAME_BYTES (64LL * 1024 * 1024)
#define RCVHWM 10000
/* Pause before trying an unreachable daemon again. */
#define RETRY_PAUSE_MS 500
/* The subscription is renewed this often: a daemon that restarted knows
 * none (docs/protocol.md, "Event stream"). */
#define RENEW_MS 2000

struct sb_follow {
    sb_client *client;
    void *ctx;
    void *sub;            /* NULL until the event endpoint is known */
    char *endpoint;       /* command endpoint */
    char *event_endpoint; /* as given, or NULL: ask the daemon */
    char *prefix;         /* "" for all */
    sb_client_curve curve;
    bool has_curve;
    uint64_t next_seq;      /* the next sequence owed to the caller */
    uint64_t known_last;    /* highest sequence known to be committed */
    bool need_read;         /* read the log before trusting the stream */
    int64_t renewed_ms;     /* when the subscription was last sent */
    Skillbase__Reply *page; /* the log page being handed out */
    size_t page_i;
    char error[512];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s ? s : "", prefix, strlen(prefix)) == 0;
}

int sb_follow_new(const sb_follow_options *opts, sb_follow **ret)
{
    sb_follow_options o = opts ? *opts : (sb_follow_options){0};
    sb_follow *f = calloc(1, sizeof *f);
    int r = SB_E(SB_INTERNAL);
    if (!f)
        return r;
    const char *env = getenv("SKILLBASE_EVENT_ENDPOINT");
    if (!o.event_endpoint && env && *env)
        o.event_endpoint = env;
    f->endpoint = strdup(o.endpoint ? o.endpoint : sb_client_default_endpoint());
    f->event_endpoint = o.event_endpoint ? strdup(o.event_endpoint) : NULL;
    f->prefix = strdup(o.topic_prefix ? o.topic_prefix : "");
    f->next_seq = o.from_seq ? o.from_seq : 1;
    f->need_read = true;
    f->ctx = zmq_ctx_new();
    if (!f->endpoint || !f->prefix || (o.event_endpoint && !f->event_endpoint) || !f->ctx)
        goto fail;
    if (o.curve) {
        f->curve = *o.curve;
        f->has_curve = true;
    }
    sb_client_options copts = {f->endpoint, o.timeout_ms, 2, o.curve};
    r = sb_client_new(&copts, &f->client);
    if (r < 0)
        goto fail;
    *ret = f;
    return 0;
fail:
    sb_follow_destroy(&f);
    return r;
}

void sb_follow_destroy(sb_follow **fp)
{
    sb_follow *f = fp ? *fp : NULL;
    if (!f)
        return;
    if (f->page)
        skillbase__reply__free_unpacked(f->page, NULL);
    if (f->sub)
        zmq_close(f->sub);
    sb_client_destroy(&f->client);
    if (f->ctx)
        zmq_ctx_term(f->ctx);
    free(f->endpoint);
    free(f->event_endpoint);
    free(f->prefix);
    free(f);
    *fp = NULL;
}

const char *sb_follow_error(const sb_follow *f)
{
    return f->error;
}

/* ------------------------------------------------------------ the stream */

/* A wildcard endpoint as bound by the daemon ("tcp://" "*:7401"), whose
 * command endpoint we reach at "tcp://host:7400": that host with the bound
 * port. Other endpoints as they are. */
static char *connectable(const char *event_ep, const char *command_ep)
{
    static const char *const wild[] = {"tcp://*:", "tcp://0.0.0.0:", "tcp://[::]:"};
    for (size_t i = 0; i < sizeof wild / sizeof wild[0]; i++) {
        size_t wl = strlen(wild[i]);
        const char *colon = strrchr(command_ep, ':');
        if (strncmp(event_ep, wild[i], wl) != 0 || strncmp(command_ep, "tcp://", 6) != 0 ||
            !colon || colon < command_ep + 6)
            continue;
        size_t hl = (size_t)(colon - (command_ep + 6));
        size_t len = 6 + hl + 1 + strlen(event_ep + wl) + 1;
        char *out = malloc(len);
        if (out)
            snprintf(out, len, "tcp://%.*s:%s", (int)hl, command_ep + 6, event_ep + wl);
        return out;
    }
    return strdup(event_ep);
}

/* Ask the daemon where it publishes. Returns 0, 1 when it did not answer,
 * or a negated error. */
static int discover(sb_follow *f)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    Skillbase__Reply *reply = NULL;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    int r = sb_client_call(f->client, &req, &reply);
    if (r == SB_E(SB_UNAVAILABLE))
        return 1;
    if (r < 0)
        return r;
    if (reply->code != SKILLBASE__ERROR_CODE__OK ||
        reply->result_case != SKILLBASE__REPLY__RESULT_STATUS || !reply->status->event_endpoint ||
        !*reply->status->event_endpoint) {
        snprintf(f->error, sizeof f->error, "%s",
                 reply->code ? reply->message : "the daemon reports no event endpoint");
        r = reply->code ? -(int)reply->code : SB_E(SB_UNAVAILABLE);
        skillbase__reply__free_unpacked(reply, NULL);
        return r;
    }
    f->event_endpoint = connectable(reply->status->event_endpoint, f->endpoint);
    skillbase__reply__free_unpacked(reply, NULL);
    return f->event_endpoint ? 0 : SB_E(SB_INTERNAL);
}

/* Ask the daemon for every topic: gaps are only visible in the full
 * sequence. Sent again every RENEW_MS; a request that cannot be queued
 * (the daemon away) waits for the next. */
static void send_subscribe(sb_follow *f)
{
    if (zmq_send(f->sub, "subscribe", 9, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 9)
        zmq_send(f->sub, "", 0, ZMQ_DONTWAIT);
    f->renewed_ms = now_ms();
}

/* Connect to the stream (once) and subscribe. Returns 0, 1 when the
 * endpoint is not known yet, or a negated error. */
static int subscribe(sb_follow *f)
{
    if (f->sub)
        return 0;
    if (!f->event_endpoint) {
        int r = discover(f);
        if (r)
            return r;
    }
    void *s = zmq_socket(f->ctx, ZMQ_DEALER);
    int linger = 0, hwm = RCVHWM, sndhwm = 2, ivl = 5000, timeout = 15000, rmax = 2000;
    int64_t max = MAX_FRAME_BYTES;
    if (!s)
        return SB_E(SB_INTERNAL);
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(s, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(s, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(s, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL_MAX, &rmax, sizeof rmax);
    if ((f->has_curve && sb_client_curve_apply(s, &f->curve)) ||
        zmq_connect(s, f->event_endpoint)) {
        snprintf(f->error, sizeof f->error, "cannot subscribe to %s: %s", f->event_endpoint,
                 zmq_strerror(errno));
        zmq_close(s);
        return SB_E(SB_INVALID);
    }
    f->sub = s;
    send_subscribe(f);
    return 0;
}

/* Receive one whole message if there is one. Returns 1 with the topic
 * and body frames, 0 when none is waiting or it had another shape. */
static int recv_message(void *sock, zmq_msg_t *topic, zmq_msg_t *body)
{
    int n = 0, more = 1;
    zmq_msg_init(topic);
    zmq_msg_init(body);
    while (more) {
        zmq_msg_t extra, *dst = n == 0 ? topic : n == 1 ? body : &extra;
        if (n >= 2)
            zmq_msg_init(&extra);
        if (zmq_msg_recv(dst, sock, ZMQ_DONTWAIT) < 0) {
            if (n >= 2)
                zmq_msg_close(&extra);
            break;
        }
        more = zmq_msg_more(dst);
        if (n >= 2)
            zmq_msg_close(&extra);
        n++;
    }
    if (n == 2 && !more)
        return 1;
    zmq_msg_close(topic);
    zmq_msg_close(body);
    return 0;
}

/* Handle one stream message. Returns 1 with *ret when it is the event owed
 * next (and matches the prefix), 0 otherwise. */
static int take_live(sb_follow *f, zmq_msg_t *topic, zmq_msg_t *body, Skillbase__Event **ret)
{
    size_t tlen = zmq_msg_size(topic);
    if (tlen == 7 && memcmp(zmq_msg_data(topic), "refused", 7) == 0) {
        /* kept for sb_follow_error; the log still serves this follower */
        snprintf(f->error, sizeof f->error, "the event stream refused the subscription: %.*s",
                 (int)(zmq_msg_size(body) > 400 ? 400 : zmq_msg_size(body)),
                 (const char *)zmq_msg_data(body));
        return 0;
    }
    if (tlen == strlen(HEARTBEAT_TOPIC) &&
        memcmp(zmq_msg_data(topic), HEARTBEAT_TOPIC, tlen) == 0) {
        Skillbase__StreamHeartbeat *hb =
            skillbase__stream_heartbeat__unpack(NULL, zmq_msg_size(body), zmq_msg_data(body));
        if (hb) {
            if (hb->last_seq > f->known_last)
                f->known_last = hb->last_seq;
            skillbase__stream_heartbeat__free_unpacked(hb, NULL);
        }
        return 0;
    }
    Skillbase__Event *ev = skillbase__event__unpack(NULL, zmq_msg_size(body), zmq_msg_data(body));
    if (!ev)
        return 0;
    if (ev->seq > f->known_last)
        f->known_last = ev->seq;
    if (ev->seq == f->next_seq) {
        f->next_seq++;
        if (has_prefix(ev->topic, f->prefix)) {
            *ret = ev;
            return 1;
        }
    } else if (ev->seq > f->next_seq) {
        /* a gap: everything from next_seq on is in the log */
        f->need_read = true;
    }
    skillbase__event__free_unpacked(ev, NULL);
    return 0;
}

/* ------------------------------------------------------------ the log */

/* Read the next page of the log. Returns 0, 1 when the daemon did not
 * answer, or a negated error. */
static int read_page(sb_follow *f)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ReadEvents q = SKILLBASE__READ_EVENTS__INIT;
    Skillbase__Reply *reply = NULL;
    q.from_seq = f->next_seq;
    q.limit = PAGE;
    q.topic_prefix = f->prefix;
    req.command_case = SKILLBASE__REQUEST__COMMAND_READ_EVENTS;
    req.read_events = &q;
    int r = sb_client_call(f->client, &req, &reply);
    if (r == SB_E(SB_UNAVAILABLE))
        return 1;
    if (r < 0)
        return r;
    if (reply->code != SKILLBASE__ERROR_CODE__OK ||
        reply->result_case != SKILLBASE__REPLY__RESULT_EVENTS || !reply->events) {
        snprintf(f->error, sizeof f->error, "%s",
                 reply->code ? reply->message : "the daemon's reply carries no events");
        r = reply->code ? -(int)reply->code : SB_E(SB_MALFORMED);
        skillbase__reply__free_unpacked(reply, NULL);
        return r;
    }
    const Skillbase__EventPage *p = reply->events;
    if (p->last_seq > f->known_last)
        f->known_last = p->last_seq;
    f->page = reply;
    f->page_i = 0;
    return 0;
}

/* The next event of the current page, or NULL when it is used up (then
 * the position moves past everything the page covered). */
static Skillbase__Event *from_page(sb_follow *f)
{
    const Skillbase__EventPage *p = f->page->events;
    while (f->page_i < p->n_events) {
        const Skillbase__Event *ev = p->events[f->page_i++];
        if (ev->seq < f->next_seq || !has_prefix(ev->topic, f->prefix))
            continue;
        f->next_seq = ev->seq + 1;
        /* hand out a copy the caller frees on its own */
        size_t len = skillbase__event__get_packed_size(ev);
        uint8_t *buf = malloc(len ? len : 1);
        Skillbase__Event *copy = NULL;
        if (buf) {
            skillbase__event__pack(ev, buf);
            copy = skillbase__event__unpack(NULL, len, buf);
            free(buf);
        }
        if (copy)
            return copy;
        f->next_seq = ev->seq; /* out of memory: retry this one later */
        f->page_i--;
        return NULL;
    }
    /* A page ending with next_seq 0 covered the log up to its last_seq;
     * otherwise (more to read, or a filtered scan that stopped early) up
     * to next_seq. */
    uint64_t covered = p->next_seq ? p->next_seq : p->last_seq + 1;
    if (covered > f->next_seq)
        f->next_seq = covered;
    f->need_read = p->next_seq != 0;
    skillbase__reply__free_unpacked(f->page, NULL);
    f->page = NULL;
    return NULL;
}

/* ------------------------------------------------------------ next */

int sb_follow_next(sb_follow *f, int wait_ms, Skillbase__Event **ret)
{
    int64_t deadline = wait_ms < 0 ? INT64_MAX : now_ms() + wait_ms;
    f->error[0] = '\0';
    for (;;) {
        if (f->page) {
            Skillbase__Event *ev = from_page(f);
            if (ev) {
                *ret = ev;
                return 0;
            }
            if (f->page)
                return SB_E(SB_INTERNAL); /* out of memory */
            continue;
        }
        /* subscribe before reading, so the stream buffers what commits
         * while we read the log */
        int r = subscribe(f);
        if (r < 0)
            return r;
        bool daemon_away = r == 1;
        if (!daemon_away && (f->need_read || f->next_seq <= f->known_last)) {
            r = read_page(f);
            if (r < 0)
                return r;
            if (r == 0)
                continue;
            daemon_away = true;
        }
        if (f->sub && now_ms() - f->renewed_ms >= RENEW_MS)
            send_subscribe(f);
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return 1;
        if (daemon_away && left > RETRY_PAUSE_MS)
            left = RETRY_PAUSE_MS;
        if (left > RENEW_MS)
            left = RENEW_MS;
        zmq_pollitem_t item = {.socket = f->sub, .events = ZMQ_POLLIN};
        r = zmq_poll(&item, f->sub ? 1 : 0, (long)(left > 1000000 ? 1000000 : left));
        if (r < 0 && errno != EINTR)
            return SB_E(SB_INTERNAL);
        if (r <= 0 || !f->sub)
            continue;
        zmq_msg_t topic, body;
        /* drain what has arrived, stopping at the event owed next */
        while (recv_message(f->sub, &topic, &body)) {
            Skillbase__Event *ev = NULL;
            int got = take_live(f, &topic, &body, &ev);
            zmq_msg_close(&topic);
            zmq_msg_close(&body);
            if (got) {
                *ret = ev;
                return 0;
            }
            if (f->need_read || f->next_seq <= f->known_last)
                break;
        }
    }
}
