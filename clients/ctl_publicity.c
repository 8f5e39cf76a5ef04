/* skillbasectl publicity-list: the proposed list (拟认定名单) the bureau
 * publicises, policy 二(三)2 (docs/cli.md "publicity-list").
 *
 *   publicity-list [--date D] [--format text|csv|json|html] [--template FILE]
 *                  [--objection-file FILE]
 *
 * The applications in publicity on date D (default today, Hangzhou): their
 * publicity began on or before D and, once its end is known, ends on or
 * after D. Read page by page with the list command (one read transaction
 * per page): the applications in publicity now, and for an earlier date
 * also the certified ones, whose window is kept on the record.
 *
 * Rows are read through row_from() only, so a change of where the window is
 * kept touches one function. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_list.h"
#include "pbjson.h"
#include "sb_clock.h"
#include "sb_date.h"
#include "sb_paths.h"

/* 二(三)2: 名称由"杭州市公共实训基地+名称或区域+分基地"组成. */
#define NAME_PREFIX "杭州市公共实训基地"
#define NAME_SUFFIX "分基地"
#define TBD "待定"

typedef struct {
    char *id, *name, *unit, *credit_code, *district, *projects, *start, *end;
} row;

typedef struct {
    row *v;
    size_t n, cap;
} rows;

static char *dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dupf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* The publicity window of an application: start and end ("" unknown). */
static void window_of(const Skillbase__Application *a, const char **start, const char **end)
{
    *start = a->publicity_started_on ? a->publicity_started_on : "";
    *end = a->publicity_ends_on ? a->publicity_ends_on : "";
}

/* Whether application `a` was in publicity on `date`. */
static bool covers(const Skillbase__Application *a, const char *date, bool in_publicity_now)
{
    const char *start, *end;
    window_of(a, &start, &end);
    if (!start[0] || strcmp(start, date) > 0)
        return false;
    if (end[0])
        return strcmp(date, end) <= 0;
    return in_publicity_now; /* end not yet known: open while still in publicity */
}

static int row_from(const Skillbase__Application *a, row *r)
{
    const Skillbase__ApplicationForm *f = a->form;
    const Skillbase__Unit *u = f && f->unit ? f->unit : NULL;
    const char *start, *end;
    window_of(a, &start, &end);
    size_t len = 1;
    for (size_t i = 0; f && i < f->n_projects; i++)
        len += strlen(f->projects[i]->occupation) + strlen(f->projects[i]->level) + 16;
    char *p = calloc(1, len);
    if (!p)
        return -1;
    for (size_t i = 0; f && i < f->n_projects; i++) {
        if (i)
            strcat(p, "；");
        strcat(p, f->projects[i]->occupation);
        if (f->projects[i]->level[0]) {
            strcat(p, "（");
            strcat(p, f->projects[i]->level);
            strcat(p, "）");
        }
    }
    *r = (row){
        .id = strdup(a->id),
        .name = dupf("%s%s%s", NAME_PREFIX, f ? f->base_name : "", NAME_SUFFIX),
        .unit = strdup(u ? u->name : ""),
        .credit_code = strdup(u ? u->credit_code : ""),
        .district = strdup(u ? u->district : ""),
        .projects = p,
        .start = strdup(start),
        .end = strdup(end[0] ? end : TBD),
    };
    return r->id && r->name && r->unit && r->credit_code && r->district && r->start && r->end ? 0
                                                                                              : -1;
}

static void rows_free(rows *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        row *r = &rs->v[i];
        free(r->id), free(r->name), free(r->unit), free(r->credit_code);
        free(r->district), free(r->projects), free(r->start), free(r->end);
    }
    free(rs->v);
}

typedef struct {
    ctl *c;
    rows *rs;
    const char *date;
    bool in_publicity;
} walker;

static int one_application(void *ctx, const Skillbase__Record *rec)
{
    const walker *w = ctx;
    const Skillbase__Application *a = rec->application;
    rows *rs = w->rs;
    if (!a || !covers(a, w->date, w->in_publicity))
        return 0;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 16;
        row *v = realloc(rs->v, cap * sizeof *v);
        if (!v)
            return ctl_fail(w->c, EXIT_REFUSED, "internal", "out of memory");
        rs->v = v, rs->cap = cap;
    }
    if (row_from(a, &rs->v[rs->n++]))
        return ctl_fail(w->c, EXIT_REFUSED, "internal", "out of memory");
    return 0;
}

