/* Actor names compared as one person's (actor_name.h), with ICU. */
#include "actor_name.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

/* NFKC_Casefold of UTF-8 `s` as UTF-16 in a malloc'd buffer (*ret_len
 * units); NULL when s is not valid UTF-8 or on failure. */
static UChar *fold(const char *s, int32_t *ret_len)
{
    UErrorCode e = U_ZERO_ERROR;
    const UNormalizer2 *nf = unorm2_getNFKCCasefoldInstance(&e);
    if (U_FAILURE(e))
        return NULL;
    int32_t n = 0;
    u_strFromUTF8(NULL, 0, &n, s, -1, &e);
    if (e != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(e))
        return NULL;
    e = U_ZERO_ERROR;
    UChar *in = malloc(((size_t)n + 1) * sizeof *in);
    if (!in)
        return NULL;
    u_strFromUTF8(in, n + 1, NULL, s, -1, &e);
    if (U_FAILURE(e)) {
        free(in);
        return NULL;
    }
    /* folding may lengthen a string: at most 18 units per unit (NFKC) */
    int32_t cap = n * 18 + 1;
    UChar *out = malloc((size_t)cap * sizeof *out);
    int32_t len = out ? unorm2_normalize(nf, in, n, out, cap, &e) : 0;
    free(in);
    if (!out || U_FAILURE(e)) {
        free(out);
        return NULL;
    }
    *ret_len = len;
    return out;
}

bool sb_actor_same(const char *a, const char *b)
{
    a = a ? a : "";
    b = b ? b : "";
    if (strcmp(a, b) == 0)
        return true;
    int32_t la = 0, lb = 0;
    UChar *fa = fold(a, &la), *fb = fold(b, &lb);
    bool same = fa && fb && la == lb && memcmp(fa, fb, (size_t)la * sizeof *fa) == 0;
    free(fa);
    free(fb);
    return same;
}
