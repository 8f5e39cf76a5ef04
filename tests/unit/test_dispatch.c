/* The request path without sockets: frames through sb_dispatch into a real
 * LMDB store in a temporary directory, with a fixed clock (sb_testkit.h). */
#include "sb_testkit.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sb_date.h"
#include "sb_error.h"
#include "store_core.h"
#include "store_verify.h"

static Skillbase__Reply *assess(sb_tk_daemon *d, const char *id, const uint32_t pts[6])
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
    static char *experts[] = {"张三", "李四", "王五"};
    char today[SB_DATE_STRLEN];
    a.experts = experts;
    a.n_experts = 3;
    a.visited_on = sb_date_format(sb_date_from_ms(d->now_ms), today);
    req.command_case = SKILLBASE__REQUEST__COMMAND_ASSESS;
    req.assess = &a;
    return sb_tk_send(d, &req);
}

static void full_lifecycle_certifies_names_and_assesses(void **state)
{
    sb_tk_daemon *d = *state;
    sb_tk_form p;
    sb_tk_form_init(&p, SB_TK_CREDIT_CODE);
    Skillbase__Reply *r = sb_tk_apply(d, &p, NULL);
    sb_tk_assert_ok(r);
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
        r = sb_tk_transition(d, steps[i], "app-000001", "ok", 0);
        sb_tk_assert_ok(r);
        assert_int_equal(r->record->application->state, want[i]);
        assert_int_equal(r->record->application->version, (uint64_t)i + 2);
        skillbase__reply__free_unpacked(r, NULL);
        if (steps[i] == SKILLBASE__REQUEST__COMMAND_EVALUATE)
            d->now_ms += SB_TK_PUBLICITY_OVER_MS; /* 2026-04-09: publicity is over */
    }
    Skillbase__Reply *h = sb_tk_show(d, "app-000001");
    Skillbase__Record *app = h->record;
    assert_string_equal(app->application->base_id, "base-000001");
    assert_string_equal(app->application->publicity_started_on, "2026-03-10");
    skillbase__reply__free_unpacked(h, NULL);

    h = sb_tk_show(d, "base-000001");
    Skillbase__Record *base = h->record;
    Skillbase__Base *b = base->sub_base;
    assert_int_equal(b->state, SKILLBASE__STATE__CERTIFIED);
    assert_string_equal(b->name, "杭州市公共实训基地精工机械M000100Y4分基地");
    assert_string_equal(b->plaque, "杭州市高技能人才公共实训基地");
    assert_string_equal(b->certificate_no, "HZPTB-2026-001");
    assert_string_equal(b->certified_on, "2026-04-09");
    assert_string_equal(b->next_assessment_due, "2028-04-09");
    assert_string_equal(b->application_id, "app-000001");
    skillbase__reply__free_unpacked(h, NULL);

    const uint32_t good[6] = {22, 17, 20, 21, 3, 2};
    r = assess(d, "base-000001", good);
    sb_tk_assert_ok(r);
    assert_int_equal(r->record->sub_base->state, SKILLBASE__STATE__ASSESSED);
    assert_int_equal(r->record->sub_base->total, 85);
    assert_int_equal(r->record->sub_base->grade, SKILLBASE__GRADE__GOOD);
    /* cycle 1 (2026-04-09 to 2028-04-08); the next is due when cycle 2 ends */
    assert_int_equal(r->record->sub_base->assessments[0]->cycle, 1);
    assert_string_equal(r->record->sub_base->next_assessment_due, "2030-04-09");
    assert_int_equal(r->record->sub_base->assessments[0]->maxima->public_service, 30);
    skillbase__reply__free_unpacked(r, NULL);

    /* the next cycle's assessment, two years on */
    d->now_ms += 731ull * 86400 * 1000;
    const uint32_t bad[6] = {10, 10, 10, 10, 5, 4};
    r = assess(d, "base-000001", bad);
    sb_tk_assert_ok(r);
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
    sb_tk_daemon *d = *state;
    sb_tk_form p1, p2;
    sb_tk_form_init(&p1, SB_TK_CREDIT_CODE);
    sb_tk_form_init(&p2, "91330100MAKXXXX03X"); /* bad check character */
    assert_int_equal(sb_store_begin(d->store, true, &d->batch), 0);
    Skillbase__Reply *r1 = sb_tk_apply(d, &p1, NULL);
    Skillbase__Reply *r2 = sb_tk_apply(d, &p2, NULL);
    Skillbase__Reply *r3 =
        sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000009", "", 0);
    Skillbase__Reply *r4 =
        sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", "", 0);
    assert_int_equal(sb_store_commit(&d->batch), 0);
    sb_tk_assert_ok(r1);
    assert_int_equal(r2->code, SB_INVALID);
    assert_int_equal(r3->code, SB_NOT_FOUND);
    sb_tk_assert_ok(r4);
    Skillbase__Reply *h = sb_tk_show(d, "app-000001");
    assert_int_equal(h->record->application->state, SKILLBASE__STATE__UNDER_REVIEW);
    skillbase__reply__free_unpacked(h, NULL);
    skillbase__reply__free_unpacked(r1, NULL);
    skillbase__reply__free_unpacked(r2, NULL);
    skillbase__reply__free_unpacked(r3, NULL);
    skillbase__reply__free_unpacked(r4, NULL);
}

