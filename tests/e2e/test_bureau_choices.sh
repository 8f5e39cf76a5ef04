#!/usr/bin/env bash
# The bureau's choices: where the policy sets nothing, the daemon's
# behaviour is configuration, reported by `status` (and `rules`) with the key
# that sets it, "the bureau's choice", never as policy; each one changes
# what the daemon does when the configuration changes it:
# - the EXAMPLE rubric split: a warning at start (log) and in `status` while
#   it is in force, none once the bureau sets its maxima;
# - the publicity length and whether an objection stops its clock;
# - whether the grade bands of 五(二) apply to the total or the base part;
# - one open application or live sub-base per unit;
# - whether a contact e-mail is required (without one, the notice is in the
#   notify worker's spool, for paper);
# - the certificate number's format.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
source "$SB_LIB_DIR/helpers/notify.sh"
spool=$SB_TMP/spool

# ------------------------------------------------------------ the defaults
printf '[notify]\nchannels = spool\nspool_dir = %s\n' "$spool" >"$SB_WORK/default.ini"
sb_clock_set 2026-03-02T10:00
sb_start_daemon --config "$SB_WORK/default.ini"
grep -q "warn  the assessment rubric's split per item is the shipped EXAMPLE" "$SB_DAEMON_ERR" ||
    sb_fail "no warning about the EXAMPLE rubric at start: $(cat "$SB_DAEMON_ERR")"
out=$(ctl status)
for row in "publicity_working_days = 5" "objection_suspends = on" "grade_on = total" \
    "one_per_unit = on" "email_required = off" "certificate_number = HZPTB-{year}-{serial:3}" \
    "rubric_maxima = 25,20,25,30,10,10"; do
    assert_contains "$out" "  $row  (configuration [" "status: $row"
done
assert_contains "$out" "bureau's choices (configuration, not policy):" "status labels them"
assert_contains "$out" "warning: the assessment rubric's split per item is the shipped EXAMPLE" \
    "status warns while the example is in force"
st=$(ctl --json status)
# one row per key the table marks as the bureau's choice, and the rubric's
# maxima together (test_config_file.sh compares them with --help)
marked=$("$SKILLBASED" --help | grep -cF "(the bureau's choice)")
assert_json "$st" '[.bureau_choices[] | select(.decided_by | endswith("(the bureau'"'"'s choice)"))] | length' \
    "$((marked + 1))" "every choice names its key as the bureau's choice"
assert_json "$st" '.bureau_choices | length' "$((marked + 1))" "nothing else among them"
assert_json "$st" '.warnings | length' 1
assert_json "$(ctl --json rules)" '[.settings[] | select(.name == "grade_on")][0].decided_by' \
    "configuration [rubric] grade_on (the bureau's choice)" "rules reports the choices too"
assert_json "$(ctl --json rules)" .rubric_example true

# e-mail not required: a unit without one applies; its notice is spooled for paper
sbn_start_notify --config "$SB_WORK/default.ini"
app=$(sb_apply 1 'del(.contact.email)')
job=$(sbn_job_of application.applied "$app")
sbn_wait_job "$job" done
text=$(cat "$spool/$job.txt")
assert_contains "$text" "Entity: $app" "the notice is in the spool"
assert_not_contains "$text" "jinggong.example.com" "no e-mail address on it"
sb_ctl_fails 1 invalid apply "$(sb_form "$(sb_cc 2)" '.contact.email = "not-an-address"')"
sb_err_names "contact.email: not an e-mail address"
# one open application per unit
sb_ctl_fails 1 conflict apply "$(sb_form "$(sb_cc 1)")"
sb_err_names "one_per_unit, the bureau's choice"
# the default certificate number
sb_drive "$app" certified
b1=$(sb_field "$app" .base_id)
assert_json "$(sb_show "$b1")" .certificate_no HZPTB-2026-001
# grade on the total: base 85 + bonus 10 = 95, excellent
scores=$(sb_scores '{basic_construction: 25, system_construction: 20, training_management: 20, public_service: 20, competition_hosting: 10}')
ctl assess "$b1" -f "$scores" >/dev/null
assert_json "$(sb_show "$b1")" .grade excellent "grade on the total"
sbn_stop_notify
sb_stop_daemon

