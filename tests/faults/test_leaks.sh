#!/usr/bin/env bash
# Faults that leak if anything does: a worker that hangs without heartbeats,
# clients that send and disappear, and 1,000 clients connecting and
# disconnecting in a loop (SB_FAULT_CYCLES, default 1000).
#
#   1. Hung workers (SB_FAULT_ROUNDS, default 3): a peer says hello, takes a
#      notify job, then sends nothing at all for 2 s while a real worker
#      (the test worker) takes the other jobs. The daemon must declare it
#      dead (liveness 3 x 200 ms heartbeats here), give its job to the real
#      worker, and every job must end done; the job the hung peer held
#      finished by the real worker on a later attempt.
#   2. Churn: sb_fault churn opens and closes 1,000 clients of four kinds —
#      connect and leave, ask and leave, send a write and vanish before the
#      answer, hang up in the middle of the ZMTP handshake — while a canary asks
#      every 20 ms. Every canary request must be answered; the daemon's open
#      descriptors must come back to where they were (within 4) and its
#      anonymous memory within 16 MiB.
# Descriptors and memory are compared around the hung workers too.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

ROUNDS=${SB_FAULT_ROUNDS:-3}
CYCLES=${SB_FAULT_CYCLES:-1000}
cat >"$SB_WORK/skillbase.ini" <<'EOF'
[workers]
heartbeat_ms = 200
liveness = 3
backoff_base_ms = 100
backoff_max_ms = 500
EOF
sb_start_daemon --config "$SB_WORK/skillbase.ini"
WORKER_EP="ipc://$SB_STATE/worker.sock"

# work for the workers: one notify job per event
fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients 2 --rate 40 --seconds 5 --quiet
fault_start_worker worker "$SB_TEST_WORKER" --endpoint "$WORKER_EP" --name real-worker \
    --sleep 30 --log "$SB_WORK/worker.log"
sleep 1
fds0=$(fault_fds "$SB_PID")
anon0=$(fault_anon_kb "$SB_PID")

fault_inject "$ROUNDS workers that take a job and then hang (no heartbeat, no answer) for 2 s"
fault_run hung-worker --worker-endpoint "$WORKER_EP" --type notify --rounds "$ROUNDS" \
    --hold-ms 2000 --jobs-file "$SB_WORK/held"
assert_eq "$ROUNDS" "$(wc -l <"$SB_WORK/held")" "jobs taken by hung workers"
fault_wait 120 "every notify job to be done" fault_jobs_settled notify
assert_eq 0 "$(fault_jobs_count parked notify)" "parked notify jobs"
while read -r job attempt hung; do
    j=$(ctl --json jobs show "$job")
    assert_json "$j" .state done "job $job held by $hung"
    assert_json "$j" .worker real-worker "worker that finished $job"
    got=$(jget "$j" .attempt)
    [ "$got" -gt "$attempt" ] || sb_fail "job $job: attempt $got, not after the hung one's $attempt"
done <"$SB_WORK/held"
sleep 1
fds1=$(fault_fds "$SB_PID")
anon1=$(fault_anon_kb "$SB_PID")
[ "$fds1" -le $((fds0 + 2)) ] || sb_fail "daemon descriptors $fds0 -> $fds1 after the hung workers"
[ "$anon1" -le $((anon0 + 16384)) ] || sb_fail "daemon memory $anon0 -> $anon1 KiB after the hung workers"
fault_check "each hung worker was dropped and its job finished by the real worker on a later" \
    "attempt; every notify job done, none parked; descriptors $fds0 -> $fds1, memory $anon0 -> $anon1 KiB"

fault_inject "$CYCLES clients connecting and leaving (a quarter sending a write and vanishing," \
    "a quarter hanging up mid-handshake) beside a canary client"
fault_run churn --endpoint "$SKILLBASE_ENDPOINT" --pid "$SB_PID" --cycles "$CYCLES" \
    --max-fd-growth 4 --max-anon-growth-kb 16384
fault_check "no descriptor or memory leak from the churn; the canary got every answer"
fault_finish
