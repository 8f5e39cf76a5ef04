/* sb_call: what a command handler is given, and who sent the request
 * (handlers.h runs handlers from a table; dispatch.c builds the call).
 * Kept apart from handlers.h so that the modules handlers use (jobs.h,
 * privacy.h) can take a call without the table and its helpers.
 */
#ifndef SB_CALL_H
#define SB_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "sb_arena.h"
#include "sb_date.h"
#include "server_stats.h"
#include "skillbase.pb-c.h"
#include "store.h"

/* Roles a caller may hold (authenticated identities map to roles; the
 * keys file names them, docs/security.md). */
enum {
    SB_ROLE_OPERATOR = 1 << 0, /* bureau staff at the CLI */
    SB_ROLE_SERVICE = 1 << 1,  /* the bureau's other services: ingest */
    SB_ROLE_WORKER = 1 << 2,   /* skillbase's own workers */
    SB_ROLE_REVIEWER = 1 << 3, /* experts: review, evaluate, assess; may not revoke */
    SB_ROLE_READER = 1 << 4,   /* reads and the event stream only */
    /* every role: a trusted in-process caller (tests) */
    SB_ROLE_ANY =
        SB_ROLE_OPERATOR | SB_ROLE_SERVICE | SB_ROLE_WORKER | SB_ROLE_REVIEWER | SB_ROLE_READER,
    /* the roles that may read records, events, jobs and reports */
    SB_ROLES_READ = SB_ROLE_OPERATOR | SB_ROLE_WORKER | SB_ROLE_REVIEWER | SB_ROLE_READER,
};

/* Who sent a request (daemon/security.h). */
typedef struct {
    unsigned role;      /* SB_ROLE_* bits; 0: may do nothing */
    const char *name;   /* the CURVE key's name; NULL when not authenticated (ipc) */
    char *const *types; /* service: the ingest types it may report; worker: job types */
    size_t n_types;
    const char *refusal; /* role 0: why (e.g. "key alice was removed"); may be NULL */
    /* A key scoped to a district (六(五), scope.h): the district's canonical
     * name; NULL for every other caller (the city bureau's keys, ipc). */
    const char *district;
} sb_caller;

struct sb_command;

/* Everything one command needs. */
typedef struct {
    sb_store *store;
    sb_txn *txn; /* the request's own nested transaction */
    sb_arena *arena;
    const sb_config *config;
    const Skillbase__Request *req;
    Skillbase__Reply *reply;             /* initialised, code OK */
    uint64_t now_ms;                     /* the clock, read once per request */
    sb_date today;                       /* Hangzhou date of now_ms */
    uint64_t started_ms;                 /* daemon start, for status */
    const char *actor;                   /* never NULL */
    const sb_server_stats *server_stats; /* NULL outside the server */
    /* The ingested fact being applied (handle_ingest.c), attached to every
     * event the call appends (Event.ingest); NULL for other commands. */
    const Skillbase__Ingest *ingest;
    /* Who sent the request (never NULL in dispatch). */
    const sb_caller *caller;
    /* A confirmed four-eyes decision (four_eyes.c): recorded in every event
     * the call appends (Event.proposal_id, proposed_by); NULL otherwise. */
    const char *proposal_id;
    const char *proposed_by;
    /* What the call produced besides its reply, for dispatch to read:
     * last_event is the last event it appended (sb_call_append_event; NULL:
     * none). Dispatch sets the reply's seq from it, and keeps a keyed reply
     * whose record is this event's record without a copy of it
     * (sb_store_idem_put). Handlers do not set reply->seq. */
    struct {
        const Skillbase__Event *last_event;
    } out;
    /* The document store and its uploads (documents.h); NULL: none. */
    struct sb_docs *docs;
    /* The command table (dispatch's): how a command that runs others
     * (ingest, a confirmed four-eyes proposal) finds their rows; NULL:
     * none, and such a command fails. */
    const struct sb_command *(*find)(Skillbase__Request__CommandCase command);
} sb_call;

typedef int (*sb_handler_fn)(sb_call *call);

#endif
