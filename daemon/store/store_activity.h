/* sb_store activity: what a sub-base keeps and files after certification —
 * its equipment register (四(二), 四(三)), its yearly activity filings (三,
 * 四(一)), the reminders scheduled for them, and the bureau's
 * recommendations (六(三), 六(四)).
 *
 * One database, "activity" (docs/storage.md), composite keys without
 * DUPSORT, a one-byte tag first:
 *   'e' base_id NUL item_id           -> packed Skillbase__EquipmentItem
 *   'a' base_id NUL year(4)           -> packed Skillbase__ActivityFiling
 *   's' base_id                       -> u32 LE: last year whose filing
 *                                        reminders are scheduled
 *   'r' kind(1) on(10) NUL base_id    -> packed Skillbase__Recommendation
 * A store written before this module has none of them: everything reads as
 * empty. Same contract as store.h: 0 or a negated sb_error code, messages
 * unpacked with the caller's allocator.
 */
#ifndef SB_STORE_ACTIVITY_H
#define SB_STORE_ACTIVITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Longest key this module builds. */
#define SB_ACTIVITY_KEY_MAX 480

/* Build a key: tag, then each part (NUL-separated). Returns its length, or
 * 0 when a part is empty or the key would pass SB_ACTIVITY_KEY_MAX. */
size_t sb_store_activity_key(uint8_t *buf, char tag, const char *a, const char *b);

/* Store (replace) message m under key. */
int sb_store_activity_put(sb_txn *t, const uint8_t *key, size_t klen, const ProtobufCMessage *m);

/* The message under key: 0 and *ret (free with
 * protobuf_c_message_free_unpacked(m, alloc)), SB_E(SB_NOT_FOUND), or
 * SB_E(SB_INTERNAL) when the stored bytes do not decode. */
int sb_store_activity_get(sb_txn *t, const uint8_t *key, size_t klen,
                          const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
                          ProtobufCMessage **ret);

/* Call fn(message, arg) for every key starting with prefix, in key order,
 * until fn returns non-zero (returned as it is); 0 or a store error. The
 * messages are unpacked with alloc and are the caller's. fn must not write. */
int sb_store_activity_each(sb_txn *t, const uint8_t *prefix, size_t plen,
                           const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
                           int (*fn)(ProtobufCMessage *m, void *arg), void *arg);

/* The u32 under key (0 when absent) and its update. */
int sb_store_activity_u32_get(sb_txn *t, const uint8_t *key, size_t klen, uint32_t *ret);
int sb_store_activity_u32_put(sb_txn *t, const uint8_t *key, size_t klen, uint32_t v);

#endif
