# shellcheck shell=bash disable=SC2034
# Shared helpers for the skillbase end-to-end tests.
#
# A test script starts with
#     source "${SB_E2E_LIB:-$(dirname "$0")/lib.sh}"
#     sb_setup
# and then drives the real daemon and the real CLI. ctest sets SKILLBASED,
# SKILLBASECTL (the built programs), SB_E2E_LIB (this file) and SB_EXAMPLES
# (the examples directory); see tests/CMakeLists.txt. By hand:
#     SKILLBASED=build/daemon/skillbased SKILLBASECTL=build/clients/skillbasectl \
#         SB_EXAMPLES=examples bash tests/e2e/test_lifecycle.sh
#
# Conventions: every helper that expects success fails the test (sb_fail)
# with the command, its exit status and its stderr when it does not succeed;
# sb_run captures a command's stdout, stderr and exit status in SB_OUT,
# SB_ERR and SB_RC for tests that expect a failure.

set -euo pipefail
shopt -s inherit_errexit

SB_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SB_REPO_DIR=$(cd "$SB_LIB_DIR/../.." && pwd)
: "${SKILLBASED:=$SB_REPO_DIR/build/daemon/skillbased}"
: "${SKILLBASECTL:=$SB_REPO_DIR/build/clients/skillbasectl}"
: "${SB_EXAMPLES:=$SB_REPO_DIR/examples}"
export SKILLBASED SKILLBASECTL SB_EXAMPLES

SB_TEST=$(basename "${BASH_SOURCE[1]:-$0}" .sh)
SB_TMP=""          # per-test temporary root (removed on exit)
SB_STATE=""        # the daemon's state directory, $SB_TMP/state
SB_WORK=""         # forms, scores and captured output, $SB_TMP/work
SB_PID=""          # pid of the running daemon, empty when none
SB_STARTS=0        # daemons started so far (numbers their log files)
SB_BG_PIDS=()      # background helpers a test started (killed on exit)
SB_READY_SECS=${SB_READY_SECS:-20}
SB_RC=0 SB_OUT="" SB_ERR=""
# shellcheck disable=SC2034 # read by the tests
SB_EXIT_STATUS=0   # exit status of the daemon last stopped (sb_stop_daemon)

# ------------------------------------------------------------ failing

# Fail the test with a message (expected vs got, please).
# (Written to the test's own stderr, saved here, so that a failure inside a
# command whose stderr is captured, say a predicate of sb_wait_until, is
# still seen.)
exec {SB_STDERR_FD}>&2
sb_fail() {
    printf 'FAIL [%s]: %s\n' "$SB_TEST" "$*" >&"$SB_STDERR_FD"
    exit 1
}

sb_note() {
    printf '[%s] %s\n' "$SB_TEST" "$*" >&2
}

# ------------------------------------------------------------ set-up / tear-down

