/* renameat2 and RENAME_NOREPLACE */
#define _GNU_SOURCE
#include "sb_keys.h"

#include <limits.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

struct sb_keys {
    sb_key_entry *entries;
    size_t n, cap;
};

static const char *const role_names[_SB_KEY_ROLE_MAX] = {
    [SB_KEY_ROLE_OPERATOR] = "operator", [SB_KEY_ROLE_REVIEWER] = "reviewer",
    [SB_KEY_ROLE_SERVICE] = "service",   [SB_KEY_ROLE_WORKER] = "worker",
    [SB_KEY_ROLE_READER] = "reader",
};

const char *sb_key_role_name(sb_key_role role)
{
    if (role < 0 || role >= _SB_KEY_ROLE_MAX)
        return "invalid";
    return role_names[role];
}

sb_key_role sb_key_role_parse(const char *name)
{
    for (int i = 0; name && i < _SB_KEY_ROLE_MAX; i++)
        if (strcmp(name, role_names[i]) == 0)
            return (sb_key_role)i;
    return SB_KEY_ROLE_INVALID;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

bool sb_key_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > SB_KEY_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char(name[i]))
            return false;
    return true;
}

static bool type_valid(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n > SB_KEY_TYPE_MAX)
        return false;
    if (strcmp(t, "*") == 0)
        return true;
    for (size_t i = 0; i < n; i++)
        if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '.' ||
              t[i] == '_' || t[i] == '-'))
            return false;
    return true;
}

bool sb_key_z85_decode(const char *z85, uint8_t *out32)
{
    uint8_t buf[SB_KEY_BYTES];
    if (!z85 || strlen(z85) != SB_KEY_Z85_LEN)
        return false;
    if (!zmq_z85_decode(buf, z85))
        return false;
    if (out32)
        memcpy(out32, buf, SB_KEY_BYTES);
    return true;
}

/* ------------------------------------------------------------ the registry */

sb_keys *sb_keys_new_empty(void)
{
    return calloc(1, sizeof(sb_keys));
}

void sb_keys_free(sb_keys **kp)
{
    sb_keys *k = kp ? *kp : NULL;
    if (!k)
        return;
    for (size_t i = 0; i < k->n; i++)
        for (size_t j = 0; j < k->entries[i].n_types; j++)
            free(k->entries[i].types[j]);
    free(k->entries);
    free(k);
    *kp = NULL;
}

size_t sb_keys_count(const sb_keys *k)
{
    return k ? k->n : 0;
}

const sb_key_entry *sb_keys_at(const sb_keys *k, size_t i)
{
    return k && i < k->n ? &k->entries[i] : NULL;
}

const sb_key_entry *sb_keys_find_key(const sb_keys *k, const uint8_t key[SB_KEY_BYTES])
{
    for (size_t i = 0; k && i < k->n; i++)
        if (memcmp(k->entries[i].public_key, key, SB_KEY_BYTES) == 0)
            return &k->entries[i];
    return NULL;
}

const sb_key_entry *sb_keys_find_name(const sb_keys *k, const char *name)
{
    /* names are ASCII and unique ignoring case: "Alice" is alice, so four
     * eyes cannot be two spellings of one person */
    for (size_t i = 0; k && name && i < k->n; i++)
        if (strcasecmp(k->entries[i].name, name) == 0)
            return &k->entries[i];
    return NULL;
}

bool sb_key_allows_type(const sb_key_entry *e, const char *type)
{
    for (size_t i = 0; e && type && i < e->n_types; i++)
        if (strcmp(e->types[i], "*") == 0 || strcmp(e->types[i], type) == 0)
            return true;
    return false;
}

/* ------------------------------------------------------------ loading */

typedef struct {
    const char *path;
    sb_keys *keys;
    sb_key_entry *cur; /* the section being read */
    int line;          /* of the reader */
    char *err;
    size_t err_len, err_used;
    int problems;
} load_state;

