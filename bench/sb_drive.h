/* sb_drive: what the programs that drive skillbased from outside share —
 * the benchmark (bench/) and the fault suite's load and checks
 * (tests/faults/sb_fault).
 *
 *   - DEALER sockets in the client library's frame shape
 *     (clients/skillbase_client.c): [empty][Request] out, [empty][Reply] in;
 *   - requests packed for the wire (the lifecycle's requests themselves
 *     are built by common/sb_example.h, which the unit tests share);
 *   - valid, distinct unified social credit codes (GB 32100-2015);
 *   - a process's CPU time, memory, threads and descriptors from /proc;
 *   - numeric flags read strictly (common/sb_parse.h), with a message that
 *     names the flag.
 *
 * Nothing here keeps state between calls. Messages go to stderr after the
 * program's name (program_invocation_short_name).
 */
#ifndef SB_DRIVE_H
#define SB_DRIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zmq.h>

#include "sb_example.h"
#include "skillbase.pb-c.h"
#include "skillbase_client.h"

/* ---------------------------------------------------------------- sockets */

typedef struct {
    int reconnect_ms;             /* ZMQ_RECONNECT_IVL; 0: libzmq's default (100 ms) */
    int64_t max_msg_bytes;        /* ZMQ_MAXMSGSIZE; 0: no bound */
    const sb_client_curve *curve; /* NULL: no CURVE (ipc://) */
} sb_drive_dealer_options;

/* A DEALER in ctx with linger 0, set up as `o` says (NULL: defaults) and
 * connected to endpoint. Returns it, or NULL with the reason on stderr. */
void *sb_drive_dealer(void *ctx, const char *endpoint, const sb_drive_dealer_options *o);

/* Send [empty][body]; flags 0 (block) or ZMQ_DONTWAIT. Returns 0, or -1
 * with errno set. */
int sb_drive_send(void *sock, const void *body, size_t len, int flags);

/* Receive one whole message without waiting for it. Returns 0 with its body
 * frame in *ret_body (the caller zmq_msg_close()s it) when it was
 * [empty][body]; 1 when a message of another shape was read and dropped;
 * -1 when none was waiting (errno EAGAIN) or on error. */
int sb_drive_recv(void *sock, zmq_msg_t *ret_body);

/* One request and its answer on a connected DEALER: pack req (its
 * request_id set by the caller), send it without blocking and wait up to
 * timeout_ms for the reply that carries that request id (others are
 * dropped). Returns the reply (free with
 * skillbase__reply__free_unpacked(r, NULL)), or NULL: not sent, no answer
 * in time, or an answer that does not decode. */
Skillbase__Reply *sb_drive_call(void *dealer, Skillbase__Request *req, int timeout_ms);

/* ---------------------------------------------------------------- requests
 * (built with common/sb_example.h) */

/* Set req's protocol version and pack it into buf (cap bytes). Returns 0
 * and *ret_len; or -1, *ret_len the size it needs, when it does not fit
 * (so buf NULL and cap 0 ask for the size). */
int sb_drive_pack(Skillbase__Request *req, uint8_t *buf, size_t cap, size_t *ret_len);

/* ---------------------------------------------------------------- credit codes */

#define SB_DRIVE_CCODE_LEN 18

/* The GB 32100-2015 check character of a 17-character body. Returns 0
 * (NUL) when the body holds a character outside the alphabet. */
char sb_drive_ccode_check(const char *body17);

/* A code valid in every part: `prefix` (8 to 15 characters: the
 * registration-authority pair and the six-digit division code, e.g.
 * "91330100" for an enterprise registered in Hangzhou), then n spelled in
 * the 31 symbols of the alphabet over the rest of the organisation code's
 * first eight characters (n taken modulo sb_drive_ccode_space(prefix)),
 * its GB 11714-1997 check digit, then the GB 32100-2015 check character.
 * Distinct n below the space give distinct codes. out gets
 * SB_DRIVE_CCODE_LEN + 1 bytes. */
void sb_drive_ccode_make(const char *prefix, uint64_t n, char out[SB_DRIVE_CCODE_LEN + 1]);

/* How many codes sb_drive_ccode_make spells after this prefix: 31 to the
 * power of the positions left before the organisation code's check digit
 * (UINT64_MAX when that does not fit). */
uint64_t sb_drive_ccode_space(const char *prefix);

/* ---------------------------------------------------------------- odds and ends */

/* 64 random bits (getrandom; the clock and pid mixed when it fails). */
uint64_t sb_drive_random64(void);

typedef struct {
    double cpu_s;     /* user + system time */
    uint64_t rss_kb;  /* VmRSS */
    uint64_t hwm_kb;  /* VmHWM: the peak RSS */
    uint64_t anon_kb; /* RssAnon: heap and stacks, without the LMDB map */
    uint64_t file_kb; /* RssFile: mostly the LMDB map */
    unsigned threads; /* Threads */
    unsigned fds;     /* entries in /proc/<pid>/fd */
} sb_drive_proc;

/* Read the figures of process pid (/proc/<pid>/stat, status and fd).
 * Returns 0 and *ret, or -1 (ret untouched) when any cannot be read. */
int sb_drive_proc_read(pid_t pid, sb_drive_proc *ret);

/* The value of numeric flag `flag` (e.g. "--clients"): a whole number
 * from min to max as sb_parse_u64 reads it. Returns 0 and *ret, or -1
 * after printing `<program>: <flag>: "<s>" is not a whole number from
 * <min> to <max>`. */
int sb_drive_flag_u64(const char *flag, const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/* The same for a decimal number (strtod) from min to max; `unit` (e.g.
 * "seconds", or NULL) is named in the message: `... is not a number of
 * seconds from <min> to <max>`. */
int sb_drive_flag_number(const char *flag, const char *s, double min, double max, const char *unit,
                         double *ret);

/* ------------------------------------------------------------ test clock */

/* Publicity runs its course before certification (二(三)2): a load that
 * certifies runs the daemon on a test clock (common/sb_clock.h) and moves it
 * on by SB_DRIVE_CLOCK_STEP_DAYS every SB_DRIVE_CLOCK_STEP_MS; an
 * application is closed once the clock has passed the end of its window
 * (sb_drive_publicity_close_at_ms), as the daemon's reply names it. Counting
 * steps instead is wrong twice: the daemon can start publicity on a step the
 * driver has not counted yet (the file is written before the count moves),
 * and a window across a long holiday can outlast a step. */
#define SB_DRIVE_CLOCK_STEP_DAYS 20
#define SB_DRIVE_CLOCK_STEP_MS 200

/* Write the test clock file at `path`: `ms` since the epoch, replacing the
 * file atomically. Returns 0, or -1 (printed to stderr). */
int sb_drive_clock_write(const char *path, uint64_t ms);

/* When a close_publicity can first succeed: 24:00 Hangzhou at the end of
 * `ends_on` (Application.publicity_ends_on, "YYYY-MM-DD", as the reply that
 * started or resumed publicity carries it), in ms since the epoch; 0 when
 * ends_on is NULL, empty or not a date. */
uint64_t sb_drive_publicity_close_at_ms(const char *ends_on);

#endif
