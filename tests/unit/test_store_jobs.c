/* Unit tests of the job outbox: the store's job functions (store_jobs.h),
 * the life cycle over them (jobq.h) and the backoff computation. Each test
 * gets its own store in a fresh mkdtemp directory under /tmp. */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobq.h"
#include "sb_error.h"
#include "store.h"
#include "store_jobs.h"
#include "store_core.h"

static const sb_jobq_policy policy = {
    .lease_ms = 30000, .max_attempts = 3, .backoff_base_ms = 1000, .backoff_max_ms = 60000};

typedef sb_tk_store_fixture fixture;

static sb_txn *begin(fixture *f)
{
    assert_int_equal(sb_store_begin(f->s, true, &f->t), 0);
    return f->t;
}

static void commit(fixture *f)
{
    assert_int_equal(sb_store_commit(&f->t), 0);
}

/* Enqueue a job of `type` due at `due_ms`; its id into id (32 bytes). */
static void enqueue(sb_txn *t, const char *type, uint64_t due_ms, uint32_t max, char *id)
{
    Skillbase__Job job = SKILLBASE__JOB__INIT;
    job.type = (char *)type;
    job.entity_id = (char *)"app-000001";
    job.due_ms = due_ms;
    job.max_attempts = max;
    assert_int_equal(sb_jobq_enqueue(t, &job, &policy, 1000, id), 0);
}

static Skillbase__Job *get(sb_txn *t, const char *id)
{
    Skillbase__Job *j = NULL;
    assert_int_equal(sb_store_job_get(t, id, NULL, &j), 0);
    return j;
}

/* Lease job id to `worker` at time 0, which must succeed. */
static void lease(sb_txn *t, const char *id, const char *worker)
{
    Skillbase__Job *j;
    assert_int_equal(sb_jobq_lease(t, id, worker, &policy, 0, 0, NULL, &j), 0);
    skillbase__job__free_unpacked(j, NULL);
}

static size_t count_due(sb_txn *t, const char *type, uint64_t now, uint64_t real)
{
    Skillbase__Job **jobs;
    size_t n;
    assert_int_equal(sb_store_jobs_due(t, type, now, real, 100, NULL, &jobs, &n), 0);
    sb_store_jobs_free(jobs, n, NULL);
    return n;
}

static void assert_counts(sb_txn *t, uint64_t queued, uint64_t leased, uint64_t done,
                          uint64_t parked, uint64_t cancelled)
{
    uint64_t c[SB_JOB_STATES];
    assert_int_equal(sb_store_job_counts(t, c), 0);
    assert_int_equal(c[SKILLBASE__JOB_STATE__QUEUED], queued);
    assert_int_equal(c[SKILLBASE__JOB_STATE__LEASED], leased);
    assert_int_equal(c[SKILLBASE__JOB_STATE__DONE], done);
    assert_int_equal(c[SKILLBASE__JOB_STATE__PARKED], parked);
    assert_int_equal(c[SKILLBASE__JOB_STATE__CANCELLED], cancelled);
}

/* ------------------------------------------------------------ tests */

static void test_backoff_doubles_caps_and_jitters_within_half(void **state)
{
    (void)state;
    sb_jobq_policy p = {.backoff_base_ms = 1000, .backoff_max_ms = 10000};
    /* random 0: the fixed half; random max: (almost) the whole delay */
    assert_int_equal(sb_jobq_backoff_ms(&p, 1, 0), 500);
    assert_int_equal(sb_jobq_backoff_ms(&p, 2, 0), 1000);
    assert_int_equal(sb_jobq_backoff_ms(&p, 3, 0), 2000);
    assert_int_equal(sb_jobq_backoff_ms(&p, 4, 0), 4000);
    assert_int_equal(sb_jobq_backoff_ms(&p, 5, 0), 5000);  /* 16000 capped at 10000 */
    assert_int_equal(sb_jobq_backoff_ms(&p, 40, 0), 5000); /* no overflow far out */
    assert_int_equal(sb_jobq_backoff_ms(&p, 1, UINT32_MAX), 999);
    assert_int_equal(sb_jobq_backoff_ms(&p, 3, UINT32_MAX), 3999);
    assert_int_equal(sb_jobq_backoff_ms(&p, 9, UINT32_MAX), 9999);
    for (uint32_t r = 0; r < 4000000000u; r += 123456789u) {
        uint64_t d = sb_jobq_backoff_ms(&p, 2, r);
        assert_true(d >= 1000 && d < 2000);
    }
}

