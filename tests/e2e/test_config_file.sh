#!/usr/bin/env bash
# config/skillbase.ini is what `skillbased --print-config` prints from the
# configuration table (daemon/policy/config_keys.c): a key added, a
# default changed or a comment edited in one and not the other fails here.
# Regenerate the file with:
#   skillbased --print-config > config/skillbase.ini
# --help lists every key of the same table.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

# Each key of an INI file, set or commented out (";key = value"), as
# "[section]<TAB>key<TAB>value" with the value as written, trimmed.
ini_keys() { # FILE
    local line section= key value
    while IFS= read -r line; do
        case "$line" in
        \[*\]) section=$line ;;
        \;[a-z]*=* | [a-z]*=*)
            key=${line#;}
            key=${key%%[ =]*}
            value=${line#*=}
            value=${value%%;*}
            value=$(sed 's/^ *//; s/ *$//' <<<"$value")
            printf '%s\t%s\t%s\n' "$section" "$key" "$value"
            ;;
        esac
    done <"$1"
}

printed=$SB_WORK/printed.ini
"$SKILLBASED" --print-config >"$printed" || sb_fail "skillbased --print-config failed"
diff -u "$SB_REPO_DIR/config/skillbase.ini" "$printed" >"$SB_WORK/diff" ||
    sb_fail "config/skillbase.ini differs from skillbased --print-config: $(cat "$SB_WORK/diff")"

# the printed file is a valid configuration, as is
out=$("$SKILLBASED" --check-config -s "$SB_STATE" -c "$printed" 2>&1) ||
    sb_fail "the printed configuration does not check: $out"

# every key of the file, and of the production example, is in --help with
# its section
help=$("$SKILLBASED" --help)
for file in "$printed" "$SB_REPO_DIR/config/skillbase.production.ini"; do
    n=0
    while IFS=$'\t' read -r section key _; do
        assert_contains "$help" "$section $key " "--help lists $section $key ($file)"
        n=$((n + 1))
    done < <(ini_keys "$file")
    [ "$n" -gt 10 ] || sb_fail "only $n keys read from $file"
done

# the flags (a table in daemon/service/main.c) set the keys they name
out=$("$SKILLBASED" -s "$SB_STATE" -l debug --map-size-mb 128 --metrics-listen 127.0.0.1:0 \
    --event-endpoint "ipc://$SB_STATE/e.sock" --check-config 2>&1) ||
    sb_fail "flags refused: $out"
assert_contains "$out" "metrics 127.0.0.1:0" "--metrics-listen sets [metrics] listen"
assert_contains "$out" "event_endpoint ipc://$SB_STATE/e.sock" "--event-endpoint sets [events] endpoint"
if out=$("$SKILLBASED" -s "$SB_STATE" --map-size-mb 0 --check-config 2>&1); then
    sb_fail "--map-size-mb 0 accepted"
fi
assert_contains "$out" "map_size_mb" "--map-size-mb 0: the key named"

# every key that `rules` and `status` name as deciding a setting is a row
# of the table (so the reports cannot name a key the parser does not know)
sb_start_daemon
named=$( (ctl --json rules | jq -r '.settings[].decided_by'
    ctl --json status | jq -r '.bureau_choices[]?.decided_by') |
    grep -oE 'configuration \[[a-z_]+\] [a-z_]+' | sort -u)
[ "$(printf '%s\n' "$named" | grep -c .)" -gt 10 ] || sb_fail "few keys named by rules: $named"
while read -r _ section key; do
    assert_contains "$help" "$section $key " "rules/status name $section $key, a row of the table"
done <<<"$named"
# what rules and status call the bureau's choice is marked so in the table
# (its SB_CONFIG_BUREAU column, shown by --help)
bureau=$( (ctl --json rules | jq -r '.settings[] | select((.decided_by + " " + .meaning) |
        test("bureau.s choice")) | .decided_by'
    ctl --json status | jq -r '.bureau_choices[]?.decided_by') |
    grep -oE 'configuration \[[a-z_]+\] [a-z_]+' | sort -u)
[ "$(printf '%s\n' "$bureau" | grep -c .)" -ge 8 ] || sb_fail "few bureau's choices: $bureau"
while read -r _ section key; do
    line=$(printf '%s\n' "$help" | grep -F "$section $key ")
    assert_contains "$line" "(the bureau's choice)" "--help marks $section $key as the bureau's choice"
done <<<"$bureau"
sb_note "rules and status name $(printf "%s\n" "$named" | grep -c .) keys, each a row of the table"

# status reports every key the table marks as the bureau's choice, with its
# value, from the table alone: a key added there appears here with no
# further code. The daemon runs on the printed file; each of those keys
# shows the value the file gives it (or the default it shows commented).
sb_stop_daemon
sb_start_daemon --config "$printed"
st=$(ctl --json status)
marked=$(printf '%s\n' "$help" | grep -F "(the bureau's choice)" |
    grep -oE '^  \[[a-z_]+\] [a-z_]+' | sed 's/^  //' | sort)
reported=$(jq -r '.bureau_choices[].decided_by' <<<"$st" |
    grep -oE '^configuration \[[a-z_]+\] [a-z_]+' | sed 's/^configuration //' | sort)
[ "$(printf '%s\n' "$marked" | grep -c .)" -ge 15 ] || sb_fail "few keys marked: $marked"
[ "$marked" = "$reported" ] ||
    sb_fail "status reports other keys than the table marks as the bureau's choice:
$(diff <(printf '%s\n' "$marked") <(printf '%s\n' "$reported"))"
while IFS=$'\t' read -r section key want; do
    grep -qxF "$section $key" <<<"$marked" || continue
    case "$want" in true) want=on ;; false) want=off ;; esac
    got=$(jq -r --arg by "configuration $section $key (the bureau's choice)" \
        '.bureau_choices[] | select(.decided_by == $by) | .value' <<<"$st")
    assert_eq "$want" "$got" "status: $section $key as the file gives it"
done < <(ini_keys "$printed")
assert_json "$st" '.bureau_choices[-1].name' rubric_maxima "the rubric's maxima together, last"
sb_note "status reports the $(printf '%s\n' "$marked" | grep -c .) keys the table marks as the bureau's choice"
