/* ctl_subsidy: `skillbasectl record-service` and `skillbasectl subsidy
 * report|compute|services|list|approve|refuse|pay` — service records,
 * subsidy statements and the bureau's decisions on them
 * (docs/subsidy.md, docs/cli.md). Money arrives in fen and is printed in
 * yuan with two decimals by integer arithmetic (sb_subsidy_yuan). */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "pbjson.h"
#include "sb_date.h"
#include "sb_subsidy.h"

/* A SHA-256 as lower-case hex. */
#define SHA256_HEX_LEN (crypto_hash_sha256_BYTES * 2)

static const char *enum_name(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t len)
{
    const char *n = pbjson_enum_name(d, v, buf, len);
    return n ? n : "?";
}

static int set_yuan(json_t *obj, const char *key, uint64_t fen)
{
    char buf[SB_YUAN_STRLEN];
    return json_object_set_new(obj, key, json_string(sb_subsidy_yuan(fen, buf)));
}

/* ------------------------------------------------------------ record-service */

static void print_service_line(const Skillbase__ServiceRecord *s)
{
    char kind[32], hours[16];
    printf("%s  %s  %-16s %s %s  %u person-times  %s h  %s (%s)", s->id, s->date,
           enum_name(&skillbase__service_kind__descriptor, s->kind, kind, sizeof kind),
           s->occupation, s->level && s->level[0] ? s->level : "-", s->trainees,
           sb_subsidy_hours(s->hours_tenths, hours), s->client_name, s->client_credit_code);
    if (s->external_id && s->external_id[0])
        printf("  [%s %s]", s->source, s->external_id);
    putchar('\n');
}

int ctl_verb_record_service(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__RecordService rs = SKILLBASE__RECORD_SERVICE__INIT;
    Skillbase__Reply *reply;
    ProtobufCMessage *msg;
    (void)v, (void)args;
    if (!c->file)
        return usage_fail(c, "record-service needs -f SERVICE.json (a ServiceRecord)");
    int r = ctl_read_json(c, c->file, &skillbase__service_record__descriptor, &msg);
    if (r)
        return r;
    Skillbase__ServiceRecord *rec = (Skillbase__ServiceRecord *)msg;
    char *file_base = rec->base_id; /* restored before the free: --base is argv's */
    if (c->base)
        rec->base_id = (char *)c->base;
    rs.service = rec;
    req.command_case = SKILLBASE__REQUEST__COMMAND_RECORD_SERVICE;
    req.record_service = &rs;
    r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_SERVICE, &reply);
    rec->base_id = file_base;
    protobuf_c_message_free_unpacked(msg, NULL);
    if (r)
        return r;
    const Skillbase__ServiceRecord *s = reply->service;
    if (c->out.json) {
        if (ctl_print_json(pbjson_from_message(&s->base))) {
            skillbase__reply__free_unpacked(reply, NULL);
            return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        }
    } else {
        printf("%s: recorded for %s\n", s->id, s->base_id);
        print_service_line(s);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return EXIT_DONE;
}

/* ------------------------------------------------------------ report */

/* A statement as --json prints it: the proto's fields, the money fields
 * always present, and each amount in yuan beside its fen. */
