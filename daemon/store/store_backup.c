#include "sb_text.h"
#include "store_backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sb_clock.h"
#include "sb_error.h"
#include "sb_log.h"
#include "store_core.h"
#include "store_documents.h"
#include "store_verify.h"
#include "store_wal.h"

struct sb_store_backups {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool running;  /* a copy thread is at work (under mu) */
    bool joinable; /* a thread was started and not joined yet (loop thread only) */
    pthread_t thread;
    sb_backup_info info; /* under mu */
    MDB_env *env;
    /* with the commit log (under mu): the checkpoint the copy waits for,
     * the last one made, and whether the wait was given up */
    uint64_t need, checkpointed;
    bool abandon;
};

/* A directory we may fill: absolute, empty or creatable. */
static int prepare_dir(const char *dir, char *err, size_t err_len)
{
    if (dir[0] != '/') {
        snprintf(err, err_len, "backup directory \"%s\" is not an absolute path", dir);
        return -1;
    }
    if (strlen(dir) > PATH_MAX - 32) {
        snprintf(err, err_len, "backup directory path is too long");
        return -1;
    }
    if (mkdir(dir, 0750) == 0)
        return 0;
    if (errno != EEXIST) {
        snprintf(err, err_len, "cannot create the backup directory %s: %s%s", dir, strerror(errno),
                 errno == ENOENT ? " (its parent directory does not exist)"
                 : errno == EROFS || errno == EACCES
                     ? " (under systemd the daemon may write only to its state directory and "
                       "/var/backups/skillbase)"
                     : "");
        return -1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, err_len, "%s exists but cannot be read as a directory: %s", dir,
                 strerror(errno));
        return -1;
    }
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    if (!empty) {
        snprintf(err, err_len, "backup directory %s is not empty; give a new directory", dir);
        return -1;
    }
    return 0;
}

static int fsync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) ? -errno : 0;
    close(fd);
    return r;
}

typedef struct {
    char first[256];
} first_problem;

static void keep_first(void *arg, const char *text)
{
    first_problem *fp = arg;
    if (!fp->first[0])
        snprintf(fp->first, sizeof fp->first, "%s", text);
}

static void *copy_thread(void *arg)
{
    struct sb_store_backups *b = arg;
    char dir[PATH_MAX], path[PATH_MAX + 16], error[512] = "";
    sb_verify_report rep = {0};
    pthread_mutex_lock(&b->mu);
    memcpy(dir, b->info.dir, sizeof dir);
    while (b->need > b->checkpointed && !b->abandon)
        pthread_cond_wait(&b->cond, &b->mu);
    bool abandoned = b->need > b->checkpointed;
    pthread_mutex_unlock(&b->mu);
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (abandoned) {
        snprintf(error, sizeof error,
                 "not copied to %.300s: the daemon stopped, or the map had to grow, before the "
                 "checkpoint the copy waits for; start the backup again",
                 dir);
        goto done;
    }

    /* the copy holds applicants' personal data: whatever the umask, the
     * directory is 0750 before LMDB creates the file in it (so nobody else
     * can open it meanwhile) and the file 0640 (docs/operations.md) */
    if (chmod(dir, 0750) != 0) {
        snprintf(error, sizeof error, "cannot make %.300s mode 0750: %s", dir, strerror(errno));
        goto done;
    }
    int rc = mdb_env_copy2(b->env, dir, MDB_CP_COMPACT);
    if (!rc && chmod(path, 0640) != 0) {
        snprintf(error, sizeof error, "cannot make %.300s mode 0640: %s", path, strerror(errno));
        unlink(path);
        goto done;
    }
    if (rc) {
        snprintf(error, sizeof error, "copy to %.300s failed: %s", dir, mdb_strerror(rc));
        unlink(path); /* never leave half a copy that looks like a backup */
        goto done;
    }
    int r = fsync_path(path, O_RDONLY);
    if (!r)
        r = fsync_path(dir, O_RDONLY | O_DIRECTORY);
    if (r) {
        snprintf(error, sizeof error, "flushing %.300s failed: %s", path, strerror(-r));
        goto done;
    }
    /* the document files the copy names, before it is verified with them */
    const char *state_dir = NULL;
    if (mdb_env_get_path(b->env, &state_dir) == 0 &&
        sb_store_docs_backup(state_dir, dir, error, sizeof error))
        goto done;
    first_problem fp = {""};
    if (sb_store_verify(dir, keep_first, &fp, &rep) || rep.problems)
        snprintf(error, sizeof error,
                 "the copy in %.200s failed verification (%llu problem(s)): %.200s", dir,
                 (unsigned long long)rep.problems, fp.first);
done:;
    sb_text_repair(error); /* a path cut short must not cut a character: it is sent as text */
    uint64_t now = sb_clock_now_ms();
    pthread_mutex_lock(&b->mu);
    sb_backup_info *i = &b->info;
    i->finished_ms = now;
    i->bytes = rep.data_bytes;
    i->records = rep.applications + rep.bases;
    i->last_seq = rep.last_seq;
    if (error[0]) {
        i->state = SB_BACKUP_FAILED;
        memcpy(i->error, error, sizeof i->error);
        i->failed++;
    } else {
        i->state = SB_BACKUP_DONE;
        i->done++;
        i->last_done_ms = now;
    }
    uint64_t ms = now > i->started_ms ? now - i->started_ms : 0;
    b->running = false;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
    if (error[0])
        sb_log(SB_LOG_ERROR, "backup failed: %s", error);
    else
        sb_log(SB_LOG_INFO,
               "backup to %s done in %llu ms: %llu bytes, %llu records, events up to %llu, "
               "verified",
               dir, (unsigned long long)ms, (unsigned long long)rep.data_bytes,
               (unsigned long long)(rep.applications + rep.bases),
               (unsigned long long)rep.last_seq);
    return NULL;
}

