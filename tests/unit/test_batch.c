/* Group commit (batch.h), without sockets: the requests of a batch applied
 * in one transaction of a real store, committed once, each answered — the
 * batch's boundaries (requests that arrive while it is applied join it, up
 * to the caller's limit), a refused request in the middle, a commit that
 * fails (a commit function that fails, passed in), and, through the real
 * command server over inproc://, the queue limit answered busy. */
#include "sb_testkit.h"

#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#include "batch.h"
#include "sb_drive.h"
#include "sb_example.h"
#include "sb_error.h"
#include "server.h"

#define MAX_ITEMS 16

typedef struct {
    sb_tk_daemon *d;
    sb_server_stats stats;
    sb_batch b;
    sb_batch_item items[MAX_ITEMS];
    uint8_t *frames[MAX_ITEMS];
    size_t lens[MAX_ITEMS];
    sb_caller caller;
    size_t arrived;      /* requests that have arrived (frames[0 .. arrived-1]) */
    size_t taken;        /* of which this many are in a batch */
    size_t first;        /* the first of the batch being run */
    size_t limit;        /* most requests in one batch */
    int commit_failures; /* the next commits that fail (-1: all) */
    int commits;
} fixture;

static sb_batch_item *item(void *arg, size_t i)
{
    fixture *f = arg;
    assert_true(f->first + i < f->taken);
    return &f->items[f->first + i];
}

/* Those that arrived meanwhile, up to the limit. */
static size_t more(void *arg)
{
    fixture *f = arg;
    size_t n = 0;
    while (f->taken < f->arrived && f->taken < f->limit) {
        f->items[f->taken].body = f->frames[f->taken];
        f->items[f->taken].len = f->lens[f->taken];
        f->items[f->taken].caller = &f->caller;
        f->taken++;
        n++;
    }
    return n;
}

static int failing_commit(sb_txn **txn, uint64_t *ret_ticket, void *arg)
{
    fixture *f = arg;
    f->commits++;
    if (f->commit_failures) {
        if (f->commit_failures > 0)
            f->commit_failures--;
        sb_store_abort(txn);
        return SB_E(SB_INTERNAL);
    }
    return ret_ticket ? sb_store_commit_async(txn, ret_ticket) : sb_store_commit(txn);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->d = sb_tk_daemon_new(NULL, SB_TK_NOW_MS);
    f->caller = (sb_caller){.role = SB_ROLE_ANY};
    f->limit = MAX_ITEMS;
    f->b = (sb_batch){.store = f->d->store,
                      .dispatch = &f->d->ctx,
                      .arena = &f->d->arena,
                      .item = item,
                      .more = more,
                      .commit = failing_commit,
                      .arg = f,
                      .stats = &f->stats};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < MAX_ITEMS; i++) {
        sb_batch_item_clear(&f->items[i]);
        free(f->frames[i]);
    }
    sb_tk_daemon_free(&f->d);
    free(f);
    return 0;
}

static void arrive(fixture *f, Skillbase__Request *req)
{
    size_t len;
    sb_drive_pack(req, NULL, 0, &len);
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    assert_int_equal(0, sb_drive_pack(req, buf, len, &len));
    f->frames[f->arrived] = buf;
    f->lens[f->arrived++] = len;
}

/* An apply of the n-th unit (valid unless bad). */
static void arrive_apply(fixture *f, uint64_t n, bool bad)
{
    sb_example_request m;
    char cc[SB_DRIVE_CCODE_LEN + 1];
    sb_drive_ccode_make("91330100", n, cc);
    if (bad)
        cc[SB_DRIVE_CCODE_LEN - 1] = cc[SB_DRIVE_CCODE_LEN - 1] == 'X' ? 'Y' : 'X';
    arrive(f, sb_example_apply(&m, cc));
}

static void arrive_status(fixture *f)
{
    sb_example_request m;
    arrive(f, sb_example_status(&m));
}

/* Run the next batch: what has arrived, up to the limit. */
static bool run(fixture *f, size_t *n)
{
    size_t first = f->first = f->taken;
    *n = 0;
    uint64_t ticket;
    bool ok = sb_batch_run(&f->b, n, &ticket);
    assert_int_equal(0, sb_store_wait(f->d->store, ticket));
    assert_int_equal(first + *n, f->taken);
    return ok;
}