/* Every application of `state` that covers `date`, page by page. */
static int collect(ctl *c, Skillbase__State state, const char *date, rows *rs, uint64_t *read)
{
    walker w = {c, rs, date, state == SKILLBASE__STATE__IN_PUBLICITY};
    /* a long export shows that it is moving, on a terminal only */
    bool tty = isatty(STDERR_FILENO);
    ctl_list_walk lw = {.kind = SKILLBASE__KIND__APPLICATION,
                        .state = state,
                        .progress = tty ? "publicity-list" : NULL,
                        .noun = "applications",
                        .read = read};
    int r = ctl_list_each(c, &lw, one_application, &w);
    if (tty)
        fprintf(stderr, "\r\033[K");
    return r;
}

static int by_start_then_id(const void *a, const void *b)
{
    const row *x = a, *y = b;
    int d = strcmp(x->start, y->start);
    return d ? d : strcmp(x->id, y->id);
}

/* The objection text: the file's lines, "#" lines left out, joined. */
static char *read_objection(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[4096];
    size_t len = 0;
    char *out = calloc(1, 1);
    while (out && fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        char *n = realloc(out, len + strlen(line) + 2);
        if (!n) {
            free(out);
            out = NULL;
            break;
        }
        out = n;
        if (len)
            out[len++] = ' ';
        strcpy(out + len, line);
        len += strlen(line);
    }
    fclose(f);
    return out;
}

/* ------------------------------------------------------------ output */

void ctl_csv_field(FILE *o, const char *s, bool last)
{
    /* RFC 4180: every field quoted, quotes doubled; a leading = + - @ is
     * prefixed with ' so a spreadsheet does not run it as a formula */
    fputc('"', o);
    if (strchr("=+-@", s[0]) && s[0])
        fputc('\'', o);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', o);
        fputc(*s, o);
    }
    fputc('"', o);
    fputs(last ? "\r\n" : ",", o);
}

static void html_escape(FILE *o, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", o);
            break;
        case '<':
            fputs("&lt;", o);
            break;
        case '>':
            fputs("&gt;", o);
            break;
        case '"':
            fputs("&quot;", o);
            break;
        case '\'':
            fputs("&#39;", o);
            break;
        default:
            fputc(*s, o);
        }
    }
}

static void html_rows(FILE *o, const rows *rs)
{
    if (!rs->n) {
        fputs("<tr><td colspan=\"7\"><p class=\"none\">本期无拟认定单位</p></td></tr>\n", o);
        return;
    }
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->v[i];
        fprintf(o, "<tr data-id=\"");
        html_escape(o, r->id);
        fprintf(o, "\"><td>%zu</td><td>", i + 1);
        html_escape(o, r->name);
        fputs("</td><td>", o);
        html_escape(o, r->unit);
        fputs("</td><td class=\"code\">", o);
        html_escape(o, r->credit_code);
        fputs("</td><td>", o);
        html_escape(o, r->district);
        fputs("</td><td>", o);
        html_escape(o, r->projects);
        fputs("</td><td>", o);
        html_escape(o, r->start);
        fputs(" 至 ", o);
        html_escape(o, r->end);
        fputs("</td></tr>\n", o);
    }
}

static int print_html(ctl *c, const char *template_path, const rows *rs, const char *date,
                      const char *objection)
{
    FILE *t = fopen(template_path, "r");
    if (!t)
        return usage_fail(c, "cannot read the template %s: %m", template_path);
    char *tpl = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&tpl, &cap, '\0', t);
    fclose(t);
    if (n <= 0) {
        free(tpl);
        return usage_fail(c, "the template %s is empty", template_path);
    }
    char count[32], generated[64];
    snprintf(count, sizeof count, "%zu", rs->n);
    time_t now = (time_t)(sb_clock_now_ms() / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(generated, sizeof generated, "%Y-%m-%d %H:%M（北京时间）", &tm);
    const char *p = tpl;
    while (*p) {
        const char *open = strstr(p, "{{");
        if (!open) {
            fputs(p, stdout);
            break;
        }
        fwrite(p, 1, (size_t)(open - p), stdout);
        const char *close = strstr(open, "}}");
        if (!close) {
            fputs(open, stdout);
            break;
        }
        size_t len = (size_t)(close - open - 2);
        const char *key = open + 2;
        if (len == 4 && !strncmp(key, "date", 4))
            html_escape(stdout, date);
        else if (len == 5 && !strncmp(key, "count", 5))
            html_escape(stdout, count);
        else if (len == 4 && !strncmp(key, "rows", 4))
            html_rows(stdout, rs);
        else if (len == 9 && !strncmp(key, "objection", 9))
            html_escape(stdout, objection);
        else if (len == 9 && !strncmp(key, "generated", 9))
            html_escape(stdout, generated);
        else
            fwrite(open, 1, len + 4, stdout); /* not ours: as written */
        p = close + 2;
    }
    free(tpl);
    return EXIT_DONE;
}

