/* sb_wal: the store's write-ahead log file (docs/storage.md, "The commit
 * log").
 *
 * One preallocated file of fixed size, written front to back in records
 * and synced after each one (pwritev + fdatasync). A record is
 *
 *   magic "SBW1" (4) | payload length u32 LE | generation u64 LE |
 *   number u64 LE | BLAKE2b-128 of the 24 bytes before it and the payload
 *   (16) | payload
 *
 * The generation names the checkpoint the record follows (the store uses
 * the LMDB transaction id the records are applied in); numbers run 0, 1,
 * 2, ... within a generation. Reading starts at offset 0 and stops at the
 * first record that is not the next valid one of the wanted generation: a
 * torn or never-finished tail, or what an older generation left behind.
 * After a checkpoint the file is reused from offset 0 under a new
 * generation, so it never grows and a sync writes data only.
 *
 * One owner thread, except that sb_wal_flush may run on a second one
 * (below). Errors: negated errno.
 */
#ifndef SB_WAL_H
#define SB_WAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sb_wal sb_wal;

/* Bytes of a record's header. */
#define SB_WAL_HEADER 40

/* Open the log at `path`, creating it if missing and extending it with
 * zeros (written and synced, not just allocated) to at least `bytes`.
 * A larger existing file is kept at its size. Returns 0 and *ret, or a
 * negated errno. */
int sb_wal_open(const char *path, uint64_t bytes, sb_wal **ret);

/* Close and set *w to NULL (NULL is ignored). */
void sb_wal_close(sb_wal **w);

/* Read the records of generation `gen` from the start, calling fn with
 * each payload (valid during the call) in order, and place the append
 * position after the last valid one. fn returning non-zero stops the scan
 * with that value. Returns 0 (or fn's value, or a negated errno for a
 * read error) and *ret_records (how many were passed to fn). */
int sb_wal_scan(sb_wal *w, uint64_t gen, int (*fn)(void *arg, const uint8_t *p, size_t n),
                void *arg, uint64_t *ret_records);

/* Whether a payload of n bytes fits after the records written so far. */
bool sb_wal_fits(const sb_wal *w, size_t n);

/* Append one record of generation `gen` (the next number) and make it
 * durable. Returns 0, or a negated errno; on failure the append position
 * does not move, so the next record overwrites whatever reached the file. */
int sb_wal_append(sb_wal *w, uint64_t gen, const uint8_t *p, size_t n);

/* The same in two steps, so that the sync can run on another thread:
 * stage copies the record into memory and takes its place and number
 * (thread-safe; -ENOSPC when it does not fit); flush writes everything
 * staged so far and syncs it (one thread at a time). A failed flush
 * leaves the staged records' fate unknown: the caller must stop using
 * the log (the store stops the daemon; a restart replays what landed). */
int sb_wal_stage(sb_wal *w, uint64_t gen, const uint8_t *p, size_t n);
int sb_wal_flush(sb_wal *w);

/* Start again at offset 0, numbering from 0: call after a checkpoint made
 * everything in the file durable elsewhere (the next generation). */
void sb_wal_restart(sb_wal *w);

/* Bytes written since the last restart, and the file's size. */
uint64_t sb_wal_used(const sb_wal *w);
uint64_t sb_wal_capacity(const sb_wal *w);

#endif
