#include "sb_calendar.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SB_DEFAULT_CALENDAR
#define SB_DEFAULT_CALENDAR "data/calendar/cn-workdays.tsv"
#endif

/* A calendar file of a few decades is a few kilobytes; refuse anything
 * absurd rather than read it. */
#define FILE_MAX (4u * 1024 * 1024)
#define NAME_MAX_BYTES 120

typedef struct {
    int64_t day; /* days since 1970-01-01 */
    bool work;   /* make-up working day; else a holiday */
    unsigned line;
    char *name;
} entry;

struct sb_calendar {
    entry *days; /* sorted by day, no duplicates */
    size_t n;
    int first_year, last_year;
};

const char *sb_calendar_default_path(void)
{
    return SB_DEFAULT_CALENDAR;
}

void sb_calendar_free(sb_calendar **cal)
{
    if (!cal || !*cal)
        return;
    for (size_t i = 0; i < (*cal)->n; i++)
        free((*cal)->days[i].name);
    free((*cal)->days);
    free(*cal);
    *cal = NULL;
}

/* Well-formed UTF-8 without control characters. */
static bool text_ok(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, extra;
        if (c < 0x20 || c == 0x7f)
            return false;
        if (c < 0x80) {
            p++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf)
            extra = 1;
        else if (c >= 0xe0 && c <= 0xef)
            extra = 2;
        else if (c >= 0xf0 && c <= 0xf4)
            extra = 3;
        else
            return false;
        uint32_t cp = c & (0x3f >> extra);
        for (unsigned i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        p += extra + 1;
    }
    return true;
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Parse one non-comment line into *e. Returns 0 or -1 with the reason. */
static int parse_line(char *line, entry *e, char *why, size_t why_len)
{
    char *f[3];
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == 3) {
            snprintf(why, why_len, "more than three tab-separated fields");
            return -1;
        }
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    if (n != 3) {
        snprintf(why, why_len, "expected DATE<TAB>off|work<TAB>NAME");
        return -1;
    }
    sb_date d;
    if (sb_date_parse(f[0], &d)) {
        snprintf(why, why_len, "\"%.40s\" is not a date (YYYY-MM-DD)", f[0]);
        return -1;
    }
    if (strcmp(f[1], "off") == 0) {
        e->work = false;
    } else if (strcmp(f[1], "work") == 0) {
        e->work = true;
        int wd = sb_date_weekday(d);
        if (wd < 6) {
            snprintf(why, why_len,
                     "%s is a %s: a make-up working day (work) falls on a Saturday or Sunday", f[0],
                     sb_calendar_weekday_name(wd));
            return -1;
        }
    } else {
        snprintf(why, why_len, "kind \"%.20s\" is neither off nor work", f[1]);
        return -1;
    }
    if (!f[2][0] || strlen(f[2]) > NAME_MAX_BYTES || !text_ok(f[2])) {
        snprintf(why, why_len, "the name must be UTF-8 text of 1 to %d bytes", NAME_MAX_BYTES);
        return -1;
    }
    e->day = sb_date_to_days(d);
    e->name = strdup(f[2]);
    if (!e->name) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    return 0;
}

/* Every year between the first and the last must be listed: a missing year
 * would silently count its holidays as working days. */
static int check_years(sb_calendar *cal, const char *origin, char *err, size_t err_len)
{
    int prev = sb_date_from_days(cal->days[0].day).year;
    cal->first_year = prev;
    for (size_t i = 1; i < cal->n; i++) {
        if (cal->days[i].day == cal->days[i - 1].day) {
            snprintf(err, err_len, "%s:%u: %s listed twice (also on line %u)", origin,
                     cal->days[i].line,
                     sb_date_format(sb_date_from_days(cal->days[i].day), (char[SB_DATE_STRLEN]){0}),
                     cal->days[i - 1].line);
            return -1;
        }
        int y = sb_date_from_days(cal->days[i].day).year;
        if (y > prev + 1) {
            snprintf(err, err_len,
                     "%s: no days listed for %d, between %d and %d; every year from the first "
                     "to the last needs its holidays",
                     origin, prev + 1, cal->first_year, y);
            return -1;
        }
        prev = y;
    }
    cal->last_year = prev;
    return 0;
}

int sb_calendar_parse(const char *text, size_t len, const char *origin, sb_calendar **ret,
                      char *err, size_t err_len)
{
    sb_calendar *cal = calloc(1, sizeof *cal);
    char *copy = malloc(len + 1);
    size_t cap = 0;
    int rc = -1;
    if (!cal || !copy) {
        snprintf(err, err_len, "%s: out of memory", origin);
        goto out;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    if (strlen(copy) != len) {
        snprintf(err, err_len, "%s: contains a NUL byte", origin);
        goto out;
    }
    unsigned lineno = 0;
    for (char *line = copy, *next; line && *line; line = next) {
        lineno++;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r')
            line[--l] = '\0';
        if (l == 0 || line[0] == '#')
            continue;
        if (cal->n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            entry *grown = realloc(cal->days, ncap * sizeof *grown);
            if (!grown) {
                snprintf(err, err_len, "%s: out of memory", origin);
                goto out;
            }
            cal->days = grown;
            cap = ncap;
        }
        entry e = {.line = lineno};
        char why[200];
        if (parse_line(line, &e, why, sizeof why)) {
            snprintf(err, err_len, "%s:%u: %s", origin, lineno, why);
            goto out;
        }
        cal->days[cal->n++] = e;
    }
    if (cal->n == 0) {
        snprintf(err, err_len, "%s: no days listed", origin);
        goto out;
    }
    qsort(cal->days, cal->n, sizeof *cal->days, cmp_entry);
    if (check_years(cal, origin, err, err_len))
        goto out;
    *ret = cal;
    cal = NULL;
    rc = 0;
out:
    free(copy);
    sb_calendar_free(&cal);
    return rc;
}

int sb_calendar_load(const char *path, sb_calendar **ret, char *err, size_t err_len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, FILE_MAX + 1, fp) : 0;
    int failed = ferror(fp);
    fclose(fp);
    int rc = -1;
    if (!buf)
        snprintf(err, err_len, "%s: out of memory", path);
    else if (failed)
        snprintf(err, err_len, "%s: read error", path);
    else if (n > FILE_MAX)
        snprintf(err, err_len, "%s: larger than %u bytes; not a calendar", path, FILE_MAX);
    else
        rc = sb_calendar_parse(buf, n, path, ret, err, err_len);
    free(buf);
    return rc;
}

