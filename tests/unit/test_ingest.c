/* Ingest through the request path: the ingest command through sb_dispatch
 * into a real LMDB store (sb_testkit.h) — entity resolution by credit code,
 * the audit trail naming the service, idempotency on (source, event_id),
 * refusals — plus the protocol-version refusals and the topic-filtered read
 * of the event log. The mapping table itself: test_ingest_map.c. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"

static Skillbase__Reply *ingest(sb_tk_daemon *d, Skillbase__Ingest *in)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    req.actor = "someone";
    req.request_id = "ing";
    req.command_case = SKILLBASE__REQUEST__COMMAND_INGEST;
    req.ingest = in;
    return sb_tk_send(d, &req);
}

static uint64_t last_seq(sb_tk_daemon *d)
{
    Skillbase__Reply *r = sb_tk_read_events(d, 1, 1, "");
    uint64_t last = r->events->last_seq;
    skillbase__reply__free_unpacked(r, NULL);
    return last;
}

static void deregistered_unit_revokes_its_base_once(void **state)
{
    sb_tk_daemon *d = *state;
    char code[SB_TK_CREDIT_LEN + 1];
    sb_tk_credit_code("91330100MA0000015", code);
    char base[SB_TK_ID_MAX];
    sb_tk_certified_base(d, code, base);

    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "market-registry";
    in.event_id = "dereg-2026-0042";
    in.type = "unit.deregistered";
    in.entity = code;
    in.occurred_on = "2026-03-01";
    in.reason = "business licence revoked";
    Skillbase__Reply *r = ingest(d, &in);
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->result_case, SKILLBASE__REPLY__RESULT_INGESTED);
    assert_string_equal(r->ingested->entity_id, base);
    assert_string_equal(r->ingested->action, "revoke");
    const Skillbase__Base *b = r->ingested->record->sub_base;
    assert_int_equal(b->state, SKILLBASE__STATE__REVOKED);
    assert_int_equal(b->revoked_cause, SKILLBASE__CAUSE__UNIT_DEREGISTERED);
    assert_true(b->plaque_withdrawn);
    uint64_t seq = r->seq;
    assert_int_equal(seq, last_seq(d));
    assert_false(r->replayed);
    skillbase__reply__free_unpacked(r, NULL);

    /* the revocation's event names the service and carries the fact */
    r = sb_tk_read_events(d, seq, 1, "");
    const Skillbase__Event *ev = r->events->events[0];
    assert_string_equal(ev->topic, "base.revoked");
    assert_string_equal(ev->actor, "service:market-registry");
    assert_string_equal(ev->action, "revoke");
    assert_string_equal(ev->reason, "business licence revoked");
    assert_non_null(ev->ingest);
    assert_string_equal(ev->ingest->event_id, "dereg-2026-0042");
    assert_string_equal(ev->ingest->occurred_on, "2026-03-01");
    skillbase__reply__free_unpacked(r, NULL);

    /* the same fact again: the first answer, nothing applied */
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_OK);
    assert_true(r->replayed);
    assert_int_equal(r->seq, seq);
    assert_string_equal(r->request_id, "ing");
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(last_seq(d), seq);

    /* the same id with other content is not the same fact */
    in.type = "violation.confirmed";
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_KEY_REUSED);
    assert_non_null(strstr(r->message, "ingest:market-registry:dereg-2026-0042"));
    skillbase__reply__free_unpacked(r, NULL);

    /* a new id about the revoked base: the machine's refusal */
    in.event_id = "viol-1";
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_WRONG_STATE);
    assert_non_null(strstr(r->message, "revoked"));
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(last_seq(d), seq);
}

