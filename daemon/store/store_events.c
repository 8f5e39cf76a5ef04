/* sb_store events: the global event log (events, keyed by sequence) and
 * its per-record index (entity_events). Sequence numbers come from the meta
 * counter "event_seq" inside the writing transaction, so an aborted
 * transaction gives its numbers back and the committed log has no gaps. */
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store.h"
#include "store_audit.h"
#include "store_core.h"
#include "store_events.h"

int sb_store_last_seq(sb_txn *t, uint64_t *ret)
{
    if (!t || !ret)
        return SB_E(SB_INVALID);
    return sb_store__meta_get(t, "event_seq", ret);
}

int sb_store_event_append(sb_txn *t, Skillbase__Event *ev)
{
    static const MDB_val empty = {0, ""};
    uint8_t key[SB_STORE_KEY_MAX + 1 + 8];
    uint64_t seq;
    if (!t || !ev || sb_store__check_key(ev->entity_id) < 0)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "event_append");
    if (r < 0)
        return r;
    r = sb_store__meta_get(t, "event_seq", &seq);
    if (r < 0)
        return r;
    seq++;
    r = sb_store__meta_set(t, "event_seq", seq);
    if (r < 0)
        return r;
    /* The stored event carries its own number. */
    ev->seq = seq;

    /* Appended as the next link of the audit hash chain (store_audit.c). */
    sb_store__be64(key, seq);
    MDB_val k = {8, key};
    r = sb_store__audit_append(t, &k, ev);
    if (r < 0)
        return r;

    size_t idlen = strlen(ev->entity_id);
    memcpy(key, ev->entity_id, idlen);
    key[idlen] = 0;
    sb_store__be64(key + idlen + 1, seq);
    MDB_val ek = {idlen + 9, key}, ev_ = empty;
    int rc = sb_store__put(t, t->s->entity_events, &ek, &ev_, 0);
    if (rc)
        return sb_store__err(t, rc, "entity event put");
    return 0;
}

int sb_store__event_load(sb_txn *t, uint64_t seq, ProtobufCAllocator *alloc, Skillbase__Event **ret)
{
    uint8_t key[8];
    sb_store__be64(key, seq);
    MDB_val k = {8, key}, v;
    int rc = mdb_get(t->txn, t->s->events, &k, &v);
    if (rc == MDB_NOTFOUND) {
        sb_log(SB_LOG_ERROR, "store: event %llu is named but missing", (unsigned long long)seq);
        return SB_E(SB_INTERNAL);
    }
    if (rc)
        return sb_store__err(t, rc, "event get");
    Skillbase__Event *ev = skillbase__event__unpack(alloc, v.mv_size, v.mv_data);
    if (!ev) {
        sb_log(SB_LOG_ERROR, "store: event %llu does not decode", (unsigned long long)seq);
        return SB_E(SB_INTERNAL);
    }
    *ret = ev;
    return 0;
}

/* One page of events from a cursor range. The key of an event in `dbi` is
 * `plen` prefix bytes then its sequence (8 bytes, BE); `start` is the first
 * key wanted. With `dbi` the events database itself (plen 0) the value is
 * the event; otherwise it is looked up there. */
