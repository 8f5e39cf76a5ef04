/* The store's ground floor (store_core.h): the handle's databases, LMDB
 * errors, meta counters, and the three calls every change to the
 * environment goes through, which record it for the commit log. Every
 * other file of the store stands on this one; it calls none of them. */
#include "store_core.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"

int sb_store__err(sb_txn *t, int rc, const char *what)
{
    if (rc == MDB_MAP_FULL) {
        if (t)
            t->full = true;
        return SB_E(SB_STORE_FULL);
    }
    sb_log(SB_LOG_ERROR, "store: %s: %s", what, mdb_strerror(rc));
    return SB_E(SB_INTERNAL);
}

int sb_store__need_write(sb_txn *t, const char *what)
{
    if (t && t->write) {
        t->writes++;
        return 0;
    }
    sb_log(SB_LOG_ERROR, "store: %s needs a write transaction", what);
    return SB_E(SB_INTERNAL);
}

int sb_store__check_key(const char *s)
{
    if (!s || !*s || strlen(s) > SB_STORE_KEY_MAX)
        return SB_E(SB_INVALID);
    return 0;
}

int sb_store__meta_get(sb_txn *t, const char *name, uint64_t *ret)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(t->txn, t->s->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ret = 0;
        return 0;
    }
    if (rc)
        return sb_store__err(t, rc, "meta get");
    if (v.mv_size != 8) {
        sb_log(SB_LOG_ERROR, "store: meta %s has %zu bytes, want 8", name, v.mv_size);
        return SB_E(SB_INTERNAL);
    }
    *ret = sb_store__get_le64(v.mv_data);
    return 0;
}

int sb_store__meta_set(sb_txn *t, const char *name, uint64_t n)
{
    uint8_t buf[8];
    sb_store__le64(buf, n);
    MDB_val k = {strlen(name), (void *)name}, v = {sizeof buf, buf};
    int rc = sb_store__put(t, t->s->meta, &k, &v, 0);
    return rc ? sb_store__err(t, rc, "meta put") : 0;
}

uint32_t sb_store__limit(uint32_t limit)
{
    if (limit == 0)
        return SB_STORE_LIMIT_DEFAULT;
    return limit > SB_STORE_LIMIT_MAX ? SB_STORE_LIMIT_MAX : limit;
}

void *sb_store__array_alloc(ProtobufCAllocator *alloc, size_t n)
{
    size_t bytes = n * sizeof(void *);
    return alloc ? alloc->alloc(alloc->allocator_data, bytes) : malloc(bytes);
}

void sb_store__array_free(ProtobufCAllocator *alloc, void *p)
{
    if (!p)
        return;
    if (alloc)
        alloc->free(alloc->allocator_data, p);
    else
        free(p);
}

/* ------------------------------------------------------------ databases */

const sb_store__db sb_store__dbs[] = {
    {"records", offsetof(sb_store, records)},
    {"state_idx", offsetof(sb_store, state_idx)},
    {"credit_idx", offsetof(sb_store, credit_idx)},
    {"events", offsetof(sb_store, events)},
    {"entity_events", offsetof(sb_store, entity_events)},
    {"idem", offsetof(sb_store, idem)},
    {"meta", offsetof(sb_store, meta)},
    {"jobs", offsetof(sb_store, jobs)},
    {"job_state_idx", offsetof(sb_store, job_state_idx)},
    {"job_due_idx", offsetof(sb_store, job_due_idx)},
    {"services", offsetof(sb_store, services)},
    {"service_idx", offsetof(sb_store, service_idx)},
    {"statements", offsetof(sb_store, statements)},
    {"proposals", offsetof(sb_store, proposals)},
    {"base_names", offsetof(sb_store, base_names)},
    {"activity", offsetof(sb_store, activity)},
};
const size_t sb_store__n_dbs = sizeof sb_store__dbs / sizeof sb_store__dbs[0];

/* ------------------------------------------------------------ recording */

static int db_index(const sb_store *s, MDB_dbi dbi)
{
    for (size_t i = 0; i < sb_store__n_dbs; i++)
        if (*(const MDB_dbi *)((const char *)s + sb_store__dbs[i].off) == dbi)
            return (int)i;
    return -1;
}

