/* skillbase-subsidy: computes sub-bases' yearly subsidy statements.
 *
 * Takes "subsidy.statement" jobs (params: SubsidyJob {base_id, year}) from
 * skillbased through the worker runtime (sb_worker.h). For each it reads the
 * sub-base and its service records of the year from the command endpoint
 * (list_services), reads the rules file (again for every job, so a new file
 * applies at the next computation), computes the statement (subsidy_calc.h)
 * and finishes the job with the command record_statement, which the daemon
 * applies once. docs/subsidy.md is the operator's guide.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_paths.h"
#include "sb_clock.h"
#include "sb_error.h"
#include "sb_log.h"
#include "sb_protocol.h"
#include "sb_subsidy.h"
#include "sb_worker.h"
#include "skillbase_client.h"
#include "subsidy_calc.h"
#include "subsidy_rules.h"

#define PROGRAM "skillbase-subsidy"
#define PAGE 1000
#define CALL_TIMEOUT_MS 5000
/* A page whose input_version moved (records arrived while paging) makes
 * the worker start over, at most this many times. */
#define FETCH_TRIES 3

#ifndef SB_DEFAULT_SUBSIDY_RULES
#define SB_DEFAULT_SUBSIDY_RULES "data/subsidy/rules.example.json"
#endif

typedef struct {
    const char *rules_flag; /* --rules */
    char rules_file[4096];  /* [subsidy] rules of the config file */
    const char *rules;      /* what is used */
    const char *command_endpoint;
    bool check;
    sb_client *client; /* created on the handler thread at its first job */
} subsidy_app;

/* ------------------------------------------------------------ reading */

typedef struct {
    Skillbase__Base *base;
    Skillbase__ServiceRecord **recs;
    size_t n, cap;
    uint64_t input_version;
} job_input;

/* Deep copy of a message into the arena (pack, then unpack there). */
static void *arena_copy(sb_arena *a, const ProtobufCMessage *m)
{
    size_t len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = sb_arena_alloc(a, len ? len : 1);
    if (!buf)
        return NULL;
    protobuf_c_message_pack(m, buf);
    return protobuf_c_message_unpack(m->descriptor, &a->pb, len, buf);
}

static int keep_record(sb_arena *a, job_input *in, const Skillbase__ServiceRecord *r)
{
    if (in->n == in->cap) {
        size_t ncap = in->cap ? in->cap * 2 : 64;
        Skillbase__ServiceRecord **grown = sb_arena_alloc(a, ncap * sizeof *grown);
        if (!grown)
            return -1;
        if (in->n)
            memcpy(grown, in->recs, in->n * sizeof *grown);
        in->recs = grown;
        in->cap = ncap;
    }
    if (!(in->recs[in->n] = arena_copy(a, &r->base)))
        return -1;
    in->n++;
    return 0;
}

/* Read every record of (base, year) in one consistent view: all pages must
 * report the same input_version and hold that many records. */
