/* fault_trend: judge a soak's samples (the CSV of `sb_fault load --csv`)
 * for trends, not speed: the daemon's anonymous memory must not keep
 * growing over the second half of the run (least-squares slope), and the
 * p99 latency of the last third must not have drifted far above the first
 * third's (medians of the windows' p99). docs/faults.md.
 */
#ifndef FAULT_TREND_H
#define FAULT_TREND_H

typedef struct {
    double max_anon_slope_kb_min; /* 0: 1024 KiB per minute */
    double max_p99_ratio;         /* 0: 3 */
    double p99_floor_ms;          /* a last-third p99 below this always passes; 0: 50 */
} fault_trend_limits;

/* Read `csv`, print the figures and the verdict. Returns the exit status:
 * 0 no trend, 1 a trend (or too few samples), 2 unreadable. */
int fault_trend_judge(const char *csv, const fault_trend_limits *limits);

#endif
