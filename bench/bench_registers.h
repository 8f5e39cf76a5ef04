/* bench_registers: the per-page cost of the bureau's registers.
 *
 * skillbasectl's roster, results, stats and publicity-list page through
 * the store with `list` at 1000 records a page (clients/ctl_list.h); the
 * client only formats what a page brings. This times those pages as the
 * daemon serves them — request sent to reply parsed, one request in flight
 * — walking forward from the first page, so runs at different store sizes
 * can be set side by side (docs/scaling.md).
 */
#ifndef BENCH_REGISTERS_H
#define BENCH_REGISTERS_H

#include <stddef.h>
#include <stdint.h>

#include "bench_stats.h"

#define BENCH_REGISTERS 4
#define BENCH_REGISTER_PAGE 1000

typedef struct {
    const char *name;  /* "list", "roster", "results", "publicity-list" */
    const char *query; /* the list request, for the report */
    size_t pages;      /* pages timed */
    uint64_t records;  /* records those pages carried */
    uint64_t bytes;    /* reply bytes those pages carried */
    bench_summary page;
} bench_register;

/* Time up to `pages` pages of each register over `dealer` (a DEALER
 * connected to the daemon), each request answered within timeout_ms.
 * Fills ret[BENCH_REGISTERS]. Returns 0, or -1 when a page was refused or
 * not answered (said on stderr). */
int bench_registers_probe(void *dealer, unsigned pages, int timeout_ms, bench_register *ret);

#endif
