/* sb_store: the environment, transactions, meta counters, idempotency keys,
 * info and backup. Records live in store_records.c, the event log in
 * store_events.c; store_private.h holds what they share. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <pthread.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_backup.h"
#include "store_create.h"
#include "store_private.h"
#include "wal.h"

#define DEFAULT_MAP_SIZE ((size_t)64 << 20)
#define DEFAULT_MAP_MAX ((size_t)64 << 30)
/* Fourteen databases today (the table in store_init); room for more
 * without a change here (maxdbs costs a few bytes per slot). */
#define MAX_DBS 32

int sb_store__err(sb_txn *t, int rc, const char *what)
{
    if (rc == MDB_MAP_FULL) {
        if (t)
            t->full = true;
        return SB_E(SB_STORE_FULL);
    }
    sb_log(SB_LOG_ERROR, "store: %s: %s", what, mdb_strerror(rc));
    return SB_E(SB_INTERNAL);
}

int sb_store__need_write(sb_txn *t, const char *what)
{
    if (t && t->write) {
        t->writes++;
        return 0;
    }
    sb_log(SB_LOG_ERROR, "store: %s needs a write transaction", what);
    return SB_E(SB_INTERNAL);
}

int sb_store__check_key(const char *s)
{
    if (!s || !*s || strlen(s) > SB_STORE_KEY_MAX)
        return SB_E(SB_INVALID);
    return 0;
}

int sb_store__meta_get(sb_txn *t, const char *name, uint64_t *ret)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(t->txn, t->s->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ret = 0;
        return 0;
    }
    if (rc)
        return sb_store__err(t, rc, "meta get");
    if (v.mv_size != 8) {
        sb_log(SB_LOG_ERROR, "store: meta %s has %zu bytes, want 8", name, v.mv_size);
        return SB_E(SB_INTERNAL);
    }
    *ret = sb_store__get_le64(v.mv_data);
    return 0;
}

int sb_store__meta_set(sb_txn *t, const char *name, uint64_t n)
{
    uint8_t buf[8];
    sb_store__le64(buf, n);
    MDB_val k = {strlen(name), (void *)name}, v = {sizeof buf, buf};
    int rc = sb_store__put(t, t->s->meta, &k, &v, 0);
    return rc ? sb_store__err(t, rc, "meta put") : 0;
}

uint32_t sb_store__limit(uint32_t limit)
{
    if (limit == 0)
        return SB_STORE_LIMIT_DEFAULT;
    return limit > SB_STORE_LIMIT_MAX ? SB_STORE_LIMIT_MAX : limit;
}

void *sb_store__array_alloc(ProtobufCAllocator *alloc, size_t n)
{
    size_t bytes = n * sizeof(void *);
    return alloc ? alloc->alloc(alloc->allocator_data, bytes) : malloc(bytes);
}

void sb_store__array_free(ProtobufCAllocator *alloc, void *p)
{
    if (!p)
        return;
    if (alloc)
        alloc->free(alloc->allocator_data, p);
    else
        free(p);
}

/* ------------------------------------------------------------ environment */

const sb_store__db sb_store__dbs[] = {
    {"records", offsetof(sb_store, records)},
    {"state_idx", offsetof(sb_store, state_idx)},
    {"credit_idx", offsetof(sb_store, credit_idx)},
    {"events", offsetof(sb_store, events)},
    {"entity_events", offsetof(sb_store, entity_events)},
    {"idem", offsetof(sb_store, idem)},
    {"meta", offsetof(sb_store, meta)},
    {"jobs", offsetof(sb_store, jobs)},
    {"job_state_idx", offsetof(sb_store, job_state_idx)},
    {"job_due_idx", offsetof(sb_store, job_due_idx)},
    {"services", offsetof(sb_store, services)},
    {"service_idx", offsetof(sb_store, service_idx)},
    {"statements", offsetof(sb_store, statements)},
    {"proposals", offsetof(sb_store, proposals)},
    {"base_names", offsetof(sb_store, base_names)},
    {"activity", offsetof(sb_store, activity)},
};
const size_t sb_store__n_dbs = sizeof sb_store__dbs / sizeof sb_store__dbs[0];

