/* sb_arena: a bump allocator with a byte budget, usable as a
 * ProtobufCAllocator.
 *
 * The daemon decodes every request into an arena whose budget bounds what a
 * hostile frame can make it allocate (protobuf-c has no limits of its own),
 * and builds replies and records in the same arena. Freeing single blocks
 * is a no-op; sb_arena_reset frees everything at once, so messages unpacked
 * here may point their fields at any memory that outlives the reset.
 */
#ifndef SB_ARENA_H
#define SB_ARENA_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

typedef struct sb_arena_chunk sb_arena_chunk;

typedef struct {
    ProtobufCAllocator pb; /* pass &arena->pb to protobuf-c */
    sb_arena_chunk *chunks;
    size_t used;   /* bytes handed out since the last reset */
    size_t budget; /* allocations fail past this many bytes */
} sb_arena;

/* Prepare an arena (no memory yet). budget 0 means unlimited. */
void sb_arena_init(sb_arena *a, size_t budget);

/* Allocate n bytes aligned for any type. Returns NULL when the budget is
 * exhausted or malloc fails. */
void *sb_arena_alloc(sb_arena *a, size_t n);

/* Copy a NUL-terminated string into the arena; NULL on failure. */
char *sb_arena_strdup(sb_arena *a, const char *s);

/* printf into the arena; NULL on failure. */
char *sb_arena_printf(sb_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Room for one more element in an array of n elements of elem bytes
 * with room for *cap: the array itself while n < *cap, else a copy in
 * the arena with twice the room (at least `first`), *cap updated. NULL
 * when the arena cannot give the room (the array is left as it was). */
void *sb_arena_grow(sb_arena *a, void *items, size_t n, size_t *cap, size_t elem, size_t first);

/* Free everything allocated so far; the arena stays usable. Keeps the
 * first chunk to avoid malloc churn. */
void sb_arena_reset(sb_arena *a);

/* Free all memory. */
void sb_arena_destroy(sb_arena *a);

#endif
