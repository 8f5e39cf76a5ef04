/* sb_store_verify: an independent check of a store's invariants. It reads
 * the databases with LMDB directly and recomputes what the indexes and
 * counters must hold from the records and events themselves, so a bug in
 * the code that maintains them shows up here rather than being repeated.
 * The key layouts are those of docs/storage.md. */
#include "store_verify.h"

#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "skillbase.pb-c.h"
#include "store.h"
#include "store_audit.h"
#include "store_core.h"
#include "store_idem.h"

typedef struct {
    MDB_txn *txn;
    MDB_dbi records, state_idx, credit_idx, events, entity_events, idem, meta;
    sb_verify_report *rep;
    sb_verify_problem_fn fn;
    void *arg;
    uint64_t counts[3][SB_STORE_STATES]; /* recomputed from the records */
    uint64_t max_id[3];                  /* highest number in an id, per kind */
} verifier;

static void problem(verifier *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(verifier *v, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    v->rep->problems++;
    if (v->fn)
        v->fn(v->arg, line);
}

static int meta_u64(verifier *v, const char *name, uint64_t *ret, int *present)
{
    MDB_val k = {strlen(name), (void *)name}, val;
    int rc = mdb_get(v->txn, v->meta, &k, &val);
    *present = rc == 0;
    *ret = 0;
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc) {
        problem(v, "meta %s: %s", name, mdb_strerror(rc));
        return -1;
    }
    if (val.mv_size != 8) {
        problem(v, "meta %s: %zu bytes, expected 8", name, val.mv_size);
        return -1;
    }
    *ret = sb_store__get_le64(val.mv_data);
    return 0;
}

/* ------------------------------------------------------------ records */

typedef struct {
    Skillbase__Kind kind;
    Skillbase__State state;
    const char *id;
    const char *credit_code;
} rec_info;

static int record_info(const Skillbase__Record *rec, rec_info *ret)
{
    if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && rec->application) {
        const Skillbase__Application *a = rec->application;
        *ret = (rec_info){SKILLBASE__KIND__APPLICATION, a->state, a->id,
                          a->form && a->form->unit ? a->form->unit->credit_code : NULL};
        return 0;
    }
    if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base) {
        const Skillbase__Base *b = rec->sub_base;
        *ret = (rec_info){SKILLBASE__KIND__BASE, b->state, b->id, b->credit_code};
        return 0;
    }
    return -1;
}

static int exists(verifier *v, MDB_dbi dbi, const void *key, size_t len)
{
    MDB_val k = {len, (void *)key}, val;
    return mdb_get(v->txn, dbi, &k, &val) == 0;
}

