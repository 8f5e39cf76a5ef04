/* The bureau's decision on a subsidy statement (policy 六(二): a sub-base's
 * public-welfare services 可…予以资助; docs/subsidy.md "Decisions"):
 *
 *   computed ──subsidy_approve──▶ approved ──subsidy_pay──▶ paid
 *      │                             │
 *      └──────subsidy_refuse─────────┴──▶ refused
 *
 * Each decision is an audited event on the sub-base ("base.subsidy_approved",
 * "base.subsidy_paid", "base.subsidy_refused"), which skillbase-notify tells
 * the unit. A statement is approved once, paid only once approved, and
 * never changed after it is paid or refused; a recomputation replaces only
 * a computed statement (handle_statement.c). With [four_eyes] subsidy an
 * approval is a proposal a second operator confirms (four_eyes.c). A
 * statement computed with EXAMPLE rates is not approved where the bureau
 * chose [subsidy] approve_with_example_rates = refuse (production). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "sb_error.h"
#include "sb_subsidy.h"
#include "store_subsidy.h"
#include "subsidy_private.h"

#define STATEMENT_ID_MAX (SB_SUBSIDY_BASE_ID_MAX + 6)
#define PAYMENT_REFERENCE_MAX 200

/* Who decided what, and when, for refusals: "approved by alice on 2026-06-15". */
static const char *decided_text(sb_call *call, const Skillbase__SubsidyStatement *st)
{
    const Skillbase__StatementDecision *d =
        st->state == SKILLBASE__STATEMENT_STATE__STATEMENT_REFUSED ? st->refused : st->approved;
    uint64_t ms = d ? d->ms : 0;
    const char *by = d && d->by ? d->by : "?";
    if (st->state == SKILLBASE__STATEMENT_STATE__STATEMENT_PAID && st->paid) {
        ms = st->paid->ms;
        by = st->paid->by;
    }
    char day[SB_DATE_STRLEN];
    return sb_arena_printf(call->arena, "%s by %s on %s",
                           sb_handler_statement_state_name(st->state), by,
                           sb_date_format(sb_date_from_ms(ms), day));
}

/* The statement `id` in state `want` (or, with want2, that one too), at the
 * version the request expects; on a refusal the reply is set. */
static int load_in_state(sb_call *call, const char *id, const char *action,
                         Skillbase__StatementState want, Skillbase__StatementState want2,
                         Skillbase__Record **ret_base, Skillbase__SubsidyStatement **ret)
{
    Skillbase__SubsidyStatement *st = NULL;
    int rc = sb_handler_statement_load(call, "statement", id, ret_base, &st);
    if (rc)
        return rc;
    uint64_t want_version = call->req->expected_version;
    if (want_version && want_version != st->version)
        return sb_call_fail(call, SB_STALE_VERSION,
                            "statement %s is at version %llu, not the expected %llu (it was "
                            "recomputed or decided since); nothing was changed",
                            st->id, (unsigned long long)st->version,
                            (unsigned long long)want_version);
    if (st->state != want && st->state != want2) {
        const char *what = st->state == SKILLBASE__STATEMENT_STATE__STATEMENT_COMPUTED
                               ? "computed, not yet approved"
                               : decided_text(call, st);
        return sb_call_fail(call, SB_WRONG_STATE, "%s: statement %s is %s; %s takes a %s%s%s one",
                            action, st->id,
                            what ? what : sb_handler_statement_state_name(st->state), action,
                            sb_handler_statement_state_name(want), want2 != want ? " or " : "",
                            want2 != want ? sb_handler_statement_state_name(want2) : "");
    }
    *ret = st;
    return 0;
}

/* Append the decision's event on the sub-base (its jobs: skillbase-notify)
 * and store the statement, one version on, as the reply; *ret_seq gets the
 * event's sequence before the statement is stored. */
