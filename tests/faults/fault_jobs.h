/* fault_jobs: after workers and the daemon were killed mid-job, check that
 * every job finished and its effect applied once (docs/faults.md).
 *
 * A job's command is applied by the daemon with request id "job:<job id>",
 * so the events it caused can be counted in the log: a done job whose
 * summary says "<command> applied (event N)" must have caused exactly that
 * command's events (close_publicity two, other commands one), N among
 * them; a job whose command was refused, or that had none, none at all.
 * Every job must be done (none queued, leased or parked). With a spool
 * directory, every done notify job that made a notice has exactly one
 * "<job id>.txt" there and no other notice files exist.
 */
#ifndef FAULT_JOBS_H
#define FAULT_JOBS_H

/* Returns the exit status: 0 held, 1 not. */
int fault_jobs_check(const char *endpoint, const char *spool_dir);

#endif
