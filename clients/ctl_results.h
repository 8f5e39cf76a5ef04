/* ctl_results: the assessment results of a sub-base as skillbasectl prints
 * them (roster, results, show) — private to the CLI.
 *
 * 五(一): one result per two-year cycle from certification (sb_cycle.h); a
 * correction replaces the cycle's result and keeps the earlier one, marked
 * superseded; 五(三): a direct fail is a fail result of the current cycle
 * with its cause and no scores. Stores written before direct fails were
 * results carry only the revocation (revoked_on, revoked_cause): it is
 * read here as that cycle's result, so every store prints alike.
 */
#ifndef CTL_RESULTS_H
#define CTL_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_date.h"
#include "skillbase.pb-c.h"

typedef struct {
    uint32_t cycle;   /* 1, 2, ...; 0: unknown (no certification date) */
    const char *date; /* the day it was decided, "YYYY-MM-DD" */
    bool direct_fail; /* 五(三): no scores, a cause */
    Skillbase__Grade grade;
    Skillbase__Cause cause; /* fail: ASSESSMENT_FAILED or the direct-fail cause */
    uint32_t total_tenths;  /* assessed results only: total, base and bonus parts */
    uint32_t base_tenths, bonus_tenths;
    bool correction; /* it corrects the cycle's earlier result */
    bool superseded; /* a later correction replaced it */
    const char *reason, *by;
} ctl_result;

/* Call fn(ctx, &result) for each result of b, oldest first; superseded
 * ones too when with_superseded. A non-zero return of fn stops and is
 * returned. */
int ctl_results_each(const Skillbase__Base *b, bool with_superseded,
                     int (*fn)(void *ctx, const ctl_result *r), void *ctx);

/* The latest standing result of b into *ret; false when it has none. */
bool ctl_results_latest(const Skillbase__Base *b, ctl_result *ret);

/* The cycle's first and last day ("YYYY-MM-DD" each, buffers of
 * SB_DATE_STRLEN) for a sub-base certified on certified_on; false when the
 * date does not parse or cycle is 0. */
bool ctl_results_cycle_span(const char *certified_on, uint32_t cycle, char *ret_from, char *ret_to);

/* "85.5", "85", or "" for a direct fail, into buf. */
const char *ctl_results_total(const ctl_result *r, char *buf, size_t len);

/* Tenths of a point as "85.5" or "85", into buf. */
const char *ctl_results_points(uint32_t tenths, char *buf, size_t len);

#endif
