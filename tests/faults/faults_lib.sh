# shellcheck shell=bash
# Helpers of the fault suite (tests/faults/test_*.sh, docs/faults.md), on top
# of the end-to-end helpers (tests/e2e/lib.sh: sb_setup, sb_start_daemon,
# sb_stop_daemon, ctl, assert_*). A test starts with
#     source "$(dirname "$0")/faults_lib.sh"
#     fault_setup
# ctest sets SB_FAULT (the load and check program), SKILLBASED,
# SKILLBASECTL, SB_TEST_WORKER, SKILLBASE_{NOTIFY,DEADLINES,SUBSIDY} and
# SB_FAULT_OUT (where plots go); see tests/faults/CMakeLists.txt. By hand:
#     SB_FAULT=build/tests/faults/sb_fault bash tests/faults/test_kill_burst.sh
#
# Every test says what it injected (INJECT) and what it checked (CHECK), one
# line each, on stderr.

# shellcheck source=../e2e/lib.sh
source "${SB_E2E_LIB:-$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh}"
SB_TEST=$(basename "$0" .sh) # lib.sh took this file's name

: "${SB_FAULT:=$SB_REPO_DIR/build/tests/faults/sb_fault}"
: "${SB_TEST_WORKER:=$SB_REPO_DIR/build/tests/sb_test_worker}"
: "${SB_FAULT_OUT:=$SB_REPO_DIR/build/tests/faults}"
export SB_FAULT

fault_setup() {
    sb_setup
    [ -x "$SB_FAULT" ] || sb_fail "SB_FAULT=$SB_FAULT is not the built sb_fault"
    # Under AddressSanitizer freed memory sits in a quarantine of up to
    # 256 MiB, which reads as steady growth of the daemon's memory: keep it
    # small so that memory checks see the program, not the sanitizer.
    export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:${SB_FAULT_QUARANTINE:-quarantine_size_mb=8:thread_local_quarantine_size_kb=64}"
    FAULT_T0=$SECONDS
}

# What the test did to the system, and what it verified afterwards.
fault_inject() { printf '[%s] INJECT: %s\n' "$SB_TEST" "$*" >&2; }
fault_check() { printf '[%s] CHECK: %s\n' "$SB_TEST" "$*" >&2; }

# The daemon's anonymous memory (heap, stacks; not the LMDB map) in KiB,
# and its open descriptors.
fault_anon_kb() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }
fault_fds() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }

# A random whole number in [lo, hi].
fault_random() { echo $(($1 + RANDOM % ($2 - $1 + 1))); }

# Copy the store as it is on disk now (the daemon stopped or killed) and
# verify the copy read-only: every index agrees with the records, the event
# log is numbered without a gap, the audit chain holds.
fault_restore_check() { # WHAT
    local copy=$SB_WORK/crash-image
    rm -rf "$copy"
    mkdir -p "$copy"
    cp "$SB_STATE/data.mdb" "$copy/" || sb_fail "cannot copy $SB_STATE/data.mdb"
    sb_run "$SKILLBASED" --restore-check "$copy"
    [ "$SB_RC" -eq 0 ] ||
        sb_fail "skillbased --restore-check of the store $1 found problems: $SB_ERR $SB_OUT"
    rm -rf "$copy"
}

# Run sb_fault; its stderr is shown (the counts it prints are the record of
# what was injected and checked), its stdout captured in SB_OUT. Fails the
# test when it exits non-zero.
fault_run() { # sb_fault ARGS...
    local rc=0
    "$SB_FAULT" "$@" >"$SB_WORK/fault.out" 2>"$SB_WORK/fault.err" || rc=$?
    SB_OUT=$(cat "$SB_WORK/fault.out")
    sed "s/^/[$SB_TEST] /" "$SB_WORK/fault.err" >&2
    [ "$rc" -eq 0 ] || sb_fail "sb_fault $1 failed (exit $rc)"
}

