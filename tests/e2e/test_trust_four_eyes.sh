#!/usr/bin/env bash
# Threat: four eyes with one person (docs/security.md, "Threats and what
# stops them"):
# - alice proposes a certification and confirms it herself as "Alice", as
#   the full-width "Ａｌｉｃｅ" or as "ALICE": refused (names compared after
#   NFKC case folding); bob confirms;
# - over ipc:// (where names are self-declared) with [four_eyes] over_ipc =
#   refuse, as the production configuration sets: proposing and confirming
#   are refused, naming the per-person key to use instead, and so is a
#   revocation by a fact entered over ipc in a service's name;
# - a keys file cannot hold "Alice" beside "alice".
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
unset SKILLBASE_ACTOR

printf '[four_eyes]\ncertify = on\nrevoke = on\n' >"$SB_WORK/fe.ini"
sb_start_daemon --config "$SB_WORK/fe.ini"
app=$(sb_apply 1 . --as alice)
sb_drive "$app" in_publicity
sb_publicity_over # publicity runs its course (二(三)2)
out=$(ctl --as alice close-publicity "$app")
prop=$(grep -o 'prop-[0-9]*' <<<"$out" | head -n 1)
[ -n "$prop" ] || sb_fail "close-publicity made no proposal: $out"
for who in Alice ALICE "Ａｌｉｃｅ"; do
    sb_ctl_fails 1 forbidden --as "$who" confirm "$prop"
    sb_err_names "four eyes" alice
done
assert_state "$app" in_publicity
ctl --as bob confirm "$prop" >/dev/null
assert_state "$app" certified
ev=$(ctl --json history "$app" | jq -c '[.[] | select(.topic == "application.certified")][0]')
assert_json "$ev" .actor bob
assert_json "$ev" .proposed_by alice

# ------------------------------------------------------------ the production setting
sb_stop_daemon TERM
printf '[four_eyes]\ncertify = on\nrevoke = on\nover_ipc = refuse\n' >"$SB_WORK/fe.ini"
sb_start_daemon --config "$SB_WORK/fe.ini"
base=$(sb_field "$app" .base_id)
sb_ctl_fails 1 forbidden --as alice revoke "$base" --cause violation -r "one person over ipc"
sb_err_names "over_ipc = refuse" "own key"
# nor by a fact entered over ipc under a service's name
sb_ctl_fails 1 forbidden --as alice ingest --source market-registry --id MR-1 \
    --type unit.deregistered --entity "$base"
sb_err_names "over_ipc = refuse"
assert_state "$base" certified
app2=$(sb_apply 2 . --as alice)
sb_drive "$app2" in_publicity
sb_publicity_over
sb_ctl_fails 1 forbidden --as alice close-publicity "$app2"
sb_ctl_fails 1 forbidden --as bob confirm prop-000001
sb_err_names "over_ipc = refuse"
assert_state "$app2" in_publicity
# the production configuration sets it
grep -q '^over_ipc = refuse' "$SB_REPO_DIR/config/skillbase.production.ini" ||
    sb_fail "the production configuration does not refuse four eyes over ipc"

# ------------------------------------------------------------ keys
keys=$SB_WORK/keys.ini
ctl keygen "$SB_WORK/a1.key" >/dev/null
ctl keygen "$SB_WORK/a2.key" >/dev/null
ctl --keys "$keys" keys add alice --role operator --public-key "$SB_WORK/a1.key" >/dev/null
sb_ctl_fails 1 invalid --keys "$keys" keys add Alice --role operator --public-key "$SB_WORK/a2.key"
sb_err_names "already a key named Alice"
sb_note "four eyes are two people"
