/* pbjson: protobuf-c messages <-> JSON, walking the message descriptors.
 *
 * Nothing here knows about skillbase's messages: every field is reached
 * through its ProtobufCFieldDescriptor (offset, quantifier_offset, label,
 * type), so a field added to the .proto is converted without a code change.
 *
 * Messages built from JSON follow protobuf-c's own allocation conventions
 * (each message calloc'd and initialised by its descriptor, strings and
 * arrays malloc'd, unset strings left at protobuf_c_empty_string), so that
 * protobuf_c_message_free_unpacked(msg, NULL) frees them like an unpacked
 * message. Every intermediate state is kept freeable (an array's count and
 * a oneof's case are written together with what they describe), so an error
 * half-way is cleaned up by that same call.
 */
#include "pbjson.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MEMBER(type, msg, off) (*(type *)((char *)(msg) + (off)))
#define CMEMBER(type, msg, off) (*(const type *)((const char *)(msg) + (off)))

/* Doubles that are whole numbers below 2^53 are written as JSON integers
 * ("1200", not "1200.0"), as proto3's JSON mapping does. */
#define EXACT_INT_LIMIT 9007199254740992.0

/* ------------------------------------------------------------ shared */

static size_t elem_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_ENUM:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

const char *pbjson_enum_name(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t len)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(desc, value);
    size_t i;

    if (!v || len == 0 || strlen(v->name) >= len)
        return NULL;
    for (i = 0; v->name[i]; i++)
        buf[i] = (char)tolower((unsigned char)v->name[i]);
    buf[i] = '\0';
    return buf;
}

int pbjson_enum_parse(const ProtobufCEnumDescriptor *desc, const char *name, int *ret)
{
    char *end;
    long n;

    for (unsigned i = 0; i < desc->n_value_names; i++) {
        if (strcasecmp(desc->values_by_name[i].name, name) == 0) {
            *ret = desc->values[desc->values_by_name[i].index].value;
            return 0;
        }
    }
    /* A number is accepted when it is one of the enum's values. */
    if (*name == '\0')
        return -1;
    n = strtol(name, &end, 10);
    if (*end != '\0' || n < INT32_MIN || n > INT32_MAX ||
        !protobuf_c_enum_descriptor_get_value(desc, (int)n))
        return -1;
    *ret = (int)n;
    return 0;
}

/* ------------------------------------------------------------ to JSON */

/* jansson refuses strings that are not UTF-8 and protobuf-c never checks
 * them, so a bad byte from the wire becomes U+FFFD rather than losing the
 * whole document. */
static json_t *string_to_json(const char *s)
{
    json_t *j = json_string(s);
    size_t n, o = 0;
    char *clean;

    if (j)
        return j;
    n = strlen(s);
    clean = malloc(3 * n + 1);
    if (!clean)
        return NULL;
    for (size_t i = 0; i < n;) {
        const unsigned char *p = (const unsigned char *)s + i;
        size_t len = p[0] < 0x80             ? 1
                     : (p[0] & 0xe0) == 0xc0 ? 2
                     : (p[0] & 0xf0) == 0xe0 ? 3
                     : (p[0] & 0xf8) == 0xf0 ? 4
                                             : 0;
        bool ok = len > 0 && i + len <= n;

        for (size_t k = 1; ok && k < len; k++)
            ok = (p[k] & 0xc0) == 0x80;
        if (ok && len > 1) {
            json_t *probe = json_stringn((const char *)p, len);
            ok = probe != NULL; /* overlong forms, surrogates, > U+10FFFF */
            json_decref(probe);
        }
        if (ok) {
            memcpy(clean + o, p, len);
            o += len;
            i += len;
        } else {
            memcpy(clean + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    j = json_stringn(clean, o);
    free(clean);
    return j;
}

static json_t *double_to_json(double v)
{
    if (isnan(v))
        return json_string("NaN");
    if (isinf(v))
        return json_string(v > 0 ? "Infinity" : "-Infinity");
    if (v > -EXACT_INT_LIMIT && v < EXACT_INT_LIMIT && (double)(json_int_t)v == v)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *value_to_json(const ProtobufCFieldDescriptor *f, const void *p)
{
    char name[128];

    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)p);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)p);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)p);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *)p;
        /* json_int_t is signed 64-bit; the top half can only be approximated. */
        return v <= INT64_MAX ? json_integer((json_int_t)v) : json_real((double)v);
    }
    case PROTOBUF_C_TYPE_FLOAT:
        return double_to_json(*(const float *)p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return double_to_json(*(const double *)p);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)p);
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        if (pbjson_enum_name(f->descriptor, v, name, sizeof name))
            return json_string(name);
        return json_integer(v); /* a value newer than our descriptor */
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return string_to_json(s ? s : "");
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
        return m ? pbjson_from_message(m) : json_object();
    }
    case PROTOBUF_C_TYPE_BYTES:
        break;
    }
    return NULL;
}

