#!/usr/bin/env bash
# Fault: the disk under the store fills up. The state directory lives on a
# small tmpfs (SB_FAULT_DISK_MB, default 24 MiB; mounting needs root: the
# test is skipped, saying so, where mounting is not permitted). Clients
# write steadily; a filler file then takes every free byte, SB_FAULT_ROUNDS
# times (default 2). While the disk is full:
#   - writes are refused with store_full and a message that says the disk is
#     full and that nothing was changed; the daemon keeps running;
#   - reads are served (status, show, the event log);
# and once the filler is deleted, writes are taken again without any
# operator action. The clients resend refused writes with the same bytes
# (as for busy); at the end every acknowledged write is in the log exactly
# once, its replay gives its first answer, the audit chain holds, and the
# store verifies.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

ROUNDS=${SB_FAULT_ROUNDS:-2}
DISK_MB=${SB_FAULT_DISK_MB:-24}

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP [$SB_TEST]: mounting a small tmpfs needs root (running as uid $(id -u))" >&2
    exit 77
fi
MNT=$(mktemp -d /tmp/sbdisk.XXXXXX)
if ! mount -t tmpfs -o "size=${DISK_MB}m,mode=0750" tmpfs "$MNT" 2>"$SB_WORK/mount.err"; then
    rmdir "$MNT"
    echo "SKIP [$SB_TEST]: cannot mount a tmpfs here: $(cat "$SB_WORK/mount.err")" >&2
    exit 77
fi
# the daemon and the clients go before the mount, then lib.sh's clean-up
disk_cleanup() {
    local rc=$? p
    for p in "${SB_BG_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    if [ -n "$SB_PID" ]; then
        kill -KILL "$SB_PID" 2>/dev/null || true
        wait "$SB_PID" 2>/dev/null || true
        SB_PID=""
    fi
    umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
    rmdir "$MNT" 2>/dev/null || true
    (exit "$rc")
    sb_cleanup
}
trap disk_cleanup EXIT
SB_STATE=$MNT/state
mkdir -p "$SB_STATE"
export SKILLBASE_ENDPOINT="ipc://$SB_STATE/command.sock"
sb_start_daemon --log-level info

# A steady writer that resends store_full refusals (code 10) like busy ones.
"$SB_FAULT" load --endpoint "$SKILLBASE_ENDPOINT" --clients 4 --ingest --rate 150 \
    --retry-code 10 --timeout-ms 5000 --give-up-ms 300000 --stop-file "$SB_WORK/stop" \
    --check --ledger "$SB_WORK/ledger" >"$SB_WORK/load.out" 2>"$SB_WORK/load.err" &
LOAD=$!
SB_BG_PIDS+=("$LOAD")
sleep 2

n=900000
next_form() { n=$((n + 1)); form=$(sb_form "$(sb_cc "$n")"); }
for ((r = 1; r <= ROUNDS; r++)); do
    # take every free block: the filler stops at ENOSPC
    dd if=/dev/zero of="$MNT/filler" bs=64k status=none 2>/dev/null || true
    free_kb=$(df -k --output=avail "$MNT" | tail -n 1 | tr -d ' ')
    fault_inject "round $r: the store's disk is full (a filler file took it, $free_kb KiB left)"
    # writes are refused, clearly, soon (pages LMDB had freed may still be reused)
    deadline=$((SECONDS + 60))
    while :; do
        next_form
        sb_run "$SKILLBASECTL" --timeout 10000 apply "$form"
        [ "$SB_RC" -eq 0 ] || break
        ((SECONDS < deadline)) || sb_fail "writes still accepted 60 s after the disk filled"
    done
    refusal=$SB_ERR
    assert_contains "$refusal" "skillbasectl: store_full: no space left on the disk" "refused write"
    assert_contains "$refusal" "nothing was changed" "refused write"
    sb_alive "$SB_PID" || sb_fail "the daemon died when the disk filled"
    # reads are served meanwhile
    ctl status >/dev/null
    ctl show app-000001 >/dev/null
    ctl events --from 1 --limit 5 >/dev/null
    sleep 2 # the clients keep trying (and being refused) meanwhile
    fault_check "round $r: writes refused ('$refusal'); status, show and events served"
    rm -f "$MNT/filler"
    fault_inject "round $r: space freed (filler deleted)"
    fault_wait 30 "a write to be accepted after space returned" "$SKILLBASECTL" apply "$form"
    fault_check "round $r: writes accepted again without any action on the daemon"
    sleep 2
done

touch "$SB_WORK/stop"
st=0
wait "$LOAD" || st=$?
sed "s/^/[$SB_TEST] /" "$SB_WORK/load.err" | grep -v ': [0-9]* s: ' >&2
[ "$st" -eq 0 ] || sb_fail "the clients or their checks failed (exit $st)"
refused=$(grep -o '[0-9]* answers with code 10' "$SB_WORK/load.err" | cut -d' ' -f1 || true)
[ "${refused:-0}" -gt 0 ] || sb_fail "the clients never saw a store_full refusal"
nospace=$(grep -c 'writes are refused until space is freed' "$SB_DAEMON_ERR" || true)
again=$(grep -c 'is writable again' "$SB_DAEMON_ERR" || true)
assert_eq "$ROUNDS" "$nospace" "daemon log lines 'no space left ... refused' (one per full disk)"
assert_eq "$ROUNDS" "$again" "daemon log lines 'writable again' (one per recovery)"
fault_check "the clients' $refused refused writes were resent and each applied once after space" \
    "returned; every acknowledged write once in the log, replays match, audit chain holds"
fault_finish
