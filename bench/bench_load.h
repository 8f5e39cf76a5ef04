/* bench_load: the clients of the benchmark.
 *
 * Each client is one DEALER socket with one request in flight (a closed
 * loop: send, wait for the durable reply, send the next). Its applications
 * go through the whole lifecycle: apply, review, evaluate (pass),
 * close_publicity (certified, creating the sub-base), assess; then it
 * applies again with a fresh credit code.
 *
 * Publicity runs its course before certification (二(三)2), so the daemon
 * refuses close_publicity until the window has ended. The benchmark runs
 * the daemon on a test clock (sb_drive.h, `clock_path`) that it moves
 * SB_DRIVE_CLOCK_STEP_DAYS on every SB_DRIVE_CLOCK_STEP_MS: an application that
 * passed evaluate waits in its client's queue until the clock has passed the
 * end of its window (the evaluate reply's publicity_ends_on, sb_drive.h),
 * while the client starts
 * other applications; then the client closes
 * its publicity and assesses it. Clients are spread over a few
 * threads, each multiplexing its DEALERs with zmq_poll.
 *
 * Two modes: a timed run (warm-up, then a measured window; latencies and
 * transitions are counted only for replies that arrive inside the window)
 * and a preload (create a number of records in a mix of states as fast as
 * possible, nothing measured).
 */
#ifndef BENCH_LOAD_H
#define BENCH_LOAD_H

#include <stdatomic.h>
#include <stdint.h>

#include "bench_proto.h"
#include "bench_stats.h"

/* The credit codes of the benchmark's applications: "91" (an enterprise),
 * the division code of Hangzhou (330100), then the shared counter spelled
 * over the organisation code's first eight characters (sb_drive_ccode_make;
 * 31^8 ~ 8.5e11 codes). */
#define BENCH_CCODE_PREFIX "91330100"

typedef struct {
    const char *endpoint;
    unsigned clients;
    unsigned threads; /* 0: 1; capped at clients */
    double warmup_s;  /* timed run: not measured */
    double seconds;   /* timed run: the measured window */
    /* Preload when > 0: applications are made until the records (each
     * application and each sub-base) reach this many. Of every four
     * applications one stays applied, one is left in publicity, one is
     * certified (a certified sub-base) and one is certified and assessed. */
    uint64_t preload_records;
    _Atomic uint64_t *ccode_next; /* shared credit-code counter (BENCH_CCODE_PREFIX) */
    const char *key_prefix;       /* makes idempotency keys unique to this run */
    /* Idempotency keys: 0 (default) time-ordered, as the C client library
     * makes them (the time in ms first, so the keys of one batch sit
     * together in the daemon's key index); 1: random, as a client that
     * uses e.g. UUIDv4 would (each key then lands on a page of its own). */
    int random_keys;
    /* The daemon's test clock file (NULL: the daemon runs on the real
     * clock, and close_publicity is refused until publicity has run its
     * course) and its time in ms, kept across runs: moved on by
     * SB_DRIVE_CLOCK_STEP_DAYS every SB_DRIVE_CLOCK_STEP_MS while clients run. */
    const char *clock_path;
    uint64_t *clock_ms;
    /* Called about every 100 ms while the clients run (may be NULL). */
    void (*tick)(void *arg, uint64_t records_created);
    void *tick_arg;
} bench_load_options;

typedef struct {
    double elapsed_s;     /* the measured window */
    uint64_t transitions; /* successful writes answered in the window */
    uint64_t by_step_count[BENCH_STEP_COUNT];
    bench_samples all; /* their latencies */
    bench_samples by_step[BENCH_STEP_COUNT];
    uint64_t refusals; /* replies with an error code, whole run */
    uint64_t refusals_by_code[16];
    uint64_t records_created; /* applications + sub-bases, whole run */
    uint64_t requests;        /* requests answered, whole run */
    int failed;               /* a reply was missing (timeout) or undecodable; see stderr */
} bench_load_result;

/* Run the clients in zmq context zctx. Returns 0 with *ret filled (free
 * with bench_load_result_free), or -1 when the clients could not start or
 * the run failed (ret->failed; the reason printed to stderr). */
int bench_load_run(void *zctx, const bench_load_options *o, bench_load_result *ret);

void bench_load_result_free(bench_load_result *r);

#endif
