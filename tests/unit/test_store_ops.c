/* Unit tests of the store's operations side: sb_store_verify finds each
 * kind of damage (and none in a sound store), schema migrations run their
 * steps in order inside one transaction, and background backups copy a
 * store that is being written to and refuse unusable directories. Damage is
 * done with raw LMDB on a closed store, as a bug or a bad disk would. */
#define _GNU_SOURCE /* memmem */

#include "sb_testkit.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sb_error.h"
#include "store.h"
#include "store_backup.h"
#include "store_core.h"
#include "store_migrate.h"
#include "store_verify.h"

typedef struct {
    char dir[SB_TK_DIR_MAX];
    char path[SB_TK_DIR_MAX + 8];
    sb_store *s;
    char problems[16][512]; /* what the verifier said */
    int n_problems;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    sb_tk_tmpdir(f->dir, NULL);
    snprintf(f->path, sizeof f->path, "%s/store", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_store_close(&f->s);
    int r = sb_tk_rmtree(f->dir);
    free(f);
    return r;
}

static void on_problem(void *arg, const char *text)
{
    fixture *f = arg;
    if (f->n_problems < 16)
        snprintf(f->problems[f->n_problems++], sizeof f->problems[0], "%s", text);
}

/* Verify f->path; returns the number of problems. */
static uint64_t verify(fixture *f, sb_verify_report *rep)
{
    f->n_problems = 0;
    assert_int_equal(sb_store_verify(f->path, on_problem, f, rep), 0);
    return rep->problems;
}

static bool said(const fixture *f, const char *needle)
{
    for (int i = 0; i < f->n_problems; i++)
        if (strstr(f->problems[i], needle))
            return true;
    return false;
}

/* ------------------------------------------------------------ building a store */

/* Put a record (old: the stored one it replaces, NULL: new) and an event
 * about it. */
static void put_record(sb_txn *t, Skillbase__Kind kind, const char *id, Skillbase__State st,
                       const char *credit, const Skillbase__Record *old)
{
    sb_tk_record b;
    assert_int_equal(sb_store_record_put(t, sb_tk_record_init(&b, kind, id, st, credit), old), 0);
    sb_tk_event_append(t, id, "test", NULL);
}

/* Three applications (one moved on), one base: 5 events. */
static void build(fixture *f)
{
    sb_txn *t;
    char id[32];
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    const char *codes[] = {"91330100MA0000015W", "91330100MA0000023P", "91330100MA0000031J"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__APPLICATION, id, sizeof id), 0);
        put_record(t, SKILLBASE__KIND__APPLICATION, id, SKILLBASE__STATE__APPLIED, codes[i], NULL);
    }
    Skillbase__Record *old;
    assert_int_equal(sb_store_record_get(t, "app-000002", NULL, &old), 0);
    put_record(t, SKILLBASE__KIND__APPLICATION, "app-000002", SKILLBASE__STATE__UNDER_REVIEW,
               codes[1], old);
    skillbase__record__free_unpacked(old, NULL);
    assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__BASE, id, sizeof id), 0);
    put_record(t, SKILLBASE__KIND__BASE, id, SKILLBASE__STATE__CERTIFIED, codes[0], NULL);
    assert_int_equal(sb_store_idem_put(t, "key-1", 42, 0, (const uint8_t *)"", 0), 0);
    assert_int_equal(sb_store_commit(&t), 0);
    sb_store_close(&f->s);
}

/* Raw LMDB on the closed store: open db `name` for writing. */
typedef struct {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
} raw;

static void raw_open(fixture *f, const char *name, raw *r)
{
    assert_int_equal(mdb_env_create(&r->env), 0);
    assert_int_equal(mdb_env_set_maxdbs(r->env, 32), 0);
    assert_int_equal(mdb_env_open(r->env, f->path, 0, 0640), 0);
    assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
    assert_int_equal(mdb_dbi_open(r->txn, name, 0, &r->dbi), 0);
}

static void raw_close(raw *r)
{
    assert_int_equal(mdb_txn_commit(r->txn), 0);
    mdb_env_close(r->env);
}

