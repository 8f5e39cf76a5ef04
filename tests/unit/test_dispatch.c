/* The request path without sockets: frames through sb_dispatch into a real
 * LMDB store in a temporary directory, with a fixed clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dispatch.h"
#include "handlers.h"
#include "sb_error.h"

/* 2026-03-10 09:00 in Hangzhou */
#define FIXED_NOW_MS 1773104400000ull

typedef struct {
    char dir[64];
    sb_store *store;
    sb_config config;
    sb_dispatch_ctx ctx;
    sb_arena arena;
    sb_txn *batch; /* open batch, or NULL: each call commits its own */
} fixture;

static uint64_t fixed_clock(void *arg)
{
    return *(uint64_t *)arg;
}

static uint64_t clock_ms = FIXED_NOW_MS;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sb-dispatch-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    sb_config_defaults(&f->config);
    snprintf(f->config.state_dir, sizeof f->config.state_dir, "%s", f->dir);
    sb_store_options o = {f->dir, 0, 0};
    assert_int_equal(sb_store_open(&o, &f->store), 0);
    f->ctx = (sb_dispatch_ctx){f->store, &f->config, FIXED_NOW_MS, fixed_clock, &clock_ms};
    sb_arena_init(&f->arena, 0);
    clock_ms = FIXED_NOW_MS;
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

/* Send raw bytes; returns the decoded reply (free with free_unpacked). */
static Skillbase__Reply *send_raw(fixture *f, const uint8_t *buf, size_t len, int *wrote)
{
    sb_txn *txn = f->batch;
    if (!txn)
        assert_int_equal(sb_store_begin(f->store, true, &txn), 0);
    sb_dispatch_result r;
    sb_arena_reset(&f->arena);
    assert_int_equal(sb_dispatch(&f->ctx, txn, SB_ROLE_ANY, buf, len, &f->arena, &r), 0);
    if (!f->batch)
        assert_int_equal(sb_store_commit(&txn), 0);
    if (wrote)
        *wrote = r.wrote;
    Skillbase__Reply *reply = skillbase__reply__unpack(NULL, r.len, r.reply);
    assert_non_null(reply);
    return reply;
}

static Skillbase__Reply *send_req(fixture *f, Skillbase__Request *req)
{
    if (!req->protocol)
        req->protocol = 1;
    size_t len = skillbase__request__get_packed_size(req);
    uint8_t *buf = malloc(len + 1);
    skillbase__request__pack(req, buf);
    Skillbase__Reply *reply = send_raw(f, buf, len, NULL);
    free(buf);
    return reply;
}

/* A valid form; the caller may change fields before sending. */
typedef struct {
    Skillbase__ApplicationForm form;
    Skillbase__Unit unit;
    Skillbase__Contact contact;
    Skillbase__Project project, *projects[1];
    Skillbase__Site site;
    Skillbase__Staff staff;
    Skillbase__Materials materials;
} form_parts;

static void valid_form(form_parts *p, const char *credit_code)
{
    skillbase__application_form__init(&p->form);
    skillbase__unit__init(&p->unit);
    skillbase__contact__init(&p->contact);
    skillbase__project__init(&p->project);
    skillbase__site__init(&p->site);
    skillbase__staff__init(&p->staff);
    skillbase__materials__init(&p->materials);
    p->unit.name = "杭州精工机械有限公司";
    p->unit.credit_code = (char *)credit_code;
    p->unit.type = SKILLBASE__UNIT_TYPE__ENTERPRISE;
    p->unit.district = "xihu";
    p->unit.legal_person = 1;
    p->contact.name = "王工";
    p->contact.phone = "0571-88888888";
    p->contact.email = "hr@example.com";
    p->project.occupation = "电工";
    p->project.level = "高级工";
    p->projects[0] = &p->project;
    p->site.owned = 1;
    p->site.area_m2 = 1200;
    p->site.equipment_value_cny = 3500000;
    p->site.office_owned = 1;
    p->staff.full_time_managers = 2;
    p->staff.teachers = 12;
    p->materials.application_form = "DOC-1";
    p->materials.license = "DOC-2";
    p->materials.staff_credentials = "DOC-3";
    p->materials.management_rules = "DOC-4";
    p->form.unit = &p->unit;
    p->form.contact = &p->contact;
    p->form.base_name = "精工机械";
    p->form.projects = p->projects;
    p->form.n_projects = 1;
    p->form.site = &p->site;
    p->form.staff = &p->staff;
    p->form.materials = &p->materials;
}

#define CODE_A "91350100M000100Y43"

static Skillbase__Reply *apply(fixture *f, form_parts *p, const char *key)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Apply a = SKILLBASE__APPLY__INIT;
    a.form = &p->form;
    req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    req.apply = &a;
    req.actor = "alice";
    req.request_id = "r1";
    if (key)
        req.idempotency_key = (char *)key;
    return send_req(f, &req);
}

