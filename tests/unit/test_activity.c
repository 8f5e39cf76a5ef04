/* sb_activity: the yearly activity filing's due date, the years an
 * assessment cycle covers, where reminders start, and the [activity] keys
 * (the bureau's choice). */
#include "sb_testkit.h"

#include <string.h>

#include "activity.h"

#define D sb_tk_date /* D(2025, 10, 1) */

static void defaults_are_the_end_of_march_with_two_reminders(void **state)
{
    (void)state;
    sb_config c;
    sb_config_defaults(&c);
    sb_tk_assert_date(sb_activity_due(&c, 2025), 2026, 3, 31);
    assert_int_equal(c.n_activity_remind_days, 2);
    assert_int_equal(c.activity_remind_days[0], 30);
    assert_int_equal(c.activity_remind_days[1], 7);
}

static void due_and_reminders_are_configured(void **state)
{
    (void)state;
    sb_config c;
    char err[256];
    sb_config_defaults(&c);
    assert_int_equal(sb_config_set(&c, "activity", "due", "02-28", err, sizeof err), 0);
    assert_int_equal(sb_config_set(&c, "activity", "remind_days", "5, 20", err, sizeof err), 0);
    sb_tk_assert_date(sb_activity_due(&c, 2025), 2026, 2, 28);
    assert_int_equal(c.n_activity_remind_days, 2);
    assert_int_equal(c.activity_remind_days[0], 20); /* largest first */
    const char *bad[] = {"02-29", "13-01", "00-10", "4-30", "04-31", "0430", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(sb_config_set(&c, "activity", "due", bad[i], err, sizeof err), -1);
        assert_non_null(strstr(err, "[activity] due"));
    }
    assert_int_equal(sb_config_set(&c, "activity", "remind_days", "0", err, sizeof err), -1);
    assert_non_null(strstr(err, "[activity] remind_days"));
    assert_true(c.activity_reminders);
    assert_int_equal(sb_config_set(&c, "activity", "reminders", "off", err, sizeof err), 0);
    assert_false(c.activity_reminders);
    assert_int_equal(sb_config_set(&c, "activity", "reminders", "no", err, sizeof err), -1);
    assert_int_equal(sb_config_set(&c, "activity", "when", "x", err, sizeof err), -1);
    assert_non_null(strstr(err, "[activity] when: unknown key"));
}

/* Cycle N: the year of certification + 2(N-1) and the next. */
static void a_cycle_covers_two_calendar_years(void **state)
{
    (void)state;
    assert_int_equal(sb_activity_cycle_first_year(D(2025, 10, 25), 1), 2025);
    assert_int_equal(sb_activity_cycle_first_year(D(2025, 10, 25), 2), 2027);
    assert_int_equal(sb_activity_cycle_first_year(D(2024, 1, 1), 3), 2028);
}

/* Reminders start with the earliest year not yet overdue, never before
 * the year of certification. */
static void reminders_start_with_the_next_year_due(void **state)
{
    (void)state;
    sb_config c;
    sb_config_defaults(&c); /* due 03-31 */
    /* certified in 2025, today in 2025: the 2025 filing (due 2026-03-31) */
    assert_int_equal(sb_activity_next_year(&c, D(2025, 10, 25), D(2025, 10, 25)), 2025);
    /* early 2027: the 2026 filing is not yet due */
    assert_int_equal(sb_activity_next_year(&c, D(2025, 10, 25), D(2027, 3, 31)), 2026);
    /* after its due date: the current year's */
    assert_int_equal(sb_activity_next_year(&c, D(2025, 10, 25), D(2027, 4, 1)), 2027);
    /* certified early in a year: that year, not the one before */
    assert_int_equal(sb_activity_next_year(&c, D(2026, 2, 1), D(2026, 2, 1)), 2026);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_the_end_of_march_with_two_reminders),
        cmocka_unit_test(due_and_reminders_are_configured),
        cmocka_unit_test(a_cycle_covers_two_calendar_years),
        cmocka_unit_test(reminders_start_with_the_next_year_due),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
