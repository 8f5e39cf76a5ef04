#!/usr/bin/env bash
# A sub-base's life after certification, through the real daemon and CLI:
# - amend: the contact, the unit's name after a re-registration (same credit
#   code), projects removed at once and projects added only through the
#   bureau's review (proposed, then approved or refused); each change an
#   event whose before and after history shows;
# - rename: the official name changes only by the bureau's decision;
# - refused amends: bad JSON, unknown fields, nothing to change, the same
#   values, another credit code, unknown or last project, a revoked or an
#   exited sub-base, an application;
# - exit: certified or assessed -> exited, apart from revoked in list,
#   status, roster and stats; wrong states refused;
# - plaque-returned after an exit or a revocation; the roster's
#   --plaque-not-returned view; refused before the end, twice, in the future
#   or before the end date.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
sb_start_daemon

json() { # write a JSON file from text; prints its path
    local f
    f=$(mktemp --suffix=.json "$SB_WORK/change.XXXXXX")
    printf '%s\n' "$1" >"$f"
    printf '%s\n' "$f"
}

b1=$(sb_new_base 1)
b2=$(sb_new_base 2)
b3=$(sb_new_base 3)
b4=$(sb_new_base 4)
cc1=$(sb_field "$b1" .credit_code)

# ------------------------------------------------------------ amend: contact
v=$(sb_version "$b1")
f=$(json '{"contact": {"name": "李梅", "phone": "0571-88005678", "email": "li.mei@jinggong.example.com"}}')
out=$(ctl --as alice amend "$b1" -f "$f" -r "the contact moved to another post")
assert_match "$out" "^$b1: certified \\(version $((v + 1))\\)" "amend output"
rec=$(sb_show "$b1")
assert_json "$rec" .contact.name 李梅
assert_json "$rec" .contact.phone 0571-88005678
assert_json "$rec" .state certified "an amend is no transition"
ev=$(ctl --json history "$b1" | jq -c '.[-1]')
assert_json "$ev" .topic base.amended
assert_json "$ev" .action amend
assert_json "$ev" .actor alice
assert_json "$ev" '[.changes[] | select(.field == "contact.name")][0].before' 王建国 "before"
assert_json "$ev" '[.changes[] | select(.field == "contact.name")][0].after' 李梅 "after"
assert_json "$ev" '[.changes[] | select(.field == "contact.phone")][0].before' 0571-88001234
assert_json "$ev" '.changes | length' 3 "name, phone and e-mail changed"
hist=$(ctl history "$b1")
assert_contains "$hist" "contact.name: 王建国 -> 李梅" "history shows before and after"

# ------------------------------------------------------------ amend: unit name
f=$(json "{\"unit_name\": \"杭州精工智能装备有限公司\", \"credit_code\": \"$cc1\"}")
ctl amend "$b1" -f "$f" -r "re-registered under a new name (营业执照 2026)" >/dev/null
rec=$(sb_show "$b1")
assert_json "$rec" .unit_name 杭州精工智能装备有限公司
assert_json "$rec" .credit_code "$cc1" "the credit code stays"
official=$(jget "$rec" .name)
assert_eq 杭州市公共实训基地精工机械分基地 "$official" "the official name does not follow the unit name"
hist=$(ctl history "$b1")
assert_contains "$hist" "unit_name: 杭州精工机械有限公司 -> 杭州精工智能装备有限公司"
# another credit code is another unit
f=$(json "{\"unit_name\": \"别的公司\", \"credit_code\": \"$(sb_cc 9)\"}")
sb_ctl_fails 1 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "credit_code" "another unit"

