/* sb_probe: a test client for the security tests (tests/e2e/test_security.sh,
 * test_hostile.sh). Not part of skillbase.
 *
 *   sb_probe [--server-key K] [--key-file F] ENDPOINT MODE
 *
 *   session          one DEALER connection to a command endpoint; for each
 *                    line on stdin ("whoami" or "status") one request on that
 *                    same connection, and one line out: "OK <name> <role>",
 *                    "ERR <code> <message>" or "TIMEOUT", each followed by
 *                    " connects=N" (how often the socket has connected).
 *   hostile-command  hostile messages to a command endpoint; then a correct
 *   hostile-worker   request must still be answered. One line per case;
 *   hostile-events   exit 1 when a case's answer is not the expected one.
 *   garbage          raw bytes to a tcp:// or ipc:// endpoint, no ZMTP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "skillbase.pb-c.h"
#include "skillbase_client.h"

#define TIMEOUT_MS 5000

static void *zctx;
static sb_client_curve curve;
static bool has_curve;
static const char *endpoint;
static int failures;
static int connects;

/* ------------------------------------------------------------ sockets */

static void *open_sock(int type)
{
    void *s = zmq_socket(zctx, type);
    int linger = 0, ivl = 100;
    int64_t max = 64 << 20;
    zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(s, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl);
    zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max);
    if (has_curve && sb_client_curve_apply(s, &curve)) {
        fprintf(stderr, "sb_probe: CURVE: %s\n", zmq_strerror(errno));
        exit(2);
    }
    return s;
}

/* Count connections with a socket monitor (session mode). */
static void *monitor;

static void watch(void *s)
{
    zmq_socket_monitor(s, "inproc://probe-monitor",
                       ZMQ_EVENT_CONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
    monitor = zmq_socket(zctx, ZMQ_PAIR);
    zmq_connect(monitor, "inproc://probe-monitor");
}

static void drain_monitor(void)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        if (zmq_msg_size(&m) >= 2) {
            uint16_t ev;
            memcpy(&ev, zmq_msg_data(&m), 2);
            if (ev == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
                connects++;
        }
        zmq_msg_close(&m);
        /* the second frame (the endpoint) */
        zmq_msg_init(&m);
        zmq_msg_recv(&m, monitor, ZMQ_DONTWAIT);
        zmq_msg_close(&m);
    }
}

/* ------------------------------------------------------------ requests */

static size_t pack_request(Skillbase__Request *req, uint8_t **ret)
{
    size_t len = skillbase__request__get_packed_size(req);
    *ret = malloc(len ? len : 1);
    skillbase__request__pack(req, *ret);
    return len;
}

static void send_body(void *s, const void *body, size_t len)
{
    zmq_send(s, "", 0, ZMQ_SNDMORE);
    zmq_send(s, body, len, 0);
}

/* Wait for one reply [empty][Reply]; returns it or NULL on timeout. */
static Skillbase__Reply *await_reply(void *s, int timeout_ms)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long left =
            timeout_ms - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0 || zmq_poll(&it, 1, left) <= 0)
            return NULL;
        zmq_msg_t f[2];
        int n = 0, more = 1;
        while (more) {
            zmq_msg_t m;
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, s, 0) < 0)
                return NULL;
            more = zmq_msg_more(&m);
            if (n < 2)
                f[n++] = m;
            else
                zmq_msg_close(&m);
        }
        Skillbase__Reply *r =
            n == 2 ? skillbase__reply__unpack(NULL, zmq_msg_size(&f[1]), zmq_msg_data(&f[1]))
                   : NULL;
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
        if (r)
            return r;
    }
}

static Skillbase__Request base_request(const char *id)
{
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    req.protocol = 1;
    req.request_id = (char *)id;
    return req;
}

static void send_request(void *s, Skillbase__Request *req)
{
    uint8_t *buf;
    size_t len = pack_request(req, &buf);
    send_body(s, buf, len);
    free(buf);
}

static Skillbase__Reply *call_status(void *s, const char *id)
{
    Skillbase__Request req = base_request(id);
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    send_request(s, &req);
    return await_reply(s, TIMEOUT_MS);
}

static const char *code_name(int code)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&skillbase__error_code__descriptor, code);
    return v ? v->name : "?";
}

