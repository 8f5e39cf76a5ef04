/* Unit tests of sb_store's records and event log: durability across
 * reopen, listings and per-state counts against a model, the credit-code
 * walk, a gap-free event sequence and per-entity history. Each test gets its
 * own store in a fresh temporary directory (sb_testkit.h). Transactions and
 * the store's limits: test_store_txn.c. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_arena.h"
#include "sb_error.h"
#include "store.h"

typedef sb_tk_store_fixture fixture;

/* ------------------------------------------------------------ records */

static const char *rec_id(const Skillbase__Record *r)
{
    return r->record_case == SKILLBASE__RECORD__RECORD_APPLICATION ? r->application->id
                                                                   : r->sub_base->id;
}

static Skillbase__State rec_state(const Skillbase__Record *r)
{
    return r->record_case == SKILLBASE__RECORD__RECORD_APPLICATION ? r->application->state
                                                                   : r->sub_base->state;
}

/* ------------------------------------------------------------ tests */

static void test_reopen_keeps_records_events_counters_and_schema(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    char a1[32], b1[32], id[32];
    uint64_t serial;
    f->s = sb_tk_store_open(f->path);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED,
                        "91330100MA00000072", a1);
    sb_tk_record_create(t, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED, "91330100MA00000072",
                        b1);
    assert_string_equal(a1, "app-000001");
    assert_string_equal(b1, "base-000001");
    sb_tk_event_append(t, a1, "application.applied", NULL);
    sb_tk_event_append(t, b1, "base.certified", NULL);
    assert_int_equal(sb_store_next_serial(t, "cert/2026", &serial), 0);
    assert_int_equal(serial, 1);
    assert_int_equal(sb_store_commit(&t), 0);
    assert_null(t);

    sb_tk_store_reopen(f);

    sb_store_info info;
    assert_int_equal(sb_store_info_get(f->s, &info), 0);
    assert_int_equal(info.schema_version, SB_STORE_SCHEMA_VERSION);
    assert_int_equal(info.last_seq, 2);
    assert_true(info.map_bytes >= (64u << 20));
    assert_true(info.used_bytes > 0 && info.used_bytes <= info.map_bytes);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    Skillbase__Record *r = NULL;
    assert_int_equal(sb_store_record_get(t, a1, NULL, &r), 0);
    assert_int_equal(r->record_case, SKILLBASE__RECORD__RECORD_APPLICATION);
    assert_string_equal(r->application->form->unit->credit_code, "91330100MA00000072");
    skillbase__record__free_unpacked(r, NULL);
    assert_int_equal(sb_store_record_get(t, b1, NULL, &r), 0);
    assert_int_equal(r->record_case, SKILLBASE__RECORD__RECORD_SUB_BASE);
    skillbase__record__free_unpacked(r, NULL);
    assert_int_equal(sb_store_record_get(t, "app-000009", NULL, &r), SB_E(SB_NOT_FOUND));

    uint64_t seq, counts[3][SB_STORE_STATES];
    assert_int_equal(sb_store_last_seq(t, &seq), 0);
    assert_int_equal(seq, 2);
    assert_int_equal(sb_store_counts(t, counts), 0);
    assert_int_equal(counts[SKILLBASE__KIND__APPLICATION][SKILLBASE__STATE__APPLIED], 1);
    assert_int_equal(counts[SKILLBASE__KIND__BASE][SKILLBASE__STATE__CERTIFIED], 1);
    /* Counters continue where they were. */
    assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__APPLICATION, id, sizeof id), 0);
    assert_string_equal(id, "app-000002");
    assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__BASE, id, sizeof id), 0);
    assert_string_equal(id, "base-000002");
    assert_int_equal(sb_store_next_serial(t, "cert/2026", &serial), 0);
    assert_int_equal(serial, 2);
    assert_int_equal(sb_store_next_serial(t, "cert/2027", &serial), 0);
    assert_int_equal(serial, 1);
    sb_store_abort(&t);
    assert_null(t);
}

