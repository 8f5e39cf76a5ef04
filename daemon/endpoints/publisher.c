#include "publisher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "sb_clock.h"
#include "sb_error.h"
#include "sb_log.h"
#include "privacy.h"
#include "security.h"
#include "sb_protocol.h"
#include "sb_text.h"
#include "sb_zreader.h"
#include "stream_subs.h"
#include "wire.h"

/* The topic's field number in a packed Event. */
#define EVENT_TOPIC_FIELD 5
/* Events read from the log per store read. */
#define PAGE 1000
/* The topic of the heartbeat; no event topic can equal it (those are
 * "<kind>.<name>"). */
#define HEARTBEAT_TOPIC "heartbeat"
/* ZMTP heartbeats on the socket: a subscriber's dead TCP link is closed
 * (freeing its queue) after this long without traffic. */
#define ZMTP_HEARTBEAT_IVL_MS 5000
#define ZMTP_HEARTBEAT_TIMEOUT_MS 15000
/* A follower's requests: [SUBSCRIBE][prefix]... and [UNSUBSCRIBE]; a
 * refusal goes back as [REFUSED][reason]. */
#define SUBSCRIBE "subscribe"
#define UNSUBSCRIBE "unsubscribe"
#define REFUSED "refused"
/* Every frame a follower sends is at most this long (libzmq drops a
 * connection that sends a longer one). */
#define MAX_FRAME 1024
/* Requests read per turn of the reader, so a flood of them cannot hold
 * up commands. */
#define DRAIN_MAX 256

struct sb_publisher {
    const sb_config *config;
    sb_store *store;
    void *pub; /* ROUTER: followers are told apart by routing id */
    uv_timer_t timer;
    uv_check_t check;    /* after every loop iteration: new events out */
    sb_zreader *reader;  /* followers' requests (sb_zreader.h) */
    sb_stream_subs subs; /* what each follower asked for (stream_subs.h) */
    uint8_t *stage;      /* a request's prefixes while it is read */
    size_t *stage_len;
    size_t dropped;   /* followers gone since the last heartbeat */
    uint64_t refused; /* requests refused since the last heartbeat */
    char last_refusal[160];
    uint64_t last_seq; /* highest sequence sent */
    uint64_t started_ms;
    int failing;    /* a store read failed; logged once until it works */
    sb_arena arena; /* withholding personal data of one event */
    int closing;    /* handles still to close */
};

/* Send [topic][bytes] to follower i without blocking. Returns 1 when it
 * is gone (the entry was dropped), else 0. A follower past its high-water
 * mark misses the message (it reads it from the log), as on a PUB socket. */
