/* bench_options: skillbase-bench's command line. */
#ifndef BENCH_OPTIONS_H
#define BENCH_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_RUNS 16
#define BENCH_LIST_PAGES_DEFAULT 50

#ifndef SB_BENCH_DEFAULT_DAEMON
#define SB_BENCH_DEFAULT_DAEMON "skillbased"
#endif

typedef struct {
    const char *daemon_path;
    const char *endpoint;  /* --endpoint: a daemon not ours; NULL: start one */
    const char *transport; /* "ipc" or "tcp" */
    const char *dir;       /* NULL: $TMPDIR or P_tmpdir */
    unsigned clients[BENCH_MAX_RUNS];
    size_t n_clients; /* after parsing at least 1 (default 1, 16, 64) */
    unsigned threads;
    double seconds, warmup, floor_seconds;
    uint64_t records;
    unsigned preload_clients;
    unsigned list_pages;
    unsigned register_pages; /* pages of each register to time (0: none) */
    int json, keep;
    int random_keys; /* idempotency keys random rather than time-ordered */
} bench_options;

/* Fill in the defaults, then parse argv over them. Returns 0; 1 when
 * --help was printed (exit 0); -1 after printing what is wrong (exit 2). */
int bench_options_parse(bench_options *o, int argc, char **argv);

#endif
