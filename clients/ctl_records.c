/* ctl_records: skillbasectl's verbs on applications and sub-bases — apply,
 * the transitions (review, object, close-publicity, reject, withdraw, ...),
 * evaluate, assess, revoke — and the reads show, list, history and status.
 */
#include "ctl.h"
#include "ctl_results.h"
#include "pbjson.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>

int ctl_verb_apply(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Apply apply = SKILLBASE__APPLY__INIT;
    ProtobufCMessage *form;
    int r = ctl_read_json(c, args[0], &skillbase__application_form__descriptor, &form);

    (void)v;
    if (r)
        return r;
    apply.form = (Skillbase__ApplicationForm *)form;
    Skillbase__Waiver waivers[CTL_WAIVE_MAX], *wp[CTL_WAIVE_MAX];
    for (size_t i = 0; i < c->n_waive; i++) {
        skillbase__waiver__init(&waivers[i]);
        waivers[i].condition = (char *)c->waive[i];
        waivers[i].reason = (char *)c->waive_reason[i];
        wp[i] = &waivers[i];
    }
    apply.waivers = wp;
    apply.n_waivers = c->n_waive;
    req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    req.apply = &apply;
    r = ctl_run_write(c, &req);
    protobuf_c_message_free_unpacked(form, NULL);
    return r;
}

int ctl_verb_transition(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    /* The oneof member that carries a Transition for this command. */
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&skillbase__request__descriptor, v->command);

    t.id = args[0];
    t.reason = (char *)c->reason;
    t.name = (char *)c->new_name;
    req.command_case = v->command;
    *(Skillbase__Transition **)((char *)&req + f->offset) = &t;
    return ctl_run_write(c, &req);
}

/* --experts "张三,李四,王五": the names, split at ASCII or full-width
 * commas or 、, blanks trimmed, into names (at most max); returns the count.
 * The pieces point into buf (a copy of the text). */
static size_t split_experts(const char *text, char *buf, size_t len, char **names, size_t max)
{
    static const char *const seps[] = {",", "，", "、"};
    size_t n = 0;
    if (!text)
        return 0;
    snprintf(buf, len, "%s", text);
    char *p = buf;
    while (*p && n < max) {
        char *end = NULL;
        size_t sep_len = 0;
        for (size_t i = 0; i < sizeof seps / sizeof seps[0]; i++) {
            char *hit = strstr(p, seps[i]);
            if (hit && (!end || hit < end)) {
                end = hit;
                sep_len = strlen(seps[i]);
            }
        }
        if (end)
            *end = '\0';
        while (*p == ' ')
            p++;
        size_t l = strlen(p);
        while (l && p[l - 1] == ' ')
            p[--l] = '\0';
        names[n++] = p;
        if (!end)
            break;
        p = end + sep_len;
    }
    return n;
}

#define EXPERTS_MAX 32

int ctl_verb_evaluate(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Evaluate e = SKILLBASE__EVALUATE__INIT;
    char buf[4096], *names[EXPERTS_MAX];

    (void)v;
    if (c->outcome == 0 || c->outcome == 2)
        return usage_fail(c, "evaluate needs exactly one of --pass or --fail");
    e.id = args[0];
    e.reason = (char *)c->reason;
    e.passed = c->outcome > 0;
    e.n_experts = split_experts(c->experts, buf, sizeof buf, names, EXPERTS_MAX);
    e.experts = names;
    e.visited_on = (char *)(c->visited_on ? c->visited_on : "");
    e.report = (char *)(c->report ? c->report : "");
    req.command_case = SKILLBASE__REQUEST__COMMAND_EVALUATE;
    req.evaluate = &e;
    return ctl_run_write(c, &req);
}

/* A scores file: {"basic_construction": 22.5, ...}, each a number of points
 * with at most one decimal, into *ret in tenths of a point. */