int sb_calendar_first_year(const sb_calendar *cal)
{
    return cal->first_year;
}

int sb_calendar_last_year(const sb_calendar *cal)
{
    return cal->last_year;
}

size_t sb_calendar_size(const sb_calendar *cal)
{
    return cal->n;
}

bool sb_calendar_covers(const sb_calendar *cal, sb_date d)
{
    return d.year >= cal->first_year && d.year <= cal->last_year;
}

static const entry *find(const sb_calendar *cal, int64_t day)
{
    size_t lo = 0, hi = cal->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->days[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cal->n && cal->days[lo].day == day ? &cal->days[lo] : NULL;
}

sb_day_kind sb_calendar_day(const sb_calendar *cal, sb_date d, const char **ret_name)
{
    const entry *e = find(cal, sb_date_to_days(d));
    if (ret_name)
        *ret_name = e ? e->name : "";
    if (e)
        return e->work ? SB_DAY_MAKEUP : SB_DAY_HOLIDAY;
    return sb_date_weekday(d) >= 6 ? SB_DAY_WEEKEND : SB_DAY_WORKDAY;
}

bool sb_calendar_is_working_day(const sb_calendar *cal, sb_date d)
{
    sb_day_kind k = sb_calendar_day(cal, d, NULL);
    return k == SB_DAY_WORKDAY || k == SB_DAY_MAKEUP;
}

void sb_calendar_sum_free(sb_calendar_sum *sum)
{
    if (!sum)
        return;
    free(sum->notes);
    sum->notes = NULL;
    sum->n_notes = 0;
}

int sb_calendar_add_working_days(const sb_calendar *cal, sb_date from, unsigned n,
                                 sb_calendar_sum *ret)
{
    if (n > SB_CALENDAR_MAX_DAYS || !sb_date_valid(from))
        return -1;
    sb_calendar_sum sum = {.result = from};
    size_t cap = 0;
    sb_date d = from;
    unsigned counted = 0;
    while (counted < n) {
        d = sb_date_add_days(d, 1);
        if (d.year > 9999) {
            free(sum.notes);
            return -1;
        }
        if (!sb_calendar_covers(cal, d))
            sum.uncovered = true;
        const char *name;
        sb_day_kind kind = sb_calendar_day(cal, d, &name);
        if (kind == SB_DAY_WORKDAY || kind == SB_DAY_MAKEUP)
            counted++;
        if (kind == SB_DAY_WORKDAY)
            continue;
        if (sum.n_notes == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            sb_calendar_note *grown = realloc(sum.notes, ncap * sizeof *grown);
            if (!grown) {
                free(sum.notes);
                return -1;
            }
            sum.notes = grown;
            cap = ncap;
        }
        sum.notes[sum.n_notes++] = (sb_calendar_note){d, kind, name};
    }
    sum.result = d;
    *ret = sum;
    return 0;
}

uint32_t sb_calendar_count_between(const sb_calendar *cal, sb_date after, sb_date before,
                                   bool *ret_uncovered)
{
    int64_t first = sb_date_to_days(after) + 1, end = sb_date_to_days(before);
    uint32_t count = 0;
    for (int64_t day = first; day < end; day++) {
        sb_date d = sb_date_from_days(day);
        if (!sb_calendar_covers(cal, d) && ret_uncovered)
            *ret_uncovered = true;
        if (sb_calendar_is_working_day(cal, d))
            count++;
    }
    return count;
}

const char *sb_calendar_weekday_name(int weekday)
{
    static const char *const names[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                        "Friday", "Saturday", "Sunday"};
    return weekday >= 1 && weekday <= 7 ? names[weekday - 1] : "?";
}

const char *sb_calendar_kind_name(sb_day_kind kind)
{
    switch (kind) {
    case SB_DAY_WORKDAY:
        return "workday";
    case SB_DAY_WEEKEND:
        return "weekend";
    case SB_DAY_HOLIDAY:
        return "holiday";
    case SB_DAY_MAKEUP:
        return "makeup";
    }
    return "unknown";
}

char *sb_calendar_note_reason(const sb_calendar_note *note, char *buf, size_t len)
{
    switch (note->kind) {
    case SB_DAY_HOLIDAY:
        snprintf(buf, len, "%s holiday", note->name);
        break;
    case SB_DAY_MAKEUP:
        snprintf(buf, len, "调休 working %s (%s)",
                 sb_calendar_weekday_name(sb_date_weekday(note->date)), note->name);
        break;
    case SB_DAY_WEEKEND:
        snprintf(buf, len, "weekend");
        break;
    default:
        snprintf(buf, len, "working day");
        break;
    }
    return buf;
}
