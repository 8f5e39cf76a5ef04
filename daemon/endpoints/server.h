/* sb_server: the command endpoint — a ZeroMQ ROUTER inside a libuv loop,
 * with group commit.
 *
 * The ROUTER is read through sb_zreader (common/sb_zreader.h: the
 * edge-triggered ZMQ_FD, TECH-NOTES trap 2), and every turn drains the
 * socket: the requests that arrived together form one batch, applied in
 * one write transaction, committed once (durably) by sb_batch
 * (commands/batch.h: the group commit, no socket) and only then answered.
 * What is held here: the requests read ahead (at most [daemon] max_queue;
 * beyond, busy at once), the batch, and the batch in flight. The reader
 * looks at ZMQ_EVENTS again after the replies and before the loop blocks,
 * so a message that arrived while replies were being sent is never
 * stranded.
 */
#ifndef SB_SERVER_H
#define SB_SERVER_H

#include <uv.h>

#include "config.h"
#include "server_stats.h"
#include "store.h"

typedef struct sb_server sb_server;

/* Bind the command endpoint in ZeroMQ context `zctx` on `loop`. Returns 0
 * and *ret, or SB_E(SB_INTERNAL) with the reason logged (e.g. the endpoint
 * is in use). The store and the context must outlive the server. */
int sb_server_start(uv_loop_t *loop, void *zctx, const sb_config *config, sb_store *store,
                    uint64_t started_ms, sb_server **ret);

/* Answer what has already arrived, stop listening, close the socket and
 * free the server (*s = NULL). The loop then has no more handles of the
 * server's once it runs its close callbacks. */
void sb_server_stop(sb_server **s);

/* Called after every batch that committed, once its replies are sent:
 * the place where other modules pick up what the batch wrote (events to
 * publish, jobs to hand out). */
typedef void (*sb_server_commit_fn)(void *arg);

/* Register a commit hook (at most 8). Returns 0 or SB_E(SB_INTERNAL). */
int sb_server_on_commit(sb_server *s, sb_server_commit_fn fn, void *arg);

/* Counters since start (server_stats.h), for logs and status. */
void sb_server_stats_get(const sb_server *s, sb_server_stats *ret);

/* Count every answered request, by command, code and latency, in `rs`
 * (metrics; NULL stops counting). The counters must outlive the server. */
typedef struct sb_request_stats sb_request_stats;

/* The document store the document commands use (documents.h); it must
 * outlive the server. NULL: they refuse. */
struct sb_docs;
void sb_server_set_documents(sb_server *s, struct sb_docs *docs);
void sb_server_set_request_stats(sb_server *s, sb_request_stats *rs);

#endif
