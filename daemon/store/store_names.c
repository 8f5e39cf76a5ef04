/* sb_store names: see store_names.h. */
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_names.h"
#include "store_core.h"

/* name NUL id into buf; 0 or SB_INVALID when either is unusable. */
static int name_key(uint8_t *buf, size_t cap, const char *name, const char *id, size_t *ret_len)
{
    size_t nlen = name ? strlen(name) : 0, ilen = id ? strlen(id) : 0;
    if (nlen == 0 || nlen > SB_STORE_KEY_MAX || ilen > SB_STORE_KEY_MAX || nlen + 1 + ilen > cap)
        return SB_E(SB_INVALID);
    memcpy(buf, name, nlen);
    buf[nlen] = 0;
    if (ilen)
        memcpy(buf + nlen + 1, id, ilen);
    *ret_len = nlen + 1 + ilen;
    return 0;
}

int sb_store_name_add(sb_txn *t, const char *name, const char *base_id)
{
    uint8_t key[SB_STORE_KEY_MAX + 1 + SB_STORE_KEY_MAX];
    size_t len;
    if (!t || sb_store__check_key(base_id) < 0 || name_key(key, sizeof key, name, base_id, &len))
        return SB_E(SB_INVALID);
    MDB_val k = {len, key}, v = {0, ""};
    int rc = sb_store__put(t, t->s->base_names, &k, &v, 0);
    return rc ? sb_store__err(t, rc, "name index put") : 0;
}

int sb_store_name_each(sb_txn *t, const char *name, ProtobufCAllocator *alloc,
                       int (*fn)(const Skillbase__Record *rec, void *arg), void *arg)
{
    uint8_t cur[SB_STORE_KEY_MAX + 1 + SB_STORE_KEY_MAX];
    size_t plen;
    if (!t || !fn || name_key(cur, sizeof cur, name, NULL, &plen))
        return SB_E(SB_INVALID);
    MDB_cursor *c = NULL;
    int r = 0, rc = mdb_cursor_open(t->txn, t->s->base_names, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {plen, cur}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= plen || k.mv_size > sizeof cur || memcmp(k.mv_data, cur, plen) != 0)
            break;
        char id[SB_STORE_KEY_MAX + 1];
        memcpy(id, (const uint8_t *)k.mv_data + plen, k.mv_size - plen);
        id[k.mv_size - plen] = 0;
        Skillbase__Record *rec = NULL;
        r = sb_store_record_get(t, id, alloc, &rec);
        if (r == SB_E(SB_NOT_FOUND)) {
            sb_log(SB_LOG_ERROR, "store: name index names record %s, which is missing", id);
            r = SB_E(SB_INTERNAL);
        }
        if (r < 0)
            goto out;
        r = fn(rec, arg);
        skillbase__record__free_unpacked(rec, alloc);
        if (r)
            goto out;
    }
    if (rc && rc != MDB_NOTFOUND)
        r = sb_store__err(t, rc, "name index");
out:
    mdb_cursor_close(c);
    return r;
}

/* Schema step 4 -> 5: every sub-base already named goes into the index. */
int sb_store__names_migrate(sb_txn *t)
{
    MDB_cursor *c = NULL;
    int r = 0, rc = mdb_cursor_open(t->txn, t->s->records, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {5, "base-"}, v;
    size_t n = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size < 5 || memcmp(k.mv_data, "base-", 5) != 0)
            break;
        Skillbase__Record *rec = skillbase__record__unpack(NULL, v.mv_size, v.mv_data);
        if (!rec) {
            sb_log(SB_LOG_ERROR, "store: record %.*s does not decode", (int)k.mv_size,
                   (const char *)k.mv_data);
            r = SB_E(SB_INTERNAL);
            goto out;
        }
        if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base->name &&
            *rec->sub_base->name) {
            r = sb_store_name_add(t, rec->sub_base->name, rec->sub_base->id);
            n++;
        }
        skillbase__record__free_unpacked(rec, NULL);
        if (r < 0)
            goto out;
    }
    if (rc && rc != MDB_NOTFOUND) {
        r = sb_store__err(t, rc, "records");
        goto out;
    }
    sb_log(SB_LOG_INFO, "store %s: %zu sub-base names indexed", t->s->dir, n);
out:
    mdb_cursor_close(c);
    return r;
}
