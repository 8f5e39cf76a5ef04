/* The helpers some handlers share (handlers_private.h): reads, pages, dates. */
#include "handlers.h"

#include <stdio.h>
#include <string.h>

#include "handlers_private.h"
#include "jobs.h"
#include "privacy.h"
#include "sb_error.h"

char *sb_handler_today(sb_call *call)
{
    char buf[SB_DATE_STRLEN];
    return sb_arena_strdup(call->arena, sb_date_format(call->today, buf));
}

/* ------------------------------------------------------------ reads */

size_t sb_handler_page_fit(const sb_call *call, void *const *items, size_t n)
{
    size_t used = 0, max = call->config->max_reply_bytes;
    for (size_t i = 0; i < n; i++) {
        used += protobuf_c_message_get_packed_size(items[i]) + 8;
        if (i > 0 && used > max)
            return i;
    }
    return n;
}

uint32_t sb_handler_page_limit(sb_call *call, uint32_t asked)
{
    uint32_t applied = asked == 0 ? SB_PAGE_DEFAULT : asked > SB_PAGE_MAX ? SB_PAGE_MAX : asked;
    call->reply->page_limit = applied;
    return applied;
}

int sb_handler_withhold_events(sb_call *call, Skillbase__Event **events, size_t n)
{
    if (sb_privacy_entitled(call->caller))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (sb_privacy_redact_event(call->arena, events[i]))
            return SB_E(SB_INTERNAL);
    return 0;
}
