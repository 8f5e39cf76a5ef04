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

#include "config.h"
#include "sb_clock.h"
#include "sb_log.h"
#include "server.h"
#include "store.h"

typedef struct {
    uv_loop_t *loop;
    uv_signal_t sigterm;
    uv_signal_t sigint;
    sb_server *server;
} daemon_ctx;

/* A command-line flag that overrides a configuration key. */
typedef struct {
    const char *section, *key, *value;
} override;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: skillbased [OPTIONS]\n"
            "\n"
            "  -s, --state-dir DIR          store and default ipc endpoints under DIR\n"
            "                               (default %s)\n"
            "  -c, --config FILE            INI configuration (see config/skillbase.ini)\n"
            "      --command-endpoint EP    command endpoint (default ipc://DIR/command.sock)\n"
            "      --map-size-mb N          initial LMDB map size\n"
            "  -l, --log-level LEVEL        error, warn, info or debug\n"
            "  -h, --help                   this text\n"
            "  -V, --version                print the version\n",
            SB_DEFAULT_STATE_DIR);
}

static void on_signal(uv_signal_t *h, int signum)
{
    daemon_ctx *d = h->data;
    sb_log(SB_LOG_INFO, "%s: shutting down", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    sb_server_stop(&d->server);
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
    enum { OPT_COMMAND_ENDPOINT = 256, OPT_MAP_SIZE };
    static const struct option options[] = {
        {"state-dir", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"command-endpoint", required_argument, NULL, OPT_COMMAND_ENDPOINT},
        {"map-size-mb", required_argument, NULL, OPT_MAP_SIZE},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    override overrides[8];
    int n_overrides = 0;
    const char *config_path = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "s:c:l:hV", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            overrides[n_overrides++] = (override){"daemon", "state_dir", optarg};
            break;
        case 'c':
            config_path = optarg;
            break;
        case OPT_COMMAND_ENDPOINT:
            overrides[n_overrides++] = (override){"daemon", "command_endpoint", optarg};
            break;
        case OPT_MAP_SIZE:
            overrides[n_overrides++] = (override){"daemon", "map_size_mb", optarg};
            break;
        case 'l':
            overrides[n_overrides++] = (override){"daemon", "log_level", optarg};
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("skillbased %s\n", SB_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
        if (n_overrides == (int)(sizeof overrides / sizeof overrides[0]))
            break;
    }
    if (optind < argc) {
        fprintf(stderr, "skillbased: unexpected argument \"%s\"\n", argv[optind]);
        return 2;
    }

    sb_config config;
    char err[1024];
    sb_config_defaults(&config);
    if (config_path && sb_config_load(&config, config_path, err, sizeof err)) {
        fprintf(stderr, "skillbased: %s\n", err);
        return 2;
    }
    for (int i = 0; i < n_overrides; i++) {
        if (sb_config_set(&config, overrides[i].section, overrides[i].key, overrides[i].value, err,
                          sizeof err)) {
            fprintf(stderr, "skillbased: --%s: %s\n", overrides[i].key, err);
            return 2;
        }
    }
    if (sb_config_finish(&config, err, sizeof err)) {
        fprintf(stderr, "skillbased: configuration: %s\n", err);
        return 2;
    }
    sb_log_set_level(config.log_level);

    if (make_dir(config.state_dir) || lock_state_dir(config.state_dir) < 0)
        return 1;
    sb_store *store;
    sb_store_options sopts = {config.state_dir, config.map_size, config.map_max};
    if (sb_store_open(&sopts, &store))
        return 1;

    daemon_ctx d = {.loop = uv_default_loop()};
    int status = 1;
    /* one ZeroMQ context for every socket (ZAP needs them to share it) */
    void *zctx = zmq_ctx_new();
    if (!zctx || sb_server_start(d.loop, zctx, &config, store, sb_clock_now_ms(), &d.server))
        goto out;
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
    uv_run(d.loop, UV_RUN_DEFAULT);
    status = 0;
    sb_log(SB_LOG_INFO, "stopped");
out:
    uv_loop_close(d.loop);
    if (zctx)
        zmq_ctx_term(zctx);
    sb_store_close(&store);
    return status;
}
