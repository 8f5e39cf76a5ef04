#!/usr/bin/env bash
# The whole life of an application and of its sub-base, through the real
# daemon and CLI: apply -> review -> evaluate --pass -> close-publicity ->
# certified (a sub-base named, numbered and dated); biennial assessments
# (good, pass, then fail -> revoked, plaque withdrawn); a direct revocation;
# the audit trail (history, events) with actors and reasons; list filters and
# status counts; the objection paths; reject / withdraw from each open state.
# (The grades an assessment's total gives: test_assessment_grades.sh.)
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon


base_name=$(jq -r .base_name "$SB_EXAMPLES/application.json")
if [ -z "$base_name" ] || [ "$base_name" = null ]; then sb_fail "examples/application.json has no base_name"; fi

# ------------------------------------------------------------ apply .. certified
cc1=$(sb_cc 1)
form1=$(sb_form "$cc1")
app=$(ctl --as alice apply "$form1")
assert_eq app-000001 "$app" "apply prints the new id alone"

rec=$(sb_show "$app")
assert_json "$rec" .kind application
assert_json "$rec" .id "$app"
assert_json "$rec" .state applied
assert_json "$rec" .version 1
assert_json "$rec" .form.unit.credit_code "$cc1"
assert_json "$rec" .form.base_name "$base_name"
assert_json "$rec" '.base_id // ""' "" "an application has no base before certification"

out=$(ctl --as alice review "$app" -r "experts booked for the site visit")
assert_match "$out" "^$app: under_review \\(version 2\\)" "review output"

# the experts' review is recorded (二(三)2): at least [review] min_experts (3)
visit=$(sb_today)
sb_ctl_fails 1 invalid evaluate "$app" --pass -r "x" --experts "张三,李四" --visited-on "$visit"
sb_err_names "experts: 2 named, at least 3"
sb_ctl_fails 1 invalid evaluate "$app" --pass -r "x" --experts "张三，李四、李四" --visited-on "$visit"
sb_err_names "李四 is named twice"
sb_ctl_fails 1 invalid evaluate "$app" --pass -r "x" --experts "张三,李四,王五" --visited-on 2999-01-01
sb_err_names "visited_on: 2999-01-01 is after today"
SB_NO_EXPERTS=1 sb_ctl_fails 1 invalid evaluate "$app" --pass -r "x"
sb_err_names "experts: 0 named" "visited_on"
out=$(ctl --as alice evaluate "$app" --pass -r "site, staff and materials meet 二(二)" \
    --experts "张三, 李四，王五" --visited-on "$visit" --report RPT-2026-07)
assert_match "$out" "^$app: in_publicity \\(version 3\\)" "evaluate --pass output"
rec=$(sb_show "$app")
assert_today "$(jget "$rec" .publicity_started_on)" "publicity_started_on"
assert_json "$rec" '.review.experts | join(",")' "张三,李四,王五" "experts recorded"
assert_json "$rec" .review.visited_on "$visit"
assert_json "$rec" .review.report RPT-2026-07
assert_contains "$(ctl show "$app")" "- 李四" "show prints the experts"

# publicity runs its course (二(三)2): refused before the window ends
# (test_publicity_course.sh tries every day of a window)
ends=$(jget "$rec" .publicity_ends_on)
assert_match "$ends" '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' "publicity_ends_on, counted by the daemon"
sb_ctl_fails 1 wrong_state close-publicity "$app" -r "too early"
assert_contains "$SB_ERR" "ends on $ends at 24:00" "early close-publicity names the end"
assert_eq 3 "$(sb_version "$app")" "version after a refused close-publicity"
sb_publicity_over
out=$(ctl --as alice close-publicity "$app" -r "publicity over, no objection")
assert_match "$out" "^$app: certified \\(version 4\\)" "close-publicity output"
assert_contains "$out" "sub-base base-000001" "close-publicity names the sub-base it created"

rec=$(sb_show "$app")
assert_json "$rec" .state certified
assert_json "$rec" .version 4
assert_json "$rec" .base_id base-000001
assert_today "$(jget "$rec" .decided_on)" "application decided_on"

