#!/usr/bin/env bash
# Who may do what (docs/security.md), with every endpoint on tcp:// behind
# CURVE and the keys file:
# - ZAP refuses an unknown key at the handshake (the client never gets a
#   reply); a listed key works, and the daemon records its name as actor;
# - a reader cannot write, a reviewer may evaluate but not revoke, a service
#   may ingest only its listed types under its own name and cannot run
#   operator commands; --as with a key is refused by the CLI;
# - four eyes: certification and revocation are proposals; the proposer
#   cannot confirm, a second operator can; both names are in the events;
# - the worker endpoint admits worker keys only, for their listed types;
# - SIGHUP reloads the keys file: a kept key's open connection goes on, a
#   removed key is refused on its open connection and at the handshake, a
#   new key is let in.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
: "${SB_PROBE:=$SB_REPO_DIR/build/tests/sb_probe}"
: "${SB_TEST_WORKER:=$SB_REPO_DIR/build/tests/sb_test_worker}"
[ -x "$SB_PROBE" ] || sb_fail "SB_PROBE=$SB_PROBE is not an executable"

keys=$SB_WORK/keys.ini
sb_keygen alice bob wang rita market-registry test-worker eve carol
sb_key_add alice --role operator --public-key "$SB_WORK/alice.key"
sb_key_add bob --role operator --public-key "$SB_WORK/bob.key"
sb_key_add wang --role reviewer --public-key "$SB_WORK/wang.key"
sb_key_add rita --role reader --public-key "$SB_WORK/rita.key"
sb_key_add market-registry --role service --public-key "$SB_WORK/market-registry.key" \
    --types "unit.deregistered"
sb_key_add test-worker --role worker --public-key "$SB_WORK/test-worker.key" --types notify
assert_json "$(ctl --keys "$keys" --json keys list)" 'length' 6 "keys list"
[ "$(stat -c %a "$SB_WORK/alice.key")" = 600 ] || sb_fail "keygen: the key file is not mode 0600"

cat >"$SB_WORK/security.ini" <<EOF
[security]
keys = $keys
[four_eyes]
certify = on
revoke = on
EOF

# Three free ports (retry if one is taken meanwhile).
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/security.ini" --log-level info
[ "$(stat -c %a "$SB_STATE/server.key")" = 600 ] || sb_fail "server.key is not mode 0600"
[ "$(stat -c %a "$SB_STATE")" = 750 ] || sb_fail "the state directory is not mode 0750"
# lib.sh's helpers (assert_state, sb_show) talk as alice
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/alice.key
unset SKILLBASE_ACTOR

# ------------------------------------------------------------ handshake
assert_json "$(as alice --json whoami)" '.name + " " + .role' "alice operator" "whoami"
SKILLBASE_KEY_FILE=$SB_WORK/eve.key sb_run "$SKILLBASECTL" --timeout 500 whoami
assert_eq 3 "$SB_RC" "an unknown key gets no answer (exit status)"
assert_contains "$SB_ERR" "no answer" "an unknown key"
grep -q "zap: refused a client: unknown key" "$SB_DAEMON_ERR" ||
    sb_fail "the daemon did not log the refused handshake"
# no key at all over tcp: the handshake is not even CURVE
(unset SKILLBASE_SERVER_KEY SKILLBASE_KEY_FILE; sb_run "$SKILLBASECTL" --timeout 500 status; [ "$SB_RC" -eq 3 ]) ||
    sb_fail "a client without CURVE got an answer over tcp"

# ------------------------------------------------------------ roles
app=$(as alice apply "$(sb_form "$(sb_cc 1)")")
assert_json "$(as alice --json history "$app")" '.[0].actor' alice "actor is the key's name"
as_fails alice 2 invalid --as mallory review "$app"
sb_err_names "--as"
as_fails rita 1 forbidden apply "$(sb_form "$(sb_cc 2)")"
sb_err_names "reader" rita
as_fails rita 1 forbidden review "$app"
assert_json "$(as rita --json show "$app")" .state applied "a reader reads"
as wang review "$app" -r "site visit" >/dev/null
as wang evaluate "$app" --pass -r "meets the conditions" >/dev/null
as_fails market-registry 1 forbidden review "$app"
as_fails market-registry 1 forbidden show "$app"
as market-registry status >/dev/null

