/* Unit tests of sb_store: durability across reopen, index consistency,
 * nested transactions, the map-full/grow cycle, schema guard and backup.
 * Each test gets its own store in a fresh mkdtemp directory under /tmp,
 * removed by the teardown. */
/* nftw() for removing the temporary directories. */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_arena.h"
#include "sb_error.h"
#include "store.h"

typedef struct {
    char dir[64];  /* the temporary directory */
    char path[96]; /* the store inside it */
    sb_store *s;
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/sb-test-store-XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    /* A subdirectory, so open's own mkdir is exercised. */
    snprintf(f->path, sizeof f->path, "%s/store", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_store_close(&f->s);
    int r = nftw(f->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f);
    return r;
}

static sb_store *open_at(const char *dir, size_t map_size, size_t map_max)
{
    sb_store_options o = {.dir = dir, .map_size = map_size, .map_max = map_max};
    sb_store *s = NULL;
    assert_int_equal(sb_store_open(&o, &s), 0);
    assert_non_null(s);
    return s;
}

static void reopen(fixture *f)
{
    sb_store_close(&f->s);
    assert_null(f->s);
    f->s = open_at(f->path, 0, 0);
}

/* ------------------------------------------------------------ records */

/* A record and everything it points at, in one block the test owns. */
typedef struct {
    Skillbase__Record rec;
    Skillbase__Application app;
    Skillbase__ApplicationForm form;
    Skillbase__Unit unit;
    Skillbase__Base base;
    char id[256];
    char credit[64];
    char name[2048];
} rec_buf;

static Skillbase__Record *make_rec(rec_buf *b, Skillbase__Kind kind, const char *id,
                                   Skillbase__State st, const char *credit)
{
    memset(b, 0, sizeof *b);
    skillbase__record__init(&b->rec);
    snprintf(b->id, sizeof b->id, "%s", id);
    snprintf(b->credit, sizeof b->credit, "%s", credit ? credit : "");
    if (kind == SKILLBASE__KIND__APPLICATION) {
        skillbase__application__init(&b->app);
        skillbase__application_form__init(&b->form);
        skillbase__unit__init(&b->unit);
        b->unit.credit_code = b->credit;
        b->unit.name = b->name;
        b->form.unit = &b->unit;
        b->app.form = &b->form;
        b->app.id = b->id;
        b->app.state = st;
        b->app.version = 1;
        b->rec.record_case = SKILLBASE__RECORD__RECORD_APPLICATION;
        b->rec.application = &b->app;
    } else {
        skillbase__base__init(&b->base);
        b->base.id = b->id;
        b->base.state = st;
        b->base.credit_code = b->credit;
        b->base.unit_name = b->name;
        b->base.version = 1;
        b->rec.record_case = SKILLBASE__RECORD__RECORD_SUB_BASE;
        b->rec.sub_base = &b->base;
    }
    return &b->rec;
}

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

/* Create a record of `kind` with a fresh id, in its own child of t. */
static void create(sb_txn *t, Skillbase__Kind kind, Skillbase__State st, const char *credit,
                   char out_id[32])
{
    rec_buf b;
    char id[32];
    assert_int_equal(sb_store_next_id(t, kind, id, sizeof id), 0);
    assert_int_equal(sb_store_record_put(t, make_rec(&b, kind, id, st, credit), NULL), 0);
    if (out_id)
        memcpy(out_id, id, 32);
}

/* Move record `id` to state `st`, passing the stored record as old. */
static void move(sb_txn *t, const char *id, Skillbase__State st)
{
    Skillbase__Record *old = NULL;
    rec_buf b;
    assert_int_equal(sb_store_record_get(t, id, NULL, &old), 0);
    Skillbase__Kind kind = old->record_case == SKILLBASE__RECORD__RECORD_APPLICATION
                               ? SKILLBASE__KIND__APPLICATION
                               : SKILLBASE__KIND__BASE;
    const char *credit = kind == SKILLBASE__KIND__APPLICATION
                             ? old->application->form->unit->credit_code
                             : old->sub_base->credit_code;
    assert_int_equal(sb_store_record_put(t, make_rec(&b, kind, id, st, credit), old), 0);
    skillbase__record__free_unpacked(old, NULL);
}

static void append_event(sb_txn *t, const char *id, const char *topic, uint64_t *ret_seq)
{
    Skillbase__Event ev = SKILLBASE__EVENT__INIT;
    ev.entity_id = (char *)id;
    ev.topic = (char *)topic;
    ev.time_ms = 1700000000000ULL;
    assert_int_equal(sb_store_event_append(t, &ev), 0);
    assert_true(ev.seq > 0);
    if (ret_seq)
        *ret_seq = ev.seq;
}

static bool exists(sb_store *s, const char *id)
{
    sb_txn *t;
    Skillbase__Record *r = NULL;
    assert_int_equal(sb_store_begin(s, false, &t), 0);
    int rc = sb_store_record_get(t, id, NULL, &r);
    sb_store_abort(&t);
    assert_true(rc == 0 || rc == SB_E(SB_NOT_FOUND));
    if (r)
        skillbase__record__free_unpacked(r, NULL);
    return rc == 0;
}

/* ------------------------------------------------------------ tests */

static void test_reopen_keeps_records_events_counters_and_schema(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    char a1[32], b1[32], id[32];
    uint64_t serial;
    f->s = open_at(f->path, 0, 0);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "91330100MA00000001", a1);
    create(t, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED, "91330100MA00000001", b1);
    assert_string_equal(a1, "app-000001");
    assert_string_equal(b1, "base-000001");
    append_event(t, a1, "application.applied", NULL);
    append_event(t, b1, "base.certified", NULL);
    assert_int_equal(sb_store_next_serial(t, "cert/2026", &serial), 0);
    assert_int_equal(serial, 1);
    assert_int_equal(sb_store_commit(&t), 0);
    assert_null(t);

    reopen(f);

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
    assert_string_equal(r->application->form->unit->credit_code, "91330100MA00000001");
    skillbase__record__free_unpacked(r, NULL);
    assert_int_equal(sb_store_record_get(t, b1, NULL, &r), 0);
    assert_int_equal(r->record_case, SKILLBASE__RECORD__RECORD_SUB_BASE);
    skillbase__record__free_unpacked(r, NULL);
    assert_int_equal(sb_store_record_get(t, "app-000009", NULL, &r), SB_E(SB_NOT_FOUND));

    uint64_t seq, counts[3][9];
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

    uint64_t counts[3][9], want[3][9] = {{0}};
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
    f->s = open_at(f->path, 0, 0);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < N; i++) {
        m[i].kind = i < N_APP ? SKILLBASE__KIND__APPLICATION : SKILLBASE__KIND__BASE;
        m[i].state = i < N_APP ? SKILLBASE__STATE__APPLIED : SKILLBASE__STATE__CERTIFIED;
        create(t, m[i].kind, m[i].state, "X", m[i].id);
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
            move(t, next[i].id, st);
            next[i].state = st;
        }
        if (round == 2) {
            sb_store_abort(&t); /* the model keeps the old states */
        } else {
            assert_int_equal(sb_store_commit(&t), 0);
            memcpy(m, next, sizeof m);
        }
        if (round == 3)
            reopen(f);
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
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 3; i++)
        create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "", NULL);
    for (int i = 0; i < 2; i++)
        create(t, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED, "", NULL);
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
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 5; i++)
        create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "C", NULL);
    append_event(t, "app-000001", "application.applied", NULL);
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
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "913301", a1);
    /* A code that extends the first must not match it. */
    create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "9133011", NULL);
    create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "913301", a2);
    create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "", NULL);
    create(t, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED, "913301", b1);
    assert_int_equal(sb_store_commit(&t), 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    /* Updates and later terminal states keep the record findable, once. */
    move(t, a1, SKILLBASE__STATE__REJECTED);
    move(t, a2, SKILLBASE__STATE__UNDER_REVIEW);
    create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "913301", a3);
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
    move(t, rec_id(rec), SKILLBASE__STATE__WITHDRAWN);
    return 0;
}

