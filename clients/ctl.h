/* ctl: what the parts of skillbasectl share — the parsed command line, the
 * verb table's row type and the helpers that talk to the daemon and report
 * failures. Private to the CLI (clients/skillbasectl.c and clients/ctl_*.c).
 *
 * A new verb is one row in the table of skillbasectl.c and a handler,
 * which may live in its own clients/ctl_<area>.c.
 */
#ifndef CTL_H
#define CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#include "ctl_output.h"
#include "skillbase.pb-c.h"
#include "skillbase_client.h"

enum { EXIT_DONE = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NO_ANSWER = 3 };

#define DEFAULT_TIMEOUT_MS 5000
#define TRIES 3       /* docs/cli.md: "the client tries 3 times" */
#define MAX_PAGE 1000 /* proto: List/History/ReadEvents limit "at most 1000" */

/* The parsed command line; one per run. */
typedef struct {
    const char *endpoint;
    const char *actor;
    const char *key;
    const char *reason;
    const char *file;
    const char *after;
    uint64_t expect_version;
    uint64_t from_seq;
    uint64_t limit; /* 0: all pages */
    uint64_t timeout_ms;
    int outcome; /* evaluate: 0 not given, 1 --pass, -1 --fail, 2 both */
    int cause, state, kind;
    /* events and ingest (clients/ctl_events.c) */
    uint64_t to_seq;            /* events --to: last sequence wanted (0: no end) */
    bool follow;                /* events --follow */
    bool json_lines;            /* --json-lines: one JSON object per line */
    const char *topic;          /* events --topic PREFIX */
    const char *event_endpoint; /* --event-endpoint EP */
    const char *source, *event_id, *type, *entity, *occurred_on; /* ingest */
    const char *calendar; /* --calendar FILE (calendar verbs); NULL: the build's default */
    int job_state;        /* jobs --state: a JobState (clients/ctl_jobs.c) */
    /* subsidy (clients/ctl_subsidy.c) */
    const char *base;          /* --base ID */
    uint64_t year;             /* --year Y */
    int statement_state;       /* subsidy list --state: a StatementState */
    const char *pay_reference; /* subsidy pay --reference REF */
    const char *pay_document;  /* subsidy pay --document SHA256|FILE */
    const char *paid_on;       /* subsidy pay --paid-on DATE */
    /* security (clients/ctl_security.c, docs/security.md) */
    const char *server_key;                /* --server-key KEY|FILE, else $SKILLBASE_SERVER_KEY */
    const char *key_file;                  /* --key-file FILE, else $SKILLBASE_KEY_FILE */
    const char *keys_file;                 /* --keys FILE, else $SKILLBASE_KEYS (the keys verb) */
    const char *role, *public_key, *types; /* keys add */
    bool all;                              /* proposals --all */
    bool adverse_impact;                   /* ingest --adverse-impact */
    bool correct;                          /* assess --correct */
    const char *experts, *visited_on, *report; /* evaluate, assess: the experts' review */
    bool actor_given; /* --as given (refused with a key: the key names the actor) */
    /* documents (clients/ctl_documents.c) */
    const char *doc_kind;   /* --kind KIND when it is no record kind */
    const char *media_type; /* --media-type TYPE */
    uint64_t supersedes;    /* --supersedes N */
    bool original_sighted;  /* --original-sighted */
    /* publicity-list (clients/ctl_publicity.c) */
    const char *date;           /* --date D */
    const char *format;         /* --format text|csv|json|html */
    const char *template_file;  /* --template FILE */
    const char *objection_file; /* --objection-file FILE */
    /* roster, results (clients/ctl_roster.c) */
    const char *district;   /* --district D */
    const char *grade_name; /* --grade G */
    /* a sub-base's life (clients/ctl_life.c) */
    uint64_t approve, refuse; /* amend --approve N | --refuse N */
    const char *new_name;     /* rename --name BASE_NAME */
    const char *decision;     /* rename --decision REF */
    const char *on;           /* plaque-returned --on DATE */
    bool plaque_not_returned; /* roster --plaque-not-returned */
    /* apply --waive CONDITION -r REASON (repeatable), close-publicity --name (new_name) */
#define CTL_WAIVE_MAX 16
    const char *waive[CTL_WAIVE_MAX], *waive_reason[CTL_WAIVE_MAX];
    size_t n_waive;
    /* import-base (clients/ctl_import.c) */
    const char *csv; /* --csv FILE */
    /* equipment, activity, recommend (clients/ctl_activity.c) */
    int funding;    /* --funding own|government */
    uint64_t cycle; /* --cycle N */
    ctl_output out;
    sb_client *client; /* opened at the first call */
} ctl;

typedef struct verb verb;
typedef int verb_fn(ctl *c, const verb *v, char **args);

struct verb {
    const char *name;
    verb_fn *fn;
    int nargs;
    bool needs_reason;
    Skillbase__Request__CommandCase command; /* for the Transition verbs */
    const char *usage;
};

/* ------------------------------------------------------------ ctl_call.c */

/* Print the failure (docs/cli.md format) and return `status`, for
 * `return ctl_fail(c, EXIT_USAGE, "invalid", "...")`. */
