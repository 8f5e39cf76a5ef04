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

enum {
    OPT_PASS = 256,
    OPT_FAIL,
    OPT_CAUSE,
    OPT_STATE,
    OPT_KIND,
    OPT_LIMIT,
    OPT_AFTER,
    OPT_FROM,
    OPT_VERSION,
    OPT_CALENDAR,
    OPT_FOLLOW,
    OPT_JSON_LINES,
    OPT_TO,
    OPT_TOPIC,
    OPT_EVENT_ENDPOINT,
    OPT_SOURCE,
    OPT_EVENT_ID,
    OPT_TYPE,
    OPT_ENTITY,
    OPT_OCCURRED_ON,
    OPT_BASE,
    OPT_YEAR,
    OPT_SERVER_KEY,
    OPT_KEY_FILE,
    OPT_KEYS,
    OPT_ROLE,
    OPT_PUBLIC_KEY,
    OPT_TYPES,
    OPT_ALL,
    OPT_ADVERSE_IMPACT,
    OPT_CORRECT,
    OPT_EXPERTS,
    OPT_VISITED_ON,
    OPT_REPORT,
    OPT_APPROVE,
    OPT_REFUSE,
    OPT_NAME,
    OPT_DECISION,
    OPT_ON,
    OPT_PLAQUE_NOT_RETURNED,
    OPT_ORIGINAL_SIGHTED,
    OPT_SUPERSEDES,
    OPT_MEDIA_TYPE,
    OPT_DATE,
    OPT_FORMAT,
    OPT_TEMPLATE,
    OPT_OBJECTION_FILE,
    OPT_DISTRICT,
    OPT_CSV,
    OPT_GRADE,
    OPT_CYCLE_YEAR,
    OPT_REFERENCE,
    OPT_DOCUMENT,
    OPT_PAID_ON,
    OPT_WAIVE,
    OPT_FUNDING,
    OPT_CYCLE
};

