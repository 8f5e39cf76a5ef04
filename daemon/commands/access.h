/* sb_access: who may run which command — the checks sb_dispatch makes
 * before a handler runs, on top of the roles column of the command table
 * (docs/security.md, "Roles").
 *
 *  - the caller's role must be in the command's roles;
 *  - a reader never writes, whatever a table row says;
 *  - a service reports only the Ingest types its key lists, under its own
 *    name as Ingest.source; every authenticated caller (an operator
 *    entering a fact by hand too) ingests and records services only under
 *    its own key's name as source (sb_access_bind_source);
 *  - over an authenticated connection the actor recorded in the audit
 *    trail is the key's name: Request.actor is ignored (skillbasectl
 *    refuses --as with a key, so nobody believes otherwise), and the
 *    idempotency keys a caller sends are its own (scoped by its name), so
 *    one caller can neither replay nor block another's.
 *
 * Pure: no store, no sockets. Messages are allocated in the arena.
 */
#ifndef SB_ACCESS_H
#define SB_ACCESS_H

#include "handlers.h"

/* "operator", "reviewer", ... for one SB_ROLE_* bit; "none" for 0 and
 * "trusted" for several. Never NULL. */
const char *sb_access_role_name(unsigned role);

/* NULL when `caller` may run `cmd` as `req` asks, else why not (a
 * FORBIDDEN message). */
const char *sb_access_check(sb_arena *arena, const sb_caller *caller, const sb_command *cmd,
                            const Skillbase__Request *req);

/* An authenticated caller's ingest and record_service speak for the caller
 * only: an empty source becomes the key's name, another name is refused
 * (the message; NULL when bound). Over ipc (no key) nothing changes. */
const char *sb_access_bind_source(sb_arena *arena, const sb_caller *caller,
                                  Skillbase__Request *req);

/* The actor to record: the key's name when authenticated (Request.actor
 * ignored), else Request.actor, else "anonymous". Never NULL today;
 * *ret_refusal is for a refusal (NULL). */
const char *sb_access_actor(sb_arena *arena, const sb_caller *caller, const Skillbase__Request *req,
                            const char **ret_refusal);

/* The idempotency key as stored: an authenticated caller's envelope keys
 * are prefixed with its name and '/'. NULL when out of memory. */
const char *sb_access_scope_key(sb_arena *arena, const sb_caller *caller, const char *key);

#endif
