/* Ingest: the mapping table (ingest_map.c) row by row, and the ingest
 * command through sb_dispatch into a real LMDB store — entity resolution
 * by credit code, the audit trail naming the service, idempotency on
 * (source, event_id), refusals — plus the protocol-version refusals and the
 * topic-filtered read of the event log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "handlers.h"
#include "ingest_map.h"
#include "rules.h"
#include "sb_error.h"

/* ------------------------------------------------------------ the table */

static void every_type_maps_to_its_transition(void **state)
{
    (void)state;
    static const struct {
        const char *type;
        Skillbase__Kind kind;
        sb_ingest_effect effect;
        Skillbase__Request__CommandCase command;
        Skillbase__Cause cause;
    } want[] = {
        {"objection.filed", SKILLBASE__KIND__APPLICATION, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION, 0},
        {"objection.dismissed", SKILLBASE__KIND__APPLICATION, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_DISMISS_OBJECTION, 0},
        {"objection.upheld", SKILLBASE__KIND__APPLICATION, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_UPHOLD_OBJECTION, 0},
        {"unit.deregistered", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__UNIT_DEREGISTERED},
        {"unit.deregistered", SKILLBASE__KIND__APPLICATION, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REJECT, 0},
        {"complaint.verified", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__VERIFIED_COMPLAINT},
        {"safety.major_accident", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__MAJOR_SAFETY_ACCIDENT},
        {"violation.confirmed", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__VIOLATION},
        {"assessment.refused", SKILLBASE__KIND__BASE, SB_INGEST_COMMAND,
         SKILLBASE__REQUEST__COMMAND_REVOKE, SKILLBASE__CAUSE__REFUSED_ASSESSMENT},
        {"competition.hosted", SKILLBASE__KIND__BASE, SB_INGEST_NOTE, 0, 0},
        {"service.delivered", SKILLBASE__KIND__BASE, SB_INGEST_SERVICE, 0, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const sb_ingest_rule *r = sb_ingest_map_find(want[i].type, want[i].kind);
        assert_non_null(r);
        assert_string_equal(r->type, want[i].type);
        assert_int_equal(r->kind, want[i].kind);
        assert_int_equal(r->effect, want[i].effect);
        assert_int_equal(r->command, want[i].command);
        assert_int_equal(r->cause, want[i].cause);
        assert_true(sb_ingest_type_known(want[i].type));
    }
    size_t n;
    sb_ingest_map_table(&n);
    assert_int_equal(n, sizeof want / sizeof want[0]);
}

static void table_rows_are_consistent(void **state)
{
    (void)state;
    size_t n;
    const sb_ingest_rule *t = sb_ingest_map_table(&n);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].action);
        if (t[i].effect == SB_INGEST_COMMAND) {
            /* a command of the command table, run as an operator's */
            const sb_command *cmd = sb_command_find(t[i].command);
            assert_non_null(cmd);
            assert_true(cmd->write);
            assert_string_equal(cmd->name, t[i].action);
            assert_int_equal(t[i].payload, SKILLBASE__INGEST__PAYLOAD__NOT_SET);
            if (t[i].command == SKILLBASE__REQUEST__COMMAND_REVOKE)
                assert_true(sb_rules_revoke_cause_ok(t[i].cause));
            else
                assert_int_equal(t[i].cause, 0);
        } else {
            /* facts without a transition carry their payload */
            assert_non_null(t[i].note);
            assert_int_not_equal(t[i].payload, SKILLBASE__INGEST__PAYLOAD__NOT_SET);
            assert_int_equal(t[i].kind, SKILLBASE__KIND__BASE);
        }
        /* at most one row per type and kind */
        for (size_t j = i + 1; j < n; j++)
            assert_false(strcmp(t[i].type, t[j].type) == 0 && t[i].kind == t[j].kind);
    }
}

