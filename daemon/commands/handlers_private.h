/* Private to the handlers: the handlers of the command table and the
 * helpers some of them share (handlers.c, the handle_*.c files,
 * four_eyes.c), all prefixed sb_handler_. Not part of any API; what every
 * handler may do with its call is the handler contract, handler.h. */
#ifndef SB_HANDLERS_PRIVATE_H
#define SB_HANDLERS_PRIVATE_H

#include "handlers.h"
#include "machine.h"
#include "rules.h"

/* Limits the rules command lists (handle_rules.c); the handlers use them. */
#define SB_INGEST_SOURCE_MAX 64       /* Ingest.source */
#define SB_INGEST_EVENT_ID_MAX 128    /* Ingest.event_id */
#define SB_READ_EVENTS_SCAN_MAX 10000 /* events a filtered read examines */
#define SB_TOPIC_PREFIX_MAX 128       /* ReadEvents.topic_prefix */
#define SB_COMPETITION_TEXT_MAX 200   /* CompetitionHosted.name */
#define SB_COMPETITION_LEVEL_MAX 64   /* CompetitionHosted.level */
#define SB_BACKUP_DIR_MAX 1024        /* Backup.dir */
int sb_handler_rules(sb_call *call);

#define SB_PAGE_DEFAULT 100
#define SB_PAGE_MAX 1000
/* The page size a paged read applies for the limit asked (0: the default
 * 100; above 1000: 1000), also put in the reply (Reply.page_limit), so a
 * client sees the limit that was applied (docs/protocol.md, "Paging"). */
uint32_t sb_handler_page_limit(sb_call *call, uint32_t asked);

/* Today as "YYYY-MM-DD" in the arena. */
char *sb_handler_today(sb_call *call);

/* handle_waivers.c: 二(二) waivers. take: check the apply's waivers (known
 * conditions, each once, with a reason) into app->waivers and their mask;
 * check_needed: refuse a waiver of a condition the form meets (`unmet`
 * from sb_rules_check_form_waived); confirm: at a confirmed certification,
 * record the second operator on each waiver. On a refusal the reply is
 * set. */
int sb_handler_waivers_take(sb_call *call, Skillbase__Application *app, uint32_t *ret_mask);
int sb_handler_waivers_check_needed(sb_call *call, const Skillbase__Application *app,
                                    uint32_t unmet);
int sb_handler_waivers_confirm(sb_call *call, Skillbase__Application *app);

/* The live sub-base other than `except` (NULL: any) whose official name
 * is `name`, or NULL in *ret_holder; its state in *ret_state if not NULL
 * (handle_naming.c). */
int sb_handler_name_live_holder(sb_call *call, const char *name, const char *except,
                                const char **ret_holder, Skillbase__State *ret_state);
/* handle_naming.c: the official name granted at certification — `given`
 * (close_publicity's name; NULL or "": the application's base_name) —
 * into *ret_name (arena), or a refusal (reply set) when the name part ends
 * in 分基地 or a live sub-base holds the name. */
int sb_handler_granted_name(sb_call *call, const Skillbase__Application *app, const char *given,
                            char **ret_name);

/* handle_bureau.c: the bureau's choices in force (bureau.h) as Setting
 * rows in the arena; and into a status reply, with the warnings about them
 * (the EXAMPLE rubric split). */
int sb_handler_bureau_settings(sb_call *call, Skillbase__Setting ***ret, size_t *ret_n);
int sb_handler_bureau_status(sb_call *call, Skillbase__StatusInfo *st);

/* How many of the n items (protobuf messages) of a page fit in
 * [daemon] max_reply_kb: at least one, so a page always moves on. */
size_t sb_handler_page_fit(const sb_call *call, void *const *items, size_t n);

/* Empty the personal fields of the events unless the caller is entitled to
 * them (privacy.h). Returns 0 or SB_E(SB_INTERNAL). */
int sb_handler_withhold_events(sb_call *call, Skillbase__Event **events, size_t n);

/* With List.details: fill each sub-base's unit_type and projects from its
 * application, read in call's transaction (handle_registers.c). Returns 0 or
 * a store error. */
int sb_handler_list_details(sb_call *call, Skillbase__Record **records, size_t n);

/* The command handlers. */
/* The reads (handle_reads.c). */
int sb_handler_show(sb_call *call);
int sb_handler_list(sb_call *call);
int sb_handler_history(sb_call *call);
int sb_handler_read_events(sb_call *call);
int sb_handler_status(sb_call *call);
int sb_handler_apply(sb_call *call);
int sb_handler_review(sb_call *call);
int sb_handler_evaluate(sb_call *call);
int sb_handler_file_objection(sb_call *call);
int sb_handler_dismiss_objection(sb_call *call);
int sb_handler_uphold_objection(sb_call *call);
int sb_handler_close_publicity(sb_call *call);
int sb_handler_reject(sb_call *call);
int sb_handler_withdraw(sb_call *call);
int sb_handler_assess(sb_call *call);
int sb_handler_revoke(sb_call *call);

/* A sub-base's life after certification (handle_life.c). */
int sb_handler_amend(sb_call *call);
int sb_handler_decide_project(sb_call *call);
int sb_handler_rename(sb_call *call);
int sb_handler_exit_base(sb_call *call);
int sb_handler_plaque_returned(sb_call *call);

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
int sb_handler_store_service(sb_call *call, const Skillbase__ServiceRecord *rec,
                             const char *source);