/* The same run directly in the batch, as the server does: these refusals
 * write nothing, so the answers are the same and no redo is asked for (the
 * kit fails the test on any result of sb_dispatch but 0). */
static void refused_requests_in_a_direct_batch_do_not_spoil_the_others(void **state)
{
    sb_tk_daemon *d = *state;
    d->ctx.direct = true;
    refused_request_in_a_batch_does_not_spoil_the_others(state);
}

/* A handler that writes (takes a new application id) and then refuses. */
static int write_then_refuse(sb_call *call)
{
    char id[SB_TK_ID_MAX];
    int rc = sb_store_next_id(call->txn, SKILLBASE__KIND__APPLICATION, id, sizeof id);
    if (rc)
        return rc;
    return sb_call_fail(call, SB_WRONG_STATE, "refused after taking %s", id);
}

/* A handler that writes and then fails as the store may (SB_INTERNAL): not
 * a refusal, so no debug build stops it; dispatch redoes a direct batch. */
static int write_then_fail(sb_call *call)
{
    char id[SB_TK_ID_MAX];
    assert_false(sb_call_wrote(call));
    int rc = sb_store_next_id(call->txn, SKILLBASE__KIND__APPLICATION, id, sizeof id);
    if (rc)
        return rc;
    assert_true(sb_call_wrote(call)); /* the call knows it wrote */
    return sb_call_fail(call, SB_INTERNAL, "failed after taking %s", id);
}

/* The handler find_with_bad_review puts in place of review's. */
static sb_handler_fn bad_review_fn = write_then_refuse;

/* The command table with review replaced by bad_review_fn. */
static const sb_command *find_with_bad_review(Skillbase__Request__CommandCase command)
{
    static sb_command bad;
    const sb_command *real = sb_command_find(command);
    if (command != SKILLBASE__REQUEST__COMMAND_REVIEW || !real)
        return real;
    bad = *real;
    bad.fn = bad_review_fn;
    return &bad;
}

/* Dispatch a review of app-000001 into batch t; sb_dispatch_as's result. */
static int dispatch_review(sb_tk_daemon *d, sb_txn *t, sb_dispatch_result *r)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition tr = SKILLBASE__TRANSITION__INIT;
    tr.id = "app-000001";
    req.protocol = 1;
    req.actor = "tester";
    req.command_case = SKILLBASE__REQUEST__COMMAND_REVIEW;
    req.review = &tr;
    uint8_t frame[256];
    size_t len = skillbase__request__get_packed_size(&req);
    assert_true(len <= sizeof frame);
    skillbase__request__pack(&req, frame);
    sb_arena_reset(&d->arena);
    return sb_dispatch_as(&d->ctx, t, &d->caller, frame, len, &d->arena, r);
}