static const struct option long_options[] = {
    {"endpoint", required_argument, NULL, 'e'},
    {"json", no_argument, NULL, 'j'},
    {"as", required_argument, NULL, 'a'},
    {"idempotency-key", required_argument, NULL, 'k'},
    {"expect-version", required_argument, NULL, 'V'},
    {"timeout", required_argument, NULL, 't'},
    {"reason", required_argument, NULL, 'r'},
    {"file", required_argument, NULL, 'f'},
    {"pass", no_argument, NULL, OPT_PASS},
    {"fail", no_argument, NULL, OPT_FAIL},
    {"cause", required_argument, NULL, OPT_CAUSE},
    {"state", required_argument, NULL, OPT_STATE},
    {"kind", required_argument, NULL, OPT_KIND},
    {"original-sighted", no_argument, NULL, OPT_ORIGINAL_SIGHTED},
    {"supersedes", required_argument, NULL, OPT_SUPERSEDES},
    {"media-type", required_argument, NULL, OPT_MEDIA_TYPE},
    {"date", required_argument, NULL, OPT_DATE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"template", required_argument, NULL, OPT_TEMPLATE},
    {"objection-file", required_argument, NULL, OPT_OBJECTION_FILE},
    {"district", required_argument, NULL, OPT_DISTRICT},
    {"csv", required_argument, NULL, OPT_CSV},
    {"grade", required_argument, NULL, OPT_GRADE},
    {"cycle-year", required_argument, NULL, OPT_CYCLE_YEAR},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"after", required_argument, NULL, OPT_AFTER},
    {"from", required_argument, NULL, OPT_FROM},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"calendar", required_argument, NULL, OPT_CALENDAR},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"json-lines", no_argument, NULL, OPT_JSON_LINES},
    {"to", required_argument, NULL, OPT_TO},
    {"topic", required_argument, NULL, OPT_TOPIC},
    {"event-endpoint", required_argument, NULL, OPT_EVENT_ENDPOINT},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"id", required_argument, NULL, OPT_EVENT_ID},
    {"type", required_argument, NULL, OPT_TYPE},
    {"entity", required_argument, NULL, OPT_ENTITY},
    {"occurred-on", required_argument, NULL, OPT_OCCURRED_ON},
    {"base", required_argument, NULL, OPT_BASE},
    {"year", required_argument, NULL, OPT_YEAR},
    {"server-key", required_argument, NULL, OPT_SERVER_KEY},
    {"key-file", required_argument, NULL, OPT_KEY_FILE},
    {"keys", required_argument, NULL, OPT_KEYS},
    {"role", required_argument, NULL, OPT_ROLE},
    {"public-key", required_argument, NULL, OPT_PUBLIC_KEY},
    {"types", required_argument, NULL, OPT_TYPES},
    {"all", no_argument, NULL, OPT_ALL},
    {"adverse-impact", no_argument, NULL, OPT_ADVERSE_IMPACT},
    {"correct", no_argument, NULL, OPT_CORRECT},
    {"experts", required_argument, NULL, OPT_EXPERTS},
    {"visited-on", required_argument, NULL, OPT_VISITED_ON},
    {"report", required_argument, NULL, OPT_REPORT},
    {"reference", required_argument, NULL, OPT_REFERENCE},
    {"document", required_argument, NULL, OPT_DOCUMENT},
    {"paid-on", required_argument, NULL, OPT_PAID_ON},
    {"approve", required_argument, NULL, OPT_APPROVE},
    {"refuse", required_argument, NULL, OPT_REFUSE},
    {"name", required_argument, NULL, OPT_NAME},
    {"decision", required_argument, NULL, OPT_DECISION},
    {"on", required_argument, NULL, OPT_ON},
    {"plaque-not-returned", no_argument, NULL, OPT_PLAQUE_NOT_RETURNED},
    {"waive", required_argument, NULL, OPT_WAIVE},
    {"funding", required_argument, NULL, OPT_FUNDING},
    {"cycle", required_argument, NULL, OPT_CYCLE},
    {NULL, 0, NULL, 0},
};

