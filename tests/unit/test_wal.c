/* Unit tests of the commit log: the log file itself (wal.h: records read
 * back in order, a torn tail dropped and overwritten, a checksum mismatch
 * ending the log, a new generation hiding the old records, a full log
 * refusing) and the store on top of it (store.h with log_bytes set): a
 * commit acknowledged and then lost by a crash before any checkpoint is
 * replayed at the next open, a record replayed twice leaves the state a
 * single replay leaves, a start that replays nothing writes a generation
 * no record left in the file has, a checkpoint puts everything in LMDB and starts
 * the log again, a torn last commit is not replayed, an aborted child's
 * writes never reach the log, and a log left behind by commits made
 * without it is not replayed over them, and a commit that does not wait
 * for the sync (sb_store_commit_async) is durable once waited for.
 *
 * A crash is a child process that commits and calls _exit without closing
 * the store (no last checkpoint). */
#include "sb_testkit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_error.h"
#include "store.h"
#include "wal.h"

#define LOG_BYTES ((uint64_t)1 << 20)

typedef struct {
    char dir[SB_TK_DIR_MAX];
    char path[SB_TK_DIR_MAX + 32];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    sb_tk_tmpdir(f->dir, NULL);
    snprintf(f->path, sizeof f->path, "%s/commit.log", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int r = sb_tk_rmtree(f->dir);
    free(f);
    return r;
}

/* ------------------------------------------------------------ the file */

typedef struct {
    int n;
    char got[8][64];
} seen;

static int collect(void *arg, const uint8_t *p, size_t n)
{
    seen *s = arg;
    assert_true(s->n < 8 && n < 64);
    memcpy(s->got[s->n], p, n);
    s->got[s->n][n] = 0;
    s->n++;
    return 0;
}

static void append_text(sb_wal *w, uint64_t gen, const char *text)
{
    assert_int_equal(sb_wal_append(w, gen, (const uint8_t *)text, strlen(text)), 0);
}

static seen scan(sb_wal *w, uint64_t gen)
{
    seen s = {0};
    uint64_t n = 99;
    assert_int_equal(sb_wal_scan(w, gen, collect, &s, &n), 0);
    assert_int_equal(n, (uint64_t)s.n);
    return s;
}

/* Overwrite one byte of the file at off. */
static void poke(const char *path, uint64_t off, uint8_t byte)
{
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, &byte, 1, (off_t)off), 1);
    close(fd);
}

static void test_records_read_back_in_order_after_reopen(void **state)
{
    fixture *f = *state;
    sb_wal *w = NULL;
    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal((uint64_t)st.st_size, LOG_BYTES); /* written in full up front */
    seen s = scan(w, 7);
    assert_int_equal(s.n, 0); /* zeros are no record */
    append_text(w, 7, "one");
    append_text(w, 7, "two");
    append_text(w, 7, "three");
    assert_int_equal(sb_wal_used(w), 3 * SB_WAL_HEADER + 11);
    sb_wal_close(&w);
    assert_null(w);

    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    s = scan(w, 7);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.got[0], "one");
    assert_string_equal(s.got[1], "two");
    assert_string_equal(s.got[2], "three");
    /* appending goes on after them */
    append_text(w, 7, "four");
    s = scan(w, 7);
    assert_int_equal(s.n, 4);
    assert_string_equal(s.got[3], "four");
    sb_wal_close(&w);
}

static void test_a_second_opener_is_refused(void **state)
{
    fixture *f = *state;
    sb_wal *w = NULL, *w2 = NULL;
    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w2), -EWOULDBLOCK);
    assert_null(w2);
    sb_wal_close(&w);
}

static void test_a_torn_tail_is_dropped_and_overwritten(void **state)
{
    fixture *f = *state;
    sb_wal *w = NULL;
    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    append_text(w, 3, "kept");
    uint64_t tail = sb_wal_used(w);
    append_text(w, 3, "torn");
    sb_wal_close(&w);
    /* the power went while the last record's payload was being written */
    poke(f->path, tail + SB_WAL_HEADER + 3, 'X');

    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    seen s = scan(w, 3);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.got[0], "kept");
    assert_int_equal(sb_wal_used(w), tail);
    /* the next record takes the torn one's place */
    append_text(w, 3, "next");
    s = scan(w, 3);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.got[1], "next");
    sb_wal_close(&w);
}

