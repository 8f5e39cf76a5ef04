/* sb_store subsidy: delivery records, their indexes and the subsidy
 * statements (store_subsidy.h describes the keys). */
#include "store_subsidy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_error.h"
#include "sb_log.h"
#include "store_core.h"

#define DATE_LEN 10 /* "YYYY-MM-DD" */
#define YEAR_LEN 4
/* base NUL date NUL id */
#define SERVICE_KEY_MAX (SB_STORE_KEY_MAX + 1 + DATE_LEN + 1 + SB_DELIVERY_ID_MAX)
/* 'x' source NUL external_id */
#define IDX_KEY_MAX (1 + SB_STORE_KEY_MAX + 1 + SB_STORE_KEY_MAX)

static bool year_ok(int year)
{
    return year >= 1 && year <= 9999;
}

/* "YYYY" NUL base_id: the key of a count ('c' prefixed by the caller) and
 * of a statement. Returns its length, or 0 when base_id is unusable. */
static size_t year_base_key(uint8_t *buf, int year, const char *base_id)
{
    if (!year_ok(year) || sb_store__check_key(base_id) < 0)
        return 0;
    char y[YEAR_LEN + 1];
    snprintf(y, sizeof y, "%04d", year);
    size_t blen = strlen(base_id);
    memcpy(buf, y, YEAR_LEN);
    buf[YEAR_LEN] = 0;
    memcpy(buf + YEAR_LEN + 1, base_id, blen);
    return YEAR_LEN + 1 + blen;
}

/* base NUL date NUL id. Returns its length or 0. */
static size_t service_key(uint8_t *buf, const char *base_id, const char *date, const char *id)
{
    if (sb_store__check_key(base_id) < 0 || !date || strlen(date) != DATE_LEN || !id ||
        strlen(id) >= SB_DELIVERY_ID_MAX)
        return 0;
    size_t blen = strlen(base_id), ilen = strlen(id);
    memcpy(buf, base_id, blen);
    buf[blen] = 0;
    memcpy(buf + blen + 1, date, DATE_LEN);
    buf[blen + 1 + DATE_LEN] = 0;
    memcpy(buf + blen + 2 + DATE_LEN, id, ilen);
    return blen + 2 + DATE_LEN + ilen;
}

/* A one-byte-prefixed service_idx key: tag, a, optionally NUL b. */
static size_t idx_key(uint8_t *buf, char tag, const char *a, const char *b)
{
    if (sb_store__check_key(a) < 0 || (b && sb_store__check_key(b) < 0))
        return 0;
    size_t alen = strlen(a);
    buf[0] = (uint8_t)tag;
    memcpy(buf + 1, a, alen);
    if (!b)
        return 1 + alen;
    size_t blen = strlen(b);
    buf[1 + alen] = 0;
    memcpy(buf + 2 + alen, b, blen);
    return 2 + alen + blen;
}

static int count_get(sb_txn *t, const uint8_t *key, size_t len, uint64_t *ret)
{
    MDB_val k = {len, (void *)key}, v;
    int rc = mdb_get(t->txn, t->s->service_idx, &k, &v);
    if (rc == MDB_NOTFOUND) {
        *ret = 0;
        return 0;
    }
    if (rc)
        return sb_store__err(t, rc, "service count get");
    if (v.mv_size != 8) {
        sb_log(SB_LOG_ERROR, "store: service count has %zu bytes, want 8", v.mv_size);
        return SB_E(SB_INTERNAL);
    }
    *ret = sb_store__get_le64(v.mv_data);
    return 0;
}

