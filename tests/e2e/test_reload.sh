#!/usr/bin/env bash
# SIGHUP re-reads the configuration while the daemon serves: a new rubric
# takes effect for the next assessment and the log level changes at once;
# a bad file (unknown key, a rubric that does not sum, an unreadable file)
# is refused with the file, line and reason in the log, and the
# configuration in force stays whole; a start-only key is kept with a
# warning; flags still beat the file; a subscriber connected before the
# reloads keeps receiving events (no connection is dropped).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
conf=$SB_WORK/skillbase.ini

# write_conf BASIC PUBLIC [EXTRA-LINES]: a config with the basic_construction
# and public_service maxima given (the two always sum to 55).
write_conf() {
    cat >"$conf" <<EOF
[daemon]
log_level = ${LOG_LEVEL:-info}
state_dir = $SB_STATE

[rubric]
basic_construction = $1
system_construction = 20
training_management = 25
public_service = $2
competition_hosting = 10
other_public_service = 10
${3:-}
EOF
}

write_conf 25 30
# the flag beats the file's log_level, now and at every reload
sb_launch --config "$conf" --log-level info
sb_wait_ready
base=$(sb_new_base 1)
base2=$(sb_new_base 2)

# a subscriber connected before the reloads (the event stream)
"$SKILLBASECTL" --json-lines events --follow --from 1 >"$SB_WORK/follow.out" 2>"$SB_WORK/follow.err" &
SB_BG_PIDS+=($!)

high=$(sb_scores '{basic_construction: 28, system_construction: 15, training_management: 20, public_service: 20, competition_hosting: 2, other_public_service: 2}')
sb_ctl_fails 1 invalid assess "$base" -f "$high" -r "28 points over the maximum of 25"
sb_err_names basic_construction

# ------------------------------------------------------------ a new rubric
write_conf 30 25
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "configuration reloaded" "verdict"
assert_contains "$SB_RELOAD_VERDICT" "basic_construction 30" "the change is named"
assert_contains "$SB_RELOAD_VERDICT" "public_service 25" "the change is named"
ctl assess "$base" -f "$high" -r "28 of 30 under the new rubric" >/dev/null
assert_json "$(sb_show "$base")" '.assessments[-1].scores.basic_construction' 28

# ------------------------------------------------------------ bad files are refused whole
# an unknown key on line 12, after a rubric change that would otherwise apply
write_conf 20 35 "bogus_item = 5"
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "reload refused" "verdict for an unknown key"
assert_contains "$SB_RELOAD_VERDICT" "$conf:12" "file and line named"
assert_contains "$SB_RELOAD_VERDICT" "bogus_item" "key named"
assert_contains "$SB_RELOAD_VERDICT" "unknown key" "reason given"
ctl status >/dev/null
# the rubric in force is still 30/25: 28 still fits
ctl assess "$base2" -f "$high" -r "still the 30-point rubric" >/dev/null

# a rubric that does not sum to 100
write_conf 30 30
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "reload refused" "verdict for a bad sum"
assert_contains "$SB_RELOAD_VERDICT" "100" "the sum is named"
# a syntax error
printf '[rubric\nbasic_construction = 1\n' >"$conf"
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "reload refused" "verdict for a syntax error"
assert_contains "$SB_RELOAD_VERDICT" "$conf:1: syntax error" "line of the syntax error"
# no file at all
rm -f "$conf"
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "reload refused" "verdict for a missing file"
assert_contains "$SB_RELOAD_VERDICT" "cannot read" "reason for a missing file"
ctl status >/dev/null

# ------------------------------------------------------------ start-only keys are kept
write_conf 30 25 "
[daemon]
batch_max = 7"
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "configuration reloaded" "verdict with a start-only key"
grep -q 'batch_max changed; it takes effect at the next restart' "$SB_DAEMON_ERR" ||
    sb_fail "no warning about the start-only key: $(tail -n 5 "$SB_DAEMON_ERR")"

# ------------------------------------------------------------ log level: the flag wins, then the file
LOG_LEVEL=error write_conf 30 25
sb_reload
assert_contains "$SB_RELOAD_VERDICT" "changed: none" "the --log-level flag still beats the file"

# ------------------------------------------------------------ nothing was dropped
app=$(sb_apply 3)
sb_wait_until 20 "the subscriber connected before the reloads to get the event of $app" \
    grep -q "\"entity_id\":\"$app\"" "$SB_WORK/follow.out"
refused=$(grep -c 'reload refused' "$SB_DAEMON_ERR")
assert_eq 4 "$refused" "reloads refused"
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "exit status after the reloads"
