#!/usr/bin/env bash
# Subsidy statements end to end: the real daemon and the real
# skillbase-subsidy. A sub-base certified on 2026-03-10 (test clock) delivers
# services: one to its own institution and one dated before its
# certification (both excluded under policy 六(二), with their reasons), and
# three that count at the shipped EXAMPLE rates (per person-hour, per
# person-time, per hour). The worker computes the statement from the job the
# records enqueued; `subsidy report --json` shows lines, exclusions and
# totals in fen and in yuan. Then the bureau's own rules file (a small cap)
# and `subsidy compute` recompute the year: the statement is capped.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

source "$SB_LIB_DIR/subsidy_lib.sh"

export SKILLBASE_TEST_CLOCK=$SB_WORK/clock
# publicity begins on 8 February; sb_new_base lets it run its course
# (sb_publicity_over: 30 days on) and certifies on 10 March
echo "2026-02-08T09:00" >"$SKILLBASE_TEST_CLOCK"
sb_start_daemon

base=$(sb_new_base 1)
unit_cc=$(sb_cc 1)
client_cc=$(sb_cc 2)
assert_json "$(sb_show "$base")" .certified_on 2026-03-10

# later in the year
echo "2026-06-15T10:00" >"$SKILLBASE_TEST_CLOCK"

# ------------------------------------------------------------ the worker
start_worker
# --check prints the rules and says which amounts are examples
out=$("$SKILLBASE_SUBSIDY" --check)
assert_contains "$out" "example-2026 from 2026-01-01" "--check lists the versions"
assert_contains "$out" "(EXAMPLE)" "--check marks example amounts"

# ------------------------------------------------------------ services
service() { # FILE DATE CC KIND LEVEL TRAINEES HOURS_TENTHS [JQ]
    jq -n --arg d "$2" --arg cc "$3" --arg k "$4" --arg l "$5" --argjson t "$6" --argjson h "$7" \
        '{date: $d, client_name: "杭州某职业技术学院", client_credit_code: $cc, kind: $k,
          occupation: "电工", level: $l, trainees: $t, hours_tenths: $h}' |
        jq "${8:-.}" >"$SB_WORK/$1"
    printf '%s\n' "$SB_WORK/$1"
}

# refused before anything is stored, each naming the field
good_cc=$(sb_cc 3)
bad_cc=${good_cc:0:17}$([ "${good_cc: -1}" = 0 ] && echo 1 || echo 0) # wrong check character
bad=$(service bad.json 2026-04-01 "$bad_cc" training 高级工 10 80)
sb_ctl_fails 1 invalid record-service --base "$base" -f "$bad"
sb_err_names "client_credit_code" "check character"
future=$(service future.json 2026-07-01 "$client_cc" training 高级工 10 80)
sb_ctl_fails 1 invalid record-service --base "$base" -f "$future"
sb_err_names "date: 2026-07-01 is after today (2026-06-15)"
sb_ctl_fails 2 invalid record-service --base "$base" \
    -f "$(service frac.json 2026-04-01 "$client_cc" training 高级工 10 7.5)"
sb_err_names "hours_tenths"
sb_ctl_fails 1 not_found record-service --base base-000404 \
    -f "$(service nobase.json 2026-04-01 "$client_cc" training 高级工 10 80)"

own=$(service own.json 2026-04-01 "$unit_cc" training 高级工 10 80)
early=$(service early.json 2026-02-20 "$client_cc" training 高级工 15 80)
train=$(service train.json 2026-04-10 "$client_cc" training 高级工 20 80)
assess=$(service assess.json 2026-05-05 "$client_cc" skill_assessment 技师 30 35 \
    '.source = "assessment-centre" | .external_id = "AC-2026-0042"')
contest=$(service contest.json 2026-06-01 "$client_cc" competition "" 40 75)

out=$(ctl record-service --base "$base" -f "$own")
assert_match "$out" "^svc-000001: recorded for $base" "record-service output"
rec=$(ctl --json record-service --base "$base" -f "$early")
assert_json "$rec" .id svc-000002
assert_json "$rec" .source operator
assert_json "$rec" .recorded_by e2e
for f in "$train" "$assess" "$contest"; do
    ctl record-service --base "$base" -f "$f" >/dev/null
done
# the same delivery reported again by its source is the same record
rec=$(ctl --json record-service --base "$base" -f "$assess")
assert_json "$rec" .id svc-000004
svc=$(ctl --json subsidy services --base "$base" --year 2026)
assert_json "$svc" 'length' 5
assert_json "$svc" '[.[].id] | join(",")' "svc-000002,svc-000001,svc-000003,svc-000004,svc-000005" \
    "services in date order"

