/* sb_outbox_rules: which events cause which jobs (outbox_rules.c), a table
 * of the policy layer that sb_jobs_for_event (jobs.h) reads. Pure: no
 * store, no sockets.
 */
#ifndef SB_OUTBOX_RULES_H
#define SB_OUTBOX_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One row of the topic -> job table (outbox_rules.c). `topic` is an exact
 * event topic ("application.certified") or a prefix ending in ".*"
 * ("application.*" matches every topic that starts "application."). */
typedef struct {
    const char *topic;
    const char *type;      /* job type to enqueue */
    uint32_t max_attempts; /* 0: [workers] max_attempts */
} sb_outbox_rule;

/* The table and its length. Never NULL. */
const sb_outbox_rule *sb_outbox_rules(size_t *ret_n);

/* True when `topic` matches the rule pattern `pattern` as described above. */
bool sb_outbox_topic_matches(const char *pattern, const char *topic);

#endif
