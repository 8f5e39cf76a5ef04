/* sb_call: the handler contract — what a command handler is given, who sent
 * the request, and what a handler may do with its call. Every handler
 * (handle_*.c, four_eyes.c) and the modules they use (privacy.h, scope.h)
 * take an sb_call; dispatch.c builds it and runs the handler from the
 * command table (handlers.h).
 *
 * A handler runs in the batch's write transaction (call->txn; dispatch.h:
 * directly, or in a child transaction of the batch's), reads the store,
 * decides with the policy (sb_machine, sb_rules) and answers in the reply.
 * All memory comes from the call's arena. Its steps, in this order:
 *
 *   1. load and check: sb_call_load, sb_call_check_id, sb_call_check_version,
 *      sb_call_check_reason, sb_call_check_transition (or
 *      sb_call_find_transition), and the policy's checks;
 *   2. refuse, if it must: sb_call_fail (or sb_call_fail_problems) sets the
 *      reply's code and message; return what it returns;
 *   3. write the change: sb_call_revise gives the record's next version,
 *      sb_call_commit_change writes it with its event and jobs;
 *      sb_call_event and sb_call_append_event append an event that is not a
 *      transition; sb_call_enqueue_job enqueues another job;
 *   4. reply: sb_call_reply_record (or another result in call->reply).
 *
 * The rules:
 *  - Decide before you write. Every refusal comes before the first write;
 *    once a handler has written, it succeeds or fails only because the
 *    store did (SB_STORE_FULL, SB_INTERNAL). A refusal after a write is a
 *    bug: in a debug build sb_call_fail, and dispatch for a handler that
 *    refuses otherwise, assert that the call has not written
 *    (sb_call_wrote); in a release build dispatch aborts the batch and runs
 *    it again with the request in a transaction of its own
 *    (SB_DISPATCH_REDO), so what it wrote does not stay.
 *  - Results go through the call: the event a handler appends is recorded
 *    in call->out (sb_call_append_event) and dispatch sets the reply's seq
 *    from it; a handler sets neither reply->seq nor call->out itself.
 *  - A handler that runs another command (ingest, a confirmed four-eyes
 *    proposal) finds its row through call->find and calls it with a call
 *    whose request is that command's, built as typed protobuf messages.
 */
#ifndef SB_HANDLER_H
#define SB_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "jobs.h"
#include "machine.h"
#include "rules.h"
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
    sb_txn *txn; /* the batch's write transaction, or a child of it (dispatch.h) */
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
    /* The transaction and its write count when the handler began
     * (sb_call_begin), for sb_call_wrote; not for handlers. */
    struct {
        const sb_txn *txn;
        uint64_t writes;
    } mark;
    /* The document store and its uploads (documents.h); NULL: none. */
    struct sb_docs *docs;
    /* The command table (dispatch's): how a command that runs others
     * (ingest, a confirmed four-eyes proposal) finds their rows; NULL:
     * none, and such a command fails. */
    const struct sb_command *(*find)(Skillbase__Request__CommandCase command);
} sb_call;

typedef int (*sb_handler_fn)(sb_call *call);

/* ---------------------------------------------------------- the call's life */

/* Mark the start of a handler's work in call->txn (dispatch, and a caller
 * that runs a handler in a transaction of its own, e.g. a four-eyes trial). */
void sb_call_begin(sb_call *call);

/* True when the call has written in call->txn since sb_call_begin: any
 * write to the store (records, events, jobs, ids, ...), whichever function
 * made it (the store counts them, sb_store_txn_writes). */
bool sb_call_wrote(const sb_call *call);

/* The check behind "decide before you write": in a debug build, assert
 * that a call answered with `code` (SB_OK aside) has not written unless
 * the code is a failure of the store (SB_STORE_FULL, SB_INTERNAL). Nothing
 * in a release build (dispatch then redoes the batch, dispatch.h). */
void sb_call_check_refusal(const sb_call *call, int code);

/* ---------------------------------------------------------- load and check */

/* Limits of the checks below (also listed by the rules command). */
#define SB_ID_MAX 64       /* record ids */
#define SB_REASON_MAX 2000 /* reasons */

