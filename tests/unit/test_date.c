/* sb_date: Hangzhou civil dates. */
#include "sb_testkit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sb_clock.h"
#include "sb_date.h"

#define D sb_tk_date /* D(2025, 10, 1) */

/* 2024-01-19T16:00:00Z is midnight of 2024-01-20 in Hangzhou. */
#define MS_2024_01_19_1600Z 1705680000000ULL

static void instant_just_before_hangzhou_midnight_is_the_previous_day(void **state)
{
    (void)state;
    sb_tk_assert_date(sb_date_from_ms(MS_2024_01_19_1600Z - 1), 2024, 1, 19);
}

static void instant_at_hangzhou_midnight_is_the_new_day(void **state)
{
    (void)state;
    sb_tk_assert_date(sb_date_from_ms(MS_2024_01_19_1600Z), 2024, 1, 20);
}

static void epoch_is_already_morning_in_hangzhou(void **state)
{
    (void)state;
    sb_tk_assert_date(sb_date_from_ms(0), 1970, 1, 1);
    sb_tk_assert_date(sb_date_from_ms(16ULL * 3600 * 1000), 1970, 1, 2);
}

static void days_round_trip_from_epoch(void **state)
{
    (void)state;
    assert_int_equal(sb_date_to_days(D(1970, 1, 1)), 0);
    assert_int_equal(sb_date_to_days(D(1969, 12, 31)), -1);
    assert_int_equal(sb_date_to_days(D(2000, 3, 1)), 11017);
    for (int64_t n = -800000; n <= 800000; n += 997)
        assert_int_equal(sb_date_to_days(sb_date_from_days(n)), n);
}

static void add_days_crosses_month_end(void **state)
{
    (void)state;
    sb_tk_assert_date(sb_date_add_days(D(2024, 1, 31), 1), 2024, 2, 1);
    sb_tk_assert_date(sb_date_add_days(D(2024, 2, 28), 1), 2024, 2, 29);
    sb_tk_assert_date(sb_date_add_days(D(2025, 2, 28), 1), 2025, 3, 1);
}

static void add_days_crosses_year_end_both_ways(void **state)
{
    (void)state;
    sb_tk_assert_date(sb_date_add_days(D(2025, 12, 31), 1), 2026, 1, 1);
    sb_tk_assert_date(sb_date_add_days(D(2026, 1, 1), -1), 2025, 12, 31);
    sb_tk_assert_date(sb_date_add_days(D(2025, 12, 20), 30), 2026, 1, 19);
}

static void add_years_turns_29_february_into_28(void **state)
{
    (void)state;
    sb_tk_assert_date(sb_date_add_years(D(2024, 2, 29), 2), 2026, 2, 28);
    sb_tk_assert_date(sb_date_add_years(D(2024, 2, 29), 4), 2028, 2, 29);
    sb_tk_assert_date(sb_date_add_years(D(2024, 1, 20), 2), 2026, 1, 20);
}

static void weekday_of_2026_11_25_is_wednesday(void **state)
{
    (void)state;
    assert_int_equal(sb_date_weekday(D(2026, 11, 25)), 3);
}

static void weekday_counts_monday_1_to_sunday_7(void **state)
{
    (void)state;
    assert_int_equal(sb_date_weekday(D(1970, 1, 1)), 4);
    assert_int_equal(sb_date_weekday(D(2024, 1, 20)), 6);
    assert_int_equal(sb_date_weekday(D(2024, 1, 21)), 7);
    assert_int_equal(sb_date_weekday(D(2024, 1, 22)), 1);
    assert_int_equal(sb_date_weekday(D(1969, 12, 31)), 3);
}

static void parse_accepts_a_real_date(void **state)
{
    (void)state;
    sb_date d;
    assert_int_equal(sb_date_parse("2024-02-29", &d), 0);
    sb_tk_assert_date(d, 2024, 2, 29);
}

static void parse_rejects_29_february_of_a_common_year(void **state)
{
    (void)state;
    sb_date d = D(1, 2, 3);
    assert_int_equal(sb_date_parse("2025-02-29", &d), -1);
    sb_tk_assert_date(d, 1, 2, 3); /* untouched */
}

static void parse_rejects_malformed_text(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",           "2025-1-05",   "2025/01/05",  "2025-01-5",  " 2025-01-05", "2025-01-05 ",
        "20250105",   "2025-13-01",  "2025-00-10",  "2025-04-31", "0000-01-01",  "2025-01-0a",
        "+025-01-05", "2025-01-05x", "2025--01-05",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sb_date d;
        if (sb_date_parse(bad[i], &d) != -1)
            fail_msg("\"%s\" was accepted", bad[i]);
    }
    sb_date d;
    assert_int_equal(sb_date_parse(NULL, &d), -1);
}