/* A Transition-shaped command by case. */
static Skillbase__Reply *move(fixture *f, Skillbase__Request__CommandCase c, const char *id,
                              const char *reason, uint64_t expect)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    Skillbase__Evaluate ev = SKILLBASE__EVALUATE__INIT;
    t.id = ev.id = (char *)id;
    t.reason = ev.reason = (char *)(reason ? reason : "");
    req.command_case = c;
    req.expected_version = expect;
    req.actor = "bob";
    switch (c) {
    case SKILLBASE__REQUEST__COMMAND_REVIEW: req.review = &t; break;
    case SKILLBASE__REQUEST__COMMAND_EVALUATE: ev.pass = 1; req.evaluate = &ev; break;
    case SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION: req.file_objection = &t; break;
    case SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION: req.dismiss_objection = &t; break;
    case SKILLBASE__REQUEST__COMMAND_UPHOLD_OBJECTION: req.uphold_objection = &t; break;
    case SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY: req.close_publicity = &t; break;
    case SKILLBASE__REQUEST__COMMAND_REJECT: req.reject = &t; break;
    case SKILLBASE__REQUEST__COMMAND_WITHDRAW: req.withdraw = &t; break;
    default: fail_msg("not a transition");
    }
    return send_req(f, &req);
}

static Skillbase__Reply *assess(fixture *f, const char *id, const uint32_t pts[6])
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Assess a = SKILLBASE__ASSESS__INIT;
    Skillbase__Scores s = SKILLBASE__SCORES__INIT;
    s.basic_construction = pts[0];
    s.system_construction = pts[1];
    s.training_management = pts[2];
    s.public_service = pts[3];
    s.competition_hosting = pts[4];
    s.other_public_service = pts[5];
    a.id = (char *)id;
    a.scores = &s;
    req.command_case = SKILLBASE__REQUEST__COMMAND_ASSESS;
    req.assess = &a;
    return send_req(f, &req);
}

static Skillbase__Record *show(fixture *f, const char *id, Skillbase__Reply **holder)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get g = SKILLBASE__GET__INIT;
    g.id = (char *)id;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &g;
    *holder = send_req(f, &req);
    assert_int_equal((*holder)->code, SB_OK);
    return (*holder)->record;
}

#define EXPECT_OK(reply) \
    do { \
        if ((reply)->code != SB_OK) \
            fail_msg("expected ok, got %s: %s", sb_error_name((reply)->code), (reply)->message); \
    } while (0)

static void full_lifecycle_certifies_names_and_assesses(void **state)
{
    fixture *f = *state;
    form_parts p;
    valid_form(&p, CODE_A);
    Skillbase__Reply *r = apply(f, &p, NULL);
    EXPECT_OK(r);
    assert_string_equal(r->record->application->id, "app-000001");
    assert_int_equal(r->record->application->state, SKILLBASE__STATE__APPLIED);
    assert_string_equal(r->record->application->form->unit->district, "西湖区");
    skillbase__reply__free_unpacked(r, NULL);

    const Skillbase__Request__CommandCase steps[] = {SKILLBASE__REQUEST__COMMAND_REVIEW,
                                                     SKILLBASE__REQUEST__COMMAND_EVALUATE,
                                                     SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY};
    const Skillbase__State want[] = {SKILLBASE__STATE__UNDER_REVIEW, SKILLBASE__STATE__IN_PUBLICITY,
                                     SKILLBASE__STATE__CERTIFIED};
    for (int i = 0; i < 3; i++) {
        r = move(f, steps[i], "app-000001", "ok", 0);
        EXPECT_OK(r);
        assert_int_equal(r->record->application->state, want[i]);
        assert_int_equal(r->record->application->version, (uint64_t)i + 2);
        skillbase__reply__free_unpacked(r, NULL);
    }
    Skillbase__Reply *h;
    Skillbase__Record *app = show(f, "app-000001", &h);
    assert_string_equal(app->application->base_id, "base-000001");
    assert_string_equal(app->application->publicity_started_on, "2026-03-10");
    skillbase__reply__free_unpacked(h, NULL);

    Skillbase__Record *base = show(f, "base-000001", &h);
    Skillbase__Base *b = base->sub_base;
    assert_int_equal(b->state, SKILLBASE__STATE__CERTIFIED);
    assert_string_equal(b->name, "杭州市公共实训基地精工机械分基地");
    assert_string_equal(b->plaque, "杭州市高技能人才公共实训基地");
    assert_string_equal(b->certificate_no, "HZPTB-2026-001");
    assert_string_equal(b->certified_on, "2026-03-10");
    assert_string_equal(b->next_assessment_due, "2028-03-10");
    assert_string_equal(b->application_id, "app-000001");
    skillbase__reply__free_unpacked(h, NULL);

    const uint32_t good[6] = {22, 17, 20, 21, 3, 2};
    r = assess(f, "base-000001", good);
    EXPECT_OK(r);
    assert_int_equal(r->record->sub_base->state, SKILLBASE__STATE__ASSESSED);
    assert_int_equal(r->record->sub_base->total, 85);
    assert_int_equal(r->record->sub_base->grade, SKILLBASE__GRADE__GOOD);
    skillbase__reply__free_unpacked(r, NULL);

    const uint32_t bad[6] = {10, 10, 10, 10, 5, 4};
    r = assess(f, "base-000001", bad);
    EXPECT_OK(r);
    b = r->record->sub_base;
    assert_int_equal(b->state, SKILLBASE__STATE__REVOKED);
    assert_int_equal(b->total, 49);
    assert_int_equal(b->grade, SKILLBASE__GRADE__FAIL);
    assert_true(b->plaque_withdrawn);
    assert_int_equal(b->revoked_cause, SKILLBASE__CAUSE__ASSESSMENT_FAILED);
    assert_int_equal(b->n_assessments, 2);
    skillbase__reply__free_unpacked(r, NULL);
}

