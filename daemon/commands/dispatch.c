#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "four_eyes.h"
#include "handlers.h"
#include "machine.h"
#include "rules.h"
#include "scope.h"
#include "sb_clock.h"
#include "sb_error.h"
#include "sb_log.h"
#include "sb_protocol.h"
#include "sb_text.h"
#include "shed.h"
#include "validate.h"
#include "wire.h"

#define PROTOCOL_VERSION SB_PROTOCOL_VERSION
/* Decoding may use this many bytes per byte of frame (protobuf-c expands
 * small wire fields into C structs), plus a floor. */
#define DECODE_FACTOR 32
#define DECODE_FLOOR (256 * 1024)
/* What a handler may allocate on top: a page of 1000 records. */
#define WORK_BUDGET (64u * 1024 * 1024)
#define ENVELOPE_TEXT_MAX SB_ENVELOPE_TEXT_MAX
#define REQUEST_ID_FIELD 2
/* Longest idempotency key the store keeps (its key limit); an
 * authenticated caller's keys are stored prefixed with its name. */
#define IDEM_KEY_MAX SB_IDEM_KEY_MAX

static uint64_t real_now_ms(void *arg)
{
    (void)arg;
    return sb_clock_now_ms();
}

/* FNV-1a, 64 bit: tells a repeated key's command apart from another one.
 * Not a security boundary; keys are already scoped to their sender. */
static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static int command_hash(sb_arena *arena, const Skillbase__Request *req, uint64_t *ret)
{
    /* The command and the envelope fields that change its meaning; the
     * request id and the key itself are not part of it. */
    Skillbase__Request copy = *req;
    copy.request_id = (char *)"";
    copy.idempotency_key = (char *)"";
    copy.protocol = 0;
    size_t len = skillbase__request__get_packed_size(&copy);
    uint8_t *buf = sb_arena_alloc(arena, len ? len : 1);
    if (!buf)
        return SB_E(SB_INTERNAL);
    skillbase__request__pack(&copy, buf);
    *ret = fnv1a(14695981039346656037ull, buf, len);
    return 0;
}

/* s, or a repaired copy when it is not well-formed UTF-8 (a message put
 * together with a user's text cut short, say): a reply must parse. */
static char *utf8_or_repaired(sb_arena *arena, char *s)
{
    if (!s || sb_text_utf8(s, strlen(s)))
        return s;
    char *copy = sb_arena_strdup(arena, s);
    if (!copy)
        return (char *)"(a message that was not valid UTF-8)";
    sb_text_repair(copy);
    return copy;
}

static int pack_reply(sb_arena *arena, Skillbase__Reply *reply, sb_dispatch_result *ret)
{
    /* the text the daemon writes: every reply parses, in every language */
    reply->message = utf8_or_repaired(arena, reply->message);
    for (size_t i = 0; i < reply->n_details; i++)
        reply->details[i] = utf8_or_repaired(arena, reply->details[i]);
    size_t len = skillbase__reply__get_packed_size(reply);
    uint8_t *buf = sb_arena_alloc(arena, len ? len : 1);
    if (!buf)
        return SB_E(SB_INTERNAL);
    skillbase__reply__pack(reply, buf);
    ret->reply = buf;
    ret->len = len;
    ret->code = reply->code;
    ret->request_id = reply->request_id;
    return 0;
}

int sb_dispatch_error_reply(sb_arena *arena, const char *request_id, int code, const char *message,
                            uint8_t **ret_reply, size_t *ret_len)
{
    Skillbase__Reply reply = SKILLBASE__REPLY__INIT;
    sb_dispatch_result r;
    reply.protocol = PROTOCOL_VERSION;
    reply.request_id = (char *)(request_id ? request_id : "");
    reply.code = code < 0 ? -code : code;
    reply.message = (char *)message;
    int rc = pack_reply(arena, &reply, &r);
    if (rc)
        return rc;
    *ret_reply = r.reply;
    *ret_len = r.len;
    return 0;
}

static int refuse(sb_arena *arena, Skillbase__Reply *reply, int code, const char *msg,
                  sb_dispatch_result *ret)
{
    reply->code = code;
    reply->message = (char *)msg;
    reply->result_case = SKILLBASE__REPLY__RESULT__NOT_SET;
    return pack_reply(arena, reply, ret);
}