static void wrong_kind_and_unknown_types(void **state)
{
    (void)state;
    /* no row for the kind: the type's first row, so the machine refuses */
    const sb_ingest_rule *r = sb_ingest_map_find("objection.filed", SKILLBASE__KIND__BASE);
    assert_non_null(r);
    assert_int_equal(r->command, SKILLBASE__REQUEST__COMMAND_FILE_OBJECTION);
    r = sb_ingest_map_find("safety.major_accident", SKILLBASE__KIND__APPLICATION);
    assert_non_null(r);
    assert_int_equal(r->command, SKILLBASE__REQUEST__COMMAND_REVOKE);
    assert_null(sb_ingest_map_find("unit.exploded", SKILLBASE__KIND__BASE));
    assert_null(sb_ingest_map_find("", SKILLBASE__KIND__BASE));
    assert_null(sb_ingest_map_find(NULL, SKILLBASE__KIND__BASE));
    assert_null(sb_ingest_map_find("UNIT.DEREGISTERED", SKILLBASE__KIND__BASE));
    assert_false(sb_ingest_type_known("objection"));
    char buf[512];
    assert_string_equal(sb_ingest_types(buf, sizeof buf),
                        "objection.filed, objection.dismissed, objection.upheld, "
                        "unit.deregistered, complaint.verified, safety.major_accident, "
                        "violation.confirmed, assessment.refused, competition.hosted, "
                        "service.delivered");
    sb_ingest_types(buf, 20);
    assert_true(strlen(buf) < 20);
}

/* ------------------------------------------------------------ the command */

#define FIXED_NOW_MS 1773104400000ull /* 2026-03-10 09:00 in Hangzhou */

typedef struct {
    char dir[64];
    sb_store *store;
    sb_config config;
    sb_dispatch_ctx ctx;
    sb_arena arena;
} fixture;

static uint64_t clock_ms = FIXED_NOW_MS;

