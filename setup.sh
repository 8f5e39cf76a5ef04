#!/usr/bin/env bash
# skillbase: install what is missing, build, and run or test.
#
#   ./setup.sh run    build (release) and start skillbased in the foreground
#                     on the embedded defaults (store and sockets under var/)
#   ./setup.sh test   build with ASan+UBSan and run the whole test suite
#   ./setup.sh build  only install and build (release, into build/)
#
# Debian 12. Installs packages with apt-get when some are missing (as root,
# or through sudo). Extra arguments after `run` go to skillbased.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"

build_packages=(cmake make gcc pkg-config libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
                liblmdb-dev libuv1-dev libinih-dev libjansson-dev)
test_packages=(libcmocka-dev jq lmdb-utils procps)

say() { printf '==> %s\n' "$*" >&2; }

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
    say "starting skillbased (Ctrl-C stops it); from another terminal:"
    say "  $here/build/clients/skillbasectl apply examples/application.json"
    exec "$here/build/daemon/skillbased" "$@"
    ;;
test)
    install_missing "${build_packages[@]}" "${test_packages[@]}"
    build build-test -DCMAKE_BUILD_TYPE=Debug -DSB_SANITIZE=ON
    say "running the test suite"
    cd build-test
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --output-on-failure -j "$jobs"
    ;;
*)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