static const char *const headers[] = {"id",
                                      "name",
                                      "unit",
                                      "credit_code",
                                      "district",
                                      "projects",
                                      "publicity_start",
                                      "publicity_end",
                                      "objection"};

static int print_rows(ctl *c, const char *format, const rows *rs, const char *date,
                      const char *objection, const char *template_path)
{
    if (strcmp(format, "html") == 0)
        return print_html(c, template_path, rs, date, objection);
    if (strcmp(format, "json") == 0) {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < rs->n; i++) {
            const row *r = &rs->v[i];
            const char *vals[] = {r->id,       r->name,  r->unit, r->credit_code, r->district,
                                  r->projects, r->start, r->end,  objection};
            json_t *o = json_object();
            for (size_t k = 0; o && k < 9; k++)
                json_object_set_new(o, headers[k], json_string(vals[k]));
            json_array_append_new(arr, o);
        }
        json_t *doc = json_pack("{s:s, s:o}", "date", date, "applications", arr);
        return ctl_print_json(doc) ? ctl_fail(c, EXIT_REFUSED, "internal", "out of memory")
                                   : EXIT_DONE;
    }
    if (strcmp(format, "csv") == 0) {
        /* UTF-8 with a byte-order mark: a spreadsheet then reads it as UTF-8 */
        fputs("\xEF\xBB\xBF", stdout);
        for (size_t k = 0; k < 9; k++)
            ctl_csv_field(stdout, headers[k], k == 8);
        for (size_t i = 0; i < rs->n; i++) {
            const row *r = &rs->v[i];
            const char *vals[] = {r->id,       r->name,  r->unit, r->credit_code, r->district,
                                  r->projects, r->start, r->end,  objection};
            for (size_t k = 0; k < 9; k++)
                ctl_csv_field(stdout, vals[k], k == 8);
        }
        return EXIT_DONE;
    }
    printf("拟认定名单 (proposed list), in publicity on %s: %zu\n", date, rs->n);
    for (size_t i = 0; i < rs->n; i++) {
        const row *r = &rs->v[i];
        printf("%zu. %s  %s\n   %s  %s  %s\n   projects: %s\n   publicity: %s to %s\n", i + 1,
               ctl_text(r->id), ctl_text(r->name), ctl_text(r->unit), ctl_text(r->credit_code),
               ctl_text(r->district), ctl_text(r->projects), ctl_text(r->start), ctl_text(r->end));
    }
    printf("objections: %s\n", ctl_text(objection));
    return EXIT_DONE;
}

int ctl_verb_publicity_list(ctl *c, const verb *v, char **args)
{
    (void)v, (void)args;
    const char *format = c->format ? c->format : "text";
    if (strcmp(format, "text") && strcmp(format, "csv") && strcmp(format, "json") &&
        strcmp(format, "html"))
        return usage_fail(c, "unknown format \"%s\" (expected text, csv, json, html)", format);
    if (c->out.json)
        format = "json";
    char today[SB_DATE_STRLEN], date[SB_DATE_STRLEN];
    sb_date_format(sb_date_from_ms(sb_clock_now_ms()), today);
    if (c->date) {
        sb_date d;
        if (sb_date_parse(c->date, &d))
            return usage_fail(c, "bad value \"%s\" for --date (YYYY-MM-DD)", c->date);
        sb_date_format(d, date);
    } else {
        memcpy(date, today, sizeof date);
    }
    char *objection = read_objection(c->objection_file ? c->objection_file
                                                       : SB_PATH_PUBLICITY_DIR "/objection.txt");
    if (!objection)
        return usage_fail(c, "cannot read the objection text %s",
                          c->objection_file ? c->objection_file
                                            : SB_PATH_PUBLICITY_DIR "/objection.txt");
    rows rs = {0};
    uint64_t read = 0;
    int r = collect(c, SKILLBASE__STATE__IN_PUBLICITY, date, &rs, &read);
    /* an earlier date: those certified since were in publicity then */
    if (!r && strcmp(date, today) < 0)
        r = collect(c, SKILLBASE__STATE__CERTIFIED, date, &rs, &read);
    if (!r) {
        if (rs.n)
            qsort(rs.v, rs.n, sizeof *rs.v, by_start_then_id);
        r = print_rows(c, format, &rs, date, objection,
                       c->template_file ? c->template_file
                                        : SB_PATH_PUBLICITY_DIR "/publicity-list.html");
    }
    rows_free(&rs);
    free(objection);
    return r;
}
