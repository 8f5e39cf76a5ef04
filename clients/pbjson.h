/* pbjson: protobuf-c messages <-> JSON (jansson), driven by descriptors.
 *
 * One converter for every message in proto/, so the CLI's --json output and
 * its input files always use the proto's field names. Mapping:
 *   - field names as in the .proto (snake_case);
 *   - enums as the lower-case value name ("in_publicity"); on input the
 *     value name in any case, or its number;
 *   - 64-bit integers as JSON numbers; bytes are not used by the contract;
 *   - on output, fields at their default (0, false, "", unset) are omitted,
 *     as in proto3's JSON mapping; repeated fields as arrays.
 * Input is strict: an unknown field, a wrong type, a negative or fractional
 * value for an unsigned field, or an unknown enum name is an error whose
 * message names the field path ("site.area_m2: expected a number").
 */
#ifndef PBJSON_H
#define PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>

/* Convert a message to a new JSON object (caller json_decref's it).
 * Returns NULL only when out of memory. */
json_t *pbjson_from_message(const ProtobufCMessage *msg);

/* Build a message of type `desc` from a JSON object. Returns the message
 * (caller frees with protobuf_c_message_free_unpacked(msg, NULL)), or NULL
 * with a one-line reason naming the field in err (err_len bytes). */
ProtobufCMessage *pbjson_to_message(const ProtobufCMessageDescriptor *desc, json_t *json, char *err,
                                    size_t err_len);

/* Lower-case JSON name of an enum value (e.g. "in_publicity"), written into
 * buf; returns buf, or NULL when the value is not in the enum. */
const char *pbjson_enum_name(const ProtobufCEnumDescriptor *desc, int value, char *buf, size_t len);

/* Parse an enum name (any case) or number. Returns 0 and *ret, or -1. */
int pbjson_enum_parse(const ProtobufCEnumDescriptor *desc, const char *name, int *ret);

#endif
