#!/usr/bin/env bash
# skillbase-notify delivering e-mail to a real SMTP server on loopback
# (Debian's aiosmtpd with tests/e2e/helpers/sb_smtp_sink.py), with the real
# daemon and skillbasectl:
#  - the certification mail reaches the applicant and the operators with
#    the right From, To, Subject (encoded UTF-8) and body (unit, official
#    name, plaque, certificate number);
#  - a server answering 451 makes the job fail retryably: it is retried
#    with backoff and parked after its last attempt; `jobs retry` with the
#    server healthy delivers it;
#  - a server that is down: the same, and delivered once it is back;
#  - a 550 refusal is permanent: parked after one attempt.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/helpers/notify.sh"

mail=$SB_TMP/mail
spool=$SB_TMP/spool
sbn_start_smtp "$mail"

cat >"$SB_WORK/skillbase.ini" <<EOF
[workers]
max_attempts = 3
backoff_base_ms = 100
backoff_max_ms = 400

[notify]
channels = spool, smtp
spool_dir = $spool
operators = ops@hrss.example.cn, audit@hrss.example.cn
smtp_url = smtp://127.0.0.1:$SBN_SMTP_PORT
smtp_from = skillbase@hrss.example.cn
smtp_tls = none
smtp_timeout_s = 5
EOF
sb_start_daemon --config "$SB_WORK/skillbase.ini"
sbn_start_notify --config "$SB_WORK/skillbase.ini"

applicant=$(jq -r .contact.email "$SB_EXAMPLES/application.json")
app=$(sb_apply 1)
sb_drive "$app" certified
base=$(sb_field "$app" .base_id)
b=$(sb_show "$base")

# ------------------------------------------------------------ the certification mail
job=$(sbn_job_of base.certified "$base")
sbn_wait_job "$job" "done"
assert_contains "$(jget "$(sbn_job_json "$job")" .result.summary)" "mailed to 3 recipient(s)"
m=$(sbn_mail_of "$mail" base.certified)
assert_json "$m" .mail_from skillbase@hrss.example.cn
assert_json "$m" '.rcpt_tos | sort | join(",")' \
    "$(printf '%s\n' "$applicant" ops@hrss.example.cn audit@hrss.example.cn | sort | paste -sd,)"
assert_json "$m" '.to | join(",")' "$applicant, ops@hrss.example.cn, audit@hrss.example.cn"
assert_json "$m" .subject "【杭州市公共实训基地】认定通知 Certified：$(jget "$b" .name)"
assert_json "$m" .message_id "<notice.$job@hrss.example.cn>"
assert_json "$m" .content_type text/plain
assert_json "$m" .charset utf-8
body=$(jget "$m" .body)
assert_contains "$body" "王建国，您好："
assert_contains "$body" "杭州精工机械有限公司"
assert_contains "$body" "杭州市公共实训基地精工机械分基地"
assert_contains "$body" '“杭州市高技能人才公共实训基地”铭牌'
assert_contains "$body" "证书编号：$(jget "$b" .certificate_no)"
# the earlier notices arrived as mail too, one each
for topic in application.applied application.under_review application.in_publicity; do
    sbn_wait_job "$(sbn_job_of "$topic" "$app")" "done"
    sbn_mail_of "$mail" "$topic" >/dev/null
done

# ------------------------------------------------------------ a failing server
echo "451 4.3.0 mailbox busy, try again later" >"$mail/fail"
ctl assess "$base" -f "$SB_EXAMPLES/scores-good.json" -r "2026 assessment" >/dev/null
job=$(sbn_job_of base.assessed "$base")
sbn_wait_job "$job" parked
j=$(sbn_job_json "$job")
assert_json "$j" .attempt 3 "attempts before parking"
assert_contains "$(jget "$j" .last_error)" "smtp smtp://127.0.0.1:$SBN_SMTP_PORT"
assert_contains "$(jget "$j" .last_error)" "the server replied 451"
refused=$(grep -c "^451 <notice.$job@" "$mail/attempts" || true)
assert_eq 3 "$refused" "DATA attempts refused by the server for $job"
[ -f "$spool/$job.txt" ] || sb_fail "the spool channel should have delivered $job regardless"
rm "$mail/fail"
ctl jobs retry "$job" -r "mail server fixed" >/dev/null
sbn_wait_job "$job" "done"
m=$(sbn_mail_of "$mail" base.assessed)
assert_contains "$(jget "$m" .body)" "等级：良好"
assert_contains "$(jget "$m" .subject)" "考核评估结果"

# ------------------------------------------------------------ a server that is down
port=$SBN_SMTP_PORT
sbn_stop_smtp
ctl revoke "$base" --cause violation -r "违规收费" >/dev/null
job=$(sbn_job_of base.revoked "$base")
sbn_wait_job "$job" parked
j=$(sbn_job_json "$job")
assert_json "$j" .attempt 3 "attempts before parking"
assert_match "$(jget "$j" .last_error)" "[Cc]onnect" "last error of a job whose server is down"
sbn_start_smtp "$mail" "$port"
ctl jobs retry "$job" >/dev/null
sbn_wait_job "$job" "done"
m=$(sbn_mail_of "$mail" base.revoked)
assert_contains "$(jget "$m" .body)" "撤销原因：其他违法违规事件"
assert_contains "$(jget "$m" .body)" "违规收费"

# ------------------------------------------------------------ a permanent refusal
echo "550 5.1.1 no such mailbox" >"$mail/fail"
app2=$(sb_apply 2)
job=$(sbn_job_of application.applied "$app2")
sbn_wait_job "$job" parked
j=$(sbn_job_json "$job")
assert_json "$j" .attempt 1 "a permanent refusal is not retried"
assert_contains "$(jget "$j" .last_error)" "the server replied 550 (permanent)"
rm "$mail/fail"
ctl jobs retry "$job" >/dev/null
sbn_wait_job "$job" "done"
assert_eq 1 "$(grep -c "^250 <notice.$job@" "$mail/attempts")" "mails accepted for $job"
grep -l "<notice.$job@" "$mail"/mail-*.json >/dev/null || sb_fail "no stored mail for $job"
assert_eq "$(grep -c '^250 ' "$mail/attempts")" "$(sbn_count "$mail/mail-*.json")" \
    "stored mails vs mails accepted"

sbn_stop_notify
