/* skillbasectl: the operators' command line for skillbased.
 *
 * docs/cli.md is the specification. Everything that can be checked without
 * the daemon (options, arguments, the JSON input files) is checked before a
 * socket is opened, so exit status 2 always means "nothing was sent".
 * Verbs are rows of one table; a verb's handler builds the Request, the
 * client library sends it (retrying with the same bytes), ctl_output prints.
 * This file holds the verb table, the options and main; the handlers live
 * in ctl_records.c (applications and sub-bases) and ctl_<area>.c, the
 * helpers they share in ctl_call.c (ctl.h).
 */
#include "ctl.h"
#include "ctl_output.h"
#include "pbjson.h"
#include "sb_calendar.h"
#include "sb_help.h"
#include "sb_parse.h"
#include "skillbase_client.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMD(x) SKILLBASE__REQUEST__COMMAND_##x

static const verb verbs[] = {
    {"apply", ctl_verb_apply, 1, false, CMD(APPLY),
     "apply FILE.json [--waive CONDITION -r REASON]..."},
    {"import-base", ctl_verb_import_base, 0, true, CMD(IMPORT_BASE),
     "import-base -f BASE.json -r REASON | --csv FILE -r REASON"},
    {"review", ctl_verb_transition, 1, false, CMD(REVIEW), "review ID [-r TEXT]"},
    {"evaluate", ctl_verb_evaluate, 1, true, CMD(EVALUATE),
     "evaluate ID --pass|--fail -r TEXT --experts \"A,B,C\" --visited-on DATE [--report REF]"},
    {"object", ctl_verb_transition, 1, true, CMD(FILE_OBJECTION), "object ID -r TEXT"},
    {"dismiss-objection", ctl_verb_transition, 1, true, CMD(DISMISS_OBJECTION),
     "dismiss-objection ID -r TEXT"},
    {"uphold-objection", ctl_verb_transition, 1, true, CMD(UPHOLD_OBJECTION),
     "uphold-objection ID -r TEXT"},
    {"close-publicity", ctl_verb_transition, 1, false, CMD(CLOSE_PUBLICITY),
     "close-publicity ID [--name NAME] [-r TEXT]"},
    {"reject", ctl_verb_transition, 1, true, CMD(REJECT), "reject ID -r TEXT"},
    {"withdraw", ctl_verb_transition, 1, true, CMD(WITHDRAW), "withdraw ID -r TEXT"},
    {"assess", ctl_verb_assess, 1, false, CMD(ASSESS),
     "assess BASE -f SCORES.json --experts \"A,B,C\" --visited-on DATE [--report REF] [-r TEXT] "
     "[--correct -r REASON]"},
    {"revoke", ctl_verb_revoke, 1, true, CMD(REVOKE), "revoke BASE --cause CAUSE -r TEXT"},
    {"show", ctl_verb_show, 1, false, CMD(SHOW), "show ID"},
    {"list", ctl_verb_list, 0, false, CMD(LIST),
     "list [--state S] [--kind application|base] [--limit N] [--after ID]"},
    {"history", ctl_verb_history, 1, false, CMD(HISTORY), "history ID [--limit N]"},
    {"events", ctl_verb_events, 0, false, CMD(READ_EVENTS),
     "events [--from SEQ] [--to SEQ] [--limit N] [--topic PREFIX] [--follow]"},
    {"ingest", ctl_verb_ingest, 0, false, CMD(INGEST),
     "ingest --source S --id ID --type T --entity X [-r TEXT] [--occurred-on DATE] "
     "[--adverse-impact] [-f PAYLOAD.json]"},
    {"status", ctl_verb_status, 0, false, CMD(STATUS), "status"},
    {"record-service", ctl_verb_record_service, 0, false, CMD(RECORD_SERVICE),
     "record-service -f SERVICE.json [--base ID]"},
    {"subsidy", ctl_verb_subsidy, -1, false, 0,
     "subsidy report|compute|services --year Y [--base ID]\n"
     "  subsidy list [--state computed|approved|paid|refused] [--year Y] [--limit N] [--after ID]\n"
     "  subsidy approve STATEMENT [-r REASON] [-V VERSION]\n"
     "  subsidy refuse STATEMENT -r REASON [-V VERSION]\n"
     "  subsidy pay STATEMENT --reference REF --document SHA256|FILE --paid-on DATE [-r NOTE]"},
    {"jobs", ctl_verb_jobs, -1, false, CMD(LIST_JOBS),
     "jobs [--state S] [--type T] [--limit N] [--after ID]\n"
     "  jobs show|retry|cancel JOB [-r TEXT]"},
    {"backup", ctl_verb_backup, 1, false, CMD(BACKUP), "backup DIR"},
    {"backup-status", ctl_verb_backup_status, 0, false, CMD(BACKUP_STATUS), "backup-status"},
    {"calendar", ctl_verb_calendar, 3, false, 0,
     "calendar add-working-days DATE N [--calendar FILE]"},
    {"keygen", ctl_verb_keygen, 1, false, 0, "keygen FILE"},
    {"keys", ctl_verb_keys, -1, false, 0,
     "keys list | add NAME --role R --public-key KEY|FILE [--types T] [--district D] | remove NAME "
     "[--keys FILE]"},
    {"audit", ctl_verb_audit, -1, false, CMD(AUDIT_VERIFY), "audit verify [--from SEQ] | head"},
    {"proposals", ctl_verb_proposals, 0, false, CMD(LIST_PROPOSALS), "proposals [--all]"},
    {"confirm", ctl_verb_confirm, 1, false, CMD(CONFIRM_PROPOSAL), "confirm PROPOSAL [-r TEXT]"},
    {"discard-proposal", ctl_verb_discard_proposal, 1, true, CMD(DISCARD_PROPOSAL),
     "discard-proposal PROPOSAL -r TEXT"},
    {"whoami", ctl_verb_whoami, 0, false, CMD(WHOAMI), "whoami"},
    {"rules", ctl_verb_rules, 0, false, CMD(RULES), "rules"},
    {"roster", ctl_verb_roster, 0, false, CMD(LIST),
     "roster [--state S] [--district D] [--grade G] [--plaque-not-returned] "
     "[--format text|csv|json]"},
    {"results", ctl_verb_results, 0, false, CMD(LIST),
     "results --cycle-year Y [--district D] [--format text|csv|json]"},
    {"stats", ctl_verb_stats, 0, false, CMD(LIST), "stats [--year Y] [--format text|json|svg]"},
    {"publicity-list", ctl_verb_publicity_list, 0, false, CMD(LIST),
     "publicity-list [--date D] [--format text|csv|json|html] [--template FILE] "
     "[--objection-file FILE]"},
    {"documents", ctl_verb_documents, -1, false, 0,
     "documents add ID FILE --kind KIND [-r TEXT] [--original-sighted] [--supersedes N] "
     "[--media-type TYPE] | list ID | get ID DOC [OUT]"},
    /* a sub-base's life (clients/ctl_life.c) */
    {"amend", ctl_verb_amend, 1, true, CMD(AMEND),
     "amend BASE -f CHANGE.json -r TEXT | amend BASE --approve N|--refuse N -r TEXT"},
    {"rename", ctl_verb_rename, 1, true, CMD(RENAME),
     "rename BASE --name X --decision REF -r TEXT"},
    {"exit", ctl_verb_transition, 1, true, CMD(EXIT_BASE), "exit BASE -r TEXT"},
    {"plaque-returned", ctl_verb_plaque_returned, 1, false, CMD(PLAQUE_RETURNED),
     "plaque-returned BASE --on DATE [-r TEXT]"},
    {"equipment", ctl_verb_equipment, -1, false, 0,
     "equipment add BASE -f ITEM.json -r REASON | change BASE ITEM -f ITEM.json -r REASON |\n"
     "  retire BASE ITEM [--on DATE] -r REASON | list BASE [--funding own|government] [--all]"},
    {"activity", ctl_verb_activity, -1, false, 0,
     "activity file BASE --year Y -f ACTIVITY.json [-r REASON] | list BASE [--cycle N] |\n"
     "  overdue [--year Y]"},
    {"recommend", ctl_verb_recommend, 2, true, CMD(RECOMMEND),
     "recommend BASE designated_training|training_evaluation --on DATE -r REASON"},
    {"recommendations", ctl_verb_recommendations, 0, false, CMD(LIST_RECOMMENDATIONS),
     "recommendations [--kind designated_training|training_evaluation]"},
};