sb_setup() {
    command -v jq >/dev/null || sb_fail "jq is required"
    [ -x "$SKILLBASED" ] || sb_fail "SKILLBASED=$SKILLBASED is not an executable"
    [ -x "$SKILLBASECTL" ] || sb_fail "SKILLBASECTL=$SKILLBASECTL is not an executable"
    [ -f "$SB_EXAMPLES/application.json" ] || sb_fail "no $SB_EXAMPLES/application.json"
    # Short path: the ipc:// endpoint is a Unix socket (path limit ~107 bytes).
    SB_TMP=$(mktemp -d /tmp/sbe2e.XXXXXX)
    SB_STATE=$SB_TMP/state
    SB_WORK=$SB_TMP/work
    mkdir -p "$SB_STATE" "$SB_WORK"
    export SKILLBASE_ENDPOINT="ipc://$SB_STATE/command.sock"
    export SKILLBASE_ACTOR=e2e
    # Every program the test starts reads its clock from this file
    # (common/sb_clock.h): "real" follows the real time; sb_backdated moves
    # it back while publicity starts, so the window has run its course by now.
    export SKILLBASE_TEST_CLOCK=$SB_WORK/clock
    printf 'real\n' >"$SKILLBASE_TEST_CLOCK"
    # Keep ASan/UBSan reports on stderr (captured in the daemon log).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
    trap sb_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# True while pid is a live (not zombie) process.
sb_alive() {
    local st
    [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
    st=$(sed -E 's/^.*\) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 1
    [ -n "$st" ] && [ "$st" != Z ]
}

sb_cleanup() {
    local rc=$? p i
    trap - EXIT INT TERM
    for p in "${SB_BG_PIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null || true
    done
    if [ -n "$SB_PID" ]; then
        kill -TERM "$SB_PID" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            sb_alive "$SB_PID" || break
            sleep 0.1
        done
        kill -KILL "$SB_PID" 2>/dev/null || true
        wait "$SB_PID" 2>/dev/null || true
        SB_PID=""
    fi
    wait 2>/dev/null || true
    if [ "$rc" -ne 0 ] && [ -n "$SB_TMP" ]; then
        for f in "$SB_TMP"/daemon.*; do
            [ -s "$f" ] || continue
            printf -- '--- %s (last 30 lines)\n' "$(basename "$f")" >&2
            tail -n 30 "$f" >&2
        done
    fi
    if [ -n "$SB_TMP" ] && [ -z "${SB_KEEP_TMP:-}" ]; then
        rm -rf "$SB_TMP"
    fi
    if [ "$rc" -eq 0 ]; then
        printf 'PASS [%s]\n' "$SB_TEST"
    fi
    exit "$rc"
}

# ------------------------------------------------------------ the daemon

# Start skillbased with exactly these arguments (in the background, SIGINT
# not ignored as bash would for an async command); sets SB_PID. Its stdout
# and stderr go to $SB_TMP/daemon.N.out / .err.
sb_launch() {
    SB_STARTS=$((SB_STARTS + 1))
    SB_DAEMON_OUT=$SB_TMP/daemon.$SB_STARTS.out
    SB_DAEMON_ERR=$SB_TMP/daemon.$SB_STARTS.err
    env --default-signal=INT,QUIT "$SKILLBASED" "$@" \
        >"$SB_DAEMON_OUT" 2>"$SB_DAEMON_ERR" </dev/null &
    SB_PID=$!
}

# Poll `skillbasectl status` on endpoint $1 (default $SKILLBASE_ENDPOINT)
# until it answers; fail when the daemon dies or SB_READY_SECS pass.
sb_wait_ready() {
    local ep=${1:-$SKILLBASE_ENDPOINT} deadline=$((SECONDS + SB_READY_SECS))
    while :; do
        if "$SKILLBASECTL" --endpoint "$ep" --timeout 300 status >/dev/null 2>&1; then
            return 0
        fi
        if ! sb_alive "$SB_PID"; then
            local st=0
            wait "$SB_PID" 2>/dev/null || st=$?
            SB_PID=""
            sb_fail "daemon exited (status $st) before answering on $ep; stderr: $(tail -n 5 "$SB_DAEMON_ERR" 2>/dev/null)"
        fi
        if ((SECONDS >= deadline)); then
            sb_fail "daemon did not answer 'status' on $ep within ${SB_READY_SECS}s"
        fi
        sleep 0.1
    done
}

# Start a program the test needs beside the daemon (a worker, a follower)
# in the background, SIGINT and SIGQUIT not ignored as bash would for an
# async command; its stdout and stderr go to $SB_TMP/daemon.NAME.out / .err
# (shown when the test fails) and it is killed when the test ends. Sets
# SB_SPAWNED_PID and SB_SPAWNED_ERR (its stderr's file).
sb_spawn() { # NAME PROGRAM [ARGS...]
    local name=$1
    shift
    SB_SPAWNED_ERR=$SB_TMP/daemon.$name.err
    env --default-signal=INT,QUIT "$@" >"$SB_TMP/daemon.$name.out" 2>"$SB_SPAWNED_ERR" </dev/null &
    SB_SPAWNED_PID=$!
    SB_BG_PIDS+=("$SB_SPAWNED_PID")
}

# Start the daemon on $SB_STATE (plus any extra arguments) and wait for it.
sb_start_daemon() {
    [ -z "$SB_PID" ] || sb_fail "internal: a daemon is already running (pid $SB_PID)"
    sb_launch --state-dir "$SB_STATE" --log-level warn "$@"
    sb_wait_ready "$SKILLBASE_ENDPOINT"
}

# Start the daemon on $SB_STATE with its command, worker and event endpoints
# on three consecutive random ports of tcp://127.0.0.1 (so CURVE: the
# configuration among the arguments must name a keys file) and wait until
# `status` answers with the daemon's public key and KEY_FILE. A start that
# does not answer, say on a port in use, is retried on other ports. Sets
# CMD_EP, WRK_EP and EV_EP.
sb_start_daemon_tcp() { # KEY_FILE [skillbased arguments...]
    local key=$1 try base deadline
    shift
    [ -z "$SB_PID" ] || sb_fail "internal: a daemon is already running (pid $SB_PID)"
    for ((try = 0; try < 8; try++)); do
        base=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        CMD_EP=tcp://127.0.0.1:$base WRK_EP=tcp://127.0.0.1:$((base + 1))
        EV_EP=tcp://127.0.0.1:$((base + 2))
        sb_launch --state-dir "$SB_STATE" "$@" \
            --command-endpoint "$CMD_EP" --worker-endpoint "$WRK_EP" --event-endpoint "$EV_EP"
        deadline=$((SECONDS + SB_READY_SECS))
        while sb_alive "$SB_PID" && ((SECONDS < deadline)); do
            [ -s "$SB_STATE/server.pub" ] &&
                SKILLBASE_SERVER_KEY=$SB_STATE/server.pub SKILLBASE_KEY_FILE=$key \
                    "$SKILLBASECTL" -e "$CMD_EP" --timeout 300 status >/dev/null 2>&1 && return 0
            sleep 0.1
        done
        kill -KILL "$SB_PID" 2>/dev/null || true
        wait "$SB_PID" 2>/dev/null || true
        SB_PID=""
    done
    sb_fail "the daemon did not answer on tcp endpoints (8 tries): $(tail -n 3 "$SB_DAEMON_ERR")"
}

# Send signal $1 (default TERM) and wait up to 60 s for the daemon to exit;
# its exit status lands in SB_EXIT_STATUS (128+N when killed by signal N).
sb_stop_daemon() {
    local sig=${1:-TERM} i
    [ -n "$SB_PID" ] || sb_fail "internal: no daemon to stop"
    kill "-$sig" "$SB_PID"
    for ((i = 0; i < 600; i++)); do
        sb_alive "$SB_PID" || break
        sleep 0.1
    done
    if sb_alive "$SB_PID"; then
        kill -KILL "$SB_PID" 2>/dev/null || true
        wait "$SB_PID" 2>/dev/null || true
        SB_PID=""
        sb_fail "daemon did not exit within 60 s of SIG$sig"
    fi
    SB_EXIT_STATUS=0
    wait "$SB_PID" 2>/dev/null || SB_EXIT_STATUS=$?
    SB_PID=""
}

# ------------------------------------------------------------ waiting

# Poll COMMAND (every SB_WAIT_INTERVAL s, default 0.1) until it succeeds;
# fail the test naming DESCRIPTION when TIMEOUT_SECS pass first. COMMAND's
# stdout is discarded; its last stderr is shown on timeout, after the
# output of the command text SB_WAIT_DIAG (eval'd), if any: more
# diagnostics, say SB_WAIT_DIAG='tail -n 3 "$log"' sb_wait_until ...
# sb_wait_until TIMEOUT_SECS DESCRIPTION COMMAND [ARGS...]
sb_wait_until() {
    local secs=$1 what=$2 deadline err=$SB_WORK/wait.err
    shift 2
    deadline=$((SECONDS + secs))
    until "$@" >/dev/null 2>"$err"; do
        if ((SECONDS >= deadline)); then
            [ -z "${SB_WAIT_DIAG:-}" ] || eval "$SB_WAIT_DIAG" >&2 || true
            [ ! -s "$err" ] || what="$what; its last stderr: $(tail -n 5 "$err")"
            sb_fail "timed out after ${secs}s waiting for: $what"
        fi
        sleep "${SB_WAIT_INTERVAL:-0.1}"
    done
}

# True when pid $1 is no longer a live process (see sb_alive).
sb_gone() {
    ! sb_alive "$1"
}

# True when FILE holds at least N lines matching the ERE.
sb_has_lines() { # FILE ERE [N]
    (($(grep -Ec -- "$2" "$1" 2>/dev/null || true) >= ${3:-1}))
}

# Wait up to SECS for a background program the test started to exit by
# itself and reap it; its exit status lands in SB_EXITED_STATUS. Fails the
# test naming WHAT when it still runs.
sb_wait_exit() { # PID WHAT SECS
    sb_wait_until "$3" "$2 to exit" sb_gone "$1"
    SB_EXITED_STATUS=0
    wait "$1" 2>/dev/null || SB_EXITED_STATUS=$?
}

# Signal a background program the test started (default TERM), wait up to
# SECS (default 20) for it to exit and reap it (status in SB_EXITED_STATUS).
sb_stop_worker() { # PID WHAT [SIGNAL] [SECS]
    kill "-${3:-TERM}" "$1" 2>/dev/null || true
    sb_wait_exit "$1" "$2 (sent SIG${3:-TERM})" "${4:-20}"
}

# The daemon's last event sequence (`status`).
sb_last_seq() {
    jget "$(ctl --json status)" .last_seq
}

# The highest .seq in a file of JSON events (one per line or an array per
# line), 0 when none.
sb_max_seq() { # FILE
    jq -s '[.[] | if type == "array" then .[] else . end | .seq // 0 | tonumber] | max // 0' \
        "$1" 2>/dev/null || echo 0
}

# Wait until a follower's JSON output FILE holds sequence SEQ (default
# within 60 s); ERR_FILE, the follower's stderr, is shown when it does not.
sb_wait_seq() { # FILE SEQ [SECS] [ERR_FILE]
    SB_SEQ_FILE=$1 SB_SEQ_ERR=${4:-}
    SB_WAIT_DIAG=sb_seq_diag sb_wait_until "${3:-60}" "$1 to reach seq $2" sb_seq_reached "$1" "$2"
}
sb_seq_reached() { # FILE SEQ
    (($(sb_max_seq "$1") >= $2))
}
sb_seq_diag() {
    printf '%s holds seq %s\n' "$SB_SEQ_FILE" "$(sb_max_seq "$SB_SEQ_FILE")"
    [ -z "$SB_SEQ_ERR" ] || tail -c 600 "$SB_SEQ_ERR" 2>/dev/null || true
}

# SIGHUP the daemon and wait (up to 20 s) for its verdict in the log: a
# line "configuration reloaded" (INFO: start the daemon with --log-level
# info or lower) or "reload refused". Sets SB_RELOAD_VERDICT to that line.
# Fails when the daemon dies or no verdict comes.
SB_RELOAD_RE='configuration reloaded|reload refused'
sb_reload() {
    local before
    before=$(grep -Ec "$SB_RELOAD_RE" "$SB_DAEMON_ERR" || true)
    kill -HUP "$SB_PID"
    sb_wait_until 20 "a reload verdict in the log after SIGHUP" sb_reload_answered "$((before + 1))"
    SB_RELOAD_VERDICT=$(grep -E "$SB_RELOAD_RE" "$SB_DAEMON_ERR" | tail -n 1)
}
sb_reload_answered() { # N: the log holds N verdicts (fails the test when the daemon died)
    sb_alive "$SB_PID" || sb_fail "the daemon died on SIGHUP: $(tail -n 5 "$SB_DAEMON_ERR")"
    sb_has_lines "$SB_DAEMON_ERR" "$SB_RELOAD_RE" "$1"
}

# ------------------------------------------------------------ running commands

# Run a command, capturing SB_OUT, SB_ERR and SB_RC; never fails itself.
sb_run() {
    local rc=0
    "$@" >"$SB_WORK/run.out" 2>"$SB_WORK/run.err" || rc=$?
    SB_RC=$rc
    SB_OUT=$(cat "$SB_WORK/run.out")
    SB_ERR=$(cat "$SB_WORK/run.err")
}

# The tests' panel of experts (二(三)2, 五(一)): an evaluate or assess that
# names none is sent with these three and a site visit today (the test
# clock's), so SB_ARGS holds the arguments to run. SB_NO_EXPERTS=1 (or an
# explicit --experts) sends the command as written.
SB_EXPERTS="张三,李四,王五"
sb_expert_args() {
    SB_ARGS=("$@")
    local a verb=""
    for a in "$@"; do
        case "$a" in
            --experts | --experts=*) return 0 ;;
            evaluate | assess) [ -n "$verb" ] || verb=$a ;;
        esac
    done
    if [ -n "$verb" ] && [ -z "${SB_NO_EXPERTS:-}" ]; then
        SB_ARGS+=(--experts "$SB_EXPERTS" --visited-on "$(sb_today)")
    fi
}

# skillbasectl expected to succeed; prints its stdout.
ctl() {
    sb_expert_args "$@"
    sb_run "$SKILLBASECTL" "${SB_ARGS[@]}"
    if [ "$SB_RC" -ne 0 ]; then
        sb_fail "expected 'skillbasectl $*' to succeed; got exit $SB_RC, stderr: $SB_ERR"
    fi
    [ -z "$SB_OUT" ] || printf '%s\n' "$SB_OUT"
}

# skillbasectl expected to fail: sb_ctl_fails STATUS CODE ARGS...
# Asserts the exit status and (CODE non-empty) that stderr is one line
# "skillbasectl: CODE: ...". Leaves SB_OUT / SB_ERR for further checks.
sb_ctl_fails() {
    local want=$1 code=$2
    shift 2
    sb_expert_args "$@"
    sb_run "$SKILLBASECTL" --timeout 3000 "${SB_ARGS[@]}"
    if [ "$SB_RC" -ne "$want" ]; then
        sb_fail "expected 'skillbasectl $*' to exit $want${code:+ ($code)}; got exit $SB_RC, stdout: $SB_OUT, stderr: $SB_ERR"
    fi
    if [ -n "$code" ]; then
        case "$SB_ERR" in
            "skillbasectl: $code: "*) ;;
            *) sb_fail "expected stderr of 'skillbasectl $*' to start with 'skillbasectl: $code: '; got: $SB_ERR" ;;
        esac
        if [ "$(printf '%s\n' "$SB_ERR" | wc -l)" -ne 1 ]; then
            sb_fail "expected one line on stderr of 'skillbasectl $*'; got: $SB_ERR"
        fi
    fi
}

