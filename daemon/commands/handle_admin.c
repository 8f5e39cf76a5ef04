/* Administration commands (Request.command 100-119): the hot backup.
 *
 * The backup itself runs in a thread of the store (store_backup.h); these
 * handlers start it and report on it. Neither writes to the store, so
 * neither records an event: the daemon's log and the metrics say when
 * backups ran. */
#include <string.h>

#include "handlers_private.h"
#include "sb_error.h"
#include "sb_log.h"
#include "store_backup.h"

#define DIR_MAX SB_BACKUP_DIR_MAX

Skillbase__BackupInfo *sb_handler_backup_info(sb_call *call)
{
    sb_backup_info b;
    Skillbase__BackupInfo *m = sb_arena_alloc(call->arena, sizeof *m);
    if (!m)
        return NULL;
    skillbase__backup_info__init(m);
    sb_store_backup_info_get(call->store, &b);
    m->state = (Skillbase__BackupState)b.state;
    m->dir = sb_arena_strdup(call->arena, b.dir);
    m->error = sb_arena_strdup(call->arena, b.error);
    if (!m->dir || !m->error)
        return NULL;
    m->started_ms = b.started_ms;
    m->finished_ms = b.finished_ms;
    m->bytes = b.bytes;
    m->records = b.records;
    m->last_seq = b.last_seq;
    m->done = b.done;
    m->failed = b.failed;
    return m;
}

static int reply_info(sb_call *call)
{
    Skillbase__BackupInfo *m = sb_handler_backup_info(call);
    if (!m)
        return SB_E(SB_INTERNAL);
    call->reply->result_case = SKILLBASE__REPLY__RESULT_BACKUP;
    call->reply->backup = m;
    return 0;
}

int sb_handler_backup(sb_call *call)
{
    const char *dir = call->req->backup->dir;
    char err[600];
    if (!dir || !*dir)
        return sb_call_fail(call, SB_INVALID,
                            "dir: missing (an absolute directory on the "
                            "daemon's host)");
    if (strlen(dir) > DIR_MAX || !sb_rules_text_ok(dir))
        return sb_call_fail(call, SB_INVALID, "dir: not a path of at most %d bytes", DIR_MAX);
    if (dir[0] != '/')
        return sb_call_fail(call, SB_INVALID, "dir: \"%s\" is not an absolute path", dir);
    /* Asking again for the latest backup's directory (a retried request)
     * answers its state rather than refusing a directory that is no longer
     * empty. */
    sb_backup_info b;
    sb_store_backup_info_get(call->store, &b);
    if (b.state != SB_BACKUP_NONE && strcmp(b.dir, dir) == 0)
        return reply_info(call);
    int rc = sb_store_backup_start(call->store, dir, err, sizeof err);
    if (rc == SB_E(SB_CONFLICT) || rc == SB_E(SB_INVALID))
        return sb_call_fail(call, -rc, "%s", err);
    if (rc) {
        sb_log(SB_LOG_ERROR, "backup to %s not started: %s", dir, err);
        return sb_call_fail(call, SB_INTERNAL, "backup not started: %s", err);
    }
    sb_log(SB_LOG_INFO, "backup to %s started by %s", dir, call->actor);
    return reply_info(call);
}

int sb_handler_backup_status(sb_call *call)
{
    return reply_info(call);
}
