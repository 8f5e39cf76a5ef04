/* sb_stream_subs (stream_subs.h): the event stream's subscriptions, one
 * entry per follower connection, replaced by a new request, matched by
 * topic prefix, dropped with the connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "stream_subs.h"

static void set(sb_stream_subs *s, const char *id, bool entitled, const char **pfx, size_t n)
{
    const uint8_t *p[8];
    size_t len[8];
    for (size_t i = 0; i < n; i++) {
        p[i] = (const uint8_t *)pfx[i];
        len[i] = strlen(pfx[i]);
    }
    assert_int_equal(0, sb_stream_subs_set(s, id, strlen(id), entitled, p, len, n));
}

static bool matches(sb_stream_subs *s, const char *id, const char *topic)
{
    sb_stream_sub *sub = sb_stream_subs_find(s, id, strlen(id));
    assert_non_null(sub);
    return sb_stream_sub_matches(sub, topic, strlen(topic));
}

static void prefixes_match_and_a_new_request_replaces_the_old(void **state)
{
    (void)state;
    sb_stream_subs s = {0};
    const char *a[] = {"base.", "application.certified"};
    set(&s, "f1", false, a, 2);
    assert_true(matches(&s, "f1", "base.revoked"));
    assert_true(matches(&s, "f1", "application.certified"));
    assert_false(matches(&s, "f1", "application.applied"));
    assert_false(matches(&s, "f1", "base"));
    const char *all[] = {""};
    set(&s, "f1", true, all, 1);
    assert_int_equal(1, s.n);
    assert_true(s.v[0].entitled);
    assert_true(matches(&s, "f1", "application.applied"));
    const char *none[] = {NULL};
    set(&s, "f2", false, none, 0); /* heartbeats only */
    assert_int_equal(2, s.n);
    assert_false(matches(&s, "f2", "base.revoked"));
    sb_stream_subs_free(&s);
}

static void entries_are_dropped_with_their_connection(void **state)
{
    (void)state;
    sb_stream_subs s = {0};
    const char *a[] = {"base."};
    set(&s, "f1", false, a, 1);
    set(&s, "f2", false, a, 1);
    set(&s, "f3", false, a, 1);
    sb_stream_subs_remove(&s, "f1", 2);
    assert_int_equal(2, s.n);
    assert_null(sb_stream_subs_find(&s, "f1", 2));
    assert_non_null(sb_stream_subs_find(&s, "f3", 2));
    sb_stream_subs_remove(&s, "nope", 4);
    sb_stream_subs_remove_at(&s, 0);
    sb_stream_subs_remove_at(&s, 0);
    assert_int_equal(0, s.n);
    assert_null(s.v); /* an emptied table gives its memory back */
    /* a routing id is 1..255 bytes */
    uint8_t id[256] = {0};
    assert_int_equal(-1, sb_stream_subs_set(&s, id, 0, false, NULL, NULL, 0));
    assert_int_equal(-1, sb_stream_subs_set(&s, id, 256, false, NULL, NULL, 0));
    assert_int_equal(0, sb_stream_subs_set(&s, id, 255, false, NULL, NULL, 0));
    sb_stream_subs_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prefixes_match_and_a_new_request_replaces_the_old),
        cmocka_unit_test(entries_are_dropped_with_their_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
