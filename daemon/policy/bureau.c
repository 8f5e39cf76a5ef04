/* The bureau's choices: see bureau.h. */
#include "bureau.h"

#include <stdio.h>
#include <string.h>

#include "sb_log.h"

#define DEFAULT_CERTIFICATE "HZPTB-{year}-{serial:3}"

void sb_bureau_config_finish(const sb_config *c, sb_problems *problems)
{
    sb_problems p = {0};
    if (!sb_rules_certificate_format_ok(c->certificate_format, &p))
        sb_problems_add(problems, "[certificate] number: %s", p.count ? p.text[0] : "invalid");
}

const char *sb_bureau_rubric_warning(const sb_config *c)
{
    if (!c->rubric_example_marked && c->rubric_items_set)
        return NULL;
    return "the assessment rubric's split per item is the shipped EXAMPLE (附件3 is not in the "
           "policy text; the policy fixes only 100 base and 20 bonus points): set the bureau's "
           "maxima in [rubric] and remove example = true";
}

size_t sb_bureau_choices(const sb_config *c, sb_bureau_choice *rows, size_t max)
{
    char maxima[96];
    size_t off = 0;
    for (int i = 0; i < SB_RUBRIC_ITEMS && off < sizeof maxima; i++)
        off += (size_t)snprintf(maxima + off, sizeof maxima - off, "%s%u", i ? "," : "",
                                c->rubric.max[i]);
    const struct {
        const char *name, *value, *meaning, *decided_by;
    } all[] = {
        {"publicity_working_days", NULL,
         "working days a publicity (公示) window lasts; 二(三)2 sets no length",
         "configuration [publicity] working_days (the bureau's choice)"},
        {"objection_suspends", c->objection_suspends ? "on" : "off",
         "an objection stops the publicity clock until it is dismissed (off: the window runs on)",
         "configuration [publicity] objection_suspends (the bureau's choice)"},
        {"grade_on", c->rubric.grade_on_base ? "base" : "total",
         "the grade bands of 五(二) apply to this (total: base plus bonus; base: the 100-point "
         "part); 五(二) does not say which",
         "configuration [rubric] grade_on (the bureau's choice)"},
        {"one_per_unit", c->one_per_unit ? "on" : "off",
         "a unit may have one open application or live sub-base at a time",
         "configuration [applications] one_per_unit (the bureau's choice)"},
        {"email_required", c->email_required ? "on" : "off",
         "an application must give a contact e-mail (off: without one, notices go to the "
         "notify worker's spool, for paper)",
         "configuration [applications] email_required (the bureau's choice)"},
        {"certificate_number", c->certificate_format,
         "format of certificate numbers ({year}, {serial:N}: the year's serial, N digits at "
         "least)",
         "configuration [certificate] number (the bureau's choice)"},
        {"rubric_maxima", maxima,
         sb_bureau_rubric_warning(c)
             ? "maxima per rubric item; the shipped EXAMPLE split, not the bureau's (附件3 is "
               "not in the policy text)"
             : "maxima per rubric item (附件3 is not in the policy text)",
         "configuration [rubric] (the bureau's choice)"},
    };
    size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n && i < max; i++) {
        rows[i].name = all[i].name;
        if (all[i].value)
            snprintf(rows[i].value, sizeof rows[i].value, "%s", all[i].value);
        else
            snprintf(rows[i].value, sizeof rows[i].value, "%u", c->publicity_working_days);
        rows[i].meaning = all[i].meaning;
        rows[i].decided_by = all[i].decided_by;
    }
    return n;
}

void sb_bureau_log_warnings(const sb_config *c)
{
    const char *w = sb_bureau_rubric_warning(c);
    if (w)
        sb_log(SB_LOG_WARN, "%s", w);
}

void sb_bureau_reload_apply(void *arg, const sb_config *c)
{
    (void)arg;
    sb_bureau_log_warnings(c);
}