int sb_store_delivery_add(sb_txn *t, Skillbase__ServiceRecord *rec, char *id_buf,
                          uint64_t *ret_count)
{
    uint8_t skey[SERVICE_KEY_MAX], ikey[IDX_KEY_MAX], ckey[1 + YEAR_LEN + 1 + SB_STORE_KEY_MAX];
    uint64_t serial, count = 0;
    int year;
    if (!t || !rec || !id_buf || !ret_count || !rec->date || strlen(rec->date) != DATE_LEN ||
        sscanf(rec->date, "%4d", &year) != 1 || sb_store__check_key(rec->base_id) < 0)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "service_add");
    if (r < 0)
        return r;
    bool external = rec->external_id && rec->external_id[0];
    size_t xlen = 0;
    if (external) {
        xlen = idx_key(ikey, 'x', rec->source, rec->external_id);
        if (!xlen)
            return SB_E(SB_INVALID);
        MDB_val xk = {xlen, ikey}, xv;
        int rc = mdb_get(t->txn, t->s->service_idx, &xk, &xv);
        if (rc == 0)
            return SB_E(SB_CONFLICT);
        if (rc != MDB_NOTFOUND)
            return sb_store__err(t, rc, "service external get");
    }
    r = sb_store_next_serial(t, "service", &serial);
    if (r < 0)
        return r;
    snprintf(id_buf, SB_DELIVERY_ID_MAX, "svc-%06llu", (unsigned long long)serial);
    rec->id = id_buf;

    size_t slen = service_key(skey, rec->base_id, rec->date, rec->id);
    if (!slen)
        return SB_E(SB_INVALID);
    MDB_val k = {slen, skey}, v = {skillbase__service_record__get_packed_size(rec), NULL};
    int rc = mdb_put(t->txn, t->s->services, &k, &v, MDB_RESERVE | MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST) {
        sb_log(SB_LOG_ERROR, "store: service %s exists already", rec->id);
        return SB_E(SB_INTERNAL);
    }
    if (rc)
        return sb_store__err(t, rc, "service put");
    skillbase__service_record__pack(rec, v.mv_data);
    rc = sb_store__reserved(t, t->s->services, &k, &v);
    if (rc)
        return sb_store__err(t, rc, "service put");

    /* id -> location, so a record (and a page's resume point) is found by id */
    uint8_t lkey[1 + SB_DELIVERY_ID_MAX];
    size_t llen = idx_key(lkey, 'i', rec->id, NULL);
    MDB_val lk = {llen, lkey}, lv = {slen, skey};
    rc = sb_store__put(t, t->s->service_idx, &lk, &lv, MDB_NOOVERWRITE);
    if (rc)
        return sb_store__err(t, rc, "service id index put");
    if (external) {
        MDB_val xk = {xlen, ikey}, xv = {strlen(rec->id), rec->id};
        rc = sb_store__put(t, t->s->service_idx, &xk, &xv, MDB_NOOVERWRITE);
        if (rc)
            return sb_store__err(t, rc, "service external index put");
    }

    ckey[0] = 'c';
    size_t clen = 1 + year_base_key(ckey + 1, year, rec->base_id);
    if (clen == 1)
        return SB_E(SB_INVALID);
    r = count_get(t, ckey, clen, &count);
    if (r < 0)
        return r;
    count++;
    uint8_t cval[8];
    sb_store__le64(cval, count);
    MDB_val ck = {clen, ckey}, cv = {8, cval};
    rc = sb_store__put(t, t->s->service_idx, &ck, &cv, 0);
    if (rc)
        return sb_store__err(t, rc, "service count put");
    *ret_count = count;
    return 0;
}

/* Unpack a stored record value. */
static int unpack_service(const MDB_val *v, ProtobufCAllocator *alloc,
                          Skillbase__ServiceRecord **ret)
{
    Skillbase__ServiceRecord *rec =
        skillbase__service_record__unpack(alloc, v->mv_size, v->mv_data);
    if (!rec) {
        sb_log(SB_LOG_ERROR, "store: a service record does not decode");
        return SB_E(SB_INTERNAL);
    }
    *ret = rec;
    return 0;
}

/* The services key of record `id` into buf (SERVICE_KEY_MAX bytes). */
static int locate(sb_txn *t, const char *id, uint8_t *buf, size_t *ret_len)
{
    uint8_t lkey[1 + SB_DELIVERY_ID_MAX];
    if (!id || strlen(id) >= SB_DELIVERY_ID_MAX)
        return SB_E(SB_NOT_FOUND);
    size_t llen = idx_key(lkey, 'i', id, NULL);
    if (!llen)
        return SB_E(SB_NOT_FOUND);
    MDB_val k = {llen, lkey}, v;
    int rc = mdb_get(t->txn, t->s->service_idx, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "service id index get");
    if (v.mv_size == 0 || v.mv_size > SERVICE_KEY_MAX) {
        sb_log(SB_LOG_ERROR, "store: service index entry of %s is %zu bytes", id, v.mv_size);
        return SB_E(SB_INTERNAL);
    }
    memcpy(buf, v.mv_data, v.mv_size);
    *ret_len = v.mv_size;
    return 0;
}

