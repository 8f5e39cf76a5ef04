#!/usr/bin/env bash
# skillbase: install what is missing, build, and run or test.
#
#   ./setup.sh run    build (release) and start skillbased and the workers
#                     (notify, deadlines, subsidy) in the foreground on the
#                     embedded defaults (store and sockets under var/);
#                     Ctrl-C stops them all
#   ./setup.sh demo   the same on a DEMONSTRATION clock: every program reads
#                     the time from var/demo-clock ("real" at first; write
#                     e.g. "real+14d" into it to see a publicity window end
#                     two weeks on). For trying the system, never production
#   ./setup.sh test   build the Debian package, check that Release (gcc) and
#                     Debug (clang) builds compile without warnings, then
#                     build with ASan+UBSan and run the whole test suite (the
#                     package's tests too)
#   ./setup.sh build  only install and build (release, into build/)
#   ./setup.sh package  build the Debian package for a server (release build
#                     in build-pkg/, installed layout under /usr; see
#                     docs/operations.md) and print its path
#
# Debian 12. Installs packages with apt-get when some are missing (as root,
# or through sudo). Extra arguments after `run` go to skillbased (the workers
# follow its --config, --state-dir and endpoint flags).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

build_packages=(cmake make gcc pkg-config libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
                liblmdb-dev libuv1-dev libinih-dev libjansson-dev libcurl4-openssl-dev
                libsodium-dev libmicrohttpd-dev libicu-dev libcsv-dev)
test_packages=(libcmocka-dev jq lmdb-utils procps python3 python3-aiosmtpd systemd curl
               dpkg-dev file python3-zmq python3-protobuf protobuf-compiler
               clang libclang-rt-14-dev gnuplot-nox clang-format)
# what `package` needs beyond building: dpkg-shlibdeps (dpkg-dev)
package_packages=(dpkg-dev file)

say() { printf '==> %s\n' "$*" >&2; }

# The C sources follow .clang-format (README, "Building by hand": `clang-format -i`
# on what you change); `test` fails on a file that does not.
format_check() {
    say "checking the C sources against .clang-format"
    find daemon clients workers common tests bench -name '*.[ch]' -print0 |
        xargs -0 clang-format --dry-run --Werror
}

