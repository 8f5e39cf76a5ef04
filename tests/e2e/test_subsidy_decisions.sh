#!/usr/bin/env bash
# The bureau's decisions on subsidy statements (policy 六(二); docs/subsidy.md
# "Decisions"), against the real daemon, CLI and skillbase-subsidy:
# - computed -> approved -> paid, each an event on the sub-base; the payment
#   names a payment_voucher document filed on that sub-base (a hash no
#   document has, a document of another kind or of another sub-base: refused);
# - computed -> refused with a reason;
# - every wrong order refused: pay before approval, approve twice, anything
#   after paid or refused; a recomputation leaves a decided statement as it
#   is (its later records are reported as in no statement);
# - `subsidy list --state S`;
# - with the production configuration's [subsidy] approve_with_example_rates
#   and [four_eyes] subsidy: a statement at EXAMPLE rates is not approved
#   (the refusal names the rules file); under the bureau's rules the approval
#   is a proposal the proposer cannot confirm and a second operator does,
#   pinned to the statement's version (a recomputation makes it stale).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
unset SKILLBASE_ACTOR

source "$SB_LIB_DIR/subsidy_lib.sh"

export SKILLBASE_TEST_CLOCK=$SB_WORK/clock
echo "2026-02-08T09:00" >"$SKILLBASE_TEST_CLOCK"
sb_start_daemon

b1=$(sb_new_base 1)
b2=$(sb_new_base 2)
b3=$(sb_new_base 3)
client_cc=$(sb_cc 9)
echo "2026-06-15T10:00" >"$SKILLBASE_TEST_CLOCK"

service() { # BASE DATE TRAINEES
    jq -n --arg b "$1" --arg d "$2" --arg cc "$client_cc" --argjson t "$3" \
        '{base_id: $b, date: $d, client_name: "杭州某职业技术学院", client_credit_code: $cc,
          kind: "training", occupation: "电工", level: "高级工", trainees: $t,
          hours_tenths: 80}' >"$SB_WORK/svc.json"
    ctl record-service -f "$SB_WORK/svc.json" >/dev/null
}
# the statement of BASE once it covers N records and COND holds
wait_statement() { # BASE N [JQ-CONDITION]
    local rep
    rep=$(subsidy_wait_report "$@")
    jget "$rep" '.statements[0]'
}
# no subsidy.statement job is queued or leased
statement_jobs_settled() {
    [ "$(ctl --json jobs --type subsidy.statement |
        jq '[.[] | select(.state == "queued" or .state == "leased")] | length')" = 0 ]
}

start_worker
service "$b1" 2026-04-10 20
service "$b2" 2026-04-20 10
st=$(wait_statement "$b1" 1)
assert_json "$st" .id "$b1/2026"
assert_json "$st" .state statement_computed
assert_json "$st" .version 1
assert_json "$st" .example_rates true
wait_statement "$b2" 1 >/dev/null

out=$(ctl subsidy list)
assert_match "$out" "^$b1/2026 +computed +4000.00 yuan \\(EXAMPLE rates\\)" "subsidy list"
assert_contains "$out" "$b2/2026"

# ------------------------------------------------------------ wrong order, bad ids
sb_ctl_fails 1 wrong_state --as alice subsidy pay "$b1/2026" --reference T-1 \
    --document "$(printf '%064d' 0)" --paid-on 2026-06-15
sb_err_names "computed, not yet approved" "subsidy_pay takes a approved"
sb_ctl_fails 1 invalid --as alice subsidy approve "$b1"
sb_err_names "not a statement id" "BASE/YEAR"
sb_ctl_fails 1 not_found --as alice subsidy approve "$b1/2025"
sb_err_names "no statement $b1/2025"
sb_ctl_fails 2 invalid --as alice subsidy refuse "$b1/2026"
sb_err_names "needs -r REASON"
# -V: the version the operator read (a recomputation changes it)
sb_ctl_fails 1 stale_version --as alice subsidy approve "$b1/2026" -V 7
sb_err_names "at version 1, not the expected 7"
# a reader may list, not decide (docs/security.md)
assert_json "$(ctl --json subsidy list --state computed)" 'length' 2

# ------------------------------------------------------------ approve
# the embedded default allows EXAMPLE rates (the quick start's demonstration)
out=$(ctl --as alice subsidy approve "$b1/2026" -V 1 -r "services checked against the sign-in sheets")
assert_match "$out" "^$b1/2026: approved, 4000.00 yuan" "approve output"
st=$(ctl --json subsidy list --state approved | jq '.[0]')
assert_json "$st" .id "$b1/2026"
assert_json "$st" .version 2
assert_json "$st" .approved.by alice
assert_json "$st" .approved.reason "services checked against the sign-in sheets"
sb_ctl_fails 1 wrong_state --as bob subsidy approve "$b1/2026"
sb_err_names "approved by alice on 2026-06-15"
hist=$(ctl --json history "$b1")
ev=$(jget "$hist" '[.[] | select(.topic == "base.subsidy_approved")][0]')
assert_json "$ev" .actor alice
assert_contains "$(jget "$ev" .reason)" "$b1/2026 approved: 4000.00 yuan"
assert_json "$st" .approved.seq "$(jget "$ev" .seq)"

