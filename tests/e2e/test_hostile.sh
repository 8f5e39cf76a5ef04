#!/usr/bin/env bash
# Hostile input to every endpoint (docs/security.md, "Hostile input"):
# garbage, truncated frames, 100,000-frame messages, oversized frames,
# deeply nested bytes, wrong protocol versions, unknown command numbers,
# bad UTF-8, out-of-range enums, subscription floods and raw non-ZMTP bytes
# — from peers holding valid keys (the worst case: a stolen key) and from
# anyone who can reach the port. Each hostile message gets its error reply
# or is dropped; afterwards the daemon still answers correct requests and
# its memory stayed bounded (VmRSS before and after).
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
: "${SB_PROBE:=$SB_REPO_DIR/build/tests/sb_probe}"
[ -x "$SB_PROBE" ] || sb_fail "SB_PROBE=$SB_PROBE is not an executable"
# A small ASan quarantine: freed memory is then given back, so the RSS
# figures measure what the daemon keeps, not what ASan holds on to.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
RSS_GROWTH_MAX_KB=$((96 * 1024))

keys=$SB_WORK/keys.ini
for k in op wrk rdr; do ctl keygen "$SB_WORK/$k.key" >/dev/null; done
ctl --keys "$keys" keys add op --role operator --public-key "$SB_WORK/op.key" >/dev/null
ctl --keys "$keys" keys add wrk --role worker --public-key "$SB_WORK/wrk.key" --types '*' >/dev/null
ctl --keys "$keys" keys add rdr --role reader --public-key "$SB_WORK/rdr.key" >/dev/null
printf '[security]\nkeys = %s\n' "$keys" >"$SB_WORK/hostile.ini"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$SB_PID/status"; }
probe() { # KEY ENDPOINT MODE: run sb_probe, fail the test if a case failed
    local key=$1
    shift
    local args=()
    [ "$key" = - ] || args=(--server-key "$SB_STATE/server.pub" --key-file "$SB_WORK/$key.key")
    sb_run "$SB_PROBE" "${args[@]}" "$@"
    printf '%s\n' "$SB_OUT" | sed "s/^/[$2] /" >&2
    [ "$SB_RC" -eq 0 ] || sb_fail "sb_probe $*: exit $SB_RC: $SB_OUT $SB_ERR"
    sb_alive "$SB_PID" || sb_fail "the daemon died during sb_probe $*"
}

sb_start_daemon_tcp "$SB_WORK/op.key" --config "$SB_WORK/hostile.ini" --log-level warn
export SKILLBASE_ENDPOINT=$CMD_EP SKILLBASE_SERVER_KEY=$SB_STATE/server.pub
export SKILLBASE_KEY_FILE=$SB_WORK/op.key
unset SKILLBASE_ACTOR
# some state first, so that reads after the attack have something to read
app=$(sb_apply 1)
sb_drive "$app" under_review
before=$(rss_kb)

probe op "$CMD_EP" hostile-command
probe wrk "$WRK_EP" hostile-worker
probe rdr "$EV_EP" hostile-events
for ep in "$CMD_EP" "$WRK_EP" "$EV_EP"; do
    probe - "$ep" garbage
done

after=$(rss_kb)
sb_note "VmRSS before ${before} kB, after ${after} kB"
((after - before < RSS_GROWTH_MAX_KB)) ||
    sb_fail "VmRSS grew by $((after - before)) kB (limit $RSS_GROWTH_MAX_KB kB)"
# correct requests still work, and nothing was written by the attack
assert_state "$app" under_review
ctl evaluate "$app" --pass -r "after the attack" >/dev/null
assert_state "$app" in_publicity
assert_contains "$(ctl audit verify)" "match" "the audit chain after the attack"
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status after the attack"

# ------------------------------------------------------------ ipc: the default endpoints
unset SKILLBASE_SERVER_KEY SKILLBASE_KEY_FILE
export SKILLBASE_ENDPOINT=ipc://$SB_STATE/command.sock
sb_start_daemon
[ "$(stat -c %a "$SB_STATE")" = 750 ] || sb_fail "the state directory is not mode 0750"
for s in command worker events; do
    [ "$(stat -c %a "$SB_STATE/$s.sock")" = 660 ] || sb_fail "$s.sock is not mode 0660"
done
before=$(rss_kb)
probe - "ipc://$SB_STATE/command.sock" hostile-command
probe - "ipc://$SB_STATE/worker.sock" hostile-worker
probe - "ipc://$SB_STATE/events.sock" hostile-events
probe - "ipc://$SB_STATE/command.sock" garbage
after=$(rss_kb)
sb_note "ipc: VmRSS before ${before} kB, after ${after} kB"
((after - before < RSS_GROWTH_MAX_KB)) ||
    sb_fail "ipc: VmRSS grew by $((after - before)) kB (limit $RSS_GROWTH_MAX_KB kB)"
assert_state "$app" in_publicity
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "daemon exit status after the ipc attack"
