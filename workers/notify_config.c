/* notify_config: [notify] settings; see notify_config.h. */
#include "notify_config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <strings.h>

#include "notify_notice.h"
#include "sb_parse.h"

#ifndef SB_DEFAULT_STATE_DIR
#define SB_DEFAULT_STATE_DIR "var"
#endif
#ifndef SB_DEFAULT_NOTICES_DIR
#define SB_DEFAULT_NOTICES_DIR "data/notices"
#endif

static const struct {
    const char *name;
    unsigned bit;
} CHANNELS[] = {
    {"spool", SB_NOTIFY_SPOOL},
    {"smtp", SB_NOTIFY_SMTP},
    {"webhook", SB_NOTIFY_WEBHOOK},
};

#define NCHANNELS (sizeof CHANNELS / sizeof CHANNELS[0])

void sb_notify_config_defaults(sb_notify_config *c)
{
    memset(c, 0, sizeof *c);
    c->channels = SB_NOTIFY_SPOOL;
    snprintf(c->state_dir, sizeof c->state_dir, "%s", SB_DEFAULT_STATE_DIR);
    snprintf(c->templates_dir, sizeof c->templates_dir, "%s", SB_DEFAULT_NOTICES_DIR);
    c->notify_applicant = true;
    c->capacity = 2;
    snprintf(c->smtp_from, sizeof c->smtp_from, "skillbase@localhost");
    c->smtp_tls = SB_TLS_TRY;
    c->smtp_verify = true;
    c->smtp_timeout_s = 30;
    c->webhook_verify = true;
    c->webhook_timeout_s = 10;
}

void sb_notify_config_release(sb_notify_config *c)
{
    for (size_t i = 0; i < c->operator_count; i++)
        free(c->operators[i]);
    free(c->operators);
    c->operators = NULL;
    c->operator_count = 0;
}

const char *sb_notify_channels_name(unsigned channels, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < NCHANNELS; i++) {
        if (!(channels & CHANNELS[i].bit))
            continue;
        int n = snprintf(buf + off, len - off, "%s%s", off ? "," : "", CHANNELS[i].name);
        if (n < 0 || (size_t)n >= len - off)
            break;
        off += (size_t)n;
    }
    return buf;
}

static int copy(char *dst, size_t size, const char *value)
{
    size_t n = strlen(value);
    if (n >= size)
        return -1;
    memcpy(dst, value, n + 1);
    return 0;
}

static int parse_bool(const char *v, bool *ret)
{
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        *ret = true;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
             !strcmp(v, "0"))
        *ret = false;
    else
        return -1;
    return 0;
}

/* A comma- or space-separated list of words, each passed to `each`. */
static int for_words(const char *value,
                     int (*each)(sb_notify_config *, const char *, char *, size_t),
                     sb_notify_config *c, char *err, size_t err_len)
{
    char *copy_of = strdup(value);
    int rc = 0;
    if (!copy_of) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (char *save = NULL, *w = strtok_r(copy_of, ", \t", &save); w && !rc;
         w = strtok_r(NULL, ", \t", &save))
        rc = each(c, w, err, err_len);
    free(copy_of);
    return rc;
}

static int add_channel(sb_notify_config *c, const char *w, char *err, size_t err_len)
{
    for (size_t i = 0; i < NCHANNELS; i++) {
        if (strcmp(w, CHANNELS[i].name) == 0) {
            c->channels |= CHANNELS[i].bit;
            return 0;
        }
    }
    snprintf(err, err_len,
             "[notify] channels: unknown channel \"%s\" (expected spool, smtp, webhook)", w);
    return -1;
}

