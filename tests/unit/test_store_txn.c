/* Unit tests of sb_store's transactions and limits: a nested abort keeps
 * its sibling, a top-level abort takes everything, idempotency answers
 * survive a reopen, a newer schema refuses to open, the map-full/grow cycle,
 * growth stops at map_max, hot backups, and misuse refused. Each test gets
 * its own store in a fresh temporary directory (sb_testkit.h). The records,
 * indexes and event log: test_store.c. */
#include "sb_testkit.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "store.h"

typedef sb_tk_store_fixture fixture;

static sb_store *open_at(const char *dir, size_t map_size, size_t map_max)
{
    sb_store_options o = {.dir = dir, .map_size = map_size, .map_max = map_max};
    sb_store *s = NULL;
    assert_int_equal(sb_store_open(&o, &s), 0);
    assert_non_null(s);
    return s;
}

static int count_record(const Skillbase__Record *rec, void *arg)
{
    (void)rec;
    ++*(int *)arg;
    return 0;
}

static void test_nested_abort_discards_only_the_child_while_its_sibling_commits(void **state)
{
    fixture *f = *state;
    sb_txn *t, *c;
    char a1[32], a2[32], a3[32];
    sb_tk_record b;
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "K", a1);

    assert_int_equal(sb_store_sub_begin(t, &c), 0);
    sb_tk_record_create(c, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "K", a2);
    sb_tk_record_move(c, a1, SKILLBASE__STATE__UNDER_REVIEW);
    sb_tk_event_append(c, a2, "application.applied", NULL);
    sb_store_abort(&c);
    assert_null(c);

    assert_int_equal(sb_store_sub_begin(t, &c), 0);
    sb_tk_record_create(c, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "K", a3);
    sb_tk_event_append(c, a3, "application.applied", NULL);
    /* A failing request in a child: the child is aborted, the batch lives. */
    sb_txn *gc;
    assert_int_equal(sb_store_sub_begin(c, &gc), 0);
    assert_int_equal(sb_store_record_put(gc,
                                         sb_tk_record_init(&b, SKILLBASE__KIND__APPLICATION, a3,
                                                           SKILLBASE__STATE__APPLIED, "K"),
                                         NULL),
                     SB_E(SB_CONFLICT));
    sb_store_abort(&gc);
    assert_int_equal(sb_store_commit(&c), 0);
    assert_null(c);
    assert_int_equal(sb_store_commit(&t), 0);

    /* The aborted child's id was given back: the sibling reused it. */
    assert_string_equal(a2, a3);
    assert_true(sb_tk_record_exists(f->s, a1));
    assert_true(sb_tk_record_exists(f->s, a3));
    assert_false(sb_tk_record_exists(f->s, "app-000003"));

    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    Skillbase__Record *r;
    assert_int_equal(sb_store_record_get(t, a1, NULL, &r), 0);
    assert_int_equal(r->application->state, SKILLBASE__STATE__APPLIED);
    skillbase__record__free_unpacked(r, NULL);
    uint64_t counts[3][SB_STORE_STATES], seq;
    assert_int_equal(sb_store_counts(t, counts), 0);
    assert_int_equal(counts[SKILLBASE__KIND__APPLICATION][SKILLBASE__STATE__APPLIED], 2);
    assert_int_equal(counts[SKILLBASE__KIND__APPLICATION][SKILLBASE__STATE__UNDER_REVIEW], 0);
    assert_int_equal(sb_store_last_seq(t, &seq), 0);
    assert_int_equal(seq, 1);
    int with_k = 0;
    assert_int_equal(sb_store_credit_each(t, "K", NULL, count_record, &with_k), 0);
    assert_int_equal(with_k, 2);
    sb_store_abort(&t);
}