/* What every record has, whichever its kind (pointers into the record). */
typedef struct {
    const char *id;
    Skillbase__Kind kind;
    Skillbase__State state;
    uint64_t version;
    uint64_t created_ms;
} sb_record_head;

/* The head of an application or a sub-base record. */
sb_record_head sb_call_record_head(const Skillbase__Record *rec);

/* 0 when `id` is a well-formed record id, else the reply is set (INVALID). */
int sb_call_check_id(sb_call *call, const char *id);

/* Load record `id`; on NOT_FOUND or a bad id the reply is set. */
int sb_call_load(sb_call *call, const char *id, Skillbase__Record **ret);

/* Refuse with STALE_VERSION when the request expects another version. */
int sb_call_check_version(sb_call *call, const char *id, uint64_t version);

/* Require a non-empty, well-formed reason (or, when !required, only
 * well-formed). */
int sb_call_check_reason(sb_call *call, const char *reason, bool required, const char *action);

/* Find the transition or refuse with WRONG_STATE naming what is allowed. */
int sb_call_find_transition(sb_call *call, Skillbase__Kind kind, const char *id,
                            Skillbase__State from, bool objection_open, sb_action action,
                            const sb_transition **ret);

/* sb_call_check_version and sb_call_find_transition for a loaded record:
 * the transition `action` takes from its state (*ret); on a refusal the
 * reply is set. */
int sb_call_check_transition(sb_call *call, const Skillbase__Record *old, sb_action action,
                             const sb_transition **ret);

/* ---------------------------------------------------------- refuse */

/* Set the reply's error code and message (printf-style) and return
 * SB_E(code), for `return sb_call_fail(call, SB_NOT_FOUND, "...")`. Only
 * before the call writes (see the rules above), except for SB_INTERNAL. */
int sb_call_fail(sb_call *call, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copy the problems into reply->details and fail with `code`. */
int sb_call_fail_problems(sb_call *call, int code, const sb_problems *p, const char *message);

/* ---------------------------------------------------------- write */

/* The next version of a record: a shallow copy (and of its inner message)
 * in the arena, version + 1, updated now; the old one stays intact for
 * index maintenance. NULL when out of memory. */
Skillbase__Record *sb_call_revise(sb_call *call, const Skillbase__Record *old);

/* A new event about `rec` in the arena, from and to its current state:
 * topic "<kind>.<what>", the call's time, actor, request id, ingested fact
 * and four-eyes proposal, reason NULL taken as "". Not yet appended
 * (sb_call_append_event). NULL when out of memory. */
Skillbase__Event *sb_call_event(sb_call *call, Skillbase__Record *rec, const char *what,
                                const char *action, const char *reason);

/* Append `ev` to the event log in the call's transaction (assigning
 * ev->seq) and record it as the call's last event (call->out.last_event,
 * from which dispatch sets the reply's seq); with `jobs`, enqueue the jobs
 * the outbox rules give for its topic (jobs.h). ev->time_ms, topic,
 * entity_id and entity_kind must be set. Returns 0 or a store error. */
int sb_call_append_event(sb_call *call, Skillbase__Event *ev, bool jobs);

/* Enqueue one job (jobs.h) in the call's transaction; on success its id
 * into ret_id (at least SB_JOB_ID_MAX bytes) unless ret_id is NULL.
 * Returns 0; SB_E(SB_INVALID) for a bad type (the spec is the caller's
 * bug; logged); or a store error — return these as they are. */
int sb_call_enqueue_job(sb_call *call, const sb_job_spec *spec, char *ret_id);

/* Write the record and append its event (topic "<kind>.<to_state>") with
 * its jobs. `from` is STATE_UNSPECIFIED for a creation. */
int sb_call_commit_change(sb_call *call, Skillbase__Record *rec, const Skillbase__Record *old,
                          const char *action, Skillbase__State from, const char *reason);

/* ---------------------------------------------------------- reply */

/* Put the record into the reply as its result. */
void sb_call_reply_record(sb_call *call, Skillbase__Record *rec);

#endif