# The refusal named its subject: sb_err_names TEXT... (each a fixed string
# expected in SB_ERR of the last sb_run / sb_ctl_fails).
sb_err_names() {
    local t
    for t in "$@"; do
        case "$SB_ERR" in
            *"$t"*) ;;
            *) sb_fail "expected stderr to name '$t'; got: $SB_ERR" ;;
        esac
    done
}

# ------------------------------------------------------------ keys (CURVE)

# A key pair for each NAME, in $SB_WORK/NAME.key.
sb_keygen() { # NAME...
    local k
    for k in "$@"; do
        ctl keygen "$SB_WORK/$k.key" >/dev/null
    done
}

# Add a key to the test's keys file, $SB_WORK/keys.ini (the daemon reads it
# when its configuration says `[security] keys = ...`).
sb_key_add() { # NAME --role ROLE --public-key FILE [keys add options...]
    ctl --keys "$SB_WORK/keys.ini" keys add "$@" >/dev/null
}

# skillbasectl as the holder of $SB_WORK/WHO.key, expected to succeed (as
# ctl) or to fail (as sb_ctl_fails).
as() { # WHO ARGS...
    local who=$1
    shift
    SKILLBASE_KEY_FILE=$SB_WORK/$who.key ctl "$@"
}
as_fails() { # WHO STATUS CODE ARGS...
    local who=$1
    shift
    SKILLBASE_KEY_FILE=$SB_WORK/$who.key sb_ctl_fails "$@"
}

