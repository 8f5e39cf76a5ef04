#!/usr/bin/env bash
# The wire contract as a stranger relies on it (docs/protocol.md), checked
# from Python, whose protobuf refuses any message with non-UTF-8 text:
# every reply parses, whatever the request held; MALFORMED replies carry
# the request id when it can be read; unknown versus missing commands;
# strings are what they look like (a NUL inside is refused, not cut off,
# so two ingest ids differing after it do not collide; C1, DEL, bidi
# controls and line separators are refused); one paging rule for list,
# history, read_events and list_jobs with the limit applied in the reply;
# no field named after a keyword; the rules in force (and `skillbasectl
# rules`), following the configuration.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/python_lib.sh"
sb_python_setup
CHECK=$SB_LIB_DIR/helpers/sb_contract_check.py

check() { # WHAT [ARGS...]: the Python checks against the daemon
    sb_run "$PY" "$CHECK" "$SKILLBASE_ENDPOINT" "$@"
    printf '%s\n' "$SB_OUT" | sed "s/^/[$1] /" >&2
    [ "$SB_RC" -eq 0 ] || sb_fail "contract check $*: $SB_ERR"
}

# no field is named after a keyword (no daemon needed)
check names

cat >"$SB_WORK/rules.ini" <<'INI'
[publicity]
working_days = 7
[rubric]
basic_construction = 30
system_construction = 15
INI
sb_start_daemon --config "$SB_WORK/rules.ini"

check replies
check commands "$(jget "$(ctl --json status)" .version)"

# a base for the ingest cases, an application for history and list paging
cc=$(sb_cc 1)
app=$(sb_apply 1)
sb_drive "$app" certified
app2=$(sb_apply 2)
sb_drive "$app2" under_review
seq_before=$(jget "$(ctl --json status)" .last_seq)
check text "$cc"
assert_eq "$seq_before" "$(jget "$(ctl --json status)" .last_seq)" "events after the refused texts"
assert_state "$(sb_field "$app" .base_id)" certified
check paging "$app"

# the rules in force: from the configuration and the daemon's own tables
check rules
rules=$SB_ERR
assert_json "$rules" .publicity_working_days 7
assert_json "$rules" ".rubric_example // false" false
assert_json "$rules" '.rubric | map(select(.bonus | not) | .max) | add' 100
assert_json "$rules" '.rubric | map(select(.bonus) | .max) | add' 20
assert_json "$rules" '.rubric[0] | [.field, .max] | join(" ")' "basic_construction 30"
assert_json "$rules" '.grades | map(.min_total // 0) | join(",")' "90,80,60,0"
assert_json "$rules" '.districts | length' 13
assert_json "$rules" '[.revocation_causes[].name] | join(",")' \
    "refused_assessment,unit_deregistered,verified_complaint,major_safety_accident,violation"
assert_json "$rules" '[.ingest_types[] | select(.type == "unit.deregistered" and .kind == "BASE") | .action] | join(",")' revoke
assert_json "$rules" '[.settings[] | select(.name == "page_max") | .value] | join(",")' 1000
assert_json "$rules" '[.settings[] | select(.name == "publicity_working_days") | .decided_by] | join(",")' \
    "configuration [publicity] working_days (the bureau's choice)"

# skillbasectl rules: the same, for people and as JSON
out=$(ctl rules)
assert_contains "$out" "publicity: 7 working days" "skillbasectl rules"
assert_contains "$out" "basic_construction" "skillbasectl rules"
assert_json "$(ctl --json rules)" .publicity_working_days 7

# the shipped rubric is reported as the example split
sb_stop_daemon TERM
sb_start_daemon
assert_json "$(ctl --json rules)" .rubric_example true
assert_json "$(ctl --json rules)" .publicity_working_days 5

# text from elsewhere is escaped on the terminal: a hand-edited keys file
# whose section name holds an escape sequence and a bidi override
printf '[op\033[31m\xe2\x80\xaeevil]\nrole = operator\npublic_key = x\n' >"$SB_WORK/bad-keys.ini"
sb_run "$SKILLBASECTL" --keys "$SB_WORK/bad-keys.ini" keys list
assert_ne 0 "$SB_RC" "keys list of a bad keys file"
assert_contains "$SB_ERR" 'op\x1B[31m\u{202E}evil' "the bad name, escaped"
if grep -q $'\033' <<<"$SB_ERR"; then
    sb_fail "skillbasectl printed a raw escape character: $SB_ERR"
fi