/* Open the named databases and check or write the schema version, in one
 * write transaction. */
static int store_init(sb_store *s)
{
    sb_txn t = {.s = s, .write = true};
    int r = 0;
    int rc = mdb_txn_begin(s->env, NULL, 0, &t.txn);
    if (rc)
        return sb_store__err(NULL, rc, "begin");
    for (size_t i = 0; i < sb_store__n_dbs; i++) {
        rc = mdb_dbi_open(t.txn, sb_store__dbs[i].name, MDB_CREATE,
                          (MDB_dbi *)((char *)s + sb_store__dbs[i].off));
        if (rc) {
            r = sb_store__err(&t, rc, sb_store__dbs[i].name);
            goto out;
        }
    }
    uint64_t version;
    r = sb_store__meta_get(&t, "schema_version", &version);
    if (r < 0)
        goto out;
    if (version == 0) {
        r = sb_store__meta_set(&t, "schema_version", SB_STORE_SCHEMA_VERSION);
        if (r < 0)
            goto out;
    } else if (version > SB_STORE_SCHEMA_VERSION) {
        /* Written by a later build, whose layout we cannot know. */
        sb_log(SB_LOG_ERROR,
               "store %s has schema version %llu, written by a newer skillbase; this build reads "
               "schema %d and older. Run the newer skillbased, or restore a backup taken before "
               "the upgrade (docs/operations.md)",
               s->dir, (unsigned long long)version, SB_STORE_SCHEMA_VERSION);
        r = SB_E(SB_INTERNAL);
        goto out;
    } else if (version < SB_STORE_SCHEMA_VERSION) {
        /* Older: migrate in this transaction, so all or nothing. */
        r = sb_store__migrate(&t, version);
        if (r == 0)
            r = sb_store__meta_set(&t, "schema_version", SB_STORE_SCHEMA_VERSION);
        if (r < 0)
            goto out;
        sb_log(SB_LOG_INFO, "store %s migrated from schema %llu to %d", s->dir,
               (unsigned long long)version, SB_STORE_SCHEMA_VERSION);
    }
    rc = mdb_txn_commit(t.txn);
    t.txn = NULL;
    if (rc)
        r = sb_store__err(NULL, rc, "commit");
out:
    if (t.txn)
        mdb_txn_abort(t.txn);
    return r;
}

/* Test builds only (configured with SB_TESTS, which the package and
 * `./setup.sh run` turn off): SB_TEST_UNSAFE_NOSYNC=1 opens LMDB with
 * MDB_NOSYNC, commits never synced, a store a power cut can lose or corrupt.
 * The power-loss harness (docs/powerloss.md) runs it to show that it
 * catches such a store. */
static unsigned store_test_flags(void)
{
#ifdef SB_TEST_HOOKS
    const char *v = getenv("SB_TEST_UNSAFE_NOSYNC");
    if (v && strcmp(v, "1") == 0) {
        sb_log(SB_LOG_WARN, "store: SB_TEST_UNSAFE_NOSYNC=1: commits are NOT synced; a power "
                            "cut can lose or corrupt this store (test builds only)");
        return MDB_NOSYNC;
    }
#endif
    return 0;
}

