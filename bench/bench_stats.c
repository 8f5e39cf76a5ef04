#include "bench_stats.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int reserve(bench_samples *s, size_t want)
{
    if (want <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < want)
        cap *= 2;
    uint64_t *p = realloc(s->ns, cap * sizeof *p);
    if (!p) {
        s->oom = 1;
        return -1;
    }
    s->ns = p;
    s->cap = cap;
    return 0;
}

void bench_samples_add(bench_samples *s, uint64_t ns)
{
    if (reserve(s, s->n + 1))
        return;
    s->ns[s->n++] = ns;
}

void bench_samples_merge(bench_samples *dst, const bench_samples *src)
{
    if (!src->n || reserve(dst, dst->n + src->n))
        return;
    memcpy(dst->ns + dst->n, src->ns, src->n * sizeof *src->ns);
    dst->n += src->n;
    dst->oom |= src->oom;
}

void bench_samples_free(bench_samples *s)
{
    free(s->ns);
    memset(s, 0, sizeof *s);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted samples. */
static double rank_ms(const bench_samples *s, double p)
{
    size_t i = (size_t)(p * (double)s->n + 0.999999);
    if (i == 0)
        i = 1;
    if (i > s->n)
        i = s->n;
    return (double)s->ns[i - 1] / 1e6;
}

void bench_samples_summarise(bench_samples *s, bench_summary *ret)
{
    memset(ret, 0, sizeof *ret);
    if (!s->n)
        return;
    qsort(s->ns, s->n, sizeof *s->ns, cmp_u64);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += (double)s->ns[i];
    ret->count = s->n;
    ret->p50_ms = rank_ms(s, 0.50);
    ret->p90_ms = rank_ms(s, 0.90);
    ret->p99_ms = rank_ms(s, 0.99);
    ret->max_ms = (double)s->ns[s->n - 1] / 1e6;
    ret->mean_ms = sum / (double)s->n / 1e6;
}
