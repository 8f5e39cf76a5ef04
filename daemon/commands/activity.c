/* sb_activity: the yearly filing's dates (activity.h); its [activity] keys
 * are rows of the configuration table (policy/config_keys.c). */
#include "activity.h"

#include <stdio.h>
#include <string.h>

#include "deadline_config.h"

sb_date sb_activity_due(const sb_config *c, int year)
{
    sb_date d = {year + 1, (int)c->activity_due_month, (int)c->activity_due_day};
    return d;
}

int sb_activity_cycle_first_year(sb_date certified, uint32_t cycle)
{
    return certified.year + 2 * ((int)cycle - 1);
}

int sb_activity_next_year(const sb_config *c, sb_date certified, sb_date today)
{
    int year = today.year - 1;
    if (sb_date_cmp(today, sb_activity_due(c, year)) > 0)
        year = today.year;
    return year < certified.year ? certified.year : year;
}
