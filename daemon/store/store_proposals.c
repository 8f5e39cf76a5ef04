/* sb_store proposals: see store_proposals.h. Few proposals exist (one per
 * certification or revocation while four-eyes is on), so a filtered list
 * scans the database. */
#include "store_proposals.h"

#include <stdio.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_core.h"

int sb_store_proposal_next_id(sb_txn *t, char *buf, size_t len)
{
    uint64_t n;
    if (!buf || len < 32)
        return SB_E(SB_INVALID);
    int r = sb_store_next_serial(t, "proposal", &n);
    if (r < 0)
        return r;
    snprintf(buf, len, "prop-%06llu", (unsigned long long)n);
    return 0;
}

int sb_store_proposal_get(sb_txn *t, const char *id, ProtobufCAllocator *alloc,
                          Skillbase__Proposal **ret)
{
    if (!t || !ret || sb_store__check_key(id) < 0)
        return SB_E(SB_INVALID);
    MDB_val k = {strlen(id), (void *)id}, v;
    int rc = mdb_get(t->txn, t->s->proposals, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "proposal get");
    Skillbase__Proposal *p = skillbase__proposal__unpack(alloc, v.mv_size, v.mv_data);
    if (!p) {
        sb_log(SB_LOG_ERROR, "store: proposal %s does not decode", id);
        return SB_E(SB_INTERNAL);
    }
    *ret = p;
    return 0;
}

int sb_store_proposal_put(sb_txn *t, const Skillbase__Proposal *p)
{
    if (!t || !p || sb_store__check_key(p->id) < 0)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "proposal_put");
    if (r < 0)
        return r;
    MDB_val k = {strlen(p->id), p->id}, v = {skillbase__proposal__get_packed_size(p), NULL};
    int rc = mdb_put(t->txn, t->s->proposals, &k, &v, MDB_RESERVE);
    if (rc)
        return sb_store__err(t, rc, "proposal put");
    skillbase__proposal__pack(p, v.mv_data);
    rc = sb_store__reserved(t, t->s->proposals, &k, &v);
    return rc ? sb_store__err(t, rc, "proposal put") : 0;
}

int sb_store_proposal_list(sb_txn *t, Skillbase__ProposalState state, const char *after,
                           uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Proposal ***ret,
                           size_t *ret_n, bool *ret_more)
{
    if (!t || !ret || !ret_n || !ret_more)
        return SB_E(SB_INVALID);
    limit = sb_store__limit(limit);
    Skillbase__Proposal **out = sb_store__array_alloc(alloc, limit);
    if (!out)
        return SB_E(SB_INTERNAL);
    size_t n = 0;
    bool more = false;
    MDB_cursor *c;
    int rc = mdb_cursor_open(t->txn, t->s->proposals, &c);
    if (rc) {
        sb_store__array_free(alloc, out);
        return sb_store__err(t, rc, "cursor open");
    }
    MDB_val k = {after ? strlen(after) : 0, (void *)after}, v;
    rc =
        k.mv_size ? mdb_cursor_get(c, &k, &v, MDB_SET_RANGE) : mdb_cursor_get(c, &k, &v, MDB_FIRST);
    int r = 0;
    for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (after && k.mv_size == strlen(after) && memcmp(k.mv_data, after, k.mv_size) == 0)
            continue;
        Skillbase__Proposal *p = skillbase__proposal__unpack(alloc, v.mv_size, v.mv_data);
        if (!p) {
            sb_log(SB_LOG_ERROR, "store: proposal %.*s does not decode", (int)k.mv_size,
                   (char *)k.mv_data);
            r = SB_E(SB_INTERNAL);
            break;
        }
        if (state && p->state != state) {
            skillbase__proposal__free_unpacked(p, alloc);
            continue;
        }
        if (n == limit) {
            skillbase__proposal__free_unpacked(p, alloc);
            more = true;
            break;
        }
        out[n++] = p;
    }
    if (!r && rc && rc != MDB_NOTFOUND)
        r = sb_store__err(t, rc, "proposals read");
    mdb_cursor_close(c);
    if (r) {
        for (size_t i = 0; i < n; i++)
            skillbase__proposal__free_unpacked(out[i], alloc);
        sb_store__array_free(alloc, out);
        return r;
    }
    *ret = out;
    *ret_n = n;
    *ret_more = more;
    return 0;
}
