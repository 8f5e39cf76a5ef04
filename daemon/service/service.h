/* sb_service: what skillbased does as a system service, beside serving.
 *
 * - systemd: READY=1 (with a STATUS= line) on the first turn of the event
 *   loop, once every endpoint is bound; STATUS= refreshed ("serving; 12
 *   records; last seq 40"); WATCHDOG=1 from a loop timer when the unit sets
 *   WatchdogSec=; STOPPING=1 when shutdown begins (systemd_notify.h).
 * - SIGHUP: re-read the configuration (daemon/reload.h).
 * - The metrics endpoint, when [metrics] listen is set (daemon/metrics.h),
 *   with the daemon's own families: requests and their latency by command,
 *   commit batch sizes, LMDB size and map use, records by state, jobs by
 *   state, worker connections, events published, CURVE handshakes, reloads,
 *   backups.
 *
 * Start it after every endpoint is bound and before uv_run; stop it first
 * at shutdown, before the server.
 */
#ifndef SB_SERVICE_H
#define SB_SERVICE_H

#include <uv.h>

#include "broker.h"
#include "config.h"
#include "metrics.h"
#include "publisher.h"
#include "reload.h"
#include "server.h"
#include "store.h"

typedef struct sb_service sb_service;

typedef struct {
    uv_loop_t *loop;
    const sb_config *config; /* the live configuration (reload changes it) */
    sb_reload *reload;       /* run on SIGHUP */
    sb_store *store;
    sb_server *server;
    sb_broker *broker;       /* for the metrics of workers and jobs; may be NULL */
    sb_publisher *publisher; /* for the metrics of the event stream; may be NULL */
} sb_service_options;

/* Start the signal handler, the notifications and, when configured, the
 * metrics endpoint. Returns 0 and *ret, or -1 with the reason logged (the
 * metrics address cannot be bound). Everything in `o` must outlive the
 * service. */
int sb_service_start(const sb_service_options *o, sb_service **ret);

/* Shutdown begins: send STOPPING=1, stop the metrics endpoint, the
 * watchdog and the SIGHUP handler; the handles close with the loop's next
 * turn. *s = NULL. */
void sb_service_stop(sb_service **s);

#endif
