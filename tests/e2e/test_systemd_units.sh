#!/usr/bin/env bash
# The systemd units as installed: `cmake --install` of this build into a
# scratch root (DESTDIR), then, offline, `systemd-analyze verify` of every
# unit with its ExecStart= programs resolved inside that root, and
# `systemd-analyze security`: the daemon's exposure at most 2.0, each
# worker's too. Also: the units point at the installed programs and
# configuration, the daemon is Type=notify with a watchdog, the workers are
# bound to the daemon and everything is part of skillbase.target, and
# every man page the units name is installed.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
sb_setup
command -v systemd-analyze >/dev/null || sb_fail "systemd-analyze is required (Debian package systemd)"
[ -f "${SB_BUILD_DIR:-}/CMakeCache.txt" ] || sb_fail "SB_BUILD_DIR=${SB_BUILD_DIR:-} is not a CMake build directory"

root=$SB_TMP/root
DESTDIR=$root cmake --install "$SB_BUILD_DIR" >"$SB_WORK/install.log" 2>&1 ||
    sb_fail "cmake --install failed: $(tail -n 5 "$SB_WORK/install.log")"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$SB_BUILD_DIR/CMakeCache.txt")
unitdir=$(sed -n 's/^SB_SYSTEMD_UNIT_DIR:STRING=//p' "$SB_BUILD_DIR/CMakeCache.txt")
[[ $unitdir = /* ]] || unitdir=$prefix/$unitdir
units=$root$unitdir
for u in skillbased.service skillbase-worker@.service skillbase.target; do
    [ -f "$units/$u" ] || sb_fail "unit $u not installed in $unitdir"
done
# ExecReload= uses the base system's kill (the package depends on procps):
# give the scratch root one, as any Debian system has.
kill_bin=$(type -P kill || true)
[ -x "$kill_bin" ] || sb_fail "no kill program on this system (Debian package procps)"
mkdir -p "$root/usr/bin"
cp "$kill_bin" "$root/usr/bin/kill"
[ -e "$root/bin" ] || ln -s usr/bin "$root/bin"

# ------------------------------------------------------------ what the units say
daemon_unit=$(cat "$units/skillbased.service")
worker_unit=$(cat "$units/skillbase-worker@.service")
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' <<<"$daemon_unit")
[ -x "$root$exec_start" ] || sb_fail "the daemon unit's ExecStart $exec_start is not installed"
config=$(sed -n 's/^ExecStart=.*--config \([^ ]*\).*/\1/p' <<<"$daemon_unit")
[ -f "$root$config" ] || sb_fail "the configuration $config the units read is not installed"
worker_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' <<<"$worker_unit")
for w in notify deadlines subsidy; do
    bin=${worker_start//%i/$w}
    [ -x "$root$bin" ] || sb_fail "worker program $bin (for skillbase-worker@$w) is not installed"
done
for line in Type=notify WatchdogSec=30s Restart=on-failure PartOf=skillbase.target \
    StateDirectory=skillbase RuntimeDirectory=skillbase ConfigurationDirectory=skillbase \
    'ExecReload=/bin/kill -HUP $MAINPID' User=skillbase; do
    grep -qxF "$line" <<<"$daemon_unit" || sb_fail "the daemon unit lacks '$line'"
done
for line in Requires=skillbased.service 'PartOf=skillbased.service skillbase.target' \
    Restart=on-failure User=skillbase; do
    grep -qxF "$line" <<<"$worker_unit" || sb_fail "the worker unit lacks '$line'"
done
grep -q '^After=skillbased.service' <<<"$worker_unit" || sb_fail "workers are not ordered after the daemon"
target_wants=$(sed -n 's/^Wants=//p' "$units/skillbase.target")
for u in skillbased.service skillbase-worker@notify.service skillbase-worker@deadlines.service \
    skillbase-worker@subsidy.service; do
    assert_contains " $target_wants " " $u " "skillbase.target's Wants="
done
# the installed configuration puts the ipc endpoints where RuntimeDirectory= is
assert_contains "$(cat "$root$config")" "command_endpoint = ipc:///run/skillbase/command.sock" "installed configuration"
# every man page the units name is installed
mandir=$root$prefix/share/man
for page in $(sed -n 's/^Documentation=//p' "$units"/*.service "$units"/*.target | tr ' ' '\n' | sort -u); do
    [[ $page = man:* ]] || continue
    name=${page#man:}
    section=${name##*(}
    section=${section%)}
    name=${name%(*}
    if [[ $name = *%i* ]]; then
        for w in notify deadlines subsidy; do
            [ -f "$mandir/man$section/${name//%i/$w}.$section" ] || sb_fail "man page ${name//%i/$w}($section) not installed"
        done
    else
        [ -f "$mandir/man$section/$name.$section" ] || sb_fail "man page $name($section) not installed"
    fi
done

# ------------------------------------------------------------ systemd-analyze verify
instances=(skillbased.service skillbase-worker@notify.service skillbase-worker@deadlines.service
           skillbase-worker@subsidy.service skillbase.target)
sb_run systemd-analyze verify --root="$root" --recursive-errors=no --man=no "${instances[@]}"
assert_eq 0 "$SB_RC" "systemd-analyze verify exit status (stdout: $SB_OUT; stderr: $SB_ERR)"
[ -z "$SB_ERR$SB_OUT" ] || sb_fail "systemd-analyze verify complained: $SB_OUT $SB_ERR"
# and it does fail on a broken unit (the check can fail)
mkdir -p "$root/etc/systemd/system"
sed 's|^ExecStart=.*|ExecStart=/usr/sbin/no-such-skillbased|' "$units/skillbased.service" \
    >"$root/etc/systemd/system/skillbased.service"
sb_run systemd-analyze verify --root="$root" --recursive-errors=no --man=no skillbased.service
assert_ne 0 "$SB_RC" "verify of a unit whose program is missing"
rm "$root/etc/systemd/system/skillbased.service"

# ------------------------------------------------------------ systemd-analyze security
for u in skillbased.service skillbase-worker@notify.service skillbase-worker@deadlines.service \
    skillbase-worker@subsidy.service; do
    sb_run systemd-analyze security --root="$root" --offline=yes --threshold=20 "$u"
    score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$SB_OUT$SB_ERR")
    [ -n "$score" ] || sb_fail "no exposure level for $u: $SB_OUT $SB_ERR"
    assert_eq 0 "$SB_RC" "security threshold 2.0 for $u (exposure $score)"
    awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || sb_fail "$u exposure $score is over 2.0"
    sb_note "$u: exposure $score"
done
