/* skillbase-bench: drive skillbased through its real protocol and report
 * durable transitions per second, latency percentiles per command, the
 * daemon's commit batches, CPU and memory, next to this machine's floor
 * (an LMDB commit, a ZeroMQ round trip), so figures compare across
 * machines. docs/benchmark.md describes the method and every figure. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_curve.h"
#include "bench_daemon.h"
#include "bench_floor.h"
#include "bench_load.h"
#include "bench_options.h"
#include "bench_proto.h"
#include "bench_report.h"
#include "bench_stats.h"
#include "sb_clock.h"
#include "sb_drive.h"

#define STATUS_TIMEOUT_MS 30000
#define READY_TIMEOUT_S 60

typedef struct {
    bench_options o;
    /* state */
    char work[4096];
    char state_dir[4200];
    char ep[4300];
    char log_path[4200];
    char config[4300]; /* tcp: the daemon's --config with its keys (bench_curve.h) */
    pid_t pid;
    void *zctx;
    void *status_sock;
    _Atomic uint64_t ccode_next;
    char nonce[17];
    /* the daemon's test clock (bench_load.h): its file and its time */
    char clock_file[4300];
    const char *clock_path;
    uint64_t clock_ms;
    /* sampling while clients run */
    uint64_t heap_max_kb;
    uint64_t preload_t0;
    uint64_t last_progress;
    int preloading;
} bench;

/* ------------------------------------------------------------ set-up */

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) ? -1 : 0;
}

static void random_nonce(bench *b)
{
    uint64_t x = sb_drive_random64();
    snprintf(b->nonce, sizeof b->nonce, "%016llx", (unsigned long long)x);
    /* Start the credit codes somewhere random in the first half of the
     * space, so that runs against one daemon rarely meet each other's. */
    atomic_store(&b->ccode_next, x % (sb_drive_ccode_space(BENCH_CCODE_PREFIX) / 2));
}

static int make_work_dir(bench *b)
{
    const char *base = b->o.dir;
    if (!base || !*base)
        base = getenv("TMPDIR");
    if (!base || !*base)
        base = P_tmpdir;
    snprintf(b->work, sizeof b->work, "%s/sbbench.XXXXXX", base);
    if (!mkdtemp(b->work)) {
        fprintf(stderr, "skillbase-bench: cannot make a directory in %s: %s\n", base,
                strerror(errno));
        b->work[0] = '\0'; /* nothing to remove */
        return -1;
    }
    snprintf(b->state_dir, sizeof b->state_dir, "%s/state", b->work);
    snprintf(b->log_path, sizeof b->log_path, "%s/daemon.log", b->work);
    return 0;
}

/* Pick the endpoint of the daemon we start. */
static int choose_endpoint(bench *b)
{
    if (strcmp(b->o.transport, "ipc") == 0) {
        snprintf(b->ep, sizeof b->ep, "ipc://%s/command.sock", b->state_dir);
        if (strlen(b->ep) - 6 >= 108) {
            fprintf(stderr, "skillbase-bench: %s is too long for a Unix socket; use --dir\n",
                    b->ep);
            return -1;
        }
        return 0;
    }
    /* a free loopback port: bind a throwaway socket to port 0 */
    void *s = zmq_socket(b->zctx, ZMQ_ROUTER);
    char last[256];
    size_t len = sizeof last;
    int linger = 0;
    if (!s)
        return -1;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    int rc = zmq_bind(s, "tcp://127.0.0.1:*") || zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, last, &len);
    zmq_close(s);
    if (rc) {
        fprintf(stderr, "skillbase-bench: no free tcp port: %s\n", zmq_strerror(errno));
        return -1;
    }
    snprintf(b->ep, sizeof b->ep, "%s", last);
    return 0;
}

static void show_log_tail(const bench *b)
{
    FILE *f = fopen(b->log_path, "r");
    char line[512];
    if (!f)
        return;
    fprintf(stderr, "skillbase-bench: the daemon's log (%s):\n", b->log_path);
    while (fgets(line, sizeof line, f))
        fprintf(stderr, "  %s", line);
    fclose(f);
}

