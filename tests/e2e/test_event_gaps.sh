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

# Wait until the JSON-lines file $1 holds sequence $2 (or fail after 60 s).
wait_for_seq() {
    local file=$1 want=$2 got deadline=$((SECONDS + 60))
    while :; do
        got=$(jq -s 'map(.seq) | max // 0' "$file" 2>/dev/null || echo 0)
        [ "$got" -lt "$want" ] || return 0
        ((SECONDS < deadline)) || sb_fail "the follower reached seq $got, not $want: $(cat "$SB_WORK/follow.err")"
        sleep 0.2
    done
}

sb_new_base 1 >/dev/null
sb_new_base 2 >/dev/null # events 1..10

fake=ipc://$SB_TMP/fake-events.sock
"$PY" "$SB_LIB_DIR/helpers/sb_fake_publisher.py" --endpoint "$SKILLBASE_ENDPOINT" --bind "$fake" \
    --ready "$SB_WORK/fake.ready" --stop "$SB_WORK/fake.stop" 11 16 18 2>"$SB_WORK/fake.err" &
publisher=$!
SB_BG_PIDS+=("$publisher")
for ((i = 0; i < 100; i++)); do
    [ ! -e "$SB_WORK/fake.ready" ] || break
    sleep 0.1
done
[ -e "$SB_WORK/fake.ready" ] || sb_fail "the fake publisher did not start: $(cat "$SB_WORK/fake.err")"

"$SKILLBASECTL" events --follow --json --event-endpoint "$fake" \
    >"$SB_WORK/follow.out" 2>"$SB_WORK/follow.err" &
follower=$!
SB_BG_PIDS+=("$follower")
wait_for_seq "$SB_WORK/follow.out" 10

# 11..16: the fake sends 11, 13, 13, 12 and a heartbeat announcing 16
sb_new_base 3 >/dev/null
id=$(sb_apply 4)
wait_for_seq "$SB_WORK/follow.out" 16
# 17, 18: only a heartbeat tells
ctl review "$id" >/dev/null
ctl evaluate "$id" --pass -r "meets 二(二)" >/dev/null
wait_for_seq "$SB_WORK/follow.out" 18
sleep 0.5

touch "$SB_WORK/fake.stop"
kill -TERM "$follower"
wait "$follower" || sb_fail "events --follow did not exit 0 on SIGTERM: $(cat "$SB_WORK/follow.err")"
wait "$publisher" || sb_fail "the fake publisher failed: $(cat "$SB_WORK/fake.err")"
assert_json "$(jq -s -c 'map(.seq)' "$SB_WORK/follow.out")" '. == [range(1; 19)]' true \
    "sequences printed from a faulty stream"
ctl events --json-lines >"$SB_WORK/log.out"
cmp -s "$SB_WORK/follow.out" "$SB_WORK/log.out" || sb_fail "the followed events differ from the log"
