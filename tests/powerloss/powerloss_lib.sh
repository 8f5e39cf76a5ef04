# shellcheck shell=bash
# Helpers of the power-loss harness (tests/powerloss/test_*.sh,
# docs/powerloss.md), on top of the fault suite's (tests/faults/faults_lib.sh).
#
#   pl_record          run the daemon under the shim through a concurrent load;
#                      leaves $PL_BASE (the directory it started from), $PL_TRACE
#                      and $PL_LEDGER (acknowledged writes with their trace marks)
#   pl_check_images N  build N crash images from the trace and check each;
#                      counts in PL_CHECKED, PL_FAILED, PL_FAIL_* and the first
#                      failure in PL_FIRST_FAILURE
#
# ctest sets SB_POWERLOSS (the image builder) and SB_PL_SHIM (the shim); by
# hand: SB_POWERLOSS=build/tests/powerloss/sb_powerloss
#       SB_PL_SHIM=build/tests/powerloss/pl_shim.so (and the fault suite's).
# Knobs: SB_POWERLOSS_SEED (default: random, printed), SB_POWERLOSS_APPS
# (applications each lane takes through their life, default 6),
# SB_POWERLOSS_CLIENTS (default 8, two requests in flight each),
# SB_POWERLOSS_FROM_EMPTY=1 (trace the store's creation too: start from an
# empty state directory).

# shellcheck source=../faults/faults_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../faults/faults_lib.sh"

: "${SB_POWERLOSS:=$SB_REPO_DIR/build/tests/powerloss/sb_powerloss}"
: "${SB_PL_SHIM:=$SB_REPO_DIR/build/tests/powerloss/pl_shim.so}"

pl_setup() {
    fault_setup
    [ -x "$SB_POWERLOSS" ] || sb_fail "SB_POWERLOSS=$SB_POWERLOSS is not the built sb_powerloss"
    [ -f "$SB_PL_SHIM" ] || sb_fail "SB_PL_SHIM=$SB_PL_SHIM is not the built shim"
    PL_SEED=${SB_POWERLOSS_SEED:-$((RANDOM * 32768 + RANDOM))}
    PL_BASE=$SB_WORK/base
    PL_TRACE=$SB_WORK/trace
    PL_COUNTER=$SB_WORK/counter
    PL_LEDGER=$SB_WORK/ledger
    # a daemon built with AddressSanitizer wants its runtime first in the
    # list of preloaded libraries
    PL_PRELOAD=$SB_PL_SHIM
    local asan
    asan=$(ldd "$SKILLBASED" | awk '/libasan/ { print $3 }')
    [ -z "$asan" ] || PL_PRELOAD="$asan:$SB_PL_SHIM"
    sb_note "seed $PL_SEED (SB_POWERLOSS_SEED=$PL_SEED repeats this run's cuts and choices)"
}

# Copy the regular files of a state directory but the lock files (LMDB's
# and the daemon's: rebuilt at start, not state).
pl_copy_state() { # FROM TO
    mkdir -p "$2"
    find "$1" -maxdepth 1 -type f ! -name lock.mdb ! -name skillbased.lock \
        -exec cp {} "$2/" \;
}