int sb_store_delivery_get(sb_txn *t, const char *id, ProtobufCAllocator *alloc,
                          Skillbase__ServiceRecord **ret)
{
    uint8_t skey[SERVICE_KEY_MAX];
    size_t slen;
    if (!t || !ret)
        return SB_E(SB_INVALID);
    int r = locate(t, id, skey, &slen);
    if (r < 0)
        return r;
    MDB_val k = {slen, skey}, v;
    int rc = mdb_get(t->txn, t->s->services, &k, &v);
    if (rc == MDB_NOTFOUND) {
        sb_log(SB_LOG_ERROR, "store: index names service %s, which is missing", id);
        return SB_E(SB_INTERNAL);
    }
    if (rc)
        return sb_store__err(t, rc, "service get");
    return unpack_service(&v, alloc, ret);
}

int sb_store_delivery_find_external(sb_txn *t, const char *source, const char *external_id,
                                    ProtobufCAllocator *alloc, Skillbase__ServiceRecord **ret)
{
    uint8_t xkey[IDX_KEY_MAX];
    char id[SB_DELIVERY_ID_MAX];
    if (!t || !ret)
        return SB_E(SB_INVALID);
    size_t xlen = idx_key(xkey, 'x', source, external_id);
    if (!xlen)
        return SB_E(SB_NOT_FOUND);
    MDB_val k = {xlen, xkey}, v;
    int rc = mdb_get(t->txn, t->s->service_idx, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "service external get");
    if (v.mv_size == 0 || v.mv_size >= sizeof id) {
        sb_log(SB_LOG_ERROR, "store: external index entry is %zu bytes", v.mv_size);
        return SB_E(SB_INTERNAL);
    }
    memcpy(id, v.mv_data, v.mv_size);
    id[v.mv_size] = 0;
    int r = sb_store_delivery_get(t, id, alloc, ret);
    return r == SB_E(SB_NOT_FOUND) ? SB_E(SB_INTERNAL) : r;
}

int sb_store_deliveries_list(sb_txn *t, const char *base_id, int year, const char *after,
                             uint32_t limit, ProtobufCAllocator *alloc,
                             Skillbase__ServiceRecord ***ret_records, size_t *ret_n, bool *ret_more)
{
    uint8_t prefix[SB_STORE_KEY_MAX + 1 + YEAR_LEN + 2], start[SERVICE_KEY_MAX];
    Skillbase__ServiceRecord **recs = NULL;
    size_t n = 0, slen;
    bool more = false;
    MDB_cursor *c = NULL;
    int r = 0;
    if (!t || !ret_records || !ret_n || !ret_more || !year_ok(year) ||
        sb_store__check_key(base_id) < 0)
        return SB_E(SB_INVALID);
    /* base NUL "YYYY-": every date of the year */
    size_t blen = strlen(base_id);
    memcpy(prefix, base_id, blen);
    prefix[blen] = 0;
    snprintf((char *)prefix + blen + 1, YEAR_LEN + 2, "%04d-", year);
    size_t plen = blen + 1 + YEAR_LEN + 1;
    bool resume = after && after[0];
    if (resume) {
        r = locate(t, after, start, &slen);
        if (r == SB_E(SB_NOT_FOUND) || (!r && (slen < plen || memcmp(start, prefix, plen) != 0)))
            return SB_E(SB_INVALID);
        if (r < 0)
            return r;
    } else {
        memcpy(start, prefix, plen);
        slen = plen;
    }
    limit = sb_store__limit(limit);
    int rc = mdb_cursor_open(t->txn, t->s->services, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {slen, start}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
            break;
        if (resume && k.mv_size == slen && memcmp(k.mv_data, start, slen) == 0)
            continue;
        if (n == limit) {
            more = true;
            break;
        }
        if (!recs && !(recs = sb_store__array_alloc(alloc, limit))) {
            r = SB_E(SB_INTERNAL);
            goto out;
        }
        r = unpack_service(&v, alloc, &recs[n]);
        if (r < 0)
            goto out;
        n++;
    }
    if (rc && rc != MDB_NOTFOUND) {
        r = sb_store__err(t, rc, "services list");
        goto out;
    }
    *ret_records = recs;
    *ret_n = n;
    *ret_more = more;
    recs = NULL;
    n = 0;
out:
    mdb_cursor_close(c);
    sb_store_deliveries_free(recs, n, alloc);
    return r;
}

