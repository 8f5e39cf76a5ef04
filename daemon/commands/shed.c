#include "shed.h"

#include <string.h>

#include "sb_error.h"
#include "sb_protocol.h"
#include "validate.h"
#include "wire.h"

#define REQUEST_ID_MAX 256
#define REQUEST_ID_FIELD 2
#define RETRY_MIN_MS 10
#define RETRY_MAX_MS 10000

const char *sb_shed_request_id(sb_arena *arena, const uint8_t *frame, size_t len)
{
    const uint8_t *found;
    size_t found_len;
    if (sb_wire_find_bytes(frame, len, REQUEST_ID_FIELD, &found, &found_len) ||
        found_len > REQUEST_ID_MAX || memchr(found, 0, found_len) ||
        !sb_validate_utf8((const char *)found, found_len))
        return sb_arena_strdup(arena, "");
    char *id = sb_arena_alloc(arena, found_len + 1);
    if (id) {
        memcpy(id, found, found_len);
        id[found_len] = '\0';
    }
    return id;
}

int sb_shed_reply(sb_arena *arena, const uint8_t *frame, size_t len, const char *message,
                  uint32_t retry_after_ms, uint8_t **ret_reply, size_t *ret_len)
{
    Skillbase__Reply reply = SKILLBASE__REPLY__INIT;
    const char *id = sb_shed_request_id(arena, frame, len);
    if (!id)
        return SB_E(SB_INTERNAL);
    reply.protocol = SB_PROTOCOL_VERSION;
    reply.request_id = (char *)id;
    reply.code = SKILLBASE__ERROR_CODE__BUSY;
    reply.message = (char *)message;
    reply.retry_after_ms = retry_after_ms;
    size_t n = skillbase__reply__get_packed_size(&reply);
    uint8_t *buf = sb_arena_alloc(arena, n ? n : 1);
    if (!buf)
        return SB_E(SB_INTERNAL);
    skillbase__reply__pack(&reply, buf);
    *ret_reply = buf;
    *ret_len = n;
    return 0;
}

uint32_t sb_shed_retry_after_ms(uint64_t queued, uint32_t batch_max, uint64_t batch_us)
{
    uint64_t batches = (queued + (batch_max ? batch_max : 1) - 1) / (batch_max ? batch_max : 1) + 1;
    uint64_t ms = (batches * batch_us + 999) / 1000;
    if (ms < RETRY_MIN_MS)
        return RETRY_MIN_MS;
    return ms > RETRY_MAX_MS ? RETRY_MAX_MS : (uint32_t)ms;
}
