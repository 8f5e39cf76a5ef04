#!/usr/bin/env bash
# The yearly activity filing (三, 四(一)) end to end: the real daemon, the
# real skillbase-deadlines and skillbase-notify and skillbasectl, on the
# test clock. The bureau's choice here: [activity] due = 02-28, reminders 20
# and 5 days before. Two sub-bases certified on 2025-10-25 owe the activity
# of 2025 by 2026-02-28. The 20-day reminder reaches both and the notice
# worker spools the notice; one files (a free-training figure that
# disagrees with its service records is kept with a warning), so its 5-day
# reminder falls silent; the other is overdue on 1 March — one overdue
# event, the overdue list names it, and the 2026 reminders are scheduled.
# A refiling keeps the filing before and after; the cycle view shows the
# two years' activity beside the cycle's result.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/deadlines_lib.sh"
source "$SB_LIB_DIR/helpers/notify.sh"

cat >>"$DL_CONFIG" <<'INI'
[activity]
due = 02-28
remind_days = 20,5
INI
sb_clock_set 2025-09-25T10:00
dl_start_daemon
base=$(sb_new_base 1)
other=$(sb_new_base 2)
assert_json "$(sb_show "$base")" .certified_on 2025-10-25

# ------------------------------------------------------------ scheduled at certification
jobs=$(dl_jobs activity.reminder)
mine=$(jget "$jobs" "[.[] | select(.entity_id == \"$base\")]")
assert_json "$mine" length 3 "20-day, 5-day and overdue reminders of 2025"
assert_json "$mine" '[.[].state] | unique | join(",")' queued
assert_json "$mine" '[.[].due_ms] | sort | join(",")' \
    "$(date -u -d 2026-02-07T16:00:00Z +%s)000,$(date -u -d 2026-02-22T16:00:00Z +%s)000,$(date -u -d 2026-02-28T16:00:00Z +%s)000" \
    "00:00 Hangzhou of 2026-02-08, 2026-02-23 and 2026-03-01"

# ------------------------------------------------------------ the year's services
sb_clock_set 2025-12-15T10:00
client_cc=$(sb_cc 3)
service() { # FILE DATE KIND TRAINEES
    jq -n --arg d "$2" --arg cc "$client_cc" --arg k "$3" --argjson t "$4" \
        '{date: $d, client_name: "杭州某职业技术学院", client_credit_code: $cc, kind: $k,
          occupation: "电工", level: "高级工", trainees: $t, hours_tenths: 80}' >"$SB_WORK/$1"
    printf '%s\n' "$SB_WORK/$1"
}
ctl record-service --base "$base" -f "$(service t1.json 2025-11-05 training 18)" >/dev/null
ctl record-service --base "$base" -f "$(service t2.json 2025-12-01 training 12)" >/dev/null
ctl record-service --base "$base" -f "$(service a1.json 2025-12-10 skill_assessment 9)" >/dev/null

# ------------------------------------------------------------ refusals
filing() { # FILE JQ
    jq -n '{training_sessions: 6, training_person_times: 140, free_training_person_times: 25,
            skill_certifications: 40, competitions_hosted: 1, competitions_supported: 2,
            technical_support: 3, note: "2025年度服务情况"}' | jq "${2:-.}" >"$SB_WORK/$1"
    printf '%s\n' "$SB_WORK/$1"
}
f2025=$(filing f2025.json)
sb_ctl_fails 1 invalid activity file "$base" --year 2026 -f "$f2025"
sb_err_names "2026 has not begun"
sb_ctl_fails 1 invalid activity file "$base" --year 2024 -f "$f2025"
sb_err_names "before the sub-base was certified"
sb_ctl_fails 1 invalid activity file "$base" --year 2025 -f "$(filing more.json '.free_training_person_times = 141')"
sb_err_names "free_training_person_times"
sb_ctl_fails 2 invalid activity file "$base" -f "$f2025"
sb_err_names "--year"

# ------------------------------------------------------------ the 20-day reminder reaches the notices
spool=$SB_TMP/spool
dl_start_worker
sbn_start_notify --spool-dir "$spool"
sb_clock_set 2026-02-07T23:59
dl_settle 1.5
assert_eq 0 "$(dl_event_count "$base" base.activity_due_soon)" "no reminder before its day"
sb_clock_set 2026-02-08T00:00
sb_wait_until 30 "the 20-day reminder" eval '[ "$(dl_event_count "$base" base.activity_due_soon)" = 1 ]'
sb_wait_until 30 "the 20-day reminder of the other" \
    eval '[ "$(dl_event_count "$other" base.activity_due_soon)" = 1 ]'
ev=$(dl_events "$base" base.activity_due_soon)
assert_json "$ev" '.[0].reason' "activity of 2025 due on 2026-02-28: 20 days left"
assert_json "$ev" '.[0].actor' worker:deadlines-e2e
job=$(sbn_job_of base.activity_due_soon "$base")
sbn_wait_job "$job" done
notice=$(cat "$spool/$job.txt")
assert_contains "$notice" "Yearly activity due" "the notice's subject"
assert_contains "$notice" "activity of 2025 due on 2026-02-28: 20 days left" "the notice's body"

