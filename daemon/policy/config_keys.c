/* The configuration's keys, one row each (config_keys.h): a new key is
 * one row here and its field in config.h; `status` reports it when it is
 * the bureau's choice, `rules` too, --help and the commented file list it.
 * The keys a plain type cannot parse keep a small setter, just below.
 * Pure data: no I/O (the service layer reads the file). */
#include "config_keys.h"

#include <stdio.h>
#include <string.h>

#include "sb_keys.h" /* the roles (an enum: nothing to link) */

#define MIB ((uint64_t)1024 * 1024)

/* ------------------------------------------------------- special keys */

/* "MM-DD" of a day every year has (no 29 February). */
static int set_activity_due(sb_config *c, const char *s, char *err, size_t err_len)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 5 || s[2] != '-')
        goto bad;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            goto bad;
    int m = (s[0] - '0') * 10 + (s[1] - '0'), d = (s[3] - '0') * 10 + (s[4] - '0');
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        goto bad;
    c->activity_due_month = (uint32_t)m;
    c->activity_due_day = (uint32_t)d;
    return 0;
bad:
    snprintf(err, err_len,
             "[activity] due: \"%s\" is not a day of the year as MM-DD (01-01 to 12-31, "
             "not 02-29)",
             s);
    return -1;
}

static void show_activity_due(const sb_config *c, char *buf, size_t len)
{
    snprintf(buf, len, "%02u-%02u", c->activity_due_month, c->activity_due_day);
}

/* The roles ipc:// callers may have (sb_keys.h): a worker's key is for the
 * worker endpoint, never the command endpoint. */
static const char *const ipc_roles[_SB_KEY_ROLE_MAX] = {
    [SB_KEY_ROLE_OPERATOR] = "operator",
    [SB_KEY_ROLE_REVIEWER] = "reviewer",
    [SB_KEY_ROLE_SERVICE] = "service",
    [SB_KEY_ROLE_READER] = "reader",
};

static int set_ipc_role(sb_config *c, const char *value, char *err, size_t err_len)
{
    for (int r = 0; r < _SB_KEY_ROLE_MAX; r++) {
        if (ipc_roles[r] && strcmp(value, ipc_roles[r]) == 0) {
            c->ipc_role = r;
            return 0;
        }
    }
    snprintf(err, err_len,
             "[security] ipc_role: \"%s\" is not one of operator, reviewer, service, reader",
             value);
    return -1;
}

static void show_ipc_role(const sb_config *c, char *buf, size_t len)
{
    bool known = c->ipc_role >= 0 && c->ipc_role < _SB_KEY_ROLE_MAX && ipc_roles[c->ipc_role];
    snprintf(buf, len, "%s", known ? ipc_roles[c->ipc_role] : "");
}

/* -------------------------------------------------------------- the rows */

static const char *const log_levels[] = {"error", "warn", "info", "debug", NULL};
static const char *const grade_on[] = {"total", "base", NULL};
static const char *const allow_refuse[] = {"allow", "refuse", NULL};
static const char *const off_on[] = {"off", "on", NULL};

#define FIELD(f) .offset = offsetof(sb_config, f), .size = sizeof(((sb_config *)0)->f)
#define ROW(sec, k, ty, d, sh, fl, dc, tl, ln)                                                     \
    .section = sec, .key = k, .type = ty, .def = d, .shown = sh, .flags = fl, .doc = dc,           \
    .tail = tl, .line = ln
/* Each macro takes, after the row's own arguments, optional designators
 * (.report = "name": what status and rules call it). */
#define UINT(sec, k, f, sc, lo, hi, d, sh, fl, dc, tl, ln, ...)                                    \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_UINT, d, sh, fl, dc, tl, ln), FIELD(f), .scale = sc, .min = lo,      \
                                                                      .max = hi, __VA_ARGS__       \
    }
#define SWITCH(sec, k, f, d, sh, fl, dc, tl, ln, ...)                                              \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_SWITCH, d, sh, fl, dc, tl, ln), FIELD(f), __VA_ARGS__                \
    }
#define TEXT(sec, k, f, d, sh, fl, dc, tl, ln, ...)                                                \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_TEXT, d, sh, fl, dc, tl, ln), FIELD(f), __VA_ARGS__                  \
    }
/* a TEXT whose default sb_config_finish derives (described in wh) */
#define DERIVED(sec, k, f, wh, sh, fl, dc, tl, ln, ...)                                            \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_TEXT, NULL, sh, fl, dc, tl, ln), FIELD(f), .what = wh, __VA_ARGS__   \
    }
#define CHOICE(sec, k, f, ch, d, sh, fl, dc, tl, ln, ...)                                          \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_CHOICE, d, sh, fl, dc, tl, ln), FIELD(f), .choices = ch, __VA_ARGS__ \
    }
