/* sb_request_stats: requests answered per command, by result code, and
 * their latency, for the metrics endpoint.
 *
 * The command server records each request once its reply has been sent:
 * the latency is from reading the request off the socket to sending the
 * reply, so it includes waiting for the batch's durable commit. Loop
 * thread only (the metrics endpoint renders on the loop).
 */
#ifndef SB_REQUEST_STATS_H
#define SB_REQUEST_STATS_H

#include <stdint.h>

#include "metrics.h"

typedef struct sb_request_stats sb_request_stats;

/* A new, empty set of counters; NULL when out of memory. */
sb_request_stats *sb_request_stats_new(void);

/* Free; *rs = NULL. */
void sb_request_stats_free(sb_request_stats **rs);

/* Count one request of `command` (a name from the command table, or NULL
 * when the frame named none it knows) answered with result `code` (an
 * ErrorCode, 0 for OK) after `usec` microseconds. Commands beyond the
 * 64th distinct one are counted as "other". */
void sb_request_stats_observe(sb_request_stats *rs, const char *command, int code, uint64_t usec);

/* Metrics source (sb_metrics_source_fn): skillbase_requests_total and
 * skillbase_request_duration_seconds. `arg` is the sb_request_stats. */
void sb_request_stats_render(void *arg, sb_metrics_out *out);

#endif
