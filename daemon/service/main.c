/* skillbased: the skillbase daemon.
 *
 * Reads its configuration, opens the store, serves the command endpoint on
 * one libuv loop until SIGTERM or SIGINT, then answers what has arrived,
 * closes the store and exits 0. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include <zmq.h>

#include "sb_paths.h"
#include "broker.h"
#include "bureau.h"
#include "config.h"
#include "config_table.h"
#include "documents.h"
#include "deadline_config.h"
#include "publisher.h"
#include "reload.h"
#include "security.h"
#include "sb_clock.h"
#include "sb_help.h"
#include "sb_log.h"
#include "server.h"
#include "service.h"
#include "store.h"
#include "store_documents.h"
#include "store_verify.h"

typedef struct {
    uv_loop_t *loop;
    uv_signal_t sigterm;
    uv_signal_t sigint;
    sb_server *server;
    sb_publisher *publisher;
    sb_broker *broker;   /* the worker endpoint */
    sb_service *service; /* systemd, SIGHUP, metrics */
} daemon_ctx;

/* A command-line flag that overrides a configuration key. */
typedef struct {
    const char *section, *key, *value;
} override;

/* Where the configuration comes from: the embedded defaults, the file,
 * then the flags; kept to build it again on SIGHUP. */
typedef struct {
    const char *path; /* --config, or NULL */
    override overrides[16];
    int n_overrides;
} config_source;

static int build_config(void *arg, sb_config *c, char *err, size_t err_len)
{
    const config_source *src = arg;
    char why[1024];
    sb_config_defaults(c);
    if (src->path && sb_config_load(c, src->path, err, err_len))
        return -1;
    for (int i = 0; i < src->n_overrides; i++) {
        const override *o = &src->overrides[i];
        if (sb_config_set(c, o->section, o->key, o->value, why, sizeof why)) {
            snprintf(err, err_len, "--%s: %s", o->key, why);
            return -1;
        }
    }
    if (sb_config_finish(c, why, sizeof why)) {
        snprintf(err, err_len, "configuration%s%s: %s", src->path ? " " : "",
                 src->path ? src->path : "", why);
        return -1;
    }
    return 0;
}

/* What a flag does besides setting a configuration key. */
typedef enum {
    FLAG_KEY,           /* override [section] key */
    FLAG_CONFIG,        /* the INI file */
    FLAG_RESTORE_CHECK, /* verify a store and exit */
    FLAG_CHECK_CONFIG,  /* check the configuration and exit */
    FLAG_PRINT_CONFIG,  /* print the commented file and exit */
    FLAG_HELP,
    FLAG_VERSION,
} flag_action;

/* skillbased's command line, one row per flag: getopt's options and --help
 * come from it. help's lines after the first are continuation lines. */
typedef struct {
    const char *name;
    char short_name; /* 0: none */
    const char *arg; /* its argument's name; NULL: takes none */
    flag_action action;
    const char *section, *key; /* FLAG_KEY: the key it overrides */
    const char *help;
} daemon_flag;

