/* sb_four_eyes: decisions that take effect only when two different
 * operators agree (docs/security.md, "Four eyes").
 *
 * With [four_eyes] certify = on, close_publicity (certification once
 * publicity has closed) does not act: it is tried in a transaction that is
 * thrown away — so a proposal that could not take effect now is refused at
 * once with the handler's own reason — and then recorded as a Proposal
 * with an event "application.certification_proposed". revoke = on does the
 * same for revoke ("base.revocation_proposed") and for an assess whose total
 * is under 60, which revokes too (五(二)): every revocation under the same
 * control. subsidy = on does it for subsidy_approve, whose proposal names
 * the statement ("base-000001/2026") and pins its version
 * ("base.subsidy_approval_proposed"). confirm_proposal by another
 * operator runs the command exactly as proposed, against the record at the
 * version it had when proposed (STALE_VERSION if it has moved since: the
 * proposal stays open until discarded); its events name the proposal and
 * the proposer (Event.proposal_id, proposed_by), its actor is the confirmer.
 *
 * A worker's close_publicity (the deadline worker, when the window ends)
 * under certify = on makes a proposal with requested_by set and no
 * proposer: the first operator to confirm it becomes the proposer, a second
 * one confirms. Ingested facts (a service reporting a deregistration) are
 * not proposals: they apply at once, recorded with the service's name.
 *
 * Over ipc:// operators name themselves (Request.actor), so four eyes is
 * only as strong as the names: in production operators use keys (tcp://).
 */
#ifndef SB_FOUR_EYES_H
#define SB_FOUR_EYES_H

#include <stdbool.h>

#include "handlers.h"

/* True when `cmd` sent in `call` must become a proposal. */
bool sb_four_eyes_applies(const sb_call *call, const sb_command *cmd);

/* Record the proposal for `cmd` (a refusal leaves the reply set and
 * returns its negated code, like a handler). */
int sb_four_eyes_propose(sb_call *call, const sb_command *cmd);

#endif