static Skillbase__Reply *reply(fixture *f, size_t i)
{
    Skillbase__Reply *r = skillbase__reply__unpack(NULL, f->items[i].reply_len, f->items[i].reply);
    assert_non_null(r);
    assert_int_equal((int)r->code, f->items[i].code);
    return r;
}

static void a_batch_takes_what_arrives_while_it_is_applied_up_to_its_limit(void **state)
{
    fixture *f = *state;
    f->limit = 3;
    for (uint64_t i = 0; i < 5; i++)
        arrive_apply(f, i, false);
    size_t n;
    assert_true(run(f, &n));
    assert_int_equal(3, n); /* the limit: the other two wait */
    assert_int_equal(1, f->commits);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(SB_OK, f->items[i].code);
    assert_true(sb_tk_record_exists(f->d->store, "app-000003"));
    assert_false(sb_tk_record_exists(f->d->store, "app-000004"));
    /* the next batch: the two left, in one more commit */
    f->limit = MAX_ITEMS;
    assert_true(run(f, &n));
    assert_int_equal(2, n);
    assert_int_equal(2, f->commits);
    assert_int_equal(SB_OK, f->items[3].code);
    assert_int_equal(SB_OK, f->items[4].code);
    assert_true(sb_tk_record_exists(f->d->store, "app-000005"));
    assert_int_equal(0, f->stats.commits_failed);
    assert_int_equal(0, f->stats.redone);
}

static void a_refused_request_inside_a_batch_undoes_nothing_else(void **state)
{
    fixture *f = *state;
    arrive_apply(f, 1, false);
    arrive_apply(f, 2, true); /* a wrong check character */
    arrive_apply(f, 3, false);
    size_t n;
    assert_true(run(f, &n));
    assert_int_equal(3, n);
    assert_int_equal(1, f->commits);
    Skillbase__Reply *r = reply(f, 1);
    assert_int_equal(SB_INVALID, r->code);
    skillbase__reply__free_unpacked(r, NULL);
    r = reply(f, 0);
    sb_tk_assert_ok(r);
    assert_string_equal("app-000001", r->record->application->id);
    skillbase__reply__free_unpacked(r, NULL);
    r = reply(f, 2);
    sb_tk_assert_ok(r);
    assert_string_equal("app-000002", r->record->application->id);
    skillbase__reply__free_unpacked(r, NULL);
    assert_true(sb_tk_record_exists(f->d->store, "app-000001"));
    assert_true(sb_tk_record_exists(f->d->store, "app-000002"));
    assert_false(sb_tk_record_exists(f->d->store, "app-000003"));
}

/* The commit fails once: the batch is applied again with its writes
 * refused, so the read is answered and the write says nothing changed. */
static void a_failed_commit_refuses_the_writes_and_answers_the_reads(void **state)
{
    fixture *f = *state;
    f->commit_failures = 1;
    arrive_apply(f, 1, false);
    arrive_status(f);
    size_t n;
    assert_false(run(f, &n));
    assert_int_equal(2, n);
    assert_int_equal(2, f->commits);
    assert_int_equal(1, f->stats.commits_failed);
    Skillbase__Reply *r = reply(f, 0);
    assert_int_equal(SB_INTERNAL, r->code);
    assert_non_null(strstr(r->message, "nothing was changed"));
    skillbase__reply__free_unpacked(r, NULL);
    sb_tk_assert_ok_free(reply(f, 1));
    assert_false(sb_tk_record_exists(f->d->store, "app-000001"));
    /* the store takes writes again: the same request, the next batch */
    arrive_apply(f, 1, false);
    assert_true(run(f, &n));
    assert_int_equal(SB_OK, f->items[2].code);
    assert_true(sb_tk_record_exists(f->d->store, "app-000001"));
}

/* Every commit fails: every request is answered with the error. */
static void a_commit_that_keeps_failing_answers_every_request_with_the_error(void **state)
{
    fixture *f = *state;
    f->commit_failures = -1;
    arrive_apply(f, 1, false);
    arrive_status(f);
    arrive_apply(f, 2, false);
    size_t n;
    assert_false(run(f, &n));
    assert_int_equal(3, n);
    for (size_t i = 0; i < 3; i++) {
        Skillbase__Reply *r = reply(f, i);
        assert_int_equal(SB_INTERNAL, r->code);
        assert_non_null(strstr(r->message, "nothing was changed"));
        skillbase__reply__free_unpacked(r, NULL);
    }
    assert_false(sb_tk_record_exists(f->d->store, "app-000001"));
}

