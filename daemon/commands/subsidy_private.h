/* Private to the subsidy handlers (handle_subsidy.c, handle_statement.c,
 * handle_subsidy_decision.c): the bounds of their text fields and the
 * helpers they share, all defined in subsidy_common.c, so that the three
 * depend on it and not on each other. Not an API; docs/subsidy.md
 * describes the commands. */
#ifndef SB_SUBSIDY_PRIVATE_H
#define SB_SUBSIDY_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handlers_private.h"

#define SB_SUBSIDY_CLIENT_NAME_MAX 200
#define SB_SUBSIDY_OCCUPATION_MAX 100
#define SB_SUBSIDY_LEVEL_MAX 64
#define SB_SUBSIDY_SOURCE_MAX 100
#define SB_SUBSIDY_EXTERNAL_ID_MAX 200
#define SB_SUBSIDY_VERSION_NAME_MAX 100
#define SB_SUBSIDY_DETAIL_MAX 500
#define SB_SUBSIDY_BASE_ID_MAX 64

/* Load record `id`, named `field` in refusals, which must be a sub-base;
 * on NOT_FOUND, a missing id or an application the reply is set. */
int sb_handler_subsidy_load_base(sb_call *call, const char *field, const char *id,
                                 Skillbase__Record **ret);

/* Refuse a year outside 1-9999 (0: not given). */
int sb_handler_subsidy_check_year(sb_call *call, uint32_t year);

/* Add a problem unless s is UTF-8 text of at most max bytes (and, when
 * required, not empty). */
void sb_handler_subsidy_check_text(sb_problems *p, const char *field, const char *s, size_t max,
                                   bool required);

/* NULL-tolerant string equality (NULL equals ""). */
bool sb_handler_subsidy_str_eq(const char *a, const char *b);

/* Append the event "base.<what>" about sub-base `base` that is not a
 * transition (from and to are its current state), the call's last event.
 * With `jobs` the outbox rules apply (skillbase-notify hears of it);
 * without, it is only the audit trail. */
int sb_handler_subsidy_base_event(sb_call *call, Skillbase__Record *base, const char *what,
                                  const char *action, const char *reason, bool jobs);

/* The rules file statements are checked against: [subsidy] rules, else the
 * shipped example (as skillbase-subsidy). */
const char *sb_handler_subsidy_rules_path(const sb_config *c);

/* Statements and their decisions (handle_subsidy_decision.c). */
/* "computed", "approved", "paid" or "refused" (0, a statement stored
 * before decisions existed, is computed). */
const char *sb_handler_statement_state_name(Skillbase__StatementState s);
/* True when st is approved, paid or refused: a recomputation leaves it. */
bool sb_handler_statement_decided(const Skillbase__SubsidyStatement *st);
/* Fill what a statement stored before decisions lacks: its id
 * ("<base_id>/<year>"), state computed, version 1. */
int sb_handler_statement_normalise(sb_call *call, Skillbase__SubsidyStatement *st);
/* "<base_id>/<year>" (named `field` in refusals) into its parts, the base
 * id in the arena; on a refusal the reply is set. */
int sb_handler_statement_parse_id(sb_call *call, const char *field, const char *id, char **ret_base,
                                  uint32_t *ret_year);
/* Load statement `id` ("<base_id>/<year>", named `field` in refusals) and,
 * when ret_base is not NULL, its sub-base; normalised. On a refusal (a bad
 * id, no such sub-base or statement) the reply is set. */
int sb_handler_statement_load(sb_call *call, const char *field, const char *id,
                              Skillbase__Record **ret_base, Skillbase__SubsidyStatement **ret);

#endif
