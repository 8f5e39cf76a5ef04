/* ctl_subsidy: `skillbasectl record-service` and `skillbasectl subsidy
 * report|compute|services` — service records and subsidy statements
 * (docs/subsidy.md, docs/cli.md). Money arrives in fen and is printed in
 * yuan with two decimals by integer arithmetic (sb_subsidy_yuan). */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "pbjson.h"
#include "sb_date.h"
#include "sb_subsidy.h"

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

static void print_statement(const Skillbase__SubsidyStatement *st)
{
    char a[SB_YUAN_STRLEN], b[SB_YUAN_STRLEN], cbuf[SB_YUAN_STRLEN], name[32], hours[16], when[32];
    printf("%s  %s  %u\n", st->base_id, st->base_name, st->year);
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

int ctl_verb_subsidy(ctl *c, const verb *v, char **args)
{
    (void)v;
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
    return usage_fail(c, "unknown subsidy verb \"%s\" (expected report, compute or services)",
                      args[0]);
}