# ------------------------------------------------------------ the bureau's own
cat >"$SB_WORK/bureau.ini" <<INI
[rubric]
basic_construction = 30
system_construction = 20
training_management = 20
public_service = 30
competition_hosting = 10
other_public_service = 10
grade_on = base
[publicity]
working_days = 7
objection_suspends = off
[applications]
one_per_unit = off
email_required = on
[certificate]
number = HZ{serial:4}/{year}
INI
sb_clock_set 2026-03-02T10:00
sb_start_daemon --config "$SB_WORK/bureau.ini"
assert_log_lacks "$SB_DAEMON_ERR" "the clock is the test or demonstration clock" "EXAMPLE" \
    "the daemon's warnings with the bureau's rubric"
out=$(ctl status)
for row in "publicity_working_days = 7" "objection_suspends = off" "grade_on = base" \
    "one_per_unit = off" "email_required = on" "certificate_number = HZ{serial:4}/{year}" \
    "rubric_maxima = 30,20,20,30,10,10"; do
    assert_contains "$out" "  $row  (configuration [" "status: $row"
done
assert_not_contains "$out" "warning:" "no warning with the bureau's rubric"
assert_json "$(ctl --json rules)" ".rubric_example // false" false

# e-mail required
sb_ctl_fails 1 invalid apply "$(sb_form "$(sb_cc 3)" 'del(.contact.email)')"
sb_err_names "contact.email: missing"
# more than one application per unit
a3=$(sb_apply 3)
a4=$(sb_apply 3 '.base_name = "精工机械二部"')
assert_json "$(sb_show "$a4")" .form.unit.credit_code "$(sb_cc 3)" "a second application of the unit"
# the publicity window runs on through an objection: 7 working days from
# Mon 2 March end on Wed 11 March whatever happens meanwhile
ctl review "$a3" -r "site visit" >/dev/null
ctl evaluate "$a3" --pass -r "meets 二(二)" >/dev/null
assert_json "$(sb_show "$a3")" .publicity_ends_on 2026-03-11
sb_clock_set 2026-03-04T10:00
ctl object "$a3" -r "an objection" >/dev/null
sb_clock_set 2026-03-12T10:00
ctl dismiss-objection "$a3" -r "unfounded" >/dev/null
rec=$(sb_show "$a3")
assert_json "$rec" .publicity_ends_on 2026-03-11 "the window did not stop for the objection"
assert_json "$rec" '.publicity_suspensions // [] | length' 0 "nothing suspended"
ctl close-publicity "$a3" -r "the window ended during the objection" >/dev/null
b3=$(sb_field "$a3" .base_id)
# the bureau's certificate number format
assert_json "$(sb_show "$b3")" .certificate_no HZ0002/2026 "the year's second"
# grade on the base part: base 85 + bonus 10, good (not excellent)
ctl assess "$b3" -f "$scores" >/dev/null
assert_json "$(sb_show "$b3")" .grade good "grade on the base part"
sb_stop_daemon

# ------------------------------------------------------------ refused choices
printf '[certificate]\nnumber = HZ-{serial}\n' >"$SB_WORK/bad.ini"
sb_run "$SKILLBASED" --config "$SB_WORK/bad.ini" --state-dir "$SB_STATE" --check-config
assert_ne 0 "$SB_RC" "a certificate format without {year}"
assert_contains "$SB_ERR" "[certificate] number" "the refusal names the key"
printf '[rubric]\ngrade_on = average\n' >"$SB_WORK/bad.ini"
sb_run "$SKILLBASED" --config "$SB_WORK/bad.ini" --state-dir "$SB_STATE" --check-config
assert_ne 0 "$SB_RC" "grade_on neither total nor base"
assert_contains "$SB_ERR" "grade_on" "the refusal names the key"
