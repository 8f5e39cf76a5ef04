#!/usr/bin/env bash
# `skillbasectl calendar add-working-days`: computed locally on the holiday
# calendar (no daemon), with the skipped days and their reasons, --json, a
# warning past the calendar's last year, another calendar file, and clear
# refusals of bad input.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

# National Day 2025: the make-up Sunday counts, 1-8 October do not
out=$(ctl calendar add-working-days 2025-09-26 5)
assert_eq 2025-10-10 "$(sb_first_line "$out")" "result line"
assert_eq 11 "$(printf '%s\n' "$out" | wc -l)" "result plus one line per day explained"
assert_match "$out" "2025-09-27 Saturday +skipped +weekend" "weekend line"
assert_match "$out" "2025-09-28 Sunday +counted +调休 working Sunday \\(国庆节、中秋节\\)" "make-up line"
assert_match "$out" "2025-10-08 Wednesday +skipped +国庆节、中秋节 holiday" "holiday line"

# Spring Festival 2026
j=$(ctl --json calendar add-working-days 2026-02-12 5)
assert_json "$j" .result 2026-02-26
assert_json "$j" .working_days 5
assert_json "$j" .uncovered false
assert_json "$j" .first_year 2024
assert_json "$j" .last_year 2026
assert_json "$j" '.days | length' 10
assert_json "$j" '.days[0].kind' makeup
assert_json "$j" '.days[0].counted' true
assert_json "$j" '.days[0].reason' "调休 working Saturday (春节)"
assert_json "$j" '[.days[] | select(.kind == "holiday")] | length' 9

# zero days is the date itself
assert_eq 2025-03-08 "$(ctl calendar add-working-days 2025-03-08 0)" "zero working days"

# past the calendar: weekends only, and a warning on stderr
sb_run "$SKILLBASECTL" calendar add-working-days 2026-12-30 5
assert_eq 0 "$SB_RC" "exit status past the calendar"
assert_eq 2027-01-06 "$(sb_first_line "$SB_OUT")" "result past the calendar"
assert_contains "$SB_ERR" "warning: the calendar" "warning past the calendar"
assert_contains "$SB_ERR" "covers 2024 to 2026" "warning past the calendar"

# another calendar file (a bureau's own, with next year added)
cal=$SB_WORK/cal.tsv
printf '# test\n2027-01-01\toff\t元旦\n2027-01-04\toff\tinvented\n' >"$cal"
j=$(ctl --json calendar add-working-days 2026-12-31 1 --calendar "$cal")
assert_json "$j" .result 2027-01-05
assert_json "$j" .uncovered false
assert_json "$j" '.days[0].reason' "元旦 holiday"

# refusals, before anything is computed
sb_ctl_fails 2 invalid calendar add-working-days 2025-02-29 5
sb_err_names '"2025-02-29"'
sb_ctl_fails 2 invalid calendar add-working-days 2025-03-01 -1
sb_ctl_fails 2 invalid calendar add-working-days 2025-03-01 99999
sb_err_names "0 to 2500"
sb_ctl_fails 2 invalid calendar subtract-days 2025-03-01 5
sb_err_names 'unknown calendar action "subtract-days"'
sb_ctl_fails 2 invalid calendar add-working-days 2025-03-01
printf '2025-10-09\twork\tX\n' >"$SB_WORK/bad.tsv"
sb_ctl_fails 2 invalid calendar add-working-days 2025-03-01 1 --calendar "$SB_WORK/bad.tsv"
sb_err_names "bad.tsv:1: 2025-10-09 is a Thursday"
sb_run "$SKILLBASECTL" --json calendar add-working-days 2025-03-01 1 --calendar /nonexistent/cal.tsv
assert_eq 2 "$SB_RC" "exit status for a missing calendar"
assert_json "$SB_OUT" .error.code invalid
