/* sb_stream_subs: the event stream's subscriptions, kept by the daemon
 * (docs/protocol.md, "Event stream"; docs/security.md, "Exhaustion").
 *
 * One entry per follower connection, named by its ZeroMQ routing id on the
 * stream's ROUTER socket: its topic prefixes and whether it may see
 * personal data (privacy.h). The daemon bounds what one entry holds ([events]
 * max_subscriptions, max_subscription_bytes) before it sets it, and drops it
 * when the follower unsubscribes or a send finds the connection gone, so
 * nothing a follower asked for outlives its connection.
 */
#ifndef SB_STREAM_SUBS_H
#define SB_STREAM_SUBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A routing id is 1..255 bytes (ZeroMQ). */
#define SB_STREAM_ID_MAX 255

typedef struct {
    uint8_t id[SB_STREAM_ID_MAX];
    size_t id_len;
    bool entitled;     /* sees applicants' contact details (privacy.h) */
    size_t n;          /* topic prefixes; "" matches every topic */
    size_t bytes;      /* their total length */
    uint8_t *prefixes; /* n × [length: 2 bytes, big-endian][bytes] */
} sb_stream_sub;

typedef struct {
    sb_stream_sub *v;
    size_t n, cap;
} sb_stream_subs;

/* The entry of routing id `id`, or NULL. */
sb_stream_sub *sb_stream_subs_find(sb_stream_subs *s, const void *id, size_t id_len);

/* Set the subscription of `id` to the n prefixes (prefix[i], len[i] bytes
 * each, each at most 65535), replacing what it had. Returns 0, or -1 when
 * out of memory or id_len is not 1..255 (then nothing changed). */
int sb_stream_subs_set(sb_stream_subs *s, const void *id, size_t id_len, bool entitled,
                       const uint8_t *const *prefix, const size_t *len, size_t n);

/* Drop entry i (the last one moves into its place). */
void sb_stream_subs_remove_at(sb_stream_subs *s, size_t i);

/* Drop the entry of `id`, if any. */
void sb_stream_subs_remove(sb_stream_subs *s, const void *id, size_t id_len);

/* True when the topic (tlen bytes) starts with one of sub's prefixes. */
bool sb_stream_sub_matches(const sb_stream_sub *sub, const void *topic, size_t tlen);

/* Free every entry and the table. */
void sb_stream_subs_free(sb_stream_subs *s);

#endif