/* The store's before_remap hook (store_core.h): wait until no copy is
 * reading the map. */
static void backup_wait(sb_store *s)
{
    struct sb_store_backups *b = s->backups;
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    if (b->running && b->need > b->checkpointed) {
        b->abandon = true; /* it would wait for a checkpoint that cannot come */
        pthread_cond_broadcast(&b->cond);
    }
    if (b->running)
        sb_log(SB_LOG_WARN,
               "store: waiting for the backup to %s to finish before the map can "
               "grow",
               b->info.dir);
    while (b->running)
        pthread_cond_wait(&b->cond, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

/* The store's after_checkpoint hook: LMDB now holds everything up to the
 * checkpoint of transaction `id`, which a copy may wait for. */
static void backup_checkpointed(sb_store *s, uint64_t id)
{
    struct sb_store_backups *b = s->backups;
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->checkpointed = id;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

static struct sb_store_backups *backups_of(sb_store *s)
{
    if (!s->backups) {
        struct sb_store_backups *b = calloc(1, sizeof *b);
        if (!b)
            return NULL;
        pthread_mutex_init(&b->mu, NULL);
        pthread_cond_init(&b->cond, NULL);
        b->env = s->env;
        s->backups = b;
        s->before_remap = backup_wait;
        s->after_checkpoint = backup_checkpointed;
    }
    return s->backups;
}

int sb_store_backup_start(sb_store *s, const char *dir, char *err, size_t err_len)
{
    struct sb_store_backups *b = backups_of(s);
    if (!b) {
        snprintf(err, err_len, "out of memory");
        return SB_E(SB_INTERNAL);
    }
    pthread_mutex_lock(&b->mu);
    bool running = b->running;
    pthread_mutex_unlock(&b->mu);
    if (running) {
        snprintf(err, err_len, "a backup to %s is already running", b->info.dir);
        return SB_E(SB_CONFLICT);
    }
    if (b->joinable) {
        pthread_join(b->thread, NULL);
        b->joinable = false;
    }
    if (prepare_dir(dir, err, err_len))
        return SB_E(SB_INVALID);
    pthread_mutex_lock(&b->mu);
    sb_backup_info *i = &b->info;
    i->state = SB_BACKUP_RUNNING;
    snprintf(i->dir, sizeof i->dir, "%s", dir);
    i->started_ms = sb_clock_now_ms();
    i->finished_ms = i->bytes = i->records = i->last_seq = 0;
    i->error[0] = '\0';
    b->running = true;
    /* with the commit log, the copy waits for the checkpoint that makes
     * this batch LMDB's (asked for here) */
    b->need = sb_store__wal_pending_id(s);
    b->abandon = false;
    pthread_mutex_unlock(&b->mu);
    int rc = pthread_create(&b->thread, NULL, copy_thread, b);
    if (rc) {
        pthread_mutex_lock(&b->mu);
        b->running = false;
        i->state = SB_BACKUP_FAILED;
        snprintf(i->error, sizeof i->error, "cannot start the copy: %s", strerror(rc));
        i->failed++;
        pthread_mutex_unlock(&b->mu);
        snprintf(err, err_len, "cannot start the copy: %s", strerror(rc));
        return SB_E(SB_INTERNAL);
    }
    b->joinable = true;
    return 0;
}

void sb_store_backup_info_get(sb_store *s, sb_backup_info *ret)
{
    struct sb_store_backups *b = s->backups;
    if (!b) {
        memset(ret, 0, sizeof *ret);
        return;
    }
    pthread_mutex_lock(&b->mu);
    *ret = b->info;
    pthread_mutex_unlock(&b->mu);
}

void sb_store__backup_close(sb_store *s)
{
    struct sb_store_backups *b = s->backups;
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    if (b->running)
        sb_log(SB_LOG_INFO, "waiting for the backup to %s to finish", b->info.dir);
    b->abandon = true;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
    if (b->joinable)
        pthread_join(b->thread, NULL);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->cond);
    free(b);
    s->backups = NULL;
    s->before_remap = NULL;
    s->after_checkpoint = NULL;
}
