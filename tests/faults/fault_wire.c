#include "fault_wire.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "sb_clock.h"
#include "sb_date.h"
#include "sb_protocol.h"

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

uint64_t fw_now_ms(void)
{
    return fw_now_us() / 1000u;
}

/* ---------------------------------------------------------------- sockets */

void *fw_dealer(void *ctx, const char *endpoint)
{
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    int linger = 0, ivl = 100;
    int64_t max = MAX_FRAME;
    if (!s) {
        fprintf(stderr, "sb_fault: zmq_socket: %s\n", zmq_strerror(errno));
        return NULL;
    }
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    if (zmq_connect(s, endpoint)) {
        fprintf(stderr, "sb_fault: connect %s: %s\n", endpoint, zmq_strerror(errno));
        zmq_close(s);
        return NULL;
    }
    return s;
}

int fw_send(void *sock, const fw_bytes *body)
{
    if (zmq_send(sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    return zmq_send(sock, body->data, body->len, ZMQ_DONTWAIT) < 0 ? -1 : 0;
}

int fw_recv(void *sock, fw_bytes *ret)
{
    int nframes = 0, shape_ok = 1, more = 1;
    fw_bytes body = {0};
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, sock, nframes ? 0 : ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            free(body.data);
            return -1;
        }
        more = zmq_msg_more(&m);
        if (nframes == 0 && zmq_msg_size(&m) != 0)
            shape_ok = 0;
        if (nframes == 1) {
            body.len = zmq_msg_size(&m);
            body.data = malloc(body.len ? body.len : 1);
            if (body.data)
                memcpy(body.data, zmq_msg_data(&m), body.len);
            else
                shape_ok = 0;
        }
        zmq_msg_close(&m);
        nframes++;
    }
    if (nframes != 2 || !shape_ok) {
        free(body.data);
        return 1;
    }
    *ret = body;
    return 0;
}

int fw_pack(Skillbase__Request *req, fw_bytes *ret)
{
    req->protocol = SB_PROTOCOL_VERSION;
    if (!req->actor || !*req->actor)
        req->actor = (char *)ACTOR;
    size_t n = skillbase__request__get_packed_size(req);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return -1;
    skillbase__request__pack(req, buf);
    ret->data = buf;
    ret->len = n;
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

static void random_bytes(void *buf, size_t n)
{
    if (getrandom(buf, n, 0) == (ssize_t)n)
        return;
    uint64_t x = fw_now_us() ^ ((uint64_t)getpid() << 32);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        ((uint8_t *)buf)[i] = (uint8_t)x;
    }
}

uint32_t fw_nonce(void)
{
    static uint32_t nonce;
    while (!nonce)
        random_bytes(&nonce, sizeof nonce);
    return nonce;
}

static const char cc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const unsigned cc_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};

void fw_credit_code(uint64_t n, char out[19])
{
    /* "9133" (a Hangzhou enterprise), the nonce in 7 base-31 digits, n in
     * 6, then the check character */
    uint64_t hi = fw_nonce(), lo = n % 887503681u; /* 31^6 */
    memcpy(out, "9133", 4);
    for (int i = 10; i >= 4; i--, hi /= 31)
        out[i] = cc_alphabet[hi % 31];
    for (int i = 16; i >= 11; i--, lo /= 31)
        out[i] = cc_alphabet[lo % 31];
    unsigned sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (unsigned)(strchr(cc_alphabet, out[i]) - cc_alphabet) * cc_weights[i];
    out[17] = cc_alphabet[(31 - sum % 31) % 31];
    out[18] = '\0';
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
    unit.name = (char *)"杭州精工机械有限公司";
    unit.credit_code = (char *)credit_code;
    unit.type = SKILLBASE__UNIT_TYPE__ENTERPRISE;
    unit.district = (char *)"西湖区";
    unit.legal_person = 1;
    contact.name = (char *)"王建国";
    contact.phone = (char *)"0571-88001234";
    contact.email = (char *)"training@jinggong.example.com";
    p0.occupation = (char *)"电工";
    p0.level = (char *)"高级工";
    p1.occupation = (char *)"数控车工";
    p1.level = (char *)"技师";
    site.owned = 1;
    site.area_m2 = 1200;
    site.equipment_value_cny = 3500000;
    site.office_owned = 1;
    staff.full_time_managers = 2;
    staff.teachers = 12;
    mat.application_form = (char *)"DOC-2026-0001";
    mat.license = (char *)"DOC-2026-0002";
    mat.staff_credentials = (char *)"DOC-2026-0003";
    mat.management_rules = (char *)"DOC-2026-0004";
    form.unit = &unit;
    form.contact = &contact;
    form.base_name = (char *)"精工机械";
    form.projects = projects;
    form.n_projects = 2;
    form.site = &site;
    form.staff = &staff;
    form.materials = &mat;
    apply.form = &form;
    req.request_id = (char *)request_id;
    req.idempotency_key = (char *)key;
    req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    req.apply = &apply;
    return fw_pack(&req, ret);
}

int fw_transition(Skillbase__Request__CommandCase cmd, const char *id, const char *request_id,
                  const char *key, fw_bytes *ret)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Transition tr = SKILLBASE__TRANSITION__INIT;
    Skillbase__Evaluate ev = SKILLBASE__EVALUATE__INIT;
    Skillbase__Assess as = SKILLBASE__ASSESS__INIT;
    Skillbase__Scores sc = SKILLBASE__SCORES__INIT;
    req.request_id = (char *)request_id;
    req.idempotency_key = (char *)key;
    req.command_case = cmd;
    tr.id = ev.id = as.id = (char *)id;
    switch (cmd) {
    case SKILLBASE__REQUEST__COMMAND_REVIEW:
        tr.reason = (char *)"on-site review";
        req.review = &tr;
        break;
    case SKILLBASE__REQUEST__COMMAND_EVALUATE:
        ev.reason = (char *)"meets 二(二)";
        ev.pass = 1;
        req.evaluate = &ev;
        break;
    case SKILLBASE__REQUEST__COMMAND_CLOSE_PUBLICITY:
        tr.reason = (char *)"no objection";
        req.close_publicity = &tr;
        break;
    case SKILLBASE__REQUEST__COMMAND_WITHDRAW:
        tr.reason = (char *)"withdrawn";
        req.withdraw = &tr;
        break;
    case SKILLBASE__REQUEST__COMMAND_ASSESS:
        sc.basic_construction = 22;
        sc.system_construction = 17;
        sc.training_management = 20;
        sc.public_service = 21;
        sc.competition_hosting = 3;
        sc.other_public_service = 2;
        as.reason = (char *)"biennial assessment";
        as.scores = &sc;
        req.assess = &as;
        break;
    default:
        return -1;
    }
    return fw_pack(&req, ret);
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
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.request_id = (char *)request_id;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    return fw_pack(&req, ret);
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

/* ---------------------------------------------------------------- /proc */

int fw_proc_read(pid_t pid, fw_proc *ret)
{
    char path[64], line[256];
    fw_proc p = {0};
    snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "VmRSS: %llu", &v) == 1)
            p.rss_kb = v;
        else if (sscanf(line, "RssAnon: %llu", &v) == 1)
            p.anon_kb = v;
        else if (sscanf(line, "Threads: %llu", &v) == 1)
            p.threads = (unsigned)v;
    }
    fclose(f);
    snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            p.fds++;
    closedir(d);
    *ret = p;
    return 0;
}
