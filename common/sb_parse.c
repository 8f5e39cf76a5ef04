/* sb_parse: see sb_parse.h. */
#include "sb_parse.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sb_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
    char *end;
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *ret = v;
    return 0;
}

static int accept_entry(void *user, const char *section, const char *key, const char *value)
{
    (void)user, (void)section, (void)key, (void)value;
    return 1;
}

int sb_ini_load(const char *path, ini_handler handler, void *user, const char *why, char *err,
                size_t err_len)
{
    /* inih reports the first bad line but goes on parsing, so a syntax
     * error would be paired with a later entry's complaint: look for
     * syntax errors alone first */
    int r = ini_parse(path, accept_entry, NULL);
    bool syntax = r > 0;
    if (r == 0)
        r = ini_parse(path, handler, user);
    if (r == 0)
        return 0;
    if (r == -1)
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
    else if (r == -2)
        snprintf(err, err_len, "%s: out of memory", path);
    else if (syntax || !why || !*why)
        snprintf(err, err_len,
                 "%s:%d: syntax error (expected [section], key = value, or a ; comment)", path, r);
    else
        snprintf(err, err_len, "%s:%d: %s", path, r, why);
    return -1;
}
