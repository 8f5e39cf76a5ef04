#!/usr/bin/env bash
# The CLI's own contract (docs/cli.md): exit 3 within a bound when no daemon
# answers; $SKILLBASE_ENDPOINT and --endpoint; options before or after the
# verb; usage errors exit 2; --version and --help; --json documents (records
# with "kind", defaults left out, errors as {"error":{...}}); the actor from
# --as / $SKILLBASE_ACTOR; human output of apply, writes, show, list, status.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

# ------------------------------------------------------------ no daemon
nowhere="ipc://$SB_TMP/nobody.sock"
t0=$(date +%s%N)
sb_run "$SKILLBASECTL" --endpoint "$nowhere" --timeout 200 status
t1=$(date +%s%N)
assert_eq 3 "$SB_RC" "exit status with no daemon (stderr: $SB_ERR)"
ms=$(((t1 - t0) / 1000000))
((ms < 5000)) || sb_fail "no-daemon failure took ${ms} ms; expected < 5000 with --timeout 200"
assert_match "$SB_ERR" '^skillbasectl: ' "no-daemon error line"
assert_contains "$SB_ERR" unavailable "no-daemon error names the code"
assert_eq 1 "$(printf '%s\n' "$SB_ERR" | wc -l)" "no-daemon error is one line"

# a write too, with its retries (same key), still bounded
t0=$(date +%s%N)
sb_run "$SKILLBASECTL" --endpoint "$nowhere" --timeout 200 apply "$SB_EXAMPLES/application.json"
t1=$(date +%s%N)
assert_eq 3 "$SB_RC" "exit status of a write with no daemon"
ms=$(((t1 - t0) / 1000000))
((ms < 5000)) || sb_fail "no-daemon write took ${ms} ms; expected < 5000"

sb_run env SKILLBASE_ENDPOINT="$nowhere" "$SKILLBASECTL" --timeout 200 status
assert_eq 3 "$SB_RC" "SKILLBASE_ENDPOINT is used when no --endpoint is given"

# ------------------------------------------------------------ usage (no daemon needed)
sb_run "$SKILLBASECTL" --version
assert_eq 0 "$SB_RC" "--version exit status"
assert_match "$SB_OUT" '[0-9]+\.[0-9]+\.[0-9]+' "--version output"
sb_run "$SKILLBASECTL" --help
assert_eq 0 "$SB_RC" "--help exit status"
assert_contains "$SB_OUT$SB_ERR" apply "--help lists the verbs"
# the options (one table in clients/skillbasectl.c): every option a verb's
# usage names has its own line among the options, and every option listed
# there is taken (a bad value is refused naming it, not as unknown)
help=$SB_OUT
verbs_part=$(sed -n '/^verbs:/,/^options/p' <<<"$help")
options_part=$(sed -n '/^options/,$p' <<<"$help")
n=0
for opt in $(grep -oE -- '--[a-z][a-z-]+' <<<"$verbs_part" | sort -u); do
    grep -qE -- "^(  -[a-zA-Z], |      )$opt( |\$)" <<<"$options_part" ||
        sb_fail "--help: $opt is in a verb's usage but has no line among the options"
    n=$((n + 1))
done
[ "$n" -gt 40 ] || sb_fail "only $n options in the verbs' usage"
m=0
for opt in $(grep -oE -- '^(  -[a-zA-Z], |      )--[a-z][a-z-]+' <<<"$options_part" |
    grep -oE -- '--[a-z-]+'); do
    sb_run "$SKILLBASECTL" "$opt" frobnicate-x
    assert_not_contains "$SB_ERR" "unknown option" "$opt, listed by --help, is an option"
    m=$((m + 1))
done
[ "$m" -gt 60 ] || sb_fail "only $m options listed by --help"
sb_run "$SKILLBASECTL" -h
assert_eq 0 "$SB_RC" "-h exit status"
sb_ctl_fails 2 "" frobnicate app-000001
sb_err_names frobnicate
sb_ctl_fails 2 ""
sb_ctl_fails 2 "" --no-such-option status
sb_ctl_fails 2 "" review                     # missing id
sb_ctl_fails 2 "" apply                      # missing file
sb_ctl_fails 2 "" list --state nonsense
sb_ctl_fails 2 "" list --kind nonsense
sb_ctl_fails 2 "" --timeout abc status

# ------------------------------------------------------------ with a daemon
sb_start_daemon
assert_contains "$(head -n 1 "$SB_DAEMON_OUT")" "$SKILLBASE_ENDPOINT" "the daemon's first stdout line names its endpoint"

# --endpoint overrides SKILLBASE_ENDPOINT, both ways
real=$SKILLBASE_ENDPOINT
sb_run env SKILLBASE_ENDPOINT="$nowhere" "$SKILLBASECTL" --timeout 2000 --endpoint "$real" status
assert_eq 0 "$SB_RC" "--endpoint overrides a dead SKILLBASE_ENDPOINT (stderr: $SB_ERR)"
sb_run env SKILLBASE_ENDPOINT="$real" "$SKILLBASECTL" --timeout 200 -e "$nowhere" status
assert_eq 3 "$SB_RC" "-e overrides a live SKILLBASE_ENDPOINT"

