#!/usr/bin/env bash
# skillbase-notify on its embedded default channel, the spool directory,
# with the real daemon: an application driven to certified and its sub-base
# assessed and revoked through skillbasectl gives one file per notice,
# named by its job, that names the unit, the official name and the plaque;
# events without a template are done with "no notice for <topic>"; the
# worker's --help, --check and --preview; bad settings and a broken
# template refused at start with the file and key named; the daemon accepts
# a configuration file with a [notify] section.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/helpers/notify.sh"

spool=$SB_TMP/spool

# ------------------------------------------------------------ before the daemon
sb_run "$SKILLBASE_NOTIFY" --help
assert_eq 0 "$SB_RC" "--help exit status"
for opt in --spool-dir --templates --channels --check --preview --endpoint --config; do
    assert_contains "$SB_OUT" "$opt" "--help"
done

sb_run "$SKILLBASE_NOTIFY" --check --spool-dir "$spool"
assert_eq 0 "$SB_RC" "--check exit status ($SB_ERR)"
assert_contains "$SB_OUT" "channels: spool"
assert_contains "$SB_OUT" "spool_dir: $spool"
n_templates=$(find "$SB_REPO_DIR/data/notices" -name '*.txt' | wc -l)
assert_match "$SB_OUT" "templates: $n_templates in " "--check lists every template of data/notices"
assert_match "$SB_OUT" 'certified +base\.certified' "--check lists the certified notice"
assert_match "$SB_OUT" 'objection_filed +application\.under_review \(action file_objection\)'

cat >"$SB_WORK/bad.ini" <<'EOF'
[notify]
channels = spool
chanels = smtp
EOF
sb_run "$SKILLBASE_NOTIFY" --check --config "$SB_WORK/bad.ini"
assert_eq 2 "$SB_RC" "a misspelt key is a configuration error"
assert_contains "$SB_ERR" "bad.ini:3: [notify] chanels: unknown key"

sb_run "$SKILLBASE_NOTIFY" --check --channels smtp,spool
assert_eq 2 "$SB_RC" "smtp without a server"
assert_contains "$SB_ERR" "needs smtp_url"

mkdir "$SB_WORK/tpl"
printf 'topic: base.certified\nsubject: {base.name\n\nbody\n' >"$SB_WORK/tpl/certified.txt"
sb_run "$SKILLBASE_NOTIFY" --check --templates "$SB_WORK/tpl"
assert_eq 2 "$SB_RC" "a broken template"
assert_contains "$SB_ERR" "certified.txt: subject: line 1"

# ------------------------------------------------------------ with the daemon
# The same file configures the daemon and the worker.
cat >"$SB_WORK/skillbase.ini" <<EOF
[workers]
backoff_base_ms = 100
backoff_max_ms = 500

[notify]
channels = spool
spool_dir = $spool
operators = ops@hrss.example.cn
EOF
sb_start_daemon --config "$SB_WORK/skillbase.ini"
sbn_start_notify --config "$SB_WORK/skillbase.ini"

app=$(sb_apply 1)
job=$(sbn_job_of application.applied "$app")
sbn_wait_job "$job" "done"
assert_json "$(sbn_job_json "$job")" .result.summary "notice application_received for $app: spool $job.txt"
f=$spool/$job.txt
[ -f "$f" ] || sb_fail "no spool file $f"
text=$(cat "$f")
assert_contains "$text" "Job: $job"
assert_contains "$text" "Topic: application.applied"
assert_contains "$text" "Entity: $app"
assert_contains "$text" "Template: application_received"
assert_contains "$text" "To: training@jinggong.example.com, ops@hrss.example.cn"
assert_contains "$text" "Subject: 【杭州市公共实训基地】申报已受理 Application received：杭州精工机械有限公司"
assert_contains "$text" "申报编号 $app"

sb_drive "$app" certified
base=$(sb_field "$app" .base_id)
b=$(sb_show "$base")
job=$(sbn_job_of base.certified "$base")
sbn_wait_job "$job" "done"
text=$(cat "$spool/$job.txt")
assert_contains "$text" "Template: certified"
assert_contains "$text" "杭州精工机械有限公司"
assert_contains "$text" "$(jget "$b" .name)"
assert_contains "$text" "杭州市公共实训基地精工机械分基地"
assert_contains "$text" '“杭州市高技能人才公共实训基地”铭牌'
assert_contains "$text" "证书编号：$(jget "$b" .certificate_no)"
assert_contains "$text" "$(jget "$b" .next_assessment_due)"

