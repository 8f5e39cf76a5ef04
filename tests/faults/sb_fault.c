/* sb_fault: load and checks for the fault suite (tests/faults/test_*.sh,
 * docs/faults.md). Test-only; never installed.
 *
 *   sb_fault load   clients walking applications through their life, with
 *                   Lazy Pirate retries of the same bytes; optionally a
 *                   steady rate, latency and the daemon's memory sampled
 *                   into a CSV, and the checks of fault_check.h after it
 *   sb_fault check  only the log checks (numbering, ledger, audit chain)
 *   sb_fault jobs-check  every job done, its effect applied once (fault_jobs.h)
 *   sb_fault trend  judge a soak CSV: memory growth and p99 drift
 *   sb_fault churn, stall-sub, hung-worker   see fault_misc.h
 *
 * Every subcommand prints what it did and what it found, and exits 0 when
 * everything checked held, 1 when something did not, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zmq.h>

#include "fault_check.h"
#include "fault_jobs.h"
#include "fault_load.h"
#include "fault_misc.h"
#include "fault_trend.h"
#include "sb_drive.h"

static void on_signal(int sig)
{
    (void)sig;
    fl_stop = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sb_fault load --endpoint EP [--clients N] [--lanes N] [--rate R]\n"
            "                     [--seconds S | --stop-file F] [--ingest] [--reads-every N]\n"
            "                     [--timeout-ms MS] [--give-up-ms MS] [--retry-code CODE]...\n"
            "                     [--last-step STEP] [--apps N] [--quiet]\n"
            "                     [--check] [--ledger FILE] [--pid PID --csv FILE --sample-ms MS]\n"
            "                     [--expect-busy] [--max-anon-kb KB] [--mark-file F]\n"
            "       sb_fault check --endpoint EP [--ledger FILE]\n"
            "       sb_fault jobs-check --endpoint EP [--spool-dir DIR]\n"
            "       sb_fault trend --csv FILE [--max-anon-slope KB_PER_MIN] [--max-p99-ratio F]\n"
            "                      [--p99-floor-ms MS]\n"
            "       sb_fault churn --endpoint EP --pid PID [--cycles N] [--max-fd-growth N]\n"
            "                      [--max-anon-growth-kb KB]\n"
            "       sb_fault stall-sub --endpoint EP --event-endpoint EP --wake-file F\n"
            "                          [--ready-file F]\n"
            "       sb_fault hung-worker --worker-endpoint EP [--type T] [--rounds N]\n"
            "                            [--hold-ms MS] [--jobs-file F]\n");
}

enum {
    O_ENDPOINT = 1000,
    O_CLIENTS,
    O_LANES,
    O_RATE,
    O_SECONDS,
    O_STOP_FILE,
    O_INGEST,
    O_READS_EVERY,
    O_TIMEOUT,
    O_GIVE_UP,
    O_RETRY_CODE,
    O_CHECK,
    O_LEDGER,
    O_PID,
    O_CSV,
    O_SAMPLE_MS,
    O_EXPECT_BUSY,
    O_MAX_ANON,
    O_MAX_SLOPE,
    O_MAX_P99_RATIO,
    O_P99_FLOOR,
    O_CYCLES,
    O_MAX_FD_GROWTH,
    O_MAX_ANON_GROWTH,
    O_EVENT_ENDPOINT,
    O_WAKE_FILE,
    O_READY_FILE,
    O_WORKER_ENDPOINT,
    O_TYPE,
    O_ROUNDS,
    O_HOLD_MS,
    O_JOBS_FILE,
    O_LAST_STEP,
    O_APPS,
    O_SPOOL_DIR,
    O_QUIET,
    O_MARK_FILE,
};

static const struct option options[] = {
    {"endpoint", required_argument, NULL, O_ENDPOINT},
    {"clients", required_argument, NULL, O_CLIENTS},
    {"lanes", required_argument, NULL, O_LANES},
    {"rate", required_argument, NULL, O_RATE},
    {"seconds", required_argument, NULL, O_SECONDS},
    {"stop-file", required_argument, NULL, O_STOP_FILE},
    {"ingest", no_argument, NULL, O_INGEST},
    {"reads-every", required_argument, NULL, O_READS_EVERY},
    {"timeout-ms", required_argument, NULL, O_TIMEOUT},
    {"give-up-ms", required_argument, NULL, O_GIVE_UP},
    {"retry-code", required_argument, NULL, O_RETRY_CODE},
    {"check", no_argument, NULL, O_CHECK},
    {"ledger", required_argument, NULL, O_LEDGER},
    {"pid", required_argument, NULL, O_PID},
    {"csv", required_argument, NULL, O_CSV},
    {"sample-ms", required_argument, NULL, O_SAMPLE_MS},
    {"expect-busy", no_argument, NULL, O_EXPECT_BUSY},
    {"max-anon-kb", required_argument, NULL, O_MAX_ANON},
    {"max-anon-slope", required_argument, NULL, O_MAX_SLOPE},
    {"max-p99-ratio", required_argument, NULL, O_MAX_P99_RATIO},
    {"p99-floor-ms", required_argument, NULL, O_P99_FLOOR},
    {"cycles", required_argument, NULL, O_CYCLES},
    {"max-fd-growth", required_argument, NULL, O_MAX_FD_GROWTH},
    {"max-anon-growth-kb", required_argument, NULL, O_MAX_ANON_GROWTH},
    {"event-endpoint", required_argument, NULL, O_EVENT_ENDPOINT},
    {"wake-file", required_argument, NULL, O_WAKE_FILE},
    {"ready-file", required_argument, NULL, O_READY_FILE},
    {"worker-endpoint", required_argument, NULL, O_WORKER_ENDPOINT},
    {"type", required_argument, NULL, O_TYPE},
    {"rounds", required_argument, NULL, O_ROUNDS},
    {"hold-ms", required_argument, NULL, O_HOLD_MS},
    {"jobs-file", required_argument, NULL, O_JOBS_FILE},
    {"last-step", required_argument, NULL, O_LAST_STEP},
    {"apps", required_argument, NULL, O_APPS},
    {"spool-dir", required_argument, NULL, O_SPOOL_DIR},
    {"quiet", no_argument, NULL, O_QUIET},
    {"mark-file", required_argument, NULL, O_MARK_FILE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    fl_options load;
    bool check, expect_busy;
    const char *ledger, *csv, *spool_dir;
    const char *mark_file; /* the power-loss shim's counter (docs/powerloss.md) */
    long pid;
    uint64_t max_anon_kb;
    fault_trend_limits trend;
    fault_churn_options churn;
    fault_stall_options stall;
    fault_hung_options hung;
} args;

