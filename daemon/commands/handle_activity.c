/* The yearly activity of a sub-base (policy 三: the services it provides
 * to enterprises, training institutions, colleges and associations; 四(一):
 * public-welfare training, competitions and subsidised training): a filing
 * per year, checked against the service records skillbase-subsidy already
 * uses, reminders before its due date through skillbase-deadlines, the
 * overdue list, and the two years of an assessment cycle beside its
 * results (docs/activity.md). Also the helpers the equipment and
 * recommendation handlers share (activity_private.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "activity_private.h"
#include "jobs.h"
#include "sb_error.h"
#include "sb_publicity.h"
#include "store_activity.h"
#include "store_subsidy.h"
#include "subsidy_private.h"

#define JOB_ACTIVITY_REMINDER "activity.reminder"
#define DAY_MS (24ull * 3600 * 1000)

/* ------------------------------------------------------------ shared helpers */

static bool live(const Skillbase__Base *b)
{
    return b->state == SKILLBASE__STATE__CERTIFIED || b->state == SKILLBASE__STATE__ASSESSED;
}

int sb_handler_activity_load_base(sb_call *call, const char *id, bool want_live, const char *what,
                                  Skillbase__Record **ret)
{
    Skillbase__Record *rec = NULL;
    int rc = sb_handler_subsidy_load_base(call, "id", id, &rec);
    if (rc)
        return rc;
    if (want_live && !live(rec->sub_base))
        return sb_call_fail(call, SB_WRONG_STATE,
                            "%s is %s: %s is for a certified or assessed sub-base", id,
                            sb_state_name(rec->sub_base->state), what);
    *ret = rec;
    return 0;
}

void sb_handler_activity_check_date(sb_call *call, sb_problems *p, const char *field, const char *s,
                                    bool required, sb_date *ret)
{
    if (!s || !s[0]) {
        if (required)
            sb_problems_add(p, "%s: missing", field);
        return;
    }
    sb_date d;
    if (sb_date_parse(s, &d) != 0) {
        sb_problems_add(p, "%s: \"%.40s\" is not a date (YYYY-MM-DD)", field, s);
        return;
    }
    if (sb_date_cmp(d, call->today) > 0) {
        char today[SB_DATE_STRLEN];
        sb_problems_add(p, "%s: %s is after today (%s)", field, s,
                        sb_date_format(call->today, today));
        return;
    }
    *ret = d;
}

