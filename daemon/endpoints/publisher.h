/* sb_publisher: the event stream — every committed event, sent on a
 * ZeroMQ ROUTER socket after its commit, in sequence order, to the
 * followers whose subscription matches its topic.
 *
 * A follower (a DEALER) sends [subscribe][topic prefix]... and renews it;
 * the daemon keeps the subscription itself (stream_subs.h), at most
 * [events] max_subscriptions prefixes of max_subscription_bytes in all per
 * connection (more is refused with [refused][reason]), answers it with a
 * heartbeat, and drops it when a send finds the connection gone
 * (ZMQ_ROUTER_MANDATORY) or on [unsubscribe]. A follower whose key is
 * entitled to personal data (privacy.h) gets events as stored; the others
 * get them with the applicant's contact withheld.
 *
 * Each event goes out as two frames, [topic][packed Event] (topic =
 * Event.topic, e.g. "base.revoked"), and every heartbeat interval
 * [heartbeat][packed StreamHeartbeat] carrying the last sequence goes to
 * every follower. The publisher reads what to send from the store's event
 * log, never from the handlers: whatever committed an event (a command
 * batch, a worker's job result, a timer), the next flush publishes it.
 * Flushes happen after every committed batch (register sb_publisher_flush
 * with sb_server_on_commit), after every iteration of the loop (a uv_check,
 * for commits made outside the command server), on every heartbeat, and at
 * stop; a flush with nothing new costs one read transaction.
 *
 * Delivery is best effort by design: the socket's send high-water mark
 * (config [events] send_hwm) bounds what a slow follower can make the
 * daemon queue; past it that follower's messages are dropped and it
 * catches up from the log (ReadEvents), which sequence gaps and heartbeats
 * tell it to do. docs/events.md and docs/protocol.md describe the stream.
 */
#ifndef SB_PUBLISHER_H
#define SB_PUBLISHER_H

#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "store.h"

typedef struct sb_publisher sb_publisher;

/* Bind config->event_endpoint in ZeroMQ context `zctx` and start the
 * heartbeat timer on `loop`. Events already in the store are not
 * republished: the stream starts after the store's last sequence.
 * `started_ms` (the daemon's start) goes into every heartbeat. Returns 0 and
 * *ret, or SB_E(SB_INTERNAL) with the reason logged (e.g. the endpoint is in
 * use). The store and the context must outlive the publisher. */
int sb_publisher_start(uv_loop_t *loop, void *zctx, const sb_config *config, sb_store *store,
                       uint64_t started_ms, sb_publisher **ret);

/* Publish every committed event with a sequence above the last one
 * published. `arg` is the sb_publisher (the signature of an
 * sb_server_commit_fn). A store error is logged and the events are sent by
 * a later flush. */
void sb_publisher_flush(void *arg);

/* Highest sequence published so far. */
uint64_t sb_publisher_last_seq(const sb_publisher *p);

/* Flush, stop the timer, close the socket (lingering up to a second so
 * connected subscribers get what was sent) and free the publisher once the
 * loop has closed its timer (*p = NULL). NULL is ignored. */
void sb_publisher_stop(sb_publisher **p);

#endif
