/* The power-cut model (pl_disk.h) on hand-made traces: what is durable
 * after which sync, what an image may and may not hold. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pl_disk.h"
#include "pl_trace.h"

typedef struct {
    char dir[64], base[80], trace[80], out[80];
    FILE *f;
    uint64_t n; /* records written */
} fixture;

static int setup(void **state)
{
    fixture *x = calloc(1, sizeof *x);
    snprintf(x->dir, sizeof x->dir, "/tmp/pldisk.XXXXXX");
    assert_non_null(mkdtemp(x->dir));
    snprintf(x->base, sizeof x->base, "%s/base", x->dir);
    snprintf(x->trace, sizeof x->trace, "%s/trace", x->dir);
    snprintf(x->out, sizeof x->out, "%s/out", x->dir);
    assert_int_equal(0, mkdir(x->base, 0700));
    x->f = fopen(x->trace, "w");
    assert_non_null(x->f);
    fwrite(PL_TRACE_MAGIC, 1, 8, x->f);
    *state = x;
    return 0;
}

static int teardown(void **state)
{
    fixture *x = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", x->dir);
    assert_int_equal(0, system(cmd));
    free(x);
    return 0;
}

/* Append a record; returns its index. */
static uint64_t rec(fixture *x, uint32_t kind, uint32_t file, uint64_t off, const void *p,
                    uint64_t len)
{
    pl_rec r = {kind, file, off, len};
    fwrite(&r, sizeof r, 1, x->f);
    if (len)
        fwrite(p, 1, len, x->f);
    return x->n++;
}

/* A page of one byte value. */
static uint64_t page(fixture *x, uint32_t kind, uint64_t pg, char c)
{
    char buf[4096];
    memset(buf, c, sizeof buf);
    return rec(x, kind, 1, pg * 4096, buf, sizeof buf);
}

static void base_file(fixture *x, const char *name, size_t pages, char c)
{
    char path[160], buf[4096];
    snprintf(path, sizeof path, "%s/%s", x->base, name);
    FILE *f = fopen(path, "w");
    memset(buf, c, sizeof buf);
    for (size_t i = 0; i < pages; i++)
        fwrite(buf, 1, sizeof buf, f);
    fclose(f);
}

/* The image at cut with keep and seed; returns the file's bytes (NULL when
 * absent) and its size. */