static void test_credit_each_survives_writes_from_the_callback(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 40; i++)
        create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, i % 2 ? "A" : "B", NULL);
    assert_int_equal(sb_store_credit_each(t, "A", NULL, update_during_walk, t), 0);
    uint64_t counts[3][9];
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
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 5; i++)
        append_event(t, "app-000001", "application.applied", NULL);
    assert_int_equal(sb_store_commit(&t), 0);

    /* An aborted top-level and an aborted child give their numbers back. */
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    append_event(t, "app-000001", "x", &seq);
    assert_int_equal(seq, 6);
    sb_store_abort(&t);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_sub_begin(t, &c), 0);
    append_event(c, "app-000002", "x", &seq);
    assert_int_equal(seq, 6);
    sb_store_abort(&c);
    append_event(t, "app-000002", "x", &seq);
    assert_int_equal(seq, 6);
    append_event(t, "app-000002", "x", &seq);
    assert_int_equal(sb_store_commit(&t), 0);
    check_events_contiguous(f->s, 7);

    reopen(f);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    append_event(t, "base-000001", "base.certified", &seq);
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
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    /* "app-1" is a prefix of "app-10": its history must not include them. */
    for (int i = 0; i < 12; i++) {
        const char *id = i % 2 ? "app-1" : i % 3 ? "app-10" : "app-2";
        uint64_t seq;
        append_event(t, id, "t", &seq);
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

static void test_nested_abort_discards_only_the_child_while_its_sibling_commits(void **state)
{
    fixture *f = *state;
    sb_txn *t, *c;
    char a1[32], a2[32], a3[32];
    rec_buf b;
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "K", a1);

    assert_int_equal(sb_store_sub_begin(t, &c), 0);
    create(c, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "K", a2);
    move(c, a1, SKILLBASE__STATE__UNDER_REVIEW);
    append_event(c, a2, "application.applied", NULL);
    sb_store_abort(&c);
    assert_null(c);

    assert_int_equal(sb_store_sub_begin(t, &c), 0);
    create(c, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "K", a3);
    append_event(c, a3, "application.applied", NULL);
    /* A failing request in a child: the child is aborted, the batch lives. */
    sb_txn *gc;
    assert_int_equal(sb_store_sub_begin(c, &gc), 0);
    assert_int_equal(sb_store_record_put(gc,
                                         make_rec(&b, SKILLBASE__KIND__APPLICATION, a3,
                                                  SKILLBASE__STATE__APPLIED, "K"),
                                         NULL),
                     SB_E(SB_CONFLICT));
    sb_store_abort(&gc);
    assert_int_equal(sb_store_commit(&c), 0);
    assert_null(c);
    assert_int_equal(sb_store_commit(&t), 0);

    /* The aborted child's id was given back: the sibling reused it. */
    assert_string_equal(a2, a3);
    assert_true(exists(f->s, a1));
    assert_true(exists(f->s, a3));
    assert_false(exists(f->s, "app-000003"));

    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    Skillbase__Record *r;
    assert_int_equal(sb_store_record_get(t, a1, NULL, &r), 0);
    assert_int_equal(r->application->state, SKILLBASE__STATE__APPLIED);
    skillbase__record__free_unpacked(r, NULL);
    uint64_t counts[3][9], seq;
    assert_int_equal(sb_store_counts(t, counts), 0);
    assert_int_equal(counts[SKILLBASE__KIND__APPLICATION][SKILLBASE__STATE__APPLIED], 2);
    assert_int_equal(counts[SKILLBASE__KIND__APPLICATION][SKILLBASE__STATE__UNDER_REVIEW], 0);
    assert_int_equal(sb_store_last_seq(t, &seq), 0);
    assert_int_equal(seq, 1);
    credit_seen cs = {0};
    assert_int_equal(sb_store_credit_each(t, "K", NULL, collect_credit, &cs), 0);
    assert_int_equal(cs.n, 2);
    sb_store_abort(&t);
}

