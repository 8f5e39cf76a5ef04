/* skillbasectl events and ingest: read a range of the event log, follow it
 * live (skillbase_follow.h), and report a fact as another service would.
 * docs/cli.md and docs/events.md are the specification.
 */
#include "ctl.h"
#include "pbjson.h"
#include "sb_error.h"
#include "skillbase_follow.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ printing */

/* An event as JSON: the proto's JSON form (pbjson), and for JSON lines
 * (`with_hashes`: the archive format) its bytes fields too — the audit hash
 * chain, which pbjson leaves out — as lower-case hex, so an archive can be
 * checked against the chain. (The --json array keeps pbjson's form, which
 * pbjson reads back, e.g. skillbase-notify --preview.) NULL when out of
 * memory. */
static json_t *event_json(const Skillbase__Event *ev, bool with_hashes)
{
    static const char digits[] = "0123456789abcdef";
    const ProtobufCMessageDescriptor *d = ev->base.descriptor;
    json_t *j = pbjson_from_message(&ev->base);

    for (unsigned i = 0; j && with_hashes && i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const ProtobufCBinaryData *b;
        char *hex;

        if (f->type != PROTOBUF_C_TYPE_BYTES || f->label == PROTOBUF_C_LABEL_REPEATED)
            continue;
        b = (const ProtobufCBinaryData *)((const char *)ev + f->offset);
        if (!b->len)
            continue;
        hex = malloc(2 * b->len + 1);
        if (!hex) {
            json_decref(j);
            return NULL;
        }
        for (size_t k = 0; k < b->len; k++) {
            hex[2 * k] = digits[b->data[k] >> 4];
            hex[2 * k + 1] = digits[b->data[k] & 15];
        }
        hex[2 * b->len] = '\0';
        if (json_object_set_new(j, f->name, json_string(hex))) {
            json_decref(j);
            j = NULL;
        }
        free(hex);
    }
    return j;
}

/* One event: a line for people, a JSON object per line for --json-lines,
 * or an element of the array --json prints at the end (*array). */
static int print_event(ctl *c, Skillbase__Event *ev, json_t **array)
{
    json_t *j;

    if (!c->out.json)
        return ctl_print_events(&c->out, &ev, 1, true);
    if (!(j = event_json(ev, c->json_lines)))
        return -1;
    if (!c->json_lines) {
        if (!*array && !(*array = json_array())) {
            json_decref(j);
            return -1;
        }
        return json_array_append_new(*array, j);
    }
    int r = json_dumpf(j, stdout, JSON_COMPACT);
    json_decref(j);
    if (r)
        return -1;
    fputc('\n', stdout);
    fflush(stdout);
    return 0;
}

/* ------------------------------------------------------------ a range */

static int read_range(ctl *c)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ReadEvents read = SKILLBASE__READ_EVENTS__INIT;
    uint64_t from = c->from_seq ? c->from_seq : 1;
    json_t *array = NULL; /* --json: one array at the end */
    int r;

    read.topic_prefix = (char *)(c->topic ? c->topic : "");
    req.command_case = SKILLBASE__REQUEST__COMMAND_READ_EVENTS;
    req.read_events = &read;
    for (;;) {
        Skillbase__Reply *reply;
        const Skillbase__EventPage *page;
        uint64_t want = c->to_seq ? c->to_seq - from + 1 : MAX_PAGE;
        bool done = false;

        read.from_seq = from;
        read.limit = (uint32_t)(c->limit ? c->limit : want < MAX_PAGE ? want : MAX_PAGE);
        r = ctl_call_for(c, &req, SKILLBASE__REPLY__RESULT_EVENTS, &reply);
        if (r) {
            json_decref(array);
            return r;
        }
        page = reply->events;
        for (size_t i = 0; i < page->n_events && !done; i++) {
            if (c->to_seq && page->events[i]->seq > c->to_seq) {
                done = true;
                break;
            }
            if (print_event(c, page->events[i], &array) < 0) {
                skillbase__reply__free_unpacked(reply, NULL);
                json_decref(array);
                return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
            }
        }
        /* --limit: one page; otherwise on until the end, --to, or a
         * next_seq that does not move (a confused daemon cannot loop us) */
        if (c->limit || !page->next_seq || page->next_seq <= from ||
            (c->to_seq && page->next_seq > c->to_seq))
            done = true;
        from = page->next_seq;
        skillbase__reply__free_unpacked(reply, NULL);
        if (done)
            break;
    }
    if (c->out.json && !c->json_lines) {
        if (!array)
            array = json_array();
        r = array ? json_dumpf(array, stdout, JSON_COMPACT) : -1;
        json_decref(array);
        if (r)
            return ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        fputc('\n', stdout);
        fflush(stdout);
    }
    return EXIT_DONE;
}

