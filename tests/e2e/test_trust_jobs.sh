#!/usr/bin/env bash
# Threat: a worker key finishing jobs that are not its own, or carrying
# commands its job type does not send (docs/security.md, "Threats and what
# stops them"). Over tcp:// with CURVE keys of the shipped roles, four eyes
# off, hostile workers (helpers/sb_rogue.py):
# - the notify key reports the deadlines worker's leased publicity.schedule
#   job done, first with a publicity window cut to 0 days, then with
#   close_publicity (certification on the day publicity began); also after
#   claiming that job "in hand" in its Hello: refused, logged, counted, the
#   job still leased to the deadlines worker, the application untouched;
# - the notify key finishes its own notify job with close_publicity: the job
#   is done, the command refused (a notify job carries none);
# - the subsidy key finishes its own statement job with a statement of
#   1,000,100,000.00 yuan whose arithmetic adds up: refused, the rate and
#   the cap are not the rules file's; nothing is stored.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
SB_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
source "$SB_LIB_DIR/python_lib.sh"
sb_setup
sb_python_setup
export PYTHONPATH="$PYTHONPATH:$SB_LIB_DIR/helpers"

keys=$SB_WORK/keys.ini
sb_keygen alice skillbase-notify skillbase-deadlines skillbase-subsidy
sb_key_add alice --role operator --public-key "$SB_WORK/alice.key"
sb_key_add skillbase-notify --role worker --public-key "$SB_WORK/skillbase-notify.key" --types notify
sb_key_add skillbase-deadlines --role worker --public-key "$SB_WORK/skillbase-deadlines.key" \
    --types "publicity.schedule publicity.close assessment.reminder"
sb_key_add skillbase-subsidy --role worker --public-key "$SB_WORK/skillbase-subsidy.key" \
    --types subsidy.statement
# the attack script's workers send nothing while it works with the others:
# on a loaded machine that took longer than the default 3 s (3 x 1000 ms)
# after which the daemon counts a silent worker dead and requeues its job
printf '[security]\nkeys = %s\n[workers]\nheartbeat_ms = 5000\n' "$keys" >"$SB_WORK/trust.ini"
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/trust.ini" --log-level info
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/alice.key
unset SKILLBASE_ACTOR

app=$(sb_apply 1)
sb_drive "$app" in_publicity
ends0=$(sb_field "$app" .publicity_ends_on) # the window the daemon counted itself
base=$(sb_new_base 2)
today=$(sb_today)
jq -n --arg d "$today" --arg cc "$(sb_cc 3)" \
    '{date: $d, client_name: "杭州某职业技术学院", client_credit_code: $cc, kind: "training",
      occupation: "电工", level: "高级工", trainees: 10001, hours_tenths: 80}' >"$SB_WORK/svc.json"
svc=$(ctl --json record-service --base "$base" -f "$SB_WORK/svc.json" | jq -r .id)

# ------------------------------------------------------------ the attacks
"$PY" - "$WRK_EP" "$SB_WORK" "$SB_STATE/server.pub" "$app" "$today" "$base" "$svc" \
    >"$SB_WORK/attack.json" 2>"$SB_WORK/attack.err" <<'EOF' &
import json, sys, zmq
import sb_rogue as r
from sb_rogue import pb

ep, work, server, app, today, base, svc = sys.argv[1:8]
ctx = zmq.Context()
key = lambda n: f"{work}/{n}.key"
out = {}

# the deadlines worker takes the publicity job and holds it
d = r.Worker(ctx, ep, key("skillbase-deadlines"), server)
assert d.hello("skillbase-deadlines-a", ["publicity.schedule"]).WhichOneof("body") == "welcome"
job = d.wait_job("publicity.schedule")
assert job, "no publicity.schedule job for the deadlines worker"
out["job"] = job.id
rec = job.event.record.application

# the notify key reports it done: a window of 0 days, then certification
n = r.Worker(ctx, ep, key("skillbase-notify"), server)
assert n.hello("skillbase-notify-a", ["notify"]).WhichOneof("body") == "welcome"
import datetime as dt
hz = dt.timezone(dt.timedelta(hours=8))
close_at = int(dt.datetime.combine(dt.date.fromisoformat(today) + dt.timedelta(days=1),
                                   dt.time(0), hz).timestamp() * 1000)
cut = r.request(schedule_publicity=pb.SchedulePublicity(
    id=app, generation=rec.publicity_generation, ends_on=today, close_at_ms=close_at,
    days_used=0))
cut.expected_version = rec.version
n.done(job.id, job.attempt, cut)
n.done(job.id, job.attempt, r.request(close_publicity=pb.Transition(id=app, reason="x")))
# the same after claiming the job "in hand" in a second Hello
n.hello("skillbase-notify-a", ["notify"], jobs_in_hand=[job.id])
# a Hello names the jobs the worker holds: the daemon hands back every other
# lease it had and leases the job anew after its welcome, so the jobs seen
# before are stale (finishing one before the new lease is refused)
n.jobs.clear()
n.done(job.id, job.attempt, r.request(close_publicity=pb.Transition(id=app, reason="x")))

