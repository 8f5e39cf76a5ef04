#include "validate.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sb_text.h"

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

/* Most text problems one refusal lists. */
#define TEXT_PROBLEMS_MAX 32

typedef struct {
    sb_arena *arena;
    const char *path[DEPTH_MAX + 1];
    int depth;
    const char *problem;
    const char **problems; /* wire_check: every text problem, up to TEXT_PROBLEMS_MAX */
    size_t n_problems;
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

/* ------------------------------------------------------------ the bytes as sent */

/* A varint at b[*i]; 0, or -1 when cut off. */
static int wire_varint(const uint8_t *b, size_t len, size_t *i, uint64_t *ret)
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

static int wire_check(walk *w, const ProtobufCMessageDescriptor *d, const uint8_t *b, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t tag, n;
        if (wire_varint(b, len, &i, &tag))
            return 0; /* not decodable: the decoder has said so already */
        unsigned type = (unsigned)(tag & 7);
        if (type == 0) {
            if (wire_varint(b, len, &i, &n))
                return 0;
            continue;
        }
        if (type == 1 || type == 5) {
            size_t width = type == 1 ? 8 : 4;
            if (width > len - i)
                return 0;
            i += width;
            continue;
        }
        if (type != 2 || wire_varint(b, len, &i, &n) || n > len - i)
            return 0;
        const ProtobufCFieldDescriptor *f =
            tag >> 3 <= UINT32_MAX
                ? protobuf_c_message_descriptor_get_field(d, (unsigned)(tag >> 3))
                : NULL;
        const uint8_t *v = b + i;
        i += (size_t)n;
        if (!f)
            continue; /* an unknown field: not read by anyone */
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            char why[64];
            if (sb_text_fault((const char *)v, (size_t)n, why, sizeof why) &&
                w->n_problems < TEXT_PROBLEMS_MAX) {
                fail(w, f->name, why, -1); /* noted; the walk goes on */
                w->problems[w->n_problems++] = w->problem;
            }
        } else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            if (w->depth == DEPTH_MAX) {
                fail(w, f->name, "nested too deeply", -1);
                return -1;
            }
            w->path[w->depth++] = f->name;
            int r = wire_check(w, f->descriptor, v, (size_t)n);
            w->depth--;
            if (r < 0)
                return r;
        }
    }
    return 0;
}

const char *sb_validate_wire(sb_arena *arena, const ProtobufCMessageDescriptor *desc,
                             const uint8_t *bytes, size_t len, const char ***ret_problems,
                             size_t *ret_n)
{
    walk w = {.arena = arena};
    *ret_problems = NULL;
    *ret_n = 0;
    if (!desc)
        return NULL;
    w.problems = sb_arena_alloc(arena, TEXT_PROBLEMS_MAX * sizeof *w.problems);
    if (!w.problems)
        return "a field is not valid (no memory for which)";
    if (wire_check(&w, desc, bytes, len) < 0) /* too deep: that alone */
        return w.problem;
    if (!w.n_problems)
        return NULL;
    *ret_problems = w.problems;
    *ret_n = w.n_problems;
    return w.n_problems == 1
               ? w.problems[0]
               : sb_arena_printf(arena, "%zu text fields are not acceptable text; see details",
                                 w.n_problems);
}
