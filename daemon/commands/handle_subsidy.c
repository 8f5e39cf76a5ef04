/* Handlers of service records and subsidy statements: policy 六(二)
 * (public-welfare services of a sub-base may be subsidised under
 * 杭政函〔2022〕81号). docs/subsidy.md describes the whole flow:
 *
 *   record_service   a service is stored (validated, idempotent) and a
 *                    "subsidy.statement" job for its (sub-base, year) is
 *                    enqueued in the same transaction;
 *   list_services    skillbase-subsidy reads the records of a job;
 *   record_statement the worker's job result stores the statement and
 *                    appends the event "base.subsidy_statement";
 *   subsidy_report   operators read the statements;
 *   subsidy_compute  operators ask for a recomputation (new rules file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "sb_error.h"
#include "sb_subsidy.h"
#include "store_subsidy.h"
#include "subsidy_private.h"

/* subsidy_report pages end after about this many bytes of statements */
#define REPORT_PAGE_BYTES ((size_t)4 << 20)

/* Enqueue the statement job of (base, year) in the call's transaction. */
static int enqueue_statement(sb_call *call, const char *base_id, uint32_t year)
{
    Skillbase__SubsidyJob job = SKILLBASE__SUBSIDY_JOB__INIT;
    job.base_id = (char *)base_id;
    job.year = year;
    size_t len = skillbase__subsidy_job__get_packed_size(&job);
    uint8_t *buf = sb_arena_alloc(call->arena, len ? len : 1);
    if (!buf)
        return SB_E(SB_INTERNAL);
    skillbase__subsidy_job__pack(&job, buf);
    sb_job_spec spec = {
        .type = SB_SUBSIDY_JOB_TYPE,
        .entity_id = base_id,
        .params = {len, buf},
    };
    return sb_call_enqueue_job(call, &spec, NULL);
}

/* ------------------------------------------------------------ record_service */

/* Every problem of a service record as received; *ret_date is its date
 * when that is valid. */
static void check_service(sb_call *call, const Skillbase__ServiceRecord *r, const char *source,
                          sb_problems *p, sb_date *ret_date)
{
    if (r->id && r->id[0])
        sb_problems_add(p, "id: assigned by the daemon; leave it out");
    if (r->recorded_ms || (r->recorded_by && r->recorded_by[0]))
        sb_problems_add(p, "recorded_ms, recorded_by: set by the daemon; leave them out");
    sb_handler_subsidy_check_text(p, "base_id", r->base_id, SB_SUBSIDY_BASE_ID_MAX, true);
    if (!r->date || !r->date[0]) {
        sb_problems_add(p, "date: missing");
    } else if (sb_date_parse(r->date, ret_date) != 0) {
        sb_problems_add(p, "date: \"%.40s\" is not a date (YYYY-MM-DD)", r->date);
    } else if (sb_date_cmp(*ret_date, call->today) > 0) {
        char today[SB_DATE_STRLEN];
        sb_problems_add(p, "date: %s is after today (%s); record a service once delivered", r->date,
                        sb_date_format(call->today, today));
    }
    sb_handler_subsidy_check_text(p, "client_name", r->client_name, SB_SUBSIDY_CLIENT_NAME_MAX,
                                  true);
    /* the rules name the field of an application; say ours */
    sb_problems cc = {0};
    if (!sb_rules_credit_code_valid(r->client_credit_code, &cc)) {
        for (size_t i = 0; i < cc.count; i++) {
            const char *t = cc.text[i];
            if (strncmp(t, "unit.credit_code", 16) == 0)
                t += 16;
            sb_problems_add(p, "client_credit_code%s", t);
        }
    }
    if (!sb_subsidy_kind_name(r->kind))
        sb_problems_add(p, "kind: must be training, skill_assessment or competition");
    sb_handler_subsidy_check_text(p, "occupation", r->occupation, SB_SUBSIDY_OCCUPATION_MAX, true);
    sb_handler_subsidy_check_text(p, "level", r->level, SB_SUBSIDY_LEVEL_MAX, false);
    if (r->trainees < 1 || r->trainees > SB_SUBSIDY_TRAINEES_MAX)
        sb_problems_add(p, "trainees: must be 1 to %u person-times", SB_SUBSIDY_TRAINEES_MAX);
    if (r->hours_tenths < 1 || r->hours_tenths > SB_SUBSIDY_HOURS_TENTHS_MAX)
        sb_problems_add(p, "hours_tenths: must be 1 to %u (tenths of an hour)",
                        SB_SUBSIDY_HOURS_TENTHS_MAX);
    sb_handler_subsidy_check_text(p, "source", source, SB_SUBSIDY_SOURCE_MAX, true);
    sb_handler_subsidy_check_text(p, "external_id", r->external_id, SB_SUBSIDY_EXTERNAL_ID_MAX,
                                  false);
}

