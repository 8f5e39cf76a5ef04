#!/usr/bin/env bash
# An objection stops the publicity clock and a dismissal resumes it with the
# days that remain, end to end (real daemon, real skillbase-deadlines, test
# clock). Publicity begins on Friday 2025-09-26 (window: Sun 28 调休, Mon 29,
# Tue 30, Thu 9 and Fri 10 October). An objection on Tue 30 September uses
# two days (28 and 29); the old window's close at 24:00 of 10 October does
# nothing. Dismissed on Fri 10 October, the three remaining days are Sat 11
# (调休), Mon 13 and Tue 14: certified at 24:00 of 14 October, not before.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/deadlines_lib.sh"

sb_clock_set 2025-09-26T10:00
dl_start_daemon
dl_start_worker

app=$(sb_apply 1)
sb_drive "$app" in_publicity
sb_wait_until 30 "the first window" dl_field_is "$app" .publicity_ends_on 2025-10-10

# ------------------------------------------------------------ objection
sb_clock_set 2025-09-30T15:00
ctl object "$app" -r "a competitor disputes the site area" >/dev/null
rec=$(sb_show "$app")
assert_json "$rec" .state under_review
assert_json "$rec" .objection_open true
assert_json "$rec" .publicity_days_used 2
assert_json "$rec" '.publicity_ends_on // ""' ""
assert_json "$rec" '.publicity_suspensions | length' 1
assert_json "$rec" '.publicity_suspensions[0].suspended_on' 2025-09-30
assert_json "$rec" '.publicity_suspensions[0].days_used' 2
assert_json "$rec" '.publicity_suspensions[0].resumed_on // ""' ""

# ------------------------------------------------------------ dismissal
sb_clock_set 2025-10-10T09:00
ctl dismiss-objection "$app" -r "site area confirmed by survey" >/dev/null
sb_wait_until 30 "the resumed window" dl_field_is "$app" .publicity_ends_on 2025-10-14
rec=$(sb_show "$app")
assert_json "$rec" .state in_publicity
assert_json "$rec" .publicity_days_used 2
assert_json "$rec" .publicity_generation 3
assert_json "$rec" '.publicity_suspensions[0].resumed_on' 2025-10-10
scheduled=$(dl_events "$app" application.publicity_scheduled)
assert_json "$scheduled" length 2
assert_contains "$(jget "$scheduled" '.[1].reason')" "3 of 5 working days" "resumed window"
assert_contains "$(jget "$scheduled" '.[1].reason')" "2025-10-11 调休 working Saturday" \
    "resumed window"

# the old window's end (24:00 of 10 October) passes: its close job is done
# and changes nothing, as the dismissal made it stale
sb_clock_set 2025-10-11T00:00
sb_wait_until 30 "the stale close job" eval \
    '[ "$(jget "$(dl_jobs publicity.close)" ".[0].state")" = done ]'
assert_state "$app" in_publicity
summary=$(jget "$(dl_jobs publicity.close)" '.[0].result.summary')
assert_contains "$summary" "stale_version" "the stale close job's summary"
assert_json "$(dl_jobs publicity.close)" '.[1].state' queued

# not before the end of the resumed window (nor does it start over: it would
# then end on the 16th)
for t in 2025-10-13T23:59 2025-10-14T23:59; do
    sb_clock_set "$t"
    dl_settle 1
    assert_state "$app" in_publicity
done

sb_clock_set 2025-10-15T00:00
sb_wait_until 40 "certification at the end of 2025-10-14" dl_state_is "$app" certified
assert_json "$(sb_show "$app")" .decided_on 2025-10-15
closes=$(dl_jobs publicity.close)
assert_json "$closes" length 2
assert_json "$closes" '[.[] | select(.state == "done")] | length' 2

dl_stop_worker