static void refused_request_in_a_batch_does_not_spoil_the_others(void **state)
{
    fixture *f = *state;
    form_parts p1, p2;
    valid_form(&p1, CODE_A);
    valid_form(&p2, "91330100MA2KXXXX0X"); /* bad check character */
    assert_int_equal(sb_store_begin(f->store, true, &f->batch), 0);
    Skillbase__Reply *a = apply(f, &p1, NULL);
    Skillbase__Reply *b = apply(f, &p2, NULL);
    Skillbase__Reply *c = move(f, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000009", "", 0);
    Skillbase__Reply *d = move(f, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", "", 0);
    assert_int_equal(sb_store_commit(&f->batch), 0);
    EXPECT_OK(a);
    assert_int_equal(b->code, SB_INVALID);
    assert_int_equal(c->code, SB_NOT_FOUND);
    EXPECT_OK(d);
    Skillbase__Reply *h;
    Skillbase__Record *rec = show(f, "app-000001", &h);
    assert_int_equal(rec->application->state, SKILLBASE__STATE__UNDER_REVIEW);
    skillbase__reply__free_unpacked(h, NULL);
    skillbase__reply__free_unpacked(a, NULL);
    skillbase__reply__free_unpacked(b, NULL);
    skillbase__reply__free_unpacked(c, NULL);
    skillbase__reply__free_unpacked(d, NULL);
}

static void aborted_batch_leaves_nothing(void **state)
{
    fixture *f = *state;
    form_parts p;
    valid_form(&p, CODE_A);
    assert_int_equal(sb_store_begin(f->store, true, &f->batch), 0);
    Skillbase__Reply *a = apply(f, &p, NULL);
    EXPECT_OK(a);
    sb_store_abort(&f->batch);
    skillbase__reply__free_unpacked(a, NULL);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get g = SKILLBASE__GET__INIT;
    g.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &g;
    Skillbase__Reply *r = send_req(f, &req);
    assert_int_equal(r->code, SB_NOT_FOUND);
    skillbase__reply__free_unpacked(r, NULL);
}

static void repeated_idempotency_key_returns_first_answer(void **state)
{
    fixture *f = *state;
    form_parts p;
    valid_form(&p, CODE_A);
    Skillbase__Reply *a = apply(f, &p, "key-1");
    Skillbase__Reply *b = apply(f, &p, "key-1");
    EXPECT_OK(a);
    EXPECT_OK(b);
    assert_false(a->replayed);
    assert_true(b->replayed);
    assert_string_equal(a->record->application->id, b->record->application->id);
    assert_int_equal(a->seq, b->seq);
    /* the same key for another command is refused */
    p.form.base_name = "另一个";
    Skillbase__Reply *c = apply(f, &p, "key-1");
    assert_int_equal(c->code, SB_KEY_REUSED);
    skillbase__reply__free_unpacked(a, NULL);
    skillbase__reply__free_unpacked(b, NULL);
    skillbase__reply__free_unpacked(c, NULL);
}

static void second_open_application_for_a_unit_conflicts(void **state)
{
    fixture *f = *state;
    form_parts p;
    valid_form(&p, CODE_A);
    Skillbase__Reply *a = apply(f, &p, NULL);
    Skillbase__Reply *b = apply(f, &p, NULL);
    EXPECT_OK(a);
    assert_int_equal(b->code, SB_CONFLICT);
    assert_non_null(strstr(b->message, "app-000001"));
    Skillbase__Reply *r = move(f, SKILLBASE__REQUEST__COMMAND_REJECT, "app-000001", "no", 0);
    EXPECT_OK(r);
    Skillbase__Reply *c = apply(f, &p, NULL);
    EXPECT_OK(c);
    skillbase__reply__free_unpacked(a, NULL);
    skillbase__reply__free_unpacked(b, NULL);
    skillbase__reply__free_unpacked(c, NULL);
    skillbase__reply__free_unpacked(r, NULL);
}

static void wrong_state_and_stale_version_are_refused_without_change(void **state)
{
    fixture *f = *state;
    form_parts p;
    valid_form(&p, CODE_A);
    skillbase__reply__free_unpacked(apply(f, &p, NULL), NULL);
    Skillbase__Reply *r = move(f, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", "", 0);
    assert_int_equal(r->code, SB_WRONG_STATE);
    assert_non_null(strstr(r->message, "applied"));
    assert_non_null(strstr(r->message, "review"));
    skillbase__reply__free_unpacked(r, NULL);
    r = move(f, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", "", 7);
    assert_int_equal(r->code, SB_STALE_VERSION);
    skillbase__reply__free_unpacked(r, NULL);
    r = move(f, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", "", 1);
    EXPECT_OK(r);
    assert_int_equal(r->record->application->version, 2);
    skillbase__reply__free_unpacked(r, NULL);
}

static void invalid_form_reports_every_problem(void **state)
{
    fixture *f = *state;
    form_parts p;
    valid_form(&p, "91350100M000100Y44");
    p.unit.legal_person = 0;
    p.site.owned = 0;
    p.materials.license = "";
    Skillbase__Reply *r = apply(f, &p, NULL);
    assert_int_equal(r->code, SB_INVALID);
    assert_int_equal(r->n_details, 4);
    skillbase__reply__free_unpacked(r, NULL);
}

static void bad_frames_get_error_replies(void **state)
{
    fixture *f = *state;
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    Skillbase__Reply *r = send_raw(f, garbage, sizeof garbage, NULL);
    assert_int_equal(r->code, SB_MALFORMED);
    skillbase__reply__free_unpacked(r, NULL);

    size_t big = f->config.max_request_bytes + 1;
    uint8_t *huge = calloc(1, big);
    r = send_raw(f, huge, big, NULL);
    assert_int_equal(r->code, SB_MALFORMED);
    assert_non_null(strstr(r->message, "exceeds"));
    skillbase__reply__free_unpacked(r, NULL);
    free(huge);

    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    req.protocol = 9;
    req.request_id = "abc";
    r = send_req(f, &req);
    assert_int_equal(r->code, SB_UNSUPPORTED_PROTOCOL);
    assert_string_equal(r->request_id, "abc");
    skillbase__reply__free_unpacked(r, NULL);

    req.protocol = 1;
    r = send_req(f, &req);
    assert_int_equal(r->code, SB_UNKNOWN_COMMAND);
    skillbase__reply__free_unpacked(r, NULL);

    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    req.actor = "\xc3\x28";
    r = send_req(f, &req);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "actor"));
    skillbase__reply__free_unpacked(r, NULL);
}

static void scores_above_maximum_are_refused(void **state)
{
    fixture *f = *state;
    form_parts p;
    valid_form(&p, CODE_A);
    skillbase__reply__free_unpacked(apply(f, &p, NULL), NULL);
    const Skillbase__Request__CommandCase steps[] = {SKILLBASE__REQUEST__COMMAND_REVIEW,
                                                     SKILLBASE__REQUEST__COMMAND_EVALUATE,
                                                     SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY};
    for (int i = 0; i < 3; i++)
        skillbase__reply__free_unpacked(move(f, steps[i], "app-000001", "ok", 0), NULL);
    const uint32_t over[6] = {26, 20, 25, 30, 11, 10};
    Skillbase__Reply *r = assess(f, "base-000001", over);
    assert_int_equal(r->code, SB_INVALID);
    assert_int_equal(r->n_details, 2);
    skillbase__reply__free_unpacked(r, NULL);
    const uint32_t max[6] = {25, 20, 25, 30, 10, 10};
    r = assess(f, "base-000001", max);
    EXPECT_OK(r);
    assert_int_equal(r->record->sub_base->total, 120);
    assert_int_equal(r->record->sub_base->grade, SKILLBASE__GRADE__EXCELLENT);
    skillbase__reply__free_unpacked(r, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(full_lifecycle_certifies_names_and_assesses, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_request_in_a_batch_does_not_spoil_the_others, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(aborted_batch_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(repeated_idempotency_key_returns_first_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(second_open_application_for_a_unit_conflicts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(wrong_state_and_stale_version_are_refused_without_change,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(invalid_form_reports_every_problem, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_frames_get_error_replies, setup, teardown),
        cmocka_unit_test_setup_teardown(scores_above_maximum_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
