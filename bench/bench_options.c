/* skillbase-bench's command line (bench_options.h): its flags as one table. */
#include "bench_options.h"

#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sb_drive.h"
#include "sb_help.h"

/* The flags, one row each: getopt_long's options, the parsing and the
 * --help text all come from these rows. */
typedef enum {
    FLAG_SET,       /* no argument: the int field becomes 1 */
    FLAG_TEXT,      /* the argument itself, into a const char * field */
    FLAG_UNSIGNED,  /* a whole number in [min, max] into an unsigned field */
    FLAG_U64,       /* the same into a uint64_t field */
    FLAG_SECONDS,   /* seconds from min to a day into a double field */
    FLAG_CLIENTS,   /* a comma-separated list of client counts, repeatable */
    FLAG_TRANSPORT, /* ipc or tcp */
    FLAG_HELP,
} flag_kind;

typedef struct {
    const char *name; /* --name */
    const char *arg;  /* what the argument is, for --help; NULL: none */
    flag_kind kind;
    size_t offset; /* the field in bench_options */
    double min, max;
    const char *help; /* '\n' between its lines */
} flag_row;

#define STR_(x) #x
#define STR(x) STR_(x)
#define AT(f) offsetof(bench_options, f)

static const flag_row flags[] = {
    {"clients", "N", FLAG_CLIENTS, 0, 1, 4096,
     "one run with N clients (default: runs at 1, 16 and 64;\n"
     "repeat or give a list, e.g. --clients 1,4,16)"},
    {"seconds", "S", FLAG_SECONDS, AT(seconds), 0.1, 86400, "measured seconds per run (default 5)"},
    {"warmup", "S", FLAG_SECONDS, AT(warmup), 0, 86400,
     "unmeasured seconds before each run (default 1)"},
    {"json", NULL, FLAG_SET, AT(json), 0, 0, "one JSON object on stdout instead of the table"},
    {"records", "N", FLAG_U64, AT(records), 0, 100000000,
     "first preload N records (applications and sub-bases,\n"
     "in a mix of states) through the protocol"},
    {"transport", "ipc|tcp", FLAG_TRANSPORT, AT(transport), 0, 0,
     "ipc:// socket or tcp loopback (default ipc)"},
    {"daemon", "PATH", FLAG_TEXT, AT(daemon_path), 0, 0,
     "skillbased to start (default " SB_BENCH_DEFAULT_DAEMON ")"},
    {"endpoint", "EP", FLAG_TEXT, AT(endpoint), 0, 0,
     "use the daemon already serving EP instead of starting\n"
     "one (no CPU or memory figures then)"},
    {"threads", "T", FLAG_UNSIGNED, AT(threads), 1, 64, "client threads (default 1)"},
    {"preload-clients", "N", FLAG_UNSIGNED, AT(preload_clients), 1, 4096,
     "clients for --records (default 128)"},
    {"list-pages", "N", FLAG_UNSIGNED, AT(list_pages), 0, 100000,
     "pages of list --state certified to time (default " STR(BENCH_LIST_PAGES_DEFAULT) ")"},
    {"register-pages", "N", FLAG_UNSIGNED, AT(register_pages), 0, 100000,
     "pages of 1000 of each register (list, roster, results,\n"
     "publicity-list) to time (default 0: none)"},
    {"floor-seconds", "S", FLAG_SECONDS, AT(floor_seconds), 0.05, 86400,
     "seconds per floor measurement (default 1)"},
    {"dir", "DIR", FLAG_TEXT, AT(dir), 0, 0,
     "where the temporary state goes (default $TMPDIR or " P_tmpdir ")"},
    {"random-keys", NULL, FLAG_SET, AT(random_keys), 0, 0,
     "random idempotency keys (default: time-ordered, as the\n"
     "C client library makes them)"},
    {"keep", NULL, FLAG_SET, AT(keep), 0, 0, "keep the temporary directory (its path on stderr)"},
    {"help", NULL, FLAG_HELP, 0, 0, 0, "this text"},
};

#define N_FLAGS (sizeof flags / sizeof flags[0])
#define HELP_COLUMN 23 /* where each flag's text starts */

