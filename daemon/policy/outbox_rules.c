/* The outbox rules: which events cause which jobs (outbox_rules.h, read by jobs.h).
 *
 * One row per (topic pattern, job type). Every event appended through
 * sb_call_append_event with its jobs — every transition, and every non-transition event
 * such as "base.assessment_due_soon" — enqueues one job for each row its
 * topic matches, in the same transaction, carrying the event. A worker for
 * the type must accept every topic its rows match (and may finish a job it
 * has nothing to do for as done, saying so in the summary).
 */
#include <string.h>

#include "outbox_rules.h"

static const sb_outbox_rule rules[] = {
    /* topic             job type   max attempts (0: [workers] max_attempts) */

    /* skillbase-notify: every event that concerns the applicant or the
     * sub-base gets a notice (the worker picks the template by topic). */
    {"application.*", "notify", 0},
    {"base.*", "notify", 0},

    /* skillbase-deadlines: count the publicity window whenever it starts or
     * resumes (handle_deadlines.c schedules the rest itself). */
    {"application.in_publicity", "publicity.schedule", 0},
};

const sb_outbox_rule *sb_outbox_rules(size_t *ret_n)
{
    *ret_n = sizeof rules / sizeof rules[0];
    return rules;
}

bool sb_outbox_topic_matches(const char *pattern, const char *topic)
{
    size_t n = strlen(pattern);
    if (n >= 2 && pattern[n - 2] == '.' && pattern[n - 1] == '*')
        return strncmp(pattern, topic, n - 1) == 0 && topic[n - 1] != '\0';
    return strcmp(pattern, topic) == 0;
}
