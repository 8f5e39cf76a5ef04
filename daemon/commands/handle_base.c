/* Handlers of the sub-base (分基地) machine: assessment (五(一), grades 五(二))
 * and revocation (五(二), 五(三)). Every 不合格 is a result: a revocation
 * records an assessment result of grade fail with its cause. */
#include <stdio.h>
#include <string.h>

#include "access.h"
#include "handlers_private.h"
#include "sb_error.h"

/* Load a record that must be a sub-base; an application gets WRONG_STATE
 * through the machine (it has no assess/revoke rows). */
static int load_base(sb_call *call, const char *id, sb_action action, Skillbase__Record **ret_old,
                     const sb_transition **ret_t)
{
    int rc = sb_call_load(call, id, ret_old);
    return rc ? rc : sb_call_check_transition(call, *ret_old, action, ret_t);
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
    b->total_tenths = a->total_tenths;
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
    b->revoked_on = sb_handler_today(call);
    b->next_assessment_due = (char *)"";
}

int sb_handler_expert_review(sb_call *call, char **experts, size_t n, const char *visited_on,
                             const char *report, Skillbase__ExpertReview **ret,
                             const char **reason_io)
{
    sb_problems problems = {0};
    if (!sb_rules_review_ok(experts, n, visited_on, report, call->config->min_experts, call->today,
                            &problems))
        return sb_call_fail_problems(call, SB_INVALID, &problems,
                                     "the experts' review is incomplete");
    Skillbase__ExpertReview *r = sb_arena_alloc(call->arena, sizeof *r);
    if (!r)
        return SB_E(SB_INTERNAL);
    skillbase__expert_review__init(r);
    r->experts = experts;
    r->n_experts = n;
    r->visited_on = (char *)visited_on;
    r->report = (char *)(report ? report : "");
    /* the names for the history: "experts 张三, 李四, 王五; site visit ..." */
    size_t len = 64 + (report ? strlen(report) : 0) + strlen(*reason_io ? *reason_io : "");
    for (size_t i = 0; i < n; i++)
        len += strlen(experts[i]) + 2;
    char *text = sb_arena_alloc(call->arena, len);
    if (!text)
        return SB_E(SB_INTERNAL);
    size_t used = 0;
    const char *was = *reason_io && (*reason_io)[0] ? *reason_io : NULL;
    used +=
        (size_t)snprintf(text + used, len - used, "%s%sexperts ", was ? was : "", was ? " (" : "");
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(text + used, len - used, "%s%s", i ? ", " : "", experts[i]);
    used += (size_t)snprintf(text + used, len - used, "; site visit %s", visited_on);
    if (report && report[0])
        used += (size_t)snprintf(text + used, len - used, "; report %s", report);
    if (was)
        snprintf(text + used, len - used, ")");
    *ret = r;
    *reason_io = text;
    return 0;
}

/* The cycle of result a (recorded before schema 4 without one: derived
 * from the day it was recorded). */
static uint32_t cycle_of(const Skillbase__Assessment *a, sb_date certified_on)
{
    sb_date on;
    if (a->cycle)
        return a->cycle;
    return a->assessed_on && sb_date_parse(a->assessed_on, &on) == 0
               ? sb_rules_cycle(certified_on, on)
               : 0;
}

/* The index of the standing (not superseded) result of `cycle`, or -1. */
static int result_of_cycle(const Skillbase__Base *b, sb_date certified_on, uint32_t cycle)
{
    for (size_t i = 0; i < b->n_assessments; i++)
        if (!b->assessments[i]->superseded && cycle_of(b->assessments[i], certified_on) == cycle)
            return (int)i;
    return -1;
}

static const char *grade_name(Skillbase__Grade g)
{
    static const char *const names[] = {"unspecified", "excellent", "good", "pass", "fail"};
    return (unsigned)g < sizeof names / sizeof names[0] ? names[g] : "unknown";
}

/* The rubric in force, as Scores (the maxima a result was scored against). */
static Skillbase__Scores *maxima_of(sb_call *call)
{
    Skillbase__Scores *m = sb_arena_alloc(call->arena, sizeof *m);
    if (!m)
        return NULL;
    skillbase__scores__init(m);
    const uint32_t *x = call->config->rubric.max;
    m->basic_construction = x[0];
    m->system_construction = x[1];
    m->training_management = x[2];
    m->public_service = x[3];
    m->competition_hosting = x[4];
    m->other_public_service = x[5];
    return m;
}