/* proto3 fields without presence are "not set" at their zero value. */
static bool value_is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *)p == 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *)p == 0;
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *)p;
    case PROTOBUF_C_TYPE_STRING:
        return !*(char *const *)p || **(char *const *)p == '\0';
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)p == NULL;
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    default:
        return elem_size(f->type) == 4 ? *(const uint32_t *)p == 0 : *(const uint64_t *)p == 0;
    }
}

/* Whether a singular field is present, by its label. */
static bool field_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    const void *p = (const char *)msg + f->offset;

    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return CMEMBER(uint32_t, msg, f->quantifier_offset) == f->id;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
        f->type != PROTOBUF_C_TYPE_MESSAGE)
        return CMEMBER(protobuf_c_boolean, msg, f->quantifier_offset);
    if (f->label == PROTOBUF_C_LABEL_NONE)
        return !value_is_default(f, p);
    return f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE
               ? *(void *const *)p != NULL
               : true; /* proto2 required */
}

json_t *pbjson_from_message(const ProtobufCMessage *msg)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    json_t *obj = json_object();

    if (!obj)
        return NULL;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        json_t *v;

        if (f->type == PROTOBUF_C_TYPE_BYTES)
            continue; /* not used by the contract; see pbjson.h */
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = CMEMBER(size_t, msg, f->quantifier_offset);
            const char *arr = CMEMBER(char *, msg, f->offset);

            if (n == 0)
                continue;
            v = json_array();
            for (size_t k = 0; v && k < n; k++) {
                if (json_array_append_new(v, value_to_json(f, arr + k * elem_size(f->type))) < 0) {
                    json_decref(v);
                    v = NULL;
                }
            }
        } else {
            if (!field_present(msg, f))
                continue;
            v = value_to_json(f, (const char *)msg + f->offset);
        }
        if (json_object_set_new(obj, f->name, v) < 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

/* ------------------------------------------------------------ from JSON */

typedef struct {
    char path[512]; /* "projects[1].level" while converting that field */
    size_t len;
    char *err;
    size_t err_len;
} conv;

static int conv_fail(conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int conv_fail(conv *c, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (c->err && c->err_len) {
        if (c->len)
            snprintf(c->err, c->err_len, "%s: %s", c->path, what);
        else
            snprintf(c->err, c->err_len, "%s", what);
    }
    return -1;
}

/* Append ".name" or "[i]" to the path; returns the old length to restore. */
static size_t path_push(conv *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static size_t path_push(conv *c, const char *fmt, ...)
{
    size_t old = c->len;
    va_list ap;
    int n;

    if (c->len < sizeof c->path - 1) {
        va_start(ap, fmt);
        n = vsnprintf(c->path + c->len, sizeof c->path - c->len, fmt, ap);
        va_end(ap);
        if (n > 0)
            c->len += (size_t)n < sizeof c->path - c->len ? (size_t)n : sizeof c->path - 1 - c->len;
    }
    return old;
}

static void path_pop(conv *c, size_t old)
{
    c->len = old;
    c->path[old] = '\0';
}

/* "enterprise, university, ... or other": the values a user may write. */
static void enum_expected(const ProtobufCEnumDescriptor *desc, char *buf, size_t len)
{
    char name[128];
    size_t o = 0;
    unsigned shown = 0, total = 0;

    for (unsigned i = 0; i < desc->n_values; i++)
        total += desc->values[i].value != 0; /* 0 is "unspecified" */
    buf[0] = '\0';
    for (unsigned i = 0; i < desc->n_values && o < len; i++) {
        if (desc->values[i].value == 0 ||
            !pbjson_enum_name(desc, desc->values[i].value, name, sizeof name))
            continue;
        shown++;
        o += (size_t)snprintf(buf + o, len - o, "%s%s",
                              shown == 1       ? ""
                              : shown == total ? " or "
                                               : ", ",
                              name);
    }
}

static int parse_unsigned(conv *c, json_t *v, uint64_t max, uint64_t *ret)
{
    if (json_is_integer(v)) {
        json_int_t n = json_integer_value(v);
        if (n < 0)
            return conv_fail(c, "expected a non-negative integer");
        if ((uint64_t)n > max)
            return conv_fail(c, "%" PRIu64 " is out of range (at most %" PRIu64 ")", (uint64_t)n,
                             max);
        *ret = (uint64_t)n;
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        /* Doubles at or above 2^64 are all whole numbers but out of range;
         * below it the conversion is exact for whole numbers. */
        if (d < 0)
            return conv_fail(c, "expected a non-negative integer");
        if (d >= 18446744073709551616.0)
            return conv_fail(c, "%.0f is out of range (at most %" PRIu64 ")", d, max);
        if ((double)(uint64_t)d != d)
            return conv_fail(c, "expected a non-negative integer");
        if ((uint64_t)d > max)
            return conv_fail(c, "%.0f is out of range (at most %" PRIu64 ")", d, max);
        *ret = (uint64_t)d;
        return 0;
    }
    return conv_fail(c, "expected a non-negative integer");
}

static int parse_signed(conv *c, json_t *v, int64_t min, int64_t max, int64_t *ret)
{
    json_int_t n;

    if (json_is_real(v) && json_real_value(v) >= -9223372036854775808.0 &&
        json_real_value(v) < 9223372036854775808.0 &&
        (double)(json_int_t)json_real_value(v) == json_real_value(v))
        n = (json_int_t)json_real_value(v);
    else if (json_is_integer(v))
        n = json_integer_value(v);
    else
        return conv_fail(c, "expected an integer");
    if (n < min || n > max)
        return conv_fail(c, "%" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")", (int64_t)n,
                         min, max);
    *ret = n;
    return 0;
}

static int parse_enum(conv *c, const ProtobufCEnumDescriptor *desc, json_t *v, int *ret)
{
    char expected[400], shown[64];

    if (json_is_string(v) && pbjson_enum_parse(desc, json_string_value(v), ret) == 0)
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= INT32_MIN &&
        json_integer_value(v) <= INT32_MAX &&
        protobuf_c_enum_descriptor_get_value(desc, (int)json_integer_value(v))) {
        *ret = (int)json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v) && !json_is_integer(v))
        return conv_fail(c, "expected a string");
    enum_expected(desc, expected, sizeof expected);
    if (json_is_string(v))
        return conv_fail(c, "unknown value \"%.*s\" (expected %s)", 48, json_string_value(v),
                         expected);
    snprintf(shown, sizeof shown, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return conv_fail(c, "unknown value %s (expected %s)", shown, expected);
}

static ProtobufCMessage *message_new(const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *m = calloc(1, desc->sizeof_message);

    if (m)
        protobuf_c_message_init(desc, m);
    return m;
}

static int fill_message(conv *c, ProtobufCMessage *msg, json_t *obj);

/* Convert one JSON value into the field's slot at p (an element of a
 * repeated field or a singular field). Strings and messages are written to
 * the slot before anything can fail inside them, so the owner frees them. */
static int parse_value(conv *c, const ProtobufCFieldDescriptor *f, json_t *v, void *p)
{
    uint64_t u;
    int64_t s;

    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        char *copy;
        if (!json_is_string(v))
            return conv_fail(c, "expected a string");
        if (strlen(json_string_value(v)) != json_string_length(v))
            return conv_fail(c, "a string must not contain NUL characters");
        copy = strdup(json_string_value(v));
        if (!copy)
            return conv_fail(c, "out of memory");
        *(char **)p = copy;
        return 0;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return conv_fail(c, "expected true or false");
        *(protobuf_c_boolean *)p = json_is_true(v);
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
    case PROTOBUF_C_TYPE_FLOAT:
        if (!json_is_number(v))
            return conv_fail(c, "expected a number");
        if (f->type == PROTOBUF_C_TYPE_DOUBLE)
            *(double *)p = json_number_value(v);
        else
            *(float *)p = (float)json_number_value(v);
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (parse_unsigned(c, v, UINT32_MAX, &u) < 0)
            return -1;
        *(uint32_t *)p = (uint32_t)u;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (parse_unsigned(c, v, UINT64_MAX, &u) < 0)
            return -1;
        *(uint64_t *)p = u;
        return 0;
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (parse_signed(c, v, INT32_MIN, INT32_MAX, &s) < 0)
            return -1;
        *(int32_t *)p = (int32_t)s;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (parse_signed(c, v, INT64_MIN, INT64_MAX, &s) < 0)
            return -1;
        *(int64_t *)p = s;
        return 0;
    case PROTOBUF_C_TYPE_ENUM:
        return parse_enum(c, f->descriptor, v, (int *)p);
    case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage *sub;
        if (!json_is_object(v))
            return conv_fail(c, "expected an object");
        sub = message_new(f->descriptor);
        if (!sub)
            return conv_fail(c, "out of memory");
        *(ProtobufCMessage **)p = sub;
        return fill_message(c, sub, v);
    }
    case PROTOBUF_C_TYPE_BYTES:
        break;
    }
    return conv_fail(c, "field type not supported");
}