/* ------------------------------------------------------------ options */

/* The options, one row each: getopt_long's options and the short ones,
 * where each value goes in ctl and what it may be, and --help all come
 * from these rows. Every option is taken before or after the verb; the
 * verb's handler reads what it needs. */
typedef enum {
    TAKE_TEXT,   /* the argument, into a const char * field */
    TAKE_NUMBER, /* a whole number in [min, max] into a uint64_t field */
    TAKE_ENUM,   /* a value of e (not 0, not skip) into an int field */
    TAKE_SWITCH, /* no argument: a bool field becomes true */
    TAKE_OWN,    /* take_option's switch says (own) */
} take_kind;

typedef enum { OWN_NONE, OWN_JSON, OWN_WAIVE, OWN_PASS, OWN_FAIL, OWN_HELP, OWN_VERSION } own_kind;

typedef struct {
    const char *name; /* --name */
    char letter;      /* -x, or 0 */
    const char *arg;  /* the argument in --help; NULL: takes none */
    take_kind kind;
    size_t off;
    uint64_t min, max;                /* TAKE_NUMBER */
    const ProtobufCEnumDescriptor *e; /* TAKE_ENUM */
    int skip;                         /* TAKE_ENUM: a value only the daemon sets */
    own_kind own;                     /* TAKE_OWN */
    const char *help;                 /* '\n' between lines; what verbs use it */
} flag_row;