static void test_a_checksum_mismatch_ends_the_log(void **state)
{
    fixture *f = *state;
    sb_wal *w = NULL;
    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    append_text(w, 3, "first");
    uint64_t second = sb_wal_used(w);
    append_text(w, 3, "second");
    append_text(w, 3, "third");
    sb_wal_close(&w);
    /* one bit of the second record's checksum */
    poke(f->path, second + 24, 0x01 ^ 0xff);

    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    seen s = scan(w, 3);
    /* nothing after a bad record is trusted: they are a sequence */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.got[0], "first");
    sb_wal_close(&w);
}

static void test_a_new_generation_hides_the_old_records(void **state)
{
    fixture *f = *state;
    sb_wal *w = NULL;
    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    append_text(w, 10, "old-a-long-one");
    append_text(w, 10, "old-b");
    /* a checkpoint: the file is written from the start again */
    sb_wal_restart(w);
    assert_int_equal(sb_wal_used(w), 0);
    append_text(w, 11, "new");
    seen s = scan(w, 11);
    assert_int_equal(s.n, 1); /* old-b, still in the file after it, is of generation 10 */
    assert_string_equal(s.got[0], "new");
    s = scan(w, 10);
    assert_int_equal(s.n, 0); /* the first record is of generation 11 now */
    sb_wal_close(&w);
}

static int keep_nothing(void *arg, const uint8_t *p, size_t n)
{
    (void)arg, (void)p, (void)n;
    return 0;
}

static void test_a_full_log_refuses_the_append(void **state)
{
    fixture *f = *state;
    sb_wal *w = NULL;
    assert_int_equal(sb_wal_open(f->path, 4096, &w), 0);
    assert_int_equal(sb_wal_capacity(w), 4096);
    uint8_t big[2000] = {0};
    assert_true(sb_wal_fits(w, sizeof big));
    assert_int_equal(sb_wal_append(w, 1, big, sizeof big), 0);
    assert_int_equal(sb_wal_append(w, 1, big, sizeof big), 0);
    assert_false(sb_wal_fits(w, sizeof big));
    assert_int_equal(sb_wal_append(w, 1, big, sizeof big), -ENOSPC);
    sb_wal_close(&w);
    /* the refused one left nothing: two records, then the end */
    assert_int_equal(sb_wal_open(f->path, 4096, &w), 0);
    uint64_t n = 0;
    assert_int_equal(sb_wal_scan(w, 1, keep_nothing, NULL, &n), 0);
    assert_int_equal(n, 2);
    sb_wal_close(&w);
}

/* ------------------------------------------------------------ the store */

static sb_store *open_store(const fixture *f, uint64_t log_bytes)
{
    sb_store_options o = {.dir = f->dir, .log_bytes = log_bytes, .checkpoint_ms = 60000};
    sb_store *s = NULL;
    assert_int_equal(sb_store_open(&o, &s), 0);
    return s;
}

/* One committed transaction creating an application; its id into id. */
static void create_one(sb_store *s, const char *credit, char id[SB_TK_ID_MAX])
{
    sb_txn *t = NULL;
    assert_int_equal(sb_store_begin(s, true, &t), 0);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, credit, id);
    sb_tk_event_append(t, id, "application.created", NULL);
    assert_int_equal(sb_store_commit(&t), 0);
}

/* Run fn in a child process that then dies without closing the store. */
static void crash_after(void (*fn)(const fixture *f), const fixture *f)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn(f);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static uint64_t last_seq(sb_store *s)
{
    sb_store_info info;
    assert_int_equal(sb_store_info_get(s, &info), 0);
    return info.last_seq;
}

static void three_commits(const fixture *f)
{
    sb_store *s = open_store(f, LOG_BYTES);
    char id[SB_TK_ID_MAX];
    create_one(s, "91330100MA2B000001", id);
    create_one(s, "91330100MA2B000002", id);
    create_one(s, "91330100MA2B000003", id);
    /* each commit returned: each is durable, none checkpointed yet */
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    if (!li.on || li.checkpoints != 0 || li.used_bytes == 0)
        _exit(3);
}