base="base-000001"
b=$(sb_show "$base")
assert_json "$b" .kind base
assert_json "$b" .id "$base"
assert_json "$b" .state certified
assert_json "$b" .version 1
assert_json "$b" .application_id "$app"
assert_json "$b" .name "杭州市公共实训基地${base_name}分基地"
assert_json "$b" .plaque "杭州市高技能人才公共实训基地"
assert_json "$b" .credit_code "$cc1"
assert_json "$b" .unit_name "$(jq -r .unit.name "$form1")"
assert_json "$b" .contact.name "$(jq -r .contact.name "$form1")"
certified_on=$(jget "$b" .certified_on)
assert_today "$certified_on" "certified_on"
assert_json "$b" .certificate_no "HZPTB-${certified_on%%-*}-001"
assert_json "$b" .next_assessment_due "$(sb_plus_two_years "$certified_on")"
assert_json "$b" '.plaque_withdrawn // false' false "a new sub-base keeps its plaque"
assert_json "$b" '.assessments // [] | length' 0
district=$(jget "$b" .district)
assert_match "$district" '(区|县|市)$' "sub-base district is a canonical Chinese name"

# ------------------------------------------------------------ assessments
out=$(ctl --as alice assess "$base" -f "$SB_EXAMPLES/scores-good.json" -r "2026 assessment")
assert_match "$out" "^$base: assessed \\(version 2\\)" "assess (good) output"
assert_contains "$out" "total 85, grade good" "assess (good) output"
b=$(sb_show "$base")
assert_json "$b" .state assessed
assert_json "$b" .total 85
assert_json "$b" .grade good
assert_json "$b" '.assessments | length' 1
assert_json "$b" '.assessments[0].total' 85
assert_json "$b" '.assessments[0].grade' good
assert_json "$b" '(.assessments[0].base_total // 0 | tonumber) + (.assessments[0].bonus_total // 0 | tonumber)' 85
assert_json "$b" '.assessments[0].assessor' alice
assert_today "$(jget "$b" '.assessments[0].assessed_on')" "assessed_on"
# 五(一) 每两年: the result of cycle 1; the next is due when cycle 2 ends
assert_json "$b" '.assessments[0].cycle' 1
assert_json "$b" .next_assessment_due "$(sb_plus_two_years "$(sb_plus_two_years "$certified_on")")"
assert_json "$b" '.assessments[0].maxima.public_service' 30 "the rubric maxima in force, recorded"
assert_json "$b" '.assessments[0].review.experts | length' 3 "the assessing experts, recorded"
assert_json "$b" '.plaque_withdrawn // false' false

# one result per cycle: a second is refused, naming the cycle and its result
pass70=$(sb_scores '{basic_construction: 20, system_construction: 15, training_management: 20, public_service: 15}')
sb_ctl_fails 1 conflict assess "$base" -f "$pass70" -r "re-assessment"
sb_err_names "assessment cycle 1 ($certified_on to" "total 85, grade good" "--correct"
sb_ctl_fails 1 invalid assess "$base" -f "$pass70" --correct   # a correction needs a reason
# a correction is explicit, audited, and keeps the earlier result
out=$(ctl --as alice --json assess "$base" -f "$pass70" --correct -r "site item 3 was miscounted")
assert_json "$out" .kind base
assert_json "$out" .state assessed
assert_json "$out" .version 3
assert_json "$out" .total 70
assert_json "$out" .grade pass
assert_json "$out" '.assessments | length' 2
assert_json "$out" '[.assessments[].total | tostring] | join(",")' "85,70" "assessments oldest first"
assert_json "$out" '.assessments[0].superseded' true "the corrected result is kept, superseded"
assert_json "$out" '.assessments[1].correction' true
assert_json "$out" '.assessments[1].cycle' 1
assert_json "$(ctl --json history "$base" | jq -c '.[-1]')" .reason \
    "site item 3 was miscounted (experts 张三, 李四, 王五; site visit $(sb_today))"

# corrected again, to a fail: it revokes like any failing result (五(二))
out=$(ctl --as alice assess "$base" -f "$SB_EXAMPLES/scores-fail.json" --correct -r "failed 2028 assessment")
assert_match "$out" "^$base: revoked \\(version 4\\)" "assess (fail) output"
assert_contains "$out" "total 50, grade fail" "assess (fail) output"
b=$(sb_show "$base")
assert_json "$b" .state revoked
assert_json "$b" .total 50
assert_json "$b" .grade fail
assert_json "$b" .plaque_withdrawn true
assert_json "$b" .revoked_cause assessment_failed
assert_today "$(jget "$b" .revoked_on)" "revoked_on"
assert_json "$b" '.assessments | length' 3

# ------------------------------------------------------------ direct revocation
base2=$(sb_new_base 2)
assert_eq base-000002 "$base2" "second sub-base id"
assert_json "$(sb_show "$base2")" .certificate_no "HZPTB-${certified_on%%-*}-002"
out=$(ctl --as bob revoke "$base2" --cause verified_complaint -r "complaint verified by the bureau")
assert_match "$out" "^$base2: revoked \\(version 2\\)" "revoke output"
b=$(sb_show "$base2")
assert_json "$b" .state revoked
assert_json "$b" .revoked_cause verified_complaint
assert_json "$b" .plaque_withdrawn true
assert_today "$(jget "$b" .revoked_on)" "revoked_on"

