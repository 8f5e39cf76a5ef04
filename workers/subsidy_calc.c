/* subsidy_calc: compute a yearly statement (subsidy_calc.h). */
#include "subsidy_calc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_date.h"
#include "sb_subsidy.h"

static int fail(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t err_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static char *dup(sb_arena *a, const char *s)
{
    return sb_arena_strdup(a, s ? s : "");
}

/* Records in (date, id) order: ids are "svc-" and a zero-padded number, so
 * their text order is their numeric order up to a million records. */
static int cmp_record(const void *a, const void *b)
{
    const Skillbase__ServiceRecord *x = *(Skillbase__ServiceRecord *const *)a;
    const Skillbase__ServiceRecord *y = *(Skillbase__ServiceRecord *const *)b;
    int c = strcmp(x->date, y->date);
    if (c)
        return c;
    if (strlen(x->id) != strlen(y->id))
        return strlen(x->id) < strlen(y->id) ? -1 : 1;
    return strcmp(x->id, y->id);
}

/* Why a record earns nothing, or 0 when it may: the reason and a sentence
 * for people in *ret_detail. */
static Skillbase__ExclusionReason
exclusion(const Skillbase__Base *base, sb_date certified, bool revoked, sb_date revoked_on,
          const Skillbase__ServiceRecord *r, sb_date d, const sb_subsidy_rules *rules,
          const sb_subsidy_version **ret_version, const sb_subsidy_rate **ret_rate, sb_arena *a,
          char **ret_detail)
{
    /* 六(二): 不包含分基地所在的院校或企业 */
    if (base->credit_code && r->client_credit_code &&
        strcmp(base->credit_code, r->client_credit_code) == 0) {
        *ret_detail = sb_arena_printf(
            a,
            "client %s (%s) is the sub-base's own unit; services to its own institution earn no "
            "subsidy (policy 六(二))",
            r->client_name, r->client_credit_code);
        return SKILLBASE__EXCLUSION_REASON__OWN_INSTITUTION;
    }
    if (sb_date_cmp(d, certified) < 0) {
        *ret_detail = sb_arena_printf(a,
                                      "delivered on %s, before the sub-base was certified on %s: "
                                      "only a certified sub-base's services count (policy 六(二))",
                                      r->date, base->certified_on);
        return SKILLBASE__EXCLUSION_REASON__NOT_CERTIFIED;
    }
    if (revoked && sb_date_cmp(d, revoked_on) >= 0) {
        bool exited = !(base->revoked_on && base->revoked_on[0]);
        *ret_detail = sb_arena_printf(a,
                                      "delivered on %s, on or after the sub-base was %s on "
                                      "%s: only a certified sub-base's services count (policy "
                                      "六(二))",
                                      r->date, exited ? "exited" : "revoked",
                                      exited ? base->exited_on : base->revoked_on);
        return SKILLBASE__EXCLUSION_REASON__NOT_CERTIFIED;
    }
    const sb_subsidy_version *v = sb_subsidy_rules_at(rules, d);
    if (!v) {
        char first[SB_DATE_STRLEN];
        *ret_detail = sb_arena_printf(
            a, "no subsidy rule version is in force on %s (the earliest takes effect on %s)",
            r->date, sb_date_format(rules->versions[0].effective_from, first));
        return SKILLBASE__EXCLUSION_REASON__NO_RULES;
    }
    const sb_subsidy_rate *rate = sb_subsidy_version_rate(v, r->kind, r->level);
    if (!rate) {
        const char *kind = sb_subsidy_kind_name(r->kind);
        if (!kind)
            kind = "an unknown kind";
        if (r->level && r->level[0])
            *ret_detail = sb_arena_printf(a, "rule version %s has no rate for %s at level %s",
                                          v->name, kind, r->level);
        else
            *ret_detail = sb_arena_printf(a,
                                          "rule version %s has no rate for %s without a level "
                                          "(no \"*\" rate)",
                                          v->name, kind);
        return SKILLBASE__EXCLUSION_REASON__NO_RATE;
    }
    *ret_version = v;
    *ret_rate = rate;
    return SKILLBASE__EXCLUSION_REASON__EXCLUSION_REASON_UNSPECIFIED;
}

/* Append name to the statement's rule_versions unless it is the last one. */
static int note_version(Skillbase__SubsidyStatement *st, char *name)
{
    for (size_t i = 0; i < st->n_rule_versions; i++)
        if (strcmp(st->rule_versions[i], name) == 0)
            return 0;
    st->rule_versions[st->n_rule_versions++] = name;
    return 0;
}

int sb_subsidy_compute(const sb_subsidy_rules *rules, const Skillbase__Base *base, uint32_t year,
                       Skillbase__ServiceRecord *const *recs, size_t n, uint64_t input_version,
                       uint64_t now_ms, sb_arena *a, Skillbase__SubsidyStatement **ret, char *err,
                       size_t err_len)
{
    sb_date certified, revoked_on = {0};
    if (!rules || !rules->n_versions || !base || !base->id)
        return fail(err, err_len, "no rules or no sub-base");
    if (year < 1 || year > 9999)
        return fail(err, err_len, "year %u is not a year", year);
    if (!base->certified_on || sb_date_parse(base->certified_on, &certified) != 0)
        return fail(err, err_len, "sub-base %s has no certification date", base->id);
    bool revoked = base->revoked_on && base->revoked_on[0];
    if (revoked && sb_date_parse(base->revoked_on, &revoked_on) != 0)
        return fail(err, err_len, "sub-base %s has a malformed revocation date", base->id);
    /* a voluntary exit ends the certification as a revocation does */
    if (!revoked && base->exited_on && base->exited_on[0]) {
        if (sb_date_parse(base->exited_on, &revoked_on) != 0)
            return fail(err, err_len, "sub-base %s has a malformed exit date", base->id);
        revoked = true;
    }

    Skillbase__SubsidyStatement *st = sb_arena_alloc(a, sizeof *st);
    Skillbase__ServiceRecord **sorted = sb_arena_alloc(a, (n ? n : 1) * sizeof *sorted);
    Skillbase__SubsidyLine **lines = sb_arena_alloc(a, (n ? n : 1) * sizeof *lines);
    Skillbase__SubsidyExclusion **excl = sb_arena_alloc(a, (n ? n : 1) * sizeof *excl);
    char **versions = sb_arena_alloc(a, (rules->n_versions + 1) * sizeof *versions);
    if (!st || !sorted || !lines || !excl || !versions)
        return fail(err, err_len, "out of memory");
    skillbase__subsidy_statement__init(st);
    st->base_id = dup(a, base->id);
    st->base_name = dup(a, base->name);
    st->year = year;
    st->lines = lines;
    st->exclusions = excl;
    st->rule_versions = versions;
    st->input_version = input_version;
    st->computed_ms = now_ms;
    if (n)
        memcpy(sorted, recs, n * sizeof *sorted);
    for (size_t i = 0; i < n; i++) {
        sb_date d;
        if (!sorted[i]->date || sb_date_parse(sorted[i]->date, &d) != 0 || d.year != (int)year ||
            !sorted[i]->id || !sorted[i]->base_id || strcmp(sorted[i]->base_id, base->id) != 0)
            return fail(err, err_len, "record %s is not a service of %s in %u",
                        sorted[i]->id ? sorted[i]->id : "(no id)", base->id, year);
    }
    qsort(sorted, n, sizeof *sorted, cmp_record);

    for (size_t i = 0; i < n; i++) {
        const Skillbase__ServiceRecord *r = sorted[i];
        const sb_subsidy_version *v = NULL;
        const sb_subsidy_rate *rate = NULL;
        char *detail = NULL;
        sb_date d;
        sb_date_parse(r->date, &d);
        Skillbase__ExclusionReason why =
            exclusion(base, certified, revoked, revoked_on, r, d, rules, &v, &rate, a, &detail);
        if (why) {
            Skillbase__SubsidyExclusion *x = sb_arena_alloc(a, sizeof *x);
            if (!x || !detail)
                return fail(err, err_len, "out of memory");
            skillbase__subsidy_exclusion__init(x);
            x->service_id = dup(a, r->id);
            x->date = dup(a, r->date);
            x->client_name = dup(a, r->client_name);
            x->reason = why;
            x->detail = detail;
            excl[st->n_exclusions++] = x;
            continue;
        }
        Skillbase__SubsidyLine *l = sb_arena_alloc(a, sizeof *l);
        if (!l)
            return fail(err, err_len, "out of memory");
        skillbase__subsidy_line__init(l);
        l->service_id = dup(a, r->id);
        l->date = dup(a, r->date);
        l->kind = r->kind;
        l->occupation = dup(a, r->occupation);
        l->level = dup(a, r->level);
        l->client_name = dup(a, r->client_name);
        l->trainees = r->trainees;
        l->hours_tenths = r->hours_tenths;
        l->rule_version = dup(a, v->name);
        l->unit = rate->unit;
        l->rate_fen = rate->rate_fen;
        l->example_rate = rate->example;
        if (sb_subsidy_line_amount(rate->unit, rate->rate_fen, r->trainees, r->hours_tenths,
                                   &l->amount_fen) != 0)
            return fail(err, err_len, "record %s: trainees or hours out of bounds", r->id);
        if (!sb_subsidy_add(st->gross_fen, l->amount_fen, &st->gross_fen))
            return fail(err, err_len, "the amounts of %s in %u overflow", base->id, year);
        note_version(st, l->rule_version);
        st->example_rates = st->example_rates || rate->example;
        lines[st->n_lines++] = l;
    }

    /* the yearly cap: the version in force on the last day of the year */
    const sb_subsidy_version *capv = sb_subsidy_rules_at(rules, (sb_date){(int)year, 12, 31});
    if (capv) {
        st->cap_rule_version = dup(a, capv->name);
        st->cap_fen = capv->cap_fen;
        st->example_rates = st->example_rates || capv->cap_example;
    } else {
        /* no version reaches into the year: nothing was counted either */
        st->cap_rule_version = dup(a, "");
    }
    st->capped = st->gross_fen > st->cap_fen;
    st->total_fen = st->capped ? st->cap_fen : st->gross_fen;
    *ret = st;
    return 0;
}
