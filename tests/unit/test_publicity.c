/* sb_publicity: the publicity window in working days, with an objection
 * stopping the clock and a dismissal resuming it, on the shipped calendar. */
#include "sb_testkit.h"

#include <stdio.h>
#include <string.h>

#include "sb_calendar.h"
#include "sb_publicity.h"

#define D sb_tk_date /* D(2025, 10, 1) */

/* 2025-10-13T16:00Z is 2025-10-14 00:00 in Hangzhou. */
#define MS_2025_10_14_HZ_MIDNIGHT 1760371200000ULL
#define MS_2025_10_10_HZ_MIDNIGHT 1760025600000ULL

static void a_day_ends_at_hangzhou_midnight(void **state)
{
    (void)state;
    assert_int_equal(sb_publicity_day_end_ms(D(2025, 10, 13)), MS_2025_10_14_HZ_MIDNIGHT);
    assert_int_equal(sb_date_from_ms(sb_publicity_day_end_ms(D(2025, 10, 13)) - 1).day, 13);
    assert_int_equal(sb_date_from_ms(sb_publicity_day_end_ms(D(2025, 10, 13))).day, 14);
}

/* Started on Wednesday 2025-03-05: Thu 6, Fri 7, Mon 10, Tue 11, Wed 12. */
static void five_days_start_the_working_day_after(void **state)
{
    sb_publicity_window w;
    assert_int_equal(sb_publicity_plan(*state, D(2025, 3, 5), 0, 5, &w), 0);
    sb_tk_assert_date(w.ends_on, 2025, 3, 12);
    assert_int_equal(w.remaining, 5);
    assert_false(w.uncovered);
    assert_int_equal(w.close_at_ms, sb_publicity_day_end_ms(D(2025, 3, 12)));
}

/* Started Thursday 2025-09-25: Fri 26, Sun 28 (调休), Mon 29, Tue 30, then
 * the National Day holiday, Thu 9 October is the fifth. */
static void window_across_national_day_2025(void **state)
{
    sb_publicity_window w;
    assert_int_equal(sb_publicity_plan(*state, D(2025, 9, 25), 0, 5, &w), 0);
    sb_tk_assert_date(w.ends_on, 2025, 10, 9);
    assert_int_equal(w.close_at_ms, MS_2025_10_10_HZ_MIDNIGHT);
}

/* Started Fri 2025-09-26; objection on Tue 30: Sun 28 and Mon 29 are used
 * (the day of the objection is not). Dismissed Thu 9 October: three days
 * remain, Fri 10, Sat 11 (调休), Mon 13. */
static void objection_stops_the_clock_and_dismissal_resumes_it(void **state)
{
    bool uncovered = false;
    uint32_t used =
        sb_publicity_days_used(*state, D(2025, 9, 26), 0, D(2025, 9, 30), 5, &uncovered);
    assert_int_equal(used, 2);
    assert_false(uncovered);
    sb_publicity_window w;
    assert_int_equal(sb_publicity_plan(*state, D(2025, 10, 9), used, 5, &w), 0);
    assert_int_equal(w.remaining, 3);
    sb_tk_assert_date(w.ends_on, 2025, 10, 13);
    assert_int_equal(w.close_at_ms, MS_2025_10_14_HZ_MIDNIGHT);
}

static void second_objection_adds_to_the_days_used(void **state)
{
    /* resumed Thu 2025-10-09 with 2 used; objection on Mon 13: Fri 10 and
     * Sat 11 (调休) count, Sun 12 does not: 4 used, 1 remains */
    uint32_t used = sb_publicity_days_used(*state, D(2025, 10, 9), 2, D(2025, 10, 13), 5, NULL);
    assert_int_equal(used, 4);
    sb_publicity_window w;
    assert_int_equal(sb_publicity_plan(*state, D(2025, 10, 15), used, 5, &w), 0);
    sb_tk_assert_date(w.ends_on, 2025, 10, 16);
}

static void objection_on_the_first_days_uses_nothing(void **state)
{
    assert_int_equal(sb_publicity_days_used(*state, D(2025, 3, 5), 0, D(2025, 3, 5), 5, NULL), 0);
    assert_int_equal(sb_publicity_days_used(*state, D(2025, 3, 5), 0, D(2025, 3, 6), 5, NULL), 0);
    assert_int_equal(sb_publicity_days_used(*state, D(2025, 3, 5), 0, D(2025, 3, 7), 5, NULL), 1);
}

static void late_objection_uses_at_most_the_whole_window(void **state)
{
    /* window 2025-03-06..12; an objection on the 20th (the close was late) */
    assert_int_equal(sb_publicity_days_used(*state, D(2025, 3, 5), 0, D(2025, 3, 20), 5, NULL), 5);
    assert_int_equal(sb_publicity_days_used(*state, D(2025, 3, 5), 5, D(2025, 3, 6), 5, NULL), 5);
    /* nothing remains: the window ends on the day it resumed */
    sb_publicity_window w;
    assert_int_equal(sb_publicity_plan(*state, D(2025, 3, 21), 5, 5, &w), 0);
    assert_int_equal(w.remaining, 0);
    sb_tk_assert_date(w.ends_on, 2025, 3, 21);
}

static void window_past_the_calendar_is_flagged(void **state)
{
    sb_publicity_window w;
    assert_int_equal(sb_publicity_plan(*state, D(2026, 12, 29), 0, 5, &w), 0);
    sb_tk_assert_date(w.ends_on, 2027, 1, 5);
    assert_true(w.uncovered);
}

static void bad_inputs_are_refused(void **state)
{
    sb_publicity_window w;
    assert_int_equal(sb_publicity_plan(*state, D(2025, 2, 29), 0, 5, &w), -1);
    assert_int_equal(sb_publicity_plan(*state, D(2025, 3, 1), 0, SB_CALENDAR_MAX_DAYS + 1, &w), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_day_ends_at_hangzhou_midnight),
        cmocka_unit_test(five_days_start_the_working_day_after),
        cmocka_unit_test(window_across_national_day_2025),
        cmocka_unit_test(objection_stops_the_clock_and_dismissal_resumes_it),
        cmocka_unit_test(second_objection_adds_to_the_days_used),
        cmocka_unit_test(objection_on_the_first_days_uses_nothing),
        cmocka_unit_test(late_objection_uses_at_most_the_whole_window),
        cmocka_unit_test(window_past_the_calendar_is_flagged),
        cmocka_unit_test(bad_inputs_are_refused),
    };
    return cmocka_run_group_tests(tests, sb_tk_calendar_setup, sb_tk_calendar_teardown);
}
