/* Idempotency keys (sb_store_idem_get / _put in store.h): a request's key
 * keeps the hash of its command and its packed reply, so a retry gets the
 * same answer. */
#include "store_idem.h"

#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_core.h"

/* A byte no packed message can begin with (wire type 7 does not exist),
 * marking an entry whose reply was kept without its record. */
#define IDEM_BY_EVENT 0x07

int sb_store__idem_parse(const MDB_val *v, uint64_t *ret_hash, uint64_t *ret_record_seq,
                         const uint8_t **ret_reply, size_t *ret_len)
{
    const uint8_t *p = v->mv_data;
    size_t n = v->mv_size;
    if (n < 8)
        return -1;
    *ret_hash = sb_store__get_le64(p);
    *ret_record_seq = 0;
    p += 8;
    n -= 8;
    if (n > 0 && p[0] == IDEM_BY_EVENT) {
        if (n < 9)
            return -1;
        *ret_record_seq = sb_store__get_le64(p + 1);
        p += 9;
        n -= 9;
    }
    *ret_reply = p;
    *ret_len = n;
    return 0;
}

int sb_store_idem_get(sb_txn *t, const char *key, uint64_t *ret_hash, uint64_t *ret_record_seq,
                      uint8_t **ret_reply, size_t *ret_len)
{
    if (!t || !ret_hash || !ret_record_seq || !ret_reply || !ret_len ||
        sb_store__check_key(key) < 0)
        return SB_E(SB_INVALID);
    MDB_val k = {strlen(key), (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->idem, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "idem get");
    const uint8_t *reply;
    size_t len;
    if (sb_store__idem_parse(&v, ret_hash, ret_record_seq, &reply, &len) < 0) {
        sb_log(SB_LOG_ERROR, "store: idempotency entry %s is %zu bytes", key, v.mv_size);
        return SB_E(SB_INTERNAL);
    }
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return SB_E(SB_INTERNAL);
    memcpy(copy, reply, len);
    *ret_reply = copy;
    *ret_len = len;
    return 0;
}

int sb_store_idem_put(sb_txn *t, const char *key, uint64_t hash, uint64_t record_seq,
                      const uint8_t *reply, size_t len)
{
    if (!t || (!reply && len) || sb_store__check_key(key) < 0)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "idem_put");
    if (r < 0)
        return r;
    size_t head = record_seq ? 8 + 9 : 8;
    MDB_val k = {strlen(key), (void *)key}, v = {head + len, NULL};
    /* Reserve the value and fill it in place: no staging buffer. */
    int rc = mdb_put(t->txn, t->s->idem, &k, &v, MDB_RESERVE);
    if (rc)
        return sb_store__err(t, rc, "idem put");
    uint8_t *p = v.mv_data;
    sb_store__le64(p, hash);
    if (record_seq) {
        p[8] = IDEM_BY_EVENT;
        sb_store__le64(p + 9, record_seq);
    }
    if (len)
        memcpy(p + head, reply, len);
    rc = sb_store__reserved(t, t->s->idem, &k, &v);
    return rc ? sb_store__err(t, rc, "idem put") : 0;
}
