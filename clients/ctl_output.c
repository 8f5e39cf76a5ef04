/* ctl_output: skillbasectl's printing, for people and for --json.
 * See ctl_output.h; docs/cli.md "Output" is the specification.
 */
#include "ctl_output.h"

#include "pbjson.h"
#include "sb_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Hangzhou is UTC+8 all year (no daylight saving), so no tz database. */
#define HANGZHOU_OFFSET_S (8 * 3600)

static const char *state_name(int state, char *buf, size_t len)
{
    const char *s = pbjson_enum_name(&skillbase__state__descriptor, state, buf, len);
    return s ? s : "?";
}

void ctl_enum_choices(const ProtobufCEnumDescriptor *d, int skip, char *buf, size_t len)
{
    char name[64];
    size_t o = 0;
    unsigned total = 0, shown = 0;

    for (unsigned i = 0; i < d->n_values; i++)
        total += d->values[i].value != 0 && d->values[i].value != skip;
    buf[0] = '\0';
    for (unsigned i = 0; i < d->n_values && o < len; i++) {
        int v = d->values[i].value;
        if (v == 0 || v == skip || !pbjson_enum_name(d, v, name, sizeof name))
            continue;
        shown++;
        o += (size_t)snprintf(buf + o, len - o, "%s%s",
                              shown == 1       ? ""
                              : shown == total ? " or "
                                               : ", ",
                              name);
    }
}

/* ------------------------------------------------------------ JSON */

int ctl_print_json(json_t *doc)
{
    /* Compact, one document, one line: easy for jq and for grep. */
    int r = doc ? json_dumpf(doc, stdout, JSON_COMPACT) : -1;
    if (r == 0)
        fputc('\n', stdout);
    fflush(stdout);
    json_decref(doc);
    return r ? -1 : 0;
}

/* A JSON string even for bytes that are not UTF-8 (they become '?'), so an
 * odd message cannot cost the whole error document. */
static json_t *safe_string(const char *s)
{
    json_t *j = json_string(s ? s : "");
    char *copy;

    if (j || !s)
        return j;
    copy = strdup(s);
    if (!copy)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

void ctl_output_init(ctl_output *o, bool json)
{
    *o = (ctl_output){.json = json};
}

void ctl_output_discard(ctl_output *o)
{
    json_decref(o->items);
    o->items = NULL;
}

int ctl_output_finish(ctl_output *o)
{
    if (o->json) {
        if (!o->items)
            o->items = json_array();
        int r = ctl_print_json(o->items);
        o->items = NULL;
        if (r)
            return -1;
    }
    ctl_output_discard(o);
    return 0;
}

/* Append to the collected --json array, creating it on first use. */
static int collect(ctl_output *o, json_t *item)
{
    if (!item)
        return -1;
    if (!o->items)
        o->items = json_array();
    if (!o->items || json_array_append_new(o->items, item) < 0) {
        json_decref(item);
        return -1;
    }
    return 0;
}

const char *ctl_text(const char *s)
{
    static char buf[4][4096];
    static unsigned k;
    k = (k + 1) % 4;
    return sb_text_escape(s, buf[k], sizeof buf[k]);
}

void ctl_print_error(const ctl_output *o, const char *code, const char *message,
                     char *const *details, size_t n_details)
{
    fprintf(stderr, "skillbasectl: %s", code);
    if (message && *message)
        fprintf(stderr, ": %s", ctl_text(message));
    for (size_t i = 0; i < n_details; i++)
        fprintf(stderr, "%s%s", i == 0 ? ": " : "; ", ctl_text(details[i]));
    fputc('\n', stderr);

    if (o->json) {
        json_t *list = json_array();
        for (size_t i = 0; list && i < n_details; i++)
            json_array_append_new(list, safe_string(details[i]));
        json_t *doc = json_pack("{s:{s:s, s:o, s:o}}", "error", "code", code, "message",
                                safe_string(message), "details", list ? list : json_array());
        ctl_print_json(doc);
    }
}

/* The record as --json prints it: the inner Application or Base object with
 * "kind" ("application" or "base") first. Returns NULL when the record holds
 * neither or memory ran out; the caller json_decref's it. */
static json_t *ctl_record_json(const Skillbase__Record *rec)
{
    const ProtobufCMessage *inner;
    const char *kind;
    json_t *body, *flat;
    const char *key;
    json_t *v;

    switch (rec->record_case) {
    case SKILLBASE__RECORD__RECORD_APPLICATION:
        inner = &rec->application->base;
        kind = "application";
        break;
    case SKILLBASE__RECORD__RECORD_SUB_BASE:
        inner = &rec->sub_base->base;
        kind = "base";
        break;
    default:
        return NULL;
    }
    body = pbjson_from_message(inner);
    flat = json_pack("{s:s}", "kind", kind);
    if (!body || !flat)
        goto fail;
    json_object_foreach(body, key, v)
    {
        if (json_object_set(flat, key, v) < 0)
            goto fail;
    }
    json_decref(body);
    return flat;
fail:
    json_decref(body);
    json_decref(flat);
    return NULL;
}

/* ------------------------------------------------------------ people */

static void print_scalar(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        fputs(ctl_text(json_string_value(v)), stdout);
        break;
    case JSON_INTEGER:
        printf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        printf("%.15g", json_real_value(v));
        break;
    case JSON_TRUE:
        fputs("true", stdout);
        break;
    case JSON_FALSE:
        fputs("false", stdout);
        break;
    default:
        fputs("null", stdout);
        break;
    }
    fputc('\n', stdout);
}

