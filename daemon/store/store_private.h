/* store_private.h: what the store's .c files share. Private to
 * daemon/store*.c; nothing else includes it (the API is store.h).
 *
 * The store is split by subject: store.c (environment, transactions, meta
 * counters, idempotency, info, backup), store_records.c (records and their
 * indexes) and store_events.c (the event log). Helpers here carry a double
 * underscore so a reader sees at once they are not API.
 */
#ifndef SB_STORE_PRIVATE_H
#define SB_STORE_PRIVATE_H

#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Longest id, credit code, counter name or idempotency key we accept: keeps
 * every composite key (code NUL id, id NUL seq) well under LMDB's 511. */
#define SB_STORE_KEY_MAX 200

/* List and event page sizes: the wire contract's default and cap. */
#define SB_STORE_LIMIT_DEFAULT 100
#define SB_STORE_LIMIT_MAX 1000

struct sb_store {
    MDB_env *env;
    MDB_dbi records, state_idx, credit_idx, events, entity_events, idem, meta;
    /* the job outbox and its indexes (store_jobs.c) */
    MDB_dbi jobs, job_state_idx, job_due_idx;
    /* service records and subsidy statements (store_subsidy.c) */
    MDB_dbi services, service_idx, statements;
    /* four-eyes proposals (store_proposals.c) */
    MDB_dbi proposals;
    /* granted sub-base names (store_names.c) */
    MDB_dbi base_names;
    /* equipment, yearly activity, recommendations (store_activity.c) */
    MDB_dbi activity;
    size_t map_max;
    char *dir;     /* for log lines */
    int open_txns; /* top-level transactions open: grow must see 0 */
    bool writing;  /* a top-level write transaction is open */
    /* the background backup, NULL until the first (store_backup.c) */
    struct sb_store_backups *backups;
    /* the last top-level commit failed for want of disk space
     * (sb_store_out_of_space); cleared by the next commit that writes */
    bool no_space;
    /* logged that the disk is full; cleared (and logged) once a commit
     * writes with space to spare again, so a nearly full disk on which some
     * commits still fit does not flood the log */
    bool no_space_logged;
    /* the commit log (store_wal.c); NULL: it is off and every commit is
     * a full LMDB commit */
    struct sb_store_wal *wal;
};

/* The commit log's state (store_wal.c). With it on, one LMDB write
 * transaction, `base`, stays open between checkpoints; every top-level
 * transaction of the owner thread is a child of it, and a commit appends
 * the child's writes to the log before merging them into base. */
struct sb_store_wal {
    struct sb_wal *file;
    MDB_txn *base;   /* NULL only after a rebuild failed */
    MDB_txn *inner;  /* the innermost open child of base (reads borrow it) */
    pthread_t owner; /* the thread that opened the store */
    uint8_t *ops;    /* the open top-level transaction's writes, encoded */
    size_t ops_len, ops_cap;
    bool ops_failed; /* recording ran out of memory: its commit must fail */
    bool dirty;      /* base holds writes not yet checkpointed */
    bool broken;     /* an append failed: nothing more goes to the log
                      * until a checkpoint */
    bool asap;       /* checkpoint at the next chance (a backup waits) */
    int ckpt_err;    /* the last checkpoint failed with this (0: it did not):
                      * nothing more goes to the log until one succeeds */
    bool wrote;      /* the last top-level commit made writes durable */
    uint32_t interval_ms;
    uint64_t last_ms; /* monotonic time of the last checkpoint (or try) */
    uint64_t checkpoints, checkpoint_us, replayed;
    /* The log's writer thread (sb_store_commit_async): under mu, the
     * tickets (record counts since open) staged and made durable, and the
     * error a flush failed with (then nothing is durable any more). */
    pthread_t writer;
    bool writer_started, writer_stop;
    bool kicked;   /* the writer may sync what is staged */
    bool flushing; /* a sync runs (on the writer or a waiting owner) */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    uint64_t staged, durable;
    int flush_err;
};

struct sb_txn {
    MDB_txn *txn;
    sb_store *s;
    sb_txn *parent; /* NULL for a top-level transaction */
    bool write;
    /* Set once an operation here or in a child hit MDB_MAP_FULL: LMDB has
     * poisoned the transaction, so its commit must report STORE_FULL (not
     * the MDB_BAD_TXN LMDB would give), and so must every ancestor's. */
    bool full;
    /* Write operations begun in this transaction (not its children): lets
     * a caller tell whether a request that ran directly in it wrote. */
    uint64_t writes;
    /* With the commit log: a read that uses the owner thread's open write
     * transaction (LMDB allows one child at a time); ending it ends
     * nothing in LMDB. */
    bool borrowed;
    /* With the commit log: the length of the recorded writes when this
     * child began (its abort drops what it recorded). */
    size_t ops_mark;
};

