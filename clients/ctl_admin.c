/* skillbasectl's administration verbs: `backup DIR` and `backup-status`.
 *
 * The daemon takes the backup in the background (proto: Backup); `backup`
 * starts it and then asks for its state until it is no longer running, so
 * the verb returns when the copy is on disk and verified — or says why not.
 */
#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "pbjson.h"

#define POLL_MS 200

static int print_info(ctl *c, const Skillbase__BackupInfo *b)
{
    if (c->out.json) {
        if (ctl_print_json(pbjson_from_message(&b->base)))
            return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        if (b->state == SKILLBASE__BACKUP_STATE__BACKUP_FAILED)
            return EXIT_REFUSED;
        return EXIT_DONE;
    }
    double secs =
        b->finished_ms > b->started_ms ? (double)(b->finished_ms - b->started_ms) / 1000 : 0;
    switch (b->state) {
    case SKILLBASE__BACKUP_STATE__BACKUP_STATE_UNSPECIFIED:
        printf("no backup since the daemon started\n");
        return EXIT_DONE;
    case SKILLBASE__BACKUP_STATE__BACKUP_RUNNING:
        printf("backup to %s: running\n", b->dir);
        return EXIT_DONE;
    case SKILLBASE__BACKUP_STATE__BACKUP_DONE:
        printf("backup to %s: done in %.1f s: %llu bytes, %llu records, events up to %llu; "
               "verified\n",
               b->dir, secs, (unsigned long long)b->bytes, (unsigned long long)b->records,
               (unsigned long long)b->last_seq);
        return EXIT_DONE;
    default:
        return ctl_fail(c, EXIT_REFUSED, "backup_failed", "backup to %s: %s", b->dir,
                        b->error && *b->error ? b->error : "failed (see the daemon's log)");
    }
}

/* Send a backup or backup_status request; *ret is the reply (caller frees). */
static int call_backup(ctl *c, Skillbase__Request *req, Skillbase__Reply **ret)
{
    return ctl_call_for(c, req, SKILLBASE__REPLY__RESULT_BACKUP, ret);
}

int ctl_verb_backup(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Backup b = SKILLBASE__BACKUP__INIT;
    Skillbase__Reply *reply;
    char dir[PATH_MAX];
    (void)v;
    /* The daemon writes the copy on its own host and wants an absolute
     * path: a relative one is taken from here. */
    if (args[0][0] == '/') {
        snprintf(dir, sizeof dir, "%s", args[0]);
    } else {
        char cwd[2048];
        if (!getcwd(cwd, sizeof cwd))
            return usage_fail(c, "cannot resolve \"%s\": %s", args[0], strerror(errno));
        snprintf(dir, sizeof dir, "%s/%s", cwd, args[0]);
    }
    b.dir = dir;
    req.command_case = SKILLBASE__REQUEST__COMMAND_BACKUP;
    req.backup = &b;
    int r = call_backup(c, &req, &reply);
    if (r)
        return r;
    /* Ask until this backup is no longer running. */
    Skillbase__BackupStatus st = SKILLBASE__BACKUP_STATUS__INIT;
    Skillbase__Request sreq = SKILLBASE__REQUEST__INIT;
    sreq.command_case = SKILLBASE__REQUEST__COMMAND_BACKUP_STATUS;
    sreq.backup_status = &st;
    while (reply->backup->state == SKILLBASE__BACKUP_STATE__BACKUP_RUNNING &&
           strcmp(reply->backup->dir, dir) == 0) {
        skillbase__reply__free_unpacked(reply, NULL);
        struct timespec ts = {0, POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
        r = call_backup(c, &sreq, &reply);
        if (r)
            return r;
    }
    if (strcmp(reply->backup->dir, dir) != 0)
        r = ctl_fail(c, EXIT_REFUSED, "backup_failed",
                     "another backup (to %s) replaced the one to %s; ask backup-status",
                     reply->backup->dir, dir);
    else
        r = print_info(c, reply->backup);
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

int ctl_verb_backup_status(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__BackupStatus st = SKILLBASE__BACKUP_STATUS__INIT;
    Skillbase__Reply *reply;
    (void)v, (void)args;
    req.command_case = SKILLBASE__REQUEST__COMMAND_BACKUP_STATUS;
    req.backup_status = &st;
    int r = call_backup(c, &req, &reply);
    if (r)
        return r;
    r = print_info(c, reply->backup);
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}
