/* import_base: registering a sub-base certified before this system (七(一)),
 * under the notice this policy repealed (杭人社发〔2013〕480号) or another
 * earlier decision. proto/skillbase.proto, "existing sub-bases". */
#include <stdio.h>
#include <string.h>

#include "handlers_private.h"
#include "store_names.h"
#include "jobs.h"
#include "sb_error.h"

#define NAME_MAX_BYTES 200
#define NUMBER_MAX_BYTES 64
#define DECISION_MAX_BYTES 200
#define TOTAL_MAX 120
/* 七(一): this policy is in force from this day; the 2013 notice is repealed */
#define POLICY_IN_FORCE "2024-01-20"
#define REPEALED_NOTICE "480号"

/* A live record (open application or sub-base) of the unit, if any. */
typedef struct {
    char id[SB_ID_MAX + 1];
    Skillbase__State state;
} live;

static int find_live(const Skillbase__Record *rec, void *arg)
{
    live *l = arg;
    sb_record_head h = sb_call_record_head(rec);
    if (sb_machine_is_terminal(h.kind, h.state))
        return 0;
    snprintf(l->id, sizeof l->id, "%s", h.id);
    l->state = h.state;
    return 1;
}

static bool text_ok(const char *s, size_t max)
{
    return s && s[0] && strlen(s) <= max && sb_rules_text_ok(s);
}

/* Every problem of the request at once, into p; the dates into *cert and
 * *assessed (when there is a result). */
static void check(sb_call *call, const Skillbase__ImportBase *q, sb_problems *p, sb_date *cert,
                  sb_date *assessed)
{
    sb_rules_check_unit(q->unit, p);
    if (!text_ok(q->name, NAME_MAX_BYTES))
        sb_problems_add(p, "name: the official name as granted, 1-%d bytes of text",
                        NAME_MAX_BYTES);
    if (!text_ok(q->certificate_no, NUMBER_MAX_BYTES))
        sb_problems_add(p, "certificate_no: the original certificate number, 1-%d bytes of text",
                        NUMBER_MAX_BYTES);
    if (!text_ok(q->decision, DECISION_MAX_BYTES))
        sb_problems_add(p,
                        "decision: what it was certified under (e.g. 杭人社发〔2013〕480号), "
                        "1-%d bytes of text",
                        DECISION_MAX_BYTES);
    bool dated = q->certified_on && sb_date_parse(q->certified_on, cert) == 0;
    if (!dated)
        sb_problems_add(p, "certified_on: the original certification date, YYYY-MM-DD");
    else if (sb_date_cmp(*cert, call->today) > 0)
        sb_problems_add(p, "certified_on: %s is after today", q->certified_on);
    if (dated && q->decision && strstr(q->decision, REPEALED_NOTICE) &&
        strcmp(q->certified_on, POLICY_IN_FORCE) >= 0)
        sb_problems_add(
            p,
            "certified_on: %s is not before %s, when 杭人社发〔2013〕480号 was repealed "
            "(七(一)): a sub-base certified since then applies under this policy",
            q->certified_on, POLICY_IN_FORCE);
    if (q->base_level > SKILLBASE__BASE_LEVEL__DISTRICT)
        sb_problems_add(p, "base_level: CITY or DISTRICT");
    const Skillbase__ImportedResult *r = q->last_result;
    if (!r)
        return;
    if (r->grade == SKILLBASE__GRADE__FAIL)
        sb_problems_add(p, "last_result.grade: a sub-base whose last result was 不合格 was revoked "
                           "(五(二)); it is not imported as a live sub-base");
    else if (!sb_rules_grade_passes(r->grade))
        sb_problems_add(p, "last_result.grade: excellent, good or pass");
    if (r->total > TOTAL_MAX)
        sb_problems_add(p, "last_result.total: at most %d (100 + 20 bonus, 五(一))", TOTAL_MAX);
    else if (r->total && sb_rules_grade_passes(r->grade) && sb_rules_grade(r->total) != r->grade)
        sb_problems_add(p, "last_result.total: %u is not in the band of its grade (五(二))",
                        r->total);
    if (!r->assessed_on || sb_date_parse(r->assessed_on, assessed) != 0)
        sb_problems_add(p, "last_result.assessed_on: YYYY-MM-DD");
    else if (sb_date_cmp(*assessed, call->today) > 0)
        sb_problems_add(p, "last_result.assessed_on: %s is after today", r->assessed_on);
    else if (dated && sb_date_cmp(*assessed, *cert) < 0)
        sb_problems_add(p, "last_result.assessed_on: %s is before certified_on %s", r->assessed_on,
                        q->certified_on);
}

/* The imported result as the sub-base's first assessment. */
static Skillbase__Assessment *imported_result(sb_call *call, const Skillbase__ImportBase *q,
                                              sb_date cert, sb_date assessed)
{
    const Skillbase__ImportedResult *r = q->last_result;
    Skillbase__Assessment *a = sb_arena_alloc(call->arena, sizeof *a);
    if (!a)
        return NULL;
    skillbase__assessment__init(a);
    a->grade = r->grade;
    a->total = r->total;
    a->total_tenths = r->total * 10;
    a->assessed_on = r->assessed_on;
    a->assessor = (char *)"(imported)";
    a->cycle = sb_rules_cycle(cert, assessed);
    a->reason = sb_arena_printf(call->arena, "the last result before this system, imported (%s)",
                                q->decision);
    return a->reason ? a : NULL;
}

