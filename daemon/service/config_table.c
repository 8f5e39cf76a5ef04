/* What walks the configuration table (config_table.h): the parser of one
 * key, the commented file and the key list of --help. The rows are in
 * policy/config_keys.c. */
#include "config_table.h"

#include <string.h>

#include "deadline_config.h"
#include "metrics.h"
#include "sb_parse.h"

/* -------------------------------------------------------------- the walker */

static int parse_switch(const char *v, bool *ret)
{
    static const char *const on[] = {"on", "true", "yes", "1"};
    static const char *const off[] = {"off", "false", "no", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(v, on[i]) == 0)
            return *ret = true, 0;
        if (strcmp(v, off[i]) == 0)
            return *ret = false, 0;
    }
    return -1;
}

/* A text key's value into its fixed-size field. */
static int set_text(const sb_config_key *k, void *field, const char *value, char *err,
                    size_t err_len)
{
    if (strlen(value) >= k->size) {
        snprintf(err, err_len, "[%s] %s: longer than %zu bytes", k->section, k->key, k->size - 1);
        return -1;
    }
    memcpy(field, value, strlen(value) + 1);
    return 0;
}

/* "a, b or c" */
static void list_choices(const char *const *choices, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; choices[i] && off < len; i++) {
        const char *sep = i == 0 ? "" : choices[i + 1] ? ", " : " or ";
        int n = snprintf(buf + off, len - off, "%s%s", sep, choices[i]);
        off += n > 0 ? (size_t)n : 0;
    }
}

int sb_config_key_set(const sb_config_key *k, sb_config *c, const char *value, char *err,
                      size_t err_len)
{
    char *field = (char *)c + k->offset;
    switch (k->type) {
    case SB_CONFIG_SWITCH:
        if (parse_switch(value, (bool *)field) == 0)
            return 0;
        snprintf(err, err_len, "[%s] %s: \"%s\" is not on or off", k->section, k->key, value);
        return -1;
    case SB_CONFIG_UINT: {
        uint64_t v;
        if (sb_parse_u64(value, k->min, k->max, &v)) {
            snprintf(
                err, err_len, "[%s] %s: \"%s\" is not a number in the allowed range (%llu to %llu)",
                k->section, k->key, value, (unsigned long long)k->min, (unsigned long long)k->max);
            return -1;
        }
        v *= k->scale;
        if (k->size == sizeof(uint32_t))
            *(uint32_t *)(void *)field = (uint32_t)v;
        else
            *(uint64_t *)(void *)field = v; /* size_t and uint64_t: 8 bytes */
        return 0;
    }
    case SB_CONFIG_TEXT:
        if (!*value && (k->flags & SB_CONFIG_NONEMPTY)) {
            snprintf(err, err_len, "[%s] %s: empty", k->section, k->key);
            return -1;
        }
        return set_text(k, field, value, err, err_len);
    case SB_CONFIG_CHOICE:
        for (int i = 0; k->choices[i]; i++) {
            if (strcmp(value, k->choices[i]) == 0) {
                if (k->size == sizeof(bool))
                    *(bool *)field = i != 0;
                else
                    *(int *)(void *)field = i;
                return 0;
            }
        }
        char words[128];
        list_choices(k->choices, words, sizeof words);
        snprintf(err, err_len, "[%s] %s: \"%s\" is not one of %s", k->section, k->key, value,
                 words);
        return -1;
    case SB_CONFIG_DAYS: {
        char why[256];
        if (sb_deadline_config_parse_remind_days(value, (uint32_t *)(void *)field,
                                                 (uint32_t *)(void *)((char *)c + k->count_offset),
                                                 why, sizeof why) == 0)
            return 0;
        /* the parser names [deadlines] remind_days; say which key it was */
        const char *rest = strncmp(why, "[deadlines] remind_days", 23) == 0 ? why + 23 : why;
        snprintf(err, err_len, "[%s] %s%s", k->section, k->key, rest);
        return -1;
    }
    case SB_CONFIG_LISTEN: {
        char why[200];
        if (*value && sb_metrics_listen_check(value, why, sizeof why)) {
            snprintf(err, err_len, "[%s] %s: %s", k->section, k->key, why);
            return -1;
        }
        return set_text(k, field, value, err, err_len);
    }
    case SB_CONFIG_SPECIAL:
        return k->set(c, value, err, err_len);
    case SB_CONFIG_FOREIGN:
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------------ the outputs */

static void print_comment(FILE *out, const char *text)
{
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        fprintf(out, n ? "; %.*s\n" : ";\n", (int)n, p);
        if (!nl)
            break;
        p = nl + 1;
    }
}

void sb_config_print_ini(FILE *out)
{
    print_comment(out, sb_config_header);
    for (size_t s = 0; s < sb_config_n_sections; s++) {
        const sb_config_section *sec = &sb_config_sections[s];
        fputc('\n', out);
        if (sec->intro) {
            print_comment(out, sec->intro);
            fputc('\n', out);
        }
        fprintf(out, "[%s]\n", sec->name);
        for (size_t i = 0; i < sb_config_n_keys; i++) {
            const sb_config_key *k = &sb_config_keys[i];
            if (strcmp(k->section, sec->name) != 0)
                continue;
            if (!(k->flags & SB_CONFIG_TIGHT))
                fputc('\n', out);
            if (k->doc)
                print_comment(out, k->doc);
            const char *v = k->shown ? k->shown : k->def ? k->def : "";
            fprintf(out, "%s%s =%s%s%s\n", k->flags & SB_CONFIG_SET ? "" : ";", k->key,
                    *v ? " " : "", v, k->tail ? k->tail : "");
        }
    }
}

void sb_config_print_keys(FILE *out)
{
    for (size_t i = 0; i < sb_config_n_keys; i++) {
        const sb_config_key *k = &sb_config_keys[i];
        char type[160];
        switch (k->type) {
        case SB_CONFIG_SWITCH:
            snprintf(type, sizeof type, "on or off");
            break;
        case SB_CONFIG_UINT:
            snprintf(type, sizeof type, "%llu to %llu", (unsigned long long)k->min,
                     (unsigned long long)k->max);
            break;
        case SB_CONFIG_TEXT:
            snprintf(type, sizeof type, "text, %s%zu bytes at most",
                     k->flags & SB_CONFIG_NONEMPTY ? "not empty, " : "", k->size - 1);
            break;
        case SB_CONFIG_CHOICE:
            list_choices(k->choices, type, sizeof type);
            break;
        default:
            snprintf(type, sizeof type, "%s", k->what);
            break;
        }
        char name[64];
        snprintf(name, sizeof name, "[%s] %s", k->section, k->key);
        if (k->type == SB_CONFIG_FOREIGN) {
            fprintf(out, "  %-38s skillbase-notify's (its --help); the daemon ignores it\n", name);
            continue;
        }
        fprintf(out, "  %-38s %s%s\n        %s; default %s%s\n", name, k->line,
                k->flags & SB_CONFIG_BUREAU ? " (the bureau's choice)" : "", type,
                k->def ? (*k->def ? k->def : "empty") : k->what,
                k->flags & SB_CONFIG_START_ONLY ? "; read at start" : "");
    }
}
