#include "sb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static sb_log_level current = SB_LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void sb_log_set_level(sb_log_level level)
{
    current = level;
}

int sb_log_parse_level(const char *name, sb_log_level *ret_level)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *ret_level = (sb_log_level)i;
            return 0;
        }
    }
    return -1;
}

void sb_log(sb_log_level level, const char *fmt, ...)
{
    if (level > current)
        return;
    char stamp[32] = "";
    const char *env = getenv("SB_LOG_TIME");
    if ((env && *env == '1') || isatty(STDERR_FILENO)) {
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    }
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s%-5s %s\n", stamp, level_names[level], line);
}
