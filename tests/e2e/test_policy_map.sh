#!/usr/bin/env bash
# docs/policy-map.md maps every clause of the policy to behaviour, code and
# tests: it is titled with the policy's own title, has a row for each clause
# and sub-clause 一 … 七(二), and every test it names exists — a cmocka test
# function defined and registered in its file, or for a script a comment
# line that names the part — and every function it names in the code exists.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
SB_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAP=$SB_REPO/docs/policy-map.md
[ -f "$MAP" ] || sb_fail "no $MAP"
sb_setup

title=$(head -n 1 "$MAP")
assert_contains "$title" "# 杭州市高技能人才公共实训基地体系建设实施办法" "the map's title"

# one row per clause and sub-clause of the policy text
for clause in 一 '二(一)' '二(二)' '二(二)1' '二(二)2' '二(二)3' '二(二)4' '二(三)1' '二(三)2' \
    '三(一)' '三(二)' '三(三)' '四(一)' '四(二)' '四(三)' '五(一)' '五(二)' '五(三)' \
    '六(一)' '六(二)' '六(三)' '六(四)' '六(五)' '七(一)' '七(二)'; do
    n=$(grep -cF "| $clause |" "$MAP" || true)
    assert_eq 1 "$n" "rows for clause $clause"
done
# no clause the policy does not have
if grep -qE '^\| (二\(四\)|五\(四\)|七\(三\))' "$MAP"; then
    sb_fail "the map has a row for a clause the policy does not have"
fi

# every test named exists
refs=$(grep -oE '`tests/[^`]+::[^`]+`' "$MAP" | tr -d '`' | sort -u)
[ -n "$refs" ] || sb_fail "the map names no tests"
count=0
while IFS= read -r ref; do
    file=${ref%%::*} name=${ref#*::}
    [ -f "$SB_REPO/$file" ] || sb_fail "the map names $file, which does not exist"
    case "$file" in
        *.c)
            # a function, or one a test macro defines (e.g. ALLOWED(name, ...))
            grep -qE "^(static void $name\(void \*\*state\)|[A-Z_]+\($name,)" "$SB_REPO/$file" ||
                sb_fail "the map names $name in $file, which defines no such test"
            grep -qE "(cmocka_unit_test[a-z_]*|T)\($name[,)]" "$SB_REPO/$file" ||
                sb_fail "the map names $name in $file, which does not register it"
            ;;
        *.sh)
            grep -E '^ *#' "$SB_REPO/$file" | grep -F -- "$name" >/dev/null ||
                sb_fail "the map names '$name' in $file, which has no such part"
            ;;
        *) sb_fail "the map names $ref: neither a C test nor a script" ;;
    esac
    count=$((count + 1))
done <<<"$refs"
sb_note "$count test references checked"

# every function named in the code column exists in its file
while IFS= read -r row; do
    files=$({ grep -oE '`(daemon|common|workers|clients)/([a-z_]+/)?[a-z_]+\.[ch]`' <<<"$row" || true; } | tr -d '`')
    for file in $files; do
        [ -f "$SB_REPO/$file" ] || sb_fail "the map names $file, which does not exist"
    done
    funcs=$({ grep -oE '`(sb_|sb__|check_|transition|create_base|append_note|run_command|add_warning)[a-z0-9_]*`' <<<"$row" || true; } | tr -d '`')
    for f in $funcs; do
        found=0
        for file in $files; do
            if grep -qE "(^|[ *])$f\(" "$SB_REPO/$file"; then found=1; fi
        done
        [ "$found" = 1 ] || sb_fail "the map names $f, defined in none of: $files"
    done
done < <(grep -E '^\| [一二三四五六七]' "$MAP")
