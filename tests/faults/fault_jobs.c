#include "fault_jobs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault_check.h"
#include "skillbase_client.h"

#define PAGE 1000

#define TYPES_MAX 16

typedef struct {
    char name[40];
    unsigned long long jobs, applied, events, attempts;
} per_type;

typedef struct {
    unsigned long long jobs, by_state[6], applied, events, refused, none;
    unsigned long long notices, notice_files, problems;
    per_type types[TYPES_MAX];
    int n_types;
} tally;

static per_type *type_of(tally *t, const char *name)
{
    for (int i = 0; i < t->n_types; i++)
        if (strcmp(t->types[i].name, name) == 0)
            return &t->types[i];
    if (t->n_types == TYPES_MAX)
        return &t->types[TYPES_MAX - 1];
    per_type *p = &t->types[t->n_types++];
    snprintf(p->name, sizeof p->name, "%s", name);
    return p;
}

static void problem(tally *t, const char *job, const char *what)
{
    if (t->problems++ < 20)
        fprintf(stderr, "sb_fault: PROBLEM: %s: %s\n", job, what);
}

static void check_job(const Skillbase__Job *j, fc_ids *ids, const char *spool, tally *t)
{
    char rid[96], why[256];
    uint64_t last;
    snprintf(rid, sizeof rid, "job:%s", j->id);
    uint32_t n = fc_ids_count(ids, rid, &last);
    const char *summary = j->result && j->result->summary ? j->result->summary : "";
    const char *hit = strstr(summary, " applied (event ");
    per_type *pt = type_of(t, j->type ? j->type : "?");
    t->jobs++;
    pt->jobs++;
    pt->attempts += j->attempt;
    if (j->state < 6)
        t->by_state[j->state]++;
    if (j->state != SKILLBASE__JOB_STATE__DONE) {
        snprintf(why, sizeof why, "%s job in state %d (attempt %u): %s", j->type, (int)j->state,
                 j->attempt, j->last_error ? j->last_error : "");
        problem(t, j->id, why);
    }
    if (hit) {
        /* the command's name is the word before " applied" */
        const char *w = hit;
        while (w > summary && w[-1] != ' ')
            w--;
        unsigned long long seq = strtoull(hit + 16, NULL, 10);
        /* seq 0: the command was answered OK without an event (a reminder
         * for a due date that has moved on) */
        unsigned want = !seq ? 0 : strncmp(w, "close_publicity", 15) == 0 ? 2 : 1;
        t->applied++;
        t->events += n;
        pt->applied++;
        pt->events += n;
        if (n != want || (seq && seq > last)) {
            snprintf(why, sizeof why, "%s: %u events with request id %s, expected %u (last %llu)",
                     summary, n, rid, want, (unsigned long long)last);
            problem(t, j->id, why);
        }
    } else {
        if (strstr(summary, " refused: "))
            t->refused++;
        else
            t->none++;
        if (n) {
            snprintf(why, sizeof why, "\"%s\" but %u events with request id %s", summary, n, rid);
            problem(t, j->id, why);
        }
    }
    if (spool && strcmp(j->type, "notify") == 0 && j->state == SKILLBASE__JOB_STATE__DONE &&
        strncmp(summary, "no notice", 9) != 0) {
        char path[4096];
        t->notices++;
        snprintf(path, sizeof path, "%s/%s.txt", spool, j->id);
        if (access(path, F_OK) != 0)
            problem(t, j->id, "a notice was reported sent, but its spool file is missing");
    }
}

int fault_jobs_check(const char *endpoint, const char *spool)
{
    fc_report rep = {0};
    fc_ids *ids = NULL;
    tally t = {0};
    sb_client *c = NULL;
    sb_client_options co = {.endpoint = endpoint, .timeout_ms = 20000};
    if (fc_log_read(endpoint, &ids, &rep) || sb_client_new(&co, &c)) {
        fprintf(stderr, "sb_fault: jobs-check: cannot read the log\n");
        return 1;
    }
    char after[64] = "";
    for (;;) {
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        Skillbase__ListJobs lj = SKILLBASE__LIST_JOBS__INIT;
        Skillbase__Reply *r = NULL;
        lj.after = after;
        lj.limit = PAGE;
        req.command_case = SKILLBASE__REQUEST__COMMAND_LIST_JOBS;
        req.list_jobs = &lj;
        if (sb_client_call(c, &req, &r) || r->code ||
            r->result_case != SKILLBASE__REPLY__RESULT_JOBS) {
            fprintf(stderr, "sb_fault: jobs-check: list_jobs failed\n");
            if (r)
                skillbase__reply__free_unpacked(r, NULL);
            t.problems++;
            break;
        }
        for (size_t i = 0; i < r->jobs->n_jobs; i++)
            check_job(r->jobs->jobs[i], ids, spool, &t);
        int more = r->jobs->next && *r->jobs->next;
        if (more)
            snprintf(after, sizeof after, "%s", r->jobs->next);
        skillbase__reply__free_unpacked(r, NULL);
        if (!more)
            break;
    }
    if (spool) {
        DIR *d = opendir(spool);
        struct dirent *e;
        while (d && (e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len > 4 && strcmp(e->d_name + len - 4, ".txt") == 0)
                t.notice_files++;
        }
        if (d)
            closedir(d);
        if (t.notice_files != t.notices) {
            char why[128];
            snprintf(why, sizeof why, "%llu notice files for %llu notices sent", t.notice_files,
                     t.notices);
            problem(&t, spool, why);
        }
    }
    sb_client_destroy(&c);
    fc_ids_free(&ids);
    for (int i = 0; i < t.n_types; i++)
        fprintf(stderr,
                "sb_fault: jobs-check: %-20s %5llu jobs, %5llu deliveries, %5llu commands "
                "applied, %5llu events\n",
                t.types[i].name, t.types[i].jobs, t.types[i].attempts, t.types[i].applied,
                t.types[i].events);
    fprintf(stderr,
            "sb_fault: jobs-check: %llu jobs: %llu done, %llu queued, %llu leased, %llu parked, "
            "%llu cancelled; %llu commands applied exactly once (%llu events), %llu refused "
            "harmlessly (no event), %llu without a command; %llu notices, %llu spool files; "
            "log 1..%llu without a gap; %llu problems\n",
            t.jobs, t.by_state[3], t.by_state[1], t.by_state[2], t.by_state[4], t.by_state[5],
            t.applied, t.events, t.refused, t.none, t.notices, t.notice_files,
            (unsigned long long)rep.last_seq, t.problems + rep.problems);
    return t.problems || rep.problems ? 1 : 0;
}
