#!/usr/bin/env bash
# Crash safety: the daemon is SIGKILLed in the middle of a burst of
# concurrent applies. After a restart on the same directory every write the
# CLI acknowledged (exit 0, id printed) is there with its credit code, no
# record is half-made, ids are distinct, and the event log is numbered 1..N
# without gaps, one creation event per application. The LMDB environment
# opens cleanly with mdb_stat when that tool is installed.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

LOOPS=4
PER_LOOP=40
ATTEMPTED=$((LOOPS * PER_LOOP))

# forms first, so the loops only run the CLI
for ((l = 0; l < LOOPS; l++)); do
    for ((i = 1; i <= PER_LOOP; i++)); do
        cc=$(sb_cc $((l * 1000 + i)))
        jq --arg cc "$cc" '.unit.credit_code = $cc' "$SB_EXAMPLES/application.json" \
            >"$SB_WORK/burst.$l.$i.json"
        printf '%s\n' "$cc" >>"$SB_WORK/attempted"
    done
done

# One writer: apply its forms in turn; an id counts as acknowledged only
# once the CLI exited 0 with it. A failure before the crash (a slow daemon
# under ASan) is tolerated; after the crash the loop stops.
writer() {
    local l=$1 i id rc cc
    for ((i = 1; i <= PER_LOOP; i++)); do
        cc=$(jq -r .unit.credit_code "$SB_WORK/burst.$l.$i.json")
        rc=0
        id=$("$SKILLBASECTL" --timeout 300 apply "$SB_WORK/burst.$l.$i.json" 2>>"$SB_WORK/writer.$l.err") || rc=$?
        if [ "$rc" -eq 0 ]; then
            printf '%s %s\n' "$id" "$cc" >>"$SB_WORK/acked.$l"
        else
            printf '%s %s exit %s\n' "$i" "$cc" "$rc" >>"$SB_WORK/failed.$l"
            [ ! -e "$SB_WORK/killed" ] || return 0
        fi
    done
}

: >"$SB_WORK/acked.all"
for ((l = 0; l < LOOPS; l++)); do
    : >"$SB_WORK/acked.$l"
    writer "$l" &
    SB_BG_PIDS+=($!)
done

# let the burst get going: at least 20 acknowledged writes (or 15 s), then a
# little more, then kill -9 while the writers are still writing
deadline=$((SECONDS + 15))
while (($(cat "$SB_WORK"/acked.[0-9] | wc -l) < 20)) && ((SECONDS < deadline)); do
    sleep 0.05
done
sleep "0.$((RANDOM % 5))"
touch "$SB_WORK/killed"
sb_stop_daemon KILL
assert_eq 137 "$SB_EXIT_STATUS" "daemon exit status after SIGKILL"
acked_at_kill=$(cat "$SB_WORK"/acked.[0-9] | wc -l)

for p in "${SB_BG_PIDS[@]}"; do
    wait "$p" || sb_fail "a writer loop failed (status $?)"
done
SB_BG_PIDS=()
cat "$SB_WORK"/acked.[0-9] >"$SB_WORK/acked.all"
acked=$(wc -l <"$SB_WORK/acked.all")
sb_note "acknowledged $acked of $ATTEMPTED applies ($acked_at_kill when the daemon was killed)"
if [ "$acked" -ge "$ATTEMPTED" ]; then
    sb_note "warning: every write finished before the kill; the crash hit an idle daemon"
fi
[ "$acked" -gt 0 ] || sb_fail "no write was acknowledged before the kill"

# the environment is consistent as the crash left it
if command -v mdb_stat >/dev/null; then
    envdir=$(dirname "$(find "$SB_STATE" -name data.mdb -print -quit)")
    [ "$envdir" != . ] || sb_fail "no data.mdb under $SB_STATE"
    mdb_stat -e "$envdir" >"$SB_WORK/mdb_stat.env" 2>&1 ||
        sb_fail "mdb_stat -e $envdir failed: $(cat "$SB_WORK/mdb_stat.env")"
    mdb_stat -a "$envdir" >"$SB_WORK/mdb_stat.all" 2>&1 ||
        sb_fail "mdb_stat -a $envdir failed: $(cat "$SB_WORK/mdb_stat.all")"
else
    sb_note "mdb_stat not installed; skipping the LMDB check"
fi

# ------------------------------------------------------------ after the crash
sb_start_daemon
ctl status >/dev/null

apps=$(ctl --json list --kind application)
ackjson=$(jq -R -s -c 'split("\n") | map(select(length > 0) | split(" ") | {id: .[0], cc: .[1]})' "$SB_WORK/acked.all")
attjson=$(jq -R -s -c 'split("\n") | map(select(length > 0))' "$SB_WORK/attempted")

assert_json "$ackjson" '[.[].id] | length == (unique | length)' true "acknowledged ids are distinct"
missing=$(jq -n -r --argjson a "$apps" --argjson k "$ackjson" '
    ($a | map({(.id): (.form.unit.credit_code // "")}) | add // {}) as $have
    | [$k[] | select($have[.id] != .cc) | "\(.id) (\(.cc)) -> \($have[.id] // "missing")"] | join(", ")')
[ -z "$missing" ] || sb_fail "acknowledged applications lost or changed after SIGKILL: $missing"

stored=$(jget "$apps" length)
((stored >= acked)) || sb_fail "stored applications: expected >= $acked (acknowledged), got $stored"
((stored <= ATTEMPTED)) || sb_fail "stored applications: expected <= $ATTEMPTED (attempted), got $stored"
assert_json "$apps" '[.[].id] | length == (unique | length)' true "stored ids are distinct"
assert_json "$apps" '[.[].form.unit.credit_code] | length == (unique | length)' true "one application per credit code"
assert_json "$apps" "[.[].form.unit.credit_code] - $attjson | length" 0 "every stored credit code was one attempted"
assert_json "$apps" '[.[].state] | unique | join(",")' applied "states after the crash"
assert_json "$apps" '[.[].version | tonumber] | unique | join(",")' 1 "versions after the crash"
assert_json "$apps" '[.[].id] == [range(1; length + 1) | "app-" + (tostring | ("000000" + .)[-6:])]' true \
    "ids app-000001..app-$(printf '%06d' "$stored") without holes"

ev=$(sb_all_events)
assert_json "$ev" '[.[].seq | tonumber] == [range(1; length + 1)]' true "event sequence 1..N without gaps"
assert_json "$ev" length "$stored" "one creation event per stored application"
assert_json "$ev" '[.[].entity_id] | sort | join(",")' "$(jget "$apps" '[.[].id] | sort | join(",")')" "events match the stored records"
st=$(ctl --json status)
assert_json "$st" .last_seq "$stored" "status last_seq after the crash"
assert_json "$st" '[.counts[] | select(.kind == "application" and .state == "applied") | .count | tonumber] | add' \
    "$stored" "status count of applied applications"

# the daemon carries on writing where it stopped
next=$(sb_apply 9999)
assert_eq "app-$(printf '%06d' $((stored + 1)))" "$next" "id of the first write after the crash"
assert_json "$(ctl --json status)" .last_seq $((stored + 1)) "last_seq after one more write"
