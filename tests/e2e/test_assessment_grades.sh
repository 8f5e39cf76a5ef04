#!/usr/bin/env bash
# The grade of a biennial assessment is of its total (附件3 as the rubric
# configures it): the boundaries at 60 (pass), 80 (good) and 90 (excellent),
# the bonus items counting in the total, scores of one decimal kept exactly,
# a fail revoking the sub-base with its plaque; and an assessment entered
# late in a cycle counts for that cycle, so the next is due when the next
# cycle ends.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

# ------------------------------------------------------------ grade boundaries
# (one sub-base assessed again and again; the bonus items count in the total)
gb=$(sb_new_base 50)
grade_case() { # TOTAL GRADE JQ-SCORES
    local out
    sb_clock_forward 731 # each in a cycle of its own
    out=$(ctl assess "$gb" -f "$(sb_scores "$3")")
    assert_contains "$out" "total $1, grade $2" "assessment totalling $1"
}
grade_case 60 pass '{basic_construction: 25, system_construction: 20, training_management: 15}'
grade_case 79 pass '{basic_construction: 25, system_construction: 20, training_management: 25, public_service: 9}'
grade_case 80 good '{basic_construction: 25, system_construction: 20, training_management: 25, public_service: 10}'
grade_case 80 good '{basic_construction: 25, system_construction: 20, training_management: 25, competition_hosting: 10}'
grade_case 89 good '{basic_construction: 25, system_construction: 20, training_management: 25, public_service: 19}'
grade_case 90 excellent '{basic_construction: 25, system_construction: 20, training_management: 25, public_service: 20}'
grade_case 120 excellent '{basic_construction: 25, system_construction: 20, training_management: 25, public_service: 30,
    competition_hosting: 10, other_public_service: 10}'
b=$(sb_show "$gb")
assert_json "$b" .state assessed
assert_json "$b" '.assessments[-1].base_total' 100
assert_json "$b" '.assessments[-1].bonus_total' 20
assert_json "$b" '.assessments | length' 7
# scores take one decimal; the grade boundaries are exact
grade_case 79.9 pass '{basic_construction: 25, system_construction: 20, training_management: 25, public_service: 9.9}'
grade_case 89.5 good '{basic_construction: 25, system_construction: 20, training_management: 24.5, public_service: 20}'
assert_json "$(sb_show "$gb")" '.assessments[-1].scores_tenths.training_management' 245 "a score of 24.5, kept exactly"
assert_json "$(sb_show "$gb")" '.total_tenths' 895
sb_ctl_fails 2 "" assess "$gb" -f "$(sb_scores '{public_service: 20.25}')"
sb_err_names "public_service" "more than one decimal"
grade_case 59 fail '{basic_construction: 25, system_construction: 20, training_management: 14}'
b=$(sb_show "$gb")
assert_json "$b" .state revoked
assert_json "$b" .revoked_cause assessment_failed
assert_json "$b" .plaque_withdrawn true
# the grade is of the total: 50 base points + 10 bonus points pass
gb=$(sb_new_base 51)
grade_case 60 pass '{basic_construction: 25, system_construction: 20, training_management: 5, other_public_service: 10}'

# ------------------------------------------------------------ assessed late in a cycle
# entered 700 days after certification, the result is cycle 1's and the next
# is due when cycle 2 ends: four years after certification, not two years
# after the day it was entered
late=$(sb_new_base 60)
late_cert=$(sb_field "$late" .certified_on)
sb_clock_forward 700
b=$(ctl --json assess "$late" -f "$SB_EXAMPLES/scores-good.json")
assert_json "$b" '.assessments[0].cycle' 1
assert_json "$b" .next_assessment_due "$(sb_plus_two_years "$(sb_plus_two_years "$late_cert")")" "due at the end of cycle 2"
