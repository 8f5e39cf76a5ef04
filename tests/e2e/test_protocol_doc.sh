#!/usr/bin/env bash
# docs/protocol.md stays complete: every command of Request, every result
# of Reply and every ErrorCode of proto/skillbase.proto has its row there,
# under its number; and every field of every command is in its table with
# its type, whether it is required, its limits (the daemon's) and meaning,
# as proto/protocol_fields.py generates them. (A developer in another
# language writes a client from that page alone; a command or field added
# to the proto without its row fails here.)
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

proto=$SB_REPO_DIR/proto/skillbase.proto
doc=$SB_REPO_DIR/docs/protocol.md
[ -f "$doc" ] || sb_fail "no $doc"

# "name number" of the fields of a message's oneof: fields MESSAGE ONEOF
fields() {
    awk -v msg="$1" -v oneof="$2" '
        $1 == "message" && $2 == msg { in_msg = 1; next }
        in_msg && $1 == "oneof" && $2 == oneof { in_oneof = 1; next }
        in_oneof && $1 == "}" { exit }
        in_oneof && $3 == "=" && $1 ~ /^[A-Za-z0-9_.]+$/ {
            num = $4; sub(/;.*/, "", num); print $2, num
        }' "$proto"
}

missing=()
while read -r name num; do
    grep -Eq "^\| $num \| \`$name\` \|" "$doc" || missing+=("Request.$name ($num)")
done < <(fields Request command)
while read -r name num; do
    grep -Eq "\`$name\` \($num\)" "$doc" || missing+=("Reply.result $name ($num)")
done < <(fields Reply result)
while read -r name num; do
    grep -Eq "^\| $num \| \`$name\` \|" "$doc" || missing+=("ErrorCode $name ($num)")
done < <(awk '$1 == "enum" && $2 == "ErrorCode" { on = 1; next }
              on && $1 == "}" { exit }
              on && $2 == "=" { v = $3; sub(/;.*/, "", v); print $1, v }' "$proto")

[ "$(fields Request command | wc -l)" -gt 20 ] || sb_fail "could not read the commands of $proto"
[ ${#missing[@]} -eq 0 ] || sb_fail "docs/protocol.md lacks: ${missing[*]}"

# The command fields (docs/protocol.md, "Command fields"): every field of
# every command's message, with its type, whether it is required, its limits
# with the values of the daemon's own checks (from its `rules` answer) and
# its meaning from the proto — regenerated here and compared with the doc.
source "$SB_LIB_DIR/python_lib.sh"
sb_python_setup
sb_start_daemon
ctl --json rules >"$SB_WORK/rules.json"
sb_run "$PY" "$SB_REPO_DIR/proto/protocol_fields.py" --rules "$SB_WORK/rules.json" --check "$doc"
[ "$SB_RC" -eq 0 ] || sb_fail "docs/protocol.md, command fields: $SB_ERR"
# the check can fail: a field the table does not know is reported
sed 's/^  string reason = 2;$/  string reason = 2;\n  string undocumented_field = 99;/' "$proto" >"$SB_WORK/changed.proto"
grep -q undocumented_field "$SB_WORK/changed.proto" || sb_fail "could not add a field to a copy of the proto"
mkdir -p "$SB_WORK/p"
cp "$SB_REPO_DIR/proto/protocol_fields.py" "$SB_WORK/p/"
cp "$SB_WORK/changed.proto" "$SB_WORK/p/skillbase.proto"
sb_run "$PY" "$SB_WORK/p/protocol_fields.py" --rules "$SB_WORK/rules.json" --check "$doc"
assert_ne 0 "$SB_RC" "the check of a proto with an undocumented field"
assert_contains "$SB_ERR" "undocumented_field: no row in REQUIRED" "the check's complaint"
