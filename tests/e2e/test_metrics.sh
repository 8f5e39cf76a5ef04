#!/usr/bin/env bash
# The Prometheus endpoint (--metrics-listen), scraped with curl: it serves
# the text format on GET /metrics only; the families an operator watches
# are there (requests and latency by command, commit batch sizes, LMDB size
# and map use, records and jobs by state, worker connections, events
# published, backups, reloads); and the counters move with what the daemon
# does — by exactly what was done.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
command -v curl >/dev/null || sb_fail "curl is required"
[ -x "${SKILLBASE_NOTIFY:-}" ] || sb_fail "SKILLBASE_NOTIFY=${SKILLBASE_NOTIFY:-} is not the notify worker"

sb_launch --state-dir "$SB_STATE" --log-level info --metrics-listen 127.0.0.1:0
sb_wait_ready
port=$(sed -n 's|.*metrics: serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$SB_DAEMON_ERR")
[ -n "$port" ] || sb_fail "the daemon did not log its metrics address: $(cat "$SB_DAEMON_ERR")"
url=http://127.0.0.1:$port/metrics

scrape() {
    curl -fsS --max-time 10 -D "$SB_WORK/headers" "$url" ||
        sb_fail "curl $url failed"
}

# The value of one sample: metric NAME{LABELS} (exact label text, or none).
metric() { # TEXT NAME [LABELS]
    local line
    if [ -n "${3:-}" ]; then
        line=$(grep -F "$2{$3} " <<<"$1" | head -n 1)
    else
        line=$(grep -E "^$2 " <<<"$1" | head -n 1)
    fi
    [ -n "$line" ] || sb_fail "no sample $2{${3:-}} in the scrape: $(head -c 3000 <<<"$1")"
    printf '%s\n' "${line##* }"
}

# ------------------------------------------------------------ the format
m0=$(scrape)
assert_contains "$(cat "$SB_WORK/headers")" "Content-Type: text/plain; version=0.0.4" "content type"
for family in skillbase_requests_total skillbase_request_duration_seconds skillbase_commit_batch_size \
    skillbase_store_map_bytes skillbase_store_used_bytes skillbase_store_map_used_ratio \
    skillbase_records skillbase_jobs skillbase_worker_connections skillbase_events_published_total \
    skillbase_backups_total skillbase_config_reloads_total skillbase_build_info skillbase_metrics_stale \
    skillbase_commit_seconds_total skillbase_apply_seconds_total skillbase_checkpoints_total \
    skillbase_commit_log_bytes skillbase_commit_log_size_bytes; do
    grep -q "^# TYPE $family " <<<"$m0" || sb_fail "family $family missing from the scrape"
done
assert_eq 1 "$(metric "$m0" skillbase_build_info "version=\"$(jget "$(ctl --json status)" .version)\"")" "build info"
assert_eq 0 "$(metric "$m0" skillbase_metrics_stale)" "a fresh rendering"
assert_eq $((8 * 1024 * 1024)) "$(metric "$m0" skillbase_commit_log_size_bytes)" "commit log size (the default log_mb)"
map=$(metric "$m0" skillbase_store_map_bytes)
((map >= 64 * 1024 * 1024)) || sb_fail "map size $map below the 64 MiB default"
# every sample line is NAME{LABELS} NUMBER
bad=$(grep -vE '^(#.*|[a-z_:]+(\{[^}]*\})? [-+0-9.e]+(Inf)?)$' <<<"$m0" || true)
[ -z "$bad" ] || sb_fail "lines not in the text format: $bad"
# other paths and methods are refused
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")
assert_eq 404 "$code" "GET /other"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url")
assert_eq 405 "$code" "POST /metrics"

# ------------------------------------------------------------ counters move
status_before=$(metric "$m0" skillbase_requests_total 'command="status",code="ok"')
ids=()
for n in 1 2 3; do
    ids+=("$(sb_apply "$n")")
