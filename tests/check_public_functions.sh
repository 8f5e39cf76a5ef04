#!/usr/bin/env bash
# Every public (non-static) function of the daemon, the workers, the clients
# and common/ is called from another object file of the build (a unit test
# counts as a caller). A function only its own file calls is static; a
# function nothing calls is removed.
#
#     check_public_functions.sh SOURCE_DIR BUILD_DIR
#
# Reads the object files the build left under BUILD_DIR with nm: the
# functions each defines (T) against the symbols every object needs (U).
# An object whose source file is no longer in SOURCE_DIR (left from an
# earlier build), generated code (*.pb-c.c), the programs' main and the
# fuzzers' entry point are left out. Fails listing each such function with
# the object that defines it.
set -euo pipefail
export LC_ALL=C

src=${1:?usage: check_public_functions.sh SOURCE_DIR BUILD_DIR}
build=${2:?usage: check_public_functions.sh SOURCE_DIR BUILD_DIR}
src=$(cd "$src" && pwd)
build=$(cd "$build" && pwd)
NM=${NM:-nm}

# Known and left for now, each in a module under rework: remove a name here
# once its function is static.
known=""

# build/D/CMakeFiles/T.dir/P.o was compiled from src/D/P.
objects=()
while IFS= read -r o; do
    rel=${o#"$build"/}
    dir=${rel%%CMakeFiles/*}
    path=${rel#*CMakeFiles/*.dir/}
    [ -f "$src/$dir${path%.o}" ] && objects+=("$o")
done < <(find "$build" -path '*/CMakeFiles/*.dir/*' -name '*.c.o' | sort)
[ "${#objects[@]}" -gt 0 ] || {
    echo "no object files of $src under $build: build it first" >&2
    exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One nm over every object: "FILE: [ADDR] TYPE NAME".
"$NM" -A -g "${objects[@]}" | sed "s|^$build/||" >"$tmp/nm"
awk '$(NF - 1) == "U" { print $NF }' "$tmp/nm" | sort -u >"$tmp/used"
awk '
    $(NF - 1) != "T" { next }
    {
        file = $1; sub(/:[0-9a-f]*$/, "", file); name = $NF
        if (name == "main" || name == "LLVMFuzzerTestOneInput" || index(" " known " ", " " name " ")) next
        if (file ~ /\.pb-c\.c\.o$/ || file !~ /^(daemon|workers|clients|common)\//) next
        print name, file
    }' known="$known" "$tmp/nm" | sort -u -k1,1 >"$tmp/defined"

uncalled=$(join -v1 "$tmp/defined" "$tmp/used")
if [ -n "$uncalled" ]; then
    echo "public functions no other object calls (make them static or remove them):" >&2
    printf '%s\n' "$uncalled" | sed 's/^/  /' >&2
    exit 1
fi
echo "$(wc -l <"$tmp/defined") public functions, each called from another object"