/* Every change to the environment goes through these three, so that the
 * commit log (store_wal.c) records it: put and del call mdb_put/mdb_del
 * and record on success; after a put with MDB_RESERVE has been filled in,
 * call sb_store__reserved with the key and the filled value. They return
 * an LMDB code like the calls they stand for (ENOMEM when the record
 * cannot be kept). */
int sb_store__put(sb_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags);
int sb_store__del(sb_txn *t, MDB_dbi dbi, MDB_val *k);
int sb_store__reserved(sb_txn *t, MDB_dbi dbi, const MDB_val *k, const MDB_val *v);

/* The named databases in a fixed order (store.c): a log record names a
 * database by its place here, so entries are only ever appended. */
typedef struct {
    const char *name;
    size_t off; /* of its MDB_dbi in sb_store */
} sb_store__db;
extern const sb_store__db sb_store__dbs[];
extern const size_t sb_store__n_dbs;

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

/* Map an LMDB error to an sb_error: MDB_MAP_FULL becomes STORE_FULL (and
 * marks t full), anything else is logged with `what` and is INTERNAL. */
int sb_store__err(sb_txn *t, int rc, const char *what);

/* 0 if t is a write transaction, else logs and returns INTERNAL. */
int sb_store__need_write(sb_txn *t, const char *what);

/* 0 if s is a non-empty string of at most SB_STORE_KEY_MAX bytes. */
int sb_store__check_key(const char *s);

/* Read the u64 LE counter at meta key `name`; absent reads as 0. */
int sb_store__meta_get(sb_txn *t, const char *name, uint64_t *ret);

/* Store the u64 LE counter `v` at meta key `name`. */
int sb_store__meta_set(sb_txn *t, const char *name, uint64_t v);

/* One step of a schema migration (store_migrate.c): turns a store of
 * version `from` into one of version `to` inside the caller's write
 * transaction. */
typedef struct {
    uint32_t from, to;
    const char *what; /* one line for the log */
    int (*fn)(sb_txn *t);
} sb_store_migration;

/* Bring the store in t from schema `from` to SB_STORE_SCHEMA_VERSION.
 * Returns 0, or a negated error (logged) when a step is missing or fails. */
int sb_store__migrate(sb_txn *t, uint64_t from);

/* The same over a given table of steps, up to `to` (tests use their own). */
int sb_store__migrate_with(sb_txn *t, uint64_t from, uint64_t to, const sb_store_migration *steps,
                           size_t n_steps);

/* The audit hash chain (store_audit.c): append `ev` (seq set) under `key`
 * as the next link and move the head; and the schema 2 migration step that
 * chains the events a store of schema 1 holds. */
int sb_store__audit_append(sb_txn *t, MDB_val *key, Skillbase__Event *ev);
int sb_store__audit_migrate(sb_txn *t);

/* Schema step 4 -> 5: index the names of the sub-bases (store_names.c). */
int sb_store__names_migrate(sb_txn *t);

/* An idempotency entry's value (sb_store_idem_put): the command hash, the
 * event whose record the reply left out (0: none) and the packed reply.
 * Returns -1 when the value is too short to be one. */
int sb_store__idem_parse(const MDB_val *v, uint64_t *ret_hash, uint64_t *ret_record_seq,
                         const uint8_t **ret_reply, size_t *ret_len);

/* Event `seq` from the log, unpacked with alloc (store_events.c); a missing
 * or undecodable event is SB_INTERNAL (whoever names it expects it). */
int sb_store__event_load(sb_txn *t, uint64_t seq, ProtobufCAllocator *alloc,
                         Skillbase__Event **ret);

/* Page size from a caller's limit: 0 gives the default, large ones the cap. */
uint32_t sb_store__limit(uint32_t limit);

/* Allocate / free a returned array of n pointers with alloc (NULL: malloc). */
void *sb_store__array_alloc(ProtobufCAllocator *alloc, size_t n);
void sb_store__array_free(ProtobufCAllocator *alloc, void *p);

static inline void sb_store__be64(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

static inline uint64_t sb_store__get_be64(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | in[i];
    return v;
}

static inline void sb_store__le64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8)
        out[i] = (uint8_t)v;
}

static inline uint64_t sb_store__get_le64(const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | in[i];
    return v;
}

#endif
