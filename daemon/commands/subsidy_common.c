/* The helpers the subsidy handlers share (subsidy_private.h): a sub-base
 * and a year as a subsidy command names them, its events, and statements
 * (their ids, states and loading). handle_subsidy.c, handle_statement.c and
 * handle_subsidy_decision.c depend on this file, never on each other. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "sb_error.h"
#include "sb_subsidy.h"
#include "store_subsidy.h"
#include "subsidy_private.h"

const char *sb_handler_subsidy_rules_path(const sb_config *c)
{
    return c->subsidy_rules[0] ? c->subsidy_rules : SB_DEFAULT_SUBSIDY_RULES;
}

int sb_handler_subsidy_load_base(sb_call *call, const char *field, const char *id,
                                 Skillbase__Record **ret)
{
    Skillbase__Record *rec;
    if (!id || !id[0])
        return sb_call_fail(call, SB_INVALID, "%s: missing", field);
    int rc = sb_call_load(call, id, &rec);
    if (rc)
        return rc;
    if (rec->record_case != SKILLBASE__RECORD__RECORD_SUB_BASE)
        return sb_call_fail(call, SB_INVALID, "%s: %s is an application, not a sub-base", field,
                            id);
    *ret = rec;
    return 0;
}

int sb_handler_subsidy_check_year(sb_call *call, uint32_t year)
{
    if (year < 1 || year > 9999)
        return sb_call_fail(call, SB_INVALID, "year: missing or not a year (1-9999)");
    return 0;
}

void sb_handler_subsidy_check_text(sb_problems *p, const char *field, const char *s, size_t max,
                                   bool required)
{
    if (!s || !*s) {
        if (required)
            sb_problems_add(p, "%s: missing", field);
        return;
    }
    if (!sb_rules_text_ok(s))
        sb_problems_add(p, "%s: not valid UTF-8 text", field);
    else if (strlen(s) > max)
        sb_problems_add(p, "%s: longer than %zu bytes", field, max);
}

int sb_handler_subsidy_base_event(sb_call *call, Skillbase__Record *base, const char *what,
                                  const char *action, const char *reason, bool jobs)
{
    Skillbase__Event *ev = sb_call_event(call, base, what, action, reason);
    if (!ev)
        return SB_E(SB_INTERNAL);
    return sb_call_append_event(call, ev, jobs);
}

bool sb_handler_subsidy_str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

const char *sb_handler_statement_state_name(Skillbase__StatementState s)
{
    switch (s) {
    case SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED:
        return "approved";
    case SKILLBASE__STATEMENT_STATE__STATEMENT_PAID:
        return "paid";
    case SKILLBASE__STATEMENT_STATE__STATEMENT_REFUSED:
        return "refused";
    default:
        return "computed";
    }
}

bool sb_handler_statement_decided(const Skillbase__SubsidyStatement *st)
{
    return st->state == SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED ||
           st->state == SKILLBASE__STATEMENT_STATE__STATEMENT_PAID ||
           st->state == SKILLBASE__STATEMENT_STATE__STATEMENT_REFUSED;
}

int sb_handler_statement_normalise(sb_call *call, Skillbase__SubsidyStatement *st)
{
    if (!st->id || !st->id[0]) {
        st->id = sb_arena_printf(call->arena, "%s/%04u", st->base_id, st->year);
        if (!st->id)
            return SB_E(SB_INTERNAL);
    }
    if (st->state == SKILLBASE__STATEMENT_STATE__STATEMENT_STATE_UNSPECIFIED)
        st->state = SKILLBASE__STATEMENT_STATE__STATEMENT_COMPUTED;
    if (!st->version)
        st->version = 1;
    return 0;
}

/* "<base_id>/<year>" into its parts; on a refusal the reply is set. */
int sb_handler_statement_parse_id(sb_call *call, const char *field, const char *id, char **ret_base,
                                  uint32_t *ret_year)
{
    if (!id || !id[0])
        return sb_call_fail(call, SB_INVALID, "%s: missing (a statement id, BASE/YEAR)", field);
    const char *slash = strrchr(id, '/');
    size_t blen = slash ? (size_t)(slash - id) : 0;
    char *end = NULL;
    long year = slash ? strtol(slash + 1, &end, 10) : 0;
    if (!slash || !blen || blen > SB_SUBSIDY_BASE_ID_MAX || !sb_rules_text_ok(id) ||
        !isdigit((unsigned char)slash[1]) || *end || year < 1 || year > 9999)
        return sb_call_fail(call, SB_INVALID,
                            "%s: \"%.80s\" is not a statement id (BASE/YEAR, e.g. "
                            "base-000001/2026)",
                            field, id);
    char *base = sb_arena_alloc(call->arena, blen + 1);
    if (!base)
        return SB_E(SB_INTERNAL);
    memcpy(base, id, blen);
    base[blen] = 0;
    *ret_base = base;
    *ret_year = (uint32_t)year;
    return 0;
}

int sb_handler_statement_load(sb_call *call, const char *field, const char *id,
                              Skillbase__Record **ret_base, Skillbase__SubsidyStatement **ret)
{
    char *base_id = NULL;
    uint32_t year = 0;
    int rc = sb_handler_statement_parse_id(call, field, id, &base_id, &year);
    if (rc)
        return rc;
    Skillbase__Record *base = NULL;
    rc = sb_handler_subsidy_load_base(call, field, base_id, &base);
    if (rc)
        return rc;
    Skillbase__SubsidyStatement *st = NULL;
    rc = sb_store_statement_get(call->txn, base_id, (int)year, &call->arena->pb, &st);
    if (rc == SB_E(SB_NOT_FOUND))
        return sb_call_fail(call, SB_NOT_FOUND,
                            "no statement %s/%04u: skillbase-subsidy has computed none for %s in "
                            "%u (skillbasectl subsidy report --year %u)",
                            base_id, year, base_id, year, year);
    if (rc)
        return rc;
    rc = sb_handler_statement_normalise(call, st);
    if (rc)
        return rc;
    if (ret_base)
        *ret_base = base;
    *ret = st;
    return 0;
}
