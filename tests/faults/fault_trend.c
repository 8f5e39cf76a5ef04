#include "fault_trend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIN_SAMPLES 6

typedef struct {
    double t, p99, anon;
} sample;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median p99 of samples [from, to); windows that answered nothing are
 * left out. */
static double median_p99(const sample *s, size_t from, size_t to)
{
    double *v = malloc((to - from + 1) * sizeof *v);
    size_t n = 0;
    if (!v)
        return 0;
    for (size_t i = from; i < to; i++)
        if (s[i].p99 > 0)
            v[n++] = s[i].p99;
    qsort(v, n, sizeof *v, cmp_double);
    double m = n ? v[n / 2] : 0;
    free(v);
    return m;
}

/* Least-squares slope of anon over t for samples [from, to), KiB per minute. */
static double slope_kb_min(const sample *s, size_t from, size_t to)
{
    double n = (double)(to - from), st = 0, sa = 0, stt = 0, sta = 0;
    for (size_t i = from; i < to; i++) {
        st += s[i].t;
        sa += s[i].anon;
        stt += s[i].t * s[i].t;
        sta += s[i].t * s[i].anon;
    }
    double den = n * stt - st * st;
    return den > 0 ? (n * sta - st * sa) / den * 60.0 : 0;
}

int fault_trend_judge(const char *csv, const fault_trend_limits *limits)
{
    double max_slope = limits->max_anon_slope_kb_min > 0 ? limits->max_anon_slope_kb_min : 1024;
    double max_ratio = limits->max_p99_ratio > 0 ? limits->max_p99_ratio : 3;
    double floor_ms = limits->p99_floor_ms > 0 ? limits->p99_floor_ms : 50;
    FILE *f = csv ? fopen(csv, "r") : NULL;
    if (!f) {
        fprintf(stderr, "sb_fault: trend: cannot read %s: %s\n", csv ? csv : "(no --csv)",
                strerror(errno));
        return 2;
    }
    char line[512];
    sample *s = NULL;
    size_t n = 0, cap = 0;
    while (fgets(line, sizeof line, f)) {
        double v[13];
        if (sscanf(line, "%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &v[0], &v[1], &v[2],
                   &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11], &v[12]) != 13)
            continue; /* the header */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            sample *g = realloc(s, cap * sizeof *s);
            if (!g)
                break;
            s = g;
        }
        s[n++] = (sample){v[0], v[5], v[8]};
    }
    fclose(f);
    if (n < MIN_SAMPLES) {
        fprintf(stderr, "sb_fault: trend: %zu samples in %s, need at least %d\n", n, csv,
                MIN_SAMPLES);
        free(s);
        return 1;
    }
    double slope = slope_kb_min(s, n / 2, n);
    double first = median_p99(s, 0, n / 3), last = median_p99(s, n - n / 3, n);
    double anon_min = s[0].anon, anon_max = s[0].anon;
    for (size_t i = 0; i < n; i++) {
        anon_min = s[i].anon < anon_min ? s[i].anon : anon_min;
        anon_max = s[i].anon > anon_max ? s[i].anon : anon_max;
    }
    int bad = 0;
    fprintf(stderr,
            "sb_fault: trend: %zu samples over %.0f s; daemon anonymous memory %.0f..%.0f KiB, "
            "slope over the second half %+.1f KiB/min (limit %.0f); p99 median first third "
            "%.1f ms, last third %.1f ms (limit: %.1fx, or under %.0f ms)\n",
            n, s[n - 1].t, anon_min, anon_max, slope, max_slope, first, last, max_ratio, floor_ms);
    if (slope > max_slope) {
        fprintf(stderr, "sb_fault: FAIL: the daemon's memory grows steadily (%.1f KiB/min)\n",
                slope);
        bad = 1;
    }
    if (last > floor_ms && last > first * max_ratio) {
        fprintf(stderr, "sb_fault: FAIL: p99 drifted upwards from %.1f ms to %.1f ms\n", first,
                last);
        bad = 1;
    }
    if (!bad)
        fprintf(stderr, "sb_fault: trend: no steady memory growth, no p99 drift\n");
    free(s);
    return bad;
}
