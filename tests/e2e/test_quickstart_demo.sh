#!/usr/bin/env bash
# The README's quick start on the demonstration clock (./setup.sh demo): the
# daemon on its embedded defaults with skillbase-deadlines, the clock file
# saying "real"; apply, review, evaluate; close-publicity refused (publicity
# runs its course, 二(三)2); the clock moved on with "real+14d" as the README
# says; the worker certifies at the end of the window; the sub-base is
# assessed. A newcomer's paste ends in a certified and assessed sub-base.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$(dirname "${BASH_SOURCE[0]}")/deadlines_lib.sh"
sb_clock_set real # what ./setup.sh demo writes first
sb_start_daemon   # the embedded defaults, as ./setup.sh demo starts it
assert_contains "$(cat "$SB_DAEMON_ERR")" "demonstration clock" "the daemon warns about the clock"
dl_start_worker

app=$(ctl apply "$SB_EXAMPLES/application.json")
assert_eq app-000001 "$app" "apply prints app-000001"
ctl review "$app" >/dev/null
ctl evaluate "$app" --pass --reason "site, staff and materials meet 二(二)" \
    --experts "张三,李四,王五" --visited-on 2026-11-20 >/dev/null
out=$(ctl show "$app")
assert_contains "$out" "publicity ends: " "show tells when publicity ends"
sb_ctl_fails 1 wrong_state close-publicity "$app"
assert_contains "$SB_ERR" "working day" "the refusal names the working days left"

sb_clock_set real+14d # README: echo real+14d > var/demo-clock
sb_wait_until 30 "skillbase-deadlines to certify $app" dl_state_is "$app" certified
assert_json "$(sb_show "$app")" .base_id base-000001
assert_json "$(ctl --json history "$app" | jq -c '.[-1]')" .actor worker:deadlines-e2e
out=$(ctl assess base-000001 --file "$SB_EXAMPLES/scores-good.json" \
    --experts "张三,李四,王五" --visited-on 2026-11-20)
assert_match "$out" "^base-000001: assessed" "assess output"
ctl history "$app" >/dev/null
ctl status >/dev/null
dl_stop_worker
sb_stop_daemon
