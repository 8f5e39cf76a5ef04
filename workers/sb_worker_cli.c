/* sb_worker_cli: the standard command line of every worker (sb_worker.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_paths.h"
#include "sb_parse.h"
#include "sb_worker.h"

#ifndef SB_DEFAULT_STATE_DIR
#define SB_DEFAULT_STATE_DIR "var"
#endif

#define ENDPOINT_MAX 512

enum {
    OPT_ENDPOINT = 256,
    OPT_COMMAND_ENDPOINT,
    OPT_NAME,
    OPT_SERVER_KEY,
    OPT_KEY_FILE,
    STANDARD_OPTIONS = 6, /* the rows of `standard` below before the terminator */
    MAX_OWN_OPTIONS = 32,
};

/* What the config file says about endpoints ("" when it says nothing);
 * every entry also goes to the worker's on_config. */
typedef struct {
    char state_dir[ENDPOINT_MAX];
    char command_endpoint[ENDPOINT_MAX];
    char worker_endpoint[ENDPOINT_MAX];
    const sb_worker_cli_spec *spec;
    char why[512]; /* what on_config refused */
} file_config;

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    file_config *f = user;
    char *dst = NULL;
    if (strcmp(section, "daemon") == 0 && strcmp(name, "state_dir") == 0)
        dst = f->state_dir;
    else if (strcmp(section, "daemon") == 0 && strcmp(name, "command_endpoint") == 0)
        dst = f->command_endpoint;
    else if (strcmp(section, "workers") == 0 && strcmp(name, "endpoint") == 0)
        dst = f->worker_endpoint;
    if (dst)
        snprintf(dst, ENDPOINT_MAX, "%s", value);
    if (f->why[0] || !f->spec->on_config)
        return !f->why[0];
    if (f->spec->on_config(section, name, value, f->spec->arg, f->why, sizeof f->why) == 0)
        return 1;
    if (!f->why[0])
        snprintf(f->why, sizeof f->why, "[%s] %s: refused", section, name);
    return 0;
}

int sb_worker_cli_run(const sb_worker_cli *cli, sb_worker_options opts)
{
    if (!opts.name)
        opts.name = cli->name;
    if (!opts.endpoint)
        opts.endpoint = cli->endpoint;
    return sb_worker_run(&opts) == 0 ? 0 : 1;
}

static void usage(const sb_worker_cli_spec *spec, FILE *out)
{
    fprintf(
        out,
        "usage: %s [OPTIONS]\n"
        "%s%s"
        "\n"
        "      --endpoint EP            the daemon's worker endpoint\n"
        "                               (default $SKILLBASE_WORKER_ENDPOINT or\n"
        "                               ipc://%s/worker.sock)\n"
        "      --command-endpoint EP    the daemon's command endpoint\n"
        "                               (default $SKILLBASE_ENDPOINT or\n"
        "                               ipc://%s/command.sock)\n"
        "      --server-key KEY|FILE    tcp://: the daemon's public key (SKILLBASE_SERVER_KEY)\n"
        "      --key-file FILE          tcp://: this worker's key pair (SKILLBASE_KEY_FILE)\n"
        "  -c, --config FILE            INI configuration (default: none; the example of\n"
        "                               this build: " SB_PATH_CONFIG ")\n"
        "      --name NAME              name announced to the daemon\n"
        "                               (default PROGRAM-HOST-PID)\n"
        "  -l, --log-level LEVEL        error, warn, info or debug (default info)\n"
        "  -h, --help                   this text\n"
        "  -V, --version                print the version\n"
        "%s",
        spec->program, spec->summary ? spec->summary : "", spec->summary ? "\n" : "",
        SB_DEFAULT_STATE_DIR, SB_DEFAULT_STATE_DIR, spec->options_help ? spec->options_help : "");
}