# ------------------------------------------------------------ amend: projects
f=$(json '{"add_projects": [{"occupation": "焊工", "level": "高级工"}], "remove_projects": [{"occupation": "数控车工", "level": "技师"}]}')
ctl amend "$b1" -f "$f" -r "the lathe workshop closes; a welding bay opens" >/dev/null
rec=$(sb_show "$b1")
assert_json "$rec" '[.projects[].occupation] | join(",")' 电工 "removed at once, added only after review"
assert_json "$rec" '.project_reviews[0].state' project_proposed
assert_json "$rec" '.project_reviews[0].number' 1
assert_json "$rec" '.project_reviews[0].project.occupation' 焊工
hist=$(ctl history "$b1")
assert_contains "$hist" "projects: 电工/高级工; 数控车工/技师 -> 电工/高级工"
assert_contains "$hist" "project_reviews[1]: (none) -> proposed: 焊工/高级工"
out=$(ctl show "$b1")
assert_contains "$out" "1. 焊工/高级工  project_proposed"
# the same project proposed twice, or one in force, is refused
f=$(json '{"add_projects": [{"occupation": "焊工", "level": "高级工"}]}')
sb_ctl_fails 1 conflict amend "$b1" -f "$f" -r "again"
sb_err_names "already proposed" "project review 1"
f=$(json '{"add_projects": [{"occupation": "电工", "level": "高级工"}]}')
sb_ctl_fails 1 conflict amend "$b1" -f "$f" -r "again"
sb_err_names "already one of $b1's projects"
# a second proposal, to be refused
f=$(json '{"add_projects": [{"occupation": "茶艺师", "level": "中级工"}]}')
ctl amend "$b1" -f "$f" -r "tea ceremony courses" >/dev/null
# the bureau's review: approve 1, refuse 2
ctl --as bob amend "$b1" --approve 1 -r "site and equipment checked (二(三)2)" >/dev/null
ctl --as bob amend "$b1" --refuse 2 -r "outside the base's field" >/dev/null
rec=$(sb_show "$b1")
assert_json "$rec" '[.projects[].occupation] | join(",")' 电工,焊工 "the approved project is in force"
assert_json "$rec" '.project_reviews[0].state' project_approved
assert_json "$rec" '.project_reviews[0].decided_by' bob
assert_json "$rec" '.project_reviews[1].state' project_refused
assert_json "$rec" '.project_reviews[1].decision_reason' "outside the base's field"
evs=$(ctl --json history "$b1")
assert_json "$evs" '[.[] | select(.topic == "base.project_approved")] | length' 1
assert_json "$evs" '[.[] | select(.topic == "base.project_refused")] | length' 1
hist=$(ctl history "$b1")
assert_contains "$hist" "project_reviews[1]: proposed: 焊工/高级工 -> approved: 焊工/高级工"
assert_contains "$hist" "projects: 电工/高级工 -> 电工/高级工; 焊工/高级工"
assert_contains "$hist" "project_reviews[2]: proposed: 茶艺师/中级工 -> refused: 茶艺师/中级工"
# decided once only; unknown numbers; a reason is required
sb_ctl_fails 1 wrong_state amend "$b1" --approve 2 -r "changed our mind"
sb_err_names "already refused"
sb_ctl_fails 1 not_found amend "$b1" --approve 7 -r "x"
sb_ctl_fails 2 invalid amend "$b1" --approve 1
sb_ctl_fails 2 invalid amend "$b1" --approve 1 --refuse 1 -r "x"
# the roster shows the projects in force
roster=$(ctl roster --format json)
assert_json "$roster" "[.[] | select(.id == \"$b1\")][0].projects" "电工（高级工）；焊工（高级工）"
# removing every project is refused
f=$(json '{"remove_projects": [{"occupation": "电工", "level": "高级工"}, {"occupation": "焊工", "level": "高级工"}]}')
sb_ctl_fails 1 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "no project left"
f=$(json '{"remove_projects": [{"occupation": "厨师"}]}')
sb_ctl_fails 1 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "remove_projects[0]" "not among"

# ------------------------------------------------------------ refused amends
printf '{"contact": ' >"$SB_WORK/bad.json"
sb_ctl_fails 2 invalid amend "$b1" -f "$SB_WORK/bad.json" -r "x"
sb_err_names "bad.json" "line"
f=$(json '{"phone": "0571-1"}')
sb_ctl_fails 2 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "phone" "unknown field"
f=$(json '{"name": "杭州市公共实训基地别名分基地"}')
sb_ctl_fails 2 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "unknown field"
f=$(json "{\"id\": \"$b2\", \"unit_name\": \"x\"}")
sb_ctl_fails 2 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "id comes from the command line"
f=$(json '{}')
sb_ctl_fails 1 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "nothing to change"
f=$(json '{"contact": {"name": "李梅", "phone": "0571-88005678", "email": "li.mei@jinggong.example.com"}}')
sb_ctl_fails 1 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "the same as"
f=$(json '{"contact": {"name": "李梅", "phone": "", "email": "not-an-address"}}')
sb_ctl_fails 1 invalid amend "$b1" -f "$f" -r "x"
sb_err_names "contact.phone: missing" "contact.email"
sb_ctl_fails 2 invalid amend "$b1" -f "$f"
sb_ctl_fails 2 invalid amend "$b1" -r "x"
app1=$(sb_field "$b1" .application_id)
f=$(json '{"unit_name": "x公司"}')
sb_ctl_fails 1 invalid amend "$app1" -f "$f" -r "x"
sb_err_names "not a sub-base"
sb_ctl_fails 1 not_found amend base-999999 -f "$f" -r "x"
jq -n '{add_projects: [range(100) | {occupation: "工种\(.)", level: "高级工"}]}' >"$SB_WORK/many.json"
sb_ctl_fails 1 invalid amend "$b1" -f "$SB_WORK/many.json" -r "x"
sb_err_names "more than 100 together"
v=$(sb_version "$b1")
sb_ctl_fails 1 stale_version amend "$b1" -f "$f" -r "x" --expect-version $((v - 1))

