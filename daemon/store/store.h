/* sb_store: skillbase's durable state in one LMDB environment.
 *
 * Named databases (see docs/storage.md):
 *   records        id -> packed Skillbase__Record
 *   state_idx      kind(1) | state(1) | id -> "" (composite key, no DUPSORT)
 *   credit_idx     credit_code NUL id -> "" (every record ever made for a code)
 *   events         seq (u64 big-endian) -> packed Skillbase__Event
 *   entity_events  id NUL seq(u64 BE) -> ""
 *   idem           idempotency key -> hash(u64 LE) | [0x07 | event seq (u64 LE)]
 *                  | packed Skillbase__Reply (without its record when the seq is there)
 *   meta           "schema_version", "event_seq", "next_id/<kind>",
 *                  "serial/<name>", "count/<kind>/<state>" -> u64 LE
 *
 * A record put, its index updates and its event go into the same
 * transaction, so they commit or vanish together. Write transactions nest:
 * the daemon opens one per batch of requests (group commit) and one child
 * per request. Every commit is synchronous (no MDB_NOSYNC): when
 * sb_store_commit returns 0 the data is on disk.
 *
 * With the commit log on (sb_store_options.log_bytes), "on disk" means in
 * the log: a top-level commit appends the transaction's writes to the log
 * file and syncs it once, and LMDB itself is committed, with its own full
 * sync, at checkpoints (sb_store_checkpoint); opening the store replays
 * the log past the last checkpoint. See docs/storage.md.
 *
 * Threading: one sb_store per process; write transactions begin and end on
 * the same thread. Errors: functions return 0 or a negated sb_error code;
 * SB_E(SB_STORE_FULL) means the map is full: abort the whole top-level
 * transaction, call sb_store_grow, and run it again.
 */
#ifndef SB_STORE_H
#define SB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skillbase.pb-c.h"

/* The schema version this build writes and reads. */
/* 2: events form the audit hash chain (store_audit.h); 3: jobs keep their
 * event, idempotency entries their reply's record, by event number. */
#define SB_STORE_SCHEMA_VERSION 5

typedef struct sb_store sb_store;
typedef struct sb_txn sb_txn;

typedef struct {
    const char *dir; /* directory holding data.mdb; created if missing */
    size_t map_size; /* initial map size in bytes (0: 64 MiB) */
    size_t map_max;  /* largest the map may grow to (0: 64 GiB) */
    /* The commit log: the size of its file (0: no log, every commit is a
     * full LMDB commit), and how long a write may wait in it before a
     * checkpoint (0: 500 ms). A checkpoint is also due once the log is
     * half full. */
    uint64_t log_bytes;
    uint32_t checkpoint_ms;
} sb_store_options;

typedef struct {
    bool on;                /* the commit log is in use */
    uint64_t used_bytes;    /* log bytes written since the last checkpoint */
    uint64_t size_bytes;    /* the log file's size */
    uint64_t checkpoints;   /* since open */
    uint64_t checkpoint_us; /* time spent in them */
    uint64_t replayed;      /* records replayed when the store was opened */
} sb_store_log_info;

typedef struct {
    uint64_t map_bytes;  /* current map size */
    uint64_t used_bytes; /* pages in use * page size */
    uint64_t last_seq;   /* highest event sequence committed */
    uint32_t schema_version;
} sb_store_info;

/* Open (creating if needed) the store in opts->dir, clear stale readers,
 * check the schema version. Returns 0 and *ret, or SB_E(SB_INTERNAL) with
 * the reason logged (e.g. a store written by a newer schema). */
int sb_store_open(const sb_store_options *opts, sb_store **ret);

/* Close the store and set *s to NULL. No transaction may be open. */
void sb_store_close(sb_store **s);

/* Double the map size (capped at map_max). No transaction may be open.
 * Returns 0, or SB_E(SB_STORE_FULL) when already at map_max. */
int sb_store_grow(sb_store *s);

/* Sizes and counters, read in a short read transaction. */
int sb_store_info_get(sb_store *s, sb_store_info *ret);

/* The same inside transaction t (last_seq as t sees it; the sizes are
 * those of the last commit), for a caller that has one open already. */
int sb_store_info_txn(sb_txn *t, sb_store_info *ret);