/* The facts of two records agree (ids, source and bookkeeping aside). */
static bool same_service(const Skillbase__ServiceRecord *a, const Skillbase__ServiceRecord *b)
{
    return sb_handler_subsidy_str_eq(a->base_id, b->base_id) &&
           sb_handler_subsidy_str_eq(a->date, b->date) &&
           sb_handler_subsidy_str_eq(a->client_name, b->client_name) &&
           sb_handler_subsidy_str_eq(a->client_credit_code, b->client_credit_code) &&
           a->kind == b->kind && sb_handler_subsidy_str_eq(a->occupation, b->occupation) &&
           sb_handler_subsidy_str_eq(a->level, b->level) && a->trainees == b->trainees &&
           a->hours_tenths == b->hours_tenths;
}

/* record_service and the ingest path: validate, find a repeat, store,
 * enqueue, audit. *ret is the stored record (or the earlier one). */
static int record_service(sb_call *call, const Skillbase__ServiceRecord *in, const char *source,
                          Skillbase__ServiceRecord **ret)
{
    if (!in)
        return sb_call_fail(call, SB_INVALID, "service: missing");
    const char *src = source && *source           ? source
                      : in->source && *in->source ? in->source
                                                  : "operator";
    sb_problems problems = {0};
    sb_date date = {0};
    check_service(call, in, src, &problems, &date);
    if (problems.count)
        return sb_call_fail_problems(call, SB_INVALID, &problems, "service record refused");
    Skillbase__Record *base = NULL;
    int rc = sb_handler_subsidy_load_base(call, "base_id", in->base_id, &base);
    if (rc)
        return rc;

    /* The same delivery reported twice by its source is one record. */
    if (in->external_id && in->external_id[0]) {
        Skillbase__ServiceRecord *old;
        rc = sb_store_delivery_find_external(call->txn, src, in->external_id, &call->arena->pb,
                                             &old);
        if (rc == 0) {
            if (!same_service(in, old))
                return sb_call_fail(call, SB_CONFLICT,
                                    "external_id: %s of source %s is already recorded as %s "
                                    "with other facts; nothing was changed",
                                    in->external_id, src, old->id);
            *ret = old;
            return 0;
        }
        if (rc != SB_E(SB_NOT_FOUND))
            return rc;
    }

    Skillbase__ServiceRecord *rec = sb_arena_alloc(call->arena, sizeof *rec);
    char *id = sb_arena_alloc(call->arena, SB_DELIVERY_ID_MAX);
    if (!rec || !id)
        return SB_E(SB_INTERNAL);
    *rec = *in;
    rec->source = (char *)src;
    rec->recorded_ms = call->now_ms;
    rec->recorded_by = (char *)call->actor;
    uint64_t count;
    rc = sb_store_delivery_add(call->txn, rec, id, &count);
    if (rc)
        return rc;
    rc = enqueue_statement(call, rec->base_id, (uint32_t)date.year);
    if (rc)
        return rc;
    char hours[16];
    const char *reason = sb_arena_printf(
        call->arena, "%s: %s on %s for %s (%s), %u person-times, %s h", rec->id,
        sb_subsidy_kind_name(rec->kind), rec->date, rec->client_name, rec->client_credit_code,
        rec->trainees, sb_subsidy_hours(rec->hours_tenths, hours));
    if (!reason)
        return SB_E(SB_INTERNAL);
    rc = sb_handler_subsidy_base_event(call, base, "service_recorded", "record_service", reason,
                                       false);
    if (rc)
        return rc;
    *ret = rec;
    return 0;
}

