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

# The 2026 subsidy report of BASE once its statement covers N records
# (input_version N), nothing is pending and the jq CONDITION on the
# statement holds (default true); fails after 60 s or when the worker dies.
subsidy_wait_report() { # BASE N [JQ-CONDITION]
    SB_WAIT_DIAG='printf "last report: %s\nworker: %s\n" "$SUBSIDY_REPORT" "$(tail -n 5 "$WORKER_LOG")"' \
        SB_WAIT_INTERVAL=0.2 sb_wait_until 60 "a statement of $2 records for $1" subsidy_report_ready "$@"
    printf '%s\n' "$SUBSIDY_REPORT"
}
subsidy_report_ready() { # BASE N [JQ-CONDITION]
    SUBSIDY_REPORT=$(ctl --json subsidy report --year 2026 --base "$1")
    [ "$(jget "$SUBSIDY_REPORT" "(.statements[0].input_version // 0) == $2 and (.pending | length) == 0 and (.statements[0] | ${3:-true})")" = true ] &&
        return 0
    sb_alive "$WORKER_PID" || sb_fail "skillbase-subsidy died: $(tail -n 5 "$WORKER_LOG")"
    return 1
}