/* Expect a reply with `code` (-1: any reply; -2: no reply within wait). */
static void expect(const char *name, void *s, int code, int wait_ms)
{
    Skillbase__Reply *r = await_reply(s, wait_ms);
    bool ok = code == -2 ? r == NULL : r && (code == -1 || (int)r->code == code);
    printf("case %-28s %s%s%s -> %s\n", name, r ? "reply " : "no reply",
           r ? code_name(r->code) : "", "", ok ? "ok" : "UNEXPECTED");
    if (r && !ok)
        printf("    message: %s\n", r->message);
    failures += !ok;
    if (r)
        skillbase__reply__free_unpacked(r, NULL);
}

/* ------------------------------------------------------------ session */

static int session(void)
{
    void *s = open_sock(ZMQ_DEALER);
    watch(s);
    zmq_connect(s, endpoint);
    char line[256];
    int n = 0;
    while (fgets(line, sizeof line, stdin)) {
        char id[32];
        snprintf(id, sizeof id, "probe-%d", ++n);
        Skillbase__Request req = base_request(id);
        Skillbase__WhoAmI who = SKILLBASE__WHO_AM_I__INIT;
        Skillbase__Status st = SKILLBASE__STATUS__INIT;
        if (strncmp(line, "status", 6) == 0) {
            req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
            req.status = &st;
        } else {
            req.command_case = SKILLBASE__REQUEST__COMMAND_WHOAMI;
            req.whoami = &who;
        }
        send_request(s, &req);
        Skillbase__Reply *r = await_reply(s, 3000);
        drain_monitor();
        if (!r)
            printf("TIMEOUT connects=%d\n", connects);
        else if (r->code)
            printf("ERR %s %s connects=%d\n", code_name(r->code), r->message, connects);
        else if (r->result_case == SKILLBASE__REPLY__RESULT_IDENTITY)
            printf("OK %s %s connects=%d\n", r->identity->name, r->identity->role, connects);
        else
            printf("OK status connects=%d\n", connects);
        fflush(stdout);
        if (r)
            skillbase__reply__free_unpacked(r, NULL);
    }
    zmq_close(s);
    zmq_close(monitor);
    return 0;
}

/* ------------------------------------------------------------ hostile: command */

