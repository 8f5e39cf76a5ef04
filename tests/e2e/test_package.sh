#!/usr/bin/env bash
# The Debian package (SB_TEST_DEB, built by `./setup.sh package` from the
# release build): its control data (library dependencies found by
# dpkg-shlibdeps, the configuration as a conffile, maintainer scripts that
# parse), then, unpacked into a scratch root with dpkg -x: every file where
# the units and the configuration expect it, units that systemd-analyze
# verifies in that root, no path of the build machine inside the programs.
# Last, the packaged programs themselves run together from the scratch root
# on a throw-away "server" (the installed configuration with its paths
# moved under a temporary directory): the daemon, the three workers and the
# CLI — an application is received and noticed, a backup is taken and the
# copy passes --restore-check.
# Skipped (exit 77) when no package was given.
source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
if [ -z "${SB_TEST_DEB:-}" ]; then
    echo "SKIP [test_package]: no package (./setup.sh test builds one; or set SB_TEST_DEB)"
    exit 77
fi
sb_setup
[ -f "$SB_TEST_DEB" ] || sb_fail "SB_TEST_DEB=$SB_TEST_DEB does not exist"
deb=$SB_TEST_DEB

# ------------------------------------------------------------ control data
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libzmq5 libprotobuf-c1 liblmdb0 libuv1 libinih1 libjansson4 libmicrohttpd12 libcurl4 \
    libsodium23 adduser procps; do
    assert_match "$depends" "(^|, )$lib( |,|$)" "Depends"
done
assert_eq skillbase "$(dpkg-deb -f "$deb" Package)" "package name"
ctrl=$SB_TMP/control
dpkg-deb -e "$deb" "$ctrl"
assert_eq /etc/skillbase/skillbase.ini "$(cat "$ctrl/conffiles")" "conffiles"
for s in postinst prerm postrm; do
    [ -x "$ctrl/$s" ] || sb_fail "maintainer script $s missing or not executable"
    sh -n "$ctrl/$s" || sb_fail "maintainer script $s does not parse"
done

# ------------------------------------------------------------ files in a scratch root
root=$SB_TMP/root
dpkg -x "$deb" "$root"
units=$root/usr/lib/systemd/system
[ -d "$units" ] || units=$root/lib/systemd/system
for f in usr/sbin/skillbased usr/bin/skillbasectl usr/bin/skillbase-notify \
    usr/bin/skillbase-deadlines usr/bin/skillbase-subsidy; do
    [ -x "$root/$f" ] || sb_fail "/$f is not in the package"
    what=$(file -b "$root/$f")
    [[ $what = ELF* && $what = *", stripped"* ]] || sb_fail "/$f is not a stripped ELF program: $what"
    if grep -qF "$SB_REPO_DIR" "$root/$f"; then
        sb_fail "/$f names the build machine's source directory $SB_REPO_DIR"
    fi
done
for f in etc/skillbase/skillbase.ini usr/lib/sysusers.d/skillbase.conf usr/lib/tmpfiles.d/skillbase.conf \
    usr/share/skillbase/calendar/cn-workdays.tsv usr/share/skillbase/subsidy/rules.example.json \
    usr/share/man/man8/skillbased.8 usr/share/man/man1/skillbasectl.1 \
    usr/share/man/man8/skillbase-worker.8 usr/share/man/man8/skillbase-notify.8 \
    usr/share/doc/skillbase/operations.md; do
    [ -f "$root/$f" ] || sb_fail "/$f is not in the package"
