/* Handlers of the application (申报) machine: policy section 二. */
#include <stdio.h>
#include <string.h>

#include "handlers_private.h"
#include "sb_error.h"
#include "store_names.h"

typedef struct {
    char live_id[SB_ID_MAX + 1];
    Skillbase__State live_state;
} live_search;

/* A unit may have one open application or one live sub-base at a time. */
static int find_live(const Skillbase__Record *rec, void *arg)
{
    live_search *s = arg;
    sb_record_head h = sb_call_record_head(rec);
    if (!sb_machine_is_live(h.kind, h.state))
        return 0;
    snprintf(s->live_id, sizeof s->live_id, "%s", h.id);
    s->live_state = h.state;
    return 1;
}

int sb_handler_apply(sb_call *call)
{
    Skillbase__ApplicationForm *form = call->req->apply->form;
    if (!form)
        return sb_call_fail(call, SB_INVALID, "form: missing");
    Skillbase__Application *app = sb_arena_alloc(call->arena, sizeof *app);
    if (!app)
        return SB_E(SB_INTERNAL);
    skillbase__application__init(app);
    /* 二(二) 一般应具备: the conditions waived, with reasons (handle_waivers.c) */
    uint32_t waived, unmet;
    int rc = sb_handler_waivers_take(call, app, &waived);
    if (rc)
        return rc;
    sb_problems problems = {0};
    sb_rules_check_form_waived(form, waived, call->config->email_required, &problems, &unmet);
    if (problems.count)
        return sb_call_fail_problems(call, SB_INVALID, &problems, "application refused");
    rc = sb_handler_waivers_check_needed(call, app, unmet);
    if (rc)
        return rc;

    /* the bureau's choice: one open application or live sub-base per unit */
    live_search live = {0};
    rc = !call->config->one_per_unit ? 0
                                     : sb_store_credit_each(call->txn, form->unit->credit_code,
                                                            &call->arena->pb, find_live, &live);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return sb_call_fail(call, SB_CONFLICT,
                            "unit %s already has %s %s (%s); one open application or live "
                            "sub-base per unit ([applications] one_per_unit, the bureau's choice)",
                            form->unit->credit_code,
                            strncmp(live.live_id, "app-", 4) == 0 ? "application" : "sub-base",
                            live.live_id, sb_state_name(live.live_state));

    const sb_transition *t;
    rc = sb_call_find_transition(call, SKILLBASE__KIND__APPLICATION, "(new)",
                                 SKILLBASE__STATE__STATE_UNSPECIFIED, false, SB_ACT_APPLY, &t);
    if (rc)
        return rc;
    Skillbase__Record *rec = sb_arena_alloc(call->arena, sizeof *rec);
    char id[32];
    if (!rec)
        return SB_E(SB_INTERNAL);
    skillbase__record__init(rec);
    rc = sb_store_next_id(call->txn, SKILLBASE__KIND__APPLICATION, id, sizeof id);
    if (rc)
        return rc;
    /* store the district under its canonical Chinese name */
    form->unit->district = (char *)sb_rules_district(form->unit->district);
    /* a declared district the code's division disagrees with: a warning */
    char warning[SB_PROBLEM_LEN];
    if (sb_rules_district_disagrees(form->unit->credit_code, form->unit->district, warning,
                                    sizeof warning)) {
        app->warnings = sb_arena_alloc(call->arena, sizeof *app->warnings);
        if (!app->warnings || !(app->warnings[0] = sb_arena_strdup(call->arena, warning)))
            return SB_E(SB_INTERNAL);
        app->n_warnings = 1;
    }
    app->id = sb_arena_strdup(call->arena, id);
    app->version = 1;
    app->state = t->to;
    app->form = form;
    app->created_ms = app->updated_ms = call->now_ms;
    rec->record_case = SKILLBASE__RECORD__RECORD_APPLICATION;
    rec->application = app;
    rc = sb_call_commit_change(call, rec, NULL, "apply", t->from, "");
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* The sub-base named when an application is certified (二(三)2). */
static int create_base(sb_call *call, Skillbase__Application *app, const char *reason)
{
    const sb_transition *t;
    int rc = sb_call_find_transition(call, SKILLBASE__KIND__BASE, "(new)",
                                     SKILLBASE__STATE__STATE_UNSPECIFIED, false,
                                     SB_ACT_CERTIFY_BASE, &t);
    if (rc)
        return rc;
    Skillbase__Base *b = sb_arena_alloc(call->arena, sizeof *b);
    Skillbase__Record *rec = sb_arena_alloc(call->arena, sizeof *rec);
    char id[32], cert[128], due[SB_DATE_STRLEN], *name;
    uint64_t serial;
    /* the name the bureau grants (handle_naming.c) */
    const Skillbase__Transition *c =
        call->req->command_case == SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY
            ? call->req->close_publicity
            : NULL;
    rc = sb_handler_granted_name(call, app, c ? c->name : NULL, &name);
    if (rc)
        return rc;
    if (!b || !rec)
        return SB_E(SB_INTERNAL);
    skillbase__base__init(b);
    skillbase__record__init(rec);
    rc = sb_store_next_id(call->txn, SKILLBASE__KIND__BASE, id, sizeof id);
    if (rc)
        return rc;
    char counter[32];
    snprintf(counter, sizeof counter, "certificate/%04d", call->today.year);
    rc = sb_store_next_serial(call->txn, counter, &serial);
    if (rc)
        return rc;
    /* the bureau's format (bureau.h), checked when the configuration was read */
    if (sb_rules_certificate_format(call->config->certificate_format, call->today.year, serial,
                                    cert, sizeof cert))
        return sb_call_fail(call, SB_INTERNAL, "certificate number: does not fit %zu bytes",
                            sizeof cert);
    b->id = sb_arena_strdup(call->arena, id);
    b->version = 1;
    b->state = t->to;
    b->application_id = app->id;
    b->name = name;
    rc = sb_store_name_add(call->txn, name, b->id);
    if (rc)
        return rc;
    b->plaque = (char *)sb_rules_plaque();
    b->certificate_no = sb_arena_strdup(call->arena, cert);
    b->certified_on = sb_handler_today(call);
    b->next_assessment_due =
        sb_arena_strdup(call->arena, sb_date_format(sb_rules_next_assessment(call->today), due));
    b->unit_name = app->form->unit->name;
    b->credit_code = app->form->unit->credit_code;
    b->district = app->form->unit->district;
    b->base_level = app->form->base_level; /* 六(五): unset stays city */
    b->contact = app->form->contact;
    b->created_ms = b->updated_ms = call->now_ms;
    if (!b->id || !b->name || !b->certificate_no || !b->certified_on || !b->next_assessment_due)
        return SB_E(SB_INTERNAL);
    rec->record_case = SKILLBASE__RECORD__RECORD_SUB_BASE;
    rec->sub_base = b;
    rc = sb_call_commit_change(call, rec, NULL, "close_publicity", t->from, reason);
    if (rc)
        return rc;
    /* reminders before the first assessment is due (handle_deadlines.c) */
    rc = sb_handler_assessment_schedule(call, b);
    if (rc)
        return rc;
    app->base_id = b->id;
    return 0;
}

/* Every application transition but apply: load, check, move, record. */
static int transition(sb_call *call, const char *id, const char *reason, sb_action action,
                      bool reason_required, const char *action_name, const char *name)
{
    if (name && *name && action != SB_ACT_CLOSE_PUBLICITY)
        return sb_call_fail(call, SB_INVALID, "name: only close_publicity grants a name, not %s",
                            action_name);
    Skillbase__Record *old;
    const sb_transition *t;
    int rc = sb_call_load(call, id, &old);
    if (rc)
        return rc;
    rc = sb_call_check_reason(call, reason, reason_required, sb_action_name(action));
    if (rc)
        return rc;
    rc = sb_call_check_transition(call, old, action, &t);
    if (rc)
        return rc;
    /* publicity runs its course: no certification before its end */
    if (action == SB_ACT_CLOSE_PUBLICITY &&
        (rc = sb_handler_publicity_check_over(call, old->application)))
        return rc;
    /* 二(三)2 组织专家进行现场考察和评估: the experts and their visit */
    Skillbase__ExpertReview *review = NULL;
    if (action == SB_ACT_EVALUATE_PASS || action == SB_ACT_EVALUATE_FAIL) {
        const Skillbase__Evaluate *e = call->req->evaluate;
        rc = sb_handler_expert_review(call, e->experts, e->n_experts, e->visited_on, e->report,
                                      &review, &reason);
        if (rc)
            return rc;
    }
    /* only application rows reach here: the sub-base has none of these actions */
    Skillbase__Record *rec = sb_call_revise(call, old);
    if (!rec)
        return SB_E(SB_INTERNAL);
    Skillbase__Application *app = rec->application;
    app->state = t->to;
    if (review)
        app->review = review;
    if (t->effects & SB_FX_OPEN_OBJECTION) {
        app->objection_open = 1;
        app->objections++;
    }
    if (t->effects & SB_FX_CLOSE_OBJECTION)
        app->objection_open = 0;
    if (t->effects & SB_FX_START_PUBLICITY)
        app->publicity_started_on = sb_handler_today(call);
    if (t->effects & SB_FX_DECIDED)
        app->decided_on = sb_handler_today(call);
    if (t->effects & SB_FX_CREATE_BASE) {
        rc = sb_handler_waivers_confirm(call, app);
        if (rc)
            return rc;
        rc = create_base(call, app, reason);
        if (rc)
            return rc;
    }
    /* the publicity clock: start, stop, resume (handle_deadlines.c) */
    rc = sb_handler_publicity_track(call, old->application, app, action);
    if (rc)
        return rc;
    rc = sb_call_commit_change(call, rec, old, action_name, t->from, reason);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

int sb_handler_review(sb_call *call)
{
    const Skillbase__Transition *c = call->req->review;
    return transition(call, c->id, c->reason, SB_ACT_REVIEW, false, "review", c->name);
}

int sb_handler_evaluate(sb_call *call)
{
    const Skillbase__Evaluate *c = call->req->evaluate;
    return transition(call, c->id, c->reason,
                      c->passed ? SB_ACT_EVALUATE_PASS : SB_ACT_EVALUATE_FAIL, true, "evaluate",
                      NULL);
}

int sb_handler_file_objection(sb_call *call)
{
    const Skillbase__Transition *c = call->req->file_objection;
    return transition(call, c->id, c->reason, SB_ACT_FILE_OBJECTION, true, "file_objection",
                      c->name);
}

int sb_handler_dismiss_objection(sb_call *call)
{
    const Skillbase__Transition *c = call->req->dismiss_objection;
    return transition(call, c->id, c->reason, SB_ACT_DISMISS_OBJECTION, true, "dismiss_objection",
                      c->name);
}

int sb_handler_uphold_objection(sb_call *call)
{
    const Skillbase__Transition *c = call->req->uphold_objection;
    return transition(call, c->id, c->reason, SB_ACT_UPHOLD_OBJECTION, true, "uphold_objection",
                      c->name);
}

int sb_handler_close_publicity(sb_call *call)
{
    const Skillbase__Transition *c = call->req->close_publicity;
    return transition(call, c->id, c->reason, SB_ACT_CLOSE_PUBLICITY, false, "close_publicity",
                      c->name);
}

int sb_handler_reject(sb_call *call)
{
    const Skillbase__Transition *c = call->req->reject;
    return transition(call, c->id, c->reason, SB_ACT_REJECT, true, "reject", c->name);
}

int sb_handler_withdraw(sb_call *call)
{
    const Skillbase__Transition *c = call->req->withdraw;
    return transition(call, c->id, c->reason, SB_ACT_WITHDRAW, true, "withdraw", c->name);
}
