#include "bench_proto.h"

#include "bench_curve.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

#include "bench_stats.h"

#define PROTOCOL 1
#define ACTOR "skillbase-bench"

const char *bench_step_name(bench_step step)
{
    static const char *names[BENCH_STEP_COUNT] = {"apply", "review", "evaluate", "close_publicity",
                                                  "assess"};
    return (unsigned)step < BENCH_STEP_COUNT ? names[step] : "?";
}

/* The example application of the README with the given credit code: it
 * passes every eligibility check (二(二), 二(三)1). */
static void fill_form(Skillbase__ApplicationForm *form, Skillbase__Unit *unit,
                      Skillbase__Contact *contact, Skillbase__Project **projects,
                      Skillbase__Site *site, Skillbase__Staff *staff, Skillbase__Materials *mat,
                      const char *credit_code)
{
    unit->name = (char *)"杭州精工机械有限公司";
    unit->credit_code = (char *)credit_code;
    unit->type = SKILLBASE__UNIT_TYPE__ENTERPRISE;
    unit->district = (char *)"西湖区";
    unit->legal_person = 1;
    contact->name = (char *)"王建国";
    contact->phone = (char *)"0571-88001234";
    contact->email = (char *)"training@jinggong.example.com";
    projects[0]->occupation = (char *)"电工";
    projects[0]->level = (char *)"高级工";
    projects[1]->occupation = (char *)"数控车工";
    projects[1]->level = (char *)"技师";
    site->owned = 1;
    site->area_m2 = 1200;
    site->equipment_value_cny = 3500000;
    site->office_owned = 1;
    staff->full_time_managers = 2;
    staff->teachers = 12;
    mat->application_form = (char *)"DOC-2026-0001";
    mat->license = (char *)"DOC-2026-0002";
    mat->staff_credentials = (char *)"DOC-2026-0003";
    mat->management_rules = (char *)"DOC-2026-0004";
    form->unit = unit;
    form->contact = contact;
    form->base_name = (char *)"精工机械";
    form->projects = projects;
    form->n_projects = 2;
    form->site = site;
    form->staff = staff;
    form->materials = mat;
}

int bench_request_pack(bench_step step, const char *target, const char *request_id,
                       const char *idempotency_key, uint8_t *buf, size_t cap, size_t *ret_len)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Apply apply = SKILLBASE__APPLY__INIT;
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    Skillbase__Contact contact = SKILLBASE__CONTACT__INIT;
    Skillbase__Project p0 = SKILLBASE__PROJECT__INIT, p1 = SKILLBASE__PROJECT__INIT;
    Skillbase__Project *projects[2] = {&p0, &p1};
    Skillbase__Site site = SKILLBASE__SITE__INIT;
    Skillbase__Staff staff = SKILLBASE__STAFF__INIT;
    Skillbase__Materials mat = SKILLBASE__MATERIALS__INIT;
    Skillbase__Transition tr = SKILLBASE__TRANSITION__INIT;
    Skillbase__Evaluate ev = SKILLBASE__EVALUATE__INIT;
    Skillbase__Assess as = SKILLBASE__ASSESS__INIT;
    Skillbase__Scores scores = SKILLBASE__SCORES__INIT;

    req.protocol = PROTOCOL;
    req.request_id = (char *)request_id;
    req.idempotency_key = (char *)idempotency_key;
    req.actor = (char *)ACTOR;
    switch (step) {
    case BENCH_STEP_APPLY:
        fill_form(&form, &unit, &contact, projects, &site, &staff, &mat, target);
        apply.form = &form;
        req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
        req.apply = &apply;
        break;
    case BENCH_STEP_REVIEW:
        tr.id = (char *)target;
        tr.reason = (char *)"on-site review scheduled";
        req.command_case = SKILLBASE__REQUEST__COMMAND_REVIEW;
        req.review = &tr;
        break;
    case BENCH_STEP_EVALUATE:
        ev.id = (char *)target;
        ev.reason = (char *)"site visit passed: meets 二(二)";
        ev.pass = 1;
        req.command_case = SKILLBASE__REQUEST__COMMAND_EVALUATE;
        req.evaluate = &ev;
        break;
    case BENCH_STEP_CLOSE:
        tr.id = (char *)target;
        tr.reason = (char *)"publicity closed without objection";
        req.command_case = SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY;
        req.close_publicity = &tr;
        break;
    case BENCH_STEP_ASSESS:
        scores.basic_construction = 22;
        scores.system_construction = 17;
        scores.training_management = 20;
        scores.public_service = 21;
        scores.competition_hosting = 3;
        scores.other_public_service = 2;
        as.id = (char *)target;
        as.reason = (char *)"biennial assessment";
        as.scores = &scores;
        req.command_case = SKILLBASE__REQUEST__COMMAND_ASSESS;
        req.assess = &as;
        break;
    default:
        return -1;
    }
    size_t len = skillbase__request__get_packed_size(&req);
    if (len > cap)
        return -1;
    *ret_len = skillbase__request__pack(&req, buf);
    return 0;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

