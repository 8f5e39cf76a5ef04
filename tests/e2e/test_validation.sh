#!/usr/bin/env bash
# Every refusal: eligibility of a form (二(二), 二(三)1) each naming its field,
# all problems of a form at once, input refused by the CLI before sending,
# wrong-state transitions (naming the state and the
# allowed actions), optimistic concurrency (--expect-version), unknown ids,
# assessment scores above an item's maximum, bad causes and bad files. Every
# refused write leaves the store unchanged. (The credit code's own checks
# and conflicts: test_credit_code.sh.)
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

# ------------------------------------------------------------ eligibility, field by field
sb_refused_form unit.legal_person '.unit.legal_person = false'
sb_refused_form site.owned '.site.owned = false'
sb_refused_form site.equipment_value_cny '.site.equipment_value_cny = 0'
sb_refused_form site.office_owned '.site.office_owned = false'
sb_refused_form staff.full_time_managers '.staff.full_time_managers = 0'
sb_refused_form staff.teachers '.staff.teachers = 0'
for m in application_form license staff_credentials management_rules; do
    sb_refused_form "materials.$m" ".materials.$m = \"\""
done
sb_refused_form unit.district '.unit.district = "北京市朝阳区"'
sb_refused_form unit.district '.unit.district = "chaoyang"'
sb_refused_form unit.type 'del(.unit.type)'
sb_refused_form unit.name '.unit.name = ""'
sb_refused_form base_name '.base_name = ""'

# text must be well-formed: a control character is refused (by the CLI or
# the daemon), naming the field
sb_next_cc
f=$(sb_form "$SB_CC" '.unit.name = "杭州\u0001精工"')
sb_run "$SKILLBASECTL" --timeout 3000 apply "$f"
case "$SB_RC" in
    1 | 2) ;;
    *) sb_fail "apply with a control character in unit.name: expected exit 1 or 2, got $SB_RC ($SB_OUT $SB_ERR)" ;;
esac
sb_err_names unit.name

# an unknown unit type is the CLI's to refuse, naming the valid ones
sb_next_cc
f=$(sb_form "$SB_CC" '.unit.type = "factory"')
sb_ctl_fails 2 "" apply "$f"
sb_err_names unit.type enterprise university vocational_college technical_school

# unknown fields and wrong types: refused before sending, the path named
sb_next_cc
f=$(sb_form "$SB_CC" '.unit.colour = "red"')
sb_ctl_fails 2 "" apply "$f"
sb_err_names unit.colour
sb_next_cc
f=$(sb_form "$SB_CC" '.staff.teachers = "many"')
sb_ctl_fails 2 "" apply "$f"
sb_err_names staff.teachers