static int parse_repeated(conv *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                          json_t *arr)
{
    size_t n = json_array_size(arr), size = elem_size(f->type);
    char *elems;

    if (!json_is_array(arr))
        return conv_fail(c, "expected an array");
    if (n == 0)
        return 0;
    elems = calloc(n, size);
    if (!elems)
        return conv_fail(c, "out of memory");
    MEMBER(char *, msg, f->offset) = elems;
    for (size_t i = 0; i < n; i++) {
        size_t old = path_push(c, "[%zu]", i);
        /* The count covers the element before it is filled, so a half-built
         * string or message is freed with the array. */
        MEMBER(size_t, msg, f->quantifier_offset) = i + 1;
        if (parse_value(c, f, json_array_get(arr, i), elems + i * size) < 0)
            return -1;
        path_pop(c, old);
    }
    return 0;
}

static int fill_field(conv *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, json_t *v)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;

    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return parse_repeated(c, msg, f, v);
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *which = &MEMBER(uint32_t, msg, f->quantifier_offset);
        if (*which != 0 && *which != f->id) {
            const ProtobufCFieldDescriptor *other =
                protobuf_c_message_descriptor_get_field(desc, *which);
            return conv_fail(c, "conflicts with %s (only one of them may be set)",
                             other ? other->name : "another field");
        }
        /* Set the case first: free_unpacked only looks at the chosen member. */
        *which = f->id;
    } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
               f->type != PROTOBUF_C_TYPE_MESSAGE) {
        MEMBER(protobuf_c_boolean, msg, f->quantifier_offset) = 1;
    }
    return parse_value(c, f, v, (char *)msg + f->offset);
}

static int fill_message(conv *c, ProtobufCMessage *msg, json_t *obj)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(msg->descriptor, key);
        size_t old = path_push(c, c->len ? ".%s" : "%s", key);

        if (!f || f->type == PROTOBUF_C_TYPE_BYTES)
            return conv_fail(c, "unknown field");
        /* null means "not given", as in proto3's JSON mapping. */
        if (!json_is_null(v) && fill_field(c, msg, f, v) < 0)
            return -1;
        path_pop(c, old);
    }
    return 0;
}

ProtobufCMessage *pbjson_to_message(const ProtobufCMessageDescriptor *desc, json_t *json, char *err,
                                    size_t err_len)
{
    conv c = {.err = err, .err_len = err_len};
    ProtobufCMessage *msg;

    if (err && err_len)
        err[0] = '\0';
    if (!json_is_object(json)) {
        conv_fail(&c, "expected a JSON object");
        return NULL;
    }
    msg = message_new(desc);
    if (!msg) {
        conv_fail(&c, "out of memory");
        return NULL;
    }
    if (fill_message(&c, msg, json) < 0) {
        protobuf_c_message_free_unpacked(msg, NULL);
        return NULL;
    }
    return msg;
}
