/* common/sb_arena.h: the arena's growing arrays. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "sb_arena.h"

static void grow_keeps_what_was_pushed_and_doubles(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    int **items = NULL;
    size_t n = 0, cap = 0;
    static int values[100];
    for (int i = 0; i < 100; i++) {
        int **grown = sb_arena_grow(&a, items, n, &cap, sizeof *items, 4);
        assert_non_null(grown);
        if (n < 4)
            assert_int_equal(cap, 4);
        items = grown;
        values[i] = i;
        items[n++] = &values[i];
    }
    assert_int_equal(cap, 128); /* 4, 8, 16, 32, 64, 128 */
    for (int i = 0; i < 100; i++)
        assert_int_equal(*items[i], i);
    sb_arena_destroy(&a);
}

static void grow_fails_past_the_budget_and_leaves_the_array(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 256);
    long *items = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        long *grown = sb_arena_grow(&a, items, n, &cap, sizeof *items, 2);
        if (!grown)
            break;
        items = grown;
        items[n] = (long)n;
        n++;
        assert_true(n < 1000);
    }
    assert_true(n >= 2); /* the budget gave some room */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(items[i], (long)i);
    sb_arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grow_keeps_what_was_pushed_and_doubles),
        cmocka_unit_test(grow_fails_past_the_budget_and_leaves_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
