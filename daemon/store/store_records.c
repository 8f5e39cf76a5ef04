/* sb_store records: the records database and the indexes kept beside it
 * (state_idx, credit_idx, the per-state counts in meta). Every write goes
 * through sb_store_record_put, so the indexes change only together with
 * the record, in the same transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store.h"
#include "store_core.h"

/* What the indexes need to know about a record, checked. */
typedef struct {
    Skillbase__Kind kind;
    Skillbase__State state;
    const char *id;
    const char *credit_code; /* NULL or "" when there is none */
} rec_meta;

/* Ids carry their kind as a prefix ("app-", "base-", from next_id). That
 * makes id order the promised "kind, then id" order, so a listing over all
 * states can walk the records database itself. */
static const char *const id_prefix[3] = {"", "app-", "base-"};

static int rec_meta_of(const Skillbase__Record *rec, rec_meta *m)
{
    if (!rec)
        return SB_E(SB_INVALID);
    if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && rec->application) {
        const Skillbase__Application *a = rec->application;
        m->kind = SKILLBASE__KIND__APPLICATION;
        m->state = a->state;
        m->id = a->id;
        m->credit_code = a->form && a->form->unit ? a->form->unit->credit_code : NULL;
    } else if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base) {
        const Skillbase__Base *b = rec->sub_base;
        m->kind = SKILLBASE__KIND__BASE;
        m->state = b->state;
        m->id = b->id;
        m->credit_code = b->credit_code;
    } else {
        return SB_E(SB_INVALID);
    }
    if (sb_store__check_key(m->id) < 0)
        return SB_E(SB_INVALID);
    const char *prefix = id_prefix[m->kind];
    if (strncmp(m->id, prefix, strlen(prefix)) != 0)
        return SB_E(SB_INVALID);
    if (m->state < SKILLBASE__STATE__APPLIED || m->state > SB_STORE_STATE_LAST)
        return SB_E(SB_INVALID);
    if (m->credit_code && *m->credit_code && strlen(m->credit_code) > SB_STORE_KEY_MAX)
        return SB_E(SB_INVALID);
    return 0;
}

/* Load and unpack the record stored under the id (id, len); NOT_FOUND when
 * absent. */
static int load_record(sb_txn *t, const void *id, size_t len, ProtobufCAllocator *alloc,
                       Skillbase__Record **ret)
{
    MDB_val k = {len, (void *)id}, v;
    int rc = mdb_get(t->txn, t->s->records, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "record get");
    Skillbase__Record *rec = skillbase__record__unpack(alloc, v.mv_size, v.mv_data);
    if (!rec) {
        /* Corrupt bytes, or an arena budget too small for the record. */
        sb_log(SB_LOG_ERROR, "store: record %.*s does not decode", (int)len, (const char *)id);
        return SB_E(SB_INTERNAL);
    }
    *ret = rec;
    return 0;
}

/* As load_record, for an id an index points at: absence is corruption. */
static int load_indexed(sb_txn *t, const void *id, size_t len, ProtobufCAllocator *alloc,
                        Skillbase__Record **ret)
{
    int r = load_record(t, id, len, alloc, ret);
    if (r == SB_E(SB_NOT_FOUND)) {
        sb_log(SB_LOG_ERROR, "store: index names record %.*s, which is missing", (int)len,
               (const char *)id);
        r = SB_E(SB_INTERNAL);
    }
    return r;
}

int sb_store_record_get(sb_txn *t, const char *id, ProtobufCAllocator *alloc,
                        Skillbase__Record **ret)
{
    if (!t || !ret || sb_store__check_key(id) < 0)
        return SB_E(SB_INVALID);
    return load_record(t, id, strlen(id), alloc, ret);
}

/* state_idx key: kind byte, state byte, id bytes. Returns its length. */
static size_t state_key(uint8_t *buf, const rec_meta *m)
{
    size_t len = strlen(m->id);
    buf[0] = (uint8_t)m->kind;
    buf[1] = (uint8_t)m->state;
    memcpy(buf + 2, m->id, len);
    return len + 2;
}

static int count_add(sb_txn *t, const rec_meta *m, int delta)
{
    char key[32];
    uint64_t n;
    snprintf(key, sizeof key, "count/%d/%d", (int)m->kind, (int)m->state);
    int r = sb_store__meta_get(t, key, &n);
    if (r < 0)
        return r;
    if (delta < 0 && n == 0) {
        sb_log(SB_LOG_ERROR, "store: %s would go below zero (record %s)", key, m->id);
        return SB_E(SB_INTERNAL);
    }
    return sb_store__meta_set(t, key, delta < 0 ? n - 1 : n + 1);
}

