/* The name the bureau grants at certification (二(三)2: 杭州市公共实训基地
 * + 名称或区域 + 分基地). The operator's close_publicity may give another
 * name part; otherwise (and always for the deadlines worker) the
 * application's base_name is taken. A name part ending in 分基地 is
 * refused (the official name would read …分基地分基地), and so is an
 * official name a live sub-base holds (machine.c: sb_machine_is_live). */
#include <stdio.h>
#include <string.h>

#include "handlers_private.h"
#include "sb_error.h"
#include "store_names.h"

typedef struct {
    const char *name, *except;
    char holder[SB_ID_MAX + 1];
    Skillbase__State state;
} name_search;

/* The index keeps every name ever granted: its holder holds it still only
 * while its record carries that name (a rename moves it on). */
static int find_live_holder(const Skillbase__Record *rec, void *arg)
{
    name_search *s = arg;
    sb_record_head h = sb_call_record_head(rec);
    if (!sb_machine_is_live(h.kind, h.state) || !rec->sub_base || !rec->sub_base->name ||
        strcmp(rec->sub_base->name, s->name) != 0 || (s->except && strcmp(h.id, s->except) == 0))
        return 0;
    snprintf(s->holder, sizeof s->holder, "%s", h.id);
    s->state = h.state;
    return 1;
}

int sb_handler_name_live_holder(sb_call *call, const char *name, const char *except,
                                const char **ret_holder, Skillbase__State *ret_state)
{
    name_search s = {.name = name, .except = except};
    *ret_holder = NULL;
    if (ret_state)
        *ret_state = SKILLBASE__STATE__STATE_UNSPECIFIED;
    int rc = sb_store_name_each(call->txn, name, &call->arena->pb, find_live_holder, &s);
    if (rc < 0)
        return rc;
    if (rc > 0 && !(*ret_holder = sb_arena_strdup(call->arena, s.holder)))
        return SB_E(SB_INTERNAL);
    if (rc > 0 && ret_state)
        *ret_state = s.state;
    return 0;
}

int sb_handler_granted_name(sb_call *call, const Skillbase__Application *app, const char *given,
                            char **ret_name)
{
    const char *part = given && *given ? given : app->form->base_name;
    const char *field = given && *given ? "name" : "base_name";
    sb_problems problems = {0};
    if (given && *given && (!sb_rules_text_ok(given) || strlen(given) > sb_rules_base_name_max()))
        return sb_call_fail(call, SB_INVALID, "name: must be UTF-8 text of 1 to %zu bytes",
                            sb_rules_base_name_max());
    if (!sb_rules_base_name_ok(part, &problems))
        return sb_call_fail(call, SB_INVALID, "%s%s", given && *given ? "" : "application's ",
                            problems.text[0]);
    char name[512];
    if (sb_rules_official_name(part, name, sizeof name))
        return sb_call_fail(call, SB_INVALID, "%s: too long for the official name", field);
    const char *holder;
    Skillbase__State state;
    int rc = sb_handler_name_live_holder(call, name, NULL, &holder, &state);
    if (rc)
        return rc;
    if (holder)
        return sb_call_fail(call, SB_CONFLICT,
                            "%s: %s is held by sub-base %s (%s); give another name with "
                            "close-publicity --name",
                            field, name, holder, sb_state_name(state));
    *ret_name = sb_arena_strdup(call->arena, name);
    return *ret_name ? 0 : SB_E(SB_INTERNAL);
}