# review and evaluation notices were written too, each under its own job
for topic in application.under_review application.in_publicity; do
    j=$(sbn_job_of "$topic" "$app")
    sbn_wait_job "$j" "done"
    [ -f "$spool/$j.txt" ] || sb_fail "no spool file for $topic ($j)"
done
assert_contains "$(cat "$spool/$(sbn_job_of application.in_publicity "$app").txt")" "评审通过"

# the application's own certified event has no template: the sub-base's says it
job=$(sbn_job_of application.certified "$app")
sbn_wait_job "$job" "done"
assert_json "$(sbn_job_json "$job")" .result.summary "no notice for application.certified"
[ ! -e "$spool/$job.txt" ] || sb_fail "a spool file for an event without a notice"

# assessment (good, 85) and revocation with its cause
ctl assess "$base" -f "$SB_EXAMPLES/scores-good.json" -r "2026 assessment" >/dev/null
job=$(sbn_job_of base.assessed "$base")
sbn_wait_job "$job" "done"
text=$(cat "$spool/$job.txt")
assert_contains "$text" "总分 85 分"
assert_contains "$text" "等级：良好"
assert_contains "$text" "grade: good"

ctl revoke "$base" --cause major_safety_accident -r "2026-11-02 实训车间火灾" >/dev/null
job=$(sbn_job_of base.revoked "$base")
sbn_wait_job "$job" "done"
text=$(cat "$spool/$job.txt")
assert_contains "$text" "撤销原因：发生重大安全事故"
assert_contains "$text" "2026-11-02 实训车间火灾"
assert_contains "$text" "Subject: 【杭州市公共实训基地】撤销通知 Revoked：杭州市公共实训基地精工机械分基地"

# one file per notice, nothing half-written left behind
all=$(ctl --json jobs --type notify --limit 1000)
notices=$(jget "$all" '[.[] | select(.state == "done" and (.result.summary | startswith("notice ")))] | length')
files=$(sbn_count "$spool/*.txt")
assert_eq "$notices" "$files" "spool files vs notices delivered"
assert_eq 0 "$(sbn_count "$spool/.*.tmp")" "temporary files left in the spool"
undone=$(jget "$all" '[.[] | select(.state != "done")] | length')
assert_eq 0 "$undone" "notify jobs not done"

# publicity with its end date: the real skillbase-deadlines computes the end
# of the window and the daemon records it (application.publicity_scheduled)
if [ -x "${SKILLBASE_DEADLINES:-}" ]; then
    "$SKILLBASE_DEADLINES" --endpoint "ipc://$SB_STATE/worker.sock" --log-level warn \
        >"$SB_TMP/deadlines.out" 2>"$SB_TMP/deadlines.err" </dev/null &
    dpid=$!
    SB_BG_PIDS+=("$dpid")
    app2=$(sb_apply 2)
    sb_drive "$app2" in_publicity
    sbn_wait_for "the publicity window of $app2" \
        test -n "$(sbn_job_of application.publicity_scheduled "$app2" | grep -v null)"
    job=$(sbn_job_of application.publicity_scheduled "$app2")
    sbn_wait_job "$job" "done"
    ends=$(sb_field "$app2" .publicity_ends_on)
    assert_match "$ends" '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' "publicity_ends_on of $app2"
    text=$(cat "$spool/$job.txt")
    assert_contains "$text" "Template: publicity_scheduled"
    assert_contains "$text" "至 $ends 止"
    assert_contains "$text" "until $ends"
    kill -TERM "$dpid"
    wait "$dpid" || sb_fail "skillbase-deadlines exited $? after SIGTERM"
else
    sb_note "skillbase-deadlines not built: publicity end-date notice not checked end to end"
fi

# --preview renders what an event would give, delivering nothing
ctl --json events --limit 1000 >"$SB_WORK/events.json"
sb_run "$SKILLBASE_NOTIFY" --preview "$SB_WORK/events.json" --spool-dir "$SB_WORK/nowhere"
assert_eq 0 "$SB_RC" "--preview exit status ($SB_ERR)"
assert_contains "$SB_OUT" "== event 1: template application_received"
assert_contains "$SB_OUT" "no notice for application.certified"
assert_contains "$SB_OUT" "杭州市公共实训基地精工机械分基地"
[ ! -e "$SB_WORK/nowhere" ] || sb_fail "--preview wrote into the spool directory"

sbn_stop_notify
