/* Handlers of a sub-base's life after certification: changes (amend, the
 * bureau's review of a proposed project, the official name by the bureau's
 * decision), a voluntary exit and the plaque's return.
 *
 * Clause numbers refer to 杭州市高技能人才公共实训基地体系建设实施办法
 * (policy/000_ee7bdd15c54335b4.txt): 二(三)2 授予名称和铭牌 — the bureau
 * grants the name and the plaque, and approves what a sub-base offers; 五(二)
 * 摘牌 — the plaque goes back when a sub-base ends. The policy names no
 * voluntary exit; a unit may stop offering a public service, and the bureau
 * records it apart from a revocation (no result, no cause).
 *
 * Each change is an event whose `changes` name every field it touched with
 * its value before and after (docs/protocol.md, "Changes and exit"). A
 * record written before these commands existed has no projects of its own
 * (the application's are in force) and no plaque return: the old behaviour.
 */
#include <stdio.h>
#include <string.h>

#include "handlers_private.h"
#include "store_names.h"
#include "jobs.h"
#include "sb_error.h"
#include "store.h"

/* The changes of one command, in the arena. */
typedef struct {
    Skillbase__FieldChange **list;
    size_t n, cap;
} changes;

static int change_add(sb_call *call, changes *ch, const char *field, const char *before,
                      const char *after)
{
    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 8;
        Skillbase__FieldChange **l = sb_arena_alloc(call->arena, cap * sizeof *l);
        if (!l)
            return SB_E(SB_INTERNAL);
        if (ch->n)
            memcpy(l, ch->list, ch->n * sizeof *l);
        ch->list = l;
        ch->cap = cap;
    }
    Skillbase__FieldChange *c = sb_arena_alloc(call->arena, sizeof *c);
    char *f = sb_arena_strdup(call->arena, field);
    if (!c || !f)
        return SB_E(SB_INTERNAL);
    skillbase__field_change__init(c);
    c->field = f;
    c->before = (char *)(before ? before : "");
    c->after = (char *)(after ? after : "");
    ch->list[ch->n++] = c;
    return 0;
}

static const char *text(const char *s)
{
    return s ? s : "";
}

static bool same(const char *a, const char *b)
{
    return strcmp(text(a), text(b)) == 0;
}

/* Write the record and append its event "base.<what>" with the changes
 * (no transition: from and to are its state); the record becomes the reply. */
