/* Four-eyes decisions: proposing (from dispatch), confirming, discarding
 * and listing proposals. four_eyes.h describes the rules. */
#include "four_eyes.h"

#include <string.h>

#include "actor_name.h"
#include "handlers_private.h"
#include "machine.h"
#include "rules.h"
#include "scope.h"
#include "sb_error.h"
#include "store_proposals.h"
#include "subsidy_private.h"

#define ID_MAX 64

/* What a command would decide, and about which record. */
typedef struct {
    Skillbase__ProposalKind kind;
    const char *entity_id;
    const char *reason;
    const char *noun; /* in event topics: "certification", "revocation" */
} target;

/* True when an assess request scores under 60: it revokes (五(二)). */
static bool assess_revokes(const sb_call *call, const Skillbase__Request *req)
{
    if (req->command_case != SKILLBASE__REQUEST__COMMAND_ASSESS || !req->assess)
        return false;
    sb_problems problems = {0};
    sb_score score;
    return sb_rules_score_assess(&call->config->rubric, req->assess, &problems, &score) == 0 &&
           !sb_rules_grade_passes(score.grade);
}

static bool target_of(const sb_call *call, const Skillbase__Request *req, target *t)
{
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY && req->close_publicity) {
        *t = (target){SKILLBASE__PROPOSAL_KIND__CERTIFICATION, req->close_publicity->id,
                      req->close_publicity->reason, "certification"};
        return true;
    }
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_REVOKE && req->revoke) {
        *t = (target){SKILLBASE__PROPOSAL_KIND__REVOCATION, req->revoke->id, req->revoke->reason,
                      "revocation"};
        return true;
    }
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE && req->subsidy_approve) {
        *t = (target){SKILLBASE__PROPOSAL_KIND__SUBSIDY_APPROVAL, req->subsidy_approve->statement,
                      req->subsidy_approve->reason, "subsidy_approval"};
        return true;
    }
    /* a sub-base's official name (二(三)2 授予名称) and its exit: as the
     * certification that granted it and as a revocation (handle_life.c) */
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_RENAME && req->rename) {
        *t = (target){SKILLBASE__PROPOSAL_KIND__RENAMING, req->rename->id, req->rename->reason,
                      "renaming"};
        return true;
    }
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_EXIT_BASE && req->exit_base) {
        *t = (target){SKILLBASE__PROPOSAL_KIND__EXIT, req->exit_base->id, req->exit_base->reason,
                      "exit"};
        return true;
    }
    /* an existing sub-base imported (七(一)): a certification, the same four
     * eyes; no record yet, so the proposal names the unit and certificate */
    if (req->command_case == SKILLBASE__REQUEST__COMMAND_IMPORT_BASE && req->import_base) {
        const char *key = sb_handler_import_key(call->arena, req);
        if (!key)
            return false;
        *t = (target){SKILLBASE__PROPOSAL_KIND__IMPORT, key, req->import_base->reason, "import"};
        return true;
    }
    /* a failing assessment is a revocation: the same four eyes */
    if (assess_revokes(call, req)) {
        *t = (target){SKILLBASE__PROPOSAL_KIND__REVOCATION, req->assess->id, req->assess->reason,
                      "revocation"};
        return true;
    }
    return false;
}

bool sb_four_eyes_applies(const sb_call *call, const sb_command *cmd)
{
    if (call->proposal_id)
        return false; /* confirming: the decision is being made */
    switch (cmd->command) {
    case SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY:
        return call->config->four_eyes_certify;
    case SKILLBASE__REQUEST__COMMAND_REVOKE:
    case SKILLBASE__REQUEST__COMMAND_EXIT_BASE:
        return call->config->four_eyes_revoke;
    case SKILLBASE__REQUEST__COMMAND_RENAME:
        return call->config->four_eyes_certify;
    case SKILLBASE__REQUEST__COMMAND_ASSESS:
        return call->config->four_eyes_revoke && assess_revokes(call, call->req);
    case SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE:
        return call->config->four_eyes_subsidy;
    case SKILLBASE__REQUEST__COMMAND_IMPORT_BASE:
        return call->config->four_eyes_certify;
    default:
        return false;
    }
}

static const char *state_name(Skillbase__ProposalState s)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&skillbase__proposal_state__descriptor, (int)s);
    return v ? v->name : "unknown";
}

