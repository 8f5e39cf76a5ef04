/* District-scoped keys (六(五)): scope.h says what they may do. */
#include "scope.h"

#include <string.h>

#include "handlers_private.h"
#include "rules.h"
#include "sb_error.h"
#include "store_proposals.h"

/* The fields of a command (or of a message inside it) that name a record. */
static const char *const id_fields[] = {"id", "base_id", "application_id", "entity_id", "entity"};

/* Commands that name no record and still run for a scoped key: reads that
 * filter what they return, and those that show nothing of a record. */
static const Skillbase__Request__CommandCase unscoped_ok[] = {
    SKILLBASE__REQUEST__COMMAND_STATUS,
    SKILLBASE__REQUEST__COMMAND_WHOAMI,
    SKILLBASE__REQUEST__COMMAND_RULES,
    SKILLBASE__REQUEST__COMMAND_LIST,
    SKILLBASE__REQUEST__COMMAND_READ_EVENTS,
    SKILLBASE__REQUEST__COMMAND_LIST_PROPOSALS,
    SKILLBASE__REQUEST__COMMAND_AUDIT_HEAD,
    SKILLBASE__REQUEST__COMMAND_AUDIT_VERIFY,
    /* the rest of an upload: document_begin named the record and was
     * checked, and an upload belongs to the caller that began it */
    SKILLBASE__REQUEST__COMMAND_DOCUMENT_CHUNK,
    SKILLBASE__REQUEST__COMMAND_DOCUMENT_COMMIT,
};

#define MAX_NAMED 8
#define DEPTH_MAX 2

/* The record's level (unset: CITY) and the district it belongs to (its
 * unit's, canonical; may be "" on a malformed record). */
static Skillbase__BaseLevel sb_scope_record_level(const Skillbase__Record *rec)
{
    Skillbase__BaseLevel l = SKILLBASE__BASE_LEVEL__BASE_LEVEL_UNSPECIFIED;
    if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base)
        l = rec->sub_base->base_level;
    else if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && rec->application &&
             rec->application->form)
        l = rec->application->form->base_level;
    return l == SKILLBASE__BASE_LEVEL__DISTRICT ? l : SKILLBASE__BASE_LEVEL__CITY;
}

static const char *sb_scope_record_district(const Skillbase__Record *rec)
{
    const char *d = NULL;
    if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base)
        d = rec->sub_base->district;
    else if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && rec->application &&
             rec->application->form && rec->application->form->unit)
        d = rec->application->form->unit->district;
    return d ? d : "";
}

/* True when `caller` may see `rec` (always without a district scope). */
static bool sb_scope_record_visible(const sb_caller *caller, const Skillbase__Record *rec)
{
    if (!caller || !caller->district)
        return true;
    return rec && sb_scope_record_level(rec) == SKILLBASE__BASE_LEVEL__DISTRICT &&
           strcmp(sb_scope_record_district(rec), caller->district) == 0;
}

/* True when `caller` may see the event (the record it carries). */
static bool sb_scope_event_visible(const sb_caller *caller, const Skillbase__Event *ev)
{
    if (!caller || !caller->district)
        return true;
    return ev->record && sb_scope_record_visible(caller, ev->record);
}

void sb_scope_filter_events(const sb_caller *caller, Skillbase__Event **items, size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++)
        if (sb_scope_event_visible(caller, items[i]))
            items[k++] = items[i];
    *n = k;
}

/* The record ids `msg` names (fields of id_fields, and in messages inside
 * it down to DEPTH_MAX), into ids[*n] (at most MAX_NAMED). */
static void named_ids(const ProtobufCMessage *msg, int depth, const char **ids, size_t *n)
{
    if (!msg || depth > DEPTH_MAX)
        return;
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        const char *at = (const char *)msg + f->offset;
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
            named_ids(*(const ProtobufCMessage *const *)at, depth + 1, ids, n);
            continue;
        }
        if (f->type != PROTOBUF_C_TYPE_STRING)
            continue;
        const char *v = *(const char *const *)at;
        if (!v || !v[0] || *n == MAX_NAMED)
            continue;
        for (size_t j = 0; j < sizeof id_fields / sizeof id_fields[0]; j++)
            if (strcmp(f->name, id_fields[j]) == 0)
                ids[(*n)++] = v;
    }
}