static int commit(sb_call *call, Skillbase__Record *rec, const Skillbase__Record *old,
                  const char *what, const char *action, const char *reason, const changes *ch)
{
    Skillbase__Event *ev = sb_call_event(call, rec, what, action, reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    ev->changes = ch->list;
    ev->n_changes = ch->n;
    int rc = sb_store_record_put(call->txn, rec, old);
    if (rc)
        return rc;
    rc = sb_call_append_event(call, ev, true);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* Load sub-base `id` at the expected version (a refusal sets the reply). */
static int load_base(sb_call *call, const char *id, Skillbase__Record **ret)
{
    int rc = sb_call_load(call, id, ret);
    if (rc)
        return rc;
    if ((*ret)->record_case != SKILLBASE__RECORD__RECORD_SUB_BASE || !(*ret)->sub_base)
        return sb_call_fail(call, SB_INVALID, "id: %s is an application, not a sub-base", id);
    return sb_call_check_version(call, id, (*ret)->sub_base->version);
}

/* Changes apply to a live sub-base only: certified or assessed. */
static int check_live(sb_call *call, const Skillbase__Base *b, const char *verb)
{
    if (b->state == SKILLBASE__STATE__CERTIFIED || b->state == SKILLBASE__STATE__ASSESSED)
        return 0;
    return sb_call_fail(
        call, SB_WRONG_STATE,
        "sub-base %s is %s since %s: %s changes a live sub-base (certified or "
        "assessed) only",
        b->id, sb_state_name(b->state),
        b->state == SKILLBASE__STATE__EXITED ? text(b->exited_on) : text(b->revoked_on), verb);
}

/* The problems sb_rules_check_form finds in the fields starting with one
 * of `prefixes` (the other fields of `form` are left empty on purpose). */
static int check_fields(sb_call *call, const Skillbase__ApplicationForm *form,
                        const char *const *prefixes, size_t n, const char *what)
{
    sb_problems all = {0}, mine = {0};
    sb_rules_check_form(form, &all);
    for (size_t i = 0; i < all.count; i++)
        for (size_t k = 0; k < n; k++)
            if (strncmp(all.text[i], prefixes[k], strlen(prefixes[k])) == 0) {
                sb_problems_add(&mine, "%s", all.text[i]);
                break;
            }
    if (mine.count)
        return sb_call_fail_problems(call, SB_INVALID, &mine, what);
    return 0;
}

/* "电工/高级工" */
static char *project_text(sb_call *call, const Skillbase__Project *p)
{
    if (!p)
        return sb_arena_strdup(call->arena, "");
    return p->level && p->level[0]
               ? sb_arena_printf(call->arena, "%s/%s", text(p->occupation), p->level)
               : sb_arena_strdup(call->arena, text(p->occupation));
}

static char *projects_text(sb_call *call, Skillbase__Project *const *p, size_t n)
{
    char *s = sb_arena_strdup(call->arena, "");
    for (size_t i = 0; s && i < n; i++) {
        char *one = project_text(call, p[i]);
        s = one ? sb_arena_printf(call->arena, "%s%s%s", s, i ? "; " : "", one) : NULL;
    }
    return s;
}

static bool project_same(const Skillbase__Project *a, const Skillbase__Project *b)
{
    return a && b && same(a->occupation, b->occupation) && same(a->level, b->level);
}

/* The projects in force: the sub-base's own once amended, else its
 * application's (a sub-base recorded before amend existed). */
static int projects_in_force(sb_call *call, const Skillbase__Base *b, Skillbase__Project ***ret,
                             size_t *ret_n)
{
    *ret = b->projects;
    *ret_n = b->n_projects;
    if (b->n_projects || !b->application_id || !b->application_id[0])
        return 0;
    Skillbase__Record *app;
    int rc = sb_store_record_get(call->txn, b->application_id, &call->arena->pb, &app);
    if (rc == SB_E(SB_NOT_FOUND))
        return 0;
    if (rc)
        return rc;
    if (app->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && app->application &&
        app->application->form) {
        *ret = app->application->form->projects;
        *ret_n = app->application->form->n_projects;
    }
    return 0;
}

/* The most projects a sub-base offers and proposes at once: the form's
 * bound (rules.c, "projects"). */
static size_t projects_max(void)
{
    size_t n;
    const sb_rules_limit *l = sb_rules_form_limits(&n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].field, "projects") == 0)
            return l[i].max;
    return 100;
}

/* A copy of the list in the arena with room for `extra` more. */
static Skillbase__Project **projects_copy(sb_call *call, Skillbase__Project *const *p, size_t n,
                                          size_t extra)
{
    Skillbase__Project **l = sb_arena_alloc(call->arena, (n + extra + 1) * sizeof *l);
    if (l && n)
        memcpy(l, p, n * sizeof *l);
    return l;
}

/* ------------------------------------------------------------ amend */

static int amend_contact(sb_call *call, const Skillbase__Amend *c, Skillbase__Base *b, changes *ch)
{
    static const char *const prefixes[] = {"contact."};
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    form.contact = c->contact;
    int rc = check_fields(call, &form, prefixes, 1, "amend: the contact is refused");
    if (rc)
        return rc;
    static const Skillbase__Contact none = SKILLBASE__CONTACT__INIT;
    const Skillbase__Contact *was = b->contact ? b->contact : &none;
    const char *fields[] = {"contact.name", "contact.phone", "contact.email"};
    const char *before[] = {was->name, was->phone, was->email};
    const char *after[] = {c->contact->name, c->contact->phone, c->contact->email};
    size_t changed = 0;
    for (int i = 0; i < 3; i++)
        if (!same(before[i], after[i])) {
            rc = change_add(call, ch, fields[i], text(before[i]), after[i]);
            if (rc)
                return rc;
            changed++;
        }
    if (!changed)
        return sb_call_fail(call, SB_INVALID, "contact: the same as %s's contact now", b->id);
    Skillbase__Contact *n = sb_arena_alloc(call->arena, sizeof *n);
    if (!n)
        return SB_E(SB_INTERNAL);
    skillbase__contact__init(n);
    n->name = c->contact->name;
    n->phone = c->contact->phone;
    n->email = c->contact->email;
    b->contact = n;
    return 0;
}