int sb_store_open(const sb_store_options *opts, sb_store **ret)
{
    sb_store *s = NULL;
    int r = 0, rc;
    if (!opts || !opts->dir || !*opts->dir || !ret)
        return SB_E(SB_INVALID);
    size_t map_size = opts->map_size ? opts->map_size : DEFAULT_MAP_SIZE;
    size_t map_max = opts->map_max ? opts->map_max : DEFAULT_MAP_MAX;
    if (map_size > map_max) {
        sb_log(SB_LOG_ERROR, "store: map size %zu exceeds its maximum %zu", map_size, map_max);
        return SB_E(SB_INVALID);
    }
    if (mkdir(opts->dir, 0750) != 0 && errno != EEXIST) {
        sb_log(SB_LOG_ERROR, "store: mkdir %s: %s", opts->dir, strerror(errno));
        return SB_E(SB_INTERNAL);
    }
    s = calloc(1, sizeof *s);
    if (!s || !(s->dir = strdup(opts->dir))) {
        r = SB_E(SB_INTERNAL);
        goto out;
    }
    s->map_max = map_max;

    /* An existing store keeps the map it grew to (LMDB records it), unless
     * the configured size is larger; a new one starts at the configured
     * size. LMDB lets a size set before open override the recorded one, so
     * set it up front only for a new store. */
    size_t plen = strlen(opts->dir) + sizeof "/data.mdb";
    char *path = malloc(plen);
    if (!path) {
        r = SB_E(SB_INTERNAL);
        goto out;
    }
    snprintf(path, plen, "%s/data.mdb", opts->dir);
    struct stat st;
    bool exists = stat(path, &st) == 0;
    free(path);
    if (!exists && (r = sb_store__create(opts->dir, map_size, MAX_DBS)) < 0)
        goto out;

    rc = mdb_env_create(&s->env);
    if (rc) {
        s->env = NULL;
        r = sb_store__err(NULL, rc, "env create");
        goto out;
    }
    rc = mdb_env_set_maxdbs(s->env, MAX_DBS);
    if (!rc && !exists)
        rc = mdb_env_set_mapsize(s->env, map_size);
    /* No MDB_WRITEMAP: nested transactions need it off. No MDB_NOSYNC or
     * MDB_NOMETASYNC: a commit that returned 0 must be on disk. MDB_NOTLS
     * lets read transactions run on any thread. */
    if (!rc)
        rc = mdb_env_open(s->env, opts->dir, MDB_NOTLS | store_test_flags(), 0640);
    if (rc) {
        sb_log(SB_LOG_ERROR, "store: open %s: %s", opts->dir, mdb_strerror(rc));
        r = SB_E(SB_INTERNAL);
        goto out;
    }
    MDB_envinfo info;
    rc = mdb_env_info(s->env, &info);
    if (!rc && exists && info.me_mapsize < map_size)
        rc = mdb_env_set_mapsize(s->env, map_size);
    if (rc) {
        r = sb_store__err(NULL, rc, "map size");
        goto out;
    }
    /* A process that died inside a read transaction leaves a reader slot
     * that pins old pages until cleared. */
    int dead = 0;
    rc = mdb_reader_check(s->env, &dead);
    if (rc) {
        r = sb_store__err(NULL, rc, "reader check");
        goto out;
    }
    if (dead > 0)
        sb_log(SB_LOG_WARN, "store: cleared %d stale reader slot(s) in %s", dead, opts->dir);
    r = store_init(s);
    if (r == 0 && opts->log_bytes)
        r = sb_store__wal_open(s, opts);
    if (r < 0)
        goto out;
    *ret = s;
    s = NULL;
out:
    sb_store_close(&s);
    return r;
}

void sb_store_close(sb_store **sp)
{
    sb_store *s = *sp;
    if (!s)
        return;
    if (s->open_txns)
        sb_log(SB_LOG_ERROR, "store: closing %s with %d transaction(s) open", s->dir, s->open_txns);
    sb_store__wal_close(s);    /* a last checkpoint, which a backup may wait for */
    sb_store__backup_close(s); /* a copy in progress reads the environment */
    if (s->env)
        mdb_env_close(s->env);
    free(s->dir);
    free(s);
    *sp = NULL;
}

