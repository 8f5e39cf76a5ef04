/* sb_store backups in the background: a hot, compacted copy of the live
 * store, taken while the daemon serves, then verified.
 *
 * sb_store_backup_start checks the target directory at once (it must be
 * an absolute path to an empty or missing directory whose parent exists)
 * and then copies in a thread of its own: LMDB's compacting copy
 * (mdb_env_copy2 with MDB_CP_COMPACT) reads one consistent snapshot in a
 * read transaction, so writers carry on and the copy holds exactly the
 * transactions committed before it began. The copy is flushed to disk,
 * then opened read-only and checked with sb_store_verify. One backup runs
 * at a time. While it runs, growing the map waits for it (LMDB cannot
 * remap under a reader), and closing the store waits for it to finish.
 *
 * The state of the latest backup is kept in the store handle for the
 * status command and the metrics; it is not stored.
 */
#ifndef SB_STORE_BACKUP_H
#define SB_STORE_BACKUP_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

typedef enum {
    SB_BACKUP_NONE = 0, /* none since the daemon started */
    SB_BACKUP_RUNNING = 1,
    SB_BACKUP_DONE = 2, /* copied, flushed and verified */
    SB_BACKUP_FAILED = 3,
} sb_backup_state;

typedef struct {
    sb_backup_state state; /* of the latest backup */
    char dir[PATH_MAX];
    uint64_t started_ms, finished_ms; /* sb_clock time */
    uint64_t bytes;                   /* size of the copy */
    uint64_t records, last_seq;       /* what the copy holds (from its verification) */
    char error[512];                  /* why it failed */
    uint64_t done, failed;            /* backups since start, by outcome */
    uint64_t last_done_ms;            /* finished_ms of the latest successful one, 0: none */
} sb_backup_info;

/* Begin a backup of `s` into `dir`. Returns 0 once the copy has started;
 * SB_E(SB_CONFLICT) when a backup is already running; SB_E(SB_INVALID)
 * when `dir` is unusable (not absolute, not empty, parent missing, cannot
 * be created); SB_E(SB_INTERNAL) when the thread cannot start. The reason
 * is written to err on failure. */
int sb_store_backup_start(sb_store *s, const char *dir, char *err, size_t err_len);

/* The state of the latest backup (state NONE before any). */
void sb_store_backup_info_get(sb_store *s, sb_backup_info *ret);

/* For sb_store_close (store_open.c): wait for a running backup and free
 * the backup state.
 *
 * The floors below reach a running backup only through the hooks it sets
 * in the handle with its first start (store_core.h): before the map is
 * remapped, it waits until no copy reads the map; a copy that would wait
 * for a checkpoint that cannot come then gives up (the copy fails, saying
 * why). With the commit log, a copy started waits for the checkpoint that
 * covers the command that started it (sb_store_backup_start), so that it
 * holds every write acknowledged before; each checkpoint tells it. */
void sb_store__backup_close(sb_store *s);

#endif
