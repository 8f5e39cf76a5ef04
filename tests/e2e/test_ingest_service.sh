#!/usr/bin/env bash
# Ingest through `skillbasectl ingest`, as the bureau's services would send
# it: a unit.deregistered naming a credit code revokes that unit's certified
# sub-base and the revocation's event names the service; the same event id
# again changes nothing and gets the same answer; every direct-fail type
# revokes with its cause; objections move an application; a hosted
# competition is recorded without a state change; refusals say what is
# wrong (unknown entity, state, malformed, reused id).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

cc1=$(sb_cc 1)
base=$(sb_new_base 1)
assert_eq 5 "$(sb_last_seq)" "events before the ingest"

# the market-regulation registry knows the credit code, not our id
out=$(ctl ingest --source market-registry --id MR-2026-0042 --type unit.deregistered \
    --entity "$cc1" --occurred-on "$(sb_today)" -r "business licence revoked")
assert_eq "$base: revoked (version 2), cause unit_deregistered
revoke, event 6" "$out" "ingest output"
assert_state "$base" revoked
assert_json "$(sb_show "$base")" .plaque_withdrawn true

ev=$(jget "$(ctl --json history "$base")" '.[-1]')
assert_json "$ev" .actor service:market-registry
assert_json "$ev" .action revoke
assert_json "$ev" .topic base.revoked
assert_json "$ev" .reason "business licence revoked"
assert_json "$ev" .ingest.source market-registry
assert_json "$ev" .ingest.event_id MR-2026-0042
assert_json "$ev" .ingest.type unit.deregistered
assert_json "$ev" .ingest.entity "$cc1"

# the same fact again (a retry after a lost answer): same answer, applied once
out=$(ctl --json ingest --source market-registry --id MR-2026-0042 --type unit.deregistered \
    --entity "$cc1" --occurred-on "$(sb_today)" -r "business licence revoked")
assert_json "$out" .replayed true
assert_json "$out" .seq 6
assert_json "$out" .action revoke
assert_json "$out" .entity_id "$base"
assert_json "$out" .record.sub_base.version 2
assert_eq 6 "$(sb_last_seq)" "events after the repeat"
assert_json "$(ctl --json history "$base")" length 2 "events of the revoked base"

# the same id for another fact is refused
sb_ctl_fails 1 key_reused ingest --source market-registry --id MR-2026-0042 \
    --type violation.confirmed --entity "$cc1"
sb_err_names "ingest:market-registry:MR-2026-0042"
# a new fact about the revoked base: the state machine's refusal
sb_ctl_fails 1 wrong_state ingest --source market-registry --id MR-2026-0043 \
    --type violation.confirmed --entity "$base"
sb_err_names "$base" revoked
# a unit we do not know
sb_ctl_fails 1 not_found ingest --source market-registry --id MR-2026-0044 \
    --type unit.deregistered --entity "$(sb_cc 999)"
sb_err_names "$(sb_cc 999)"
# malformed facts
sb_ctl_fails 1 invalid ingest --source market-registry --id X-1 --type unit.closed --entity "$base"
sb_err_names "unit.closed" "objection.filed" "service.delivered"
sb_ctl_fails 1 invalid ingest --source "Market Registry" --id X-1 --type unit.deregistered \
    --entity "$base"
sb_err_names "source"
sb_ctl_fails 1 invalid ingest --source mr --id X-1 --type unit.deregistered --entity 12345
sb_err_names "credit code"
sb_ctl_fails 1 invalid ingest --source mr --id X-1 --type unit.deregistered --entity "$base" \
    --occurred-on 2999-01-01
sb_err_names "occurred_on" "after today"
sb_ctl_fails 2 invalid ingest --id X-1 --type unit.deregistered --entity "$base"
sb_err_names "--source"
printf '{"name":"x"}' >"$SB_WORK/payload.json"
sb_ctl_fails 2 invalid ingest --source mr --id X-1 --type unit.deregistered --entity "$base" \
    -f "$SB_WORK/payload.json"
sb_err_names "carries no payload"
assert_eq 6 "$(sb_last_seq)" "events after the refusals"

