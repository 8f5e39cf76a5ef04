/* The ingest command: facts reported by the bureau's other services (the
 * complaint system, the market-regulation registry, the safety authority,
 * the competition office, training-delivery systems), applied as the
 * transitions of the state machines they call for.
 *
 * The table of what each type does is ingest_map.c; this file validates the
 * fact, resolves its entity (a record id, or a unit's credit code through
 * the store's credit index), and runs the row: a command of the command
 * table on a synthetic request (so the state machine, its guards and its
 * messages are exactly an operator's), or an event without a state change.
 * Idempotency on (source, event_id) is the dispatcher's, through the key
 * sb_handler_ingest_key derives. docs/events.md describes the behaviour.
 */
#include <stdio.h>
#include <string.h>

#include "four_eyes.h"
#include "handlers_private.h"
#include "ingest_map.h"
#include "jobs.h"
#include "sb_error.h"
#include "sb_log.h"

#define SOURCE_MAX SB_INGEST_SOURCE_MAX
#define EVENT_ID_MAX SB_INGEST_EVENT_ID_MAX
#define COMPETITION_TEXT_MAX SB_COMPETITION_TEXT_MAX

/* ------------------------------------------------------------ checks */

/* 1-64 characters of a-z, A-Z, 0-9, '.', '_', '-' (a key's name, which an
 * authenticated caller's source is): a name that is safe in the key
 * "ingest:<source>:<event_id>" and in the actor "service:<source>". */
static bool source_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SOURCE_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool event_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= EVENT_ID_MAX && sb_rules_text_ok(s) && !strchr(s, '\t');
}

const char *sb_handler_ingest_key(sb_arena *arena, const Skillbase__Request *req)
{
    const Skillbase__Ingest *in = req->ingest;
    if (req->command_case != SKILLBASE__REQUEST__COMMAND_INGEST || !in || !source_ok(in->source) ||
        !event_id_ok(in->event_id))
        return NULL;
    return sb_arena_printf(arena, "ingest:%s:%s", in->source, in->event_id);
}

/* A date field: empty is allowed when !required; never after today. */
static int check_date(sb_call *call, const char *field, const char *value, bool required)
{
    sb_date d;
    if (!value || !value[0]) {
        if (required)
            return sb_call_fail(call, SB_INVALID, "%s: required (YYYY-MM-DD)", field);
        return 0;
    }
    if (strlen(value) != 10 || sb_date_parse(value, &d))
        return sb_call_fail(call, SB_INVALID, "%s: \"%.40s\" is not a date (YYYY-MM-DD)", field,
                            sb_rules_text_ok(value) ? value : "?");
    if (sb_date_cmp(d, call->today) > 0)
        return sb_call_fail(call, SB_INVALID, "%s: %s is after today", field, value);
    return 0;
}

static int check_text(sb_call *call, const char *field, const char *value, size_t max)
{
    if (!value || !value[0])
        return sb_call_fail(call, SB_INVALID, "%s: required", field);
    if (strlen(value) > max || !sb_rules_text_ok(value))
        return sb_call_fail(call, SB_INVALID, "%s: must be UTF-8 text of at most %zu bytes", field,
                            max);
    return 0;
}

static const char *payload_name(Skillbase__Ingest__PayloadCase c)
{
    return c == SKILLBASE__INGEST__PAYLOAD_COMPETITION ? "competition"
           : c == SKILLBASE__INGEST__PAYLOAD_SERVICE   ? "service"
                                                       : "none";
}