/* The model the index test checks the store against. */
typedef struct {
    char id[32];
    Skillbase__Kind kind;
    Skillbase__State state;
} model_rec;

static int model_cmp(const void *a, const void *b)
{
    return strcmp(((const model_rec *)a)->id, ((const model_rec *)b)->id);
}

/* List (kind, state) page by page and compare with a brute-force filter of
 * the model (sorted by id, which is kind-then-id order). */
static void check_listing(sb_store *s, const model_rec *m, size_t nm, Skillbase__Kind kind,
                          Skillbase__State st, uint32_t page)
{
    size_t want_n = 0, got_n = 0;
    const model_rec *want[512];
    for (size_t i = 0; i < nm; i++)
        if ((!kind || m[i].kind == kind) && (!st || m[i].state == st))
            want[want_n++] = &m[i];

    sb_txn *t;
    char after[32] = "";
    assert_int_equal(sb_store_begin(s, false, &t), 0);
    for (;;) {
        Skillbase__Record **recs = NULL;
        size_t n = 0;
        bool more = false;
        assert_int_equal(sb_store_list(t, kind, st, after, page, NULL, &recs, &n, &more), 0);
        assert_true(n <= page);
        for (size_t i = 0; i < n; i++, got_n++) {
            assert_true(got_n < want_n);
            assert_string_equal(rec_id(recs[i]), want[got_n]->id);
            assert_int_equal(rec_state(recs[i]), want[got_n]->state);
        }
        if (n)
            snprintf(after, sizeof after, "%s", rec_id(recs[n - 1]));
        sb_store_records_free(recs, n, NULL);
        if (!more)
            break;
        assert_int_equal(n, page); /* "more" only on a full page */
    }
    sb_store_abort(&t);
    assert_int_equal(got_n, want_n);
}

static void check_all_listings(sb_store *s, model_rec *m, size_t nm)
{
    qsort(m, nm, sizeof *m, model_cmp);
    for (int k = 0; k <= SKILLBASE__KIND__BASE; k++)
        for (int st = 0; st <= SKILLBASE__STATE__REVOKED; st++)
            check_listing(s, m, nm, (Skillbase__Kind)k, (Skillbase__State)st, 7);
    /* One page holding everything: more must be false. */
    check_listing(s, m, nm, 0, 0, 1000);

    uint64_t counts[3][SB_STORE_STATES], want[3][SB_STORE_STATES] = {{0}};
    for (size_t i = 0; i < nm; i++)
        want[m[i].kind][m[i].state]++;
    sb_txn *t;
    assert_int_equal(sb_store_begin(s, false, &t), 0);
    assert_int_equal(sb_store_counts(t, counts), 0);
    sb_store_abort(&t);
    assert_memory_equal(counts, want, sizeof want);
}

static void test_list_by_state_and_counts_match_a_brute_force_filter(void **state)
{
    fixture *f = *state;
    enum { N_APP = 90, N_BASE = 40, N = N_APP + N_BASE };
    model_rec m[N];
    sb_txn *t;
    unsigned seed = 12345;
    f->s = sb_tk_store_open(f->path);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < N; i++) {
        m[i].kind = i < N_APP ? SKILLBASE__KIND__APPLICATION : SKILLBASE__KIND__BASE;
        m[i].state = i < N_APP ? SKILLBASE__STATE__APPLIED : SKILLBASE__STATE__CERTIFIED;
        sb_tk_record_create(t, m[i].kind, m[i].state, "X", m[i].id);
    }
    assert_int_equal(sb_store_commit(&t), 0);
    check_all_listings(f->s, m, N);

    /* Several rounds of random moves, some aborted, one reopen between. */
    for (int round = 0; round < 6; round++) {
        assert_int_equal(sb_store_begin(f->s, true, &t), 0);
        model_rec next[N];
        memcpy(next, m, sizeof m);
        for (int i = 0; i < N; i++) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 16) % 3 == 0)
                continue;
            /* Any state, even a repeat of the current one. */
            Skillbase__State st = (Skillbase__State)(1 + (seed >> 8) % 8);
            sb_tk_record_move(t, next[i].id, st);
            next[i].state = st;
        }
        if (round == 2) {
            sb_store_abort(&t); /* the model keeps the old states */
        } else {
            assert_int_equal(sb_store_commit(&t), 0);
            memcpy(m, next, sizeof m);
        }
        if (round == 3)
            sb_tk_store_reopen(f);
        check_all_listings(f->s, m, N);
    }
}

