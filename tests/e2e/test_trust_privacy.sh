#!/usr/bin/env bash
# Threat: applicants' personal data where it need not go (PIPL;
# docs/security.md, "Personal data"). Over tcp:// with CURVE keys of every
# role, an application whose contact person has a phone and an e-mail:
# - a service, a reader and a reviewer read the events (read_events,
#   history, jobs): the contact's name, phone and e-mail are withheld
#   (emptied, Contact.withheld); an operator reads them;
# - a service following the event stream receives the events without
#   them, an operator following it with them (the rule applies per key);
# - the notify worker's job carries them, the deadlines worker's does not.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
SB_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
source "$SB_LIB_DIR/python_lib.sh"
sb_setup
sb_python_setup
export PYTHONPATH="$PYTHONPATH:$SB_LIB_DIR/helpers"

keys=$SB_WORK/keys.ini
sb_keygen alice wang rita market-registry skillbase-notify skillbase-deadlines
sb_key_add alice --role operator --public-key "$SB_WORK/alice.key"
sb_key_add wang --role reviewer --public-key "$SB_WORK/wang.key"
sb_key_add rita --role reader --public-key "$SB_WORK/rita.key"
sb_key_add market-registry --role service --public-key "$SB_WORK/market-registry.key" \
    --types "unit.deregistered"
sb_key_add skillbase-notify --role worker --public-key "$SB_WORK/skillbase-notify.key" --types notify
sb_key_add skillbase-deadlines --role worker --public-key "$SB_WORK/skillbase-deadlines.key" \
    --types "publicity.schedule publicity.close assessment.reminder"
printf '[security]\nkeys = %s\n' "$keys" >"$SB_WORK/trust.ini"
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/trust.ini" --log-level info
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/alice.key
unset SKILLBASE_ACTOR
PHONE=0571-88001234
EMAIL=training@jinggong.example.com

# followers on the stream before anything happens: the service's key (not
# entitled to personal data) and the operator's (entitled: the stream keeps
# each follower's subscription, so it applies the rule per key)
cat >"$SB_WORK/follow.py" <<'EOF'
import sys, zmq
import sb_rogue as r
from google.protobuf import json_format
ep, key, server = sys.argv[1:4]
s = r.curve_socket(zmq.Context(), zmq.DEALER, ep, key, server)
s.send_multipart([b"subscribe", b"application."])
topic, body = s.recv_multipart()  # the heartbeat that answers it
assert topic == b"heartbeat", topic
print("subscribed", flush=True)
while True:
    topic, body = s.recv_multipart()
    if topic == b"heartbeat":
        continue
    ev = r.pb.Event()
    ev.ParseFromString(body)
    print(json_format.MessageToJson(ev, indent=None), flush=True)
EOF
for who in market-registry alice; do
    "$PY" "$SB_WORK/follow.py" "$EV_EP" "$SB_WORK/$who.key" "$SB_STATE/server.pub" \
        >"$SB_WORK/stream.$who.out" 2>"$SB_WORK/stream.$who.err" &
    SB_BG_PIDS+=("$!")
    SB_WAIT_DIAG="cat $(printf %q "$SB_WORK/stream.$who.err")" \
        sb_wait_until 10 "$who to subscribe" grep -q subscribed "$SB_WORK/stream.$who.out"
done

app=$(sb_apply 1)
sb_drive "$app" in_publicity
base=$(sb_new_base 2)

# ------------------------------------------------------------ reads by role
for who in market-registry rita wang; do
    out=$(as "$who" --json events --from 1)
    assert_not_contains "$out" "$PHONE" "events read by $who"
    assert_not_contains "$out" "$EMAIL" "events read by $who"
    assert_json "$out" '[.[] | select(.record.application.form.contact.withheld == true or .record.sub_base.contact.withheld == true)] | length' \
        "$(jq length <<<"$out")" "events read by $who with the contact withheld"
done
for who in rita wang; do
    out=$(as "$who" --json history "$app")
    assert_not_contains "$out" "$PHONE" "history read by $who"
    out=$(as "$who" --json jobs --limit 50)
    assert_not_contains "$out" "$PHONE" "jobs read by $who"
    assert_not_contains "$out" "$EMAIL" "jobs read by $who"
done
out=$(as alice --json events --from 1)
assert_contains "$out" "$PHONE" "events read by the operator"
assert_contains "$out" "$EMAIL" "events read by the operator"

# ------------------------------------------------------------ the stream
for who in market-registry alice; do
    sb_wait_until 5 "three events streamed to $who" sb_has_lines "$SB_WORK/stream.$who.out" '"seq"' 3
done
stream=$(grep '"seq"' "$SB_WORK/stream.market-registry.out" || true)
[ -n "$stream" ] || sb_fail "the service's follower received nothing: $(cat "$SB_WORK/stream.market-registry.err")"
assert_not_contains "$stream" "$PHONE" "the event stream to the service"
assert_not_contains "$stream" "$EMAIL" "the event stream to the service"
assert_contains "$stream" '"withheld": true' "the event stream's contacts to the service"
stream=$(grep '"seq"' "$SB_WORK/stream.alice.out" || true)
assert_contains "$stream" "$PHONE" "the event stream to the operator"
assert_contains "$stream" "$EMAIL" "the event stream to the operator"

# ------------------------------------------------------------ workers' jobs
"$PY" - "$WRK_EP" "$SB_WORK" "$SB_STATE/server.pub" >"$SB_WORK/workers.out" \
    2>"$SB_WORK/workers.err" <<'EOF' || sb_fail "the worker script failed: $(cat "$SB_WORK/workers.err")"
import sys, zmq
import sb_rogue as r
ep, work, server = sys.argv[1:4]
ctx = zmq.Context()
n = r.Worker(ctx, ep, f"{work}/skillbase-notify.key", server)
n.hello("skillbase-notify-p", ["notify"])
d = r.Worker(ctx, ep, f"{work}/skillbase-deadlines.key", server)
d.hello("skillbase-deadlines-p", ["publicity.schedule"])
nj, dj = n.wait_job("notify"), d.wait_job("publicity.schedule")
assert nj and dj, "no jobs"
print("notify", nj.event.record.application.form.contact.phone or nj.event.record.sub_base.contact.phone)
print("deadlines", dj.event.record.application.form.contact.phone or "-",
      dj.event.record.application.form.contact.withheld)
EOF
assert_contains "$(cat "$SB_WORK/workers.out")" "notify $PHONE" "the notify worker's job"
assert_contains "$(cat "$SB_WORK/workers.out")" "deadlines - True" "the deadlines worker's job"
sb_note "personal data goes only to operators and the notify worker"
