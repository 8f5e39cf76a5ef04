#!/usr/bin/env bash
# Fault: the wall clock steps forward and back (the test clock,
# SKILLBASE_TEST_CLOCK, read by the daemon and every worker).
#
#   1. Calendar deadlines stay right. Publicity begins on Thursday
#      2025-09-25 and ends at 24:00 of 2025-10-09 (five working days across
#      the National Day holiday). The clock then jumps back a year, forward
#      to 23:59 of the last day, back a week, forward again: the window's
#      end never moves and the application is certified only once the clock
#      reaches 2025-10-10 00:00, dated that day. A second application enters
#      publicity while the clock stands in the past: its window is counted
#      from that (past) date on the holiday calendar.
#   2. Leases and heartbeats ignore the wall clock (they run on the
#      monotonic clock). A worker holds a job (lease 3 s) and hangs in its
#      handler, still heartbeating; meanwhile the clock jumps a day forward
#      and two days back, SB_FAULT_ROUNDS times (default 3). The lease must
#      neither run out early (forward jump) nor be extended (backward
#      jump): the job goes to the second worker about 3 s after it was
#      handed out; no worker is declared dead.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

ROUNDS=${SB_FAULT_ROUNDS:-3}
[ -x "${SKILLBASE_DEADLINES:-}" ] || sb_fail "SKILLBASE_DEADLINES is not the built skillbase-deadlines"
export SKILLBASE_TEST_CLOCK=$SB_WORK/clock
clock() { # Hangzhou time "YYYY-MM-DDTHH:MM"
    printf '%s\n' "$1" >"$SKILLBASE_TEST_CLOCK.new"
    mv "$SKILLBASE_TEST_CLOCK.new" "$SKILLBASE_TEST_CLOCK"
}
cat >"$SB_WORK/skillbase.ini" <<'EOF'
[workers]
heartbeat_ms = 200
liveness = 25
lease_ms = 3000
backoff_base_ms = 100
backoff_max_ms = 200
EOF
WORKER_EP="ipc://$SB_STATE/worker.sock"
state_is() { [ "$(sb_state "$1")" = "$2" ]; }
field_is() { [ "$(sb_field "$1" "$2")" = "$3" ]; }
sb_field_job() { jget "$(ctl --json jobs show "$1")" .state; }

# ------------------------------------------------------------ 1. calendar deadlines
clock 2025-09-25T10:00
sb_start_daemon --config "$SB_WORK/skillbase.ini" --log-level info
fault_start_worker deadlines "$SKILLBASE_DEADLINES" --endpoint "$WORKER_EP" --name deadlines-clock
app=$(sb_apply 1)
sb_drive "$app" in_publicity
fault_wait 30 "the window to be scheduled" field_is "$app" .publicity_ends_on 2025-10-09

for t in 2024-09-25T10:00 2025-10-09T23:59 2025-10-02T08:00 2025-09-01T00:00 2025-10-09T23:59; do
    clock "$t"
    fault_inject "the wall clock steps to $t"
    sleep 1.2 # several broker ticks on the moved clock (a negative check needs time)
    assert_state "$app" in_publicity
    assert_json "$(sb_show "$app")" .publicity_ends_on 2025-10-09
done
fault_check "publicity of $app still open with its end 2025-10-09 after jumps back a year," \
    "forward to 23:59 of the last day and back again"

# a second application enters publicity while the clock stands in the past
clock 2025-09-19T15:00
app2=$(sb_apply 2)
sb_drive "$app2" in_publicity
assert_json "$(sb_show "$app2")" .publicity_started_on 2025-09-19
want=$(sb_first_line "$(ctl calendar add-working-days 2025-09-19 5)")
fault_wait 30 "the second window to be scheduled" field_is "$app2" .publicity_ends_on "$want"
fault_check "publicity begun on the past date 2025-09-19 ends on $want, as the calendar counts it"

clock 2025-10-10T00:00
fault_inject "the wall clock reaches 2025-10-10 00:00"
fault_wait 40 "certification at the end of 2025-10-09" state_is "$app" certified
assert_json "$(sb_show "$app")" .decided_on 2025-10-10
closed=$(jget "$(ctl --json history "$app")" '[.[] | select(.topic == "application.certified")]')
assert_json "$closed" length 1
assert_json "$closed" '.[0].actor' worker:deadlines-clock
[ "$(jget "$closed" '.[0].time_ms')" -ge "$(date -u -d 2025-10-09T16:00:00Z +%s)000" ] ||
    sb_fail "certified before 2025-10-10 00:00 Hangzhou"