int sb_store_grow(sb_store *s)
{
    if (!s)
        return SB_E(SB_INVALID);
    /* mdb_env_set_mapsize remaps: no transaction of this process may be
     * open, or its pointers into the map would dangle. */
    if (s->open_txns) {
        sb_log(SB_LOG_ERROR, "store: grow with %d transaction(s) open", s->open_txns);
        return SB_E(SB_INTERNAL);
    }
    /* nor the commit log's open transaction: checkpointed if it can be (a
     * backup may wait for that), and everything in it is in the log and
     * is replayed into a new one after */
    if (s->wal)
        (void)sb_store__wal_checkpoint(s);
    sb_store__wal_drop(s);
    /* nor may a background backup be reading it */
    sb_store__backup_wait(s);
    MDB_envinfo info;
    int r = 0, rc = mdb_env_info(s->env, &info);
    size_t cur = info.me_mapsize;
    if (rc) {
        r = sb_store__err(NULL, rc, "env info");
    } else if (cur >= s->map_max) {
        sb_log(SB_LOG_ERROR, "store: %s is full at its maximum map size %zu", s->dir, s->map_max);
        r = SB_E(SB_STORE_FULL);
    } else {
        size_t next = cur > s->map_max / 2 ? s->map_max : cur * 2;
        rc = mdb_env_set_mapsize(s->env, next);
        if (rc)
            r = sb_store__err(NULL, rc, "grow");
        else
            sb_log(SB_LOG_INFO, "store: map of %s grown from %zu to %zu bytes", s->dir, cur, next);
    }
    int w = sb_store__wal_rebuild(s);
    return r ? r : w;
}

int sb_store_info_txn(sb_txn *t, sb_store_info *ret)
{
    uint64_t seq, version;
    MDB_envinfo info;
    MDB_stat st;
    if (!t || !ret)
        return SB_E(SB_INVALID);
    int rc = mdb_env_info(t->s->env, &info);
    if (!rc)
        rc = mdb_env_stat(t->s->env, &st);
    if (rc)
        return sb_store__err(NULL, rc, "env info");
    int r = sb_store__meta_get(t, "event_seq", &seq);
    if (r == 0)
        r = sb_store__meta_get(t, "schema_version", &version);
    if (r < 0)
        return r;
    ret->map_bytes = info.me_mapsize;
    ret->used_bytes = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
    ret->last_seq = seq;
    ret->schema_version = (uint32_t)version;
    return 0;
}

int sb_store_info_get(sb_store *s, sb_store_info *ret)
{
    sb_txn *t = NULL;
    if (!s || !ret)
        return SB_E(SB_INVALID);
    int r = sb_store_begin(s, false, &t);
    if (r == 0)
        r = sb_store_info_txn(t, ret);
    sb_store_abort(&t);
    return r;
}

int sb_store_backup(sb_store *s, const char *dir)
{
    if (!s || !dir || !*dir)
        return SB_E(SB_INVALID);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        sb_log(SB_LOG_ERROR, "store: mkdir %s: %s", dir, strerror(errno));
        return SB_E(SB_INTERNAL);
    }
    /* The copy reads what LMDB holds: first a checkpoint of the log. */
    int r = sb_store_checkpoint(s);
    if (r < 0)
        return r;
    /* The copy runs in its own read transaction, so writers go on; it
     * creates data.mdb exclusively and so never overwrites a backup. */
    int rc = mdb_env_copy2(s->env, dir, MDB_CP_COMPACT);
    if (rc) {
        sb_log(SB_LOG_ERROR, "store: backup to %s: %s", dir, mdb_strerror(rc));
        return SB_E(SB_INTERNAL);
    }
    return 0;
}

/* ------------------------------------------------------------ transactions */