int sb_handler_store_service(sb_call *call, const Skillbase__ServiceRecord *rec, const char *source)
{
    Skillbase__ServiceRecord *stored;
    int rc = record_service(call, rec, source, &stored);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_SERVICE;
    call->reply->service = stored;
    return 0;
}

int sb_handler_record_service(sb_call *call)
{
    return sb_handler_store_service(call, call->req->record_service->service, NULL);
}

/* ------------------------------------------------------------ list_services */

int sb_handler_list_services(sb_call *call)
{
    const Skillbase__ListServices *q = call->req->list_services;
    Skillbase__Record *base = NULL;
    int rc = sb_handler_subsidy_check_year(call, q->year);
    if (rc)
        return rc;
    rc = sb_handler_subsidy_load_base(call, "base_id", q->base_id, &base);
    if (rc)
        return rc;
    Skillbase__ServicePage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__service_page__init(page);
    /* the count first: a page never holds a record the count has not seen */
    rc = sb_store_delivery_count(call->txn, q->base_id, (int)q->year, &page->input_version);
    if (rc)
        return rc;
    size_t n;
    bool more;
    rc = sb_store_deliveries_list(call->txn, q->base_id, (int)q->year, q->after,
                                  sb_handler_page_limit(call, q->limit), &call->arena->pb,
                                  &page->services, &n, &more);
    if (rc == SB_E(SB_INVALID))
        return sb_call_fail(call, SB_INVALID, "after: %s is not a service record of %s in %u",
                            q->after, q->base_id, q->year);
    if (rc)
        return rc;
    page->n_services = n;
    if (more && n)
        page->next = page->services[n - 1]->id;
    page->sub_base = base->sub_base;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_SERVICES;
    call->reply->services = page;
    return 0;
}

/* ------------------------------------------------------------ report */

typedef struct base_list {
    sb_call *call;
    uint32_t year;
    char **ids;
    size_t n, cap;
    int rc;
    /* collect_pending: decided statements behind their records go here */
    struct base_list *decided;
} base_list;

static int add_base_id(base_list *l, const char *id)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        char **grown = sb_arena_alloc(l->call->arena, ncap * sizeof *grown);
        if (!grown)
            return SB_E(SB_INTERNAL);
        if (l->n)
            memcpy(grown, l->ids, l->n * sizeof *grown);
        l->ids = grown;
        l->cap = ncap;
    }
    if (!(l->ids[l->n] = sb_arena_strdup(l->call->arena, id)))
        return SB_E(SB_INTERNAL);
    l->n++;
    return 0;
}

/* bases_each: bases whose statement is missing or behind their records. */
static int collect_pending(const char *base_id, uint64_t count, void *arg)
{
    base_list *l = arg;
    Skillbase__SubsidyStatement *st;
    int rc = sb_store_statement_get(l->call->txn, base_id, (int)l->year, &l->call->arena->pb, &st);
    if (rc == 0 && st->input_version >= count)
        return 0;
    if (rc && rc != SB_E(SB_NOT_FOUND))
        return rc;
    /* a decided statement is not recomputed: its later records are in none */
    if (rc == 0 && l->decided && sb_handler_statement_decided(st))
        return add_base_id((base_list *)l->decided, base_id);
    return add_base_id(l, base_id);
}

static int collect_all(const char *base_id, uint64_t count, void *arg)
{
    (void)count;
    return add_base_id(arg, base_id);
}