static void test_top_level_abort_discards_everything(void **state)
{
    fixture *f = *state;
    sb_txn *t, *c;
    uint64_t serial;
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    create(t, SKILLBASE__KIND__APPLICATION, SKILLBASE__STATE__APPLIED, "K", NULL);
    assert_int_equal(sb_store_sub_begin(t, &c), 0);
    create(c, SKILLBASE__KIND__BASE, SKILLBASE__STATE__CERTIFIED, "K", NULL);
    append_event(c, "base-000001", "base.certified", NULL);
    assert_int_equal(sb_store_next_serial(c, "cert/2026", &serial), 0);
    assert_int_equal(sb_store_idem_put(c, "key-1", 1, (const uint8_t *)"r", 1), 0);
    assert_int_equal(sb_store_commit(&c), 0);
    sb_store_abort(&t);
    assert_null(t);

    assert_false(exists(f->s, "app-000001"));
    assert_false(exists(f->s, "base-000001"));
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    uint64_t counts[3][9], zero[3][9] = {{0}}, seq, h;
    assert_int_equal(sb_store_counts(t, counts), 0);
    assert_memory_equal(counts, zero, sizeof zero);
    assert_int_equal(sb_store_last_seq(t, &seq), 0);
    assert_int_equal(seq, 0);
    uint8_t *reply;
    size_t len;
    assert_int_equal(sb_store_idem_get(t, "key-1", &h, &reply, &len), SB_E(SB_NOT_FOUND));
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
    uint64_t hash;
    uint8_t *bytes;
    size_t len;
    f->s = open_at(f->path, 0, 0);

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
    assert_int_equal(sb_store_idem_put(t, "key-1", 0xfedcba9876543210ULL, packed, plen), 0);
    assert_int_equal(sb_store_idem_put(t, "key-empty", 5, NULL, 0), 0);
    assert_int_equal(sb_store_commit(&t), 0);
    reopen(f);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_idem_get(t, "key-1", &hash, &bytes, &len), 0);
    assert_int_equal(hash, 0xfedcba9876543210ULL);
    assert_int_equal(len, plen);
    assert_memory_equal(bytes, packed, plen);
    Skillbase__Reply *back = skillbase__reply__unpack(NULL, len, bytes);
    assert_non_null(back);
    assert_string_equal(back->request_id, "req-42");
    assert_int_equal(back->seq, 17);
    skillbase__reply__free_unpacked(back, NULL);
    free(bytes);

    assert_int_equal(sb_store_idem_get(t, "key-empty", &hash, &bytes, &len), 0);
    assert_int_equal(hash, 5);
    assert_int_equal(len, 0);
    free(bytes);
    assert_int_equal(sb_store_idem_get(t, "key-2", &hash, &bytes, &len), SB_E(SB_NOT_FOUND));

    /* A put overwrites. */
    assert_int_equal(sb_store_idem_put(t, "key-1", 9, (const uint8_t *)"xy", 2), 0);
    assert_int_equal(sb_store_idem_get(t, "key-1", &hash, &bytes, &len), 0);
    assert_int_equal(hash, 9);
    assert_int_equal(len, 2);
    assert_memory_equal(bytes, "xy", 2);
    free(bytes);
    sb_store_abort(&t);
    free(packed);
}

