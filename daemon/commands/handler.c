/* The handler contract (handler.h): what a handler may do with its call,
 * and the check that it decided before it wrote. */
#include "handler.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "jobs.h"
#include "sb_error.h"
#include "sb_log.h"

void sb_call_begin(sb_call *call)
{
    call->mark.txn = call->txn;
    call->mark.writes = sb_store_txn_writes(call->txn);
}

bool sb_call_wrote(const sb_call *call)
{
    return call->txn && call->mark.txn == call->txn &&
           sb_store_txn_writes(call->txn) != call->mark.writes;
}

void sb_call_check_refusal(const sb_call *call, int code)
{
#ifdef NDEBUG
    (void)call;
    (void)code;
#else
    if (code == SB_OK || code == SB_STORE_FULL || code == SB_INTERNAL || !sb_call_wrote(call))
        return;
    const ProtobufCFieldDescriptor *f =
        call->req ? protobuf_c_message_descriptor_get_field(&skillbase__request__descriptor,
                                                            (unsigned)call->req->command_case)
                  : NULL;
    sb_log(SB_LOG_ERROR, "%s refused (%s) after it wrote; a handler decides before it writes",
           f ? f->name : "a command", sb_error_name(SB_E(code)));
    assert(!"a handler refused after it wrote (handler.h: decide before you write)");
#endif
}

int sb_call_fail(sb_call *call, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    sb_call_check_refusal(call, code);
    call->reply->code = code;
    call->reply->message = sb_arena_strdup(call->arena, buf);
    if (!call->reply->message)
        call->reply->message = (char *)"out of memory";
    call->reply->result_case = SKILLBASE__REPLY__RESULT__NOT_SET;
    return SB_E(code);
}

int sb_call_fail_problems(sb_call *call, int code, const sb_problems *p, const char *message)
{
    size_t n = p->count + (p->dropped ? 1 : 0);
    char **details = sb_arena_alloc(call->arena, (n ? n : 1) * sizeof *details);
    if (!details)
        return SB_E(SB_INTERNAL);
    for (size_t i = 0; i < p->count; i++)
        details[i] = sb_arena_strdup(call->arena, p->text[i]);
    if (p->dropped)
        details[p->count] = sb_arena_printf(call->arena, "... and %zu more", p->dropped);
    call->reply->details = details;
    call->reply->n_details = n;
    return sb_call_fail(call, code, "%s", message);
}

int sb_call_check_id(sb_call *call, const char *id)
{
    if (!id || !id[0])
        return sb_call_fail(call, SB_INVALID, "id: missing");
    if (strlen(id) > SB_ID_MAX || !sb_rules_text_ok(id))
        return sb_call_fail(call, SB_INVALID, "id: not a record id");
    return 0;
}

sb_record_head sb_call_record_head(const Skillbase__Record *rec)
{
    if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION) {
        const Skillbase__Application *a = rec->application;
        return (sb_record_head){a->id, SKILLBASE__KIND__APPLICATION, a->state, a->version,
                                a->created_ms};
    }
    const Skillbase__Base *b = rec->sub_base;
    return (sb_record_head){b->id, SKILLBASE__KIND__BASE, b->state, b->version, b->created_ms};
}

int sb_call_load(sb_call *call, const char *id, Skillbase__Record **ret)
{
    int rc = sb_call_check_id(call, id);
    if (rc)
        return rc;
    rc = sb_store_record_get(call->txn, id, &call->arena->pb, ret);
    if (rc == SB_E(SB_NOT_FOUND))
        return sb_call_fail(call, SB_NOT_FOUND, "no application or sub-base with id %s", id);
    return rc;
}

int sb_call_check_version(sb_call *call, const char *id, uint64_t version)
{
    uint64_t want = call->req->expected_version;
    if (want && want != version)
        return sb_call_fail(call, SB_STALE_VERSION,
                            "%s is at version %llu, not the expected %llu; nothing was changed", id,
                            (unsigned long long)version, (unsigned long long)want);
    return 0;
}

int sb_call_check_reason(sb_call *call, const char *reason, bool required, const char *action)
{
    if (required && (!reason || !reason[0]))
        return sb_call_fail(call, SB_INVALID, "reason: required for %s", action);
    if (reason && (!sb_rules_text_ok(reason) || strlen(reason) > SB_REASON_MAX))
        return sb_call_fail(call, SB_INVALID, "reason: must be UTF-8 text of at most %d bytes",
                            SB_REASON_MAX);
    return 0;
}

