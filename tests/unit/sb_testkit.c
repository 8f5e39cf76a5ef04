/* sb_testkit: see sb_testkit.h. */
#define _GNU_SOURCE /* program_invocation_short_name, nftw */

#include "sb_testkit.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "sb_error.h"

/* ------------------------------------------------------------ directories */

void sb_tk_tmpdir(char dir[SB_TK_DIR_MAX], const char *tag)
{
    int n = snprintf(dir, SB_TK_DIR_MAX, "/tmp/sb-%s-XXXXXX",
                     tag ? tag : program_invocation_short_name);
    assert_true(n > 0 && n < SB_TK_DIR_MAX);
    if (!mkdtemp(dir))
        fail_msg("mkdtemp %s: %s", dir, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int sb_tk_rmtree(const char *dir)
{
    return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

/* ------------------------------------------------------------ the store */

sb_store *sb_tk_store_open(const char *dir)
{
    sb_store_options o = {.dir = dir};
    sb_store *s = NULL;
    assert_int_equal(sb_store_open(&o, &s), 0);
    assert_non_null(s);
    return s;
}

int sb_tk_store_setup(void **state)
{
    sb_tk_store_fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    sb_tk_tmpdir(f->dir, NULL);
    snprintf(f->path, sizeof f->path, "%s/store", f->dir);
    *state = f;
    return 0;
}

int sb_tk_store_setup_open(void **state)
{
    sb_tk_store_setup(state);
    sb_tk_store_fixture *f = *state;
    f->s = sb_tk_store_open(f->path);
    return 0;
}

int sb_tk_store_teardown(void **state)
{
    sb_tk_store_fixture *f = *state;
    sb_store_abort(&f->t);
    sb_store_close(&f->s);
    int r = sb_tk_rmtree(f->dir);
    free(f);
    return r;
}

void sb_tk_store_reopen(sb_tk_store_fixture *f)
{
    sb_store_close(&f->s);
    assert_null(f->s);
    f->s = sb_tk_store_open(f->path);
}

Skillbase__Record *sb_tk_record_init(sb_tk_record *b, Skillbase__Kind kind, const char *id,
                                     Skillbase__State state, const char *credit)
{
    memset(b, 0, sizeof *b);
    skillbase__record__init(&b->rec);
    snprintf(b->id, sizeof b->id, "%s", id);
    snprintf(b->credit, sizeof b->credit, "%s", credit ? credit : "");
    if (kind == SKILLBASE__KIND__APPLICATION) {
        skillbase__application__init(&b->app);
        skillbase__application_form__init(&b->form);
        skillbase__unit__init(&b->unit);
        b->unit.credit_code = b->credit;
        b->unit.name = b->name;
        b->form.unit = &b->unit;
        b->app.form = &b->form;
        b->app.id = b->id;
        b->app.state = state;
        b->app.version = 1;
        b->rec.record_case = SKILLBASE__RECORD__RECORD_APPLICATION;
        b->rec.application = &b->app;
    } else {
        skillbase__base__init(&b->base);
        b->base.id = b->id;
        b->base.state = state;
        b->base.credit_code = b->credit;
        b->base.unit_name = b->name;
        b->base.version = 1;
        b->rec.record_case = SKILLBASE__RECORD__RECORD_SUB_BASE;
        b->rec.sub_base = &b->base;
    }
    return &b->rec;
}

void sb_tk_record_create(sb_txn *t, Skillbase__Kind kind, Skillbase__State state,
                         const char *credit, char ret_id[SB_TK_ID_MAX])
{
    sb_tk_record *b = malloc(sizeof *b);
    char id[SB_TK_ID_MAX];
    assert_non_null(b);
    assert_int_equal(sb_store_next_id(t, kind, id, sizeof id), 0);
    assert_int_equal(sb_store_record_put(t, sb_tk_record_init(b, kind, id, state, credit), NULL),
                     0);
    free(b);
    if (ret_id)
        memcpy(ret_id, id, SB_TK_ID_MAX);
}

void sb_tk_record_move(sb_txn *t, const char *id, Skillbase__State state)
{
    Skillbase__Record *old = NULL;
    sb_tk_record *b = malloc(sizeof *b);
    assert_non_null(b);
    assert_int_equal(sb_store_record_get(t, id, NULL, &old), 0);
    bool app = old->record_case == SKILLBASE__RECORD__RECORD_APPLICATION;
    const char *credit =
        app ? old->application->form->unit->credit_code : old->sub_base->credit_code;
    Skillbase__Kind kind = app ? SKILLBASE__KIND__APPLICATION : SKILLBASE__KIND__BASE;
    assert_int_equal(sb_store_record_put(t, sb_tk_record_init(b, kind, id, state, credit), old), 0);
    skillbase__record__free_unpacked(old, NULL);
    free(b);
}

void sb_tk_event_append(sb_txn *t, const char *id, const char *topic, uint64_t *ret_seq)
{
    Skillbase__Event ev = SKILLBASE__EVENT__INIT;
    ev.entity_id = (char *)id;
    ev.topic = (char *)topic;
    ev.time_ms = 1700000000000ULL;
    assert_int_equal(sb_store_event_append(t, &ev), 0);
    assert_true(ev.seq > 0);
    if (ret_seq)
        *ret_seq = ev.seq;
}

bool sb_tk_record_exists(sb_store *s, const char *id)
{
    sb_txn *t;
    Skillbase__Record *r = NULL;
    assert_int_equal(sb_store_begin(s, false, &t), 0);
    int rc = sb_store_record_get(t, id, NULL, &r);
    sb_store_abort(&t);
    assert_true(rc == 0 || rc == SB_E(SB_NOT_FOUND));
    if (r)
        skillbase__record__free_unpacked(r, NULL);
    return rc == 0;
}

/* ------------------------------------------------------------ the request path */

static uint64_t held_clock(void *arg)
{
    return *(const uint64_t *)arg;
}

sb_tk_daemon *sb_tk_daemon_new(const char *tag, uint64_t now_ms)
{
    sb_tk_daemon *d = calloc(1, sizeof *d);
    char err[1024];
    assert_non_null(d);
    sb_tk_tmpdir(d->dir, tag);
    sb_config_defaults(&d->config);
    snprintf(d->config.state_dir, sizeof d->config.state_dir, "%s", d->dir);
    if (sb_config_finish(&d->config, err, sizeof err))
        fail_msg("configuration: %s", err);
    d->store = sb_tk_store_open(d->dir);
    d->now_ms = now_ms;
    d->ctx = (sb_dispatch_ctx){.store = d->store,
                               .config = &d->config,
                               .started_ms = now_ms,
                               .now_ms = held_clock,
                               .clock_arg = &d->now_ms};
    d->caller = (sb_caller){.role = SB_ROLE_ANY};
    sb_arena_init(&d->arena, 0);
    return d;
}

int sb_tk_daemon_free(sb_tk_daemon **dp)
{
    sb_tk_daemon *d = *dp;
    if (!d)
        return 0;
    sb_store_abort(&d->batch);
    sb_store_close(&d->store);
    sb_arena_destroy(&d->arena);
    int r = sb_tk_rmtree(d->dir);
    free(d);
    *dp = NULL;
    return r;
}

int sb_tk_daemon_setup(void **state)
{
    *state = sb_tk_daemon_new(NULL, SB_TK_NOW_MS);
    return 0;
}

int sb_tk_daemon_teardown(void **state)
{
    sb_tk_daemon *d = *state;
    return sb_tk_daemon_free(&d);
}

/* One frame through the dispatcher as `caller`, in d->batch or a write
 * transaction of its own. */
static Skillbase__Reply *dispatch(sb_tk_daemon *d, const sb_caller *caller, const uint8_t *frame,
                                  size_t len)
{
    sb_txn *txn = d->batch;
    sb_dispatch_result r;
    if (!txn)
        assert_int_equal(sb_store_begin(d->store, true, &txn), 0);
    sb_arena_reset(&d->arena);
    /* an unauthenticated caller goes the way of sb_dispatch (ipc, tests) */
    if (!caller->name && !caller->n_types && !caller->refusal)
        assert_int_equal(sb_dispatch(&d->ctx, txn, caller->role, frame, len, &d->arena, &r), 0);
    else
        assert_int_equal(sb_dispatch_as(&d->ctx, txn, caller, frame, len, &d->arena, &r), 0);
    if (!d->batch)
        assert_int_equal(sb_store_commit(&txn), 0);
    Skillbase__Reply *reply = skillbase__reply__unpack(NULL, r.len, r.reply);
    assert_non_null(reply);
    return reply;
}

static Skillbase__Reply *send_request(sb_tk_daemon *d, const sb_caller *caller,
                                      Skillbase__Request *req)
{
    if (!req->protocol)
        req->protocol = 1;
    if (!req->actor || !req->actor[0])
        req->actor = "tester";
    size_t len = skillbase__request__get_packed_size(req);
    uint8_t *frame = malloc(len + 1);
    assert_non_null(frame);
    skillbase__request__pack(req, frame);
    Skillbase__Reply *reply = dispatch(d, caller, frame, len);
    free(frame);
    return reply;
}

Skillbase__Reply *sb_tk_send(sb_tk_daemon *d, Skillbase__Request *req)
{
    return send_request(d, &d->caller, req);
}

Skillbase__Reply *sb_tk_send_as(sb_tk_daemon *d, unsigned role, const char *name,
                                Skillbase__Request *req)
{
    sb_caller c = {.role = role, .name = name};
    return send_request(d, &c, req);
}

Skillbase__Reply *sb_tk_send_frame(sb_tk_daemon *d, const uint8_t *frame, size_t len)
{
    return dispatch(d, &d->caller, frame, len);
}

int sb_tk_code(Skillbase__Reply *r)
{
    int code = (int)r->code;
    skillbase__reply__free_unpacked(r, NULL);
    return code;
}

void sb_tk__assert_ok(Skillbase__Reply *r, bool free_it, const char *file, int line)
{
    if (r->code != SKILLBASE__ERROR_CODE__OK) {
        print_error("expected ok, got %s: %s%s%s\n", sb_error_name((int)r->code), r->message,
                    r->n_details ? " / " : "", r->n_details ? r->details[0] : "");
        _fail(file, line);
    }
    if (free_it)
        skillbase__reply__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ applications */

void sb_tk_credit_code(const char *body, char out[SB_TK_CREDIT_LEN + 1])
{
    assert_int_equal(strlen(body), SB_TK_CREDIT_LEN - 1);
    memcpy(out, body, SB_TK_CREDIT_LEN - 1);
    out[SB_TK_CREDIT_LEN] = '\0';
    /* the daemon's checker decides which check character is right */
    for (char c = '0'; c <= 'Z'; c++) {
        out[SB_TK_CREDIT_LEN - 1] = c;
        if (sb_rules_credit_code_valid(out, NULL))
            return;
    }
    fail_msg("no check character makes %s a valid credit code", body);
}

void sb_tk_form_init(sb_tk_form *f, const char *credit_code)
{
    sb_example_apply(f, credit_code);
    f->unit.district = "xihu";
}

Skillbase__Reply *sb_tk_apply(sb_tk_daemon *d, sb_tk_form *f, const char *idempotency_key)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Apply a = SKILLBASE__APPLY__INIT;
    a.form = &f->form;
    req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    req.apply = &a;
    req.idempotency_key = (char *)idempotency_key;
    return sb_tk_send(d, &req);
}

Skillbase__Reply *sb_tk_transition(sb_tk_daemon *d, Skillbase__Request__CommandCase command,
                                   const char *id, const char *reason, uint64_t expect)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition t = SKILLBASE__TRANSITION__INIT;
    Skillbase__Evaluate ev = SKILLBASE__EVALUATE__INIT;
    /* a oneof member's field number is its case */
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field(&skillbase__request__descriptor, command);
    assert_non_null(fd);
    t.id = ev.id = (char *)id;
    t.reason = ev.reason = (char *)(reason ? reason : "");
    ev.passed = 1;
    /* the experts' review (二(三)2): three experts, visited today */
    static char *experts[] = {"张三", "李四", "王五"};
    char today[SB_DATE_STRLEN];
    ev.experts = experts;
    ev.n_experts = 3;
    ev.visited_on = sb_date_format(sb_date_from_ms(d->now_ms), today);
    void *msg = NULL;
    if (fd->descriptor == &skillbase__transition__descriptor)
        msg = &t;
    else if (fd->descriptor == &skillbase__evaluate__descriptor)
        msg = &ev;
    else
        fail_msg("%s does not take a Transition", fd->name);
    req.command_case = command;
    *(void **)((char *)&req + fd->offset) = msg;
    req.expected_version = expect;
    return sb_tk_send(d, &req);
}

void sb_tk_application_to(sb_tk_daemon *d, const char *credit_code, Skillbase__State state,
                          char ret_id[SB_TK_ID_MAX])
{
    static const struct {
        Skillbase__Request__CommandCase command;
        Skillbase__State lands_in;
    } steps[] = {
        {SKILLBASE__REQUEST__COMMAND_REVIEW, SKILLBASE__STATE__UNDER_REVIEW},
        {SKILLBASE__REQUEST__COMMAND_EVALUATE, SKILLBASE__STATE__IN_PUBLICITY},
        {SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY, SKILLBASE__STATE__CERTIFIED},
    };
    sb_tk_form f;
    char id[SB_TK_ID_MAX];
    sb_tk_form_init(&f, credit_code);
    Skillbase__Reply *r = sb_tk_apply(d, &f, NULL);
    sb_tk_assert_ok(r);
    snprintf(id, sizeof id, "%s", r->record->application->id);
    Skillbase__State now = r->record->application->state;
    skillbase__reply__free_unpacked(r, NULL);
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && now != state; i++) {
        /* publicity runs its course (二(三)2) before it may be closed */
        if (steps[i].command == SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY)
            d->now_ms += SB_TK_PUBLICITY_OVER_MS;
        r = sb_tk_transition(d, steps[i].command, id, "ok", 0);
        sb_tk_assert_ok(r);
        assert_int_equal(r->result_case, SKILLBASE__REPLY__RESULT_RECORD);
        now = r->record->application->state;
        assert_int_equal(now, steps[i].lands_in);
        skillbase__reply__free_unpacked(r, NULL);
    }
    assert_int_equal(now, state);
    if (ret_id)
        memcpy(ret_id, id, SB_TK_ID_MAX);
}

void sb_tk_certified_base(sb_tk_daemon *d, const char *credit_code, char ret_id[SB_TK_ID_MAX])
{
    char app[SB_TK_ID_MAX];
    sb_tk_application_to(d, credit_code, SKILLBASE__STATE__CERTIFIED, app);
    Skillbase__Reply *r = sb_tk_show(d, app);
    const char *base = r->record->application->base_id;
    assert_true(base[0] != '\0' && strlen(base) < SB_TK_ID_MAX);
    if (ret_id)
        strcpy(ret_id, base);
    skillbase__reply__free_unpacked(r, NULL);
}

Skillbase__Reply *sb_tk_show(sb_tk_daemon *d, const char *id)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get g = SKILLBASE__GET__INIT;
    g.id = (char *)id;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &g;
    Skillbase__Reply *r = sb_tk_send(d, &req);
    sb_tk_assert_ok(r);
    return r;
}

