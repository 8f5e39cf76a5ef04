# shellcheck shell=bash
# Helpers of the deadline tests (test_deadlines_*.sh): the test clock, the
# real skillbase-deadlines worker, and waiting for the daemon's broker to
# act on a clock that moved. Sourced after lib.sh and sb_setup.

: "${SKILLBASE_DEADLINES:=$SB_REPO_DIR/build/workers/skillbase-deadlines}"
[ -x "$SKILLBASE_DEADLINES" ] ||
    sb_fail "SKILLBASE_DEADLINES=$SKILLBASE_DEADLINES is not the built skillbase-deadlines"

export SKILLBASE_TEST_CLOCK=$SB_WORK/clock
DL_WORKER_EP="ipc://$SB_STATE/worker.sock"
DL_PID=""

# The daemon's configuration for these tests: the broker looks for due jobs
# at every worker heartbeat, so a short one makes a moved clock felt soon.
DL_CONFIG=$SB_WORK/skillbase.ini
cat >"$DL_CONFIG" <<'EOF'
[workers]
heartbeat_ms = 200
liveness = 15
EOF

# Move the test clock (Hangzhou time "YYYY-MM-DDTHH:MM"), atomically.
dl_clock() {
    printf '%s\n' "$1" >"$SKILLBASE_TEST_CLOCK.new"
    mv "$SKILLBASE_TEST_CLOCK.new" "$SKILLBASE_TEST_CLOCK"
}

dl_start_daemon() {
    sb_start_daemon --config "$DL_CONFIG"
}

# Start skillbase-deadlines (its log is named daemon.* so that lib.sh shows
# it when the test fails).
dl_start_worker() {
    env --default-signal=INT "$SKILLBASE_DEADLINES" --endpoint "$DL_WORKER_EP" \
        --name deadlines-e2e --log-level info "$@" \
        >"$SB_TMP/daemon.deadlines.out" 2>"$SB_TMP/daemon.deadlines.err" </dev/null &
    DL_PID=$!
    SB_BG_PIDS+=("$DL_PID")
}

# SIGTERM: the worker must leave cleanly (exit 0, nothing leaked under ASan).
dl_stop_worker() {
    local i st=0
    kill -TERM "$DL_PID"
    for ((i = 0; i < 200; i++)); do
        sb_alive "$DL_PID" || break
        sleep 0.1
    done
    sb_alive "$DL_PID" && sb_fail "skillbase-deadlines did not stop within 20 s of SIGTERM"
    wait "$DL_PID" || st=$?
    assert_eq 0 "$st" "skillbase-deadlines exit status after SIGTERM"
    DL_PID=""
}

# Wait up to SECS for a command to succeed: dl_wait SECS WHAT CMD [ARGS...]
dl_wait() {
    local secs=$1 what=$2 deadline
    shift 2
    deadline=$((SECONDS + secs))
    until "$@"; do
        ((SECONDS < deadline)) || sb_fail "waited ${secs}s for: $what"
        sleep 0.1
    done
}

# Let the broker look at the moved clock several times (a negative check
# needs time to have passed, not a speed).
dl_settle() {
    sleep "${1:-1.5}"
}

dl_state_is() { # ID STATE
    [ "$(sb_state "$1")" = "$2" ]
}

dl_field_is() { # ID FILTER VALUE
    [ "$(sb_field "$1" "$2")" = "$3" ]
}

# Jobs of a type as a JSON array.
dl_jobs() { # TYPE
    ctl --json jobs --type "$1"
}

# Events of one record with a topic, as a JSON array.
dl_events() { # ID TOPIC
    jget "$(ctl --json history "$1")" "[.[] | select(.topic == \"$2\")]"
}

dl_event_count() { # ID TOPIC
    jget "$(dl_events "$1" "$2")" length
}
