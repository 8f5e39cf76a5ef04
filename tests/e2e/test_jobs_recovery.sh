#!/usr/bin/env bash
# The job protocol when things die: a worker SIGKILLed mid-job has its job
# redelivered to another worker and the effect applied once; a lease that
# runs out on a hung worker is retried elsewhere; a daemon SIGKILLed while a
# worker holds a job loses no job and applies the effect once; a worker
# stopped with SIGTERM finishes the job in hand and says goodbye; a worker
# started before its daemon connects once the daemon is up.
#
# Each scenario drives a new application to publicity (three notify jobs),
# moves the clock past its window, and lets test workers answer every job
# with close_publicity: the first to run certifies the application, the others are refused (wrong_state)
# and are done all the same. "Applied once" is one application.certified
# event, whatever ran twice.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/jobs_lib.sh"
sb_setup
export SB_LEASE_MS=2500
jobs_start_daemon

# The job of the n-th "start" line of the job log (waits for it).
nth_start() { # N
    wait_for 20 "a worker starting job number $1" \
        sh -c "[ \$(awk '\$3 == \"start\"' '$SB_JOBLOG' | wc -l) -ge $1 ]"
    awk '$3 == "start" { print $1 }' "$SB_JOBLOG" | sed -n "${1}p"
}
starts() { awk '$3 == "start"' "$SB_JOBLOG" | wc -l; }
all_finished() {
    [ -z "$("$SKILLBASECTL" --json jobs --type notify |
        jq -r '.[] | select(.state == "queued" or .state == "leased") | .id')" ]
}
publicity() { # N: a new application whose publicity has run its course; prints its id
    local id
    id=$(sb_apply "$1")
    sb_drive "$id" in_publicity
    sb_publicity_over
    printf '%s\n' "$id"
}

# ---- a worker SIGKILLed mid-job: redelivered, applied once
app=$(publicity 1)
start_worker slow --sleep 60000 --command close_publicity
id=$(nth_start 1)
assert_json "$(job_json "$id")" .state leased
assert_json "$(job_json "$id")" .worker slow
stop_worker slow KILL
start_worker quick --command close_publicity
# the daemon notices the silence (3 x 200 ms) and queues the job again with
# a backoff; the quick worker gets it
wait_for 30 "$id done by the quick worker" job_is "$id" done
wait_for 20 "$app certified" record_is "$app" certified
assert_json "$(job_json "$id")" .worker quick
assert_json "$(job_json "$id")" .attempt 2
assert_contains "$(job_field "$id" .last_error)" "worker slow sent nothing" "why attempt 1 ended"
assert_eq 2 "$(log_count "$id" start)" "deliveries of $id"
assert_eq 1 "$(log_count "$id" done)" "completions of $id"
wait_for 20 "every job finished" all_finished
assert_eq 1 "$(event_count "$app" application.certified)" "certifications of $app"
assert_json "$(ctl --json history "$app" | jq -c '.[-1]')" .actor "worker:quick"
stop_worker quick

# ---- a hung worker: its lease runs out and the job goes elsewhere
app=$(publicity 2)
n=$(starts)
start_worker hung --hang
id=$(nth_start $((n + 1)))
start_worker rescue --command close_publicity
wait_for 30 "$id done by the rescue worker" job_is "$id" done
assert_json "$(job_json "$id")" .worker rescue
assert_json "$(job_json "$id")" .attempt 2
assert_contains "$(job_field "$id" .last_error)" "lease of 2500 ms ran out" "why attempt 1 ended"
wait_for 20 "every job finished" all_finished
assert_eq 1 "$(event_count "$app" application.certified)" "certifications of $app"
stop_worker hung KILL
stop_worker rescue

# ---- the daemon SIGKILLed while a worker holds a job: nothing is lost
app=$(publicity 3)
n=$(starts)
start_worker steady --sleep 1500 --command close_publicity
id=$(nth_start $((n + 1)))
sb_stop_daemon KILL
jobs_start_daemon
# the new daemon queued the leased job again; the worker reconnects, says
# it still holds the job, and reports it done; what runs again is harmless
wait_for 30 "$id done after the restart" job_is "$id" done
wait_for 20 "$app certified" record_is "$app" certified
wait_for 30 "every job finished" all_finished
assert_eq 1 "$(event_count "$app" application.certified)" "certifications of $app"
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
# (the application's jobs wait in the store, its publicity already over)
app=$(publicity 5)
sb_stop_daemon TERM
start_worker early --command close_publicity
sleep 0.5
jobs_start_daemon
wait_for 60 "$app certified by the early worker" record_is "$app" certified
wait_for 30 "every job finished" all_finished
stop_worker early