/* app-000001 applied, then review runs `fn` through the test's table. */
static void start_with_bad_review(sb_tk_daemon *d, sb_handler_fn fn)
{
    sb_tk_form p;
    sb_tk_form_init(&p, SB_TK_CREDIT_CODE);
    sb_tk_assert_ok_free(sb_tk_apply(d, &p, NULL)); /* app-000001 */
    d->ctx.find = find_with_bad_review;
    bad_review_fn = fn;
}

/* Back to the real table: the next application is app-000002, so nothing
 * the bad review took is left in the store. */
static void assert_next_application_is_the_second(sb_tk_daemon *d)
{
    d->ctx.find = NULL;
    d->ctx.direct = false;
    char cc[SB_TK_CREDIT_LEN + 1];
    sb_tk_credit_code("91330100MAKXXXX03", cc);
    sb_tk_form p2;
    sb_tk_form_init(&p2, cc);
    Skillbase__Reply *a = sb_tk_apply(d, &p2, NULL);
    sb_tk_assert_ok(a);
    assert_string_equal(a->record->application->id, "app-000002");
    skillbase__reply__free_unpacked(a, NULL);
}

#ifndef NDEBUG
/* Dispatch the bad review in a child process, in batch t begun here (the
 * child works on its own copy of it); true when the child was stopped by
 * an assertion (SIGABRT). */
static bool bad_review_aborts(sb_tk_daemon *d, sb_txn *t, bool direct)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sb_dispatch_result r;
        d->ctx.direct = direct;
        dispatch_review(d, t, &r);
        _exit(0); /* not caught */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* The handler contract (handler.h): a handler that refuses after it wrote
 * is caught by an assertion in a debug build, whether it runs directly in
 * the batch or in a transaction of its own; the batch it ran in is intact. */
static void a_refusal_after_a_write_is_caught_in_a_debug_build(void **state)
{
    sb_tk_daemon *d = *state;
    start_with_bad_review(d, write_then_refuse);
    for (int direct = 0; direct < 2; direct++) {
        sb_txn *t;
        assert_int_equal(sb_store_begin(d->store, true, &t), 0);
        assert_true(bad_review_aborts(d, t, direct));
        sb_store_abort(&t);
    }
    assert_next_application_is_the_second(d);
}
#else
static void a_refusal_after_a_write_sends_a_direct_batch_back(void **state)
{
    sb_tk_daemon *d = *state;
    start_with_bad_review(d, write_then_refuse);

    /* directly in the batch: what it wrote cannot be taken out alone */
    sb_txn *t;
    sb_dispatch_result r;
    d->ctx.direct = true;
    assert_int_equal(sb_store_begin(d->store, true, &t), 0);
    uint64_t before = sb_store_txn_writes(t);
    assert_int_equal(dispatch_review(d, t, &r), SB_DISPATCH_REDO);
    assert_true(sb_store_txn_writes(t) > before);
    sb_store_abort(&t);

    /* isolated in a child transaction: refused, and the id it took is
     * given back with the child */
    d->ctx.direct = false;
    assert_int_equal(sb_store_begin(d->store, true, &t), 0);
    assert_int_equal(dispatch_review(d, t, &r), 0);
    assert_int_equal(r.code, SB_WRONG_STATE);
    assert_int_equal(sb_store_commit(&t), 0);
    Skillbase__Reply *reply = skillbase__reply__unpack(NULL, r.len, r.reply);
    assert_non_null(reply);
    assert_non_null(strstr(reply->message, "refused after taking app-000002"));
    skillbase__reply__free_unpacked(reply, NULL);

    assert_next_application_is_the_second(d);
}
#endif

