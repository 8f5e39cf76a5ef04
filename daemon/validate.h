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

#include "sb_arena.h"

/* True when s[0..len) is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) without a NUL byte. */
bool sb_validate_utf8(const char *s, size_t len);

/* NULL when `msg` passes, else the first problem naming the field path,
 * e.g. "apply.form.unit.name: not valid UTF-8" (in the arena; a static
 * text if the arena is exhausted). */
const char *sb_validate_message(sb_arena *arena, const ProtobufCMessage *msg);

#endif
