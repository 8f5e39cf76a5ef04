#!/usr/bin/env bash
# Fault: clients send faster than the disk can commit. 32 clients keep 16
# requests each in flight (512 at once), unpaced, for SB_FAULT_SECONDS
# (default 8 s) per phase:
#   1. [daemon] max_queue = 64: the daemon holds at most 64 requests; the
#      rest are answered busy at once, each with Reply.retry_after_ms and a
#      message; the clients resend the same bytes after that pause;
#   2. the default max_queue (4096): nothing is shed, the answers are
#      slower instead.
# In both: the daemon survives, its anonymous memory stays within 48 MiB of
# where it started (the queue, the replies held for slow readers, and the
# dirty pages of LMDB's transaction that stays open between checkpoints of
# the commit log, bounded by [store] log_mb and checkpoint_ms), every request is answered in the end, every
# acknowledged write (including those first answered busy) is in the log
# exactly once and its replay gives its first answer, the audit chain holds.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

SECS=${SB_FAULT_SECONDS:-8}
cat >"$SB_WORK/small.ini" <<'EOF'
[daemon]
max_queue = 64
EOF

for phase in small default; do
    if [ "$phase" = small ]; then
        sb_start_daemon --config "$SB_WORK/small.ini"
    else
        sb_start_daemon
    fi
    fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients 4 --seconds 2 --quiet
    anon0=$(fault_anon_kb "$SB_PID")
    fault_inject "phase $phase: 32 clients x 16 requests in flight, unpaced, for $SECS s" \
        "(max_queue $([ "$phase" = small ] && echo 64 || echo 4096))"
    extra=()
    [ "$phase" = small ] && extra=(--expect-busy)
    fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients 32 --lanes 16 --ingest \
        --seconds "$SECS" --timeout-ms 10000 --pid "$SB_PID" --sample-ms 500 \
        --max-anon-kb $((anon0 + 48 * 1024)) --check --ledger "$SB_WORK/ledger" "${extra[@]}"
    busy=$(fault_count busy "$SB_OUT")
    writes=$(fault_count writes "$SB_OUT")
    sb_alive "$SB_PID" || sb_fail "the daemon died under overload"
    if [ "$phase" = small ]; then
        [ "$busy" -gt 0 ] || sb_fail "nothing was answered busy with max_queue 64"
        fault_check "phase small: $busy busy answers, each with retry_after_ms and a message;" \
            "$writes writes acknowledged in the end, each once in the log; memory bounded"
    else
        assert_eq 0 "$busy" "busy answers with max_queue 4096 and 512 requests in flight"
        fault_check "phase default: nothing shed, $writes writes answered (slower);" \
            "each once in the log; memory bounded"
    fi
    sb_stop_daemon TERM
    assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status after SIGTERM"
done
sb_start_daemon
fault_finish
