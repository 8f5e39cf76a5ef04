/* store_wal.h: the commit log's calls for the floors above it (private to
 * daemon/store; its state is struct sb_store_wal in store_core.h, its
 * public calls are in store.h). */
#ifndef SB_STORE_WAL_H
#define SB_STORE_WAL_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* The commit log (store_wal.c). open: after the databases are open, open
 * or create the log and replay what it holds past the last checkpoint.
 * begin/commit: the owner thread's top-level transactions while it is on
 * (commit returns an LMDB or errno code). close: checkpoint and close. */
int sb_store__wal_open(sb_store *s, const sb_store_options *opts);
int sb_store__wal_begin(sb_store *s, bool write, sb_txn *t);
int sb_store__wal_commit(sb_txn *t);
int sb_store__wal_commit_async(sb_txn *t, uint64_t *ret_ticket);
void sb_store__wal_close(sb_store *s);
/* Drop base before the map is resized, and rebuild it after. */
void sb_store__wal_drop(sb_store *s);
int sb_store__wal_rebuild(sb_store *s);
/* The id of base (what a backup must wait to see checkpointed). */
uint64_t sb_store__wal_pending_id(sb_store *s);
/* A checkpoint: LMDB's own synchronous commit of base (returns an LMDB or
 * errno code). */
int sb_store__wal_checkpoint(sb_store *s);

#endif
