#!/usr/bin/env bash
# The registers (docs/cli.md): `skillbasectl roster` lists every sub-base
# with official name, unit, credit code, district, unit type, projects,
# certificate, certification date, the latest result (grade, total, date),
# next due date, state, and revocation date and cause, one list request per
# page (List.details); filtered by state,
# district and grade; as text, CSV (UTF-8 with BOM, quoted) and JSON.
# `skillbasectl results --cycle-year Y` lists the results decided in Y: the
# assessments (a fail included) and the direct fails (五(三)) with cause.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
# early in a year on the test clock: each sub-base's publicity runs its
# course (sb_publicity_over, a month each), all within the year
sb_clock_set 2026-01-05T09:00
sb_start_daemon --log-level info --metrics-listen 127.0.0.1:0
port=$(sed -n 's|.*metrics: serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$SB_DAEMON_ERR")
[ -n "$port" ] || sb_fail "the daemon did not log its metrics address"
# requests of one command answered ok so far (0 when none)
served() { # COMMAND
    local n
    n=$(curl -fsS --max-time 10 "http://127.0.0.1:$port/metrics" |
        sed -n "s/^skillbase_requests_total{command=\"$1\",code=\"ok\"} //p")
    echo "${n:-0}"
}
year=$(sb_today | cut -c1-4)

b1=$(sb_new_base 1)                                  # certified, not assessed
b2=$(sb_new_base 2)                                  # assessed: good
ctl assess "$b2" -f "$SB_EXAMPLES/scores-good.json" -r "cycle 1" >/dev/null
b2_on=$(sb_today) # the next sub-bases move the test clock past their publicity
b3=$(sb_new_base 3)                                  # direct fail
ctl revoke "$b3" --cause violation -r "违法违规" >/dev/null
id4=$(sb_apply 4 '.unit.district = "上城区" | .unit.type = "VOCATIONAL_COLLEGE"')
sb_drive "$id4" certified
b4=$(sb_field "$id4" .base_id)                       # failed its assessment
ctl assess "$b4" -f "$SB_EXAMPLES/scores-fail.json" -r "cycle 1" >/dev/null

shows=$(served show) lists=$(served list)
js=$(ctl roster --format json)
# one list request for the one page of sub-bases, and no
# request per sub-base: unit type and projects come on the page (List.details)
assert_eq "$shows" "$(served show)" "the roster asks for no record by itself"
assert_eq $((lists + 1)) "$(served list)" "one request per page"
assert_json "$js" 'length' 4 "every sub-base"
assert_json "$js" "[.[] | select(.id == \"$b1\")][0].grade" "" "not assessed yet"
assert_json "$js" "[.[] | select(.id == \"$b1\")][0].unit_type" enterprise "unit type from the application"
assert_json "$js" "[.[] | select(.id == \"$b1\")][0].projects" "$(jq -r '[.projects[] | .occupation + "（" + .level + "）"] | join("；")' "$SB_EXAMPLES/application.json")" "projects"
assert_json "$js" "[.[] | select(.id == \"$b2\")][0].grade" good "latest grade"
assert_json "$js" "[.[] | select(.id == \"$b2\")][0].assessed_on" "$b2_on" "latest date"
assert_json "$js" "[.[] | select(.id == \"$b3\")][0].revoked_cause" violation "revocation cause"
assert_json "$js" "[.[] | select(.id == \"$b3\")][0].state" revoked "state"
assert_json "$js" "[.[] | select(.id == \"$b4\")][0].revoked_cause" assessment_failed "failed"
assert_json "$js" "[.[] | select(.id == \"$b1\")][0].certificate_no | test(\"^HZPTB-\")" true "certificate"
# filters
assert_json "$(ctl roster --format json --state revoked)" '[.[].id] | sort | join(",")' "$b3,$b4" "--state"
assert_json "$(ctl roster --format json --grade good)" '[.[].id] | join(",")' "$b2" "--grade"
assert_json "$(ctl roster --format json --district 上城区)" '[.[].id] | join(",")' "$b4" "--district"
assert_json "$(ctl roster --format json --district 淳安县)" 'length' 0 "no sub-base there"
sb_ctl_fails 2 invalid roster --grade splendid
sb_ctl_fails 2 invalid roster --state applied
# csv
"$SKILLBASECTL" roster --format csv >"$SB_WORK/roster.csv"
[ "$(head -c 3 "$SB_WORK/roster.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || sb_fail "no BOM"
/usr/bin/python3 - "$SB_WORK/roster.csv" <<'PY' || sb_fail "roster CSV does not parse back"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert rows[0][0] == "id" and rows[0][-2] == "plaque_returned_on" and rows[0][-1] == "level", rows[0]
assert len(rows) == 5, len(rows)
assert all(len(r) == 21 for r in rows), [len(r) for r in rows]
PY
# results of the year
res=$(ctl results --cycle-year "$year" --format json)
assert_json "$res" 'length' 3 "three results this year"
assert_json "$res" "[.[] | select(.id == \"$b2\")][0].grade" good "a pass"
assert_json "$res" "[.[] | select(.id == \"$b4\")][0].cause" assessment_failed "a fail"
assert_json "$res" "[.[] | select(.id == \"$b3\")][0].kind" direct_fail "a direct fail"
assert_json "$res" "[.[] | select(.id == \"$b3\")][0].cause" violation "its cause"
assert_json "$res" "[.[] | select(.id == \"$b3\")][0].cycle" 1 "a direct fail is a result of the current cycle"
assert_json "$(ctl results --cycle-year 2001 --format json)" 'length' 0 "another year"

# ------------------------------------------------------------ cycles (五(一))
# the latest cycle's result and the next due date at the end of the next cycle
b1_on=$(sb_field "$b1" .certified_on)
b2_cert=$(sb_field "$b2" .certified_on)
plus_years() { /usr/bin/python3 -c 'import sys, datetime as d; x = d.date.fromisoformat(sys.argv[1]); print(x.replace(year=x.year + int(sys.argv[2])))' "$1" "$2"; }
assert_json "$js" "[.[] | select(.id == \"$b1\")][0].next_due" "$(plus_years "$b1_on" 2)" "not assessed: due at the end of cycle 1"
assert_json "$js" "[.[] | select(.id == \"$b2\")][0].next_due" "$(plus_years "$b2_cert" 4)" "assessed in cycle 1: due at the end of cycle 2"
assert_json "$js" "[.[] | select(.id == \"$b2\")][0].cycle" 1 "the result's cycle"
assert_json "$js" "[.[] | select(.id == \"$b2\")][0].total" "$(jq '[.[]] | add' "$SB_EXAMPLES/scores-good.json")" "the result's total"
assert_json "$js" "[.[] | select(.id == \"$b3\")][0].next_due" "" "revoked: nothing due"
assert_json "$js" "[.[] | select(.id == \"$b3\")][0].grade" fail "a direct fail is the latest result"
# a correction replaces the cycle's result, keeps the earlier one, and is
# listed once, marked
jq '.[keys_unsorted[0]] -= 0.5' "$SB_EXAMPLES/scores-good.json" >"$SB_WORK/scores-corrected.json"
ctl assess "$b2" --correct -r "复核更正" -f "$SB_WORK/scores-corrected.json" >/dev/null
corrected=$(jq '([.[]] | add) - 0.5' "$SB_EXAMPLES/scores-good.json")
res=$(ctl results --cycle-year "$year" --format json)
assert_json "$res" "[.[] | select(.id == \"$b2\")] | length" 1 "a corrected result is listed once"
assert_json "$res" "[.[] | select(.id == \"$b2\")][0].corrected" yes "marked as the correction"
assert_json "$res" "[.[] | select(.id == \"$b2\")][0].total" "$corrected" "the correction's total, in tenths"
assert_json "$res" "[.[] | select(.id == \"$b2\")][0].reason" "复核更正" "and its reason"
assert_json "$(ctl roster --format json)" "[.[] | select(.id == \"$b2\")][0].total" "$corrected" "the roster shows the correction"
# show: the results per cycle (the corrected one kept, marked) and the documents
printf 'score sheet' >"$SB_WORK/sheet.pdf"
ctl documents add "$b2" "$SB_WORK/sheet.pdf" --kind score_sheet -r "cycle 1" >/dev/null
shown=$(ctl show "$b2")
assert_contains "$shown" "cycle 1 ($b2_cert to " "results per cycle"
assert_contains "$shown" "(superseded by a correction)" "the earlier result kept"
assert_contains "$shown" "total $corrected (base " "the correction"
assert_contains "$shown" "correction: 复核更正" "its reason"
assert_contains "$shown" "sheet.pdf" "the documents"
assert_contains "$shown" "next due $(plus_years "$b2_cert" 4)" "next due"
assert_contains "$(ctl show "$b3")" "direct fail (五(三)), cause violation" "a direct fail"
sb_ctl_fails 2 invalid results
text=$(ctl roster)
assert_contains "$text" "$b2" "text roster"
# a long export shows progress on a terminal (stderr a terminal, the rows
# going to a file), and stays quiet when piped
script -qec "\"$SKILLBASECTL\" roster --format csv >\"$SB_WORK/tty.csv\"" /dev/null >"$SB_WORK/tty.err" </dev/null ||
    sb_fail "roster under a terminal failed: $(cat "$SB_WORK/tty.err")"
assert_contains "$(cat "$SB_WORK/tty.err")" "roster: 4 sub-bases read" "progress on the terminal"
assert_eq 5 "$(wc -l <"$SB_WORK/tty.csv")" "the rows in the file, no progress among them"
"$SKILLBASECTL" roster --format csv 2>"$SB_WORK/piped.err" | cat >/dev/null
assert_eq "" "$(cat "$SB_WORK/piped.err")" "quiet when piped"

# ------------------------------------------------------------ stats
sb_apply 5 >/dev/null                                # received, still open
id6=$(sb_apply 6); ctl reject "$id6" -r "not eligible" >/dev/null
id7=$(sb_apply 7); ctl withdraw "$id7" -r "unit withdrew" >/dev/null
shows=$(served show)
st=$(ctl stats --format json)
assert_eq "$shows" "$(served show)" "stats asks for no record by itself (unit types come on the page)"
assert_json "$st" .applications.received 7 "received"
assert_json "$st" .applications.rejected 1 "rejected"
assert_json "$st" .applications.withdrawn 1 "withdrawn"
assert_json "$st" .applications.certified 4 "certified"
assert_json "$st" .applications.open 1 "still open"
assert_json "$st" .sub_bases.live 2 "live"
assert_json "$st" .sub_bases.revoked 2 "revoked"
assert_json "$st" '.sub_bases.by_district["西湖区"].live' 2 "by district"
assert_json "$st" '.sub_bases.by_district["上城区"].revoked' 1 "by district, revoked"
assert_json "$st" '.sub_bases.by_unit_type.vocational_college.revoked' 1 "by unit type"
assert_json "$st" '.sub_bases.by_grade.good.live' 1 "by grade"
assert_json "$st" '.sub_bases.by_cause.violation.revoked' 1 "by cause"
assert_json "$st" '.sub_bases.by_cause.assessment_failed.revoked' 1 "by cause: failed"
assert_json "$st" .sub_bases.assessments_overdue 0 "none overdue"
assert_json "$(ctl stats --format json --year 2001)" .applications.received 0 "another year"
assert_contains "$(ctl stats)" "live 2, revoked 2" "text stats"
# the chart: an SVG a browser draws, with a bar per district and grade
"$SKILLBASECTL" stats --format svg >"$SB_WORK/stats.svg"
xmllint --noout "$SB_WORK/stats.svg" 2>/dev/null || /usr/bin/python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$SB_WORK/stats.svg" ||
    sb_fail "the SVG is not well-formed XML"
dom=$(timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$SB_WORK/chromium-profile" --dump-dom "file://$SB_WORK/stats.svg" 2>/dev/null) ||
    sb_fail "chromium could not open the chart"
assert_contains "$dom" "by district" "chart title"
assert_contains "$dom" "西湖区" "a district's bar"
assert_eq 5 "$(grep -o 'class="live"' <<<"$dom" | wc -l)" "bars: 2 districts + 3 grades"
if [ -n "${SB_KEEP_CHART:-}" ]; then
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run \
        --user-data-dir="$SB_WORK/chromium-profile" --screenshot="$SB_KEEP_CHART" \
        --window-size=700,400 "file://$SB_WORK/stats.svg" >/dev/null 2>&1 || true
fi
sb_note "roster, results and stats: fields, filters, CSV, JSON and SVG"
