/* sb_calendar: loading the holiday calendar and counting working days,
 * against the shipped file (2024-2026) and small inline calendars. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_calendar.h"

#define D sb_tk_date /* D(2025, 10, 1) */

/* Parse inline text; the test fails with the message when it does not load. */
static sb_calendar *parse_ok(const char *text)
{
    char err[512] = "";
    sb_calendar *cal = NULL;
    if (sb_calendar_parse(text, strlen(text), "inline", &cal, err, sizeof err))
        fail_msg("expected the calendar to load, got: %s", err);
    return cal;
}

/* Parse inline text expected to fail; returns the message. */
static const char *parse_fails(const char *text)
{
    static char err[512];
    sb_calendar *cal = NULL;
    err[0] = '\0';
    assert_int_equal(sb_calendar_parse(text, strlen(text), "inline", &cal, err, sizeof err), -1);
    assert_null(cal);
    assert_true(err[0] != '\0');
    return err;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("expected \"%s\" to contain \"%s\"", haystack, needle);
}

/* Reason of note i of a sum. */
static const char *reason(const sb_calendar_sum *s, size_t i)
{
    static char buf[160];
    assert_true(i < s->n_notes);
    return sb_calendar_note_reason(&s->notes[i], buf, sizeof buf);
}

/* ------------------------------------------------------------ loading */

static void shipped_calendar_covers_2024_to_2026(void **state)
{
    const sb_calendar *cal = *state;
    assert_int_equal(sb_calendar_first_year(cal), 2024);
    assert_int_equal(sb_calendar_last_year(cal), 2026);
    assert_true(sb_calendar_size(cal) > 100);
    assert_true(sb_calendar_covers(cal, D(2025, 6, 1)));
    assert_false(sb_calendar_covers(cal, D(2027, 1, 1)));
    assert_false(sb_calendar_covers(cal, D(2023, 12, 31)));
}

static void shipped_calendar_knows_national_day_2025(void **state)
{
    const sb_calendar *cal = *state;
    const char *name;
    assert_int_equal(sb_calendar_day(cal, D(2025, 10, 1), &name), SB_DAY_HOLIDAY);
    assert_string_equal(name, "国庆节、中秋节");
    assert_int_equal(sb_calendar_day(cal, D(2025, 10, 8), NULL), SB_DAY_HOLIDAY);
    assert_int_equal(sb_calendar_day(cal, D(2025, 9, 28), &name), SB_DAY_MAKEUP);
    assert_int_equal(sb_calendar_day(cal, D(2025, 10, 11), NULL), SB_DAY_MAKEUP);
    assert_true(sb_calendar_is_working_day(cal, D(2025, 9, 28)));
    assert_false(sb_calendar_is_working_day(cal, D(2025, 10, 3)));
    assert_int_equal(sb_calendar_day(cal, D(2025, 10, 9), &name), SB_DAY_WORKDAY);
    assert_string_equal(name, "");
    assert_int_equal(sb_calendar_day(cal, D(2025, 10, 12), NULL), SB_DAY_WEEKEND);
}

static void comments_blank_lines_and_crlf_are_accepted(void **state)
{
    (void)state;
    sb_calendar *cal = parse_ok("# header\r\n\r\n2025-10-01\toff\t国庆节\r\n"
                                "2025-09-28\twork\t国庆节\n\n# end\n");
    assert_int_equal(sb_calendar_size(cal), 2);
    assert_int_equal(sb_calendar_first_year(cal), 2025);
    assert_int_equal(sb_calendar_last_year(cal), 2025);
    const char *name;
    assert_int_equal(sb_calendar_day(cal, D(2025, 10, 1), &name), SB_DAY_HOLIDAY);
    assert_string_equal(name, "国庆节");
    sb_calendar_free(&cal);
    assert_null(cal);
}

static void malformed_lines_are_refused_with_file_and_line(void **state)
{
    (void)state;
    assert_contains(parse_fails("# x\n2025-02-30\toff\tX\n"),
                    "inline:2: \"2025-02-30\" is not a date");
    assert_contains(parse_fails("2025-10-01\tholiday\tX\n"), "inline:1: kind \"holiday\"");
    assert_contains(parse_fails("2025-10-01 off X\n"),
                    "inline:1: expected DATE<TAB>off|work<TAB>NAME");
    assert_contains(parse_fails("2025-10-01\toff\n"), "inline:1: expected");
    assert_contains(parse_fails("2025-10-01\toff\tX\textra\n"), "more than three");
    assert_contains(parse_fails("2025-10-01\toff\t\n"), "the name must be UTF-8");
    assert_contains(parse_fails("2025-10-01\toff\t\xff\xfe\n"), "the name must be UTF-8");
}

static void make_up_day_on_a_weekday_is_refused(void **state)
{
    (void)state;
    /* 2025-10-09 is a Thursday */
    assert_contains(parse_fails("2025-10-09\twork\tX\n"),
                    "inline:1: 2025-10-09 is a Thursday: a make-up working day");
}

