/* skillbase_client: Lazy Pirate request/reply over a DEALER socket.
 *
 * Frames: we send [empty][Request] so the daemon's ROUTER sees
 * [identity][empty][Request] like a REQ peer's, and we receive
 * [empty][Reply]. A DEALER (not a REQ) is used so that a late reply to an
 * earlier try can be read and dropped instead of wedging the socket; the
 * socket is still closed and reopened after a timeout so that nothing queued
 * for a dead connection is sent twice.
 */
#include "skillbase_client.h"

#include "sb_error.h"
#include "sb_protocol.h"
#include "sb_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#ifndef SB_DEFAULT_ENDPOINT
#define SB_DEFAULT_ENDPOINT "ipc:///var/lib/skillbase/command.sock"
#endif

#define DEFAULT_TIMEOUT_MS 5000
#define DEFAULT_RETRIES 2
/* Largest reply frame accepted; a full page of 1000 records fits easily. */
#define MAX_FRAME_BYTES (64LL * 1024 * 1024)
/* What decoding one reply may allocate: protobuf-c keeps unknown fields and
 * has no limits of its own (TECH-NOTES trap 3). */
#define MAX_DECODE_BYTES ((size_t)512 * 1024 * 1024)

/* A request id: 16 random hex digits. An idempotency key: 32 hex digits,
 * the clock's first (KEY_CLOCK_HEX), then random ones (new_key). */
#define REQUEST_ID_HEX 16
#define IDEMPOTENCY_KEY_HEX 32
#define KEY_CLOCK_HEX 12
#define RANDOM_HEX_BYTES_MAX 32

struct sb_client {
    void *ctx;
    void *sock; /* NULL between a timeout and the next try */
    char *endpoint;
    sb_client_curve curve;
    bool has_curve;
    int timeout_ms;
    int retries;
    /* Strings prepare() hands to the request; "fresh" means handed out for
     * the current call, so call() must not replace them. */
    char request_id[REQUEST_ID_HEX + 1];
    char idempotency_key[IDEMPOTENCY_KEY_HEX + 1];
    bool id_fresh, key_fresh;
};

const char *sb_client_default_endpoint(void)
{
    const char *env = getenv("SKILLBASE_ENDPOINT");

    return env && *env ? env : SB_DEFAULT_ENDPOINT;
}

/* ------------------------------------------------------------ randomness */

static int fill_random(unsigned char *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got == n)
        return 0;
    /* Old kernels or seccomp filters without getrandom: the device. */
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return got == n ? 0 : -1;
}

/* n random bytes (at most RANDOM_HEX_BYTES_MAX) as 2n lower-case hex
 * digits into out (2n+1 bytes). */
static void random_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char bytes[RANDOM_HEX_BYTES_MAX];

    if (fill_random(bytes, n) < 0) {
        /* Still unique enough to match replies; keys are then only as good
         * as the clock, which beats refusing to work. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)getpid();
        for (size_t i = 0; i < n; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            bytes[i] = (unsigned char)x;
        }
    }
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * n] = '\0';
}

/* ------------------------------------------------------------ CURVE */

int sb_client_curve_load(const char *server_key, const char *key_file, sb_client_curve *ret,
                         char *err, size_t err_len)
{
    const char *sk = server_key && *server_key ? server_key : getenv("SKILLBASE_SERVER_KEY");
    const char *kf = key_file && *key_file ? key_file : getenv("SKILLBASE_KEY_FILE");
    sb_keypair kp;
    if ((!sk || !*sk) && (!kf || !*kf))
        return 0;
    if (!sk || !*sk || !kf || !*kf) {
        snprintf(err, err_len,
                 "CURVE needs both the daemon's public key (--server-key, "
                 "SKILLBASE_SERVER_KEY) and a key file (--key-file, "
                 "SKILLBASE_KEY_FILE)");
        return -1;
    }
    memset(ret, 0, sizeof *ret);
    if (sb_key_public_from_arg(sk, ret->server_key, err, err_len) ||
        sb_keypair_read(kf, true, &kp, err, err_len))
        return -1;
    memcpy(ret->public_key, kp.public_z85, sizeof ret->public_key);
    memcpy(ret->secret_key, kp.secret_z85, sizeof ret->secret_key);
    return 1;
}

int sb_client_curve_apply(void *sock, const sb_client_curve *curve)
{
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, curve->server_key, 41) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, curve->public_key, 41) < 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, curve->secret_key, 41) < 0)
        return -1;
    return 0;
}

/* A fresh idempotency key (32 hex digits): the wall clock in milliseconds
 * (12 digits), then 20 random ones. Keys that grow with time sit together
 * in the daemon's key index, so the writes of one group commit touch a few
 * of its pages rather than one page each; the random part keeps keys
 * unique between clients. */
