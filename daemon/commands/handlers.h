/* sb_handlers: one handler per command of the wire contract, as a table.
 *
 * A handler runs inside a (nested) write transaction the dispatcher opened;
 * it reads and writes through sb_store, decides with sb_machine and
 * sb_rules, and fills the Reply. On a refusal it sets the reply's code and
 * message and returns it negated; the dispatcher then aborts the nested
 * transaction so nothing the handler wrote survives. All memory comes from
 * the call's arena.
 */
#ifndef SB_HANDLERS_H
#define SB_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "call.h"
#include "sb_arena.h"
#include "skillbase.pb-c.h"

/* One row of the command table. */
typedef struct sb_command {
    Skillbase__Request__CommandCase command;
    const char *name; /* as in the proto, e.g. "close_publicity" */
    bool write;       /* changes state: idempotency and events apply */
    unsigned roles;   /* SB_ROLE_* allowed to run it */
    sb_handler_fn fn;
    /* The idempotency key derived from the command (ingest:
     * "ingest:<source>:<event_id>"), in place of Request.idempotency_key;
     * a NULL result means no key (the handler refuses such a request).
     * NULL function: the envelope's key. Allocates in the arena. */
    const char *(*idem_key)(sb_arena *arena, const Skillbase__Request *req);
} sb_command;

/* The row for a command, or NULL when the case is unknown or unset. */
const sb_command *sb_command_find(Skillbase__Request__CommandCase command);

/* Set the reply's error code and message (printf-style) and return
 * SB_E(code), for `return sb_call_fail(call, SB_NOT_FOUND, "...")`. */
int sb_call_fail(sb_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Append `ev` to the event log in the call's transaction (assigning
 * ev->seq) and record it as the call's last event (call->out.last_event,
 * from which dispatch sets the reply's seq); with `jobs`, enqueue the jobs
 * the outbox rules give for its topic (jobs.h). ev->time_ms, topic,
 * entity_id and entity_kind must be set. Returns 0 or a store error. */
int sb_call_append_event(sb_call *call, Skillbase__Event *ev, bool jobs);

#endif
