#include "store_documents.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "documents.h"
#include "sb_error.h"
#include "store_core.h"

#define KEY_LEN (sizeof SB_STORE_DOC_PREFIX - 1 + SB_DOC_HEX_LEN)

static void doc_key(const char *sha256, char key[KEY_LEN + 1])
{
    snprintf(key, KEY_LEN + 1, "%s%s", SB_STORE_DOC_PREFIX, sha256);
}

int sb_store_doc_ref_add(sb_txn *t, const char *sha256)
{
    char key[KEY_LEN + 1];
    uint64_t n;
    int rc = sb_store__need_write(t, "doc ref");
    if (rc)
        return rc;
    doc_key(sha256, key);
    rc = sb_store__meta_get(t, key, &n);
    return rc ? rc : sb_store__meta_set(t, key, n + 1);
}

int sb_store_doc_refs(sb_txn *t, const char *sha256, uint64_t *ret)
{
    char key[KEY_LEN + 1];
    doc_key(sha256, key);
    return sb_store__meta_get(t, key, ret);
}

/* ------------------------------------------------------------ verify */

typedef struct {
    char sha[SB_DOC_HEX_LEN + 1];
    uint64_t size;
    char id[72]; /* the first record naming it, for messages */
} named;

typedef struct {
    named *v;
    size_t n, cap;
    void (*problem)(void *arg, const char *text);
    void *arg;
} named_list;

static void report(named_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(named_list *l, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (l->problem)
        l->problem(l->arg, text);
}

static int by_sha(const void *a, const void *b)
{
    return strcmp(((const named *)a)->sha, ((const named *)b)->sha);
}

static void add_named(named_list *l, const char *id, const Skillbase__Document *d)
{
    if (!sb_docs_hex_ok(d->sha256)) {
        report(l, "documents: %s document %u has no valid sha256", id, d->no);
        return;
    }
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        named *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return;
        l->v = v, l->cap = cap;
    }
    named *e = &l->v[l->n++];
    snprintf(e->sha, sizeof e->sha, "%s", d->sha256);
    e->size = d->size;
    snprintf(e->id, sizeof e->id, "%s", id);
}

static bool listed(const named_list *l, const char *sha)
{
    named key;
    snprintf(key.sha, sizeof key.sha, "%.64s", sha);
    return l->n && bsearch(&key, l->v, l->n, sizeof *l->v, by_sha) != NULL;
}

static uint64_t count_files(const char *path)
{
    DIR *d = opendir(path);
    uint64_t n = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

typedef struct {
    const named_list *l;
    uint64_t n;
} unreferenced;

static int count_unreferenced(void *arg, const char *sub, const char *name)
{
    unreferenced *u = arg;
    (void)sub;
    u->n += !listed(u->l, name);
    return 0;
}

static uint64_t unreferenced_files(const char *docdir, const named_list *l)
{
    unreferenced u = {l, 0};
    sb_docs_each_file(docdir, count_unreferenced, &u);
    return u.n;
}

void sb_store_docs_verify(const char *dir, MDB_txn *txn, MDB_dbi records, MDB_dbi meta,
                          void (*problem)(void *arg, const char *text), void *arg,
                          sb_docs_verify_report *ret)
{
    named_list l = {.problem = problem, .arg = arg};
    memset(ret, 0, sizeof *ret);
    MDB_cursor *c;
    MDB_val k, v;
    if (mdb_cursor_open(txn, records, &c) == 0) {
        for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            Skillbase__Record *rec = skillbase__record__unpack(NULL, v.mv_size, v.mv_data);
            if (!rec)
                continue; /* reported by the record check */
            Skillbase__Document **docs = NULL;
            size_t n = 0;
            const char *id = "";
            if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION)
                docs = rec->application->documents, n = rec->application->n_documents,
                id = rec->application->id;
            else if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE)
                docs = rec->sub_base->documents, n = rec->sub_base->n_documents,
                id = rec->sub_base->id;
            for (size_t i = 0; i < n; i++)
                add_named(&l, id, docs[i]);
            ret->documents += n;
            skillbase__record__free_unpacked(rec, NULL);
        }
        mdb_cursor_close(c);
    }
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, by_sha);
    /* each distinct file: its counter, its bytes */
    for (size_t i = 0; i < l.n;) {
        size_t j = i;
        while (j < l.n && strcmp(l.v[j].sha, l.v[i].sha) == 0)
            j++;
        const named *e = &l.v[i];
        char key[KEY_LEN + 1], path[PATH_MAX + 128], hex[SB_DOC_HEX_LEN + 1];
        doc_key(e->sha, key);
        k = (MDB_val){strlen(key), key};
        uint64_t refs = 0;
        if (mdb_get(txn, meta, &k, &v) == 0 && v.mv_size == 8)
            for (int b = 7; b >= 0; b--)
                refs = refs << 8 | ((const uint8_t *)v.mv_data)[b];
        if (refs != j - i)
            report(&l, "documents: meta %s is %llu, the records name the file %zu time(s)", key,
                   (unsigned long long)refs, j - i);
        sb_docs_file_path(dir, e->sha, path, sizeof path);
        uint64_t size = 0;
        int r = sb_docs_hash_file(path, hex, &size);
        if (r)
            report(&l, "documents: file of %s (named by %s) missing or unreadable: %s", e->sha,
                   e->id, strerror(-r));
        else if (size != e->size)
            report(&l, "documents: file %s has %llu bytes, %s says %llu", e->sha,
                   (unsigned long long)size, e->id, (unsigned long long)e->size);
        else if (strcmp(hex, e->sha) != 0)
            report(&l, "documents: file %s does not hash to its name (SHA-256 %s)", e->sha, hex);
        ret->files++;
        ret->bytes += size;
        i = j;
    }
    /* counters no record accounts for */
    if (mdb_cursor_open(txn, meta, &c) == 0) {
        k = (MDB_val){sizeof SB_STORE_DOC_PREFIX - 1, (void *)SB_STORE_DOC_PREFIX};
        for (int rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
            if (k.mv_size != KEY_LEN || memcmp(k.mv_data, SB_STORE_DOC_PREFIX, 4) != 0)
                break;
            char sha[SB_DOC_HEX_LEN + 1];
            memcpy(sha, (char *)k.mv_data + 4, SB_DOC_HEX_LEN);
            sha[SB_DOC_HEX_LEN] = '\0';
            if (!listed(&l, sha))
                report(&l, "documents: meta doc:%s counts a file no record names", sha);
        }
        mdb_cursor_close(c);
    }
    char docdir[PATH_MAX + 16], tmp[PATH_MAX + 24];
    snprintf(docdir, sizeof docdir, "%s/documents", dir);
    snprintf(tmp, sizeof tmp, "%s/tmp", docdir);
    ret->unreferenced = unreferenced_files(docdir, &l);
    ret->temporary = count_files(tmp);
    free(l.v);
}

