#!/usr/bin/env bash
# The commit log (docs/storage.md): a reply means the write is in the
# synced log; LMDB catches up at checkpoints. With checkpoints a minute
# apart, a batch of writes is acknowledged, a copy of data.mdb shows LMDB
# does not hold them yet (so the kill below falls between the replies and
# the checkpoint), the daemon is SIGKILLed, and after a restart every
# acknowledged write is there exactly once, in the state it was answered
# with: records, events numbered 1..N without gaps or repeats, the audit
# chain, the status counts. A hot backup then holds every acknowledged write
# (it waits for a checkpoint), and a clean stop checkpoints: a copy of
# data.mdb holds everything.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

cat >"$SB_WORK/slow-checkpoints.ini" <<'EOF'
[store]
log_mb = 8
checkpoint_ms = 60000
EOF

# The events LMDB itself holds: restore-check of a copy of data.mdb.
lmdb_last_seq() {
    local copy=$SB_TMP/copy.$RANDOM
    mkdir "$copy"
    cp "$SB_STATE/data.mdb" "$copy/" || sb_fail "cannot copy data.mdb"
    sb_run "$SKILLBASED" --restore-check "$copy"
    assert_eq 0 "$SB_RC" "restore-check of a copy of data.mdb (stderr: $SB_ERR)"
    sed -n 's/.*last seq \([0-9]*\),.*/\1/p' <<<"$SB_OUT"
}

sb_start_daemon --config "$SB_WORK/slow-checkpoints.ini"
[ -s "$SB_STATE/commit.log" ] || sb_fail "no commit.log in the state directory"

: >"$SB_WORK/acked"
for ((i = 1; i <= 12; i++)); do
    id=$(sb_apply "$i")
    printf '%s %s applied\n' "$id" "$(sb_cc "$i")" >>"$SB_WORK/acked"
done
# some move on: each is a second event on the record
for id in app-000002 app-000005 app-000009; do
    ctl review "$id" -r "on-site review" >/dev/null
    sed -i "s/^$id \([^ ]*\) applied$/$id \1 under_review/" "$SB_WORK/acked"
done
acked_events=15
assert_json "$(ctl --json status)" .last_seq "$acked_events" "the daemon's own view before the kill"

in_lmdb=$(lmdb_last_seq)
sb_note "LMDB holds $in_lmdb of the $acked_events acknowledged events before the kill"
((in_lmdb < acked_events)) ||
    sb_fail "LMDB already holds every acknowledged event: the kill would not test the log"

sb_stop_daemon KILL
assert_eq 137 "$SB_EXIT_STATUS" "daemon exit status after SIGKILL"

# ------------------------------------------------------------ after the crash
sb_start_daemon --config "$SB_WORK/slow-checkpoints.ini"
grep -q "replayed [0-9]* commit" "$SB_DAEMON_ERR" 2>/dev/null ||
    sb_note "(the replay is logged at info; this run logs warnings only)"

apps=$(ctl --json list --kind application)
assert_json "$apps" length 12 "applications after the restart"
while read -r id cc st; do
    assert_json "$apps" "[.[] | select(.id == \"$id\")] | length" 1 "$id present once"
    assert_json "$apps" "[.[] | select(.id == \"$id\")][0].form.unit.credit_code" "$cc" "$id credit code"
    assert_json "$apps" "[.[] | select(.id == \"$id\")][0].state" "$st" "$id state"
done <"$SB_WORK/acked"

ev=$(sb_all_events)
assert_json "$ev" '[.[].seq | tonumber] == [range(1; length + 1)]' true "events 1..N without gaps"
assert_json "$ev" length "$acked_events" "every acknowledged event once"
st=$(ctl --json status)
assert_json "$st" .last_seq "$acked_events" "status last_seq after the restart"
assert_json "$st" '[.counts[] | select(.kind == "application" and .state == "under_review") | .count | tonumber] | add' \
    3 "status count under review"

# it carries on where it stopped
next=$(sb_apply 99)
assert_eq "app-000013" "$next" "id of the first write after the crash"

# a hot backup holds every write acknowledged before it was asked for, although
# the next timed checkpoint is a minute away: it waits for one of its own
out=$(ctl backup "$SB_TMP/backup")
assert_match "$out" "events up to $((acked_events + 1)); verified$" "the backup's last event"
sb_run "$SKILLBASED" --restore-check "$SB_TMP/backup"
assert_eq 0 "$SB_RC" "restore-check of the backup (stderr: $SB_ERR)"

# a clean stop checkpoints: LMDB holds everything by itself
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "clean stop"
assert_eq $((acked_events + 1)) "$(lmdb_last_seq)" "events in LMDB after a clean stop"
