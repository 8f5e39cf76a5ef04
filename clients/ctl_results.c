/* ctl_results: the results of a sub-base (see ctl_results.h). */
#include "ctl_results.h"

#include <inttypes.h>
#include <stdio.h>

#include "sb_cycle.h"

static uint32_t cycle_of(const Skillbase__Base *b, const char *on)
{
    sb_date c, d;
    if (!b->certified_on || sb_date_parse(b->certified_on, &c) || !on || sb_date_parse(on, &d))
        return 0;
    return sb_cycle_of(c, d);
}

static bool direct_cause(Skillbase__Cause cause)
{
    return cause && cause != SKILLBASE__CAUSE__ASSESSMENT_FAILED;
}

static ctl_result from_assessment(const Skillbase__Base *b, const Skillbase__Assessment *a)
{
    return (ctl_result){
        .cycle = a->cycle ? a->cycle : cycle_of(b, a->assessed_on),
        .date = a->assessed_on,
        .direct_fail = direct_cause(a->cause),
        .grade = a->grade,
        .cause = a->cause                             ? a->cause
                 : a->grade == SKILLBASE__GRADE__FAIL ? SKILLBASE__CAUSE__ASSESSMENT_FAILED
                                                      : 0,
        /* results recorded before scores in tenths carry whole points */
        .total_tenths = a->total_tenths ? a->total_tenths : a->total * 10,
        .base_tenths = a->total_tenths ? a->base_total_tenths : a->base_total * 10,
        .bonus_tenths = a->total_tenths ? a->bonus_total_tenths : a->bonus_total * 10,
        .correction = a->correction,
        .superseded = a->superseded,
        .reason = a->reason ? a->reason : "",
        .by = a->assessor ? a->assessor : "",
    };
}

/* A revocation for a direct-fail cause with no result of its own (a store
 * written before direct fails were results): read as one. */
static bool legacy_direct_fail(const Skillbase__Base *b, ctl_result *ret)
{
    if (b->state != SKILLBASE__STATE__REVOKED || !direct_cause(b->revoked_cause) ||
        !b->revoked_on || !b->revoked_on[0])
        return false;
    for (size_t i = 0; i < b->n_assessments; i++)
        if (b->assessments[i]->cause == b->revoked_cause)
            return false;
    *ret = (ctl_result){.cycle = cycle_of(b, b->revoked_on),
                        .date = b->revoked_on,
                        .direct_fail = true,
                        .grade = SKILLBASE__GRADE__FAIL,
                        .cause = b->revoked_cause,
                        .reason = "",
                        .by = ""};
    return true;
}

int ctl_results_each(const Skillbase__Base *b, bool with_superseded,
                     int (*fn)(void *ctx, const ctl_result *r), void *ctx)
{
    for (size_t i = 0; i < b->n_assessments; i++) {
        ctl_result r = from_assessment(b, b->assessments[i]);
        if (r.superseded && !with_superseded)
            continue;
        int rc = fn(ctx, &r);
        if (rc)
            return rc;
    }
    ctl_result r;
    return legacy_direct_fail(b, &r) ? fn(ctx, &r) : 0;
}

bool ctl_results_latest(const Skillbase__Base *b, ctl_result *ret)
{
    if (legacy_direct_fail(b, ret))
        return true;
    /* results are appended as they are decided: the last standing one */
    for (size_t i = b->n_assessments; i-- > 0;)
        if (!b->assessments[i]->superseded) {
            *ret = from_assessment(b, b->assessments[i]);
            return true;
        }
    return false;
}

bool ctl_results_cycle_span(const char *certified_on, uint32_t cycle, char *ret_from, char *ret_to)
{
    sb_date c;
    if (!cycle || !certified_on || sb_date_parse(certified_on, &c))
        return false;
    sb_date_format(sb_cycle_end(c, cycle - 1), ret_from);
    sb_date_format(sb_date_add_days(sb_cycle_end(c, cycle), -1), ret_to);
    return true;
}

const char *ctl_results_points(uint32_t tenths, char *buf, size_t len)
{
    if (tenths % 10)
        snprintf(buf, len, "%" PRIu32 ".%" PRIu32, tenths / 10, tenths % 10);
    else
        snprintf(buf, len, "%" PRIu32, tenths / 10);
    return buf;
}

const char *ctl_results_total(const ctl_result *r, char *buf, size_t len)
{
    if (r->direct_fail) {
        snprintf(buf, len, "%s", "");
        return buf;
    }
    return ctl_results_points(r->total_tenths, buf, len);
}