static void raw_del(fixture *f, const char *db, const void *key, size_t len)
{
    raw r;
    raw_open(f, db, &r);
    MDB_val k = {len, (void *)key};
    assert_int_equal(mdb_del(r.txn, r.dbi, &k, NULL), 0);
    raw_close(&r);
}

static void raw_put(fixture *f, const char *db, const void *key, size_t klen, const void *val,
                    size_t vlen)
{
    raw r;
    raw_open(f, db, &r);
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    assert_int_equal(mdb_put(r.txn, r.dbi, &k, &v, 0), 0);
    raw_close(&r);
}

static void raw_meta(fixture *f, const char *name, uint64_t value)
{
    uint8_t v[8];
    sb_store__le64(v, value);
    raw_put(f, "meta", name, strlen(name), v, 8);
}

/* ------------------------------------------------------------ verify */

static void test_verify_finds_nothing_wrong_with_a_sound_store(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    assert_int_equal(verify(f, &rep), 0);
    assert_int_equal(rep.schema_version, SB_STORE_SCHEMA_VERSION);
    assert_int_equal(rep.applications, 3);
    assert_int_equal(rep.bases, 1);
    assert_int_equal(rep.events, 5);
    assert_int_equal(rep.last_seq, 5);
    assert_int_equal(rep.idem_keys, 1);
    assert_true(rep.data_bytes > 0);
    assert_false(rep.older_schema);
    /* the check leaves no lock file of its own behind, and the store opens */
    f->s = sb_tk_store_open(f->path);
}

static void test_verify_finds_a_record_missing_from_the_state_index(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    uint8_t key[2 + 10] = {SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__UNDER_REVIEW};
    memcpy(key + 2, "app-000002", 10);
    raw_del(f, "state_idx", key, sizeof key);
    assert_true(verify(f, &rep) >= 2);
    assert_true(said(f, "state_idx: no entry for app-000002"));
    assert_true(said(f, "state_idx: 3 entries for 4 records"));
}

static void test_verify_finds_a_stale_state_index_entry(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    /* app-000002 left behind under its old state */
    uint8_t key[2 + 10] = {SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED};
    memcpy(key + 2, "app-000002", 10);
    raw_put(f, "state_idx", key, sizeof key, "", 0);
    assert_true(verify(f, &rep) >= 2);
    assert_true(said(f, "state_idx: app-000002 listed as kind 1 state 1"));
    assert_true(said(f, "5 entries for 4 records"));
}

static void test_verify_finds_wrong_counts_and_counters(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    raw_meta(f, "count/1/1", 7);
    raw_meta(f, "next_id/base", 0);
    raw_meta(f, "event_seq", 4);
    assert_true(verify(f, &rep) >= 3); /* and the audit chain no longer reaches its head */
    assert_true(said(f, "meta count/1/1 is 7, the records say 2"));
    assert_true(said(f, "next_id/base is 0, behind the id 1 in use"));
    assert_true(said(f, "event_seq is 4, the last event is 5"));
}

static void test_verify_finds_a_gap_in_the_event_log(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    uint8_t seq[8];
    sb_store__be64(seq, 3);
    raw_del(f, "events", seq, 8);
    assert_true(verify(f, &rep) >= 2);
    assert_true(said(f, "events: gap: expected sequence 3, found 4"));
    assert_true(said(f, "names event 3, which does not exist"));
    assert_int_equal(rep.events, 4);
}

static void test_verify_finds_index_entries_that_point_nowhere(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    char ck[] = "91330100MA0000090M\0app-000099";
    raw_put(f, "credit_idx", ck, sizeof ck - 1, "", 0);
    uint8_t ek[11 + 8] = "app-000001";
    sb_store__be64(ek + 11, 2); /* event 2 belongs to app-000002 */
    raw_put(f, "entity_events", ek, sizeof ek, "", 0);
    assert_true(verify(f, &rep) >= 3);
    assert_true(said(f, "credit_idx: names app-000099, which is not a record"));
    assert_true(said(f, "entity_events: app-000001 names event 2, which is of app-000002"));
    assert_true(said(f, "entity_events: 6 entries for 5 events"));
}

