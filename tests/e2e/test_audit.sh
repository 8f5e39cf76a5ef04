#!/usr/bin/env bash
# The tamper-evident audit trail (docs/audit.md): `audit verify` checks the
# event hash chain and `audit head` prints the latest sequence and hash.
# One event of a COPY of the store is edited with the LMDB tools (mdb_dump,
# change bytes, mdb_load): verify on the copy names that event's sequence,
# checking from the event after it passes, and the original still verifies.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null ||
    sb_fail "mdb_dump and mdb_load (lmdb-utils) are required"

sb_start_daemon
a=$(sb_apply 1)
sb_drive "$a" in_publicity
b=$(sb_apply 2)
ctl withdraw "$b" -r "TAMPER-ME: the unit withdrew" >/dev/null
c=$(sb_apply 3)
ctl review "$c" -r "on-site review" >/dev/null
last=$(jget "$(ctl --json status)" .last_seq)
[ "$last" -ge 6 ] || sb_fail "expected at least 6 events, got $last"

out=$(ctl audit verify)
assert_contains "$out" "events 1..$last match" "audit verify on a sound store"
head_line=$(ctl audit head)
assert_match "$head_line" "^$last [0-9a-f]{64}$" "audit head"
assert_json "$(ctl --json audit head)" .seq "$last" "audit head --json"
# the chain in the events as read: each prev_hash is the hash before it
ev=$(ctl --json events)
assert_json "$ev" 'length' "$last"
# the withdrawal is the event to tamper with
target=$(jget "$ev" '[.[] | select(.reason == "TAMPER-ME: the unit withdrew")][0].seq')
[ -n "$target" ] && [ "$target" != null ] || sb_fail "no withdrawal event"
sb_stop_daemon TERM

# ------------------------------------------------------------ a copy, edited
copy=$SB_TMP/copy
mkdir -p "$copy"
cp "$SB_STATE/data.mdb" "$copy/"
mdb_dump -s events "$copy" >"$SB_WORK/events.dump" || sb_fail "mdb_dump failed"
key=$(printf '%016x' "$target")
from=$(printf 'TAMPER-ME' | od -An -tx1 | tr -d ' \n')
to=$(printf 'TAMPER-ED' | od -An -tx1 | tr -d ' \n')
# the value line follows the key line " <key>"
awk -v key=" $key" -v from="$from" -v to="$to" '
    next_is_value { n = sub(from, to); if (n != 1) exit 3; next_is_value = 0; print; next }
    $0 == key { next_is_value = 1 }
    { print }' "$SB_WORK/events.dump" >"$SB_WORK/events.edited" ||
    sb_fail "could not find the reason bytes in event $target of the dump"
cmp -s "$SB_WORK/events.dump" "$SB_WORK/events.edited" && sb_fail "the dump did not change"
mdb_load -s events -f "$SB_WORK/events.edited" "$copy" || sb_fail "mdb_load failed"

sb_launch --state-dir "$copy" --log-level warn
sb_wait_ready "ipc://$copy/command.sock"
export SKILLBASE_ENDPOINT=ipc://$copy/command.sock
assert_json "$(ctl --json show "$b")" 'has("id")' true "the copy still opens and serves"
sb_ctl_fails 1 audit_mismatch audit verify
sb_err_names "event $target:"
assert_contains "$SB_ERR" "does not match its hash" "the problem"
assert_json "$(ctl --json audit verify --from $((target + 1)) 2>/dev/null || true)" .ok true \
    "from the event after it the chain holds"
# the head is unchanged: only a head recorded elsewhere would show a
# rewritten tail; this edit broke an event's own hash
assert_eq "$head_line" "$(ctl audit head)" "the copy's head"
# the edited event, read back, says what the attacker wrote
assert_json "$(ctl --json events --from "$target" --limit 1)" '.[0].reason' \
    "TAMPER-ED: the unit withdrew"
sb_stop_daemon TERM

# ------------------------------------------------------------ the original
export SKILLBASE_ENDPOINT=ipc://$SB_STATE/command.sock
sb_start_daemon
assert_contains "$(ctl audit verify)" "events 1..$last match" "the original is untouched"
