#!/usr/bin/env bash
# The Python example client (clients/python/skillbase_client.py) against the
# real daemon over tcp:// with CURVE (as the bureau's services reach it),
# with its protobuf module generated here by protoc from
# proto/skillbase.proto: with an operator's key it submits an application;
# with the market registry's service key it follows the event stream from
# sequence 1 (catch-up from the log, then live, on the CURVE event socket),
# publishes an ingest event that revokes a sub-base, gets the first answer
# again for a repeated event id; a reader's key is refused the write, no
# key or half a key is refused by the client, a random key gets no answer;
# and it hears the daemon's refusal of a protocol version it does not
# serve. Then once more over ipc://.
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

keys=$SB_WORK/keys.ini
for k in op market-registry rdr stranger; do ctl keygen "$SB_WORK/$k.key" >/dev/null; done
ctl --keys "$keys" keys add op --role operator --public-key "$SB_WORK/op.key" >/dev/null
ctl --keys "$keys" keys add market-registry --role service --types unit.deregistered \
    --public-key "$SB_WORK/market-registry.key" >/dev/null
ctl --keys "$keys" keys add rdr --role reader --public-key "$SB_WORK/rdr.key" >/dev/null
printf '[security]\nkeys = %s\n' "$keys" >"$SB_WORK/curve.ini"
sb_start_daemon_tcp "$SB_WORK/op.key" --config "$SB_WORK/curve.ini" --log-level warn
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/op.key   # skillbasectl and the Python client alike
unset SKILLBASE_ACTOR

st=$(pyc status)
assert_json "$st" .event_endpoint "$EV_EP" "status from Python over CURVE"
# the rules in force, to build a form from
rules=$(pyc rules)
assert_json "$rules" '.districts | length' 13 "districts from Python"
assert_json "$rules" '.publicity_working_days' 5 "publicity length from Python"
# the server key given as its 40 Z85 characters instead of the file
z85=$(sed -n 's/^public_key *= *//p' "$SB_STATE/server.pub")
st=$(pyc --server-key "$z85" status)
assert_json "$st" .last_seq 0 "status with the server key as text"

# submit an application (the CLI's example form, read by the Python client)
cc=$(sb_cc 1)
id=$(pyc apply "$SB_EXAMPLES/application.json" --credit-code "$cc")
assert_eq app-000001 "$id" "id from Python"
assert_eq op "$(jget "$(ctl --json history "$id")" '.[0].actor')" "actor: the CURVE key's name"
assert_state "$id" applied
assert_eq "$cc" "$(sb_field "$id" .form.unit.credit_code)" "credit code sent from Python"
sb_drive "$id" certified
base=$(sb_field "$id" .base_id)
assert_eq 5 "$(jget "$(ctl --json status)" .last_seq)" "events so far"

# follow from 1: five from the log, then the revocation live
SKILLBASE_KEY_FILE=$SB_WORK/market-registry.key \
    "$PY" "$CLIENT" follow --from 1 --until-seq 6 >"$SB_WORK/follow.out" 2>"$SB_WORK/follow.err" &
follower=$!
SB_BG_PIDS+=("$follower")
sleep 1

# a reader may not report it
SKILLBASE_KEY_FILE=$SB_WORK/rdr.key sb_run "$PY" "$CLIENT" ingest --source market-registry \
    --id MR-2026-0042 --type unit.deregistered --entity "$cc"
assert_eq 1 "$SB_RC" "exit status of a reader's ingest"
assert_contains "$SB_ERR" "forbidden" "a reader's ingest"
# the market-regulation registry reports the unit deregistered, by credit code
svc=$SB_WORK/market-registry.key
out=$(SKILLBASE_KEY_FILE=$svc pyc ingest --source market-registry --id MR-2026-0042 --type unit.deregistered \
    --entity "$cc" --occurred-on "$(sb_today)" --reason "licence revoked")
assert_json "$out" .entity_id "$base"
assert_json "$out" .action revoke
assert_json "$out" .state revoked
assert_json "$out" .replayed false
assert_json "$out" .seq 6
assert_state "$base" revoked
assert_eq unit_deregistered "$(sb_field "$base" .revoked_cause)" "revocation cause"

SB_WAIT_DIAG='cat "$SB_WORK/follow.out"' sb_wait_exit "$follower" "the Python follower to stop at seq 6" 10
assert_eq 0 "$SB_EXITED_STATUS" "the Python follower's exit status ($(cat "$SB_WORK/follow.err"))"
assert_json "$(jq -s -c 'map(.seq)' "$SB_WORK/follow.out")" '. == [1, 2, 3, 4, 5, 6]' true \
    "sequences followed by Python"
last=$(tail -n 1 "$SB_WORK/follow.out")
assert_json "$last" .topic base.revoked
assert_json "$last" .actor service:market-registry

# the same event id again: the first answer, nothing applied
out=$(SKILLBASE_KEY_FILE=$svc pyc ingest --source market-registry --id MR-2026-0042 --type unit.deregistered \
    --entity "$cc" --occurred-on "$(sb_today)" --reason "licence revoked")
assert_json "$out" .replayed true
assert_json "$out" .seq 6
assert_eq 6 "$(jget "$(ctl --json status)" .last_seq)" "events after the repeat"

# keys the client or the daemon will not use
sb_run env -u SKILLBASE_KEY_FILE "$PY" "$CLIENT" status
assert_eq 2 "$SB_RC" "exit status with a server key but no key file"
assert_contains "$SB_ERR" "CURVE needs both" "half a key"
chmod 644 "$SB_WORK/rdr.key"
sb_run "$PY" "$CLIENT" --key-file "$SB_WORK/rdr.key" status
assert_eq 2 "$SB_RC" "exit status with a readable secret key file"
assert_contains "$SB_ERR" "chmod 600" "a readable secret key file"
sb_run "$PY" "$CLIENT" --timeout 300 --key-file "$SB_WORK/stranger.key" status
assert_eq 3 "$SB_RC" "exit status with a key the daemon does not list"

# a newer (or missing) protocol version is refused, naming both versions
sb_run "$PY" "$CLIENT" --protocol 2 status
assert_eq 1 "$SB_RC" "exit status for protocol 2"
assert_contains "$SB_ERR" "unsupported_protocol: request speaks protocol 2, newer than this daemon's protocol 1"
sb_run "$PY" "$CLIENT" --protocol 0 status
assert_eq 1 "$SB_RC" "exit status for protocol 0"
assert_contains "$SB_ERR" "no protocol version"

# ------------------------------------------------------------ ipc://: no keys
sb_stop_daemon TERM
unset SKILLBASE_SERVER_KEY SKILLBASE_KEY_FILE
export SKILLBASE_ENDPOINT=ipc://$SB_STATE/command.sock SKILLBASE_ACTOR=e2e
sb_start_daemon
st=$(pyc status)
assert_json "$st" .event_endpoint "ipc://$SB_STATE/events.sock" "status from Python over ipc"
assert_json "$st" .last_seq 6 "the log after the restart"
