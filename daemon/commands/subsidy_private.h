/* Private to the subsidy handlers (handle_subsidy.c, handle_statement.c):
 * the bounds of their text fields and the helpers both use. Not an API;
 * docs/subsidy.md describes the commands. */
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
int sb__subsidy_load_base(sb_call *call, const char *field, const char *id,
                          Skillbase__Record **ret);

/* Refuse a year outside 1-9999 (0: not given). */
int sb__subsidy_check_year(sb_call *call, uint32_t year);

/* Add a problem unless s is UTF-8 text of at most max bytes (and, when
 * required, not empty). */
void sb__subsidy_check_text(sb_problems *p, const char *field, const char *s, size_t max,
                            bool required);

/* NULL-tolerant string equality (NULL equals ""). */
bool sb__subsidy_str_eq(const char *a, const char *b);

/* Append the event "base.<what>" about sub-base `base` that is not a
 * transition (from and to are its current state) and set the reply's seq.
 * With `jobs` the outbox rules apply (skillbase-notify hears of it);
 * without, it is only the audit trail. */
int sb__subsidy_base_event(sb_call *call, Skillbase__Record *base, const char *what,
                           const char *action, const char *reason, bool jobs);

#endif
