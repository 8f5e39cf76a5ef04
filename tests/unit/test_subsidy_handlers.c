/* Service records and statements through the request path: frames through
 * sb_dispatch into a real LMDB store in a temporary directory, with a fixed
 * clock. record_service validation, idempotency (key and external id), the
 * statement job in the same transaction, list_services paging, and the
 * daemon's checks of a statement before it stores it. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_subsidy.h"

/* The sub-base is certified on SB_TK_NOW_MS (2026-03-10). */
#define UNIT_CC SB_TK_CREDIT_CODE

/* The client the services are for: a valid code of another unit. */
static char client_cc[SB_TK_CREDIT_LEN + 1];

static int setup(void **state)
{
    sb_tk_daemon *d = sb_tk_daemon_new(NULL, SB_TK_NOW_MS);
    *state = d;
    /* the rules in force, which every statement is checked against */
    snprintf(d->config.subsidy_rules, sizeof d->config.subsidy_rules, "%s/rules.json", d->dir);
    FILE *f = fopen(d->config.subsidy_rules, "w");
    assert_non_null(f);
    fputs("{\"versions\": [{\"version\": \"v1\", \"effective_from\": \"2026-01-01\",\n"
          " \"yearly_cap_fen\": 300000, \"cap_example\": true, \"rates\": [\n"
          "  {\"kind\": \"training\", \"level\": \"*\", \"unit\": \"per_person_time\",\n"
          "   \"rate_fen\": 20000, \"example\": true}]}]}\n",
          f);
    assert_int_equal(fclose(f), 0);
    sb_tk_credit_code("91330100MA0000015", client_cc);
    char base[SB_TK_ID_MAX];
    sb_tk_certified_base(d, UNIT_CC, base);
    assert_string_equal(base, "base-000001");
    /* services happen later in the year */
    d->now_ms = SB_TK_NOW_MS + 90ull * 86400000;
    return 0;
}

static Skillbase__ServiceRecord service(const char *date)
{
    Skillbase__ServiceRecord s = SKILLBASE__SERVICE_RECORD__INIT;
    s.base_id = "base-000001";
    s.date = (char *)date;
    s.client_name = "杭州某职业技术学院";
    s.client_credit_code = client_cc;
    s.kind = SKILLBASE__SERVICE_KIND__TRAINING;
    s.occupation = "电工";
    s.level = "高级工";
    s.trainees = 20;
    s.hours_tenths = 80;
    return s;
}

static Skillbase__Reply *record(sb_tk_daemon *d, Skillbase__ServiceRecord *s, const char *key)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__RecordService rs = SKILLBASE__RECORD_SERVICE__INIT;
    rs.service = s;
    req.command_case = SKILLBASE__REQUEST__COMMAND_RECORD_SERVICE;
    req.record_service = &rs;
    req.idempotency_key = (char *)key;
    return sb_tk_send(d, &req);
}

/* Number of jobs of the subsidy type, any state. */
static size_t subsidy_jobs(sb_tk_daemon *d)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ListJobs lj = SKILLBASE__LIST_JOBS__INIT;
    lj.type = SB_SUBSIDY_JOB_TYPE;
    lj.limit = 1000;
    req.command_case = SKILLBASE__REQUEST__COMMAND_LIST_JOBS;
    req.list_jobs = &lj;
    Skillbase__Reply *r = sb_tk_send(d, &req);
    sb_tk_assert_ok(r);
    size_t n = r->jobs->n_jobs;
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(r->jobs->jobs[i]->entity_id, "base-000001");
        Skillbase__SubsidyJob *p = skillbase__subsidy_job__unpack(
            NULL, r->jobs->jobs[i]->params.len, r->jobs->jobs[i]->params.data);
        assert_non_null(p);
        assert_string_equal(p->base_id, "base-000001");
        assert_int_equal(p->year, 2026);
        skillbase__subsidy_job__free_unpacked(p, NULL);
    }
    skillbase__reply__free_unpacked(r, NULL);
    return n;
}

static Skillbase__Reply *list_services(sb_tk_daemon *d, const char *base, uint32_t year,
                                       const char *after, uint32_t limit)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ListServices q = SKILLBASE__LIST_SERVICES__INIT;
    q.base_id = (char *)base;
    q.year = year;
    q.after = (char *)after;
    q.limit = limit;
    req.command_case = SKILLBASE__REQUEST__COMMAND_LIST_SERVICES;
    req.list_services = &q;
    return sb_tk_send(d, &req);
}