int sb_call_find_transition(sb_call *call, Skillbase__Kind kind, const char *id,
                            Skillbase__State from, bool objection_open, sb_action action,
                            const sb_transition **ret)
{
    char why[512];
    const sb_transition *t =
        sb_machine_find(kind, id, from, objection_open, action, why, sizeof why);
    if (!t)
        return sb_call_fail(call, SB_WRONG_STATE, "%s", why);
    *ret = t;
    return 0;
}

int sb_call_check_transition(sb_call *call, const Skillbase__Record *old, sb_action action,
                             const sb_transition **ret)
{
    sb_record_head h = sb_call_record_head(old);
    int rc = sb_call_check_version(call, h.id, h.version);
    if (rc)
        return rc;
    bool objection_open =
        h.kind == SKILLBASE__KIND__APPLICATION && old->application->objection_open;
    return sb_call_find_transition(call, h.kind, h.id, h.state, objection_open, action, ret);
}

Skillbase__Record *sb_call_revise(sb_call *call, const Skillbase__Record *old)
{
    Skillbase__Record *rec = sb_arena_alloc(call->arena, sizeof *rec);
    if (!rec)
        return NULL;
    *rec = *old;
    if (old->record_case == SKILLBASE__RECORD__RECORD_APPLICATION) {
        Skillbase__Application *a = sb_arena_alloc(call->arena, sizeof *a);
        if (!a)
            return NULL;
        *a = *old->application;
        a->version++;
        a->updated_ms = call->now_ms;
        rec->application = a;
    } else {
        Skillbase__Base *b = sb_arena_alloc(call->arena, sizeof *b);
        if (!b)
            return NULL;
        *b = *old->sub_base;
        b->version++;
        b->updated_ms = call->now_ms;
        rec->sub_base = b;
    }
    return rec;
}

Skillbase__Event *sb_call_event(sb_call *call, Skillbase__Record *rec, const char *what,
                                const char *action, const char *reason)
{
    Skillbase__Event *ev = sb_arena_alloc(call->arena, sizeof *ev);
    if (!ev)
        return NULL;
    skillbase__event__init(ev);
    sb_record_head h = sb_call_record_head(rec);
    ev->entity_kind = h.kind;
    ev->entity_id = (char *)h.id;
    ev->from_state = ev->to_state = h.state;
    ev->time_ms = call->now_ms;
    ev->topic = sb_arena_printf(call->arena, "%s.%s", sb_kind_name(h.kind), what);
    ev->action = (char *)action;
    ev->actor = (char *)call->actor;
    ev->reason = (char *)(reason ? reason : "");
    ev->record = rec;
    ev->request_id = call->req->request_id;
    ev->ingest = (Skillbase__Ingest *)call->ingest;
    /* a confirmed four-eyes decision names its proposal and proposer */
    ev->proposal_id = (char *)(call->proposal_id ? call->proposal_id : "");
    ev->proposed_by = (char *)(call->proposed_by ? call->proposed_by : "");
    return ev->topic ? ev : NULL;
}

int sb_call_commit_change(sb_call *call, Skillbase__Record *rec, const Skillbase__Record *old,
                          const char *action, Skillbase__State from, const char *reason)
{
    Skillbase__Event *ev =
        sb_call_event(call, rec, sb_state_name(sb_call_record_head(rec).state), action, reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    ev->from_state = from;
    int rc = sb_store_record_put(call->txn, rec, old);
    if (rc)
        return rc;
    /* the event and the jobs its topic calls for (outbox_rules.c) */
    return sb_call_append_event(call, ev, true);
}

int sb_call_append_event(sb_call *call, Skillbase__Event *ev, bool jobs)
{
    int rc = sb_store_event_append(call->txn, ev);
    if (rc)
        return rc;
    call->out.last_event = ev;
    return jobs ? sb_jobs_for_event(call->txn, call->config, call->now_ms, ev) : 0;
}

void sb_call_reply_record(sb_call *call, Skillbase__Record *rec)
{
    call->reply->result_case = SKILLBASE__REPLY__RESULT_RECORD;
    call->reply->record = rec;
}

int sb_call_enqueue_job(sb_call *call, const sb_job_spec *spec, char *ret_id)
{
    return sb_jobs_enqueue(call->txn, call->config, call->now_ms, spec, ret_id);
}
