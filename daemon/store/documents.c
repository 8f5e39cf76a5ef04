#define _GNU_SOURCE /* sync_file_range */
#include "documents.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sb_error.h"
#include "sb_log.h"
#include "sb_parse.h"

#define MIB ((uint64_t)1024 * 1024)
/* Room a chunk's request needs beside its data (envelope, ids, tags). */
#define CHUNK_ENVELOPE (16 * 1024)
/* Writeback of an upload is started every this many bytes. */
#define WRITEBACK_BYTES (8 * MIB)
/* A committed upload is kept this long so that a retried commit finds it. */
#define DONE_KEEP_MS (10 * 60 * 1000)

struct sb_docs {
    char dir[PATH_MAX]; /* <state_dir>/documents */
    char tmp[PATH_MAX]; /* <state_dir>/documents/tmp */
    char state_dir[PATH_MAX];
    uint64_t max_bytes;
    uint32_t max_uploads;
    uint64_t idle_ms;
    uint32_t chunk_max;
    sb_upload **uploads; /* max_uploads * 2 slots: active ones and recently placed ones */
    size_t n_slots;
};

int sb_docs_fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) ? -errno : 0;
    close(fd);
    return r;
}

/* mkdir, and on creation make the new entry durable in its parent. */
static int make_dir(const char *path, const char *parent)
{
    if (mkdir(path, 0750) == 0)
        return sb_docs_fsync_dir(parent);
    return errno == EEXIST ? 0 : -errno;
}

static void tmp_path(const sb_docs *d, const char *id, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s.part", d->tmp, id);
}

void sb_docs_file_path(const char *state_dir, const char *sha256, char *buf, size_t len)
{
    if ((size_t)snprintf(buf, len, "%s/documents/%.2s/%s", state_dir, sha256, sha256) >= len)
        buf[0] = '\0';
}

bool sb_docs_hex_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!strchr("0123456789abcdefABCDEF", s[n]))
            return false;
    return n == SB_DOC_HEX_LEN;
}

static void sweep_tmp(sb_docs *d)
{
    DIR *dir = opendir(d->tmp);
    if (!dir)
        return; /* none yet */
    struct dirent *e;
    size_t n = 0;
    char path[PATH_MAX + 300];
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", d->tmp, e->d_name);
        if (unlink(path) == 0)
            n++;
    }
    closedir(dir);
    if (n)
        sb_log(SB_LOG_INFO, "documents: removed %zu file(s) of interrupted uploads from %s", n,
               d->tmp);
}

int sb_docs_open(const sb_config *config, sb_docs **ret)
{
    sb_docs *d = calloc(1, sizeof *d);
    if (!d)
        return SB_E(SB_INTERNAL);
    if ((size_t)snprintf(d->dir, sizeof d->dir, "%s/documents", config->state_dir) >=
            sizeof d->dir - 80 ||
        (size_t)snprintf(d->tmp, sizeof d->tmp, "%s/tmp", d->dir) >= sizeof d->tmp) {
        sb_log(SB_LOG_ERROR, "documents: state directory path too long");
        free(d);
        return SB_E(SB_INTERNAL);
    }
    snprintf(d->state_dir, sizeof d->state_dir, "%s", config->state_dir);
    d->max_bytes = config->doc_max_bytes;
    d->max_uploads = config->doc_max_uploads;
    d->idle_ms = (uint64_t)config->doc_upload_idle_s * 1000;
    size_t room = config->max_request_bytes > 2 * CHUNK_ENVELOPE
                      ? config->max_request_bytes - CHUNK_ENVELOPE
                      : config->max_request_bytes / 2;
    d->chunk_max = room > MIB ? (uint32_t)MIB : (uint32_t)room;
    d->n_slots = (size_t)d->max_uploads * 2;
    d->uploads = calloc(d->n_slots, sizeof *d->uploads);
    if (!d->uploads) {
        free(d);
        return SB_E(SB_INTERNAL);
    }
    sweep_tmp(d);
    *ret = d;
    return 0;
}

static void upload_free(sb_docs *d, size_t i, bool unlink_tmp)
{
    sb_upload *u = d->uploads[i];
    if (!u)
        return;
    if (u->fd >= 0)
        close(u->fd);
    if (unlink_tmp && !u->placed) {
        char path[PATH_MAX + 64];
        tmp_path(d, u->id, path, sizeof path);
        unlink(path);
    }
    sodium_memzero(u, sizeof *u);
    free(u);
    d->uploads[i] = NULL;
}

void sb_docs_close(sb_docs **dp)
{
    sb_docs *d = *dp;
    if (!d)
        return;
    *dp = NULL;
    for (size_t i = 0; i < d->n_slots; i++)
        upload_free(d, i, true);
    free(d->uploads);
    free(d);
}

uint32_t sb_docs_chunk_max(const sb_docs *d)
{
    return d->chunk_max;
}

size_t sb_docs_uploads(const sb_docs *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_slots; i++)
        n += d->uploads[i] && !d->uploads[i]->placed;
    return n;
}