#define TEXT(n, l, a, f, h)                                                                        \
    {                                                                                              \
        n, l, a, TAKE_TEXT, offsetof(ctl, f), 0, 0, NULL, 0, OWN_NONE, h                           \
    }
#define NUMBER(n, l, a, f, lo, hi, h)                                                              \
    {                                                                                              \
        n, l, a, TAKE_NUMBER, offsetof(ctl, f), lo, hi, NULL, 0, OWN_NONE, h                       \
    }
#define ENUM(n, a, f, d, sk, h)                                                                    \
    {                                                                                              \
        n, 0, a, TAKE_ENUM, offsetof(ctl, f), 0, 0, d, sk, OWN_NONE, h                             \
    }
#define SWITCH(n, f, h)                                                                            \
    {                                                                                              \
        n, 0, NULL, TAKE_SWITCH, offsetof(ctl, f), 0, 0, NULL, 0, OWN_NONE, h                      \
    }
#define OWN(n, l, a, o, h)                                                                         \
    {                                                                                              \
        n, l, a, TAKE_OWN, 0, 0, 0, NULL, 0, o, h                                                  \
    }

static const flag_row flags[] = {
    TEXT("endpoint", 'e', "EP", endpoint, "daemon endpoint (default: %E)"),
    OWN("json", 'j', NULL, OWN_JSON, "machine-readable output"),
    TEXT("as", 'a', "ACTOR", actor, "actor for the audit trail"),
    TEXT("idempotency-key", 'k', "K", key, "idempotency key of a write"),
    NUMBER("expect-version", 'V', "N", expect_version, 1, UINT64_MAX,
           "refuse the write unless the record is at version N"),
    NUMBER("timeout", 't', "MS", timeout_ms, 1, 3600000, "wait per try (default %T)"),
    TEXT("reason", 'r', "TEXT", reason, "reason recorded with a transition"),
    TEXT("file", 'f', "FILE", file,
         "JSON input of assess, import-base, ingest, amend, ...\n"
         "(- reads stdin)"),
    OWN("pass", 0, NULL, OWN_PASS, "evaluate: the outcome is pass"),
    OWN("fail", 0, NULL, OWN_FAIL, "evaluate: the outcome is fail"),
    ENUM("cause", "CAUSE", cause, &skillbase__cause__descriptor,
         SKILLBASE__CAUSE__ASSESSMENT_FAILED, "revoke: the cause"),
    ENUM("state", "S", state, &skillbase__state__descriptor, 0,
         "list, roster: a record state; jobs: a job state;\n"
         "subsidy list: a statement state"),
    ENUM("kind", "K", kind, &skillbase__kind__descriptor, 0,
         "list: application or base; documents add: the document's\n"
         "kind; recommendations: the kind"),
    NUMBER("limit", 0, "N", limit, 1, MAX_PAGE, "list, history, events, jobs, ...: page size"),
    TEXT("after", 0, "ID", after, "list, jobs, subsidy list: the page after ID"),
    NUMBER("from", 0, "SEQ", from_seq, 0, UINT64_MAX,
           "events: first sequence number; audit verify: where to start"),
    NUMBER("to", 0, "SEQ", to_seq, 1, UINT64_MAX, "events: last sequence number"),
    TEXT("topic", 0, "PREFIX", topic, "events: only topics starting with PREFIX"),
    SWITCH("follow", follow, "events: keep following the stream live"),
    SWITCH("json-lines", json_lines, "events: one JSON object per line (as --follow --json)"),
    TEXT("event-endpoint", 0, "EP", event_endpoint,
         "events --follow: the daemon's event stream\n"
         "(default $SKILLBASE_EVENT_ENDPOINT, else ask the daemon)"),
    TEXT("source", 0, "S", source, "ingest: the source system"),
    TEXT("id", 0, "ID", event_id, "ingest: the source's event id"),
    TEXT("type", 0, "T", type, "ingest: the event type; jobs: the job type"),
    TEXT("entity", 0, "X", entity, "ingest: the application or sub-base"),
    TEXT("occurred-on", 0, "DATE", occurred_on, "ingest: the day it happened"),
    SWITCH("adverse-impact", adverse_impact,
           "ingest complaint.verified: it caused adverse social\n"
           "impact (五(三)3; without it: a warning, no revocation)"),
    SWITCH("correct", correct, "assess: replace this cycle's result (needs -r REASON)"),
    TEXT("experts", 0, "\"A,B,C\"", experts,
         "evaluate, assess: the experts (at least [review]\n"
         "min_experts)"),
    TEXT("visited-on", 0, "DATE", visited_on, "evaluate, assess: the site visit"),
    TEXT("report", 0, "REF", report, "evaluate, assess: the report (optional)"),
    TEXT("calendar", 0, "FILE", calendar, "calendar: the holiday calendar (default %C)"),
    NUMBER("year", 0, "Y", year, 1, 9999, "subsidy, activity, stats: the year"),
    TEXT("base", 0, "ID", base, "subsidy, record-service: the sub-base (optional)"),
    TEXT("reference", 0, "REF", pay_reference, "subsidy pay: the payment's reference"),
    TEXT("document", 0, "SHA256|FILE", pay_document, "subsidy pay: the payment's document"),
    TEXT("paid-on", 0, "DATE", paid_on, "subsidy pay: the day it was paid"),
    TEXT("server-key", 0, "KEY|FILE", server_key,
         "tcp://: the daemon's public key (or $SKILLBASE_SERVER_KEY)"),
    TEXT("key-file", 0, "FILE", key_file,
         "tcp://: this client's key pair (or $SKILLBASE_KEY_FILE)"),
    TEXT("keys", 0, "FILE", keys_file, "keys: the daemon's keys file (or $SKILLBASE_KEYS)"),
    TEXT("role", 0, "R", role, "keys add: the key's role"),
    TEXT("public-key", 0, "KEY|FILE", public_key, "keys add: the public key"),
    TEXT("types", 0, "\"T1 T2\"", types,
         "keys add: a service's ingest types or a worker's job\n"
         "types (*: all)"),
    SWITCH("all", all, "proposals: decided ones too; equipment list: retired too"),
    SWITCH("original-sighted", original_sighted, "documents add: the original was seen"),
    NUMBER("supersedes", 0, "N", supersedes, 1, UINT32_MAX,
           "documents add: the document it replaces"),
    TEXT("media-type", 0, "T", media_type, "documents add: the file's media type"),
    TEXT("date", 0, "D", date, "publicity-list: the day"),
    TEXT("format", 0, "F", format, "publicity-list, roster, results, stats: the output form"),
    TEXT("template", 0, "FILE", template_file, "publicity-list: the template"),
    TEXT("objection-file", 0, "FILE", objection_file, "publicity-list: how to object"),
    TEXT("district", 0, "D", district,
         "roster, results: one district; keys add: scope the key\n"
         "to a district (六(五))"),
    TEXT("csv", 0, "FILE", csv, "import-base: many sub-bases, one a row (docs/cli.md)"),
    TEXT("grade", 0, "G", grade_name, "roster: one grade"),
    NUMBER("cycle-year", 0, "Y", year, 1, 9999, "results: the cycle's year"),
    SWITCH("plaque-not-returned", plaque_not_returned,
           "roster: exited or revoked sub-bases whose plaque is\n"
           "not yet recorded returned"),
    NUMBER("approve", 0, "N", approve, 1, UINT32_MAX,
           "amend: approve the proposed project N (the bureau)"),
    NUMBER("refuse", 0, "N", refuse, 1, UINT32_MAX, "amend: refuse the proposed project N"),
    TEXT("name", 0, "X", new_name,
         "rename: the new 名称或区域 part; close-publicity: the\n"
         "name granted (default: the application's base_name)"),
    TEXT("decision", 0, "REF", decision, "rename: the bureau's decision"),
    TEXT("on", 0, "DATE", on,
         "plaque-returned: the day the plaque came back;\n"
         "equipment retire, recommend: the day"),
    OWN("waive", 0, "CONDITION", OWN_WAIVE,
        "apply: waive a condition of 二(二) (repeatable), each\n"
        "with the -r REASON after it (`rules` lists them)"),
    ENUM("funding", "own|government", funding, &skillbase__funding__descriptor, 0,
         "equipment list: one kind of funding"),
    NUMBER("cycle", 0, "N", cycle, 1, 500, "activity list: one assessment cycle"),
    OWN("help", 'h', NULL, OWN_HELP, "this text"),
    OWN("version", 0, NULL, OWN_VERSION, "print the version"),
};

