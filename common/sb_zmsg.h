/* sb_zmsg: reading ZeroMQ messages without blocking, in the shape a
 * program expects, for every program that drains a socket (the daemon's
 * endpoints through sb_zreader, the worker runtime through zmq_poll).
 *
 * A socket's ZMQ_FD is edge-triggered (TECH-NOTES trap 2): only
 * ZMQ_EVENTS says whether a message is waiting, and a drain ends when it
 * says none is. A peer may send a message of any number of frames
 * (TECH-NOTES trap 4): a reader keeps a fixed number and drops the rest.
 * No libuv here: the workers link this without it.
 */
#ifndef SB_ZMSG_H
#define SB_ZMSG_H

#include <stdbool.h>
#include <zmq.h>

/* True when `sock` has a whole message waiting (ZMQ_EVENTS has
 * ZMQ_POLLIN). False when it has none, when `sock` is NULL or the query
 * fails. The query also re-arms ZMQ_FD: a message arriving after a false
 * answer makes the descriptor readable again. */
bool sb_zmsg_readable(void *sock);

/* Receive one message from `sock` (ZMQ_DONTWAIT): its first frames into
 * frames[0 .. max-1] (initialised here), the frames after the max-th
 * received and closed. Returns the number of frames kept (1 .. max), the
 * caller closing each; *ret_cut (if not NULL) says whether frames were
 * dropped. Returns -1, with nothing to close, when no message was waiting
 * (or on a socket error). */
int sb_zmsg_recv(void *sock, zmq_msg_t *frames, int max, bool *ret_cut);

#endif
