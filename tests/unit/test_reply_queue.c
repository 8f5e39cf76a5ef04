/* sb_reply_queue (reply_queue.h): replies libzmq would not take are held
 * per connection up to a bound in bytes, sent in order as the client
 * reads, and beyond the bound dropped with the connection marked as not
 * reading until all it has held is out. A real ROUTER and DEALER over
 * inproc://. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <zmq.h>

#include <cmocka.h>

#include "reply_queue.h"

static void held_bounded_and_sent_in_order_as_the_client_reads(void **state)
{
    (void)state;
    void *ctx = zmq_ctx_new();
    void *router = zmq_socket(ctx, ZMQ_ROUTER), *dealer = zmq_socket(ctx, ZMQ_DEALER);
    int one = 1, zero = 0;
    assert_int_equal(0, zmq_setsockopt(router, ZMQ_ROUTER_MANDATORY, &one, sizeof one));
    assert_int_equal(0, zmq_setsockopt(router, ZMQ_SNDHWM, &one, sizeof one));
    assert_int_equal(0, zmq_setsockopt(dealer, ZMQ_RCVHWM, &one, sizeof one));
    assert_int_equal(0, zmq_setsockopt(dealer, ZMQ_ROUTING_ID, "c1", 2));
    zmq_setsockopt(router, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt(dealer, ZMQ_LINGER, &zero, sizeof zero);
    assert_int_equal(0, zmq_bind(router, "inproc://rq"));
    assert_int_equal(0, zmq_connect(dealer, "inproc://rq"));
    /* the router learns the client's identity from a message */
    assert_int_equal(1, zmq_send(dealer, "x", 1, 0));
    char buf[1100];
    assert_int_equal(2, zmq_recv(router, buf, sizeof buf, 0));
    assert_int_equal(1, zmq_recv(router, buf, sizeof buf, 0));

    sb_reply_queue *q = sb_reply_queue_new(router, 3000);
    assert_non_null(q);
    char body[1000];
    int sent = 0, held = 0, dropped = 0;
    for (int i = 0; i < 10; i++) {
        memset(body, 'a' + i, sizeof body);
        sb_rq_result r = sb_reply_queue_send(q, "c1", 2, false, body, sizeof body);
        sent += r == SB_RQ_SENT;
        held += r == SB_RQ_HELD;
        dropped += r == SB_RQ_DROPPED;
    }
    /* libzmq took a few (its queues), the daemon holds 3000 bytes, the
     * rest is dropped and the client counts as not reading */
    assert_true(sent >= 1);
    assert_int_equal(3, held);
    assert_int_equal(10 - sent - held, dropped);
    assert_true(dropped > 0);
    assert_int_equal(3000, sb_reply_queue_bytes(q));
    assert_true(sb_reply_queue_unread(q, "c1", 2));
    assert_false(sb_reply_queue_unread(q, "c2", 2));
    assert_int_equal((uint64_t)dropped, sb_reply_queue_dropped(q));

    /* the client reads: what was held goes out, in order, and it reads
     * again */
    char last = 0;
    int got = 0;
    for (int tries = 0; tries < 1000 && (got < sent + held); tries++) {
        sb_reply_queue_flush(q);
        int n = zmq_recv(dealer, buf, sizeof buf, ZMQ_DONTWAIT);
        if (n < 0) {
            zmq_poll(NULL, 0, 2); /* libzmq's room comes back asynchronously */
            continue;
        }
        assert_int_equal(1000, n);
        assert_true(buf[0] > last); /* in order */
        last = buf[0];
        got++;
    }
    assert_int_equal(sent + held, got);
    assert_int_equal(0, sb_reply_queue_flush(q));
    assert_false(sb_reply_queue_unread(q, "c1", 2));

    /* a client that has gone: what is held for it is dropped */
    assert_int_equal(SB_RQ_DROPPED, sb_reply_queue_send(q, "gone", 4, false, "x", 1));
    sb_reply_queue_free(&q);
    assert_null(q);
    zmq_close(dealer);
    zmq_close(router);
    zmq_ctx_term(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(held_bounded_and_sent_in_order_as_the_client_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
