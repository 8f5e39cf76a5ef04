/* notify_config: skillbase-notify's settings, from the [notify] section of
 * the shared INI file and the worker's own command-line flags.
 *
 * Precedence: embedded defaults < the file (--config) < flags. Only the
 * [notify] section (and [daemon] state_dir, for the default spool
 * directory) is read here; the other sections belong to the daemon and the
 * other workers. config/skillbase.ini documents every key; docs/notify.md
 * explains the channels.
 */
#ifndef SB_NOTIFY_CONFIG_H
#define SB_NOTIFY_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

/* Delivery channels; several may be on at once. */
enum {
    SB_NOTIFY_SPOOL = 1 << 0,   /* one file per notice in a directory */
    SB_NOTIFY_SMTP = 1 << 1,    /* e-mail through libcurl */
    SB_NOTIFY_WEBHOOK = 1 << 2, /* HTTP POST of a JSON body through libcurl */
};

/* How SMTP uses TLS (CURLOPT_USE_SSL; smtps:// URLs are TLS from the start). */
typedef enum {
    SB_TLS_NONE = 0,     /* plain text */
    SB_TLS_TRY = 1,      /* STARTTLS when the server offers it */
    SB_TLS_REQUIRED = 2, /* STARTTLS or fail */
} sb_tls_mode;

#define SB_NOTIFY_TEXT 512
/* Longest sender, user name, password or token, with its NUL. */
#define SB_NOTIFY_CREDENTIAL 256

typedef struct {
    unsigned channels;            /* SB_NOTIFY_* bits */
    char state_dir[PATH_MAX];     /* [daemon] state_dir; default the build's */
    char spool_dir[PATH_MAX];     /* "" until finish: <state_dir>/notices */
    char templates_dir[PATH_MAX]; /* the shipped data/notices by default */
    char **operators;             /* operator addresses (owned) */
    size_t operator_count;
    bool notify_applicant; /* also mail the applicant's contact (default true) */
    unsigned capacity;     /* notices delivered at once (handler threads) */

    char smtp_url[SB_NOTIFY_TEXT];            /* smtp://host[:port] or smtps://host[:port] */
    char smtp_from[SB_NOTIFY_CREDENTIAL];     /* envelope and header sender */
    char smtp_user[SB_NOTIFY_CREDENTIAL];     /* "" : no authentication */
    char smtp_password[SB_NOTIFY_CREDENTIAL]; /* or $SKILLBASE_SMTP_PASSWORD */
    sb_tls_mode smtp_tls;
    char smtp_ca_file[PATH_MAX]; /* "" : the system's CA store */
    bool smtp_verify;            /* verify the server certificate (default true) */
    unsigned smtp_timeout_s;

    char webhook_url[SB_NOTIFY_TEXT];         /* http:// or https:// */
    char webhook_token[SB_NOTIFY_CREDENTIAL]; /* sent as "Authorization: Bearer ..." when set,
                                or $SKILLBASE_WEBHOOK_TOKEN */
    char webhook_ca_file[PATH_MAX];
    bool webhook_verify;
    unsigned webhook_timeout_s;
} sb_notify_config;

/* Fill in the embedded defaults: channel spool only, spool directory from
 * the state directory, templates from the build's data/notices. */
void sb_notify_config_defaults(sb_notify_config *c);

/* Read [notify] (and [daemon] state_dir) from an INI file over *c. Returns
 * 0, or -1 with a one-line reason naming the file, line and key in err. */
int sb_notify_config_load(sb_notify_config *c, const char *path, char *err, size_t err_len);

/* Set one [notify] key from a string, as the file would. Returns 0, or -1
 * with the reason in err ("[notify] smtp_tls: ..."). */
int sb_notify_config_set(sb_notify_config *c, const char *key, const char *value, char *err,
                         size_t err_len);

/* Derive the spool directory and check that each enabled channel has what
 * it needs (smtp: url and from; webhook: url). Returns 0, or -1 with every
 * problem in err ("; "-separated). */
int sb_notify_config_finish(sb_notify_config *c, char *err, size_t err_len);

/* Free what the config owns (the operator list); the struct stays usable. */
void sb_notify_config_release(sb_notify_config *c);

/* "spool,smtp" for the enabled channels, into buf; returns buf. */
const char *sb_notify_channels_name(unsigned channels, char *buf, size_t len);

#endif
