/* The command table, the helpers every handler shares, and the reads. */
#include "handlers.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "handlers_private.h"
#include "jobs.h"
#include "privacy.h"
#include "scope.h"
#include "sb_error.h"

#define ID_MAX SB_ID_MAX
#define REASON_MAX SB_REASON_MAX

int sb_call_fail(sb_call *call, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    call->reply->code = code;
    call->reply->message = sb_arena_strdup(call->arena, buf);
    if (!call->reply->message)
        call->reply->message = (char *)"out of memory";
    call->reply->result_case = SKILLBASE__REPLY__RESULT__NOT_SET;
    return SB_E(code);
}

int sb__fail_problems(sb_call *call, int code, const sb_problems *p, const char *message)
{
    size_t n = p->count + (p->dropped ? 1 : 0);
    char **details = sb_arena_alloc(call->arena, (n ? n : 1) * sizeof *details);
    if (!details)
        return SB_E(SB_INTERNAL);
    for (size_t i = 0; i < p->count; i++)
        details[i] = sb_arena_strdup(call->arena, p->text[i]);
    if (p->dropped)
        details[p->count] = sb_arena_printf(call->arena, "... and %zu more", p->dropped);
    call->reply->details = details;
    call->reply->n_details = n;
    return sb_call_fail(call, code, "%s", message);
}

static int check_id(sb_call *call, const char *id)
{
    if (!id || !id[0])
        return sb_call_fail(call, SB_INVALID, "id: missing");
    if (strlen(id) > ID_MAX || !sb_rules_text_ok(id))
        return sb_call_fail(call, SB_INVALID, "id: not a record id");
    return 0;
}

sb_record_head sb__head(const Skillbase__Record *rec)
{
    if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION) {
        const Skillbase__Application *a = rec->application;
        return (sb_record_head){a->id, SKILLBASE__KIND__APPLICATION, a->state, a->version,
                                a->created_ms};
    }
    const Skillbase__Base *b = rec->sub_base;
    return (sb_record_head){b->id, SKILLBASE__KIND__BASE, b->state, b->version, b->created_ms};
}

int sb__load(sb_call *call, const char *id, Skillbase__Record **ret)
{
    int rc = check_id(call, id);
    if (rc)
        return rc;
    rc = sb_store_record_get(call->txn, id, &call->arena->pb, ret);
    if (rc == SB_E(SB_NOT_FOUND))
        return sb_call_fail(call, SB_NOT_FOUND, "no application or sub-base with id %s", id);
    return rc;
}

int sb__check_version(sb_call *call, const char *id, uint64_t version)
{
    uint64_t want = call->req->expected_version;
    if (want && want != version)
        return sb_call_fail(call, SB_STALE_VERSION,
                            "%s is at version %llu, not the expected %llu; nothing was changed", id,
                            (unsigned long long)version, (unsigned long long)want);
    return 0;
}

int sb__check_reason(sb_call *call, const char *reason, bool required, const char *action)
{
    if (required && (!reason || !reason[0]))
        return sb_call_fail(call, SB_INVALID, "reason: required for %s", action);
    if (reason && (!sb_rules_text_ok(reason) || strlen(reason) > REASON_MAX))
        return sb_call_fail(call, SB_INVALID, "reason: must be UTF-8 text of at most %d bytes",
                            REASON_MAX);
    return 0;
}

int sb__find(sb_call *call, Skillbase__Kind kind, const char *id, Skillbase__State from,
             bool objection_open, sb_action action, const sb_transition **ret)
{
    char why[512];
    const sb_transition *t =
        sb_machine_find(kind, id, from, objection_open, action, why, sizeof why);
    if (!t)
        return sb_call_fail(call, SB_WRONG_STATE, "%s", why);
    *ret = t;
    return 0;
}

int sb__check_transition(sb_call *call, const Skillbase__Record *old, sb_action action,
                         const sb_transition **ret)
{
    sb_record_head h = sb__head(old);
    int rc = sb__check_version(call, h.id, h.version);
    if (rc)
        return rc;
    bool objection_open = h.kind == SKILLBASE__KIND__APPLICATION && old->application->objection_open;
    return sb__find(call, h.kind, h.id, h.state, objection_open, action, ret);
}

