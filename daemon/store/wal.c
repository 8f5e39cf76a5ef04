/* sb_wal: the write-ahead log file (wal.h). */
#include "wal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAGIC "SBW1"
#define HASH_LEN 16
#define ZERO_CHUNK ((size_t)1 << 20)

struct sb_wal {
    int fd;
    uint64_t size; /* the file's size: the most a generation may hold */
    /* under mu: where the next record goes and its number, and the
     * records staged but not yet written (bytes from file offset buf_off) */
    pthread_mutex_t mu;
    uint64_t off;
    uint64_t next;
    uint8_t *buf;
    size_t len, cap;
    uint64_t buf_off;
    uint8_t *spare; /* the flushing side's buffer, swapped with buf */
    size_t spare_cap;
};

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The header of record (gen, number) over payload p. */
static void header(uint8_t h[SB_WAL_HEADER], uint64_t gen, uint64_t number, const uint8_t *p,
                   size_t n)
{
    crypto_generichash_state st;
    memcpy(h, MAGIC, 4);
    put_le32(h + 4, (uint32_t)n);
    put_le64(h + 8, gen);
    put_le64(h + 16, number);
    crypto_generichash_init(&st, NULL, 0, HASH_LEN);
    crypto_generichash_update(&st, h, 24);
    crypto_generichash_update(&st, p, n);
    crypto_generichash_final(&st, h + 24, HASH_LEN);
}

/* fsync the directory holding path, so a new file's name survives a
 * power cut. */
static int sync_dir(const char *path)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int r = fsync(fd) ? -errno : 0;
    close(fd);
    return r;
}

/* Write zeros from the file's end up to `bytes` and sync: the blocks are
 * then allocated and written, so later overwrites need no metadata and
 * fdatasync writes data only (a fallocate'd extent would still be
 * converted on first write). */
static int extend(int fd, uint64_t from, uint64_t bytes)
{
    uint8_t *zero = calloc(1, ZERO_CHUNK);
    if (!zero)
        return -ENOMEM;
    int r = 0;
    for (uint64_t off = from; off < bytes && !r;) {
        size_t n = bytes - off < ZERO_CHUNK ? (size_t)(bytes - off) : ZERO_CHUNK;
        ssize_t w = pwrite(fd, zero, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            r = w < 0 ? -errno : -EIO;
        else
            off += (uint64_t)w;
    }
    free(zero);
    if (!r && fsync(fd))
        r = -errno;
    return r;
}

int sb_wal_open(const char *path, uint64_t bytes, sb_wal **ret)
{
    if (!path || !ret || bytes < 4096)
        return -EINVAL;
    if (sodium_init() < 0)
        return -EIO;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    /* one writer: a second process would overwrite what this one logs */
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        int e = -errno;
        close(fd);
        return e;
    }
    struct stat st;
    int r = fstat(fd, &st) ? -errno : 0;
    bool created = !r && st.st_size == 0;
    if (!r && (uint64_t)st.st_size < bytes)
        r = extend(fd, (uint64_t)st.st_size, bytes);
    if (!r && created)
        r = sync_dir(path);
    sb_wal *w = r ? NULL : calloc(1, sizeof *w);
    if (!r && !w)
        r = -ENOMEM;
    if (r) {
        close(fd);
        return r;
    }
    w->fd = fd;
    w->size = (uint64_t)st.st_size > bytes ? (uint64_t)st.st_size : bytes;
    pthread_mutex_init(&w->mu, NULL);
    *ret = w;
    return 0;
}

void sb_wal_close(sb_wal **wp)
{
    if (!wp || !*wp)
        return;
    close((*wp)->fd);
    pthread_mutex_destroy(&(*wp)->mu);
    free((*wp)->buf);
    free((*wp)->spare);
    free(*wp);
    *wp = NULL;
}

static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = pread(fd, (uint8_t *)buf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return 1; /* the file ends first */
        got += (size_t)r;
    }
    return 0;
}