/* ------------------------------------------------------------ record_service */

static void every_bad_field_is_named(void **state)
{
    sb_tk_daemon *d = *state;
    Skillbase__ServiceRecord s = service("2026-13-01");
    s.client_credit_code = "91330100MA0000015X"; /* wrong check character */
    s.kind = 0;
    s.trainees = 0;
    s.hours_tenths = SB_SUBSIDY_HOURS_TENTHS_MAX + 1;
    s.occupation = "";
    /* (text with a control character is refused before any handler:
     * tests/e2e/test_contract.sh) */
    char long_name[200 + 2]; /* SB_SUBSIDY_CLIENT_NAME_MAX + 2 */
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    s.client_name = long_name;
    s.id = "svc-999999";
    Skillbase__Reply *r = record(d, &s, NULL);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__INVALID);
    const char *expect[] = {"id:",   "date:",       "client_name:", "client_credit_code:",
                            "kind:", "occupation:", "trainees:",    "hours_tenths:"};
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        bool found = false;
        for (size_t j = 0; j < r->n_details; j++)
            found = found || strncmp(r->details[j], expect[i], strlen(expect[i])) == 0;
        if (!found)
            fail_msg("no detail starts with %s", expect[i]);
    }
    skillbase__reply__free_unpacked(r, NULL);

    /* a date after today, an unknown base, an application */
    s = service("2026-12-01");
    r = record(d, &s, NULL);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__INVALID);
    assert_non_null(strstr(r->details[0], "after today"));
    skillbase__reply__free_unpacked(r, NULL);
    s = service("2026-04-01");
    s.base_id = "base-000009";
    r = record(d, &s, NULL);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__NOT_FOUND);
    skillbase__reply__free_unpacked(r, NULL);
    s.base_id = "app-000001";
    r = record(d, &s, NULL);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__INVALID);
    assert_non_null(strstr(r->message, "not a sub-base"));
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(subsidy_jobs(d), 0);
}

static void a_record_is_stored_with_its_job_and_event(void **state)
{
    sb_tk_daemon *d = *state;
    Skillbase__ServiceRecord s = service("2026-04-01");
    Skillbase__Reply *r = record(d, &s, "k1");
    sb_tk_assert_ok(r);
    assert_int_equal(r->result_case, SKILLBASE__REPLY__RESULT_SERVICE);
    assert_string_equal(r->service->id, "svc-000001");
    assert_string_equal(r->service->source, "operator");
    assert_string_equal(r->service->recorded_by, "tester");
    assert_int_equal(r->service->recorded_ms, d->now_ms);
    assert_true(r->seq > 0);
    uint64_t seq = r->seq;
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(subsidy_jobs(d), 1);

    /* the same key again: the first answer, nothing new */
    r = record(d, &s, "k1");
    sb_tk_assert_ok(r);
    assert_true(r->replayed);
    assert_string_equal(r->service->id, "svc-000001");
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(subsidy_jobs(d), 1);

    /* the audit event, a non-transition on the base */
    r = sb_tk_read_events(d, seq, 1, NULL);
    assert_int_equal(r->events->n_events, 1);
    const Skillbase__Event *ev = r->events->events[0];
    assert_string_equal(ev->topic, "base.service_recorded");
    assert_string_equal(ev->entity_id, "base-000001");
    assert_int_equal(ev->from_state, SKILLBASE__STATE__CERTIFIED);
    assert_int_equal(ev->to_state, SKILLBASE__STATE__CERTIFIED);
    assert_non_null(strstr(ev->reason, "svc-000001"));
    skillbase__reply__free_unpacked(r, NULL);

    r = list_services(d, "base-000001", 2026, "", 0);
    sb_tk_assert_ok(r);
    assert_int_equal(r->services->input_version, 1);
    assert_int_equal(r->services->n_services, 1);
    assert_string_equal(r->services->sub_base->id, "base-000001");
    assert_string_equal(r->services->sub_base->credit_code, UNIT_CC);
    skillbase__reply__free_unpacked(r, NULL);
}

