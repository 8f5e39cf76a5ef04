/* record_statement: skillbase-subsidy's job result stores a sub-base's
 * yearly statement (docs/subsidy.md, "What the daemon checks before storing
 * a statement"). The worker's arithmetic is checked, not trusted: every
 * line against its record and against sb_subsidy_line_amount, the totals
 * against the cap; then the statement is stored and the event
 * "base.subsidy_statement" tells the unit (through the notify worker). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "sb_subsidy.h"
#include "store_subsidy.h"
#include "subsidy_private.h"
#include "subsidy_rules.h"

/* The worker proposes, the daemon verifies: every line's rule version,
 * unit, rate and example mark must be those the rules file in force gives
 * for its record's date, kind and level, and the cap that of the version
 * in force on 31 December (the computation of workers/subsidy_calc.h). */
static void check_rates(const sb_subsidy_rules *rules, const Skillbase__SubsidyStatement *st,
                        const Skillbase__ServiceRecord *const *recs, const char *path,
                        sb_problems *p)
{
    for (size_t i = 0; i < st->n_lines; i++) {
        const Skillbase__SubsidyLine *l = st->lines[i];
        const Skillbase__ServiceRecord *rec = recs[i];
        sb_date d;
        if (!rec || sb_date_parse(rec->date, &d))
            continue; /* already a problem */
        const sb_subsidy_version *v = sb_subsidy_rules_at(rules, d);
        const sb_subsidy_rate *r = v ? sb_subsidy_version_rate(v, rec->kind, rec->level) : NULL;
        if (!r) {
            sb_problems_add(p, "lines[%zu]: the rules file %s has no rate for %s on %s", i, path,
                            rec->id, rec->date);
            continue;
        }
        if (!sb_handler_subsidy_str_eq(l->rule_version, v->name) || l->unit != r->unit ||
            l->rate_fen != r->rate_fen || (bool)l->example_rate != r->example) {
            char rate[SB_YUAN_STRLEN];
            sb_problems_add(p,
                            "lines[%zu]: rate of %s is not the rules file's: version %s gives "
                            "%s yuan (unit %d%s)",
                            i, rec->id, v->name, sb_subsidy_yuan(r->rate_fen, rate), (int)r->unit,
                            r->example ? ", example" : "");
        }
    }
    const sb_subsidy_version *capv = sb_subsidy_rules_at(rules, (sb_date){(int)st->year, 12, 31});
    if (capv && (st->cap_fen != capv->cap_fen ||
                 !sb_handler_subsidy_str_eq(st->cap_rule_version, capv->name))) {
        char cap[SB_YUAN_STRLEN];
        sb_problems_add(p, "cap_fen: the rules file's cap for %u is %s yuan (version %s)", st->year,
                        sb_subsidy_yuan(capv->cap_fen, cap), capv->name);
    } else if (!capv && st->n_lines) {
        sb_problems_add(p, "cap_fen: the rules file %s has no version in force in %u", path,
                        st->year);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The record a statement names, which must be of the statement's base and
 * year; NULL with a problem added otherwise. */
static const Skillbase__ServiceRecord *statement_service(sb_call *call,
                                                         const Skillbase__SubsidyStatement *st,
                                                         const char *field, const char *id,
                                                         sb_problems *p, int *ret_rc)
{
    Skillbase__ServiceRecord *rec;
    char year[8];
    snprintf(year, sizeof year, "%04u-", st->year);
    int rc = sb_store_delivery_get(call->txn, id, &call->arena->pb, &rec);
    if (rc == SB_E(SB_NOT_FOUND)) {
        sb_problems_add(p, "%s: no service record %.40s", field, id ? id : "");
        return NULL;
    }
    if (rc) {
        *ret_rc = rc;
        return NULL;
    }
    if (!sb_handler_subsidy_str_eq(rec->base_id, st->base_id) || strncmp(rec->date, year, 5) != 0) {
        sb_problems_add(p, "%s: %s is a service of %s in %.4s, not of this statement", field, id,
                        rec->base_id, rec->date);
        return NULL;
    }
    return rec;
}

/* Every problem of a statement: lines that do not match their records or
 * whose amount is not the line arithmetic of sb_subsidy.h, records counted
 * twice or left out, totals that do not add up. *ret_rc is set on a store
 * failure. */
static void check_statement(sb_call *call, const Skillbase__SubsidyStatement *st,
                            uint64_t count_now, sb_problems *p, int *ret_rc)
{
    char f[64];
    const Skillbase__ServiceRecord **recs =
        sb_arena_alloc(call->arena, (st->n_lines ? st->n_lines : 1) * sizeof *recs);
    if (!recs) {
        *ret_rc = SB_E(SB_INTERNAL);
        return;
    }
    sb_handler_subsidy_check_text(p, "base_name", st->base_name, 400, false);
    if ((st->id && st->id[0]) || st->version || st->state || st->approved || st->paid ||
        st->refused)
        sb_problems_add(p, "id, version, state, approved, paid, refused: set by the daemon; "
                           "leave them out");
    /* with no line there may be no rule version for the year at all */
    sb_handler_subsidy_check_text(p, "cap_rule_version", st->cap_rule_version,
                                  SB_SUBSIDY_VERSION_NAME_MAX, st->n_lines > 0);
    for (size_t i = 0; i < st->n_rule_versions; i++) {
        snprintf(f, sizeof f, "rule_versions[%zu]", i);
        sb_handler_subsidy_check_text(p, f, st->rule_versions[i], SB_SUBSIDY_VERSION_NAME_MAX,
                                      true);
    }
    if (st->input_version > count_now)
        sb_problems_add(p, "input_version: %llu records, but %s has %llu in %u",
                        (unsigned long long)st->input_version, st->base_id,
                        (unsigned long long)count_now, st->year);
    if (st->n_lines + st->n_exclusions != st->input_version)
        sb_problems_add(p, "lines and exclusions: %zu, but input_version says %llu records",
                        st->n_lines + st->n_exclusions, (unsigned long long)st->input_version);
    size_t n_ids = st->n_lines + st->n_exclusions;
    char **ids = sb_arena_alloc(call->arena, (n_ids ? n_ids : 1) * sizeof *ids);
    if (!ids) {
        *ret_rc = SB_E(SB_INTERNAL);
        return;
    }
    uint64_t gross = 0;
    bool example = false, overflow = false;
    for (size_t i = 0; i < st->n_lines && !*ret_rc; i++) {
        const Skillbase__SubsidyLine *l = st->lines[i];
        snprintf(f, sizeof f, "lines[%zu]", i);
        ids[i] = l->service_id ? l->service_id : (char *)"";
        const Skillbase__ServiceRecord *rec =
            statement_service(call, st, f, l->service_id, p, ret_rc);
        recs[i] = rec;
        if (rec && (!sb_handler_subsidy_str_eq(l->date, rec->date) || l->kind != rec->kind ||
                    l->trainees != rec->trainees || l->hours_tenths != rec->hours_tenths))
            sb_problems_add(p, "%s: date, kind, trainees or hours differ from %s", f, rec->id);
        sb_handler_subsidy_check_text(p, f, l->rule_version, SB_SUBSIDY_VERSION_NAME_MAX, true);
        sb_handler_subsidy_check_text(p, f, l->occupation, SB_SUBSIDY_OCCUPATION_MAX, false);
        sb_handler_subsidy_check_text(p, f, l->level, SB_SUBSIDY_LEVEL_MAX, false);
        sb_handler_subsidy_check_text(p, f, l->client_name, SB_SUBSIDY_CLIENT_NAME_MAX, false);
        uint64_t amount;
        if (sb_subsidy_line_amount(l->unit, l->rate_fen, l->trainees, l->hours_tenths, &amount))
            sb_problems_add(p, "%s: unknown rate unit or a value out of bounds", f);
        else if (amount != l->amount_fen)
            sb_problems_add(p, "%s: amount_fen is %llu, the rate gives %llu", f,
                            (unsigned long long)l->amount_fen, (unsigned long long)amount);
        if (!sb_subsidy_add(gross, l->amount_fen, &gross))
            overflow = true;
        example = example || l->example_rate;
    }
    for (size_t i = 0; i < st->n_exclusions && !*ret_rc; i++) {
        const Skillbase__SubsidyExclusion *x = st->exclusions[i];
        snprintf(f, sizeof f, "exclusions[%zu]", i);
        ids[st->n_lines + i] = x->service_id ? x->service_id : (char *)"";
        statement_service(call, st, f, x->service_id, p, ret_rc);
        if (x->reason < SKILLBASE__EXCLUSION_REASON__OWN_INSTITUTION ||
            x->reason > SKILLBASE__EXCLUSION_REASON__NO_RATE)
            sb_problems_add(p, "%s: unknown reason", f);
        sb_handler_subsidy_check_text(p, f, x->detail, SB_SUBSIDY_DETAIL_MAX, true);
        sb_handler_subsidy_check_text(p, f, x->client_name, SB_SUBSIDY_CLIENT_NAME_MAX, false);
    }
    if (*ret_rc)
        return;
    qsort(ids, n_ids, sizeof *ids, cmp_str);
    for (size_t i = 1; i < n_ids; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0)
            sb_problems_add(p, "service %s is counted more than once", ids[i]);
    if (overflow || gross != st->gross_fen)
        sb_problems_add(p, "gross_fen: %llu, but the lines add up to %llu",
                        (unsigned long long)st->gross_fen, (unsigned long long)gross);
    if (st->cap_fen == 0 && st->n_lines)
        sb_problems_add(p, "cap_fen: missing");
    bool capped = st->gross_fen > st->cap_fen;
    uint64_t total = capped ? st->cap_fen : st->gross_fen;
    if (st->capped != capped || st->total_fen != total)
        sb_problems_add(p, "total_fen, capped: expected %llu, %s (gross %llu, cap %llu)",
                        (unsigned long long)total, capped ? "true" : "false",
                        (unsigned long long)st->gross_fen, (unsigned long long)st->cap_fen);
    if (example && !st->example_rates)
        sb_problems_add(p, "example_rates: a line uses an example rate");
    if (p->count)
        return; /* the arithmetic first */
    const char *path = sb_handler_subsidy_rules_path(call->config);
    sb_subsidy_rules *rules = NULL;
    char err[512];
    if (sb_subsidy_rules_load(path, &rules, err, sizeof err)) {
        sb_log(SB_LOG_ERROR, "subsidy rules: %s", err);
        sb_problems_add(p, "the daemon cannot check the rates: %s", err);
        return;
    }
    check_rates(rules, st, recs, path, p);
    sb_subsidy_rules_free(&rules);
}

/* Two statements say the same (when they were computed aside). */
static bool same_statement(sb_call *call, const Skillbase__SubsidyStatement *a,
                           const Skillbase__SubsidyStatement *b)
{
    Skillbase__SubsidyStatement ca = *a, cb = *b;
    ca.computed_ms = cb.computed_ms = 0;
    /* the daemon's own fields aside */
    ca.id = cb.id = (char *)"";
    ca.version = cb.version = 0;
    ca.state = cb.state = SKILLBASE__STATEMENT_STATE__STATEMENT_STATE_UNSPECIFIED;
    ca.approved = cb.approved = ca.refused = cb.refused = NULL;
    ca.paid = cb.paid = NULL;
    size_t la = skillbase__subsidy_statement__get_packed_size(&ca);
    size_t lb = skillbase__subsidy_statement__get_packed_size(&cb);
    if (la != lb)
        return false;
    uint8_t *ba = sb_arena_alloc(call->arena, la + 1), *bb = sb_arena_alloc(call->arena, lb + 1);
    if (!ba || !bb)
        return false;
    skillbase__subsidy_statement__pack(&ca, ba);
    skillbase__subsidy_statement__pack(&cb, bb);
    return memcmp(ba, bb, la) == 0;
}

int sb_handler_record_statement(sb_call *call)
{
    Skillbase__SubsidyStatement *st = call->req->record_statement->statement;
    if (!st)
        return sb_call_fail(call, SB_INVALID, "statement: missing");
    int rc = sb_handler_subsidy_check_year(call, st->year);
    if (rc)
        return rc;
    Skillbase__Record *base;
    rc = sb_handler_subsidy_load_base(call, "statement.base_id", st->base_id, &base);
    if (rc)
        return rc;
    uint64_t count;
    rc = sb_store_delivery_count(call->txn, st->base_id, (int)st->year, &count);
    if (rc)
        return rc;
    sb_problems problems = {0};
    check_statement(call, st, count, &problems, &rc);
    if (rc)
        return rc;
    if (problems.count)
        return sb_call_fail_problems(call, SB_INVALID, &problems, "statement refused");

    Skillbase__SubsidyStatement *old;
    rc = sb_store_statement_get(call->txn, st->base_id, (int)st->year, &call->arena->pb, &old);
    if (rc && rc != SB_E(SB_NOT_FOUND))
        return rc;
    /* A job that ran on fewer records than the stored statement saw, or
     * that found the same, changes nothing: answer with what is stored.
     * Nor does any recomputation of a decided statement (approved, paid,
     * refused): it supersedes only a computed one. */
    if (rc == 0 && (sb_handler_statement_decided(old) || st->input_version < old->input_version ||
                    same_statement(call, st, old))) {
        rc = sb_handler_statement_normalise(call, old);
        if (rc)
            return rc;
        call->reply->result_case = SKILLBASE__REPLY__RESULT_STATEMENT;
        call->reply->statement = old;
        return 0;
    }
    uint64_t old_version = rc == 0 ? (old->version ? old->version : 1) : 0;
    st->id = NULL;
    st->version = old_version + 1;
    st->state = SKILLBASE__STATEMENT_STATE__STATEMENT_COMPUTED;
    rc = sb_handler_statement_normalise(call, st);
    if (rc)
        return rc;
    rc = sb_store_statement_put(call->txn, st);
    if (rc)
        return rc;
    char total[SB_YUAN_STRLEN];
    const char *reason = sb_arena_printf(
        call->arena, "subsidy statement %u: %s yuan%s, %zu service(s) counted, %zu excluded%s",
        st->year, sb_subsidy_yuan(st->total_fen, total), st->capped ? " (capped)" : "", st->n_lines,
        st->n_exclusions, st->example_rates ? "; EXAMPLE rates" : "");
    if (!reason)
        return SB_E(SB_INTERNAL);
    rc = sb_handler_subsidy_base_event(call, base, "subsidy_statement", "record_statement", reason,
                                       true);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_STATEMENT;
    call->reply->statement = st;
    return 0;
}
