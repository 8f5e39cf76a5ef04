#!/usr/bin/env bash
# The harness can fail: the same load and images against a store opened
# with MDB_NOSYNC and no log (SB_TEST_UNSAFE_NOSYNC=1, honoured by test
# builds only) must turn up images that lose acknowledged writes or do not
# open or verify. SB_POWERLOSS_NOSYNC_IMAGES (default 40) images are
# checked; the test fails if none of them fails.
source "$(dirname "$0")/powerloss_lib.sh"
pl_setup

IMAGES=${SB_POWERLOSS_NOSYNC_IMAGES:-40}
pl_record SB_TEST_UNSAFE_NOSYNC=1
grep -q 'SB_TEST_UNSAFE_NOSYNC=1' "$SB_TMP"/daemon.*.err ||
    sb_fail "the traced daemon did not take SB_TEST_UNSAFE_NOSYNC=1 (not a test build?)"
pl_check_images "$IMAGES" 0
[ "$PL_FAILED" -gt 0 ] ||
    sb_fail "none of $PL_CHECKED crash images of an unsynced store failed: the harness cannot fail"
fault_check "$PL_FAILED of $PL_CHECKED crash images of the unsynced store failed, as they must:" \
    "$PL_FAIL_ledger lost acknowledged writes, $PL_FAIL_open did not open," \
    "$PL_FAIL_restore failed --restore-check, $PL_FAIL_stop did not stop cleanly;" \
    "the first: $PL_FIRST_FAILURE"
sb_note "took $((SECONDS - FAULT_T0)) s"
