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

dl_start_daemon() {
    sb_start_daemon --config "$DL_CONFIG"
}

# Start skillbase-deadlines (its log is named daemon.* so that lib.sh shows
# it when the test fails).
dl_start_worker() {
    sb_spawn deadlines "$SKILLBASE_DEADLINES" --endpoint "$DL_WORKER_EP" \
        --name deadlines-e2e --log-level info "$@"
    DL_PID=$SB_SPAWNED_PID
}

# SIGTERM: the worker must leave cleanly (exit 0, nothing leaked under ASan).
dl_stop_worker() {
    sb_stop_worker "$DL_PID" skillbase-deadlines TERM 20
    assert_eq 0 "$SB_EXITED_STATUS" "skillbase-deadlines exit status after SIGTERM"
    DL_PID=""
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