/* Everything that can be checked without the store. */
static int check_fact(sb_call *call, const Skillbase__Ingest *in, const sb_ingest_rule **ret_rule)
{
    char types[512];
    if (!source_ok(in->source))
        return sb_call_fail(call, SB_INVALID,
                            "source: must be 1-%d characters of a-z, A-Z, 0-9, '.', '_', '-' "
                            "(the reporting service's name)",
                            SOURCE_MAX);
    if (!event_id_ok(in->event_id))
        return sb_call_fail(call, SB_INVALID,
                            "event_id: must be 1-%d bytes of printable UTF-8 (the service's own id "
                            "of the fact)",
                            EVENT_ID_MAX);
    const sb_ingest_rule *rule = sb_ingest_map_find(in->type, SKILLBASE__KIND__KIND_UNSPECIFIED);
    if (!rule)
        return sb_call_fail(call, SB_INVALID, "type: \"%.64s\" is not one of %s",
                            in->type && sb_rules_text_ok(in->type) ? in->type : "",
                            sb_ingest_types(types, sizeof types));
    if (in->payload_case != rule->payload) {
        if (rule->payload == SKILLBASE__INGEST__PAYLOAD__NOT_SET)
            return sb_call_fail(call, SB_INVALID, "%s: %s carries no payload", in->type,
                                payload_name(in->payload_case));
        return sb_call_fail(call, SB_INVALID, "%s: required for %s", payload_name(rule->payload),
                            in->type);
    }
    int rc = check_date(call, "occurred_on", in->occurred_on, false);
    if (!rc)
        rc = sb_call_check_reason(call, in->reason, false, in->type);
    if (!rc && in->payload_case == SKILLBASE__INGEST__PAYLOAD_COMPETITION) {
        const Skillbase__CompetitionHosted *c = in->competition;
        rc = check_text(call, "competition.name", c->name, COMPETITION_TEXT_MAX);
        if (!rc)
            rc = check_text(call, "competition.level", c->level, SB_COMPETITION_LEVEL_MAX);
        if (!rc)
            rc = check_date(call, "competition.held_on", c->held_on, true);
    }
    if (!rc && in->payload_case == SKILLBASE__INGEST__PAYLOAD_SERVICE && !in->service)
        rc = sb_call_fail(call, SB_INVALID, "service: required for %s", in->type);
    if (rc)
        return rc;
    *ret_rule = rule;
    return 0;
}

/* ------------------------------------------------------------ the entity */

typedef struct {
    char live[SB_ID_MAX + 1];   /* the unit's open application or live sub-base */
    char latest[SB_ID_MAX + 1]; /* its most recently created record */
    uint64_t latest_ms;
} unit_records;

static int collect_unit(const Skillbase__Record *rec, void *arg)
{
    unit_records *u = arg;
    sb_record_head h = sb_call_record_head(rec);
    if (sb_machine_is_live(h.kind, h.state) && !u->live[0])
        snprintf(u->live, sizeof u->live, "%s", h.id);
    /* later ids of a kind are younger; a base is younger than its application */
    if (h.created_ms >= u->latest_ms || !u->latest[0]) {
        snprintf(u->latest, sizeof u->latest, "%s", h.id);
        u->latest_ms = h.created_ms;
    }
    return 0;
}

/* The record a fact is about: an id, or a unit's credit code resolved to
 * its live record (one unit has at most one: an open application or a live
 * sub-base), else its latest, so that the machine names the state that
 * refuses. */
static int resolve(sb_call *call, const char *entity, Skillbase__Record **ret)
{
    sb_problems problems = {0};
    if (!entity || !entity[0])
        return sb_call_fail(call, SB_INVALID,
                            "entity: missing (a record id such as base-000001, or the unit's "
                            "credit code)");
    if (strncmp(entity, "app-", 4) == 0 || strncmp(entity, "base-", 5) == 0)
        return sb_call_load(call, entity, ret);
    if (!sb_rules_credit_code_valid(entity, &problems))
        return sb_call_fail(call, SB_INVALID,
                            "entity: neither a record id (app-..., base-...) nor a valid credit "
                            "code: %s",
                            problems.count ? problems.text[0] : "malformed");
    unit_records u = {0};
    int rc = sb_store_credit_each(call->txn, entity, &call->arena->pb, collect_unit, &u);
    if (rc < 0)
        return rc;
    if (!u.latest[0])
        return sb_call_fail(call, SB_NOT_FOUND,
                            "no application or sub-base for the unit with credit code %s", entity);
    return sb_call_load(call, u.live[0] ? u.live : u.latest, ret);
}

/* ------------------------------------------------------------ effects */

/* The fact comes from a service: a service's key, or over ipc (no key:
 * the caller names the source) unless [four_eyes] over_ipc = refuse, where
 * an ipc operator is no service but a person entering a fact by hand.
 * Otherwise an operator enters it by hand, under their own name (with a
 * key: the source too, sb_access_bind_source). */
static bool from_service(const sb_call *call)
{
    const sb_caller *c = call->caller;
    if (!c || (c->role & SB_ROLE_SERVICE))
        return true;
    return !c->name && !call->config->four_eyes_ipc_refuse;
}

