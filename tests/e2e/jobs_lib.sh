# shellcheck shell=bash
# Helpers for the job protocol's end-to-end tests (test_jobs*.sh), on top
# of lib.sh: a daemon with short heartbeats and backoffs, and test workers
# (tests/e2e/helpers/test_worker.c, $SB_TEST_WORKER) started in the
# background. Each worker appends "JOB ATTEMPT start|done|retry|fail MS" to
# $SB_JOBLOG.

: "${SB_TEST_WORKER:=$SB_REPO_DIR/build/tests/sb_test_worker}"
[ -x "$SB_TEST_WORKER" ] || sb_fail "SB_TEST_WORKER=$SB_TEST_WORKER is not an executable"

SB_JOBLOG=""
declare -A SB_WORKER_PID=()

# Start the daemon with the [workers] settings the job tests use: 200 ms
# heartbeats (a silent worker is dead after 600 ms), 3 attempts, backoff
# from 200 ms (jittered to 100-200) up to 800 ms, leases of $SB_LEASE_MS
# (default 20 s). Extra INI lines: $1. The job log survives restarts.
jobs_start_daemon() {
    if [ -z "$SB_JOBLOG" ]; then
        SB_JOBLOG=$SB_WORK/jobs.log
        : >"$SB_JOBLOG"
    fi
    cat >"$SB_WORK/jobs.ini" <<EOF
[workers]
heartbeat_ms = 200
liveness = 3
lease_ms = ${SB_LEASE_MS:-20000}
max_attempts = 3
backoff_base_ms = 200
backoff_max_ms = 800
${1:-}
EOF
    sb_start_daemon --config "$SB_WORK/jobs.ini"
}

# start_worker NAME [test_worker options...]: in the background; its
# output goes to $SB_TMP/daemon.w-NAME.err (shown when the test fails).
start_worker() {
    local name=$1
    shift
    sb_spawn "w-$name" "$SB_TEST_WORKER" --endpoint "ipc://$SB_STATE/worker.sock" \
        --name "$name" --log "$SB_JOBLOG" --log-level debug "$@"
    SB_WORKER_PID[$name]=$SB_SPAWNED_PID
}

# stop_worker NAME [SIGNAL]: signal it (default TERM) and wait for it.
stop_worker() {
    sb_stop_worker "${SB_WORKER_PID[$1]}" "worker $1" "${2:-TERM}" 10
}

job_json() { "$SKILLBASECTL" --json jobs show "$1"; }
job_field() { job_json "$1" | jq -r "$2"; }
job_is() { [ "$(job_field "$1" .state)" = "$2" ]; }
record_is() { [ "$("$SKILLBASECTL" --json show "$1" | jq -r .state)" = "$2" ]; }

# How often the log says JOB ... WHAT (optionally at ATTEMPT).
log_count() { # JOB WHAT [ATTEMPT]
    awk -v j="$1" -v w="$2" -v a="${3:-}" \
        '$1 == j && $3 == w && (a == "" || $2 == a) { n++ } END { print n + 0 }' "$SB_JOBLOG"
}
log_started() { [ "$(log_count "$1" start)" -ge "${2:-1}" ]; }

# The ids of the jobs listed by `skillbasectl jobs ARGS`.
job_ids() { "$SKILLBASECTL" --json jobs "$@" | jq -r '.[].id'; }

# Number of events of record $1 with topic $2.
event_count() {
    "$SKILLBASECTL" --json history "$1" | jq --arg t "$2" '[.[] | select(.topic == $t)] | length'
}