static void test_top_level_abort_discards_everything(void **state)
{
    fixture *f = *state;
    sb_txn *t, *c;
    uint64_t serial;
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "K", NULL);
    assert_int_equal(sb_store_sub_begin(t, &c), 0);
    sb_tk_record_create(c, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED, "K", NULL);
    sb_tk_event_append(c, "base-000001", "base.certified", NULL);
    assert_int_equal(sb_store_next_serial(c, "cert/2026", &serial), 0);
    assert_int_equal(sb_store_idem_put(c, "key-1", 1, 0, (const uint8_t *)"r", 1), 0);
    assert_int_equal(sb_store_commit(&c), 0);
    sb_store_abort(&t);
    assert_null(t);

    assert_false(sb_tk_record_exists(f->s, "app-000001"));
    assert_false(sb_tk_record_exists(f->s, "base-000001"));
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    uint64_t counts[3][SB_STORE_STATES], zero[3][SB_STORE_STATES] = {{0}}, seq, h, rseq;
    assert_int_equal(sb_store_counts(t, counts), 0);
    assert_memory_equal(counts, zero, sizeof zero);
    assert_int_equal(sb_store_last_seq(t, &seq), 0);
    assert_int_equal(seq, 0);
    uint8_t *reply;
    size_t len;
    assert_int_equal(sb_store_idem_get(t, "key-1", &h, &rseq, &reply, &len), SB_E(SB_NOT_FOUND));
    assert_int_equal(sb_store_next_serial(t, "cert/2026", &serial), 0);
    assert_int_equal(serial, 1);
    char id[32];
    assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__APPLICATION, id, sizeof id), 0);
    assert_string_equal(id, "app-000001");
    sb_store_abort(&t);
}

static void test_idem_put_get_roundtrips_a_reply(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    uint64_t hash, rseq;
    uint8_t *bytes;
    size_t len;
    f->s = sb_tk_store_open(f->path);

    Skillbase__Reply reply = SKILLBASE__REPLY__INIT;
    reply.protocol = 1;
    reply.request_id = "req-42";
    reply.code = SKILLBASE__ERROR_CODE__OK;
    reply.seq = 17;
    size_t plen = skillbase__reply__get_packed_size(&reply);
    uint8_t *packed = malloc(plen);
    assert_non_null(packed);
    skillbase__reply__pack(&reply, packed);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_idem_put(t, "key-1", 0xfedcba9876543210ULL, 0, packed, plen), 0);
    assert_int_equal(sb_store_idem_put(t, "key-empty", 5, 0, NULL, 0), 0);
    assert_int_equal(sb_store_commit(&t), 0);
    sb_tk_store_reopen(f);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_idem_get(t, "key-1", &hash, &rseq, &bytes, &len), 0);
    assert_int_equal(hash, 0xfedcba9876543210ULL);
    assert_int_equal(rseq, 0);
    assert_int_equal(len, plen);
    assert_memory_equal(bytes, packed, plen);
    Skillbase__Reply *back = skillbase__reply__unpack(NULL, len, bytes);
    assert_non_null(back);
    assert_string_equal(back->request_id, "req-42");
    assert_int_equal(back->seq, 17);
    skillbase__reply__free_unpacked(back, NULL);
    free(bytes);

    assert_int_equal(sb_store_idem_get(t, "key-empty", &hash, &rseq, &bytes, &len), 0);
    assert_int_equal(hash, 5);
    assert_int_equal(len, 0);
    free(bytes);
    assert_int_equal(sb_store_idem_get(t, "key-2", &hash, &rseq, &bytes, &len), SB_E(SB_NOT_FOUND));

    /* A put overwrites. */
    assert_int_equal(sb_store_idem_put(t, "key-1", 9, 0, (const uint8_t *)"xy", 2), 0);
    assert_int_equal(sb_store_idem_get(t, "key-1", &hash, &rseq, &bytes, &len), 0);
    assert_int_equal(hash, 9);
    assert_int_equal(len, 2);
    assert_memory_equal(bytes, "xy", 2);
    free(bytes);

    /* A reply kept without its record names the event that holds it; the
     * rest reads back as put, whatever its first byte. */
    assert_int_equal(sb_store_idem_put(t, "key-3", 11, 42, packed, plen), 0);
    assert_int_equal(sb_store_idem_get(t, "key-3", &hash, &rseq, &bytes, &len), 0);
    assert_int_equal(hash, 11);
    assert_int_equal(rseq, 42);
    assert_int_equal(len, plen);
    assert_memory_equal(bytes, packed, plen);
    free(bytes);
    assert_int_equal(sb_store_idem_put(t, "key-4", 12, 43, NULL, 0), 0);
    assert_int_equal(sb_store_idem_get(t, "key-4", &hash, &rseq, &bytes, &len), 0);
    assert_int_equal(rseq, 43);
    assert_int_equal(len, 0);
    free(bytes);
    sb_store_abort(&t);
    free(packed);
}