/* A failure of the store after a write is no refusal: not caught, and a
 * direct batch is sent back to be applied again (SB_DISPATCH_REDO); in a
 * transaction of its own the request answers INTERNAL and its write is
 * gone. */
static void a_failure_after_a_write_sends_a_direct_batch_back(void **state)
{
    sb_tk_daemon *d = *state;
    start_with_bad_review(d, write_then_fail);
    sb_txn *t;
    sb_dispatch_result r;
    d->ctx.direct = true;
    assert_int_equal(sb_store_begin(d->store, true, &t), 0);
    assert_int_equal(dispatch_review(d, t, &r), SB_DISPATCH_REDO);
    sb_store_abort(&t);
    d->ctx.direct = false;
    assert_int_equal(sb_store_begin(d->store, true, &t), 0);
    assert_int_equal(dispatch_review(d, t, &r), 0);
    assert_int_equal(r.code, SB_INTERNAL);
    assert_int_equal(sb_store_commit(&t), 0);
    assert_next_application_is_the_second(d);
}

static void aborted_batch_leaves_nothing(void **state)
{
    sb_tk_daemon *d = *state;
    sb_tk_form p;
    sb_tk_form_init(&p, SB_TK_CREDIT_CODE);
    assert_int_equal(sb_store_begin(d->store, true, &d->batch), 0);
    Skillbase__Reply *a = sb_tk_apply(d, &p, NULL);
    sb_tk_assert_ok(a);
    sb_store_abort(&d->batch);
    skillbase__reply__free_unpacked(a, NULL);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get g = SKILLBASE__GET__INIT;
    g.id = "app-000001";
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &g;
    Skillbase__Reply *r = sb_tk_send(d, &req);
    assert_int_equal(r->code, SB_NOT_FOUND);
    skillbase__reply__free_unpacked(r, NULL);
}

static void repeated_idempotency_key_returns_first_answer(void **state)
{
    sb_tk_daemon *d = *state;
    sb_tk_form p;
    sb_tk_form_init(&p, SB_TK_CREDIT_CODE);
    Skillbase__Reply *a = sb_tk_apply(d, &p, "key-1");
    sb_tk_assert_ok(a);
    /* kept without its record, which event a->seq holds */
    sb_txn *t;
    uint64_t hash, rseq;
    uint8_t *kept;
    size_t len;
    assert_int_equal(sb_store_begin(d->store, false, &t), 0);
    assert_int_equal(sb_store_idem_get(t, "key-1", &hash, &rseq, &kept, &len), 0);
    sb_store_abort(&t);
    assert_int_equal(rseq, a->seq);
    Skillbase__Reply *bare = skillbase__reply__unpack(NULL, len, kept);
    assert_non_null(bare);
    assert_null(bare->record);
    skillbase__reply__free_unpacked(bare, NULL);
    free(kept);
    /* the record moves on; the replay still answers with the first one */
    Skillbase__Reply *r =
        sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", "site visit", 0);
    sb_tk_assert_ok(r);
    skillbase__reply__free_unpacked(r, NULL);
    Skillbase__Reply *b = sb_tk_apply(d, &p, "key-1");
    sb_tk_assert_ok(b);
    assert_false(a->replayed);
    assert_true(b->replayed);
    assert_int_equal(a->seq, b->seq);
    size_t na = skillbase__record__get_packed_size(a->record);
    size_t nb = skillbase__record__get_packed_size(b->record);
    assert_int_equal(na, nb);
    uint8_t *pa = malloc(na), *pb = malloc(nb);
    skillbase__record__pack(a->record, pa);
    skillbase__record__pack(b->record, pb);
    assert_memory_equal(pa, pb, na);
    free(pa);
    free(pb);
    /* the same key for another command is refused */
    p.form.base_name = "另一个";
    Skillbase__Reply *c = sb_tk_apply(d, &p, "key-1");
    assert_int_equal(c->code, SB_KEY_REUSED);
    skillbase__reply__free_unpacked(a, NULL);
    skillbase__reply__free_unpacked(b, NULL);
    skillbase__reply__free_unpacked(c, NULL);
}