static int amend_unit_name(sb_call *call, const Skillbase__Amend *c, Skillbase__Base *b,
                           changes *ch)
{
    static const char *const prefixes[] = {"unit.name"};
    Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    unit.name = c->unit_name;
    form.unit = &unit;
    int rc = check_fields(call, &form, prefixes, 1, "amend: the unit name is refused");
    if (rc)
        return rc;
    /* a re-registration keeps the unit's code: another code is another
     * unit, which applies anew (二(三)1) */
    if (c->credit_code && c->credit_code[0] && !same(c->credit_code, b->credit_code))
        return sb_call_fail(call, SB_INVALID,
                            "credit_code: %s is not %s's code (%s); a re-registration keeps "
                            "the unit's credit code, another code is another unit, which "
                            "applies anew",
                            c->credit_code, b->id, text(b->credit_code));
    if (same(c->unit_name, b->unit_name))
        return sb_call_fail(call, SB_INVALID, "unit_name: the same as %s's unit name now", b->id);
    rc = change_add(call, ch, "unit_name", text(b->unit_name), c->unit_name);
    if (rc)
        return rc;
    b->unit_name = c->unit_name;
    return 0;
}

static int amend_projects(sb_call *call, const Skillbase__Amend *c, Skillbase__Base *b, changes *ch)
{
    static const char *const prefixes[] = {"projects["};
    /* each project as a form would have it (二(二)4 申报项目) */
    Skillbase__Project **all =
        projects_copy(call, c->add_projects, c->n_add_projects, c->n_remove_projects);
    if (!all)
        return SB_E(SB_INTERNAL);
    if (c->n_remove_projects)
        memcpy(all + c->n_add_projects, c->remove_projects, c->n_remove_projects * sizeof *all);
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    form.projects = all;
    form.n_projects = c->n_add_projects + c->n_remove_projects;
    int rc = check_fields(call, &form, prefixes, 1, "amend: a project is refused");
    if (rc)
        return rc;

    Skillbase__Project **now;
    size_t n_now;
    rc = projects_in_force(call, b, &now, &n_now);
    if (rc)
        return rc;
    char *before = projects_text(call, now, n_now);
    Skillbase__Project **kept = projects_copy(call, now, n_now, 0);
    if (!before || !kept)
        return SB_E(SB_INTERNAL);
    size_t n_kept = n_now;
    for (size_t i = 0; i < c->n_remove_projects; i++) {
        size_t k = 0;
        while (k < n_kept && !project_same(kept[k], c->remove_projects[i]))
            k++;
        if (k == n_kept)
            return sb_call_fail(call, SB_INVALID,
                                "remove_projects[%zu]: %s is not among %s's projects (%s)", i,
                                project_text(call, c->remove_projects[i]), b->id, before);
        memmove(kept + k, kept + k + 1, (n_kept - k - 1) * sizeof *kept);
        n_kept--;
    }
    if (c->n_remove_projects && !n_kept)
        return sb_call_fail(call, SB_INVALID,
                            "remove_projects: %s would have no project left; a sub-base offers "
                            "at least one (二(二)4); to leave, see exit",
                            b->id);
    /* a proposal neither repeats a project in force nor one already proposed */
    Skillbase__ProjectReview **reviews = sb_arena_alloc(
        call->arena, (b->n_project_reviews + c->n_add_projects + 1) * sizeof *reviews);
    if (!reviews)
        return SB_E(SB_INTERNAL);
    if (b->n_project_reviews)
        memcpy(reviews, b->project_reviews, b->n_project_reviews * sizeof *reviews);
    size_t n_reviews = b->n_project_reviews;
    for (size_t i = 0; i < c->n_add_projects; i++) {
        const Skillbase__Project *p = c->add_projects[i];
        for (size_t k = 0; k < n_kept; k++)
            if (project_same(kept[k], p))
                return sb_call_fail(call, SB_CONFLICT,
                                    "add_projects[%zu]: %s is already one of %s's projects", i,
                                    project_text(call, p), b->id);
        for (size_t k = 0; k < n_reviews; k++)
            if (reviews[k]->state == SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_PROPOSED &&
                project_same(reviews[k]->project, p))
                return sb_call_fail(call, SB_CONFLICT,
                                    "add_projects[%zu]: %s is already proposed for %s (project "
                                    "review %u, waiting for the bureau's decision)",
                                    i, project_text(call, p), b->id, reviews[k]->number);
        Skillbase__ProjectReview *r = sb_arena_alloc(call->arena, sizeof *r);
        if (!r)
            return SB_E(SB_INTERNAL);
        skillbase__project_review__init(r);
        r->number = (uint32_t)n_reviews + 1;
        r->project = (Skillbase__Project *)p;
        r->state = SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_PROPOSED;
        r->proposed_on = sb_handler_today(call);
        r->proposed_by = (char *)call->actor;
        r->reason = (char *)text(c->reason);
        reviews[n_reviews++] = r;
        char *field = sb_arena_printf(call->arena, "project_reviews[%u]", r->number);
        char *after = project_text(call, p);
        if (!field || !after || !r->proposed_on)
            return SB_E(SB_INTERNAL);
        rc = change_add(call, ch, field, "", sb_arena_printf(call->arena, "proposed: %s", after));
        if (rc)
            return rc;
    }
    size_t open = 0;
    for (size_t k = 0; k < n_reviews; k++)
        open += reviews[k]->state == SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_PROPOSED;
    if (n_kept + open > projects_max())
        return sb_call_fail(call, SB_INVALID,
                            "add_projects: %s would offer %zu projects and propose %zu, more "
                            "than %zu together",
                            b->id, n_kept, open, projects_max());
    b->project_reviews = reviews;
    b->n_project_reviews = n_reviews;
    if (c->n_remove_projects) {
        char *after = projects_text(call, kept, n_kept);
        if (!after)
            return SB_E(SB_INTERNAL);
        rc = change_add(call, ch, "projects", before, after);
        if (rc)
            return rc;
        b->projects = kept;
        b->n_projects = n_kept;
    }
    return 0;
}

