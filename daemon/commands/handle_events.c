/* read_events with a topic prefix (ReadEvents.topic_prefix): the same page
 * contract as an unfiltered read, with the scan bounded so that a rare
 * topic in a long log cannot make one request read the whole log. */
#include <string.h>

#include "handlers_private.h"
#include "scope.h"
#include "sb_error.h"

#define PAGE_MAX SB_PAGE_MAX
/* Events examined per request; the page then ends early and next_seq says
 * where to go on (documented in proto/skillbase.proto). */
#define SCAN_MAX SB_READ_EVENTS_SCAN_MAX
#define TOPIC_PREFIX_MAX SB_TOPIC_PREFIX_MAX

/* Copy an event (unpacked with malloc) into the call's arena. */
static Skillbase__Event *keep(sb_call *call, const Skillbase__Event *ev)
{
    size_t len = skillbase__event__get_packed_size(ev);
    uint8_t *buf = sb_arena_alloc(call->arena, len ? len : 1);
    if (!buf)
        return NULL;
    skillbase__event__pack(ev, buf);
    return skillbase__event__unpack(&call->arena->pb, len, buf);
}

int sb_handler_read_events_filtered(sb_call *call)
{
    const Skillbase__ReadEvents *q = call->req->read_events;
    const char *prefix = q->topic_prefix;
    size_t plen = strlen(prefix);
    if (plen > TOPIC_PREFIX_MAX || !sb_rules_text_ok(prefix))
        return sb_call_fail(call, SB_INVALID,
                            "topic_prefix: must be UTF-8 text of at most %d bytes",
                            TOPIC_PREFIX_MAX);
    uint32_t limit = sb_handler_page_limit(call, q->limit);
    Skillbase__EventPage *page = sb_arena_alloc(call->arena, sizeof *page);
    Skillbase__Event **out = sb_arena_alloc(call->arena, limit * sizeof *out);
    if (!page || !out)
        return SB_E(SB_INTERNAL);
    skillbase__event_page__init(page);
    uint64_t from = q->from_seq ? q->from_seq : 1, next = from;
    size_t n = 0, scanned = 0;
    int rc = 0;
    /* Read whole pages with malloc and keep only the matches in the arena,
     * so what the arena holds is bounded by the reply, not by the scan. */
    while (next && n < limit && scanned < SCAN_MAX) {
        Skillbase__Event **evs = NULL;
        size_t got = 0;
        uint64_t after = 0;
        rc = sb_store_events_read(call->txn, next, PAGE_MAX, NULL, &evs, &got, &after);
        if (rc)
            return rc;
        next = after;
        for (size_t i = 0; i < got; i++) {
            if (n == limit || scanned == SCAN_MAX) {
                next = evs[i]->seq;
                break;
            }
            scanned++;
            if (strncmp(evs[i]->topic, prefix, plen) != 0)
                continue;
            if (!(out[n++] = keep(call, evs[i]))) {
                rc = SB_E(SB_INTERNAL);
                break;
            }
        }
        sb_store_events_free(evs, got, NULL);
        if (rc)
            return rc;
    }
    /* a district-scoped key sees its own district-level records' only */
    sb_scope_filter_events(call->caller, out, &n);
    if ((rc = sb_handler_withhold_events(call, out, n)))
        return rc;
    size_t fit = sb_handler_page_fit(call, (void *const *)out, n);
    if (fit < n) {
        next = out[fit]->seq;
        n = fit;
    }
    page->events = out;
    page->n_events = n;
    page->next_seq = next;
    rc = sb_store_last_seq(call->txn, &page->last_seq);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_EVENTS;
    call->reply->events = page;
    return 0;
}