static int start_daemon(bench *b, bench_report *rep)
{
    bench_status st = {0};
    b->pid = bench_daemon_start(b->o.daemon_path, b->state_dir, b->ep, b->log_path,
                                b->config[0] ? b->config : NULL);
    if (b->pid < 0)
        return -1;
    double ms;
    if (bench_daemon_wait_ready(b->zctx, b->ep, b->pid, READY_TIMEOUT_S, &ms)) {
        show_log_tail(b);
        return -1;
    }
    if (b->status_sock)
        bench_status_get(b->status_sock, STATUS_TIMEOUT_MS, &st);
    rep->have_startup = 1;
    rep->startup_ms = ms;
    rep->startup_records = st.records;
    return 0;
}

/* ------------------------------------------------------------ runs */

static void on_tick(void *arg, uint64_t records)
{
    bench *b = arg;
    sb_drive_proc p;
    if (b->pid > 0 && sb_drive_proc_read(b->pid, &p) == 0 && p.anon_kb > b->heap_max_kb)
        b->heap_max_kb = p.anon_kb;
    if (b->preloading) {
        uint64_t now = bench_now_ns();
        if (now - b->last_progress >= 1000000000u) {
            b->last_progress = now;
            double s = (double)(now - b->preload_t0) / 1e9;
            fprintf(stderr, "\rskillbase-bench: preload %llu / %llu records (%.0f records/s)   ",
                    (unsigned long long)records, (unsigned long long)b->o.records,
                    s > 0 ? (double)records / s : 0);
        }
    }
}

static int preload(bench *b, bench_report *rep)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s-pre", b->nonce);
    bench_load_options o = {
        .endpoint = b->ep,
        .clients = b->o.preload_clients,
        .threads = b->o.threads,
        .preload_records = b->o.records,
        .ccode_next = &b->ccode_next,
        .clock_path = b->clock_path,
        .clock_ms = &b->clock_ms,
        .key_prefix = prefix,
        .random_keys = b->o.random_keys,
        .tick = on_tick,
        .tick_arg = b,
    };
    bench_load_result res;
    b->preloading = 1;
    b->preload_t0 = b->last_progress = bench_now_ns();
    int rc = bench_load_run(b->zctx, &o, &res);
    b->preloading = 0;
    fprintf(stderr, "\rskillbase-bench: preloaded %llu records in %.1f s (%llu refusals)%20s\n",
            (unsigned long long)res.records_created, res.elapsed_s,
            (unsigned long long)res.refusals, "");
    rep->records_preloaded = res.records_created;
    rep->preload_s = res.elapsed_s;
    bench_load_result_free(&res);
    return rc;
}

static double cpu_of(const struct rusage *r)
{
    return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 +
           (double)r->ru_stime.tv_sec + (double)r->ru_stime.tv_usec / 1e6;
}

/* The run's figures as ratios to the floor. */
static void set_ratios(bench_run *run, const bench_floor *f)
{
    double floor_ms = f->lmdb_commit_ms + f->zmq_round_trip_ms;
    run->latency_over_floor = floor_ms > 0 ? run->all.p50_ms / floor_ms : 0;
    double scattered_ms = f->lmdb_scattered_commit_ms + f->zmq_round_trip_ms;
    run->latency_over_scattered = scattered_ms > 0 ? run->all.p50_ms / scattered_ms : 0;
    run->throughput_over_lmdb =
        f->lmdb_batched_puts_per_s > 0 ? run->transitions_per_s / f->lmdb_batched_puts_per_s : 0;
    run->throughput_over_echo = run->echo_per_s > 0 ? run->transitions_per_s / run->echo_per_s : 0;
}

/* An endpoint for a floor measurement on the run's transport. */
static void floor_endpoint(const bench *b, char *ep, size_t len)
{
    if (strcmp(b->o.transport, "ipc") == 0)
        snprintf(ep, len, "ipc://%s/floor.sock", b->work);
    else
        snprintf(ep, len, "tcp://127.0.0.1:*");
}

/* Measure the floor (bench_floor.h) into *ret. Returns 0 or -1. */
static int measure_floor(bench *b, bench_floor *ret)
{
    char ep[4400];
    floor_endpoint(b, ep, sizeof ep);
    return bench_floor_lmdb(b->work, b->o.floor_seconds, ret) ||
                   bench_floor_zmq(ep, b->o.floor_seconds, ret)
               ? -1
               : 0;
}

