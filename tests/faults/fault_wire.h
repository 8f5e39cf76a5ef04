/* fault_wire: what the fault programs need of the wire contract — DEALER
 * sockets in the client library's frame shape, requests built with the
 * generated code, unique credit codes and ids, and the daemon's figures
 * from /proc. Test-only (tests/faults, docs/faults.md).
 *
 * Frames are those of clients/skillbase_client.c: a DEALER sends
 * [empty][Request] and receives [empty][Reply].
 */
#ifndef FAULT_WIRE_H
#define FAULT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "skillbase.pb-c.h"

/* A packed message in a malloc'd buffer. */
typedef struct {
    uint8_t *data;
    size_t len;
} fw_bytes;

void fw_bytes_free(fw_bytes *b);

/* Monotonic clock. */
uint64_t fw_now_us(void);
uint64_t fw_now_ms(void);

/* A DEALER in ctx connected to endpoint, linger 0; NULL on failure (the
 * reason on stderr). */
void *fw_dealer(void *ctx, const char *endpoint);

/* Send [empty][body] without blocking. Returns 0 or -1 (errno). */
int fw_send(void *sock, const fw_bytes *body);

/* Receive one message without blocking. Returns 0 with *ret (a copy of the
 * body frame; free it), 1 when a message of another shape was dropped, -1
 * when nothing is there (errno EAGAIN) or on error. */
int fw_recv(void *sock, fw_bytes *ret);

/* Pack a request; protocol set here. Returns 0 or -1. */
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

/* The n-th valid 18-character credit code of this process (GB 32100
 * check character included) into out. */
void fw_credit_code(uint64_t n, char out[19]);

/* A fresh idempotency key that grows with time (like the client
 * library's) into out. */
void fw_new_key(char out[40]);

/* Today's date in Hangzhou by the skillbase clock (the test clock when
 * SKILLBASE_TEST_CLOCK is set), "YYYY-MM-DD". */
void fw_today(char out[11]);

/* ---------------------------------------------------------------- requests */

/* The example application form (examples/application.json) with this
 * credit code, as an Apply request with this request id and key. */
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

/* ---------------------------------------------------------------- the daemon process */

typedef struct {
    uint64_t rss_kb;  /* VmRSS */
    uint64_t anon_kb; /* RssAnon: heap and stacks, not the LMDB map */
    unsigned fds;     /* entries in /proc/<pid>/fd */
    unsigned threads;
} fw_proc;

/* Read the figures of pid. Returns 0 or -1. */
int fw_proc_read(pid_t pid, fw_proc *ret);

#endif
