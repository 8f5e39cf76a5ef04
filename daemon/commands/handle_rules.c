/* The rules command (docs/protocol.md, "rules"): the rules, lists and limits
 * the running daemon applies, read from the same tables and configuration
 * the handlers use, so that what a client learns here cannot drift from
 * what the daemon refuses.
 *
 * To add a setting, add one row to settings() below (name, value, meaning,
 * who decided it); to add a list, a repeated field to RulesInfo in
 * proto/skillbase.proto and its filling here.
 */
#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "bureau.h"
#include "activity_private.h"
#include "dispatch.h"
#include "documents.h"
#include "handlers_private.h"
#include "ingest_map.h"
#include "sb_error.h"
#include "sb_protocol.h"
#include "sb_subsidy.h"
#include "store_audit.h"
#include "subsidy_private.h"

/* The rubric items' names in 附件3, in the order of the Scores fields. */
static const char *const rubric_names[SB_RUBRIC_ITEMS] = {
    "基本建设", "制度建设", "实训管理", "公共服务", "承办技能大赛", "其他公益性服务",
};

static const char *unit_type_meaning(int v)
{
    switch (v) {
    case SKILLBASE__UNIT_TYPE__ENTERPRISE:
        return "enterprise (企业)";
    case SKILLBASE__UNIT_TYPE__UNIVERSITY:
        return "university (高等院校)";
    case SKILLBASE__UNIT_TYPE__VOCATIONAL_COLLEGE:
        return "vocational college (职业院校)";
    case SKILLBASE__UNIT_TYPE__TECHNICAL_SCHOOL:
        return "technical school (技工院校)";
    default:
        return "other training institution (其他)";
    }
}

static const char *cause_meaning(int v)
{
    switch (v) {
    case SKILLBASE__CAUSE__REFUSED_ASSESSMENT:
        return "refused or obstructed the assessment";
    case SKILLBASE__CAUSE__UNIT_DEREGISTERED:
        return "unit deregistered or its licence revoked";
    case SKILLBASE__CAUSE__VERIFIED_COMPLAINT:
        return "verified complaint or public-opinion incident with bad social impact";
    case SKILLBASE__CAUSE__MAJOR_SAFETY_ACCIDENT:
        return "major safety accident";
    default:
        return "other violation of laws or rules";
    }
}

/* The lower-case spelling of an enum value's name (the JSON spelling). */
static char *lower(sb_arena *a, const char *name)
{
    char *s = sb_arena_strdup(a, name);
    for (char *p = s; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

typedef struct {
    sb_arena *arena;
    Skillbase__Setting **rows;
    size_t n, cap;
    int failed;
} setting_list;

static void add(setting_list *l, const char *name, const char *value, const char *meaning,
                const char *decided_by)
{
    if (l->failed || l->n == l->cap) {
        l->failed = 1;
        return;
    }
    Skillbase__Setting *s = sb_arena_alloc(l->arena, sizeof *s);
    if (!s || !value) {
        l->failed = 1;
        return;
    }
    skillbase__setting__init(s);
    s->name = (char *)name;
    s->value = (char *)value;
    s->meaning = (char *)meaning;
    s->decided_by = (char *)decided_by;
    l->rows[l->n++] = s;
}

static void add_u(setting_list *l, const char *name, uint64_t value, const char *meaning,
                  const char *decided_by)
{
    add(l, name, sb_arena_printf(l->arena, "%" PRIu64, value), meaning, decided_by);
}

#define SETTINGS_MAX 160

/* A row of that name is listed already. */
static bool listed(const setting_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->rows[i]->name, name) == 0)
            return true;
    return false;
}

