/* test_worker: a worker for the end-to-end tests of the job protocol, built
 * on the real runtime (workers/sb_worker.h). Test-only; never installed.
 *
 * Takes jobs of the given types (--type, repeatable; default "notify") and,
 * for each, appends one line "JOB-ID ATTEMPT start MS" to --log FILE (MS:
 * real time in milliseconds), then
 * behaves as its flags say:
 *   --fail N        fail (retryable) while the attempt is <= N
 *   --fatal         fail, not retryable
 *   --sleep MS      take MS milliseconds first (a slow handler)
 *   --hang          never return (until the process is killed)
 *   --command CMD   finish with a command for the daemon on the job's
 *                   entity: "withdraw" or "close_publicity"
 * and then appends "JOB-ID ATTEMPT done|retry|fail MS". Plus the standard
 * worker options (--endpoint, --name, --log-level, ...).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sb_worker.h"

enum {
    OPT_TYPE = 1000,
    OPT_FAIL,
    OPT_FATAL,
    OPT_SLEEP,
    OPT_HANG,
    OPT_COMMAND,
    OPT_LOG,
    OPT_CAPACITY
};

typedef struct {
    const char *types[9];
    int n_types;
    unsigned fail_until;
    int fatal, hang;
    unsigned sleep_ms;
    const char *command;
    const char *log;
    unsigned capacity;
} test_opts;

static int on_option(int val, const char *arg, void *p)
{
    test_opts *o = p;
    switch (val) {
    case OPT_TYPE:
        if (o->n_types == 8) {
            fprintf(stderr, "test_worker: at most 8 --type\n");
            return -1;
        }
        o->types[o->n_types++] = arg;
        return 0;
    case OPT_FAIL:
        o->fail_until = (unsigned)strtoul(arg, NULL, 10);
        return 0;
    case OPT_FATAL:
        o->fatal = 1;
        return 0;
    case OPT_SLEEP:
        o->sleep_ms = (unsigned)strtoul(arg, NULL, 10);
        return 0;
    case OPT_HANG:
        o->hang = 1;
        return 0;
    case OPT_COMMAND:
        if (strcmp(arg, "withdraw") && strcmp(arg, "close_publicity")) {
            fprintf(stderr, "test_worker: --command withdraw|close_publicity\n");
            return -1;
        }
        o->command = arg;
        return 0;
    case OPT_LOG:
        o->log = arg;
        return 0;
    case OPT_CAPACITY:
        o->capacity = (unsigned)strtoul(arg, NULL, 10);
        return 0;
    }
    return -1;
}

static void note(const test_opts *o, const Skillbase__Job *job, const char *what)
{
    if (!o->log)
        return;
    FILE *f = fopen(o->log, "a");
    if (!f)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(f, "%s %u %s %lld\n", job->id, job->attempt, what,
            (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    fclose(f);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static sb_job_outcome handle(const Skillbase__Job *job, Skillbase__JobResult *result, char *error,
                             size_t error_len, void *arg)
{
    const test_opts *o = arg;
    note(o, job, "start");
    if (o->sleep_ms)
        sleep_ms(o->sleep_ms);
    while (o->hang)
        pause();
    if (o->fatal) {
        snprintf(error, error_len, "test worker: told to fail for good");
        note(o, job, "fail");
        return SB_JOB_FAIL;
    }
    if (job->attempt <= o->fail_until) {
        snprintf(error, error_len, "test worker: failing attempt %u of the first %u", job->attempt,
                 o->fail_until);
        note(o, job, "retry");
        return SB_JOB_RETRY;
    }
    sb_arena *a = sb_worker_arena();
    result->summary = sb_arena_printf(a, "handled %s for %s", job->type, job->entity_id);
    if (o->command) {
        Skillbase__Request *req = sb_arena_alloc(a, sizeof *req);
        Skillbase__Transition *t = sb_arena_alloc(a, sizeof *t);
        skillbase__request__init(req);
        skillbase__transition__init(t);
        t->id = job->entity_id;
        t->reason = (char *)"test worker";
        if (strcmp(o->command, "withdraw") == 0) {
            req->command_case = SKILLBASE__REQUEST__COMMAND_WITHDRAW;
            req->withdraw = t;
        } else {
            req->command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
            req->close_publicity = t;
        }
        result->command = req;
    }
    note(o, job, "done");
    return SB_JOB_DONE;
}

int main(int argc, char **argv)
{
#define CALL(name, arg, id, help)                                                                  \
    {                                                                                              \
        name, arg, SB_WORKER_FLAG_CALL, 0, false, id, help                                         \
    }
    static const sb_worker_flag own[] = {
        CALL("type", "T", OPT_TYPE, "take jobs of type T (repeatable; default notify)"),
        CALL("fail", "N", OPT_FAIL, "fail (retryable) while the attempt is <= N"),
        CALL("fatal", NULL, OPT_FATAL, "fail, not retryable"),
        CALL("sleep", "MS", OPT_SLEEP, "take MS milliseconds first"),
        CALL("hang", NULL, OPT_HANG, "never return"),
        CALL("command", "CMD", OPT_COMMAND, "finish with withdraw or close_publicity"),
        CALL("log", "FILE", OPT_LOG, "append a line per start and end of a job"),
        CALL("capacity", "N", OPT_CAPACITY, "jobs at once"),
        {NULL, NULL, 0, 0, false, 0, NULL},
    };
    test_opts o = {0};
    sb_worker_cli_spec spec = {
        .program = "test_worker",
        .summary = "A worker for the job protocol's end-to-end tests.",
        .flags = own,
        .flags_title = "test_worker options:",
        .on_option = on_option,
        .arg = &o,
    };
    sb_worker_cli cli;
    int rc = sb_worker_cli_parse(&spec, argc, argv, &cli);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!o.n_types)
        o.types[o.n_types++] = "notify";
    return sb_worker_cli_run(&cli, (sb_worker_options){.types = o.types,
                                                       .capacity = o.capacity,
                                                       .handler = handle,
                                                       .arg = &o,
                                                       .shutdown_grace_ms = 3000});
}
