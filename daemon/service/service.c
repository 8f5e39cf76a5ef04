#include "service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request_stats.h"
#include "sb_clock.h"
#include "sb_log.h"
#include "systemd_notify.h"
#include "security.h"
#include "server_stats.h"
#include "store_backup.h"
#include "store_jobs.h"

#define STATUS_EVERY_MS 5000
#define STATUS_LINE_MAX 200 /* the STATUS= line systemctl status shows */

struct sb_service {
    sb_service_options o;
    uv_signal_t sighup;
    uv_timer_t ready;
    sb_systemd_watchdog *watchdog;
    sb_metrics *metrics;
    sb_request_stats *rstats;
    uint64_t started_ms;
    uint64_t published_at_start; /* the stream's sequence when the daemon started */
    int closing;
};

/* ------------------------------------------------------------ status line */

static void status_line(void *arg, char *buf, size_t len)
{
    sb_service *s = arg;
    sb_store_info info;
    sb_txn *t = NULL;
    uint64_t counts[3][SB_STORE_STATES], records = 0;
    if (sb_store_begin(s->o.store, false, &t) || sb_store_info_txn(t, &info) ||
        sb_store_counts(t, counts)) {
        sb_store_abort(&t);
        snprintf(buf, len, "serving; store unreadable (see the log)");
        return;
    }
    sb_store_abort(&t);
    for (int k = 0; k < 3; k++)
        for (int st = 0; st < 9; st++)
            records += counts[k][st];
    sb_backup_info b;
    sb_store_backup_info_get(s->o.store, &b);
    snprintf(buf, len, "serving; %llu records; last seq %llu%s", (unsigned long long)records,
             (unsigned long long)info.last_seq,
             b.state == SB_BACKUP_RUNNING ? "; backup running" : "");
}

/* READY=1 on the loop's first turn: every endpoint is bound by then and
 * the loop is taking requests. */
static void on_ready(uv_timer_t *t)
{
    sb_service *s = t->data;
    char status[STATUS_LINE_MAX];
    status_line(s, status, sizeof status);
    int r = sb_systemd_notifyf("READY=1\nSTATUS=%s", status);
    if (r < 0)
        sb_log(SB_LOG_WARN, "cannot tell systemd the daemon is ready: %s", strerror(-r));
    else if (r > 0)
        sb_log(SB_LOG_DEBUG, "told systemd: ready (%s)", status);
}

static void on_sighup(uv_signal_t *h, int signum)
{
    sb_service *s = h->data;
    (void)signum;
    sb_log(SB_LOG_INFO, "SIGHUP: reloading the configuration");
    sb_systemd_notify("RELOADING=1");
    sb_reload_run(s->o.reload);
    char status[STATUS_LINE_MAX];
    status_line(s, status, sizeof status);
    sb_systemd_notifyf("READY=1\nSTATUS=%s", status);
}

/* ------------------------------------------------------------ metrics */

static void metrics_process(void *arg, sb_metrics_out *o)
{
    sb_service *s = arg;
    char labels[64];
    snprintf(labels, sizeof labels, "version=\"%s\"", SB_VERSION);
    sb_metrics_family(o, "skillbase_build_info", "gauge", "The running skillbased's version");
    sb_metrics_sample(o, "skillbase_build_info", labels, 1);
    sb_metrics_single(o, "skillbase_start_time_seconds", "gauge",
                      "When the daemon started, seconds since the epoch",
                      (double)s->started_ms / 1000);
    unsigned long done = 0, refused = 0;
    if (s->o.reload)
        sb_reload_counts(s->o.reload, &done, &refused);
    sb_metrics_family(o, "skillbase_config_reloads_total", "counter",
                      "Configuration reloads (SIGHUP), by result");
    sb_metrics_sample(o, "skillbase_config_reloads_total", "result=\"done\"", (double)done);
    sb_metrics_sample(o, "skillbase_config_reloads_total", "result=\"refused\"", (double)refused);
}