static json_t *statement_json(const Skillbase__SubsidyStatement *st)
{
    json_t *j = pbjson_from_message(&st->base);
    if (!j)
        return NULL;
    int bad = json_object_set_new(j, "gross_fen", json_integer((json_int_t)st->gross_fen)) ||
              json_object_set_new(j, "cap_fen", json_integer((json_int_t)st->cap_fen)) ||
              json_object_set_new(j, "total_fen", json_integer((json_int_t)st->total_fen)) ||
              json_object_set_new(j, "capped", json_boolean(st->capped)) ||
              json_object_set_new(j, "example_rates", json_boolean(st->example_rates)) ||
              set_yuan(j, "gross_yuan", st->gross_fen) || set_yuan(j, "cap_yuan", st->cap_fen) ||
              set_yuan(j, "total_yuan", st->total_fen);
    json_t *lines = json_object_get(j, "lines");
    if (!lines && !bad)
        bad = json_object_set_new(j, "lines", lines = json_array());
    if (!json_object_get(j, "exclusions") && !bad)
        bad = json_object_set_new(j, "exclusions", json_array());
    for (size_t i = 0; i < st->n_lines && !bad; i++) {
        json_t *l = json_array_get(lines, i);
        bad = !l || set_yuan(l, "rate_yuan", st->lines[i]->rate_fen) ||
              set_yuan(l, "amount_yuan", st->lines[i]->amount_fen) ||
              json_object_set_new(l, "amount_fen",
                                  json_integer((json_int_t)st->lines[i]->amount_fen));
    }
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static void format_ms(uint64_t ms, char *buf, size_t len)
{
    /* Hangzhou time, UTC+8 */
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char *state_word(int s)
{
    switch (s) {
    case SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED:
        return "approved";
    case SKILLBASE__STATEMENT_STATE__STATEMENT_PAID:
        return "paid";
    case SKILLBASE__STATEMENT_STATE__STATEMENT_REFUSED:
        return "refused";
    default:
        return "computed";
    }
}

int ctl_statement_state_parse(const char *name, int *ret)
{
    char full[64];
    int v;
    snprintf(full, sizeof full, "statement_%s", name);
    if ((pbjson_enum_parse(&skillbase__statement_state__descriptor, name, &v) == 0 ||
         pbjson_enum_parse(&skillbase__statement_state__descriptor, full, &v) == 0) &&
        v > 0) {
        *ret = v;
        return 0;
    }
    return -1;
}

static void print_decision(const char *what, const Skillbase__StatementDecision *d)
{
    char when[32];
    if (!d)
        return;
    format_ms(d->ms, when, sizeof when);
    printf("  %s by %s at %s", what, ctl_text(d->by), when);
    if (d->proposal_id && d->proposal_id[0])
        printf(" (four eyes: %s proposed by %s)", ctl_text(d->proposal_id),
               ctl_text(d->proposed_by));
    if (d->reason && d->reason[0])
        printf(": %s", ctl_text(d->reason));
    putchar('\n');
}

/* The statement's state and its decisions. */
static void print_state(const Skillbase__SubsidyStatement *st)
{
    char when[32];
    printf("  state: %s (version %" PRIu64 ")\n", state_word(st->state), st->version);
    print_decision("approved", st->approved);
    if (st->paid) {
        format_ms(st->paid->ms, when, sizeof when);
        printf("  paid on %s, reference %s, voucher %s (recorded by %s at %s)%s%s\n",
               ctl_text(st->paid->paid_on), ctl_text(st->paid->reference),
               ctl_text(st->paid->document_sha256), ctl_text(st->paid->by), when,
               st->paid->reason && st->paid->reason[0] ? ": " : "",
               st->paid->reason ? ctl_text(st->paid->reason) : "");
    }
    print_decision("refused", st->refused);
}

static void print_statement(const Skillbase__SubsidyStatement *st)
{
    char a[SB_YUAN_STRLEN], b[SB_YUAN_STRLEN], cbuf[SB_YUAN_STRLEN], name[32], hours[16], when[32];
    printf("%s  %s  %s  %u\n", st->id && st->id[0] ? st->id : "-", st->base_id, st->base_name,
           st->year);
    print_state(st);
    printf("  rules:");
    for (size_t i = 0; i < st->n_rule_versions; i++)
        printf("%s %s", i ? "," : "", st->rule_versions[i]);
    printf("%s; yearly cap: %s\n", st->n_rule_versions ? "" : " (none used)",
           st->cap_rule_version && st->cap_rule_version[0] ? st->cap_rule_version : "(none)");
    if (st->example_rates)
        printf("  ** EXAMPLE amounts (marked so in the rules file), not the bureau's "
               "(docs/subsidy.md) **\n");
    printf("  counted (%zu):\n", st->n_lines);
    for (size_t i = 0; i < st->n_lines; i++) {
        const Skillbase__SubsidyLine *l = st->lines[i];
        char formula[96];
        sb_subsidy_hours(l->hours_tenths, hours);
        sb_subsidy_yuan(l->rate_fen, a);
        if (l->unit == SKILLBASE__RATE_UNIT__PER_PERSON_TIME)
            snprintf(formula, sizeof formula, "%u person-times x %s", l->trainees, a);
        else if (l->unit == SKILLBASE__RATE_UNIT__PER_HOUR)
            snprintf(formula, sizeof formula, "%s h x %s", hours, a);
        else
            snprintf(formula, sizeof formula, "%u x %s h x %s", l->trainees, hours, a);
        printf("    %s  %s  %-16s %s %s  %s = %s yuan  [%s%s]\n", l->service_id, l->date,
               enum_name(&skillbase__service_kind__descriptor, l->kind, name, sizeof name),
               l->occupation, l->level && l->level[0] ? l->level : "-", formula,
               sb_subsidy_yuan(l->amount_fen, b), l->rule_version,
               l->example_rate ? ", EXAMPLE rate" : "");
    }
    printf("  excluded (%zu):\n", st->n_exclusions);
    for (size_t i = 0; i < st->n_exclusions; i++) {
        const Skillbase__SubsidyExclusion *x = st->exclusions[i];
        printf("    %s  %s  %s: %s\n", x->service_id, x->date,
               enum_name(&skillbase__exclusion_reason__descriptor, x->reason, name, sizeof name),
               x->detail);
    }
    format_ms(st->computed_ms, when, sizeof when);
    printf("  gross %s yuan, cap %s yuan, total %s yuan%s (computed %s from %" PRIu64
           " record(s))\n",
           sb_subsidy_yuan(st->gross_fen, a), sb_subsidy_yuan(st->cap_fen, b),
           sb_subsidy_yuan(st->total_fen, cbuf), st->capped ? " (capped)" : "", when,
           st->input_version);
}

static int subsidy_report(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SubsidyReport q = SKILLBASE__SUBSIDY_REPORT__INIT;
    json_t *doc = NULL, *list = NULL, *pending = NULL;
    char *after = strdup("");
    size_t shown = 0;
    int r = 0;
    q.year = (uint32_t)c->year;
    q.base_id = (char *)(c->base ? c->base : "");
    req.command_case = SKILLBASE__REQUEST__COMMAND_SUBSIDY_REPORT;
    req.subsidy_report = &q;
    if (c->out.json) {
        doc = json_pack("{s:I, s:[], s:[]}", "year", (json_int_t)c->year, "statements", "pending");
        if (!doc) {
            free(after);
            return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        }
        list = json_object_get(doc, "statements");
        pending = json_object_get(doc, "pending");
    }
    while (after) {
        Skillbase__Reply *reply;
        q.after = after;
        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_STATEMENTS, &reply);
        if (r)
            goto out;
        const Skillbase__StatementPage *page = reply->statements;
        for (size_t i = 0; i < page->n_statements; i++) {
            if (doc) {
                json_t *s = statement_json(page->statements[i]);
                if (!s || json_array_append_new(list, s))
                    r = -1;
            } else {
                if (shown++)
                    putchar('\n');
                print_statement(page->statements[i]);
            }
        }
        for (size_t i = 0; i < page->n_pending; i++) {
            if (doc && json_array_append_new(pending, json_string(page->pending[i])))
                r = -1;
            else if (!doc)
                printf("%spending: %s has service records in %u newer than its statement; "
                       "skillbase-subsidy has not computed it yet\n",
                       shown++ ? "\n" : "", page->pending[i], page->year);
        }
        for (size_t i = 0; i < page->n_decided_before_records; i++) {
            if (doc) {
                json_t *d = json_object_get(doc, "decided_before_records");
                if (!d && json_object_set_new(doc, "decided_before_records", d = json_array()))
                    r = -1;
                if (!r && json_array_append_new(d, json_string(page->decided_before_records[i])))
                    r = -1;
            } else {
                printf("%s%s has service records in %u after its statement was decided; they are "
                       "in no statement\n",
                       shown++ ? "\n" : "", page->decided_before_records[i], page->year);
            }
        }
        char *next =
            page->next && *page->next && strcmp(page->next, after) != 0 ? strdup(page->next) : NULL;
        skillbase__reply__free_unpacked(reply, NULL);
        free(after);
        after = next;
        if (r) {
            r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
            goto out;
        }
    }
    if (doc)
        ctl_print_json(json_incref(doc));
    else if (!shown)
        printf("no statement for %" PRIu64 "%s%s\n", c->year, c->base ? " of " : "",
               c->base ? c->base : "");
out:
    free(after);
    json_decref(doc);
    return r;
}

/* ------------------------------------------------------------ compute */

static int subsidy_compute(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SubsidyCompute q = SKILLBASE__SUBSIDY_COMPUTE__INIT;
    Skillbase__Reply *reply;
    q.year = (uint32_t)c->year;
    q.base_id = (char *)(c->base ? c->base : "");
    req.command_case = SKILLBASE__REQUEST__COMMAND_SUBSIDY_COMPUTE;
    req.subsidy_compute = &q;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_QUEUED, &reply);
    if (r)
        return r;
    const Skillbase__ComputeQueued *qd = reply->queued;
    if (c->out.json) {
        json_t *doc = json_pack("{s:I, s:[]}", "year", (json_int_t)qd->year, "base_ids");
        for (size_t i = 0; doc && i < qd->n_base_ids; i++)
            json_array_append_new(json_object_get(doc, "base_ids"), json_string(qd->base_ids[i]));
        ctl_print_json(doc);
    } else if (!qd->n_base_ids) {
        printf("nothing to compute: no sub-base has service records in %u\n", qd->year);
    } else {
        printf("statement jobs queued for %u:", qd->year);
        for (size_t i = 0; i < qd->n_base_ids; i++)
            printf(" %s", qd->base_ids[i]);
        putchar('\n');
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return EXIT_DONE;
}

/* ------------------------------------------------------------ services */

static int subsidy_services(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ListServices q = SKILLBASE__LIST_SERVICES__INIT;
    json_t *doc = c->out.json ? json_array() : NULL;
    char *after = strdup("");
    int r = 0;
    if (!c->base) {
        free(after);
        json_decref(doc);
        return usage_fail(c, "subsidy services needs --base ID and --year Y");
    }
    q.base_id = (char *)c->base;
    q.year = (uint32_t)c->year;
    q.limit = (uint32_t)c->limit;
    req.command_case = SKILLBASE__REQUEST__COMMAND_LIST_SERVICES;
    req.list_services = &q;
    while (after) {
        Skillbase__Reply *reply;
        q.after = after;
        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_SERVICES, &reply);
        if (r)
            goto out;
        const Skillbase__ServicePage *page = reply->services;
        for (size_t i = 0; i < page->n_services; i++) {
            if (doc)
                json_array_append_new(doc, pbjson_from_message(&page->services[i]->base));
            else
                print_service_line(page->services[i]);
        }
        char *next = !c->limit && page->next && *page->next && strcmp(page->next, after) != 0
                         ? strdup(page->next)
                         : NULL;
        skillbase__reply__free_unpacked(reply, NULL);
        free(after);
        after = next;
    }
    if (doc)
        ctl_print_json(json_incref(doc));
out:
    free(after);
    json_decref(doc);
    return r;
}