# ------------------------------------------------------------ rename
sb_ctl_fails 2 invalid rename "$b1" --name 精工智能 -r "x"
sb_err_names "--decision"
ctl rename "$b1" --name 精工智能 --decision "杭人社〔2026〕12号" -r "the bureau renames after the re-registration" >/dev/null
rec=$(sb_show "$b1")
assert_json "$rec" .name 杭州市公共实训基地精工智能分基地
assert_json "$rec" .name_decision "杭人社〔2026〕12号"
hist=$(ctl history "$b1")
assert_contains "$hist" "official_name: 杭州市公共实训基地精工机械分基地 -> 杭州市公共实训基地精工智能分基地"
sb_ctl_fails 1 invalid rename "$b1" --name 精工智能 --decision "x" -r "again"
sb_err_names "already named"
# another live sub-base's name is refused
sb_ctl_fails 1 conflict rename "$b2" --name 精工智能 --decision "x" -r "the same name"
sb_err_names "name of sub-base $b1"

# ------------------------------------------------------------ exit
sb_ctl_fails 2 invalid exit "$b2"
out=$(ctl --as alice exit "$b2" -r "the unit stops its public training (its own request)")
assert_match "$out" "^$b2: exited" "exit output"
rec=$(sb_show "$b2")
assert_json "$rec" .state exited
assert_json "$rec" .exited_on "$(sb_today)"
assert_json "$rec" '.revoked_cause // ""' "" "an exit has no revocation cause"
assert_json "$rec" '.plaque_withdrawn // false' false "an exit is no 摘牌 for failing"
assert_json "$rec" '.assessments // [] | length' 0 "an exit records no result"
assert_json "$rec" '.next_assessment_due // ""' ""
ev=$(ctl --json history "$b2" | jq -c '.[-1]')
assert_json "$ev" .topic base.exited
assert_json "$ev" .from_state certified
assert_json "$ev" .to_state exited
# an assessed sub-base may exit too
sb_assess_pass() {
    ctl assess "$1" -f "$(sb_scores '{basic_construction: 20, system_construction: 15, training_management: 20, public_service: 20}')" \
        -r "biennial" >/dev/null
}
sb_assess_pass "$b4"
assert_state "$b4" assessed
ctl exit "$b4" -r "merged into another unit's training centre" >/dev/null
assert_state "$b4" exited
# revoke another
ctl revoke "$b3" --cause violation -r "illegal fee collection" >/dev/null
# wrong states: no exit, amend, rename or assessment once ended
sb_ctl_fails 1 wrong_state exit "$b2" -r "again"
sb_err_names "$b2 is exited" "no further action"
sb_ctl_fails 1 wrong_state exit "$b3" -r "x"
sb_err_names "is revoked"
sb_ctl_fails 1 invalid exit "$app1" -r "x"
sb_err_names "not a sub-base"
f=$(json '{"unit_name": "x公司"}')
sb_ctl_fails 1 wrong_state amend "$b2" -f "$f" -r "x"
sb_err_names "exited since" "live sub-base"
sb_ctl_fails 1 wrong_state amend "$b3" -f "$f" -r "x"
sb_err_names "revoked since"
sb_ctl_fails 1 wrong_state rename "$b2" --name 新名 --decision d -r "x"
sb_ctl_fails 1 wrong_state assess "$b2" -f "$(sb_scores '{basic_construction: 20}')" -r "x"
sb_ctl_fails 1 wrong_state revoke "$b2" --cause violation -r "x"

