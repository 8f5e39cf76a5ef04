#!/usr/bin/env bash
# Load held: a soak at a steady rate with every worker running.
#
# The daemon, skillbase-notify (spool), skillbase-deadlines and
# skillbase-subsidy run while 8 clients send SB_SOAK_RATE requests a second
# (default 40: applications through their whole life, objections,
# competitions and delivered services by ingest, reads) for SB_SOAK_SECONDS
# (default 90; an hour: SB_SOAK_SECONDS=3600). Every SB_SOAK_SAMPLE_SECONDS
# (default 3) the latency percentiles of the requests answered in that
# window and the daemon's memory (RSS, anonymous), descriptors and threads
# go into soak.csv, plotted into soak.png (gnuplot) — both copied to
# SB_FAULT_OUT (the build's tests/faults/) for an operator to look at.
#
# Trend checks, not speed: the daemon's anonymous memory must not grow
# steadily over the second half (least-squares slope at most
# SB_SOAK_MAX_SLOPE KiB/min, default 2048) and the median p99 of the last
# third must not exceed 3x the first third's (unless under 100 ms). Then the
# workers must have kept up (their job types drain), and the log holds.
source "$(dirname "$0")/faults_lib.sh"
fault_setup

SECS=${SB_SOAK_SECONDS:-90}
RATE=${SB_SOAK_RATE:-40}
SAMPLE=${SB_SOAK_SAMPLE_SECONDS:-3}
MAX_SLOPE=${SB_SOAK_MAX_SLOPE:-2048}
command -v gnuplot >/dev/null ||
    sb_fail "gnuplot is needed to plot the soak (Debian package gnuplot-nox; ./setup.sh test installs it)"
for w in NOTIFY DEADLINES SUBSIDY; do
    v=SKILLBASE_$w
    [ -x "${!v:-}" ] || sb_fail "$v=${!v:-} is not the built skillbase-${w,,}"
done
cat >"$SB_WORK/skillbase.ini" <<'EOF'
[workers]
heartbeat_ms = 500
EOF
sb_start_daemon --config "$SB_WORK/skillbase.ini"
WORKER_EP="ipc://$SB_STATE/worker.sock"
fault_start_worker notify "$SKILLBASE_NOTIFY" --endpoint "$WORKER_EP" \
    --command-endpoint "$SKILLBASE_ENDPOINT" --name notify-soak --spool-dir "$SB_WORK/notices"
fault_start_worker deadlines "$SKILLBASE_DEADLINES" --endpoint "$WORKER_EP" \
    --command-endpoint "$SKILLBASE_ENDPOINT" --name deadlines-soak
fault_start_worker subsidy "$SKILLBASE_SUBSIDY" --endpoint "$WORKER_EP" \
    --command-endpoint "$SKILLBASE_ENDPOINT" --name subsidy-soak

fault_inject "a steady $RATE requests/s from 8 clients for $SECS s with the three workers running"
CSV=$SB_WORK/soak.csv
fault_run load --endpoint "$SKILLBASE_ENDPOINT" --clients 8 --lanes 2 --ingest --reads-every 4 \
    --rate "$RATE" --seconds "$SECS" --timeout-ms 5000 --pid "$SB_PID" --csv "$CSV" \
    --sample-ms $((SAMPLE * 1000)) --check --ledger "$SB_WORK/soak.ledger"
answered=$(fault_count answered "$SB_OUT")

# the plot, for people; then the verdict
PNG=$SB_WORK/soak.png
gnuplot <<EOF || sb_fail "gnuplot could not plot $CSV"
set terminal png size 1100,800
set output '$PNG'
set datafile separator ','
set key autotitle columnhead left top
set multiplot layout 2,1 title 'skillbased soak: $RATE requests/s, $SECS s, three workers'
set ylabel 'latency (ms)'
set grid
plot '$CSV' using 1:4 with lines title 'p50', '' using 1:5 with lines title 'p90', \
     '' using 1:6 with lines title 'p99'
set xlabel 'seconds'
set ylabel 'daemon memory (MiB)'
plot '$CSV' using 1:(\$8/1024) with lines title 'RSS', '' using 1:(\$9/1024) with lines title 'anonymous'
unset multiplot
EOF
[ -s "$PNG" ] || sb_fail "no plot written"
mkdir -p "$SB_FAULT_OUT"
cp "$CSV" "$PNG" "$SB_FAULT_OUT/" 2>/dev/null || sb_note "cannot copy the soak's CSV and plot to $SB_FAULT_OUT"
sb_note "samples: $SB_FAULT_OUT/soak.csv, plot: $SB_FAULT_OUT/soak.png"
fault_run trend --csv "$CSV" --max-anon-slope "$MAX_SLOPE" --max-p99-ratio 3 --p99-floor-ms 100

# the workers kept up: what they take drains soon after the load stops
for t in notify publicity.schedule subsidy.statement; do
    fault_wait 120 "the $t jobs to drain" fault_jobs_settled "$t"
done
assert_eq 0 "$(fault_jobs_count parked)" "parked jobs"
fault_run check --endpoint "$SKILLBASE_ENDPOINT" --ledger "$SB_WORK/soak.ledger"
fault_check "$answered requests in $SECS s at a steady rate: no steady memory growth, no p99" \
    "drift; the workers kept up (no backlog, nothing parked); log and audit chain hold"
fault_finish
