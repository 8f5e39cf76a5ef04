# shellcheck shell=bash
# Helpers of the subsidy tests (test_subsidy*.sh), on top of lib.sh: the
# real skillbase-subsidy on the daemon's worker endpoint. Sourced after
# lib.sh and sb_setup.

[ -n "${SKILLBASE_SUBSIDY:-}" ] && [ -x "$SKILLBASE_SUBSIDY" ] ||
    sb_fail "SKILLBASE_SUBSIDY=${SKILLBASE_SUBSIDY:-} is not the built skillbase-subsidy"
WORKER_EP="ipc://$SB_STATE/worker.sock"
WORKER_STARTS=0
WORKER_PID=""
WORKER_LOG="" # the stderr of the worker last started

# Start skillbase-subsidy (extra arguments: --rules FILE, say); sets
# WORKER_PID and WORKER_LOG.
start_worker() { # [--rules FILE]
    WORKER_STARTS=$((WORKER_STARTS + 1))
    sb_spawn "subsidy.$WORKER_STARTS" "$SKILLBASE_SUBSIDY" --endpoint "$WORKER_EP" \
        --command-endpoint "$SKILLBASE_ENDPOINT" --name subsidy-e2e "$@"
    WORKER_PID=$SB_SPAWNED_PID WORKER_LOG=$SB_SPAWNED_ERR
}

# SIGTERM: the worker must leave cleanly (exit 0, nothing leaked under ASan).
stop_worker() {
    sb_stop_worker "$WORKER_PID" skillbase-subsidy TERM 20
    assert_eq 0 "$SB_EXITED_STATUS" "skillbase-subsidy exit status after SIGTERM"
}