int sb_handler_subsidy_report(sb_call *call)
{
    const Skillbase__SubsidyReport *q = call->req->subsidy_report;
    int rc = sb_handler_subsidy_check_year(call, q->year);
    if (rc)
        return rc;
    Skillbase__StatementPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__statement_page__init(page);
    page->year = q->year;
    base_list decided = {.call = call, .year = q->year};
    base_list pending = {.call = call, .year = q->year, .decided = &decided};
    if (q->base_id && q->base_id[0]) {
        Skillbase__Record *base = NULL;
        rc = sb_handler_subsidy_load_base(call, "base_id", q->base_id, &base);
        if (rc)
            return rc;
        Skillbase__SubsidyStatement *st;
        rc = sb_store_statement_get(call->txn, q->base_id, (int)q->year, &call->arena->pb, &st);
        if (rc && rc != SB_E(SB_NOT_FOUND))
            return rc;
        if (rc == 0) {
            page->statements = sb_arena_alloc(call->arena, sizeof *page->statements);
            if (!page->statements)
                return SB_E(SB_INTERNAL);
            page->statements[0] = st;
            page->n_statements = 1;
        }
        uint64_t count;
        rc = sb_store_delivery_count(call->txn, q->base_id, (int)q->year, &count);
        if (rc)
            return rc;
        if (count && (!page->n_statements || page->statements[0]->input_version < count)) {
            rc = add_base_id(page->n_statements && sb_handler_statement_decided(page->statements[0])
                                 ? &decided
                                 : &pending,
                             q->base_id);
            if (rc)
                return rc;
        }
    } else {
        bool more;
        size_t n;
        rc = sb_store_statements_list(call->txn, (int)q->year, q->after, REPORT_PAGE_BYTES,
                                      &call->arena->pb, &page->statements, &n, &more);
        if (rc)
            return rc;
        page->n_statements = n;
        if (more && n)
            page->next = page->statements[n - 1]->base_id;
        if (!q->after || !q->after[0]) {
            rc = sb_store_delivery_bases_each(call->txn, (int)q->year, collect_pending, &pending);
            if (rc)
                return rc;
        }
    }
    for (size_t i = 0; i < page->n_statements; i++) {
        rc = sb_handler_statement_normalise(call, page->statements[i]);
        if (rc)
            return rc;
    }
    page->pending = pending.ids;
    page->n_pending = pending.n;
    page->decided_before_records = decided.ids;
    page->n_decided_before_records = decided.n;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_STATEMENTS;
    call->reply->statements = page;
    return 0;
}

/* ------------------------------------------------------------ compute */

int sb_handler_subsidy_compute(sb_call *call)
{
    const Skillbase__SubsidyCompute *q = call->req->subsidy_compute;
    int rc = sb_handler_subsidy_check_year(call, q->year);
    if (rc)
        return rc;
    base_list bases = {.call = call, .year = q->year};
    if (q->base_id && q->base_id[0]) {
        Skillbase__Record *base = NULL;
        rc = sb_handler_subsidy_load_base(call, "base_id", q->base_id, &base);
        if (!rc)
            rc = add_base_id(&bases, q->base_id);
    } else {
        /* collect first: enqueueing writes, the walk must not see that */
        rc = sb_store_delivery_bases_each(call->txn, (int)q->year, collect_all, &bases);
    }
    if (rc)
        return rc;
    for (size_t i = 0; i < bases.n; i++) {
        rc = enqueue_statement(call, bases.ids[i], q->year);
        if (rc)
            return rc;
    }
    Skillbase__ComputeQueued *queued = sb_arena_alloc(call->arena, sizeof *queued);
    if (!queued)
        return SB_E(SB_INTERNAL);
    skillbase__compute_queued__init(queued);
    queued->year = q->year;
    queued->base_ids = bases.ids;
    queued->n_base_ids = bases.n;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_QUEUED;
    call->reply->queued = queued;
    return 0;
}
