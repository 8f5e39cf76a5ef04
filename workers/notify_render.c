/* notify_render: placeholders over a JSON context; see notify_render.h. */
#include "notify_render.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 200

static bool path_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* One array index segment: digits, or '-' and digits. */
static bool index_segment(const char *s, size_t n, long *ret)
{
    size_t i = (n > 0 && s[0] == '-') ? 1 : 0;
    if (i == n || n > 9)
        return false;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return false;
    char buf[16];
    memcpy(buf, s, n);
    buf[n] = '\0';
    *ret = strtol(buf, NULL, 10);
    return true;
}

static json_t *lookup_n(const json_t *ctx, const char *path, size_t len)
{
    const json_t *cur = ctx;
    size_t pos = 0;
    while (cur && pos <= len) {
        const char *seg = path + pos;
        const char *dot = memchr(seg, '.', len - pos);
        size_t n = dot ? (size_t)(dot - seg) : len - pos;
        if (n == 0)
            return NULL;
        long idx;
        if (json_is_array(cur) && index_segment(seg, n, &idx)) {
            long size = (long)json_array_size(cur);
            if (idx < 0)
                idx += size;
            cur = (idx >= 0 && idx < size) ? json_array_get(cur, (size_t)idx) : NULL;
        } else if (json_is_object(cur)) {
            cur = json_object_getn(cur, seg, n);
        } else {
            return NULL;
        }
        pos += n + 1;
    }
    return json_is_null(cur) ? NULL : (json_t *)cur;
}

json_t *sb_render_lookup(const json_t *ctx, const char *path)
{
    return lookup_n(ctx, path, strlen(path));
}

static int line_of(const char *tmpl, const char *at)
{
    int line = 1;
    for (const char *p = tmpl; p < at; p++)
        line += *p == '\n';
    return line;
}

/* Parse the placeholder whose "{" is at p: the path [*path, +*path_len),
 * the fallback (NULL when none) [*fb, +*fb_len) and the character after the
 * closing "}" in *next. Returns 0, or -1 with the reason in err. */
static int parse_placeholder(const char *tmpl, const char *p, const char **path, size_t *path_len,
                             const char **fb, size_t *fb_len, const char **next, char *err,
                             size_t err_len)
{
    const char *s = p + 1, *q = s;
    while (path_char(*q))
        q++;
    if (q == s || (*q != '}' && *q != '|')) {
        snprintf(err, err_len,
                 "line %d: \"{\" does not open a placeholder {path} (write {{ for a literal brace)",
                 line_of(tmpl, p));
        return -1;
    }
    bool empty_segment = s[0] == '.' || q[-1] == '.';
    for (const char *c = s; c + 1 < q; c++)
        empty_segment |= c[0] == '.' && c[1] == '.';
    if ((size_t)(q - s) > PATH_MAX_LEN || empty_segment) {
        snprintf(err, err_len, "line %d: malformed path in placeholder \"%.*s\"", line_of(tmpl, p),
                 (int)(q - s > 60 ? 60 : q - s), s);
        return -1;
    }
    *path = s;
    *path_len = (size_t)(q - s);
    *fb = NULL;
    *fb_len = 0;
    if (*q == '|') {
        const char *f = q + 1, *e = f;
        while (*e && *e != '}' && *e != '\n' && *e != '{')
            e++;
        if (*e != '}') {
            snprintf(err, err_len, "line %d: placeholder \"{%.*s|...\" is not closed by \"}\"",
                     line_of(tmpl, p), (int)(q - s), s);
            return -1;
        }
        *fb = f;
        *fb_len = (size_t)(e - f);
        q = e;
    }
    *next = q + 1;
    return 0;
}

static void put_value(FILE *out, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        fwrite(json_string_value(v), 1, json_string_length(v), out);
        break;
    case JSON_INTEGER:
        fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        fprintf(out, "%g", json_real_value(v));
        break;
    case JSON_TRUE:
        fputs("true", out);
        break;
    case JSON_FALSE:
        fputs("false", out);
        break;
    default: {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (s)
            fputs(s, out);
        free(s);
        break;
    }
    }
}

/* Walk the template; with out == NULL only check the syntax. */
static int walk(const char *tmpl, const json_t *ctx, FILE *out, size_t *missing, char *err,
                size_t err_len)
{
    const char *p = tmpl;
    while (*p) {
        const char *brace = strchr(p, '{');
        if (!brace) {
            if (out)
                fputs(p, out);
            break;
        }
        if (out)
            fwrite(p, 1, (size_t)(brace - p), out);
        if (brace[1] == '{') {
            if (out)
                fputc('{', out);
            p = brace + 2;
            continue;
        }
        const char *path, *fb, *next;
        size_t path_len, fb_len;
        if (parse_placeholder(tmpl, brace, &path, &path_len, &fb, &fb_len, &next, err, err_len))
            return -1;
        if (out) {
            const json_t *v = lookup_n(ctx, path, path_len);
            if (v && !(json_is_string(v) && json_string_length(v) == 0)) {
                put_value(out, v);
            } else if (fb) {
                fwrite(fb, 1, fb_len, out);
            } else if (!v) {
                if (*missing == 0)
                    snprintf(err, err_len, "no value for {%.*s}", (int)path_len, path);
                (*missing)++;
            }
        }
        p = next;
    }
    return 0;
}

int sb_render(const char *tmpl, const json_t *ctx, char **ret, size_t *ret_missing, char *err,
              size_t err_len)
{
    char *buf = NULL;
    size_t len = 0, missing = 0;
    if (err_len)
        err[0] = '\0';
    FILE *out = open_memstream(&buf, &len);
    if (!out) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    int rc = walk(tmpl, ctx, out, &missing, err, err_len);
    if (fclose(out) != 0 && rc == 0) {
        snprintf(err, err_len, "out of memory");
        rc = -1;
    }
    if (rc) {
        free(buf);
        return -1;
    }
    *ret = buf;
    if (ret_missing)
        *ret_missing = missing;
    return 0;
}

int sb_render_check(const char *tmpl, char *err, size_t err_len)
{
    return walk(tmpl, NULL, NULL, NULL, err, err_len);
}