static void test_store_acknowledged_commits_survive_a_crash(void **state)
{
    fixture *f = *state;
    crash_after(three_commits, f);
    /* LMDB alone (the log off) has none of them: they live in the log only */
    sb_store *s = open_store(f, 0);
    assert_false(sb_tk_record_exists(s, "app-000001"));
    assert_int_equal(last_seq(s), 0);
    sb_store_close(&s);

    s = open_store(f, LOG_BYTES);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    assert_true(li.on);
    assert_int_equal(li.replayed, 3);
    assert_int_equal(li.used_bytes, 0); /* replayed, checkpointed, the log starts again */
    assert_true(sb_tk_record_exists(s, "app-000001"));
    assert_true(sb_tk_record_exists(s, "app-000003"));
    assert_false(sb_tk_record_exists(s, "app-000004"));
    assert_int_equal(last_seq(s), 3);
    /* and the store goes on numbering after them */
    char id[SB_TK_ID_MAX];
    create_one(s, "91330100MA2B000004", id);
    assert_string_equal(id, "app-000004");
    sb_store_close(&s);

    /* once replayed, LMDB holds them by itself */
    s = open_store(f, 0);
    assert_int_equal(last_seq(s), 4);
    sb_store_close(&s);
}

/* Copy record 0 of generation gen to records 0 and 1. */
typedef struct {
    uint8_t *p;
    size_t n;
} first_record;

static int keep_first(void *arg, const uint8_t *p, size_t n)
{
    first_record *r = arg;
    if (!r->p) {
        r->p = malloc(n);
        assert_non_null(r->p);
        memcpy(r->p, p, n);
        r->n = n;
    }
    return 0;
}

static void one_commit(const fixture *f)
{
    sb_store *s = open_store(f, LOG_BYTES);
    char id[SB_TK_ID_MAX];
    create_one(s, "91330100MA2B000001", id);
}

/* The generation the log's first record has (bytes 8-15, LE). */
static uint64_t first_generation(const char *path)
{
    uint8_t h[SB_WAL_HEADER];
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, h, sizeof h, 0), (ssize_t)sizeof h);
    close(fd);
    uint64_t g = 0;
    for (int i = 15; i >= 8; i--)
        g = g << 8 | h[i];
    return g;
}

/* Rewrite the log at `path` as its first record twice, of the same
 * generation. */
static void log_first_record_twice(const char *path)
{
    uint64_t gen = first_generation(path);
    sb_wal *w = NULL;
    first_record r = {0};
    assert_int_equal(sb_wal_open(path, LOG_BYTES, &w), 0);
    uint64_t n = 0;
    assert_int_equal(sb_wal_scan(w, gen, keep_first, &r, &n), 0);
    assert_int_equal(n, 1);
    sb_wal_restart(w);
    assert_int_equal(sb_wal_append(w, gen, r.p, r.n), 0);
    assert_int_equal(sb_wal_append(w, gen, r.p, r.n), 0);
    sb_wal_close(&w);
    free(r.p);
}

static void test_store_replaying_a_record_twice_leaves_the_same_state(void **state)
{
    fixture *f = *state;
    crash_after(one_commit, f);
    /* the same commit twice, as if replayed once already and again */
    log_first_record_twice(f->path);

    sb_store *s = open_store(f, LOG_BYTES);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    assert_int_equal(li.replayed, 2);
    assert_true(sb_tk_record_exists(s, "app-000001"));
    assert_false(sb_tk_record_exists(s, "app-000002"));
    assert_int_equal(last_seq(s), 1);
    uint64_t counts[3][SB_STORE_STATES];
    sb_txn *t = NULL;
    assert_int_equal(sb_store_begin(s, false, &t), 0);
    assert_int_equal(sb_store_counts(t, counts), 0);
    sb_store_abort(&t);
    assert_int_equal(counts[SKILLBASE__KIND__APPLICATION][SKILLBASE__STATE__APPLIED], 1);
    char id[SB_TK_ID_MAX];
    create_one(s, "91330100MA2B000002", id);
    assert_string_equal(id, "app-000002");
    assert_int_equal(last_seq(s), 2);
    sb_store_close(&s);
}

static void one_other_commit(const fixture *f)
{
    sb_store *s = open_store(f, LOG_BYTES);
    char id[SB_TK_ID_MAX];
    create_one(s, "91330100MA2B000002", id);
}

static void test_store_a_start_that_replays_nothing_writes_a_new_generation(void **state)
{
    fixture *f = *state;
    crash_after(one_commit, f);
    /* A flush of two records cut by the power: the second one's page
     * reached the disk, the first one's did not. Neither was answered. */
    log_first_record_twice(f->path);
    poke(f->path, SB_WAL_HEADER + 3, 0xee);

    /* the next start replays nothing and commits one write of the same
     * size as the torn record; then the power goes again */
    crash_after(one_other_commit, f);
    sb_store *s = open_store(f, LOG_BYTES);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    /* only the answered write: the unanswered record left behind in the
     * file is of another generation than the new one */
    assert_int_equal(li.replayed, 1);
    assert_true(sb_tk_record_exists(s, "app-000001"));
    assert_false(sb_tk_record_exists(s, "app-000002"));
    assert_int_equal(last_seq(s), 1);
    sb_store_close(&s);
}

