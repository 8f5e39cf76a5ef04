/* ctl_activity: `skillbasectl equipment`, `activity`, `recommend` and
 * `recommendations` — a sub-base's equipment register (四(二), 四(三)), its
 * yearly activity (三, 四(一)) and the bureau's recommendations (六(三),
 * 六(四)); docs/activity.md, docs/cli.md. Money arrives in fen and is
 * printed in yuan by integer arithmetic (sb_subsidy_yuan). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "pbjson.h"
#include "sb_subsidy.h"

static size_t count_args(char **args)
{
    size_t n = 0;
    while (args[n])
        n++;
    return n;
}

static const char *enum_text(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t len)
{
    const char *n = pbjson_enum_name(d, v, buf, len);
    return n ? n : "?";
}

/* Print a reply's result message as --json does. */
static int print_json_msg(ctl *c, const ProtobufCMessage *m)
{
    if (ctl_print_json(pbjson_from_message(m)))
        return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    return EXIT_DONE;
}

/* ------------------------------------------------------------ equipment */

/* "12345.67" (at most two decimals) as fen, exactly; -1 when it is not one. */
static int yuan_to_fen(const char *s, uint64_t *ret)
{
    uint64_t yuan = 0, fen = 0;
    const char *p = s;
    if (!*p)
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (yuan > UINT64_MAX / 1000)
            return -1;
        yuan = yuan * 10 + (uint64_t)(*p - '0');
    }
    if (p == s)
        return -1;
    if (*p == '.') {
        p++;
        int digits = 0;
        for (; *p >= '0' && *p <= '9' && digits < 2; p++, digits++)
            fen = fen * 10 + (uint64_t)(*p - '0');
        if (digits == 0)
            return -1;
        if (digits == 1)
            fen *= 10;
    }
    if (*p)
        return -1;
    *ret = yuan * 100 + fen;
    return 0;
}

/* Read ITEM.json as an EquipmentItem. Besides value_fen it takes "value":
 * the amount in yuan as a string with at most two decimals ("12345.67"),
 * converted exactly; a JSON number there is refused (no floating point). */
static int read_item(ctl *c, const char *path, Skillbase__EquipmentItem **ret)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "<stdin>" : path;
    json_error_t jerr;
    FILE *fp = is_stdin ? stdin : fopen(path, "r");
    if (!fp)
        return usage_fail(c, "cannot read %s: %s", shown, strerror(errno));
    json_t *json = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
    if (!is_stdin)
        fclose(fp);
    if (!json)
        return usage_fail(c, "%s: line %d, column %d: %s", shown, jerr.line, jerr.column,
                          jerr.text);
    json_t *value = json_is_object(json) ? json_object_get(json, "value") : NULL;
    if (value) {
        uint64_t fen;
        if (json_object_get(json, "value_fen")) {
            json_decref(json);
            return usage_fail(c, "%s: give either value (yuan) or value_fen, not both", shown);
        }
        if (!json_is_string(value) || yuan_to_fen(json_string_value(value), &fen)) {
            json_decref(json);
            return usage_fail(c,
                              "%s: value: the amount in yuan as a string with at most two "
                              "decimals, e.g. \"12345.67\" (or value_fen, an integer of fen)",
                              shown);
        }
        json_object_del(json, "value");
        json_object_set_new(json, "value_fen", json_integer((json_int_t)fen));
    }
    char err[512];
    ProtobufCMessage *m =
        pbjson_to_message(&skillbase__equipment_item__descriptor, json, err, sizeof err);
    json_decref(json);
    if (!m)
        return usage_fail(c, "%s: %s", shown, err);
    *ret = (Skillbase__EquipmentItem *)m;
    return 0;
}

static void print_item(const Skillbase__EquipmentItem *it)
{
    char y[SB_YUAN_STRLEN], f[32];
    printf("    %s  %s  %s  %s yuan  %s  custodian %s  maintained by %s", it->id, it->acquired_on,
           ctl_text(it->item), sb_subsidy_yuan(it->value_fen, y),
           enum_text(&skillbase__funding__descriptor, it->funding, f, sizeof f),
           ctl_text(it->custodian), ctl_text(it->maintained_by));
    if (it->retired)
        printf("  [retired %s]", it->retired_on);
    putchar('\n');
}

