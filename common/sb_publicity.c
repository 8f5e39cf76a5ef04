#include "sb_publicity.h"

#define HANGZHOU_OFFSET_S (8 * 3600)

uint64_t sb_publicity_day_end_ms(sb_date d)
{
    int64_t secs = (sb_date_to_days(d) + 1) * 86400 - HANGZHOU_OFFSET_S;
    return secs > 0 ? (uint64_t)secs * 1000 : 0;
}

int sb_publicity_plan(const sb_calendar *cal, sb_date started_on, uint32_t days_used,
                      uint32_t total, sb_publicity_window *ret)
{
    if (!sb_date_valid(started_on) || total > SB_CALENDAR_MAX_DAYS)
        return -1;
    uint32_t remaining = days_used >= total ? 0 : total - days_used;
    sb_calendar_sum sum;
    if (sb_calendar_add_working_days(cal, started_on, remaining, &sum))
        return -1;
    ret->ends_on = sum.result;
    ret->close_at_ms = sb_publicity_day_end_ms(sum.result);
    ret->remaining = remaining;
    ret->uncovered = sum.uncovered;
    sb_calendar_sum_free(&sum);
    return 0;
}

uint32_t sb_publicity_days_used(const sb_calendar *cal, sb_date started_on, uint32_t days_used,
                                sb_date suspended_on, uint32_t total, bool *ret_uncovered)
{
    if (days_used >= total)
        return total;
    /* bounded: at most the rest of the window is looked at */
    sb_publicity_window w;
    if (sb_publicity_plan(cal, started_on, days_used, total, &w) == 0 &&
        sb_date_cmp(suspended_on, w.ends_on) > 0) {
        if (w.uncovered && ret_uncovered)
            *ret_uncovered = true;
        return total;
    }
    uint32_t elapsed = sb_calendar_count_between(cal, started_on, suspended_on, ret_uncovered);
    return days_used + elapsed >= total ? total : days_used + elapsed;
}
