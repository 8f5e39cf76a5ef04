#!/usr/bin/env bash
# The Python example client (clients/python/skillbase_client.py) against the
# real daemon, with its protobuf module generated here by protoc from
# proto/skillbase.proto: it submits an application, follows the event stream
# from sequence 1 (catch-up from the log, then live), publishes an ingest
# event that revokes a sub-base, gets the first answer again for a repeated
# event id, and hears the daemon's refusal of a protocol version it does
# not serve.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

source "$SB_LIB_DIR/python_lib.sh"
sb_python_setup
CLIENT=$SB_PY_CLIENT

# The Python client, expected to succeed; prints its stdout.
pyc() {
    sb_run "$PY" "$CLIENT" "$@"
    [ "$SB_RC" -eq 0 ] || sb_fail "expected 'skillbase_client.py $*' to succeed; got exit $SB_RC: $SB_ERR"
    printf '%s\n' "$SB_OUT"
}

sb_start_daemon

st=$(pyc status)
assert_json "$st" .event_endpoint "ipc://$SB_STATE/events.sock" "status from Python"

# submit an application (the CLI's example form, read by the Python client)
cc=$(sb_cc 1)
id=$(pyc apply "$SB_EXAMPLES/application.json" --credit-code "$cc")
assert_eq app-000001 "$id" "id from Python"
assert_state "$id" applied
assert_eq "$cc" "$(sb_field "$id" .form.unit.credit_code)" "credit code sent from Python"
sb_drive "$id" certified
base=$(sb_field "$id" .base_id)
assert_eq 5 "$(jget "$(ctl --json status)" .last_seq)" "events so far"

# follow from 1: five from the log, then the revocation live
"$PY" "$CLIENT" follow --from 1 --until-seq 6 >"$SB_WORK/follow.out" 2>"$SB_WORK/follow.err" &
follower=$!
SB_BG_PIDS+=("$follower")
sleep 1

# the market-regulation registry reports the unit deregistered, by credit code
out=$(pyc ingest --source market-registry --id MR-2026-0042 --type unit.deregistered \
    --entity "$cc" --occurred-on "$(sb_today)" --reason "licence revoked")
assert_json "$out" .entity_id "$base"
assert_json "$out" .action revoke
assert_json "$out" .state revoked
assert_json "$out" .replayed false
assert_json "$out" .seq 6
assert_state "$base" revoked
assert_eq unit_deregistered "$(sb_field "$base" .revoked_cause)" "revocation cause"

for ((i = 0; i < 100; i++)); do
    sb_alive "$follower" || break
    sleep 0.1
done
sb_alive "$follower" && sb_fail "the Python follower did not stop at seq 6: $(cat "$SB_WORK/follow.out")"
wait "$follower" || sb_fail "the Python follower failed: $(cat "$SB_WORK/follow.err")"
assert_json "$(jq -s -c 'map(.seq)' "$SB_WORK/follow.out")" '. == [1, 2, 3, 4, 5, 6]' true \
    "sequences followed by Python"
last=$(tail -n 1 "$SB_WORK/follow.out")
assert_json "$last" .topic base.revoked
assert_json "$last" .actor service:market-registry

# the same event id again: the first answer, nothing applied
out=$(pyc ingest --source market-registry --id MR-2026-0042 --type unit.deregistered \
    --entity "$cc" --occurred-on "$(sb_today)" --reason "licence revoked")
assert_json "$out" .replayed true
assert_json "$out" .seq 6
assert_eq 6 "$(jget "$(ctl --json status)" .last_seq)" "events after the repeat"

# a newer (or missing) protocol version is refused, naming both versions
sb_run "$PY" "$CLIENT" --protocol 2 status
assert_eq 1 "$SB_RC" "exit status for protocol 2"
assert_contains "$SB_ERR" "unsupported_protocol: request speaks protocol 2, newer than this daemon's protocol 1"
sb_run "$PY" "$CLIENT" --protocol 0 status
assert_eq 1 "$SB_RC" "exit status for protocol 0"
assert_contains "$SB_ERR" "no protocol version"