# A store made and closed cleanly (the starting point, every file durable),
# then the daemon under the shim through SB_POWERLOSS_LOAD_SECONDS of load
# from SB_POWERLOSS_CLIENTS clients, and SIGKILL. Extra arguments go into the
# traced daemon's environment (e.g. SB_TEST_UNSAFE_NOSYNC=1).
pl_record() { # [VAR=VALUE...]
    local real=$SKILLBASED wrapper=$SB_WORK/traced-skillbased
    if [ "${SB_POWERLOSS_FROM_EMPTY:-0}" = 1 ]; then
        mkdir -p "$PL_BASE" # the store's creation traced too
    else
        sb_start_daemon
        sb_stop_daemon TERM
        assert_eq 0 "$SB_EXIT_STATUS" "exit status of the daemon that made the store"
        pl_copy_state "$SB_STATE" "$PL_BASE"
    fi
    {
        echo '#!/bin/sh'
        printf 'exec env LD_PRELOAD=%q PL_DIR=%q PL_TRACE=%q PL_COUNTER=%q PL_IGNORE=lock.mdb:skillbased.lock:data.mdb.new-lock' \
            "$PL_PRELOAD" "$SB_STATE" "$PL_TRACE" "$PL_COUNTER"
        [ $# -eq 0 ] || printf ' %q' "$@"
        printf ' %q "$@"\n' "$real"
    } >"$wrapper"
    chmod +x "$wrapper"
    SKILLBASED=$wrapper
    sb_start_daemon
    SKILLBASED=$real
    fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients "${SB_POWERLOSS_CLIENTS:-8}" \
        --lanes 2 --ingest --reads-every 7 --apps "${SB_POWERLOSS_APPS:-6}" --quiet \
        --check --ledger "$PL_LEDGER" --mark-file "$PL_COUNTER"
    PL_LOAD_LINE=$SB_OUT
    sb_stop_daemon KILL
    "$SB_POWERLOSS" info --base "$PL_BASE" --trace "$PL_TRACE" >"$SB_WORK/info" ||
        sb_fail "sb_powerloss could not read the trace"
    PL_INFO=$(cat "$SB_WORK/info")
    fault_inject "traced: $(wc -l <"$PL_LEDGER") acknowledged writes from" \
        "${SB_POWERLOSS_CLIENTS:-8} clients x 2 in flight; trace: $PL_INFO"
}

# One crash image checked: the daemon opens it, every write acknowledged
# before the cut is in its log exactly once with the sequence its answer
# named, the log is numbered without a gap, the audit chain holds, the
# daemon stops cleanly, and --restore-check passes. Returns 0, or 1 with
# the reason in PL_REASON and its kind in PL_WHY (open, ledger, stop,
# restore).
pl_check_image() { # DIR CUT
    local dir=$1 cut=$2 ep="ipc://$1/command.sock" deadline st=0
    awk -v c="$cut" 'NF >= 4 && $4 <= c' "$PL_LEDGER" >"$SB_WORK/ledger.cut"
    PL_ACKED=$(wc -l <"$SB_WORK/ledger.cut")
    sb_launch --state-dir "$dir" --log-level warn
    deadline=$((SECONDS + SB_READY_SECS))
    until "$SKILLBASECTL" --endpoint "$ep" --timeout 300 status >/dev/null 2>&1; do
        if ! sb_alive "$SB_PID" || ((SECONDS >= deadline)); then
            kill -KILL "$SB_PID" 2>/dev/null || true
            wait "$SB_PID" 2>/dev/null || st=$?
            SB_PID=""
            PL_WHY=open
            PL_REASON="the daemon did not open the image (exit $st): $(tail -n 3 "$SB_DAEMON_ERR" | tr '\n' ' ')"
            return 1
        fi
        sleep 0.05
    done
    if ! "$SB_FAULT" check --endpoint "$ep" --ledger "$SB_WORK/ledger.cut" \
        >"$SB_WORK/check.out" 2>"$SB_WORK/check.err"; then
        sb_stop_daemon KILL
        PL_WHY=ledger
        PL_REASON="of $PL_ACKED writes acknowledged before the cut: $(grep -v '^sb_fault: check:' \
            "$SB_WORK/check.err" | head -n 3 | tr '\n' ' ')"
        return 1
    fi
    sb_stop_daemon TERM
    if [ "$SB_EXIT_STATUS" -ne 0 ]; then
        PL_WHY=stop
        PL_REASON="the daemon exited $SB_EXIT_STATUS on SIGTERM: $(tail -n 3 "$SB_DAEMON_ERR" | tr '\n' ' ')"
        return 1
    fi
    if ! "$SKILLBASED" --restore-check "$dir" >"$SB_WORK/restore.out" 2>&1; then
        PL_WHY=restore
        PL_REASON="skillbased --restore-check: $(tail -n 3 "$SB_WORK/restore.out" | tr '\n' ' ')"
        return 1
    fi
    return 0
}

# Build and check N images (cuts and choices from PL_SEED, or the lines
# "CUT KEEP SEED" of CUTS_FILE). With STOP_AT_FIRST=1 the test fails at the
# first image that does not hold (the image is kept in $SB_WORK/failed);
# else the failures are counted.
pl_check_images() { # N STOP_AT_FIRST [CUTS_FILE]
    local n=$1 stop=$2 cut keep seed img=$SB_TMP/img pending kept
    PL_CHECKED=0 PL_FAILED=0 PL_FAIL_open=0 PL_FAIL_ledger=0 PL_FAIL_stop=0 PL_FAIL_restore=0
    PL_FIRST_FAILURE="" PL_PENDING=0 PL_KEPT=0 PL_ACKED_MAX=0 PL_ACKED_SUM=0
    if [ -n "${3:-}" ]; then
        cp "$3" "$SB_WORK/cuts"
    else
        "$SB_POWERLOSS" cuts --base "$PL_BASE" --trace "$PL_TRACE" --count "$n" \
            --seed "$PL_SEED" >"$SB_WORK/cuts" || sb_fail "sb_powerloss cuts failed"
    fi
    while read -r cut keep seed <&3; do
        rm -rf "$img"
        "$SB_POWERLOSS" image --base "$PL_BASE" --trace "$PL_TRACE" --cut "$cut" --keep "$keep" \
            --seed "$seed" --out "$img" >"$SB_WORK/image.out" 2>"$SB_WORK/image.err" ||
            sb_fail "sb_powerloss could not build the image at cut $cut: $(cat "$SB_WORK/image.err")"
        read -r _ pending _ kept _ <"$SB_WORK/image.out"
        PL_PENDING=$((PL_PENDING + pending)) PL_KEPT=$((PL_KEPT + kept))
        PL_CHECKED=$((PL_CHECKED + 1))
        if pl_check_image "$img" "$cut"; then
            PL_ACKED_SUM=$((PL_ACKED_SUM + PL_ACKED))
            ((PL_ACKED <= PL_ACKED_MAX)) || PL_ACKED_MAX=$PL_ACKED
            continue
        fi
        printf -v "PL_FAIL_$PL_WHY" '%d' $((PL_FAIL_$PL_WHY + 1))
        PL_FAILED=$((PL_FAILED + 1))
        local what
        what="cut $cut of $(fault_count records "$PL_INFO") records, keep $keep, seed $seed"
        what="$what ($pending pages pending, $kept kept): $PL_REASON"
        [ -n "$PL_FIRST_FAILURE" ] || PL_FIRST_FAILURE=$what
        if [ "$stop" = 1 ]; then
            rm -rf "$SB_WORK/failed"
            cp -r "$img" "$SB_WORK/failed"
            SB_KEEP_TMP=1
            sb_fail "crash image $PL_CHECKED does not hold: $what (image kept in $SB_WORK/failed)"
        fi
    done 3<"$SB_WORK/cuts"
}
