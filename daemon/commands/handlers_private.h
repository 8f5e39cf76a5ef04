/* Private to the handlers: helpers shared by handlers.c, the handle_*.c
 * files and four_eyes.c. Not part of any API. */
#ifndef SB_HANDLERS_PRIVATE_H
#define SB_HANDLERS_PRIVATE_H

#include "handlers.h"
#include "machine.h"
#include "rules.h"

/* What every record has, whichever its kind (pointers into the record). */
typedef struct {
    const char *id;
    Skillbase__Kind kind;
    Skillbase__State state;
    uint64_t version;
    uint64_t created_ms;
} sb_record_head;

/* The head of an application or a sub-base record. */
sb_record_head sb__head(const Skillbase__Record *rec);

/* 0 when `id` is a well-formed record id, else the reply is set (INVALID). */
int sb__check_id(sb_call *call, const char *id);

/* Load record `id`; on NOT_FOUND or a bad id the reply is set. */
int sb__load(sb_call *call, const char *id, Skillbase__Record **ret);

/* Refuse with STALE_VERSION when the request expects another version. */
int sb__check_version(sb_call *call, const char *id, uint64_t version);

/* Require a non-empty, well-formed reason (or, when !required, only
 * well-formed). */
int sb__check_reason(sb_call *call, const char *reason, bool required, const char *action);

/* Find the transition or refuse with WRONG_STATE naming what is allowed. */
int sb__find(sb_call *call, Skillbase__Kind kind, const char *id, Skillbase__State from,
             bool objection_open, sb_action action, const sb_transition **ret);

/* sb__check_version and sb__find for a loaded record: the transition
 * `action` takes from its state (*ret); on a refusal the reply is set. */
int sb__check_transition(sb_call *call, const Skillbase__Record *old, sb_action action,
                         const sb_transition **ret);

/* A new event about `rec` in the arena, from and to its current state:
 * topic "<kind>.<what>", the call's time, actor, request id, ingested fact
 * and four-eyes proposal (handlers.h), reason NULL taken as "". NULL when
 * out of memory. */
Skillbase__Event *sb__event(sb_call *call, Skillbase__Record *rec, const char *what,
                            const char *action, const char *reason);

/* Write the record and append its event (topic "<kind>.<to_state>"); sets
 * reply->seq. `from` is STATE_UNSPECIFIED for a creation. */
int sb__commit_change(sb_call *call, Skillbase__Record *rec, const Skillbase__Record *old,
                      const char *action, Skillbase__State from, const char *reason);

/* Put the record into the reply as its result. */
void sb__reply_record(sb_call *call, Skillbase__Record *rec);

/* Copy the problems into reply->details and fail with `code`. */
int sb__fail_problems(sb_call *call, int code, const sb_problems *p, const char *message);

/* The next version of a record: a shallow copy (and of its inner message)
 * in the arena, version + 1, updated now; the old one stays intact for
 * index maintenance. NULL when out of memory. */
Skillbase__Record *sb__revise(sb_call *call, const Skillbase__Record *old);

/* The page size a paged read applies for the limit asked (0: the default
 * 100; above 1000: 1000), also put in the reply (Reply.page_limit), so a
 * client sees the limit that was applied (docs/protocol.md, "Paging"). */
/* Limits the rules command lists (handle_rules.c); the handlers use them. */
#define SB_ID_MAX 64                  /* record ids */
#define SB_REASON_MAX 2000            /* reasons */
#define SB_INGEST_SOURCE_MAX 64       /* Ingest.source */
#define SB_INGEST_EVENT_ID_MAX 128    /* Ingest.event_id */
#define SB_READ_EVENTS_SCAN_MAX 10000 /* events a filtered read examines */
#define SB_TOPIC_PREFIX_MAX 128       /* ReadEvents.topic_prefix */
#define SB_COMPETITION_TEXT_MAX 200   /* CompetitionHosted.name */
#define SB_COMPETITION_LEVEL_MAX 64   /* CompetitionHosted.level */
#define SB_BACKUP_DIR_MAX 1024        /* Backup.dir */
int sb__handle_rules(sb_call *call);

#define SB_PAGE_DEFAULT 100
#define SB_PAGE_MAX 1000
uint32_t sb__page_limit(sb_call *call, uint32_t asked);

/* Today as "YYYY-MM-DD" in the arena. */
char *sb__today(sb_call *call);

/* handle_waivers.c: 二(二) waivers. take: check the apply's waivers (known
 * conditions, each once, with a reason) into app->waivers and their mask;
 * check_needed: refuse a waiver of a condition the form meets (`unmet`
 * from sb_rules_check_form_waived); confirm: at a confirmed certification,
 * record the second operator on each waiver. On a refusal the reply is
 * set. */
