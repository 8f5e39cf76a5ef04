/* deadlines_jobs: what skillbase-deadlines makes of each job it takes.
 *
 * Four job types (docs/deadlines.md, docs/activity.md):
 *
 *   publicity.schedule   an "application.in_publicity" event: count the
 *                        working days left of its publicity on the holiday
 *                        calendar and answer with schedule_publicity (the
 *                        end date, 24:00 Hangzhou of its last day, and which
 *                        days were skipped and why);
 *   publicity.close      due at that instant: answer with close_publicity,
 *                        sent with the version the window was recorded at,
 *                        so it is refused (and the job still done) when an
 *                        objection or anything else came in between;
 *   assessment.reminder  due before (or the day after) a sub-base's
 *                        assessment date: answer with assessment_reminder;
 *   activity.reminder    due before (or the day after) a sub-base's yearly
 *                        activity filing date: answer with activity_reminder.
 *
 * Pure: the calendar is passed in, memory comes from the arena, no clock,
 * no sockets; workers/deadlines_main.c runs it under the worker runtime and
 * the unit tests call it directly.
 */
#ifndef SB_DEADLINES_JOBS_H
#define SB_DEADLINES_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "sb_arena.h"
#include "sb_calendar.h"
#include "sb_worker.h"
#include "skillbase.pb-c.h"

/* The job types, NULL-terminated, as the worker announces them. */
extern const char *const sb_deadlines_jobs_types[];

/* Longest explanation put into schedule_publicity (the daemon accepts
 * 2000 bytes of reason; it prefixes its own words). */
#define SB_DEADLINES_EXPLANATION_MAX 1500

/* Handle one job: on SB_JOB_DONE fill `result` (summary, and the command
 * for the daemon, allocated in `arena`); on SB_JOB_FAIL (a job that can
 * never succeed: no event, malformed params, unknown type) write the reason
 * into `error`. *ret_uncovered (may be NULL) is set when a date counted lay
 * outside the calendar's years, so the caller can log a warning. */
sb_job_outcome sb_deadlines_jobs_handle(const sb_calendar *cal, const Skillbase__Job *job,
                                        sb_arena *arena, Skillbase__JobResult *result, char *error,
                                        size_t error_len, bool *ret_uncovered);

#endif