static uint64_t fixed_clock(void *arg)
{
    return *(uint64_t *)arg;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sb-ingest-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    sb_config_defaults(&f->config);
    snprintf(f->config.state_dir, sizeof f->config.state_dir, "%s", f->dir);
    char err[512];
    assert_int_equal(sb_config_finish(&f->config, err, sizeof err), 0);
    sb_store_options o = {f->dir, 0, 0};
    assert_int_equal(sb_store_open(&o, &f->store), 0);
    f->ctx = (sb_dispatch_ctx){.store = f->store,
                               .config = &f->config,
                               .started_ms = FIXED_NOW_MS,
                               .now_ms = fixed_clock,
                               .clock_arg = &clock_ms};
    sb_arena_init(&f->arena, 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    sb_store_close(&f->store);
    sb_arena_destroy(&f->arena);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* One request in its own committed batch; the decoded reply. */
static Skillbase__Reply *send_req(fixture *f, Skillbase__Request *req)
{
    sb_txn *txn;
    sb_dispatch_result r;
    size_t len = skillbase__request__get_packed_size(req);
    uint8_t *buf = malloc(len + 1);
    skillbase__request__pack(req, buf);
    assert_int_equal(sb_store_begin(f->store, true, &txn), 0);
    sb_arena_reset(&f->arena);
    assert_int_equal(sb_dispatch(&f->ctx, txn, SB_ROLE_ANY, buf, len, &f->arena, &r), 0);
    assert_int_equal(sb_store_commit(&txn), 0);
    free(buf);
    Skillbase__Reply *reply = skillbase__reply__unpack(NULL, r.len, r.reply);
    assert_non_null(reply);
    return reply;
}

/* A valid credit code from a 17-character body (GB 32100-2015). */
static void credit_code(const char *body, char out[19])
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static const int weights[] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (int)(strchr(alphabet, body[i]) - alphabet) * weights[i];
    int check = (31 - sum % 31) % 31;
    memcpy(out, body, 17);
    out[17] = alphabet[check];
    out[18] = '\0';
}

/* Submit a valid application for `code`; returns its id (static buffer). */
static const char *apply(fixture *f, const char *code)
{
    static char id[32];
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    Skillbase__Contact contact = SKILLBASE__CONTACT__INIT;
    Skillbase__Project project = SKILLBASE__PROJECT__INIT, *projects[1] = {&project};
    Skillbase__Site site = SKILLBASE__SITE__INIT;
    Skillbase__Staff staff = SKILLBASE__STAFF__INIT;
    Skillbase__Materials materials = SKILLBASE__MATERIALS__INIT;
    Skillbase__Apply a = SKILLBASE__APPLY__INIT;
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    unit.name = "杭州精工机械有限公司";
    unit.credit_code = (char *)code;
    unit.type = SKILLBASE__UNIT_TYPE__ENTERPRISE;
    unit.district = "xihu";
    unit.legal_person = 1;
    contact.name = "王工";
    contact.phone = "0571-88888888";
    contact.email = "hr@example.com";
    project.occupation = "电工";
    project.level = "高级工";
    site.owned = site.office_owned = 1;
    site.area_m2 = 1200;
    site.equipment_value_cny = 3500000;
    staff.full_time_managers = 2;
    staff.teachers = 12;
    materials.application_form = "DOC-1";
    materials.license = "DOC-2";
    materials.staff_credentials = "DOC-3";
    materials.management_rules = "DOC-4";
    form.unit = &unit;
    form.contact = &contact;
    form.base_name = "精工机械";
    form.projects = projects;
    form.n_projects = 1;
    form.site = &site;
    form.staff = &staff;
    form.materials = &materials;
    a.form = &form;
    req.protocol = 1;
    req.actor = "alice";
    req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    req.apply = &a;
    Skillbase__Reply *r = send_req(f, &req);
    assert_int_equal(r->code, SB_OK);
    snprintf(id, sizeof id, "%s", r->record->application->id);
    skillbase__reply__free_unpacked(r, NULL);
    return id;
}

static void move(fixture *f, Skillbase__Request__CommandCase c, const char *id)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    Skillbase__Evaluate ev = SKILLBASE__EVALUATE__INIT;
    t.id = ev.id = (char *)id;
    t.reason = ev.reason = "ok";
    ev.pass = 1;
    req.protocol = 1;
    req.actor = "bob";
    req.command_case = c;
    if (c == SKILLBASE__REQUEST__COMMAND_EVALUATE)
        req.evaluate = &ev;
    else if (c == SKILLBASE__REQUEST__COMMAND_REVIEW)
        req.review = &t;
    else
        req.close_publicity = &t;
    Skillbase__Reply *r = send_req(f, &req);
    assert_int_equal(r->code, SB_OK);
    skillbase__reply__free_unpacked(r, NULL);
}

/* An application in publicity for `code`. */
static const char *in_publicity(fixture *f, const char *code)
{
    const char *id = apply(f, code);
    move(f, SKILLBASE__REQUEST__COMMAND_REVIEW, id);
    move(f, SKILLBASE__REQUEST__COMMAND_EVALUATE, id);
    return id;
}

/* A certified sub-base for `code`; returns its id (static buffer). */
static const char *certified_base(fixture *f, const char *code)
{
    static char base[32];
    const char *id = in_publicity(f, code);
    move(f, SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, id);
    snprintf(base, sizeof base, "base-%06d", 1);
    /* find it through show of the application */
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get get = SKILLBASE__GET__INIT;
    get.id = (char *)id;
    req.protocol = 1;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &get;
    Skillbase__Reply *r = send_req(f, &req);
    assert_int_equal(r->code, SB_OK);
    snprintf(base, sizeof base, "%s", r->record->application->base_id);
    skillbase__reply__free_unpacked(r, NULL);
    return base;
}

static Skillbase__Reply *ingest(fixture *f, Skillbase__Ingest *in)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    req.protocol = 1;
    req.actor = "someone";
    req.request_id = "ing";
    req.command_case = SKILLBASE__REQUEST__COMMAND_INGEST;
    req.ingest = in;
    return send_req(f, &req);
}

