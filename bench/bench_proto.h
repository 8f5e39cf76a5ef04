/* bench_proto: the requests the benchmark sends and the replies it reads,
 * in the wire contract's generated code (proto/skillbase.proto).
 *
 * Frames follow skillbase_client (sb_drive.h): a DEALER sends
 * [empty][Request] and receives [empty][Reply], so the daemon sees the
 * benchmark as it sees the CLI. Every write carries an idempotency key, as the CLI's do, so the
 * daemon does the work a real client causes.
 */
#ifndef BENCH_PROTO_H
#define BENCH_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "skillbase.pb-c.h"

/* The steps of one application's lifecycle, in order. */
typedef enum {
    BENCH_STEP_APPLY,
    BENCH_STEP_REVIEW,
    BENCH_STEP_EVALUATE,
    BENCH_STEP_CLOSE,  /* close_publicity: certified, creates the sub-base */
    BENCH_STEP_ASSESS, /* on the sub-base */
    BENCH_STEP_COUNT,
} bench_step;

/* The command's name as in the proto ("close_publicity"). */
const char *bench_step_name(bench_step step);

/* Pack the request of `step`: for APPLY `target` is the credit code, for
 * ASSESS the sub-base id, otherwise the application id. Returns 0 and
 * *ret_len, or -1 when it does not fit `cap`. */
int bench_request_pack(bench_step step, const char *target, const char *request_id,
                       const char *idempotency_key, uint8_t *buf, size_t cap, size_t *ret_len);

/* What the driver needs from a reply. */
typedef struct {
    int code; /* Skillbase__ErrorCode */
    char request_id[48];
    char id[48];       /* APPLY: the new application; CLOSE: its sub-base */
    char message[200]; /* the daemon's text on a refusal */
    /* EVALUATE: when close_publicity can first succeed (ms since the epoch,
     * sb_drive_publicity_close_at_ms); 0 when the reply does not say */
    uint64_t publicity_close_at_ms;
} bench_reply;

/* Decode a reply frame. Returns 0, or -1 when it does not decode (or an OK
 * reply to APPLY/CLOSE lacks the id the next step needs). */
int bench_reply_parse(const uint8_t *frame, size_t len, bench_step step, bench_reply *ret);

/* sb_drive_call with a fresh request_id (and the benchmark as the actor
 * unless req names one). Returns the reply (free with
 * skillbase__reply__free_unpacked(r, NULL)) or NULL on timeout or a frame
 * that does not decode. */
Skillbase__Reply *bench_call(void *dealer, Skillbase__Request *req, int timeout_ms);

/* The daemon's counters from `status`. */
typedef struct {
    uint64_t last_seq;
    uint64_t requests, batches, largest_batch;
    uint64_t batch_sizes[16];
    size_t n_batch_sizes;
    uint64_t commit_us, apply_us;
    uint64_t store_bytes, map_bytes;
    uint64_t records; /* sum of the per-state counts */
} bench_status;

/* Ask for status. Returns 0 or -1 (no answer in timeout_ms, or refused). */
int bench_status_get(void *dealer, int timeout_ms, bench_status *ret);

/* sb_drive_dealer with the benchmark's CURVE settings (bench_curve.h)
 * and, when reconnect_ms > 0, that reconnection interval (libzmq's default
 * is 100 ms); NULL on failure (the reason printed to stderr). */
void *bench_dealer_open(void *ctx, const char *endpoint, int reconnect_ms);

#endif
