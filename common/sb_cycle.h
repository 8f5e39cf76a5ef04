/* sb_cycle: the assessment cycles of a sub-base (五(一) 每两年), shared by
 * the daemon's rules (rules.h) and what skillbasectl prints per cycle.
 *
 * Cycle N covers the two years from certified_on + 2(N-1) years up to (not
 * including) certified_on + 2N years (29 Feb -> 28 Feb). Pure date
 * arithmetic, no I/O.
 */
#ifndef SB_CYCLE_H
#define SB_CYCLE_H

#include <stdint.h>

#include "sb_date.h"

/* The cycle `on` falls in (1 before or on the day of certification). */
uint32_t sb_cycle_of(sb_date certified_on, sb_date on);

/* The day cycle `cycle` ends — the first day of the next, and the day its
 * assessment is due. Cycle 0 "ends" on certified_on (cycle 1's start). */
sb_date sb_cycle_end(sb_date certified_on, uint32_t cycle);

#endif
