/* Four-eyes decisions through sb_dispatch_as (four_eyes.h) on a real store:
 * a proposal instead of the decision, the proposer cannot confirm, a second
 * operator can; a proposal that could not take effect is refused at once;
 * one whose record moved on stays open and can be discarded; a worker's
 * request needs two operators; with four eyes off nothing changes. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"

static int setup(void **state)
{
    sb_tk_daemon *d = sb_tk_daemon_new(NULL, SB_TK_NOW_MS);
    d->config.four_eyes_certify = d->config.four_eyes_revoke = true;
    *state = d;
    return 0;
}

/* A transition by operator `who`, which must end with code `want`. */
static void transition(sb_tk_daemon *d, const char *who, Skillbase__Request__CommandCase cc,
                       const char *id, int want)
{
    d->caller = (sb_caller){.role = SB_ROLE_OPERATOR, .name = who};
    Skillbase__Reply *r = sb_tk_transition(d, cc, id, "a reason", 0);
    if ((int)r->code != want)
        fail_msg("%s %s by %s: %s (%s), want %s",
                 protobuf_c_message_descriptor_get_field(&skillbase__request__descriptor, cc)->name,
                 id, who, sb_error_name((int)r->code), r->message, sb_error_name(want));
    skillbase__reply__free_unpacked(r, NULL);
}

/* An application in publicity, by operator alice: app-000001. */
static void to_publicity(sb_tk_daemon *d)
{
    char id[SB_TK_ID_MAX];
    d->caller = (sb_caller){.role = SB_ROLE_OPERATOR, .name = "alice"};
    sb_tk_application_to(d, SB_TK_CREDIT_CODE, SKILLBASE__STATE__IN_PUBLICITY, id);
    assert_string_equal(id, "app-000001");
    d->now_ms += SB_TK_PUBLICITY_OVER_MS; /* the window has run its course */
}

static Skillbase__Reply *decide(sb_tk_daemon *d, unsigned role, const char *who,
                                Skillbase__Request__CommandCase cc, const char *prop,
                                const char *reason)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ProposalRef ref = SKILLBASE__PROPOSAL_REF__INIT;
    ref.id = (char *)prop;
    ref.reason = (char *)reason;
    req.command_case = cc;
    if (cc == SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL)
        req.confirm_proposal = &ref;
    else
        req.discard_proposal = &ref;
    return sb_tk_send_as(d, role, who, &req);
}

static const char *state_of(sb_tk_daemon *d, const char *id)
{
    static char buf[32];
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get g = SKILLBASE__GET__INIT;
    g.id = (char *)id;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &g;
    Skillbase__Reply *r = sb_tk_send_as(d, SB_ROLE_READER, "rita", &req);
    assert_int_equal(r->code, SB_OK);
    Skillbase__State s = r->record->record_case == SKILLBASE__RECORD__RECORD_APPLICATION
                             ? r->record->application->state
                             : r->record->sub_base->state;
    snprintf(buf, sizeof buf, "%s",
             protobuf_c_enum_descriptor_get_value(&skillbase__state__descriptor, s)->name);
    skillbase__reply__free_unpacked(r, NULL);
    return buf;
}

