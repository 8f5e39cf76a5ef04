/* sb_systemd_notify: the systemd notification protocol (sd_notify), without
 * libsystemd.
 *
 * Under a unit of Type=notify, systemd passes the path of a datagram socket
 * in $NOTIFY_SOCKET ("/run/systemd/notify", or "@name" for the abstract
 * namespace). A message is one datagram of "KEY=VALUE" lines: READY=1 once
 * the service serves, STATUS=<one line for `systemctl status`>, WATCHDOG=1
 * as the keep-alive when the unit sets WatchdogSec=, STOPPING=1 when it
 * begins to shut down. Without $NOTIFY_SOCKET every call is a no-op, so the
 * daemon behaves the same outside systemd.
 *
 * sb_systemd_watchdog adds the keep-alive: a libuv timer on the daemon's loop
 * that sends WATCHDOG=1 at half the interval systemd asked for
 * ($WATCHDOG_USEC, for this process when $WATCHDOG_PID says so). Because it
 * runs on the loop, a loop that stops turning stops the keep-alive and
 * systemd restarts the service.
 *
 * "notify" here is systemd's word only; the notices sent to units and the
 * bureau are skillbase-notify's (workers/notify_*.c).
 */
#ifndef SB_SYSTEMD_NOTIFY_H
#define SB_SYSTEMD_NOTIFY_H

#include <stdint.h>
#include <uv.h>

/* Send `message` (e.g. "READY=1\nSTATUS=serving") as one datagram to
 * $NOTIFY_SOCKET. Returns 1 when sent, 0 when there is no $NOTIFY_SOCKET,
 * or a negative errno when the socket is malformed or the send failed (the
 * caller logs; the daemon carries on either way). */
int sb_systemd_notify(const char *message);

/* printf-style sb_systemd_notify, for "STATUS=serving; %llu records". A message
 * longer than SB_SYSTEMD_MESSAGE_MAX bytes is cut. */
#define SB_SYSTEMD_MESSAGE_MAX 1024
int sb_systemd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The keep-alive timer. A status callback, when given, is called at every
 * tick to produce the STATUS= text; it is sent only when it changed. */
typedef void (*sb_systemd_status_fn)(void *arg, char *buf, size_t len);

typedef struct sb_systemd_watchdog sb_systemd_watchdog;

/* Start the keep-alive on `loop` when a watchdog is wanted, and the status
 * refresh (every `status_ms`, or every half watchdog interval when that is
 * shorter) when `status` is given. Returns 0 and *ret (NULL when there is
 * nothing to do: no $NOTIFY_SOCKET), or a negative errno. */
int sb_systemd_watchdog_start(uv_loop_t *loop, uint64_t status_ms, sb_systemd_status_fn status,
                              void *arg, sb_systemd_watchdog **ret);

/* Stop the timer and free it once the loop has closed it; *w = NULL. */
void sb_systemd_watchdog_stop(sb_systemd_watchdog **w);

#endif
