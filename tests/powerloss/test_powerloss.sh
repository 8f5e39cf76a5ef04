#!/usr/bin/env bash
# Power loss: crash images of today's store, each of which must hold.
#
# The daemon runs a concurrent load (8 clients, two requests in flight each,
# applications through their whole life with ingests and reads) under the
# shim that records every write and sync it makes to its state directory.
# From that trace sb_powerloss builds SB_POWERLOSS_IMAGES (default 200)
# disk images a power cut could leave — a third cut just before a sync, a
# third just after one, a third anywhere; in each, every page written and
# not yet synced holds its old contents or any one of the versions written
# to it (none, half, all or a random share of them) — and for each image:
# the daemon opens it, every write acknowledged before the cut is in the
# log exactly once at the sequence its answer named, the log is numbered
# without a gap, the audit chain verifies, the daemon stops cleanly and
# `skillbased --restore-check` passes. The first image that does not hold
# fails the test and is kept.
source "$(dirname "$0")/powerloss_lib.sh"
pl_setup

IMAGES=${SB_POWERLOSS_IMAGES:-200}
pl_record
t0=$SECONDS
pl_check_images "$IMAGES" 1
assert_eq "$IMAGES" "$PL_CHECKED" "crash images checked"
[ "$PL_ACKED_MAX" -gt 0 ] || sb_fail "no image had an acknowledged write to look for"
fault_check "$PL_CHECKED crash images ($((SECONDS - t0)) s) each opened, verified and held every" \
    "write acknowledged before its cut exactly once (up to $PL_ACKED_MAX, $PL_ACKED_SUM in all);" \
    "$PL_PENDING unsynced pages were at stake, $PL_KEPT of them kept"
sb_note "took $((SECONDS - FAULT_T0)) s"
