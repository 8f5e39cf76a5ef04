/* skillbasectl roster and results: the bureau's registers (docs/cli.md).
 *
 *   roster [--state S] [--district D] [--grade G] [--format text|csv|json]
 *   results --cycle-year Y [--format text|csv|json]
 *
 * The roster (名录) is every sub-base with its official name, unit, credit
 * code, district, unit type, projects, certificate, certification date, the
 * latest assessment (grade, total, date), the next due date, its state and,
 * when revoked, the date and cause. Results are the assessment outcomes
 * decided in a year: each assessment recorded then (fails included) and
 * each revocation for a direct-fail cause (五(三)) then.
 *
 * Both page through the sub-bases with the list command (one read
 * transaction per page) and print each page as it comes, never holding
 * more than a page. Unit type and projects come on the page too
 * (List.details), so a page is one request. What is read of
 * a sub-base goes through the small functions below (latest_result,
 * each_result), so a change of how results are kept touches only them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_list.h"
#include "pbjson.h"

enum { OUT_TEXT, OUT_CSV, OUT_JSON };

typedef struct {
    ctl *c;
    int format;
    size_t rows;    /* printed so far */
    uint64_t read;  /* sub-bases read so far */
    bool progress;  /* stderr is a terminal and stdout is not */
} emitter;

static const char *en(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t len)
{
    const char *s = v ? pbjson_enum_name(d, v, buf, len) : "";
    return s ? s : "?";
}

/* The latest result of a sub-base: its last assessment (NULL: none). */
static const Skillbase__Assessment *latest_result(const Skillbase__Base *b)
{
    return b->n_assessments ? b->assessments[b->n_assessments - 1] : NULL;
}

/* One result: an assessment, or a revocation for a direct-fail cause. */
typedef struct {
    const char *date, *kind, *cause, *by;
    uint32_t total;
    int grade;
} result;

/* Call fn for each result of `b` decided in `year` (0: any), oldest first. */
static void each_result(const Skillbase__Base *b, uint32_t year,
                        void (*fn)(emitter *e, const Skillbase__Base *b, const result *r),
                        emitter *e)
{
    char y[16];
    snprintf(y, sizeof y, "%04u-", year % 10000);
    char cause[48];
    for (size_t i = 0; i < b->n_assessments; i++) {
        const Skillbase__Assessment *a = b->assessments[i];
        if (year && strncmp(a->assessed_on, y, 5) != 0)
            continue;
        /* a revocation's own result (五(三), with its cause) is the direct
         * fail listed below, not a second result */
        if (a->cause && a->cause != SKILLBASE__CAUSE__ASSESSMENT_FAILED)
            continue;
        result r = {a->assessed_on, "assessment", "", a->assessor, a->total, a->grade};
        if (a->grade == SKILLBASE__GRADE__FAIL)
            r.cause = "assessment_failed";
        fn(e, b, &r);
    }
    /* 五(三): a direct fail is a 不合格 result of the cycle, with its cause */
    if (b->state == SKILLBASE__STATE__REVOKED &&
        b->revoked_cause != SKILLBASE__CAUSE__ASSESSMENT_FAILED && b->revoked_on[0] &&
        (!year || strncmp(b->revoked_on, y, 5) == 0)) {
        result r = {b->revoked_on, "direct_fail",
                    en(&skillbase__cause__descriptor, b->revoked_cause, cause, sizeof cause), "",
                    0, SKILLBASE__GRADE__FAIL};
        fn(e, b, &r);
    }
}

/* ------------------------------------------------------------ rows */

static void emit(emitter *e, const char *const *names, const char *const *vals, size_t n)
{
    if (e->format == OUT_CSV) {
        if (e->rows == 0) {
            fputs("\xEF\xBB\xBF", stdout);
            for (size_t k = 0; k < n; k++)
                ctl_csv_field(stdout, names[k], k == n - 1);
        }
        for (size_t k = 0; k < n; k++)
            ctl_csv_field(stdout, vals[k], k == n - 1);
    } else if (e->format == OUT_JSON) {
        json_t *o = json_object();
        for (size_t k = 0; o && k < n; k++)
            json_object_set_new(o, names[k], json_string(vals[k]));
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        printf("%s%s", e->rows ? ",\n" : "[\n", s ? s : "{}");
        free(s);
        json_decref(o);
    } else {
        for (size_t k = 0; k < n; k++)
            printf("%s%s", k ? "  " : "", vals[k][0] ? ctl_text(vals[k]) : "-");
        printf("\n");
    }
    e->rows++;
}

static void finish(emitter *e)
{
    if (e->format == OUT_JSON)
        printf("%s]\n", e->rows ? "\n" : "[");
    if (e->progress && e->read)
        fprintf(stderr, "\r\033[K");
    fflush(stdout);
}

static void roster_row(emitter *e, const Skillbase__Base *b)
{
    static const char *const names[] = {
        "id", "name", "unit", "credit_code", "district", "unit_type", "projects",
        "certificate_no", "certified_on", "grade", "total", "assessed_on", "next_due", "state",
        "revoked_on", "revoked_cause"};
    char type[48] = "", projects[2048] = "", grade[32], total[16] = "", state[32], cause[48];
    if (b->unit_type)
        en(&skillbase__unit_type__descriptor, b->unit_type, type, sizeof type);
    for (size_t i = 0; i < b->n_projects; i++) {
        size_t n = strlen(projects);
        snprintf(projects + n, sizeof projects - n, "%s%s%s%s%s", i ? "；" : "",
                 b->projects[i]->occupation, b->projects[i]->level[0] ? "（" : "",
                 b->projects[i]->level, b->projects[i]->level[0] ? "）" : "");
    }
    const Skillbase__Assessment *last = latest_result(b);
    if (last)
        snprintf(total, sizeof total, "%" PRIu32, last->total);
    const char *vals[] = {
        b->id, b->name, b->unit_name, b->credit_code, b->district, type, projects,
        b->certificate_no, b->certified_on,
        last ? en(&skillbase__grade__descriptor, last->grade, grade, sizeof grade) : "", total,
        last ? last->assessed_on : "", b->next_assessment_due,
        en(&skillbase__state__descriptor, b->state, state, sizeof state), b->revoked_on,
        b->revoked_cause ? en(&skillbase__cause__descriptor, b->revoked_cause, cause, sizeof cause)
                         : ""};
    emit(e, names, vals, sizeof names / sizeof names[0]);
}

