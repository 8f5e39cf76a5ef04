/* Four-eyes decisions through sb_dispatch_as (four_eyes.h) on a real store:
 * a proposal instead of the decision, the proposer cannot confirm, a second
 * operator can; a proposal that could not take effect is refused at once;
 * one whose record moved on stays open and can be discarded; a worker's
 * request needs two operators; with four eyes off nothing changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "handlers.h"
#include "sb_error.h"

#define FIXED_NOW_MS 1773104400000ull /* 2026-03-10 09:00 in Hangzhou */
#define CODE_A "91350100M000100Y43"

typedef struct {
    char dir[64];
    sb_store *store;
    sb_config config;
    sb_dispatch_ctx ctx;
    sb_arena arena;
} fixture;

static uint64_t clock_ms = FIXED_NOW_MS;

static uint64_t fixed_clock(void *arg)
{
    return *(uint64_t *)arg;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sb-four-eyes-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    sb_config_defaults(&f->config);
    snprintf(f->config.state_dir, sizeof f->config.state_dir, "%s", f->dir);
    f->config.four_eyes_certify = f->config.four_eyes_revoke = true;
    sb_store_options o = {f->dir, 0, 0};
    assert_int_equal(sb_store_open(&o, &f->store), 0);
    f->ctx = (sb_dispatch_ctx){f->store, &f->config, FIXED_NOW_MS, fixed_clock, &clock_ms};
    sb_arena_init(&f->arena, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_store_close(&f->store);
    sb_arena_destroy(&f->arena);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Send as `name` (an authenticated key) of `role`; returns the reply. */
static Skillbase__Reply *send_as(fixture *f, unsigned role, const char *name,
                                 Skillbase__Request *req)
{
    sb_caller c = {.role = role, .name = name};
    req->protocol = 1;
    req->request_id = (char *)"t";
    size_t len = skillbase__request__get_packed_size(req);
    uint8_t *buf = malloc(len + 1);
    skillbase__request__pack(req, buf);
    sb_txn *txn;
    sb_dispatch_result r;
    assert_int_equal(sb_store_begin(f->store, true, &txn), 0);
    sb_arena_reset(&f->arena);
    assert_int_equal(sb_dispatch_as(&f->ctx, txn, &c, buf, len, &f->arena, &r), 0);
    assert_int_equal(sb_store_commit(&txn), 0);
    free(buf);
    Skillbase__Reply *reply = skillbase__reply__unpack(NULL, r.len, r.reply);
    assert_non_null(reply);
    return reply;
}

static int code_of(Skillbase__Reply *r)
{
    int c = (int)r->code;
    skillbase__reply__free_unpacked(r, NULL);
    return c;
}

static void transition(fixture *f, const char *who, Skillbase__Request__CommandCase cc,
                       const char *id, int want)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    t.id = (char *)id;
    t.reason = (char *)"a reason";
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&skillbase__request__descriptor, cc);
    req.command_case = cc;
    *(Skillbase__Transition **)((char *)&req + fd->offset) = &t;
    Skillbase__Reply *r = send_as(f, SB_ROLE_OPERATOR, who, &req);
    if ((int)r->code != want)
        fail_msg("%s %s by %s: %d (%s), want %d", fd->name, id, who, r->code, r->message, want);
    skillbase__reply__free_unpacked(r, NULL);
}

/* An application in publicity: app-000001. */
static void to_publicity(fixture *f)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Apply ap = SKILLBASE__APPLY__INIT;
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    Skillbase__Contact contact = SKILLBASE__CONTACT__INIT;
    Skillbase__Project project = SKILLBASE__PROJECT__INIT, *projects[1] = {&project};
    Skillbase__Site site = SKILLBASE__SITE__INIT;
    Skillbase__Staff staff = SKILLBASE__STAFF__INIT;
    Skillbase__Materials mat = SKILLBASE__MATERIALS__INIT;
    unit.name = "杭州精工机械有限公司";
    unit.credit_code = CODE_A;
    unit.type = SKILLBASE__UNIT_TYPE__ENTERPRISE;
    unit.district = "xihu";
    unit.legal_person = 1;
    contact.name = "王工";
    contact.phone = "0571-88888888";
    contact.email = "hr@example.com";
    project.occupation = "电工";
    project.level = "高级工";
    site.owned = site.office_owned = 1;
    site.area_m2 = 1200;
    site.equipment_value_cny = 3500000;
    staff.full_time_managers = 2;
    staff.teachers = 12;
    mat.application_form = "D1", mat.license = "D2", mat.staff_credentials = "D3";
    mat.management_rules = "D4";
    form.unit = &unit, form.contact = &contact, form.base_name = "精工机械";
    form.projects = projects, form.n_projects = 1;
    form.site = &site, form.staff = &staff, form.materials = &mat;
    ap.form = &form;
    req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    req.apply = &ap;
    assert_int_equal(code_of(send_as(f, SB_ROLE_OPERATOR, "alice", &req)), SB_OK);
    transition(f, "alice", SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", SB_OK);
    Skillbase__Request ev = SKILLBASE__REQUEST__INIT;
    Skillbase__Evaluate e = SKILLBASE__EVALUATE__INIT;
    e.id = "app-000001", e.reason = "ok", e.pass = 1;
    ev.command_case = SKILLBASE__REQUEST__COMMAND_EVALUATE;
    ev.evaluate = &e;
    assert_int_equal(code_of(send_as(f, SB_ROLE_OPERATOR, "alice", &ev)), SB_OK);
}

