/* sb_shed (daemon/shed.h): the busy answer to a request the daemon will not
 * take now — its request id read from the envelope alone, the retry hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sb_arena.h"
#include "shed.h"
#include "skillbase.pb-c.h"

static size_t pack_status(const char *request_id, uint8_t *buf, size_t cap)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.protocol = 1;
    req.request_id = (char *)request_id;
    req.actor = (char *)"op";
    req.idempotency_key = (char *)"k-1";
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    size_t n = skillbase__request__get_packed_size(&req);
    assert_true(n <= cap);
    return skillbase__request__pack(&req, buf);
}

static void request_id_is_read_from_the_envelope(void **state)
{
    (void)state;
    sb_arena a;
    uint8_t buf[512];
    sb_arena_init(&a, 0);
    size_t n = pack_status("r-42", buf, sizeof buf);
    assert_string_equal(sb_shed_request_id(&a, buf, n), "r-42");
    n = pack_status("", buf, sizeof buf);
    assert_string_equal(sb_shed_request_id(&a, buf, n), "");
    sb_arena_destroy(&a);
}

static void bad_ids_are_not_echoed(void **state)
{
    (void)state;
    sb_arena a;
    uint8_t buf[1024];
    char long_id[300];
    sb_arena_init(&a, 0);
    /* longer than 256 bytes */
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    size_t n = pack_status(long_id, buf, sizeof buf);
    assert_string_equal(sb_shed_request_id(&a, buf, n), "");
    /* not UTF-8 */
    n = pack_status("ab\xff", buf, sizeof buf);
    assert_string_equal(sb_shed_request_id(&a, buf, n), "");
    /* cut off in the middle of the id: no id */
    n = pack_status("abcdef", buf, sizeof buf);
    assert_string_equal(sb_shed_request_id(&a, buf, 5), "");
    /* not protobuf at all */
    static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0x01};
    assert_string_equal(sb_shed_request_id(&a, junk, sizeof junk), "");
    assert_string_equal(sb_shed_request_id(&a, NULL, 0), "");
    sb_arena_destroy(&a);
}

static void reply_is_busy_with_a_hint(void **state)
{
    (void)state;
    sb_arena a;
    uint8_t buf[512], *out;
    size_t out_len;
    sb_arena_init(&a, 0);
    size_t n = pack_status("r-7", buf, sizeof buf);
    assert_int_equal(sb_shed_reply(&a, buf, n, "busy: try later", 250, &out, &out_len), 0);
    Skillbase__Reply *r = skillbase__reply__unpack(NULL, out_len, out);
    assert_non_null(r);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__BUSY);
    assert_int_equal(r->protocol, 1);
    assert_string_equal(r->request_id, "r-7");
    assert_string_equal(r->message, "busy: try later");
    assert_int_equal(r->retry_after_ms, 250);
    assert_int_equal(r->result_case, SKILLBASE__REPLY__RESULT__NOT_SET);
    skillbase__reply__free_unpacked(r, NULL);
    sb_arena_destroy(&a);
}

static void retry_hint_follows_the_queue(void **state)
{
    (void)state;
    /* nothing measured yet: the floor */
    assert_int_equal(sb_shed_retry_after_ms(0, 1024, 0), 10);
    /* 64 held in batches of 16 at 20 ms a batch: (4 + 1) batches */
    assert_int_equal(sb_shed_retry_after_ms(64, 16, 20000), 100);
    /* rounds up to whole batches and milliseconds */
    assert_int_equal(sb_shed_retry_after_ms(65, 16, 20001), 121);
    /* capped at 10 s */
    assert_int_equal(sb_shed_retry_after_ms(1000000, 1, 100000), 10000);
    /* batch_max 0 is taken as 1, not a division by zero */
    assert_int_equal(sb_shed_retry_after_ms(3, 0, 10000), 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(request_id_is_read_from_the_envelope),
        cmocka_unit_test(bad_ids_are_not_echoed),
        cmocka_unit_test(reply_is_busy_with_a_hint),
        cmocka_unit_test(retry_hint_follows_the_queue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