static int send_to(sb_publisher *p, size_t i, const void *topic, size_t tlen, const uint8_t *data,
                   size_t len)
{
    sb_stream_sub *s = &p->subs.v[i];
    if (zmq_send(p->pub, s->id, s->id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0) {
        if (errno == EHOSTUNREACH) {
            /* its connection closed: what it asked for goes with it */
            sb_stream_subs_remove_at(&p->subs, i);
            p->dropped++;
            return 1;
        }
        sb_log(SB_LOG_DEBUG, "publisher: send: %s", zmq_strerror(errno));
        return 0;
    }
    if (zmq_send(p->pub, topic, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(p->pub, data, len, ZMQ_DONTWAIT) < 0)
        sb_log(SB_LOG_DEBUG, "publisher: send: %s", zmq_strerror(errno));
    return 0;
}

/* One stored event: sent as stored (a packed Event, audit hash included)
 * to followers entitled to personal data, and with the applicant's
 * contact withheld (privacy.h) to the others; only to those whose prefixes
 * match its topic. */
static int publish_raw(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
    sb_publisher *p = arg;
    const uint8_t *topic;
    size_t tlen;
    if (seq <= p->last_seq)
        return 0; /* cannot happen: the read starts after it */
    /* the topic (Event field 5), found without unpacking the rest */
    if (sb_wire_find_bytes(bytes, len, EVENT_TOPIC_FIELD, &topic, &tlen) || tlen == 0) {
        topic = (const uint8_t *)"event";
        tlen = 5;
    }
    bool any = false, withheld_for_some = false;
    for (size_t i = 0; i < p->subs.n; i++)
        if (sb_stream_sub_matches(&p->subs.v[i], topic, tlen)) {
            any = true;
            withheld_for_some |= !p->subs.v[i].entitled;
        }
    if (!any) {
        p->last_seq = seq;
        return 0;
    }
    const uint8_t *clean = bytes;
    size_t clean_len = len;
    uint8_t *redacted = NULL;
    if (withheld_for_some) {
        sb_arena_reset(&p->arena);
        Skillbase__Event *ev = skillbase__event__unpack(&p->arena.pb, len, bytes);
        const Skillbase__Contact *c =
            !ev || !ev->record ? NULL
            : ev->record->record_case == SKILLBASE__RECORD__RECORD_APPLICATION &&
                    ev->record->application && ev->record->application->form
                ? ev->record->application->form->contact
            : ev->record->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && ev->record->sub_base
                ? ev->record->sub_base->contact
                : NULL;
        if (c) {
            if (sb_privacy_redact_event(&p->arena, ev) == 0) {
                size_t n = skillbase__event__get_packed_size(ev);
                if ((redacted = malloc(n ? n : 1))) {
                    skillbase__event__pack(ev, redacted);
                    clean = redacted;
                    clean_len = n;
                }
            }
            if (!redacted) {
                sb_log(SB_LOG_ERROR,
                       "publisher: out of memory withholding personal data of event %llu",
                       (unsigned long long)seq);
                return SB_E(SB_INTERNAL); /* not sent without withholding; retried */
            }
        }
    }
    /* the topic points into the stored bytes, which stay valid */
    for (size_t i = 0; i < p->subs.n;) {
        sb_stream_sub *s = &p->subs.v[i];
        if (!sb_stream_sub_matches(s, topic, tlen)) {
            i++;
            continue;
        }
        if (!send_to(p, i, topic, tlen, s->entitled ? bytes : clean, s->entitled ? len : clean_len))
            i++;
    }
    free(redacted);
    p->last_seq = seq;
    return 0;
}

/* Publish one page of events after last_seq. Returns 1 when more may
 * follow, 0 when the log is exhausted, or a negated error. */
static int publish_page(sb_publisher *p, sb_txn *txn)
{
    uint64_t next = 0;
    int rc = sb_store_events_each_raw(txn, p->last_seq + 1, PAGE, publish_raw, p, &next);
    if (rc)
        return rc;
    return next != 0;
}

void sb_publisher_flush(void *arg)
{
    sb_publisher *p = arg;
    sb_txn *txn = NULL;
    uint64_t last;
    if (!p || !p->pub)
        return;
    int rc = sb_store_begin(p->store, false, &txn);
    if (!rc)
        rc = sb_store_last_seq(txn, &last);
    /* Nothing new: the common case after a batch of reads. */
    while (!rc && last > p->last_seq) {
        rc = publish_page(p, txn);
        if (rc == 0)
            break;
        if (rc == 1)
            rc = 0;
    }
    sb_store_abort(&txn);
    if (rc && !p->failing)
        sb_log(SB_LOG_WARN, "publisher: cannot read the event log after %llu: %s; retrying",
               (unsigned long long)p->last_seq, sb_error_name(rc));
    p->failing = rc != 0;
}

/* The packed heartbeat into buf (at least 128 bytes); its length, or 0. */
static size_t pack_heartbeat(const sb_publisher *p, uint8_t *buf, size_t size)
{
    Skillbase__StreamHeartbeat hb = SKILLBASE__STREAM_HEARTBEAT__INIT;
    hb.last_seq = p->last_seq;
    hb.time_ms = sb_clock_now_ms();
    hb.protocol = SB_PROTOCOL_VERSION;
    hb.version = (char *)SB_VERSION;
    hb.started_ms = p->started_ms;
    size_t len = skillbase__stream_heartbeat__get_packed_size(&hb);
    if (len > size)
        return 0;
    skillbase__stream_heartbeat__pack(&hb, buf);
    return len;
}

/* A heartbeat to every follower: how far the log goes. A follower whose
 * connection closed is found gone here at the latest. */
static void heartbeat(sb_publisher *p)
{
    uint8_t buf[128];
    size_t len = pack_heartbeat(p, buf, sizeof buf);
    if (!len)
        return;
    for (size_t i = 0; i < p->subs.n;)
        if (!send_to(p, i, HEARTBEAT_TOPIC, strlen(HEARTBEAT_TOPIC), buf, len))
            i++;
    if (p->refused) {
        sb_log(SB_LOG_WARN, "stream: %llu subscription request%s refused (the last: %s)",
               (unsigned long long)p->refused, p->refused == 1 ? "" : "s", p->last_refusal);
        p->refused = 0;
    }
#ifdef __GLIBC__
    /* what the followers that left held (their connections' buffers in
     * libzmq) goes back to the system, not only to malloc */
    if (p->dropped)
        malloc_trim(0);
#endif
    p->dropped = 0;
}

/* ------------------------------------------------------------ requests */

static void send_frames(sb_publisher *p, const void *id, size_t id_len, const char *first,
                        const void *data, size_t len)
{
    if (zmq_send(p->pub, id, id_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return; /* gone, or not reading */
    if (zmq_send(p->pub, first, strlen(first), ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(p->pub, data, len, ZMQ_DONTWAIT) < 0)
        sb_log(SB_LOG_DEBUG, "publisher: send: %s", zmq_strerror(errno));
}

static void refuse(sb_publisher *p, const void *id, size_t id_len, const char *why)
{
    p->refused++;
    snprintf(p->last_refusal, sizeof p->last_refusal, "%s", why);
    send_frames(p, id, id_len, REFUSED, why, strlen(why));
}

static bool frame_is(zmq_msg_t *m, const char *word)
{
    return zmq_msg_size(m) == strlen(word) && memcmp(zmq_msg_data(m), word, strlen(word)) == 0;
}

/* Receive the next frame of a message into m (initialised). */
static int recv_frame(sb_publisher *p, zmq_msg_t *m)
{
    return zmq_msg_recv(m, p->pub, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

/* One request [id][word][prefix]... . Its frames are read one at a time:
 * at most max_subscriptions prefixes of at most max_subscription_bytes in
 * all are kept while it is read; a longer request is read to its end and
 * refused, costing nothing kept. */
static void on_request(void *arg)
{
    sb_publisher *p = arg;
    const sb_config *c = p->config;
    zmq_msg_t idm, word, f;
    zmq_msg_init(&idm);
    if (recv_frame(p, &idm)) {
        zmq_msg_close(&idm);
        return;
    }
    uint8_t id[SB_STREAM_ID_MAX];
    size_t id_len = zmq_msg_size(&idm);
    if (id_len > sizeof id)
        id_len = 0;
    memcpy(id, zmq_msg_data(&idm), id_len);
    int more = zmq_msg_more(&idm);
    zmq_msg_close(&idm);
    if (!more)
        return;
    zmq_msg_init(&word);
    if (recv_frame(p, &word)) {
        zmq_msg_close(&word);
        return;
    }
    more = zmq_msg_more(&word);
    bool subscribe = frame_is(&word, SUBSCRIBE), unsubscribe = frame_is(&word, UNSUBSCRIBE);
    sb_caller caller;
    sb_security_caller(&word, SB_ENDPOINT_EVENTS, &caller);
    const char *why = NULL;
    char buf[160];
    size_t n = 0, bytes = 0;
    while (more) {
        zmq_msg_init(&f);
        if (recv_frame(p, &f)) {
            zmq_msg_close(&f);
            break;
        }
        more = zmq_msg_more(&f);
        size_t len = zmq_msg_size(&f);
        if (subscribe && !why) {
            const char *bad = sb_text_fault(zmq_msg_data(&f), len, buf, sizeof buf);
            if (bad) {
                snprintf(buf, sizeof buf, "topic prefix %zu: %s", n + 1, bad);
                why = buf;
            } else if (n >= c->event_max_subscriptions) {
                snprintf(buf, sizeof buf,
                         "more than %u topic prefixes on one connection ([events] "
                         "max_subscriptions)",
                         c->event_max_subscriptions);
                why = buf;
            } else if (bytes + len > c->event_max_subscription_bytes) {
                snprintf(buf, sizeof buf,
                         "topic prefixes of more than %u bytes on one connection ([events] "
                         "max_subscription_bytes)",
                         c->event_max_subscription_bytes);
                why = buf;
            } else {
                memcpy(p->stage + bytes, zmq_msg_data(&f), len);
                p->stage_len[n++] = len;
                bytes += len;
            }
        }
        zmq_msg_close(&f);
    }
    zmq_msg_close(&word);
    if (!id_len)
        return;
    if (!caller.role) {
        /* a key removed since it connected: nothing more for it */
        sb_stream_subs_remove(&p->subs, id, id_len);
        refuse(p, id, id_len, caller.refusal ? caller.refusal : "not allowed");
        return;
    }
    if (unsubscribe) {
        sb_stream_subs_remove(&p->subs, id, id_len);
        return;
    }
    if (!subscribe) {
        refuse(p, id, id_len,
               "unknown request: send [subscribe][topic prefix]... or [unsubscribe]");
        return;
    }
    if (why) { /* what it had before stays */
        refuse(p, id, id_len, why);
        return;
    }
    const uint8_t *pfx[n ? n : 1];
    for (size_t i = 0, off = 0; i < n; off += p->stage_len[i], i++)
        pfx[i] = p->stage + off;
    if (sb_stream_subs_set(&p->subs, id, id_len, sb_privacy_entitled(&caller), pfx, p->stage_len,
                           n)) {
        refuse(p, id, id_len, "the daemon is out of memory");
        return;
    }
    sb_log(SB_LOG_DEBUG, "stream: a follower (%s) subscribed to %zu topic prefix%s",
           caller.name ? caller.name : "?", n, n == 1 ? "" : "es");
    /* answered with a heartbeat: subscribed, and how far the log goes */
    uint8_t hb[128];
    size_t len = pack_heartbeat(p, hb, sizeof hb);
    if (len)
        send_frames(p, id, id_len, HEARTBEAT_TOPIC, hb, len);
}

/* After every loop iteration: whatever any module committed in it (a
 * command batch, a worker's job result, a timer's command) goes out now,
 * not at the next heartbeat. Costs one read transaction when nothing is new. */
static void on_check(uv_check_t *c)
{
    sb_publisher_flush(c->data);
}

static void on_timer(uv_timer_t *t)
{
    sb_publisher *p = t->data;
    /* Picks up events committed outside a command batch, then tells idle
     * subscribers how far the log goes. */
    sb_publisher_flush(p);
    heartbeat(p);
}

int sb_publisher_start(uv_loop_t *loop, void *zctx, const sb_config *config, sb_store *store,
                       uint64_t started_ms, sb_publisher **ret)
{
    sb_publisher *p = calloc(1, sizeof *p);
    if (p)
        sb_arena_init(&p->arena, 0);
    sb_txn *txn = NULL;
    if (!p)
        return SB_E(SB_INTERNAL);
    p->config = config;
    p->store = store;
    p->started_ms = started_ms;
    int rc = sb_store_begin(store, false, &txn);
    if (!rc)
        rc = sb_store_last_seq(txn, &p->last_seq);
    sb_store_abort(&txn);
    if (rc) {
        sb_log(SB_LOG_ERROR, "publisher: cannot read the last sequence: %s", sb_error_name(rc));
        goto fail;
    }
    p->stage = malloc(config->event_max_subscription_bytes);
    p->stage_len = calloc(config->event_max_subscriptions, sizeof *p->stage_len);
    if (!p->stage || !p->stage_len)
        goto fail;
    p->pub = zmq_socket(zctx, ZMQ_ROUTER);
    if (!p->pub)
        goto fail;
    int hwm = (int)config->event_send_hwm, linger = 1000, mandatory = 1, rcvhwm = 64;
    int ivl = ZMTP_HEARTBEAT_IVL_MS, timeout = ZMTP_HEARTBEAT_TIMEOUT_MS;
    /* ROUTER_MANDATORY: a send to a follower whose connection closed fails
     * (EHOSTUNREACH), which is how its subscription is dropped */
    if (zmq_setsockopt(p->pub, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(p->pub, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) ||
        zmq_setsockopt(p->pub, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory) ||
        zmq_setsockopt(p->pub, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(p->pub, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl) ||
        zmq_setsockopt(p->pub, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout)) {
        sb_log(SB_LOG_ERROR, "publisher: socket options: %s", zmq_strerror(errno));
        goto fail;
    }
    /* A follower sends a word and topic prefixes: a bigger frame is
     * refused (libzmq drops the connection; docs/security.md, "Hostile
     * input"). */
    int64_t max_frame = MAX_FRAME;
    zmq_setsockopt(p->pub, ZMQ_MAXMSGSIZE, &max_frame, sizeof max_frame);
    /* tcp://: CURVE with ZAP, before the bind (security.h) */
    if (sb_security_server_socket(p->pub, config->event_endpoint, SB_ENDPOINT_EVENTS))
        goto fail;
    if (zmq_bind(p->pub, config->event_endpoint)) {
        sb_log(SB_LOG_ERROR, "cannot bind the event endpoint %s: %s", config->event_endpoint,
               zmq_strerror(errno));
        goto fail;
    }
    sb_zreader_options ro = {.sock = p->pub,
                             .name = "event endpoint",
                             .on_message = on_request,
                             .arg = p,
                             .max_per_turn = DRAIN_MAX};
    if (sb_zreader_start(loop, &ro, &p->reader))
        goto fail;
    /* neither fails once the loop exists (libuv) */
    uv_timer_init(loop, &p->timer);
    uv_check_init(loop, &p->check);
    p->timer.data = p->check.data = p;
    uv_timer_start(&p->timer, on_timer, config->event_heartbeat_ms, config->event_heartbeat_ms);
    uv_check_start(&p->check, on_check);
    *ret = p;
    return 0;
fail:
    if (p->pub)
        zmq_close(p->pub);
    sb_arena_destroy(&p->arena);
    free(p->stage);
    free(p->stage_len);
    free(p);
    return SB_E(SB_INTERNAL);
}

uint64_t sb_publisher_last_seq(const sb_publisher *p)
{
    return p ? p->last_seq : 0;
}

static void free_on_close(uv_handle_t *h)
{
    sb_publisher *p = h->data;
    if (--p->closing)
        return;
    sb_arena_destroy(&p->arena);
    sb_stream_subs_free(&p->subs);
    free(p->stage);
    free(p->stage_len);
    free(p);
}

void sb_publisher_stop(sb_publisher **pp)
{
    sb_publisher *p = pp ? *pp : NULL;
    if (!p)
        return;
    *pp = NULL;
    sb_publisher_flush(p);
    heartbeat(p);
    uv_timer_stop(&p->timer);
    uv_check_stop(&p->check);
    sb_zreader_stop(&p->reader);
    p->closing = 2;
    zmq_close(p->pub);
    p->pub = NULL;
    uv_close((uv_handle_t *)&p->timer, free_on_close);
    uv_close((uv_handle_t *)&p->check, free_on_close);
}