done
sb_ctl_fails 1 not_found show app-999999
sb_ctl_fails 1 conflict apply "$(sb_form "$(sb_cc 1)")"
ctl status >/dev/null
m1=$(scrape)
assert_eq 3 "$(metric "$m1" skillbase_requests_total 'command="apply",code="ok"')" "apply ok"
assert_eq 1 "$(metric "$m1" skillbase_requests_total 'command="apply",code="conflict"')" "apply conflict"
assert_eq 1 "$(metric "$m1" skillbase_requests_total 'command="show",code="not_found"')" "show not_found"
status_after=$(metric "$m1" skillbase_requests_total 'command="status",code="ok"')
((status_after > status_before)) || sb_fail "status requests did not move ($status_before -> $status_after)"
assert_eq 4 "$(metric "$m1" skillbase_request_duration_seconds_count 'command="apply"')" "apply latency count"
assert_eq 4 "$(metric "$m1" skillbase_request_duration_seconds_bucket 'command="apply",le="+Inf"')" "apply +Inf bucket"
assert_eq 3 "$(metric "$m1" skillbase_records 'kind="application",state="applied"')" "applications applied"
assert_eq 3 "$(metric "$m1" skillbase_events_last_seq)" "last sequence"
assert_eq 3 "$(metric "$m1" skillbase_events_published_total)" "events published"
batches=$(metric "$m1" skillbase_commit_batch_size_count)
((batches >= 1)) || sb_fail "no commit batches counted"
# an application each enqueues a notice job (docs/jobs.md): queued, no worker yet
queued=$(metric "$m1" skillbase_jobs 'state="queued"')
((queued >= 3)) || sb_fail "expected at least 3 queued jobs, got $queued"
assert_eq 0 "$(metric "$m1" skillbase_worker_connections)" "workers before one connects"

# a worker connects and does the jobs
"$SKILLBASE_NOTIFY" --endpoint "ipc://$SB_STATE/worker.sock" --command-endpoint "$SKILLBASE_ENDPOINT" \
    --spool-dir "$SB_WORK/spool" >"$SB_WORK/notify.log" 2>&1 &
SB_BG_PIDS+=($!)
worker_finished() { # (m2: the last scrape)
    m2=$(scrape)
    [ "$(metric "$m2" skillbase_worker_connections)" = 1 ] &&
        [ "$(metric "$m2" skillbase_jobs 'state="queued"')" = 0 ] &&
        [ "$(metric "$m2" skillbase_jobs 'state="leased"')" = 0 ]
}
SB_WAIT_DIAG='grep -E "^skillbase_(jobs|worker)" <<<"$m2"; tail -n 5 "$SB_WORK/notify.log"' SB_WAIT_INTERVAL=0.2 \
    sb_wait_until 60 "the worker to connect and finish the jobs" worker_finished
done_jobs=$(metric "$m2" skillbase_jobs 'state="done"')
((done_jobs >= queued)) || sb_fail "expected $queued jobs done, got $done_jobs"
assert_eq "$done_jobs" "$(metric "$m2" skillbase_jobs_completed_total)" "jobs completed since start"

# a backup and a reload are counted
ctl backup "$SB_TMP/backup" >/dev/null
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "configuration reloaded" "the reload's verdict"
m3=$(scrape)
assert_eq 1 "$(metric "$m3" skillbase_backups_total 'result="done"')" "backups done"
last_ok=$(metric "$m3" skillbase_backup_last_success_time_seconds)
assert_ne 0 "$last_ok" "time of the last successful backup"
assert_eq 1 "$(metric "$m3" skillbase_config_reloads_total 'result="done"')" "reloads done"
# at the default level the daemon logged no line per request
per_request=$(grep -c -E 'apply|show|status' "$SB_DAEMON_ERR" || true)
assert_eq 0 "$per_request" "log lines about single requests at level info ($(cat "$SB_DAEMON_ERR"))"
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "exit status"