static void test_list_after_resumes_strictly_after_the_id(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    Skillbase__Record **recs;
    size_t n;
    bool more;
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 3; i++)
        sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "", NULL);
    for (int i = 0; i < 2; i++)
        sb_tk_record_create(t, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED, "", NULL);
    assert_int_equal(sb_store_commit(&t), 0);

    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    /* An id that does not exist still places the cursor. */
    assert_int_equal(sb_store_list(t, 0, 0, "app-0000015", 0, NULL, &recs, &n, &more), 0);
    assert_int_equal(n, 4);
    assert_string_equal(rec_id(recs[0]), "app-000002");
    assert_string_equal(rec_id(recs[2]), "base-000001");
    assert_string_equal(rec_id(recs[3]), "base-000002");
    assert_false(more);
    sb_store_records_free(recs, n, NULL);
    /* After the last application, the applications are done. */
    assert_int_equal(
        sb_store_list(t, SKILLBASE__KIND__APPLICATION, 0, "app-000003", 0, NULL, &recs, &n, &more),
        0);
    assert_int_equal(n, 0);
    assert_null(recs);
    assert_false(more);
    /* An application id as `after` with kind BASE starts at the first base. */
    assert_int_equal(sb_store_list(t, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED,
                                   "app-000002", 1, NULL, &recs, &n, &more),
                     0);
    assert_int_equal(n, 1);
    assert_string_equal(rec_id(recs[0]), "base-000001");
    assert_true(more);
    sb_store_records_free(recs, n, NULL);
    sb_store_abort(&t);
}

static void test_list_unpacks_into_an_arena(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    sb_arena arena;
    Skillbase__Record **recs;
    size_t n;
    bool more;
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 5; i++)
        sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "C", NULL);
    sb_tk_event_append(t, "app-000001", "application.applied", NULL);
    assert_int_equal(sb_store_commit(&t), 0);

    sb_arena_init(&arena, 1 << 20);
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    assert_int_equal(
        sb_store_list(t, 0, SKILLBASE__STATE__APPLIED, NULL, 3, &arena.pb, &recs, &n, &more), 0);
    assert_int_equal(n, 3);
    assert_true(more);
    sb_store_records_free(recs, n, &arena.pb);
    Skillbase__Event **evs;
    uint64_t next;
    assert_int_equal(sb_store_history(t, "app-000001", 0, 0, &arena.pb, &evs, &n, &next), 0);
    assert_int_equal(n, 1);
    sb_store_events_free(evs, n, &arena.pb);
    sb_store_abort(&t);
    sb_arena_destroy(&arena);

    /* A budget too small to hold a record fails cleanly. */
    sb_arena_init(&arena, 16);
    Skillbase__Record *r = NULL;
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    assert_int_equal(sb_store_record_get(t, "app-000001", &arena.pb, &r), SB_E(SB_INTERNAL));
    assert_null(r);
    sb_store_abort(&t);
    sb_arena_destroy(&arena);
}

typedef struct {
    char ids[16][32];
    int n;
    int stop_at; /* return 7 on this call (1-based); 0: never */
} credit_seen;

static int collect_credit(const Skillbase__Record *rec, void *arg)
{
    credit_seen *c = arg;
    assert_true(c->n < 16);
    snprintf(c->ids[c->n++], 32, "%s", rec_id(rec));
    return c->stop_at && c->n == c->stop_at ? 7 : 0;
}