# ------------------------------------------------------------ assertions

assert_eq() { # EXPECTED GOT WHAT
    if [ "$1" != "$2" ]; then
        sb_fail "${3:-value}: expected '$1', got '$2'"
    fi
}

assert_ne() { # UNEXPECTED GOT WHAT
    if [ "$1" = "$2" ]; then
        sb_fail "${3:-value}: expected anything but '$1'"
    fi
}

assert_contains() { # HAYSTACK NEEDLE WHAT
    case "$1" in
        *"$2"*) ;;
        *) sb_fail "${3:-output}: expected to contain '$2', got: $1" ;;
    esac
}

# The first line of TEXT. Never `printf ... | head -n 1` under pipefail:
# bash's printf writes a line at a time, and once head has what it wants
# and exits, the next write kills the writer (SIGPIPE, status 141), which
# fails the pipeline and, in an assignment, ends the test with no message.
sb_first_line() { # TEXT
    printf '%s\n' "${1%%$'\n'*}"
}

assert_not_contains() { # HAYSTACK NEEDLE WHAT
    case "$1" in
        *"$2"*) sb_fail "${3:-output}: expected not to contain '$2', got: $1" ;;
        *) ;;
    esac
}

assert_match() { # TEXT ERE WHAT
    if ! grep -Eq -- "$2" <<<"$1"; then
        sb_fail "${3:-output}: expected to match /$2/, got: $1"
    fi
}

