/* ctl_records: skillbasectl's verbs on applications and sub-bases — apply,
 * the transitions (review, object, close-publicity, reject, withdraw, ...),
 * evaluate, assess, revoke — and the reads show, list, history and status.
 */
#include "ctl.h"
#include "pbjson.h"

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
    req.command_case = v->command;
    *(Skillbase__Transition **)((char *)&req + f->offset) = &t;
    return ctl_run_write(c, &req);
}

int ctl_verb_evaluate(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Evaluate e = SKILLBASE__EVALUATE__INIT;

    (void)v;
    if (c->outcome == 0 || c->outcome == 2)
        return usage_fail(c, "evaluate needs exactly one of --pass or --fail");
    e.id = args[0];
    e.reason = (char *)c->reason;
    e.passed = c->outcome > 0;
    req.command_case = SKILLBASE__REQUEST__COMMAND_EVALUATE;
    req.evaluate = &e;
    return ctl_run_write(c, &req);
}

int ctl_verb_assess(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Assess a = SKILLBASE__ASSESS__INIT;
    ProtobufCMessage *scores;
    int r;

    (void)v;
    if (!c->file)
        return usage_fail(c, "assess needs -f SCORES.json");
    r = ctl_read_json(c, c->file, &skillbase__scores__descriptor, &scores);
    if (r)
        return r;
    a.id = args[0];
    a.reason = (char *)c->reason;
    a.scores = (Skillbase__Scores *)scores;
    req.command_case = SKILLBASE__REQUEST__COMMAND_ASSESS;
    req.assess = &a;
    r = ctl_run_write(c, &req);
    protobuf_c_message_free_unpacked(scores, NULL);
    return r;
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

/* After the fields, what an operator looks for first: a sub-base's result
 * of each assessment cycle, and the documents of the record as a table. */
static void print_glance(const Skillbase__Record *rec)
{
    char grade[32];
    printf("\n");
    if (rec->record_case == SKILLBASE__RECORD__RECORD_SUB_BASE && rec->sub_base) {
        const Skillbase__Base *b = rec->sub_base;
        printf("results per cycle (two years each from %s, 五(一)):%s\n", ctl_text(b->certified_on),
               b->n_assessments ? "" : " none yet");
        for (size_t i = 0; i < b->n_assessments; i++) {
            const Skillbase__Assessment *a = b->assessments[i];
            const char *g = pbjson_enum_name(&skillbase__grade__descriptor, a->grade, grade,
                                             sizeof grade);
            printf("  %zu. %s  total %" PRIu32 " (base %" PRIu32 ", bonus %" PRIu32 ")  %s  by %s\n",
                   i + 1, ctl_text(a->assessed_on), a->total, a->base_total, a->bonus_total,
                   g ? g : "?", ctl_text(a->assessor));
        }
        if (b->state == SKILLBASE__STATE__REVOKED)
            printf("  revoked on %s\n", ctl_text(b->revoked_on));
        else
            printf("  next due %s\n", ctl_text(b->next_assessment_due));
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
    else if (!c->out.json)
        print_glance(reply->record);
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