static void test_store_with_a_newer_schema_version_refuses_to_open(void **state)
{
    fixture *f = *state;
    f->s = open_at(f->path, 0, 0);
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
    rec_buf *b = malloc(sizeof *b);
    char id[32];
    int first = 0;
    assert_non_null(b);
    assert_int_equal(sb_store_begin(s, true, &t), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(sb_store_sub_begin(t, &c), 0);
        int r = sb_store_next_id(c, SKILLBASE__KIND__APPLICATION, id, sizeof id);
        if (r == 0) {
            make_rec(b, SKILLBASE__KIND__APPLICATION, id, SKILLBASE__STATE__APPLIED, "F");
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
    assert_false(exists(f->s, "app-000001")); /* the whole batch vanished */
    assert_int_equal(write_batch(f->s, 300, true), SB_E(SB_STORE_FULL));
    assert_false(exists(f->s, "app-000001"));
    int grows = 0;
    int r;
    while ((r = write_batch(f->s, 300, true)) == SB_E(SB_STORE_FULL)) {
        assert_int_equal(sb_store_grow(f->s), 0);
        assert_true(++grows < 12);
    }
    assert_int_equal(r, 0);
    assert_true(grows >= 1);
    assert_true(exists(f->s, "app-000001"));
    assert_true(exists(f->s, "app-000300"));
    assert_false(exists(f->s, "app-000301"));
    assert_int_equal(sb_store_info_get(f->s, &info), 0);
    assert_int_equal(info.map_bytes, (uint64_t)(64 << 10) << grows);

    /* A grown map stays grown after reopen with the small configured size. */
    sb_store_close(&f->s);
    f->s = open_at(f->path, 64 << 10, 64 << 20);
    sb_store_info again;
    assert_int_equal(sb_store_info_get(f->s, &again), 0);
    assert_true(again.map_bytes >= info.used_bytes);
    assert_true(exists(f->s, "app-000300"));
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
    f->s = open_at(f->path, 0, 0);
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (int i = 0; i < 20; i++) {
        char id[32];
        create(t, i % 4 ? SKILLBASE__KIND__APPLICATION : SKILLBASE__KIND__BASE,
               SKILLBASE__STATE__CERTIFIED, "B", id);
        append_event(t, id, "t", NULL);
    }
    assert_int_equal(sb_store_idem_put(t, "k", 3, (const uint8_t *)"abc", 3), 0);
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
    uint64_t ca[3][9], cb[3][9], sa, sbq;
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
    uint64_t h;
    uint8_t *reply;
    size_t len;
    assert_int_equal(sb_store_idem_get(b, "k", &h, &reply, &len), 0);
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
    rec_buf b;
    Skillbase__Record *rec;
    char long_id[256];
    f->s = open_at(f->path, 0, 0);
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = 0;
    memcpy(long_id, "app-", 4);

    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_record_get(t, NULL, NULL, &rec), SB_E(SB_INVALID));
    assert_int_equal(sb_store_record_get(t, "", NULL, &rec), SB_E(SB_INVALID));
    assert_int_equal(sb_store_record_get(t, long_id, NULL, &rec), SB_E(SB_INVALID));
    assert_int_equal(sb_store_record_put(t,
                                         make_rec(&b, SKILLBASE__KIND__APPLICATION, long_id,
                                                  SKILLBASE__STATE__APPLIED, ""),
                                         NULL),
                     SB_E(SB_INVALID));
    assert_int_equal(
        sb_store_record_put(
            t, make_rec(&b, SKILLBASE__KIND__APPLICATION, "", SKILLBASE__STATE__APPLIED, ""), NULL),
        SB_E(SB_INVALID));
    /* An id must name its kind, and a state must be set. */
    assert_int_equal(sb_store_record_put(t,
                                         make_rec(&b, SKILLBASE__KIND__BASE, "app-000001",
                                                  SKILLBASE__STATE__CERTIFIED, ""),
                                         NULL),
                     SB_E(SB_INVALID));
    assert_int_equal(sb_store_record_put(t,
                                         make_rec(&b, SKILLBASE__KIND__APPLICATION, "app-1",
                                                  SKILLBASE__STATE__STATE_UNSPECIFIED, ""),
                                         NULL),
                     SB_E(SB_INVALID));
    Skillbase__Record empty = SKILLBASE__RECORD__INIT;
    assert_int_equal(sb_store_record_put(t, &empty, NULL), SB_E(SB_INVALID));
    /* Updating a record that is not there. */
    rec_buf ob;
    assert_int_equal(
        sb_store_record_put(
            t,
            make_rec(&b, SKILLBASE__KIND__APPLICATION, "app-9", SKILLBASE__STATE__UNDER_REVIEW, ""),
            make_rec(&ob, SKILLBASE__KIND__APPLICATION, "app-9", SKILLBASE__STATE__APPLIED, "")),
        SB_E(SB_NOT_FOUND));
    char id[8];
    assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__APPLICATION, id, sizeof id),
                     SB_E(SB_INVALID));
    char id32[32];
    assert_int_equal(sb_store_next_id(t, SKILLBASE__KIND__KIND_UNSPECIFIED, id32, sizeof id32),
                     SB_E(SB_INVALID));
    Skillbase__Event ev = SKILLBASE__EVENT__INIT;
    assert_int_equal(sb_store_event_append(t, &ev), SB_E(SB_INVALID));
    uint64_t h;
    uint8_t *reply;
    size_t len;
    assert_int_equal(sb_store_idem_get(t, "", &h, &reply, &len), SB_E(SB_INVALID));
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
                                         make_rec(&b, SKILLBASE__KIND__APPLICATION, "app-1",
                                                  SKILLBASE__STATE__APPLIED, ""),
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
    /* Some tests provoke errors on purpose: their log lines are expected. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reopen_keeps_records_events_counters_and_schema, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_by_state_and_counts_match_a_brute_force_filter,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_after_resumes_strictly_after_the_id, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_list_unpacks_into_an_arena, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_credit_each_finds_all_records_of_a_code_and_none_of_another, setup, teardown),
        cmocka_unit_test_setup_teardown(test_credit_each_survives_writes_from_the_callback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_event_sequence_is_gap_free_across_aborts_and_reopen,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_history_returns_only_the_entitys_events_in_order_with_paging, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_nested_abort_discards_only_the_child_while_its_sibling_commits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_top_level_abort_discards_everything, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idem_put_get_roundtrips_a_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_store_with_a_newer_schema_version_refuses_to_open,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_full_then_grow_lets_the_retry_succeed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_grow_at_map_max_returns_store_full, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backup_opens_with_the_same_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_ids_and_misuse_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