int sb_handler_amend(sb_call *call)
{
    const Skillbase__Amend *c = call->req->amend;
    int rc = sb_call_check_reason(call, c->reason, true, "amend");
    if (rc)
        return rc;
    bool unit = c->unit_name && c->unit_name[0];
    if (!c->contact && !unit && !c->n_add_projects && !c->n_remove_projects)
        return sb_call_fail(call, SB_INVALID,
                            "amend: nothing to change; give contact, unit_name, add_projects "
                            "or remove_projects (the official name changes by the bureau's "
                            "decision: rename)");
    if (c->credit_code && c->credit_code[0] && !unit)
        return sb_call_fail(call, SB_INVALID,
                            "credit_code: only with unit_name (a re-registration keeps the code)");
    Skillbase__Record *old;
    rc = load_base(call, c->id, &old);
    if (rc)
        return rc;
    rc = check_live(call, old->sub_base, "amend");
    if (rc)
        return rc;
    Skillbase__Record *rec = sb_call_revise(call, old);
    if (!rec)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    changes ch = {0};
    if (c->contact && (rc = amend_contact(call, c, b, &ch)))
        return rc;
    if (unit && (rc = amend_unit_name(call, c, b, &ch)))
        return rc;
    if ((c->n_add_projects || c->n_remove_projects) && (rc = amend_projects(call, c, b, &ch)))
        return rc;
    return commit(call, rec, old, "amended", "amend", c->reason, &ch);
}

/* ------------------------------------------------------------ project review */

