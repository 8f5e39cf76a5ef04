/* notify_spool: the spool channel, and the small files that remember which
 * channel already delivered a job's notice.
 *
 * A notice is written as one UTF-8 text file "<key>.txt" in the spool
 * directory: header lines (Job, Seq, Topic, Action, Entity, Template, To,
 * Subject), an empty line, then the body. The file is written to a
 * temporary name in the same directory, flushed to disk and renamed over
 * the final name, so a reader never sees half a notice and a job that runs
 * again overwrites its file instead of adding a second one. The key is the
 * job id (characters other than A-Z a-z 0-9 . _ - become "_").
 */
#ifndef SB_NOTIFY_SPOOL_H
#define SB_NOTIFY_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "notify_notice.h"

/* The spool file's text for a notice (caller frees), NULL when out of
 * memory. `job_id` may be NULL. */
char *sb_spool_text(const sb_notice *n, const char *job_id);

/* A file-name-safe key from a job id, into buf (len >= 2); "seq-<seq>"
 * when job_id is NULL or empty. Returns buf. */
char *sb_spool_key(const char *job_id, unsigned long long seq, char *buf, size_t len);

/* Create `dir` and its parents (mode 0750) when missing. Returns 0, or -1
 * with the reason in err. */
int sb_spool_mkdirs(const char *dir, char *err, size_t err_len);

/* Write `n` atomically as <dir>/<key>.txt. Returns 0, or -1 with the reason
 * (naming the path and the errno text) in err. */
int sb_spool_write(const char *dir, const char *key, const sb_notice *n, const char *job_id,
                   char *err, size_t err_len);

/* Delivery markers: <dir>/.sent/<key>.<channel>. sb_spool_sent tells
 * whether the channel already delivered the notice of `key`;
 * sb_spool_mark_sent records that it did (0, or -1 with err). */
bool sb_spool_sent(const char *dir, const char *key, const char *channel);
int sb_spool_mark_sent(const char *dir, const char *key, const char *channel, char *err,
                       size_t err_len);

/* Remove markers older than max_age_days; returns how many were removed. */
int sb_spool_prune_markers(const char *dir, unsigned max_age_days);

#endif