static void date_listed_twice_is_refused_naming_both_lines(void **state)
{
    (void)state;
    assert_contains(parse_fails("2025-10-01\toff\tA\n2025-10-02\toff\tA\n2025-10-01\toff\tB\n"),
                    "inline:3: 2025-10-01 listed twice (also on line 1)");
}

static void a_missing_year_between_first_and_last_is_refused(void **state)
{
    (void)state;
    assert_contains(parse_fails("2024-10-01\toff\tA\n2026-10-01\toff\tA\n"),
                    "no days listed for 2025, between 2024 and 2026");
}

static void empty_calendar_and_unreadable_file_are_refused(void **state)
{
    (void)state;
    assert_contains(parse_fails("# nothing\n\n"), "inline: no days listed");
    char err[512];
    sb_calendar *cal = NULL;
    assert_int_equal(sb_calendar_load("/nonexistent/cal.tsv", &cal, err, sizeof err), -1);
    assert_contains(err, "/nonexistent/cal.tsv: cannot read");
    assert_null(cal);
}

/* ------------------------------------------------------------ counting */

static void zero_working_days_is_the_date_itself(void **state)
{
    sb_calendar_sum s;
    assert_int_equal(sb_calendar_add_working_days(*state, D(2025, 3, 8), 0, &s), 0);
    sb_tk_assert_date(s.result, 2025, 3, 8);
    assert_int_equal(s.n_notes, 0);
    assert_false(s.uncovered);
    sb_calendar_sum_free(&s);
}

static void friday_plus_one_is_monday_skipping_the_weekend(void **state)
{
    sb_calendar_sum s;
    assert_int_equal(sb_calendar_add_working_days(*state, D(2025, 3, 7), 1, &s), 0);
    sb_tk_assert_date(s.result, 2025, 3, 10);
    assert_int_equal(s.n_notes, 2);
    sb_tk_assert_date(s.notes[0].date, 2025, 3, 8);
    assert_int_equal(s.notes[0].kind, SB_DAY_WEEKEND);
    assert_string_equal(reason(&s, 0), "weekend");
    assert_string_equal(reason(&s, 1), "weekend");
    sb_calendar_sum_free(&s);
}

static void ten_days_across_two_plain_weekends(void **state)
{
    sb_calendar_sum s;
    /* Monday 2025-03-03 + 10 working days = Monday 2025-03-17 */
    assert_int_equal(sb_calendar_add_working_days(*state, D(2025, 3, 3), 10, &s), 0);
    sb_tk_assert_date(s.result, 2025, 3, 17);
    assert_int_equal(s.n_notes, 4);
    sb_calendar_sum_free(&s);
}

/* 2025-09-26 (Fri) + 5: Sun 28 (调休) 1, Mon 29 2, Tue 30 3, 1-8 Oct
 * holiday, Thu 9 4, Fri 10 5. */
static void national_day_2025_counts_the_make_up_sunday(void **state)
{
    sb_calendar_sum s;
    assert_int_equal(sb_calendar_add_working_days(*state, D(2025, 9, 26), 5, &s), 0);
    sb_tk_assert_date(s.result, 2025, 10, 10);
    assert_false(s.uncovered);
    assert_int_equal(s.n_notes, 10);
    sb_tk_assert_date(s.notes[0].date, 2025, 9, 27);
    assert_string_equal(reason(&s, 0), "weekend");
    sb_tk_assert_date(s.notes[1].date, 2025, 9, 28);
    assert_int_equal(s.notes[1].kind, SB_DAY_MAKEUP);
    assert_string_equal(reason(&s, 1), "调休 working Sunday (国庆节、中秋节)");
    for (size_t i = 2; i < 10; i++) {
        assert_int_equal(s.notes[i].kind, SB_DAY_HOLIDAY);
        sb_tk_assert_date(s.notes[i].date, 2025, 10, (int)i - 1);
        assert_string_equal(reason(&s, i), "国庆节、中秋节 holiday");
    }
    sb_calendar_sum_free(&s);
}

/* 2025-09-30 (Tue) + 5: 1-8 Oct off, Thu 9, Fri 10, Sat 11 (调休), Sun 12
 * off, Mon 13, Tue 14. */
static void national_day_2025_counts_the_make_up_saturday_after(void **state)
{
    sb_calendar_sum s;
    assert_int_equal(sb_calendar_add_working_days(*state, D(2025, 9, 30), 5, &s), 0);
    sb_tk_assert_date(s.result, 2025, 10, 14);
    assert_int_equal(s.n_notes, 10);
    sb_tk_assert_date(s.notes[8].date, 2025, 10, 11);
    assert_string_equal(reason(&s, 8), "调休 working Saturday (国庆节、中秋节)");
    sb_tk_assert_date(s.notes[9].date, 2025, 10, 12);
    assert_string_equal(reason(&s, 9), "weekend");
    sb_calendar_sum_free(&s);
}