/* ---------------------------------------------------------------- load */

typedef struct {
    FILE *csv;
    long pid;
    uint64_t peak_anon_kb;
} sampler;

static void on_sample(void *arg, const fl_window *w)
{
    sampler *s = arg;
    sb_drive_proc p = {0};
    if (s->pid && sb_drive_proc_read((pid_t)s->pid, &p) == 0 && p.anon_kb > s->peak_anon_kb)
        s->peak_anon_kb = p.anon_kb;
    if (s->csv) {
        fprintf(s->csv, "%.1f,%llu,%llu,%.2f,%.2f,%.2f,%.2f,%llu,%llu,%u,%u,%llu,%llu\n", w->t_s,
                (unsigned long long)w->requests, (unsigned long long)w->count, w->p50_ms, w->p90_ms,
                w->p99_ms, w->max_ms, (unsigned long long)p.rss_kb, (unsigned long long)p.anon_kb,
                p.fds, p.threads, (unsigned long long)w->busy, (unsigned long long)w->retries);
        fflush(s->csv);
    }
}

static int cmd_load(void *ctx, args *a)
{
    sampler smp = {.pid = a->pid};
    fl_result r;
    int bad = 0;
    if (a->csv) {
        smp.csv = fopen(a->csv, "w");
        if (!smp.csv) {
            fprintf(stderr, "sb_fault: %s: %s\n", a->csv, strerror(errno));
            return 1;
        }
        fprintf(smp.csv, "t_s,requests,window,p50_ms,p90_ms,p99_ms,max_ms,rss_kb,anon_kb,fds,"
                         "threads,busy,retries\n");
    }
    if (a->pid || a->csv) {
        a->load.sample = on_sample;
        a->load.sample_arg = &smp;
        if (!a->load.sample_ms)
            a->load.sample_ms = 1000;
    }
    a->load.keep_writes = a->check;
    void *mark = NULL;
    if (a->mark_file) {
        int fd = open(a->mark_file, O_RDONLY | O_CLOEXEC);
        mark = fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
        if (mark == MAP_FAILED) {
            fprintf(stderr, "sb_fault: --mark-file %s: %s\n", a->mark_file, strerror(errno));
            if (fd >= 0)
                close(fd);
            if (smp.csv)
                fclose(smp.csv);
            return 1;
        }
        close(fd);
        a->load.mark = mark;
    }
    fprintf(
        stderr, "sb_fault: load: %u clients x %u lanes on %s%s%s, rate %s, timeout %d ms per try\n",
        a->load.clients ? a->load.clients : 1, a->load.lanes ? a->load.lanes : 1, a->load.endpoint,
        a->load.ingest ? ", with ingests" : "", a->load.reads_every ? ", with reads" : "",
        a->load.rate > 0 ? "steady" : "unpaced", a->load.timeout_ms ? a->load.timeout_ms : 2000);
    int rc = fl_run(ctx, &a->load, &r);
    fl_result_print("load", &r);
    if (smp.csv)
        fclose(smp.csv);
    if (rc)
        bad = 1;
    if (a->pid)
        fprintf(stderr, "sb_fault: daemon's anonymous memory peaked at %llu KiB while sampled\n",
                (unsigned long long)smp.peak_anon_kb);
    if (a->max_anon_kb && smp.peak_anon_kb > a->max_anon_kb) {
        fprintf(stderr,
                "sb_fault: FAIL: the daemon's anonymous memory reached %llu KiB, limit %llu\n",
                (unsigned long long)smp.peak_anon_kb, (unsigned long long)a->max_anon_kb);
        bad = 1;
    }
    if (r.busy_hint_missing) {
        fprintf(stderr, "sb_fault: FAIL: %llu busy answers lacked retry_after_ms or a message\n",
                (unsigned long long)r.busy_hint_missing);
        bad = 1;
    }
    if (a->expect_busy && !r.busy) {
        fprintf(stderr, "sb_fault: FAIL: no request was answered busy\n");
        bad = 1;
    }
    for (int c = 0; c < 16; c++)
        if (r.retried_codes[c])
            fprintf(stderr, "sb_fault: %llu answers with code %d were resent after a pause\n",
                    (unsigned long long)r.retried_codes[c], c);
    if (a->check && !rc) {
        fc_report rep = {0};
        if (fc_replay(ctx, a->load.endpoint, &r, FC_REPLAY_WINDOW, &rep) ||
            (a->ledger && fc_ledger_append(a->ledger, &r)) ||
            fc_log_check(a->load.endpoint, a->ledger, &rep))
            bad = 1;
        fprintf(stderr,
                "sb_fault: checked: %llu acknowledged writes replayed (%llu of them retried "
                "after a timeout) with their first answer; log 1..%llu read (%llu events), "
                "%llu ledger writes each present exactly once, %llu hash-chain links verified; "
                "%llu problems\n",
                (unsigned long long)rep.replayed, (unsigned long long)rep.retried,
                (unsigned long long)rep.last_seq, (unsigned long long)rep.events,
                (unsigned long long)rep.ledger, (unsigned long long)rep.audit_checked,
                (unsigned long long)rep.problems);
        /* the chain is verified to its end when checked: with workers running
         * it may have grown past the last event read, never fallen short */
        if (rep.problems || rep.replayed != r.n_acked || rep.audit_checked < rep.last_seq)
            bad = 1;
    }
    /* for the scripts: one line they can read */
    printf("answered %llu writes %llu events %llu retried %llu committed_before_loss %llu "
           "busy %llu\n",
           (unsigned long long)r.requests, (unsigned long long)r.writes,
           (unsigned long long)r.events, (unsigned long long)r.retried_requests,
           (unsigned long long)r.retried_replayed, (unsigned long long)r.busy);
    fl_result_free(&r);
    if (mark)
        munmap(mark, 4096);
    return bad;
}

