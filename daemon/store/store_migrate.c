/* sb_store migrations: bringing a store written by an older schema up to
 * SB_STORE_SCHEMA_VERSION when the daemon opens it.
 *
 * One row per schema version that ever existed: what a store of that
 * version needs to become the next one. store_init runs the rows from the
 * store's version up to this build's inside the same write transaction that
 * then records the new version, so a migration is all or nothing: a crash
 * or an error half-way leaves the store at its old version, untouched.
 *
 * To change the schema: raise SB_STORE_SCHEMA_VERSION, add the step from
 * the previous version here, describe it in docs/storage.md and
 * docs/operations.md, and test it on a store of the old version.
 */
#include <stdint.h>
#include <stdio.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_audit.h"
#include "store_core.h"
#include "store_migrate.h"
#include "store_names.h"

/* Version 1 is the first schema: records, state_idx, credit_idx, events,
 * entity_events, idem and meta. Databases added later (the job outbox,
 * service records) are created empty when missing, which needs no step. */
/* Nothing to rewrite: the version only tells an older daemon, which would
 * read the new entries wrongly, that it cannot open this store. */
static int by_reference(sb_txn *t)
{
    (void)t;
    return 0;
}

static const sb_store_migration migrations[] = {
    /* 2: every event carries prev_hash and hash (store_audit.c) */
    {1, 2, "chain the events into the audit hash chain", sb_store__audit_migrate},
    /* 3: new jobs and idempotency entries name an event instead of holding
     * a copy of it; the older ones keep their copies, which read as before */
    {2, 3, "keep new jobs' events and kept replies' records by event number", by_reference},
    /* 4: assessment results carry their cycle (五(一)), a correction flag,
     * the rubric maxima; sub-bases carry warnings, applications warnings.
     * Records and events are kept as they are — rewriting a record would
     * not touch the audit chain, but nothing needs it: a result without a
     * cycle has it derived from its date (handle_base.c). The version stops
     * an older daemon, which would drop the new fields on its next write. */
    {3, 4, "assessment results by cycle, corrections, warnings (older results keep theirs)",
     by_reference},
    /* 5: the index of granted names (store_names.c), so a name held by a
     * live sub-base is refused (二(三)2); records and events untouched */
    {4, 5, "index the names granted to sub-bases", sb_store__names_migrate},
};

int sb_store__migrate_with(sb_txn *t, uint64_t from, uint64_t to, const sb_store_migration *steps,
                           size_t n_steps)
{
    uint64_t v = from;
    while (v < to) {
        const sb_store_migration *step = NULL;
        for (size_t i = 0; i < n_steps; i++)
            if (steps[i].from == v && steps[i].to > v)
                step = &steps[i];
        if (!step) {
            sb_log(SB_LOG_ERROR,
                   "store %s: no migration from schema version %llu (this build "
                   "reads %llu)",
                   t->s->dir, (unsigned long long)v, (unsigned long long)to);
            return SB_E(SB_INTERNAL);
        }
        sb_log(SB_LOG_INFO, "store %s: migrating schema %u -> %u: %s", t->s->dir, step->from,
               step->to, step->what);
        int r = step->fn(t);
        if (r < 0) {
            sb_log(SB_LOG_ERROR, "store %s: migration %u -> %u failed; the store is unchanged",
                   t->s->dir, step->from, step->to);
            return r;
        }
        v = step->to;
    }
    return 0;
}

int sb_store__migrate(sb_txn *t, uint64_t from)
{
    return sb_store__migrate_with(t, from, SB_STORE_SCHEMA_VERSION, migrations,
                                  sizeof migrations / sizeof migrations[0]);
}
