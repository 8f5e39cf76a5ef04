#!/usr/bin/env bash
# District-level sub-bases and district-scoped keys (六(五); docs/security.md,
# "District-scoped keys"). Over tcp:// with CURVE keys:
# - a sub-base has a level: city (the default, also for records made before
#   levels existed) or district, carried from the application form;
# - a key scoped to 萧山区 runs the process only for 萧山区's district-level
#   applications and sub-bases: refused (FORBIDDEN, naming its scope) on a
#   city-level sub-base and on another district's, allowed on its own; its
#   list, history, events and proposals show only its own; a command that
#   names none of its records is refused; it may not follow the stream;
# - a city key sees and does all;
# - a keys file naming a district that is not Hangzhou's is refused.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
SB_LIB_DIR=$(dirname "${BASH_SOURCE[0]}")
source "$SB_LIB_DIR/python_lib.sh"
sb_setup
sb_python_setup
export PYTHONPATH="$PYTHONPATH:$SB_LIB_DIR/helpers"

keys=$SB_WORK/keys.ini
sb_keygen alice bob xs xs2 xsr xh
sb_key_add alice --role operator --public-key "$SB_WORK/alice.key"
sb_key_add bob --role operator --public-key "$SB_WORK/bob.key"
out=$(ctl --keys "$keys" keys add xs --role operator --public-key "$SB_WORK/xs.key" --district 萧山区)
assert_contains "$out" "scoped to 萧山区" "keys add --district says the scope"
sb_key_add xsr --role reader --public-key "$SB_WORK/xsr.key" --district xiaoshan
sb_key_add xh --role operator --public-key "$SB_WORK/xh.key" --district 西湖区
sb_key_add xs2 --role operator --public-key "$SB_WORK/xs2.key" --district 萧山区
grep -q '^district = 萧山区$' "$keys" || sb_fail "keys add --district wrote no district line"
sb_ctl_fails 2 "" --keys "$keys" keys add w --role worker --public-key "$SB_WORK/bob.key" \
    --district 萧山区
assert_contains "$SB_ERR" "--district is for an operator, reviewer or reader key" "worker key"
assert_contains "$(ctl --keys "$keys" keys list)" "district = 萧山区" "keys list shows the scope"
assert_json "$(ctl --json --keys "$keys" keys list)" '[.[] | select(.name == "xs")][0].district' 萧山区

printf '[security]\nkeys = %s\n' "$keys" >"$SB_WORK/d.ini"
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/d.ini"
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/alice.key
unset SKILLBASE_ACTOR

assert_json "$(as xs --json whoami)" .district 萧山区 "whoami names the scope"
assert_contains "$(as xsr whoami)" "district: 萧山区" "pinyin in the keys file: canonical name"

# ------------------------------------------------------------ three sub-bases
DXS='.base_level = "district" | .unit.district = "萧山区"'
DXH='.base_level = "district" | .unit.district = "西湖区"'
app_city=$(sb_apply 1)
app_xs=$(sb_apply 2 "$DXS")
app_xh=$(sb_apply 3 "$DXH")
for a in "$app_city" "$app_xs" "$app_xh"; do
    ctl review "$a" -r "on-site review" >/dev/null
    ctl evaluate "$a" --pass -r "meets 二(二)" >/dev/null
done
sb_publicity_over
for a in "$app_city" "$app_xs" "$app_xh"; do
    ctl close-publicity "$a" -r "no objection" >/dev/null
done
b_city=$(sb_field "$app_city" .base_id)
b_xs=$(sb_field "$app_xs" .base_id)
b_xh=$(sb_field "$app_xh" .base_id)
assert_json "$(ctl --json show "$b_xs")" .base_level district "the level goes from the form to the sub-base"
assert_json "$(ctl --json show "$b_city")" '.base_level // "city"' city "a form without a level: city"
assert_contains "$(ctl show "$b_xs")" "level: district" "show prints the level"
assert_contains "$(ctl show "$b_city")" "level: city" "show prints the level"
human=$(ctl list --kind base)
assert_match "$human" "$b_xs +base +certified +district " "list shows the level"
assert_match "$human" "$b_city +base +certified +city " "list shows the level"

