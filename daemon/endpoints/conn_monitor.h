/* sb_conn_monitor: what happens to the connections of a network endpoint
 * (docs/security.md, "Exhaustion"), from libzmq's socket monitor.
 *
 * Counts connections accepted and closed (so the number open), accepts
 * that failed — out of file descriptors (EMFILE/ENFILE): new clients are
 * being turned away, logged at most once a minute — and handshakes that
 * failed (timed out, not ZMTP, refused by ZAP). One monitor per endpoint
 * socket; they run on the daemon's libuv loop.
 */
#ifndef SB_CONN_MONITOR_H
#define SB_CONN_MONITOR_H

#include <stdint.h>
#include <uv.h>

typedef struct sb_conn_monitor sb_conn_monitor;

typedef struct {
    uint64_t accepted;
    uint64_t closed;
    uint64_t accept_failed;    /* out of descriptors (or another accept error) */
    uint64_t handshake_failed; /* timed out, not ZMTP, or refused */
} sb_conn_counts;

/* Monitor `sock` (before it binds), whose endpoint is called `name` in
 * logs. Returns the monitor or NULL (logged; the endpoint still works). */
sb_conn_monitor *sb_conn_monitor_start(uv_loop_t *loop, void *zctx, void *sock, const char *name);

/* Read what has happened so far into *ret (NULL monitor: zeros). */
void sb_conn_monitor_counts(sb_conn_monitor *m, sb_conn_counts *ret);

/* Stop and free (its handles close on the loop); *m becomes NULL. Before
 * or after the monitored socket closes. */
void sb_conn_monitor_stop(sb_conn_monitor **m);

#endif