int sb_handler_record_service(sb_call *call);
int sb_handler_list_services(sb_call *call);
int sb_handler_record_statement(sb_call *call);
int sb_handler_subsidy_report(sb_call *call);
int sb_handler_subsidy_compute(sb_call *call);
/* Decisions on statements (handle_subsidy_decision.c, docs/subsidy.md). */
int sb_handler_subsidy_approve(sb_call *call);
int sb_handler_subsidy_pay(sb_call *call);
int sb_handler_subsidy_refuse(sb_call *call);
int sb_handler_subsidy_list(sb_call *call);

/* Ingest and the event log (handle_ingest.c, handle_events.c). */
int sb_handler_ingest(sb_call *call);
/* The idempotency key of an ingest, "ingest:<source>:<event_id>"; NULL when
 * source or event_id is unusable (the handler then refuses the request). */
const char *sb_handler_ingest_key(sb_arena *arena, const Skillbase__Request *req);
/* read_events with a topic prefix: scans a bounded range of the log. */
int sb_handler_read_events_filtered(sb_call *call);

/* The experts' review an evaluate or assess carries (二(三)2, 五(一)):
 * checked against [review] min_experts (a refusal sets the reply), then
 * *ret set and *reason_io extended with "experts A, B, C; site visit DATE
 * [; report REF]" so the history shows them (handle_base.c). */
int sb_handler_expert_review(sb_call *call, char **experts, size_t n, const char *visited_on,
                             const char *report, Skillbase__ExpertReview **ret,
                             const char **reason_io);

/* Deadlines (handle_deadlines.c, docs/deadlines.md). */
/* Keep the publicity clock of `app` (the record being written; `before` is
 * it as stored) for a transition by `action`: entering in_publicity starts
 * or resumes it, an objection stops it and counts the days used. Called by
 * every application transition before its change is committed. */
int sb_handler_publicity_track(sb_call *call, const Skillbase__Application *before,
                               Skillbase__Application *app, sb_action action);
/* Enqueue the reminder jobs of sub-base `b`'s next assessment ([deadlines]
 * remind_days before it, and the overdue notice after it). Called when a
 * sub-base is certified or passes an assessment, after its change. */
int sb_handler_assessment_schedule(sb_call *call, const Skillbase__Base *b);
/* Refuse (WRONG_STATE, naming the end date and the working days left)
 * when the publicity window of `a`, as the daemon counts it on its own
 * calendar, has not ended: 24:00 Hangzhou of its last working day. 0 when it
 * has. No override (二(三)2 经公示无异议后). */
int sb_handler_publicity_check_over(sb_call *call, const Skillbase__Application *a);
int sb_handler_schedule_publicity(sb_call *call);
int sb_handler_assessment_reminder(sb_call *call);

/* The job outbox (handle_jobs.c, docs/jobs.md). */
int sb_handler_list_jobs(sb_call *call);
int sb_handler_show_job(sb_call *call);
int sb_handler_retry_job(sb_call *call);
int sb_handler_cancel_job(sb_call *call);
/* Fill st->job_counts (jobs per state) for status. */
int sb_handler_status_jobs(sb_call *call, Skillbase__StatusInfo *st);

/* Documents (handle_documents.c, docs/protocol.md "Documents"). */
int sb_handler_document_begin(sb_call *call);
int sb_handler_document_chunk(sb_call *call);
int sb_handler_document_commit(sb_call *call);
int sb_handler_document_get(sb_call *call);

/* handle_import.c: existing sub-bases (七(一)) */
int sb_handler_import_base(sb_call *call);
const char *sb_handler_import_key(sb_arena *arena, const Skillbase__Request *req);
/* The document kinds (policy as data): up to `max` names (and, when
 * meanings is not NULL, one line each) in order; returns how many there are. */
size_t sb_handler_document_kinds(const char **names, const char **meanings, size_t max);

/* Equipment, yearly activity, recommendations (handle_equipment.c,
 * handle_activity.c, handle_recommend.c; docs/activity.md). */
int sb_handler_equipment_add(sb_call *call);
int sb_handler_equipment_change(sb_call *call);
int sb_handler_equipment_retire(sb_call *call);
int sb_handler_equipment_list(sb_call *call);
int sb_handler_activity_file(sb_call *call);
int sb_handler_activity_list(sb_call *call);
int sb_handler_activity_overdue(sb_call *call);
int sb_handler_activity_reminder(sb_call *call);
int sb_handler_recommend(sb_call *call);
int sb_handler_list_recommendations(sb_call *call);

/* Administration (handle_admin.c). */
int sb_handler_backup(sb_call *call);
int sb_handler_backup_status(sb_call *call);

/* security (four_eyes.c, handle_security.c) */
int sb_handler_list_proposals(sb_call *call);
int sb_handler_confirm_proposal(sb_call *call);
int sb_handler_discard_proposal(sb_call *call);
int sb_handler_audit_verify(sb_call *call);
int sb_handler_audit_head(sb_call *call);
int sb_handler_whoami(sb_call *call);
/* The latest backup as a message in the call's arena; NULL when out of
 * memory. */
Skillbase__BackupInfo *sb_handler_backup_info(sb_call *call);

#endif