static void test_store_with_a_newer_schema_version_refuses_to_open(void **state)
{
    fixture *f = *state;
    f->s = sb_tk_store_open(f->path);
    sb_store_close(&f->s);

    /* Play a later build: rewrite the version with raw LMDB. */
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi meta;
    uint8_t v[8] = {SB_STORE_SCHEMA_VERSION + 1};
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
    assert_int_equal(mdb_env_open(env, f->path, 0, 0640), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
    MDB_val k = {strlen("schema_version"), "schema_version"}, d = {8, v};
    assert_int_equal(mdb_put(txn, meta, &k, &d, 0), 0);
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);

    sb_store_options o = {.dir = f->path};
    sb_store *s = NULL;
    assert_int_equal(sb_store_open(&o, &s), SB_E(SB_INTERNAL));
    assert_null(s);
}

/* Write n records with 1 KiB names, each in its own child of one top-level
 * transaction, as the daemon's group commit does. A failing child is
 * committed (stop) or aborted (keep_going: the batch goes on, as with a
 * refused request). Returns 0 or the first error. */
static int write_batch(sb_store *s, int n, bool keep_going)
{
    sb_txn *t = NULL, *c = NULL;
    sb_tk_record *b = malloc(sizeof *b);
    char id[32];
    int first = 0;
    assert_non_null(b);
    assert_int_equal(sb_store_begin(s, true, &t), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(sb_store_sub_begin(t, &c), 0);
        int r = sb_store_next_id(c, SKILLBASE__KIND__APPLICATION, id, sizeof id);
        if (r == 0) {
            sb_tk_record_init(b, SKILLBASE__KIND__APPLICATION, id, SKILLBASE__STATE__APPLIED, "F");
            memset(b->name, 'n', 1024);
            r = sb_store_record_put(c, &b->rec, NULL);
        }
        if (r == 0) {
            assert_int_equal(sb_store_commit(&c), 0);
            continue;
        }
        assert_int_equal(r, SB_E(SB_STORE_FULL));
        first = first ? first : r;
        if (!keep_going) {
            /* A child that hit the full map says so on commit too. */
            assert_int_equal(sb_store_commit(&c), SB_E(SB_STORE_FULL));
            break;
        }
        sb_store_abort(&c);
    }
    /* The parent must not commit a batch that lost a request to a full
     * map, even when the child was aborted. */
    int r = sb_store_commit(&t);
    assert_int_equal(r, first);
    free(b);
    return r;
}

static void test_map_full_then_grow_lets_the_retry_succeed(void **state)
{
    fixture *f = *state;
    f->s = open_at(f->path, 64 << 10, 64 << 20);
    sb_store_info info;
    assert_int_equal(sb_store_info_get(f->s, &info), 0);
    assert_int_equal(info.map_bytes, 64 << 10);

    assert_int_equal(write_batch(f->s, 300, false), SB_E(SB_STORE_FULL));
    assert_false(sb_tk_record_exists(f->s, "app-000001")); /* the whole batch vanished */
    assert_int_equal(write_batch(f->s, 300, true), SB_E(SB_STORE_FULL));
    assert_false(sb_tk_record_exists(f->s, "app-000001"));
    int grows = 0;
    int r;
    while ((r = write_batch(f->s, 300, true)) == SB_E(SB_STORE_FULL)) {
        assert_int_equal(sb_store_grow(f->s), 0);
        assert_true(++grows < 12);
    }
    assert_int_equal(r, 0);
    assert_true(grows >= 1);
    assert_true(sb_tk_record_exists(f->s, "app-000001"));
    assert_true(sb_tk_record_exists(f->s, "app-000300"));
    assert_false(sb_tk_record_exists(f->s, "app-000301"));
    assert_int_equal(sb_store_info_get(f->s, &info), 0);
    assert_int_equal(info.map_bytes, (uint64_t)(64 << 10) << grows);

    /* A grown map stays grown after reopen with the small configured size. */
    sb_store_close(&f->s);
    f->s = open_at(f->path, 64 << 10, 64 << 20);
    sb_store_info again;
    assert_int_equal(sb_store_info_get(f->s, &again), 0);
    assert_true(again.map_bytes >= info.used_bytes);
    assert_true(sb_tk_record_exists(f->s, "app-000300"));
    assert_int_equal(write_batch(f->s, 10, false), 0);
}