int sb__waivers_take(sb_call *call, Skillbase__Application *app, uint32_t *ret_mask);
int sb__waivers_check_needed(sb_call *call, const Skillbase__Application *app, uint32_t unmet);
int sb__waivers_confirm(sb_call *call, Skillbase__Application *app);

/* The live sub-base other than `except` (NULL: any) whose official name
 * is `name`, or NULL in *ret_holder; its state in *ret_state if not NULL
 * (handle_naming.c). */
int sb__name_live_holder(sb_call *call, const char *name, const char *except,
                         const char **ret_holder, Skillbase__State *ret_state);
/* handle_naming.c: the official name granted at certification — `given`
 * (close_publicity's name; NULL or "": the application's base_name) —
 * into *ret_name (arena), or a refusal (reply set) when the name part ends
 * in 分基地 or a live sub-base holds the name. */
int sb__granted_name(sb_call *call, const Skillbase__Application *app, const char *given,
                     char **ret_name);

/* handle_bureau.c: the bureau's choices in force (bureau.h) as Setting
 * rows in the arena; and into a status reply, with the warnings about them
 * (the EXAMPLE rubric split). */
int sb__bureau_settings(sb_call *call, Skillbase__Setting ***ret, size_t *ret_n);
int sb__bureau_status(sb_call *call, Skillbase__StatusInfo *st);

/* How many of the n items (protobuf messages) of a page fit in
 * [daemon] max_reply_kb: at least one, so a page always moves on. */
size_t sb__page_fit(const sb_call *call, void *const *items, size_t n);

/* Empty the personal fields of the events unless the caller is entitled to
 * them (privacy.h). Returns 0 or SB_E(SB_INTERNAL). */
int sb__withhold_events(sb_call *call, Skillbase__Event **events, size_t n);

/* With List.details: fill each sub-base's unit_type and projects from its
 * application, read in call's transaction (handle_registers.c). Returns 0 or
 * a store error. */
int sb__list_details(sb_call *call, Skillbase__Record **records, size_t n);

/* The command handlers. */
/* The reads (handle_reads.c). */
int sb__handle_show(sb_call *call);
int sb__handle_list(sb_call *call);
int sb__handle_history(sb_call *call);
int sb__handle_read_events(sb_call *call);
int sb__handle_status(sb_call *call);
int sb__handle_apply(sb_call *call);
int sb__handle_review(sb_call *call);
int sb__handle_evaluate(sb_call *call);
int sb__handle_file_objection(sb_call *call);
int sb__handle_dismiss_objection(sb_call *call);
int sb__handle_uphold_objection(sb_call *call);
int sb__handle_close_publicity(sb_call *call);
int sb__handle_reject(sb_call *call);
int sb__handle_withdraw(sb_call *call);
int sb__handle_assess(sb_call *call);
int sb__handle_revoke(sb_call *call);

/* A sub-base's life after certification (handle_life.c). */
int sb__handle_amend(sb_call *call);
int sb__handle_decide_project(sb_call *call);
int sb__handle_rename(sb_call *call);
int sb__handle_exit_base(sb_call *call);
int sb__handle_plaque_returned(sb_call *call);

/* Service records and subsidy statements (handle_subsidy.c, docs/subsidy.md). */
/* Store a delivered service reported by `source` (NULL or "": the record's
 * own source field, else "operator"): validates it (sub-base exists, date
 * valid and not after today, client credit code, counts > 0, UTF-8 text),
 * treats a repeat of (source, external_id) with the same facts as the
 * record already stored (CONFLICT when the facts differ), enqueues the
 * "subsidy.statement" job of its sub-base and year, and appends the audit
 * event "base.service_recorded" (no jobs). On success sets the reply's
 * result to the stored record (result_case SERVICE; a caller with another
 * result may overwrite it); on a refusal the reply carries why. */
int sb__record_service(sb_call *call, const Skillbase__ServiceRecord *rec, const char *source);
int sb__handle_record_service(sb_call *call);
int sb__handle_list_services(sb_call *call);
int sb__handle_record_statement(sb_call *call);
int sb__handle_subsidy_report(sb_call *call);
int sb__handle_subsidy_compute(sb_call *call);
/* Decisions on statements (handle_subsidy_decision.c, docs/subsidy.md). */
int sb__handle_subsidy_approve(sb_call *call);
int sb__handle_subsidy_pay(sb_call *call);
int sb__handle_subsidy_refuse(sb_call *call);
int sb__handle_subsidy_list(sb_call *call);

