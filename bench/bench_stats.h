/* bench_stats: latency samples and their percentiles.
 *
 * Every completed request adds one sample (nanoseconds). Samples are kept
 * whole (a run of 10 s at 50,000/s is 4 MB), so percentiles are exact
 * rather than bucketed.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t *ns;
    size_t n, cap;
    int oom; /* a sample could not be stored (percentiles then cover fewer) */
} bench_samples;

/* Add one sample; on allocation failure the sample is dropped and oom set. */
void bench_samples_add(bench_samples *s, uint64_t ns);

/* Append all of src to dst (dst keeps its own storage). */
void bench_samples_merge(bench_samples *dst, const bench_samples *src);

/* Free the storage; the struct may be reused. */
void bench_samples_free(bench_samples *s);

typedef struct {
    size_t count;
    double p50_ms, p90_ms, p99_ms, max_ms, mean_ms;
} bench_summary;

/* Sort the samples (in place) and summarise them; all zero when empty. */
void bench_samples_summarise(bench_samples *s, bench_summary *ret);

/* Monotonic clock in nanoseconds. */
uint64_t bench_now_ns(void);

#endif
