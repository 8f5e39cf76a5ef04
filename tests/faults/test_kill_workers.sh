#!/usr/bin/env bash
# Fault: SIGKILL of each worker in the middle of a job, and of the daemon
# while jobs are leased.
#
# The three real workers run (skillbase-notify with its spool,
# skillbase-deadlines, skillbase-subsidy) on the test clock while 40
# applications go through their whole life with their jobs: publicity
# scheduled and closed by the deadlines worker, services recorded and
# statements computed by the subsidy worker, two years of assessment
# reminders, a notice for every event. In every phase each worker that has
# work is frozen (SIGSTOP) until it is caught holding a lease, then killed
# (SIGKILL) and started again — SB_FAULT_ROUNDS times per worker and phase
# (default 1); and the daemon is killed (SIGKILL) with all workers frozen
# while they hold leases, and started again.
#
# Checked at the end (sb_fault jobs-check): every job is done — none
# queued, leased or parked; every job's command took effect exactly once
# (the events carrying its request id "job:<id>" are exactly those of its
# command, and none for a refused one); every notice that was reported sent
# is one spool file, and there is no other. And in the records: each
# application certified once, each window scheduled once, each sub-base
# reminded once per reminder and given one overdue notice.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

ROUNDS=${SB_FAULT_ROUNDS:-1}
APPS=${SB_FAULT_APPS:-40}
for w in NOTIFY DEADLINES SUBSIDY; do
    v=SKILLBASE_$w
    [ -x "${!v:-}" ] || sb_fail "$v=${!v:-} is not the built skillbase-${w,,}"
done
export SKILLBASE_TEST_CLOCK=$SB_WORK/clock
clock() {
    printf '%s\n' "$1" >"$SKILLBASE_TEST_CLOCK.new"
    mv "$SKILLBASE_TEST_CLOCK.new" "$SKILLBASE_TEST_CLOCK"
}
cat >"$SB_WORK/skillbase.ini" <<'EOF'
[workers]
heartbeat_ms = 200
liveness = 5
lease_ms = 5000
max_attempts = 50
backoff_base_ms = 100
backoff_max_ms = 500
[activity]
; the yearly activity filing's reminders run on year after year, one always
; queued ahead of the clock; this test waits for every job to finish
reminders = off
EOF
WORKER_EP="ipc://$SB_STATE/worker.sock"
SPOOL=$SB_WORK/notices
clock 2026-03-02T09:00
sb_start_daemon --config "$SB_WORK/skillbase.ini" --log-level info

# ------------------------------------------------------------ workers
declare -A WPID WNAME WGEN KILLS
start_role() { # notify|deadlines|subsidy
    local role=$1 prog extra=()
    WGEN[$role]=$((${WGEN[$role]:-0} + 1))
    WNAME[$role]=$role-${WGEN[$role]}
    case $role in
    notify) prog=$SKILLBASE_NOTIFY extra=(--spool-dir "$SPOOL") ;;
    deadlines) prog=$SKILLBASE_DEADLINES ;;
    subsidy) prog=$SKILLBASE_SUBSIDY ;;
    esac
    fault_start_worker "${WNAME[$role]}" "$prog" --endpoint "$WORKER_EP" \
        --command-endpoint "$SKILLBASE_ENDPOINT" --name "${WNAME[$role]}" "${extra[@]}"
    WPID[$role]=$FAULT_WPID
}
for role in notify deadlines subsidy; do
    start_role "$role"
    KILLS[$role]=0
done

leased_by() { # WORKER-NAME
    ctl --json jobs --state leased | jq --arg w "$1" 'map(select(.worker == $w)) | length'
}

# Freeze the worker until it is caught holding a lease, then SIGKILL it and
# start a new one. Returns 1 when it never held one in ~10 s.
kill_mid_job() { # ROLE
    local role=$1 pid n i
    for ((i = 0; i < 300; i++)); do
        pid=${WPID[$role]}
        kill -STOP "$pid"
        n=$(leased_by "${WNAME[$role]}")
        if [ "$n" -gt 0 ]; then
            kill -KILL "$pid"
            wait "$pid" 2>/dev/null || true
            fault_inject "SIGKILL of ${WNAME[$role]} while it held $n leased job(s)"
            KILLS[$role]=$((KILLS[$role] + 1))
            start_role "$role"
            return 0
        fi
        kill -CONT "$pid"
        sleep 0.03
    done
    return 1
}