static sb_job_outcome fetch(subsidy_app *app, const Skillbase__SubsidyJob *p, sb_arena *a,
                            job_input *ret, char *error, size_t error_len)
{
    if (!app->client) {
        /* CURVE for a tcp:// command endpoint: --server-key/--key-file or the
         * environment (docs/security.md) */
        sb_client_curve cv;
        char cerr[512];
        int cr = sb_client_curve_load(NULL, NULL, &cv, cerr, sizeof cerr);
        if (cr < 0)
            sb_log(SB_LOG_ERROR, "command endpoint: %s", cerr);
        sb_client_options o = {app->command_endpoint, CALL_TIMEOUT_MS, 2, cr > 0 ? &cv : NULL};
        if (sb_client_new(&o, &app->client) < 0) {
            snprintf(error, error_len, "cannot open a client for %s", app->command_endpoint);
            return SB_JOB_RETRY;
        }
    }
    for (int attempt = 0; attempt < FETCH_TRIES; attempt++) {
        job_input in = {0};
        char *after = (char *)"";
        bool moved = false;
        for (bool first = true;; first = false) {
            Skillbase__Request req = SKILLBASE__REQUEST__INIT;
            Skillbase__ListServices ls = SKILLBASE__LIST_SERVICES__INIT;
            Skillbase__Reply *reply = NULL;
            ls.base_id = p->base_id;
            ls.year = p->year;
            ls.after = after;
            ls.limit = PAGE;
            req.protocol = SB_PROTOCOL_VERSION;
            req.actor = (char *)PROGRAM;
            req.command_case = SKILLBASE__REQUEST__COMMAND_LIST_SERVICES;
            req.list_services = &ls;
            int rc = sb_client_call(app->client, &req, &reply);
            if (rc < 0) {
                snprintf(error, error_len, "list_services %s %u: %s from %s", p->base_id, p->year,
                         sb_error_name(rc), app->command_endpoint);
                return SB_JOB_RETRY;
            }
            if (reply->code != SKILLBASE__ERROR_CODE__OK ||
                reply->result_case != SKILLBASE__REPLY__RESULT_SERVICES ||
                !reply->services->sub_base) {
                bool for_good = reply->code == SKILLBASE__ERROR_CODE__NOT_FOUND ||
                                reply->code == SKILLBASE__ERROR_CODE__INVALID;
                snprintf(error, error_len, "list_services %s %u: %s: %s", p->base_id, p->year,
                         sb_error_name((int)reply->code),
                         reply->message && reply->message[0] ? reply->message : "no page");
                skillbase__reply__free_unpacked(reply, NULL);
                return for_good ? SB_JOB_FAIL : SB_JOB_RETRY;
            }
            const Skillbase__ServicePage *page = reply->services;
            int bad = 0;
            if (first) {
                in.input_version = page->input_version;
                bad = !(in.base = arena_copy(a, &page->sub_base->base));
            } else if (page->input_version != in.input_version) {
                moved = true;
            }
            for (size_t i = 0; i < page->n_services && !bad && !moved; i++)
                bad = keep_record(a, &in, page->services[i]);
            char *next = page->next && page->next[0] ? sb_arena_strdup(a, page->next) : NULL;
            bool more = page->next && page->next[0];
            skillbase__reply__free_unpacked(reply, NULL);
            if (bad || (more && !next)) {
                snprintf(error, error_len, "out of memory");
                return SB_JOB_RETRY;
            }
            if (moved || !more)
                break;
            after = next;
        }
        if (!moved && in.n == in.input_version) {
            *ret = in;
            return SB_JOB_DONE;
        }
    }
    snprintf(error, error_len, "the records of %s in %u kept changing while being read", p->base_id,
             p->year);
    return SB_JOB_RETRY;
}

/* ------------------------------------------------------------ the job */

static sb_job_outcome handle(const Skillbase__Job *job, Skillbase__JobResult *result, char *error,
                             size_t error_len, void *arg)
{
    subsidy_app *app = arg;
    sb_arena *a = sb_worker_arena();
    char why[1024];
    Skillbase__SubsidyJob *p =
        skillbase__subsidy_job__unpack(&a->pb, job->params.len, job->params.data);
    if (!p || !p->base_id || !p->base_id[0] || p->year < 1 || p->year > 9999) {
        snprintf(error, error_len, "job %s: params are not a SubsidyJob {base_id, year}", job->id);
        return SB_JOB_FAIL;
    }
    sb_subsidy_rules *rules = NULL;
    if (sb_subsidy_rules_load(app->rules, &rules, why, sizeof why)) {
        /* an operator can fix the file; the job is retried after a backoff */
        snprintf(error, error_len, "rules file: %s", why);
        return SB_JOB_RETRY;
    }
    job_input in = {0};
    sb_job_outcome out = fetch(app, p, a, &in, error, error_len);
    if (out != SB_JOB_DONE)
        goto done;
    Skillbase__SubsidyStatement *st;
    if (sb_subsidy_compute(rules, in.base, p->year, in.recs, in.n, in.input_version,
                           sb_clock_now_ms(), a, &st, why, sizeof why)) {
        snprintf(error, error_len, "%s %u: %s", p->base_id, p->year, why);
        out = SB_JOB_FAIL;
        goto done;
    }
    Skillbase__Request *req = sb_arena_alloc(a, sizeof *req);
    Skillbase__RecordStatement *rs = sb_arena_alloc(a, sizeof *rs);
    char total[SB_YUAN_STRLEN];
    if (!req || !rs) {
        snprintf(error, error_len, "out of memory");
        out = SB_JOB_RETRY;
        goto done;
    }
    skillbase__request__init(req);
    skillbase__record_statement__init(rs);
    rs->statement = st;
    req->protocol = SB_PROTOCOL_VERSION;
    req->command_case = SKILLBASE__REQUEST__COMMAND_RECORD_STATEMENT;
    req->record_statement = rs;
    result->command = req;
    result->summary = sb_arena_printf(
        a, "%s %u: %s yuan%s from %zu service(s), %zu excluded, rules %s%s", p->base_id, p->year,
        sb_subsidy_yuan(st->total_fen, total), st->capped ? " (capped)" : "", st->n_lines,
        st->n_exclusions, st->n_rule_versions ? st->rule_versions[0] : "(none)",
        st->example_rates ? " (EXAMPLE rates)" : "");
    sb_log(SB_LOG_INFO, "%s: %s", job->id, result->summary ? result->summary : "computed");
done:
    sb_subsidy_rules_free(&rules);
    return out;
}

