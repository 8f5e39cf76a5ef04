#include "bench_floor.h"

#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_stats.h"

#define RECORD_BYTES 200 /* about a packed event */
#define BATCH 100
#define MAX_SAMPLES 20000
/* Records in the tree the scattered commits write into: some 2,000 leaf
 * pages, so that 16 random keys rarely share one. */
#define SCATTER_RECORDS 40000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double median_ms(uint64_t *ns, size_t n)
{
    qsort(ns, n, sizeof *ns, cmp_u64);
    return n ? (double)ns[n / 2] / 1e6 : 0;
}

static int lmdb_fail(const char *what, int rc)
{
    fprintf(stderr, "skillbase-bench: floor: LMDB %s: %s\n", what, mdb_strerror(rc));
    return -1;
}

/* Commit `per_commit` puts with keys from *key on (scatter: random keys
 * below SCATTER_RECORDS instead, each on a page of its own as a rule);
 * returns the MDB rc. */
static int put_commit(MDB_env *env, MDB_dbi dbi, uint64_t *key, int per_commit, bool scatter)
{
    static uint8_t value[RECORD_BYTES];
    MDB_txn *txn;
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc)
        return rc;
    for (int i = 0; i < per_commit; i++) {
        uint8_t kb[8];
        uint64_t k = scatter ? (uint64_t)random() % SCATTER_RECORDS : (*key)++;
        for (int b = 7; b >= 0; b--, k >>= 8)
            kb[b] = (uint8_t)k;
        MDB_val kv = {sizeof kb, kb}, vv = {sizeof value, value};
        rc = mdb_put(txn, dbi, &kv, &vv, 0);
        if (rc) {
            mdb_txn_abort(txn);
            return rc;
        }
    }
    return mdb_txn_commit(txn);
}

int bench_floor_lmdb(const char *dir, double seconds, bench_floor *ret)
{
    char path[4096], file[4200];
    snprintf(path, sizeof path, "%s/floor-lmdb", dir);
    if (mkdir(path, 0700) && errno != EEXIST) {
        fprintf(stderr, "skillbase-bench: floor: mkdir %s: %s\n", path, strerror(errno));
        return -1;
    }
    MDB_env *env = NULL;
    MDB_dbi dbi;
    MDB_txn *txn;
    uint64_t key = 0, *ns = malloc(MAX_SAMPLES * sizeof *ns);
    int r = -1, rc;
    if (!ns)
        goto out;
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_mapsize(env, (size_t)1 << 30)) ||
        (rc = mdb_env_open(env, path, 0, 0600))) {
        lmdb_fail("open", rc);
        goto out;
    }
    if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) ||
        (rc = mdb_txn_commit(txn))) {
        lmdb_fail("dbi", rc);
        goto out;
    }
    /* warm the file and the page cache */
    for (int i = 0; i < 20; i++)
        if ((rc = put_commit(env, dbi, &key, 1, false))) {
            lmdb_fail("commit", rc);
            goto out;
        }
    size_t n = 0;
    uint64_t end = bench_now_ns() + (uint64_t)(seconds * 1e9);
    while (n < MAX_SAMPLES && (n < 50 || bench_now_ns() < end)) {
        uint64_t t = bench_now_ns();
        if ((rc = put_commit(env, dbi, &key, 1, false))) {
            lmdb_fail("commit", rc);
            goto out;
        }
        ns[n++] = bench_now_ns() - t;
    }
    ret->lmdb_commit_ms = median_ms(ns, n);

    uint64_t puts = 0, t0 = bench_now_ns();
    end = t0 + (uint64_t)(seconds * 1e9);
    while (puts < 20 * BATCH || bench_now_ns() < end) {
        if ((rc = put_commit(env, dbi, &key, BATCH, false))) {
            lmdb_fail("batched commit", rc);
            goto out;
        }
        puts += BATCH;
    }
    ret->lmdb_batched_puts_per_s = (double)puts / ((double)(bench_now_ns() - t0) / 1e9);

    /* fill the tree the scattered commits write into, then time them */
    for (uint64_t k = 0; k < SCATTER_RECORDS; k += 1000) {
        uint64_t from = k;
        if ((rc = put_commit(env, dbi, &from, 1000, false))) {
            lmdb_fail("fill", rc);
            goto out;
        }
    }
    n = 0;
    end = bench_now_ns() + (uint64_t)(seconds * 1e9);
    while (n < MAX_SAMPLES && (n < 50 || bench_now_ns() < end)) {
        uint64_t t = bench_now_ns();
        if ((rc = put_commit(env, dbi, &key, BENCH_FLOOR_SCATTERED, true))) {
            lmdb_fail("scattered commit", rc);
            goto out;
        }
        ns[n++] = bench_now_ns() - t;
    }
    ret->lmdb_scattered_commit_ms = median_ms(ns, n);
    r = 0;
