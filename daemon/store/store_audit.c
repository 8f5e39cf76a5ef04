/* sb_store audit: appending events as links of a hash chain, the schema 2
 * migration that chains a store written without hashes, and the walk that
 * checks the chain. docs/audit.md is the specification another program can
 * verify against. */
#include "store_audit.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_core.h"

#define HEAD_KEY "audit/head"
#define MIGRATED_KEY "audit/migrated_through"
/* protobuf tag of Event.hash (field 14, length-delimited) and its length */
#define HASH_TAG 0x72
#define HASH_TAG_LEN 0x20

static const uint8_t zero_hash[SB_AUDIT_HASH_LEN];

/* SHA-256(prev ‖ body). */
static void chain_hash(const uint8_t prev[SB_AUDIT_HASH_LEN], const uint8_t *body, size_t len,
                       uint8_t out[SB_AUDIT_HASH_LEN])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, prev, SB_AUDIT_HASH_LEN);
    crypto_hash_sha256_update(&st, body, len);
    crypto_hash_sha256_final(&st, out);
}

/* Split a stored value into the body and the hash of its trailer. Returns
 * the body's length, or -1 when the value has no trailer. */
static long split_value(const MDB_val *v, const uint8_t **ret_hash)
{
    const uint8_t *p = v->mv_data;
    if (v->mv_size < SB_AUDIT_TRAILER_LEN)
        return -1;
    size_t body = v->mv_size - SB_AUDIT_TRAILER_LEN;
    if (p[body] != HASH_TAG || p[body + 1] != HASH_TAG_LEN)
        return -1;
    *ret_hash = p + body + 2;
    return (long)body;
}

/* The head as stored: u64 LE sequence then the hash. Absent: 0, zeros. */
static int head_get(MDB_txn *txn, MDB_dbi meta, uint64_t *ret_seq, uint8_t *ret_hash)
{
    MDB_val k = {sizeof HEAD_KEY - 1, (void *)HEAD_KEY}, v;
    int rc = mdb_get(txn, meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ret_seq = 0;
        memset(ret_hash, 0, SB_AUDIT_HASH_LEN);
        return 0;
    }
    if (rc)
        return rc;
    if (v.mv_size != 8 + SB_AUDIT_HASH_LEN)
        return MDB_CORRUPTED;
    *ret_seq = sb_store__get_le64(v.mv_data);
    memcpy(ret_hash, (uint8_t *)v.mv_data + 8, SB_AUDIT_HASH_LEN);
    return 0;
}

static int head_put(sb_txn *t, uint64_t seq, const uint8_t *hash)
{
    uint8_t buf[8 + SB_AUDIT_HASH_LEN];
    sb_store__le64(buf, seq);
    memcpy(buf + 8, hash, SB_AUDIT_HASH_LEN);
    MDB_val k = {sizeof HEAD_KEY - 1, (void *)HEAD_KEY}, v = {sizeof buf, buf};
    int rc = sb_store__put(t, t->s->meta, &k, &v, 0);
    return rc ? sb_store__err(t, rc, "audit head put") : 0;
}

/* Pack ev as the link after `prev` into a value reserved under `key` with
 * `flags`, and return its hash. ev is left as it came (its hash fields
 * never point into the map or the stack). */
static int put_link(sb_txn *t, MDB_val *key, unsigned flags, Skillbase__Event *ev,
                    const uint8_t prev[SB_AUDIT_HASH_LEN], uint8_t ret_hash[SB_AUDIT_HASH_LEN])
{
    uint8_t prev_copy[SB_AUDIT_HASH_LEN];
    memcpy(prev_copy, prev, sizeof prev_copy);
    ev->prev_hash.data = prev_copy;
    ev->prev_hash.len = SB_AUDIT_HASH_LEN;
    ev->hash.data = NULL;
    ev->hash.len = 0;
    size_t body = skillbase__event__get_packed_size(ev);
    MDB_val v = {body + SB_AUDIT_TRAILER_LEN, NULL};
    int rc = mdb_put(t->txn, t->s->events, key, &v, flags | MDB_RESERVE);
    if (rc) {
        ev->prev_hash.data = NULL;
        ev->prev_hash.len = 0;
        return sb_store__err(t, rc, "event put");
    }
    uint8_t *p = v.mv_data;
    skillbase__event__pack(ev, p);
    ev->prev_hash.data = NULL;
    ev->prev_hash.len = 0;
    chain_hash(prev_copy, p, body, ret_hash);
    p[body] = HASH_TAG;
    p[body + 1] = HASH_TAG_LEN;
    memcpy(p + body + 2, ret_hash, SB_AUDIT_HASH_LEN);
    rc = sb_store__reserved(t, t->s->events, key, &v);
    return rc ? sb_store__err(t, rc, "event put") : 0;
}