static int commit_decision(sb_call *call, Skillbase__Record *base, Skillbase__SubsidyStatement *st,
                           Skillbase__StatementState to, const char *what, const char *action,
                           const char *reason, uint64_t *ret_seq)
{
    char total[SB_YUAN_STRLEN];
    const char *text =
        sb_arena_printf(call->arena, "subsidy statement %s %s: %s yuan%s%s", st->id,
                        sb_handler_statement_state_name(to), sb_subsidy_yuan(st->total_fen, total),
                        reason && reason[0] ? "; " : "", reason ? reason : "");
    if (!text)
        return SB_E(SB_INTERNAL);
    int rc = sb_handler_subsidy_base_event(call, base, what, action, text, true);
    if (rc)
        return rc;
    *ret_seq = call->out.last_event ? call->out.last_event->seq : 0;
    st->state = to;
    st->version++;
    rc = sb_store_statement_put(call->txn, st);
    if (rc)
        return rc;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_STATEMENT;
    call->reply->statement = st;
    return 0;
}

static Skillbase__StatementDecision *new_decision(sb_call *call, const char *reason)
{
    Skillbase__StatementDecision *d = sb_arena_alloc(call->arena, sizeof *d);
    if (!d)
        return NULL;
    skillbase__statement_decision__init(d);
    d->by = (char *)call->actor;
    d->ms = call->now_ms;
    d->reason = (char *)(reason ? reason : "");
    d->proposal_id = (char *)(call->proposal_id ? call->proposal_id : "");
    d->proposed_by = (char *)(call->proposed_by ? call->proposed_by : "");
    return d;
}

/* ------------------------------------------------------------ approve */

int sb_handler_subsidy_approve(sb_call *call)
{
    const Skillbase__SubsidyDecide *q = call->req->subsidy_approve;
    int rc = sb_call_check_reason(call, q->reason, false, "subsidy_approve");
    if (rc)
        return rc;
    Skillbase__Record *base = NULL;
    Skillbase__SubsidyStatement *st = NULL;
    rc = load_in_state(call, q->statement, "subsidy_approve",
                       SKILLBASE__STATEMENT_STATE__STATEMENT_COMPUTED,
                       SKILLBASE__STATEMENT_STATE__STATEMENT_COMPUTED, &base, &st);
    if (rc)
        return rc;
    /* the amounts are the bureau's or, in production, no approval */
    if (st->example_rates && call->config->subsidy_refuse_example)
        return sb_call_fail(call, SB_WRONG_STATE,
                            "subsidy_approve: statement %s was computed with EXAMPLE rates, not "
                            "the bureau's; install the bureau's rules file ([subsidy] rules, now "
                            "%s; docs/subsidy.md \"Putting in the real rates\"), recompute "
                            "(skillbasectl subsidy compute --year %u --base %s), then approve "
                            "([subsidy] approve_with_example_rates = refuse)",
                            st->id, sb_handler_subsidy_rules_path(call->config), st->year,
                            st->base_id);
    /* a statement behind its records would leave the later ones unpaid for good */
    uint64_t count;
    rc = sb_store_delivery_count(call->txn, st->base_id, (int)st->year, &count);
    if (rc)
        return rc;
    if (count > st->input_version)
        return sb_call_fail(call, SB_WRONG_STATE,
                            "subsidy_approve: statement %s counts %llu service record(s) but %s "
                            "has %llu in %u: wait until skillbase-subsidy has recomputed it "
                            "(skillbasectl subsidy report shows it pending)",
                            st->id, (unsigned long long)st->input_version, st->base_id,
                            (unsigned long long)count, st->year);
    if (!(st->approved = new_decision(call, q->reason)))
        return SB_E(SB_INTERNAL);
    return commit_decision(call, base, st, SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED,
                           "subsidy_approved", "subsidy_approve", q->reason, &st->approved->seq);
}

/* ------------------------------------------------------------ refuse */