/* What a record is, for a refusal: "a city-level sub-base", "a
 * district-level application of 西湖区". */
static const char *describe(sb_call *call, const Skillbase__Record *rec)
{
    const char *kind =
        rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE ? "sub-base" : "application";
    if (sb_scope_record_level(rec) != SKILLBASE__BASE_LEVEL__DISTRICT)
        return sb_arena_printf(call->arena, "a city-level %s (市级, the city bureau's)", kind);
    return sb_arena_printf(call->arena, "a district-level %s of %s", kind,
                           sb_scope_record_district(rec));
}

static int refuse(sb_call *call, const sb_command *cmd, const char *what)
{
    const sb_caller *c = call->caller;
    return sb_call_fail(call, SB_FORBIDDEN,
                        "key %s is scoped to %s (六(五)): it runs %s only for %s's district-level "
                        "applications and sub-bases; %s",
                        c->name ? c->name : "(ipc)", c->district, cmd->name, c->district,
                        what ? what : "out of memory");
}

/* apply and import_base (a record to be): district-level, and of the key's
 * district. */
static int check_new(sb_call *call, const sb_command *cmd, Skillbase__BaseLevel level,
                     const Skillbase__Unit *unit)
{
    if (level != SKILLBASE__BASE_LEVEL__DISTRICT)
        return refuse(call, cmd, "the record would be city-level (set base_level to DISTRICT)");
    const char *d = unit && unit->district ? sb_rules_district(unit->district) : NULL;
    if (!d || strcmp(d, call->caller->district) != 0)
        return refuse(call, cmd,
                      sb_arena_printf(call->arena, "the unit is in %s",
                                      unit && unit->district && unit->district[0] ? unit->district
                                                                                  : "no district"));
    return 0;
}

static int check_apply(sb_call *call, const sb_command *cmd, const Skillbase__Request *req)
{
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_IMPORT_BASE) {
        const Skillbase__ImportBase *q = req->import_base;
        return check_new(call, cmd, q ? q->base_level : 0, q ? q->unit : NULL);
    }
    const Skillbase__ApplicationForm *form = req->apply ? req->apply->form : NULL;
    return check_new(call, cmd, form ? form->base_level : 0, form ? form->unit : NULL);
}

/* confirm or discard of a proposal to import (no record yet): as the import. */
static int check_import_proposal(sb_call *call, const sb_command *cmd, bool *ret_done)
{
    const Skillbase__Request *req = call->req;
    const Skillbase__ProposalRef *ref =
        req->command_case == SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL   ? req->confirm_proposal
        : req->command_case == SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL ? req->discard_proposal
                                                                            : NULL;
    *ret_done = false;
    if (!ref || !ref->id || !ref->id[0] || strlen(ref->id) > SB_ID_MAX)
        return 0;
    Skillbase__Proposal *p = NULL;
    int rc = sb_store_proposal_get(call->txn, ref->id, &call->arena->pb, &p);
    if (rc == SB_E(SB_NOT_FOUND))
        return 0;
    if (rc)
        return rc;
    if (!p->command || p->command->command_case != SKILLBASE__REQUEST__COMMAND_IMPORT_BASE)
        return 0;
    *ret_done = true;
    return check_apply(call, cmd, p->command);
}

/* The record `id` names (a proposal: its record) into *ret; NULL when none. */
static int named_record(sb_call *call, const char *id, Skillbase__Record **ret)
{
    *ret = NULL;
    int rc = sb_store_record_get(call->txn, id, &call->arena->pb, ret);
    if (rc != SB_E(SB_NOT_FOUND))
        return rc;
    *ret = NULL;
    Skillbase__Proposal *p = NULL;
    rc = sb_store_proposal_get(call->txn, id, &call->arena->pb, &p);
    if (rc == SB_E(SB_NOT_FOUND) || (!rc && (!p->entity_id || !p->entity_id[0])))
        return 0;
    if (rc)
        return rc;
    rc = sb_store_record_get(call->txn, p->entity_id, &call->arena->pb, ret);
    if (rc == SB_E(SB_NOT_FOUND)) {
        *ret = NULL;
        return 0;
    }
    return rc;
}