static void check_record(verifier *v, const MDB_val *k, const MDB_val *val)
{
    static const char *const prefix[3] = {"", "app-", "base-"};
    int klen = (int)k->mv_size;
    const char *key = k->mv_data;
    Skillbase__Record *rec = skillbase__record__unpack(NULL, val->mv_size, val->mv_data);
    rec_info ri;
    if (!rec || record_info(rec, &ri)) {
        problem(v, "records: %.*s does not decode as a record", klen, key);
        goto out;
    }
    if (!ri.id || strlen(ri.id) != k->mv_size || memcmp(ri.id, key, k->mv_size) != 0) {
        problem(v, "records: key %.*s holds record \"%s\"", klen, key, ri.id ? ri.id : "");
        goto out;
    }
    size_t plen = strlen(prefix[ri.kind]);
    char *end;
    unsigned long long n =
        strncmp(ri.id, prefix[ri.kind], plen) == 0 ? strtoull(ri.id + plen, &end, 10) : 0;
    if (strncmp(ri.id, prefix[ri.kind], plen) != 0 || !*(ri.id + plen) || *end) {
        problem(v, "records: id %s does not fit its kind", ri.id);
        goto out;
    }
    if (n > v->max_id[ri.kind])
        v->max_id[ri.kind] = n;
    if (ri.state < SKILLBASE__STATE__APPLIED || ri.state > SB_STORE_STATE_LAST) {
        problem(v, "records: %s has no valid state (%d)", ri.id, (int)ri.state);
        goto out;
    }
    if (ri.kind == SKILLBASE__KIND__APPLICATION)
        v->rep->applications++;
    else
        v->rep->bases++;
    v->counts[ri.kind][ri.state]++;

    uint8_t sk[2 + SB_STORE_KEY_MAX];
    if (plen && k->mv_size <= SB_STORE_KEY_MAX) {
        sk[0] = (uint8_t)ri.kind;
        sk[1] = (uint8_t)ri.state;
        memcpy(sk + 2, key, k->mv_size);
        if (!exists(v, v->state_idx, sk, k->mv_size + 2))
            problem(v, "state_idx: no entry for %s in its state %d", ri.id, (int)ri.state);
    }
    if (ri.credit_code && *ri.credit_code) {
        size_t clen = strlen(ri.credit_code);
        uint8_t ck[SB_STORE_KEY_MAX + 1 + SB_STORE_KEY_MAX];
        if (clen <= SB_STORE_KEY_MAX && k->mv_size <= SB_STORE_KEY_MAX) {
            memcpy(ck, ri.credit_code, clen);
            ck[clen] = 0;
            memcpy(ck + clen + 1, key, k->mv_size);
            if (!exists(v, v->credit_idx, ck, clen + 1 + k->mv_size))
                problem(v, "credit_idx: no entry for %s under %s", ri.id, ri.credit_code);
        }
    }
out:
    skillbase__record__free_unpacked(rec, NULL);
}

/* Load the record an index entry names, or NULL (problem reported). */
static Skillbase__Record *indexed_record(verifier *v, const char *index, const void *id, size_t len,
                                         rec_info *ri)
{
    MDB_val k = {len, (void *)id}, val;
    if (len == 0 || mdb_get(v->txn, v->records, &k, &val) != 0) {
        problem(v, "%s: names %.*s, which is not a record", index, (int)len, (const char *)id);
        return NULL;
    }
    Skillbase__Record *rec = skillbase__record__unpack(NULL, val.mv_size, val.mv_data);
    if (!rec || record_info(rec, ri)) {
        skillbase__record__free_unpacked(rec, NULL);
        return NULL; /* already reported with the records */
    }
    return rec;
}

static void check_state_entry(verifier *v, const MDB_val *k)
{
    const uint8_t *key = k->mv_data;
    rec_info ri;
    if (k->mv_size < 3) {
        problem(v, "state_idx: a key of %zu bytes", k->mv_size);
        return;
    }
    Skillbase__Record *rec = indexed_record(v, "state_idx", key + 2, k->mv_size - 2, &ri);
    if (!rec)
        return;
    if ((int)ri.kind != key[0] || (int)ri.state != key[1])
        problem(v, "state_idx: %s listed as kind %d state %d, the record is kind %d state %d",
                ri.id, key[0], key[1], (int)ri.kind, (int)ri.state);
    skillbase__record__free_unpacked(rec, NULL);
}

static void check_credit_entry(verifier *v, const MDB_val *k)
{
    const char *key = k->mv_data;
    const char *nul = memchr(key, 0, k->mv_size);
    rec_info ri;
    if (!nul || nul == key) {
        problem(v, "credit_idx: a key without a code");
        return;
    }
    size_t clen = (size_t)(nul - key);
    Skillbase__Record *rec = indexed_record(v, "credit_idx", nul + 1, k->mv_size - clen - 1, &ri);
    if (!rec)
        return;
    if (!ri.credit_code || strlen(ri.credit_code) != clen || memcmp(ri.credit_code, key, clen))
        problem(v, "credit_idx: %s listed under %.*s, the record has %s", ri.id, (int)clen, key,
                ri.credit_code ? ri.credit_code : "none");
    skillbase__record__free_unpacked(rec, NULL);
}

/* ------------------------------------------------------------ events */

