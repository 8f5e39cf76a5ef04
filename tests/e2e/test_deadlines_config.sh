#!/usr/bin/env bash
# The [deadlines] configuration: the daemon and skillbase-deadlines refuse a
# calendar they cannot read (naming file and line) and bad remind_days; a
# reload (SIGHUP) with a broken calendar is refused and the old one stays in
# use; a reload with a corrected calendar takes effect for the next
# objection (the daemon counts the days used on its own calendar).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/deadlines_lib.sh"

shipped=$SB_REPO_DIR/data/calendar/cn-workdays.tsv
[ -f "$shipped" ] || sb_fail "no shipped calendar at $shipped"
cal=$SB_WORK/calendar.tsv
cp "$shipped" "$cal"
conf=$SB_WORK/deadlines.ini
write_conf() { # REMIND_DAYS
    cat >"$conf" <<EOF
[workers]
heartbeat_ms = 200

[deadlines]
calendar = $cal
remind_days = $1
EOF
}

# ------------------------------------------------------------ refused at start
printf '# broken\n2025-10-09\twork\tX\n' >"$SB_WORK/broken.tsv"
cat >"$SB_WORK/broken.ini" <<EOF
[deadlines]
calendar = $SB_WORK/broken.tsv
EOF
sb_run timeout 20 "$SKILLBASED" --state-dir "$SB_STATE" --config "$SB_WORK/broken.ini"
assert_eq 2 "$SB_RC" "daemon exit status with a broken calendar"
assert_contains "$SB_ERR" "[deadlines] calendar: $SB_WORK/broken.tsv:2: 2025-10-09 is a Thursday" \
    "daemon refusal"

write_conf "30, 30"
sb_run timeout 20 "$SKILLBASED" --state-dir "$SB_STATE" --config "$conf"
assert_eq 2 "$SB_RC" "daemon exit status with remind_days given twice"
assert_contains "$SB_ERR" "[deadlines] remind_days: 30 given twice" "daemon refusal"

sb_run "$SKILLBASE_DEADLINES" --calendar "$SB_WORK/broken.tsv" --check
assert_eq 2 "$SB_RC" "worker exit status with a broken calendar"
assert_contains "$SB_ERR" "broken.tsv:2: 2025-10-09 is a Thursday" "worker refusal"
sb_run "$SKILLBASE_DEADLINES" --config "$SB_WORK/broken.ini" --check
assert_eq 2 "$SB_RC" "worker exit status with [deadlines] calendar broken"
out=$("$SKILLBASE_DEADLINES" --calendar "$cal" --check)
assert_eq "calendar $cal: 2024 to 2026, 108 days listed" "$out" "worker --check"

# ------------------------------------------------------------ reload
write_conf "90,14"
sb_clock_set 2025-03-03T10:00 # Monday
sb_start_daemon --config "$conf" --log-level info # (reload verdicts are logged at info)
# three applications in publicity from Monday 2025-03-03
a1=$(sb_apply 1)
a2=$(sb_apply 2)
a3=$(sb_apply 3)
for a in "$a1" "$a2" "$a3"; do sb_drive "$a" in_publicity; done

# an objection on Friday uses Tue, Wed, Thu
sb_clock_set 2025-03-07T10:00
ctl object "$a1" -r "first" >/dev/null
assert_json "$(sb_show "$a1")" .publicity_days_used 3

# a broken calendar is refused on reload; the one in force stays
printf '2025-03-05\toff\tinvented\n2025-03-05\toff\tagain\n' >>"$cal"
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "reload refused" "reload with a broken calendar"
assert_contains "$(cat "$SB_DAEMON_ERR")" "listed twice" "the refusal names the problem"
ctl object "$a2" -r "second" >/dev/null
assert_json "$(sb_show "$a2")" .publicity_days_used 3

# corrected (one invented holiday on Wednesday): used from the next objection on
cp "$shipped" "$cal"
printf '2025-03-05\toff\tinvented\n' >>"$cal"
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "configuration reloaded" "reload with a good calendar"
ctl object "$a3" -r "third" >/dev/null
assert_json "$(sb_show "$a3")" .publicity_days_used 2

# the remind_days of the reloaded file schedule the next sub-base's reminders
sb_clock_set 2025-03-10T10:00
ctl dismiss-objection "$a1" -r "dismissed" >/dev/null
# publicity runs its course first (二(三)2): the resumed window ends on the 12th
sb_ctl_fails 1 wrong_state close-publicity "$a1" -r "closed by the bureau"
assert_contains "$SB_ERR" "ends on 2025-03-12 at 24:00" "close-publicity before the window ends"
sb_clock_set 2025-03-13T00:00
ctl close-publicity "$a1" -r "closed by the bureau" >/dev/null
base=$(sb_field "$a1" .base_id)
reminders=$(dl_jobs assessment.reminder)
assert_json "$reminders" length 3
assert_json "$reminders" '[.[] | .due_ms] | sort | .[0]' "$(date -u -d '2026-12-12T16:00:00Z' +%s)000" \
    "the 90-day reminder (2027-03-13 - 90 days = 2026-12-13, 00:00 Hangzhou)"
assert_json "$(sb_show "$base")" .next_assessment_due 2027-03-13