static void print_help(void)
{
    printf("usage: skillbasectl [OPTIONS] VERB [ARGS]\n\nverbs:\n");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        printf("  %s\n", verbs[i].usage);
    printf(
        "\noptions (before or after the verb):\n"
        "  -e, --endpoint EP          daemon endpoint (default: %s)\n"
        "  -j, --json                 machine-readable output\n"
        "  -a, --as ACTOR             actor for the audit trail\n"
        "  -k, --idempotency-key K    idempotency key of a write\n"
        "  -V, --expect-version N     refuse the write unless the record is at version N\n"
        "  -t, --timeout MS           wait per try (default %d; %d tries)\n"
        "  -r, --reason TEXT          reason recorded with a transition\n"
        "  -f, --file FILE            JSON input for assess (- reads stdin)\n"
        "      --pass, --fail         outcome of evaluate\n"
        "      --cause CAUSE          revoke cause\n"
        "      --state S, --kind K, --limit N, --after ID   list filters and paging\n"
        "      --from SEQ             events: first sequence number\n"
        "      --to SEQ               events: last sequence number\n"
        "      --topic PREFIX         events: only topics starting with PREFIX\n"
        "      --follow               events: keep following the stream live\n"
        "      --json-lines           events: one JSON object per line (as --follow --json)\n"
        "      --event-endpoint EP    events --follow: the daemon's event stream\n"
        "                             (default $SKILLBASE_EVENT_ENDPOINT, else ask the daemon)\n"
        "      --source S, --id ID, --type T, --entity X, --occurred-on DATE   ingest\n"
        "      --correct              assess: replace this cycle's result (needs -r REASON)\n"
        "      --experts \"A,B,C\"      evaluate, assess: the experts (at least [review]\n"
        "                             min_experts), --visited-on DATE the site visit,\n"
        "                             --report REF the report (optional)\n"
        "      --adverse-impact       ingest complaint.verified: it caused adverse social\n"
        "                             impact (五(三)3; without it: a warning, no revocation)\n"
        "      --calendar FILE        calendar: the holiday calendar (default %s)\n"
        "      --year Y, --base ID    subsidy: the year and (optionally) the sub-base\n"
        "      --reference REF, --document SHA256|FILE, --paid-on DATE   subsidy pay\n"
        "      --server-key KEY|FILE  tcp://: the daemon's public key (or $SKILLBASE_SERVER_KEY)\n"
        "      --key-file FILE        tcp://: this client's key pair (or $SKILLBASE_KEY_FILE)\n"
        "      --keys FILE            keys: the daemon's keys file (or $SKILLBASE_KEYS)\n"
        "      --role R, --public-key KEY|FILE, --types \"T1 T2\"   keys add\n"
        "      --all                  proposals: decided ones too\n"
        "      --kind KIND, --original-sighted, --supersedes N, --media-type T   documents add\n"
        "      --date D, --format F, --template FILE, --objection-file FILE   publicity-list\n"
        "      --district D, --grade G, --cycle-year Y, --format F   roster, results, stats\n"
        "      --plaque-not-returned  roster: exited or revoked sub-bases whose plaque is\n"
        "                             not yet recorded returned\n"
        "      --approve N, --refuse N   amend: the bureau's decision on proposed project N\n"
        "      --name X, --decision REF  rename: the new 名称或区域 part, the decision;\n"
        "                             close-publicity: the name granted (default: the\n"
        "                             application's base_name)\n"
        "      --on DATE              plaque-returned: the day the plaque came back\n"
        "      --waive CONDITION      apply: waive a condition of 二(二) (repeatable), each\n"
        "                             with the -r REASON after it (`rules` lists them)\n"
        "      --district D           keys add: scope the key to a district (六(五))\n"
        "      --csv FILE             import-base: many sub-bases, one a row (docs/cli.md)\n"
        "      --funding own|government, --all, --cycle N, --on DATE, --kind K   equipment,\n"
        "                             activity, recommend, recommendations\n"
        "  -h, --help, --version\n\nSee docs/cli.md.\n",
        sb_client_default_endpoint(), DEFAULT_TIMEOUT_MS, TRIES, sb_calendar_default_path());
}

/* Options as data: where each value goes in ctl and what it may be. */
typedef enum { TAKE_TEXT, TAKE_NUMBER, TAKE_ENUM } take_kind;

