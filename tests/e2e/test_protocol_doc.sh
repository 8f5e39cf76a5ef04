#!/usr/bin/env bash
# docs/protocol.md stays complete: every command of Request, every result
# of Reply and every ErrorCode of proto/skillbase.proto has its row there,
# under its number. (A developer in another language writes a client from
# that page alone; a command added to the proto without a row fails here.)
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
