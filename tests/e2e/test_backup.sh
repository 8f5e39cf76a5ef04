#!/usr/bin/env bash
# Hot backup while writes are running: `skillbasectl backup DIR` returns once
# the daemon's compacted copy is on disk and verified; writers are answered
# throughout; `skillbased --restore-check` finds the copy sound; a daemon
# started on the copy serves exactly the live store's history up to the
# copy's last sequence (a consistent snapshot, not a torn one); bad target
# directories are refused with the reason; a repeated request for the same
# directory answers the backup's state; a directory that holds no store
# fails the check.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

# some history first: a sub-base, assessed
base=$(sb_new_base 1)
ctl assess "$base" -f "$SB_EXAMPLES/scores-good.json" -r "first assessment" >/dev/null

# ------------------------------------------------------------ writers keep writing
stop=$SB_WORK/stop-writers
writer() { # FIRST-N: apply forms with credit codes FIRST-N, FIRST-N+1, ... until told to stop
    local n=$1 id
    while [ ! -e "$stop" ]; do
        id=$("$SKILLBASECTL" --timeout 10000 apply "$(sb_form "$(sb_cc "$n")")") ||
            { echo "apply $n failed" >>"$SB_WORK/writer.errors"; return 1; }
        "$SKILLBASECTL" --timeout 10000 review "$id" -r "on-site review" >/dev/null ||
            { echo "review $id failed" >>"$SB_WORK/writer.errors"; return 1; }
        echo "$id" >>"$SB_WORK/written.$1"
        n=$((n + 1))
    done
}
writer 1000 &
w1=$!
writer 5000 &
w2=$!
SB_BG_PIDS+=("$w1" "$w2")
# wait until both are writing
SB_WAIT_DIAG='cat "$SB_WORK/writer.errors"' sb_wait_until 30 "both writers to start" \
    test -s "$SB_WORK/written.1000" -a -s "$SB_WORK/written.5000"

out=$(ctl backup "$SB_TMP/backup1")
assert_match "$out" "^backup to $SB_TMP/backup1: done in [0-9.]+ s: [0-9]+ bytes, [0-9]+ records, events up to [0-9]+; verified$" "backup verdict"
# a second one, relative to the current directory, still while writing
json2=$(cd "$SB_TMP" && ctl --json backup backup2)
assert_json "$json2" .state backup_done "second backup"
assert_json "$json2" .dir "$SB_TMP/backup2" "second backup's absolute directory"
assert_json "$json2" .done 2 "backups done since start"

# let the writers write a little more after the backups, then stop them
sleep 0.5
touch "$stop"
wait "$w1" || sb_fail "writer 1 failed: $(cat "$SB_WORK/writer.errors" 2>/dev/null)"
wait "$w2" || sb_fail "writer 2 failed: $(cat "$SB_WORK/writer.errors" 2>/dev/null)"
SB_BG_PIDS=()
written=$(cat "$SB_WORK"/written.* | wc -l)
((written >= 2)) || sb_fail "the writers wrote only $written applications"

status=$(ctl --json status)
live_seq=$(jget "$status" .last_seq)
b1_seq=$(jget "$(ctl --json backup-status)" .last_seq)
assert_json "$status" .backup.state backup_done "status shows the latest backup"
b2_seq=$(jget "$json2" .last_seq)
((b2_seq <= live_seq)) || sb_fail "the backup holds sequence $b2_seq, beyond the live $live_seq"

# ------------------------------------------------------------ the copies verify
for b in backup1 backup2; do
    sb_run "$SKILLBASED" --restore-check "$SB_TMP/$b"
    assert_eq 0 "$SB_RC" "restore-check of $b (stderr: $SB_ERR)"
    assert_match "$SB_OUT" "^$SB_TMP/$b: schema [0-9]+, [0-9]+ records .* events \(last seq [0-9]+, [0-9]+ checked in the audit chain\).*: OK$" "restore-check report"
    # every event's link in the audit chain was checked
    last=$(sed -n 's/.*last seq \([0-9]*\), \([0-9]*\) checked.*/\1 \2/p' <<<"$SB_OUT")
    assert_eq "${last% *}" "${last#* }" "events checked in the audit chain of $b"
    [ ! -e "$SB_TMP/$b/lock.mdb" ] || sb_fail "restore-check left $b/lock.mdb behind"
done
# the verifier is not fooled by a directory without a store
mkdir "$SB_TMP/empty"
sb_run "$SKILLBASED" --restore-check "$SB_TMP/empty"
assert_eq 1 "$SB_RC" "restore-check of an empty directory"
assert_contains "$SB_ERR" "no store in $SB_TMP/empty" "the reason"

# ------------------------------------------------------------ a restored daemon serves the snapshot
live_events=$(sb_all_events)
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "live daemon's exit status"
restored=$SB_TMP/restored
cp -a "$SB_TMP/backup2" "$restored"
export SKILLBASE_ENDPOINT="ipc://$restored/command.sock"
sb_launch --state-dir "$restored" --log-level warn
sb_wait_ready
rstatus=$(ctl --json status)
assert_json "$rstatus" .last_seq "$b2_seq" "restored last sequence"
restored_events=$(sb_all_events)
# exactly the live history up to the copy's last sequence
want=$(jq -c --argjson n "$b2_seq" '[.[] | select(.seq <= $n)]' <<<"$live_events")
got=$(jq -c . <<<"$restored_events")
[ "$want" = "$got" ] || sb_fail "the restored event log is not the live log's first $b2_seq events"
# and every record's latest event matches its state
ids=$(jq -r '[.[].entity_id] | unique | .[]' <<<"$restored_events")
for id in $(printf '%s\n' "$ids" | sed -n 1,20p); do
    last_to=$(jq -r --arg id "$id" '[.[] | select(.entity_id == $id)][-1].to_state' <<<"$restored_events")
    assert_eq "$last_to" "$(sb_state "$id")" "state of $id in the restored store"
done
# the restored daemon goes on from there
next=$(sb_apply 9000)
assert_match "$next" '^app-[0-9]{6}$' "a new application on the restored store"
assert_json "$(ctl --json status)" .last_seq $((b2_seq + 1)) "sequence after the restore"
sb_stop_daemon TERM
export SKILLBASE_ENDPOINT="ipc://$SB_STATE/command.sock"

# ------------------------------------------------------------ refusals
sb_start_daemon
sb_ctl_fails 1 invalid backup "$SB_TMP/backup1"
sb_err_names "not empty"
sb_ctl_fails 1 invalid backup "$SB_TMP/no/such/parent"
sb_err_names "parent directory does not exist"
touch "$SB_TMP/a-file"
sb_ctl_fails 1 invalid backup "$SB_TMP/a-file"
sb_err_names "$SB_TMP/a-file"
sb_ctl_fails 2 invalid backup
# the same directory as the latest backup answers its state (a retry)
ctl backup "$SB_TMP/backup3" >/dev/null
again=$(ctl --json backup "$SB_TMP/backup3")
assert_json "$again" .state backup_done "repeated backup request"
assert_json "$again" .done 1 "no second copy was made"
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "exit status"