static void test_verify_finds_an_undecodable_record(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    raw_put(f, "records", "app-000003", 10, "\xff\xff\xff", 3);
    assert_true(verify(f, &rep) >= 1);
    assert_true(said(f, "records: app-000003 does not decode"));
}

static void test_verify_finds_kept_replies_whose_record_event_is_missing_or_empty(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    /* hash · 0x07 · event seq (LE) · an empty reply */
    uint8_t v[17] = {0};
    v[8] = 0x07;
    v[9] = 99;
    raw_put(f, "idem", "key-2", 5, v, sizeof v);
    v[9] = 1; /* the test events hold no record */
    raw_put(f, "idem", "key-3", 5, v, sizeof v);
    assert_true(verify(f, &rep) >= 2);
    assert_true(said(f, "idem: the reply kept for key key-2 takes its record from event 99, "
                        "which is missing or does not decode"));
    assert_true(said(f, "idem: the reply kept for key key-3 takes its record from event 1, "
                        "which holds no record"));
    assert_int_equal(rep.idem_keys, 3);
}

static void test_verify_finds_an_event_changed_in_place(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    /* rewrite event 2's topic, keeping it decodable: only its hash tells */
    raw r;
    raw_open(f, "events", &r);
    uint8_t seq[8];
    sb_store__be64(seq, 2);
    MDB_val k = {8, seq}, v;
    assert_int_equal(mdb_get(r.txn, r.dbi, &k, &v), 0);
    uint8_t *copy = malloc(v.mv_size);
    assert_non_null(copy);
    memcpy(copy, v.mv_data, v.mv_size);
    uint8_t *topic = memmem(copy, v.mv_size, "test", 4);
    assert_non_null(topic);
    topic[3] = 'T';
    MDB_val nv = {v.mv_size, copy};
    assert_int_equal(mdb_put(r.txn, r.dbi, &k, &nv, 0), 0);
    raw_close(&r);
    free(copy);
    assert_int_equal(verify(f, &rep), 1);
    assert_true(said(f, "audit chain: event 2"));
}

static void test_verify_reports_a_newer_schema_and_a_missing_store(void **state)
{
    fixture *f = *state;
    sb_verify_report rep;
    build(f);
    raw_meta(f, "schema_version", SB_STORE_SCHEMA_VERSION + 1);
    assert_int_equal(verify(f, &rep), 1);
    assert_true(said(f, "is newer than this build's"));

    f->n_problems = 0;
    assert_int_equal(sb_store_verify(f->dir, on_problem, f, &rep), -1);
    assert_true(said(f, "no store in"));
}

/* ------------------------------------------------------------ migrations */

static int step_1_2(sb_txn *t)
{
    return sb_store__meta_set(t, "migrated/1-2", 1);
}

static int step_2_3(sb_txn *t)
{
    uint64_t v;
    /* runs after 1 -> 2 and sees what it wrote */
    assert_int_equal(sb_store__meta_get(t, "migrated/1-2", &v), 0);
    return sb_store__meta_set(t, "migrated/2-3", v + 1);
}

static int step_fails(sb_txn *t)
{
    sb_store__meta_set(t, "migrated/half", 1);
    return SB_E(SB_INTERNAL);
}

static void test_migrations_run_in_order_and_all_or_nothing(void **state)
{
    fixture *f = *state;
    const sb_store_migration steps[] = {
        {2, 3, "second", step_2_3},
        {1, 2, "first", step_1_2},
        {3, 4, "broken", step_fails},
    };
    sb_txn *t;
    uint64_t v;
    f->s = sb_tk_store_open(f->path);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store__migrate_with(t, 1, 3, steps, 3), 0);
    assert_int_equal(sb_store_commit(&t), 0);
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    assert_int_equal(sb_store__meta_get(t, "migrated/2-3", &v), 0);
    assert_int_equal(v, 2);
    sb_store_abort(&t);

    /* a failing step, or a missing one, fails the migration; the caller
     * aborts and nothing of it stays */
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store__migrate_with(t, 3, 4, steps, 3), SB_E(SB_INTERNAL));
    sb_store_abort(&t);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store__migrate_with(t, 4, 6, steps, 3), SB_E(SB_INTERNAL));
    sb_store_abort(&t);
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    assert_int_equal(sb_store__meta_get(t, "migrated/half", &v), 0);
    assert_int_equal(v, 0);
    sb_store_abort(&t);

    /* the build's own table brings a current store to the current version */
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store__migrate(t, SB_STORE_SCHEMA_VERSION), 0);
    sb_store_abort(&t);
}