static Skillbase__Reply *read_events(fixture *f, uint64_t from, uint32_t limit,
                                     const char *prefix)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ReadEvents q = SKILLBASE__READ_EVENTS__INIT;
    q.from_seq = from;
    q.limit = limit;
    q.topic_prefix = (char *)prefix;
    req.protocol = 1;
    req.command_case = SKILLBASE__REQUEST__COMMAND_READ_EVENTS;
    req.read_events = &q;
    Skillbase__Reply *r = send_req(f, &req);
    assert_int_equal(r->code, SB_OK);
    return r;
}

static uint64_t last_seq(fixture *f)
{
    Skillbase__Reply *r = read_events(f, 1, 1, "");
    uint64_t last = r->events->last_seq;
    skillbase__reply__free_unpacked(r, NULL);
    return last;
}

static void deregistered_unit_revokes_its_base_once(void **state)
{
    fixture *f = *state;
    char code[19];
    credit_code("91330100MA0000001", code);
    const char *base = certified_base(f, code);

    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "market-registry";
    in.event_id = "dereg-2026-0042";
    in.type = "unit.deregistered";
    in.entity = code;
    in.occurred_on = "2026-03-01";
    in.reason = "business licence revoked";
    Skillbase__Reply *r = ingest(f, &in);
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->result_case, SKILLBASE__REPLY__RESULT_INGESTED);
    assert_string_equal(r->ingested->entity_id, base);
    assert_string_equal(r->ingested->action, "revoke");
    const Skillbase__Base *b = r->ingested->record->sub_base;
    assert_int_equal(b->state, SKILLBASE__STATE__REVOKED);
    assert_int_equal(b->revoked_cause, SKILLBASE__CAUSE__UNIT_DEREGISTERED);
    assert_true(b->plaque_withdrawn);
    uint64_t seq = r->seq;
    assert_int_equal(seq, last_seq(f));
    assert_false(r->replayed);
    skillbase__reply__free_unpacked(r, NULL);

    /* the revocation's event names the service and carries the fact */
    r = read_events(f, seq, 1, "");
    const Skillbase__Event *ev = r->events->events[0];
    assert_string_equal(ev->topic, "base.revoked");
    assert_string_equal(ev->actor, "service:market-registry");
    assert_string_equal(ev->action, "revoke");
    assert_string_equal(ev->reason, "business licence revoked");
    assert_non_null(ev->ingest);
    assert_string_equal(ev->ingest->event_id, "dereg-2026-0042");
    assert_string_equal(ev->ingest->occurred_on, "2026-03-01");
    skillbase__reply__free_unpacked(r, NULL);

    /* the same fact again: the first answer, nothing applied */
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_OK);
    assert_true(r->replayed);
    assert_int_equal(r->seq, seq);
    assert_string_equal(r->request_id, "ing");
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(last_seq(f), seq);

    /* the same id with other content is not the same fact */
    in.type = "violation.confirmed";
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_KEY_REUSED);
    assert_non_null(strstr(r->message, "ingest:market-registry:dereg-2026-0042"));
    skillbase__reply__free_unpacked(r, NULL);

    /* a new id about the revoked base: the machine's refusal */
    in.event_id = "viol-1";
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_WRONG_STATE);
    assert_non_null(strstr(r->message, "revoked"));
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(last_seq(f), seq);
}

