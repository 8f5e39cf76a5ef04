/* sb_shed: the answer to a request the daemon will not take now.
 *
 * The command server holds at most [daemon] max_queue requests that it has
 * read but not yet answered (the batch being committed and the ones
 * waiting for the next). A request that arrives beyond that is answered at
 * once with BUSY, its own request_id and a retry-after hint
 * (Reply.retry_after_ms), and nothing else is done with it: the client
 * sends the same bytes again later, and its idempotency key makes that
 * safe. Building the answer reads only the request's envelope, so shedding
 * costs far less than serving.
 */
#ifndef SB_SHED_H
#define SB_SHED_H

#include <stddef.h>
#include <stdint.h>

#include "sb_arena.h"

/* The request_id of a packed Request (top-level field 2) without decoding
 * the rest, copied into the arena; "" when absent, malformed, longer than
 * 256 bytes or not UTF-8 (it is echoed to the client). Never NULL unless
 * the arena is exhausted. */
const char *sb_shed_request_id(sb_arena *arena, const uint8_t *frame, size_t len);

/* Pack the BUSY reply to `frame`: the request's id, `message` and
 * `retry_after_ms`. Returns 0 with *ret_reply (in the arena) and *ret_len,
 * or SB_E(SB_INTERNAL) when the arena is exhausted. */
int sb_shed_reply(sb_arena *arena, const uint8_t *frame, size_t len, const char *message,
                  uint32_t retry_after_ms, uint8_t **ret_reply, size_t *ret_len);

/* How long a client should wait before resending: the time the daemon
 * needs to work through `queued` requests in batches of `batch_max`, at
 * `batch_us` microseconds per batch (a recent average), rounded up to
 * whole milliseconds and kept within 10 ms .. 10 s. */
uint32_t sb_shed_retry_after_ms(uint64_t queued, uint32_t batch_max, uint64_t batch_us);

#endif