static int read_page(sb_txn *t, MDB_dbi dbi, const uint8_t *start, size_t plen, uint32_t limit,
                     ProtobufCAllocator *alloc, Skillbase__Event ***ret_events, size_t *ret_n,
                     uint64_t *ret_next)
{
    Skillbase__Event **evs = NULL;
    size_t n = 0;
    uint64_t next = 0;
    MDB_cursor *c = NULL;
    int r = 0;
    if (!ret_events || !ret_n || !ret_next)
        return SB_E(SB_INVALID);
    limit = sb_store__limit(limit);
    int rc = mdb_cursor_open(t->txn, dbi, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {plen + 8, (void *)start}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != plen + 8 || memcmp(k.mv_data, start, plen) != 0)
            break;
        uint64_t seq = sb_store__get_be64((const uint8_t *)k.mv_data + plen);
        if (n == limit) {
            next = seq;
            break;
        }
        if (!evs && !(evs = sb_store__array_alloc(alloc, limit))) {
            r = SB_E(SB_INTERNAL);
            goto out;
        }
        if (plen == 0) {
            evs[n] = skillbase__event__unpack(alloc, v.mv_size, v.mv_data);
            if (!evs[n]) {
                sb_log(SB_LOG_ERROR, "store: event %llu does not decode", (unsigned long long)seq);
                r = SB_E(SB_INTERNAL);
                goto out;
            }
        } else {
            r = sb_store__event_load(t, seq, alloc, &evs[n]);
            if (r < 0)
                goto out;
        }
        n++;
    }
    if (rc && rc != MDB_NOTFOUND) {
        r = sb_store__err(t, rc, "events read");
        goto out;
    }
    *ret_events = evs;
    *ret_n = n;
    *ret_next = next;
    evs = NULL;
    n = 0;
out:
    mdb_cursor_close(c);
    sb_store_events_free(evs, n, alloc);
    return r;
}

int sb_store_events_read(sb_txn *t, uint64_t from_seq, uint32_t limit, ProtobufCAllocator *alloc,
                         Skillbase__Event ***ret_events, size_t *ret_n, uint64_t *ret_next)
{
    uint8_t start[8];
    if (!t)
        return SB_E(SB_INVALID);
    sb_store__be64(start, from_seq ? from_seq : 1);
    return read_page(t, t->s->events, start, 0, limit, alloc, ret_events, ret_n, ret_next);
}

int sb_store_history(sb_txn *t, const char *id, uint64_t after_seq, uint32_t limit,
                     ProtobufCAllocator *alloc, Skillbase__Event ***ret_events, size_t *ret_n,
                     uint64_t *ret_next)
{
    uint8_t start[SB_STORE_KEY_MAX + 1 + 8];
    if (!t || sb_store__check_key(id) < 0)
        return SB_E(SB_INVALID);
    if (after_seq == UINT64_MAX) {
        /* Nothing can follow; (after_seq + 1) would wrap to the start. */
        if (!ret_events || !ret_n || !ret_next)
            return SB_E(SB_INVALID);
        *ret_events = NULL;
        *ret_n = 0;
        *ret_next = 0;
        return 0;
    }
    size_t idlen = strlen(id);
    memcpy(start, id, idlen);
    start[idlen] = 0;
    sb_store__be64(start + idlen + 1, after_seq + 1);
    return read_page(t, t->s->entity_events, start, idlen + 1, limit, alloc, ret_events, ret_n,
                     ret_next);
}

int sb_store_events_each_raw(sb_txn *t, uint64_t from_seq, uint32_t limit,
                             int (*fn)(void *arg, uint64_t seq, const uint8_t *bytes, size_t len),
                             void *arg, uint64_t *ret_next)
{
    uint8_t start[8];
    MDB_cursor *c = NULL;
    uint32_t n = 0;
    uint64_t next = 0;
    int r = 0;
    if (!t || !fn || !ret_next)
        return SB_E(SB_INVALID);
    limit = sb_store__limit(limit);
    sb_store__be64(start, from_seq ? from_seq : 1);
    int rc = mdb_cursor_open(t->txn, t->s->events, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {sizeof start, start}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != 8)
            break;
        uint64_t seq = sb_store__get_be64(k.mv_data);
        if (n == limit) {
            next = seq;
            break;
        }
        r = fn(arg, seq, v.mv_data, v.mv_size);
        if (r)
            goto out;
        n++;
    }
    if (rc && rc != MDB_NOTFOUND) {
        r = sb_store__err(t, rc, "events read");
        goto out;
    }
    *ret_next = next;
out:
    mdb_cursor_close(c);
    return r;
}

void sb_store_events_free(Skillbase__Event **events, size_t n, ProtobufCAllocator *alloc)
{
    for (size_t i = 0; i < n; i++)
        skillbase__event__free_unpacked(events[i], alloc);
    sb_store__array_free(alloc, events);
}
