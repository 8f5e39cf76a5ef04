#!/usr/bin/env bash
# Threat: a client exhausting the daemon (docs/security.md, "Threats and
# what stops them"). Over tcp:// with CURVE keys: a reader's connection
# sends 500 `list limit=1000` requests for pages of ~20 KiB records and
# never reads a reply (its socket takes one message and a few KiB of kernel
# buffer). Meanwhile another operator's requests are answered, and the
# daemon's resident memory stays within a bound: pages end at
# [daemon] max_reply_kb, a connection has at most [daemon] conn_queue
# requests in a batch and replies queued, and at most [daemon]
# conn_reply_kb held beyond that; then its replies are dropped and its
# requests not applied until it reads. The refusals are logged and counted
# in the metrics. Then the units' LimitNOFILE is checked against what the
# daemon needs per connection.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
SB_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
source "$SB_LIB_DIR/python_lib.sh"
sb_setup
sb_python_setup
# a sanitizer build keeps freed memory in quarantine (256 MiB by default),
# which would be counted as growth: keep it small (no effect otherwise)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=8"
export PYTHONPATH="$PYTHONPATH:$SB_LIB_DIR/helpers"

keys=$SB_WORK/keys.ini
for k in alice mallory; do
    ctl keygen "$SB_WORK/$k.key" >/dev/null
done
ctl --keys "$keys" keys add alice --role operator --public-key "$SB_WORK/alice.key" >/dev/null
ctl --keys "$keys" keys add mallory --role reader --public-key "$SB_WORK/mallory.key" >/dev/null
port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
cat >"$SB_WORK/trust.ini" <<EOF
[security]
keys = $keys
handshake_ms = 1000
[metrics]
listen = 127.0.0.1:$port
EOF
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/trust.ini" --log-level info
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/alice.key
unset SKILLBASE_ACTOR

# 120 applications of 100 projects each: a page of 1000 would be ~2.5 MB
for ((n = 1; n <= 120; n++)); do
    sb_apply "$n" '.projects = [range(100) | {occupation: ("电工" * 16 + (. | tostring)), level: ("高级工" * 10)}]' >/dev/null
done
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SB_PID/status"; }
before=$(rss_kb)

"$PY" - "$CMD_EP" "$SB_WORK/mallory.key" "$SB_STATE/server.pub" \
    >"$SB_WORK/attack.out" 2>"$SB_WORK/attack.err" <<'EOF' &
import sys, time, zmq
import sb_rogue as r
ep, key, server = sys.argv[1:4]
ctx = zmq.Context()
s = ctx.socket(zmq.DEALER)
s.rcvhwm = 1
s.rcvbuf = 4096
pub, sec = r.read_key(key)
s.curve_publickey, s.curve_secretkey = pub, sec
s.curve_serverkey = r.read_key(server)[0]
s.linger = 0
s.connect(ep)
for i in range(500):
    req = r.request(list=r.pb.List(limit=1000))
    req.request_id = f"flood-{i}"
    s.send_multipart([b"", req.SerializeToString()])
print("sent", flush=True)
time.sleep(600)  # never read; killed by the test
EOF
ROGUE=$!
SB_BG_PIDS+=("$ROGUE")
attack_sent() {
    sb_alive "$ROGUE" || sb_fail "the attack script failed: $(cat "$SB_WORK/attack.err")"
    grep -q sent "$SB_WORK/attack.out"
}
sb_wait_until 10 "the attack script to send its flood" attack_sent

# another operator is answered meanwhile, again and again
peak=$before
for ((i = 0; i < 20; i++)); do
    out=$(ctl --json list --limit 5) || sb_fail "alice's list was not answered during the flood"
    assert_json "$out" 'length' 5 "alice's page during the flood"
    ctl status >/dev/null || sb_fail "alice's status was not answered during the flood"
    now=$(rss_kb)
    ((now > peak)) && peak=$now
    sleep 0.1
done
# let the daemon work through whatever it still holds
for ((i = 0; i < 30; i++)); do
    now=$(rss_kb)
    ((now > peak)) && peak=$now
    sleep 0.1