# A log lacks lines matching ERE ABSENT. An empty or wrong log would lack
# them too, so first the log must hold a line matching ERE PRESENT, one it
# holds whenever the program ran and wrote it (its start, say).
assert_log_lacks() { # LOG PRESENT ABSENT WHAT
    grep -Eq -- "$2" "$1" ||
        sb_fail "${4:-log}: expected $1 to hold a line matching /$2/ (it shows the log is the program's); got: $(tail -n 5 "$1" 2>/dev/null)"
    if grep -Eq -- "$3" "$1"; then
        sb_fail "${4:-log}: expected no line matching /$3/ in $1; got: $(grep -E -m 3 -- "$3" "$1")"
    fi
}

# jq -r FILTER on a JSON text; fails the test when it is not JSON.
jget() { # JSON FILTER
    local out
    if ! out=$(printf '%s' "$1" | jq -r "$2" 2>&1); then
        sb_fail "jq '$2' failed ($out) on: $1"
    fi
    printf '%s\n' "$out"
}

# Assert that jq -r FILTER of JSON gives EXPECTED (numbers and strings alike:
# a uint64 written as "2" or 2 both read 2; an absent field reads null).
assert_json() { # JSON FILTER EXPECTED [WHAT]
    local got
    got=$(jget "$1" "$2")
    if [ "$got" != "$3" ]; then
        sb_fail "${4:-JSON} $2: expected '$3', got '$got' in: $(printf '%s' "$1" | head -c 1500 | iconv -f UTF-8 -t UTF-8 -c)"
    fi
}

