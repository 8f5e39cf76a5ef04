/* Group commit (batch.h). */
#include "batch.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sb_error.h"
#include "sb_log.h"

/* apply's answer when a request must be isolated and the batch applied
 * again (SB_DISPATCH_REDO). */
#define APPLY_REDO 1
/* Map growths for one batch before its requests are answered "full". */
#define GROW_MAX 16

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int keep_reply(sb_batch_item *p, const uint8_t *reply, size_t len, const char *request_id)
{
    /* request_id may be p's own (an error reply after a failed commit):
     * copy it before the old one is freed */
    char *id = strdup(request_id ? request_id : "");
    free(p->reply);
    free(p->request_id);
    p->reply = malloc(len ? len : 1);
    p->request_id = id;
    if (!p->reply || !p->request_id)
        return -1;
    memcpy(p->reply, reply, len);
    p->reply_len = len;
    return 0;
}

void sb_batch_item_clear(sb_batch_item *it)
{
    free(it->reply);
    free(it->request_id);
    memset(it, 0, sizeof *it);
}

static int commit(sb_batch *b, sb_txn **txn, uint64_t *ret_ticket)
{
    if (b->commit)
        return b->commit(txn, ret_ticket, b->arg);
    return ret_ticket ? sb_store_commit_async(txn, ret_ticket) : sb_store_commit(txn);
}

static void error_replies(sb_batch *b, size_t n, int code, const char *message)
{
    for (size_t i = 0; i < n; i++) {
        sb_batch_item *p = b->item(b->arg, i);
        uint8_t *buf;
        size_t len;
        sb_arena_reset(b->arena);
        b->arena->budget = 0;
        if (sb_dispatch_error_reply(b->arena, p->request_id, code, message, &buf, &len) == 0)
            keep_reply(p, buf, len, p->request_id);
        p->code = code;
    }
}

/* Apply the whole batch in one write transaction. Requests that arrive
 * while it is being applied join it (b->more): clients answered by the
 * previous commit send their next request meanwhile, and taking it now
 * rather than after this commit lets one commit serve them all. Returns 0
 * when committed (replies ready), SB_E(SB_STORE_FULL) to grow and replay,
 * or another error after which the replies say so.
 *
 * With refuse_code set (the store could not commit the batch: no disk
 * space, an I/O error, the map at its maximum) the batch is applied again
 * with every write undone and answered refuse_code/refuse_msg, so that
 * reads are still served while writes cannot be.
 *
 * Requests run directly in the batch's transaction (dispatch.h,
 * ctx->direct); one refused after it wrote makes this return APPLY_REDO
 * with that request marked to run in a child transaction next time. */
static int apply(sb_batch *b, size_t *n, int refuse_code, const char *refuse_msg,
                 uint64_t *ret_ticket)
{
    sb_txn *txn = NULL;
    uint64_t started = mono_us();
    int rc = sb_store_begin(b->store, true, &txn);
    if (rc)
        return rc;
    for (size_t i = 0; i < *n || (b->more && (*n += b->more(b->arg)) > i); i++) {
        sb_batch_item *p = b->item(b->arg, i);
        sb_dispatch_result r;
        sb_txn *sub = NULL;
        sb_arena_reset(b->arena);
        if (refuse_code && (rc = sb_store_sub_begin(txn, &sub)))
            goto fail;
        b->dispatch->direct = !refuse_code && !p->isolate;
        rc = sb_dispatch_as(b->dispatch, sub ? sub : txn, p->caller, p->body, p->len, b->arena, &r);
        if (rc == SB_DISPATCH_REDO) {
            /* refused after writing: the batch again, this one on its own */
            p->isolate = true;
            rc = APPLY_REDO;
        }
        if (rc) {
            sb_store_abort(&sub);
            goto fail;
        }
        if (sub && r.wrote) {
            sb_store_abort(&sub);
            rc = sb_dispatch_error_reply(b->arena, r.request_id, refuse_code, refuse_msg, &r.reply,
                                         &r.len);
            if (rc)
                goto fail;
            r.code = refuse_code;
        } else if (sub && (rc = sb_store_commit(&sub))) {
            goto fail;
        }
        if (keep_reply(p, r.reply, r.len, r.request_id)) {
            rc = SB_E(SB_INTERNAL);
            goto fail;
        }
        p->command = r.command;
        p->code = r.code;
    }
    sb_arena_reset(b->arena);
    uint64_t applied = mono_us();
    /* With the commit log, the sync is waited for before the replies (the
     * caller's sb_store_wait), so the next batch can be applied meanwhile. */
    *ret_ticket = 0;
    rc = refuse_code ? commit(b, &txn, NULL) : commit(b, &txn, ret_ticket);
    uint64_t done = mono_us();
    b->stats->apply_us += applied - started;
    b->stats->commit_us += done - applied;
    b->batch_us = (b->batch_us * 7 + (done - started)) / 8;
    return rc;
fail:
    sb_store_abort(&txn);
    return rc;
}

bool sb_batch_run(sb_batch *b, size_t *n, uint64_t *ret_ticket)
{
    int rc;
    *ret_ticket = 0;
    for (int grown = 0;;) {
        rc = apply(b, n, 0, NULL, ret_ticket);
        /* each redo isolates one more request: at most one per request */
        if (rc == APPLY_REDO) {
            b->stats->redone++;
            continue;
        }
        /* a full disk is not a full map: growing the map cannot help */
        if (rc != SB_E(SB_STORE_FULL) || grown++ == GROW_MAX || sb_store_out_of_space(b->store))
            break;
        if (sb_store_grow(b->store)) {
            sb_log(SB_LOG_ERROR, "store full: raise [daemon] map_max_mb");
            break;
        }
        sb_log(SB_LOG_INFO, "store map grown; replaying a batch of %zu", *n);
    }
    if (!rc)
        return true;
    int code = rc == SB_E(SB_STORE_FULL) ? SB_STORE_FULL : SB_INTERNAL;
    const char *why =
        sb_store_out_of_space(b->store)
            ? "no space left on the disk of the store; nothing was changed (writes are "
              "taken again by themselves once space is freed)"
        : code == SB_STORE_FULL ? "the store is full (its map is at [daemon] map_max_mb); "
                                  "nothing was changed"
                                : "the store could not write (an I/O error, see the daemon "
                                  "log); nothing was changed";
    b->stats->commits_failed++;
    sb_log(sb_store_out_of_space(b->store) ? SB_LOG_DEBUG : SB_LOG_ERROR,
           "batch of %zu requests not committed: %s", *n, sb_error_name(rc));
    /* the reads of the batch can still be answered: again, writes refused */
    uint64_t none;
    if (apply(b, n, code, why, &none))
        error_replies(b, *n, code, why);
    *ret_ticket = 0;
    return false;
}
