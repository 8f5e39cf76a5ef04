#!/usr/bin/env bash
# --help of every program shows the defaults of the build it belongs to.
# These are checkout builds (cmake/SkillbaseLayout.cmake without
# SB_FHS_LAYOUT): every default path printed is in this checkout — the
# state directory var/, the data files in data/ (which must exist), the
# example configuration config/skillbase.ini — and none is a vague "the
# shipped ..." or a relative path. (The installed layout's --help, with
# /var/lib/skillbase, /run/skillbase, /usr/share/skillbase and
# /etc/skillbase, is checked on the Debian package by test_package.sh.)
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

repo=$SB_REPO_DIR
progs=("$SKILLBASED" "$SKILLBASECTL")
for w in NOTIFY DEADLINES SUBSIDY; do
    v=SKILLBASE_$w
    [ -n "${!v:-}" ] || sb_fail "$v is not set (the built worker)"
    progs+=("${!v}")
done

help_of() { env -u SKILLBASE_ENDPOINT -u SKILLBASE_WORKER_ENDPOINT "$1" --help 2>&1; }

for p in "${progs[@]}"; do
    name=$(basename "$p")
    out=$(help_of "$p")
    assert_not_contains "$out" "the shipped data/" "$name --help: a vague default"
    assert_not_contains "$out" "see config/skillbase.ini" "$name --help: a relative path"
    # every absolute path it names is in the checkout; data files exist
    while read -r path; do
        case "$path" in
        "$repo"/*) ;;
        *) sb_fail "$name --help names $path, outside the checkout $repo" ;;
        esac
        case "$path" in
        "$repo"/data/* | "$repo"/config/*)
            [ -e "$path" ] || sb_fail "$name --help names $path, which does not exist" ;;
        esac
    done < <(printf '%s\n' "$out" | grep -oE '(^|[ (])(ipc://)?/[^ ,)]+' | sed -E 's/^[ (]//; s|^ipc://||')
done

assert_contains "$(help_of "$SKILLBASED")" "$repo/var" "skillbased state directory"
assert_contains "$(help_of "$SKILLBASED")" "$repo/data/calendar/cn-workdays.tsv" "skillbased calendar"
assert_contains "$(help_of "$SKILLBASED")" "$repo/config/skillbase.ini" "skillbased example configuration"
assert_contains "$(help_of "$SKILLBASECTL")" "ipc://$repo/var/command.sock" "skillbasectl endpoint"
assert_contains "$(help_of "$SKILLBASE_NOTIFY")" "$repo/data/notices" "notify templates"
assert_contains "$(help_of "$SKILLBASE_NOTIFY")" "ipc://$repo/var/worker.sock" "notify endpoint"
assert_contains "$(help_of "$SKILLBASE_DEADLINES")" "$repo/data/calendar/cn-workdays.tsv" "deadlines calendar"
assert_contains "$(help_of "$SKILLBASE_SUBSIDY")" "$repo/data/subsidy/rules.example.json" "subsidy rules"
