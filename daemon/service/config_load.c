#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bureau.h"
#include "config_table.h"
#include "deadline_config.h"
#include "sb_parse.h"
#include "security.h"

#ifndef SB_DEFAULT_STATE_DIR
#define SB_DEFAULT_STATE_DIR "var"
#endif

void sb_config_defaults(sb_config *c)
{
    char err[256];
    memset(c, 0, sizeof *c);
    snprintf(c->state_dir, sizeof c->state_dir, "%s", SB_DEFAULT_STATE_DIR);
    for (size_t i = 0; i < sb_config_n_keys; i++) {
        const sb_config_key *k = &sb_config_keys[i];
        if (k->def && k->type != SB_CONFIG_FOREIGN &&
            sb_config_key_set(k, c, k->def, err, sizeof err)) {
            /* a row whose default its own parser refuses: the table is wrong */
            sb_log(SB_LOG_ERROR, "configuration table: default of %s", err);
            abort();
        }
    }
}

int sb_config_set(sb_config *c, const char *section, const char *key, const char *value, char *err,
                  size_t err_len)
{
    const sb_config_key *k = sb_config_key_find(section, key);
    if (k) {
        if (sb_config_key_set(k, c, value, err, err_len))
            return -1;
        /* a [rubric] item maximum set: the split is no longer the EXAMPLE's */
        if (strcmp(section, "rubric") == 0 && k->type == SB_CONFIG_UINT)
            c->rubric_items_set = true;
        return 0;
    }
    bool known = false;
    for (size_t i = 0; i < sb_config_n_sections && !known; i++)
        known = strcmp(sb_config_sections[i].name, section) == 0;
    if (!known) {
        char names[512];
        size_t off = 0;
        names[0] = '\0';
        for (size_t i = 0; i < sb_config_n_sections && off < sizeof names; i++) {
            int n = snprintf(names + off, sizeof names - off, "%s%s", i ? ", " : "",
                             sb_config_sections[i].name);
            off += n > 0 ? (size_t)n : 0;
        }
        snprintf(err, err_len, "unknown section [%s] (expected %s)", section, names);
        return -1;
    }
    /* skillbase-notify's own keys, checked by workers/notify_config.c */
    if (strcmp(section, "notify") == 0)
        return 0;
    snprintf(err, err_len, "[%s] %s: unknown key", section, key);
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
    return sb_ini_load(path, on_entry, &st, why, err, err_len);
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
    if (!c->event_endpoint[0]) {
        int n = snprintf(c->event_endpoint, sizeof c->event_endpoint, "ipc://%s/events.sock",
                         c->state_dir);
        if (n < 0 || (size_t)n >= sizeof c->event_endpoint)
            sb_problems_add(&problems, "state directory path too long for an ipc endpoint");
    }
    if (strncmp(c->event_endpoint, "ipc://", 6) == 0 && strlen(c->event_endpoint) - 6 > 107)
        sb_problems_add(&problems, "[events] endpoint: ipc path %s is longer than 107 bytes",
                        c->event_endpoint + 6);
    if (strcmp(c->event_endpoint, c->command_endpoint) == 0)
        sb_problems_add(&problems, "[events] endpoint must differ from the command endpoint (%s)",
                        c->command_endpoint);
    if (!c->worker_endpoint[0]) {
        int n = snprintf(c->worker_endpoint, sizeof c->worker_endpoint, "ipc://%s/worker.sock",
                         c->state_dir);
        if (n < 0 || (size_t)n >= sizeof c->worker_endpoint)
            sb_problems_add(&problems, "state directory path too long for an ipc endpoint");
    }
    if (strncmp(c->worker_endpoint, "ipc://", 6) == 0 && strlen(c->worker_endpoint) - 6 > 107)
        sb_problems_add(&problems, "[workers] endpoint: ipc path %s is longer than 107 bytes",
                        c->worker_endpoint + 6);
    if (strcmp(c->worker_endpoint, c->command_endpoint) == 0)
        sb_problems_add(&problems, "[workers] endpoint must differ from the command endpoint (%s)",
                        c->command_endpoint);
    if (c->job_backoff_max_ms < c->job_backoff_base_ms)
        sb_problems_add(&problems, "[workers] backoff_max_ms is smaller than backoff_base_ms");
    if (c->map_max < c->map_size)
        sb_problems_add(&problems, "[daemon] map_max_mb is smaller than map_size_mb");
    sb_rubric_valid(&c->rubric, &problems);
    sb_bureau_config_finish(c, &problems);
    sb_deadline_config_finish(c, &problems);
    sb_security_config_finish(c, &problems);
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