int sb_worker_cli_parse(const sb_worker_cli_spec *spec, int argc, char **argv, sb_worker_cli *ret)
{
    static const struct option standard[] = {
        {"endpoint", required_argument, NULL, OPT_ENDPOINT},
        {"command-endpoint", required_argument, NULL, OPT_COMMAND_ENDPOINT},
        {"config", required_argument, NULL, 'c'},
        {"name", required_argument, NULL, OPT_NAME},
        {"server-key", required_argument, NULL, OPT_SERVER_KEY},
        {"key-file", required_argument, NULL, OPT_KEY_FILE},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
    };
    static file_config file;
    static char derived_cmd[ENDPOINT_MAX + 32], derived_worker[ENDPOINT_MAX + 32];
    derived_cmd[0] = derived_worker[0] = '\0';
    struct option all[sizeof standard / sizeof standard[0] + MAX_OWN_OPTIONS + 1];
    size_t n = 0;
    for (; n < sizeof standard / sizeof standard[0]; n++)
        all[n] = standard[n];
    for (size_t i = 0; spec->options && spec->options[i].name; i++) {
        if (i == MAX_OWN_OPTIONS) {
            fprintf(stderr, "%s: too many options (a bug)\n", spec->program);
            return 2;
        }
        all[n++] = spec->options[i];
    }
    all[n] = (struct option){NULL, 0, NULL, 0};

    sb_worker_cli cli = {.log_level = SB_LOG_INFO};
    const char *flag_endpoint = NULL, *flag_command = NULL;
    int opt;
    optind = 0; /* glibc: full reinitialisation (callers may parse twice) */
    while ((opt = getopt_long(argc, argv, "c:l:hV", all, NULL)) != -1) {
        switch (opt) {
        case OPT_ENDPOINT:
            flag_endpoint = optarg;
            break;
        case OPT_COMMAND_ENDPOINT:
            flag_command = optarg;
            break;
        case 'c':
            cli.config = optarg;
            break;
        case OPT_SERVER_KEY:
        case OPT_KEY_FILE:
            /* CURVE (docs/security.md): the runtime and the worker's own
             * command client read these, flags before the environment */
            setenv(opt == OPT_SERVER_KEY ? "SKILLBASE_SERVER_KEY" : "SKILLBASE_KEY_FILE", optarg,
                   1);
            break;
        case OPT_NAME:
            if (!*optarg) {
                fprintf(stderr, "%s: --name: empty\n", spec->program);
                return 2;
            }
            cli.name = optarg;
            break;
        case 'l':
            if (sb_log_parse_level(optarg, &cli.log_level)) {
                fprintf(stderr, "%s: --log-level: \"%s\" is not one of error, warn, info, debug\n",
                        spec->program, optarg);
                return 2;
            }
            break;
        case 'h':
            usage(spec, stdout);
            return 1;
        case 'V':
            printf("%s %s\n", spec->program, SB_VERSION);
            return 1;
        default:
            if (opt >= 1000 && spec->on_option) {
                if (spec->on_option(opt, optarg, spec->arg))
                    return 2;
                break;
            }
            usage(spec, stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "%s: unexpected argument \"%s\"\n", spec->program, argv[optind]);
        return 2;
    }

    memset(&file, 0, sizeof file);
    file.spec = spec;
    if (cli.config) {
        char err[1024];
        if (sb_ini_load(cli.config, on_entry, &file, file.why, err, sizeof err)) {
            fprintf(stderr, "%s: %s\n", spec->program, err);
            return 2;
        }
        /* as skillbased derives them: beside the state directory */
        if (file.state_dir[0]) {
            snprintf(derived_cmd, sizeof derived_cmd, "ipc://%s/command.sock", file.state_dir);
            snprintf(derived_worker, sizeof derived_worker, "ipc://%s/worker.sock", file.state_dir);
        }
    }
    const char *env_worker = getenv("SKILLBASE_WORKER_ENDPOINT");
    const char *env_command = getenv("SKILLBASE_ENDPOINT");
    cli.endpoint = flag_endpoint                     ? flag_endpoint
                   : env_worker && *env_worker       ? env_worker
                   : file.worker_endpoint[0]         ? file.worker_endpoint
                   : derived_worker[0] && cli.config ? derived_worker
                                                     : sb_worker_default_endpoint();
    cli.command_endpoint = flag_command                   ? flag_command
                           : env_command && *env_command  ? env_command
                           : file.command_endpoint[0]     ? file.command_endpoint
                           : derived_cmd[0] && cli.config ? derived_cmd
                                                          : "ipc://" SB_DEFAULT_STATE_DIR
                                                            "/command.sock";
    sb_log_set_level(cli.log_level);
    *ret = cli;
    return 0;
}
