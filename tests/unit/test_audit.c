/* Unit tests of the audit hash chain (store_audit.h): every appended event
 * links to the one before by SHA-256, the chain can be recomputed from the
 * raw LMDB values exactly as docs/audit.md says, and an event changed in
 * place, an event rewritten with a fresh hash, a moved head and a store of
 * schema 1 (no hashes) are each found or handled. Each test has its own
 * store in a mkdtemp directory. */
#define _GNU_SOURCE /* memmem */

#include "sb_testkit.h"

#include <lmdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "store.h"
#include "store_audit.h"

#define N_EVENTS 6

typedef sb_tk_store_fixture fixture;

/* Append N_EVENTS events about two records, committed. */
static void append_events(fixture *f)
{
    sb_txn *t;
    uint64_t last;
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_last_seq(t, &last), 0);
    for (int i = 0; i < N_EVENTS; i++) {
        Skillbase__Event ev = SKILLBASE__EVENT__INIT;
        char reason[64];
        snprintf(reason, sizeof reason, "reason number %d", i + 1);
        ev.entity_id = (char *)(i % 2 ? "app-000002" : "app-000001");
        ev.entity_kind = SKILLBASE__KIND__APPLICATION;
        ev.topic = (char *)"application.applied";
        ev.action = (char *)"apply";
        ev.actor = (char *)"tester";
        ev.reason = reason;
        ev.time_ms = 1700000000000ull + (uint64_t)i;
        assert_int_equal(sb_store_event_append(t, &ev), 0);
        assert_int_equal(ev.seq, last + (uint64_t)i + 1);
        /* the caller's event is left without pointers into the store */
        assert_int_equal(ev.hash.len, 0);
        assert_int_equal(ev.prev_hash.len, 0);
    }
    assert_int_equal(sb_store_commit(&t), 0);
}

static int setup(void **state)
{
    sb_tk_store_setup_open(state);
    append_events(*state);
    return 0;
}

static sb_audit_report verify(fixture *f, uint64_t from, uint32_t limit)
{
    sb_txn *t;
    sb_audit_report r;
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    assert_int_equal(sb_store_audit_verify(t, from, limit, &r), 0);
    sb_store_abort(&t);
    return r;
}

/* ------------------------------------------------------------ raw LMDB */

typedef struct {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi events, meta;
} raw;

/* Open the store's environment directly (the store must be closed). */
static void raw_open(fixture *f, raw *r)
{
    sb_store_close(&f->s);
    assert_int_equal(mdb_env_create(&r->env), 0);
    assert_int_equal(mdb_env_set_maxdbs(r->env, 32), 0);
    assert_int_equal(mdb_env_open(r->env, f->path, 0, 0640), 0);
    assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
    assert_int_equal(mdb_dbi_open(r->txn, "events", 0, &r->events), 0);
    assert_int_equal(mdb_dbi_open(r->txn, "meta", 0, &r->meta), 0);
}

static void raw_close(fixture *f, raw *r)
{
    assert_int_equal(mdb_txn_commit(r->txn), 0);
    mdb_env_close(r->env);
    f->s = sb_tk_store_open(f->path);
}

static MDB_val key_of(uint64_t seq, uint8_t buf[8])
{
    for (int i = 7; i >= 0; i--, seq >>= 8)
        buf[i] = (uint8_t)seq;
    return (MDB_val){8, buf};
}

static void raw_get(raw *r, uint64_t seq, uint8_t **ret, size_t *ret_len)
{
    uint8_t kb[8];
    MDB_val k = key_of(seq, kb), v;
    assert_int_equal(mdb_get(r->txn, r->events, &k, &v), 0);
    *ret = malloc(v.mv_size);
    memcpy(*ret, v.mv_data, v.mv_size);
    *ret_len = v.mv_size;
}

static void raw_put(raw *r, uint64_t seq, const uint8_t *val, size_t len)
{
    uint8_t kb[8];
    MDB_val k = key_of(seq, kb), v = {len, (void *)val};
    assert_int_equal(mdb_put(r->txn, r->events, &k, &v, 0), 0);
}

/* An attacker who knows docs/audit.md: repack event `seq` with another
 * reason and a hash that matches its new content. */
