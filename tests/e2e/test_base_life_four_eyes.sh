#!/usr/bin/env bash
# Who may change a sub-base, and under four eyes, over tcp:// with CURVE
# keys (docs/security.md):
# - roles: a reviewer and a reader may not amend, decide a project, rename,
#   exit or record a plaque's return; an operator may;
# - four eyes: with [four_eyes] revoke = on an exit is a proposal a second
#   operator confirms (the proposer cannot), as a revocation is; with
#   [four_eyes] certify = on a rename is a proposal likewise; amend and
#   plaque-returned act at once.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

keys=$SB_WORK/keys.ini
sb_keygen alice bob wang rita
sb_key_add alice --role operator --public-key "$SB_WORK/alice.key"
sb_key_add bob --role operator --public-key "$SB_WORK/bob.key"
sb_key_add wang --role reviewer --public-key "$SB_WORK/wang.key"
sb_key_add rita --role reader --public-key "$SB_WORK/rita.key"
cat >"$SB_WORK/security.ini" <<EOF
[security]
keys = $keys
[four_eyes]
certify = on
revoke = on
EOF
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/security.ini"
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/alice.key
unset SKILLBASE_ACTOR

# a certified sub-base: certification itself is a proposal here
new_base() {
    local app p
    app=$(as alice apply "$(sb_form "$(sb_cc "$1")" ".base_name += \"$1\"")")
    as wang review "$app" -r "site visit" >/dev/null
    as wang evaluate "$app" --pass -r "meets the conditions" >/dev/null
    sb_publicity_over
    p=$(jget "$(as alice --json close-publicity "$app")" .id)
    as bob confirm "$p" >/dev/null
    jget "$(as alice --json show "$app")" .base_id
}
b1=$(new_base 1)
b2=$(new_base 2)
change=$SB_WORK/change.json
printf '%s\n' '{"add_projects": [{"occupation": "焊工", "level": "高级工"}]}' >"$change"

# ------------------------------------------------------------ roles
for who in wang rita; do
    as_fails "$who" 1 forbidden amend "$b1" -f "$change" -r "not theirs"
    as_fails "$who" 1 forbidden exit "$b1" -r "not theirs"
    as_fails "$who" 1 forbidden rename "$b1" --name 别名 --decision d -r "not theirs"
    as_fails "$who" 1 forbidden plaque-returned "$b1" --on "$(sb_today)"
done
as alice amend "$b1" -f "$change" -r "a welding bay" >/dev/null
as_fails wang 1 forbidden amend "$b1" --approve 1 -r "not theirs"
as bob amend "$b1" --approve 1 -r "checked" >/dev/null
assert_json "$(as rita --json show "$b1")" '.projects | length' 3 "an amend acts at once, no proposal"
# a reader sees the contact changes withheld, an operator sees them
printf '%s\n' '{"contact": {"name": "李梅", "phone": "0571-88005678", "email": "li@example.com"}}' >"$change"
as alice amend "$b1" -f "$change" -r "new contact" >/dev/null
ev=$(as rita --json history "$b1" | jq -c '.[-1]')
assert_json "$ev" '[.changes[] | select(.field == "contact.phone")][0].after' "(withheld)" "a reader"
ev=$(as bob --json history "$b1" | jq -c '.[-1]')
assert_json "$ev" '[.changes[] | select(.field == "contact.phone")][0].after' 0571-88005678 "an operator"

# ------------------------------------------------------------ four eyes: exit
out=$(as alice --json exit "$b1" -r "the unit asks to leave")
assert_json "$out" .kind exit "an exit makes a proposal"
p=$(jget "$out" .id)
assert_json "$(as rita --json show "$b1")" .state certified "unchanged until confirmed"
assert_contains "$(as alice proposals)" "$p"
as_fails alice 1 forbidden confirm "$p"
sb_err_names "different operator"
as bob confirm "$p" -r "letter of the unit on file" >/dev/null
rec=$(as rita --json show "$b1")
assert_json "$rec" .state exited "exited once a second operator confirmed"
ev=$(as alice --json history "$b1" | jq -c '[.[] | select(.topic == "base.exited")][0]')
assert_json "$ev" .actor bob
assert_json "$ev" .proposed_by alice
assert_json "$ev" .proposal_id "$p"
evs=$(as alice --json history "$b1")
assert_json "$evs" '[.[] | select(.topic == "base.exit_proposed")] | length' 1 "the proposal is an event"
# plaque-returned acts at once
as alice plaque-returned "$b1" --on "$(sb_today)" >/dev/null
assert_json "$(as rita --json show "$b1")" .plaque_returned_on "$(sb_today)"

# ------------------------------------------------------------ four eyes: rename
out=$(as alice --json rename "$b2" --name 精工智能 --decision "杭人社〔2026〕12号" -r "renamed by the bureau")
assert_json "$out" .kind renaming "a rename makes a proposal"
p=$(jget "$out" .id)
assert_json "$(as rita --json show "$b2")" .name 杭州市公共实训基地精工机械2分基地 "unchanged until confirmed"
# a proposal that could not take effect is refused at once
as_fails alice 1 invalid rename "$b2" --name 精工机械2 --decision d -r "the same name"
sb_err_names "already named"
as_fails alice 1 forbidden confirm "$p"
as bob confirm "$p" >/dev/null
assert_json "$(as rita --json show "$b2")" .name 杭州市公共实训基地精工智能分基地 "renamed once confirmed"
ev=$(as alice --json history "$b2" | jq -c '[.[] | select(.topic == "base.renamed")][0]')
assert_json "$ev" .proposed_by alice
assert_json "$ev" '.changes[0].after' 杭州市公共实训基地精工智能分基地

sb_note "a sub-base's changes: roles and four eyes over CURVE"
