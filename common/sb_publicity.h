/* sb_publicity: the publicity (公示) clock, counted in working days.
 *
 * Policy 二(三)2 publicises the proposed sub-bases before they are named;
 * the bureau fixes the length in working days ([publicity] working_days,
 * default 5). The rules this module implements (docs/deadlines.md):
 *
 * - Counting starts on the working day after publicity begins, and the
 *   window ends at the end (24:00 Hangzhou) of its last working day.
 * - An objection stops the clock. Only days that fully elapsed count: the
 *   day the objection arrives does not, nor the day publicity begins.
 * - When the objection is dismissed the remaining days continue, again from
 *   the working day after the resumption.
 *
 * Pure: the calendar is passed in, no clock is read.
 */
#ifndef SB_PUBLICITY_H
#define SB_PUBLICITY_H

#include <stdbool.h>
#include <stdint.h>

#include "sb_calendar.h"
#include "sb_date.h"

/* The window (or what remains of it) from a (re)start. */
typedef struct {
    sb_date ends_on;      /* the last working day of the window */
    uint64_t close_at_ms; /* 24:00 Hangzhou at the end of ends_on */
    uint32_t remaining;   /* working days counted from the (re)start */
    bool uncovered;       /* a day counted lay outside the calendar's years */
} sb_publicity_window;

/* The instant 24:00 Hangzhou (UTC+8) at the end of day d, i.e. 00:00 of
 * the next day, in ms since the epoch. */
uint64_t sb_publicity_day_end_ms(sb_date d);

/* Plan the window for publicity that (re)started on `started_on` with
 * `days_used` of its `total` working days already behind it: the remaining
 * days count from the working day after started_on. With nothing remaining
 * (days_used >= total) ends_on is started_on itself. Returns 0 and *ret, or
 * -1 when started_on is not a valid date or total exceeds
 * SB_CALENDAR_MAX_DAYS. */
int sb_publicity_plan(const sb_calendar *cal, sb_date started_on, uint32_t days_used,
                      uint32_t total, sb_publicity_window *ret);

/* Working days used when publicity that (re)started on `started_on` with
 * `days_used` behind it is suspended on `suspended_on`: days_used plus the
 * working days strictly between the two dates, at most `total`.
 * *ret_uncovered (if non-NULL) is set when a day counted lay outside the
 * calendar's years. */
uint32_t sb_publicity_days_used(const sb_calendar *cal, sb_date started_on, uint32_t days_used,
                                sb_date suspended_on, uint32_t total, bool *ret_uncovered);

#endif
