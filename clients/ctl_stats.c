/* skillbasectl stats: the counts the bureau reports (docs/cli.md).
 *
 *   stats [--year Y] [--format text|json|svg]
 *
 * Applications received (created in Y), rejected, withdrawn and certified
 * (decided in Y); sub-bases live, revoked and exited (a voluntary exit is no
 * revocation), by district, by level (六(五)), by unit type, by latest grade
 * and by revocation cause; plaques of revoked or exited sub-bases not yet
 * returned; assessments overdue today. Without
 * --year every year counts. Read page by page (list, one read transaction
 * per page) and counted as it goes; the unit type of a sub-base comes on
 * the page (List.details). `svg` draws the sub-bases by district and
 * by grade as two bar charts, a small SVG drawn here. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_list.h"
#include "ctl_results.h"
#include "pbjson.h"
#include "sb_clock.h"
#include "sb_date.h"

#define MAX_KEYS 40

/* A small counter by name (districts, types, grades, causes). */
typedef struct {
    char name[MAX_KEYS][64];
    uint64_t live[MAX_KEYS], revoked[MAX_KEYS], exited[MAX_KEYS];
    size_t n;
} tally;

enum { LIVE = 0, REVOKED = 1, EXITED = 2 };

static void count(tally *t, const char *name, int bucket)
{
    if (!name[0])
        name = "-";
    size_t i = 0;
    while (i < t->n && strcmp(t->name[i], name) != 0)
        i++;
    if (i == t->n) {
        if (t->n == MAX_KEYS)
            return;
        snprintf(t->name[t->n++], sizeof t->name[0], "%s", name);
    }
    (bucket == EXITED ? t->exited : bucket == REVOKED ? t->revoked : t->live)[i]++;
}

/* How the sub-bases are broken down: a new breakdown is one row in
 * `breakdowns` below and one key function. */
typedef const char *key_fn(const Skillbase__Base *b, char *buf, size_t len);

static const char *k_district(const Skillbase__Base *b, char *buf, size_t len)
{
    return (void)buf, (void)len, b->district;
}

/* 六(五): unset is city */
static const char *k_level(const Skillbase__Base *b, char *buf, size_t len)
{
    return (void)buf, (void)len,
           b->base_level == SKILLBASE__BASE_LEVEL__DISTRICT ? "district" : "city";
}

static const char *k_unit_type(const Skillbase__Base *b, char *buf, size_t len)
{
    const char *s =
        b->unit_type ? pbjson_enum_name(&skillbase__unit_type__descriptor, b->unit_type, buf, len)
                     : NULL;
    return s ? s : "-";
}

/* the latest cycle's result (a direct fail is one, 五(三)) */
static const char *k_grade(const Skillbase__Base *b, char *buf, size_t len)
{
    ctl_result r;
    if (!ctl_results_latest(b, &r))
        return "not assessed";
    const char *s = pbjson_enum_name(&skillbase__grade__descriptor, r.grade, buf, len);
    return s ? s : "?";
}

static const char *k_cause(const Skillbase__Base *b, char *buf, size_t len)
{
    if (b->state != SKILLBASE__STATE__REVOKED)
        return NULL; /* not counted */
    const char *s = pbjson_enum_name(&skillbase__cause__descriptor, b->revoked_cause, buf, len);
    return s ? s : "?";
}

static const struct {
    const char *json, *title;
    key_fn *key; /* NULL return: the sub-base is not counted here */
} breakdowns[] = {
    {"by_district", "by district", k_district},    {"by_level", "by level", k_level},
    {"by_unit_type", "by unit type", k_unit_type}, {"by_grade", "by latest grade", k_grade},
    {"by_cause", "revoked by cause", k_cause},
};
enum { BY_DISTRICT, BY_LEVEL, BY_UNIT_TYPE, BY_GRADE, BY_CAUSE, N_BREAKDOWNS };
_Static_assert(sizeof breakdowns / sizeof breakdowns[0] == N_BREAKDOWNS, "one tally each");

typedef struct {
    uint64_t received, rejected, withdrawn, certified, in_progress;
    uint64_t live, revoked, exited, plaque_not_returned, overdue;
    tally by[N_BREAKDOWNS];
} stats;

/* Whether a date or instant falls in the year asked (0: any). */
static bool in_year(const char *date, uint32_t year)
{
    char y[16];
    if (!year)
        return true;
    snprintf(y, sizeof y, "%04u-", year % 10000);
    return date && strncmp(date, y, 5) == 0;
}

static bool ms_in_year(uint64_t ms, uint32_t year)
{
    char d[SB_DATE_STRLEN];
    return in_year(sb_date_format(sb_date_from_ms(ms), d), year);
}