static void test_enqueue_assigns_ids_state_and_default_attempts(void **state)
{
    fixture *f = *state;
    char a[32], b[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 0, a);
    enqueue(t, "notify", 0, 7, b);
    assert_string_equal(a, "job-00000001");
    assert_string_equal(b, "job-00000002");
    Skillbase__Job *j = get(t, a);
    assert_int_equal(j->state, SKILLBASE__JOB_STATE__QUEUED);
    assert_int_equal(j->attempt, 0);
    assert_int_equal(j->max_attempts, policy.max_attempts);
    assert_int_equal(j->created_ms, 1000);
    assert_string_equal(j->entity_id, "app-000001");
    skillbase__job__free_unpacked(j, NULL);
    j = get(t, b);
    assert_int_equal(j->max_attempts, 7);
    skillbase__job__free_unpacked(j, NULL);
    assert_counts(t, 2, 0, 0, 0, 0);
    commit(f);
    /* durable: a reopened store has them, and the next id goes on */
    sb_tk_store_reopen(f);
    t = begin(f);
    assert_counts(t, 2, 0, 0, 0, 0);
    enqueue(t, "notify", 0, 0, a);
    assert_string_equal(a, "job-00000003");
}

static void test_due_index_orders_by_time_and_separates_types(void **state)
{
    fixture *f = *state;
    char late[32], soon[32], other[32], now[32];
    sb_txn *t = begin(f);
    enqueue(t, "deadlines", 5000, 0, late);
    enqueue(t, "deadlines", 2000, 0, soon);
    enqueue(t, "notify", 0, 0, other);
    enqueue(t, "deadlines", 0, 0, now);
    assert_int_equal(count_due(t, "deadlines", 1000, 1000), 1);
    assert_int_equal(count_due(t, "deadlines", 2000, 1000), 2);
    assert_int_equal(count_due(t, "deadlines", 9000, 1000), 3);
    assert_int_equal(count_due(t, "notify", 0, 0), 1);
    assert_int_equal(count_due(t, "subsidy", 9000, 9000), 0);
    Skillbase__Job **jobs;
    size_t n;
    assert_int_equal(sb_store_jobs_due(t, "deadlines", 9000, 0, 100, NULL, &jobs, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(jobs[0]->id, now);
    assert_string_equal(jobs[1]->id, soon);
    assert_string_equal(jobs[2]->id, late);
    sb_store_jobs_free(jobs, n, NULL);
    /* limit */
    assert_int_equal(sb_store_jobs_due(t, "deadlines", 9000, 0, 2, NULL, &jobs, &n), 0);
    assert_int_equal(n, 2);
    sb_store_jobs_free(jobs, n, NULL);
    uint64_t due, retry;
    assert_int_equal(sb_store_jobs_next_due(t, "deadlines", &due, &retry), 0);
    assert_int_equal(due, 0);
    assert_true(retry == UINT64_MAX);
    assert_int_equal(sb_store_jobs_next_due(t, "subsidy", &due, &retry), 0);
    assert_true(due == UINT64_MAX && retry == UINT64_MAX);
}

static void test_lease_counts_the_attempt_and_leaves_the_due_index(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 0, id);
    Skillbase__Job *j;
    assert_int_equal(sb_jobq_lease(t, id, "w1", &policy, 2000, 50000, NULL, &j), 0);
    assert_int_equal(j->state, SKILLBASE__JOB_STATE__LEASED);
    assert_int_equal(j->attempt, 1);
    assert_string_equal(j->worker, "w1");
    assert_int_equal(j->lease_until_ms, 50000 + policy.lease_ms);
    skillbase__job__free_unpacked(j, NULL);
    assert_int_equal(count_due(t, "notify", 99999, 99999), 0);
    assert_counts(t, 0, 1, 0, 0, 0);
    /* a leased job cannot be leased again */
    assert_int_equal(sb_jobq_lease(t, id, "w2", &policy, 2000, 50000, NULL, &j),
                     SB_E(SB_WRONG_STATE));
    assert_int_equal(sb_jobq_lease(t, "job-00000099", "w2", &policy, 0, 0, NULL, &j),
                     SB_E(SB_NOT_FOUND));
}

static void test_done_records_the_result_once(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 0, id);
    Skillbase__Job *j;
    lease(t, id, "w1");
    Skillbase__JobResult r = SKILLBASE__JOB_RESULT__INIT;
    r.summary = (char *)"mailed";
    assert_int_equal(sb_jobq_done(t, id, &r, "w1", 3000), 0);
    j = get(t, id);
    assert_int_equal(j->state, SKILLBASE__JOB_STATE__DONE);
    assert_non_null(j->result);
    assert_string_equal(j->result->summary, "mailed");
    assert_int_equal(j->updated_ms, 3000);
    skillbase__job__free_unpacked(j, NULL);
    /* a second done (the job ran twice) is refused: the caller ignores it */
    assert_int_equal(sb_jobq_done(t, id, &r, "w2", 4000), SB_E(SB_WRONG_STATE));
    assert_counts(t, 0, 0, 1, 0, 0);
}

