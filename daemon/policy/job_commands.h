/* sb_job_commands: what a worker may ask the daemon to do when it reports
 * a job done (docs/jobs.md, docs/security.md "Workers").
 *
 * A job's result may carry one command, applied in the transaction that
 * records the job done. Each job type allows exactly the command its worker
 * legitimately sends, about the job's own record and nothing else:
 *
 *   publicity.schedule   schedule_publicity of the job's application
 *   publicity.close      close_publicity of the job's application, at the
 *                        version the window was recorded at (the job's params)
 *   assessment.reminder  assessment_reminder of the job's sub-base
 *   subsidy.statement    record_statement of the job's sub-base and year
 *
 * Every other type (notify) allows no command. Pure: no store, no sockets.
 */
#ifndef SB_JOB_COMMANDS_H
#define SB_JOB_COMMANDS_H

#include "sb_arena.h"
#include "skillbase.pb-c.h"

/* NULL when `job` may finish with `cmd`, else why not (one line, in the
 * arena; a static text when the arena is out of memory). */
const char *sb_job_command_refusal(sb_arena *arena, const Skillbase__Job *job,
                                   const Skillbase__Request *cmd);

#endif
