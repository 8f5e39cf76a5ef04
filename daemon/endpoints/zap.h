/* sb_zap: the ZAP handler (ZeroMQ RFC 27) that decides, during the CURVE
 * handshake, who may connect to which of the daemon's endpoints.
 *
 * libzmq asks the socket bound at inproc://zeromq.zap.01 in the same
 * context about every CURVE client key. Without a handler libzmq 4.3 lets
 * every key in (TECH-NOTES trap 1), so the handler is bound before any
 * CURVE server socket binds, and each of those sets a ZAP domain and ZAP
 * domain enforcement: then a handshake without an answer fails too.
 *
 * The answer for a key in the keys file whose role may use the domain is
 * 200 with User-Id = the key's name and the metadata properties "Role"
 * (its role) and "Key" (its public key, Z85), which the server reads from
 * every message (zmq_msg_gets). Anything else is 400: the client's
 * handshake fails and it never gets a reply.
 *
 * The socket is served in the daemon's libuv loop like the ROUTERs,
 * through sb_zreader (common/sb_zreader.h; ZMQ_FD is edge-triggered, trap
 * 2): every turn answers all the requests waiting.
 */
#ifndef SB_ZAP_H
#define SB_ZAP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sb_keys.h"

/* The ZAP domains of the daemon's endpoints. */
#define SB_ZAP_DOMAIN_COMMAND "skillbase.command"
#define SB_ZAP_DOMAIN_WORKER "skillbase.worker"
#define SB_ZAP_DOMAIN_EVENTS "skillbase.events"

/* Metadata property names the handler sets. */
#define SB_ZAP_PROP_ROLE "Role"
#define SB_ZAP_PROP_KEY "Key"

/* True when a key of `role` may connect to the endpoint of `domain`. */
int sb_zap_role_allowed(const char *domain, sb_key_role role);

/* ------------------------------------------------------------ the decision */

/* One frame of a request, as received. */
typedef struct {
    const uint8_t *data;
    size_t len;
} sb_zap_frame;

/* A reply, ready to send as six frames (version, request id, status code,
 * status text, user id, metadata). A request id longer than
 * SB_ZAP_REQUEST_ID_MAX is refused; the text is cut at SB_ZAP_TEXT_MAX - 1
 * bytes; the metadata holds the two properties this daemon sets. */
#define SB_ZAP_REQUEST_ID_MAX 256
#define SB_ZAP_TEXT_MAX 128
#define SB_ZAP_METADATA_MAX 128
typedef struct {
    uint8_t request_id[SB_ZAP_REQUEST_ID_MAX];
    size_t request_id_len;
    char status[sizeof "500"]; /* "200", "400" or "500" */
    char text[SB_ZAP_TEXT_MAX];
    char user_id[SB_KEY_NAME_MAX + 1];
    uint8_t metadata[SB_ZAP_METADATA_MAX]; /* ZMTP properties: Role and Key */
    size_t metadata_len;
} sb_zap_reply;

/* Answer one request of `n` frames against `keys` (NULL: nobody). Never
 * fails: a malformed request gets "500" (libzmq never sends one; only a bug
 * could). Pure, for tests and the fuzzer. */
void sb_zap_answer(const sb_keys *keys, const sb_zap_frame *frames, size_t n, sb_zap_reply *ret);

/* ------------------------------------------------------------ the socket */

typedef struct sb_zap sb_zap;

/* Bind the handler in ZeroMQ context `zctx` and serve it on `loop`,
 * answering from *keys (read at every request, so a reload that swaps the
 * pointer takes effect for the next handshake). Returns 0 and *ret, or -1
 * with the reason logged (another handler is bound: a bug). */
int sb_zap_start(uv_loop_t *loop, void *zctx, sb_keys *const *keys, sb_zap **ret);

/* Counters: handshakes accepted and refused since start. */
void sb_zap_counts(const sb_zap *z, uint64_t *ret_accepted, uint64_t *ret_refused);

/* Stop serving, close the socket and free the handler once the loop has
 * closed its handles (*z = NULL). NULL is ignored. */
void sb_zap_stop(sb_zap **z);

#endif
