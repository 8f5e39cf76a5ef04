/* sb_error: the one set of result codes shared by daemon, client and CLI.
 *
 * The codes are the wire enum Skillbase__ErrorCode (proto/skillbase.proto),
 * so a code never changes meaning between a function's return value, a
 * Reply and the CLI's exit message. Functions return 0 on success or the
 * negated code, SB_E(SKILLBASE__ERROR_CODE__NOT_FOUND), like libuv's -errno.
 */
#ifndef SB_ERROR_H
#define SB_ERROR_H

#include "skillbase.pb-c.h"

/* Negated error code, for returns: `return SB_E(SB_NOT_FOUND);`. */
#define SB_E(code) (-(int)(code))

/* Short names for the codes (the wire enum's values). */
#define SB_OK SKILLBASE__ERROR_CODE__OK
#define SB_MALFORMED SKILLBASE__ERROR_CODE__MALFORMED
#define SB_INVALID SKILLBASE__ERROR_CODE__INVALID
#define SB_NOT_FOUND SKILLBASE__ERROR_CODE__NOT_FOUND
#define SB_WRONG_STATE SKILLBASE__ERROR_CODE__WRONG_STATE
#define SB_STALE_VERSION SKILLBASE__ERROR_CODE__STALE_VERSION
#define SB_CONFLICT SKILLBASE__ERROR_CODE__CONFLICT
#define SB_FORBIDDEN SKILLBASE__ERROR_CODE__FORBIDDEN
#define SB_UNSUPPORTED_PROTOCOL SKILLBASE__ERROR_CODE__UNSUPPORTED_PROTOCOL
#define SB_BUSY SKILLBASE__ERROR_CODE__BUSY
#define SB_STORE_FULL SKILLBASE__ERROR_CODE__STORE_FULL
#define SB_INTERNAL SKILLBASE__ERROR_CODE__INTERNAL
#define SB_UNKNOWN_COMMAND SKILLBASE__ERROR_CODE__UNKNOWN_COMMAND
#define SB_KEY_REUSED SKILLBASE__ERROR_CODE__KEY_REUSED
#define SB_UNAVAILABLE SKILLBASE__ERROR_CODE__UNAVAILABLE

/* Stable lower-case name of a code ("wrong_state"); accepts the code or its
 * negation. Unknown codes give "unknown". Never NULL. */
const char *sb_error_name(int code);

#endif
