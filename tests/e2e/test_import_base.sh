#!/usr/bin/env bash
# Existing sub-bases (七(一)): `import-base` registers a sub-base certified
# before this system, under 杭人社发〔2013〕480号 (repealed on 2024-01-20) or
# an earlier decision, against the real daemon and CLI:
# - one without a result enters certified, one with a passing result enters
#   assessed; their cycles count from the original certification date
#   (五(一)) and give the due date; the import is the event base.imported;
# - refusals name the field: a fail result, a total outside its grade's
#   band, 480号 after its repeal, a credit code wrong in a part, a unit that
#   already has a live sub-base;
# - the same import again imports nothing (keyed on the credit code and the
#   original certificate number);
# - with [four_eyes] certify on, an import is a proposal another operator
#   confirms;
# - a CSV with good and bad rows: each refused row reported with its line
#   and reason, the good rows imported; run again, nothing imported twice.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_clock_set 2026-06-01T10:00
sb_start_daemon

# an ImportBase as JSON: credit code N, then a jq filter
imp() { # N [JQ-FILTER]
    local f
    f=$(mktemp --suffix=.json "$SB_WORK/imp.XXXXXX")
    # (two live sub-bases do not share a name: unit N > 1 adds N to it)
    jq -n --arg cc "$(sb_cc "$1")" --arg n "$1" '{
        unit: {name: "杭州老牌机电有限公司", credit_code: $cc, type: "enterprise",
               district: "萧山区", legal_person: true},
        contact: {name: "李明", phone: "0571-82000000"},
        name: ("杭州市公共实训基地老牌机电" + (if $n == "1" then "" else $n end) + "分基地"),
        certified_on: "2020-03-15", certificate_no: "杭人社2020-017",
        decision: "杭人社发〔2013〕480号"} | '"${2:-.}" >"$f"
    printf '%s\n' "$f"
}
bases() { ctl --json list --kind base | jq length; }

# ------------------------------------------------------------ one without a result
out=$(ctl import-base -f "$(imp 1)" -r "registered before the system")
b1=$(grep -o 'base-[0-9]*' <<<"$out" | head -n 1)
[ -n "$b1" ] || sb_fail "import-base printed no id: $out"
js=$(ctl --json show "$b1")
assert_json "$js" .state certified "no result: certified"
assert_json "$js" .certified_on 2020-03-15 "the original date"
assert_json "$js" .certificate_no "杭人社2020-017" "the original number"
assert_json "$js" .name "杭州市公共实训基地老牌机电分基地" "the official name as granted"
# a name a live sub-base holds is refused (二(三)2), as at certification
sb_ctl_fails 1 conflict import-base -f "$(imp 50 '.name = "杭州市公共实训基地老牌机电分基地"')" -r "same name"
sb_err_names "live sub-base $b1"
assert_json "$js" .imported.decision "杭人社发〔2013〕480号" "the decision"
assert_json "$js" .imported.imported_on 2026-06-01 "the import's date"
# cycle 4 (2026-03-15 to 2028-03-14) is today's: due at its end
assert_json "$js" .next_assessment_due 2028-03-15 "the due date follows from the original date"
assert_json "$js" '.application_id // ""' "" "no application"
ev=$(ctl --json history "$b1" | jq -c '.[0]')
assert_json "$ev" .topic base.imported "the import's event"
assert_json "$ev" .action import_base "recorded as an import"
assert_json "$ev" .reason "registered before the system" "with its reason"
assert_contains "$(ctl show "$b1")" "imported" "show says it was imported"
# the deadlines worker's reminders before the due date, as for a certification
rem=$(ctl --json jobs --type assessment.reminder | jq -c "[.[] | select(.entity_id == \"$b1\")]")
assert_json "$rem" 'length > 0' true "assessment reminders scheduled for the imported sub-base"