static void test_retryable_failure_backs_off_then_parks_after_the_last_attempt(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 0, id); /* max 3 from the policy */
    Skillbase__Job *j;
    uint64_t real = 100000;
    for (uint32_t attempt = 1; attempt <= 3; attempt++) {
        assert_int_equal(sb_jobq_lease(t, id, "w1", &policy, 0, real, NULL, &j), 0);
        assert_int_equal(j->attempt, attempt);
        skillbase__job__free_unpacked(j, NULL);
        Skillbase__JobState st;
        assert_int_equal(sb_jobq_fail(t, id, attempt, "smtp: refused", SB_JOBQ_RETRYABLE, &policy,
                                      0, 0, real, &st),
                         0);
        j = get(t, id);
        assert_string_equal(j->last_error, "smtp: refused");
        if (attempt < 3) {
            assert_int_equal(st, SKILLBASE__JOB_STATE__QUEUED);
            /* random 0: exactly half the doubled delay */
            uint64_t want = real + sb_jobq_backoff_ms(&policy, attempt, 0);
            assert_int_equal(j->retry_at_ms, want);
            /* not due before its backoff, due after (whatever the test clock says) */
            assert_int_equal(count_due(t, "notify", UINT64_MAX - 1, want - 1), 0);
            assert_int_equal(count_due(t, "notify", 0, want), 1);
            uint64_t due, retry;
            assert_int_equal(sb_store_jobs_next_due(t, "notify", &due, &retry), 0);
            assert_int_equal(retry, want);
            real = want;
        } else {
            assert_int_equal(st, SKILLBASE__JOB_STATE__PARKED);
            assert_int_equal(count_due(t, "notify", UINT64_MAX - 1, UINT64_MAX - 1), 0);
        }
        skillbase__job__free_unpacked(j, NULL);
    }
    assert_counts(t, 0, 0, 0, 1, 0);
}

static void test_fatal_failure_parks_at_once_and_stale_failures_are_refused(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 0, id);
    lease(t, id, "w1");
    /* a failure for another attempt is stale */
    assert_int_equal(sb_jobq_fail(t, id, 2, "x", SB_JOBQ_RETRYABLE, &policy, 0, 0, 0, NULL),
                     SB_E(SB_WRONG_STATE));
    Skillbase__JobState st;
    assert_int_equal(sb_jobq_fail(t, id, 1, "bad params", SB_JOBQ_FATAL, &policy, 0, 0, 0, &st), 0);
    assert_int_equal(st, SKILLBASE__JOB_STATE__PARKED);
    /* failing a parked job is stale too */
    assert_int_equal(sb_jobq_fail(t, id, 1, "x", SB_JOBQ_RETRYABLE, &policy, 0, 0, 0, NULL),
                     SB_E(SB_WRONG_STATE));
}

