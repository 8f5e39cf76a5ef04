#!/usr/bin/env bash
# The proposed list (拟认定名单, policy 二(三)2): `skillbasectl publicity-list`
# lists the applications in publicity on a date — proposed official name,
# unit, credit code, district, projects, publicity start and end, how to
# object — and only those (not an application still under review, not one
# whose publicity has not begun on that date); as text, CSV that a
# spreadsheet opens (UTF-8 with BOM, every field quoted, quotes doubled, no
# formula), JSON, and a complete HTML page from the template in the data
# directory. The page is opened in a real headless browser (chromium): a
# reader sees the title, one row per application with the Chinese text
# intact, and the text a unit typed (markup, an event handler) as text —
# the handler never runs.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
command -v chromium >/dev/null || sb_fail "chromium is required (Debian package chromium)"
sb_start_daemon

# (a jq string: the value is  <img src=x onerror="document.title='PWNED'">"&  )
evil='<img src=x onerror=\"document.title=\u0027PWNED\u0027\">\"&'
a1=$(sb_apply 1 '.base_name = "西湖" | .unit.name = "杭州\"示例\"机电有限公司"')
a2=$(sb_apply 2 ".base_name = \"$evil\" | .projects = [{occupation: \"电工\", level: \"高级工\"}, {occupation: \"=1+1\", level: \"\"}]")
a3=$(sb_apply 3)                       # still applied: not listed
sb_drive "$a1" in_publicity
sb_drive "$a2" in_publicity
ctl review "$a3" -r "on-site" >/dev/null
today=$(sb_today)

# text
out=$(ctl publicity-list)
assert_contains "$out" "in publicity on $today: 2" "count"
assert_contains "$out" "杭州市公共实训基地西湖分基地" "proposed official name (二(三)2)"
assert_not_contains "$out" "$a3" "an application under review"
assert_contains "$out" "objections: 公示期间" "how to object"
# json
js=$(ctl publicity-list --format json)
assert_json "$js" '.date' "$today" "date"
assert_json "$js" '.applications | length' 2 "two applications"
assert_json "$js" '.applications[0].id' "$a1" "ordered by start, then id"
assert_json "$js" '.applications[0].unit' '杭州"示例"机电有限公司' "unit"
assert_json "$js" '.applications[0].credit_code' "$(sb_cc 1)" "credit code"
assert_json "$js" '.applications[0].publicity_start' "$today" "start"
# the end as the daemon counts it when publicity begins (二(三)2)
assert_json "$js" '.applications[0].publicity_end' "$(sb_field "$a1" .publicity_ends_on)" "end counted by the daemon"
assert_json "$js" '.applications[1].projects' "电工（高级工）；=1+1" "projects with levels"
# a date before any publicity began: none; a bad date refused
assert_json "$(ctl publicity-list --format json --date 2000-01-01)" '.applications | length' 0 "before"
sb_ctl_fails 2 invalid publicity-list --date 2026-02-30
sb_ctl_fails 2 invalid publicity-list --format xml

# csv: BOM, header, quoting, no formula
"$SKILLBASECTL" publicity-list --format csv >"$SB_WORK/list.csv"
[ "$(head -c 3 "$SB_WORK/list.csv" | od -An -tx1 | tr -d ' ')" = efbbbf ] || sb_fail "CSV has no UTF-8 BOM"
assert_eq 3 "$(wc -l <"$SB_WORK/list.csv")" "header and two rows"
grep -q '"杭州""示例""机电有限公司"' "$SB_WORK/list.csv" || sb_fail "CSV quotes not doubled"
grep -q "\"电工（高级工）；=1+1\"" "$SB_WORK/list.csv" || sb_fail "CSV projects"
# a spreadsheet's reading: Python's csv module gives back the fields exactly
/usr/bin/python3 - "$SB_WORK/list.csv" "$a2" <<'EOF' || sb_fail "CSV does not parse back"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
assert rows[0][:3] == ["id", "name", "unit"], rows[0]
assert rows[2][0] == sys.argv[2], rows[2]
assert rows[2][1].startswith("杭州市公共实训基地<img"), rows[2][1]
EOF

# html, in a real browser
"$SKILLBASECTL" publicity-list --format html >"$SB_WORK/list.html"
browse() { # chromium, headless, fresh profile, no network
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run \
        --user-data-dir="$SB_WORK/chromium-profile" "$@" 2>>"$SB_WORK/chromium.err"
}
browse --dump-dom "file://$SB_WORK/list.html" >"$SB_WORK/dom.html" ||
    sb_fail "chromium could not render the page: $(tail -n 3 "$SB_WORK/chromium.err")"
dom=$(cat "$SB_WORK/dom.html")
assert_contains "$dom" "<title>杭州市公共实训基地分基地拟认定名单公示（$today）</title>" "title as a reader sees it"
assert_not_contains "$dom" "<img" "the unit's markup is no element"
assert_contains "$dom" '杭州市公共实训基地&lt;img src=x onerror="document.title=' "markup shown as text"
assert_eq 2 "$(grep -o '<tr data-id=' <<<"$dom" | wc -l)" "two rows"
assert_contains "$dom" '<strong id="count">2</strong>' "count"
assert_contains "$dom" "杭州\"示例\"机电有限公司" "unit name intact"
assert_contains "$dom" "电工（高级工）；=1+1" "projects"
assert_contains "$dom" "公示期间，任何单位和个人" "how to object"
assert_not_contains "$dom" "{{" "no placeholder left"
# and a picture of it, for people (kept beside the test's work files)
browse --screenshot="$SB_WORK/list.png" --window-size=1200,900 "file://$SB_WORK/list.html" >/dev/null ||
    sb_fail "chromium could not take a screenshot"
[ -s "$SB_WORK/list.png" ] || sb_fail "empty screenshot"
if [ -n "${SB_KEEP_SCREENSHOT:-}" ]; then cp "$SB_WORK/list.png" "$SB_KEEP_SCREENSHOT"; fi
sb_note "publicity-list: text, CSV, JSON and HTML checked in chromium"