/* With the commit log: whether a checkpoint is due (the interval has
 * passed with writes waiting, the log is half full, or a backup waits);
 * and the checkpoint itself: LMDB's synchronous commit of everything
 * logged so far, after which the log starts again. No transaction may be
 * open. Returns 0 (also when the log is off or nothing waits) or a store
 * error; a failed checkpoint loses nothing (the log still holds it) and
 * is tried again at the next interval. */
bool sb_store_checkpoint_due(sb_store *s);
int sb_store_checkpoint(sb_store *s);

/* The commit log's figures (all 0 when it is off). */
void sb_store_log_info_get(sb_store *s, sb_store_log_info *ret);

/* Hot backup: a compacted copy of the environment into the empty or
 * missing directory `dir`. Safe while the daemon serves. */
int sb_store_backup(sb_store *s, const char *dir);

/* ------------------------------------------------------------ transactions */

/* Begin a top-level transaction (write or read-only). */
int sb_store_begin(sb_store *s, bool write, sb_txn **ret);

/* Begin a child of a write transaction; its changes become part of the
 * parent on commit and vanish on abort. */
int sb_store_sub_begin(sb_txn *parent, sb_txn **ret);

/* How many write operations (puts, new ids, event appends, ...) were begun
 * in t itself, not in its children. Compare two readings to learn whether
 * what ran in between wrote. */
uint64_t sb_store_txn_writes(const sb_txn *t);

/* Commit and free *t (set to NULL, also on failure: a failed commit is
 * aborted). A top-level commit is durable when it returns 0. Returns
 * SB_E(SB_STORE_FULL) if the map filled up in t or in any child of t, even
 * a child that was aborted. */
int sb_store_commit(sb_txn **t);

/* With the commit log on, commit a top-level write transaction without
 * waiting for the log's sync: its writes are visible to the next
 * transaction at once, durable once sb_store_wait(s, *ret_ticket)
 * returned 0. A reply that depends on t (or on anything read after it)
 * must wait for that. A transaction that wrote nothing gets the ticket of
 * the last one that did. Without the log (or when the log cannot take
 * the writes) this is sb_store_commit, and *ret_ticket is 0. */
int sb_store_commit_async(sb_txn **t, uint64_t *ret_ticket);

/* Let the log's writer thread sync what sb_store_commit_async staged
 * while the caller goes on (otherwise sb_store_wait syncs it on the
 * caller's thread). */
void sb_store_kick(sb_store *s);

/* Wait until everything up to `ticket` is durable. Returns 0, or
 * SB_E(SB_INTERNAL) when the log could not be written: what was
 * committed after the last durable ticket may or may not survive, so the
 * caller must stop (a restart replays what reached the disk). */
int sb_store_wait(sb_store *s, uint64_t ticket);

/* Abort and free *t (set to NULL). NULL is ignored. */
void sb_store_abort(sb_txn **t);

/* True when the last top-level commit failed for want of disk space: the
 * file system refused the write (ENOSPC, EDQUOT), or an I/O error came
 * while it had less than 1 MiB free (LMDB reports a short write as EIO).
 * Such a commit returns SB_E(SB_STORE_FULL) like a full map, but growing
 * the map cannot help: nothing was written, and the next commit that
 * succeeds (once space is freed) clears the condition. */
bool sb_store_out_of_space(const sb_store *s);

/* ------------------------------------------------------------ records */

/* Load record `id`, unpacked with `alloc` (NULL: malloc). Returns 0 and
 * *ret (caller frees with skillbase__record__free_unpacked(r, alloc)),
 * SB_E(SB_NOT_FOUND), or SB_E(SB_INTERNAL) when the stored bytes do not
 * decode. Every function below that returns messages takes `alloc` the same
 * way; with an arena allocator (sb_arena) freeing is the arena's reset. */
int sb_store_record_get(sb_txn *t, const char *id, ProtobufCAllocator *alloc,
                        Skillbase__Record **ret);

/* Write `rec` (an application or a base, id set) and keep state_idx,
 * credit_idx and the per-state counts in step. `old` is the record as it was
 * (NULL for a new record) so its index entry can be replaced. */
int sb_store_record_put(sb_txn *t, const Skillbase__Record *rec, const Skillbase__Record *old);

/* Allocate the next id of a kind: "app-000001", "base-000001", ... into buf
 * (at least 32 bytes). */
int sb_store_next_id(sb_txn *t, Skillbase__Kind kind, char *buf, size_t len);

