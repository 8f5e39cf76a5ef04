/* sb_clock: the one wall clock of every skillbase program, settable by tests.
 *
 * Legal deadlines (publicity working days, assessment due dates) are
 * calendar dates, so they follow the wall clock. Tests must be able to run a
 * whole publicity window or an assessment cycle in seconds: when the
 * environment variable SKILLBASE_TEST_CLOCK names a file, the clock reads
 * the time from it (milliseconds since the epoch, or "YYYY-MM-DDTHH:MM" in
 * Hangzhou time) on every call, so a test moves time by rewriting the file.
 * The file may also say "real", "real-Nd" or "real+Nd": the real time,
 * shifted by N days (e.g. a test backdates the start of a publicity window
 * and then lets the clock follow the real time again).
 * Leases, heartbeats and timeouts use the monotonic clock (sb_clock_mono_ms),
 * never this.
 */
#ifndef SB_CLOCK_H
#define SB_CLOCK_H

#include <stdint.h>

/* Milliseconds since the Unix epoch: the real time, or the test clock's.
 * An unreadable or malformed test clock file falls back to the real time
 * (and logs a warning once). */
uint64_t sb_clock_now_ms(void);

/* Milliseconds of CLOCK_MONOTONIC: for leases, heartbeats and timeouts
 * (never the test clock). */
uint64_t sb_clock_mono_ms(void);

/* True when the test clock is in use. */
int sb_clock_is_test(void);

/* Parse "YYYY-MM-DDTHH:MM[:SS]" (Hangzhou time) or a plain number of ms.
 * Returns 0 and *ret, or -1. */
int sb_clock_parse(const char *text, uint64_t *ret);

#endif
