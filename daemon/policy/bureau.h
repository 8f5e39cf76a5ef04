/* sb_bureau: the bureau's choices — what the daemon does where the policy
 * (杭州市高技能人才公共实训基地体系建设实施办法) sets nothing, each a
 * configuration key with a default of this project, never presented as
 * policy: the publicity length and whether an objection stops its clock
 * (二(三)2 says 公示, not how long); whether the grade bands of 五(二)
 * apply to the total or to the base part; one open application or live
 * sub-base per unit; whether an e-mail contact is required; the
 * certificate number's format; the rubric split per item (附件3 is not in
 * the policy text), shipped as an EXAMPLE.
 *
 * `status` and `rules` report each choice with the key that sets it, one
 * row per key of the configuration table marked as the bureau's choice
 * (config_keys.h), so a key added there is reported with no code here; the
 * daemon warns at start, on reload and in `status` while the example
 * rubric split is in force.
 */
#ifndef SB_BUREAU_H
#define SB_BUREAU_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Validate the choices (the certificate format), adding one problem each. */
void sb_bureau_config_finish(const sb_config *c, sb_problems *problems);

/* The warning to show while the shipped EXAMPLE rubric split is in force
 * ([rubric] example = true, or no item of [rubric] set); NULL otherwise. */
const char *sb_bureau_rubric_warning(const sb_config *c);

/* Log the warnings about the choices in force (the EXAMPLE rubric split)
 * at warn level: at start, and as a reload's apply step (arg unused). */
void sb_bureau_log_warnings(const sb_config *c);
void sb_bureau_reload_apply(void *arg, const sb_config *c);

/* One choice in force: the name `status` and `rules` report it under, its
 * value as the configuration file writes it, its meaning and the key that
 * sets it ("configuration [section] key (the bureau's choice)"). */
typedef struct {
    char name[64];
    char value[96];
    const char *meaning;
    char decided_by[96];
} sb_bureau_choice;

/* The choices in force into rows (at most max; rows may be NULL when max
 * is 0): one per key of the configuration table marked as the bureau's
 * choice (config_keys.h), in the table's order, then the rubric's maxima
 * together (rubric_maxima). Returns how many there are. */
size_t sb_bureau_choices(const sb_config *c, sb_bureau_choice *rows, size_t max);

#endif