fault_wait 40 "the second application's certification" state_is "$app2" certified
fault_check "certified exactly once, at 2025-10-10 00:00 (decided_on 2025-10-10), by the worker"

# ------------------------------------------------------------ 2. leases and heartbeats
clock 2025-11-03T10:00
now_ms() { date +%s%3N; }
# "JOB ATTEMPT start MS" of the test worker's log: the MS of a job's attempt
started_ms() { # LOG JOB ATTEMPT
    awk -v j="$2" -v a="$3" '$1 == j && $2 == a && $3 == "start" { print $4; exit }' "$1" 2>/dev/null
}
has_start() { [ -n "$(started_ms "$@")" ]; }
for ((r = 1; r <= ROUNDS; r++)); do
    # a worker that takes one notify job and hangs in its handler (its
    # runtime keeps heartbeating), and a job for it
    fault_start_worker "hang.$r" "$SB_TEST_WORKER" --endpoint "$WORKER_EP" --name "hang-$r" \
        --hang --log "$SB_WORK/hang.$r.log"
    hang=$FAULT_WPID
    sb_apply $((100 + r)) >/dev/null
    fault_wait 20 "worker hang-$r to take a job" test -s "$SB_WORK/hang.$r.log"
    read -r job attempt _ t0 <"$SB_WORK/hang.$r.log"
    fault_start_worker "good.$r" "$SB_TEST_WORKER" --endpoint "$WORKER_EP" --name "good-$r" \
        --log "$SB_WORK/good.$r.log"
    good=$FAULT_WPID
    fault_inject "round $r: $job leased to hang-$r for 3 s; the wall clock jumps +1 day, -2 days," \
        "+1 year and back within the lease"
    for t in 2025-11-04T10:00 2025-11-02T10:00 2026-11-03T10:00 2025-11-03T10:00; do
        sleep 0.4
        clock "$t"
    done
    sleep 0.4
    j=$(ctl --json jobs show "$job")
    elapsed=$(($(now_ms) - t0))
    if [ "$elapsed" -lt 2700 ]; then
        assert_json "$j" .state leased "$job ${elapsed} ms into its 3 s lease"
        assert_json "$j" .worker "hang-$r" "$job ${elapsed} ms into its 3 s lease"
    fi
    fault_wait 30 "$job to be handed to good-$r" has_start "$SB_WORK/good.$r.log" "$job" $((attempt + 1))
    t1=$(started_ms "$SB_WORK/good.$r.log" "$job" $((attempt + 1)))
    lease=$((t1 - t0))
    [ "$lease" -ge 2700 ] || sb_fail "$job went to another worker $lease ms after it was leased: the lease ran out early"
    [ "$lease" -le 9000 ] || sb_fail "$job went to another worker $lease ms after it was leased: the lease was extended"
    fault_wait 20 "$job to be done" test "$(sb_field_job "$job")" = done
    fault_check "round $r: the lease of $job ran out after $lease ms of real time (lease 3000 ms," \
        "then a backoff of 50-200 ms), unmoved by the jumps; good-$r finished it"
    # neither worker was taken for dead on the way (the hanging one heartbeats)
    assert_eq 0 "$(grep -c "worker \(hang\|good\)-$r sent nothing" "$SB_DAEMON_ERR" || true)" \
        "round $r: workers declared dead (heartbeats must ignore the wall clock)"
    kill -KILL "$hang" 2>/dev/null || true
    kill -TERM "$good" 2>/dev/null || true
    wait "$hang" "$good" 2>/dev/null || true
done
dead=$(grep -c 'worker deadlines-clock sent nothing' "$SB_DAEMON_ERR" || true)
assert_eq 0 "$dead" "times the deadlines worker was declared dead across all the jumps"
ran_out=$(grep -c 'lease of 3000 ms ran out' "$SB_DAEMON_ERR" || true)
assert_eq "$ROUNDS" "$ran_out" "leases that ran out"
fault_check "no worker declared dead across $((ROUNDS * 4)) jumps: heartbeats and leases run on" \
    "the monotonic clock"
fault_finish
