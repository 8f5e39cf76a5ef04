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
#include "sb_zmsg.h"
#include "sb_zreader.h"

#define EVENTS                                                                                     \
    (ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_ACCEPT_FAILED | ZMQ_EVENT_DISCONNECTED |                       \
     ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |                  \
     ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
#define WARN_EVERY_MS 60000

struct sb_conn_monitor {
    void *target;
    void *pair;
    uv_loop_t *loop;
    sb_zreader *reader; /* the PAIR in the loop (sb_zreader.h) */
    char name[64];
    char address[80];
    sb_conn_counts n;
    uint64_t last_warn;
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
        uint64_t now = uv_now(m->loop);
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

/* Read one event: [16-bit event, 32-bit value][address] (the address is
 * not needed). */
static void on_message(void *arg)
{
    sb_conn_monitor *m = arg;
    zmq_msg_t f;
    if (sb_zmsg_recv(m->pair, &f, 1, NULL) < 0)
        return;
    if (zmq_msg_size(&f) >= 6) {
        const uint8_t *d = zmq_msg_data(&f);
        uint16_t event;
        int32_t value;
        memcpy(&event, d, sizeof event);
        memcpy(&value, d + 2, sizeof value);
        on_event(m, event, value);
    }
    zmq_msg_close(&f);
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
    int zero = 0;
    m->loop = loop;
    if (zmq_socket_monitor(sock, m->address, EVENTS) != 0 ||
        !(m->pair = zmq_socket(zctx, ZMQ_PAIR)) || zmq_connect(m->pair, m->address) != 0 ||
        zmq_setsockopt(m->pair, ZMQ_LINGER, &zero, sizeof zero) != 0 ||
        sb_zreader_start(loop,
                         &(sb_zreader_options){
                             .sock = m->pair, .name = m->name, .on_message = on_message, .arg = m},
                         &m->reader)) {
        sb_log(SB_LOG_WARN, "%s: no connection monitor: %s", name, zmq_strerror(errno));
        if (m->pair)
            zmq_close(m->pair);
        zmq_socket_monitor(sock, NULL, 0);
        free(m);
        return NULL;
    }
    return m;
}

void sb_conn_monitor_counts(sb_conn_monitor *m, sb_conn_counts *ret)
{
    memset(ret, 0, sizeof *ret);
    if (!m)
        return;
    sb_zreader_turn(m->reader); /* every event waiting */
    *ret = m->n;
}

void sb_conn_monitor_stop(sb_conn_monitor **mp)
{
    sb_conn_monitor *m = mp ? *mp : NULL;
    if (!m)
        return;
    *mp = NULL;
    /* the monitored socket may be closed already: it ends its side of the
     * monitor itself; this side only closes */
    sb_zreader_stop(&m->reader);
    zmq_close(m->pair);
    free(m);
}
