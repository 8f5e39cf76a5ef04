#!/usr/bin/env bash
# Publicity runs its course (policy 二(三)2 "经公示无异议后"): on the test
# clock, close-publicity is refused on every day of a five-working-day
# window — naming the end date and the working days left, changing nothing —
# and accepted from 24:00 of its last working day; `show` tells when the
# window ends and what happens then.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_clock_set 2026-03-02T10:00 # a Monday; no holiday until Qingming
sb_start_daemon

app=$(sb_apply 1)
ctl review "$app" -r "site visit booked" >/dev/null
ctl evaluate "$app" --pass -r "meets 二(二)" >/dev/null
rec=$(sb_show "$app")
assert_json "$rec" .publicity_started_on 2026-03-02
assert_json "$rec" .publicity_ends_on 2026-03-09 "the end the daemon counts (Tue 3 .. Mon 9 March)"
out=$(ctl show "$app")
assert_contains "$out" "publicity ends: 2026-03-09 at 24:00 Hangzhou time" "show tells the end"
assert_contains "$out" "skillbase-deadlines certifies" "show tells what happens then"

# every day of the window, the last one to its last minute: refused
for day_left in 2026-03-02T10:05:5 2026-03-03T09:00:5 2026-03-04T09:00:4 2026-03-05T09:00:3 \
    2026-03-06T09:00:2 2026-03-07T12:00:1 2026-03-08T12:00:1 2026-03-09T09:00:1 2026-03-09T23:59:1; do
    when=${day_left%:*} left=${day_left##*:}
    sb_clock_set "$when"
    sb_ctl_fails 1 wrong_state close-publicity "$app" -r "no objection"
    assert_contains "$SB_ERR" "ends on 2026-03-09 at 24:00 Hangzhou time, $left working day" \
        "close-publicity at $when"
    assert_contains "$SB_ERR" "二(三)2" "the refusal cites the clause ($when)"
    assert_json "$(sb_show "$app")" .version 3 "nothing changed at $when"
done
# no override: the flag does not exist
sb_ctl_fails 2 "" close-publicity "$app" --force

# 24:00 of the last working day: certified
sb_clock_set 2026-03-10T00:00
out=$(ctl close-publicity "$app" -r "publicity over, no objection")
assert_match "$out" "^$app: certified \\(version 4\\)" "close-publicity once the window has ended"
assert_json "$(sb_show "$app")" .decided_on 2026-03-10
sb_stop_daemon