static int run_one(bench *b, unsigned clients, unsigned index, bench_run *run)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s-r%u", b->nonce, index);
    bench_load_options o = {
        .endpoint = b->ep,
        .clients = clients,
        .threads = b->o.threads,
        .warmup_s = b->o.warmup,
        .seconds = b->o.seconds,
        .ccode_next = &b->ccode_next,
        .clock_path = b->clock_path,
        .clock_ms = &b->clock_ms,
        .key_prefix = prefix,
        .random_keys = b->o.random_keys,
        .tick = on_tick,
        .tick_arg = b,
    };
    bench_status s0, s1;
    sb_drive_proc p0 = {0}, p1 = {0};
    struct rusage r0, r1;
    bench_load_result res;
    memset(run, 0, sizeof *run);
    int have_status = bench_status_get(b->status_sock, STATUS_TIMEOUT_MS, &s0) == 0;
    int have_proc = b->pid > 0 && sb_drive_proc_read(b->pid, &p0) == 0;
    b->heap_max_kb = p0.anon_kb;
    getrusage(RUSAGE_SELF, &r0);
    uint64_t t0 = bench_now_ns();
    int rc = bench_load_run(b->zctx, &o, &res);
    uint64_t t1 = bench_now_ns();
    getrusage(RUSAGE_SELF, &r1);
    have_status = have_status && bench_status_get(b->status_sock, STATUS_TIMEOUT_MS, &s1) == 0;
    have_proc = have_proc && sb_drive_proc_read(b->pid, &p1) == 0;

    run->clients = clients;
    run->threads = b->o.threads < clients ? b->o.threads : clients;
    run->window_s = res.elapsed_s;
    run->wall_s = (double)(t1 - t0) / 1e9;
    run->transitions = res.transitions;
    run->transitions_per_s = res.elapsed_s > 0 ? (double)res.transitions / res.elapsed_s : 0;
    bench_samples_summarise(&res.all, &run->all);
    for (int s = 0; s < BENCH_STEP_COUNT; s++)
        bench_samples_summarise(&res.by_step[s], &run->by_step[s]);
    run->refusals = res.refusals;
    memcpy(run->refusals_by_code, res.refusals_by_code, sizeof run->refusals_by_code);
    uint64_t ok = res.requests - res.refusals;
    if (have_status) {
        run->events_per_transition = ok ? (double)(s1.last_seq - s0.last_seq) / (double)ok : 0;
        run->have_batches = 1;
        run->batches = s1.batches - s0.batches;
        run->batched_requests = s1.requests - s0.requests;
        run->largest_batch = s1.largest_batch;
        run->n_batch_sizes = s1.n_batch_sizes;
        for (size_t i = 0; i < s1.n_batch_sizes; i++)
            run->batch_sizes[i] =
                s1.batch_sizes[i] - (i < s0.n_batch_sizes ? s0.batch_sizes[i] : 0);
        while (run->n_batch_sizes && !run->batch_sizes[run->n_batch_sizes - 1])
            run->n_batch_sizes--;
        run->commit_ms_per_batch =
            run->batches ? (double)(s1.commit_us - s0.commit_us) / 1e3 / (double)run->batches : 0;
        run->apply_us_per_request = run->batched_requests ? (double)(s1.apply_us - s0.apply_us) /
                                                                (double)run->batched_requests
                                                          : 0;
        run->store_bytes_per_event =
            s1.last_seq > s0.last_seq && s1.store_bytes > s0.store_bytes
                ? (double)(s1.store_bytes - s0.store_bytes) / (double)(s1.last_seq - s0.last_seq)
                : 0;
    }
    if (have_proc) {
        run->have_daemon = 1;
        run->daemon_cpu_s = p1.cpu_s - p0.cpu_s;
        run->daemon_cpu_share = run->wall_s > 0 ? run->daemon_cpu_s / run->wall_s : 0;
        run->daemon_cpu_us_per_transition = ok ? run->daemon_cpu_s * 1e6 / (double)ok : 0;
        run->daemon_peak_rss_mb = (double)p1.hwm_kb / 1024;
        run->daemon_rss_mb = (double)p1.rss_kb / 1024;
        if (p1.anon_kb > b->heap_max_kb)
            b->heap_max_kb = p1.anon_kb;
        run->daemon_heap_mb = (double)b->heap_max_kb / 1024;
        run->daemon_heap_start_mb = (double)p0.anon_kb / 1024;
        run->daemon_heap_end_mb = (double)p1.anon_kb / 1024;
        run->daemon_map_rss_mb = (double)p1.file_kb / 1024;
    }
    run->client_cpu_s = cpu_of(&r1) - cpu_of(&r0);
    run->client_cpu_us_per_transition = ok ? run->client_cpu_s * 1e6 / (double)ok : 0;
    bench_load_result_free(&res);
    /* the messaging ceiling at this many clients, with the daemon idle */
    char ep[4400];
    floor_endpoint(b, ep, sizeof ep);
    if (rc == 0 && bench_floor_echo(ep, clients, b->o.floor_seconds, &run->echo_per_s,
                                     &run->echo_cpu_us))
        rc = -1;
    if (!b->o.json)
        fprintf(stderr, "skillbase-bench: %u clients: %.0f transitions/s, p50 %.3f ms\n", clients,
                run->transitions_per_s, run->all.p50_ms);
    return rc;
}

