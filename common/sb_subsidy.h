/* sb_subsidy: what skillbased and skillbase-subsidy share about subsidy
 * statements (docs/subsidy.md): the job type, the bounds of a service
 * record, and the arithmetic of one statement line.
 *
 * Money is an integer number of fen (1 yuan = 100 fen), never a
 * floating-point value. Hours come in tenths, so an amount that depends on
 * hours is rate x quantity / 10; the fraction of a fen that leaves is
 * dropped (rounded down): a statement never pays a fraction it cannot pay
 * out. The daemon recomputes every line of a statement it stores with the
 * same function the worker used, so the two can never disagree.
 */
#ifndef SB_SUBSIDY_H
#define SB_SUBSIDY_H

#include <stdbool.h>
#include <stdint.h>

#include "skillbase.pb-c.h"

/* The job the daemon enqueues for a (sub-base, year) whose service records
 * changed; its params are a packed Skillbase__SubsidyJob. */
#define SB_SUBSIDY_JOB_TYPE "subsidy.statement"

/* Bounds of a service record (record_service refuses what is outside). */
#define SB_SUBSIDY_TRAINEES_MAX 100000u     /* person-times in one record */
#define SB_SUBSIDY_HOURS_TENTHS_MAX 100000u /* 10,000 hours */
/* Largest rate a rules file may set: 1,000,000 yuan per unit. With the
 * bounds above a line stays below 10^18 fen, inside a uint64_t. */
#define SB_SUBSIDY_RATE_FEN_MAX 100000000ull

/* Amount of one line in fen: rate_fen x trainees (PER_PERSON_TIME),
 * rate_fen x hours (PER_HOUR) or rate_fen x trainees x hours
 * (PER_PERSON_HOUR), hours being hours_tenths / 10, rounded down to a whole
 * fen. Returns 0 and *ret, or -1 for an unknown unit or a value above its
 * bound. */
int sb_subsidy_line_amount(Skillbase__RateUnit unit, uint64_t rate_fen, uint32_t trainees,
                           uint32_t hours_tenths, uint64_t *ret);

/* The name of a service kind as the proto and the rules file spell it:
 * "training", "skill_assessment", "competition"; NULL for any other value
 * (record_service refuses such a record). */
const char *sb_subsidy_kind_name(Skillbase__ServiceKind kind);

/* a + b into *sum; false (sum untouched) when it would overflow. */
bool sb_subsidy_add(uint64_t a, uint64_t b, uint64_t *sum);

/* Length of the longest "18446744073709551.615" style text plus NUL. */
#define SB_YUAN_STRLEN 32

/* Fen as yuan with exactly two decimals ("1234.05"), by integer
 * arithmetic, into buf (at least SB_YUAN_STRLEN bytes); returns buf. */
char *sb_subsidy_yuan(uint64_t fen, char *buf);

/* "7.5" from hours in tenths (one decimal, ".0" kept) into buf (at least
 * 16 bytes); returns buf. */
char *sb_subsidy_hours(uint32_t hours_tenths, char *buf);

#endif
