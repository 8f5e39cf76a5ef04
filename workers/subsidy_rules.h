/* subsidy_rules: the subsidy rules file of skillbase-subsidy.
 *
 * A JSON file (docs/subsidy.md, data/subsidy/rules.example.json) of rule
 * versions, each in force from its effective_from date until the next
 * version's: the yearly cap per sub-base and the rates by service kind and
 * skill level, each rate per person-time, per hour or per person-hour, in
 * integer fen. Every amount carries "example": true or false, so an
 * example amount can never pass for the bureau's own: statements computed
 * with one say so. Loading is strict: an unknown key, a fractional or
 * negative amount, a duplicate version, date or (kind, level) is an error
 * naming its path ("versions[1].rates[3].rate_fen: ...").
 */
#ifndef SUBSIDY_RULES_H
#define SUBSIDY_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_date.h"
#include "skillbase.pb-c.h"

/* The level that matches every level of its kind when no rate names the
 * level itself. */
#define SB_SUBSIDY_ANY_LEVEL "*"

typedef struct {
    Skillbase__ServiceKind kind;
    char *level; /* a level, e.g. "高级工", or SB_SUBSIDY_ANY_LEVEL */
    Skillbase__RateUnit unit;
    uint64_t rate_fen;
    bool example; /* an example amount, not the bureau's */
} sb_subsidy_rate;

typedef struct {
    char *name; /* e.g. "example-2024" */
    sb_date effective_from;
    uint64_t cap_fen; /* yearly cap per sub-base, > 0 */
    bool cap_example;
    sb_subsidy_rate *rates;
    size_t n_rates;
} sb_subsidy_version;

typedef struct {
    sb_subsidy_version *versions; /* ordered by effective_from, oldest first */
    size_t n_versions;
} sb_subsidy_rules;

/* Read and check the rules file at `path`. Returns 0 and *ret (free with
 * sb_subsidy_rules_free), or -1 with one line naming the file and what is
 * wrong in err. */
int sb_subsidy_rules_load(const char *path, sb_subsidy_rules **ret, char *err, size_t err_len);

/* The same from a parsed JSON document; `name` prefixes error messages. */
int sb_subsidy_rules_from_json(const json_t *doc, const char *name, sb_subsidy_rules **ret,
                               char *err, size_t err_len);

/* Free the rules and set *r to NULL. NULL is ignored. */
void sb_subsidy_rules_free(sb_subsidy_rules **r);

/* The version in force on date d (the latest effective_from <= d), or NULL
 * when d is before every version. */
const sb_subsidy_version *sb_subsidy_rules_at(const sb_subsidy_rules *r, sb_date d);

/* The rate of a kind and level in a version: the one naming the level
 * exactly, else the kind's SB_SUBSIDY_ANY_LEVEL rate, else NULL. An empty
 * level matches only the "*" rate. */
const sb_subsidy_rate *sb_subsidy_version_rate(const sb_subsidy_version *v,
                                               Skillbase__ServiceKind kind, const char *level);

/* True when any amount of any version is marked an example. */
bool sb_subsidy_rules_have_examples(const sb_subsidy_rules *r);

#endif
