/* sb_reply_queue: replies of the command endpoint that libzmq would not
 * take at once, held per connection up to a bound in bytes
 * (docs/security.md, "Exhaustion").
 *
 * The command ROUTER queues at most [daemon] conn_queue replies per
 * connection (ZMQ_SNDHWM; pages end at [daemon] max_reply_kb, so that is a
 * bound in bytes too). A reply that does not fit there — a burst the
 * client will read in a moment, or a client that reads nothing — is held
 * here, in order, and sent as room appears (sb_reply_queue_flush, from a
 * timer). A connection that already has [daemon] conn_reply_kb held gets
 * no more: the reply is dropped and the connection counts as not reading
 * until everything held for it has gone out; the server then applies none
 * of its requests (server.c). A connection that has gone loses what is
 * held for it.
 */
#ifndef SB_REPLY_QUEUE_H
#define SB_REPLY_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sb_reply_queue sb_reply_queue;

/* What became of a reply. */
typedef enum {
    SB_RQ_SENT = 0, /* queued in libzmq */
    SB_RQ_HELD,     /* held here for later */
    SB_RQ_DROPPED,  /* the connection has conn_bytes held, or has gone */
} sb_rq_result;

/* A queue for `router` (a ROUTER with ZMQ_ROUTER_MANDATORY) holding at most
 * conn_bytes per connection. NULL when out of memory. */
sb_reply_queue *sb_reply_queue_new(void *router, size_t conn_bytes);

/* Free everything held and *q; NULL is ignored. */
void sb_reply_queue_free(sb_reply_queue **q);

/* Send [identity][""][body] ("" only when delimited), or hold a copy. */
sb_rq_result sb_reply_queue_send(sb_reply_queue *q, const void *ident, size_t ident_len,
                                 bool delimited, const void *body, size_t len);

/* Send what is held, in order, as far as libzmq takes it. Returns the
 * bytes still held. */
size_t sb_reply_queue_flush(sb_reply_queue *q);

/* True when the connection is not reading: a reply to it was dropped and
 * some are still held. */
bool sb_reply_queue_unread(const sb_reply_queue *q, const void *ident, size_t ident_len);

/* Bytes held now (all connections), and replies dropped since start. */
size_t sb_reply_queue_bytes(const sb_reply_queue *q);
uint64_t sb_reply_queue_dropped(const sb_reply_queue *q);

#endif