int sb_store_begin(sb_store *s, bool write, sb_txn **ret)
{
    if (!s || !ret)
        return SB_E(SB_INVALID);
    /* A second write transaction on this thread would wait for the writer
     * lock it already holds: refuse instead of hanging. */
    if (write && s->writing) {
        sb_log(SB_LOG_ERROR, "store: a write transaction is already open");
        return SB_E(SB_INTERNAL);
    }
    sb_txn *t = calloc(1, sizeof *t);
    if (!t)
        return SB_E(SB_INTERNAL);
    if (s->wal && (write || pthread_equal(pthread_self(), s->wal->owner))) {
        /* the owner's transactions are children of the log's (store_wal.c) */
        int r = sb_store__wal_begin(s, write, t);
        if (r < 0) {
            free(t);
            return r;
        }
        s->open_txns++;
        if (write)
            s->writing = true;
        *ret = t;
        return 0;
    }
    unsigned flags = write ? 0 : MDB_RDONLY;
    int rc = mdb_txn_begin(s->env, NULL, flags, &t->txn);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt its size and retry. */
        rc = mdb_env_set_mapsize(s->env, 0);
        if (!rc)
            rc = mdb_txn_begin(s->env, NULL, flags, &t->txn);
    }
    if (rc) {
        free(t);
        return sb_store__err(NULL, rc, "begin");
    }
    t->s = s;
    t->write = write;
    s->open_txns++;
    if (write)
        s->writing = true;
    *ret = t;
    return 0;
}

uint64_t sb_store_txn_writes(const sb_txn *t)
{
    return t ? t->writes : 0;
}

int sb_store_sub_begin(sb_txn *parent, sb_txn **ret)
{
    if (!parent || !ret)
        return SB_E(SB_INVALID);
    if (!parent->write)
        return sb_store__need_write(parent, "sub_begin");
    sb_txn *t = calloc(1, sizeof *t);
    if (!t)
        return SB_E(SB_INTERNAL);
    int rc = mdb_txn_begin(parent->s->env, parent->txn, 0, &t->txn);
    if (rc) {
        free(t);
        return sb_store__err(parent, rc, "sub begin");
    }
    t->s = parent->s;
    t->parent = parent;
    t->write = true;
    if (t->s->wal) {
        t->ops_mark = t->s->wal->ops_len;
        t->s->wal->inner = t->txn;
    }
    *ret = t;
    return 0;
}

/* Forget t's bookkeeping once its LMDB transaction is gone. A child that
 * hit the full map passes that on even when aborted: the map is full for
 * every request of the batch, so the whole top-level transaction must be
 * rerun after sb_store_grow, never committed without that request. */
static void txn_release(sb_txn *t)
{
    struct sb_store_wal *w = t->s->wal;
    if (t->parent) {
        if (t->full)
            t->parent->full = true;
        if (w)
            w->inner = t->parent->txn;
    } else {
        if (w && !t->borrowed && w->inner == t->txn)
            w->inner = NULL;
        t->s->open_txns--;
        if (t->write)
            t->s->writing = false;
    }
    free(t);
}

/* Whether the file system of the store has less than 1 MiB free. */
static bool disk_nearly_full(const sb_store *s)
{
    struct statvfs vfs;
    return statvfs(s->dir, &vfs) == 0 &&
           (uint64_t)vfs.f_bavail * vfs.f_frsize < ((uint64_t)1 << 20);
}

/* A failed commit that more disk space would have let through: the file
 * system said so, or LMDB turned a short write into EIO while the disk is
 * (nearly) full. */
static bool no_space_error(const sb_store *s, int rc)
{
    return rc == ENOSPC || rc == EDQUOT || (rc == EIO && disk_nearly_full(s));
}

/* Whether the top-level write transaction numbered id reached the disk
 * (LMDB commits a transaction that changed nothing without writing, and
 * without using up its number). */
static bool committed_writes(const sb_store *s, size_t id)
{
    MDB_envinfo info;
    return mdb_env_info(s->env, &info) == 0 && info.me_last_txnid >= id;
}

