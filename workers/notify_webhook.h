/* notify_webhook: the HTTP channel: one POST of a JSON document per notice,
 * through libcurl.
 *
 * Body (application/json, UTF-8):
 *   {"job_id": "job-00000012", "seq": 12, "topic": "base.certified",
 *    "action": "certify", "entity_id": "base-000001", "template": "certified",
 *    "to": ["..."], "subject": "...", "body": "..."}
 * Headers: Idempotency-Key and X-Skillbase-Job (the job id, so a receiver
 * can drop the second copy a retried job may send), X-Skillbase-Topic, and
 * "Authorization: Bearer <token>" when a token is configured. Any answer
 * but 2xx, and any transport error, is a failure to retry.
 * curl_global_init must have run before the first call.
 */
#ifndef SB_NOTIFY_WEBHOOK_H
#define SB_NOTIFY_WEBHOOK_H

#include <stddef.h>

#include "notify_config.h"
#include "notify_notice.h"

/* The JSON body for a notice (caller frees), or NULL when out of memory. */
char *sb_webhook_body(const sb_notice *n, const char *job_id);

/* POST the notice to c->webhook_url, giving up after timeout_ms (at most
 * webhook_timeout_s; 0: webhook_timeout_s). Returns 0 on a 2xx answer; -1
 * with a one-line reason in err (the HTTP status or the transport error). */
int sb_webhook_post(const sb_notify_config *c, const sb_notice *n, const char *job_id,
                    long timeout_ms, char *err, size_t err_len);

#endif
