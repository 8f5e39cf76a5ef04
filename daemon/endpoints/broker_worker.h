/* broker_worker.h: the messages workers send (broker_worker.c), for
 * broker.c, whose reader (sb_zreader.h) calls it while one is waiting.
 * Private to the broker; the API is broker.h.
 */
#ifndef SB_BROKER_WORKER_H
#define SB_BROKER_WORKER_H

#include "broker_jobs.h"

/* Receive one worker message and handle it (arg: the broker). */
void sb_broker__on_message(void *arg);

/* At the end of a turn of messages: hand out jobs (arg: the broker). */
void sb_broker__after_messages(void *arg);

#endif
