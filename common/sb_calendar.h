/* sb_calendar: working days on the mainland-China holiday calendar.
 *
 * Legal deadlines (the publicity period of 公示, counted in working days)
 * skip weekends and the statutory holidays and count the make-up working
 * days (调休) the State Council publishes each year. A calendar is loaded
 * from a text file of skillbase's own format (data/calendar/cn-workdays.tsv
 * describes it): one line per day that differs from the plain rule,
 *
 *     YYYY-MM-DD<TAB>off<TAB>NAME     a holiday
 *     YYYY-MM-DD<TAB>work<TAB>NAME    a make-up working day on a weekend
 *
 * The calendar covers every year from the first to the last it lists. A
 * date outside those years is counted with weekends only, and every
 * function that counts says so through an `uncovered` flag so the caller
 * can log a warning: a deadline computed past the calendar may be wrong.
 *
 * Pure after loading: no clock, no global state; a loaded calendar is
 * read-only and may be shared.
 */
#ifndef SB_CALENDAR_H
#define SB_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_date.h"

typedef struct sb_calendar sb_calendar;

/* What a day is. */
typedef enum {
    SB_DAY_WORKDAY = 0, /* Monday to Friday, no holiday */
    SB_DAY_WEEKEND,     /* Saturday or Sunday, not a make-up day */
    SB_DAY_HOLIDAY,     /* a listed holiday ("off"), whatever the weekday */
    SB_DAY_MAKEUP,      /* a listed make-up working day ("work", 调休) */
} sb_day_kind;

/* Largest count sb_calendar_add_working_days accepts (about ten years). */
#define SB_CALENDAR_MAX_DAYS 2500

/* The calendar file this build uses when none is configured: the checkout's
 * data/calendar/cn-workdays.tsv (a compile-time default). Never NULL. */
const char *sb_calendar_default_path(void);

/* Load the calendar file at `path`. Returns 0 and *ret (free with
 * sb_calendar_free), or -1 with one line in err naming the file, the line
 * and what is wrong (unreadable, malformed date, unknown kind, a make-up day
 * on a weekday, a date listed twice, a year missing between the first and
 * the last, no days at all). */
int sb_calendar_load(const char *path, sb_calendar **ret, char *err, size_t err_len);

/* The same from text in memory; `origin` names it in messages. */
int sb_calendar_parse(const char *text, size_t len, const char *origin, sb_calendar **ret,
                      char *err, size_t err_len);

/* Free a calendar and set *cal to NULL; NULL is ignored. */
void sb_calendar_free(sb_calendar **cal);

/* The first and last year the calendar covers. */
int sb_calendar_first_year(const sb_calendar *cal);
int sb_calendar_last_year(const sb_calendar *cal);

/* Number of days listed in the file. */
size_t sb_calendar_size(const sb_calendar *cal);

/* True when d's year lies within the calendar's years. */
bool sb_calendar_covers(const sb_calendar *cal, sb_date d);

/* What day d is. *ret_name (if non-NULL) receives the holiday's name for
 * HOLIDAY and MAKEUP, "" otherwise (owned by the calendar). Outside the
 * covered years only WORKDAY and WEEKEND are returned. */
sb_day_kind sb_calendar_day(const sb_calendar *cal, sb_date d, const char **ret_name);

/* True for WORKDAY and MAKEUP. */
bool sb_calendar_is_working_day(const sb_calendar *cal, sb_date d);

/* A day worth explaining in a sum of working days: skipped (WEEKEND,
 * HOLIDAY) or counted although on a weekend (MAKEUP). */
typedef struct {
    sb_date date;
    sb_day_kind kind;
    const char *name; /* holiday name ("" for a plain weekend), owned by the calendar */
} sb_calendar_note;

/* The result of sb_calendar_add_working_days. */
typedef struct {
    sb_date result;
    bool uncovered; /* some day counted lay outside the calendar's years */
    size_t n_notes;
    sb_calendar_note *notes; /* in date order; free with sb_calendar_sum_free */
} sb_calendar_sum;

/* The n-th working day after `from` (from itself is not counted; n = 0
 * gives `from`), with a note for every weekend or holiday skipped and every
 * make-up day counted on the way. Returns 0 and *ret, or -1 when n exceeds
 * SB_CALENDAR_MAX_DAYS, `from` is not a valid date, the result would pass
 * year 9999, or memory ran out. */
int sb_calendar_add_working_days(const sb_calendar *cal, sb_date from, unsigned n,
                                 sb_calendar_sum *ret);

/* Free the notes of a sum (the struct itself is the caller's). */
void sb_calendar_sum_free(sb_calendar_sum *sum);

/* Working days strictly between `after` and `before` (both excluded); 0
 * when before <= after + 1. *ret_uncovered (if non-NULL) is set to true when
 * a day counted lay outside the calendar's years (it is never cleared). */
uint32_t sb_calendar_count_between(const sb_calendar *cal, sb_date after, sb_date before,
                                   bool *ret_uncovered);

/* Why a note's day was skipped or counted, for people: "weekend",
 * "国庆节 holiday", "调休 working Saturday (国庆节)". Written into buf (at
 * least 64 bytes recommended); returns buf. */
char *sb_calendar_note_reason(const sb_calendar_note *note, char *buf, size_t len);

/* English name of an ISO weekday (1 = Monday), "?" when out of range. */
const char *sb_calendar_weekday_name(int weekday);

/* Stable lower-case name of a day kind: "workday", "weekend", "holiday",
 * "makeup". */
const char *sb_calendar_kind_name(sb_day_kind kind);

#endif
