/* sb_broker: the worker endpoint — a ZeroMQ ROUTER in the daemon's libuv
 * loop that hands queued jobs to workers and records what they report.
 *
 * Workers (DEALER, workers/sb_worker.h) say Hello with the job types they
 * take and a capacity; the broker pushes due jobs of those types to them,
 * each under a lease, up to their capacity. Every change of a job is
 * committed to the store (jobq.h) before anything is sent about it. A
 * JobDone's command is applied through sb_dispatch in the transaction that
 * marks the job done (idempotency key "job:<id>", actor "worker:<name>"),
 * so its effect applies once however often the job ran. A lease that runs
 * out (a uv timer on the monotonic clock), a retryable failure or a worker
 * that stops heartbeating puts the job back in the queue with a backoff;
 * after its last attempt it is parked. At start every job still marked
 * leased is queued again (its worker will reconnect and say Hello).
 * docs/jobs.md is the protocol.
 *
 * The ROUTER is read like the command server's, through sb_zreader
 * (common/sb_zreader.h; TECH-NOTES 2): at most 256 messages a turn, then
 * the jobs they made room for are handed out.
 */
#ifndef SB_BROKER_H
#define SB_BROKER_H

#include <stdint.h>
#include <uv.h>

#include "broker_stats.h"
#include "config.h"
#include "store.h"

typedef struct sb_broker sb_broker;

/* Queue the jobs left leased by a previous run, bind config->worker_endpoint
 * in ZeroMQ context `zctx`, and start the timers on `loop`. Returns 0 and
 * *ret, or SB_E(SB_INTERNAL) with the reason logged (e.g. the endpoint is in
 * use). The store and the context must outlive the broker. */
int sb_broker_start(uv_loop_t *loop, void *zctx, const sb_config *config, sb_store *store,
                    uint64_t started_ms, sb_broker **ret);

/* Look for due jobs and hand them to free workers. `arg` is the broker
 * (the signature of an sb_server_commit_fn: register it with
 * sb_server_on_commit so jobs a batch enqueued go out at once). */
void sb_broker_kick(void *arg);

/* The counts (broker_stats.h). */
void sb_broker_stats_get(const sb_broker *b, sb_broker_stats *ret);

/* Stop: close the socket and timers and free the broker once the loop has
 * run their close callbacks (*b = NULL). Jobs still leased stay so in the
 * store and are queued again at the next start. NULL is ignored. */
void sb_broker_stop(sb_broker **b);

#endif