static void test_certification_needs_a_second_operator(void **state)
{
    sb_tk_daemon *d = *state;
    to_publicity(d);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    t.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
    req.close_publicity = &t;
    Skillbase__Reply *r = sb_tk_send_as(d, SB_ROLE_OPERATOR, "alice", &req);
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->result_case, SKILLBASE__REPLY__RESULT_PROPOSAL);
    assert_string_equal(r->proposal->id, "prop-000001");
    assert_string_equal(r->proposal->proposed_by, "alice");
    assert_int_equal(r->proposal->entity_version, 3);
    skillbase__reply__free_unpacked(r, NULL);
    assert_string_equal(state_of(d, "app-000001"), "IN_PUBLICITY");
    /* a second proposal for the same record: refused */
    assert_int_equal(sb_tk_code(sb_tk_send_as(d, SB_ROLE_OPERATOR, "bob", &req)), SB_CONFLICT);
    r = decide(d, SB_ROLE_OPERATOR, "alice", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
               "prop-000001", NULL);
    assert_int_equal(r->code, SB_FORBIDDEN);
    assert_non_null(strstr(r->message, "different operator"));
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(
        sb_tk_code(decide(d, SB_ROLE_REVIEWER, "wang", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
                          "prop-000001", NULL)),
        SB_FORBIDDEN);
    r = decide(d, SB_ROLE_OPERATOR, "bob", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
               "prop-000001", "checked");
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->proposal->state, SKILLBASE__PROPOSAL_STATE__CONFIRMED);
    assert_string_equal(r->proposal->decided_by, "bob");
    assert_true(r->proposal->decided_seq > r->proposal->proposed_seq);
    skillbase__reply__free_unpacked(r, NULL);
    assert_string_equal(state_of(d, "app-000001"), "CERTIFIED");
    assert_string_equal(state_of(d, "base-000001"), "CERTIFIED");
    /* the events: the proposal by alice, the decision by bob naming both */
    Skillbase__Request h = SKILLBASE__REQUEST__INIT;
    Skillbase__ReadEvents re = SKILLBASE__READ_EVENTS__INIT;
    h.command_case = SKILLBASE__REQUEST__COMMAND_READ_EVENTS;
    h.read_events = &re;
    r = sb_tk_send_as(d, SB_ROLE_READER, "rita", &h);
    size_t n = r->events->n_events;
    Skillbase__Event **evs = r->events->events;
    assert_true(n >= 6);
    assert_string_equal(evs[3]->topic, "application.certification_proposed");
    assert_string_equal(evs[3]->actor, "alice");
    assert_string_equal(evs[3]->proposal_id, "prop-000001");
    for (size_t i = 4; i < n; i++) {
        assert_string_equal(evs[i]->actor, "bob");
        assert_string_equal(evs[i]->proposed_by, "alice");
        assert_string_equal(evs[i]->proposal_id, "prop-000001");
    }
    skillbase__reply__free_unpacked(r, NULL);
    /* decided: no second confirmation */
    assert_int_equal(
        sb_tk_code(decide(d, SB_ROLE_OPERATOR, "carol",
                          SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL, "prop-000001", NULL)),
        SB_WRONG_STATE);
}

