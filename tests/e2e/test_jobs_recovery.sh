#!/usr/bin/env bash
# The job protocol when things die: a worker SIGKILLed mid-job has its job
# redelivered to another worker and the effect applied once; a lease that
# runs out on a hung worker is retried elsewhere; a daemon SIGKILLed while a
# worker holds a job loses no job and applies the effect once; a worker
# stopped with SIGTERM finishes the job in hand and says goodbye; a worker
# started before its daemon connects once the daemon is up.
#
# Each scenario drives a new application to publicity (three notify jobs)
# and lets test workers finish them. "Applied once" is one recorded
# completion of each job, whatever ran twice. (A notify job carries no
# command: test_jobs.sh shows one refused; the commands of real job types
# applied exactly once under worker and daemon kills are the fault suite's,
# tests/faults/test_kill_workers.sh.)
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/jobs_lib.sh"
sb_setup
export SB_LEASE_MS=2500
jobs_start_daemon

# The job of the n-th "start" line of the job log (waits for it).
nth_start() { # N
    sb_wait_until 20 "a worker starting job number $1" \
        sh -c "[ \$(awk '\$3 == \"start\"' '$SB_JOBLOG' | wc -l) -ge $1 ]"
    awk '$3 == "start" { print $1 }' "$SB_JOBLOG" | sed -n "${1}p"
}
starts() { awk '$3 == "start"' "$SB_JOBLOG" | wc -l; }
all_finished() {
    [ -z "$("$SKILLBASECTL" --json jobs --type notify |
        jq -r '.[] | select(.state == "queued" or .state == "leased") | .id')" ]
}
publicity() { # N: a new application in publicity; prints its id
    local id
    id=$(sb_apply "$1")
    sb_drive "$id" in_publicity
    printf '%s\n' "$id"
}

# ---- a worker SIGKILLed mid-job: redelivered, applied once
app=$(publicity 1)
start_worker slow --sleep 60000
id=$(nth_start 1)
assert_json "$(job_json "$id")" .state leased
assert_json "$(job_json "$id")" .worker slow
stop_worker slow KILL
start_worker quick
# the daemon notices the silence (3 x 200 ms) and queues the job again with
# a backoff; the quick worker gets it
sb_wait_until 30 "$id done by the quick worker" job_is "$id" done
assert_json "$(job_json "$id")" .worker quick
assert_json "$(job_json "$id")" .attempt 2
assert_contains "$(job_field "$id" .last_error)" "worker slow sent nothing" "why attempt 1 ended"
assert_eq 2 "$(log_count "$id" start)" "deliveries of $id"
assert_eq 1 "$(log_count "$id" done)" "completions of $id"
sb_wait_until 20 "every job finished" all_finished
stop_worker quick

# ---- a hung worker: its lease runs out and the job goes elsewhere
app=$(publicity 2)
n=$(starts)
start_worker hung --hang
id=$(nth_start $((n + 1)))
start_worker rescue
sb_wait_until 30 "$id done by the rescue worker" job_is "$id" done
assert_json "$(job_json "$id")" .worker rescue
assert_json "$(job_json "$id")" .attempt 2
assert_contains "$(job_field "$id" .last_error)" "lease of 2500 ms ran out" "why attempt 1 ended"
sb_wait_until 20 "every job finished" all_finished
assert_eq 1 "$(log_count "$id" done)" "completions of $id"
stop_worker hung KILL
stop_worker rescue

# ---- the daemon SIGKILLed while a worker holds a job: nothing is lost
app=$(publicity 3)
n=$(starts)
start_worker steady --sleep 1500
id=$(nth_start $((n + 1)))
sb_stop_daemon KILL
jobs_start_daemon
# the new daemon queued the leased job again; the worker reconnects, says
# it still holds the job, and reports it done; what runs again is harmless
sb_wait_until 30 "$id done after the restart" job_is "$id" done
sb_wait_until 30 "every job finished" all_finished
assert_json "$(job_json "$id")" .worker steady
assert_eq 1 "$(log_count "$id" done)" "completions of $id"
assert_eq "" "$(job_ids --state leased --type notify)" "notify jobs still leased"

# ---- SIGTERM to a worker mid-job: it finishes the job, then says goodbye
stop_worker steady
sb_apply 4 >/dev/null
n=$(starts)
start_worker polite --sleep 1000
id=$(nth_start $((n + 1)))
stop_worker polite TERM
assert_json "$(job_json "$id")" .state done
assert_json "$(job_json "$id")" .attempt 1
assert_contains "$(cat "$SB_TMP/daemon.w-polite.err")" "stopping" "the worker's log"

# ---- a worker started before its daemon connects once the daemon is up
sb_stop_daemon TERM
start_worker early
sleep 0.5
jobs_start_daemon
app=$(publicity 5)
sb_wait_until 60 "$app's jobs done by the early worker" all_finished
assert_eq 3 "$("$SKILLBASECTL" --json jobs --type notify --state done |
    jq --arg a "$app" '[.[] | select(.entity_id == $a and .worker == "early")] | length')" \
    "notify jobs of $app done by the early worker"
stop_worker early
