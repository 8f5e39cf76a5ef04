/* skillbase_follow: read skillbased's event log from a sequence number on
 * and keep following it live, with no gap and no duplicate, across
 * disconnects and daemon restarts.
 *
 * A follower subscribes to the daemon's event stream (a DEALER sending
 * [subscribe][""] to its ROUTER, renewed every 2 s) first, then
 * reads the log from the command endpoint (ReadEvents, pages of up to 1000)
 * until it has caught up, and then takes events from the stream. It keeps
 * the next sequence it owes the caller: a live event below it is a
 * duplicate and dropped; one above it, or a heartbeat announcing a higher
 * last sequence, means something was missed (a slow subscriber past the
 * daemon's high-water mark, a reconnect, a restart) and the missing range
 * is read from the log again. Events therefore come out in sequence order,
 * each exactly once; with a topic prefix, exactly the matching ones.
 *
 * The follower subscribes to every topic and filters itself, so that it
 * sees every sequence number and notices every gap. docs/protocol.md
 * ("Following the stream") describes the same algorithm for other languages.
 */
#ifndef SKILLBASE_FOLLOW_H
#define SKILLBASE_FOLLOW_H

#include <stdint.h>

#include "skillbase.pb-c.h"
#include "skillbase_client.h"

typedef struct sb_follow sb_follow;

typedef struct {
    /* Command endpoint; NULL: sb_client_default_endpoint(). */
    const char *endpoint;
    /* Event endpoint; NULL: $SKILLBASE_EVENT_ENDPOINT, else the one the
     * daemon reports in StatusInfo.event_endpoint (a wildcard host there,
     * "*" or "0.0.0.0", is replaced by the command endpoint's host). */
    const char *event_endpoint;
    /* First sequence wanted; 0 means 1 (the start of the log). */
    uint64_t from_seq;
    /* Deliver only events whose topic starts with this; NULL or "": all. */
    const char *topic_prefix;
    /* Wait per command try (0: 5000 ms); 3 tries per read. */
    int timeout_ms;
    /* CURVE for tcp:// endpoints (both sockets); NULL: none. Copied. */
    const sb_client_curve *curve;
} sb_follow_options;

/* Create a follower. Nothing is sent yet: the daemon may be down and
 * come up later. Returns 0 and *ret, SB_E(SB_INVALID) for a malformed
 * endpoint, or SB_E(SB_INTERNAL). */
int sb_follow_new(const sb_follow_options *opts, sb_follow **ret);

/* The next event, waiting up to wait_ms (negative: forever). Returns 0
 * and *ret (the caller frees it with skillbase__event__free_unpacked(ev,
 * NULL)); 1 when nothing came in time (call again: nothing is lost); or
 * the daemon's refusal of a read as a negated code (e.g.
 * SB_E(SB_UNSUPPORTED_PROTOCOL)) with the daemon's message in
 * sb_follow_error. A daemon that does not answer is not an error: the
 * follower keeps trying, so one call may take up to 3 command timeouts
 * longer than wait_ms while the daemon is away. */
int sb_follow_next(sb_follow *f, int wait_ms, Skillbase__Event **ret);

/* The daemon's message of the last refusal ("" when none). Never NULL;
 * valid until the next call. */
const char *sb_follow_error(const sb_follow *f);

/* Close the sockets, free the follower, set *f to NULL. NULL is ignored. */
void sb_follow_destroy(sb_follow **f);

#endif