/* a list of days into f, its count into nf */
#define DAYS(sec, k, f, nf, d, sh, fl, dc, tl, ln, ...)                                            \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_DAYS, d, sh, fl, dc, tl, ln), FIELD(f),                              \
            .count_offset = offsetof(sb_config, nf),                                               \
            .what = "days: a comma-separated list, 1-365 each, at most 8", __VA_ARGS__             \
    }
#define LISTEN(sec, k, f, d, sh, fl, dc, tl, ln, ...)                                              \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_LISTEN, d, sh, fl, dc, tl, ln), FIELD(f),                            \
            .what = "HOST:PORT, numeric; empty: off", __VA_ARGS__                                  \
    }
/* fn parses the value, sh_fn shows it (wh: the type in words) */
#define SPECIAL(sec, k, fn, sh_fn, wh, d, sh, fl, dc, tl, ln, ...)                                 \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_SPECIAL, d, sh, fl, dc, tl, ln), .set = fn, .show = sh_fn,           \
                                                               .what = wh, __VA_ARGS__             \
    }
#define FOREIGN(sec, k, d, sh, fl, dc, tl, ln)                                                     \
    {                                                                                              \
        ROW(sec, k, SB_CONFIG_FOREIGN, d, sh, fl, dc, tl, ln), .what = "skillbase-notify's"        \
    }

