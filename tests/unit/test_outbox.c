/* Unit tests of the transactional outbox as handlers use it (jobs.h): the
 * topic patterns of the outbox rules, sb_call_append_event enqueueing the
 * jobs an event's topic calls for in the caller's transaction (and nothing
 * when that transaction aborts), and sb_call_enqueue_job's spec. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handler.h"
#include "jobs.h"
#include "sb_error.h"
#include "store_jobs.h"

typedef struct {
    char dir[SB_TK_DIR_MAX];
    sb_store *store;
    sb_config config;
    sb_arena arena;
    Skillbase__Request req;
    Skillbase__Reply reply;
    sb_call call;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    sb_tk_tmpdir(f->dir, NULL);
    sb_config_defaults(&f->config);
    f->config.job_max_attempts = 4;
    f->store = sb_tk_store_open(f->dir);
    sb_arena_init(&f->arena, 0);
    skillbase__request__init(&f->req);
    skillbase__reply__init(&f->reply);
    f->call = (sb_call){.store = f->store,
                        .arena = &f->arena,
                        .config = &f->config,
                        .req = &f->req,
                        .reply = &f->reply,
                        .now_ms = 5000,
                        .actor = "t"};
    assert_int_equal(sb_store_begin(f->store, true, &f->call.txn), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sb_store_abort(&f->call.txn);
    sb_store_close(&f->store);
    sb_arena_destroy(&f->arena);
    int r = sb_tk_rmtree(f->dir);
    free(f);
    return r;
}

static void test_topic_patterns(void **state)
{
    (void)state;
    assert_true(sb_outbox_topic_matches("application.*", "application.certified"));
    assert_true(sb_outbox_topic_matches("base.*", "base.assessment_due_soon"));
    assert_false(sb_outbox_topic_matches("base.*", "base."));
    assert_false(sb_outbox_topic_matches("base.*", "base"));
    assert_false(sb_outbox_topic_matches("base.*", "basement.x"));
    assert_false(sb_outbox_topic_matches("application.*", "base.certified"));
    assert_true(sb_outbox_topic_matches("application.in_publicity", "application.in_publicity"));
    assert_false(sb_outbox_topic_matches("application.in_publicity", "application.in_publicity2"));
}

static void test_every_rule_names_a_valid_type(void **state)
{
    (void)state;
    size_t n;
    const sb_outbox_rule *rules = sb_outbox_rules(&n);
    assert_true(n >= 2);
    for (size_t i = 0; i < n; i++) {
        assert_true(sb_jobs_type_ok(rules[i].type));
        assert_non_null(rules[i].topic);
        assert_true(rules[i].topic[0] != '\0');
    }
}

/* Jobs of `type` listed in the call's transaction. */
static size_t jobs_of(fixture *f, const char *type, Skillbase__Job ***ret)
{
    Skillbase__Job **jobs;
    size_t n;
    bool more;
    assert_int_equal(sb_store_jobs_list(f->call.txn, 0, type, NULL, 0, NULL, &jobs, &n, &more), 0);
    if (ret)
        *ret = jobs;
    else
        sb_store_jobs_free(jobs, n, NULL);
    return n;
}

static void init_event(Skillbase__Event *ev, const char *topic)
{
    skillbase__event__init(ev);
    ev->entity_id = (char *)"base-000001";
    ev->entity_kind = SKILLBASE__KIND__BASE;
    ev->topic = (char *)topic;
    ev->from_state = ev->to_state = SKILLBASE__STATE__CERTIFIED; /* not a transition */
    ev->time_ms = 5000;
}

static void test_an_event_enqueues_its_notify_job_with_the_event(void **state)
{
    fixture *f = *state;
    Skillbase__Event ev;
    init_event(&ev, "base.assessment_due_soon");
    assert_int_equal(sb_call_append_event(&f->call, &ev, true), 0);
    assert_int_equal(ev.seq, 1);
    assert_ptr_equal(f->call.out.last_event, &ev); /* dispatch sets the reply's seq from it */
    Skillbase__Job **jobs;
    assert_int_equal(jobs_of(f, "notify", &jobs), 1);
    assert_string_equal(jobs[0]->entity_id, "base-000001");
    assert_non_null(jobs[0]->event);
    assert_int_equal(jobs[0]->event->seq, 1);
    assert_string_equal(jobs[0]->event->topic, "base.assessment_due_soon");
    assert_int_equal(jobs[0]->max_attempts, 4); /* [workers] max_attempts */
    assert_int_equal(jobs[0]->state, SKILLBASE__JOB_STATE__QUEUED);
    sb_store_jobs_free(jobs, 1, NULL);
}

static void test_a_topic_no_rule_matches_enqueues_nothing(void **state)
{
    fixture *f = *state;
    Skillbase__Event ev;
    init_event(&ev, "nobody.listens");
    assert_int_equal(sb_call_append_event(&f->call, &ev, true), 0);
    assert_int_equal(jobs_of(f, NULL, NULL), 0);
}

static void test_an_aborted_transaction_takes_its_jobs_with_it(void **state)
{
    fixture *f = *state;
    sb_txn *child;
    assert_int_equal(sb_store_sub_begin(f->call.txn, &child), 0);
    sb_txn *outer = f->call.txn;
    f->call.txn = child;
    Skillbase__Event ev;
    init_event(&ev, "application.applied");
    ev.entity_id = (char *)"app-000001";
    assert_int_equal(sb_call_append_event(&f->call, &ev, true), 0);
    assert_true(jobs_of(f, "notify", NULL) >= 1);
    sb_store_abort(&child);
    f->call.txn = outer;
    assert_int_equal(jobs_of(f, NULL, NULL), 0);
}

static void test_enqueue_takes_the_spec_and_refuses_bad_types(void **state)
{
    fixture *f = *state;
    char id[SB_JOB_ID_MAX];
    uint8_t params[3] = {1, 2, 3};
    sb_job_spec spec = {.type = "deadlines",
                        .entity_id = "app-000009",
                        .params = {sizeof params, params},
                        .due_ms = 99000,
                        .max_attempts = 9};
    assert_int_equal(sb_call_enqueue_job(&f->call, &spec, id), 0);
    assert_string_equal(id, "job-00000001");
    Skillbase__Job *j;
    assert_int_equal(sb_store_job_get(f->call.txn, id, NULL, &j), 0);
    assert_string_equal(j->type, "deadlines");
    assert_string_equal(j->entity_id, "app-000009");
    assert_null(j->event);
    assert_int_equal(j->params.len, 3);
    assert_memory_equal(j->params.data, params, 3);
    assert_int_equal(j->due_ms, 99000);
    assert_int_equal(j->max_attempts, 9);
    assert_int_equal(j->created_ms, 5000);
    skillbase__job__free_unpacked(j, NULL);
    const char *bad[] = {"", "Notify", "no space", "x/y", "a23456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        spec.type = bad[i];
        assert_int_equal(sb_call_enqueue_job(&f->call, &spec, NULL), SB_E(SB_INVALID));
    }
    spec.type = NULL;
    assert_int_equal(sb_call_enqueue_job(&f->call, &spec, NULL), SB_E(SB_INVALID));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topic_patterns),
        cmocka_unit_test(test_every_rule_names_a_valid_type),
        T(test_an_event_enqueues_its_notify_job_with_the_event),
        T(test_a_topic_no_rule_matches_enqueues_nothing),
        T(test_an_aborted_transaction_takes_its_jobs_with_it),
        T(test_enqueue_takes_the_spec_and_refuses_bad_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
