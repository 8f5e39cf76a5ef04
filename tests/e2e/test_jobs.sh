#!/usr/bin/env bash
# The job outbox end to end, with test workers on the real runtime: every
# transition enqueues its notify job in its own transaction; a job is
# delivered, completed and its command applied once; a refused command
# still completes the job; retryable failures back off and park after the
# last attempt; `jobs retry` runs a parked job again; cancel, filters,
# --json and refusals of the jobs verbs; status counts jobs.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
source "$(dirname "${BASH_SOURCE[0]}")/jobs_lib.sh"
sb_setup
jobs_start_daemon

# ---- every transition commits its job; nothing runs without a worker
app=$(sb_apply 1)
assert_eq "job-00000001" "$(job_ids --state queued)" "the application's notify job"
assert_json "$(job_json job-00000001)" .type notify
assert_json "$(job_json job-00000001)" .entity_id "$app"
assert_json "$(job_json job-00000001)" .event.topic application.applied
assert_json "$(job_json job-00000001)" ".attempt // 0" 0
ctl status >/dev/null
assert_match "$SB_OUT" 'queued +1' "status counts the queued job"
assert_json "$(ctl --json status)" '.job_counts[0].state' queued

# a refused command enqueues nothing
sb_ctl_fails 1 wrong_state close-publicity "$app"
assert_eq 1 "$(job_ids | wc -l)" "jobs after a refused command"

# ---- delivered once and done; a command its type does not allow is
# refused (docs/jobs.md, "Commands a job may carry"): a notify job carries
# none, so a notify worker cannot certify (the job is done, the refusal
# recorded in its result, the application untouched)
sb_drive "$app" in_publicity # two more transitions: jobs 2 and 3
sb_publicity_over            # the worker's close_publicity may certify it
assert_eq 3 "$(job_ids --state queued --type notify | wc -l)" "queued notify jobs before any worker"
start_worker w1 --command close_publicity
sb_wait_until 20 "job-00000001 done" job_is job-00000001 done
sb_wait_until 20 "every notify job done" sh -c "[ -z \"\$('$SKILLBASECTL' --json jobs --type notify | jq -r '.[] | select(.state != \"done\") | .id')\" ]"
assert_eq 3 "$(job_ids --state done --type notify | wc -l)" "notify jobs: applied, under review, in publicity"
assert_eq 1 "$(log_count job-00000001 start)" "deliveries of job 1"
assert_state "$app" in_publicity
assert_eq 0 "$(event_count "$app" application.certified)" "certifications"
j1=$(job_json job-00000001)
assert_json "$j1" .attempt 1
assert_json "$j1" .worker w1
assert_contains "$(jget "$j1" .result.summary)" \
    "command refused: forbidden: a notify job may finish with no command (close_publicity sent)" \
    "job 1's summary"
assert_eq "" "$(job_ids --state queued --type notify)" "queued notify jobs once all ran"
stop_worker w1
assert_contains "$(cat "$SB_DAEMON_ERR")" "command refused" "the daemon's log"

# ---- retryable failures back off, then the job is parked
app2=$(sb_apply 2)
id2=$(job_ids --state queued --type notify | tail -n 1)
start_worker w2 --fail 99
sb_wait_until 30 "$id2 parked" job_is "$id2" parked
stop_worker w2
assert_eq 3 "$(log_count "$id2" start)" "attempts before parking"
assert_json "$(job_json "$id2")" .attempt 3
assert_contains "$(job_field "$id2" .last_error)" "failing attempt 3" "last error"
# each retry waited out its backoff (at least half the 200 ms base)
t1=$(awk -v j="$id2" '$1 == j && $2 == 1 && $3 == "retry" { print $4 }' "$SB_JOBLOG")
t2=$(awk -v j="$id2" '$1 == j && $2 == 2 && $3 == "start" { print $4 }' "$SB_JOBLOG")
(((t2 - t1) >= 100)) || sb_fail "attempt 2 began $((t2 - t1)) ms after attempt 1 failed (< 100)"
assert_eq "$id2" "$(job_ids --state parked)" "parked jobs"
ctl jobs --state parked >/dev/null
assert_contains "$SB_OUT" "$id2" "the human listing"

# ---- jobs retry: attempts start again and a working worker finishes it
sb_ctl_fails 1 wrong_state jobs retry job-00000001
ctl jobs retry "$id2" -r "smtp fixed"
assert_match "$SB_OUT" "^$id2: queued \\(attempt 0 of 3\\)$" "retry's answer"
assert_contains "$(job_field "$id2" .last_error)" "retried by e2e: smtp fixed" "retry note"
start_worker w3
sb_wait_until 20 "$id2 done after retry" job_is "$id2" done
assert_json "$(job_json "$id2")" .attempt 1
assert_json "$(job_json "$id2")" .worker w3

# ---- a job failed for good is parked at once
stop_worker w3
app3=$(sb_apply 3)
id3=$(job_ids --state queued --type notify | tail -n 1)
start_worker w4 --fatal
sb_wait_until 20 "$id3 parked" job_is "$id3" parked
assert_json "$(job_json "$id3")" .attempt 1
stop_worker w4

# ---- cancel: a queued job never runs
app4=$(sb_apply 4)
id4=$(job_ids --state queued --type notify | tail -n 1)
ctl jobs cancel "$id4" -r "not needed"
assert_match "$SB_OUT" "^$id4: cancelled" "cancel's answer"
assert_json "$(job_json "$id4")" .result.summary "cancelled by e2e: not needed"
sb_ctl_fails 1 wrong_state jobs cancel "$id4"
sb_ctl_fails 1 wrong_state jobs retry "$id4"
ctl jobs cancel "$id3" >/dev/null # parked jobs can be cancelled too
start_worker w5
sleep 1 # time enough to be handed anything that is queued
assert_eq 0 "$(log_count "$id4" start)" "runs of the cancelled job"
assert_eq "" "$(job_ids --state queued --type notify)" "queued notify jobs"
stop_worker w5

# ---- filters, paging, --json and refusals
assert_eq 2 "$(job_ids --state cancelled | wc -l)" "cancelled jobs"
assert_eq "" "$(job_ids --type deadlines)" "jobs of a type never enqueued"
assert_eq notify "$("$SKILLBASECTL" --json jobs --type notify | jq -r '[.[].type] | unique | join(",")')" "types listed by --type notify"
assert_eq 2 "$("$SKILLBASECTL" --json jobs --limit 2 | jq length)" "--limit"
assert_eq "job-00000002" "$("$SKILLBASECTL" --json jobs --after job-00000001 --limit 1 | jq -r '.[0].id')" "--after"
sb_ctl_fails 2 invalid jobs --state applied
sb_ctl_fails 2 invalid jobs --state nonsense
sb_ctl_fails 2 invalid list --state queued
sb_ctl_fails 2 invalid jobs frobnicate job-00000001
sb_ctl_fails 2 invalid jobs show
sb_ctl_fails 1 not_found jobs show job-99999999
sb_ctl_fails 1 invalid jobs show app-000001
sb_ctl_fails 1 invalid jobs --type 'Bad Type'
ctl jobs show job-00000001 >/dev/null
assert_contains "$SB_OUT" "state: done" "jobs show"
assert_contains "$SB_OUT" "event: 1 application.applied" "jobs show names the event"
status=$(ctl --json status)
done_n=$(jget "$status" '.job_counts[] | select(.state == "done") | .count')
assert_eq "$(job_ids --state done | wc -l)" "$done_n" "status' count of done jobs"