int sb_store_commit(sb_txn **tp)
{
    if (!tp || !*tp)
        return SB_E(SB_INVALID);
    sb_txn *t = *tp;
    *tp = NULL;
    int r = 0;
    struct sb_store_wal *w = t->s->wal;
    bool logged = w && !t->parent && (t->borrowed || t->txn == w->inner);
    if (t->borrowed) {
        /* a read of the open write transaction: nothing to end */
    } else if (logged && !t->write) {
        mdb_txn_abort(t->txn); /* a read child of the log's transaction */
    } else if (t->full) {
        mdb_txn_abort(t->txn);
        if (logged)
            w->ops_len = 0;
        r = SB_E(SB_STORE_FULL);
    } else {
        bool top = !t->parent && t->write;
        size_t id = top ? mdb_txn_id(t->txn) : 0;
        /* mdb_txn_commit frees the transaction whether it succeeds or not;
         * with the log on, a top-level commit is an append to it. */
        int rc = logged ? sb_store__wal_commit(t) : mdb_txn_commit(t->txn);
        if (rc && top && no_space_error(t->s, rc)) {
            /* once per episode: every refused batch would say it again */
            if (!t->s->no_space_logged)
                sb_log(SB_LOG_ERROR,
                       "store: no space left on the disk of %s (%s): writes are "
                       "refused until space is freed",
                       t->s->dir, mdb_strerror(rc));
            t->s->no_space = t->s->no_space_logged = true;
            r = SB_E(SB_STORE_FULL);
        } else if (rc) {
            r = sb_store__err(t, rc, "commit");
        } else if (top && (t->s->no_space || t->s->no_space_logged) &&
                   (logged ? w->wrote : committed_writes(t->s, id))) {
            t->s->no_space = false;
            if (t->s->no_space_logged && !disk_nearly_full(t->s)) {
                t->s->no_space_logged = false;
                sb_log(SB_LOG_WARN, "store: %s is writable again: writes resume", t->s->dir);
            }
        }
    }
    txn_release(t);
    return r;
}

int sb_store_commit_async(sb_txn **tp, uint64_t *ret_ticket)
{
    if (!tp || !*tp || !ret_ticket)
        return SB_E(SB_INVALID);
    sb_txn *t = *tp;
    struct sb_store_wal *w = t->s->wal;
    *ret_ticket = 0;
    if (!w || t->parent || !t->write || t->borrowed || t->txn != w->inner || t->full ||
        w->ops_failed || w->broken || w->ckpt_err || !sb_wal_fits(w->file, w->ops_len) ||
        t->s->no_space || t->s->no_space_logged) {
        int r = sb_store_commit(tp);
        if (w && r == 0)
            *ret_ticket = w->staged; /* the synchronous path drained the log */
        return r;
    }
    *tp = NULL;
    int rc = sb_store__wal_commit_async(t, ret_ticket);
    txn_release(t);
    if (rc == 0)
        return 0;
    if (rc == MDB_MAP_FULL)
        return SB_E(SB_STORE_FULL);
    sb_log(SB_LOG_ERROR, "store: commit: %s", mdb_strerror(rc));
    return SB_E(SB_INTERNAL);
}

bool sb_store_out_of_space(const sb_store *s)
{
    return s && s->no_space;
}

void sb_store_abort(sb_txn **tp)
{
    if (!tp || !*tp)
        return;
    sb_txn *t = *tp;
    *tp = NULL;
    struct sb_store_wal *w = t->s->wal;
    if (!t->borrowed) {
        mdb_txn_abort(t->txn);
        /* what it recorded for the log goes too */
        if (w && t->write && (t->parent || t->txn == w->inner))
            w->ops_len = t->parent ? t->ops_mark : 0;
    }
    txn_release(t);
}

/* ------------------------------------------------------------ counters */

int sb_store_next_id(sb_txn *t, Skillbase__Kind kind, char *buf, size_t len)
{
    const char *counter, *prefix;
    uint64_t n;
    if (!t || !buf || len < 32)
        return SB_E(SB_INVALID);
    if (kind == SKILLBASE__KIND__APPLICATION) {
        counter = "next_id/application";
        prefix = "app";
    } else if (kind == SKILLBASE__KIND__BASE) {
        counter = "next_id/base";
        prefix = "base";
    } else {
        return SB_E(SB_INVALID);
    }
    int r = sb_store__need_write(t, "next_id");
    if (r < 0)
        return r;
    r = sb_store__meta_get(t, counter, &n);
    if (r < 0)
        return r;
    r = sb_store__meta_set(t, counter, n + 1);
    if (r < 0)
        return r;
    snprintf(buf, len, "%s-%06llu", prefix, (unsigned long long)(n + 1));
    return 0;
}

