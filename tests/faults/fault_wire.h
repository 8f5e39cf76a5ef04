/* fault_wire: what the fault programs need of the wire contract, as
 * packed bytes they keep (a write is resent and replayed with the very
 * bytes first sent): DEALER sockets, requests, credit codes and ids unique
 * to a run. Test-only (tests/faults, docs/faults.md). The sockets, the
 * lifecycle requests and the credit codes themselves are sb_drive's
 * (bench/sb_drive.h), shared with the benchmark.
 */
#ifndef FAULT_WIRE_H
#define FAULT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "skillbase.pb-c.h"

/* A packed message in a malloc'd buffer. */
typedef struct {
    uint8_t *data;
    size_t len;
} fw_bytes;

void fw_bytes_free(fw_bytes *b);

/* Monotonic clock in microseconds (milliseconds: sb_clock_mono_ms). */
uint64_t fw_now_us(void);

/* sb_drive_dealer bounding frames to 64 MiB; NULL on failure (the reason
 * on stderr). */
void *fw_dealer(void *ctx, const char *endpoint);

/* Send [empty][body] without blocking. Returns 0 or -1 (errno). */
int fw_send(void *sock, const fw_bytes *body);

/* sb_drive_recv, the body copied into *ret (free it). Returns 0, 1 when a
 * message of another shape was dropped (or the copy failed), -1 when
 * nothing is there (errno EAGAIN) or on error. */
int fw_recv(void *sock, fw_bytes *ret);

/* Pack a request (protocol set, the actor "fault-load" unless it names
 * one) into a malloc'd buffer. Returns 0 or -1. */
int fw_pack(Skillbase__Request *req, fw_bytes *ret);

/* Unpack a reply (malloc'd; free with skillbase__reply__free_unpacked(r,
 * NULL)); NULL when it does not decode. */
Skillbase__Reply *fw_unpack(const fw_bytes *b);

/* The reply's bytes with `replayed` cleared, for comparing an answer with
 * its replay. Returns 0 or -1. */
int fw_normalised(const fw_bytes *reply, fw_bytes *ret);

/* ---------------------------------------------------------------- ids */

/* A per-process nonce (random), so that codes and ids of several runs on
 * one store never collide. */
uint32_t fw_nonce(void);

/* The n-th valid 18-character credit code of this process (n modulo
 * 31^6 after the nonce; sb_drive_ccode_make) into out. */
void fw_credit_code(uint64_t n, char out[19]);

/* A code of this run met a unit an earlier run on the same store made (the
 * two random digits are 961 values, so rounds of one test meet now and
 * then): move this run's codes to other two digits. */
void fw_credit_code_collided(void);

/* A fresh idempotency key that grows with time (like the client
 * library's) into out. */
void fw_new_key(char out[40]);

/* Today's date in Hangzhou by the skillbase clock (the test clock when
 * SKILLBASE_TEST_CLOCK is set), "YYYY-MM-DD". */
void fw_today(char out[11]);

/* ---------------------------------------------------------------- requests */

/* The example application form (sb_example_apply) with this credit code, as
 * an Apply request with this request id and key. */
int fw_apply(const char *credit_code, const char *request_id, const char *key, fw_bytes *ret);

/* A Transition-style command on record `id`: cmd is one of
 * SKILLBASE__REQUEST__COMMAND_{REVIEW,EVALUATE (pass),CLOSE_PUBLICITY,
 * ASSESS (good scores),WITHDRAW}. */
int fw_transition(Skillbase__Request__CommandCase cmd, const char *id, const char *request_id,
                  const char *key, fw_bytes *ret);

/* An ingest of `type` (objection.filed, objection.dismissed,
 * competition.hosted, service.delivered) on `entity` from source
 * "fault-load" with the service's event id `event_id`. */
int fw_ingest(const char *type, const char *entity, const char *event_id, const char *request_id,
              fw_bytes *ret);

/* Reads. */
int fw_status(const char *request_id, fw_bytes *ret);
int fw_show(const char *id, const char *request_id, fw_bytes *ret);

#endif
