/* Reading ZeroMQ messages without blocking (sb_zmsg.h). */
#include "sb_zmsg.h"

#include <stddef.h>

bool sb_zmsg_readable(void *sock)
{
    int events = 0;
    size_t len = sizeof events;
    return sock && zmq_getsockopt(sock, ZMQ_EVENTS, &events, &len) == 0 && (events & ZMQ_POLLIN);
}

int sb_zmsg_recv(void *sock, zmq_msg_t *frames, int max, bool *ret_cut)
{
    int n = 0, more = 1;
    bool cut = false;
    while (more && n < max) {
        zmq_msg_init(&frames[n]);
        if (zmq_msg_recv(&frames[n], sock, ZMQ_DONTWAIT) < 0) {
            /* a message arrives whole: only the first frame can be missing */
            zmq_msg_close(&frames[n]);
            break;
        }
        more = zmq_msg_more(&frames[n]);
        n++;
    }
    while (more && n) { /* longer than max frames: drop the rest */
        zmq_msg_t x;
        zmq_msg_init(&x);
        if (zmq_msg_recv(&x, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&x);
            break;
        }
        more = zmq_msg_more(&x);
        zmq_msg_close(&x);
        cut = true;
    }
    if (ret_cut)
        *ret_cut = cut;
    return n ? n : -1;
}
