#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bureau.h"
#include "activity.h"
#include "deadlines.h"
#include "documents.h"
#include "metrics.h"
#include "sb_parse.h"
#include "security.h"

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
    c->max_queue = 4096;
    c->conn_queue = 16;
    c->max_reply_bytes = 1 * MIB;
    c->conn_reply_bytes = 16 * MIB;
    c->handshake_ms = 10000;
    c->max_connections = 1024;
    c->log_mb = 8;
    c->checkpoint_ms = 500;
    c->log_level = SB_LOG_INFO;
    sb_rubric_default(&c->rubric);
    c->publicity_working_days = 5;
    c->min_experts = 3;
    sb_deadlines_config_defaults(c);
    c->job_lease_ms = 30000;
    c->job_max_attempts = 5;
    c->job_backoff_base_ms = 1000;
    c->job_backoff_max_ms = 300000;
    c->worker_heartbeat_ms = 1000;
    c->worker_liveness = 3;
    c->event_send_hwm = 10000;
    c->event_heartbeat_ms = 1000;
    c->event_max_subscriptions = 16;
    c->event_max_subscription_bytes = 4096;
    c->doc_max_bytes = 50 * MIB;
    c->doc_max_uploads = 8;
    c->doc_upload_idle_s = 600;
    sb_bureau_config_defaults(c);
    sb_activity_config_defaults(c);
}

static int copy_string(char *dst, size_t size, const char *value)
{
    if (strlen(value) >= size)
        return -1;
    memcpy(dst, value, strlen(value) + 1);
    return 0;
}

