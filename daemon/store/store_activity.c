/* sb_store activity: the "activity" database (store_activity.h). */
#include "store_activity.h"

#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_core.h"

size_t sb_store_activity_key(uint8_t *buf, char tag, const char *a, const char *b)
{
    size_t alen = a ? strlen(a) : 0, blen = b ? strlen(b) : 0;
    if (!alen || (b && !blen) || 1 + alen + 1 + blen > SB_ACTIVITY_KEY_MAX)
        return 0;
    buf[0] = (uint8_t)tag;
    memcpy(buf + 1, a, alen);
    if (!b)
        return 1 + alen;
    buf[1 + alen] = 0;
    memcpy(buf + 2 + alen, b, blen);
    return 2 + alen + blen;
}

int sb_store_activity_put(sb_txn *t, const uint8_t *key, size_t klen, const ProtobufCMessage *m)
{
    if (!t || !key || !klen || !m)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "activity put");
    if (r < 0)
        return r;
    MDB_val k = {klen, (void *)key}, v = {protobuf_c_message_get_packed_size(m), NULL};
    int rc = mdb_put(t->txn, t->s->activity, &k, &v, MDB_RESERVE);
    if (rc)
        return sb_store__err(t, rc, "activity put");
    protobuf_c_message_pack(m, v.mv_data);
    rc = sb_store__reserved(t, t->s->activity, &k, &v);
    if (rc)
        return sb_store__err(t, rc, "activity put");
    return 0;
}

static int unpack(const MDB_val *v, const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
                  ProtobufCMessage **ret)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(d, alloc, v->mv_size, v->mv_data);
    if (!m) {
        sb_log(SB_LOG_ERROR, "store: a stored %s does not decode", d->short_name);
        return SB_E(SB_INTERNAL);
    }
    *ret = m;
    return 0;
}

int sb_store_activity_get(sb_txn *t, const uint8_t *key, size_t klen,
                          const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
                          ProtobufCMessage **ret)
{
    if (!t || !key || !klen)
        return SB_E(SB_NOT_FOUND);
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->activity, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "activity get");
    return unpack(&v, d, alloc, ret);
}

int sb_store_activity_each(sb_txn *t, const uint8_t *prefix, size_t plen,
                           const ProtobufCMessageDescriptor *d, ProtobufCAllocator *alloc,
                           int (*fn)(ProtobufCMessage *m, void *arg), void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->s->activity, &cur);
    if (rc)
        return sb_store__err(t, rc, "activity cursor");
    MDB_val k = {plen, (void *)prefix}, v;
    int r = 0;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
            break;
        ProtobufCMessage *m = NULL;
        r = unpack(&v, d, alloc, &m);
        if (r)
            break;
        r = fn(m, arg);
        if (r)
            break;
    }
    mdb_cursor_close(cur);
    if (r)
        return r;
    if (rc && rc != MDB_NOTFOUND)
        return sb_store__err(t, rc, "activity cursor get");
    return 0;
}

int sb_store_activity_u32_get(sb_txn *t, const uint8_t *key, size_t klen, uint32_t *ret)
{
    MDB_val k = {klen, (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->activity, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ret = 0;
        return 0;
    }
    if (rc)
        return sb_store__err(t, rc, "activity get");
    if (v.mv_size != 4) {
        sb_log(SB_LOG_ERROR, "store: activity value of %zu bytes, want 4", v.mv_size);
        return SB_E(SB_INTERNAL);
    }
    const uint8_t *p = v.mv_data;
    *ret = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return 0;
}

int sb_store_activity_u32_put(sb_txn *t, const uint8_t *key, size_t klen, uint32_t x)
{
    int r = sb_store__need_write(t, "activity put");
    if (r < 0)
        return r;
    uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    MDB_val k = {klen, (void *)key}, v = {4, b};
    int rc = sb_store__put(t, t->s->activity, &k, &v, 0);
    if (rc)
        return sb_store__err(t, rc, "activity put");
    return 0;
}