# ------------------------------------------------------------ exited apart from revoked
assert_eq 2 "$(sb_count --state exited)" "list --state exited"
assert_eq 1 "$(sb_count --state revoked)" "list --state revoked"
assert_json "$(ctl --json list --state exited)" '[.[].id] | sort | join(",")' "$(printf '%s\n' "$b2" "$b4" | sort | paste -sd,)"
st=$(ctl --json status)
assert_json "$st" '[.counts[] | select(.kind == "base" and .state == "exited")][0].count' 2 "status counts exited"
assert_json "$st" '[.counts[] | select(.kind == "base" and .state == "revoked")][0].count' 1 "status counts revoked apart"
stats=$(ctl stats --format json)
assert_json "$stats" .sub_bases.live 1
assert_json "$stats" .sub_bases.revoked 1
assert_json "$stats" .sub_bases.exited 2
assert_json "$stats" .sub_bases.plaque_not_returned 3
assert_json "$stats" '[.sub_bases.by_district[].exited] | add' 2 "stats by district count exited apart"
out=$(ctl stats)
assert_contains "$out" "live 1, revoked 1, exited 2; plaques not returned 3"
roster=$(ctl roster --format json)
assert_json "$roster" "[.[] | select(.state == \"exited\")] | length" 2 "roster lists exited"
assert_json "$roster" "[.[] | select(.id == \"$b2\")][0].exited_on" "$(sb_today)"
assert_json "$roster" "[.[] | select(.id == \"$b2\")][0].plaque" not_returned
assert_json "$roster" "[.[] | select(.id == \"$b1\")][0].plaque" held
assert_json "$(ctl roster --state exited --format json)" 'length' 2 "roster --state exited"
assert_json "$(ctl roster --state revoked --format json)" 'length' 1 "roster --state revoked"
# the result of a sub-base that exited later still stands among the year's results
res=$(ctl results --cycle-year "$(sb_today | cut -c1-4)" --format json)
assert_json "$res" "[.[] | select(.id == \"$b4\")][0].kind" assessment "an exited sub-base's result"

# ------------------------------------------------------------ plaque returned
notret=$(ctl roster --plaque-not-returned --format json)
assert_json "$notret" '[.[].id] | sort | join(",")' "$(printf '%s\n' "$b2" "$b3" "$b4" | sort | paste -sd,)" "plaques out"
sb_ctl_fails 2 invalid plaque-returned "$b2"
sb_err_names "--on"
sb_ctl_fails 1 wrong_state plaque-returned "$b1" --on "$(sb_today)"
sb_err_names "keeps its plaque"
sb_ctl_fails 1 invalid plaque-returned "$b2" --on 2999-01-01
sb_err_names "after today"
sb_ctl_fails 1 invalid plaque-returned "$b2" --on 2000-01-01
sb_err_names "before"
sb_ctl_fails 1 invalid plaque-returned "$b2" --on 2026-13-01
today=$(sb_today)
ctl --as alice plaque-returned "$b2" --on "$today" -r "brought back by the unit" >/dev/null
ctl plaque-returned "$b3" --on "$today" >/dev/null
rec=$(sb_show "$b2")
assert_json "$rec" .plaque_returned_on "$today"
ev=$(ctl --json history "$b2" | jq -c '.[-1]')
assert_json "$ev" .topic base.plaque_returned
assert_json "$ev" '.changes[0].field' plaque_returned_on
assert_json "$ev" '.changes[0].after' "$today"
sb_ctl_fails 1 conflict plaque-returned "$b2" --on "$today"
sb_err_names "already recorded returned on $today"
notret=$(ctl roster --plaque-not-returned --format json)
assert_json "$notret" '[.[].id] | join(",")' "$b4" "only the plaque still out"
out=$(ctl roster --plaque-not-returned)
assert_contains "$out" "$b4"
assert_not_contains "$out" "$b2 "
assert_json "$(ctl stats --format json)" .sub_bases.plaque_not_returned 1
out=$(ctl show "$b2")
assert_contains "$out" "plaque: returned on $today"
assert_contains "$out" "a voluntary exit, not a revocation"

# ------------------------------------------------------------ across a restart
# a backup of the store passes the full check: per-state counts (exited
# included), indexes, the audit chain over the changes
ctl backup "$SB_WORK/backup" >/dev/null
sb_run "$SKILLBASED" --restore-check "$SB_WORK/backup"
assert_eq 0 "$SB_RC" "restore-check (stderr: $SB_ERR)"
assert_contains "$SB_OUT" ": OK" "restore-check"
sb_stop_daemon
sb_start_daemon
assert_json "$(sb_show "$b2")" .plaque_returned_on "$today" "kept across a restart"
assert_eq 2 "$(sb_count --state exited)" "exited kept across a restart"
ctl audit verify >/dev/null

sb_note "a sub-base's life: amend (contact, unit name, projects with review), rename, exit, plaque returned"