# a record after the approval: the worker recomputes, the approved statement stays
service "$b1" 2026-05-20 5
sb_wait_until 60 "the statement jobs to settle" statement_jobs_settled
# the worker's job for it was done (the daemon answered with the stored statement)
assert_json "$(ctl --json jobs --type subsidy.statement)" '[.[] | select(.state != "done")] | length' 0
st=$(ctl --json subsidy list --state approved | jq '.[0]')
assert_json "$st" .version 2 "a recomputation left the approved statement"
assert_json "$st" .input_version 1
rep=$(ctl --json subsidy report --year 2026 --base "$b1")
assert_json "$rep" '.decided_before_records | join(",")' "$b1"
assert_json "$rep" '.pending | length' 0
out=$(ctl subsidy report --year 2026 --base "$b1")
assert_contains "$out" "after its statement was decided; they are in no statement"

# ------------------------------------------------------------ pay
echo "voucher of a transfer" >"$SB_WORK/voucher.pdf"
echo "some other paper" >"$SB_WORK/other.pdf"
sha_v=$(sha256sum "$SB_WORK/voucher.pdf" | cut -c1-64)
sb_ctl_fails 1 invalid --as alice subsidy pay "$b1/2026" --reference T-2026-77 \
    --document "$sha_v" --paid-on 2026-06-15
sb_err_names "no document of $b1 has this SHA-256" "--kind payment_voucher"
ctl --as alice documents add "$b1" "$SB_WORK/other.pdf" --kind other >/dev/null
sb_ctl_fails 1 invalid --as alice subsidy pay "$b1/2026" --reference T-2026-77 \
    --document "$SB_WORK/other.pdf" --paid-on 2026-06-15
sb_err_names "is a other, not a payment_voucher"
# the voucher filed on another sub-base is not this one's
ctl --as alice documents add "$b2" "$SB_WORK/voucher.pdf" --kind payment_voucher >/dev/null
sb_ctl_fails 1 invalid --as alice subsidy pay "$b1/2026" --reference T-2026-77 \
    --document "$SB_WORK/voucher.pdf" --paid-on 2026-06-15
sb_err_names "no document of $b1 has this SHA-256"
ctl --as alice documents add "$b1" "$SB_WORK/voucher.pdf" --kind payment_voucher >/dev/null
sb_ctl_fails 1 invalid --as alice subsidy pay "$b1/2026" --reference T-2026-77 \
    --document "$sha_v" --paid-on 2026-06-16
sb_err_names "paid_on: 2026-06-16 is after today (2026-06-15)"
sb_ctl_fails 2 invalid --as alice subsidy pay "$b1/2026" --document "$sha_v" --paid-on 2026-06-15
sb_err_names "--reference"
out=$(ctl --as carol subsidy pay "$b1/2026" --reference T-2026-77 --document "$SB_WORK/voucher.pdf" \
    --paid-on 2026-06-15)
assert_match "$out" "^$b1/2026: paid, 4000.00 yuan" "pay output"
assert_contains "$out" "reference T-2026-77, voucher $sha_v"
st=$(ctl --json subsidy list --state paid | jq '.[0]')
assert_json "$st" .paid.by carol
assert_json "$st" .paid.reference T-2026-77
assert_json "$st" .paid.document_sha256 "$sha_v"
assert_json "$st" .paid.paid_on 2026-06-15
assert_json "$st" .approved.by alice
assert_json "$st" .version 3
ev=$(ctl --json history "$b1" | jq '[.[] | select(.topic == "base.subsidy_paid")][0]')
assert_json "$ev" .actor carol
assert_contains "$(jget "$ev" .reason)" "reference T-2026-77"
# nothing after payment
sb_ctl_fails 1 wrong_state --as alice subsidy pay "$b1/2026" --reference T-2 --document "$sha_v" \
    --paid-on 2026-06-15
sb_err_names "paid by carol"
sb_ctl_fails 1 wrong_state --as alice subsidy refuse "$b1/2026" -r "second thoughts"
sb_ctl_fails 1 wrong_state --as alice subsidy approve "$b1/2026"

# ------------------------------------------------------------ refuse
out=$(ctl --as alice subsidy refuse "$b2/2026" -r "the client is a branch of the sub-base's own school")
assert_match "$out" "^$b2/2026: refused" "refuse output"
assert_contains "$out" "refused by alice"
sb_ctl_fails 1 wrong_state --as bob subsidy approve "$b2/2026"
sb_err_names "refused by alice"
sb_ctl_fails 1 wrong_state --as bob subsidy pay "$b2/2026" --reference T-3 --document "$sha_v" \
    --paid-on 2026-06-15