int sb_handler_subsidy_refuse(sb_call *call)
{
    const Skillbase__SubsidyDecide *q = call->req->subsidy_refuse;
    int rc = sb_call_check_reason(call, q->reason, true, "subsidy_refuse");
    if (rc)
        return rc;
    Skillbase__Record *base = NULL;
    Skillbase__SubsidyStatement *st = NULL;
    rc = load_in_state(call, q->statement, "subsidy_refuse",
                       SKILLBASE__STATEMENT_STATE__STATEMENT_COMPUTED,
                       SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED, &base, &st);
    if (rc)
        return rc;
    if (!(st->refused = new_decision(call, q->reason)))
        return SB_E(SB_INTERNAL);
    return commit_decision(call, base, st, SKILLBASE__STATEMENT_STATE__STATEMENT_REFUSED,
                           "subsidy_refused", "subsidy_refuse", q->reason, &st->refused->seq);
}

/* ------------------------------------------------------------ pay */

/* The voucher: a payment_voucher document on the sub-base, in force. */
static void check_voucher(const Skillbase__Base *b, const char *sha, sb_problems *p)
{
    for (size_t i = 0; i < b->n_documents; i++) {
        const Skillbase__Document *d = b->documents[i];
        if (!d->sha256 || strcmp(d->sha256, sha) != 0)
            continue;
        if (strcmp(d->kind, "payment_voucher") != 0)
            sb_problems_add(p, "document_sha256: document %u of %s is a %s, not a payment_voucher",
                            d->no, b->id, d->kind);
        else if (d->superseded_by)
            sb_problems_add(p, "document_sha256: document %u of %s is superseded by %u", d->no,
                            b->id, d->superseded_by);
        return;
    }
    sb_problems_add(p,
                    "document_sha256: no document of %s has this SHA-256; file the voucher first "
                    "(skillbasectl documents add %s FILE --kind payment_voucher)",
                    b->id, b->id);
}

int sb_handler_subsidy_pay(sb_call *call)
{
    const Skillbase__SubsidyPay *q = call->req->subsidy_pay;
    int rc = sb_call_check_reason(call, q->reason, false, "subsidy_pay");
    if (rc)
        return rc;
    Skillbase__Record *base = NULL;
    Skillbase__SubsidyStatement *st = NULL;
    rc = load_in_state(call, q->statement, "subsidy_pay",
                       SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED,
                       SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED, &base, &st);
    if (rc)
        return rc;
    sb_problems problems = {0};
    sb_handler_subsidy_check_text(&problems, "reference", q->reference, PAYMENT_REFERENCE_MAX,
                                  true);
    char sha[SB_DOC_HEX_LEN + 1] = "";
    if (!q->document_sha256 || !q->document_sha256[0]) {
        sb_problems_add(&problems, "document_sha256: missing (the payment_voucher filed on %s)",
                        st->base_id);
    } else if (!sb_docs_hex_ok(q->document_sha256)) {
        sb_problems_add(&problems, "document_sha256: not 64 hexadecimal digits");
    } else {
        for (size_t i = 0; i < SB_DOC_HEX_LEN; i++)
            sha[i] = (char)tolower((unsigned char)q->document_sha256[i]);
        check_voucher(base->sub_base, sha, &problems);
    }
    sb_date paid_on;
    if (!q->paid_on || !q->paid_on[0]) {
        sb_problems_add(&problems, "paid_on: missing (YYYY-MM-DD)");
    } else if (sb_date_parse(q->paid_on, &paid_on)) {
        sb_problems_add(&problems, "paid_on: \"%.40s\" is not a date (YYYY-MM-DD)", q->paid_on);
    } else {
        char day[SB_DATE_STRLEN];
        sb_date approved_on = sb_date_from_ms(st->approved ? st->approved->ms : 0);
        if (sb_date_cmp(paid_on, call->today) > 0)
            sb_problems_add(&problems, "paid_on: %s is after today (%s)", q->paid_on,
                            sb_date_format(call->today, day));
        else if (sb_date_cmp(paid_on, approved_on) < 0)
            sb_problems_add(&problems, "paid_on: %s is before the approval (%s)", q->paid_on,
                            sb_date_format(approved_on, day));
    }
    if (problems.count)
        return sb_call_fail_problems(call, SB_INVALID, &problems, "payment refused");
    Skillbase__StatementPayment *pay = sb_arena_alloc(call->arena, sizeof *pay);
    char *sha_copy = sb_arena_strdup(call->arena, sha);
    if (!pay || !sha_copy)
        return SB_E(SB_INTERNAL);
    skillbase__statement_payment__init(pay);
    pay->by = (char *)call->actor;
    pay->ms = call->now_ms;
    pay->reference = q->reference;
    pay->document_sha256 = sha_copy;
    pay->paid_on = q->paid_on;
    pay->reason = (char *)(q->reason ? q->reason : "");
    st->paid = pay;
    const char *text = sb_arena_printf(
        call->arena, "paid on %s, reference %s, voucher %.12s%s%s", q->paid_on, q->reference, sha,
        q->reason && q->reason[0] ? "; " : "", q->reason ? q->reason : "");
    if (!text)
        return SB_E(SB_INTERNAL);
    return commit_decision(call, base, st, SKILLBASE__STATEMENT_STATE__STATEMENT_PAID,
                           "subsidy_paid", "subsidy_pay", text, &pay->seq);
}

