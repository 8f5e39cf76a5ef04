/* store_core.h: the store's ground floor, which every other file of
 * daemon/store stands on (the API is store.h; nothing outside the store
 * and its unit tests includes this). It holds the handle and a
 * transaction as they are, the databases, LMDB error mapping, byte order,
 * meta counters, and the put/del/reserved every change goes through
 * (store_core.c). Helpers here carry a double underscore so a reader sees
 * at once they are not API.
 *
 * The floors above it, each calling only downwards (docs/architecture.md):
 * the commit log (store_wal.c, wal.c) and idempotency (store_idem.c); the
 * trees (records, events, audit, documents, names, jobs, services,
 * proposals, activity) and migrations; verification; background backups;
 * transactions (store_txn.c) and opening (store_open.c) on top. Where a
 * lower floor must reach a higher one (a checkpoint waking a backup that
 * waits for it) it calls a hook here that the higher one fills in.
 */
#ifndef SB_STORE_CORE_H
#define SB_STORE_CORE_H

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
    /* What the floors below the backup call when they remap the map or
     * make a checkpoint (through sb_store__before_remap and
     * sb_store__after_checkpoint): store_backup.c fills them in with its
     * first backup; NULL before. */
    void (*before_remap)(sb_store *s);
    void (*after_checkpoint)(sb_store *s, uint64_t id);
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
 * the child's writes to the log before merging them into base. Defined on
 * this floor because sb_store__put and the like (store_core.c) record
 * into ops. */
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

/* The commit log's record of a change (encoded by sb_store__put / _del /
 * _reserved, replayed by store_wal.c). A record holds operations, each
 *   op (1 put, 2 del) | database (its place in sb_store__dbs) |
 *   key length u16 LE | value length u32 LE | key | value */
#define SB_STORE__OP_PUT 1
#define SB_STORE__OP_DEL 2
#define SB_STORE__OP_HEAD 8

/* Every change to the environment goes through these three, so that the
 * commit log (store_wal.c) records it: put and del call mdb_put/mdb_del
 * and record on success; after a put with MDB_RESERVE has been filled in,
 * call sb_store__reserved with the key and the filled value. They return
 * an LMDB code like the calls they stand for (ENOMEM when the record
 * cannot be kept). */
int sb_store__put(sb_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags);
int sb_store__del(sb_txn *t, MDB_dbi dbi, MDB_val *k);
int sb_store__reserved(sb_txn *t, MDB_dbi dbi, const MDB_val *k, const MDB_val *v);

/* The named databases in a fixed order (store_core.c): a log record names a
 * database by its place here, so entries are only ever appended. */
typedef struct {
    const char *name;
    size_t off; /* of its MDB_dbi in sb_store */
} sb_store__db;
extern const sb_store__db sb_store__dbs[];
extern const size_t sb_store__n_dbs;

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

/* Before the map is remapped (grown): returns once no background copy
 * reads it. After a checkpoint of LMDB transaction `id`: LMDB now holds
 * everything up to it (a copy may wait for that). Both call the hooks
 * above, and do nothing while none is set. */
void sb_store__before_remap(sb_store *s);
void sb_store__after_checkpoint(sb_store *s, uint64_t id);

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