int ctl_fail(ctl *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define usage_fail(c, ...) ctl_fail(c, EXIT_USAGE, "invalid", __VA_ARGS__)

/* Send one request (actor, expected version and key filled from the command
 * line). Returns 0 with the reply (code OK; caller frees with
 * skillbase__reply__free_unpacked(r, NULL)), or prints the failure and
 * returns the exit status. */
int ctl_call(ctl *c, Skillbase__Request *req, Skillbase__Reply **ret);

/* ctl_call, and check that the reply carries the result case `want`. */
int ctl_call_for(ctl *c, Skillbase__Request *req, Skillbase__Reply__ResultCase want,
                 Skillbase__Reply **ret);

/* Send a write whose reply is a record and print it. Returns the exit status. */
int ctl_run_write(ctl *c, Skillbase__Request *req);

/* Read FILE (or stdin for "-") as JSON into a message of type `desc`
 * (caller frees with protobuf_c_message_free_unpacked(m, NULL)). Returns 0,
 * or prints the problem (naming file, line, column or field) and returns
 * EXIT_USAGE. */
int ctl_read_json(ctl *c, const char *path, const ProtobufCMessageDescriptor *desc,
                  ProtobufCMessage **ret);

/* ------------------------------------------------------------ verbs */

/* Applications and sub-bases (clients/ctl_records.c): apply FILE, the
 * Transition verbs (the row's `command` says which), evaluate, assess,
 * revoke, show, list, history, status. */
verb_fn ctl_verb_apply;
verb_fn ctl_verb_import_base;
verb_fn ctl_verb_transition;
verb_fn ctl_verb_evaluate;
verb_fn ctl_verb_assess;
verb_fn ctl_verb_revoke;
verb_fn ctl_verb_show;
verb_fn ctl_verb_list;
verb_fn ctl_verb_history;
verb_fn ctl_verb_status;

/* A sub-base's life (clients/ctl_life.c): amend (and the bureau's
 * --approve/--refuse of a proposed project), rename, plaque-returned; exit
 * is a Transition verb. */
verb_fn ctl_verb_amend;
verb_fn ctl_verb_rename;
verb_fn ctl_verb_plaque_returned;

/* `calendar add-working-days DATE N` (clients/ctl_calendar.c). */
verb_fn ctl_verb_calendar;

/* `events` (read and follow the log) and `ingest` (clients/ctl_events.c). */
verb_fn ctl_verb_events;
verb_fn ctl_verb_ingest;

/* `jobs`, `jobs show|retry|cancel ID` (clients/ctl_jobs.c). A verb row
 * with nargs -1 takes a variable number of arguments (NULL-terminated
 * args); its handler checks them. */
verb_fn ctl_verb_jobs;

/* `backup DIR` and `backup-status` (clients/ctl_admin.c). */
verb_fn ctl_verb_backup;
verb_fn ctl_verb_backup_status;

/* `record-service` and `subsidy report|compute|services` (clients/ctl_subsidy.c). */
verb_fn ctl_verb_record_service;
verb_fn ctl_verb_subsidy;
/* A statement state as the command line says it ("approved", or the proto's
 * "statement_approved"): 0 and *ret, or -1. */
int ctl_statement_state_parse(const char *name, int *ret);

/* Security (clients/ctl_security.c): keygen FILE, keys list|add|remove,
 * audit verify|head, proposals, confirm, discard-proposal, whoami; and how
 * a four-eyes proposal (the answer to close-publicity or revoke when the
 * daemon asks for a second operator) is printed. */
verb_fn ctl_verb_keygen;
verb_fn ctl_verb_keys;
verb_fn ctl_verb_audit;
verb_fn ctl_verb_proposals;
verb_fn ctl_verb_confirm;
verb_fn ctl_verb_discard_proposal;
verb_fn ctl_verb_whoami;
verb_fn ctl_verb_rules;

/* `documents add|list|get` (clients/ctl_documents.c); and the table of a
 * record's documents that show prints. */
verb_fn ctl_verb_documents;
void ctl_print_documents(Skillbase__Document *const *docs, size_t n);

/* `publicity-list` (clients/ctl_publicity.c): the proposed list, 二(三)2;
 * and one CSV field as the lists write it (RFC 4180, every field quoted, no
 * spreadsheet formula), followed by "," or, when last, CRLF. */
verb_fn ctl_verb_publicity_list;
void ctl_csv_field(FILE *o, const char *s, bool last);

/* `roster` and `results --cycle-year Y` (clients/ctl_roster.c). */
verb_fn ctl_verb_roster;
verb_fn ctl_verb_results;

/* `stats [--year Y] [--format text|json|svg]` (clients/ctl_stats.c). */
verb_fn ctl_verb_stats;
int ctl_print_proposal(ctl *c, const Skillbase__Proposal *p);

/* `equipment add|change|retire|list`, `activity file|list|overdue`,
 * `recommend BASE KIND`, `recommendations` (clients/ctl_activity.c). */
verb_fn ctl_verb_equipment;
verb_fn ctl_verb_activity;
verb_fn ctl_verb_recommend;
verb_fn ctl_verb_recommendations;

#endif