static void test_credit_each_finds_all_records_of_a_code_and_none_of_another(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    char a1[32], a2[32], a3[32], b1[32];
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "913301", a1);
    /* A code that extends the first must not match it. */
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "9133011",
                        NULL);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "913301", a2);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "", NULL);
    sb_tk_record_create(t, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED, "913301", b1);
    assert_int_equal(sb_store_commit(&t), 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    /* Updates and later terminal states keep the record findable, once. */
    sb_tk_record_move(t, a1, SKILLBASE__STATE__REJECTED);
    sb_tk_record_move(t, a2, SKILLBASE__STATE__UNDER_REVIEW);
    sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "913301", a3);
    assert_int_equal(sb_store_commit(&t), 0);

    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    credit_seen c = {0};
    assert_int_equal(sb_store_credit_each(t, "913301", NULL, collect_credit, &c), 0);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.ids[0], a1);
    assert_string_equal(c.ids[1], a2);
    assert_string_equal(c.ids[2], a3);
    assert_string_equal(c.ids[3], b1);

    memset(&c, 0, sizeof c);
    assert_int_equal(sb_store_credit_each(t, "9133011", NULL, collect_credit, &c), 0);
    assert_int_equal(c.n, 1);
    memset(&c, 0, sizeof c);
    assert_int_equal(sb_store_credit_each(t, "91330", NULL, collect_credit, &c), 0);
    assert_int_equal(c.n, 0);
    memset(&c, 0, sizeof c);
    assert_int_equal(sb_store_credit_each(t, "NOSUCHCODE", NULL, collect_credit, &c), 0);
    assert_int_equal(c.n, 0);

    /* fn's non-zero return stops the walk and is returned. */
    memset(&c, 0, sizeof c);
    c.stop_at = 2;
    assert_int_equal(sb_store_credit_each(t, "913301", NULL, collect_credit, &c), 7);
    assert_int_equal(c.n, 2);
    sb_store_abort(&t);
}

static int update_during_walk(const Skillbase__Record *rec, void *arg)
{
    sb_txn *t = arg;
    sb_tk_record_move(t, rec_id(rec), SKILLBASE__STATE__WITHDRAWN);
    return 0;
}

static void test_credit_each_survives_writes_from_the_callback(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 40; i++)
        sb_tk_record_create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED,
                            i % 2 ? "A" : "B", NULL);
    assert_int_equal(sb_store_credit_each(t, "A", NULL, update_during_walk, t), 0);
    uint64_t counts[3][SB_STORE_STATES];
    assert_int_equal(sb_store_counts(t, counts), 0);
    assert_int_equal(counts[SKILLBASE__KIND__APPLICATION][SKILLBASE__STATE__WITHDRAWN], 20);
    assert_int_equal(counts[SKILLBASE__KIND__APPLICATION][SKILLBASE__STATE__APPLIED], 20);
    assert_int_equal(sb_store_commit(&t), 0);
}

static void check_events_contiguous(sb_store *s, uint64_t last)
{
    sb_txn *t;
    Skillbase__Event **evs;
    size_t n;
    uint64_t next, seen = 0, from = 0;
    assert_int_equal(sb_store_begin(s, false, &t), 0);
    /* One page with everything. */
    assert_int_equal(sb_store_events_read(t, 0, 0, NULL, &evs, &n, &next), 0);
    assert_int_equal(n, last);
    assert_int_equal(next, 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(evs[i]->seq, i + 1);
    sb_store_events_free(evs, n, NULL);
    /* Pages of three, following next. */
    do {
        assert_int_equal(sb_store_events_read(t, from, 3, NULL, &evs, &n, &next), 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(evs[i]->seq, ++seen);
        sb_store_events_free(evs, n, NULL);
        assert_true(next == 0 || next == seen + 1);
        from = next;
    } while (next);
    assert_int_equal(seen, last);
    /* Past the end: nothing, and no next. */
    assert_int_equal(sb_store_events_read(t, last + 1, 0, NULL, &evs, &n, &next), 0);
    assert_int_equal(n, 0);
    assert_int_equal(next, 0);
    sb_store_abort(&t);
}

static void test_event_sequence_is_gap_free_across_aborts_and_reopen(void **state)
{
    fixture *f = *state;
    sb_txn *t, *c;
    uint64_t seq;
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 5; i++)
        sb_tk_event_append(t, "app-000001", "application.applied", NULL);
    assert_int_equal(sb_store_commit(&t), 0);

    /* An aborted top-level and an aborted child give their numbers back. */
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    sb_tk_event_append(t, "app-000001", "x", &seq);
    assert_int_equal(seq, 6);
    sb_store_abort(&t);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_sub_begin(t, &c), 0);
    sb_tk_event_append(c, "app-000002", "x", &seq);
    assert_int_equal(seq, 6);
    sb_store_abort(&c);
    sb_tk_event_append(t, "app-000002", "x", &seq);
    assert_int_equal(seq, 6);
    sb_tk_event_append(t, "app-000002", "x", &seq);
    assert_int_equal(sb_store_commit(&t), 0);
    check_events_contiguous(f->s, 7);

    sb_tk_store_reopen(f);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    sb_tk_event_append(t, "base-000001", "base.certified", &seq);
    assert_int_equal(seq, 8);
    assert_int_equal(sb_store_commit(&t), 0);
    check_events_contiguous(f->s, 8);
}