# ------------------------------------------------------------ records

# Show record ID as JSON.
sb_show() {
    ctl --json show "$1"
}

# Field of a record: sb_field ID FILTER
sb_field() {
    jget "$(sb_show "$1")" "$2"
}

sb_state() {
    sb_field "$1" .state
}

sb_version() {
    sb_field "$1" .version
}

assert_state() { # ID STATE
    assert_eq "$2" "$(sb_state "$1")" "state of $1"
}

# Count of records listed with these filters: sb_count [--state S] [--kind K]
sb_count() {
    jget "$(ctl --json list "$@")" 'length'
}

# All events, following pages whether or not the CLI does: a JSON array.
sb_all_events() {
    local from=1 page n all='[]' last
    while :; do
        page=$(ctl --json events --from "$from" --limit 1000)
        n=$(jget "$page" 'length')
        [ "$n" -gt 0 ] || break
        all=$(jq -c -n --argjson a "$all" --argjson b "$page" '$a + $b')
        last=$(jget "$page" '.[-1].seq')
        from=$((last + 1))
    done
    printf '%s\n' "$all"
}

# ------------------------------------------------------------ dates

# Today in Hangzhou (UTC+8, no DST) on the test clock.
sb_today() {
    local c
    c=$(cat "$SKILLBASE_TEST_CLOCK" 2>/dev/null || true)
    case "$c" in
        real+*d) c=${c#real+}; date -u -d "+8 hours ${c%d} days" +%F ;;
        [0-9][0-9][0-9][0-9]-*T*) printf '%s\n' "${c%%T*}" ;;
        [0-9]*) date -u -d "@$(((c + 8 * 3600000) / 1000))" +%F ;;
        *) date -u -d '+8 hours' +%F ;;
    esac
}