int sb_wal_scan(sb_wal *w, uint64_t gen, int (*fn)(void *arg, const uint8_t *p, size_t n),
                void *arg, uint64_t *ret_records)
{
    uint8_t h[SB_WAL_HEADER], want[SB_WAL_HEADER];
    uint8_t *buf = NULL;
    size_t cap = 0;
    uint64_t off = 0, number = 0;
    int r = 0;
    for (;;) {
        int rr = off + SB_WAL_HEADER > w->size ? 1 : read_at(w->fd, h, sizeof h, off);
        if (rr) {
            r = rr < 0 ? rr : 0;
            break;
        }
        uint64_t n = get_le(h + 4, 4);
        if (memcmp(h, MAGIC, 4) != 0 || get_le(h + 8, 8) != gen || get_le(h + 16, 8) != number ||
            off + SB_WAL_HEADER + n > w->size)
            break;
        if (n > cap) {
            uint8_t *nb = realloc(buf, n);
            if (!nb) {
                r = -ENOMEM;
                break;
            }
            buf = nb;
            cap = n;
        }
        rr = n ? read_at(w->fd, buf, n, off + SB_WAL_HEADER) : 0;
        if (rr) {
            r = rr < 0 ? rr : 0;
            break;
        }
        header(want, gen, number, buf, n);
        if (sodium_memcmp(want + 24, h + 24, HASH_LEN) != 0)
            break; /* torn, or never finished */
        if ((r = fn(arg, buf, n)) != 0)
            break;
        off += SB_WAL_HEADER + n;
        number++;
    }
    free(buf);
    w->off = off;
    w->next = number;
    if (ret_records)
        *ret_records = number;
    return r;
}

bool sb_wal_fits(const sb_wal *w, size_t n)
{
    return n <= UINT32_MAX && w->off + SB_WAL_HEADER + n <= w->size;
}

int sb_wal_stage(sb_wal *w, uint64_t gen, const uint8_t *p, size_t n)
{
    pthread_mutex_lock(&w->mu);
    int r = 0;
    if (!sb_wal_fits(w, n)) {
        r = -ENOSPC;
        goto out;
    }
    size_t need = SB_WAL_HEADER + n;
    if (w->len + need > w->cap) {
        size_t cap = w->cap ? w->cap : 65536;
        while (cap < w->len + need)
            cap *= 2;
        uint8_t *nb = realloc(w->buf, cap);
        if (!nb) {
            r = -ENOMEM;
            goto out;
        }
        w->buf = nb;
        w->cap = cap;
    }
    if (w->len == 0)
        w->buf_off = w->off;
    header(w->buf + w->len, gen, w->next, p, n);
    memcpy(w->buf + w->len + SB_WAL_HEADER, p, n);
    w->len += need;
    w->off += need;
    w->next++;
out:
    pthread_mutex_unlock(&w->mu);
    return r;
}

int sb_wal_flush(sb_wal *w)
{
    pthread_mutex_lock(&w->mu);
    uint8_t *p = w->buf;
    size_t n = w->len, cap = w->cap;
    uint64_t off = w->buf_off;
    w->buf = w->spare;
    w->cap = w->spare_cap;
    w->len = 0;
    pthread_mutex_unlock(&w->mu);
    int r = 0;
    for (size_t done = 0; done < n && !r;) {
        ssize_t k = pwrite(w->fd, p + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            r = k < 0 ? -errno : -EIO;
        else
            done += (size_t)k;
    }
    if (!r && n && fdatasync(w->fd))
        r = -errno;
    /* the flushed buffer is the next spare (only the flushing thread
     * touches spare) */
    pthread_mutex_lock(&w->mu);
    w->spare = p;
    w->spare_cap = cap;
    pthread_mutex_unlock(&w->mu);
    return r;
}

int sb_wal_append(sb_wal *w, uint64_t gen, const uint8_t *p, size_t n)
{
    pthread_mutex_lock(&w->mu);
    uint64_t off = w->off, next = w->next;
    bool idle = w->len == 0;
    pthread_mutex_unlock(&w->mu);
    if (!idle)
        return -EBUSY;
    int r = sb_wal_stage(w, gen, p, n);
    if (!r && (r = sb_wal_flush(w)) != 0) {
        /* the position does not move: the next record overwrites this one */
        pthread_mutex_lock(&w->mu);
        w->off = off;
        w->next = next;
        pthread_mutex_unlock(&w->mu);
    }
    return r;
}

void sb_wal_restart(sb_wal *w)
{
    w->off = 0;
    w->next = 0;
}

uint64_t sb_wal_used(const sb_wal *w)
{
    return w->off;
}

uint64_t sb_wal_capacity(const sb_wal *w)
{
    return w->size;
}