/* ------------------------------------------------------------ list */

typedef struct {
    sb_call *call;
    Skillbase__StatementState state;
    uint32_t year;
    size_t limit, bytes;
    Skillbase__SubsidyStatement **out;
    size_t n;
    bool more;
} list_walk;

static int list_one(Skillbase__SubsidyStatement *st, void *arg)
{
    list_walk *w = arg;
    if (w->year && st->year != w->year)
        return st->year > w->year ? 1 : 0;
    int rc = sb_handler_statement_normalise(w->call, st);
    if (rc)
        return rc;
    if (w->state && st->state != w->state)
        return 0;
    size_t size = skillbase__subsidy_statement__get_packed_size(st) + 8;
    if (w->n == w->limit || (w->n && w->bytes + size > w->call->config->max_reply_bytes)) {
        w->more = true;
        return 1;
    }
    w->bytes += size;
    w->out[w->n++] = st;
    return 0;
}

int sb_handler_subsidy_list(sb_call *call)
{
    const Skillbase__SubsidyList *q = call->req->subsidy_list;
    if (q->year > 9999)
        return sb_call_fail(call, SB_INVALID, "year: not a year (1-9999; 0: every year)");
    if (q->state > SKILLBASE__STATEMENT_STATE__STATEMENT_REFUSED)
        return sb_call_fail(call, SB_INVALID, "state: unknown statement state %d", (int)q->state);
    list_walk w = {.call = call, .state = q->state, .year = q->year};
    w.limit = sb_handler_page_limit(call, q->limit);
    w.out = sb_arena_alloc(call->arena, w.limit * sizeof *w.out);
    if (!w.out)
        return SB_E(SB_INTERNAL);
    char *after_base = NULL;
    uint32_t after_year = q->year;
    if (q->after && q->after[0]) {
        int rc = sb_handler_statement_parse_id(call, "after", q->after, &after_base, &after_year);
        if (rc)
            return rc;
    }
    int rc = sb_store_statements_scan(call->txn, (int)after_year, after_base, &call->arena->pb,
                                      list_one, &w);
    if (rc == SB_E(SB_INVALID))
        return sb_call_fail(call, SB_INVALID, "after: %s is not a statement id", q->after);
    if (rc)
        return rc;
    Skillbase__StatementPage *page = sb_arena_alloc(call->arena, sizeof *page);
    if (!page)
        return SB_E(SB_INTERNAL);
    skillbase__statement_page__init(page);
    page->year = q->year;
    page->statements = w.out;
    page->n_statements = w.n;
    if (w.more && w.n)
        page->next = w.out[w.n - 1]->id;
    call->reply->result_case = SKILLBASE__REPLY__RESULT_STATEMENTS;
    call->reply->statements = page;
    return 0;
}