static void metrics_batches(void *arg, sb_metrics_out *o)
{
    sb_service *s = arg;
    sb_server_stats st;
    if (!s->o.server)
        return;
    sb_server_stats_get(s->o.server, &st);
    sb_metrics_family(o, "skillbase_commit_batch_size", "histogram",
                      "Requests per group commit (one write transaction per batch)");
    uint64_t cum = 0;
    for (unsigned k = 0; k < SB_SERVER_BATCH_BUCKETS; k++) {
        cum += st.batch_sizes[k];
        char le[48];
        if (k + 1 < SB_SERVER_BATCH_BUCKETS)
            snprintf(le, sizeof le, "le=\"%llu\"", (1ull << (k + 1)) - 1);
        else
            snprintf(le, sizeof le, "le=\"+Inf\"");
        sb_metrics_sample(o, "skillbase_commit_batch_size_bucket", le, (double)cum);
    }
    sb_metrics_sample(o, "skillbase_commit_batch_size_sum", NULL, (double)st.requests);
    sb_metrics_sample(o, "skillbase_commit_batch_size_count", NULL, (double)st.batches);
    sb_metrics_single(o, "skillbase_commit_seconds_total", "counter",
                      "Time spent in durable commits (fsync)", (double)st.commit_us / 1e6);
    sb_metrics_single(o, "skillbase_apply_seconds_total", "counter",
                      "Time spent applying requests inside batches", (double)st.apply_us / 1e6);
    sb_metrics_single(o, "skillbase_commits_failed_total", "counter",
                      "Batches whose commit failed (their requests were refused)",
                      (double)st.commits_failed);
    sb_metrics_single(o, "skillbase_dropped_frames_total", "counter",
                      "Messages of the wrong shape dropped on the command endpoint",
                      (double)st.dropped_frames);
    sb_metrics_single(o, "skillbase_shed_requests_total", "counter",
                      "Requests answered busy at once because [daemon] max_queue were held",
                      (double)st.shed);
    sb_metrics_single(o, "skillbase_batches_redone_total", "counter",
                      "Batches applied again to take out a request refused after it wrote",
                      (double)st.redone);
    sb_metrics_single(o, "skillbase_queue_max", "gauge",
                      "Most requests waiting for a batch at once since start",
                      (double)st.queue_max);
    sb_metrics_single(o, "skillbase_conn_shed_requests_total", "counter",
                      "Requests answered busy or dropped unapplied: their connection left "
                      "[daemon] conn_reply_kb of replies unread",
                      (double)st.shed_conn);
    sb_metrics_single(o, "skillbase_replies_undelivered_total", "counter",
                      "Replies that could not be queued for their client (gone, or not reading)",
                      (double)st.replies_undelivered);
    sb_metrics_single(o, "skillbase_conn_unread_total", "counter",
                      "Times a client was found leaving [daemon] conn_queue replies unread",
                      (double)st.conn_unread);
}

static void metrics_store(void *arg, sb_metrics_out *o)
{
    static const char *const kinds[3] = {"", "application", "base"};
    static const char *const states[SB_STORE_STATES] = {
        "",         "applied",   "under_review", "in_publicity", "certified",
        "rejected", "withdrawn", "assessed",     "revoked",      "exited"};
    sb_service *s = arg;
    sb_store_info info;
    sb_txn *t = NULL;
    uint64_t counts[3][SB_STORE_STATES];
    if (sb_store_begin(s->o.store, false, &t) == 0 && sb_store_info_txn(t, &info) == 0) {
        sb_metrics_single(o, "skillbase_store_map_bytes", "gauge", "Size of the LMDB map",
                          (double)info.map_bytes);
        sb_metrics_single(o, "skillbase_store_used_bytes", "gauge",
                          "Bytes of the LMDB map in use (pages up to the last one written)",
                          (double)info.used_bytes);
        sb_metrics_single(o, "skillbase_store_map_max_bytes", "gauge",
                          "Largest the map may grow to ([daemon] map_max_mb)",
                          (double)s->o.config->map_max);
        sb_metrics_single(
            o, "skillbase_store_map_used_ratio", "gauge",
            "Used bytes over the largest map: 1 means the store is full",
            s->o.config->map_max ? (double)info.used_bytes / (double)s->o.config->map_max : 0);
        sb_metrics_single(o, "skillbase_events_last_seq", "gauge",
                          "Sequence number of the last committed event", (double)info.last_seq);
        sb_metrics_single(o, "skillbase_store_schema_version", "gauge", "Schema of the store",
                          info.schema_version);
    }
    if (t && sb_store_counts(t, counts) == 0) {
        sb_metrics_family(o, "skillbase_records", "gauge", "Records by kind and state");
        for (int k = 1; k < 3; k++) {
            for (int st = 1; st < 9; st++) {
                char labels[80];
                snprintf(labels, sizeof labels, "kind=\"%s\",state=\"%s\"", kinds[k], states[st]);
                sb_metrics_sample(o, "skillbase_records", labels, (double)counts[k][st]);
            }
        }
    }
    sb_store_abort(&t);

    sb_store_log_info li;
    sb_store_log_info_get(s->o.store, &li);
    sb_metrics_single(o, "skillbase_commit_log_bytes", "gauge",
                      "Bytes in the commit log since the last checkpoint (docs/storage.md)",
                      (double)li.used_bytes);
    sb_metrics_single(o, "skillbase_commit_log_size_bytes", "gauge",
                      "Size of the commit log file ([store] log_mb; 0: the log is off)",
                      (double)li.size_bytes);
    sb_metrics_single(o, "skillbase_checkpoints_total", "counter",
                      "Checkpoints (LMDB commits of what the log holds) since start",
                      (double)li.checkpoints);
    sb_metrics_single(o, "skillbase_checkpoint_seconds_total", "counter",
                      "Time spent in checkpoints", (double)li.checkpoint_us / 1e6);
    sb_metrics_single(o, "skillbase_commit_log_replayed_total", "counter",
                      "Log records replayed when the store was opened", (double)li.replayed);

    sb_backup_info b;
    sb_store_backup_info_get(s->o.store, &b);
    sb_metrics_family(o, "skillbase_backups_total", "counter",
                      "Hot backups since start, by result");
    sb_metrics_sample(o, "skillbase_backups_total", "result=\"done\"", (double)b.done);
    sb_metrics_sample(o, "skillbase_backups_total", "result=\"failed\"", (double)b.failed);
    sb_metrics_single(o, "skillbase_backup_running", "gauge", "1 while a hot backup is being taken",
                      b.state == SB_BACKUP_RUNNING);
    sb_metrics_single(o, "skillbase_backup_last_success_time_seconds", "gauge",
                      "When the latest successful backup (since start) finished; 0: none",
                      (double)b.last_done_ms / 1000);
}

