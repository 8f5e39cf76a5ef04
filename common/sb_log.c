#include "sb_log.h"

#include <stdarg.h>
#include <stdatomic.h>
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

enum { PREFIX_KNOWN = 1, PREFIX_JOURNAL = 2, PREFIX_STAMP = 4 };

/* What leads each line, worked out at the first line (the environment and
 * stderr do not change under a running program): the journal's priority
 * when stderr is connected to the journal (systemd sets JOURNAL_STREAM to
 * the device and inode of that stream; a child's redirected stderr is
 * another file, so it does not match), a timestamp on a terminal or with
 * SB_LOG_TIME=1. */
static int prefix(void)
{
    static atomic_int known;
    int p = atomic_load(&known);
    if (p)
        return p;
    const char *env = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    p = PREFIX_KNOWN;
    if (env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
        (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
        p |= PREFIX_JOURNAL;
    env = getenv("SB_LOG_TIME");
    if ((env && *env == '1') || isatty(STDERR_FILENO))
        p |= PREFIX_STAMP;
    atomic_store(&known, p);
    return p;
}

void sb_log(sb_log_level level, const char *fmt, ...)
{
    if (level > current)
        return;
    /* Under systemd a "<N>" prefix gives the line its syslog priority in
     * the journal (journalctl -p warning): err 3, warning 4, info 6,
     * debug 7. */
    static const char *const priority[] = {"<3>", "<4>", "<6>", "<7>"};
    int p = prefix();
    const char *prio = p & PREFIX_JOURNAL ? priority[level] : "";
    char stamp[32] = "";
    if (p & PREFIX_STAMP) {
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
