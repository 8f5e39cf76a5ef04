/* sb_store subsidy: what the subsidy of policy 六(二) is computed from and
 * what it came to. A delivery is one record of a public-welfare training
 * service a sub-base delivered (on the wire and on disk a ServiceRecord,
 * record_service, the `services` database; here "delivery", so it is not
 * read as the `service` role or the systemd unit); a statement is the
 * subsidy computed from a sub-base's deliveries of one year.
 *
 * Databases (docs/storage.md), all composite keys without DUPSORT:
 *   services     base_id NUL date NUL id -> packed Skillbase__ServiceRecord
 *                (a base's records in date order: one range per year)
 *   service_idx  'i' id                    -> the record's services key
 *                'x' source NUL external_id -> id (one record per source id)
 *                'c' year(4) NUL base_id   -> u64 LE: records of that base
 *                                             and year ever added (the
 *                                             statement's input version)
 *   statements   year(4) NUL base_id       -> packed Skillbase__SubsidyStatement
 *
 * Records are only ever added, never changed or deleted, so a count is
 * also a version: a statement computed from N records is current while the
 * count is N. Same contract as store.h: 0 or a negated sb_error code,
 * messages unpacked with the caller's allocator.
 */
#ifndef SB_STORE_SUBSIDY_H
#define SB_STORE_SUBSIDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Room for "svc-" and the digits of a u64 and a NUL. */
#define SB_DELIVERY_ID_MAX 32

/* Add a new record. Allocates its id ("svc-000001", ...) into id_buf (at
 * least SB_DELIVERY_ID_MAX bytes), points rec->id at it, stores the record,
 * its indexes and the base/year count. rec->date must be a valid date and
 * rec->base_id a key. Returns 0 with *ret_count (the base/year count after
 * the add), SB_E(SB_CONFLICT) when rec->external_id is set and already
 * used by rec->source, SB_E(SB_INVALID) for an unusable key, or a store
 * error. */
int sb_store_delivery_add(sb_txn *t, Skillbase__ServiceRecord *rec, char *id_buf,
                          uint64_t *ret_count);

/* The record with id `id`: 0 and *ret (free with
 * skillbase__service_record__free_unpacked(r, alloc)) or SB_E(SB_NOT_FOUND). */
int sb_store_delivery_get(sb_txn *t, const char *id, ProtobufCAllocator *alloc,
                          Skillbase__ServiceRecord **ret);

/* The record `source` reported under `external_id`, as sb_store_delivery_get. */
int sb_store_delivery_find_external(sb_txn *t, const char *source, const char *external_id,
                                    ProtobufCAllocator *alloc, Skillbase__ServiceRecord **ret);

/* Records of one base and year in (date, id) order, starting after record
 * id `after` (NULL or "": from the start; an id of another base or year is
 * SB_E(SB_INVALID)), at most `limit` (0: 100; capped at 1000). Returns 0
 * with *ret_records (free with sb_store_deliveries_free), *ret_n, *ret_more. */
int sb_store_deliveries_list(sb_txn *t, const char *base_id, int year, const char *after,
                             uint32_t limit, ProtobufCAllocator *alloc,
                             Skillbase__ServiceRecord ***ret_records, size_t *ret_n,
                             bool *ret_more);

void sb_store_deliveries_free(Skillbase__ServiceRecord **records, size_t n,
                              ProtobufCAllocator *alloc);

/* Records ever added for a base and year (0 when none). */
int sb_store_delivery_count(sb_txn *t, const char *base_id, int year, uint64_t *ret);

/* Call fn(base_id, count, arg) for every base with records in `year`, in
 * base id order, until fn returns non-zero; returns that value, 0, or a
 * store error. fn must not write to the store. */
int sb_store_delivery_bases_each(sb_txn *t, int year,
                                 int (*fn)(const char *base_id, uint64_t count, void *arg),
                                 void *arg);

/* Store (replace) the statement of st->base_id and st->year. */
int sb_store_statement_put(sb_txn *t, const Skillbase__SubsidyStatement *st);

/* The statement of a base and year: 0 and *ret (free with
 * skillbase__subsidy_statement__free_unpacked(s, alloc)) or
 * SB_E(SB_NOT_FOUND). */
int sb_store_statement_get(sb_txn *t, const char *base_id, int year, ProtobufCAllocator *alloc,
                           Skillbase__SubsidyStatement **ret);

/* Statements of `year` in base id order, starting after base `after` (NULL
 * or "": from the start), until their packed sizes pass `max_bytes` (at
 * least one is returned when any is left). Returns 0 with *ret_statements
 * (free with sb_store_statements_free), *ret_n and *ret_more. */
int sb_store_statements_list(sb_txn *t, int year, const char *after, size_t max_bytes,
                             ProtobufCAllocator *alloc,
                             Skillbase__SubsidyStatement ***ret_statements, size_t *ret_n,
                             bool *ret_more);

void sb_store_statements_free(Skillbase__SubsidyStatement **statements, size_t n,
                              ProtobufCAllocator *alloc);

/* Call fn(st, arg) for every statement of every year, in key order (year,
 * then sub-base), from the one after (after_year, after_base) (after_base
 * NULL or "": from the first); fn owns nothing (st is in alloc) and returns
 * 0 to go on, > 0 to stop, < 0 to fail with that code. Returns 0 or the
 * negative code. */
int sb_store_statements_scan(sb_txn *t, int after_year, const char *after_base,
                             ProtobufCAllocator *alloc,
                             int (*fn)(Skillbase__SubsidyStatement *st, void *arg), void *arg);

#endif