/* Forget idle uploads and placed ones kept long enough. */
static void expire(sb_docs *d, uint64_t now_ms)
{
    for (size_t i = 0; i < d->n_slots; i++) {
        sb_upload *u = d->uploads[i];
        if (!u)
            continue;
        uint64_t keep = u->placed ? DONE_KEEP_MS : d->idle_ms;
        if (now_ms >= u->last_ms + keep || now_ms + 1000 < u->last_ms) {
            if (!u->placed)
                sb_log(SB_LOG_INFO, "documents: upload %s by %s forgotten after %llu s idle", u->id,
                       u->owner, (unsigned long long)(d->idle_ms / 1000));
            upload_free(d, i, true);
        }
    }
}

int sb_docs_upload_new(sb_docs *d, const char *owner, uint64_t now_ms, sb_upload **ret, char *err,
                       size_t err_len)
{
    expire(d, now_ms);
    size_t active = sb_docs_uploads(d), slot = d->n_slots;
    if (active >= d->max_uploads) {
        snprintf(err, err_len,
                 "%zu uploads are in progress, the most [documents] max_uploads allows; "
                 "retry once one finishes or after upload_idle_s",
                 active);
        return SB_E(SB_BUSY);
    }
    for (size_t i = 0; i < d->n_slots && slot == d->n_slots; i++)
        if (!d->uploads[i])
            slot = i;
    if (slot == d->n_slots) {
        /* every free slot holds a placed upload kept for retries: reuse the oldest */
        uint64_t oldest = UINT64_MAX;
        for (size_t i = 0; i < d->n_slots; i++)
            if (d->uploads[i]->placed && d->uploads[i]->last_ms < oldest)
                oldest = d->uploads[i]->last_ms, slot = i;
        upload_free(d, slot, false);
    }
    sb_upload *u = calloc(1, sizeof *u);
    if (!u) {
        snprintf(err, err_len, "out of memory");
        return SB_E(SB_INTERNAL);
    }
    unsigned char raw[SB_DOC_UPLOAD_ID_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(u->id, sizeof u->id, raw, sizeof raw);
    snprintf(u->owner, sizeof u->owner, "%s", owner);
    u->last_ms = now_ms;
    crypto_hash_sha256_init(&u->hash);
    char path[PATH_MAX + 64];
    int r = make_dir(d->dir, d->state_dir);
    if (!r)
        r = make_dir(d->tmp, d->dir);
    tmp_path(d, u->id, path, sizeof path);
    u->fd = r ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (u->fd < 0) {
        snprintf(err, err_len, "cannot create %s: %s", path, strerror(r ? -r : errno));
        sb_log(SB_LOG_ERROR, "documents: %s", err);
        free(u);
        return SB_E(SB_INTERNAL);
    }
    d->uploads[slot] = u;
    *ret = u;
    return 0;
}

sb_upload *sb_docs_upload_find(sb_docs *d, const char *id)
{
    for (size_t i = 0; i < d->n_slots; i++)
        if (d->uploads[i] && strcmp(d->uploads[i]->id, id) == 0)
            return d->uploads[i];
    return NULL;
}

int sb_docs_upload_write(sb_upload *u, uint64_t offset, const uint8_t *data, size_t len,
                         uint64_t now_ms, char *err, size_t err_len)
{
    if (offset < u->received && offset + len <= u->received) {
        u->last_ms = now_ms; /* a chunk sent again: already have it */
        return 0;
    }
    if (u->placed) {
        snprintf(err, err_len, "upload %s is already committed", u->id);
        return SB_E(SB_INVALID);
    }
    if (offset != u->received) {
        snprintf(err, err_len,
                 "chunk at offset %llu, expected offset %llu (the bytes received so far)",
                 (unsigned long long)offset, (unsigned long long)u->received);
        return SB_E(SB_INVALID);
    }
    if (len > u->size - u->received) {
        snprintf(err, err_len,
                 "chunk of %zu bytes at offset %llu goes past the announced size %llu", len,
                 (unsigned long long)offset, (unsigned long long)u->size);
        return SB_E(SB_INVALID);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = pwrite(u->fd, data + done, len - done, (off_t)(offset + done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, err_len, "writing upload %s failed: %s", u->id,
                     w < 0 ? strerror(errno) : "no progress");
            sb_log(SB_LOG_ERROR, "documents: %s", err);
            return SB_E(SB_INTERNAL);
        }
        done += (size_t)w;
    }
    crypto_hash_sha256_update(&u->hash, data, len);
    uint64_t from = u->received;
    u->received += len;
    u->last_ms = now_ms;
    /* Durability ahead of the commit: start the writeback of every
     * WRITEBACK_BYTES as they come, and make the whole file durable with
     * the last chunk, so document_commit (in a commit batch, beside other
     * clients' writes) only renames and syncs a directory. */
    if (from / WRITEBACK_BYTES != u->received / WRITEBACK_BYTES && u->received < u->size)
        (void)sync_file_range(u->fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* a hint: errors wait */
    if (u->received == u->size && !u->synced) {
        if (fsync(u->fd)) {
            snprintf(err, err_len, "writing upload %s failed (fsync): %s", u->id, strerror(errno));
            sb_log(SB_LOG_ERROR, "documents: %s", err);
            return SB_E(SB_INTERNAL);
        }
        u->synced = true;
    }
    return 0;
}

void sb_docs_upload_digest(const sb_upload *u, char hex[SB_DOC_HEX_LEN + 1])
{
    crypto_hash_sha256_state st = u->hash;
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, out);
    sodium_bin2hex(hex, SB_DOC_HEX_LEN + 1, out, sizeof out);
}

int sb_docs_place(sb_docs *d, sb_upload *u, char *err, size_t err_len)
{
    if (u->placed)
        return 0;
    char tmp[PATH_MAX + 64], final[PATH_MAX + 128], sub[PATH_MAX + 8];
    tmp_path(d, u->id, tmp, sizeof tmp);
    snprintf(sub, sizeof sub, "%s/%.2s", d->dir, u->sha256);
    sb_docs_file_path(d->state_dir, u->sha256, final, sizeof final);
    /* the bytes were synced with the last chunk (sb_docs_upload_write) */
    int r = u->synced || fsync(u->fd) == 0 ? 0 : -errno;
    const char *step = "fsync";
    if (!r) {
        step = "mkdir";
        r = make_dir(sub, d->dir);
    }
    if (!r) {
        step = "rename";
        /* the same bytes may be there already (content-addressed): then
         * the temporary copy is simply dropped */
        struct stat st;
        if (stat(final, &st) == 0 && (uint64_t)st.st_size == u->size)
            r = unlink(tmp) ? -errno : 0;
        else
            r = rename(tmp, final) ? -errno : 0;
    }
    if (!r) {
        step = "fsync of the directory";
        r = sb_docs_fsync_dir(sub);
    }
    if (r) {
        snprintf(err, err_len, "storing document %s failed (%s): %s", u->sha256, step,
                 strerror(-r));
        sb_log(SB_LOG_ERROR, "documents: %s", err);
        return SB_E(SB_INTERNAL);
    }
    close(u->fd);
    u->fd = -1;
    u->placed = true;
    return 0;
}

void sb_docs_upload_drop(sb_docs *d, sb_upload *u)
{
    for (size_t i = 0; i < d->n_slots; i++)
        if (d->uploads[i] == u)
            upload_free(d, i, true);
}

int sb_docs_open_file(const sb_docs *d, const char *sha256)
{
    char path[PATH_MAX + 128];
    sb_docs_file_path(d->state_dir, sha256, path, sizeof path);
    return open(path, O_RDONLY | O_CLOEXEC);
}

int sb_docs_hash_file(const char *path, char hex[SB_DOC_HEX_LEN + 1], uint64_t *ret_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    static __thread unsigned char buf[64 * 1024];
    uint64_t size = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&st, buf, (size_t)n);
        size += (uint64_t)n;
    }
    close(fd);
    unsigned char out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, out);
    sodium_bin2hex(hex, SB_DOC_HEX_LEN + 1, out, sizeof out);
    if (ret_size)
        *ret_size = size;
    return 0;
}