# ------------------------------------------------------------ audit trail
h=$(ctl --json history "$app")
assert_json "$h" 'length' 4 "history of $app"
ACTIONS_APP=$h  # checked at the end
assert_json "$h" '[.[].to_state] | join(",")' "applied,under_review,in_publicity,certified"
assert_json "$h" '[.[] | .from_state // "-"] | join(",")' "-,applied,under_review,in_publicity"
assert_json "$h" '[.[].actor] | unique | join(",")' alice
assert_json "$h" '[.[].entity_id] | unique | join(",")' "$app"
assert_json "$h" '[.[].topic] | join(",")' \
    "application.applied,application.under_review,application.in_publicity,application.certified"
assert_json "$h" '.[1].reason' "experts booked for the site visit"
assert_json "$h" '.[2].reason' "site, staff and materials meet 二(二) (experts 张三, 李四, 王五; site visit $visit; report RPT-2026-07)"
assert_contains "$(ctl history "$app")" "experts 张三, 李四, 王五" "history prints the experts"
assert_json "$h" '.[3].reason' "publicity over, no objection"
assert_json "$h" '[.[].seq | tonumber] | . == sort' true "history in sequence order"
assert_json "$h" '[.[].time_ms | tonumber] | . == sort' true "history times non-decreasing"
assert_json "$h" '[.[].seq | tonumber] | unique | length' 4 "distinct sequence numbers"

h=$(ctl --json history "$base")
assert_json "$h" '[.[].to_state] | join(",")' "certified,assessed,assessed,revoked" "history of $base"
assert_json "$h" '.[0].from_state' null "the sub-base's creation has no from_state"
assert_json "$h" '.[0].topic' base.certified
assert_json "$h" '.[3].topic' base.revoked
assert_match "$(jget "$h" '.[3].reason')" '^failed 2028 assessment \(experts 张三, 李四, 王五; site visit [0-9-]{10}\)$' "reason of the failing correction"
assert_json "$h" '.[3].actor' alice

hh=$(ctl history "$app")
assert_eq 4 "$(printf '%s\n' "$hh" | grep -c alice)" "human history: one line per transition, each naming the actor"
assert_contains "$hh" alice "human history names the actor"
assert_contains "$hh" "experts booked for the site visit" "human history shows reasons"

ev=$(sb_all_events)
assert_json "$ev" '[.[].seq | tonumber] == [range(1; length + 1)]' true "events numbered 1..N without gaps"
assert_json "$ev" '[.[] | select(.entity_id == "base-000001" and .topic == "base.certified")] | length' 1

# ------------------------------------------------------------ objections
o1=$(sb_apply 3)
sb_drive "$o1" in_publicity
out=$(ctl object "$o1" -r "a rival unit disputes the equipment list")
assert_match "$out" "^$o1: under_review \\(version 4\\)" "object output"
rec=$(sb_show "$o1")
assert_json "$rec" .objection_open true
assert_json "$rec" .objections 1
out=$(ctl dismiss-objection "$o1" -r "equipment verified on site")
assert_match "$out" "^$o1: in_publicity \\(version 5\\)" "dismiss-objection output"
rec=$(sb_show "$o1")
assert_json "$rec" '.objection_open // false' false "objection closed after dismissal"
assert_json "$rec" .objections 1
assert_today "$(jget "$rec" .publicity_started_on)" "publicity restarted"
sb_ctl_fails 1 wrong_state close-publicity "$o1"
assert_contains "$SB_ERR" "ends on $(jget "$rec" .publicity_ends_on) at 24:00" "close before the resumed window ends"
sb_publicity_over
out=$(ctl close-publicity "$o1")
assert_match "$out" "^$o1: certified \\(version 6\\)" "close-publicity after a dismissed objection"
assert_json "$(sb_show "$o1")" .base_id base-000003
h=$(ctl --json history "$o1")
assert_json "$h" '[.[].to_state] | join(",")' \
    "applied,under_review,in_publicity,under_review,in_publicity,certified" "history of $o1"

o2=$(sb_apply 4)
sb_drive "$o2" in_publicity
ctl object "$o2" -r "the site is leased, not owned" >/dev/null
out=$(ctl uphold-objection "$o2" -r "lease contract found")
assert_match "$out" "^$o2: rejected \\(version 5\\)" "uphold-objection output"
rec=$(sb_show "$o2")
assert_json "$rec" .state rejected
assert_json "$rec" '.base_id // ""' ""
assert_today "$(jget "$rec" .decided_on)" "decided_on after an upheld objection"