static const struct option_rule {
    int opt;
    take_kind kind;
    size_t off;
    uint64_t min, max;                /* TAKE_NUMBER */
    const ProtobufCEnumDescriptor *e; /* TAKE_ENUM */
    int skip;                         /* TAKE_ENUM: a value only the daemon sets */
} option_rules[] = {
    {'e', TAKE_TEXT, offsetof(ctl, endpoint)},
    {'a', TAKE_TEXT, offsetof(ctl, actor)},
    {'k', TAKE_TEXT, offsetof(ctl, key)},
    {'r', TAKE_TEXT, offsetof(ctl, reason)},
    {'f', TAKE_TEXT, offsetof(ctl, file)},
    {OPT_AFTER, TAKE_TEXT, offsetof(ctl, after)},
    {OPT_BASE, TAKE_TEXT, offsetof(ctl, base)},
    {OPT_SERVER_KEY, TAKE_TEXT, offsetof(ctl, server_key)},
    {OPT_KEY_FILE, TAKE_TEXT, offsetof(ctl, key_file)},
    {OPT_KEYS, TAKE_TEXT, offsetof(ctl, keys_file)},
    {OPT_ROLE, TAKE_TEXT, offsetof(ctl, role)},
    {OPT_PUBLIC_KEY, TAKE_TEXT, offsetof(ctl, public_key)},
    {OPT_TYPES, TAKE_TEXT, offsetof(ctl, types)},
    {OPT_MEDIA_TYPE, TAKE_TEXT, offsetof(ctl, media_type)},
    {OPT_DATE, TAKE_TEXT, offsetof(ctl, date)},
    {OPT_FORMAT, TAKE_TEXT, offsetof(ctl, format)},
    {OPT_TEMPLATE, TAKE_TEXT, offsetof(ctl, template_file)},
    {OPT_OBJECTION_FILE, TAKE_TEXT, offsetof(ctl, objection_file)},
    {OPT_DISTRICT, TAKE_TEXT, offsetof(ctl, district)},
    {OPT_CSV, TAKE_TEXT, offsetof(ctl, csv)},
    {OPT_GRADE, TAKE_TEXT, offsetof(ctl, grade_name)},
    {OPT_CYCLE_YEAR, TAKE_NUMBER, offsetof(ctl, year), 1, 9999},
    {OPT_SUPERSEDES, TAKE_NUMBER, offsetof(ctl, supersedes), 1, UINT32_MAX},
    {OPT_YEAR, TAKE_NUMBER, offsetof(ctl, year), 1, 9999},
    {OPT_CALENDAR, TAKE_TEXT, offsetof(ctl, calendar)},
    {OPT_TOPIC, TAKE_TEXT, offsetof(ctl, topic)},
    {OPT_EVENT_ENDPOINT, TAKE_TEXT, offsetof(ctl, event_endpoint)},
    {OPT_SOURCE, TAKE_TEXT, offsetof(ctl, source)},
    {OPT_EVENT_ID, TAKE_TEXT, offsetof(ctl, event_id)},
    {OPT_TYPE, TAKE_TEXT, offsetof(ctl, type)},
    {OPT_ENTITY, TAKE_TEXT, offsetof(ctl, entity)},
    {OPT_OCCURRED_ON, TAKE_TEXT, offsetof(ctl, occurred_on)},
    {OPT_EXPERTS, TAKE_TEXT, offsetof(ctl, experts)},
    {OPT_VISITED_ON, TAKE_TEXT, offsetof(ctl, visited_on)},
    {OPT_REPORT, TAKE_TEXT, offsetof(ctl, report)},
    {OPT_REFERENCE, TAKE_TEXT, offsetof(ctl, pay_reference)},
    {OPT_DOCUMENT, TAKE_TEXT, offsetof(ctl, pay_document)},
    {OPT_PAID_ON, TAKE_TEXT, offsetof(ctl, paid_on)},
    {OPT_APPROVE, TAKE_NUMBER, offsetof(ctl, approve), 1, UINT32_MAX},
    {OPT_REFUSE, TAKE_NUMBER, offsetof(ctl, refuse), 1, UINT32_MAX},
    {OPT_NAME, TAKE_TEXT, offsetof(ctl, new_name)},
    {OPT_DECISION, TAKE_TEXT, offsetof(ctl, decision)},
    {OPT_ON, TAKE_TEXT, offsetof(ctl, on)},
    {OPT_TO, TAKE_NUMBER, offsetof(ctl, to_seq), 1, UINT64_MAX},
    {'V', TAKE_NUMBER, offsetof(ctl, expect_version), 1, UINT64_MAX},
    {OPT_FROM, TAKE_NUMBER, offsetof(ctl, from_seq), 0, UINT64_MAX},
    {'t', TAKE_NUMBER, offsetof(ctl, timeout_ms), 1, 3600000},
    {OPT_LIMIT, TAKE_NUMBER, offsetof(ctl, limit), 1, MAX_PAGE},
    {OPT_CAUSE, TAKE_ENUM, offsetof(ctl, cause), 0, 0, &skillbase__cause__descriptor,
     SKILLBASE__CAUSE__ASSESSMENT_FAILED},
    {OPT_STATE, TAKE_ENUM, offsetof(ctl, state), 0, 0, &skillbase__state__descriptor, 0},
    {OPT_KIND, TAKE_ENUM, offsetof(ctl, kind), 0, 0, &skillbase__kind__descriptor, 0},
    {OPT_FUNDING, TAKE_ENUM, offsetof(ctl, funding), 0, 0, &skillbase__funding__descriptor, 0},
    {OPT_CYCLE, TAKE_NUMBER, offsetof(ctl, cycle), 1, 500},
};