static void a_repeated_external_id_is_one_record(void **state)
{
    sb_tk_daemon *d = *state;
    Skillbase__ServiceRecord s = service("2026-04-02");
    s.source = "training-portal";
    s.external_id = "T-77";
    Skillbase__Reply *r = record(d, &s, NULL);
    sb_tk_assert_ok(r);
    assert_string_equal(r->service->id, "svc-000001");
    skillbase__reply__free_unpacked(r, NULL);
    r = record(d, &s, NULL); /* another key, same delivery */
    sb_tk_assert_ok(r);
    assert_string_equal(r->service->id, "svc-000001");
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(subsidy_jobs(d), 1);
    s.trainees = 21; /* same id, other facts */
    r = record(d, &s, NULL);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__CONFLICT);
    assert_non_null(strstr(r->message, "svc-000001"));
    skillbase__reply__free_unpacked(r, NULL);
    /* the same external id of another source is another record */
    s.source = "assessment-centre";
    r = record(d, &s, NULL);
    sb_tk_assert_ok(r);
    assert_string_equal(r->service->id, "svc-000002");
    skillbase__reply__free_unpacked(r, NULL);
}

static void services_page_in_date_order(void **state)
{
    sb_tk_daemon *d = *state;
    const char *dates[] = {"2026-05-03", "2026-04-01", "2026-05-01", "2026-04-01", "2026-06-01"};
    for (size_t i = 0; i < 5; i++) {
        Skillbase__ServiceRecord s = service(dates[i]);
        Skillbase__Reply *r = record(d, &s, NULL);
        sb_tk_assert_ok(r);
        skillbase__reply__free_unpacked(r, NULL);
    }
    const char *order[] = {"svc-000002", "svc-000004", "svc-000003", "svc-000001", "svc-000005"};
    char after[32] = "";
    size_t seen = 0;
    for (int page = 0; page < 3; page++) {
        Skillbase__Reply *r = list_services(d, "base-000001", 2026, after, 2);
        sb_tk_assert_ok(r);
        assert_int_equal(r->services->input_version, 5);
        for (size_t i = 0; i < r->services->n_services; i++)
            assert_string_equal(r->services->services[i]->id, order[seen++]);
        snprintf(after, sizeof after, "%s", r->services->next);
        skillbase__reply__free_unpacked(r, NULL);
    }
    assert_int_equal(seen, 5);
    assert_string_equal(after, "");
    /* another year is empty; a resume point of another year is refused */
    Skillbase__Reply *r = list_services(d, "base-000001", 2025, "", 0);
    sb_tk_assert_ok(r);
    assert_int_equal(r->services->n_services, 0);
    assert_int_equal(r->services->input_version, 0);
    skillbase__reply__free_unpacked(r, NULL);
    r = list_services(d, "base-000001", 2025, "svc-000001", 0);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__INVALID);
    skillbase__reply__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ statements */

typedef struct {
    Skillbase__SubsidyStatement st;
    Skillbase__SubsidyLine line, *lines[1];
    Skillbase__SubsidyExclusion excl, *excls[1];
    char *versions[1];
} statement_parts;

/* A correct statement of svc-000001 (counted) and svc-000002 (excluded). */
static void good_statement(statement_parts *p)
{
    skillbase__subsidy_statement__init(&p->st);
    skillbase__subsidy_line__init(&p->line);
    skillbase__subsidy_exclusion__init(&p->excl);
    p->line.service_id = "svc-000001";
    p->line.date = "2026-04-01";
    p->line.kind = SKILLBASE__SERVICE_KIND__TRAINING;
    p->line.trainees = 20;
    p->line.hours_tenths = 80;
    p->line.rule_version = "v1";
    p->line.unit = SKILLBASE__RATE_UNIT__PER_PERSON_TIME;
    p->line.rate_fen = 20000;
    p->line.amount_fen = 400000;
    p->line.example_rate = 1;
    p->excl.service_id = "svc-000002";
    p->excl.date = "2026-02-01";
    p->excl.reason = SKILLBASE__EXCLUSION_REASON__NOT_CERTIFIED;
    p->excl.detail = "before certification";
    p->lines[0] = &p->line;
    p->excls[0] = &p->excl;
    p->versions[0] = "v1";
    p->st.base_id = "base-000001";
    p->st.year = 2026;
    p->st.rule_versions = p->versions;
    p->st.n_rule_versions = 1;
    p->st.cap_rule_version = "v1";
    p->st.lines = p->lines;
    p->st.n_lines = 1;
    p->st.exclusions = p->excls;
    p->st.n_exclusions = 1;
    p->st.gross_fen = 400000;
    p->st.cap_fen = 300000;
    p->st.capped = 1;
    p->st.total_fen = 300000;
    p->st.input_version = 2;
    p->st.example_rates = 1;
    p->st.computed_ms = 1;
}