int sb_scope_check(sb_call *call, const sb_command *cmd)
{
    const sb_caller *c = call->caller;
    if (!c || !c->district)
        return 0;
    const Skillbase__Request *req = call->req;
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_APPLY ||
        req->command_case == SKILLBASE__REQUEST__COMMAND_IMPORT_BASE)
        return check_apply(call, cmd, req);
    bool done;
    int prc = check_import_proposal(call, cmd, &done);
    if (prc || done)
        return prc;
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(req->base.descriptor, (unsigned)req->command_case);
    const ProtobufCMessage *msg =
        f ? *(const ProtobufCMessage *const *)((const char *)req + f->offset) : NULL;
    const char *ids[MAX_NAMED];
    size_t n = 0, found = 0;
    named_ids(msg, 0, ids, &n);
    for (size_t i = 0; i < n; i++) {
        Skillbase__Record *rec;
        if (strlen(ids[i]) > SB_ID_MAX)
            continue;
        int rc = named_record(call, ids[i], &rec);
        if (rc)
            return rc;
        if (!rec)
            continue;
        if (!sb_scope_record_visible(c, rec))
            return refuse(call, cmd,
                          sb_arena_printf(call->arena, "%s is %s", ids[i], describe(call, rec)));
        found++;
    }
    if (found)
        return 0;
    for (size_t i = 0; i < sizeof unscoped_ok / sizeof unscoped_ok[0]; i++)
        if (unscoped_ok[i] == req->command_case)
            return 0;
    return refuse(call, cmd,
                  n ? sb_arena_printf(call->arena,
                                      "%s names no application or sub-base of its "
                                      "own (the city bureau's keys run it)",
                                      ids[0])
                    : "the command names no application or sub-base of its own (the city "
                      "bureau's keys run it)");
}

/* A proposal to import (no record yet): the caller's when the import is
 * district-level in its district. */
static bool import_visible(const sb_caller *c, const Skillbase__Proposal *p)
{
    const Skillbase__ImportBase *q =
        p->command && p->command->command_case == SKILLBASE__REQUEST__COMMAND_IMPORT_BASE
            ? p->command->import_base
            : NULL;
    if (!q || q->base_level != SKILLBASE__BASE_LEVEL__DISTRICT || !q->unit || !q->unit->district)
        return false;
    const char *d = sb_rules_district(q->unit->district);
    return d && strcmp(d, c->district) == 0;
}

int sb_scope_filter_proposals(sb_call *call, Skillbase__Proposal **items, size_t *n)
{
    const sb_caller *c = call->caller;
    if (!c || !c->district)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        Skillbase__Record *rec = NULL;
        int rc = sb_store_record_get(call->txn, items[i]->entity_id, &call->arena->pb, &rec);
        if (rc && rc != SB_E(SB_NOT_FOUND))
            return rc;
        if (rc ? import_visible(c, items[i]) : sb_scope_record_visible(c, rec))
            items[k++] = items[i];
    }
    *n = k;
    return 0;
}

int sb_scope_list(sb_call *call, const Skillbase__List *q, uint32_t limit,
                  Skillbase__RecordPage *page, size_t n, bool more)
{
    Skillbase__Record **out = sb_arena_alloc(call->arena, (limit ? limit : 1) * sizeof *out);
    if (!out)
        return SB_E(SB_INTERNAL);
    Skillbase__Record **got = page->records;
    size_t k = 0, scanned = 0;
    const char *last = NULL; /* the last record read */
    for (;;) {
        size_t i = 0;
        for (; i < n && k < limit; i++, scanned++) {
            last = sb_call_record_head(got[i]).id;
            if (sb_scope_record_visible(call->caller, got[i]))
                out[k++] = got[i];
        }
        more = more || i < n;
        if (!more || k == limit || scanned >= SB_SCOPE_SCAN_MAX)
            break;
        int rc = sb_store_list(call->txn, q->kind, q->state, last, limit, &call->arena->pb, &got,
                               &n, &more);
        if (rc)
            return rc;
    }
    size_t fit = sb_handler_page_fit(call, (void *const *)out, k);
    page->records = out;
    page->n_records = fit;
    if (fit < k)
        page->next = (char *)sb_call_record_head(out[fit - 1]).id;
    else if (more)
        page->next = (char *)(k == limit && k ? sb_call_record_head(out[k - 1]).id : last);
    call->reply->result_case = SKILLBASE__REPLY__RESULT_PAGE;
    call->reply->page = page;
    return 0;
}