static void objections_and_open_applications(void **state)
{
    sb_tk_daemon *d = *state;
    char code[SB_TK_CREDIT_LEN + 1];
    sb_tk_credit_code("91330100MA0000023", code);
    char id[SB_TK_ID_MAX];
    sb_tk_application_to(d, code, SKILLBASE__STATE__IN_PUBLICITY, id);

    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "complaints";
    in.event_id = "obj-1";
    in.type = "objection.filed";
    in.entity = id;
    Skillbase__Reply *r = ingest(d, &in);
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->ingested->record->application->state, SKILLBASE__STATE__UNDER_REVIEW);
    assert_true(r->ingested->record->application->objection_open);
    uint64_t seq = r->seq;
    skillbase__reply__free_unpacked(r, NULL);
    /* no reason given: the audit trail still says what and who */
    r = sb_tk_read_events(d, seq, 1, "");
    assert_string_equal(r->events->events[0]->reason, "objection.filed reported by complaints");
    assert_string_equal(r->events->events[0]->actor, "service:complaints");
    skillbase__reply__free_unpacked(r, NULL);

    /* a direct-fail fact about an application: the machine refuses */
    in.event_id = "acc-1";
    in.type = "safety.major_accident";
    in.entity = code;
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_WRONG_STATE);
    assert_non_null(strstr(r->message, id));
    skillbase__reply__free_unpacked(r, NULL);

    /* a deregistered unit's open application is rejected */
    in.event_id = "dereg-1";
    in.type = "unit.deregistered";
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_OK);
    assert_string_equal(r->ingested->action, "reject");
    assert_int_equal(r->ingested->record->application->state, SKILLBASE__STATE__REJECTED);
    skillbase__reply__free_unpacked(r, NULL);
}

static void competition_is_recorded_without_a_transition(void **state)
{
    sb_tk_daemon *d = *state;
    char code[SB_TK_CREDIT_LEN + 1];
    sb_tk_credit_code("91330100MA0000031", code);
    char base[SB_TK_ID_MAX];
    sb_tk_certified_base(d, code, base);
    Skillbase__CompetitionHosted c = SKILLBASE__COMPETITION_HOSTED__INIT;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "competition-office";
    in.event_id = "c-7";
    in.type = "competition.hosted";
    in.entity = (char *)base;

    /* the payload is required */
    Skillbase__Reply *r = ingest(d, &in);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "competition: required"));
    skillbase__reply__free_unpacked(r, NULL);

    c.name = "杭州市数控车工技能大赛";
    c.level = "municipal";
    c.held_on = "2026-02-20";
    in.payload_case = SKILLBASE__INGEST__PAYLOAD_COMPETITION;
    in.competition = &c;
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_OK);
    assert_string_equal(r->ingested->action, "competition_hosted");
    assert_int_equal(r->ingested->record->sub_base->state, SKILLBASE__STATE__CERTIFIED);
    assert_int_equal(r->ingested->record->sub_base->version, 1);
    uint64_t seq = r->seq;
    skillbase__reply__free_unpacked(r, NULL);
    r = sb_tk_read_events(d, seq, 1, "");
    const Skillbase__Event *ev = r->events->events[0];
    assert_string_equal(ev->topic, "base.competition_hosted");
    assert_int_equal(ev->from_state, SKILLBASE__STATE__CERTIFIED);
    assert_int_equal(ev->to_state, SKILLBASE__STATE__CERTIFIED);
    assert_string_equal(ev->ingest->competition->name, "杭州市数控车工技能大赛");
    skillbase__reply__free_unpacked(r, NULL);

    /* a date in the future is refused */
    c.held_on = "2026-04-10"; /* the clock is at 2026-04-09 (sb_tk_certified_base) */
    in.event_id = "c-8";
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "competition.held_on"));
    skillbase__reply__free_unpacked(r, NULL);
}