/* The command's own message for `id` in the arena, set as req's oneof
 * member: a Revoke with the rule's cause, or a Transition. Every command an
 * ingest rule may run (ingest_map.c) has its case here; NULL for another
 * (a rule this code does not know how to run) or when out of memory. */
static void *inner_command(sb_call *call, const sb_ingest_rule *rule, const char *id,
                           const char *reason, Skillbase__Request *req)
{
    if (rule->command == SKILLBASE__REQUEST__COMMAND_REVOKE) {
        Skillbase__Revoke *rv = sb_arena_alloc(call->arena, sizeof *rv);
        if (!rv)
            return NULL;
        skillbase__revoke__init(rv);
        rv->id = (char *)id;
        rv->reason = (char *)reason;
        rv->cause = rule->cause;
        return req->revoke = rv;
    }
    Skillbase__Transition *t = sb_arena_alloc(call->arena, sizeof *t);
    if (!t)
        return NULL;
    skillbase__transition__init(t);
    t->id = (char *)id;
    t->reason = (char *)reason;
    switch (rule->command) {
    case SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION:
        return req->file_objection = t;
    case SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION:
        return req->dismiss_objection = t;
    case SKILLBASE__REQUEST__COMMAND_UPHOLD_OBJECTION:
        return req->uphold_objection = t;
    case SKILLBASE__REQUEST__COMMAND_REJECT:
        return req->reject = t;
    default:
        sb_log(SB_LOG_ERROR, "ingest: rule %s names a command ingest cannot run (%d)", rule->type,
               (int)rule->command);
        return NULL;
    }
}

/* Run a command of the command table on the record, as if an operator had
 * sent it: the same handler, guards and refusals, found through the call's
 * lookup (call->find). */
static int run_command(sb_call *call, const sb_ingest_rule *rule, const char *id,
                       const char *reason)
{
    const sb_command *cmd = call->find ? call->find(rule->command) : NULL;
    Skillbase__Request *req = sb_arena_alloc(call->arena, sizeof *req);
    if (!cmd || !req)
        return SB_E(SB_INTERNAL);
    *req = *call->req;
    req->command_case = rule->command;
    if (!inner_command(call, rule, id, reason, req))
        return SB_E(SB_INTERNAL);
    const Skillbase__Request *orig = call->req;
    call->req = req;
    /* a fact entered by hand is an operator's decision: four eyes where
     * the transition needs it (a proposal; a service's fact acts at once) */
    int rc = !from_service(call) && sb_four_eyes_applies(call, cmd)
                 ? sb_four_eyes_propose(call, cmd)
                 : cmd->fn(call);
    call->req = orig;
    return rc;
}

/* Facts without a transition concern a live sub-base. */
static int check_live_base(sb_call *call, const sb_ingest_rule *rule, const sb_record_head *h)
{
    if (h->kind != SKILLBASE__KIND__BASE)
        return sb_call_fail(call, SB_WRONG_STATE, "%s applies to a sub-base; %s is an application",
                            rule->type, h->id);
    if (h->state != SKILLBASE__STATE__CERTIFIED && h->state != SKILLBASE__STATE__ASSESSED)
        return sb_call_fail(call, SB_WRONG_STATE,
                            "sub-base %s is %s; %s applies to a certified or assessed sub-base",
                            h->id, sb_state_name(h->state), rule->type);
    return 0;
}

/* A fact that changes no state: one event on the sub-base, topic
 * "base.<note>", from and to its current state (and the jobs its topic
 * calls for, like any event). */
