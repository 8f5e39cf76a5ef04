#!/usr/bin/env bash
# The publicity window across the National Day holiday, end to end: the
# real daemon, the real skillbase-deadlines and skillbasectl, on the test
# clock. Publicity begins on Thursday 2025-09-25; its five working days are
# Fri 26, Sun 28 (调休), Mon 29, Tue 30 and — after 1-8 October — Thu 9
# October. The application must be certified exactly at 24:00 of 9 October
# and not before, although the daemon is restarted in the middle. Then the
# sub-base's assessment reminders: 60, 30 and 7 days before the due date
# (2027-10-10), none early; an assessment in time makes the old overdue
# notice a silent no-op.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/deadlines_lib.sh"

sb_clock_set 2025-09-25T10:00
dl_start_daemon
dl_start_worker

app=$(sb_apply 1)
sb_drive "$app" in_publicity
assert_json "$(sb_show "$app")" .publicity_started_on 2025-09-25

# ------------------------------------------------------------ the schedule
sb_wait_until 30 "the worker to schedule the window" dl_field_is "$app" .publicity_ends_on 2025-10-09
rec=$(sb_show "$app")
assert_json "$rec" .state in_publicity
assert_json "$rec" .publicity_working_days 5
assert_json "$rec" '.publicity_days_used // 0' 0
assert_json "$rec" .publicity_generation 1
ev=$(dl_events "$app" application.publicity_scheduled)
assert_json "$ev" length 1
assert_json "$ev" '.[0].from_state' in_publicity
assert_json "$ev" '.[0].to_state' in_publicity
assert_json "$ev" '.[0].actor' worker:deadlines-e2e
reason=$(jget "$ev" '.[0].reason')
assert_contains "$reason" "publicity ends on 2025-10-09 at 24:00" "schedule reason"
assert_contains "$reason" "2025-09-27 weekend" "schedule reason"
assert_contains "$reason" "2025-09-28 调休 working Sunday (国庆节、中秋节) counted" "schedule reason"
assert_contains "$reason" "2025-10-01..2025-10-08 国庆节、中秋节 holiday" "schedule reason"
# the close job waits for 24:00 of the last day (2025-10-09T16:00Z)
close=$(dl_jobs publicity.close)
assert_json "$close" length 1
assert_json "$close" '.[0].state' queued
assert_json "$close" '.[0].due_ms' "$(date -u -d 2025-10-09T16:00:00Z +%s)000"

# the operator can explain the date with the same calendar
out=$(ctl calendar add-working-days 2025-09-25 5)
assert_eq 2025-10-09 "$(sb_first_line "$out")" "calendar add-working-days result"

# ------------------------------------------------------------ not before
for t in 2025-09-30T23:59 2025-10-01T00:00 2025-10-08T23:59; do
    sb_clock_set "$t"
    dl_settle 1
    assert_state "$app" in_publicity
done

# a restart in the middle of the holiday loses nothing
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status after SIGTERM"
sb_clock_set 2025-10-09T12:00
dl_start_daemon
assert_state "$app" in_publicity
assert_json "$(dl_jobs publicity.close)" '.[0].state' queued

sb_clock_set 2025-10-09T23:59
dl_settle 2
assert_state "$app" in_publicity
assert_json "$(dl_jobs publicity.close)" '.[0].state' queued

# ------------------------------------------------------------ at 24:00
sb_clock_set 2025-10-10T00:00
sb_wait_until 40 "certification at the end of 2025-10-09" dl_state_is "$app" certified
rec=$(sb_show "$app")
assert_json "$rec" .decided_on 2025-10-10
base=$(jget "$rec" .base_id)
closed=$(dl_events "$app" application.certified)
assert_json "$closed" '.[0].action' close_publicity
assert_json "$closed" '.[0].actor' worker:deadlines-e2e
assert_contains "$(jget "$closed" '.[0].reason')" "publicity ended on 2025-10-09 at 24:00" \
    "close reason"
# at 2025-10-10 00:00 Hangzhou, to the minute
assert_match "$(ctl history "$app" | grep close_publicity)" "2025-10-10 00:00:" "close time"
assert_json "$(dl_jobs publicity.close)" '.[0].state' done
b=$(sb_show "$base")
assert_json "$b" .certified_on 2025-10-10
assert_json "$b" .next_assessment_due 2027-10-10
# the worker's close grants the proposed name (二(三)2; an operator may give another)
assert_json "$b" .name "杭州市公共实训基地$(jget "$rec" .form.base_name)分基地" "the proposed name"

# ------------------------------------------------------------ reminders
reminders=$(dl_jobs assessment.reminder)
assert_json "$reminders" length 4
assert_json "$reminders" '[.[] | .state] | unique | join(",")' queued

sb_clock_set 2027-08-10T23:59
dl_settle 1
assert_eq 0 "$(dl_event_count "$base" base.assessment_due_soon)" "reminders before due-60"

sb_clock_set 2027-08-11T00:00
sb_wait_until 30 "the 60-day reminder" eval '[ "$(dl_event_count "$base" base.assessment_due_soon)" = 1 ]'
assert_json "$(dl_events "$base" base.assessment_due_soon)" '.[0].reason' \
    "assessment due on 2027-10-10: 60 days left"

sb_clock_set 2027-09-10T00:00
sb_wait_until 30 "the 30-day reminder" eval '[ "$(dl_event_count "$base" base.assessment_due_soon)" = 2 ]'

sb_clock_set 2027-10-02T23:59
dl_settle 1
assert_eq 2 "$(dl_event_count "$base" base.assessment_due_soon)" "reminders before due-7"

sb_clock_set 2027-10-03T00:00
sb_wait_until 30 "the 7-day reminder" eval '[ "$(dl_event_count "$base" base.assessment_due_soon)" = 3 ]'
ev=$(dl_events "$base" base.assessment_due_soon)
assert_json "$ev" '.[2].reason' "assessment due on 2027-10-10: 7 days left"
assert_json "$ev" '.[2].from_state' certified
assert_json "$ev" '.[2].to_state' certified
assert_json "$ev" '.[2].actor' worker:deadlines-e2e
assert_state "$base" certified

# assessed in time: the old overdue notice finds a new due date and does nothing
sb_clock_set 2027-10-05T10:00
ctl assess "$base" -f "$SB_EXAMPLES/scores-good.json" -r "2027 assessment" >/dev/null
# due at the end of cycle 2 (五(一) 每两年 from certification), not two
# years after the day of the assessment
assert_json "$(sb_show "$base")" .next_assessment_due 2029-10-10
sb_clock_set 2027-10-11T00:00
sb_wait_until 30 "the stale overdue job to be done" eval \
    '[ "$(jget "$(dl_jobs assessment.reminder)" "[.[] | select(.state == \"done\")] | length")" = 4 ]'
assert_eq 0 "$(dl_event_count "$base" base.assessment_overdue)" "overdue notice after an assessment"
# the new cycle has its own four reminders, waiting
assert_json "$(dl_jobs assessment.reminder)" '[.[] | select(.state == "queued")] | length' 4

dl_stop_worker
