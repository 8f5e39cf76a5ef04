#!/usr/bin/env bash
# Threat: a worker key sending strings that are not what they look like
# (docs/security.md, "Threats and what stops them"; issue point "strings are
# what they look like"). Over tcp:// with CURVE keys: a worker sends a NUL
# byte, a C1 control (U+0085), a bidirectional override (U+202E) and a line
# separator (U+2028) in each string of the worker endpoint — its name and
# types in Hello, a job id and a summary in JobDone, a job id and a reason in
# JobFailed. Each is refused (WorkerRefusal `invalid`, naming the field and
# the character), logged, and changes nothing: the job stays leased to the
# worker, which then finishes it with clean strings; the daemon answers
# commands throughout.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
SB_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
source "$SB_LIB_DIR/python_lib.sh"
sb_setup
sb_python_setup
export PYTHONPATH="$PYTHONPATH:$SB_LIB_DIR/helpers"

keys=$SB_WORK/keys.ini
for k in alice skillbase-notify; do
    ctl keygen "$SB_WORK/$k.key" >/dev/null
done
ctl --keys "$keys" keys add alice --role operator --public-key "$SB_WORK/alice.key" >/dev/null
ctl --keys "$keys" keys add skillbase-notify --role worker --types notify \
    --public-key "$SB_WORK/skillbase-notify.key" >/dev/null
printf '[security]\nkeys = %s\n' "$keys" >"$SB_WORK/trust.ini"
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/trust.ini" --log-level info
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/alice.key
unset SKILLBASE_ACTOR

app=$(sb_apply 1) # makes a notify job

rc=0
"$PY" - "$WRK_EP" "$SB_WORK/skillbase-notify.key" "$SB_STATE/server.pub" \
    >"$SB_WORK/attack.out" 2>"$SB_WORK/attack.err" <<'EOF' || rc=$?
import sys, zmq
import sb_rogue as r
from sb_rogue import pb

ep, key, server = sys.argv[1:4]
ctx = zmq.Context()
BAD = {"NUL": "\0", "C1": "\u0085", "bidi": "\u202e", "U+2028": "\u2028"}
w = r.Worker(ctx, ep, key, server)

def refused(what, sent):
    m = w.wait(lambda m: m.WhichOneof("body") in ("welcome", "refusal", "ack"), 5)
    kind = m.WhichOneof("body") if m else "nothing"
    msg = m.refusal.message if kind == "refusal" else ""
    code = pb.ErrorCode.Name(m.refusal.code) if kind == "refusal" else ""
    print(f"{what}: {kind} {code} {msg}")
    return kind == "refusal"

ok = True
for name, ch in BAD.items():
    w.send(hello=pb.WorkerHello(name=f"skillbase-notify-{ch}x", types=["notify"], capacity=1))
    ok &= refused(f"hello.name {name}", ch)
    w.send(hello=pb.WorkerHello(name="skillbase-notify-t", types=[f"notify{ch}"], capacity=1))
    ok &= refused(f"hello.types {name}", ch)
m = w.hello("skillbase-notify-t", ["notify"], capacity=1)
assert m and m.WhichOneof("body") == "welcome", f"a clean hello was not welcomed: {m}"
job = w.wait_job("notify")
assert job, "no notify job"
for name, ch in BAD.items():
    w.send(done=pb.JobDone(job_id=job.id + ch, attempt=job.attempt,
                           result=pb.JobResult(summary="done")))
    ok &= refused(f"done.job_id {name}", ch)
    w.send(done=pb.JobDone(job_id=job.id, attempt=job.attempt,
                           result=pb.JobResult(summary=f"sent{ch}forged")))
    ok &= refused(f"done.result.summary {name}", ch)
    w.send(failed=pb.JobFailed(job_id=job.id + ch, attempt=job.attempt, error="x"))
    ok &= refused(f"failed.job_id {name}", ch)
    w.send(failed=pb.JobFailed(job_id=job.id, attempt=job.attempt, error=f"smtp{ch}x",
                               retryable=False))
    ok &= refused(f"failed.error {name}", ch)
# the job is still this worker's: it finishes it with clean strings
m = w.done(job.id, job.attempt, summary="sent")
print("clean done:", m.WhichOneof("body") if m else "nothing",
      m.ack.job_id if m and m.WhichOneof("body") == "ack" else "")
print("job", job.id)
sys.exit(0 if ok else 1)
EOF
out=$(cat "$SB_WORK/attack.out")
((rc == 0)) || sb_fail "a hostile string was not refused: $out $(cat "$SB_WORK/attack.err")"
job=$(sed -n 's/^job //p' <<<"$out")
[ -n "$job" ] || sb_fail "the attack did not run: $out $(cat "$SB_WORK/attack.err")"
for field in hello.name hello.types done.job_id done.result.summary failed.job_id failed.error; do
    for ch in NUL C1 bidi U+2028; do
        line=$(grep "^$field $ch: " <<<"$out") || sb_fail "no answer for $field with $ch: $out"
        assert_contains "$line" "refusal INVALID $field: contains" "$field with $ch"
    done
done
assert_contains "$out" "NUL byte" "the refusal names the NUL byte"
assert_contains "$out" "U+0085" "the refusal names the C1 control"
assert_contains "$out" "U+202E" "the refusal names the bidirectional override"
assert_contains "$out" "U+2028" "the refusal names the line separator"
assert_contains "$out" "clean done: ack $job" "the job, untouched by the refusals, finished cleanly"
assert_contains "$(cat "$SB_DAEMON_ERR")" "worker message refused: hello.name: contains" "the daemon's log"
out=$(ctl --json jobs --all)
assert_contains "$out" "$job" "the job listed"
ctl status >/dev/null || sb_fail "the daemon stopped answering after the hostile worker strings"
sb_note "NUL, C1, bidi and U+2028 in every worker string refused; the job untouched; the daemon serves"