static void reseal(raw *r, uint64_t seq, const char *reason)
{
    uint8_t *val, body[4096], out[4096 + 34];
    size_t len;
    raw_get(r, seq, &val, &len);
    Skillbase__Event *ev = skillbase__event__unpack(NULL, len, val);
    assert_non_null(ev);
    uint8_t prev[32];
    memcpy(prev, ev->prev_hash.data, 32);
    char *old_reason = ev->reason;
    ProtobufCBinaryData old_hash = ev->hash;
    ev->reason = (char *)reason;
    ev->hash.len = 0;
    ev->hash.data = NULL;
    size_t n = skillbase__event__pack(ev, body);
    ev->reason = old_reason;
    ev->hash = old_hash;
    skillbase__event__free_unpacked(ev, NULL);
    memcpy(out, body, n);
    out[n] = 0x72;
    out[n + 1] = 0x20;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prev, 32);
    crypto_hash_sha256_update(&st, body, n);
    crypto_hash_sha256_final(&st, out + n + 2);
    raw_put(r, seq, out, n + 34);
    free(val);
}

/* ------------------------------------------------------------ tests */

static void test_a_fresh_chain_verifies_and_links_every_event(void **state)
{
    fixture *f = *state;
    sb_audit_report r = verify(f, 0, 0);
    assert_true(r.ok);
    assert_int_equal(r.from_seq, 1);
    assert_int_equal(r.to_seq, N_EVENTS);
    assert_int_equal(r.checked, N_EVENTS);
    assert_int_equal(r.next_seq, 0);
    assert_int_equal(r.head.seq, N_EVENTS);
    assert_int_equal(r.head.migrated_through, 0);
    /* as read back: prev_hash of each is the hash of the one before, the
     * first links to 32 zero bytes, and the head is the last hash */
    sb_txn *t;
    Skillbase__Event **evs;
    size_t n;
    uint64_t next;
    uint8_t zeros[32] = {0};
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    assert_int_equal(sb_store_events_read(t, 1, 100, NULL, &evs, &n, &next), 0);
    assert_int_equal(n, N_EVENTS);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(evs[i]->hash.len, 32);
        assert_int_equal(evs[i]->prev_hash.len, 32);
        assert_memory_equal(evs[i]->prev_hash.data, i ? evs[i - 1]->hash.data : zeros, 32);
    }
    assert_memory_equal(r.head.hash, evs[n - 1]->hash.data, 32);
    sb_audit_head h;
    assert_int_equal(sb_store_audit_head(t, &h), 0);
    assert_int_equal(h.seq, N_EVENTS);
    assert_int_equal(h.time_ms, 1700000000000ull + N_EVENTS - 1);
    sb_store_events_free(evs, n, NULL);
    sb_store_abort(&t);
}

/* docs/audit.md: the chain recomputed from raw values, no protobuf. */
static void test_the_documented_canonical_form_recomputes_every_hash(void **state)
{
    fixture *f = *state;
    raw r;
    uint8_t prev[32] = {0};
    raw_open(f, &r);
    for (uint64_t seq = 1; seq <= N_EVENTS; seq++) {
        uint8_t *val, h[32];
        size_t len;
        raw_get(&r, seq, &val, &len);
        assert_true(len > 34);
        assert_int_equal(val[len - 34], 0x72);
        assert_int_equal(val[len - 33], 0x20);
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        crypto_hash_sha256_update(&st, prev, 32);
        crypto_hash_sha256_update(&st, val, len - 34);
        crypto_hash_sha256_final(&st, h);
        assert_memory_equal(h, val + len - 32, 32);
        memcpy(prev, h, 32);
        free(val);
    }
    MDB_val k = {strlen("audit/head"), "audit/head"}, v;
    assert_int_equal(mdb_get(r.txn, r.meta, &k, &v), 0);
    assert_int_equal(v.mv_size, 40);
    assert_memory_equal((uint8_t *)v.mv_data + 8, prev, 32);
    raw_close(f, &r);
}

static void test_an_event_changed_in_place_is_named(void **state)
{
    fixture *f = *state;
    raw r;
    uint8_t *val;
    size_t len;
    raw_open(f, &r);
    raw_get(&r, 3, &val, &len);
    /* "reason number 3" -> "reason number 9": same length, still decodes */
    uint8_t *hit = memmem(val, len, "reason number 3", 15);
    assert_non_null(hit);
    hit[14] = '9';
    raw_put(&r, 3, val, len);
    free(val);
    raw_close(f, &r);
    sb_audit_report rep = verify(f, 0, 0);
    assert_false(rep.ok);
    assert_int_equal(rep.bad_seq, 3);
    assert_non_null(strstr(rep.problem, "event 3"));
    assert_int_equal(rep.next_seq, 0);
    /* from 4 on, trusting the stored hash of 3, the rest is intact */
    rep = verify(f, 4, 0);
    assert_true(rep.ok);
    assert_int_equal(rep.to_seq, N_EVENTS);
}