int sb_docs_each_file(const char *docdir, int (*fn)(void *arg, const char *sub, const char *name),
                      void *arg)
{
    DIR *top = opendir(docdir);
    if (!top)
        return 0;
    int r = 0;
    struct dirent *e;
    while (!r && (e = readdir(top)) != NULL) {
        if (strlen(e->d_name) != 2 || !strchr("0123456789abcdef", e->d_name[0]) ||
            !strchr("0123456789abcdef", e->d_name[1]))
            continue;
        char sub[PATH_MAX + 8];
        snprintf(sub, sizeof sub, "%s/%.2s", docdir, e->d_name);
        DIR *dir = opendir(sub);
        if (!dir)
            continue;
        struct dirent *f;
        while (!r && (f = readdir(dir)) != NULL)
            if (f->d_name[0] != '.')
                r = fn(arg, sub, f->d_name);
        closedir(dir);
    }
    closedir(top);
    return r;
}

typedef struct {
    int (*known)(void *arg, const char *sha256);
    void *arg;
    size_t removed;
    char synced[PATH_MAX + 8]; /* the last directory an unlink was made durable in */
} sweep;

static int sweep_one(void *arg, const char *sub, const char *name)
{
    sweep *w = arg;
    if (!sb_docs_hex_ok(name) || w->known(w->arg, name) != 0)
        return 0;
    char path[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/%.64s", sub, name);
    if (unlink(path) == 0) {
        sb_log(SB_LOG_WARN,
               "documents: removed %s: no record names it (an upload whose commit never happened)",
               name);
        w->removed++;
        sb_docs_fsync_dir(sub);
    }
    return 0;
}

size_t sb_docs_sweep(sb_docs *d, int (*known)(void *arg, const char *sha256), void *arg)
{
    sweep w = {.known = known, .arg = arg};
    sb_docs_each_file(d->dir, sweep_one, &w);
    return w.removed;
}
