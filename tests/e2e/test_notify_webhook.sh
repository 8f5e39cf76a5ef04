#!/usr/bin/env bash
# skillbase-notify posting notices to a real HTTP server on loopback
# (tests/e2e/helpers/sb_webhook_sink.py), with the real daemon:
#  - the JSON body carries the job, the event's seq, topic and entity, the
#    template, the recipients, the subject and the body; the request carries
#    the job id (Idempotency-Key) and the bearer token;
#  - answers 500 are retryable failures: the job is retried with backoff and
#    done once the server answers 200; always 500: parked, then `jobs retry`
#    delivers it;
#  - with e-mail and webhook both on, a retry caused by the webhook does not
#    send the mail again (the worker remembers what each channel delivered).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/helpers/notify.sh"

hook=$SB_TMP/hook
mail=$SB_TMP/mail
spool=$SB_TMP/spool
sbn_start_webhook "$hook"
sbn_start_smtp "$mail"

cat >"$SB_WORK/skillbase.ini" <<EOF
[workers]
max_attempts = 4
backoff_base_ms = 100
backoff_max_ms = 400

[notify]
channels = spool, smtp, webhook
spool_dir = $spool
operators = ops@hrss.example.cn
smtp_url = smtp://127.0.0.1:$SBN_SMTP_PORT
smtp_from = skillbase@hrss.example.cn
smtp_tls = none
webhook_url = http://127.0.0.1:$SBN_HOOK_PORT/skillbase/notices
webhook_timeout_s = 5
EOF
sb_start_daemon --config "$SB_WORK/skillbase.ini"
SKILLBASE_WEBHOOK_TOKEN=e2e-token-123 sbn_start_notify --config "$SB_WORK/skillbase.ini"

# ------------------------------------------------------------ the posted notice
app=$(sb_apply 1)
job=$(sbn_job_of application.applied "$app")
sbn_wait_job "$job" "done"
assert_contains "$(jget "$(sbn_job_json "$job")" .result.summary)" "webhook posted"
seq=$(jget "$(sbn_job_json "$job")" .event.seq)
post=$(grep -l "\"job_id\":\"$job\"" "$hook"/post-*.json) || sb_fail "no POST for $job"
p=$(cat "$post")
assert_json "$p" .job_id "$job"
assert_json "$p" .seq "$seq"
assert_json "$p" .topic application.applied
assert_json "$p" .action apply
assert_json "$p" .entity_id "$app"
assert_json "$p" .template application_received
assert_json "$p" '.to | join(",")' "training@jinggong.example.com,ops@hrss.example.cn"
assert_contains "$(jget "$p" .subject)" "申报已受理"
assert_contains "$(jget "$p" .body)" "杭州精工机械有限公司"
headers=$(cat "${post%.json}.headers")
assert_contains "$headers" "Idempotency-Key: $job"
assert_contains "$headers" "X-Skillbase-Topic: application.applied"
assert_contains "$headers" "Authorization: Bearer e2e-token-123"
assert_match "$headers" "Content-Type: application/json" "webhook content type"

# ------------------------------------------------------------ 500, 500, then 200
echo 2 >"$hook/fail"
ctl review "$app" -r "on-site review" >/dev/null
job=$(sbn_job_of application.under_review "$app")
sbn_wait_job "$job" "done"
assert_json "$(sbn_job_json "$job")" .attempt 3 "delivered on the third attempt"
assert_eq "500 500 200" "$(grep " $job\$" "$hook/attempts" | cut -d' ' -f1 | paste -sd' ')" \
    "webhook answers for $job"
# the mail went out on the first attempt and was not repeated by the retries
assert_eq 1 "$(grep -c "^250 <notice.$job@" "$mail/attempts")" "mails sent for $job"
assert_contains "$(jget "$(sbn_job_json "$job")" .result.summary)" "sent before"

# ------------------------------------------------------------ always 500: parked, then retried
echo always >"$hook/fail"
ctl evaluate "$app" --pass -r "meets 二(二)" >/dev/null
job=$(sbn_job_of application.in_publicity "$app")
sbn_wait_job "$job" parked
j=$(sbn_job_json "$job")
assert_json "$j" .attempt 4 "attempts before parking"
assert_contains "$(jget "$j" .last_error)" "HTTP 500"
assert_eq 4 "$(grep -c "^500 $job\$" "$hook/attempts")" "refused POSTs for $job"
rm "$hook/fail"
ctl jobs retry "$job" -r "receiver fixed" >/dev/null
sbn_wait_job "$job" "done"
grep -q "\"job_id\":\"$job\"" "$hook"/post-*.json || sb_fail "no POST stored for $job after the retry"
assert_eq 1 "$(grep -c "^250 <notice.$job@" "$mail/attempts")" "mails sent for $job"

sbn_stop_notify
