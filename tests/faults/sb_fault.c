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
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "fault_check.h"
#include "fault_jobs.h"
#include "fault_load.h"
#include "fault_misc.h"
#include "fault_trend.h"

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
            "                     [--expect-busy] [--max-anon-kb KB]\n"
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
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

typedef struct {
    fl_options load;
    bool check, expect_busy;
    const char *ledger, *csv, *spool_dir;
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
    fw_proc p = {0};
    if (s->pid && fw_proc_read((pid_t)s->pid, &p) == 0 && p.anon_kb > s->peak_anon_kb)
        s->peak_anon_kb = p.anon_kb;
    if (s->csv) {
        fprintf(s->csv, "%.1f,%llu,%llu,%.2f,%.2f,%.2f,%.2f,%llu,%llu,%u,%u,%llu,%llu\n", w->t_s,
                (unsigned long long)w->requests, (unsigned long long)w->count, w->p50_ms,
                w->p90_ms, w->p99_ms, w->max_ms, (unsigned long long)p.rss_kb,
                (unsigned long long)p.anon_kb, p.fds, p.threads, (unsigned long long)w->busy,
                (unsigned long long)w->retries);
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
    fprintf(stderr,
            "sb_fault: load: %u clients x %u lanes on %s%s%s, rate %s, timeout %d ms per try\n",
            a->load.clients ? a->load.clients : 1, a->load.lanes ? a->load.lanes : 1,
            a->load.endpoint, a->load.ingest ? ", with ingests" : "",
            a->load.reads_every ? ", with reads" : "", a->load.rate > 0 ? "steady" : "unpaced",
            a->load.timeout_ms ? a->load.timeout_ms : 2000);
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
        fprintf(stderr, "sb_fault: FAIL: the daemon's anonymous memory reached %llu KiB, limit %llu\n",
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
        if (fc_replay(ctx, a->load.endpoint, &r, 64, &rep) ||
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
        if (rep.problems || rep.replayed != r.n_acked || rep.audit_checked != rep.last_seq)
            bad = 1;
    }
    /* for the scripts: one line they can read */
    printf("answered %llu writes %llu events %llu retried %llu committed_before_loss %llu "
           "busy %llu\n",
           (unsigned long long)r.requests, (unsigned long long)r.writes,
           (unsigned long long)r.events, (unsigned long long)r.retried_requests,
           (unsigned long long)r.retried_replayed, (unsigned long long)r.busy);
    fl_result_free(&r);
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
    return rc || rep.problems || rep.audit_checked != rep.last_seq;
}

/* ---------------------------------------------------------------- main */

static int parse(int argc, char **argv, args *a)
{
    int opt;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case O_ENDPOINT:
            a->load.endpoint = a->churn.endpoint = a->stall.endpoint = optarg;
            break;
        case O_CLIENTS:
            a->load.clients = (unsigned)atoi(optarg);
            break;
        case O_LANES:
            a->load.lanes = (unsigned)atoi(optarg);
            break;
        case O_RATE:
            a->load.rate = atof(optarg);
            break;
        case O_SECONDS:
            a->load.seconds = atof(optarg);
            break;
        case O_STOP_FILE:
            a->load.stop_file = optarg;
            break;
        case O_INGEST:
            a->load.ingest = true;
            break;
        case O_READS_EVERY:
            a->load.reads_every = (unsigned)atoi(optarg);
            break;
        case O_TIMEOUT:
            a->load.timeout_ms = atoi(optarg);
            break;
        case O_GIVE_UP:
            a->load.give_up_ms = atoi(optarg);
            break;
        case O_RETRY_CODE:
            a->load.retry_codes |= 1u << (atoi(optarg) & 31);
            break;
        case O_CHECK:
            a->check = true;
            break;
        case O_LEDGER:
            a->ledger = optarg;
            break;
        case O_PID:
            a->pid = a->churn.pid = atol(optarg);
            break;
        case O_CSV:
            a->csv = optarg;
            break;
        case O_SAMPLE_MS:
            a->load.sample_ms = (unsigned)atoi(optarg);
            break;
        case O_EXPECT_BUSY:
            a->expect_busy = true;
            break;
        case O_MAX_ANON:
            a->max_anon_kb = strtoull(optarg, NULL, 10);
            break;
        case O_MAX_SLOPE:
            a->trend.max_anon_slope_kb_min = atof(optarg);
            break;
        case O_MAX_P99_RATIO:
            a->trend.max_p99_ratio = atof(optarg);
            break;
        case O_P99_FLOOR:
            a->trend.p99_floor_ms = atof(optarg);
            break;
        case O_CYCLES:
            a->churn.cycles = (unsigned)atoi(optarg);
            break;
        case O_MAX_FD_GROWTH:
            a->churn.max_fd_growth = atoi(optarg);
            break;
        case O_MAX_ANON_GROWTH:
            a->churn.max_anon_growth_kb = strtoull(optarg, NULL, 10);
            break;
        case O_EVENT_ENDPOINT:
            a->stall.event_endpoint = optarg;
            break;
        case O_WAKE_FILE:
            a->stall.wake_file = optarg;
            break;
        case O_READY_FILE:
            a->stall.ready_file = optarg;
            break;
        case O_WORKER_ENDPOINT:
            a->hung.endpoint = optarg;
            break;
        case O_TYPE:
            a->hung.type = optarg;
            break;
        case O_ROUNDS:
            a->hung.rounds = (unsigned)atoi(optarg);
            break;
        case O_HOLD_MS:
            a->hung.hold_ms = (unsigned)atoi(optarg);
            break;
        case O_JOBS_FILE:
            a->hung.jobs_file = optarg;
            break;
        case O_LAST_STEP:
            a->load.last_step = optarg;
            break;
        case O_APPS:
            a->load.apps = (unsigned)atoi(optarg);
            break;
        case O_SPOOL_DIR:
            a->spool_dir = optarg;
            break;
        case O_QUIET:
            a->load.quiet = true;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
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