static int read_scores_tenths(ctl *c, const char *path, Skillbase__Scores *ret)
{
    bool is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "<stdin>" : path;
    json_error_t jerr;
    FILE *fp = is_stdin ? stdin : fopen(path, "r");
    if (!fp)
        return usage_fail(c, "cannot read %s: %s", shown, strerror(errno));
    json_t *json = json_loadf(fp, JSON_REJECT_DUPLICATES, &jerr);
    if (!is_stdin)
        fclose(fp);
    if (!json)
        return usage_fail(c, "%s: line %d, column %d: %s", shown, jerr.line, jerr.column,
                          jerr.text);
    int r = 0;
    const char *key;
    json_t *val;
    if (!json_is_object(json))
        r = usage_fail(c, "%s: not a JSON object of scores", shown);
    json_object_foreach(json, key, val)
    {
        if (r)
            break;
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(&skillbase__scores__descriptor, key);
        double d = json_is_number(val) ? json_number_value(val) : -1;
        long long t = llround(d * 10);
        if (!f)
            r = usage_fail(c, "%s: %s is not a rubric item", shown, key);
        else if (!json_is_number(val) || d < 0 || d > 1000)
            r = usage_fail(c, "%s: %s: not a number of points from 0", shown, key);
        else if (fabs(d * 10 - (double)t) > 1e-6)
            r = usage_fail(c, "%s: %s: %g has more than one decimal", shown, key, d);
        else
            *(uint32_t *)((char *)ret + f->offset) = (uint32_t)t;
    }
    json_decref(json);
    return r;
}

int ctl_verb_assess(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Assess a = SKILLBASE__ASSESS__INIT;
    Skillbase__Scores tenths = SKILLBASE__SCORES__INIT;
    char buf[4096], *names[EXPERTS_MAX];
    int r;

    (void)v;
    if (!c->file)
        return usage_fail(c, "assess needs -f SCORES.json");
    r = read_scores_tenths(c, c->file, &tenths);
    if (r)
        return r;
    a.id = args[0];
    a.reason = (char *)c->reason;
    a.scores_tenths = &tenths;
    a.correct = c->correct;
    a.n_experts = split_experts(c->experts, buf, sizeof buf, names, EXPERTS_MAX);
    a.experts = names;
    a.visited_on = (char *)(c->visited_on ? c->visited_on : "");
    a.report = (char *)(c->report ? c->report : "");
    req.command_case = SKILLBASE__REQUEST__COMMAND_ASSESS;
    req.assess = &a;
    return ctl_run_write(c, &req);
}

int ctl_verb_revoke(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Revoke rv = SKILLBASE__REVOKE__INIT;
    char choices[256];

    (void)v;
    if (!c->cause) {
        ctl_enum_choices(&skillbase__cause__descriptor, SKILLBASE__CAUSE__ASSESSMENT_FAILED,
                         choices, sizeof choices);
        return usage_fail(c, "revoke needs --cause (%s)", choices);
    }
    rv.id = args[0];
    rv.reason = (char *)c->reason;
    rv.cause = c->cause;
    req.command_case = SKILLBASE__REQUEST__COMMAND_REVOKE;
    req.revoke = &rv;
    return ctl_run_write(c, &req);
}

/* For people: when an application's publicity ends and what happens then
 * (二(三)2: certified once it has run its course without an objection). */
static void print_publicity(const Skillbase__Record *rec)
{
    const Skillbase__Application *a =
        rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION ? rec->application : NULL;
    if (!a)
        return;
    if (a->state == SKILLBASE__STATE__IN_PUBLICITY && a->publicity_ends_on &&
        a->publicity_ends_on[0])
        printf("publicity ends: %s at 24:00 Hangzhou time; then skillbase-deadlines certifies "
               "the application (with [four_eyes] certify on: a proposal a second operator "
               "confirms) unless an objection is filed first; close-publicity is refused "
               "until then\n",
               a->publicity_ends_on);
    else if (a->state == SKILLBASE__STATE__UNDER_REVIEW && a->objection_open)
        printf("publicity: stopped by an objection with %u working day%s used; dismissing it "
               "resumes the rest, upholding it rejects the application\n",
               a->publicity_days_used, a->publicity_days_used == 1 ? "" : "s");
}

