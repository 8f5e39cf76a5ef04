#include "bench_ccode.h"

#include <string.h>

static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};

char bench_ccode_check(const char *body)
{
    unsigned sum = 0;
    for (int i = 0; i < 17; i++) {
        const char *p = body[i] ? strchr(alphabet, body[i]) : NULL;
        if (!p)
            return 0;
        sum += (unsigned)(p - alphabet) * weights[i];
    }
    unsigned check = 31 - sum % 31;
    return alphabet[check == 31 ? 0 : check];
}

void bench_ccode_make(uint64_t n, char out[BENCH_CCODE_LEN + 1])
{
    memcpy(out, "9133010", 7);
    n %= BENCH_CCODE_SPACE;
    for (int i = 16; i >= 7; i--) {
        out[i] = alphabet[n % 31];
        n /= 31;
    }
    out[17] = bench_ccode_check(out);
    out[18] = '\0';
}
