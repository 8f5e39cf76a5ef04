/* sb_privacy: applicants' personal data goes only where it must (PIPL;
 * docs/security.md, "Personal data").
 *
 * The personal fields are those of the unit's contact person: Contact.name,
 * Contact.phone and Contact.email, in an application's form and on a
 * sub-base. Callers entitled to them: operators (they run the procedure
 * and call the applicant) and the notify worker (it writes to the
 * applicant): a worker key listing the type "notify" (or "*"). Everyone
 * else — reviewers, readers, services, the other workers, and followers of
 * the event stream whose key is none of those — gets events with those
 * fields emptied and Contact.withheld set.
 */
#ifndef SB_PRIVACY_H
#define SB_PRIVACY_H

#include <stdbool.h>

#include "handler.h"
#include "sb_arena.h"

/* True when `c` may see personal fields (NULL: a trusted in-process
 * caller). */
bool sb_privacy_entitled(const sb_caller *c);

/* Empty the personal fields of ev's record, in place. The record's
 * contact is replaced by a copy from the arena (the caller's objects may
 * be shared); returns -1 when the arena is exhausted. NULL ev: nothing. */
int sb_privacy_redact_event(sb_arena *arena, Skillbase__Event *ev);

#endif