static int cmd_check(args *a)
{
    fc_report rep = {0};
    int rc = fc_log_check(a->load.endpoint, a->ledger, &rep);
    fprintf(stderr,
            "sb_fault: check: log 1..%llu (%llu events) without gap or duplicate; %llu ledger "
            "writes each present exactly once; %llu hash-chain links verified; %llu problems\n",
            (unsigned long long)rep.last_seq, (unsigned long long)rep.events,
            (unsigned long long)rep.ledger, (unsigned long long)rep.audit_checked,
            (unsigned long long)rep.problems);
    return rc || rep.problems || rep.audit_checked < rep.last_seq;
}

/* ---------------------------------------------------------------- main */

/* What each flag sets: a field of args, read as its type within a range. */
typedef enum { T_TEXT, T_SET, T_UNSIGNED, T_INT, T_LONG, T_U64, T_DOUBLE } flag_type;

typedef struct {
    int opt;
    flag_type type;
    size_t off;        /* in args */
    uint64_t min, max; /* the numeric types */
    const char *unit;  /* T_DOUBLE: named when a value is refused */
} flag_rule;

#define RULE(o, t, field)                                                                          \
    {                                                                                              \
        o, t, offsetof(args, field), 0, 0, NULL                                                    \
    }
#define NUMBER(o, t, field, lo, hi)                                                                \
    {                                                                                              \
        o, t, offsetof(args, field), lo, hi, NULL                                                  \
    }