done
ls "$root"/usr/share/skillbase/notices/*.txt >/dev/null 2>&1 || sb_fail "no notice templates in the package"
# everything in data/ is shipped
(cd "$SB_REPO_DIR/data" && find . -type f) | while read -r f; do
    [ -f "$root/usr/share/skillbase/$f" ] || sb_fail "data/${f#./} is not shipped in /usr/share/skillbase"
done
# the units name what the package installs
for u in skillbased.service skillbase-worker@.service skillbase.target; do
    [ -f "$units/$u" ] || sb_fail "unit $u is not in the package"
done
for prog in $(sed -n 's/^Exec[A-Za-z]*=\([^ ]*\).*/\1/p' "$units"/*.service | sort -u); do
    [ "$prog" = /bin/kill ] && continue # procps, a dependency
    for w in notify deadlines subsidy; do
        p=${prog//%i/$w}
        [ -x "$root$p" ] || sb_fail "a unit runs $p, which the package does not install"
    done
done
grep -qx 'ExecStart=/usr/sbin/skillbased --config /etc/skillbase/skillbase.ini' "$units/skillbased.service" ||
    sb_fail "the daemon unit does not run /usr/sbin/skillbased with /etc/skillbase/skillbase.ini"
conf=$root/etc/skillbase/skillbase.ini
for key in 'state_dir = /var/lib/skillbase' 'command_endpoint = ipc:///run/skillbase/command.sock' \
    'endpoint = ipc:///run/skillbase/events.sock' 'endpoint = ipc:///run/skillbase/worker.sock' \
    'listen = 127.0.0.1:9464'; do
    grep -qxF "$key" "$conf" || sb_fail "the installed configuration lacks '$key'"
done
# every file the configuration names is in the package
for path in $(sed -n 's|^[a-z_]* = \(/usr/share/[^ ]*\)$|\1|p' "$conf"); do
    [ -e "$root$path" ] || sb_fail "the configuration names $path, which the package does not install"
done
# the programs' built-in defaults are the server's
assert_contains "$(SKILLBASE_ENDPOINT= "$root/usr/bin/skillbasectl" --help)" "ipc:///run/skillbase/command.sock" "skillbasectl default endpoint"
assert_contains "$("$root/usr/sbin/skillbased" --help)" "/var/lib/skillbase" "skillbased default state directory"
# and so is the rest of every --help: the data files and the configuration
# where the package puts them (tests/e2e/test_help_defaults.sh: a checkout's)
help=$("$root/usr/sbin/skillbased" --help)
assert_contains "$help" "/usr/share/skillbase/calendar/cn-workdays.tsv" "skillbased calendar"
assert_contains "$help" "/etc/skillbase/skillbase.ini" "skillbased configuration"
assert_contains "$("$root/usr/bin/skillbase-notify" --help)" "/usr/share/skillbase/notices" "notify templates"
assert_contains "$("$root/usr/bin/skillbase-deadlines" --help)" "/usr/share/skillbase/calendar/cn-workdays.tsv" "deadlines calendar"
assert_contains "$("$root/usr/bin/skillbase-subsidy" --help)" "/usr/share/skillbase/subsidy/rules.example.json" "subsidy rules"
for p in usr/sbin/skillbased usr/bin/skillbasectl usr/bin/skillbase-notify usr/bin/skillbase-deadlines \
    usr/bin/skillbase-subsidy; do
    for path in $("$root/$p" --help 2>&1 | grep -oE '/usr/share/skillbase/[^ ,)]+'); do
        [ -e "$root$path" ] || sb_fail "$p --help names $path, which the package does not install"
    done
done

# the units verify in the scratch root (kill comes from procps)
mkdir -p "$root/usr/bin"
cp "$(type -P kill)" "$root/usr/bin/kill"
[ -e "$root/bin" ] || ln -s usr/bin "$root/bin"
sb_run systemd-analyze verify --root="$root" --recursive-errors=no --man=no skillbased.service \
    skillbase-worker@notify.service skillbase-worker@deadlines.service skillbase-worker@subsidy.service \
    skillbase.target
assert_eq 0 "$SB_RC" "systemd-analyze verify of the packaged units ($SB_OUT $SB_ERR)"
sb_run systemd-analyze security --root="$root" --offline=yes --threshold=20 skillbased.service
assert_eq 0 "$SB_RC" "security exposure of the packaged daemon unit ($SB_OUT)"

# ------------------------------------------------------------ the packaged programs, together
srv=$SB_TMP/srv
mkdir -p "$srv/run" "$srv/state" "$srv/backups"
sed -e "s|/var/lib/skillbase|$srv/state|g" -e "s|/run/skillbase|$srv/run|g" \
    -e "s|/usr/share/skillbase|$root/usr/share/skillbase|g" \
    -e "s|^listen = 127.0.0.1:9464|listen = 127.0.0.1:0|" "$conf" >"$srv/skillbase.ini"
sb_run "$root/usr/sbin/skillbased" --config "$srv/skillbase.ini" --check-config
assert_eq 0 "$SB_RC" "--check-config of the installed configuration ($SB_ERR)"
assert_contains "$SB_OUT" "command_endpoint ipc://$srv/run/command.sock" "checked configuration"
export SKILLBASE_ENDPOINT=ipc://$srv/run/command.sock
SKILLBASED=$root/usr/sbin/skillbased sb_launch --config "$srv/skillbase.ini"
SKILLBASECTL=$root/usr/bin/skillbasectl sb_wait_ready
workers=()
for w in notify deadlines subsidy; do
    "$root/usr/bin/skillbase-$w" --config "$srv/skillbase.ini" >"$SB_TMP/worker.$w.log" 2>&1 &
    workers+=($!)
    SB_BG_PIDS+=($!)
done
SKILLBASECTL=$root/usr/bin/skillbasectl
id=$(sb_apply 1)
assert_match "$id" '^app-[0-9]{6}$' "application id from the packaged CLI"
# the packaged notify worker spools the notice of the application received
SB_WAIT_DIAG='tail -n 5 "$SB_TMP/worker.notify.log"' SB_WAIT_INTERVAL=0.2 \
    sb_wait_until 60 "the notice of $id in $srv/state/notices" grep -rqs "$id" "$srv/state/notices"
out=$(ctl backup "$srv/backups/first")
assert_contains "$out" "verified" "backup with the packaged programs"
sb_run "$root/usr/sbin/skillbased" --restore-check "$srv/backups/first"
assert_eq 0 "$SB_RC" "restore-check of the backup ($SB_ERR)"
for p in "${workers[@]}"; do
    kill -TERM "$p"
done
for p in "${workers[@]}"; do
    st=0
    wait "$p" || st=$?
    assert_eq 0 "$st" "a packaged worker's exit status after SIGTERM"
done
SB_BG_PIDS=()
sb_stop_daemon TERM
assert_eq 0 "$SB_EXIT_STATUS" "the packaged daemon's exit status"