static void second_open_application_for_a_unit_conflicts(void **state)
{
    sb_tk_daemon *d = *state;
    sb_tk_form p;
    sb_tk_form_init(&p, SB_TK_CREDIT_CODE);
    Skillbase__Reply *a = sb_tk_apply(d, &p, NULL);
    Skillbase__Reply *b = sb_tk_apply(d, &p, NULL);
    sb_tk_assert_ok(a);
    assert_int_equal(b->code, SB_CONFLICT);
    assert_non_null(strstr(b->message, "app-000001"));
    Skillbase__Reply *r =
        sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_REJECT, "app-000001", "no", 0);
    sb_tk_assert_ok(r);
    Skillbase__Reply *c = sb_tk_apply(d, &p, NULL);
    sb_tk_assert_ok(c);
    skillbase__reply__free_unpacked(a, NULL);
    skillbase__reply__free_unpacked(b, NULL);
    skillbase__reply__free_unpacked(c, NULL);
    skillbase__reply__free_unpacked(r, NULL);
}

static void wrong_state_and_stale_version_are_refused_without_change(void **state)
{
    sb_tk_daemon *d = *state;
    sb_tk_form p;
    sb_tk_form_init(&p, SB_TK_CREDIT_CODE);
    skillbase__reply__free_unpacked(sb_tk_apply(d, &p, NULL), NULL);
    Skillbase__Reply *r =
        sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, "app-000001", "", 0);
    assert_int_equal(r->code, SB_WRONG_STATE);
    assert_non_null(strstr(r->message, "applied"));
    assert_non_null(strstr(r->message, "review"));
    skillbase__reply__free_unpacked(r, NULL);
    r = sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", "", 7);
    assert_int_equal(r->code, SB_STALE_VERSION);
    skillbase__reply__free_unpacked(r, NULL);
    r = sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_REVIEW, "app-000001", "", 1);
    sb_tk_assert_ok(r);
    assert_int_equal(r->record->application->version, 2);
    skillbase__reply__free_unpacked(r, NULL);
}

static void invalid_form_reports_every_problem(void **state)
{
    sb_tk_daemon *d = *state;
    sb_tk_form p;
    sb_tk_form_init(&p, "91350100M000100Y44");
    p.unit.legal_person = 0;
    p.site.owned = 0;
    p.materials.license = "";
    Skillbase__Reply *r = sb_tk_apply(d, &p, NULL);
    assert_int_equal(r->code, SB_INVALID);
    assert_int_equal(r->n_details, 4);
    skillbase__reply__free_unpacked(r, NULL);
}

