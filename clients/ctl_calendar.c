/* ctl_calendar: `skillbasectl calendar ...` — working-day arithmetic on the
 * holiday calendar, computed locally with the same module the daemon and
 * skillbase-deadlines use (common/sb_calendar.h), so an operator can explain
 * a deadline: which days were skipped and why. Nothing is sent to the
 * daemon. docs/cli.md and docs/deadlines.md describe the output. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "sb_calendar.h"
#include "sb_parse.h"

/* A day of a sum as --json prints it. */
static json_t *note_json(const sb_calendar_note *n)
{
    char date[SB_DATE_STRLEN], why[160];
    sb_calendar_note_reason(n, why, sizeof why);
    return json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", "date", sb_date_format(n->date, date),
                     "weekday", sb_calendar_weekday_name(sb_date_weekday(n->date)), "kind",
                     sb_calendar_kind_name(n->kind), "counted", n->kind == SB_DAY_MAKEUP, "name",
                     n->name, "reason", why);
}

static int print_json(const char *path, const sb_calendar *cal, sb_date from, unsigned n,
                      const sb_calendar_sum *sum)
{
    char a[SB_DATE_STRLEN], b[SB_DATE_STRLEN];
    json_t *days = json_array();
    json_t *doc =
        json_pack("{s:s, s:I, s:s, s:s, s:i, s:i, s:b, s:o}", "from", sb_date_format(from, a),
                  "working_days", (json_int_t)n, "result", sb_date_format(sum->result, b),
                  "calendar", path, "first_year", sb_calendar_first_year(cal), "last_year",
                  sb_calendar_last_year(cal), "uncovered", sum->uncovered, "days", days);
    if (!doc)
        return -1;
    for (size_t i = 0; i < sum->n_notes; i++)
        if (json_array_append_new(days, note_json(&sum->notes[i]))) {
            json_decref(doc);
            return -1;
        }
    return ctl_print_json(doc);
}

static void print_text(const sb_calendar_sum *sum)
{
    char date[SB_DATE_STRLEN], why[160];
    printf("%s\n", sb_date_format(sum->result, date));
    for (size_t i = 0; i < sum->n_notes; i++) {
        const sb_calendar_note *n = &sum->notes[i];
        printf("  %s %-9s  %-7s  %s\n", sb_date_format(n->date, date),
               sb_calendar_weekday_name(sb_date_weekday(n->date)),
               n->kind == SB_DAY_MAKEUP ? "counted" : "skipped",
               sb_calendar_note_reason(n, why, sizeof why));
    }
}

static int add_working_days(ctl *c, const char *date_arg, const char *n_arg)
{
    sb_date from;
    uint64_t n;
    if (sb_date_parse(date_arg, &from))
        return usage_fail(c, "bad date \"%s\" (expected a real date YYYY-MM-DD)", date_arg);
    if (sb_parse_u64(n_arg, 0, SB_CALENDAR_MAX_DAYS, &n))
        return usage_fail(c, "bad number of working days \"%s\" (0 to %d)", n_arg,
                          SB_CALENDAR_MAX_DAYS);
    const char *path = c->calendar ? c->calendar : sb_calendar_default_path();
    char err[512];
    sb_calendar *cal = NULL;
    if (sb_calendar_load(path, &cal, err, sizeof err))
        return usage_fail(c, "calendar: %s", err);
    sb_calendar_sum sum;
    int status = EXIT_DONE;
    if (sb_calendar_add_working_days(cal, from, (unsigned)n, &sum)) {
        status = usage_fail(c, "%s + %" PRIu64 " working days is out of range", date_arg, n);
        goto out;
    }
    if (sum.uncovered)
        fprintf(stderr,
                "skillbasectl: warning: the calendar %s covers %d to %d; days outside it were "
                "counted with weekends only\n",
                path, sb_calendar_first_year(cal), sb_calendar_last_year(cal));
    if (c->out.json) {
        if (print_json(path, cal, from, (unsigned)n, &sum))
            status = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    } else {
        print_text(&sum);
    }
    fflush(stdout);
    sb_calendar_sum_free(&sum);
out:
    sb_calendar_free(&cal);
    return status;
}

int ctl_verb_calendar(ctl *c, const verb *v, char **args)
{
    if (strcmp(args[0], "add-working-days") == 0)
        return add_working_days(c, args[1], args[2]);
    return usage_fail(c, "unknown calendar action \"%s\": usage: skillbasectl %s", args[0],
                      v->usage);
}