__attribute__((format(printf, 3, 4))) static void problem(load_state *st, int line, const char *fmt,
                                                          ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    st->problems++;
    if (st->err_used < st->err_len) {
        int n = snprintf(st->err + st->err_used, st->err_len - st->err_used, "%s%s:%d: %s",
                         st->err_used ? "; " : "", st->path, line, msg);
        if (n > 0)
            st->err_used += (size_t)n;
        if (st->err_used >= st->err_len)
            st->err_used = st->err_len;
    }
}

/* ini_parse_stream's reader: fgets that counts lines, so entries can be
 * reported with theirs. */
static char *counting_reader(char *buf, int size, void *stream)
{
    load_state *st = ((void **)stream)[1];
    char *r = fgets(buf, size, ((void **)stream)[0]);
    if (r)
        st->line++;
    return r;
}

/* A district name as a keys file may hold it: 1-SB_KEY_DISTRICT_MAX bytes,
 * no control characters, no spaces (the daemon checks it is a district). */
static bool district_text_ok(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > SB_KEY_DISTRICT_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    return true;
}

static int add_types(load_state *st, sb_key_entry *e, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return -1;
    for (char *save = NULL, *t = strtok_r(copy, " ,\t", &save); t;
         t = strtok_r(NULL, " ,\t", &save)) {
        if (!type_valid(t)) {
            problem(st, st->line, "[%s] types: \"%s\" is not a type (a-z 0-9 . _ -, or *)", e->name,
                    t);
            continue;
        }
        if (e->n_types == SB_KEY_TYPES_MAX) {
            problem(st, st->line, "[%s] types: more than %d", e->name, SB_KEY_TYPES_MAX);
            break;
        }
        if (!(e->types[e->n_types] = strdup(t))) {
            free(copy);
            return -1;
        }
        e->n_types++;
    }
    free(copy);
    return 0;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    load_state *st = user;
    sb_keys *k = st->keys;
    if (!st->cur || strcmp(st->cur->name, section) != 0) {
        if (sb_keys_find_name(k, section)) {
            problem(st, st->line, "key name [%s] appears twice (names are unique ignoring case)",
                    section);
            st->cur = NULL;
            return 1;
        }
        if (!sb_key_name_valid(section)) {
            problem(st, st->line, "[%s]: a key name is 1-%d characters from A-Z a-z 0-9 . _ -",
                    section, SB_KEY_NAME_MAX);
            st->cur = NULL;
            return 1;
        }
        if (k->n == k->cap) {
            size_t cap = k->cap ? k->cap * 2 : 16;
            sb_key_entry *e = realloc(k->entries, cap * sizeof *e);
            if (!e)
                return 0;
            k->entries = e;
            k->cap = cap;
        }
        st->cur = &k->entries[k->n++];
        memset(st->cur, 0, sizeof *st->cur);
        snprintf(st->cur->name, sizeof st->cur->name, "%s", section);
        st->cur->role = SB_KEY_ROLE_INVALID;
        st->cur->line = st->line;
    }
    sb_key_entry *e = st->cur;
    if (strcmp(name, "role") == 0) {
        e->role = sb_key_role_parse(value);
        if (e->role == SB_KEY_ROLE_INVALID)
            problem(st, st->line,
                    "[%s] role: \"%s\" is not one of operator, reviewer, service, worker, reader",
                    e->name, value);
    } else if (strcmp(name, "public_key") == 0) {
        if (!sb_key_z85_decode(value, e->public_key)) {
            problem(st, st->line, "[%s] public_key: not a CURVE public key (40 Z85 characters)",
                    e->name);
        } else {
            memcpy(e->public_z85, value, SB_KEY_Z85_LEN + 1);
        }
    } else if (strcmp(name, "types") == 0) {
        if (add_types(st, e, value))
            return 0;
    } else if (strcmp(name, "district") == 0) {
        if (!district_text_ok(value))
            problem(st, st->line,
                    "[%s] district: \"%s\" is not a district name (1-%d bytes of text)", e->name,
                    value, SB_KEY_DISTRICT_MAX);
        else
            snprintf(e->district, sizeof e->district, "%s", value);
    } else {
        problem(st, st->line,
                "[%s] %s: unknown setting (expected role, public_key, types, district)", e->name,
                name);
    }
    return 1;
}

