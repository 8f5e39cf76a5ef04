/* bench_report: what one benchmark run found, as JSON or as a table.
 *
 * JSON (--json): one object. Always: the floor figures (lmdb_commit_ms,
 * lmdb_batched_puts_per_s, zmq_round_trip_ms, also grouped under "floor"),
 * the set-up (transport, records_preloaded, startup_ms, ...) and "runs", an
 * array with one object per client count. When exactly one client count
 * was run, that run's members (clients, transitions_per_s, p50_ms, p99_ms,
 * ...) are also copied to the top level. docs/benchmark.md lists every
 * member.
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>

#include "bench_floor.h"
#include "bench_load.h"
#include "bench_registers.h"

/* One run at one client count. */
typedef struct {
    unsigned clients, threads;
    double window_s;      /* measured window */
    uint64_t transitions; /* successful writes answered in the window */
    double transitions_per_s;
    double events_per_transition; /* events the daemon logged per successful write */
    bench_summary all;            /* latency of every transition */
    bench_summary by_step[BENCH_STEP_COUNT];
    uint64_t refusals;
    uint64_t refusals_by_code[16];
    /* group commit, from the daemon's status counters over the run */
    int have_batches;
    uint64_t batches, batched_requests, largest_batch;
    uint64_t batch_sizes[16];
    size_t n_batch_sizes;
    double commit_ms_per_batch, apply_us_per_request;
    double store_bytes_per_event; /* growth of the LMDB map in use over the run, per event */
    /* the daemon process (only when the benchmark started it) */
    int have_daemon;
    double daemon_cpu_s, daemon_cpu_share, daemon_cpu_us_per_transition;
    double daemon_peak_rss_mb, daemon_rss_mb, daemon_heap_mb, daemon_map_rss_mb;
    double daemon_heap_start_mb, daemon_heap_end_mb; /* RssAnon at the run's start and end */
    double client_cpu_s;                             /* the benchmark's own CPU (its clients) */
    double wall_s;                                   /* from the run's start to its last reply */
    /* ratios to the floor */
    double latency_over_floor;     /* p50 / (LMDB commit + round trip) */
    double latency_over_scattered; /* p50 / (scattered LMDB commit + round trip) */
    double throughput_over_lmdb;   /* transitions/s / LMDB batched puts/s */
    double echo_per_s;             /* the messaging ceiling at this many clients
                                    * (bench_floor_echo); 0: not measured */
    double throughput_over_echo;   /* transitions/s / echo_per_s */
    double echo_cpu_us;            /* CPU per round trip of the ceiling (all of it
                                    * in the benchmark's process) */
    double client_cpu_us_per_transition; /* client_cpu_s per transition */
} bench_run;

typedef struct {
    const char *transport, *endpoint, *daemon_path;
    const char *keys; /* "time-ordered" or "random" idempotency keys */
    int daemon_started;
    /* The floor, measured before the daemon starts and again after the
     * runs: another process's I/O during a measurement can only make it
     * look worse, so `floor` is the better of the two, figure by figure,
     * and the ratios use it. */
    bench_floor floor, floor_before, floor_after;
    int have_startup;
    double startup_ms;        /* spawn to first answer */
    uint64_t startup_records; /* records in the store at that start */
    uint64_t records_preloaded;
    double preload_s;
    uint64_t store_records; /* records in the store before the runs */
    uint64_t store_bytes;   /* bytes of the LMDB map in use then */
    int have_list;
    size_t list_pages;
    bench_summary list_page; /* one page of list --state certified */
    int have_registers;
    bench_register registers[BENCH_REGISTERS]; /* --register-pages */
    bench_run *runs;
    size_t n_runs;
} bench_report;

/* Print the report as one JSON object (one line) to out. Returns 0 or -1. */
int bench_report_print_json(const bench_report *r, FILE *out);

/* Print the report as a short human table to out. */
void bench_report_print_table(const bench_report *r, FILE *out);

#endif