/* ------------------------------------------------------------ backups */

static void wait_backup(sb_store *s, sb_backup_info *ret)
{
    for (int i = 0; i < 3000; i++) {
        sb_store_backup_info_get(s, ret);
        if (ret->state != SB_BACKUP_RUNNING)
            return;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fail_msg("the backup did not finish within 30 s");
}

static void test_background_backup_copies_a_store_being_written(void **state)
{
    fixture *f = *state;
    char dir[128], err[600], id[32];
    sb_backup_info info;
    sb_txn *t;
    build(f);
    f->s = sb_tk_store_open(f->path);
    sb_store_backup_info_get(f->s, &info);
    assert_int_equal(info.state, SB_BACKUP_NONE);
    snprintf(dir, sizeof dir, "%s/backup", f->dir);
    assert_int_equal(sb_store_backup_start(f->s, dir, err, sizeof err), 0);
    /* write while the copy runs */
    for (int i = 0; i < 50; i++) {
        assert_int_equal(sb_store_begin(f->s, true, &t), 0);
        assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__APPLICATION, id, sizeof id), 0);
        put_record(t, SKILLBASE__KIND__APPLICATION, id, SKILLBASE__STATE__APPLIED,
                   "91330100MA000004XA", NULL);
        assert_int_equal(sb_store_commit(&t), 0);
    }
    wait_backup(f->s, &info);
    assert_int_equal(info.state, SB_BACKUP_DONE);
    assert_string_equal(info.dir, dir);
    assert_int_equal(info.done, 1);
    assert_true(info.bytes > 0);
    /* the copy is one of the committed states: 4 records and 5 events
     * plus however many of the 50 writes came before its snapshot */
    assert_true(info.records >= 4 && info.records <= 54);
    assert_int_equal(info.last_seq, info.records + 1);
    assert_true(info.last_done_ms > 0);

    sb_verify_report rep;
    f->n_problems = 0;
    assert_int_equal(sb_store_verify(dir, on_problem, f, &rep), 0);
    assert_int_equal(rep.problems, 0);
    assert_int_equal(rep.last_seq, info.last_seq);
    assert_int_equal(access(dir, F_OK), 0);
}

static void test_backup_refuses_unusable_directories(void **state)
{
    fixture *f = *state;
    char dir[128], err[600];
    f->s = sb_tk_store_open(f->path);

    assert_int_equal(sb_store_backup_start(f->s, "relative/dir", err, sizeof err),
                     SB_E(SB_INVALID));
    assert_non_null(strstr(err, "not an absolute path"));
    snprintf(dir, sizeof dir, "%s/no/such/parent", f->dir);
    assert_int_equal(sb_store_backup_start(f->s, dir, err, sizeof err), SB_E(SB_INVALID));
    assert_non_null(strstr(err, "parent directory does not exist"));
    /* the store's own directory is not empty */
    assert_int_equal(sb_store_backup_start(f->s, f->path, err, sizeof err), SB_E(SB_INVALID));
    assert_non_null(strstr(err, "not empty"));

    sb_backup_info info;
    sb_store_backup_info_get(f->s, &info);
    assert_int_equal(info.state, SB_BACKUP_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verify_finds_nothing_wrong_with_a_sound_store, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_a_record_missing_from_the_state_index,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_a_stale_state_index_entry, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_wrong_counts_and_counters, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_a_gap_in_the_event_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_index_entries_that_point_nowhere, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_an_undecodable_record, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_verify_finds_kept_replies_whose_record_event_is_missing_or_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verify_finds_an_event_changed_in_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_verify_reports_a_newer_schema_and_a_missing_store,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrations_run_in_order_and_all_or_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_background_backup_copies_a_store_being_written, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_backup_refuses_unusable_directories, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
