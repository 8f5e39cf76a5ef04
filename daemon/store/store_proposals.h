/* sb_store proposals: the four-eyes proposals (four_eyes.h), in the
 * database "proposals": id ("prop-NNNNNN") -> packed Skillbase__Proposal.
 * Ids are handed out by the meta counter "serial/proposal". Same contract
 * as store.h: 0 or a negated sb_error; messages unpacked with `alloc`. */
#ifndef SB_STORE_PROPOSALS_H
#define SB_STORE_PROPOSALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* The next proposal id into buf (at least 32 bytes). */
int sb_store_proposal_next_id(sb_txn *t, char *buf, size_t len);

/* Load a proposal: 0 and *ret, SB_E(SB_NOT_FOUND), or SB_E(SB_INTERNAL)
 * when it does not decode. */
int sb_store_proposal_get(sb_txn *t, const char *id, ProtobufCAllocator *alloc,
                          Skillbase__Proposal **ret);

/* Write (create or replace) a proposal under its id. */
int sb_store_proposal_put(sb_txn *t, const Skillbase__Proposal *p);

/* Proposals in `state` (0: any) ordered by id, after id `after` (NULL or
 * "": from the start), at most `limit` (0: 100, at most 1000). *ret is an
 * array of *ret_n (allocated with alloc); *ret_more when more follow. */
int sb_store_proposal_list(sb_txn *t, Skillbase__ProposalState state, const char *after,
                           uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Proposal ***ret,
                           size_t *ret_n, bool *ret_more);

#endif