static void objections_and_open_applications(void **state)
{
    fixture *f = *state;
    char code[19];
    credit_code("91330100MA0000002", code);
    const char *app = in_publicity(f, code);
    char id[32];
    snprintf(id, sizeof id, "%s", app);

    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "complaints";
    in.event_id = "obj-1";
    in.type = "objection.filed";
    in.entity = id;
    Skillbase__Reply *r = ingest(f, &in);
    assert_int_equal(r->code, SB_OK);
    assert_int_equal(r->ingested->record->application->state, SKILLBASE__STATE__UNDER_REVIEW);
    assert_true(r->ingested->record->application->objection_open);
    uint64_t seq = r->seq;
    skillbase__reply__free_unpacked(r, NULL);
    /* no reason given: the audit trail still says what and who */
    r = read_events(f, seq, 1, "");
    assert_string_equal(r->events->events[0]->reason, "objection.filed reported by complaints");
    assert_string_equal(r->events->events[0]->actor, "service:complaints");
    skillbase__reply__free_unpacked(r, NULL);

    /* a direct-fail fact about an application: the machine refuses */
    in.event_id = "acc-1";
    in.type = "safety.major_accident";
    in.entity = code;
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_WRONG_STATE);
    assert_non_null(strstr(r->message, id));
    skillbase__reply__free_unpacked(r, NULL);

    /* a deregistered unit's open application is rejected */
    in.event_id = "dereg-1";
    in.type = "unit.deregistered";
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_OK);
    assert_string_equal(r->ingested->action, "reject");
    assert_int_equal(r->ingested->record->application->state, SKILLBASE__STATE__REJECTED);
    skillbase__reply__free_unpacked(r, NULL);
}

static void competition_is_recorded_without_a_transition(void **state)
{
    fixture *f = *state;
    char code[19];
    credit_code("91330100MA0000003", code);
    const char *base = certified_base(f, code);
    Skillbase__CompetitionHosted c = SKILLBASE__COMPETITION_HOSTED__INIT;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "competition-office";
    in.event_id = "c-7";
    in.type = "competition.hosted";
    in.entity = (char *)base;

    /* the payload is required */
    Skillbase__Reply *r = ingest(f, &in);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "competition: required"));
    skillbase__reply__free_unpacked(r, NULL);

    c.name = "杭州市数控车工技能大赛";
    c.level = "municipal";
    c.held_on = "2026-02-20";
    in.payload_case = SKILLBASE__INGEST__PAYLOAD_COMPETITION;
    in.competition = &c;
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_OK);
    assert_string_equal(r->ingested->action, "competition_hosted");
    assert_int_equal(r->ingested->record->sub_base->state, SKILLBASE__STATE__CERTIFIED);
    assert_int_equal(r->ingested->record->sub_base->version, 1);
    uint64_t seq = r->seq;
    skillbase__reply__free_unpacked(r, NULL);
    r = read_events(f, seq, 1, "");
    const Skillbase__Event *ev = r->events->events[0];
    assert_string_equal(ev->topic, "base.competition_hosted");
    assert_int_equal(ev->from_state, SKILLBASE__STATE__CERTIFIED);
    assert_int_equal(ev->to_state, SKILLBASE__STATE__CERTIFIED);
    assert_string_equal(ev->ingest->competition->name, "杭州市数控车工技能大赛");
    skillbase__reply__free_unpacked(r, NULL);

    /* a date in the future is refused */
    c.held_on = "2026-03-11";
    in.event_id = "c-8";
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "competition.held_on"));
    skillbase__reply__free_unpacked(r, NULL);
}