static json_t *item_json(const Skillbase__EquipmentItem *it)
{
    char y[SB_YUAN_STRLEN];
    json_t *j = pbjson_from_message(&it->base);
    if (j && json_object_set_new(j, "value_yuan", json_string(sb_subsidy_yuan(it->value_fen, y)))) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static int equipment_write(ctl *c, const char *what, char **args, size_t n)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__EquipmentAdd add = SKILLBASE__EQUIPMENT_ADD__INIT;
    Skillbase__EquipmentChange chg = SKILLBASE__EQUIPMENT_CHANGE__INIT;
    Skillbase__EquipmentRetire ret = SKILLBASE__EQUIPMENT_RETIRE__INIT;
    Skillbase__EquipmentItem *item = NULL;
    bool is_add = strcmp(what, "add") == 0, is_change = strcmp(what, "change") == 0;
    if (n != (is_add ? 2u : 3u))
        return usage_fail(c, "usage: skillbasectl equipment %s",
                          is_add      ? "add BASE -f ITEM.json -r REASON"
                          : is_change ? "change BASE ITEM -f ITEM.json -r REASON"
                                      : "retire BASE ITEM [--on DATE] -r REASON");
    if (!c->reason || !*c->reason)
        return usage_fail(c, "equipment %s needs a reason (-r TEXT)", what);
    if (!is_add && !is_change) {
        if (c->file)
            return usage_fail(c, "equipment retire takes no -f");
        ret.id = args[1];
        ret.item_id = args[2];
        ret.on = (char *)(c->on ? c->on : "");
        ret.reason = (char *)c->reason;
        req.command_case = SKILLBASE__REQUEST__COMMAND_EQUIPMENT_RETIRE;
        req.equipment_retire = &ret;
    } else {
        if (!c->file)
            return usage_fail(c, "equipment %s needs -f ITEM.json (an EquipmentItem)", what);
        int r = read_item(c, c->file, &item);
        if (r)
            return r;
        if (is_add) {
            add.id = args[1];
            add.item = item;
            add.reason = (char *)c->reason;
            req.command_case = SKILLBASE__REQUEST__COMMAND_EQUIPMENT_ADD;
            req.equipment_add = &add;
        } else {
            chg.id = args[1];
            chg.item_id = args[2];
            chg.item = item;
            chg.reason = (char *)c->reason;
            req.command_case = SKILLBASE__REQUEST__COMMAND_EQUIPMENT_CHANGE;
            req.equipment_change = &chg;
        }
    }
    Skillbase__Reply *reply = NULL;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_EQUIPMENT, &reply);
    if (item)
        protobuf_c_message_free_unpacked(&item->base, NULL);
    if (r)
        return r;
    const Skillbase__EquipmentItem *it = reply->equipment;
    if (c->out.json) {
        r = ctl_print_json(item_json(it)) ? ctl_fail(c, EXIT_REFUSED, "internal", "out of memory")
                                          : EXIT_DONE;
    } else {
        printf("%s: %s in the register of %s (version %" PRIu64 ", event %" PRIu64 ")\n", it->id,
               is_add      ? "added"
               : is_change ? "changed"
                           : "retired",
               it->base_id, it->version, reply->seq);
        print_item(it);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

static int equipment_list(ctl *c, const char *base)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__EquipmentList q = SKILLBASE__EQUIPMENT_LIST__INIT;
    q.id = (char *)base;
    q.funding = (Skillbase__Funding)c->funding;
    q.include_retired = c->all;
    req.command_case = SKILLBASE__REQUEST__COMMAND_EQUIPMENT_LIST;
    req.equipment_list = &q;
    Skillbase__Reply *reply = NULL;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_EQUIPMENT_REGISTER, &reply);
    if (r)
        return r;
    const Skillbase__EquipmentRegister *reg = reply->equipment_register;
    char y[SB_YUAN_STRLEN];
    if (c->out.json) {
        json_t *j = pbjson_from_message(&reg->base);
        json_t *items = json_array(), *totals = json_array();
        bool bad = !j || !items || !totals;
        for (size_t i = 0; i < reg->n_items && !bad; i++)
            bad = json_array_append_new(items, item_json(reg->items[i])) != 0;
        for (size_t i = 0; i < reg->n_totals && !bad; i++) {
            json_t *t = pbjson_from_message(&reg->totals[i]->base);
            bad = !t ||
                  json_object_set_new(t, "value_fen",
                                      json_integer((json_int_t)reg->totals[i]->value_fen)) ||
                  json_object_set_new(t, "items", json_integer(reg->totals[i]->items)) ||
                  json_object_set_new(t, "value_yuan",
                                      json_string(sb_subsidy_yuan(reg->totals[i]->value_fen, y))) ||
                  json_array_append_new(totals, t);
        }
        bad = bad || json_object_set_new(j, "items", items) ||
              json_object_set_new(j, "totals", totals) ||
              json_object_set_new(j, "value_fen", json_integer((json_int_t)reg->value_fen)) ||
              json_object_set_new(j, "value_yuan", json_string(sb_subsidy_yuan(reg->value_fen, y)));
        if (bad) {
            json_decref(j);
            r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        } else {
            r = ctl_print_json(j) ? ctl_fail(c, EXIT_REFUSED, "internal", "out of memory")
                                  : EXIT_DONE;
        }
        skillbase__reply__free_unpacked(reply, NULL);
        return r;
    }
    printf("%s: equipment register\n", reg->base_id);
    for (size_t t = 0; t < reg->n_totals; t++) {
        const Skillbase__FundingTotal *ft = reg->totals[t];
        bool gov = ft->funding == SKILLBASE__FUNDING__GOVERNMENT;
        if (c->funding && (int)ft->funding != c->funding)
            continue;
        printf("  %s: %u item%s in service, %s yuan\n",
               gov ? "government-funded (政府财政投入, managed on the government's behalf, 四(三))"
                   : "own (自有, managed by the sub-base, 四(三))",
               ft->items, ft->items == 1 ? "" : "s", sb_subsidy_yuan(ft->value_fen, y));
        for (size_t i = 0; i < reg->n_items; i++)
            if (reg->items[i]->funding == ft->funding)
                print_item(reg->items[i]);
    }
    printf("  total in service: %s yuan\n", sb_subsidy_yuan(reg->value_fen, y));
    skillbase__reply__free_unpacked(reply, NULL);
    return EXIT_DONE;
}