static void check_event(verifier *v, const MDB_val *k, const MDB_val *val, uint64_t *expect)
{
    if (k->mv_size != 8) {
        problem(v, "events: a key of %zu bytes", k->mv_size);
        return;
    }
    uint64_t seq = sb_store__get_be64(k->mv_data);
    if (seq != *expect)
        problem(v, "events: gap: expected sequence %llu, found %llu", (unsigned long long)*expect,
                (unsigned long long)seq);
    *expect = seq + 1;
    v->rep->events++;
    v->rep->last_seq = seq;
    Skillbase__Event *ev = skillbase__event__unpack(NULL, val->mv_size, val->mv_data);
    if (!ev) {
        problem(v, "events: %llu does not decode", (unsigned long long)seq);
        return;
    }
    if (ev->seq != seq)
        problem(v, "events: %llu carries sequence %llu", (unsigned long long)seq,
                (unsigned long long)ev->seq);
    size_t idlen = ev->entity_id ? strlen(ev->entity_id) : 0;
    if (!idlen || idlen > SB_STORE_KEY_MAX) {
        problem(v, "events: %llu names no entity", (unsigned long long)seq);
    } else {
        uint8_t ek[SB_STORE_KEY_MAX + 1 + 8];
        memcpy(ek, ev->entity_id, idlen);
        ek[idlen] = 0;
        sb_store__be64(ek + idlen + 1, seq);
        if (!exists(v, v->entity_events, ek, idlen + 9))
            problem(v, "entity_events: no entry for event %llu of %s", (unsigned long long)seq,
                    ev->entity_id);
    }
    skillbase__event__free_unpacked(ev, NULL);
}

static void check_entity_entry(verifier *v, const MDB_val *k)
{
    const char *key = k->mv_data;
    if (k->mv_size < 10 || key[k->mv_size - 9] != 0) {
        problem(v, "entity_events: a malformed key of %zu bytes", k->mv_size);
        return;
    }
    size_t idlen = k->mv_size - 9;
    uint64_t seq = sb_store__get_be64((const uint8_t *)key + idlen + 1);
    uint8_t sk[8];
    sb_store__be64(sk, seq);
    MDB_val ek = {8, sk}, val;
    if (mdb_get(v->txn, v->events, &ek, &val) != 0) {
        problem(v, "entity_events: %.*s names event %llu, which does not exist", (int)idlen, key,
                (unsigned long long)seq);
        return;
    }
    Skillbase__Event *ev = skillbase__event__unpack(NULL, val.mv_size, val.mv_data);
    if (ev && (!ev->entity_id || strlen(ev->entity_id) != idlen ||
               memcmp(ev->entity_id, key, idlen) != 0))
        problem(v, "entity_events: %.*s names event %llu, which is of %s", (int)idlen, key,
                (unsigned long long)seq, ev->entity_id ? ev->entity_id : "nothing");
    skillbase__event__free_unpacked(ev, NULL);
}

static void check_idem(verifier *v, const MDB_val *k, const MDB_val *val)
{
    v->rep->idem_keys++;
    uint64_t hash, record_seq;
    const uint8_t *bytes;
    size_t len;
    Skillbase__Reply *r = sb_store__idem_parse(val, &hash, &record_seq, &bytes, &len) == 0
                              ? skillbase__reply__unpack(NULL, len, bytes)
                              : NULL;
    if (!r) {
        problem(v, "idem: the reply kept for key %.*s does not decode", (int)k->mv_size,
                (const char *)k->mv_data);
        return;
    }
    skillbase__reply__free_unpacked(r, NULL);
    if (!record_seq)
        return;
    /* kept without its record: the event it names must hold one */
    uint8_t key[8];
    sb_store__be64(key, record_seq);
    MDB_val ek = {8, key}, ev;
    Skillbase__Event *e = mdb_get(v->txn, v->events, &ek, &ev) == 0
                              ? skillbase__event__unpack(NULL, ev.mv_size, ev.mv_data)
                              : NULL;
    if (!e || !e->record)
        problem(v,
                "idem: the reply kept for key %.*s takes its record from event %llu, "
                "which %s",
                (int)k->mv_size, (const char *)k->mv_data, (unsigned long long)record_seq,
                e ? "holds no record" : "is missing or does not decode");
    skillbase__event__free_unpacked(e, NULL);
}

