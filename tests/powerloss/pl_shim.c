/* pl_shim: an LD_PRELOAD library that records every change a process makes
 * to the files of one directory — writes with their data, syncs, size
 * changes, renames and unlinks — into a trace (pl_trace.h), for the
 * power-loss harness (docs/powerloss.md). Test-only; never installed.
 *
 * Environment:
 *   PL_DIR      the directory to watch (its files, not below it)
 *   PL_TRACE    the trace file to write (truncated)
 *   PL_COUNTER  a file whose first 8 bytes the shim keeps equal to the
 *               number of records written (created if missing)
 *   PL_IGNORE   colon-separated file names not traced (default lock.mdb:
 *               LMDB's lock file, rebuilt by the first process that opens
 *               the environment)
 * Without PL_DIR the shim does nothing.
 *
 * Calls traced (strace of skillbased shows LMDB uses pwrite64 and, for
 * runs of contiguous pages, lseek + writev on its data descriptor, fdatasync,
 * and pwrite64 of the meta page through a second, O_DSYNC descriptor):
 * open/openat/creat (names the inode, notes O_DSYNC/O_SYNC), write, pwrite,
 * writev, pwritev(2), fsync, fdatasync, sync, syncfs, ftruncate, truncate,
 * fallocate, posix_fallocate, rename(at)(2), unlink(at); msync and
 * sync_file_range are noted without effect; a writable shared mapping of a
 * traced file cannot be followed and is recorded as such. Writes through
 * stdio (fwrite) are not seen: glibc calls the system directly.
 *
 * Each record is written after its call returned, under one lock, so the
 * trace is in the order the calls completed. A sync's record carries the
 * trace position at which the call began: only the writes recorded before
 * that are known to be covered by it (pl_disk.c).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pl_trace.h"

#define MAX_FDS 65536
#define MAX_FILES 4096

typedef struct {
    uint32_t file; /* 0: not traced */
    bool sync;     /* opened with O_DSYNC or O_SYNC */
} fd_slot;

typedef struct {
    dev_t dev;
    ino_t ino;
} inode_key;

extern char **environ;

static struct {
    bool configured; /* the environment was read */
    bool on;
    char dir[PATH_MAX];
    size_t dir_len;
    char ignore[1024];
    int trace_fd;
    volatile uint64_t *counter;
    uint64_t seq;
    bool shared_map; /* a writable shared map of a traced file was seen */
    fd_slot fds[MAX_FDS];
    inode_key files[MAX_FILES];
    uint32_t n_files;
} pl;

static pthread_mutex_t pl_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t pl_once = PTHREAD_ONCE_INIT;

/* the real functions */
static int (*real_open)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_close)(int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_pwritev2)(int, const struct iovec *, int, off_t, int);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_msync)(void *, size_t, int);
static int (*real_sync_file_range)(int, off_t, off_t, unsigned);
static void (*real_sync)(void);
static int (*real_syncfs)(int);
static int (*real_ftruncate)(int, off_t);
static int (*real_truncate)(const char *, off_t);
static int (*real_fallocate)(int, int, off_t, off_t);
static int (*real_posix_fallocate)(int, off_t, off_t);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_unlinkat)(int, const char *, int);
static int (*real_unlink)(const char *);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);

#define RESOLVE(name) real_##name = (__typeof__(real_##name))dlsym(RTLD_NEXT, #name)

static void pl_resolve(void)
{
    RESOLVE(open);
    RESOLVE(openat);
    RESOLVE(close);
    RESOLVE(write);
    RESOLVE(pwrite);
    RESOLVE(writev);
    RESOLVE(pwritev);
    RESOLVE(pwritev2);
    RESOLVE(fsync);
    RESOLVE(fdatasync);
    RESOLVE(msync);
    RESOLVE(sync_file_range);
    RESOLVE(sync);
    RESOLVE(syncfs);
    RESOLVE(ftruncate);
    RESOLVE(truncate);
    RESOLVE(fallocate);
    RESOLVE(posix_fallocate);
    RESOLVE(renameat2);
    RESOLVE(rename);
    RESOLVE(renameat);
    RESOLVE(unlinkat);
    RESOLVE(unlink);
    RESOLVE(mmap);
}