# A field of sb_fault load's last stdout line "answered N writes N ...".
fault_count() { # NAME TEXT
    printf '%s\n' "$2" | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}

# Start a worker (its output named daemon.* so lib.sh shows it when the
# test fails); sets FAULT_WPID.
fault_start_worker() { # NAME PROGRAM ARGS...
    sb_spawn "$@"
    FAULT_WPID=$SB_SPAWNED_PID
}

# Stop the daemon with SIGTERM at the end of a test: it must exit 0 (under
# the sanitizers that also means no leak was found), and the store it leaves
# must verify.
fault_finish() {
    sb_stop_daemon TERM
    assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status after SIGTERM"
    fault_restore_check "after the daemon stopped"
    fault_check "the daemon stopped cleanly (exit 0) and its store verifies (skillbased --restore-check)"
    sb_note "took $((SECONDS - FAULT_T0)) s"
}

# Poll until a command succeeds: fault_wait SECS WHAT CMD [ARGS...]
# (sb_wait_until every 0.2 s, showing the unsettled jobs on timeout).
fault_wait() {
    SB_WAIT_DIAG=fault_jobs_unsettled SB_WAIT_INTERVAL=0.2 sb_wait_until "$@"
}

# For a timed-out wait: the jobs still queued or leased, if the daemon
# answers; the first of each in full (its due time), and the history of
# the record it is about (when each step happened on the daemon's clock).
fault_jobs_unsettled() {
    local s id entity
    for s in leased queued; do
        echo "jobs $s:"
        timeout 10 "$SKILLBASECTL" jobs --state "$s" 2>&1 | head -n 20 || true
        id=$(timeout 10 "$SKILLBASECTL" --json jobs --state "$s" 2>/dev/null | jq -r '.[0].id // empty')
        [ -n "$id" ] || continue
        timeout 10 "$SKILLBASECTL" jobs show "$id" 2>&1 || true
        entity=$(timeout 10 "$SKILLBASECTL" --json jobs show "$id" 2>/dev/null | jq -r '.entity_id // empty')
        [ -n "$entity" ] || continue
        echo "history of $entity:"
        timeout 10 "$SKILLBASECTL" history "$entity" 2>&1 | head -n 20 || true
    done
}

# Jobs in a state (of one type, or of all).
fault_jobs_count() { # STATE [TYPE]
    if [ -n "${2:-}" ]; then
        "$SKILLBASECTL" --json jobs --state "$1" --type "$2" | jq length
    else
        "$SKILLBASECTL" --json status |
            jq --arg s "$1" '[.job_counts[]? | select(.state == $s) | .count | tonumber] | add // 0'
    fi
}

# True when no job (of the type) is queued or leased: all finished, parked
# or cancelled. Judged from one read where one read holds the answer:
# counting queued and then leased jobs in two reads passes when a job goes
# from leased back to queued in between (its worker found dead), and the
# test then moves on with that job still to run.
fault_jobs_settled() { # [TYPE]
    local page
    if [ -z "${1:-}" ]; then
        page=$("$SKILLBASECTL" --json status) || return 1
        jq -e '[.job_counts[]? | select(.state == "queued" or .state == "leased") | .count |
            tonumber] | add // 0 | . == 0' <<<"$page" >/dev/null
        return
    fi
    page=$("$SKILLBASECTL" --json jobs --type "$1" --limit 1000) || return 1
    if [ "$(jq length <<<"$page")" -lt 1000 ]; then
        jq -e 'all(.[]; .state != "queued" and .state != "leased")' <<<"$page" >/dev/null
        return
    fi
    # more than a page: leased, queued, then leased again, so that a job
    # moving between the two while they are read is still seen
    [ "$(fault_jobs_count leased "$1")" = 0 ] && [ "$(fault_jobs_count queued "$1")" = 0 ] &&
        [ "$(fault_jobs_count leased "$1")" = 0 ]
}