static const daemon_flag flags[] = {
    {"state-dir", 's', "DIR", FLAG_KEY, "daemon", "state_dir",
     "store and default ipc endpoints under DIR\n(default " SB_DEFAULT_STATE_DIR ")"},
    {"config", 'c', "FILE", FLAG_CONFIG, NULL, NULL,
     "INI configuration (default: none, the embedded\ndefaults; the commented example of this "
     "build:\n" SB_PATH_CONFIG ")"},
    {"command-endpoint", 0, "EP", FLAG_KEY, "daemon", "command_endpoint",
     "command endpoint (default ipc://DIR/command.sock)"},
    {"event-endpoint", 0, "EP", FLAG_KEY, "events", "endpoint",
     "event stream, PUB (default ipc://DIR/events.sock)"},
    {"worker-endpoint", 0, "EP", FLAG_KEY, "workers", "endpoint",
     "worker endpoint, ROUTER (default ipc://DIR/worker.sock)"},
    {"map-size-mb", 0, "N", FLAG_KEY, "daemon", "map_size_mb",
     "initial LMDB map size (default 64)"},
    {"metrics-listen", 0, "ADDR", FLAG_KEY, "metrics", "listen",
     "serve Prometheus metrics on ADDR, e.g.\n127.0.0.1:9464 (default: off, or [metrics] listen)"},
    {"log-level", 'l', "LEVEL", FLAG_KEY, "daemon", "log_level",
     "error, warn, info or debug (default info)"},
    {"restore-check", 0, "DIR", FLAG_RESTORE_CHECK, NULL, NULL,
     "verify the store (a backup) in DIR read-only,\nprint what it holds and exit: 0 sound, 1 not"},
    {"check-config", 0, NULL, FLAG_CHECK_CONFIG, NULL, NULL,
     "read and check the configuration, print the\nendpoints and the state directory, and exit:\n"
     "0 valid, 2 not (the reason on stderr)"},
    {"print-config", 0, NULL, FLAG_PRINT_CONFIG, NULL, NULL,
     "print the commented configuration file: every\nkey, its default and what it does, and exit"},
    {"help", 'h', NULL, FLAG_HELP, NULL, NULL, "this text"},
    {"version", 'V', NULL, FLAG_VERSION, NULL, NULL, "print the version"},
};

#define N_FLAGS (sizeof flags / sizeof flags[0])

#define HELP_COLUMN 31 /* where each flag's text starts in --help */

static void usage(FILE *out)
{
    fprintf(out, "usage: skillbased [OPTIONS]\n\n");
    for (size_t i = 0; i < N_FLAGS; i++) {
        const daemon_flag *f = &flags[i];
        char head[48];
        if (f->short_name)
            snprintf(head, sizeof head, "  -%c, --%s%s%s", f->short_name, f->name,
                     f->arg ? " " : "", f->arg ? f->arg : "");
        else
            snprintf(head, sizeof head, "      --%s%s%s", f->name, f->arg ? " " : "",
                     f->arg ? f->arg : "");
        sb_help_row(out, HELP_COLUMN, head, f->help);
    }
    fprintf(out, "\n"
                 "data files ([deadlines] calendar overrides):\n"
                 "  holiday calendar             " SB_PATH_CALENDAR "\n"
                 "\n"
                 "configuration keys (--config FILE; --print-config documents each):\n");
    sb_config_print_keys(out);
}

static void on_signal(uv_signal_t *h, int signum)
{
    daemon_ctx *d = h->data;
    sb_log(SB_LOG_INFO, "%s: shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    sb_service_stop(&d->service); /* STOPPING=1 first */
    sb_server_stop(&d->server);
    sb_broker_stop(&d->broker);
    /* after the server: what its last batch committed is published too */
    sb_publisher_stop(&d->publisher);
    sb_security_stop(); /* the ZAP handler, after every CURVE socket */
    uv_close((uv_handle_t *)&d->sigterm, NULL);
    uv_close((uv_handle_t *)&d->sigint, NULL);
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0750) == 0 || errno == EEXIST)
        return 0;
    sb_log(SB_LOG_ERROR, "cannot create the state directory %s: %s", dir, strerror(errno));
    return -1;
}

/* One daemon per state directory: a second one would serve the same store
 * behind another socket. The lock dies with the process. */
/* sb_docs_sweep's question: does a committed document name this file? */
static int doc_known(void *arg, const char *sha256)
{
    sb_txn *t = NULL;
    uint64_t n = 0;
    if (sb_store_begin(arg, false, &t))
        return -1;
    int rc = sb_store_doc_refs(t, sha256, &n);
    sb_store_abort(&t);
    return rc ? -1 : n > 0;
}

static int lock_state_dir(const char *dir)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/skillbased.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        sb_log(SB_LOG_ERROR, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB)) {
        char pid[32] = "";
        ssize_t n = read(fd, pid, sizeof pid - 1);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        sb_log(SB_LOG_ERROR, "another skillbased (pid %s) is running on %s", pid[0] ? pid : "?",
               dir);
        close(fd);
        return -1;
    }
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) || write(fd, buf, (size_t)len) != len)
        sb_log(SB_LOG_WARN, "cannot write the pid to %s", path);
    return fd; /* kept open for the life of the process */
}

