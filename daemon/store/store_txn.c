/* Transactions (sb_store_begin / _sub_begin / _commit / _commit_async /
 * _abort in store.h): top-level ones of the owner thread are children of
 * the commit log's open transaction when the log is on (store_wal.c), and
 * a commit that fails for want of disk space says so once per episode. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/statvfs.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store.h"
#include "store_core.h"
#include "store_wal.h"
#include "wal.h"

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
