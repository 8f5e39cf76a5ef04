/* sb_server_stats: the command server's group-commit counters.
 *
 * Kept apart from server.h so that the dispatcher and the status command
 * can read them without knowing about sockets or the event loop. The
 * server owns the one instance and updates it after every batch; readers
 * only ever see it between batches (one thread).
 */
#ifndef SB_SERVER_STATS_H
#define SB_SERVER_STATS_H

#include <stdint.h>

/* Batches by size: bucket k counts batches of 2^k .. 2^(k+1)-1 requests. */
#define SB_SERVER_BATCH_BUCKETS 16

/* Counters since start, for logs and status. */
typedef struct {
    uint64_t requests;
    uint64_t batches;
    uint64_t commits_failed;
    uint64_t dropped_frames;
    uint64_t largest_batch;
    uint64_t batch_sizes[SB_SERVER_BATCH_BUCKETS];
    uint64_t commit_us;           /* in the durable commit of batches */
    uint64_t apply_us;            /* applying the requests of batches */
    uint64_t shed;                /* requests answered BUSY: [daemon] max_queue were held */
    uint64_t queue_max;           /* most requests waiting for a batch at once */
    uint64_t redone;              /* batches applied again to isolate a request that
                                   * was refused after writing (dispatch.h) */
    uint64_t shed_conn;           /* requests answered BUSY (or dropped): their connection does
                                   * not read its replies (reply_queue.h) */
    uint64_t replies_undelivered; /* replies that could not be queued (gone, unread) */
    uint64_t conn_unread;         /* times a connection was found not reading its replies */
} sb_server_stats;

/* The bucket of a batch of n (n >= 1) requests. */
static inline unsigned sb_server_batch_bucket(uint64_t n)
{
    unsigned k = 0;
    while (n > 1 && k < SB_SERVER_BATCH_BUCKETS - 1) {
        n >>= 1;
        k++;
    }
    return k;
}

#endif