static const char *noun_of(const Skillbase__Proposal *p)
{
    switch (p->kind) {
    case SKILLBASE__PROPOSAL_KIND__REVOCATION:
        return "revocation";
    case SKILLBASE__PROPOSAL_KIND__RENAMING:
        return "renaming";
    case SKILLBASE__PROPOSAL_KIND__EXIT:
        return "exit";
    case SKILLBASE__PROPOSAL_KIND__SUBSIDY_APPROVAL:
        return "subsidy_approval";
    case SKILLBASE__PROPOSAL_KIND__IMPORT:
        return "import";
    default:
        return "certification";
    }
}

/* The record a proposal's events are about and the version the proposal
 * pins: the application or sub-base itself, or, for a subsidy approval,
 * the statement's sub-base and the statement's version (a recomputation
 * makes the proposal stale). On a refusal the reply is set. */
static int entity_of(sb_call *call, Skillbase__ProposalKind kind, const char *entity_id,
                     Skillbase__Record **ret, uint64_t *ret_version)
{
    if (kind == SKILLBASE__PROPOSAL_KIND__SUBSIDY_APPROVAL) {
        Skillbase__SubsidyStatement *st = NULL;
        int rc = sb_handler_statement_load(call, "statement", entity_id, ret, &st);
        if (rc == 0 && ret_version)
            *ret_version = st->version;
        return rc;
    }
    int rc = sb_call_load(call, entity_id, ret);
    if (rc == 0 && ret_version)
        *ret_version = sb_call_record_head(*ret).version;
    return rc;
}

/* Write proposal p, which becomes the reply. */
static int put_proposal(sb_call *call, Skillbase__Proposal *p)
{
    int rc = sb_store_proposal_put(call->txn, p);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_PROPOSAL;
    call->reply->proposal = p;
    return 0;
}

/* Record a step of proposal p: the event "<kind>.<noun>_<step>" (e.g.
 * "application.certification_proposed") about its record `rec` (NULL: load
 * it) as it is, no transition, its seq into *ret_seq; then p itself, which
 * becomes the reply. */
static int proposal_step(sb_call *call, Skillbase__Proposal *p, Skillbase__Record *rec,
                         const char *step, const char *action, const char *reason,
                         uint64_t *ret_seq)
{
    if (!rec && p->kind == SKILLBASE__PROPOSAL_KIND__IMPORT)
        return put_proposal(call, p); /* no record to carry the event (see propose) */
    int rc = rec ? 0 : entity_of(call, p->kind, p->entity_id, &rec, NULL);
    if (rc)
        return rc;
    const char *what = sb_arena_printf(call->arena, "%s_%s", noun_of(p), step);
    Skillbase__Event *ev = what ? sb_call_event(call, rec, what, action, reason) : NULL;
    if (!ev)
        return SB_E(SB_INTERNAL);
    ev->proposal_id = p->id;
    rc = sb_call_append_event(call, ev, false);
    if (rc)
        return rc;
    *ret_seq = ev->seq;
    return put_proposal(call, p);
}

/* The open proposal of this kind for this record, if any. */
static int find_open(sb_call *call, Skillbase__ProposalKind kind, const char *entity_id,
                     Skillbase__Proposal **ret)
{
    const char *after = NULL;
    *ret = NULL;
    for (;;) {
        Skillbase__Proposal **ps;
        size_t n;
        bool more;
        int rc = sb_store_proposal_list(call->txn, SKILLBASE__PROPOSAL_STATE__OPEN, after, 1000,
                                        &call->arena->pb, &ps, &n, &more);
        if (rc)
            return rc;
        for (size_t i = 0; i < n; i++)
            if (ps[i]->kind == kind && strcmp(ps[i]->entity_id, entity_id) == 0) {
                *ret = ps[i];
                return 0;
            }
        if (!more || !n)
            return 0;
        after = ps[n - 1]->id;
    }
}

/* Copy a refusal from a trial reply into the call's reply. */
static int take_refusal(sb_call *call, const Skillbase__Reply *trial)
{
    call->reply->code = trial->code;
    call->reply->message = trial->message;
    call->reply->details = trial->details;
    call->reply->n_details = trial->n_details;
    call->reply->result_case = SKILLBASE__REPLY__RESULT__NOT_SET;
    return SB_E(trial->code);
}

/* Over ipc:// nobody is told apart: with [four_eyes] over_ipc = refuse an
 * operator without a key may neither propose nor confirm (a worker's
 * request is not a person's decision). */