Skillbase__Reply *sb_tk_read_events(sb_tk_daemon *d, uint64_t from, uint32_t limit,
                                    const char *prefix)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__ReadEvents q = SKILLBASE__READ_EVENTS__INIT;
    q.from_seq = from;
    q.limit = limit;
    q.topic_prefix = (char *)(prefix ? prefix : "");
    req.command_case = SKILLBASE__REQUEST__COMMAND_READ_EVENTS;
    req.read_events = &q;
    Skillbase__Reply *r = sb_tk_send(d, &req);
    sb_tk_assert_ok(r);
    return r;
}

void sb_tk__assert_problem(const sb_problems *p, const char *text, bool only, const char *file,
                           int line)
{
    bool found = false;
    for (size_t i = 0; i < p->count; i++)
        found = found || strcmp(p->text[i], text) == 0;
    if (found && (!only || p->count == 1))
        return;
    for (size_t i = 0; i < p->count; i++)
        print_error("  problem %zu: %s\n", i, p->text[i]);
    print_error("%s \"%s\"\n", found ? "more problems than" : "no problem", text);
    _fail(file, line);
}

/* ------------------------------------------------------------ dates */

int sb_tk_calendar_setup(void **state)
{
    char err[512] = "";
    sb_calendar *cal = NULL;
    if (sb_calendar_load(sb_calendar_default_path(), &cal, err, sizeof err)) {
        print_error("cannot load the shipped calendar: %s\n", err);
        return -1;
    }
    *state = cal;
    return 0;
}

int sb_tk_calendar_teardown(void **state)
{
    sb_calendar *cal = *state;
    sb_calendar_free(&cal);
    return 0;
}

void sb_tk__assert_date(sb_date got, int year, int month, int day, const char *file, int line)
{
    if (got.year == year && got.month == month && got.day == day)
        return;
    print_error("date %04d-%02d-%02d, expected %04d-%02d-%02d\n", got.year, got.month, got.day,
                year, month, day);
    _fail(file, line);
}
