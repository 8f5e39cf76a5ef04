#include "bench_options.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sb_drive.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: skillbase-bench [OPTIONS]\n"
            "\n"
            "Drives skillbased through its protocol with concurrent clients, each looping\n"
            "apply, review, evaluate, close_publicity, assess on applications of its own;\n"
            "reports durable transitions/s, latency per command, commit batches, the\n"
            "daemon's CPU and memory, and this machine's LMDB and ZeroMQ floor.\n"
            "\n"
            "  --clients N          one run with N clients (default: runs at 1, 16 and 64;\n"
            "                       repeat or give a list, e.g. --clients 1,4,16)\n"
            "  --seconds S          measured seconds per run (default 5)\n"
            "  --warmup S           unmeasured seconds before each run (default 1)\n"
            "  --json               one JSON object on stdout instead of the table\n"
            "  --records N          first preload N records (applications and sub-bases,\n"
            "                       in a mix of states) through the protocol\n"
            "  --transport ipc|tcp  ipc:// socket or tcp loopback (default ipc)\n"
            "  --daemon PATH        skillbased to start (default %s)\n"
            "  --endpoint EP        use the daemon already serving EP instead of starting\n"
            "                       one (no CPU or memory figures then)\n"
            "  --threads T          client threads (default 1)\n"
            "  --preload-clients N  clients for --records (default 128)\n"
            "  --list-pages N       pages of list --state certified to time (default %d)\n"
            "  --register-pages N   pages of 1000 of each register (list, roster, results,\n"
            "                       publicity-list) to time (default 0: none)\n"
            "  --floor-seconds S    seconds per floor measurement (default 1)\n"
            "  --dir DIR            where the temporary state goes (default $TMPDIR or %s)\n"
            "  --random-keys        random idempotency keys (default: time-ordered, as the\n"
            "                       C client library makes them)\n"
            "  --keep               keep the temporary directory (its path on stderr)\n"
            "  -h, --help           this text\n",
            SB_BENCH_DEFAULT_DAEMON, BENCH_LIST_PAGES_DEFAULT, P_tmpdir);
}

/* A number of seconds for flag `what`: from min to a day. */
static int parse_seconds(const char *s, const char *what, double min, double *ret)
{
    return sb_drive_flag_number(what, s, min, 86400, "seconds", ret);
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
    enum {
        O_CLIENTS = 256,
        O_SECONDS,
        O_WARMUP,
        O_JSON,
        O_RECORDS,
        O_TRANSPORT,
        O_DAEMON,
        O_ENDPOINT,
        O_THREADS,
        O_PRELOAD,
        O_LIST,
        O_REGISTERS,
        O_FLOOR,
        O_DIR,
        O_KEEP,
        O_RANDOM_KEYS
    };
    static const struct option options[] = {
        {"clients", required_argument, NULL, O_CLIENTS},
        {"seconds", required_argument, NULL, O_SECONDS},
        {"warmup", required_argument, NULL, O_WARMUP},
        {"json", no_argument, NULL, O_JSON},
        {"records", required_argument, NULL, O_RECORDS},
        {"transport", required_argument, NULL, O_TRANSPORT},
        {"daemon", required_argument, NULL, O_DAEMON},
        {"endpoint", required_argument, NULL, O_ENDPOINT},
        {"threads", required_argument, NULL, O_THREADS},
        {"preload-clients", required_argument, NULL, O_PRELOAD},
        {"list-pages", required_argument, NULL, O_LIST},
        {"register-pages", required_argument, NULL, O_REGISTERS},
        {"floor-seconds", required_argument, NULL, O_FLOOR},
        {"dir", required_argument, NULL, O_DIR},
        {"keep", no_argument, NULL, O_KEEP},
        {"random-keys", no_argument, NULL, O_RANDOM_KEYS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    uint64_t v;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case O_CLIENTS:
            if (parse_clients(b, optarg))
                return -1;
            break;
        case O_SECONDS:
            if (parse_seconds(optarg, "--seconds", 0.1, &b->seconds))
                return -1;
            break;
        case O_WARMUP:
            if (parse_seconds(optarg, "--warmup", 0, &b->warmup))
                return -1;
            break;
        case O_FLOOR:
            if (parse_seconds(optarg, "--floor-seconds", 0.05, &b->floor_seconds))
                return -1;
            break;
        case O_JSON:
            b->json = 1;
            break;
        case O_RECORDS:
            if (sb_drive_flag_u64("--records", optarg, 0, 100000000, &b->records))
                return -1;
            break;
        case O_TRANSPORT:
            if (strcmp(optarg, "ipc") && strcmp(optarg, "tcp")) {
                fprintf(stderr, "skillbase-bench: --transport: \"%s\" is not ipc or tcp\n", optarg);
                return -1;
            }
            b->transport = optarg;
            break;
        case O_DAEMON:
            b->daemon_path = optarg;
            break;
        case O_ENDPOINT:
            b->endpoint = optarg;
            break;
        case O_THREADS:
            if (sb_drive_flag_u64("--threads", optarg, 1, 64, &v))
                return -1;
            b->threads = (unsigned)v;
            break;
        case O_PRELOAD:
            if (sb_drive_flag_u64("--preload-clients", optarg, 1, 4096, &v))
                return -1;
            b->preload_clients = (unsigned)v;
            break;
        case O_LIST:
            if (sb_drive_flag_u64("--list-pages", optarg, 0, 100000, &v))
                return -1;
            b->list_pages = (unsigned)v;
            break;
        case O_REGISTERS:
            if (sb_drive_flag_u64("--register-pages", optarg, 0, 100000, &v))
                return -1;
            b->register_pages = (unsigned)v;
            break;
        case O_DIR:
            b->dir = optarg;
            break;
        case O_KEEP:
            b->keep = 1;
            break;
        case O_RANDOM_KEYS:
            b->random_keys = 1;
            break;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
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
