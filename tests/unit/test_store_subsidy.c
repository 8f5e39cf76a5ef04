/* The service-record and statement databases on a real LMDB store:
 * composite keys keep one sub-base's year together and in date order, the
 * per-year counts, external ids, the base walk, statement paging by bytes,
 * and that an aborted transaction leaves nothing behind. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "store.h"
#include "store_subsidy.h"

typedef sb_tk_store_fixture fixture;

/* Add one record in its own committed transaction; returns the count. */
static uint64_t add(fixture *f, const char *base, const char *date, const char *ext, char *id)
{
    Skillbase__ServiceRecord r = SKILLBASE__SERVICE_RECORD__INIT;
    r.base_id = (char *)base;
    r.date = (char *)date;
    r.source = "portal";
    r.external_id = (char *)(ext ? ext : "");
    r.trainees = 1;
    r.hours_tenths = 10;
    sb_txn *t;
    uint64_t count = 0;
    char buf[SB_DELIVERY_ID_MAX];
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_delivery_add(t, &r, buf, &count), 0);
    assert_ptr_equal(r.id, buf);
    assert_int_equal(sb_store_commit(&t), 0);
    if (id)
        strcpy(id, buf);
    return count;
}

static void records_list_by_base_and_year_in_date_order(void **state)
{
    fixture *f = *state;
    char id[SB_DELIVERY_ID_MAX];
    assert_int_equal(add(f, "base-000002", "2026-05-01", NULL, id), 1);
    assert_string_equal(id, "svc-000001");
    assert_int_equal(add(f, "base-000001", "2026-03-01", NULL, NULL), 1);
    assert_int_equal(add(f, "base-000002", "2026-01-31", NULL, NULL), 2);
    assert_int_equal(add(f, "base-000002", "2025-12-31", NULL, NULL), 1);
    assert_int_equal(add(f, "base-000002", "2027-01-01", NULL, NULL), 1);
    /* a base whose id extends another's must not leak into its range */
    assert_int_equal(add(f, "base-0000021", "2026-02-01", NULL, NULL), 1);

    sb_txn *t;
    Skillbase__ServiceRecord **recs;
    size_t n;
    bool more;
    uint64_t count;
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    assert_int_equal(
        sb_store_deliveries_list(t, "base-000002", 2026, NULL, 0, NULL, &recs, &n, &more), 0);
    assert_int_equal(n, 2);
    assert_false(more);
    assert_string_equal(recs[0]->date, "2026-01-31");
    assert_string_equal(recs[1]->id, "svc-000001");
    sb_store_deliveries_free(recs, n, NULL);
    /* paging: one at a time, resuming after the last id */
    assert_int_equal(
        sb_store_deliveries_list(t, "base-000002", 2026, "", 1, NULL, &recs, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_true(more);
    char after[SB_DELIVERY_ID_MAX];
    strcpy(after, recs[0]->id);
    sb_store_deliveries_free(recs, n, NULL);
    assert_int_equal(
        sb_store_deliveries_list(t, "base-000002", 2026, after, 1, NULL, &recs, &n, &more), 0);
    assert_int_equal(n, 1);
    assert_false(more);
    assert_string_equal(recs[0]->id, "svc-000001");
    sb_store_deliveries_free(recs, n, NULL);
    /* a resume point of another base or year, or unknown, is refused */
    assert_int_equal(
        sb_store_deliveries_list(t, "base-000001", 2026, "svc-000001", 0, NULL, &recs, &n, &more),
        SB_E(SB_INVALID));
    assert_int_equal(
        sb_store_deliveries_list(t, "base-000002", 2026, "svc-999999", 0, NULL, &recs, &n, &more),
        SB_E(SB_INVALID));
    assert_int_equal(sb_store_delivery_count(t, "base-000002", 2026, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(sb_store_delivery_count(t, "base-000009", 2026, &count), 0);
    assert_int_equal(count, 0);
    Skillbase__ServiceRecord *r;
    assert_int_equal(sb_store_delivery_get(t, "svc-000004", NULL, &r), 0);
    assert_string_equal(r->date, "2025-12-31");
    skillbase__service_record__free_unpacked(r, NULL);
    assert_int_equal(sb_store_delivery_get(t, "svc-000404", NULL, &r), SB_E(SB_NOT_FOUND));
    sb_store_abort(&t);
}

static int collect(const char *base, uint64_t count, void *arg)
{
    char *out = arg;
    char line[64];
    snprintf(line, sizeof line, "%s=%llu;", base, (unsigned long long)count);
    strcat(out, line);
    return 0;
}

static void bases_of_a_year_with_their_counts(void **state)
{
    fixture *f = *state;
    add(f, "base-000002", "2026-05-01", NULL, NULL);
    add(f, "base-000001", "2026-03-01", NULL, NULL);
    add(f, "base-000001", "2026-04-01", NULL, NULL);
    add(f, "base-000003", "2025-04-01", NULL, NULL);
    char out[256] = "";
    sb_txn *t;
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    assert_int_equal(sb_store_delivery_bases_each(t, 2026, collect, out), 0);
    assert_string_equal(out, "base-000001=2;base-000002=1;");
    out[0] = 0;
    assert_int_equal(sb_store_delivery_bases_each(t, 2025, collect, out), 0);
    assert_string_equal(out, "base-000003=1;");
    out[0] = 0;
    assert_int_equal(sb_store_delivery_bases_each(t, 2024, collect, out), 0);
    assert_string_equal(out, "");
    sb_store_abort(&t);
}

static void external_ids_are_unique_per_source(void **state)
{
    fixture *f = *state;
    char id[SB_DELIVERY_ID_MAX];
    add(f, "base-000001", "2026-03-01", "T-1", id);
    sb_txn *t;
    Skillbase__ServiceRecord *r;
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_delivery_find_external(t, "portal", "T-1", NULL, &r), 0);
    assert_string_equal(r->id, id);
    skillbase__service_record__free_unpacked(r, NULL);
    assert_int_equal(sb_store_delivery_find_external(t, "other", "T-1", NULL, &r),
                     SB_E(SB_NOT_FOUND));
    Skillbase__ServiceRecord again = SKILLBASE__SERVICE_RECORD__INIT;
    again.base_id = "base-000001";
    again.date = "2026-03-02";
    again.source = "portal";
    again.external_id = "T-1";
    char buf[SB_DELIVERY_ID_MAX];
    uint64_t count;
    assert_int_equal(sb_store_delivery_add(t, &again, buf, &count), SB_E(SB_CONFLICT));
    sb_store_abort(&t);
}

static void an_aborted_add_leaves_nothing(void **state)
{
    fixture *f = *state;
    Skillbase__ServiceRecord r = SKILLBASE__SERVICE_RECORD__INIT;
    r.base_id = "base-000001";
    r.date = "2026-03-01";
    r.source = "portal";
    r.external_id = "T-9";
    char buf[SB_DELIVERY_ID_MAX];
    uint64_t count;
    sb_txn *t;
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    assert_int_equal(sb_store_delivery_add(t, &r, buf, &count), 0);
    sb_store_abort(&t);
    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    Skillbase__ServiceRecord *got;
    assert_int_equal(sb_store_delivery_get(t, "svc-000001", NULL, &got), SB_E(SB_NOT_FOUND));
    assert_int_equal(sb_store_delivery_find_external(t, "portal", "T-9", NULL, &got),
                     SB_E(SB_NOT_FOUND));
    assert_int_equal(sb_store_delivery_count(t, "base-000001", 2026, &count), 0);
    assert_int_equal(count, 0);
    sb_store_abort(&t);
    /* the id is given out again: no gap */
    char id[SB_DELIVERY_ID_MAX];
    add(f, "base-000001", "2026-03-01", "T-9", id);
    assert_string_equal(id, "svc-000001");
}

static void statements_replace_and_page_by_bytes(void **state)
{
    fixture *f = *state;
    sb_txn *t;
    const char *bases[] = {"base-000003", "base-000001", "base-000002"};
    assert_int_equal(sb_store_begin(f->s, true, &t), 0);
    for (size_t i = 0; i < 3; i++) {
        Skillbase__SubsidyStatement st = SKILLBASE__SUBSIDY_STATEMENT__INIT;
        st.base_id = (char *)bases[i];
        st.year = 2026;
        st.total_fen = 100 * (i + 1);
        st.base_name = "杭州市公共实训基地某某分基地";
        assert_int_equal(sb_store_statement_put(t, &st), 0);
    }
    Skillbase__SubsidyStatement other = SKILLBASE__SUBSIDY_STATEMENT__INIT;
    other.base_id = "base-000001";
    other.year = 2025;
    assert_int_equal(sb_store_statement_put(t, &other), 0);
    /* a newer statement replaces the old one */
    Skillbase__SubsidyStatement newer = SKILLBASE__SUBSIDY_STATEMENT__INIT;
    newer.base_id = "base-000001";
    newer.year = 2026;
    newer.total_fen = 999;
    newer.base_name = "杭州市公共实训基地某某分基地";
    assert_int_equal(sb_store_statement_put(t, &newer), 0);
    assert_int_equal(sb_store_commit(&t), 0);

    assert_int_equal(sb_store_begin(f->s, false, &t), 0);
    Skillbase__SubsidyStatement *st, **sts;
    size_t n;
    bool more;
    assert_int_equal(sb_store_statement_get(t, "base-000001", 2026, NULL, &st), 0);
    assert_int_equal(st->total_fen, 999);
    skillbase__subsidy_statement__free_unpacked(st, NULL);
    assert_int_equal(sb_store_statement_get(t, "base-000004", 2026, NULL, &st), SB_E(SB_NOT_FOUND));
    assert_int_equal(sb_store_statements_list(t, 2026, NULL, 1 << 20, NULL, &sts, &n, &more), 0);
    assert_int_equal(n, 3);
    assert_false(more);
    assert_string_equal(sts[0]->base_id, "base-000001");
    assert_string_equal(sts[2]->base_id, "base-000003");
    sb_store_statements_free(sts, n, NULL);
    /* a budget of one byte still returns one statement per page */
    char after[32] = "";
    const char *order[] = {"base-000001", "base-000002", "base-000003"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(sb_store_statements_list(t, 2026, after, 1, NULL, &sts, &n, &more), 0);
        assert_int_equal(n, 1);
        assert_string_equal(sts[0]->base_id, order[i]);
        assert_int_equal(more, i < 2);
        strcpy(after, sts[0]->base_id);
        sb_store_statements_free(sts, n, NULL);
    }
    assert_int_equal(sb_store_statements_list(t, 2025, NULL, 1 << 20, NULL, &sts, &n, &more), 0);
    assert_int_equal(n, 1);
    sb_store_statements_free(sts, n, NULL);
    assert_int_equal(sb_store_statements_list(t, 2024, NULL, 1 << 20, NULL, &sts, &n, &more), 0);
    assert_int_equal(n, 0);
    sb_store_statements_free(sts, n, NULL);
    sb_store_abort(&t);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, sb_tk_store_setup_open, sb_tk_store_teardown)
    const struct CMUnitTest tests[] = {
        T(records_list_by_base_and_year_in_date_order), T(bases_of_a_year_with_their_counts),
        T(external_ids_are_unique_per_source),          T(an_aborted_add_leaves_nothing),
        T(statements_replace_and_page_by_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
