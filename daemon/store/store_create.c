/* store_create: a new environment, whole or absent (store_create.h). */
#include "store_create.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sb_error.h"
#include "sb_log.h"

int sb_store__create(const char *dir, size_t map_size, unsigned max_dbs)
{
    char tmp[PATH_MAX], lock[PATH_MAX + 8], final[PATH_MAX];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s/data.mdb.new", dir) >= sizeof tmp ||
        (size_t)snprintf(final, sizeof final, "%s/data.mdb", dir) >= sizeof final) {
        sb_log(SB_LOG_ERROR, "store: %s: path too long", dir);
        return SB_E(SB_INTERNAL);
    }
    snprintf(lock, sizeof lock, "%s-lock", tmp); /* LMDB's name with MDB_NOSUBDIR */
    /* left by a cut during an earlier first start */
    unlink(tmp);
    unlink(lock);
    MDB_env *env = NULL;
    int rc = mdb_env_create(&env);
    if (!rc)
        rc = mdb_env_set_maxdbs(env, max_dbs);
    if (!rc)
        rc = mdb_env_set_mapsize(env, map_size);
    if (!rc)
        rc = mdb_env_open(env, tmp, MDB_NOSUBDIR | MDB_NOTLS, 0640);
    if (!rc)
        rc = mdb_env_sync(env, 1); /* the meta pages LMDB wrote unsynced */
    if (env)
        mdb_env_close(env);
    unlink(lock);
    if (rc) {
        sb_log(SB_LOG_ERROR, "store: create %s: %s", tmp, mdb_strerror(rc));
        unlink(tmp);
        return SB_E(SB_INTERNAL);
    }
    if (rename(tmp, final)) {
        sb_log(SB_LOG_ERROR, "store: rename %s to %s: %s", tmp, final, strerror(errno));
        unlink(tmp);
        return SB_E(SB_INTERNAL);
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        sb_log(SB_LOG_ERROR, "store: sync %s: %s", dir, strerror(e));
        return SB_E(SB_INTERNAL);
    }
    return 0;
}