int main(int argc, char **argv)
{
    /* getopt's view of the table: a flag's value is its index + 256 */
    struct option options[N_FLAGS + 1];
    char shorts[2 * N_FLAGS + 1];
    size_t n_shorts = 0;
    for (size_t i = 0; i < N_FLAGS; i++) {
        options[i] = (struct option){flags[i].name, flags[i].arg ? required_argument : no_argument,
                                     NULL, 256 + (int)i};
        if (flags[i].short_name) {
            shorts[n_shorts++] = flags[i].short_name;
            if (flags[i].arg)
                shorts[n_shorts++] = ':';
        }
    }
    options[N_FLAGS] = (struct option){NULL, 0, NULL, 0};
    shorts[n_shorts] = '\0';

    config_source src = {0};
    override *overrides = src.overrides;
    int n_overrides = 0;
    const char *config_path = NULL, *restore_check = NULL;
    int check_config = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, shorts, options, NULL)) != -1) {
        const daemon_flag *f = NULL;
        if (opt >= 256 && opt < 256 + (int)N_FLAGS)
            f = &flags[opt - 256];
        for (size_t i = 0; !f && opt > 0 && opt < 256 && i < N_FLAGS; i++)
            if (flags[i].short_name == opt)
                f = &flags[i];
        if (!f) {
            usage(stderr);
            return 2;
        }
        switch (f->action) {
        case FLAG_KEY:
            overrides[n_overrides++] = (override){f->section, f->key, optarg};
            break;
        case FLAG_CONFIG:
            config_path = optarg;
            break;
        case FLAG_RESTORE_CHECK:
            restore_check = optarg;
            break;
        case FLAG_CHECK_CONFIG:
            check_config = 1;
            break;
        case FLAG_PRINT_CONFIG:
            sb_config_print_ini(stdout);
            return 0;
        case FLAG_HELP:
            usage(stdout);
            return 0;
        case FLAG_VERSION:
            printf("skillbased %s\n", SB_VERSION);
            return 0;
        }
        if (n_overrides == (int)(sizeof src.overrides / sizeof src.overrides[0]))
            break;
    }
    if (optind < argc) {
        fprintf(stderr, "skillbased: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }

    if (restore_check)
        return sb_store_verify_print(restore_check, stdout, stderr);

    /* Everything below is released on one path, at out: in the reverse
     * order it was taken; each release is a no-op on what was never
     * taken (or was already released by on_signal). */
    int status = 2; /* 2: the configuration; 1: start-up; 0: a clean stop */
    daemon_ctx d = {.loop = uv_default_loop()};
    sb_store *store = NULL;
    sb_docs *docs = NULL;
    sb_reload *reload = NULL;
    void *zctx = NULL;
    sb_config config;
    char err[1536];
    src.path = config_path;
    src.n_overrides = n_overrides;
    if (build_config(&src, &config, err, sizeof err)) {
        fprintf(stderr, "skillbased: %s\n", err);
        goto out;
    }
    if (check_config) {
        printf("%s: OK\nstate_dir %s\ncommand_endpoint %s\nevent_endpoint %s\n"
               "worker_endpoint %s\nmetrics %s\n",
               config_path ? config_path : "embedded defaults", config.state_dir,
               config.command_endpoint, config.event_endpoint, config.worker_endpoint,
               config.metrics_listen[0] ? config.metrics_listen : "off");
        status = 0;
        goto out;
    }
    sb_log_set_level(config.log_level);

    status = 1;
    if (make_dir(config.state_dir) || lock_state_dir(config.state_dir) < 0)
        goto out;
    sb_store_options sopts = {config.state_dir, config.map_size, config.map_max,
                              (uint64_t)config.log_mb << 20, config.checkpoint_ms};
    if (sb_store_open(&sopts, &store))
        goto out;

    /* document files: what interrupted uploads left goes before any request */
    if (sb_docs_open(&config, &docs))
        goto out;
    sb_docs_sweep(docs, doc_known, store);

    /* one ZeroMQ context for every socket (ZAP needs them to share it) */
    zctx = zmq_ctx_new();
    uint64_t started_ms = sb_clock_now_ms();
    /* keys and the ZAP handler, before any endpoint binds (security.h) */
    if (!zctx || sb_security_start(d.loop, zctx, &config))
        goto out;
    if (sb_server_start(d.loop, zctx, &config, store, started_ms, &d.server))
        goto out;
    sb_server_set_documents(d.server, docs);
    /* the event stream, fed after every committed batch */
    if (sb_publisher_start(d.loop, zctx, &config, store, started_ms, &d.publisher) ||
        sb_server_on_commit(d.server, sb_publisher_flush, d.publisher))
        goto out;
    /* the worker endpoint; jobs a batch enqueued go out after its commit */
    if (sb_broker_start(d.loop, zctx, &config, store, started_ms, &d.broker) ||
        sb_server_on_commit(d.server, sb_broker_kick, d.broker))
        goto out;
    /* every endpoint is bound: the ipc sockets for the daemon's group only */
    sb_security_protect_ipc(&config);
    /* last, once every endpoint is bound: READY=1 on the loop's first turn */
    reload = sb_reload_new(&config, build_config, &src);
    if (reload)
        sb_reload_register(reload, "security", sb_security_reload_check, sb_security_reload_apply,
                           NULL);
    sb_service_options so = {.loop = d.loop,
                             .config = &config,
                             .reload = reload,
                             .store = store,
                             .server = d.server,
                             .broker = d.broker,
                             .publisher = d.publisher};
    if (!reload || sb_service_start(&so, &d.service))
        goto out;
    /* a reload reads the holiday calendar again (docs/deadlines.md) */
    sb_reload_register(reload, "deadlines", NULL, sb_deadline_config_reload_apply, NULL);
    /* the bureau's choices: warn again while the example rubric is in force */
    sb_reload_register(reload, "bureau", NULL, sb_bureau_reload_apply, NULL);
    uv_signal_init(d.loop, &d.sigterm);
    uv_signal_init(d.loop, &d.sigint);
    d.sigterm.data = d.sigint.data = &d;
    uv_signal_start(&d.sigterm, on_signal, SIGTERM);
    uv_signal_start(&d.sigint, on_signal, SIGINT);

    printf("skillbased %s listening on %s (store in %s)\n"
           "talk to it with: skillbasectl --endpoint %s status\n",
           SB_VERSION, config.command_endpoint, config.state_dir, config.command_endpoint);
    fflush(stdout);
    sb_log(SB_LOG_INFO, "ready: %s", config.command_endpoint);
    if (sb_clock_is_test())
        sb_log(SB_LOG_WARN,
               "the clock is the test or demonstration clock in %s (SKILLBASE_TEST_CLOCK), not "
               "the real time: dates and legal deadlines follow that file; never in production",
               getenv("SKILLBASE_TEST_CLOCK"));
    sb_log(SB_LOG_INFO, "events published on %s", config.event_endpoint);
    sb_bureau_log_warnings(&config);
    uv_run(d.loop, UV_RUN_DEFAULT); /* until on_signal */
    status = 0;
    sb_log(SB_LOG_INFO, "stopped");
out:
    /* as on_signal does; after a clean stop these find nothing left */
    sb_service_stop(&d.service);
    sb_server_stop(&d.server);
    sb_broker_stop(&d.broker);
    sb_publisher_stop(&d.publisher);
    sb_security_stop();
    uv_run(d.loop, UV_RUN_DEFAULT); /* the close callbacks of what was stopped here */
    sb_reload_free(&reload);
    uv_loop_close(d.loop);
    if (zctx)
        zmq_ctx_term(zctx);
    sb_store_close(&store);
    sb_docs_close(&docs);
    return status;
}
