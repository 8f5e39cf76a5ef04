#include "sb_error.h"

#include <stddef.h>

static const char *const names[] = {
    [SB_OK] = "ok",
    [SB_MALFORMED] = "malformed",
    [SB_INVALID] = "invalid",
    [SB_NOT_FOUND] = "not_found",
    [SB_WRONG_STATE] = "wrong_state",
    [SB_STALE_VERSION] = "stale_version",
    [SB_CONFLICT] = "conflict",
    [SB_FORBIDDEN] = "forbidden",
    [SB_UNSUPPORTED_PROTOCOL] = "unsupported_protocol",
    [SB_BUSY] = "busy",
    [SB_STORE_FULL] = "store_full",
    [SB_INTERNAL] = "internal",
    [SB_UNKNOWN_COMMAND] = "unknown_command",
    [SB_KEY_REUSED] = "key_reused",
    [SB_UNAVAILABLE] = "unavailable",
};

const char *sb_error_name(int code)
{
    if (code < 0)
        code = -code;
    if ((size_t)code >= sizeof names / sizeof names[0] || !names[code])
        return "unknown";
    return names[code];
}
