/* The bureau's choices: see bureau.h. */
#include "bureau.h"

#include <stdio.h>
#include <string.h>

#include "config_keys.h"
#include "sb_log.h"

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

/* The rubric's maxima together, as one row beside the items' own. */
static void rubric_row(const sb_config *c, sb_bureau_choice *row)
{
    size_t off = 0;
    row->value[0] = '\0';
    for (int i = 0; i < SB_RUBRIC_ITEMS && off < sizeof row->value; i++) {
        int n = snprintf(row->value + off, sizeof row->value - off, "%s%u", i ? "," : "",
                         c->rubric.max[i]);
        off += n > 0 ? (size_t)n : 0;
    }
    snprintf(row->name, sizeof row->name, "rubric_maxima");
    row->meaning = sb_bureau_rubric_warning(c)
                       ? "maxima per rubric item; the shipped EXAMPLE split, not the bureau's "
                         "(附件3 is not in the policy text)"
                       : "maxima per rubric item (附件3 is not in the policy text)";
    snprintf(row->decided_by, sizeof row->decided_by,
             "configuration [rubric] (the bureau's choice)");
}

size_t sb_bureau_choices(const sb_config *c, sb_bureau_choice *rows, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sb_config_n_keys; i++) {
        const sb_config_key *k = &sb_config_keys[i];
        if (!(k->flags & SB_CONFIG_BUREAU))
            continue;
        if (n < max) {
            sb_bureau_choice *row = &rows[n];
            sb_config_key_report_name(k, row->name, sizeof row->name);
            sb_config_key_value(k, c, row->value, sizeof row->value);
            row->meaning = k->line;
            snprintf(row->decided_by, sizeof row->decided_by,
                     "configuration [%s] %s (the bureau's choice)", k->section, k->key);
        }
        n++;
    }
    if (n < max)
        rubric_row(c, &rows[n]);
    return n + 1;
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
