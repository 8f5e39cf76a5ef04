/* notify_spool: atomic notice files and delivery markers; see the header. */
#include "notify_spool.h"
#include "sb_text.h"

#include <limits.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MARKERS ".sent"

char *sb_spool_key(const char *job_id, unsigned long long seq, char *buf, size_t len)
{
    if (!job_id || !*job_id) {
        snprintf(buf, len, "seq-%llu", seq);
        return buf;
    }
    size_t i = 0;
    for (; job_id[i] && i + 1 < len; i++) {
        char c = job_id[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || (c == '.' && i > 0);
        buf[i] = ok ? c : '_';
    }
    buf[i] = '\0';
    return buf;
}

char *sb_spool_text(const sb_notice *n, const char *job_id)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "Job: %s\n", job_id && *job_id ? job_id : "-");
    fprintf(f, "Seq: %" PRIu64 "\n", n->seq);
    /* the header lines hold text from records: escaped, so that nothing in
     * it can end a line or start another (sb_text.h) */
    char esc[2048];
    fprintf(f, "Topic: %s\n", sb_text_escape(n->topic, esc, sizeof esc));
    if (n->action[0])
        fprintf(f, "Action: %s\n", sb_text_escape(n->action, esc, sizeof esc));
    fprintf(f, "Entity: %s\n", sb_text_escape(n->entity_id, esc, sizeof esc));
    fprintf(f, "Template: %s\n", sb_text_escape(n->template_name, esc, sizeof esc));
    fputs("To:", f);
    for (size_t i = 0; i < n->to_count; i++)
        fprintf(f, "%s %s", i ? "," : "", sb_text_escape(n->to[i], esc, sizeof esc));
    if (!n->to_count)
        fputs(" -", f);
    fprintf(f, "\nSubject: %s\n\n%s", sb_text_escape(n->subject, esc, sizeof esc), n->body);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

int sb_spool_mkdirs(const char *dir, char *err, size_t err_len)
{
    char path[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        snprintf(err, err_len, "spool directory \"%s\": empty or too long", dir);
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0750) != 0 && errno != EEXIST) {
            snprintf(err, err_len, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
        *p = c;
        if (!c)
            break;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, err_len, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

/* Write `data` to <dir>/<name> through a temporary file, fsync, rename and
 * fsync the directory, so the file is either absent, old or whole. */
static int write_atomic(const char *dir, const char *name, const char *data, size_t len, char *err,
                        size_t err_len)
{
    char tmp[PATH_MAX], final[PATH_MAX];
    int fd = -1, rc = -1;
    snprintf(final, sizeof final, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, name, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        snprintf(err, err_len, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            snprintf(err, err_len, "cannot write %s: %s", tmp, strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        snprintf(err, err_len, "cannot sync %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        snprintf(err, err_len, "cannot close %s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, final) != 0) {
        snprintf(err, err_len, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
        goto out;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* the rename itself durable; best effort */
        close(dfd);
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc)
        unlink(tmp);
    return rc;
}

int sb_spool_write(const char *dir, const char *key, const sb_notice *n, const char *job_id,
                   char *err, size_t err_len)
{
    char name[300];
    if (sb_spool_mkdirs(dir, err, err_len))
        return -1;
    char *text = sb_spool_text(n, job_id);
    if (!text) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    snprintf(name, sizeof name, "%s.txt", key);
    int rc = write_atomic(dir, name, text, strlen(text), err, err_len);
    free(text);
    return rc;
}

static void marker_path(const char *dir, const char *key, const char *channel, char *buf,
                        size_t len)
{
    snprintf(buf, len, "%s/" MARKERS "/%s.%s", dir, key, channel);
}

bool sb_spool_sent(const char *dir, const char *key, const char *channel)
{
    char path[PATH_MAX];
    marker_path(dir, key, channel, path, sizeof path);
    return access(path, F_OK) == 0;
}

int sb_spool_mark_sent(const char *dir, const char *key, const char *channel, char *err,
                       size_t err_len)
{
    char mdir[PATH_MAX], name[300];
    snprintf(mdir, sizeof mdir, "%s/" MARKERS, dir);
    if (sb_spool_mkdirs(mdir, err, err_len))
        return -1;
    snprintf(name, sizeof name, "%s.%s", key, channel);
    return write_atomic(mdir, name, "", 0, err, err_len);
}

int sb_spool_prune_markers(const char *dir, unsigned max_age_days)
{
    char mdir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2]; /* mdir "/" d_name */
    int removed = 0;
    snprintf(mdir, sizeof mdir, "%s/" MARKERS, dir);
    DIR *d = opendir(mdir);
    if (!d)
        return 0;
    /* File ages are a housekeeping matter, measured against the file
     * system's own clock (not the settable legal clock). */
    time_t limit = time(NULL) - (time_t)max_age_days * 86400;
    for (struct dirent *e; (e = readdir(d));) {
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", mdir, e->d_name);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime < limit && unlink(path) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}