/* Time pages of list --state certified (applications), walking forward. */
static void list_probe(bench *b, bench_report *rep)
{
    bench_samples s = {0};
    char after[64] = "";
    for (unsigned i = 0; i < b->o.list_pages; i++) {
        Skillbase__Request req = SKILLBASE__REQUEST__INIT;
        Skillbase__List q = SKILLBASE__LIST__INIT;
        q.state = SKILLBASE__STATE__CERTIFIED;
        q.kind = SKILLBASE__KIND__APPLICATION;
        q.after = after;
        q.limit = 100;
        req.command_case = SKILLBASE__REQUEST__COMMAND_LIST;
        req.list = &q;
        uint64_t t = bench_now_ns();
        Skillbase__Reply *r = bench_call(b->status_sock, &req, STATUS_TIMEOUT_MS);
        uint64_t dt = bench_now_ns() - t;
        if (!r)
            break;
        int more = r->code == SKILLBASE__ERROR_CODE__OK &&
                   r->result_case == SKILLBASE__REPLY__RESULT_PAGE && r->page && r->page->next &&
                   r->page->next[0];
        if (r->code == SKILLBASE__ERROR_CODE__OK)
            bench_samples_add(&s, dt);
        if (more)
            snprintf(after, sizeof after, "%s", r->page->next);
        skillbase__reply__free_unpacked(r, NULL);
        if (!more)
            break;
    }
    if (s.n) {
        rep->have_list = 1;
        rep->list_pages = s.n;
        bench_samples_summarise(&s, &rep->list_page);
    }
    bench_samples_free(&s);
}

