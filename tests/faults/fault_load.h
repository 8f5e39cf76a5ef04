/* fault_load: the clients of the fault suite (docs/faults.md).
 *
 * `clients` DEALER sockets, each carrying `lanes` requests in flight at
 * once, all multiplexed by one thread with zmq_poll. Each lane walks
 * applications through their life with its own records, so no two lanes
 * ever contend: apply, review, evaluate (pass), [an objection filed and
 * dismissed by ingest], close_publicity (certified, creating the
 * sub-base), [a competition hosted and a service delivered, by ingest],
 * assess; then a fresh
 * credit code. Publicity runs its course first (二(三)2): when the lanes
 * certify and SKILLBASE_TEST_CLOCK names the daemon's test clock, the load
 * moves it on (sb_drive.h) and a lane closes publicity only once the clock
 * has passed the end of the window its last reply named. Every write carries an idempotency key
 * (ingests their own event id).
 *
 * Retries are the client library's (Lazy Pirate): a request unanswered
 * after timeout_ms closes its socket, a new one is opened and every request
 * the socket had in flight is sent again with the same bytes — same
 * request id, same key — until it is answered or give_up_ms pass. A BUSY
 * answer (and any code in retry_codes) resends the same bytes after the
 * daemon's Reply.retry_after_ms (at least 50 ms). So a daemon killed and
 * restarted in the middle of a burst sees the same requests again.
 */
#ifndef FAULT_LOAD_H
#define FAULT_LOAD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "fault_wire.h"

/* Set (e.g. by a signal handler) to stop starting requests. */
extern volatile sig_atomic_t fl_stop;

/* Latencies of the requests answered in one sampling window. */
typedef struct {
    double t_s;     /* seconds since the run began */
    uint64_t count; /* requests answered in the window */
    double p50_ms, p90_ms, p99_ms, max_ms;
    uint64_t requests; /* answered OK since the start */
    uint64_t busy;     /* BUSY answers since the start */
    uint64_t retries;  /* resends after a timeout since the start */
} fl_window;

typedef struct {
    const char *endpoint;
    unsigned clients;      /* sockets (default 1) */
    unsigned lanes;        /* requests in flight per socket (default 1) */
    double rate;           /* requests started per second in all; 0: as fast as answered */
    double seconds;        /* stop starting requests after this long (0: no limit) */
    const char *stop_file; /* ... or once this file exists (NULL: none) */
    int timeout_ms;        /* per try (default 2000) */
    int give_up_ms;        /* one request's limit over all tries (default 120000) */
    unsigned reads_every;  /* every n-th request of a lane is a read (0: none) */
    bool ingest;           /* objections and competitions by ingest */
    const char *last_step; /* a lane's application ends after this step ("evaluate": left
                            * in publicity; NULL: assess) */
    unsigned apps;         /* applications per lane, then the lane is done (0: no limit) */
    bool keep_writes;      /* remember every acknowledged write (fl_result.acked) */
    uint32_t retry_codes;  /* bit per ErrorCode resent after a pause like BUSY
                            * (e.g. STORE_FULL on a full disk); others fail the run */
    unsigned sample_ms;    /* call `sample` this often (0: never) */
    void (*sample)(void *arg, const fl_window *w);
    void *sample_arg;
    bool quiet;                    /* no progress lines on stderr */
    const volatile uint64_t *mark; /* a counter read when each answer arrives, kept with
                                    * the write (the power-loss trace position, docs/
                                    * powerloss.md); NULL: none */
} fl_options;

/* One acknowledged write. */
typedef struct {
    fw_bytes request; /* the bytes sent (every try the same) */
    fw_bytes reply;   /* the answer that acknowledged it */
    char request_id[64];
    unsigned events; /* events it must have caused */
    uint64_t seq;    /* Reply.seq: its last event */
    unsigned tries;  /* sends after timeouts + 1 */
    unsigned busy;   /* BUSY (or retry_codes) answers before it was taken */
    bool replayed;   /* the acknowledging answer came from the idempotency store */
    uint64_t mark;   /* *fl_options.mark when the answer arrived (0: no counter) */
} fl_write;

typedef struct {
    double elapsed_s;
    uint64_t started;             /* requests started */
    uint64_t requests;            /* answered OK */
    uint64_t writes;              /* of which writes */
    uint64_t retries;             /* resends after a timeout */
    uint64_t retried_requests;    /* requests sent more than once after timeouts */
    uint64_t retried_replayed;    /* of which the answer came from the idempotency store: an
                                   * earlier try had been committed, its answer lost */
    uint64_t reconnects;          /* sockets reopened */
    uint64_t busy;                /* BUSY answers */
    uint64_t busy_hint_missing;   /* BUSY answers without retry_after_ms or message */
    uint64_t retried_codes[16];   /* answers with a code in retry_codes, by code */
    uint64_t events;              /* events the acknowledged writes caused */
    uint64_t certified_by_worker; /* closes skillbase-deadlines had made already */
    double max_latency_ms;
    fl_write *acked; /* keep_writes: every acknowledged write */
    size_t n_acked, cap_acked;
    int failed; /* see stderr */
} fl_result;

/* Run the clients in context ctx until told to stop and every request in
 * flight is answered. Returns 0 with *ret (free with fl_result_free), or
 * -1 when the run failed (ret->failed, the reason on stderr: a request not
 * answered within give_up_ms, an answer that does not decode, a refusal
 * not in retry_codes). */
int fl_run(void *ctx, const fl_options *o, fl_result *ret);

void fl_result_free(fl_result *r);

/* One line summary on stderr. */
void fl_result_print(const char *what, const fl_result *r);

#endif