int sb_store__audit_append(sb_txn *t, MDB_val *key, Skillbase__Event *ev)
{
    uint64_t head_seq;
    uint8_t prev[SB_AUDIT_HASH_LEN], hash[SB_AUDIT_HASH_LEN];
    int rc = head_get(t->txn, t->s->meta, &head_seq, prev);
    if (rc)
        return sb_store__err(t, rc, "audit head get");
    if (head_seq + 1 != ev->seq) {
        /* Every append moves the head and the migration chains older
         * events, so this is a bug or a store edited by hand. */
        sb_log(SB_LOG_ERROR,
               "store: the audit chain ends at event %llu, not before %llu; "
               "nothing is appended until the store is repaired",
               (unsigned long long)head_seq, (unsigned long long)ev->seq);
        return SB_E(SB_INTERNAL);
    }
    /* Big-endian keys sort numerically, so the log only ever appends:
     * MDB_APPEND fills pages completely and refuses an out-of-order key. */
    int r = put_link(t, key, MDB_APPEND, ev, prev, hash);
    if (r < 0)
        return r;
    return head_put(t, ev->seq, hash);
}

/* ------------------------------------------------------------ migration */

int sb_store__audit_migrate(sb_txn *t)
{
    uint64_t last, head_seq;
    uint8_t prev[SB_AUDIT_HASH_LEN], hash[SB_AUDIT_HASH_LEN];
    int r = sb_store__meta_get(t, "event_seq", &last);
    if (r < 0)
        return r;
    int rc = head_get(t->txn, t->s->meta, &head_seq, prev);
    if (rc)
        return sb_store__err(t, rc, "audit head get");
    for (uint64_t seq = head_seq + 1; seq <= last; seq++) {
        uint8_t kb[8];
        sb_store__be64(kb, seq);
        MDB_val k = {8, kb}, v;
        rc = mdb_get(t->txn, t->s->events, &k, &v);
        if (rc) {
            sb_log(SB_LOG_ERROR, "store: audit migration: event %llu: %s", (unsigned long long)seq,
                   mdb_strerror(rc));
            return rc == MDB_NOTFOUND ? SB_E(SB_INTERNAL) : sb_store__err(t, rc, "event get");
        }
        Skillbase__Event *ev = skillbase__event__unpack(NULL, v.mv_size, v.mv_data);
        if (!ev || ev->seq != seq) {
            sb_log(SB_LOG_ERROR, "store: audit migration: event %llu does not decode",
                   (unsigned long long)seq);
            if (ev)
                skillbase__event__free_unpacked(ev, NULL);
            return SB_E(SB_INTERNAL);
        }
        /* free_unpacked frees what unpack allocated: keep those pointers */
        ProtobufCBinaryData old_prev = ev->prev_hash, old_hash = ev->hash;
        r = put_link(t, &k, 0, ev, prev, hash);
        ev->prev_hash = old_prev;
        ev->hash = old_hash;
        skillbase__event__free_unpacked(ev, NULL);
        if (r < 0)
            return r;
        memcpy(prev, hash, sizeof prev);
    }
    if (last > head_seq) {
        r = head_put(t, last, prev);
        if (r == 0)
            r = sb_store__meta_set(t, MIGRATED_KEY, last);
        if (r < 0)
            return r;
        sb_log(SB_LOG_WARN,
               "store %s: computed the audit hash chain over events %llu..%llu, written by an "
               "older build; the chain vouches for them from now on, not from when they were "
               "written (docs/audit.md)",
               t->s->dir, (unsigned long long)head_seq + 1, (unsigned long long)last);
    }
    return 0;
}