# ------------------------------------------------------------ four eyes: certification
# a proposal only once publicity has run its course (二(三)2)
as_fails alice 1 wrong_state close-publicity "$app"
sb_publicity_over
out=$(as alice close-publicity "$app")
assert_contains "$out" "prop-000001" "close-publicity makes a proposal"
assert_state "$app" in_publicity
as_fails alice 1 conflict close-publicity "$app"
as_fails alice 1 forbidden confirm prop-000001
sb_err_names "four eyes" alice
as_fails wang 1 forbidden confirm prop-000001
as bob confirm prop-000001 -r "checked the publicity record" >/dev/null
assert_state "$app" certified
base=$(jget "$(as alice --json show "$app")" .base_id)
ev=$(as alice --json events --topic application.)
assert_json "$ev" '[.[] | select(.topic == "application.certification_proposed")][0].actor' alice
assert_json "$ev" '[.[] | select(.topic == "application.certified")][0].actor' bob
assert_json "$ev" '[.[] | select(.topic == "application.certified")][0].proposed_by' alice
assert_json "$ev" '[.[] | select(.topic == "application.certified")][0].proposal_id' prop-000001
assert_json "$(as rita --json proposals --all)" '.[0].state' confirmed "proposals --all"
as_fails bob 1 wrong_state confirm prop-000001

# ------------------------------------------------------------ four eyes: revocation
as_fails wang 1 forbidden revoke "$base" --cause violation -r "reviewers may not revoke"
sb_err_names reviewer
out=$(as bob revoke "$base" --cause violation -r "confirmed violation")
assert_contains "$out" "prop-000002" "revoke makes a proposal"
as_fails bob 1 forbidden confirm prop-000002
as alice confirm prop-000002 >/dev/null
assert_json "$(as rita --json show "$base")" .state revoked "revoked after the second operator"

# ------------------------------------------------------------ four eyes: a failing assessment
# A total under 60 revokes (五(二)): the role of revoke and the same four eyes
app3=$(as alice apply "$(sb_form "$(sb_cc 4)")")
as wang review "$app3" -r "site visit" >/dev/null
as wang evaluate "$app3" --pass -r "meets the conditions" >/dev/null
sb_publicity_over
p=$(jget "$(as alice --json close-publicity "$app3")" .id)
as bob confirm "$p" >/dev/null
base3=$(jget "$(as alice --json show "$app3")" .base_id)
as wang assess "$base3" -f "$SB_EXAMPLES/scores-good.json" >/dev/null
assert_json "$(as rita --json show "$base3")" .state assessed "a reviewer's passing assessment"
as_fails wang 1 forbidden assess "$base3" -f "$SB_EXAMPLES/scores-fail.json"
sb_err_names "under 60" "role of revoke" reviewer
sb_clock_forward 731 # the next cycle's assessment (五(一))
out=$(as alice --json assess "$base3" -f "$SB_EXAMPLES/scores-fail.json" -r "2028 assessment")
assert_json "$out" .kind revocation "a failing assessment makes a revocation proposal"
fp=$(jget "$out" .id)
b3=$(as rita --json show "$base3")
assert_json "$b3" .state assessed "the sub-base stays as it was until confirmed"
assert_json "$b3" '.assessments | length' 1 "no result recorded by the proposal"
as_fails alice 1 forbidden confirm "$fp"
as bob confirm "$fp" -r "scores checked" >/dev/null
b3=$(as rita --json show "$base3")
assert_json "$b3" .state revoked "revoked once a second operator confirmed"
assert_json "$b3" .grade fail
assert_json "$b3" '.assessments[-1].cause' assessment_failed
assert_json "$(as rita --json history "$base3" | jq -c '.[-1]')" .proposed_by alice