static int check_person(sb_call *call, const char *what)
{
    const sb_caller *c = call->caller;
    if (!call->config->four_eyes_ipc_refuse || !c || c->name || !(c->role & SB_ROLE_OPERATOR))
        return 0;
    return sb_call_fail(call, SB_FORBIDDEN,
                        "four eyes: %s over ipc:// is refused ([four_eyes] over_ipc = refuse): "
                        "ipc cannot tell two people apart; use your own key (tcp:// with CURVE, "
                        "e.g. on loopback)",
                        what);
}

int sb_four_eyes_propose(sb_call *call, const sb_command *cmd)
{
    target t;
    if (!target_of(call, call->req, &t))
        return cmd->fn(call);
    int person = check_person(call, "a proposal");
    if (person)
        return person;
    /* Would it take effect now? Try it where nothing stays. */
    Skillbase__Reply *trial_reply = sb_arena_alloc(call->arena, sizeof *trial_reply);
    if (!trial_reply)
        return SB_E(SB_INTERNAL);
    skillbase__reply__init(trial_reply);
    sb_call trial = *call;
    trial.reply = trial_reply;
    int rc = sb_store_sub_begin(call->txn, &trial.txn);
    if (rc)
        return rc;
    sb_call_begin(&trial);
    rc = cmd->fn(&trial);
    sb_store_abort(&trial.txn);
    if (rc == SB_E(SB_STORE_FULL))
        return rc;
    if (trial_reply->code != SB_OK)
        return take_refusal(call, trial_reply);
    if (rc)
        return rc;

    Skillbase__Proposal *open;
    rc = find_open(call, t.kind, t.entity_id, &open);
    if (rc)
        return rc;
    if (open)
        return sb_call_fail(call, SB_CONFLICT,
                            "%s already proposes the %s of %s (by %s); confirm or discard it",
                            open->id, t.noun, t.entity_id,
                            open->proposed_by[0] ? open->proposed_by : open->requested_by);
    /* an import has no record yet (its entity is "import:<code>:<number>") */
    Skillbase__Record *rec = NULL;
    uint64_t version = 0;
    if (t.kind != SKILLBASE__PROPOSAL_KIND__IMPORT &&
        (rc = entity_of(call, t.kind, t.entity_id, &rec, &version)))
        return rc;
    Skillbase__Proposal *p = sb_arena_alloc(call->arena, sizeof *p);
    Skillbase__Request *command = sb_arena_alloc(call->arena, sizeof *command);
    char *id = sb_arena_alloc(call->arena, 32);
    if (!p || !command || !id)
        return SB_E(SB_INTERNAL);
    rc = sb_store_proposal_next_id(call->txn, id, 32);
    if (rc)
        return rc;
    /* the command as it will run: the envelope is the confirmer's */
    *command = *call->req;
    command->request_id = command->idempotency_key = command->actor = (char *)"";
    command->expected_version = 0;
    skillbase__proposal__init(p);
    p->id = id;
    p->kind = t.kind;
    p->state = SKILLBASE__PROPOSAL_STATE__OPEN;
    p->entity_id = (char *)t.entity_id;
    p->entity_version = version;
    p->command = command;
    p->proposed_ms = call->now_ms;
    p->reason = (char *)(t.reason ? t.reason : "");
    bool operator_ = call->caller && (call->caller->role & SB_ROLE_OPERATOR);
    p->proposed_by = (char *)(operator_ ? call->actor : "");
    p->requested_by = (char *)(operator_ ? "" : call->actor);
    const char *action = sb_arena_printf(call->arena, "propose_%s", cmd->name);
    if (!action)
        return SB_E(SB_INTERNAL);
    if (!rec) /* an import: no record to carry an event; the import's event names the
               * proposal and its proposer when confirmed */
        return put_proposal(call, p);
    return proposal_step(call, p, rec, "proposed", action, p->reason, &p->proposed_seq);
}

/* ------------------------------------------------------------ commands */

/* The open proposal a confirm or discard names, its reason checked
 * (`required` for a discard); on a refusal the reply is set. */
static int load_open(sb_call *call, const Skillbase__ProposalRef *ref, bool required,
                     const char *action, Skillbase__Proposal **ret)
{
    const char *id = ref->id;
    Skillbase__Proposal *p = NULL;
    if (!id || !id[0])
        return sb_call_fail(call, SB_INVALID, "id: missing");
    if (strlen(id) > ID_MAX)
        return sb_call_fail(call, SB_INVALID, "id: not a proposal id");
    int rc = sb_store_proposal_get(call->txn, id, &call->arena->pb, &p);
    if (rc == SB_E(SB_NOT_FOUND))
        return sb_call_fail(call, SB_NOT_FOUND, "no proposal with id %s", id);
    if (rc)
        return rc;
    if (!p->command)
        return sb_call_fail(call, SB_INTERNAL, "proposal %s holds no command", id);
    rc = sb_call_check_reason(call, ref->reason, required, action);
    if (rc)
        return rc;
    if (p->state != SKILLBASE__PROPOSAL_STATE__OPEN)
        return sb_call_fail(call, SB_WRONG_STATE, "%s is %s, not open", p->id,
                            state_name(p->state));
    *ret = p;
    return 0;
}