ev=$(ctl --json history "$b2" | jq '[.[] | select(.topic == "base.subsidy_refused")][0]')
assert_json "$ev" .actor alice
assert_contains "$(jget "$ev" .reason)" "own school"
assert_json "$(ctl --json subsidy list --state refused)" '[.[].id] | join(",")' "$b2/2026"
assert_json "$(ctl --json subsidy list --state paid)" '[.[].id] | join(",")' "$b1/2026"
assert_json "$(ctl --json subsidy list --year 2026)" 'length' 2

# ------------------------------------------------------------ production: example rates, four eyes
prod=$SB_REPO_DIR/config/skillbase.production.ini
grep -q '^approve_with_example_rates = refuse' "$prod" ||
    sb_fail "the production configuration does not refuse approvals at EXAMPLE rates"
grep -q '^subsidy = on' "$prod" || sb_fail "the production configuration has no [four_eyes] subsidy = on"
# its two settings, on this test's paths ([subsidy] rules: RULES, "" the shipped example)
prod_ini() { # [RULES]
    {
        printf '[subsidy]\n'
        [ -z "${1:-}" ] || printf 'rules = %s\n' "$1"
        grep '^approve_with_example_rates' "$prod"
        printf '[four_eyes]\n'
        grep '^subsidy = ' "$prod"
    } >"$SB_WORK/prod.ini"
}
prod_ini
stop_worker
sb_stop_daemon TERM
sb_start_daemon --config "$SB_WORK/prod.ini"
start_worker
service "$b3" 2026-05-20 10
wait_statement "$b3" 1 >/dev/null
sb_ctl_fails 1 wrong_state --as alice subsidy approve "$b3/2026"
sb_err_names "EXAMPLE rates" "install the bureau's rules file" "rules.example.json" \
    "approve_with_example_rates = refuse"
assert_json "$(ctl --json subsidy list --state computed)" '[.[].id] | join(",")' "$b3/2026"

# the bureau's rules, for the daemon and the worker
cat >"$SB_WORK/rules.json" <<'EOF'
{"versions": [{"version": "bureau-2026", "effective_from": "2026-01-01",
  "yearly_cap_fen": 5000000, "cap_example": false, "rates": [
  {"kind": "training", "level": "*", "unit": "per_person_time", "rate_fen": 30000, "example": false}]}]}
EOF
prod_ini "$SB_WORK/rules.json"
stop_worker
sb_stop_daemon TERM
sb_start_daemon --config "$SB_WORK/prod.ini"
# the worker reads the same file (and takes the daemon's key in [subsidy])
start_worker --config "$SB_WORK/prod.ini"
ctl subsidy compute --year 2026 --base "$b3" >/dev/null
st=$(wait_statement "$b3" 1 '.example_rates != true')
assert_json "$st" .total_yuan 3000.00 "statement under the bureau's rules: $st"
assert_json "$st" .version 2
out=$(ctl --as alice subsidy approve "$b3/2026" -r "checked")
prop=$(grep -o 'prop-[0-9]*' <<<"$out" | head -n 1)
[ -n "$prop" ] || sb_fail "subsidy approve made no proposal under [four_eyes] subsidy = on: $out"
assert_contains "$out" "subsidy_approval of $b3/2026 proposed by alice"
assert_json "$(ctl --json subsidy list --state computed)" '[.[].id] | join(",")' "$b3/2026"
sb_ctl_fails 1 forbidden --as alice confirm "$prop"
sb_err_names "four eyes" alice
sb_ctl_fails 1 conflict --as carol subsidy approve "$b3/2026"
sb_err_names "$prop already proposes"
# the proposal pins the statement it was made on: a recomputation makes it stale
service "$b3" 2026-05-25 2
st=$(wait_statement "$b3" 2)
assert_json "$st" .version 3
assert_json "$st" .total_yuan 3600.00
sb_ctl_fails 1 stale_version --as bob confirm "$prop"
sb_err_names "$prop cannot take effect" "at version 3, not the expected 2"
ctl --as bob discard-proposal "$prop" -r "the statement was recomputed" >/dev/null
out=$(ctl --as alice subsidy approve "$b3/2026" -r "checked again")
prop=$(grep -o 'prop-[0-9]*' <<<"$out" | head -n 1)
[ -n "$prop" ] || sb_fail "the second subsidy approve made no proposal: $out"
ctl --as bob confirm "$prop" >/dev/null
st=$(ctl --json subsidy list --state approved | jq '.[0]')
assert_json "$st" .id "$b3/2026"
assert_json "$st" .approved.by bob
assert_json "$st" .approved.proposed_by alice
assert_json "$st" .approved.proposal_id "$prop"
ev=$(ctl --json history "$b3" | jq '[.[] | select(.topic == "base.subsidy_approved")][0]')
assert_json "$ev" .actor bob
assert_json "$ev" .proposed_by alice
assert_json "$(ctl --json history "$b3")" '[.[] | select(.topic == "base.subsidy_approval_proposed")] | length' 2
stop_worker
sb_note "subsidy decisions: computed -> approved -> paid, refused, wrong orders, example rates, four eyes"
