/* sb_cycle: assessment cycles (see sb_cycle.h). */
#include "sb_cycle.h"

sb_date sb_cycle_end(sb_date certified_on, uint32_t cycle)
{
    return sb_date_add_years(certified_on, 2 * (int)cycle);
}

uint32_t sb_cycle_of(sb_date certified_on, sb_date on)
{
    if (sb_date_cmp(on, certified_on) < 0)
        return 1;
    /* near the answer from the years apart, then exact on the boundaries */
    int years = on.year - certified_on.year;
    uint32_t n = years > 2 ? (uint32_t)(years / 2) : 1;
    while (n > 1 && sb_date_cmp(on, sb_cycle_end(certified_on, n - 1)) < 0)
        n--;
    while (sb_date_cmp(on, sb_cycle_end(certified_on, n)) >= 0)
        n++;
    return n;
}