int sb_handler_import_base(sb_call *call)
{
    const Skillbase__ImportBase *q = call->req->import_base;
    sb_problems problems = {0};
    sb_date cert = {0}, assessed = {0};
    int rc = sb_call_check_reason(call, q->reason, true, "import_base");
    if (rc)
        return rc;
    check(call, q, &problems, &cert, &assessed);
    if (problems.count)
        return sb_call_fail_problems(call, SB_INVALID, &problems, "import refused");
    /* one live sub-base (or open application) per unit, as at apply */
    live l = {0};
    rc = sb_store_credit_each(call->txn, q->unit->credit_code, &call->arena->pb, find_live, &l);
    if (rc < 0)
        return rc;
    if (rc > 0)
        return sb_call_fail(call, SB_CONFLICT,
                            "unit %s already has %s %s (%s); one open application or live "
                            "sub-base per unit",
                            q->unit->credit_code,
                            strncmp(l.id, "app-", 4) == 0 ? "application" : "sub-base", l.id,
                            sb_state_name(l.state));
    /* two live sub-bases do not share an official name (二(三)2) */
    const char *holder;
    rc = sb_handler_name_live_holder(call, q->name, NULL, &holder, NULL);
    if (rc)
        return rc;
    if (holder)
        return sb_call_fail(call, SB_CONFLICT,
                            "name: %s is the name of live sub-base %s; two live sub-bases do not "
                            "share an official name",
                            q->name, holder);

    Skillbase__Base *b = sb_arena_alloc(call->arena, sizeof *b);
    Skillbase__Record *rec = sb_arena_alloc(call->arena, sizeof *rec);
    Skillbase__BaseImport *imp = sb_arena_alloc(call->arena, sizeof *imp);
    char id[32], due[SB_DATE_STRLEN];
    if (!b || !rec || !imp)
        return SB_E(SB_INTERNAL);
    skillbase__base__init(b);
    skillbase__record__init(rec);
    skillbase__base_import__init(imp);
    rc = sb_store_next_id(call->txn, SKILLBASE__KIND__BASE, id, sizeof id);
    if (rc)
        return rc;
    b->id = sb_arena_strdup(call->arena, id);
    b->version = 1;
    b->name = q->name;
    b->plaque = (char *)sb_rules_plaque();
    b->certificate_no = q->certificate_no;
    b->certified_on = q->certified_on;
    b->unit_name = q->unit->name;
    b->credit_code = q->unit->credit_code;
    b->district = (char *)sb_rules_district(q->unit->district);
    b->contact = q->contact;
    b->base_level = q->base_level;
    b->created_ms = b->updated_ms = call->now_ms;
    imp->decision = q->decision;
    imp->imported_on = sb_handler_today(call);
    imp->imported_by = (char *)call->actor;
    b->imported = imp;
    /* 五(一) 每两年, counted from the original certification: after a result,
     * the next is due at the end of the cycle after the result's; without
     * one, at the end of the cycle today falls in */
    uint32_t cycle = sb_rules_cycle(cert, call->today);
    b->state = SKILLBASE__STATE__CERTIFIED;
    if (q->last_result) {
        Skillbase__Assessment *a = imported_result(call, q, cert, assessed);
        Skillbase__Assessment **list = sb_arena_alloc(call->arena, sizeof *list);
        if (!a || !list)
            return SB_E(SB_INTERNAL);
        list[0] = a;
        b->assessments = list;
        b->n_assessments = 1;
        b->grade = a->grade;
        b->total = a->total;
        b->total_tenths = a->total_tenths;
        b->state = SKILLBASE__STATE__ASSESSED;
        imp->had_result = true;
        cycle = a->cycle + 1;
    }
    b->next_assessment_due =
        sb_arena_strdup(call->arena, sb_date_format(sb_rules_cycle_end(cert, cycle), due));
    if (!b->id || !imp->imported_on || !b->next_assessment_due)
        return SB_E(SB_INTERNAL);
    rec->record_case = SKILLBASE__RECORD__RECORD_SUB_BASE;
    rec->sub_base = b;
    /* "base.imported": not a certification by this system (no notice of one) */
    Skillbase__Event *ev = sb_call_event(call, rec, "imported", "import_base", q->reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    ev->from_state = SKILLBASE__STATE__STATE_UNSPECIFIED;
    rc = sb_store_record_put(call->txn, rec, NULL);
    if (!rc)
        rc = sb_store_name_add(call->txn, b->name, b->id); /* the index of granted names */
    if (rc)
        return rc;
    rc = sb_call_append_event(call, ev, true);
    if (rc)
        return rc;
    /* reminders before the next assessment is due (handle_deadlines.c) */
    rc = sb_handler_assessment_schedule(call, b);
    if (rc)
        return rc;
    sb_call_reply_record(call, rec);
    return 0;
}

/* The idempotency key of an import: the unit and its original certificate,
 * whoever sends it, so importing the same sub-base again changes nothing. */
const char *sb_handler_import_key(sb_arena *arena, const Skillbase__Request *req)
{
    const Skillbase__ImportBase *q = req->import_base;
    if (!q || !q->unit || !q->unit->credit_code || !q->unit->credit_code[0] || !q->certificate_no ||
        !q->certificate_no[0] || strlen(q->certificate_no) > NUMBER_MAX_BYTES)
        return NULL; /* no key: the handler refuses such a request */
    return sb_arena_printf(arena, "import:%s:%s", q->unit->credit_code, q->certificate_no);
}
