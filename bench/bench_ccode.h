/* bench_ccode: distinct valid unified social credit codes from a counter.
 *
 * The benchmark needs one credit code per application (the daemon allows
 * one open application or live sub-base per unit). A code is "91" then
 * five digits of a Hangzhou-like registration area, then ten characters
 * that spell the counter in the GB 32100-2015 alphabet (31 symbols, so
 * 31^10 ~ 8e14 codes), then the check character.
 */
#ifndef BENCH_CCODE_H
#define BENCH_CCODE_H

#include <stdint.h>

#define BENCH_CCODE_LEN 18

/* The number of distinct codes bench_ccode_make can spell. */
#define BENCH_CCODE_SPACE 819628286980801ull /* 31^10 */

/* Write the code for counter n (taken modulo BENCH_CCODE_SPACE) into out
 * (at least BENCH_CCODE_LEN + 1 bytes, NUL-terminated). */
void bench_ccode_make(uint64_t n, char out[BENCH_CCODE_LEN + 1]);

/* The GB 32100-2015 check character of a 17-character body. Returns 0
 * (NUL) when the body holds a character outside the alphabet. */
char bench_ccode_check(const char *body17);

#endif