static Skillbase__Reply *send_statement(sb_tk_daemon *d, Skillbase__SubsidyStatement *st)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__RecordStatement rs = SKILLBASE__RECORD_STATEMENT__INIT;
    rs.statement = st;
    req.command_case = SKILLBASE__REQUEST__COMMAND_RECORD_STATEMENT;
    req.record_statement = &rs;
    req.actor = "worker:subsidy-test";
    return sb_tk_send(d, &req);
}

static Skillbase__Reply *report(sb_tk_daemon *d, const char *base)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SubsidyReport q = SKILLBASE__SUBSIDY_REPORT__INIT;
    q.year = 2026;
    q.base_id = (char *)base;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SUBSIDY_REPORT;
    req.subsidy_report = &q;
    return sb_tk_send(d, &req);
}

static void expect_refused(Skillbase__Reply *r, const char *detail)
{
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__INVALID);
    for (size_t i = 0; i < r->n_details; i++)
        if (strstr(r->details[i], detail))
            return;
    fail_msg("no detail names \"%s\" (%s)", detail, r->n_details ? r->details[0] : r->message);
}

static void statements_are_checked_then_stored_once(void **state)
{
    sb_tk_daemon *d = *state;
    Skillbase__ServiceRecord s1 = service("2026-04-01"), s2 = service("2026-02-01");
    Skillbase__Reply *r = record(d, &s1, NULL);
    sb_tk_assert_ok(r);
    skillbase__reply__free_unpacked(r, NULL);
    r = record(d, &s2, NULL);
    sb_tk_assert_ok(r);
    skillbase__reply__free_unpacked(r, NULL);

    /* no statement yet: the base is pending */
    r = report(d, "");
    sb_tk_assert_ok(r);
    assert_int_equal(r->statements->n_statements, 0);
    assert_int_equal(r->statements->n_pending, 1);
    assert_string_equal(r->statements->pending[0], "base-000001");
    skillbase__reply__free_unpacked(r, NULL);

    statement_parts p;
    good_statement(&p);
    p.line.amount_fen = 400001; /* not what the rate gives */
    expect_refused(r = send_statement(d, &p.st), "lines[0]: amount_fen is 400001");
    skillbase__reply__free_unpacked(r, NULL);
    good_statement(&p);
    p.st.total_fen = 400000; /* ignores the cap */
    expect_refused(r = send_statement(d, &p.st), "total_fen, capped");
    skillbase__reply__free_unpacked(r, NULL);
    good_statement(&p);
    p.st.n_exclusions = 0; /* leaves a record out */
    expect_refused(r = send_statement(d, &p.st), "input_version says 2");
    skillbase__reply__free_unpacked(r, NULL);
    good_statement(&p);
    p.excl.service_id = "svc-000001"; /* counts one twice */
    expect_refused(r = send_statement(d, &p.st), "counted more than once");
    skillbase__reply__free_unpacked(r, NULL);
    good_statement(&p);
    p.line.trainees = 21;
    p.line.amount_fen = 420000;
    p.st.gross_fen = 420000;
    expect_refused(r = send_statement(d, &p.st), "differ from svc-000001");
    skillbase__reply__free_unpacked(r, NULL);
    good_statement(&p);
    p.st.input_version = 3;
    expect_refused(r = send_statement(d, &p.st), "input_version: 3 records");
    skillbase__reply__free_unpacked(r, NULL);
    /* the worker proposes, the daemon verifies: a rate and a cap of its
     * own making, consistent arithmetic and all, are not the rules file's */
    good_statement(&p);
    p.line.rate_fen = 100000000;
    p.line.amount_fen = p.st.gross_fen = p.st.total_fen = p.st.cap_fen = 2000000000;
    p.st.capped = 0;
    expect_refused(r = send_statement(d, &p.st), "rate of svc-000001 is not the rules file's");
    skillbase__reply__free_unpacked(r, NULL);
    good_statement(&p);
    p.st.cap_fen = p.st.total_fen = 400000;
    p.st.capped = 0;
    expect_refused(r = send_statement(d, &p.st), "the rules file's cap for 2026 is 3000.00");
    skillbase__reply__free_unpacked(r, NULL);

    good_statement(&p);
    r = send_statement(d, &p.st);
    sb_tk_assert_ok(r);
    assert_int_equal(r->result_case, SKILLBASE__REPLY__RESULT_STATEMENT);
    assert_int_equal(r->statement->total_fen, 300000);
    uint64_t seq = r->seq;
    assert_true(seq > 0);
    skillbase__reply__free_unpacked(r, NULL);

    /* the event the notify worker hears of */
    r = sb_tk_read_events(d, seq, 0, NULL);
    assert_int_equal(r->events->n_events, 1);
    assert_string_equal(r->events->events[0]->topic, "base.subsidy_statement");
    assert_string_equal(r->events->events[0]->actor, "worker:subsidy-test");
    assert_non_null(strstr(r->events->events[0]->reason, "3000.00 yuan (capped)"));
    uint64_t last = r->events->last_seq;
    skillbase__reply__free_unpacked(r, NULL);

    /* the same statement again, or an older one: nothing new */
    p.st.computed_ms = 2;
    r = send_statement(d, &p.st);
    sb_tk_assert_ok(r);
    skillbase__reply__free_unpacked(r, NULL);
    r = report(d, "base-000001");
    sb_tk_assert_ok(r);
    assert_int_equal(r->statements->n_statements, 1);
    assert_int_equal(r->statements->statements[0]->computed_ms, 1);
    assert_int_equal(r->statements->n_pending, 0);
    skillbase__reply__free_unpacked(r, NULL);
    r = sb_tk_read_events(d, last + 1, 0, NULL);
    assert_int_equal(r->events->n_events, 0);
    skillbase__reply__free_unpacked(r, NULL);

    /* a new record makes the base pending again until a newer statement */
    Skillbase__ServiceRecord s3 = service("2026-05-01");
    r = record(d, &s3, NULL);
    sb_tk_assert_ok(r);
    skillbase__reply__free_unpacked(r, NULL);
    r = report(d, "");
    sb_tk_assert_ok(r);
    assert_int_equal(r->statements->n_statements, 1);
    assert_int_equal(r->statements->n_pending, 1);
    skillbase__reply__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ decisions */

static Skillbase__Reply *decide(sb_tk_daemon *d, Skillbase__Request__CommandCase which,
                                const char *reason)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SubsidyDecide q = SKILLBASE__SUBSIDY_DECIDE__INIT;
    q.statement = "base-000001/2026";
    q.reason = (char *)reason;
    req.command_case = which;
    if (which == SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE)
        req.subsidy_approve = &q;
    else
        req.subsidy_refuse = &q;
    req.actor = "alice";
    return sb_tk_send(d, &req);
}

