/* sb_activity: the yearly filing's dates and the [activity] keys
 * (activity.h). */
#include "activity.h"

#include <stdio.h>
#include <string.h>

#include "deadlines.h"

void sb_activity_config_defaults(sb_config *c)
{
    static const uint32_t remind[] = {30, 7};
    c->activity_due_month = 3;
    c->activity_due_day = 31;
    memcpy(c->activity_remind_days, remind, sizeof remind);
    c->n_activity_remind_days = sizeof remind / sizeof remind[0];
    c->activity_reminders = true;
}

/* "MM-DD" of a day every year has (no 29 February). */
static int parse_due(const char *s, uint32_t *ret_month, uint32_t *ret_day)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 5 || s[2] != '-')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int m = (s[0] - '0') * 10 + (s[1] - '0'), d = (s[3] - '0') * 10 + (s[4] - '0');
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return -1;
    *ret_month = (uint32_t)m;
    *ret_day = (uint32_t)d;
    return 0;
}

int sb_activity_config_set(sb_config *c, const char *key, const char *value, char *err,
                           size_t err_len)
{
    if (strcmp(key, "due") == 0) {
        if (parse_due(value, &c->activity_due_month, &c->activity_due_day) == 0)
            return 0;
        snprintf(err, err_len,
                 "[activity] due: \"%s\" is not a day of the year as MM-DD (01-01 to 12-31, "
                 "not 02-29)",
                 value);
        return -1;
    }
    if (strcmp(key, "remind_days") == 0) {
        char why[256];
        if (sb_deadlines_parse_remind_days(value, c->activity_remind_days,
                                           &c->n_activity_remind_days, why, sizeof why) == 0)
            return 0;
        /* the parser names [deadlines]; say which section it was */
        const char *rest = strncmp(why, "[deadlines] ", 12) == 0 ? why + 12 : why;
        snprintf(err, err_len, "[activity] %s", rest);
        return -1;
    }
    if (strcmp(key, "reminders") == 0) {
        if (strcmp(value, "on") == 0 || strcmp(value, "off") == 0) {
            c->activity_reminders = strcmp(value, "on") == 0;
            return 0;
        }
        snprintf(err, err_len, "[activity] reminders: \"%s\" is neither on nor off", value);
        return -1;
    }
    snprintf(err, err_len, "[activity] %s: unknown key (expected due, remind_days, reminders)",
             key);
    return -1;
}

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
