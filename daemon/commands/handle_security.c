/* The audit and identity reads: audit_verify, audit_head, whoami
 * (docs/security.md, docs/audit.md). */
#include <string.h>

#include "access.h"
#include "handlers_private.h"
#include "sb_error.h"
#include "store_audit.h"

static uint8_t *copy_hash(sb_call *call, const uint8_t *hash)
{
    uint8_t *h = sb_arena_alloc(call->arena, SB_AUDIT_HASH_LEN);
    if (h)
        memcpy(h, hash, SB_AUDIT_HASH_LEN);
    return h;
}

int sb_handler_audit_verify(sb_call *call)
{
    const Skillbase__AuditVerify *q = call->req->audit_verify;
    if (q->limit > SB_AUDIT_VERIFY_MAX)
        return sb_call_fail(call, SB_INVALID, "limit: at most %d", SB_AUDIT_VERIFY_MAX);
    sb_audit_report r;
    int rc = sb_store_audit_verify(call->txn, q->from_seq, q->limit, &r);
    if (rc)
        return rc;
    Skillbase__AuditReport *out = sb_arena_alloc(call->arena, sizeof *out);
    if (!out)
        return SB_E(SB_INTERNAL);
    skillbase__audit_report__init(out);
    out->from_seq = r.from_seq;
    out->to_seq = r.to_seq;
    out->next_seq = r.next_seq;
    out->ok = r.ok;
    out->bad_seq = r.bad_seq;
    out->problem = sb_arena_strdup(call->arena, r.problem);
    out->head_seq = r.head.seq;
    out->head_hash.data = copy_hash(call, r.head.hash);
    out->head_hash.len = SB_AUDIT_HASH_LEN;
    out->migrated_through = r.head.migrated_through;
    if (!out->problem || !out->head_hash.data)
        return SB_E(SB_INTERNAL);
    call->reply->result_case = SKILLBASE__REPLY__RESULT_AUDIT;
    call->reply->audit = out;
    return 0;
}

int sb_handler_audit_head(sb_call *call)
{
    sb_audit_head h;
    int rc = sb_store_audit_head(call->txn, &h);
    if (rc)
        return rc;
    Skillbase__AuditHead *out = sb_arena_alloc(call->arena, sizeof *out);
    if (!out)
        return SB_E(SB_INTERNAL);
    skillbase__audit_head__init(out);
    out->seq = h.seq;
    out->hash.data = copy_hash(call, h.hash);
    out->hash.len = SB_AUDIT_HASH_LEN;
    out->time_ms = h.time_ms;
    out->migrated_through = h.migrated_through;
    if (!out->hash.data)
        return SB_E(SB_INTERNAL);
    call->reply->result_case = SKILLBASE__REPLY__RESULT_AUDIT_HEAD;
    call->reply->audit_head = out;
    return 0;
}

int sb_handler_whoami(sb_call *call)
{
    const sb_caller *c = call->caller;
    Skillbase__Identity *id = sb_arena_alloc(call->arena, sizeof *id);
    if (!id)
        return SB_E(SB_INTERNAL);
    skillbase__identity__init(id);
    id->name = (char *)(c && c->name ? c->name : "");
    id->role = (char *)sb_access_role_name(c ? c->role : 0);
    id->authenticated = c && c->name;
    if (c && c->n_types) {
        id->types = (char **)c->types;
        id->n_types = c->n_types;
    }
    if (c && c->district)
        id->district = (char *)c->district; /* 六(五): a district-scoped key */
    call->reply->result_case = SKILLBASE__REPLY__RESULT_IDENTITY;
    call->reply->identity = id;
    return 0;
}