char *sb__today(sb_call *call)
{
    char buf[SB_DATE_STRLEN];
    return sb_arena_strdup(call->arena, sb_date_format(call->today, buf));
}

Skillbase__Record *sb__revise(sb_call *call, const Skillbase__Record *old)
{
    Skillbase__Record *rec = sb_arena_alloc(call->arena, sizeof *rec);
    if (!rec)
        return NULL;
    *rec = *old;
    if (old->record_case == SKILLBASE__RECORD__RECORD_APPLICATION) {
        Skillbase__Application *a = sb_arena_alloc(call->arena, sizeof *a);
        if (!a)
            return NULL;
        *a = *old->application;
        a->version++;
        a->updated_ms = call->now_ms;
        rec->application = a;
    } else {
        Skillbase__Base *b = sb_arena_alloc(call->arena, sizeof *b);
        if (!b)
            return NULL;
        *b = *old->sub_base;
        b->version++;
        b->updated_ms = call->now_ms;
        rec->sub_base = b;
    }
    return rec;
}

Skillbase__Event *sb__event(sb_call *call, Skillbase__Record *rec, const char *what,
                            const char *action, const char *reason)
{
    Skillbase__Event *ev = sb_arena_alloc(call->arena, sizeof *ev);
    if (!ev)
        return NULL;
    skillbase__event__init(ev);
    sb_record_head h = sb__head(rec);
    ev->entity_kind = h.kind;
    ev->entity_id = (char *)h.id;
    ev->from_state = ev->to_state = h.state;
    ev->time_ms = call->now_ms;
    ev->topic = sb_arena_printf(call->arena, "%s.%s", sb_kind_name(h.kind), what);
    ev->action = (char *)action;
    ev->actor = (char *)call->actor;
    ev->reason = (char *)(reason ? reason : "");
    ev->record = rec;
    ev->request_id = call->req->request_id;
    ev->ingest = (Skillbase__Ingest *)call->ingest;
    /* a confirmed four-eyes decision names its proposal and proposer */
    ev->proposal_id = (char *)(call->proposal_id ? call->proposal_id : "");
    ev->proposed_by = (char *)(call->proposed_by ? call->proposed_by : "");
    return ev->topic ? ev : NULL;
}

