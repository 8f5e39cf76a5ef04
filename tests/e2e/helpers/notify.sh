# shellcheck shell=bash disable=SC2034
# Helpers for the skillbase-notify end-to-end tests, sourced after lib.sh
# and sb_setup:
#     source "$SB_LIB_DIR/helpers/notify.sh"
# ctest sets SKILLBASE_NOTIFY (the built worker); by hand it defaults to
# build/workers/skillbase-notify. The mail and webhook servers are real
# servers on loopback: Debian's python3-aiosmtpd with the sb_smtp_sink
# handler, and sb_webhook_sink.py on python3's http.server.

: "${SKILLBASE_NOTIFY:=$SB_REPO_DIR/build/workers/skillbase-notify}"
[ -x "$SKILLBASE_NOTIFY" ] || sb_fail "SKILLBASE_NOTIFY=$SKILLBASE_NOTIFY is not an executable"
SBN_HELPERS=$SB_LIB_DIR/helpers
SBN_PID=""       # the running skillbase-notify
SBN_STARTS=0
SBN_LOG=""       # its stderr
SBN_SMTP_PID="" SBN_SMTP_PORT="" SBN_HOOK_PID="" SBN_HOOK_PORT=""
SBN_WAIT_SECS=${SBN_WAIT_SECS:-30}

# On failure, show the worker's and the servers' logs too.
sbn_dump_logs() {
    local rc=$1 f
    [ "$rc" -ne 0 ] && [ -n "$SB_TMP" ] || return 0
    for f in "$SB_TMP"/notify.*.err "$SB_TMP"/smtp.err "$SB_TMP"/hook.err; do
        [ -s "$f" ] || continue
        printf -- '--- %s (last 40 lines)\n' "$(basename "$f")" >&2
        tail -n 40 "$f" >&2
    done
}
trap 'rc=$?; sbn_dump_logs $rc; (exit $rc); sb_cleanup' EXIT

# A python3 that can import $1 (Debian's packages live in /usr/bin/python3
# even when another python3 comes first in PATH).
sbn_python() {
    local p
    for p in python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null && "$p" -c "import $1" 2>/dev/null; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    sb_fail "no python3 with the module $1 (install python3-aiosmtpd)"
}
SBN_PY=$(sbn_python aiosmtpd)

# Poll a command until it succeeds, or fail naming WHAT after SBN_WAIT_SECS.
sbn_wait_for() { # WHAT CMD...
    sb_wait_until "$SBN_WAIT_SECS" "$@"
}

# ------------------------------------------------------------ the worker

# Start skillbase-notify on the test daemon's worker endpoint with these
# extra arguments (--spool-dir, --config, ...); sets SBN_PID and SBN_LOG.
sbn_start_notify() {
    [ -z "$SBN_PID" ] || sb_fail "internal: skillbase-notify is already running"
    SBN_STARTS=$((SBN_STARTS + 1))
    sb_spawn "notify.$SBN_STARTS" "$SKILLBASE_NOTIFY" --endpoint "ipc://$SB_STATE/worker.sock" \
        --name "notify-e2e-$SBN_STARTS" --log-level debug "$@"
    SBN_PID=$SB_SPAWNED_PID SBN_LOG=$SB_SPAWNED_ERR
    sbn_wait_for "skillbase-notify to connect" grep -q "connected to skillbased" "$SBN_LOG"
}

# Stop the worker with SIGTERM; it must exit 0 with a clean log (no
# sanitizer report).
sbn_stop_notify() {
    [ -n "$SBN_PID" ] || sb_fail "internal: no skillbase-notify to stop"
    sb_stop_worker "$SBN_PID" skillbase-notify TERM 30
    SBN_PID=""
    assert_eq 0 "$SB_EXITED_STATUS" "exit status of skillbase-notify after SIGTERM"
    assert_log_lacks "$SBN_LOG" "connected to skillbased" 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
        "skillbase-notify's log (sanitizer reports)"
}

# ------------------------------------------------------------ jobs

# The notify job of the event with TOPIC (and ENTITY): prints its id.
sbn_job_of() { # TOPIC [ENTITY]
    local all
    all=$(ctl --json jobs --type notify --limit 1000)
    jget "$all" "[.[] | select(.event.topic == \"$1\" and (\"${2:-}\" == \"\" or .entity_id == \"${2:-}\"))] | last | .id"
}

sbn_job_json() {
    ctl --json jobs show "$1"
}

sbn_job_state_is() { # JOB STATE
    [ "$(jget "$(sbn_job_json "$1")" .state)" = "$2" ]
}

# Wait until job JOB is in STATE.
sbn_wait_job() { # JOB STATE
    sbn_wait_for "job $1 to be $2 (it is $(jget "$(sbn_job_json "$1")" .state 2>/dev/null))" \
        sbn_job_state_is "$1" "$2"
}

# ------------------------------------------------------------ servers

sbn_free_port() {
    "$SBN_PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

sbn_port_open() { # PORT
    "$SBN_PY" -c "import socket, sys; socket.create_connection(('127.0.0.1', $1), 1).close()"
}

# Start the SMTP sink writing into DIR; on PORT when given (a restart
# keeps the port), else a free one. Sets SBN_SMTP_PID and SBN_SMTP_PORT.
sbn_start_smtp() { # DIR [PORT]
    SBN_SMTP_PORT=${2:-$(sbn_free_port)}
    PYTHONPATH=$SBN_HELPERS "$SBN_PY" -m aiosmtpd -n -l "127.0.0.1:$SBN_SMTP_PORT" \
        -c sb_smtp_sink.Sink "$1" >>"$SB_TMP/smtp.err" 2>&1 </dev/null &
    SBN_SMTP_PID=$!
    SB_BG_PIDS+=("$SBN_SMTP_PID")
    sbn_wait_for "the SMTP sink on port $SBN_SMTP_PORT" sbn_port_open "$SBN_SMTP_PORT"
}

sbn_stop_smtp() {
    kill -TERM "$SBN_SMTP_PID" 2>/dev/null || true
    wait "$SBN_SMTP_PID" 2>/dev/null || true
    SBN_SMTP_PID=""
}

# Start the webhook sink writing into DIR. Sets SBN_HOOK_PID, SBN_HOOK_PORT.
sbn_start_webhook() { # DIR
    "$SBN_PY" "$SBN_HELPERS/sb_webhook_sink.py" "$1" >>"$SB_TMP/hook.err" 2>&1 </dev/null &
    SBN_HOOK_PID=$!
    SB_BG_PIDS+=("$SBN_HOOK_PID")
    sbn_wait_for "the webhook sink to listen" test -s "$1/port"
    SBN_HOOK_PORT=$(cat "$1/port")
}

# The one stored mail (JSON) whose X-Skillbase-Topic is TOPIC; fails
# unless exactly one arrived.
sbn_mail_of() { # DIR TOPIC
    local f found=() 
    for f in "$1"/mail-*.json; do
        [ -e "$f" ] || continue
        if [ "$(jq -r .topic "$f")" = "$2" ]; then found+=("$f"); fi
    done
    [ ${#found[@]} -eq 1 ] || sb_fail "expected one mail for $2 in $1, found ${#found[@]}"
    cat "${found[0]}"
}

sbn_count() { # GLOB: number of existing files
    local n=0 f
    for f in $1; do [ -e "$f" ] && n=$((n + 1)); done
    printf '%s\n' "$n"
}