/* Increment and return the named counter (starts at 1), e.g. the yearly
 * certificate serial "cert/2026". */
int sb_store_next_serial(sb_txn *t, const char *name, uint64_t *ret);

/* Records of `kind` (0: both) in `state` (0: any), ordered by kind then id,
 * starting after id `after` (NULL or "": from the start), at most `limit`.
 * Returns 0 with *ret_records (array of *ret_n records; free with
 * sb_store_records_free) and *ret_more true when more follow. */
int sb_store_list(sb_txn *t, Skillbase__Kind kind, Skillbase__State state, const char *after,
                  uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Record ***ret_records,
                  size_t *ret_n, bool *ret_more);

/* Free what sb_store_list returned (the array itself with alloc too). */
void sb_store_records_free(Skillbase__Record **records, size_t n, ProtobufCAllocator *alloc);

/* Call fn for every record ever created for `credit_code`, until fn returns
 * non-zero; returns that value, 0 when fn never did, or a store error. */
int sb_store_credit_each(sb_txn *t, const char *credit_code, ProtobufCAllocator *alloc,
                         int (*fn)(const Skillbase__Record *rec, void *arg), void *arg);

/* The highest record state (proto State) and the size of an array indexed
 * by state. */
#define SB_STORE_STATE_LAST SKILLBASE__STATE__EXITED
#define SB_STORE_STATES (SB_STORE_STATE_LAST + 1)

/* Number of records per kind and state: counts[kind][state]. */
int sb_store_counts(sb_txn *t, uint64_t counts[3][SB_STORE_STATES]);

/* ------------------------------------------------------------ events */

/* Append `ev`, assigning ev->seq (the next global sequence number), and
 * index it under ev->entity_id. */
int sb_store_event_append(sb_txn *t, Skillbase__Event *ev);

/* Highest committed sequence (0 when none). */
int sb_store_last_seq(sb_txn *t, uint64_t *ret);

/* Events with seq >= from_seq, at most limit. Returns 0 with *ret_events
 * (free with sb_store_events_free) and *ret_next (the seq to read from next,
 * 0 when none follow). */
int sb_store_events_read(sb_txn *t, uint64_t from_seq, uint32_t limit, ProtobufCAllocator *alloc,
                         Skillbase__Event ***ret_events, size_t *ret_n, uint64_t *ret_next);

/* Events of one record with seq > after_seq, oldest first, same contract. */
int sb_store_history(sb_txn *t, const char *id, uint64_t after_seq, uint32_t limit,
                     ProtobufCAllocator *alloc, Skillbase__Event ***ret_events, size_t *ret_n,
                     uint64_t *ret_next);

void sb_store_events_free(Skillbase__Event **events, size_t n, ProtobufCAllocator *alloc);

/* Call fn with the stored bytes (a packed Skillbase__Event, valid only
 * during the call) of each event with seq >= from_seq, in order, at most
 * `limit` (same defaults as above), for readers that pass events on as
 * they are (the event stream) and so need not unpack them. Returns 0 with
 * *ret_next (the seq to read from next, 0 when none follow), fn's non-zero
 * return value, or a store error. */
int sb_store_events_each_raw(sb_txn *t, uint64_t from_seq, uint32_t limit,
                             int (*fn)(void *arg, uint64_t seq, const uint8_t *bytes, size_t len),
                             void *arg, uint64_t *ret_next);

/* ------------------------------------------------------------ idempotency */

/* Look up a key. Returns 0 with *ret_hash, *ret_record_seq and a malloc'd
 * copy of the stored reply (*ret_reply, *ret_len; caller frees with
 * free()), or SB_E(SB_NOT_FOUND). *ret_record_seq is 0, or the event whose
 * record the reply was stored without (see sb_store_idem_put). */
int sb_store_idem_get(sb_txn *t, const char *key, uint64_t *ret_hash, uint64_t *ret_record_seq,
                      uint8_t **ret_reply, size_t *ret_len);

/* Remember the reply for a key (overwrites). record_seq: 0, or the event
 * whose record is the reply's record, packed without it: the event log
 * already holds that record, and a replay takes it from there. */
int sb_store_idem_put(sb_txn *t, const char *key, uint64_t hash, uint64_t record_seq,
                      const uint8_t *reply, size_t len);

#endif