static void bad_frames_get_error_replies(void **state)
{
    sb_tk_daemon *d = *state;
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    Skillbase__Reply *r = sb_tk_send_frame(d, garbage, sizeof garbage);
    assert_int_equal(r->code, SB_MALFORMED);
    skillbase__reply__free_unpacked(r, NULL);

    size_t big = d->config.max_request_bytes + 1;
    uint8_t *huge = calloc(1, big);
    r = sb_tk_send_frame(d, huge, big);
    assert_int_equal(r->code, SB_MALFORMED);
    assert_non_null(strstr(r->message, "exceeds"));
    skillbase__reply__free_unpacked(r, NULL);
    free(huge);

    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    req.protocol = 9;
    req.request_id = "abc";
    r = sb_tk_send(d, &req);
    assert_int_equal(r->code, SB_UNSUPPORTED_PROTOCOL);
    assert_string_equal(r->request_id, "abc");
    skillbase__reply__free_unpacked(r, NULL);

    /* no command at all: missing, not unknown */
    req.protocol = 1;
    r = sb_tk_send(d, &req);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "no command"));
    skillbase__reply__free_unpacked(r, NULL);

    /* a command field this daemon does not know: unknown, named with the
     * daemon's version and protocol */
    const uint8_t unknown[] = {0x08, 0x01, 0x12, 0x01, 'u', 0xca, 0x3e, 0x00}; /* field 1001 */
    r = sb_tk_send_frame(d, unknown, sizeof unknown);
    assert_int_equal(r->code, SB_UNKNOWN_COMMAND);
    assert_string_equal(r->request_id, "u");
    assert_non_null(strstr(r->message, "field 1001"));
    assert_non_null(strstr(r->message, "protocol 1"));
    skillbase__reply__free_unpacked(r, NULL);

    /* an empty frame is malformed; a cut-off one carries its request id */
    r = sb_tk_send_frame(d, unknown, 0);
    assert_int_equal(r->code, SB_MALFORMED);
    skillbase__reply__free_unpacked(r, NULL);
    const uint8_t cut[] = {0x08, 0x01, 0x12, 0x02, 'r', '9', 0xc2, 0x02, 0x0c, 0x0a};
    r = sb_tk_send_frame(d, cut, sizeof cut);
    assert_int_equal(r->code, SB_MALFORMED);
    assert_string_equal(r->request_id, "r9");
    skillbase__reply__free_unpacked(r, NULL);

    /* a request id that is not text is not echoed as text */
    const uint8_t bad_id[] = {0x08, 0x01, 0x12, 0x02, 0xc0, 0xaf, 0xda, 0x02, 0x00};
    r = sb_tk_send_frame(d, bad_id, sizeof bad_id);
    assert_int_equal(r->code, SB_INVALID);
    assert_string_equal(r->request_id, "");
    assert_int_equal(r->raw_request_id.len, 2);
    assert_memory_equal(r->raw_request_id.data, "\xc0\xaf", 2);
    skillbase__reply__free_unpacked(r, NULL);

    /* a NUL inside a string is refused, not cut off */
    const uint8_t nul[] = {0x08, 0x01, 0x12, 0x01, 'n',  0xc2, 0x02,
                           0x05, 0x0a, 0x03, 'a',  0x00, 'b'};
    r = sb_tk_send_frame(d, nul, sizeof nul);
    assert_int_equal(r->code, SB_INVALID);
    assert_string_equal(r->message, "show.id: contains a NUL byte (byte 2)");
    skillbase__reply__free_unpacked(r, NULL);

    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    req.actor = "\xc3\x28";
    r = sb_tk_send(d, &req);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "actor"));
    skillbase__reply__free_unpacked(r, NULL);
}

static void scores_above_maximum_are_refused(void **state)
{
    sb_tk_daemon *d = *state;
    sb_tk_certified_base(d, SB_TK_CREDIT_CODE, NULL);
    const uint32_t over[6] = {26, 20, 25, 30, 11, 10};
    Skillbase__Reply *r = assess(d, "base-000001", over);
    assert_int_equal(r->code, SB_INVALID);
    assert_int_equal(r->n_details, 2);
    skillbase__reply__free_unpacked(r, NULL);
    const uint32_t max[6] = {25, 20, 25, 30, 10, 10};
    r = assess(d, "base-000001", max);
    sb_tk_assert_ok(r);
    assert_int_equal(r->record->sub_base->total, 120);
    assert_int_equal(r->record->sub_base->grade, SKILLBASE__GRADE__EXCELLENT);
    skillbase__reply__free_unpacked(r, NULL);
}

/* Schema step 3 -> 4 (assessment cycles): a store written by schema 3 —
 * a result without a cycle or maxima — opens at schema 4 with every record
 * as it was and the store (audit chain included) sound; the old result is
 * its cycle's, so a second assessment in that cycle is refused. */
