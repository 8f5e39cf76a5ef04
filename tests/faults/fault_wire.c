#include "fault_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sb_clock.h"
#include "sb_date.h"
#include "sb_drive.h"

#define ACTOR "fault-load"
#define MAX_FRAME (64LL * 1024 * 1024)

void fw_bytes_free(fw_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

uint64_t fw_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---------------------------------------------------------------- sockets */

void *fw_dealer(void *ctx, const char *endpoint)
{
    static const sb_drive_dealer_options o = {.reconnect_ms = 100, .max_msg_bytes = MAX_FRAME};
    return sb_drive_dealer(ctx, endpoint, &o);
}

int fw_send(void *sock, const fw_bytes *body)
{
    return sb_drive_send(sock, body->data, body->len, ZMQ_DONTWAIT);
}

int fw_recv(void *sock, fw_bytes *ret)
{
    zmq_msg_t m;
    int k = sb_drive_recv(sock, &m);
    if (k)
        return k;
    size_t len = zmq_msg_size(&m);
    uint8_t *data = malloc(len ? len : 1);
    if (data)
        memcpy(data, zmq_msg_data(&m), len);
    zmq_msg_close(&m);
    if (!data)
        return 1;
    *ret = (fw_bytes){data, len};
    return 0;
}

int fw_pack(Skillbase__Request *req, fw_bytes *ret)
{
    if (!req->actor || !*req->actor)
        req->actor = (char *)ACTOR;
    size_t n;
    sb_drive_pack(req, NULL, 0, &n); /* the size */
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf || sb_drive_pack(req, buf, n, &ret->len)) {
        free(buf);
        return -1;
    }
    ret->data = buf;
    return 0;
}

Skillbase__Reply *fw_unpack(const fw_bytes *b)
{
    return skillbase__reply__unpack(NULL, b->len, b->data);
}

int fw_normalised(const fw_bytes *reply, fw_bytes *ret)
{
    Skillbase__Reply *r = fw_unpack(reply);
    if (!r)
        return -1;
    r->replayed = 0;
    size_t n = skillbase__reply__get_packed_size(r);
    ret->data = malloc(n ? n : 1);
    if (ret->data) {
        skillbase__reply__pack(r, ret->data);
        ret->len = n;
    }
    skillbase__reply__free_unpacked(r, NULL);
    return ret->data ? 0 : -1;
}

/* ---------------------------------------------------------------- ids */

uint32_t fw_nonce(void)
{
    static uint32_t nonce;
    while (!nonce)
        nonce = (uint32_t)sb_drive_random64();
    return nonce;
}

/* How many times this run's credit codes met a unit an earlier run on the
 * same store had made (fw_credit_code_collided). */
static unsigned code_generation;

void fw_credit_code(uint64_t n, char out[19])
{
    /* "91330100" (an enterprise registered in Hangzhou), the nonce in 2
     * base-31 digits (moved on by 419, prime to 31², at each collision), n in
     * 6, then the two check characters */
    static const uint64_t six = 887503681u; /* 31^6 */
    uint64_t high = ((uint64_t)fw_nonce() + (uint64_t)code_generation * 419u) % 961u;
    sb_drive_ccode_make("91330100", high * six + n % six, out);
}

void fw_credit_code_collided(void)
{
    code_generation++;
}

void fw_new_key(char out[40])
{
    static uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    snprintf(out, 40, "%012llx%08x%012llx", (unsigned long long)(ms & 0xffffffffffffull),
             fw_nonce(), (unsigned long long)++counter);
}

void fw_today(char out[11])
{
    char buf[16];
    sb_date_format(sb_date_from_ms(sb_clock_now_ms()), buf);
    memcpy(out, buf, 10);
    out[10] = '\0';
}

/* ---------------------------------------------------------------- requests */

int fw_apply(const char *credit_code, const char *request_id, const char *key, fw_bytes *ret)
{
    sb_example_request m;
    Skillbase__Request *req = sb_example_apply(&m, credit_code);
    req->request_id = (char *)request_id;
    req->idempotency_key = (char *)key;
    return fw_pack(req, ret);
}

int fw_transition(Skillbase__Request__CommandCase cmd, const char *id, const char *request_id,
                  const char *key, fw_bytes *ret)
{
    const char *reason = "biennial assessment";
    if (cmd == SKILLBASE__REQUEST__COMMAND_REVIEW)
        reason = "on-site review";
    else if (cmd == SKILLBASE__REQUEST__COMMAND_EVALUATE)
        reason = "meets 二(二)";
    else if (cmd == SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY)
        reason = "no objection";
    else if (cmd == SKILLBASE__REQUEST__COMMAND_WITHDRAW)
        reason = "withdrawn";
    sb_example_request m;
    Skillbase__Request *req = sb_example_transition(&m, cmd, id, reason);
    if (!req)
        return -1;
    req->request_id = (char *)request_id;
    req->idempotency_key = (char *)key;
    return fw_pack(req, ret);
}

int fw_ingest(const char *type, const char *entity, const char *event_id, const char *request_id,
              fw_bytes *ret)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;
    Skillbase__CompetitionHosted comp = SKILLBASE__COMPETITION_HOSTED__INIT;
    Skillbase__ServiceRecord svc = SKILLBASE__SERVICE_RECORD__INIT;
    char today[11], client[19];
    in.source = (char *)"fault-load";
    in.event_id = (char *)event_id;
    in.type = (char *)type;
    in.entity = (char *)entity;
    in.reason = (char *)"reported by the fault load";
    if (strcmp(type, "competition.hosted") == 0) {
        fw_today(today);
        comp.name = (char *)"杭州市职业技能大赛";
        comp.level = (char *)"municipal";
        comp.held_on = today;
        in.payload_case = SKILLBASE__INGEST__PAYLOAD_COMPETITION;
        in.competition = &comp;
    } else if (strcmp(type, "service.delivered") == 0) {
        /* a training for another organisation (not the sub-base's own) */
        fw_today(today);
        fw_credit_code(0x7fffffffu, client);
        svc.date = today;
        svc.client_name = (char *)"杭州某职业技术学院";
        svc.client_credit_code = client;
        svc.kind = SKILLBASE__SERVICE_KIND__TRAINING;
        svc.occupation = (char *)"电工";
        svc.level = (char *)"高级工";
        svc.trainees = 10;
        svc.hours_tenths = 80;
        in.payload_case = SKILLBASE__INGEST__PAYLOAD_SERVICE;
        in.service = &svc;
    }
    req.request_id = (char *)request_id;
    req.actor = (char *)"service:fault-load";
    req.command_case = SKILLBASE__REQUEST__COMMAND_INGEST;
    req.ingest = &in;
    return fw_pack(&req, ret);
}

int fw_status(const char *request_id, fw_bytes *ret)
{
    sb_example_request m;
    Skillbase__Request *req = sb_example_status(&m);
    req->request_id = (char *)request_id;
    return fw_pack(req, ret);
}

int fw_show(const char *id, const char *request_id, fw_bytes *ret)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Get get = SKILLBASE__GET__INIT;
    get.id = (char *)id;
    req.request_id = (char *)request_id;
    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &get;
    return fw_pack(&req, ret);
}
