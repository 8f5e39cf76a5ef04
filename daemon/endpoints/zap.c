#include "zap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "sb_log.h"
#include "sb_zreader.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
/* A request has 6 frames plus the mechanism's credentials (CURVE: 1). */
#define FRAMES_MAX 8

struct sb_zap {
    void *sock;
    sb_zreader *reader; /* the REP in the loop (sb_zreader.h) */
    sb_keys *const *keys;
    uint64_t accepted, refused;
    /* refusals are logged at most once a second (a flood of bad
     * handshakes must not flood the journal); the rest are counted */
    time_t last_log;
    uint64_t unlogged;
};

/* Which roles each endpoint admits (docs/security.md, "Roles"): a worker
 * key on the command endpoint is a reader there. */
static const struct {
    const char *domain;
    unsigned roles; /* bits 1 << sb_key_role */
} domains[] = {
    {SB_ZAP_DOMAIN_COMMAND, 1u << SB_KEY_ROLE_OPERATOR | 1u << SB_KEY_ROLE_REVIEWER |
                                1u << SB_KEY_ROLE_SERVICE | 1u << SB_KEY_ROLE_WORKER |
                                1u << SB_KEY_ROLE_READER},
    {SB_ZAP_DOMAIN_WORKER, 1u << SB_KEY_ROLE_WORKER},
    {SB_ZAP_DOMAIN_EVENTS, 1u << SB_KEY_ROLE_OPERATOR | 1u << SB_KEY_ROLE_REVIEWER |
                               1u << SB_KEY_ROLE_SERVICE | 1u << SB_KEY_ROLE_WORKER |
                               1u << SB_KEY_ROLE_READER},
};

int sb_zap_role_allowed(const char *domain, sb_key_role role)
{
    if (role < 0 || role >= _SB_KEY_ROLE_MAX)
        return 0;
    for (size_t i = 0; i < sizeof domains / sizeof domains[0]; i++)
        if (strcmp(domains[i].domain, domain) == 0)
            return (domains[i].roles >> role) & 1u;
    return 0;
}

static bool frame_is(const sb_zap_frame *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->data, s, f->len) == 0;
}

static void set_status(sb_zap_reply *r, const char *code, const char *text)
{
    snprintf(r->status, sizeof r->status, "%s", code);
    snprintf(r->text, sizeof r->text, "%s", text);
}

/* Append one ZMTP property: name length (1 byte), name, value length (4
 * bytes, big-endian), value. */
static void add_property(sb_zap_reply *r, const char *name, const char *value)
{
    size_t nl = strlen(name), vl = strlen(value);
    if (r->metadata_len + 1 + nl + 4 + vl > sizeof r->metadata)
        return; /* cannot happen: names and values are short and fixed */
    uint8_t *p = r->metadata + r->metadata_len;
    *p++ = (uint8_t)nl;
    memcpy(p, name, nl);
    p += nl;
    *p++ = (uint8_t)(vl >> 24);
    *p++ = (uint8_t)(vl >> 16);
    *p++ = (uint8_t)(vl >> 8);
    *p++ = (uint8_t)vl;
    memcpy(p, value, vl);
    r->metadata_len += 1 + nl + 4 + vl;
}

void sb_zap_answer(const sb_keys *keys, const sb_zap_frame *f, size_t n, sb_zap_reply *r)
{
    memset(r, 0, sizeof *r);
    if (n >= 2 && f[1].len <= sizeof r->request_id) {
        memcpy(r->request_id, f[1].data, f[1].len);
        r->request_id_len = f[1].len;
    }
    /* version, request id, domain, address, routing id, mechanism */
    if (n < 6 || !frame_is(&f[0], "1.0") || f[1].len > sizeof r->request_id) {
        set_status(r, "500", "malformed ZAP request");
        return;
    }
    char domain[64];
    if (f[2].len >= sizeof domain) {
        set_status(r, "400", "unknown domain");
        return;
    }
    memcpy(domain, f[2].data, f[2].len);
    domain[f[2].len] = '\0';
    if (!frame_is(&f[5], "CURVE") || n != 7 || f[6].len != 32) {
        set_status(r, "400", "only CURVE clients are admitted here");
        return;
    }
    const sb_key_entry *e = keys ? sb_keys_find_key(keys, f[6].data) : NULL;
    if (!e) {
        set_status(r, "400", "unknown key");
        return;
    }
    if (!sb_zap_role_allowed(domain, e->role)) {
        set_status(r, "400", "this key's role may not use this endpoint");
        return;
    }
    /* the stream carries every district's events and cannot be filtered per
     * subscriber: a district-scoped key reads events with read_events */
    if (e->district[0] && strcmp(domain, SB_ZAP_DOMAIN_EVENTS) == 0) {
        set_status(r, "400",
                   "a key scoped to a district may not follow the event stream "
                   "(it carries every district's events); use read_events");
        return;
    }
    set_status(r, "200", "OK");
    snprintf(r->user_id, sizeof r->user_id, "%s", e->name);
    add_property(r, SB_ZAP_PROP_ROLE, sb_key_role_name(e->role));
    add_property(r, SB_ZAP_PROP_KEY, e->public_z85);
}