static int settings(sb_call *call, Skillbase__RulesInfo *out)
{
    const sb_config *c = call->config;
    setting_list l = {.arena = call->arena, .cap = SETTINGS_MAX};
    l.rows = sb_arena_alloc(call->arena, SETTINGS_MAX * sizeof *l.rows);
    if (!l.rows)
        return SB_E(SB_INTERNAL);
    add_u(&l, "publicity_working_days", c->publicity_working_days,
          "working days a publicity (公示) window lasts; the policy (二(三)2) sets none",
          "configuration [publicity] working_days (the bureau's choice)");
    add(&l, "four_eyes_certify", c->four_eyes_certify ? "true" : "false",
        "close_publicity makes a proposal a second operator confirms",
        "configuration [four_eyes] certify");
    add(&l, "four_eyes_revoke", c->four_eyes_revoke ? "true" : "false",
        "revoke makes a proposal a second operator confirms", "configuration [four_eyes] revoke");
    add(&l, "four_eyes_subsidy", c->four_eyes_subsidy ? "true" : "false",
        "subsidy_approve makes a proposal a second operator confirms",
        "configuration [four_eyes] subsidy");
    add(&l, "subsidy_approve_with_example_rates", c->subsidy_refuse_example ? "refuse" : "allow",
        "whether a statement computed with EXAMPLE rates may be approved (六(二) names no amounts)",
        "configuration [subsidy] approve_with_example_rates");
    add_u(&l, "max_request_bytes", c->max_request_bytes,
          "largest request frame; a larger one is refused or dropped",
          "configuration [daemon] max_request_kb");
    add_u(&l, "envelope_text_max_bytes", SB_ENVELOPE_TEXT_MAX,
          "request_id, idempotency_key and actor: longest, in bytes", "daemon");
    add_u(&l, "idempotency_key_max_bytes", SB_IDEM_KEY_MAX,
          "longest idempotency key as stored (over CURVE prefixed with the key's name and /)",
          "daemon");
    add_u(&l, "page_default", SB_PAGE_DEFAULT, "page size of a paged read that asks for 0",
          "daemon");
    add_u(&l, "page_max", SB_PAGE_MAX,
          "largest page of list, history, read_events, list_jobs, list_proposals, list_services; "
          "a larger limit is lowered to it (Reply.page_limit)",
          "daemon");
    add_u(&l, "read_events_scan_max", SB_READ_EVENTS_SCAN_MAX,
          "events a filtered read_events examines per request", "daemon");
    add_u(&l, "audit_verify_max", SB_AUDIT_VERIFY_MAX, "most events one audit_verify checks",
          "daemon");
    add_u(&l, "record_id_max_bytes", SB_ID_MAX, "longest record id", "daemon");
    add_u(&l, "reason_max_bytes", SB_REASON_MAX, "longest reason", "daemon");
    add_u(&l, "ingest_source_max_bytes", SB_INGEST_SOURCE_MAX,
          "Ingest.source: a-z, 0-9, '.', '_', '-'", "daemon");
    add_u(&l, "ingest_event_id_max_bytes", SB_INGEST_EVENT_ID_MAX, "Ingest.event_id", "daemon");
    add_u(&l, "topic_prefix_max_bytes", SB_TOPIC_PREFIX_MAX, "ReadEvents.topic_prefix", "daemon");
    add_u(&l, "competition_name_max_bytes", SB_COMPETITION_TEXT_MAX, "CompetitionHosted.name",
          "daemon");
    add_u(&l, "competition_level_max_bytes", SB_COMPETITION_LEVEL_MAX, "CompetitionHosted.level",
          "daemon");
    add_u(&l, "backup_dir_max_bytes", SB_BACKUP_DIR_MAX, "Backup.dir, an absolute path", "daemon");
    add_u(&l, "document_max_bytes", c->doc_max_bytes,
          "largest document accepted; a larger one is refused at document_begin",
          "configuration [documents] max_mb");
    add_u(&l, "document_uploads_max", c->doc_max_uploads, "uploads in progress at once",
          "configuration [documents] max_uploads");
    add_u(&l, "document_upload_idle_s", c->doc_upload_idle_s,
          "an upload left idle this long is forgotten", "configuration [documents] upload_idle_s");
    add_u(&l, "document_name_max_bytes", SB_DOC_NAME_MAX,
          "DocumentBegin.name, a file name without a directory", "daemon");
    static const struct {
        const char *name;
        uint64_t value;
        const char *meaning;
    } service[] = {
        {"service.client_name_max_bytes", SB_SUBSIDY_CLIENT_NAME_MAX, "ServiceRecord.client_name"},
        {"service.occupation_max_bytes", SB_SUBSIDY_OCCUPATION_MAX, "ServiceRecord.occupation"},
        {"service.level_max_bytes", SB_SUBSIDY_LEVEL_MAX, "ServiceRecord.level"},
        {"service.source_max_bytes", SB_SUBSIDY_SOURCE_MAX, "ServiceRecord.source"},
        {"service.external_id_max_bytes", SB_SUBSIDY_EXTERNAL_ID_MAX, "ServiceRecord.external_id"},
        {"service.trainees_max", SB_SUBSIDY_TRAINEES_MAX, "ServiceRecord.trainees (person-times)"},
        {"service.hours_tenths_max", SB_SUBSIDY_HOURS_TENTHS_MAX,
         "ServiceRecord.hours_tenths (tenths of an hour)"},
        {"statement.detail_max_bytes", SB_SUBSIDY_DETAIL_MAX, "SubsidyExclusion.detail"},
        {"statement.rule_version_max_bytes", SB_SUBSIDY_VERSION_NAME_MAX,
         "a rule version's name in a statement"},
    };
    for (size_t i = 0; i < sizeof service / sizeof service[0]; i++)
        add_u(&l, service[i].name, service[i].value, service[i].meaning, "daemon");
    size_t n;
    const sb_rules_limit *fl = sb_rules_form_limits(&n);
    for (size_t i = 0; i < n; i++)
        add(&l, sb_arena_printf(call->arena, "form.%s", fl[i].field),
            sb_arena_printf(call->arena, "%zu", fl[i].max),
            sb_arena_printf(call->arena, "most %s in the application form's %s", fl[i].unit,
                            fl[i].field),
            "daemon");
    /* equipment, yearly activity (activity_private.h, docs/activity.md) */
    static const struct {
        const char *name;
        uint64_t value;
        const char *meaning;
    } activity[] = {
        {"equipment.text_max_bytes", SB_EQUIPMENT_TEXT_MAX,
         "EquipmentItem.item, custodian, maintained_by"},
        {"equipment.note_max_bytes", SB_EQUIPMENT_NOTE_MAX,
         "EquipmentItem.note, ActivityFiling.note"},
        {"equipment.value_max_fen", SB_EQUIPMENT_VALUE_MAX, "EquipmentItem.value_fen"},
        {"equipment.items_max", SB_EQUIPMENT_PER_BASE,
         "items one register keeps, retired ones included"},
        {"activity.figure_max", SB_ACTIVITY_COUNT_MAX, "each figure of an ActivityFiling"},
    };
    for (size_t i = 0; i < sizeof activity / sizeof activity[0]; i++)
        add_u(&l, activity[i].name, activity[i].value, activity[i].meaning, "daemon");
    add(&l, "activity_due",
        sb_arena_printf(call->arena, "%02u-%02u", c->activity_due_month, c->activity_due_day),
        "a year's activity is due on this day of the following year (the bureau's choice)",
        "configuration [activity] due");
    add(&l, "activity_reminders", c->activity_reminders ? "on" : "off",
        "skillbase-deadlines reminds of the yearly filing (the bureau's choice)",
        "configuration [activity] reminders");
    for (uint32_t i = 0; i < c->n_activity_remind_days; i++)
        add_u(&l, "activity_reminder_days", c->activity_remind_days[i],
              "a reminder this many days before a year's activity is due",
              "configuration [activity] remind_days");
    for (uint32_t i = 0; i < c->n_remind_days; i++)
        add_u(&l, "assessment_reminder_days", c->remind_days[i],
              "a reminder this many days before a biennial assessment is due",
              "configuration [deadlines] remind_days");
    /* the bureau's choices (bureau.h: every key of the configuration table
     * marked as the bureau's choice), but those listed above */
    Skillbase__Setting **choices;
    size_t n_choices;
    int rc = sb_handler_bureau_settings(call, &choices, &n_choices);
    if (rc)
        return rc;
    for (size_t i = 0; i < n_choices; i++)
        if (!listed(&l, choices[i]->name))
            add(&l, choices[i]->name, choices[i]->value, choices[i]->meaning,
                choices[i]->decided_by);
    if (l.failed)
        return SB_E(SB_INTERNAL);
    out->settings = l.rows;
    out->n_settings = l.n;
    return 0;
}