# ------------------------------------------------------------ filing, checked against the services
sb_clock_set 2026-02-10T09:00
out=$(ctl --json activity file "$base" --year 2025 -f "$f2025")
assert_json "$out" .year 2025
assert_json "$out" .version 1
assert_json "$out" .due_on 2026-02-28
assert_json "$out" '.late // false' false
assert_json "$out" .recorded_free_training_person_times 30
assert_json "$out" .recorded_skill_certifications 9
assert_json "$out" '.warnings | length' 1 "a disagreement is a warning, not a refusal"
assert_contains "$(jget "$out" '.warnings[0]')" "filed 25, the 2 training service records of 2025 hold 30 person-times" \
    "the warning names both figures"
text=$(ctl activity list "$base")
assert_contains "$text" "warning: free_training_person_times" "list shows the warning"
# a second filing of the year needs a reason, and keeps before and after
sb_ctl_fails 1 invalid activity file "$base" --year 2025 -f "$(filing fix.json '.free_training_person_times = 30')"
sb_err_names "reason"
out=$(ctl --json activity file "$base" --year 2025 -f "$SB_WORK/fix.json" -r "free training counted again")
assert_json "$out" .version 2
assert_json "$out" '.warnings // [] | length' 0
filed=$(dl_events "$base" base.activity_filed)
assert_json "$filed" length 2
assert_json "$filed" '.[1].activity_before.free_training_person_times' 25 "before"
assert_json "$filed" '.[1].activity_after.free_training_person_times' 30 "after"
assert_contains "$(jget "$filed" '.[1].reason')" \
    "activity of 2025 refiled (free_training_person_times 25 → 30): free training counted again"

# the 5-day reminder: filed, so it falls silent (the job is done all the same)
sb_clock_set 2026-02-23T00:00
sb_wait_until 30 "the 5-day reminders done" \
    eval '[ "$(jget "$(dl_jobs activity.reminder)" "[.[] | select(.state == \"done\")] | length")" = 4 ]'
assert_eq 1 "$(dl_event_count "$base" base.activity_due_soon)" "no reminder once filed"
assert_eq 2 "$(dl_event_count "$other" base.activity_due_soon)" "the other is reminded again"

# ------------------------------------------------------------ overdue
assert_json "$(ctl --json activity overdue --year 2025)" '.bases | length' 0 "not overdue before the date"
sb_clock_set 2026-03-01T00:00
sb_wait_until 30 "the overdue notice" eval '[ "$(dl_event_count "$other" base.activity_overdue)" = 1 ]'
assert_json "$(dl_events "$other" base.activity_overdue)" '.[0].reason' \
    "activity of 2025 was due on 2026-02-28: 1 day overdue"
sb_wait_until 30 "both overdue jobs done" \
    eval '[ "$(jget "$(dl_jobs activity.reminder)" "[.[] | select(.state == \"done\")] | length")" = 6 ]'
assert_eq 0 "$(dl_event_count "$base" base.activity_overdue)" "no overdue notice once filed"
job=$(sbn_job_of base.activity_overdue "$other")
sbn_wait_job "$job" done
assert_contains "$(cat "$spool/$job.txt")" "Yearly activity overdue" "the overdue notice"
od=$(ctl --json activity overdue)
assert_json "$od" .year 2025 "the latest year past its due date"
assert_json "$od" .due_on 2026-02-28
assert_json "$od" '[.bases[].base_id] | join(",")' "$other"
assert_json "$od" '.bases[0].days_overdue' 1
assert_contains "$(ctl activity overdue)" "1 sub-base overdue" "overdue text"
# the next year's reminders run on
next=$(jget "$(dl_jobs activity.reminder)" "[.[] | select(.state == \"queued\" and .entity_id == \"$base\")]")
assert_json "$next" length 3 "2026's reminders"
# a late filing is marked late and leaves the list
sb_clock_set 2026-03-02T10:00
out=$(ctl --json activity file "$other" --year 2025 -f "$(filing zero.json '.free_training_person_times = 0')")
assert_json "$out" .late true
assert_json "$(ctl --json activity overdue)" '.bases | length' 0

# ------------------------------------------------------------ the cycle view
scores=$(sb_scores '{basic_construction: 20, system_construction: 20, training_management: 20, public_service: 22, competition_hosting: 5, other_public_service: 3}')
ctl assess "$base" -f "$scores" -r "cycle 1" >/dev/null
cyc=$(ctl --json activity list "$base" --cycle 1)
assert_json "$cyc" '.years | join(",")' 2025,2026
assert_json "$cyc" '.filings | length' 1
assert_json "$cyc" '.filings[0].year' 2025
assert_json "$cyc" '.assessments | length' 1
assert_json "$cyc" '.assessments[0].cycle' 1
text=$(ctl activity list "$base" --cycle 1)
assert_contains "$text" "assessment cycle 1, activity of 2025 and 2026" "cycle text"
assert_contains "$text" "2026  not filed" "cycle text"
assert_match "$text" "result: .*total 90" "cycle text shows the score"
assert_json "$(ctl --json activity list "$base" --cycle 2)" '.years | join(",")' 2027,2028

# ------------------------------------------------------------ a reader reads, never files
sbn_stop_notify
dl_stop_worker
sb_stop_daemon
printf '[security]\nipc_role = reader\n' >"$SB_WORK/reader.ini"
sb_start_daemon --config "$SB_WORK/reader.ini"
assert_json "$(ctl --json activity list "$base")" '.filings | length' 1 "a reader reads"
sb_ctl_fails 1 forbidden activity file "$base" --year 2026 -f "$f2025"
sb_err_names activity_file reader
sb_stop_daemon
echo "PASS"