static void test_grow_at_map_max_returns_store_full(void **state)
{
    fixture *f = *state;
    f->s = open_at(f->path, 1 << 20, 1 << 20);
    assert_int_equal(sb_store_grow(f->s), SB_E(SB_STORE_FULL));
    sb_store_close(&f->s);
    /* Doubling stops at the cap, then refuses. */
    f->s = open_at(f->path, 1 << 20, 3 << 19);
    assert_int_equal(sb_store_grow(f->s), 0);
    sb_store_info info;
    assert_int_equal(sb_store_info_get(f->s, &info), 0);
    assert_int_equal(info.map_bytes, 3 << 19);
    assert_int_equal(sb_store_grow(f->s), SB_E(SB_STORE_FULL));
}

static void test_backup_opens_with_the_same_data(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    char backup[128];
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 20; i++) {
        char id[32];
        sb_tk_record_create(t, i % 4 ? SKILLBASE__KIND__APPLICATION : SKILLBASE__KIND__BASE,
                            SKILLBASE__STATE__CERTIFIED, "B", id);
        sb_tk_event_append(t, id, "t", NULL);
    }
    assert_int_equal(sb_store_idem_put(t, "k", 3, 0, (const uint8_t *)"abc", 3), 0);
    assert_int_equal(sb_store_commit(&t), 0);

    snprintf(backup, sizeof backup, "%s/backup", f->dir);
    /* A hot backup: a reader is open meanwhile. */
    sb_txn *reader;
    assert_int_equal(sb_store_begin(f->s, false, &reader), 0);
    assert_int_equal(sb_store_backup(f->s, backup), 0);
    sb_store_abort(&reader);
    /* Never over an existing backup. */
    assert_int_equal(sb_store_backup(f->s, backup), SB_E(SB_INTERNAL));

    sb_store *copy = open_at(backup, 0, 0);
    sb_txn *a, *b;
    assert_int_equal(sb_store_begin(f->s, false, &a), 0);
    assert_int_equal(sb_store_begin(copy, false, &b), 0);
    uint64_t ca[3][SB_STORE_STATES], cb[3][SB_STORE_STATES], sa, sbq;
    assert_int_equal(sb_store_counts(a, ca), 0);
    assert_int_equal(sb_store_counts(b, cb), 0);
    assert_memory_equal(ca, cb, sizeof ca);
    assert_int_equal(sb_store_last_seq(a, &sa), 0);
    assert_int_equal(sb_store_last_seq(b, &sbq), 0);
    assert_int_equal(sa, 20);
    assert_int_equal(sbq, sa);

    Skillbase__Record **ra, **rb;
    size_t na, nb;
    bool more;
    assert_int_equal(sb_store_list(a, 0, 0, NULL, 0, NULL, &ra, &na, &more), 0);
    assert_int_equal(sb_store_list(b, 0, 0, NULL, 0, NULL, &rb, &nb, &more), 0);
    assert_int_equal(na, 20);
    assert_int_equal(nb, na);
    for (size_t i = 0; i < na; i++) {
        size_t la = skillbase__record__get_packed_size(ra[i]);
        size_t lb = skillbase__record__get_packed_size(rb[i]);
        assert_int_equal(la, lb);
        uint8_t pa[256], pb[256];
        assert_true(la <= sizeof pa);
        skillbase__record__pack(ra[i], pa);
        skillbase__record__pack(rb[i], pb);
        assert_memory_equal(pa, pb, la);
    }
    sb_store_records_free(ra, na, NULL);
    sb_store_records_free(rb, nb, NULL);
    uint64_t h, rseq;
    uint8_t *reply;
    size_t len;
    assert_int_equal(sb_store_idem_get(b, "k", &h, &rseq, &reply, &len), 0);
    assert_int_equal(len, 3);
    free(reply);
    sb_store_abort(&a);
    sb_store_abort(&b);
    sb_store_close(&copy);
}