# The libFuzzer harnesses (tests/fuzz, docs/security.md): a clang build of
# their own in build-fuzz, each run for SB_FUZZ_SECONDS (default 30) on a
# scratch copy of the committed corpus; a crash fails and leaves its input
# in build-fuzz/ (add it to the corpus with the fix).
fuzz() {
    local secs=${SB_FUZZ_SECONDS:-30} h work
    say "building the fuzzers in build-fuzz (clang)"
    CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSB_FUZZ=ON -DSB_TESTS=OFF \
        >/dev/null
    cmake --build build-fuzz -j "$jobs" --target fuzz_dispatch fuzz_zap >/dev/null
    for h in dispatch zap; do
        work=$(mktemp -d)
        cp tests/fuzz/corpus/"$h"/* "$work"/
        say "fuzzing $h for ${secs}s"
        if ! UBSAN_OPTIONS=print_stacktrace=1 build-fuzz/tests/fuzz/fuzz_"$h" \
            -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix=build-fuzz/crash-"$h"- "$work" >"$work.log" 2>&1; then
            tail -n 60 "$work.log" >&2
            say "fuzz_$h found a problem; its input is in build-fuzz/crash-$h-*"
            exit 1
        fi
        grep -E '^Done [0-9]+ runs' "$work.log" >&2 || true
        rm -rf "$work" "$work.log"
    done
}

install_missing() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

jobs=$(nproc 2>/dev/null || echo 2)

build() { # build DIR [cmake args...]
    local dir=$1
    shift
    say "building in $dir"
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j "$jobs" >/dev/null
}

# The daemon and every worker that was built (build/workers/skillbase-*), in
# the foreground; Ctrl-C or SIGTERM stops them all. The arguments go to
# skillbased; the workers get --config and the endpoints of --state-dir.
run_all() {
    local pids=() wargs=() args=("$@") i w daemon st=0
    for ((i = 0; i < ${#args[@]}; i++)); do
        case "${args[i]}" in
        -c | --config) wargs+=(--config "${args[i + 1]:-}") ;;
        --config=*) wargs+=(--config "${args[i]#--config=}") ;;
        -s | --state-dir)
            wargs+=(--endpoint "ipc://${args[i + 1]:-}/worker.sock"
                    --command-endpoint "ipc://${args[i + 1]:-}/command.sock") ;;
        --worker-endpoint) wargs+=(--endpoint "${args[i + 1]:-}") ;;
        --command-endpoint) wargs+=(--command-endpoint "${args[i + 1]:-}") ;;
        esac
    done
    stop_all() {
        trap - INT TERM
        say "stopping skillbased and the workers"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    }
    trap 'stop_all; exit 0' INT TERM
    "$here/build/daemon/skillbased" "$@" &
    daemon=$!
    pids+=("$daemon")
    for w in notify deadlines subsidy; do
        if [ -x "$here/build/workers/skillbase-$w" ]; then
            "$here/build/workers/skillbase-$w" "${wargs[@]}" &
            pids+=("$!")
            say "started skillbase-$w"
        fi
    done
    say "skillbased and ${#pids[@]} process(es) in all running (Ctrl-C stops them); from another terminal:"
    say "  $here/build/clients/skillbasectl apply examples/application.json"
    # the daemon ending (e.g. a bad flag) ends the run; a worker ending does not
    wait "$daemon" || st=$?
    stop_all
    exit "$st"
}

# The release build for a server (prefix /usr, store in /var/lib/skillbase,
# sockets in /run/skillbase) and its Debian package; sets $deb.
package() {
    build build-pkg -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_TESTS=OFF \
        -DCMAKE_INSTALL_PREFIX=/usr -DSB_FHS_LAYOUT=ON
    say "packaging (cpack -G DEB)"
    rm -f build-pkg/skillbase_*.deb
    (cd build-pkg && cpack -G DEB >/dev/null)
    deb=$(ls "$here"/build-pkg/skillbase_*.deb)
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
build)
    install_missing "${build_packages[@]}"
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_TESTS=OFF
    ;;
run)
    install_missing "${build_packages[@]}"
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_TESTS=OFF
    run_all "$@"
    ;;
demo)
    install_missing "${build_packages[@]}"
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSB_TESTS=OFF
    # the demonstration clock (common/sb_clock.h): the real time until the
    # file says otherwise; time must only move forward
    mkdir -p "$here/var"
    export SKILLBASE_TEST_CLOCK=$here/var/demo-clock
    [ -s "$SKILLBASE_TEST_CLOCK" ] || printf 'real\n' >"$SKILLBASE_TEST_CLOCK"
    say "DEMONSTRATION CLOCK: $SKILLBASE_TEST_CLOCK says '$(cat "$SKILLBASE_TEST_CLOCK")';"
    say "  move it on with e.g.  echo real+14d > var/demo-clock  (never in production)"
    run_all "$@"
    ;;
package)
    install_missing "${build_packages[@]}" "${package_packages[@]}"
    package
    printf '%s\n' "$deb"
    ;;
test)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    format_check
    # the package first: its tests (install into a scratch root, units,
    # the packaged programs together) run with the rest
    package
    # warnings are errors here: a Release build with gcc and a Debug build
    # with clang must both compile cleanly (a packager's and a developer's)
    build build-release -DCMAKE_BUILD_TYPE=Release -DSB_WERROR=ON
    CC=clang build build-clang -DCMAKE_BUILD_TYPE=Debug -DSB_WERROR=ON
    build build-test -DCMAKE_BUILD_TYPE=Debug -DSB_SANITIZE=ON -DSB_WERROR=ON \
        -DSB_TEST_DEB="$deb"
    say "running the test suite"
    cd build-test
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -j "$jobs"
    cd "$here"
    fuzz
    ;;
*)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 2
    ;;
esac