static void metrics_work(void *arg, sb_metrics_out *o)
{
    static const char *const job_states[SB_JOB_STATES] = {"",     "queued", "leased",
                                                          "done", "parked", "cancelled"};
    sb_service *s = arg;
    sb_txn *t = NULL;
    uint64_t jobs[SB_JOB_STATES];
    if (sb_store_begin(s->o.store, false, &t) == 0 && sb_store_job_counts(t, jobs) == 0) {
        sb_metrics_family(o, "skillbase_jobs", "gauge", "Jobs in the outbox by state");
        for (int st = 1; st < SB_JOB_STATES; st++) {
            char labels[48];
            snprintf(labels, sizeof labels, "state=\"%s\"", job_states[st]);
            sb_metrics_sample(o, "skillbase_jobs", labels, (double)jobs[st]);
        }
    }
    sb_store_abort(&t);
    if (s->o.broker) {
        sb_broker_stats b;
        sb_broker_stats_get(s->o.broker, &b);
        sb_metrics_single(o, "skillbase_worker_connections", "gauge",
                          "Workers connected to the worker endpoint (said Hello, not gone)",
                          b.workers);
        sb_metrics_single(o, "skillbase_jobs_leased", "gauge", "Jobs out with workers now",
                          b.leases);
        sb_metrics_single(o, "skillbase_jobs_delivered_total", "counter",
                          "Jobs handed to workers since start", (double)b.delivered);
        sb_metrics_single(o, "skillbase_jobs_completed_total", "counter",
                          "Jobs workers reported done since start", (double)b.completed);
        sb_metrics_single(
            o, "skillbase_jobs_failed_total", "counter",
            "Job attempts that failed since start (reported, lease lost, worker died)",
            (double)b.failed);
        sb_metrics_single(o, "skillbase_jobs_refused_total", "counter",
                          "Job reports refused since start: not from the job's worker, or with "
                          "a command its type does not allow",
                          (double)b.refused);
    }
    if (s->o.publisher) {
        uint64_t last = sb_publisher_last_seq(s->o.publisher);
        sb_metrics_single(
            o, "skillbase_events_published_total", "counter",
            "Events published on the event stream since start",
            (double)(last > s->published_at_start ? last - s->published_at_start : 0));
    }
    uint64_t accepted = 0, refused = 0;
    sb_security_zap_counts(&accepted, &refused);
    sb_metrics_family(o, "skillbase_curve_handshakes_total", "counter",
                      "CURVE handshakes on tcp endpoints, by the ZAP handler's verdict");
    sb_metrics_sample(o, "skillbase_curve_handshakes_total", "result=\"accepted\"",
                      (double)accepted);
    sb_metrics_sample(o, "skillbase_curve_handshakes_total", "result=\"refused\"", (double)refused);
    /* the tcp:// endpoints' connections (conn_monitor.h) */
    static const char *const eps[] = {"command", "worker", "events"};
    sb_conn_counts cc[3];
    for (int i = 0; i < 3; i++)
        sb_security_conn_counts((sb_endpoint_kind)i, &cc[i]);
    sb_metrics_family(o, "skillbase_connections", "gauge",
                      "Connections open on a tcp:// endpoint (accepted, not yet closed)");
    for (int i = 0; i < 3; i++) {
        char l[32];
        snprintf(l, sizeof l, "endpoint=\"%s\"", eps[i]);
        sb_metrics_sample(o, "skillbase_connections", l,
                          cc[i].accepted > cc[i].closed ? (double)(cc[i].accepted - cc[i].closed)
                                                        : 0);
    }
    sb_metrics_family(o, "skillbase_connections_refused_total", "counter",
                      "Connections a tcp:// endpoint could not accept (out of file descriptors: "
                      "raise LimitNOFILE and [security] max_connections)");
    for (int i = 0; i < 3; i++) {
        char l[32];
        snprintf(l, sizeof l, "endpoint=\"%s\"", eps[i]);
        sb_metrics_sample(o, "skillbase_connections_refused_total", l, (double)cc[i].accept_failed);
    }
    sb_metrics_family(o, "skillbase_handshakes_failed_total", "counter",
                      "Connections closed before their handshake completed (timed out "
                      "([security] handshake_ms), not ZMTP, or refused)");
    for (int i = 0; i < 3; i++) {
        char l[32];
        snprintf(l, sizeof l, "endpoint=\"%s\"", eps[i]);
        sb_metrics_sample(o, "skillbase_handshakes_failed_total", l,
                          (double)cc[i].handshake_failed);
    }
}