int sb_config_set(sb_config *c, const char *section, const char *key, const char *value, char *err,
                  size_t err_len)
{
    uint64_t v;
    /* the bureau's choices (bureau.c) */
    int mine = sb_bureau_config_set(c, section, key, value, err, err_len);
    if (mine <= 0)
        return mine;
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
            if (sb_parse_u64(value, 1, 16 * 1024 * 1024, &v))
                goto bad_number;
            *(strcmp(key, "map_size_mb") == 0 ? &c->map_size : &c->map_max) = (size_t)v * MIB;
            return 0;
        }
        if (strcmp(key, "max_request_kb") == 0) {
            if (sb_parse_u64(value, 1, 64 * 1024, &v))
                goto bad_number;
            c->max_request_bytes = (size_t)v * 1024;
            return 0;
        }
        if (strcmp(key, "batch_max") == 0) {
            if (sb_parse_u64(value, 1, 65536, &v))
                goto bad_number;
            c->batch_max = (uint32_t)v;
            return 0;
        }
        if (strcmp(key, "max_queue") == 0) {
            if (sb_parse_u64(value, 1, 1000000, &v))
                goto bad_number;
            c->max_queue = (uint32_t)v;
            return 0;
        }
        if (strcmp(key, "conn_queue") == 0) {
            if (sb_parse_u64(value, 1, 100000, &v))
                goto bad_number;
            c->conn_queue = (uint32_t)v;
            return 0;
        }
        if (strcmp(key, "conn_reply_kb") == 0) {
            if (sb_parse_u64(value, 64, 16 * 1024 * 1024, &v))
                goto bad_number;
            c->conn_reply_bytes = (size_t)v * 1024;
            return 0;
        }
        if (strcmp(key, "max_reply_kb") == 0) {
            if (sb_parse_u64(value, 16, 1024 * 1024, &v))
                goto bad_number;
            c->max_reply_bytes = (size_t)v * 1024;
            return 0;
        }
        if (strcmp(key, "log_level") == 0) {
            if (sb_log_parse_level(value, &c->log_level)) {
                snprintf(err, err_len,
                         "[daemon] log_level: \"%s\" is not one of error, warn, info, debug",
                         value);
                return -1;
            }
            return 0;
        }
    } else if (strcmp(section, "store") == 0) {
        if (strcmp(key, "log_mb") == 0) {
            if (sb_parse_u64(value, 0, 4096, &v))
                goto bad_number;
            c->log_mb = (uint32_t)v;
            return 0;
        }
        if (strcmp(key, "checkpoint_ms") == 0) {
            if (sb_parse_u64(value, 1, 60000, &v))
                goto bad_number;
            c->checkpoint_ms = (uint32_t)v;
            return 0;
        }
    } else if (strcmp(section, "rubric") == 0) {
        for (int i = 0; i < SB_RUBRIC_ITEMS; i++) {
            if (strcmp(key, sb_rubric_item_name(i)) == 0) {
                if (sb_parse_u64(value, 0, 100, &v))
                    goto bad_number;
                c->rubric.max[i] = (uint32_t)v;
                c->rubric_items_set = true;
                return 0;
            }
        }
    } else if (strcmp(section, "publicity") == 0) {
        if (strcmp(key, "working_days") == 0) {
            if (sb_parse_u64(value, 1, 60, &v))
                goto bad_number;
            c->publicity_working_days = (uint32_t)v;
            return 0;
        }
    } else if (strcmp(section, "review") == 0) {
        /* the bureau's choice: the policy says 专家, not how many */
        if (strcmp(key, "min_experts") == 0) {
            if (sb_parse_u64(value, 1, 20, &v))
                goto bad_number;
            c->min_experts = (uint32_t)v;
            return 0;
        }
    } else if (strcmp(section, "events") == 0) {
        if (strcmp(key, "endpoint") == 0) {
            if (copy_string(c->event_endpoint, sizeof c->event_endpoint, value))
                goto bad_path;
            return 0;
        }
        if (strcmp(key, "send_hwm") == 0) {
            if (sb_parse_u64(value, 100, 10000000, &v))
                goto bad_number;
            c->event_send_hwm = (uint32_t)v;
            return 0;
        }
        if (strcmp(key, "heartbeat_ms") == 0) {
            if (sb_parse_u64(value, 100, 60000, &v))
                goto bad_number;
            c->event_heartbeat_ms = (uint32_t)v;
            return 0;
        }
        if (strcmp(key, "max_subscriptions") == 0) {
            if (sb_parse_u64(value, 1, 1024, &v))
                goto bad_number;
            c->event_max_subscriptions = (uint32_t)v;
            return 0;
        }
        if (strcmp(key, "max_subscription_bytes") == 0) {
            if (sb_parse_u64(value, 1, 65536, &v))
                goto bad_number;
            c->event_max_subscription_bytes = (uint32_t)v;
            return 0;
        }
    } else if (strcmp(section, "workers") == 0) {
        if (strcmp(key, "endpoint") == 0) {
            if (copy_string(c->worker_endpoint, sizeof c->worker_endpoint, value))
                goto bad_path;
            return 0;
        }
        static const struct {
            const char *key;
            size_t off;
            uint64_t min, max;
        } nums[] = {
            {"lease_ms", offsetof(sb_config, job_lease_ms), 100, 86400000},
            {"max_attempts", offsetof(sb_config, job_max_attempts), 1, 1000},
            {"backoff_base_ms", offsetof(sb_config, job_backoff_base_ms), 1, 86400000},
            {"backoff_max_ms", offsetof(sb_config, job_backoff_max_ms), 1, 86400000},
            {"heartbeat_ms", offsetof(sb_config, worker_heartbeat_ms), 50, 60000},
            {"liveness", offsetof(sb_config, worker_liveness), 2, 100},
        };
        for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
            if (strcmp(key, nums[i].key) == 0) {
                if (sb_parse_u64(value, nums[i].min, nums[i].max, &v))
                    goto bad_number;
                *(uint32_t *)((char *)c + nums[i].off) = (uint32_t)v;
                return 0;
            }
        }
    } else if (strcmp(section, "deadlines") == 0) {
        if (strcmp(key, "calendar") == 0) {
            if (!*value || copy_string(c->calendar, sizeof c->calendar, value))
                goto bad_path;
            return 0;
        }
        if (strcmp(key, "remind_days") == 0)
            return sb_deadlines_parse_remind_days(value, c->remind_days, &c->n_remind_days, err,
                                                  err_len);
    } else if (strcmp(section, "metrics") == 0) {
        if (strcmp(key, "listen") == 0) {
            char why[200];
            if (*value && sb_metrics_listen_check(value, why, sizeof why)) {
                snprintf(err, err_len, "[metrics] listen: %s", why);
                return -1;
            }
            if (copy_string(c->metrics_listen, sizeof c->metrics_listen, value))
                goto bad_path;
            return 0;
        }
    } else if (strcmp(section, "notify") == 0) {
        return 0; /* skillbase-notify's own keys, checked by workers/notify_config.c */
    } else if (strcmp(section, "security") == 0 || strcmp(section, "four_eyes") == 0) {
        return sb_security_config_set(c, section, key, value, err, err_len);
    } else if (strcmp(section, "documents") == 0) {
        return sb_docs_config_set(c, key, value, err, err_len);
    } else if (strcmp(section, "subsidy") == 0) {
        /* the rules file: skillbase-subsidy computes with it, the daemon
         * checks every statement's rates and cap against it */
        if (strcmp(key, "rules") == 0) {
            if (!*value || copy_string(c->subsidy_rules, sizeof c->subsidy_rules, value))
                goto bad_path;
            return 0;
        }
        /* the bureau's choice: may a statement at EXAMPLE rates be approved */
        if (strcmp(key, "approve_with_example_rates") == 0) {
            if (strcmp(value, "refuse") && strcmp(value, "allow")) {
                snprintf(err, err_len,
                         "[subsidy] approve_with_example_rates: \"%s\" is not refuse or allow",
                         value);
                return -1;
            }
            c->subsidy_refuse_example = strcmp(value, "refuse") == 0;
            return 0;
        }
    } else if (strcmp(section, "activity") == 0) {
        return sb_activity_config_set(c, key, value, err, err_len);
    } else {
        snprintf(err, err_len,
                 "unknown section [%s] (expected daemon, rubric, publicity, review, events, "
                 "workers, deadlines, metrics, notify, subsidy, security, four_eyes, documents, "
                 "applications, certificate, activity)",
                 section);
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
    sb_deadlines_config_finish(c, &problems);
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