/* Checks that need the whole section. */
static void check_entries(load_state *st)
{
    sb_keys *k = st->keys;
    for (size_t i = 0; i < k->n; i++) {
        sb_key_entry *e = &k->entries[i];
        if (e->role == SB_KEY_ROLE_INVALID)
            problem(st, e->line, "[%s]: no role", e->name);
        if (!e->public_z85[0]) {
            problem(st, e->line, "[%s]: no public_key", e->name);
            continue;
        }
        if (e->district[0] && (e->role == SB_KEY_ROLE_SERVICE || e->role == SB_KEY_ROLE_WORKER))
            problem(st, e->line,
                    "[%s] district: only an operator, reviewer or reader key is scoped to a "
                    "district",
                    e->name);
        if (e->n_types && e->role != SB_KEY_ROLE_SERVICE && e->role != SB_KEY_ROLE_WORKER &&
            e->role != SB_KEY_ROLE_INVALID)
            problem(st, e->line, "[%s] types: only a service or a worker has types", e->name);
        for (size_t j = 0; j < i; j++)
            if (k->entries[j].public_z85[0] &&
                memcmp(k->entries[j].public_key, e->public_key, SB_KEY_BYTES) == 0)
                problem(st, e->line, "[%s]: the same public key as [%s]", e->name,
                        k->entries[j].name);
    }
}

int sb_keys_load(const char *path, sb_keys **ret, char *err, size_t err_len)
{
    load_state st = {.path = path, .err = err, .err_len = err_len};
    err[0] = '\0';
    FILE *fp = fopen(path, "r");
    if (!fp) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    st.keys = sb_keys_new_empty();
    if (!st.keys) {
        fclose(fp);
        snprintf(err, err_len, "%s: out of memory", path);
        return -1;
    }
    void *stream[2] = {fp, &st};
    int r = ini_parse_stream(counting_reader, stream, on_entry, &st);
    fclose(fp);
    if (r == -2) {
        snprintf(err, err_len, "%s: out of memory", path);
        sb_keys_free(&st.keys);
        return -1;
    }
    if (r > 0 && !st.problems)
        problem(&st, r, "syntax error (expected [name] or setting = value)");
    check_entries(&st);
    if (st.problems) {
        sb_keys_free(&st.keys);
        return -1;
    }
    *ret = st.keys;
    return 0;
}

/* ------------------------------------------------------------ key pairs */

int sb_keypair_generate(sb_keypair *ret, char *err, size_t err_len)
{
    if (zmq_curve_keypair(ret->public_z85, ret->secret_z85)) {
        snprintf(err, err_len, "cannot make a CURVE key pair: %s (libzmq without libsodium?)",
                 zmq_strerror(errno));
        return -1;
    }
    return 0;
}

/* fsync the directory holding path, so that a new name survives a power cut. */
static int sync_parent(const char *path, char *err, size_t err_len)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && fsync(fd) == 0;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (!ok) {
        snprintf(err, err_len, "%s: cannot sync its directory: %s", path, strerror(e));
        return -1;
    }
    return 0;
}

