/* sb_store jobs: the job outbox and its indexes (store_jobs.h). Every write
 * goes through sb_store_job_put, so the indexes and counts change only
 * together with the job, in the same transaction. */
#include "store_jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_core.h"
#include "store_events.h"

#define TYPE_MAX 64
/* type NUL class time(8) id */
#define DUE_KEY_MAX (TYPE_MAX + 1 + 1 + 8 + SB_STORE_KEY_MAX)

static const MDB_val empty = {0, ""};

static bool state_ok(Skillbase__JobState s)
{
    return s >= SKILLBASE__JOB_STATE__QUEUED && s <= SKILLBASE__JOB_STATE__CANCELLED;
}

static int check_job(const Skillbase__Job *j)
{
    if (!j || sb_store__check_key(j->id) < 0 || strncmp(j->id, "job-", 4) != 0)
        return SB_E(SB_INVALID);
    if (!j->type || !j->type[0] || strlen(j->type) > TYPE_MAX || !state_ok(j->state))
        return SB_E(SB_INVALID);
    return 0;
}

int sb_store_job_next_id(sb_txn *t, char *buf, size_t len)
{
    uint64_t n;
    if (!t || !buf || len < 32)
        return SB_E(SB_INVALID);
    int r = sb_store_next_serial(t, "job", &n);
    if (r < 0)
        return r;
    snprintf(buf, len, "job-%08llu", (unsigned long long)n);
    return 0;
}

static int load(sb_txn *t, const void *id, size_t len, ProtobufCAllocator *alloc,
                Skillbase__Job **ret)
{
    MDB_val k = {len, (void *)id}, v;
    int rc = mdb_get(t->txn, t->s->jobs, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "job get");
    Skillbase__Job *j = skillbase__job__unpack(alloc, v.mv_size, v.mv_data);
    if (!j) {
        sb_log(SB_LOG_ERROR, "store: job %.*s does not decode", (int)len, (const char *)id);
        return SB_E(SB_INTERNAL);
    }
    /* the causing event is kept by reference (sb_store_job_put) */
    if (!j->event && j->event_seq) {
        int r = sb_store__event_load(t, j->event_seq, alloc, &j->event);
        if (r < 0) {
            sb_log(SB_LOG_ERROR, "store: job %.*s names event %llu", (int)len, (const char *)id,
                   (unsigned long long)j->event_seq);
            skillbase__job__free_unpacked(j, alloc);
            return r;
        }
    }
    *ret = j;
    return 0;
}

/* As load, for an id an index names: absence is corruption. */
static int load_indexed(sb_txn *t, const void *id, size_t len, ProtobufCAllocator *alloc,
                        Skillbase__Job **ret)
{
    int r = load(t, id, len, alloc, ret);
    if (r == SB_E(SB_NOT_FOUND)) {
        sb_log(SB_LOG_ERROR, "store: job index names %.*s, which is missing", (int)len,
               (const char *)id);
        r = SB_E(SB_INTERNAL);
    }
    return r;
}

int sb_store_job_get(sb_txn *t, const char *id, ProtobufCAllocator *alloc, Skillbase__Job **ret)
{
    if (!t || !ret || sb_store__check_key(id) < 0)
        return SB_E(SB_INVALID);
    return load(t, id, strlen(id), alloc, ret);
}

static size_t state_key(uint8_t *buf, const Skillbase__Job *j)
{
    size_t len = strlen(j->id);
    buf[0] = (uint8_t)j->state;
    memcpy(buf + 1, j->id, len);
    return len + 1;
}

/* The first key of one class of a type in job_due_idx, "type NUL class",
 * into start (TYPE_MAX + 2 bytes); returns the type's length. */
static size_t class_start(uint8_t *start, const char *type, uint8_t cls)
{
    size_t tlen = strlen(type);
    memcpy(start, type, tlen);
    start[tlen] = 0;
    start[tlen + 1] = cls;
    return tlen;
}

/* The due key of a queued job (see store_jobs.h). */
static size_t due_key(uint8_t *buf, const Skillbase__Job *j)
{
    size_t tlen = class_start(buf, j->type, j->retry_at_ms ? 1 : 0), idlen = strlen(j->id);
    sb_store__be64(buf + tlen + 2, j->retry_at_ms ? j->retry_at_ms : j->due_ms);
    memcpy(buf + tlen + 10, j->id, idlen);
    return tlen + 10 + idlen;
}

static int count_add(sb_txn *t, Skillbase__JobState state, int delta, const char *id)
{
    char key[32];
    uint64_t n;
    snprintf(key, sizeof key, "jobs/%d", (int)state);
    int r = sb_store__meta_get(t, key, &n);
    if (r < 0)
        return r;
    if (delta < 0 && n == 0) {
        sb_log(SB_LOG_ERROR, "store: %s would go below zero (job %s)", key, id);
        return SB_E(SB_INTERNAL);
    }
    return sb_store__meta_set(t, key, delta < 0 ? n - 1 : n + 1);
}