static void print_value(json_t *v, int indent);

/* `key: value` lines of an object at `indent`. As an array item (`dash`)
 * the first line starts with "- " two columns to the left, YAML style. */
static void print_fields(json_t *obj, int indent, int dash)
{
    const char *key;
    json_t *v;
    int first = 1;

    json_object_foreach(obj, key, v)
    {
        if (first && dash)
            printf("%*s- %s:", indent - 2, "", key);
        else
            printf("%*s%s:", indent, "", key);
        first = 0;
        if (json_is_object(v) || json_is_array(v)) {
            fputc('\n', stdout);
            print_value(v, indent + 2);
        } else {
            fputc(' ', stdout);
            print_scalar(v);
        }
    }
    if (first && dash)
        printf("%*s- {}\n", indent - 2, "");
}

/* A nested object or array whose key line was already printed. */
static void print_value(json_t *v, int indent)
{
    size_t i;
    json_t *item;

    if (json_is_object(v)) {
        print_fields(v, indent, 0);
        return;
    }
    json_array_foreach(v, i, item)
    {
        if (json_is_object(item)) {
            print_fields(item, indent + 2, 1);
        } else if (json_is_array(item)) {
            printf("%*s-\n", indent, "");
            print_value(item, indent + 2);
        } else {
            printf("%*s- ", indent, "");
            print_scalar(item);
        }
    }
}

int ctl_print_record(ctl_output *o, const Skillbase__Record *rec)
{
    json_t *flat = ctl_record_json(rec);

    if (!flat)
        return -1;
    if (o->json)
        return ctl_print_json(flat);
    print_fields(flat, 0, 0); /* "kind" comes first */
    json_decref(flat);
    return 0;
}

