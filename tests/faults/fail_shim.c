/* fail_shim: an LD_PRELOAD library that makes writes or syncs of one file
 * fail with EIO once a trigger file exists, for the fault suite's
 * test_log_write_failure.sh (docs/faults.md): the disk under the commit log
 * goes bad while the daemon serves. Test-only; never installed.
 *
 * Environment:
 *   FS_SUFFIX   the end of the path of the file whose calls fail, e.g.
 *               "/commit.log" (matched against /proc/self/fd/N)
 *   FS_TRIGGER  a path: while it does not exist, nothing fails; once it has
 *               been seen, every matching call fails from then on (a disk
 *               that failed stays failed for this process)
 *   FS_CALL     "sync": fdatasync and fsync fail (the written bytes may
 *               still reach the file: their fate is unknown to the caller);
 *               "write": pwrite, pwritev, write and writev fail before
 *               writing anything
 * Without FS_SUFFIX and FS_TRIGGER the shim does nothing.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static atomic_bool failing;

static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);

/* The next definition of `name` (libc's), looked up at its first use. */
#define REAL(name)                                                                                 \
    do {                                                                                           \
        if (!real_##name)                                                                          \
            real_##name = (__typeof__(real_##name))dlsym(RTLD_NEXT, #name);                        \
    } while (0)

/* True when a call of kind `call` ("sync" or "write") on fd must fail. */
static bool must_fail(int fd, const char *call)
{
    const char *suffix = getenv("FS_SUFFIX"), *trigger = getenv("FS_TRIGGER");
    const char *which = getenv("FS_CALL");
    if (!suffix || !trigger || !which || strcmp(which, call) != 0)
        return false;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return false;
    path[n] = 0;
    size_t sl = strlen(suffix), pl = (size_t)n;
    if (pl < sl || strcmp(path + pl - sl, suffix) != 0)
        return false;
    if (!atomic_load(&failing) && access(trigger, F_OK) == 0)
        atomic_store(&failing, true);
    return atomic_load(&failing);
}

#define FAIL_IF(fd, call)                                                                          \
    do {                                                                                           \
        if (must_fail(fd, call)) {                                                                 \
            errno = EIO;                                                                           \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    FAIL_IF(fd, "write");
    REAL(pwrite);
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    FAIL_IF(fd, "write");
    REAL(pwrite64);
    return real_pwrite64(fd, buf, n, off);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
    FAIL_IF(fd, "write");
    REAL(pwritev);
    return real_pwritev(fd, iov, cnt, off);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    FAIL_IF(fd, "write");
    REAL(write);
    return real_write(fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    FAIL_IF(fd, "write");
    REAL(writev);
    return real_writev(fd, iov, cnt);
}

int fdatasync(int fd)
{
    FAIL_IF(fd, "sync");
    REAL(fdatasync);
    return real_fdatasync(fd);
}

int fsync(int fd)
{
    FAIL_IF(fd, "sync");
    REAL(fsync);
    return real_fsync(fd);
}
