/* sb_batch: group commit — the requests that arrived together applied in
 * one write transaction, committed once, and each given its reply
 * (TECH-NOTES trap 5). No socket here: the command server
 * (endpoints/server.c) gathers the requests, holds them, sends the replies
 * and answers busy beyond its queue limit ([daemon] max_queue, shed.h).
 *
 * What a batch promises:
 *  - every request gets exactly one reply, whatever happens;
 *  - a request refused after it wrote (sb_dispatch_as returned
 *    SB_DISPATCH_REDO) is marked to run in a child transaction of its own
 *    and the batch is applied again from its start: its writes vanish,
 *    the others' stay (a refusal inside a batch undoes nothing else);
 *  - a map that filled up is grown and the batch replayed (at most 16
 *    times; never when the disk itself is full);
 *  - a commit that fails is answered truthfully: the batch is applied
 *    again with every write undone and refused (no space, store full, I/O
 *    error: "nothing was changed"), so that its reads are still answered;
 *    when even that fails, every request is answered with the error;
 *  - requests that arrive while it is applied may join it (`more`).
 */
#ifndef SB_BATCH_H
#define SB_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dispatch.h"
#include "handlers.h"
#include "sb_arena.h"
#include "server_stats.h"
#include "store.h"

/* One request of a batch: the caller fills body, len and caller (which
 * must stay valid while the batch runs); sb_batch_run fills the rest. */
typedef struct {
    const uint8_t *body; /* the packed Request */
    size_t len;
    const sb_caller *caller;
    uint8_t *reply; /* malloc'd packed Reply (sb_batch_item_clear frees it) */
    size_t reply_len;
    char *request_id;    /* malloc'd; "" when the frame did not decode */
    const char *command; /* its command's name, NULL if none (metrics) */
    int code;            /* its reply's code */
    bool isolate;        /* apply it in a child transaction (set by the batch) */
} sb_batch_item;

typedef struct {
    sb_store *store;
    sb_dispatch_ctx *dispatch; /* its `direct` is set here for each request */
    sb_arena *arena;           /* one request's memory, reset before each */
    /* The i-th request of the batch (i below the count the batch knows). */
    sb_batch_item *(*item)(void *arg, size_t i);
    /* Called when the batch's requests have all been applied: add the ones
     * that arrived meanwhile (the caller's limit applies) and return how
     * many were added (the batch adds them to its count *n, see
     * sb_batch_run); NULL or 0: the batch is complete. */
    size_t (*more)(void *arg);
    /* The commit (the store's when NULL): synchronous when ret_ticket is
     * NULL, else as sb_store_commit_async. It commits or aborts *txn and
     * sets it NULL. Tests pass one that fails. */
    int (*commit)(sb_txn **txn, uint64_t *ret_ticket, void *arg);
    void *arg;              /* for item, more and commit */
    sb_server_stats *stats; /* apply_us, commit_us, redone, commits_failed */
    uint64_t batch_us;      /* recent time per batch (moving average), for busy hints */
} sb_batch;

/* Apply the batch of *n requests (*n becomes the count including those
 * `more` added), commit it and fill every item's reply. Returns true when
 * it committed: the replies may be sent once the store says *ret_ticket is
 * durable (sb_store_wait; 0: already durable). False when it did not: the
 * replies say so (and nothing was changed). */
bool sb_batch_run(sb_batch *b, size_t *n, uint64_t *ret_ticket);

/* Free what sb_batch_run put in `it` and empty it. */
void sb_batch_item_clear(sb_batch_item *it);

#endif
