#!/usr/bin/env bash
# Threat: speaking for someone else (docs/security.md, "Threats and what
# stops them"). Over tcp:// with CURVE keys, four eyes on:
# - an operator ingests as service:market-registry a deregistration, which
#   would revoke a sub-base at once with the operator's name nowhere:
#   refused; entered under the operator's own name it becomes a revocation
#   proposal naming the operator, which a second operator confirms;
# - a service files a delivery under another source's name (claiming that
#   source's external id first) and ingests under another source's name:
#   refused; under its own name it works and the other source's id stays
#   free;
# - a service's own fact still acts at once, recorded with its name.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup

keys=$SB_WORK/keys.ini
sb_keygen alice bob market-registry training-system
sb_key_add alice --role operator --public-key "$SB_WORK/alice.key"
sb_key_add bob --role operator --public-key "$SB_WORK/bob.key"
sb_key_add market-registry --role service --public-key "$SB_WORK/market-registry.key" \
    --types "unit.deregistered"
sb_key_add training-system --role service --public-key "$SB_WORK/training-system.key" \
    --types "service.delivered"
cat >"$SB_WORK/trust.ini" <<EOF
[security]
keys = $keys
[four_eyes]
certify = off
revoke = on
EOF
sb_start_daemon_tcp "$SB_WORK/alice.key" --config "$SB_WORK/trust.ini" --log-level info
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/alice.key
unset SKILLBASE_ACTOR

base=$(sb_new_base 1)
base2=$(sb_new_base 2)

# ------------------------------------------------------------ an operator as a service
as_fails alice 1 forbidden ingest --source market-registry --id MR-1 --type unit.deregistered \
    --entity "$base" -r "deregistered"
sb_err_names "source must be \"alice\""
assert_state "$base" certified
# by hand, under the operator's own name: a proposal, not a revocation
out=$(as alice --json ingest --source alice --id MR-1 --type unit.deregistered --entity "$base" \
    -r "registry is down; deregistration seen on the registry's site")
prop=$(jget "$out" .id)
assert_json "$out" .proposed_by alice "the proposal of a fact entered by hand"
assert_state "$base" certified
ev=$(as alice --json history "$base" | jq -c '.[-1]')
assert_json "$ev" .topic base.revocation_proposed
assert_json "$ev" .actor alice
assert_json "$ev" .ingest.source alice
as_fails alice 1 forbidden confirm "$prop"
as bob confirm "$prop" >/dev/null
assert_state "$base" revoked
ev=$(as alice --json history "$base" | jq -c '[.[] | select(.topic == "base.revoked")][0]')
assert_json "$ev" .actor bob
assert_json "$ev" .proposed_by alice
# nobody recorded as the registry
assert_eq 0 "$(as alice --json history "$base" | jq '[.[] | select(.actor == "service:market-registry")] | length')" \
    "events in the registry's name"

# ------------------------------------------------------------ a service as another
jq -n --arg d "$(sb_today)" --arg cc "$(sb_cc 3)" --arg src training-system \
    '{date: $d, client_name: "杭州某职业技术学院", client_credit_code: $cc, kind: "training",
      occupation: "电工", level: "高级工", trainees: 10, hours_tenths: 80,
      source: $src, external_id: "TS-1"}' >"$SB_WORK/svc.json"
as_fails market-registry 1 forbidden record-service --base "$base2" -f "$SB_WORK/svc.json"
sb_err_names "source must be \"market-registry\""
as_fails market-registry 1 forbidden ingest --source training-system --id TS-2 \
    --type unit.deregistered --entity "$base2"
sb_err_names "source must be"
# the real owner of the ids files its delivery: not claimed by anyone before
out=$(as training-system --json record-service --base "$base2" -f "$SB_WORK/svc.json")
assert_json "$out" .source training-system
assert_json "$out" .recorded_by training-system
assert_json "$(as alice --json subsidy services --base "$base2" --year "$(sb_today | cut -c1-4)")" \
    'length' 1 "service records of $base2"

# ------------------------------------------------------------ a service's own fact
as market-registry ingest --source market-registry --id MR-2 --type unit.deregistered \
    --entity "$base2" -r "deregistered" >/dev/null
assert_state "$base2" revoked
assert_json "$(as alice --json history "$base2" | jq -c '.[-1]')" .actor "service:market-registry"
sb_note "services speak only for themselves, operators under their own names"