static void commit_checkpoint_commit(const fixture *f)
{
    sb_store *s = open_store(f, LOG_BYTES);
    char id[SB_TK_ID_MAX];
    create_one(s, "91330100MA2B000001", id);
    if (sb_store_checkpoint_due(s))
        _exit(4); /* 60 s interval, log nearly empty: not due */
    if (sb_store_checkpoint(s) != 0)
        _exit(5);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    if (li.used_bytes != 0 || li.checkpoints != 1)
        _exit(6);
    create_one(s, "91330100MA2B000002", id);
}

static void test_store_checkpoint_makes_lmdb_hold_it_and_restarts_the_log(void **state)
{
    fixture *f = *state;
    crash_after(commit_checkpoint_commit, f);
    sb_store *s = open_store(f, 0);
    assert_true(sb_tk_record_exists(s, "app-000001"));  /* checkpointed */
    assert_false(sb_tk_record_exists(s, "app-000002")); /* in the log only */
    sb_store_close(&s);
    s = open_store(f, LOG_BYTES);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    assert_int_equal(li.replayed, 1);
    assert_true(sb_tk_record_exists(s, "app-000002"));
    assert_int_equal(last_seq(s), 2);
    sb_store_close(&s);
}

static void test_store_a_torn_last_commit_is_not_replayed(void **state)
{
    fixture *f = *state;
    crash_after(three_commits, f);
    /* find the third record and tear its last byte */
    sb_wal *w = NULL;
    assert_int_equal(sb_wal_open(f->path, LOG_BYTES, &w), 0);
    uint64_t gen = first_generation(f->path), n = 0;
    assert_int_equal(sb_wal_scan(w, gen, keep_nothing, NULL, &n), 0);
    assert_int_equal(n, 3);
    uint64_t end = sb_wal_used(w);
    sb_wal_close(&w);
    poke(f->path, end - 1, 0xee);

    sb_store *s = open_store(f, LOG_BYTES);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    assert_int_equal(li.replayed, 2);
    assert_true(sb_tk_record_exists(s, "app-000002"));
    assert_false(sb_tk_record_exists(s, "app-000003"));
    assert_int_equal(last_seq(s), 2);
    sb_store_close(&s);
}

static void child_aborted(const fixture *f)
{
    sb_store *s = open_store(f, LOG_BYTES);
    sb_txn *t = NULL, *c = NULL;
    char a[SB_TK_ID_MAX], b[SB_TK_ID_MAX];
    if (sb_store_begin(s, true, &t) || sb_store_sub_begin(t, &c))
        _exit(7);
    sb_tk_record_create(c, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED,
                        "91330100MA2B000001", a);
    sb_store_abort(&c);
    if (sb_store_sub_begin(t, &c))
        _exit(8);
    sb_tk_record_create(c, SKILLBASE__KIND__BASE, SKILLBASE__STATE__APPLIED, "91330100MA2B000002",
                        b);
    if (sb_store_commit(&c) || sb_store_commit(&t))
        _exit(9);
    /* a top-level abort records nothing either */
    if (sb_store_begin(s, true, &t))
        _exit(10);
    sb_tk_record_create(t, SKILLBASE__KIND__BASE, SKILLBASE__STATE__APPLIED, "91330100MA2B000003",
                        b);
    sb_store_abort(&t);
}

static void test_store_an_aborted_child_never_reaches_the_log(void **state)
{
    fixture *f = *state;
    crash_after(child_aborted, f);
    sb_store *s = open_store(f, LOG_BYTES);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    assert_int_equal(li.replayed, 1);
    assert_false(sb_tk_record_exists(s, "app-000001"));
    assert_true(sb_tk_record_exists(s, "base-000001"));
    assert_false(sb_tk_record_exists(s, "base-000002"));
    sb_store_close(&s);
}

static void test_store_a_log_older_than_lmdb_is_not_replayed(void **state)
{
    fixture *f = *state;
    crash_after(one_commit, f);
    /* someone runs the store with the log off: LMDB moves on without it */
    sb_store *s = open_store(f, 0);
    char id[SB_TK_ID_MAX];
    create_one(s, "91330100MA2B000009", id);
    assert_string_equal(id, "app-000001");
    sb_store_close(&s);
    /* the log's record belongs to a state LMDB has left: not replayed */
    s = open_store(f, LOG_BYTES);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    assert_int_equal(li.replayed, 0);
    assert_int_equal(last_seq(s), 1);
    sb_store_close(&s);
}