# Two years after a YYYY-MM-DD date (29 Feb -> 28 Feb).
sb_plus_two_years() {
    local y=${1%%-*} md=${1#*-}
    [ "$md" != 02-29 ] || md=02-28
    printf '%04d-%s\n' $((10#$y + 2)) "$md"
}

# Assert a date field is the test clock's today (tolerating a Hangzhou
# midnight during the test).
assert_today() { # GOT WHAT
    local today
    today=$(sb_today)
    if [ "$1" != "$today" ] && [ "$1" != "$(date -u -d "$today 1 day ago" +%F)" ]; then
        sb_fail "${2:-date}: expected today ($today), got '$1'"
    fi
}
SB_DAY0=$(date -u -d '+8 hours' +%F)

# ------------------------------------------------------------ credit codes

SB_CC_ALPHABET=0123456789ABCDEFGHJKLMNPQRTUWXY
SB_CC_WEIGHTS=(1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28)

# Value of one credit-code character (its index in the alphabet), or fail.
sb_cc_value() {
    local rest=${SB_CC_ALPHABET%%"$1"*}
    [ "${#rest}" -lt 31 ] || sb_fail "internal: '$1' is not in the credit-code alphabet"
    printf '%s\n' "${#rest}"
}

# The check character of a 17-character credit-code body (GB 32100-2015).
sb_cc_check() {
    local body=$1 sum=0 i v check
    [ "${#body}" -eq 17 ] || sb_fail "internal: credit-code body '$body' is not 17 characters"
    for ((i = 0; i < 17; i++)); do
        v=$(sb_cc_value "${body:i:1}")
        sum=$((sum + v * SB_CC_WEIGHTS[i]))
    done
    check=$((31 - sum % 31))
    if [ "$check" -eq 31 ]; then check=0; fi
    printf '%s\n' "${SB_CC_ALPHABET:check:1}"
}

# A full valid 18-character code from a 17-character body.
sb_credit_code() {
    printf '%s%s\n' "$1" "$(sb_cc_check "$1")"
}

# The GB 11714-1997 check digit of an organisation code's first eight
# characters.
sb_org_check() {
    local body=$1 sum=0 i c v w=(3 7 9 10 5 8 4 2) d
    for ((i = 0; i < 8; i++)); do
        c=${body:i:1}
        case "$c" in
            [0-9]) v=$c ;;
            *) v=$(($(printf '%d' "'$c") - 55)) ;;
        esac
        sum=$((sum + v * w[i]))
    done
    d=$((11 - sum % 11))
    case "$d" in
        10) printf 'X\n' ;;
        11) printf '0\n' ;;
        *) printf '%s\n' "$d" ;;
    esac
}

# The N-th distinct credit code of a test (N < 10^6), valid in every part:
# an enterprise (91) registered in Hangzhou (330100), organisation code
# MA + N in six digits + its GB 11714 check digit, the GB 32100 check.
sb_cc() {
    local org
    ((${1} < 1000000)) || sb_fail "internal: sb_cc takes 0 to 999999, not $1"
    org=$(printf 'MA%06d' "$1")
    sb_credit_code "91330100$org$(sb_org_check "$org")"
}

# ------------------------------------------------------------ inputs

# Write an application form: the example with credit code CC and an
# optional jq filter applied; prints the file's path.
sb_form() { # CC [JQ-FILTER]
    local cc=$1 filter=${2:-.} f
    # (a unique name: this usually runs in a $(...) subshell, so no counter)
    f=$(mktemp --suffix=.json "$SB_WORK/form.XXXXXX")
    jq --arg cc "$cc" ".unit.credit_code = \$cc | $filter" "$SB_EXAMPLES/application.json" >"$f" ||
        sb_fail "internal: cannot build a form with filter '$filter'"
    printf '%s\n' "$f"
}