static void test_handed_back_is_not_counted_and_due_at_once(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 1, id); /* one attempt only */
    Skillbase__Job *j;
    lease(t, id, "w1");
    Skillbase__JobState st;
    assert_int_equal(
        sb_jobq_fail(t, id, 1, "worker stopping", SB_JOBQ_HANDED_BACK, &policy, 0, 0, 0, &st), 0);
    assert_int_equal(st, SKILLBASE__JOB_STATE__QUEUED);
    j = get(t, id);
    assert_int_equal(j->attempt, 0);
    assert_int_equal(j->retry_at_ms, 0);
    skillbase__job__free_unpacked(j, NULL);
    assert_int_equal(count_due(t, "notify", 0, 0), 1);
}

static void test_retry_of_a_parked_job_starts_the_attempts_again(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 1, id);
    Skillbase__Job *j;
    assert_int_equal(sb_jobq_retry(t, id, "x", 0, NULL, NULL), SB_E(SB_WRONG_STATE));
    lease(t, id, "w1");
    assert_int_equal(sb_jobq_fail(t, id, 1, "down", SB_JOBQ_RETRYABLE, &policy, 0, 0, 0, NULL), 0);
    assert_counts(t, 0, 0, 0, 1, 0);
    assert_int_equal(sb_jobq_retry(t, id, "retried by op", 5000, NULL, &j), 0);
    assert_int_equal(j->state, SKILLBASE__JOB_STATE__QUEUED);
    assert_int_equal(j->attempt, 0);
    assert_non_null(strstr(j->last_error, "retried by op"));
    assert_non_null(strstr(j->last_error, "down"));
    skillbase__job__free_unpacked(j, NULL);
    assert_counts(t, 1, 0, 0, 0, 0);
    assert_int_equal(count_due(t, "notify", 0, 0), 1);
    /* and it can run (and succeed) again */
    assert_int_equal(sb_jobq_lease(t, id, "w2", &policy, 0, 0, NULL, &j), 0);
    assert_int_equal(j->attempt, 1);
    skillbase__job__free_unpacked(j, NULL);
}

static void test_cancel_takes_any_unfinished_job_out_of_the_queue(void **state)
{
    fixture *f = *state;
    char q[32], l[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 0, q);
    enqueue(t, "notify", 0, 0, l);
    Skillbase__Job *j;
    lease(t, l, "w1");
    assert_int_equal(sb_jobq_cancel(t, q, "cancelled by op", 0, NULL, &j), 0);
    assert_int_equal(j->state, SKILLBASE__JOB_STATE__CANCELLED);
    assert_string_equal(j->result->summary, "cancelled by op");
    skillbase__job__free_unpacked(j, NULL);
    assert_int_equal(sb_jobq_cancel(t, l, NULL, 0, NULL, NULL), 0);
    assert_int_equal(count_due(t, "notify", 0, 0), 0);
    assert_counts(t, 0, 0, 0, 0, 2);
    /* finished: no second cancel, no done, no failure */
    assert_int_equal(sb_jobq_cancel(t, q, NULL, 0, NULL, NULL), SB_E(SB_WRONG_STATE));
    assert_int_equal(sb_jobq_done(t, l, NULL, "w1", 0), SB_E(SB_WRONG_STATE));
    assert_int_equal(sb_jobq_fail(t, l, 1, "x", SB_JOBQ_RETRYABLE, &policy, 0, 0, 0, NULL),
                     SB_E(SB_WRONG_STATE));
}

static void test_restart_requeues_leased_jobs_without_counting_the_attempt(void **state)
{
    fixture *f = *state;
    char ids[3][32];
    sb_txn *t = begin(f);
    for (int i = 0; i < 3; i++)
        enqueue(t, "notify", 0, 0, ids[i]);
    Skillbase__Job *j;
    for (int i = 0; i < 2; i++) {
        lease(t, ids[i], "w1");
    }
    commit(f);
    /* the daemon dies; the next one opens the store */
    sb_tk_store_reopen(f);
    t = begin(f);
    assert_counts(t, 1, 2, 0, 0, 0);
    size_t n = 0;
    assert_int_equal(sb_jobq_requeue_leased(t, 7000, &n), 0);
    assert_int_equal(n, 2);
    assert_counts(t, 3, 0, 0, 0, 0);
    assert_int_equal(count_due(t, "notify", 0, 0), 3);
    j = get(t, ids[0]);
    assert_int_equal(j->attempt, 0);
    assert_int_equal(j->lease_until_ms, 0);
    skillbase__job__free_unpacked(j, NULL);
    /* nothing left to requeue */
    assert_int_equal(sb_jobq_requeue_leased(t, 7000, &n), 0);
    assert_int_equal(n, 0);
}