int sb_handler_assess(sb_call *call)
{
    const Skillbase__Assess *c = call->req->assess;
    int rc = sb_call_check_reason(call, c->reason, c->correct,
                                  c->correct ? "assess --correct" : "assess");
    if (rc)
        return rc;
    sb_problems problems = {0};
    sb_score score;
    if (sb_rules_score_assess(&call->config->rubric, c, &problems, &score))
        return sb_call_fail_problems(call, SB_INVALID, &problems, "assessment refused");

    sb_action action = sb_rules_grade_passes(score.grade) ? SB_ACT_ASSESS_PASS : SB_ACT_ASSESS_FAIL;
    /* 五(二): a result under 60 revokes, so it takes the role of revoke
     * (and, with [four_eyes] revoke, a second operator: four_eyes.c) */
    if (action == SB_ACT_ASSESS_FAIL && !may_revoke(call))
        return sb_call_fail(call, SB_FORBIDDEN,
                            "assess: a total of %u.%u is under 60 and revokes %s (五(二)); that "
                            "needs the role of revoke (operator), not %s",
                            score.total_tenths / 10, score.total_tenths % 10,
                            c->id ? c->id : "the sub-base",
                            sb_access_role_name(call->caller->role));
    Skillbase__Record *old;
    const sb_transition *t;
    rc = load_base(call, c->id, action, &old, &t);
    if (rc)
        return rc;
    /* 五(一) 每两年: one result per cycle; a correction is explicit */
    sb_date certified_on;
    if (!old->sub_base->certified_on || sb_date_parse(old->sub_base->certified_on, &certified_on))
        return sb_call_fail(call, SB_INTERNAL, "sub-base %s has no certification date", c->id);
    uint32_t cycle = sb_rules_cycle(certified_on, call->today);
    int prev = result_of_cycle(old->sub_base, certified_on, cycle);
    char from[SB_DATE_STRLEN], to[SB_DATE_STRLEN];
    sb_date_format(sb_rules_cycle_end(certified_on, cycle - 1), from);
    sb_date_format(sb_date_add_days(sb_rules_cycle_end(certified_on, cycle), -1), to);
    if (prev >= 0 && !c->correct) {
        const Skillbase__Assessment *p = old->sub_base->assessments[prev];
        return sb_call_fail(call, SB_CONFLICT,
                            "%s already has its result for assessment cycle %u (%s to %s): total "
                            "%u, grade %s, recorded on %s by %s; one result per cycle (五(一)). "
                            "A correction is explicit: assess %s --correct -r REASON -f SCORES",
                            c->id, cycle, from, to, p->total, grade_name(p->grade), p->assessed_on,
                            p->assessor, c->id);
    }
    if (prev < 0 && c->correct)
        return sb_call_fail(call, SB_INVALID,
                            "correct: %s has no result for assessment cycle %u (%s to %s) to "
                            "correct",
                            c->id, cycle, from, to);
    /* 五(一) 组织专家: who assessed, and when they visited */
    Skillbase__ExpertReview *review;
    const char *reason = c->reason;
    rc = sb_handler_expert_review(call, c->experts, c->n_experts, c->visited_on, c->report, &review,
                                  &reason);
    if (rc)
        return rc;
    Skillbase__Record *rec = sb_call_revise(call, old);
    Skillbase__Assessment *a = sb_arena_alloc(call->arena, sizeof *a);
    Skillbase__Scores *scores = sb_arena_alloc(call->arena, sizeof *scores);
    Skillbase__Scores *tenths = sb_arena_alloc(call->arena, sizeof *tenths);
    if (!rec || !a || !scores || !tenths)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    skillbase__assessment__init(a);
    /* the exact scores in tenths, and the whole points rounded down */
    skillbase__scores__init(tenths);
    skillbase__scores__init(scores);
    const Skillbase__Scores *in = c->scores_tenths ? c->scores_tenths : c->scores;
    uint32_t factor = c->scores_tenths ? 1 : 10;
    if (in) {
        tenths->basic_construction = in->basic_construction * factor;
        tenths->system_construction = in->system_construction * factor;
        tenths->training_management = in->training_management * factor;
        tenths->public_service = in->public_service * factor;
        tenths->competition_hosting = in->competition_hosting * factor;
        tenths->other_public_service = in->other_public_service * factor;
    }
    scores->basic_construction = tenths->basic_construction / 10;
    scores->system_construction = tenths->system_construction / 10;
    scores->training_management = tenths->training_management / 10;
    scores->public_service = tenths->public_service / 10;
    scores->competition_hosting = tenths->competition_hosting / 10;
    scores->other_public_service = tenths->other_public_service / 10;
    a->scores = scores;
    a->scores_tenths = tenths;
    a->base_total = score.base_total;
    a->bonus_total = score.bonus_total;
    a->total = score.total;
    a->base_total_tenths = score.base_tenths;
    a->bonus_total_tenths = score.bonus_tenths;
    a->total_tenths = score.total_tenths;
    a->grade = score.grade;
    a->assessed_on = sb_handler_today(call);
    a->assessor = (char *)call->actor;
    a->reason = (char *)(c->reason ? c->reason : "");
    if (action == SB_ACT_ASSESS_FAIL)
        a->cause = SKILLBASE__CAUSE__ASSESSMENT_FAILED;
    a->cycle = cycle;
    a->correction = c->correct;
    a->review = review;
    a->maxima = maxima_of(call);
    if (!a->maxima)
        return SB_E(SB_INTERNAL);
    rc = add_result(call, b, a);
    if (rc)
        return rc;
    if (prev >= 0) {
        /* the corrected result stays in the list, marked superseded */
        Skillbase__Assessment *was = sb_arena_alloc(call->arena, sizeof *was);
        if (!was)
            return SB_E(SB_INTERNAL);
        *was = *b->assessments[prev];
        was->superseded = 1;
        if (!was->cycle)
            was->cycle = cycle;
        b->assessments[prev] = was;
    }
    b->state = t->to;
    if (t->effects & SB_FX_WITHDRAW_PLAQUE) {
        withdraw_plaque(call, b, SKILLBASE__CAUSE__ASSESSMENT_FAILED);
    } else {
        /* 五(一) 每两年: the next is due at the end of the next cycle, however
         * late in this one this result was entered */
        char due[SB_DATE_STRLEN];
        b->next_assessment_due = sb_arena_strdup(
            call->arena, sb_date_format(sb_rules_cycle_end(certified_on, cycle + 1), due));
    }
    rc = sb_call_commit_change(call, rec, old, "assess", t->from, reason);
    if (rc)
        return rc;
    /* reminders before the next assessment is due (handle_deadlines.c) */
    rc = sb_handler_assessment_schedule(call, b);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

int sb_handler_revoke(sb_call *call)
{
    const Skillbase__Revoke *c = call->req->revoke;
    int rc = sb_call_check_reason(call, c->reason, true, "revoke");
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
    Skillbase__Record *rec = sb_call_revise(call, old);
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
    sb_date certified_on;
    int prev = -1;
    if (b->certified_on && sb_date_parse(b->certified_on, &certified_on) == 0) {
        a->cycle = sb_rules_cycle(certified_on, call->today); /* the current cycle's result */
        prev = result_of_cycle(b, certified_on, a->cycle);
    }
    a->reason = c->reason;
    a->assessed_on = sb_handler_today(call);
    a->assessor = (char *)call->actor;
    if (!a->assessed_on || (rc = add_result(call, b, a)))
        return rc ? rc : SB_E(SB_INTERNAL);
    if (prev >= 0) {
        /* the cycle's earlier result is replaced by this fail, and kept */
        Skillbase__Assessment *was = sb_arena_alloc(call->arena, sizeof *was);
        if (!was)
            return SB_E(SB_INTERNAL);
        *was = *b->assessments[prev];
        was->superseded = 1;
        if (!was->cycle)
            was->cycle = a->cycle;
        b->assessments[prev] = was;
    }
    b->state = t->to;
    withdraw_plaque(call, b, c->cause);
    rc = sb_call_commit_change(call, rec, old, "revoke", t->from, c->reason);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}
