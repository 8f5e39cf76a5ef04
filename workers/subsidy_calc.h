/* subsidy_calc: a sub-base's yearly subsidy statement from its service
 * records and the rules — pure: no I/O, no clock (the time is passed in).
 *
 * For each record, in (date, id) order, the first exclusion that applies
 * decides (policy 六(二) first):
 *   1. OWN_INSTITUTION  the client's credit code is the sub-base unit's own;
 *   2. NOT_CERTIFIED    the date is before certified_on, or on or after
 *                       revoked_on;
 *   3. NO_RULES         no rule version is in force on the date;
 *   4. NO_RATE          the version in force has no rate for the kind and
 *                       level (nor a "*" rate for the kind).
 * Otherwise the record is a line: the rate of the version in force on the
 * service date, its amount by sb_subsidy_line_amount (integer fen, rounded
 * down). The gross is the sum of the lines; the yearly cap is that of the
 * version in force on 31 December of the year; total = min(gross, cap).
 * docs/subsidy.md explains why the rate follows the service date.
 */
#ifndef SUBSIDY_CALC_H
#define SUBSIDY_CALC_H

#include <stddef.h>
#include <stdint.h>

#include "sb_arena.h"
#include "skillbase.pb-c.h"
#include "subsidy_rules.h"

/* Compute the statement of `base` for `year` from `recs` (every record of
 * that base and year, any order; `input_version` is how many the daemon
 * counted, normally n). Everything in *ret, strings included, is allocated
 * in `arena`, so the inputs may be freed afterwards. Returns 0 and *ret, or
 * -1 with the reason in err: a record of another base or year, a sub-base
 * without a certification date, an amount that would overflow, or memory. */
int sb_subsidy_compute(const sb_subsidy_rules *rules, const Skillbase__Base *base, uint32_t year,
                       Skillbase__ServiceRecord *const *recs, size_t n, uint64_t input_version,
                       uint64_t now_ms, sb_arena *arena, Skillbase__SubsidyStatement **ret,
                       char *err, size_t err_len);

#endif
