/* sb_store audit: the event log as a hash chain (docs/audit.md).
 *
 * Every event the store appends carries the hash of the event before it
 * (prev_hash) and its own hash, SHA-256 over prev_hash followed by the
 * event packed without its hash. The stored value of event `seq` is that
 * packing followed by the hash as field 14 (bytes 0x72 0x20 and the 32
 * hash bytes), so anyone can check the chain from the raw values of the
 * "events" database without a protobuf library. The store keeps the head
 * (latest sequence and hash) in meta "audit/head".
 *
 * Changing an event in place breaks its own hash; rewriting an event and
 * its hash breaks the link of the one after it; rewriting the whole tail
 * after some event (and the head) is only visible against a head recorded
 * elsewhere before — which is what `skillbasectl audit head` is for.
 *
 * Stores of schema 1 hold events without hashes: the schema 2 migration
 * (store_migrate.c) computes the chain over them once, at the first start
 * of this build, and records how far in meta "audit/migrated_through".
 */
#ifndef SB_STORE_AUDIT_H
#define SB_STORE_AUDIT_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define SB_AUDIT_HASH_LEN 32
/* Bytes after the event's packing in a stored value: tag, length, hash. */
#define SB_AUDIT_TRAILER_LEN (2 + SB_AUDIT_HASH_LEN)
/* Events one verify request checks at most, and by default. */
#define SB_AUDIT_VERIFY_MAX 100000
#define SB_AUDIT_VERIFY_DEFAULT 10000

typedef struct {
    uint64_t seq;                    /* latest event; 0 when none */
    uint8_t hash[SB_AUDIT_HASH_LEN]; /* its hash; zeros when none */
    uint64_t time_ms;                /* when it was committed */
    uint64_t migrated_through;       /* events 1..this were hashed by the migration */
} sb_audit_head;

typedef struct {
    uint64_t from_seq; /* first event checked */
    uint64_t to_seq;   /* last event checked; 0 when none */
    uint64_t next_seq; /* where to go on; 0 at the head or after a mismatch */
    uint64_t checked;  /* events checked */
    bool ok;           /* no mismatch found */
    uint64_t bad_seq;  /* the first event that does not match */
    char problem[256]; /* what is wrong with it */
    sb_audit_head head;
} sb_audit_report;

/* The head of the chain, in transaction t. */
int sb_store_audit_head(sb_txn *t, sb_audit_head *ret);

/* Check up to `limit` events (0: SB_AUDIT_VERIFY_DEFAULT, capped at
 * SB_AUDIT_VERIFY_MAX) from `from_seq` (0 or 1: the first). From a later
 * event the stored hash of the one before is trusted. Returns 0 with *ret
 * filled (a mismatch is a finding, not an error), or a store error. */
int sb_store_audit_verify(sb_txn *t, uint64_t from_seq, uint32_t limit, sb_audit_report *ret);

/* The same over a raw LMDB transaction and the "events" and "meta"
 * databases, for tools that open an environment of their own (verifying a
 * backup). Returns 0, or -1 when LMDB fails (the reason in ret->problem). */
int sb_audit_walk(MDB_txn *txn, MDB_dbi events, MDB_dbi meta, uint64_t from_seq, uint64_t limit,
                  sb_audit_report *ret);

/* For the store's own files (store_events.c, store_migrate.c): append `ev`
 * (seq set) under `key` as the next link and move the head; and the schema
 * 2 migration step that chains the events a store of schema 1 holds. */
int sb_store__audit_append(sb_txn *t, MDB_val *key, Skillbase__Event *ev);
int sb_store__audit_migrate(sb_txn *t);

#endif