int main(int argc, char **argv)
{
    static bench b = {.pid = -1};
    bench_report rep = {0};
    bench_run runs[BENCH_MAX_RUNS];
    int status = 1;
    int parsed = bench_options_parse(&b.o, argc, argv);
    if (parsed)
        return parsed > 0 ? 0 : 2; /* nothing made yet */
    if (b.o.endpoint)
        b.o.transport = strncmp(b.o.endpoint, "tcp://", 6) == 0 ? "tcp" : "ipc";
    random_nonce(&b);
    if (make_work_dir(&b))
        goto out;
    /* Publicity runs its course before certification (二(三)2): the daemon
     * runs on a test clock the clients move on (bench_load.h). Our own
     * daemon inherits it; a running one must have been started with the
     * SKILLBASE_TEST_CLOCK this benchmark is given. */
    b.clock_ms = sb_clock_now_ms();
    if (!b.o.endpoint) {
        snprintf(b.clock_file, sizeof b.clock_file, "%s/clock", b.work);
        if (sb_drive_clock_write(b.clock_file, b.clock_ms) ||
            setenv("SKILLBASE_TEST_CLOCK", b.clock_file, 1))
            goto out;
        b.clock_path = b.clock_file;
    } else if (getenv("SKILLBASE_TEST_CLOCK") && *getenv("SKILLBASE_TEST_CLOCK")) {
        b.clock_path = getenv("SKILLBASE_TEST_CLOCK");
    } else {
        fprintf(stderr,
                "skillbase-bench: SKILLBASE_TEST_CLOCK is not set: the daemon at %s "
                "will refuse close_publicity until publicity has run its course\n",
                b.o.endpoint);
    }
    b.zctx = zmq_ctx_new();
    if (!b.zctx)
        goto out;

    /* The floor first, before the daemon runs, beside its state; again
     * after the runs (bench_report.h: the better of the two counts). */
    if (measure_floor(&b, &rep.floor_before))
        goto out;

    /* tcp:// needs CURVE (bench_curve.h): our own keys for our own daemon,
     * the environment's for a running one */
    if (b.o.endpoint) {
        snprintf(b.ep, sizeof b.ep, "%s", b.o.endpoint);
        if (bench_curve_from_env())
            goto out;
    } else if (choose_endpoint(&b) ||
               (strcmp(b.o.transport, "ipc") != 0 &&
                bench_curve_prepare(b.state_dir, b.work, b.config, sizeof b.config))) {
        goto out;
    }
    rep.transport = b.o.transport;
    rep.endpoint = b.ep;
    rep.daemon_path = b.o.daemon_path;
    rep.daemon_started = !b.o.endpoint;
    rep.keys = b.o.random_keys ? "random" : "time-ordered";
    b.status_sock = bench_dealer_open(b.zctx, b.ep, 0);
    if (!b.status_sock)
        goto out;
    if (b.o.endpoint) {
        double ms;
        if (bench_daemon_wait_ready(b.zctx, b.ep, 0, 10, &ms))
            goto out;
    } else if (start_daemon(&b, &rep)) {
        goto out;
    }

    if (b.o.records) {
        if (preload(&b, &rep))
            goto out;
        /* start-up at this size: stop and start again */
        if (b.pid > 0) {
            int st = bench_daemon_stop(b.pid, 60);
            b.pid = -1;
            if (st != 0) {
                fprintf(stderr, "skillbase-bench: the daemon exited with status %d\n", st);
                show_log_tail(&b);
                goto out;
            }
            if (start_daemon(&b, &rep))
                goto out;
        }
    }
    bench_status st;
    if (bench_status_get(b.status_sock, STATUS_TIMEOUT_MS, &st) == 0) {
        rep.store_records = st.records;
        rep.store_bytes = st.store_bytes;
    }

    int failed = 0;
    for (size_t i = 0; i < b.o.n_clients && !failed; i++) {
        failed = run_one(&b, b.o.clients[i], (unsigned)i, &runs[i]) != 0;
        rep.n_runs = i + 1;
    }
    rep.runs = runs;
    if (!failed && b.o.list_pages)
        list_probe(&b, &rep);
    if (!failed && b.o.register_pages) {
        failed = bench_registers_probe(b.status_sock, b.o.register_pages, STATUS_TIMEOUT_MS,
                                       rep.registers) != 0;
        rep.have_registers = !failed;
    }
    if (!failed && measure_floor(&b, &rep.floor_after))
        failed = 1;
    if (!failed) {
        const bench_floor *x = &rep.floor_before, *y = &rep.floor_after;
        rep.floor.lmdb_commit_ms =
            x->lmdb_commit_ms < y->lmdb_commit_ms ? x->lmdb_commit_ms : y->lmdb_commit_ms;
        rep.floor.lmdb_scattered_commit_ms =
            x->lmdb_scattered_commit_ms < y->lmdb_scattered_commit_ms ? x->lmdb_scattered_commit_ms
                                                                      : y->lmdb_scattered_commit_ms;
        rep.floor.zmq_round_trip_ms = x->zmq_round_trip_ms < y->zmq_round_trip_ms
                                          ? x->zmq_round_trip_ms
                                          : y->zmq_round_trip_ms;
        rep.floor.lmdb_batched_puts_per_s = x->lmdb_batched_puts_per_s > y->lmdb_batched_puts_per_s
                                                ? x->lmdb_batched_puts_per_s
                                                : y->lmdb_batched_puts_per_s;
        for (size_t i = 0; i < rep.n_runs; i++)
            set_ratios(&runs[i], &rep.floor);
    }
    if (failed) {
        fprintf(stderr, "skillbase-bench: a run failed\n");
        if (b.pid > 0)
            show_log_tail(&b);
        goto out;
    }
    if (b.o.json ? bench_report_print_json(&rep, stdout)
                 : (bench_report_print_table(&rep, stdout), 0))
        goto out;
    status = 0;
out:
    if (b.status_sock)
        zmq_close(b.status_sock);
    if (b.pid > 0) {
        int code = bench_daemon_stop(b.pid, 60);
        if (code != 0) {
            fprintf(stderr, "skillbase-bench: the daemon exited with status %d\n", code);
            show_log_tail(&b);
            status = 1;
        }
    }
    if (b.zctx)
        zmq_ctx_term(b.zctx);
    if (b.o.keep && b.work[0])
        fprintf(stderr, "skillbase-bench: kept %s\n", b.work);
    else if (b.work[0])
        nftw(b.work, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return status;
}
