/* bench_floor: what this machine can do at best, measured in the same run
 * as the daemon, so that the daemon's figures can be read as ratios that
 * compare across machines.
 *
 *   - one LMDB commit of one small record, fully synced (LMDB's defaults:
 *     data then meta page), in a fresh environment in `dir` (put it on the
 *     daemon's file system);
 *   - one such commit of SCATTERED_PUTS small records that land on as many
 *     different pages of a larger tree: what a commit writing about the
 *     pages one of the daemon's transitions writes costs at best (the
 *     fdatasync grows with the pages written, not only with the commits);
 *   - LMDB puts per second when 100 small records go into each commit;
 *   - one ZeroMQ round trip (DEALER to a ROUTER that echoes) on the
 *     transport the benchmark uses;
 *   - the messaging ceiling at a run's number of clients: round trips per
 *     second of that many DEALERs, each with one request in flight, served
 *     by a ROUTER in one thread that only echoes (bench_floor_echo). No
 *     daemon doing real work answers more on this machine and transport.
 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

/* Puts per scattered commit: about the pages one transition writes (its
 * record, index entries, event, idempotency record and jobs in some ten
 * trees; strace shows 16-18 page writes per single-client commit). */
#define BENCH_FLOOR_SCATTERED 16

typedef struct {
    double lmdb_commit_ms;           /* median of single-put durable commits */
    double lmdb_scattered_commit_ms; /* median of durable commits of
                                      * BENCH_FLOOR_SCATTERED puts on as
                                      * many pages */
    double lmdb_batched_puts_per_s;  /* 100 puts per durable commit */
    double zmq_round_trip_ms;        /* median of sequential round trips */
} bench_floor;

/* Measure the LMDB figures in a new environment under dir (created, then
 * removed) for about `seconds` each. Returns 0 or -1 (reason on stderr). */
int bench_floor_lmdb(const char *dir, double seconds, bench_floor *ret);

/* Measure the round trip through `endpoint` (an ipc:// path or
 * tcp://127.0.0.1:0 for a free port) for about `seconds`. Returns 0 or -1. */
int bench_floor_zmq(const char *endpoint, double seconds, bench_floor *ret);

/* Round trips per second of `clients` DEALERs (one request of
 * BENCH_FLOOR_ECHO_BYTES in flight each, driven from one thread, as the
 * benchmark drives its clients by default) against an echoing ROUTER in another
 * thread, through `endpoint`, for about `seconds`, and the CPU this process
 * (the DEALERs, the echo and ZeroMQ's I/O threads) spent per round trip, in
 * microseconds. Returns 0 or -1. */
#define BENCH_FLOOR_ECHO_BYTES 300 /* about a packed request */
int bench_floor_echo(const char *endpoint, unsigned clients, double seconds, double *ret_per_s,
                     double *ret_cpu_us);

#endif
