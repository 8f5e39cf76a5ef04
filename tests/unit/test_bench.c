/* skillbase-bench's pure parts: the credit codes it and the fault suite
 * apply with (sb_drive.h) and the latency percentiles it reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "bench_load.h" /* BENCH_CCODE_PREFIX */
#include "bench_stats.h"
#include "sb_drive.h"
#include "rules.h"

/* The benchmark's prefix (the fault suite's too, fault_wire.c), and one of
 * a district-level division with a first organisation-code character. */
static const char *const prefixes[] = {BENCH_CCODE_PREFIX, "913301069"};

static void generated_codes_pass_the_daemons_credit_code_check(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
        uint64_t space = sb_drive_ccode_space(prefixes[k]);
        /* the first codes, a spread of others, and the end of the space */
        uint64_t ns[] = {0, 1, 2, 30, 31, 961, 123456789, 999999937, space / 2, space - 1};
        for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
            char code[SB_DRIVE_CCODE_LEN + 1];
            sb_problems p = {0};
            sb_drive_ccode_make(prefixes[k], ns[i], code);
            assert_int_equal(strlen(code), SB_DRIVE_CCODE_LEN);
            assert_memory_equal(code, prefixes[k], strlen(prefixes[k]));
            if (!sb_rules_credit_code_valid(code, &p) ||
                !sb_rules_credit_code_in_hangzhou(code, &p))
                fail_msg("code %s of counter %llu refused: %s", code, (unsigned long long)ns[i],
                         p.count ? p.text[0] : "?");
        }
        for (uint64_t n = 0; n < 20000; n++) {
            char code[SB_DRIVE_CCODE_LEN + 1];
            sb_drive_ccode_make(prefixes[k], n * 7919, code);
            assert_true(sb_rules_credit_code_valid(code, NULL));
            assert_true(sb_rules_credit_code_in_hangzhou(code, NULL));
        }
    }
}

static void the_space_is_31_to_the_free_positions(void **state)
{
    (void)state;
    assert_true(sb_drive_ccode_space(BENCH_CCODE_PREFIX) == 852891037441ull); /* 31^8 */
    assert_true(sb_drive_ccode_space("913301069") == 27512614111ull);         /* 31^7 */
    char a[SB_DRIVE_CCODE_LEN + 1], b[SB_DRIVE_CCODE_LEN + 1];
    sb_drive_ccode_make(BENCH_CCODE_PREFIX, 5, a);
    sb_drive_ccode_make(BENCH_CCODE_PREFIX, 852891037441ull + 5, b);
    assert_string_equal(a, b); /* taken modulo the space */
}

static void consecutive_counters_give_distinct_codes(void **state)
{
    (void)state;
    enum { N = 5000 };
    static char codes[N][SB_DRIVE_CCODE_LEN + 1];
    for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
        for (uint64_t n = 0; n < N; n++)
            sb_drive_ccode_make(prefixes[k], 1000000 + n, codes[n]);
        for (int i = 0; i < N; i++)
            for (int j = i + 1; j < N; j++)
                if (strcmp(codes[i], codes[j]) == 0)
                    fail_msg("counters %d and %d share the code %s", i, j, codes[i]);
    }
}

static void check_character_matches_a_known_code(void **state)
{
    (void)state;
    /* the README's example unit, 91350100M000100Y4 + check 3 */
    assert_int_equal(sb_drive_ccode_check("91350100M000100Y4"), '3');
    /* a character outside the alphabet (I, O, S, V, Z are excluded) */
    assert_int_equal(sb_drive_ccode_check("91350100I000100Y4"), 0);
}

static void percentiles_are_nearest_rank(void **state)
{
    (void)state;
    bench_samples s = {0};
    bench_summary sum;
    /* 1..100 ms, added in reverse */
    for (uint64_t i = 100; i >= 1; i--)
        bench_samples_add(&s, i * 1000000u);
    bench_samples_summarise(&s, &sum);
    assert_int_equal(sum.count, 100);
    assert_true(sum.p50_ms == 50.0);
    assert_true(sum.p90_ms == 90.0);
    assert_true(sum.p99_ms == 99.0);
    assert_true(sum.max_ms == 100.0);
    assert_true(sum.mean_ms == 50.5);
    bench_samples_free(&s);
}

static void merged_samples_count_both_and_empty_gives_zero(void **state)
{
    (void)state;
    bench_samples a = {0}, b = {0}, none = {0};
    bench_summary sum;
    bench_samples_add(&a, 1000000);
    bench_samples_add(&b, 3000000);
    bench_samples_add(&b, 2000000);
    bench_samples_merge(&a, &b);
    bench_samples_summarise(&a, &sum);
    assert_int_equal(sum.count, 3);
    assert_true(sum.p50_ms == 2.0);
    assert_true(sum.max_ms == 3.0);
    bench_samples_summarise(&none, &sum);
    assert_int_equal(sum.count, 0);
    assert_true(sum.p99_ms == 0.0);
    bench_samples_free(&a);
    bench_samples_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generated_codes_pass_the_daemons_credit_code_check),
        cmocka_unit_test(the_space_is_31_to_the_free_positions),
        cmocka_unit_test(consecutive_counters_give_distinct_codes),
        cmocka_unit_test(check_character_matches_a_known_code),
        cmocka_unit_test(percentiles_are_nearest_rank),
        cmocka_unit_test(merged_samples_count_both_and_empty_gives_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