static void usage(FILE *out)
{
    fprintf(out, "usage: skillbase-bench [OPTIONS]\n"
                 "\n"
                 "Drives skillbased through its protocol with concurrent clients, each looping\n"
                 "apply, review, evaluate, close_publicity, assess on applications of its own;\n"
                 "reports durable transitions/s, latency per command, commit batches, the\n"
                 "daemon's CPU and memory, and this machine's LMDB and ZeroMQ floor.\n"
                 "\n");
    for (size_t i = 0; i < N_FLAGS; i++) {
        const flag_row *f = &flags[i];
        char head[64];
        snprintf(head, sizeof head, "  %s--%s%s%s", f->kind == FLAG_HELP ? "-h, " : "", f->name,
                 f->arg ? " " : "", f->arg ? f->arg : "");
        sb_help_row(out, HELP_COLUMN, head, f->help);
    }
}

static int parse_clients(bench_options *b, const char *arg)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", arg);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (b->n_clients == BENCH_MAX_RUNS) {
            fprintf(stderr, "skillbase-bench: --clients: at most %d runs\n", BENCH_MAX_RUNS);
            return -1;
        }
        if (sb_drive_flag_u64("--clients", tok, 1, 4096, &v))
            return -1;
        b->clients[b->n_clients++] = (unsigned)v;
    }
    return 0;
}

/* Row f's argument into b. Returns 0, or -1 after printing what is wrong. */
static int set_flag(bench_options *b, const flag_row *f, const char *arg)
{
    char *field = (char *)b + f->offset;
    char flag[32];
    snprintf(flag, sizeof flag, "--%s", f->name);
    uint64_t v;
    switch (f->kind) {
    case FLAG_SET:
        *(int *)(void *)field = 1;
        return 0;
    case FLAG_TEXT:
        *(const char **)(void *)field = arg;
        return 0;
    case FLAG_UNSIGNED:
        if (sb_drive_flag_u64(flag, arg, (uint64_t)f->min, (uint64_t)f->max, &v))
            return -1;
        *(unsigned *)(void *)field = (unsigned)v;
        return 0;
    case FLAG_U64:
        return sb_drive_flag_u64(flag, arg, (uint64_t)f->min, (uint64_t)f->max,
                                 (uint64_t *)(void *)field);
    case FLAG_SECONDS:
        return sb_drive_flag_number(flag, arg, f->min, f->max, "seconds", (double *)(void *)field);
    case FLAG_CLIENTS:
        return parse_clients(b, arg);
    case FLAG_TRANSPORT:
        if (strcmp(arg, "ipc") && strcmp(arg, "tcp")) {
            fprintf(stderr, "skillbase-bench: --transport: \"%s\" is not ipc or tcp\n", arg);
            return -1;
        }
        *(const char **)(void *)field = arg;
        return 0;
    case FLAG_HELP:
        break;
    }
    return -1;
}

int bench_options_parse(bench_options *b, int argc, char **argv)
{
    *b = (bench_options){
        .daemon_path = SB_BENCH_DEFAULT_DAEMON,
        .transport = "ipc",
        .threads = 1,
        .seconds = 5,
        .warmup = 1,
        .floor_seconds = 1,
        .preload_clients = 128,
        .list_pages = BENCH_LIST_PAGES_DEFAULT,
    };
    /* getopt_long's table from the rows: each option returns 256 + its row */
    struct option options[N_FLAGS + 1];
    for (size_t i = 0; i < N_FLAGS; i++)
        options[i] = (struct option){flags[i].name, flags[i].arg ? required_argument : no_argument,
                                     NULL, flags[i].kind == FLAG_HELP ? 'h' : 256 + (int)i};
    options[N_FLAGS] = (struct option){NULL, 0, NULL, 0};
    int opt;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            usage(stdout);
            return 1;
        }
        if (opt < 256 || opt >= 256 + (int)N_FLAGS) {
            usage(stderr);
            return -1;
        }
        if (set_flag(b, &flags[opt - 256], optarg))
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "skillbase-bench: unexpected argument \"%s\"\n", argv[optind]);
        return -1;
    }
    if (b->endpoint && strncmp(b->endpoint, "tcp://", 6) && strncmp(b->endpoint, "ipc://", 6)) {
        fprintf(stderr, "skillbase-bench: --endpoint: \"%s\" is not a tcp:// or ipc:// endpoint\n",
                b->endpoint);
        return -1;
    }
    if (!b->n_clients) {
        b->clients[0] = 1, b->clients[1] = 16, b->clients[2] = 64;
        b->n_clients = 3;
    }
    return 0;
}
