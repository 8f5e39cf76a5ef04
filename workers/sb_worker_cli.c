/* sb_worker_cli: the standard command line of every worker (sb_worker.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_help.h"
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
    OPT_OWN = 1000, /* the worker's own flags: OPT_OWN + their row */
    MAX_OWN_OPTIONS = 32,
    HELP_COLUMN = 31, /* where each flag's text starts in --help */
};

/* The standard flags, in --help's order: getopt_long's options, the short
 * options and --help come from these rows; sb_worker_cli_parse's switch
 * says what each does. */
static const struct {
    const char *name;
    char letter; /* its short form, or 0 */
    const char *arg;
    int val;
    const char *help;
} standard[] = {
    {"endpoint", 0, "EP", OPT_ENDPOINT,
     "the daemon's worker endpoint\n"
     "(default $SKILLBASE_WORKER_ENDPOINT or\n"
     "ipc://" SB_DEFAULT_STATE_DIR "/worker.sock)"},
    {"command-endpoint", 0, "EP", OPT_COMMAND_ENDPOINT,
     "the daemon's command endpoint\n"
     "(default $SKILLBASE_ENDPOINT or\n"
     "ipc://" SB_DEFAULT_STATE_DIR "/command.sock)"},
    {"server-key", 0, "KEY|FILE", OPT_SERVER_KEY,
     "tcp://: the daemon's public key (SKILLBASE_SERVER_KEY)"},
    {"key-file", 0, "FILE", OPT_KEY_FILE, "tcp://: this worker's key pair (SKILLBASE_KEY_FILE)"},
    {"config", 'c', "FILE", 'c',
     "INI configuration (default: none; the example of\n"
     "this build: " SB_PATH_CONFIG ")"},
    {"name", 0, "NAME", OPT_NAME,
     "name announced to the daemon\n"
     "(default PROGRAM-HOST-PID)"},
    {"log-level", 'l', "LEVEL", 'l', "error, warn, info or debug (default info)"},
    {"help", 'h', NULL, 'h', "this text"},
    {"version", 'V', NULL, 'V', "print the version"},
};

#define N_STANDARD (sizeof standard / sizeof standard[0])

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

/* One flag's lines of --help: its name at the left, its text from
 * HELP_COLUMN on, each line of it on a line of its own. */
static void usage_row(FILE *out, char letter, const char *name, const char *arg, const char *help)
{
    char head[64];
    if (letter)
        snprintf(head, sizeof head, "  -%c, --%s%s%s", letter, name, arg ? " " : "",
                 arg ? arg : "");
    else
        snprintf(head, sizeof head, "      --%s%s%s", name, arg ? " " : "", arg ? arg : "");
    sb_help_row(out, HELP_COLUMN, head, help);
}

static void usage(const sb_worker_cli_spec *spec, FILE *out)
{
    fprintf(out, "usage: %s [OPTIONS]\n%s%s\n", spec->program, spec->summary ? spec->summary : "",
            spec->summary ? "\n" : "");
    for (size_t i = 0; i < N_STANDARD; i++)
        usage_row(out, standard[i].letter, standard[i].name, standard[i].arg, standard[i].help);
    if (!spec->flags || !spec->flags[0].name)
        return;
    fprintf(out, "\n%s\n", spec->flags_title ? spec->flags_title : "options:");
    for (const sb_worker_flag *f = spec->flags; f->name; f++)
        usage_row(out, 0, f->name, f->arg, f->help);
}

/* The worker's own flag f with its argument. Returns 0, or -1 after
 * printing what is wrong. */
static int own_flag(const sb_worker_cli_spec *spec, const sb_worker_flag *f, const char *value)
{
    char *field = (char *)spec->arg + f->offset;
    switch (f->kind) {
    case SB_WORKER_FLAG_TEXT:
        if (f->nonempty && !*value) {
            fprintf(stderr, "%s: --%s: empty\n", spec->program, f->name);
            return -1;
        }
        *(const char **)(void *)field = value;
        return 0;
    case SB_WORKER_FLAG_SWITCH:
        *(bool *)field = true;
        return 0;
    case SB_WORKER_FLAG_CALL:
        return spec->on_option ? spec->on_option(f->id, value, spec->arg) : -1;
    }
    return -1;
}

int sb_worker_cli_parse(const sb_worker_cli_spec *spec, int argc, char **argv, sb_worker_cli *ret)
{
    static file_config file;
    static char derived_cmd[ENDPOINT_MAX + 32], derived_worker[ENDPOINT_MAX + 32];
    derived_cmd[0] = derived_worker[0] = '\0';
    /* getopt_long's options and short options from the two tables */
    struct option all[N_STANDARD + MAX_OWN_OPTIONS + 1];
    char letters[2 * N_STANDARD + 1];
    size_t n = 0, nl = 0;
    for (; n < N_STANDARD; n++) {
        all[n] =
            (struct option){standard[n].name, standard[n].arg ? required_argument : no_argument,
                            NULL, standard[n].val};
        if (standard[n].letter) {
            letters[nl++] = standard[n].letter;
            if (standard[n].arg)
                letters[nl++] = ':';
        }
    }
    letters[nl] = '\0';
    for (size_t i = 0; spec->flags && spec->flags[i].name; i++) {
        if (i == MAX_OWN_OPTIONS) {
            fprintf(stderr, "%s: too many options (a bug)\n", spec->program);
            return 2;
        }
        all[n++] = (struct option){spec->flags[i].name,
                                   spec->flags[i].arg ? required_argument : no_argument, NULL,
                                   OPT_OWN + (int)i};
    }
    all[n] = (struct option){NULL, 0, NULL, 0};

    sb_worker_cli cli = {.log_level = SB_LOG_INFO};
    const char *flag_endpoint = NULL, *flag_command = NULL;
    int opt;
    optind = 0; /* glibc: full reinitialisation (callers may parse twice) */
    while ((opt = getopt_long(argc, argv, letters, all, NULL)) != -1) {
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
            if (opt >= OPT_OWN && (size_t)(opt - OPT_OWN) < n - N_STANDARD) {
                if (own_flag(spec, &spec->flags[opt - OPT_OWN], optarg))
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