# ------------------------------------------------------------ refused outside its scope
as_fails xs 1 forbidden show "$b_city"
sb_err_names "scoped to 萧山区" "$b_city is a city-level sub-base"
as_fails xs 1 forbidden show "$b_xh"
sb_err_names "scoped to 萧山区" "district-level sub-base of 西湖区"
as_fails xs 1 forbidden history "$app_city"
sb_err_names "scoped to 萧山区" "city-level application"
as_fails xs 1 forbidden revoke "$b_city" --cause violation -r "not its own"
sb_err_names "scoped to 萧山区"
as_fails xs 1 forbidden assess "$b_xh" -f "$(sb_scores '{basic_construction: 20}')" -r "not its own"
sb_err_names "scoped to 萧山区" "西湖区"
assert_state "$b_city" certified
# apply: only a district-level form of its own district
as_fails xs 1 forbidden apply "$(sb_form "$(sb_cc 4)")"
sb_err_names "scoped to 萧山区" "city-level"
as_fails xs 1 forbidden apply "$(sb_form "$(sb_cc 5)" "$DXH")"
sb_err_names "scoped to 萧山区" "西湖区"
# a command that names none of its records
as_fails xs 1 forbidden subsidy compute --year 2026
sb_err_names "scoped to 萧山区" "names no application or sub-base"
# a scoped reader stays a reader
as_fails xsr 1 forbidden revoke "$b_xs" --cause violation -r "a reader"

# ------------------------------------------------------------ its own
as xs show "$b_xs" >/dev/null
as xsr show "$b_xs" >/dev/null
app_xs2=$(as xs apply "$(sb_form "$(sb_cc 6)" "$DXS")")
assert_state "$app_xs2" applied
as xs review "$app_xs2" -r "the district's review" >/dev/null
assert_state "$app_xs2" under_review
as xs assess "$b_xs" -f "$(sb_scores '{basic_construction: 25, system_construction: 20, training_management: 20, public_service: 20}')" \
    -r "the district's assessment" >/dev/null
assert_state "$b_xs" assessed

# an existing sub-base (七(一)) of its own district may be imported, no other
impf() { # N LEVEL DISTRICT
    local f=$SB_WORK/imp.$1.json
    jq -n --arg cc "$(sb_cc "$1")" --arg level "$2" --arg d "$3" '{
        unit: {name: "杭州老牌机电有限公司", credit_code: $cc, type: "enterprise",
               district: $d, legal_person: true},
        name: "杭州市公共实训基地老牌机电\($cc[10:16])分基地", certified_on: "2020-03-15",
        certificate_no: "X-\($cc)", decision: "杭人社发〔2013〕480号", base_level: $level}' >"$f"
    printf '%s\n' "$f"
}
as_fails xs 1 forbidden import-base -f "$(impf 7 city 萧山区)" -r "not its own"
sb_err_names "scoped to 萧山区" "city-level"
as_fails xs 1 forbidden import-base -f "$(impf 7 district 西湖区)" -r "not its own"
sb_err_names "scoped to 萧山区" "西湖区"
b_imp=$(as xs --json import-base -f "$(impf 8 district 萧山区)" -r "its own" | jq -r .id)
assert_json "$(as xs --json show "$b_imp")" .imported.decision "杭人社发〔2013〕480号" "imported by the district"

# a document on its own sub-base (begin names the record; chunks and commit
# the upload it began), none on another's
printf '%%PDF-1.4 plaque photo\n' >"$SB_WORK/plaque.pdf"
as xs documents add "$b_xs" "$SB_WORK/plaque.pdf" --kind other >/dev/null
assert_json "$(as xs --json documents list "$b_xs")" 'length' 1 "a document filed by the district"
as_fails xs 1 forbidden documents add "$b_city" "$SB_WORK/plaque.pdf" --kind other
sb_err_names "scoped to 萧山区"

# ------------------------------------------------------------ what it sees
ids=$(as xs --json list | jq -r '[.[].id] | sort | join(",")')
assert_eq "$(printf '%s\n' "$app_xs" "$app_xs2" "$b_xs" "$b_imp" | sort | paste -sd,)" "$ids" "its list: its own only"
assert_json "$(as xs --json list --limit 1)" 'length' 1 "a scoped page of one"
# paging a page at a time reaches all of its own, and nothing else
after="" seen=""
for ((i = 0; i < 10; i++)); do
    page=$(as xs --json list --limit 1 ${after:+--after "$after"})
    [ "$(jget "$page" length)" = 0 ] && break
    after=$(jget "$page" '.[-1].id')
    seen="$seen,$after"