const sb_config_key sb_config_keys[] = {
    /* ---------------------------------------------------------- [daemon] */
    DERIVED("daemon", "state_dir", state_dir, "the build's (see --state-dir)", "/var/lib/skillbase",
            SB_CONFIG_START_ONLY | SB_CONFIG_NONEMPTY | SB_CONFIG_TIGHT,
            "Where the LMDB store (data.mdb, lock.mdb) and the default ipc sockets live.\n"
            "Default: the var/ directory of the source checkout the daemon was built from.",
            NULL, "where the store and the default ipc sockets live"),
    DERIVED("daemon", "command_endpoint", command_endpoint, "ipc://<state_dir>/command.sock",
            "tcp://127.0.0.1:7400", SB_CONFIG_START_ONLY,
            "Command endpoint (ZeroMQ ROUTER). Default: ipc://<state_dir>/command.sock", NULL,
            "the command endpoint (ZeroMQ ROUTER)"),
    UINT("daemon", "map_size_mb", map_size, MIB, 1, 16 * 1024 * 1024, "64", NULL,
         SB_CONFIG_START_ONLY,
         "LMDB map: initial size and the most it may grow to, in MiB. The map grows\n"
         "by doubling when full; it is address space, not disk, until used.",
         NULL, "initial LMDB map, MiB"),
    UINT("daemon", "map_max_mb", map_max, MIB, 1, 16 * 1024 * 1024, "65536", NULL,
         SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT, NULL, NULL, "largest LMDB map, MiB"),
    UINT("daemon", "max_request_kb", max_request_bytes, 1024, 1, 64 * 1024, "1024", NULL,
         SB_CONFIG_START_ONLY, "Largest request frame accepted, in KiB; bigger ones are refused.",
         NULL, "largest request frame, KiB"),
    UINT("daemon", "batch_max", batch_max, 1, 1, 65536, "1024", NULL, SB_CONFIG_START_ONLY,
         "Most requests committed together in one transaction (group commit).", NULL,
         "requests committed together (group commit)"),
    UINT("daemon", "max_queue", max_queue, 1, 1, 1000000, "4096", NULL, SB_CONFIG_START_ONLY,
         "Most requests the daemon holds read but not yet answered (the batch being\n"
         "committed and those waiting for the next). A request beyond that is\n"
         "answered at once with code busy and Reply.retry_after_ms, and nothing is\n"
         "done with it: the client sends the same bytes again after that pause\n"
         "(docs/faults.md, \"Overload\"). Keep it well below what the daemon commits\n"
         "within a client's timeout (5 s). 1-1000000.",
         NULL, "requests held unanswered before busy"),
    UINT("daemon", "conn_queue", conn_queue, 1, 1, 100000, "16", NULL, SB_CONFIG_START_ONLY,
         "Per client connection (docs/security.md, \"Exhaustion\"): at most conn_queue\n"
         "of its requests in one batch (the rest wait for the next ones) and\n"
         "conn_queue replies queued in libzmq for it; pages (list, history, events,\n"
         "jobs) end after max_reply_kb; replies beyond libzmq's queue are held up to\n"
         "conn_reply_kb, after which a client that does not read gets its replies\n"
         "dropped and its requests refused until it reads.",
         NULL, "per connection: requests in one batch, replies queued"),
    UINT("daemon", "max_reply_kb", max_reply_bytes, 1024, 16, 1024 * 1024, "1024", NULL,
         SB_CONFIG_TIGHT, NULL, NULL, "a page ends once its items pass this, KiB"),
    UINT("daemon", "conn_reply_kb", conn_reply_bytes, 1024, 64, 16 * 1024 * 1024, "16384", NULL,
         SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT, NULL, NULL,
         "per connection: replies held beyond libzmq, KiB"),
    CHOICE("daemon", "log_level", log_level, log_levels, "info", NULL, 0,
           "error, warn, info or debug", NULL, "lowest level logged"),
    /* ---------------------------------------------------------- [store] */
    UINT("store", "log_mb", log_mb, 1, 0, 4096, "8", NULL, SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
         "The commit log (docs/storage.md, \"The commit log\"): a reply waits for one\n"
         "synced append to <state_dir>/commit.log; LMDB itself is committed, with\n"
         "its own full sync, at checkpoints. log_mb is the log file's size (written\n"
         "in full when created); a checkpoint comes once it is half full, or\n"
         "checkpoint_ms after the first write that waits for one. Replaying the log\n"
         "at start-up after a crash reads at most log_mb. log_mb = 0: no log, every\n"
         "commit is a full LMDB commit (as before). log_mb 0-4096, checkpoint_ms\n"
         "1-60000. Both take effect at start.",
         NULL, "commit log size, MiB (0: no log)"),
    UINT("store", "checkpoint_ms", checkpoint_ms, 1, 1, 60000, "500", NULL,
         SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT, NULL, NULL,
         "longest a write waits for a checkpoint, ms"),
    /* ---------------------------------------------------------- [rubric] */
    SWITCH("rubric", "example", rubric_example_marked, "false", "true",
           SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT,
           "Maximum points per assessment item (附件3). The policy fixes only the parts:\n"
           "the four base items together 100 points, the two bonus items together 20.\n"
           "The split per item is the bureau's choice; the daemon refuses to start\n"
           "unless the base items sum to exactly 100 and the bonus items to exactly 20.\n"
           "The split below is the shipped EXAMPLE (附件3 is not in the policy text):\n"
           "while example = true (or no item is set) the daemon warns at start, on\n"
           "reload and in `status`. Set the bureau's maxima, then remove example.",
           NULL, "the split below is the shipped EXAMPLE"),
    UINT("rubric", "basic_construction", rubric.max[0], 1, 0, 100, "25", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT,
         "\n"
         "base part (100)",
         "      ; 基本建设", "基本建设 maximum (base part)"),
    UINT("rubric", "system_construction", rubric.max[1], 1, 0, 100, "20", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT, NULL, "     ; 制度建设",
         "制度建设 maximum (base part)"),
    UINT("rubric", "training_management", rubric.max[2], 1, 0, 100, "25", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT, NULL, "     ; 实训管理",
         "实训管理 maximum (base part)"),
    UINT("rubric", "public_service", rubric.max[3], 1, 0, 100, "30", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT, NULL, "          ; 公共服务",
         "公共服务 maximum (base part)"),
    UINT("rubric", "competition_hosting", rubric.max[4], 1, 0, 100, "10", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT, "bonus part (20)",
         "     ; 承办技能大赛", "承办技能大赛 maximum (bonus part)"),
    UINT("rubric", "other_public_service", rubric.max[5], 1, 0, 100, "10", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT, NULL, "    ; 其他公益性服务",
         "其他公益性服务 maximum (bonus part)"),
    CHOICE("rubric", "grade_on", rubric.grade_on_base, grade_on, "total", NULL,
           SB_CONFIG_BUREAU | SB_CONFIG_TIGHT,
           "The grade bands of 五(二) (90/80/60) apply to the total, base plus bonus\n"
           "(total), or to the base part only (base): 五(二) does not say which. The\n"
           "bureau's choice; default total.",
           NULL, "grade bands of 五(二) on the total or the base part", .report = "grade_on"),
    /* ---------------------------------------------------------- [publicity] */
    UINT("publicity", "working_days", publicity_working_days, 1, 1, 60, "5", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT,
         "Length of the publicity period (公示) in working days on the Chinese\n"
         "holiday calendar; the deadlines worker closes publicity after it. The\n"
         "bureau's choice: 二(三)2 says 公示, not how long.",
         NULL, "length of 公示 in working days"),
    SWITCH("publicity", "objection_suspends", objection_suspends, "on", NULL, SB_CONFIG_BUREAU,
           "Whether an objection stops the publicity clock until it is dismissed (on:\n"
           "the days left then run from the dismissal) or the window runs on through\n"
           "it (off: after a dismissal the window ends when it would have, or has\n"
           "ended). The bureau's choice; default on.",
           NULL, "an objection stops the publicity clock", .report = "objection_suspends"),
    /* ---------------------------------------------------------- [applications] */
    SWITCH("applications", "one_per_unit", one_per_unit, "on", NULL,
           SB_CONFIG_BUREAU | SB_CONFIG_TIGHT,
           "One open application or live sub-base per unit at a time (on), or any\n"
           "number (off). The bureau's choice; default on.",
           NULL, "one open application or live sub-base per unit", .report = "one_per_unit"),
    SWITCH("applications", "email_required", email_required, "off", NULL,
           SB_CONFIG_BUREAU | SB_CONFIG_TIGHT,
           "Whether an application must give a contact e-mail. Off (the default): a\n"
           "unit without e-mail may apply, and its notices go to skillbase-notify's\n"
           "spool, for paper; an address given must still be one. The bureau's choice.",
           NULL, "an application must give a contact e-mail", .report = "email_required"),
    /* ---------------------------------------------------------- [certificate] */
    TEXT("certificate", "number", certificate_format, "HZPTB-{year}-{serial:3}", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_TIGHT,
         "The certificate number's format: {year}, and {serial} or {serial:N} (the\n"
         "year's serial, at least N digits; it restarts each year, so both are\n"
         "required), other characters printable ASCII. The bureau's choice.",
         NULL, "the certificate number's format"),
    /* ---------------------------------------------------------- [review] */
    UINT("review", "min_experts", min_experts, 1, 1, 20, "3", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_SET | SB_CONFIG_TIGHT,
         "The experts an evaluation or an assessment must name at least (二(三)2,\n"
         "五(一) 组织专家). The policy says \"experts\", not how many: this is the\n"
         "bureau's choice, not policy.",
         NULL, "experts an evaluation or assessment names at least"),
    /* ---------------------------------------------------------- [deadlines] */
    DERIVED("deadlines", "calendar", calendar, "the build's (see data files)",
            "/etc/skillbase/cn-workdays.tsv", SB_CONFIG_NONEMPTY | SB_CONFIG_TIGHT,
            "The working-day calendar (docs/deadlines.md): weekends, the statutory\n"
            "holidays and the make-up working days (调休) of each year, one line per day\n"
            "that differs from Monday-Friday. Both skillbased (it counts the days used\n"
            "when an objection stops publicity) and skillbase-deadlines (it counts the\n"
            "window) read it; the daemon refuses to start or reload with a file it\n"
            "cannot read. A date after the file's last year is counted with weekends\n"
            "only, with a warning: add each year when the State Council publishes it\n"
            "(README.md, \"The holiday calendar\"). Default: the shipped\n"
            "data/calendar/cn-workdays.tsv. skillbase-deadlines flag: --calendar FILE.",
            NULL, "the working-day calendar file"),
    DAYS("deadlines", "remind_days", remind_days, n_remind_days, "60,30,7", NULL, 0,
         "Reminders before a sub-base's biennial assessment is due, in days before\n"
         "the due date (a comma-separated list, 1-365 each, at most 8; empty: none).\n"
         "An overdue notice follows the day after the due date in any case. They are\n"
         "scheduled when a sub-base is certified or assessed.",
         NULL, "reminders before an assessment is due, days"),
    /* ---------------------------------------------------------- [events] */
    DERIVED("events", "endpoint", event_endpoint, "ipc://<state_dir>/events.sock",
            "tcp://127.0.0.1:7401", SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
            "The event stream (docs/events.md, docs/protocol.md): every committed event\n"
            "is published on this ZeroMQ PUB endpoint after its commit, in sequence\n"
            "order, as [topic][packed Event]. Default: ipc://<state_dir>/events.sock\n"
            "(flag --event-endpoint). Must differ from the command endpoint.",
            NULL, "the event stream (ZeroMQ PUB)"),
    UINT("events", "send_hwm", event_send_hwm, 1, 100, 10000000, "10000", NULL, 0,
         "Messages queued per subscriber before the daemon drops that subscriber's\n"
         "further messages (ZMQ_SNDHWM), so a slow subscriber cannot grow the daemon's\n"
         "memory. A subscriber that lost messages reads them from the log\n"
         "(ReadEvents); nothing is lost from the log itself.",
         NULL, "messages queued per subscriber, then dropped"),
    UINT("events", "heartbeat_ms", event_heartbeat_ms, 1, 100, 60000, "1000", NULL, 0,
         "Interval of the heartbeat published on the stream (topic \"heartbeat\"); it\n"
         "carries the last committed sequence so an idle subscriber notices what it\n"
         "missed. 100 to 60000 milliseconds.",
         NULL, "heartbeat interval on the stream, ms"),
    UINT("events", "max_subscriptions", event_max_subscriptions, 1, 1, 1024, "16", NULL, 0,
         "What one follower connection may subscribe to: at most this many topic\n"
         "prefixes, of at most this many bytes in all. A subscribe request over\n"
         "either bound is refused (docs/protocol.md, \"The event endpoint\"). 1 to\n"
         "1024 prefixes; 1 to 65536 bytes.",
         NULL, "topic prefixes per follower connection"),
    UINT("events", "max_subscription_bytes", event_max_subscription_bytes, 1, 1, 65536, "4096",
         NULL, SB_CONFIG_TIGHT, NULL, NULL, "their bytes in all per follower connection"),
    /* ---------------------------------------------------------- [subsidy] */
    DERIVED("subsidy", "rules", subsidy_rules, "the build's example subsidy rules",
            "/etc/skillbase/subsidy-rules.json", SB_CONFIG_NONEMPTY | SB_CONFIG_TIGHT,
            "skillbase-subsidy (docs/subsidy.md): the subsidy rules file, JSON — rule\n"
            "versions with an effective-from date, the yearly cap per sub-base and the\n"
            "rates per person-time, per hour or per person-hour by service kind and\n"
            "level, in integer fen. Read again for every statement, so a new file\n"
            "applies at the next computation (`skillbasectl subsidy compute --year Y`\n"
            "recomputes a year). The shipped file's amounts are EXAMPLES, not the\n"
            "bureau's; statements computed with them say so. Flag: --rules FILE.\n"
            "skillbased reads the same key: it checks every statement's rates and cap\n"
            "against this file (the worker proposes, the daemon verifies), so both must\n"
            "name the same file; reload the daemon after changing it.\n"
            "Default: the shipped data/subsidy/rules.example.json.",
            NULL, "the subsidy rules file statements are checked against"),
    CHOICE("subsidy", "approve_with_example_rates", subsidy_refuse_example, allow_refuse, "allow",
           NULL, SB_CONFIG_BUREAU | SB_CONFIG_TIGHT,
           "May an operator approve a statement computed with amounts the rules file\n"
           "marks as EXAMPLES (skillbasectl subsidy approve, docs/subsidy.md\n"
           "\"Decisions\")? allow (the default, so the demonstration can run the whole\n"
           "path) or refuse (the production configuration: approval then names the\n"
           "rules file to install). The bureau's choice.",
           NULL, "approving a statement at EXAMPLE rates"),
    /* ---------------------------------------------------------- [workers] */
    DERIVED("workers", "endpoint", worker_endpoint, "ipc://<state_dir>/worker.sock",
            "tcp://127.0.0.1:7402", SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
            "The worker endpoint and the job outbox (docs/jobs.md). Workers\n"
            "(skillbase-notify, -deadlines, -subsidy) connect here, say which job types\n"
            "they take, and receive jobs under a lease.\n"
            "Default: ipc://<state_dir>/worker.sock (flag --worker-endpoint). The\n"
            "workers read this key (and [daemon] state_dir) from the same file when\n"
            "given --config. Must differ from the command endpoint.",
            NULL, "the worker endpoint (ZeroMQ ROUTER)"),
    UINT("workers", "lease_ms", job_lease_ms, 1, 100, 86400000, "30000", NULL, 0,
         "How long a delivered job is leased to its worker, in milliseconds. A job\n"
         "not finished by then goes to another worker (the attempt counts), so keep\n"
         "it above the longest a handler may take (e.g. an SMTP timeout). 100 to\n"
         "86400000.",
         NULL, "a delivered job's lease, ms"),
    UINT("workers", "max_attempts", job_max_attempts, 1, 1, 1000, "5", NULL, 0,
         "Deliveries before a failing job is parked for an operator\n"
         "(`skillbasectl jobs retry ID`). 1 to 1000.",
         NULL, "deliveries before a failing job is parked"),
    UINT("workers", "backoff_base_ms", job_backoff_base_ms, 1, 1, 86400000, "1000", NULL, 0,
         "Retry backoff: base * 2^(attempt-1), capped, then half of it jittered.\n"
         "Milliseconds, 1 to 86400000.",
         NULL, "first retry delay, ms (doubles per attempt)"),
    UINT("workers", "backoff_max_ms", job_backoff_max_ms, 1, 1, 86400000, "300000", NULL,
         SB_CONFIG_TIGHT, NULL, NULL, "retry delay cap, ms"),
    UINT("workers", "heartbeat_ms", worker_heartbeat_ms, 1, 50, 60000, "1000", NULL, 0,
         "Heartbeats both ways; a peer silent for liveness * heartbeat_ms is dead\n"
         "and a dead worker's jobs go back to the queue. heartbeat_ms 50 to 60000,\n"
         "liveness 2 to 100.",
         NULL, "heartbeat interval with workers, ms"),
    UINT("workers", "liveness", worker_liveness, 1, 2, 100, "3", NULL, SB_CONFIG_TIGHT, NULL, NULL,
         "missed heartbeats before a worker is dead"),
    /* ---------------------------------------------------------- [notify] */
    FOREIGN("notify", "channels", NULL, "spool", SB_CONFIG_TIGHT,
            "skillbase-notify (docs/notify.md): a notice for each event that concerns a\n"
            "person, rendered from the templates and delivered on every channel listed.\n"
            "The daemon ignores this section. Flags: --channels, --spool-dir,\n"
            "--templates, --capacity.\n"
            "\n"
            "Channels, comma-separated: spool (files), smtp (e-mail), webhook (HTTP).",
            NULL, NULL),
    FOREIGN("notify", "spool_dir", NULL, "/var/lib/skillbase/notices", 0,
            "spool: one file per notice, named after its job, written atomically.\n"
            "Default: <state_dir>/notices",
            NULL, NULL),
    FOREIGN("notify", "templates_dir", NULL, "/etc/skillbase/notices", 0,
            "The templates, one <name>.txt per notice (topic, action, subject, body).\n"
            "Default: the shipped data/notices. Check edits with\n"
            "`skillbase-notify --check` and `--preview EVENTS.json` before a restart.",
            NULL, NULL),
    FOREIGN("notify", "operators", NULL,
            "jineng@hrss.hangzhou.example.cn, duty@hrss.hangzhou.example.cn", 0,
            "Operator addresses, comma-separated: copied on every notice.", NULL, NULL),
    FOREIGN("notify", "notify_applicant", NULL, "true", 0,
            "Also address the applicant's contact e-mail (form or sub-base contact).", NULL, NULL),
    FOREIGN("notify", "capacity", NULL, "2", 0, "Notices delivered at once (1 to 64).", NULL, NULL),
    FOREIGN("notify", "smtp_url", NULL, "smtp://mail.example.cn:587", 0,
            "smtp: smtp://host:587 (STARTTLS per smtp_tls) or smtps://host:465.", NULL, NULL),
    FOREIGN("notify", "smtp_from", NULL, "skillbase@hrss.hangzhou.example.cn", SB_CONFIG_TIGHT,
            NULL, NULL, NULL),
    FOREIGN("notify", "smtp_user", NULL, "", SB_CONFIG_TIGHT,
            "Login, when the server wants one; the password may instead come from the\n"
            "environment variable SKILLBASE_SMTP_PASSWORD.",
            NULL, NULL),
    FOREIGN("notify", "smtp_password", NULL, "", SB_CONFIG_TIGHT, NULL, NULL, NULL),
    FOREIGN("notify", "smtp_tls", NULL, "try", SB_CONFIG_TIGHT,
            "none, try (STARTTLS when offered) or required.", NULL, NULL),
    FOREIGN("notify", "smtp_ca_file", NULL, "", SB_CONFIG_TIGHT,
            "Certificate checking: a CA bundle (\"\" = the system's) and whether to verify.", NULL,
            NULL),
    FOREIGN("notify", "smtp_verify", NULL, "true", SB_CONFIG_TIGHT, NULL, NULL, NULL),
    FOREIGN("notify", "smtp_timeout_s", NULL, "30", SB_CONFIG_TIGHT,
            "Seconds per mail (1 to 600); never more than the job's lease has left.", NULL, NULL),
    FOREIGN("notify", "webhook_url", NULL, "https://hooks.example.cn/skillbase/notices", 0,
            "webhook: POST of the notice as JSON; any answer but 2xx is retried.", NULL, NULL),
    FOREIGN("notify", "webhook_token", NULL, "", SB_CONFIG_TIGHT,
            "Sent as \"Authorization: Bearer <token>\"; or SKILLBASE_WEBHOOK_TOKEN.", NULL, NULL),
    FOREIGN("notify", "webhook_ca_file", NULL, "", SB_CONFIG_TIGHT, NULL, NULL, NULL),
    FOREIGN("notify", "webhook_verify", NULL, "true", SB_CONFIG_TIGHT, NULL, NULL, NULL),
    FOREIGN("notify", "webhook_timeout_s", NULL, "10", SB_CONFIG_TIGHT,
            "Seconds per request (1 to 600).", NULL, NULL),
    /* ---------------------------------------------------------- [metrics] */
    LISTEN("metrics", "listen", metrics_listen, "", "127.0.0.1:9464",
           SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
           "Prometheus metrics over HTTP (docs/operations.md lists the families):\n"
           "HOST:PORT with a numeric address, e.g. 127.0.0.1:9464 or [::1]:9464 (port\n"
           "0: any free port, logged at start). There is no authentication: keep it on\n"
           "loopback. Empty: off. Flag: --metrics-listen. Read at start only.",
           NULL, "Prometheus metrics over HTTP, HOST:PORT"),
    /* ---------------------------------------------------------- [security] */
    TEXT("security", "keys", keys_file, "", "/etc/skillbase/keys.ini", SB_CONFIG_TIGHT,
         "Who may connect (docs/security.md). The keys file maps CURVE public keys\n"
         "to names and roles (operator, reviewer, service, worker, reader); manage it\n"
         "with `skillbasectl keys list|add|remove --keys FILE` and reload with SIGHUP\n"
         "(connections of keys that remain stay open; a removed key is refused from\n"
         "its next message on). Every tcp:// endpoint is a CURVE server that admits\n"
         "only the keys listed here, so a tcp:// endpoint without a keys file is\n"
         "refused at start. Empty: no keys file (ipc:// endpoints only).",
         NULL, "the keys file: CURVE public keys, names and roles"),
    DERIVED("security", "server_key", server_key_file, "<state_dir>/server.key",
            "/var/lib/skillbase/server.key", SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
            "The daemon's own key pair: made at the first start if missing (mode 0600);\n"
            "its public half is written beside it as server.pub for clients\n"
            "(skillbasectl --server-key). Default <state_dir>/server.key; read at start.",
            NULL, "the daemon's own key pair"),
    SPECIAL("security", "ipc_role", set_ipc_role, show_ipc_role,
            "operator, reviewer, service or reader", "operator", NULL, SB_CONFIG_TIGHT,
            "The role of callers of the ipc:// command endpoint, whom the state\n"
            "directory's permissions (0750: the daemon's user and group) let in:\n"
            "operator, reviewer, service or reader. Their actor is what they send\n"
            "(skillbasectl --as), so four eyes over ipc:// is only as good as that.",
            NULL, "the role of ipc:// callers"),
    UINT("security", "handshake_ms", handshake_ms, 1, 100, 600000, "10000", NULL,
         SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
         "A tcp:// connection must finish its CURVE handshake within this many\n"
         "milliseconds or it is closed (ZMQ_HANDSHAKE_IVL). 100-600000.",
         NULL, "CURVE handshake time limit, ms"),
    UINT("security", "max_connections", max_connections, 1, 16, 1000000, "1024", NULL,
         SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
         "Client connections the daemon provisions file descriptors for: at start it\n"
         "raises its soft RLIMIT_NOFILE to max_connections + 128 and warns when the\n"
         "hard limit (systemd LimitNOFILE) is lower. 16-1000000.",
         NULL, "connections file descriptors are provisioned for"),
    /* ---------------------------------------------------------- [four_eyes] */
    SWITCH("four_eyes", "certify", four_eyes_certify, "off", NULL, SB_CONFIG_TIGHT,
           "Decisions that take effect only when a second, different operator\n"
           "confirms (skillbasectl proposals / confirm, docs/security.md). Off by\n"
           "default so that a single operator can try the system; the production\n"
           "configuration turns both on.\n"
           "certify: close-publicity (certification after publicity closes).",
           NULL, "close-publicity needs a second operator"),
    SWITCH("four_eyes", "revoke", four_eyes_revoke, "off", NULL, SB_CONFIG_TIGHT,
           "revoke: revoke for a direct-fail cause.", NULL, "revoke needs a second operator"),
    CHOICE("four_eyes", "over_ipc", four_eyes_ipc_refuse, allow_refuse, "allow", NULL,
           SB_CONFIG_TIGHT,
           "over_ipc: refuse makes proposing and confirming over ipc:// (where names\n"
           "are self-declared) forbidden: operators then use their own keys over\n"
           "tcp://. The production configuration sets refuse. allow or refuse.",
           NULL, "proposing and confirming over ipc://"),
    SWITCH("four_eyes", "subsidy", four_eyes_subsidy, "off", NULL, SB_CONFIG_TIGHT,
           "subsidy: approving a subsidy statement (skillbasectl subsidy approve) is a\n"
           "proposal a second operator confirms. The production configuration sets on.",
           NULL, "approving a subsidy statement needs a second operator"),
    /* ---------------------------------------------------------- [documents] */
    UINT("documents", "max_mb", doc_max_bytes, MIB, 1, 4096, "50", NULL,
         SB_CONFIG_BUREAU | SB_CONFIG_TIGHT,
         "Files filed on applications and sub-bases (skillbasectl documents,\n"
         "docs/operations.md \"Documents\"), kept under <state_dir>/documents/.\n"
         "Largest file accepted, in MiB (1-4096); a larger one is refused before\n"
         "anything is stored. The bureau's choice.",
         NULL, "largest document accepted, MiB"),
    UINT("documents", "max_uploads", doc_max_uploads, 1, 1, 1024, "8", NULL,
         SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
         "Uploads in progress at once (1-1024); read at start.", NULL,
         "uploads in progress at once"),
    UINT("documents", "upload_idle_s", doc_upload_idle_s, 1, 1, 86400, "600", NULL,
         SB_CONFIG_START_ONLY | SB_CONFIG_TIGHT,
         "An upload with no chunk for this many seconds is forgotten (1-86400);\n"
         "read at start.",
         NULL, "an idle upload is forgotten after this, s"),
    /* ---------------------------------------------------------- [activity] */
    SPECIAL("activity", "due", set_activity_due, show_activity_due, "MM-DD, not 02-29", "03-31",
            NULL, SB_CONFIG_BUREAU | SB_CONFIG_TIGHT,
            "The yearly activity filing (docs/activity.md, policy 三 and 四(一)). The\n"
            "policy sets no date: when a year's activity is due is the bureau's choice.\n"
            "due: the day of the following year, MM-DD (not 02-29). remind_days: reminders\n"
            "this many days before it (as [deadlines] remind_days); an overdue notice\n"
            "follows the day after. Scheduled at certification and after each year.",
            NULL, "the yearly filing's due day of the following year"),
    DAYS("activity", "remind_days", activity_remind_days, n_activity_remind_days, "30,7", NULL,
         SB_CONFIG_TIGHT, NULL, NULL, "reminders before the filing is due, days"),
    CHOICE("activity", "reminders", activity_reminders, off_on, "on", NULL,
           SB_CONFIG_BUREAU | SB_CONFIG_TIGHT,
           "reminders = off schedules no reminders at all (the overdue list still works).", NULL,
           "schedule reminders of the yearly filing"),
};