static void count_application(stats *s, const Skillbase__Application *a, uint32_t year)
{
    if (ms_in_year(a->created_ms, year))
        s->received++;
    bool decided = in_year(a->decided_on, year);
    switch (a->state) {
    case SKILLBASE__STATE__REJECTED:
        s->rejected += decided;
        break;
    case SKILLBASE__STATE__WITHDRAWN:
        s->withdrawn += decided;
        break;
    case SKILLBASE__STATE__CERTIFIED:
        s->certified += decided;
        break;
    default:
        s->in_progress += ms_in_year(a->created_ms, year);
        break;
    }
}

static void count_base(stats *s, const Skillbase__Base *b, const char *today, uint32_t year)
{
    char buf[64];
    bool revoked = b->state == SKILLBASE__STATE__REVOKED;
    /* with --year: the sub-bases certified that year, as they are now */
    if (!in_year(b->certified_on, year))
        return;
    bool exited = b->state == SKILLBASE__STATE__EXITED;
    int bucket = exited ? EXITED : revoked ? REVOKED : LIVE;
    exited ? s->exited++ : revoked ? s->revoked++ : s->live++;
    if ((revoked || exited) && !b->plaque_returned_on[0])
        s->plaque_not_returned++;
    if (bucket == LIVE && b->next_assessment_due[0] && strcmp(b->next_assessment_due, today) < 0)
        s->overdue++;
    for (size_t i = 0; i < N_BREAKDOWNS; i++) {
        const char *key = breakdowns[i].key(b, buf, sizeof buf);
        if (key)
            count(&s->by[i], key, bucket);
    }
}

typedef struct {
    ctl *c;
    stats *s;
    const char *today;
    uint32_t year;
} walker;

static int one_record(void *ctx, const Skillbase__Record *rec)
{
    const walker *w = ctx;
    if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION)
        count_application(w->s, rec->application, w->year);
    else if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE)
        count_base(w->s, rec->sub_base, w->today, w->year);
    return 0;
}

static int walk(ctl *c, stats *s, Skillbase__Kind kind, const char *today, uint32_t year,
                uint64_t *read, bool progress)
{
    walker w = {c, s, today, year};
    ctl_list_walk lw = {.kind = kind,
                        .details = true,
                        .progress = progress ? "stats" : NULL,
                        .noun = "records",
                        .read = read};
    return ctl_list_each(c, &lw, one_record, &w);
}

/* ------------------------------------------------------------ output */

static json_t *tally_json(const tally *t)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < t->n; i++)
        json_object_set_new(o, t->name[i],
                            json_pack("{s:I, s:I, s:I}", "live", (json_int_t)t->live[i], "revoked",
                                      (json_int_t)t->revoked[i], "exited",
                                      (json_int_t)t->exited[i]));
    return o;
}

static void print_tally(const char *title, const tally *t)
{
    printf("%s:\n", title);
    if (!t->n)
        printf("  none\n");
    for (size_t i = 0; i < t->n; i++)
        printf("  %-22s live %-6" PRIu64 " revoked %-6" PRIu64 " exited %" PRIu64 "\n",
               ctl_text(t->name[i]), t->live[i], t->revoked[i], t->exited[i]);
}

static void xml_escape(const char *s)
{
    for (; *s; s++)
        switch (*s) {
        case '&':
            fputs("&amp;", stdout);
            break;
        case '<':
            fputs("&lt;", stdout);
            break;
        case '>':
            fputs("&gt;", stdout);
            break;
        case '"':
            fputs("&quot;", stdout);
            break;
        default:
            putchar(*s);
        }
}

/* One horizontal bar chart at y0: live in blue, revoked in red after it,
 * exited in grey after that. */
static int svg_chart(const char *title, const tally *t, int y0)
{
    uint64_t max = 1;
    for (size_t i = 0; i < t->n; i++)
        if (t->live[i] + t->revoked[i] + t->exited[i] > max)
            max = t->live[i] + t->revoked[i] + t->exited[i];
    printf("<text x=\"10\" y=\"%d\" font-size=\"16\" font-weight=\"bold\">", y0 + 16);
    xml_escape(title);
    printf("</text>\n");
    int y = y0 + 28;
    for (size_t i = 0; i < t->n; i++, y += 24) {
        int wl = (int)(t->live[i] * 400 / max), wr = (int)(t->revoked[i] * 400 / max);
        int wx = (int)(t->exited[i] * 400 / max);
        printf("<text x=\"150\" y=\"%d\" text-anchor=\"end\" font-size=\"13\">", y + 14);
        xml_escape(t->name[i]);
        printf("</text>\n<rect class=\"live\" x=\"160\" y=\"%d\" width=\"%d\" height=\"18\" "
               "fill=\"#3b6fb6\"/>\n<rect class=\"revoked\" x=\"%d\" y=\"%d\" width=\"%d\" "
               "height=\"18\" fill=\"#c0392b\"/>\n",
               y, wl, 160 + wl, y, wr);
        printf("<rect class=\"exited\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"18\" "
               "fill=\"#95a5a6\"/>\n",
               160 + wl + wr, y, wx);
        printf("<text x=\"%d\" y=\"%d\" font-size=\"12\">%" PRIu64 " / %" PRIu64 " / %" PRIu64
               "</text>\n",
               166 + wl + wr + wx, y + 14, t->live[i], t->revoked[i], t->exited[i]);
    }
    return y + 10;
}