int sb_handler_decide_project(sb_call *call)
{
    const Skillbase__ProjectDecision *c = call->req->decide_project;
    const char *verb = c->approve ? "amend --approve" : "amend --refuse";
    int rc = sb_call_check_reason(call, c->reason, true, verb);
    if (rc)
        return rc;
    Skillbase__Record *old;
    rc = load_base(call, c->id, &old);
    if (rc)
        return rc;
    rc = check_live(call, old->sub_base, verb);
    if (rc)
        return rc;
    const Skillbase__Base *was = old->sub_base;
    if (!c->number || c->number > was->n_project_reviews)
        return sb_call_fail(call, SB_NOT_FOUND,
                            "number: %s has no proposed project %u (it has %zu; see show)", was->id,
                            c->number, was->n_project_reviews);
    const Skillbase__ProjectReview *r = was->project_reviews[c->number - 1];
    if (r->state != SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_PROPOSED)
        return sb_call_fail(
            call, SB_WRONG_STATE, "project review %u of %s was already %s on %s by %s", r->number,
            was->id,
            r->state == SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_APPROVED ? "approved" : "refused",
            text(r->decided_on), text(r->decided_by));
    Skillbase__Record *rec = sb_call_revise(call, old);
    Skillbase__ProjectReview *d = sb_arena_alloc(call->arena, sizeof *d);
    Skillbase__ProjectReview **reviews =
        sb_arena_alloc(call->arena, was->n_project_reviews * sizeof *reviews);
    if (!rec || !d || !reviews)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    *d = *r;
    d->state = c->approve ? SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_APPROVED
                          : SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_REFUSED;
    d->decided_on = sb_handler_today(call);
    d->decided_by = (char *)call->actor;
    d->decision_reason = c->reason;
    memcpy(reviews, was->project_reviews, was->n_project_reviews * sizeof *reviews);
    reviews[c->number - 1] = d;
    b->project_reviews = reviews;
    char *field = sb_arena_printf(call->arena, "project_reviews[%u]", r->number);
    char *p = project_text(call, r->project);
    if (!field || !p || !d->decided_on)
        return SB_E(SB_INTERNAL);
    changes ch = {0};
    rc = change_add(call, &ch, field, sb_arena_printf(call->arena, "proposed: %s", p),
                    sb_arena_printf(call->arena, "%s: %s", c->approve ? "approved" : "refused", p));
    if (rc)
        return rc;
    if (c->approve) {
        /* in force from now on (二(三)2: the bureau approves what it offers) */
        Skillbase__Project **now;
        size_t n_now;
        rc = projects_in_force(call, b, &now, &n_now);
        if (rc)
            return rc;
        Skillbase__Project **l = projects_copy(call, now, n_now, 1);
        char *before = projects_text(call, now, n_now);
        if (!l || !before)
            return SB_E(SB_INTERNAL);
        l[n_now] = r->project;
        b->projects = l;
        b->n_projects = n_now + 1;
        char *after = projects_text(call, l, n_now + 1);
        if (!after || (rc = change_add(call, &ch, "projects", before, after)))
            return rc ? rc : SB_E(SB_INTERNAL);
    }
    return commit(call, rec, old, c->approve ? "project_approved" : "project_refused",
                  "decide_project", c->reason, &ch);
}

/* ------------------------------------------------------------ rename */

/* The id of another live sub-base named `name` into *ret_other (NULL:
 * none). A scan, page by page: a rename is rare. */
int sb_handler_rename(sb_call *call)
{
    const Skillbase__Rename *c = call->req->rename;
    int rc = sb_call_check_reason(call, c->reason, true, "rename");
    if (rc)
        return rc;
    static const char *const prefixes[] = {"base_name"};
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    form.base_name = c->base_name;
    rc = check_fields(call, &form, prefixes, 1, "rename: the name is refused");
    if (rc)
        return rc;
    if (!c->decision || !c->decision[0])
        return sb_call_fail(call, SB_INVALID,
                            "decision: required; the official name changes only by the "
                            "bureau's decision (二(三)2 授予名称): give its number or document");
    if (!sb_rules_text_ok(c->decision) || strlen(c->decision) > 200)
        return sb_call_fail(call, SB_INVALID, "decision: must be UTF-8 text of at most 200 bytes");
    char name[512];
    if (sb_rules_official_name(c->base_name, name, sizeof name))
        return sb_call_fail(call, SB_INVALID, "base_name: too long for the official name");
    Skillbase__Record *old;
    rc = load_base(call, c->id, &old);
    if (rc)
        return rc;
    rc = check_live(call, old->sub_base, "rename");
    if (rc)
        return rc;
    if (same(name, old->sub_base->name))
        return sb_call_fail(call, SB_INVALID, "base_name: %s is already named %s", c->id, name);
    const char *other;
    if ((rc = sb_handler_name_live_holder(call, name, c->id, &other, NULL)))
        return rc;
    if (other)
        return sb_call_fail(call, SB_CONFLICT,
                            "base_name: %s is the name of sub-base %s; two live sub-bases do not "
                            "share an official name",
                            name, other);
    Skillbase__Record *rec = sb_call_revise(call, old);
    if (!rec)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    changes ch = {0};
    rc = change_add(call, &ch, "official_name", text(old->sub_base->name), name);
    if (!rc)
        rc =
            change_add(call, &ch, "name_decision", text(old->sub_base->name_decision), c->decision);
    if (rc)
        return rc;
    b->name = sb_arena_strdup(call->arena, name);
    b->name_decision = c->decision;
    if (!b->name)
        return SB_E(SB_INTERNAL);
    rc = commit(call, rec, old, "renamed", "rename", c->reason, &ch);
    /* the index of granted names (store_names.h) learns the new one */
    return rc ? rc : sb_store_name_add(call->txn, name, c->id);
}