int ctl_print_written(ctl_output *o, const Skillbase__Record *rec, bool id_only,
                      Skillbase__Request__CommandCase command)
{
    char st[32], extra[160] = "", name[48];
    const char *id;
    uint64_t version;
    int state;

    if (o->json)
        return ctl_print_record(o, rec);
    if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && rec->application) {
        const Skillbase__Application *a = rec->application;
        id = a->id, version = a->version, state = a->state;
        if (a->base_id && *a->base_id && command == SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY)
            snprintf(extra, sizeof extra, ", sub-base %s", a->base_id);
    } else if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base) {
        const Skillbase__Base *b = rec->sub_base;
        size_t n = 0;
        id = b->id, version = b->version, state = b->state;
        if (command == SKILLBASE__REQUEST__COMMAND_ASSESS &&
            pbjson_enum_name(&skillbase__grade__descriptor, b->grade, name, sizeof name))
            n = b->total_tenths % 10
                    ? (size_t)snprintf(extra, sizeof extra,
                                       ", total %" PRIu32 ".%" PRIu32 ", grade %s",
                                       b->total_tenths / 10, b->total_tenths % 10, name)
                    : (size_t)snprintf(extra, sizeof extra, ", total %" PRIu32 ", grade %s",
                                       b->total, name);
        if (b->state == SKILLBASE__STATE__REVOKED && n < sizeof extra &&
            pbjson_enum_name(&skillbase__cause__descriptor, b->revoked_cause, name, sizeof name))
            snprintf(extra + n, sizeof extra - n, ", cause %s", name);
    } else {
        return -1;
    }
    if (id_only)
        printf("%s\n", id);
    else
        printf("%s: %s (version %" PRIu64 ")%s\n", id, state_name(state, st, sizeof st), version,
               extra);
    fflush(stdout);
    return 0;
}

int ctl_print_records(ctl_output *o, Skillbase__Record *const *recs, size_t n)
{
    char st[32];

    for (size_t i = 0; i < n; i++) {
        const Skillbase__Record *r = recs[i];
        const char *id = "?", *kind = "?", *name = "";
        int state = 0;
        /* 六(五): city-level unless the record says district */
        bool district = false;

        if (o->json) {
            if (collect(o, ctl_record_json(r)) < 0)
                return -1;
            continue;
        }
        if (!o->header_done) {
            printf("%-12s %-12s %-13s %-8s %s\n", "ID", "KIND", "STATE", "LEVEL", "NAME");
            o->header_done = true;
        }
        /* NAME: the applying unit for an application, the sub-base's
         * official name once certified. */
        if (r->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && r->application) {
            const Skillbase__Application *a = r->application;
            id = a->id, kind = "application", state = a->state;
            if (a->form && a->form->unit)
                name = a->form->unit->name;
            district = a->form && a->form->base_level == SKILLBASE__BASE_LEVEL__DISTRICT;
        } else if (r->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && r->sub_base) {
            id = r->sub_base->id, kind = "base", state = r->sub_base->state;
            name = r->sub_base->name;
            district = r->sub_base->base_level == SKILLBASE__BASE_LEVEL__DISTRICT;
        }
        printf("%-12s %-12s %-13s %-8s %s\n", ctl_text(id), kind, state_name(state, st, sizeof st),
               district ? "district" : "city", ctl_text(name));
    }
    fflush(stdout);
    return 0;
}

/* "2026-03-01 14:05:09" in Hangzhou time. */
static void format_time(uint64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000) + HANGZHOU_OFFSET_S;
    struct tm tm;

    if (!gmtime_r(&t, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, len, "%" PRIu64 " ms", ms);
}

/* 二(二) waivers under the event that made them (apply) and the one that
 * confirmed them (a certification under four eyes). */
static void print_waivers(const Skillbase__Event *e)
{
    const Skillbase__Application *a =
        e->record && e->record->record_case == SKILLBASE__RECORD__RECORD_APPLICATION
            ? e->record->application
            : NULL;
    bool apply = e->action && strcmp(e->action, "apply") == 0;
    for (size_t i = 0; a && i < a->n_waivers; i++) {
        const Skillbase__Waiver *w = a->waivers[i];
        if (apply)
            printf("    waived %s (%s) by %s: %s\n", ctl_text(w->condition), ctl_text(w->clause),
                   ctl_text(w->waived_by), ctl_text(w->reason));
        else if (w->confirmed_by && *w->confirmed_by && e->to_state == SKILLBASE__STATE__CERTIFIED)
            printf("    waiver of %s confirmed by %s\n", ctl_text(w->condition),
                   ctl_text(w->confirmed_by));
    }
}

