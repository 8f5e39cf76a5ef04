/* subsidy_rules: load and check the subsidy rules file (subsidy_rules.h). */
#include "subsidy_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbjson.h"
#include "sb_subsidy.h"

/* Largest yearly cap a file may set: 100 million yuan. */
#define CAP_FEN_MAX 10000000000ull
#define NAME_MAX_BYTES 100
#define LEVEL_MAX_BYTES 64

typedef struct {
    const char *file;
    char *err;
    size_t err_len;
} parse;

static int fail(parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(parse *p, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->err_len, "%s: %s", p->file, msg);
    return -1;
}

/* Refuse keys of `obj` not in the NULL-terminated `known`. */
static int only_keys(parse *p, const json_t *obj, const char *path, const char *const *known)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        bool ok = false;
        for (const char *const *k = known; *k && !ok; k++)
            ok = strcmp(*k, key) == 0;
        if (!ok)
            return fail(p, "%s%s%s: unknown key", path, *path ? "." : "", key);
    }
    return 0;
}

static int get_string(parse *p, const json_t *obj, const char *path, const char *key, size_t max,
                      const char **ret)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return fail(p, "%s.%s: missing", path, key);
    if (!json_is_string(v) || !json_string_value(v)[0])
        return fail(p, "%s.%s: must be a non-empty string", path, key);
    if (strlen(json_string_value(v)) > max)
        return fail(p, "%s.%s: longer than %zu bytes", path, key, max);
    *ret = json_string_value(v);
    return 0;
}

static int get_bool(parse *p, const json_t *obj, const char *path, const char *key, bool *ret)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return fail(p,
                    "%s.%s: missing (true when the amount is an example, false when it is "
                    "the bureau's)",
                    path, key);
    if (!json_is_boolean(v))
        return fail(p, "%s.%s: must be true or false", path, key);
    *ret = json_is_true(v);
    return 0;
}

/* A whole number of fen from 1 to max: no decimals, no strings. */
static int get_fen(parse *p, const json_t *obj, const char *path, const char *key, uint64_t max,
                   uint64_t *ret)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return fail(p, "%s.%s: missing", path, key);
    if (!json_is_integer(v) || json_integer_value(v) < 1 || (uint64_t)json_integer_value(v) > max)
        return fail(p,
                    "%s.%s: must be a whole number of fen from 1 to %llu (money is written in "
                    "fen, 1 yuan = 100 fen, without decimals)",
                    path, key, (unsigned long long)max);
    *ret = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_enum(parse *p, const json_t *obj, const char *path, const char *key,
                    const ProtobufCEnumDescriptor *desc, const char *choices, int *ret)
{
    const char *s = NULL;
    if (get_string(p, obj, path, key, 64, &s))
        return -1;
    if (pbjson_enum_parse(desc, s, ret) != 0 || *ret == 0 || (s[0] >= '0' && s[0] <= '9'))
        return fail(p, "%s.%s: \"%s\" is not one of %s", path, key, s, choices);
    return 0;
}

static int load_rate(parse *p, const json_t *r, const char *path, sb_subsidy_rate *ret)
{
    static const char *const keys[] = {"kind",    "level", "unit", "rate_fen",
                                       "example", "note",  NULL};
    const char *level;
    int kind, unit;
    if (!json_is_object(r))
        return fail(p, "%s: must be an object", path);
    if (only_keys(p, r, path, keys) ||
        get_enum(p, r, path, "kind", &skillbase__service_kind__descriptor,
                 "training, skill_assessment, competition", &kind) ||
        get_string(p, r, path, "level", LEVEL_MAX_BYTES, &level) ||
        get_enum(p, r, path, "unit", &skillbase__rate_unit__descriptor,
                 "per_person_time, per_hour, per_person_hour", &unit) ||
        get_fen(p, r, path, "rate_fen", SB_SUBSIDY_RATE_FEN_MAX, &ret->rate_fen) ||
        get_bool(p, r, path, "example", &ret->example))
        return -1;
    json_t *note = json_object_get(r, "note");
    if (note && !json_is_string(note))
        return fail(p, "%s.note: must be a string", path);
    ret->kind = kind;
    ret->unit = unit;
    if (!(ret->level = strdup(level)))
        return fail(p, "out of memory");
    return 0;
}

