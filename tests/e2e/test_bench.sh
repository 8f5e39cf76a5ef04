#!/usr/bin/env bash
# skillbase-bench works (its figures are not asserted: speed is never a test):
# - against a daemon the test started (--endpoint), --clients 4 --seconds 2
#   --json prints one JSON object with the figures scripts rely on, the
#   clients completed transitions and were refused nothing, and the daemon
#   holds what they made (sub-bases assessed, events logged);
# - starting a daemon of its own over tcp (CURVE keys made by the benchmark),
#   with a small preload, it reports
#   the daemon's CPU and memory, its start-up time and the records made, and
#   leaves no temporary directory behind;
# - a bad flag is refused with exit status 2 and a message naming it.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
: "${SKILLBASE_BENCH:=$SB_REPO_DIR/build/bench/skillbase-bench}"
[ -x "$SKILLBASE_BENCH" ] || sb_fail "SKILLBASE_BENCH=$SKILLBASE_BENCH is not an executable"

# A number > 0 (jq prints floats as e.g. 1234.5).
assert_positive() { # JSON FILTER
    local v
    v=$(jget "$1" "$2")
    jq -e -n --argjson v "$v" '$v > 0' >/dev/null 2>&1 ||
        sb_fail "$2: expected a number > 0, got '$v'"
}

# ------------------------------------------------------------ against our daemon
sb_start_daemon
bench_dir=$SB_TMP/bench
mkdir -p "$bench_dir"
sb_run "$SKILLBASE_BENCH" --endpoint "$SKILLBASE_ENDPOINT" --clients 4 --seconds 2 --json \
    --warmup 0.5 --floor-seconds 0.3 --list-pages 5 --dir "$bench_dir"
[ "$SB_RC" -eq 0 ] || sb_fail "skillbase-bench --endpoint failed ($SB_RC): $SB_ERR"
out=$SB_OUT
assert_eq 1 "$(printf '%s\n' "$out" | wc -l)" "lines of --json output"
for f in clients transitions_per_s p50_ms p99_ms lmdb_commit_ms lmdb_batched_puts_per_s \
    zmq_round_trip_ms runs; do
    assert_json "$out" "has(\"$f\")" true "--json output"
done
assert_json "$out" .clients 4
assert_json "$out" '.runs | length' 1 "runs"
assert_json "$out" .transport ipc
assert_json "$out" .daemon_started false
assert_positive "$out" .transitions_per_s
assert_positive "$out" .p50_ms
assert_positive "$out" .lmdb_commit_ms
assert_positive "$out" .lmdb_scattered_commit_ms
assert_positive "$out" .floor.lmdb_scattered_commit_ms
assert_positive "$out" .lmdb_batched_puts_per_s
assert_positive "$out" .zmq_round_trip_ms
assert_positive "$out" .latency_over_floor
assert_positive "$out" .latency_over_scattered_floor
# the messaging ceiling at the run's client count, and the run over it
assert_positive "$out" .messaging_ceiling_per_s
assert_positive "$out" .throughput_over_messaging_ceiling
assert_positive "$out" '.runs[0].messaging_ceiling_per_s'
# what the ceiling and the clients cost in CPU, per round trip and per transition
assert_positive "$out" .messaging_ceiling_cpu_us
assert_positive "$out" .client_cpu_us_per_transition
assert_json "$out" .refusals 0 \
    "refusals (by code: $(jq -c .refusals_by_code <<<"$out"); the benchmark said: $(grep 'refused' <<<"$SB_ERR" | head -n 5))"
for c in apply review evaluate close_publicity assess; do
    assert_positive "$out" ".commands.$c.count"
done
# the daemon's group-commit counters came through status
assert_positive "$out" .batches.count
assert_positive "$out" .batches.mean
assert_positive "$out" .batches.store_bytes_per_event
# no process figures for a daemon the benchmark did not start
assert_json "$out" 'has("daemon")' false

# What the clients made is in the store: assessed sub-bases, and one event
# per transition at least (close_publicity logs two).
st=$(ctl --json status)
assessed=$(jget "$st" '[.counts[] | select(.kind == "base" and .state == "assessed") | .count | tonumber] | add // 0')
[ "$assessed" -gt 0 ] || sb_fail "no assessed sub-base after the benchmark: $st"
transitions=$(jget "$out" .transitions)
[ "$(jget "$st" .last_seq)" -ge "$transitions" ] ||
    sb_fail "last_seq $(jget "$st" .last_seq) < $transitions transitions reported"
assert_json "$st" 'has("requests") and has("batches") and has("largest_batch")' true "status counters"
# the daemon still serves normally
sb_apply 1 >/dev/null
sb_stop_daemon
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status"

# ------------------------------------------------------------ its own daemon, tcp, preload
sb_run "$SKILLBASE_BENCH" --daemon "$SKILLBASED" --transport tcp --records 200 \
    --preload-clients 16 --clients 2 --seconds 1 --warmup 0.2 --floor-seconds 0.2 \
    --list-pages 3 --register-pages 2 --json --dir "$bench_dir"
[ "$SB_RC" -eq 0 ] || sb_fail "skillbase-bench --daemon failed ($SB_RC): $SB_ERR"
out=$SB_OUT
assert_json "$out" .daemon_started true
assert_json "$out" .transport tcp
assert_match "$(jget "$out" .endpoint)" '^tcp://127\.0\.0\.1:[0-9]+$' "endpoint"
assert_json "$out" '.records_preloaded >= 200' true "records preloaded"
assert_json "$out" '.store_records >= 200' true "records in the store before the run"
assert_json "$out" '.startup_records >= 200' true "records at the measured start-up"
assert_positive "$out" .startup_ms
assert_positive "$out" .daemon.cpu_s
assert_positive "$out" .daemon.peak_rss_mb
assert_positive "$out" .daemon.heap_mb
assert_positive "$out" .transitions_per_s
assert_positive "$out" .messaging_ceiling_per_s
assert_positive "$out" .list_page.count
# the registers' pages (docs/scaling.md): each timed, each with records
for reg in list roster results publicity-list; do
    assert_positive "$out" ".register_pages[\"$reg\"].pages"
    assert_positive "$out" ".register_pages[\"$reg\"].records"
    assert_positive "$out" ".register_pages[\"$reg\"].p50_ms"
done
assert_contains "$SB_ERR" "preloaded" "progress on stderr"
left=$(find "$bench_dir" -mindepth 1 -maxdepth 1 | wc -l)
assert_eq 0 "$left" "entries left in the benchmark's --dir"

# ------------------------------------------------------------ flags
sb_run "$SKILLBASE_BENCH" --clients zero
assert_eq 2 "$SB_RC" "exit status of a bad --clients"
sb_err_names "--clients" "zero"
sb_run "$SKILLBASE_BENCH" --register-pages many
assert_eq 2 "$SB_RC" "exit status of a bad --register-pages"
sb_err_names "--register-pages" "many"
sb_run "$SKILLBASE_BENCH" --transport udp
assert_eq 2 "$SB_RC" "exit status of a bad --transport"
sb_err_names "--transport" "udp"
sb_run "$SKILLBASE_BENCH" --help
assert_eq 0 "$SB_RC" "exit status of --help"
assert_contains "$SB_OUT" "--records N" "--help"
