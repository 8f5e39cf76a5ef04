#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SB_DEFAULT_STATE_DIR
#define SB_DEFAULT_STATE_DIR "var"
#endif

#define MIB ((size_t)1024 * 1024)

void sb_config_defaults(sb_config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->state_dir, sizeof c->state_dir, "%s", SB_DEFAULT_STATE_DIR);
    c->map_size = 64 * MIB;
    c->map_max = 64 * 1024 * MIB;
    c->max_request_bytes = 1 * MIB;
    c->batch_max = 1024;
    c->log_level = SB_LOG_INFO;
    sb_rubric_default(&c->rubric);
    c->publicity_working_days = 5;
}

static int parse_u64(const char *value, uint64_t min, uint64_t max, uint64_t *ret)
{
    char *end;
    errno = 0;
    if (!*value || *value == '-')
        return -1;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *ret = v;
    return 0;
}

static int copy_string(char *dst, size_t size, const char *value)
{
    if (strlen(value) >= size)
        return -1;
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

int sb_config_set(sb_config *c, const char *section, const char *key, const char *value,
                  char *err, size_t err_len)
{
    uint64_t v;
    if (strcmp(section, "daemon") == 0) {
        if (strcmp(key, "state_dir") == 0) {
            if (!*value || copy_string(c->state_dir, sizeof c->state_dir, value))
                goto bad_path;
            return 0;
        }
        if (strcmp(key, "command_endpoint") == 0) {
            if (copy_string(c->command_endpoint, sizeof c->command_endpoint, value))
                goto bad_path;
            return 0;
        }
        if (strcmp(key, "map_size_mb") == 0 || strcmp(key, "map_max_mb") == 0) {
            if (parse_u64(value, 1, 16 * 1024 * 1024, &v))
                goto bad_number;
            *(strcmp(key, "map_size_mb") == 0 ? &c->map_size : &c->map_max) = (size_t)v * MIB;
            return 0;
        }
        if (strcmp(key, "max_request_kb") == 0) {
            if (parse_u64(value, 1, 64 * 1024, &v))
                goto bad_number;
            c->max_request_bytes = (size_t)v * 1024;
            return 0;
        }
        if (strcmp(key, "batch_max") == 0) {
            if (parse_u64(value, 1, 65536, &v))
                goto bad_number;
            c->batch_max = (uint32_t)v;
            return 0;
        }
        if (strcmp(key, "log_level") == 0) {
            if (sb_log_parse_level(value, &c->log_level)) {
                snprintf(err, err_len, "[daemon] log_level: \"%s\" is not one of error, warn, info, debug",
                         value);
                return -1;
            }
            return 0;
        }
    } else if (strcmp(section, "rubric") == 0) {
        for (int i = 0; i < SB_RUBRIC_ITEMS; i++) {
            if (strcmp(key, sb_rubric_item_name(i)) == 0) {
                if (parse_u64(value, 0, 100, &v))
                    goto bad_number;
                c->rubric.max[i] = (uint32_t)v;
                return 0;
            }
        }
    } else if (strcmp(section, "publicity") == 0) {
        if (strcmp(key, "working_days") == 0) {
            if (parse_u64(value, 1, 60, &v))
                goto bad_number;
            c->publicity_working_days = (uint32_t)v;
            return 0;
        }
    } else {
        snprintf(err, err_len, "unknown section [%s] (expected daemon, rubric, publicity)", section);
        return -1;
    }
    snprintf(err, err_len, "[%s] %s: unknown key", section, key);
    return -1;
bad_number:
    snprintf(err, err_len, "[%s] %s: \"%s\" is not a number in the allowed range", section, key,
             value);
    return -1;
bad_path:
    snprintf(err, err_len, "[%s] %s: empty or too long", section, key);
    return -1;
}

typedef struct {
    sb_config *config;
    char *err;
    size_t err_len;
    int failed;
} load_state;

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    load_state *st = user;
    if (st->failed)
        return 0;
    if (sb_config_set(st->config, section, name, value, st->err, st->err_len)) {
        st->failed = 1;
        return 0;
    }
    return 1;
}

int sb_config_load(sb_config *c, const char *path, char *err, size_t err_len)
{
    char why[512] = "";
    load_state st = {c, why, sizeof why, 0};
    int r = ini_parse(path, on_entry, &st);
    if (r == -1) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    if (r == -2) {
        snprintf(err, err_len, "%s: out of memory", path);
        return -1;
    }
    if (r > 0) {
        snprintf(err, err_len, "%s:%d: %s", path, r, st.failed ? why : "syntax error");
        return -1;
    }
    return 0;
}

int sb_config_finish(sb_config *c, char *err, size_t err_len)
{
    sb_problems problems = {0};
    if (!c->command_endpoint[0]) {
        int n = snprintf(c->command_endpoint, sizeof c->command_endpoint, "ipc://%s/command.sock",
                         c->state_dir);
        if (n < 0 || (size_t)n >= sizeof c->command_endpoint)
            sb_problems_add(&problems, "state directory path too long for an ipc endpoint");
    }
    /* Unix socket paths are limited to 107 bytes (sun_path). */
    if (strncmp(c->command_endpoint, "ipc://", 6) == 0 && strlen(c->command_endpoint) - 6 > 107)
        sb_problems_add(&problems, "ipc endpoint path %s is longer than 107 bytes",
                        c->command_endpoint + 6);
    if (c->map_max < c->map_size)
        sb_problems_add(&problems, "[daemon] map_max_mb is smaller than map_size_mb");
    sb_rubric_valid(&c->rubric, &problems);
    if (!problems.count)
        return 0;
    size_t off = 0;
    err[0] = '\0';
    for (size_t i = 0; i < problems.count && off < err_len; i++) {
        int n = snprintf(err + off, err_len - off, "%s%s", i ? "; " : "", problems.text[i]);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    return -1;
}