done
grown=$(((peak - before) / 1024))
sb_note "resident memory $((before / 1024)) MiB before, peak $((peak / 1024)) MiB during 500 unread list replies (+$grown MiB)"
# by design at most ~16 replies in libzmq's queue + 16 MiB held + one batch's
# replies and working memory of that connection; a release build grows by
# ~50 MiB here. Without the bounds: +2.2 GiB and rising, other clients
# unanswered.
((grown < 160)) || sb_fail "the daemon grew by $grown MiB under 500 unread list replies (bound 160 MiB)"
assert_contains "$(cat "$SB_DAEMON_ERR")" "a client does not read its replies" "the daemon's log"
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
shed=$(awk '/^skillbase_conn_shed_requests_total / { print $2 }' <<<"$metrics")
assert_match "$shed" '^[1-9][0-9]*$' "requests of the flooding connection not applied (metric)"
kill "$ROGUE" 2>/dev/null || true
wait "$ROGUE" 2>/dev/null || true

# the reader reads again on a new connection: served as usual
out=$(SKILLBASE_KEY_FILE=$SB_WORK/mallory.key ctl --json list --limit 2)
assert_json "$out" 'length' 2 "the reader's page after the flood"

# ------------------------------------------------------------ handshakes
# 200 connections that never complete the CURVE handshake (one sends half
# a greeting): each is closed after [security] handshake_ms; the
# descriptors come back
fds() { find "/proc/$SB_PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
fd_before=$(fds)
host=${CMD_EP#tcp://}
cat >"$SB_WORK/halfopen.py" <<'PY'
import socket, sys, time
host, port = sys.argv[1], int(sys.argv[2])
socks = []
for i in range(200):
    s = socket.create_connection((host, port))
    if i == 0:
        s.sendall(b"\xff\0\0\0\0\0\0\0\x01\x7f")  # half a ZMTP greeting
    s.settimeout(5)
    socks.append(s)
time.sleep(0.5)
start = time.monotonic()
closed = 0
for s in socks:
    try:
        while s.recv(4096):
            pass
        closed += 1
    except socket.timeout:
        pass
    s.close()
print(f"{closed} of 200 closed by the daemon within {time.monotonic() - start + 0.5:.1f} s")
sys.exit(0 if closed == 200 else 1)
PY
"$PY" "$SB_WORK/halfopen.py" "${host%:*}" "${host##*:}" >&2 ||
    sb_fail "half-open connections were not closed by the daemon"
fds_back() { (($(fds) <= fd_before + 2)); }
SB_WAIT_DIAG='echo "descriptors: $fd_before before 200 half-open connections, $(fds) after"' \
    sb_wait_until 5 "the daemon's descriptors back to where they were" fds_back
ctl status >/dev/null || sb_fail "status after the half-open connections"

metrics=$(curl -s "http://127.0.0.1:$port/metrics")
failed=$(awk '/^skillbase_handshakes_failed_total\{endpoint="command"\} / { print $2 }' <<<"$metrics")
((failed >= 200)) || sb_fail "handshakes failed on the command endpoint (metric): $failed, expected >= 200"

# ------------------------------------------------------------ out of descriptors
# the daemon held to 96 descriptors: 150 connections at once are more than it
# can accept; the failures are logged and counted, and once the half-open
# ones time out the daemon serves again
command -v prlimit >/dev/null || sb_fail "prlimit is required (util-linux)"
prlimit --pid "$SB_PID" --nofile=96:96
sed -i 's/range(200)/range(150)/; s/closed == 200/closed >= 0/' "$SB_WORK/halfopen.py"
"$PY" "$SB_WORK/halfopen.py" "${host%:*}" "${host##*:}" >&2 || true
sb_wait_until 5 "the daemon to log that it is out of descriptors" \
    grep -q "out of file descriptors" "$SB_DAEMON_ERR"
assert_contains "$(cat "$SB_DAEMON_ERR")" "cannot accept a connection: Too many open files: out of file descriptors" \
    "the daemon's log"
sleep 1.5
ctl status >/dev/null || sb_fail "status once the half-open connections timed out"
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
refused=$(awk '/^skillbase_connections_refused_total\{endpoint="command"\} / { print $2 }' <<<"$metrics")
((refused > 0)) || sb_fail "connections refused for want of descriptors (metric): $refused"

# the unit provisions a descriptor per connection ([security] max_connections)
limit=$(sed -n 's/^LimitNOFILE=//p' "$SB_REPO_DIR/systemd/skillbased.service.in")
assert_eq $((1024 + 128)) "$limit" "LimitNOFILE of skillbased.service (max_connections 1024 + 128)"
sb_note "a client that does not read cannot exhaust the daemon"
