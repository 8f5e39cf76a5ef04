/* Editing the keys file (sb_keys_edit.h): line by line, so that comments
 * stay; every result is loaded back before it replaces the file. */
#include "sb_keys_edit.h"

#include <limits.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A keys file larger than this is refused by the editor (thousands of keys). */
#define FILE_MAX (4u * 1024 * 1024)

static int read_all(const char *path, char **ret, size_t *ret_len, bool missing_ok, char *err,
                    size_t err_len)
{
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (errno == ENOENT && missing_ok) {
            *ret = calloc(1, 1);
            *ret_len = 0;
            return *ret ? 0 : -1;
        }
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, FILE_MAX + 1, fp) : 0;
    int bad = !buf || ferror(fp) || n > FILE_MAX;
    fclose(fp);
    if (bad) {
        free(buf);
        snprintf(err, err_len, "%s: cannot read (or larger than %u bytes)", path, FILE_MAX);
        return -1;
    }
    buf[n] = '\0';
    *ret = buf;
    *ret_len = n;
    return 0;
}

/* Write `text` to a temporary file beside `path`, check that it loads as a
 * keys file, and rename it over `path`. */
static int replace_keys_file(const char *path, const char *text, size_t len, char *err,
                             size_t err_len)
{
    char tmp[PATH_MAX];
    struct stat st;
    mode_t mode = stat(path, &st) == 0 ? (st.st_mode & 0777) : 0640;
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
        snprintf(err, err_len, "%s: path too long", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, err_len, "%s: cannot create a temporary file: %s", path, strerror(errno));
        return -1;
    }
    int ok = fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    int e = errno;
    ok = close(fd) == 0 && ok;
    if (!ok) {
        snprintf(err, err_len, "%s: cannot write: %s", tmp, strerror(e));
        unlink(tmp);
        return -1;
    }
    sb_keys *check = NULL;
    char why[1024];
    if (sb_keys_load(tmp, &check, why, sizeof why)) {
        snprintf(err, err_len, "the result would not load, nothing changed: %s", why);
        unlink(tmp);
        return -1;
    }
    sb_keys_free(&check);
    if (rename(tmp, path)) {
        snprintf(err, err_len, "%s: cannot replace: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int sb_keys_file_add(const char *path, const char *name, sb_key_role role, const char *public_z85,
                     const char *types, char *err, size_t err_len)
{
    return sb_keys_file_add_scoped(path, name, role, public_z85, types, NULL, err, err_len);
}

int sb_keys_file_add_scoped(const char *path, const char *name, sb_key_role role,
                            const char *public_z85, const char *types, const char *district,
                            char *err, size_t err_len)
{
    char *text = NULL;
    size_t len;
    sb_keys *keys = NULL;
    uint8_t key[SB_KEY_BYTES];
    int r = -1;
    if (!sb_key_name_valid(name)) {
        snprintf(err, err_len, "\"%s\" is not a key name (1-%d characters from A-Z a-z 0-9 . _ -)",
                 name, SB_KEY_NAME_MAX);
        return -1;
    }
    if (role < 0 || role >= _SB_KEY_ROLE_MAX || !sb_key_z85_decode(public_z85, key)) {
        snprintf(err, err_len, "a key needs a role and a CURVE public key (40 Z85 characters)");
        return -1;
    }
    if (read_all(path, &text, &len, true, err, err_len))
        return -1;
    if (len) {
        if (sb_keys_load(path, &keys, err, err_len))
            goto out;
        if (sb_keys_find_name(keys, name)) {
            snprintf(err, err_len, "%s: there is already a key named %s (remove it first)", path,
                     name);
            goto out;
        }
        const sb_key_entry *same = sb_keys_find_key(keys, key);
        if (same) {
            snprintf(err, err_len, "%s: this public key is already there as %s", path, same->name);
            goto out;
        }
    }
    size_t cap = len + 512 + SB_KEY_NAME_MAX + (types ? strlen(types) : 0) +
                 (district ? strlen(district) : 0);
    char *out = malloc(cap);
    if (!out) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    int n = snprintf(out, cap, "%s%s%s[%s]\nrole = %s\npublic_key = %s\n", text,
                     len && text[len - 1] != '\n' ? "\n" : "", len ? "\n" : "", name,
                     sb_key_role_name(role), public_z85);
    if (types && *types)
        n += snprintf(out + n, cap - (size_t)n, "types = %s\n", types);
    if (district && *district)
        n += snprintf(out + n, cap - (size_t)n, "district = %s\n", district);
    r = replace_keys_file(path, out, (size_t)n, err, err_len);
    free(out);
out:
    sb_keys_free(&keys);
    free(text);
    return r;
}

/* The line starting at text[i], trimmed, is "[name]". */
static bool is_header(const char *line, size_t len, const char *name)
{
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r' ||
                   line[len - 1] == '\n'))
        len--;
    if (len < 2 || line[0] != '[' || line[len - 1] != ']')
        return false;
    if (!name)
        return true;
    return len - 2 == strlen(name) && memcmp(line + 1, name, len - 2) == 0;
}

static bool is_comment(const char *line, size_t len)
{
    while (len && (*line == ' ' || *line == '\t'))
        line++, len--;
    return len && (*line == '#' || *line == ';');
}

int sb_keys_file_remove(const char *path, const char *name, char *err, size_t err_len)
{
    char *text;
    size_t len;
    if (read_all(path, &text, &len, false, err, err_len))
        return -1;
    /* Line starts, so the section and the comments above it can be cut. */
    size_t n_lines = 0, cap = 64, *starts = malloc(cap * sizeof *starts);
    for (size_t i = 0; starts && i < len;) {
        if (n_lines == cap) {
            size_t *s = realloc(starts, (cap *= 2) * sizeof *s);
            if (!s) {
                free(starts);
                starts = NULL;
                break;
            }
            starts = s;
        }
        starts[n_lines++] = i;
        const char *nl = memchr(text + i, '\n', len - i);
        i = nl ? (size_t)(nl - text) + 1 : len;
    }
    if (!starts) {
        free(text);
        snprintf(err, err_len, "out of memory");
        return -1;
    }
#define LINE_LEN(k) ((k) + 1 < n_lines ? starts[(k) + 1] - starts[k] : len - starts[k])
    size_t first = n_lines, end = n_lines;
    for (size_t k = 0; k < n_lines; k++) {
        if (first == n_lines && is_header(text + starts[k], LINE_LEN(k), name)) {
            first = k;
        } else if (first != n_lines && is_header(text + starts[k], LINE_LEN(k), NULL)) {
            end = k;
            break;
        }
    }
    int r = -1;
    if (first == n_lines) {
        snprintf(err, err_len, "%s: no key named %s", path, name);
        goto out;
    }
    /* The comment block right above the section belongs to it; the blank
     * lines at the end of the section stay for the next one. */
    while (first > 0 && is_comment(text + starts[first - 1], LINE_LEN(first - 1)))
        first--;
    size_t cut_from = starts[first], cut_to = end < n_lines ? starts[end] : len;
    size_t out_len = len - (cut_to - cut_from);
    memmove(text + cut_from, text + cut_to, len - cut_to);
    r = replace_keys_file(path, text, out_len, err, err_len);
#undef LINE_LEN
out:
    free(starts);
    free(text);
    return r;
}
