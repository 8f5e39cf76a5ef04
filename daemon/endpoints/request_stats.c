#include "request_stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"

#define MAX_COMMANDS 64
#define MAX_CODES 32 /* ErrorCode values kept apart; larger ones count as the last */

typedef struct {
    const char *name;
    uint64_t by_code[MAX_CODES];
    sb_latency_hist latency;
} command_stats;

struct sb_request_stats {
    command_stats commands[MAX_COMMANDS];
    int n;
};

sb_request_stats *sb_request_stats_new(void)
{
    return calloc(1, sizeof(sb_request_stats));
}

void sb_request_stats_free(sb_request_stats **rs)
{
    if (!rs || !*rs)
        return;
    free(*rs);
    *rs = NULL;
}

static command_stats *find(sb_request_stats *rs, const char *name)
{
    for (int i = 0; i < rs->n; i++)
        if (rs->commands[i].name == name || strcmp(rs->commands[i].name, name) == 0)
            return &rs->commands[i];
    if (rs->n >= MAX_COMMANDS - 1 && strcmp(name, "other") != 0)
        return find(rs, "other");
    command_stats *c = &rs->commands[rs->n++];
    c->name = name;
    return c;
}

void sb_request_stats_observe(sb_request_stats *rs, const char *command, int code, uint64_t usec)
{
    if (!rs)
        return;
    /* Names come from the static command table, so keeping the pointer is
     * safe. */
    command_stats *c = find(rs, command ? command : "none");
    if (code < 0)
        code = -code;
    c->by_code[code < MAX_CODES ? code : MAX_CODES - 1]++;
    sb_latency_observe(&c->latency, usec);
}

void sb_request_stats_render(void *arg, sb_metrics_out *out)
{
    sb_request_stats *rs = arg;
    char labels[160];
    sb_metrics_family(out, "skillbase_requests_total", "counter",
                      "Requests answered on the command endpoint, by command and result code");
    for (int i = 0; i < rs->n; i++) {
        for (int k = 0; k < MAX_CODES; k++) {
            if (!rs->commands[i].by_code[k])
                continue;
            snprintf(labels, sizeof labels, "command=\"%s\",code=\"%s\"", rs->commands[i].name,
                     sb_error_name(k));
            sb_metrics_sample(out, "skillbase_requests_total", labels,
                              (double)rs->commands[i].by_code[k]);
        }
    }
    sb_metrics_family(out, "skillbase_request_duration_seconds", "histogram",
                      "Time from reading a request to sending its reply (including the durable "
                      "commit of its batch), by command");
    for (int i = 0; i < rs->n; i++) {
        snprintf(labels, sizeof labels, "command=\"%s\"", rs->commands[i].name);
        sb_metrics_latency(out, "skillbase_request_duration_seconds", labels,
                           &rs->commands[i].latency);
    }
}
