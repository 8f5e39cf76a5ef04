/* sb_config: skillbased's settings, in one struct.
 *
 * Precedence: embedded defaults < the INI file (--config) < command-line
 * flags. The file is read by libinih. Every key is one row of the table in
 * config_keys.c (config_keys.h: type, range, default, start-only or not, its
 * documentation), from which the parser, the defaults, `--help` and the
 * commented config/skillbase.ini come. sb_config_finish derives what was
 * left unset (endpoints beside the state directory) and validates the
 * whole (e.g. the rubric sums).
 *
 * The struct is read by every layer, so it stands at the bottom (policy/:
 * the bureau's choices beside the policy's rules); the functions below,
 * which read the file and ask each module to check its own section, are
 * the service layer's (service/config_load.c).
 */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "sb_log.h"

#define SB_ENDPOINT_MAX 256
#define SB_REMIND_MAX 8              /* [deadlines] remind_days: most offsets */
#define SB_CONFIG_LISTEN_MAX 64      /* [metrics] listen: "HOST:PORT" */
#define SB_CONFIG_CERT_FORMAT_MAX 64 /* [certificate] number: the pattern */

typedef struct {
    char state_dir[PATH_MAX];               /* LMDB environment and ipc sockets */
    char command_endpoint[SB_ENDPOINT_MAX]; /* "" until finish: ipc://<state_dir>/command.sock */
    size_t map_size;                        /* initial LMDB map, bytes */
    size_t map_max;                         /* largest map, bytes */
    size_t max_request_bytes;               /* larger frames are refused */
    uint32_t batch_max;                     /* requests per group commit */
    uint32_t max_queue;                     /* requests held unanswered, then BUSY */
    uint32_t conn_queue;                    /* per connection: requests in one batch (the
                                             * rest wait for the next) and replies queued in
                                             * libzmq (ZMQ_SNDHWM) */
    size_t max_reply_bytes;                 /* a page (list, history, events, jobs) ends
                                             * once its items pass this many bytes */
    size_t conn_reply_bytes;                /* per connection: replies held beyond libzmq's
                                             * queue, then dropped (reply_queue.h) */
    /* [store]: the commit log (docs/storage.md) */
    uint32_t log_mb;        /* its file's size; 0: no log */
    uint32_t checkpoint_ms; /* longest a write waits for a checkpoint */
    sb_log_level log_level;
    sb_rubric rubric;                /* assessment item maxima */
    uint32_t publicity_working_days; /* length of 公示 */
    uint32_t min_experts;            /* [review] min_experts: experts an evaluation
                                      * or assessment names at least */
    /* [events]: the event stream (daemon/publisher.h) */
    char event_endpoint[SB_ENDPOINT_MAX];  /* "" until finish: ipc://<state_dir>/events.sock */
    uint32_t event_send_hwm;               /* messages queued per subscriber, then dropped */
    uint32_t event_heartbeat_ms;           /* heartbeat interval on the stream */
    uint32_t event_max_subscriptions;      /* topic prefixes per stream connection */
    uint32_t event_max_subscription_bytes; /* their total bytes per stream connection */
    /* [workers]: the worker endpoint and the job outbox (daemon/broker.h) */
    char worker_endpoint[SB_ENDPOINT_MAX]; /* "" until finish: ipc://<state_dir>/worker.sock */
    uint32_t job_lease_ms;                 /* a delivered job's lease */
    uint32_t job_max_attempts;             /* deliveries before a job is parked */
    uint32_t job_backoff_base_ms;          /* first retry delay (doubles per attempt) */
    uint32_t job_backoff_max_ms;           /* retry delay cap */
    uint32_t worker_heartbeat_ms;          /* heartbeat interval, both ways */
    uint32_t worker_liveness;              /* missed heartbeats before a worker is dead */
    /* [deadlines]: the holiday calendar and assessment reminders (docs/deadlines.md) */
    char calendar[PATH_MAX];             /* "" until finish: sb_calendar_default_path() */
    uint32_t remind_days[SB_REMIND_MAX]; /* reminders this many days before an assessment */
    uint32_t n_remind_days;              /* is due, largest first; 0: none */
    /* [metrics]: the Prometheus endpoint (daemon/metrics.h) */
    char metrics_listen[SB_CONFIG_LISTEN_MAX]; /* "HOST:PORT", "" = off */
    /* [security] and [four_eyes] (daemon/security.h, docs/security.md) */
    char keys_file[PATH_MAX];       /* "": none (tcp:// endpoints are refused) */
    char server_key_file[PATH_MAX]; /* "" until finish: <state_dir>/server.key */
    int ipc_role;                   /* sb_key_role of ipc:// callers (operator) */
    bool four_eyes_certify;         /* close_publicity needs a second operator */
    bool four_eyes_revoke;          /* revoke needs a second operator */
    bool four_eyes_ipc_refuse;      /* [four_eyes] over_ipc = refuse: proposing and
                                     * confirming need a per-person key */
    uint32_t handshake_ms;          /* a tcp:// connection must finish its CURVE
                                     * handshake within this (ZMQ_HANDSHAKE_IVL) */
    uint32_t max_connections;       /* connections the daemon provisions file
                                     * descriptors for (RLIMIT_NOFILE) */
    /* [subsidy] rules: the rules file statements are checked against
     * (handle_statement.c); "": the shipped example, as skillbase-subsidy */
    char subsidy_rules[PATH_MAX];
    /* [subsidy] approve_with_example_rates: allow (the embedded default, so
     * the quick start's demonstration can approve) or refuse (production):
     * approving a statement computed with EXAMPLE rates (handle_subsidy_decision.c) */
    bool subsidy_refuse_example;
    /* [four_eyes] subsidy: approving a statement needs a second operator */
    bool four_eyes_subsidy;
    /* [documents] (daemon/documents.h, docs/operations.md) */
    uint64_t doc_max_bytes;     /* largest document accepted */
    uint32_t doc_max_uploads;   /* uploads in progress at once */
    uint32_t doc_upload_idle_s; /* an idle upload is forgotten after this */
    /* the bureau's choices where the policy sets nothing (daemon/bureau.h);
     * [rubric] grade_on is rubric.grade_on_base */
    bool rubric_example_marked;                         /* [rubric] example = true */
    bool rubric_items_set;                              /* some [rubric] item maximum was set */
    bool objection_suspends;                            /* [publicity] objection_suspends */
    bool one_per_unit;                                  /* [applications] one_per_unit */
    bool email_required;                                /* [applications] email_required */
    char certificate_format[SB_CONFIG_CERT_FORMAT_MAX]; /* [certificate] number */
    /* [activity] (daemon/activity.h, docs/activity.md): the yearly filing's
     * due date, MM-DD of the following year, and its reminders (the
     * bureau's choice; the policy sets no date) */
    uint32_t activity_due_month, activity_due_day;
    uint32_t activity_remind_days[SB_REMIND_MAX];
    uint32_t n_activity_remind_days;
    bool activity_reminders; /* [activity] reminders: off schedules none */
} sb_config;

/* Fill in the embedded defaults (state directory: the build's default). */
void sb_config_defaults(sb_config *c);

/* Read an INI file over *c. Returns 0, or -1 with a one-line reason naming
 * the file, line and key in err (unknown section or key, bad number,
 * unreadable file). */
int sb_config_load(sb_config *c, const char *path, char *err, size_t err_len);

/* Set one "section.key" from a string as the file would (used for the
 * command-line overrides). Returns 0 or -1 with the reason in err. */
int sb_config_set(sb_config *c, const char *section, const char *key, const char *value, char *err,
                  size_t err_len);

/* Derive unset endpoints and validate. Returns 0 or -1 with every problem
 * in err ("; "-separated). */
int sb_config_finish(sb_config *c, char *err, size_t err_len);

#endif
