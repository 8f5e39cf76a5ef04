/* sb_activity: the rules of the yearly activity filing (policy 三, 四(一))
 * as values — its due date, the years an assessment cycle covers — and
 * reads the [activity] configuration. Pure: no store, no clock.
 *
 * The policy asks sub-bases to serve outside organisations (三) and to
 * run public-welfare training and competitions (四(一)), and assesses
 * public service every two years (五(一)); it sets no filing date. When a
 * year's activity is due is the bureau's choice: [activity] due = MM-DD of
 * the following year (default 03-31), reminders [activity] remind_days
 * before it (default 30,7); [activity] reminders = off schedules none.
 * docs/activity.md.
 */
#ifndef SB_ACTIVITY_H
#define SB_ACTIVITY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sb_date.h"

/* The due date of year `year`'s filing: [activity] due in year + 1. */
sb_date sb_activity_due(const sb_config *c, int year);

/* The first of the two calendar years whose activity belongs to assessment
 * cycle `cycle` (>= 1) of a sub-base certified on `certified`: the year of
 * certification + 2(cycle - 1). The cycle's years are it and the next. */
int sb_activity_cycle_first_year(sb_date certified, uint32_t cycle);

/* The earliest year whose filing is not yet overdue on `today`, and not
 * before the year of certification: the year reminders start from. */
int sb_activity_next_year(const sb_config *c, sb_date certified, sb_date today);

#endif
