/* skillbasectl roster and results: the bureau's registers (docs/cli.md).
 *
 *   roster [--state S] [--district D] [--grade G] [--format text|csv|json]
 *   results --cycle-year Y [--district D] [--format text|csv|json]
 *
 * The roster (名录) is every sub-base with its official name, unit, credit
 * code, district, unit type, projects, certificate, certification date, the
 * result of its latest assessment cycle (cycle, grade, total, date), the
 * next due date (the end of the next cycle, 五(一)), its state and, when
 * revoked, the date and cause; when exited, the date; whether the plaque of
 * a revoked or exited sub-base came back (--plaque-not-returned lists those
 * whose return is not recorded); and its level (六(五)). Results are the results decided in a year:
 * each cycle's result recorded then, fails and direct fails (五(三))
 * included; a corrected result appears once, as the correction, marked.
 *
 * Both page through the sub-bases with ctl_list_each (one list request and
 * one read transaction per page, unit type and projects on the page:
 * List.details) and print each page as it comes, never holding more than a
 * page. What a row shows is a table of columns (roster_columns,
 * result_columns): a new column is one row there and one small function.
 * Results are read through ctl_results.h only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_list.h"
#include "ctl_results.h"
#include "pbjson.h"

enum { OUT_TEXT, OUT_CSV, OUT_JSON };

#define CELL_MAX 2048 /* one value; longer projects lists are cut */
#define COLUMNS_MAX 32

typedef struct {
    ctl *c;
    int format;
    size_t rows;   /* printed so far */
    uint64_t read; /* sub-bases read so far */
    bool progress; /* stderr is a terminal and stdout is not */
    char cell[COLUMNS_MAX][CELL_MAX];
} emitter;

/* What one row is about: a sub-base and one of its results (roster: the
 * latest, NULL when it has none). */
typedef struct {
    const Skillbase__Base *b;
    const ctl_result *r;
} row;

typedef const char *column_fn(const row *x, char *buf, size_t len);

typedef struct {
    const char *name; /* CSV and JSON key, text header */
    column_fn *value;
} column;

static const char *en(const ProtobufCEnumDescriptor *d, int v, char *buf, size_t len)
{
    const char *s = v ? pbjson_enum_name(d, v, buf, len) : "";
    return s ? s : "?";
}

/* ------------------------------------------------------------ columns */

/* A column that is a text field of the sub-base as it is. */
#define BASE_FIELD(column, field)                                                                  \
    static const char *c_##column(const row *x, char *buf, size_t len)                             \
    {                                                                                              \
        (void)buf, (void)len;                                                                      \
        return x->b->field;                                                                        \
    }

BASE_FIELD(id, id)
BASE_FIELD(name, name)
BASE_FIELD(unit, unit_name)
BASE_FIELD(credit_code, credit_code)
BASE_FIELD(district, district)
BASE_FIELD(certificate_no, certificate_no)
BASE_FIELD(certified_on, certified_on)
BASE_FIELD(revoked_on, revoked_on)
BASE_FIELD(exited_on, exited_on)
BASE_FIELD(plaque_returned_on, plaque_returned_on)
BASE_FIELD(next_due, next_assessment_due) /* empty once revoked: the daemon empties it */

static const char *c_unit_type(const row *x, char *buf, size_t len)
{
    return en(&skillbase__unit_type__descriptor, x->b->unit_type, buf, len);
}

/* 电工（高级工）；焊工（中级工） */
static const char *c_projects(const row *x, char *buf, size_t len)
{
    const Skillbase__Base *b = x->b;
    buf[0] = 0;
    for (size_t i = 0, n = 0; i < b->n_projects && n < len; i++, n = strlen(buf)) {
        const Skillbase__Project *p = b->projects[i];
        snprintf(buf + n, len - n, "%s%s%s%s%s", i ? "；" : "", p->occupation,
                 p->level[0] ? "（" : "", p->level, p->level[0] ? "）" : "");
    }
    return buf;
}

static const char *c_state(const row *x, char *buf, size_t len)
{
    return en(&skillbase__state__descriptor, x->b->state, buf, len);
}

static const char *c_revoked_cause(const row *x, char *buf, size_t len)
{
    return en(&skillbase__cause__descriptor, x->b->revoked_cause, buf, len);
}

