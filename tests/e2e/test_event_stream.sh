#!/usr/bin/env bash
# The event stream: a subscriber started late (`events --follow --json`)
# catches up from sequence 1 and then follows live while writes happen and
# the daemon restarts twice (SIGTERM, then SIGKILL); what it printed is
# exactly 1..N, no gap, no duplicate, and the same events as the log. A
# follower filtered by topic prints exactly the filtered log. A range
# exported as JSON lines (the archive) keeps every sequence number.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

# history before anyone subscribes: 3 sub-bases (5 events each)
for i in 1 2 3; do
    sb_new_base "$i" >/dev/null
done
assert_eq 15 "$(sb_last_seq)" "events before the subscriber"

# the late subscribers: everything, and only the sub-bases
"$SKILLBASECTL" events --follow --json --from 1 >"$SB_WORK/follow.out" 2>"$SB_WORK/follow.err" &
follower=$!
SB_BG_PIDS+=("$follower")
"$SKILLBASECTL" events --follow --topic base. --json-lines \
    >"$SB_WORK/bases.out" 2>"$SB_WORK/bases.err" &
base_follower=$!
SB_BG_PIDS+=("$base_follower")
sb_wait_seq "$SB_WORK/follow.out" 15 60 "$SB_WORK/follow.err"

# live writes, then writes across two restarts
for i in 4 5; do
    sb_new_base "$i" >/dev/null
done
sb_wait_seq "$SB_WORK/follow.out" 25 60 "$SB_WORK/follow.err"

writer() {
    local i
    for ((i = 10; i < 40; i++)); do
        "$SKILLBASECTL" --timeout 5000 apply "$(sb_form "$(sb_cc "$i")")" >/dev/null \
            2>>"$SB_WORK/writer.err" || printf '%s\n' "$i" >>"$SB_WORK/writer.failed"
        sleep 0.05
    done
}
writer &
writer_pid=$!
SB_BG_PIDS+=("$writer_pid")
sleep 0.5
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit after SIGTERM"
sleep 0.3
sb_start_daemon
sleep 0.5
sb_stop_daemon KILL
sleep 0.3
sb_start_daemon
wait "$writer_pid" || true
[ ! -s "$SB_WORK/writer.failed" ] ||
    sb_fail "writes failed across the restarts: $(cat "$SB_WORK/writer.failed") $(tail -n 3 "$SB_WORK/writer.err")"
sb_alive "$follower" || sb_fail "the follower exited across the restarts: $(cat "$SB_WORK/follow.err")"

# and after the restarts, live again
id=$(sb_apply 50)
ctl review "$id" >/dev/null
n=$(sb_last_seq)
assert_eq $((25 + 30 + 2)) "$n" "events committed"
sb_wait_seq "$SB_WORK/follow.out" "$n" 60 "$SB_WORK/follow.err"
sleep 0.5 # anything past N would show now

kill -TERM "$follower"
status=0
wait "$follower" || status=$?
assert_eq 0 "$status" "exit status of events --follow on SIGTERM"
assert_eq "" "$(cat "$SB_WORK/follow.err")" "stderr of the follower"

# exactly 1..N, each once, in order, and the same events as the log
assert_json "$(jq -s -c 'map(.seq)' "$SB_WORK/follow.out")" ". == [range(1; $n + 1)]" true \
    "sequences printed by events --follow"
ctl events --from 1 --json-lines >"$SB_WORK/log.out"
# the stream withholds the contact person's data, an operator's read of the
# log (the follower's catch-up) has it (docs/security.md, "Personal data";
# test_trust_privacy.sh): the rest is the same
nocontact() { jq -c 'del(.. | .contact?)' "$1"; }
cmp -s <(nocontact "$SB_WORK/follow.out") <(nocontact "$SB_WORK/log.out") ||
    sb_fail "the followed events differ from the log: $(diff <(nocontact "$SB_WORK/follow.out") <(nocontact "$SB_WORK/log.out") | head -c 800)"

# the filtered follower: exactly the filtered log (5 certified sub-bases)
ctl events --topic base. --json-lines >"$SB_WORK/bases.log"
assert_eq 5 "$(wc -l <"$SB_WORK/bases.log")" "sub-base events in the log"
bases_followed() { cmp -s <(nocontact "$SB_WORK/bases.out") <(nocontact "$SB_WORK/bases.log"); }
SB_WAIT_DIAG='cat "$SB_WORK/bases.out"' sb_wait_until 30 "the topic follower to print the filtered log" bases_followed
assert_json "$(jq -s -c 'map(.topic) | unique' "$SB_WORK/bases.out")" '. == ["base.certified"]' true
kill -TERM "$base_follower"
wait "$base_follower" || sb_fail "the topic follower did not exit 0 on SIGTERM"

# the archive: a range as JSON lines keeps its sequence; --json is one array
ctl events --from 5 --to 12 --json-lines >"$SB_WORK/archive.jsonl"
assert_json "$(jq -s -c 'map(.seq)' "$SB_WORK/archive.jsonl")" '. == [range(5; 13)]' true "archive"
assert_json "$(ctl --json events --from 5 --to 12)" '[.[].seq] == [range(5; 13)]' true "--json --to"
assert_eq "$(sed -n '5,12p' "$SB_WORK/log.out")" "$(cat "$SB_WORK/archive.jsonl")" "archive content"
assert_json "$(jq -s -c '[range(1; length) as $i | .[$i].prev_hash == .[$i - 1].hash] | all' \
    "$SB_WORK/archive.jsonl")" . true "archive linked by the hash chain"

# human lines: one per event; --follow --to stops at the sequence
out=$(ctl events --from 3 --to 4)
assert_eq 2 "$(printf '%s\n' "$out" | wc -l)" "human lines"
assert_match "$(sb_first_line "$out")" '^3  [0-9-]+ [0-9:]+ \(UTC\+8\)  app-000001  ' "human line"
out=$(timeout 30 "$SKILLBASECTL" events --follow --from $((n - 1)) --to "$n" --json)
assert_json "$(printf '%s\n' "$out" | jq -s -c 'map(.seq)')" ". == [$((n - 1)), $n]" true "--follow --to"

# usage errors say what is wrong and send nothing
sb_ctl_fails 2 invalid events --from 9 --to 3
sb_err_names "--to 3 is before --from 9"
sb_ctl_fails 2 invalid events --follow --limit 5
sb_err_names "--follow"
