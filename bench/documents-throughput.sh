#!/usr/bin/env bash
# The upload and download throughput of one document (docs/scaling.md):
# starts skillbased on an empty state directory (or uses --endpoint EP),
# files one application, then ROUNDS times adds a fresh random file of
# SIZE_MB with `skillbasectl documents add` and reads it back with
# `documents get`, timing each command (client hashing, chunks, commit or
# read, all included). Prints each round and the medians, and with its own
# daemon the mean time the daemon took per document_commit (the request
# that waits for its commit batch) and per document_chunk, from its metrics.
#
#   bench/documents-throughput.sh [--mb SIZE_MB] [--rounds N] [--bin DIR] [--endpoint EP]
#
# --bin: the build directory holding daemon/skillbased and
# clients/skillbasectl (default: build). Needs jq and python3.
set -euo pipefail
mb=50 rounds=5 bin=build endpoint=
while [ $# -gt 0 ]; do
    case $1 in
    --mb) mb=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --endpoint) endpoint=$2; shift 2 ;;
    *) echo "usage: $0 [--mb SIZE_MB] [--rounds N] [--bin DIR] [--endpoint EP]" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
ctl_bin=$bin/clients/skillbasectl
work=$(mktemp -d)
pid=
cleanup() {
    [ -z "$pid" ] || { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
if [ -z "$endpoint" ]; then
    # documents up to the size asked; the daemon's other settings are the defaults
    printf '[documents]\nmax_mb = %d\n' "$((mb + 1))" >"$work/docs.ini"
    "$bin/daemon/skillbased" --state-dir "$work/state" --config "$work/docs.ini" \
        --log-level info --metrics-listen 127.0.0.1:0 >"$work/daemon.out" 2>&1 &
    pid=$!
    endpoint=ipc://$work/state/command.sock
    for _ in $(seq 100); do
        "$ctl_bin" --endpoint "$endpoint" status >/dev/null 2>&1 && break
        sleep 0.1
    done
fi
ctl() { "$ctl_bin" --endpoint "$endpoint" --as bench "$@"; }
id=$(ctl --json apply "$here/examples/application.json" | jq -r .id)
now() { date +%s.%N; }
adds=() gets=()
for ((i = 1; i <= rounds; i++)); do
    head -c "$((mb * 1024 * 1024))" /dev/urandom >"$work/file.bin"
    t0=$(now)
    ctl documents add "$id" "$work/file.bin" --kind other -r "throughput round $i" >/dev/null
    t1=$(now)
    ctl documents get "$id" "$i" "$work/back.bin" >/dev/null 2>&1
    t2=$(now)
    cmp -s "$work/file.bin" "$work/back.bin" || { echo "round $i: the bytes read back differ" >&2; exit 1; }
    add=$(echo "$t1 - $t0" | bc) get=$(echo "$t2 - $t1" | bc)
    adds+=("$add") gets+=("$get")
    printf 'round %d: add %.2f s (%.1f MB/s), get %.2f s (%.1f MB/s)\n' "$i" "$add" \
        "$(echo "$mb / $add" | bc -l)" "$get" "$(echo "$mb / $get" | bc -l)"
    rm -f "$work/back.bin"
done
python3 - "$mb" "${adds[*]}" "${gets[*]}" <<'PY'
import statistics, sys
mb = float(sys.argv[1])
for name, xs in (("add", sys.argv[2]), ("get", sys.argv[3])):
    v = [float(x) for x in xs.split()]
    m = statistics.median(v)
    print(f"{name}: median {m:.2f} s = {mb / m:.1f} MB/s over {len(v)} rounds "
          f"(fastest {min(v):.2f} s, slowest {max(v):.2f} s)")
PY
port=$(sed -n 's|.*metrics: serving http://127.0.0.1:\([0-9]*\)/metrics.*|\1|p' "$work/daemon.out" 2>/dev/null)
if [ -n "$port" ]; then
    curl -fsS "http://127.0.0.1:$port/metrics" >"$work/metrics"
    python3 - "$work/metrics" <<'PY'
import re, sys
m = {}
for line in open(sys.argv[1]):
    x = re.match(r'skillbase_request_duration_seconds_(sum|count)\{command="(document_\w+)"\} (\S+)', line)
    if x:
        m.setdefault(x.group(2), {})[x.group(1)] = float(x.group(3))
for cmd in ("document_chunk", "document_commit"):
    v = m.get(cmd)
    if v and v.get("count"):
        print(f"daemon: {cmd} {v['sum'] / v['count'] * 1000:.2f} ms on average "
              f"over {int(v['count'])} requests")
PY
fi
