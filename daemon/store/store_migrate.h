/* store_migrate.h: schema migrations, run by sb_store_open (private to
 * daemon/store and its unit tests). */
#ifndef SB_STORE_MIGRATE_H
#define SB_STORE_MIGRATE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One step of a schema migration (store_migrate.c): turns a store of
 * version `from` into one of version `to` inside the caller's write
 * transaction. */
typedef struct {
    uint32_t from, to;
    const char *what; /* one line for the log */
    int (*fn)(sb_txn *t);
} sb_store_migration;

/* Bring the store in t from schema `from` to SB_STORE_SCHEMA_VERSION.
 * Returns 0, or a negated error (logged) when a step is missing or fails. */
int sb_store__migrate(sb_txn *t, uint64_t from);

/* The same over a given table of steps, up to `to` (tests use their own). */
int sb_store__migrate_with(sb_txn *t, uint64_t from, uint64_t to, const sb_store_migration *steps,
                           size_t n_steps);

#endif
