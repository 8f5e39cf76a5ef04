/* sb_subsidy: statement-line arithmetic in integer fen (sb_subsidy.h). */
#include "sb_subsidy.h"

#include <stdio.h>

int sb_subsidy_line_amount(Skillbase__RateUnit unit, uint64_t rate_fen, uint32_t trainees,
                           uint32_t hours_tenths, uint64_t *ret)
{
    if (rate_fen > SB_SUBSIDY_RATE_FEN_MAX || trainees > SB_SUBSIDY_TRAINEES_MAX ||
        hours_tenths > SB_SUBSIDY_HOURS_TENTHS_MAX)
        return -1;
    /* Each product is below 10^8 * 10^5 * 10^5 = 10^18 < 2^64. */
    switch (unit) {
    case SKILLBASE__RATE_UNIT__PER_PERSON_TIME:
        *ret = rate_fen * trainees;
        return 0;
    case SKILLBASE__RATE_UNIT__PER_HOUR:
        *ret = rate_fen * hours_tenths / 10;
        return 0;
    case SKILLBASE__RATE_UNIT__PER_PERSON_HOUR:
        *ret = rate_fen * trainees * hours_tenths / 10;
        return 0;
    default:
        return -1;
    }
}

const char *sb_subsidy_kind_name(Skillbase__ServiceKind kind)
{
    switch (kind) {
    case SKILLBASE__SERVICE_KIND__TRAINING:
        return "training";
    case SKILLBASE__SERVICE_KIND__SKILL_ASSESSMENT:
        return "skill_assessment";
    case SKILLBASE__SERVICE_KIND__COMPETITION:
        return "competition";
    default:
        return NULL;
    }
}

bool sb_subsidy_add(uint64_t a, uint64_t b, uint64_t *sum)
{
    if (a > UINT64_MAX - b)
        return false;
    *sum = a + b;
    return true;
}

char *sb_subsidy_yuan(uint64_t fen, char *buf)
{
    snprintf(buf, SB_YUAN_STRLEN, "%llu.%02llu", (unsigned long long)(fen / 100),
             (unsigned long long)(fen % 100));
    return buf;
}

char *sb_subsidy_hours(uint32_t hours_tenths, char *buf)
{
    snprintf(buf, 16, "%u.%u", hours_tenths / 10, hours_tenths % 10);
    return buf;
}
