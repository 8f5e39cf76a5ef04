#include "publisher.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "sb_clock.h"
#include "sb_error.h"
#include "sb_log.h"
#include "privacy.h"
#include "security.h"
#include "sb_protocol.h"
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

struct sb_publisher {
    const sb_config *config;
    sb_store *store;
    void *pub;
    uv_timer_t timer;
    uv_check_t check;
    uint64_t last_seq;   /* highest sequence sent */
    uint64_t started_ms;
    int failing;         /* a store read failed; logged once until it works */
    sb_arena arena;      /* withholding personal data of one event */
    int closing;         /* handles still to close */
};

/* Send [topic][bytes] without blocking. A PUB socket never blocks: a
 * subscriber past its high-water mark simply misses the message. */
static void send_two(sb_publisher *p, const void *topic, size_t tlen, const uint8_t *data,
                     size_t len)
{
    if (zmq_send(p->pub, topic, tlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(p->pub, data, len, ZMQ_DONTWAIT) < 0)
        sb_log(SB_LOG_DEBUG, "publisher: send: %s", zmq_strerror(errno));
}

/* One stored event: sent as stored (a packed Event, audit hash included),
 * without unpacking and packing it again. */
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
    /* the stream cannot tell its subscribers apart: it carries no personal
     * data (privacy.h); those entitled read it with read_events */
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
    uint8_t *clean = NULL;
    if (c) {
        if (sb_privacy_redact_event(&p->arena, ev) == 0) {
            size_t n = skillbase__event__get_packed_size(ev);
            if ((clean = malloc(n ? n : 1))) {
                skillbase__event__pack(ev, clean);
                bytes = clean;
                len = n;
            }
        }
    }
    if (c && !clean) {
        sb_log(SB_LOG_ERROR, "publisher: out of memory withholding personal data of event %llu",
               (unsigned long long)seq);
        return SB_E(SB_INTERNAL); /* not sent without withholding; retried */
    }
    /* the topic points into the stored bytes, which stay valid */
    send_two(p, topic, tlen, bytes, len);
    free(clean);
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

static void heartbeat(sb_publisher *p)
{
    Skillbase__StreamHeartbeat hb = SKILLBASE__STREAM_HEARTBEAT__INIT;
    uint8_t buf[128];
    hb.last_seq = p->last_seq;
    hb.time_ms = sb_clock_now_ms();
    hb.protocol = SB_PROTOCOL_VERSION;
    hb.version = (char *)SB_VERSION;
    hb.started_ms = p->started_ms;
    size_t len = skillbase__stream_heartbeat__get_packed_size(&hb);
    if (len > sizeof buf)
        return;
    skillbase__stream_heartbeat__pack(&hb, buf);
    send_two(p, HEARTBEAT_TOPIC, strlen(HEARTBEAT_TOPIC), buf, len);
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
    p->pub = zmq_socket(zctx, ZMQ_PUB);
    if (!p->pub)
        goto fail;
    int hwm = (int)config->event_send_hwm, linger = 1000;
    int ivl = ZMTP_HEARTBEAT_IVL_MS, timeout = ZMTP_HEARTBEAT_TIMEOUT_MS;
    if (zmq_setsockopt(p->pub, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(p->pub, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(p->pub, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl) ||
        zmq_setsockopt(p->pub, ZMQ_HEARTBEAT_TIMEOUT, &timeout, sizeof timeout)) {
        sb_log(SB_LOG_ERROR, "publisher: socket options: %s", zmq_strerror(errno));
        goto fail;
    }
    /* Subscriptions are a byte and a topic prefix: a bigger frame from a
     * subscriber is refused (libzmq drops the connection) rather than kept
     * in the subscription trie (docs/security.md, "Hostile input"). */
    int64_t max_sub = 1024;
    zmq_setsockopt(p->pub, ZMQ_MAXMSGSIZE, &max_sub, sizeof max_sub);
    /* tcp://: CURVE with ZAP, before the bind (security.h) */
    if (sb_security_server_socket(p->pub, config->event_endpoint, SB_ENDPOINT_EVENTS))
        goto fail;
    if (zmq_bind(p->pub, config->event_endpoint)) {
        sb_log(SB_LOG_ERROR, "cannot bind the event endpoint %s: %s", config->event_endpoint,
               zmq_strerror(errno));
        goto fail;
    }
    if (uv_timer_init(loop, &p->timer))
        goto fail;
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
    zmq_close(p->pub);
    p->pub = NULL;
    p->closing = 2;
    uv_close((uv_handle_t *)&p->timer, free_on_close);
    uv_close((uv_handle_t *)&p->check, free_on_close);
}