static int load_version(parse *p, const json_t *v, const char *path, sb_subsidy_version *ret)
{
    static const char *const keys[] = {
        "version", "effective_from", "yearly_cap_fen", "cap_example", "rates", "note", NULL};
    const char *name, *from;
    char rpath[96];
    if (!json_is_object(v))
        return fail(p, "%s: must be an object", path);
    if (only_keys(p, v, path, keys) || get_string(p, v, path, "version", NAME_MAX_BYTES, &name) ||
        get_string(p, v, path, "effective_from", 10, &from) ||
        get_fen(p, v, path, "yearly_cap_fen", CAP_FEN_MAX, &ret->cap_fen) ||
        get_bool(p, v, path, "cap_example", &ret->cap_example))
        return -1;
    if (sb_date_parse(from, &ret->effective_from) != 0)
        return fail(p, "%s.effective_from: \"%s\" is not a date (YYYY-MM-DD)", path, from);
    json_t *note = json_object_get(v, "note");
    if (note && !json_is_string(note))
        return fail(p, "%s.note: must be a string", path);
    if (!(ret->name = strdup(name)))
        return fail(p, "out of memory");
    json_t *rates = json_object_get(v, "rates");
    if (!json_is_array(rates) || json_array_size(rates) == 0)
        return fail(p, "%s.rates: must be a non-empty array", path);
    size_t n = json_array_size(rates);
    if (!(ret->rates = calloc(n, sizeof *ret->rates)))
        return fail(p, "out of memory");
    for (size_t i = 0; i < n; i++) {
        snprintf(rpath, sizeof rpath, "%s.rates[%zu]", path, i);
        if (load_rate(p, json_array_get(rates, i), rpath, &ret->rates[i]))
            return -1;
        ret->n_rates++;
        for (size_t j = 0; j < i; j++)
            if (ret->rates[j].kind == ret->rates[i].kind &&
                strcmp(ret->rates[j].level, ret->rates[i].level) == 0)
                return fail(p, "%s: a second rate for the same kind and level \"%s\"", rpath,
                            ret->rates[i].level);
    }
    return 0;
}

static int cmp_version(const void *a, const void *b)
{
    const sb_subsidy_version *x = a, *y = b;
    return sb_date_cmp(x->effective_from, y->effective_from);
}

int sb_subsidy_rules_from_json(const json_t *doc, const char *name, sb_subsidy_rules **ret,
                               char *err, size_t err_len)
{
    static const char *const keys[] = {"comment", "versions", NULL};
    parse p = {name, err, err_len};
    char path[32];
    if (!json_is_object(doc))
        return fail(&p, "the rules must be a JSON object");
    if (only_keys(&p, doc, "", keys))
        return -1;
    json_t *versions = json_object_get(doc, "versions");
    if (!json_is_array(versions) || json_array_size(versions) == 0)
        return fail(&p, "versions: must be a non-empty array");
    sb_subsidy_rules *r = calloc(1, sizeof *r);
    size_t n = json_array_size(versions);
    if (!r || !(r->versions = calloc(n, sizeof *r->versions))) {
        free(r);
        return fail(&p, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "versions[%zu]", i);
        int rc = load_version(&p, json_array_get(versions, i), path, &r->versions[i]);
        r->n_versions++;
        if (rc)
            goto bad;
        for (size_t j = 0; j < i; j++) {
            if (strcmp(r->versions[j].name, r->versions[i].name) == 0) {
                fail(&p, "%s.version: \"%s\" is used twice", path, r->versions[i].name);
                goto bad;
            }
            if (sb_date_cmp(r->versions[j].effective_from, r->versions[i].effective_from) == 0) {
                fail(&p, "%s.effective_from: versions[%zu] takes effect on the same day", path, j);
                goto bad;
            }
        }
    }
    qsort(r->versions, r->n_versions, sizeof *r->versions, cmp_version);
    *ret = r;
    return 0;
bad:
    sb_subsidy_rules_free(&r);
    return -1;
}

int sb_subsidy_rules_load(const char *path, sb_subsidy_rules **ret, char *err, size_t err_len)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        if (jerr.line < 1) /* not a syntax error: the file could not be read */
            snprintf(err, err_len, "%s", jerr.text);
        else
            snprintf(err, err_len, "%s: line %d, column %d: %s", path, jerr.line, jerr.column,
                     jerr.text);
        return -1;
    }
    int rc = sb_subsidy_rules_from_json(doc, path, ret, err, err_len);
    json_decref(doc);
    return rc;
}

void sb_subsidy_rules_free(sb_subsidy_rules **rp)
{
    sb_subsidy_rules *r = *rp;
    if (!r)
        return;
    for (size_t i = 0; i < r->n_versions; i++) {
        for (size_t j = 0; j < r->versions[i].n_rates; j++)
            free(r->versions[i].rates[j].level);
        free(r->versions[i].rates);
        free(r->versions[i].name);
    }
    free(r->versions);
    free(r);
    *rp = NULL;
}

const sb_subsidy_version *sb_subsidy_rules_at(const sb_subsidy_rules *r, sb_date d)
{
    const sb_subsidy_version *found = NULL;
    for (size_t i = 0; i < r->n_versions; i++)
        if (sb_date_cmp(r->versions[i].effective_from, d) <= 0)
            found = &r->versions[i];
    return found;
}

const sb_subsidy_rate *sb_subsidy_version_rate(const sb_subsidy_version *v,
                                               Skillbase__ServiceKind kind, const char *level)
{
    const sb_subsidy_rate *any = NULL;
    for (size_t i = 0; i < v->n_rates; i++) {
        const sb_subsidy_rate *r = &v->rates[i];
        if (r->kind != kind)
            continue;
        if (level && level[0] && strcmp(r->level, level) == 0)
            return r;
        if (strcmp(r->level, SB_SUBSIDY_ANY_LEVEL) == 0)
            any = r;
    }
    return any;
}

bool sb_subsidy_rules_have_examples(const sb_subsidy_rules *r)
{
    for (size_t i = 0; i < r->n_versions; i++) {
        if (r->versions[i].cap_example)
            return true;
        for (size_t j = 0; j < r->versions[i].n_rates; j++)
            if (r->versions[i].rates[j].example)
                return true;
    }
    return false;
}