int sb_handler_activity_event(sb_call *call, Skillbase__Record *base, const char *what,
                              const char *action, const char *reason, bool jobs,
                              void (*fill)(Skillbase__Event *ev, void *arg), void *arg)
{
    Skillbase__Event *ev = sb_call_event(call, base, what, action, reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    if (fill)
        fill(ev, arg);
    return sb_call_append_event(call, ev, jobs);
}

static int enqueue_reminder(sb_call *call, const char *id, int year, const char *due_on,
                            uint32_t days_before, bool overdue, uint64_t due_ms)
{
    Skillbase__ActivityReminderJob params = SKILLBASE__ACTIVITY_REMINDER_JOB__INIT;
    params.id = (char *)id;
    params.year = (uint32_t)year;
    params.due_on = (char *)due_on;
    params.days_before = days_before;
    params.overdue = overdue;
    size_t len = skillbase__activity_reminder_job__get_packed_size(&params);
    uint8_t *buf = sb_arena_alloc(call->arena, len ? len : 1);
    if (!buf)
        return SB_E(SB_INTERNAL);
    skillbase__activity_reminder_job__pack(&params, buf);
    sb_job_spec spec = {
        .type = JOB_ACTIVITY_REMINDER, .entity_id = id, .due_ms = due_ms, .params = {len, buf}};
    return sb_call_enqueue_job(call, &spec, NULL);
}

int sb_handler_activity_schedule(sb_call *call, const Skillbase__Base *b, int year)
{
    sb_date cert;
    if (!call->config->activity_reminders || !live(b) || !b->certified_on ||
        sb_date_parse(b->certified_on, &cert))
        return 0;
    /* never a year already overdue: after a long stop (or a clock moved on)
     * the reminders start again from the year now due, not one chain of
     * catching-up jobs per year missed; those years stay in activity_overdue */
    int earliest = sb_activity_next_year(call->config, cert, call->today);
    if (year < earliest)
        year = earliest;
    if (year > 9998)
        return 0;
    uint8_t key[SB_ACTIVITY_KEY_MAX];
    size_t klen = sb_store_activity_key(key, 's', b->id, NULL);
    uint32_t done;
    int rc = sb_store_activity_u32_get(call->txn, key, klen, &done);
    if (rc)
        return rc;
    if ((int)done >= year)
        return 0; /* scheduled already */
    sb_date due = sb_activity_due(call->config, year);
    char *due_on = sb_arena_alloc(call->arena, SB_DATE_STRLEN);
    if (!due_on)
        return SB_E(SB_INTERNAL);
    sb_date_format(due, due_on);
    for (uint32_t i = 0; i < call->config->n_activity_remind_days; i++) {
        uint32_t days = call->config->activity_remind_days[i];
        /* 00:00 Hangzhou of the reminder's day */
        uint64_t at = sb_publicity_day_end_ms(sb_date_add_days(due, -(int)days - 1));
        if (at + DAY_MS <= call->now_ms)
            continue; /* that reminder's day is over */
        if ((rc = enqueue_reminder(call, b->id, year, due_on, days, false, at)))
            return rc;
    }
    /* overdue from the day after the due date */
    if ((rc = enqueue_reminder(call, b->id, year, due_on, 0, true, sb_publicity_day_end_ms(due))))
        return rc;
    return sb_store_activity_u32_put(call->txn, key, klen, (uint32_t)year);
}

/* ------------------------------------------------------------ filings */

static int filing_key(sb_call *call, const char *base_id, uint32_t year, uint8_t *buf,
                      size_t *ret_len)
{
    char y[8];
    snprintf(y, sizeof y, "%04u", year);
    size_t n = sb_store_activity_key(buf, 'a', base_id, y);
    if (!n)
        return sb_call_fail(call, SB_INVALID, "id: too long");
    *ret_len = n;
    return 0;
}

/* The filing of (base, year): 0 and *ret, SB_E(SB_NOT_FOUND) (reply
 * untouched), or a store error. */
static int filing_get(sb_call *call, const char *base_id, uint32_t year,
                      Skillbase__ActivityFiling **ret)
{
    uint8_t key[SB_ACTIVITY_KEY_MAX];
    size_t klen = 0;
    int rc = filing_key(call, base_id, year, key, &klen);
    if (rc)
        return rc;
    ProtobufCMessage *m = NULL;
    rc = sb_store_activity_get(call->txn, key, klen, &skillbase__activity_filing__descriptor,
                               &call->arena->pb, &m);
    if (rc)
        return rc;
    *ret = (Skillbase__ActivityFiling *)m;
    return 0;
}

/* Trainees of the year's service records of one base, per kind, and how
 * many training records there are. */
static int recorded_totals(sb_call *call, const char *base_id, uint32_t year,
                           uint64_t *ret_training, uint64_t *ret_assessment, uint64_t *ret_n)
{
    const char *after = NULL;
    uint64_t training = 0, assessment = 0, n = 0;
    for (;;) {
        Skillbase__ServiceRecord **recs;
        size_t count;
        bool more;
        int rc = sb_store_deliveries_list(call->txn, base_id, (int)year, after, 1000,
                                          &call->arena->pb, &recs, &count, &more);
        if (rc)
            return rc;
        for (size_t i = 0; i < count; i++) {
            if (recs[i]->kind == SKILLBASE__SERVICE_KIND__TRAINING) {
                training += recs[i]->trainees;
                n++;
            } else if (recs[i]->kind == SKILLBASE__SERVICE_KIND__SKILL_ASSESSMENT)
                assessment += recs[i]->trainees;
        }
        if (!more || !count)
            break;
        after = recs[count - 1]->id;
    }
    *ret_training = training;
    *ret_assessment = assessment;
    *ret_n = n;
    return 0;
}

static void check_filing(sb_call *call, const Skillbase__ActivityFiling *f, sb_date cert,
                         sb_problems *p)
{
    if (f->base_id && f->base_id[0])
        sb_problems_add(p, "filing.base_id: the command's id names the sub-base; leave it out");
    if (f->n_warnings || f->recorded_free_training_person_times ||
        f->recorded_skill_certifications || (f->filed_on && f->filed_on[0]) ||
        (f->filed_by && f->filed_by[0]) || f->version || (f->due_on && f->due_on[0]) || f->late)
        sb_problems_add(p, "filing: warnings, recorded_*, filed_*, version, due_on and late are "
                           "set by the daemon; leave them out");
    if (f->year < 1 || f->year > 9999)
        sb_problems_add(p, "filing.year: missing or not a year");
    else if ((int)f->year > call->today.year)
        sb_problems_add(p, "filing.year: %u has not begun", f->year);
    else if ((int)f->year < cert.year)
        sb_problems_add(p, "filing.year: %u is before the sub-base was certified (%04d)", f->year,
                        cert.year);
    const struct {
        const char *name;
        uint32_t v;
    } figures[] = {
        {"training_sessions", f->training_sessions},
        {"training_person_times", f->training_person_times},
        {"free_training_person_times", f->free_training_person_times},
        {"skill_certifications", f->skill_certifications},
        {"competitions_hosted", f->competitions_hosted},
        {"competitions_supported", f->competitions_supported},
        {"technical_support", f->technical_support},
    };
    for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++)
        if (figures[i].v > SB_ACTIVITY_COUNT_MAX)
            sb_problems_add(p, "filing.%s: at most %u", figures[i].name, SB_ACTIVITY_COUNT_MAX);
    if (f->free_training_person_times > f->training_person_times)
        sb_problems_add(p,
                        "filing.free_training_person_times: %u, more than "
                        "training_person_times (%u) of which they are a part",
                        f->free_training_person_times, f->training_person_times);
    if (f->training_person_times && !f->training_sessions)
        sb_problems_add(p, "filing.training_sessions: 0, but training_person_times is %u",
                        f->training_person_times);
    sb_handler_subsidy_check_text(p, "filing.note", f->note, SB_EQUIPMENT_NOTE_MAX, false);
}

