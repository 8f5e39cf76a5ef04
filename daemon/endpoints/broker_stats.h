/* sb_broker_stats: the worker broker's counts, kept apart from broker.h
 * so the broker's own files (broker_jobs.h) can hold them without the
 * broker's public API.
 */
#ifndef SB_BROKER_STATS_H
#define SB_BROKER_STATS_H

#include <stdint.h>

/* Counts for logs and tests. */
typedef struct {
    uint32_t workers;   /* connected (said Hello, not yet gone) */
    uint32_t leases;    /* jobs out with workers */
    uint64_t delivered; /* jobs sent since start */
    uint64_t completed; /* JobDone recorded */
    uint64_t failed;    /* JobFailed, lease lost, dead worker */
    uint64_t refused;   /* JobDone not from the job's worker, or with a command its type
                         * does not allow (logged) */
} sb_broker_stats;

#endif