/* ------------------------------------------------------------ start-up */

/* [subsidy] of the shared INI file; other sections are not ours. */
static int on_config(const char *section, const char *key, const char *value, void *arg, char *err,
                     size_t err_len)
{
    subsidy_app *app = arg;
    if (strcmp(section, "subsidy") != 0)
        return 0;
    if (strcmp(key, "rules") == 0 && strlen(value) < sizeof app->rules_file) {
        snprintf(app->rules_file, sizeof app->rules_file, "%s", value);
        return 0;
    }
    /* the daemon's: whether a statement at EXAMPLE rates may be approved */
    if (strcmp(key, "approve_with_example_rates") == 0)
        return 0;
    snprintf(err, err_len, "[subsidy] %s: %s", key,
             strcmp(key, "rules") == 0
                 ? "path too long"
                 : "unknown key (expected rules, approve_with_example_rates)");
    return -1;
}

/* Its own flags (sb_worker.h): --help and the parser come from these rows. */
static const sb_worker_flag FLAGS[] = {
    {"rules", "FILE", SB_WORKER_FLAG_TEXT, offsetof(subsidy_app, rules_flag), false, 0,
     "the subsidy rules (JSON; overrides [subsidy] rules;\n"
     "default the shipped EXAMPLE rules,\n" SB_PATH_SUBSIDY_RULES ")"},
    {"check", NULL, SB_WORKER_FLAG_SWITCH, offsetof(subsidy_app, check), false, 0,
     "check the rules file, list its versions and rates, exit\n"
     "(0: usable)"},
    {NULL, NULL, 0, 0, false, 0, NULL},
};

static void print_rules(const sb_subsidy_rules *r)
{
    char from[SB_DATE_STRLEN], yuan[SB_YUAN_STRLEN];
    for (size_t i = 0; i < r->n_versions; i++) {
        const sb_subsidy_version *v = &r->versions[i];
        printf("%s from %s, yearly cap %s yuan%s\n", v->name,
               sb_date_format(v->effective_from, from), sb_subsidy_yuan(v->cap_fen, yuan),
               v->cap_example ? " (EXAMPLE)" : "");
        for (size_t j = 0; j < v->n_rates; j++) {
            const sb_subsidy_rate *rt = &v->rates[j];
            static const char *const kinds[] = {"?", "training", "skill_assessment", "competition"};
            static const char *const units[] = {"?", "per person-time", "per hour",
                                                "per person-hour"};
            printf("  %-16s %-10s %10s yuan %s%s\n", kinds[rt->kind], rt->level,
                   sb_subsidy_yuan(rt->rate_fen, yuan), units[rt->unit],
                   rt->example ? " (EXAMPLE)" : "");
        }
    }
}

int main(int argc, char **argv)
{
    static subsidy_app app;
    sb_worker_cli cli;
    char err[1024];
    const sb_worker_cli_spec spec = {
        .program = PROGRAM,
        .summary = "Compute the yearly subsidy statements of skillbase sub-bases.",
        .flags = FLAGS,
        .flags_title = "subsidy options:",
        .on_config = on_config,
        .arg = &app,
    };
    sb_subsidy_rules *rules = NULL;
    int rc = 2;
    int parsed = sb_worker_cli_parse(&spec, argc, argv, &cli);
    if (parsed) {
        rc = parsed == 1 ? 0 : 2;
        goto out;
    }
    app.rules = app.rules_flag      ? app.rules_flag
                : app.rules_file[0] ? app.rules_file
                                    : SB_DEFAULT_SUBSIDY_RULES;
    app.command_endpoint = cli.command_endpoint;

    /* Check the rules now, so a broken file stops the start, not each job. */
    if (sb_subsidy_rules_load(app.rules, &rules, err, sizeof err)) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        goto out;
    }
    bool examples = sb_subsidy_rules_have_examples(rules);
    if (app.check) {
        print_rules(rules);
        rc = 0;
        goto out;
    }
    sb_log(examples ? SB_LOG_WARN : SB_LOG_INFO, "rules %s: %zu version(s)%s", app.rules,
           rules->n_versions,
           examples ? "; amounts marked EXAMPLE, not the bureau's (docs/subsidy.md)" : "");
    sb_subsidy_rules_free(&rules);

    static const char *const types[] = {SB_SUBSIDY_JOB_TYPE, NULL};
    rc = sb_worker_cli_run(&cli, (sb_worker_options){
                                     .types = types,
                                     .capacity = 1, /* the client is used on one thread */
                                     .handler = handle,
                                     .arg = &app,
                                 });
out:
    sb_subsidy_rules_free(&rules);
    sb_client_destroy(&app.client);
    return rc;
}