int ctl_verb_equipment(ctl *c, const verb *v, char **args)
{
    (void)v;
    size_t n = count_args(args);
    if (n == 0)
        return usage_fail(c, "equipment: add, change, retire or list (try --help)");
    const char *sub = args[0];
    if (strcmp(sub, "list") == 0) {
        if (n != 2)
            return usage_fail(
                c, "usage: skillbasectl equipment list BASE [--funding own|government] [--all]");
        return equipment_list(c, args[1]);
    }
    if (strcmp(sub, "add") == 0 || strcmp(sub, "change") == 0 || strcmp(sub, "retire") == 0)
        return equipment_write(c, sub, args, n);
    return usage_fail(c, "equipment: unknown action \"%s\" (expected add, change, retire or list)",
                      sub);
}

/* ------------------------------------------------------------ activity */

static void print_filing(const Skillbase__ActivityFiling *f)
{
    printf("  %u  filed %s by %s (version %u, due %s%s)\n", f->year, f->filed_on,
           ctl_text(f->filed_by), f->version, f->due_on, f->late ? ", LATE" : "");
    printf("    training: %u sessions, %u person-times (free: %u; service records: %u)\n",
           f->training_sessions, f->training_person_times, f->free_training_person_times,
           f->recorded_free_training_person_times);
    printf("    skill certifications: %u (service records: %u)\n", f->skill_certifications,
           f->recorded_skill_certifications);
    printf("    competitions: %u hosted, %u supported; technical support: %u\n",
           f->competitions_hosted, f->competitions_supported, f->technical_support);
    if (f->note && f->note[0])
        printf("    note: %s\n", ctl_text(f->note));
    for (size_t i = 0; i < f->n_warnings; i++)
        printf("    warning: %s\n", ctl_text(f->warnings[i]));
}

