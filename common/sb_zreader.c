/* A ZeroMQ socket read inside a libuv loop (sb_zreader.h). */
#include "sb_zreader.h"

#include <stdbool.h>
#include <stdlib.h>

#include "sb_log.h"
#include "sb_zmsg.h"

struct sb_zreader {
    sb_zreader_options o;
    uv_poll_t poll;       /* ZMQ_FD readable: something changed */
    uv_prepare_t prepare; /* before the loop blocks: look again */
    uv_idle_t idle;       /* a turn to go on with: do not block */
    bool stopped;
    int closing; /* handles whose close callback is still to come */
};

static void on_idle(uv_idle_t *h);

/* The last look of a turn: a message still waiting (the turn stopped at
 * its bound, or a send consumed the descriptor's signal) is read in the
 * next iteration, and the loop does not block until then. The query
 * re-arms ZMQ_FD when nothing is waiting. */
static void look_again(sb_zreader *r)
{
    if (!r->stopped && sb_zmsg_readable(r->o.sock)) {
        if (!uv_is_active((uv_handle_t *)&r->idle))
            uv_idle_start(&r->idle, on_idle);
    } else if (uv_is_active((uv_handle_t *)&r->idle)) {
        uv_idle_stop(&r->idle);
    }
}

void sb_zreader_turn(sb_zreader *r)
{
    if (!r || r->stopped)
        return;
    unsigned n = 0;
    while (!r->stopped && (!r->o.max_per_turn || n < r->o.max_per_turn) &&
           sb_zmsg_readable(r->o.sock)) {
        r->o.on_message(r->o.arg);
        n++;
    }
    if (n && r->o.after && !r->stopped)
        r->o.after(r->o.arg);
    look_again(r);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    (void)events;
    sb_zreader *r = h->data;
    if (status < 0)
        sb_log(SB_LOG_WARN, "%s poll: %s", r->o.name ? r->o.name : "socket", uv_strerror(status));
    sb_zreader_turn(r);
}

static void on_idle(uv_idle_t *h)
{
    sb_zreader_turn(h->data);
}

static void on_prepare(uv_prepare_t *h)
{
    look_again(h->data);
}

int sb_zreader_start(uv_loop_t *loop, const sb_zreader_options *o, sb_zreader **ret)
{
    if (!o->sock || !o->on_message)
        return -1;
    sb_zreader *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    r->o = *o;
    int fd;
    size_t fdlen = sizeof fd;
    if (zmq_getsockopt(o->sock, ZMQ_FD, &fd, &fdlen) || uv_poll_init(loop, &r->poll, fd)) {
        free(r);
        return -1;
    }
    /* neither fails once the loop exists (libuv) */
    uv_prepare_init(loop, &r->prepare);
    uv_idle_init(loop, &r->idle);
    r->poll.data = r->prepare.data = r->idle.data = r;
    /* the uv_poll keeps the loop alive, as the socket's handle; the other
     * two only serve it */
    uv_unref((uv_handle_t *)&r->prepare);
    uv_unref((uv_handle_t *)&r->idle);
    uv_poll_start(&r->poll, UV_READABLE, on_poll);
    uv_prepare_start(&r->prepare, on_prepare);
    *ret = r;
    return 0;
}

static void free_on_close(uv_handle_t *h)
{
    sb_zreader *r = h->data;
    if (--r->closing == 0)
        free(r);
}

void sb_zreader_stop(sb_zreader **rp)
{
    sb_zreader *r = rp ? *rp : NULL;
    if (!r)
        return;
    *rp = NULL;
    r->stopped = true;
    r->closing = 3;
    uv_close((uv_handle_t *)&r->poll, free_on_close);
    uv_close((uv_handle_t *)&r->prepare, free_on_close);
    uv_close((uv_handle_t *)&r->idle, free_on_close);
}
