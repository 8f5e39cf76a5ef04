#!/usr/bin/env bash
# Threat: exhausting the daemon through its metrics endpoint, which has no
# authentication (docs/security.md, "Exhaustion"). 60 connections that
# never send a request: the daemon holds at most 16 of them at once (its
# descriptors grow by no more), closes each after 10 s, and keeps answering
# commands meanwhile; then a scrape is served again. Listening beyond
# loopback is warned about at start.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
SB_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
source "$SB_LIB_DIR/python_lib.sh"
sb_setup
sb_python_setup
command -v curl >/dev/null || sb_fail "curl is required"

sb_launch --state-dir "$SB_STATE" --log-level info --metrics-listen 127.0.0.1:0
sb_wait_ready
port=$(sed -n 's|.*metrics: serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$SB_DAEMON_ERR")
[ -n "$port" ] || sb_fail "the daemon did not log its metrics address: $(cat "$SB_DAEMON_ERR")"
assert_not_contains "$(cat "$SB_DAEMON_ERR")" "not a loopback address" "the log, listening on loopback"
fds() { find "/proc/$SB_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
curl -fsS --max-time 10 "http://127.0.0.1:$port/metrics" >/dev/null || sb_fail "the first scrape"
sleep 0.5
fd_before=$(fds)

"$PY" - "$port" >"$SB_WORK/idle.out" 2>"$SB_WORK/idle.err" <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(60)]
print("open", flush=True)
time.sleep(30)  # never a request; killed by the test
EOF
IDLE=$!
SB_BG_PIDS+=("$IDLE")
SB_WAIT_DIAG='cat "$SB_WORK/idle.err"' sb_wait_until 5 "the idle connections to open" grep -q open "$SB_WORK/idle.out"
peak=$(fds)
start=$SECONDS
for ((i = 0; i < 20; i++)); do
    ctl status >/dev/null || sb_fail "status was not answered while the metrics endpoint was held"
    now=$(fds)
    ((now > peak)) && peak=$now
    sleep 0.2
done
sb_note "descriptors $fd_before before, at most $peak with 60 idle metrics connections"
((peak <= fd_before + 16)) ||
    sb_fail "the daemon held $((peak - fd_before)) more descriptors for 60 idle metrics connections (bound 16)"
# beyond the 16 a connection is refused at once; each idle one is closed
# after 10 s, and then a scrape gets through
SB_WAIT_INTERVAL=0.5 sb_wait_until 30 "a scrape served after the idle connections" \
    curl -fsS --max-time 5 -o "$SB_WORK/scrape" "http://127.0.0.1:$port/metrics"
took=$((SECONDS - start))
assert_contains "$(cat "$SB_WORK/scrape")" "skillbase_requests_total" "the scrape after the idle connections"
sb_note "a scrape was served again after $took s"
kill "$IDLE" 2>/dev/null || true
sb_stop_daemon

# beyond loopback: warned about at start
sb_launch --state-dir "$SB_STATE" --log-level info --metrics-listen 0.0.0.0:0
sb_wait_ready
assert_contains "$(cat "$SB_DAEMON_ERR")" "metrics: 0.0.0.0:0 is not a loopback address; the endpoint has no authentication" \
    "the log, listening beyond loopback"
sb_note "the metrics endpoint holds at most 16 connections, each at most 10 s"