static void test_history_returns_only_the_entitys_events_in_order_with_paging(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    uint64_t mine[6];
    int nm = 0;
    f->s = sb_tk_store_open(f->path);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    /* "app-1" is a prefix of "app-10": its history must not include them. */
    for (int i = 0; i < 12; i++) {
        const char *id = i % 2 ? "app-1" : i % 3 ? "app-10" : "app-2";
        uint64_t seq;
        sb_tk_event_append(t, id, "t", &seq);
        if (i % 2)
            mine[nm++] = seq;
    }
    assert_int_equal(sb_store_commit(&t), 0);

    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    Skillbase__Event **evs;
    size_t n;
    uint64_t next;
    assert_int_equal(sb_store_history(t, "app-1", 0, 0, NULL, &evs, &n, &next), 0);
    assert_int_equal(n, (size_t)nm);
    assert_int_equal(next, 0);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(evs[i]->entity_id, "app-1");
        assert_int_equal(evs[i]->seq, mine[i]);
    }
    sb_store_events_free(evs, n, NULL);

    /* Pages of two via after_seq = last seq seen. */
    uint64_t after = 0;
    int got = 0;
    for (;;) {
        assert_int_equal(sb_store_history(t, "app-1", after, 2, NULL, &evs, &n, &next), 0);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(evs[i]->seq, mine[got++]);
        if (n)
            after = evs[n - 1]->seq;
        sb_store_events_free(evs, n, NULL);
        if (!next)
            break;
        assert_int_equal(next, mine[got]); /* next names the first not returned */
    }
    assert_int_equal(got, nm);

    /* after_seq in the middle: strictly later events only. */
    assert_int_equal(sb_store_history(t, "app-1", mine[2], 0, NULL, &evs, &n, &next), 0);
    assert_int_equal(n, (size_t)nm - 3);
    assert_int_equal(evs[0]->seq, mine[3]);
    sb_store_events_free(evs, n, NULL);
    assert_int_equal(sb_store_history(t, "app-3", 0, 0, NULL, &evs, &n, &next), 0);
    assert_int_equal(n, 0);
    assert_int_equal(sb_store_history(t, "app-1", UINT64_MAX, 0, NULL, &evs, &n, &next), 0);
    assert_int_equal(n, 0);
    sb_store_abort(&t);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, sb_tk_store_setup, sb_tk_store_teardown)
    const struct CMUnitTest tests[] = {
        T(test_reopen_keeps_records_events_counters_and_schema),
        T(test_list_by_state_and_counts_match_a_brute_force_filter),
        T(test_list_after_resumes_strictly_after_the_id),
        T(test_list_unpacks_into_an_arena),
        T(test_credit_each_finds_all_records_of_a_code_and_none_of_another),
        T(test_credit_each_survives_writes_from_the_callback),
        T(test_event_sequence_is_gap_free_across_aborts_and_reopen),
        T(test_history_returns_only_the_entitys_events_in_order_with_paging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
