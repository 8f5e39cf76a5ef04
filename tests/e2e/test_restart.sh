#!/usr/bin/env bash
# Graceful shutdown and restart: SIGTERM and SIGINT both end the daemon with
# status 0; on the same state directory every record, state, version, the
# history and the event log come back intact, ids and sequence numbers carry
# on, and the half-done applications can be finished.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

# snapshot: every record and every event, as JSON (uptime excluded)
snapshot() {
    local recs
    recs=$(ctl --json list)
    jq -n -S --argjson r "$recs" --argjson e "$(sb_all_events)" \
        --argjson c "$(ctl --json status | jq '{counts, last_seq}')" '{records: $r, events: $e, status: $c}'
}

# ------------------------------------------------------------ half-way
a1=$(sb_apply 1)                       # applied
a2=$(sb_apply 2)
sb_drive "$a2" under_review            # under_review
a3=$(sb_apply 3)
sb_drive "$a3" in_publicity            # in_publicity
ctl object "$a3" -r "objection filed" >/dev/null
a4=$(sb_apply 4)
sb_drive "$a4" in_publicity
base=$(sb_new_base 5)                  # a certified sub-base
ctl --as alice assess "$base" -f "$SB_EXAMPLES/scores-good.json" -r "first assessment" >/dev/null
h1=$(ctl --json history "$a3")

before=$(snapshot)
assert_json "$before" '.events | length > 10' true "events before the restart"

# a second daemon on the same state directory must not start (it would
# share the store and take over the endpoint)
first=$SB_PID
sb_launch --state-dir "$SB_STATE" --log-level warn
second=$SB_PID
SB_PID=$first
SB_BG_PIDS+=("$second") # killed on exit should it keep running
sb_wait_exit "$second" "a second skillbased on the same state directory to refuse to start" 30
unset 'SB_BG_PIDS[-1]'
((SB_EXITED_STATUS != 0)) || sb_fail "a second skillbased on the same state directory exited 0; expected a refusal"
ctl status >/dev/null

sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status on SIGTERM"
if [ -e "${SKILLBASE_ENDPOINT#ipc://}" ]; then
    sb_note "note: the ipc socket file was left behind after a graceful exit"
fi
sb_run "$SKILLBASECTL" --timeout 200 status
assert_eq 3 "$SB_RC" "status with the daemon stopped (exit 3, no answer)"

sb_start_daemon
after=$(snapshot)
if [ "$before" != "$after" ]; then
    diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -n 40 >&2 || true
    sb_fail "records, events or counts differ after a SIGTERM restart (diff above)"
fi
assert_eq "$h1" "$(ctl --json history "$a3")" "history of $a3 after the restart"
assert_json "$(sb_show "$a3")" .objection_open true "open objection survives the restart"
assert_json "$(sb_show "$base")" .grade good

# ------------------------------------------------------------ carry on
sb_drive "$a1" certified
ctl evaluate "$a2" --pass -r "ok" >/dev/null
sb_publicity_over
ctl close-publicity "$a2" >/dev/null
ctl dismiss-objection "$a3" -r "not upheld" >/dev/null
sb_publicity_over
ctl close-publicity "$a3" >/dev/null
for id in "$a1" "$a2" "$a3"; do
    assert_state "$id" certified
done
assert_eq base-000002 "$(sb_field "$a1" .base_id)" "ids carry on after the restart"
assert_eq base-000003 "$(sb_field "$a2" .base_id)"
assert_eq base-000004 "$(sb_field "$a3" .base_id)"
cert1=$(sb_field "$base" .certificate_no)
cert2=$(sb_field base-000002 .certificate_no)
assert_eq "${cert1%-*}-002" "$cert2" "certificate serials carry on after the restart"
a6=$(sb_apply 6)
assert_eq app-000006 "$a6" "application ids carry on after the restart"
ev=$(sb_all_events)
assert_json "$ev" '[.[].seq | tonumber] == [range(1; length + 1)]' true "event numbering carries on without gaps"

# ------------------------------------------------------------ SIGINT
before=$(snapshot)
sb_stop_daemon INT
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status on SIGINT"
sb_start_daemon
after=$(snapshot)
if [ "$before" != "$after" ]; then
    diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | head -n 40 >&2 || true
    sb_fail "records, events or counts differ after a SIGINT restart (diff above)"
fi
ctl close-publicity "$a4" >/dev/null
assert_state "$a4" certified
assert_eq base-000005 "$(sb_field "$a4" .base_id)"

# a restart with nothing in between changes nothing either
before=$(snapshot)
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status on the second SIGTERM"
sb_start_daemon
assert_eq "$before" "$(snapshot)" "state after an idle restart"