# Freeze every worker, and once some hold leases, SIGKILL the daemon; then
# start it again and let the workers go on.
DAEMON_KILLS=0
kill_daemon_leased() {
    local i n role
    for ((i = 0; i < 300; i++)); do
        for role in notify deadlines subsidy; do kill -STOP "${WPID[$role]}"; done
        n=$(fault_jobs_count leased)
        if [ "$n" -gt 0 ]; then
            sb_stop_daemon KILL
            fault_inject "SIGKILL of the daemon while $n job(s) were leased to frozen workers"
            DAEMON_KILLS=$((DAEMON_KILLS + 1))
            sb_start_daemon --config "$SB_WORK/skillbase.ini" --log-level info
            for role in notify deadlines subsidy; do kill -CONT "${WPID[$role]}"; done
            return 0
        fi
        for role in notify deadlines subsidy; do kill -CONT "${WPID[$role]}"; done
        sleep 0.03
    done
    return 1
}

# Kill what has work, ROUNDS times each (a worker that finished its work
# before it could be caught is tried again in the next phase).
faults_in_phase() { # ROLE...
    local role r
    for ((r = 0; r < ROUNDS; r++)); do
        for role in "$@"; do
            kill_mid_job "$role" || sb_note "${WNAME[$role]} held no lease while tried this phase"
        done
    done
}

# ------------------------------------------------------------ phase 1: publicity begins
fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients $((APPS / 2)) --apps 2 \
    --last-step evaluate --quiet
faults_in_phase deadlines notify
kill_daemon_leased || sb_note "no lease outstanding to kill the daemon on in phase 1"
fault_wait 120 "every window to be scheduled" fault_jobs_settled publicity.schedule

# ------------------------------------------------------------ phase 2: publicity ends
clock 2026-03-12T09:00
fault_inject "the clock moves past the windows' end"
faults_in_phase deadlines notify
fault_wait 120 "every window to be closed" fault_jobs_settled publicity.close

# ------------------------------------------------------------ phase 3: services and statements
clock 2026-06-15T10:00
client=$(sb_cc 999999)
jq -n --arg cc "$client" '{date: "2026-04-01", client_name: "杭州某职业技术学院",
    client_credit_code: $cc, kind: "training", occupation: "电工", level: "高级工",
    trainees: 10, hours_tenths: 80}' >"$SB_WORK/service.json"
bases=$(ctl --json list --kind base --limit 1000 | jq -r '.[].id')
for b in $bases; do
    ctl record-service --base "$b" -f "$SB_WORK/service.json" >/dev/null
done
ctl subsidy compute --year 2026 >/dev/null
faults_in_phase subsidy notify
kill_daemon_leased || sb_note "no lease outstanding to kill the daemon on in phase 3"
fault_wait 120 "every statement to be computed" fault_jobs_settled subsidy.statement

# ------------------------------------------------------------ phase 4: two years of reminders
clock 2028-03-20T09:00
fault_inject "the clock moves two years on: every assessment reminder falls due"
faults_in_phase deadlines notify
# (every reminder and its notices, after more worker deaths: give a loaded machine time)
fault_wait 300 "every job to finish" fault_jobs_settled

for role in notify deadlines subsidy; do
    [ "${KILLS[$role]}" -ge 1 ] || sb_fail "${role} was never caught holding a lease: nothing was killed mid-job"
done
[ "$DAEMON_KILLS" -ge 1 ] || sb_fail "the daemon was never killed with leases outstanding"

# ------------------------------------------------------------ checks
fault_run jobs-check --endpoint "$SKILLBASE_ENDPOINT" --spool-dir "$SPOOL"
nbases=$(printf '%s\n' "$bases" | wc -w)
topic_count() { ctl --json events --topic "$1" | jq length; }
assert_eq "$APPS" "$(topic_count application.publicity_scheduled)" "windows scheduled"
assert_eq "$APPS" "$(topic_count application.certified)" "applications certified"
assert_eq "$APPS" "$nbases" "sub-bases"
assert_eq "$nbases" "$(topic_count base.assessment_overdue)" "overdue notices"
assert_eq $((3 * nbases)) "$(topic_count base.assessment_due_soon)" "due-soon reminders (60, 30, 7 days)"
[ "$(topic_count base.subsidy_statement)" -ge "$nbases" ] || sb_fail "a sub-base has no statement"
fault_check "workers killed mid-job: notify ${KILLS[notify]}, deadlines ${KILLS[deadlines]}," \
    "subsidy ${KILLS[subsidy]} times; the daemon $DAEMON_KILLS times with leases out; every job" \
    "done and its effect applied once: $APPS windows scheduled and closed once each, $nbases" \
    "sub-bases reminded 3 times and told overdue once each, every notice one spool file"
fault_finish
