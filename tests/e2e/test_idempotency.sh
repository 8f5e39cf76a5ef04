#!/usr/bin/env bash
# Idempotency keys: a write repeated with the same key gets the first answer
# and changes nothing more (apply and transitions); the same key on another
# command is refused with key_reused; replays survive a daemon restart.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

form=$(sb_form "$(sb_cc 1)")
k1="e2e-apply-$$-$RANDOM"

# ------------------------------------------------------------ apply twice
id1=$(ctl --idempotency-key "$k1" apply "$form")
id2=$(ctl --idempotency-key "$k1" apply "$form")
assert_eq "$id1" "$id2" "apply replayed with the same key prints the same id"
id3=$(ctl -k "$k1" apply "$form")
assert_eq "$id1" "$id3" "short option -k"
assert_eq 1 "$(sb_count --kind application)" "applications after three applies with one key"
assert_json "$(ctl --json history "$id1")" length 1 "events of the replayed apply"
j=$(ctl --json -k "$k1" apply "$form")
assert_json "$j" .id "$id1" "apply --json replay"
assert_json "$j" .kind application

# without a key (fresh key per invocation) the same form is a second
# application: refused as a conflict, not silently replayed
sb_ctl_fails 1 conflict apply "$form"

# ------------------------------------------------------------ key reused for something else
sb_ctl_fails 1 key_reused -k "$k1" review "$id1"
assert_state "$id1" applied
other=$(sb_form "$(sb_cc 2)")
sb_ctl_fails 1 key_reused -k "$k1" apply "$other"
assert_eq 1 "$(sb_count --kind application)" "applications after key_reused"

# ------------------------------------------------------------ transitions
k2="e2e-review-$$-$RANDOM"
out1=$(ctl -k "$k2" review "$id1" -r "first")
out2=$(ctl -k "$k2" review "$id1" -r "first")
assert_match "$out1" "^$id1: under_review \\(version 2\\)" "first review"
assert_match "$out2" "^$id1: under_review \\(version 2\\)" "replayed review gets the first answer, not wrong_state"
assert_json "$(ctl --json history "$id1")" length 2 "events after a replayed review"
assert_json "$(sb_show "$id1")" .version 2

k3="e2e-eval-$$-$RANDOM"
ctl -k "$k3" evaluate "$id1" --pass -r "ok" >/dev/null
# the replay answers with the record as it was then, even though it moved on
ctl -k "$k3" evaluate "$id1" --pass -r "ok" >/dev/null
assert_state "$id1" in_publicity
assert_json "$(ctl --json history "$id1")" length 3

# ------------------------------------------------------------ across a restart
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status on SIGTERM"
sb_start_daemon

id4=$(ctl -k "$k1" apply "$form")
assert_eq "$id1" "$id4" "apply replayed after a restart"
out3=$(ctl -k "$k2" review "$id1" -r "first")
assert_match "$out3" "^$id1: under_review \\(version 2\\)" "review replayed after a restart"
assert_state "$id1" in_publicity
sb_ctl_fails 1 key_reused -k "$k1" withdraw "$id1" -r "reused after restart"
assert_eq 1 "$(sb_count --kind application)" "applications after replays across a restart"
assert_json "$(ctl --json history "$id1")" length 3 "events after replays across a restart"

# a new key still works as a fresh write
id5=$(ctl -k "e2e-new-$$" apply "$other")
assert_ne "$id1" "$id5" "a new key makes a new application"
assert_eq 2 "$(sb_count --kind application)"

# ------------------------------------------------------------ a daemon that does not answer
# SIGSTOP: the client gives up (exit 3) within its tries; after SIGCONT the
# same key (whether or not the lost request got through) makes one record.
third=$(sb_form "$(sb_cc 3)")
k4="e2e-stopped-$$-$RANDOM"
kill -STOP "$SB_PID"
t0=$(date +%s%N)
sb_run "$SKILLBASECTL" --timeout 300 -k "$k4" apply "$third"
t1=$(date +%s%N)
kill -CONT "$SB_PID"
assert_eq 3 "$SB_RC" "apply to a stopped daemon (stderr: $SB_ERR)"
assert_contains "$SB_ERR" unavailable "apply to a stopped daemon"
ms=$(((t1 - t0) / 1000000))
((ms < 5000)) || sb_fail "apply to a stopped daemon took ${ms} ms; expected < 5000 with --timeout 300"
id6=$(ctl -k "$k4" apply "$third")
id7=$(ctl -k "$k4" apply "$third")
assert_eq "$id6" "$id7" "replays after the daemon came back"
assert_eq 3 "$(sb_count --kind application)" "applications after a lost and retried apply"