int sb_keypair_write(const char *path, const sb_keypair *kp, const char *comment, char *err,
                     size_t err_len)
{
    bool secret = kp->secret_z85[0] != '\0';
    /* Written whole under a temporary name, synced, then renamed to its
     * name, refused if that exists (never overwritten): a power cut
     * leaves the key complete or absent, never an empty file the daemon
     * would refuse to start on (docs/powerloss.md). */
    char tmp[PATH_MAX];
    struct stat st;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.new", path) >= sizeof tmp) {
        snprintf(err, err_len, "%s: path too long", path);
        return -1;
    }
    if (lstat(path, &st) == 0) {
        snprintf(err, err_len, "%s: cannot create: it exists (never overwritten; remove it first)",
                 path);
        return -1;
    }
    unlink(tmp); /* left by a crash between its creation and the link */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, secret ? 0600 : 0644);
    if (fd < 0) {
        snprintf(err, err_len, "%s: cannot create: %s", tmp, strerror(errno));
        return -1;
    }
    char buf[2048];
    size_t n = 0;
    for (const char *c = comment; c && *c && n < sizeof buf - 256;) {
        const char *nl = strchr(c, '\n');
        size_t l = nl ? (size_t)(nl - c) : strlen(c);
        if (l > sizeof buf - 256 - n - 3)
            l = sizeof buf - 256 - n - 3;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "# %.*s\n", (int)l, c);
        c = nl ? nl + 1 : c + l;
    }
    n += (size_t)snprintf(buf + n, sizeof buf - n, "[curve]\npublic_key = %s\n", kp->public_z85);
    if (secret)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "secret_key = %s\n", kp->secret_z85);
    int ok = write(fd, buf, n) == (ssize_t)n && fsync(fd) == 0;
    int e = errno;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        snprintf(err, err_len, "%s: cannot write: %s", tmp, strerror(e));
        unlink(tmp);
        return -1;
    }
    /* rename without replacing; link where the file system lacks it */
    int rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE);
    if (rc && (errno == EINVAL || errno == ENOSYS) && (rc = link(tmp, path)) == 0)
        unlink(tmp);
    if (rc) {
        e = errno;
        unlink(tmp);
        snprintf(err, err_len, "%s: cannot create: %s", path,
                 e == EEXIST ? "it exists (never overwritten; remove it first)" : strerror(e));
        return -1;
    }
    return sync_parent(path, err, err_len);
}

typedef struct {
    sb_keypair kp;
    int bad;
} pair_state;

static int on_pair(void *user, const char *section, const char *name, const char *value)
{
    pair_state *st = user;
    if (strcmp(section, "curve") != 0)
        return 1; /* other sections are someone else's */
    char *dst = strcmp(name, "public_key") == 0   ? st->kp.public_z85
                : strcmp(name, "secret_key") == 0 ? st->kp.secret_z85
                                                  : NULL;
    if (!dst)
        return 1;
    if (strlen(value) != SB_KEY_Z85_LEN || !sb_key_z85_decode(value, NULL)) {
        st->bad = 1;
        return 1;
    }
    memcpy(dst, value, SB_KEY_Z85_LEN + 1);
    return 1;
}

int sb_keypair_read(const char *path, bool need_secret, sb_keypair *ret, char *err, size_t err_len)
{
    pair_state st = {0};
    struct stat sb;
    if (stat(path, &sb)) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    int r = ini_parse(path, on_pair, &st);
    if (r == -1) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    if (r != 0 || st.bad || !st.kp.public_z85[0]) {
        snprintf(err, err_len,
                 "%s: not a key file (expected [curve] with public_key%s, 40 Z85 "
                 "characters each)",
                 path, need_secret ? " and secret_key" : "");
        return -1;
    }
    if (need_secret && !st.kp.secret_z85[0]) {
        snprintf(err, err_len, "%s: holds no secret_key", path);
        return -1;
    }
    if (st.kp.secret_z85[0]) {
        char derived[SB_KEY_Z85_LEN + 1];
        if (zmq_curve_public(derived, st.kp.secret_z85) || strcmp(derived, st.kp.public_z85)) {
            snprintf(err, err_len, "%s: secret_key does not belong to public_key", path);
            return -1;
        }
        if (sb.st_mode & 077) {
            snprintf(err, err_len,
                     "%s: holds a secret key but group or others may read it "
                     "(chmod 600 it)",
                     path);
            return -1;
        }
    }
    *ret = st.kp;
    return 0;
}

int sb_key_public_from_arg(const char *arg, char out_z85[SB_KEY_Z85_LEN + 1], char *err,
                           size_t err_len)
{
    if (strlen(arg) == SB_KEY_Z85_LEN && sb_key_z85_decode(arg, NULL) && access(arg, F_OK) != 0) {
        memcpy(out_z85, arg, SB_KEY_Z85_LEN + 1);
        return 0;
    }
    sb_keypair kp;
    if (access(arg, F_OK) != 0) {
        snprintf(err, err_len, "\"%s\" is neither a public key (40 Z85 characters) nor a file",
                 arg);
        return -1;
    }
    if (sb_keypair_read(arg, false, &kp, err, err_len))
        return -1;
    memcpy(out_z85, kp.public_z85, SB_KEY_Z85_LEN + 1);
    return 0;
}
