#include "sb_clock.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sb_date.h"
#include "sb_log.h"
#include "sb_parse.h"

static uint64_t real_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t sb_clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int sb_clock_is_test(void)
{
    const char *path = getenv("SKILLBASE_TEST_CLOCK");
    return path && *path;
}

int sb_clock_parse(const char *text, uint64_t *ret)
{
    while (*text == ' ' || *text == '\t')
        text++;
    char buf[32];
    size_t n = strcspn(text, " \t\r\n");
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (buf[0] >= '0' && buf[0] <= '9' && !strchr(buf, '-'))
        return sb_parse_u64(buf, 0, UINT64_MAX, ret);
    /* YYYY-MM-DDTHH:MM[:SS], Hangzhou time (UTC+8) */
    char date[SB_DATE_STRLEN];
    int hh, mm, ss = 0;
    if (n < 16 || buf[10] != 'T')
        return -1;
    memcpy(date, buf, 10);
    date[10] = '\0';
    sb_date d;
    if (sb_date_parse(date, &d))
        return -1;
    int got = sscanf(buf + 11, "%2d:%2d:%2d", &hh, &mm, &ss);
    if (got < 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return -1;
    int64_t secs = sb_date_to_days(d) * 86400 + hh * 3600 + mm * 60 + ss - 8 * 3600;
    if (secs < 0)
        return -1;
    *ret = (uint64_t)secs * 1000;
    return 0;
}

/* "real", "real+Nd" or "real-Nd": the real time shifted by N days. */
static int shifted_real(const char *text, int64_t *ret_days)
{
    while (*text == ' ' || *text == '\t')
        text++;
    if (strncmp(text, "real", 4) != 0)
        return -1;
    text += 4;
    size_t n = strcspn(text, " \t\r\n");
    if (n == 0) {
        *ret_days = 0;
        return 0;
    }
    if ((text[0] != '+' && text[0] != '-') || n < 3 || n > 8 || text[n - 1] != 'd')
        return -1;
    char digits[8];
    memcpy(digits, text + 1, n - 2);
    digits[n - 2] = '\0';
    uint64_t days;
    if (sb_parse_u64(digits, 0, 3660000, &days))
        return -1;
    *ret_days = text[0] == '-' ? -(int64_t)days : (int64_t)days;
    return 0;
}

uint64_t sb_clock_now_ms(void)
{
    static int warned;
    const char *path = getenv("SKILLBASE_TEST_CLOCK");
    if (!path || !*path)
        return real_now_ms();
    /* open and read, not stdio: the daemon reads this at every request
     * (a FILE and its buffer cost more than the read) */
    char text[64] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool read_ok = false;
    if (fd >= 0) {
        ssize_t n = read(fd, text, sizeof text - 1);
        read_ok = n >= 0;
        text[read_ok ? n : 0] = '\0';
        close(fd);
    }
    uint64_t ms;
    if (read_ok && sb_clock_parse(text, &ms) == 0)
        return ms;
    int64_t shift_days;
    if (read_ok && shifted_real(text, &shift_days) == 0) {
        int64_t now = (int64_t)real_now_ms() + shift_days * 86400 * 1000;
        return now > 0 ? (uint64_t)now : 0;
    }
    if (!warned++)
        sb_log(SB_LOG_WARN, "test clock %s unreadable; using the real time", path);
    return real_now_ms();
}