static void malformed_facts_are_refused_clearly(void **state)
{
    sb_tk_daemon *d = *state;
    char code[SB_TK_CREDIT_LEN + 1], unknown[SB_TK_CREDIT_LEN + 1];
    sb_tk_credit_code("91330100MA000004X", code);
    sb_tk_credit_code("91330100MA0009992", unknown);
    char base[SB_TK_ID_MAX];
    sb_tk_certified_base(d, code, base);
    uint64_t before = last_seq(d);
    static const struct {
        const char *source, *event_id, *type, *entity, *occurred_on;
        int code;
        const char *says;
    } cases[] = {
        {"", "e1", "unit.deregistered", NULL, "", SB_INVALID, "source"},
        {"Market Registry", "e1", "unit.deregistered", NULL, "", SB_INVALID, "source"},
        {"mr:x", "e1", "unit.deregistered", NULL, "", SB_INVALID, "source"},
        {"mr", "", "unit.deregistered", NULL, "", SB_INVALID, "event_id"},
        {"mr", "e1", "unit.exploded", NULL, "", SB_INVALID, "objection.filed, "},
        {"mr", "e1", "unit.deregistered", "", "", SB_INVALID, "entity: missing"},
        {"mr", "e1", "unit.deregistered", "nonsense", "", SB_INVALID, "credit code"},
        {"mr", "e1", "unit.deregistered", "base-999999", "", SB_NOT_FOUND, "base-999999"},
        {"mr", "e1", "unit.deregistered", "UNKNOWN", "", SB_NOT_FOUND, "credit code"},
        {"mr", "e1", "unit.deregistered", NULL, "2026-02-30", SB_INVALID, "occurred_on"},
        {"mr", "e1", "unit.deregistered", NULL, "2027-01-01", SB_INVALID, "after today"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
        in.source = (char *)cases[i].source;
        in.event_id = (char *)cases[i].event_id;
        in.type = (char *)cases[i].type;
        in.entity = (char *)(!cases[i].entity                          ? base
                             : strcmp(cases[i].entity, "UNKNOWN") == 0 ? unknown
                                                                       : cases[i].entity);
        in.occurred_on = (char *)cases[i].occurred_on;
        Skillbase__Reply *r = ingest(d, &in);
        if ((int)r->code != cases[i].code || !strstr(r->message, cases[i].says))
            fail_msg("case %zu: got %d \"%s\", want %d naming \"%s\"", i, r->code, r->message,
                     cases[i].code, cases[i].says);
        skillbase__reply__free_unpacked(r, NULL);
    }
    /* a payload on a type that takes none */
    Skillbase__CompetitionHosted c = SKILLBASE__COMPETITION_HOSTED__INIT;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "mr";
    in.event_id = "e2";
    in.type = "violation.confirmed";
    in.entity = (char *)base;
    in.payload_case = SKILLBASE__INGEST__PAYLOAD_COMPETITION;
    in.competition = &c;
    Skillbase__Reply *r = ingest(d, &in);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "carries no payload"));
    skillbase__reply__free_unpacked(r, NULL);
    /* nothing was written by any of them */
    assert_int_equal(last_seq(d), before);

    /* a refused fact is not remembered: once fixed, the same id applies */
    in.payload_case = SKILLBASE__INGEST__PAYLOAD__NOT_SET;
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_OK);
    assert_false(r->replayed);
    skillbase__reply__free_unpacked(r, NULL);
}

static void delivered_service_becomes_a_service_record(void **state)
{
    sb_tk_daemon *d = *state;
    char code[SB_TK_CREDIT_LEN + 1], client[SB_TK_CREDIT_LEN + 1];
    sb_tk_credit_code("91330100MA0000074", code);
    sb_tk_credit_code("91330100MA0007778", client);
    char base[SB_TK_ID_MAX];
    sb_tk_certified_base(d, code, base);
    Skillbase__ServiceRecord svc = SKILLBASE__SERVICE_RECORD__INIT;
    svc.date = "2026-03-02";
    svc.client_name = "杭州某职业培训学校";
    svc.client_credit_code = client;
    svc.kind = SKILLBASE__SERVICE_KIND__TRAINING;
    svc.occupation = "电工";
    svc.trainees = 20;
    svc.hours_tenths = 80;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "training-portal";
    in.event_id = "TP-100";
    in.type = "service.delivered";
    in.entity = code;
    in.payload_case = SKILLBASE__INGEST__PAYLOAD_SERVICE;
    in.service = &svc;
    Skillbase__Reply *r = ingest(d, &in);
    if (r->code != SB_OK)
        fail_msg("service.delivered refused: %s", r->message);
    assert_string_equal(r->ingested->action, "record_service");
    assert_string_equal(r->ingested->entity_id, base);
    assert_int_equal(r->ingested->record->sub_base->state, SKILLBASE__STATE__CERTIFIED);
    uint64_t seq = r->seq;
    assert_true(seq > 0);
    skillbase__reply__free_unpacked(r, NULL);
    r = sb_tk_read_events(d, seq, 1, "");
    const Skillbase__Event *ev = r->events->events[0];
    assert_string_equal(ev->entity_id, base);
    assert_string_equal(ev->actor, "service:training-portal");
    assert_non_null(ev->ingest);
    assert_string_equal(ev->ingest->event_id, "TP-100");
    skillbase__reply__free_unpacked(r, NULL);

    /* the subsidy's own check speaks for a bad record */
    svc.trainees = 0;
    in.event_id = "TP-101";
    r = ingest(d, &in);
    assert_int_equal(r->code, SB_INVALID);
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(last_seq(d), seq);
}