static bool ended(const Skillbase__Base *b)
{
    return b->state == SKILLBASE__STATE__REVOKED || b->state == SKILLBASE__STATE__EXITED;
}

/* held (live), returned, or not_returned after an exit or a revocation */
static const char *c_plaque(const row *x, char *buf, size_t len)
{
    (void)buf, (void)len;
    return !ended(x->b) ? "held" : x->b->plaque_returned_on[0] ? "returned" : "not_returned";
}

/* 六(五): unset is city */
static const char *c_level(const row *x, char *buf, size_t len)
{
    (void)buf, (void)len;
    return x->b->base_level == SKILLBASE__BASE_LEVEL__DISTRICT ? "district" : "city";
}

static const char *c_cycle(const row *x, char *buf, size_t len)
{
    if (x->r && x->r->cycle)
        snprintf(buf, len, "%u", (unsigned)x->r->cycle);
    else
        buf[0] = 0;
    return buf;
}

static const char *c_grade(const row *x, char *buf, size_t len)
{
    return x->r ? en(&skillbase__grade__descriptor, x->r->grade, buf, len) : "";
}

static const char *c_total(const row *x, char *buf, size_t len)
{
    return x->r ? ctl_results_total(x->r, buf, len) : "";
}

static const char *c_date(const row *x, char *buf, size_t len)
{
    (void)buf, (void)len;
    return x->r ? x->r->date : "";
}

static const char *c_kind(const row *x, char *buf, size_t len)
{
    (void)buf, (void)len;
    return x->r->direct_fail ? "direct_fail" : "assessment";
}

static const char *c_cause(const row *x, char *buf, size_t len)
{
    return en(&skillbase__cause__descriptor, x->r->cause, buf, len);
}

static const char *c_corrected(const row *x, char *buf, size_t len)
{
    (void)buf, (void)len;
    return x->r->correction ? "yes" : "";
}

static const char *c_reason(const row *x, char *buf, size_t len)
{
    (void)buf, (void)len;
    return x->r->reason;
}

static const char *c_by(const row *x, char *buf, size_t len)
{
    (void)buf, (void)len;
    return x->r->by;
}

/* The roster's columns, in order. */
static const column roster_columns[] = {
    {"id", c_id},
    {"name", c_name},
    {"unit", c_unit},
    {"credit_code", c_credit_code},
    {"district", c_district},
    {"unit_type", c_unit_type},
    {"projects", c_projects},
    {"certificate_no", c_certificate_no},
    {"certified_on", c_certified_on},
    {"cycle", c_cycle}, /* the latest result's cycle */
    {"grade", c_grade},
    {"total", c_total},
    {"assessed_on", c_date},
    {"next_due", c_next_due},
    {"state", c_state},
    {"revoked_on", c_revoked_on},
    {"revoked_cause", c_revoked_cause},
    {"exited_on", c_exited_on},
    {"plaque", c_plaque},
    {"plaque_returned_on", c_plaque_returned_on},
    {"level", c_level},
};