# apply: the id alone; --json the record with kind, defaults left out
id=$(ctl apply "$(sb_form "$(sb_cc 1)")")
assert_match "$id" '^app-[0-9]{6}$' "apply prints the id alone"
assert_eq app-000001 "$id"
j=$(ctl --json apply "$(sb_form "$(sb_cc 2)")")
assert_json "$j" .id app-000002
assert_json "$j" .kind application
assert_json "$j" .state applied
assert_json "$j" .version 1
assert_json "$j" 'has("base_id")' false "apply --json leaves out base_id (empty)"
assert_json "$j" 'has("objection_open")' false "apply --json leaves out objection_open (false)"
assert_json "$j" 'has("objections")' false "apply --json leaves out objections (0)"
# options after the verb
j2=$(ctl show app-000002 --json)
assert_json "$j2" .id app-000002 "option after the verb"
assert_json "$j2" .kind application

# writes: human and JSON
out=$(ctl review "$id")
assert_match "$out" "^$id: under_review \\(version 2\\)" "human write output"
j=$(ctl evaluate "$id" --pass -r "ok" --json)
assert_json "$j" .kind application
assert_json "$j" .state in_publicity
assert_json "$j" .version 3

# errors with --json: one JSON document on stdout
sb_run "$SKILLBASECTL" --timeout 3000 --json show app-999999
assert_eq 1 "$SB_RC" "show of an unknown id with --json"
assert_json "$SB_OUT" .error.code not_found
assert_json "$SB_OUT" '.error.message | length > 0' true "error message"
sb_run "$SKILLBASECTL" --timeout 3000 --json close-publicity app-000002
assert_eq 1 "$SB_RC"
assert_json "$SB_OUT" .error.code wrong_state

# show, human: field: value lines, nested fields indented
out=$(ctl show "$id")
assert_match "$out" '^ *id: app-000001' "human show has an id line"
assert_match "$out" '^ *state: in_publicity' "human show has a state line"
assert_match "$out" '^[[:space:]]+credit_code: ' "human show indents nested fields"

# list, human: a table with the ids
out=$(ctl list)
assert_contains "$out" app-000001 "human list"
assert_contains "$out" app-000002 "human list"
assert_contains "$out" in_publicity "human list shows states"

# list paging: --limit and --after
assert_json "$(ctl --json list --limit 1)" '[.[].id] | join(",")' app-000001 "list --limit 1"
assert_json "$(ctl --json list --after app-000001)" '[.[].id] | join(",")' app-000002 "list --after app-000001"
assert_json "$(ctl --json list --after app-000002)" length 0 "list --after the last id"

# status: human mentions uptime; --json is a StatusInfo
out=$(ctl status)
assert_contains "$out" uptime "human status"
st=$(ctl --json status)
assert_json "$st" '.version | length > 0' true "status version"
assert_json "$st" '.uptime_s // 0 | tonumber >= 0' true "status uptime_s"
assert_json "$st" .last_seq 4 "status last_seq"
assert_json "$st" '.store_bytes | tonumber > 0' true "status store_bytes"
assert_json "$st" '.map_bytes | tonumber > 0' true "status map_bytes"
assert_json "$st" '[.counts[] | select(.kind == "application") | .count | tonumber] | add' 2 "status counts"

# actor: --as over $SKILLBASE_ACTOR over $USER
a=$(ctl apply "$(sb_form "$(sb_cc 3)")")
SKILLBASE_ACTOR=bob ctl review "$a" -r "by bob" >/dev/null
SKILLBASE_ACTOR=bob ctl --as carol withdraw "$a" -r "by carol" >/dev/null
h=$(ctl --json history "$a")
assert_json "$h" '.[0].actor' e2e "actor from SKILLBASE_ACTOR"
assert_json "$h" '.[1].actor' bob "actor from SKILLBASE_ACTOR"
assert_json "$h" '.[2].actor' carol "--as overrides SKILLBASE_ACTOR"
a=$(ctl apply "$(sb_form "$(sb_cc 4)")")
env -u SKILLBASE_ACTOR USER=dora "$SKILLBASECTL" review "$a" >/dev/null
assert_json "$(ctl --json history "$a")" '.[1].actor' dora "actor from USER"

# events paging: --from and --limit
ev=$(ctl --json events --from 2 --limit 3)
assert_json "$ev" '[.[].seq | tonumber] | map(tostring) | join(",")' "2,3,4" "events --from 2 --limit 3"

# stdin as the scores file
base=$(sb_new_base 5)
out=$(ctl assess "$base" -f - <"$SB_EXAMPLES/scores-good.json")
assert_contains "$out" "total 85, grade good" "assess -f - reads stdin"

# events past the end: an empty array
assert_json "$(ctl --json events --from 100000)" length 0 "events --from past the end"

# list returns every page unless --limit: more records than one page (100)
before=$(jget "$(ctl --json list --kind application)" length)
mkdir -p "$SB_WORK/bulk"
for ((i = 100; i < 210; i++)); do
    jq --arg cc "$(sb_cc "$i")" '.unit.credit_code = $cc' "$SB_EXAMPLES/application.json" >"$SB_WORK/bulk/$i.json"
done
printf '%s\n' "$SB_WORK"/bulk/*.json |
    xargs -P 4 -I{} "$SKILLBASECTL" --timeout 10000 apply {} >/dev/null 2>"$SB_WORK/bulk.err" ||
    sb_fail "bulk applies failed: $(head -n 3 "$SB_WORK/bulk.err")"
apps=$(ctl --json list --kind application)
assert_json "$apps" length $((before + 110)) "list --kind application over more than one page"
assert_json "$apps" '[.[].id] | length == (unique | length)' true "no record listed twice across pages"
assert_json "$apps" '[.[].id] == ([.[].id] | sort)' true "pages in id order"
