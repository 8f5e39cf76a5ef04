/* sb_wire: reading one field of a packed protobuf message (wire.h). */
#include "wire.h"

/* A varint at b[*i]; returns 0, or -1 when cut off or longer than 64 bits. */
static int varint(const uint8_t *b, size_t len, size_t *i, uint64_t *ret)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *i < len; shift += 7) {
        uint8_t byte = b[(*i)++];
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) {
            *ret = v;
            return 0;
        }
    }
    return -1;
}

int sb_wire_find_bytes(const uint8_t *b, size_t len, uint32_t field, const uint8_t **ret,
                       size_t *ret_len)
{
    const uint8_t *found = NULL;
    size_t found_len = 0, i = 0;
    while (i < len) {
        uint64_t tag, n;
        if (varint(b, len, &i, &tag))
            break;
        unsigned type = (unsigned)(tag & 7);
        if (type == 0) {
            if (varint(b, len, &i, &n))
                break;
        } else if (type == 1 || type == 5) {
            size_t w = type == 1 ? 8 : 4;
            if (w > len - i)
                break;
            i += w;
        } else if (type == 2) {
            if (varint(b, len, &i, &n) || n > len - i)
                break;
            if (tag >> 3 == field) {
                found = b + i;
                found_len = (size_t)n;
            }
            i += (size_t)n;
        } else {
            break; /* groups and unknown wire types: stop looking */
        }
    }
    if (!found)
        return -1;
    *ret = found;
    *ret_len = found_len;
    return 0;
}