static void print_svg(const stats *s, const char *scope)
{
    int h = 60 + 2 * 40 + 24 * (int)(s->by[BY_DISTRICT].n + s->by[BY_GRADE].n) + 30;
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"680\" height=\"%d\" "
           "viewBox=\"0 0 680 %d\" font-family=\"sans-serif\">\n"
           "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
           h, h);
    printf("<text x=\"10\" y=\"22\" font-size=\"18\">sub-bases %s: %" PRIu64 " live, %" PRIu64
           " revoked, %" PRIu64 " exited (blue live, red revoked, grey exited)</text>\n",
           scope, s->live, s->revoked, s->exited);
    int y = svg_chart(breakdowns[BY_DISTRICT].title, &s->by[BY_DISTRICT], 34);
    svg_chart(breakdowns[BY_GRADE].title, &s->by[BY_GRADE], y);
    printf("</svg>\n");
}

int ctl_verb_stats(ctl *c, const verb *v, char **args)
{
    (void)v, (void)args;
    const char *format = c->out.json ? "json" : c->format ? c->format : "text";
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "svg"))
        return usage_fail(c, "unknown format \"%s\" (expected text, json, svg)", format);
    stats *s = calloc(1, sizeof *s);
    if (!s)
        return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    char today[SB_DATE_STRLEN], scope[32] = "in all years";
    sb_date_format(sb_date_from_ms(sb_clock_now_ms()), today);
    uint32_t year = (uint32_t)c->year;
    if (year)
        snprintf(scope, sizeof scope, "certified in %u", year);
    uint64_t read = 0;
    bool progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
    int r = walk(c, s, SKILLBASE__KIND__APPLICATION, today, year, &read, progress);
    if (!r)
        r = walk(c, s, SKILLBASE__KIND__BASE, today, year, &read, progress);
    if (progress && read)
        fprintf(stderr, "\r\033[K");
    if (!r && strcmp(format, "json") == 0) {
        json_t *bases = json_pack(
            "{s:I, s:I, s:I, s:I, s:I}", "live", (json_int_t)s->live, "revoked",
            (json_int_t)s->revoked, "exited", (json_int_t)s->exited, "plaque_not_returned",
            (json_int_t)s->plaque_not_returned, "assessments_overdue", (json_int_t)s->overdue);
        for (size_t i = 0; bases && i < N_BREAKDOWNS; i++)
            json_object_set_new(bases, breakdowns[i].json, tally_json(&s->by[i]));
        json_t *doc =
            json_pack("{s:i, s:{s:I, s:I, s:I, s:I, s:I}, s:o*}", "year", (int)year, "applications",
                      "received", (json_int_t)s->received, "rejected", (json_int_t)s->rejected,
                      "withdrawn", (json_int_t)s->withdrawn, "certified", (json_int_t)s->certified,
                      "open", (json_int_t)s->in_progress, "sub_bases", bases);
        if (ctl_print_json(doc))
            r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    } else if (!r && strcmp(format, "svg") == 0) {
        print_svg(s, scope);
    } else if (!r) {
        printf("applications%s%s: received %" PRIu64 ", rejected %" PRIu64 ", withdrawn %" PRIu64
               ", certified %" PRIu64 ", still open %" PRIu64 "\n",
               year ? " in " : "", year ? scope + 13 : "", s->received, s->rejected, s->withdrawn,
               s->certified, s->in_progress);
        printf("sub-bases %s: live %" PRIu64 ", revoked %" PRIu64 ", exited %" PRIu64
               "; plaques not returned %" PRIu64 "; assessments overdue today: %" PRIu64 "\n",
               scope, s->live, s->revoked, s->exited, s->plaque_not_returned, s->overdue);
        for (size_t i = 0; i < N_BREAKDOWNS; i++)
            print_tally(breakdowns[i].title, &s->by[i]);
    }
    free(s);
    return r;
}