int sb__commit_change(sb_call *call, Skillbase__Record *rec, const Skillbase__Record *old,
                      const char *action, Skillbase__State from, const char *reason)
{
    Skillbase__Event *ev =
        sb__event(call, rec, sb_state_name(sb__head(rec).state), action, reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    ev->from_state = from;
    int rc = sb_store_record_put(call->txn, rec, old);
    if (rc)
        return rc;
    /* the event and the jobs its topic calls for (outbox_rules.c) */
    return sb_jobs_event_append(call, ev);
}

void sb__reply_record(sb_call *call, Skillbase__Record *rec)
{
    call->reply->result_case = SKILLBASE__REPLY__RESULT_RECORD;
    call->reply->record = rec;
}

/* ------------------------------------------------------------ reads */

size_t sb__page_fit(const sb_call *call, void *const *items, size_t n)
{
    size_t used = 0, max = call->config->max_reply_bytes;
    for (size_t i = 0; i < n; i++) {
        used += protobuf_c_message_get_packed_size(items[i]) + 8;
        if (i > 0 && used > max)
            return i;
    }
    return n;
}

uint32_t sb__page_limit(sb_call *call, uint32_t asked)
{
    uint32_t applied = asked == 0 ? SB_PAGE_DEFAULT : asked > SB_PAGE_MAX ? SB_PAGE_MAX : asked;
    call->reply->page_limit = applied;
    return applied;
}

static int handle_show(sb_call *call)
{
    Skillbase__Record *rec;
    int rc = sb__load(call, call->req->show->id, &rec);
    if (rc)
        return rc;
    sb__reply_record(call, rec);
    return 0;
}

static int handle_list(sb_call *call)
{
    const Skillbase__List *q = call->req->list;
    if (q->kind > SKILLBASE__KIND__BASE || q->state > SB_STORE_STATE_LAST)
        return sb_call_fail(call, SB_INVALID, "list: unknown kind or state");
    if (q->after && q->after[0] && check_id(call, q->after))
        return SB_E(SB_INVALID);
    Skillbase__RecordPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__record_page__init(page);
    size_t n;
    bool more;
    uint32_t limit = sb__page_limit(call, q->limit);
    int rc = sb_store_list(call->txn, q->kind, q->state, q->after, limit, &call->arena->pb,
                           &page->records, &n, &more);
    if (rc)
        return rc;
    if (call->caller && call->caller->district) {
        rc = sb_scope_list(call, q, limit, page, n, more);
        if (!rc && q->details)
            rc = sb__list_details(call, page->records, page->n_records);
        return rc;
    }
    if (q->details && (rc = sb__list_details(call, page->records, n)))
        return rc;
    /* bounded in bytes too: a client cannot ask for 1000 records of 1 MiB */
    size_t fit = sb__page_fit(call, (void *const *)page->records, n);
    more = more || fit < n;
    n = fit;
    page->n_records = n;
    if (more && n)
        page->next = (char *)sb__head(page->records[n - 1]).id;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_PAGE;
    call->reply->page = page;
    return 0;
}

int sb__withhold_events(sb_call *call, Skillbase__Event **events, size_t n)
{
    if (sb_privacy_entitled(call->caller))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (sb_privacy_redact_event(call->arena, events[i]))
            return SB_E(SB_INTERNAL);
    return 0;
}

static int reply_events(sb_call *call, Skillbase__Event **events, size_t n, uint64_t next)
{
    /* a district-scoped key sees its own district-level records' only */
    sb_scope_filter_events(call->caller, events, &n);
    /* personal data only for those entitled to it (privacy.h) */
    int wrc = sb__withhold_events(call, events, n);
    if (wrc)
        return wrc;
    size_t fit = sb__page_fit(call, (void *const *)events, n);
    if (fit < n) {
        next = events[fit]->seq;
        n = fit;
    }
    Skillbase__EventPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__event_page__init(page);
    page->events = events;
    page->n_events = n;
    page->next_seq = next;
    int rc = sb_store_last_seq(call->txn, &page->last_seq);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_EVENTS;
    call->reply->events = page;
    return 0;
}

static int handle_history(sb_call *call)
{
    const Skillbase__History *q = call->req->history;
    Skillbase__Record *rec;
    int rc = sb__load(call, q->id, &rec);
    if (rc)
        return rc;
    Skillbase__Event **events;
    size_t n;
    uint64_t next;
    /* from_seq is the one paging rule (next_seq passes as it); after_seq
     * the older form, the events after it */
    if (q->from_seq && q->after_seq)
        return sb_call_fail(call, SB_INVALID,
                            "history: give from_seq (the next_seq of a page) or after_seq, not "
                            "both");
    uint64_t after = q->from_seq ? q->from_seq - 1 : q->after_seq;
    rc = sb_store_history(call->txn, q->id, after, sb__page_limit(call, q->limit),
                          &call->arena->pb, &events, &n, &next);
    if (rc)
        return rc;
    return reply_events(call, events, n, next);
}

static int handle_read_events(sb_call *call)
{
    const Skillbase__ReadEvents *q = call->req->read_events;
    Skillbase__Event **events;
    size_t n;
    if (q->topic_prefix && q->topic_prefix[0])
        return sb__read_events_filtered(call);
    uint64_t next;
    int rc = sb_store_events_read(call->txn, q->from_seq, sb__page_limit(call, q->limit), &call->arena->pb,
                                  &events, &n, &next);
    if (rc)
        return rc;
    return reply_events(call, events, n, next);
}

/* The server's group-commit counters (none when dispatch runs without a
 * server, as in the unit tests). */
static int status_batches(sb_call *call, Skillbase__StatusInfo *st)
{
    const sb_server_stats *ss = call->server_stats;
    if (!ss)
        return 0;
    st->requests = ss->requests;
    st->batches = ss->batches;
    st->largest_batch = ss->largest_batch;
    st->commit_us = ss->commit_us;
    st->apply_us = ss->apply_us;
    size_t n = SB_SERVER_BATCH_BUCKETS;
    while (n && !ss->batch_sizes[n - 1])
        n--;
    if (!n)
        return 0;
    st->batch_sizes = sb_arena_alloc(call->arena, n * sizeof *st->batch_sizes);
    if (!st->batch_sizes)
        return SB_E(SB_INTERNAL);
    memcpy(st->batch_sizes, ss->batch_sizes, n * sizeof *st->batch_sizes);
    st->n_batch_sizes = n;
    return 0;
}

static int handle_status(sb_call *call)
{
    Skillbase__StatusInfo *st = sb_arena_alloc(call->arena, sizeof *st);
    uint64_t counts[3][SB_STORE_STATES];
    if (!st)
        return SB_E(SB_INTERNAL);
    skillbase__status_info__init(st);
    int rc = sb_store_counts(call->txn, counts);
    if (rc)
        return rc;
    st->counts = sb_arena_alloc(call->arena, 3 * SB_STORE_STATES * sizeof *st->counts);
    if (!st->counts)
        return SB_E(SB_INTERNAL);
    for (int k = SKILLBASE__KIND__APPLICATION; k <= SKILLBASE__KIND__BASE; k++) {
        for (int s = SKILLBASE__STATE__APPLIED; s <= SB_STORE_STATE_LAST; s++) {
            if (!counts[k][s])
                continue;
            Skillbase__StateCount *c = sb_arena_alloc(call->arena, sizeof *c);
            if (!c)
                return SB_E(SB_INTERNAL);
            skillbase__state_count__init(c);
            c->kind = k;
            c->state = s;
            c->count = counts[k][s];
            st->counts[st->n_counts++] = c;
        }
    }
    /* in the request's own transaction: no second one beside the batch */
    sb_store_info info;
    rc = sb_store_info_txn(call->txn, &info);
    if (rc)
        return rc;
    st->version = (char *)SB_VERSION;
    st->uptime_s = call->now_ms > call->started_ms ? (call->now_ms - call->started_ms) / 1000 : 0;
    st->store_bytes = info.used_bytes;
    st->map_bytes = info.map_bytes;
    st->schema_version = info.schema_version;
    st->last_seq = info.last_seq;
    st->state_dir = (char *)call->config->state_dir;
    st->event_endpoint = (char *)call->config->event_endpoint;
    rc = status_batches(call, st);
    if (rc)
        return rc;
    rc = sb__status_jobs(call, st);
    if (rc)
        return rc;
    if (!(st->backup = sb__backup_info(call)))
        return SB_E(SB_INTERNAL);
    rc = sb__bureau_status(call, st);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_STATUS;
    call->reply->status = st;
    return 0;
}

/* ------------------------------------------------------------ the table */

#define W true
#define R false
#define OPS SB_ROLE_OPERATOR
#define ANY SB_ROLE_ANY
#define READ SB_ROLES_READ
#define REVIEW (SB_ROLE_OPERATOR | SB_ROLE_REVIEWER)

/* Who may do what (docs/security.md, "Roles"): operators run the whole
 * procedure; reviewers (experts) review, evaluate and assess; services
 * ingest facts and follow the event log they feed; workers send the
 * commands of their jobs; readers, workers, reviewers and operators read;
 * everyone may ask for status and whoami.
 * dispatch (access.h) adds: a reader never writes, a service ingests only
 * its listed types under its own name. */
static const sb_command commands[] = {
    {SKILLBASE__REQUEST__COMMAND_APPLY, "apply", W, OPS, sb__handle_apply},
    {SKILLBASE__REQUEST__COMMAND_REVIEW, "review", W, REVIEW, sb__handle_review},
    {SKILLBASE__REQUEST__COMMAND_EVALUATE, "evaluate", W, REVIEW, sb__handle_evaluate},
    {SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, "file_objection", W, OPS,
     sb__handle_file_objection},
    {SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION, "dismiss_objection", W, OPS,
     sb__handle_dismiss_objection},
    {SKILLBASE__REQUEST__COMMAND_UPHOLD_OBJECTION, "uphold_objection", W, OPS,
     sb__handle_uphold_objection},
    {SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "close_publicity", W, OPS | SB_ROLE_WORKER,
     sb__handle_close_publicity},
    {SKILLBASE__REQUEST__COMMAND_REJECT, "reject", W, OPS, sb__handle_reject},
    {SKILLBASE__REQUEST__COMMAND_WITHDRAW, "withdraw", W, OPS, sb__handle_withdraw},
    {SKILLBASE__REQUEST__COMMAND_ASSESS, "assess", W, REVIEW, sb__handle_assess},
    {SKILLBASE__REQUEST__COMMAND_REVOKE, "revoke", W, OPS, sb__handle_revoke},
    {SKILLBASE__REQUEST__COMMAND_SHOW, "show", R, READ, handle_show},
    {SKILLBASE__REQUEST__COMMAND_LIST, "list", R, READ, handle_list},
    {SKILLBASE__REQUEST__COMMAND_HISTORY, "history", R, READ, handle_history},
    {SKILLBASE__REQUEST__COMMAND_STATUS, "status", R, ANY, handle_status},
    {SKILLBASE__REQUEST__COMMAND_READ_EVENTS, "read_events", R, READ | SB_ROLE_SERVICE,
     handle_read_events},
    /* subsidy (handle_subsidy.c): services report deliveries, the worker
     * stores statements, operators read and recompute */
    {SKILLBASE__REQUEST__COMMAND_RECORD_SERVICE, "record_service", W,
     SB_ROLE_OPERATOR | SB_ROLE_SERVICE, sb__handle_record_service},
    {SKILLBASE__REQUEST__COMMAND_LIST_SERVICES, "list_services", R, READ, sb__handle_list_services},
    {SKILLBASE__REQUEST__COMMAND_RECORD_STATEMENT, "record_statement", W, SB_ROLE_WORKER,
     sb__handle_record_statement},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_REPORT, "subsidy_report", R, READ,
     sb__handle_subsidy_report},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_COMPUTE, "subsidy_compute", W, OPS,
     sb__handle_subsidy_compute},
    /* the bureau's decisions on statements (handle_subsidy_decision.c) */
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE, "subsidy_approve", W, OPS,
     sb__handle_subsidy_approve},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_PAY, "subsidy_pay", W, OPS, sb__handle_subsidy_pay},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_REFUSE, "subsidy_refuse", W, OPS,
     sb__handle_subsidy_refuse},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_LIST, "subsidy_list", R, READ, sb__handle_subsidy_list},
    {SKILLBASE__REQUEST__COMMAND_LIST_JOBS, "list_jobs", R, READ, sb__handle_list_jobs},
    {SKILLBASE__REQUEST__COMMAND_SHOW_JOB, "show_job", R, READ, sb__handle_show_job},
    {SKILLBASE__REQUEST__COMMAND_RETRY_JOB, "retry_job", W, OPS, sb__handle_retry_job},
    {SKILLBASE__REQUEST__COMMAND_CANCEL_JOB, "cancel_job", W, OPS, sb__handle_cancel_job},
    {SKILLBASE__REQUEST__COMMAND_INGEST, "ingest", W, SB_ROLE_SERVICE | OPS, sb__handle_ingest,
     sb__ingest_key},
    {SKILLBASE__REQUEST__COMMAND_SCHEDULE_PUBLICITY, "schedule_publicity", W, SB_ROLE_WORKER,
     sb__handle_schedule_publicity},
    {SKILLBASE__REQUEST__COMMAND_ASSESSMENT_REMINDER, "assessment_reminder", W, SB_ROLE_WORKER,
     sb__handle_assessment_reminder},
    {SKILLBASE__REQUEST__COMMAND_BACKUP, "backup", R, OPS, sb__handle_backup},
    {SKILLBASE__REQUEST__COMMAND_BACKUP_STATUS, "backup_status", R, OPS,
     sb__handle_backup_status},
    /* security (four_eyes.c, handle_security.c) */
    {SKILLBASE__REQUEST__COMMAND_LIST_PROPOSALS, "list_proposals", R, READ,
     sb__handle_list_proposals},
    {SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL, "confirm_proposal", W, OPS,
     sb__handle_confirm_proposal},
    {SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL, "discard_proposal", W, OPS,
     sb__handle_discard_proposal},
    {SKILLBASE__REQUEST__COMMAND_AUDIT_VERIFY, "audit_verify", R, READ, sb__handle_audit_verify},
    {SKILLBASE__REQUEST__COMMAND_AUDIT_HEAD, "audit_head", R, READ, sb__handle_audit_head},
    {SKILLBASE__REQUEST__COMMAND_WHOAMI, "whoami", R, ANY, sb__handle_whoami},
    /* the contract (handle_rules.c) */
    {SKILLBASE__REQUEST__COMMAND_RULES, "rules", R, ANY, sb__handle_rules},
    /* documents (handle_documents.c): operators and reviewers file and
     * read them (materials hold personal data: staff credentials, licences;
     * docs/security.md "Personal data"); readers see their list in show */
    {SKILLBASE__REQUEST__COMMAND_DOCUMENT_BEGIN, "document_begin", R,
     SB_ROLE_OPERATOR | SB_ROLE_REVIEWER, sb__handle_document_begin},
    {SKILLBASE__REQUEST__COMMAND_DOCUMENT_CHUNK, "document_chunk", R,
     SB_ROLE_OPERATOR | SB_ROLE_REVIEWER, sb__handle_document_chunk},
    {SKILLBASE__REQUEST__COMMAND_DOCUMENT_COMMIT, "document_commit", W,
     SB_ROLE_OPERATOR | SB_ROLE_REVIEWER, sb__handle_document_commit},
    {SKILLBASE__REQUEST__COMMAND_DOCUMENT_GET, "document_get", R,
     SB_ROLE_OPERATOR | SB_ROLE_REVIEWER, sb__handle_document_get},
    /* a sub-base's life (handle_life.c): changes, the bureau's decisions on
     * projects and names, exit and the plaque's return are the bureau's */
    {SKILLBASE__REQUEST__COMMAND_AMEND, "amend", W, OPS, sb__handle_amend},
    {SKILLBASE__REQUEST__COMMAND_DECIDE_PROJECT, "decide_project", W, OPS,
     sb__handle_decide_project},
    {SKILLBASE__REQUEST__COMMAND_RENAME, "rename", W, OPS, sb__handle_rename},
    {SKILLBASE__REQUEST__COMMAND_EXIT_BASE, "exit_base", W, OPS, sb__handle_exit_base},
    {SKILLBASE__REQUEST__COMMAND_PLAQUE_RETURNED, "plaque_returned", W, OPS,
     sb__handle_plaque_returned},
    /* existing sub-bases (handle_import.c, 七(一)): keyed on the unit and its
     * original certificate; a proposal under [four_eyes] certify */
    {SKILLBASE__REQUEST__COMMAND_IMPORT_BASE, "import_base", W, OPS, sb__handle_import_base,
     sb__import_key},
    /* equipment, yearly activity, recommendations (handle_equipment.c,
     * handle_activity.c, handle_recommend.c): operators write, the worker
     * sends the filing reminders, every reading role reads */
    {SKILLBASE__REQUEST__COMMAND_EQUIPMENT_ADD, "equipment_add", W, OPS,
     sb__handle_equipment_add},
    {SKILLBASE__REQUEST__COMMAND_EQUIPMENT_CHANGE, "equipment_change", W, OPS,
     sb__handle_equipment_change},
    {SKILLBASE__REQUEST__COMMAND_EQUIPMENT_RETIRE, "equipment_retire", W, OPS,
     sb__handle_equipment_retire},
    {SKILLBASE__REQUEST__COMMAND_EQUIPMENT_LIST, "equipment_list", R, READ,
     sb__handle_equipment_list},
    {SKILLBASE__REQUEST__COMMAND_ACTIVITY_FILE, "activity_file", W, OPS, sb__handle_activity_file},
    {SKILLBASE__REQUEST__COMMAND_ACTIVITY_LIST, "activity_list", R, READ, sb__handle_activity_list},
    {SKILLBASE__REQUEST__COMMAND_ACTIVITY_OVERDUE, "activity_overdue", R, READ,
     sb__handle_activity_overdue},
    {SKILLBASE__REQUEST__COMMAND_ACTIVITY_REMINDER, "activity_reminder", W, SB_ROLE_WORKER,
     sb__handle_activity_reminder},
    {SKILLBASE__REQUEST__COMMAND_RECOMMEND, "recommend", W, OPS, sb__handle_recommend},
    {SKILLBASE__REQUEST__COMMAND_LIST_RECOMMENDATIONS, "list_recommendations", R, READ,
     sb__handle_list_recommendations},
};

const sb_command *sb_command_find(Skillbase__Request__CommandCase command)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].command == command)
            return &commands[i];
    return NULL;
}
