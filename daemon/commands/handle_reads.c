/* The reads every record shares: show, list, history, read_events and
 * status (docs/protocol.md). Reads write nothing. */
#include <stdio.h>
#include <string.h>

#include "handlers_private.h"
#include "scope.h"
#include "sb_error.h"

int sb_handler_show(sb_call *call)
{
    Skillbase__Record *rec;
    int rc = sb_call_load(call, call->req->show->id, &rec);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

int sb_handler_list(sb_call *call)
{
    const Skillbase__List *q = call->req->list;
    if (q->kind > SKILLBASE__KIND__BASE || q->state > SB_STORE_STATE_LAST)
        return sb_call_fail(call, SB_INVALID, "list: unknown kind or state");
    if (q->after && q->after[0] && sb_call_check_id(call, q->after))
        return SB_E(SB_INVALID);
    Skillbase__RecordPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__record_page__init(page);
    size_t n;
    bool more;
    uint32_t limit = sb_handler_page_limit(call, q->limit);
    int rc = sb_store_list(call->txn, q->kind, q->state, q->after, limit, &call->arena->pb,
                           &page->records, &n, &more);
    if (rc)
        return rc;
    if (call->caller && call->caller->district) {
        rc = sb_scope_list(call, q, limit, page, n, more);
        if (!rc && q->details)
            rc = sb_handler_list_details(call, page->records, page->n_records);
        return rc;
    }
    if (q->details && (rc = sb_handler_list_details(call, page->records, n)))
        return rc;
    /* bounded in bytes too: a client cannot ask for 1000 records of 1 MiB */
    size_t fit = sb_handler_page_fit(call, (void *const *)page->records, n);
    more = more || fit < n;
    n = fit;
    page->n_records = n;
    if (more && n)
        page->next = (char *)sb_call_record_head(page->records[n - 1]).id;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_PAGE;
    call->reply->page = page;
    return 0;
}

static int reply_events(sb_call *call, Skillbase__Event **events, size_t n, uint64_t next)
{
    /* a district-scoped key sees its own district-level records' only */
    sb_scope_filter_events(call->caller, events, &n);
    /* personal data only for those entitled to it (privacy.h) */
    int wrc = sb_handler_withhold_events(call, events, n);
    if (wrc)
        return wrc;
    size_t fit = sb_handler_page_fit(call, (void *const *)events, n);
    if (fit < n) {
        next = events[fit]->seq;
        n = fit;
    }
    Skillbase__EventPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__event_page__init(page);
    page->events = events;
    page->n_events = n;
    page->next_seq = next;
    int rc = sb_store_last_seq(call->txn, &page->last_seq);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_EVENTS;
    call->reply->events = page;
    return 0;
}

int sb_handler_history(sb_call *call)
{
    const Skillbase__History *q = call->req->history;
    Skillbase__Record *rec;
    int rc = sb_call_load(call, q->id, &rec);
    if (rc)
        return rc;
    Skillbase__Event **events;
    size_t n;
    uint64_t next;
    /* from_seq is the one paging rule (next_seq passes as it); after_seq
     * the older form, the events after it */
    if (q->from_seq && q->after_seq)
        return sb_call_fail(call, SB_INVALID,
                            "history: give from_seq (the next_seq of a page) or after_seq, not "
                            "both");
    uint64_t after = q->from_seq ? q->from_seq - 1 : q->after_seq;
    rc = sb_store_history(call->txn, q->id, after, sb_handler_page_limit(call, q->limit),
                          &call->arena->pb, &events, &n, &next);
    if (rc)
        return rc;
    return reply_events(call, events, n, next);
}

int sb_handler_read_events(sb_call *call)
{
    const Skillbase__ReadEvents *q = call->req->read_events;
    Skillbase__Event **events;
    size_t n;
    if (q->topic_prefix && q->topic_prefix[0])
        return sb_handler_read_events_filtered(call);
    uint64_t next;
    int rc = sb_store_events_read(call->txn, q->from_seq, sb_handler_page_limit(call, q->limit),
                                  &call->arena->pb, &events, &n, &next);
    if (rc)
        return rc;
    return reply_events(call, events, n, next);
}

/* The server's group-commit counters (none when dispatch runs without a
 * server, as in the unit tests). */
static int status_batches(sb_call *call, Skillbase__StatusInfo *st)
{
    const sb_server_stats *ss = call->server_stats;
    if (!ss)
        return 0;
    st->requests = ss->requests;
    st->batches = ss->batches;
    st->largest_batch = ss->largest_batch;
    st->commit_us = ss->commit_us;
    st->apply_us = ss->apply_us;
    size_t n = SB_SERVER_BATCH_BUCKETS;
    while (n && !ss->batch_sizes[n - 1])
        n--;
    if (!n)
        return 0;
    st->batch_sizes = sb_arena_alloc(call->arena, n * sizeof *st->batch_sizes);
    if (!st->batch_sizes)
        return SB_E(SB_INTERNAL);
    memcpy(st->batch_sizes, ss->batch_sizes, n * sizeof *st->batch_sizes);
    st->n_batch_sizes = n;
    return 0;
}

int sb_handler_status(sb_call *call)
{
    Skillbase__StatusInfo *st = sb_arena_alloc(call->arena, sizeof *st);
    uint64_t counts[3][SB_STORE_STATES];
    if (!st)
        return SB_E(SB_INTERNAL);
    skillbase__status_info__init(st);
    int rc = sb_store_counts(call->txn, counts);
    if (rc)
        return rc;
    st->counts = sb_arena_alloc(call->arena, 3 * SB_STORE_STATES * sizeof *st->counts);
    if (!st->counts)
        return SB_E(SB_INTERNAL);
    for (int k = SKILLBASE__KIND__APPLICATION; k <= SKILLBASE__KIND__BASE; k++) {
        for (int s = SKILLBASE__STATE__APPLIED; s <= SB_STORE_STATE_LAST; s++) {
            if (!counts[k][s])
                continue;
            Skillbase__StateCount *c = sb_arena_alloc(call->arena, sizeof *c);
            if (!c)
                return SB_E(SB_INTERNAL);
            skillbase__state_count__init(c);
            c->kind = k;
            c->state = s;
            c->count = counts[k][s];
            st->counts[st->n_counts++] = c;
        }
    }
    /* in the call's transaction: no second one beside the batch */
    sb_store_info info;
    rc = sb_store_info_txn(call->txn, &info);
    if (rc)
        return rc;
    st->version = (char *)SB_VERSION;
    st->uptime_s = call->now_ms > call->started_ms ? (call->now_ms - call->started_ms) / 1000 : 0;
    st->store_bytes = info.used_bytes;
    st->map_bytes = info.map_bytes;
    st->schema_version = info.schema_version;
    st->last_seq = info.last_seq;
    st->state_dir = (char *)call->config->state_dir;
    st->event_endpoint = (char *)call->config->event_endpoint;
    rc = status_batches(call, st);
    if (rc)
        return rc;
    rc = sb_handler_status_jobs(call, st);
    if (rc)
        return rc;
    if (!(st->backup = sb_handler_backup_info(call)))
        return SB_E(SB_INTERNAL);
    rc = sb_handler_bureau_status(call, st);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_STATUS;
    call->reply->status = st;
    return 0;
}
