/* The ingest table: policy 二(三)2 (objections during publicity, 经公示无异议后) and 五(三)
 * (direct revocation), plus the inputs of the bonus points (五(一) 加分部分) and of the
 * subsidy (六(二)). docs/events.md prints the same table for people. */
#include "ingest_map.h"

#include <stdio.h>
#include <string.h>

#define APP SKILLBASE__KIND__APPLICATION
#define BASE SKILLBASE__KIND__BASE
#define CMD(x) SKILLBASE__REQUEST__COMMAND_##x
#define CAUSE(x) SKILLBASE__CAUSE__##x
#define NONE SKILLBASE__INGEST__PAYLOAD__NOT_SET
#define PAYLOAD(x) SKILLBASE__INGEST__PAYLOAD_##x

static const sb_ingest_rule rules[] = {
    /* 公示 objections: the application goes back to review, then on */
    {"objection.filed", APP, SB_INGEST_COMMAND, CMD(FILE_OBJECTION), 0, NONE, "file_objection",
     NULL},
    {"objection.dismissed", APP, SB_INGEST_COMMAND, CMD(DISMISS_OBJECTION), 0, NONE,
     "dismiss_objection", NULL},
    {"objection.upheld", APP, SB_INGEST_COMMAND, CMD(UPHOLD_OBJECTION), 0, NONE, "uphold_objection",
     NULL},
    /* 五(三): each revokes a sub-base at once. A deregistered unit is no
     * longer an independent legal person (二(二)), so its open application
     * is rejected. */
    {"unit.deregistered", BASE, SB_INGEST_COMMAND, CMD(REVOKE), CAUSE(UNIT_DEREGISTERED), NONE,
     "revoke", NULL},
    {"unit.deregistered", APP, SB_INGEST_COMMAND, CMD(REJECT), 0, NONE, "reject", NULL},
    {"complaint.verified", BASE, SB_INGEST_COMMAND, CMD(REVOKE), CAUSE(VERIFIED_COMPLAINT), NONE,
     "revoke", NULL},
    {"safety.major_accident", BASE, SB_INGEST_COMMAND, CMD(REVOKE), CAUSE(MAJOR_SAFETY_ACCIDENT),
     NONE, "revoke", NULL},
    {"violation.confirmed", BASE, SB_INGEST_COMMAND, CMD(REVOKE), CAUSE(VIOLATION), NONE, "revoke",
     NULL},
    {"assessment.refused", BASE, SB_INGEST_COMMAND, CMD(REVOKE), CAUSE(REFUSED_ASSESSMENT), NONE,
     "revoke", NULL},
    /* 五(一) bonus part, 承办技能大赛: recorded on the sub-base for its assessor */
    {"competition.hosted", BASE, SB_INGEST_NOTE, 0, 0, PAYLOAD(COMPETITION), "competition_hosted",
     "competition_hosted"},
    /* 六(二): a delivered public-welfare service, counted by the subsidy */
    {"service.delivered", BASE, SB_INGEST_SERVICE, 0, 0, PAYLOAD(SERVICE), "record_service",
     "service_delivered"},
};

static const sb_ingest_rule complaint_warning = {
    "complaint.verified", BASE, SB_INGEST_WARN, 0, 0, NONE, "warn", "complaint_warning"};

const sb_ingest_rule *sb_ingest_map_effect(const sb_ingest_rule *rule, const Skillbase__Ingest *in)
{
    if (rule && rule->kind == BASE && rule->command == CMD(REVOKE) &&
        rule->cause == CAUSE(VERIFIED_COMPLAINT) && !in->adverse_social_impact)
        return &complaint_warning;
    return rule;
}

const sb_ingest_rule *sb_ingest_map_table(size_t *ret_n)
{
    *ret_n = sizeof rules / sizeof rules[0];
    return rules;
}

const sb_ingest_rule *sb_ingest_map_find(const char *type, Skillbase__Kind kind)
{
    const sb_ingest_rule *first = NULL;
    if (!type)
        return NULL;
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (strcmp(rules[i].type, type) != 0)
            continue;
        if (rules[i].kind == kind)
            return &rules[i];
        if (!first)
            first = &rules[i];
    }
    return first;
}

bool sb_ingest_type_known(const char *type)
{
    return sb_ingest_map_find(type, SKILLBASE__KIND__KIND_UNSPECIFIED) != NULL;
}

const char *sb_ingest_types(char *buf, size_t len)
{
    size_t off = 0;
    if (!len)
        return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof rules / sizeof rules[0] && off < len; i++) {
        if (i && strcmp(rules[i].type, rules[i - 1].type) == 0)
            continue;
        int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", rules[i].type);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    return buf;
}