typedef struct {
    Skillbase__ActivityFiling *before, *after;
} filing_pair;

static void fill_filing(Skillbase__Event *ev, void *arg)
{
    filing_pair *pr = arg;
    ev->activity_before = pr->before;
    ev->activity_after = pr->after;
}

/* `reason` followed by " (free_training_person_times 25 → 30, ...)" for the
 * figures a refiling changed; NULL when out of memory. */
static const char *figures_changed(sb_call *call, const Skillbase__ActivityFiling *a,
                                   const Skillbase__ActivityFiling *b, const char *reason)
{
    const struct {
        const char *name;
        uint32_t was, now;
    } figures[] = {
        {"training_sessions", a->training_sessions, b->training_sessions},
        {"training_person_times", a->training_person_times, b->training_person_times},
        {"free_training_person_times", a->free_training_person_times,
         b->free_training_person_times},
        {"skill_certifications", a->skill_certifications, b->skill_certifications},
        {"competitions_hosted", a->competitions_hosted, b->competitions_hosted},
        {"competitions_supported", a->competitions_supported, b->competitions_supported},
        {"technical_support", a->technical_support, b->technical_support},
    };
    const char *list = "";
    for (size_t i = 0; list && i < sizeof figures / sizeof figures[0]; i++)
        if (figures[i].was != figures[i].now)
            list = sb_arena_printf(call->arena, "%s%s%s %u → %u", list, *list ? ", " : "",
                                   figures[i].name, figures[i].was, figures[i].now);
    if (!list || !*list)
        return list ? reason : NULL;
    return sb_arena_printf(call->arena, "%s (%s)", reason, list);
}