int sb_store_record_put(sb_txn *t, const Skillbase__Record *rec, const Skillbase__Record *old)
{
    static const MDB_val empty = {0, ""};
    rec_meta m, om;
    uint8_t key[2 + SB_STORE_KEY_MAX + 1 + SB_STORE_KEY_MAX];
    MDB_val v;
    int rc;
    if (!t || rec_meta_of(rec, &m) < 0)
        return SB_E(SB_INVALID);
    if (old && (rec_meta_of(old, &om) < 0 || om.kind != m.kind || strcmp(om.id, m.id) != 0))
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "record_put");
    if (r < 0)
        return r;

    MDB_val k = {strlen(m.id), (void *)m.id};
    if (old) {
        /* An update of a record that is not there would leave the indexes
         * describing something else. */
        rc = mdb_get(t->txn, t->s->records, &k, &v);
        if (rc == MDB_NOTFOUND)
            return SB_E(SB_NOT_FOUND);
        if (rc)
            return sb_store__err(t, rc, "record get");
    }
    /* A creation must not overwrite: counts and the credit index would
     * count the id twice. Pack straight into the reserved space. */
    size_t size = skillbase__record__get_packed_size(rec);
    v = (MDB_val){size, NULL};
    rc = mdb_put(t->txn, t->s->records, &k, &v, MDB_RESERVE | (old ? 0 : MDB_NOOVERWRITE));
    if (rc == MDB_KEYEXIST)
        return SB_E(SB_CONFLICT);
    if (rc)
        return sb_store__err(t, rc, "record put");
    skillbase__record__pack(rec, v.mv_data);
    rc = sb_store__reserved(t, t->s->records, &k, &v);
    if (rc)
        return sb_store__err(t, rc, "record put");

    if (!old || om.state != m.state) {
        if (old) {
            MDB_val ok = {state_key(key, &om), key};
            rc = sb_store__del(t, t->s->state_idx, &ok);
            if (rc == MDB_NOTFOUND) {
                sb_log(SB_LOG_ERROR, "store: state index lacks %s in state %d", om.id,
                       (int)om.state);
                return SB_E(SB_INTERNAL);
            }
            if (rc)
                return sb_store__err(t, rc, "state index del");
            r = count_add(t, &om, -1);
            if (r < 0)
                return r;
        }
        MDB_val nk = {state_key(key, &m), key}, nv = empty;
        rc = sb_store__put(t, t->s->state_idx, &nk, &nv, 0);
        if (rc)
            return sb_store__err(t, rc, "state index put");
        r = count_add(t, &m, +1);
        if (r < 0)
            return r;
    }

    /* The credit index remembers every record ever made for a code, so it
     * is written once, at creation, and never removed. */
    if (!old && m.credit_code && *m.credit_code) {
        size_t clen = strlen(m.credit_code), ilen = strlen(m.id);
        memcpy(key, m.credit_code, clen);
        key[clen] = 0;
        memcpy(key + clen + 1, m.id, ilen);
        MDB_val ck = {clen + 1 + ilen, key}, cv = empty;
        rc = sb_store__put(t, t->s->credit_idx, &ck, &cv, 0);
        if (rc)
            return sb_store__err(t, rc, "credit index put");
    }
    return 0;
}

/* ------------------------------------------------------------ list */

typedef struct {
    sb_txn *t;
    ProtobufCAllocator *alloc;
    const char *after; /* "" when from the start */
    uint32_t limit;
    Skillbase__Record **recs;
    size_t n;
    bool more;
} list_acc;

/* Collect records from dbi, whose keys are kp (kplen bytes) followed by an
 * id, for the ids that start with idprefix and sort after a->after. */
static int list_range(list_acc *a, MDB_dbi dbi, uint8_t kp0, uint8_t kp1, size_t kplen,
                      const char *idprefix)
{
    uint8_t start[2 + SB_STORE_KEY_MAX];
    MDB_cursor *c = NULL;
    int r = 0;
    if (a->more)
        return 0;
    start[0] = kp0;
    start[1] = kp1;
    /* Start at the prefix or just at `after`, whichever comes later. */
    const char *from = strcmp(a->after, idprefix) > 0 ? a->after : idprefix;
    size_t fromlen = strlen(from), plen = strlen(idprefix), alen = strlen(a->after);
    memcpy(start + kplen, from, fromlen);
    int rc = mdb_cursor_open(a->t->txn, dbi, &c);
    if (rc)
        return sb_store__err(a->t, rc, "cursor open");
    MDB_val k = {kplen + fromlen, start}, v;
    /* LMDB refuses an empty key, even to position a cursor. */
    MDB_cursor_op first = k.mv_size ? MDB_SET_RANGE : MDB_FIRST;
    for (rc = mdb_cursor_get(c, &k, &v, first); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const uint8_t *key = k.mv_data;
        if (k.mv_size < kplen + plen || memcmp(key, start, kplen) != 0 ||
            memcmp(key + kplen, idprefix, plen) != 0)
            break;
        const uint8_t *id = key + kplen;
        size_t idlen = k.mv_size - kplen;
        if (idlen == alen && memcmp(id, a->after, alen) == 0)
            continue;
        if (a->n == a->limit) {
            a->more = true;
            break;
        }
        if (!a->recs && !(a->recs = sb_store__array_alloc(a->alloc, a->limit))) {
            r = SB_E(SB_INTERNAL);
            goto out;
        }
        r = load_indexed(a->t, id, idlen, a->alloc, &a->recs[a->n]);
        if (r < 0)
            goto out;
        a->n++;
    }
    if (rc && rc != MDB_NOTFOUND)
        r = sb_store__err(a->t, rc, "list");
out:
    mdb_cursor_close(c);
    return r;
}

