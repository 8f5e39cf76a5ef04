/* sb_peers: the broker's memory of connected workers and of the leases out
 * with them. No sockets, no store: the broker (broker.c) decides, this
 * module keeps the lists. Private to the broker.
 */
#ifndef SB_BROKER_PEERS_H
#define SB_BROKER_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobs.h"
#include "skillbase.pb-c.h"

#define SB_PEER_IDENT_MAX 256
#define SB_PEER_NAME_MAX 128
#define SB_PEER_TYPES_MAX 32
#define SB_PEER_CAPACITY_MAX 1024

/* A worker that said Hello. */
typedef struct sb_peer {
    struct sb_peer *next;
    uint8_t ident[SB_PEER_IDENT_MAX]; /* its ROUTER identity */
    size_t ident_len;
    char *name;
    char **types;
    size_t n_types;
    uint32_t capacity;
    uint32_t leases;  /* leases it holds */
    uint32_t pending; /* jobs being leased to it in the current transaction */
    char **phantoms;  /* jobs it still works on that are not leased to it (from before a
                       * reconnect, or whose lease ran out): they fill capacity until
                       * the worker reports them */
    size_t n_phantoms;
    uint64_t last_heard; /* uv_now of its last message */
    uint64_t last_sent;  /* uv_now of the last message to it */
} sb_peer;

/* A job out with a worker. */
typedef struct sb_lease {
    struct sb_lease *next;
    char id[SB_JOB_ID_MAX];
    uint32_t attempt;
    sb_peer *w;       /* NULL once its worker is gone (left to the lease timer) */
    uint64_t expires; /* uv_now when the lease runs out */
} sb_lease;

typedef struct {
    sb_peer *workers;
    sb_lease *leases;
} sb_peers;

/* NULL when the Hello is usable, else why not (one line, static). */
const char *sb_peers_check_hello(const Skillbase__WorkerHello *h);

/* The worker with that identity or name; NULL when none. */
sb_peer *sb_peers_find(sb_peers *p, const void *ident, size_t len);
sb_peer *sb_peers_find_name(sb_peers *p, const char *name);

/* Add a worker from a checked Hello (everything copied; capacity 0 means
 * 1). Returns it, or NULL when out of memory. */
sb_peer *sb_peers_add(sb_peers *p, const void *ident, size_t len, const Skillbase__WorkerHello *h,
                      uint64_t now);

/* Forget a worker; its leases stay, with w set to NULL. */
void sb_peers_remove(sb_peers *p, sb_peer *w);

/* Free everything. */
void sb_peers_clear(sb_peers *p);

/* Jobs the worker can take now. */
uint32_t sb_peer_free(const sb_peer *w);

/* True when w announced `type`. */
bool sb_peer_takes(const sb_peer *w, const char *type);

/* Remember a job the worker still works on without a lease (counted
 * against capacity until its outcome arrives). Returns 0 or -1 (out of
 * memory). */
int sb_peer_phantom_add(sb_peer *w, const char *id);

/* Forget a job in hand; true when it was one. */
bool sb_peer_phantom_drop(sb_peer *w, const char *id);

/* Record a lease (counted against w's capacity). NULL when out of memory. */
sb_lease *sb_peers_lease_add(sb_peers *p, sb_peer *w, const char *id, uint32_t attempt,
                             uint64_t expires);

/* The lease of job `id`; NULL when none. */
sb_lease *sb_peers_lease_find(sb_peers *p, const char *id);

/* Move a lease to another worker (the same worker reconnected). */
void sb_peers_lease_move(sb_lease *l, sb_peer *to);

/* Forget a lease and free it. */
void sb_peers_lease_drop(sb_peers *p, sb_lease *l);

/* The earliest lease expiry; UINT64_MAX when there is no lease. */
uint64_t sb_peers_next_expiry(const sb_peers *p);

/* Move the first worker to the end, so the next round starts elsewhere. */
void sb_peers_rotate(sb_peers *p);

#endif