int sb_handler_activity_file(sb_call *call)
{
    const Skillbase__ActivityFile *c = call->req->activity_file;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_activity_load_base(call, c->id, true, "activity_file", &base);
    if (rc)
        return rc;
    const Skillbase__Base *b = base->sub_base;
    if (!c->filing)
        return sb_call_fail(call, SB_INVALID, "filing: missing");
    sb_date cert = {0};
    if (!b->certified_on || sb_date_parse(b->certified_on, &cert))
        return sb_call_fail(call, SB_INTERNAL, "%s carries no certification date", b->id);
    sb_problems p = {0};
    check_filing(call, c->filing, cert, &p);
    if (p.count)
        return sb_call_fail_problems(call, SB_INVALID, &p, "activity filing refused");
    Skillbase__ActivityFiling *old = NULL;
    rc = filing_get(call, b->id, c->filing->year, &old);
    if (rc && rc != SB_E(SB_NOT_FOUND))
        return rc;
    if ((rc = sb_call_check_reason(call, c->reason, old != NULL, "refiling a year already filed")))
        return rc;

    Skillbase__ActivityFiling *f = sb_arena_alloc(call->arena, sizeof *f);
    char *filed_on = sb_arena_alloc(call->arena, SB_DATE_STRLEN);
    char *due_on = sb_arena_alloc(call->arena, SB_DATE_STRLEN);
    char **warnings = sb_arena_alloc(call->arena, 2 * sizeof *warnings);
    if (!f || !filed_on || !due_on || !warnings)
        return SB_E(SB_INTERNAL);
    *f = *c->filing;
    f->base_id = b->id;
    f->filed_on = sb_date_format(call->today, filed_on);
    f->filed_by = (char *)call->actor;
    f->version = old ? old->version + 1 : 1;
    sb_date due = sb_activity_due(call->config, (int)f->year);
    f->due_on = sb_date_format(due, due_on);
    f->late = sb_date_cmp(call->today, due) > 0;

    /* the figures the service records give (record_service, 六(二)): a
     * disagreement is recorded on the filing, not a refusal — the records
     * hold what was reported for subsidy, the filing what the sub-base did */
    uint64_t training, assessment, n;
    if ((rc = recorded_totals(call, b->id, f->year, &training, &assessment, &n)))
        return rc;
    f->recorded_free_training_person_times =
        training > UINT32_MAX ? UINT32_MAX : (uint32_t)training;
    f->recorded_skill_certifications = assessment > UINT32_MAX ? UINT32_MAX : (uint32_t)assessment;
    f->warnings = warnings;
    f->n_warnings = 0;
    if (f->free_training_person_times != training)
        warnings[f->n_warnings++] = sb_arena_printf(
            call->arena,
            "free_training_person_times: filed %u, the %u training service records of %u hold "
            "%llu person-times",
            f->free_training_person_times, (unsigned)n, f->year, (unsigned long long)training);
    if (f->skill_certifications < assessment)
        warnings[f->n_warnings++] = sb_arena_printf(
            call->arena,
            "skill_certifications: filed %u, fewer than the %llu skill-assessment person-times "
            "the service records of %u hold",
            f->skill_certifications, (unsigned long long)assessment, f->year);
    for (size_t i = 0; i < f->n_warnings; i++)
        if (!warnings[i])
            return SB_E(SB_INTERNAL);

    uint8_t key[SB_ACTIVITY_KEY_MAX];
    size_t klen = 0;
    if ((rc = filing_key(call, b->id, f->year, key, &klen)))
        return rc;
    if ((rc = sb_store_activity_put(call->txn, key, klen, &f->base)))
        return rc;
    const char *reason = sb_arena_printf(call->arena, "activity of %u %s%s%s%s%s", f->year,
                                         old ? "refiled" : "filed", f->late ? " late (due " : "",
                                         f->late ? f->due_on : "", f->late ? ")" : "",
                                         f->n_warnings ? ", with warnings" : "");
    if (reason && old)
        reason = figures_changed(call, old, f, reason);
    if (reason && c->reason && c->reason[0])
        reason = sb_arena_printf(call->arena, "%s: %s", reason, c->reason);
    if (!reason)
        return SB_E(SB_INTERNAL);
    filing_pair pr = {old, f};
    if ((rc = sb_handler_activity_event(call, base, "activity_filed", "activity_file", reason,
                                        false, fill_filing, &pr)))
        return rc;
    /* reminders run from here on for a sub-base certified before they existed */
    if ((rc = sb_handler_activity_schedule(call, b, 0)))
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_ACTIVITY;
    call->reply->activity = f;
    return 0;
}

/* ------------------------------------------------------------ activity_list */