# every direct-fail type revokes with its cause (五(三)), and every 不合格 is
# a result: grade fail, recorded with the cause (a verified complaint only
# when it caused adverse social impact, 五(三)3)
n=2
for pair in complaint.verified:verified_complaint safety.major_accident:major_safety_accident \
    violation.confirmed:violation assessment.refused:refused_assessment; do
    type=${pair%%:*} cause=${pair#*:}
    b=$(sb_new_base "$n")
    extra=()
    [ "$type" != complaint.verified ] || extra=(--adverse-impact)
    out=$(ctl --json ingest --source bureau-systems --id "F-$n" --type "$type" --entity "$(sb_cc "$n")" "${extra[@]}")
    assert_json "$out" .record.sub_base.state revoked "$type"
    assert_json "$out" .record.sub_base.revoked_cause "$cause" "$type"
    assert_json "$out" .record.sub_base.grade fail "grade after $type"
    assert_json "$out" '.record.sub_base.assessments[-1].grade' fail "result recorded by $type"
    assert_json "$out" '.record.sub_base.assessments[-1].cause' "$cause" "result's cause after $type"
    assert_json "$out" '.record.sub_base.assessments[-1].assessor' service:bureau-systems "who recorded it"
    assert_json "$(ctl --json history "$b")" '.[-1].reason' "$type reported by bureau-systems"
    n=$((n + 1))
done

# a verified complaint without adverse social impact: a warning on the
# sub-base, no transition (五(三)3 经查属实且造成不良社会影响)
b=$(sb_new_base 40)
out=$(ctl --json ingest --source complaints --id C-40 --type complaint.verified --entity "$b" \
    -r "complaint about opening hours verified")
assert_json "$out" .action warn
assert_json "$out" .record.sub_base.state certified "state after a complaint without adverse impact"
assert_json "$out" '.record.sub_base.warnings | length' 1
assert_json "$out" '.record.sub_base.warnings[0].type' complaint.verified
assert_json "$out" '.record.sub_base.warnings[0].reason' "complaint about opening hours verified"
assert_json "$out" '.record.sub_base.warnings[0].actor' service:complaints
assert_json "$(ctl --json history "$b" | jq -c '.[-1]')" .topic base.complaint_warning
assert_json "$(sb_show "$b")" '.assessments // [] | length' 0 "no result for a warning"

# graded excellent, then revoked for refusing the next assessment: grade
# fail with the cause, never the earlier 优秀
b=$(sb_new_base 41)
ctl assess "$b" -f "$(sb_scores '{basic_construction: 25, system_construction: 20, training_management: 25, public_service: 25, competition_hosting: 5}')" >/dev/null
assert_json "$(sb_show "$b")" .grade excellent
ctl ingest --source bureau-systems --id R-41 --type assessment.refused --entity "$b" \
    -r "refused the site visit" >/dev/null
rec=$(sb_show "$b")
assert_json "$rec" .state revoked
assert_json "$rec" .grade fail "grade after a refused assessment"
assert_json "$rec" '.assessments | length' 2
assert_json "$rec" '.assessments[0].grade' excellent "the earlier result is kept"
assert_json "$rec" '.assessments[1].cause' refused_assessment
assert_json "$rec" '.assessments[1].reason' "refused the site visit"

# objections during publicity (公示), from the complaint system, by record id
app=$(sb_apply 20)
sb_drive "$app" in_publicity
out=$(ctl ingest --source complaints --id OBJ-1 --type objection.filed --entity "$app" \
    -r "objection: site is leased")
assert_contains "$out" "$app: under_review (version 4)"
assert_json "$(sb_show "$app")" .objection_open true
ctl ingest --source complaints --id OBJ-2 --type objection.dismissed --entity "$app" \
    -r "objection unfounded" >/dev/null
assert_state "$app" in_publicity
# a deregistered unit's open application is rejected
ctl ingest --source market-registry --id MR-2026-0050 --type unit.deregistered \
    --entity "$(sb_cc 20)" >/dev/null
assert_state "$app" rejected

# a hosted competition: recorded on the sub-base, no state change
b=$(sb_new_base 30)
jq -n --arg d "$(sb_today)" '{name: "杭州市数控车工技能大赛", level: "municipal", held_on: $d}' \
    >"$SB_WORK/competition.json"
out=$(ctl --json ingest --source competition-office --id C-1 --type competition.hosted \
    --entity "$b" -f "$SB_WORK/competition.json")
assert_json "$out" .action competition_hosted
assert_json "$out" .record.sub_base.state certified
assert_json "$out" .record.sub_base.version 1
ev=$(jget "$(ctl --json events --topic base.competition_hosted)" '.[0]')
assert_json "$ev" .entity_id "$b"
assert_json "$ev" .from_state certified
assert_json "$ev" .to_state certified
assert_json "$ev" .ingest.competition.name "杭州市数控车工技能大赛"
sb_ctl_fails 1 invalid ingest --source competition-office --id C-2 --type competition.hosted \
    --entity "$b"
sb_err_names "competition: required"