o3=$(sb_apply 5)
sb_drive "$o3" under_review
out=$(ctl evaluate "$o3" --fail -r "teachers lack credentials")
assert_match "$out" "^$o3: rejected \\(version 3\\)" "evaluate --fail output"

# ------------------------------------------------------------ reject / withdraw
n=10
for verb in reject withdraw; do
    for from in applied under_review in_publicity; do
        n=$((n + 1))
        id=$(sb_apply "$n")
        sb_drive "$id" "$from"
        v=$(sb_version "$id")
        out=$(ctl "$verb" "$id" -r "$verb while $from")
        want=rejected
        [ "$verb" = reject ] || want=withdrawn
        assert_match "$out" "^$id: $want \\(version $((v + 1))\\)" "$verb from $from"
        rec=$(sb_show "$id")
        assert_json "$rec" .state "$want"
        assert_today "$(jget "$rec" .decided_on)" "decided_on after $verb from $from"
        assert_json "$(ctl --json history "$id")" '.[-1].reason' "$verb while $from"
        # terminal: nothing more is allowed
        sb_ctl_fails 1 wrong_state review "$id"
        sb_err_names "$want"
    done
done

# ------------------------------------------------------------ list and status
# Applications: 1 certified (app), 2 revoked bases; o1 certified, o2 rejected,
# o3 rejected; 3 rejected + 3 withdrawn; app-000002 (base2) certified.
apps=$(ctl --json list --kind application)
assert_json "$apps" 'length' 11 "list --kind application"
assert_json "$apps" '[.[].kind] | unique | join(",")' application
assert_json "$apps" '[.[].id] == ([.[].id] | sort)' true "list ordered by id"
bases=$(ctl --json list --kind base)
assert_json "$bases" '[.[].id] | join(",")' "base-000001,base-000002,base-000003" "list --kind base"
assert_json "$(ctl --json list --state revoked)" '[.[].id] | join(",")' "base-000001,base-000002" "list --state revoked"
assert_json "$(ctl --json list --state certified --kind application)" '[.[].id] | join(",")' \
    "app-000001,app-000002,app-000003" "list --state certified --kind application"
assert_json "$(ctl --json list --state certified --kind base)" '[.[].id] | join(",")' base-000003
assert_json "$(ctl --json list --state withdrawn)" 'length' 3 "list --state withdrawn"
assert_json "$(ctl --json list --state rejected)" 'length' 5 "list --state rejected"
assert_json "$(ctl --json list --state applied)" 'length' 0 "list --state applied"
assert_json "$(ctl --json list)" 'length' 14 "list (both kinds)"
assert_json "$(ctl --json list --limit 2)" '[.[].id] | length' 2 "list --limit 2"

human=$(ctl list --kind base)
assert_contains "$human" base-000003 "human list"
assert_contains "$human" "杭州市公共实训基地" "human list shows names"

st=$(ctl --json status)
count() { jget "$st" "[.counts[] | select(.kind == \"$1\" and .state == \"$2\") | .count | tonumber] | add // 0"; }
assert_eq 3 "$(count application certified)" "status: certified applications"
assert_eq 5 "$(count application rejected)" "status: rejected applications"
assert_eq 3 "$(count application withdrawn)" "status: withdrawn applications"
assert_eq 0 "$(count application applied)" "status: applied applications"
assert_eq 2 "$(count base revoked)" "status: revoked bases"
assert_eq 1 "$(count base certified)" "status: certified bases"
assert_json "$st" '.last_seq' "$(jget "$(sb_all_events)" '.[-1].seq')" "status last_seq is the last event"

# Event.action is "the command that caused it" (proto: apply, review,
# evaluate, ..., close_publicity), checked last so that the rest runs first.
assert_json "$ACTIONS_APP" '[.[].action] | join(",")' "apply,review,evaluate,close_publicity" "Event.action of $app's history"
assert_json "$(ctl --json history "$o1")" '[.[].action] | join(",")' \
    "apply,review,evaluate,file_objection,dismiss_objection,close_publicity" "Event.action of $o1's history"
assert_json "$(ctl --json history "$o2")" '.[-1].action' uphold_objection "Event.action of an upheld objection"
assert_json "$(ctl --json history "$base")" '[.[1:][].action] | join(",")' "assess,assess,assess" "Event.action of assessments"
assert_json "$(ctl --json history "$base2")" '.[-1].action' revoke "Event.action of a revocation"
# the sub-base is created by the close_publicity command
assert_json "$(ctl --json history "$base")" '.[0].action' close_publicity "Event.action of a sub-base's creation"