out:
    if (env)
        mdb_env_close(env);
    free(ns);
    snprintf(file, sizeof file, "%s/data.mdb", path);
    unlink(file);
    snprintf(file, sizeof file, "%s/lock.mdb", path);
    unlink(file);
    rmdir(path);
    return r;
}

/* The echo side: a ROUTER that sends every message straight back, until
 * the context shuts down. */
static void *echo_main(void *arg)
{
    void *router = arg;
    for (;;) {
        zmq_msg_t id, body;
        zmq_msg_init(&id);
        zmq_msg_init(&body);
        if (zmq_msg_recv(&id, router, 0) < 0 || zmq_msg_recv(&body, router, 0) < 0) {
            zmq_msg_close(&id);
            zmq_msg_close(&body);
            return NULL;
        }
        zmq_msg_send(&id, router, ZMQ_SNDMORE);
        zmq_msg_send(&body, router, 0);
        zmq_msg_close(&id);
        zmq_msg_close(&body);
    }
}

/* An echoing ROUTER in a thread of its own, and `n` DEALERs connected to
 * it, all in one context. */
typedef struct {
    void *ctx, *router, **dealers;
    unsigned n; /* dealers opened */
    pthread_t tid;
    int started;
} echo;

static void echo_close(echo *e)
{
    if (e->started) {
        /* the echo's blocking receive returns ETERM */
        zmq_ctx_shutdown(e->ctx);
        pthread_join(e->tid, NULL);
    }
    for (unsigned i = 0; i < e->n; i++)
        zmq_close(e->dealers[i]);
    if (e->router)
        zmq_close(e->router);
    if (e->ctx)
        zmq_ctx_term(e->ctx);
    free(e->dealers);
    memset(e, 0, sizeof *e);
}

/* Bind the echo to `endpoint` (tcp port * allowed), connect `clients`
 * DEALERs and start it. Returns 0, or -1 (reason on stderr, e closed). */
static int echo_open(echo *e, const char *endpoint, unsigned clients)
{
    char bound[256];
    size_t blen = sizeof bound;
    int linger = 0;
    memset(e, 0, sizeof *e);
    e->ctx = zmq_ctx_new();
    e->dealers = calloc(clients, sizeof *e->dealers);
    if (!e->ctx || !e->dealers || !(e->router = zmq_socket(e->ctx, ZMQ_ROUTER)))
        goto fail;
    zmq_setsockopt(e->router, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(e->router, endpoint) || zmq_getsockopt(e->router, ZMQ_LAST_ENDPOINT, bound, &blen))
        goto fail;
    for (; e->n < clients; e->n++) {
        void *d = zmq_socket(e->ctx, ZMQ_DEALER);
        if (!d)
            goto fail;
        e->dealers[e->n] = d;
        if (zmq_setsockopt(d, ZMQ_LINGER, &linger, sizeof linger) || zmq_connect(d, bound))
            goto fail;
    }
    if (pthread_create(&e->tid, NULL, echo_main, e->router))
        goto fail;
    e->started = 1;
    return 0;
fail:
    fprintf(stderr, "skillbase-bench: floor: echo on %s: %s\n", endpoint, zmq_strerror(errno));
    echo_close(e);
    return -1;
}

