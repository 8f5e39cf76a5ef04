/* The bureau's choices: see bureau.h. */
#include "bureau.h"

#include <stdio.h>
#include <string.h>

#include "sb_log.h"

#define DEFAULT_CERTIFICATE "HZPTB-{year}-{serial:3}"

void sb_bureau_config_defaults(sb_config *c)
{
    c->rubric_example_marked = false;
    c->rubric_items_set = false;
    c->rubric.grade_on_base = false;
    c->objection_suspends = true;
    c->one_per_unit = true;
    c->email_required = false;
    snprintf(c->certificate_format, sizeof c->certificate_format, "%s", DEFAULT_CERTIFICATE);
}

static int parse_switch(const char *v, bool *ret)
{
    static const char *const on[] = {"on", "true", "yes", "1"};
    static const char *const off[] = {"off", "false", "no", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, on[i]) == 0)
            return *ret = true, 0;
        if (strcmp(v, off[i]) == 0)
            return *ret = false, 0;
    }
    return -1;
}

int sb_bureau_config_set(sb_config *c, const char *section, const char *key, const char *value,
                         char *err, size_t err_len)
{
    bool *sw = NULL;
    if (strcmp(section, "rubric") == 0 && strcmp(key, "grade_on") == 0) {
        if (strcmp(value, "total") && strcmp(value, "base")) {
            snprintf(err, err_len, "[rubric] grade_on: \"%s\" is not total or base", value);
            return -1;
        }
        c->rubric.grade_on_base = strcmp(value, "base") == 0;
        return 0;
    }
    if (strcmp(section, "rubric") == 0 && strcmp(key, "example") == 0)
        sw = &c->rubric_example_marked;
    else if (strcmp(section, "publicity") == 0 && strcmp(key, "objection_suspends") == 0)
        sw = &c->objection_suspends;
    else if (strcmp(section, "applications") == 0 && strcmp(key, "one_per_unit") == 0)
        sw = &c->one_per_unit;
    else if (strcmp(section, "applications") == 0 && strcmp(key, "email_required") == 0)
        sw = &c->email_required;
    if (sw) {
        if (parse_switch(value, sw)) {
            snprintf(err, err_len, "[%s] %s: \"%s\" is not on or off", section, key, value);
            return -1;
        }
        return 0;
    }
    if (strcmp(section, "certificate") == 0 && strcmp(key, "number") == 0) {
        if (strlen(value) >= sizeof c->certificate_format) {
            snprintf(err, err_len, "[certificate] number: longer than %zu bytes",
                     sizeof c->certificate_format - 1);
            return -1;
        }
        snprintf(c->certificate_format, sizeof c->certificate_format, "%s", value);
        return 0;
    }
    if (strcmp(section, "applications") == 0 || strcmp(section, "certificate") == 0) {
        snprintf(err, err_len, "[%s] %s: unknown key", section, key);
        return -1;
    }
    return 1;
}

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