/* ------------------------------------------------------------ the socket */

static void send_reply(sb_zap *z, const sb_zap_reply *r)
{
    int more = ZMQ_SNDMORE | ZMQ_DONTWAIT;
    if (zmq_send(z->sock, "1.0", 3, more) < 0 ||
        zmq_send(z->sock, r->request_id, r->request_id_len, more) < 0 ||
        zmq_send(z->sock, r->status, strlen(r->status), more) < 0 ||
        zmq_send(z->sock, r->text, strlen(r->text), more) < 0 ||
        zmq_send(z->sock, r->user_id, strlen(r->user_id), more) < 0 ||
        zmq_send(z->sock, r->metadata, r->metadata_len, ZMQ_DONTWAIT) < 0)
        sb_log(SB_LOG_ERROR, "zap: cannot answer: %s", zmq_strerror(errno));
}

/* Receive one request (at most FRAMES_MAX frames; the rest is dropped),
 * answer it. Returns 0, or -1 when nothing was there. */
static int serve_one(sb_zap *z)
{
    zmq_msg_t msgs[FRAMES_MAX];
    sb_zap_frame frames[FRAMES_MAX];
    size_t n = 0;
    int more = 1;
    while (more) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, z->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            if (n == 0)
                return -1;
            break; /* a REP never hands out half a message: cannot happen */
        }
        more = zmq_msg_more(&m);
        if (n < FRAMES_MAX) {
            msgs[n] = m;
            frames[n].data = zmq_msg_data(&msgs[n]);
            frames[n].len = zmq_msg_size(&msgs[n]);
            n++;
        } else {
            zmq_msg_close(&m);
            n = FRAMES_MAX + 1; /* marks the request as too long */
        }
    }
    size_t kept = n > FRAMES_MAX ? FRAMES_MAX : n;
    sb_zap_reply r;
    sb_zap_answer(*z->keys, frames, n > FRAMES_MAX ? 0 : n, &r);
    for (size_t i = 0; i < kept; i++)
        zmq_msg_close(&msgs[i]);
    if (strcmp(r.status, "200") == 0) {
        z->accepted++;
        sb_log(SB_LOG_DEBUG, "zap: admitted %s", r.user_id);
    } else {
        z->refused++;
        time_t now = time(NULL);
        if (now != z->last_log) {
            if (z->unlogged)
                sb_log(SB_LOG_INFO, "zap: refused a client: %s (and %llu more refusals before)",
                       r.text, (unsigned long long)z->unlogged);
            else
                sb_log(SB_LOG_INFO, "zap: refused a client: %s", r.text);
            z->last_log = now;
            z->unlogged = 0;
        } else {
            z->unlogged++;
        }
    }
    send_reply(z, &r);
    return 0;
}

static void on_request(void *arg)
{
    serve_one(arg);
}

int sb_zap_start(uv_loop_t *loop, void *zctx, sb_keys *const *keys, sb_zap **ret)
{
    sb_zap *z = calloc(1, sizeof *z);
    if (!z)
        return -1;
    z->keys = keys;
    z->sock = zmq_socket(zctx, ZMQ_REP);
    int linger = 0;
    if (!z->sock)
        goto fail;
    zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(z->sock, ZAP_ENDPOINT)) {
        sb_log(SB_LOG_ERROR, "zap: cannot bind %s: %s", ZAP_ENDPOINT, zmq_strerror(errno));
        goto fail;
    }
    /* every request waiting, each turn: handshakes wait for the answers */
    sb_zreader_options ro = {.sock = z->sock, .name = "zap", .on_message = on_request, .arg = z};
    if (sb_zreader_start(loop, &ro, &z->reader))
        goto fail;
    *ret = z;
    return 0;
fail:
    if (z->sock)
        zmq_close(z->sock);
    free(z);
    return -1;
}

void sb_zap_counts(const sb_zap *z, uint64_t *ret_accepted, uint64_t *ret_refused)
{
    *ret_accepted = z ? z->accepted : 0;
    *ret_refused = z ? z->refused : 0;
}

void sb_zap_stop(sb_zap **zp)
{
    sb_zap *z = zp ? *zp : NULL;
    if (!z)
        return;
    *zp = NULL;
    sb_zreader_stop(&z->reader);
    zmq_close(z->sock);
    free(z);
}