static void format_pads_with_zeros(void **state)
{
    (void)state;
    char buf[SB_DATE_STRLEN];
    assert_string_equal(sb_date_format(D(2026, 2, 8), buf), "2026-02-08");
    assert_string_equal(sb_date_format(D(987, 11, 25), buf), "0987-11-25");
}

static void format_and_parse_agree(void **state)
{
    (void)state;
    char buf[SB_DATE_STRLEN];
    sb_date d;
    for (int64_t n = -10000; n < 40000; n += 37) {
        sb_date a = sb_date_from_days(n);
        assert_int_equal(sb_date_parse(sb_date_format(a, buf), &d), 0);
        assert_int_equal(sb_date_cmp(a, d), 0);
    }
}

static void valid_knows_month_lengths_and_leap_years(void **state)
{
    (void)state;
    assert_true(sb_date_valid(D(2000, 2, 29)));
    assert_false(sb_date_valid(D(1900, 2, 29)));
    assert_true(sb_date_valid(D(2024, 4, 30)));
    assert_false(sb_date_valid(D(2024, 4, 31)));
    assert_false(sb_date_valid(D(0, 1, 1)));
    assert_false(sb_date_valid(D(10000, 1, 1)));
}

static void cmp_orders_by_year_then_month_then_day(void **state)
{
    (void)state;
    assert_true(sb_date_cmp(D(2024, 12, 31), D(2025, 1, 1)) < 0);
    assert_true(sb_date_cmp(D(2025, 2, 1), D(2025, 1, 31)) > 0);
    assert_true(sb_date_cmp(D(2025, 1, 2), D(2025, 1, 1)) > 0);
    assert_int_equal(sb_date_cmp(D(2025, 1, 1), D(2025, 1, 1)), 0);
}

/* The test clock file (sb_clock.h): a fixed time, "real", or the real time
 * shifted by whole days; anything else falls back to the real time. */
static void test_clock_follows_its_file(void **state)
{
    (void)state;
    char path[] = "/tmp/sb-test-clock-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    setenv("SKILLBASE_TEST_CLOCK", path, 1);
    static const struct {
        const char *text;
        int64_t shift_days; /* from the real time; INT64_MIN: the fixed time below */
    } cases[] = {
        {"2026-03-02T10:00\n", INT64_MIN},
        {"real\n", 0},
        {"real-40d\n", -40},
        {"real+30d", 30},
        {"real+d", 0},
        {"realx", 0},
        {"real+1.5d", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(cases[i].text, f);
        fclose(f);
        uint64_t now = sb_clock_now_ms();
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t real = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        if (cases[i].shift_days == INT64_MIN) {
            uint64_t want;
            assert_int_equal(sb_clock_parse("2026-03-02T10:00", &want), 0);
            assert_int_equal(now, want);
        } else {
            int64_t want = real + cases[i].shift_days * 86400000;
            assert_true((int64_t)now > want - 5000 && (int64_t)now <= want + 5000);
        }
    }
    unsetenv("SKILLBASE_TEST_CLOCK");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_follows_its_file),
        cmocka_unit_test(instant_just_before_hangzhou_midnight_is_the_previous_day),
        cmocka_unit_test(instant_at_hangzhou_midnight_is_the_new_day),
        cmocka_unit_test(epoch_is_already_morning_in_hangzhou),
        cmocka_unit_test(days_round_trip_from_epoch),
        cmocka_unit_test(add_days_crosses_month_end),
        cmocka_unit_test(add_days_crosses_year_end_both_ways),
        cmocka_unit_test(add_years_turns_29_february_into_28),
        cmocka_unit_test(weekday_of_2026_11_25_is_wednesday),
        cmocka_unit_test(weekday_counts_monday_1_to_sunday_7),
        cmocka_unit_test(parse_accepts_a_real_date),
        cmocka_unit_test(parse_rejects_29_february_of_a_common_year),
        cmocka_unit_test(parse_rejects_malformed_text),
        cmocka_unit_test(format_pads_with_zeros),
        cmocka_unit_test(format_and_parse_agree),
        cmocka_unit_test(valid_knows_month_lengths_and_leap_years),
        cmocka_unit_test(cmp_orders_by_year_then_month_then_day),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