/* 六(二): the bureau decides on a statement; a recomputation supersedes
 * only a computed one, and approval at EXAMPLE rates is the bureau's
 * choice ([subsidy] approve_with_example_rates). */
static void a_decided_statement_is_not_superseded(void **state)
{
    sb_tk_daemon *d = *state;
    Skillbase__ServiceRecord s1 = service("2026-04-01"), s2 = service("2026-02-01");
    Skillbase__Reply *r;
    sb_tk_assert_ok(r = record(d, &s1, NULL));
    skillbase__reply__free_unpacked(r, NULL);
    sb_tk_assert_ok(r = record(d, &s2, NULL));
    skillbase__reply__free_unpacked(r, NULL);
    statement_parts p;
    good_statement(&p);
    sb_tk_assert_ok(r = send_statement(d, &p.st));
    assert_string_equal(r->statement->id, "base-000001/2026");
    assert_int_equal(r->statement->version, 1);
    assert_int_equal(r->statement->state, SKILLBASE__STATEMENT_STATE__STATEMENT_COMPUTED);
    skillbase__reply__free_unpacked(r, NULL);

    /* the worker does not set the daemon's fields */
    good_statement(&p);
    p.st.state = SKILLBASE__STATEMENT_STATE__STATEMENT_PAID;
    expect_refused(r = send_statement(d, &p.st), "set by the daemon");
    skillbase__reply__free_unpacked(r, NULL);

    /* the production choice: no approval at EXAMPLE rates */
    d->config.subsidy_refuse_example = true;
    r = decide(d, SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE, "");
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__WRONG_STATE);
    assert_non_null(strstr(r->message, "install the bureau's rules file"));
    assert_non_null(strstr(r->message, d->config.subsidy_rules));
    skillbase__reply__free_unpacked(r, NULL);
    d->config.subsidy_refuse_example = false;

    sb_tk_assert_ok(r = decide(d, SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE, "checked"));
    assert_int_equal(r->statement->state, SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED);
    assert_int_equal(r->statement->version, 2);
    assert_string_equal(r->statement->approved->by, "alice");
    assert_int_equal(r->statement->approved->seq, r->seq);
    skillbase__reply__free_unpacked(r, NULL);
    r = decide(d, SKILLBASE__REQUEST__COMMAND_SUBSIDY_APPROVE, "");
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__WRONG_STATE);
    skillbase__reply__free_unpacked(r, NULL);

    /* a later record and its recomputation leave the approved statement */
    Skillbase__ServiceRecord s3 = service("2026-05-01");
    sb_tk_assert_ok(r = record(d, &s3, NULL));
    skillbase__reply__free_unpacked(r, NULL);
    good_statement(&p);
    Skillbase__SubsidyExclusion x3 = SKILLBASE__SUBSIDY_EXCLUSION__INIT, *xs[2] = {&p.excl, &x3};
    x3.service_id = "svc-000003";
    x3.date = "2026-05-01";
    x3.reason = SKILLBASE__EXCLUSION_REASON__NO_RATE;
    x3.detail = "no rate";
    p.st.exclusions = xs;
    p.st.n_exclusions = 2;
    p.st.input_version = 3;
    sb_tk_assert_ok(r = send_statement(d, &p.st));
    assert_int_equal(r->statement->state, SKILLBASE__STATEMENT_STATE__STATEMENT_APPROVED);
    assert_int_equal(r->statement->input_version, 2);
    assert_int_equal(r->statement->version, 2);
    skillbase__reply__free_unpacked(r, NULL);
    r = report(d, "");
    sb_tk_assert_ok(r);
    assert_int_equal(r->statements->n_pending, 0);
    assert_int_equal(r->statements->n_decided_before_records, 1);
    assert_string_equal(r->statements->decided_before_records[0], "base-000001");
    skillbase__reply__free_unpacked(r, NULL);

    /* refused: final */
    r = decide(d, SKILLBASE__REQUEST__COMMAND_SUBSIDY_REFUSE, "");
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__INVALID);
    skillbase__reply__free_unpacked(r, NULL);
    sb_tk_assert_ok(r = decide(d, SKILLBASE__REQUEST__COMMAND_SUBSIDY_REFUSE, "not ours"));
    assert_int_equal(r->statement->state, SKILLBASE__STATEMENT_STATE__STATEMENT_REFUSED);
    skillbase__reply__free_unpacked(r, NULL);
    r = decide(d, SKILLBASE__REQUEST__COMMAND_SUBSIDY_REFUSE, "again");
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__WRONG_STATE);
    assert_non_null(strstr(r->message, "refused by alice"));
    skillbase__reply__free_unpacked(r, NULL);
}

