/* skillbase_client: a small synchronous client for skillbased's command
 * endpoint, for the CLI, the workers and other C programs.
 *
 * One call sends one Request and waits for its Reply. If no reply comes in
 * time the socket is closed and reopened and the same bytes (same request id
 * and idempotency key) are sent again, up to `retries` times (the zguide's
 * Lazy Pirate pattern), so a retried write is applied at most once. A BUSY
 * answer (the daemon shed the request unapplied) is a try too: the same
 * bytes are sent again after its Reply.retry_after_ms; the last try's BUSY
 * is returned as it is. Replies with another request id (late answers to an
 * earlier try) are discarded.
 */
#ifndef SKILLBASE_CLIENT_H
#define SKILLBASE_CLIENT_H

#include "sb_keys.h"
#include "skillbase.pb-c.h"

typedef struct sb_client sb_client;

/* CURVE settings for a tcp:// endpoint (docs/security.md): the daemon's
 * public key and this client's key pair, each 40 Z85 characters. */
typedef struct {
    char server_key[SB_KEY_Z85_LEN + 1];
    char public_key[SB_KEY_Z85_LEN + 1];
    char secret_key[SB_KEY_Z85_LEN + 1];
} sb_client_curve;

typedef struct {
    const char *endpoint;         /* NULL: sb_client_default_endpoint() */
    int timeout_ms;               /* per try; 0: 5000 */
    int retries;                  /* extra tries after the first; negative: 0; default 2 */
    const sb_client_curve *curve; /* NULL: no CURVE (ipc://); copied */
} sb_client_options;

/* Resolve CURVE settings. `server_key` is the daemon's public key (40 Z85
 * characters, or a file holding public_key such as its server.pub);
 * `key_file` is this client's key-pair file (skillbasectl keygen; mode
 * 0600). NULL arguments fall back to $SKILLBASE_SERVER_KEY and
 * $SKILLBASE_KEY_FILE. Returns 1 with *ret filled, 0 when neither is given
 * (plain, for ipc://), or -1 with the reason in err (only one of the two
 * given, a file unreadable or readable by others, a malformed key). */
int sb_client_curve_load(const char *server_key, const char *key_file, sb_client_curve *ret,
                         char *err, size_t err_len);

/* Make ZeroMQ socket `sock` a CURVE client with `curve`, before it
 * connects. Returns 0, or -1 with errno set. */
int sb_client_curve_apply(void *sock, const sb_client_curve *curve);

/* The endpoint used when none is given: $SKILLBASE_ENDPOINT, else the
 * build's default "ipc://<default state dir>/command.sock". Never NULL. */
const char *sb_client_default_endpoint(void);

/* Create a client (connects lazily). Returns 0 and *ret, or
 * SB_E(SB_INVALID) for a malformed endpoint, SB_E(SB_INTERNAL) otherwise. */
int sb_client_new(const sb_client_options *opts, sb_client **ret);

/* Close the socket, free the client, set *c to NULL. NULL is ignored. */
void sb_client_destroy(sb_client **c);

/* Send `req` (prepared as above if not already) and wait for the reply.
 * Returns 0 and *ret (caller frees with skillbase__reply__free_unpacked(r,
 * NULL)); note a reply may itself carry an error code. Returns
 * SB_E(SB_UNAVAILABLE) when no reply came after all tries,
 * SB_E(SB_MALFORMED) when the answer did not decode. */
int sb_client_call(sb_client *c, Skillbase__Request *req, Skillbase__Reply **ret);

#endif
