/* sb_zreader: a ZeroMQ socket read inside a libuv loop — the one place the
 * daemon's endpoints (command server, broker, publisher, ZAP, connection
 * monitors) wait for messages.
 *
 * ZMQ_FD is edge-triggered (TECH-NOTES trap 2): it signals when the
 * socket's state changes, and any zmq_send, zmq_recv or ZMQ_EVENTS query
 * may consume that signal. A reader that handles one message and returns,
 * or that sends after its last look, can stall with messages waiting. The
 * reader avoids both:
 *
 *  - when ZMQ_FD is readable it runs a turn: while ZMQ_EVENTS says a
 *    message is waiting, it calls on_message, at most max_per_turn times,
 *    then `after` (if any), then looks once more;
 *  - a turn that stopped at its bound with messages still waiting goes on
 *    in the next loop iteration (a uv_idle, so the loop does not block
 *    meanwhile and other handles get their turn);
 *  - before the loop blocks, in every iteration (a uv_prepare), it looks at
 *    ZMQ_EVENTS again, so a send made on the socket anywhere (a timer, a
 *    commit hook, another endpoint's callback) cannot leave a message
 *    stranded.
 *
 * It never reads, writes or closes the descriptor itself. The caller owns
 * the socket and closes it only after sb_zreader_stop.
 */
#ifndef SB_ZREADER_H
#define SB_ZREADER_H

#include <uv.h>

typedef struct sb_zreader sb_zreader;

/* Called with the caller's arg. */
typedef void (*sb_zreader_fn)(void *arg);

typedef struct {
    void *sock;       /* the ZeroMQ socket (required) */
    const char *name; /* for the log (kept: must outlive the reader); NULL: "socket" */
    /* Called while a message is waiting (required): receives at least one
     * message with ZMQ_DONTWAIT, and may receive more (the command server
     * drains to the end itself, in batches). */
    sb_zreader_fn on_message;
    /* Called at the end of a turn that called on_message (NULL: none),
     * e.g. to act once on what the turn read. It may send on the socket. */
    sb_zreader_fn after;
    void *arg;
    /* Most on_message calls per turn, so that a flood on one socket cannot
     * hold up the others; 0: no bound. */
    unsigned max_per_turn;
} sb_zreader_options;

/* Start reading o->sock on `loop` (the options are copied). Returns 0 and
 * *ret, or -1 when its ZMQ_FD cannot be read or a handle cannot be set up
 * (nothing is left started). The reader does not keep the loop alive by
 * itself beyond its uv_poll, as any socket's handle would. */
int sb_zreader_start(uv_loop_t *loop, const sb_zreader_options *o, sb_zreader **ret);

/* Run one turn now, whatever the descriptor says (e.g. to take what has
 * arrived before stopping). Does nothing on a stopped reader. */
void sb_zreader_turn(sb_zreader *r);

/* Stop reading and close the reader's handles; the memory goes once the
 * loop has run their close callbacks. *r = NULL; NULL is ignored. Call it
 * before zmq_close of the socket. */
void sb_zreader_stop(sb_zreader **r);

#endif