#define N_FLAGS (sizeof flags / sizeof flags[0])
#define HELP_COLUMN 29 /* where each option's text starts in --help */

/* getopt_long's value of row i: its letter, or 256 + i. */
static int flag_val(size_t i)
{
    return flags[i].letter ? flags[i].letter : 256 + (int)i;
}

/* The row getopt_long's value opt stands for, or NULL. */
static const flag_row *flag_of(int opt)
{
    for (size_t i = 0; i < N_FLAGS; i++)
        if (flag_val(i) == opt)
            return &flags[i];
    return NULL;
}

/* One option's row of --help, its text with %E, %T and %C replaced by the
 * defaults. */
static void print_help_row(const char *head, const char *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return;
    for (; *t; t++) {
        if (t[0] == '%' && t[1] == 'E')
            fputs(sb_client_default_endpoint(), m), t++;
        else if (t[0] == '%' && t[1] == 'T')
            fprintf(m, "%d; %d tries", DEFAULT_TIMEOUT_MS, TRIES), t++;
        else if (t[0] == '%' && t[1] == 'C')
            fputs(sb_calendar_default_path(), m), t++;
        else
            fputc(*t, m);
    }
    if (fclose(m) == 0)
        sb_help_row(stdout, HELP_COLUMN, head, text);
    free(text);
}

