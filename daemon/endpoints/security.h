/* sb_security: who may connect to the daemon, and as whom
 * (docs/security.md).
 *
 * - Every tcp:// endpoint is a CURVE server with the daemon's own key pair
 *   (<state_dir>/server.key, made at the first start) and a ZAP domain
 *   that the ZAP handler (zap.h) answers from the keys file ([security]
 *   keys): an unknown key fails the handshake. Without a keys file a
 *   tcp:// endpoint is refused at start.
 * - ipc:// endpoints rely on the permissions of the socket's directory:
 *   the daemon makes the state directory 0750, so only its user and group
 *   can connect. Their callers have the role [security] ipc_role
 *   (operator) on the command endpoint, worker on the worker endpoint,
 *   and may subscribe to the event stream.
 * - For every message the server asks sb_security_caller who sent it: the
 *   key's name and its role as the keys file says now. A key removed (or
 *   replaced) by a reload is refused from its next message on, although
 *   its connection stays open; a changed role applies at once.
 *
 * There is one security state per daemon process, like its configuration:
 * sb_security_start sets it up before any endpoint binds.
 */
#ifndef SB_SECURITY_H
#define SB_SECURITY_H

#include <stdbool.h>
#include <uv.h>
#include <zmq.h>

#include "config.h"
#include "conn_monitor.h"
#include "handlers.h"
#include "rules.h"

/* The daemon's endpoints, each with its ZAP domain. */
typedef enum {
    SB_ENDPOINT_COMMAND = 0,
    SB_ENDPOINT_WORKER,
    SB_ENDPOINT_EVENTS,
    _SB_ENDPOINT_MAX,
} sb_endpoint_kind;

/* ------------------------------------------------------------ configuration */

/* Derive the server key path and check that every tcp:// endpoint has a
 * keys file to authenticate against. */
void sb_security_config_finish(sb_config *c, sb_problems *problems);

/* ------------------------------------------------------------ the daemon */

/* Load the keys file (if configured) and the server key pair (creating it,
 * mode 0600, when missing), make the state directory 0750, and bind the
 * ZAP handler in `zctx`, served on `loop`. Must run before any endpoint
 * binds. Returns 0, or -1 with the reason logged (unreadable keys file,
 * bad key pair). */
int sb_security_start(uv_loop_t *loop, void *zctx, const sb_config *config);

/* Stop the ZAP handler and free the keys. Safe to call twice. */
void sb_security_stop(void);

/* Prepare server socket `sock` before it binds `endpoint` of `kind`:
 * tcp:// becomes a CURVE server with the daemon's key, the kind's ZAP
 * domain and domain enforcement; ipc:// is left as it is. Returns 0, or -1
 * with the reason logged (the endpoint must not be bound then). */
int sb_security_server_socket(void *sock, const char *endpoint, sb_endpoint_kind kind);

/* Once every endpoint is bound: make the ipc:// socket files of `config`
 * mode 0660 (the daemon's user and group), whatever the umask. A failure
 * is logged, not fatal (the directory's mode protects them too). */
void sb_security_protect_ipc(const sb_config *config);

/* Who sent `frame` (any frame of a message received on a socket prepared
 * above, for endpoint `kind`). Always fills *ret; ret->role is 0 when the
 * sender may do nothing (its key was removed, or a frame of a CURVE
 * endpoint carries no identity). The strings point into the frame's
 * metadata and the keys registry: valid while the frame is open and until
 * the next reload (which never runs inside a batch). */
void sb_security_caller(zmq_msg_t *frame, sb_endpoint_kind kind, sb_caller *ret);

/* Connections of a tcp:// endpoint since start (conn_monitor.h); zeros for
 * an ipc:// one. */
void sb_security_conn_counts(sb_endpoint_kind kind, sb_conn_counts *ret);

/* Handshakes accepted and refused by the ZAP handler since start. */
void sb_security_zap_counts(uint64_t *ret_accepted, uint64_t *ret_refused);

/* sb_reload hooks (reload.h): check loads the new keys file (a bad one
 * refuses the reload; the keys in force stay) and puts back the start-only
 * server_key; apply swaps the keys in. `arg` is unused. */
int sb_security_reload_check(void *arg, const sb_config *live, sb_config *next, char *err,
                             size_t err_len);
void sb_security_reload_apply(void *arg, const sb_config *live);

#endif
