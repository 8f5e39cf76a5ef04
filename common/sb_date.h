/* sb_date: civil dates in Hangzhou (UTC+8, no daylight saving).
 *
 * Pure arithmetic on proleptic Gregorian dates; no time zone database.
 * The policy counts everything in calendar dates (certification day,
 * "two years later", publicity working days), so dates are values here,
 * not instants.
 */
#ifndef SB_DATE_H
#define SB_DATE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    int year;
    int month; /* 1-12 */
    int day;   /* 1-31 */
} sb_date;

/* Length of "YYYY-MM-DD" plus the terminating NUL. */
#define SB_DATE_STRLEN 11

/* The Hangzhou calendar date of an instant (ms since the Unix epoch). */
sb_date sb_date_from_ms(uint64_t ms);

/* Days since 1970-01-01 of a valid date (negative before). */
int64_t sb_date_to_days(sb_date d);

/* The date `days` days after 1970-01-01. */
sb_date sb_date_from_days(int64_t days);

/* The date n days later (n may be negative). */
sb_date sb_date_add_days(sb_date d, int n);

/* The same month and day n years later; 29 February becomes 28 February in
 * a year that has none. */
sb_date sb_date_add_years(sb_date d, int n);

/* Day of the week, 1 = Monday ... 7 = Sunday (ISO 8601). */
int sb_date_weekday(sb_date d);

/* True when the fields form a real date between years 1 and 9999. */
bool sb_date_valid(sb_date d);

/* Parse exactly "YYYY-MM-DD". Returns 0, or -1 when malformed or not a real
 * date (ret untouched). */
int sb_date_parse(const char *s, sb_date *ret);

/* Write "YYYY-MM-DD" into buf (at least SB_DATE_STRLEN bytes); returns buf. */
char *sb_date_format(sb_date d, char *buf);

/* Compare: negative, 0, positive like strcmp. */
int sb_date_cmp(sb_date a, sb_date b);

#endif