static int del(sb_txn *t, MDB_dbi dbi, const uint8_t *key, size_t len, const char *what)
{
    MDB_val k = {len, (void *)key};
    int rc = sb_store__del(t, dbi, &k);
    if (rc == MDB_NOTFOUND) {
        sb_log(SB_LOG_ERROR, "store: %s entry missing", what);
        return SB_E(SB_INTERNAL);
    }
    return rc ? sb_store__err(t, rc, what) : 0;
}

static int put_empty(sb_txn *t, MDB_dbi dbi, const uint8_t *key, size_t len, const char *what)
{
    MDB_val k = {len, (void *)key}, v = empty;
    int rc = sb_store__put(t, dbi, &k, &v, 0);
    return rc ? sb_store__err(t, rc, what) : 0;
}

int sb_store_job_put(sb_txn *t, const Skillbase__Job *job, const Skillbase__Job *old)
{
    uint8_t key[DUE_KEY_MAX];
    if (!t || check_job(job) < 0)
        return SB_E(SB_INVALID);
    if (old && (check_job(old) < 0 || strcmp(old->id, job->id) != 0))
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "job_put");
    if (r < 0)
        return r;
    if (old) {
        if (old->state != job->state) {
            if ((r = del(t, t->s->job_state_idx, key, state_key(key, old), "job state index")) ||
                (r = count_add(t, old->state, -1, old->id)))
                return r;
        }
        if (old->state == SKILLBASE__JOB_STATE__QUEUED &&
            (r = del(t, t->s->job_due_idx, key, due_key(key, old), "job due index")))
            return r;
    }
    if (!old || old->state != job->state) {
        if ((r = put_empty(t, t->s->job_state_idx, key, state_key(key, job), "job state index")) ||
            (r = count_add(t, job->state, 1, job->id)))
            return r;
    }
    if (job->state == SKILLBASE__JOB_STATE__QUEUED &&
        (r = put_empty(t, t->s->job_due_idx, key, due_key(key, job), "job due index")))
        return r;

    /* An event from the log is stored as its number only: the log keeps
     * the event, and a job is read far less often than it is written. */
    Skillbase__Job stored = *job;
    if (stored.event && stored.event->seq) {
        stored.event_seq = stored.event->seq;
        stored.event = NULL;
    }
    MDB_val k = {strlen(job->id), (void *)job->id};
    MDB_val v = {skillbase__job__get_packed_size(&stored), NULL};
    int rc = mdb_put(t->txn, t->s->jobs, &k, &v, MDB_RESERVE);
    if (rc)
        return sb_store__err(t, rc, "job put");
    skillbase__job__pack(&stored, v.mv_data);
    rc = sb_store__reserved(t, t->s->jobs, &k, &v);
    return rc ? sb_store__err(t, rc, "job put") : 0;
}

void sb_store_jobs_free(Skillbase__Job **jobs, size_t n, ProtobufCAllocator *alloc)
{
    for (size_t i = 0; i < n; i++)
        skillbase__job__free_unpacked(jobs[i], alloc);
    sb_store__array_free(alloc, jobs);
}

int sb_store_jobs_list(sb_txn *t, Skillbase__JobState state, const char *type, const char *after,
                       uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Job ***ret_jobs,
                       size_t *ret_n, bool *ret_more)
{
    uint8_t start[1 + SB_STORE_KEY_MAX];
    size_t plen = 0, slen = 0;
    Skillbase__Job **jobs = NULL;
    size_t n = 0;
    bool more = false;
    MDB_cursor *c = NULL;
    int r = 0;
    if (!t || !ret_jobs || !ret_n || !ret_more || (state && !state_ok(state)))
        return SB_E(SB_INVALID);
    if (after && *after && sb_store__check_key(after) < 0)
        return SB_E(SB_INVALID);
    limit = sb_store__limit(limit);
    /* with a state: walk its index range; without: the jobs themselves */
    MDB_dbi dbi = state ? t->s->job_state_idx : t->s->jobs;
    if (state)
        start[plen++] = (uint8_t)state;
    slen = plen;
    if (after && *after) {
        memcpy(start + plen, after, strlen(after));
        slen += strlen(after);
    }
    int rc = mdb_cursor_open(t->txn, dbi, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {slen, start}, v;
    MDB_cursor_op op = MDB_SET_RANGE;
    if (slen == 0)
        op = MDB_FIRST;
    for (rc = mdb_cursor_get(c, &k, &v, op); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size < plen || memcmp(k.mv_data, start, plen) != 0)
            break;
        const uint8_t *id = (const uint8_t *)k.mv_data + plen;
        size_t idlen = k.mv_size - plen;
        /* MDB_SET_RANGE lands on `after` itself when it exists: skip it */
        if (after && *after && idlen == strlen(after) && memcmp(id, after, idlen) == 0)
            continue;
        Skillbase__Job *j;
        r = state ? load_indexed(t, id, idlen, alloc, &j) : load(t, id, idlen, alloc, &j);
        if (r < 0)
            goto out;
        if (type && *type && strcmp(j->type, type) != 0) {
            skillbase__job__free_unpacked(j, alloc);
            continue;
        }
        if (n == limit) {
            skillbase__job__free_unpacked(j, alloc);
            more = true;
            break;
        }
        if (!jobs && !(jobs = sb_store__array_alloc(alloc, limit))) {
            skillbase__job__free_unpacked(j, alloc);
            r = SB_E(SB_INTERNAL);
            goto out;
        }
        jobs[n++] = j;
    }
    if (rc && rc != MDB_NOTFOUND) {
        r = sb_store__err(t, rc, "jobs list");
        goto out;
    }
    *ret_jobs = jobs;
    *ret_n = n;
    *ret_more = more;
    jobs = NULL;
    n = 0;
out:
    mdb_cursor_close(c);
    sb_store_jobs_free(jobs, n, alloc);
    return r;
}