/* One line of `show`'s results: a result of one cycle. */
static int print_result(void *ctx, const ctl_result *r)
{
    const Skillbase__Base *b = ctx;
    char grade[32], cause[48], total[16], part[16], from[SB_DATE_STRLEN], to[SB_DATE_STRLEN];
    const char *g = pbjson_enum_name(&skillbase__grade__descriptor, r->grade, grade, sizeof grade);
    if (ctl_results_cycle_span(b->certified_on, r->cycle, from, to))
        printf("  cycle %u (%s to %s): ", (unsigned)r->cycle, from, to);
    else
        printf("  cycle ?: ");
    printf("%s  ", ctl_text(r->date));
    if (r->direct_fail) {
        printf("direct fail (五(三)), cause %s",
               pbjson_enum_name(&skillbase__cause__descriptor, r->cause, cause, sizeof cause)
                   ?: "?");
    } else {
        printf("total %s ", ctl_results_total(r, total, sizeof total));
        printf("(base %s, ", ctl_results_points(r->base_tenths, part, sizeof part));
        printf("bonus %s)  %s", ctl_results_points(r->bonus_tenths, part, sizeof part),
               g ? g : "?");
    }
    if (r->by[0])
        printf("  by %s", ctl_text(r->by));
    if (r->correction)
        printf("  correction: %s", ctl_text(r->reason));
    if (r->superseded)
        printf("  (superseded by a correction)");
    printf("\n");
    return 0;
}

/* After the fields, what an operator looks for first: a sub-base's result
 * of each assessment cycle (corrected ones kept, marked), and the documents
 * of the record as a table. */
static void print_glance(const Skillbase__Record *rec)
{
    printf("\n");
    if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base) {
        const Skillbase__Base *b = rec->sub_base;
        if (b->base_level == SKILLBASE__BASE_LEVEL__DISTRICT)
            printf("level: district (区、县（市）级, 六(五)): %s's bureau\n",
                   ctl_text(b->district));
        else
            printf("level: city (市级)\n");
        ctl_result last;
        printf("results per cycle (two years each from %s, 五(一)):%s\n", ctl_text(b->certified_on),
               ctl_results_latest(b, &last) ? "" : " none yet");
        ctl_results_each(b, true, print_result, (void *)b);
        if (b->state == SKILLBASE__STATE__REVOKED)
            printf("  revoked on %s\n", ctl_text(b->revoked_on));
        else if (b->state == SKILLBASE__STATE__EXITED)
            printf("  exited on %s (a voluntary exit, not a revocation)\n", ctl_text(b->exited_on));
        else
            printf("  next due %s\n", ctl_text(b->next_assessment_due));
        if (b->state == SKILLBASE__STATE__REVOKED || b->state == SKILLBASE__STATE__EXITED)
            printf("plaque: %s%s\n",
                   b->plaque_returned_on[0] ? "returned on " : "not yet recorded returned",
                   b->plaque_returned_on[0] ? ctl_text(b->plaque_returned_on) : "");
        if (b->n_project_reviews)
            printf("proposed projects (the bureau approves or refuses each):\n");
        for (size_t i = 0; i < b->n_project_reviews; i++) {
            const Skillbase__ProjectReview *r = b->project_reviews[i];
            char st[32];
            printf("  %u. %s%s%s  %s on %s by %s\n", r->number,
                   ctl_text(r->project ? r->project->occupation : ""),
                   r->project && r->project->level[0] ? "/" : "",
                   ctl_text(r->project ? r->project->level : ""),
                   pbjson_enum_name(&skillbase__project_review_state__descriptor, r->state, st,
                                    sizeof st)
                       ?: "?",
                   ctl_text(r->state == SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_PROPOSED
                                ? r->proposed_on
                                : r->decided_on),
                   ctl_text(r->state == SKILLBASE__PROJECT_REVIEW_STATE__PROJECT_PROPOSED
                                ? r->proposed_by
                                : r->decided_by));
        }
        ctl_print_documents(b->documents, b->n_documents);
    } else if (rec->record_case == SKILLBASE__RECORD__RECORD_APPLICATION && rec->application) {
        ctl_print_documents(rec->application->documents, rec->application->n_documents);
    }
}

