#!/usr/bin/env bash
# Fault: SIGKILL of the daemon in the middle of a burst from 16 clients, at a
# random moment, SB_FAULT_ROUNDS times (default 20) on the same store.
#
# Each round: sb_fault starts 16 clients (applications through their whole
# life, objections and competitions by ingest, some reads), the daemon is
# killed 0.2-1.5 s in, the store as the crash left it is verified on a copy
# (skillbased --restore-check: indexes agree with records, log without gaps,
# audit chain), the daemon is restarted and the clients' retries (same
# bytes: same request id and idempotency key) go to the new daemon. Then the
# clients stop and sb_fault checks: every acknowledged write of this round,
# sent again, is answered from the idempotency store with its first answer
# (so a retry that followed a lost answer got the original one); every
# acknowledged write of every round so far caused exactly its events (found
# by request id), the last at the sequence its answer named; the log is
# numbered 1..last without a gap or a duplicate; the audit chain verifies.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

ROUNDS=${SB_FAULT_ROUNDS:-20}
CLIENTS=${SB_FAULT_CLIENTS:-16}
LEDGER=$SB_WORK/ledger
sb_start_daemon

acked=0 retried=0 events=0 lost=0
for ((r = 1; r <= ROUNDS; r++)); do
    stop=$SB_WORK/stop.$r
    "$SB_FAULT" load --endpoint "$SKILLBASE_ENDPOINT" --clients "$CLIENTS" --ingest \
        --reads-every 7 --timeout-ms 1000 --give-up-ms 60000 --stop-file "$stop" \
        --check --ledger "$LEDGER" >"$SB_WORK/load.$r.out" 2>"$SB_WORK/load.$r.err" &
    load=$!
    SB_BG_PIDS+=("$load")
    delay=$(fault_random 200 1500)
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    sb_stop_daemon KILL
    assert_eq 137 "$SB_EXIT_STATUS" "daemon exit status after SIGKILL"
    fault_inject "round $r: SIGKILL of the daemon ${delay} ms into a burst of $CLIENTS clients"
    fault_restore_check "left by SIGKILL in round $r"
    sb_start_daemon
    sleep 0.3
    touch "$stop"
    st=0
    wait "$load" || st=$?
    sed "s/^/[$SB_TEST] round $r: /" "$SB_WORK/load.$r.err" | grep -v ': [0-9]* s: ' >&2
    [ "$st" -eq 0 ] || sb_fail "round $r: the load or its checks failed (exit $st)"
    line=$(cat "$SB_WORK/load.$r.out")
    acked=$((acked + $(fault_count writes "$line")))
    retried=$((retried + $(fault_count retried "$line")))
    lost=$((lost + $(fault_count committed_before_loss "$line")))
    events=$((events + $(fault_count events "$line")))
done

ledger=$(wc -l <"$LEDGER")
assert_eq "$acked" "$ledger" "acknowledged writes in the ledger"
[ "$retried" -gt 0 ] || sb_fail "no request was in flight at any of the $ROUNDS kills (nothing retried)"
fault_check "$ROUNDS SIGKILLs: $acked acknowledged writes ($events events) each present exactly" \
    "once after every restart; $retried requests were in flight at a kill and retried with the" \
    "same key ($lost of them had committed before the kill: their retry got the stored answer)," \
    "every one answered as its replay is; the crash image verified each time"
fault_finish