int sb_store_list(sb_txn *t, Skillbase__Kind kind, Skillbase__State state, const char *after,
                  uint32_t limit, ProtobufCAllocator *alloc, Skillbase__Record ***ret_records,
                  size_t *ret_n, bool *ret_more)
{
    if (!t || !ret_records || !ret_n || !ret_more || (unsigned)kind > SKILLBASE__KIND__BASE ||
        (unsigned)state > SB_STORE_STATE_LAST || (after && strlen(after) > SB_STORE_KEY_MAX))
        return SB_E(SB_INVALID);
    list_acc a = {
        .t = t, .alloc = alloc, .after = after ? after : "", .limit = sb_store__limit(limit)};
    int r = 0;
    if (state) {
        /* state_idx orders by kind, state, id: one range per kind. */
        for (int k = SKILLBASE__KIND__APPLICATION; k <= SKILLBASE__KIND__BASE && r == 0; k++)
            if (!kind || (int)kind == k)
                r = list_range(&a, t->s->state_idx, (uint8_t)k, (uint8_t)state, 2, "");
    } else {
        r = list_range(&a, t->s->records, 0, 0, 0, id_prefix[kind]);
    }
    if (r < 0) {
        sb_store_records_free(a.recs, a.n, alloc);
        return r;
    }
    *ret_records = a.recs;
    *ret_n = a.n;
    *ret_more = a.more;
    return 0;
}

void sb_store_records_free(Skillbase__Record **records, size_t n, ProtobufCAllocator *alloc)
{
    for (size_t i = 0; i < n; i++)
        skillbase__record__free_unpacked(records[i], alloc);
    sb_store__array_free(alloc, records);
}

/* ------------------------------------------------------------ credit codes */

int sb_store_credit_each(sb_txn *t, const char *credit_code, ProtobufCAllocator *alloc,
                         int (*fn)(const Skillbase__Record *rec, void *arg), void *arg)
{
    uint8_t cur[SB_STORE_KEY_MAX + 1 + SB_STORE_KEY_MAX];
    MDB_cursor *c = NULL;
    int r = 0;
    if (!t || !fn || sb_store__check_key(credit_code) < 0)
        return SB_E(SB_INVALID);
    size_t plen = strlen(credit_code) + 1; /* the code and its NUL */
    memcpy(cur, credit_code, plen);
    int rc = mdb_cursor_open(t->txn, t->s->credit_idx, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {plen, cur}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= plen || k.mv_size > sizeof cur || memcmp(k.mv_data, cur, plen) != 0)
            break;
        /* Keep the key: fn may write in this transaction, which can move
         * the page the cursor's key points into. */
        size_t klen = k.mv_size;
        memcpy(cur, k.mv_data, klen);
        Skillbase__Record *rec = NULL;
        r = load_indexed(t, cur + plen, klen - plen, alloc, &rec);
        if (r < 0)
            goto out;
        r = fn(rec, arg);
        skillbase__record__free_unpacked(rec, alloc);
        if (r)
            goto out;
        k = (MDB_val){klen, cur};
        rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        if (rc)
            break;
    }
    if (rc && rc != MDB_NOTFOUND)
        r = sb_store__err(t, rc, "credit index");
out:
    mdb_cursor_close(c);
    return r;
}

/* ------------------------------------------------------------ counts */

int sb_store_counts(sb_txn *t, uint64_t counts[3][SB_STORE_STATES])
{
    char key[32];
    if (!t || !counts)
        return SB_E(SB_INVALID);
    memset(counts, 0, sizeof(uint64_t[3][SB_STORE_STATES]));
    for (int k = SKILLBASE__KIND__APPLICATION; k <= SKILLBASE__KIND__BASE; k++) {
        for (int s = SKILLBASE__STATE__APPLIED; s <= SB_STORE_STATE_LAST; s++) {
            snprintf(key, sizeof key, "count/%d/%d", k, s);
            int r = sb_store__meta_get(t, key, &counts[k][s]);
            if (r < 0)
                return r;
        }
    }
    return 0;
}