static void test_list_filters_by_state_and_type_and_pages(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    for (int i = 0; i < 5; i++)
        enqueue(t, i % 2 ? "deadlines" : "notify", 0, 0, id);
    lease(t, "job-00000001", "w");
    Skillbase__Job **jobs;
    size_t n;
    bool more;
    assert_int_equal(sb_store_jobs_list(t, 0, NULL, NULL, 0, NULL, &jobs, &n, &more), 0);
    assert_int_equal(n, 5);
    assert_false(more);
    sb_store_jobs_free(jobs, n, NULL);
    assert_int_equal(sb_store_jobs_list(t, SKILLBASE__JOB_STATE__QUEUED, "notify", NULL, 0, NULL,
                                        &jobs, &n, &more),
                     0);
    assert_int_equal(n, 2);
    assert_string_equal(jobs[0]->id, "job-00000003");
    assert_string_equal(jobs[1]->id, "job-00000005");
    sb_store_jobs_free(jobs, n, NULL);
    assert_int_equal(
        sb_store_jobs_list(t, SKILLBASE__JOB_STATE__LEASED, NULL, NULL, 0, NULL, &jobs, &n, &more),
        0);
    assert_int_equal(n, 1);
    sb_store_jobs_free(jobs, n, NULL);
    /* pages of two */
    assert_int_equal(sb_store_jobs_list(t, 0, NULL, NULL, 2, NULL, &jobs, &n, &more), 0);
    assert_int_equal(n, 2);
    assert_true(more);
    assert_string_equal(jobs[1]->id, "job-00000002");
    sb_store_jobs_free(jobs, n, NULL);
    assert_int_equal(sb_store_jobs_list(t, 0, NULL, "job-00000002", 2, NULL, &jobs, &n, &more), 0);
    assert_int_equal(n, 2);
    assert_string_equal(jobs[0]->id, "job-00000003");
    sb_store_jobs_free(jobs, n, NULL);
}

static void test_an_aborted_enqueue_leaves_nothing(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    enqueue(t, "notify", 0, 0, id);
    sb_store_abort(&f->t);
    t = begin(f);
    assert_counts(t, 0, 0, 0, 0, 0);
    assert_int_equal(count_due(t, "notify", 0, 0), 0);
    Skillbase__Job *j;
    assert_int_equal(sb_store_job_get(t, id, NULL, &j), SB_E(SB_NOT_FOUND));
    /* the id is given back too */
    enqueue(t, "notify", 0, 0, id);
    assert_string_equal(id, "job-00000001");
}

/* The job's value in the jobs database as stored, unpacked. */
static Skillbase__Job *stored_form(sb_txn *t, const char *id)
{
    MDB_val k = {strlen(id), (void *)id}, v;
    assert_int_equal(mdb_get(t->txn, t->s->jobs, &k, &v), 0);
    Skillbase__Job *j = skillbase__job__unpack(NULL, v.mv_size, v.mv_data);
    assert_non_null(j);
    return j;
}

static void test_the_causing_event_is_stored_by_number_and_read_back_whole(void **state)
{
    fixture *f = *state;
    char id[32];
    sb_txn *t = begin(f);
    Skillbase__Event ev = SKILLBASE__EVENT__INIT;
    ev.entity_id = (char *)"app-000001";
    ev.topic = (char *)"application.under_review";
    ev.reason = (char *)"site visit booked for the 14th";
    ev.time_ms = 1700000000000ULL;
    assert_int_equal(sb_store_event_append(t, &ev), 0);
    Skillbase__Job job = SKILLBASE__JOB__INIT;
    job.type = (char *)"notify";
    job.entity_id = ev.entity_id;
    job.event = &ev;
    assert_int_equal(sb_jobq_enqueue(t, &job, &policy, 1000, id), 0);
    commit(f);

    t = begin(f);
    Skillbase__Job *raw = stored_form(t, id);
    assert_null(raw->event);
    assert_int_equal(raw->event_seq, ev.seq);
    skillbase__job__free_unpacked(raw, NULL);
    Skillbase__Job *j = get(t, id);
    assert_non_null(j->event);
    assert_int_equal(j->event_seq, ev.seq);
    assert_int_equal(j->event->seq, ev.seq);
    assert_string_equal(j->event->topic, "application.under_review");
    assert_string_equal(j->event->reason, "site visit booked for the 14th");
    assert_int_equal(j->event->hash.len, 32); /* the log's copy, chained */
    /* a change of state keeps the reference */
    lease(t, id, "w1");
    skillbase__job__free_unpacked(j, NULL);
    raw = stored_form(t, id);
    assert_null(raw->event);
    assert_int_equal(raw->event_seq, ev.seq);
    skillbase__job__free_unpacked(raw, NULL);
    j = get(t, id);
    assert_string_equal(j->event->topic, "application.under_review");
    skillbase__job__free_unpacked(j, NULL);
    commit(f);
}