# ------------------------------------------------------------ the statement
# Wait until the statement covers all five records (jobs run one by one).
rep=$(subsidy_wait_report "$base" 5)
st=$(jget "$rep" '.statements[0]')
assert_json "$st" .base_id "$base"
assert_json "$st" .year 2026
# counted at the EXAMPLE rates of version example-2026 (in force on each date):
#   training 高级工 20 x 8.0 h x 25.00 per person-hour      = 4000.00
#   skill_assessment 30 person-times x 60.00                = 1800.00
#   competition 7.5 h x 600.00 per hour                     = 4500.00
assert_json "$st" '.lines | length' 3
assert_json "$st" '[.lines[].service_id] | join(",")' "svc-000003,svc-000004,svc-000005"
assert_json "$st" '[.lines[].amount_fen] | join(",")' "400000,180000,450000"
assert_json "$st" '[.lines[].amount_yuan] | join(",")' "4000.00,1800.00,4500.00"
assert_json "$st" '[.lines[].unit] | join(",")' "per_person_hour,per_person_time,per_hour"
assert_json "$st" '[.lines[].rule_version] | unique | join(",")' example-2026
assert_json "$st" .gross_fen 1030000
assert_json "$st" .total_fen 1030000
assert_json "$st" .total_yuan 10300.00
assert_json "$st" .cap_fen 50000000
assert_json "$st" .cap_yuan 500000.00
assert_json "$st" .capped false
assert_json "$st" .example_rates true
assert_json "$st" .cap_rule_version example-2026
# excluded, with reasons
assert_json "$st" '.exclusions | length' 2
assert_json "$st" '.exclusions[0].service_id' svc-000002
assert_json "$st" '.exclusions[0].reason' not_certified
assert_contains "$(jget "$st" '.exclusions[0].detail')" "before the sub-base was certified on 2026-03-10"
assert_json "$st" '.exclusions[1].service_id' svc-000001
assert_json "$st" '.exclusions[1].reason' own_institution
assert_contains "$(jget "$st" '.exclusions[1].detail')" "$unit_cc"
assert_contains "$(jget "$st" '.exclusions[1].detail')" "六(二)"

# the people's report
out=$(ctl subsidy report --year 2026)
assert_contains "$out" "total 10300.00 yuan" "report total"
assert_contains "$out" "EXAMPLE amounts" "report warns about example rates"
assert_contains "$out" "own_institution:" "report names the exclusion"
# the statement is an event on the sub-base (the notify worker's cue)
hist=$(ctl --json history "$base")
assert_json "$hist" '[.[] | select(.topic == "base.subsidy_statement")] | length > 0' true
assert_json "$hist" '[.[] | select(.topic == "base.service_recorded")] | length' 5
ev=$(jget "$hist" '[.[] | select(.topic == "base.subsidy_statement")][-1]')
assert_json "$ev" .actor "worker:subsidy-e2e"
assert_json "$ev" .to_state certified
assert_contains "$(jget "$ev" .reason)" "10300.00 yuan"

# ------------------------------------------------------------ the bureau's rules
stop_worker
cat >"$SB_WORK/rules.json" <<'EOF'
{"versions": [{"version": "bureau-2026", "effective_from": "2026-01-01",
  "yearly_cap_fen": 500000, "cap_example": false, "rates": [
  {"kind": "training", "level": "*", "unit": "per_person_time", "rate_fen": 30000, "example": false},
  {"kind": "skill_assessment", "level": "*", "unit": "per_person_time", "rate_fen": 1000, "example": false}]}]}
EOF
# the daemon checks every statement against the same file ([subsidy] rules)
printf '[subsidy]\nrules = %s\n' "$SB_WORK/rules.json" >"$SB_WORK/bureau.ini"
sb_stop_daemon TERM
sb_start_daemon --config "$SB_WORK/bureau.ini"
start_worker --rules "$SB_WORK/rules.json"
out=$(ctl subsidy compute --year 2026 --base "$base")
assert_eq "statement jobs queued for 2026: $base" "$out" "subsidy compute output"
# training 20 x 300.00 = 6000.00, assessment 30 x 10.00 = 300.00; no competition rate;
# capped at 5000.00
rep=$(subsidy_wait_report "$base" 5 '.cap_rule_version == "bureau-2026"')
st=$(jget "$rep" '.statements[0]')
assert_json "$st" .gross_yuan 6300.00
assert_json "$st" .capped true
assert_json "$st" .total_fen 500000
assert_json "$st" .total_yuan 5000.00
assert_json "$st" .example_rates false
assert_json "$st" '[.exclusions[].reason] | join(",")' "not_certified,own_institution,no_rate"
assert_contains "$(jget "$st" '.exclusions[2].detail')" "bureau-2026 has no rate for competition"
stop_worker
