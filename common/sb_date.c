#include "sb_date.h"

#include <stdio.h>
#include <string.h>

#define HANGZHOU_OFFSET_MS (8LL * 3600 * 1000)

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
int64_t sb_date_to_days(sb_date d)
{
    int64_t y = d.year - (d.month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (d.month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

sb_date sb_date_from_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    sb_date d = {(int)(y + (month <= 2)), (int)month, (int)day};
    return d;
}

sb_date sb_date_from_ms(uint64_t ms)
{
    int64_t local = (int64_t)ms + HANGZHOU_OFFSET_MS;
    int64_t days = local / 86400000LL;
    if (local < 0 && local % 86400000LL)
        days--;
    return sb_date_from_days(days);
}

sb_date sb_date_add_days(sb_date d, int n)
{
    return sb_date_from_days(sb_date_to_days(d) + n);
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : len[m - 1];
}

sb_date sb_date_add_years(sb_date d, int n)
{
    d.year += n;
    if (d.month == 2 && d.day == 29 && !leap(d.year))
        d.day = 28;
    return d;
}

int sb_date_weekday(sb_date d)
{
    int64_t days = sb_date_to_days(d); /* 1970-01-01 was a Thursday (4) */
    int64_t w = (days + 3) % 7;
    if (w < 0)
        w += 7;
    return (int)w + 1;
}

bool sb_date_valid(sb_date d)
{
    return d.year >= 1 && d.year <= 9999 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
           d.day <= month_days(d.year, d.month);
}

int sb_date_parse(const char *s, sb_date *ret)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    sb_date d = {(s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'),
                 (s[5] - '0') * 10 + (s[6] - '0'), (s[8] - '0') * 10 + (s[9] - '0')};
    if (!sb_date_valid(d))
        return -1;
    *ret = d;
    return 0;
}

char *sb_date_format(sb_date d, char *buf)
{
    unsigned y = (unsigned)d.year % 10000u, m = (unsigned)d.month % 13u, dd = (unsigned)d.day % 32u;
    snprintf(buf, SB_DATE_STRLEN, "%04u-%02u-%02u", y, m, dd);
    return buf;
}

int sb_date_cmp(sb_date a, sb_date b)
{
    if (a.year != b.year)
        return a.year < b.year ? -1 : 1;
    if (a.month != b.month)
        return a.month < b.month ? -1 : 1;
    if (a.day != b.day)
        return a.day < b.day ? -1 : 1;
    return 0;
}
