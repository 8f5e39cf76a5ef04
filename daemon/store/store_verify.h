/* sb_store_verify: check a store directory (a backup, or a store about to
 * be restored) without changing it.
 *
 * The environment is opened read-only, in its own LMDB environment, and
 * read in one read transaction (a consistent snapshot even if a daemon is
 * writing to it). Checked, against docs/storage.md:
 *
 *   - the schema version: present, and not newer than this build's (an
 *     older one is reported as a note: the daemon migrates it at start);
 *   - records: every value decodes, its id is its key and has its kind's
 *     prefix, its state is valid;
 *   - state_idx: exactly one entry per record, under its kind and current
 *     state, and nothing else; the per-state counts in meta match;
 *   - credit_idx: an entry for every record that has a credit code, and
 *     every entry names an existing record with that code;
 *   - events: numbered 1..last without a gap, meta event_seq is last, every
 *     event decodes and carries its own number;
 *   - entity_events: exactly one entry per event, under its entity;
 *   - the id counters are not behind the highest id in use;
 *   - idempotency entries decode;
 *   - the audit hash chain (store_audit.h), from the first event to the
 *     head, for stores of schema 2 and later;
 *   - documents (store_documents.h): every file a record names is in
 *     documents/ with its size and SHA-256, and the per-file counters match.
 *
 * Every problem found is passed to a callback, one line each, and counted.
 */
#ifndef SB_STORE_VERIFY_H
#define SB_STORE_VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "store_documents.h"

typedef struct {
    uint32_t schema_version;
    uint64_t applications, bases; /* records */
    uint64_t events, last_seq;
    uint64_t idem_keys;
    uint64_t audit_checked;     /* events whose hash-chain link was checked */
    uint64_t data_bytes;        /* size of data.mdb */
    uint64_t problems;          /* problems found (0: the store is sound) */
    int older_schema;           /* 1 when the schema predates this build's */
    sb_docs_verify_report docs; /* documents and their files */
} sb_verify_report;

/* Called for each problem, e.g. "state_idx: base-000002 listed as certified,
 * record says assessed". */
typedef void (*sb_verify_problem_fn)(void *arg, const char *problem);

/* Verify the store in directory `dir`. Returns 0 when it could be read
 * (ret->problems says whether it is sound), or -1 when it could not be
 * opened at all (the reason passed to `problem`). `problem` may be NULL. */
int sb_store_verify(const char *dir, sb_verify_problem_fn problem, void *arg,
                    sb_verify_report *ret);

/* `skillbased --restore-check DIR`: verify, print the problems (at most
 * 50) to `err` and a summary to `out`. Returns the exit status: 0 when the
 * store is sound, 1 when it is not or cannot be read. */
int sb_store_verify_print(const char *dir, FILE *out, FILE *err);

#endif
