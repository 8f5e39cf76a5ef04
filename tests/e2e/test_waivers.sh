#!/usr/bin/env bash
# 二(二) 申请建立分基地的单位，一般应具备以下条件: "一般" allows a reasoned
# exception. An eligibility condition that refuses an application can be
# waived by name with a reason (apply --waive CONDITION -r REASON,
# repeatable); `rules` lists the names; an unknown name is refused naming
# the valid ones; a waiver of a condition the form meets is refused; the
# waiver is in the apply event, `show` and `history`. Under [four_eyes]
# certify it is pending until a second operator takes part in the
# certification (Waiver.confirmed_by: whichever of proposer and confirmer
# did not waive).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_clock_set 2026-03-02T10:00
sb_start_daemon

# ------------------------------------------------------------ the names
out=$(ctl rules)
for c in legal_person site_owned equipment_owned office_owned full_time_managers teachers; do
    assert_contains "$out" "  $c  (二(二)" "rules lists the waivable condition $c"
done
assert_json "$(ctl --json rules)" '[.conditions[].name] | join(",")' \
    "legal_person,site_owned,equipment_owned,office_owned,full_time_managers,teachers"

# ------------------------------------------------------------ refusals
leased='.site.owned = false | .staff.teachers = 0'
sb_ctl_fails 1 invalid apply "$(sb_form "$(sb_cc 1)" "$leased")"
sb_err_names "site.owned" "condition site_owned may be waived" "condition teachers may be waived"
# one of the two waived: the other still refuses
sb_ctl_fails 1 invalid apply "$(sb_form "$(sb_cc 1)" "$leased")" --waive site_owned -r "shared site"
sb_err_names "staff.teachers"
assert_not_contains "$SB_ERR" "site.owned" "the waived condition is not a problem"
# an unknown name, naming the valid ones
sb_ctl_fails 1 invalid apply "$(sb_form "$(sb_cc 1)" "$leased")" --waive site_leased -r "x"
sb_err_names 'unknown condition "site_leased"' "legal_person, site_owned, equipment_owned, \
office_owned, full_time_managers, teachers"
# a condition the form meets: nothing to waive
sb_ctl_fails 1 invalid apply "$(sb_form "$(sb_cc 1)" "$leased")" --waive site_owned -r a \
    --waive teachers -r b --waive office_owned -r c
sb_err_names "condition office_owned is met by the form"
# the same one twice; a waiver without its reason (the CLI; the daemon)
sb_ctl_fails 1 invalid apply "$(sb_form "$(sb_cc 1)" "$leased")" --waive site_owned -r a \
    --waive site_owned -r b --waive teachers -r c
sb_err_names "condition site_owned waived twice"
sb_ctl_fails 2 invalid apply "$(sb_form "$(sb_cc 1)" "$leased")" --waive site_owned
sb_err_names "--waive site_owned needs a reason"
assert_eq 0 "$(sb_count --kind application)" "nothing applied by the refusals"

# ------------------------------------------------------------ recorded and shown
app=$(ctl --as alice apply "$(sb_form "$(sb_cc 1)" "$leased")" \
    --waive site_owned -r "市公共实训基地共享场地，十年协议" --waive teachers -r "合作院校派驻师资")
app=${app%%:*}
rec=$(sb_show "$app")
assert_json "$rec" '.waivers | length' 2
assert_json "$rec" '.waivers[0] | [.condition, .clause, .waived_by, .waived_on] | join(" ")' \
    "site_owned 二(二)2 alice 2026-03-02" "the waiver on the record"
assert_json "$rec" .waivers[0].reason "市公共实训基地共享场地，十年协议"
assert_json "$rec" .waivers[1].condition teachers
out=$(ctl show "$app")
assert_contains "$out" "condition: site_owned" "show prints the waiver"
assert_contains "$out" "reason: 合作院校派驻师资" "show prints its reason"
out=$(ctl history "$app")
assert_contains "$out" "waived site_owned (二(二)2) by alice: 市公共实训基地共享场地，十年协议" \
    "history prints the waiver under apply"
ev=$(ctl --json events --topic application.applied)
assert_json "$ev" '.[0].record.application.waivers[1].reason' "合作院校派驻师资" \
    "the waiver is in the apply event"
# without four eyes it stands as made
sb_drive "$app" certified
assert_json "$(sb_show "$app")" '.waivers[0].confirmed_by // ""' "" "no second operator asked"
sb_stop_daemon

# ------------------------------------------------------------ four eyes
cat >"$SB_WORK/four.ini" <<INI
[four_eyes]
certify = on
INI
sb_clock_set 2026-03-02T10:00
sb_start_daemon --config "$SB_WORK/four.ini"
n=0
for who in "alice bob" "bob alice"; do
    set -- $who
    n=$((n + 2))
    app=$(ctl --as alice apply "$(sb_form "$(sb_cc "$n")" ".site.owned = false | .base_name += \"$n\"")" \
        --waive site_owned -r "shared site")
    app=${app%%:*}
    assert_json "$(sb_show "$app")" '.waivers[0].confirmed_by // ""' "" "pending at apply"
    ctl --as "$1" review "$app" -r "site visit" >/dev/null
    ctl --as "$1" evaluate "$app" --pass -r "meets the rest" >/dev/null
    sb_publicity_over
    out=$(ctl --as "$1" close-publicity "$app" -r "no objection")
    prop=$(printf '%s\n' "$out" | grep -o 'prop-[0-9]*' | head -1)
    [ -n "$prop" ] || sb_fail "close-publicity under four eyes made no proposal: $out"
    assert_state "$app" in_publicity
    assert_json "$(sb_show "$app")" '.waivers[0].confirmed_by // ""' "" "still pending: proposed only"
    sb_ctl_fails 1 forbidden --as "$1" confirm "$prop"
    ctl --as "$2" confirm "$prop" -r "waiver and publicity checked" >/dev/null
    assert_state "$app" certified
    # the second pair of eyes is the one of the two who did not waive (alice)
    assert_json "$(sb_show "$app")" .waivers[0].confirmed_by bob "waived by alice, $1 proposed, $2 confirmed"
    assert_contains "$(ctl history "$app")" "waiver of site_owned confirmed by bob" "history"
done
sb_stop_daemon
