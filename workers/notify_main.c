/* skillbase-notify: renders a notice for each event that concerns a person
 * and delivers it (spool directory, e-mail, webhook). Takes "notify" jobs
 * from skillbased through the worker runtime (sb_worker.h); docs/notify.md
 * is the operator's guide.
 */
#include <curl/curl.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_paths.h"
#include "notify_config.h"
#include "notify_deliver.h"
#include "notify_notice.h"
#include "notify_spool.h"
#include "notify_templates.h"
#include "pbjson.h"
#include "sb_log.h"
#include "sb_worker.h"

#define PROGRAM "skillbase-notify"
#define MARKER_DAYS 90

typedef struct {
    sb_notify_config cfg;
    sb_templates *templates;
    sb_notice_settings settings;
    /* flags, applied over the file */
    const char *spool_dir, *templates_dir, *channels, *capacity;
    const char *preview; /* --preview FILE */
    bool check;          /* --check */
} notify_app;

/* ------------------------------------------------------------ the job */

static sb_job_outcome handle(const Skillbase__Job *job, Skillbase__JobResult *result, char *error,
                             size_t error_len, void *arg)
{
    notify_app *app = arg;
    sb_notice *n = NULL;
    char why[512], summary[600], failed[1200];
    const Skillbase__Event *ev = job->event;
    if (!ev) {
        snprintf(error, error_len, "notify job %s carries no event", job->id);
        return SB_JOB_FAIL;
    }
    int rc = sb_notice_build(&app->settings, ev, &n, why, sizeof why);
    if (rc < 0) {
        snprintf(error, error_len, "rendering the notice for event %llu: %s",
                 (unsigned long long)ev->seq, why);
        return SB_JOB_RETRY;
    }
    if (rc == 0) {
        result->summary = sb_arena_printf(sb_worker_arena(), "no notice for %s", ev->topic);
        return result->summary ? SB_JOB_DONE : SB_JOB_RETRY;
    }
    if (n->missing)
        sb_log(SB_LOG_WARN, "%s: template %s: %zu placeholder(s) without a value (%s)", job->id,
               n->template_name, n->missing, n->first_missing);
    sb_delivery d = sb_notify_deliver(&app->cfg, n, job->id, job->lease_until_ms, summary,
                                      sizeof summary, failed, sizeof failed);
    /* the runtime logs the outcome; this adds what only the notice knows */
    sb_log(SB_LOG_DEBUG, "%s: template %s, %zu recipient(s), delivered: %s", job->id,
           n->template_name, n->to_count, summary[0] ? summary : "nothing");
    if (n->note[0])
        sb_log(SB_LOG_INFO, "%s: %s for %s: %s; operators only", job->id, n->template_name,
               n->entity_id, n->note);
    sb_job_outcome out = SB_JOB_DONE;
    if (d == SB_DELIVERED) {
        result->summary =
            sb_arena_printf(sb_worker_arena(), "notice %s for %s: %s%s%s", n->template_name,
                            n->entity_id, summary, n->note[0] ? "; " : "", n->note);
        if (!result->summary)
            out = SB_JOB_RETRY;
    } else {
        snprintf(error, error_len, "%s", failed);
        out = d == SB_DELIVERY_FAILED ? SB_JOB_FAIL : SB_JOB_RETRY;
    }
    sb_notice_free(&n);
    return out;
}

/* ------------------------------------------------------------ --preview */

static int preview_one(notify_app *app, json_t *doc)
{
    char err[512];
    sb_notice *n = NULL;
    Skillbase__Event *ev =
        (Skillbase__Event *)pbjson_to_message(&skillbase__event__descriptor, doc, err, sizeof err);
    if (!ev) {
        fprintf(stderr, PROGRAM ": --preview: not an event: %s\n", err);
        return -1;
    }
    int rc = sb_notice_build(&app->settings, ev, &n, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, PROGRAM ": --preview: event %llu: %s\n", (unsigned long long)ev->seq, err);
    } else if (rc == 0) {
        printf("== event %llu: no notice for %s\n\n", (unsigned long long)ev->seq, ev->topic);
    } else {
        char *text = sb_spool_text(n, NULL);
        printf("== event %llu: template %s\n%s%s%s\n", (unsigned long long)ev->seq,
               n->template_name, n->missing ? "(warning: " : "", n->missing ? n->first_missing : "",
               n->missing ? ")\n" : "");
        fputs(text ? text : "(out of memory)\n", stdout);
        putchar('\n');
        free(text);
        sb_notice_free(&n);
    }
    protobuf_c_message_free_unpacked(&ev->base, NULL);
    return rc < 0 ? -1 : 0;
}

/* Render the events of a JSON file (one event, or an array as
 * `skillbasectl --json events` prints) to stdout, delivering nothing. */
