/* sb_handlers: one handler per command of the wire contract, as a table
 * (commands.c). What a handler is given and may do with its call is the
 * handler contract, handler.h.
 */
#ifndef SB_HANDLERS_H
#define SB_HANDLERS_H

#include <stdbool.h>
#include <stdint.h>

#include "handler.h"
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

#endif
