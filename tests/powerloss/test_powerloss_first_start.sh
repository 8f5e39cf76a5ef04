#!/usr/bin/env bash
# Power loss during the very first start: the daemon makes its store and
# its CURVE key pair in an empty state directory. Every trace position from
# the first record to the answer of the first write is cut, each with none,
# half (two draws) and all of the unsynced pages kept; each image must be
# one the daemon starts on by itself (a half-written key file or store
# would need an operator) and must hold what was acknowledged.
source "$(dirname "$0")/powerloss_lib.sh"
pl_setup

SB_POWERLOSS_FROM_EMPTY=1 SB_POWERLOSS_APPS=1 pl_record
first=$(awk 'NF >= 4 { print $4 }' "$PL_LEDGER" | sort -n | sed -n 1p) # not head: sort's SIGPIPE
[ -n "$first" ] || sb_fail "no acknowledged write carries a trace mark"
for ((c = 0; c <= first; c++)); do
    printf '%d 0.0 1\n%d 0.5 %d\n%d 0.5 %d\n%d 1.0 1\n' "$c" "$c" $((PL_SEED + c)) "$c" \
        $((PL_SEED + c + 7919)) "$c"
done >"$SB_WORK/first-cuts"
pl_check_images 0 1 "$SB_WORK/first-cuts"
fault_check "$PL_CHECKED crash images of the first start (every position up to the first" \
    "acknowledged write, at $first of $(fault_count records "$PL_INFO") records) each opened" \
    "by the daemon by itself, verified, and held what was acknowledged"
sb_note "took $((SECONDS - FAULT_T0)) s"
