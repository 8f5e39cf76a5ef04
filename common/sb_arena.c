#include "sb_arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN (64 * 1024)
#define ALIGN 16

struct sb_arena_chunk {
    sb_arena_chunk *next;
    size_t size; /* usable bytes after the header */
    size_t off;
    _Alignas(ALIGN) unsigned char data[];
};

static void *pb_alloc(void *data, size_t size)
{
    return sb_arena_alloc(data, size);
}

static void pb_free(void *data, void *ptr)
{
    (void)data;
    (void)ptr;
}

void sb_arena_init(sb_arena *a, size_t budget)
{
    memset(a, 0, sizeof *a);
    a->pb.alloc = pb_alloc;
    a->pb.free = pb_free;
    a->pb.allocator_data = a;
    a->budget = budget;
}

void *sb_arena_alloc(sb_arena *a, size_t n)
{
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (need < n || (a->budget && (need > a->budget || a->used > a->budget - need)))
        return NULL;
    sb_arena_chunk *c = a->chunks;
    if (!c || c->size - c->off < need) {
        size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->off = 0;
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = c->data + c->off;
    c->off += need;
    a->used += need;
    return p;
}

char *sb_arena_strdup(sb_arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = sb_arena_alloc(a, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

char *sb_arena_printf(sb_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = sb_arena_alloc(a, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void sb_arena_reset(sb_arena *a)
{
    sb_arena_chunk *c = a->chunks;
    if (!c)
        return;
    /* keep the oldest chunk (the end of the list) */
    while (c->next) {
        sb_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    c->off = 0;
    a->chunks = c;
    a->used = 0;
}

void sb_arena_destroy(sb_arena *a)
{
    sb_arena_chunk *c = a->chunks;
    while (c) {
        sb_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->chunks = NULL;
    a->used = 0;
}

void *sb_arena_grow(sb_arena *a, void *items, size_t n, size_t *cap, size_t elem, size_t first)
{
    if (n < *cap)
        return items;
    size_t room = *cap ? 2 * *cap : (first ? first : 1);
    if (room < *cap || (elem && room > SIZE_MAX / elem))
        return NULL;
    void *grown = sb_arena_alloc(a, room * elem);
    if (!grown)
        return NULL;
    if (n)
        memcpy(grown, items, n * elem);
    *cap = room;
    return grown;
}