/* Read the environment and open the trace. Called once the environment is
 * there: the first calls may come from a sanitizer's start-up, before it. */
static void pl_configure(void)
{
    const char *dir = getenv("PL_DIR"), *trace = getenv("PL_TRACE"),
               *counter = getenv("PL_COUNTER"), *ignore = getenv("PL_IGNORE");
    if (!dir || !trace || !counter)
        return;
    if (!realpath(dir, pl.dir)) {
        fprintf(stderr, "pl_shim: PL_DIR %s: %s\n", dir, strerror(errno));
        abort();
    }
    pl.dir_len = strlen(pl.dir);
    snprintf(pl.ignore, sizeof pl.ignore, ":%s:", ignore ? ignore : "lock.mdb");
    pl.trace_fd = real_open(trace, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int cfd = real_open(counter, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (pl.trace_fd < 0 || cfd < 0 || real_ftruncate(cfd, 4096) ||
        (pl.counter = real_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0)) ==
            MAP_FAILED) {
        fprintf(stderr, "pl_shim: cannot open %s or %s: %s\n", trace, counter, strerror(errno));
        abort();
    }
    real_close(cfd);
    *pl.counter = 0;
    if (real_write(pl.trace_fd, PL_TRACE_MAGIC, 8) != 8)
        abort();
    pl.on = true;
}

static bool pl_active(void)
{
    pthread_once(&pl_once, pl_resolve);
    if (__atomic_load_n(&pl.configured, __ATOMIC_ACQUIRE))
        return pl.on;
    if (!environ || !environ[0])
        return false;
    pthread_mutex_lock(&pl_lock);
    if (!pl.configured) {
        pl_configure();
        __atomic_store_n(&pl.configured, true, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&pl_lock);
    return pl.on;
}

static void put_all(const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = real_write(pl.trace_fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            fprintf(stderr, "pl_shim: trace write: %s\n", strerror(errno));
            abort();
        }
        c += w;
        n -= (size_t)w;
    }
}

/* Append one record (payload from iov, len bytes in all); pl_lock held. */
static void emit_iov(uint32_t kind, uint32_t file, uint64_t off, const struct iovec *iov,
                     int iovcnt, uint64_t len)
{
    pl_rec r = {kind, file, off, len};
    put_all(&r, sizeof r);
    for (int i = 0; i < iovcnt && len; i++) {
        size_t n = iov[i].iov_len < len ? iov[i].iov_len : (size_t)len;
        put_all(iov[i].iov_base, n);
        len -= n;
    }
    pl.seq++;
    __atomic_store_n(pl.counter, pl.seq, __ATOMIC_RELEASE);
}

static void emit(uint32_t kind, uint32_t file, uint64_t off, const void *data, uint64_t len)
{
    struct iovec v = {(void *)data, (size_t)len};
    emit_iov(kind, file, off, &v, 1, len);
}

/* The name of an absolute canonical path inside the watched directory
 * (files directly in it, or "." for the directory itself), or NULL. */
static const char *inside(const char *abs)
{
    if (strncmp(abs, pl.dir, pl.dir_len) != 0)
        return NULL;
    if (abs[pl.dir_len] == 0)
        return ".";
    if (abs[pl.dir_len] != '/' || strchr(abs + pl.dir_len + 1, '/'))
        return NULL;
    const char *name = abs + pl.dir_len + 1;
    char pat[NAME_MAX + 3];
    snprintf(pat, sizeof pat, ":%s:", name);
    return strstr(pl.ignore, pat) ? NULL : name;
}

/* The canonical path of `path` relative to dirfd, whose last component
 * need not exist. Returns false when it cannot be made. */
static bool canonical(int dirfd, const char *path, char *out)
{
    char tmp[PATH_MAX], parent[PATH_MAX];
    if (path[0] == '/') {
        snprintf(tmp, sizeof tmp, "%s", path);
    } else {
        char base[PATH_MAX];
        if (dirfd == AT_FDCWD) {
            if (!getcwd(base, sizeof base))
                return false;
        } else {
            char link[64];
            snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
            ssize_t n = readlink(link, base, sizeof base - 1);
            if (n < 0)
                return false;
            base[n] = 0;
        }
        if ((size_t)snprintf(tmp, sizeof tmp, "%s/%s", base, path) >= sizeof tmp)
            return false;
    }
    char *slash = strrchr(tmp, '/');
    *slash = 0;
    if (!realpath(tmp[0] ? tmp : "/", parent))
        return false;
    return (size_t)snprintf(out, PATH_MAX, "%s/%s", strcmp(parent, "/") ? parent : "", slash + 1) <
           PATH_MAX;
}

/* The shim's number for an inode, made on first sight; pl_lock held. */
static uint32_t file_of(const struct stat *st, bool *ret_new)
{
    for (uint32_t i = 0; i < pl.n_files; i++)
        if (pl.files[i].dev == st->st_dev && pl.files[i].ino == st->st_ino) {
            *ret_new = false;
            return i + 1;
        }
    if (pl.n_files == MAX_FILES)
        abort();
    pl.files[pl.n_files] = (inode_key){st->st_dev, st->st_ino};
    *ret_new = true;
    return ++pl.n_files;
}

/* Forget the inode a name points to (before it is unlinked or replaced),
 * so that a new file with a recycled inode number gets a new number. */
static void forget(const char *abs)
{
    struct stat st;
    if (stat(abs, &st))
        return;
    for (uint32_t i = 0; i < pl.n_files; i++)
        if (pl.files[i].dev == st.st_dev && pl.files[i].ino == st.st_ino)
            pl.files[i].ino = 0, pl.files[i].dev = 0;
}

static void after_open(int fd, int flags, bool existed)
{
    char link[64], abs[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, abs, sizeof abs - 1);
    if (n < 0 || fd >= MAX_FDS)
        return;
    abs[n] = 0;
    const char *name = inside(abs);
    struct stat st;
    if (!name || fstat(fd, &st))
        return;
    pthread_mutex_lock(&pl_lock);
    bool fresh;
    uint32_t f = file_of(&st, &fresh);
    if (fresh)
        emit(PL_NAME, f, existed ? 0 : 1, name, strlen(name));
    if (existed && (flags & O_TRUNC) && (flags & O_ACCMODE) != O_RDONLY)
        emit(PL_TRUNCATE, f, 0, NULL, 0);
    pl.fds[fd] = (fd_slot){f, (flags & (O_DSYNC | O_SYNC)) != 0};
    pthread_mutex_unlock(&pl_lock);
}

static int do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    bool existed = true;
    if (pl_active() && (flags & O_CREAT)) {
        char abs[PATH_MAX];
        struct stat st;
        existed = canonical(dirfd, path, abs) && stat(abs, &st) == 0;
    }
    int fd = real_openat(dirfd, path, flags, mode);
    if (fd >= 0 && pl.on)
        after_open(fd, flags, existed);
    return fd;
}