static void test_a_job_holding_a_copy_of_its_event_still_reads(void **state)
{
    fixture *f = *state;
    sb_txn *t = begin(f);
    /* the form jobs had before the reference: the event packed inside */
    Skillbase__Event ev = SKILLBASE__EVENT__INIT;
    ev.seq = 7;
    ev.entity_id = (char *)"app-000001";
    ev.topic = (char *)"application.applied";
    Skillbase__Job job = SKILLBASE__JOB__INIT;
    job.id = (char *)"job-00000001";
    job.type = (char *)"notify";
    job.state = SKILLBASE__JOB_STATE__DONE;
    job.event = &ev;
    uint8_t buf[256];
    size_t n = skillbase__job__pack(&job, buf);
    MDB_val k = {strlen(job.id), job.id}, v = {n, buf};
    assert_int_equal(mdb_put(t->txn, t->s->jobs, &k, &v, 0), 0);
    Skillbase__Job *j = get(t, "job-00000001");
    assert_non_null(j->event);
    assert_int_equal(j->event->seq, 7);
    assert_string_equal(j->event->topic, "application.applied");
    skillbase__job__free_unpacked(j, NULL);
    sb_store_abort(&f->t);
}

static void test_bad_jobs_are_refused(void **state)
{
    fixture *f = *state;
    sb_txn *t = begin(f);
    Skillbase__Job job = SKILLBASE__JOB__INIT;
    job.id = (char *)"job-00000001";
    job.state = SKILLBASE__JOB_STATE__QUEUED;
    assert_int_equal(sb_store_job_put(t, &job, NULL), SB_E(SB_INVALID)); /* no type */
    job.type = (char *)"notify";
    job.id = (char *)"app-000001";
    assert_int_equal(sb_store_job_put(t, &job, NULL), SB_E(SB_INVALID)); /* not a job id */
    job.id = (char *)"job-00000001";
    job.state = 9;
    assert_int_equal(sb_store_job_put(t, &job, NULL), SB_E(SB_INVALID));
    sb_store_abort(&f->t);
    /* a read transaction cannot write */
    assert_int_equal(sb_store_begin(f->s, false, &f->t), 0);
    job.state = SKILLBASE__JOB_STATE__QUEUED;
    assert_int_equal(sb_store_job_put(f->t, &job, NULL), SB_E(SB_INTERNAL));
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, sb_tk_store_setup_open, sb_tk_store_teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_doubles_caps_and_jitters_within_half),
        T(test_enqueue_assigns_ids_state_and_default_attempts),
        T(test_due_index_orders_by_time_and_separates_types),
        T(test_lease_counts_the_attempt_and_leaves_the_due_index),
        T(test_done_records_the_result_once),
        T(test_retryable_failure_backs_off_then_parks_after_the_last_attempt),
        T(test_fatal_failure_parks_at_once_and_stale_failures_are_refused),
        T(test_handed_back_is_not_counted_and_due_at_once),
        T(test_retry_of_a_parked_job_starts_the_attempts_again),
        T(test_cancel_takes_any_unfinished_job_out_of_the_queue),
        T(test_restart_requeues_leased_jobs_without_counting_the_attempt),
        T(test_list_filters_by_state_and_type_and_pages),
        T(test_an_aborted_enqueue_leaves_nothing),
        T(test_the_causing_event_is_stored_by_number_and_read_back_whole),
        T(test_a_job_holding_a_copy_of_its_event_still_reads),
        T(test_bad_jobs_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
