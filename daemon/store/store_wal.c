/* The store's commit log (docs/storage.md, "The commit log").
 *
 * With the log on, one LMDB write transaction, base, stays open from one
 * checkpoint to the next. Every top-level transaction of the thread that
 * opened the store is a child of base, so its reads see every write
 * acknowledged so far. Each change a child makes goes through
 * sb_store__put / __del / __reserved, which encode it (database, key,
 * value) in w->ops. Committing the child appends those bytes to the log
 * file as one record and syncs it once (wal.c), and only then merges the
 * child into base: a reply sent after that is durable. A checkpoint is
 * LMDB's ordinary synchronous commit of base; the next base then has the
 * next transaction id, which is also the generation of the records that
 * follow, so the log needs no position of its own: the records to replay
 * at start-up are exactly those of the generation equal to the id of the
 * first transaction after LMDB's last commit. LMDB never runs with
 * MDB_NOSYNC, so its own state is always one of its synchronous commits.
 *
 * A record holds operations, each
 *   op (1 put, 2 del) | database (its place in sb_store__dbs) |
 *   key length u16 LE | value length u32 LE | key | value
 * applied in order with plain mdb_put / mdb_del: a record replayed twice
 * leaves what replaying it once does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_core.h"
#include "store_wal.h"
#include "wal.h"

#define DEFAULT_INTERVAL_MS 500
/* meta key: the id of the last checkpoint's LMDB transaction (absent in a
 * store never opened with the log on; nothing reads it to decide) */
#define CHECKPOINT_KEY "log_checkpoint"

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ------------------------------------------------------------ replay */

/* Apply one record's operations to base. */
static int replay_record(void *arg, const uint8_t *p, size_t n)
{
    sb_store *s = arg;
    MDB_txn *txn = s->wal->base;
    while (n) {
        if (n < SB_STORE__OP_HEAD)
            return MDB_CORRUPTED;
        size_t klen = (size_t)p[2] | (size_t)p[3] << 8;
        size_t vlen = (size_t)p[4] | (size_t)p[5] << 8 | (size_t)p[6] << 16 | (size_t)p[7] << 24;
        if (p[1] >= sb_store__n_dbs || SB_STORE__OP_HEAD + klen + vlen > n || klen == 0)
            return MDB_CORRUPTED;
        MDB_dbi dbi = *(MDB_dbi *)((char *)s + sb_store__dbs[p[1]].off);
        MDB_val k = {klen, (void *)(p + SB_STORE__OP_HEAD)},
                v = {vlen, (void *)(p + SB_STORE__OP_HEAD + klen)};
        int rc;
        if (p[0] == SB_STORE__OP_PUT)
            rc = mdb_put(txn, dbi, &k, &v, 0);
        else if (p[0] == SB_STORE__OP_DEL)
            rc = (rc = mdb_del(txn, dbi, &k, NULL)) == MDB_NOTFOUND ? 0 : rc;
        else
            rc = MDB_CORRUPTED;
        if (rc)
            return rc;
        p += SB_STORE__OP_HEAD + klen + vlen;
        n -= SB_STORE__OP_HEAD + klen + vlen;
    }
    return 0;
}

/* Double the map (up to its maximum) with no transaction open. */
static int grow_map(sb_store *s)
{
    MDB_envinfo info;
    int rc = mdb_env_info(s->env, &info);
    if (rc)
        return rc;
    size_t cur = info.me_mapsize;
    if (cur >= s->map_max)
        return MDB_MAP_FULL;
    sb_store__before_remap(s);
    size_t next = cur > s->map_max / 2 ? s->map_max : cur * 2;
    rc = mdb_env_set_mapsize(s->env, next);
    if (!rc)
        sb_log(SB_LOG_INFO, "store: map of %s grown from %zu to %zu bytes to replay the log",
               s->dir, cur, next);
    return rc;
}

void sb_store__wal_drop(sb_store *s)
{
    struct sb_store_wal *w = s->wal;
    if (!w)
        return;
    w->inner = NULL;
    w->ops_len = 0;
    if (w->base)
        mdb_txn_abort(w->base);
    w->base = NULL;
}

/* Begin base again and replay into it the log's records past the last
 * checkpoint. Returns an LMDB or errno code. */