/* ------------------------------------------------------------ list */

static int subsidy_list(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SubsidyList q = SKILLBASE__SUBSIDY_LIST__INIT;
    json_t *doc = c->out.json ? json_array() : NULL;
    char *after = strdup(c->after ? c->after : "");
    size_t shown = 0;
    int r = 0;
    if (c->state) {
        free(after);
        json_decref(doc);
        return usage_fail(c, "subsidy list --state: computed, approved, paid or refused");
    }
    q.state = (Skillbase__StatementState)c->statement_state;
    q.year = (uint32_t)c->year;
    q.limit = (uint32_t)c->limit;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SUBSIDY_LIST;
    req.subsidy_list = &q;
    while (after) {
        Skillbase__Reply *reply;
        q.after = after;
        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_STATEMENTS, &reply);
        if (r)
            goto out;
        const Skillbase__StatementPage *page = reply->statements;
        for (size_t i = 0; i < page->n_statements; i++) {
            const Skillbase__SubsidyStatement *st = page->statements[i];
            char total[SB_YUAN_STRLEN];
            if (doc) {
                json_t *s = statement_json(st);
                if (!s || json_array_append_new(doc, s))
                    r = -1;
            } else {
                printf("%-22s %-9s %12s yuan%s  v%" PRIu64 "  %s\n", ctl_text(st->id),
                       state_word(st->state), sb_subsidy_yuan(st->total_fen, total),
                       st->example_rates ? " (EXAMPLE rates)" : "", st->version,
                       ctl_text(st->base_name));
                shown++;
            }
        }
        char *next = !c->limit && page->next && *page->next && strcmp(page->next, after) != 0
                         ? strdup(page->next)
                         : NULL;
        skillbase__reply__free_unpacked(reply, NULL);
        free(after);
        after = next;
        if (r) {
            r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
            goto out;
        }
    }
    if (doc)
        ctl_print_json(json_incref(doc));
    else if (!shown)
        printf("no statement%s%s\n", c->statement_state ? " in state " : "",
               c->statement_state ? state_word(c->statement_state) : "");