static int activity_file(ctl *c, const char *base)
{
    if (!c->file)
        return usage_fail(c, "activity file needs -f ACTIVITY.json (an ActivityFiling)");
    if (!c->year)
        return usage_fail(c, "activity file needs --year Y");
    ProtobufCMessage *msg = NULL;
    int r = ctl_read_json(c, c->file, &skillbase__activity_filing__descriptor, &msg);
    if (r)
        return r;
    Skillbase__ActivityFiling *f = (Skillbase__ActivityFiling *)msg;
    if (f->year && f->year != c->year) {
        protobuf_c_message_free_unpacked(msg, NULL);
        return usage_fail(c, "%s names year %u, --year says %" PRIu64, c->file, f->year, c->year);
    }
    f->year = (uint32_t)c->year;
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ActivityFile af = SKILLBASE__ACTIVITY_FILE__INIT;
    af.id = (char *)base;
    af.filing = f;
    af.reason = (char *)(c->reason ? c->reason : "");
    req.command_case = SKILLBASE__REQUEST__COMMAND_ACTIVITY_FILE;
    req.activity_file = &af;
    Skillbase__Reply *reply = NULL;
    r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_ACTIVITY, &reply);
    protobuf_c_message_free_unpacked(msg, NULL);
    if (r)
        return r;
    if (c->out.json) {
        r = print_json_msg(c, &reply->activity->base);
    } else {
        printf("%s: activity of %u %s (event %" PRIu64 ")\n", reply->activity->base_id,
               reply->activity->year, reply->activity->version > 1 ? "refiled" : "filed",
               reply->seq);
        print_filing(reply->activity);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

static int activity_list(ctl *c, const char *base)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ActivityList q = SKILLBASE__ACTIVITY_LIST__INIT;
    q.id = (char *)base;
    q.cycle = (uint32_t)c->cycle;
    req.command_case = SKILLBASE__REQUEST__COMMAND_ACTIVITY_LIST;
    req.activity_list = &q;
    Skillbase__Reply *reply = NULL;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_ACTIVITIES, &reply);
    if (r)
        return r;
    const Skillbase__ActivityPage *p = reply->activities;
    if (c->out.json) {
        r = print_json_msg(c, &p->base);
        skillbase__reply__free_unpacked(reply, NULL);
        return r;
    }
    if (p->cycle) {
        char g[32];
        printf("%s: assessment cycle %u, activity of %u and %u\n", p->base_id, p->cycle,
               p->years[0], p->years[1]);
        if (!p->n_assessments)
            printf("  result: none recorded yet\n");
        for (size_t i = 0; i < p->n_assessments; i++) {
            const Skillbase__Assessment *a = p->assessments[i];
            printf("  result: %s  total %u.%u (base %u, bonus %u)  %s%s\n", a->assessed_on,
                   a->total_tenths / 10, a->total_tenths % 10, a->base_total, a->bonus_total,
                   enum_text(&skillbase__grade__descriptor, a->grade, g, sizeof g),
                   a->superseded ? " (superseded)" : "");
        }
        for (size_t y = 0; y < p->n_years; y++) {
            bool found = false;
            for (size_t i = 0; i < p->n_filings; i++)
                if (p->filings[i]->year == p->years[y]) {
                    print_filing(p->filings[i]);
                    found = true;
                }
            if (!found)
                printf("  %u  not filed\n", p->years[y]);
        }
    } else {
        printf("%s: yearly activity (%zu filing%s)\n", p->base_id, p->n_filings,
               p->n_filings == 1 ? "" : "s");
        for (size_t i = 0; i < p->n_filings; i++)
            print_filing(p->filings[i]);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return EXIT_DONE;
}

