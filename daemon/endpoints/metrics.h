/* sb_metrics: the daemon's Prometheus endpoint (text exposition format
 * 0.0.4), served by libmicrohttpd.
 *
 * Threads: libmicrohttpd answers HTTP in a thread of its own, but every
 * number the daemon keeps belongs to its event loop and is read and
 * written there without locks. So a scrape does not read counters: it
 * asks the loop (uv_async) to render the text, waits for it (at most a
 * second), and serves the result. Sources — functions that write metric
 * families — therefore run on the loop thread, between batches, and may
 * read anything the loop owns (the store, the server's counters). If the
 * loop does not answer in time (it is stuck, or shutting down), the last
 * rendering is served with skillbase_metrics_stale 1.
 *
 * Only GET (and HEAD) of /metrics is served; bind it to loopback: the
 * endpoint has no authentication.
 */
#ifndef SB_METRICS_H
#define SB_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct sb_metrics sb_metrics;

/* A text being written by sources. */
typedef struct sb_metrics_out sb_metrics_out;

/* A source: writes its families into `out`. Runs on the loop thread. */
typedef void (*sb_metrics_source_fn)(void *arg, sb_metrics_out *out);

/* Check a listen address "HOST:PORT" (an IPv4 literal, or an IPv6 literal
 * in brackets, "[::1]:9464"; port 0 picks a free one). Returns 0, or -1
 * with the reason in err. */
int sb_metrics_listen_check(const char *listen, char *err, size_t err_len);

/* Start serving on `listen` (see above). Returns 0 and *ret, or -1 with
 * the reason logged (address in use, bad address). */
int sb_metrics_start(uv_loop_t *loop, const char *listen, sb_metrics **ret);

/* Add a source (at most 32), rendered in the order added. Returns 0 or -1. */
int sb_metrics_add_source(sb_metrics *m, sb_metrics_source_fn fn, void *arg);

/* Stop the HTTP server (waiting for a scrape in progress) and close the
 * loop handle; *m = NULL. Call on the loop thread. */
void sb_metrics_stop(sb_metrics **m);

/* ------------------------------------------------------------ writing */

/* "# HELP" and "# TYPE" lines of a family; type is "counter", "gauge" or
 * "histogram". */
void sb_metrics_family(sb_metrics_out *o, const char *name, const char *type, const char *help);

/* One sample: name{labels} value. `labels` is NULL or the inside of the
 * braces, already escaped, e.g. `command="apply",code="ok"`. */
void sb_metrics_sample(sb_metrics_out *o, const char *name, const char *labels, double value);

/* A family of one unlabelled sample: sb_metrics_family, then
 * sb_metrics_sample(o, name, NULL, value). */
void sb_metrics_single(sb_metrics_out *o, const char *name, const char *type, const char *help,
                       double value);

/* ------------------------------------------------------------ latency histograms */

/* Upper bounds of the latency buckets, in seconds (the last bucket, +Inf,
 * is implied). */
#define SB_LATENCY_BUCKETS 14
extern const double sb_latency_bounds[SB_LATENCY_BUCKETS];

/* A latency histogram kept by the loop; zero-initialise it. */
typedef struct {
    uint64_t counts[SB_LATENCY_BUCKETS + 1]; /* per bucket, not cumulative */
    uint64_t count;
    uint64_t sum_us;
} sb_latency_hist;

/* Count one observation of `usec` microseconds. */
void sb_latency_observe(sb_latency_hist *h, uint64_t usec);

/* Write the _bucket, _sum and _count samples of a histogram family
 * `name` (its HELP/TYPE written separately with sb_metrics_family). */
void sb_metrics_latency(sb_metrics_out *o, const char *name, const char *labels,
                        const sb_latency_hist *h);

#endif