/* ------------------------------------------------------------ the queue limit */

typedef struct {
    uv_loop_t loop;
    uv_timer_t guard;
    bool timed_out;
} loop_fixture;

static void on_guard(uv_timer_t *t)
{
    ((loop_fixture *)t->data)->timed_out = true;
}

/* The server holds at most max_queue requests: of ten that arrive at once,
 * the first four are queued, the next four answered busy at once with a
 * time to retry, nothing done with them; the last two are taken or
 * refused by the same rule when the server reads them (after one batch,
 * or two when its first reply went out meanwhile). Each gets one answer. */
static void beyond_the_queue_limit_requests_are_answered_busy(void **state)
{
    fixture *f = *state;
    sb_tk_daemon *d = f->d;
    d->config.max_queue = 4;
    d->config.batch_max = 2;
    d->config.conn_queue = 16;
    snprintf(d->config.command_endpoint, sizeof d->config.command_endpoint,
             "inproc://test-batch-queue");
    void *zctx = zmq_ctx_new();
    loop_fixture lf = {0};
    assert_int_equal(0, uv_loop_init(&lf.loop));
    sb_server *srv = NULL;
    assert_int_equal(0, sb_server_start(&lf.loop, zctx, &d->config, d->store, SB_TK_NOW_MS, &srv));
    void *dealer = zmq_socket(zctx, ZMQ_DEALER);
    int zero = 0;
    zmq_setsockopt(dealer, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(0, zmq_connect(dealer, d->config.command_endpoint));
    /* ten applies of ten units, all there before the server looks */
    for (uint64_t i = 0; i < 10; i++) {
        arrive_apply(f, i, false);
        assert_int_equal((int)f->lens[i], zmq_send(dealer, f->frames[i], f->lens[i], 0));
    }
    uv_timer_init(&lf.loop, &lf.guard);
    lf.guard.data = &lf;
    uv_timer_start(&lf.guard, on_guard, 10000, 0);
    int busy = 0, ok = 0;
    while (busy + ok < 10 && !lf.timed_out) {
        uv_run(&lf.loop, UV_RUN_NOWAIT);
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, dealer, ZMQ_DONTWAIT) >= 0) {
            Skillbase__Reply *r =
                skillbase__reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
            assert_non_null(r);
            if (r->code == SB_BUSY) {
                busy++;
                assert_true(r->retry_after_ms > 0);
                assert_non_null(strstr(r->message, "max_queue 4"));
            } else {
                sb_tk_assert_ok(r);
                ok++;
            }
            skillbase__reply__free_unpacked(r, NULL);
        }
        zmq_msg_close(&m);
    }
    assert_false(lf.timed_out);
    assert_int_equal(10, ok + busy);
    assert_true(ok >= 4 && ok <= 6);
    sb_server_stats st;
    sb_server_stats_get(srv, &st);
    assert_int_equal(busy, st.shed);
    assert_int_equal(4, st.queue_max);
    assert_int_equal(ok, st.requests);
    assert_true(st.largest_batch <= 2);
    char id[16];
    snprintf(id, sizeof id, "app-%06d", ok);
    assert_true(sb_tk_record_exists(d->store, id));
    snprintf(id, sizeof id, "app-%06d", ok + 1);
    assert_false(sb_tk_record_exists(d->store, id));
    sb_server_stop(&srv);
    uv_close((uv_handle_t *)&lf.guard, NULL);
    uv_run(&lf.loop, UV_RUN_DEFAULT);
    assert_int_equal(0, uv_loop_close(&lf.loop));
    zmq_close(dealer);
    zmq_ctx_term(zctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            a_batch_takes_what_arrives_while_it_is_applied_up_to_its_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(a_refused_request_inside_a_batch_undoes_nothing_else, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_failed_commit_refuses_the_writes_and_answers_the_reads,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_commit_that_keeps_failing_answers_every_request_with_the_error, setup, teardown),
        cmocka_unit_test_setup_teardown(beyond_the_queue_limit_requests_are_answered_busy, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