static int activity_overdue(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ActivityOverdue q = SKILLBASE__ACTIVITY_OVERDUE__INIT;
    q.year = (uint32_t)c->year;
    req.command_case = SKILLBASE__REQUEST__COMMAND_ACTIVITY_OVERDUE;
    req.activity_overdue = &q;
    Skillbase__Reply *reply = NULL;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_OVERDUE, &reply);
    if (r)
        return r;
    const Skillbase__OverduePage *p = reply->overdue;
    if (c->out.json) {
        json_t *j = pbjson_from_message(&p->base);
        if (j && !json_object_get(j, "bases"))
            json_object_set_new(j, "bases", json_array());
        r = ctl_print_json(j) ? ctl_fail(c, EXIT_REFUSED, "internal", "out of memory") : EXIT_DONE;
    } else {
        printf("activity of %u, due on %s: %zu sub-base%s overdue\n", p->year, p->due_on,
               p->n_bases, p->n_bases == 1 ? "" : "s");
        for (size_t i = 0; i < p->n_bases; i++)
            printf("  %s  %s  %u day%s overdue\n", p->bases[i]->base_id,
                   ctl_text(p->bases[i]->name), p->bases[i]->days_overdue,
                   p->bases[i]->days_overdue == 1 ? "" : "s");
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

int ctl_verb_activity(ctl *c, const verb *v, char **args)
{
    (void)v;
    size_t n = count_args(args);
    const char *sub = n ? args[0] : "";
    if (strcmp(sub, "file") == 0 && n == 2)
        return activity_file(c, args[1]);
    if (strcmp(sub, "list") == 0 && n == 2)
        return activity_list(c, args[1]);
    if (strcmp(sub, "overdue") == 0 && n == 1)
        return activity_overdue(c);
    return usage_fail(c, "usage: skillbasectl activity file BASE --year Y -f ACTIVITY.json "
                         "[-r REASON] | list BASE [--cycle N] | overdue [--year Y]");
}

/* ------------------------------------------------------------ recommendations */

static void print_recommendation(const Skillbase__Recommendation *r)
{
    char k[32];
    printf("  %s  %-19s  %s  %s  (by %s): %s\n", r->on,
           enum_text(&skillbase__recommendation_kind__descriptor, r->kind, k, sizeof k), r->base_id,
           ctl_text(r->base_name), ctl_text(r->recorded_by), ctl_text(r->reason));
}

static int parse_kind(ctl *c, const char *s, int *ret)
{
    int k;
    if (pbjson_enum_parse(&skillbase__recommendation_kind__descriptor, s, &k) == 0 && k != 0) {
        *ret = k;
        return 0;
    }
    return usage_fail(c,
                      "unknown recommendation \"%s\" (expected designated_training or "
                      "training_evaluation)",
                      s);
}

int ctl_verb_recommend(ctl *c, const verb *v, char **args)
{
    (void)v;
    int kind = 0;
    int r = parse_kind(c, args[1], &kind);
    if (r)
        return r;
    if (!c->on)
        return usage_fail(c, "recommend needs --on DATE (the day the bureau recommended it)");
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Recommend q = SKILLBASE__RECOMMEND__INIT;
    q.id = args[0];
    q.kind = (Skillbase__RecommendationKind)kind;
    q.on = (char *)c->on;
    q.reason = (char *)c->reason;
    req.command_case = SKILLBASE__REQUEST__COMMAND_RECOMMEND;
    req.recommend = &q;
    Skillbase__Reply *reply = NULL;
    r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_RECOMMENDATION, &reply);
    if (r)
        return r;
    if (c->out.json) {
        r = print_json_msg(c, &reply->recommendation->base);
    } else {
        printf("%s: recommended (event %" PRIu64 ")\n", reply->recommendation->base_id, reply->seq);
        print_recommendation(reply->recommendation);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

int ctl_verb_recommendations(ctl *c, const verb *v, char **args)
{
    (void)v, (void)args;
    int kind = 0;
    if (c->doc_kind) {
        int r = parse_kind(c, c->doc_kind, &kind);
        if (r)
            return r;
    }
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ListRecommendations q = SKILLBASE__LIST_RECOMMENDATIONS__INIT;
    q.kind = (Skillbase__RecommendationKind)kind;
    req.command_case = SKILLBASE__REQUEST__COMMAND_LIST_RECOMMENDATIONS;
    req.list_recommendations = &q;
    Skillbase__Reply *reply = NULL;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_RECOMMENDATIONS, &reply);
    if (r)
        return r;
    const Skillbase__RecommendationPage *p = reply->recommendations;
    if (c->out.json) {
        json_t *j = json_array();
        bool bad = !j;
        for (size_t i = 0; i < p->n_recommendations && !bad; i++)
            bad = json_array_append_new(j, pbjson_from_message(&p->recommendations[i]->base)) != 0;
        if (bad)
            json_decref(j);
        r = bad || ctl_print_json(j) ? ctl_fail(c, EXIT_REFUSED, "internal", "out of memory")
                                     : EXIT_DONE;
    } else {
        printf("%zu recommendation%s\n", p->n_recommendations,
               p->n_recommendations == 1 ? "" : "s");
        for (size_t i = 0; i < p->n_recommendations; i++)
            print_recommendation(p->recommendations[i]);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}