/* ------------------------------------------------------------ life */

int sb_service_start(const sb_service_options *o, sb_service **ret)
{
    sb_service *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->o = *o;
    s->started_ms = sb_clock_now_ms();
    if (o->publisher)
        s->published_at_start = sb_publisher_last_seq(o->publisher);
    if (o->config->metrics_listen[0]) {
        if (sb_metrics_start(o->loop, o->config->metrics_listen, &s->metrics))
            goto fail;
        s->rstats = sb_request_stats_new();
        if (!s->rstats)
            goto fail;
        if (o->server)
            sb_server_set_request_stats(o->server, s->rstats);
        sb_metrics_add_source(s->metrics, metrics_process, s);
        sb_metrics_add_source(s->metrics, sb_request_stats_render, s->rstats);
        sb_metrics_add_source(s->metrics, metrics_batches, s);
        sb_metrics_add_source(s->metrics, metrics_store, s);
        sb_metrics_add_source(s->metrics, metrics_work, s);
    }
    uv_signal_init(o->loop, &s->sighup);
    s->sighup.data = s;
    uv_signal_start(&s->sighup, on_sighup, SIGHUP);
    uv_timer_init(o->loop, &s->ready);
    s->ready.data = s;
    uv_timer_start(&s->ready, on_ready, 0, 0);
    int r = sb_systemd_watchdog_start(o->loop, STATUS_EVERY_MS, status_line, s, &s->watchdog);
    if (r < 0)
        sb_log(SB_LOG_WARN, "systemd watchdog not started: %s", strerror(-r));
    *ret = s;
    return 0;
fail:
    sb_metrics_stop(&s->metrics);
    sb_request_stats_free(&s->rstats);
    free(s);
    return -1;
}

static void free_on_close(uv_handle_t *h)
{
    sb_service *s = h->data;
    if (--s->closing == 0) {
        sb_request_stats_free(&s->rstats);
        free(s);
    }
}

void sb_service_stop(sb_service **sp)
{
    sb_service *s = sp ? *sp : NULL;
    if (!s)
        return;
    *sp = NULL;
    sb_systemd_notify("STOPPING=1\nSTATUS=stopping");
    if (s->o.server)
        sb_server_set_request_stats(s->o.server, NULL);
    sb_metrics_stop(&s->metrics);
    sb_systemd_watchdog_stop(&s->watchdog);
    uv_timer_stop(&s->ready);
    uv_signal_stop(&s->sighup);
    s->closing = 2;
    uv_close((uv_handle_t *)&s->ready, free_on_close);
    uv_close((uv_handle_t *)&s->sighup, free_on_close);
}
