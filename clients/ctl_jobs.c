/* skillbasectl jobs: see and act on the job outbox (docs/cli.md, docs/jobs.md).
 *
 *   jobs [--state S] [--type T] [--limit N] [--after ID]
 *   jobs show JOB
 *   jobs retry JOB [-r TEXT]      parked -> queued, attempts start again
 *   jobs cancel JOB [-r TEXT]     queued | leased | parked -> cancelled
 */
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "pbjson.h"

#define HANGZHOU_OFFSET_S (8 * 3600)

static const char *job_state_name(int state, char *buf, size_t len)
{
    const char *s = pbjson_enum_name(&skillbase__job_state__descriptor, state, buf, len);
    return s ? s : "?";
}

/* "2026-03-01 14:05:09" in Hangzhou time; "-" for 0. */
static const char *when(uint64_t ms, char *buf, size_t len)
{
    if (!ms)
        return "-";
    time_t t = (time_t)(ms / 1000) + HANGZHOU_OFFSET_S;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

/* The job as --json prints it: the Job's fields, with the sizes of the
 * byte fields (JSON carries no bytes). NULL when out of memory. */
static json_t *job_json(const Skillbase__Job *j)
{
    json_t *doc = pbjson_from_message(&j->base);
    if (!doc)
        return NULL;
    if (j->params.len)
        json_object_set_new(doc, "params_bytes", json_integer((json_int_t)j->params.len));
    if (j->result && j->result->data.len) {
        json_t *res = json_object_get(doc, "result");
        if (res)
            json_object_set_new(res, "data_bytes", json_integer((json_int_t)j->result->data.len));
    }
    return doc;
}

static int print_json(ctl *c, json_t *doc)
{
    return ctl_print_json(doc) ? ctl_fail(c, EXIT_REFUSED, "internal", "out of memory") : EXIT_DONE;
}

static void print_job(const Skillbase__Job *j)
{
    char st[32], t[32];
    printf("id: %s\n", j->id);
    printf("type: %s\n", j->type);
    printf("state: %s\n", job_state_name(j->state, st, sizeof st));
    printf("attempt: %" PRIu32 " of %" PRIu32 "\n", j->attempt, j->max_attempts);
    if (j->entity_id[0])
        printf("entity: %s\n", j->entity_id);
    if (j->event)
        printf("event: %" PRIu64 " %s\n", j->event->seq, j->event->topic);
    if (j->params.len)
        printf("params: %zu bytes\n", j->params.len);
    printf("created: %s\n", when(j->created_ms, t, sizeof t));
    if (j->due_ms)
        printf("due: %s\n", when(j->due_ms, t, sizeof t));
    if (j->retry_at_ms)
        printf("retry_at: %s\n", when(j->retry_at_ms, t, sizeof t));
    if (j->lease_until_ms)
        printf("lease_until: %s\n", when(j->lease_until_ms, t, sizeof t));
    if (j->worker[0])
        printf("worker: %s\n", j->worker);
    if (j->last_error[0])
        printf("last_error: %s\n", j->last_error);
    if (j->result) {
        if (j->result->summary[0])
            printf("result: %s\n", j->result->summary);
        if (j->result->data.len)
            printf("result_data: %zu bytes\n", j->result->data.len);
    }
    printf("updated: %s\n", when(j->updated_ms, t, sizeof t));
    fflush(stdout);
}

static int list_jobs(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ListJobs q = SKILLBASE__LIST_JOBS__INIT;
    char st[32], t[32];
    q.state = c->job_state;
    q.type = (char *)(c->type ? c->type : "");
    q.after = (char *)(c->after ? c->after : "");
    q.limit = (uint32_t)c->limit;
    req.command_case = SKILLBASE__REQUEST__COMMAND_LIST_JOBS;
    req.list_jobs = &q;
    json_t *all = c->out.json ? json_array() : NULL;
    bool header = false;
    char *after = NULL;
    int r = EXIT_DONE;
    if (c->out.json && !all)
        return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    for (;;) {
        Skillbase__Reply *reply;
        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_JOBS, &reply);
        if (r)
            break;
        const Skillbase__JobPage *page = reply->jobs;
        for (size_t i = 0; i < page->n_jobs; i++) {
            const Skillbase__Job *j = page->jobs[i];
            if (all) {
                json_array_append_new(all, job_json(j));
                continue;
            }
            if (!header) {
                printf("%-13s %-12s %-9s %-7s %-19s %-13s %s\n", "ID", "TYPE", "STATE", "ATTEMPT",
                       "UPDATED", "ENTITY", "LAST ERROR");
                header = true;
            }
            char att[24];
            snprintf(att, sizeof att, "%" PRIu32 "/%" PRIu32, j->attempt, j->max_attempts);
            printf("%-13s %-12s %-9s %-7s %-19s %-13s %s\n", j->id, j->type,
                   job_state_name(j->state, st, sizeof st), att, when(j->updated_ms, t, sizeof t),
                   j->entity_id[0] ? j->entity_id : "-", j->last_error);
        }
        bool more = page->next && page->next[0] && !c->limit;
        free(after);
        after = more ? strdup(page->next) : NULL;
        skillbase__reply__free_unpacked(reply, NULL);
        if (!after)
            break;
        q.after = after;
    }
    free(after);
    if (all) {
        if (r == EXIT_DONE)
            r = print_json(c, all);
        else
            json_decref(all);
    }
    fflush(stdout);
    return r;
}

static int act(ctl *c, const char *what, const char *id)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__JobRef ref = SKILLBASE__JOB_REF__INIT;
    Skillbase__Reply *reply;
    ref.id = (char *)id;
    ref.reason = (char *)(c->reason ? c->reason : "");
    if (strcmp(what, "show") == 0) {
        req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW_JOB;
        req.show_job = &ref;
    } else if (strcmp(what, "retry") == 0) {
        req.command_case = SKILLBASE__REQUEST__COMMAND_RETRY_JOB;
        req.retry_job = &ref;
    } else {
        req.command_case = SKILLBASE__REQUEST__COMMAND_CANCEL_JOB;
        req.cancel_job = &ref;
    }
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_JOB, &reply);
    if (r)
        return r;
    const Skillbase__Job *j = reply->job;
    char st[32];
    if (c->out.json)
        r = print_json(c, job_json(j));
    else if (strcmp(what, "show") == 0)
        print_job(j);
    else
        printf("%s: %s (attempt %" PRIu32 " of %" PRIu32 ")\n", j->id,
               job_state_name(j->state, st, sizeof st), j->attempt, j->max_attempts);
    fflush(stdout);
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

int ctl_verb_jobs(ctl *c, const verb *v, char **args)
{
    (void)v;
    size_t n = 0;
    while (args[n])
        n++;
    if (c->state)
        return usage_fail(c, "--state: jobs are queued, leased, done, parked or cancelled");
    if (n == 0)
        return list_jobs(c);
    const char *sub = args[0];
    if (strcmp(sub, "show") != 0 && strcmp(sub, "retry") != 0 && strcmp(sub, "cancel") != 0)
        return usage_fail(c, "jobs: unknown action \"%s\" (expected show, retry or cancel)", sub);
    if (n != 2)
        return usage_fail(c, "jobs %s takes one job id: skillbasectl jobs %s JOB", sub, sub);
    return act(c, sub, args[1]);
}