/* ------------------------------------------------------------ walking */

typedef void (*entry_fn)(verifier *v, const MDB_val *k, const MDB_val *val, void *arg);

/* Call fn for every entry of dbi; returns the number of entries. */
static uint64_t walk(verifier *v, MDB_dbi dbi, const char *name, entry_fn fn, void *arg)
{
    MDB_cursor *c;
    MDB_val k, val;
    uint64_t n = 0;
    int rc = mdb_cursor_open(v->txn, dbi, &c);
    if (rc) {
        problem(v, "%s: %s", name, mdb_strerror(rc));
        return 0;
    }
    for (rc = mdb_cursor_get(c, &k, &val, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &val, MDB_NEXT)) {
        n++;
        fn(v, &k, &val, arg);
    }
    if (rc != MDB_NOTFOUND)
        problem(v, "%s: reading stopped: %s", name, mdb_strerror(rc));
    mdb_cursor_close(c);
    return n;
}

static void on_record(verifier *v, const MDB_val *k, const MDB_val *val, void *arg)
{
    (void)arg;
    check_record(v, k, val);
}

static void on_state(verifier *v, const MDB_val *k, const MDB_val *val, void *arg)
{
    (void)val, (void)arg;
    check_state_entry(v, k);
}

static void on_credit(verifier *v, const MDB_val *k, const MDB_val *val, void *arg)
{
    (void)val, (void)arg;
    check_credit_entry(v, k);
}

static void on_event(verifier *v, const MDB_val *k, const MDB_val *val, void *arg)
{
    check_event(v, k, val, arg);
}

static void on_entity(verifier *v, const MDB_val *k, const MDB_val *val, void *arg)
{
    (void)val, (void)arg;
    check_entity_entry(v, k);
}

static void on_idem(verifier *v, const MDB_val *k, const MDB_val *val, void *arg)
{
    (void)arg;
    check_idem(v, k, val);
}

static void check_counters(verifier *v, uint64_t state_entries)
{
    static const char *const kinds[3] = {"", "application", "base"};
    uint64_t v64;
    int present;
    uint64_t records = v->rep->applications + v->rep->bases;
    if (state_entries != records)
        problem(v, "state_idx: %llu entries for %llu records", (unsigned long long)state_entries,
                (unsigned long long)records);
    for (int k = SKILLBASE__KIND__APPLICATION; k <= SKILLBASE__KIND__BASE; k++) {
        for (int s = SKILLBASE__STATE__APPLIED; s <= SB_STORE_STATE_LAST; s++) {
            char name[32];
            snprintf(name, sizeof name, "count/%d/%d", k, s);
            if (meta_u64(v, name, &v64, &present) == 0 && v64 != v->counts[k][s])
                problem(v, "meta %s is %llu, the records say %llu", name, (unsigned long long)v64,
                        (unsigned long long)v->counts[k][s]);
        }
        char name[32];
        snprintf(name, sizeof name, "next_id/%s", kinds[k]);
        if (meta_u64(v, name, &v64, &present) == 0 && v64 < v->max_id[k])
            problem(v, "meta %s is %llu, behind the id %llu in use: new ids would collide", name,
                    (unsigned long long)v64, (unsigned long long)v->max_id[k]);
    }
    if (meta_u64(v, "event_seq", &v64, &present) == 0 && v64 != v->rep->last_seq)
        problem(v, "meta event_seq is %llu, the last event is %llu", (unsigned long long)v64,
                (unsigned long long)v->rep->last_seq);
}

/* The audit hash chain (store_audit.h), from the first event to the head,
 * in the pages its walker allows. Stores of schema 1 have no chain yet. */