int ctl_verb_show(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get get = SKILLBASE__GET__INIT;
    Skillbase__Reply *reply;
    int r;

    (void)v;
    get.id = args[0];
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &get;
    r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_RECORD, &reply);
    if (r)
        return r;
    if (ctl_print_record(&c->out, reply->record) < 0)
        r = ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon's reply carries an empty record");
    else if (!c->out.json) {
        print_publicity(reply->record);
        print_glance(reply->record);
    }
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}

int ctl_verb_list(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__List list = SKILLBASE__LIST__INIT;
    char *after = strdup(c->after ? c->after : "");
    int r = 0;
    uint64_t listed = 0;
    /* progress on a terminal, when the records themselves go elsewhere */
    bool progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);

    (void)v, (void)args;
    if (c->kind < 0) {
        free(after);
        return usage_fail(c, "unknown kind \"%s\" (expected application, base)", c->doc_kind);
    }
    list.state = c->state;
    list.kind = c->kind;
    list.limit = (uint32_t)c->limit;
    req.command_case = SKILLBASE__REQUEST__COMMAND_LIST;
    req.list = &list;
    /* Every page unless --limit asked for one; stop too if `next` does not
     * move, so a confused daemon cannot loop us forever. */
    while (after) {
        Skillbase__Reply *reply;
        const Skillbase__RecordPage *page;

        list.after = after;
        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_PAGE, &reply);
        if (r)
            goto out;
        page = reply->page;
        if (ctl_print_records(&c->out, page->records, page->n_records) < 0) {
            skillbase__reply__free_unpacked(reply, NULL);
            r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
            goto out;
        }
        char *next =
            !c->limit && *page->next && strcmp(page->next, after) != 0 ? strdup(page->next) : NULL;
        listed += page->n_records;
        /* a long export into a file shows that it moves (docs/cli.md) */
        if (progress)
            fprintf(stderr, "\rlist: %" PRIu64 " records", listed);
        skillbase__reply__free_unpacked(reply, NULL);
        free(after);
        after = next;
    }
    ctl_output_finish(&c->out);
out:
    if (progress && listed)
        fprintf(stderr, "\r\033[K");
    free(after);
    return r;
}

/* history: the events of one record, page by page (events: ctl_events.c). */
int ctl_verb_history(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__History hist = SKILLBASE__HISTORY__INIT;
    int r = 0;

    (void)v;
    hist.id = args[0];
    hist.limit = (uint32_t)c->limit;
    req.command_case = SKILLBASE__REQUEST__COMMAND_HISTORY;
    req.history = &hist;
    for (;;) {
        Skillbase__Reply *reply;
        const Skillbase__EventPage *page;
        uint64_t next;

        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_EVENTS, &reply);
        if (r)
            return r;
        page = reply->events;
        if (ctl_print_events(&c->out, page->events, page->n_events, false) < 0) {
            skillbase__reply__free_unpacked(reply, NULL);
            return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        }
        /* the page's next_seq is the next request's from_seq (docs/protocol.md,
         * "Paging"); it must move forward */
        next = page->next_seq;
        if (next && next > hist.from_seq && !c->limit)
            hist.from_seq = next;
        else
            next = 0;
        skillbase__reply__free_unpacked(reply, NULL);
        if (!next)
            break;
    }
    ctl_output_finish(&c->out);
    return r;
}

int ctl_verb_status(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    Skillbase__Reply *reply;
    int r;

    (void)v, (void)args;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_STATUS, &reply);
    if (r)
        return r;
    if (ctl_print_status(&c->out, reply->status) < 0)
        r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}