typedef struct {
    Skillbase__ActivityFiling **items;
    size_t n, cap;
    sb_call *call;
    uint32_t from, to; /* years kept; 0, 0: all */
} filing_list;

static int collect_filing(ProtobufCMessage *m, void *arg)
{
    filing_list *l = arg;
    Skillbase__ActivityFiling *f = (Skillbase__ActivityFiling *)m;
    if (l->from && (f->year < l->from || f->year > l->to))
        return 0;
    Skillbase__ActivityFiling **a =
        sb_arena_grow(l->call->arena, l->items, l->n, &l->cap, sizeof *a, 16);
    if (!a)
        return SB_E(SB_INTERNAL);
    l->items = a;
    l->items[l->n++] = f;
    return 0;
}

int sb_handler_activity_list(sb_call *call)
{
    const Skillbase__ActivityList *c = call->req->activity_list;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_activity_load_base(call, c->id, false, "activity_list", &base);
    if (rc)
        return rc;
    const Skillbase__Base *b = base->sub_base;
    Skillbase__ActivityPage *page = sb_arena_alloc(call->arena, sizeof *page);
    uint32_t *years = sb_arena_alloc(call->arena, 2 * sizeof *years);
    if (!page || !years)
        return SB_E(SB_INTERNAL);
    skillbase__activity_page__init(page);
    page->base_id = b->id;
    page->cycle = c->cycle;
    filing_list l = {.call = call};
    if (c->cycle) {
        sb_date cert;
        if (c->cycle > 500)
            return sb_call_fail(call, SB_INVALID, "cycle: 1 to 500");
        if (!b->certified_on || sb_date_parse(b->certified_on, &cert))
            return sb_call_fail(call, SB_INTERNAL, "%s carries no certification date", b->id);
        int first = sb_activity_cycle_first_year(cert, c->cycle);
        if (first > 9998)
            return sb_call_fail(call, SB_INVALID, "cycle: %u lies past the year 9999", c->cycle);
        l.from = (uint32_t)first;
        l.to = (uint32_t)first + 1;
        years[0] = l.from;
        years[1] = l.to;
        page->years = years;
        page->n_years = 2;
        /* the cycle's results, beside its activity */
        Skillbase__Assessment **as =
            sb_arena_alloc(call->arena, (b->n_assessments ? b->n_assessments : 1) * sizeof *as);
        if (!as)
            return SB_E(SB_INTERNAL);
        for (size_t i = 0; i < b->n_assessments; i++)
            if (b->assessments[i]->cycle == c->cycle)
                as[page->n_assessments++] = b->assessments[i];
        page->assessments = as;
    }
    uint8_t prefix[SB_ACTIVITY_KEY_MAX];
    size_t plen = sb_store_activity_key(prefix, 'a', b->id, NULL);
    prefix[plen++] = 0;
    rc = sb_store_activity_each(call->txn, prefix, plen, &skillbase__activity_filing__descriptor,
                                &call->arena->pb, collect_filing, &l);
    if (rc)
        return rc;
    page->filings = l.items;
    page->n_filings = l.n;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_ACTIVITIES;
    call->reply->activities = page;
    return 0;
}

/* ------------------------------------------------------------ activity_overdue */