static void a_schema_3_store_opens_and_keeps_its_results(void **state)
{
    sb_tk_daemon *d = *state;
    char base[SB_TK_ID_MAX];
    sb_tk_certified_base(d, SB_TK_CREDIT_CODE, base);
    const uint32_t good[6] = {22, 17, 20, 21, 3, 2};
    sb_tk_assert_ok_free(assess(d, base, good));

    /* what a schema 3 daemon wrote: no cycle, no maxima; version 3 */
    sb_txn *t;
    Skillbase__Record *old, *rec;
    assert_int_equal(sb_store_begin(d->store, true, &t), 0);
    assert_int_equal(sb_store_record_get(t, base, NULL, &old), 0);
    assert_int_equal(sb_store_record_get(t, base, NULL, &rec), 0);
    Skillbase__Assessment *a = rec->sub_base->assessments[0];
    a->cycle = 0;
    skillbase__scores__free_unpacked(a->maxima, NULL);
    a->maxima = NULL;
    assert_int_equal(sb_store_record_put(t, rec, old), 0);
    assert_int_equal(sb_store__meta_set(t, "schema_version", 3), 0);
    assert_int_equal(sb_store_commit(&t), 0);
    size_t len = skillbase__record__get_packed_size(rec);
    uint8_t *before = malloc(len);
    skillbase__record__pack(rec, before);
    skillbase__record__free_unpacked(old, NULL);
    skillbase__record__free_unpacked(rec, NULL);
    sb_store_close(&d->store);

    /* opened by this build: migrated, the record byte for byte the same */
    d->store = d->ctx.store = sb_tk_store_open(d->dir);
    sb_store_info info;
    assert_int_equal(sb_store_info_get(d->store, &info), 0);
    assert_int_equal(info.schema_version, SB_STORE_SCHEMA_VERSION);
    assert_int_equal(sb_store_begin(d->store, false, &t), 0);
    assert_int_equal(sb_store_record_get(t, base, NULL, &rec), 0);
    sb_store_abort(&t);
    assert_int_equal(skillbase__record__get_packed_size(rec), len);
    uint8_t *after = malloc(len);
    skillbase__record__pack(rec, after);
    assert_memory_equal(before, after, len);
    skillbase__record__free_unpacked(rec, NULL);
    free(before);
    free(after);
    sb_store_close(&d->store);
    sb_verify_report rep;
    assert_int_equal(sb_store_verify(d->dir, NULL, NULL, &rep), 0);
    assert_int_equal(rep.problems, 0);
    d->store = d->ctx.store = sb_tk_store_open(d->dir);

    /* the old result is cycle 1's: a second one is refused, naming it */
    Skillbase__Reply *r = assess(d, base, good);
    assert_int_equal(r->code, SB_CONFLICT);
    assert_non_null(strstr(r->message, "result for assessment cycle 1"));
    skillbase__reply__free_unpacked(r, NULL);
}

/* Schema step 4 -> 5 (granted names, 二(三)2): a store written by schema 4
 * has no index of names. It opens at schema 5 with its records byte for
 * byte the same and the store (audit chain included) sound, and the index
 * filled: another unit's application proposing the name of the live
 * sub-base it holds is refused at certification, naming that sub-base. */
