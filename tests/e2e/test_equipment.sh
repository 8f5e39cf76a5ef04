#!/usr/bin/env bash
# The equipment register (四(二), 四(三)) and the bureau's recommendations
# (六(三), 六(四)) end to end: the real daemon and skillbasectl. A sub-base
# certified on 2026-03-10 (test clock) registers its own equipment (value in
# yuan with fen, exact) and equipment bought with public money; the list
# shows the government-funded items apart with totals per funding; a change
# and a retirement are events that keep the item before and after. The
# bureau records two recommendations and lists them by kind. A reader reads
# all of it and writes none of it; a revoked sub-base takes no new item.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

export SKILLBASE_TEST_CLOCK=$SB_WORK/clock
echo "2026-02-08T09:00" >"$SKILLBASE_TEST_CLOCK"
sb_start_daemon
base=$(sb_new_base 1)
other=$(sb_new_base 2)
assert_json "$(sb_show "$base")" .certified_on 2026-03-10
echo "2026-06-15T10:00" >"$SKILLBASE_TEST_CLOCK"

# ------------------------------------------------------------ add
cat >"$SB_WORK/lathe.json" <<'JSON'
{"item": "数控车床 CK6150", "value": "186500.05", "acquired_on": "2024-05-20",
 "funding": "own", "custodian": "王工", "maintained_by": "设备科 李师傅"}
JSON
cat >"$SB_WORK/robot.json" <<'JSON'
{"item": "工业机器人实训台", "value_fen": 35000000, "acquired_on": "2026-04-01",
 "funding": "government", "custodian": "实训中心 赵老师", "maintained_by": "设备科 李师傅",
 "note": "市财政专项"}
JSON
out=$(ctl --json equipment add "$base" -f "$SB_WORK/lathe.json" -r "annual inventory")
lathe=$(jget "$out" .id)
assert_match "$lathe" '^eq-[0-9]{6}$' "item id"
assert_json "$out" .value_fen 18650005 "yuan with fen, converted exactly"
assert_json "$out" .value_yuan 186500.05
assert_json "$out" .funding own
assert_json "$out" .version 1
out=$(ctl equipment add "$base" -f "$SB_WORK/robot.json" -r "bought with the city's grant")
assert_contains "$out" "added in the register of $base" "add output"
assert_contains "$out" "350000.00 yuan" "add output in yuan"
robot=$(sb_first_line "$out")
robot=${robot%%:*}

# ------------------------------------------------------------ refusals
# floating point never reaches the daemon: a JSON number for value is refused
jq '.value = 186500.05' "$SB_WORK/lathe.json" >"$SB_WORK/float.json"
sb_ctl_fails 2 invalid equipment add "$base" -f "$SB_WORK/float.json" -r x
sb_err_names "value" "yuan as a string"
jq '.value = "12.345"' "$SB_WORK/lathe.json" >"$SB_WORK/mills.json"
sb_ctl_fails 2 invalid equipment add "$base" -f "$SB_WORK/mills.json" -r x
jq '.funding = "leased" ' "$SB_WORK/lathe.json" >"$SB_WORK/leased.json"
sb_ctl_fails 2 invalid equipment add "$base" -f "$SB_WORK/leased.json" -r x
jq 'del(.custodian) | .acquired_on = "2026-07-01" | .value = "0"' "$SB_WORK/lathe.json" \
    >"$SB_WORK/bad.json"
sb_ctl_fails 1 invalid equipment add "$base" -f "$SB_WORK/bad.json" -r x
sb_err_names "item.custodian: missing" "item.acquired_on: 2026-07-01 is after today" \
    "item.value_fen"
sb_ctl_fails 2 invalid equipment add "$base" -f "$SB_WORK/lathe.json"
sb_err_names "reason"
sb_ctl_fails 1 not_found equipment add base-999999 -f "$SB_WORK/lathe.json" -r x
sb_ctl_fails 1 not_found equipment retire "$other" "$lathe" -r x
sb_err_names "no equipment item $lathe in the register of $other"

# ------------------------------------------------------------ list, totals per funding
reg=$(ctl --json equipment list "$base")
assert_json "$reg" '.items | length' 2
assert_json "$reg" '.items[0].funding' government "government-funded items come first"
assert_json "$reg" '[.totals[] | select(.funding == "government")][0].value_fen' 35000000
assert_json "$reg" '[.totals[] | select(.funding == "own")][0].value_yuan' 186500.05
assert_json "$reg" '[.totals[] | select(.funding == "own")][0].items' 1
assert_json "$reg" .value_yuan 536500.05 "the register's total"
gov=$(ctl --json equipment list "$base" --funding government)
assert_json "$gov" '[.items[].id] | join(",")' "$robot" "--funding government"
text=$(ctl equipment list "$base")
assert_contains "$text" "government-funded" "list text"
assert_contains "$text" "1 item in service, 350000.00 yuan" "list text"
assert_contains "$text" "total in service: 536500.05 yuan" "list text"
assert_json "$(ctl --json equipment list "$other")" '.items | length' 0 "another register"