/* ------------------------------------------------------------ following */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static int follow(ctl *c)
{
    sb_follow_options opts = {
        .endpoint = c->endpoint,
        .event_endpoint = c->event_endpoint,
        .from_seq = c->from_seq,
        .topic_prefix = c->topic,
        .timeout_ms = (int)c->timeout_ms,
    };
    sb_follow *f;
    struct sigaction sa;
    sb_client_curve curve;
    char err[256];
    /* CURVE for a tcp:// daemon: $SKILLBASE_SERVER_KEY, $SKILLBASE_KEY_FILE */
    int r = sb_client_curve_load(c->server_key, c->key_file, &curve, err, sizeof err);

    if (r < 0)
        return usage_fail(c, "%s", err);
    opts.curve = r > 0 ? &curve : NULL;
    r = sb_follow_new(&opts, &f);

    if (r == SB_E(SB_INVALID))
        return usage_fail(c, "bad endpoint \"%s\"", c->endpoint);
    if (r < 0)
        return ctl_fail(c, EXIT_REFUSED, sb_error_name(r), "cannot create ZeroMQ sockets");
    /* SIGINT/SIGTERM end the follow normally (exit 0) at the next wake-up */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    r = EXIT_DONE;
    while (!stop_requested) {
        Skillbase__Event *ev = NULL;
        int got = sb_follow_next(f, 250, &ev);

        if (got == 1)
            continue;
        if (got < 0) {
            r = ctl_fail(c, EXIT_REFUSED, sb_error_name(got), "%s", sb_follow_error(f));
            break;
        }
        bool last = c->to_seq && ev->seq >= c->to_seq;
        if (!(c->to_seq && ev->seq > c->to_seq) && print_event(c, ev, NULL) < 0)
            r = ctl_fail(c, EXIT_REFUSED, "internal", "out of memory");
        skillbase__event__free_unpacked(ev, NULL);
        if (last || r)
            break;
    }
    sb_follow_destroy(&f);
    return r;
}

int ctl_verb_events(ctl *c, const verb *v, char **args)
{
    (void)v, (void)args;
    if (c->to_seq && c->from_seq > c->to_seq)
        return usage_fail(c, "--to %" PRIu64 " is before --from %" PRIu64, c->to_seq, c->from_seq);
    if (c->follow && c->limit)
        return usage_fail(c, "--limit pages a read; it cannot be combined with --follow");
    /* an array never ends while following: --follow --json means lines */
    if (c->follow && c->out.json)
        c->json_lines = true;
    return c->follow ? follow(c) : read_range(c);
}

/* ------------------------------------------------------------ ingest */

/* The payload a type carries, as the daemon's ingest table says
 * (docs/events.md); only these two types take one. */
static const struct {
    const char *type;
    const ProtobufCMessageDescriptor *desc;
    Skillbase__Ingest__PayloadCase payload;
} payloads[] = {
    {"competition.hosted", &skillbase__competition_hosted__descriptor,
     SKILLBASE__INGEST__PAYLOAD_COMPETITION},
    {"service.delivered", &skillbase__service_record__descriptor,
     SKILLBASE__INGEST__PAYLOAD_SERVICE},
};

static int print_ingested(ctl *c, const Skillbase__Reply *reply)
{
    const Skillbase__IngestResult *res = reply->ingested;

    if (c->out.json) {
        json_t *j = pbjson_from_message(&res->base);
        if (!j || json_object_set_new(j, "seq", json_integer((json_int_t)reply->seq)) ||
            (reply->replayed && json_object_set_new(j, "replayed", json_true()))) {
            json_decref(j);
            return -1;
        }
        json_dumpf(j, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(j);
    } else {
        if (ctl_print_written(&c->out, res->record, false, SKILLBASE__REQUEST__COMMAND_INGEST) < 0)
            return -1;
        printf("%s, event %" PRIu64 "%s\n", res->action, reply->seq,
               reply->replayed ? " (already ingested: the first answer again)" : "");
    }
    fflush(stdout);
    return 0;
}

int ctl_verb_ingest(ctl *c, const verb *v, char **args)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    ProtobufCMessage *payload = NULL;
    Skillbase__Reply *reply;
    const char *missing = !c->source     ? "--source"
                          : !c->event_id ? "--id"
                          : !c->type     ? "--type"
                          : !c->entity   ? "--entity"
                                         : NULL;
    int r;

    (void)args;
    if (missing)
        return usage_fail(c, "ingest needs %s: usage: skillbasectl %s", missing, v->usage);
    if (c->file) {
        size_t i;
        for (i = 0; i < sizeof payloads / sizeof payloads[0]; i++)
            if (strcmp(payloads[i].type, c->type) == 0)
                break;
        if (i == sizeof payloads / sizeof payloads[0])
            return usage_fail(c,
                              "--file: %s carries no payload (only competition.hosted and "
                              "service.delivered do)",
                              c->type);
        r = ctl_read_json(c, c->file, payloads[i].desc, &payload);
        if (r)
            return r;
        in.payload_case = payloads[i].payload;
        if (in.payload_case == SKILLBASE__INGEST__PAYLOAD_COMPETITION)
            in.competition = (Skillbase__CompetitionHosted *)payload;
        else
            in.service = (Skillbase__ServiceRecord *)payload;
    }
    in.source = (char *)c->source;
    in.event_id = (char *)c->event_id;
    in.type = (char *)c->type;
    in.entity = (char *)c->entity;
    in.occurred_on = (char *)(c->occurred_on ? c->occurred_on : "");
    in.reason = (char *)(c->reason ? c->reason : "");
    in.adverse_social_impact = c->adverse_impact;
    req.command_case = SKILLBASE__REQUEST__COMMAND_INGEST;
    req.ingest = &in;
    r = ctl_call(c, &req, &reply);
    if (payload)
        protobuf_c_message_free_unpacked(payload, NULL);
    if (r)
        return r;
    /* a fact an operator entered by hand under four eyes: a proposal */
    if (reply->result_case == SKILLBASE__REPLY__RESULT_PROPOSAL && reply->proposal) {
        r = ctl_print_proposal(c, reply->proposal);
        skillbase__reply__free_unpacked(reply, NULL);
        return r;
    }
    if (reply->result_case != SKILLBASE__REPLY__RESULT_INGESTED || !reply->ingested) {
        skillbase__reply__free_unpacked(reply, NULL);
        return ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon's reply carries no result");
    }
    if (!reply->ingested->record || print_ingested(c, reply) < 0)
        r = ctl_fail(c, EXIT_REFUSED, "malformed", "the daemon's reply carries no record");
    skillbase__reply__free_unpacked(reply, NULL);
    return r;
}
