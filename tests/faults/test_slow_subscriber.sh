#!/usr/bin/env bash
# Fault: a subscriber that stops reading. It subscribes to the event stream
# with a receive high-water mark of 1 and a tiny socket buffer, then reads
# nothing while clients write steadily (8 s to warm up, then
# SB_FAULT_SECONDS, default 20 s, measured) — far more events than the
# daemon's send high-water mark ([events] send_hwm = 100 here). The daemon's
# anonymous memory is sampled every second: it must not grow steadily
# (slope over the second half under 6 MiB/min; without the high-water mark
# it grows ~20 MiB/min here) nor by more than 8 MiB over the measured
# window; the writers must be served all along. Then the
# subscriber wakes up and catches up from the log (skillbase_follow): every
# event 1..last exactly once, in order.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

SECS=${SB_FAULT_SECONDS:-20}
RATE=${SB_FAULT_RATE:-250}
cat >"$SB_WORK/skillbase.ini" <<'EOF'
[events]
send_hwm = 100
EOF
sb_start_daemon --config "$SB_WORK/skillbase.ini"
EVENTS_EP="ipc://$SB_STATE/events.sock"

"$SB_FAULT" stall-sub --endpoint "$SKILLBASE_ENDPOINT" --event-endpoint "$EVENTS_EP" \
    --wake-file "$SB_WORK/wake" --ready-file "$SB_WORK/ready" \
    >"$SB_WORK/sub.out" 2>"$SB_WORK/sub.err" &
SUB=$!
SB_BG_PIDS+=("$SUB")
fault_wait 20 "the subscriber to be subscribed" test -e "$SB_WORK/ready"

# warm up (the allocator's caches, the sanitizer's quarantine, the stalled
# subscriber's queue up to its high-water mark), then the baseline
fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients 8 --lanes 2 --ingest --rate "$RATE" \
    --seconds 8 --quiet
anon0=$(fault_anon_kb "$SB_PID")
fault_inject "a subscriber that never reads (RCVHWM 1) while $SECS s of writes at $RATE/s" \
    "publish far more events than the daemon's send_hwm of 100"
fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients 8 --lanes 2 --ingest --rate "$RATE" \
    --seconds "$SECS" --pid "$SB_PID" --csv "$SB_WORK/memory.csv" --sample-ms 1000 \
    --max-anon-kb $((anon0 + 8 * 1024))
events=$(fault_count events "$SB_OUT")
[ "$events" -gt 2000 ] || sb_fail "only $events events published: not enough to fill the high-water mark"
fault_run trend --csv "$SB_WORK/memory.csv" --max-anon-slope 6144 --max-p99-ratio 1000
anon1=$(fault_anon_kb "$SB_PID")
fault_check "$events events published past a stalled subscriber: daemon memory $anon0 KiB ->" \
    "$anon1 KiB, no steady growth; every write answered"

touch "$SB_WORK/wake"
st=0
wait "$SUB" || st=$?
sed "s/^/[$SB_TEST] /" "$SB_WORK/sub.err" >&2
[ "$st" -eq 0 ] || sb_fail "the stalled subscriber did not catch up from the log (exit $st)"
fault_check "the subscriber woke and caught up from the log: every event once, in order"
fault_finish
