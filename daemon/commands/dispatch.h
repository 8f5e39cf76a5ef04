/* sb_dispatch: one request frame in, one reply frame out.
 *
 * Decodes the frame under a memory budget, checks the envelope (protocol,
 * text fields, role), answers repeated idempotency keys from the store,
 * runs the command's handler (handler.h) in the caller's batch transaction
 * (directly, or in a child transaction of its own: ctx->direct), remembers
 * the answer of a successful write under its idempotency key, and packs the
 * reply. Knows nothing of sockets: the server hands it bytes, and tests can
 * too.
 */
#ifndef SB_DISPATCH_H
#define SB_DISPATCH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "handlers.h"
#include "sb_arena.h"
#include "server_stats.h"
#include "store.h"

typedef struct {
    sb_store *store;
    const sb_config *config;
    uint64_t started_ms;
    /* The clock; NULL means sb_clock_now_ms (the wall clock, or the test
     * clock named by SKILLBASE_TEST_CLOCK). */
    uint64_t (*now_ms)(void *arg);
    void *clock_arg;
    /* The server's group-commit counters, shown by status (NULL: none). */
    const sb_server_stats *server_stats;
    /* Run each request directly in the batch transaction instead of in a
     * child transaction of its own. Saves the child (LMDB copies every page
     * a child touches: about a third of the time spent applying) and is
     * exact as long as a refused request wrote nothing, which is the
     * handler contract (handler.h; a debug build asserts it); one that did
     * (or failed in the store after writing) returns SB_DISPATCH_REDO. */
    bool direct;
    /* The command table; NULL means sb_command_find (tests give their own). */
    const sb_command *(*find)(Skillbase__Request__CommandCase command);
    /* The document store (documents.h); NULL: document commands refuse. */
    struct sb_docs *docs;
} sb_dispatch_ctx;

/* Returned by sb_dispatch_as when ctx->direct and the request was refused
 * (or failed) after it had written into `batch`: the caller must abort
 * `batch` and apply its requests again, this one with ctx->direct false. */
#define SB_DISPATCH_REDO 1

/* Envelope limits (also listed by the rules command): request_id,
 * idempotency_key and actor are at most SB_ENVELOPE_TEXT_MAX bytes; an
 * idempotency key as stored (over CURVE "<key name>/<key>") at most
 * SB_IDEM_KEY_MAX. */
#define SB_ENVELOPE_TEXT_MAX 256
#define SB_IDEM_KEY_MAX 200

/* What one request produced; all pointers into the call's arena. */
typedef struct {
    uint8_t *reply; /* the packed Reply (may carry a refusal) */
    size_t len;
    const char *request_id; /* "" when the frame did not decode */
    int code;               /* the reply's code */
    int wrote;              /* the request changed the store */
    const char *command;    /* the command's name from the table; NULL when
                             * the frame named no known command */
} sb_dispatch_result;

/* Apply one request inside the write transaction `batch`. `role` is the
 * SB_ROLE_* set of the sender. `arena` should be empty: its budget is set
 * here to bound decoding. Returns 0 with *ret filled (valid until the
 * arena's reset); SB_E(SB_STORE_FULL) when the map filled: the caller must
 * abort `batch`, grow the store and replay the batch; SB_DISPATCH_REDO
 * (see above; only with ctx->direct); SB_E(SB_INTERNAL) when even an error
 * reply could not be built (out of memory). */
int sb_dispatch(sb_dispatch_ctx *ctx, sb_txn *batch, unsigned role, const uint8_t *frame,
                size_t len, sb_arena *arena, sb_dispatch_result *ret);

/* sb_dispatch for a caller known by more than its role (daemon/security.h):
 * its key name is the actor, its types limit what it may ingest, its
 * idempotency keys are its own. sb_dispatch(role) is this with an
 * unauthenticated caller of that role. */
int sb_dispatch_as(sb_dispatch_ctx *ctx, sb_txn *batch, const sb_caller *caller,
                   const uint8_t *frame, size_t len, sb_arena *arena, sb_dispatch_result *ret);

/* Pack a bare error reply (no request decoded), e.g. when a commit failed.
 * Returns 0 or SB_E(SB_INTERNAL). */
int sb_dispatch_error_reply(sb_arena *arena, const char *request_id, int code, const char *message,
                            uint8_t **ret_reply, size_t *ret_len);

#endif
