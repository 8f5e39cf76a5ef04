/* sb_zreader and sb_zmsg (sb_zreader.h, sb_zmsg.h): a ZeroMQ socket read
 * inside a libuv loop. Every message of a burst is read, in turns of at
 * most max_per_turn; a send on the socket made outside the reader (which
 * takes ZMQ_FD's edge) strands nothing; a message of too many frames is
 * cut to its first frames and the next one read whole. A real ROUTER and
 * DEALER over inproc:// and a real loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <uv.h>
#include <zmq.h>

#include <cmocka.h>

#include "sb_zmsg.h"
#include "sb_zreader.h"

typedef struct {
    void *ctx, *router, *dealer;
    uv_loop_t loop;
    uv_timer_t guard; /* stops a loop that would wait for ever */
    uv_timer_t sender;
    sb_zreader *reader;
    unsigned read, turns, largest_turn, this_turn, want;
    bool timed_out;
} fixture;

static void on_guard(uv_timer_t *t)
{
    fixture *f = t->data;
    f->timed_out = true;
    uv_stop(&f->loop);
}

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    int zero = 0;
    f.ctx = zmq_ctx_new();
    f.router = zmq_socket(f.ctx, ZMQ_ROUTER);
    f.dealer = zmq_socket(f.ctx, ZMQ_DEALER);
    zmq_setsockopt(f.router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(f.dealer, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(f.dealer, ZMQ_ROUTING_ID, "c1", 2);
    assert_int_equal(0, zmq_bind(f.router, "inproc://zreader"));
    assert_int_equal(0, zmq_connect(f.dealer, "inproc://zreader"));
    assert_int_equal(0, uv_loop_init(&f.loop));
    uv_timer_init(&f.loop, &f.guard);
    f.guard.data = &f;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_zreader_stop(&f->reader);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT); /* the close callbacks */
    assert_int_equal(0, uv_loop_close(&f->loop));
    zmq_close(f->router);
    zmq_close(f->dealer);
    zmq_ctx_term(f->ctx);
    return 0;
}

/* Reads one [identity][body] message. */
static void on_message(void *arg)
{
    fixture *f = arg;
    zmq_msg_t m[2];
    int n = sb_zmsg_recv(f->router, m, 2, NULL);
    assert_int_equal(2, n);
    zmq_msg_close(&m[0]);
    zmq_msg_close(&m[1]);
    f->read++;
    f->this_turn++;
}

static void after(void *arg)
{
    fixture *f = arg;
    f->turns++;
    if (f->this_turn > f->largest_turn)
        f->largest_turn = f->this_turn;
    f->this_turn = 0;
    if (f->read == f->want)
        uv_stop(&f->loop);
}

static void start(fixture *f, unsigned max_per_turn)
{
    sb_zreader_options o = {.sock = f->router,
                            .name = "test",
                            .on_message = on_message,
                            .after = after,
                            .arg = f,
                            .max_per_turn = max_per_turn};
    assert_int_equal(0, sb_zreader_start(&f->loop, &o, &f->reader));
}

static void run(fixture *f)
{
    uv_timer_start(&f->guard, on_guard, 2000, 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_timer_stop(&f->guard);
}

static void a_burst_is_read_whole_in_turns_of_at_most_the_bound(void **state)
{
    fixture *f = *state;
    start(f, 3);
    f->want = 10;
    for (int i = 0; i < 10; i++)
        assert_int_equal(1, zmq_send(f->dealer, "x", 1, 0));
    run(f);
    assert_false(f->timed_out);
    assert_int_equal(10, f->read);
    assert_int_equal(3, f->largest_turn);
    assert_true(f->turns >= 4); /* 3 + 3 + 3 + 1 at least */
}

/* The trap of TECH-NOTES 2: a message arrives, then something sends on the
 * socket before the loop looks (here a timer); the send takes ZMQ_FD's
 * signal, so the descriptor stays quiet with the message waiting. */
static void on_send_timer(uv_timer_t *t)
{
    fixture *f = t->data;
    assert_int_equal(1, zmq_send(f->dealer, "b", 1, 0));
    assert_int_equal(2, zmq_send(f->router, "c1", 2, ZMQ_SNDMORE));
    assert_int_equal(1, zmq_send(f->router, "r", 1, 0));
}

static void a_send_outside_the_reader_strands_no_message(void **state)
{
    fixture *f = *state;
    start(f, 0);
    f->want = 1;
    uv_timer_init(&f->loop, &f->sender);
    f->sender.data = f;
    uv_timer_start(&f->sender, on_send_timer, 10, 0);
    run(f);
    uv_close((uv_handle_t *)&f->sender, NULL);
    assert_false(f->timed_out);
    assert_int_equal(1, f->read);
    char buf[8];
    assert_int_equal(1, zmq_recv(f->dealer, buf, sizeof buf, ZMQ_DONTWAIT));
}

static void a_stopped_reader_reads_nothing(void **state)
{
    fixture *f = *state;
    start(f, 0);
    assert_int_equal(1, zmq_send(f->dealer, "x", 1, 0));
    sb_zreader *r = f->reader;
    sb_zreader_stop(&f->reader);
    assert_null(f->reader);
    sb_zreader_turn(NULL);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(0, f->read);
    (void)r;
    assert_true(sb_zmsg_readable(f->router));
}

static void a_long_message_is_cut_and_the_next_read_whole(void **state)
{
    fixture *f = *state;
    assert_false(sb_zmsg_readable(f->router));
    assert_false(sb_zmsg_readable(NULL));
    for (int i = 0; i < 4; i++)
        assert_int_equal(1, zmq_send(f->dealer, &"abcd"[i], 1, i < 3 ? ZMQ_SNDMORE : 0));
    assert_int_equal(1, zmq_send(f->dealer, "z", 1, 0));
    zmq_msg_t m[2];
    bool cut = false;
    assert_true(sb_zmsg_readable(f->router));
    assert_int_equal(2, sb_zmsg_recv(f->router, m, 2, &cut)); /* identity, "a" */
    assert_true(cut);
    assert_memory_equal("a", zmq_msg_data(&m[1]), 1);
    zmq_msg_close(&m[0]);
    zmq_msg_close(&m[1]);
    assert_int_equal(2, sb_zmsg_recv(f->router, m, 2, &cut));
    assert_false(cut);
    assert_memory_equal("z", zmq_msg_data(&m[1]), 1);
    zmq_msg_close(&m[0]);
    zmq_msg_close(&m[1]);
    assert_int_equal(-1, sb_zmsg_recv(f->router, m, 2, &cut));
    assert_false(sb_zmsg_readable(f->router));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_burst_is_read_whole_in_turns_of_at_most_the_bound, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_send_outside_the_reader_strands_no_message, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_stopped_reader_reads_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_long_message_is_cut_and_the_next_read_whole, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