/* Ingest and the event log (handle_ingest.c, handle_events.c). */
int sb__handle_ingest(sb_call *call);
/* The idempotency key of an ingest, "ingest:<source>:<event_id>"; NULL when
 * source or event_id is unusable (the handler then refuses the request). */
const char *sb__ingest_key(sb_arena *arena, const Skillbase__Request *req);
/* read_events with a topic prefix: scans a bounded range of the log. */
int sb__read_events_filtered(sb_call *call);

/* The experts' review an evaluate or assess carries (二(三)2, 五(一)):
 * checked against [review] min_experts (a refusal sets the reply), then
 * *ret set and *reason_io extended with "experts A, B, C; site visit DATE
 * [; report REF]" so the history shows them (handle_base.c). */
int sb__expert_review(sb_call *call, char **experts, size_t n, const char *visited_on,
                      const char *report, Skillbase__ExpertReview **ret, const char **reason_io);

/* Deadlines (handle_deadlines.c, docs/deadlines.md). */
/* Keep the publicity clock of `app` (the record being written; `before` is
 * it as stored) for a transition by `action`: entering in_publicity starts
 * or resumes it, an objection stops it and counts the days used. Called by
 * every application transition before its change is committed. */
int sb__publicity_track(sb_call *call, const Skillbase__Application *before,
                        Skillbase__Application *app, sb_action action);
/* Enqueue the reminder jobs of sub-base `b`'s next assessment ([deadlines]
 * remind_days before it, and the overdue notice after it). Called when a
 * sub-base is certified or passes an assessment, after its change. */
int sb__assessment_schedule(sb_call *call, const Skillbase__Base *b);
/* Refuse (WRONG_STATE, naming the end date and the working days left)
 * when the publicity window of `a`, as the daemon counts it on its own
 * calendar, has not ended: 24:00 Hangzhou of its last working day. 0 when it
 * has. No override (二(三)2 经公示无异议后). */
int sb__publicity_check_over(sb_call *call, const Skillbase__Application *a);
int sb__handle_schedule_publicity(sb_call *call);
int sb__handle_assessment_reminder(sb_call *call);

/* The job outbox (handle_jobs.c, docs/jobs.md). */
int sb__handle_list_jobs(sb_call *call);
int sb__handle_show_job(sb_call *call);
int sb__handle_retry_job(sb_call *call);
int sb__handle_cancel_job(sb_call *call);
/* Fill st->job_counts (jobs per state) for status. */
int sb__status_jobs(sb_call *call, Skillbase__StatusInfo *st);

/* Documents (handle_documents.c, docs/protocol.md "Documents"). */
int sb__handle_document_begin(sb_call *call);
int sb__handle_document_chunk(sb_call *call);
int sb__handle_document_commit(sb_call *call);
int sb__handle_document_get(sb_call *call);

/* handle_import.c: existing sub-bases (七(一)) */
int sb__handle_import_base(sb_call *call);
const char *sb__import_key(sb_arena *arena, const Skillbase__Request *req);
/* The document kinds (policy as data): up to `max` names (and, when
 * meanings is not NULL, one line each) in order; returns how many there are. */
size_t sb__document_kinds(const char **names, const char **meanings, size_t max);

/* Equipment, yearly activity, recommendations (handle_equipment.c,
 * handle_activity.c, handle_recommend.c; docs/activity.md). */
int sb__handle_equipment_add(sb_call *call);
int sb__handle_equipment_change(sb_call *call);
int sb__handle_equipment_retire(sb_call *call);
int sb__handle_equipment_list(sb_call *call);
int sb__handle_activity_file(sb_call *call);
int sb__handle_activity_list(sb_call *call);
int sb__handle_activity_overdue(sb_call *call);
int sb__handle_activity_reminder(sb_call *call);
int sb__handle_recommend(sb_call *call);
int sb__handle_list_recommendations(sb_call *call);

/* Administration (handle_admin.c). */
int sb__handle_backup(sb_call *call);
int sb__handle_backup_status(sb_call *call);

/* security (four_eyes.c, handle_security.c) */
int sb__handle_list_proposals(sb_call *call);
int sb__handle_confirm_proposal(sb_call *call);
int sb__handle_discard_proposal(sb_call *call);
int sb__handle_audit_verify(sb_call *call);
int sb__handle_audit_head(sb_call *call);
int sb__handle_whoami(sb_call *call);
/* The latest backup as a message in the call's arena; NULL when out of
 * memory. */
Skillbase__BackupInfo *sb__backup_info(sb_call *call);

#endif