void sb_store_deliveries_free(Skillbase__ServiceRecord **records, size_t n,
                              ProtobufCAllocator *alloc)
{
    for (size_t i = 0; i < n; i++)
        skillbase__service_record__free_unpacked(records[i], alloc);
    sb_store__array_free(alloc, records);
}

int sb_store_delivery_count(sb_txn *t, const char *base_id, int year, uint64_t *ret)
{
    uint8_t ckey[1 + YEAR_LEN + 1 + SB_STORE_KEY_MAX];
    if (!t || !ret)
        return SB_E(SB_INVALID);
    ckey[0] = 'c';
    size_t len = year_base_key(ckey + 1, year, base_id);
    if (!len)
        return SB_E(SB_INVALID);
    return count_get(t, ckey, len + 1, ret);
}

int sb_store_delivery_bases_each(sb_txn *t, int year,
                                 int (*fn)(const char *base_id, uint64_t count, void *arg),
                                 void *arg)
{
    char prefix[1 + YEAR_LEN + 2];
    char base[SB_STORE_KEY_MAX + 1];
    MDB_cursor *c = NULL;
    int r = 0;
    if (!t || !fn || !year_ok(year))
        return SB_E(SB_INVALID);
    snprintf(prefix, sizeof prefix, "c%04d", year);
    size_t plen = 1 + YEAR_LEN + 1; /* with the NUL after the year */
    int rc = mdb_cursor_open(t->txn, t->s->service_idx, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {plen, prefix}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= plen || memcmp(k.mv_data, prefix, plen) != 0)
            break;
        size_t blen = k.mv_size - plen;
        if (blen > SB_STORE_KEY_MAX || v.mv_size != 8) {
            sb_log(SB_LOG_ERROR, "store: malformed service count entry");
            r = SB_E(SB_INTERNAL);
            goto out;
        }
        memcpy(base, (const char *)k.mv_data + plen, blen);
        base[blen] = 0;
        r = fn(base, sb_store__get_le64(v.mv_data), arg);
        if (r)
            goto out;
    }
    if (rc && rc != MDB_NOTFOUND)
        r = sb_store__err(t, rc, "service bases");
out:
    mdb_cursor_close(c);
    return r;
}

/* ------------------------------------------------------------ statements */

int sb_store_statement_put(sb_txn *t, const Skillbase__SubsidyStatement *st)
{
    uint8_t key[YEAR_LEN + 1 + SB_STORE_KEY_MAX];
    if (!t || !st || st->year > 9999)
        return SB_E(SB_INVALID);
    size_t len = year_base_key(key, (int)st->year, st->base_id);
    if (!len)
        return SB_E(SB_INVALID);
    int r = sb_store__need_write(t, "statement_put");
    if (r < 0)
        return r;
    MDB_val k = {len, key}, v = {skillbase__subsidy_statement__get_packed_size(st), NULL};
    int rc = mdb_put(t->txn, t->s->statements, &k, &v, MDB_RESERVE);
    if (rc)
        return sb_store__err(t, rc, "statement put");
    skillbase__subsidy_statement__pack(st, v.mv_data);
    rc = sb_store__reserved(t, t->s->statements, &k, &v);
    return rc ? sb_store__err(t, rc, "statement put") : 0;
}

static int unpack_statement(const MDB_val *v, ProtobufCAllocator *alloc,
                            Skillbase__SubsidyStatement **ret)
{
    Skillbase__SubsidyStatement *st =
        skillbase__subsidy_statement__unpack(alloc, v->mv_size, v->mv_data);
    if (!st) {
        sb_log(SB_LOG_ERROR, "store: a subsidy statement does not decode");
        return SB_E(SB_INTERNAL);
    }
    *ret = st;
    return 0;
}

int sb_store_statement_get(sb_txn *t, const char *base_id, int year, ProtobufCAllocator *alloc,
                           Skillbase__SubsidyStatement **ret)
{
    uint8_t key[YEAR_LEN + 1 + SB_STORE_KEY_MAX];
    if (!t || !ret)
        return SB_E(SB_INVALID);
    size_t len = year_base_key(key, year, base_id);
    if (!len)
        return SB_E(SB_INVALID);
    MDB_val k = {len, key}, v;
    int rc = mdb_get(t->txn, t->s->statements, &k, &v);
    if (rc == MDB_NOTFOUND)
        return SB_E(SB_NOT_FOUND);
    if (rc)
        return sb_store__err(t, rc, "statement get");
    return unpack_statement(&v, alloc, ret);
}

