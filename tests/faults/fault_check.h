/* fault_check: what the fault suite checks after a fault (docs/faults.md).
 *
 *   - replay: every acknowledged write sent again with the same bytes is
 *     answered from the idempotency store (replayed) with the answer the
 *     client first got, `replayed` aside — including the writes whose
 *     first tries were lost to a crash and that were retried;
 *   - the ledger: a file, one line per acknowledged write ever made on a
 *     store ("<request_id> <events> <seq>", then the power-loss trace
 *     position its answer was read at when the load had a --mark-file),
 *     kept across rounds;
 *   - the log: events numbered 1..last without a gap or a duplicate; every
 *     write of the ledger caused exactly its number of events (by the
 *     events' request_id), the last of them at the sequence its answer
 *     named; the audit hash chain verifies from the first event to the head.
 */
#ifndef FAULT_CHECK_H
#define FAULT_CHECK_H

#include <stdint.h>

#include "fault_load.h"

typedef struct {
    uint64_t replayed; /* writes sent again and answered from the store */
    uint64_t retried;  /* of which were retried after a timeout when first sent */
    uint64_t events;   /* events read from the log */
    uint64_t last_seq;
    uint64_t ledger;        /* writes of the ledger checked against the log */
    uint64_t audit_checked; /* events whose hash-chain link was checked */
    uint64_t problems;      /* each printed on stderr */
} fc_report;

/* Requests the replay keeps in flight on its one connection: within the
 * places one connection has in a batch ([daemon] conn_queue, 16 by default),
 * so each replayed answer comes from the next batch. */
#define FC_REPLAY_WINDOW 8

/* Send every write of r->acked again (window requests in flight on one
 * socket, at most the daemon's [daemon] conn_queue) and compare the answers. Adds to rep. Returns
 * 0, or -1 when the daemon could not be asked. */
int fc_replay(void *ctx, const char *endpoint, const fl_result *r, unsigned window, fc_report *rep);

/* Append r's acknowledged writes to the ledger file. Returns 0 or -1. */
int fc_ledger_append(const char *path, const fl_result *r);

/* Read the whole log and check it against the ledger (NULL: only the
 * numbering) and the audit chain. Adds to rep. Returns 0, or -1 when the
 * daemon could not be asked. */
int fc_log_check(const char *endpoint, const char *ledger, fc_report *rep);

/* Request ids in the log: how many events each caused. */
typedef struct fc_ids fc_ids;

/* Read the whole log (its numbering checked into rep) and index the
 * events by request id. Returns 0 and *ret (free with fc_ids_free), or -1. */
int fc_log_read(const char *endpoint, fc_ids **ret, fc_report *rep);

/* Events with this request id, and the last of them (0 when none). */
uint32_t fc_ids_count(fc_ids *ids, const char *request_id, uint64_t *ret_last_seq);

void fc_ids_free(fc_ids **ids);

#endif