int bench_floor_zmq(const char *endpoint, double seconds, bench_floor *ret)
{
    echo e;
    uint64_t *ns = malloc(MAX_SAMPLES * sizeof *ns);
    int r = -1;
    if (!ns || echo_open(&e, endpoint, 1)) {
        free(ns);
        return -1;
    }
    void *dealer = e.dealers[0];
    uint8_t msg[RECORD_BYTES] = {0}, back[RECORD_BYTES + 16];
    size_t n = 0;
    uint64_t end = 0;
    for (int warm = 200; n < MAX_SAMPLES; warm--) {
        if (warm == 0)
            end = bench_now_ns() + (uint64_t)(seconds * 1e9);
        if (warm < 0 && n >= 100 && bench_now_ns() >= end)
            break;
        uint64_t t = bench_now_ns();
        if (zmq_send(dealer, msg, sizeof msg, 0) < 0 ||
            zmq_recv(dealer, back, sizeof back, 0) < 0) {
            fprintf(stderr, "skillbase-bench: floor: round trip: %s\n", zmq_strerror(errno));
            goto out;
        }
        if (warm < 0)
            ns[n++] = bench_now_ns() - t;
    }
    ret->zmq_round_trip_ms = median_ms(ns, n);
    r = 0;
out:
    echo_close(&e);
    free(ns);
    return r;
}

static double process_cpu_s(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 +
           (double)u.ru_stime.tv_sec + (double)u.ru_stime.tv_usec / 1e6;
}

int bench_floor_echo(const char *endpoint, unsigned clients, double seconds, double *ret_per_s,
                     double *ret_cpu_us)
{
    echo e;
    if (!clients || echo_open(&e, endpoint, clients))
        return -1;
    zmq_pollitem_t *items = calloc(clients, sizeof *items);
    int r = -1;
    if (!items)
        goto out;
    uint8_t msg[BENCH_FLOOR_ECHO_BYTES] = {0}, back[BENCH_FLOOR_ECHO_BYTES + 16];
    for (unsigned i = 0; i < clients; i++) {
        items[i] = (zmq_pollitem_t){.socket = e.dealers[i], .events = ZMQ_POLLIN};
        if (zmq_send(e.dealers[i], msg, sizeof msg, 0) < 0)
            goto failed;
    }
    /* a short warm-up (connections made, pipes allocated), then count */
    uint64_t count = 0, t0 = 0, start = bench_now_ns();
    double cpu0 = 0;
    uint64_t warm_end = start + 200000000u, end = warm_end + (uint64_t)(seconds * 1e9);
    for (uint64_t now = start; now < end; now = bench_now_ns()) {
        if (!t0 && now >= warm_end) {
            t0 = now;
            count = 0;
            cpu0 = process_cpu_s();
        }
        if (zmq_poll(items, (int)clients, 100) < 0)
            goto failed;
        for (unsigned i = 0; i < clients; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            while (zmq_recv(e.dealers[i], back, sizeof back, ZMQ_DONTWAIT) >= 0) {
                count++;
                if (zmq_send(e.dealers[i], msg, sizeof msg, 0) < 0)
                    goto failed;
            }
        }
    }
    *ret_per_s = (double)count / ((double)(bench_now_ns() - t0) / 1e9);
    *ret_cpu_us = count ? (process_cpu_s() - cpu0) * 1e6 / (double)count : 0;
    r = 0;
    goto out;
failed:
    fprintf(stderr, "skillbase-bench: floor: echo: %s\n", zmq_strerror(errno));
out:
    echo_close(&e);
    free(items);
    return r;
}
