/* broker_worker.h: the messages workers send (broker_worker.c), for
 * broker.c, which wakes it when the socket is readable. Private to the
 * broker; the API is broker.h.
 */
#ifndef SB_BROKER_WORKER_H
#define SB_BROKER_WORKER_H

#include "broker_jobs.h"

/* Drain the ROUTER and handle each worker message. */
void sb_broker__serve(sb_broker *b);

#endif