static int rubric(sb_call *call, Skillbase__RulesInfo *out)
{
    /* the shipped EXAMPLE split is in force (bureau.h) */
    out->rubric_example = sb_bureau_rubric_warning(call->config) != NULL;
    out->base_points = SB_RUBRIC_BASE_POINTS;
    out->bonus_points = SB_RUBRIC_BONUS_POINTS;
    out->rubric = sb_arena_alloc(call->arena, SB_RUBRIC_ITEMS * sizeof *out->rubric);
    if (!out->rubric)
        return SB_E(SB_INTERNAL);
    for (int i = 0; i < SB_RUBRIC_ITEMS; i++) {
        Skillbase__RubricItem *it = sb_arena_alloc(call->arena, sizeof *it);
        if (!it)
            return SB_E(SB_INTERNAL);
        skillbase__rubric_item__init(it);
        it->field = (char *)sb_rubric_item_name(i);
        it->name = (char *)rubric_names[i];
        it->max = call->config->rubric.max[i];
        it->bonus = i >= SB_RUBRIC_BASE_ITEMS;
        out->rubric[out->n_rubric++] = it;
    }
    /* the bands as sb_rules_grade draws them, highest first */
    uint32_t top = SB_RUBRIC_BASE_POINTS + SB_RUBRIC_BONUS_POINTS;
    out->grades = sb_arena_alloc(call->arena, 8 * sizeof *out->grades);
    if (!out->grades)
        return SB_E(SB_INTERNAL);
    for (uint32_t t = top + 1; t-- > 0;) {
        Skillbase__Grade g = sb_rules_grade(t);
        if (t > 0 && sb_rules_grade(t - 1) == g)
            continue;
        Skillbase__GradeBand *b = sb_arena_alloc(call->arena, sizeof *b);
        if (!b || out->n_grades == 8)
            return SB_E(SB_INTERNAL);
        skillbase__grade_band__init(b);
        b->grade = g;
        b->min_total = t;
        out->grades[out->n_grades++] = b;
    }
    return 0;
}