/* ------------------------------------------------------------ checking */

static int get_u64(MDB_txn *txn, MDB_dbi meta, const char *name, uint64_t *ret)
{
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(txn, meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ret = 0;
        return 0;
    }
    if (rc)
        return rc;
    if (v.mv_size != 8)
        return MDB_CORRUPTED;
    *ret = sb_store__get_le64(v.mv_data);
    return 0;
}

__attribute__((format(printf, 3, 4))) static void finding(sb_audit_report *r, uint64_t seq,
                                                          const char *fmt, ...)
{
    va_list ap;
    r->ok = false;
    r->bad_seq = seq;
    r->next_seq = 0;
    va_start(ap, fmt);
    vsnprintf(r->problem, sizeof r->problem, fmt, ap);
    va_end(ap);
}

static int read_head(MDB_txn *txn, MDB_dbi events, MDB_dbi meta, sb_audit_head *h)
{
    memset(h, 0, sizeof *h);
    int rc = head_get(txn, meta, &h->seq, h->hash);
    if (!rc)
        rc = get_u64(txn, meta, MIGRATED_KEY, &h->migrated_through);
    if (rc || !h->seq)
        return rc;
    uint8_t kb[8];
    sb_store__be64(kb, h->seq);
    MDB_val k = {8, kb}, v;
    const uint8_t *hash;
    if (mdb_get(txn, events, &k, &v) == 0) {
        long body = split_value(&v, &hash);
        Skillbase__Event *ev =
            body < 0 ? NULL : skillbase__event__unpack(NULL, (size_t)body, v.mv_data);
        if (ev) {
            h->time_ms = ev->time_ms;
            skillbase__event__free_unpacked(ev, NULL);
        }
    }
    return 0;
}

/* Check one stored event against the hash before it (`prev`, advanced to
 * its hash). Returns 1 when it matches, 0 after a finding. */
static int check_link(sb_audit_report *r, uint64_t seq, const MDB_val *v,
                      uint8_t prev[SB_AUDIT_HASH_LEN])
{
    const uint8_t *stored;
    uint8_t computed[SB_AUDIT_HASH_LEN];
    long body = split_value(v, &stored);
    if (body < 0) {
        finding(r, seq, "event %llu carries no hash (not written by the chain)",
                (unsigned long long)seq);
        return 0;
    }
    Skillbase__Event *ev = skillbase__event__unpack(NULL, (size_t)body, v->mv_data);
    chain_hash(prev, v->mv_data, (size_t)body, computed);
    int ok = 0;
    if (memcmp(computed, stored, SB_AUDIT_HASH_LEN) != 0) {
        /* Intact against the prev_hash it carries: then the event before
         * was rewritten, hash and all, after this one was written. */
        uint8_t own[SB_AUDIT_HASH_LEN];
        if (ev && ev->prev_hash.len == SB_AUDIT_HASH_LEN && seq > 1) {
            chain_hash(ev->prev_hash.data, v->mv_data, (size_t)body, own);
            if (memcmp(own, stored, SB_AUDIT_HASH_LEN) == 0) {
                finding(r, seq - 1,
                        "event %llu was rewritten: event %llu, written after it, was linked to "
                        "a different hash",
                        (unsigned long long)seq - 1, (unsigned long long)seq);
                goto out;
            }
        }
        finding(r, seq, "event %llu does not match its hash: changed after it was written",
                (unsigned long long)seq);
        goto out;
    }
    if (!ev) {
        finding(r, seq, "event %llu matches its hash but does not decode", (unsigned long long)seq);
        goto out;
    }
    if (ev->seq != seq || ev->prev_hash.len != SB_AUDIT_HASH_LEN ||
        memcmp(ev->prev_hash.data, prev, SB_AUDIT_HASH_LEN) != 0) {
        finding(r, seq,
                "event %llu matches its hash but carries sequence %llu or another "
                "prev_hash",
                (unsigned long long)seq, (unsigned long long)ev->seq);
        goto out;
    }
    memcpy(prev, stored, SB_AUDIT_HASH_LEN);
    ok = 1;
out:
    if (ev)
        skillbase__event__free_unpacked(ev, NULL);
    return ok;
}

