#include "sb_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* 1 when stderr is connected to the journal: systemd sets JOURNAL_STREAM
 * to the device and inode of that stream (a child's redirected stderr is
 * another file, so it does not match). */
static int stderr_is_journal(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    const char *env = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    known = env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
            (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
    return known;
}

void sb_log(sb_log_level level, const char *fmt, ...)
{
    if (level > current)
        return;
    /* Under systemd a "<N>" prefix gives the line its syslog priority in
     * the journal (journalctl -p warning): err 3, warning 4, info 6,
     * debug 7. */
    static const char *const priority[] = {"<3>", "<4>", "<6>", "<7>"};
    const char *prio = stderr_is_journal() ? priority[level] : "";
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
    fprintf(stderr, "%s%s%-5s %s\n", prio, stamp, level_names[level], line);
}