/* Why a request's protocol version is refused, naming both versions. */
static const char *protocol_refusal(sb_arena *arena, uint32_t protocol)
{
    if (protocol == 0)
        return sb_arena_printf(arena,
                               "request carries no protocol version (Request.protocol, field 1); "
                               "this daemon (skillbase %s) speaks protocol %d",
                               SB_VERSION, PROTOCOL_VERSION);
    if (protocol > PROTOCOL_VERSION)
        return sb_arena_printf(arena,
                               "request speaks protocol %u, newer than this daemon's protocol %d "
                               "(skillbase %s): upgrade the daemon or use a client of protocol %d",
                               protocol, PROTOCOL_VERSION, SB_VERSION, PROTOCOL_VERSION);
    return sb_arena_printf(arena,
                           "request speaks protocol %u, older than the oldest this daemon serves "
                           "(protocol %d to %d, skillbase %s): upgrade the client",
                           protocol, SB_PROTOCOL_MIN, PROTOCOL_VERSION, SB_VERSION);
}

static const char *check_envelope(const Skillbase__Request *req)
{
    const struct {
        const char *name;
        const char *value;
    } fields[] = {
        {"request_id", req->request_id},
        {"idempotency_key", req->idempotency_key},
        {"actor", req->actor},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!sb_rules_text_ok(fields[i].value))
            return fields[i].name;
        if (fields[i].value && strlen(fields[i].value) > ENVELOPE_TEXT_MAX)
            return fields[i].name;
    }
    return NULL;
}

/* The record's field number in Reply and in Event (proto/skillbase.proto). */
#define REPLY_RECORD_FIELD 10
#define EVENT_RECORD_FIELD 11

/* Put back the record a kept reply was stored without: event seq's. */
static int record_from_event(sb_txn *batch, sb_arena *arena, uint64_t seq, Skillbase__Reply *reply)
{
    Skillbase__Event **evs;
    size_t n;
    uint64_t next;
    int rc = sb_store_events_read(batch, seq, 1, &arena->pb, &evs, &n, &next);
    if (rc)
        return rc;
    if (n != 1 || evs[0]->seq != seq || !evs[0]->record) {
        sb_log(SB_LOG_ERROR, "a kept reply names event %llu, which holds no record",
               (unsigned long long)seq);
        return SB_E(SB_INTERNAL);
    }
    reply->result_case = SKILLBASE__REPLY__RESULT_RECORD;
    reply->record = evs[0]->record;
    return 0;
}

/* Whether the record in a packed reply is, byte for byte, the record stored
 * in event seq (an sb_store_events_each_raw callback). */
typedef struct {
    const uint8_t *record;
    size_t len;
    bool same;
} same_record;

static int compare_record(void *arg, uint64_t seq, const uint8_t *bytes, size_t len)
{
    (void)seq;
    same_record *c = arg;
    const uint8_t *rec;
    size_t rlen;
    c->same = sb_wire_find_bytes(bytes, len, EVENT_RECORD_FIELD, &rec, &rlen) == 0 &&
              rlen == c->len && memcmp(rec, c->record, rlen) == 0;
    return 0;
}

/* Pack the reply to keep under an idempotency key into *ret (arena): when
 * its record is the record the event the call appended last holds in the
 * log, without it, and *ret_record_seq names that event
 * (sb_store_idem_put); otherwise as sent. */
static int kept_reply(sb_arena *arena, const sb_call *call, const sb_dispatch_result *sent,
                      uint8_t **ret, size_t *ret_len, uint64_t *ret_record_seq)
{
    const Skillbase__Reply *reply = call->reply;
    const Skillbase__Event *ev = call->out.last_event;
    *ret = sent->reply;
    *ret_len = sent->len;
    *ret_record_seq = 0;
    if (!ev || reply->result_case != SKILLBASE__REPLY__RESULT_RECORD || !reply->record ||
        reply->record != ev->record || reply->seq != ev->seq || !ev->seq)
        return 0;
    /* the same object, but a handler may have changed it after the event
     * was stored: compare what was stored with what was sent */
    same_record cmp = {0};
    uint64_t next;
    if (sb_wire_find_bytes(sent->reply, sent->len, REPLY_RECORD_FIELD, &cmp.record, &cmp.len))
        return 0;
    int rc = sb_store_events_each_raw(call->txn, ev->seq, 1, compare_record, &cmp, &next);
    if (rc)
        return rc;
    if (!cmp.same)
        return 0;
    Skillbase__Reply bare = *reply;
    bare.result_case = SKILLBASE__REPLY__RESULT__NOT_SET;
    bare.record = NULL;
    size_t len = skillbase__reply__get_packed_size(&bare);
    uint8_t *buf = sb_arena_alloc(arena, len ? len : 1);
    if (!buf)
        return SB_E(SB_INTERNAL);
    skillbase__reply__pack(&bare, buf);
    *ret = buf;
    *ret_len = len;
    *ret_record_seq = ev->seq;
    return 0;
}

