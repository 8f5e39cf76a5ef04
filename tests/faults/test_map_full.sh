#!/usr/bin/env bash
# Fault: the store's map fills up. The daemon starts with a 1 MiB map
# (--map-size-mb 1) under a burst of 16 clients (SB_FAULT_SECONDS, default
# 8 s) while a worker takes the notify jobs (so the broker's own commits hit
# the full map too). The map must grow by itself and no request may fail for
# it: every answer OK, every acknowledged write once in the log, replays
# give the first answers, the audit chain holds. A restart on the grown
# store with --map-size-mb 1 again must serve the data.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

SECS=${SB_FAULT_SECONDS:-8}
MIB=1048576
sb_start_daemon --map-size-mb 1 --log-level info
map0=$(jget "$(ctl --json status)" .map_bytes)
assert_eq "$MIB" "$map0" "initial map"
fault_start_worker worker "$SB_TEST_WORKER" --endpoint "ipc://$SB_STATE/worker.sock" \
    --name notify-map --capacity 4
fault_inject "a 1 MiB map under $SECS s of writes from 16 clients and a worker taking jobs"
fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients 16 --ingest --reads-every 5 \
    --seconds "$SECS" --timeout-ms 5000 --check --ledger "$SB_WORK/ledger"
writes=$(fault_count writes "$SB_OUT")

st=$(ctl --json status)
map=$(jget "$st" .map_bytes)
used=$(jget "$st" .store_bytes)
grown=$(grep -c 'map of .* grown from' "$SB_DAEMON_ERR" || true)
[ "$map" -gt "$MIB" ] || sb_fail "the map did not grow (still $map bytes, $used in use)"
[ "$grown" -ge 1 ] || sb_fail "the daemon log does not say the map was grown"
assert_not_contains "$(cat "$SB_DAEMON_ERR")" "not committed" "daemon log"
assert_not_contains "$(cat "$SB_DAEMON_ERR")" "store_full" "daemon log"
fault_check "the map grew $grown times, 1 MiB to $((map / MIB)) MiB ($((used / 1024)) KiB in use);" \
    "all $writes writes answered OK, none refused; each once in the log; replays match"

# the grown store opens again with the small map asked for
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status after SIGTERM"
sb_start_daemon --map-size-mb 1
fault_run check --endpoint "$SKILLBASE_ENDPOINT" --ledger "$SB_WORK/ledger"
fault_check "restarted with --map-size-mb 1 on the grown store: every write still there once"
fault_finish