/* Append to *jobs the queued jobs of one class with time <= `until`. */
static int due_class(sb_txn *t, MDB_cursor *c, const char *type, uint8_t cls, uint64_t until,
                     uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Job **jobs, size_t *n)
{
    uint8_t start[TYPE_MAX + 2];
    size_t tlen = class_start(start, type, cls);
    MDB_val k = {tlen + 2, start}, v;
    int rc;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 && *n < limit;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const uint8_t *key = k.mv_data;
        if (k.mv_size <= tlen + 10 || memcmp(key, start, tlen + 2) != 0)
            break;
        if (sb_store__get_be64(key + tlen + 2) > until)
            break;
        int r = load_indexed(t, key + tlen + 10, k.mv_size - tlen - 10, alloc, &jobs[*n]);
        if (r < 0)
            return r;
        (*n)++;
    }
    if (rc && rc != MDB_NOTFOUND)
        return sb_store__err(t, rc, "jobs due");
    return 0;
}

int sb_store_jobs_due(sb_txn *t, const char *type, uint64_t now_ms, uint64_t real_ms,
                      uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Job ***ret_jobs,
                      size_t *ret_n)
{
    Skillbase__Job **jobs = NULL;
    size_t n = 0;
    MDB_cursor *c = NULL;
    if (!t || !type || !*type || strlen(type) > TYPE_MAX || !ret_jobs || !ret_n)
        return SB_E(SB_INVALID);
    limit = sb_store__limit(limit);
    if (!(jobs = sb_store__array_alloc(alloc, limit)))
        return SB_E(SB_INTERNAL);
    int rc = mdb_cursor_open(t->txn, t->s->job_due_idx, &c);
    if (rc) {
        sb_store__array_free(alloc, jobs);
        return sb_store__err(t, rc, "cursor open");
    }
    int r = due_class(t, c, type, 1, real_ms, limit, alloc, jobs, &n);
    if (r == 0)
        r = due_class(t, c, type, 0, now_ms, limit, alloc, jobs, &n);
    mdb_cursor_close(c);
    if (r < 0) {
        sb_store_jobs_free(jobs, n, alloc);
        return r;
    }
    *ret_jobs = jobs;
    *ret_n = n;
    return 0;
}

/* The time of the first entry of one class (UINT64_MAX when none). */
static int first_of_class(sb_txn *t, MDB_cursor *c, const char *type, uint8_t cls, uint64_t *ret)
{
    uint8_t start[TYPE_MAX + 2];
    size_t tlen = class_start(start, type, cls);
    MDB_val k = {tlen + 2, start}, v;
    *ret = UINT64_MAX;
    int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc)
        return sb_store__err(t, rc, "jobs next due");
    if (k.mv_size > tlen + 10 && memcmp(k.mv_data, start, tlen + 2) == 0)
        *ret = sb_store__get_be64((const uint8_t *)k.mv_data + tlen + 2);
    return 0;
}

int sb_store_jobs_next_due(sb_txn *t, const char *type, uint64_t *ret_due_ms,
                           uint64_t *ret_retry_ms)
{
    MDB_cursor *c = NULL;
    uint64_t due, retry;
    if (!t || !type || !*type || strlen(type) > TYPE_MAX || !ret_due_ms || !ret_retry_ms)
        return SB_E(SB_INVALID);
    int rc = mdb_cursor_open(t->txn, t->s->job_due_idx, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    int r = first_of_class(t, c, type, 0, &due);
    if (r == 0)
        r = first_of_class(t, c, type, 1, &retry);
    mdb_cursor_close(c);
    if (r < 0)
        return r;
    *ret_due_ms = due;
    *ret_retry_ms = retry;
    return 0;
}

int sb_store_job_counts(sb_txn *t, uint64_t counts[SB_JOB_STATES])
{
    if (!t || !counts)
        return SB_E(SB_INVALID);
    counts[0] = 0;
    for (int s = SKILLBASE__JOB_STATE__QUEUED; s <= SKILLBASE__JOB_STATE__CANCELLED; s++) {
        char key[32];
        snprintf(key, sizeof key, "jobs/%d", s);
        int r = sb_store__meta_get(t, key, &counts[s]);
        if (r < 0)
            return r;
    }
    return 0;
}
