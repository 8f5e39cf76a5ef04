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

#include "config.h"
#include "sb_arena.h"
#include "sb_date.h"
#include "skillbase.pb-c.h"
#include "store.h"

/* Roles a caller may hold (authenticated identities map to roles). */
enum {
    SB_ROLE_OPERATOR = 1 << 0, /* bureau staff at the CLI */
    SB_ROLE_SERVICE = 1 << 1,  /* the bureau's other services */
    SB_ROLE_WORKER = 1 << 2,   /* skillbase's own workers */
    SB_ROLE_ANY = SB_ROLE_OPERATOR | SB_ROLE_SERVICE | SB_ROLE_WORKER,
};

/* Everything one command needs. */
typedef struct {
    sb_store *store;
    sb_txn *txn;                  /* the request's own nested transaction */
    sb_arena *arena;
    const sb_config *config;
    const Skillbase__Request *req;
    Skillbase__Reply *reply;      /* initialised, code OK */
    uint64_t now_ms;              /* the clock, read once per request */
    sb_date today;                /* Hangzhou date of now_ms */
    uint64_t started_ms;          /* daemon start, for status */
    const char *actor;            /* never NULL */
} sb_call;

typedef int (*sb_handler_fn)(sb_call *call);

/* One row of the command table. */
typedef struct {
    Skillbase__Request__CommandCase command;
    const char *name;    /* as in the proto, e.g. "close_publicity" */
    bool write;          /* changes state: idempotency and events apply */
    unsigned roles;      /* SB_ROLE_* allowed to run it */
    sb_handler_fn fn;
} sb_command;

/* The row for a command, or NULL when the case is unknown or unset. */
const sb_command *sb_command_find(Skillbase__Request__CommandCase command);

/* Set the reply's error code and message (printf-style) and return
 * SB_E(code), for `return sb_call_fail(call, SB_NOT_FOUND, "...")`. */
int sb_call_fail(sb_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
