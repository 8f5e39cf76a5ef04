/* bench_floor: what this machine can do at best, measured in the same run
 * as the daemon, so that the daemon's figures can be read as ratios that
 * compare across machines.
 *
 *   - one LMDB commit of one small record, fully synced (LMDB's defaults:
 *     data then meta page), in a fresh environment in `dir` (put it on the
 *     daemon's file system);
 *   - LMDB puts per second when 100 small records go into each commit;
 *   - one ZeroMQ round trip (DEALER to a ROUTER that echoes) on the
 *     transport the benchmark uses.
 */
#ifndef BENCH_FLOOR_H
#define BENCH_FLOOR_H

typedef struct {
    double lmdb_commit_ms;          /* median of single-put durable commits */
    double lmdb_batched_puts_per_s; /* 100 puts per durable commit */
    double zmq_round_trip_ms;       /* median of sequential round trips */
} bench_floor;

/* Measure the LMDB figures in a new environment under dir (created, then
 * removed) for about `seconds` each. Returns 0 or -1 (reason on stderr). */
int bench_floor_lmdb(const char *dir, double seconds, bench_floor *ret);

/* Measure the round trip through `endpoint` (an ipc:// path or
 * tcp://127.0.0.1:0 for a free port) for about `seconds`. Returns 0 or -1. */
int bench_floor_zmq(const char *endpoint, double seconds, bench_floor *ret);

#endif