static Skillbase__Reply *decide(fixture *f, unsigned role, const char *who,
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
    return send_as(f, role, who, &req);
}

static const char *state_of(fixture *f, const char *id)
{
    static char buf[32];
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get g = SKILLBASE__GET__INIT;
    g.id = (char *)id;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &g;
    Skillbase__Reply *r = send_as(f, SB_ROLE_READER, "rita", &req);
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
    fixture *f = *state;
    to_publicity(f);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    t.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
    req.close_publicity = &t;
    Skillbase__Reply *r = send_as(f, SB_ROLE_OPERATOR, "alice", &req);
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->result_case, SKILLBASE__REPLY__RESULT_PROPOSAL);
    assert_string_equal(r->proposal->id, "prop-000001");
    assert_string_equal(r->proposal->proposed_by, "alice");
    assert_int_equal(r->proposal->entity_version, 3);
    skillbase__reply__free_unpacked(r, NULL);
    assert_string_equal(state_of(f, "app-000001"), "IN_PUBLICITY");
    /* a second proposal for the same record: refused */
    assert_int_equal(code_of(send_as(f, SB_ROLE_OPERATOR, "bob", &req)), SB_CONFLICT);
    r = decide(f, SB_ROLE_OPERATOR, "alice", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
               "prop-000001", NULL);
    assert_int_equal(r->code, SB_FORBIDDEN);
    assert_non_null(strstr(r->message, "different operator"));
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(
        code_of(decide(f, SB_ROLE_REVIEWER, "wang", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
                       "prop-000001", NULL)),
        SB_FORBIDDEN);
    r = decide(f, SB_ROLE_OPERATOR, "bob", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
               "prop-000001", "checked");
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->proposal->state, SKILLBASE__PROPOSAL_STATE__CONFIRMED);
    assert_string_equal(r->proposal->decided_by, "bob");
    assert_true(r->proposal->decided_seq > r->proposal->proposed_seq);
    skillbase__reply__free_unpacked(r, NULL);
    assert_string_equal(state_of(f, "app-000001"), "CERTIFIED");
    assert_string_equal(state_of(f, "base-000001"), "CERTIFIED");
    /* the events: the proposal by alice, the decision by bob naming both */
    Skillbase__Request h = SKILLBASE__REQUEST__INIT;
    Skillbase__ReadEvents re = SKILLBASE__READ_EVENTS__INIT;
    h.command_case = SKILLBASE__REQUEST__COMMAND_READ_EVENTS;
    h.read_events = &re;
    r = send_as(f, SB_ROLE_READER, "rita", &h);
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
        code_of(decide(f, SB_ROLE_OPERATOR, "carol", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
                       "prop-000001", NULL)),
        SB_WRONG_STATE);
}

