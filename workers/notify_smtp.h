/* notify_smtp: the e-mail channel, through libcurl's SMTP client.
 *
 * One message per notice to all its recipients: UTF-8 text/plain, body in
 * base64, the subject as RFC 2047 encoded words, a Message-ID made from
 * the job id (so a mail sent twice by a retried job can be recognised as
 * the same message), and X-Skillbase-Topic/-Entity/-Seq headers for
 * filters. smtp:// with STARTTLS as configured, or smtps://; optional
 * login. curl_global_init must have run before the first call.
 */
#ifndef SB_NOTIFY_SMTP_H
#define SB_NOTIFY_SMTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notify_config.h"
#include "notify_notice.h"

/* The message text (CRLF line ends) for a notice, dated `date_ms`, or NULL
 * when out of memory. Caller frees. */
char *sb_smtp_message(const char *from, const sb_notice *n, const char *job_id, uint64_t date_ms);

/* Send the notice to n->to through the configured server, giving up after
 * timeout_ms (at most smtp_timeout_s; 0: smtp_timeout_s). Returns 0 when
 * the server accepted it; -1 with a one-line reason in err otherwise, and
 * *ret_permanent true when the server refused with a 5xx reply (retrying
 * the same message will not help) rather than failing for now (no
 * connection, timeout, 4xx). A notice without recipients returns 0. */
int sb_smtp_send(const sb_notify_config *c, const sb_notice *n, const char *job_id, long timeout_ms,
                 bool *ret_permanent, char *err, size_t err_len);

#endif