/* ------------------------------------------------------------ exit */

int sb_handler_exit_base(sb_call *call)
{
    const Skillbase__Transition *c = call->req->exit_base;
    int rc = sb_call_check_reason(call, c->reason, true, "exit");
    if (rc)
        return rc;
    Skillbase__Record *old;
    rc = load_base(call, c->id, &old);
    if (rc)
        return rc;
    const sb_transition *t;
    rc = sb_call_check_transition(call, old, SB_ACT_EXIT, &t);
    if (rc)
        return rc;
    Skillbase__Record *rec = sb_call_revise(call, old);
    if (!rec)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    /* not a revocation: no result, no cause; no further assessment */
    b->state = t->to;
    b->exited_on = sb_handler_today(call);
    b->next_assessment_due = (char *)"";
    if (!b->exited_on)
        return SB_E(SB_INTERNAL);
    rc = sb_call_commit_change(call, rec, old, "exit_base", t->from, c->reason);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* ------------------------------------------------------------ plaque */

int sb_handler_plaque_returned(sb_call *call)
{
    const Skillbase__PlaqueReturned *c = call->req->plaque_returned;
    int rc = sb_call_check_reason(call, c->reason, false, "plaque_returned");
    if (rc)
        return rc;
    sb_date on;
    if (!c->returned_on || sb_date_parse(c->returned_on, &on))
        return sb_call_fail(call, SB_INVALID, "returned_on: not a date (YYYY-MM-DD)");
    if (sb_date_cmp(on, call->today) > 0)
        return sb_call_fail(call, SB_INVALID, "returned_on: %s is after today", c->returned_on);
    Skillbase__Record *old;
    rc = load_base(call, c->id, &old);
    if (rc)
        return rc;
    const Skillbase__Base *was = old->sub_base;
    const char *ended = was->state == SKILLBASE__STATE__EXITED    ? was->exited_on
                        : was->state == SKILLBASE__STATE__REVOKED ? was->revoked_on
                                                                  : NULL;
    if (!ended)
        return sb_call_fail(call, SB_WRONG_STATE,
                            "sub-base %s is %s: it keeps its plaque; the plaque's return follows "
                            "an exit or a revocation (五(二) 摘牌)",
                            was->id, sb_state_name(was->state));
    if (was->plaque_returned_on && was->plaque_returned_on[0])
        return sb_call_fail(call, SB_CONFLICT,
                            "the plaque of %s was already recorded returned on %s", was->id,
                            was->plaque_returned_on);
    sb_date end;
    if (ended[0] && sb_date_parse(ended, &end) == 0 && sb_date_cmp(on, end) < 0)
        return sb_call_fail(call, SB_INVALID, "returned_on: %s is before %s was %s on %s",
                            c->returned_on, was->id, sb_state_name(was->state), ended);
    Skillbase__Record *rec = sb_call_revise(call, old);
    if (!rec)
        return SB_E(SB_INTERNAL);
    Skillbase__Base *b = rec->sub_base;
    b->plaque_returned_on = c->returned_on;
    changes ch = {0};
    rc = change_add(call, &ch, "plaque_returned_on", "", c->returned_on);
    if (rc)
        return rc;
    return commit(call, rec, old, "plaque_returned", "plaque_returned", c->reason, &ch);
}