static mode_t mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    return do_openat(AT_FDCWD, path, flags, m);
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    return do_openat(AT_FDCWD, path, flags, m);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    return do_openat(dirfd, path, flags, m);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    mode_t m = mode_arg(flags, ap);
    va_end(ap);
    return do_openat(dirfd, path, flags, m);
}

int creat(const char *path, mode_t mode)
{
    return do_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int creat64(const char *path, mode_t mode)
{
    return do_openat(AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int close(int fd)
{
    if (pl_active() && fd >= 0 && fd < MAX_FDS) {
        pthread_mutex_lock(&pl_lock);
        pl.fds[fd] = (fd_slot){0};
        pthread_mutex_unlock(&pl_lock);
    }
    return real_close(fd);
}

/* Whether fd is traced; resolves the real functions in any case. */
static fd_slot traced(int fd)
{
    pthread_once(&pl_once, pl_resolve);
    if (fd < 0 || fd >= MAX_FDS || !pl_active())
        return (fd_slot){0};
    return pl.fds[fd];
}

/* Record a completed write of `done` bytes at `off`. */
static void wrote(fd_slot s, off_t off, const struct iovec *iov, int iovcnt, ssize_t done)
{
    if (done <= 0)
        return;
    pthread_mutex_lock(&pl_lock);
    emit_iov(s.sync ? PL_WRITE_SYNC : PL_WRITE, s.file, (uint64_t)off, iov, iovcnt, (uint64_t)done);
    pthread_mutex_unlock(&pl_lock);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    fd_slot s = traced(fd);
    ssize_t r = real_write(fd, buf, n);
    if (s.file && r > 0) {
        struct iovec v = {(void *)buf, n};
        wrote(s, lseek(fd, 0, SEEK_CUR) - r, &v, 1, r);
    }
    return r;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    fd_slot s = traced(fd);
    ssize_t r = real_pwrite(fd, buf, n, off);
    if (s.file && r > 0) {
        struct iovec v = {(void *)buf, n};
        wrote(s, off, &v, 1, r);
    }
    return r;
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    return pwrite(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    fd_slot s = traced(fd);
    ssize_t r = real_writev(fd, iov, iovcnt);
    if (s.file && r > 0)
        wrote(s, lseek(fd, 0, SEEK_CUR) - r, iov, iovcnt, r);
    return r;
}

ssize_t pwritev(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
    fd_slot s = traced(fd);
    ssize_t r = real_pwritev(fd, iov, iovcnt, off);
    if (s.file && r > 0)
        wrote(s, off, iov, iovcnt, r);
    return r;
}

ssize_t pwritev64(int fd, const struct iovec *iov, int iovcnt, off_t off)
{
    return pwritev(fd, iov, iovcnt, off);
}

ssize_t pwritev2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
    fd_slot s = traced(fd);
    ssize_t r = real_pwritev2(fd, iov, iovcnt, off, flags);
    if (s.file && r > 0) {
        if (off == -1)
            off = lseek(fd, 0, SEEK_CUR) - r;
        if (flags & (RWF_DSYNC | RWF_SYNC))
            s.sync = true;
        wrote(s, off, iov, iovcnt, r);
    }
    return r;
}

ssize_t pwritev64v2(int fd, const struct iovec *iov, int iovcnt, off_t off, int flags)
{
    return pwritev2(fd, iov, iovcnt, off, flags);
}

/* The trace position a sync began at (the records it is known to cover). */
static uint64_t position(void)
{
    pthread_mutex_lock(&pl_lock);
    uint64_t p = pl.seq;
    pthread_mutex_unlock(&pl_lock);
    return p;
}

static void synced(uint32_t kind, uint32_t file, uint64_t began)
{
    pthread_mutex_lock(&pl_lock);
    emit(kind, file, began, NULL, 0);
    pthread_mutex_unlock(&pl_lock);
}

int fsync(int fd)
{
    fd_slot s = traced(fd);
    uint64_t began = s.file ? position() : 0;
    int r = real_fsync(fd);
    if (s.file && r == 0)
        synced(PL_SYNC, s.file, began);
    return r;
}

int fdatasync(int fd)
{
    fd_slot s = traced(fd);
    uint64_t began = s.file ? position() : 0;
    int r = real_fdatasync(fd);
    if (s.file && r == 0)
        synced(PL_SYNC, s.file, began);
    return r;
}

void sync(void)
{
    bool on = pl_active();
    uint64_t began = on ? position() : 0;
    real_sync();
    if (on)
        synced(PL_SYNC_ALL, 0, began);
}

int syncfs(int fd)
{
    bool on = pl_active();
    uint64_t began = on ? position() : 0;
    int r = real_syncfs(fd);
    if (on && r == 0)
        synced(PL_SYNC_ALL, 0, began);
    return r;
}

static void note(uint32_t file, const char *what)
{
    pthread_mutex_lock(&pl_lock);
    emit(PL_NOTE, file, 0, what, strlen(what));
    pthread_mutex_unlock(&pl_lock);
}

int msync(void *addr, size_t len, int flags)
{
    bool on = pl_active();
    int r = real_msync(addr, len, flags);
    if (on && pl.shared_map)
        note(0, "msync");
    return r;
}

int sync_file_range(int fd, off_t off, off_t n, unsigned flags)
{
    fd_slot s = traced(fd);
    int r = real_sync_file_range(fd, off, n, flags);
    if (s.file)
        note(s.file, "sync_file_range");
    return r;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    fd_slot s = traced(fd);
    void *p = real_mmap(addr, len, prot, flags, fd, off);
    if (s.file && p != MAP_FAILED && (prot & PROT_WRITE) && (flags & MAP_SHARED)) {
        pthread_mutex_lock(&pl_lock);
        pl.shared_map = true;
        const char *what = "a writable shared map of a traced file";
        emit(PL_UNMODELLED, s.file, 0, what, strlen(what));
        pthread_mutex_unlock(&pl_lock);
    }
    return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    return mmap(addr, len, prot, flags, fd, off);
}

int ftruncate(int fd, off_t len)
{
    fd_slot s = traced(fd);
    int r = real_ftruncate(fd, len);
    if (s.file && r == 0) {
        pthread_mutex_lock(&pl_lock);
        emit(PL_TRUNCATE, s.file, (uint64_t)len, NULL, 0);
        pthread_mutex_unlock(&pl_lock);
    }
    return r;
}

int ftruncate64(int fd, off_t len)
{
    return ftruncate(fd, len);
}

int truncate(const char *path, off_t len)
{
    int fd = pl_active() ? open(path, O_WRONLY | O_CLOEXEC) : -1;
    if (fd < 0)
        return real_truncate(path, len);
    int r = ftruncate(fd, len);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

int truncate64(const char *path, off_t len)
{
    return truncate(path, len);
}

/* PL_ALLOCATE's payload: the length and the mode, u64 each. */
static void allocated(fd_slot s, int mode, off_t off, off_t len)
{
    uint64_t pay[2] = {(uint64_t)len, (uint64_t)mode};
    pthread_mutex_lock(&pl_lock);
    emit(PL_ALLOCATE, s.file, (uint64_t)off, pay, sizeof pay);
    pthread_mutex_unlock(&pl_lock);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
    fd_slot s = traced(fd);
    int r = real_fallocate(fd, mode, off, len);
    if (s.file && r == 0)
        allocated(s, mode, off, len);
    return r;
}

int fallocate64(int fd, int mode, off_t off, off_t len)
{
    return fallocate(fd, mode, off, len);
}

int posix_fallocate(int fd, off_t off, off_t len)
{
    fd_slot s = traced(fd);
    int r = real_posix_fallocate(fd, off, len);
    if (s.file && r == 0)
        allocated(s, 0, off, len);
    return r;
}

int posix_fallocate64(int fd, off_t off, off_t len)
{
    return posix_fallocate(fd, off, len);
}

/* rename and unlink: recorded when either name is in the directory. */
static int do_rename(int olddir, const char *old, int newdir, const char *new, unsigned flags)
{
    char a[PATH_MAX], b[PATH_MAX];
    const char *na = NULL, *nb = NULL;
    if (pl_active() && canonical(olddir, old, a) && canonical(newdir, new, b)) {
        na = inside(a);
        nb = inside(b);
    }
    if (nb)
        forget(b);
    int r = flags ? real_renameat2(olddir, old, newdir, new, flags)
                  : real_renameat(olddir, old, newdir, new);
    if (r == 0 && (na || nb)) {
        char pay[2 * NAME_MAX + 4];
        int n = snprintf(pay, sizeof pay, "%s%c%s", na ? na : "", 0, nb ? nb : "");
        pthread_mutex_lock(&pl_lock);
        emit(PL_RENAME, 0, 0, pay, (uint64_t)n + 1);
        pthread_mutex_unlock(&pl_lock);
    }
    return r;
}

int rename(const char *old, const char *new)
{
    return do_rename(AT_FDCWD, old, AT_FDCWD, new, 0);
}

int renameat(int olddir, const char *old, int newdir, const char *new)
{
    return do_rename(olddir, old, newdir, new, 0);
}

int renameat2(int olddir, const char *old, int newdir, const char *new, unsigned flags)
{
    return do_rename(olddir, old, newdir, new, flags);
}

static int do_unlink(int dirfd, const char *path, int flags)
{
    char a[PATH_MAX];
    const char *name = NULL;
    if (pl_active() && canonical(dirfd, path, a) && (name = inside(a)))
        forget(a);
    int r = real_unlinkat(dirfd, path, flags);
    if (r == 0 && name) {
        pthread_mutex_lock(&pl_lock);
        emit(PL_UNLINK, 0, 0, name, strlen(name));
        pthread_mutex_unlock(&pl_lock);
    }
    return r;
}

int unlink(const char *path)
{
    return do_unlink(AT_FDCWD, path, 0);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    return do_unlink(dirfd, path, flags);
}