static void a_schema_4_store_indexes_the_names_it_holds(void **state)
{
    sb_tk_daemon *d = *state;
    char base[SB_TK_ID_MAX];
    sb_tk_certified_base(d, SB_TK_CREDIT_CODE, base);

    /* what a schema 4 daemon wrote: no name index; version 4 */
    sb_txn *t;
    Skillbase__Record *rec;
    assert_int_equal(sb_store_begin(d->store, true, &t), 0);
    assert_int_equal(sb_store_record_get(t, base, NULL, &rec), 0);
    char key[256];
    size_t nlen = strlen(rec->sub_base->name);
    memcpy(key, rec->sub_base->name, nlen + 1);
    memcpy(key + nlen + 1, base, strlen(base));
    MDB_val k = {nlen + 1 + strlen(base), key};
    assert_int_equal(sb_store__del(t, t->s->base_names, &k), 0);
    assert_int_equal(sb_store__meta_set(t, "schema_version", 4), 0);
    assert_int_equal(sb_store_commit(&t), 0);
    size_t len = skillbase__record__get_packed_size(rec);
    uint8_t *before = malloc(len);
    skillbase__record__pack(rec, before);
    char *name = strdup(rec->sub_base->name);
    skillbase__record__free_unpacked(rec, NULL);
    sb_store_close(&d->store);

    /* opened by this build: migrated, the record the same, the store sound */
    d->store = d->ctx.store = sb_tk_store_open(d->dir);
    sb_store_info info;
    assert_int_equal(sb_store_info_get(d->store, &info), 0);
    assert_int_equal(info.schema_version, 5);
    assert_int_equal(sb_store_begin(d->store, false, &t), 0);
    assert_int_equal(sb_store_record_get(t, base, NULL, &rec), 0);
    sb_store_abort(&t);
    assert_int_equal(skillbase__record__get_packed_size(rec), len);
    uint8_t *after = malloc(len);
    skillbase__record__pack(rec, after);
    assert_memory_equal(before, after, len);
    skillbase__record__free_unpacked(rec, NULL);
    free(before);
    free(after);
    sb_store_close(&d->store);
    sb_verify_report rep;
    assert_int_equal(sb_store_verify(d->dir, NULL, NULL, &rep), 0);
    assert_int_equal(rep.problems, 0);
    d->store = d->ctx.store = sb_tk_store_open(d->dir);

    /* another unit proposing the same name: refused at certification */
    char cc[SB_TK_CREDIT_LEN + 1];
    sb_tk_credit_code("91330100MA0000015", cc);
    sb_tk_form f;
    sb_tk_form_init(&f, cc);
    f.form.base_name = name + strlen("杭州市公共实训基地");
    name[strlen(name) - strlen("分基地")] = 0;
    Skillbase__Reply *r = sb_tk_apply(d, &f, NULL);
    sb_tk_assert_ok(r);
    char app[SB_TK_ID_MAX];
    snprintf(app, sizeof app, "%s", r->record->application->id);
    skillbase__reply__free_unpacked(r, NULL);
    sb_tk_assert_ok_free(sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_REVIEW, app, "ok", 0));
    sb_tk_assert_ok_free(sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_EVALUATE, app, "ok", 0));
    d->now_ms += SB_TK_PUBLICITY_OVER_MS;
    r = sb_tk_transition(d, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, app, "ok", 0);
    assert_int_equal(r->code, SB_CONFLICT);
    assert_non_null(strstr(r->message, "is held by sub-base"));
    assert_non_null(strstr(r->message, base));
    skillbase__reply__free_unpacked(r, NULL);
    free(name);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, sb_tk_daemon_setup, sb_tk_daemon_teardown)
    const struct CMUnitTest tests[] = {
        T(full_lifecycle_certifies_names_and_assesses),
        T(a_schema_3_store_opens_and_keeps_its_results),
        T(a_schema_4_store_indexes_the_names_it_holds),
        T(refused_request_in_a_batch_does_not_spoil_the_others),
        T(refused_requests_in_a_direct_batch_do_not_spoil_the_others),
#ifndef NDEBUG
        T(a_refusal_after_a_write_is_caught_in_a_debug_build),
#else
        T(a_refusal_after_a_write_sends_a_direct_batch_back),
#endif
        T(a_failure_after_a_write_sends_a_direct_batch_back),
        T(aborted_batch_leaves_nothing),
        T(repeated_idempotency_key_returns_first_answer),
        T(second_open_application_for_a_unit_conflicts),
        T(wrong_state_and_stale_version_are_refused_without_change),
        T(invalid_form_reports_every_problem),
        T(bad_frames_get_error_replies),
        T(scores_above_maximum_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