static int preview(notify_app *app, const char *path)
{
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    int rc = 0;
    if (!doc) {
        fprintf(stderr, PROGRAM ": --preview %s:%d: %s\n", path, jerr.line, jerr.text);
        return 2;
    }
    if (json_is_array(doc)) {
        size_t i;
        json_t *e;
        json_array_foreach(doc, i, e)
        {
            if (preview_one(app, e))
                rc = 1;
        }
    } else if (preview_one(app, doc)) {
        rc = 1;
    }
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------ start-up */

/* Its own flags (sb_worker.h): --help and the parser come from these rows. */
#define TEXT_FLAG(name, arg, field, help)                                                          \
    {                                                                                              \
        name, arg, SB_WORKER_FLAG_TEXT, offsetof(notify_app, field), false, 0, help                \
    }
static const sb_worker_flag FLAGS[] = {
    TEXT_FLAG("spool-dir", "DIR", spool_dir,
              "where the spool channel writes one file per notice\n"
              "(default " SB_PATH_STATE_DIR "/notices, or\n"
              "notices/ in [daemon] state_dir)"),
    TEXT_FLAG("templates", "DIR", templates_dir,
              "notice templates, one *.txt per notice\n"
              "(default " SB_PATH_NOTICES ")"),
    TEXT_FLAG("channels", "LIST", channels,
              "spool, smtp, webhook, comma-separated (default spool)"),
    TEXT_FLAG("capacity", "N", capacity, "notices delivered at once (default 2)"),
    {"check", NULL, SB_WORKER_FLAG_SWITCH, offsetof(notify_app, check), false, 0,
     "check the configuration and the templates, list\n"
     "them, and exit (0: usable)"},
    TEXT_FLAG("preview", "FILE", preview,
              "render the events in FILE (JSON: one event, or the\n"
              "array `skillbasectl --json events` prints) to stdout\n"
              "and exit; nothing is delivered"),
    {NULL, NULL, 0, 0, false, 0, NULL},
};

/* Apply the flags over the file's settings, then derive and validate. */
static int configure(notify_app *app, const sb_worker_cli *cli)
{
    char err[1024];
    const struct {
        const char *key, *value;
    } flags[] = {
        {"spool_dir", app->spool_dir},
        {"templates_dir", app->templates_dir},
        {"channels", app->channels},
        {"capacity", app->capacity},
    };
    if (cli->config && sb_notify_config_load(&app->cfg, cli->config, err, sizeof err)) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return -1;
    }
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        if (flags[i].value &&
            sb_notify_config_set(&app->cfg, flags[i].key, flags[i].value, err, sizeof err)) {
            fprintf(stderr, PROGRAM ": --%s: %s\n", flags[i].key, err);
            return -1;
        }
    }
    if (sb_notify_config_finish(&app->cfg, err, sizeof err)) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return -1;
    }
    if (sb_templates_load(app->cfg.templates_dir, &app->templates, err, sizeof err)) {
        fprintf(stderr, PROGRAM ": %s\n", err);
        return -1;
    }
    app->settings = (sb_notice_settings){
        .templates = app->templates,
        .operators = app->cfg.operators,
        .operator_count = app->cfg.operator_count,
        .notify_applicant = app->cfg.notify_applicant,
    };
    return 0;
}

static void print_check(const notify_app *app)
{
    char ch[64];
    const sb_notify_config *c = &app->cfg;
    printf("channels: %s\n", sb_notify_channels_name(c->channels, ch, sizeof ch));
    printf("spool_dir: %s\n", c->spool_dir);
    if (c->channels & SB_NOTIFY_SMTP)
        printf("smtp: %s from %s%s%s\n", c->smtp_url, c->smtp_from, c->smtp_user[0] ? " as " : "",
               c->smtp_user);
    if (c->channels & SB_NOTIFY_WEBHOOK)
        printf("webhook: %s\n", c->webhook_url);
    printf("operators: %zu\n", c->operator_count);
    printf("templates: %zu in %s\n", sb_templates_count(app->templates), c->templates_dir);
    for (size_t i = 0; i < sb_templates_count(app->templates); i++) {
        const sb_notice_template *t = sb_templates_get(app->templates, i);
        printf("  %-22s %s", t->name, t->topic);
        for (size_t k = 0; k < t->action_count; k++)
            printf("%s%s", k ? "," : " (action ", t->actions[k]);
        printf("%s\n", t->action_count ? ")" : "");
    }
}

int main(int argc, char **argv)
{
    static notify_app app;
    sb_worker_cli cli;
    int rc = 2;
    sb_notify_config_defaults(&app.cfg);
    const sb_worker_cli_spec spec = {
        .program = PROGRAM,
        .summary =
            "Render notices for skillbase events and deliver them by spool, e-mail, webhook.",
        .flags = FLAGS,
        .flags_title = "notify options (each overrides the same key of the [notify] section):",
        .arg = &app,
    };
    int parsed = sb_worker_cli_parse(&spec, argc, argv, &cli);
    if (parsed) {
        rc = parsed == 1 ? 0 : 2;
        goto out;
    }
    if (configure(&app, &cli))
        goto out;
    /* both libraries set up their global state here, before the handler
     * threads exist (jansson: the hash seed; libcurl: TLS and resolver) */
    json_object_seed(0);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, PROGRAM ": libcurl failed to initialise\n");
        rc = 1;
        goto out;
    }
    if (app.check) {
        print_check(&app);
        rc = 0;
    } else if (app.preview) {
        rc = preview(&app, app.preview);
    } else {
        char err[512];
        if (sb_spool_mkdirs(app.cfg.spool_dir, err, sizeof err)) {
            sb_log(SB_LOG_ERROR, "%s", err);
            rc = 1;
            goto cleanup;
        }
        int pruned = sb_spool_prune_markers(app.cfg.spool_dir, MARKER_DAYS);
        char ch[64];
        sb_log(SB_LOG_INFO, "%zu templates from %s; channels %s; spool %s%s",
               sb_templates_count(app.templates), app.cfg.templates_dir,
               sb_notify_channels_name(app.cfg.channels, ch, sizeof ch), app.cfg.spool_dir,
               pruned > 0 ? " (old delivery markers pruned)" : "");
        static const char *const types[] = {"notify", NULL};
        rc = sb_worker_cli_run(&cli, (sb_worker_options){.types = types,
                                                         .capacity = app.cfg.capacity,
                                                         .handler = handle,
                                                         .arg = &app});
    }
cleanup:
    curl_global_cleanup();
out:
    sb_templates_free(&app.templates);
    sb_notify_config_release(&app.cfg);
    return rc;
}