static Skillbase__EnumValue *enum_value(sb_arena *a, const ProtobufCEnumValue *v,
                                        const char *meaning)
{
    Skillbase__EnumValue *e = sb_arena_alloc(a, sizeof *e);
    if (!e)
        return NULL;
    skillbase__enum_value__init(e);
    e->name = lower(a, v->name);
    e->number = (uint32_t)v->value;
    e->meaning = (char *)meaning;
    return e->name ? e : NULL;
}

static int lists(sb_call *call, Skillbase__RulesInfo *out)
{
    sb_arena *a = call->arena;
    const char *names[32], *pinyin[32];
    size_t n = sb_rules_districts(names, pinyin, 32);
    if (n > 32)
        return SB_E(SB_INTERNAL);
    out->districts = sb_arena_alloc(a, n * sizeof *out->districts);
    if (!out->districts)
        return SB_E(SB_INTERNAL);
    for (size_t i = 0; i < n; i++) {
        Skillbase__DistrictInfo *d = sb_arena_alloc(a, sizeof *d);
        if (!d)
            return SB_E(SB_INTERNAL);
        skillbase__district_info__init(d);
        d->name = (char *)names[i];
        d->pinyin = (char *)pinyin[i];
        out->districts[out->n_districts++] = d;
    }
    const ProtobufCEnumDescriptor *ut = &skillbase__unit_type__descriptor;
    out->unit_types = sb_arena_alloc(a, ut->n_values * sizeof *out->unit_types);
    const ProtobufCEnumDescriptor *cd = &skillbase__cause__descriptor;
    out->revocation_causes = sb_arena_alloc(a, cd->n_values * sizeof *out->revocation_causes);
    if (!out->unit_types || !out->revocation_causes)
        return SB_E(SB_INTERNAL);
    for (unsigned i = 0; i < ut->n_values; i++) {
        if (ut->values[i].value == 0)
            continue;
        if (!(out->unit_types[out->n_unit_types++] =
                  enum_value(a, &ut->values[i], unit_type_meaning(ut->values[i].value))))
            return SB_E(SB_INTERNAL);
    }
    for (unsigned i = 0; i < cd->n_values; i++) {
        if (!sb_rules_revoke_cause_ok((Skillbase__Cause)cd->values[i].value))
            continue;
        if (!(out->revocation_causes[out->n_revocation_causes++] =
                  enum_value(a, &cd->values[i], cause_meaning(cd->values[i].value))))
            return SB_E(SB_INTERNAL);
    }
    size_t rows;
    const sb_ingest_rule *t = sb_ingest_map_table(&rows);
    out->ingest_types = sb_arena_alloc(a, (rows ? rows : 1) * sizeof *out->ingest_types);
    if (!out->ingest_types)
        return SB_E(SB_INTERNAL);
    for (size_t i = 0; i < rows; i++) {
        Skillbase__IngestTypeInfo *it = sb_arena_alloc(a, sizeof *it);
        if (!it)
            return SB_E(SB_INTERNAL);
        skillbase__ingest_type_info__init(it);
        it->type = (char *)t[i].type;
        it->kind = t[i].kind;
        it->action = (char *)t[i].action;
        it->cause = t[i].cause;
        it->payload =
            (char *)(t[i].payload == SKILLBASE__INGEST__PAYLOAD_COMPETITION ? "competition"
                     : t[i].payload == SKILLBASE__INGEST__PAYLOAD_SERVICE   ? "service"
                                                                            : "");
        out->ingest_types[out->n_ingest_types++] = it;
    }
    /* the kinds of document the daemon keeps (handle_documents.c) */
    size_t nk = sb_handler_document_kinds(NULL, NULL, 0);
    out->document_kinds = sb_arena_alloc(a, nk * sizeof *out->document_kinds);
    if (!out->document_kinds)
        return SB_E(SB_INTERNAL);
    out->n_document_kinds = sb_handler_document_kinds((const char **)out->document_kinds, NULL, nk);
    /* the conditions of 二(二) an apply may waive (handle_waivers.c) */
    size_t nc;
    const sb_rules_condition *c = sb_rules_conditions(&nc);
    out->conditions = sb_arena_alloc(a, nc * sizeof *out->conditions);
    if (!out->conditions)
        return SB_E(SB_INTERNAL);
    for (size_t i = 0; i < nc; i++) {
        Skillbase__ConditionInfo *ci = sb_arena_alloc(a, sizeof *ci);
        if (!ci)
            return SB_E(SB_INTERNAL);
        skillbase__condition_info__init(ci);
        ci->name = (char *)c[i].name;
        ci->clause = (char *)c[i].clause;
        ci->meaning = (char *)c[i].meaning;
        out->conditions[out->n_conditions++] = ci;
    }
    return 0;
}

int sb_handler_rules(sb_call *call)
{
    Skillbase__RulesInfo *out = sb_arena_alloc(call->arena, sizeof *out);
    if (!out)
        return SB_E(SB_INTERNAL);
    skillbase__rules_info__init(out);
    out->version = (char *)SB_VERSION;
    out->protocol = SB_PROTOCOL_VERSION;
    out->publicity_working_days = call->config->publicity_working_days;
    int rc = rubric(call, out);
    if (!rc)
        rc = lists(call, out);
    if (!rc)
        rc = settings(call, out);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_RULES;
    call->reply->rules = out;
    return 0;
}