int sb_handler_confirm_proposal(sb_call *call)
{
    const Skillbase__ProposalRef *ref = call->req->confirm_proposal;
    Skillbase__Proposal *p = NULL;
    int rc = check_person(call, "confirming");
    if (rc)
        return rc;
    rc = load_open(call, ref, false, "confirm_proposal", &p);
    if (rc)
        return rc;
    /* one person, however the name is spelt ("Alice", "alice") */
    if (p->proposed_by[0] && sb_actor_same(p->proposed_by, call->actor))
        return sb_call_fail(call, SB_FORBIDDEN,
                            "four eyes: %s proposed %s; a different operator must confirm it",
                            p->proposed_by, p->id);
    if (!p->proposed_by[0]) {
        /* requested by a worker: this operator proposes, another confirms */
        p->proposed_by = (char *)call->actor;
        return proposal_step(call, p, NULL, "proposed", "confirm_proposal",
                             ref->reason && ref->reason[0] ? ref->reason : p->reason,
                             &p->proposed_seq);
    }
    const sb_command *cmd = call->find ? call->find(p->command->command_case) : NULL;
    if (!cmd)
        return sb_call_fail(call, SB_INTERNAL, "%s holds a command this daemon does not know",
                            p->id);
    /* the command as proposed, on the record as it was then */
    Skillbase__Request run_req = *p->command;
    run_req.request_id = call->req->request_id;
    run_req.expected_version = p->entity_version;
    run_req.actor = (char *)call->actor;
    uint64_t before;
    rc = sb_store_last_seq(call->txn, &before);
    if (rc)
        return rc;
    sb_call run = *call;
    run.req = &run_req;
    run.proposal_id = p->id;
    run.proposed_by = p->proposed_by;
    rc = cmd->fn(&run);
    call->out = run.out; /* its event is this call's */
    if (call->reply->code != SB_OK) {
        const char *why = call->reply->message ? call->reply->message : "";
        char *msg = sb_arena_printf(call->arena, "%s cannot take effect: %s", p->id, why);
        if (msg)
            call->reply->message = msg;
        return rc ? rc : SB_E(call->reply->code);
    }
    if (rc)
        return rc;
    p->state = SKILLBASE__PROPOSAL_STATE__CONFIRMED;
    p->decided_by = (char *)call->actor;
    p->decided_ms = call->now_ms;
    p->decided_seq = before + 1;
    p->decision_reason = (char *)(ref->reason ? ref->reason : "");
    return put_proposal(call, p);
}

int sb_handler_discard_proposal(sb_call *call)
{
    const Skillbase__ProposalRef *ref = call->req->discard_proposal;
    Skillbase__Proposal *p = NULL;
    int rc = load_open(call, ref, true, "discard_proposal", &p);
    if (rc)
        return rc;
    p->state = SKILLBASE__PROPOSAL_STATE__DISCARDED;
    p->decided_by = (char *)call->actor;
    p->decided_ms = call->now_ms;
    p->decision_reason = ref->reason;
    return proposal_step(call, p, NULL, "proposal_discarded", "discard_proposal", ref->reason,
                         &p->decided_seq);
}

int sb_handler_list_proposals(sb_call *call)
{
    const Skillbase__ListProposals *q = call->req->list_proposals;
    if (q->after && strlen(q->after) > ID_MAX)
        return sb_call_fail(call, SB_INVALID, "after: not a proposal id");
    Skillbase__ProposalPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__proposal_page__init(page);
    bool more;
    size_t n;
    int rc =
        sb_store_proposal_list(call->txn, q->state, q->after, sb_handler_page_limit(call, q->limit),
                               &call->arena->pb, &page->proposals, &n, &more);
    if (rc)
        return rc;
    if (more && n)
        page->next = page->proposals[n - 1]->id;
    /* a district-scoped key sees its own district-level records' only */
    if ((rc = sb_scope_filter_proposals(call, page->proposals, &n)))
        return rc;
    page->n_proposals = n;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_PROPOSALS;
    call->reply->proposals = page;
    return 0;
}