done
assert_eq ",$app_xs,$app_xs2,$b_xs,$b_imp" "$seen" "paging the scoped list"
ents=$(as xs --json events | jq -r '[.[].entity_id] | unique | join(",")')
assert_eq "$(printf '%s\n' "$app_xs" "$app_xs2" "$b_xs" "$b_imp" | sort | paste -sd,)" "$ents" "its events: its own only"
hist=$(as xs --json history "$b_xs")
assert_json "$hist" '[.[].entity_id] | unique | join(",")' "$b_xs" "history of its own"
as xs --json status >/dev/null
# the roster, built from list and show, holds its own sub-base only
roster=$(as xs --json roster)
assert_json "$roster" '[.[].id] | sort | join(",")' "$b_xs,$b_imp" "its roster"
assert_json "$roster" '.[0].level' district "the roster carries the level"
assert_json "$(as xs --json stats)" '.sub_bases.by_level | keys | join(",")' district "its statistics"

# ------------------------------------------------------------ the city sees all
assert_json "$(ctl --json list)" length 8 "the city's list: everything"
st=$(ctl --json stats)
assert_json "$st" '.sub_bases.by_level.district.live' 3 "statistics by level: district"
assert_json "$st" '.sub_bases.by_level.city.live' 1 "statistics by level: city"
assert_contains "$(ctl stats)" "by level:" "text statistics by level"
assert_json "$(ctl --json roster)" '[.[] | .level] | sort | join(",")' "city,district,district,district" "the roster's levels"
assert_json "$(as xh --json list --kind base)" '[.[].id] | join(",")' "$b_xh" "西湖区's list"
ctl show "$b_xh" >/dev/null

# ------------------------------------------------------------ the stream
# (checked at the handshake: a scoped key is refused on the event endpoint)
r=$("$PY" - "$EV_EP" "$SB_WORK/xs.key" "$SB_STATE/server.pub" <<'PY'
import sys, zmq
import zmq.utils.monitor as mon
import sb_rogue as r
ep, keyf, pubf = sys.argv[1:4]
pub, sec = r.read_key(keyf)
server, _ = r.read_key(pubf)
s = zmq.Context().socket(zmq.DEALER)  # a follower of the stream (docs/protocol.md)
s.curve_publickey, s.curve_secretkey, s.curve_serverkey = pub, sec, server
s.linger = 0
m = s.get_monitor_socket()
s.connect(ep)
verdict = "no answer"
for _ in range(50):
    if not m.poll(5000):
        break
    e = mon.recv_monitor_message(m)
    if e["event"] == zmq.EVENT_HANDSHAKE_FAILED_AUTH:
        verdict = "refused"
        break
    if e["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED:
        verdict = "admitted"
        break
print(verdict)
PY
)
assert_eq refused "$r" "a scoped key on the event stream"

# ------------------------------------------------------------ four eyes in a district
# an import proposed by one of 萧山区's operators: its proposal listed for
# 萧山区 only, confirmed by another of 萧山区's, not by 西湖区's
sb_stop_daemon TERM
printf '[security]\nkeys = %s\n[four_eyes]\ncertify = on\n' "$keys" >"$SB_WORK/fe.ini"
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/fe.ini"
export SKILLBASE_ENDPOINT=$CMD_EP
prop=$(as xs --json import-base -f "$(impf 9 district 萧山区)" -r "four eyes" | jq -r .id)
assert_match "$prop" '^prop-' "an import under four eyes is a proposal"
assert_json "$(as xs --json proposals)" '[.[].id] | join(",")' "$prop" "its district's proposals"
assert_json "$(as xh --json proposals)" 'length' 0 "not another district's"
as_fails xh 1 forbidden confirm "$prop"
sb_err_names "key xh is scoped to 西湖区" "the unit is in 萧山区"
as xs2 confirm "$prop" >/dev/null
b9=$(as xs --json list --kind base | jq -r '[.[] | select(.credit_code == "'"$(sb_cc 9)"'")][0].id')
assert_json "$(as xs2 --json show "$b9")" .imported.imported_by xs2 "confirmed by the district's second operator"

# ------------------------------------------------------------ a district that is not Hangzhou's
ctl keygen "$SB_WORK/mars.key" >/dev/null
sb_key_add mars --role operator --public-key "$SB_WORK/mars.key" --district 火星区
kill -HUP "$SB_PID"
sb_wait_until 5 "the keys file's reload to name 火星区" grep -q "火星区" "$SB_DAEMON_ERR"
assert_contains "$(cat "$SB_DAEMON_ERR")" "火星区\" is not a district" "the reload names the district"
SKILLBASE_KEY_FILE=$SB_WORK/mars.key sb_run "$SKILLBASECTL" --timeout 2000 whoami
assert_ne 0 "$SB_RC" "a key scoped to an unknown district is not let in"
sb_note "district-level sub-bases and district-scoped keys"