static void result_row(emitter *e, const Skillbase__Base *b, const result *r)
{
    static const char *const names[] = {"id", "name", "unit", "credit_code", "district",
                                        "date", "kind", "total", "grade", "cause", "by"};
    char total[16] = "", grade[32];
    if (strcmp(r->kind, "assessment") == 0)
        snprintf(total, sizeof total, "%" PRIu32, r->total);
    const char *vals[] = {b->id,   b->name,  b->unit_name, b->credit_code,
                          b->district, r->date, r->kind, total,
                          en(&skillbase__grade__descriptor, r->grade, grade, sizeof grade),
                          r->cause, r->by};
    emit(e, names, vals, sizeof names / sizeof names[0]);
}

/* ------------------------------------------------------------ paging */

typedef struct {
    const char *district;
    int grade;
    uint32_t year; /* results: the cycle year; 0: roster */
} filter;

static bool wanted(const filter *f, const Skillbase__Base *b)
{
    if (f->district && strcmp(f->district, b->district) != 0)
        return false;
    if (f->grade) {
        const Skillbase__Assessment *last = latest_result(b);
        if (!last || (int)last->grade != f->grade)
            return false;
    }
    return true;
}

typedef struct {
    emitter *e;
    const filter *f;
} walker;

static int one_base(void *ctx, const Skillbase__Record *rec)
{
    const walker *w = ctx;
    const Skillbase__Base *b = rec->sub_base;
    if (!b || !wanted(w->f, b))
        return 0;
    if (w->f->year)
        each_result(b, w->f->year, result_row, w->e);
    else
        roster_row(w->e, b);
    return 0;
}

static int walk(ctl *c, emitter *e, Skillbase__State state, const filter *f)
{
    walker w = {e, f};
    ctl_list_walk lw = {.kind = SKILLBASE__KIND__BASE,
                        .state = state,
                        .details = !f->year,
                        .progress = e->progress ? (f->year ? "results" : "roster") : NULL,
                        .noun = "sub-bases",
                        .read = &e->read};
    return ctl_list_each(c, &lw, one_base, &w);
}

static int start(ctl *c, emitter *e)
{
    const char *format = c->out.json ? "json" : c->format ? c->format : "text";
    *e = (emitter){.c = c, .progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO)};
    if (strcmp(format, "text") == 0)
        e->format = OUT_TEXT;
    else if (strcmp(format, "csv") == 0)
        e->format = OUT_CSV;
    else if (strcmp(format, "json") == 0)
        e->format = OUT_JSON;
    else
        return usage_fail(c, "unknown format \"%s\" (expected text, csv, json)", format);
    c->out.json = false; /* the rows are printed here */
    return 0;
}

int ctl_verb_roster(ctl *c, const verb *v, char **args)
{
    (void)v, (void)args;
    emitter e;
    int r = start(c, &e);
    if (r)
        return r;
    filter f = {.district = c->district};
    if (c->grade_name && (pbjson_enum_parse(&skillbase__grade__descriptor, c->grade_name,
                                            &f.grade) ||
                          !f.grade))
        return usage_fail(c, "unknown grade \"%s\" (expected excellent, good, pass, fail)",
                          c->grade_name);
    if (c->state && c->state != SKILLBASE__STATE__CERTIFIED &&
        c->state != SKILLBASE__STATE__ASSESSED && c->state != SKILLBASE__STATE__REVOKED)
        return usage_fail(c, "a sub-base is certified, assessed or revoked");
    /* ordered by id within each state; every state unless --state */
    static const Skillbase__State states[] = {SKILLBASE__STATE__CERTIFIED,
                                              SKILLBASE__STATE__ASSESSED,
                                              SKILLBASE__STATE__REVOKED};
    if (e.format == OUT_TEXT)
        printf("id  name  unit  credit_code  district  unit_type  projects  certificate  "
               "certified_on  grade  total  assessed_on  next_due  state  revoked_on  cause\n");
    for (size_t i = 0; i < 3 && !r; i++)
        if (!c->state || (int)states[i] == c->state)
            r = walk(c, &e, states[i], &f);
    finish(&e);
    return r;
}

int ctl_verb_results(ctl *c, const verb *v, char **args)
{
    (void)v, (void)args;
    if (!c->year)
        return usage_fail(c, "results needs --cycle-year Y");
    emitter e;
    int r = start(c, &e);
    if (r)
        return r;
    filter f = {.district = c->district, .year = (uint32_t)c->year};
    if (e.format == OUT_TEXT)
        printf("id  name  unit  credit_code  district  date  kind  total  grade  cause  by\n");
    /* results of a year: sub-bases assessed since, or revoked (fails) */
    r = walk(c, &e, SKILLBASE__STATE__ASSESSED, &f);
    if (!r)
        r = walk(c, &e, SKILLBASE__STATE__REVOKED, &f);
    finish(&e);
    return r;
}