# ------------------------------------------------------------ a service
app2=$(as alice apply "$(sb_form "$(sb_cc 3)")")
as_fails market-registry 1 forbidden ingest --source market-registry --id e1 \
    --type complaint.verified --entity "$app2" -r "not its type"
sb_err_names "complaint.verified" market-registry
as_fails market-registry 1 forbidden ingest --source someone-else --id e2 \
    --type unit.deregistered --entity "$app2"
sb_err_names source
as market-registry ingest --source market-registry --id e3 --type unit.deregistered \
    --entity "$app2" -r "licence revoked" >/dev/null
assert_state "$app2" rejected
assert_json "$(as alice --json history "$app2")" '.[-1].actor' "service:market-registry"

# ------------------------------------------------------------ the worker endpoint
worker_run() { # NAME KEY [test_worker options...]
    local name=$1 key=$2
    shift 2
    SKILLBASE_KEY_FILE=$SB_WORK/$key.key sb_spawn "w-$name" "$SB_TEST_WORKER" \
        --endpoint "$WRK_EP" --name "$name" --log "$SB_WORK/jobs-$name.log" --log-level debug "$@"
}
worker_run test-worker-1 test-worker --type notify
SB_WAIT_DIAG='tail -n 3 "$SB_TMP/daemon.w-test-worker-1.err"' \
    sb_wait_until 15 "a worker with a worker key to do a job" grep -q " done " "$SB_WORK/jobs-test-worker-1.log"
worker_run intruder alice --type notify   # an operator's key: not on this endpoint
worker_run test-worker-2 test-worker --type publicity.schedule   # not its type
sb_wait_until 10 "the refusal of a worker announcing a type its key does not list" \
    grep -qF "job type publicity.schedule is not among the types of key test-worker" "$SB_DAEMON_ERR"
sb_wait_until 10 "the refusal of an operator key on the worker endpoint" \
    grep -qF "this key's role may not use this endpoint" "$SB_DAEMON_ERR"
[ ! -s "$SB_WORK/jobs-intruder.log" ] || sb_fail "a worker with an operator key got jobs"

# ------------------------------------------------------------ reload
coproc ALICE { SKILLBASE_KEY_FILE=$SB_WORK/alice.key "$SB_PROBE" "$CMD_EP" session; }
SB_BG_PIDS+=("$ALICE_PID")
coproc RITA { SKILLBASE_KEY_FILE=$SB_WORK/rita.key "$SB_PROBE" "$CMD_EP" session; }
SB_BG_PIDS+=("$RITA_PID")
ask() { # COPROC-NAME: one whoami on that connection; prints the answer
    local -n p=$1
    echo whoami >&"${p[1]}"
    local line
    read -r -t 10 line <&"${p[0]}" || sb_fail "no line from the $1 session"
    printf '%s\n' "$line"
}
assert_eq "OK alice operator connects=1" "$(ask ALICE)" "alice before the reload"
assert_eq "OK rita reader connects=1" "$(ask RITA)" "rita before the reload"
ctl --keys "$keys" keys remove rita >/dev/null
sb_key_add carol --role operator --public-key "$SB_WORK/carol.key"
kill -HUP "$SB_PID"
sb_wait_until 10 "the keys file's reload in the log" grep -q "key(s) in force" "$SB_DAEMON_ERR"
grep -q "6 key(s) in force .*(1 new, 1 removed)" "$SB_DAEMON_ERR" ||
    sb_fail "no reload of the keys file in the log: $(tail -n 3 "$SB_DAEMON_ERR")"
assert_eq "OK alice operator connects=1" "$(ask ALICE)" "alice keeps her connection"
r=$(ask RITA)
assert_match "$r" "^ERR FORBIDDEN .*removed.* connects=1$" "rita's open connection after removal"
SKILLBASE_KEY_FILE=$SB_WORK/rita.key sb_run "$SKILLBASECTL" --timeout 500 whoami
assert_eq 3 "$SB_RC" "a removed key is refused at the handshake"
assert_json "$(as carol --json whoami)" .name carol "a new key after the reload"