int sb_handler_activity_overdue(sb_call *call)
{
    const Skillbase__ActivityOverdue *c = call->req->activity_overdue;
    int year = (int)c->year;
    if (year == 0) {
        year = call->today.year - 1;
        if (sb_date_cmp(call->today, sb_activity_due(call->config, year)) <= 0)
            year--;
    }
    if (year < 1 || year > 9998)
        return sb_call_fail(call, SB_INVALID, "year: 1 to 9998");
    sb_date due = sb_activity_due(call->config, year);
    Skillbase__OverduePage *page = sb_arena_alloc(call->arena, sizeof *page);
    char *due_on = sb_arena_alloc(call->arena, SB_DATE_STRLEN);
    if (!page || !due_on)
        return SB_E(SB_INTERNAL);
    skillbase__overdue_page__init(page);
    page->year = (uint32_t)year;
    page->due_on = sb_date_format(due, due_on);
    call->reply->result_case = SKILLBASE__REPLY__RESULT_OVERDUE;
    call->reply->overdue = page;
    int64_t late = sb_date_to_days(call->today) - sb_date_to_days(due);
    if (late <= 0)
        return 0; /* not due yet: nobody is overdue */

    size_t cap = 0;
    const Skillbase__State states[] = {SKILLBASE__STATE__CERTIFIED, SKILLBASE__STATE__ASSESSED};
    for (size_t s = 0; s < 2; s++) {
        const char *after = NULL;
        for (;;) {
            Skillbase__Record **recs;
            size_t n;
            bool more;
            int rc = sb_store_list(call->txn, SKILLBASE__KIND__BASE, states[s], after, 1000,
                                   &call->arena->pb, &recs, &n, &more);
            if (rc)
                return rc;
            for (size_t i = 0; i < n; i++) {
                const Skillbase__Base *b = recs[i]->sub_base;
                sb_date cert;
                if (!b || !b->certified_on || sb_date_parse(b->certified_on, &cert) ||
                    cert.year > year)
                    continue;
                Skillbase__ActivityFiling *f = NULL;
                rc = filing_get(call, b->id, (uint32_t)year, &f);
                if (rc == 0)
                    continue;
                if (rc != SB_E(SB_NOT_FOUND))
                    return rc;
                if (page->n_bases == cap) {
                    cap = cap ? 2 * cap : 32;
                    Skillbase__OverdueBase **a = sb_arena_alloc(call->arena, cap * sizeof *a);
                    if (!a)
                        return SB_E(SB_INTERNAL);
                    if (page->n_bases)
                        memcpy(a, page->bases, page->n_bases * sizeof *a);
                    page->bases = a;
                }
                Skillbase__OverdueBase *o = sb_arena_alloc(call->arena, sizeof *o);
                if (!o)
                    return SB_E(SB_INTERNAL);
                skillbase__overdue_base__init(o);
                o->base_id = b->id;
                o->name = b->name;
                o->due_on = page->due_on;
                o->days_overdue = (uint32_t)late;
                page->bases[page->n_bases++] = o;
            }
            if (!more || !n)
                break;
            after = recs[n - 1]->sub_base->id;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ activity_reminder */

int sb_handler_activity_reminder(sb_call *call)
{
    const Skillbase__ActivityReminder *c = call->req->activity_reminder;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_subsidy_load_base(call, "id", c->id, &base);
    if (rc)
        return rc;
    sb_date due;
    if (!c->due_on || sb_date_parse(c->due_on, &due))
        return sb_call_fail(call, SB_INVALID, "due_on: not a date (YYYY-MM-DD)");
    if (c->year < 1 || c->year > 9998)
        return sb_call_fail(call, SB_INVALID, "year: 1 to 9998");
    if (!c->overdue && (c->days_before < 1 || c->days_before > 365))
        return sb_call_fail(call, SB_INVALID, "days_before: 1 to 365 for a due-soon reminder");
    const Skillbase__Base *b = base->sub_base;
    sb_call_reply_record(call, base);
    if (!live(b) || !call->config->activity_reminders)
        return 0; /* revoked (or gone), or reminders off: nothing, no next year */
    if (c->overdue && (rc = sb_handler_activity_schedule(call, b, (int)c->year + 1)))
        return rc;
    Skillbase__ActivityFiling *f = NULL;
    rc = filing_get(call, b->id, c->year, &f);
    if (rc == 0)
        return 0; /* filed: nothing to remind */
    if (rc != SB_E(SB_NOT_FOUND))
        return rc;
    int64_t left = sb_date_to_days(due) - sb_date_to_days(call->today);
    long long days = c->overdue ? -left : left;
    const char *reason =
        sb_arena_printf(call->arena,
                        c->overdue ? "activity of %u was due on %s: %lld day%s overdue"
                                   : "activity of %u due on %s: %lld day%s left",
                        c->year, c->due_on, days, days == 1 || days == -1 ? "" : "s");
    if (!reason)
        return SB_E(SB_INTERNAL);
    return sb_handler_activity_event(call, base,
                                     c->overdue ? "activity_overdue" : "activity_due_soon",
                                     "activity_reminder", reason, true, NULL, NULL);
}
