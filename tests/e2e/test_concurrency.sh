#!/usr/bin/env bash
# Races between clients (the daemon commits requests in batches, so each
# rule must see the writes of the other requests of the same batch):
# - the same idempotency key sent by many clients at once makes one record,
#   and every client gets the same id;
# - many applications for one credit code at once: exactly one is accepted,
#   the others are refused as conflict;
# - many writes at --expect-version 1: exactly one wins, the others get
#   stale_version; many bare transitions: one wins, the others wrong_state;
# - afterwards the event log is numbered 1..N without gaps and matches the
#   records' versions.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

N=8

# run_many NAME ARGS...: N clients at once; results in $SB_WORK/NAME.i
# ("<exit status> <stdout>" then stderr lines)
run_many() {
    local name=$1 i pids=()
    shift
    sb_expert_args "$@"
    for ((i = 1; i <= N; i++)); do
        (
            rc=0
            out=$("$SKILLBASECTL" --timeout 10000 "${SB_ARGS[@]}" 2>"$SB_WORK/$name.$i.err") || rc=$?
            printf '%s %s\n' "$rc" "$out" >"$SB_WORK/$name.$i"
            cat "$SB_WORK/$name.$i.err" >>"$SB_WORK/$name.$i"
        ) &
        pids+=($!)
    done
    for p in "${pids[@]}"; do
        wait "$p"
    done
}

# how many clients of NAME exited with STATUS
count_rc() { # NAME STATUS
    local i c=0
    for ((i = 1; i <= N; i++)); do
        if [ "$(head -n 1 "$SB_WORK/$1.$i" | cut -d' ' -f1)" = "$2" ]; then c=$((c + 1)); fi
    done
    printf '%s\n' "$c"
}

# every failed client of NAME printed CODE
all_failures_are() { # NAME CODE
    local i
    for ((i = 1; i <= N; i++)); do
        if [ "$(head -n 1 "$SB_WORK/$1.$i" | cut -d' ' -f1)" != 0 ]; then
            grep -q "^skillbasectl: $2: " "$SB_WORK/$1.$i" ||
                sb_fail "$1 client $i: expected a $2 refusal, got: $(cat "$SB_WORK/$1.$i")"
        fi
    done
}

# ------------------------------------------------------------ one key, many clients
form=$(sb_form "$(sb_cc 1)")
run_many samekey -k "race-key-$$" apply "$form"
assert_eq "$N" "$(count_rc samekey 0)" "clients of one idempotency key that succeeded (all should)"
ids=$(for ((i = 1; i <= N; i++)); do head -n 1 "$SB_WORK/samekey.$i" | cut -d' ' -f2; done | sort -u)
assert_eq app-000001 "$ids" "ids printed to the clients of one key"
assert_eq 1 "$(sb_count --kind application)" "applications made by one key"

# ------------------------------------------------------------ one credit code, many keys
form=$(sb_form "$(sb_cc 2)")
run_many samecc apply "$form"
assert_eq 1 "$(count_rc samecc 0)" "concurrent applications for one credit code accepted"
assert_eq $((N - 1)) "$(count_rc samecc 1)" "concurrent applications for one credit code refused"
all_failures_are samecc conflict
assert_json "$(ctl --json list --kind application)" \
    "[.[] | select(.form.unit.credit_code == \"$(sb_cc 2)\")] | length" 1 "stored applications for one credit code"

# ------------------------------------------------------------ expected version
id=$(sb_apply 3)
run_many stale -V 1 review "$id" -r "race"
assert_eq 1 "$(count_rc stale 0)" "concurrent writes at --expect-version 1 that won"
all_failures_are stale stale_version
rec=$(sb_show "$id")
assert_json "$rec" .version 2 "version after the race"
assert_json "$(ctl --json history "$id")" length 2 "events after the race"

# ------------------------------------------------------------ bare transitions
run_many bare evaluate "$id" --pass -r "race"
assert_eq 1 "$(count_rc bare 0)" "concurrent evaluate --pass that won"
all_failures_are bare wrong_state
sb_publicity_over
run_many close close-publicity "$id"
assert_eq 1 "$(count_rc close 0)" "concurrent close-publicity that won"
all_failures_are close wrong_state
assert_json "$(ctl --json list --kind base)" length 1 "sub-bases made by concurrent close-publicity"
assert_json "$(sb_show "$id")" .version 4

# ------------------------------------------------------------ the log
ev=$(sb_all_events)
assert_json "$ev" '[.[].seq | tonumber] == [range(1; length + 1)]' true "event sequence 1..N without gaps"
# one event per version of every record
recs=$(ctl --json list)
assert_json "$recs" '[.[].version | tonumber] | add' "$(jget "$ev" length)" "events = sum of record versions"
assert_json "$(ctl --json status)" .last_seq "$(jget "$ev" length)" "status last_seq"
