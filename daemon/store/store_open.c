/* The store's top floor: opening and closing the environment (the
 * databases, the schema version and its migrations, the commit log),
 * growing the map, its info and a synchronous backup. What it stands on:
 * store_core.c (the handle), store_txn.c (transactions), store_wal.c (the
 * commit log), store_migrate.c, store_create.c and store_backup.c (a
 * background copy still running at close). */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_backup.h"
#include "store_core.h"
#include "store_create.h"
#include "store_migrate.h"
#include "store_wal.h"

#define DEFAULT_MAP_SIZE ((size_t)64 << 20)
#define DEFAULT_MAP_MAX ((size_t)64 << 30)
/* Sixteen databases today (sb_store__dbs, store_core.c); room for more
 * without a change here (maxdbs costs a few bytes per slot). */
#define MAX_DBS 32

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
    sb_store__before_remap(s);
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
