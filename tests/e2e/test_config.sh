#!/usr/bin/env bash
# Daemon configuration: a custom assessment rubric from --config changes the
# item maxima; a rubric whose base items do not sum to 100 (or bonus items
# to 20) stops the daemon from starting, naming the problem; state_dir and
# command_endpoint come from the file; a tcp:// command endpoint without a
# keys file is refused, and with one it works (CURVE, docs/security.md).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

# Start the daemon with exactly these arguments and expect it to refuse:
# exit non-zero within 30 s; stdout+stderr in SB_REFUSAL.
refuses_to_start() {
    sb_launch "$@"
    sb_wait_exit "$SB_PID" "'skillbased $*' to refuse to start" 30
    SB_PID=""
    ((SB_EXITED_STATUS != 0)) || sb_fail "expected 'skillbased $*' to exit non-zero; got 0"
    SB_REFUSAL=$(cat "$SB_DAEMON_OUT" "$SB_DAEMON_ERR")
}

# ------------------------------------------------------------ bad rubrics
cat >"$SB_WORK/sum90.ini" <<EOF
[daemon]
log_level = warn

[rubric]
basic_construction = 15
system_construction = 20
training_management = 25
public_service = 30
competition_hosting = 10
other_public_service = 10
EOF
refuses_to_start --state-dir "$SB_STATE" --config "$SB_WORK/sum90.ini"
assert_match "$SB_REFUSAL" 'rubric|basic_construction' "refusal names the rubric"
assert_contains "$SB_REFUSAL" 100 "refusal says the base items must sum to 100"

cat >"$SB_WORK/bonus25.ini" <<EOF
[rubric]
basic_construction = 25
system_construction = 20
training_management = 25
public_service = 30
competition_hosting = 15
other_public_service = 10
EOF
refuses_to_start --state-dir "$SB_STATE" --config "$SB_WORK/bonus25.ini"
assert_match "$SB_REFUSAL" 'rubric|bonus|competition_hosting' "refusal names the bonus items"
assert_contains "$SB_REFUSAL" 20 "refusal says the bonus items must sum to 20"

refuses_to_start --state-dir "$SB_STATE" --config "$SB_WORK/no-such.ini"
assert_contains "$SB_REFUSAL" no-such.ini "refusal names the missing config file"

refuses_to_start --state-dir "$SB_STATE" --no-such-flag
assert_contains "$SB_REFUSAL" no-such-flag "refusal names the unknown flag"

# ------------------------------------------------------------ a custom rubric, all from the file
cat >"$SB_WORK/custom.ini" <<EOF
[daemon]
state_dir = $SB_STATE
command_endpoint = $SKILLBASE_ENDPOINT
log_level = warn

[rubric]
basic_construction = 15
system_construction = 20
training_management = 25
public_service = 40
competition_hosting = 10
other_public_service = 10

[publicity]
working_days = 5
EOF
sb_launch --config "$SB_WORK/custom.ini"
sb_wait_ready "$SKILLBASE_ENDPOINT"
base=$(sb_new_base 1)
s=$(sb_scores '{basic_construction: 16}')
sb_ctl_fails 1 invalid assess "$base" -f "$s"
sb_err_names basic_construction
s=$(sb_scores '{public_service: 41}')
sb_ctl_fails 1 invalid assess "$base" -f "$s"
sb_err_names public_service
s=$(sb_scores '{basic_construction: 15, system_construction: 18, training_management: 22, public_service: 35, competition_hosting: 2}')
out=$(ctl assess "$base" -f "$s")
assert_contains "$out" "total 92, grade excellent" "assessment under the custom rubric"
b=$(sb_show "$base")
assert_json "$b" .total 92
assert_json "$b" '.assessments[0].base_total' 90
assert_json "$b" '.assessments[0].bonus_total' 2
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status on SIGTERM"
[ -n "$(find "$SB_STATE" -name data.mdb -print -quit)" ] || sb_fail "state_dir from the config file was not used (no data.mdb under $SB_STATE)"

# the default rubric again (no config): a 35 in public_service is too much now
sb_start_daemon
s=$(sb_scores '{public_service: 35}')
sb_ctl_fails 1 invalid assess "$base" -f "$s"
sb_err_names public_service
assert_json "$(sb_show "$base")" '.assessments | length' 1 "assessments kept across the restart"
sb_stop_daemon TERM

# ------------------------------------------------------------ tcp endpoint
refuses_to_start --state-dir "$SB_STATE" --command-endpoint tcp://127.0.0.1:1
assert_contains "$SB_REFUSAL" "[security] keys" "a tcp endpoint without keys is refused"
ctl keygen "$SB_WORK/op.key" >/dev/null
ctl --keys "$SB_WORK/keys.ini" keys add op --role operator --public-key "$SB_WORK/op.key" >/dev/null
printf '[security]\nkeys = %s\n' "$SB_WORK/keys.ini" >"$SB_WORK/tcp.ini"
export SKILLBASE_SERVER_KEY=$SB_STATE/server.pub SKILLBASE_KEY_FILE=$SB_WORK/op.key
sb_start_daemon_tcp "$SB_WORK/op.key" --log-level warn --config "$SB_WORK/tcp.ini"
started=$CMD_EP
assert_contains "$(head -n 1 "$SB_DAEMON_OUT")" "$started" "the daemon's first stdout line names the tcp endpoint"
st=$(ctl --endpoint "$started" --json status)
assert_json "$st" '[.counts[] | select(.kind == "base") | .count | tonumber] | add' 1 "status over tcp"
id=$(SKILLBASE_ENDPOINT=$started ctl apply "$(sb_form "$(sb_cc 2)")")
assert_json "$(ctl -e "$started" --json show "$id")" .state applied "write and read over tcp"
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status on SIGTERM (tcp)"
unset SKILLBASE_SERVER_KEY SKILLBASE_KEY_FILE
