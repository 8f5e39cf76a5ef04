/* Personal data only for those entitled to it (privacy.h). */
#include "privacy.h"

#include <string.h>

bool sb_privacy_entitled(const sb_caller *c)
{
    if (!c || (c->role & SB_ROLE_OPERATOR))
        return true;
    if (!(c->role & SB_ROLE_WORKER))
        return false;
    for (size_t i = 0; i < c->n_types; i++)
        if (strcmp(c->types[i], "notify") == 0 || strcmp(c->types[i], "*") == 0)
            return true;
    return false;
}

/* A copy of *slot (if any) with the personal fields emptied. */
static int withhold(sb_arena *arena, Skillbase__Contact **slot)
{
    if (!*slot)
        return 0;
    Skillbase__Contact *c = sb_arena_alloc(arena, sizeof *c);
    if (!c)
        return -1;
    *c = **slot;
    c->name = c->phone = c->email = (char *)"";
    c->withheld = true;
    *slot = c;
    return 0;
}

int sb_privacy_redact_event(sb_arena *arena, Skillbase__Event *ev)
{
    if (!ev || !ev->record)
        return 0;
    Skillbase__Record *rec = sb_arena_alloc(arena, sizeof *rec);
    if (!rec)
        return -1;
    *rec = *ev->record;
    if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && rec->application &&
        rec->application->form) {
        Skillbase__Application *a = sb_arena_alloc(arena, sizeof *a);
        Skillbase__ApplicationForm *f = sb_arena_alloc(arena, sizeof *f);
        if (!a || !f)
            return -1;
        *a = *rec->application;
        *f = *a->form;
        a->form = f;
        rec->application = a;
        if (withhold(arena, &f->contact))
            return -1;
    } else if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base) {
        Skillbase__Base *b = sb_arena_alloc(arena, sizeof *b);
        if (!b)
            return -1;
        *b = *rec->sub_base;
        rec->sub_base = b;
        if (withhold(arena, &b->contact))
            return -1;
    }
    ev->record = rec;
    /* an amend's changes of the contact (handle_life.c): before and after
     * withheld alike */
    bool any = false;
    for (size_t i = 0; i < ev->n_changes; i++)
        any |= ev->changes[i] && strncmp(ev->changes[i]->field, "contact.", 8) == 0;
    if (!any)
        return 0;
    Skillbase__FieldChange **l = sb_arena_alloc(arena, ev->n_changes * sizeof *l);
    if (!l)
        return -1;
    for (size_t i = 0; i < ev->n_changes; i++) {
        l[i] = ev->changes[i];
        if (!l[i] || strncmp(l[i]->field, "contact.", 8) != 0)
            continue;
        Skillbase__FieldChange *c = sb_arena_alloc(arena, sizeof *c);
        if (!c)
            return -1;
        *c = *l[i];
        c->before = c->after = (char *)"(withheld)";
        l[i] = c;
    }
    ev->changes = l;
    return 0;
}