static void check_audit_chain(verifier *v)
{
    if (v->rep->schema_version < 2 || v->rep->schema_version > SB_STORE_SCHEMA_VERSION)
        return;
    uint64_t from = 1;
    while (from) {
        sb_audit_report ar;
        if (sb_audit_walk(v->txn, v->events, v->meta, from, SB_AUDIT_VERIFY_MAX, &ar)) {
            problem(v, "audit chain: %s", ar.problem);
            return;
        }
        v->rep->audit_checked += ar.checked;
        if (!ar.ok) {
            problem(v, "audit chain: event %llu: %s", (unsigned long long)ar.bad_seq, ar.problem);
            return;
        }
        from = ar.next_seq > from ? ar.next_seq : 0;
    }
}

/* ------------------------------------------------------------ opening */

static int open_env(const char *dir, MDB_env **ret, char *err, size_t err_len)
{
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (!rc)
        rc = mdb_env_set_maxdbs(env, 32);
    if (rc) {
        snprintf(err, err_len, "%s: %s", dir, mdb_strerror(rc));
        return -1;
    }
    /* A copy on read-only media cannot take LMDB's lock file: read it
     * without one (nothing else writes a backup). */
    rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0640);
    if (rc == EACCES || rc == EROFS) {
        mdb_env_close(env);
        if (mdb_env_create(&env) == 0 && mdb_env_set_maxdbs(env, 32) == 0)
            rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS | MDB_NOLOCK, 0640);
    }
    if (rc) {
        snprintf(err, err_len, "cannot open the store in %s: %s", dir, mdb_strerror(rc));
        mdb_env_close(env);
        return -1;
    }
    *ret = env;
    return 0;
}

static void docs_problem(void *arg, const char *text)
{
    problem(arg, "%s", text);
}

int sb_store_verify(const char *dir, sb_verify_problem_fn fn, void *arg, sb_verify_report *ret)
{
    static const struct {
        const char *name;
        size_t off;
    } dbs[] = {
        {"records", offsetof(verifier, records)},
        {"state_idx", offsetof(verifier, state_idx)},
        {"credit_idx", offsetof(verifier, credit_idx)},
        {"events", offsetof(verifier, events)},
        {"entity_events", offsetof(verifier, entity_events)},
        {"idem", offsetof(verifier, idem)},
        {"meta", offsetof(verifier, meta)},
    };
    verifier v = {.rep = ret, .fn = fn, .arg = arg};
    char err[512], path[PATH_MAX];
    MDB_env *env = NULL;
    struct stat st;
    memset(ret, 0, sizeof *ret);
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (stat(path, &st) != 0) {
        problem(&v, "no store in %s: %s: %s", dir, path, strerror(errno));
        return -1;
    }
    ret->data_bytes = (uint64_t)st.st_size;
    /* LMDB makes a lock file beside the data to open it; a check should
     * leave the directory as it found it, so one made here goes again. */
    char lock[PATH_MAX];
    snprintf(lock, sizeof lock, "%s/lock.mdb", dir);
    bool made_lock = stat(lock, &st) != 0 && errno == ENOENT;
    if (open_env(dir, &env, err, sizeof err)) {
        if (made_lock)
            unlink(lock);
        problem(&v, "%s", err);
        return -1;
    }
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &v.txn);
    if (rc) {
        problem(&v, "cannot read %s: %s", dir, mdb_strerror(rc));
        mdb_env_close(env);
        if (made_lock)
            unlink(lock);
        return -1;
    }
    int r = 0;
    for (size_t i = 0; i < sizeof dbs / sizeof dbs[0]; i++) {
        rc = mdb_dbi_open(v.txn, dbs[i].name, 0, (MDB_dbi *)((char *)&v + dbs[i].off));
        if (rc) {
            problem(&v, "database %s: %s", dbs[i].name,
                    rc == MDB_NOTFOUND ? "missing" : mdb_strerror(rc));
            r = -1;
        }
    }
    if (r) {
        /* not a skillbase store, or a damaged one: nothing else can be read */
        r = 0;
        goto out;
    }
    uint64_t version;
    int present;
    if (meta_u64(&v, "schema_version", &version, &present) == 0) {
        if (!present)
            problem(&v, "meta schema_version is missing");
        else if (version > SB_STORE_SCHEMA_VERSION)
            problem(&v,
                    "schema version %llu is newer than this build's (%d): verify it with the "
                    "skillbase that wrote it",
                    (unsigned long long)version, SB_STORE_SCHEMA_VERSION);
        ret->schema_version = (uint32_t)version;
        ret->older_schema = present && version < SB_STORE_SCHEMA_VERSION;
    }
    walk(&v, v.records, "records", on_record, NULL);
    uint64_t state_entries = walk(&v, v.state_idx, "state_idx", on_state, NULL);
    walk(&v, v.credit_idx, "credit_idx", on_credit, NULL);
    uint64_t expect = 1;
    walk(&v, v.events, "events", on_event, &expect);
    uint64_t entity_entries = walk(&v, v.entity_events, "entity_events", on_entity, NULL);
    if (entity_entries != ret->events)
        problem(&v, "entity_events: %llu entries for %llu events",
                (unsigned long long)entity_entries, (unsigned long long)ret->events);
    walk(&v, v.idem, "idem", on_idem, NULL);
    check_counters(&v, state_entries);
    check_audit_chain(&v);
    sb_store_docs_verify(dir, v.txn, v.records, v.meta, docs_problem, &v, &ret->docs);