static void fill_random(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rand();
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        p[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    return n;
}

/* `levels` length-delimited fields nested in each other, innermost empty:
 * tag(10) len [tag(10) len [...]] (field 10 of Request is apply; deeper it
 * is an unknown field). Returns the bytes and their length. */
static uint8_t *nested(int levels, size_t *ret_len)
{
    size_t cap = (size_t)levels * 12 + 16, pos = cap;
    uint8_t *buf = calloc(1, cap), tmp[12];
    for (int i = 0; i < levels; i++) {
        size_t n = put_varint(tmp, cap - pos);
        pos -= n;
        memcpy(buf + pos, tmp, n);
        buf[--pos] = (10 << 3) | 2;
    }
    memmove(buf, buf + pos, cap - pos);
    *ret_len = cap - pos;
    return buf;
}

static void send_frames(void *s, int n, size_t size)
{
    uint8_t *buf = calloc(1, size ? size : 1);
    for (int i = 0; i < n; i++)
        zmq_send(s, buf, size, i + 1 < n ? ZMQ_SNDMORE : 0);
    free(buf);
}

static int hostile_command(void)
{
    void *s = open_sock(ZMQ_DEALER);
    zmq_connect(s, endpoint);
    Skillbase__Reply *r = call_status(s, "warm-up");
    if (!r) {
        printf("no answer from %s before the test\n", endpoint);
        return 1;
    }
    skillbase__reply__free_unpacked(r, NULL);

    uint8_t junk[1024];
    fill_random(junk, sizeof junk);
    junk[0] = 0xff; /* never a valid tag start of a Request */
    send_body(s, junk, sizeof junk);
    expect("garbage", s, SKILLBASE__ERROR_CODE__MALFORMED, TIMEOUT_MS);

    Skillbase__Request req = base_request("truncated-request-of-some-length");
    Skillbase__Status st = SKILLBASE__STATUS__INIT;
    req.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    req.status = &st;
    uint8_t *buf;
    size_t len = pack_request(&req, &buf);
    send_body(s, buf, len / 2);
    free(buf);
    expect("truncated", s, SKILLBASE__ERROR_CODE__MALFORMED, TIMEOUT_MS);

    zmq_send(s, "x", 1, ZMQ_SNDMORE); /* [x][y][z]: not [empty][body] */
    zmq_send(s, "y", 1, ZMQ_SNDMORE);
    zmq_send(s, "z", 1, 0);
    expect("three-frames", s, -2, 500);

    send_frames(s, 100000, 1);
    expect("100000-frames", s, -2, 1000);

    size_t deep_len;
    uint8_t *deep = nested(50000, &deep_len);
    uint8_t *msg = malloc(deep_len + 16);
    size_t m = 0;
    msg[m++] = 0x08, msg[m++] = 0x01; /* protocol 1 */
    memcpy(msg + m, deep, deep_len);
    send_body(s, msg, m + deep_len);
    free(deep);
    free(msg);
    expect("deeply-nested", s, -1, TIMEOUT_MS);

    const uint32_t versions[] = {0, 2, 4294967295u};
    for (size_t i = 0; i < 3; i++) {
        Skillbase__Request v = base_request("version");
        v.protocol = versions[i];
        v.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
        v.status = &st;
        send_request(s, &v);
        char name[32];
        snprintf(name, sizeof name, "protocol-%u", versions[i]);
        expect(name, s, SKILLBASE__ERROR_CODE__UNSUPPORTED_PROTOCOL, TIMEOUT_MS);
    }

    const uint32_t fields[] = {139, 99999, 536870911};
    for (size_t i = 0; i < 3; i++) {
        uint8_t b[32];
        size_t n = 0;
        b[n++] = 0x08, b[n++] = 0x01;
        n += put_varint(b + n, (uint64_t)fields[i] << 3 | 2);
        b[n++] = 2, b[n++] = 0x08, b[n++] = 0x01;
        send_body(s, b, n);
        char name[32];
        snprintf(name, sizeof name, "command-%u", fields[i]);
        expect(name, s, SKILLBASE__ERROR_CODE__UNKNOWN_COMMAND, TIMEOUT_MS);
    }

    Skillbase__Request bad = base_request("\xc0\xaf-not-utf8");
    bad.command_case = SKILLBASE__REQUEST__COMMAND_STATUS;
    bad.status = &st;
    send_request(s, &bad);
    expect("invalid-utf8", s, SKILLBASE__ERROR_CODE__INVALID, TIMEOUT_MS);

    Skillbase__Request list = base_request("enum");
    Skillbase__List l = SKILLBASE__LIST__INIT;
    l.state = 99;
    list.command_case = SKILLBASE__REQUEST__COMMAND_LIST;
    list.list = &l;
    send_request(s, &list);
    expect("enum-out-of-range", s, SKILLBASE__ERROR_CODE__INVALID, TIMEOUT_MS);

    char longkey[251];
    memset(longkey, 'k', 250);
    longkey[250] = '\0';
    Skillbase__Request w = base_request("long-key");
    Skillbase__Transition tr = SKILLBASE__TRANSITION__INIT;
    tr.id = (char *)"app-999999";
    w.idempotency_key = longkey;
    w.command_case = SKILLBASE__REQUEST__COMMAND_REVIEW;
    w.review = &tr;
    send_request(s, &w);
    expect("idempotency-key-250-bytes", s, SKILLBASE__ERROR_CODE__INVALID, TIMEOUT_MS);

    /* bursts of garbage, each answered one by one (200 at a time: a peer
     * that leaves more than the send high-water mark (1000) of replies
     * unread loses the excess, by design) */
    int answered = 0;
    for (int round = 0; round < 10; round++) {
        for (int i = 0; i < 200; i++)
            send_body(s, junk, 64);
        for (int i = 0; i < 200; i++, answered++) {
            Skillbase__Reply *x = await_reply(s, TIMEOUT_MS);
            if (!x)
                break;
            skillbase__reply__free_unpacked(x, NULL);
        }
    }
    printf("case %-28s %d of 2000 answered -> %s\n", "garbage-burst", answered,
           answered == 2000 ? "ok" : "UNEXPECTED");
    failures += answered != 2000;

    /* last: a frame over the limit makes libzmq drop the connection */
    send_frames(s, 1, (size_t)2 << 20);
    expect("oversized-frame", s, -2, 1000);

    zmq_close(s);
    s = open_sock(ZMQ_DEALER);
    zmq_connect(s, endpoint);
    r = call_status(s, "after");
    printf("case %-28s %s\n", "status-after", r && r->code == 0 ? "answered -> ok" : "UNEXPECTED");
    failures += !(r && r->code == 0);
    if (r)
        skillbase__reply__free_unpacked(r, NULL);
    zmq_close(s);
    return failures ? 1 : 0;
}

/* ------------------------------------------------------------ hostile: worker */

static Skillbase__DaemonMessage *await_daemon(void *s, int timeout_ms)
{
    zmq_pollitem_t it = {s, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&it, 1, timeout_ms) > 0) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, s, 0) < 0)
            return NULL;
        Skillbase__DaemonMessage *d =
            skillbase__daemon_message__unpack(NULL, zmq_msg_size(&m), zmq_msg_data(&m));
        zmq_msg_close(&m);
        if (d && d->body_case != SKILLBASE__DAEMON_MESSAGE__BODY_HEARTBEAT)
            return d;
        if (d)
            skillbase__daemon_message__free_unpacked(d, NULL);
    }
    return NULL;
}