# ------------------------------------------------------------ one with a result
out=$(ctl import-base -f "$(imp 2 '.certified_on = "2019-05-10" | .certificate_no = "HZ-2019-3" |
    .last_result = {grade: "good", total: 85, assessed_on: "2023-04-20"} |
    .base_level = "district"')" -r "with its last result")
b2=$(grep -o 'base-[0-9]*' <<<"$out" | head -n 1)
js=$(ctl --json show "$b2")
assert_json "$js" .state assessed "a passing result: assessed"
assert_json "$js" .grade good "its grade"
assert_json "$js" .total 85 "its total"
assert_json "$js" '.assessments | length' 1 "the result is its first assessment"
assert_json "$js" '.assessments[0].cycle' 2 "2023-04-20 is in cycle 2 from 2019-05-10"
assert_json "$js" '.assessments[0].assessed_on' 2023-04-20 "the result's date"
# the next after cycle 2 is due at the end of cycle 3 (overdue today: a fact)
assert_json "$js" .next_assessment_due 2025-05-10 "due at the end of the cycle after the result's"
assert_json "$js" .base_level district "a district-level import"
assert_json "$js" .imported.had_result true "had_result"

# ------------------------------------------------------------ refused, naming the field
sb_ctl_fails 1 invalid import-base -f "$(imp 3 '.last_result = {grade: "fail", total: 50, assessed_on: "2022-01-01"}')" -r x
sb_err_names "不合格" "五(二)"
sb_ctl_fails 1 invalid import-base -f "$(imp 3 '.last_result = {grade: "good", total: 95, assessed_on: "2022-01-01"}')" -r x
sb_err_names "last_result.total" "band"
sb_ctl_fails 1 invalid import-base -f "$(imp 3 '.certified_on = "2024-02-01"')" -r x
sb_err_names "480号 was repealed" "七(一)"
sb_ctl_fails 1 invalid import-base -f "$(imp 3 '.unit.credit_code = "91330100MA00000150"')" -r x
sb_err_names "credit_code"
sb_ctl_fails 1 invalid import-base -f "$(imp 3 '.certified_on = "2030-01-01"')" -r x
sb_err_names "after today"
sb_ctl_fails 1 conflict import-base -f "$(imp 1 '.certificate_no = "another"')" -r x
sb_err_names "already has sub-base $b1"
sb_ctl_fails 2 "" import-base -f "$(imp 3)"
assert_contains "$SB_ERR" "-r REASON" "a reason is required"

# ------------------------------------------------------------ idempotent
n=$(bases)
out=$(ctl --json import-base -f "$(imp 1)" -r "registered before the system")
assert_json "$out" .id "$b1" "the same import again: the first answer"
assert_eq "$n" "$(bases)" "nothing imported twice"

# ------------------------------------------------------------ csv
csv=$SB_WORK/bases.csv
{
    printf '\xef\xbb\xbf'
    echo 'credit_code,unit_name,unit_type,district,name,certified_on,certificate_no,decision,level,grade,total,assessed_on'
    echo "$(sb_cc 10),\"杭州甲,机械有限公司\",enterprise,西湖区,杭州市公共实训基地甲分基地,2018-09-01,A-1,杭人社发〔2013〕480号,city,良好,88,2022-06-01"
    echo "$(sb_cc 11),杭州乙学院,university,上城区,杭州市公共实训基地乙分基地,2021-01-05,A-2,杭人社发〔2013〕480号,district,,,"
    echo "91330100MA00000150,杭州丙公司,enterprise,西湖区,杭州市公共实训基地丙分基地,2017-01-01,A-3,杭人社发〔2013〕480号,,,,"
    echo "$(sb_cc 12),杭州丁公司,enterprise,西湖区,杭州市公共实训基地丁分基地,2017-01-01,A-4,杭人社发〔2013〕480号,,splendid,90,2020-01-01"
    echo "$(sb_cc 13),杭州戊公司,enterprise,西湖区,杭州市公共实训基地戊分基地,2016-04-01,A-5,杭人社〔2015〕12号,,优秀,92,2020-03-01"
} >"$csv"
n=$(bases)
sb_run "$SKILLBASECTL" import-base --csv "$csv" -r "the 2013 register"
assert_eq 1 "$SB_RC" "a refused row: exit 1"
assert_contains "$SB_OUT" "line 2: imported base-" "row on line 2"
assert_contains "$SB_OUT" "line 3: imported base-" "row on line 3"
assert_contains "$SB_OUT" "line 6: imported base-" "row on line 6"
assert_contains "$SB_ERR" "line 4: refused: invalid:" "the bad credit code, by line"
assert_contains "$SB_ERR" "credit_code" "and why"
assert_contains "$SB_ERR" "line 5: refused: invalid: grade:" "the bad grade, by line"
assert_contains "$SB_OUT" "5 rows: 3 imported, 0 proposed (four eyes), 0 already imported or proposed, 2 refused" "summary"
assert_eq $((n + 3)) "$(bases)" "the good rows imported"
ba=$(ctl --json list --kind base | jq -r '.[] | select(.unit_name == "杭州甲,机械有限公司") | .id')
[ -n "$ba" ] || sb_fail "the quoted unit name with a comma did not come through"
assert_json "$(ctl --json show "$ba")" .state assessed "csv with a result: assessed"
assert_json "$(ctl --json show "$ba")" .grade good "良好 is good"
bb=$(ctl --json list --kind base | jq -r '.[] | select(.certificate_no == "A-2") | .id')
assert_json "$(ctl --json show "$bb")" .base_level district "csv level"
assert_json "$(ctl --json show "$bb")" .state certified "csv without a result: certified"
# again: nothing twice, the bad rows refused again
sb_run "$SKILLBASECTL" --json import-base --csv "$csv" -r "the 2013 register"
assert_eq 1 "$SB_RC" "again: exit 1 for the bad rows"
assert_json "$SB_OUT" .summary.imported 0 "again: nothing imported"
assert_json "$SB_OUT" .summary.already 3 "again: three already imported"
assert_json "$SB_OUT" '[.rows[] | select(.outcome == "refused") | .line] | join(",")' "4,5" "again: the refused lines"
assert_eq $((n + 3)) "$(bases)" "nothing imported twice"
# the roster holds imported sub-bases (no application behind them)
assert_json "$(ctl --json roster)" "[.[] | select(.id == \"$b2\")][0].level" district "the roster"
# a bad header is a usage error naming the column
printf 'credit_code,colour\n' >"$SB_WORK/bad.csv"
sb_ctl_fails 2 "" import-base --csv "$SB_WORK/bad.csv" -r x
assert_contains "$SB_ERR" 'unknown column "colour"' "an unknown column"

# ------------------------------------------------------------ four eyes
sb_stop_daemon TERM
printf '[four_eyes]\ncertify = on\n' >"$SB_WORK/fe.ini"
sb_start_daemon --config "$SB_WORK/fe.ini"
unset SKILLBASE_ACTOR
n=$(bases)
out=$(ctl --as alice import-base -f "$(imp 20)" -r "four eyes")
prop=$(grep -o 'prop-[0-9]*' <<<"$out" | head -n 1)
[ -n "$prop" ] || sb_fail "the import under four eyes made no proposal: $out"
assert_eq "$n" "$(bases)" "a proposal imports nothing yet"
sb_ctl_fails 1 forbidden --as alice confirm "$prop"
sb_err_names "four eyes"
out=$(ctl --json --as alice import-base -f "$(imp 20)" -r "four eyes")
assert_json "$out" .id "$prop" "the same import again: the same proposal"
ctl --as bob confirm "$prop" >/dev/null
assert_eq $((n + 1)) "$(bases)" "confirmed: imported"
b20=$(ctl --json list --kind base | jq -r '.[-1].id')
ev=$(ctl --json history "$b20" | jq -c '.[0]')
assert_json "$ev" .topic base.imported "the import's event"
assert_json "$ev" .actor bob "confirmed by bob"
assert_json "$ev" .proposed_by alice "proposed by alice"
assert_json "$ev" .proposal_id "$prop" "naming the proposal"
assert_json "$(ctl --json show "$b20")" .imported.imported_by bob "imported_by: the confirmer"
sb_note "existing sub-bases imported"