# its own notify job, finished with a certification
own = n.wait_job("notify")
assert own, "no notify job for the notify worker"
out["notify_job"] = own.id
n.done(own.id, own.attempt, r.request(close_publicity=pb.Transition(id=app, reason="x")))

# the subsidy worker's statement: 10,001 person-times at 100,000.00 yuan
s = r.Worker(ctx, ep, key("skillbase-subsidy"), server)
assert s.hello("skillbase-subsidy-a", ["subsidy.statement"]).WhichOneof("body") == "welcome"
sj = s.wait_job("subsidy.statement")
assert sj, "no subsidy.statement job"
out["subsidy_job"] = sj.id
amount = 10001 * 10_000_000
st = pb.SubsidyStatement(
    base_id=base, year=int(today[:4]), base_name="x", rule_versions=["forged"],
    cap_rule_version="forged", gross_fen=amount, cap_fen=amount, capped=False,
    total_fen=amount, computed_ms=1, input_version=1, example_rates=False,
    lines=[pb.SubsidyLine(service_id=svc, date=today, kind=pb.TRAINING, occupation="电工",
                          level="高级工", client_name="杭州某职业技术学院", trainees=10001,
                          hours_tenths=80, rule_version="forged", unit=pb.PER_PERSON_TIME,
                          rate_fen=10_000_000, amount_fen=amount)])
s.done(sj.id, sj.attempt, r.request(record_statement=pb.RecordStatement(statement=st)))
out["forged_yuan"] = f"{amount // 100:,}.{amount % 100:02d}"
# the deadlines worker is still connected while the test looks
d.poll(50)
print(json.dumps(out))
sys.stdout.flush()
with open(f"{work}/attack.done", "w") as f:
    f.write("1")
# hold the lease while the shell checks the job (it kills us when done)
import time
for _ in range(300):
    d.poll(100)
    time.sleep(0.1)
EOF
ROGUE=$!
SB_BG_PIDS+=("$ROGUE")
attack_done() {
    [ -e "$SB_WORK/attack.done" ] && return 0
    sb_alive "$ROGUE" || sb_fail "the attack script failed: $(cat "$SB_WORK/attack.err")"
    return 1
}
SB_WAIT_DIAG='cat "$SB_WORK/attack.err"' sb_wait_until 30 "the attack script to finish" attack_done
sleep 0.3
out=$(cat "$SB_WORK/attack.json")
job=$(jget "$out" .job)
# a worker's reports are one-way: on a loaded machine the daemon may still be
# committing them. The notify worker's own job was reported after its attacks
# on the same connection, so once it is done, the attacks have been handled.
notify_job_done() { [ "$(ctl --json jobs show "$(jget "$out" .notify_job)" | jq -r .state)" = done ]; }
SB_WAIT_DIAG='ctl --json jobs show "$(jget "$out" .notify_job)"; tail -n 20 "$SB_DAEMON_ERR"' \
    sb_wait_until 10 "the notify worker's own job to be done" notify_job_done

# ------------------------------------------------------------ what stopped them
# the deadlines worker's job: untouched, still its lease
j=$(ctl --json jobs show "$job")
assert_json "$j" .state leased "the deadlines worker's job after the notify key's reports"
assert_json "$j" .worker skillbase-deadlines-a
assert_json "$j" '.result.summary // ""' ""
a=$(sb_show "$app")
assert_json "$a" .state in_publicity "the application after the attacks"
assert_json "$a" .publicity_ends_on "$ends0" "the window is the daemon's own count, not cut"
assert_eq 0 "$(ctl --json history "$app" | jq '[.[] | select(.topic == "application.certified")] | length')" \
    "certifications"
log=$(cat "$SB_DAEMON_ERR")
assert_contains "$log" "done for $job from worker skillbase-notify-a refused: $job is a publicity.schedule job; worker skillbase-notify-a does not take that type" \
    "the daemon's log"

# its own notify job: done, the command refused and said so
nj=$(ctl --json jobs show "$(jget "$out" .notify_job)")
assert_json "$nj" .state done
assert_contains "$(jget "$nj" .result.summary)" \
    "command refused: forbidden: a notify job may finish with no command (close_publicity sent)"

# the subsidy statement: refused, nothing stored
sj=$(ctl --json jobs show "$(jget "$out" .subsidy_job)")
assert_json "$out" .forged_yuan "1,000,100,000.00"
assert_contains "$(jget "$sj" .result.summary)" "record_statement refused: invalid: statement refused"
rep=$(ctl --json subsidy report --year "${today:0:4}" --base "$base")
assert_json "$rep" '.statements | length' 0 "statements stored"
assert_contains "$(jget "$sj" .result.summary)" "rate of $svc is not the rules file's"

# counted in the metrics' source: the refusals are in the log, once each
assert_eq 3 "$(grep -c "done for $job from worker skillbase-notify-a refused" "$SB_DAEMON_ERR")" \
    "refused reports of $job"
kill "$ROGUE" 2>/dev/null || true
wait "$ROGUE" 2>/dev/null || true
sb_note "a worker finishes only its own jobs, with its type's command"