static void expect_refusal(const char *name, void *s, bool want_reply)
{
    Skillbase__DaemonMessage *d = await_daemon(s, want_reply ? TIMEOUT_MS : 1000);
    bool refusal = d && d->body_case == SKILLBASE__DAEMON_MESSAGE__BODY_REFUSAL;
    bool ok = want_reply ? refusal : !d;
    printf("case %-28s %s -> %s\n", name,
           refusal ? code_name(d->refusal->code)
           : d     ? "another answer"
                   : "nothing",
           ok ? "ok" : "UNEXPECTED");
    failures += !ok;
    if (d)
        skillbase__daemon_message__free_unpacked(d, NULL);
}

static void send_worker(void *s, Skillbase__WorkerMessage *m)
{
    size_t len = skillbase__worker_message__get_packed_size(m);
    uint8_t *buf = malloc(len ? len : 1);
    skillbase__worker_message__pack(m, buf);
    zmq_send(s, buf, len, 0);
    free(buf);
}

static int hostile_worker(void)
{
    void *s = open_sock(ZMQ_DEALER);
    zmq_connect(s, endpoint);
    uint8_t junk[512];
    fill_random(junk, sizeof junk);
    junk[0] = 0xff;
    zmq_send(s, junk, sizeof junk, 0);
    expect_refusal("garbage", s, true);

    send_frames(s, 100000, 1);
    expect_refusal("100000-frames", s, false);

    Skillbase__WorkerMessage m = SKILLBASE__WORKER_MESSAGE__INIT;
    Skillbase__WorkerHeartbeat hb = SKILLBASE__WORKER_HEARTBEAT__INIT;
    m.protocol = 99;
    m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_HEARTBEAT;
    m.heartbeat = &hb;
    send_worker(s, &m);
    expect_refusal("protocol-99", s, true);

    m.protocol = 1;
    Skillbase__JobDone done = SKILLBASE__JOB_DONE__INIT;
    done.job_id = (char *)"job-99999999";
    m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_DONE;
    m.done = &done;
    send_worker(s, &m);
    expect_refusal("done-before-hello", s, true);

    Skillbase__WorkerHello h = SKILLBASE__WORKER_HELLO__INIT;
    static char *types[10000];
    for (int i = 0; i < 10000; i++)
        types[i] = (char *)"notify";
    char name[5000];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    h.name = name;
    h.types = types;
    h.n_types = 10000;
    m.body_case = SKILLBASE__WORKER_MESSAGE__BODY_HELLO;
    m.hello = &h;
    send_worker(s, &m);
    expect_refusal("hello-10000-types", s, true);

    send_frames(s, 1, (size_t)4 << 20);
    expect_refusal("oversized-frame", s, false);
    zmq_close(s);
    return failures ? 1 : 0;
}

/* ------------------------------------------------------------ hostile: events */

