/* notify_templates: loading and selecting notice templates; see the header. */
#include "notify_templates.h"

#include <limits.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify_render.h"

#define TEMPLATE_MAX_BYTES (64 * 1024)
#define TEMPLATES_MAX 256

struct sb_templates {
    sb_notice_template *items;
    size_t count;
};

static void template_clear(sb_notice_template *t)
{
    free(t->name);
    free(t->topic);
    for (size_t i = 0; i < t->action_count; i++)
        free(t->actions[i]);
    free(t->actions);
    free(t->subject);
    free(t->body);
    memset(t, 0, sizeof *t);
}

void sb_templates_free(sb_templates **t)
{
    if (!t || !*t)
        return;
    for (size_t i = 0; i < (*t)->count; i++)
        template_clear(&(*t)->items[i]);
    free((*t)->items);
    free(*t);
    *t = NULL;
}

/* Read a whole file, drop a UTF-8 byte-order mark and every '\r' before a
 * '\n' (templates edited on Windows), and require valid UTF-8. */
static char *read_text(const char *path, char *err, size_t err_len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, err_len, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = malloc(TEMPLATE_MAX_BYTES + 1);
    size_t n = buf ? fread(buf, 1, TEMPLATE_MAX_BYTES + 1, f) : 0;
    int failed = buf ? ferror(f) : 1;
    fclose(f);
    if (failed || n > TEMPLATE_MAX_BYTES) {
        snprintf(err, err_len, "%s: %s", path, failed ? "cannot read" : "larger than 64 KiB");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        snprintf(err, err_len, "%s: contains a NUL byte (not a text file)", path);
        free(buf);
        return NULL;
    }
    json_t *check = json_stringn(buf, n); /* NULL when not valid UTF-8 */
    if (!check) {
        snprintf(err, err_len, "%s: not valid UTF-8 (save the file as UTF-8)", path);
        free(buf);
        return NULL;
    }
    json_decref(check);
    size_t skip = (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) ? 3 : 0, w = 0;
    for (size_t r = skip; r < n; r++)
        if (!(buf[r] == '\r' && buf[r + 1] == '\n'))
            buf[w++] = buf[r];
    buf[w] = '\0';
    return buf;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

static int add_action(sb_notice_template *t, const char *a)
{
    char **grown = realloc(t->actions, (t->action_count + 1) * sizeof *grown);
    if (!grown)
        return -1;
    t->actions = grown;
    if (!(t->actions[t->action_count] = strdup(a)))
        return -1;
    t->action_count++;
    return 0;
}

/* One "key: value" header line into t. Returns 0, or -1 with err set. */
static int header_line(sb_notice_template *t, const char *file, int line, char *text, char *err,
                       size_t err_len)
{
    char *colon = strchr(text, ':');
    if (!colon) {
        snprintf(err, err_len, "%s:%d: expected \"key: value\" (or an empty line before the body)",
                 file, line);
        return -1;
    }
    *colon = '\0';
    char *key = trim(text), *value = trim(colon + 1);
    char **slot = NULL;
    if (strcmp(key, "topic") == 0)
        slot = &t->topic;
    else if (strcmp(key, "subject") == 0)
        slot = &t->subject;
    if (slot) {
        if (*slot || !*value) {
            snprintf(err, err_len, "%s:%d: %s: %s", file, line, key,
                     *slot ? "given twice" : "empty");
            return -1;
        }
        if (!(*slot = strdup(value)))
            goto oom;
        return 0;
    }
    if (strcmp(key, "action") == 0 || strcmp(key, "to") == 0) {
        bool is_to = key[0] == 't';
        if (is_to)
            t->to_applicant = t->to_operators = false;
        for (char *save = NULL, *w = strtok_r(value, ", ", &save); w;
             w = strtok_r(NULL, ", ", &save)) {
            if (!is_to) {
                if (add_action(t, w))
                    goto oom;
            } else if (strcmp(w, "applicant") == 0) {
                t->to_applicant = true;
            } else if (strcmp(w, "operators") == 0) {
                t->to_operators = true;
            } else {
                snprintf(err, err_len, "%s:%d: to: \"%s\" is neither applicant nor operators", file,
                         line, w);
                return -1;
            }
        }
        if (is_to && !t->to_applicant && !t->to_operators) {
            snprintf(err, err_len, "%s:%d: to: empty (applicant, operators or both)", file, line);
            return -1;
        }
        return 0;
    }
    snprintf(err, err_len, "%s:%d: unknown header \"%s\" (expected topic, action, subject, to)",
             file, line, key);
    return -1;
oom:
    snprintf(err, err_len, "%s: out of memory", file);
    return -1;
}

/* Parse one template file's text into t (which starts zeroed). */
static int parse_template(sb_notice_template *t, const char *file, char *text, char *err,
                          size_t err_len)
{
    char why[256];
    int line = 0;
    char *p = text;
    t->to_applicant = t->to_operators = true;
    for (;;) {
        line++;
        char *nl = strchr(p, '\n');
        if (!nl) {
            snprintf(err, err_len, "%s: no empty line between the headers and the body", file);
            return -1;
        }
        *nl = '\0';
        char *l = trim(p);
        p = nl + 1;
        if (!*l)
            break;
        if (*l == '#')
            continue;
        if (header_line(t, file, line, l, err, err_len))
            return -1;
    }
    if (!t->topic || !t->subject) {
        snprintf(err, err_len, "%s: missing header \"%s:\"", file, t->topic ? "subject" : "topic");
        return -1;
    }
    while (*p == '\n')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == '\n' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (n == 0) {
        snprintf(err, err_len, "%s: the body is empty", file);
        return -1;
    }
    if (!(t->body = malloc(n + 2))) {
        snprintf(err, err_len, "%s: out of memory", file);
        return -1;
    }
    memcpy(t->body, p, n);
    memcpy(t->body + n, "\n", 2);
    if (sb_render_check(t->subject, why, sizeof why)) {
        snprintf(err, err_len, "%s: subject: %s", file, why);
        return -1;
    }
    if (sb_render_check(t->body, why, sizeof why)) {
        snprintf(err, err_len, "%s: body %s", file, why);
        return -1;
    }
    return 0;
}

static bool has_action(const sb_notice_template *t, const char *action)
{
    for (size_t i = 0; i < t->action_count; i++)
        if (strcmp(t->actions[i], action) == 0)
            return true;
    return false;
}

/* Two templates that the same event could select equally. */
static const char *clash(const sb_notice_template *a, const sb_notice_template *b)
{
    if (strcmp(a->topic, b->topic) != 0)
        return NULL;
    if (!a->action_count && !b->action_count)
        return "(any action)";
    for (size_t i = 0; i < a->action_count; i++)
        if (has_action(b, a->actions[i]))
            return a->actions[i];
    return NULL;
}

static int by_name(const void *x, const void *y)
{
    return strcmp(((const sb_notice_template *)x)->name, ((const sb_notice_template *)y)->name);
}

int sb_templates_load(const char *dir, sb_templates **ret, char *err, size_t err_len)
{
    sb_templates *set = calloc(1, sizeof *set);
    DIR *d = opendir(dir);
    int rc = -1;
    if (!set) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    if (!d) {
        snprintf(err, err_len, "templates directory %s: %s", dir, strerror(errno));
        goto out;
    }
    set->items = calloc(TEMPLATES_MAX, sizeof *set->items);
    if (!set->items) {
        snprintf(err, err_len, "out of memory");
        goto out;
    }
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || strcmp(e->d_name + len - 4, ".txt") != 0 || e->d_name[0] == '.')
            continue;
        if (set->count == TEMPLATES_MAX) {
            snprintf(err, err_len, "%s: more than %d templates", dir, TEMPLATES_MAX);
            goto out;
        }
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        sb_notice_template *t = &set->items[set->count++];
        if (!(t->name = strndup(e->d_name, len - 4))) {
            snprintf(err, err_len, "out of memory");
            goto out;
        }
        char *text = read_text(path, err, err_len);
        if (!text)
            goto out;
        int prc = parse_template(t, path, text, err, err_len);
        free(text);
        if (prc)
            goto out;
    }
    if (!set->count) {
        snprintf(err, err_len, "templates directory %s has no *.txt templates", dir);
        goto out;
    }
    qsort(set->items, set->count, sizeof *set->items, by_name);
    for (size_t i = 0; i < set->count; i++)
        for (size_t j = i + 1; j < set->count; j++) {
            const char *a = clash(&set->items[i], &set->items[j]);
            if (a) {
                snprintf(err, err_len, "%s/%s.txt and %s.txt both claim topic %s, action %s", dir,
                         set->items[i].name, set->items[j].name, set->items[i].topic, a);
                goto out;
            }
        }
    *ret = set;
    set = NULL;
    rc = 0;
out:
    if (d)
        closedir(d);
    sb_templates_free(&set);
    return rc;
}

const sb_notice_template *sb_templates_select(const sb_templates *t, const char *topic,
                                              const char *action)
{
    const sb_notice_template *any = NULL;
    if (!t || !topic)
        return NULL;
    for (size_t i = 0; i < t->count; i++) {
        const sb_notice_template *c = &t->items[i];
        if (strcmp(c->topic, topic) != 0)
            continue;
        if (action && *action && has_action(c, action))
            return c;
        if (!c->action_count)
            any = c;
    }
    return any;
}

size_t sb_templates_count(const sb_templates *t)
{
    return t ? t->count : 0;
}

const sb_notice_template *sb_templates_get(const sb_templates *t, size_t i)
{
    return t && i < t->count ? &t->items[i] : NULL;
}