int sb_store_statements_list(sb_txn *t, int year, const char *after, size_t max_bytes,
                             ProtobufCAllocator *alloc,
                             Skillbase__SubsidyStatement ***ret_statements, size_t *ret_n,
                             bool *ret_more)
{
    uint8_t start[YEAR_LEN + 1 + SB_STORE_KEY_MAX];
    Skillbase__SubsidyStatement **sts = NULL;
    size_t n = 0, cap = 0, bytes = 0;
    bool more = false;
    MDB_cursor *c = NULL;
    int r = 0;
    if (!t || !ret_statements || !ret_n || !ret_more || !year_ok(year))
        return SB_E(SB_INVALID);
    bool resume = after && after[0];
    size_t plen = YEAR_LEN + 1, slen;
    if (resume) {
        slen = year_base_key(start, year, after);
        if (!slen)
            return SB_E(SB_INVALID);
    } else {
        snprintf((char *)start, sizeof start, "%04d", year);
        slen = plen; /* the NUL after the year is part of the prefix */
    }
    int rc = mdb_cursor_open(t->txn, t->s->statements, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    MDB_val k = {slen, start}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= plen || memcmp(k.mv_data, start, plen) != 0)
            break;
        if (resume && k.mv_size == slen && memcmp(k.mv_data, start, slen) == 0)
            continue;
        if (n && bytes + v.mv_size > max_bytes) {
            more = true;
            break;
        }
        if (n == cap) {
            /* grow by doubling through the caller's allocator */
            size_t ncap = cap ? cap * 2 : 16;
            Skillbase__SubsidyStatement **grown = sb_store__array_alloc(alloc, ncap);
            if (!grown) {
                r = SB_E(SB_INTERNAL);
                goto out;
            }
            if (n)
                memcpy(grown, sts, n * sizeof *sts);
            sb_store__array_free(alloc, sts);
            sts = grown;
            cap = ncap;
        }
        r = unpack_statement(&v, alloc, &sts[n]);
        if (r < 0)
            goto out;
        n++;
        bytes += v.mv_size;
    }
    if (rc && rc != MDB_NOTFOUND) {
        r = sb_store__err(t, rc, "statements list");
        goto out;
    }
    *ret_statements = sts;
    *ret_n = n;
    *ret_more = more;
    sts = NULL;
    n = 0;
out:
    mdb_cursor_close(c);
    sb_store_statements_free(sts, n, alloc);
    return r;
}

void sb_store_statements_free(Skillbase__SubsidyStatement **statements, size_t n,
                              ProtobufCAllocator *alloc)
{
    for (size_t i = 0; i < n; i++)
        skillbase__subsidy_statement__free_unpacked(statements[i], alloc);
    sb_store__array_free(alloc, statements);
}

int sb_store_statements_scan(sb_txn *t, int after_year, const char *after_base,
                             ProtobufCAllocator *alloc,
                             int (*fn)(Skillbase__SubsidyStatement *st, void *arg), void *arg)
{
    uint8_t start[YEAR_LEN + 1 + SB_STORE_KEY_MAX];
    MDB_cursor *c = NULL;
    size_t slen = 0;
    if (!t || !fn)
        return SB_E(SB_INVALID);
    bool resume = after_base && after_base[0];
    if (resume && !(slen = year_base_key(start, after_year, after_base)))
        return SB_E(SB_INVALID);
    int rc = mdb_cursor_open(t->txn, t->s->statements, &c);
    if (rc)
        return sb_store__err(t, rc, "cursor open");
    int r = 0;
    MDB_val k = {slen, start}, v;
    for (rc = mdb_cursor_get(c, &k, &v, resume ? MDB_SET_RANGE : MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (resume && k.mv_size == slen && memcmp(k.mv_data, start, slen) == 0)
            continue;
        Skillbase__SubsidyStatement *st;
        r = unpack_statement(&v, alloc, &st);
        if (r < 0)
            break;
        r = fn(st, arg);
        if (r)
            break;
    }
    if (!r && rc && rc != MDB_NOTFOUND)
        r = sb_store__err(t, rc, "statements scan");
    mdb_cursor_close(c);
    return r < 0 ? r : 0;
}