/* ------------------------------------------------------------ protocol, reads */

static void protocol_versions_are_named(void **state)
{
    sb_tk_daemon *d = *state;
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    req.request_id = "v";
    req.protocol = 0; /* sent as it is: sb_tk_send would make it 1 */
    req.actor = "tester";
    uint8_t frame[64];
    assert_true(skillbase__request__get_packed_size(&req) <= sizeof frame);
    Skillbase__Reply *r = sb_tk_send_frame(d, frame, skillbase__request__pack(&req, frame));
    assert_int_equal(r->code, SB_UNSUPPORTED_PROTOCOL);
    assert_non_null(strstr(r->message, "no protocol version"));
    assert_non_null(strstr(r->message, "speaks protocol 1"));
    assert_int_equal(r->protocol, 1);
    assert_string_equal(r->request_id, "v");
    skillbase__reply__free_unpacked(r, NULL);

    req.protocol = 2;
    r = sb_tk_send(d, &req);
    assert_int_equal(r->code, SB_UNSUPPORTED_PROTOCOL);
    assert_non_null(strstr(r->message, "protocol 2"));
    assert_non_null(strstr(r->message, "protocol 1"));
    skillbase__reply__free_unpacked(r, NULL);

    req.protocol = 1;
    r = sb_tk_send(d, &req);
    assert_int_equal(r->code, SB_OK);
    assert_string_equal(r->status->event_endpoint, d->config.event_endpoint);
    skillbase__reply__free_unpacked(r, NULL);
}

static void read_events_filters_by_topic_prefix(void **state)
{
    sb_tk_daemon *d = *state;
    char code[SB_TK_CREDIT_LEN + 1];
    sb_tk_credit_code("91330100MA0000058", code);
    sb_tk_certified_base(d, code, NULL); /* 5 events: applied .. certified, base certified */
    sb_tk_credit_code("91330100MA0000066", code);
    sb_tk_certified_base(d, code, NULL); /* 5 more */
    Skillbase__Reply *r = sb_tk_read_events(d, 1, 0, "base.");
    assert_int_equal(r->events->n_events, 2);
    assert_string_equal(r->events->events[0]->topic, "base.certified");
    assert_int_equal(r->events->next_seq, 0);
    assert_int_equal(r->events->last_seq, 10);
    skillbase__reply__free_unpacked(r, NULL);

    /* a page of 1: next_seq resumes after the match */
    r = sb_tk_read_events(d, 1, 1, "application.certified");
    assert_int_equal(r->events->n_events, 1);
    uint64_t first = r->events->events[0]->seq;
    assert_int_equal(r->events->next_seq, first + 1);
    skillbase__reply__free_unpacked(r, NULL);
    r = sb_tk_read_events(d, first + 1, 1, "application.certified");
    assert_int_equal(r->events->n_events, 1);
    assert_true(r->events->events[0]->seq > first);
    skillbase__reply__free_unpacked(r, NULL);

    r = sb_tk_read_events(d, 1, 0, "nothing.");
    assert_int_equal(r->events->n_events, 0);
    assert_int_equal(r->events->next_seq, 0);
    skillbase__reply__free_unpacked(r, NULL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, sb_tk_daemon_setup, sb_tk_daemon_teardown)
    const struct CMUnitTest tests[] = {
        T(deregistered_unit_revokes_its_base_once),      T(objections_and_open_applications),
        T(competition_is_recorded_without_a_transition), T(malformed_facts_are_refused_clearly),
        T(delivered_service_becomes_a_service_record),   T(protocol_versions_are_named),
        T(read_events_filters_by_topic_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