static int hostile_events(void)
{
    /* In a child that exits without closing its sockets. */
    pid_t pid = fork();
    if (pid == 0) {
        void *ctx = zmq_ctx_new();
        zctx = ctx;
        /* a subscriber of the old PUB/SUB stream: 100,000 distinct
         * subscriptions, then a 100,000-frame message (the stream's ROUTER
         * does not take an XSUB: the handshake fails, nothing is kept) */
        void *x = open_sock(ZMQ_XSUB);
        zmq_connect(x, endpoint);
        for (int i = 0; i < 100000; i++) {
            char sub[32];
            int n = snprintf(sub, sizeof sub, "%cnope.%d", 1, i);
            zmq_send(x, sub, (size_t)n, 0);
        }
        send_frames(x, 100000, 1);
        /* a follower: one request of 100,000 topic prefixes, 100,000
         * requests of one prefix each, a 100,000-frame message, then a
         * 2 MiB frame (which drops its connection) */
        void *d = open_sock(ZMQ_DEALER);
        int hwm = 0;
        zmq_setsockopt(d, ZMQ_SNDHWM, &hwm, sizeof hwm);
        zmq_connect(d, endpoint);
        zmq_send(d, "subscribe", 9, ZMQ_SNDMORE);
        for (int i = 0; i < 100000; i++) {
            char sub[32];
            int n = snprintf(sub, sizeof sub, "nope.%d", i);
            zmq_send(d, sub, (size_t)n, i + 1 < 100000 ? ZMQ_SNDMORE : 0);
        }
        for (int i = 0; i < 100000; i++) {
            char sub[32];
            int n = snprintf(sub, sizeof sub, "nope.%d", i);
            zmq_send(d, "subscribe", 9, ZMQ_SNDMORE);
            zmq_send(d, sub, (size_t)n, 0);
        }
        send_frames(d, 100000, 1);
        uint8_t *big = calloc(1, (size_t)2 << 20);
        zmq_send(d, big, (size_t)2 << 20, 0);
        sleep(2);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    bool sent = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("case %-28s %s\n", "subscription-flood", sent ? "sent -> ok" : "UNEXPECTED");
    failures += !sent;
    /* the stream still works: a fresh follower subscribes and hears the
     * heartbeat that answers it */
    void *sub = open_sock(ZMQ_DEALER);
    zmq_connect(sub, endpoint);
    zmq_send(sub, "subscribe", 9, ZMQ_SNDMORE);
    zmq_send(sub, "heartbeat", 9, 0);
    zmq_pollitem_t it = {sub, 0, ZMQ_POLLIN, 0};
    bool heard = false;
    while (!heard && zmq_poll(&it, 1, 10000) > 0) {
        char topic[16];
        int n = zmq_recv(sub, topic, sizeof topic, 0);
        heard = n == 9 && memcmp(topic, "heartbeat", 9) == 0;
        int more = 0;
        size_t ml = sizeof more;
        while (zmq_getsockopt(sub, ZMQ_RCVMORE, &more, &ml) == 0 && more)
            zmq_recv(sub, topic, sizeof topic, 0);
    }
    printf("case %-28s %s\n", "heartbeat-after", heard ? "heard -> ok" : "UNEXPECTED");
    failures += !heard;
    zmq_close(sub);
    return failures ? 1 : 0;
}

/* ------------------------------------------------------------ garbage */

static int garbage(void)
{
    for (int round = 0; round < 50; round++) {
        int fd = -1;
        if (strncmp(endpoint, "tcp://", 6) == 0) {
            char host[64];
            int port;
            if (sscanf(endpoint + 6, "%63[^:]:%d", host, &port) != 2)
                return 2;
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
            inet_pton(AF_INET, host, &a.sin_addr);
            fd = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
                perror("connect");
                return 1;
            }
        } else {
            struct sockaddr_un a = {.sun_family = AF_UNIX};
            snprintf(a.sun_path, sizeof a.sun_path, "%s", endpoint + 6);
            fd = socket(AF_UNIX, SOCK_STREAM, 0);
            if (connect(fd, (struct sockaddr *)&a, sizeof a)) {
                perror("connect");
                return 1;
            }
        }
        uint8_t junk[65536];
        fill_random(junk, sizeof junk);
        if (round % 2)
            memcpy(junk, "\xff\0\0\0\0\0\0\0\x01\x7f", 10); /* a ZMTP greeting start */
        ssize_t w = write(fd, junk, sizeof junk);
        (void)w;
        close(fd);
    }
    printf("case %-28s sent -> ok\n", "raw-garbage");
    return 0;
}

int main(int argc, char **argv)
{
    const char *server_key = NULL, *key_file = NULL;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        if (strcmp(argv[i], "--server-key") == 0)
            server_key = argv[i + 1];
        else if (strcmp(argv[i], "--key-file") == 0)
            key_file = argv[i + 1];
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: sb_probe [--server-key K] [--key-file F] ENDPOINT MODE\n");
        return 2;
    }
    endpoint = argv[i];
    const char *mode = argv[i + 1];
    char err[512];
    int cr = sb_client_curve_load(server_key, key_file, &curve, err, sizeof err);
    if (cr < 0) {
        fprintf(stderr, "sb_probe: %s\n", err);
        return 2;
    }
    has_curve = cr > 0;
    srand(42);
    zctx = zmq_ctx_new();
    int r = strcmp(mode, "session") == 0           ? session()
            : strcmp(mode, "hostile-command") == 0 ? hostile_command()
            : strcmp(mode, "hostile-worker") == 0  ? hostile_worker()
            : strcmp(mode, "hostile-events") == 0  ? hostile_events()
            : strcmp(mode, "garbage") == 0         ? garbage()
                                                   : 2;
    zmq_ctx_term(zctx);
    return r;
}
