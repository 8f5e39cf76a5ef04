/* sb_deadline_config: the daemon's side of the deadlines — its [deadlines]
 * configuration and the holiday calendar it counts publicity days on. (The
 * worker's job logic is workers/deadlines_jobs.h, sb_deadlines_jobs_*; the
 * daemon's commands for the publicity clock and the reminders are
 * handle_deadlines.c.)
 *
 * skillbase-deadlines (workers/) computes when a publicity window ends and
 * relays reminders; the daemon needs the calendar itself for one thing:
 * when an objection stops the publicity clock, the days used so far are
 * counted in the same transaction (handle_deadlines.c), so the record is
 * right whatever the worker is doing. docs/deadlines.md has the whole
 * design.
 *
 * The calendar is loaded once per path and kept for the life of the
 * process (read-only data, like the log level: one per daemon).
 * sb_deadline_config_finish loads it to validate the configuration, so a
 * daemon never starts, nor takes a reload, with a calendar it cannot read.
 * Everything here runs on the loop thread.
 */
#ifndef SB_DEADLINE_CONFIG_H
#define SB_DEADLINE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "rules.h"
#include "sb_calendar.h"

/* Parse `remind_days`: a comma-separated list of 1 to SB_REMIND_MAX whole
 * numbers of days, each 1 to 365, all different (any order; stored largest
 * first), or an empty value for no reminders. Returns 0, or -1 with the
 * reason in err. */
int sb_deadline_config_parse_remind_days(const char *value, uint32_t ret_days[SB_REMIND_MAX],
                                         uint32_t *ret_n, char *err, size_t err_len);

/* Fill in the default calendar path and check that the calendar loads;
 * adds a problem naming the file and line when it does not. */
void sb_deadline_config_finish(sb_config *c, sb_problems *problems);

/* The calendar at c->calendar (the default path while that is still ""),
 * loaded on first use and then kept. Returns NULL (logged) when it cannot be
 * loaded. */
const sb_calendar *sb_deadline_config_calendar(const sb_config *c);

/* An sb_reload_apply_fn (reload.h): the configuration was reloaded, so the
 * calendar (whose file was checked by sb_deadline_config_finish) is read
 * again at its next use. */
void sb_deadline_config_reload_apply(void *arg, const sb_config *live);

#endif