/* Answer a repeated key from the store. Returns 1 when answered, 0 when
 * the key is new, or a negated error. */
static int replay(sb_txn *batch, sb_arena *arena, const Skillbase__Request *req, const char *key,
                  uint64_t hash, Skillbase__Reply *reply, sb_dispatch_result *ret)
{
    uint64_t stored_hash, record_seq;
    uint8_t *bytes;
    size_t len;
    int rc = sb_store_idem_get(batch, key, &stored_hash, &record_seq, &bytes, &len);
    if (rc == SB_E(SB_NOT_FOUND))
        return 0;
    if (rc)
        return rc;
    if (stored_hash != hash) {
        free(bytes);
        rc = refuse(arena, reply, SB_KEY_REUSED,
                    sb_arena_printf(arena,
                                    "idempotency key \"%s\" was already used for another "
                                    "command",
                                    key),
                    ret);
        return rc ? rc : 1;
    }
    Skillbase__Reply *first = skillbase__reply__unpack(&arena->pb, len, bytes);
    free(bytes);
    if (!first)
        return SB_E(SB_INTERNAL);
    if (record_seq && (rc = record_from_event(batch, arena, record_seq, first)))
        return rc;
    first->request_id = req->request_id;
    first->replayed = 1;
    rc = pack_reply(arena, first, ret);
    return rc ? rc : 1;
}

/* Why a request without a known command is refused: a length-delimited
 * field the schema does not name is a command of a newer protocol
 * (UNKNOWN_COMMAND); with none, the command is missing (INVALID). */
static int refuse_no_command(sb_arena *arena, const Skillbase__Request *req,
                             Skillbase__Reply *reply, sb_dispatch_result *ret)
{
    for (size_t i = 0; i < req->base.n_unknown_fields; i++) {
        const ProtobufCMessageUnknownField *u = &req->base.unknown_fields[i];
        if (u->wire_type != PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED)
            continue;
        return refuse(arena, reply, SB_UNKNOWN_COMMAND,
                      sb_arena_printf(arena,
                                      "unknown command (Request field %u): this daemon (skillbase "
                                      "%s, protocol %d) does not know it; a client of a newer "
                                      "version? (docs/protocol.md lists the commands)",
                                      (unsigned)u->tag, SB_VERSION, PROTOCOL_VERSION),
                      ret);
    }
    return refuse(arena, reply, SB_INVALID,
                  "request carries no command: set exactly one command field of Request "
                  "(docs/protocol.md lists them)",
                  ret);
}

/* The request id to echo: the decoded one when the bytes sent are
 * acceptable text, else "" with the bytes in raw_request_id (a reply must
 * parse in every language: no raw bytes in a string field). */
static void echo_request_id(sb_arena *arena, const uint8_t *frame, size_t len,
                            const Skillbase__Request *req, Skillbase__Reply *reply)
{
    const uint8_t *raw;
    size_t raw_len;
    char why[64];
    reply->request_id = req->request_id;
    if (sb_wire_find_bytes(frame, len, REQUEST_ID_FIELD, &raw, &raw_len) ||
        !sb_text_fault((const char *)raw, raw_len, why, sizeof why))
        return;
    reply->request_id = (char *)"";
    uint8_t *copy = sb_arena_alloc(arena, raw_len ? raw_len : 1);
    if (!copy)
        return;
    memcpy(copy, raw, raw_len);
    reply->raw_request_id.data = copy;
    reply->raw_request_id.len = raw_len;
}