int bench_reply_parse(const uint8_t *frame, size_t len, bench_step step, bench_reply *ret)
{
    Skillbase__Reply *r = skillbase__reply__unpack(NULL, len, frame);
    if (!r)
        return -1;
    int rc = 0;
    ret->code = r->code;
    copy_str(ret->request_id, sizeof ret->request_id, r->request_id);
    copy_str(ret->message, sizeof ret->message, r->message);
    ret->id[0] = '\0';
    if (r->code == SKILLBASE__ERROR_CODE__OK &&
        (step == BENCH_STEP_APPLY || step == BENCH_STEP_CLOSE)) {
        const Skillbase__Application *app =
            r->result_case == SKILLBASE__REPLY__RESULT_RECORD && r->record &&
                    r->record->record_case == SKILLBASE__RECORD__RECORD_APPLICATION
                ? r->record->application
                : NULL;
        const char *id = !app ? NULL : step == BENCH_STEP_APPLY ? app->id : app->base_id;
        if (id && *id)
            copy_str(ret->id, sizeof ret->id, id);
        else
            rc = -1;
    }
    skillbase__reply__free_unpacked(r, NULL);
    return rc;
}

void *bench_dealer_open(void *ctx, const char *endpoint, int reconnect_ms)
{
    int linger = 0;
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    if (!s) {
        fprintf(stderr, "skillbase-bench: zmq_socket: %s\n", zmq_strerror(errno));
        return NULL;
    }
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    if (reconnect_ms > 0)
        zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &reconnect_ms, sizeof reconnect_ms);
    /* tcp:// daemons authenticate every client (bench_curve.h) */
    if (bench_curve() && sb_client_curve_apply(s, bench_curve())) {
        fprintf(stderr, "skillbase-bench: CURVE: %s\n", zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    if (zmq_connect(s, endpoint)) {
        fprintf(stderr, "skillbase-bench: cannot connect to %s: %s\n", endpoint,
                zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}

Skillbase__Reply *bench_call(void *dealer, Skillbase__Request *req, int timeout_ms)
{
    static _Thread_local unsigned long counter;
    char rid[48];
    uint8_t buf[4096];
    snprintf(rid, sizeof rid, "bench-call-%lu", ++counter);
    req->protocol = PROTOCOL;
    req->request_id = rid;
    if (!req->actor || !*req->actor)
        req->actor = (char *)ACTOR;
    size_t len = skillbase__request__get_packed_size(req);
    if (len > sizeof buf)
        return NULL;
    skillbase__request__pack(req, buf);
    if (zmq_send(dealer, "", 0, ZMQ_SNDMORE) < 0 || zmq_send(dealer, buf, len, 0) < 0)
        return NULL;
    uint64_t deadline = bench_now_ns() + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        uint64_t now = bench_now_ns();
        if (now >= deadline)
            return NULL;
        zmq_pollitem_t item = {dealer, 0, ZMQ_POLLIN, 0};
        int wait = (int)((deadline - now) / 1000000u) + 1;
        if (zmq_poll(&item, 1, wait) < 0 && errno != EINTR)
            return NULL;
        if (!(item.revents & ZMQ_POLLIN))
            continue;
        /* [empty][Reply] */
        zmq_msg_t m;
        zmq_msg_init(&m);
        Skillbase__Reply *r = NULL;
        int more = 1;
        while (more && zmq_msg_recv(&m, dealer, ZMQ_DONTWAIT) >= 0) {
            more = zmq_msg_more(&m);
            if (!more && zmq_msg_size(&m))
                r = skillbase__reply__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
        }
        zmq_msg_close(&m);
        if (r && r->request_id && strcmp(r->request_id, rid) == 0)
            return r;
        if (r)
            skillbase__reply__free_unpacked(r, NULL);
    }
}

int bench_status_get(void *dealer, int timeout_ms, bench_status *ret)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    Skillbase__Reply *r = bench_call(dealer, &req, timeout_ms);
    if (!r)
        return -1;
    int rc = -1;
    if (r->code == SKILLBASE__ERROR_CODE__OK && r->result_case == SKILLBASE__REPLY__RESULT_STATUS &&
        r->status) {
        const Skillbase__StatusInfo *s = r->status;
        memset(ret, 0, sizeof *ret);
        ret->last_seq = s->last_seq;
        ret->requests = s->requests;
        ret->batches = s->batches;
        ret->largest_batch = s->largest_batch;
        ret->commit_us = s->commit_us;
        ret->apply_us = s->apply_us;
        ret->store_bytes = s->store_bytes;
        ret->map_bytes = s->map_bytes;
        ret->n_batch_sizes = s->n_batch_sizes < 16 ? s->n_batch_sizes : 16;
        if (ret->n_batch_sizes)
            memcpy(ret->batch_sizes, s->batch_sizes, ret->n_batch_sizes * sizeof *s->batch_sizes);
        for (size_t i = 0; i < s->n_counts; i++)
            ret->records += s->counts[i]->count;
        rc = 0;
    }
    skillbase__reply__free_unpacked(r, NULL);
    return rc;
}
