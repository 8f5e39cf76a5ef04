/* sb_worker: the runtime every skillbase worker links (CMake target
 * sbworker).
 *
 * A worker is a program that does one or more job types for the daemon
 * (docs/jobs.md). It fills an sb_worker_options with its name, the types it
 * takes, a capacity and a handler, and calls sb_worker_run, which:
 *
 *  - connects a DEALER to the daemon's worker endpoint and says Hello;
 *  - receives jobs and runs the handler for each on a handler thread (one
 *    thread per unit of capacity, so with capacity 1 the worker's own code
 *    never runs on two threads at once, and the handler may block — on SMTP,
 *    say — while the runtime's thread keeps the heartbeats going);
 *  - sends JobDone / JobFailed from the handler's outcome, and keeps each
 *    until the daemon acknowledges it (resending after a reconnect);
 *  - heartbeats both ways (Paranoid Pirate): a heartbeat every interval
 *    (1 s unless the daemon's Welcome says otherwise); a daemon silent for
 *    liveness (3) intervals is taken for gone: the runtime closes the socket
 *    and reconnects after a backoff doubling from 1 s to 30 s, then says
 *    Hello again;
 *  - on SIGTERM or SIGINT stops taking jobs, hands back the jobs not yet
 *    started, waits up to shutdown_grace_ms for the ones running, hands back
 *    what is still running then, says Goodbye and returns 0.
 *
 * Threads: sb_worker_run installs handlers for SIGTERM and SIGINT and owns
 * the main thread until it returns; the handler runs on the runtime's
 * handler threads. A ZeroMQ socket or a skillbase_client the handler uses
 * must be created and used on one handler thread (e.g. lazily, per thread).
 */
#ifndef SB_WORKER_H
#define SB_WORKER_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sb_arena.h"
#include "sb_log.h"
#include "skillbase.pb-c.h"
#include "skillbase_client.h"

/* What the handler made of a job. */
typedef enum {
    SB_JOB_DONE = 0,  /* finished: result is sent with JobDone */
    SB_JOB_RETRY = 1, /* failed, may succeed later (a server down): retried after a backoff */
    SB_JOB_FAIL = 2,  /* failed for good (bad params): parked at once for an operator */
} sb_job_outcome;

/* Do one job.
 *
 * `job` is the job as delivered (state LEASED, attempt >= 1, event and
 * params as enqueued); it is valid until the handler returns. The lease runs
 * out at job->lease_until_ms (real time): work that takes longer is given to
 * another worker, so keep every timeout inside the handler shorter.
 *
 * On SB_JOB_DONE fill `result` (initialised empty): summary, optionally a
 * command for the daemon to apply (it is applied once, with idempotency key
 * "job:<id>" and actor "worker:<name>"; leave its idempotency_key and actor
 * empty), optionally data. On SB_JOB_RETRY or SB_JOB_FAIL write a one-line
 * reason into `error` (error_len bytes, NUL-terminated; initially "").
 *
 * Memory: whatever `result` points to must live until the handler returns;
 * the runtime packs it at once and never frees it. Allocate it from
 * sb_worker_arena() (reset by the runtime after packing) or from static or
 * handler-owned storage.
 */
typedef sb_job_outcome (*sb_worker_handler)(const Skillbase__Job *job, Skillbase__JobResult *result,
                                            char *error, size_t error_len, void *arg);

/* The arena of the job being handled on the calling handler thread: free
 * after the handler returns. NULL outside a handler. */
sb_arena *sb_worker_arena(void);

typedef struct {
    const char *name;           /* NULL: "<program>-<hostname>-<pid>" */
    const char *endpoint;       /* NULL: sb_worker_default_endpoint() */
    const char *const *types;   /* job types taken, NULL-terminated; at least one */
    uint32_t capacity;          /* jobs held at once = handler threads; 0: 1 */
    sb_worker_handler handler;  /* required */
    void *arg;                  /* passed to the handler */
    uint32_t heartbeat_ms;      /* 0: 1000 (the daemon's Welcome overrides) */
    uint32_t liveness;          /* 0: 3 (the daemon's Welcome overrides) */
    uint32_t reconnect_min_ms;  /* first reconnect delay; 0: 1000 */
    uint32_t reconnect_max_ms;  /* reconnect delay cap; 0: 30000 */
    uint32_t shutdown_grace_ms; /* wait for running jobs at shutdown; 0: 10000 */
    /* CURVE for a tcp:// endpoint (docs/security.md): the daemon's public
     * key and the worker's key pair. NULL: from $SKILLBASE_SERVER_KEY and
     * $SKILLBASE_KEY_FILE when they are set (--server-key and --key-file
     * set those), else none. Copied. */
    const sb_client_curve *curve;
} sb_worker_options;

