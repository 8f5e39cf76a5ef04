/* sb_scope: district-scoped keys (六(五)) — what a key scoped to a district
 * may see and do (docs/security.md, "District-scoped keys").
 *
 * A sub-base (or application) has a level, city or district (BaseLevel; a
 * record without one is city-level). A district-level one belongs to its
 * unit's district, whose bureau runs its process. A key with `district = D`
 * in the keys file (sb_caller.district) acts for that bureau:
 *
 *  - every command that names a record (a field `id`, `base_id`,
 *    `application_id`, `entity_id` or `entity` of the command, or of a
 *    message inside it; a proposal id stands for its record) runs only when
 *    each record it names is a district-level record of D; otherwise it is
 *    refused FORBIDDEN, naming the scope and the record's level, before the
 *    handler runs (sb_scope_check, called by dispatch: so a new command is
 *    covered without changes);
 *  - apply and import_base only of level DISTRICT with a unit in D (a
 *    proposal to import: as the import);
 *  - of the commands that name no record, only the reads that filter what
 *    they return (list, history, read_events, list_proposals) and those that
 *    show nothing of a record (status, whoami, rules, audit_head,
 *    audit_verify), and the rest of an upload begun on its own record
 *    (document_chunk, document_commit: an upload belongs to its beginner)
 *    run; every other command is refused;
 *  - lists, histories, event reads and proposal lists leave out what is not
 *    the key's (sb_scope_filter_events, sb_scope_filter_proposals,
 *    sb_scope_list).
 *
 * Callers without a district (the city bureau's keys, ipc) see and do all.
 */
#ifndef SB_SCOPE_H
#define SB_SCOPE_H

#include <stdbool.h>
#include <stddef.h>

#include "handlers.h"

/* Keep in items[0..*n) only what `caller` may see, in order; *n shrinks. */
void sb_scope_filter_events(const sb_caller *caller, Skillbase__Event **items, size_t *n);

/* The check dispatch makes before `cmd` runs in `call`: 0 when allowed (or
 * the caller is not scoped); a refusal sets the reply (FORBIDDEN) and
 * returns its negated code; a store failure its code. */
int sb_scope_check(sb_call *call, const sb_command *cmd);

/* handle_list for a district-scoped caller: `page` holds the first n
 * records sb_store_list gave for q (`more` as it said); keeps the caller's
 * own, reading on until `limit` are found or SB_SCOPE_SCAN_MAX records were
 * read (then RecordPage.next says where to go on, even on an empty page),
 * and sets the reply. */
#define SB_SCOPE_SCAN_MAX 5000
int sb_scope_list(sb_call *call, const Skillbase__List *q, uint32_t limit,
                  Skillbase__RecordPage *page, size_t n, bool more);

/* Keep in the proposals only those whose record `call`'s caller may see. */
int sb_scope_filter_proposals(sb_call *call, Skillbase__Proposal **items, size_t *n);

#endif