out:
    free(after);
    json_decref(doc);
    return r;
}

/* ------------------------------------------------------------ decisions */

/* Print a decision's reply: the statement, or (four eyes) the proposal. */
static int print_decided(ctl *c, Skillbase__Reply *reply)
{
    int r = EXIT_DONE;
    if (reply->result_case == SKILLBASE__REPLY__RESULT_PROPOSAL) {
        r = ctl_print_proposal(c, reply->proposal);
    } else if (reply->result_case != SKILLBASE__REPLY__RESULT_STATEMENT) {
        r = ctl_fail(c, EXIT_REFUSED, "internal", "the daemon answered without the statement");
    } else if (c->out.json) {
        json_t *j = statement_json(reply->statement);
        if (!j || ctl_print_json(j))
            r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    } else {
        const Skillbase__SubsidyStatement *st = reply->statement;
        char total[SB_YUAN_STRLEN];
        printf("%s: %s, %s yuan (event %" PRIu64 ")\n", ctl_text(st->id), state_word(st->state),
               sb_subsidy_yuan(st->total_fen, total), reply->seq);
        print_state(st);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

static int subsidy_decide(ctl *c, const char *verb_name, const char *statement)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SubsidyDecide q = SKILLBASE__SUBSIDY_DECIDE__INIT;
    Skillbase__Reply *reply;
    bool refuse = strcmp(verb_name, "refuse") == 0;
    if (refuse && (!c->reason || !*c->reason))
        return usage_fail(c, "subsidy refuse needs -r REASON");
    q.statement = (char *)statement;
    q.reason = (char *)(c->reason ? c->reason : "");
    if (refuse) {
        req.command_case = SKILLBASE__REQUEST__COMMAND_SUBSIDY_REFUSE;
        req.subsidy_refuse = &q;
    } else {
        req.command_case = SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE;
        req.subsidy_approve = &q;
    }
    int r = ctl_call(c, &req, &reply);
    return r ? r : print_decided(c, reply);
}

/* --document: 64 hex digits as given, else a file whose SHA-256 it is. */
static int voucher_hash(ctl *c, const char *arg, char hex[SHA256_HEX_LEN + 1])
{
    size_t n = strlen(arg);
    if (n == 64 && strspn(arg, "0123456789abcdefABCDEF") == 64) {
        memcpy(hex, arg, 65);
        return 0;
    }
    FILE *f = fopen(arg, "rb");
    if (!f)
        return usage_fail(c,
                          "--document: \"%s\" is neither a SHA-256 (64 hex digits) nor a "
                          "readable file",
                          arg);
    crypto_hash_sha256_state st;
    unsigned char buf[64 * 1024], out[crypto_hash_sha256_BYTES];
    size_t got;
    crypto_hash_sha256_init(&st);
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        crypto_hash_sha256_update(&st, buf, got);
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return usage_fail(c, "--document: cannot read %s", arg);
    crypto_hash_sha256_final(&st, out);
    sodium_bin2hex(hex, SHA256_HEX_LEN + 1, out, sizeof out);
    return 0;
}

static int subsidy_pay(ctl *c, const char *statement)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SubsidyPay q = SKILLBASE__SUBSIDY_PAY__INIT;
    Skillbase__Reply *reply;
    char hex[SHA256_HEX_LEN + 1] = "";
    if (!c->pay_reference || !c->pay_document || !c->paid_on)
        return usage_fail(c, "subsidy pay needs --reference REF, --document SHA256|FILE (the "
                             "payment_voucher filed with documents add) and --paid-on DATE");
    int r = voucher_hash(c, c->pay_document, hex);
    if (r)
        return r;
    q.statement = (char *)statement;
    q.reference = (char *)c->pay_reference;
    q.document_sha256 = hex;
    q.paid_on = (char *)c->paid_on;
    q.reason = (char *)(c->reason ? c->reason : "");
    req.command_case = SKILLBASE__REQUEST__COMMAND_SUBSIDY_PAY;
    req.subsidy_pay = &q;
    r = ctl_call(c, &req, &reply);
    return r ? r : print_decided(c, reply);
}