int sb_dispatch(sb_dispatch_ctx *ctx, sb_txn *batch, unsigned role, const uint8_t *frame,
                size_t len, sb_arena *arena, sb_dispatch_result *ret)
{
    sb_caller caller = {.role = role};
    return sb_dispatch_as(ctx, batch, &caller, frame, len, arena, ret);
}

/* Undo what a refused or failed request did: abort its child transaction
 * (direct: nothing to do, it wrote nothing or the batch is redone). */
static void drop(sb_call *call, bool direct)
{
    if (!direct)
        sb_store_abort(&call->txn);
}

int sb_dispatch_as(sb_dispatch_ctx *ctx, sb_txn *batch, const sb_caller *caller,
                   const uint8_t *frame, size_t len, sb_arena *arena, sb_dispatch_result *ret)
{
    Skillbase__Reply *reply = sb_arena_alloc(arena, sizeof *reply);
    if (!reply)
        return SB_E(SB_INTERNAL);
    skillbase__reply__init(reply);
    reply->protocol = PROTOCOL_VERSION;
    memset(ret, 0, sizeof *ret);
    ret->request_id = "";

    if (len == 0)
        return refuse(arena, reply, SB_MALFORMED,
                      "empty request frame: expected a packed skillbase.Request", ret);
    if (len > ctx->config->max_request_bytes) {
        reply->request_id = (char *)sb_shed_request_id(arena, frame, len);
        return refuse(arena, reply, SB_MALFORMED,
                      sb_arena_printf(arena, "request of %zu bytes exceeds the limit of %zu", len,
                                      ctx->config->max_request_bytes),
                      ret);
    }
    arena->budget = arena->used + len * DECODE_FACTOR + DECODE_FLOOR;
    Skillbase__Request *req = skillbase__request__unpack(&arena->pb, len, frame);
    arena->budget = arena->used + WORK_BUDGET;
    if (!req) {
        /* the id, if it can be read, lets the client match the refusal */
        reply->request_id = (char *)sb_shed_request_id(arena, frame, len);
        return refuse(
            arena, reply, SB_MALFORMED,
            "request is not a decodable skillbase.Request (or exceeds the decoding budget)", ret);
    }
    echo_request_id(arena, frame, len, req, reply);
    if (req->protocol < SB_PROTOCOL_MIN || req->protocol > PROTOCOL_VERSION)
        return refuse(arena, reply, SB_UNSUPPORTED_PROTOCOL, protocol_refusal(arena, req->protocol),
                      ret);
    /* every string as sent acceptable text (a NUL inside is seen only
     * here), then every enum known, at any depth (validate.h) */
    const char **problems;
    size_t n_problems;
    const char *bad =
        sb_validate_wire(arena, req->base.descriptor, frame, len, &problems, &n_problems);
    if (bad) {
        reply->details = (char **)problems;
        reply->n_details = n_problems;
        return refuse(arena, reply, SB_INVALID, bad, ret);
    }
    bad = check_envelope(req);
    if (bad)
        return refuse(arena, reply, SB_INVALID,
                      sb_arena_printf(arena, "%s: not valid UTF-8 text of at most %d bytes", bad,
                                      ENVELOPE_TEXT_MAX),
                      ret);
    bad = sb_validate_message(arena, &req->base);
    if (bad)
        return refuse(arena, reply, SB_INVALID, bad, ret);
    const sb_command *(*find)(Skillbase__Request__CommandCase) =
        ctx->find ? ctx->find : sb_command_find;
    const sb_command *cmd = find(req->command_case);
    if (!cmd && req->command_case == SKILLBASE__REQUEST__COMMAND__NOT_SET)
        return refuse_no_command(arena, req, reply, ret);
    if (!cmd)
        return refuse(arena, reply, SB_UNKNOWN_COMMAND,
                      sb_arena_printf(arena,
                                      "unknown command (Request field %d): this daemon (skillbase "
                                      "%s, protocol %d) does not serve it",
                                      (int)req->command_case, SB_VERSION, PROTOCOL_VERSION),
                      ret);
    ret->command = cmd->name;
    /* the table's roles, and what roles and keys limit beyond (access.h) */
    bad = sb_access_check(arena, caller, cmd, req);
    if (bad)
        return refuse(arena, reply, SB_FORBIDDEN, bad, ret);
    /* ingest and record_service: the source is the key's name */
    if ((bad = sb_access_bind_source(arena, caller, req)))
        return refuse(arena, reply, SB_FORBIDDEN, bad, ret);
    const char *actor = sb_access_actor(arena, caller, req, &bad);
    if (!actor)
        return refuse(arena, reply, SB_FORBIDDEN, bad, ret);

    uint64_t hash = 0;
    int rc;
    /* A command may derive its key from its content (ingest: the
     * service's own event id); otherwise the envelope's key counts. */
    const char *key = cmd->write && cmd->idem_key
                          ? cmd->idem_key(arena, req)
                          : sb_access_scope_key(arena, caller, req->idempotency_key);
    bool keyed = cmd->write && key && key[0];
    /* a key the store cannot hold must not fail the whole batch */
    if (keyed && strlen(key) > IDEM_KEY_MAX)
        return refuse(arena, reply, SB_INVALID,
                      sb_arena_printf(arena, "idempotency_key: longer than %d bytes", IDEM_KEY_MAX),
                      ret);
    if (keyed) {
        rc = command_hash(arena, req, &hash);
        if (rc)
            return rc;
        rc = replay(batch, arena, req, key, hash, reply, ret);
        if (rc)
            return rc < 0 ? rc : 0;
    }

    uint64_t now = (ctx->now_ms ? ctx->now_ms : real_now_ms)(ctx->clock_arg);
    sb_call call = {
        .store = ctx->store,
        .arena = arena,
        .config = ctx->config,
        .req = req,
        .reply = reply,
        .now_ms = now,
        .today = sb_date_from_ms(now),
        .started_ms = ctx->started_ms,
        .actor = actor,
        .server_stats = ctx->server_stats,
        .caller = caller,
        .docs = ctx->docs,
        .find = find,
    };
    /* Directly in the batch, or in a child transaction that a refusal
     * aborts (dispatch.h: ctx->direct). */
    bool direct = ctx->direct;
    uint64_t writes_before = sb_store_txn_writes(batch);
    if (direct)
        call.txn = batch;
    else if ((rc = sb_store_sub_begin(batch, &call.txn)))
        return rc;
    sb_call_begin(&call);
    /* a district-scoped key: only its own district-level records (scope.h),
     * then a four-eyes decision is proposed, not made (four_eyes.h) */
    rc = sb_scope_check(&call, cmd);
    if (!rc)
        rc = sb_four_eyes_applies(&call, cmd) ? sb_four_eyes_propose(&call, cmd) : cmd->fn(&call);
    bool refused = rc || reply->code != SB_OK;
    if (refused) /* decide before you write (handler.h): a debug build stops here */
        sb_call_check_refusal(&call, reply->code != SB_OK ? (int)reply->code : -rc);
    if (rc == SB_E(SB_STORE_FULL)) {
        drop(&call, direct);
        return rc; /* the whole batch is redone once the map has grown */
    }
    if (refused && direct && sb_store_txn_writes(batch) != writes_before)
        return SB_DISPATCH_REDO; /* what it wrote cannot be taken out alone */
    if (rc && reply->code == SB_OK) {
        /* the store failed under the handler, not a refusal */
        drop(&call, direct);
        sb_log(SB_LOG_ERROR, "%s failed: %s", cmd->name, sb_error_name(rc));
        return refuse(arena, reply, -rc, "the daemon could not complete the command; see its log",
                      ret);
    }
    if (refused) {
        drop(&call, direct);
        return pack_reply(arena, reply, ret);
    }
    /* the reply names the last event the command appended */
    if (call.out.last_event)
        reply->seq = call.out.last_event->seq;
    rc = pack_reply(arena, reply, ret);
    if (!rc && keyed) {
        uint8_t *kept;
        size_t kept_len;
        uint64_t record_seq;
        rc = kept_reply(arena, &call, ret, &kept, &kept_len, &record_seq);
        if (!rc)
            rc = sb_store_idem_put(call.txn, key, hash, record_seq, kept, kept_len);
    }
    if (rc) {
        drop(&call, direct);
        return rc == SB_E(SB_STORE_FULL) ? rc : SB_E(SB_INTERNAL);
    }
    if (!direct && (rc = sb_store_commit(&call.txn)))
        return rc;
    ret->wrote = cmd->write;
    return 0;
}
