#include "validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Deeper than any message of the schema nests (its messages are not
 * recursive): a guard, not a limit anyone meets. */
#define DEPTH_MAX 32

bool sb_validate_utf8(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0)
            n = 2, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            n = 3, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            n = 4, cp = c & 0x07, min = 0x10000;
        else
            return false;
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}

typedef struct {
    sb_arena *arena;
    const char *path[DEPTH_MAX + 1];
    int depth;
    const char *problem;
} walk;

static void fail(walk *w, const char *field, const char *what, long value)
{
    char path[512];
    size_t n = 0;
    path[0] = '\0';
    for (int i = 0; i < w->depth && n < sizeof path; i++)
        n += (size_t)snprintf(path + n, sizeof path - n, "%s.", w->path[i]);
    if (n >= sizeof path)
        n = sizeof path - 1;
    w->problem = value >= 0
                     ? sb_arena_printf(w->arena, "%.*s%s: %ld %s", (int)n, path, field, value, what)
                     : sb_arena_printf(w->arena, "%.*s%s: %s", (int)n, path, field, what);
    if (!w->problem)
        w->problem = "a field is not valid (no memory for which)";
}

static int check(walk *w, const ProtobufCMessage *m);

/* Is field f of m present (proto3 scalars always are; a oneof member only
 * when it is the one set)? */
static bool present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t set = *(const uint32_t *)((const char *)m + f->quantifier_offset);
        return set == f->id;
    }
    return true;
}

static int check_value(walk *w, const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        if (s && !sb_validate_utf8(s, strlen(s))) {
            fail(w, f->name, "not valid UTF-8 text", -1);
            return -1;
        }
        return 0;
    }
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v)) {
            fail(w, f->name, "is not a value this daemon knows", v);
            return -1;
        }
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;
        if (!sub)
            return 0;
        if (w->depth == DEPTH_MAX) {
            fail(w, f->name, "nested too deeply", -1);
            return -1;
        }
        w->path[w->depth++] = f->name;
        int r = check(w, sub);
        w->depth--;
        return r;
    }
    default:
        return 0;
    }
}

static size_t value_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    default:
        return 0;
    }
}

static int check(walk *w, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        size_t size = value_size(f);
        if (!size || !present(m, f))
            continue;
        const char *base = (const char *)m + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
            const char *arr = *(char *const *)base;
            for (size_t k = 0; k < n; k++)
                if (check_value(w, f, arr + k * size) < 0)
                    return -1;
        } else if (check_value(w, f, base) < 0) {
            return -1;
        }
    }
    return 0;
}

const char *sb_validate_message(sb_arena *arena, const ProtobufCMessage *msg)
{
    walk w = {.arena = arena};
    if (!msg || check(&w, msg) == 0)
        return NULL;
    return w.problem;
}