/* 2026-02-12 (Thu) + 5: Fri 13, Sat 14 (调休), 15-23 Feb 春节, Tue 24,
 * Wed 25, Thu 26. */
static void spring_festival_2026(void **state)
{
    sb_calendar_sum s;
    assert_int_equal(sb_calendar_add_working_days(*state, D(2026, 2, 12), 5, &s), 0);
    sb_tk_assert_date(s.result, 2026, 2, 26);
    assert_int_equal(s.n_notes, 10);
    assert_string_equal(reason(&s, 0), "调休 working Saturday (春节)");
    assert_string_equal(reason(&s, 1), "春节 holiday");
    sb_tk_assert_date(s.notes[9].date, 2026, 2, 23);
    sb_calendar_sum_free(&s);
}

/* Past 2026 only weekends count: 2027-01-01 is taken for a working day,
 * and the sum says the calendar did not cover it. */
static void beyond_the_last_year_counts_weekends_only_and_says_so(void **state)
{
    sb_calendar_sum s;
    assert_int_equal(sb_calendar_add_working_days(*state, D(2026, 12, 30), 5, &s), 0);
    sb_tk_assert_date(s.result, 2027, 1, 6);
    assert_true(s.uncovered);
    assert_int_equal(s.n_notes, 2);
    sb_tk_assert_date(s.notes[0].date, 2027, 1, 2);
    sb_calendar_sum_free(&s);

    /* inside the calendar the flag stays down */
    assert_int_equal(sb_calendar_add_working_days(*state, D(2026, 12, 24), 5, &s), 0);
    sb_tk_assert_date(s.result, 2026, 12, 31);
    assert_false(s.uncovered);
    sb_calendar_sum_free(&s);
}

static void too_many_days_or_a_bad_date_is_refused(void **state)
{
    sb_calendar_sum s;
    assert_int_equal(
        sb_calendar_add_working_days(*state, D(2025, 1, 1), SB_CALENDAR_MAX_DAYS + 1, &s), -1);
    assert_int_equal(sb_calendar_add_working_days(*state, D(2025, 2, 30), 1, &s), -1);
}

static void count_between_excludes_both_ends(void **state)
{
    bool uncovered = false;
    /* strictly between Fri 2025-09-26 and Tue 2025-09-30: Sat (no), Sun 调休, Mon */
    assert_int_equal(sb_calendar_count_between(*state, D(2025, 9, 26), D(2025, 9, 30), &uncovered),
                     2);
    assert_int_equal(sb_calendar_count_between(*state, D(2025, 9, 26), D(2025, 9, 27), NULL), 0);
    assert_int_equal(sb_calendar_count_between(*state, D(2025, 9, 30), D(2025, 9, 26), NULL), 0);
    assert_false(uncovered);
    assert_int_equal(sb_calendar_count_between(*state, D(2026, 12, 31), D(2027, 1, 5), &uncovered),
                     2);
    assert_true(uncovered);
}

static void names_of_kinds_and_weekdays(void **state)
{
    (void)state;
    assert_string_equal(sb_calendar_kind_name(SB_DAY_MAKEUP), "makeup");
    assert_string_equal(sb_calendar_kind_name(SB_DAY_HOLIDAY), "holiday");
    assert_string_equal(sb_calendar_weekday_name(6), "Saturday");
    assert_string_equal(sb_calendar_weekday_name(0), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_calendar_covers_2024_to_2026),
        cmocka_unit_test(shipped_calendar_knows_national_day_2025),
        cmocka_unit_test(comments_blank_lines_and_crlf_are_accepted),
        cmocka_unit_test(malformed_lines_are_refused_with_file_and_line),
        cmocka_unit_test(make_up_day_on_a_weekday_is_refused),
        cmocka_unit_test(date_listed_twice_is_refused_naming_both_lines),
        cmocka_unit_test(a_missing_year_between_first_and_last_is_refused),
        cmocka_unit_test(empty_calendar_and_unreadable_file_are_refused),
        cmocka_unit_test(zero_working_days_is_the_date_itself),
        cmocka_unit_test(friday_plus_one_is_monday_skipping_the_weekend),
        cmocka_unit_test(ten_days_across_two_plain_weekends),
        cmocka_unit_test(national_day_2025_counts_the_make_up_sunday),
        cmocka_unit_test(national_day_2025_counts_the_make_up_saturday_after),
        cmocka_unit_test(spring_festival_2026),
        cmocka_unit_test(beyond_the_last_year_counts_weekends_only_and_says_so),
        cmocka_unit_test(too_many_days_or_a_bad_date_is_refused),
        cmocka_unit_test(count_between_excludes_both_ends),
        cmocka_unit_test(names_of_kinds_and_weekdays),
    };
    return cmocka_run_group_tests(tests, sb_tk_calendar_setup, sb_tk_calendar_teardown);
}
