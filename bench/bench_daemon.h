/* bench_daemon: a skillbased the benchmark starts, watches and stops.
 *
 * The daemon runs as a child on a state directory of the benchmark's own,
 * its output going to a log file there. Its CPU time and memory are read
 * with sb_drive_proc_read (sb_drive.h).
 */
#ifndef BENCH_DAEMON_H
#define BENCH_DAEMON_H

#include <sys/types.h>

/* Start `path` on `state_dir` serving `endpoint`, output to `log_path`,
 * with --config `config` unless NULL. Returns the child's pid, or -1
 * (reason on stderr). */
pid_t bench_daemon_start(const char *path, const char *state_dir, const char *endpoint,
                         const char *log_path, const char *config);

/* Wait until the daemon at `endpoint` answers status; pid (or 0 for a
 * daemon not ours) is watched so that an early exit is reported at once.
 * Returns 0 and *ret_ms (time from the call to the answer), or -1. */
int bench_daemon_wait_ready(void *zctx, const char *endpoint, pid_t pid, double timeout_s,
                            double *ret_ms);

/* SIGTERM, then SIGKILL after timeout_s. Returns the exit status (as from
 * waitpid's WEXITSTATUS; 128+N when killed by signal N), or -1. */
int bench_daemon_stop(pid_t pid, double timeout_s);

#endif