static void new_key(char out[IDEMPOTENCY_KEY_HEX + 1])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    static const char hex[] = "0123456789abcdef";
    for (int i = KEY_CLOCK_HEX - 1; i >= 0; i--, ms >>= 4)
        out[i] = hex[ms & 15];
    random_hex(out + KEY_CLOCK_HEX, (IDEMPOTENCY_KEY_HEX - KEY_CLOCK_HEX) / 2);
}

/* ------------------------------------------------------------ socket */

static void sock_close(sb_client *c)
{
    if (c->sock)
        zmq_close(c->sock);
    c->sock = NULL;
}

/* Open and connect a fresh socket. Returns 0, SB_E(SB_INVALID) for an
 * endpoint libzmq rejects, or SB_E(SB_INTERNAL). */
static int sock_open(sb_client *c)
{
    int linger = 0;
    int64_t max = MAX_FRAME_BYTES;
    void *s = zmq_socket(c->ctx, ZMQ_DEALER);

    if (!s)
        return SB_E(SB_INTERNAL);
    /* Linger 0: a request nobody took must not hold the process at exit. */
    if (zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger) < 0 ||
        zmq_setsockopt(s, ZMQ_MAXMSGSIZE, &max, sizeof max) < 0 ||
        (c->has_curve && sb_client_curve_apply(s, &c->curve) < 0)) {
        zmq_close(s);
        return SB_E(SB_INTERNAL);
    }
    if (zmq_connect(s, c->endpoint) < 0) {
        int e = errno;
        zmq_close(s);
        /* ENAMETOOLONG: an ipc:// path past the Unix socket limit. */
        return e == EINVAL || e == EPROTONOSUPPORT || e == ENOCOMPATPROTO || e == ENAMETOOLONG
                   ? SB_E(SB_INVALID)
                   : SB_E(SB_INTERNAL);
    }
    c->sock = s;
    return 0;
}

int sb_client_new(const sb_client_options *opts, sb_client **ret)
{
    sb_client *c = calloc(1, sizeof *c);
    int r = SB_E(SB_INTERNAL);

    if (!c)
        return r;
    c->timeout_ms = opts && opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->retries = !opts || opts->retries == 0 ? DEFAULT_RETRIES
                 : opts->retries < 0         ? 0
                                             : opts->retries;
    c->endpoint = strdup(opts && opts->endpoint ? opts->endpoint : sb_client_default_endpoint());
    if (opts && opts->curve) {
        c->curve = *opts->curve;
        c->has_curve = true;
    }
    c->ctx = zmq_ctx_new();
    if (!c->endpoint || !c->ctx)
        goto out;
    /* Connecting is lazy in libzmq (no peer needed), so do it now: a
     * malformed endpoint is reported here rather than at the first call. */
    r = sock_open(c);
    if (r < 0)
        goto out;
    *ret = c;
    return 0;
out:
    sb_client_destroy(&c);
    return r;
}

void sb_client_destroy(sb_client **cp)
{
    sb_client *c = cp ? *cp : NULL;

    if (!c)
        return;
    sock_close(c);
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    free(c->endpoint);
    free(c);
    *cp = NULL;
}

/* ------------------------------------------------------------ requests */

static bool command_is_write(Skillbase__Request__CommandCase cc)
{
    /* proto/skillbase.proto: "writes 10-39"; and the four-eyes decisions */
    return (cc >= 10 && cc <= 39) || cc == SKILLBASE__REQUEST__COMMAND_CONFIRM_PROPOSAL ||
           cc == SKILLBASE__REQUEST__COMMAND_DISCARD_PROPOSAL;
}

/* Fill in protocol, a fresh request_id (when empty) and a fresh
 * idempotency_key (when empty and the command is a write). Strings set here
 * are owned by the client and stay valid until the next call. */
static void sb_client_prepare(sb_client *c, Skillbase__Request *req)
{
    req->protocol = SB_PROTOCOL_VERSION;
    /* Our own buffer left over from an earlier call counts as empty: each
     * call is a new request unless the caller chose the strings. */
    if (!req->request_id || !*req->request_id ||
        (req->request_id == c->request_id && !c->id_fresh)) {
        random_hex(c->request_id, REQUEST_ID_HEX / 2);
        req->request_id = c->request_id;
        c->id_fresh = true;
    }
    if (command_is_write(req->command_case) &&
        (!req->idempotency_key || !*req->idempotency_key ||
         (req->idempotency_key == c->idempotency_key && !c->key_fresh))) {
        new_key(c->idempotency_key);
        req->idempotency_key = c->idempotency_key;
        c->key_fresh = true;
    }
}

/* Counts what one unpack allocates; blocks come from malloc so that the
 * reply is freed with the default allocator (free_unpacked(r, NULL)). */
