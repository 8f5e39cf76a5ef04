#include "deadline_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_log.h"

/* The one loaded calendar and the path it came from. */
static struct {
    sb_calendar *cal;
    char path[PATH_MAX];
} loaded;

static int cmp_desc(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

int sb_deadline_config_parse_remind_days(const char *value, uint32_t ret_days[SB_REMIND_MAX],
                                         uint32_t *ret_n, char *err, size_t err_len)
{
    uint32_t days[SB_REMIND_MAX];
    uint32_t n = 0;
    const char *p = value;
    while (*p == ' ' || *p == '\t')
        p++;
    while (*p) {
        char *end;
        if (*p < '0' || *p > '9')
            goto bad;
        errno = 0;
        unsigned long v = strtoul(p, &end, 10);
        if (errno || v < 1 || v > 365)
            goto bad;
        if (n == SB_REMIND_MAX) {
            snprintf(err, err_len, "[deadlines] remind_days: at most %d reminders", SB_REMIND_MAX);
            return -1;
        }
        for (uint32_t i = 0; i < n; i++)
            if (days[i] == v) {
                snprintf(err, err_len, "[deadlines] remind_days: %lu given twice", v);
                return -1;
            }
        days[n++] = (uint32_t)v;
        p = end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == ',') {
            p++;
            while (*p == ' ' || *p == '\t')
                p++;
            if (!*p)
                goto bad;
        } else if (*p) {
            goto bad;
        }
    }
    qsort(days, n, sizeof days[0], cmp_desc);
    memcpy(ret_days, days, n * sizeof days[0]);
    *ret_n = n;
    return 0;
bad:
    snprintf(err, err_len,
             "[deadlines] remind_days: \"%s\" is not a comma-separated list of days from 1 to 365",
             value);
    return -1;
}

void sb_deadline_config_finish(sb_config *c, sb_problems *problems)
{
    if (!c->calendar[0])
        snprintf(c->calendar, sizeof c->calendar, "%s", sb_calendar_default_path());
    char err[512];
    sb_calendar *cal = NULL;
    if (sb_calendar_load(c->calendar, &cal, err, sizeof err))
        sb_problems_add(problems, "[deadlines] calendar: %s", err);
    sb_calendar_free(&cal);
}

const sb_calendar *sb_deadline_config_calendar(const sb_config *c)
{
    /* "" before sb_config_finish (a configuration built by hand) */
    const char *path = c->calendar[0] ? c->calendar : sb_calendar_default_path();
    if (loaded.cal && strcmp(loaded.path, path) == 0)
        return loaded.cal;
    char err[512];
    sb_calendar *cal = NULL;
    if (sb_calendar_load(path, &cal, err, sizeof err)) {
        sb_log(SB_LOG_ERROR, "holiday calendar: %s", err);
        return NULL;
    }
    sb_calendar_free(&loaded.cal);
    loaded.cal = cal;
    snprintf(loaded.path, sizeof loaded.path, "%s", path);
    sb_log(SB_LOG_INFO, "holiday calendar %s: %d to %d", path, sb_calendar_first_year(cal),
           sb_calendar_last_year(cal));
    return cal;
}

/* Forget the loaded calendar so the next use reads the file again. */
static void sb_deadline_config_forget_calendar(void)
{
    sb_calendar_free(&loaded.cal);
    loaded.path[0] = '\0';
}

void sb_deadline_config_reload_apply(void *arg, const sb_config *live)
{
    (void)arg, (void)live;
    sb_deadline_config_forget_calendar();
}
