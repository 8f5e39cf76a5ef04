#!/usr/bin/env bash
# systemd's notification protocol, with a datagram socket of the test's own
# standing in for systemd's: READY=1 comes only once the command endpoint
# is bound and answers, with a STATUS= line; STATUS= follows the store;
# WATCHDOG=1 keeps coming at the interval asked for in WATCHDOG_USEC (and
# not at all when WATCHDOG_PID names another process); SIGTERM sends
# STOPPING=1 and the daemon exits 0. Both an abstract ("@name") and a path
# NOTIFY_SOCKET are used.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
[ -x "${SB_SYSTEMD_LISTEN:-}" ] || sb_fail "SB_SYSTEMD_LISTEN=${SB_SYSTEMD_LISTEN:-} is not the listener helper"
sock_file=${SKILLBASE_ENDPOINT#ipc://}

# Start a listener on NOTIFY_SOCKET $1; its output goes to $2.
listen_on() {
    "$SB_SYSTEMD_LISTEN" "$1" "$sock_file" >"$2" 2>&1 &
    SB_BG_PIDS+=($!)
    SB_WAIT_DIAG="cat $(printf %q "$2")" SB_WAIT_INTERVAL=0.05 \
        sb_wait_until 5 "the notify listener to bind $1" grep -q '^LISTENING$' "$2"
}

# Wait until the listener output $1 has at least $3 lines matching ERE $2.
wait_lines() {
    SB_WAIT_DIAG="tail -n 20 $(printf %q "$1")" SB_WAIT_INTERVAL=0.05 \
        sb_wait_until 30 "$3 line(s) matching /$2/ from the daemon" daemon_said "$@"
}
daemon_said() { # FILE ERE N (fails the test when the daemon died without saying it)
    sb_has_lines "$@" && return 0
    sb_alive "$SB_PID" || sb_fail "the daemon died; stderr: $(tail -n 5 "$SB_DAEMON_ERR")"
    return 1
}

# ------------------------------------------------------------ abstract socket, watchdog on
notes=$SB_WORK/notify.out
name="@skillbase-test-$$-$RANDOM"
listen_on "$name" "$notes"
NOTIFY_SOCKET=$name WATCHDOG_USEC=400000 sb_launch --state-dir "$SB_STATE" --log-level info
wait_lines "$notes" '^READY=1$' 1
# the endpoint answers the moment READY=1 is seen ...
ctl --timeout 2000 status >/dev/null
# ... and its socket existed when the daemon sent READY=1
wait_lines "$notes" '^WATCH_PATH_PRESENT=' 1
assert_eq "WATCH_PATH_PRESENT=1" "$(grep '^WATCH_PATH_PRESENT=' "$notes" | head -n 1)" \
    "ipc socket present when READY=1 arrived"
# READY=1 was the first thing said, with a status line beside it
first=$(grep -v '^LISTENING$' "$notes" | head -n 2)
assert_contains "$first" "READY=1" "first notification"
assert_match "$(grep '^STATUS=' "$notes" | head -n 1)" '^STATUS=serving; 0 records; last seq 0$' "status at start"

# the keep-alive keeps coming (every 200 ms for WATCHDOG_USEC=400000)
before=$(grep -c '^WATCHDOG=1$' "$notes" || true)
wait_lines "$notes" '^WATCHDOG=1$' $((before + 5))

# STATUS= follows the store
id=$(sb_apply 1)
assert_eq app-000001 "$id" "first application"
wait_lines "$notes" '^STATUS=serving; 1 records; last seq 1$' 1
grep -q 'systemd watchdog: keep-alive every 200 ms' "$SB_DAEMON_ERR" ||
    sb_fail "the daemon did not log its keep-alive interval; stderr: $(cat "$SB_DAEMON_ERR")"

# STOPPING=1 on SIGTERM, then a clean exit; nothing after STOPPING
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "exit status after SIGTERM"
wait_lines "$notes" '^STOPPING=1$' 1
last_watchdog=$(grep -n '^WATCHDOG=1$' "$notes" | tail -n 1 | cut -d: -f1)
stopping=$(grep -n '^STOPPING=1$' "$notes" | head -n 1 | cut -d: -f1)
((last_watchdog < stopping)) || sb_fail "WATCHDOG=1 after STOPPING=1: $(cat "$notes")"

# ------------------------------------------------------------ path socket, watchdog for another pid
notes2=$SB_WORK/notify2.out
path=$SB_TMP/notify.sock
listen_on "$path" "$notes2"
NOTIFY_SOCKET=$path WATCHDOG_USEC=200000 WATCHDOG_PID=1 sb_launch --state-dir "$SB_STATE" --log-level warn
wait_lines "$notes2" '^READY=1$' 1
ctl --timeout 2000 status >/dev/null
# the daemon's data survived the restart and the status line says so
wait_lines "$notes2" '^STATUS=serving; 1 records; last seq 1$' 1
sleep 1
if grep -q '^WATCHDOG=1$' "$notes2"; then
    sb_fail "WATCHDOG=1 sent although WATCHDOG_PID names another process"
fi
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "exit status after SIGTERM"
wait_lines "$notes2" '^STOPPING=1$' 1

# ------------------------------------------------------------ no NOTIFY_SOCKET: nothing changes
sb_start_daemon
ctl status >/dev/null
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "exit status without NOTIFY_SOCKET"

# ------------------------------------------------------------ journald priorities
# With stderr on the journal (JOURNAL_STREAM names its device and inode),
# each line carries its syslog priority, so `journalctl -p warning` works;
# anywhere else the lines stay plain.
log=$SB_WORK/journal.log
bad_ep="ipc://$SB_TMP/no/such/dir/command.sock"
: >"$log"
"$SKILLBASED" --state-dir "$SB_TMP/other2" --command-endpoint "$bad_ep" 2>>"$log" &&
    sb_fail "a daemon with an unbindable endpoint started"
JOURNAL_STREAM="$(stat -c %d:%i "$log")" "$SKILLBASED" --state-dir "$SB_TMP/other3" \
    --command-endpoint "$bad_ep" 2>>"$log" && sb_fail "a daemon with an unbindable endpoint started"
assert_match "$(cat "$log")" "^<3>error +cannot bind the command endpoint $bad_ep" "error line for the journal"
assert_match "$(cat "$log")" "^error +cannot bind the command endpoint $bad_ep" "plain error line"
assert_match "$(cat "$log")" "^<6>info " "info line for the journal"