int sb_audit_walk(MDB_txn *txn, MDB_dbi events, MDB_dbi meta, uint64_t from_seq, uint64_t limit,
                  sb_audit_report *r)
{
    uint8_t prev[SB_AUDIT_HASH_LEN], kb[8];
    uint64_t last;
    MDB_val k = {8, kb}, v;
    memset(r, 0, sizeof *r);
    r->ok = true;
    int rc = read_head(txn, events, meta, &r->head);
    if (!rc)
        rc = get_u64(txn, meta, "event_seq", &last);
    if (rc)
        goto fail;
    if (limit == 0)
        limit = SB_AUDIT_VERIFY_DEFAULT;
    if (limit > SB_AUDIT_VERIFY_MAX)
        limit = SB_AUDIT_VERIFY_MAX;
    r->from_seq = from_seq ? from_seq : 1;
    if (r->from_seq > last)
        return 0; /* nothing to check */
    memcpy(prev, zero_hash, sizeof prev);
    if (r->from_seq > 1) {
        const uint8_t *h;
        sb_store__be64(kb, r->from_seq - 1);
        rc = mdb_get(txn, events, &k, &v);
        if (rc == MDB_NOTFOUND) {
            finding(r, r->from_seq - 1, "event %llu is missing",
                    (unsigned long long)r->from_seq - 1);
            return 0;
        }
        if (rc)
            goto fail;
        if (split_value(&v, &h) < 0) {
            finding(r, r->from_seq - 1, "event %llu carries no hash",
                    (unsigned long long)r->from_seq - 1);
            return 0;
        }
        memcpy(prev, h, sizeof prev);
    }
    uint64_t seq = r->from_seq;
    for (; seq <= last && r->checked < limit; seq++) {
        sb_store__be64(kb, seq);
        rc = mdb_get(txn, events, &k, &v);
        if (rc == MDB_NOTFOUND) {
            finding(r, seq, "event %llu is missing", (unsigned long long)seq);
            return 0;
        }
        if (rc)
            goto fail;
        r->checked++;
        r->to_seq = seq;
        if (!check_link(r, seq, &v, prev))
            return 0;
    }
    if (seq <= last) {
        r->next_seq = seq;
        return 0;
    }
    /* At the end: the recorded head must be this event, and nothing may
     * follow it. */
    if (r->head.seq != last || memcmp(r->head.hash, prev, SB_AUDIT_HASH_LEN) != 0) {
        finding(r, last, "the head recorded in the store (event %llu) does not match event %llu",
                (unsigned long long)r->head.seq, (unsigned long long)last);
        return 0;
    }
    sb_store__be64(kb, last + 1);
    rc = mdb_get(txn, events, &k, &v);
    if (rc == 0)
        finding(r, last + 1, "event %llu exists after the recorded last event",
                (unsigned long long)last + 1);
    else if (rc != MDB_NOTFOUND)
        goto fail;
    return 0;
fail:
    r->ok = false;
    snprintf(r->problem, sizeof r->problem, "store: %s", mdb_strerror(rc));
    return -1;
}

int sb_store_audit_head(sb_txn *t, sb_audit_head *ret)
{
    if (!t || !ret)
        return SB_E(SB_INVALID);
    int rc = read_head(t->txn, t->s->events, t->s->meta, ret);
    return rc ? sb_store__err(t, rc, "audit head") : 0;
}

int sb_store_audit_verify(sb_txn *t, uint64_t from_seq, uint32_t limit, sb_audit_report *ret)
{
    if (!t || !ret)
        return SB_E(SB_INVALID);
    if (sb_audit_walk(t->txn, t->s->events, t->s->meta, from_seq, limit, ret) < 0) {
        sb_log(SB_LOG_ERROR, "audit verify: %s", ret->problem);
        return SB_E(SB_INTERNAL);
    }
    return 0;
}