out:
    mdb_txn_abort(v.txn);
    mdb_env_close(env);
    if (made_lock)
        unlink(lock);
    return r;
}

/* ------------------------------------------------------------ printing */

#define PRINT_MAX 50

typedef struct {
    FILE *err;
    uint64_t n;
} printer;

static void print_problem(void *arg, const char *text)
{
    printer *p = arg;
    if (p->n++ < PRINT_MAX)
        fprintf(p->err, "skillbased: restore-check: %s\n", text);
}

int sb_store_verify_print(const char *dir, FILE *out, FILE *err)
{
    printer p = {err, 0};
    sb_verify_report rep;
    if (sb_store_verify(dir, print_problem, &p, &rep)) {
        fprintf(out, "%s: cannot be verified\n", dir);
        return 1;
    }
    if (p.n > PRINT_MAX)
        fprintf(err, "skillbased: restore-check: ... and %llu more\n",
                (unsigned long long)(p.n - PRINT_MAX));
    const sb_docs_verify_report *d = &rep.docs;
    if (d->documents || d->unreferenced || d->temporary)
        fprintf(out,
                "%s: %llu documents, %llu files (%llu bytes) checked against their SHA-256; "
                "%llu unreferenced file(s) (uploads whose commit never happened: skillbased "
                "removes them at its next start), %llu file(s) of unfinished uploads\n",
                dir, (unsigned long long)d->documents, (unsigned long long)d->files,
                (unsigned long long)d->bytes, (unsigned long long)d->unreferenced,
                (unsigned long long)d->temporary);
    fprintf(out,
            "%s: schema %u%s, %llu records (%llu applications, %llu sub-bases), %llu events "
            "(last seq %llu, %llu checked in the audit chain), %llu idempotency keys, %llu bytes: "
            "%s\n",
            dir, rep.schema_version,
            rep.older_schema ? " (older: skillbased migrates it at start)" : "",
            (unsigned long long)(rep.applications + rep.bases),
            (unsigned long long)rep.applications, (unsigned long long)rep.bases,
            (unsigned long long)rep.events, (unsigned long long)rep.last_seq,
            (unsigned long long)rep.audit_checked, (unsigned long long)rep.idem_keys,
            (unsigned long long)rep.data_bytes, rep.problems ? "PROBLEMS FOUND" : "OK");
    if (rep.problems)
        fprintf(out, "%llu problem(s); do not restore this copy\n",
                (unsigned long long)rep.problems);
    return rep.problems ? 1 : 0;
}
