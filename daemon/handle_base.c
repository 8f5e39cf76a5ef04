/* Handlers of the sub-base (分基地) machine: assessment (五(一), grades 五(二))
 * and revocation (五(二), 五(三)). Every 不合格 is a result: a revocation
 * records an assessment result of grade fail with its cause. */
#include <string.h>

#include "access.h"
#include "handlers_private.h"
#include "sb_error.h"

/* Load a record that must be a sub-base; an application gets WRONG_STATE
 * through the machine (it has no assess/revoke rows). */
static int load_base(sb_call *call, const char *id, sb_action action, Skillbase__Record **ret_old,
                     const sb_transition **ret_t)
{
    int rc = sb__load(call, id, ret_old);
    return rc ? rc : sb__check_transition(call, *ret_old, action, ret_t);
}

/* Append result `a` to the sub-base's results (the record is a shallow
 * copy of the stored one: the array is copied). */
static int add_result(sb_call *call, Skillbase__Base *b, Skillbase__Assessment *a)
{
    Skillbase__Assessment **list =
        sb_arena_alloc(call->arena, (b->n_assessments + 1) * sizeof *list);
    if (!list)
        return SB_E(SB_INTERNAL);
    if (b->n_assessments)
        memcpy(list, b->assessments, b->n_assessments * sizeof *list);
    list[b->n_assessments] = a;
    b->assessments = list;
    b->n_assessments++;
    b->total = a->total;
    b->grade = a->grade;
    return 0;
}

/* True when the caller may revoke (the role of revoke: an operator). */
static bool may_revoke(const sb_call *call)
{
    return !call->caller || (call->caller->role & SB_ROLE_OPERATOR);
}

static void withdraw_plaque(sb_call *call, Skillbase__Base *b, Skillbase__Cause cause)
{
    b->plaque_withdrawn = 1;
    b->revoked_cause = cause;
    b->revoked_on = sb__today(call);
    b->next_assessment_due = (char *)"";
}

int sb__handle_assess(sb_call *call)
{
    const Skillbase__Assess *c = call->req->assess;
    int rc = sb__check_reason(call, c->reason, false, "assess");
    if (rc)
        return rc;
    sb_problems problems = {0};
    sb_score score;
    if (sb_rules_score(&call->config->rubric, c->scores, &problems, &score))
        return sb__fail_problems(call, SB_INVALID, &problems, "assessment refused");

    sb_action action = sb_rules_grade_passes(score.grade) ? SB_ACT_ASSESS_PASS : SB_ACT_ASSESS_FAIL;
    /* 五(二): a result under 60 revokes, so it takes the role of revoke
     * (and, with [four_eyes] revoke, a second operator: four_eyes.c) */
    if (action == SB_ACT_ASSESS_FAIL && !may_revoke(call))
        return sb_call_fail(call, SB_FORBIDDEN,
                            "assess: a total of %u is under 60 and revokes %s (五(二)); that needs "
                            "the role of revoke (operator), not %s",
                            score.total, c->id ? c->id : "the sub-base",
                            sb_access_role_name(call->caller->role));
    Skillbase__Record *old;
    const sb_transition *t;
    rc = load_base(call, c->id, action, &old, &t);
    if (rc)
        return rc;
    Skillbase__Record *rec = sb__revise(call, old);
    Skillbase__Assessment *a = sb_arena_alloc(call->arena, sizeof *a);
    Skillbase__Scores *scores = sb_arena_alloc(call->arena, sizeof *scores);
    if (!rec || !a || !scores)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    skillbase__assessment__init(a);
    if (c->scores)
        *scores = *c->scores;
    else
        skillbase__scores__init(scores);
    a->scores = scores;
    a->base_total = score.base_total;
    a->bonus_total = score.bonus_total;
    a->total = score.total;
    a->grade = score.grade;
    a->assessed_on = sb__today(call);
    a->assessor = (char *)call->actor;
    a->reason = (char *)(c->reason ? c->reason : "");
    if (action == SB_ACT_ASSESS_FAIL)
        a->cause = SKILLBASE__CAUSE__ASSESSMENT_FAILED;
    rc = add_result(call, b, a);
    if (rc)
        return rc;
    b->state = t->to;
    if (t->effects & SB_FX_WITHDRAW_PLAQUE) {
        withdraw_plaque(call, b, SKILLBASE__CAUSE__ASSESSMENT_FAILED);
    } else {
        /* assessed every two years (五(一)): the next is due two years on */
        char due[SB_DATE_STRLEN];
        b->next_assessment_due = sb_arena_strdup(
            call->arena, sb_date_format(sb_rules_next_assessment(call->today), due));
    }
    rc = sb__commit_change(call, rec, old, "assess", t->from, c->reason);
    if (rc)
        return rc;
    /* reminders before the next assessment is due (handle_deadlines.c) */
    rc = sb__assessment_schedule(call, b);
    if (rc)
        return rc;
    sb__reply_record(call, rec);
    return 0;
}

int sb__handle_revoke(sb_call *call)
{
    const Skillbase__Revoke *c = call->req->revoke;
    int rc = sb__check_reason(call, c->reason, true, "revoke");
    if (rc)
        return rc;
    if (!sb_rules_revoke_cause_ok(c->cause))
        return sb_call_fail(call, SB_INVALID,
                            "cause: must be one of refused_assessment, unit_deregistered, "
                            "verified_complaint, major_safety_accident, violation");
    Skillbase__Record *old;
    const sb_transition *t;
    rc = load_base(call, c->id, SB_ACT_REVOKE, &old, &t);
    if (rc)
        return rc;
    Skillbase__Record *rec = sb__revise(call, old);
    if (!rec)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    /* 五(三) 考核结果直接认定为不合格: the result of the current cycle is a
     * fail, with its cause (no scores) */
    Skillbase__Assessment *a = sb_arena_alloc(call->arena, sizeof *a);
    if (!a)
        return SB_E(SB_INTERNAL);
    skillbase__assessment__init(a);
    a->grade = SKILLBASE__GRADE__FAIL;
    a->cause = c->cause;
    a->reason = c->reason;
    a->assessed_on = sb__today(call);
    a->assessor = (char *)call->actor;
    if (!a->assessed_on || (rc = add_result(call, b, a)))
        return rc ? rc : SB_E(SB_INTERNAL);
    b->state = t->to;
    withdraw_plaque(call, b, c->cause);
    rc = sb__commit_change(call, rec, old, "revoke", t->from, c->reason);
    if (rc)
        return rc;
    sb__reply_record(call, rec);
    return 0;
}