#define DECIMAL(o, field, hi, unit)                                                                \
    {                                                                                              \
        o, T_DOUBLE, offsetof(args, field), 0, hi, unit                                            \
    }
#define HOUR_MS 3600000u

/* 0 where the headers give it a meaning (a default, "none", "no limit"). */
static const flag_rule rules[] = {
    RULE(O_ENDPOINT, T_TEXT, load.endpoint),
    NUMBER(O_CLIENTS, T_UNSIGNED, load.clients, 0, 4000),
    NUMBER(O_LANES, T_UNSIGNED, load.lanes, 0, 1024),
    DECIMAL(O_RATE, load.rate, 1000000, "requests per second"),
    DECIMAL(O_SECONDS, load.seconds, 100000000, "seconds"),
    RULE(O_STOP_FILE, T_TEXT, load.stop_file),
    RULE(O_INGEST, T_SET, load.ingest),
    NUMBER(O_READS_EVERY, T_UNSIGNED, load.reads_every, 0, 1000000),
    NUMBER(O_TIMEOUT, T_INT, load.timeout_ms, 0, 24 * HOUR_MS),
    NUMBER(O_GIVE_UP, T_INT, load.give_up_ms, 0, 24 * HOUR_MS),
    RULE(O_CHECK, T_SET, check),
    RULE(O_LEDGER, T_TEXT, ledger),
    RULE(O_MARK_FILE, T_TEXT, mark_file),
    NUMBER(O_PID, T_LONG, pid, 1, INT32_MAX),
    RULE(O_CSV, T_TEXT, csv),
    NUMBER(O_SAMPLE_MS, T_UNSIGNED, load.sample_ms, 0, HOUR_MS),
    RULE(O_EXPECT_BUSY, T_SET, expect_busy),
    NUMBER(O_MAX_ANON, T_U64, max_anon_kb, 0, UINT64_MAX),
    DECIMAL(O_MAX_SLOPE, trend.max_anon_slope_kb_min, 1000000000, "KiB per minute"),
    DECIMAL(O_MAX_P99_RATIO, trend.max_p99_ratio, 1000000, NULL),
    DECIMAL(O_P99_FLOOR, trend.p99_floor_ms, 1000000, "milliseconds"),
    NUMBER(O_CYCLES, T_UNSIGNED, churn.cycles, 0, 100000000),
    NUMBER(O_MAX_FD_GROWTH, T_INT, churn.max_fd_growth, 0, 1000000),
    NUMBER(O_MAX_ANON_GROWTH, T_U64, churn.max_anon_growth_kb, 0, UINT64_MAX),
    RULE(O_EVENT_ENDPOINT, T_TEXT, stall.event_endpoint),
    RULE(O_WAKE_FILE, T_TEXT, stall.wake_file),
    RULE(O_READY_FILE, T_TEXT, stall.ready_file),
    RULE(O_WORKER_ENDPOINT, T_TEXT, hung.endpoint),
    RULE(O_TYPE, T_TEXT, hung.type),
    NUMBER(O_ROUNDS, T_UNSIGNED, hung.rounds, 0, 1000000),
    NUMBER(O_HOLD_MS, T_UNSIGNED, hung.hold_ms, 0, 24 * HOUR_MS),
    RULE(O_JOBS_FILE, T_TEXT, hung.jobs_file),
    RULE(O_LAST_STEP, T_TEXT, load.last_step),
    NUMBER(O_APPS, T_UNSIGNED, load.apps, 0, 1000000000),
    RULE(O_SPOOL_DIR, T_TEXT, spool_dir),
    RULE(O_QUIET, T_SET, load.quiet),
};

