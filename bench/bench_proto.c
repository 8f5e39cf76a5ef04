#include "bench_proto.h"

#include <stdio.h>
#include <string.h>

#include "bench_curve.h"
#include "sb_drive.h"

#define ACTOR "skillbase-bench"

const char *bench_step_name(bench_step step)
{
    static const char *names[BENCH_STEP_COUNT] = {"apply", "review", "evaluate", "close_publicity",
                                                  "assess"};
    return (unsigned)step < BENCH_STEP_COUNT ? names[step] : "?";
}

int bench_request_pack(bench_step step, const char *target, const char *request_id,
                       const char *idempotency_key, uint8_t *buf, size_t cap, size_t *ret_len)
{
    static const struct {
        Skillbase__Request__CommandCase cmd;
        const char *reason;
    } transitions[BENCH_STEP_COUNT] = {
        [BENCH_STEP_REVIEW] = {SKILLBASE__REQUEST__COMMAND_REVIEW, "on-site review scheduled"},
        [BENCH_STEP_EVALUATE] = {SKILLBASE__REQUEST__COMMAND_EVALUATE,
                                 "site visit passed: meets 二(二)"},
        [BENCH_STEP_CLOSE] = {SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY,
                              "publicity closed without objection"},
        [BENCH_STEP_ASSESS] = {SKILLBASE__REQUEST__COMMAND_ASSESS, "biennial assessment"},
    };
    sb_example_request m;
    Skillbase__Request *req;
    if (step == BENCH_STEP_APPLY)
        req = sb_example_apply(&m, target);
    else if ((unsigned)step < BENCH_STEP_COUNT)
        req = sb_example_transition(&m, transitions[step].cmd, target, transitions[step].reason);
    else
        return -1;
    req->request_id = (char *)request_id;
    req->idempotency_key = (char *)idempotency_key;
    req->actor = (char *)ACTOR;
    return sb_drive_pack(req, buf, cap, ret_len);
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
    ret->publicity_close_at_ms = 0;
    const Skillbase__Application *app =
        r->result_case == SKILLBASE__REPLY__RESULT_RECORD && r->record &&
                r->record->record_case == SKILLBASE__RECORD__RECORD_APPLICATION
            ? r->record->application
            : NULL;
    if (r->code == SKILLBASE__ERROR_CODE__OK &&
        (step == BENCH_STEP_APPLY || step == BENCH_STEP_CLOSE)) {
        const char *id = !app ? NULL : step == BENCH_STEP_APPLY ? app->id : app->base_id;
        if (id && *id)
            copy_str(ret->id, sizeof ret->id, id);
        else
            rc = -1;
    }
    if (r->code == SKILLBASE__ERROR_CODE__OK && step == BENCH_STEP_EVALUATE && app)
        ret->publicity_close_at_ms = sb_drive_publicity_close_at_ms(app->publicity_ends_on);
    skillbase__reply__free_unpacked(r, NULL);
    return rc;
}

void *bench_dealer_open(void *ctx, const char *endpoint, int reconnect_ms)
{
    sb_drive_dealer_options o = {.reconnect_ms = reconnect_ms, .curve = bench_curve()};
    return sb_drive_dealer(ctx, endpoint, &o);
}

Skillbase__Reply *bench_call(void *dealer, Skillbase__Request *req, int timeout_ms)
{
    static _Thread_local unsigned long counter;
    char rid[48];
    snprintf(rid, sizeof rid, "bench-call-%lu", ++counter);
    req->request_id = rid;
    if (!req->actor || !*req->actor)
        req->actor = (char *)ACTOR;
    Skillbase__Reply *r = sb_drive_call(dealer, req, timeout_ms);
    req->request_id = NULL; /* rid goes out of scope */
    return r;
}

int bench_status_get(void *dealer, int timeout_ms, bench_status *ret)
{
    sb_example_request m;
    Skillbase__Reply *r = bench_call(dealer, sb_example_status(&m), timeout_ms);
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
