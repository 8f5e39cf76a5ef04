/* sb_wire: one field of a packed protobuf message, read without unpacking
 * the message — for paths that should neither pay for a full decode nor
 * trust the bytes to survive one: the topic of a stored event that the
 * publisher sends on as it is stored, the request_id of a request that is
 * answered busy without being decoded.
 */
#ifndef SB_WIRE_H
#define SB_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* Find the length-delimited top-level field number `field` (a string,
 * bytes or an embedded message) in the packed message b[0..len). When it
 * occurs more than once the last occurrence counts, as in protobuf; the
 * scan stops at the end or at the first malformed byte (a cut-off varint
 * or field, a group or unknown wire type), keeping what it found before.
 * Returns 0 with *ret (pointing into b) and *ret_len, or -1 when the field
 * was not found. */
int sb_wire_find_bytes(const uint8_t *b, size_t len, uint32_t field, const uint8_t **ret,
                       size_t *ret_len);

#endif