static void print_help(void)
{
    printf("usage: skillbasectl [OPTIONS] VERB [ARGS]\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        printf("  %s\n", verbs[i].usage);
    printf("\noptions (before or after the verb):\n");
    for (size_t i = 0; i < N_FLAGS; i++) {
        const flag_row *f = &flags[i];
        char head[64];
        if (f->letter)
            snprintf(head, sizeof head, "  -%c, --%s%s%s", f->letter, f->name, f->arg ? " " : "",
                     f->arg ? f->arg : "");
        else
            snprintf(head, sizeof head, "      --%s%s%s", f->name, f->arg ? " " : "",
                     f->arg ? f->arg : "");
        print_help_row(head, f->help);
    }
    printf("\nSee docs/cli.md.\n");
}

/* Apply one option of row f. Returns 0, or -1 to stop with exit status
 * *status. */
static int take_option(ctl *c, const flag_row *f, const char *arg, int *status)
{
    char choices[256];
    char *field = (char *)c + f->off;
    bool is_kind = strcmp(f->name, "kind") == 0, is_state = strcmp(f->name, "state") == 0;
    uint64_t n;
    int v;

    switch (f->kind) {
    case TAKE_TEXT:
        *(const char **)(void *)field = arg;
        return 0;
    case TAKE_NUMBER:
        if (sb_parse_u64(arg, f->min, f->max, &n) < 0) {
            char range[64];
            if (f->max == UINT64_MAX)
                snprintf(range, sizeof range, "a whole number from %" PRIu64, f->min);
            else
                snprintf(range, sizeof range, "%" PRIu64 " to %" PRIu64, f->min, f->max);
            *status = usage_fail(c, "bad value \"%s\" for --%s (%s)", arg, f->name, range);
            return -1;
        }
        *(uint64_t *)(void *)field = n;
        return 0;
    case TAKE_ENUM:
        if (is_kind)
            c->doc_kind = arg; /* documents add --kind (ctl_documents.c) */
        if (pbjson_enum_parse(f->e, arg, &v) == 0 && v != 0 && v != f->skip) {
            *(int *)(void *)field = v;
        } else if (is_kind) {
            c->kind = -1; /* no record kind: documents add takes it, list refuses it */
        } else if (is_state && pbjson_enum_parse(&skillbase__job_state__descriptor, arg, &v) == 0 &&
                   v != 0) {
            c->job_state = v; /* jobs --state (ctl_jobs.c) */
        } else if (is_state && ctl_statement_state_parse(arg, &v) == 0) {
            c->statement_state = v; /* subsidy list --state (ctl_subsidy.c) */
        } else {
            ctl_enum_choices(f->e, f->skip, choices, sizeof choices);
            *status = usage_fail(c, "unknown %s \"%s\" (expected %s)", f->name, arg, choices);
            return -1;
        }
        return 0;
    case TAKE_SWITCH:
        *(bool *)field = true;
        return 0;
    case TAKE_OWN:
        break;
    }
    switch (f->own) {
    case OWN_WAIVE:
        /* --waive CONDITION, repeatable; each takes the next -r REASON */
        if (c->n_waive == CTL_WAIVE_MAX) {
            *status = usage_fail(c, "--waive: at most %d conditions", CTL_WAIVE_MAX);
            return -1;
        }
        c->waive[c->n_waive++] = arg;
        break;
    case OWN_PASS:
        c->outcome = c->outcome < 0 ? 2 : c->outcome == 0 ? 1 : c->outcome;
        break;
    case OWN_FAIL:
        c->outcome = c->outcome > 0 ? 2 : -1;
        break;
    case OWN_HELP:
        print_help();
        *status = EXIT_DONE;
        return -1;
    case OWN_VERSION:
        printf("skillbasectl %s\n", SB_VERSION);
        *status = EXIT_DONE;
        return -1;
    case OWN_JSON: /* taken in main's first pass */
    case OWN_NONE:
        break;
    }
    return 0;
}

static const char *default_actor(void)
{
    const char *env[] = {"SKILLBASE_ACTOR", "USER"};

    for (size_t i = 0; i < sizeof env / sizeof env[0]; i++) {
        const char *v = getenv(env[i]);
        if (v && *v)
            return v;
    }
    return "operator";
}

int main(int argc, char **argv)
{
    ctl c = {.timeout_ms = DEFAULT_TIMEOUT_MS};
    const verb *v = NULL;
    int opt, status = EXIT_DONE;
    char **scan = NULL;

    /* getopt_long's options and the short ones from the rows */
    struct option long_options[N_FLAGS + 1];
    char short_opts[2 * N_FLAGS + 2] = ":";
    size_t ns = 1;
    for (size_t i = 0; i < N_FLAGS; i++) {
        long_options[i] = (struct option){
            flags[i].name, flags[i].arg ? required_argument : no_argument, NULL, flag_val(i)};
        if (flags[i].letter) {
            short_opts[ns++] = flags[i].letter;
            if (flags[i].arg)
                short_opts[ns++] = ':';
        }
    }
    short_opts[ns] = '\0';
    long_options[N_FLAGS] = (struct option){NULL, 0, NULL, 0};

    /* A first pass only looks for --json, so that every failure found while
     * parsing is printed in the right form. It runs on a copy of argv:
     * getopt permutes what it scans, and a permuted argv would let a
     * trailing "-r" take the verb as its value on the second pass. */
    scan = malloc(((size_t)argc + 1) * sizeof *scan);
    if (!scan) {
        status = EXIT_REFUSED;
        goto out;
    }
    memcpy(scan, argv, ((size_t)argc + 1) * sizeof *scan);
    opterr = 0;
    while ((opt = getopt_long(argc, scan, short_opts, long_options, NULL)) != -1) {
        const flag_row *f = flag_of(opt);
        if (f && (f->own == OWN_JSON || strcmp(f->name, "json-lines") == 0))
            c.out.json = true;
    }
    ctl_output_init(&c.out, c.out.json);
    optind = 0; /* glibc: full reinitialisation */
    while ((opt = getopt_long(argc, argv, short_opts, long_options, NULL)) != -1) {
        if (opt == '?') {
            if (optopt)
                status = usage_fail(&c, "unknown option -%c (try skillbasectl --help)", optopt);
            else
                status =
                    usage_fail(&c, "unknown option %s (try skillbasectl --help)", argv[optind - 1]);
            goto out;
        }
        if (opt == ':') {
            status = usage_fail(&c, "option %s needs a value", argv[optind - 1]);
            goto out;
        }
        const flag_row *f = flag_of(opt);
        if (f && take_option(&c, f, optarg, &status) < 0)
            goto out;
        /* a reason after --waive is that waiver's (and of any before it
         * still without one) */
        for (size_t i = 0; opt == 'r' && i < c.n_waive; i++)
            if (!c.waive_reason[i])
                c.waive_reason[i] = optarg;
    }
    for (size_t i = 0; i < c.n_waive; i++) {
        if (!c.waive_reason[i]) {
            status = usage_fail(&c, "--waive %s needs a reason: -r REASON after it", c.waive[i]);
            goto out;
        }
    }
    if (!c.endpoint)
        c.endpoint = sb_client_default_endpoint();
    c.actor_given = c.actor && *c.actor;
    if (!c.actor || !*c.actor)
        c.actor = default_actor();

    if (optind >= argc) {
        status = usage_fail(&c, "no verb given (try skillbasectl --help)");
        goto out;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(verbs[i].name, argv[optind]) == 0)
            v = &verbs[i];
    if (!v)
        status = usage_fail(&c, "unknown verb \"%s\" (try skillbasectl --help)", argv[optind]);
    else if (c.statement_state && v->fn != ctl_verb_subsidy)
        status =
            usage_fail(&c, "--state: a statement state; %s takes another (try --help)", v->name);
    else if (c.job_state && v->fn != ctl_verb_jobs)
        status =
            usage_fail(&c, "--state: a job state; %s takes a record state (try --help)", v->name);
    else if (v->nargs >= 0 && argc - optind - 1 < v->nargs)
        status = usage_fail(&c, "missing argument: usage: skillbasectl %s", v->usage);
    else if (v->nargs >= 0 && argc - optind - 1 > v->nargs)
        status = usage_fail(&c, "unexpected argument \"%s\": usage: skillbasectl %s",
                            argv[optind + 1 + v->nargs], v->usage);
    else if (v->needs_reason && (!c.reason || !*c.reason))
        status = usage_fail(&c, "%s needs a reason: usage: skillbasectl %s", v->name, v->usage);
    else
        status = v->fn(&c, v, argv + optind + 1);
out:
    free(scan);
    ctl_output_discard(&c.out);
    sb_client_destroy(&c.client);
    return status;
}