static void test_a_proposal_that_could_not_take_effect_is_refused_at_once(void **state)
{
    fixture *f = *state;
    to_publicity(f);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Revoke rv = SKILLBASE__REVOKE__INIT;
    rv.id = "app-000001"; /* not a sub-base */
    rv.reason = "x";
    rv.cause = SKILLBASE__CAUSE__VIOLATION;
    req.command_case = SKILLBASE__REQUEST__COMMAND_REVOKE;
    req.revoke = &rv;
    Skillbase__Reply *r = send_as(f, SB_ROLE_OPERATOR, "alice", &req);
    assert_int_not_equal(r->code, SB_OK);
    assert_int_not_equal(r->result_case, SKILLBASE__REPLY__RESULT_PROPOSAL);
    skillbase__reply__free_unpacked(r, NULL);
    transition(f, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000999", SB_NOT_FOUND);
}

static void test_a_proposal_whose_record_moved_on_stays_open_until_discarded(void **state)
{
    fixture *f = *state;
    to_publicity(f);
    transition(f, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", SB_OK);
    /* an objection arrives, is dismissed: back in publicity, a newer version */
    transition(f, "bob", SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, "app-000001", SB_OK);
    transition(f, "bob", SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION, "app-000001", SB_OK);
    Skillbase__Reply *r = decide(f, SB_ROLE_OPERATOR, "bob",
                                 SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL, "prop-000001", NULL);
    assert_int_equal(r->code, SB_STALE_VERSION);
    assert_non_null(strstr(r->message, "prop-000001 cannot take effect"));
    skillbase__reply__free_unpacked(r, NULL);
    assert_string_equal(state_of(f, "app-000001"), "IN_PUBLICITY");
    assert_int_equal(
        code_of(decide(f, SB_ROLE_OPERATOR, "bob", SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL,
                       "prop-000001", NULL)),
        SB_INVALID); /* a reason is required */
    r = decide(f, SB_ROLE_OPERATOR, "bob", SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL,
               "prop-000001", "the objection changed the picture");
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->proposal->state, SKILLBASE__PROPOSAL_STATE__DISCARDED);
    skillbase__reply__free_unpacked(r, NULL);
    /* a fresh proposal can be made now */
    transition(f, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", SB_OK);
}

static void test_a_workers_request_needs_two_operators(void **state)
{
    fixture *f = *state;
    to_publicity(f);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    t.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
    req.close_publicity = &t;
    req.actor = "worker:deadlines-1";
    Skillbase__Reply *r = send_as(f, SB_ROLE_WORKER, NULL, &req);
    assert_int_equal(r->code, SB_OK);
    assert_string_equal(r->proposal->proposed_by, "");
    assert_string_equal(r->proposal->requested_by, "worker:deadlines-1");
    skillbase__reply__free_unpacked(r, NULL);
    r = decide(f, SB_ROLE_OPERATOR, "alice", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
               "prop-000001", NULL);
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->proposal->state, SKILLBASE__PROPOSAL_STATE__OPEN);
    assert_string_equal(r->proposal->proposed_by, "alice");
    skillbase__reply__free_unpacked(r, NULL);
    assert_string_equal(state_of(f, "app-000001"), "IN_PUBLICITY");
    assert_int_equal(
        code_of(decide(f, SB_ROLE_OPERATOR, "alice", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
                       "prop-000001", NULL)),
        SB_FORBIDDEN);
    assert_int_equal(
        code_of(decide(f, SB_ROLE_OPERATOR, "bob", SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL,
                       "prop-000001", NULL)),
        SB_OK);
    assert_string_equal(state_of(f, "app-000001"), "CERTIFIED");
}

static void test_with_four_eyes_off_an_operator_decides_alone(void **state)
{
    fixture *f = *state;
    f->config.four_eyes_certify = f->config.four_eyes_revoke = false;
    to_publicity(f);
    transition(f, "alice", SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", SB_OK);
    assert_string_equal(state_of(f, "app-000001"), "CERTIFIED");
}

/* Regression (found by tests/e2e/test_hostile.sh): an idempotency key longer
 * than the store's key limit made sb_dispatch fail outright, which failed
 * the whole batch it was in. Now it is a refusal of that request alone. */
static void test_an_overlong_idempotency_key_is_refused_alone(void **state)
{
    fixture *f = *state;
    char key[251];
    memset(key, 'k', 250);
    key[250] = '\0';
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    t.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_REVIEW;
    req.review = &t;
    req.idempotency_key = key;
    Skillbase__Reply *r = send_as(f, SB_ROLE_OPERATOR, NULL, &req);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "idempotency_key"));
    skillbase__reply__free_unpacked(r, NULL);
    /* an authenticated caller's key is stored with its name in front:
     * 190 bytes of key and a long name must still fit or be refused */
    key[190] = '\0';
    r = send_as(f, SB_ROLE_OPERATOR, "a-rather-long-operator-name", &req);
    assert_int_equal(r->code, SB_INVALID);
    skillbase__reply__free_unpacked(r, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_certification_needs_a_second_operator, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_proposal_that_could_not_take_effect_is_refused_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_a_proposal_whose_record_moved_on_stays_open_until_discarded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_workers_request_needs_two_operators, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_with_four_eyes_off_an_operator_decides_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_an_overlong_idempotency_key_is_refused_alone, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