static int rebuild(sb_store *s, uint64_t *ret_records)
{
    struct sb_store_wal *w = s->wal;
    sb_store__wal_drop(s);
    for (int tries = 0;; tries++) {
        int rc = mdb_txn_begin(s->env, NULL, 0, &w->base);
        if (rc) {
            w->base = NULL;
            return rc;
        }
        uint64_t n = 0;
        rc = sb_wal_scan(w->file, mdb_txn_id(w->base), replay_record, s, &n);
        if (rc == 0) {
            w->dirty = n > 0;
            if (ret_records)
                *ret_records = n;
            return 0;
        }
        mdb_txn_abort(w->base);
        w->base = NULL;
        if (rc < 0 && rc > -4096)
            rc = -rc; /* sb_wal_scan's negated errno (LMDB's codes are -30799..-30780) */
        if (rc != MDB_MAP_FULL || tries == 16 || (rc = grow_map(s)) != 0)
            return rc;
    }
}

int sb_store__wal_rebuild(sb_store *s)
{
    if (!s->wal)
        return 0;
    int rc = rebuild(s, NULL);
    if (rc) {
        sb_log(SB_LOG_ERROR, "store: cannot replay the commit log of %s: %s", s->dir,
               mdb_strerror(rc));
        return rc == MDB_MAP_FULL ? SB_E(SB_STORE_FULL) : SB_E(SB_INTERNAL);
    }
    return 0;
}

/* ------------------------------------------------------------ the writer */

/* The writer thread: syncs what the owner staged (sb_store_commit_async),
 * as much as there is at each turn, so that one sync can serve several
 * batches and runs while the owner applies the next one. */
/* Sync everything staged (called with mu held, w->flushing false). */
static void flush_locked(struct sb_store_wal *w)
{
    w->flushing = true;
    uint64_t target = w->staged;
    pthread_mutex_unlock(&w->mu);
    int e = sb_wal_flush(w->file);
    pthread_mutex_lock(&w->mu);
    w->flushing = false;
    if (e && !w->flush_err)
        w->flush_err = -e;
    else if (!e && target > w->durable)
        w->durable = target;
    pthread_cond_broadcast(&w->cond);
}

