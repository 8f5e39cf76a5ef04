/* Waivers of 二(二) conditions (申报条件 "一般应具备": a reasoned exception).
 *
 * An operator applies with the conditions the bureau excuses, each named
 * (rules.c lists them) and with a reason. The waiver is part of the
 * application, so it is in the apply event and every later one, and in
 * show and history. Under [four_eyes] certify it is pending until a second
 * operator takes part in the certification: certification is then always
 * a proposal and its confirmation, by two different operators, and at the
 * confirmation each waiver records the one of the two who is not its
 * author (Waiver.confirmed_by). Without four eyes it stands as made. */
#include <stdio.h>
#include <string.h>

#include "actor_name.h"
#include "handlers_private.h"
#include "sb_error.h"

/* "legal_person, site_owned, ..." into buf. */
static const char *condition_names(char *buf, size_t len)
{
    size_t n, used = 0;
    const sb_rules_condition *c = sb_rules_conditions(&n);
    buf[0] = 0;
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", c[i].name);
    return buf;
}

int sb_handler_waivers_take(sb_call *call, Skillbase__Application *app, uint32_t *ret_mask)
{
    const Skillbase__Apply *a = call->req->apply;
    size_t n_cond;
    const sb_rules_condition *conds = sb_rules_conditions(&n_cond);
    uint32_t mask = 0;
    char names[512];
    *ret_mask = 0;
    if (!a->n_waivers)
        return 0;
    if (a->n_waivers > n_cond)
        return sb_call_fail(call, SB_INVALID, "waivers: %zu given, there are only %zu conditions",
                            a->n_waivers, n_cond);
    Skillbase__Waiver **out = sb_arena_alloc(call->arena, a->n_waivers * sizeof *out);
    if (!out)
        return SB_E(SB_INTERNAL);
    for (size_t i = 0; i < a->n_waivers; i++) {
        const Skillbase__Waiver *w = a->waivers[i];
        const char *name = w && w->condition ? w->condition : "";
        int c = sb_rules_condition_find(name);
        if (c < 0)
            return sb_call_fail(call, SB_INVALID,
                                "waivers[%zu].condition: unknown condition \"%s\" (the conditions "
                                "that may be waived: %s)",
                                i, sb_rules_text_ok(name) ? name : "?",
                                condition_names(names, sizeof names));
        if (mask & (1u << c))
            return sb_call_fail(call, SB_INVALID, "waivers[%zu]: condition %s waived twice", i,
                                name);
        if (!w->reason || !*w->reason)
            return sb_call_fail(call, SB_INVALID,
                                "waivers[%zu].reason: required (why the bureau waives %s)", i,
                                name);
        if (!sb_rules_text_ok(w->reason) || strlen(w->reason) > SB_REASON_MAX)
            return sb_call_fail(call, SB_INVALID,
                                "waivers[%zu].reason: must be UTF-8 text of at most %d bytes", i,
                                SB_REASON_MAX);
        mask |= 1u << c;
        Skillbase__Waiver *o = sb_arena_alloc(call->arena, sizeof *o);
        if (!o)
            return SB_E(SB_INTERNAL);
        skillbase__waiver__init(o);
        o->condition = (char *)conds[c].name;
        o->clause = (char *)conds[c].clause;
        o->reason = w->reason;
        o->waived_by = (char *)call->actor;
        o->waived_on = sb_handler_today(call);
        if (!o->waived_on)
            return SB_E(SB_INTERNAL);
        out[i] = o;
    }
    app->waivers = out;
    app->n_waivers = a->n_waivers;
    *ret_mask = mask;
    return 0;
}

int sb_handler_waivers_check_needed(sb_call *call, const Skillbase__Application *app,
                                    uint32_t unmet)
{
    for (size_t i = 0; i < app->n_waivers; i++) {
        int c = sb_rules_condition_find(app->waivers[i]->condition);
        if (c >= 0 && !(unmet & (1u << c)))
            return sb_call_fail(call, SB_INVALID,
                                "waivers[%zu]: condition %s is met by the form; there is nothing "
                                "to waive",
                                i, app->waivers[i]->condition);
    }
    return 0;
}

int sb_handler_waivers_confirm(sb_call *call, Skillbase__Application *app)
{
    if (!app->n_waivers || !call->proposal_id)
        return 0;
    /* a new copy of the list: the old record's waivers stay as they were */
    Skillbase__Waiver **out = sb_arena_alloc(call->arena, app->n_waivers * sizeof *out);
    if (!out)
        return SB_E(SB_INTERNAL);
    for (size_t i = 0; i < app->n_waivers; i++) {
        Skillbase__Waiver *w = sb_arena_alloc(call->arena, sizeof *w);
        if (!w)
            return SB_E(SB_INTERNAL);
        *w = *app->waivers[i];
        /* the confirmer and the proposer differ (four_eyes.c); the second
         * pair of eyes is whichever of them did not waive */
        const char *other = call->actor;
        if (w->waived_by && sb_actor_same(w->waived_by, call->actor) && call->proposed_by &&
            *call->proposed_by)
            other = call->proposed_by;
        w->confirmed_by = (char *)other;
        out[i] = w;
    }
    app->waivers = out;
    return 0;
}