const size_t sb_config_n_keys = sizeof sb_config_keys / sizeof sb_config_keys[0];

const sb_config_section sb_config_sections[] = {
    {"daemon", NULL},
    {"store", NULL},
    {"rubric", "Where the policy sets nothing, the keys marked \"the bureau's choice\" say\n"
               "what the daemon does: configuration, not policy. `skillbasectl status`\n"
               "lists those in force (docs/policy-map.md says where the policy is silent)."},
    {"publicity", NULL},
    {"applications", NULL},
    {"certificate", NULL},
    {"review", NULL},
    {"deadlines", NULL},
    {"events", NULL},
    {"subsidy", NULL},
    {"workers", NULL},
    {"notify", NULL},
    {"metrics", NULL},
    {"security", NULL},
    {"four_eyes", NULL},
    {"documents", NULL},
    {"activity", NULL},
};

const size_t sb_config_n_sections = sizeof sb_config_sections / sizeof sb_config_sections[0];

const char *const sb_config_header =
    "skillbase daemon configuration (skillbased --config FILE).\n"
    "\n"
    "Every key is optional: a missing key keeps the embedded default shown here.\n"
    "Command-line flags override this file (--state-dir, --command-endpoint,\n"
    "--event-endpoint, --worker-endpoint, --map-size-mb, --log-level).";