static void malformed_facts_are_refused_clearly(void **state)
{
    fixture *f = *state;
    char code[19], unknown[19];
    credit_code("91330100MA0000004", code);
    credit_code("91330100MA0000999", unknown);
    const char *base = certified_base(f, code);
    uint64_t before = last_seq(f);
    static const struct {
        const char *source, *event_id, *type, *entity, *occurred_on;
        int code;
        const char *says;
    } cases[] = {
        {"", "e1", "unit.deregistered", NULL, "", SB_INVALID, "source"},
        {"Market Registry", "e1", "unit.deregistered", NULL, "", SB_INVALID, "source"},
        {"mr:x", "e1", "unit.deregistered", NULL, "", SB_INVALID, "source"},
        {"mr", "", "unit.deregistered", NULL, "", SB_INVALID, "event_id"},
        {"mr", "e1", "unit.exploded", NULL, "", SB_INVALID, "objection.filed, "},
        {"mr", "e1", "unit.deregistered", "", "", SB_INVALID, "entity: missing"},
        {"mr", "e1", "unit.deregistered", "nonsense", "", SB_INVALID, "credit code"},
        {"mr", "e1", "unit.deregistered", "base-999999", "", SB_NOT_FOUND, "base-999999"},
        {"mr", "e1", "unit.deregistered", "UNKNOWN", "", SB_NOT_FOUND, "credit code"},
        {"mr", "e1", "unit.deregistered", NULL, "2026-02-30", SB_INVALID, "occurred_on"},
        {"mr", "e1", "unit.deregistered", NULL, "2027-01-01", SB_INVALID, "after today"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
        in.source = (char *)cases[i].source;
        in.event_id = (char *)cases[i].event_id;
        in.type = (char *)cases[i].type;
        in.entity = (char *)(!cases[i].entity                        ? base
                             : strcmp(cases[i].entity, "UNKNOWN") == 0 ? unknown
                                                                       : cases[i].entity);
        in.occurred_on = (char *)cases[i].occurred_on;
        Skillbase__Reply *r = ingest(f, &in);
        if ((int)r->code != cases[i].code || !strstr(r->message, cases[i].says))
            fail_msg("case %zu: got %d \"%s\", want %d naming \"%s\"", i, r->code, r->message,
                     cases[i].code, cases[i].says);
        skillbase__reply__free_unpacked(r, NULL);
    }
    /* a payload on a type that takes none */
    Skillbase__CompetitionHosted c = SKILLBASE__COMPETITION_HOSTED__INIT;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "mr";
    in.event_id = "e2";
    in.type = "violation.confirmed";
    in.entity = (char *)base;
    in.payload_case = SKILLBASE__INGEST__PAYLOAD_COMPETITION;
    in.competition = &c;
    Skillbase__Reply *r = ingest(f, &in);
    assert_int_equal(r->code, SB_INVALID);
    assert_non_null(strstr(r->message, "carries no payload"));
    skillbase__reply__free_unpacked(r, NULL);
    /* nothing was written by any of them */
    assert_int_equal(last_seq(f), before);

    /* a refused fact is not remembered: once fixed, the same id applies */
    in.payload_case = SKILLBASE__INGEST__PAYLOAD__NOT_SET;
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_OK);
    assert_false(r->replayed);
    skillbase__reply__free_unpacked(r, NULL);
}

static void delivered_service_becomes_a_service_record(void **state)
{
    fixture *f = *state;
    char code[19], client[19];
    credit_code("91330100MA0000007", code);
    credit_code("91330100MA0000777", client);
    const char *base = certified_base(f, code);
    Skillbase__ServiceRecord svc = SKILLBASE__SERVICE_RECORD__INIT;
    svc.date = "2026-03-02";
    svc.client_name = "杭州某职业培训学校";
    svc.client_credit_code = client;
    svc.kind = SKILLBASE__SERVICE_KIND__TRAINING;
    svc.occupation = "电工";
    svc.trainees = 20;
    svc.hours_tenths = 80;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    in.source = "training-portal";
    in.event_id = "TP-100";
    in.type = "service.delivered";
    in.entity = code;
    in.payload_case = SKILLBASE__INGEST__PAYLOAD_SERVICE;
    in.service = &svc;
    Skillbase__Reply *r = ingest(f, &in);
    if (r->code != SB_OK)
        fail_msg("service.delivered refused: %s", r->message);
    assert_string_equal(r->ingested->action, "record_service");
    assert_string_equal(r->ingested->entity_id, base);
    assert_int_equal(r->ingested->record->sub_base->state, SKILLBASE__STATE__CERTIFIED);
    uint64_t seq = r->seq;
    assert_true(seq > 0);
    skillbase__reply__free_unpacked(r, NULL);
    r = read_events(f, seq, 1, "");
    const Skillbase__Event *ev = r->events->events[0];
    assert_string_equal(ev->entity_id, base);
    assert_string_equal(ev->actor, "service:training-portal");
    assert_non_null(ev->ingest);
    assert_string_equal(ev->ingest->event_id, "TP-100");
    skillbase__reply__free_unpacked(r, NULL);

    /* the subsidy's own check speaks for a bad record */
    svc.trainees = 0;
    in.event_id = "TP-101";
    r = ingest(f, &in);
    assert_int_equal(r->code, SB_INVALID);
    skillbase__reply__free_unpacked(r, NULL);
    assert_int_equal(last_seq(f), seq);
}

