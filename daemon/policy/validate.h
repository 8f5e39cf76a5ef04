/* sb_validate: what every decoded message must satisfy before any handler
 * sees it, checked generically from its protobuf descriptor.
 *
 * protobuf-c checks wire types and lengths but not content (TECH-NOTES
 * trap 3): a string field may hold any bytes and an enum field any number.
 * Here every string (at any depth, repeated or not, the set member of a
 * oneof only) must be valid UTF-8 without NUL, and every enum a value the
 * schema names. Each handler still checks what its fields mean (lengths,
 * ranges, formats); this is the floor under all of them.
 */
#ifndef SB_VALIDATE_H
#define SB_VALIDATE_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_arena.h"

/* True when s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) without a NUL byte. */
bool sb_validate_utf8(const char *s, size_t len);

/* NULL when `msg` passes, else the first problem naming the field path,
 * e.g. "apply.form.unit.name: not valid UTF-8" (in the arena; a static
 * text if the arena is exhausted). */
const char *sb_validate_message(sb_arena *arena, const ProtobufCMessage *msg);

/* NULL when every string field of the packed message bytes[0..len) of
 * type `desc` (at any depth, every occurrence, as the bytes were sent) is
 * acceptable text (sb_text.h). Else a one-line message and, in
 * *ret_problems (*ret_n of them, at most 32), each problem naming its field
 * path, e.g. "ingest.event_id: contains a NUL byte (byte 4)". Run it on
 * the frame a decoded message came from: the decoded C strings end at the
 * first NUL, so a NUL inside a string is visible only here. */
const char *sb_validate_wire(sb_arena *arena, const ProtobufCMessageDescriptor *desc,
                             const uint8_t *bytes, size_t len, const char ***ret_problems,
                             size_t *ret_n);

#endif
