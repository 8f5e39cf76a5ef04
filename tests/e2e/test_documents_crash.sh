#!/usr/bin/env bash
# Uploads survive a crash (docs/storage.md "Documents"): while three
# clients upload documents of random sizes, the daemon is killed with
# SIGKILL at a random moment, several times. After each kill, before the
# restart, `skillbased --restore-check` finds the store sound: no record
# names a missing or damaged file; files of interrupted uploads and files
# whose commit never happened are accounted for, not problems. After each
# restart every upload that was acknowledged is listed with its size and
# SHA-256 and reads back byte for byte, and the start has removed the
# temporary files and the files no record names. At the end the audit
# chain verifies and restore-check counts no stray file.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon
id=$(sb_apply 1)
ROUNDS=${SB_DOC_CRASH_ROUNDS:-5}

uploader() { # N: upload until the daemon stops answering; log acknowledged ones
    local n=$1 i=0 f size
    while :; do
        i=$((i + 1))
        f=$SB_WORK/up.$n.$i
        size=$(( (RANDOM % 12 + 1) * 65536 + RANDOM ))
        head -c "$size" /dev/urandom >"$f"
        if "$SKILLBASECTL" --timeout 1000 documents add "$id" "$f" --kind other \
            -r "upload $n.$i" >/dev/null 2>"$f.err"; then
            echo "$(sha256sum "$f" | cut -d' ' -f1) $size" >>"$SB_WORK/acked"
            rm -f "$f"
        elif grep -q unavailable "$f.err"; then
            rm -f "$f"
            return 0   # the daemon is gone
        else
            echo "upload $n.$i refused: $(cat "$f.err")" >>"$SB_WORK/errors"
            return 1
        fi
    done
}

: >"$SB_WORK/acked"
for ((round = 1; round <= ROUNDS; round++)); do
    pids=()
    for n in 1 2 3; do
        uploader "$n" &
        pids+=($!)
    done
    SB_BG_PIDS=("${pids[@]}")
    # let some uploads finish and others be in flight
    sleep "$((1 + RANDOM % 2)).$((RANDOM % 10))"
    kill -KILL "$SB_PID"
    wait "$SB_PID" 2>/dev/null || true
    SB_PID=""
    for p in "${pids[@]}"; do
        wait "$p" || sb_fail "round $round: $(cat "$SB_WORK/errors" 2>/dev/null)"
    done
    SB_BG_PIDS=()
    # the killed store, before anything tidies it
    sb_run "$SKILLBASED" --restore-check "$SB_STATE"
    [ "$SB_RC" -eq 0 ] || sb_fail "round $round: restore-check after SIGKILL: $SB_OUT $SB_ERR"
    sb_note "round $round: $(head -n 1 <<<"$SB_OUT")"
    sb_start_daemon
    # every acknowledged upload is there, with its size and hash
    list=$(ctl --json documents list "$id")
    while read -r sha size; do
        got=$(jget "$list" "[.[] | select(.sha256 == \"$sha\")][0].size")
        assert_eq "$size" "$got" "round $round: acknowledged upload $sha"
    done <"$SB_WORK/acked"
    [ -z "$(ls -A "$SB_STATE/documents/tmp" 2>/dev/null)" ] || sb_fail "round $round: temporary files left after the start"
done

acked=$(wc -l <"$SB_WORK/acked")
((acked >= ROUNDS)) || sb_fail "only $acked uploads were acknowledged in $ROUNDS rounds"
# one of them, byte for byte
last=$(tail -n 1 "$SB_WORK/acked" | cut -d' ' -f1)
ctl documents get "$id" "$last" "$SB_WORK/back" >/dev/null 2>&1
[ "$(sha256sum "$SB_WORK/back" | cut -d' ' -f1)" = "$last" ] || sb_fail "read back other bytes"
assert_contains "$(ctl audit verify)" "match" "audit chain"
sb_stop_daemon
sb_run "$SKILLBASED" --restore-check "$SB_STATE"
[ "$SB_RC" -eq 0 ] || sb_fail "final restore-check: $SB_OUT $SB_ERR"
assert_contains "$SB_OUT" "0 unreferenced file(s)" "no stray file after a clean restart"
assert_contains "$SB_OUT" "0 file(s) of unfinished uploads" "no temporary file"
sb_note "$acked uploads acknowledged over $ROUNDS kills, each present and intact"