/* Serve jobs until SIGTERM or SIGINT (or sb_worker_stop). Returns 0 after a
 * graceful shutdown, or -1 with the reason logged when the options are
 * unusable (no handler, no type, a malformed endpoint) or a thread or
 * socket could not be created. A daemon that is down is not an error: the
 * runtime keeps reconnecting. */
int sb_worker_run(const sb_worker_options *opts);

/* The worker endpoint used when none is given: $SKILLBASE_WORKER_ENDPOINT,
 * else "ipc://<build default state dir>/worker.sock". Never NULL. */
const char *sb_worker_default_endpoint(void);

/* ------------------------------------------------------------ command line */

/* The standard options every worker takes, after parsing. Strings point
 * into argv, the environment or static storage of this module. */
typedef struct {
    const char *endpoint;         /* --endpoint EP: the worker endpoint */
    const char *command_endpoint; /* --command-endpoint EP: the daemon's command endpoint */
    const char *config;           /* --config FILE, or NULL */
    const char *name;             /* --name NAME, or NULL (sb_worker_options default) */
    sb_log_level log_level;       /* --log-level LEVEL (default info); already applied */
} sb_worker_cli;

/* One of a worker's own flags: a row of its table, from which the parser
 * takes getopt_long's option and what to do with the argument, and --help
 * its lines. */
typedef enum {
    SB_WORKER_FLAG_TEXT,   /* the argument, into a const char * field of the spec's arg */
    SB_WORKER_FLAG_SWITCH, /* no argument: a bool field of the spec's arg becomes true */
    SB_WORKER_FLAG_CALL,   /* the spec's on_option is called with the row's id */
} sb_worker_flag_kind;

typedef struct {
    const char *name; /* --name */
    const char *arg;  /* the argument in --help, e.g. "FILE"; NULL: none */
    sb_worker_flag_kind kind;
    size_t offset;    /* TEXT, SWITCH: the field (offsetof) */
    bool nonempty;    /* TEXT: "" is refused ("--name: empty") */
    int id;           /* CALL: passed to on_option */
    const char *help; /* its text in --help, '\n' between lines */
} sb_worker_flag;

/* How a worker describes itself and its own flags to the parser. */
typedef struct {
    const char *program; /* e.g. "skillbase-notify": usage, --version */
    const char *summary; /* one line for --help */
    /* The worker's own flags, ended by a zero row; NULL for none. */
    const sb_worker_flag *flags;
    const char *flags_title; /* their heading in --help, e.g. "notify options:" */
    /* Called for each CALL flag with its row's id and optarg (NULL for a
     * flag without argument). Returns 0, or -1 after printing the problem
     * to stderr (the parse then fails with 2). */
    int (*on_option)(int id, const char *value, void *arg);
    /* Called, after the options, for each entry of the --config file (every
     * section: the worker picks its own). Returns 0, or -1 with the problem
     * in err (the parse then fails with 2, printing "FILE:LINE: " and it).
     * NULL: the worker reads nothing of the file itself. */
    int (*on_config)(const char *section, const char *key, const char *value, void *arg, char *err,
                     size_t err_len);
    void *arg; /* the struct the flags' fields are in; passed to on_option and on_config */
} sb_worker_cli_spec;

/* Parse the command line: --endpoint, --command-endpoint, --server-key,
 * --key-file, --config, --log-level, --name, --help, --version (a table
 * in sb_worker_cli.c) and the worker's own flags (spec->flags); --help is
 * printed from the same rows. Endpoints come from (highest first) the flag, the
 * environment (SKILLBASE_WORKER_ENDPOINT, SKILLBASE_ENDPOINT), the config
 * file ([workers] endpoint, [daemon] command_endpoint and state_dir, as
 * skillbased reads them; the rest is the worker's, through on_config) and
 * the build's default. Sets the log level.
 * Returns 0 to run; 1 when --help or --version was printed (exit 0); 2 on a
 * usage error, printed to stderr (exit 2). */
int sb_worker_cli_parse(const sb_worker_cli_spec *spec, int argc, char **argv, sb_worker_cli *ret);

/* Serve jobs as the command line says: sb_worker_run with `opts`, whose
 * name and endpoint default to the command line's. Returns the program's
 * exit status: 0 after a graceful shutdown, 1 when the worker could not
 * run (the reason logged). */
int sb_worker_cli_run(const sb_worker_cli *cli, sb_worker_options opts);

#endif
