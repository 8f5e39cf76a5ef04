/* Replies held per connection, bounded in bytes (reply_queue.h). */
#include "reply_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "sb_log.h"

#define IDENT_MAX 256

typedef struct held {
    struct held *next;
    uint8_t ident[IDENT_MAX];
    size_t ident_len;
    bool delimited;
    size_t len;
    uint8_t body[]; /* len bytes */
} held;

/* A connection with replies held: its bytes, and whether one was dropped. */
typedef struct conn {
    struct conn *next;
    uint8_t ident[IDENT_MAX];
    size_t ident_len;
    size_t bytes;
    bool unread;
    bool blocked; /* during a flush: libzmq took no more for it */
} conn;

struct sb_reply_queue {
    void *router;
    size_t conn_bytes;
    held *head, *tail;
    conn *conns;
    size_t bytes;
    uint64_t dropped;
};

sb_reply_queue *sb_reply_queue_new(void *router, size_t conn_bytes)
{
    sb_reply_queue *q = calloc(1, sizeof *q);
    if (q) {
        q->router = router;
        q->conn_bytes = conn_bytes;
    }
    return q;
}

void sb_reply_queue_free(sb_reply_queue **q)
{
    if (!q || !*q)
        return;
    for (held *h = (*q)->head, *n; h; h = n) {
        n = h->next;
        free(h);
    }
    for (conn *c = (*q)->conns, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(*q);
    *q = NULL;
}

static conn *conn_find(const sb_reply_queue *q, const void *ident, size_t len)
{
    for (conn *c = q->conns; c; c = c->next)
        if (c->ident_len == len && memcmp(c->ident, ident, len) == 0)
            return c;
    return NULL;
}

static void conn_drop(sb_reply_queue *q, conn *gone)
{
    for (conn **p = &q->conns; *p; p = &(*p)->next) {
        if (*p == gone) {
            *p = gone->next;
            free(gone);
            return;
        }
    }
}

/* 0 sent, EAGAIN no room now, another errno: the peer is gone. */
static int try_send(sb_reply_queue *q, const void *ident, size_t ident_len, bool delimited,
                    const void *body, size_t len)
{
    int flags = ZMQ_DONTWAIT | ZMQ_SNDMORE;
    /* ROUTER_MANDATORY checks room on the identity frame: nothing is sent
     * when that fails */
    if (zmq_send(q->router, ident, ident_len, flags) < 0)
        return errno ? errno : EAGAIN;
    if ((delimited && zmq_send(q->router, "", 0, flags) < 0) ||
        zmq_send(q->router, body, len, ZMQ_DONTWAIT) < 0)
        return errno ? errno : EIO;
    return 0;
}

sb_rq_result sb_reply_queue_send(sb_reply_queue *q, const void *ident, size_t ident_len,
                                 bool delimited, const void *body, size_t len)
{
    conn *c = conn_find(q, ident, ident_len);
    if (!c) { /* nothing held for it: straight to libzmq */
        int e = try_send(q, ident, ident_len, delimited, body, len);
        if (e == 0)
            return SB_RQ_SENT;
        if (e != EAGAIN || ident_len > IDENT_MAX) {
            q->dropped++;
            return SB_RQ_DROPPED;
        }
    }
    if (!c && !(c = calloc(1, sizeof *c))) {
        q->dropped++;
        return SB_RQ_DROPPED;
    }
    if (!c->ident_len) {
        memcpy(c->ident, ident, ident_len);
        c->ident_len = ident_len;
        c->next = q->conns;
        q->conns = c;
    }
    if (c->bytes && c->bytes + len > q->conn_bytes) {
        if (!c->unread)
            sb_log(SB_LOG_WARN,
                   "a client does not read its replies: %zu bytes held for it ([daemon] "
                   "conn_reply_kb); its replies are dropped and its requests not applied until "
                   "it reads",
                   c->bytes);
        c->unread = true;
        q->dropped++;
        return SB_RQ_DROPPED;
    }
    held *h = malloc(sizeof *h + len);
    if (!h) {
        q->dropped++;
        return SB_RQ_DROPPED;
    }
    h->next = NULL;
    memcpy(h->ident, ident, ident_len);
    h->ident_len = ident_len;
    h->delimited = delimited;
    h->len = len;
    memcpy(h->body, body, len);
    if (q->tail)
        q->tail->next = h;
    else
        q->head = h;
    q->tail = h;
    c->bytes += len;
    q->bytes += len;
    return SB_RQ_HELD;
}

size_t sb_reply_queue_flush(sb_reply_queue *q)
{
    for (conn *c = q->conns; c; c = c->next)
        c->blocked = false;
    held *prev = NULL;
    for (held *h = q->head; h;) {
        conn *c = conn_find(q, h->ident, h->ident_len);
        int e = c && c->blocked
                    ? EAGAIN
                    : try_send(q, h->ident, h->ident_len, h->delimited, h->body, h->len);
        if (e == EAGAIN) {
            if (c)
                c->blocked = true; /* keep its order: nothing after it either */
            prev = h;
            h = h->next;
            continue;
        }
        if (e)
            q->dropped++; /* gone */
        held *next = h->next;
        if (prev)
            prev->next = next;
        else
            q->head = next;
        if (q->tail == h)
            q->tail = prev;
        q->bytes -= h->len;
        if (c) {
            c->bytes -= h->len;
            if (!c->bytes)
                conn_drop(q, c); /* all out: it reads (again) */
        }
        free(h);
        h = next;
    }
    return q->bytes;
}

bool sb_reply_queue_unread(const sb_reply_queue *q, const void *ident, size_t ident_len)
{
    const conn *c = conn_find(q, ident, ident_len);
    return c && c->unread;
}

size_t sb_reply_queue_bytes(const sb_reply_queue *q)
{
    return q->bytes;
}

uint64_t sb_reply_queue_dropped(const sb_reply_queue *q)
{
    return q->dropped;
}