int ctl_verb_subsidy(ctl *c, const verb *v, char **args)
{
    (void)v;
    if (!args[0])
        return usage_fail(c, "subsidy needs a verb: report, compute, services, list, approve, "
                             "refuse or pay");
    bool decision = strcmp(args[0], "approve") == 0 || strcmp(args[0], "refuse") == 0 ||
                    strcmp(args[0], "pay") == 0;
    if (decision && (!args[1] || args[2]))
        return usage_fail(c,
                          "usage: skillbasectl subsidy %s STATEMENT (BASE/YEAR, e.g. "
                          "base-000001/2026)",
                          args[0]);
    if (!decision && args[1])
        return usage_fail(c, "unexpected argument \"%s\" after subsidy %s", args[1], args[0]);
    if (decision)
        return strcmp(args[0], "pay") == 0 ? subsidy_pay(c, args[1])
                                           : subsidy_decide(c, args[0], args[1]);
    if (strcmp(args[0], "list") == 0)
        return subsidy_list(c);
    static const struct {
        const char *name;
        int (*fn)(ctl *c);
    } subs[] = {
        {"report", subsidy_report},
        {"compute", subsidy_compute},
        {"services", subsidy_services},
    };
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(args[0], subs[i].name) != 0)
            continue;
        if (!c->year)
            return usage_fail(c, "subsidy %s needs --year Y", args[0]);
        return subs[i].fn(c);
    }
    return usage_fail(c,
                      "unknown subsidy verb \"%s\" (expected report, compute, services, list, "
                      "approve, refuse or pay)",
                      args[0]);
}
