/* Connections of a network endpoint, from libzmq's socket monitor
 * (conn_monitor.h). */
#include "conn_monitor.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "sb_log.h"

#define EVENTS                                                                                     \
    (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_ACCEPT_FAILED | ZMQ_EVENT_DISCONNECTED |                       \
     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |                  \
     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
#define WARN_EVERY_MS 60000

struct sb_conn_monitor {
    void *target;
    void *pair;
    uv_poll_t poll;
    uv_check_t check;
    char name[64];
    char address[80];
    sb_conn_counts n;
    uint64_t last_warn;
    int closing;
};

static void on_event(sb_conn_monitor *m, uint16_t event, int32_t value)
{
    switch (event) {
    case ZMQ_EVENT_ACCEPTED:
        m->n.accepted++;
        break;
    case ZMQ_EVENT_DISCONNECTED:
        m->n.closed++;
        break;
    case ZMQ_EVENT_ACCEPT_FAILED: {
        m->n.accept_failed++;
        uint64_t now = uv_now(m->poll.loop);
        if (!m->last_warn || now - m->last_warn >= WARN_EVERY_MS) {
            m->last_warn = now;
            sb_log(SB_LOG_WARN, "%s: cannot accept a connection: %s%s (%llu turned away so far)",
                   m->name, strerror(value),
                   value == EMFILE || value == ENFILE
                       ? ": out of file descriptors; raise LimitNOFILE and [security] "
                         "max_connections"
                       : "",
                   (unsigned long long)m->n.accept_failed);
        }
        break;
    }
    default: /* a handshake failed: timed out, not ZMTP, refused */
        m->n.handshake_failed++;
        break;
    }
}

/* Read every event waiting: [16-bit event, 32-bit value][address]. */
static void drain(sb_conn_monitor *m)
{
    for (;;) {
        zmq_msg_t f1, f2;
        zmq_msg_init(&f1);
        if (zmq_msg_recv(&f1, m->pair, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&f1);
            return;
        }
        bool more = zmq_msg_more(&f1);
        if (more) { /* the address: not needed */
            zmq_msg_init(&f2);
            zmq_msg_recv(&f2, m->pair, ZMQ_DONTWAIT);
            zmq_msg_close(&f2);
        }
        if (zmq_msg_size(&f1) >= 6) {
            const uint8_t *d = zmq_msg_data(&f1);
            uint16_t event;
            int32_t value;
            memcpy(&event, d, sizeof event);
            memcpy(&value, d + 2, sizeof value);
            on_event(m, event, value);
        }
        zmq_msg_close(&f1);
    }
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    drain(h->data);
}

/* ZMQ_FD is edge-triggered: look again after every loop iteration. */
static void on_check(uv_check_t *h)
{
    sb_conn_monitor *m = h->data;
    int ev = 0;
    size_t len = sizeof ev;
    if (zmq_getsockopt(m->pair, ZMQ_EVENTS, &ev, &len) == 0 && (ev & ZMQ_POLLIN))
        drain(m);
}

sb_conn_monitor *sb_conn_monitor_start(uv_loop_t *loop, void *zctx, void *sock, const char *name)
{
    static unsigned seq;
    sb_conn_monitor *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->target = sock;
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->address, sizeof m->address, "inproc://sb-conn-monitor-%u", seq++);
    int fd, zero = 0;
    size_t fdlen = sizeof fd;
    if (zmq_socket_monitor(sock, m->address, EVENTS) != 0 ||
        !(m->pair = zmq_socket(zctx, ZMQ_PAIR)) || zmq_connect(m->pair, m->address) != 0 ||
        zmq_setsockopt(m->pair, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        zmq_getsockopt(m->pair, ZMQ_FD, &fd, &fdlen) != 0 || uv_poll_init(loop, &m->poll, fd) ||
        uv_check_init(loop, &m->check)) {
        sb_log(SB_LOG_WARN, "%s: no connection monitor: %s", name, zmq_strerror(errno));
        if (m->pair)
            zmq_close(m->pair);
        zmq_socket_monitor(sock, NULL, 0);
        free(m);
        return NULL;
    }
    m->poll.data = m->check.data = m;
    uv_poll_start(&m->poll, UV_READABLE, on_poll);
    uv_check_start(&m->check, on_check);
    uv_unref((uv_handle_t *)&m->check);
    return m;
}

void sb_conn_monitor_counts(sb_conn_monitor *m, sb_conn_counts *ret)
{
    memset(ret, 0, sizeof *ret);
    if (!m)
        return;
    drain(m);
    *ret = m->n;
}

static void free_on_close(uv_handle_t *h)
{
    sb_conn_monitor *m = h->data;
    if (--m->closing == 0)
        free(m);
}

void sb_conn_monitor_stop(sb_conn_monitor **mp)
{
    sb_conn_monitor *m = mp ? *mp : NULL;
    if (!m)
        return;
    *mp = NULL;
    /* the monitored socket may be closed already: it ends its side of the
     * monitor itself; this side only closes */
    uv_poll_stop(&m->poll);
    uv_check_stop(&m->check);
    zmq_close(m->pair);
    m->pair = NULL;
    m->closing = 2;
    uv_close((uv_handle_t *)&m->poll, free_on_close);
    uv_close((uv_handle_t *)&m->check, free_on_close);
}
