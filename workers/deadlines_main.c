/* skillbase-deadlines: turns deadlines into commands for skillbased — the
 * publicity window counted in working days on the holiday calendar, and the
 * reminders before and after a sub-base's biennial assessment is due. Takes
 * the "publicity.schedule", "publicity.close" and "assessment.reminder" jobs
 * through the worker runtime (sb_worker.h); docs/deadlines.md is the guide.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "sb_paths.h"
#include "deadlines_jobs.h"
#include "sb_calendar.h"
#include "sb_clock.h"
#include "sb_log.h"
#include "sb_worker.h"

#define PROGRAM "skillbase-deadlines"

typedef struct {
    const char *calendar_flag;    /* --calendar */
    char calendar_file[PATH_MAX]; /* [deadlines] calendar of --config */
    bool check;
    sb_calendar *cal;
} deadlines_app;

static sb_job_outcome handle(const Skillbase__Job *job, Skillbase__JobResult *result, char *error,
                             size_t error_len, void *arg)
{
    deadlines_app *app = arg;
    bool uncovered = false;
    sb_job_outcome out = sb_deadlines_jobs_handle(app->cal, job, sb_worker_arena(), result, error,
                                                  error_len, &uncovered);
    if (uncovered)
        sb_log(SB_LOG_WARN,
               "%s: counted past the holiday calendar (it covers %d to %d): weekends only; add "
               "the next year's holidays (README.md)",
               job->id, sb_calendar_first_year(app->cal), sb_calendar_last_year(app->cal));
    if (out == SB_JOB_DONE)
        sb_log(SB_LOG_INFO, "%s %s: %s", job->type, job->id, result->summary);
    return out;
}

/* [deadlines] calendar from the configuration file; other keys and
 * sections belong to the daemon and the other workers. */
static int on_config(const char *section, const char *key, const char *value, void *arg, char *err,
                     size_t err_len)
{
    deadlines_app *app = arg;
    (void)err, (void)err_len;
    if (strcmp(section, "deadlines") == 0 && strcmp(key, "calendar") == 0)
        snprintf(app->calendar_file, sizeof app->calendar_file, "%s", value);
    return 0;
}

/* Its own flags (sb_worker.h): --help and the parser come from these rows. */
static const sb_worker_flag FLAGS[] = {
    {"calendar", "FILE", SB_WORKER_FLAG_TEXT, offsetof(deadlines_app, calendar_flag), true, 0,
     "the holiday calendar (overrides [deadlines] calendar;\n"
     "default " SB_PATH_CALENDAR ")"},
    {"check", NULL, SB_WORKER_FLAG_SWITCH, offsetof(deadlines_app, check), false, 0,
     "load the calendar, print the years it covers, exit"},
    {NULL, NULL, 0, 0, false, 0, NULL},
};

int main(int argc, char **argv)
{
    static deadlines_app app;
    sb_worker_cli cli;
    const sb_worker_cli_spec spec = {
        .program = PROGRAM,
        .summary = "Count publicity windows in working days and send assessment reminders.",
        .flags = FLAGS,
        .flags_title = "deadlines options:",
        .on_config = on_config,
        .arg = &app,
    };
    int rc = 2;
    int parsed = sb_worker_cli_parse(&spec, argc, argv, &cli);
    if (parsed) {
        rc = parsed == 1 ? 0 : 2;
        goto out;
    }
    const char *path = app.calendar_flag      ? app.calendar_flag
                       : app.calendar_file[0] ? app.calendar_file
                                              : sb_calendar_default_path();
    char err[512];
    if (sb_calendar_load(path, &app.cal, err, sizeof err)) {
        fprintf(stderr, PROGRAM ": calendar: %s\n", err);
        goto out;
    }
    if (app.check) {
        printf("calendar %s: %d to %d, %zu days listed\n", path, sb_calendar_first_year(app.cal),
               sb_calendar_last_year(app.cal), sb_calendar_size(app.cal));
        rc = 0;
    } else {
        sb_log(SB_LOG_INFO, "holiday calendar %s: %d to %d", path, sb_calendar_first_year(app.cal),
               sb_calendar_last_year(app.cal));
        int year = sb_date_from_ms(sb_clock_now_ms()).year;
        if (year > sb_calendar_last_year(app.cal))
            sb_log(SB_LOG_WARN,
                   "the holiday calendar ends with %d but it is %d: working days are counted "
                   "with weekends only until this year's holidays are added (README.md)",
                   sb_calendar_last_year(app.cal), year);
        rc = sb_worker_cli_run(&cli, (sb_worker_options){.types = sb_deadlines_jobs_types,
                                                         .capacity = 1,
                                                         .handler = handle,
                                                         .arg = &app});
    }
out:
    sb_calendar_free(&app.cal);
    return rc;
}
