#include "reload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_table.h"
#include "rules.h"
#include "sb_log.h"

#define MAX_MODULES 16

typedef struct {
    const char *name;
    sb_reload_check_fn check;
    sb_reload_apply_fn apply;
    void *arg;
} module;

struct sb_reload {
    sb_config *live;
    sb_reload_build_fn build;
    void *build_arg;
    module modules[MAX_MODULES];
    int n_modules;
    unsigned long done, refused;
};

sb_reload *sb_reload_new(sb_config *live, sb_reload_build_fn build, void *build_arg)
{
    sb_reload *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->live = live;
    r->build = build;
    r->build_arg = build_arg;
    return r;
}

void sb_reload_free(sb_reload **rp)
{
    if (!rp || !*rp)
        return;
    free(*rp);
    *rp = NULL;
}

int sb_reload_register(sb_reload *r, const char *name, sb_reload_check_fn check,
                       sb_reload_apply_fn apply, void *arg)
{
    if (r->n_modules == MAX_MODULES)
        return -1;
    r->modules[r->n_modules++] = (module){name, check, apply, arg};
    return 0;
}

/* The daemon's own keys that are read once, at start (the table's
 * START_ONLY rows): keep their value and say a restart is needed. */
static void keep_start_only(const sb_config *live, sb_config *next)
{
    for (size_t i = 0; i < sb_config_n_keys; i++) {
        const sb_config_key *k = &sb_config_keys[i];
        if (!(k->flags & SB_CONFIG_START_ONLY) || !k->size)
            continue;
        const char *was = (const char *)live + k->offset;
        char *now = (char *)next + k->offset;
        if (memcmp(was, now, k->size) != 0) {
            sb_log(SB_LOG_WARN, "reload: [%s] %s changed; it takes effect at the next restart",
                   k->section, k->key);
            memcpy(now, was, k->size);
        }
    }
}

/* One line naming what changed among the keys that apply at once. */
static void describe_changes(const sb_config *old, const sb_config *next, char *buf, size_t len)
{
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    size_t off = 0;
    buf[0] = '\0';
#define ADD(...)                                                                                   \
    do {                                                                                           \
        if (off < len) {                                                                           \
            int n_ = snprintf(buf + off, len - off, __VA_ARGS__);                                  \
            off += n_ > 0 ? (size_t)n_ : 0;                                                        \
        }                                                                                          \
    } while (0)
    if (old->log_level != next->log_level)
        ADD("%slog_level %s", off ? ", " : "", levels[next->log_level]);
    for (int i = 0; i < SB_RUBRIC_ITEMS; i++)
        if (old->rubric.max[i] != next->rubric.max[i])
            ADD("%s%s %u", off ? ", " : "", sb_rubric_item_name(i), next->rubric.max[i]);
    if (old->publicity_working_days != next->publicity_working_days)
        ADD("%spublicity working_days %u", off ? ", " : "", next->publicity_working_days);
#undef ADD
}

int sb_reload_run(sb_reload *r)
{
    char err[1024] = "";
    sb_config *next = malloc(sizeof *next);
    if (!next) {
        sb_log(SB_LOG_ERROR, "reload refused: out of memory; the configuration is unchanged");
        r->refused++;
        return -1;
    }
    if (r->build(r->build_arg, next, err, sizeof err)) {
        sb_log(SB_LOG_ERROR, "reload refused: %s; the configuration in force is unchanged", err);
        goto refuse;
    }
    keep_start_only(r->live, next);
    for (int i = 0; i < r->n_modules; i++) {
        module *m = &r->modules[i];
        if (m->check && m->check(m->arg, r->live, next, err, sizeof err)) {
            sb_log(SB_LOG_ERROR,
                   "reload refused by %s: %s; the configuration in force is unchanged", m->name,
                   err);
            goto refuse;
        }
    }
    char changes[512];
    describe_changes(r->live, next, changes, sizeof changes);
    *r->live = *next;
    free(next);
    sb_log_set_level(r->live->log_level);
    for (int i = 0; i < r->n_modules; i++)
        if (r->modules[i].apply)
            r->modules[i].apply(r->modules[i].arg, r->live);
    r->done++;
    sb_log(SB_LOG_INFO, "configuration reloaded; changed: %s", changes[0] ? changes : "none");
    return 0;
refuse:
    free(next);
    r->refused++;
    return -1;
}

void sb_reload_counts(const sb_reload *r, unsigned long *ret_done, unsigned long *ret_refused)
{
    *ret_done = r->done;
    *ret_refused = r->refused;
}