static int add_operator(sb_notify_config *c, const char *w, char *err, size_t err_len)
{
    if (!sb_notice_address_ok(w)) {
        snprintf(err, err_len, "[notify] operators: \"%s\" is not an e-mail address (local@domain)",
                 w);
        return -1;
    }
    char **grown = realloc(c->operators, (c->operator_count + 1) * sizeof *grown);
    if (!grown || !(grown[c->operator_count] = strdup(w))) {
        if (grown)
            c->operators = grown;
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    c->operators = grown;
    c->operator_count++;
    return 0;
}

static int tls_mode(const char *v, sb_tls_mode *ret)
{
    if (!strcmp(v, "none"))
        *ret = SB_TLS_NONE;
    else if (!strcmp(v, "try"))
        *ret = SB_TLS_TRY;
    else if (!strcmp(v, "required"))
        *ret = SB_TLS_REQUIRED;
    else
        return -1;
    return 0;
}

int sb_notify_config_set(sb_notify_config *c, const char *key, const char *v, char *err,
                         size_t err_len)
{
    /* string keys: name, destination, size */
    static const struct {
        const char *key;
        size_t offset, size;
        bool non_empty;
    } STRINGS[] = {
#define S(k, f, ne) {k, offsetof(sb_notify_config, f), sizeof(((sb_notify_config *)0)->f), ne}
        S("spool_dir", spool_dir, true),          S("templates_dir", templates_dir, true),
        S("smtp_url", smtp_url, false),           S("smtp_from", smtp_from, true),
        S("smtp_user", smtp_user, false),         S("smtp_password", smtp_password, false),
        S("smtp_ca_file", smtp_ca_file, false),   S("webhook_url", webhook_url, false),
        S("webhook_token", webhook_token, false), S("webhook_ca_file", webhook_ca_file, false),
#undef S
    };
    for (size_t i = 0; i < sizeof STRINGS / sizeof STRINGS[0]; i++) {
        if (strcmp(key, STRINGS[i].key) != 0)
            continue;
        if ((STRINGS[i].non_empty && !*v) ||
            copy((char *)c + STRINGS[i].offset, STRINGS[i].size, v)) {
            snprintf(err, err_len, "[notify] %s: empty or too long", key);
            return -1;
        }
        return 0;
    }
    if (strcmp(key, "channels") == 0) {
        unsigned before = c->channels;
        c->channels = 0;
        if (for_words(v, add_channel, c, err, err_len)) {
            c->channels = before;
            return -1;
        }
        if (!c->channels) {
            c->channels = before;
            snprintf(err, err_len, "[notify] channels: empty (spool, smtp, webhook or several)");
            return -1;
        }
        return 0;
    }
    if (strcmp(key, "operators") == 0) {
        sb_notify_config_release(c);
        return for_words(v, add_operator, c, err, err_len);
    }
    bool *flag = !strcmp(key, "notify_applicant") ? &c->notify_applicant
                 : !strcmp(key, "smtp_verify")    ? &c->smtp_verify
                 : !strcmp(key, "webhook_verify") ? &c->webhook_verify
                                                  : NULL;
    if (flag) {
        if (parse_bool(v, flag)) {
            snprintf(err, err_len, "[notify] %s: \"%s\" is not true or false", key, v);
            return -1;
        }
        return 0;
    }
    unsigned *num = !strcmp(key, "smtp_timeout_s")      ? &c->smtp_timeout_s
                    : !strcmp(key, "webhook_timeout_s") ? &c->webhook_timeout_s
                    : !strcmp(key, "capacity")          ? &c->capacity
                                                        : NULL;
    if (num) {
        unsigned max = num == &c->capacity ? 64 : 600;
        uint64_t n;
        if (sb_parse_u64(v, 1, max, &n)) {
            snprintf(err, err_len, "[notify] %s: \"%s\" is not a whole number from 1 to %u", key, v,
                     max);
            return -1;
        }
        *num = (unsigned)n;
        return 0;
    }
    if (strcmp(key, "smtp_tls") == 0) {
        if (tls_mode(v, &c->smtp_tls)) {
            snprintf(err, err_len, "[notify] smtp_tls: \"%s\" is not none, try or required", v);
            return -1;
        }
        return 0;
    }
    snprintf(err, err_len, "[notify] %s: unknown key", key);
    return -1;
}

typedef struct {
    sb_notify_config *c;
    char *err;
    size_t err_len;
    bool failed;
} load_state;

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    load_state *st = user;
    if (st->failed)
        return 0;
    if (strcmp(section, "daemon") == 0 && strcmp(name, "state_dir") == 0) {
        if (!*value || copy(st->c->state_dir, sizeof st->c->state_dir, value)) {
            snprintf(st->err, st->err_len, "[daemon] state_dir: empty or too long");
            st->failed = true;
            return 0;
        }
        return 1;
    }
    if (strcmp(section, "notify") != 0)
        return 1; /* the daemon's or another worker's */
    if (sb_notify_config_set(st->c, name, value, st->err, st->err_len)) {
        st->failed = true;
        return 0;
    }
    return 1;
}