static int record(sb_txn *t, int op, MDB_dbi dbi, const MDB_val *k, const MDB_val *v)
{
    struct sb_store_wal *w = t->s->wal;
    if (!w || !t->write)
        return 0;
    int db = db_index(t->s, dbi);
    size_t vlen = v ? v->mv_size : 0, need = SB_STORE__OP_HEAD + k->mv_size + vlen;
    if (db < 0 || k->mv_size > UINT16_MAX || vlen > UINT32_MAX) {
        w->ops_failed = true;
        return EINVAL;
    }
    if (w->ops_len + need > w->ops_cap) {
        size_t cap = w->ops_cap ? w->ops_cap : 4096;
        while (cap < w->ops_len + need)
            cap *= 2;
        uint8_t *p = realloc(w->ops, cap);
        if (!p) {
            w->ops_failed = true;
            return ENOMEM;
        }
        w->ops = p;
        w->ops_cap = cap;
    }
    uint8_t *p = w->ops + w->ops_len;
    p[0] = (uint8_t)op;
    p[1] = (uint8_t)db;
    p[2] = (uint8_t)k->mv_size;
    p[3] = (uint8_t)(k->mv_size >> 8);
    for (int i = 0; i < 4; i++)
        p[4 + i] = (uint8_t)(vlen >> (8 * i));
    memcpy(p + SB_STORE__OP_HEAD, k->mv_data, k->mv_size);
    if (vlen)
        memcpy(p + SB_STORE__OP_HEAD + k->mv_size, v->mv_data, vlen);
    w->ops_len += need;
    return 0;
}

int sb_store__put(sb_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v, unsigned flags)
{
    int rc = mdb_put(t->txn, dbi, k, v, flags);
    return rc ? rc : record(t, SB_STORE__OP_PUT, dbi, k, v);
}

int sb_store__del(sb_txn *t, MDB_dbi dbi, MDB_val *k)
{
    int rc = mdb_del(t->txn, dbi, k, NULL);
    return rc ? rc : record(t, SB_STORE__OP_DEL, dbi, k, NULL);
}

int sb_store__reserved(sb_txn *t, MDB_dbi dbi, const MDB_val *k, const MDB_val *v)
{
    return record(t, SB_STORE__OP_PUT, dbi, k, v);
}

/* ------------------------------------------------------------ counters */

int sb_store_next_id(sb_txn *t, Skillbase__Kind kind, char *buf, size_t len)
{
    const char *counter, *prefix;
    uint64_t n;
    if (!t || !buf || len < 32)
        return SB_E(SB_INVALID);
    if (kind == SKILLBASE__KIND__APPLICATION) {
        counter = "next_id/application";
        prefix = "app";
    } else if (kind == SKILLBASE__KIND__BASE) {
        counter = "next_id/base";
        prefix = "base";
    } else {
        return SB_E(SB_INVALID);
    }
    int r = sb_store__need_write(t, "next_id");
    if (r < 0)
        return r;
    r = sb_store__meta_get(t, counter, &n);
    if (r < 0)
        return r;
    r = sb_store__meta_set(t, counter, n + 1);
    if (r < 0)
        return r;
    snprintf(buf, len, "%s-%06llu", prefix, (unsigned long long)(n + 1));
    return 0;
}

int sb_store_next_serial(sb_txn *t, const char *name, uint64_t *ret)
{
    char key[SB_STORE_KEY_MAX + sizeof "serial/"];
    uint64_t n;
    if (!t || !ret || sb_store__check_key(name) < 0)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "next_serial");
    if (r < 0)
        return r;
    snprintf(key, sizeof key, "serial/%s", name);
    r = sb_store__meta_get(t, key, &n);
    if (r < 0)
        return r;
    r = sb_store__meta_set(t, key, n + 1);
    if (r < 0)
        return r;
    *ret = n + 1;
    return 0;
}

/* ------------------------------------------------------------ readers of the map */

void sb_store__before_remap(sb_store *s)
{
    if (s->before_remap)
        s->before_remap(s);
}

void sb_store__after_checkpoint(sb_store *s, uint64_t id)
{
    if (s->after_checkpoint)
        s->after_checkpoint(s, id);
}
