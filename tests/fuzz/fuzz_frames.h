/* The input format of the dispatch fuzzer and its corpus generator:
 *
 *   byte 0           configuration: bit 0 [four_eyes] certify, bit 1 revoke
 *   then frames      [caller][length: 2 bytes, big-endian][bytes...]
 *
 * caller: bits 0-2 the role (fuzz_role), bit 3 authenticated (a key name),
 * bit 4 the second operator's name. A frame whose length runs past the end
 * takes what is left. Test code; not part of skillbase. */
#ifndef FUZZ_FRAMES_H
#define FUZZ_FRAMES_H

#include <stddef.h>
#include <stdint.h>

enum { FUZZ_CERTIFY = 1, FUZZ_REVOKE = 2 };
enum { FUZZ_AUTH = 8, FUZZ_SECOND = 16 };

/* Role index (caller & 7) as in fuzz_dispatch.c: 0 all roles, 1 operator,
 * 2 reviewer, 3 service, 4 worker, 5 reader, 6 none, 7 operator. */

/* Append one frame to buf (cap bytes) at *len. Returns 0, or -1 if full. */
static inline int fuzz_frame_put(uint8_t *buf, size_t cap, size_t *len, uint8_t caller,
                                 const uint8_t *data, size_t n)
{
    if (n > 0xffff || *len + 3 + n > cap)
        return -1;
    buf[(*len)++] = caller;
    buf[(*len)++] = (uint8_t)(n >> 8);
    buf[(*len)++] = (uint8_t)n;
    for (size_t i = 0; i < n; i++)
        buf[(*len)++] = data[i];
    return 0;
}

#endif