# ------------------------------------------------------------ every problem at once
# (a credit code with a wrong check character among them)
good=$(sb_cc 1)
other=0
[ "${good:17:1}" != 0 ] || other=1
f=$(sb_form "${good:0:17}$other" '.unit.legal_person = false | .site.owned = false
    | .staff.teachers = 0 | .materials.license = "" | .unit.district = "北京市朝阳区"')
sb_ctl_fails 1 invalid apply "$f"
sb_err_names unit.credit_code unit.legal_person site.owned staff.teachers materials.license unit.district
sb_run "$SKILLBASECTL" --timeout 3000 --json apply "$f"
assert_eq 1 "$SB_RC" "exit status of apply --json of a bad form"
assert_json "$SB_OUT" .error.code invalid
assert_json "$SB_OUT" '.error.details | length >= 6' true "one detail per problem"
for field in unit.credit_code unit.legal_person site.owned staff.teachers materials.license unit.district; do
    assert_json "$SB_OUT" "[.error.details[] | select(contains(\"$field\"))] | length >= 1" true "details name $field"
done

# nothing was created by any refused form
assert_eq 0 "$(sb_count)" "records after refused forms"

# a Hangzhou district in pinyin, any case, is accepted
sb_next_cc
pin=$(ctl apply "$(sb_form "$SB_CC" '.unit.district = "XiHu"')")
ctl withdraw "$pin" -r "test done" >/dev/null

# ------------------------------------------------------------ wrong state
sb_next_cc
id=$(ctl apply "$(sb_form "$SB_CC")")
sb_ctl_fails 1 wrong_state close-publicity "$id"
sb_err_names "application $id is applied; allowed: review, reject, withdraw"
sb_ctl_fails 1 wrong_state evaluate "$id" --pass -r "too early"
sb_err_names applied
sb_ctl_fails 1 wrong_state dismiss-objection "$id" -r "no objection open"
sb_ctl_fails 1 wrong_state assess "$id" -f "$SB_EXAMPLES/scores-good.json"
sb_err_names "$id"
sb_ctl_fails 1 wrong_state revoke "$id" --cause violation -r "not a sub-base"
assert_state "$id" applied
assert_json "$(sb_show "$id")" .version 1 "version after refused writes"

ctl review "$id" >/dev/null
sb_ctl_fails 1 wrong_state close-publicity "$id"
sb_err_names under_review
sb_ctl_fails 1 wrong_state dismiss-objection "$id" -r "there is no objection"
sb_ctl_fails 1 wrong_state uphold-objection "$id" -r "there is no objection"

base=$(sb_new_base 2)
app_of_base=$(sb_field "$base" .application_id)
sb_ctl_fails 1 wrong_state review "$app_of_base"
sb_err_names certified
sb_ctl_fails 1 wrong_state review "$base"
sb_ctl_fails 1 wrong_state close-publicity "$base"

# ------------------------------------------------------------ scores
v=$(sb_version "$base")
s=$(sb_scores '{basic_construction: 26, system_construction: 20, training_management: 20, public_service: 20}')
sb_ctl_fails 1 invalid assess "$base" -f "$s"
sb_err_names basic_construction
s=$(sb_scores '{basic_construction: 20, system_construction: 21, public_service: 31, other_public_service: 11}')
sb_ctl_fails 1 invalid assess "$base" -f "$s"
sb_err_names system_construction public_service other_public_service
assert_not_contains "$SB_ERR" basic_construction "a score within its maximum is not a problem"
s=$(sb_scores '{public_service: -1}')
sb_ctl_fails 2 "" assess "$base" -f "$s"
sb_err_names public_service
s=$(sb_scores '{public_service: 10, bogus_item: 3}')
sb_ctl_fails 2 "" assess "$base" -f "$s"
sb_err_names bogus_item
assert_json "$(sb_show "$base")" .version "$v" "sub-base version after refused assessments"
assert_state "$base" certified

# ------------------------------------------------------------ revoke causes
sb_ctl_fails 2 "" revoke "$base" --cause fraud -r "no such cause"
sb_err_names cause
sb_run "$SKILLBASECTL" --timeout 3000 revoke "$base" --cause assessment_failed -r "the daemon's own cause"
case "$SB_RC" in
    1 | 2) ;;
    *) sb_fail "revoke --cause assessment_failed: expected exit 1 or 2, got $SB_RC ($SB_ERR)" ;;
esac
assert_state "$base" certified
ctl revoke "$base" --cause major_safety_accident -r "fire in the workshop" >/dev/null
sb_ctl_fails 1 wrong_state revoke "$base" --cause violation -r "again"
sb_err_names revoked "$base"
sb_ctl_fails 1 wrong_state assess "$base" -f "$SB_EXAMPLES/scores-good.json"
sb_err_names revoked

# ------------------------------------------------------------ expected versions
sb_next_cc
id=$(ctl apply "$(sb_form "$SB_CC")")
sb_ctl_fails 1 stale_version --expect-version 5 review "$id"
rec=$(sb_show "$id")
assert_json "$rec" .version 1 "version after a stale write"
assert_json "$rec" .state applied "state after a stale write"
assert_json "$(ctl --json history "$id")" length 1 "history after a stale write"
out=$(ctl --expect-version 1 review "$id")
assert_match "$out" "^$id: under_review \\(version 2\\)" "write at the expected version"
sb_ctl_fails 1 stale_version -V 1 evaluate "$id" --pass -r "stale"
assert_json "$(sb_show "$id")" .state under_review
ctl -V 2 evaluate "$id" --pass -r "fresh" >/dev/null
assert_state "$id" in_publicity

# ------------------------------------------------------------ unknown ids
sb_ctl_fails 1 not_found show app-999999
sb_err_names app-999999
sb_ctl_fails 1 not_found review app-999999
sb_ctl_fails 1 not_found assess base-999999 -f "$SB_EXAMPLES/scores-good.json"
sb_ctl_fails 1 not_found revoke base-999999 --cause violation -r "nobody"

# ------------------------------------------------------------ usage and files
sb_ctl_fails 2 "" evaluate "$id"                     # neither --pass nor --fail
sb_ctl_fails 2 "" evaluate "$id" --pass --fail -r x  # both
printf '{"unit": {"name": ' >"$SB_WORK/broken.json"
sb_ctl_fails 2 "" apply "$SB_WORK/broken.json"
sb_err_names "$SB_WORK/broken.json"
sb_ctl_fails 2 "" assess "$base" -f "$SB_WORK/broken.json"
sb_err_names "$SB_WORK/broken.json"
sb_ctl_fails 2 "" apply "$SB_WORK/no-such-file.json"
sb_err_names "$SB_WORK/no-such-file.json"
assert_state "$id" in_publicity