/* The results' columns, in order. */
static const column result_columns[] = {
    {"id", c_id},
    {"name", c_name},
    {"unit", c_unit},
    {"credit_code", c_credit_code},
    {"district", c_district},
    {"cycle", c_cycle},
    {"date", c_date},
    {"kind", c_kind},
    {"total", c_total},
    {"grade", c_grade},
    {"cause", c_cause},
    {"corrected", c_corrected}, /* "yes": this result corrects the cycle's earlier one */
    {"reason", c_reason},
    {"by", c_by},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
_Static_assert(N_OF(roster_columns) <= COLUMNS_MAX && N_OF(result_columns) <= COLUMNS_MAX,
               "more columns than COLUMNS_MAX");

/* ------------------------------------------------------------ rows */

static void header(const emitter *e, const column *cols, size_t n)
{
    if (e->format != OUT_TEXT)
        return;
    for (size_t k = 0; k < n; k++)
        printf("%s%s", k ? "  " : "", cols[k].name);
    printf("\n");
}

static void emit(emitter *e, const column *cols, size_t n, const row *x)
{
    const char *vals[COLUMNS_MAX];
    for (size_t k = 0; k < n; k++) {
        vals[k] = cols[k].value(x, e->cell[k], CELL_MAX);
        if (!vals[k])
            vals[k] = "";
    }
    if (e->format == OUT_CSV) {
        if (e->rows == 0) {
            fputs("\xEF\xBB\xBF", stdout);
            for (size_t k = 0; k < n; k++)
                ctl_csv_field(stdout, cols[k].name, k == n - 1);
        }
        for (size_t k = 0; k < n; k++)
            ctl_csv_field(stdout, vals[k], k == n - 1);
    } else if (e->format == OUT_JSON) {
        json_t *o = json_object();
        for (size_t k = 0; o && k < n; k++)
            json_object_set_new(o, cols[k].name, json_string(vals[k]));
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

/* ------------------------------------------------------------ paging */

typedef struct {
    emitter *e;
    const char *district;
    int grade;                /* roster: the latest result's grade (0: any) */
    uint32_t year;            /* results: the year decided; 0: the roster */
    bool plaque_not_returned; /* roster: revoked or exited, the return not recorded */
    char prefix[8];           /* results: "YYYY-" */
    const Skillbase__Base *b; /* results: the sub-base being read */
} walker;

static int result_row(void *ctx, const ctl_result *r)
{
    walker *w = ctx;
    if (r->date && strncmp(r->date, w->prefix, 5) == 0)
        emit(w->e, result_columns, N_OF(result_columns), &(row){w->b, r});
    return 0;
}

static int one_base(void *ctx, const Skillbase__Record *rec)
{
    walker *w = ctx;
    const Skillbase__Base *b = rec->sub_base;
    if (!b || (w->district && strcmp(w->district, b->district) != 0))
        return 0;
    if (w->year) {
        w->b = b;
        return ctl_results_each(b, false, result_row, w);
    }
    if (w->plaque_not_returned && (!ended(b) || b->plaque_returned_on[0]))
        return 0;
    ctl_result last;
    bool any = ctl_results_latest(b, &last);
    if (w->grade && (!any || (int)last.grade != w->grade))
        return 0;
    emit(w->e, roster_columns, N_OF(roster_columns), &(row){b, any ? &last : NULL});
    return 0;
}

static int walk(ctl *c, walker *w, Skillbase__State state)
{
    ctl_list_walk lw = {.kind = SKILLBASE__KIND__BASE,
                        .state = state,
                        .details = !w->year,
                        .progress = w->e->progress ? (w->year ? "results" : "roster") : NULL,
                        .noun = "sub-bases",
                        .read = &w->e->read};
    return ctl_list_each(c, &lw, one_base, w);
}

static int start(ctl *c, emitter *e)
{
    const char *format = c->out.json ? "json" : c->format ? c->format : "text";
    e->c = c;
    e->rows = 0;
    e->read = 0;
    e->progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
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

/* The states a sub-base can be in (--state). */
static const Skillbase__State base_states[] = {
    SKILLBASE__STATE__CERTIFIED,
    SKILLBASE__STATE__ASSESSED,
    SKILLBASE__STATE__REVOKED,
    SKILLBASE__STATE__EXITED,
};

int ctl_verb_roster(ctl *c, const verb *v, char **args)
{
    (void)v, (void)args;
    emitter e;
    int r = start(c, &e);
    if (r)
        return r;
    walker w = {.e = &e, .district = c->district, .plaque_not_returned = c->plaque_not_returned};
    if (c->grade_name &&
        (pbjson_enum_parse(&skillbase__grade__descriptor, c->grade_name, &w.grade) || !w.grade))
        return usage_fail(c, "unknown grade \"%s\" (expected excellent, good, pass, fail)",
                          c->grade_name);
    bool known = !c->state;
    for (size_t i = 0; i < N_OF(base_states); i++)
        known = known || (int)base_states[i] == c->state;
    if (!known)
        return usage_fail(c, "a sub-base is certified, assessed, revoked or exited");
    /* ordered by id; one state with --state */
    header(&e, roster_columns, N_OF(roster_columns));
    r = walk(c, &w, (Skillbase__State)c->state);
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
    walker w = {.e = &e, .district = c->district, .year = (uint32_t)c->year};
    snprintf(w.prefix, sizeof w.prefix, "%04u-", w.year % 10000);
    header(&e, result_columns, N_OF(result_columns));
    /* every sub-base, whatever its state now: a result stays a result */
    r = walk(c, &w, 0);
    finish(&e);
    return r;
}
