/* sb_docs (daemon/documents.h): uploads into temporary files, in order,
 * hashed as they come, placed under their SHA-256 once and idempotently;
 * limits on open uploads; what a start sweeps away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "documents.h"
#include "sb_error.h"
#include "sb_testkit.h"

typedef struct {
    char dir[SB_TK_DIR_MAX];
    sb_config config;
    sb_docs *docs;
} fixture;

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    sb_tk_tmpdir(f.dir, "docs");
    sb_config_defaults(&f.config);
    snprintf(f.config.state_dir, sizeof f.config.state_dir, "%s", f.dir);
    f.config.doc_max_uploads = 2;
    assert_int_equal(0, sb_docs_open(&f.config, &f.docs));
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_docs_close(&f->docs);
    return sb_tk_rmtree(f->dir);
}

static const char HELLO_SHA[] = "185f8db32271fe25f561a6fc938b2e264306ec304eda518007d1764826381969";

static void nothing_is_made_until_an_upload_begins(void **state)
{
    fixture *f = *state;
    char path[SB_TK_DIR_MAX + 32];
    struct stat st;
    snprintf(path, sizeof path, "%s/documents", f->dir);
    assert_int_not_equal(0, stat(path, &st)); /* absence: no documents yet */
}

static void chunks_in_order_hash_sync_with_the_last_and_place_once(void **state)
{
    fixture *f = *state;
    sb_upload *u;
    char err[256], hex[SB_DOC_HEX_LEN + 1], path[SB_TK_DIR_MAX + 200];
    assert_int_equal(0, sb_docs_upload_new(f->docs, "alice", 1000, &u, err, sizeof err));
    u->size = 5;
    memcpy(u->sha256, HELLO_SHA, sizeof HELLO_SHA);
    assert_int_equal(0,
                     sb_docs_upload_write(u, 0, (const uint8_t *)"Hel", 3, 1001, err, sizeof err));
    /* a gap is refused, naming the offset expected */
    assert_int_equal(SB_E(SB_INVALID),
                     sb_docs_upload_write(u, 4, (const uint8_t *)"o", 1, 1002, err, sizeof err));
    assert_non_null(strstr(err, "expected offset 3"));
    /* a repeat of received bytes is ignored; past the size refused */
    assert_int_equal(0,
                     sb_docs_upload_write(u, 0, (const uint8_t *)"Hel", 3, 1002, err, sizeof err));
    assert_int_equal(SB_E(SB_INVALID),
                     sb_docs_upload_write(u, 3, (const uint8_t *)"lo!", 3, 1002, err, sizeof err));
    assert_false(u->synced);
    assert_int_equal(0,
                     sb_docs_upload_write(u, 3, (const uint8_t *)"lo", 2, 1003, err, sizeof err));
    /* the last chunk makes the file durable, ahead of the commit's batch */
    assert_true(u->synced);
    sb_docs_upload_digest(u, hex);
    assert_string_equal(HELLO_SHA, hex);
    assert_int_equal(1, sb_docs_uploads(f->docs));
    assert_int_equal(0, sb_docs_place(f->docs, u, err, sizeof err));
    assert_int_equal(0, sb_docs_place(f->docs, u, err, sizeof err)); /* idempotent */
    assert_int_equal(0, sb_docs_uploads(f->docs));
    sb_docs_file_path(f->dir, HELLO_SHA, path, sizeof path);
    assert_int_equal(0, sb_docs_hash_file(path, hex, NULL));
    assert_string_equal(HELLO_SHA, hex);
    int fd = sb_docs_open_file(f->docs, HELLO_SHA);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(SB_E(SB_INVALID),
                     sb_docs_upload_write(u, 5, (const uint8_t *)"x", 1, 1004, err, sizeof err));
    /* the last chunk sent again after the commit: already have it */
    assert_int_equal(0,
                     sb_docs_upload_write(u, 3, (const uint8_t *)"lo", 2, 1005, err, sizeof err));
}

