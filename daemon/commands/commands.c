/* The command table (handlers.h): every command of the wire contract, its
 * name, whether it writes, the roles that may run it and its handler; and
 * its one lookup, sb_command_find. */
#include <stdbool.h>
#include <stddef.h>

#include "handlers.h"
#include "handlers_private.h"

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
    {SKILLBASE__REQUEST__COMMAND_APPLY, "apply", W, OPS, sb_handler_apply},
    {SKILLBASE__REQUEST__COMMAND_REVIEW, "review", W, REVIEW, sb_handler_review},
    {SKILLBASE__REQUEST__COMMAND_EVALUATE, "evaluate", W, REVIEW, sb_handler_evaluate},
    {SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, "file_objection", W, OPS,
     sb_handler_file_objection},
    {SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION, "dismiss_objection", W, OPS,
     sb_handler_dismiss_objection},
    {SKILLBASE__REQUEST__COMMAND_UPHOLD_OBJECTION, "uphold_objection", W, OPS,
     sb_handler_uphold_objection},
    {SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "close_publicity", W, OPS | SB_ROLE_WORKER,
     sb_handler_close_publicity},
    {SKILLBASE__REQUEST__COMMAND_REJECT, "reject", W, OPS, sb_handler_reject},
    {SKILLBASE__REQUEST__COMMAND_WITHDRAW, "withdraw", W, OPS, sb_handler_withdraw},
    {SKILLBASE__REQUEST__COMMAND_ASSESS, "assess", W, REVIEW, sb_handler_assess},
    {SKILLBASE__REQUEST__COMMAND_REVOKE, "revoke", W, OPS, sb_handler_revoke},
    {SKILLBASE__REQUEST__COMMAND_SHOW, "show", R, READ, sb_handler_show},
    {SKILLBASE__REQUEST__COMMAND_LIST, "list", R, READ, sb_handler_list},
    {SKILLBASE__REQUEST__COMMAND_HISTORY, "history", R, READ, sb_handler_history},
    {SKILLBASE__REQUEST__COMMAND_STATUS, "status", R, ANY, sb_handler_status},
    {SKILLBASE__REQUEST__COMMAND_READ_EVENTS, "read_events", R, READ | SB_ROLE_SERVICE,
     sb_handler_read_events},
    /* subsidy (handle_subsidy.c): services report deliveries, the worker
     * stores statements, operators read and recompute */
    {SKILLBASE__REQUEST__COMMAND_RECORD_SERVICE, "record_service", W,
     SB_ROLE_OPERATOR | SB_ROLE_SERVICE, sb_handler_record_service},
    {SKILLBASE__REQUEST__COMMAND_LIST_SERVICES, "list_services", R, READ, sb_handler_list_services},
    {SKILLBASE__REQUEST__COMMAND_RECORD_STATEMENT, "record_statement", W, SB_ROLE_WORKER,
     sb_handler_record_statement},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_REPORT, "subsidy_report", R, READ,
     sb_handler_subsidy_report},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_COMPUTE, "subsidy_compute", W, OPS,
     sb_handler_subsidy_compute},
    /* the bureau's decisions on statements (handle_subsidy_decision.c) */
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE, "subsidy_approve", W, OPS,
     sb_handler_subsidy_approve},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_PAY, "subsidy_pay", W, OPS, sb_handler_subsidy_pay},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_REFUSE, "subsidy_refuse", W, OPS,
     sb_handler_subsidy_refuse},
    {SKILLBASE__REQUEST__COMMAND_SUBSIDY_LIST, "subsidy_list", R, READ, sb_handler_subsidy_list},
    {SKILLBASE__REQUEST__COMMAND_LIST_JOBS, "list_jobs", R, READ, sb_handler_list_jobs},
    {SKILLBASE__REQUEST__COMMAND_SHOW_JOB, "show_job", R, READ, sb_handler_show_job},
    {SKILLBASE__REQUEST__COMMAND_RETRY_JOB, "retry_job", W, OPS, sb_handler_retry_job},
    {SKILLBASE__REQUEST__COMMAND_CANCEL_JOB, "cancel_job", W, OPS, sb_handler_cancel_job},
    {SKILLBASE__REQUEST__COMMAND_INGEST, "ingest", W, SB_ROLE_SERVICE | OPS, sb_handler_ingest,
     sb_handler_ingest_key},
    {SKILLBASE__REQUEST__COMMAND_SCHEDULE_PUBLICITY, "schedule_publicity", W, SB_ROLE_WORKER,
     sb_handler_schedule_publicity},
    {SKILLBASE__REQUEST__COMMAND_ASSESSMENT_REMINDER, "assessment_reminder", W, SB_ROLE_WORKER,
     sb_handler_assessment_reminder},
    {SKILLBASE__REQUEST__COMMAND_BACKUP, "backup", R, OPS, sb_handler_backup},
    {SKILLBASE__REQUEST__COMMAND_BACKUP_STATUS, "backup_status", R, OPS, sb_handler_backup_status},
    /* security (four_eyes.c, handle_security.c) */
    {SKILLBASE__REQUEST__COMMAND_LIST_PROPOSALS, "list_proposals", R, READ,
     sb_handler_list_proposals},
    {SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL, "confirm_proposal", W, OPS,
     sb_handler_confirm_proposal},
    {SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL, "discard_proposal", W, OPS,
     sb_handler_discard_proposal},
    {SKILLBASE__REQUEST__COMMAND_AUDIT_VERIFY, "audit_verify", R, READ, sb_handler_audit_verify},
    {SKILLBASE__REQUEST__COMMAND_AUDIT_HEAD, "audit_head", R, READ, sb_handler_audit_head},
    {SKILLBASE__REQUEST__COMMAND_WHOAMI, "whoami", R, ANY, sb_handler_whoami},
    /* the contract (handle_rules.c) */
    {SKILLBASE__REQUEST__COMMAND_RULES, "rules", R, ANY, sb_handler_rules},
    /* documents (handle_documents.c): operators and reviewers file and
     * read them (materials hold personal data: staff credentials, licences;
     * docs/security.md "Personal data"); readers see their list in show */
    {SKILLBASE__REQUEST__COMMAND_DOCUMENT_BEGIN, "document_begin", R,
     SB_ROLE_OPERATOR | SB_ROLE_REVIEWER, sb_handler_document_begin},
    {SKILLBASE__REQUEST__COMMAND_DOCUMENT_CHUNK, "document_chunk", R,
     SB_ROLE_OPERATOR | SB_ROLE_REVIEWER, sb_handler_document_chunk},
    {SKILLBASE__REQUEST__COMMAND_DOCUMENT_COMMIT, "document_commit", W,
     SB_ROLE_OPERATOR | SB_ROLE_REVIEWER, sb_handler_document_commit},
    {SKILLBASE__REQUEST__COMMAND_DOCUMENT_GET, "document_get", R,
     SB_ROLE_OPERATOR | SB_ROLE_REVIEWER, sb_handler_document_get},
    /* a sub-base's life (handle_life.c): changes, the bureau's decisions on
     * projects and names, exit and the plaque's return are the bureau's */
    {SKILLBASE__REQUEST__COMMAND_AMEND, "amend", W, OPS, sb_handler_amend},
    {SKILLBASE__REQUEST__COMMAND_DECIDE_PROJECT, "decide_project", W, OPS,
     sb_handler_decide_project},
    {SKILLBASE__REQUEST__COMMAND_RENAME, "rename", W, OPS, sb_handler_rename},
    {SKILLBASE__REQUEST__COMMAND_EXIT_BASE, "exit_base", W, OPS, sb_handler_exit_base},
    {SKILLBASE__REQUEST__COMMAND_PLAQUE_RETURNED, "plaque_returned", W, OPS,
     sb_handler_plaque_returned},
    /* existing sub-bases (handle_import.c, 七(一)): keyed on the unit and its
     * original certificate; a proposal under [four_eyes] certify */
    {SKILLBASE__REQUEST__COMMAND_IMPORT_BASE, "import_base", W, OPS, sb_handler_import_base,
     sb_handler_import_key},
    /* equipment, yearly activity, recommendations (handle_equipment.c,
     * handle_activity.c, handle_recommend.c): operators write, the worker
     * sends the filing reminders, every reading role reads */
    {SKILLBASE__REQUEST__COMMAND_EQUIPMENT_ADD, "equipment_add", W, OPS, sb_handler_equipment_add},
    {SKILLBASE__REQUEST__COMMAND_EQUIPMENT_CHANGE, "equipment_change", W, OPS,
     sb_handler_equipment_change},
    {SKILLBASE__REQUEST__COMMAND_EQUIPMENT_RETIRE, "equipment_retire", W, OPS,
     sb_handler_equipment_retire},
    {SKILLBASE__REQUEST__COMMAND_EQUIPMENT_LIST, "equipment_list", R, READ,
     sb_handler_equipment_list},
    {SKILLBASE__REQUEST__COMMAND_ACTIVITY_FILE, "activity_file", W, OPS, sb_handler_activity_file},
    {SKILLBASE__REQUEST__COMMAND_ACTIVITY_LIST, "activity_list", R, READ, sb_handler_activity_list},
    {SKILLBASE__REQUEST__COMMAND_ACTIVITY_OVERDUE, "activity_overdue", R, READ,
     sb_handler_activity_overdue},
    {SKILLBASE__REQUEST__COMMAND_ACTIVITY_REMINDER, "activity_reminder", W, SB_ROLE_WORKER,
     sb_handler_activity_reminder},
    {SKILLBASE__REQUEST__COMMAND_RECOMMEND, "recommend", W, OPS, sb_handler_recommend},
    {SKILLBASE__REQUEST__COMMAND_LIST_RECOMMENDATIONS, "list_recommendations", R, READ,
     sb_handler_list_recommendations},
};

const sb_command *sb_command_find(Skillbase__Request__CommandCase command)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].command == command)
            return &commands[i];
    return NULL;
}