# Write a scores file from a jq object expression; prints its path.
sb_scores() { # JQ-EXPR, e.g. '{basic_construction: 20}'
    local f
    f=$(mktemp --suffix=.json "$SB_WORK/scores.XXXXXX")
    jq -n "$1" >"$f" || sb_fail "internal: bad scores expression '$1'"
    printf '%s\n' "$f"
}

# Apply with a fresh valid credit code N (and optional filter); prints the id.
# The base_name is the example's, followed by N unless N is 1.
sb_apply() { # N [JQ-FILTER] [ctl options...]
    local n=$1 filter=${2:-.}
    shift $(($# >= 2 ? 2 : 1))
    # a name is granted to one live sub-base only (二(三)2): unit N > 1
    # proposes the example's name followed by N
    [ "$n" = 1 ] || filter=".base_name += \"$n\" | $filter"
    ctl "$@" apply "$(sb_form "$(sb_cc "$n")" "$filter")"
}

# Set SB_CC to a fresh valid credit code, counting up from 1001 (call it
# outside $(...), so that the count advances).
SB_NEXT_N=1000
sb_next_cc() {
    SB_NEXT_N=$((SB_NEXT_N + 1))
    SB_CC=$(sb_cc "$SB_NEXT_N")
}

# The daemon refuses a form as invalid, naming FIELD: the example with a
# fresh credit code (sb_next_cc) and JQ-FILTER applied.
sb_refused_form() { # FIELD JQ-FILTER
    local f
    sb_next_cc
    f=$(sb_form "$SB_CC" "$2")
    sb_ctl_fails 1 invalid apply "$f"
    sb_err_names "$1"
}

# Write the test clock (a Hangzhou time "YYYY-MM-DDTHH:MM", "real" or
# "real-Nd"), atomically.
sb_clock_set() { # TEXT
    printf '%s\n' "$1" >"$SKILLBASE_TEST_CLOCK.new"
    mv "$SKILLBASE_TEST_CLOCK.new" "$SKILLBASE_TEST_CLOCK"
}

# Move the test clock DAYS days forward: "real" or "real+Nd" by days, a
# date-time ("YYYY-MM-DDTHH:MM[:SS]") or a number of ms likewise. Time never
# runs backwards for the daemon, so its log stays in time order.
sb_clock_forward() { # DAYS
    local was next n
    was=$(cat "$SKILLBASE_TEST_CLOCK" 2>/dev/null || true)
    case "$was" in
        real) next=real+$1d ;;
        real+*d) n=${was#real+}; next=real+$((${n%d} + $1))d ;;
        [0-9][0-9][0-9][0-9]-*T*) next=$(date -u -d "${was/T/ } $1 days" +%FT%H:%M:%S) ;;
        [0-9]*) next=$((was + $1 * 86400000)) ;;
        *) sb_fail "internal: sb_clock_forward: test clock '$was' not understood" ;;
    esac
    sb_clock_set "$next"
}

# Let a publicity window that began on the clock's today run its course
# (二(三)2: the longest window the default configuration makes is a week and
# a half even over the Spring Festival).
sb_publicity_over() {
    sb_clock_forward 30
}

# Drive an application to a state: sb_drive ID STATE (from applied). To
# reach certified the clock moves past the publicity window first
# (sb_publicity_over).
sb_drive() {
    local id=$1 to=$2
    case "$to" in
        applied) return 0 ;;
    esac
    ctl review "$id" -r "on-site review" >/dev/null
    [ "$to" != under_review ] || return 0
    ctl evaluate "$id" --pass -r "meets 二(二)" >/dev/null
    [ "$to" != in_publicity ] || return 0
    sb_publicity_over
    ctl close-publicity "$id" -r "no objection" >/dev/null
    [ "$to" = certified ] || sb_fail "internal: sb_drive cannot reach $to"
}

# A certified sub-base from credit code N: prints the base id.
sb_new_base() { # N
    local id
    id=$(sb_apply "$1")
    sb_drive "$id" certified
    sb_field "$id" .base_id
}
