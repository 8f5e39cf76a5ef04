#!/usr/bin/env bash
# A follower survives a faulty stream: `events --follow` is pointed at a fake
# publisher (helpers/sb_fake_publisher.py) that republishes real events with
# a gap, duplicates and an old event out of order, and then reveals the
# tail of the log only through a heartbeat. What the follower prints is
# still exactly the log, 1..N, each event once: it reads what it missed
# from the command endpoint and drops what it already has.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
source "$SB_LIB_DIR/python_lib.sh"
sb_setup
sb_python_setup
sb_start_daemon

sb_new_base 1 >/dev/null
sb_new_base 2 >/dev/null # events 1..10

fake=ipc://$SB_TMP/fake-events.sock
"$PY" "$SB_LIB_DIR/helpers/sb_fake_publisher.py" --endpoint "$SKILLBASE_ENDPOINT" --bind "$fake" \
    --ready "$SB_WORK/fake.ready" --stop "$SB_WORK/fake.stop" 11 16 18 2>"$SB_WORK/fake.err" &
publisher=$!
SB_BG_PIDS+=("$publisher")
SB_WAIT_DIAG='cat "$SB_WORK/fake.err"' sb_wait_until 10 "the fake publisher to start" test -e "$SB_WORK/fake.ready"

"$SKILLBASECTL" events --follow --json --event-endpoint "$fake" \
    >"$SB_WORK/follow.out" 2>"$SB_WORK/follow.err" &
follower=$!
SB_BG_PIDS+=("$follower")
sb_wait_seq "$SB_WORK/follow.out" 10 60 "$SB_WORK/follow.err"

# 11..16: the fake sends 11, 13, 13, 12 and a heartbeat announcing 16
sb_new_base 3 >/dev/null
id=$(sb_apply 4)
sb_wait_seq "$SB_WORK/follow.out" 16 60 "$SB_WORK/follow.err"
# 17, 18: only a heartbeat tells
ctl review "$id" >/dev/null
ctl evaluate "$id" --pass -r "meets 二(二)" >/dev/null
sb_wait_seq "$SB_WORK/follow.out" 18 60 "$SB_WORK/follow.err"
sleep 0.5

touch "$SB_WORK/fake.stop"
kill -TERM "$follower"
wait "$follower" || sb_fail "events --follow did not exit 0 on SIGTERM: $(cat "$SB_WORK/follow.err")"
wait "$publisher" || sb_fail "the fake publisher failed: $(cat "$SB_WORK/fake.err")"
assert_json "$(jq -s -c 'map(.seq)' "$SB_WORK/follow.out")" '. == [range(1; 19)]' true \
    "sequences printed from a faulty stream"
ctl events --json-lines >"$SB_WORK/log.out"
cmp -s "$SB_WORK/follow.out" "$SB_WORK/log.out" || sb_fail "the followed events differ from the log"