int ctl_print_events(ctl_output *o, Skillbase__Event *const *events, size_t n, bool with_entity)
{
    char when[32], from[32], to[32];

    for (size_t i = 0; i < n; i++) {
        const Skillbase__Event *e = events[i];

        if (o->json) {
            if (collect(o, pbjson_from_message(&e->base)) < 0)
                return -1;
            continue;
        }
        format_time(e->time_ms, when, sizeof when);
        printf("%" PRIu64 "  %s (UTC+8)  ", e->seq, when);
        if (with_entity)
            printf("%s  ", ctl_text(e->entity_id));
        printf("%s  %s -> %s  %s", ctl_text(e->actor),
               e->from_state ? state_name(e->from_state, from, sizeof from) : "(new)",
               state_name(e->to_state, to, sizeof to), ctl_text(e->action));
        if (e->reason && *e->reason)
            printf("  %s", ctl_text(e->reason));
        fputc('\n', stdout);
        /* a change of a sub-base: each field, before -> after */
        for (size_t k = 0; k < e->n_changes; k++)
            printf("      %s: %s -> %s\n", ctl_text(e->changes[k]->field),
                   *e->changes[k]->before ? ctl_text(e->changes[k]->before) : "(none)",
                   ctl_text(e->changes[k]->after));
        print_waivers(e);
    }
    fflush(stdout);
    return 0;
}

int ctl_print_status(ctl_output *o, const Skillbase__StatusInfo *st)
{
    char kind[32], state[32];

    if (o->json)
        return ctl_print_json(pbjson_from_message(&st->base));
    printf("version: %s\n", st->version);
    printf("uptime: %" PRIu64 " s\n", st->uptime_s);
    printf("state_dir: %s\n", st->state_dir);
    printf("schema_version: %" PRIu32 "\n", st->schema_version);
    printf("last_seq: %" PRIu64 "\n", st->last_seq);
    printf("store: %" PRIu64 " of %" PRIu64 " bytes in use\n", st->store_bytes, st->map_bytes);
    printf("counts:\n");
    for (size_t i = 0; i < st->n_counts; i++) {
        const Skillbase__StateCount *c = st->counts[i];
        const char *k = pbjson_enum_name(&skillbase__kind__descriptor, c->kind, kind, sizeof kind);
        printf("  %-12s %-13s %" PRIu64 "\n", k ? k : "?",
               state_name(c->state, state, sizeof state), c->count);
    }
    /* the job outbox, per state (docs/jobs.md); "jobs: none" when empty */
    printf("jobs:%s\n", st->n_job_counts ? "" : " none");
    for (size_t i = 0; i < st->n_job_counts; i++) {
        const Skillbase__JobCount *c = st->job_counts[i];
        const char *s =
            pbjson_enum_name(&skillbase__job_state__descriptor, c->state, state, sizeof state);
        printf("  %-26s %" PRIu64 "\n", s ? s : "?", c->count);
    }
    /* where the policy sets nothing: configuration, the bureau's choice */
    printf("bureau's choices (configuration, not policy):%s\n",
           st->n_bureau_choices ? "" : " none");
    for (size_t i = 0; i < st->n_bureau_choices; i++)
        printf("  %s = %s  (%s)\n", ctl_text(st->bureau_choices[i]->name),
               ctl_text(st->bureau_choices[i]->value), ctl_text(st->bureau_choices[i]->decided_by));
    for (size_t i = 0; i < st->n_warnings; i++)
        printf("warning: %s\n", ctl_text(st->warnings[i]));
    fflush(stdout);
    return 0;
}