/* Apply flag `opt` with its argument. Returns 0, or -1 after saying why. */
static int take(args *a, int opt, const char *arg)
{
    char flag[48] = "--?";
    uint64_t v;
    for (const struct option *o = options; o->name; o++)
        if (o->val == opt)
            snprintf(flag, sizeof flag, "--%s", o->name);
    if (opt == O_RETRY_CODE) { /* repeatable: one bit per code */
        if (sb_drive_flag_u64(flag, arg, 1, 31, &v))
            return -1;
        a->load.retry_codes |= 1u << v;
        return 0;
    }
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const flag_rule *r = &rules[i];
        char *field = (char *)a + r->off;
        if (r->opt != opt)
            continue;
        if (r->type == T_TEXT) {
            *(const char **)field = arg;
        } else if (r->type == T_SET) {
            *(bool *)field = true;
        } else if (r->type == T_DOUBLE) {
            if (sb_drive_flag_number(flag, arg, (double)r->min, (double)r->max, r->unit,
                                     (double *)field))
                return -1;
        } else {
            if (sb_drive_flag_u64(flag, arg, r->min, r->max, &v))
                return -1;
            if (r->type == T_UNSIGNED)
                *(unsigned *)field = (unsigned)v;
            else if (r->type == T_INT)
                *(int *)field = (int)v;
            else if (r->type == T_LONG)
                *(long *)field = (long)v;
            else
                *(uint64_t *)field = v;
        }
        return 0;
    }
    usage(stderr);
    return -1;
}

static int parse(int argc, char **argv, args *a)
{
    int opt;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            exit(0);
        }
        if (take(a, opt, optarg))
            return -1;
    }
    /* the daemon's endpoint and pid serve every subcommand that takes them */
    a->churn.endpoint = a->stall.endpoint = a->load.endpoint;
    a->churn.pid = a->pid;
    return 0;
}

int main(int argc, char **argv)
{
    args a = {0};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (parse(argc - 1, argv + 1, &a))
        return 2;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(cmd, "trend"))
        return fault_trend_judge(a.csv, &a.trend);
    if (!strcmp(cmd, "hung-worker")) {
        if (!a.hung.endpoint) {
            usage(stderr);
            return 2;
        }
        return fault_hung_worker(&a.hung);
    }
    if (!a.load.endpoint) {
        fprintf(stderr, "sb_fault: %s needs --endpoint\n", cmd);
        return 2;
    }
    if (!strcmp(cmd, "check"))
        return cmd_check(&a);
    if (!strcmp(cmd, "jobs-check"))
        return fault_jobs_check(a.load.endpoint, a.spool_dir);
    if (!strcmp(cmd, "churn"))
        return fault_churn(&a.churn);
    if (!strcmp(cmd, "stall-sub"))
        return fault_stall_sub(&a.stall);
    if (strcmp(cmd, "load")) {
        usage(stderr);
        return 2;
    }
    void *ctx = zmq_ctx_new();
    if (!ctx)
        return 1;
    int max_sockets = 4096;
    zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, max_sockets);
    int rc = cmd_load(ctx, &a);
    zmq_ctx_term(ctx);
    return rc;
}