static const char *long_name(int opt)
{
    for (const struct option *lo = long_options; lo->name; lo++)
        if (lo->val == opt)
            return lo->name;
    return "?";
}

/* Apply one option. Returns 0, or -1 to stop with exit status *status. */
static int take_option(ctl *c, int opt, const char *arg, int *status)
{
    char choices[256];
    uint64_t n;
    int v;

    for (size_t i = 0; i < sizeof option_rules / sizeof option_rules[0]; i++) {
        const struct option_rule *r = &option_rules[i];
        char *field = (char *)c + r->off;

        if (r->opt != opt)
            continue;
        if (opt == OPT_KIND)
            c->doc_kind = arg; /* documents add --kind (ctl_documents.c) */
        if (r->kind == TAKE_TEXT) {
            *(const char **)field = arg;
        } else if (r->kind == TAKE_NUMBER) {
            if (sb_parse_u64(arg, r->min, r->max, &n) < 0) {
                char range[64];
                if (r->max == UINT64_MAX)
                    snprintf(range, sizeof range, "a whole number from %" PRIu64, r->min);
                else
                    snprintf(range, sizeof range, "%" PRIu64 " to %" PRIu64, r->min, r->max);
                *status =
                    usage_fail(c, "bad value \"%s\" for --%s (%s)", arg, long_name(opt), range);
                return -1;
            }
            *(uint64_t *)field = n;
        } else if (pbjson_enum_parse(r->e, arg, &v) == 0 && v != 0 && v != r->skip) {
            *(int *)field = v;
        } else if (opt == OPT_KIND) {
            c->kind = -1; /* no record kind: documents add takes it, list refuses it */
        } else if (opt == OPT_STATE &&
                   pbjson_enum_parse(&skillbase__job_state__descriptor, arg, &v) == 0 && v != 0) {
            c->job_state = v; /* jobs --state (ctl_jobs.c) */
        } else if (opt == OPT_STATE && ctl_statement_state_parse(arg, &v) == 0) {
            c->statement_state = v; /* subsidy list --state (ctl_subsidy.c) */
        } else {
            ctl_enum_choices(r->e, r->skip, choices, sizeof choices);
            *status =
                usage_fail(c, "unknown %s \"%s\" (expected %s)", long_name(opt), arg, choices);
            return -1;
        }
        return 0;
    }
    switch (opt) {
    case OPT_WAIVE:
        /* --waive CONDITION, repeatable; each takes the next -r REASON */
        if (c->n_waive == CTL_WAIVE_MAX) {
            *status = usage_fail(c, "--waive: at most %d conditions", CTL_WAIVE_MAX);
            return -1;
        }
        c->waive[c->n_waive++] = arg;
        break;
    case OPT_PASS:
        c->outcome = c->outcome < 0 ? 2 : c->outcome == 0 ? 1 : c->outcome;
        break;
    case OPT_FAIL:
        c->outcome = c->outcome > 0 ? 2 : -1;
        break;
    case 'h':
        print_help();
        *status = EXIT_DONE;
        return -1;
    case OPT_FOLLOW:
        c->follow = true;
        break;
    case OPT_ALL:
        c->all = true;
        break;
    case OPT_ADVERSE_IMPACT:
        c->adverse_impact = true;
        break;
    case OPT_CORRECT:
        c->correct = true;
        break;
    case OPT_ORIGINAL_SIGHTED:
        c->original_sighted = true;
        break;
    case OPT_JSON_LINES:
        c->json_lines = true;
        break;
    case OPT_PLAQUE_NOT_RETURNED:
        c->plaque_not_returned = true;
        break;
    case OPT_VERSION:
        printf("skillbasectl %s\n", SB_VERSION);
        *status = EXIT_DONE;
        return -1;
    }
    return 0; /* -j: taken in main's first pass */
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
    static const char short_opts[] = ":e:ja:k:V:t:r:f:h";
    ctl c = {.timeout_ms = DEFAULT_TIMEOUT_MS};
    const verb *v = NULL;
    int opt, status = EXIT_DONE;

    /* A first pass only looks for --json, so that every failure found while
     * parsing is printed in the right form. It runs on a copy of argv:
     * getopt permutes what it scans, and a permuted argv would let a
     * trailing "-r" take the verb as its value on the second pass. */
    char **scan = malloc(((size_t)argc + 1) * sizeof *scan);
    if (!scan)
        return EXIT_REFUSED;
    memcpy(scan, argv, ((size_t)argc + 1) * sizeof *scan);
    opterr = 0;
    while ((opt = getopt_long(argc, scan, short_opts, long_options, NULL)) != -1)
        if (opt == 'j' || opt == OPT_JSON_LINES)
            c.out.json = true;
    free(scan);
    ctl_output_init(&c.out, c.out.json);
    optind = 0; /* glibc: full reinitialisation */
    while ((opt = getopt_long(argc, argv, short_opts, long_options, NULL)) != -1) {
        if (opt == '?') {
            if (optopt)
                return usage_fail(&c, "unknown option -%c (try skillbasectl --help)", optopt);
            return usage_fail(&c, "unknown option %s (try skillbasectl --help)", argv[optind - 1]);
        }
        if (opt == ':')
            return usage_fail(&c, "option %s needs a value", argv[optind - 1]);
        if (take_option(&c, opt, optarg, &status) < 0)
            return status;
        /* a reason after --waive is that waiver's (and of any before it
         * still without one) */
        for (size_t i = 0; opt == 'r' && i < c.n_waive; i++)
            if (!c.waive_reason[i])
                c.waive_reason[i] = optarg;
    }
    for (size_t i = 0; i < c.n_waive; i++)
        if (!c.waive_reason[i])
            return usage_fail(&c, "--waive %s needs a reason: -r REASON after it", c.waive[i]);
    if (!c.endpoint)
        c.endpoint = sb_client_default_endpoint();
    c.actor_given = c.actor && *c.actor;
    if (!c.actor || !*c.actor)
        c.actor = default_actor();

    if (optind >= argc)
        return usage_fail(&c, "no verb given (try skillbasectl --help)");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(verbs[i].name, argv[optind]) == 0)
            v = &verbs[i];
    if (!v)
        return usage_fail(&c, "unknown verb \"%s\" (try skillbasectl --help)", argv[optind]);
    if (c.statement_state && v->fn != ctl_verb_subsidy)
        return usage_fail(&c, "--state: a statement state; %s takes another (try --help)", v->name);
    if (c.job_state && v->fn != ctl_verb_jobs)
        return usage_fail(&c, "--state: a job state; %s takes a record state (try --help)",
                          v->name);
    if (v->nargs >= 0 && argc - optind - 1 < v->nargs)
        return usage_fail(&c, "missing argument: usage: skillbasectl %s", v->usage);
    if (v->nargs >= 0 && argc - optind - 1 > v->nargs)
        return usage_fail(&c, "unexpected argument \"%s\": usage: skillbasectl %s",
                          argv[optind + 1 + v->nargs], v->usage);
    if (v->needs_reason && (!c.reason || !*c.reason))
        return usage_fail(&c, "%s needs a reason: usage: skillbasectl %s", v->name, v->usage);

    status = v->fn(&c, v, argv + optind + 1);
    ctl_output_discard(&c.out);
    sb_client_destroy(&c.client);
    return status;
}