static void test_store_reads_see_acknowledged_writes_before_a_checkpoint(void **state)
{
    fixture *f = *state;
    sb_store *s = open_store(f, LOG_BYTES);
    char id[SB_TK_ID_MAX];
    create_one(s, "91330100MA2B000001", id);
    /* a read of the owner thread sees it although LMDB has not committed it */
    assert_true(sb_tk_record_exists(s, "app-000001"));
    sb_txn *t = NULL, *r = NULL;
    assert_int_equal(sb_store_begin(s, true, &t), 0);
    /* a read while a write is open reads in it */
    assert_int_equal(sb_store_begin(s, false, &r), 0);
    assert_int_equal(sb_store_last_seq(r, &(uint64_t){0}), 0);
    sb_store_abort(&r);
    sb_store_abort(&t);
    /* a backup takes a checkpoint first: the copy holds the write */
    char copy[SB_TK_DIR_MAX + 16];
    snprintf(copy, sizeof copy, "%s/copy", f->dir);
    assert_int_equal(sb_store_backup(s, copy), 0);
    sb_store_close(&s);
    sb_store_options o = {.dir = copy};
    assert_int_equal(sb_store_open(&o, &s), 0);
    assert_true(sb_tk_record_exists(s, "app-000001"));
    sb_store_close(&s);
}

static void async_commits(const fixture *f)
{
    sb_store *s = open_store(f, LOG_BYTES);
    sb_txn *t = NULL;
    uint64_t t1 = 0, t2 = 0, t3 = 0;
    char a[SB_TK_ID_MAX], b[SB_TK_ID_MAX];
    if (sb_store_begin(s, true, &t))
        _exit(20);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED,
                        "91330100MA2B000001", a);
    if (sb_store_commit_async(&t, &t1) || t1 == 0)
        _exit(21);
    sb_store_kick(s); /* the writer thread may sync it meanwhile */
    /* the next transaction sees the first before it is durable */
    if (!sb_tk_record_exists(s, "app-000001"))
        _exit(22);
    if (sb_store_begin(s, true, &t))
        _exit(23);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED,
                        "91330100MA2B000002", b);
    if (sb_store_commit_async(&t, &t2) || t2 != t1 + 1)
        _exit(24);
    /* one that only read waits for everything before it */
    if (sb_store_begin(s, true, &t) || sb_store_commit_async(&t, &t3) || t3 != t2)
        _exit(25);
    if (sb_store_wait(s, t3))
        _exit(26);
    /* durable now: the crash below (no close, no checkpoint) keeps both */
}

static void test_store_async_commits_are_durable_once_waited_for(void **state)
{
    fixture *f = *state;
    crash_after(async_commits, f);
    sb_store *s = open_store(f, LOG_BYTES);
    sb_store_log_info li;
    sb_store_log_info_get(s, &li);
    assert_int_equal(li.replayed, 2);
    assert_true(sb_tk_record_exists(s, "app-000001"));
    assert_true(sb_tk_record_exists(s, "app-000002"));
    sb_store_close(&s);
    /* without the log, async is the synchronous commit and its ticket 0 */
    s = open_store(f, 0);
    sb_txn *t = NULL;
    uint64_t ticket = 99;
    char id[SB_TK_ID_MAX];
    assert_int_equal(sb_store_begin(s, true, &t), 0);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED,
                        "91330100MA2B000003", id);
    assert_int_equal(sb_store_commit_async(&t, &ticket), 0);
    assert_int_equal(ticket, 0);
    assert_int_equal(sb_store_wait(s, ticket), 0);
    sb_store_close(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_records_read_back_in_order_after_reopen, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_second_opener_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_torn_tail_is_dropped_and_overwritten, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_checksum_mismatch_ends_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_new_generation_hides_the_old_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_full_log_refuses_the_append, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_acknowledged_commits_survive_a_crash, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_replaying_a_record_twice_leaves_the_same_state,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store_a_start_that_replays_nothing_writes_a_new_generation, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_store_checkpoint_makes_lmdb_hold_it_and_restarts_the_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_a_torn_last_commit_is_not_replayed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_an_aborted_child_never_reaches_the_log, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_store_a_log_older_than_lmdb_is_not_replayed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_store_reads_see_acknowledged_writes_before_a_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_async_commits_are_durable_once_waited_for, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