static void test_bad_ids_and_misuse_are_refused(void **state)
{
    fixture *f = *state;
    sb_txn *t, *r;
    sb_tk_record b;
    Skillbase__Record *rec;
    char long_id[256];
    f->s = sb_tk_store_open(f->path);
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    memcpy(long_id, "app-", 4);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_record_get(t, NULL, NULL, &rec), SB_E(SB_INVALID));
    assert_int_equal(sb_store_record_get(t, "", NULL, &rec), SB_E(SB_INVALID));
    assert_int_equal(sb_store_record_get(t, long_id, NULL, &rec), SB_E(SB_INVALID));
    assert_int_equal(sb_store_record_put(t,
                                         sb_tk_record_init(&b, SKILLBASE__KIND__APPLICATION,
                                                           long_id, SKILLBASE__STATE__APPLIED, ""),
                                         NULL),
                     SB_E(SB_INVALID));
    assert_int_equal(sb_store_record_put(t,
                                         sb_tk_record_init(&b, SKILLBASE__KIND__APPLICATION, "",
                                                           SKILLBASE__STATE__APPLIED, ""),
                                         NULL),
                     SB_E(SB_INVALID));
    /* An id must name its kind, and a state must be set. */
    assert_int_equal(sb_store_record_put(t,
                                         sb_tk_record_init(&b, SKILLBASE__KIND__BASE, "app-000001",
                                                           SKILLBASE__STATE__CERTIFIED, ""),
                                         NULL),
                     SB_E(SB_INVALID));
    assert_int_equal(
        sb_store_record_put(t,
                            sb_tk_record_init(&b, SKILLBASE__KIND__APPLICATION, "app-1",
                                              SKILLBASE__STATE__STATE_UNSPECIFIED, ""),
                            NULL),
        SB_E(SB_INVALID));
    Skillbase__Record empty = SKILLBASE__RECORD__INIT;
    assert_int_equal(sb_store_record_put(t, &empty, NULL), SB_E(SB_INVALID));
    /* Updating a record that is not there. */
    sb_tk_record ob;
    assert_int_equal(
        sb_store_record_put(t,
                            sb_tk_record_init(&b, SKILLBASE__KIND__APPLICATION, "app-9",
                                              SKILLBASE__STATE__UNDER_REVIEW, ""),
                            sb_tk_record_init(&ob, SKILLBASE__KIND__APPLICATION, "app-9",
                                              SKILLBASE__STATE__APPLIED, "")),
        SB_E(SB_NOT_FOUND));
    char id[8];
    assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__APPLICATION, id, sizeof id),
                     SB_E(SB_INVALID));
    char id32[32];
    assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__KIND_UNSPECIFIED, id32, sizeof id32),
                     SB_E(SB_INVALID));
    Skillbase__Event ev = SKILLBASE__EVENT__INIT;
    assert_int_equal(sb_store_event_append(t, &ev), SB_E(SB_INVALID));
    uint64_t h, rseq;
    uint8_t *reply;
    size_t len;
    assert_int_equal(sb_store_idem_get(t, "", &h, &rseq, &reply, &len), SB_E(SB_INVALID));
    /* One writer at a time: a second would deadlock on LMDB's lock. */
    sb_txn *t2 = NULL;
    assert_int_equal(sb_store_begin(f->s, true, &t2), SB_E(SB_INTERNAL));
    assert_null(t2);
    /* Grow needs every transaction closed. */
    assert_int_equal(sb_store_grow(f->s), SB_E(SB_INTERNAL));
    sb_store_abort(&t);

    /* Writes through a read transaction are refused. */
    assert_int_equal(sb_store_begin(f->s, false, &r), 0);
    assert_int_equal(sb_store_record_put(r,
                                         sb_tk_record_init(&b, SKILLBASE__KIND__APPLICATION,
                                                           "app-1", SKILLBASE__STATE__APPLIED, ""),
                                         NULL),
                     SB_E(SB_INTERNAL));
    sb_txn *child = NULL;
    assert_int_equal(sb_store_sub_begin(r, &child), SB_E(SB_INTERNAL));
    assert_null(child);
    assert_int_equal(sb_store_commit(&r), 0);
    sb_store_abort(&r); /* NULL is ignored */

    sb_store_options bad = {.dir = f->path, .map_size = 2 << 20, .map_max = 1 << 20};
    sb_store *s = NULL;
    assert_int_equal(sb_store_open(&bad, &s), SB_E(SB_INVALID));
    assert_null(s);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, sb_tk_store_setup, sb_tk_store_teardown)
    const struct CMUnitTest tests[] = {
        T(test_nested_abort_discards_only_the_child_while_its_sibling_commits),
        T(test_top_level_abort_discards_everything),
        T(test_idem_put_get_roundtrips_a_reply),
        T(test_store_with_a_newer_schema_version_refuses_to_open),
        T(test_map_full_then_grow_lets_the_retry_succeed),
        T(test_grow_at_map_max_returns_store_full),
        T(test_backup_opens_with_the_same_data),
        T(test_bad_ids_and_misuse_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