/* ------------------------------------------------------------ protocol, reads */

static void protocol_versions_are_named(void **state)
{
    fixture *f = *state;
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    req.request_id = "v";
    req.protocol = 0;
    Skillbase__Reply *r = send_req(f, &req);
    assert_int_equal(r->code, SB_UNSUPPORTED_PROTOCOL);
    assert_non_null(strstr(r->message, "no protocol version"));
    assert_non_null(strstr(r->message, "speaks protocol 1"));
    assert_int_equal(r->protocol, 1);
    assert_string_equal(r->request_id, "v");
    skillbase__reply__free_unpacked(r, NULL);

    req.protocol = 2;
    r = send_req(f, &req);
    assert_int_equal(r->code, SB_UNSUPPORTED_PROTOCOL);
    assert_non_null(strstr(r->message, "protocol 2"));
    assert_non_null(strstr(r->message, "protocol 1"));
    skillbase__reply__free_unpacked(r, NULL);

    req.protocol = 1;
    r = send_req(f, &req);
    assert_int_equal(r->code, SB_OK);
    assert_string_equal(r->status->event_endpoint, f->config.event_endpoint);
    skillbase__reply__free_unpacked(r, NULL);
}

static void read_events_filters_by_topic_prefix(void **state)
{
    fixture *f = *state;
    char code[19];
    credit_code("91330100MA0000005", code);
    certified_base(f, code); /* 5 events: applied .. certified, base certified */
    credit_code("91330100MA0000006", code);
    certified_base(f, code); /* 5 more */
    Skillbase__Reply *r = read_events(f, 1, 0, "base.");
    assert_int_equal(r->events->n_events, 2);
    assert_string_equal(r->events->events[0]->topic, "base.certified");
    assert_int_equal(r->events->next_seq, 0);
    assert_int_equal(r->events->last_seq, 10);
    skillbase__reply__free_unpacked(r, NULL);

    /* a page of 1: next_seq resumes after the match */
    r = read_events(f, 1, 1, "application.certified");
    assert_int_equal(r->events->n_events, 1);
    uint64_t first = r->events->events[0]->seq;
    assert_int_equal(r->events->next_seq, first + 1);
    skillbase__reply__free_unpacked(r, NULL);
    r = read_events(f, first + 1, 1, "application.certified");
    assert_int_equal(r->events->n_events, 1);
    assert_true(r->events->events[0]->seq > first);
    skillbase__reply__free_unpacked(r, NULL);

    r = read_events(f, 1, 0, "nothing.");
    assert_int_equal(r->events->n_events, 0);
    assert_int_equal(r->events->next_seq, 0);
    skillbase__reply__free_unpacked(r, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_maps_to_its_transition),
        cmocka_unit_test(table_rows_are_consistent),
        cmocka_unit_test(wrong_kind_and_unknown_types),
        cmocka_unit_test_setup_teardown(deregistered_unit_revokes_its_base_once, setup, teardown),
        cmocka_unit_test_setup_teardown(objections_and_open_applications, setup, teardown),
        cmocka_unit_test_setup_teardown(competition_is_recorded_without_a_transition, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(malformed_facts_are_refused_clearly, setup, teardown),
        cmocka_unit_test_setup_teardown(delivered_service_becomes_a_service_record, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(protocol_versions_are_named, setup, teardown),
        cmocka_unit_test_setup_teardown(read_events_filters_by_topic_prefix, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