static int append_note(sb_call *call, const sb_ingest_rule *rule, Skillbase__Record *rec,
                       const char *reason)
{
    Skillbase__Event *ev = sb_call_event(call, rec, rule->note, rule->action, reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    int rc = sb_call_append_event(call, ev, true);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* A warning kept on the sub-base (Base.warnings, a new version) and its
 * event "base.<note>", from and to its current state. */
static int add_warning(sb_call *call, const sb_ingest_rule *rule, const Skillbase__Record *old,
                       const char *reason)
{
    Skillbase__Record *rec = sb_call_revise(call, old);
    Skillbase__BaseWarning *w = sb_arena_alloc(call->arena, sizeof *w);
    if (!rec || !w)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    skillbase__base_warning__init(w);
    w->recorded_on = sb_handler_today(call);
    w->type = (char *)rule->type;
    w->reason = (char *)reason;
    w->actor = (char *)call->actor;
    Skillbase__BaseWarning **list = sb_arena_alloc(call->arena, (b->n_warnings + 1) * sizeof *list);
    if (!list || !w->recorded_on)
        return SB_E(SB_INTERNAL);
    if (b->n_warnings)
        memcpy(list, b->warnings, b->n_warnings * sizeof *list);
    list[b->n_warnings] = w;
    b->warnings = list;
    b->n_warnings++;
    Skillbase__Event *ev = sb_call_event(call, rec, rule->note, rule->action, reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    int rc = sb_store_record_put(call->txn, rec, old);
    if (!rc)
        rc = sb_call_append_event(call, ev, true);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* service.delivered: a service record for the subsidy (handle_subsidy.c),
 * the sub-base and the service's own id filled in from the fact. */
static int record_service(sb_call *call, const Skillbase__Ingest *in, Skillbase__Record *rec,
                          const char *base_id)
{
    Skillbase__ServiceRecord *svc = sb_arena_alloc(call->arena, sizeof *svc);
    if (!svc)
        return SB_E(SB_INTERNAL);
    *svc = *in->service;
    svc->base_id = (char *)base_id;
    if (!svc->external_id || !svc->external_id[0])
        svc->external_id = in->event_id;
    int rc = sb_handler_store_service(call, svc, in->source);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* ------------------------------------------------------------ the handler */

int sb_handler_ingest(sb_call *call)
{
    const Skillbase__Ingest *in = call->req->ingest;
    const sb_ingest_rule *rule;
    Skillbase__Record *rec;
    if (!in)
        return sb_call_fail(call, SB_INVALID, "ingest: missing");
    int rc = check_fact(call, in, &rule);
    if (rc)
        return rc;
    rc = resolve(call, in->entity, &rec);
    if (rc)
        return rc;
    sb_record_head h = sb_call_record_head(rec);
    const char *id = h.id;
    rule = sb_ingest_map_effect(sb_ingest_map_find(in->type, h.kind), in);
    if (in->payload_case == SKILLBASE__INGEST__PAYLOAD_SERVICE && in->service->base_id &&
        in->service->base_id[0] && strcmp(in->service->base_id, id) != 0)
        return sb_call_fail(call, SB_INVALID, "service.base_id: %.64s, but entity is %s",
                            sb_rules_text_ok(in->service->base_id) ? in->service->base_id : "?",
                            id);

    /* The audit trail names the service (actor, reason and Event.ingest),
     * or the operator who entered the fact by hand, as such. */
    bool by_hand = !from_service(call);
    const char *reason =
        in->reason && in->reason[0] ? in->reason
        : by_hand ? sb_arena_printf(call->arena, "%s entered by hand by %s", in->type, call->actor)
                  : sb_arena_printf(call->arena, "%s reported by %s", in->type, in->source);
    if (!by_hand)
        call->actor = sb_arena_printf(call->arena, "service:%s", in->source);
    call->ingest = in;
    if (!reason || !call->actor)
        return SB_E(SB_INTERNAL);
    if (rule->effect != SB_INGEST_COMMAND && (rc = check_live_base(call, rule, &h)))
        return rc;
    switch (rule->effect) {
    case SB_INGEST_COMMAND:
        rc = run_command(call, rule, id, reason);
        break;
    case SB_INGEST_NOTE:
        rc = append_note(call, rule, rec, reason);
        break;
    case SB_INGEST_SERVICE:
        rc = record_service(call, in, rec, id);
        break;
    case SB_INGEST_WARN:
        rc = add_warning(call, rule, rec, reason);
        break;
    default:
        rc = SB_E(SB_INTERNAL);
    }
    if (rc)
        return rc;
    if (call->reply->result_case == SKILLBASE__REPLY__RESULT_PROPOSAL)
        return 0; /* entered by hand under four eyes: a second operator confirms */
    if (call->reply->result_case != SKILLBASE__REPLY__RESULT_RECORD)
        return SB_E(SB_INTERNAL);
    Skillbase__IngestResult *res = sb_arena_alloc(call->arena, sizeof *res);
    if (!res)
        return SB_E(SB_INTERNAL);
    skillbase__ingest_result__init(res);
    res->entity_id = (char *)id;
    res->action = (char *)rule->action;
    res->record = call->reply->record;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_INGESTED;
    call->reply->ingested = res;
    return 0;
}
