/* store_create: make a new LMDB environment so that a power cut leaves it
 * whole or absent (docs/powerloss.md). LMDB writes a new file's two meta
 * pages without syncing them; a cut before its first synced commit can
 * leave a data.mdb it refuses (MDB_INVALID) and the daemon could not start
 * by itself. So the file is made under a temporary name, synced, and only
 * then renamed to data.mdb, its directory synced. */
#ifndef SB_STORE_CREATE_H
#define SB_STORE_CREATE_H

#include <stddef.h>

/* Create dir/data.mdb (which must not exist) with this map size and
 * number of named databases. Returns 0, or SB_E(SB_INTERNAL) with the
 * reason logged. */
int sb_store__create(const char *dir, size_t map_size, unsigned max_dbs);

#endif