int sb_store_next_serial(sb_txn *t, const char *name, uint64_t *ret)
{
    char key[SB_STORE_KEY_MAX + sizeof "serial/"];
    uint64_t n;
    if (!t || !ret || sb_store__check_key(name) < 0)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "next_serial");
    if (r < 0)
        return r;
    snprintf(key, sizeof key, "serial/%s", name);
    r = sb_store__meta_get(t, key, &n);
    if (r < 0)
        return r;
    r = sb_store__meta_set(t, key, n + 1);
    if (r < 0)
        return r;
    *ret = n + 1;
    return 0;
}

/* ------------------------------------------------------------ idempotency */

/* A byte no packed message can begin with (wire type 7 does not exist),
 * marking an entry whose reply was kept without its record. */
#define IDEM_BY_EVENT 0x07

int sb_store__idem_parse(const MDB_val *v, uint64_t *ret_hash, uint64_t *ret_record_seq,
                         const uint8_t **ret_reply, size_t *ret_len)
{
    const uint8_t *p = v->mv_data;
    size_t n = v->mv_size;
    if (n < 8)
        return -1;
    *ret_hash = sb_store__get_le64(p);
    *ret_record_seq = 0;
    p += 8;
    n -= 8;
    if (n > 0 && p[0] == IDEM_BY_EVENT) {
        if (n < 9)
            return -1;
        *ret_record_seq = sb_store__get_le64(p + 1);
        p += 9;
        n -= 9;
    }
    *ret_reply = p;
    *ret_len = n;
    return 0;
}

int sb_store_idem_get(sb_txn *t, const char *key, uint64_t *ret_hash, uint64_t *ret_record_seq,
                      uint8_t **ret_reply, size_t *ret_len)
{
    if (!t || !ret_hash || !ret_record_seq || !ret_reply || !ret_len ||
        sb_store__check_key(key) < 0)
        return SB_E(SB_INVALID);
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->idem, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "idem get");
    const uint8_t *reply;
    size_t len;
    if (sb_store__idem_parse(&v, ret_hash, ret_record_seq, &reply, &len) < 0) {
        sb_log(SB_LOG_ERROR, "store: idempotency entry %s is %zu bytes", key, v.mv_size);
        return SB_E(SB_INTERNAL);
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return SB_E(SB_INTERNAL);
    memcpy(copy, reply, len);
    *ret_reply = copy;
    *ret_len = len;
    return 0;
}

int sb_store_idem_put(sb_txn *t, const char *key, uint64_t hash, uint64_t record_seq,
                      const uint8_t *reply, size_t len)
{
    if (!t || (!reply && len) || sb_store__check_key(key) < 0)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "idem_put");
    if (r < 0)
        return r;
    size_t head = record_seq ? 8 + 9 : 8;
    MDB_val k = {strlen(key), (void *)key}, v = {head + len, NULL};
    /* Reserve the value and fill it in place: no staging buffer. */
    int rc = mdb_put(t->txn, t->s->idem, &k, &v, MDB_RESERVE);
    if (rc)
        return sb_store__err(t, rc, "idem put");
    uint8_t *p = v.mv_data;
    sb_store__le64(p, hash);
    if (record_seq) {
        p[8] = IDEM_BY_EVENT;
        sb_store__le64(p + 9, record_seq);
    }
    if (len)
        memcpy(p + head, reply, len);
    rc = sb_store__reserved(t, t->s->idem, &k, &v);
    return rc ? sb_store__err(t, rc, "idem put") : 0;
}
