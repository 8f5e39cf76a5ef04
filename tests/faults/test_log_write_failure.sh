#!/usr/bin/env bash
# Fault: the commit log cannot be written. While 8 clients write, the disk
# under commit.log starts failing (an LD_PRELOAD shim, fail_shim.c, makes
# every fdatasync of it fail with EIO in odd rounds, every write of it in
# even rounds, from a random moment on), SB_FAULT_ROUNDS times (default 4)
# on the same store. Each round:
#   - the daemon exits with status 74 (EX_IOERR) at the first failed sync
#     or write, saying the commit log cannot be written, with the batch in
#     flight unanswered: neither answer would be true (docs/storage.md);
#   - the store it leaves verifies (skillbased --restore-check on a copy);
#   - restarted on a healthy disk it replays what reached the log, and the
#     clients' retries (same bytes, same idempotency keys) are answered:
#     every acknowledged write of every round is there exactly once, a retry
#     of a write that had reached the log gets its stored answer, the event
#     log has no gap and the audit chain verifies (sb_fault --check).
source "$(dirname "$0")/faults_lib.sh"
fault_setup

ROUNDS=${SB_FAULT_ROUNDS:-4}
CLIENTS=${SB_FAULT_CLIENTS:-8}
LEDGER=$SB_WORK/ledger
TRIGGER=$SB_WORK/disk-fails
[ -f "${SB_FAIL_SHIM:-}" ] || sb_fail "SB_FAIL_SHIM=${SB_FAIL_SHIM:-} is not the built fail_shim"
# a daemon built with AddressSanitizer wants its runtime first
preload=$SB_FAIL_SHIM
asan=$(ldd "$SKILLBASED" | awk '/libasan/ { print $3 }')
[ -z "$asan" ] || preload="$asan:$SB_FAIL_SHIM"
REAL_SKILLBASED=$SKILLBASED

# the daemon on a disk that fails CALL (sync or write) on commit.log once
# $TRIGGER exists
start_failing_daemon() { # CALL
    local wrapper=$SB_WORK/failing-skillbased
    printf '#!/bin/sh\nexec env LD_PRELOAD=%q FS_SUFFIX=/commit.log FS_TRIGGER=%q FS_CALL=%q %q "$@"\n' \
        "$preload" "$TRIGGER" "$1" "$REAL_SKILLBASED" >"$wrapper"
    chmod +x "$wrapper"
    SKILLBASED=$wrapper
    sb_start_daemon
    SKILLBASED=$REAL_SKILLBASED
}

acked=0 retried=0 events=0 lost=0
for ((r = 1; r <= ROUNDS; r++)); do
    call=$([ $((r % 2)) -eq 1 ] && echo sync || echo write)
    rm -f "$TRIGGER"
    start_failing_daemon "$call"
    stop=$SB_WORK/stop.$r
    "$SB_FAULT" load --endpoint "$SKILLBASE_ENDPOINT" --clients "$CLIENTS" --ingest \
        --reads-every 7 --timeout-ms 1000 --give-up-ms 60000 --stop-file "$stop" \
        --check --ledger "$LEDGER" >"$SB_WORK/load.$r.out" 2>"$SB_WORK/load.$r.err" &
    load=$!
    SB_BG_PIDS+=("$load")
    delay=$(fault_random 300 1500)
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    touch "$TRIGGER"
    fault_inject "round $r: every $call of commit.log fails with EIO from ${delay} ms into a burst of $CLIENTS clients"
    for ((i = 0; i < 300; i++)); do
        sb_alive "$SB_PID" || break
        sleep 0.1
    done
    if sb_alive "$SB_PID"; then
        sb_stop_daemon KILL
        sb_fail "round $r: the daemon still runs 30 s after its commit log failed"
    fi
    st=0
    wait "$SB_PID" 2>/dev/null || st=$?
    SB_PID=""
    assert_eq 74 "$st" "round $r: exit status of the daemon whose commit log failed"
    assert_contains "$(cat "$SB_DAEMON_ERR")" "the commit log cannot be written" \
        "round $r: the daemon's last words"
    fault_restore_check "left by the failed commit log in round $r"
    # the disk is replaced: the store opens, replays what reached the log
    rm -f "$TRIGGER"
    sb_start_daemon
    sleep 0.3
    touch "$stop"
    st=0
    wait "$load" || st=$?
    sed "s/^/[$SB_TEST] round $r: /" "$SB_WORK/load.$r.err" | grep -v ': [0-9]* s: ' >&2
    [ "$st" -eq 0 ] || sb_fail "round $r: the load or its checks failed (exit $st)"
    line=$(cat "$SB_WORK/load.$r.out")
    acked=$((acked + $(fault_count writes "$line")))
    retried=$((retried + $(fault_count retried "$line")))
    lost=$((lost + $(fault_count committed_before_loss "$line")))
    events=$((events + $(fault_count events "$line")))
    sb_stop_daemon TERM
    assert_eq 0 "$SB_EXIT_STATUS" "round $r: exit status after SIGTERM"
done

sb_start_daemon
ledger=$(wc -l <"$LEDGER")
assert_eq "$acked" "$ledger" "acknowledged writes in the ledger"
[ "$retried" -gt 0 ] || sb_fail "no request was in flight at any of the $ROUNDS failures (nothing retried)"
fault_check "$ROUNDS commit-log failures (sync and write alternately): the daemon exited 74 each" \
    "time; $acked acknowledged writes ($events events) each present exactly once after every" \
    "restart; $retried requests unanswered at a failure were retried with the same key ($lost of" \
    "them had reached the log: their retry got the stored answer); the store verified each time"
fault_finish