static void *writer_main(void *arg)
{
    struct sb_store_wal *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->writer_stop && !w->flush_err) {
        if (w->kicked && !w->flushing && w->durable < w->staged) {
            w->kicked = false;
            flush_locked(w);
        } else {
            pthread_cond_wait(&w->cond, &w->mu);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Wait until ticket is durable, syncing on this thread when no one else
 * is: 0, or the errno a sync failed with. */
static int wait_for(struct sb_store_wal *w, uint64_t ticket)
{
    pthread_mutex_lock(&w->mu);
    while (w->durable < ticket && !w->flush_err) {
        if (!w->flushing)
            flush_locked(w);
        else
            pthread_cond_wait(&w->cond, &w->mu);
    }
    int e = w->durable >= ticket ? 0 : w->flush_err;
    pthread_mutex_unlock(&w->mu);
    return e;
}

void sb_store_kick(sb_store *s)
{
    struct sb_store_wal *w = s ? s->wal : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->kicked = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

/* Everything staged is durable (the writer is idle): 0 or an errno. */
static int drain(struct sb_store_wal *w)
{
    return wait_for(w, w->staged);
}

int sb_store_wait(sb_store *s, uint64_t ticket)
{
    if (!s || !s->wal)
        return 0;
    int e = wait_for(s->wal, ticket);
    if (e) {
        sb_log(SB_LOG_ERROR, "store: writing the commit log of %s failed: %s", s->dir, strerror(e));
        return SB_E(SB_INTERNAL);
    }
    return 0;
}

int sb_store__wal_commit_async(sb_txn *t, uint64_t *ret_ticket)
{
    sb_store *s = t->s;
    struct sb_store_wal *w = s->wal;
    w->wrote = false;
    if (w->ops_len == 0) {
        *ret_ticket = w->staged; /* it may have read what they wrote */
        return mdb_txn_commit(t->txn);
    }
    int e = sb_wal_stage(w->file, mdb_txn_id(w->base), w->ops, w->ops_len);
    w->ops_len = 0;
    if (e) {
        mdb_txn_abort(t->txn);
        return -e;
    }
    w->dirty = w->wrote = true;
    pthread_mutex_lock(&w->mu);
    *ret_ticket = ++w->staged;
    pthread_mutex_unlock(&w->mu);
    int rc = mdb_txn_commit(t->txn);
    if (rc) {
        /* in the log (once synced): replay it into a new base */
        sb_log(SB_LOG_WARN, "store: merging a logged commit failed (%s); replaying the log",
               mdb_strerror(rc));
        w->inner = NULL;
        rc = drain(w);
        if (!rc)
            rc = rebuild(s, NULL);
    }
    return rc;
}

/* ------------------------------------------------------------ checkpoints */

int sb_store__wal_checkpoint(sb_store *s)
{
    struct sb_store_wal *w = s->wal;
    if (!w)
        return 0;
    if (w->inner)
        return EBUSY;
    int e = drain(w);
    if (e)
        return e;
    w->last_ms = mono_us() / 1000;
    if (!w->base) {
        int rc = rebuild(s, NULL);
        if (rc)
            return rc;
    }
    if (!w->dirty && !w->broken && sb_wal_used(w->file) == 0) {
        w->ckpt_err = 0; /* nothing waits: LMDB is current */
        return 0;
    }
    uint64_t started = mono_us();
    uint64_t id = mdb_txn_id(w->base);
    /* Always a write, so this commit takes id and the records that follow
     * are of a new generation (a failed append's leftovers are not). */
    uint8_t idbuf[8];
    sb_store__le64(idbuf, id);
    MDB_val k = {sizeof CHECKPOINT_KEY - 1, (void *)CHECKPOINT_KEY}, v = {8, idbuf};
    int rc = mdb_put(w->base, s->meta, &k, &v, 0);
    if (rc) {
        int rb = rebuild(s, NULL);
        (void)rb;
        return rc;
    }
    rc = mdb_txn_commit(w->base);
    w->base = NULL;
    if (rc) {
        /* once per episode: it is tried again every interval */
        if (!w->ckpt_err)
            sb_log(SB_LOG_ERROR,
                   "store: checkpoint of %s failed (%s); the log keeps every "
                   "write, and writes go through LMDB directly until one succeeds",
                   s->dir, mdb_strerror(rc));
        w->ckpt_err = rc;
        int rb = rebuild(s, NULL);
        if (rb)
            sb_log(SB_LOG_ERROR, "store: cannot replay the commit log of %s: %s", s->dir,
                   mdb_strerror(rb));
        return rc;
    }
    if (w->ckpt_err)
        sb_log(SB_LOG_WARN, "store: checkpoints of %s succeed again", s->dir);
    w->ckpt_err = 0;
    w->dirty = w->broken = false;
    sb_wal_restart(w->file);
    w->checkpoints++;
    w->checkpoint_us += mono_us() - started;
    sb_store__after_checkpoint(s, id);
    rc = mdb_txn_begin(s->env, NULL, 0, &w->base);
    if (rc)
        w->base = NULL;
    return rc;
}

bool sb_store_checkpoint_due(sb_store *s)
{
    struct sb_store_wal *w = s ? s->wal : NULL;
    if (!w || w->inner || (!w->dirty && !w->broken && !w->ckpt_err))
        return false;
    if (w->asap || sb_wal_used(w->file) >= sb_wal_capacity(w->file) / 2)
        return true;
    return mono_us() / 1000 - w->last_ms >= w->interval_ms;
}

int sb_store_checkpoint(sb_store *s)
{
    if (!s)
        return SB_E(SB_INVALID);
    if (!s->wal)
        return 0;
    s->wal->asap = false;
    int rc = sb_store__wal_checkpoint(s);
    if (!rc)
        return 0;
    if (rc == EBUSY) {
        sb_log(SB_LOG_ERROR, "store: checkpoint with a transaction open");
        return SB_E(SB_INTERNAL);
    }
    return rc == MDB_MAP_FULL || rc == ENOSPC || rc == EDQUOT ? SB_E(SB_STORE_FULL)
                                                              : SB_E(SB_INTERNAL);
}

uint64_t sb_store__wal_pending_id(sb_store *s)
{
    struct sb_store_wal *w = s->wal;
    /* nothing acknowledged waits outside LMDB: no need to wait */
    if (!w || !w->base || (!w->dirty && !w->broken))
        return 0;
    w->asap = true;
    return mdb_txn_id(w->base);
}

void sb_store_log_info_get(sb_store *s, sb_store_log_info *ret)
{
    memset(ret, 0, sizeof *ret);
    struct sb_store_wal *w = s ? s->wal : NULL;
    if (!w)
        return;
    ret->on = true;
    ret->used_bytes = sb_wal_used(w->file);
    ret->size_bytes = sb_wal_capacity(w->file);
    ret->checkpoints = w->checkpoints;
    ret->checkpoint_us = w->checkpoint_us;
    ret->replayed = w->replayed;
}

/* ------------------------------------------------------------ transactions */

int sb_store__wal_begin(sb_store *s, bool write, sb_txn *t)
{
    struct sb_store_wal *w = s->wal;
    if (!pthread_equal(pthread_self(), w->owner)) {
        sb_log(SB_LOG_ERROR, "store: with the commit log, only the thread that opened the store "
                             "may write");
        return SB_E(SB_INTERNAL);
    }
    t->s = s;
    t->write = write;
    if (!write && w->inner) {
        /* a read while a write transaction is open: read in it */
        t->txn = w->inner;
        t->borrowed = true;
        return 0;
    }
    if (!w->base) {
        int rc = rebuild(s, NULL);
        if (rc) {
            sb_log(SB_LOG_ERROR, "store: cannot replay the commit log of %s: %s", s->dir,
                   mdb_strerror(rc));
            return SB_E(SB_INTERNAL);
        }
    }
    /* LMDB has no read-only child: a read is a write child never committed */
    int rc = mdb_txn_begin(s->env, w->base, 0, &t->txn);
    if (rc)
        return sb_store__err(NULL, rc, "begin");
    w->inner = t->txn;
    if (write) {
        w->ops_len = 0;
        w->ops_failed = false;
    }
    return 0;
}

int sb_store__wal_commit(sb_txn *t)
{
    sb_store *s = t->s;
    struct sb_store_wal *w = s->wal;
    w->wrote = false;
    if (w->ops_failed) {
        mdb_txn_abort(t->txn);
        w->ops_len = 0;
        return ENOMEM;
    }
    if (w->ops_len == 0) {
        /* nothing written: merging changes nothing, needs no sync; but
         * what it read may wait to be synced */
        int rc = mdb_txn_commit(t->txn);
        int e = drain(w);
        return rc ? rc : e;
    }
    int e = drain(w);
    if (e) {
        mdb_txn_abort(t->txn);
        w->ops_len = 0;
        return e;
    }
    if (!w->broken && !w->ckpt_err && sb_wal_fits(w->file, w->ops_len)) {
        e = sb_wal_append(w->file, mdb_txn_id(w->base), w->ops, w->ops_len);
        w->ops_len = 0;
        if (e) {
            /* nothing acknowledged; what may have reached the file is of
             * a generation the next checkpoint retires */
            mdb_txn_abort(t->txn);
            w->broken = true;
            sb_log(SB_LOG_ERROR, "store: cannot append to the commit log of %s: %s", s->dir,
                   strerror(-e));
            return -e;
        }
        w->dirty = w->wrote = true;
        int rc = mdb_txn_commit(t->txn);
        if (rc) {
            /* durable in the log already: replay it into a new base */
            sb_log(SB_LOG_WARN, "store: merging a logged commit failed (%s); replaying the log",
                   mdb_strerror(rc));
            w->inner = NULL;
            rc = rebuild(s, NULL);
        }
        return rc;
    }
    /* The log has no room, failed, or runs ahead of a checkpoint that
     * fails (a full disk): commit through LMDB itself, which says whether
     * it can. While checkpoints fail, try at most once per interval. */
    w->ops_len = 0;
    if (w->ckpt_err && mono_us() / 1000 - w->last_ms < w->interval_ms) {
        mdb_txn_abort(t->txn);
        w->inner = NULL;
        return w->ckpt_err;
    }
    int rc = mdb_txn_commit(t->txn);
    w->inner = NULL;
    if (rc) {
        int rb = rebuild(s, NULL);
        return rb ? rb : rc;
    }
    w->dirty = true;
    rc = sb_store__wal_checkpoint(s);
    w->wrote = rc == 0;
    return rc;
}

/* ------------------------------------------------------------ open, close */

int sb_store__wal_open(sb_store *s, const sb_store_options *opts)
{
    struct sb_store_wal *w = calloc(1, sizeof *w);
    if (!w)
        return SB_E(SB_INTERNAL);
    w->owner = pthread_self();
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->interval_ms = opts->checkpoint_ms ? opts->checkpoint_ms : DEFAULT_INTERVAL_MS;
    s->wal = w;
    size_t plen = strlen(s->dir) + sizeof "/commit.log";
    char *path = malloc(plen);
    if (!path)
        return SB_E(SB_INTERNAL);
    snprintf(path, plen, "%s/commit.log", s->dir);
    int e = sb_wal_open(path, opts->log_bytes, &w->file);
    if (e) {
        sb_log(SB_LOG_ERROR, "store: cannot open the commit log %s: %s%s", path, strerror(-e),
               e == -EWOULDBLOCK ? " (another process has this store open)" : "");
        free(path);
        return SB_E(SB_INTERNAL);
    }
    uint64_t started = mono_us(), n = 0;
    int rc = rebuild(s, &n);
    if (rc) {
        sb_log(SB_LOG_ERROR, "store: cannot replay the commit log %s: %s", path, mdb_strerror(rc));
        free(path);
        return rc == MDB_MAP_FULL ? SB_E(SB_STORE_FULL) : SB_E(SB_INTERNAL);
    }
    w->replayed = n;
    if (n) {
        uint64_t bytes = sb_wal_used(w->file);
        rc = sb_store__wal_checkpoint(s);
        sb_log(SB_LOG_INFO, "store: replayed %llu commit(s) (%llu bytes) from %s in %.1f ms%s",
               (unsigned long long)n, (unsigned long long)bytes, path,
               (double)(mono_us() - started) / 1000.0,
               rc ? "; the checkpoint after it failed, the log keeps them" : " and checkpointed");
    } else {
        /* Nothing replayed, yet the file may hold records of this very
         * generation past a first one the power cut tore (a flush of
         * several records, the later pages on disk, the first not; none
         * of them acknowledged). Writing this generation again from the
         * start could line a new record up with one of those, which a
         * later replay would take as the next valid record. One
         * checkpoint moves to a generation no record of the file can
         * have; it is not counted among the checkpoints. */
        w->dirty = true;
        rc = sb_store__wal_checkpoint(s);
        if (rc)
            sb_log(SB_LOG_WARN,
                   "store: the checkpoint at the start of %s failed (%s); writes go through "
                   "LMDB directly until one succeeds",
                   path, mdb_strerror(rc));
        w->checkpoints = 0;
        w->checkpoint_us = 0;
    }
    w->last_ms = mono_us() / 1000;
    free(path);
    int te = pthread_create(&w->writer, NULL, writer_main, w);
    if (te) {
        sb_log(SB_LOG_ERROR, "store: cannot start the commit log's writer: %s", strerror(te));
        return SB_E(SB_INTERNAL);
    }
    w->writer_started = true;
    return 0;
}

void sb_store__wal_close(sb_store *s)
{
    struct sb_store_wal *w = s->wal;
    if (!w)
        return;
    if (w->writer_started) {
        pthread_mutex_lock(&w->mu);
        w->writer_stop = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->writer, NULL);
        w->writer_started = false;
    }
    (void)drain(w); /* what is staged was committed: sync it */
    if (w->base && !w->inner && (w->dirty || w->broken) && !w->flush_err) {
        int rc = sb_store__wal_checkpoint(s);
        if (rc)
            sb_log(SB_LOG_ERROR,
                   "store: last checkpoint of %s failed (%s): the commit log "
                   "keeps the writes, replayed at the next start",
                   s->dir, mdb_strerror(rc));
    }
    sb_store__wal_drop(s);
    sb_wal_close(&w->file);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cond);
    free(w->ops);
    free(w);
    s->wal = NULL;
}