# ------------------------------------------------------------ change and retire: events with before and after
jq '.custodian = "实训中心 钱老师"' "$SB_WORK/robot.json" >"$SB_WORK/robot2.json"
out=$(ctl --json equipment change "$base" "$robot" -f "$SB_WORK/robot2.json" -r "custodian left")
assert_json "$out" .version 2
assert_json "$out" .custodian "实训中心 钱老师"
sb_ctl_fails 1 invalid equipment change "$base" "$robot" -f "$SB_WORK/robot2.json" -r again
sb_err_names "nothing to change"
sb_ctl_fails 1 invalid equipment retire "$base" "$lathe" --on 2024-01-01 -r "sold"
sb_err_names "before the item was acquired"
out=$(ctl --json equipment retire "$base" "$lathe" --on 2026-06-01 -r "scrapped after a crash")
assert_json "$out" .retired true
assert_json "$out" .retired_on 2026-06-01
sb_ctl_fails 1 wrong_state equipment retire "$base" "$lathe" -r "again"
hist=$(ctl --json history "$base")
ch=$(jget "$hist" '[.[] | select(.topic == "base.equipment_changed")]')
assert_json "$ch" length 1
assert_json "$ch" '.[0].equipment_before.custodian' "实训中心 赵老师" "before"
assert_json "$ch" '.[0].equipment_after.custodian' "实训中心 钱老师" "after"
assert_json "$ch" '.[0].equipment_after.version' 2
assert_contains "$(jget "$ch" '.[0].reason')" "custodian 实训中心 赵老师 → 实训中心 钱老师: custodian left" \
    "the history's reason names the change"
add=$(jget "$hist" '[.[] | select(.topic == "base.equipment_added")]')
assert_json "$add" length 2
assert_json "$add" '.[0].equipment_before' null "an addition has no before"
ret=$(jget "$hist" '[.[] | select(.topic == "base.equipment_retired")]')
assert_json "$ret" '.[0].equipment_before.retired // false' false
assert_json "$ret" '.[0].equipment_after.retired' true
reg=$(ctl --json equipment list "$base")
assert_json "$reg" '.items | length' 1 "retired items are left out"
assert_json "$reg" .value_fen 35000000 "totals count items in service"
assert_json "$(ctl --json equipment list "$base" --all)" '.items | length' 2 "--all"

# ------------------------------------------------------------ recommendations
sb_ctl_fails 2 invalid recommend "$base" tax_office --on 2026-06-10 -r x
sb_ctl_fails 2 invalid recommend "$base" designated_training -r x
sb_err_names "--on"
sb_ctl_fails 1 invalid recommend "$base" designated_training --on 2026-07-10 -r x
sb_err_names "after today"
sb_ctl_fails 1 invalid recommend "$base" designated_training --on 2026-01-10 -r x
sb_err_names "before $base was certified"
out=$(ctl --json recommend "$base" designated_training --on 2026-06-10 \
    -r "meets the conditions of a designated training institution")
assert_json "$out" .kind designated_training
assert_json "$out" .on 2026-06-10
assert_json "$out" .base_name "$(sb_field "$base" .name)"
ctl recommend "$other" training_evaluation --on 2026-06-12 -r "applies to the selection" >/dev/null
ctl recommend "$base" training_evaluation --on 2026-06-11 -r "applies to the selection" >/dev/null
sb_ctl_fails 1 conflict recommend "$base" designated_training --on 2026-06-10 -r again
all=$(ctl --json recommendations)
assert_json "$all" length 3
assert_json "$all" '[.[] | select(.kind == "training_evaluation")] | [.[].base_id] | join(",")' \
    "$base,$other" "by kind, then date"
te=$(ctl --json recommendations --kind designated_training)
assert_json "$te" length 1
assert_json "$te" '.[0].reason' "meets the conditions of a designated training institution"
assert_contains "$(ctl recommendations)" "3 recommendations" "recommendations text"
ev=$(jget "$(ctl --json history "$base")" '[.[] | select(.topic == "base.recommended")]')
assert_json "$ev" length 2
assert_json "$ev" '.[0].recommendation.kind' designated_training

# ------------------------------------------------------------ a revoked sub-base
ctl revoke "$other" --cause violation -r "verified violation" >/dev/null
sb_ctl_fails 1 wrong_state equipment add "$other" -f "$SB_WORK/lathe.json" -r x
sb_err_names "revoked"
sb_ctl_fails 1 wrong_state recommend "$other" designated_training --on 2026-06-15 -r x
assert_json "$(ctl --json equipment list "$other")" '.items | length' 0 "a revoked register reads"

# ------------------------------------------------------------ a reader reads, never writes
sb_stop_daemon
printf '[security]\nipc_role = reader\n' >"$SB_WORK/reader.ini"
sb_start_daemon --config "$SB_WORK/reader.ini"
assert_json "$(ctl --json equipment list "$base" --all)" '.items | length' 2 "a reader lists"
assert_json "$(ctl --json recommendations)" length 3 "a reader lists recommendations"
sb_ctl_fails 1 forbidden equipment add "$base" -f "$SB_WORK/robot.json" -r x
sb_err_names equipment_add reader
sb_ctl_fails 1 forbidden equipment retire "$base" "$robot" -r x
sb_ctl_fails 1 forbidden recommend "$base" designated_training --on 2026-06-15 -r x
sb_err_names recommend reader
sb_stop_daemon
echo "PASS"