/* ------------------------------------------------------------ backup */

static int copy_file(const char *from, const char *to)
{
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return -errno;
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (out < 0) {
        int e = errno;
        close(in);
        return -e;
    }
    static __thread char buf[64 * 1024];
    int r = 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r = n < 0 ? -errno : 0;
            break;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                r = w < 0 ? -errno : -EIO;
                break;
            }
            off += w;
        }
        if (r)
            break;
    }
    if (!r && fsync(out))
        r = -errno;
    close(in);
    close(out);
    return r;
}

int sb_store_docs_backup(const char *state_dir, const char *backup_dir, char *err, size_t err_len)
{
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_cursor *c = NULL;
    MDB_dbi meta;
    int r = -1, rc;
    uint64_t copied = 0;
    char docdir[PATH_MAX + 16];
    snprintf(docdir, sizeof docdir, "%s/documents", backup_dir);
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 64)) ||
        (rc = mdb_env_open(env, backup_dir, MDB_RDONLY | MDB_NOLOCK, 0640)) ||
        (rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) ||
        (rc = mdb_dbi_open(txn, "meta", 0, &meta)) || (rc = mdb_cursor_open(txn, meta, &c))) {
        snprintf(err, err_len, "documents: cannot read the copy: %s", mdb_strerror(rc));
        goto out;
    }
    MDB_val k = {sizeof SB_STORE_DOC_PREFIX - 1, (void *)SB_STORE_DOC_PREFIX}, v;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (k.mv_size != KEY_LEN || memcmp(k.mv_data, SB_STORE_DOC_PREFIX, 4) != 0)
            break;
        char sha[SB_DOC_HEX_LEN + 1], from[PATH_MAX + 128], to[PATH_MAX + 128], sub[PATH_MAX + 24];
        memcpy(sha, (char *)k.mv_data + 4, SB_DOC_HEX_LEN);
        sha[SB_DOC_HEX_LEN] = '\0';
        if (!copied && mkdir(docdir, 0750) && errno != EEXIST) {
            snprintf(err, err_len, "documents: cannot create %s: %s", docdir, strerror(errno));
            goto out;
        }
        snprintf(sub, sizeof sub, "%s/%.2s", docdir, sha);
        if (mkdir(sub, 0750) && errno != EEXIST) {
            snprintf(err, err_len, "documents: cannot create %s: %s", sub, strerror(errno));
            goto out;
        }
        sb_docs_file_path(state_dir, sha, from, sizeof from);
        sb_docs_file_path(backup_dir, sha, to, sizeof to);
        int e = copy_file(from, to);
        if (e || (e = sb_docs_fsync_dir(sub))) {
            snprintf(err, err_len, "documents: copying %s failed: %s", sha, strerror(-e));
            goto out;
        }
        copied++;
    }
    if (copied && sb_docs_fsync_dir(docdir) == 0)
        sb_docs_fsync_dir(backup_dir);
    r = 0;
out:
    if (c)
        mdb_cursor_close(c);
    if (txn)
        mdb_txn_abort(txn);
    if (env)
        mdb_env_close(env);
    return r;
}