static void compute_queues_jobs_for_bases_with_records(void **state)
{
    sb_tk_daemon *d = *state;
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__SubsidyCompute q = SKILLBASE__SUBSIDY_COMPUTE__INIT;
    q.year = 2026;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SUBSIDY_COMPUTE;
    req.subsidy_compute = &q;
    Skillbase__Reply *r = sb_tk_send(d, &req);
    sb_tk_assert_ok(r);
    assert_int_equal(r->queued->n_base_ids, 0);
    skillbase__reply__free_unpacked(r, NULL);
    Skillbase__ServiceRecord s = service("2026-04-01");
    r = record(d, &s, NULL);
    sb_tk_assert_ok(r);
    skillbase__reply__free_unpacked(r, NULL);
    r = sb_tk_send(d, &req);
    sb_tk_assert_ok(r);
    assert_int_equal(r->queued->n_base_ids, 1);
    assert_string_equal(r->queued->base_ids[0], "base-000001");
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(subsidy_jobs(d), 2);
    q.base_id = "base-000404";
    r = sb_tk_send(d, &req);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__NOT_FOUND);
    skillbase__reply__free_unpacked(r, NULL);
    q.base_id = "";
    q.year = 0;
    r = sb_tk_send(d, &req);
    assert_int_equal(r->code, SKILLBASE__ERROR_CODE__INVALID);
    skillbase__reply__free_unpacked(r, NULL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, sb_tk_daemon_teardown)
    const struct CMUnitTest tests[] = {
        T(every_bad_field_is_named),
        T(a_record_is_stored_with_its_job_and_event),
        T(a_repeated_external_id_is_one_record),
        T(services_page_in_date_order),
        T(statements_are_checked_then_stored_once),
        T(compute_queues_jobs_for_bases_with_records),
        T(a_decided_statement_is_not_superseded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