int sb_notify_config_load(sb_notify_config *c, const char *path, char *err, size_t err_len)
{
    char why[512] = "";
    load_state st = {c, why, sizeof why, false};
    int rc = sb_ini_load(path, on_entry, &st, why, err, err_len);
    if (rc)
        return rc;
    /* a password or token in a file others may read is no secret (like a
     * secret key: refused, docs/notify.md) */
    struct stat sb;
    if ((c->smtp_password[0] || c->webhook_token[0]) && stat(path, &sb) == 0 &&
        (sb.st_mode & 007)) {
        snprintf(err, err_len,
                 "%s: holds [notify] %s but others may read it (mode %04o): chmod o-rwx it "
                 "(e.g. 0640, group skillbase), or pass the secret in %s",
                 path, c->smtp_password[0] ? "smtp_password" : "webhook_token",
                 (unsigned)(sb.st_mode & 07777),
                 c->smtp_password[0] ? "SKILLBASE_SMTP_PASSWORD" : "SKILLBASE_WEBHOOK_TOKEN");
        return -1;
    }
    return 0;
}

static void problem(char *err, size_t err_len, size_t *off, const char *text)
{
    if (*off >= err_len)
        return;
    int n = snprintf(err + *off, err_len - *off, "%s%s", *off ? "; " : "", text);
    if (n > 0)
        *off += (size_t)n;
}

static bool has_scheme(const char *url, const char *a, const char *b)
{
    return strncasecmp(url, a, strlen(a)) == 0 || strncasecmp(url, b, strlen(b)) == 0;
}

int sb_notify_config_finish(sb_notify_config *c, char *err, size_t err_len)
{
    size_t off = 0;
    err[0] = '\0';
    if (!c->spool_dir[0]) {
        int n = snprintf(c->spool_dir, sizeof c->spool_dir, "%s/notices", c->state_dir);
        if (n < 0 || (size_t)n >= sizeof c->spool_dir)
            problem(err, err_len, &off, "[notify] spool_dir: state directory path too long");
    }
    if (!c->smtp_password[0] && getenv("SKILLBASE_SMTP_PASSWORD"))
        copy(c->smtp_password, sizeof c->smtp_password, getenv("SKILLBASE_SMTP_PASSWORD"));
    if (!c->webhook_token[0] && getenv("SKILLBASE_WEBHOOK_TOKEN"))
        copy(c->webhook_token, sizeof c->webhook_token, getenv("SKILLBASE_WEBHOOK_TOKEN"));
    if (c->channels & SB_NOTIFY_SMTP) {
        if (!c->smtp_url[0])
            problem(err, err_len, &off, "[notify] channel smtp needs smtp_url (smtp://host:port)");
        else if (!has_scheme(c->smtp_url, "smtp://", "smtps://"))
            problem(err, err_len, &off, "[notify] smtp_url: must start with smtp:// or smtps://");
        if (!sb_notice_address_ok(c->smtp_from))
            problem(err, err_len, &off, "[notify] smtp_from: not an e-mail address (local@domain)");
        if (c->smtp_password[0] && !c->smtp_user[0])
            problem(err, err_len, &off, "[notify] smtp_password is set but smtp_user is not");
    }
    if (c->channels & SB_NOTIFY_WEBHOOK) {
        if (!c->webhook_url[0])
            problem(err, err_len, &off, "[notify] channel webhook needs webhook_url (http://...)");
        else if (!has_scheme(c->webhook_url, "http://", "https://"))
            problem(err, err_len, &off,
                    "[notify] webhook_url: must start with http:// or https://");
    }
    for (const char *p = c->webhook_token; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
            problem(err, err_len, &off,
                    "[notify] webhook_token: only printable ASCII without spaces");
            break;
        }
    return off ? -1 : 0;
}