static char *image(fixture *x, uint64_t cut, double keep, uint64_t seed, const char *name,
                   size_t *ret_size)
{
    pl_disk *d;
    char cmd[128], path[160];
    fflush(x->f);
    snprintf(cmd, sizeof cmd, "rm -rf %s", x->out);
    assert_int_equal(0, system(cmd));
    assert_int_equal(0, pl_disk_open(x->base, x->trace, &d));
    assert_int_equal(0, pl_disk_image(d, cut, keep, seed, x->out, NULL));
    pl_disk_free(&d);
    snprintf(path, sizeof path, "%s/%s", x->out, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    *ret_size = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static char byte_at(fixture *x, uint64_t cut, double keep, uint64_t seed, size_t off)
{
    size_t n = 0;
    char *b = image(x, cut, keep, seed, "data", &n);
    assert_non_null(b);
    char c = off < n ? b[off] : '?';
    free(b);
    return c;
}

static void a_write_is_durable_after_a_sync_that_began_after_it(void **state)
{
    fixture *x = *state;
    base_file(x, "data", 2, 'a');
    rec(x, PL_NAME, 1, 0, "data", 4);
    uint64_t w = page(x, PL_WRITE, 1, 'b');
    rec(x, PL_SYNC, 1, w + 1, NULL, 0);
    assert_int_equal('a', byte_at(x, 2, 0.0, 1, 4096)); /* before the sync: may be lost */
    assert_int_equal('b', byte_at(x, 2, 1.0, 1, 4096)); /* ... or there */
    assert_int_equal('b', byte_at(x, 3, 0.0, 1, 4096)); /* after it: always there */
    assert_int_equal('a', byte_at(x, 3, 0.0, 1, 0));    /* the untouched page */
}

static void a_sync_that_began_before_a_write_does_not_cover_it(void **state)
{
    fixture *x = *state;
    base_file(x, "data", 1, 'a');
    rec(x, PL_NAME, 1, 0, "data", 4);
    uint64_t w = page(x, PL_WRITE, 0, 'b');
    rec(x, PL_SYNC, 1, w, NULL, 0); /* began before the write was recorded */
    assert_int_equal('a', byte_at(x, 3, 0.0, 1, 0));
}

static void an_o_dsync_write_is_durable_at_once(void **state)
{
    fixture *x = *state;
    base_file(x, "data", 1, 'a');
    rec(x, PL_NAME, 1, 0, "data", 4);
    page(x, PL_WRITE_SYNC, 0, 'm');
    assert_int_equal('m', byte_at(x, 2, 0.0, 1, 0));
}

static void a_page_written_twice_may_hold_either_version(void **state)
{
    fixture *x = *state;
    base_file(x, "data", 1, 'a');
    rec(x, PL_NAME, 1, 0, "data", 4);
    page(x, PL_WRITE, 0, 'b');
    page(x, PL_WRITE, 0, 'c');
    int seen_b = 0, seen_c = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        char c = byte_at(x, 3, 1.0, seed, 0);
        assert_true(c == 'b' || c == 'c');
        seen_b += c == 'b';
        seen_c += c == 'c';
    }
    assert_true(seen_b > 0 && seen_c > 0);
}

static void an_unsynced_extension_may_be_lost_whole(void **state)
{
    fixture *x = *state;
    base_file(x, "data", 1, 'a');
    rec(x, PL_NAME, 1, 0, "data", 4);
    page(x, PL_WRITE, 3, 'z');
    size_t n = 0;
    char *b = image(x, 2, 0.0, 1, "data", &n);
    assert_int_equal(4096, n);
    free(b);
    b = image(x, 2, 1.0, 1, "data", &n);
    assert_int_equal(4 * 4096, n);
    assert_int_equal(0, b[4096]); /* the hole reads as zeros */
    assert_int_equal('z', b[3 * 4096]);
    free(b);
}

static void names_follow_creates_and_renames(void **state)
{
    fixture *x = *state;
    rec(x, PL_NAME, 1, 1, "new.tmp", 7);
    rec(x, PL_WRITE_SYNC, 1, 0, "hello", 5);
    rec(x, PL_RENAME, 0, 0, "new.tmp\0new", 12);
    size_t n = 0;
    char *b = image(x, 3, 0.0, 1, "new", &n);
    assert_non_null(b);
    assert_int_equal(5, n);
    assert_memory_equal("hello", b, 5);
    free(b);
    assert_null(image(x, 3, 0.0, 1, "new.tmp", &n));
    assert_null(image(x, 2, 0.0, 1, "new", &n));
}

static void what_the_model_cannot_follow_is_refused(void **state)
{
    fixture *x = *state;
    base_file(x, "data", 1, 'a');
    rec(x, PL_NAME, 1, 0, "data", 4);
    rec(x, PL_UNMODELLED, 1, 0, "a map", 5);
    fflush(x->f);
    pl_disk *d;
    assert_int_equal(0, pl_disk_open(x->base, x->trace, &d));
    assert_int_equal(0, pl_disk_image(d, 1, 0.5, 1, x->out, NULL));
    assert_int_equal(-1, pl_disk_image(d, 2, 0.5, 1, x->out, NULL));
    pl_disk_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_write_is_durable_after_a_sync_that_began_after_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_sync_that_began_before_a_write_does_not_cover_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_o_dsync_write_is_durable_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(a_page_written_twice_may_hold_either_version, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_unsynced_extension_may_be_lost_whole, setup, teardown),
        cmocka_unit_test_setup_teardown(names_follow_creates_and_renames, setup, teardown),
        cmocka_unit_test_setup_teardown(what_the_model_cannot_follow_is_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