/* -------------------------------------------------------------- the walk */

const sb_config_key *sb_config_key_find(const char *section, const char *key)
{
    for (size_t i = 0; i < sb_config_n_keys; i++)
        if (strcmp(sb_config_keys[i].section, section) == 0 &&
            strcmp(sb_config_keys[i].key, key) == 0)
            return &sb_config_keys[i];
    return NULL;
}

void sb_config_key_value(const sb_config_key *k, const sb_config *c, char *buf, size_t len)
{
    const char *field = (const char *)c + k->offset;
    buf[0] = '\0';
    switch (k->type) {
    case SB_CONFIG_SWITCH:
        snprintf(buf, len, "%s", *(const bool *)field ? "on" : "off");
        break;
    case SB_CONFIG_UINT: {
        uint64_t v = k->size == sizeof(uint32_t) ? *(const uint32_t *)(const void *)field
                                                 : *(const uint64_t *)(const void *)field;
        snprintf(buf, len, "%llu", (unsigned long long)(v / k->scale));
        break;
    }
    case SB_CONFIG_TEXT:
    case SB_CONFIG_LISTEN:
        snprintf(buf, len, "%s", field);
        break;
    case SB_CONFIG_CHOICE: {
        int i = k->size == sizeof(bool) ? *(const bool *)field : *(const int *)(const void *)field;
        snprintf(buf, len, "%s", k->choices[i]);
        break;
    }
    case SB_CONFIG_DAYS: {
        const uint32_t *days = (const uint32_t *)(const void *)field;
        uint32_t n = *(const uint32_t *)(const void *)((const char *)c + k->count_offset);
        size_t off = 0;
        for (uint32_t i = 0; i < n && off < len; i++) {
            int w = snprintf(buf + off, len - off, "%s%u", i ? "," : "", days[i]);
            off += w > 0 ? (size_t)w : 0;
        }
        break;
    }
    case SB_CONFIG_SPECIAL:
        k->show(c, buf, len);
        break;
    case SB_CONFIG_FOREIGN:
        break;
    }
}

void sb_config_key_report_name(const sb_config_key *k, char *buf, size_t len)
{
    if (k->report)
        snprintf(buf, len, "%s", k->report);
    else
        snprintf(buf, len, "%s_%s", k->section, k->key);
}
