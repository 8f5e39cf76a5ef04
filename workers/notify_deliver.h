/* notify_deliver: one notice through every enabled channel.
 *
 * Order: spool, then e-mail, then webhook. The spool file is rewritten on
 * every attempt (it is idempotent by name). E-mail and webhook deliveries
 * that succeeded are remembered per job (a marker file under
 * <spool_dir>/.sent/), so when a job is retried because one channel failed,
 * the channels that already delivered are not repeated: a webhook that is
 * down does not make the applicant receive the same mail on every retry.
 */
#ifndef SB_NOTIFY_DELIVER_H
#define SB_NOTIFY_DELIVER_H

#include <stddef.h>
#include <stdint.h>

#include "notify_config.h"
#include "notify_notice.h"

typedef enum {
    SB_DELIVERED = 0,       /* every channel delivered (or had delivered) */
    SB_DELIVERY_RETRY = 1,  /* some channel failed for now */
    SB_DELIVERY_FAILED = 2, /* every failure was permanent (e.g. SMTP 5xx) */
} sb_delivery;

/* Deliver `n` for job `job_id` (may be NULL: no markers are kept). When
 * deadline_ms (real time, ms since the epoch: the job's lease) is not 0,
 * the network channels are given only the time left before it, less a
 * margin, so a slow server fails the attempt instead of outliving the
 * lease; a channel with under a second left is not tried (a retryable
 * failure). Writes a one-line account of what was delivered into summary
 * and, unless SB_DELIVERED, one line naming each failed channel and why
 * into err (printable ASCII only, safe for a JobFailed.error). */
sb_delivery sb_notify_deliver(const sb_notify_config *c, const sb_notice *n, const char *job_id,
                              uint64_t deadline_ms, char *summary, size_t summary_len, char *err,
                              size_t err_len);

#endif
