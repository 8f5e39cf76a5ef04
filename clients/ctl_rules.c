/* ctl_rules: `skillbasectl rules`, the rules in force (docs/cli.md,
 * docs/protocol.md "The rules in force"). Text from the daemon is escaped
 * before it reaches the terminal (sb_text.h). */
#include "ctl.h"
#include "ctl_output.h"
#include "pbjson.h"

#include <stdio.h>

/* An enum value's JSON name, "?" for a value this build does not know. */
static const char *en_name(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t len)
{
    const char *n = pbjson_enum_name(d, v, buf, len);
    return n ? n : "?";
}

static void print_rules(const Skillbase__RulesInfo *r)
{
    char en[64];
    printf("skillbase %s, protocol %u\n", ctl_text(r->version), r->protocol);
    printf("publicity: %u working days\n", r->publicity_working_days);
    printf("rubric (%s; base items sum to %u, bonus items to %u):\n",
           r->rubric_example ? "the shipped example maxima, not set in [rubric]"
                             : "maxima set in the configuration [rubric]",
           r->base_points, r->bonus_points);
    for (size_t i = 0; i < r->n_rubric; i++)
        printf("  %-22s %-3u %s%s\n", ctl_text(r->rubric[i]->field), r->rubric[i]->max,
               ctl_text(r->rubric[i]->name), r->rubric[i]->bonus ? " (bonus)" : "");
    printf("grades:");
    for (size_t i = 0; i < r->n_grades; i++)
        printf("%s %s from %u", i ? "," : "",
               en_name(&skillbase__grade__descriptor, r->grades[i]->grade, en, sizeof en),
               r->grades[i]->min_total);
    printf("\ndistricts:");
    for (size_t i = 0; i < r->n_districts; i++)
        printf("%s %s (%s)", i ? "," : "", ctl_text(r->districts[i]->name),
               ctl_text(r->districts[i]->pinyin));
    printf("\nunit types:\n");
    for (size_t i = 0; i < r->n_unit_types; i++)
        printf("  %-22s %s\n", ctl_text(r->unit_types[i]->name),
               ctl_text(r->unit_types[i]->meaning));
    printf("revocation causes:\n");
    for (size_t i = 0; i < r->n_revocation_causes; i++)
        printf("  %-22s %s\n", ctl_text(r->revocation_causes[i]->name),
               ctl_text(r->revocation_causes[i]->meaning));
    printf("ingest types:\n");
    for (size_t i = 0; i < r->n_ingest_types; i++) {
        const Skillbase__IngestTypeInfo *it = r->ingest_types[i];
        printf("  %-22s %-12s %s", ctl_text(it->type),
               en_name(&skillbase__kind__descriptor, it->kind, en, sizeof en),
               ctl_text(it->action));
        if (it->cause)
            printf(" (%s)", en_name(&skillbase__cause__descriptor, it->cause, en, sizeof en));
        if (it->payload[0])
            printf(", payload %s", ctl_text(it->payload));
        printf("\n");
    }
    printf("document kinds:");
    for (size_t i = 0; i < r->n_document_kinds; i++)
        printf("%s %s", i ? "," : "", ctl_text(r->document_kinds[i]));
    printf("%s\nconditions that apply --waive CONDITION -r REASON may waive (二(二) 一般应具备):\n",
           r->n_document_kinds ? "" : " none");
    for (size_t i = 0; i < r->n_conditions; i++)
        printf("  %s  (%s) %s\n", ctl_text(r->conditions[i]->name),
               ctl_text(r->conditions[i]->clause), ctl_text(r->conditions[i]->meaning));
    printf("settings:\n");
    for (size_t i = 0; i < r->n_settings; i++)
        printf("  %s = %s  (%s; %s)\n", ctl_text(r->settings[i]->name),
               ctl_text(r->settings[i]->value), ctl_text(r->settings[i]->meaning),
               ctl_text(r->settings[i]->decided_by));
}

int ctl_verb_rules(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__RulesQuery q = SKILLBASE__RULES_QUERY__INIT;
    Skillbase__Reply *reply;
    (void)v, (void)args;
    req.command_case = SKILLBASE__REQUEST__COMMAND_RULES;
    req.rules = &q;
    int r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_RULES, &reply);
    if (r)
        return r;
    if (c->out.json)
        ctl_print_json(pbjson_from_message(&reply->rules->base));
    else
        print_rules(reply->rules);
    skillbase__reply__free_unpacked(reply, NULL);
    return EXIT_DONE;
}