static void test_a_proposal_that_could_not_take_effect_is_refused_at_once(void **state)
{
    sb_tk_daemon *d = *state;
    to_publicity(d);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Revoke rv = SKILLBASE__REVOKE__INIT;
    rv.id = "app-000001"; /* not a sub-base */
    rv.reason = "x";
    rv.cause = SKILLBASE__CAUSE__VIOLATION;
    req.command_case = SKILLBASE__REQUEST__COMMAND_REVOKE;
    req.revoke = &rv;
    Skillbase__Reply *r = sb_tk_send_as(d, SB_ROLE_OPERATOR, "alice", &req);
    assert_int_not_equal(r->code, SB_OK);
    assert_int_not_equal(r->result_case, SKILLBASE__REPLY__RESULT_PROPOSAL);
    skillbase__reply__free_unpacked(r, NULL);
    transition(d, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000999", SB_NOT_FOUND);
}

static void test_a_proposal_whose_record_moved_on_stays_open_until_discarded(void **state)
{
    sb_tk_daemon *d = *state;
    to_publicity(d);
    transition(d, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", SB_OK);
    /* an objection arrives, is dismissed: back in publicity, a newer version */
    transition(d, "bob", SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, "app-000001", SB_OK);
    transition(d, "bob", SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION, "app-000001", SB_OK);
    Skillbase__Reply *r = decide(d, SB_ROLE_OPERATOR, "bob",
                                 SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL, "prop-000001", NULL);
    assert_int_equal(r->code, SB_STALE_VERSION);
    assert_non_null(strstr(r->message, "prop-000001 cannot take effect"));
    skillbase__reply__free_unpacked(r, NULL);
    assert_string_equal(state_of(d, "app-000001"), "IN_PUBLICITY");
    assert_int_equal(
        sb_tk_code(decide(d, SB_ROLE_OPERATOR, "bob", SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL,
                          "prop-000001", NULL)),
        SB_INVALID); /* a reason is required */
    r = decide(d, SB_ROLE_OPERATOR, "bob", SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL,
               "prop-000001", "the objection changed the picture");
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->proposal->state, SKILLBASE__PROPOSAL_STATE__DISCARDED);
    skillbase__reply__free_unpacked(r, NULL);
    /* a fresh proposal can be made once the resumed window has ended (the
     * objection came after the first had run: it ends with the day it
     * resumed) */
    transition(d, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001",
               SB_WRONG_STATE);
    d->now_ms += 86400ull * 1000;
    transition(d, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", SB_OK);
}

static void test_a_workers_request_needs_two_operators(void **state)
{
    sb_tk_daemon *d = *state;
    to_publicity(d);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    t.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
    req.close_publicity = &t;
    req.actor = "worker:deadlines-1";
    Skillbase__Reply *r = sb_tk_send_as(d, SB_ROLE_WORKER, NULL, &req);
    assert_int_equal(r->code, SB_OK);
    assert_string_equal(r->proposal->proposed_by, "");
    assert_string_equal(r->proposal->requested_by, "worker:deadlines-1");
    skillbase__reply__free_unpacked(r, NULL);
    r = decide(d, SB_ROLE_OPERATOR, "alice", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
               "prop-000001", NULL);
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->proposal->state, SKILLBASE__PROPOSAL_STATE__OPEN);
    assert_string_equal(r->proposal->proposed_by, "alice");
    skillbase__reply__free_unpacked(r, NULL);
    assert_string_equal(state_of(d, "app-000001"), "IN_PUBLICITY");
    assert_int_equal(
        sb_tk_code(decide(d, SB_ROLE_OPERATOR, "alice",
                          SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL, "prop-000001", NULL)),
        SB_FORBIDDEN);
    assert_int_equal(
        sb_tk_code(decide(d, SB_ROLE_OPERATOR, "bob", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
                          "prop-000001", NULL)),
        SB_OK);
    assert_string_equal(state_of(d, "app-000001"), "CERTIFIED");
}

static void test_with_four_eyes_off_an_operator_decides_alone(void **state)
{
    sb_tk_daemon *d = *state;
    d->config.four_eyes_certify = d->config.four_eyes_revoke = false;
    to_publicity(d);
    transition(d, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", SB_OK);
    assert_string_equal(state_of(d, "app-000001"), "CERTIFIED");
}

/* Regression (found by tests/e2e/test_hostile.sh): an idempotency key longer
 * than the store's key limit made sb_dispatch fail outright, which failed
 * the whole batch it was in. Now it is a refusal of that request alone. */
static void test_an_overlong_idempotency_key_is_refused_alone(void **state)
{
    sb_tk_daemon *d = *state;
    char key[251];
    memset(key, 'k', 250);
    key[250] = '\0';
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    t.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_REVIEW;
    req.review = &t;
    req.idempotency_key = key;
    Skillbase__Reply *r = sb_tk_send_as(d, SB_ROLE_OPERATOR, NULL, &req);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "idempotency_key"));
    skillbase__reply__free_unpacked(r, NULL);
    /* an authenticated caller's key is stored with its name in front:
     * 190 bytes of key and a long name must still fit or be refused */
    key[190] = '\0';
    r = sb_tk_send_as(d, SB_ROLE_OPERATOR, "a-rather-long-operator-name", &req);
    assert_int_equal(r->code, SB_INVALID);
    skillbase__reply__free_unpacked(r, NULL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, sb_tk_daemon_teardown)
    const struct CMUnitTest tests[] = {
        T(test_certification_needs_a_second_operator),
        T(test_a_proposal_that_could_not_take_effect_is_refused_at_once),
        T(test_a_proposal_whose_record_moved_on_stays_open_until_discarded),
        T(test_a_workers_request_needs_two_operators),
        T(test_with_four_eyes_off_an_operator_decides_alone),
        T(test_an_overlong_idempotency_key_is_refused_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