typedef struct {
    size_t used;
} budget;

static void *budget_alloc(void *data, size_t size)
{
    budget *b = data;

    if (size > MAX_DECODE_BYTES - b->used)
        return NULL;
    b->used += size;
    return malloc(size);
}

static void budget_free(void *data, void *p)
{
    (void)data;
    free(p);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read one whole message; returns its body (frames [empty][body]) in *body,
 * or 1 when the message has another shape (dropped), -1 on a socket error. */
static int recv_reply(void *sock, zmq_msg_t *body)
{
    zmq_msg_t frame;
    int nframes = 0, shape_ok = 1, more = 1;

    while (more) {
        zmq_msg_t *dst = nframes == 1 ? body : &frame;
        zmq_msg_init(dst);
        if (zmq_msg_recv(dst, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(dst);
            return -1;
        }
        more = zmq_msg_more(dst);
        if (nframes == 0 && zmq_msg_size(dst) != 0)
            shape_ok = 0;
        if (nframes != 1)
            zmq_msg_close(dst);
        nframes++;
    }
    if (nframes != 2 || !shape_ok) {
        if (nframes >= 2)
            zmq_msg_close(body);
        return 1;
    }
    return 0;
}

/* Wait up to timeout_ms for the reply to `request_id`. Returns 0 and *ret,
 * 1 on timeout, or a negative code. */
static int await_reply(sb_client *c, const char *request_id, Skillbase__Reply **ret)
{
    int64_t deadline = now_ms() + c->timeout_ms;

    for (;;) {
        int64_t left = deadline - now_ms();
        zmq_pollitem_t item = {.socket = c->sock, .events = ZMQ_POLLIN};
        zmq_msg_t body;
        budget b = {0};
        ProtobufCAllocator alloc = {budget_alloc, budget_free, &b};
        Skillbase__Reply *reply;
        int r;

        if (left <= 0)
            return 1;
        r = zmq_poll(&item, 1, (long)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return SB_E(SB_INTERNAL);
        if (r == 0)
            return 1;
        r = recv_reply(c->sock, &body);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (r < 0)
            return SB_E(SB_INTERNAL);
        if (r > 0)
            continue;
        reply = skillbase__reply__unpack(&alloc, zmq_msg_size(&body), zmq_msg_data(&body));
        zmq_msg_close(&body);
        if (!reply)
            return SB_E(SB_MALFORMED);
        if (!reply->request_id || strcmp(reply->request_id, request_id) != 0) {
            /* A late answer to an earlier request on this socket. */
            skillbase__reply__free_unpacked(reply, NULL);
            continue;
        }
        *ret = reply;
        return 0;
    }
}

int sb_client_call(sb_client *c, Skillbase__Request *req, Skillbase__Reply **ret)
{
    uint8_t *buf = NULL;
    size_t len;
    int r = SB_E(SB_UNAVAILABLE);

    sb_client_prepare(c, req);
    /* The next call is a new request: its strings will be regenerated. */
    c->id_fresh = c->key_fresh = false;
    len = skillbase__request__get_packed_size(req);
    buf = malloc(len ? len : 1);
    if (!buf)
        return SB_E(SB_INTERNAL);
    skillbase__request__pack(req, buf);

    for (int attempt = 0; attempt <= c->retries; attempt++) {
        if (!c->sock) {
            r = sock_open(c);
            if (r < 0)
                goto out;
        }
        /* DONTWAIT: with no pipe (cannot happen after connect, but cheap to
         * guard) the try simply times out instead of blocking forever. */
        if (zmq_send(c->sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT) == 0)
            zmq_send(c->sock, buf, len, ZMQ_DONTWAIT);
        r = await_reply(c, req->request_id, ret);
        if (r == 0 && (*ret)->code == SB_BUSY && attempt < c->retries) {
            /* The daemon shed it unapplied (docs/faults.md): the same
             * bytes again after its hint, on the same socket. */
            uint32_t pause = (*ret)->retry_after_ms ? (*ret)->retry_after_ms : 100;
            skillbase__reply__free_unpacked(*ret, NULL);
            *ret = NULL;
            if (pause > (uint32_t)c->timeout_ms)
                pause = (uint32_t)c->timeout_ms;
            struct timespec ts = {pause / 1000, (long)(pause % 1000) * 1000000L};
            while (nanosleep(&ts, &ts) && errno == EINTR)
                ;
            continue;
        }
        if (r <= 0)
            goto out;
        /* No answer: drop whatever this socket still queues and start over,
         * as the Lazy Pirate pattern does. */
        sock_close(c);
        r = SB_E(SB_UNAVAILABLE);
    }
out:
    free(buf);
    return r;
}