static void open_uploads_are_bounded_and_idle_ones_forgotten(void **state)
{
    fixture *f = *state;
    sb_upload *a, *b, *c;
    char err[256];
    assert_int_equal(0, sb_docs_upload_new(f->docs, "x", 1000, &a, err, sizeof err));
    assert_int_equal(0, sb_docs_upload_new(f->docs, "x", 1000, &b, err, sizeof err));
    assert_int_equal(SB_E(SB_BUSY), sb_docs_upload_new(f->docs, "x", 1000, &c, err, sizeof err));
    assert_non_null(strstr(err, "max_uploads"));
    char id[SB_DOC_UPLOAD_ID_LEN + 1];
    memcpy(id, a->id, sizeof id);
    /* after upload_idle_s without a chunk both are gone, their files too */
    uint64_t later = 1000 + (uint64_t)f->config.doc_upload_idle_s * 1000;
    assert_int_equal(0, sb_docs_upload_new(f->docs, "x", later, &c, err, sizeof err));
    assert_null(sb_docs_upload_find(f->docs, id));
    char path[SB_TK_DIR_MAX + 80];
    struct stat st;
    snprintf(path, sizeof path, "%s/documents/tmp/%s.part", f->dir, id);
    assert_int_not_equal(0, stat(path, &st));
}

static int known_none(void *arg, const char *sha)
{
    (void)arg, (void)sha;
    return 0;
}

static int known_all(void *arg, const char *sha)
{
    (void)arg, (void)sha;
    return 1;
}

static void a_start_sweeps_temporary_and_unnamed_files(void **state)
{
    fixture *f = *state;
    sb_upload *u;
    char err[256], path[SB_TK_DIR_MAX + 200];
    assert_int_equal(0, sb_docs_upload_new(f->docs, "x", 1, &u, err, sizeof err));
    u->size = 5;
    memcpy(u->sha256, HELLO_SHA, sizeof HELLO_SHA);
    assert_int_equal(0,
                     sb_docs_upload_write(u, 0, (const uint8_t *)"Hello", 5, 1, err, sizeof err));
    assert_int_equal(0, sb_docs_place(f->docs, u, err, sizeof err));
    assert_int_equal(0, sb_docs_upload_new(f->docs, "x", 1, &u, err, sizeof err)); /* in flight */
    /* a restart: the temporary file goes; a named file stays, an unnamed one goes */
    sb_docs_close(&f->docs);
    assert_int_equal(0, sb_docs_open(&f->config, &f->docs));
    snprintf(path, sizeof path, "%s/documents/tmp", f->dir);
    assert_int_equal(0, rmdir(path)); /* empty: the in-flight upload's file went */
    assert_int_equal(0, sb_docs_sweep(f->docs, known_all, NULL));
    sb_docs_file_path(f->dir, HELLO_SHA, path, sizeof path);
    assert_int_equal(0, access(path, F_OK));
    assert_int_equal(1, sb_docs_sweep(f->docs, known_none, NULL));
    assert_int_not_equal(0, access(path, F_OK));
}

static void hex_and_config(void **state)
{
    (void)state;
    sb_config c;
    char err[200];
    sb_config_defaults(&c);
    assert_int_equal(50ull * 1024 * 1024, c.doc_max_bytes);
    assert_true(sb_docs_hex_ok(HELLO_SHA));
    assert_false(sb_docs_hex_ok("185f"));
    assert_false(sb_docs_hex_ok("../../etc/passwd"));
    assert_int_equal(0, sb_config_set(&c, "documents", "max_mb", "7", err, sizeof err));
    assert_int_equal(7ull * 1024 * 1024, c.doc_max_bytes);
    assert_int_equal(-1, sb_config_set(&c, "documents", "max_mb", "0", err, sizeof err));
    assert_int_equal(-1, sb_config_set(&c, "documents", "colour", "red", err, sizeof err));
    assert_non_null(strstr(err, "unknown key"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(nothing_is_made_until_an_upload_begins, setup, teardown),
        cmocka_unit_test_setup_teardown(chunks_in_order_hash_sync_with_the_last_and_place_once,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(open_uploads_are_bounded_and_idle_ones_forgotten, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_start_sweeps_temporary_and_unnamed_files, setup,
                                        teardown),
        cmocka_unit_test(hex_and_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