static void test_an_event_rewritten_with_a_fresh_hash_is_named(void **state)
{
    fixture *f = *state;
    raw r;
    raw_open(f, &r);
    reseal(&r, 4, "nothing happened");
    raw_close(f, &r);
    sb_audit_report rep = verify(f, 0, 0);
    assert_false(rep.ok);
    assert_int_equal(rep.bad_seq, 4);
    assert_non_null(strstr(rep.problem, "rewritten"));
}

static void test_a_rewritten_last_event_is_caught_by_the_head(void **state)
{
    fixture *f = *state;
    raw r;
    raw_open(f, &r);
    reseal(&r, N_EVENTS, "nothing happened");
    raw_close(f, &r);
    sb_audit_report rep = verify(f, 0, 0);
    assert_false(rep.ok);
    assert_int_equal(rep.bad_seq, N_EVENTS);
    assert_non_null(strstr(rep.problem, "head"));
}

static void test_verify_goes_in_pages(void **state)
{
    fixture *f = *state;
    sb_audit_report rep = verify(f, 0, 4);
    assert_true(rep.ok);
    assert_int_equal(rep.to_seq, 4);
    assert_int_equal(rep.next_seq, 5);
    rep = verify(f, rep.next_seq, 4);
    assert_true(rep.ok);
    assert_int_equal(rep.from_seq, 5);
    assert_int_equal(rep.to_seq, N_EVENTS);
    assert_int_equal(rep.next_seq, 0);
    rep = verify(f, N_EVENTS + 5, 0);
    assert_true(rep.ok);
    assert_int_equal(rep.checked, 0);
}

/* A store of schema 1: events without hashes, no head. Opening it runs the
 * migration, which chains them once. */
static void test_a_schema_1_store_is_chained_when_opened(void **state)
{
    fixture *f = *state;
    raw r;
    raw_open(f, &r);
    for (uint64_t seq = 1; seq <= N_EVENTS; seq++) {
        uint8_t *val, body[4096];
        size_t len;
        raw_get(&r, seq, &val, &len);
        Skillbase__Event *ev = skillbase__event__unpack(NULL, len, val);
        assert_non_null(ev);
        ProtobufCBinaryData h = ev->hash, p = ev->prev_hash;
        ev->hash = ev->prev_hash = (ProtobufCBinaryData){0, NULL};
        size_t n = skillbase__event__pack(ev, body);
        ev->hash = h;
        ev->prev_hash = p;
        skillbase__event__free_unpacked(ev, NULL);
        raw_put(&r, seq, body, n);
        free(val);
    }
    MDB_val k = {strlen("audit/head"), "audit/head"};
    assert_int_equal(mdb_del(r.txn, r.meta, &k, NULL), 0);
    uint8_t one[8] = {1};
    MDB_val sk = {strlen("schema_version"), "schema_version"}, sv = {8, one};
    assert_int_equal(mdb_put(r.txn, r.meta, &sk, &sv, 0), 0);
    raw_close(f, &r); /* reopens: migrates */
    sb_audit_report rep = verify(f, 0, 0);
    assert_true(rep.ok);
    assert_int_equal(rep.to_seq, N_EVENTS);
    assert_int_equal(rep.head.migrated_through, N_EVENTS);
    sb_store_info info;
    assert_int_equal(sb_store_info_get(f->s, &info), 0);
    assert_int_equal(info.schema_version, SB_STORE_SCHEMA_VERSION);
    /* and appending goes on from the migrated head */
    append_events(f);
    rep = verify(f, 0, 0);
    assert_true(rep.ok);
    assert_int_equal(rep.to_seq, 2 * N_EVENTS);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, sb_tk_store_teardown)
    const struct CMUnitTest tests[] = {
        T(test_a_fresh_chain_verifies_and_links_every_event),
        T(test_the_documented_canonical_form_recomputes_every_hash),
        T(test_an_event_changed_in_place_is_named),
        T(test_an_event_rewritten_with_a_fresh_hash_is_named),
        T(test_a_rewritten_last_event_is_caught_by_the_head),
        T(test_verify_goes_in_pages),
        T(test_a_schema_1_store_is_chained_when_opened),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
